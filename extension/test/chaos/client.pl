#!/usr/bin/perl
# One client of the crash-chaos run (chaos.pl): a producer or a consumer that
# drives a psql process and writes every operation it tries to its own
# history file, one tab-separated line per operation:
#
#   op status client t_invoke t_done queue fields...
#
# status is ok (the transaction committed, or the rollback asked for
# happened), fail (it certainly did not commit) or info (the connection died
# or hung before the outcome was known: it may or may not have committed).
# Times are the client's wall clock in microseconds; vt and clock values
# inside fields are the server's clock in microseconds (same machine).
#
#   send       delay_s server_t0 s=id,...        (id empty when unknown)
#   send_rb    - - s,...                         (sent, then rolled back)
#   read       rows                              (read and read_with_poll)
#   pop        server_t qty rows
#   delete     msg_id result                     (result t, f or empty)
#   archive    msg_id result [error text]
#
# rows are id:read_ct:vt:p:s joined by commas.
#
# Clients stop when the file "stop_producers" (producers) or
# "stop_consumers" (consumers) appears in the control directory. A file
# "commitkill.req" there asks for a kill -9 of a backend during COMMIT: the
# client that claims it (by renaming it) kills its own backend right after
# sending COMMIT.
use strict;
use warnings;

use Getopt::Long;
use IPC::Run;
use Time::HiRes qw(time usleep);

my %o = (vt => 2, seed => 1, qty => '1,4,10');
GetOptions(\%o, 'name=s', 'role=s', 'queue=s', 'connstr=s', 'dir=s', 'vt=i', 'seed=i', 'qty=s')
  or die "bad options";
srand($o{seed});
my $vt_us = $o{vt} * 1_000_000;
my @qty = split /,/, $o{qty};

open(my $hist, '>>', "$o{dir}/history.$o{name}") or die "history: $!";
$hist->autoflush(1);

sub now_us { return int(time() * 1_000_000) }

sub record
{
	my ($op, $status, $t_inv, @fields) = @_;
	print $hist join("\t", $op, $status, $o{name}, $t_inv, now_us(), $o{queue}, @fields), "\n";
}

# ---- the psql connection -------------------------------------------------

my ($h, $in, $out, $err, $timer, $backend_pid);
my $marker = 0;
my $backoff = 0.05;

sub disconnect
{
	if ($h)
	{
		eval { $h->kill_kill(grace => 1) };
		undef $h;
	}
	undef $backend_pid;
}

# Waits until the line @@tag appears or psql ends; true when it appeared.
sub wait_for
{
	my ($tag) = @_;
	$timer->start(120);
	while ($out !~ /^\@\@\Q$tag\E$/m)
	{
		return 0 unless $h->pumpable;
		eval { $h->pump };
		if ($@)
		{
			return 0 if $@ =~ /timeout|timer/i;
			return 0 unless $h->pumpable;
		}
	}
	return 1;
}

sub connect_db
{
	until ($h)
	{
		($in, $out, $err) = ('', '', '');
		$timer = IPC::Run::timeout(120);
		$h = IPC::Run::start([ 'psql', '-XAt', '-v', 'ON_ERROR_STOP=0', '-d', $o{connstr} ],
			'<', \$in, '>', \$out, '2>', \$err, $timer);
		$marker++;
		$in .= "SELECT 'PID ' || pg_backend_pid();\n\\echo \@\@$marker\n";
		if (wait_for($marker) && $out =~ /^PID (\d+)$/m)
		{
			$backend_pid = $1;
			$out = '';
			$err = '';
			$backoff = 0.05;
			return;
		}
		disconnect();
		usleep($backoff * 1_000_000);
		$backoff = $backoff * 2 > 1 ? 1 : $backoff * 2;
		return if stopping();
	}
}

# Runs BEGIN; sql; end; and returns (status, rows, error text). end is
# COMMIT or ROLLBACK; with commit_kill the backend is killed right after
# COMMIT was sent.
sub txn
{
	my ($sql, $end, $commit_kill) = @_;
	connect_db();
	return ('info', [], 'not connected') unless $h;
	($out, $err) = ('', '');
	$marker++;
	my $tag = $marker;
	if ($commit_kill)
	{
		$in .= "BEGIN;\n$sql\n\\echo \@\@pre$tag\n";
		if (wait_for("pre$tag"))
		{
			$in .= "$end;\n\\echo \@\@$tag\n";
			eval { $h->pump_nb };
			usleep(int(rand(3000)));
			kill 'KILL', $backend_pid;
			note_fault('commit_kill');
		}
	}
	else
	{
		$in .= "BEGIN;\n$sql\n$end;\n\\echo \@\@$tag\n";
	}
	my $done = wait_for($tag);
	my @lines = split /\n/, $out;
	my @rows = grep { $_ ne 'BEGIN' && $_ ne 'COMMIT' && $_ ne 'ROLLBACK' && !/^\@\@/ } @lines;
	my $ended = (grep { $_ eq $end } @lines) ? 1 : 0;
	my $rolled = (grep { $_ eq 'ROLLBACK' } @lines) ? 1 : 0;
	my $error = $err;
	$error =~ s/\s+/ /g;
	my $status;
	if ($ended && !($end eq 'COMMIT' && $rolled))
	{
		$status = 'ok';
	}
	elsif ($done && $rolled)
	{
		$status = 'fail';
	}
	else
	{
		$status = 'info';
	}
	disconnect() unless $done && $h && $h->pumpable;
	return ($status, \@rows, $error);
}

sub stopping
{
	return -e ($o{role} eq 'producer' ? "$o{dir}/stop_producers" : "$o{dir}/stop_consumers");
}

# Adds a fault this client caused to the run's list of faults.
sub note_fault
{
	open(my $f, '>>', "$o{dir}/faults") or die "faults: $!";
	print $f join("\t", $_[0], now_us(), $o{name}), "\n";
	close($f);
}

# True when this client claimed the request for a kill during COMMIT.
sub claim_commit_kill
{
	return rename("$o{dir}/commitkill.req", "$o{dir}/commitkill.$o{name}");
}

# ---- producers -------------------------------------------------------------

my $seq = 0;
my $q = $o{queue};

sub payload
{
	my ($s) = @_;
	my $pad = 'x' x int(rand(200));
	return qq{'{"p": "$o{name}", "s": $s, "pad": "$pad"}'::jsonb};
}

sub produce
{
	my $r = rand();
	my $t_inv = now_us();
	if ($r < 0.05)
	{
		my $s = ++$seq;
		my ($status) = txn("SELECT pgmq.send('$q', " . payload($s) . ");", 'ROLLBACK', 0);
		record('send_rb', $status, $t_inv, '-', '-', $s);
		return;
	}
	my @s = $r < 0.15 ? map { ++$seq } 1 .. 5 : (++$seq);
	my $delay = ($r >= 0.15 && $r < 0.25) ? 1 + int(rand(2)) : 0;
	my $kill = claim_commit_kill();
	my $sql;
	if (@s > 1)
	{
		$sql = "SELECT (extract(epoch from clock_timestamp()) * 1000000)::bigint, id FROM pgmq.send_batch('$q', ARRAY["
		  . join(', ', map { payload($_) } @s) . "]) id;";
	}
	else
	{
		$sql = "SELECT (extract(epoch from clock_timestamp()) * 1000000)::bigint, pgmq.send('$q', "
		  . payload($s[0]) . ($delay ? ", $delay" : '') . ");";
	}
	my ($status, $rows) = txn($sql, 'COMMIT', $kill);
	my @ids = map { (split /\|/)[1] } @$rows;
	my $t0 = @$rows ? (split /\|/, $rows->[0])[0] : '';
	$status = 'info' if $status eq 'ok' && @ids != @s;
	record('send', $status, $t_inv, $delay, $t0,
		join(',', map { "$s[$_]=" . ($ids[$_] // '') } 0 .. $#s));
}

# ---- consumers -------------------------------------------------------------

my $cols = "msg_id || ':' || read_ct || ':' || (extract(epoch from vt) * 1000000)::bigint"
  . " || ':' || coalesce(message->>'p', '') || ':' || coalesce(message->>'s', '')";

sub ids_of { return map { (split /:/)[0] } @{ $_[0] } }

sub ack
{
	my ($op, $id) = @_;
	my $t_inv = now_us();
	my ($status, $rows, $error) = txn("SELECT pgmq.$op('$q', ${id}::bigint);", 'COMMIT', claim_commit_kill());
	my $result = @$rows ? $rows->[0] : '';
	$status = 'info' if $status eq 'ok' && $result eq '';
	record($op, $status, $t_inv, $id, $result, $status eq 'fail' ? $error : ());
}

sub consume
{
	my $qty = $qty[ int(rand(@qty)) ];
	my $t_inv = now_us();
	if ($o{role} eq 'pop')
	{
		my ($status, $rows) = txn("SELECT (extract(epoch from clock_timestamp()) * 1000000)::bigint || '|' || $cols"
			  . " FROM pgmq.pop('$q', $qty);", 'COMMIT', claim_commit_kill());
		my @r = map { (split /\|/)[1] } @$rows;
		my $t = @$rows ? (split /\|/, $rows->[0])[0] : '';
		record('pop', $status, $t_inv, $t, $qty, join(',', @r));
		usleep(50_000) unless @r;
		return;
	}
	my $from = $o{role} eq 'poll_delete'
	  ? "pgmq.read_with_poll('$q', $o{vt}, $qty, 1, 50)"
	  : "pgmq.read('$q', $o{vt}, $qty)";
	my ($status, $rows) = txn("SELECT $cols FROM $from;", 'COMMIT', 0);
	record('read', $status, $t_inv, join(',', @$rows));
	unless (@$rows)
	{
		usleep(50_000) unless $o{role} eq 'poll_delete';
		return;
	}
	return unless $status eq 'ok';
	# Processing: usually quick; one delivery in twenty is acknowledged
	# after its lease ran out, so that it is delivered again meanwhile.
	if (rand() < 0.05)
	{
		usleep(($o{vt} + 0.5) * 1_000_000);
	}
	elsif (rand() < 0.3)
	{
		usleep(int(rand(100_000)));
	}
	my $op = $o{role} eq 'read_archive' ? 'archive' : 'delete';
	ack($op, $_) for ids_of($rows);
}

# ---- main loop -------------------------------------------------------------

while (!stopping())
{
	if ($o{role} eq 'producer')
	{
		produce();
	}
	else
	{
		consume();
	}
}
disconnect();
close($hist);
exit 0;
