# read_with_poll gives up its xmin while waiting only when no snapshot of
# the transaction can still be used: a cursor opened before the poll keeps
# every row it saw while another session deletes and vacuums. And a send
# committed with PREPARE TRANSACTION + COMMIT PREPARED (or a claim undone by
# ROLLBACK PREPARED) wakes the waiting readers.
#
# Timing: the waits use a 100 s poll interval and a 30 s deadline, so that
# only a wake-up can end them within the 10 s the checks allow.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('poll_xmin_prepared');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pgmq'\nmax_prepared_transactions = 4\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	SELECT pgmq.create('hz');
	SELECT pgmq.create('pq');
	CREATE TABLE big AS SELECT i FROM generate_series(1, 20000) i;});

# An interactive psql session: [harness, \stdin, \stdout, \stderr].
sub start_session
{
	my ($in, $out, $err) = ('', '', '');
	my $h = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
		'<', \$in, '>', \$out, '2>', \$err);
	return [ $h, \$in, \$out, \$err ];
}

# Sends $sql to the session without waiting for its result.
sub feed
{
	my ($s, $sql) = @_;
	${ $s->[1] } .= $sql;
	$s->[0]->pump_nb while length ${ $s->[1] };
}

# Sends $sql to the session and waits for the line $marker it must print.
sub run_until
{
	my ($s, $sql, $marker) = @_;
	feed($s, $sql);
	$s->[0]->pump until ${ $s->[2] } =~ /$marker/ || ${ $s->[3] } ne '';
	die "session failed: ${ $s->[3] }" if ${ $s->[3] } ne '';
}

sub wait_for_waiter
{
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'Extension' AND query LIKE '%read_with_poll%'")
	  or die "waiter did not start";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE wait_event = 'Extension' AND query LIKE '%read_with_poll%'");
}

# 1. A cursor declared before the poll keeps its rows.
{
	my $s = start_session();
	run_until($s, "BEGIN;\nDECLARE c CURSOR FOR SELECT i FROM big;\nFETCH 1 FROM c;\n", qr/^1$/m);
	${ $s->[2] } = '';
	feed($s, "SELECT 'got ' || msg_id FROM pgmq.read_with_poll('hz', 30, 1, 30, 100000);\n");
	my $pid = wait_for_waiter();
	isnt($node->safe_psql('postgres', "SELECT backend_xmin FROM pg_stat_activity WHERE pid = $pid"),
		'', 'a waiter with an open cursor keeps its xmin');

	$node->safe_psql('postgres', "DELETE FROM big");
	$node->safe_psql('postgres', "VACUUM big");
	$node->safe_psql('postgres', "SELECT pgmq.send('hz', '{}')");
	$s->[0]->pump until ${ $s->[2] } =~ /got 1/;
	${ $s->[2] } = '';
	run_until($s, "FETCH ALL FROM c;\nSELECT 'end of fetch';\n", qr/end of fetch/);
	my $rows = () = ${ $s->[2] } =~ /^\d+$/mg;
	is($rows, 19999, 'the cursor returns all its remaining rows after the poll');
	run_until($s, "COMMIT;\nSELECT 'done';\n", qr/done/);
	feed($s, "\\q\n");
	$s->[0]->finish;
}

# 2. So does the outer statement of a PL/pgSQL function that polls.
{
	my $s = start_session();
	feed($s, "DO \$\$ BEGIN PERFORM pgmq.read_with_poll('hz', 30, 1, 30, 100000); END \$\$;\nSELECT 'polled';\n");
	my $pid = wait_for_waiter();
	isnt($node->safe_psql('postgres', "SELECT backend_xmin FROM pg_stat_activity WHERE pid = $pid"),
		'', 'a waiter called from PL/pgSQL keeps its xmin');
	$node->safe_psql('postgres', "SELECT pgmq.send('hz', '{}')");
	$s->[0]->pump until ${ $s->[2] } =~ /polled/;
	feed($s, "\\q\n");
	$s->[0]->finish;
}

# 3. A plain top-level poll gives it up.
{
	my $s = start_session();
	feed($s, "SELECT 'got ' || msg_id FROM pgmq.read_with_poll('hz', 30, 1, 30, 100000);\n");
	my $pid = wait_for_waiter();
	is($node->safe_psql('postgres', "SELECT backend_xmin IS NULL FROM pg_stat_activity WHERE pid = $pid"),
		'f', 'a projection calling functions is not a plain poll: xmin kept');
	$node->safe_psql('postgres', "SELECT pgmq.send('hz', '{}')");
	$s->[0]->pump until ${ $s->[2] } =~ /got/;

	feed($s, "SELECT msg_id FROM pgmq.read_with_poll('hz', 30, 1, 30, 100000);\n");
	$pid = wait_for_waiter();
	is($node->safe_psql('postgres', "SELECT backend_xmin IS NULL FROM pg_stat_activity WHERE pid = $pid"),
		't', 'SELECT columns FROM read_with_poll(...) holds no xmin while waiting');
	$node->safe_psql('postgres', "SELECT pgmq.send('hz', '{}')");
	feed($s, "\\q\n");
	$s->[0]->finish;
}

# 4. COMMIT PREPARED of a send wakes the waiter.
{
	my $s = start_session();
	feed($s, "SELECT 'got ' || msg_id FROM pgmq.read_with_poll('pq', 30, 1, 30, 100000);\n");
	wait_for_waiter();
	$node->safe_psql('postgres', "BEGIN; SELECT pgmq.send('pq', '{}'); PREPARE TRANSACTION 'send1';");
	my $t0 = time;
	$node->safe_psql('postgres', "COMMIT PREPARED 'send1'");
	$s->[0]->pump until ${ $s->[2] } =~ /got/;
	my $elapsed = time - $t0;
	like(${ $s->[2] }, qr/got 1/, 'the waiter got the message sent by the prepared transaction');
	cmp_ok($elapsed, '<', 10, 'woken by COMMIT PREPARED, not by the 30 s deadline');
	feed($s, "\\q\n");
	$s->[0]->finish;
}

# 5. ROLLBACK PREPARED of a claim wakes the waiter: the message is back.
{
	$node->safe_psql('postgres', "SELECT pgmq.send('pq', '{}')");
	$node->safe_psql('postgres',
		"BEGIN; SELECT pgmq.read('pq', 60, 1); PREPARE TRANSACTION 'claim1';");
	my $s = start_session();
	feed($s, "SELECT 'got ' || msg_id FROM pgmq.read_with_poll('pq', 30, 1, 30, 100000);\n");
	wait_for_waiter();
	my $t0 = time;
	$node->safe_psql('postgres', "ROLLBACK PREPARED 'claim1'");
	$s->[0]->pump until ${ $s->[2] } =~ /got/;
	my $elapsed = time - $t0;
	like(${ $s->[2] }, qr/got 2/, 'the waiter got the message released by ROLLBACK PREPARED');
	cmp_ok($elapsed, '<', 10, 'woken by ROLLBACK PREPARED, not by the 30 s deadline');
	feed($s, "\\q\n");
	$s->[0]->finish;
}

$node->stop;
done_testing();
