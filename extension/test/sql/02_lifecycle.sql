-- Queue lifecycle: create (all three forms), the objects a queue consists
-- of, drop_queue, purge_queue, detach_archive and list_queues.
\set SHOW_CONTEXT never

-- create returns void and registers the queue.
SELECT pgmq.create('lc_plain');
SELECT pgmq.create_non_partitioned('lc_np');
SELECT pgmq.create_unlogged('lc_unlogged');
SELECT queue_name, is_partitioned, is_unlogged, created_at <= now() AS created_before_now
  FROM pgmq.list_queues();
-- list_queues is the meta table as queue_record rows.
SELECT pg_typeof(q) FROM pgmq.list_queues() q LIMIT 1;
SELECT (SELECT array_agg(queue_name ORDER BY queue_name) FROM pgmq.meta)
     = (SELECT array_agg(queue_name ORDER BY queue_name) FROM pgmq.list_queues()) AS same;

-- Persistence: only the queue table of an unlogged queue is unlogged.
SELECT c.relname, c.relkind, c.relpersistence
  FROM pg_class c
 WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relname LIKE '%lc\_%'
 ORDER BY c.relname;

-- Columns of the queue table, in order.
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'pgmq.q_lc_plain'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;
-- Columns of the archive table: archived_at sits between last_read_at and vt.
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'pgmq.a_lc_plain'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;
-- The same through information_schema, for the unlogged queue.
SELECT table_name, ordinal_position, column_name, data_type, is_nullable, is_identity,
       identity_generation
  FROM information_schema.columns
 WHERE table_schema = 'pgmq' AND table_name IN ('q_lc_unlogged', 'a_lc_unlogged')
 ORDER BY table_name, ordinal_position;

-- Identity sequence, primary keys and indexes.
SELECT pg_get_serial_sequence('pgmq.q_lc_plain', 'msg_id') AS seq;
SELECT pg_get_serial_sequence('pgmq.q_lc_unlogged', 'msg_id') AS seq;
SELECT c.relname AS index, t.relname AS "table", pg_get_indexdef(c.oid) AS def
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relnamespace = 'pgmq'::regnamespace AND t.relname LIKE '%lc\_%'
 ORDER BY 1;

-- Queue tables are user tables, not extension members (pg_dump dumps them
-- and DROP EXTENSION leaves them) ...
SELECT c.relname,
       EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e') AS member
  FROM pg_class c
 WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relname LIKE '%lc\_%'
   AND c.relkind IN ('r', 'S')
 ORDER BY 1;
SELECT count(*) AS meta_member FROM pg_depend d
 WHERE d.classid = 'pg_class'::regclass AND d.objid = 'pgmq.meta'::regclass
   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e';
-- ... that pg_monitor can read (default privileges), sequences included.
SELECT has_table_privilege('pg_monitor', 'pgmq.q_lc_plain', 'SELECT') AS q_select,
       has_table_privilege('pg_monitor', 'pgmq.a_lc_plain', 'SELECT') AS a_select,
       has_table_privilege('pg_monitor', 'pgmq.q_lc_plain', 'DELETE') AS q_delete,
       has_sequence_privilege('pg_monitor', 'pgmq.q_lc_plain_msg_id_seq', 'SELECT') AS seq_select;

-- create is idempotent: a second call only NOTICEs and keeps the data.
SELECT pgmq.send('lc_plain', '{"kept": true}');
SELECT pgmq.create('lc_plain');
SELECT pgmq.create_non_partitioned('lc_plain');
SELECT message FROM pgmq.q_lc_plain;
SELECT count(*) FROM pgmq.meta WHERE queue_name = 'lc_plain';
-- create_unlogged on an existing logged queue changes nothing either.
SELECT pgmq.create_unlogged('lc_plain');
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_lc_plain'::regclass;
SELECT is_unlogged FROM pgmq.meta WHERE queue_name = 'lc_plain';

-- A create rolled back leaves nothing behind.
BEGIN;
SELECT pgmq.create('lc_rolled_back');
SELECT to_regclass('pgmq.q_lc_rolled_back') IS NOT NULL AS exists_inside;
ROLLBACK;
SELECT to_regclass('pgmq.q_lc_rolled_back') AS q, to_regclass('pgmq.a_lc_rolled_back') AS a;
SELECT count(*) FROM pgmq.meta WHERE queue_name = 'lc_rolled_back';

-- Names differing only in case would share tables: refused with 42P07.
SELECT pgmq.create('MyQ');
SELECT pgmq.create('myq');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_unlogged('MYQ');
\echo :LAST_ERROR_SQLSTATE
-- The same case is fine (idempotent), and the registry keeps the case.
SELECT pgmq.create('MyQ');
SELECT queue_name FROM pgmq.meta WHERE lower(queue_name) = 'myq';
-- The tables are lower-cased, the archive index keeps the given case.
SELECT relname FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND lower(relname) LIKE '%myq%'
 ORDER BY 1;
SELECT pgmq.drop_queue('MyQ');

-- drop_queue removes tables, sequence and registry row.
SELECT pgmq.drop_queue('lc_np');
SELECT to_regclass('pgmq.q_lc_np') AS q, to_regclass('pgmq.a_lc_np') AS a,
       to_regclass('pgmq.q_lc_np_msg_id_seq') AS seq;
SELECT count(*) FROM pgmq.meta WHERE queue_name = 'lc_np';
-- A queue that does not exist: NOTICE and false.
SELECT pgmq.drop_queue('lc_np');
SELECT pgmq.drop_queue('lc_never_existed');
-- A registry row whose table vanished is cleaned up by drop_queue.
SELECT pgmq.create('lc_stale');
DROP TABLE pgmq.q_lc_stale;
SELECT pgmq.drop_queue('lc_stale');
SELECT count(*) FROM pgmq.meta WHERE queue_name = 'lc_stale';
DROP TABLE pgmq.a_lc_stale;
-- Bad names are rejected before anything happens.
SELECT pgmq.drop_queue('bad;name');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.drop_queue(NULL);
\echo :LAST_ERROR_SQLSTATE
-- A dropped queue rolled back is still there.
BEGIN;
SELECT pgmq.drop_queue('lc_plain');
ROLLBACK;
SELECT message FROM pgmq.q_lc_plain;

-- The deprecated two-argument form warns and always returns true.
SELECT pgmq.create('lc_deprecated');
SELECT pgmq.drop_queue('lc_deprecated', false);
SELECT to_regclass('pgmq.q_lc_deprecated');
SELECT pgmq.drop_queue('lc_deprecated', true);
SELECT pgmq.drop_queue(queue_name => 'lc_deprecated', partitioned => false);

-- purge_queue returns the number of messages removed, leaves the archive
-- alone and does not restart the identity.
SELECT pgmq.purge_queue('lc_unlogged');
SELECT count(*) FROM pgmq.send_batch('lc_unlogged', ARRAY['{"a":1}', '{"a":2}', '{"a":3}']::jsonb[]);
SELECT pgmq.archive('lc_unlogged', 1::bigint);
SELECT purge_queue FROM pgmq.purge_queue('lc_unlogged');
SELECT count(*) AS left_in_queue FROM pgmq.q_lc_unlogged;
SELECT msg_id AS still_archived FROM pgmq.a_lc_unlogged;
SELECT send AS next_id FROM pgmq.send('lc_unlogged', '{"after": "purge"}');
SELECT pgmq.purge_queue(queue_name => 'lc_unlogged');
-- A purge rolled back keeps the messages.
SELECT pgmq.send('lc_unlogged', '{"a":5}');
BEGIN;
SELECT pgmq.purge_queue('lc_unlogged');
ROLLBACK;
SELECT msg_id, message FROM pgmq.q_lc_unlogged;

-- An unlogged msg_id sequence (upstream pgmq, ALTER SEQUENCE) is made
-- logged: by _make_id_sequence_logged, by create() of the existing queue,
-- by the owner's send (ids.c). A logged one is left alone.
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_lc_unlogged_msg_id_seq'::regclass;
SELECT pgmq._make_id_sequence_logged('lc_unlogged');
ALTER SEQUENCE pgmq.q_lc_unlogged_msg_id_seq SET UNLOGGED;
SELECT pgmq._make_id_sequence_logged('lc_unlogged');
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_lc_unlogged_msg_id_seq'::regclass;
ALTER SEQUENCE pgmq.q_lc_unlogged_msg_id_seq SET UNLOGGED;
SELECT pgmq.create_unlogged('lc_unlogged');
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_lc_unlogged_msg_id_seq'::regclass;
ALTER SEQUENCE pgmq.q_lc_unlogged_msg_id_seq SET UNLOGGED;
SELECT pgmq.send('lc_unlogged', '{"a":6}') > 0 AS sent;
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_lc_unlogged_msg_id_seq'::regclass;
-- also a logged queue's sequence
ALTER SEQUENCE pgmq.q_lc_plain_msg_id_seq SET UNLOGGED;
SELECT pgmq.send('lc_plain', '{"a":6}') > 0 AS sent;
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_lc_plain_msg_id_seq'::regclass;
-- errors
SELECT pgmq._make_id_sequence_logged(NULL);
SELECT pgmq._make_id_sequence_logged('no_such_queue');
SELECT pgmq._make_id_sequence_logged('bad-name');
SELECT pgmq._make_id_sequence_logged(repeat('x', 48));

-- detach_archive is a deprecated no-op.
SELECT pgmq.detach_archive('lc_plain');
SELECT pgmq.detach_archive('no_such_queue');
SELECT count(*) FROM pgmq.a_lc_plain;

-- Clean up; list_queues is empty again.
SELECT pgmq.drop_queue('lc_plain');
SELECT pgmq.drop_queue('lc_unlogged');
SELECT * FROM pgmq.list_queues();
