# The low-water mark under load: producers that roll back at random and
# commit in any order, consumers that pop with the mark moving every
# millisecond, and a session holding a snapshot so that nothing consumed
# can be vacuumed. Every committed message must be consumed exactly once,
# and the mark must really move (else this would prove nothing).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('low_water');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
pgmq.low_water_interval = 1
max_connections = 40
});
$node->start;
is($node->safe_psql('postgres', 'SHOW pgmq.low_water_interval'), '1ms',
	'pgmq.low_water_interval is taken from postgresql.conf');
$node->safe_psql('postgres', q{
	CREATE EXTENSION pgmq;
	SELECT pgmq.create('lw');
	CREATE TABLE sent (msg_id bigint);
	CREATE TABLE consumed (msg_id bigint);
});

# Hold back the xmin horizon for the whole run.
my ($in, $out, $err) = ('', '', '');
my $holder = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
	'<', \$in, '>', \$out, '2>', \$err);
$in .= "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'held ' || count(*) FROM pg_class;\n";
$holder->pump until $out =~ /held/;

# Producers: 1 to 3 messages per transaction, sleeping a random moment
# before the commit (so ids commit out of order); one in ten rolls back.
# Consumers: pop 1 to 5 and record them, in the same transaction.
$node->pgbench(
	'--no-vacuum --client=6 --jobs=2 --transactions=400',
	0,
	[qr{processed: 2400/2400}],
	[qr{^$}],
	'producers and consumers',
	{
		'003_produce' => q{
			\set n random(1, 3)
			\set pause random(0, 3000)
			\set fail random(1, 10)
			BEGIN;
			INSERT INTO sent SELECT pgmq.send_batch('lw', array_fill('{}'::jsonb, ARRAY[:n]));
			\sleep :pause us
			\if :fail = 1
			ROLLBACK;
			\else
			COMMIT;
			\endif
		},
		'003_consume' => q{
			\set n random(1, 5)
			INSERT INTO consumed SELECT msg_id FROM pgmq.pop('lw', :n);
		},
	});

# Drain what is left, in one session, and read that session's mark.
my $drain = $node->safe_psql('postgres', q{
	DO $$ BEGIN
		FOR i IN 1..100 LOOP
			INSERT INTO consumed SELECT msg_id FROM pgmq.pop('lw', 100);
			PERFORM pg_sleep(0.005);
		END LOOP;
	END $$;
	SELECT pgmq._low_water_mark('lw');
});
cmp_ok($drain, '>', 0, "the low-water mark moved (to $drain)");

is($node->safe_psql('postgres', "SELECT count(*) FROM pgmq.q_lw"), '0', 'queue drained');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM (SELECT msg_id FROM sent EXCEPT SELECT msg_id FROM consumed) missing}),
	'0', 'every committed message was consumed');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM (SELECT msg_id FROM consumed GROUP BY msg_id HAVING count(*) > 1) d}),
	'0', 'no message was consumed twice');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM (SELECT msg_id FROM consumed EXCEPT SELECT msg_id FROM sent) extra}),
	'0', 'nothing rolled back was consumed');
my $n = $node->safe_psql('postgres', "SELECT count(*) FROM sent");
note "committed messages: $n";
cmp_ok($n, '>', 500, 'a meaningful number of messages went through');

$in .= "COMMIT;\n\\q\n";
$holder->finish;
$node->stop;
done_testing();
