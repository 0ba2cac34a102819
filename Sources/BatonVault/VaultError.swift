import BatonCore

/// Why the vault cannot do what was asked. Never contains a token or key material.
public enum VaultError: BatonError, Equatable {
    /// The keyring file is sealed and no `BATON_VAULT_KEY` was given.
    case keyringSealed(path: String)
    /// `BATON_VAULT_KEY` does not open the keyring, or the keyring does not match the data keys.
    case wrongKey(String)
    /// `BATON_VAULT_KEY` is not 32 bytes of base64.
    case malformedEnvironmentKey
    /// The keyring file cannot be read, parsed or written.
    case keyringUnusable(path: String, reason: String)
    /// A sealed value failed authentication: tampered, moved to another entry, or corrupt.
    case unsealFailed(String)
    /// Another process (the daemon) holds the vault.
    case locked(path: String)
    /// The store failed.
    case storage(String)
    /// Another daemon sharing the store rotated the master key since this one read the keyring.
    case keyringChanged
    /// A store several daemons share keeps the keyring sealed, and `BATON_VAULT_KEY` is not set.
    case sharedKeyringNeedsKey

    public var code: String {
        switch self {
        case .keyringSealed: "vault_keyring_sealed"
        case .wrongKey: "vault_wrong_key"
        case .malformedEnvironmentKey: "vault_key_malformed"
        case .keyringUnusable: "vault_keyring_unusable"
        case .unsealFailed: "vault_unseal_failed"
        case .locked: "vault_locked"
        case .storage: "vault_storage"
        case .keyringChanged: "vault_keyring_changed"
        case .sharedKeyringNeedsKey: "vault_key_required"
        }
    }

    public var description: String {
        switch self {
        case .keyringSealed(let path): "the vault keyring \(path) is sealed with BATON_VAULT_KEY, which is not set"
        case .wrongKey(let detail): "wrong vault key: \(detail)"
        case .malformedEnvironmentKey: "BATON_VAULT_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)"
        case .keyringUnusable(let path, let reason): "the vault keyring \(path) cannot be used: \(reason)"
        case .unsealFailed(let detail): "a sealed vault value did not authenticate: \(detail)"
        case .locked(let path): "the vault is in use by a running daemon (\(path) is locked); stop it first"
        case .storage(let detail): "vault storage failed: \(detail)"
        case .keyringChanged: "another daemon rotated the vault's master key meanwhile; the keyring was read again"
        case .sharedKeyringNeedsKey:
            "a vault on PostgreSQL keeps its keyring in the database, sealed with BATON_VAULT_KEY: set it, the same on every daemon "
                + "(32 random bytes in base64, e.g. `openssl rand -base64 32`)"
        }
    }
}
