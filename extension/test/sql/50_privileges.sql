-- Privileges (docs/security.md): the role matrix, every function as each
-- role, and the hostile cases: a registry others cannot edit, owner
-- triggers that never run with a superuser's rights, metrics_all for a
-- role that may see only some queues, row level security for tenants.
SET client_min_messages = warning;
SET pgmq.low_water_interval = 0;	-- see "table rights only" below

CREATE ROLE pv_admin;
CREATE ROLE pv_owner;
CREATE ROLE pv_producer;
CREATE ROLE pv_consumer;
CREATE ROLE pv_monitor IN ROLE pg_monitor;
CREATE ROLE pv_nobody;
SELECT pgmq.grant_admin('pv_admin');
SELECT pgmq.grant_admin('pv_owner');
GRANT CREATE ON SCHEMA public TO pv_owner;

-- The owner creates its queues; it owns their tables.
SET ROLE pv_owner;
SELECT pgmq.create('pv_q');
SELECT pgmq.create('pv_other');
SELECT pgmq.grant_send('pv_q', 'pv_producer');
SELECT pgmq.grant_consume('pv_q', 'pv_consumer');
SELECT count(*) FROM pgmq.send_batch('pv_q', ARRAY['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[]);
SELECT count(*) FROM pgmq.send('pv_other', '{}');
SELECT pgmq.bind_topic('pv.#', 'pv_q');
SELECT pgmq.enable_notify_insert('pv_q', 0);
RESET ROLE;
SELECT c.relname, c.relowner::regrole AS owner
  FROM pg_class c WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relname IN ('q_pv_q', 'a_pv_q')
 ORDER BY 1;
-- pg_monitor reads queues whoever created them.
SELECT has_table_privilege('pg_monitor', 'pgmq.q_pv_q', 'SELECT') AS monitor_reads_queue,
       has_table_privilege('pg_monitor', 'pgmq.a_pv_q', 'SELECT') AS monitor_reads_archive;

-- Runs stmt as role r in a subtransaction that is always rolled back, so
-- that every cell of the matrix starts from the same state: 'ok' or the
-- SQLSTATE it failed with.
CREATE FUNCTION pg_temp.try(r TEXT, stmt TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', r);
        EXECUTE stmt;
        RAISE EXCEPTION USING ERRCODE = 'PV000';
    EXCEPTION WHEN OTHERS THEN
        -- The rollback of the block restored the role too.
        RETURN CASE WHEN SQLSTATE = 'PV000' THEN 'ok' ELSE SQLSTATE END;
    END;
END;
$$;

CREATE TEMP TABLE calls (n SERIAL, stmt TEXT);
INSERT INTO calls (stmt) VALUES
    ($$SELECT pgmq.create('pv_new')$$),
    ($$SELECT pgmq.create_non_partitioned('pv_new')$$),
    ($$SELECT pgmq.create_unlogged('pv_new')$$),
    ($$SELECT pgmq.create('pv_q')$$),
    ($$SELECT pgmq.drop_queue('pv_q')$$),
    ($$SELECT pgmq.drop_queue('pv_q', false)$$),
    ($$SELECT pgmq.purge_queue('pv_q')$$),
    ($$SELECT pgmq.detach_archive('pv_q')$$),
    ($$SELECT count(*) FROM pgmq.list_queues()$$),
    ($$SELECT pgmq.validate_queue_name('pv_q')$$),
    ($$SELECT pgmq.format_table_name('pv_q', 'q')$$),
    ($$SELECT * FROM pgmq.send('pv_q', '{}')$$),
    ($$SELECT * FROM pgmq.send('pv_q', '{}', '{"h": 1}'::jsonb)$$),
    ($$SELECT * FROM pgmq.send('pv_q', '{}', 1)$$),
    ($$SELECT * FROM pgmq.send_batch('pv_q', ARRAY['{}']::jsonb[])$$),
    ($$SELECT pgmq.send_topic('pv.x', '{}')$$),
    ($$SELECT * FROM pgmq.send_batch_topic('pv.x', ARRAY['{}']::jsonb[])$$),
    ($$SELECT * FROM pgmq.read('pv_q', 30, 1)$$),
    ($$SELECT * FROM pgmq.read('pv_q', 30, 1, '{"n": 1}')$$),
    ($$SELECT * FROM pgmq.read_with_poll('pv_q', 30, 1, 1, 10)$$),
    ($$SELECT * FROM pgmq.pop('pv_q')$$),
    ($$SELECT * FROM pgmq.read_grouped('pv_q', 30, 1)$$),
    ($$SELECT * FROM pgmq.read_grouped_rr('pv_q', 30, 1)$$),
    ($$SELECT * FROM pgmq.read_grouped_head('pv_q', 30, 1)$$),
    ($$SELECT pgmq.delete('pv_q', 1)$$),
    ($$SELECT * FROM pgmq.delete('pv_q', ARRAY[1, 2]::bigint[])$$),
    ($$SELECT pgmq.archive('pv_q', 1)$$),
    ($$SELECT * FROM pgmq.archive('pv_q', ARRAY[1, 2]::bigint[])$$),
    ($$SELECT * FROM pgmq.set_vt('pv_q', 1, 10)$$),
    ($$SELECT * FROM pgmq.set_vt('pv_q', ARRAY[1]::bigint[], 10)$$),
    ($$SELECT pgmq._low_water_mark('pv_q')$$),
    ($$SELECT queue_length FROM pgmq.metrics('pv_q')$$),
    ($$SELECT count(*) FROM pgmq.metrics_all()$$),
    ($$SELECT pgmq.enable_notify_insert('pv_q')$$),
    ($$SELECT pgmq.disable_notify_insert('pv_q')$$),
    ($$SELECT count(*) FROM pgmq.list_notify_insert_throttles()$$),
    ($$SELECT pgmq.create_fifo_index('pv_q')$$),
    ($$SELECT pgmq.bind_topic('pv.y', 'pv_q')$$),
    ($$SELECT pgmq.unbind_topic('pv.#', 'pv_q')$$),
    ($$SELECT count(*) FROM pgmq.list_topic_bindings()$$),
    ($$SELECT count(*) FROM pgmq.test_routing('pv.x')$$),
    ($$SELECT pgmq.grant_send('pv_q', 'pv_nobody')$$),
    ($$SELECT pgmq.revoke_send('pv_q', 'pv_producer')$$),
    ($$SELECT pgmq.grant_consume('pv_q', 'pv_nobody')$$),
    ($$SELECT pgmq.revoke_consume('pv_q', 'pv_consumer')$$),
    ($$SELECT pgmq.grant_admin('pv_nobody')$$),
    ($$SELECT pgmq.revoke_admin('pv_admin')$$),
    ($$SELECT pgmq.run_maintenance()$$),
    -- The registry itself: only through the functions, only one's own rows.
    ($$SELECT count(*) FROM pgmq.meta$$),
    ($$INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('pv_fake', false, false)$$),
    ($$DO 'BEGIN DELETE FROM pgmq.meta WHERE queue_name = ''pv_q''; IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = ''PV001''; END IF; END'$$),
    ($$DO 'BEGIN DELETE FROM pgmq.topic_bindings WHERE queue_name = ''pv_q''; IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = ''PV001''; END IF; END'$$),
    ($$CREATE TABLE pgmq.q_pv_squat (msg_id bigint)$$);

-- PV001: the statement ran but changed no row (row policy).
SELECT c.stmt,
       pg_temp.try(current_user, c.stmt) AS super,
       pg_temp.try('pv_admin', c.stmt) AS admin,
       pg_temp.try('pv_owner', c.stmt) AS owner,
       pg_temp.try('pv_producer', c.stmt) AS producer,
       pg_temp.try('pv_consumer', c.stmt) AS consumer,
       pg_temp.try('pv_monitor', c.stmt) AS monitor,
       pg_temp.try('pv_nobody', c.stmt) AS nobody
  FROM calls c ORDER BY c.n;

-- A table of the right shape that an admin made by hand is no queue until
-- it is registered.
SET ROLE pv_admin;
CREATE TABLE pgmq.q_pv_squat (msg_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    read_ct INT DEFAULT 0 NOT NULL, enqueued_at TIMESTAMPTZ DEFAULT now() NOT NULL,
    last_read_at TIMESTAMPTZ, vt TIMESTAMPTZ NOT NULL, message JSONB, headers JSONB);
\set VERBOSITY default
SELECT * FROM pgmq.send('pv_squat', '{}');
\set VERBOSITY terse
DROP TABLE pgmq.q_pv_squat;
RESET ROLE;

-- The messages the matrix touched are all still there.
SELECT count(*) AS messages_left FROM pgmq.q_pv_q;
SELECT array_agg(queue_name ORDER BY queue_name) AS registered FROM pgmq.meta WHERE queue_name LIKE 'pv%';

-- metrics_all reports what the caller may read, instead of failing.
CREATE FUNCTION pg_temp.metrics_seen(r TEXT) RETURNS TEXT[]
LANGUAGE plpgsql AS $$
DECLARE
    seen TEXT[];
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    SELECT array_agg(m.queue_name ORDER BY m.queue_name) INTO seen
      FROM pgmq.metrics_all() m WHERE m.queue_name LIKE 'pv%';
    RESET ROLE;
    RETURN seen;
END;
$$;
SELECT r AS role, pg_temp.metrics_seen(r) AS queues
  FROM (VALUES ('pv_owner'), ('pv_consumer'), ('pv_monitor'), ('pv_producer'), ('pv_nobody')) v(r)
 ORDER BY 1;

-- A consumer with plain table rights (no sequence): every message
-- operation works; metrics needs the sequence for total_messages.
CREATE ROLE pv_table_consumer;
GRANT SELECT, UPDATE, DELETE ON pgmq.q_pv_q TO pv_table_consumer;
GRANT INSERT, SELECT ON pgmq.a_pv_q TO pv_table_consumer;
SET ROLE pv_table_consumer;
SELECT msg_id FROM pgmq.read('pv_q', 0, 1);
SELECT msg_id FROM pgmq.pop('pv_q');
SELECT pgmq.archive('pv_q', 2::bigint);
SELECT pgmq.delete('pv_q', 3::bigint);
SELECT count(*) FROM pgmq.metrics_all() WHERE queue_name LIKE 'pv%';
SELECT queue_length FROM pgmq.metrics('pv_q');
RESET ROLE;

-- Owner triggers never run with the rights of whoever purges: purge_queue
-- runs the TRUNCATE as the table's owner.
CREATE TABLE public.pv_trigger_log (who TEXT);
GRANT INSERT ON public.pv_trigger_log TO PUBLIC;
SET ROLE pv_owner;
CREATE FUNCTION public.pv_log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.pv_trigger_log VALUES (current_user);
    RETURN NULL;
END;
$$;
CREATE TRIGGER pv_on_truncate AFTER TRUNCATE ON pgmq.q_pv_other
    FOR EACH STATEMENT EXECUTE FUNCTION public.pv_log_truncate();
RESET ROLE;
SELECT pgmq.purge_queue('pv_other');
SELECT who FROM public.pv_trigger_log;
-- ... and as the owner, within a security-restricted operation.
SELECT current_user = session_user AS role_restored;

-- Moving rows between partitions would fire row triggers as the caller:
-- repair_partitions refuses a table with another role's trigger.
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
SELECT pgmq.create_partitioned('pv_part', '10', '100');
DO $$
DECLARE
    t REGCLASS;
BEGIN
    FOR t IN SELECT relid FROM pg_partition_tree('pgmq.q_pv_part')
             UNION ALL SELECT relid FROM pg_partition_tree('pgmq.a_pv_part') LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO pv_owner', t);
    END LOOP;
END;
$$;
SET ROLE pv_owner;
CREATE FUNCTION public.pv_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.pv_trigger_log VALUES (current_user);
    RETURN NULL;
END;
$$;
CREATE TRIGGER pv_on_insert AFTER INSERT ON pgmq.q_pv_part
    FOR EACH ROW EXECUTE FUNCTION public.pv_log_row();
RESET ROLE;
\set VERBOSITY default
SELECT pgmq.repair_partitions('pv_part');
\set VERBOSITY terse
SELECT count(*) AS trigger_ran FROM public.pv_trigger_log WHERE who <> 'pv_owner';
-- A consumer's grants are on the parent tables, which do not reach the
-- default partitions: metrics leave their count NULL instead of failing.
SET ROLE pv_owner;
SELECT pgmq.grant_consume('pv_part', 'pv_consumer');
SET ROLE pv_consumer;
SELECT queue_length, default_partition_length FROM pgmq.metrics('pv_part');
SELECT queue_name, default_partition_length FROM pgmq.metrics_all() WHERE queue_name LIKE 'pv%' ORDER BY 1;
RESET ROLE;
SELECT default_partition_length FROM pgmq.metrics('pv_part');
SELECT pgmq.drop_queue('pv_part');
DROP EXTENSION pg_partman;
DROP SCHEMA partman;

-- A registry row whose table is gone: only an admin (or the superuser)
-- may remove it; anyone else's drop_queue leaves it.
INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('pv_ghost', false, false);
SET ROLE pv_nobody;
SELECT pgmq.drop_queue('pv_ghost');
SET ROLE pv_admin;
SELECT count(*) AS ghost_rows FROM pgmq.meta WHERE queue_name = 'pv_ghost';
SELECT pgmq.drop_queue('pv_ghost');
SELECT count(*) AS ghost_rows FROM pgmq.meta WHERE queue_name = 'pv_ghost';
RESET ROLE;

-- Row level security: one queue shared by tenants, each seeing only its
-- own messages on every read path.
CREATE ROLE pv_tenant_a;
CREATE ROLE pv_tenant_b;
SET ROLE pv_owner;
SELECT pgmq.create('pv_shared');
SELECT pgmq.grant_send('pv_shared', 'pv_tenant_a');
SELECT pgmq.grant_send('pv_shared', 'pv_tenant_b');
SELECT pgmq.grant_consume('pv_shared', 'pv_tenant_a');
SELECT pgmq.grant_consume('pv_shared', 'pv_tenant_b');
ALTER TABLE pgmq.q_pv_shared ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON pgmq.q_pv_shared
    USING (message OPERATOR(pg_catalog.->>) 'tenant' = current_user)
    WITH CHECK (message OPERATOR(pg_catalog.->>) 'tenant' = current_user);
RESET ROLE;
SET ROLE pv_tenant_a;
SELECT count(*) FROM pgmq.send('pv_shared', '{"tenant": "pv_tenant_a", "n": 1}');
SELECT count(*) FROM pgmq.send('pv_shared', '{"tenant": "pv_tenant_a", "n": 2}');
SELECT pg_temp.try('pv_tenant_a', $$SELECT * FROM pgmq.send('pv_shared', '{"tenant": "pv_tenant_b"}')$$) AS send_as_other;
SET ROLE pv_tenant_b;
SELECT count(*) FROM pgmq.send('pv_shared', '{"tenant": "pv_tenant_b", "n": 3}');
SELECT queue_length, queue_visible_length FROM pgmq.metrics('pv_shared');
SELECT message->>'n' AS n FROM pgmq.read('pv_shared', 0, 10);
SELECT message->>'n' AS n FROM pgmq.read('pv_shared', 0, 10, '{"n": 1}');
SELECT message->>'n' AS n FROM pgmq.read_grouped('pv_shared', 0, 10);
SELECT message->>'n' AS n FROM pgmq.read_grouped_rr('pv_shared', 0, 10);
SELECT message->>'n' AS n FROM pgmq.read_grouped_head('pv_shared', 0, 10);
SELECT count(*) FROM pgmq.set_vt('pv_shared', ARRAY[1, 2, 3]::bigint[], 0);
SELECT pgmq.delete('pv_shared', 1::bigint) AS delete_other_tenants;
SELECT message->>'n' AS n FROM pgmq.pop('pv_shared', 10);
SET ROLE pv_tenant_a;
SELECT queue_length FROM pgmq.metrics('pv_shared');
SELECT message->>'n' AS n FROM pgmq.read_with_poll('pv_shared', 0, 10, 1, 10);
SELECT pgmq.archive('pv_shared', 1::bigint);
RESET ROLE;
SELECT queue_name, queue_length FROM pgmq.metrics_all() WHERE queue_name = 'pv_shared';

\set VERBOSITY default
-- An empty role name is refused as a bad argument, not a syntax error.
SELECT pgmq.grant_admin('');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.grant_send('pv_q', '');
\echo :LAST_ERROR_SQLSTATE
SELECT pgmq.revoke_consume('pv_q', '');
\echo :LAST_ERROR_SQLSTATE
-- Clean up.
SET ROLE pv_owner;
SELECT pgmq.drop_queue('pv_q');
SELECT pgmq.drop_queue('pv_other');
SELECT pgmq.drop_queue('pv_shared');
DROP FUNCTION public.pv_log_truncate();
DROP FUNCTION public.pv_log_row();
RESET ROLE;
DROP TABLE public.pv_trigger_log;
DROP OWNED BY pv_admin, pv_owner, pv_producer, pv_consumer, pv_monitor, pv_nobody,
              pv_table_consumer, pv_tenant_a, pv_tenant_b;
DROP ROLE pv_admin, pv_owner, pv_producer, pv_consumer, pv_monitor, pv_nobody,
          pv_table_consumer, pv_tenant_a, pv_tenant_b;
SELECT count(*) AS queues_left FROM pgmq.meta WHERE queue_name LIKE 'pv%';
