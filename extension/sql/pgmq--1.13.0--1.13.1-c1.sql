-- Upgrade of pgmq from 1.13.0 (the first C release) to 1.13.1-c1.
--
-- Every change to the schema since 1.13.0 is repeated here, in the order
-- it was made: an upgraded database must end up exactly as a fresh install
-- of 1.13.1-c1 (t/011_upgrade.pl compares the two object by object).
-- pgmq--1.13.0.sql is the frozen install script of 1.13.0: never edit it.

\echo Use "ALTER EXTENSION pgmq UPDATE" to load this file. \quit
