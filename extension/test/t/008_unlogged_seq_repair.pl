# An unlogged msg_id sequence is made logged before it can issue an
# acknowledged id again (issue 9). Our queues' sequences are created logged,
# but one can be unlogged all the same (upstream pgmq, an older version, a
# restored dump, ALTER SEQUENCE ... SET UNLOGGED); after a crash it would
# start over. The repair (ids.c) runs at the owner's first send in a backend
# (also one that sent before the sequence changed: the invalidation makes
# it look again), at create() on the existing queue and at
# pgmq._make_id_sequence_logged; a rolled back repair is done again.
#
# Each trial sets the sequence UNLOGGED, repairs it one of those ways, then
# plays the interleaving of t/005_unlogged_ids.pl: A's send is the one that
# writes the sequence's WAL record (a checkpoint just before forces it) and
# stays open or rolls back, B sends and commits, immediate shutdown. The
# WAL writer is slowed down so that only B's commit can flush the record.
# Without the repair the sequence starts over at 1 after the restart.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('unlogged_seq');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
fsync = on
synchronous_commit = on
wal_writer_delay = 10s
bgwriter_lru_maxpages = 0
autovacuum = off
checkpoint_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	SELECT pgmq.create_unlogged('u');
	CREATE ROLE sender LOGIN;
	GRANT INSERT, SELECT ON pgmq.q_u TO sender;
	GRANT USAGE ON SEQUENCE pgmq.q_u_msg_id_seq TO sender;
});

my $persistence = q{SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_u_msg_id_seq'::regclass};
my $unlog = 'ALTER SEQUENCE pgmq.q_u_msg_id_seq SET UNLOGGED';

# A session that stays connected across the steps of a trial.
sub session
{
	my %s = (in => '', out => '', err => '');
	$s{h} = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
		'<', \$s{in}, '>', \$s{out}, '2>', \$s{err});
	return \%s;
}

# Runs sql in session s and returns what it printed before the marker.
my $marks = 0;
sub run_in
{
	my ($s, $sql) = @_;
	my $mark = 'done' . ++$marks;
	$s->{out} = '';
	$s->{in} .= "$sql;\nSELECT '$mark';\n";
	$s->{h}->pump until $s->{out} =~ /$mark/;
	(my $res = $s->{out}) =~ s/\n?$mark\n?//;
	return $res;
}

# A non-owner's send cannot repair: one WARNING per backend, and the send
# goes through.
$node->safe_psql('postgres', $unlog);
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SELECT 1 FROM pgmq.send('u', '{"who": "sender"}');
	SELECT 1 FROM pgmq.send('u', '{"who": "sender"}');}, extra_params => [ '-U', 'sender' ]);
is($ret, 0, 'a non-owner can still send to a queue with an unlogged sequence');
is(scalar(() = $stderr =~ /WARNING:  the msg_id sequence of queue "u" is unlogged/g), 1,
	'a non-owner gets one WARNING per backend');
like($stderr, qr/HINT:  The queue's owner can make it logged/, 'the WARNING says how to repair');
is($node->safe_psql('postgres', $persistence), 'u', 'a non-owner leaves the sequence unlogged');
($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT pgmq._make_id_sequence_logged('u')},
	extra_params => [ '-U', 'sender' ]);
is($stdout, 'f', 'pgmq._make_id_sequence_logged returns false for a non-owner');
like($stderr, qr/WARNING:  the msg_id sequence of queue "u" is unlogged/, '... with the WARNING');

# A backend that sent before; the sequence becomes unlogged under it.
my $c = session();
run_in($c, q{SELECT pgmq.send('u', '{"who": "C"}')});

my @repairs = (
	[ 'a new backend\'s first send' => sub {
		$node->safe_psql('postgres', q{SELECT pgmq.send('u', '{"who": "repair"}')}) } ],
	[ 'create() of the existing queue' => sub {
		$node->safe_psql('postgres', q{SELECT pgmq.create_unlogged('u')}) } ],
	[ 'pgmq._make_id_sequence_logged' => sub {
		is($node->safe_psql('postgres', q{SELECT pgmq._make_id_sequence_logged('u')}), 't',
			'pgmq._make_id_sequence_logged returns true when it repaired');
	} ],
	[ 'a send of a backend that had sent before' => sub {
		run_in($c, q{SELECT pgmq.send('u', '{"who": "C"}')}) } ],
	[ 'a send after a rolled back repair' => sub {
		run_in($c, q{BEGIN; SELECT pgmq.send('u', '{"who": "C"}'); ROLLBACK});
		is(run_in($c, $persistence), 'u', 'the rollback undid the repair');
		run_in($c, q{SELECT pgmq.send('u', '{"who": "C"}')});
	} ],
);

my $trial_no = 0;
for my $a_mode ('open', 'rollback')
{
	for my $r (@repairs)
	{
		my ($how, $repair) = @$r;
		my $trial = "repair by $how, A $a_mode";
		$trial_no++;
		# The cached session does not survive the restarts.
		$c = session() if $trial_no > 1;
		run_in($c, q{SELECT pgmq.send('u', '{"who": "C"}')});

		$node->safe_psql('postgres', $unlog);
		is($node->safe_psql('postgres', $persistence), 'u', "$trial: the sequence is unlogged");
		$repair->();
		is($node->safe_psql('postgres', $persistence), 'p', "$trial: the sequence is logged after the repair");
		$node->safe_psql('postgres', 'CHECKPOINT');

		# A: the first nextval after the checkpoint writes the WAL record.
		my $a = session();
		my $a_id = run_in($a, q{BEGIN; SELECT pgmq.send('u', '{"who": "A"}')});
		run_in($a, 'ROLLBACK') if $a_mode eq 'rollback';

		my $b_id = $node->safe_psql('postgres', q{SELECT pgmq.send('u', '{"who": "B"}')});
		cmp_ok($b_id, '>', $a_id, "$trial: B's id ($b_id) follows A's ($a_id)");

		$node->stop('immediate');
		$a->{h}->kill_kill;
		$c->{h}->kill_kill;
		$node->start;

		my $next = $node->safe_psql('postgres', q{SELECT * FROM pgmq.send('u', '{"who": "after"}')});
		cmp_ok($next, '>', $b_id, "$trial: the id after the crash ($next) is above B's acknowledged id ($b_id)");
		is($node->safe_psql('postgres', $persistence), 'p', "$trial: the sequence is still logged");
	}
}

$node->stop;
done_testing();
