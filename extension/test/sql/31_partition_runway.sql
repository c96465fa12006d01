-- run_maintenance keeps a runway for id-partitioned queues from the newest
-- msg_id issued, for the queue and for its archive (pg_partman alone works
-- from the highest msg_id each table holds, so a drained queue or an
-- archive that lags behind its queue would spill into a default partition).
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

SELECT pgmq.create_partitioned('runway', '10', '1000', 2);
SELECT count(*) FROM pgmq.send_batch('runway', array_fill('{}'::jsonb, ARRAY[25]));
SELECT pgmq.run_maintenance('runway');
SELECT count(*) FROM pgmq.send_batch('runway', array_fill('{}'::jsonb, ARRAY[20]));
SELECT pgmq.run_maintenance('runway');
-- consumers delete everything up to 40 and archive nothing yet
SELECT count(*) FROM pgmq.delete('runway', ARRAY(SELECT generate_series(1, 40))::bigint[]);
SELECT pgmq.run_maintenance('runway');
-- the archive has partitions for the ids still in the queue
SELECT count(*) FROM pgmq.archive('runway', ARRAY(SELECT generate_series(41, 45))::bigint[]);
SELECT default_partition_length FROM pgmq.metrics('runway');
SELECT count(*) FROM pgmq.a_runway_default;
-- and the drained queue has a runway past the newest id
SELECT count(*) FROM pgmq.send_batch('runway', array_fill('{}'::jsonb, ARRAY[20]));
SELECT default_partition_length FROM pgmq.metrics('runway');

SELECT pgmq.drop_queue('runway');
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
