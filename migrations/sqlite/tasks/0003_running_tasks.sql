-- The tasks still submitted or working, which a starting daemon ends as interrupted:
-- found without reading the whole table.
CREATE INDEX a2a_tasks_running ON a2a_tasks (state) WHERE state IN ('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING');
