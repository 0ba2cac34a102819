-- Query indexes over the audit ledger. Everything here is derived from ledger.sqlite and
-- is not evidence: queries re-check every entry they return against its record, and the
-- file can be deleted at any time to have Baton rebuild it.

-- Which ledger this index describes (its store instance) and through which entry.
CREATE TABLE ledger_index_state (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    ledger_instance TEXT NOT NULL,
    indexed_through INTEGER NOT NULL
);

-- One row per entry and dimension: 0 time, 1 user (object id), 2 agent, 3 resource,
-- 4 chain, 5 event kind. `key` is a 64-bit digest of the value (for chains, the time-ordered
-- head of the UUIDv7), so every key is an integer; a collision only costs a re-check.
-- `day` (UTC days since 1970) comes before the key so that new entries, all of today,
-- land in today's small part of the index instead of at random across all of it; a
-- query probes each day of its time range.
CREATE TABLE ledger_index (
    dimension INTEGER NOT NULL,
    day INTEGER NOT NULL,
    key INTEGER NOT NULL,
    ts_us INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (dimension, day, key, ts_us, seq)
) WITHOUT ROWID;

-- Usernames (lowercased) to the object ids they were seen with, for queries by username.
CREATE TABLE ledger_user_names (
    name TEXT NOT NULL,
    oid TEXT NOT NULL,
    PRIMARY KEY (name, oid)
) WITHOUT ROWID;
