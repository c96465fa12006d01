-- Tier A bad-input corpus (reliability plan 6.1, issue 13): hundreds of
-- queue names, payloads and numbers against the API. Every case is run in a
-- subtransaction and gives either "ok" or its SQLSTATE; the output pins
-- each case's outcome (names are shown by label). Afterwards the registry
-- matches the tables one to one and no relation was left outside the
-- queues'. scripts/test.sh checks the server log for crashes, PANIC and
-- assertion failures after the regression suite.
SET client_min_messages = error;
SELECT pgmq.create('corpus_a');
SELECT pgmq.send('corpus_a', '{"n": 1}');

CREATE TEMP TABLE corpus_before AS
SELECT c.oid FROM pg_class c WHERE c.relnamespace <> pg_my_temp_schema();

-- Runs one statement; 'ok' or the SQLSTATE it failed with.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- ---- queue names ----------------------------------------------------------
CREATE TEMP TABLE corpus_names (label text PRIMARY KEY, name text);
INSERT INTO corpus_names VALUES
  ('plain', 'corpus_n'),
  ('NULL', NULL),
  ('empty', ''),
  ('space', ' '),
  ('inner space', 'a b'),
  ('leading space', ' corpus_n'),
  ('quote', 'a''b'),
  ('double quote', 'a"b'),
  ('semicolon', 'a;b'),
  ('drop injection', 'x; DROP TABLE pgmq.meta; --'),
  ('line comment', 'a--b'),
  ('block comment', 'a/*b*/'),
  ('backslash', 'a\b'),
  ('tab', E'a\tb'),
  ('newline', E'a\nb'),
  ('carriage return', E'a\rb'),
  ('bell', E'a\x07b'),
  ('dollar', '$1'),
  ('dollar quote', '$$x$$'),
  ('dot', 'a.b'),
  ('percent', 'a%b'),
  ('digit first', '1abc'),
  ('underscore', '_'),
  ('e acute', 'é'),
  ('sharp s', 'straße'),
  ('dotted capital I', 'İstanbul'),
  ('titlecase dz', 'ǅx'),
  ('kelvin sign', 'Kx'),
  ('emoji', '😀'),
  ('right-to-left', 'שלום'),
  ('zero width space', E'a\u200bb'),
  ('47 chars', repeat('a', 47)),
  ('48 chars', repeat('a', 48)),
  ('63 chars', repeat('a', 63)),
  ('64 chars', repeat('a', 64)),
  ('200 chars', repeat('a', 200)),
  ('40 two-byte chars', repeat('é', 40)),
  ('reserved select', 'select'),
  ('reserved user', 'user'),
  ('reserved table', 'table'),
  ('reserved order', 'order'),
  ('upper case', 'CORPUS_A'),
  ('mixed case', 'Corpus_A'),
  ('queue table name', 'q_corpus_a'),
  ('archive table name', 'a_corpus_a'),
  ('pkey index name', 'corpus_a_pkey'),
  ('archive index name', 'archived_at_idx_corpus_a'),
  ('vt index name', 'q_corpus_a_vt_idx'),
  ('sequence name', 'q_corpus_a_msg_id_seq'),
  ('partition-like name', 'corpus_a_p1'),
  ('meta', 'meta'),
  ('pg_class', 'pg_class'),
  ('schema qualified', 'pgmq.corpus_a'),
  ('quoted ident', '"corpus_a"');
-- Every printable ASCII character and every control character inside a name.
INSERT INTO corpus_names
SELECT 'ascii ' || i, 'c' || chr(i) || 'x' FROM generate_series(32, 126) i;
INSERT INTO corpus_names
SELECT 'control ' || i, 'c' || chr(i) || 'x' FROM generate_series(1, 31) i;
SELECT count(*) AS names FROM corpus_names;

-- ---- the functions, each with the name as %s (a literal) ---------------------
-- Run in this order for every name: create first, drop last.
CREATE TEMP TABLE corpus_calls (ord int PRIMARY KEY, fn text, sql text);
INSERT INTO corpus_calls VALUES
  (1, 'validate_queue_name', 'SELECT pgmq.validate_queue_name(%s)'),
  (2, 'format_table_name', 'SELECT pgmq.format_table_name(%s, ''q'')'),
  (3, 'create', 'SELECT pgmq.create(%s)'),
  (4, 'send', 'SELECT pgmq.send(%s, ''{"a": 1}'')'),
  (5, 'send_batch', 'SELECT pgmq.send_batch(%s, ARRAY[''{}''::jsonb, ''[]''])'),
  (6, 'read', 'SELECT pgmq.read(%s, 0, 1)'),
  (7, 'read_with_poll', 'SELECT pgmq.read_with_poll(%s, 0, 1, 0, 10)'),
  (8, 'set_vt', 'SELECT pgmq.set_vt(%s, 1, 0)'),
  (9, 'archive', 'SELECT pgmq.archive(%s, 1::bigint)'),
  (10, 'delete', 'SELECT pgmq.delete(%s, 2::bigint)'),
  (11, 'pop', 'SELECT pgmq.pop(%s)'),
  (12, 'metrics', 'SELECT pgmq.metrics(%s)'),
  (13, 'enable_notify_insert', 'SELECT pgmq.enable_notify_insert(%s, 0)'),
  (14, 'disable_notify_insert', 'SELECT pgmq.disable_notify_insert(%s)'),
  (15, 'create_fifo_index', 'SELECT pgmq.create_fifo_index(%s)'),
  (16, 'read_grouped', 'SELECT pgmq.read_grouped(%s, 0, 1)'),
  (17, 'grant_send', 'SELECT pgmq.grant_send(%s, ''pg_monitor'')'),
  (18, 'revoke_send', 'SELECT pgmq.revoke_send(%s, ''pg_monitor'')'),
  (19, 'purge_queue', 'SELECT pgmq.purge_queue(%s)'),
  (20, 'detach_archive', 'SELECT pgmq.detach_archive(%s)'),
  (21, 'drop_queue', 'SELECT pgmq.drop_queue(%s)'),
  (22, 'create_unlogged', 'SELECT pgmq.create_unlogged(%s)'),
  (23, 'read_grouped_rr', 'SELECT pgmq.read_grouped_rr(%s, 0, 1)'),
  (24, 'read_grouped_head', 'SELECT pgmq.read_grouped_head(%s, 0, 1)'),
  (25, 'read_grouped_with_poll', 'SELECT pgmq.read_grouped_with_poll(%s, 0, 1, 0, 10)'),
  (26, 'read_grouped_rr_with_poll', 'SELECT pgmq.read_grouped_rr_with_poll(%s, 0, 1, 0, 10)'),
  (27, 'read_grouped_head_with_poll', 'SELECT pgmq.read_grouped_head_with_poll(%s, 0, 1, 0, 10)'),
  (28, 'grant_consume', 'SELECT pgmq.grant_consume(%s, ''pg_monitor'')'),
  (29, 'revoke_consume', 'SELECT pgmq.revoke_consume(%s, ''pg_monitor'')'),
  (30, 'update_notify_insert', 'SELECT pgmq.update_notify_insert(%s, 10)'),
  (31, 'bind_topic', 'SELECT pgmq.bind_topic(''corpus.*'', %s)'),
  (32, 'list_topic_bindings', 'SELECT pgmq.list_topic_bindings(%s)'),
  (33, 'unbind_topic', 'SELECT pgmq.unbind_topic(''corpus.*'', %s)'),
  (34, 'run_maintenance', 'SELECT pgmq.run_maintenance(%s)'),
  (35, 'repair_partitions', 'SELECT pgmq.repair_partitions(%s)'),
  (36, 'convert_archive_partitioned', 'SELECT pgmq.convert_archive_partitioned(%s)'),
  (37, 'acquire_queue_lock', 'SELECT pgmq.acquire_queue_lock(%s)'),
  (38, 'drop_queue again', 'SELECT pgmq.drop_queue(%s)'),
  (39, 'create_non_partitioned', 'SELECT pgmq.create_non_partitioned(%s)'),
  (40, 'drop_queue third', 'SELECT pgmq.drop_queue(%s)'),
  (41, 'create_partitioned', 'SELECT pgmq.create_partitioned(%s)'),
  -- The name as a routing key, a topic pattern and a role name.
  (42, 'validate_routing_key', 'SELECT pgmq.validate_routing_key(%s)'),
  (43, 'validate_topic_pattern', 'SELECT pgmq.validate_topic_pattern(%s)'),
  (44, 'test_routing', 'SELECT pgmq.test_routing(%s)'),
  (45, 'send_topic', 'SELECT pgmq.send_topic(%s, ''{}'')'),
  (46, 'send_batch_topic', 'SELECT pgmq.send_batch_topic(%s, ARRAY[''{}''::jsonb])'),
  (47, 'grant_admin', 'SELECT pgmq.grant_admin(%s)'),
  (48, 'revoke_admin', 'SELECT pgmq.revoke_admin(%s)'),
  -- The seed's public.pgmq_* wrappers (0.2.0 names).
  (49, 'pgmq_create', 'SELECT public.pgmq_create(%s)'),
  (50, 'pgmq_send', 'SELECT public.pgmq_send(%s, ''{"a": 1}'')'),
  (51, 'pgmq_read', 'SELECT public.pgmq_read(%s, 0, 1)'),
  (52, 'pgmq_archive', 'SELECT public.pgmq_archive(%s, 1::bigint)'),
  (53, 'pgmq_delete', 'SELECT public.pgmq_delete(%s, 2::bigint)'),
  (54, 'pgmq_pop', 'SELECT public.pgmq_pop(%s)'),
  (55, 'drop_queue fourth', 'SELECT pgmq.drop_queue(%s)'),
  (56, 'pgmq_create_partitioned', 'SELECT public.pgmq_create_partitioned(%s)'),
  -- Queue policies and dead-letter queues.
  (57, 'create again', 'SELECT pgmq.create(%s)'),
  (58, 'set_policy', 'SELECT pgmq.set_policy(%s, max_deliveries => 3, default_vt => 5)'),
  (59, 'show_policy', 'SELECT pgmq.show_policy(%s)'),
  (60, 'set_policy dead_letter_queue', 'SELECT pgmq.set_policy(''corpus_a'', dead_letter_queue => %s)'),
  (61, 'clear_policy of corpus_a', 'SELECT pgmq.clear_policy(''corpus_a'')'),
  (62, 'redrive', 'SELECT pgmq.redrive(%s)'),
  (63, 'run_retention', 'SELECT pgmq.run_retention(%s)'),
  (64, 'clear_policy', 'SELECT pgmq.clear_policy(%s)'),
  (65, 'drop_queue fifth', 'SELECT pgmq.drop_queue(%s)');

-- One transaction per name (hundreds of queues' locks would not fit in one).
CREATE TEMP TABLE corpus_out (label text, ord int, fn text, outcome text);
DO $$
DECLARE
    n record;
    c record;
BEGIN
    FOR n IN SELECT * FROM corpus_names ORDER BY label LOOP
        FOR c IN SELECT * FROM corpus_calls ORDER BY ord LOOP
            INSERT INTO corpus_out
            VALUES (n.label, c.ord, c.fn,
                    pg_temp.try(format(c.sql, coalesce(quote_literal(n.name), 'NULL::text'))));
        END LOOP;
        COMMIT;
    END LOOP;
END $$;
SELECT count(*) AS name_cases FROM corpus_out;

-- No case is an internal error (XX000) or worse.
SELECT label, fn, outcome FROM corpus_out WHERE outcome LIKE 'XX%' ORDER BY 1, 2;

-- The outcome of every case, grouped: function, outcome, the names' labels.
SELECT ord, fn, outcome, count(*) AS n,
       string_agg(label, ', ' ORDER BY label COLLATE "C") FILTER (WHERE outcome <> 'ok' OR fn <> 'validate_queue_name') AS labels
  FROM corpus_out
 GROUP BY ord, fn, outcome
 ORDER BY ord, outcome;

-- ---- payloads -------------------------------------------------------------
-- (A case variant above may have dropped corpus_a: make sure it is there.)
SELECT pgmq.create('corpus_a');
CREATE TEMP TABLE corpus_payloads (label text PRIMARY KEY, sql text);
INSERT INTO corpus_payloads VALUES
  ('NULL message', $q$SELECT pgmq.send('corpus_a', NULL::jsonb)$q$),
  ('NULL headers', $q$SELECT pgmq.send('corpus_a', '{}', NULL::jsonb)$q$),
  ('invalid json', $q$SELECT pgmq.send('corpus_a', 'not json')$q$),
  ('truncated json', $q$SELECT pgmq.send('corpus_a', '{"a":')$q$),
  ('json with NUL escape', $q$SELECT pgmq.send('corpus_a', '{"a": "\u0000"}')$q$),
  ('scalar', $q$SELECT pgmq.send('corpus_a', '1')$q$),
  ('json null', $q$SELECT pgmq.send('corpus_a', 'null')$q$),
  ('array headers', $q$SELECT pgmq.send('corpus_a', '{}', '[1, 2]'::jsonb)$q$),
  ('20 MB', $q$SELECT pgmq.send('corpus_a', jsonb_build_object('pad', repeat('x', 20 * 1024 * 1024)))$q$),
  ('nested 1000', $q$SELECT pgmq.send('corpus_a', (repeat('[', 1000) || repeat(']', 1000))::jsonb)$q$),
  ('nested 100000', $q$SELECT pgmq.send('corpus_a', (repeat('[', 100000) || repeat(']', 100000))::jsonb)$q$),
  ('batch NULL array', $q$SELECT pgmq.send_batch('corpus_a', NULL::jsonb[])$q$),
  ('batch empty', $q$SELECT pgmq.send_batch('corpus_a', ARRAY[]::jsonb[])$q$),
  ('batch NULL element', $q$SELECT pgmq.send_batch('corpus_a', ARRAY[NULL::jsonb, '{}'])$q$),
  ('batch headers shorter', $q$SELECT pgmq.send_batch('corpus_a', ARRAY['{}'::jsonb, '{}'], ARRAY['{}'::jsonb])$q$),
  ('batch 10000', $q$SELECT pgmq.send_batch('corpus_a', ARRAY(SELECT '{}'::jsonb FROM generate_series(1, 10000)))$q$),
  ('read conditional NULL', $q$SELECT pgmq.read('corpus_a', 0, 1, NULL)$q$),
  ('read conditional array', $q$SELECT pgmq.read('corpus_a', 0, 1, '[1]')$q$);
SELECT label, pg_temp.try(sql) AS outcome FROM corpus_payloads ORDER BY label COLLATE "C";
-- The 20 MB message comes back whole.
SELECT length(message->>'pad') AS pad FROM pgmq.q_corpus_a WHERE message ? 'pad';

-- ---- numbers --------------------------------------------------------------
CREATE TEMP TABLE corpus_numbers (label text PRIMARY KEY, sql text);
INSERT INTO corpus_numbers VALUES
  ('read vt -1', $q$SELECT pgmq.read('corpus_a', -1, 1)$q$),
  ('read vt max int', $q$SELECT pgmq.read('corpus_a', 2147483647, 1)$q$),
  ('read vt NULL', $q$SELECT pgmq.read('corpus_a', NULL, 1)$q$),
  ('read qty 0', $q$SELECT pgmq.read('corpus_a', 0, 0)$q$),
  ('read qty -1', $q$SELECT pgmq.read('corpus_a', 0, -1)$q$),
  ('read qty max int', $q$SELECT pgmq.read('corpus_a', 0, 2147483647)$q$),
  ('read qty NULL', $q$SELECT pgmq.read('corpus_a', 0, NULL)$q$),
  ('read qty overflow', $q$SELECT pgmq.read('corpus_a', 0, 2147483648)$q$),
  ('poll seconds -1', $q$SELECT pgmq.read_with_poll('corpus_a', 0, 1, -1, 10)$q$),
  ('poll interval 0', $q$SELECT pgmq.read_with_poll('corpus_a', 0, 1, 1, 0)$q$),
  ('poll interval -1', $q$SELECT pgmq.read_with_poll('corpus_a', 0, 1, 1, -1)$q$),
  ('pop qty 0', $q$SELECT pgmq.pop('corpus_a', 0)$q$),
  ('pop qty -1', $q$SELECT pgmq.pop('corpus_a', -1)$q$),
  ('send delay -1', $q$SELECT pgmq.send('corpus_a', '{}', -1)$q$),
  ('send delay max int', $q$SELECT pgmq.send('corpus_a', '{}', 2147483647)$q$),
  ('send delay infinity', $q$SELECT pgmq.send('corpus_a', '{}', 'infinity'::timestamptz)$q$),
  ('send delay -infinity', $q$SELECT pgmq.send('corpus_a', '{}', '-infinity'::timestamptz)$q$),
  ('send delay NULL timestamp', $q$SELECT pgmq.send('corpus_a', '{}', NULL::timestamptz)$q$),
  ('send delay 4713 BC', $q$SELECT pgmq.send('corpus_a', '{}', '4713-01-01 BC'::timestamptz)$q$),
  ('set_vt id -1', $q$SELECT pgmq.set_vt('corpus_a', -1, 0)$q$),
  ('set_vt id max bigint', $q$SELECT pgmq.set_vt('corpus_a', 9223372036854775807, 0)$q$),
  ('set_vt vt max int', $q$SELECT pgmq.set_vt('corpus_a', 1, 2147483647)$q$),
  ('set_vt vt -max int', $q$SELECT pgmq.set_vt('corpus_a', 1, -2147483648)$q$),
  ('set_vt vt infinity', $q$SELECT pgmq.set_vt('corpus_a', 1, 'infinity'::timestamptz)$q$),
  ('set_vt ids NULL', $q$SELECT pgmq.set_vt('corpus_a', NULL::bigint[], 0)$q$),
  ('delete id 0', $q$SELECT pgmq.delete('corpus_a', 0::bigint)$q$),
  ('delete id -1', $q$SELECT pgmq.delete('corpus_a', -1::bigint)$q$),
  ('delete id max bigint', $q$SELECT pgmq.delete('corpus_a', 9223372036854775807::bigint)$q$),
  ('delete id NULL', $q$SELECT pgmq.delete('corpus_a', NULL::bigint)$q$),
  ('delete ids empty', $q$SELECT pgmq.delete('corpus_a', ARRAY[]::bigint[])$q$),
  ('delete ids NULL element', $q$SELECT pgmq.delete('corpus_a', ARRAY[NULL, 1]::bigint[])$q$),
  ('archive ids empty', $q$SELECT pgmq.archive('corpus_a', ARRAY[]::bigint[])$q$),
  ('notify throttle -1', $q$SELECT pgmq.enable_notify_insert('corpus_a', -1)$q$),
  ('notify throttle max int', $q$SELECT pgmq.enable_notify_insert('corpus_a', 2147483647)$q$),
  ('read_grouped qty -1', $q$SELECT pgmq.read_grouped('corpus_a', 0, -1)$q$),
  ('set_policy max_deliveries -1', $q$SELECT pgmq.set_policy('corpus_a', max_deliveries => -1)$q$),
  ('set_policy max_deliveries 0', $q$SELECT pgmq.set_policy('corpus_a', max_deliveries => 0)$q$),
  ('set_policy default_vt -1', $q$SELECT pgmq.set_policy('corpus_a', default_vt => -1)$q$),
  ('set_policy negative retention', $q$SELECT pgmq.set_policy('corpus_a', message_retention => interval '-1 hour')$q$),
  ('set_policy infinite retention', $q$SELECT pgmq.set_policy('corpus_a', archive_retention => 'infinity'::interval)$q$),
  ('set_policy itself as dlq', $q$SELECT pgmq.set_policy('corpus_a', dead_letter_queue => 'corpus_a')$q$),
  ('clear_policy unknown setting', $q$SELECT pgmq.clear_policy('corpus_a', 'no_such_setting')$q$),
  ('redrive max_messages -1', $q$SELECT pgmq.redrive('corpus_a', NULL, -1)$q$),
  ('run_retention batch 0', $q$SELECT pgmq.run_retention('corpus_a', 0)$q$),
  ('run_retention batch -1', $q$SELECT pgmq.run_retention('corpus_a', -1)$q$),
  ('run_retention all', $q$SELECT pgmq.run_retention()$q$),
  ('show_policy all', $q$SELECT pgmq.show_policy()$q$),
  -- Functions without a queue name.
  ('list_queues', $q$SELECT pgmq.list_queues()$q$),
  ('pgmq_list_queues', $q$SELECT public.pgmq_list_queues()$q$),
  ('metrics_all', $q$SELECT pgmq.metrics_all()$q$),
  ('list_notify_insert_throttles', $q$SELECT pgmq.list_notify_insert_throttles()$q$),
  ('list_topic_bindings all', $q$SELECT pgmq.list_topic_bindings()$q$),
  ('create_fifo_indexes_all', $q$SELECT pgmq.create_fifo_indexes_all()$q$),
  ('trigger function called directly', $q$SELECT pgmq.notify_queue_listeners()$q$);
SELECT label, pg_temp.try(sql) AS outcome FROM corpus_numbers ORDER BY label COLLATE "C";

-- 4.3: a message read 2^31-1 times. read() fails cleanly (or skips), never
-- crashes; delete still works.
SELECT pgmq.purge_queue('corpus_a') > 0 AS purged;
SELECT pgmq.send('corpus_a', '{"n": 2}') > 0 AS sent;
UPDATE pgmq.q_corpus_a SET read_ct = 2147483647, vt = clock_timestamp() - interval '1 second';
SELECT pg_temp.try($q$SELECT pgmq.read('corpus_a', 0, 1)$q$) AS read_at_max_read_ct;
SELECT pgmq.delete('corpus_a', (SELECT msg_id FROM pgmq.q_corpus_a));

-- ---- afterwards -----------------------------------------------------------
SELECT pgmq.drop_queue('corpus_a');
-- The registry matches the tables one to one (nothing left over).
SELECT coalesce(e.relname, '-') AS registered, coalesce(a.relname, '-') AS tables
  FROM (SELECT pgmq.format_table_name(m.queue_name, t) AS relname
          FROM pgmq.meta m, unnest(ARRAY['q', 'a']) t) e
  FULL JOIN (SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind IN ('r', 'p')
                AND NOT c.relispartition AND c.relname ~ '^[qa]_') a USING (relname)
 WHERE e.relname IS NULL OR a.relname IS NULL;
SELECT count(*) AS queues_left FROM pgmq.meta;
-- No relation was left behind anywhere (the corpus's own temp tables aside).
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace <> pg_my_temp_schema() AND c.relnamespace::regnamespace::text NOT LIKE 'pg_toast%'
   AND c.oid NOT IN (SELECT oid FROM corpus_before)
 ORDER BY 1;

-- ---- coverage: every API function is called by the corpus ---------------------
-- LEAD: extend corpus_calls (queue-name functions) or the payload/number
-- tables when functions are added (DLQ/policy functions, pgmq_* wrappers);
-- this query lists every public pgmq function (and the seed's public.pgmq_*
-- wrappers, where installed) the corpus does not call.
SELECT DISTINCT p.pronamespace::regnamespace AS schema, p.proname AS not_covered
  FROM pg_proc p
 WHERE (p.pronamespace = 'pgmq'::regnamespace AND p.proname !~ '^_'
        OR p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'pgmq\_%')
   AND p.prokind = 'f'
   AND NOT EXISTS (SELECT 1 FROM corpus_calls c WHERE c.sql LIKE '%.' || p.proname || '(%')
   AND NOT EXISTS (SELECT 1 FROM corpus_payloads c WHERE c.sql LIKE '%.' || p.proname || '(%')
   AND NOT EXISTS (SELECT 1 FROM corpus_numbers c WHERE c.sql LIKE '%.' || p.proname || '(%')
 ORDER BY 1, 2;
RESET client_min_messages;
