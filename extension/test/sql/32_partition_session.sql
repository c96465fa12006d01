-- Partitioned queues leave the caller's settings alone (pg_partman 4.x
-- sets search_path at session level), check their arguments before
-- anything is made, and clean up what they set aside.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
CREATE SCHEMA ps_caller;

-- the caller's session-level path, a custom setting, and where its
-- tables go, after every function that calls pg_partman
SET search_path = ps_caller, public;
SET ps_test.custom = 'mine';
SELECT pgmq.create_partitioned('ps_id', '10', '50', 2);
SHOW search_path;
SHOW ps_test.custom;
CREATE TABLE t_after_create (i int);
SELECT to_regclass('ps_caller.t_after_create') IS NOT NULL AS in_callers_schema;
SELECT pgmq.create_partitioned('ps_time', '1 day', '7 days');
SHOW search_path;
SELECT pgmq.run_maintenance();
SHOW search_path;
SELECT pgmq.run_maintenance('ps_id');
SHOW search_path;
SELECT pgmq.repair_partitions('ps_id');
SHOW search_path;
SELECT pgmq.create('ps_plain');
SELECT pgmq.convert_archive_partitioned('ps_plain', '100', '1000');
SHOW search_path;
SHOW ps_test.custom;
-- with rows in the default partition, pg_partman fails inside (WARNING):
-- the path is still the caller's, and repair moves the rows
SELECT count(*) FROM pgmq.send_batch('ps_id', array_fill('{}'::jsonb, ARRAY[35]));
SET client_min_messages = error;
SELECT pgmq.run_maintenance('ps_id') > 0 AS failed_steps;
SET client_min_messages = warning;
SHOW search_path;
SELECT pgmq.repair_partitions('ps_id');
SHOW search_path;
-- SET LOCAL inside the caller's transaction is kept until its end, then
-- the session value is back
BEGIN;
SET LOCAL search_path = public;
SET LOCAL ps_test.custom = 'local';
SELECT pgmq.run_maintenance();
SHOW search_path;
SHOW ps_test.custom;
COMMIT;
SHOW search_path;
SHOW ps_test.custom;
-- and inside a function with its own SET clause
CREATE FUNCTION ps_caller.maint_then_path() RETURNS TEXT
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM pgmq.run_maintenance();
    RETURN current_setting('search_path');
END $$;
SELECT ps_caller.maint_then_path();
SHOW search_path;
DROP TABLE t_after_create;
DROP FUNCTION ps_caller.maint_then_path();
RESET search_path;
RESET ps_test.custom;

-- arguments are checked first: 22023 and nothing made
SET statement_timeout = '60s';
SELECT pgmq.create_partitioned('ps_bad', premake => 100000);
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT pgmq.create_partitioned('ps_bad', premake => 1001);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', 'ten');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '99999999999999999999');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '1 day', 'abc');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '1 day', '');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '10', 'abc');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_partitioned('ps_bad', '10', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.convert_archive_partitioned('ps_plain', '');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.convert_archive_partitioned('ps_plain', '1 day', 'abc');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS made FROM pg_class WHERE relname LIKE '%ps_bad%';
SELECT count(*) AS registered FROM pgmq.meta WHERE queue_name = 'ps_bad';
-- the largest premake is fine
SELECT pgmq._max_premake();

-- '+10' is 10 messages, as an INTEGER cast reads it (pgmq 1.13)
SELECT pgmq.create_partitioned('ps_plus', '+10', ' 50 ', 1);
SELECT parent_table, control, partition_interval, retention FROM partman.part_config
 WHERE parent_table LIKE 'pgmq.%ps_plus' ORDER BY 1;
SELECT * FROM pgmq.queue_retention WHERE queue_name = 'ps_plus';

-- drop_queue removes the archive convert_archive_partitioned set aside,
-- so the queue can be made and converted again
SELECT to_regclass('pgmq.a_ps_plain_old') IS NOT NULL AS set_aside;
SELECT pgmq.drop_queue('ps_plain');
SELECT to_regclass('pgmq.a_ps_plain_old') AS after_drop;
SELECT pgmq.create('ps_plain');
SELECT pgmq.convert_archive_partitioned('ps_plain', '100', '1000');
SELECT pgmq.drop_queue('ps_plain');
SELECT to_regclass('pgmq.a_ps_plain_old') AS after_second_drop;
-- but not the archive of a queue called <name>_old
SELECT pgmq.create('ps_x_old');
SELECT pgmq.create('ps_x');
SELECT pgmq.convert_archive_partitioned('ps_x');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.drop_queue('ps_x');
SELECT to_regclass('pgmq.a_ps_x_old') IS NOT NULL AS other_queues_archive_kept;
SELECT pgmq.drop_queue('ps_x_old');

SELECT pgmq.drop_queue('ps_id'), pgmq.drop_queue('ps_time'), pgmq.drop_queue('ps_plus');
SELECT count(*) FROM partman.part_config;
DROP SCHEMA ps_caller;
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
