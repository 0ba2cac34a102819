import Foundation

/// An exclusive advisory lock on a file in the data directory, held for a process's life.
///
/// The daemon holds `vault.lock` while it runs, so that `baton vault purge` and
/// `rotate-key` — which change keys the daemon keeps in memory — refuse to run beside it.
public final class DirectoryLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock without waiting; `nil` when another process holds it.
    public init?(_ path: String) throws(StorageError) {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .openFailed(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
