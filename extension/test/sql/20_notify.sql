-- Insert notifications: enable/update/disable/list, their errors, the
-- trigger they install, throttling state, and its rebuild after the
-- unlogged throttle table is emptied (as a crash does). Receiving the
-- notification over LISTEN is tested in t/001_long_poll.pl, since psql
-- prints the sender's PID.
\set SHOW_CONTEXT never
SELECT pgmq.create('notify_q');
SELECT pgmq.create('Notify_Mixed');

-- default throttle is 250 ms
SELECT pgmq.enable_notify_insert('notify_q');
SELECT queue_name, throttle_interval_ms, last_notified_at = to_timestamp(0) AS reset
  FROM pgmq.list_notify_insert_throttles();

-- the trigger: deferrable constraint trigger, queue name and throttle as arguments
SELECT tgname, tgconstraint <> 0 AS is_constraint, tgdeferrable, tgnargs,
       encode(tgargs, 'escape') AS args
  FROM pg_trigger WHERE tgrelid = 'pgmq.q_notify_q'::regclass AND NOT tgisinternal AND tgname <> 'zz_pgmq_low_water_guard';

-- enabling again replaces the trigger and resets the throttle
SELECT pgmq.enable_notify_insert('notify_q', 0);
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'pgmq.q_notify_q'::regclass AND NOT tgisinternal AND tgname <> 'zz_pgmq_low_water_guard';
SELECT queue_name, throttle_interval_ms FROM pgmq.list_notify_insert_throttles();

-- a send records the notification time (throttle 0: every insert notifies)
SELECT 1 FROM pgmq.send('notify_q', '{}');
SELECT last_notified_at > to_timestamp(0) AS notified FROM pgmq.notify_insert_throttle;

-- with a long throttle, a second insert right away does not update it
SELECT pgmq.update_notify_insert('notify_q', 60000);
SELECT last_notified_at = to_timestamp(0) AS reset FROM pgmq.notify_insert_throttle;
SELECT 1 FROM pgmq.send('notify_q', '{}');
SELECT last_notified_at AS first_notify FROM pgmq.notify_insert_throttle \gset
SELECT 1 FROM pgmq.send('notify_q', '{}');
SELECT last_notified_at = :'first_notify' AS throttled FROM pgmq.notify_insert_throttle;

-- mixed-case names: the trigger carries the registered name
SELECT pgmq.enable_notify_insert('Notify_Mixed', 0);
SELECT encode(tgargs, 'escape') AS args FROM pg_trigger WHERE tgrelid = 'pgmq.q_notify_mixed'::regclass AND NOT tgisinternal AND tgname <> 'zz_pgmq_low_water_guard';
SELECT 1 FROM pgmq.send('Notify_Mixed', '{}');
SELECT queue_name, last_notified_at > to_timestamp(0) AS notified
  FROM pgmq.list_notify_insert_throttles();

-- a crash empties the unlogged table; the next insert rebuilds the row
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.notify_insert_throttle'::regclass;
TRUNCATE pgmq.notify_insert_throttle;
SELECT 1 FROM pgmq.send('Notify_Mixed', '{}');
SELECT 1 FROM pgmq.send('notify_q', '{}');
SELECT queue_name, throttle_interval_ms, last_notified_at > to_timestamp(0) AS notified
  FROM pgmq.list_notify_insert_throttles();

-- errors
SELECT pgmq.enable_notify_insert('notify_q', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.enable_notify_insert('notify_q', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.enable_notify_insert('no_such_queue');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.enable_notify_insert('bad;name');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.update_notify_insert('notify_q', -5);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.update_notify_insert('no_such_queue', 10);
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.disable_notify_insert('no_such_queue');
\echo :LAST_ERROR_SQLSTATE

-- disable removes trigger and row; update then says it is not enabled
SELECT pgmq.disable_notify_insert('notify_q');
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'pgmq.q_notify_q'::regclass AND NOT tgisinternal AND tgname <> 'zz_pgmq_low_water_guard';
SELECT queue_name FROM pgmq.list_notify_insert_throttles();
SELECT pgmq.update_notify_insert('notify_q', 10);
\echo :LAST_ERROR_SQLSTATE
-- disabling twice is fine
SELECT pgmq.disable_notify_insert('notify_q');

-- dropping a queue removes its throttle row
SELECT pgmq.drop_queue('Notify_Mixed');
SELECT count(*) FROM pgmq.notify_insert_throttle;
SELECT pgmq.drop_queue('notify_q');
