import BatonCore
import BatonIdentity
import Crypto
import Foundation

/// The vault's envelope encryption over a ``VaultStore``'s bytes: entries sealed with the
/// user's data key and bound to their vault key, data keys wrapped by a master key and
/// bound to their user, a check value per master key.
extension VaultKeyring {
    /// The check value of the active master key.
    func activeCheck() throws -> MasterKeyCheck {
        MasterKeyCheck(keyID: activeKeyID, check: try Envelope.seal(Data("baton".utf8), key: activeKey, associatedData: Self.checkData(activeKeyID)))
    }

    /// Refuses a keyring that does not hold the keys the stored data keys are wrapped with;
    /// records the active key's check value.
    func check(against store: any VaultStore) async throws {
        for recorded in try await store.masterKeyChecks() {
            guard let key = key(recorded.keyID) else {
                let wraps = try await store.dataKeyCount(wrappedBy: recorded.keyID)
                if wraps > 0 {
                    throw VaultError.wrongKey("\(wraps) data key(s) are wrapped by master key \(recorded.keyID), which the keyring does not hold")
                }
                continue
            }
            guard (try? Envelope.open(recorded.check, key: key, associatedData: Self.checkData(recorded.keyID))) != nil else {
                throw VaultError.wrongKey("the keyring's key \(recorded.keyID) is not the key that wrapped the stored data keys")
            }
        }
        try await store.recordMasterKey(try activeCheck())
    }

    /// `dataKey` wrapped by the active master key for its user.
    func wrap(_ dataKey: SymmetricKey, tenantID: String, objectID: String) throws -> WrappedDataKey {
        WrappedDataKey(
            tenantID: tenantID, objectID: objectID,
            wrapped: try Envelope.seal(dataKey.withUnsafeBytes { Data($0) }, key: activeKey, associatedData: Self.userData(tenantID, objectID)),
            masterKeyID: activeKeyID)
    }

    /// The data key inside `wrapped`.
    func unwrap(_ wrapped: WrappedDataKey) throws -> SymmetricKey {
        guard let master = key(wrapped.masterKeyID) else {
            throw VaultError.wrongKey("master key \(wrapped.masterKeyID) is missing from the keyring")
        }
        return SymmetricKey(data: try Envelope.open(wrapped.wrapped, key: master, associatedData: Self.userData(wrapped.tenantID, wrapped.objectID)))
    }

    /// `token` sealed with its user's data key, bound to its vault key.
    static func seal(_ token: Secret, key: VaultKey, dataKey: SymmetricKey) throws -> Data {
        try Envelope.seal(Data(token.revealed.utf8), key: dataKey, associatedData: key.bytes)
    }

    /// The token inside `sealed`.
    static func open(_ sealed: Data, key: VaultKey, dataKey: SymmetricKey) throws -> Secret {
        Secret(String(decoding: try Envelope.open(sealed, key: dataKey, associatedData: key.bytes), as: UTF8.self))
    }

    private static func userData(_ tenantID: String, _ objectID: String) -> Data {
        Data("user:\(tenantID.lowercased()):\(objectID.lowercased())".utf8)
    }

    private static func checkData(_ keyID: String) -> Data {
        Data("baton-vault-key-check:\(keyID)".utf8)
    }
}
