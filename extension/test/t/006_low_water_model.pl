# A randomized, model-based test of the low-water mark (src/lowwater.c).
#
# Several sessions run random operations against one queue: send,
# send_batch, read, pop, delete, archive and set_vt, inside random
# transactions with savepoints that commit or roll back, as different
# roles under row-level security, while another session changes the id
# sequence (CACHE, setval backwards), re-queues archived messages with
# their old ids and vacuums. A session holds a snapshot for most of the
# run so that consumed rows stay in the index and the marks really move.
#
# Every few steps all transactions end and the model is checked: every
# committed, undeleted message whose vt has passed (the ground truth, read
# from the table without any mark) is claimable from every backend, by a
# read that is rolled back afterwards. A mark that skipped a message
# fails the check. At the end the marks must be seen to move (after a
# drain, the mark reaches the one message left), else it proved nothing.
#
# PGMQ_MODEL_STEPS (default 4000; make soak: 40000) sets the length; PGMQ_MODEL_SEED the
# random seed (printed, so a failure can be replayed).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $steps = $ENV{PGMQ_MODEL_STEPS} || 4000;
my $seed = $ENV{PGMQ_MODEL_SEED} || time() % 100000;
srand($seed);
note "seed $seed, $steps steps";

my $node = PostgreSQL::Test::Cluster->new('low_water_model');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
pgmq.low_water_interval = 1
autovacuum = off
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	SELECT pgmq.create('lwm');
	CREATE ROLE lwm_t1;
	CREATE ROLE lwm_t2;
	GRANT USAGE ON SCHEMA pgmq TO lwm_t1, lwm_t2;
	GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.q_lwm, pgmq.a_lwm TO lwm_t1, lwm_t2;
	ALTER TABLE pgmq.q_lwm ENABLE ROW LEVEL SECURITY;
	CREATE POLICY tenant ON pgmq.q_lwm USING (headers->>'tenant' = current_user);
});

# One psql process per session, driven statement by statement.
my $timeout = IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default);

sub session
{
	my %s = (in => '', out => '', err => '', txn => 0, sp => 0, role => '');
	$s{h} = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=0', '-d', $node->connstr('postgres') ],
		'<', \$s{in}, '>', \$s{out}, '2>', \$s{err}, $timeout);
	# One driver runs every session in turn: a statement that waits for
	# another session's lock must give up instead of waiting forever.
	run(\%s, "SET lock_timeout = '100ms'");
	return \%s;
}

# Runs sql in session s; returns its output (errors are allowed).
sub run
{
	my ($s, $sql) = @_;
	$s->{out} = '';
	$s->{err} = '';
	$sql =~ s/;?\s*\z/;/;
	$s->{in} .= "$sql\n\\echo __done__\n";
	$s->{h}->pump until $s->{out} =~ /__done__\n\z/;
	$s->{out} =~ s/__done__\n\z//;
	chomp $s->{out};
	return $s->{out};
}

my @sessions = map { session() } 1 .. 4;
my $admin = session();
my $holder = session();

my %stats;
my $max_mark = 0;

sub pick { return $_[ int(rand(@_)) ]; }

sub tenant_headers
{
	my ($s) = @_;
	my $t = $s->{role} || pick('lwm_t1', 'lwm_t2');
	return "jsonb_build_object('tenant', '$t')";
}

sub random_id
{
	# An id near the live range (or below it: deleting a dead id is a no-op).
	my $r = run($admin, 'SELECT coalesce(min(msg_id), 1), coalesce(max(msg_id), 1) FROM pgmq.q_lwm');
	my ($lo, $hi) = split /\|/, $r;
	return $lo + int(rand($hi - $lo + 3)) - 1;
}

# One random operation of session s.
sub step
{
	my ($s) = @_;
	my $op = pick(qw(send send send batch read read pop pop delete archive set_vt
	  begin begin commit rollback savepoint rollback_sp role));
	$stats{$op}++;
	if ($op eq 'send')
	{
		run($s, "SELECT pgmq.send('lwm', '{}', " . tenant_headers($s) . ")");
	}
	elsif ($op eq 'batch')
	{
		my $n = 1 + int(rand(4));
		my $h = tenant_headers($s);
		run($s, "SELECT pgmq.send_batch('lwm', array_fill('{}'::jsonb, ARRAY[$n]), array_fill($h, ARRAY[$n]))");
	}
	elsif ($op eq 'read')
	{
		my $vt = pick(0, 0, 1, 2);
		run($s, "SELECT count(*) FROM pgmq.read('lwm', $vt, " . (1 + int(rand(3))) . ")");
	}
	elsif ($op eq 'pop')
	{
		run($s, "SELECT count(*) FROM pgmq.pop('lwm', " . int(rand(5)) . ")");
	}
	elsif ($op eq 'delete')
	{
		run($s, "SELECT pgmq.delete('lwm', " . random_id() . "::bigint)");
	}
	elsif ($op eq 'archive')
	{
		run($s, "SELECT pgmq.archive('lwm', " . random_id() . "::bigint)");
	}
	elsif ($op eq 'set_vt')
	{
		run($s, "SELECT count(*) FROM pgmq.set_vt('lwm', " . random_id() . "::bigint, 0)");
	}
	elsif ($op eq 'begin' && !$s->{txn})
	{
		run($s, 'BEGIN');
		$s->{txn} = 1;
	}
	elsif ($op eq 'commit' && $s->{txn})
	{
		run($s, 'COMMIT');
		$s->{txn} = $s->{sp} = 0;
	}
	elsif ($op eq 'rollback' && $s->{txn})
	{
		run($s, 'ROLLBACK');
		$s->{txn} = $s->{sp} = 0;
	}
	elsif ($op eq 'savepoint' && $s->{txn})
	{
		run($s, 'SAVEPOINT sp');
		$s->{sp} = 1;
	}
	elsif ($op eq 'rollback_sp' && $s->{sp})
	{
		run($s, 'ROLLBACK TO SAVEPOINT sp');
	}
	elsif ($op eq 'role' && !$s->{txn})
	{
		$s->{role} = pick('', 'lwm_t1', 'lwm_t2');
		run($s, $s->{role} ? "SET ROLE $s->{role}" : 'RESET ROLE');
	}
}

# The sequence, re-queueing and vacuum: out-of-order ids and invalidations.
sub admin_step
{
	my $op = pick(qw(cache setval requeue vacuum vacuum hold hold));
	$stats{"admin_$op"}++;
	if ($op eq 'cache')
	{
		run($admin, 'ALTER SEQUENCE pgmq.q_lwm_msg_id_seq CACHE ' . pick(1, 20));
	}
	elsif ($op eq 'setval')
	{
		# Backwards: later sends may collide with live ids (and fail).
		run($admin, "SELECT setval('pgmq.q_lwm_msg_id_seq', greatest(1, last_value - "
			  . int(rand(30)) . ")) FROM pgmq.q_lwm_msg_id_seq");
	}
	elsif ($op eq 'requeue')
	{
		run($admin, q{
			WITH m AS (DELETE FROM pgmq.a_lwm WHERE msg_id = (SELECT min(msg_id) FROM pgmq.a_lwm)
			           AND NOT EXISTS (SELECT 1 FROM pgmq.q_lwm q WHERE q.msg_id = a_lwm.msg_id)
			           RETURNING *)
			INSERT INTO pgmq.q_lwm (msg_id, read_ct, enqueued_at, vt, message, headers)
			OVERRIDING SYSTEM VALUE
			SELECT msg_id, 0, enqueued_at, now(), message, headers FROM m});
	}
	elsif ($op eq 'vacuum')
	{
		run($admin, 'VACUUM pgmq.q_lwm');
	}
	else
	{
		# A new held snapshot now and then, so that some dead rows go away.
		run($holder, 'COMMIT');
		run($holder, "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class");
	}
}

# Ends every transaction, then checks the model in every session.
my $checks = 0;
my $failures = 0;

sub check
{
	for my $s (@sessions)
	{
		if ($s->{txn})
		{
			run($s, rand() < 0.5 ? 'COMMIT' : 'ROLLBACK');
			$s->{txn} = $s->{sp} = 0;
		}
	}
	# Ground truth, without any mark: visible now and not locked.
	my $truth = run($admin, q{
		SELECT coalesce(string_agg(msg_id::text, ',' ORDER BY msg_id), '')
		  FROM pgmq.q_lwm WHERE vt <= clock_timestamp()});
	my %truth = map { $_ => 1 } grep { length } split /,/, $truth;
	for my $i (0 .. $#sessions)
	{
		my $s = $sessions[$i];
		my $mark = run($s, "RESET ROLE; SELECT pgmq._low_water_mark('lwm')");
		$max_mark = $mark if $mark =~ /^\d+$/ && $mark > $max_mark;
		my $got = run($s, q{
			BEGIN;
			SELECT coalesce(string_agg(msg_id::text, ',' ORDER BY msg_id), '')
			  FROM pgmq.read('lwm', 0, 1000000);
			ROLLBACK;});
		my %got = map { $_ => 1 } grep { length } split /,/, $got;
		my @missing = grep { !$got{$_} } sort { $a <=> $b } keys %truth;
		$checks++;
		if (@missing)
		{
			$failures++;
			diag("session $i (mark $mark) cannot claim committed visible messages @missing");
		}
		run($s, "SET ROLE $s->{role}") if $s->{role};
	}
}

run($holder, "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class");
for my $n (1 .. $steps)
{
	if (rand() < 0.03) { admin_step(); }
	else { step(pick(@sessions)); }
	check() if $n % 50 == 0;
}
check();

is($failures, 0, "every committed visible message was claimable from every backend ($checks checks)");

# The marks must really move, else the run proved nothing: drain the
# queue, send one message, and the consumer's mark must reach it.
my $c = $sessions[0];
run($c, 'RESET ROLE');
run($c, 'DELETE FROM pgmq.q_lwm');    # leased ones too
my $last = run($c, "SELECT pgmq.send('lwm', '{}')");
run($c, "SELECT pg_sleep(0.02); SELECT pgmq.pop('lwm', 0); SELECT pg_sleep(0.02); SELECT pgmq.pop('lwm', 0)");
my $final_mark = run($c, "SELECT pgmq._low_water_mark('lwm')");
is($final_mark, $last, "after a drain the mark reaches the only message ($last; highest mark seen during the run: $max_mark)");
my $sent = run($admin, 'SELECT last_value FROM pgmq.q_lwm_msg_id_seq');
cmp_ok($sent, '>', 100, "messages were sent (sequence at $sent)");
note join(', ', map { "$_ $stats{$_}" } sort keys %stats);

$_->{h}->finish for @sessions, $admin, $holder;
done_testing();
