# Crashes and failover (reliability goals G1, G4, G6, G8): committed sends
# survive a crash of the whole server, uncommitted ones vanish, leases
# survive and expire, unlogged queues never reuse a msg_id (so archiving
# keeps working), and a promoted standby has every committed message and
# continues the ids. A standby refuses claims with a clean error.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
synchronous_commit = on
fsync = on
});
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	SELECT pgmq.create('durable');
	SELECT pgmq.create_unlogged('fast');
});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# Committed work, a lease, and a transaction left open at the crash.
$primary->safe_psql('postgres', q{
	SELECT pgmq.send_batch('durable', array_fill('{"k": "committed"}'::jsonb, ARRAY[500]));
	SELECT pgmq.send_batch('fast', array_fill('{}'::jsonb, ARRAY[10]));
	SELECT pgmq.archive('fast', ARRAY[1, 2, 3]::bigint[]);
});
# A 300 s lease: the crash and restart below must not outlast it, even on a
# busy machine (a 3 s lease once expired during a slow restart).
my $leased_vt = $primary->safe_psql('postgres',
	"SELECT string_agg(vt::text, ',' ORDER BY msg_id) FROM pgmq.read('durable', 300, 5)");
my ($in, $out, $err) = ('', '', '');
my $open = IPC::Run::start([ 'psql', '-XAtq', '-d', $primary->connstr('postgres') ],
	'<', \$in, '>', \$out, '2>', \$err);
$in .= "BEGIN; SELECT pgmq.send('durable', '{\"k\": \"uncommitted\"}'); SELECT 'sent';\n";
$open->pump until $out =~ /sent/;

$primary->stop('immediate');
$open->finish;
$primary->start;

is($primary->safe_psql('postgres', "SELECT count(*) FROM pgmq.q_durable WHERE message->>'k' = 'committed'"),
	'500', 'every committed send survived the crash');
is($primary->safe_psql('postgres', "SELECT count(*) FROM pgmq.q_durable WHERE message->>'k' = 'uncommitted'"),
	'0', 'the uncommitted send is gone');
is($primary->safe_psql('postgres',
		"SELECT string_agg(vt::text, ',' ORDER BY msg_id) FROM pgmq.q_durable WHERE msg_id <= 5"),
	$leased_vt, 'the leases survived the crash unchanged');
is($primary->safe_psql('postgres', "SELECT msg_id FROM pgmq.read('durable', 300, 1)"),
	'6', 'leased messages stay hidden after the crash: the next claim gets 6');
# Let the leases run out without waiting for them.
$primary->safe_psql('postgres',
	"UPDATE pgmq.q_durable SET vt = clock_timestamp() - interval '1 second' WHERE msg_id <= 5");
is($primary->safe_psql('postgres', "SELECT string_agg(msg_id::text, ',') FROM pgmq.read('durable', 300, 5)"),
	'1,2,3,4,5', 'and are delivered again once their lease runs out (at-least-once)');
is($primary->safe_psql('postgres', "SELECT read_ct FROM pgmq.q_durable WHERE msg_id = 1"),
	'2', 'their read_ct counts both deliveries');

# Unlogged: emptied by the crash; ids go on, so the archive does not collide.
is($primary->safe_psql('postgres', "SELECT count(*) FROM pgmq.q_fast"), '0',
	'the unlogged queue was emptied by the crash');
my $next = $primary->safe_psql('postgres', "SELECT * FROM pgmq.send('fast', '{}')");
cmp_ok($next, '>', 10, "unlogged queue ids continue after the crash (next is $next)");
is($primary->safe_psql('postgres', "SELECT pgmq.archive('fast', ${next}::bigint)"), 't',
	'archiving works after the crash');
is($primary->safe_psql('postgres', "SELECT count(*) FROM pgmq.a_fast"), '4', 'archive kept its rows');

# Registry matches tables.
is($primary->safe_psql('postgres', q{
	SELECT count(*) FROM pgmq.meta m
	 WHERE to_regclass(format('pgmq.%I', pgmq.format_table_name(m.queue_name, 'q'))) IS NULL}),
	'0', 'every registered queue still has its table');

# Failover: the standby has every committed message and takes over.
$primary->safe_psql('postgres', "SELECT pgmq.send_batch('durable', array_fill('{\"k\": \"late\"}'::jsonb, ARRAY[100]))");
$primary->wait_for_catchup($standby);
my ($ret, $sout, $serr) = $standby->psql('postgres', "SELECT * FROM pgmq.read('durable', 30, 1)");
like($serr, qr/read-only transaction/, 'a standby refuses claims with a clean error');
is($standby->safe_psql('postgres', "SELECT string_agg(queue_name, ',') FROM pgmq.metrics_all()"),
	'durable', 'metrics_all works on a standby, leaving out unlogged queues');
my $last = $primary->safe_psql('postgres', "SELECT max(msg_id) FROM pgmq.q_durable");
$primary->stop('immediate');
$standby->promote;
is($standby->safe_psql('postgres', "SELECT count(*) FROM pgmq.q_durable"),
	'600', 'the promoted standby has every committed message');
my $after = $standby->safe_psql('postgres', "SELECT * FROM pgmq.send('durable', '{}')");
cmp_ok($after, '>', $last, "msg_ids continue on the promoted standby ($after > $last)");
is($standby->safe_psql('postgres', "SELECT count(*) FROM pgmq.read('durable', 30, 1000)"),
	'595', 'the promoted standby serves claims (all but the 6 leased)');

$standby->stop;
done_testing();
