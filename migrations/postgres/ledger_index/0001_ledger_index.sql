-- The ledger's query index on PostgreSQL: derived from the entries, rebuilt from them when lost.

-- Which ledger the index describes and how far.
CREATE TABLE ledger_index_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    ledger_instance text NOT NULL,
    indexed_through bigint NOT NULL
);

-- One row per entry and dimension (user, agent, resource, …): the key's hash, the entry's
-- day and time, and its sequence number.
CREATE TABLE ledger_index (
    dimension smallint NOT NULL,
    day integer NOT NULL,
    key bigint NOT NULL,
    ts_us bigint NOT NULL,
    seq bigint NOT NULL,
    PRIMARY KEY (dimension, day, key, ts_us, seq)
);

-- The object ids seen with each username.
CREATE TABLE ledger_user_names (
    name text NOT NULL,
    oid text NOT NULL,
    PRIMARY KEY (name, oid)
);
