-- FIFO message groups: read_grouped (batch filling), read_grouped_rr
-- (layered round-robin), read_grouped_head (one head per group), their
-- _with_poll forms and the fifo index helpers. Every scenario runs once
-- without and once with the fifo index; the answers must be the same.

-- Runs a statement and reports its error as SQLSTATE: message.
CREATE FUNCTION pg_temp.err(stmt TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Sends one message per (group, n); group NULL sends no header at all.
CREATE FUNCTION pg_temp.fill(q TEXT, spec TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    item TEXT;
    g TEXT;
BEGIN
    FOREACH item IN ARRAY spec LOOP
        g := split_part(item, ':', 1);
        PERFORM pgmq.send(q, jsonb_build_object('m', item),
                          CASE WHEN g = '-' THEN NULL ELSE jsonb_build_object('x-pgmq-group', g) END);
    END LOOP;
END $$;

-- Makes every message of the queue visible again and forgets its reads.
CREATE FUNCTION pg_temp.reset(q TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE pgmq.%I SET vt = clock_timestamp() - interval ''1 second'', read_ct = 0, last_read_at = NULL',
                   'q_' || q);
END $$;

SELECT pgmq.create('fifo_q');

-- A missing queue is 42P01, as for read.
SELECT pg_temp.err($$SELECT pgmq.read_grouped('fifo_nope', 30, 1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_rr('fifo_nope', 30, 1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_head('fifo_nope', 30, 1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_with_poll('fifo_nope', 30, 1, 0)$$);
SELECT pg_temp.err($$SELECT pgmq.create_fifo_index('fifo_nope')$$);

-- Argument errors.
SELECT pg_temp.err($$SELECT pgmq.read_grouped('fifo_q', 30, -1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_rr('fifo_q', 30, NULL)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_head('fifo_q', NULL, 1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped(NULL, 30, 1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped('bad;name', 30, 1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_with_poll('fifo_q', 30, 1, -1)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_rr_with_poll('fifo_q', 30, 1, 1, 0)$$);
SELECT pg_temp.err($$SELECT pgmq.read_grouped_head_with_poll('fifo_q', 30, 1, NULL)$$);

-- An empty queue gives no rows; so does qty 0.
SELECT * FROM pgmq.read_grouped('fifo_q', 30, 5);
SELECT * FROM pgmq.read_grouped_rr('fifo_q', 30, 5);
SELECT * FROM pgmq.read_grouped_head('fifo_q', 30, 5);
SELECT pg_temp.fill('fifo_q', ARRAY['A:1']);
SELECT count(*) FROM pgmq.read_grouped('fifo_q', 30, 0);
SELECT count(*) FROM pgmq.read_grouped_rr('fifo_q', 30, 0);
SELECT count(*) FROM pgmq.read_grouped_head('fifo_q', 30, 0);
SELECT pgmq.purge_queue('fifo_q');

-- The scenarios, run by the file twice (see the end).
CREATE FUNCTION pg_temp.scenarios() RETURNS TABLE (step TEXT, got TEXT) LANGUAGE plpgsql AS $$
DECLARE
    ids BIGINT[];
    mid BIGINT;
BEGIN
    -- Batch filling: A has 5 messages, B 3, C 2, interleaved. The oldest
    -- group fills the batch first.
    PERFORM pgmq.purge_queue('fifo_q');
    PERFORM pg_temp.fill('fifo_q', ARRAY['A:1','B:1','A:2','C:1','A:3','B:2','A:4','C:2','B:3','A:5']);
    step := 'read_grouped qty 3'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 3)); RETURN NEXT;
    -- A is in flight: B and C are next, B first (older head).
    step := 'A in flight, qty 4'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 4)); RETURN NEXT;
    step := 'everything in flight'; got := (SELECT count(*)::text FROM pgmq.read_grouped('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    step := 'read_grouped qty 10'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    -- Rows come back in msg_id order, groups interleaved as sent.
    step := 'read_grouped qty 7 msg_ids ascending';
    got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 7)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');

    -- Acknowledging the head unblocks the group.
    SELECT array_agg(msg_id ORDER BY msg_id) INTO ids FROM pgmq.read_grouped('fifo_q', 30, 2);
    step := 'A head in flight, head read'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_head('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pgmq.delete('fifo_q', ids);
    PERFORM pg_temp.reset('fifo_q');
    step := 'after deleting A:1 A:2'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 2)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');

    -- The group is blocked while any earlier message is in flight, even if
    -- the head itself became visible again (set_vt on a later one does not
    -- block the earlier ones; pgmq takes the visible messages).
    SELECT msg_id INTO mid FROM pgmq.q_fifo_q WHERE message->>'m' = 'A:4';
    PERFORM pgmq.set_vt('fifo_q', mid, 30);
    step := 'A:4 in flight, A:3 visible'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    SELECT msg_id INTO mid FROM pgmq.q_fifo_q WHERE message->>'m' = 'A:3';
    PERFORM pgmq.set_vt('fifo_q', mid, 30);
    step := 'A:3 (head) in flight'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 10)); RETURN NEXT;
    step := 'A:3 in flight, rr'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_rr('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');

    -- Round-robin: g1, g2, g3 with 5 messages each; layer by layer, in
    -- the order of selection.
    PERFORM pgmq.purge_queue('fifo_q');
    PERFORM pg_temp.fill('fifo_q', ARRAY['g1:1','g1:2','g1:3','g1:4','g1:5','g2:1','g2:2','g2:3','g2:4','g2:5',
                                         'g3:1','g3:2','g3:3','g3:4','g3:5']);
    step := 'rr qty 10'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_rr('fifo_q', 30, 10)); RETURN NEXT;
    step := 'rr all in flight'; got := (SELECT count(*)::text FROM pgmq.read_grouped_rr('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    step := 'rr qty 2 (fewer than groups)'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_rr('fifo_q', 30, 2)); RETURN NEXT;
    step := 'rr next: g3 first'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_rr('fifo_q', 30, 20)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    step := 'rr qty 20'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_rr('fifo_q', 30, 20)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    -- Groups are ranked by their head's age, not by name.
    PERFORM pgmq.purge_queue('fifo_q');
    PERFORM pg_temp.fill('fifo_q', ARRAY['z:1','a:1','z:2','m:1','a:2','z:3']);
    step := 'rr by head age'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_rr('fifo_q', 30, 6)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');

    -- Heads: one message per group, oldest first, up to qty groups.
    step := 'head qty 2'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_head('fifo_q', 30, 2)); RETURN NEXT;
    step := 'head: z and a in flight'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_head('fifo_q', 30, 10)); RETURN NEXT;
    step := 'head: all in flight'; got := (SELECT count(*)::text FROM pgmq.read_grouped_head('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');

    -- Group keys: no header, {} and a JSON null are the default group;
    -- "" is a group of its own; a number is the group of its text.
    PERFORM pgmq.purge_queue('fifo_q');
    PERFORM pgmq.send('fifo_q', '{"m": "none"}');
    PERFORM pgmq.send('fifo_q', '{"m": "empty-object"}', '{}'::jsonb);
    PERFORM pgmq.send('fifo_q', '{"m": "json-null"}', '{"x-pgmq-group": null}'::jsonb);
    PERFORM pgmq.send('fifo_q', '{"m": "empty-string"}', '{"x-pgmq-group": ""}'::jsonb);
    PERFORM pgmq.send('fifo_q', '{"m": "empty-string-2"}', '{"x-pgmq-group": ""}'::jsonb);
    PERFORM pgmq.send('fifo_q', '{"m": "number"}', '{"x-pgmq-group": 7}'::jsonb);
    PERFORM pgmq.send('fifo_q', '{"m": "text-7"}', '{"x-pgmq-group": "7"}'::jsonb);
    PERFORM pgmq.send('fifo_q', '{"m": "named-default"}', '{"x-pgmq-group": "_default_fifo_group"}'::jsonb);
    step := 'heads by key'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_head('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    step := 'rr by key'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped_rr('fifo_q', 30, 10)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    step := 'batch by key'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 5)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');

    -- A message whose delay has not run out is not visible; as the head
    -- of its group it blocks the group.
    PERFORM pgmq.purge_queue('fifo_q');
    PERFORM pgmq.send('fifo_q', '{"m": "D:1 delayed"}', '{"x-pgmq-group": "D"}', 60);
    PERFORM pgmq.send('fifo_q', '{"m": "D:2"}', '{"x-pgmq-group": "D"}'::jsonb);
    PERFORM pgmq.send('fifo_q', '{"m": "E:1"}', '{"x-pgmq-group": "E"}'::jsonb);
    step := 'delayed head'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 5)); RETURN NEXT;
    PERFORM pg_temp.reset('fifo_q');
    step := 'delay over'; got := (SELECT string_agg(message->>'m', ' ') FROM pgmq.read_grouped('fifo_q', 30, 5)); RETURN NEXT;
END $$;

-- Without the fifo index (grouped reads scan the queue).
SELECT * FROM pg_temp.scenarios();

-- Reads count deliveries like read does.
SELECT pgmq.purge_queue('fifo_q');
SELECT pg_temp.fill('fifo_q', ARRAY['A:1','A:2','B:1']);
SELECT msg_id, read_ct, last_read_at IS NOT NULL AS read_at_set, vt > clock_timestamp() + interval '25 seconds' AS hidden,
       message, headers
  FROM pgmq.read_grouped('fifo_q', 30, 3);
SELECT pg_temp.reset('fifo_q');
SELECT msg_id, read_ct FROM pgmq.read_grouped_rr('fifo_q', 30, 3);
SELECT pg_temp.reset('fifo_q');
UPDATE pgmq.q_fifo_q SET read_ct = 4;
SELECT msg_id, read_ct FROM pgmq.read_grouped_head('fifo_q', 30, 3);

-- Visibility expiry: after vt seconds the group is readable again, from
-- its head, and read_ct counts the second delivery.
SELECT pg_temp.reset('fifo_q');
SELECT msg_id, read_ct FROM pgmq.read_grouped('fifo_q', 5, 1);
SELECT count(*) AS blocked_a FROM pgmq.read_grouped('fifo_q', 5, 1) WHERE message->>'m' LIKE 'A%';
SELECT pg_sleep(5.5);
SELECT msg_id, read_ct, message FROM pgmq.read_grouped('fifo_q', 30, 1);

-- A claim rolled back leaves the group available.
SELECT pg_temp.reset('fifo_q');
BEGIN;
SELECT msg_id FROM pgmq.read_grouped('fifo_q', 30, 3);
ROLLBACK;
SELECT msg_id, read_ct FROM pgmq.read_grouped('fifo_q', 30, 3);

-- The poll forms return at once when something is available ...
SELECT pg_temp.reset('fifo_q');
SELECT msg_id FROM pgmq.read_grouped_with_poll('fifo_q', 30, 2, 5, 100);
SELECT msg_id FROM pgmq.read_grouped_rr_with_poll('fifo_q', 30, 5, 5, 100);
SELECT pg_temp.reset('fifo_q');
SELECT msg_id FROM pgmq.read_grouped_head_with_poll('fifo_q', 30, 5);
-- ... and give up after max_poll_seconds when every group is blocked.
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM pgmq.read_grouped_with_poll('fifo_q', 30, 5, 1, 50);
SELECT count(*) FROM pgmq.read_grouped_rr_with_poll('fifo_q', 30, 5, 1, 50);
SELECT count(*) FROM pgmq.read_grouped_head_with_poll('fifo_q', 30, 5, 0, 50);
SELECT clock_timestamp() - :'t0'::timestamptz >= interval '2 seconds' AS waited;
-- A lease running out during the poll is noticed at the next re-check.
SELECT count(*) FROM pgmq.set_vt('fifo_q', ARRAY(SELECT msg_id FROM pgmq.q_fifo_q), clock_timestamp() + interval '300 milliseconds');
SELECT msg_id FROM pgmq.read_grouped_head_with_poll('fifo_q', 30, 5, 5, 50);

-- The fifo index: a btree on (group, msg_id), named as in pgmq.
SELECT pgmq.create_fifo_index('fifo_q');
SELECT pgmq.create_fifo_index('fifo_q');
SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'pgmq' AND tablename = 'q_fifo_q' ORDER BY 1;

-- Same answers with the index.
SELECT * FROM pg_temp.scenarios();

-- pgmq 1.13 made a GIN index under this name; it is replaced.
SELECT pgmq.create('fifo_q2');
CREATE INDEX q_fifo_q2_fifo_idx ON pgmq.q_fifo_q2 USING gin (headers);
SELECT pg_temp.fill('fifo_q2', ARRAY['X:1','Y:1','X:2']);
SELECT msg_id FROM pgmq.read_grouped('fifo_q2', 30, 5);
SELECT pgmq.create_fifo_indexes_all();
SELECT tablename, indexname, indexdef LIKE '%btree (COALESCE((headers ->> ''x-pgmq-group''::text), ''_default_fifo_group''::text), msg_id)' AS group_btree
  FROM pg_indexes WHERE schemaname = 'pgmq' AND indexname LIKE '%fifo_idx' ORDER BY 1;
SELECT pg_temp.reset('fifo_q2');
SELECT msg_id FROM pgmq.read_grouped('fifo_q2', 30, 5);

-- Unlogged queues work the same.
SELECT pgmq.create_unlogged('fifo_u');
SELECT pgmq.create_fifo_index('fifo_u');
SELECT pg_temp.fill('fifo_u', ARRAY['A:1','B:1','A:2']);
SELECT message->>'m' AS m FROM pgmq.read_grouped_rr('fifo_u', 30, 5);

SELECT pgmq.drop_queue('fifo_q');
SELECT pgmq.drop_queue('fifo_q2');
SELECT pgmq.drop_queue('fifo_u');
