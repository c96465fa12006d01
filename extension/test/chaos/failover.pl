# Failover under pg_auto_failover (issue 13, reliability plan 6.7): a
# monitor, a primary and a synchronous standby on loopback; producers and a
# consumer connect through a multi-host connection string with
# target_session_attrs=read-write. The primary's keeper and postmaster are
# killed (kill -9); the monitor promotes the standby and the clients
# reconnect. Checked: zero acknowledged sends lost, msg_ids not reused,
# leases taken before the failover honoured after it; on the standby,
# reading functions fail with a clear error and metrics works.
#
# Needs pg_autoctl (Debian pg-auto-failover-cli, postgresql-15-auto-failover)
# and DBD::Pg. FAILOVER_LOAD_SECONDS (default 15) of load before the kill.
use strict;
use warnings;

use DBI;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(time sleep);

my ($autoctl) = grep { -x } map { "$_/pg_autoctl" } split(/:/, $ENV{PATH} // ''), '/usr/bin';
plan skip_all => 'pg_autoctl is not installed (Debian pg-auto-failover-cli)' unless $autoctl;
my $bindir = $ENV{PGMQ_BINDIR} or die 'PGMQ_BINDIR (the private bin directory) is not set';
my $pgctl = "$bindir/pg_ctl";
my $load = $ENV{FAILOVER_LOAD_SECONDS} // 15;

my $dir = tempdir('pgmq-failover-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $base = 56000 + int(rand(3000));
my ($pmon, $p1, $p2) = ($base, $base + 1, $base + 2);
my $monuri = "postgres://autoctl_node\@127.0.0.1:$pmon/pg_auto_failover?sslmode=disable";
$ENV{PG_AUTOCTL_DEBUG} = 0;
$ENV{XDG_CONFIG_HOME} = "$dir/config";
$ENV{XDG_DATA_HOME} = "$dir/data";
$ENV{XDG_RUNTIME_DIR} = "$dir/run";
mkdir "$dir/$_" for qw(config data run);

my %keeper;    # name -> pid of its pg_autoctl

sub start_keeper
{
	my ($name, @args) = @_;
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDOUT, '>>', "$dir/$name.log");
		open(STDERR, '>&', \*STDOUT);
		exec($autoctl, @args) or POSIX::_exit(1);
	}
	$keeper{$name} = $pid;
}

sub dbh
{
	my ($conn) = @_;
	return DBI->connect("dbi:Pg:$conn", 'postgres', '',
		{ AutoCommit => 1, RaiseError => 0, PrintError => 0 });
}

sub wait_for
{
	my ($what, $timeout, $cond) = @_;
	my $end = time() + $timeout;
	until ($cond->())
	{
		if (time() > $end) { diag("timed out: $what"); return 0 }
		sleep 0.5;
	}
	return 1;
}

sub node_states
{
	my $m = dbh("host=127.0.0.1;port=$pmon;dbname=pg_auto_failover") or return {};
	my $rows = $m->selectall_arrayref('SELECT nodeport, reportedstate, goalstate FROM pgautofailover.node') || [];
	return { map { $_->[0] => "$_->[1]/$_->[2]" } @$rows };
}

# ---- the cluster -----------------------------------------------------------

start_keeper('monitor', 'create', 'monitor', '--pgdata', "$dir/monitor", '--pgport', $pmon,
	'--pgctl', $pgctl, '--hostname', '127.0.0.1', '--listen', '127.0.0.1', '--auth', 'trust',
	'--no-ssl', '--run');
ok(wait_for('monitor', 120, sub { dbh("host=127.0.0.1;port=$pmon;dbname=pg_auto_failover") }),
	'the monitor is up');

my $t_setup = time();
for my $n ([ node1 => $p1 ], [ node2 => $p2 ])
{
	my ($name, $port) = @$n;
	# The first node's data directory is made here so that pgmq is preloaded
	# (the standby's is a base backup of it).
	if ($name eq 'node1')
	{
		system("$bindir/initdb", '-D', "$dir/$name", '-U', 'postgres', '--auth=trust', '-N') == 0
		  or BAIL_OUT('initdb failed');
		open(my $c, '>>', "$dir/$name/postgresql.conf") or die;
		print $c "shared_preload_libraries = 'pgmq'\nlog_min_messages = warning\n";
		close($c);
	}
	start_keeper($name, 'create', 'postgres', '--pgdata', "$dir/$name", '--pgport', $port,
		'--pgctl', $pgctl, '--hostname', '127.0.0.1', '--listen', '127.0.0.1', '--username', 'postgres',
		'--dbname', 'postgres', '--name', $name, '--monitor', $monuri, '--auth', 'trust', '--no-ssl',
		'--run');
	wait_for("$name registered", 180, sub { (node_states()->{$port} // '') =~ m{^(single|primary|secondary)/\1$} });
}
ok(wait_for('primary and secondary', 240, sub {
	my $s = node_states();
	return ($s->{$p1} // '') eq 'primary/primary' && ($s->{$p2} // '') eq 'secondary/secondary';
}), 'node1 is primary, node2 its secondary');
note(sprintf('cluster set up in %.0f s', time() - $t_setup));

my $primary = dbh("host=127.0.0.1;port=$p1;dbname=postgres") or BAIL_OUT('no primary');
my ($ssn) = $primary->selectrow_array('SHOW synchronous_standby_names');
isnt($ssn // '', '', "the standby is synchronous (synchronous_standby_names = $ssn)");
$primary->do('CREATE EXTENSION pgmq') or BAIL_OUT('CREATE EXTENSION: ' . $primary->errstr);
$primary->do("SELECT pgmq.create('fo')");
$primary->do("SELECT pgmq.send('fo', '{\"leased\": true}')");
# A lease of 300 s taken before the failover.
my ($leased_id, $leased_vt) = $primary->selectrow_array(
	"SELECT msg_id, extract(epoch FROM vt) FROM pgmq.read('fo', 300, 1)");
ok($leased_id, 'a message leased for 300 s before the failover');
$primary->disconnect;

# ---- the standby -----------------------------------------------------------

wait_for('standby replayed', 60, sub {
	my $s = dbh("host=127.0.0.1;port=$p2;dbname=postgres") or return 0;
	my ($n) = $s->selectrow_array(q{SELECT count(*) FROM pg_extension WHERE extname = 'pgmq'});
	return $n;
});
my $standby = dbh("host=127.0.0.1;port=$p2;dbname=postgres");
for my $call ("pgmq.read('fo', 30, 1)", "pgmq.pop('fo')", "pgmq.read_with_poll('fo', 30, 1, 1, 100)",
	"pgmq.send('fo', '{}')", "pgmq.delete('fo', 1::bigint)", "pgmq.set_vt('fo', 1::bigint, 0)")
{
	my $r = $standby->selectall_arrayref("SELECT * FROM $call");
	my ($st, $msg) = ($standby->state, ($standby->errstr // '') =~ s/\s+/ /gr);
	ok(!$r && $st eq '25006', "on the standby $call fails with 25006: $msg");
}
my $m = $standby->selectall_arrayref("SELECT queue_name, queue_length FROM pgmq.metrics('fo')");
ok($m && @$m == 1, 'on the standby metrics works') or diag($standby->errstr);
$standby->disconnect;

# ---- load ------------------------------------------------------------------

my $multi = "host=127.0.0.1,127.0.0.1;port=$p1,$p2;dbname=postgres;target_session_attrs=read-write;connect_timeout=3";
my $stopfile = "$dir/stop";
my @clients;
for my $c (1 .. 3)
{
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(my $log, '>', "$dir/client.$c") or POSIX::_exit(1);
		$log->autoflush(1);
		my ($h, $seq) = (undef, 0);
		until (-e $stopfile)
		{
			$h = dbh($multi) unless $h && $h->ping;
			unless ($h) { print $log "down\t" . time() . "\n"; sleep 0.2; next }
			if ($c <= 2)
			{
				my $tag = "$c-" . ++$seq;
				my $t0 = time();
				my ($id) = $h->selectrow_array("SELECT pgmq.send('fo', jsonb_build_object('t', '$tag'))");
				print $log $id ? "ack\t$tag\t$id\t$t0\n" : "sendfail\t$tag\t$t0\n";
			}
			else
			{
				my $rows = $h->selectall_arrayref(
					"SELECT msg_id, extract(epoch FROM vt), extract(epoch FROM clock_timestamp()) FROM pgmq.read('fo', 2, 5)");
				for my $r (@{ $rows || [] })
				{
					print $log "read\t$r->[0]\t$r->[1]\t$r->[2]\n";
					my ($d) = $h->selectrow_array("SELECT pgmq.delete('fo', $r->[0]::bigint)") if $r->[0] % 2;
					print $log "del\t$r->[0]\n" if $d;
				}
			}
			sleep 0.01;
		}
		POSIX::_exit(0);
	}
	push @clients, $pid;
}

sleep $load;

# ---- the failover ----------------------------------------------------------

open(my $pf, '<', "$dir/node1/postmaster.pid") or die "postmaster.pid: $!";
my $pm = <$pf>;
chomp $pm;
close($pf);
my $t_kill = time();
kill 'KILL', $keeper{node1};
kill 'KILL', $pm;
ok(wait_for('node2 promoted', 300, sub { (node_states()->{$p2} // '') =~ m{^(wait_primary|primary)/} }),
	'the monitor promoted node2');
my $t_promoted = time() - $t_kill;
sleep 10;
open(my $stop, '>', $stopfile) or die;
close($stop);
waitpid($_, 0) for @clients;

# ---- the check -------------------------------------------------------------

my (%acked, %id_tag, $reused, @reads, %deleted, $first_after, $sends_after, @ack_times);
for my $c (1 .. 3)
{
	open(my $l, '<', "$dir/client.$c") or next;
	while (<$l>)
	{
		chomp;
		my @f = split /\t/;
		if ($f[0] eq 'ack')
		{
			$acked{ $f[1] } = $f[2];
			$reused++ if exists $id_tag{ $f[2] };
			$id_tag{ $f[2] } = $f[1];
			push @ack_times, $f[3];
			if ($f[3] > $t_kill) { $sends_after++; $first_after = $f[3] if !defined $first_after || $f[3] < $first_after }
		}
		elsif ($f[0] eq 'read') { push @reads, [ @f[ 1 .. 3 ] ] }
		elsif ($f[0] eq 'del') { $deleted{ $f[1] } = 1 }
	}
}
# The outage: the longest time between two acknowledged sends.
my $outage = 0;
@ack_times = sort { $a <=> $b } @ack_times;
for my $i (1 .. $#ack_times)
{
	$outage = $ack_times[$i] - $ack_times[ $i - 1 ] if $ack_times[$i] - $ack_times[ $i - 1 ] > $outage;
}
my $new = dbh("host=127.0.0.1;port=$p2;dbname=postgres") or BAIL_OUT('no new primary');
my %present = map { $_->[0] => $_->[1] // '' } @{ $new->selectall_arrayref(
	"SELECT msg_id, message->>'t' FROM pgmq.q_fo UNION ALL SELECT msg_id, message->>'t' FROM pgmq.a_fo") };
my $lost = 0;
for my $tag (keys %acked)
{
	my $id = $acked{$tag};
	next if $deleted{$id};
	next if ($present{$id} // '') eq $tag;
	$lost++;
	diag("lost: $tag (msg $id)");
}
# A lease: no delivery of a message while an earlier delivery's vt was ahead.
my (%last_vt, $lease_broken);
for my $r (sort { $a->[2] <=> $b->[2] } @reads)
{
	my ($id, $vt, $now) = @$r;
	$lease_broken++ if defined $last_vt{$id} && $now < $last_vt{$id} - 0.001;
	$last_vt{$id} = $vt;
}
my $leased_again = grep { $_->[0] == $leased_id } @reads;

my $summary = sprintf('failover: %d acknowledged sends (%d after the kill), %d deliveries, %d deletes;'
	  . ' promotion seen %.1f s after the kill, longest time without an acknowledged send %.1f s;'
	  . ' lost %d, ids reused %d, leases broken %d, the 300 s lease delivered again %d times',
	scalar(keys %acked), $sends_after // 0, scalar(@reads), scalar(keys %deleted), $t_promoted,
	$outage, $lost, $reused // 0, $lease_broken // 0, $leased_again);
diag($summary);
open(my $sf, '>', "$dir/summary.txt") or die;
print $sf "$summary\n";
close($sf);
is($lost, 0, 'no acknowledged send lost');
is($reused // 0, 0, 'no msg_id given to two acknowledged sends');
is($lease_broken // 0, 0, 'no message delivered inside an earlier lease');
is($leased_again, 0, 'the lease taken before the failover is honoured after it');
cmp_ok($sends_after // 0, '>', 0, 'clients reconnected and sent after the failover');
cmp_ok(scalar(keys %acked), '>=', 50, 'evidence: enough acknowledged sends');

# ---- stop ------------------------------------------------------------------

for my $name ('node2', 'monitor')
{
	system($autoctl, 'stop', '--pgdata', "$dir/$name", '--immediate');
}
my $end = time() + 30;
while (grep { waitpid($_, WNOHANG) == 0 } values %keeper)
{
	last if time() > $end;
	sleep 0.5;
}
kill 'KILL', values %keeper;
# The killed keeper's postgres controller outlives it: end every process of
# this run (they all carry its XDG_CONFIG_HOME).
for my $env (glob('/proc/[0-9]*/environ'))
{
	my ($pid) = $env =~ m{/proc/(\d+)/};
	next if $pid == $$;
	open(my $f, '<', $env) or next;
	local $/;
	my $e = <$f> // '';
	close($f);
	kill 'KILL', $pid if index($e, "XDG_CONFIG_HOME=$dir/config\0") >= 0;
}
for my $d ('node1', 'node2', 'monitor')
{
	system($pgctl, '-D', "$dir/$d", 'stop', '-m', 'immediate') if -e "$dir/$d/postmaster.pid";
}
done_testing();
