-- Upgrade of pgmq from 1.13.0 (the first C release) to 1.13.1-c1.
--
-- Every change to the schema since 1.13.0 is repeated here, in the order
-- it was made: an upgraded database must end up exactly as a fresh install
-- of 1.13.1-c1 (t/011_upgrade.pl compares the two object by object).
-- pgmq--1.13.0.sql is the frozen install script of 1.13.0: never edit it.

\echo Use "ALTER EXTENSION pgmq UPDATE" to load this file. \quit

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
