# The maintenance worker applies queue retention policies: it prunes
# expired messages and archive rows on a running server in bounded batches,
# goes on doing so after a restart, and leaves a database without pgmq
# alone (docs/retention.md).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('retention_worker');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pgmq'\n");
$node->start;

$node->safe_psql('postgres', q{
	CREATE DATABASE nopgmq;
	CREATE EXTENSION pgmq;
	SELECT pgmq.create('rw_q');
	SELECT pgmq.create('rw_keep');
	SELECT pgmq.set_policy('rw_q', message_retention => '1 hour', archive_retention => '1 day');
});
$node->safe_psql('nopgmq', q{
	CREATE TABLE public.untouched (id int);
	INSERT INTO public.untouched VALUES (1), (2);
});

# Old messages and archive rows: 5 + 3 to go, 1 fresh of each to stay.
sub add_expired
{
	$node->safe_psql('postgres', q{
		SELECT pgmq.send_batch('rw_q', ARRAY['{"o":1}','{"o":2}','{"o":3}','{"o":4}','{"o":5}']::jsonb[]);
		UPDATE pgmq.q_rw_q SET enqueued_at = now() - interval '2 hours' WHERE message ? 'o';
		SELECT pgmq.send_batch('rw_q', ARRAY['{"a":1}','{"a":2}','{"a":3}']::jsonb[]);
		SELECT pgmq.archive('rw_q', msg_id) FROM pgmq.q_rw_q WHERE message ? 'a';
		UPDATE pgmq.a_rw_q SET archived_at = now() - interval '2 days' WHERE message ? 'a';
		SELECT pgmq.send('rw_q', '{"fresh":1}');
		SELECT pgmq.send('rw_q', '{"fresh_a":1}');
		SELECT pgmq.archive('rw_q', msg_id) FROM pgmq.q_rw_q WHERE message ? 'fresh_a';
		SELECT pgmq.send('rw_keep', '{}');
		UPDATE pgmq.q_rw_keep SET enqueued_at = now() - interval '10 years';
	});
}
add_expired();

# Now the workers: one per listed database, batches of 2 rows.
$node->append_conf('postgresql.conf', q{
pgmq.maintenance_databases = 'postgres, nopgmq'
pgmq.maintenance_interval = 1
pgmq.retention_batch_size = 2
});
$node->restart;

my $pruned = q{SELECT (SELECT count(*) FROM pgmq.q_rw_q) = 1
                  AND (SELECT count(*) FROM pgmq.a_rw_q) = 1};
ok($node->poll_query_until('postgres', $pruned), 'the worker prunes expired rows');
is($node->safe_psql('postgres', q{SELECT message FROM pgmq.q_rw_q UNION ALL SELECT message FROM pgmq.a_rw_q ORDER BY 1}),
	qq({"fresh": 1}\n{"fresh_a": 1}), 'fresh rows stay');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pgmq.q_rw_keep'), '1',
	'a queue without retention is not touched');

is($node->safe_psql('postgres', q{
	SELECT string_agg(datname || ':' || application_name, ',' ORDER BY datname)
	  FROM pg_stat_activity WHERE backend_type = 'pgmq maintenance'}),
	'nopgmq:pgmq maintenance,postgres:pgmq maintenance',
	'one worker per database, visible in pg_stat_activity');

# The database without pgmq is left alone.
is($node->safe_psql('nopgmq', q{
	SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'pgmq') || ','
	    || (SELECT count(*) FROM pg_namespace WHERE nspname = 'pgmq') || ','
	    || (SELECT count(*) FROM public.untouched)}),
	'0,0,2', 'nothing is created or removed where pgmq is not installed');
unlike(slurp_file($node->logfile), qr/ERROR/, 'and no run failed');

# After a restart the worker is back and prunes again.
$node->restart;
add_expired();
ok($node->poll_query_until('postgres', q{SELECT (SELECT count(*) FROM pgmq.q_rw_q) = 2
                                           AND (SELECT count(*) FROM pgmq.a_rw_q) = 2}),
	'after a restart the worker prunes again');

# A fast shutdown is not held up by the workers, even mid-backlog.
$node->safe_psql('postgres', q{
	SELECT pgmq.send_batch('rw_q', array_agg('{}'::jsonb)) FROM generate_series(1, 20000);
	UPDATE pgmq.q_rw_q SET enqueued_at = now() - interval '2 hours' WHERE message = '{}';
});
my $t0 = time();
$node->stop('fast');
cmp_ok(time() - $t0, '<', 60, 'fast shutdown with the workers running');

# pgmq.maintenance_databases = '*': a launcher starts a worker in every
# database where pgmq is installed, and none stays where it is not.
$node->append_conf('postgresql.conf', "pgmq.maintenance_databases = '*'\n");
$node->start;
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM pgmq.q_rw_q WHERE message = '{}'}),
	'with the launcher, the worker of a database with pgmq prunes');
ok($node->poll_query_until('postgres', q{
	SELECT string_agg(backend_type || ':' || coalesce(datname, '-'), ',' ORDER BY backend_type, datname)
	  FROM pg_stat_activity WHERE backend_type LIKE 'pgmq maintenance%'},
	'pgmq maintenance:postgres,pgmq maintenance launcher:-'),
	'launcher and one worker, none in the database without pgmq');
is($node->safe_psql('nopgmq', q{SELECT count(*) FROM pg_namespace WHERE nspname = 'pgmq'}), '0',
	'the database without pgmq is still left alone');
unlike(slurp_file($node->logfile), qr/ERROR/, 'and no run failed');
$t0 = time();
$node->stop('fast');
cmp_ok(time() - $t0, '<', 60, 'fast shutdown with the launcher running');

done_testing();
