-- The seed's API (pgmq 0.2.0's README, ../shared/seed/pgmq-0.2.0-readme.txt):
-- its SQL examples replayed as written, in a database of their own where
-- CREATE EXTENSION pgmq CASCADE is the first command, as in the README.
-- The pgmq_* wrappers act on the same queues as the pgmq.* API.
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE seed_api;
\c seed_api
\pset null '(null)'

-- create the extension
CREATE EXTENSION pgmq CASCADE;
-- creates the queue.
SELECT pgmq_create('my_queue');
-- messages are sent as JSON
SELECT * from pgmq_send('my_queue', '{"foo": "bar1"}');
SELECT * from pgmq_send('my_queue', '{"foo": "bar2"}');
-- Read two message from the queue. Make them invisible for 30 seconds.
-- (The rows hold timestamps of now: the same query as written, kept in a
-- table to print what does not change from run to run.)
CREATE TEMP TABLE seed_read AS
SELECT * from pgmq_read('my_queue', 30, 2);
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'seed_read'::regclass AND attnum > 0 ORDER BY attnum;
SELECT msg_id, read_ct, vt > enqueued_at AS invisible, message FROM seed_read ORDER BY msg_id;
-- If the queue is empty, or if all messages are currently invisible, no rows will be returned.
SELECT * from pgmq_read('my_queue', 30, 1);
-- Read a message and immediately delete it from the queue. (Both are
-- invisible for 30 s: nothing.)
SELECT * from pgmq_pop('my_queue');
-- Delete a message id 1 from queue named my_queue.
select pgmq_delete('my_queue', 1);

-- The same queue through the modern API, and back.
SELECT msg_id, read_ct, message FROM pgmq.set_vt('my_queue', 2, 0);
SELECT msg_id, read_ct, message FROM pgmq_pop('my_queue');
SELECT pgmq.send('my_queue', '{"foo": "bar3"}');
SELECT pgmq_archive('my_queue', 3);
SELECT msg_id, read_ct, message FROM pgmq.a_my_queue;
SELECT pgmq_archive('my_queue', 3);
-- 0.2.0 warned when there was nothing to delete.
select pgmq_delete('my_queue', 1);
SELECT pgmq_create('other_queue');
SELECT queue_name, created_at <= now() AS created FROM pgmq_list_queues();
SELECT queue_name FROM pgmq.list_queues() ORDER BY queue_name;
SELECT pgmq.drop_queue('other_queue');

-- Partitioned queues: 0.2.0's create_partitioned(name, partition_size).
SELECT pgmq_create_partitioned('my_part_queue');
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
SELECT pgmq_create_partitioned('my_part_queue');
SELECT pgmq_create_partitioned('my_part_small', 100);
SELECT parent_table, partition_interval FROM partman.part_config ORDER BY parent_table;
SELECT * from pgmq_send('my_part_queue', '{"p": 1}');
SELECT msg_id, read_ct, message FROM pgmq_read('my_part_queue', 30, 5);
SELECT pgmq_create_partitioned('my_part_bad', 0);

-- Errors are the pgmq.* functions' own.
SELECT pgmq_send('no_queue', '{}');
SELECT * FROM pgmq_read('no_queue', 30, 1);
SELECT pgmq_create('bad;name');

-- What the wrappers are: members of the extension, in schema public.
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS result,
       p.prosecdef AS security_definer
  FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'pgmq\_%'
 ORDER BY 1::text;
SELECT count(*) AS members FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
 WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pgmq')
   AND p.pronamespace = 'public'::regnamespace;
SELECT pgmq.drop_queue('my_part_queue');
SELECT pgmq.drop_queue('my_part_small');
SELECT pgmq.drop_queue('my_queue');
DROP EXTENSION pgmq;
SELECT count(*) FROM pg_proc WHERE proname LIKE 'pgmq\_%';

-- A database without schema public: the extension installs, without the
-- 0.2.0 names, and says so (a WARNING: CREATE EXTENSION hides NOTICEs).
DROP SCHEMA public CASCADE;
CREATE EXTENSION pgmq;
SELECT count(*) FROM pg_proc WHERE proname LIKE 'pgmq\_%';
SELECT pgmq.create('still_works');
SELECT pgmq.drop_queue('still_works');

\c :regress_db :regress_user
DROP DATABASE seed_api;
