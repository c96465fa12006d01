-- Queue names: what validate_queue_name and format_table_name accept, and
-- unusual names used end to end through quoted identifiers.
\set SHOW_CONTEXT never

-- format_table_name: lower(prefix || '_' || name).
SELECT pgmq.format_table_name('orders', 'q');
SELECT pgmq.format_table_name('Orders', 'a');
SELECT pgmq.format_table_name('Mixed Case-Name', 'q');
SELECT pgmq.format_table_name(queue_name => 'ÉTÉ', prefix => 'q');
-- It is strict: NULL in, NULL out.
SELECT pgmq.format_table_name(NULL, 'q') IS NULL AS null_name,
       pgmq.format_table_name('x', NULL) IS NULL AS null_prefix;
-- It checks the characters only, not the length.
SELECT length(pgmq.format_table_name(repeat('x', 60), 'q'));
-- The four forbidden sequences, with the message pgmq uses.
SELECT pgmq.format_table_name('a$b', 'q');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.format_table_name('a;b', 'q');
SELECT pgmq.format_table_name('a--b', 'q');
SELECT pgmq.format_table_name('a''b', 'q');
-- A single hyphen is fine.
SELECT pgmq.format_table_name('a-b', 'q');

-- validate_queue_name: characters, emptiness, NULL and length.
SELECT pgmq.validate_queue_name('valid_name');
SELECT pgmq.validate_queue_name('a$b');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.validate_queue_name('a;b');
SELECT pgmq.validate_queue_name('a--b');
SELECT pgmq.validate_queue_name('it''s');
SELECT pgmq.validate_queue_name('');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.validate_queue_name(NULL);
\echo :LAST_ERROR_SQLSTATE
-- 47 characters is the limit ...
SELECT pgmq.validate_queue_name(repeat('a', 47));
SELECT pgmq.validate_queue_name(repeat('a', 48));
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.validate_queue_name(repeat('a', 1000));
-- ... and 47 bytes too, so that every derived identifier fits in 63 bytes.
SELECT pgmq.validate_queue_name(repeat('é', 23));
SELECT pgmq.validate_queue_name(repeat('é', 24));
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.validate_queue_name(repeat('é', 48));
-- ... and so must the lower-cased name the tables are named after: U+023A
-- takes 2 bytes, its lower case U+2C65 takes 3.
SELECT octet_length('Ⱥ') AS upper_bytes, octet_length(lower('Ⱥ')) AS lower_bytes;
SELECT pgmq.validate_queue_name(repeat('Ⱥ', 15) || 'aa');
SELECT pgmq.validate_queue_name(repeat('Ⱥ', 15) || 'aaa');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create(repeat('Ⱥ', 23));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pg_class WHERE relname LIKE '%ⱥ%';
SELECT pgmq.send(repeat('Ⱥ', 23), '{}');
\echo :LAST_ERROR_SQLSTATE
-- The longest such name works end to end.
SELECT pgmq.create(repeat('Ⱥ', 15) || 'aa');
SELECT pgmq.send(repeat('Ⱥ', 15) || 'aa', '{"lower": "longer"}');
SELECT msg_id, message FROM pgmq.read(repeat('Ⱥ', 15) || 'aa', 0, 1);
SELECT relname, octet_length(relname) FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace
   AND (relname LIKE '%ⱥaa%' OR relname = 'archived_at_idx_' || repeat('Ⱥ', 15) || 'aa')
 ORDER BY relname COLLATE "C";
SELECT pgmq.drop_queue(repeat('Ⱥ', 15) || 'aa');

-- create applies the same rules.
SELECT pgmq.create(repeat('b', 48));
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create_unlogged(repeat('é', 24));
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create('');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create('x"; drop table pgmq.meta; --');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.create('evil$name');
SELECT pgmq.create_non_partitioned('a''b');
SELECT to_regclass('pgmq.meta') AS meta_still_there;
SELECT count(*) FROM pgmq.meta;

-- A 47-character name works end to end; its archive index name is 63 bytes.
SELECT pgmq.create(repeat('c', 47));
SELECT pgmq.send(repeat('c', 47), '{"long": true}');
SELECT msg_id, message FROM pgmq.read(repeat('c', 47), 0, 1);
SELECT relname, length(relname) FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND relname LIKE '%' || repeat('c', 47) || '%'
 ORDER BY 1;
SELECT pgmq.drop_queue(repeat('c', 47));

-- Unusual but allowed names: spaces, hyphens, mixed case, a double quote,
-- non-ASCII. Tables are lower-cased, every use goes through quoting.
SELECT pgmq.create('with space');
SELECT pgmq.create('with-hyphen');
SELECT pgmq.create('MixedCase');
SELECT pgmq.create('quote"inside');
SELECT pgmq.create_unlogged('Ünïcödé');
SELECT pgmq.create('select');
SELECT queue_name, pgmq.format_table_name(queue_name, 'q') AS q_table,
       to_regclass(format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'))) IS NOT NULL AS q_exists,
       to_regclass(format('pgmq.%I', pgmq.format_table_name(queue_name, 'a'))) IS NOT NULL AS a_exists,
       to_regclass(format('pgmq.%I', 'archived_at_idx_' || queue_name)) IS NOT NULL AS idx_exists
  FROM pgmq.list_queues() ORDER BY queue_name COLLATE "C";

-- Each works for send, read, archive, delete, set_vt, pop, metrics, purge.
DO $$
DECLARE
    q text;
    id bigint;
    n bigint;
BEGIN
    FOR q IN SELECT queue_name FROM pgmq.meta ORDER BY queue_name COLLATE "C" LOOP
        id := pgmq.send(q, jsonb_build_object('queue', q));
        PERFORM pgmq.send_batch(q, ARRAY['{"n":1}', '{"n":2}']::jsonb[]);
        ASSERT (SELECT count(*) FROM pgmq.read(q, 30, 10)) = 3, q || ': read';
        ASSERT (SELECT count(*) FROM pgmq.set_vt(q, id, 0)) = 1, q || ': set_vt';
        ASSERT pgmq.archive(q, id), q || ': archive';
        ASSERT pgmq.delete(q, id + 1), q || ': delete';
        ASSERT (SELECT count(*) FROM pgmq.pop(q)) = 0, q || ': pop of invisible';
        ASSERT (pgmq.metrics(q)).queue_length = 1, q || ': metrics';
        n := pgmq.purge_queue(q);
        ASSERT n = 1, q || ': purge';
        RAISE NOTICE '% ok, rows in metrics_all: %', q,
            (SELECT count(*) FROM pgmq.metrics_all() m WHERE m.queue_name = q);
    END LOOP;
END;
$$;
-- Archive rows landed in the lower-cased archive tables.
SELECT msg_id, message FROM pgmq."a_with space";
SELECT msg_id, message FROM pgmq."a_mixedcase";
SELECT msg_id, message FROM pgmq."a_quote""inside";
SELECT msg_id, message FROM pgmq."a_ünïcödé";
-- The registry keeps names as given.
SELECT queue_name, is_unlogged FROM pgmq.list_queues() ORDER BY queue_name COLLATE "C";

-- Clean up.
SELECT pgmq.drop_queue(queue_name) FROM pgmq.meta ORDER BY queue_name COLLATE "C";
SELECT count(*) AS relations_left FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND relname ~ '^(q_|a_|archived_at_idx_)';
