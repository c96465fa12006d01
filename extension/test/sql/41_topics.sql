-- Topic routing: routing key and pattern checks, bindings, matching rules,
-- send_topic and send_batch_topic in all their forms.

-- Runs a statement and reports its error as SQLSTATE: message.
CREATE FUNCTION pg_temp.err(stmt TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- The bindings table, as in pgmq 1.13.
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
       a.attgenerated, pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'pgmq.topic_bindings'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;
SELECT conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE conrelid = 'pgmq.topic_bindings'::regclass ORDER BY conname;
SELECT indexname, indexdef FROM pg_indexes
 WHERE schemaname = 'pgmq' AND tablename = 'topic_bindings' ORDER BY 1;
SELECT c.cfg AS config_table
  FROM pg_extension e, unnest(e.extconfig::regclass[]) AS c(cfg)
 WHERE e.extname = 'pgmq' AND c.cfg = 'pgmq.topic_bindings'::regclass;
SELECT has_table_privilege('pg_monitor', 'pgmq.topic_bindings', 'SELECT') AS pg_monitor_select;

-- Routing keys.
SELECT pgmq.validate_routing_key('logs.error'), pgmq.validate_routing_key('app.user-service.auth'),
       pgmq.validate_routing_key('system_events.db.connection_failed'), pgmq.validate_routing_key('x'),
       pgmq.validate_routing_key(repeat('a', 255));
SELECT left(k, 12) AS routing_key, pg_temp.err(format('SELECT pgmq.validate_routing_key(%L)', k))
  FROM unnest(ARRAY[NULL, '', repeat('a', 256), repeat('é', 256), 'logs error', 'logs.error!', 'logs.*',
                    'logs.#', 'é', '.logs', 'logs.', '.', 'logs..error']) WITH ORDINALITY AS t(k, n)
 ORDER BY n;

-- Patterns.
SELECT pgmq.validate_topic_pattern('logs.*'), pgmq.validate_topic_pattern('logs.#'),
       pgmq.validate_topic_pattern('*.error'), pgmq.validate_topic_pattern('#.error'),
       pgmq.validate_topic_pattern('app.*.#'), pgmq.validate_topic_pattern('#'),
       pgmq.validate_topic_pattern('*'), pgmq.validate_topic_pattern('a*b#c');
SELECT left(p, 12) AS pattern, pg_temp.err(format('SELECT pgmq.validate_topic_pattern(%L)', p))
  FROM unnest(ARRAY[NULL, '', repeat('a', 256), 'logs.error!', 'logs error', 'logs.$', '.logs.*',
                    'logs.*.', 'logs..error', 'logs.**', 'logs.##', 'logs.*#', 'logs.#*']) WITH ORDINALITY AS t(p, n)
 ORDER BY n;

-- Matching: '*' is exactly one dot-free word, '#' any run of characters,
-- so 'logs.#' needs the 'logs.' prefix and '#.error' the '.error' suffix.
CREATE TEMP TABLE keys (k TEXT);
INSERT INTO keys VALUES ('logs'), ('logs.error'), ('logs.error.fatal'), ('logs.api.error'), ('error'),
    ('app.error'), ('x.y.error'), ('app.user.login'), ('app.user'), ('logsx.error'), ('a-b_c.D9'),
    ('Logs.error');
CREATE TEMP TABLE patterns (p TEXT);
INSERT INTO patterns VALUES ('logs.*'), ('logs.#'), ('*.error'), ('#.error'), ('app.*.#'), ('#'), ('*'),
    ('logs.error'), ('*.*'), ('#.#'), ('logs#'), ('l*.error'), ('app.*.login'), ('a-b_c.*'), ('*.user.#');
SELECT p AS pattern, string_agg(k, ' ' ORDER BY k) AS matches
  FROM patterns LEFT JOIN keys ON pgmq._topic_matches(k, p)
 GROUP BY p ORDER BY p;
-- send_topic's matcher agrees with the compiled_regex test_routing uses.
SELECT pgmq.create('topic_probe');
INSERT INTO pgmq.topic_bindings (pattern, queue_name) SELECT p, 'topic_probe' FROM patterns;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE pgmq._topic_matches(k, b.pattern) <> (k ~ b.compiled_regex)) AS disagreements
  FROM keys, pgmq.topic_bindings b;
SELECT pgmq.drop_queue('topic_probe');
SELECT count(*) AS bindings_left FROM pgmq.topic_bindings;

-- Binding.
SELECT pgmq.create('topic_a');
SELECT pgmq.create('topic_b');
SELECT pgmq.create('Topic_C');
SELECT pgmq.bind_topic('logs.*', 'topic_a');
SELECT pgmq.bind_topic('logs.#', 'topic_a');
SELECT pgmq.bind_topic('logs.*', 'topic_a');  -- again: nothing new
SELECT pgmq.bind_topic('#.error', 'topic_b');
SELECT pgmq.bind_topic('#', 'Topic_C');
SELECT pg_temp.err($$SELECT pgmq.bind_topic('logs..x', 'topic_a')$$);
SELECT pg_temp.err($$SELECT pgmq.bind_topic(NULL, 'topic_a')$$);
SELECT pg_temp.err($$SELECT pgmq.bind_topic('logs.*', NULL)$$);
SELECT pg_temp.err($$SELECT pgmq.bind_topic('logs.*', '')$$);
SELECT pg_temp.err($$SELECT pgmq.bind_topic('logs.*', 'topic_nope')$$);
SELECT pg_temp.err($$SELECT pgmq.bind_topic('logs.*', 'topic_c')$$);  -- names are exact
SELECT pattern, queue_name, compiled_regex FROM pgmq.list_topic_bindings();
SELECT pattern, queue_name, compiled_regex FROM pgmq.list_topic_bindings('topic_a');
SELECT count(*) FROM pgmq.list_topic_bindings('topic_nope');
SELECT count(*) AS bound_now FROM pgmq.list_topic_bindings() WHERE bound_at <= now();

-- Dry run.
SELECT * FROM pgmq.test_routing('logs.error');
SELECT * FROM pgmq.test_routing('logs');
SELECT * FROM pgmq.test_routing('error');
SELECT pg_temp.err($$SELECT * FROM pgmq.test_routing('logs.*')$$);

-- send_topic: once per queue even when several patterns of it match.
SELECT pgmq.send_topic('logs.error', '{"n": 1}');
SELECT pgmq.send_topic('logs.info', '{"n": 2}', 0);
SELECT pgmq.send_topic('db.error', '{"n": 3}', '{"h": 1}', 0);
SELECT pgmq.send_topic('other', '{"n": 4}', NULL, 0);
SELECT 'topic_a' AS q, msg_id, message, headers FROM pgmq.q_topic_a
UNION ALL SELECT 'topic_b', msg_id, message, headers FROM pgmq.q_topic_b
UNION ALL SELECT 'Topic_C', msg_id, message, headers FROM pgmq.q_topic_c
ORDER BY 1, 2;
-- With a delay the copies are hidden until it runs out.
SELECT pgmq.send_topic('logs.debug', '{"n": 5}', 60);
SELECT count(*) AS visible_now FROM pgmq.read('topic_a', 30, 10);
SELECT message FROM pgmq.q_topic_a WHERE vt > clock_timestamp() + interval '50 seconds' ORDER BY msg_id;
-- Argument errors.
SELECT pg_temp.err($$SELECT pgmq.send_topic('logs.error', NULL)$$);
SELECT pg_temp.err($$SELECT pgmq.send_topic('logs.error', '{}', -1)$$);
SELECT pg_temp.err($$SELECT pgmq.send_topic('logs.error', '{}', NULL::integer)$$);
SELECT pg_temp.err($$SELECT pgmq.send_topic(NULL, '{}')$$);
SELECT pg_temp.err($$SELECT pgmq.send_topic('logs.*', '{}')$$);
-- No binding matches: nothing is sent.
SELECT pgmq.unbind_topic('#', 'Topic_C');
SELECT pgmq.send_topic('nobody.listens', '{}');

-- send_batch_topic, six forms: (queue_name, msg_id), queue by queue.
SELECT pgmq.purge_queue('topic_a'), pgmq.purge_queue('topic_b'), pgmq.purge_queue('Topic_C');
SELECT pgmq.bind_topic('#', 'Topic_C');
SELECT * FROM pgmq.send_batch_topic('logs.error', ARRAY['{"b": 1}', '{"b": 2}']::jsonb[]);
SELECT * FROM pgmq.send_batch_topic('logs.info', ARRAY['{"b": 3}']::jsonb[], ARRAY['{"h": 3}']::jsonb[]);
SELECT * FROM pgmq.send_batch_topic('db.error', ARRAY['{"b": 4}']::jsonb[], 0);
SELECT * FROM pgmq.send_batch_topic('db.error', ARRAY['{"b": 5}']::jsonb[], ARRAY['{"h": 5}']::jsonb[], 0);
SELECT * FROM pgmq.send_batch_topic('x.error', ARRAY['{"b": 6}']::jsonb[], clock_timestamp());
SELECT * FROM pgmq.send_batch_topic('x.error', ARRAY['{"b": 7}']::jsonb[], ARRAY[NULL]::jsonb[],
                                    clock_timestamp() + interval '1 hour');
SELECT 'topic_a' AS q, msg_id, message, headers, vt > clock_timestamp() + interval '50 minutes' AS delayed FROM pgmq.q_topic_a
UNION ALL SELECT 'topic_b', msg_id, message, headers, vt > clock_timestamp() + interval '50 minutes' FROM pgmq.q_topic_b
UNION ALL SELECT 'Topic_C', msg_id, message, headers, vt > clock_timestamp() + interval '50 minutes' FROM pgmq.q_topic_c
ORDER BY 1, 2;
SELECT count(*) FROM pgmq.send_batch_topic('nobody', ARRAY['{}']::jsonb[]) WHERE queue_name <> 'Topic_C';
SELECT pg_temp.err($$SELECT pgmq.send_batch_topic('logs.error', ARRAY[]::jsonb[])$$);
SELECT pg_temp.err($$SELECT pgmq.send_batch_topic('logs.error', NULL::jsonb[])$$);
SELECT pg_temp.err($$SELECT pgmq.send_batch_topic('logs.error', ARRAY['{}']::jsonb[], ARRAY[]::jsonb[])$$);
SELECT pg_temp.err($$SELECT pgmq.send_batch_topic('logs error', ARRAY['{}']::jsonb[])$$);
SELECT pg_temp.err($$SELECT pgmq.send_batch_topic('logs.error', ARRAY['{}']::jsonb[], NULL::timestamptz)$$);

-- All or nothing: a bound queue whose table is gone fails the whole send.
SELECT pgmq.purge_queue('topic_a'), pgmq.purge_queue('topic_b'), pgmq.purge_queue('Topic_C');
SELECT pgmq.create('topic_z');
SELECT pgmq.bind_topic('logs.*', 'topic_z');
DROP TABLE pgmq.q_topic_z;
SELECT pg_temp.err($$SELECT pgmq.send_topic('logs.error', '{}')$$);
SELECT (SELECT count(*) FROM pgmq.q_topic_a) + (SELECT count(*) FROM pgmq.q_topic_c) AS sent;
SELECT pgmq.drop_queue('topic_z');

-- Unbinding.
SELECT pgmq.unbind_topic('logs.*', 'topic_a');
SELECT pgmq.unbind_topic('logs.*', 'topic_a');
SELECT pg_temp.err($$SELECT pgmq.unbind_topic(NULL, 'topic_a')$$);
SELECT pg_temp.err($$SELECT pgmq.unbind_topic('', 'topic_a')$$);
SELECT pg_temp.err($$SELECT pgmq.unbind_topic('logs.#', NULL)$$);
SELECT pg_temp.err($$SELECT pgmq.unbind_topic('logs.#', '')$$);

-- Dropping a queue removes its bindings.
SELECT pgmq.drop_queue('topic_a');
SELECT pgmq.drop_queue('topic_b');
SELECT pattern, queue_name FROM pgmq.list_topic_bindings();
SELECT pgmq.drop_queue('Topic_C');
SELECT count(*) AS bindings_left FROM pgmq.topic_bindings;
