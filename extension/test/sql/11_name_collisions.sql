-- Queue names that would alias another queue's objects are refused (42P07,
-- with a DETAIL naming the queue or relation they collide with), in either
-- order of creation; a table in schema pgmq is a queue only if it is
-- registered in pgmq.meta.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

-- A partition of a partitioned queue is not a queue of its own: before,
-- create('px_p0') registered px's partition, read returned px's message
-- and drop_queue dropped the partition.
SELECT pgmq.create_partitioned('px', '10', '100');
SELECT * FROM pgmq.send('px', '{"of": "px"}');
SELECT count(*) AS px_partitions FROM pg_inherits WHERE inhparent = 'pgmq.q_px'::regclass;
SELECT pgmq.create('px_p0');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_unlogged('px_p10');
SELECT pgmq.create('PX_P20');
SELECT pgmq.create_partitioned('px_p30', '10', '100');
-- The same for the names of its default partition, indexes and sequence.
SELECT pgmq.create('px_default');
SELECT pgmq.create('px_part_idx');
SELECT pgmq.create('px_msg_id_seq');
-- An unregistered partition is not a queue to the message functions.
SELECT * FROM pgmq.read('px_p0', 0, 1);
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = notice;
SELECT pgmq.drop_queue('px_p0');
SET client_min_messages = warning;
SELECT msg_id, message FROM pgmq.read('px', 0, 1);
SELECT count(*) AS px_partitions FROM pg_inherits WHERE inhparent = 'pgmq.q_px'::regclass;

-- Plain queues: create('z_vt_idx') then create('z') left q_z without its
-- vt index; in the other order the second create failed with
-- "q_z_vt_idx" is an index.
SELECT pgmq.create('z_vt_idx');
SELECT pgmq.create('z');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.drop_queue('z_vt_idx');
SELECT pgmq.create('z');
SELECT pgmq.create('z_vt_idx');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create('z_pkey');
SELECT pgmq.create('Z_FIFO_IDX');
-- Partition names count only where partitions can be made: "z_p1" is a
-- fine name next to the plain queue "z", but then z's archive cannot be
-- partitioned (its partitions would be called a_z_p1, ...).
SELECT pgmq.create('z_p1');
SELECT pgmq.convert_archive_partitioned('z', '10', '100');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.drop_queue('z_p1');
SELECT pgmq.convert_archive_partitioned('z', '10', '100');
SELECT pgmq.create('z_p1');
-- The old archive that convert_archive_partitioned keeps, a_z_old, is not
-- the archive of a queue "z_old".
SELECT pgmq.create('z_old');
\echo :LAST_ERROR_SQLSTATE
SELECT indexrelid::regclass AS z_index FROM pg_index
 WHERE indrelid = 'pgmq.q_z'::regclass ORDER BY 1;
-- Longer names that only start like an object name are fine.
SELECT pgmq.create('z_vt');
SELECT pgmq.create('z_p');
SELECT pgmq.create('z_pending');
SELECT pgmq.create('z_defaults');
SELECT queue_name FROM pgmq.list_queues() WHERE queue_name LIKE 'z%' ORDER BY 1;
-- ... but not their own derived names once taken by these queues.
SELECT pgmq.create('z_vt_vt_idx');
-- create on the existing queues is still idempotent.
SELECT pgmq.create('z');
SELECT pgmq.create('z_vt');
SELECT pgmq.create_partitioned('px', '10', '100');

-- The suffixes a queue names its relations with.
SELECT rest, pgmq._is_reserved_suffix(rest)
  FROM unnest(ARRAY['vt_idx', 'vt_idx1', 'pkey', 'msg_id_seq', 'msg_id_seq2', 'part_idx',
                    'msg_id_idx', 'fifo_idx', 'p0', 'p2026_12_02', 'p20261202', 'p0_vt_idx',
                    'default', 'default_pkey', 'old', 'vt', 'p', 'pending', 'defaults',
                    'older', 'vt_idx_x', 'pkeys']) AS rest;

-- A relation in pgmq that is not a queue's object blocks the name, with a
-- DETAIL naming the relation.
CREATE TABLE pgmq.q_hand_made (msg_id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, read_ct int, enqueued_at timestamptz,
    last_read_at timestamptz, vt timestamptz, message jsonb, headers jsonb);
CREATE TABLE pgmq.q_w_vt_idx (i int);
SELECT pgmq.create('w');
\echo :LAST_ERROR_SQLSTATE
CREATE SEQUENCE pgmq.a_v;
SELECT pgmq.create('v');
-- Registry: a table in pgmq with a queue table's name and columns, but no
-- row in pgmq.meta, is not a queue.
SELECT * FROM pgmq.send('hand_made', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read('hand_made', 0, 1);
SELECT pgmq.delete('hand_made', 1);
SELECT queue_length FROM pgmq.metrics('hand_made');
-- A queue's tables left without their registry row (for instance by
-- DROP EXTENSION ... CASCADE) are adopted by create.
CREATE TABLE pgmq.a_hand_made (msg_id bigint PRIMARY KEY, read_ct int, enqueued_at timestamptz,
    last_read_at timestamptz, archived_at timestamptz DEFAULT now(), vt timestamptz,
    message jsonb, headers jsonb);
SELECT pgmq.create('hand_made');
SELECT * FROM pgmq.send('hand_made', '{}');
SELECT queue_name FROM pgmq.list_queues() WHERE queue_name = 'hand_made';

-- One registry row per lower-cased name, whatever the isolation level.
SELECT indexdef FROM pg_indexes WHERE schemaname = 'pgmq' AND indexname = 'meta_queue_name_lower_idx';
INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('PX', false, false);
\echo :LAST_ERROR_SQLSTATE

SELECT pgmq.drop_queue(q) FROM unnest(ARRAY['px', 'z', 'z_vt', 'z_p', 'z_pending', 'z_defaults', 'hand_made']) q;
DROP TABLE pgmq.q_w_vt_idx;
DROP TABLE IF EXISTS pgmq.a_z_old;  -- drop_queue('z') removed it
DROP SEQUENCE pgmq.a_v;
SELECT count(*) AS queues_left FROM pgmq.meta;
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
