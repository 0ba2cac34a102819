-- The ledger's RFC 6962 Merkle tree, beside the hash chain: leaf i is SHA-256(0x00 ‖ the
-- record of entry i + 1). Its hashes are kept as tlog-tiles store them: tile (level, idx)
-- holds up to 256 hashes of tree level 8 × level, from hash idx × 256 on, 32 bytes each,
-- concatenated. A tile is written in the same transaction as the records that complete
-- it, so the tree always covers exactly the stored entries; the rightmost tile of each
-- level grows until it holds 256 hashes and never changes after.
--
-- Checkpoints gain the C2SP signed note that commits to the tree (origin, size, root
-- hash, Ed25519 signature, and any witness cosignatures); checkpoints from before keep
-- their signature over the chain head and carry no note.
CREATE TABLE ledger_tiles (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

ALTER TABLE ledger_checkpoints ADD COLUMN note TEXT;
