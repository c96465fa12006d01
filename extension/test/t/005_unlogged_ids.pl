# Unlogged queues never issue an acknowledged msg_id again after a crash
# (issue 9). The id sequence is logged, but it writes a WAL record only
# every 32 ids, and that record may belong to another session's
# transaction (A) that is still open or rolled back. A send (B) that
# commits without writing WAL of its own (its rows are unlogged) must still
# make sure that record is on disk, or after an immediate shutdown the
# sequence starts over below B's id.
#
# Each trial makes A's send the one that logs the sequence (a checkpoint
# just before forces it), then B sends and commits, then the server stops
# with -m immediate. The WAL writer is slowed down so that nothing but the
# commit of B can flush the sequence record in time: without the fix every
# trial fails.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('unlogged_ids');
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
	SELECT pgmq.bind_topic('u.#', 'u');
});

# How B sends: each returns the id B was given, as the last output line.
my %b_send = (
	send => q{SELECT * FROM pgmq.send('u', '{"who": "B"}')},
	send_batch => q{SELECT max(id) FROM pgmq.send_batch('u', ARRAY['{"who": "B"}', '{"who": "B"}']::jsonb[]) id},
	send_topic => q{BEGIN; SELECT pgmq.send_topic('u.k', '{"who": "B"}'); SELECT max(msg_id) FROM pgmq.q_u; COMMIT},
	send_batch_topic => q{SELECT max(msg_id) FROM pgmq.send_batch_topic('u.k', ARRAY['{"who": "B"}']::jsonb[])},
);

for my $a_mode ('open', 'rollback')
{
	for my $op (sort keys %b_send)
	{
		my $trial = "$op, A $a_mode";
		$node->safe_psql('postgres', 'CHECKPOINT');

		# A: the first nextval after the checkpoint writes the WAL record.
		my ($in, $out, $err) = ('', '', '');
		my $a = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
			'<', \$in, '>', \$out, '2>', \$err);
		$in .= "BEGIN; SELECT 'A ' || pgmq.send('u', '{\"who\": \"A\"}');\n";
		$a->pump until $out =~ /A \d+/;
		if ($a_mode eq 'rollback')
		{
			$in .= "ROLLBACK; SELECT 'rolled back';\n";
			$a->pump until $out =~ /rolled back/;
		}

		my @lines = split /\n/, $node->safe_psql('postgres', $b_send{$op});
		my $b_id = $lines[-1];

		$node->stop('immediate');
		$a->kill_kill;
		$node->start;

		my $next = $node->safe_psql('postgres', q{SELECT * FROM pgmq.send('u', '{"who": "after"}')});
		cmp_ok($next, '>', $b_id, "$trial: the id after the crash ($next) is above B's acknowledged id ($b_id)");
	}
}

# And the archive, which is logged, takes every id after the crashes
# without a duplicate key.
my $left = $node->safe_psql('postgres', 'SELECT count(*) FROM pgmq.q_u');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM pgmq.archive('u', ARRAY(SELECT msg_id FROM pgmq.q_u))}),
	$left, 'archiving the messages sent after the crashes works');

$node->stop;
done_testing();
