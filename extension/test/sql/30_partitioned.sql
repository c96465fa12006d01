-- Partitioned queues (pg_partman 4.x here; 5.x takes the same code with
-- p_type 'range'): creation by msg_id and by time, the catalog state they
-- leave, every message function on them, the default-partition spill and
-- its repair, maintenance, drop, and the errors.
\set SHOW_CONTEXT never
SET client_min_messages = warning;

-- without pg_partman: a clear error that says how to install it
SELECT pgmq.create_partitioned('pq_id');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.convert_archive_partitioned('pq_id');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.repair_partitions('pq_id');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.run_maintenance();    -- nothing to do, no error

CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

-- by msg_id: 10 messages per partition, keep 50, 2 partitions made ahead
SELECT pgmq.create_partitioned('pq_id', '10', '50', 2);
SELECT pgmq.create_partitioned('pq_id', '10', '50', 2);    -- idempotent
SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues();
SELECT c.relname, c.relkind, pg_get_partkeydef(c.oid) AS partkey
  FROM pg_class c WHERE c.relname IN ('q_pq_id', 'a_pq_id') ORDER BY 1;
SELECT attidentity FROM pg_attribute WHERE attrelid = 'pgmq.q_pq_id'::regclass AND attname = 'msg_id';
SELECT count(*) AS primary_keys FROM pg_constraint WHERE conrelid = 'pgmq.q_pq_id'::regclass AND contype = 'p';
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) LIKE '%(msg_id)%' AS on_msg_id
  FROM pg_index WHERE indrelid = 'pgmq.q_pq_id'::regclass ORDER BY 1;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = 'pgmq.a_pq_id'::regclass ORDER BY 1;
SELECT parent_table, control, partition_interval, premake, retention,
       retention_keep_table, retention_keep_index, automatic_maintenance
  FROM partman.part_config ORDER BY parent_table;
SELECT * FROM pgmq.queue_retention;
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'pgmq.q_pq_id'::regclass ORDER BY c.relname COLLATE "C";
SELECT tgrelid::regclass AS spill_warning_on FROM pg_trigger
 WHERE tgname = 'pgmq_default_partition_warning' ORDER BY 1;

-- every message function
SELECT * FROM pgmq.send('pq_id', '{"n": 1}');
SELECT * FROM pgmq.send('pq_id', '{"n": 2}', '{"h": 1}'::jsonb, 0);
SELECT * FROM pgmq.send_batch('pq_id', ARRAY['{"n": 3}', '{"n": 4}', '{"n": 5}']::jsonb[]);
SELECT msg_id, read_ct, message FROM pgmq.read('pq_id', 30, 2);
SELECT msg_id, read_ct FROM pgmq.read('pq_id', 30, 1, '{"n": 4}');
SELECT msg_id FROM pgmq.read_with_poll('pq_id', 30, 1, 1, 100);
SELECT msg_id, read_ct FROM pgmq.pop('pq_id');
SELECT msg_id, read_ct FROM pgmq.set_vt('pq_id', 1, 0);
SELECT msg_id FROM pgmq.set_vt('pq_id', ARRAY[2, 4]::bigint[], 0);
SELECT pgmq.delete('pq_id', 1::bigint), pgmq.archive('pq_id', 2::bigint);
SELECT * FROM pgmq.delete('pq_id', ARRAY[3, 99]::bigint[]);
SELECT * FROM pgmq.archive('pq_id', ARRAY[4, 98]::bigint[]);
SELECT msg_id, read_ct, message FROM pgmq.a_pq_id ORDER BY msg_id;
SELECT queue_name, queue_length, total_messages, queue_visible_length, default_partition_length
  FROM pgmq.metrics('pq_id');

-- past the runway (ids up to 29 have partitions): the spill is reported
SELECT count(*) FROM pgmq.send_batch('pq_id', array_fill('{}'::jsonb, ARRAY[40]));
SELECT default_partition_length FROM pgmq.metrics('pq_id');
SELECT count(*) FROM pgmq.q_pq_id_default;
-- metrics_all has the same row, default partitions included
SELECT (SELECT m FROM pgmq.metrics('pq_id') m) = (SELECT a FROM pgmq.metrics_all() a WHERE queue_name = 'pq_id')
       AS same_row;
SELECT pgmq.run_maintenance('pq_id') AS failed_steps;
SELECT pgmq.repair_partitions('pq_id');
SELECT default_partition_length FROM pgmq.metrics('pq_id');
SELECT pgmq.run_maintenance('pq_id');
SELECT count(*) AS messages, min(msg_id), max(msg_id) FROM pgmq.q_pq_id;
SELECT pgmq.purge_queue('pq_id');
SELECT queue_length FROM pgmq.metrics('pq_id');

-- a drained queue still gets partitions made ahead of the next msg_id
-- (pg_partman alone premakes from the highest msg_id in the table)
SELECT pgmq.create_partitioned('pq_drain', '10', '100', 2);
SELECT count(*) FROM pgmq.send_batch('pq_drain', array_fill('{}'::jsonb, ARRAY[25]));
SELECT count(*) FROM pgmq.delete('pq_drain', ARRAY(SELECT generate_series(1, 25))::bigint[]);
SELECT pgmq.run_maintenance('pq_drain');
SELECT count(*) FROM pgmq.send_batch('pq_drain', array_fill('{}'::jsonb, ARRAY[20]));
SELECT default_partition_length FROM pgmq.metrics('pq_drain');
SELECT pgmq.drop_queue('pq_drain');
SELECT count(*) AS templates_left FROM pg_class WHERE relname LIKE 'template_pgmq_%pq_drain';

-- by time: one day per partition, archive by archived_at
SELECT pgmq.create_partitioned('pq_time', '1 day', '7 days');
SELECT c.relname, pg_get_partkeydef(c.oid) AS partkey
  FROM pg_class c WHERE c.relname IN ('q_pq_time', 'a_pq_time') ORDER BY 1;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = 'pgmq.q_pq_time'::regclass ORDER BY 1;
SELECT count(*) > 4 AS has_partitions FROM pg_inherits WHERE inhparent = 'pgmq.q_pq_time'::regclass;
SELECT count(*) FROM pgmq.send_batch('pq_time', array_fill('{}'::jsonb, ARRAY[5]));
SELECT msg_id FROM pgmq.read('pq_time', 30, 2);
SELECT msg_id FROM pgmq.pop('pq_time', 1);
SELECT pgmq.archive('pq_time', 1::bigint), pgmq.delete('pq_time', 2::bigint);
SELECT msg_id FROM pgmq.set_vt('pq_time', 4, 5);
SELECT queue_length, default_partition_length FROM pgmq.metrics('pq_time');
SELECT queue_name, queue_length FROM pgmq.metrics_all() WHERE queue_name LIKE 'pq_%';
SELECT pgmq.run_maintenance();

-- errors
SELECT pgmq.create_partitioned('pq_bad', '10', '50', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('pq_bad', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('pq-hyphen', '10');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('pq_bad', '10', '7 days');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('pq_bad', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create('pq_plain');
SELECT pgmq.create_partitioned('pq_plain');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.repair_partitions('pq_plain');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.run_maintenance('pq_plain');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned(repeat('x', 48));
\echo :LAST_ERROR_SQLSTATE

-- convert_archive_partitioned: the old archive is kept beside the new one
SELECT 1 FROM pgmq.send('pq_plain', '{}');
SELECT pgmq.archive('pq_plain', 1::bigint);
SET client_min_messages = notice;
SELECT pgmq.convert_archive_partitioned('pq_plain', '100', '1000');
SELECT pgmq.convert_archive_partitioned('pq_plain');
SELECT pgmq.convert_archive_partitioned('pq_missing');
SET client_min_messages = warning;
-- a queue created as Pq_Case is converted by a case variant of its name
SELECT pgmq.create('Pq_Case');
SELECT pgmq.convert_archive_partitioned('pq_case', '100', '1000');
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relname ILIKE '%pq\_case%' AND c.relkind IN ('r', 'p', 'i', 'I') AND NOT c.relispartition
 ORDER BY 1;
SELECT pgmq.drop_queue('Pq_Case');
SELECT c.relname, c.relkind FROM pg_class c WHERE c.relname LIKE 'a_pq_plain%' AND c.relkind IN ('r', 'p')
 ORDER BY 1;
SELECT count(*) FROM pgmq.a_pq_plain_old;
SELECT 1 FROM pgmq.send('pq_plain', '{}');
SELECT pgmq.archive('pq_plain', 2::bigint);
SELECT msg_id FROM pgmq.a_pq_plain;

-- drop removes tables, registry, retention and pg_partman configuration
SELECT pgmq.drop_queue('pq_id'), pgmq.drop_queue('pq_time');
SELECT parent_table FROM partman.part_config ORDER BY 1;
SELECT count(*) FROM pgmq.queue_retention;
SELECT pgmq.drop_queue('pq_plain');
SELECT to_regclass('pgmq.a_pq_plain_old') AS set_aside_archive;    -- dropped with the queue
SELECT count(*) FROM partman.part_config;
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
