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
-- Registry of queues and result types
---------------------------------------------------------------------------

CREATE TABLE pgmq.meta (
    queue_name VARCHAR UNIQUE NOT NULL,
    is_partitioned BOOLEAN NOT NULL,
    is_unlogged BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('pgmq.meta', '');

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
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtext('pgmq.queue_' OPERATOR(pg_catalog.||) pg_catalog.lower(queue_name)));
$$;

---------------------------------------------------------------------------
-- Queue lifecycle
---------------------------------------------------------------------------

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
    other_name TEXT;
    existing_kind "char";
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    PERFORM pgmq.acquire_queue_lock(queue_name);
    qtable := pgmq.format_table_name(queue_name, 'q');
    atable := pgmq.format_table_name(queue_name, 'a');

    -- Names that differ only in case map to the same tables; a second
    -- registration would leave two meta rows for one pair of tables.
    SELECT m.queue_name INTO other_name FROM pgmq.meta m
     WHERE pg_catalog.lower(m.queue_name) = pg_catalog.lower(_create_queue.queue_name)
       AND m.queue_name <> _create_queue.queue_name
     LIMIT 1;
    IF other_name IS NOT NULL THEN
        RAISE EXCEPTION 'queue "%" conflicts with existing queue "%"', queue_name, other_name
            USING ERRCODE = 'duplicate_table',
                  DETAIL = 'Queue names that differ only in case share the same tables.';
    END IF;

    SELECT c.relkind INTO existing_kind FROM pg_catalog.pg_class c
     WHERE c.relname = qtable AND c.relnamespace = 'pgmq'::regnamespace;
    IF existing_kind = 'p' THEN
        RAISE NOTICE 'pgmq queue "%" already exists as a partitioned queue, skipping', queue_name;
        RETURN;
    END IF;

    EXECUTE pg_catalog.format(
        $ddl$CREATE %s TABLE IF NOT EXISTS pgmq.%I (
            msg_id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
            read_ct INT DEFAULT 0 NOT NULL,
            enqueued_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            last_read_at TIMESTAMP WITH TIME ZONE,
            vt TIMESTAMP WITH TIME ZONE NOT NULL,
            message JSONB,
            headers JSONB
        )$ddl$,
        CASE WHEN unlogged THEN 'UNLOGGED' ELSE '' END, qtable);

    EXECUTE pg_catalog.format(
        $ddl$CREATE TABLE IF NOT EXISTS pgmq.%I (
            msg_id BIGINT PRIMARY KEY,
            read_ct INT DEFAULT 0 NOT NULL,
            enqueued_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            last_read_at TIMESTAMP WITH TIME ZONE,
            archived_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            vt TIMESTAMP WITH TIME ZONE NOT NULL,
            message JSONB,
            headers JSONB
        )$ddl$, atable);

    EXECUTE pg_catalog.format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (vt ASC)',
                              qtable OPERATOR(pg_catalog.||) '_vt_idx', qtable);
    EXECUTE pg_catalog.format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (archived_at)',
                              'archived_at_idx_' OPERATOR(pg_catalog.||) queue_name, atable);

    INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged)
    VALUES (queue_name, false, unlogged)
    ON CONFLICT DO NOTHING;
END;
$$;

CREATE FUNCTION pgmq.create_non_partitioned(queue_name TEXT)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pgmq._create_queue(queue_name, false); $$;

CREATE FUNCTION pgmq.create_unlogged(queue_name TEXT)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pgmq._create_queue(queue_name, true); $$;

CREATE FUNCTION pgmq."create"(queue_name TEXT)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pgmq._create_queue(queue_name, false); $$;

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
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    PERFORM pgmq.acquire_queue_lock(queue_name);
    qtable := pgmq.format_table_name(queue_name, 'q');
    atable := pgmq.format_table_name(queue_name, 'a');

    SELECT m.is_partitioned INTO partitioned FROM pgmq.meta m
     WHERE m.queue_name = drop_queue.queue_name;

    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', qtable)) IS NULL THEN
        DELETE FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name;
        RAISE NOTICE 'pgmq queue `%` does not exist', queue_name;
        RETURN false;
    END IF;

    EXECUTE pg_catalog.format('DROP TABLE IF EXISTS pgmq.%I', qtable);
    EXECUTE pg_catalog.format('DROP TABLE IF EXISTS pgmq.%I', atable);
    DELETE FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name;

    IF partitioned THEN
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

-- Removes the pg_partman configuration rows of a dropped partitioned queue,
-- wherever pg_partman is installed.
CREATE FUNCTION pgmq._partman_forget(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    partman_schema TEXT;
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
CREATE FUNCTION pgmq.notify_queue_listeners()
RETURNS TRIGGER
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qname TEXT := COALESCE(TG_ARGV[0], pg_catalog.substr(TG_TABLE_NAME, 3));
    notified INTEGER;
BEGIN
    UPDATE pgmq.notify_insert_throttle t
       SET last_notified_at = pg_catalog.clock_timestamp()
     WHERE t.queue_name = qname
       AND (t.throttle_interval_ms = 0
            OR pg_catalog.clock_timestamp() - t.last_notified_at
               >= pg_catalog.make_interval(secs => t.throttle_interval_ms / 1000.0));
    GET DIAGNOSTICS notified = ROW_COUNT;

    IF notified = 0 AND TG_NARGS >= 2 THEN
        -- No row at all (a crash emptied the unlogged table): rebuild it.
        INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms, last_notified_at)
        SELECT qname, TG_ARGV[1]::INTEGER, pg_catalog.clock_timestamp()
         WHERE NOT EXISTS (SELECT 1 FROM pgmq.notify_insert_throttle t WHERE t.queue_name = qname)
           AND EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = qname)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS notified = ROW_COUNT;
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
CREATE FUNCTION pgmq._check_notify_args(queue_name TEXT, throttle_interval_ms INTEGER)
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
        RAISE EXCEPTION 'throttle_interval_ms must be non-negative, got: %', throttle_interval_ms
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'))) IS NULL
       OR NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = _check_notify_args.queue_name) THEN
        RAISE EXCEPTION 'Queue "%" does not exist. Create it first using pgmq.create()', queue_name
            USING ERRCODE = 'undefined_table';
    END IF;
END;
$$;

-- Drops the insert trigger of a queue, if it has one.
CREATE FUNCTION pgmq._drop_notify_trigger(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg
                WHERE tg.tgname = 'trigger_notify_queue_insert_listeners'
                  AND tg.tgrelid = pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', qtable))) THEN
        EXECUTE pg_catalog.format('DROP TRIGGER trigger_notify_queue_insert_listeners ON pgmq.%I', qtable);
    END IF;
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
    PERFORM pgmq._check_notify_args(queue_name, throttle_interval_ms);
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
DECLARE
    qtable TEXT;
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);
    qtable := pgmq.format_table_name(queue_name, 'q');
    IF pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', qtable)) IS NULL THEN
        RAISE EXCEPTION 'Queue "%" does not exist. Create it first using pgmq.create()', queue_name
            USING ERRCODE = 'undefined_table';
    END IF;
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
    PERFORM pgmq._check_notify_args(queue_name, throttle_interval_ms);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg
                    WHERE tg.tgname = 'trigger_notify_queue_insert_listeners'
                      AND tg.tgrelid = pg_catalog.to_regclass(pg_catalog.format('pgmq.%I',
                                           pgmq.format_table_name(queue_name, 'q')))) THEN
        RAISE EXCEPTION 'Queue "%" does not have notify_insert enabled. Enable it first using pgmq.enable_notify_insert()', queue_name
            USING ERRCODE = 'object_not_in_prerequisite_state';
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
