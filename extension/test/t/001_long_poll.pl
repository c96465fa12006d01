# Long polling: read_with_poll is woken at commit, not by polling; rollbacks
# wake no one into a wrong result; cancel, statement_timeout and termination
# end a wait promptly; many waiters share messages without duplicates; no
# snapshot (xmin) is held while waiting; without the preload it still works.
#
# Timing: no check measures latency. "Woken by the commit, not by polling"
# uses a 100 s poll interval and a 30 s or longer deadline, and allows 10 s:
# only a wake-up (or an interrupt) can end the wait that early.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('long_poll');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pgmq'\n");
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION pgmq; SELECT pgmq.create('lp');");

# Starts psql running $sql in the background; returns [harness, \stdout, \stderr].
sub start_psql
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-c', $sql ],
		'>', \$out, '2>', \$err);
	return [ $h, \$out, \$err ];
}

# Waits until $n backends sleep in read_with_poll (wait event "Extension").
sub wait_for_waiters
{
	my ($n) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) >= $n FROM pg_stat_activity WHERE wait_event = 'Extension' AND query LIKE '%read_with_poll%'")
	  or die "waiters did not start";
}

sub waiter_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE wait_event = 'Extension' AND query LIKE '%read_with_poll%' LIMIT 1");
}

# 1. Wake at commit: the poll interval is 100 s and the deadline 30 s, so
# only the commit can end the wait within 10 s.
{
	my $c = start_psql("SELECT msg_id FROM pgmq.read_with_poll('lp', 30, 1, 30, 100000)");
	wait_for_waiters(1);

	is($node->safe_psql('postgres',
			"SELECT backend_xmin IS NULL FROM pg_stat_activity WHERE pid = " . waiter_pid()),
		't', 'no xmin is held while waiting');

	my $t0 = time;
	$node->safe_psql('postgres', q{SELECT pgmq.send('lp', '{"n": 1}')});
	$c->[0]->finish;
	is(${ $c->[1] }, "1\n", 'waiting reader got the message');
	cmp_ok(time - $t0, '<', 10, 'woken at commit, not by the 100 s poll interval or the 30 s deadline');
}

# 2. A rolled-back send wakes no one into a wrong result.
{
	my $c = start_psql("SELECT count(*) FROM pgmq.read_with_poll('lp', 30, 1, 2, 5000)");
	wait_for_waiters(1);
	$node->safe_psql('postgres', "BEGIN; SELECT pgmq.send('lp', '{\"n\": 2}'); ROLLBACK;");
	$c->[0]->finish;
	is(${ $c->[1] }, "0\n", 'rolled-back send delivers nothing');
}

# 3. Cancel, statement_timeout and termination end a wait promptly.
{
	my $c = start_psql("SELECT count(*) FROM pgmq.read_with_poll('lp', 30, 1, 60, 100000)");
	wait_for_waiters(1);
	my $t0 = time;
	$node->safe_psql('postgres', "SELECT pg_cancel_backend(" . waiter_pid() . ")");
	$c->[0]->finish;
	my $elapsed = time - $t0;
	like(${ $c->[2] }, qr/canceling statement due to user request/, 'cancel ends the wait');
	cmp_ok($elapsed, '<', 10, 'cancel is honoured long before the 60 s deadline');

	$t0 = time;
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '300ms'; SELECT count(*) FROM pgmq.read_with_poll('lp', 30, 1, 60, 100000)");
	like($err, qr/canceling statement due to statement timeout/, 'statement_timeout ends the wait');
	cmp_ok(time - $t0, '<', 10, 'statement_timeout is honoured long before the 60 s deadline');

	$c = start_psql("SELECT count(*) FROM pgmq.read_with_poll('lp', 30, 1, 60, 100000)");
	wait_for_waiters(1);
	$t0 = time;
	$node->safe_psql('postgres', "SELECT pg_terminate_backend(" . waiter_pid() . ")");
	$c->[0]->finish;
	like(${ $c->[2] }, qr/terminating connection/, 'termination ends the wait');
	cmp_ok(time - $t0, '<', 10, 'termination is honoured long before the 60 s deadline');

	is($node->safe_psql('postgres', "SELECT count(*) FROM pgmq.read('lp', 30, 10)"),
		'0', 'queue is empty: the interrupted waits claimed nothing');
}

# 4. Many waiters on one queue share messages without duplicates.
{
	my $n = 6;
	my @c = map { start_psql("SELECT msg_id FROM pgmq.read_with_poll('lp', 60, 1, 30, 100000)") } 1 .. $n;
	wait_for_waiters($n);
	my $t0 = time;
	$node->safe_psql('postgres',
		"SELECT pgmq.send_batch('lp', array_fill('{}'::jsonb, ARRAY[$n]))");
	my @ids;
	for my $c (@c)
	{
		$c->[0]->finish;
		chomp(my $id = ${ $c->[1] });
		push @ids, $id;
	}
	my $elapsed = time - $t0;
	my %seen = map { $_ => 1 } grep { $_ ne '' } @ids;
	is(scalar(keys %seen), $n, "$n waiters got $n distinct messages");
	cmp_ok($elapsed, '<', 10, 'all of them were woken, not by the 100 s poll interval or the 30 s deadline');
}

# 5. A rolled-back read wakes waiters: its message is visible again.
{
	$node->safe_psql('postgres', "SELECT pgmq.create('lp5'); SELECT pgmq.send('lp5', '{}');");
	my ($in, $out, $err) = ('', '', '');
	my $reader = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
		'<', \$in, '>', \$out, '2>', \$err);
	$in .= "BEGIN;\nSELECT 'claimed ' || msg_id FROM pgmq.read('lp5', 60, 1);\n";
	$reader->pump until $out =~ /claimed 1/;

	my $c = start_psql("SELECT msg_id, read_ct FROM pgmq.read_with_poll('lp5', 60, 1, 30, 100000)");
	wait_for_waiters(1);
	my $t0 = time;
	$in .= "ROLLBACK;\n\\q\n";
	$reader->finish;
	$c->[0]->finish;
	is(${ $c->[1] }, "1|1\n", 'waiter got the message released by the rollback, read_ct 1');
	cmp_ok(time - $t0, '<', 10, 'woken by the rollback, not by the 100 s poll interval or the 30 s deadline');
}

# psql prints a notification when it runs its next command, and the
# listening backend sends it once idle: ask again, for up to 10 s, until it
# shows (or give up and let the check fail).
sub notified
{
	my ($in, $out, $h) = @_;
	my $deadline = time() + 10;
	for (my $n = 0;; $n++)
	{
		$$in .= "SELECT 'after $n';\n";
		$h->pump until $$out =~ /after $n/;
		last if $$out =~ /Asynchronous notification/ || time() > $deadline;
		select(undef, undef, undef, 0.1);
	}
}

# 6. Insert notifications: a LISTEN session receives them, also for a
# mixed-case queue name, and also after a crash emptied the throttle table.
{
	$node->safe_psql('postgres',
		"SELECT pgmq.create('MixedCase'); SELECT pgmq.enable_notify_insert('MixedCase', 0);");
	my ($in, $out, $err) = ('', '', '');
	my $listener = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
		'<', \$in, '>', \$out, '2>', \$err);
	$in .= "LISTEN \"pgmq.q_MixedCase.INSERT\";\nSELECT 'listening';\n";
	$listener->pump until $out =~ /listening/;
	$node->safe_psql('postgres', "SELECT pgmq.send('MixedCase', '{}')");
	notified(\$in, \$out, $listener);
	like($out, qr/Asynchronous notification "pgmq\.q_MixedCase\.INSERT"/, 'LISTEN session received the insert notification');
	$in .= "\\q\n";
	$listener->finish;

	$node->stop('immediate');
	$node->start;
	is($node->safe_psql('postgres', "SELECT count(*) FROM pgmq.notify_insert_throttle"),
		'0', 'crash emptied the unlogged throttle table');
	($in, $out, $err) = ('', '', '');
	$listener = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
		'<', \$in, '>', \$out, '2>', \$err);
	$in .= "LISTEN \"pgmq.q_MixedCase.INSERT\";\nSELECT 'listening';\n";
	$listener->pump until $out =~ /listening/;
	$node->safe_psql('postgres', "SELECT pgmq.send('MixedCase', '{}')");
	notified(\$in, \$out, $listener);
	like($out, qr/Asynchronous notification "pgmq\.q_MixedCase\.INSERT"/, 'notifications continue after a crash');
	is($node->safe_psql('postgres',
			"SELECT throttle_interval_ms FROM pgmq.list_notify_insert_throttles() WHERE queue_name = 'MixedCase'"),
		'0', 'throttle row rebuilt from the trigger');
	$in .= "\\q\n";
	$listener->finish;
}

# 7. Postmaster death ends a wait at once: no orphaned backend lingers.
{
	my $c = start_psql("SELECT count(*) FROM pgmq.read_with_poll('lp', 30, 1, 60, 100000)");
	wait_for_waiters(1);
	my $backend = waiter_pid();
	my $postmaster = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
	kill 'KILL', $postmaster;
	my $t0 = time;
	usleep(20_000) while kill(0, $backend) && time - $t0 < 30;
	ok(!kill(0, $backend), 'the waiting backend exits when the postmaster dies');
	cmp_ok(time - $t0, '<', 10, 'long before its 60 s deadline');
	$c->[0]->finish;
	# Start again from the crash once the other orphans are gone too.
	unlink $node->data_dir . '/postmaster.pid';
	$node->_update_pid(-1);
	for (1 .. 100)
	{
		last if $node->start(fail_ok => 1);
		usleep(200_000);
	}
}

# 8. Without the preload read_with_poll still works, by polling.
{
	$node->adjust_conf('postgresql.conf', 'shared_preload_libraries', "''");
	$node->restart;
	$node->safe_psql('postgres', "SELECT pgmq.create('lp7')");
	my $c = start_psql("SELECT count(*) FROM pgmq.read_with_poll('lp7', 30, 5, 60, 100)");
	wait_for_waiters(1);
	$node->safe_psql('postgres', "SELECT pgmq.send('lp7', '{}');");
	my $t0 = time;
	$c->[0]->finish;
	is(${ $c->[1] }, "1\n", 'without the preload the poll still finds the message');
	cmp_ok(time - $t0, '<', 10, 'found by a re-check, long before the 60 s deadline');
}

$node->stop;
done_testing();
