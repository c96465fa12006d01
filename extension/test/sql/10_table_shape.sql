-- A queue owner who alters a queue's tables gets a clear error (42804,
-- naming the queue, the column and the type pgmq expects) from the message
-- functions, never a crash: rows are handed back as pgmq.message_record
-- only when the tables still have its columns. Checked when a queue is
-- opened and after every invalidation of its tables. Runs as a non-superuser
-- owner, and shows at the end that the server did not restart.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT pg_backend_pid() AS pid, pg_postmaster_start_time() AS started \gset

CREATE ROLE regress_pgmq_shape_owner;
GRANT USAGE ON SCHEMA pgmq TO regress_pgmq_shape_owner;
SELECT pgmq.create('shape_q');
ALTER TABLE pgmq.q_shape_q OWNER TO regress_pgmq_shape_owner;
ALTER TABLE pgmq.a_shape_q OWNER TO regress_pgmq_shape_owner;
SET ROLE regress_pgmq_shape_owner;

-- Plans are prepared and the queue is checked once.
SELECT * FROM pgmq.send('shape_q', '{"n": 1}');
SELECT msg_id, read_ct, message FROM pgmq.read('shape_q', 0, 1);

-- message as bytea: this crashed the server (jsonb read from a bytea).
ALTER TABLE pgmq.q_shape_q ALTER COLUMN message TYPE bytea USING '\xffffff4f'::bytea;
SELECT * FROM pgmq.read('shape_q', 0, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.pop('shape_q');
SELECT * FROM pgmq.set_vt('shape_q', 1, 0);
SELECT * FROM pgmq.read_grouped('shape_q', 0, 1);
SELECT * FROM pgmq.send('shape_q', '{}');
SELECT pgmq.delete('shape_q', 1);
\echo :LAST_ERROR_SQLSTATE
-- As bigint it failed with "unknown type of jsonb container".
ALTER TABLE pgmq.q_shape_q ALTER COLUMN message TYPE bigint USING 1;
SELECT * FROM pgmq.read('shape_q', 0, 1);
\echo :LAST_ERROR_SQLSTATE
-- Changed back, the queue works again (the change invalidated the check).
ALTER TABLE pgmq.q_shape_q ALTER COLUMN message TYPE jsonb USING '{"n": 1}'::jsonb;
SELECT msg_id, read_ct, message FROM pgmq.read('shape_q', 0, 1);

-- Other columns and kinds of change.
ALTER TABLE pgmq.q_shape_q ALTER COLUMN read_ct TYPE bigint;
SELECT * FROM pgmq.read('shape_q', 0, 1);
ALTER TABLE pgmq.q_shape_q ALTER COLUMN read_ct TYPE integer;
ALTER TABLE pgmq.q_shape_q ALTER COLUMN vt TYPE timestamp;
SELECT * FROM pgmq.read('shape_q', 0, 1);
ALTER TABLE pgmq.q_shape_q ALTER COLUMN vt TYPE timestamptz;
ALTER TABLE pgmq.q_shape_q ALTER COLUMN msg_id TYPE integer;
SELECT * FROM pgmq.send('shape_q', '{}');
ALTER TABLE pgmq.q_shape_q ALTER COLUMN msg_id TYPE bigint;
ALTER TABLE pgmq.q_shape_q DROP COLUMN headers;
SELECT * FROM pgmq.read('shape_q', 0, 1);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE pgmq.q_shape_q ADD COLUMN headers jsonb;
-- Column order does not matter (the statements name their columns), and
-- extra columns are allowed.
ALTER TABLE pgmq.q_shape_q ADD COLUMN note text;
SELECT msg_id, read_ct, message, headers FROM pgmq.read('shape_q', 0, 1);

-- The archive is checked too.
ALTER TABLE pgmq.a_shape_q ALTER COLUMN message TYPE text;
SELECT pgmq.archive('shape_q', 1);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE pgmq.a_shape_q ALTER COLUMN message TYPE jsonb USING message::jsonb;
ALTER TABLE pgmq.a_shape_q DROP COLUMN archived_at;
SELECT pgmq.archive('shape_q', 1);
ALTER TABLE pgmq.a_shape_q ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now();
SELECT pgmq.archive('shape_q', 1);
SELECT msg_id, message FROM pgmq.a_shape_q;

-- metrics and metrics_all say the same (metrics_all does not read the
-- column as a timestamp in its own scan).
SELECT * FROM pgmq.send('shape_q', '{"n": 2}');
ALTER TABLE pgmq.q_shape_q ALTER COLUMN enqueued_at TYPE text;
SELECT queue_length FROM pgmq.metrics('shape_q');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT queue_name, queue_length FROM pgmq.metrics_all() WHERE queue_name = 'shape_q';
ALTER TABLE pgmq.q_shape_q ALTER COLUMN enqueued_at TYPE timestamptz USING now();
SELECT queue_name, queue_length FROM pgmq.metrics_all() WHERE queue_name = 'shape_q';

-- The same session and the same server throughout: nothing crashed.
SELECT pg_backend_pid() = :pid AS same_backend,
       pg_postmaster_start_time() = :'started' AS same_server;

SELECT pgmq.drop_queue('shape_q');
DROP OWNED BY regress_pgmq_shape_owner;
DROP ROLE regress_pgmq_shape_owner;
