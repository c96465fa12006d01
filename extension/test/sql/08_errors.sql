-- Errors shared by the message functions: a missing queue (42P01 naming
-- the queue, with a hint), bad names, and timestamps out of range (22008).
\set SHOW_CONTEXT never

-- Every message function on a queue that does not exist.
SELECT * FROM pgmq.send('e_missing', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.send('e_missing', '{}', '{}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.send('e_missing', '{}', 5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.send('e_missing', '{}', '{}'::jsonb, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.send_batch('e_missing', ARRAY['{}']::jsonb[]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.send_batch('e_missing', ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[], 5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq._send_batch('e_missing', ARRAY['{}']::jsonb[], NULL, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read('e_missing', 30, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read('e_missing', 30, 1, '{"a": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('e_missing', 30, 1, 1, 100);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.pop('e_missing');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.pop('e_missing', 5);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.delete('e_missing', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.delete('e_missing', ARRAY[1]::bigint[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.archive('e_missing', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.archive('e_missing', ARRAY[1]::bigint[]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('e_missing', 1, 30);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('e_missing', 1, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('e_missing', ARRAY[1]::bigint[], 30);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('e_missing', ARRAY[1]::bigint[], now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('e_missing', '1', '30');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.metrics('e_missing');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.purge_queue('e_missing');
\echo :LAST_ERROR_SQLSTATE
-- The name is reported as given; the detail names the lower-cased table.
SELECT * FROM pgmq.send('E_Missing', '{}');
SELECT * FROM pgmq.read('with space', 30, 1);
-- A missing queue is an ordinary error: a transaction can recover from it.
BEGIN;
SAVEPOINT sp;
SELECT * FROM pgmq.send('e_missing', '{}');
ROLLBACK TO sp;
SELECT 'still usable' AS txn;
COMMIT;

-- Bad names in the message functions: same errors as validate_queue_name.
SELECT * FROM pgmq.send('x"; drop table pgmq.meta; --', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read('a$b', 30, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.pop('');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.send(repeat('x', 48), '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.send(repeat('x', 300), '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.purge_queue(repeat('é', 24));
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('pgmq.meta') AS meta_still_there;

-- Timestamps out of range.
SELECT pgmq.create('e_q');
SELECT pgmq.send('e_q', '{"n": 1}');
-- The largest vt, 2147483647 seconds (68 years), is fine.
SELECT msg_id, vt > clock_timestamp() + interval '68 years' AS in_68_years
  FROM pgmq.set_vt('e_q', 1, 2147483647);
SELECT msg_id, vt < clock_timestamp() - interval '68 years' AS past
  FROM pgmq.set_vt('e_q', 1, -2147483648);
SELECT msg_id, read_ct FROM pgmq.read('e_q', 2147483647, 1);
SELECT pgmq.send('e_q', '{"n": 2}', 2147483647);
SELECT pgmq.send('e_q', '{"n": 3}', -2147483648);
SELECT count(*) FROM pgmq.send_batch('e_q', ARRAY['{"n": 4}']::jsonb[], 2147483647);
-- Infinite timestamps are stored as such.
SELECT pgmq.send('e_q', '{"n": 5}', 'infinity'::timestamptz);
SELECT count(*) FROM pgmq.send_batch('e_q', ARRAY['{"n": 6}']::jsonb[], '-infinity'::timestamptz);
SELECT msg_id, vt FROM pgmq.set_vt('e_q', 2, 'infinity'::timestamptz);
SELECT msg_id, vt FROM pgmq.set_vt('e_q', ARRAY[3]::bigint[], '-infinity'::timestamptz);
SELECT msg_id, vt FROM pgmq.q_e_q WHERE vt IN ('infinity', '-infinity') ORDER BY msg_id;
-- The last instant of the timestamp range is accepted; one past it fails
-- with 22008 (in the input function) and nothing is changed. Seconds added
-- to the clock stay 68 years short of the end of the range.
SELECT msg_id, vt FROM pgmq.set_vt('e_q', 1, '294276-12-31 23:59:59+00'::timestamptz);
SELECT pgmq.send('e_q', '{"n": 7}', '294276-12-31 23:59:59.999999+00'::timestamptz);
SELECT pgmq.set_vt('e_q', 1, '294277-01-01 00:00:00+00'::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.send('e_q', '{}', '294277-01-01 00:00:00+00'::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('e_q', '1', '294277-01-01 00:00:00+00');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pgmq.send_batch('e_q', ARRAY['{}']::jsonb[], '294277-01-01 00:00:00+00'::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT msg_id, vt FROM pgmq.q_e_q WHERE msg_id IN (1, 7) ORDER BY msg_id;
SELECT count(*) FROM pgmq.q_e_q;

-- read_ct at INT_MAX stays there: the message is still delivered
-- (11_bad_inputs has every read form).
SELECT pgmq.purge_queue('e_q');
SELECT pgmq.send('e_q', '{"read": "too often"}');
UPDATE pgmq.q_e_q SET read_ct = 2147483647;
SELECT msg_id, read_ct FROM pgmq.read('e_q', 0, 1);
SELECT msg_id, read_ct FROM pgmq.read_with_poll('e_q', 30, 1, 1, 100);
SELECT msg_id, read_ct, last_read_at IS NULL AS never_read, vt <= clock_timestamp() AS visible, message
  FROM pgmq.q_e_q;
-- Its lease can still be changed, and it can be archived.
SELECT msg_id, read_ct FROM pgmq.set_vt('e_q', 8::bigint, 0);
SELECT pgmq.archive('e_q', 8::bigint);
SELECT msg_id, read_ct FROM pgmq.a_e_q;

SELECT pgmq.drop_queue('e_q');
