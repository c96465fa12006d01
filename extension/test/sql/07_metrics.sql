-- metrics and metrics_all.
\set SHOW_CONTEXT never
SELECT pgmq.create('m_q');
SELECT pgmq.create_unlogged('m_unlogged');

-- An empty queue: ages NULL, counts zero, no default partition.
SELECT queue_name, queue_length, newest_msg_age_sec, oldest_msg_age_sec, total_messages,
       scrape_time = now() AS scrape_time_is_now, queue_visible_length, default_partition_length
  FROM pgmq.metrics('m_q');
SELECT pg_typeof(pgmq.metrics('m_q'));

-- Visible, delayed and read messages.
SELECT count(*) FROM pgmq.send_batch('m_q', ARRAY['{}', '{}', '{}']::jsonb[]);
SELECT pgmq.send('m_q', '{}', 3600);
SELECT msg_id FROM pgmq.read('m_q', 3600, 1);
-- ages in whole seconds since the sends a moment ago: 0, or more on a slow
-- machine (valgrind), so only their range is shown
SELECT queue_name, queue_length, newest_msg_age_sec BETWEEN 0 AND 60 AS newest_age_ok,
       oldest_msg_age_sec BETWEEN 0 AND 60 AS oldest_age_ok, total_messages,
       queue_visible_length, default_partition_length
  FROM pgmq.metrics('m_q');
-- Ages are computed from enqueued_at against now().
UPDATE pgmq.q_m_q SET enqueued_at = now() - interval '100 seconds' WHERE msg_id = 1;
UPDATE pgmq.q_m_q SET enqueued_at = now() - interval '10 seconds' WHERE msg_id > 1;
SELECT newest_msg_age_sec, oldest_msg_age_sec FROM pgmq.metrics('m_q');
-- queue_visible_length compares vt with now(), the transaction start.
BEGIN;
SELECT pgmq.send('m_q', '{}');
SELECT queue_length, queue_visible_length FROM pgmq.metrics('m_q');
COMMIT;
SELECT queue_length, queue_visible_length FROM pgmq.metrics('m_q');

-- total_messages counts every id issued: rolled-back sends, deleted,
-- archived and purged messages included.
BEGIN;
SELECT count(*) FROM pgmq.send_batch('m_q', ARRAY['{}', '{}']::jsonb[]);
ROLLBACK;
SELECT queue_length, total_messages FROM pgmq.metrics('m_q');
SELECT pgmq.delete('m_q', 1);
SELECT pgmq.archive('m_q', 2);
SELECT queue_length, total_messages FROM pgmq.metrics('m_q');
SELECT pgmq.purge_queue('m_q');
SELECT queue_length, newest_msg_age_sec, oldest_msg_age_sec, total_messages, queue_visible_length
  FROM pgmq.metrics('m_q');
-- It is the identity sequence's last value.
SELECT last_value FROM pgmq.q_m_q_msg_id_seq;

-- Named argument, and the queue name is echoed as given.
SELECT queue_name, queue_length FROM pgmq.metrics(queue_name => 'm_unlogged');
SELECT pgmq.create('M_Mixed');
SELECT pgmq.send('M_Mixed', '{}');
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('M_Mixed');

-- metrics_all: one row per registered queue, by name.
SELECT pgmq.send('m_unlogged', '{}');
SELECT queue_name, queue_length, total_messages, queue_visible_length, default_partition_length,
       scrape_time = now() AS scrape_time_is_now
  FROM pgmq.metrics_all();
-- A registry row without its table is skipped rather than failing.
INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('m_ghost', false, false);
SELECT queue_name FROM pgmq.metrics_all();
DELETE FROM pgmq.meta WHERE queue_name = 'm_ghost';
-- metrics of a queue equals its metrics_all row.
SELECT (SELECT m FROM pgmq.metrics('m_q') m) = (SELECT a FROM pgmq.metrics_all() a WHERE queue_name = 'm_q')
       AS same_row;

-- metrics_all scans plain queue tables itself: with a couple of hundred
-- queues, every row equals the queue's metrics row.
SELECT count(*) FROM (SELECT pgmq.create('m_many_' || i) FROM generate_series(1, 205) i) c;
SELECT pgmq.send('m_many_' || i, '{}') FROM generate_series(150, 152) i;
SELECT count(*) AS queues, sum(queue_length) AS messages FROM pgmq.metrics_all();
SELECT count(*) AS differing
  FROM pgmq.metrics_all() a, LATERAL pgmq.metrics(a.queue_name) m
 WHERE (a.queue_length, a.newest_msg_age_sec, a.oldest_msg_age_sec, a.total_messages,
        a.scrape_time, a.queue_visible_length, a.default_partition_length)
       IS DISTINCT FROM
       (m.queue_length, m.newest_msg_age_sec, m.oldest_msg_age_sec, m.total_messages,
        m.scrape_time, m.queue_visible_length, m.default_partition_length);
-- It keeps no lock on the queue tables or their sequences once it has
-- returned, and it works in read-only transactions and inside PL/pgSQL
-- exception blocks.
BEGIN READ ONLY;
SELECT count(*) FROM pgmq.metrics_all();
SELECT count(*) AS queue_table_locks
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'pgmq'::regnamespace
   AND c.relname LIKE 'q\_%';
COMMIT;
DO $$
DECLARE n bigint;
BEGIN
    BEGIN
        SELECT count(*) INTO n FROM pgmq.metrics_all();
        RAISE NOTICE 'metrics_all: % rows', n;
        PERFORM 1 / 0;
    EXCEPTION WHEN division_by_zero THEN
        RAISE NOTICE 'caught';
    END;
    SELECT count(*) INTO n FROM pgmq.metrics_all();
    RAISE NOTICE 'metrics_all again: % rows', n;
END $$;
-- A scrape does not touch this backend's per-queue plan cache.
SELECT count(*) FROM pg_backend_memory_contexts WHERE name = 'CachedPlanSource' \gset before_
SELECT count(*) FROM pgmq.metrics_all();
SELECT count(*) - :before_count AS new_plans FROM pg_backend_memory_contexts WHERE name = 'CachedPlanSource';
SELECT count(*) FROM (SELECT pgmq.drop_queue('m_many_' || i) FROM generate_series(1, 205) i) d;

-- metrics errors.
SELECT * FROM pgmq.metrics(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.metrics('bad;name');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.metrics('m_nope');
\echo :LAST_ERROR_SQLSTATE

SELECT pgmq.drop_queue('m_q');
SELECT pgmq.drop_queue('m_unlogged');
SELECT pgmq.drop_queue('M_Mixed');
SELECT count(*) FROM pgmq.metrics_all();
