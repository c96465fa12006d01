-- pgmq: a message queue inside PostgreSQL.
--
-- Install script of the current version. The Makefile copies it to
-- pgmq--<default_version>.sql; released versions get upgrade scripts
-- pgmq--A--B.sql that are never edited afterwards.
--
-- Message operations are C functions (src/*.c) that keep prepared plans per
-- queue. Queue lifecycle (create, drop) is PL/pgSQL: it runs rarely and is
-- easier to read as SQL. Every SQL-language function pins its search_path so
-- a hostile search_path cannot redirect what it calls.

\echo Use "CREATE EXTENSION pgmq" to load this file. \quit

---------------------------------------------------------------------------
-- Registry tables of an earlier pgmq
--
-- A database where upstream pgmq 1.x was installed without CREATE
-- EXTENSION (its pgmq.sql run by hand), or which pgmq_adopt_upstream.sql
-- detached from upstream's extension, still has its registry, topic
-- bindings and notify throttles in pgmq.meta, pgmq.topic_bindings and
-- pgmq.notify_insert_throttle, which belong to no extension. Their rows
-- are kept aside here, the tables dropped, and the queues adopted with
-- them further down ("Queues of an earlier install"). The temporary tables
-- go at the end of this script.
---------------------------------------------------------------------------

DO $stash$
BEGIN
    CREATE TEMP TABLE pgmq_adopt_meta (queue_name TEXT, is_partitioned BOOLEAN,
                                       is_unlogged BOOLEAN, created_at TIMESTAMP WITH TIME ZONE);
    CREATE TEMP TABLE pgmq_adopt_topics (pattern TEXT, queue_name TEXT, bound_at TIMESTAMP WITH TIME ZONE);
    -- pgmq_adopt_upstream.sql makes it first, with the queues whose insert
    -- trigger it dropped.
    IF pg_catalog.to_regclass('pg_temp.pgmq_adopt_notify') IS NULL THEN
        CREATE TEMP TABLE pgmq_adopt_notify (queue_name TEXT, throttle_interval_ms INTEGER);
    END IF;
    -- Read through to_jsonb, so that a registry of an older layout (a
    -- column missing) is read as well.
    IF pg_catalog.to_regclass('pgmq.meta') IS NOT NULL THEN
        INSERT INTO pg_temp.pgmq_adopt_meta
        SELECT j->>'queue_name', COALESCE((j->>'is_partitioned')::BOOLEAN, false),
               COALESCE((j->>'is_unlogged')::BOOLEAN, false), (j->>'created_at')::TIMESTAMP WITH TIME ZONE
          FROM pgmq.meta t, pg_catalog.to_jsonb(t) j;
    END IF;
    IF pg_catalog.to_regclass('pgmq.topic_bindings') IS NOT NULL THEN
        INSERT INTO pg_temp.pgmq_adopt_topics
        SELECT j->>'pattern', j->>'queue_name', (j->>'bound_at')::TIMESTAMP WITH TIME ZONE
          FROM pgmq.topic_bindings t, pg_catalog.to_jsonb(t) j;
        DROP TABLE pgmq.topic_bindings;
    END IF;
    IF pg_catalog.to_regclass('pgmq.notify_insert_throttle') IS NOT NULL THEN
        INSERT INTO pg_temp.pgmq_adopt_notify
        SELECT j->>'queue_name', COALESCE((j->>'throttle_interval_ms')::INTEGER, 0)
          FROM pgmq.notify_insert_throttle t, pg_catalog.to_jsonb(t) j;
        DROP TABLE pgmq.notify_insert_throttle;
    END IF;
    IF pg_catalog.to_regclass('pgmq.meta') IS NOT NULL THEN
        DROP TABLE pgmq.meta;
    END IF;
END
$stash$;

---------------------------------------------------------------------------
-- Registry of queues and result types
---------------------------------------------------------------------------

CREATE TABLE pgmq.meta (
    queue_name VARCHAR UNIQUE NOT NULL,
    is_partitioned BOOLEAN NOT NULL,
    is_unlogged BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('pgmq.meta', '');
-- Names that differ only in case share tables: one registration per
-- lower-cased name. The C functions find a queue's row through it.
CREATE UNIQUE INDEX meta_queue_name_lower_idx ON pgmq.meta (pg_catalog.lower(queue_name));

-- pg_monitor may read every queue, archive and sequence, including the ones
-- created later by this role.
GRANT USAGE ON SCHEMA pgmq TO pg_monitor;
GRANT SELECT ON ALL TABLES IN SCHEMA pgmq TO pg_monitor;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA pgmq TO pg_monitor;
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT SELECT ON TABLES TO pg_monitor;
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT SELECT ON SEQUENCES TO pg_monitor;

-- Changing the order of fields in these types breaks clients that map
-- columns by position (the Rust Diesel client, for one).
CREATE TYPE pgmq.message_record AS (
    msg_id BIGINT,
    read_ct INTEGER,
    enqueued_at TIMESTAMP WITH TIME ZONE,
    last_read_at TIMESTAMP WITH TIME ZONE,
    vt TIMESTAMP WITH TIME ZONE,
    message JSONB,
    headers JSONB
);

CREATE TYPE pgmq.queue_record AS (
    queue_name VARCHAR,
    is_partitioned BOOLEAN,
    is_unlogged BOOLEAN,
    created_at TIMESTAMP WITH TIME ZONE
);

CREATE TYPE pgmq.metrics_result AS (
    queue_name TEXT,
    queue_length BIGINT,
    newest_msg_age_sec INTEGER,
    oldest_msg_age_sec INTEGER,
    total_messages BIGINT,
    scrape_time TIMESTAMP WITH TIME ZONE,
    queue_visible_length BIGINT,
    default_partition_length BIGINT
);

---------------------------------------------------------------------------
-- Names
---------------------------------------------------------------------------

-- Raises unless queue_name is usable: not NULL or empty, none of $ ; -- '
-- and at most 47 characters and 47 bytes, so that every object derived
-- from it stays within PostgreSQL's 63-byte identifiers.
CREATE FUNCTION pgmq.validate_queue_name(queue_name TEXT)
RETURNS void
AS 'MODULE_PATHNAME', 'pgmq_validate_queue_name'
LANGUAGE C PARALLEL SAFE;

-- lower(prefix || '_' || queue_name), after the character check.
CREATE FUNCTION pgmq.format_table_name(queue_name TEXT, prefix TEXT)
RETURNS TEXT
AS 'MODULE_PATHNAME', 'pgmq_format_table_name'
LANGUAGE C STRICT PARALLEL SAFE;

-- Serializes create and drop of one queue. Names that differ only in case
-- share tables, so they share the lock too.
CREATE FUNCTION pgmq.acquire_queue_lock(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtext('pgmq.queue_' OPERATOR(pg_catalog.||) pg_catalog.lower(queue_name)));
END;
$$;

-- The name under which the queue that queue_name's tables belong to is
-- registered (it may differ in case), or NULL. Read with the latest
-- snapshot, also in a REPEATABLE READ transaction.
CREATE FUNCTION pgmq._registered_name(queue_name TEXT)
RETURNS TEXT
AS 'MODULE_PATHNAME', 'pgmq_registered_name'
LANGUAGE C STRICT;

-- True if a queue may name one of its relations q_<queue>_<rest>: its
-- indexes, identity sequence and partitions.
CREATE FUNCTION pgmq._is_reserved_suffix(rest TEXT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_is_reserved_suffix'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

-- Raises 42P07 if the objects of a queue called queue_name could be named
-- like another queue's objects, or if a relation in pgmq has the name of
-- one of them without being it. partitioned: the queue or its archive is
-- to be partitioned, so the names of partitions count too.
CREATE FUNCTION pgmq._check_name_free(queue_name TEXT, partitioned BOOLEAN)
RETURNS void
AS 'MODULE_PATHNAME', 'pgmq_check_name_free'
LANGUAGE C STRICT;

-- Takes the queue lock of every shorter name whose objects queue_name's
-- tables could be named like (see _check_name_free), shortest first, then
-- queue_name's own. Creates and drops that could collide thus serialize,
-- always taking their locks in the same order.
CREATE FUNCTION pgmq._lock_queue_names(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lname TEXT := pg_catalog.lower(queue_name);
BEGIN
    FOR i IN 2 .. pg_catalog.length(lname) OPERATOR(pg_catalog.-) 1 LOOP
        IF pg_catalog.substr(lname, i, 1) = '_'
           AND pgmq._is_reserved_suffix(pg_catalog.substr(lname, i OPERATOR(pg_catalog.+) 1)) THEN
            PERFORM pgmq.acquire_queue_lock(pg_catalog.substr(lname, 1, i OPERATOR(pg_catalog.-) 1));
        END IF;
    END LOOP;
    PERFORM pgmq.acquire_queue_lock(queue_name);
END;
$$;

-- The relkind of the queue table ('r' or 'p') if queue_name is registered
-- under this very name and all its objects exist, else NULL. Looks at the
-- catalogs as they are now and locks nothing.
CREATE FUNCTION pgmq._queue_in_place(queue_name TEXT)
RETURNS "char"
AS 'MODULE_PATHNAME', 'pgmq_queue_in_place'
LANGUAGE C STRICT;

-- Makes the queue's msg_id sequence logged if it is unlogged (an unlogged
-- sequence starts over after a crash, so ids would be issued again): true
-- if it did. A caller who does not own it gets a WARNING and false. See
-- ids.c; sends of the queue's owner do the same on their own.
CREATE FUNCTION pgmq._make_id_sequence_logged(queue_name TEXT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_make_id_sequence_logged'
LANGUAGE C;

-- The queue lock in shared mode, if no one holds it exclusively (a create
-- or drop of the queue in progress); held until the transaction ends.
CREATE FUNCTION pgmq._try_queue_lock_shared(queue_name TEXT)
RETURNS BOOLEAN
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.pg_try_advisory_xact_lock_shared(
        pg_catalog.hashtext('pgmq.queue_' OPERATOR(pg_catalog.||) pg_catalog.lower(queue_name)));
$$;

---------------------------------------------------------------------------
-- Queue lifecycle
---------------------------------------------------------------------------

-- Names that differ only in case map to the same tables; a second
-- registration would leave two meta rows for one pair of tables. The
-- registry is read as it is now: under REPEATABLE READ the transaction's
-- snapshot may predate a queue registered while this one waited for the
-- queue lock.
CREATE FUNCTION pgmq._check_case_conflict(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    other_name TEXT;
BEGIN
    other_name := pgmq._registered_name(queue_name);
    IF other_name IS NOT NULL AND other_name <> queue_name THEN
        RAISE EXCEPTION 'queue "%" conflicts with existing queue "%"', queue_name, other_name
            USING ERRCODE = 'duplicate_table',
                  DETAIL = 'Queue names that differ only in case share the same tables.';
    END IF;
END;
$$;

-- The columns of queue ('q') and archive ('a') tables, in pgmq's order
-- (clients map them by position), with msg_id defined as given: one list
-- for plain, unlogged and partitioned queues.
CREATE FUNCTION pgmq._columns(prefix TEXT, msg_id_definition TEXT)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'msg_id ' OPERATOR(pg_catalog.||) msg_id_definition OPERATOR(pg_catalog.||)
           ', read_ct INT DEFAULT 0 NOT NULL'
           ', enqueued_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL'
           ', last_read_at TIMESTAMP WITH TIME ZONE' OPERATOR(pg_catalog.||)
           CASE WHEN prefix = 'a' THEN ', archived_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL' ELSE '' END
           OPERATOR(pg_catalog.||)
           ', vt TIMESTAMP WITH TIME ZONE NOT NULL'
           ', message JSONB'
           ', headers JSONB';
$$;

-- The guard of the low-water mark (src/lowwater.c): a row written with
-- an id below where some backend's claims start makes every backend drop
-- its mark for the queue. It fires always (also under
-- session_replication_role = replica); without it, or beside another
-- BEFORE ROW trigger, the mark stays off for the queue.
CREATE FUNCTION pgmq._low_water_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'pgmq_low_water_guard'
LANGUAGE C;

CREATE FUNCTION pgmq._add_low_water_guard(qtable TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                    WHERE t.tgrelid = pg_catalog.format('pgmq.%I', qtable)::regclass
                      AND t.tgname = 'zz_pgmq_low_water_guard') THEN
        EXECUTE pg_catalog.format('CREATE TRIGGER zz_pgmq_low_water_guard'
                                  ' BEFORE INSERT OR UPDATE ON pgmq.%I'
                                  ' FOR EACH ROW EXECUTE FUNCTION pgmq._low_water_guard()', qtable);
        EXECUTE pg_catalog.format('ALTER TABLE pgmq.%I ENABLE ALWAYS TRIGGER zz_pgmq_low_water_guard',
                                  qtable);
    END IF;
END;
$$;

-- Creates the queue and archive tables of a plain or unlogged queue and
-- registers it in pgmq.meta. Idempotent for the same name.
CREATE FUNCTION pgmq._create_queue(queue_name TEXT, unlogged BOOLEAN)
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

CREATE FUNCTION pgmq.create_non_partitioned(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_queue(queue_name, false); END; $$;

CREATE FUNCTION pgmq.create_unlogged(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_queue(queue_name, true); END; $$;

CREATE FUNCTION pgmq."create"(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_queue(queue_name, false); END; $$;

-- Drops the queue and archive tables and the registry row. A queue whose
-- table is missing gives a NOTICE and false (a stale registry row is
-- removed as well, so meta always matches the tables).
CREATE FUNCTION pgmq.drop_queue(queue_name TEXT)
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

CREATE FUNCTION pgmq.drop_queue(queue_name TEXT, partitioned BOOLEAN)
RETURNS BOOLEAN
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE WARNING 'drop_queue(queue_name, partitioned) is deprecated and will be removed in PGMQ v2.0. Use drop_queue(queue_name) instead';
    PERFORM pgmq.drop_queue(queue_name);
    RETURN true;
END;
$$;

-- Removes the pg_partman configuration rows and template tables of a
-- dropped queue, wherever pg_partman is installed.
CREATE FUNCTION pgmq._partman_forget(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    partman_schema TEXT;
    template TEXT;
BEGIN
    SELECT n.nspname INTO partman_schema
      FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_partman';
    IF partman_schema IS NULL THEN
        RETURN;
    END IF;
    EXECUTE pg_catalog.format('DELETE FROM %I.part_config WHERE parent_table = ANY ($1)', partman_schema)
      USING ARRAY[pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'q')),
                  pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'a'))];
    -- pg_partman's template tables for the two parents.
    FOREACH template IN ARRAY ARRAY['template_pgmq_' OPERATOR(pg_catalog.||) pgmq.format_table_name(queue_name, 'q'),
                                    'template_pgmq_' OPERATOR(pg_catalog.||) pgmq.format_table_name(queue_name, 'a')] LOOP
        IF pg_catalog.to_regclass(pg_catalog.format('%I.%I', partman_schema, template)) IS NOT NULL THEN
            EXECUTE pg_catalog.format('DROP TABLE %I.%I', partman_schema, template);
        END IF;
    END LOOP;
END;
$$;

CREATE FUNCTION pgmq.detach_archive(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE WARNING 'detach_archive(queue_name) is deprecated and is a no-op. It will be removed in PGMQ v2.0. Archive tables are no longer member objects.';
END;
$$;

-- Empties the queue table (TRUNCATE, identity not restarted) and returns the
-- number of messages it held. The archive is left alone.
CREATE FUNCTION pgmq.purge_queue(queue_name TEXT)
RETURNS BIGINT
AS 'MODULE_PATHNAME', 'pgmq_purge_queue'
LANGUAGE C;

CREATE FUNCTION pgmq.list_queues()
RETURNS SETOF pgmq.queue_record
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at
      FROM pgmq.meta m
     ORDER BY m.queue_name;
$$;

---------------------------------------------------------------------------
-- Sending
---------------------------------------------------------------------------

-- Without a delay the message is visible at once.
CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send'
LANGUAGE C;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, headers JSONB)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send'
LANGUAGE C;

-- A delay in seconds from now.
CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, delay INTEGER)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_delay'
LANGUAGE C;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, headers JSONB, delay INTEGER)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_delay'
LANGUAGE C;

-- Visible from a given instant.
CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, delay TIMESTAMP WITH TIME ZONE)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_at'
LANGUAGE C;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, headers JSONB, delay TIMESTAMP WITH TIME ZONE)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_at'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[])
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_batch'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], headers JSONB[])
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_batch'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], delay INTEGER)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_batch_delay'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], headers JSONB[], delay INTEGER)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_batch_delay'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], delay TIMESTAMP WITH TIME ZONE)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_batch_at'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], headers JSONB[], delay TIMESTAMP WITH TIME ZONE)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_batch_at'
LANGUAGE C;

-- Raises unless msgs is a non-empty array and headers is NULL or as long.
CREATE FUNCTION pgmq._validate_batch_params(msgs JSONB[], headers JSONB[])
RETURNS void
AS 'MODULE_PATHNAME', 'pgmq_validate_batch_params'
LANGUAGE C;

-- Kept for callers of pgmq 1.11+'s private helper; same checks as send_batch.
CREATE FUNCTION pgmq._send_batch(queue_name TEXT, msgs JSONB[], headers JSONB[], delay TIMESTAMP WITH TIME ZONE)
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_send_batch_at'
LANGUAGE C;

---------------------------------------------------------------------------
-- Reading
---------------------------------------------------------------------------

-- Claims up to qty visible messages, oldest first, skipping rows locked by
-- other readers, and hides them for vt seconds. Rows come back in msg_id
-- order. conditional filters on message @> conditional; '{}' (the default)
-- and NULL mean no filter.
CREATE FUNCTION pgmq.read(queue_name TEXT, vt INTEGER, qty INTEGER, conditional JSONB DEFAULT '{}')
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read'
LANGUAGE C;

-- read, waiting up to max_poll_seconds for a message to become visible and
-- re-checking at least every poll_interval_ms.
CREATE FUNCTION pgmq.read_with_poll(
    queue_name TEXT,
    vt INTEGER,
    qty INTEGER,
    max_poll_seconds INTEGER DEFAULT 5,
    poll_interval_ms INTEGER DEFAULT 100,
    conditional JSONB DEFAULT '{}'
)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read_with_poll'
LANGUAGE C;

-- Claims and deletes up to qty visible messages (at-most-once delivery).
CREATE FUNCTION pgmq.pop(queue_name TEXT, qty INTEGER DEFAULT 1)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_pop'
LANGUAGE C;

---------------------------------------------------------------------------
-- Acknowledging and visibility
---------------------------------------------------------------------------

CREATE FUNCTION pgmq.delete(queue_name TEXT, msg_id BIGINT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_delete'
LANGUAGE C;

CREATE FUNCTION pgmq.delete(queue_name TEXT, msg_ids BIGINT[])
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_delete_batch'
LANGUAGE C;

CREATE FUNCTION pgmq.archive(queue_name TEXT, msg_id BIGINT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_archive'
LANGUAGE C;

CREATE FUNCTION pgmq.archive(queue_name TEXT, msg_ids BIGINT[])
RETURNS SETOF BIGINT
AS 'MODULE_PATHNAME', 'pgmq_archive_batch'
LANGUAGE C;

CREATE FUNCTION pgmq.set_vt(queue_name TEXT, msg_id BIGINT, vt INTEGER)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_set_vt'
LANGUAGE C;

CREATE FUNCTION pgmq.set_vt(queue_name TEXT, msg_id BIGINT, vt TIMESTAMP WITH TIME ZONE)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_set_vt_at'
LANGUAGE C;

CREATE FUNCTION pgmq.set_vt(queue_name TEXT, msg_ids BIGINT[], vt INTEGER)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_set_vt_batch'
LANGUAGE C;

CREATE FUNCTION pgmq.set_vt(queue_name TEXT, msg_ids BIGINT[], vt TIMESTAMP WITH TIME ZONE)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_set_vt_batch_at'
LANGUAGE C;

-- Clients that send every parameter untyped (node-postgres, for one) call
-- set_vt(unknown, unknown, unknown), which none of the four overloads above
-- wins. PostgreSQL prefers text for unknown arguments, so this overload takes
-- them: msg_id is one id or an array literal, vt is seconds or a timestamp.
-- Typed calls never reach it, since nothing casts implicitly to text.
CREATE FUNCTION pgmq.set_vt(queue_name TEXT, msg_id TEXT, vt TEXT)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_set_vt_untyped'
LANGUAGE C;

-- This backend's low-water mark of the queue: its claims scan from this
-- msg_id, below which every row is dead for good (see src/lowwater.c). 0
-- when it has none. For tests and diagnostics.
CREATE FUNCTION pgmq._low_water_mark(queue_name TEXT)
RETURNS BIGINT
AS 'MODULE_PATHNAME', 'pgmq_low_water_mark'
LANGUAGE C;

---------------------------------------------------------------------------
-- Metrics
---------------------------------------------------------------------------

CREATE FUNCTION pgmq.metrics(queue_name TEXT)
RETURNS pgmq.metrics_result
AS 'MODULE_PATHNAME', 'pgmq_metrics'
LANGUAGE C;

CREATE FUNCTION pgmq.metrics_all()
RETURNS SETOF pgmq.metrics_result
AS 'MODULE_PATHNAME', 'pgmq_metrics_all'
LANGUAGE C;

---------------------------------------------------------------------------
-- Insert notifications (LISTEN/NOTIFY), as pgmq 1.13.1
---------------------------------------------------------------------------

-- Throttle state per queue. UNLOGGED, as in pgmq, because it is updated on
-- every insert; a crash empties it, and notify_queue_listeners() then
-- rebuilds a queue's row from its trigger's arguments, so listeners keep
-- being notified.
CREATE UNLOGGED TABLE pgmq.notify_insert_throttle (
    queue_name VARCHAR UNIQUE NOT NULL
        CONSTRAINT notify_insert_throttle_meta_queue_name_fk
        REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
    throttle_interval_ms INTEGER NOT NULL DEFAULT 0,
    last_notified_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT to_timestamp(0)
);
CREATE INDEX idx_notify_throttle_active
    ON pgmq.notify_insert_throttle (queue_name, last_notified_at)
    WHERE throttle_interval_ms > 0;
SELECT pg_catalog.pg_extension_config_dump('pgmq.notify_insert_throttle', '');
GRANT SELECT ON pgmq.notify_insert_throttle TO pg_monitor;

-- Row trigger on a queue table: NOTIFY "pgmq.q_<queue_name>.INSERT" unless
-- the queue was notified less than throttle_interval_ms ago. Arguments:
-- the queue name as registered and the throttle interval.
--
-- SECURITY DEFINER, so that a producer needs no privilege on the throttle
-- table; it acts only for the queue whose table it fires on.
--
-- Senders never wait for each other here (pgmq's plain UPDATE of the
-- throttle row made a second sender wait for the first one's commit): the
-- row is taken with SKIP LOCKED. When another open transaction holds it,
-- that sender is notifying now, but its notification is only delivered if
-- it commits, so this sender notifies too when the throttle, as committed,
-- is due; concurrent senders can thus notify more than once per interval,
-- never less.
CREATE FUNCTION pgmq.notify_queue_listeners()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qname TEXT := COALESCE(TG_ARGV[0], pg_catalog.substr(TG_TABLE_NAME, 3));
    due BOOLEAN;
    notified INTEGER := 0;
BEGIN
    IF COALESCE(pg_catalog.pg_partition_root(TG_RELID), TG_RELID) IS DISTINCT FROM
       pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(qname, 'q'))) THEN
        RAISE EXCEPTION 'pgmq.notify_queue_listeners() fires only on the table of the queue it names'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM FROM pgmq.notify_insert_throttle t
      WHERE t.queue_name = qname
        AND (t.throttle_interval_ms = 0
             OR pg_catalog.clock_timestamp() - t.last_notified_at
                >= pg_catalog.make_interval(secs => t.throttle_interval_ms / 1000.0))
        FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
        UPDATE pgmq.notify_insert_throttle t
           SET last_notified_at = pg_catalog.clock_timestamp()
         WHERE t.queue_name = qname;
        notified := 1;
    ELSE
        -- Not due, held by another sender, or no row at all.
        SELECT t.throttle_interval_ms = 0
               OR pg_catalog.clock_timestamp() - t.last_notified_at
                  >= pg_catalog.make_interval(secs => t.throttle_interval_ms / 1000.0)
          INTO due
          FROM pgmq.notify_insert_throttle t
         WHERE t.queue_name = qname;
        IF due THEN
            notified := 1;
        ELSIF due IS NULL AND TG_NARGS >= 2
              AND EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = qname) THEN
            -- No row (a crash emptied the unlogged table): rebuild it, unless
            -- another sender is rebuilding it (its uncommitted row would
            -- make this insert wait).
            IF pg_catalog.pg_try_advisory_xact_lock(
                   pg_catalog.hashtext('pgmq.notify_insert_throttle'), pg_catalog.hashtext(qname)) THEN
                INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms, last_notified_at)
                VALUES (qname, TG_ARGV[1]::INTEGER, pg_catalog.clock_timestamp())
                ON CONFLICT DO NOTHING;
            END IF;
            notified := 1;
        END IF;
    END IF;

    IF notified > 0 THEN
        PERFORM pg_catalog.pg_notify('pgmq.q_' OPERATOR(pg_catalog.||) qname
                                     OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) TG_OP, NULL);
    END IF;
    RETURN NEW;
END;
$$;

-- Raises unless the queue exists (table and registry row) and interval is
-- a non-negative number of milliseconds.
-- The texts and SQLSTATE (P0001, RAISE EXCEPTION's) are upstream's, which
-- words them differently in enable_notify_insert and update_notify_insert.
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

-- Drops the insert trigger of a queue, if it has one. As upstream, with
-- DROP TRIGGER IF EXISTS: a queue without one gives PostgreSQL's NOTICE
-- (trigger ... does not exist, skipping), a missing table its 42P01.
CREATE FUNCTION pgmq._drop_notify_trigger(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS trigger_notify_queue_insert_listeners ON pgmq.%I',
                              pgmq.format_table_name(queue_name, 'q'));
END;
$$;

-- (Re)creates the insert trigger of a queue with the given throttle.
CREATE FUNCTION pgmq._create_notify_trigger(queue_name TEXT, throttle_interval_ms INTEGER)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
BEGIN
    PERFORM pgmq._drop_notify_trigger(queue_name);
    EXECUTE pg_catalog.format(
        'CREATE CONSTRAINT TRIGGER trigger_notify_queue_insert_listeners'
        ' AFTER INSERT ON pgmq.%I DEFERRABLE FOR EACH ROW'
        ' EXECUTE PROCEDURE pgmq.notify_queue_listeners(%L, %L)',
        qtable, queue_name, throttle_interval_ms);
END;
$$;

CREATE FUNCTION pgmq.enable_notify_insert(queue_name TEXT, throttle_interval_ms INTEGER DEFAULT 250)
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

CREATE FUNCTION pgmq.disable_notify_insert(queue_name TEXT)
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

CREATE FUNCTION pgmq.update_notify_insert(queue_name TEXT, throttle_interval_ms INTEGER)
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

CREATE FUNCTION pgmq.list_notify_insert_throttles()
RETURNS TABLE (queue_name TEXT, throttle_interval_ms INTEGER, last_notified_at TIMESTAMP WITH TIME ZONE)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.queue_name::TEXT, t.throttle_interval_ms, t.last_notified_at
      FROM pgmq.notify_insert_throttle t
     ORDER BY t.queue_name;
$$;

---------------------------------------------------------------------------
-- Partitioned queues (pg_partman)
--
-- pg_partman premakes partitions and retires old archive partitions. Old
-- *queue* partitions are retired by pgmq.run_maintenance() instead, and
-- only once they are empty: retention never drops an unread message. Rows
-- that no partition covers land in the default partition; pgmq warns where
-- that happens, reports it in metrics().default_partition_length, and
-- pgmq.repair_partitions() moves them into proper partitions.
---------------------------------------------------------------------------

-- How long messages are meant to stay in each partitioned queue. pgmq,
-- not pg_partman, applies it to the queue table (see run_maintenance).
CREATE TABLE pgmq.queue_retention (
    queue_name VARCHAR PRIMARY KEY
        REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
    retention_interval TEXT NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('pgmq.queue_retention', '');
GRANT SELECT ON pgmq.queue_retention TO pg_monitor;

CREATE FUNCTION pgmq._extension_exists(extension_name TEXT)
RETURNS BOOLEAN
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = extension_name);
$$;

CREATE FUNCTION pgmq._ensure_pg_partman_installed()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pgmq._extension_exists('pg_partman') THEN
        RAISE EXCEPTION 'pg_partman is required for partitioned queues'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Install pg_partman (on Debian: apt-get install postgresql-15-partman), '
                         'then run CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;';
    END IF;
END;
$$;

CREATE FUNCTION pgmq._get_pg_partman_schema()
RETURNS TEXT
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT n.nspname::TEXT
      FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_partman';
$$;

CREATE FUNCTION pgmq._get_pg_partman_major_version()
RETURNS INTEGER
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.split_part(e.extversion, '.', 1)::INTEGER
      FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_partman';
$$;

-- Runs one statement that calls pg_partman and returns the first column of
-- its first row as text. pg_partman 4.x sets search_path at session level;
-- no setting changed inside outlives this call (src/partman.c). Every call
-- into pg_partman goes through it.
CREATE FUNCTION pgmq._partman(command TEXT)
RETURNS TEXT
AS 'MODULE_PATHNAME', 'pgmq_partman'
LANGUAGE C STRICT;

-- 'msg_id' for a whole number of messages per partition, else the time
-- column ('enqueued_at'; the archive uses 'archived_at'). A whole number is
-- what an INTEGER cast accepts, as in pgmq 1.13 ('+10' is 10 messages).
CREATE FUNCTION pgmq._get_partition_col(partition_interval TEXT)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN partition_interval OPERATOR(pg_catalog.~) '^\s*[-+]?[0-9]+\s*$'
                THEN 'msg_id' ELSE 'enqueued_at' END;
$$;

-- Most partitions made ahead per table: each is a table with indexes, and
-- pg_partman makes them all in the calling transaction.
CREATE FUNCTION pgmq._max_premake()
RETURNS INTEGER
LANGUAGE sql
IMMUTABLE
AS $$ SELECT 1000 $$;

-- Raises 22023 unless partition_interval and retention_interval are usable
-- for partitioning by the column _get_partition_col chooses: a positive
-- whole number of messages, or a positive interval. Checked before anything
-- is created, so that neither pg_partman nor a later maintenance run is the
-- first to find out.
CREATE FUNCTION pgmq._check_partition_args(partition_interval TEXT, retention_interval TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    by_id BOOLEAN;
    n NUMERIC;
    i INTERVAL;
    what TEXT;
    val TEXT;
BEGIN
    IF partition_interval IS NULL THEN
        RAISE EXCEPTION 'partition_interval cannot be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    by_id := pgmq._get_partition_col(partition_interval) = 'msg_id';
    FOREACH what IN ARRAY ARRAY['partition_interval', 'retention_interval'] LOOP
        val := CASE WHEN what = 'partition_interval' THEN partition_interval ELSE retention_interval END;
        CONTINUE WHEN val IS NULL;
        IF by_id THEN
            IF val OPERATOR(pg_catalog.!~) '^\s*[-+]?[0-9]+\s*$' THEN
                RAISE EXCEPTION 'retention_interval must be a number of messages when partition_interval is, got "%"', val
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            n := val::NUMERIC;
            IF n < 1 THEN
                RAISE EXCEPTION '% must be at least 1, got %', what, val
                    USING ERRCODE = 'invalid_parameter_value';
            ELSIF n > 9223372036854775807 THEN
                RAISE EXCEPTION '% must be at most 9223372036854775807, got %', what, val
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        ELSE
            BEGIN
                i := val::INTERVAL;
            EXCEPTION WHEN OTHERS THEN
                RAISE EXCEPTION 'invalid % "%"', what, val
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Use a whole number of messages (partition by msg_id) or an interval '
                                 'such as ''1 day'' (partition by time).';
            END;
            IF i <= INTERVAL '0' THEN
                RAISE EXCEPTION '% must be a positive interval, got "%"', what, val
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END IF;
    END LOOP;
END;
$$;

-- pg_partman keeps tables as unquoted schema.table text, so partitioned
-- queues need plain names.
CREATE FUNCTION pgmq._check_partman_name(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.lower(queue_name) OPERATOR(pg_catalog.!~) '^[a-z0-9_]+$' THEN
        RAISE EXCEPTION 'partitioned queue names may only contain letters, digits and underscores, got "%"', queue_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;

-- Sets up pg_partman for one parent table, unless it already is.
CREATE FUNCTION pgmq._partman_create_parent(parent TEXT, control TEXT, partition_interval TEXT,
                                            premake INTEGER, retention TEXT, keep_index BOOLEAN)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    partman TEXT := pgmq._get_pg_partman_schema();
    configured BOOLEAN;
BEGIN
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %I.part_config WHERE parent_table = $1)', partman)
       INTO configured USING parent;
    IF configured THEN
        RETURN;
    END IF;
    -- pg_partman 5 renamed the 'native' type to 'range'.
    PERFORM pgmq._partman(pg_catalog.format(
        'SELECT %I.create_parent(p_parent_table := %L, p_control := %L, p_interval := %L, p_type := %L, p_premake := %s)',
        partman, parent, control, partition_interval,
        CASE WHEN pgmq._get_pg_partman_major_version() >= 5 THEN 'range' ELSE 'native' END,
        premake));
    -- infinite_time_partitions: a drained queue still gets partitions
    -- made ahead (pg_partman otherwise waits for new rows).
    EXECUTE pg_catalog.format(
        'UPDATE %I.part_config SET retention = $2, retention_keep_table = false,'
        ' retention_keep_index = $3, automatic_maintenance = ''on'', infinite_time_partitions = true'
        ' WHERE parent_table = $1', partman)
      USING parent, retention, keep_index;
END;
$$;

-- Row trigger on the default partitions: warns, once per transaction and
-- table, that rows are spilling where maintenance cannot handle them.
CREATE FUNCTION pgmq._warn_default_partition()
RETURNS TRIGGER
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    flag TEXT := 'pgmq_spill.' OPERATOR(pg_catalog.||) TG_TABLE_NAME;
BEGIN
    IF pg_catalog.current_setting(flag, true) IS DISTINCT FROM 'warned' THEN
        PERFORM pg_catalog.set_config(flag, 'warned', true);
        RAISE WARNING 'pgmq queue "%": rows are going into the default partition %.%',
                      TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING DETAIL = 'No partition covers them: more arrived than the partitions made ahead '
                           '(partition_interval x premake) before maintenance ran. pg_partman cannot '
                           'make partitions overlapping rows in the default partition.',
                  HINT = pg_catalog.format('Run SELECT pgmq.repair_partitions(%L) to move them into proper partitions.',
                                           TG_ARGV[0]);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION pgmq._add_default_partition_trigger(queue_name TEXT, tbl TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dflt TEXT := tbl OPERATOR(pg_catalog.||) '_default';
BEGIN
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', dflt)) IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg
                        WHERE tg.tgname = 'pgmq_default_partition_warning'
                          AND tg.tgrelid = pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', dflt))) THEN
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER pgmq_default_partition_warning AFTER INSERT ON pgmq.%I'
            ' FOR EACH ROW EXECUTE FUNCTION pgmq._warn_default_partition(%L)', dflt, queue_name);
    END IF;
END;
$$;

-- Creates a queue whose tables are partitioned by msg_id (a whole number of
-- messages per partition) or by time (an interval such as '1 day').
CREATE FUNCTION pgmq.create_partitioned(
    queue_name TEXT,
    partition_interval TEXT DEFAULT '10000',
    retention_interval TEXT DEFAULT '100000',
    premake INTEGER DEFAULT 4
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qtable TEXT;
    atable TEXT;
    qcol TEXT;
    acol TEXT;
    existing_kind "char";
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    PERFORM pgmq._ensure_pg_partman_installed();
    IF premake IS NULL OR premake < 1 THEN
        RAISE EXCEPTION 'premake must be at least 1, got %', premake USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF premake > pgmq._max_premake() THEN
        RAISE EXCEPTION 'premake must be at most %, got %', pgmq._max_premake(), premake
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Partitions are made ahead in the calling transaction; run maintenance more often instead.';
    END IF;
    qtable := pgmq.format_table_name(queue_name, 'q');
    atable := pgmq.format_table_name(queue_name, 'a');
    PERFORM pgmq._check_partman_name(queue_name);
    PERFORM pgmq._check_partition_args(partition_interval, retention_interval);
    qcol := pgmq._get_partition_col(partition_interval);
    acol := CASE WHEN qcol = 'msg_id' THEN 'msg_id' ELSE 'archived_at' END;
    IF qcol = 'msg_id' THEN
        -- pg_partman and run_maintenance read them back as plain numbers.
        partition_interval := partition_interval::BIGINT::TEXT;
        retention_interval := retention_interval::BIGINT::TEXT;
    END IF;

    PERFORM pgmq._lock_queue_names(queue_name);
    PERFORM pgmq._check_case_conflict(queue_name);
    PERFORM pgmq._check_name_free(queue_name, true);
    SELECT c.relkind INTO existing_kind FROM pg_catalog.pg_class c
     WHERE c.relname = qtable AND c.relnamespace = 'pgmq'::regnamespace;
    IF existing_kind IS NOT NULL AND existing_kind <> 'p' THEN
        RAISE EXCEPTION 'queue "%" already exists and is not partitioned', queue_name
            USING ERRCODE = 'duplicate_table';
    END IF;
    IF existing_kind IS NOT NULL THEN
        PERFORM pgmq._check_queue_owner(queue_name);
    END IF;

    -- By default, so that repair_partitions can move rows with their ids.
    EXECUTE pg_catalog.format('CREATE TABLE IF NOT EXISTS pgmq.%I (%s) PARTITION BY RANGE (%I)',
                              qtable, pgmq._columns('q', 'BIGINT GENERATED BY DEFAULT AS IDENTITY'), qcol);
    EXECUTE pg_catalog.format('CREATE TABLE IF NOT EXISTS pgmq.%I (%s) PARTITION BY RANGE (%I)',
                              atable, pgmq._columns('a', 'BIGINT NOT NULL'), acol);

    EXECUTE pg_catalog.format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (%I)',
                              qtable OPERATOR(pg_catalog.||) '_part_idx', qtable, qcol);
    IF qcol <> 'msg_id' THEN
        -- Claims and acknowledgements find messages by msg_id.
        EXECUTE pg_catalog.format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (msg_id)',
                                  qtable OPERATOR(pg_catalog.||) '_msg_id_idx', qtable);
    END IF;
    EXECUTE pg_catalog.format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (archived_at)',
                              'archived_at_idx_' OPERATOR(pg_catalog.||) queue_name, atable);

    -- The queue table gets no pg_partman retention: run_maintenance applies
    -- it, sparing partitions that still hold messages.
    PERFORM pgmq._partman_create_parent('pgmq.' OPERATOR(pg_catalog.||) qtable, qcol,
                                        partition_interval, premake, NULL, true);
    PERFORM pgmq._partman_create_parent('pgmq.' OPERATOR(pg_catalog.||) atable, acol,
                                        partition_interval, premake, retention_interval, true);
    PERFORM pgmq._add_default_partition_trigger(queue_name, qtable);
    PERFORM pgmq._add_default_partition_trigger(queue_name, atable);
    PERFORM pgmq._grant_monitor(queue_name);

    INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged)
    VALUES (queue_name, true, false)
    ON CONFLICT DO NOTHING;
    IF retention_interval IS NOT NULL THEN
        -- Like the pg_partman configuration, kept as first created.
        INSERT INTO pgmq.queue_retention (queue_name, retention_interval)
        VALUES (queue_name, retention_interval)
        ON CONFLICT ON CONSTRAINT queue_retention_pkey DO NOTHING;
    END IF;
END;
$$;

-- Turns the archive of an existing queue into a partitioned table. The old
-- archive is kept as a_<name>_old; its rows are not moved.
-- leading_partition is accepted for compatibility and unused, as in pgmq.
CREATE FUNCTION pgmq.convert_archive_partitioned(
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

-- Moves rows out of the default partitions of a partitioned queue and its
-- archive into proper partitions (made as needed), then lets pg_partman
-- premake partitions again. Returns the number of rows moved.
CREATE FUNCTION pgmq.repair_partitions(queue_name TEXT)
RETURNS BIGINT
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    partman TEXT;
    parent TEXT;
    ctl TEXT;
    moved BIGINT;
    total BIGINT := 0;
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    PERFORM pgmq._ensure_pg_partman_installed();
    partman := pgmq._get_pg_partman_schema();
    IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = repair_partitions.queue_name AND m.is_partitioned) THEN
        RAISE EXCEPTION 'queue "%" is not a partitioned queue', queue_name
            USING ERRCODE = 'undefined_table';
    END IF;
    -- Moving rows fires the tables' row triggers with the caller's rights.
    PERFORM pgmq._check_foreign_triggers(queue_name);
    FOREACH parent IN ARRAY ARRAY[pgmq.format_table_name(queue_name, 'q'), pgmq.format_table_name(queue_name, 'a')] LOOP
        parent := 'pgmq.' OPERATOR(pg_catalog.||) parent;
        EXECUTE pg_catalog.format('SELECT control FROM %I.part_config WHERE parent_table = $1', partman)
           INTO ctl USING parent;
        CONTINUE WHEN ctl IS NULL;
        LOOP
            moved := pgmq._partman(pg_catalog.format(
                'SELECT %I.%I(p_parent_table := %L, p_batch_count := 100, p_analyze := false)', partman,
                CASE WHEN ctl = 'msg_id' THEN 'partition_data_id' ELSE 'partition_data_time' END, parent))::BIGINT;
            EXIT WHEN COALESCE(moved, 0) = 0;
            total := total OPERATOR(pg_catalog.+) moved;
        END LOOP;
        PERFORM pgmq._partman(pg_catalog.format('SELECT %I.run_maintenance(p_parent_table := %L, p_analyze := false)',
                                                partman, parent));
    END LOOP;
    RETURN total;
END;
$$;

-- Drops partitions of a queue table that retention has passed and that
-- hold no messages; keeps (and warns about) those that still do. Returns
-- the number of partitions dropped.
CREATE FUNCTION pgmq._retire_queue_partitions(queue_name TEXT)
RETURNS INTEGER
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    partman TEXT := pgmq._get_pg_partman_schema();
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
    parent TEXT := 'pgmq.' OPERATOR(pg_catalog.||) qtable;
    retention TEXT;
    ctl TEXT;
    part_interval TEXT;
    child RECORD;
    info JSON;
    id_boundary BIGINT;
    time_boundary TIMESTAMPTZ;
    expired BOOLEAN;
    remaining BIGINT;
    dropped INTEGER := 0;
BEGIN
    SELECT r.retention_interval INTO retention FROM pgmq.queue_retention r
     WHERE r.queue_name = _retire_queue_partitions.queue_name;
    IF retention IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE pg_catalog.format('SELECT control, partition_interval FROM %I.part_config WHERE parent_table = $1', partman)
       INTO ctl, part_interval USING parent;
    IF ctl IS NULL THEN
        RETURN 0;
    END IF;
    IF ctl = 'msg_id' THEN
        -- As pg_partman: partitions wholly below (newest id - retention).
        SELECT COALESCE(pg_catalog.pg_sequence_last_value(
                   pg_catalog.pg_get_serial_sequence(parent, 'msg_id')::regclass), 0)
               OPERATOR(pg_catalog.-) retention::BIGINT
          INTO id_boundary;
    ELSE
        time_boundary := pg_catalog.now() OPERATOR(pg_catalog.-) retention::INTERVAL;
    END IF;

    FOR child IN SELECT c.partition_schemaname AS s, c.partition_tablename AS t
                   FROM pg_catalog.json_to_recordset(COALESCE(pgmq._partman(pg_catalog.format(
                            'SELECT pg_catalog.json_agg(p) FROM %I.show_partitions(%L, ''ASC'') p', partman, parent)),
                            '[]')::JSON) AS c(partition_schemaname TEXT, partition_tablename TEXT) LOOP
        info := pgmq._partman(pg_catalog.format(
                    'SELECT pg_catalog.row_to_json(i) FROM %I.show_partition_info(%L, %L, %L) i', partman,
                    child.s OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) child.t, part_interval, parent))::JSON;
        IF ctl = 'msg_id' THEN
            expired := (info OPERATOR(pg_catalog.->>) 'child_end_id')::BIGINT < id_boundary;
        ELSE
            expired := (info OPERATOR(pg_catalog.->>) 'child_end_time')::TIMESTAMPTZ <= time_boundary;
        END IF;
        EXIT WHEN NOT expired;
        EXECUTE pg_catalog.format('SELECT count(*) FROM %I.%I', child.s, child.t) INTO remaining;
        IF remaining = 0 THEN
            EXECUTE pg_catalog.format('DROP TABLE %I.%I', child.s, child.t);
            dropped := dropped OPERATOR(pg_catalog.+) 1;
        ELSE
            RAISE WARNING 'pgmq queue "%": partition %.% is past retention but still holds % messages; keeping it',
                          queue_name, child.s, child.t, remaining
                USING HINT = 'It is dropped once its messages are deleted or archived.';
        END IF;
    END LOOP;
    RETURN dropped;
END;
$$;

-- Makes sure the partitions that id-partitioned queue and archive tables
-- will need exist: from the next msg_id to premake partitions beyond it,
-- and for the archive also back to the oldest message still in the queue
-- (any of them may be archived). pg_partman premakes from the highest
-- msg_id each table holds, so a queue that consumers have drained, or an
-- archive that lags behind its queue, would get none and the next rows
-- would spill into the default partition.
CREATE FUNCTION pgmq._premake_from_sequence(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    partman TEXT := pgmq._get_pg_partman_schema();
    qparent TEXT := 'pgmq.' OPERATOR(pg_catalog.||) pgmq.format_table_name(queue_name, 'q');
    parent TEXT;
    ctl TEXT;
    interval_text TEXT;
    part_interval BIGINT;
    ahead INTEGER;
    next_id BIGINT;
    first_id BIGINT;
BEGIN
    next_id := COALESCE(pg_catalog.pg_sequence_last_value(
                   pg_catalog.pg_get_serial_sequence(qparent, 'msg_id')::regclass), 0) OPERATOR(pg_catalog.+) 1;
    FOREACH parent IN ARRAY ARRAY[qparent, 'pgmq.' OPERATOR(pg_catalog.||) pgmq.format_table_name(queue_name, 'a')] LOOP
        ctl := NULL;
        EXECUTE pg_catalog.format('SELECT control, partition_interval, premake FROM %I.part_config WHERE parent_table = $1', partman)
           INTO ctl, interval_text, ahead USING parent;
        CONTINUE WHEN ctl IS DISTINCT FROM 'msg_id';    -- time partitions: infinite_time_partitions
        part_interval := interval_text::BIGINT;
        first_id := next_id;
        IF parent <> qparent THEN
            EXECUTE pg_catalog.format('SELECT LEAST(min(msg_id), $1) FROM %s', qparent)
               INTO first_id USING next_id;
        END IF;
        PERFORM pgmq._partman(pg_catalog.format(
            'SELECT %I.create_partition_id(p_parent_table := %L, p_partition_ids := %L)', partman, parent,
            ARRAY(SELECT g FROM pg_catalog.generate_series(
                      (first_id OPERATOR(pg_catalog./) part_interval) OPERATOR(pg_catalog.*) part_interval,
                      (next_id OPERATOR(pg_catalog./) part_interval OPERATOR(pg_catalog.+) ahead) OPERATOR(pg_catalog.*) part_interval,
                      part_interval) g)));
    END LOOP;
END;
$$;

-- True when parent lacks the partition for the next rows (the next msg_id
-- and one interval past it, or now() and one interval past it), or when
-- that cannot be told. Maintenance is then about to attach a partition
-- that rows may need right now. A send that planned its insert before the
-- attach committed routes such a row to the default partition, whose
-- constraint PostgreSQL re-checks after the attach: the send would fail
-- with 23514. So run_maintenance first locks such a parent against writes.
CREATE FUNCTION pgmq._runway_short(queue_name TEXT, parent TEXT)
RETURNS BOOLEAN
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    partman TEXT := pgmq._get_pg_partman_schema();
    qparent TEXT := 'pgmq.' OPERATOR(pg_catalog.||) pgmq.format_table_name(queue_name, 'q');
    ctl TEXT;
    part_interval TEXT;
    next_id BIGINT;
    vals TEXT[];
    v TEXT;
BEGIN
    EXECUTE pg_catalog.format('SELECT control, partition_interval FROM %I.part_config WHERE parent_table = $1', partman)
       INTO ctl, part_interval USING parent;
    IF ctl IS NULL THEN
        RETURN false;
    END IF;
    IF ctl = 'msg_id' THEN
        next_id := COALESCE(pg_catalog.pg_sequence_last_value(
                       pg_catalog.pg_get_serial_sequence(qparent, 'msg_id')::regclass), 0) OPERATOR(pg_catalog.+) 1;
        vals := ARRAY[next_id::TEXT, (next_id OPERATOR(pg_catalog.+) part_interval::BIGINT)::TEXT];
    ELSE
        vals := ARRAY[pg_catalog.now()::TEXT, (pg_catalog.now() OPERATOR(pg_catalog.+) part_interval::INTERVAL)::TEXT];
    END IF;
    FOREACH v IN ARRAY vals LOOP
        IF NOT COALESCE(pgmq._partman(pg_catalog.format(
                   'SELECT table_exists FROM %I.show_partition_name(%L, %L)', partman, parent, v))::BOOLEAN, false) THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
EXCEPTION WHEN OTHERS THEN
    RETURN true;
END;
$$;

-- Maintenance of partitioned queues (one, or all): retires expired empty
-- queue partitions, makes partitions ahead (of the newest msg_id issued,
-- even when the queue is drained), and has pg_partman apply the archive's
-- retention. Each step of each queue runs in a subtransaction of its own,
-- so one queue's trouble (typically rows in a default partition) neither
-- undoes nor blocks the rest; failures are WARNINGs. Returns the number
-- of failed steps. Run it periodically: pgmq's background worker does
-- (pgmq.maintenance_databases), or cron / pg_cron.
--
-- Lock order. Everything that changes a queue's tables takes, in this
-- order: (1) the queue's lock, pgmq.acquire_queue_lock; (2) the queue
-- table; (3) the archive table; a parent before its partitions; (4) rows
-- of pgmq.meta and pg_partman's part_config. create, drop_queue,
-- purge_queue, create_fifo_index, convert_archive_partitioned,
-- repair_partitions and this function all follow it, so they wait for
-- each other instead of deadlocking. Here (1) is taken per queue in name
-- order and (2), (3) in SHARE UPDATE EXCLUSIVE mode (self-exclusive; sends
-- and reads go on) before any partition is touched.
CREATE FUNCTION pgmq.run_maintenance(queue_name TEXT DEFAULT NULL)
RETURNS INTEGER
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q RECORD;
    partman TEXT;
    qtable TEXT;
    atable TEXT;
    parent TEXT;
    step TEXT;
    err TEXT;
    failures INTEGER := 0;
BEGIN
    IF run_maintenance.queue_name IS NOT NULL THEN
        PERFORM pgmq._ensure_pg_partman_installed();
        IF NOT EXISTS (SELECT 1 FROM pgmq.meta m
                        WHERE m.queue_name = run_maintenance.queue_name AND m.is_partitioned) THEN
            RAISE EXCEPTION 'queue "%" is not a partitioned queue', run_maintenance.queue_name
                USING ERRCODE = 'undefined_table';
        END IF;
    ELSIF NOT pgmq._extension_exists('pg_partman') THEN
        RETURN 0;
    END IF;
    partman := pgmq._get_pg_partman_schema();
    FOR q IN SELECT m.queue_name FROM pgmq.meta m
              WHERE m.is_partitioned
                AND (run_maintenance.queue_name IS NULL OR m.queue_name = run_maintenance.queue_name)
              ORDER BY m.queue_name LOOP
        qtable := pgmq.format_table_name(q.queue_name, 'q');
        atable := pgmq.format_table_name(q.queue_name, 'a');
        PERFORM pgmq.acquire_queue_lock(q.queue_name);
        -- Dropped (or made again unpartitioned) while we waited for its lock.
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                   WHERE c.relname = qtable AND c.relnamespace = 'pgmq'::regnamespace
                                     AND c.relkind = 'p');
        EXECUTE pg_catalog.format('LOCK TABLE ONLY pgmq.%I IN SHARE UPDATE EXCLUSIVE MODE', qtable);
        IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', atable)) IS NOT NULL THEN
            EXECUTE pg_catalog.format('LOCK TABLE ONLY pgmq.%I IN SHARE UPDATE EXCLUSIVE MODE', atable);
        END IF;
        -- Nearly out of runway: hold writes until this transaction ends,
        -- so no send routes a row by a partition list older than ours.
        FOREACH parent IN ARRAY ARRAY[qtable, atable] LOOP
            IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', parent)) IS NOT NULL
               AND pgmq._runway_short(q.queue_name, 'pgmq.' OPERATOR(pg_catalog.||) parent) THEN
                EXECUTE pg_catalog.format('LOCK TABLE ONLY pgmq.%I IN SHARE ROW EXCLUSIVE MODE', parent);
            END IF;
        END LOOP;
        -- The queue table's steps first, then the archive's (premake does
        -- the queue table, then the archive).
        FOREACH step IN ARRAY ARRAY['retire', 'partman_q', 'premake', 'partman_a'] LOOP
            BEGIN
                CASE step
                WHEN 'retire' THEN
                    PERFORM pgmq._retire_queue_partitions(q.queue_name);
                WHEN 'premake' THEN
                    PERFORM pgmq._premake_from_sequence(q.queue_name);
                ELSE
                    PERFORM pgmq._partman(pg_catalog.format(
                        'SELECT %I.run_maintenance(p_parent_table := %L, p_analyze := false)', partman,
                        'pgmq.' OPERATOR(pg_catalog.||) CASE WHEN step = 'partman_q' THEN qtable ELSE atable END));
                END CASE;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
                IF step IN ('retire', 'premake') THEN
                    RAISE WARNING 'pgmq queue "%": partition upkeep failed: %', q.queue_name,
                                  pg_catalog.split_part(err, E'\n', 1)
                        USING HINT = pg_catalog.format('If rows sit in its default partition, run SELECT pgmq.repair_partitions(%L).',
                                                       q.queue_name);
                ELSE
                    RAISE WARNING 'pgmq queue "%": pg_partman maintenance of pgmq.% failed: %', q.queue_name,
                                  CASE WHEN step = 'partman_q' THEN qtable ELSE atable END,
                                  pg_catalog.split_part(err, E'\n', 1)
                        USING HINT = pg_catalog.format('If rows sit in its default partition, run SELECT pgmq.repair_partitions(%L).',
                                                       q.queue_name);
                END IF;
                failures := failures OPERATOR(pg_catalog.+) 1;
            END;
        END LOOP;
    END LOOP;
    RETURN failures;
END;
$$;

---------------------------------------------------------------------------
-- Queues of an earlier install
--
-- DROP EXTENSION pgmq CASCADE drops the registry (pgmq.meta and the other
-- extension tables) but not the queue tables: they belong to no extension.
-- A new CREATE EXTENSION pgmq adopts them, so no queue is left orphaned:
-- every pgmq.q_<name> with the queue columns and a pgmq.a_<name> is
-- registered again under <name> (the table's name: lower case), as
-- partitioned or unlogged as its table is. A partitioned queue gets its
-- retention back from pg_partman's configuration and its default-partition
-- warnings again. Notifications (enable_notify_insert) and topic bindings
-- are restored only from tables an earlier pgmq left (see the top of this
-- script): this extension's own were dropped with it.
--
-- Queues of upstream pgmq 1.x are adopted the same way (docs/migrating.md):
-- a table of before 1.5 or 1.10 gets the headers and last_read_at columns
-- it lacks, the registry keeps the name as it was registered (its case)
-- and its created_at, and an unlogged queue's id sequence becomes logged,
-- as this extension makes them. Every message, its msg_id, read_ct, vt and
-- enqueued_at, the archive and the sequence's position stay as they are,
-- so new ids continue after the old ones.
---------------------------------------------------------------------------

DO $adopt$
DECLARE
    t RECORD;
    partman TEXT := pgmq._get_pg_partman_schema();
    retention TEXT;
    tbl TEXT;
    seq TEXT;
    regname TEXT;
    created TIMESTAMP WITH TIME ZONE;
BEGIN
    FOR t IN SELECT pg_catalog.substr(q.relname, 3) AS base, q.relkind = 'p' AS partitioned,
                    q.relpersistence = 'u' AS unlogged, q.relname AS qtable
               FROM pg_catalog.pg_class q
              WHERE q.relnamespace = 'pgmq'::regnamespace
                AND q.relkind IN ('r', 'p') AND NOT q.relispartition
                AND q.relname LIKE 'q\_%'
                AND EXISTS (SELECT 1 FROM pg_catalog.pg_class a
                             WHERE a.relnamespace = q.relnamespace AND a.relkind IN ('r', 'p')
                               AND NOT a.relispartition
                               AND a.relname = 'a_' OPERATOR(pg_catalog.||) pg_catalog.substr(q.relname, 3))
                AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute c
                      WHERE c.attrelid = q.oid AND NOT c.attisdropped
                        AND (c.attname, c.atttypid) IN (('msg_id', 'bigint'::regtype), ('read_ct', 'integer'::regtype),
                                                        ('vt', 'timestamptz'::regtype), ('message', 'jsonb'::regtype))) = 4
              ORDER BY q.relname LOOP
        CONTINUE WHEN pg_catalog.length(t.base) > 47;
        -- Columns of later layouts (headers: 1.5, last_read_at: 1.10).
        FOREACH tbl IN ARRAY ARRAY[t.qtable, 'a_' OPERATOR(pg_catalog.||) t.base] LOOP
            EXECUTE pg_catalog.format('ALTER TABLE pgmq.%I ADD COLUMN IF NOT EXISTS headers JSONB,'
                                      ' ADD COLUMN IF NOT EXISTS last_read_at TIMESTAMP WITH TIME ZONE', tbl);
        END LOOP;
        EXECUTE pg_catalog.format('ALTER TABLE pgmq.%I ADD COLUMN IF NOT EXISTS archived_at'
                                  ' TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL', 'a_' OPERATOR(pg_catalog.||) t.base);
        -- An unlogged queue's id sequence is unlogged in upstream pgmq and
        -- would start over after a crash: logged, as create_unlogged makes it.
        seq := pg_catalog.pg_get_serial_sequence(pg_catalog.format('pgmq.%I', t.qtable), 'msg_id');
        IF seq IS NOT NULL AND (SELECT c.relpersistence FROM pg_catalog.pg_class c
                                 WHERE c.oid = seq::regclass) = 'u' THEN
            EXECUTE pg_catalog.format('ALTER SEQUENCE %s SET LOGGED', seq);
        END IF;
        SELECT m.queue_name, m.created_at INTO regname, created
          FROM pg_temp.pgmq_adopt_meta m
         WHERE pg_catalog.lower(m.queue_name) = t.base
         ORDER BY m.queue_name = t.base DESC, m.created_at, m.queue_name
         LIMIT 1;
        INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged, created_at)
        VALUES (COALESCE(regname, t.base), t.partitioned, t.unlogged, COALESCE(created, pg_catalog.now()))
        ON CONFLICT DO NOTHING;
        -- An unlogged msg_id sequence (upstream pgmq, an older version)
        -- would issue ids again after a crash.
        PERFORM pgmq._make_id_sequence_logged(t.base);
        IF t.partitioned AND partman IS NOT NULL THEN
            EXECUTE pg_catalog.format('SELECT retention FROM %I.part_config WHERE parent_table = $1', partman)
               INTO retention USING 'pgmq.a_' OPERATOR(pg_catalog.||) t.base;
            IF retention IS NOT NULL THEN
                INSERT INTO pgmq.queue_retention (queue_name, retention_interval)
                VALUES (t.base, retention)
                ON CONFLICT DO NOTHING;
            END IF;
        END IF;
        -- The low-water guard went with the extension's function; without it
        -- the queue works, with its mark off (an owner's create() adds it).
        IF NOT t.partitioned THEN
            BEGIN
                PERFORM pgmq._add_low_water_guard(t.qtable);
            EXCEPTION WHEN insufficient_privilege THEN
                NULL;
            END;
        END IF;
        -- (each only where that table has a default partition)
        PERFORM pgmq._add_default_partition_trigger(t.base, t.qtable);
        PERFORM pgmq._add_default_partition_trigger(t.base, 'a_' OPERATOR(pg_catalog.||) t.base);
    END LOOP;
END
$adopt$;

---------------------------------------------------------------------------
-- FIFO message groups (src/fifo.c)
--
-- A message's group is its x-pgmq-group header; missing or JSON null is
-- the group '_default_fifo_group'. A group waits while its oldest message
-- is in flight. Without a fifo index grouped reads scan the whole queue;
-- with it their cost follows the number of groups, not of messages.
---------------------------------------------------------------------------

-- Fills the batch from the group with the oldest head first, as many of
-- its visible messages as fit, then from the next group (SQS FIFO style).
-- Rows come back in msg_id order.
CREATE FUNCTION pgmq.read_grouped(queue_name TEXT, vt INTEGER, qty INTEGER)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read_grouped'
LANGUAGE C;

CREATE FUNCTION pgmq.read_grouped_with_poll(
    queue_name TEXT,
    vt INTEGER,
    qty INTEGER,
    max_poll_seconds INTEGER DEFAULT 5,
    poll_interval_ms INTEGER DEFAULT 100
)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read_grouped_with_poll'
LANGUAGE C;

-- Layered round-robin: the first message of every available group (oldest
-- head first), then the second of each, and so on. Rows come back in that
-- order of selection.
CREATE FUNCTION pgmq.read_grouped_rr(queue_name TEXT, vt INTEGER, qty INTEGER)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read_grouped_rr'
LANGUAGE C;

CREATE FUNCTION pgmq.read_grouped_rr_with_poll(
    queue_name TEXT,
    vt INTEGER,
    qty INTEGER,
    max_poll_seconds INTEGER DEFAULT 5,
    poll_interval_ms INTEGER DEFAULT 100
)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read_grouped_rr_with_poll'
LANGUAGE C;

-- The head of up to qty available groups, one message per group, oldest
-- first. Rows come back in msg_id order.
CREATE FUNCTION pgmq.read_grouped_head(queue_name TEXT, vt INTEGER, qty INTEGER)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read_grouped_head'
LANGUAGE C;

CREATE FUNCTION pgmq.read_grouped_head_with_poll(
    queue_name TEXT,
    vt INTEGER,
    qty INTEGER,
    max_poll_seconds INTEGER DEFAULT 5,
    poll_interval_ms INTEGER DEFAULT 100
)
RETURNS SETOF pgmq.message_record
AS 'MODULE_PATHNAME', 'pgmq_read_grouped_head_with_poll'
LANGUAGE C;

-- Creates q_<name>_fifo_idx, a btree on (group, msg_id) that grouped reads
-- walk group by group. pgmq 1.13 made a GIN index on headers under this
-- name, which no grouped read can use; such an index is replaced.
CREATE FUNCTION pgmq._create_fifo_index_if_not_exists(queue_name TEXT)
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

CREATE FUNCTION pgmq.create_fifo_index(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN PERFORM pgmq._create_fifo_index_if_not_exists(queue_name); END; $$;

CREATE FUNCTION pgmq.create_fifo_indexes_all()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q RECORD;
BEGIN
    FOR q IN SELECT m.queue_name FROM pgmq.meta m ORDER BY m.queue_name LOOP
        PERFORM pgmq.create_fifo_index(q.queue_name);
    END LOOP;
END;
$$;

---------------------------------------------------------------------------
-- Topic routing (src/topic.c)
--
-- bind_topic binds an AMQP-style pattern to a queue; send_topic sends to
-- every queue with a matching binding, once per queue. In a pattern '*'
-- is one dot-free word and '#' any run of characters, dots included.
---------------------------------------------------------------------------

CREATE TABLE pgmq.topic_bindings (
    pattern TEXT NOT NULL,
    queue_name TEXT NOT NULL
        CONSTRAINT topic_bindings_meta_queue_name_fk
        REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
    bound_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    -- The pattern as an anchored regular expression (test_routing uses it).
    compiled_regex TEXT GENERATED ALWAYS AS (
        '^' || replace(replace(regexp_replace(pattern, '([.+?{}()|\[\]\\^$])', '\\\1', 'g'),
                               '*', '[^.]+'),
                       '#', '.*') || '$'
    ) STORED,
    CONSTRAINT topic_bindings_unique_pattern_queue UNIQUE (pattern, queue_name)
);
CREATE INDEX idx_topic_bindings_covering
    ON pgmq.topic_bindings (pattern) INCLUDE (queue_name, compiled_regex);
SELECT pg_catalog.pg_extension_config_dump('pgmq.topic_bindings', '');
GRANT SELECT ON pgmq.topic_bindings TO pg_monitor;

-- Raise 22004/22023 with pgmq's messages unless the text is a valid routing
-- key (words of letters, digits, '_' and '-' joined by single dots, at most
-- 255 characters) or pattern (the same, plus '*' and '#' not side by side).
CREATE FUNCTION pgmq.validate_routing_key(routing_key TEXT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_validate_routing_key'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION pgmq.validate_topic_pattern(pattern TEXT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_validate_topic_pattern'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Whether routing_key matches pattern, as send_topic decides it.
CREATE FUNCTION pgmq._topic_matches(routing_key TEXT, pattern TEXT)
RETURNS BOOLEAN
AS 'MODULE_PATHNAME', 'pgmq_topic_matches'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Binds pattern to a queue; binding it again does nothing.
CREATE FUNCTION pgmq.bind_topic(pattern TEXT, queue_name TEXT)
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

-- Removes a binding; true if there was one.
CREATE FUNCTION pgmq.unbind_topic(pattern TEXT, queue_name TEXT)
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

-- Dry run: the bindings a message with this routing key would follow.
CREATE FUNCTION pgmq.test_routing(routing_key TEXT)
RETURNS TABLE (pattern TEXT, queue_name TEXT, compiled_regex TEXT)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq.validate_routing_key(routing_key);
    RETURN QUERY
        SELECT b.pattern, b.queue_name, b.compiled_regex
          FROM pgmq.topic_bindings b
         WHERE test_routing.routing_key OPERATOR(pg_catalog.~) b.compiled_regex
         ORDER BY b.pattern, b.queue_name;
END;
$$;

CREATE FUNCTION pgmq.list_topic_bindings()
RETURNS TABLE (pattern TEXT, queue_name TEXT, bound_at TIMESTAMP WITH TIME ZONE, compiled_regex TEXT)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT b.pattern, b.queue_name, b.bound_at, b.compiled_regex
      FROM pgmq.topic_bindings b
     ORDER BY b.bound_at DESC, b.pattern, b.queue_name;
$$;

CREATE FUNCTION pgmq.list_topic_bindings(queue_name TEXT)
RETURNS TABLE (pattern TEXT, queue_name TEXT, bound_at TIMESTAMP WITH TIME ZONE, compiled_regex TEXT)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT b.pattern, b.queue_name, b.bound_at, b.compiled_regex
      FROM pgmq.topic_bindings b
     WHERE b.queue_name = list_topic_bindings.queue_name
     ORDER BY b.bound_at DESC, b.pattern;
$$;

-- Sends msg to every queue bound by a pattern that routing_key matches,
-- once per queue, queues in name order; returns how many queues got it.
CREATE FUNCTION pgmq.send_topic(routing_key TEXT, msg JSONB)
RETURNS INTEGER
AS 'MODULE_PATHNAME', 'pgmq_send_topic'
LANGUAGE C;

CREATE FUNCTION pgmq.send_topic(routing_key TEXT, msg JSONB, delay INTEGER)
RETURNS INTEGER
AS 'MODULE_PATHNAME', 'pgmq_send_topic'
LANGUAGE C;

CREATE FUNCTION pgmq.send_topic(routing_key TEXT, msg JSONB, headers JSONB, delay INTEGER)
RETURNS INTEGER
AS 'MODULE_PATHNAME', 'pgmq_send_topic'
LANGUAGE C;

-- send_batch to every matching queue: (queue_name, msg_id) rows, queue by
-- queue in name order, ids in the order of msgs.
CREATE FUNCTION pgmq.send_batch_topic(routing_key TEXT, msgs JSONB[])
RETURNS TABLE (queue_name TEXT, msg_id BIGINT)
AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch_topic(routing_key TEXT, msgs JSONB[], headers JSONB[])
RETURNS TABLE (queue_name TEXT, msg_id BIGINT)
AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch_topic(routing_key TEXT, msgs JSONB[], delay INTEGER)
RETURNS TABLE (queue_name TEXT, msg_id BIGINT)
AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_delay'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch_topic(routing_key TEXT, msgs JSONB[], headers JSONB[], delay INTEGER)
RETURNS TABLE (queue_name TEXT, msg_id BIGINT)
AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_delay'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch_topic(routing_key TEXT, msgs JSONB[], delay TIMESTAMP WITH TIME ZONE)
RETURNS TABLE (queue_name TEXT, msg_id BIGINT)
AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_at'
LANGUAGE C;

CREATE FUNCTION pgmq.send_batch_topic(routing_key TEXT, msgs JSONB[], headers JSONB[], delay TIMESTAMP WITH TIME ZONE)
RETURNS TABLE (queue_name TEXT, msg_id BIGINT)
AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_at'
LANGUAGE C;

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

---------------------------------------------------------------------------
-- Privileges (docs/security.md)
--
-- A queue belongs to the role that created it: that role owns the queue
-- and archive tables, and privileges on those tables decide who may send,
-- consume, purge or drop. Members of pgmq_admin may create queues (CREATE
-- on the schema). The registry and settings tables are writable by every
-- role, but their row policies let a role add or remove only the rows of
-- queues whose tables it owns, so nobody unregisters another's queue.
---------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = 'pgmq_admin') THEN
        CREATE ROLE pgmq_admin NOLOGIN;
    END IF;
END;
$$;

-- Every role may call the functions; what they may do to a queue is
-- decided by the privileges on its tables. (REVOKE USAGE ON SCHEMA pgmq
-- FROM PUBLIC and grant it per role to hide even the names.)
GRANT USAGE ON SCHEMA pgmq TO PUBLIC;
GRANT CREATE ON SCHEMA pgmq TO pgmq_admin;

-- Whether the current user owns (or is a member of the owner of) the
-- tables of queue_name. False when they do not exist.
CREATE FUNCTION pgmq._owns_queue(queue_name TEXT)
RETURNS BOOLEAN
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                    WHERE c.relnamespace = 'pgmq'::regnamespace
                      AND c.relname = pgmq.format_table_name(queue_name, 'q')
                      AND pg_catalog.pg_has_role(c.relowner, 'USAGE'));
$$;

-- Registry rows of a queue whose table is gone may be removed by admins.
CREATE FUNCTION pgmq._may_unregister(queue_name TEXT)
RETURNS BOOLEAN
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pgmq._owns_queue(queue_name)
        OR (pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'))) IS NULL
            AND pg_catalog.pg_has_role('pgmq_admin', 'USAGE'));
$$;

-- Raises 42501 unless the current user owns the queue's tables (if they
-- exist): changing a queue is its owner's business.
CREATE FUNCTION pgmq._check_queue_owner(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'))) IS NOT NULL
       AND NOT pgmq._owns_queue(queue_name) THEN
        RAISE EXCEPTION 'must be owner of queue "%"', queue_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('Table pgmq.%I belongs to role %s.',
                                             pgmq.format_table_name(queue_name, 'q'),
                                             (SELECT c.relowner::regrole FROM pg_catalog.pg_class c
                                               WHERE c.oid = pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'))::regclass));
    END IF;
END;
$$;

-- pg_monitor reads every queue, whoever created it: the default privileges
-- of the schema only cover tables made by the role that installed pgmq.
CREATE FUNCTION pgmq._grant_monitor(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
    seq TEXT;
BEGIN
    EXECUTE pg_catalog.format('GRANT SELECT ON pgmq.%I, pgmq.%I TO pg_monitor',
                              qtable, pgmq.format_table_name(queue_name, 'a'));
    seq := pg_catalog.pg_get_serial_sequence(pg_catalog.format('pgmq.%I', qtable), 'msg_id');
    IF seq IS NOT NULL THEN
        EXECUTE pg_catalog.format('GRANT SELECT ON SEQUENCE %s TO pg_monitor', seq);
    END IF;
END;
$$;

-- Raises 42501 if the queue or archive tables (or their partitions) have a
-- trigger, other than pgmq's own, that a role other than the caller and
-- not a superuser could have put there: functions that move rows would
-- run it with the caller's rights (a superuser's, a maintenance role's).
CREATE FUNCTION pgmq._check_foreign_triggers(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_trigger RECORD;
    tables REGCLASS[] := ARRAY[
        pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'))),
        pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'a')))];
BEGIN
    SELECT tg.tgname, c.relname, c.relowner::regrole AS owner INTO found_trigger
      FROM pg_catalog.pg_trigger tg
      JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
      JOIN pg_catalog.pg_roles r ON r.oid = c.relowner
     WHERE (tg.tgrelid = ANY (tables)
            OR tg.tgrelid IN (SELECT p.relid FROM pg_catalog.unnest(tables) t(rel),
                                     LATERAL pg_catalog.pg_partition_tree(t.rel) p))
       AND NOT tg.tgisinternal
       AND tg.tgfoid <> 'pgmq.notify_queue_listeners()'::pg_catalog.regprocedure
       AND tg.tgfoid <> 'pgmq._warn_default_partition()'::pg_catalog.regprocedure
       AND r.rolname <> CURRENT_USER
       AND NOT r.rolsuper
     ORDER BY c.relname, tg.tgname
     LIMIT 1;
    IF found_trigger IS NOT NULL THEN
        RAISE EXCEPTION 'queue "%" has trigger "%" on table pgmq.%, owned by role %',
                        queue_name, found_trigger.tgname, found_trigger.relname, found_trigger.owner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Moving its rows would run the trigger with your privileges.',
                  HINT = 'Run this as the owner of the table, or have the trigger dropped.';
    END IF;
END;
$$;

-- The tables of a registered queue the current user owns; raises 42P01 or
-- 42501 otherwise.
CREATE FUNCTION pgmq._owned_queue_tables(queue_name TEXT, OUT qtable TEXT, OUT atable TEXT, OUT seq TEXT)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    qtable := pgmq.format_table_name(queue_name, 'q');
    atable := pgmq.format_table_name(queue_name, 'a');
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', qtable)) IS NULL
       OR NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = _owned_queue_tables.queue_name) THEN
        RAISE EXCEPTION 'queue "%" does not exist', queue_name
            USING ERRCODE = 'undefined_table',
                  HINT = pg_catalog.format('Create the queue first with pgmq.create(%L).', queue_name);
    END IF;
    PERFORM pgmq._check_queue_owner(queue_name);
    seq := pg_catalog.pg_get_serial_sequence(pg_catalog.format('pgmq.%I', qtable), 'msg_id');
END;
$$;

-- Raises unless role_name is given.
CREATE FUNCTION pgmq._check_role_arg(role_name TEXT)
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

-- Producers: send, send_batch and send_topic to this queue.
CREATE FUNCTION pgmq.grant_send(queue_name TEXT, role_name TEXT)
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

CREATE FUNCTION pgmq.revoke_send(queue_name TEXT, role_name TEXT)
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

-- Consumers: read (all forms), pop, delete, archive, set_vt and metrics.
CREATE FUNCTION pgmq.grant_consume(queue_name TEXT, role_name TEXT)
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

CREATE FUNCTION pgmq.revoke_consume(queue_name TEXT, role_name TEXT)
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

-- Admins create queues (and own what they create). Granting the role
-- needs what GRANT role does: CREATEROLE, ADMIN OPTION or a superuser.
CREATE FUNCTION pgmq.grant_admin(role_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq._check_role_arg(role_name);
    EXECUTE pg_catalog.format('GRANT pgmq_admin TO %I', role_name);
END;
$$;

CREATE FUNCTION pgmq.revoke_admin(role_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgmq._check_role_arg(role_name);
    EXECUTE pg_catalog.format('REVOKE pgmq_admin FROM %I', role_name);
END;
$$;

-- Everyone with USAGE on the schema sees the registry (queue names are in
-- pg_class anyway) and the topic bindings (send_topic reads them); rows
-- are written only for queues the writer owns.
GRANT SELECT, INSERT, DELETE ON pgmq.meta TO PUBLIC;
ALTER TABLE pgmq.meta ENABLE ROW LEVEL SECURITY;
CREATE POLICY meta_read ON pgmq.meta FOR SELECT USING (true);
CREATE POLICY meta_register ON pgmq.meta FOR INSERT WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY meta_unregister ON pgmq.meta FOR DELETE USING (pgmq._may_unregister(queue_name));

GRANT SELECT, INSERT, DELETE ON pgmq.topic_bindings TO PUBLIC;
ALTER TABLE pgmq.topic_bindings ENABLE ROW LEVEL SECURITY;
CREATE POLICY topic_bindings_read ON pgmq.topic_bindings FOR SELECT USING (true);
CREATE POLICY topic_bindings_bind ON pgmq.topic_bindings FOR INSERT WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY topic_bindings_unbind ON pgmq.topic_bindings FOR DELETE USING (pgmq._owns_queue(queue_name));

GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.notify_insert_throttle TO PUBLIC;
ALTER TABLE pgmq.notify_insert_throttle ENABLE ROW LEVEL SECURITY;
CREATE POLICY notify_insert_throttle_read ON pgmq.notify_insert_throttle FOR SELECT USING (true);
CREATE POLICY notify_insert_throttle_insert ON pgmq.notify_insert_throttle FOR INSERT
    WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY notify_insert_throttle_update ON pgmq.notify_insert_throttle FOR UPDATE
    USING (pgmq._owns_queue(queue_name)) WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY notify_insert_throttle_delete ON pgmq.notify_insert_throttle FOR DELETE
    USING (pgmq._owns_queue(queue_name));

GRANT SELECT, INSERT ON pgmq.queue_retention TO PUBLIC;
ALTER TABLE pgmq.queue_retention ENABLE ROW LEVEL SECURITY;
CREATE POLICY queue_retention_read ON pgmq.queue_retention FOR SELECT USING (true);
CREATE POLICY queue_retention_insert ON pgmq.queue_retention FOR INSERT
    WITH CHECK (pgmq._owns_queue(queue_name));

GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.queue_policy TO PUBLIC;
ALTER TABLE pgmq.queue_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY queue_policy_read ON pgmq.queue_policy FOR SELECT USING (true);
CREATE POLICY queue_policy_insert ON pgmq.queue_policy FOR INSERT
    WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY queue_policy_update ON pgmq.queue_policy FOR UPDATE
    USING (pgmq._owns_queue(queue_name)) WITH CHECK (pgmq._owns_queue(queue_name));
CREATE POLICY queue_policy_delete ON pgmq.queue_policy FOR DELETE
    USING (pgmq._owns_queue(queue_name));

---------------------------------------------------------------------------
-- Diagnostics (not in pgmq 1.13)
---------------------------------------------------------------------------

-- This backend's cache of prepared statements (plans.c): queues cached,
-- statements prepared and calls that reused a kept statement, counted
-- since the backend started.
CREATE FUNCTION pgmq._plan_cache_stats(OUT cached_queues BIGINT, OUT prepared BIGINT, OUT hits BIGINT)
RETURNS record
AS 'MODULE_PATHNAME', 'pgmq_plan_cache_stats'
LANGUAGE C PARALLEL RESTRICTED;

---------------------------------------------------------------------------
-- The rest of an adoption (see "Queues of an earlier install"): pg_monitor
-- may read the adopted queues, and the topic bindings and notifications an
-- earlier pgmq left are restored for the queues now registered.
---------------------------------------------------------------------------

DO $adopt_config$
DECLARE
    q RECORD;
BEGIN
    FOR q IN SELECT m.queue_name FROM pgmq.meta m ORDER BY 1 LOOP
        PERFORM pgmq._grant_monitor(q.queue_name);
    END LOOP;
    INSERT INTO pgmq.topic_bindings (pattern, queue_name, bound_at)
    SELECT b.pattern, m.queue_name, COALESCE(b.bound_at, pg_catalog.now())
      FROM pg_temp.pgmq_adopt_topics b
      JOIN pgmq.meta m ON pg_catalog.lower(m.queue_name) = pg_catalog.lower(b.queue_name)
     WHERE b.pattern IS NOT NULL
    ON CONFLICT DO NOTHING;
    FOR q IN SELECT DISTINCT ON (m.queue_name) m.queue_name, n.throttle_interval_ms
               FROM pg_temp.pgmq_adopt_notify n
               JOIN pgmq.meta m ON pg_catalog.lower(m.queue_name) = pg_catalog.lower(n.queue_name)
              ORDER BY m.queue_name, n.throttle_interval_ms DESC LOOP
        INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms)
        VALUES (q.queue_name, GREATEST(q.throttle_interval_ms, 0))
        ON CONFLICT DO NOTHING;
        PERFORM pgmq._create_notify_trigger(q.queue_name, GREATEST(q.throttle_interval_ms, 0));
    END LOOP;
END
$adopt_config$;
DROP TABLE pg_temp.pgmq_adopt_meta, pg_temp.pgmq_adopt_topics, pg_temp.pgmq_adopt_notify;

---------------------------------------------------------------------------
-- The seed's API: pgmq 0.2.0's names (docs/migrating.md)
--
-- pgmq 0.2.0 (March 2023) had its functions in the schema it was installed
-- in, with a pgmq_ prefix; its README runs SELECT pgmq_create('my_queue')
-- right after CREATE EXTENSION. These are thin wrappers over the pgmq.*
-- functions, acting on the same queues, with 0.2.0's result shapes.
--
-- They live in schema public, which is where 0.2.0 put them and which the
-- default search_path ("$user", public) finds: not in schema pgmq, which is
-- not on anyone's search_path, and not in the first schema of the creating
-- session's search_path, which would make where they land (and whether a
-- pg_dump of the database restores the same) depend on that session. They
-- are members of the extension (DROP EXTENSION removes them, pg_dump skips
-- them). A database without schema public gets them not, with a WARNING.
---------------------------------------------------------------------------

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
