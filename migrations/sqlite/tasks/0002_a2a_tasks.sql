-- A2A tasks: what a client asked an agent, where it stands, and what came of it. Each
-- belongs to the user (tid + oid) whose token created it; another user never sees it.
CREATE TABLE a2a_tasks (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    context_id TEXT,
    state TEXT NOT NULL,
    chain_id TEXT,
    -- The whole task (status, history, artifacts) as A2A JSON.
    task BLOB NOT NULL,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);

-- A user's tasks, newest first (ListTasks), optionally within one context.
CREATE INDEX a2a_tasks_by_owner ON a2a_tasks (tenant_id, object_id, updated_us DESC, id);
