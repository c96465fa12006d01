-- The SQL surface of the extension: functions with their argument names and
-- defaults, result types, the registry table and privileges. Clients call
-- with named arguments and map composite columns by position, so all of
-- this is API and must stay exactly as in pgmq 1.13.

-- Every function of the schema, deterministically ordered (the insert
-- notification functions are covered by 20_notify).
SELECT p.proname,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace AND p.proname NOT LIKE '%notify%'
 ORDER BY p.proname, pg_get_function_identity_arguments(p.oid);

-- None is a procedure or an aggregate, and EXECUTE is left to PUBLIC (no
-- ACL), as in pgmq. One is SECURITY DEFINER: the insert notification
-- trigger, so that producers need no rights on its throttle table
-- (docs/security.md).
SELECT count(*) > 0 AS has_functions,
       count(*) FILTER (WHERE p.prosecdef) AS security_definer,
       count(*) FILTER (WHERE p.prokind <> 'f') AS not_plain_functions,
       count(*) FILTER (WHERE p.proacl IS NOT NULL) AS with_acl
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace;

-- Every function belongs to the extension.
SELECT count(*) AS functions_not_in_extension
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e');

-- Functions returning SETOF a scalar name their output column after
-- themselves; upstream tests select "send", "archive", "delete".
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS arguments
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace AND p.proretset
   AND p.prorettype = 'int8'::regtype
 ORDER BY 1, 2;

-- The three composite types, column by column, and the row of the seed's
-- 0.2.0 pgmq_read and pgmq_pop (vt before enqueued_at).
SELECT t.typname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid
 WHERE t.typnamespace = 'pgmq'::regnamespace
   AND t.typname IN ('message_record', 'queue_record', 'metrics_result', 'seed_message_record')
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY t.typname, a.attnum;

-- The registry table pgmq.meta.
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'pgmq.meta'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;
SELECT conname, contype, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE conrelid = 'pgmq.meta'::regclass ORDER BY conname;

-- meta is a configuration table: pg_dump dumps its rows.
SELECT c.cfg AS config_table, e.extcondition[c.n] AS condition
  FROM pg_extension e, unnest(e.extconfig::regclass[]) WITH ORDINALITY AS c(cfg, n)
 WHERE e.extname = 'pgmq' AND c.cfg = 'pgmq.meta'::regclass;
-- ... and a member of the extension.
SELECT count(*) AS meta_is_member
  FROM pg_depend d
 WHERE d.classid = 'pg_class'::regclass AND d.objid = 'pgmq.meta'::regclass
   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e';

-- pg_monitor can look at everything in the schema. (Every role may insert
-- into meta, but row policies admit only rows of queues it owns.)
SELECT has_schema_privilege('pg_monitor', 'pgmq', 'USAGE') AS schema_usage,
       has_table_privilege('pg_monitor', 'pgmq.meta', 'SELECT') AS meta_select,
       has_table_privilege('pg_monitor', 'pgmq.meta', 'INSERT') AS meta_insert;
-- ... including tables and sequences created later (default privileges).
SELECT defaclobjtype, defaclacl::text LIKE '%pg_monitor=r/%' AS pg_monitor_select
  FROM pg_default_acl WHERE defaclnamespace = 'pgmq'::regnamespace
 ORDER BY defaclobjtype;

-- The module's setting, defined once the library is loaded.
SELECT pgmq.validate_queue_name('loads_the_library');
SHOW pgmq.max_cached_queues;
SELECT name, setting, min_val, max_val, context
  FROM pg_settings WHERE name = 'pgmq.max_cached_queues';

-- The seed's 0.2.0 names, in schema public (60_seed_api replays them).
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result
  FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'pgmq\_%'
 ORDER BY p.proname;
