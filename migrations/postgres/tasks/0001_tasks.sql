-- A2A tasks on PostgreSQL, shared by every daemon on this schema: any daemon answers
-- GetTask and ListTasks for a task another ran.

-- The daemons running on this schema, each seen within its heartbeat: a task whose
-- daemon stopped being seen is ended as failed by another (nothing runs it any more).
CREATE TABLE baton_daemons (
    id text PRIMARY KEY,
    host text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE a2a_tasks (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    object_id text NOT NULL,
    agent text NOT NULL,
    context_id text,
    state text NOT NULL,
    chain_id text,
    -- The whole task (status, history, artifacts) as A2A JSON, byte for byte as answered.
    task bytea NOT NULL,
    created_us bigint NOT NULL,
    updated_us bigint NOT NULL,
    -- The daemon that runs (or last ran) it.
    runner text
);

CREATE INDEX a2a_tasks_by_owner ON a2a_tasks (tenant_id, object_id, updated_us DESC, id);
CREATE INDEX a2a_tasks_running ON a2a_tasks (runner) WHERE state IN ('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING');
