import GRDB
internal import GRDBSQLite

/// The few raw SQLite calls of the ledger's hot paths (appending, indexing, verifying,
/// scanning), which bind and read bytes in place instead of through `DatabaseValue`s.
enum RawSQLite {
    /// A BLOB column's bytes, valid until the statement steps again.
    private static func bytes(_ handle: SQLiteStatement, column: Int32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, column), count: Int(sqlite3_column_bytes(handle, column)))
    }

    /// A column's bytes if it holds a BLOB, else no bytes: a record or hash stored as text
    /// (or anything else) is not the one written.
    static func blob(_ handle: SQLiteStatement, column: Int32) -> UnsafeRawBufferPointer {
        sqlite3_column_type(handle, column) == SQLITE_BLOB ? bytes(handle, column: column) : UnsafeRawBufferPointer(start: nil, count: 0)
    }
}

extension Database {
    /// Runs a statement whose arguments were bound by hand, reporting a failure as GRDB would.
    func stepToDone(_ handle: SQLiteStatement) throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    /// The error for a result code SQLite returned on this connection, as GRDB reports it.
    func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)))
    }
}
