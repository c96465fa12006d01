-- Installs the extension once for the whole regression suite. Every other
-- file creates and drops its own queues and relies on nothing else.
CREATE EXTENSION pgmq;
SELECT extname, extversion, extrelocatable, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'pgmq';
-- A fresh install has no queues.
SELECT count(*) FROM pgmq.meta;
SELECT * FROM pgmq.list_queues();
SELECT * FROM pgmq.metrics_all();
