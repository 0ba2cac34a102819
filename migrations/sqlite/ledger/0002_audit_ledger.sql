-- The audit ledger: one row per event, each hashed over the previous row's hash and its
-- own canonical encoding, so any edit, deletion, insertion or reordering shows.
-- Tokens never appear here: only an HMAC fingerprint of them.
CREATE TABLE ledger_entries (
    seq INTEGER PRIMARY KEY,
    ts_us INTEGER NOT NULL,
    chain_id TEXT NOT NULL,
    hop INTEGER NOT NULL,
    parent_hop INTEGER,
    kind TEXT NOT NULL,
    user_tid TEXT,
    user_oid TEXT,
    user_name TEXT,
    agent TEXT,
    actor_path TEXT NOT NULL,
    target TEXT,
    resource TEXT,
    operation TEXT,
    status INTEGER,
    decision TEXT,
    reason TEXT,
    token_fingerprint TEXT,
    token_source TEXT,
    latency_us INTEGER,
    trace_id TEXT,
    hash BLOB NOT NULL
);

CREATE INDEX ledger_by_user ON ledger_entries (user_oid, ts_us);
CREATE INDEX ledger_by_chain ON ledger_entries (chain_id, seq);
CREATE INDEX ledger_by_agent ON ledger_entries (agent, ts_us);
CREATE INDEX ledger_by_resource ON ledger_entries (resource, ts_us);
CREATE INDEX ledger_by_time ON ledger_entries (ts_us);

-- Signed checkpoints: (seq, hash) signed with the ledger's Ed25519 key, for an outside
-- witness to hold; a ledger shorter than its last checkpoint has lost its tail.
CREATE TABLE ledger_checkpoints (
    seq INTEGER PRIMARY KEY,
    ts_us INTEGER NOT NULL,
    hash BLOB NOT NULL,
    key_id TEXT NOT NULL,
    signature BLOB NOT NULL
);
