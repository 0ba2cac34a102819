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
        let text = String(decoding: contents, as: UTF8.self)
        let json: Data
        if text.hasPrefix(sealedHeader) {
            guard let sealingKey else { throw .keyringSealed(path: path) }
            guard let sealed = Data(base64Encoded: String(text.dropFirst(sealedHeader.count)).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .keyringUnusable(path: path, reason: "the sealed keyring is not base64")
            }
            do {
                json = try Envelope.open(sealed, key: sealingKey, associatedData: Data("baton-keyring".utf8))
            } catch {
                throw .wrongKey("BATON_VAULT_KEY does not open \(path)")
            }
        } else {
            json = contents
        }
        guard let file = try? JSONDecoder().decode(KeyringFile.self, from: json), file.keys[file.active] != nil else {
            throw .keyringUnusable(path: path, reason: "not a keyring file")
        }
        var keys: [String: SymmetricKey] = [:]
        for (id, encoded) in file.keys {
            guard let bytes = Data(base64Encoded: encoded), bytes.count == 32 else {
                throw .keyringUnusable(path: path, reason: "key \(id) is not 32 bytes")
            }
            keys[id] = SymmetricKey(data: bytes)
        }
        let keyring = VaultKeyring(activeKeyID: file.active, keys: keys)
        if sealingKey != nil, !text.hasPrefix(sealedHeader) { try keyring.save(to: path, sealingKey: sealingKey) }
        return keyring
    }

    /// Writes the keyring atomically with mode 0600.
    public func save(to path: String, sealingKey: SymmetricKey?) throws(VaultError) {
        let file = KeyringFile(active: activeKeyID, keys: keys.mapValues { $0.withUnsafeBytes { Data($0).base64EncodedString() } })
        do {
            var contents = try JSONEncoder().encode(file)
            if let sealingKey {
                let sealed = try Envelope.seal(contents, key: sealingKey, associatedData: Data("baton-keyring".utf8))
                contents = Data((Self.sealedHeader + sealed.base64EncodedString() + "\n").utf8)
            }
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

    private static func newKeyID() -> String {
        (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    private struct KeyringFile: Codable {
        var active: String
        var keys: [String: String]
    }
}
