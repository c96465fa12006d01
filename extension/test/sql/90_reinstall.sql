-- DROP EXTENSION pgmq CASCADE leaves the queue tables (they belong to no
-- extension); CREATE EXTENSION pgmq adopts them again: plain, unlogged and
-- partitioned queues, with their messages, retention and default-partition
-- warnings. Runs last: it reinstalls the extension.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
SELECT pgmq.create('ri_plain');
SELECT pgmq.create_unlogged('ri_unlogged');
SELECT pgmq.create_partitioned('ri_part', '10', '50', 2);
SELECT pgmq.create('ri_conv');
SELECT pgmq.convert_archive_partitioned('ri_conv', '10', '50');
SELECT pgmq.enable_notify_insert('ri_plain');
SELECT count(*) FROM pgmq.send_batch('ri_plain', ARRAY['{"n": 1}', '{"n": 2}']::jsonb[]);
SELECT count(*) FROM pgmq.send_batch('ri_unlogged', ARRAY['{"n": 1}']::jsonb[]);
SELECT count(*) FROM pgmq.send_batch('ri_part', ARRAY['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[]);
SELECT pgmq.archive('ri_part', 1::bigint);
-- an unrelated table that only looks like a queue by name stays alone
CREATE TABLE pgmq.q_ri_lookalike (id int);
CREATE TABLE pgmq.a_ri_lookalike (id int);
-- as an upstream install leaves it: an unlogged msg_id sequence
ALTER SEQUENCE pgmq.q_ri_unlogged_msg_id_seq SET UNLOGGED;

DROP EXTENSION pgmq CASCADE;
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND c.relname LIKE '%ri\_%' ORDER BY 1;
CREATE EXTENSION pgmq;

SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues();
SELECT * FROM pgmq.queue_retention;
-- the adoption made it logged: ids are not issued again after a crash
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_ri_unlogged_msg_id_seq'::regclass;
SELECT tgrelid::regclass AS spill_warning_on FROM pg_trigger
 WHERE tgname = 'pgmq_default_partition_warning' ORDER BY 1;
-- the messages are still there and the queues work
SELECT msg_id, message FROM pgmq.read('ri_plain', 30, 10);
SELECT msg_id, message FROM pgmq.read('ri_unlogged', 30, 10);
SELECT msg_id, message FROM pgmq.read('ri_part', 30, 10);
SELECT msg_id FROM pgmq.a_ri_part;
SELECT * FROM pgmq.send('ri_part', '{"n": 4}');
SELECT * FROM pgmq.send('ri_plain', '{"n": 3}');
SELECT pgmq.run_maintenance();
SELECT queue_name, queue_length FROM pgmq.metrics_all();
-- notifications were dropped with the extension
SELECT count(*) FROM pgmq.list_notify_insert_throttles();

SELECT pgmq.drop_queue('ri_plain'), pgmq.drop_queue('ri_unlogged'), pgmq.drop_queue('ri_part'),
       pgmq.drop_queue('ri_conv');
DROP TABLE pgmq.q_ri_lookalike, pgmq.a_ri_lookalike;
SELECT count(*) FROM partman.part_config;
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
