-- Queue policies and dead-letter queues (docs/dead-letter-queues.md):
-- set_policy / clear_policy / show_policy and their errors, dead-lettering
-- at exactly max_deliveries for every read flavour, redrive, default_vt,
-- and the same as an owner and a consumer that are not superusers.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- Runs stmt in a subtransaction: 'ok', or the error's SQLSTATE, message,
-- detail and hint.
CREATE FUNCTION pg_temp.err(stmt TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
    st TEXT;
    msg TEXT;
    det TEXT;
    hnt TEXT;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || COALESCE(' DETAIL: ' || NULLIF(det, ''), '')
        || COALESCE(' HINT: ' || NULLIF(hnt, ''), '');
END;
$$;
SELECT pgmq.create('dl_src');
SELECT pgmq.create('dl_dlq');
SELECT pgmq.create('dl_other');

-- Errors: unknown queues, bad values, a queue as its own DLQ, cycles.
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_nope', 'dl_dlq', 3)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', 'dl_nope', 3)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy(NULL, 'dl_dlq', 3)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', 'dl_dlq', 0)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', 'dl_dlq', -1)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', 'dl_dlq')$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', max_deliveries => 2)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', 'dl_src', 2)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', 'DL_SRC', 2)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', default_vt => -1)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', message_retention => '0 seconds')$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', archive_retention => '-1 day')$$);
SELECT pg_temp.err($$SELECT pgmq.clear_policy('dl_src', 'bogus')$$);
SELECT pg_temp.err($$SELECT pgmq.clear_policy('dl_nope')$$);
SELECT pg_temp.err($$SELECT pgmq.show_policy('dl_nope')$$);
SELECT pg_temp.err($$SELECT pgmq.redrive('dl_nope')$$);
SELECT pg_temp.err($$SELECT pgmq.redrive('dl_dlq', 'dl_nope')$$);
SELECT pg_temp.err($$SELECT pgmq.redrive('dl_dlq', 'dl_dlq')$$);
SELECT pg_temp.err($$SELECT pgmq.redrive('dl_dlq', NULL, -1)$$);
-- a chain is fine, a cycle is not
SELECT queue_name, dead_letter_queue, max_deliveries FROM pgmq.set_policy('dl_dlq', 'dl_other', 5);
SELECT queue_name, dead_letter_queue, max_deliveries FROM pgmq.set_policy('dl_other', 'dl_src', 5);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_other', 'dl_dlq', 5)$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_src', 'dl_dlq', 5)$$);
SELECT pgmq.clear_policy('dl_dlq');
SELECT pgmq.clear_policy('dl_dlq');
SELECT pgmq.clear_policy('dl_other');

-- Set, merge, show, clear.
SELECT queue_name, dead_letter_queue, max_deliveries, default_vt, message_retention, archive_retention
  FROM pgmq.set_policy('dl_src', 'dl_dlq', 2);
SELECT queue_name, dead_letter_queue, max_deliveries, default_vt, message_retention, archive_retention
  FROM pgmq.set_policy('dl_src', default_vt => 30, archive_retention => '7 days');
SELECT queue_name, dead_letter_queue, max_deliveries, default_vt, message_retention, archive_retention
  FROM pgmq.show_policy('dl_src');
SELECT queue_name, dead_letter_queue FROM pgmq.show_policy();
SELECT pgmq.clear_policy('dl_src', 'archive_retention');
SELECT pgmq.clear_policy('dl_src', 'archive_retention');
SELECT queue_name, dead_letter_queue, max_deliveries, default_vt, archive_retention FROM pgmq.show_policy('dl_src');
-- list_queues and meta are unchanged by policies
SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues() WHERE queue_name LIKE 'dl_%' ORDER BY 1;

-- A DLQ in use cannot be dropped.
SELECT pg_temp.err($$SELECT pgmq.drop_queue('dl_dlq')$$);

-- default_vt applies when vt is NULL.
SELECT pgmq.send('dl_src', '{"n": 0}') AS id0 \gset
SELECT msg_id = :id0 AS same, read_ct, vt > now() + interval '25 seconds' AS hidden_30s
  FROM pgmq.read('dl_src', NULL, 1);
SELECT pgmq.delete('dl_src', :id0);
SELECT pg_temp.err($$SELECT * FROM pgmq.read('dl_other', NULL, 1)$$);
SELECT pg_temp.err($$SELECT * FROM pgmq.read_grouped('dl_other', NULL, 1)$$);

-- pgmq.read: max_deliveries = 2, so deliveries 1 and 2 happen and the
-- third read moves the message (and its younger sibling stays).
SELECT pgmq.send('dl_src', '{"n": 1}', '{"k": "v"}'::jsonb) AS id1 \gset
SELECT pgmq.send('dl_src', '{"n": 2}') AS id2 \gset
SELECT msg_id = :id1 AS first, read_ct FROM pgmq.read('dl_src', 0, 1);
SELECT msg_id = :id1 AS first, read_ct FROM pgmq.read('dl_src', 0, 1);
-- third read: id1 is dead-lettered, id2 is delivered in the same read
SELECT msg_id = :id2 AS second, read_ct FROM pgmq.read('dl_src', 0, 2);
SELECT count(*) AS left_in_src FROM pgmq.q_dl_src WHERE msg_id = :id1;
SELECT message, read_ct,
       headers->>'k' AS kept_header,
       headers->>'x-pgmq-dead-letter-source' AS source,
       (headers->>'x-pgmq-dead-letter-msg-id')::bigint = :id1 AS source_id,
       headers->>'x-pgmq-dead-letter-read-ct' AS deliveries,
       (headers->>'x-pgmq-dead-letter-at')::timestamptz <= now() AS moved_at
  FROM pgmq.q_dl_dlq;
SELECT pgmq.purge_queue('dl_src');

-- Order is kept: several messages moved by one read keep their order.
SELECT count(*) FROM pgmq.send_batch('dl_src', ARRAY['{"n": 10}', '{"n": 11}', '{"n": 12}']::jsonb[]);
SELECT count(*) FROM pgmq.read('dl_src', 0, 10);
SELECT count(*) FROM pgmq.read('dl_src', 0, 10);
SELECT count(*) AS delivered FROM pgmq.read('dl_src', 0, 10);
SELECT message FROM pgmq.q_dl_dlq ORDER BY msg_id;

-- A conditional read counts the same.
SELECT pgmq.send('dl_src', '{"c": 1}') AS idc \gset
SELECT count(*) FROM pgmq.read('dl_src', 0, 1, '{"c": 1}');
SELECT count(*) FROM pgmq.read('dl_src', 0, 1, '{"c": 1}');
SELECT count(*) AS delivered FROM pgmq.read('dl_src', 0, 1, '{"c": 1}');
SELECT count(*) AS moved FROM pgmq.q_dl_dlq WHERE message = '{"c": 1}';

-- read_with_poll: the move happens, and the poll goes on waiting for a
-- deliverable message (here it times out after 1 s).
SELECT pgmq.send('dl_src', '{"p": 1}') AS idp \gset
SELECT count(*) FROM pgmq.read_with_poll('dl_src', 0, 1, 1, 50);
SELECT count(*) FROM pgmq.read_with_poll('dl_src', 0, 1, 1, 50);
SELECT count(*) AS delivered FROM pgmq.read_with_poll('dl_src', 0, 1, 1, 50);
SELECT count(*) AS moved FROM pgmq.q_dl_dlq WHERE message = '{"p": 1}';

-- Grouped reads: each flavour.
SELECT pgmq.purge_queue('dl_dlq');
SELECT pgmq.send('dl_src', '{"g": "a1"}', '{"x-pgmq-group": "a"}'::jsonb) AS ga1 \gset
SELECT pgmq.send('dl_src', '{"g": "a2"}', '{"x-pgmq-group": "a"}'::jsonb) AS ga2 \gset
SELECT msg_id = :ga1 AS head, read_ct FROM pgmq.read_grouped('dl_src', 0, 1);
SELECT msg_id = :ga1 AS head, read_ct FROM pgmq.read_grouped_rr('dl_src', 0, 1);
-- third delivery of the head: moved; a2 is not chosen in the same read
-- (it was not the head when the read chose), so the read returns nothing
SELECT count(*) FROM pgmq.read_grouped_head('dl_src', 0, 1);
SELECT message, headers->>'x-pgmq-group' AS grp, headers->>'x-pgmq-dead-letter-read-ct' AS deliveries
  FROM pgmq.q_dl_dlq;
SELECT msg_id = :ga2 AS next_head, read_ct FROM pgmq.read_grouped_with_poll('dl_src', 0, 1, 1, 50);
SELECT msg_id = :ga2 AS next_head, read_ct FROM pgmq.read_grouped_rr_with_poll('dl_src', 0, 1, 1, 50);
SELECT count(*) FROM pgmq.read_grouped_head_with_poll('dl_src', 0, 1, 1, 50);
SELECT message FROM pgmq.q_dl_dlq ORDER BY msg_id;

-- pop deletes what it returns: no delivery count, no dead-lettering.
SELECT pgmq.send('dl_src', '{"pop": 1}') AS idpop \gset
UPDATE pgmq.q_dl_src SET read_ct = 100 WHERE msg_id = :idpop;
SELECT message, read_ct FROM pgmq.pop('dl_src');

-- A read_ct set far past the limit (or saturated) is moved too.
SELECT pgmq.send('dl_src', '{"big": 1}') AS idbig \gset
UPDATE pgmq.q_dl_src SET read_ct = 2147483647 WHERE msg_id = :idbig;
SELECT count(*) FROM pgmq.read('dl_src', 0, 1);
SELECT headers->>'x-pgmq-dead-letter-read-ct' AS deliveries FROM pgmq.q_dl_dlq WHERE message = '{"big": 1}';

-- A rolled-back read leaves the message where it was.
SELECT pgmq.send('dl_src', '{"rb": 1}') AS idrb \gset
UPDATE pgmq.q_dl_src SET read_ct = 2 WHERE msg_id = :idrb;
BEGIN;
SELECT count(*) FROM pgmq.read('dl_src', 0, 1);
SELECT count(*) AS in_dlq FROM pgmq.q_dl_dlq WHERE message = '{"rb": 1}';
ROLLBACK;
SELECT read_ct FROM pgmq.q_dl_src WHERE msg_id = :idrb;
SELECT count(*) AS in_dlq FROM pgmq.q_dl_dlq WHERE message = '{"rb": 1}';
SELECT pgmq.purge_queue('dl_src');

-- The policy change is seen by a backend that cached the queue: clearing
-- it stops the moves at once.
SELECT pgmq.clear_policy('dl_src', 'dead_letter');
SELECT pgmq.send('dl_src', '{"nodl": 1}') AS idnodl \gset
UPDATE pgmq.q_dl_src SET read_ct = 50 WHERE msg_id = :idnodl;
SELECT message, read_ct FROM pgmq.read('dl_src', 0, 1);
SELECT pgmq.purge_queue('dl_src');
SELECT queue_name, dead_letter_queue, max_deliveries FROM pgmq.set_policy('dl_src', 'dl_dlq', 2);

-- Redrive: back to the source, limited, then the rest; to another queue.
SELECT pgmq.purge_queue('dl_dlq');
SELECT count(*) FROM pgmq.send_batch('dl_src', ARRAY['{"r": 1}', '{"r": 2}', '{"r": 3}']::jsonb[],
                                     ARRAY['{"h": 1}', '{"h": 2}', NULL]::jsonb[]);
UPDATE pgmq.q_dl_src SET read_ct = 2;
SELECT count(*) FROM pgmq.read('dl_src', 0, 10);
SELECT count(*) AS moved FROM pgmq.q_dl_dlq;
SELECT pgmq.redrive('dl_dlq', max_messages => 1);
SELECT message, read_ct, headers FROM pgmq.q_dl_src ORDER BY msg_id;
SELECT pgmq.redrive('dl_dlq', 'dl_other');
SELECT message, read_ct, headers FROM pgmq.q_dl_other ORDER BY msg_id;
SELECT pgmq.redrive('dl_dlq');
SELECT pgmq.redrive('dl_dlq', max_messages => 0);
-- a message without a source header needs an explicit target
SELECT pgmq.send('dl_dlq', '{"manual": 1}') AS idman \gset
SELECT pgmq.redrive('dl_dlq');
SELECT pgmq.redrive('dl_dlq', 'dl_src');
SELECT message FROM pgmq.q_dl_src ORDER BY msg_id;
SELECT pgmq.purge_queue('dl_src');
SELECT pgmq.purge_queue('dl_other');

-- Partitioned queues, as source and as dead-letter queue.
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
SELECT pgmq.create_partitioned('dl_psrc', '10', '100', 2);
SELECT pgmq.create_partitioned('dl_pdlq', '10', '100', 2);
SELECT queue_name, dead_letter_queue, max_deliveries FROM pgmq.set_policy('dl_psrc', 'dl_pdlq', 1);
SELECT count(*) FROM pgmq.send_batch('dl_psrc', ARRAY['{"pp": 1}', '{"pp": 2}']::jsonb[]);
SELECT message, read_ct FROM pgmq.read('dl_psrc', 0, 1);
SELECT message, read_ct FROM pgmq.read('dl_psrc', 0, 2);
SELECT message, headers->>'x-pgmq-dead-letter-source' AS source FROM pgmq.q_dl_pdlq;
SELECT pgmq.redrive('dl_pdlq');
SELECT message, read_ct FROM pgmq.q_dl_psrc ORDER BY msg_id;
SELECT pgmq.drop_queue('dl_psrc'), pgmq.drop_queue('dl_pdlq');
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;

-- Non-superusers: the owner sets the policy; a consumer without any right
-- on the DLQ dead-letters through its reads; others may not change it.
CREATE ROLE dl_owner;
CREATE ROLE dl_consumer;
CREATE ROLE dl_stranger;
SELECT pgmq.grant_admin('dl_owner');
SET ROLE dl_owner;
SELECT pgmq.create('dl_o_src');
SELECT pgmq.create('dl_o_dlq');
SELECT queue_name, dead_letter_queue, max_deliveries FROM pgmq.set_policy('dl_o_src', 'dl_o_dlq', 1);
SELECT pgmq.grant_consume('dl_o_src', 'dl_consumer');
SELECT pgmq.send('dl_o_src', '{"o": 1}') AS ido \gset
RESET ROLE;
SET ROLE dl_consumer;
SELECT read_ct FROM pgmq.read('dl_o_src', 0, 1);
SELECT count(*) AS delivered FROM pgmq.read('dl_o_src', 0, 1);
SELECT pg_temp.err($$SELECT count(*) FROM pgmq.q_dl_o_dlq$$);
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_o_src', default_vt => 5)$$);
SELECT pg_temp.err($$SELECT pgmq.clear_policy('dl_o_src')$$);
WITH d AS (DELETE FROM pgmq.queue_policy RETURNING 1) SELECT count(*) AS deleted FROM d;
WITH u AS (UPDATE pgmq.queue_policy SET max_deliveries = 100 RETURNING 1) SELECT count(*) AS updated FROM u;
SELECT pg_temp.err($$INSERT INTO pgmq.queue_policy (queue_name, default_vt) VALUES ('dl_other', 1)$$);
RESET ROLE;
SET ROLE dl_stranger;
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_o_src', 'dl_o_dlq', 9)$$);
SELECT queue_name, max_deliveries FROM pgmq.show_policy('dl_o_src');
RESET ROLE;
SELECT message, headers->>'x-pgmq-dead-letter-source' AS source FROM pgmq.q_dl_o_dlq;
-- An owner cannot dead-letter into a queue it cannot send to.
SET ROLE dl_owner;
SELECT pg_temp.err($$SELECT pgmq.set_policy('dl_o_src', 'dl_other', 3)$$);
SELECT pgmq.clear_policy('dl_o_src');
SELECT pgmq.drop_queue('dl_o_src');
SELECT pgmq.drop_queue('dl_o_dlq');
RESET ROLE;
SELECT pgmq.revoke_admin('dl_owner');
DROP ROLE dl_owner;
DROP ROLE dl_consumer;
DROP ROLE dl_stranger;

-- Dropping the source drops its policy; then the DLQ can go.
SELECT pgmq.drop_queue('dl_src');
SELECT count(*) FROM pgmq.queue_policy;
SELECT pgmq.drop_queue('dl_dlq');
SELECT pgmq.drop_queue('dl_other');
