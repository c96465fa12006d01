-- Inputs that must not break a whole call: one poison row, a huge qty,
-- huge topic texts, id arrays of any shape.

-- Runs a statement and reports its error as SQLSTATE: message.
CREATE FUNCTION pg_temp.err(stmt TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- 1. A message read 2^31 - 1 times: read_ct saturates, every read still
-- works and returns it (and the messages behind it).
SELECT pgmq.create('bad_rc');
SELECT pgmq.send('bad_rc', '{"a": 1}') = 1 AS sent;
SELECT pgmq.send('bad_rc', '{"a": 2}') = 2 AS sent;
UPDATE pgmq.q_bad_rc SET read_ct = 2147483647 WHERE msg_id = 1;
SELECT msg_id, read_ct FROM pgmq.read('bad_rc', 0, 2);
SELECT msg_id, read_ct FROM pgmq.read('bad_rc', 0, 2, '{"a": 1}');
SELECT msg_id, read_ct FROM pgmq.read_with_poll('bad_rc', 0, 2, 1, 10);
SELECT msg_id, read_ct FROM pgmq.read_with_poll('bad_rc', 0, 2, 1, 10, '{"a": 1}');
-- pop counts nothing; the message comes back as stored.
SELECT msg_id, read_ct FROM pgmq.pop('bad_rc', 1);
SELECT pgmq.drop_queue('bad_rc');

-- The same for grouped reads: heads and messages behind them.
SELECT pgmq.create('bad_rc_g');
SELECT count(*) AS sent FROM (
    SELECT pgmq.send('bad_rc_g', jsonb_build_object('n', n), jsonb_build_object('x-pgmq-group', g))
      FROM (VALUES (1, 'g1'), (2, 'g1'), (3, 'g2')) AS v(n, g)) s;
UPDATE pgmq.q_bad_rc_g SET read_ct = 2147483647;
SELECT msg_id, read_ct FROM pgmq.read_grouped('bad_rc_g', 0, 3);
SELECT msg_id, read_ct FROM pgmq.read_grouped_rr('bad_rc_g', 0, 3);
SELECT msg_id, read_ct FROM pgmq.read_grouped_head('bad_rc_g', 0, 3);
SELECT msg_id, read_ct FROM pgmq.read_grouped_with_poll('bad_rc_g', 0, 3, 1, 10);
SELECT msg_id, read_ct FROM pgmq.read_grouped_rr_with_poll('bad_rc_g', 0, 3, 1, 10);
SELECT msg_id, read_ct FROM pgmq.read_grouped_head_with_poll('bad_rc_g', 0, 3, 1, 10);
SELECT pgmq.drop_queue('bad_rc_g');

-- 2. Ages beyond the int range saturate: metrics and metrics_all work with
-- messages enqueued 1900 (age > 2^31 s), far in the future, or at
-- -infinity/infinity.
SELECT pgmq.create('bad_age');
SELECT pgmq.send('bad_age', '{}') = 1 AS sent;
SELECT pgmq.send('bad_age', '{}') = 2 AS sent;
UPDATE pgmq.q_bad_age SET enqueued_at = '1900-01-01' WHERE msg_id = 1;
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec < 1000 AS newest_recent
  FROM pgmq.metrics('bad_age');
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec < 1000 AS newest_recent
  FROM pgmq.metrics_all() WHERE queue_name = 'bad_age';
UPDATE pgmq.q_bad_age SET enqueued_at = '3000-01-01' WHERE msg_id = 2;
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec FROM pgmq.metrics('bad_age');
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec
  FROM pgmq.metrics_all() WHERE queue_name = 'bad_age';
UPDATE pgmq.q_bad_age SET enqueued_at = '-infinity' WHERE msg_id = 1;
UPDATE pgmq.q_bad_age SET enqueued_at = 'infinity' WHERE msg_id = 2;
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec FROM pgmq.metrics('bad_age');
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec
  FROM pgmq.metrics_all() WHERE queue_name = 'bad_age';
-- metrics_all's SQL path (taken for tables parallel query could scan).
SET max_parallel_workers_per_gather = 2;
SET min_parallel_table_scan_size = 0;
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec
  FROM pgmq.metrics_all() WHERE queue_name = 'bad_age';
UPDATE pgmq.q_bad_age SET enqueued_at = '1900-01-01' WHERE msg_id = 1;
UPDATE pgmq.q_bad_age SET enqueued_at = '3000-01-01' WHERE msg_id = 2;
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec
  FROM pgmq.metrics_all() WHERE queue_name = 'bad_age';
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- Both paths round as EXTRACT(epoch FROM now() - ts)::int4 does.
UPDATE pgmq.q_bad_age SET enqueued_at = now() - interval '10.5 s' WHERE msg_id = 1;
UPDATE pgmq.q_bad_age SET enqueued_at = now() + interval '10.5 s' WHERE msg_id = 2;
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec FROM pgmq.metrics('bad_age');
SELECT queue_length, oldest_msg_age_sec, newest_msg_age_sec
  FROM pgmq.metrics_all() WHERE queue_name = 'bad_age';
SELECT pgmq.drop_queue('bad_age');

-- 3. A huge qty costs what is found, not what is asked for.
SELECT pgmq.create('bad_qty');
SELECT count(*) AS sent FROM (
    SELECT pgmq.send('bad_qty', jsonb_build_object('n', n), jsonb_build_object('x-pgmq-group', g))
      FROM (VALUES (1, 'A'), (2, 'A'), (3, 'B'), (4, 'A'), (5, 'C'), (6, 'B'), (7, 'A'),
                   (8, 'A'), (9, 'A'), (10, 'A')) AS v(n, g)) s;
SELECT count(*) FROM pgmq.read('bad_qty', 0, 134217728);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped('bad_qty', 0, 134217728);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped('bad_qty', 0, 2147483647);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr('bad_qty', 0, 2147483647);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_head('bad_qty', 0, 2147483647);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_with_poll('bad_qty', 0, 2147483647, 1, 10);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr_with_poll('bad_qty', 0, 2147483647, 1, 10);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_head_with_poll('bad_qty', 0, 2147483647, 1, 10);
-- Round-robin when the groups run out at different depths: A has 7
-- messages, B 2, C 1.
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr('bad_qty', 0, 8);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr('bad_qty', 0, 9);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr('bad_qty', 0, 10);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr('bad_qty', 0, 5);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr('bad_qty', 0, 3);
SELECT string_agg(msg_id::text, ' ') FROM pgmq.read_grouped_rr('bad_qty', 0, 2);
SELECT pgmq.drop_queue('bad_qty');

-- Many groups, few messages each: one round of look-ups.
SELECT pgmq.create('bad_qty_many');
SELECT count(*) AS sent FROM (
    SELECT pgmq.send('bad_qty_many', '{}', jsonb_build_object('x-pgmq-group', 'g' || (n % 300)))
      FROM generate_series(1, 900) n) s;
SELECT count(*), count(DISTINCT msg_id) FROM pgmq.read_grouped_rr('bad_qty_many', 0, 2147483647);
SELECT count(*) FROM pgmq.read_grouped_rr('bad_qty_many', 0, 400);
SELECT pgmq.drop_queue('bad_qty_many');

-- 4. Topic matching is bit-parallel and can be cancelled. The matcher
-- agrees with the compiled regular expression of test_routing, also for
-- keys longer than a machine word of positions and for patterns the
-- binding checks would refuse.
CREATE TEMP TABLE tk (k TEXT);
WITH w(w) AS (VALUES ('a'), ('b'), ('ab'), (repeat('a', 63)), (repeat('a', 64) || 'b'), (repeat('b', 130)))
INSERT INTO tk SELECT w1.w FROM w w1
    UNION ALL SELECT w1.w || '.' || w2.w FROM w w1, w w2
    UNION ALL SELECT w1.w || '.' || w2.w || '.' || w3.w FROM w w1, w w2, w w3;
CREATE TEMP TABLE tp (p TEXT);
WITH t(t) AS (VALUES ('a'), ('b'), ('*'), ('#'), ('a*'), ('*b'), ('#b'), ('a#'), ('*.*'), ('a.#'),
                     ('#.b'), (repeat('a', 63)), ('*a*'), ('**'), ('#*'), ('*#'), ('##'))
INSERT INTO tp SELECT t1.t FROM t t1
    UNION ALL SELECT t1.t || '.' || t2.t FROM t t1, t t2
    UNION ALL SELECT t1.t || t2.t FROM t t1, t t2;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE pgmq._topic_matches(k, p) <> (k ~ r)) AS disagreements,
       count(*) FILTER (WHERE pgmq._topic_matches(k, p)) > 0 AS some_match
  FROM tk, (SELECT p, '^' || replace(replace(regexp_replace(p, '([.+?{}()|\[\]\\^$])', '\\\1', 'g'),
                                             '*', '[^.]+'), '#', '.*') || '$' AS r FROM tp) tp;
SELECT pgmq._topic_matches(repeat('a', 1000), repeat('#a', 500)) AS t1,
       pgmq._topic_matches(repeat('a', 499), repeat('#a', 500)) AS f1,
       pgmq._topic_matches(repeat('a', 1000), repeat('*a', 500)) AS t2,
       pgmq._topic_matches(repeat('a', 999), repeat('*a', 500)) AS f2,
       pgmq._topic_matches(repeat('a.', 500) || 'b', repeat('*.', 500) || '*') AS t3,
       pgmq._topic_matches(repeat('a.', 500) || 'b', repeat('*.', 501) || '*') AS f3,
       pgmq._topic_matches(repeat('ab', 100000), repeat('ab', 100000)) AS t4,
       pgmq._topic_matches(repeat('ab', 100000), repeat('ab', 99999) || 'a') AS f4;
-- 150,000 characters of each used to take about a minute, ignoring
-- statement_timeout. Now it ends well within the timeout, or at it.
SET statement_timeout = '1s';
DO $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    BEGIN
        PERFORM pgmq._topic_matches(repeat('a', 150000), repeat('#a', 75000));
    EXCEPTION WHEN query_canceled THEN
        NULL;
    END;
    RAISE NOTICE 'ended within 30 s: %', clock_timestamp() - t0 < interval '30 s';
END $$;
RESET statement_timeout;

-- 5. Id arrays of any shape are the set of their elements, as pgmq's
-- "= ANY" makes them: delete, archive and set_vt take multi-dimensional
-- arrays, and send_batch takes all the elements of its arrays in order.
SELECT pgmq.create('bad_ids');
SELECT count(*) AS sent FROM (SELECT pgmq.send('bad_ids', jsonb_build_object('n', n)) FROM generate_series(1, 8) n) s;
SELECT msg_id, read_ct FROM pgmq.set_vt('bad_ids', ARRAY[[1, 2], [3, 4]]::bigint[], 0);
SELECT msg_id FROM pgmq.set_vt('bad_ids', '[0:1][5:5]={{5},{6}}'::bigint[], now());
SELECT * FROM pgmq.delete('bad_ids', ARRAY[[1, 2], [3, NULL]]::bigint[]);
SELECT * FROM pgmq.archive('bad_ids', ARRAY[[[4]], [[5]]]::bigint[]);
SELECT msg_id FROM pgmq.a_bad_ids ORDER BY msg_id;
SELECT * FROM pgmq.send_batch('bad_ids', ARRAY[['{"m": 1}', '{"m": 2}'], ['{"m": 3}', '{"m": 4}']]::jsonb[]);
SELECT * FROM pgmq.send_batch('bad_ids', ARRAY['{"m": 5}', '{"m": 6}']::jsonb[],
                              ARRAY[['{"h": 5}'], ['{"h": 6}']]::jsonb[]);
SELECT msg_id, message, headers FROM pgmq.q_bad_ids WHERE msg_id > 8 ORDER BY msg_id;
-- headers must still have one entry per message.
SELECT pg_temp.err($$SELECT pgmq.send_batch('bad_ids', ARRAY[['{}', '{}'], ['{}', '{}']]::jsonb[],
                                            ARRAY['{}', '{}']::jsonb[])$$);
SELECT pg_temp.err($$SELECT pgmq.send_batch('bad_ids', ARRAY[['{}', NULL]]::jsonb[])$$);
SELECT pgmq.drop_queue('bad_ids');
