-- Retention (docs/retention.md): pgmq.run_retention removes messages
-- older than message_retention and archive rows older than
-- archive_retention, at most batch_size rows per table per call, only
-- from queues whose tables the caller may delete from.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
SELECT pgmq.create('rt_q');
SELECT pgmq.create('rt_keep');

SELECT * FROM pgmq.run_retention(batch_size => 0);
SELECT * FROM pgmq.run_retention(batch_size => NULL);
SELECT * FROM pgmq.run_retention('rt_nope');
-- nothing to do without policies
SELECT * FROM pgmq.run_retention();

SELECT queue_name, message_retention, archive_retention
  FROM pgmq.set_policy('rt_q', message_retention => '1 hour', archive_retention => '1 day');
-- 5 old messages, 2 fresh ones; 4 old archive rows, 1 fresh one
SELECT count(*) FROM pgmq.send_batch('rt_q', ARRAY['{"o":1}','{"o":2}','{"o":3}','{"o":4}','{"o":5}']::jsonb[]);
UPDATE pgmq.q_rt_q SET enqueued_at = now() - interval '2 hours';
SELECT count(*) FROM pgmq.send_batch('rt_q', ARRAY['{"f":1}','{"f":2}']::jsonb[]);
SELECT count(*) FROM pgmq.send_batch('rt_q', ARRAY['{"a":1}','{"a":2}','{"a":3}','{"a":4}','{"a":5}']::jsonb[]) ;
SELECT count(*) FROM (SELECT pgmq.archive('rt_q', msg_id) FROM pgmq.q_rt_q WHERE message ? 'a') s;
UPDATE pgmq.a_rt_q SET archived_at = now() - interval '2 days' WHERE message <> '{"a":5}';
-- a queue without a policy is never touched
SELECT count(*) FROM pgmq.send('rt_keep', '{}');
UPDATE pgmq.q_rt_keep SET enqueued_at = now() - interval '10 years';

-- bounded batches: 2 rows per table per call
SELECT * FROM pgmq.run_retention(batch_size => 2);
SELECT * FROM pgmq.run_retention('rt_q', 2);
SELECT * FROM pgmq.run_retention(batch_size => 2);
SELECT * FROM pgmq.run_retention(batch_size => 2);
SELECT message FROM pgmq.q_rt_q ORDER BY msg_id;
SELECT message FROM pgmq.a_rt_q ORDER BY msg_id;
SELECT count(*) AS untouched FROM pgmq.q_rt_keep;

-- the fresh messages age too
UPDATE pgmq.q_rt_q SET enqueued_at = now() - interval '2 hours';

-- A role without DELETE on a queue's tables skips it; the owner prunes.
CREATE ROLE rt_owner;
CREATE ROLE rt_other;
SELECT pgmq.grant_admin('rt_owner');
SET ROLE rt_owner;
SELECT pgmq.create('rt_owned');
SELECT queue_name, message_retention FROM pgmq.set_policy('rt_owned', message_retention => '1 minute');
SELECT count(*) FROM pgmq.send('rt_owned', '{}');
UPDATE pgmq.q_rt_owned SET enqueued_at = now() - interval '1 hour';
RESET ROLE;
SET ROLE rt_other;
SELECT * FROM pgmq.run_retention();
RESET ROLE;
SET ROLE rt_owner;
SELECT * FROM pgmq.run_retention();
SELECT pgmq.drop_queue('rt_owned');
RESET ROLE;
SELECT pgmq.revoke_admin('rt_owner');
DROP ROLE rt_owner;
DROP ROLE rt_other;

-- only now are rt_q's aged messages removed, by a role that may
SELECT * FROM pgmq.run_retention();
SELECT count(*) AS left_in_rt_q FROM pgmq.q_rt_q;
-- archive retention alone; clearing stops it
SELECT pgmq.clear_policy('rt_q', 'message_retention');
SELECT queue_name, message_retention, archive_retention FROM pgmq.show_policy('rt_q');
SELECT count(*) FROM pgmq.send('rt_q', '{}');
UPDATE pgmq.q_rt_q SET enqueued_at = now() - interval '2 hours';
SELECT * FROM pgmq.run_retention();
SELECT count(*) AS kept FROM pgmq.q_rt_q;

SELECT pgmq.drop_queue('rt_q');
SELECT pgmq.drop_queue('rt_keep');
SELECT count(*) FROM pgmq.queue_policy;
