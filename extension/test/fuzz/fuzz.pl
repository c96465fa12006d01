# API fuzzer (reliability plan, tier E2; issue 13). Several sessions call
# random pgmq functions with random arguments (valid and hostile names,
# payloads and numbers, NULLs) inside random transactions and savepoints,
# while the driver cancels and terminates their backends at random. Then:
#
# - ledger: on the queue "fz_ledger" (which the fuzzer never drops or
#   purges) every send whose transaction committed is found exactly once:
#   still queued, in the archive, or taken by a committed delete or pop;
#   nothing is found that was never sent, nothing completed twice. Sends and
#   completions whose outcome is unknown (connection lost during COMMIT)
#   may or may not have happened;
# - registry: pgmq.meta matches the q_/a_ tables one to one;
# - server log: no process died of a signal, no PANIC, no assertion (TRAP);
# - every error has an SQLSTATE of an expected class (XX000, an internal
#   error, is a finding).
#
# FUZZ_SECONDS (default 60) is the length of the run, FUZZ_SEED makes the
# sessions' choices repeatable, FUZZ_SESSIONS (default 3) their number.
use strict;
use warnings;
use utf8;

use DBI;
use POSIX qw(WNOHANG);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $seconds = $ENV{FUZZ_SECONDS} // 60;
my $seed = $ENV{FUZZ_SEED} // ($$ ^ time()) % 1_000_000;
my $nsessions = $ENV{FUZZ_SESSIONS} // 3;
note "fuzz: $seconds s, $nsessions sessions, seed $seed";

my $dir = "${PostgreSQL::Test::Utils::tmp_check}/fuzz";
mkdir $dir;
unlink glob("$dir/*");

my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
max_connections = 40
max_prepared_transactions = 4
log_min_messages = warning
deadlock_timeout = 100ms
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	SELECT pgmq.create('fz_ledger');
	SELECT pgmq.create('fz_a');
	SELECT pgmq.create_unlogged('fz_u');
	CREATE ROLE fz_role;
});

my $host = $node->host;
my $port = $node->port;

# ---- the pools -----------------------------------------------------------

# The ledger queue is touched only by the tracked calls of random_call.
my @good_names = qw(fz_a fz_b fz_u fz_c FZ_A Fz_B);
my @bad_names = (
	'', ' ', 'a b', "a'b", 'a"b', 'a;b', 'a--b', 'a/*b', 'a\\b', "a\tb", "a\nb",
	'é', 'straße', 'İx', 'ǅx', 'x' x 47, 'x' x 48, 'y' x 64, 'é' x 40, 'select', 'user',
	'table', 'q_fz_a', 'a_fz_a', 'fz_a_pkey', 'archived_at_idx_fz_a', '1abc', '$x', 'a.b',
	'a%b', 'x_pkey', 'meta', 'pg_class', "\x{1F600}",
);
my @destroyable = (@good_names, @bad_names);
my @payloads = ('{}', '{"a":1}', '[1,2]', '"s"', '1', 'null', '{"a":' x 50 . '1' . '}' x 50,
	'{"k":"' . ('z' x 10000) . '"}', '{"a":"\u0000"}');
my @bad_json = ('{', 'not json', "{\"a\":1}x", '');
my @ints = (0, 1, -1, 2, 5, 30, 100, 2147483647, -2147483648, 2147483648, 9223372036854775807);
my @stamps = ('now()', "'infinity'::timestamptz", "'-infinity'::timestamptz",
	"now() + interval '1 hour'", "'4713-01-01 BC'::timestamptz", "now() - interval '1 day'");

sub pick { return $_[ int(rand(@_)) ] }

sub lit
{
	my ($dbh, $v) = @_;
	return 'NULL' unless defined $v;
	return $dbh->quote($v);
}

sub name_arg { my ($dbh) = @_; return rand() < 0.03 ? 'NULL' : lit($dbh, rand() < 0.7 ? pick(@good_names) : pick(@bad_names)) }
sub int_arg  { return rand() < 0.03 ? 'NULL' : rand() < 0.7 ? pick(0, 0, 1, 2, 5, 10) : pick(@ints) }
sub json_arg { my ($dbh) = @_; return rand() < 0.03 ? 'NULL' : lit($dbh, rand() < 0.9 ? pick(@payloads) : pick(@bad_json)) . '::jsonb' }
sub ids_arg  { return 'ARRAY[' . join(',', map { int(rand(60)) } 1 .. 1 + int(rand(4))) . ']::bigint[]' }

# ---- one session ---------------------------------------------------------

# Ledger effects are recorded as lines "kind status id tag" (kind send, del,
# pop, arch; status ok or unknown).
sub session
{
	my ($n) = @_;
	srand($seed + $n);
	open(my $led, '>>', "$dir/ledger.$n") or die;
	$led->autoflush(1);
	open(my $errs, '>>', "$dir/errors.$n") or die;
	$errs->autoflush(1);
	my $end = time() + $seconds;
	my $seq = 0;
	my $calls = 0;
	my $dbh;
	my ($in_tx, @pending, @marks);

	my $connect = sub {
		until ($dbh = DBI->connect("dbi:Pg:dbname=postgres;host=$host;port=$port", '', '',
				{ AutoCommit => 1, RaiseError => 0, PrintError => 0, pg_server_prepare => 0 }))
		{
			return 0 if time() > $end + 30;
			sleep 0.2;
		}
		$dbh->do("SET application_name = 'fuzz$n'");
		$dbh->do("SET statement_timeout = '10s'");
		$dbh->do("SET lock_timeout = '2s'");
		$dbh->do("SET client_min_messages = error");
		($in_tx, @pending, @marks) = (0);
		@pending = ();
		@marks = ();
		return 1;
	};
	$connect->() or POSIX::_exit(1);

	my $lost = sub {
		my $st = $dbh->state // '';
		return $st =~ /^(08|57P0)/ || !$dbh->ping;
	};
	my $commit_effects = sub {
		my ($status, @eff) = @_;
		print $led join("\t", $_->[0], $status, @$_[ 1 .. $#$_ ]), "\n" for @eff;
	};

	# Runs one statement; returns the rows (array of arrays) or undef.
	my $run = sub {
		my ($sql) = @_;
		$calls++;
		my $sth = $dbh->prepare($sql);
		if ($sth && $sth->execute)
		{
			return $sth->{NUM_OF_FIELDS} ? ($sth->fetchall_arrayref || []) : [];
		}
		my $st = $dbh->state // '';
		my $msg = $dbh->errstr // '';
		$msg =~ s/\s+/ /g;
		(my $one = substr($sql, 0, 200)) =~ s/\s/ /g;
		print $errs "$st\t$one\t" . substr($msg, 0, 300) . "\n";
		return undef;
	};

	while (time() < $end)
	{
		if (!$dbh || !$dbh->ping)
		{
			$connect->() or last;
		}
		my $r = rand();
		if (!$in_tx && $r < 0.25)
		{
			$in_tx = 1 if $run->('BEGIN' . (rand() < 0.2 ? ' ISOLATION LEVEL REPEATABLE READ' : ''));
			next;
		}
		if ($in_tx && $r < 0.08)
		{
			push @marks, scalar(@pending) if $run->('SAVEPOINT fz');
			next;
		}
		if ($in_tx && @marks && $r < 0.12)
		{
			if ($run->('ROLLBACK TO SAVEPOINT fz')) { splice(@pending, $marks[-1]) }
			next;
		}
		if ($in_tx && @marks && $r < 0.14)
		{
			pop @marks if $run->('RELEASE SAVEPOINT fz');
			next;
		}
		if ($in_tx && $r < 0.30)
		{
			my $commit = rand() < 0.7;
			my $ok = $run->($commit ? 'COMMIT' : 'ROLLBACK');
			if ($commit && $ok)
			{
				$commit_effects->('ok', @pending);
			}
			elsif ($commit && $lost->())
			{
				$commit_effects->('unknown', @pending);
			}
			($in_tx, @pending, @marks) = (0);
			@pending = ();
			@marks = ();
			undef $dbh if !$ok && $lost->();
			next;
		}

		# One API call.
		my ($sql, $eff, $unknown) = random_call($dbh, $n, \$seq);
		my $rows = $run->($sql);
		my @eff = $rows && $eff ? $eff->($rows) : ();
		if ($rows)
		{
			if ($in_tx) { push @pending, @eff }
			else { $commit_effects->('ok', @eff) }
		}
		elsif ($lost->())
		{
			# The call's own transaction may have committed only when it
			# was autocommit (the connection died before we got the answer).
			# (Sends of unknown outcome need nothing: their tags are in the
			# attempts file, so a message of theirs is no phantom.)
			$commit_effects->('unknown', $unknown) if $unknown && !$in_tx;
			undef $dbh;
		}
		elsif ($in_tx)
		{
			# The error aborted the transaction (or the savepoint).
			if (@marks && $run->('ROLLBACK TO SAVEPOINT fz'))
			{
				splice(@pending, $marks[-1]);
			}
			else
			{
				$run->('ROLLBACK');
				($in_tx, @pending, @marks) = (0);
				@pending = ();
				@marks = ();
			}
		}
	}
	if ($dbh && $in_tx)
	{
		my $ok = $run->('COMMIT');
		$commit_effects->($ok ? 'ok' : 'unknown', @pending) if $ok || $lost->();
	}
	open(my $c, '>', "$dir/calls.$n") or die;
	print $c "$calls\n";
	close($c);
	POSIX::_exit(0);
}

# Returns (sql, a function from the result rows to ledger effects).
sub random_call
{
	my ($dbh, $n, $seqref) = @_;
	my $r = rand();

	# The ledger queue: tracked sends and completions (half of the calls).
	if ($r < 0.5)
	{
		my $k = int(rand(8));
		if ($k <= 1)
		{
			my $tag = "$n-" . ++$$seqref;
			open(my $a, '>>', "$dir/attempts.$n") or die;
			print $a "$tag\n";
			close($a);
			my $delay = rand() < 0.2 ? ', 1' : '';
			return ("SELECT pgmq.send('fz_ledger', jsonb_build_object('t', '$tag')$delay)",
				sub { return ([ 'send', $_[0][0][0], $tag ]) });
		}
		if ($k == 2)
		{
			my @tags = map { "$n-" . ++$$seqref } 1 .. 1 + int(rand(4));
			open(my $a, '>>', "$dir/attempts.$n") or die;
			print $a "$_\n" for @tags;
			close($a);
			my $arr = join(',', map { "jsonb_build_object('t', '$_')" } @tags);
			return ("SELECT * FROM pgmq.send_batch('fz_ledger', ARRAY[$arr])",
				sub { my $i = 0; return map { [ 'send', $_->[0], $tags[ $i++ ] ] } @{ $_[0] } });
		}
		if ($k == 3)
		{
			return ("SELECT msg_id FROM pgmq.read('fz_ledger', " . pick(0, 1, 2, 30) . ', ' . pick(1, 3, 10) . ')', undef);
		}
		if ($k == 4)
		{
			my $qty = pick(1, 2, 5);
			return ("SELECT msg_id FROM pgmq.pop('fz_ledger', $qty)",
				sub { return map { [ 'pop', $_->[0], '' ] } @{ $_[0] } }, [ 'popn', $qty, '' ]);
		}
		my $id = 1 + int(rand(40 * $nsessions));
		if ($k == 5)
		{
			return ("SELECT pgmq.delete('fz_ledger', ${id}::bigint)",
				sub { return $_[0][0][0] ? ([ 'del', $id, '' ]) : () }, [ 'del', $id, '' ]);
		}
		if ($k == 6)
		{
			return ("SELECT pgmq.archive('fz_ledger', ${id}::bigint)",
				sub { return $_[0][0][0] ? ([ 'arch', $id, '' ]) : () }, [ 'arch', $id, '' ]);
		}
		return ("SELECT msg_id FROM pgmq.set_vt('fz_ledger', ${id}::bigint, " . pick(0, 1, 30) . ')', undef);
	}

	# Anything else, with hostile arguments.
	my $nm = name_arg($dbh);
	my $dnm = name_arg($dbh);
	my @calls = (
		sub { "SELECT pgmq.create($dnm)" },
		sub { "SELECT pgmq.create_unlogged($dnm)" },
		sub { "SELECT pgmq.create_non_partitioned($dnm)" },
		sub { "SELECT pgmq.drop_queue($dnm)" },
		sub { "SELECT pgmq.purge_queue($dnm)" },
		sub { "SELECT pgmq.detach_archive($dnm)" },
		sub { "SELECT pgmq.send($nm, " . json_arg($dbh) . ')' },
		sub { "SELECT pgmq.send($nm, " . json_arg($dbh) . ', ' . json_arg($dbh) . ', ' . int_arg() . ')' },
		sub { "SELECT pgmq.send($nm, " . json_arg($dbh) . ', ' . pick(@stamps) . ')' },
		sub { "SELECT * FROM pgmq.send_batch($nm, ARRAY[" . json_arg($dbh) . ', ' . json_arg($dbh) . '], ' . int_arg() . ')' },
		sub { "SELECT * FROM pgmq.send_batch($nm, ARRAY[]::jsonb[])" },
		sub { "SELECT * FROM pgmq.read($nm, " . int_arg() . ', ' . int_arg() . ')' },
		sub { "SELECT * FROM pgmq.read($nm, " . int_arg() . ', ' . int_arg() . ', ' . json_arg($dbh) . ')' },
		sub { "SELECT * FROM pgmq.read_with_poll($nm, " . int_arg() . ', ' . int_arg() . ', ' . pick(0, 1, -1, 'NULL') . ', ' . pick(10, 100, 0, -5) . ')' },
		sub { "SELECT * FROM pgmq.pop($nm, " . int_arg() . ')' },
		sub { "SELECT pgmq.delete($nm, " . int_arg() . '::bigint)' },
		sub { "SELECT * FROM pgmq.delete($nm, " . ids_arg() . ')' },
		sub { "SELECT pgmq.archive($nm, " . int_arg() . '::bigint)' },
		sub { "SELECT * FROM pgmq.archive($nm, " . ids_arg() . ')' },
		sub { "SELECT * FROM pgmq.set_vt($nm, " . int_arg() . '::bigint, ' . int_arg() . ')' },
		sub { "SELECT * FROM pgmq.set_vt($nm, " . ids_arg() . ', ' . pick(@stamps) . ')' },
		sub { "SELECT * FROM pgmq.metrics($nm)" },
		sub { 'SELECT * FROM pgmq.metrics_all()' },
		sub { 'SELECT * FROM pgmq.list_queues()' },
		sub { "SELECT pgmq.enable_notify_insert($dnm, " . int_arg() . ')' },
		sub { "SELECT pgmq.disable_notify_insert($dnm)" },
		sub { "SELECT pgmq.update_notify_insert($dnm, " . int_arg() . ')' },
		sub { 'SELECT * FROM pgmq.list_notify_insert_throttles()' },
		sub { "SELECT pgmq.create_fifo_index($dnm)" },
		sub { "SELECT * FROM pgmq.read_grouped($nm, " . int_arg() . ', ' . int_arg() . ')' },
		sub { "SELECT * FROM pgmq.read_grouped_rr($nm, " . int_arg() . ', ' . int_arg() . ')' },
		sub { "SELECT * FROM pgmq.read_grouped_head($nm, " . int_arg() . ', ' . int_arg() . ')' },
		sub { "SELECT pgmq.validate_queue_name($nm)" },
		sub { "SELECT pgmq.format_table_name($nm, " . pick("'q'", "'a'", "'x'", 'NULL', "''") . ')' },
		sub { "SELECT pgmq.bind_topic(" . lit($dbh, pick('fz.*', 'fz.#', '', '..', 'a.b', '#', '*.*')) . ", $dnm)" },
		sub { "SELECT pgmq.unbind_topic(" . lit($dbh, pick('fz.*', 'fz.#', '', '#')) . ", $dnm)" },
		sub { "SELECT * FROM pgmq.send_topic(" . lit($dbh, pick('fz.x', 'fz.y.z', '', 'a..b', 'x' x 300)) . ', ' . json_arg($dbh) . ')' },
		sub { "SELECT * FROM pgmq.test_routing(" . lit($dbh, pick('fz.x', '', '.')) . ')' },
		sub { "SELECT pgmq.grant_send($dnm, " . pick("'fz_role'", "'nobody'", 'NULL', "''") . ')' },
		sub { "SELECT pgmq.revoke_consume($dnm, " . pick("'fz_role'", "'nobody'", 'NULL') . ')' },
		sub { "SELECT pgmq.run_maintenance($dnm)" },
		sub { 'SELECT pgmq.acquire_queue_lock(' . $nm . ')' },
	);
	return (pick(@calls)->(), undef);
}

# ---- run -----------------------------------------------------------------

my @pids;
for my $n (1 .. $nsessions)
{
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDOUT, '>', "$dir/log.$n");
		open(STDERR, '>&', \*STDOUT);
		session($n);
	}
	push @pids, $pid;
}

# Cancels and terminations, one every 0.2-1 s.
my %faults = (cancel => 0, terminate => 0, missed => 0);
{
	srand($seed);
	my $ctl = DBI->connect("dbi:Pg:dbname=postgres;host=$host;port=$port", '', '',
		{ AutoCommit => 1, RaiseError => 0, PrintError => 0 }) or die "control connection";
	my $end = time() + $seconds;
	while (time() < $end)
	{
		sleep 0.2 + rand(0.8);
		my $pids = $ctl->selectcol_arrayref(
			"SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'fuzz%'");
		unless ($pids)
		{
			# The control connection itself may have been hit; reconnect.
			note('control: ' . ($ctl->errstr // 'no answer'));
			$ctl = DBI->connect("dbi:Pg:dbname=postgres;host=$host;port=$port", '', '',
				{ AutoCommit => 1, RaiseError => 0, PrintError => 0 }) || $ctl;
			$pids = [];
		}
		$faults{nopid}++ unless @$pids;
		next unless @$pids;
		my $kind = rand() < 0.8 ? 'cancel' : 'terminate';
		my ($ok) = $ctl->selectrow_array("SELECT pg_${kind}_backend(" . pick(@$pids) . ')');
		$faults{$kind}++ if $ok;
		$faults{missed}++ unless $ok;
	}
}
my $wait_end = time() + 120;
while (@pids && time() < $wait_end)
{
	@pids = grep { waitpid($_, WNOHANG) == 0 } @pids;
	sleep 0.2;
}
is(scalar(@pids), 0, 'every session finished');
kill 'KILL', @pids;

# ---- checks --------------------------------------------------------------

my $log = slurp_file($node->logfile);
my @signals = ($log =~ /terminated by signal (\d+)/g);
is(scalar(@signals), 0, 'no server process died of a signal');
unlike($log, qr/^TRAP:|PANIC:/m, 'no assertion failure or PANIC in the server log');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server still answers');

# Registry: meta <-> tables, one to one.
my $registry = $node->safe_psql('postgres', q{
	WITH expected AS (
		SELECT pgmq.format_table_name(m.queue_name, t) AS relname FROM pgmq.meta m, unnest(ARRAY['q', 'a']) t
	), actual AS (
		SELECT c.relname FROM pg_class c
		 WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind IN ('r', 'p')
		   AND NOT c.relispartition AND c.relname ~ '^[qa]_'
	)
	SELECT coalesce(string_agg(coalesce(e.relname, '-') || '/' || coalesce(a.relname, '-'), ' '), '')
	  FROM expected e FULL JOIN actual a USING (relname)
	 WHERE e.relname IS NULL OR a.relname IS NULL});
is($registry, '', 'the registry matches the tables one to one');

# SQLSTATEs.
my (%states, %unexpected, $calls);
for my $n (1 .. $nsessions)
{
	if (open(my $c, '<', "$dir/calls.$n")) { $calls += <$c>; close($c) }
	open(my $e, '<', "$dir/errors.$n") or next;
	while (<$e>)
	{
		my ($st) = split /\t/;
		$states{$st}++;
		# Expected classes: data exceptions, integrity, transaction state,
		# syntax/access, insufficient resources, program limits, object
		# state, operator intervention, connection, transaction rollback,
		# PL/pgSQL raise, feature not supported.
		$unexpected{$st}++ unless $st =~ /^(22|23|25|2B|3B|40|42|53|54|55|57|08|P0|0A|0L|44)/;
		diag("unexpected SQLSTATE: $_") if $unexpected{$st} && $unexpected{$st} <= 3;
	}
}
is(join(' ', sort keys %unexpected), '', 'every error has an expected SQLSTATE');

# Ledger.
my (%sent, %status, %gone, %unknown_gone, %attempted);
my $pop_budget = 0;    # messages that pops of unknown outcome may have taken
for my $n (1 .. $nsessions)
{
	if (open(my $a, '<', "$dir/attempts.$n")) { chomp(my @t = <$a>); $attempted{$_} = 1 for @t; close($a) }
	open(my $l, '<', "$dir/ledger.$n") or next;
	while (<$l>)
	{
		chomp;
		my ($kind, $st, $id, $tag) = split /\t/;
		if ($kind eq 'send') { $sent{$id} = $tag; $status{$id} = $st }
		elsif ($kind eq 'popn') { $pop_budget += $id }
		elsif ($st eq 'ok') { push @{ $gone{$id} }, $kind }
		else { $unknown_gone{$id} = 1 }
	}
}
my %found;    # id -> tag seen in q or a
my %where;
for my $t ('q', 'a')
{
	for (split /\n/, $node->safe_psql('postgres', "SELECT msg_id || ' ' || coalesce(message->>'t', '') FROM pgmq.${t}_fz_ledger"))
	{
		my ($id, $tag) = split / /;
		push @{ $where{$id} }, $t;
		$found{$id} = $tag;
	}
}
my ($lost, $dup, $phantom, $twice, $acked, $maybe_popped) = (0, 0, 0, 0, 0, 0);
for my $id (keys %sent)
{
	next unless $status{$id} eq 'ok';
	$acked++;
	# An archive both completes the message and puts it in a_: count it once.
	my $n = scalar(@{ $where{$id} // [] }) + scalar(grep { $_ ne 'arch' } @{ $gone{$id} // [] });
	if ($n == 0 && !$unknown_gone{$id})
	{
		if ($pop_budget > 0) { $pop_budget--; $maybe_popped++ }
		else { $lost++; diag("lost: msg $id ($sent{$id})") }
	}
	if ($n > 1) { $dup++; diag("duplicated: msg $id ($sent{$id}): @{ $where{$id} // [] } @{ $gone{$id} // [] }") }
	if (defined $found{$id} && $found{$id} ne $sent{$id}) { $phantom++; diag("msg $id holds $found{$id}, sent $sent{$id}") }
}
for my $id (keys %found)
{
	next if $attempted{ $found{$id} } && (!defined $sent{$id} || $sent{$id} eq $found{$id});
	$phantom++;
	diag("phantom: msg $id ($found{$id})");
}
for my $id (keys %gone) { $twice++ if @{ $gone{$id} } > 1 }

my $errors = 0;
$errors += $_ for values %states;
my $summary = sprintf('fuzz: %d s, seed %d, %d sessions, %d calls, %d errors (%s); cancels %d, terminations %d;'
	  . ' ledger: acked sends %d, completed %d, maybe taken by a pop of unknown outcome %d;'
	  . ' lost %d, duplicated %d, phantom %d, completed twice %d',
	$seconds, $seed, $nsessions, $calls // 0, $errors,
	join(', ', map { "$_ $states{$_}" } sort { $states{$b} <=> $states{$a} || $a cmp $b } keys %states),
	$faults{cancel}, $faults{terminate}, $acked, scalar(keys %gone), $maybe_popped, $lost, $dup, $phantom, $twice);
diag($summary);
note("control: no session found $faults{nopid} times, signal not delivered $faults{missed} times") if $faults{nopid} || $faults{missed};
open(my $sf, '>', "$dir/summary.txt") or die;
print $sf "$summary\n";
close($sf);

is($lost, 0, 'ledger: no committed send lost');
is($dup, 0, 'ledger: no message found twice');
is($phantom, 0, 'ledger: no message that was never sent');
is($twice, 0, 'ledger: no message completed twice');
cmp_ok($acked, '>=', 10 * $seconds / 60, 'evidence: enough acknowledged sends');
cmp_ok(scalar(keys %gone), '>=', 5 * $seconds / 60, 'evidence: enough completions');
cmp_ok($faults{cancel} + $faults{terminate}, '>=', 10 * $seconds / 60, 'evidence: enough cancels and terminations');

$node->stop('fast', fail_ok => 1);
done_testing();
