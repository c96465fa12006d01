-- pgmq_adopt_upstream.sql: switches a database from upstream pgmq 1.x to
-- this pgmq, keeping every queue (docs/migrating.md, "From upstream pgmq
-- 1.x"). Run it once, as a superuser, after installing this pgmq's files:
--
--   psql -v ON_ERROR_STOP=1 -d DB -f "$(pg_config --sharedir)/extension/pgmq_adopt_upstream.sql"
--
-- It is plain SQL in one transaction: any client can run it, and if a step
-- fails nothing has changed. It works whether upstream's extension is still
-- installed, was dropped (DROP EXTENSION pgmq CASCADE leaves the queue
-- tables), or was installed without CREATE EXTENSION (its pgmq.sql run by
-- hand), and does nothing where this pgmq is installed already.
--
--  1. Insert notifications: upstream's trigger on each queue table is
--     noted (with its throttle, if any) and dropped, since it calls
--     upstream's function; step 3 creates this pgmq's trigger instead.
--  2. Upstream's extension, if installed, lets go of the tables and
--     sequences in schema pgmq (queues, archives, pgmq.meta, topic
--     bindings, throttles) and is dropped, without CASCADE: if an object of
--     yours depends on one of its functions or types, the script stops and
--     PostgreSQL names the object. Without an extension, upstream's
--     functions and types in schema pgmq, which belong to no extension,
--     are dropped the same way.
--  3. CREATE EXTENSION pgmq registers every pgmq.q_<name> with its
--     pgmq.a_<name> (see "Queues of an earlier install" in pgmq.sql): the
--     names, created_at, topic bindings and notify throttles come from the
--     tables upstream left; messages, ids and archives stay where they are.

BEGIN;

CREATE TEMP TABLE IF NOT EXISTS pgmq_adopt_notify (queue_name TEXT, throttle_interval_ms INTEGER);

DO $adopt_upstream$
DECLARE
    ext OID;
    r RECORD;
BEGIN
    SET LOCAL search_path = pg_catalog, pg_temp;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'pgmq_adopt_upstream.sql must be run by a superuser'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'It drops upstream''s extension and creates this one.';
    END IF;
    IF to_regnamespace('pgmq') IS NULL THEN
        RAISE NOTICE 'no schema pgmq: nothing to adopt, creating the extension';
        RETURN;
    END IF;
    SELECT e.oid INTO ext FROM pg_extension e WHERE e.extname = 'pgmq';
    -- This pgmq has C functions; upstream's are SQL and PL/pgSQL.
    IF ext IS NOT NULL AND EXISTS (
        SELECT 1 FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
         WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
           AND d.refobjid = ext AND d.deptype = 'e'
           AND p.proname = '_registered_name' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')) THEN
        RAISE NOTICE 'this pgmq (version %) is installed already: nothing to adopt',
            (SELECT extversion FROM pg_extension WHERE oid = ext);
        RETURN;
    END IF;

    -- 1. upstream's insert triggers
    FOR r IN SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relname LIKE 'q\_%'
                AND t.tgname = 'trigger_notify_queue_insert_listeners' AND NOT t.tgisinternal
              ORDER BY 1 LOOP
        INSERT INTO pg_temp.pgmq_adopt_notify VALUES (substr(r.relname, 3), 0);
        EXECUTE format('DROP TRIGGER %I ON pgmq.%I', r.tgname, r.relname);
    END LOOP;

    IF ext IS NOT NULL THEN
        -- 2. tables, sequences and the schema leave upstream's extension
        FOR r IN SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, c.oid::regclass AS obj
                   FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
                  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
                    AND d.refobjid = ext AND d.deptype = 'e'
                    AND c.relnamespace = 'pgmq'::regnamespace AND c.relkind IN ('r', 'p', 'S')
                  ORDER BY c.relkind, c.relname LOOP
            EXECUTE format('ALTER EXTENSION pgmq DROP %s %s', r.kind, r.obj);
        END LOOP;
        IF EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_namespace'::regclass AND d.objid = 'pgmq'::regnamespace
                      AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e') THEN
            ALTER EXTENSION pgmq DROP SCHEMA pgmq;
        END IF;
        RAISE NOTICE 'dropping upstream pgmq %', (SELECT extversion FROM pg_extension WHERE oid = ext);
        DROP EXTENSION pgmq;
    ELSE
        -- 2. an install without CREATE EXTENSION: its functions and types
        FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
                  WHERE p.pronamespace = 'pgmq'::regnamespace
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                     WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
                  ORDER BY 1 LOOP
            EXECUTE format('DROP ROUTINE %s', r.fn);
        END LOOP;
        FOR r IN SELECT t.oid::regtype AS typ FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
                  WHERE t.typnamespace = 'pgmq'::regnamespace AND t.typtype = 'c' AND c.relkind = 'c'
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                     WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
                  ORDER BY 1 LOOP
            EXECUTE format('DROP TYPE %s', r.typ);
        END LOOP;
    END IF;
END
$adopt_upstream$;

-- 3. this pgmq, adopting what upstream left
CREATE EXTENSION IF NOT EXISTS pgmq;
DROP TABLE IF EXISTS pg_temp.pgmq_adopt_notify;

DO $adopted$
BEGIN
    RAISE NOTICE 'pgmq %: % queues, % topic bindings, % queues with insert notifications',
        (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pgmq'),
        (SELECT pg_catalog.count(*) FROM pgmq.meta),
        (SELECT pg_catalog.count(*) FROM pgmq.topic_bindings),
        (SELECT pg_catalog.count(*) FROM pgmq.notify_insert_throttle);
END
$adopted$;

COMMIT;
