-- Drop-in details of upstream pgmq 1.13.1 that clients can see.
\pset null '(null)'

-- NULL messages are stored, as upstream does (the column is nullable, and
-- headers-only messages exist): send, send_batch with NULL elements.
SELECT pgmq.create('di_q');
SELECT send AS null_id FROM pgmq.send('di_q', NULL) \gset
SELECT send AS headers_only_id FROM pgmq.send('di_q', NULL, '{"x-kind": "ping"}'::jsonb) \gset
SELECT count(*) FROM pgmq.send_batch('di_q', ARRAY['{"a": 1}', NULL, '{"a": 3}']::jsonb[]);
SELECT count(*) FROM pgmq.send_batch('di_q', ARRAY[NULL, NULL]::jsonb[], ARRAY['{"h": 1}', NULL]::jsonb[]);
SELECT msg_id - :null_id AS n, message, headers FROM pgmq.q_di_q ORDER BY msg_id;
SELECT msg_id - :null_id AS n, read_ct, message IS NULL AS null_message, headers
  FROM pgmq.read('di_q', 30, 10) ORDER BY msg_id;
SELECT msg_id = :headers_only_id AS same, headers FROM pgmq.set_vt('di_q', :headers_only_id, 0);
SELECT pgmq.archive('di_q', :headers_only_id::bigint);
SELECT message, headers FROM pgmq.a_di_q;
-- A NULL message never matches a conditional read's filter; '{}' reads it.
SELECT count(*) FROM pgmq.send('di_q', NULL);
SELECT count(*) FROM pgmq.read('di_q', 30, 10, '{"a": 1}');
SELECT count(*) FROM pgmq.read('di_q', 30, 10, '{}');
-- send_topic keeps upstream's own check.
SELECT pgmq.send_topic('di.key', NULL);
\echo :LAST_ERROR_SQLSTATE

-- Functions that return void upstream return a void value, not NULL.
SELECT pgmq.create('di_q') IS NULL AS create_null;
SELECT pgmq.create('di_v');
SELECT pgmq.create_non_partitioned('di_v');
SELECT pgmq.create_unlogged('di_u');
SELECT pgmq.create_fifo_index('di_v');
SELECT pgmq.create_fifo_indexes_all();
SELECT pgmq.validate_queue_name('di_v');
SELECT pgmq.acquire_queue_lock('di_v');
SELECT pgmq.bind_topic('di.*', 'di_v');
SELECT pgmq.detach_archive('di_v');
SELECT pgmq.enable_notify_insert('di_v');
SELECT pgmq.update_notify_insert('di_v', 10);
SELECT pgmq.disable_notify_insert('di_v');
SELECT pgmq._validate_batch_params(ARRAY['{}']::jsonb[], NULL);
SELECT pgmq.create('di_q') IS NULL AS create_null,
       pgmq.create_fifo_index('di_q') IS NULL AS fifo_index_null,
       pgmq.enable_notify_insert('di_q') IS NULL AS enable_null,
       pgmq.disable_notify_insert('di_q') IS NULL AS disable_null;
-- Every void function of schema pgmq is a C or PL/pgSQL function: a SQL
-- function that returns void returns NULL.
SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'pgmq'::regnamespace AND p.prorettype = 'void'::regtype
   AND l.lanname = 'sql';

-- Validation errors upstream raises with RAISE EXCEPTION: P0001, its texts.
\set VERBOSITY sqlstate
SELECT pgmq.create('bad$name');
SELECT pgmq.create(repeat('x', 48));
SELECT pgmq.send_batch('di_q', ARRAY[]::jsonb[]);
SELECT pgmq.send_batch('di_q', ARRAY['{}']::jsonb[], ARRAY[]::jsonb[]);
SELECT pgmq.validate_routing_key('');
SELECT pgmq.validate_topic_pattern('a.**');
SELECT pgmq.bind_topic('di.*', 'di_nope');
SELECT pgmq.bind_topic('di.*', '');
SELECT pgmq.send_topic('di.key', '{}', -1);
SELECT pgmq.enable_notify_insert('di_q', -1);
SELECT pgmq.enable_notify_insert('di_nope');
SELECT pgmq.update_notify_insert('di_q', -1);
SELECT pgmq.update_notify_insert('di_nope', 1);
SELECT pgmq.update_notify_insert('di_v', 1);
\set VERBOSITY default
SELECT pgmq.enable_notify_insert('di_q', -1);
SELECT pgmq.update_notify_insert('di_q', -1);
SELECT pgmq.update_notify_insert('di_v', 1);

-- enable_notify_insert replaces the trigger as upstream does, with
-- DROP TRIGGER IF EXISTS: PostgreSQL's NOTICE when there was none.
SELECT pgmq.enable_notify_insert('di_v');
SELECT pgmq.enable_notify_insert('di_v', 0);
SELECT pgmq.disable_notify_insert('di_v');
SELECT pgmq.disable_notify_insert('di_v');

-- A missing queue: upstream's 42P01 "relation ... does not exist".
\set VERBOSITY sqlstate
SELECT pgmq.send('di_nope', '{}');
SELECT pgmq.create_fifo_index('di_nope');
\set VERBOSITY default
SELECT * FROM pgmq.read('Di_Nope', 1, 1);
SELECT pgmq.create_fifo_index('di_nope');
SELECT pgmq.disable_notify_insert('di_nope');

SELECT pgmq.unbind_topic('di.*', 'di_v');
SELECT pgmq.drop_queue('di_q');
SELECT pgmq.drop_queue('di_v');
SELECT pgmq.drop_queue('di_u');
