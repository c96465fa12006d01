-- delete, archive (single and batch) and set_vt in all its overloads.
\set SHOW_CONTEXT never
SELECT pgmq.create('k_q');
SELECT count(*) FROM pgmq.send_batch('k_q', ARRAY(SELECT jsonb_build_object('i', i) FROM generate_series(1, 10) i));

-- delete(queue_name, msg_id): true if the message was there.
SELECT pgmq.delete('k_q', 1);
SELECT pgmq.delete('k_q', 1);
SELECT pgmq.delete('k_q', 999);
SELECT pgmq.delete(queue_name => 'k_q', msg_id => 2::bigint);
SELECT delete FROM pgmq.delete('k_q', -1::bigint);
-- Invisible (read) messages can be deleted by anyone.
SELECT msg_id FROM pgmq.read('k_q', 30, 1);
SELECT pgmq.delete('k_q', 3);
-- A delete rolled back keeps the message.
BEGIN;
SELECT pgmq.delete('k_q', 4);
ROLLBACK;
SELECT msg_id FROM pgmq.q_k_q ORDER BY msg_id;

-- delete(queue_name, msg_ids): the ids deleted, ascending, unknown ones skipped.
SELECT * FROM pgmq.delete('k_q', ARRAY[6, 999, 4, 4, -5]::bigint[]);
SELECT * FROM pgmq.delete('k_q', ARRAY[6, 4]::bigint[]);
SELECT * FROM pgmq.delete('k_q', ARRAY[]::bigint[]);
SELECT * FROM pgmq.delete('k_q', ARRAY[NULL]::bigint[]);
SELECT delete FROM pgmq.delete(queue_name => 'k_q', msg_ids => ARRAY[5]::bigint[]);
SELECT msg_id FROM pgmq.q_k_q ORDER BY msg_id;

-- archive(queue_name, msg_id): moves the row with all its columns.
SELECT pgmq.send('k_q', '{"to": "archive"}', '{"hdr": true}'::jsonb);
SELECT msg_id, read_ct FROM pgmq.read('k_q', 0, 20);
CREATE TEMP TABLE before_archive AS SELECT * FROM pgmq.q_k_q;
SELECT pgmq.archive('k_q', 11);
SELECT pgmq.archive('k_q', 11);
SELECT pgmq.archive('k_q', 999);
SELECT archive FROM pgmq.archive(queue_name => 'k_q', msg_id => 7::bigint);
SELECT a.msg_id, a.read_ct = b.read_ct AS same_read_ct, a.enqueued_at = b.enqueued_at AS same_enqueued_at,
       a.last_read_at = b.last_read_at AS same_last_read_at, a.vt = b.vt AS same_vt,
       a.message, a.headers, a.archived_at <= clock_timestamp() AS archived_past
  FROM pgmq.a_k_q a JOIN before_archive b USING (msg_id) ORDER BY a.msg_id;
SELECT count(*) FROM pgmq.q_k_q WHERE msg_id IN (7, 11);
-- archived_at is the time of the archiving transaction.
BEGIN;
SELECT pgmq.archive('k_q', 8);
SELECT archived_at = now() AS archived_at_is_now FROM pgmq.a_k_q WHERE msg_id = 8;
COMMIT;
-- An archive rolled back leaves the message in the queue.
BEGIN;
SELECT pgmq.archive('k_q', 9);
ROLLBACK;
SELECT (SELECT count(*) FROM pgmq.q_k_q WHERE msg_id = 9) AS in_queue,
       (SELECT count(*) FROM pgmq.a_k_q WHERE msg_id = 9) AS in_archive;

-- archive(queue_name, msg_ids): ids archived, ascending, unknown ones skipped.
SELECT count(*) FROM pgmq.send_batch('k_q', ARRAY['{"b": 1}', '{"b": 2}', '{"b": 3}']::jsonb[]);
SELECT * FROM pgmq.archive('k_q', ARRAY[14, 999, 12, 9, 12]::bigint[]);
SELECT * FROM pgmq.archive('k_q', ARRAY[14, 12]::bigint[]);
SELECT * FROM pgmq.archive('k_q', ARRAY[]::bigint[]);
SELECT archive FROM pgmq.archive(queue_name => 'k_q', msg_ids => ARRAY[13]::bigint[]);
SELECT msg_id, message FROM pgmq.a_k_q ORDER BY msg_id;
SELECT msg_id FROM pgmq.q_k_q ORDER BY msg_id;
-- A queue whose archive table is gone: archive fails, the message stays.
SELECT pgmq.create('k_noarchive');
SELECT pgmq.send('k_noarchive', '{}');
DROP TABLE pgmq.a_k_noarchive;
\set VERBOSITY terse
SELECT pgmq.archive('k_noarchive', 1);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pgmq.q_k_noarchive;
SELECT pgmq.drop_queue('k_noarchive');

-- delete/archive errors.
SELECT pgmq.delete('k_q', NULL::bigint);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.delete('k_q', NULL::bigint[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.archive('k_q', NULL::bigint);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.archive('k_q', NULL::bigint[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.delete(NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.archive(NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.delete('k_q', NULL);

-- set_vt: four typed overloads plus the untyped one.
SELECT pgmq.purge_queue('k_q');
SELECT count(*) FROM pgmq.send_batch('k_q', ARRAY['{"v": 1}', '{"v": 2}', '{"v": 3}', '{"v": 4}']::jsonb[]);
SELECT msg_id, read_ct FROM pgmq.read('k_q', 0, 1);
-- set_vt(queue_name, msg_id bigint, vt integer): vt = now + seconds.
SELECT msg_id, read_ct, last_read_at IS NOT NULL AS was_read, message,
       vt > clock_timestamp() + interval '50 seconds'
         AND vt <= clock_timestamp() + interval '60 seconds' AS in_60s
  FROM pgmq.set_vt('k_q', 15, 60);
SELECT msg_id FROM pgmq.read('k_q', 0, 1);
SELECT msg_id, vt <= clock_timestamp() AS visible FROM pgmq.set_vt('k_q', 15, 0);
SELECT msg_id, vt < clock_timestamp() - interval '50 seconds' AS in_past FROM pgmq.set_vt('k_q', 15, -60);
-- set_vt(queue_name, msg_id bigint, vt timestamptz)
SELECT msg_id, vt FROM pgmq.set_vt('k_q', 15, '2100-01-01 00:00:00+00'::timestamptz);
SELECT msg_id, vt FROM pgmq.set_vt('k_q', 16::bigint, 'infinity'::timestamptz);
-- set_vt(queue_name, msg_ids bigint[], vt integer), ascending msg_id.
SELECT msg_id, read_ct, vt > clock_timestamp() + interval '20 seconds' AS hidden
  FROM pgmq.set_vt('k_q', ARRAY[18, 999, 16, 17]::bigint[], 30);
-- set_vt(queue_name, msg_ids bigint[], vt timestamptz)
SELECT msg_id, vt FROM pgmq.set_vt('k_q', ARRAY[17, 15]::bigint[], '2000-01-01 00:00:00+00'::timestamptz);
SELECT msg_id, vt FROM pgmq.set_vt('k_q', ARRAY[]::bigint[], '2000-01-01 00:00:00+00'::timestamptz);
-- read_ct is unchanged by all of them.
SELECT msg_id, read_ct FROM pgmq.q_k_q ORDER BY msg_id;
-- An unknown id gives an empty set.
SELECT count(*) FROM pgmq.set_vt('k_q', 999, 10);
SELECT count(*) FROM pgmq.set_vt('k_q', 999, now());
SELECT count(*) FROM pgmq.set_vt('k_q', ARRAY[998, 999]::bigint[], 10);
-- Named arguments.
SELECT msg_id FROM pgmq.set_vt(queue_name => 'k_q', msg_id => 15, vt => 0);
SELECT msg_id FROM pgmq.set_vt(queue_name => 'k_q', msg_ids => ARRAY[15, 16]::bigint[], vt => 0);
SELECT msg_id FROM pgmq.set_vt(queue_name => 'k_q', msg_id => 15, vt => '2000-01-01 00:00:00+00'::timestamptz);
SELECT msg_id FROM pgmq.set_vt(queue_name => 'k_q', msg_ids => ARRAY[16]::bigint[],
                               vt => '2000-01-01 00:00:00+00'::timestamptz);
SELECT pg_typeof(s) FROM pgmq.set_vt('k_q', 15, 0) s;
-- A set_vt rolled back keeps the old vt.
BEGIN;
SELECT msg_id FROM pgmq.set_vt('k_q', 15, 3600);
ROLLBACK;
SELECT vt <= clock_timestamp() AS still_visible FROM pgmq.q_k_q WHERE msg_id = 15;

-- Untyped arguments (clients that send every parameter as unknown) resolve
-- to set_vt(text, text, text): one id or an id array, seconds or a timestamp.
SELECT msg_id, vt > clock_timestamp() + interval '20 seconds' AS hidden_30s FROM pgmq.set_vt('k_q', '15', '30');
SELECT msg_id, vt FROM pgmq.set_vt('k_q', '{16,17}', '2030-01-01 00:00:00+00');
SELECT msg_id, vt FROM pgmq.set_vt('k_q', '15', '2031-01-01 00:00:00+00');
SELECT msg_id, vt <= clock_timestamp() AS visible FROM pgmq.set_vt('k_q', '{15,16}', '0');
SELECT msg_id, vt < clock_timestamp() - interval '50 seconds' AS in_past FROM pgmq.set_vt('k_q', ' 15 ', ' -60 ');
SELECT count(*) FROM pgmq.set_vt('k_q', '999', '10');
SELECT count(*) FROM pgmq.set_vt('k_q', '{}', '10');
SELECT msg_id, read_ct FROM pgmq.set_vt('k_q', '15', 'infinity');
SELECT msg_id FROM pgmq.set_vt(queue_name => 'k_q', msg_id => '15', vt => '0');
-- Through a prepared statement with untyped parameters, as drivers do.
PREPARE s(unknown, unknown, unknown) AS SELECT msg_id FROM pgmq.set_vt($1, $2, $3);
EXECUTE s('k_q', '15', '10');
EXECUTE s('k_q', '{15,16}', '2030-01-01 00:00:00+00');
DEALLOCATE s;
PREPARE s AS SELECT msg_id FROM pgmq.set_vt($1, $2, $3);
SELECT parameter_types FROM pg_prepared_statements WHERE name = 's';
EXECUTE s('k_q', '17', '0');
EXECUTE s('k_q', '{16,17}', '2030-01-01 00:00:00+00');
DEALLOCATE s;
-- Typed calls still reach the typed overloads.
PREPARE s(text, bigint, integer) AS SELECT msg_id FROM pgmq.set_vt($1, $2, $3);
EXECUTE s('k_q', 15, 0);
DEALLOCATE s;
-- Bad text gets the input functions' errors.
SELECT * FROM pgmq.set_vt('k_q', 'abc', '10');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', '{1,x}', '10');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', '15', 'soon');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', '15', '99999999999');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', '15'::text, NULL::text);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', NULL::text, '10'::text);
\echo :LAST_ERROR_SQLSTATE

-- set_vt errors.
SELECT * FROM pgmq.set_vt('k_q', NULL::bigint, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', 15, NULL::integer);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', 15, NULL::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', NULL::bigint[], 10);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', ARRAY[15]::bigint[], NULL::integer);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt('k_q', ARRAY[15]::bigint[], NULL::timestamptz);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgmq.set_vt(NULL, 15, 10);
\echo :LAST_ERROR_SQLSTATE

SELECT pgmq.drop_queue('k_q');
