-- The walk-through of pgmq 0.2.0's README (the seed), in today's API: the
-- pgmq.* functions of pgmq 1.13. Each step checks its outcome; run with
--     psql -v ON_ERROR_STOP=1 -f examples/walkthrough.sql
-- on a database where pgmq may be installed (it is created if not), and it
-- exits non-zero if a step does not do what it says. `make test` runs it
-- (suite examples). docs/migrating.md maps each 0.2.0 name to these.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;

-- Raises (psql then exits with status 3) unless ok.
CREATE FUNCTION pg_temp.expect(ok BOOLEAN, what TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'walkthrough: % failed', what;
    END IF;
    RETURN 'ok: ' || what;
END;
$$;

\echo '-- create the extension (0.2.0: CREATE EXTENSION pgmq CASCADE)'
CREATE EXTENSION IF NOT EXISTS pgmq;

\echo '-- create a queue (0.2.0: SELECT pgmq_create(''my_queue''))'
SELECT pgmq.drop_queue('my_queue') \gset
SELECT pgmq.create('my_queue');

\echo '-- send two messages; each send returns the new message id'
SELECT send AS first_id FROM pgmq.send('my_queue', '{"foo": "bar1"}') \gset
SELECT send AS second_id FROM pgmq.send('my_queue', '{"foo": "bar2"}') \gset
SELECT pg_temp.expect(:second_id > :first_id, 'ids increase');

\echo '-- read two messages, invisible to other readers for 30 seconds'
\echo '-- (parameters: queue name, visibility timeout in seconds, number of messages)'
CREATE TEMP TABLE got AS SELECT * FROM pgmq.read('my_queue', 30, 2);
SELECT msg_id, read_ct, message, vt > enqueued_at AS invisible_for_now FROM got ORDER BY msg_id;
SELECT pg_temp.expect((SELECT array_agg(msg_id ORDER BY msg_id) FROM got) = ARRAY[:first_id, :second_id]::bigint[]
                      AND (SELECT bool_and(read_ct = 1) FROM got), 'read returns both, read once');

\echo '-- all messages invisible: no rows'
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM pgmq.read('my_queue', 30, 1)), 'nothing visible');

\echo '-- pop: read a message and delete it at once (nothing visible: no rows)'
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM pgmq.pop('my_queue')), 'pop of an invisible queue');
SELECT msg_id, message FROM pgmq.set_vt('my_queue', :second_id, 0);
CREATE TEMP TABLE popped AS SELECT * FROM pgmq.pop('my_queue');
SELECT msg_id, read_ct, message FROM popped;
SELECT pg_temp.expect((SELECT msg_id FROM popped) = :second_id, 'pop takes the visible one');

\echo '-- archive: move a message to the archive table pgmq.a_my_queue'
SELECT send AS third_id FROM pgmq.send('my_queue', '{"foo": "bar3"}') \gset
SELECT pgmq.archive('my_queue', :third_id::bigint) AS archived;
SELECT pg_temp.expect(EXISTS (SELECT 1 FROM pgmq.a_my_queue WHERE msg_id = :third_id), 'archived row kept');

\echo '-- delete message 1 (0.2.0: SELECT pgmq_delete(''my_queue'', 1))'
SELECT pgmq.delete('my_queue', :first_id::bigint) AS deleted;
SELECT pg_temp.expect(NOT pgmq.delete('my_queue', :first_id::bigint), 'a second delete finds nothing');
SELECT pg_temp.expect((SELECT queue_length FROM pgmq.metrics('my_queue')) = 0, 'queue empty');

\echo '-- list queues (0.2.0: pgmq_list_queues())'
SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues() WHERE queue_name = 'my_queue';
SELECT pg_temp.expect(EXISTS (SELECT 1 FROM pgmq.list_queues() WHERE queue_name = 'my_queue'), 'queue listed');

\echo '-- a partitioned queue, 10000 message ids per partition (needs pg_partman)'
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
SELECT pgmq.drop_queue('my_partitioned_queue') \gset
SELECT pgmq.create_partitioned('my_partitioned_queue', '10000', '100000');
SELECT count(*) AS sent FROM pgmq.send_batch('my_partitioned_queue', ARRAY['{"n": 1}', '{"n": 2}']::jsonb[]);
SELECT pg_temp.expect((SELECT count(*) FROM pgmq.read('my_partitioned_queue', 30, 10)) = 2,
                      'partitioned queue reads');

SELECT pgmq.drop_queue('my_partitioned_queue') AS dropped, pgmq.drop_queue('my_queue') AS dropped;
\echo 'walkthrough: all steps ok'
