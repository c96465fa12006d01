# Partitioned queues on a running server: pgmq's maintenance worker makes
# partitions ahead and retires old ones per retention without losing an
# unread message; a burst past the runway spills into the default
# partition, which is detected (WARNING, metrics) and repaired.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('partitions');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
pgmq.maintenance_databases = 'postgres'
pgmq.maintenance_interval = 1
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE SCHEMA partman;
	CREATE EXTENSION pg_partman SCHEMA partman;
	CREATE EXTENSION pgmq;
	SELECT pgmq.create_partitioned('tp', '100', '300', 2);
});

sub partitions
{
	return $node->safe_psql('postgres', q{
		SELECT string_agg(c.relname, ' ' ORDER BY c.relname COLLATE "C")
		  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		 WHERE i.inhparent = 'pgmq.q_tp'::regclass AND c.relname <> 'q_tp_default'});
}

sub send_messages
{
	my ($n) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM pgmq.send_batch('tp', array_fill('{}'::jsonb, ARRAY[$n]))");
}

is(partitions(), 'q_tp_p0 q_tp_p100 q_tp_p200', 'premake 2: partitions for ids 0-299 at creation');

# Partitions are made ahead as the queue grows.
send_messages(150);
$node->poll_query_until('postgres',
	"SELECT to_regclass('pgmq.q_tp_p300') IS NOT NULL")
  or die 'maintenance did not make partitions ahead';
send_messages(150);
$node->poll_query_until('postgres',
	"SELECT to_regclass('pgmq.q_tp_p400') IS NOT NULL")
  or die 'maintenance did not make partitions ahead';
like(partitions(), qr/q_tp_p300 q_tp_p400/, 'new partitions made ahead by the maintenance worker');
is($node->safe_psql('postgres', "SELECT default_partition_length FROM pgmq.metrics('tp')"),
	'0', 'nothing in the default partition while maintenance keeps up');

# Consume everything below 250 except message 210, then push the newest id
# to 600, so that with a retention of 300 ids p0, p100 and p200 are all
# past it: p0 and p100 are empty and retired; p200 still holds 210 (and
# 250-299), so it stays.
$node->safe_psql('postgres', q{
	SELECT count(*) FROM pgmq.delete('tp', ARRAY(SELECT g FROM generate_series(1, 249) g WHERE g <> 210)::bigint[]);
});
# Within the runway (2 partitions of 100 made ahead) at each step.
for my $upto (400, 500, 600)
{
	send_messages(100);
	my $next = $upto + 100;
	$node->poll_query_until('postgres', "SELECT to_regclass('pgmq.q_tp_p$next') IS NOT NULL")
	  or die "maintenance did not make q_tp_p$next";
}
$node->poll_query_until('postgres', "SELECT to_regclass('pgmq.q_tp_p100') IS NULL")
  or die 'maintenance did not retire partitions';
my $parts = partitions();
unlike($parts, qr/q_tp_p0 |q_tp_p100 /, 'empty partitions past retention were dropped');
like($parts, qr/q_tp_p200/, 'a partition past retention with an unread message is kept');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgmq.q_tp WHERE msg_id = 210"),
	'1', 'the unread message is still in the queue');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgmq.read('tp', 300, 1000)"),
	'352', 'every unread message can still be read (210, 250-600)');
my $reported = 0;
for (1 .. 100)
{
	last if ($reported = $node->log_contains('partition pgmq.q_tp_p200 is past retention but still holds'));
	usleep(100_000);
}
ok($reported, 'keeping the partition is reported in the log');

# A forced overrun: pause maintenance and send more than the runway.
$node->append_conf('postgresql.conf', "pgmq.maintenance_interval = 0\n");
$node->reload;
sleep 2;
my $last_partition = $node->safe_psql('postgres', q{
	SELECT max(substring(c.relname from 'q_tp_p(\d+)')::int)
	  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	 WHERE i.inhparent = 'pgmq.q_tp'::regclass});
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT count(*) FROM pgmq.send_batch('tp', array_fill('{}'::jsonb, ARRAY[1000]))");
is($out, '1000', 'burst past the runway was accepted');
like($err, qr/WARNING:  pgmq queue "tp": rows are going into the default partition pgmq.q_tp_default/,
	'the spill is reported where it happens');
like($err, qr/pgmq\.repair_partitions\('tp'\)/, 'the warning says how to repair');
my $spilled = $node->safe_psql('postgres', "SELECT default_partition_length FROM pgmq.metrics('tp')");
cmp_ok($spilled, '>', 0, "metrics reports $spilled rows in the default partition");

($ret, $out, $err) = $node->psql('postgres', "SELECT partman.run_maintenance('pgmq.q_tp')");
isnt($ret, 0, 'pg_partman maintenance fails while rows sit in the default partition');

is($node->safe_psql('postgres', "SELECT pgmq.repair_partitions('tp')"),
	$spilled, 'repair_partitions moved every spilled row');
is($node->safe_psql('postgres', "SELECT default_partition_length FROM pgmq.metrics('tp')"),
	'0', 'default partition is empty again');
is($node->safe_psql('postgres', "SELECT pgmq.run_maintenance('tp')"),
	'0', 'maintenance works again after the repair (no failed steps)');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgmq.q_tp"),
	'1352', 'no message was lost: 352 leased + 1000 new');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgmq.read('tp', 30, 2000)"),
	'1000', 'the repaired messages are readable');

$node->safe_psql('postgres', "SELECT pgmq.drop_queue('tp')");
is($node->safe_psql('postgres', "SELECT count(*) FROM partman.part_config"),
	'0', 'drop_queue removes the pg_partman configuration');

$node->stop;
done_testing();
