import Foundation

/// The directory that holds Baton's database files and keys, private to its owner.
///
/// Created with mode 0700; an existing directory that other users can enter is refused,
/// because everything inside is sensitive even when sealed.
public struct DataDirectory: Sendable, Equatable {
    /// The absolute path.
    public let path: String

    /// Creates the directory (and missing parents) if needed and checks its mode.
    public static func prepare(_ path: String) throws(StorageError) -> DataDirectory {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .dataDirectoryUnusable(path: absolute, reason: "exists and is not a directory")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .dataDirectoryUnusable(path: absolute, reason: "cannot create it: \(Self.reason(error))")
            }
        }
        try PrivateFile.requireMode(absolute, allowed: 0o700)
        return DataDirectory(path: absolute)
    }

    /// Opens an existing directory without creating it, for read-only commands.
    public static func existing(_ path: String) -> DataDirectory? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return DataDirectory(path: absolute)
    }

    /// The bytes of the secret key file `name`, created with `byteCount` random bytes and
    /// mode 0600 on first use. A key file that is open to others or of the wrong size is refused.
    public func secretKey(named name: String, byteCount: Int = 32) throws(StorageError) -> Data {
        let path = file(name)
        if !FileManager.default.fileExists(atPath: path) {
            var bytes = [UInt8](repeating: 0, count: byteCount)
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
            try PrivateFile.create(path, contents: Data(bytes))
        }
        try PrivateFile.requireMode(path, allowed: 0o600)
        guard let data = FileManager.default.contents(atPath: path), data.count == byteCount else {
            throw .openFailed(path: path, reason: "a key file must hold exactly \(byteCount) bytes")
        }
        return data
    }

    /// The path of a file inside the directory.
    public func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// Helpers for files that must be readable by their owner alone.
enum PrivateFile {
    /// Creates `path` with mode 0600 holding `contents` unless it exists; never replaces an existing file.
    static func create(_ path: String, contents: Data = Data()) throws(StorageError) {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return }
            throw .openFailed(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(descriptor) == 0 else {
            throw .openFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Refuses a file or directory whose mode grants more than `allowed`.
    static func requireMode(_ path: String, allowed: UInt16) throws(StorageError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .openFailed(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = UInt16(info.st_mode & 0o777)
        if mode & ~allowed != 0 {
            throw .permissionsTooOpen(path: path, mode: mode, expected: allowed)
        }
    }
}
