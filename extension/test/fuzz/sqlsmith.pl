# SQLsmith (reliability plan, tier E1; issue 13): random SQL from the
# catalog, pgmq's functions and three filled queues, run as a role that may
# create queues (pgmq_admin) and owns the queues, not as a superuser. Pass:
# sqlsmith ran its queries, the server log shows no process dead of a
# signal, no PANIC and no assertion failure (TRAP), the server still
# answers and the registry matches the tables.
#
# SQLSMITH_QUERIES (default 10000) queries, SQLSMITH_SEED the seed.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $queries = $ENV{SQLSMITH_QUERIES} // 10000;
my $seed = $ENV{SQLSMITH_SEED} // ($$ ^ time()) % 1_000_000;
my ($sqlsmith) = grep { -x } map { "$_/sqlsmith" } split(/:/, $ENV{PATH} // ''), '/usr/bin';
plan skip_all => 'sqlsmith is not installed (Debian package sqlsmith)' unless $sqlsmith;
note "sqlsmith: $queries queries, seed $seed";

my $node = PostgreSQL::Test::Cluster->new('sqlsmith');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
max_connections = 20
log_min_messages = warning
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	CREATE ROLE smith LOGIN;
	GRANT pgmq_admin TO smith;
	GRANT CREATE ON DATABASE postgres TO smith;
	SET ROLE smith;
	SELECT pgmq.create('smith_a');
	SELECT pgmq.create_unlogged('smith_u');
	SELECT pgmq.create('smith_f');
	SELECT pgmq.create_fifo_index('smith_f');
	SELECT pgmq.send_batch(q, ARRAY(SELECT jsonb_build_object('n', i) FROM generate_series(1, 200) i))
	  FROM unnest(ARRAY['smith_a', 'smith_u', 'smith_f']) q;
	SELECT pgmq.read('smith_a', 30, 20);
	SELECT pgmq.archive('smith_a', ARRAY[1, 2, 3]::bigint[]);
});

my $connstr = $node->connstr('postgres') . ' user=smith';
my ($out, $err) = ('', '');
my $ok = IPC::Run::run([ $sqlsmith, "--target=$connstr", "--seed=$seed", "--max-queries=$queries", '--verbose' ],
	'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(1800));
my @lines = split /\n/, $err;
diag("sqlsmith: seed $seed, exit " . ($? >> 8) . '; ' . substr($err =~ s/\s+/ /gr, -600));
ok($ok, 'sqlsmith ran its queries and exited normally');

my $log = slurp_file($node->logfile);
my @signals = ($log =~ /terminated by signal (\d+)/g);
is(scalar(@signals), 0, 'no server process died of a signal');
unlike($log, qr/^TRAP:|PANIC:/m, 'no assertion failure or PANIC in the server log');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server still answers');
is($node->safe_psql('postgres', q{
	WITH expected AS (
		SELECT pgmq.format_table_name(m.queue_name, t) AS relname FROM pgmq.meta m, unnest(ARRAY['q', 'a']) t
	), actual AS (
		SELECT c.relname FROM pg_class c
		 WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind IN ('r', 'p')
		   AND NOT c.relispartition AND c.relname ~ '^[qa]_'
	)
	SELECT count(*) FROM expected e FULL JOIN actual a USING (relname)
	 WHERE e.relname IS NULL OR a.relname IS NULL}), '0', 'the registry matches the tables one to one');

$node->stop('fast', fail_ok => 1);
done_testing();
