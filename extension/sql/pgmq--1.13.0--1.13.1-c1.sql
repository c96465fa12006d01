-- Upgrade of pgmq from 1.13.0 (the first C release) to 1.13.1-c1.
--
-- Every change to the schema since 1.13.0 is repeated here, in the order
-- it was made: an upgraded database must end up exactly as a fresh install
-- of 1.13.1-c1 (t/011_upgrade.pl compares the two object by object).
-- pgmq--1.13.0.sql is the frozen install script of 1.13.0: never edit it.

\echo Use "ALTER EXTENSION pgmq UPDATE" to load this file. \quit

-- Upstream pgmq 1.13.0 has the same version string: a database running it
-- must not be "updated" with this script, which would leave upstream's
-- functions under this version. Only this extension has C functions.
DO $upstream_guard$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                    WHERE p.oid = pg_catalog.to_regprocedure('pgmq._registered_name(text)')
                      AND p.prolang = (SELECT l.oid FROM pg_catalog.pg_language l WHERE l.lanname = 'c')) THEN
        RAISE EXCEPTION 'the installed pgmq 1.13.0 is upstream pgmq, which ALTER EXTENSION pgmq UPDATE cannot switch to this extension'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run pgmq_adopt_upstream.sql from the extension directory instead; it keeps every queue (docs/migrating.md).';
    END IF;
END
$upstream_guard$;

-- convert_archive_partitioned: the archive index of a queue named with a
-- case variant is found.
CREATE OR REPLACE FUNCTION pgmq.convert_archive_partitioned(
    table_name TEXT,
    partition_interval TEXT DEFAULT '10000',
    retention_interval TEXT DEFAULT '100000',
    leading_partition INTEGER DEFAULT 10
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    atable TEXT;
    aindex TEXT;
    acol TEXT;
    kind "char";
BEGIN
    PERFORM pgmq.validate_queue_name(table_name);
    PERFORM pgmq._ensure_pg_partman_installed();
    PERFORM pgmq._check_partman_name(table_name);
    PERFORM pgmq._check_partition_args(partition_interval, retention_interval);
    IF pgmq._get_partition_col(partition_interval) = 'msg_id' THEN
        partition_interval := partition_interval::BIGINT::TEXT;
        retention_interval := retention_interval::BIGINT::TEXT;
    END IF;
    atable := pgmq.format_table_name(table_name, 'a');
    SELECT c.relkind INTO kind FROM pg_catalog.pg_class c
     WHERE c.relname = atable AND c.relnamespace = 'pgmq'::regnamespace;
    IF kind IS NULL THEN
        RAISE NOTICE 'Table % does not exist', atable;
        RETURN;
    END IF;
    IF kind = 'p' THEN
        RAISE NOTICE 'Table % is already partitioned', atable;
        RETURN;
    END IF;
    PERFORM pgmq._lock_queue_names(table_name);
    -- The archive's index is named after the queue as it was created: a
    -- case variant of the name (which means the same queue) must find it.
    aindex := 'archived_at_idx_' OPERATOR(pg_catalog.||)
              COALESCE(pgmq._registered_name(table_name), table_name);
    -- No queue may be named like the archive's partitions-to-be.
    PERFORM pgmq._check_name_free(table_name, true);
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', atable OPERATOR(pg_catalog.||) '_old')) IS NOT NULL THEN
        RAISE EXCEPTION 'cannot set the archive of queue "%" aside: pgmq.% already exists', table_name,
                        atable OPERATOR(pg_catalog.||) '_old'
            USING ERRCODE = 'duplicate_table',
                  HINT = 'Drop or rename that table first.';
    END IF;
    acol := CASE WHEN pgmq._get_partition_col(partition_interval) = 'msg_id' THEN 'msg_id' ELSE 'archived_at' END;

    EXECUTE pg_catalog.format('ALTER TABLE pgmq.%I RENAME TO %I', atable, atable OPERATOR(pg_catalog.||) '_old');
    EXECUTE pg_catalog.format('ALTER INDEX IF EXISTS pgmq.%I RENAME TO %I',
                              aindex, aindex OPERATOR(pg_catalog.||) '_old');
    IF acol = 'msg_id' THEN
        EXECUTE pg_catalog.format(
            'CREATE TABLE pgmq.%I (LIKE pgmq.%I INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (msg_id)',
            atable, atable OPERATOR(pg_catalog.||) '_old');
    ELSE
        EXECUTE pg_catalog.format(
            'CREATE TABLE pgmq.%I (LIKE pgmq.%I INCLUDING DEFAULTS INCLUDING COMMENTS) PARTITION BY RANGE (archived_at)',
            atable, atable OPERATOR(pg_catalog.||) '_old');
    END IF;
    EXECUTE pg_catalog.format('CREATE INDEX %I ON pgmq.%I (archived_at)', aindex, atable);
    PERFORM pgmq._partman_create_parent('pgmq.' OPERATOR(pg_catalog.||) atable, acol,
                                        partition_interval, 4, retention_interval, false);
    EXECUTE pg_catalog.format('UPDATE %I.part_config SET infinite_time_partitions = true WHERE parent_table = $1',
                              pgmq._get_pg_partman_schema())
      USING 'pgmq.' OPERATOR(pg_catalog.||) atable;
    PERFORM pgmq._add_default_partition_trigger(table_name, atable);
END;
$$;

-- Drop-in with upstream 1.13.1: void results (PL/pgSQL, not SQL, functions),
-- upstream's SQLSTATE P0001 and texts for notify and topic checks, the
-- missing-queue text of create_fifo_index, and the NOTICE of
-- DROP TRIGGER IF EXISTS in enable_notify_insert/disable_notify_insert.

CREATE OR REPLACE FUNCTION pgmq.acquire_queue_lock(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtext('pgmq.queue_' OPERATOR(pg_catalog.||) pg_catalog.lower(queue_name)));
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.create_non_partitioned(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_queue(queue_name, false); END; $$;

CREATE OR REPLACE FUNCTION pgmq.create_unlogged(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_queue(queue_name, true); END; $$;

CREATE OR REPLACE FUNCTION pgmq."create"(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_queue(queue_name, false); END; $$;

CREATE OR REPLACE FUNCTION pgmq._create_fifo_index_if_not_exists(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qtable TEXT;
    idx TEXT;
    am NAME;
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    qtable := pgmq.format_table_name(queue_name, 'q');
    idx := qtable OPERATOR(pg_catalog.||) '_fifo_idx';
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', qtable)) IS NULL THEN
        RAISE EXCEPTION 'relation "pgmq.%" does not exist', qtable
            USING ERRCODE = 'undefined_table',
                  DETAIL = pg_catalog.format('Queue "%s" does not exist.', queue_name),
                  HINT = pg_catalog.format('Create the queue first with pgmq.create(%L).', queue_name);
    END IF;
    -- Two calls at once: the second waits here, then finds the index (the
    -- table lock also makes it see the first one's catalog changes).
    PERFORM pgmq.acquire_queue_lock(queue_name);
    EXECUTE pg_catalog.format('LOCK TABLE ONLY pgmq.%I IN SHARE UPDATE EXCLUSIVE MODE', qtable);
    SELECT a.amname INTO am
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_am a ON a.oid = c.relam
     WHERE c.oid = pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', idx));
    IF am IS NOT NULL AND am <> 'btree' THEN
        RAISE NOTICE 'replacing the % index pgmq.% with a btree index that grouped reads can use', am, idx;
        EXECUTE pg_catalog.format('DROP INDEX pgmq.%I', idx);
    END IF;
    -- The expression must stay identical to FIFO_KEY in src/plans.c.
    EXECUTE pg_catalog.format(
        $ddl$CREATE INDEX IF NOT EXISTS %I ON pgmq.%I
             ((COALESCE(headers ->> 'x-pgmq-group'::text, '_default_fifo_group'::text)), msg_id)$ddl$,
        idx, qtable);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.create_fifo_index(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_fifo_index_if_not_exists(queue_name); END; $$;

DROP FUNCTION pgmq._check_notify_args(TEXT, INTEGER);

CREATE FUNCTION pgmq._check_notify_args(queue_name TEXT, throttle_interval_ms INTEGER, updating BOOLEAN)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    IF throttle_interval_ms IS NULL THEN
        RAISE EXCEPTION 'throttle_interval_ms cannot be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF throttle_interval_ms < 0 THEN
        IF updating THEN
            RAISE EXCEPTION 'throttle_interval_ms must be non-negative, got: %', throttle_interval_ms;
        END IF;
        RAISE EXCEPTION 'throttle_interval_ms must be non-negative'
            USING DETAIL = pg_catalog.format('Got: %s.', throttle_interval_ms);
    END IF;
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'))) IS NULL
       OR NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = _check_notify_args.queue_name) THEN
        IF updating THEN
            RAISE EXCEPTION 'Queue "%" does not exist. Create the queue first using pgmq.create()', queue_name;
        END IF;
        RAISE EXCEPTION 'Queue "%" does not exist. Create it first using pgmq.create()', queue_name;
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq._drop_notify_trigger(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS trigger_notify_queue_insert_listeners ON pgmq.%I',
                              pgmq.format_table_name(queue_name, 'q'));
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.enable_notify_insert(queue_name TEXT, throttle_interval_ms INTEGER DEFAULT 250)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq._check_notify_args(queue_name, throttle_interval_ms, false);
    INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms, last_notified_at)
    VALUES (queue_name, throttle_interval_ms, pg_catalog.to_timestamp(0))
    ON CONFLICT ON CONSTRAINT notify_insert_throttle_queue_name_key
    DO UPDATE SET throttle_interval_ms = EXCLUDED.throttle_interval_ms,
                  last_notified_at = EXCLUDED.last_notified_at;
    PERFORM pgmq._create_notify_trigger(queue_name, throttle_interval_ms);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.disable_notify_insert(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    PERFORM pgmq._drop_notify_trigger(queue_name);
    DELETE FROM pgmq.notify_insert_throttle t WHERE t.queue_name = disable_notify_insert.queue_name;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.update_notify_insert(queue_name TEXT, throttle_interval_ms INTEGER)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq._check_notify_args(queue_name, throttle_interval_ms, true);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg
                    WHERE tg.tgname = 'trigger_notify_queue_insert_listeners'
                      AND tg.tgrelid = pg_catalog.to_regclass(pg_catalog.format('pgmq.%I',
                                           pgmq.format_table_name(queue_name, 'q')))) THEN
        RAISE EXCEPTION 'Queue "%" does not have notify_insert enabled. Enable it first using pgmq.enable_notify_insert()', queue_name;
    END IF;
    INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms, last_notified_at)
    VALUES (queue_name, throttle_interval_ms, pg_catalog.to_timestamp(0))
    ON CONFLICT ON CONSTRAINT notify_insert_throttle_queue_name_key
    DO UPDATE SET throttle_interval_ms = EXCLUDED.throttle_interval_ms,
                  last_notified_at = EXCLUDED.last_notified_at;
    PERFORM pgmq._create_notify_trigger(queue_name, throttle_interval_ms);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.bind_topic(pattern TEXT, queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq.validate_topic_pattern(pattern);
    IF queue_name IS NULL OR queue_name = '' THEN
        RAISE EXCEPTION 'queue_name cannot be NULL or empty';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = bind_topic.queue_name) THEN
        RAISE EXCEPTION 'Queue "%" does not exist. Create the queue first using pgmq.create()', queue_name;
    END IF;
    INSERT INTO pgmq.topic_bindings (pattern, queue_name)
    VALUES (pattern, queue_name)
    ON CONFLICT ON CONSTRAINT topic_bindings_unique_pattern_queue DO NOTHING;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.unbind_topic(pattern TEXT, queue_name TEXT)
RETURNS BOOLEAN
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed INTEGER;
BEGIN
    IF pattern IS NULL OR pattern = '' THEN
        RAISE EXCEPTION 'pattern cannot be NULL or empty';
    END IF;
    IF queue_name IS NULL OR queue_name = '' THEN
        RAISE EXCEPTION 'queue_name cannot be NULL or empty';
    END IF;
    DELETE FROM pgmq.topic_bindings b
     WHERE b.pattern = unbind_topic.pattern AND b.queue_name = unbind_topic.queue_name;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed > 0;
END;
$$;


-- The seed's pgmq 0.2.0 names in schema public (see pgmq.sql).
-- 0.2.0's pgmq_read and pgmq_pop rows: vt before enqueued_at, no
-- last_read_at nor headers.
CREATE TYPE pgmq.seed_message_record AS (
    msg_id BIGINT,
    read_ct INTEGER,
    vt TIMESTAMP WITH TIME ZONE,
    enqueued_at TIMESTAMP WITH TIME ZONE,
    message JSONB
);

DO $seed$
BEGIN
    IF pg_catalog.to_regnamespace('public') IS NULL THEN
        RAISE WARNING 'schema "public" does not exist: the pgmq 0.2.0 function names (pgmq_create, pgmq_send, ...) are not installed'
            USING HINT = 'Create schema public, then DROP EXTENSION pgmq and CREATE EXTENSION pgmq (queues are kept), or use the pgmq.* functions.';
        RETURN;
    END IF;

    CREATE FUNCTION public.pgmq_create(queue_name TEXT)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN PERFORM pgmq."create"(queue_name); END; $$;

    -- 0.2.0 partitioned by msg_id only, partition_size ids per partition.
    CREATE FUNCTION public.pgmq_create_partitioned(queue_name TEXT, partition_size BIGINT DEFAULT 10000)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF partition_size IS NULL OR partition_size < 1 THEN
            RAISE EXCEPTION 'partition_size must be at least 1, got %', partition_size
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        PERFORM pgmq.create_partitioned(queue_name, partition_size::TEXT);
    END;
    $$;

    -- One id, not a set (0.2.0's shape).
    CREATE FUNCTION public.pgmq_send(queue_name TEXT, message JSONB)
    RETURNS BIGINT
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT s FROM pgmq.send($1, $2) s $$;

    CREATE FUNCTION public.pgmq_read(queue_name TEXT, vt INTEGER, "limit" INTEGER)
    RETURNS SETOF pgmq.seed_message_record
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT r.msg_id, r.read_ct, r.vt, r.enqueued_at, r.message
          FROM pgmq.read($1, $2, $3) r
    $$;

    CREATE FUNCTION public.pgmq_pop(queue_name TEXT)
    RETURNS SETOF pgmq.seed_message_record
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT r.msg_id, r.read_ct, r.vt, r.enqueued_at, r.message
          FROM pgmq.pop($1) r
    $$;

    -- 0.2.0 warned when there was nothing to delete.
    CREATE FUNCTION public.pgmq_delete(queue_name TEXT, msg_id BIGINT)
    RETURNS BOOLEAN
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF pgmq.delete(queue_name, msg_id) THEN
            RETURN true;
        END IF;
        RAISE WARNING 'no message found with msg_id: %', msg_id;
        RETURN false;
    END;
    $$;

    CREATE FUNCTION public.pgmq_archive(queue_name TEXT, msg_id BIGINT)
    RETURNS BOOLEAN
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT pgmq.archive($1, $2) $$;

    CREATE FUNCTION public.pgmq_list_queues()
    RETURNS TABLE (queue_name TEXT, created_at TIMESTAMP WITH TIME ZONE)
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT m.queue_name::TEXT, m.created_at FROM pgmq.meta m ORDER BY m.queue_name $$;
END;
$seed$;

-- Makes the queue's msg_id sequence logged if it is unlogged (an unlogged
-- sequence starts over after a crash, so ids would be issued again): true
-- if it did. A caller who does not own it gets a WARNING and false. See
-- ids.c; sends of the queue's owner do the same on their own.
CREATE FUNCTION pgmq._make_id_sequence_logged(queue_name TEXT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_make_id_sequence_logged'
LANGUAGE C;

-- _create_queue: create() of an existing queue makes an unlogged msg_id
-- sequence logged.
-- Creates the queue and archive tables of a plain or unlogged queue and
-- registers it in pgmq.meta. Idempotent for the same name.
CREATE OR REPLACE FUNCTION pgmq._create_queue(queue_name TEXT, unlogged BOOLEAN)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qtable TEXT;
    atable TEXT;
    existing_kind "char";
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    qtable := pgmq.format_table_name(queue_name, 'q');
    atable := pgmq.format_table_name(queue_name, 'a');

    -- The queue is there (the start-up call of every client): say so as
    -- the statements below would, without taking their SHARE locks, which
    -- would block the queue's traffic until this transaction ends. The
    -- queue lock in shared mode keeps a drop from starting until then; a
    -- create or drop in progress holds it and sends this call down the
    -- slow path, which waits for it and looks again.
    existing_kind := pgmq._queue_in_place(queue_name);
    IF existing_kind IS NOT NULL THEN
        IF pgmq._try_queue_lock_shared(queue_name) THEN
            existing_kind := pgmq._queue_in_place(queue_name);
        ELSE
            existing_kind := NULL;
        END IF;
    END IF;
    IF existing_kind IS NULL THEN
        PERFORM pgmq._lock_queue_names(queue_name);
        existing_kind := pgmq._queue_in_place(queue_name);
    END IF;
    IF existing_kind = 'r' THEN
        PERFORM pgmq._make_id_sequence_logged(queue_name);
        RAISE NOTICE 'relation "%" already exists, skipping', qtable USING ERRCODE = 'duplicate_table';
        RAISE NOTICE 'relation "%" already exists, skipping', atable USING ERRCODE = 'duplicate_table';
        RAISE NOTICE 'relation "%" already exists, skipping', qtable OPERATOR(pg_catalog.||) '_vt_idx'
            USING ERRCODE = 'duplicate_table';
        RAISE NOTICE 'relation "%" already exists, skipping', 'archived_at_idx_' OPERATOR(pg_catalog.||) queue_name
            USING ERRCODE = 'duplicate_table';
        RETURN;
    END IF;

    PERFORM pgmq._check_case_conflict(queue_name);

    IF existing_kind IS NULL THEN
        SELECT c.relkind INTO existing_kind FROM pg_catalog.pg_class c
         WHERE c.relname = qtable AND c.relnamespace = 'pgmq'::regnamespace;
    END IF;
    IF existing_kind IS NOT NULL THEN
        PERFORM pgmq._check_queue_owner(queue_name);
    END IF;
    IF existing_kind = 'p' THEN
        PERFORM pgmq._make_id_sequence_logged(queue_name);
        RAISE NOTICE 'pgmq queue "%" already exists as a partitioned queue, skipping', queue_name;
        RETURN;
    END IF;
    PERFORM pgmq._check_name_free(queue_name, false);

    EXECUTE pg_catalog.format('CREATE %s TABLE IF NOT EXISTS pgmq.%I (%s)',
                              CASE WHEN unlogged THEN 'UNLOGGED' ELSE '' END, qtable,
                              pgmq._columns('q', 'BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY'));
    EXECUTE pg_catalog.format('CREATE TABLE IF NOT EXISTS pgmq.%I (%s)',
                              atable, pgmq._columns('a', 'BIGINT PRIMARY KEY'));

    IF unlogged THEN
        -- An unlogged table's identity sequence is unlogged too and starts
        -- over after a crash, so msg_ids would repeat and collide with the
        -- (logged) archive. A logged sequence keeps them unique; it only
        -- costs a WAL record every 32 ids.
        EXECUTE pg_catalog.format('ALTER SEQUENCE %s SET LOGGED',
                                  pg_catalog.pg_get_serial_sequence(pg_catalog.format('pgmq.%I', qtable), 'msg_id'));
    END IF;
    PERFORM pgmq._add_low_water_guard(qtable);
    EXECUTE pg_catalog.format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (vt ASC)',
                              qtable OPERATOR(pg_catalog.||) '_vt_idx', qtable);
    EXECUTE pg_catalog.format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (archived_at)',
                              'archived_at_idx_' OPERATOR(pg_catalog.||) queue_name, atable);
    PERFORM pgmq._grant_monitor(queue_name);

    INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged)
    VALUES (queue_name, false, unlogged)
    ON CONFLICT DO NOTHING;
END;
$$;

-- Queues of this database whose msg_id sequence is unlogged (made by
-- upstream pgmq, restored from a dump, ALTER SEQUENCE ... SET UNLOGGED) are
-- repaired now; one the updating role does not own gets a WARNING and is
-- repaired by its owner's next send or create().
DO $repair$
DECLARE
    q RECORD;
BEGIN
    FOR q IN SELECT m.queue_name FROM pgmq.meta m ORDER BY 1 LOOP
        BEGIN
            PERFORM pgmq._make_id_sequence_logged(q.queue_name);
        EXCEPTION WHEN undefined_table THEN
            NULL;
        END;
    END LOOP;
END;
$repair$;

-- Queue policies, dead-letter queues, redrive and retention (issue 15).
---------------------------------------------------------------------------
-- Queue policies: dead-letter queues, default visibility timeout and
-- retention (not in pgmq 1.13; docs/dead-letter-queues.md, docs/retention.md)
---------------------------------------------------------------------------

-- One row per queue with a policy, apart from pgmq.meta so that
-- list_queues and clients reading meta see nothing new. A queue's row goes
-- with the queue; a queue that another queue dead-letters into cannot be
-- dropped before that policy is cleared.
CREATE TABLE pgmq.queue_policy (
    queue_name VARCHAR PRIMARY KEY
        REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
    dead_letter_queue VARCHAR
        REFERENCES pgmq.meta (queue_name),
    max_deliveries INTEGER
        CHECK (max_deliveries BETWEEN 1 AND 2147483646),
    default_vt INTEGER CHECK (default_vt >= 0),
    message_retention INTERVAL CHECK (message_retention > '0'::interval),
    archive_retention INTERVAL CHECK (archive_retention > '0'::interval),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT pg_catalog.now(),
    CHECK ((dead_letter_queue IS NULL) = (max_deliveries IS NULL)),
    CHECK (dead_letter_queue IS DISTINCT FROM queue_name)
);
SELECT pg_catalog.pg_extension_config_dump('pgmq.queue_policy', '');
CREATE INDEX queue_policy_dead_letter_queue_idx ON pgmq.queue_policy (dead_letter_queue);
GRANT SELECT ON pgmq.queue_policy TO pg_monitor;

-- Tells every backend that queue_name's policy changed: its cached copy
-- (plans.c) is dropped at the next use, as after ALTER TABLE.
CREATE FUNCTION pgmq._policy_changed(queue_name TEXT)
RETURNS void
AS 'MODULE_PATHNAME', 'pgmq_policy_changed'
LANGUAGE C STRICT;

CREATE FUNCTION pgmq._queue_policy_trigger()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pgmq._policy_changed(OLD.queue_name);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pgmq._policy_changed(NEW.queue_name);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER queue_policy_changed AFTER INSERT OR UPDATE OR DELETE ON pgmq.queue_policy
    FOR EACH ROW EXECUTE FUNCTION pgmq._queue_policy_trigger();

-- The registered name of queue_name; 42P01 if there is no such queue.
CREATE FUNCTION pgmq._policy_queue(queue_name TEXT)
RETURNS TEXT
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    registered TEXT;
BEGIN
    IF queue_name IS NULL THEN
        RAISE EXCEPTION 'queue_name cannot be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT m.queue_name INTO registered FROM pgmq.meta m
     WHERE m.queue_name = _policy_queue.queue_name;
    IF registered IS NULL
       OR pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(registered, 'q'))) IS NULL THEN
        RAISE EXCEPTION 'queue "%" does not exist', queue_name
            USING ERRCODE = 'undefined_table',
                  HINT = pg_catalog.format('Create the queue first with pgmq.create(%L).', queue_name);
    END IF;
    RETURN registered;
END;
$$;

-- Sets the given parts of queue_name's policy; NULL arguments keep what is
-- set (clear_policy removes parts). dead_letter_queue and max_deliveries
-- go together. Returns the policy as it now is.
CREATE FUNCTION pgmq.set_policy(
    queue_name TEXT,
    dead_letter_queue TEXT DEFAULT NULL,
    max_deliveries INTEGER DEFAULT NULL,
    default_vt INTEGER DEFAULT NULL,
    message_retention INTERVAL DEFAULT NULL,
    archive_retention INTERVAL DEFAULT NULL
)
RETURNS pgmq.queue_policy
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src TEXT := pgmq._policy_queue(queue_name);
    dlq TEXT;
    old pgmq.queue_policy;
    result pgmq.queue_policy;
    hop TEXT;
    path TEXT;
    src_owner REGROLE;
BEGIN
    PERFORM pgmq._check_queue_owner(src);
    -- One policy change at a time, so that two concurrent changes cannot
    -- make a cycle that neither sees.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgmq.queue_policy'));
    SELECT * INTO old FROM pgmq.queue_policy p WHERE p.queue_name = src FOR UPDATE;

    IF (dead_letter_queue IS NULL) <> (max_deliveries IS NULL) THEN
        RAISE EXCEPTION 'dead_letter_queue and max_deliveries must be given together'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use pgmq.clear_policy(queue_name, ''dead_letter'') to remove a dead-letter queue.';
    END IF;
    IF max_deliveries IS NOT NULL AND (max_deliveries < 1 OR max_deliveries > 2147483646) THEN
        RAISE EXCEPTION 'max_deliveries must be between 1 and 2147483646, got %', max_deliveries
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF default_vt IS NOT NULL AND default_vt < 0 THEN
        RAISE EXCEPTION 'default_vt must not be negative, got %', default_vt
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF message_retention IS NOT NULL AND message_retention <= '0'::interval THEN
        RAISE EXCEPTION 'message_retention must be positive, got %', message_retention
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF archive_retention IS NOT NULL AND archive_retention <= '0'::interval THEN
        RAISE EXCEPTION 'archive_retention must be positive, got %', archive_retention
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF dead_letter_queue IS NOT NULL THEN
        dlq := pgmq._policy_queue(dead_letter_queue);
        IF pg_catalog.lower(dlq) = pg_catalog.lower(src) THEN
            RAISE EXCEPTION 'queue "%" cannot be its own dead-letter queue', src
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- Follow the chain from the new target: reaching src is a cycle.
        hop := dlq;
        path := pg_catalog.format('%s -> %s', src, dlq);
        LOOP
            SELECT p.dead_letter_queue INTO hop FROM pgmq.queue_policy p
             WHERE p.queue_name = hop AND p.dead_letter_queue IS NOT NULL;
            EXIT WHEN NOT FOUND OR hop IS NULL;
            path := path OPERATOR(pg_catalog.||) ' -> ' OPERATOR(pg_catalog.||) hop;
            IF hop = src THEN
                RAISE EXCEPTION 'dead-letter queue "%" would make a cycle', dlq
                    USING ERRCODE = 'invalid_parameter_value',
                          DETAIL = pg_catalog.format('The chain would be %s.', path);
            END IF;
        END LOOP;
        -- Dead-lettering runs as the owner of the source queue (a consumer
        -- needs no right on the dead-letter queue), so that owner must be
        -- able to insert into it.
        SELECT c.relowner::regrole INTO src_owner FROM pg_catalog.pg_class c
         WHERE c.oid = pg_catalog.format('pgmq.%I', pgmq.format_table_name(src, 'q'))::regclass;
        IF NOT pg_catalog.has_table_privilege(src_owner::oid,
                   pg_catalog.format('pgmq.%I', pgmq.format_table_name(dlq, 'q')), 'INSERT') THEN
            RAISE EXCEPTION 'owner of queue "%" cannot send to queue "%"', src, dlq
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = pg_catalog.format('Role %s has no INSERT privilege on table pgmq.%I.',
                                                 src_owner, pgmq.format_table_name(dlq, 'q')),
                      HINT = pg_catalog.format('Grant it with pgmq.grant_send(%L, %L).', dlq, src_owner::text);
        END IF;
    END IF;

    INSERT INTO pgmq.queue_policy AS p
        (queue_name, dead_letter_queue, max_deliveries, default_vt, message_retention, archive_retention)
    VALUES (src, dlq, max_deliveries, default_vt, message_retention, archive_retention)
    ON CONFLICT ON CONSTRAINT queue_policy_pkey DO UPDATE SET
        dead_letter_queue = COALESCE(EXCLUDED.dead_letter_queue, p.dead_letter_queue),
        max_deliveries = COALESCE(EXCLUDED.max_deliveries, p.max_deliveries),
        default_vt = COALESCE(EXCLUDED.default_vt, p.default_vt),
        message_retention = COALESCE(EXCLUDED.message_retention, p.message_retention),
        archive_retention = COALESCE(EXCLUDED.archive_retention, p.archive_retention),
        updated_at = pg_catalog.now()
    RETURNING * INTO result;
    RETURN result;
END;
$$;

-- Removes one part of queue_name's policy ('dead_letter', 'default_vt',
-- 'message_retention', 'archive_retention') or, with NULL, all of it.
-- Returns whether that part was set.
CREATE FUNCTION pgmq.clear_policy(queue_name TEXT, setting TEXT DEFAULT NULL)
RETURNS BOOLEAN
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src TEXT := pgmq._policy_queue(queue_name);
    old pgmq.queue_policy;
    was_set BOOLEAN;
BEGIN
    PERFORM pgmq._check_queue_owner(src);
    IF setting IS NOT NULL
       AND setting NOT IN ('dead_letter', 'default_vt', 'message_retention', 'archive_retention') THEN
        RAISE EXCEPTION 'unknown policy setting "%"', setting
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use dead_letter, default_vt, message_retention, archive_retention or NULL for all.';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgmq.queue_policy'));
    SELECT * INTO old FROM pgmq.queue_policy p WHERE p.queue_name = src FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    was_set := CASE setting
        WHEN 'dead_letter' THEN old.dead_letter_queue IS NOT NULL
        WHEN 'default_vt' THEN old.default_vt IS NOT NULL
        WHEN 'message_retention' THEN old.message_retention IS NOT NULL
        WHEN 'archive_retention' THEN old.archive_retention IS NOT NULL
        ELSE true END;
    UPDATE pgmq.queue_policy p SET
        dead_letter_queue = CASE WHEN setting IS NULL OR setting = 'dead_letter' THEN NULL ELSE p.dead_letter_queue END,
        max_deliveries = CASE WHEN setting IS NULL OR setting = 'dead_letter' THEN NULL ELSE p.max_deliveries END,
        default_vt = CASE WHEN setting IS NULL OR setting = 'default_vt' THEN NULL ELSE p.default_vt END,
        message_retention = CASE WHEN setting IS NULL OR setting = 'message_retention' THEN NULL ELSE p.message_retention END,
        archive_retention = CASE WHEN setting IS NULL OR setting = 'archive_retention' THEN NULL ELSE p.archive_retention END,
        updated_at = pg_catalog.now()
     WHERE p.queue_name = src;
    -- A row with nothing left in it goes.
    DELETE FROM pgmq.queue_policy p
     WHERE p.queue_name = src AND p.dead_letter_queue IS NULL AND p.default_vt IS NULL
       AND p.message_retention IS NULL AND p.archive_retention IS NULL;
    RETURN was_set;
END;
$$;

-- The policies of every queue that has one, or of queue_name.
CREATE FUNCTION pgmq.show_policy(queue_name TEXT DEFAULT NULL)
RETURNS SETOF pgmq.queue_policy
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF queue_name IS NOT NULL THEN
        queue_name := pgmq._policy_queue(queue_name);
        RETURN QUERY SELECT * FROM pgmq.queue_policy p WHERE p.queue_name = show_policy.queue_name;
    ELSE
        RETURN QUERY SELECT * FROM pgmq.queue_policy p ORDER BY p.queue_name;
    END IF;
END;
$$;

-- Moves messages from dead_letter_queue back to the queue each came from
-- (its x-pgmq-dead-letter-source header) or, if given, to target_queue:
-- oldest first, at most max_messages (NULL: all), in one transaction.
-- Messages another transaction holds locked are left for later. Moved
-- messages are new messages in their queue: visible at once, read_ct 0,
-- without the dead-letter headers. Returns how many moved.
CREATE FUNCTION pgmq.redrive(dead_letter_queue TEXT, target_queue TEXT DEFAULT NULL,
                             max_messages INTEGER DEFAULT NULL)
RETURNS BIGINT
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dlq TEXT := pgmq._policy_queue(dead_letter_queue);
    target TEXT;
    dtable TEXT;
    ids BIGINT[];
    dest TEXT;
    dests TEXT[];
    n BIGINT;
    total BIGINT := 0;
BEGIN
    IF max_messages IS NOT NULL AND max_messages < 0 THEN
        RAISE EXCEPTION 'max_messages must not be negative, got %', max_messages
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF target_queue IS NOT NULL THEN
        target := pgmq._policy_queue(target_queue);
        IF pg_catalog.lower(target) = pg_catalog.lower(dlq) THEN
            RAISE EXCEPTION 'cannot redrive queue "%" into itself', dlq
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    dtable := pgmq.format_table_name(dlq, 'q');

    -- Lock the messages to move, oldest first.
    EXECUTE pg_catalog.format(
        'SELECT pg_catalog.array_agg(msg_id ORDER BY msg_id) FROM'
        ' (SELECT msg_id FROM pgmq.%I'
        '   WHERE $1::text IS NOT NULL OR headers OPERATOR(pg_catalog.?) ''x-pgmq-dead-letter-source'''
        '   ORDER BY msg_id LIMIT $2 FOR UPDATE SKIP LOCKED) s', dtable)
        INTO ids USING target, max_messages;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;

    IF target IS NOT NULL THEN
        dests := ARRAY[target];
    ELSE
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.array_agg(DISTINCT headers OPERATOR(pg_catalog.->>) ''x-pgmq-dead-letter-source'')'
            ' FROM pgmq.%I WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1)', dtable)
            INTO dests USING ids;
        FOREACH dest IN ARRAY dests LOOP
            PERFORM pgmq._policy_queue(dest);
        END LOOP;
    END IF;

    FOREACH dest IN ARRAY dests LOOP
        EXECUTE pg_catalog.format(
            'WITH moved AS (DELETE FROM pgmq.%I d WHERE d.msg_id OPERATOR(pg_catalog.=) ANY ($1)'
            '   AND ($2::text IS NOT NULL OR d.headers OPERATOR(pg_catalog.->>) ''x-pgmq-dead-letter-source'' OPERATOR(pg_catalog.=) $3)'
            '   RETURNING d.msg_id, d.message, d.headers)'
            ' INSERT INTO pgmq.%I (vt, message, headers)'
            ' SELECT pg_catalog.clock_timestamp(), m.message,'
            '   NULLIF(m.headers OPERATOR(pg_catalog.-) ARRAY[''x-pgmq-dead-letter-source'', ''x-pgmq-dead-letter-msg-id'','
            '     ''x-pgmq-dead-letter-read-ct'', ''x-pgmq-dead-letter-at'', ''x-pgmq-dead-letter-enqueued-at'']::text[],'
            '     ''{}''::jsonb)'
            ' FROM moved m ORDER BY m.msg_id',
            dtable, pgmq.format_table_name(dest, 'q'))
            USING ids, target, dest;
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total OPERATOR(pg_catalog.+) n;
    END LOOP;
    RETURN total;
END;
$$;

-- Removes, in batches of at most batch_size rows per table, the messages
-- older than their queue's message_retention (by enqueued_at) and the
-- archive rows older than its archive_retention (by archived_at), for
-- queue_name or every queue with such a policy whose tables the caller may
-- delete from. Rows other transactions hold locked are left for the next
-- run. One row per queue that had something to remove. Call it from
-- pg_cron or any scheduler; the maintenance worker calls it until a run
-- removes nothing (docs/retention.md).
CREATE FUNCTION pgmq.run_retention(queue_name TEXT DEFAULT NULL, batch_size INTEGER DEFAULT 10000)
RETURNS TABLE (queue TEXT, messages_deleted BIGINT, archived_deleted BIGINT)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p RECORD;
    qtable TEXT;
    atable TEXT;
    cutoff TIMESTAMPTZ;
    nq BIGINT;
    na BIGINT;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be positive, got %', COALESCE(batch_size::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF run_retention.queue_name IS NOT NULL THEN
        PERFORM pgmq._policy_queue(run_retention.queue_name);
    END IF;
    FOR p IN SELECT r.queue_name, r.message_retention, r.archive_retention
               FROM pgmq.queue_policy r
              WHERE (r.message_retention IS NOT NULL OR r.archive_retention IS NOT NULL)
                AND (run_retention.queue_name IS NULL OR r.queue_name = pgmq._policy_queue(run_retention.queue_name))
              ORDER BY r.queue_name
    LOOP
        qtable := pgmq.format_table_name(p.queue_name, 'q');
        atable := pgmq.format_table_name(p.queue_name, 'a');
        nq := 0;
        na := 0;
        IF p.message_retention IS NOT NULL
           AND pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', qtable)) IS NOT NULL
           AND pg_catalog.has_table_privilege(pg_catalog.format('pgmq.%I', qtable), 'DELETE') THEN
            cutoff := pg_catalog.now() OPERATOR(pg_catalog.-) p.message_retention;
            EXECUTE pg_catalog.format(
                'DELETE FROM pgmq.%I m WHERE m.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY('
                ' SELECT c.msg_id FROM pgmq.%I c WHERE c.enqueued_at OPERATOR(pg_catalog.<) $1'
                ' ORDER BY c.msg_id LIMIT $2 FOR UPDATE SKIP LOCKED))', qtable, qtable)
                USING cutoff, batch_size;
            GET DIAGNOSTICS nq = ROW_COUNT;
        END IF;
        IF p.archive_retention IS NOT NULL
           AND pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', atable)) IS NOT NULL
           AND pg_catalog.has_table_privilege(pg_catalog.format('pgmq.%I', atable), 'DELETE') THEN
            cutoff := pg_catalog.now() OPERATOR(pg_catalog.-) p.archive_retention;
            EXECUTE pg_catalog.format(
                'DELETE FROM pgmq.%I m WHERE m.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY('
                ' SELECT c.msg_id FROM pgmq.%I c WHERE c.archived_at OPERATOR(pg_catalog.<) $1'
                ' ORDER BY c.archived_at LIMIT $2 FOR UPDATE SKIP LOCKED))', atable, atable)
                USING cutoff, batch_size;
            GET DIAGNOSTICS na = ROW_COUNT;
        END IF;
        IF nq > 0 OR na > 0 THEN
            queue := p.queue_name;
            messages_deleted := nq;
            archived_deleted := na;
            RETURN NEXT;
        END IF;
    END LOOP;
END;
$$;

-- drop_queue: a queue that is another queue's dead-letter queue stays.
CREATE OR REPLACE FUNCTION pgmq.drop_queue(queue_name TEXT)
RETURNS BOOLEAN
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qtable TEXT;
    atable TEXT;
    partitioned BOOLEAN;
    uses_partman BOOLEAN;
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    PERFORM pgmq._lock_queue_names(queue_name);
    qtable := pgmq.format_table_name(queue_name, 'q');
    atable := pgmq.format_table_name(queue_name, 'a');

    SELECT m.is_partitioned INTO partitioned FROM pgmq.meta m
     WHERE m.queue_name = drop_queue.queue_name;

    -- The tables of a queue registered under another case belong to it.
    IF partitioned IS NULL AND EXISTS (
        SELECT 1 FROM pgmq.meta m
         WHERE pg_catalog.lower(m.queue_name) = pg_catalog.lower(drop_queue.queue_name)) THEN
        RAISE NOTICE 'pgmq queue `%` does not exist', queue_name
            USING HINT = 'A queue whose name differs only in case exists; drop it by its own name.';
        RETURN false;
    END IF;

    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', qtable)) IS NULL THEN
        DELETE FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name;
        RAISE NOTICE 'pgmq queue `%` does not exist', queue_name;
        RETURN false;
    END IF;

    -- Unregistered tables are dropped as a queue's leftovers only if they
    -- could be one: never another queue's partition, index or sequence.
    IF partitioned IS NULL THEN
        BEGIN
            PERFORM pgmq._check_name_free(queue_name, false);
        EXCEPTION WHEN duplicate_table THEN
            RAISE NOTICE 'pgmq queue `%` does not exist', queue_name
                USING DETAIL = pg_catalog.format('Relation "pgmq.%s" is not a queue table: %s.', qtable, SQLERRM);
            RETURN false;
        END;
    END IF;

    -- Before any lock on the tables: a role that does not own the queue
    -- gets 42501 at once and blocks nobody.
    PERFORM pgmq._check_queue_owner(queue_name);
    -- Also for plain queues: convert_archive_partitioned may have
    -- partitioned the archive.
    SELECT pg_catalog.bool_or(c.relkind = 'p') INTO uses_partman FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relname IN (qtable, atable);

    -- A dead-letter queue in use stays (its messages came from elsewhere).
    IF EXISTS (SELECT 1 FROM pgmq.queue_policy p
                WHERE p.dead_letter_queue = drop_queue.queue_name) THEN
        RAISE EXCEPTION 'queue "%" is the dead-letter queue of queue "%"', queue_name,
            (SELECT p.queue_name FROM pgmq.queue_policy p
              WHERE p.dead_letter_queue = drop_queue.queue_name ORDER BY 1 LIMIT 1)
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Clear that policy first with pgmq.clear_policy(queue_name, ''dead_letter'').';
    END IF;
    -- The registry row goes first: its row policy needs the table.
    DELETE FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name;
    -- Lock order (see run_maintenance): queue lock, queue table, archive.
    EXECUTE pg_catalog.format('DROP TABLE IF EXISTS pgmq.%I', qtable);
    EXECUTE pg_catalog.format('DROP TABLE IF EXISTS pgmq.%I', atable);
    -- The archive convert_archive_partitioned set aside, unless it is the
    -- archive of a queue called <name>_old.
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', atable OPERATOR(pg_catalog.||) '_old')) IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pgmq.meta m
                        WHERE pg_catalog.lower(m.queue_name) = pg_catalog.lower(drop_queue.queue_name) OPERATOR(pg_catalog.||) '_old') THEN
        EXECUTE pg_catalog.format('DROP TABLE pgmq.%I', atable OPERATOR(pg_catalog.||) '_old');
    END IF;
    IF uses_partman THEN
        PERFORM pgmq._partman_forget(queue_name);
    END IF;
    RETURN true;
END;
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.queue_policy TO PUBLIC;
ALTER TABLE pgmq.queue_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY queue_policy_read ON pgmq.queue_policy FOR SELECT USING (true);
CREATE POLICY queue_policy_insert ON pgmq.queue_policy FOR INSERT
    WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY queue_policy_update ON pgmq.queue_policy FOR UPDATE
    USING (pgmq._owns_queue(queue_name)) WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY queue_policy_delete ON pgmq.queue_policy FOR DELETE
    USING (pgmq._owns_queue(queue_name));

-- grant_send, revoke_send, grant_consume, revoke_consume take the queue's
-- lock (a GRANT racing another GRANT or a drop failed with XX000 "tuple
-- concurrently updated/deleted").
CREATE OR REPLACE FUNCTION pgmq.grant_send(queue_name TEXT, role_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t RECORD;
BEGIN
    PERFORM pgmq._check_role_arg(role_name);
    -- The queue's lock: a GRANT racing another GRANT, a drop or other DDL
    -- of the queue's tables failed with "tuple concurrently updated".
    PERFORM pgmq.acquire_queue_lock(queue_name);
    t := pgmq._owned_queue_tables(queue_name);
    -- RETURNING msg_id reads that column.
    EXECUTE pg_catalog.format('GRANT INSERT, SELECT (msg_id) ON pgmq.%I TO %I', t.qtable, role_name);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.revoke_send(queue_name TEXT, role_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t RECORD;
BEGIN
    PERFORM pgmq._check_role_arg(role_name);
    -- The queue's lock: a GRANT racing another GRANT, a drop or other DDL
    -- of the queue's tables failed with "tuple concurrently updated".
    PERFORM pgmq.acquire_queue_lock(queue_name);
    t := pgmq._owned_queue_tables(queue_name);
    EXECUTE pg_catalog.format('REVOKE INSERT, SELECT (msg_id) ON pgmq.%I FROM %I', t.qtable, role_name);
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.grant_consume(queue_name TEXT, role_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t RECORD;
BEGIN
    PERFORM pgmq._check_role_arg(role_name);
    -- The queue's lock: a GRANT racing another GRANT, a drop or other DDL
    -- of the queue's tables failed with "tuple concurrently updated".
    PERFORM pgmq.acquire_queue_lock(queue_name);
    t := pgmq._owned_queue_tables(queue_name);
    EXECUTE pg_catalog.format('GRANT SELECT, UPDATE, DELETE ON pgmq.%I TO %I', t.qtable, role_name);
    EXECUTE pg_catalog.format('GRANT INSERT, SELECT (msg_id) ON pgmq.%I TO %I', t.atable, role_name);
    IF t.seq IS NOT NULL THEN
        EXECUTE pg_catalog.format('GRANT SELECT ON SEQUENCE %s TO %I', t.seq, role_name);
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION pgmq.revoke_consume(queue_name TEXT, role_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t RECORD;
BEGIN
    PERFORM pgmq._check_role_arg(role_name);
    -- The queue's lock: a GRANT racing another GRANT, a drop or other DDL
    -- of the queue's tables failed with "tuple concurrently updated".
    PERFORM pgmq.acquire_queue_lock(queue_name);
    t := pgmq._owned_queue_tables(queue_name);
    EXECUTE pg_catalog.format('REVOKE SELECT, UPDATE, DELETE ON pgmq.%I FROM %I', t.qtable, role_name);
    EXECUTE pg_catalog.format('REVOKE INSERT, SELECT (msg_id) ON pgmq.%I FROM %I', t.atable, role_name);
    IF t.seq IS NOT NULL THEN
        EXECUTE pg_catalog.format('REVOKE SELECT ON SEQUENCE %s FROM %I', t.seq, role_name);
    END IF;
END;
$$;

-- _check_role_arg: an empty role name is refused with 22023.
CREATE OR REPLACE FUNCTION pgmq._check_role_arg(role_name TEXT)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF role_name IS NULL THEN
        RAISE EXCEPTION 'role_name cannot be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- else GRANT ... TO "" fails with a syntax error (42601)
    IF role_name = '' THEN
        RAISE EXCEPTION 'role_name cannot be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;
