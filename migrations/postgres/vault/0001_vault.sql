-- The token vault on PostgreSQL, shared by every daemon on this schema: sealed entries,
-- users' data keys wrapped by a master key, and the keyring holding the master keys.

-- The keyring, sealed with BATON_VAULT_KEY (which every daemon holds). One row; a master-key
-- rotation replaces it in the transaction that re-wraps every data key.
CREATE TABLE vault_keyring (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    keyring bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Each master key's id and a constant sealed under it.
CREATE TABLE vault_master_keys (
    key_id text PRIMARY KEY,
    key_check bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Each user's data key, wrapped by a master key still recorded (a daemon with an old
-- keyring cannot add a key wrapped by a master key a rotation removed).
CREATE TABLE vault_user_keys (
    tenant_id text NOT NULL,
    object_id text NOT NULL,
    wrapped_key bytea NOT NULL,
    master_key_id text NOT NULL REFERENCES vault_master_keys (key_id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, object_id)
);

-- Tokens sealed with their user's data key. Expiry in milliseconds since 1970.
CREATE TABLE vault_entries (
    entry_key bytea PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('access', 'refresh')),
    tenant_id text NOT NULL,
    object_id text NOT NULL,
    username text,
    agent text NOT NULL,
    audience text NOT NULL,
    scopes text NOT NULL,
    expires_at bigint NOT NULL,
    sealed bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, object_id) REFERENCES vault_user_keys (tenant_id, object_id) ON DELETE CASCADE
);

CREATE INDEX vault_entries_by_user ON vault_entries (tenant_id, object_id);
CREATE INDEX vault_entries_by_agent ON vault_entries (agent);
CREATE INDEX vault_entries_by_expiry ON vault_entries (expires_at);

-- Exchanges in flight: the daemon that claims a vault key exchanges at the identity
-- provider; the others wait for the token it stores. A claim lapses at expires_at (a
-- daemon that died mid-exchange).
CREATE TABLE vault_exchanges (
    entry_key bytea PRIMARY KEY,
    daemon text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Lookups per tier, summed over every daemon (baton vault stats).
CREATE TABLE vault_counters (
    name text PRIMARY KEY,
    value bigint NOT NULL
);
