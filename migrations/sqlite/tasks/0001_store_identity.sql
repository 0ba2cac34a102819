-- Names the store this file holds, so that a task database is never opened as another store.
CREATE TABLE store_identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    store TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);

INSERT INTO store_identity (singleton, store, instance_id, created_at)
VALUES (1, 'tasks', lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
