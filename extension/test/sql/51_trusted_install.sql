-- pgmq is a trusted extension: the owner of a database installs it without
-- being a superuser, and then owns the schema and may create queues.
SET client_min_messages = warning;
CREATE ROLE pv_dbo LOGIN;
CREATE DATABASE pv_trusted OWNER pv_dbo;
\set regress_db :DBNAME
\set regress_user :USER
\c pv_trusted pv_dbo
SET client_min_messages = warning;
SELECT rolsuper FROM pg_roles WHERE rolname = current_user;
CREATE EXTENSION pgmq;
SELECT n.nspowner::regrole AS schema_owner FROM pg_namespace n WHERE n.nspname = 'pgmq';
SELECT pgmq.create('tr_q');
SELECT count(*) FROM pgmq.send('tr_q', '{"n": 1}');
SELECT message FROM pgmq.read('tr_q', 30, 1);
SELECT queue_name, queue_length FROM pgmq.metrics_all();
SELECT pgmq.purge_queue('tr_q');
SELECT pgmq.drop_queue('tr_q');
DROP EXTENSION pgmq;
\c :regress_db :regress_user
SET client_min_messages = warning;
DROP DATABASE pv_trusted;
DROP ROLE pv_dbo;
