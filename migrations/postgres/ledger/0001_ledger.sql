-- The audit ledger on PostgreSQL: one hash chain for every daemon on this schema.

-- Names this ledger: a derived index records which ledger it describes.
CREATE TABLE store_identity (
    store text PRIMARY KEY,
    instance_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO store_identity (store, instance_id) VALUES ('ledger', replace(gen_random_uuid()::text, '-', ''));

-- The sequencer: the chain's last sequence number and hash. Every appending transaction
-- locks this row first (SELECT … FOR UPDATE), numbers and chains its batch after it, and
-- moves it, so daemons never fork the chain, skip a number or use one twice.
CREATE TABLE ledger_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq bigint NOT NULL,
    hash bytea NOT NULL
);

INSERT INTO ledger_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- One row per entry: its canonical record and chain hash (the evidence).
CREATE TABLE ledger_entries (
    seq bigint PRIMARY KEY,
    record bytea NOT NULL,
    hash bytea NOT NULL
);

-- The RFC 6962 Merkle tree over the records, as tlog-tiles (256 hashes wide).
CREATE TABLE ledger_tiles (
    level integer NOT NULL,
    idx bigint NOT NULL,
    hashes bytea NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Signed checkpoints: the chain's head, and the C2SP note over the tree.
CREATE TABLE ledger_checkpoints (
    seq bigint PRIMARY KEY,
    ts_us bigint NOT NULL,
    hash bytea NOT NULL,
    key_id text NOT NULL,
    signature bytea NOT NULL,
    note text
);

-- Secrets every daemon on this schema must share (the ledger's signing key), each sealed
-- with BATON_VAULT_KEY, which every daemon holds.
CREATE TABLE baton_secrets (
    name text PRIMARY KEY,
    sealed bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
