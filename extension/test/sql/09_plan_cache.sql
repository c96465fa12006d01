-- The per-backend cache of queues and prepared statements: queues dropped
-- and re-created under the same name, a small cache with eviction, nested
-- pgmq calls from triggers, and hostile search_path settings. All in one
-- session, so the cache is warm throughout.
\set SHOW_CONTEXT never

-- Use a queue, drop it, re-create it with the same name, use it again.
SELECT pgmq.create('pc_q');
SELECT pgmq.send('pc_q', '{"gen": 1}');
SELECT pgmq.send('pc_q', '{"gen": 1}', 0);
SELECT msg_id, message FROM pgmq.read('pc_q', 0, 5);
SELECT count(*) FROM pgmq.send_batch('pc_q', ARRAY['{"gen": 1}']::jsonb[]);
SELECT queue_length, total_messages FROM pgmq.metrics('pc_q');
SELECT pgmq.drop_queue('pc_q');
-- Gone: a clean 42P01, not a stale plan.
SELECT pgmq.send('pc_q', '{"gen": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.metrics('pc_q');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create('pc_q');
SELECT pgmq.send('pc_q', '{"gen": 2}');
SELECT msg_id, read_ct, message FROM pgmq.read('pc_q', 0, 5);
SELECT queue_length, total_messages FROM pgmq.metrics('pc_q');
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics_all();
SELECT msg_id, message FROM pgmq.pop('pc_q');
-- Again, now as an unlogged queue.
SELECT pgmq.drop_queue('pc_q');
SELECT pgmq.create_unlogged('pc_q');
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_pc_q'::regclass;
SELECT pgmq.send('pc_q', '{"gen": 3}');
SELECT count(*) FROM pgmq.send_batch('pc_q', ARRAY['{"gen": 3}', '{"gen": 3}']::jsonb[]);
SELECT msg_id, message FROM pgmq.read('pc_q', 30, 1);
SELECT msg_id FROM pgmq.set_vt('pc_q', 1, 0);
SELECT pgmq.archive('pc_q', 2);
SELECT pgmq.delete('pc_q', 3);
SELECT queue_length, total_messages, queue_visible_length FROM pgmq.metrics('pc_q');
SELECT msg_id, message FROM pgmq.a_pc_q;
SELECT pgmq.purge_queue('pc_q');
-- Dropped and re-created inside one transaction.
BEGIN;
SELECT pgmq.send('pc_q', '{"gen": 3}');
SELECT pgmq.drop_queue('pc_q');
SELECT pgmq.create('pc_q');
SELECT pgmq.send('pc_q', '{"gen": 4}');
SELECT msg_id, message FROM pgmq.read('pc_q', 0, 5);
COMMIT;
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_pc_q'::regclass;
SELECT msg_id, message FROM pgmq.read('pc_q', 0, 5);
-- A drop rolled back: the cache goes back to the old table.
BEGIN;
SELECT pgmq.drop_queue('pc_q');
SELECT pgmq.create('pc_q');
SELECT pgmq.send('pc_q', '{"gen": "rolled back"}');
ROLLBACK;
SELECT msg_id, message FROM pgmq.read('pc_q', 0, 5);
SELECT pgmq.send('pc_q', '{"gen": 4}');
SELECT queue_length, total_messages FROM pgmq.metrics('pc_q');
-- The queue table altered under the cached plans.
ALTER TABLE pgmq.q_pc_q ADD COLUMN extra int;
SELECT pgmq.send('pc_q', '{"after": "alter"}');
SELECT msg_id, message FROM pgmq.read('pc_q', 0, 10);
ALTER TABLE pgmq.q_pc_q DROP COLUMN extra;
SELECT msg_id, message FROM pgmq.pop('pc_q', 10);
-- Renamed away: the name no longer resolves.
ALTER TABLE pgmq.q_pc_q RENAME TO q_pc_q_renamed;
SELECT pgmq.send('pc_q', '{}');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE pgmq.q_pc_q_renamed RENAME TO q_pc_q;
SELECT pgmq.send('pc_q', '{"renamed": "back"}');
SELECT pgmq.drop_queue('pc_q');

-- A cache of two queues used round-robin by five.
SET pgmq.max_cached_queues = 2;
SHOW pgmq.max_cached_queues;
SELECT pgmq.create('pc_' || i) FROM generate_series(1, 5) i;
DO $$
DECLARE
    round int;
    i int;
    q text;
    id bigint;
    got bigint;
BEGIN
    FOR round IN 1..4 LOOP
        FOR i IN 1..5 LOOP
            q := 'pc_' || i;
            id := pgmq.send(q, jsonb_build_object('q', q, 'round', round));
            ASSERT id = round, format('%s: id %s in round %s', q, id, round);
            SELECT msg_id INTO got FROM pgmq.read(q, 0, 1);
            ASSERT got = round, format('%s: read %s in round %s', q, got, round);
            ASSERT (pgmq.metrics(q)).total_messages = round, q || ': total_messages';
            ASSERT pgmq.archive(q, id), q || ': archive';
        END LOOP;
    END LOOP;
    RAISE NOTICE 'four rounds over five queues with two cached: ok';
END;
$$;
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics_all() ORDER BY 1;
SELECT count(*), min(msg_id), max(msg_id), bool_and(message->>'q' = 'pc_3') AS right_queue
  FROM pgmq.a_pc_3;
-- Same again with statements one by one, and dropping one queue on the way.
SELECT pgmq.send('pc_1', '{"s": 1}');
SELECT pgmq.send('pc_2', '{"s": 2}');
SELECT pgmq.send('pc_3', '{"s": 3}');
SELECT pgmq.drop_queue('pc_2');
SELECT pgmq.create('pc_2');
SELECT msg_id, message FROM pgmq.read('pc_1', 0, 5);
SELECT msg_id, message FROM pgmq.read('pc_2', 0, 5);
SELECT msg_id, message FROM pgmq.read('pc_3', 0, 5);
SELECT pgmq.send('pc_2', '{"s": "new"}');
SELECT msg_id, message FROM pgmq.pop('pc_2');
-- The smallest cache.
SET pgmq.max_cached_queues = 1;
SELECT pgmq.send('pc_' || i, jsonb_build_object('one', i)) FROM generate_series(1, 5) i;
SELECT i, (SELECT message FROM pgmq.pop('pc_' || i)) FROM generate_series(1, 5) i;
-- A trigger calling pgmq on another queue while the outer call runs: the
-- outer entry must not be evicted under it.
CREATE FUNCTION pc_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pgmq.send('pc_5', jsonb_build_object('forwarded', NEW.msg_id));
    PERFORM pgmq.send('pc_4', jsonb_build_object('forwarded', NEW.msg_id));
    RETURN NEW;
END;
$$;
CREATE TRIGGER forward AFTER INSERT ON pgmq.q_pc_1 FOR EACH ROW EXECUTE FUNCTION pc_forward();
SELECT count(*) FROM pgmq.send_batch('pc_1', ARRAY['{"t": 1}', '{"t": 2}']::jsonb[]);
SELECT pgmq.send('pc_1', '{"t": 3}');
SELECT msg_id, message FROM pgmq.read('pc_1', 0, 10);
SELECT message FROM pgmq.read('pc_5', 0, 10);
SELECT message FROM pgmq.read('pc_4', 0, 10);
DROP TRIGGER forward ON pgmq.q_pc_1;
DROP FUNCTION pc_forward();
-- An error in the middle of a call inside a savepoint, then more calls.
BEGIN;
SAVEPOINT a;
ALTER TABLE pgmq.q_pc_3 ADD CONSTRAINT pc_3_unread CHECK (read_ct = 0) NOT VALID;
\set VERBOSITY terse
SELECT msg_id FROM pgmq.read('pc_3', 0, 1);
\set VERBOSITY default
ROLLBACK TO a;
SELECT msg_id FROM pgmq.read('pc_3', 0, 1);
SELECT msg_id FROM pgmq.read('pc_2', 0, 1);
SELECT msg_id FROM pgmq.read('pc_3', 0, 1);
COMMIT;
RESET pgmq.max_cached_queues;
SELECT pgmq.drop_queue('pc_' || i) FROM generate_series(1, 5) i;
-- The setting's bounds.
SET pgmq.max_cached_queues = 0;
SET pgmq.no_such_setting = 1;

-- A hostile search_path: look-alike operators, functions and aggregates
-- that would corrupt every statement that resolved names through it.
CREATE SCHEMA evil;
CREATE FUNCTION evil.always(bigint, bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.always);
CREATE FUNCTION evil.always_ts(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.always_ts);
CREATE FUNCTION evil.always_jsonb(jsonb, jsonb) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.@> (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = evil.always_jsonb);
CREATE FUNCTION evil.plus(integer, integer) RETURNS integer LANGUAGE sql AS 'SELECT 1000';
CREATE OPERATOR evil.+ (LEFTARG = integer, RIGHTARG = integer, FUNCTION = evil.plus);
CREATE FUNCTION evil.count_step(bigint) RETURNS bigint LANGUAGE sql AS 'SELECT 666::bigint';
CREATE AGGREGATE evil.count(*) (SFUNC = evil.count_step, STYPE = bigint, INITCOND = '666');
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT '2000-01-01'::timestamptz$$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql AS $$SELECT 'hijacked'$$;
CREATE FUNCTION evil.unnest(jsonb[]) RETURNS SETOF jsonb LANGUAGE sql AS $$SELECT '{"evil": true}'::jsonb$$;
CREATE TABLE evil.meta (queue_name varchar, is_partitioned boolean, is_unlogged boolean, created_at timestamptz);

-- A queue whose statements are prepared before the path changes.
SELECT pgmq.create('pc_warm');
SELECT pgmq.send('pc_warm', '{"w": 1}');
SELECT msg_id, read_ct FROM pgmq.read('pc_warm', 0, 1);
SELECT pgmq.send('pc_warm', '{"w": 2}', 3600);

-- pg_catalog is still searched first here ...
SET search_path = evil, public;
SELECT pgmq.create('pc_evil');
SELECT pgmq.send('pc_evil', '{"a": 1}');
SELECT pgmq.send('pc_evil', '{"a": 2}', 3600);
SELECT msg_id, read_ct, message FROM pgmq.read('pc_evil', 30, 10);
SELECT pgmq.purge_queue('pc_evil');
RESET search_path;
SELECT pgmq.drop_queue('pc_evil');

-- ... and here it comes after the look-alikes. The queue is created with
-- this path, so every statement is first prepared under it.
SET search_path = evil, pg_catalog, public;
SELECT 1::bigint = 2::bigint AS evil_equals, lower('X') AS evil_lower;
SELECT pgmq.create('PC_Evil');
SELECT pgmq.create_unlogged('pc_evil_unlogged');
SELECT queue_name, is_unlogged FROM pgmq.list_queues();
SELECT relname FROM pg_class WHERE relnamespace = 'pgmq'::regnamespace AND relname ILIKE '%evil%' ORDER BY 1;
SELECT count(*) AS evil_meta_rows FROM evil.meta;
SELECT pgmq.send('PC_Evil', '{"a": 1}');
SELECT pgmq.send('PC_Evil', '{"a": 2}', 3600);
SELECT pgmq.send('PC_Evil', '{"a": 3}', '{"h": 3}'::jsonb);
SELECT * FROM pgmq.send_batch('PC_Evil', ARRAY['{"b": 1}', '{"b": 2}']::jsonb[], ARRAY['{"h": 1}', NULL]::jsonb[]);
SELECT msg_id, message, headers FROM pgmq.q_pc_evil ORDER BY msg_id;
-- Only visible messages, filtered by containment, read_ct + 1.
SELECT msg_id, read_ct, message FROM pgmq.read('PC_Evil', 30, 10, '{"a": 1}');
SELECT msg_id, read_ct, message FROM pgmq.read('PC_Evil', 30, 10);
SELECT msg_id, read_ct, message FROM pgmq.read_with_poll('PC_Evil', 30, 10, 0, 100);
SELECT queue_name, queue_length, total_messages, queue_visible_length FROM pgmq.metrics('PC_Evil');
SELECT queue_name, queue_length FROM pgmq.metrics_all();
-- One id at a time.
SELECT msg_id, read_ct FROM pgmq.set_vt('PC_Evil', 1, 0);
SELECT msg_id FROM pgmq.set_vt('PC_Evil', ARRAY[3]::bigint[], 0);
SELECT msg_id FROM pgmq.set_vt('PC_Evil', '4', '0');
SELECT pgmq.delete('PC_Evil', 1);
SELECT * FROM pgmq.delete('PC_Evil', ARRAY[999]::bigint[]);
SELECT pgmq.archive('PC_Evil', 3);
SELECT * FROM pgmq.archive('PC_Evil', ARRAY[4, 999]::bigint[]);
SELECT msg_id, read_ct, message FROM pgmq.pop('PC_Evil');
SELECT msg_id, read_ct FROM pgmq.q_pc_evil ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.a_pc_evil ORDER BY msg_id;
-- The warm queue's statements are re-planned under the new path, safely.
SELECT msg_id, read_ct, message FROM pgmq.read('pc_warm', 0, 10);
SELECT msg_id, read_ct, message FROM pgmq.read('pc_warm', 0, 10, '{"w": 2}');
SELECT queue_length, queue_visible_length FROM pgmq.metrics('pc_warm');
SELECT pgmq.delete('pc_warm', 2);
SELECT msg_id FROM pgmq.pop('pc_warm');
SELECT pgmq.drop_queue('pc_warm');
SELECT pgmq.purge_queue('PC_Evil');
SELECT pgmq.drop_queue('PC_Evil');
SELECT pgmq.drop_queue('pc_evil_unlogged');
SELECT pgmq.drop_queue('pc_evil_missing');
SELECT queue_name FROM pgmq.list_queues();
RESET search_path;
DROP SCHEMA evil CASCADE;

-- The cache at work, seen through its counters: statements prepared and
-- calls that reused a kept one (pgmq._plan_cache_stats(), this backend).
-- With caching off every call would prepare.
CREATE TEMP TABLE pc_mark AS SELECT prepared, hits FROM pgmq._plan_cache_stats();
CREATE FUNCTION pg_temp.pc_delta(OUT prepared bigint, OUT hits bigint) LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    SELECT * INTO s FROM pgmq._plan_cache_stats();
    SELECT s.prepared - m.prepared, s.hits - m.hits INTO prepared, hits FROM pc_mark m;
    UPDATE pc_mark SET prepared = s.prepared, hits = s.hits;
END;
$$;
SELECT pgmq.create('pc_stats');
SELECT * FROM pg_temp.pc_delta();
-- Ten sends: prepared once, reused nine times.
SELECT count(*) FROM generate_series(1, 10) i, pgmq.send('pc_stats', jsonb_build_object('i', i));
SELECT * FROM pg_temp.pc_delta();
-- Reads, one statement per call (with and without a filter), then deletes.
-- The vt argument depends on i so that each row calls read.
SELECT count(*) FROM generate_series(1, 5) i, pgmq.read('pc_stats', 3600 + i - i, 1);
SELECT count(*) FROM generate_series(1, 5) i, pgmq.read('pc_stats', 3600 + i - i, 1, '{"i": 9}');
SELECT * FROM pg_temp.pc_delta();
SELECT count(*) FILTER (WHERE pgmq.delete('pc_stats', i)) FROM generate_series(1, 10) i;
SELECT * FROM pg_temp.pc_delta();
-- Dropped and re-created: the old statements are gone, prepared again.
SELECT pgmq.drop_queue('pc_stats');
SELECT pgmq.create('pc_stats');
SELECT pgmq.send('pc_stats', '{}');
SELECT pgmq.send('pc_stats', '{}');
SELECT * FROM pg_temp.pc_delta();
-- A cache of one queue used by two in turn: every call prepares but the
-- first, which finds pc_stats still cached.
SELECT pgmq.create('pc_stats2');
SET pgmq.max_cached_queues = 1;
SELECT * FROM pg_temp.pc_delta();
SELECT pgmq.send('pc_stats', '{}'), pgmq.send('pc_stats2', '{}') FROM generate_series(1, 3);
SELECT * FROM pg_temp.pc_delta();
SELECT cached_queues FROM pgmq._plan_cache_stats();
-- Room for both again: only pc_stats, evicted last, is prepared again.
RESET pgmq.max_cached_queues;
SELECT pgmq.send('pc_stats', '{}'), pgmq.send('pc_stats2', '{}') FROM generate_series(1, 3);
SELECT * FROM pg_temp.pc_delta();
SELECT cached_queues FROM pgmq._plan_cache_stats();
-- The fifo index is looked up once per invalidation (queue_state.c): grouped
-- reads before create_fifo_index prepare the scan and reuse it; the first
-- after it prepares the walk over the index (one statement); after the
-- index is dropped the kept scan serves again, nothing is prepared.
SELECT pgmq.send('pc_stats', '{}'::jsonb, '{"x-pgmq-group": "g"}'::jsonb) > 0 AS sent;
SELECT count(*) FROM pgmq.read_grouped('pc_stats', 0, 1);
SELECT * FROM pg_temp.pc_delta();
SELECT count(*) FROM pgmq.read_grouped('pc_stats', 0, 1);
SELECT prepared FROM pg_temp.pc_delta();
SELECT pgmq.create_fifo_index('pc_stats');
SELECT count(*) FROM pgmq.read_grouped('pc_stats', 0, 1);
SELECT count(*) FROM pgmq.read_grouped('pc_stats', 0, 1);
SELECT prepared FROM pg_temp.pc_delta();
DROP INDEX pgmq.q_pc_stats_fifo_idx;
SELECT count(*) FROM pgmq.read_grouped('pc_stats', 0, 1);
SELECT prepared FROM pg_temp.pc_delta();
SELECT pgmq.drop_queue('pc_stats');
SELECT pgmq.drop_queue('pc_stats2');
