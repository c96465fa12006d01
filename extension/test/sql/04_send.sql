-- send and send_batch in all their overloads, _validate_batch_params and
-- _send_batch.
\set SHOW_CONTEXT never
SELECT pgmq.create('s_q');

-- send(queue_name, msg): visible at once, headers NULL.
SELECT * FROM pgmq.send('s_q', '{"hello": "world"}');
SELECT msg_id, read_ct, last_read_at, vt <= clock_timestamp() AS visible,
       enqueued_at <= clock_timestamp() AS enqueued_past, message, headers
  FROM pgmq.q_s_q;
-- send(queue_name, msg, headers)
SELECT * FROM pgmq.send('s_q', '{"n": 2}', '{"h": "x"}'::jsonb);
-- send(queue_name, msg, delay integer)
SELECT * FROM pgmq.send('s_q', '{"n": 3}', 60);
-- send(queue_name, msg, headers, delay integer)
SELECT * FROM pgmq.send('s_q', '{"n": 4}', '{"h": 4}', 60);
-- send(queue_name, msg, delay timestamptz)
SELECT * FROM pgmq.send('s_q', '{"n": 5}', '2100-01-01 00:00:00+00'::timestamptz);
-- send(queue_name, msg, headers, delay timestamptz)
SELECT * FROM pgmq.send('s_q', '{"n": 6}', '{"h": 6}', '2000-01-01 00:00:00+00'::timestamptz);
SELECT msg_id, message, headers,
       vt <= clock_timestamp() AS visible,
       vt > clock_timestamp() + interval '50 seconds'
         AND vt < clock_timestamp() + interval '61 seconds' AS delayed_60s,
       vt = '2100-01-01 00:00:00+00' AS in_2100
  FROM pgmq.q_s_q WHERE msg_id > 1 ORDER BY msg_id;
-- Only the visible ones can be read.
SELECT msg_id FROM pgmq.read('s_q', 30, 10);

-- Named arguments, as the clients call.
SELECT pgmq.send(queue_name => 's_q', msg => '{"named": 1}');
SELECT pgmq.send(queue_name => 's_q', msg => '{"named": 2}', delay => 5);
SELECT pgmq.send(queue_name => 's_q', msg => '{"named": 3}', headers => '{"k": 1}');
SELECT pgmq.send(queue_name => 's_q', msg => '{"named": 4}', headers => '{"k": 2}', delay => 0);
SELECT pgmq.send(queue_name => 's_q', msg => '{"named": 5}',
                 delay => '2000-01-01 00:00:00+00'::timestamptz);
SELECT pgmq.send(msg => '{"named": 6}', delay => 0, queue_name => 's_q', headers => NULL);
SELECT msg_id, message, headers, vt <= clock_timestamp() AS visible
  FROM pgmq.q_s_q WHERE message ? 'named' ORDER BY msg_id;
-- The output column of the SETOF bigint functions is named after them.
SELECT send FROM pgmq.send('s_q', '{}');
SELECT pg_typeof(send) FROM pgmq.send('s_q', '{}');

-- A delayed message becomes readable once its delay has passed (5 s: the
-- first read must come sooner, even on a busy machine).
SELECT pgmq.purge_queue('s_q');
SELECT pgmq.send('s_q', '{"delayed": true}', 5);
SELECT count(*) AS readable_now FROM pgmq.read('s_q', 30, 1);
SELECT pg_sleep(5.5);
SELECT msg_id, message FROM pgmq.read('s_q', 30, 1);
-- A zero or negative delay is visible at once.
SELECT pgmq.send('s_q', '{"delay": 0}', 0);
SELECT pgmq.send('s_q', '{"delay": -10}', -10);
SELECT msg_id, message FROM pgmq.read('s_q', 30, 5);
-- An infinite timestamp is accepted: never visible, or always.
SELECT pgmq.send('s_q', '{"when": "never"}', 'infinity'::timestamptz);
SELECT pgmq.send('s_q', '{"when": "always"}', '-infinity'::timestamptz);
SELECT msg_id, message FROM pgmq.read('s_q', 30, 5);
SELECT msg_id, vt FROM pgmq.q_s_q WHERE message = '{"when": "never"}';
-- Messages of any JSON type, including JSON null.
SELECT pgmq.send('s_q', '[1, 2]');
SELECT pgmq.send('s_q', '"text"');
SELECT pgmq.send('s_q', 'null');
SELECT msg_id, message, jsonb_typeof(message) FROM pgmq.read('s_q', 30, 5);

-- A send rolled back leaves no message, but uses up its id.
BEGIN;
SELECT pgmq.send('s_q', '{"rolled": "back"}');
ROLLBACK;
SELECT count(*) FROM pgmq.q_s_q WHERE message ? 'rolled';
SELECT pgmq.send('s_q', '{"after": "rollback"}');

-- send errors.
SELECT pgmq.send('s_q', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send('s_q', NULL, '{"h": 1}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send('s_q', '{}', NULL::integer);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send('s_q', '{}', NULL::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send('s_q', '{}', '{}'::jsonb, NULL::integer);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send('s_q', '{}', '{}'::jsonb, NULL::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send(NULL, '{}');
\echo :LAST_ERROR_SQLSTATE
-- NULL headers are fine.
SELECT pgmq.send('s_q', '{"null": "headers"}', NULL::jsonb);
SELECT pgmq.send('s_q', '{"null": "headers"}', NULL::jsonb, 0);
SELECT headers IS NULL FROM pgmq.q_s_q WHERE message ? 'null';
-- An untyped third argument is ambiguous between the overloads.
SELECT pgmq.send('s_q', '{}', NULL);
SELECT pgmq.purge_queue('s_q');

-- send_batch(queue_name, msgs): ids in the order of msgs.
SELECT * FROM pgmq.send_batch('s_q', ARRAY['{"b": 1}', '{"b": 2}', '{"b": 3}']::jsonb[]);
SELECT msg_id, message, headers, read_ct, vt <= clock_timestamp() AS visible
  FROM pgmq.q_s_q ORDER BY msg_id;
-- send_batch(queue_name, msgs, headers)
SELECT * FROM pgmq.send_batch('s_q', ARRAY['{"b": 4}', '{"b": 5}']::jsonb[],
                              ARRAY['{"h": 4}', NULL]::jsonb[]);
-- send_batch(queue_name, msgs, delay integer)
SELECT * FROM pgmq.send_batch('s_q', ARRAY['{"b": 6}']::jsonb[], 60);
-- send_batch(queue_name, msgs, headers, delay integer)
SELECT * FROM pgmq.send_batch('s_q', ARRAY['{"b": 7}']::jsonb[], ARRAY['{"h": 7}']::jsonb[], 60);
-- send_batch(queue_name, msgs, delay timestamptz)
SELECT * FROM pgmq.send_batch('s_q', ARRAY['{"b": 8}']::jsonb[], '2100-01-01 00:00:00+00'::timestamptz);
-- send_batch(queue_name, msgs, headers, delay timestamptz)
SELECT * FROM pgmq.send_batch('s_q', ARRAY['{"b": 9}', '{"b": 10}']::jsonb[],
                              ARRAY['{"h": 9}', '{"h": 10}']::jsonb[],
                              '2000-01-01 00:00:00+00'::timestamptz);
SELECT msg_id, message, headers, vt <= clock_timestamp() AS visible,
       vt > clock_timestamp() + interval '50 seconds'
         AND vt < clock_timestamp() + interval '61 seconds' AS delayed_60s
  FROM pgmq.q_s_q WHERE msg_id > 3 ORDER BY msg_id;
-- Named arguments.
SELECT pgmq.send_batch(queue_name => 's_q', msgs => ARRAY['{"nb": 1}']::jsonb[]);
SELECT pgmq.send_batch(queue_name => 's_q', msgs => ARRAY['{"nb": 2}']::jsonb[], delay => 0);
SELECT pgmq.send_batch(queue_name => 's_q', msgs => ARRAY['{"nb": 3}']::jsonb[],
                       headers => ARRAY['{"k": 3}']::jsonb[]);
SELECT pgmq.send_batch(queue_name => 's_q', msgs => ARRAY['{"nb": 4}']::jsonb[],
                       headers => ARRAY['{"k": 4}']::jsonb[], delay => clock_timestamp());
SELECT msg_id, message, headers FROM pgmq.q_s_q WHERE message ? 'nb' ORDER BY msg_id;
-- The output column is named send_batch; a large batch keeps its order.
SELECT count(*), min(send_batch), max(send_batch),
       count(DISTINCT send_batch - ord) = 1 AS consecutive_in_order
  FROM pgmq.send_batch('s_q', ARRAY(SELECT jsonb_build_object('big', i) FROM generate_series(1, 1000) i))
       WITH ORDINALITY AS t(send_batch, ord);
SELECT bool_and((message->>'big')::int = msg_id - (SELECT min(msg_id) - 1 FROM pgmq.q_s_q WHERE message ? 'big'))
       AS ids_follow_array_order
  FROM pgmq.q_s_q WHERE message ? 'big';
-- A batch rolled back leaves nothing.
BEGIN;
SELECT count(*) FROM pgmq.send_batch('s_q', ARRAY['{"rb": 1}', '{"rb": 2}']::jsonb[]);
ROLLBACK;
SELECT count(*) FROM pgmq.q_s_q WHERE message ? 'rb';

-- send_batch errors.
SELECT pgmq.send_batch('s_q', ARRAY['{}', '{}']::jsonb[], ARRAY['{}']::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', ARRAY['{}']::jsonb[], ARRAY[]::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', ARRAY['{}']::jsonb[], ARRAY['{}', '{}']::jsonb[], 0);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', ARRAY[]::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', NULL::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', '{}'::jsonb[], 0);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', ARRAY['{}', NULL]::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
-- Multi-dimensional arrays are flattened: 11_bad_inputs.
SELECT pgmq.send_batch('s_q', ARRAY['{}']::jsonb[], NULL::integer);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', ARRAY['{}']::jsonb[], NULL::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch('s_q', ARRAY['{}']::jsonb[], NULL::jsonb[], NULL::integer);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send_batch(NULL, ARRAY['{}']::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
-- Nothing was inserted by the failed batches.
SELECT count(*) FROM pgmq.q_s_q WHERE message = '{}';
-- NULL headers array is fine; NULL header elements too.
SELECT count(*) FROM pgmq.send_batch('s_q', ARRAY['{"nh": 1}']::jsonb[], NULL::jsonb[]);
SELECT count(*) FROM pgmq.send_batch('s_q', ARRAY['{"nh": 2}']::jsonb[], NULL::jsonb[], 0);
SELECT message, headers FROM pgmq.q_s_q WHERE message ? 'nh' ORDER BY msg_id;
-- Arrays that do not start at 1 work as well.
SELECT count(*) FROM pgmq.send_batch('s_q', '[5:6]={"{\"lb\": 1}","{\"lb\": 2}"}'::jsonb[],
                                     '[0:1]={"{\"h\": 1}","{\"h\": 2}"}'::jsonb[]);
SELECT message, headers FROM pgmq.q_s_q WHERE message ? 'lb' ORDER BY msg_id;

-- _validate_batch_params
SELECT pgmq._validate_batch_params(ARRAY['{}']::jsonb[], NULL);
SELECT pgmq._validate_batch_params(ARRAY['{}', '{}']::jsonb[], ARRAY['{}', '{}']::jsonb[]);
SELECT pgmq._validate_batch_params(NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq._validate_batch_params(ARRAY[]::jsonb[], NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq._validate_batch_params(ARRAY['{}']::jsonb[], ARRAY[]::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq._validate_batch_params(msgs => ARRAY['{}', '{}']::jsonb[], headers => ARRAY['{}']::jsonb[]);
\echo :LAST_ERROR_SQLSTATE

-- _send_batch(queue_name, msgs, headers, delay timestamptz)
SELECT pgmq.purge_queue('s_q');
SELECT * FROM pgmq._send_batch('s_q', ARRAY['{"p": 1}', '{"p": 2}']::jsonb[], NULL, clock_timestamp());
SELECT * FROM pgmq._send_batch('s_q', ARRAY['{"p": 3}']::jsonb[], ARRAY['{"h": 3}']::jsonb[],
                               '2100-01-01 00:00:00+00');
SELECT msg_id, message, headers, vt <= clock_timestamp() AS visible FROM pgmq.q_s_q ORDER BY msg_id;
SELECT pgmq._send_batch('s_q', ARRAY['{}']::jsonb[], ARRAY['{}', '{}']::jsonb[], clock_timestamp());
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq._send_batch('s_q', ARRAY['{}']::jsonb[], NULL, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT pgmq.drop_queue('s_q');
