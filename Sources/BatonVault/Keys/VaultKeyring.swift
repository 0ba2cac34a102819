import BatonCore
import Crypto
import Foundation

/// The vault's master keys: one active key wraps new data keys; older keys stay until
/// every data key they wrapped has been re-wrapped.
///
/// Kept in `vault.keyring` in the data directory (mode 0600). When `BATON_VAULT_KEY` is
/// set, the keyring file is itself sealed with it, so a copy of the data directory is
/// useless without the environment's key.
public struct VaultKeyring: Sendable {
    public private(set) var activeKeyID: String
    private var keys: [String: SymmetricKey]

    public static let fileName = "vault.keyring"
    private static let sealedHeader = "baton-keyring-sealed-v1\n"

    /// The active master key.
    var activeKey: SymmetricKey { keys[activeKeyID]! }

    /// The key with id `id`, if the keyring still has it.
    func key(_ id: String) -> SymmetricKey? { keys[id] }

    var keyIDs: [String] { keys.keys.sorted() }

    /// A keyring with one new random key.
    static func generate() -> VaultKeyring {
        let id = newKeyID()
        return VaultKeyring(activeKeyID: id, keys: [id: SymmetricKey(size: .bits256)])
    }

    /// Adds a new random key and makes it active; the old keys stay for unwrapping.
    mutating func addActiveKey() {
        let id = Self.newKeyID()
        keys[id] = SymmetricKey(size: .bits256)
        activeKeyID = id
    }

    /// Forgets every key but the active one.
    mutating func dropInactiveKeys() {
        keys = keys.filter { $0.key == activeKeyID }
    }

    // MARK: - The file

    /// Reads the keyring at `path`, creating one if none exists.
    ///
    /// - Parameter sealingKey: `BATON_VAULT_KEY` when set; seals and opens the file.
    public static func loadOrCreate(at path: String, sealingKey: SymmetricKey?) throws(VaultError) -> VaultKeyring {
        guard let contents = FileManager.default.contents(atPath: path) else {
            let keyring = generate()
            try keyring.save(to: path, sealingKey: sealingKey)
            return keyring
        }
        let (keyring, wasSealed) = try decode(contents, sealingKey: sealingKey, source: path)
        if sealingKey != nil, !wasSealed { try keyring.save(to: path, sealingKey: sealingKey) }
        return keyring
    }

    /// A keyring from its stored form (a file's contents, or what a shared store keeps);
    /// whether it was sealed.
    ///
    /// - Parameter source: names where it came from in errors.
    static func decode(_ contents: Data, sealingKey: SymmetricKey?, source: String) throws(VaultError) -> (VaultKeyring, sealed: Bool) {
        let text = String(decoding: contents, as: UTF8.self)
        let isSealed = text.hasPrefix(sealedHeader)
        let json: Data
        if isSealed {
            guard let sealingKey else { throw .keyringSealed(path: source) }
            guard let sealed = Data(base64Encoded: String(text.dropFirst(sealedHeader.count)).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .keyringUnusable(path: source, reason: "the sealed keyring is not base64")
            }
            do {
                json = try Envelope.open(sealed, key: sealingKey, associatedData: Data("baton-keyring".utf8))
            } catch {
                throw .wrongKey("BATON_VAULT_KEY does not open \(source)")
            }
        } else {
            json = contents
        }
        guard let file = try? JSONDecoder().decode(KeyringFile.self, from: json), file.keys[file.active] != nil else {
            throw .keyringUnusable(path: source, reason: "not a keyring file")
        }
        var keys: [String: SymmetricKey] = [:]
        for (id, encoded) in file.keys {
            guard let bytes = Data(base64Encoded: encoded), bytes.count == 32 else {
                throw .keyringUnusable(path: source, reason: "key \(id) is not 32 bytes")
            }
            keys[id] = SymmetricKey(data: bytes)
        }
        return (VaultKeyring(activeKeyID: file.active, keys: keys), isSealed)
    }

    /// The keyring file at `path` (sealed or not) in the form a shared store keeps it:
    /// sealed with `sealingKey` (`baton storage copy`).
    public static func sharedForm(ofFile path: String, sealingKey: SymmetricKey) throws(VaultError) -> Data {
        guard let contents = FileManager.default.contents(atPath: path) else { throw .keyringUnusable(path: path, reason: "cannot read it") }
        return try decode(contents, sealingKey: sealingKey, source: path).0.encoded(sealingKey: sealingKey, source: path)
    }

    /// The keyring's stored form: JSON, sealed with `sealingKey` when there is one.
    func encoded(sealingKey: SymmetricKey?, source: String) throws(VaultError) -> Data {
        let file = KeyringFile(active: activeKeyID, keys: keys.mapValues { $0.withUnsafeBytes { Data($0).base64EncodedString() } })
        do {
            let contents = try JSONEncoder().encode(file)
            guard let sealingKey else { return contents }
            let sealed = try Envelope.seal(contents, key: sealingKey, associatedData: Data("baton-keyring".utf8))
            return Data((Self.sealedHeader + sealed.base64EncodedString() + "\n").utf8)
        } catch {
            throw .keyringUnusable(path: source, reason: "\(error)")
        }
    }

    /// Writes the keyring atomically with mode 0600.
    public func save(to path: String, sealingKey: SymmetricKey?) throws(VaultError) {
        let contents = try encoded(sealingKey: sealingKey, source: path)
        do {
            let temporary = path + ".new"
            FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600])
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.write(contentsOf: contents)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else { throw VaultError.keyringUnusable(path: path, reason: String(cString: strerror(errno))) }
        } catch let error as VaultError {
            throw error
        } catch {
            throw .keyringUnusable(path: path, reason: "\(error)")
        }
    }

    /// The key `BATON_VAULT_KEY` names, if set.
    public static func sealingKey(from environment: [String: String]) throws(VaultError) -> SymmetricKey? {
        guard let text = environment["BATON_VAULT_KEY"] else { return nil }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw .malformedEnvironmentKey
        }
        return SymmetricKey(data: bytes)
    }

    /// A fresh random key in `BATON_VAULT_KEY`'s form (base64 of 32 bytes), for a
    /// throwaway stack of daemons that must share one.
    public static func randomSealingKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    private static func newKeyID() -> String {
        (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    private struct KeyringFile: Codable {
        var active: String
        var keys: [String: String]
    }
}
