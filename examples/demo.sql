-- A short tour of pgmq, run by `make run`.
\set ON_ERROR_STOP 1
\pset footer off
CREATE EXTENSION IF NOT EXISTS pgmq;
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;

SELECT pgmq.drop_queue('demo') \gset
SELECT pgmq.create('demo');

\echo '-- send three messages (the last one with headers)'
SELECT * FROM pgmq.send('demo', '{"order": 1}');
SELECT * FROM pgmq.send_batch('demo', ARRAY['{"order": 2}', '{"order": 3}']::jsonb[],
                              ARRAY['{}', '{"x-trace": "abc"}']::jsonb[]);

\echo '-- read two, hidden from other readers for 30 seconds'
SELECT msg_id, read_ct, message, headers FROM pgmq.read('demo', 30, 2);

\echo '-- finish them: delete the first, archive the second'
SELECT pgmq.delete('demo', 1::bigint) AS deleted, pgmq.archive('demo', 2::bigint) AS archived;

\echo '-- pop the last one (read and delete at once)'
SELECT msg_id, message FROM pgmq.pop('demo');

\echo '-- metrics'
SELECT queue_name, queue_length, total_messages, queue_visible_length FROM pgmq.metrics('demo');
SELECT msg_id, message, archived_at IS NOT NULL AS archived FROM pgmq.a_demo;

\echo '-- a partitioned queue: 1000 messages per partition, pg_partman makes them ahead'
SELECT pgmq.drop_queue('demo_partitioned') \gset
SELECT pgmq.create_partitioned('demo_partitioned', '1000', '10000');
SELECT count(*) AS sent FROM pgmq.send_batch('demo_partitioned', array_fill('{"hello": "world"}'::jsonb, ARRAY[1500]));
SELECT pg_catalog.count(*) AS partitions FROM pg_inherits WHERE inhparent = 'pgmq.q_demo_partitioned'::regclass;
SELECT queue_name, queue_length, default_partition_length FROM pgmq.metrics('demo_partitioned');
