# Crash chaos (reliability plan, tier C; issue 13): producers and consumers
# on a logged and an unlogged queue while the server is killed again and
# again, then a check of everything the clients recorded (ChaosCheck.pm).
#
# Workload (client.pl): on the logged queue "chaos" three producers (send,
# send_batch of 5, delayed sends, rolled-back sends) and four consumers
# (read + delete, read_with_poll + delete, pop, read + archive); on the
# unlogged queue "chaos_u" two producers and two consumers (read + archive,
# read + delete). Leases are 2 s; one delivery in twenty is acknowledged
# after its lease ran out, so it is delivered again meanwhile.
#
# Faults, in turn, one every 4-8 s after the server is back: kill -9 of a
# random client backend, kill -9 of a backend right after it was sent
# COMMIT, pg_ctl stop -m immediate, kill -9 of the postmaster.
#
# Logged queue: zero of every anomaly. Unlogged queue: the crashes empty
# it, so losses are allowed (and counted), but ids never repeat or go back
# and the archive never breaks. The run fails as inconclusive when it did
# too little (acks, deliveries, redeliveries, faults of each kind).
#
# CHAOS_SECONDS (default 120) is the length of the faulty phase; CHAOS_SEED
# makes a run repeatable as far as the clients' choices go.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use ChaosCheck;
use POSIX qw(WNOHANG);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $seconds = $ENV{CHAOS_SECONDS} // 120;
my $seed = $ENV{CHAOS_SEED} // ($$ ^ time()) % 1_000_000;
my $vt = 2;
srand($seed);
note "chaos: $seconds s, seed $seed";

my $dir = "${PostgreSQL::Test::Utils::tmp_check}/chaos";
mkdir $dir;
unlink glob("$dir/*");

my $node = PostgreSQL::Test::Cluster->new('chaos');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
fsync = on
synchronous_commit = on
full_page_writes = on
restart_after_crash = on
max_connections = 40
autovacuum_naptime = 1s
log_min_messages = warning
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	SELECT pgmq.create('chaos');
	SELECT pgmq.create_unlogged('chaos_u');
});
is($node->safe_psql('postgres', q{SELECT string_agg(name || '=' || setting, ',' ORDER BY name)
	FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'restart_after_crash', 'full_page_writes')}),
	'fsync=on,full_page_writes=on,restart_after_crash=on,synchronous_commit=on',
	'the run is made with durable settings');

my @clients = (
	[ P1 => producer => 'chaos' ],
	[ P2 => producer => 'chaos' ],
	[ P3 => producer => 'chaos' ],
	[ C1 => read_delete => 'chaos' ],
	[ C2 => poll_delete => 'chaos' ],
	[ C3 => pop => 'chaos' ],
	[ C4 => read_archive => 'chaos' ],
	[ U1 => producer => 'chaos_u' ],
	[ U2 => producer => 'chaos_u' ],
	[ UC1 => read_archive => 'chaos_u' ],
	[ UC2 => read_delete => 'chaos_u' ],
);
my @pids;
for my $i (0 .. $#clients)
{
	my ($name, $role, $queue) = @{ $clients[$i] };
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', "$dir/log.$name");
		open(STDERR, '>&', \*STDOUT);
		exec('perl', "$FindBin::Bin/client.pl", '--name', $name, '--role', $role,
			'--queue', $queue, '--connstr', $node->connstr('postgres'), '--dir', $dir,
			'--vt', $vt, '--seed', $seed + $i) or POSIX::_exit(1);
	}
	push @pids, $pid;
}

# ---- faults ----------------------------------------------------------------

sub note_fault
{
	my ($kind, $recovery) = @_;
	open(my $f, '>>', "$dir/faults") or die "faults: $!";
	printf $f "%s\t%d\tinjector\t%.2f\n", $kind, time() * 1_000_000, $recovery;
	close($f);
}

# Waits until the server accepts connections again; returns the seconds.
sub wait_up
{
	my ($since) = @_;
	sleep 0.3;
	my $deadline = time() + 300;
	# psql may exit (server still in recovery) before it reads its input:
	# IPC::Run then dies with "Broken pipe", which only means "not yet".
	until (eval { $node->psql('postgres', 'SELECT 1', timeout => 30) == 0 })
	{
		die "the server did not come back within 300 s" if time() > $deadline;
		sleep 0.2;
	}
	return time() - $since;
}

# Starts the server again after it was stopped or killed; the postmaster's
# old children may take a moment to exit, so a failed start is retried.
sub restart
{
	my $deadline = time() + 300;
	until ($node->start(fail_ok => 1))
	{
		die "the server did not start within 300 s" if time() > $deadline;
		sleep 0.5;
	}
}

sub children_of
{
	my ($pid) = @_;
	my @kids;
	for my $stat (glob('/proc/[0-9]*/stat'))
	{
		open(my $f, '<', $stat) or next;
		my $line = <$f> // '';
		close($f);
		push @kids, $1 if $line =~ /^(\d+) \(.*\) \S (\d+)/ && $2 == $pid;
	}
	return @kids;
}

sub backend_pids
{
	# The server may be going down or coming up: no pids then (see wait_up).
	my ($ret, $out) = eval {
		$node->psql('postgres', q{SELECT pid FROM pg_stat_activity
			WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()}, timeout => 30);
	};
	return (defined $ret && $ret == 0) ? split(/\n/, $out) : ();
}

my %inject = (
	backend_kill => sub {
		my @pids = backend_pids() or return 0;
		kill 'KILL', $pids[ int(rand(@pids)) ];
		return 1;
	},
	commit_kill => sub {
		# A client claims the request and kills its own backend after COMMIT.
		open(my $f, '>', "$dir/commitkill.req") or die;
		close($f);
		my $deadline = time() + 30;
		sleep 0.05 while -e "$dir/commitkill.req" && time() < $deadline;
		return 1 unless unlink("$dir/commitkill.req");
		return 0;
	},
	immediate_stop => sub {
		$node->stop('immediate', fail_ok => 1);
		restart();
		return 1;
	},
	postmaster_kill => sub {
		my $pm = $node->{_pid} or return 0;
		my @kids = children_of($pm);
		$node->kill9;
		my $deadline = time() + 60;
		sleep 0.1 while grep({ kill 0, $_ } @kids) && time() < $deadline;
		kill 'KILL', grep { kill 0, $_ } @kids;
		restart();
		return 1;
	},
);
my @kinds = qw(backend_kill commit_kill immediate_stop postmaster_kill);

# The faulty phase lasts CHAOS_SECONDS, and longer (up to 180 s more) until
# every kind of fault was made and enough of them, so that a slow machine
# gives a longer run rather than an inconclusive one.
my $scale = $seconds / 90 < 1 ? 1 : $seconds / 90;
my $min_faults = int(4 * $scale);
my $start = time();
my $end = $start + $seconds;
my $k = int(rand(@kinds));
my $done = 0;
sleep 3;
while (time() < $end - 4 || ($done < $min_faults || $done < @kinds) && time() < $end + 180)
{
	my $kind = $kinds[ $k % @kinds ];
	my $t = time();
	if ($inject{$kind}->())
	{
		my $recovery = wait_up($t);
		note_fault($kind, $recovery) unless $kind eq 'commit_kill';
		$k++;
		$done++;
	}
	sleep 2 + rand(4);
}

# ---- drain and final state -------------------------------------------------

open(my $stop, '>', "$dir/stop_producers") or die;
close($stop);
# Consumers go on until both queues are empty or for at most 60 s (a
# late acknowledgement or a delayed send can hold a message back a while).
my $drain_end = time() + 60;
while (time() < $drain_end)
{
	my ($ret, $left) = $node->psql('postgres',
		'SELECT (SELECT count(*) FROM pgmq.q_chaos) + (SELECT count(*) FROM pgmq.q_chaos_u)', timeout => 30);
	last if $ret == 0 && $left eq '0';
	sleep 1;
}
open($stop, '>', "$dir/stop_consumers") or die;
close($stop);
my $clients_end = time() + 300;
while (@pids && time() < $clients_end)
{
	@pids = grep { waitpid($_, WNOHANG) == 0 } @pids;
	sleep 0.2;
}
is(scalar(@pids), 0, 'every client stopped when asked');
kill 'KILL', @pids;

for my $queue ('chaos', 'chaos_u')
{
	for my $t ('q', 'a')
	{
		my $rows = $node->safe_psql('postgres',
			"SELECT msg_id || '|' || coalesce(message->>'p', '') || '|' || coalesce(message->>'s', '')"
			  . " FROM pgmq.${t}_$queue ORDER BY msg_id");
		open(my $f, '>', "$dir/final.$t.$queue") or die;
		print $f "$rows\n";
		close($f);
	}
}

# ---- server health ---------------------------------------------------------

my $log = slurp_file($node->logfile);
my @signals = grep { $_ != 9 } ($log =~ /terminated by signal (\d+)/g);
is(scalar(@signals), 0, 'no server process died of a signal other than our kill -9');
unlike($log, qr/^TRAP:|PANIC:/m, 'no assertion failure or PANIC in the server log');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM pgmq.meta m
	 WHERE to_regclass(format('pgmq.%I', 'q_' || m.queue_name)) IS NULL
	    OR to_regclass(format('pgmq.%I', 'a_' || m.queue_name)) IS NULL}),
	'0', 'the registry still matches the tables');

# ---- the check -------------------------------------------------------------

my %faults;
my @recoveries;
open(my $ff, '<', "$dir/faults") or die "no faults recorded";
while (<$ff>)
{
	my ($kind, undef, undef, $rec) = split /\t/;
	$faults{$kind}++;
	push @recoveries, $rec if defined $rec && $rec ne '';
}
close($ff);
my $nfaults = 0;
$nfaults += $_ for values %faults;
@recoveries = sort { $a <=> $b } @recoveries;

my $hist = ChaosCheck::load_history($dir);
my %final;
my %result;
for my $queue ('chaos', 'chaos_u')
{
	$final{$queue} = {
		q => ChaosCheck::load_final("$dir/final.q.$queue"),
		a => ChaosCheck::load_final("$dir/final.a.$queue")
	};
	$result{$queue} = ChaosCheck::check($hist->{$queue}, $final{$queue}, $vt * 1_000_000);
}

my @summary = (
	sprintf('run: %d s of faults, seed %d, %d faults (%s), recovery p50 %.1f s, max %.1f s',
		$seconds, $seed, $nfaults, join(', ', map { "$_ $faults{$_}" } sort keys %faults),
		$recoveries[ $#recoveries / 2 ] // 0, $recoveries[-1] // 0));
for my $queue ('chaos', 'chaos_u')
{
	my $c = $result{$queue};
	push @summary, sprintf('%s: acked sends %d (unknown outcome %d, rolled back %d), deliveries %d'
		  . ' (redeliveries %d), pops %d, deletes %d, archives %d, late acks refused %d, left queued %d',
		$queue, @$c{qw(acked sends_info rolled_back deliveries redeliveries pops deletes archives acks_false final_queued)});
	push @summary, "$queue anomalies: "
	  . join(', ', map { "$_ $c->{$_}" } @ChaosCheck::ANOMALIES);
}
open(my $sf, '>', "$dir/summary.txt") or die;
print $sf "$_\n" for @summary;
close($sf);
diag($_) for @summary;

# Enough happened to prove something.
my $l = $result{chaos};
my $u = $result{chaos_u};
cmp_ok($faults{$_} // 0, '>=', 1, "evidence: at least one fault of kind $_") for @kinds;
cmp_ok($nfaults, '>=', $min_faults, 'evidence: enough faults');
cmp_ok($l->{acked}, '>=', int(300 * $scale), 'evidence: enough acknowledged sends (logged)');
cmp_ok($l->{deliveries}, '>=', int(300 * $scale), 'evidence: enough deliveries (logged)');
cmp_ok($l->{redeliveries}, '>=', int(3 * $scale), 'evidence: enough redeliveries after a lease ran out (logged)');
cmp_ok($l->{pops}, '>=', int(30 * $scale), 'evidence: enough pops (logged)');
cmp_ok($l->{archives}, '>=', int(30 * $scale), 'evidence: enough archives (logged)');
cmp_ok($u->{acked}, '>=', int(30 * $scale), 'evidence: enough acknowledged sends (unlogged)');

is($l->{$_}, 0, "logged queue: no $_") for @ChaosCheck::ANOMALIES;
# Unlogged queues lose messages in a crash (allowed, counted above) but
# never reissue an acknowledged id (ids.c flushes the sequence's WAL record
# before such a commit): every other unlogged anomaly must be zero.
for my $k (grep { $_ ne 'lost' } @ChaosCheck::ANOMALIES)
{
	is($u->{$k}, 0, "unlogged queue: no $k");
}

# Self-test: each anomaly made in this run's history is caught.
for my $kind (@ChaosCheck::ANOMALIES)
{
	my ($q, $f) = ChaosCheck::inject($kind, $hist->{chaos}, $final{chaos}, $vt * 1_000_000);
	ok(defined $q, "self-test: the history lets us make a $kind") or next;
	my $c = ChaosCheck::check($q, $f, $vt * 1_000_000);
	cmp_ok($c->{$kind}, '>', $l->{$kind}, "self-test: the checker catches a $kind");
}

$node->stop('fast', fail_ok => 1);
done_testing();
