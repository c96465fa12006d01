# The maintenance worker's settings: a bad pgmq.maintenance_databases in
# the configuration file must not stop the server (it was an ERROR in
# _PG_init, which ends the postmaster), and a failing run must be retried
# after pgmq.maintenance_interval as reloaded, not after a restart time
# fixed at server start.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('maintenance_settings');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
pgmq.maintenance_databases = 'postgres, "unterminated'
});
if (ok($node->start(fail_ok => 1), 'server starts with a bad pgmq.maintenance_databases'))
{
	like(slurp_file($node->logfile), qr/invalid value for parameter "pgmq.maintenance_databases"/,
		'the bad value is reported');
	is($node->safe_psql('postgres', 'SHOW pgmq.maintenance_databases'), '',
		'and replaced by the default');
	$node->stop;
}

$node = PostgreSQL::Test::Cluster->new('maintenance_reload');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pgmq'\n");
$node->start;

# A run_maintenance that counts its calls (the sequence is not rolled back)
# and then fails.
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	CREATE SEQUENCE public.maintenance_calls;
	CREATE OR REPLACE FUNCTION pgmq.run_maintenance(queue_name TEXT DEFAULT NULL)
	RETURNS INTEGER LANGUAGE plpgsql AS $$
	BEGIN
		PERFORM nextval('public.maintenance_calls');
		RAISE EXCEPTION 'maintenance fails on purpose';
	END $$;
});
sub calls
{
	return $node->safe_psql('postgres',
		'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.maintenance_calls');
}

# Start with an hour between runs: the first run fails at once.
$node->append_conf('postgresql.conf', q{
pgmq.maintenance_databases = 'postgres'
pgmq.maintenance_interval = 3600
});
$node->restart;
$node->poll_query_until('postgres',
	"SELECT last_value >= 1 AND is_called FROM public.maintenance_calls")
  or die 'the maintenance worker did not run';
ok(1, 'first run at start');

# Reloaded to one second, the failing runs follow it.
$node->append_conf('postgresql.conf', "pgmq.maintenance_interval = 1\n");
$node->reload;
my $deadline = time() + 90;
usleep(200_000) while calls() < 4 && time() < $deadline;
cmp_ok(calls(), '>=', 4, 'failed runs are retried after the reloaded interval');
like(slurp_file($node->logfile), qr/maintenance fails on purpose/, 'failures are logged');
is($node->safe_psql('postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pgmq maintenance'"),
	'1', 'the worker is still the one running');

$node->stop;
done_testing();
