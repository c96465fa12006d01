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
    aindex := 'archived_at_idx_' OPERATOR(pg_catalog.||) COALESCE(
        (SELECT m.queue_name FROM pgmq.meta m
          WHERE pg_catalog.lower(m.queue_name) OPERATOR(pg_catalog.=) pg_catalog.lower(table_name)
          LIMIT 1),
        table_name);
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
