-- read, read_with_poll and pop.
\set SHOW_CONTEXT never
SELECT pgmq.create('r_q');

-- read returns message_record rows, oldest first, and hides them for vt
-- seconds; read_ct counts deliveries, last_read_at is NULL until the first.
SELECT count(*) FROM pgmq.send_batch('r_q', ARRAY['{"i": 1}', '{"i": 2}', '{"i": 3}', '{"i": 4}', '{"i": 5}']::jsonb[],
                                     ARRAY['{"h": 1}', NULL, NULL, NULL, NULL]::jsonb[]);
SELECT msg_id, read_ct, last_read_at IS NULL AS never_read FROM pgmq.q_r_q ORDER BY msg_id;
SELECT msg_id, read_ct, enqueued_at <= clock_timestamp() AS enqueued_ok,
       last_read_at <= clock_timestamp() AS read_just_now,
       vt > clock_timestamp() + interval '25 seconds' AS hidden_30s, message, headers
  FROM pgmq.read('r_q', 30, 2);
SELECT pg_typeof(r) FROM pgmq.read('r_q', 30, 0) r;
-- The next read gets the next ones; hidden ones are skipped.
SELECT msg_id, read_ct FROM pgmq.read('r_q', 30, 2);
SELECT msg_id, read_ct FROM pgmq.read('r_q', 30, 10);
SELECT msg_id, read_ct FROM pgmq.read('r_q', 30, 10);
-- Whatever the queue holds, qty 0 reads nothing.
UPDATE pgmq.q_r_q SET vt = clock_timestamp() - interval '1 second';
SELECT msg_id FROM pgmq.read('r_q', 30, 0);
-- vt 0: visible again at once; read_ct keeps counting.
SELECT msg_id, read_ct FROM pgmq.read('r_q', 0, 2);
SELECT msg_id, read_ct, vt <= clock_timestamp() AS visible_again FROM pgmq.read('r_q', 0, 2);
-- Negative vt is allowed: the message is visible at once, in the past.
SELECT msg_id, read_ct, vt < clock_timestamp() - interval '50 seconds' AS vt_in_past
  FROM pgmq.read('r_q', -60, 1);
SELECT msg_id, read_ct FROM pgmq.read('r_q', 30, 1);
-- Results come back in ascending msg_id even when rows were updated out of order.
UPDATE pgmq.q_r_q SET vt = clock_timestamp() - interval '1 second', message = message WHERE msg_id IN (4, 2);
UPDATE pgmq.q_r_q SET vt = clock_timestamp() - interval '1 second' WHERE msg_id IN (5, 1, 3);
SELECT msg_id FROM pgmq.read('r_q', 30, 5);
-- A read rolled back leaves the message visible and read_ct unchanged.
UPDATE pgmq.q_r_q SET vt = clock_timestamp() - interval '1 second' WHERE msg_id = 1;
SELECT read_ct FROM pgmq.q_r_q WHERE msg_id = 1;
BEGIN;
SELECT msg_id, read_ct FROM pgmq.read('r_q', 30, 1);
ROLLBACK;
SELECT read_ct, vt <= clock_timestamp() AS visible FROM pgmq.q_r_q WHERE msg_id = 1;
-- Named arguments.
SELECT msg_id FROM pgmq.read(queue_name => 'r_q', vt => 30, qty => 1);
SELECT pgmq.purge_queue('r_q');

-- Conditional read: message @> conditional; '{}' and NULL mean no filter.
SELECT count(*) FROM pgmq.send_batch('r_q', ARRAY[
    '{"type": "a", "n": 1}', '{"type": "b", "n": 2}', '{"type": "a", "n": 3, "tags": ["x", "y"]}',
    '[1, 2]', 'null', '{"type": "a", "n": 4}']::jsonb[]);
SELECT msg_id, message FROM pgmq.read('r_q', 0, 10, '{"type": "a"}');
SELECT msg_id, message FROM pgmq.read('r_q', 0, 2, '{"type": "a"}');
SELECT msg_id, message FROM pgmq.read('r_q', 0, 10, '{"type": "a", "n": 3}');
SELECT msg_id, message FROM pgmq.read('r_q', 0, 10, '{"tags": ["y"]}');
SELECT msg_id, message FROM pgmq.read('r_q', 0, 10, '{"type": "zzz"}');
SELECT msg_id, message FROM pgmq.read('r_q', 0, 10, '[1]');
SELECT count(*) AS no_filter_empty FROM pgmq.read('r_q', 0, 10, '{}');
SELECT count(*) AS no_filter_null FROM pgmq.read('r_q', 0, 10, NULL);
SELECT count(*) AS no_filter_default FROM pgmq.read('r_q', 0, 10);
SELECT msg_id FROM pgmq.read(queue_name => 'r_q', vt => 0, qty => 10, conditional => '{"type": "b"}');
-- A filtered read claims only what matches.
SELECT msg_id FROM pgmq.read('r_q', 30, 10, '{"type": "b"}');
SELECT msg_id FROM pgmq.read('r_q', 0, 10) ORDER BY msg_id;

-- read errors.
SELECT * FROM pgmq.read('r_q', 30, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read('r_q', 30, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read('r_q', NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read(NULL, 30, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read('r_q', 30, 1, 'not json');
\echo :LAST_ERROR_SQLSTATE

-- read_with_poll returns at once when a message is there: well before its
-- 30 s deadline (the limits below are generous, never tight timing).
SELECT clock_timestamp() AS t0 \gset
SELECT msg_id, read_ct FROM pgmq.read_with_poll('r_q', 30, 2, 30, 100000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '10 seconds' AS returned_at_once;
SELECT msg_id, read_ct FROM pgmq.read_with_poll('r_q', 30, 1);
SELECT msg_id FROM pgmq.read_with_poll(queue_name => 'r_q', vt => 30, qty => 10,
                                       max_poll_seconds => 1, poll_interval_ms => 10,
                                       conditional => '{"type": "a"}');
SELECT msg_id FROM pgmq.read_with_poll('r_q', 30, 10, 1, 10, NULL);
-- On an empty queue it gives up after max_poll_seconds, with no rows.
SELECT count(*) FROM pgmq.q_r_q WHERE vt <= clock_timestamp();
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM pgmq.read_with_poll('r_q', 30, 1, 1, 100);
SELECT clock_timestamp() - :'t0'::timestamptz >= interval '1 second' AS waited_1s,
       clock_timestamp() - :'t0'::timestamptz < interval '10 seconds' AS not_too_long;
-- max_poll_seconds 0: a single try, no sleep of the 100 s poll interval.
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM pgmq.read_with_poll('r_q', 30, 1, 0, 100000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '10 seconds' AS returned_at_once;
-- A message whose 1 s delay runs out during the poll is picked up by a
-- re-check, long before the 30 s deadline.
SELECT pgmq.send('r_q', '{"late": true}', 1);
SELECT clock_timestamp() AS t0 \gset
SELECT message FROM pgmq.read_with_poll('r_q', 30, 1, 30, 50);
SELECT clock_timestamp() - :'t0'::timestamptz >= interval '0.5 seconds' AS waited_for_delay,
       clock_timestamp() - :'t0'::timestamptz < interval '10 seconds' AS before_deadline;
-- The same timing checks inside one DO block.
DO $$
DECLARE
    t0 timestamptz := clock_timestamp();
    n int;
BEGIN
    SELECT count(*) INTO n FROM pgmq.read_with_poll('r_q', 30, 5, 1, 200);
    ASSERT n = 0, 'nothing to read';
    ASSERT clock_timestamp() - t0 >= interval '1 second', 'polled for a second';
    RAISE NOTICE 'polled % message(s) for at least a second', n;
END;
$$;

-- read_with_poll errors.
SELECT * FROM pgmq.read_with_poll('r_q', 30, 1, 1, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('r_q', 30, 1, 1, -5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('r_q', 30, 1, -1, 100);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('r_q', 30, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('r_q', 30, 1, NULL, 100);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('r_q', 30, 1, 1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('r_q', NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll('r_q', 30, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.read_with_poll(NULL, 30, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.purge_queue('r_q');

-- pop: default one message, oldest first; deletes it; read_ct unchanged.
SELECT count(*) FROM pgmq.send_batch('r_q', ARRAY['{"p": 1}', '{"p": 2}', '{"p": 3}', '{"p": 4}', '{"p": 5}']::jsonb[]);
SELECT msg_id, read_ct FROM pgmq.read('r_q', 0, 1);
SELECT msg_id, read_ct, last_read_at IS NOT NULL AS was_read, message, headers FROM pgmq.pop('r_q');
SELECT pg_typeof(p) FROM pgmq.pop('r_q', 0) p;
SELECT msg_id, read_ct, message FROM pgmq.pop('r_q', 2);
SELECT msg_id FROM pgmq.q_r_q ORDER BY msg_id;
-- Invisible messages are not popped.
SELECT msg_id FROM pgmq.read('r_q', 30, 1);
SELECT msg_id, message FROM pgmq.pop('r_q', 10);
SELECT count(*) FROM pgmq.pop('r_q');
SELECT msg_id FROM pgmq.q_r_q;
-- qty 0 pops nothing; named arguments.
UPDATE pgmq.q_r_q SET vt = clock_timestamp() - interval '1 second';
SELECT count(*) FROM pgmq.pop('r_q', 0);
SELECT msg_id FROM pgmq.pop(queue_name => 'r_q', qty => 5);
-- A pop rolled back keeps the message.
SELECT pgmq.send('r_q', '{"p": 6}');
BEGIN;
SELECT msg_id FROM pgmq.pop('r_q');
ROLLBACK;
SELECT msg_id, read_ct FROM pgmq.q_r_q;
-- pop errors.
SELECT * FROM pgmq.pop('r_q', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.pop('r_q', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.pop(NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT pgmq.drop_queue('r_q');
