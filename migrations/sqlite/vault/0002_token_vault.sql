-- The token vault: exchanged tokens sealed with their user's data key, each data key
-- wrapped by a master key from the keyring. No token and no unwrapped key is stored.

-- One row per master key that has wrapped data keys: a sealed known value lets a wrong
-- master key be told apart from corrupt data.
CREATE TABLE vault_master_keys (
    key_id TEXT PRIMARY KEY,
    key_check BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- One data key per user (tid + oid). Deleting the row is crypto-shredding: with the
-- master key rotated afterwards, no copy of the database can unseal that user's entries.
CREATE TABLE vault_user_keys (
    tenant_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    master_key_id TEXT NOT NULL REFERENCES vault_master_keys (key_id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, object_id)
);

-- Sealed tokens. entry_key is SHA-256 over issuer, tenant, exchanging client, target
-- audience, canonical scopes and the hash of the user assertion; it is also the AES-GCM
-- associated data, so a sealed blob cannot be moved to another entry.
CREATE TABLE vault_entries (
    entry_key BLOB PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    tenant_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    username TEXT,
    agent TEXT NOT NULL,
    audience TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, object_id) REFERENCES vault_user_keys (tenant_id, object_id) ON DELETE CASCADE
);

CREATE INDEX vault_entries_by_user ON vault_entries (tenant_id, object_id);
CREATE INDEX vault_entries_by_agent ON vault_entries (agent);
CREATE INDEX vault_entries_by_expiry ON vault_entries (expires_at);

-- Lookup counters, flushed by the running daemon, for `baton vault stats`.
CREATE TABLE vault_counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
