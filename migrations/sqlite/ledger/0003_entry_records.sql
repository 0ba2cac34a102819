-- Each entry becomes one record: the canonical encoding its hash seals, stored as a BLOB.
-- Appends then write one narrow row and no index; verification hashes the stored bytes.
-- Query indexes move to ledger_index.sqlite, which Baton keeps off the append path and
-- can rebuild from these records at any time.
--
-- Rows of the first schema move to ledger_entries_v1. Baton rewrites them as records
-- (the same bytes their hashes were computed over, so hashes and signed checkpoints stay
-- valid) the first time it opens the ledger, then drops that table.
DROP INDEX ledger_by_user;
DROP INDEX ledger_by_chain;
DROP INDEX ledger_by_agent;
DROP INDEX ledger_by_resource;
DROP INDEX ledger_by_time;
ALTER TABLE ledger_entries RENAME TO ledger_entries_v1;

CREATE TABLE ledger_entries (
    seq INTEGER PRIMARY KEY,
    record BLOB NOT NULL,
    hash BLOB NOT NULL
);
