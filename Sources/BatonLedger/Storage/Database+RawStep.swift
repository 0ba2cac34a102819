import GRDB
import GRDBSQLite

extension Database {
    /// Runs a statement whose arguments were bound by hand (the hot append and index
    /// paths bind bytes in place), reporting a failure as GRDB would.
    func stepToDone(_ handle: SQLiteStatement) throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)))
        }
    }
}
