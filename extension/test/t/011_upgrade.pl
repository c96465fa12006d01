# Upgrades (issue 11): a database made with the previous release, with
# queues and messages in it, is updated with ALTER EXTENSION pgmq UPDATE and
# must then be exactly what a fresh install of the newest release makes:
# every extension object compared (functions with their arguments, bodies,
# settings and grants; tables, columns, indexes, constraints, triggers,
# policies, sequences, views; the extension's members and configuration
# tables), and `pg_dump --schema-only` of both compared. Queues made under
# the old version keep their messages and keep working.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pgmq'
});
$node->start;

my $newest = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'pgmq'");
my @paths = split /\n/, $node->safe_psql('postgres', q{
	SELECT source FROM pg_extension_update_paths('pgmq')
	 WHERE path IS NOT NULL AND target = (SELECT default_version FROM pg_available_extensions
	                                       WHERE name = 'pgmq')
	 ORDER BY 1});
ok(scalar(@paths) > 0, "an update path leads to $newest from: @paths");

# The same queues, made before the update in one database and after a
# fresh install in the other.
my $queues = q{
	SELECT pgmq.create('up_plain');
	SELECT pgmq.create_unlogged('up_unlogged');
	SELECT pgmq.create_partitioned('up_part', '10', '100');
	SELECT pgmq.create('up_fifo');
	SELECT pgmq.create_fifo_index('up_fifo');
	SELECT pgmq.enable_notify_insert('up_plain', 100);
	SELECT pgmq.bind_topic('orders.*', 'up_plain');
};
my $messages = q{
	SELECT pgmq.send_batch('up_plain', array_fill('{"k": "old"}'::jsonb, ARRAY[20]));
	SELECT pgmq.send('up_unlogged', '{"k": "old"}');
	SELECT pgmq.send_batch('up_part', array_fill('{"k": "old"}'::jsonb, ARRAY[15]));
	SELECT pgmq.send('up_fifo', '{"k": "old"}', '{"x-pgmq-group": "g1"}'::jsonb);
	SELECT pgmq.archive('up_plain', 1::bigint);
	SELECT count(*) FROM pgmq.read('up_plain', 300, 2);
};

for my $old (@paths)
{
	my $db = 'old_' . ($old =~ s/\W/_/gr);
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman");
	$node->safe_psql($db, "CREATE EXTENSION pgmq VERSION '$old'");
	$node->safe_psql($db, $queues . $messages);
	my $before = $node->safe_psql($db, rows_query());

	$node->safe_psql($db, 'ALTER EXTENSION pgmq UPDATE');
	is($node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'pgmq'"),
		$newest, "$old updated to $newest");
	is($node->safe_psql($db, rows_query()), $before,
		"$old: every message, archive row and setting is unchanged by the update");

	$node->safe_psql('postgres', "CREATE DATABASE fresh_$db");
	$node->safe_psql("fresh_$db", "CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman");
	$node->safe_psql("fresh_$db", 'CREATE EXTENSION pgmq');
	$node->safe_psql("fresh_$db", $queues);

	my $updated = $node->safe_psql($db, describe_query());
	my $fresh = $node->safe_psql("fresh_$db", describe_query());
	compare_text($updated, $fresh, "$old: the extension's objects after the update equal a fresh install's");

	my $dump_updated = dump_schema($db);
	my $dump_fresh = dump_schema("fresh_$db");
	compare_text($dump_updated, $dump_fresh,
		"$old: pg_dump --schema-only after the update equals a fresh install's");

	# Queues made under the old version work, and ids continue.
	is($node->safe_psql($db, q{
		SELECT pgmq.send('up_plain', '{"k": "new"}') > 20,
		       (SELECT count(*) FROM pgmq.read('up_plain', 300, 100)),
		       pgmq.archive('up_plain', 2::bigint),
		       pgmq.delete('up_plain', 3::bigint),
		       (SELECT count(*) FROM pgmq.pop('up_unlogged')),
		       pgmq.send('up_part', '{"k": "new"}') > 15,
		       (SELECT count(*) FROM pgmq.read_grouped('up_fifo', 30, 5)),
		       (SELECT count(*) FROM pgmq.send_topic('orders.new', '{"k": "topic"}'))
	}), 't|18|t|t|1|t|1|1', "$old: queues made before the update work after it");
}

# Messages, archives and settings, one line per row.
sub rows_query
{
	return q{
		SELECT string_agg(line, E'\n' ORDER BY line) FROM (
		  SELECT format('%s %s %s %s %s %s', 'q_up_plain', msg_id, read_ct, enqueued_at, vt, message) AS line FROM pgmq.q_up_plain
		  UNION ALL SELECT format('%s %s %s', 'a_up_plain', msg_id, message) FROM pgmq.a_up_plain
		  UNION ALL SELECT format('%s %s %s', 'q_up_unlogged', msg_id, message) FROM pgmq.q_up_unlogged
		  UNION ALL SELECT format('%s %s %s', 'q_up_part', msg_id, message) FROM pgmq.q_up_part
		  UNION ALL SELECT format('%s %s %s %s', 'q_up_fifo', msg_id, headers, message) FROM pgmq.q_up_fifo
		  UNION ALL SELECT format('meta %s %s %s', queue_name, is_partitioned, is_unlogged) FROM pgmq.meta
		  UNION ALL SELECT format('topic %s %s', pattern, queue_name) FROM pgmq.topic_bindings
		  UNION ALL SELECT format('notify %s %s', queue_name, throttle_interval_ms) FROM pgmq.notify_insert_throttle
		) rows};
}

# Every object that belongs to the extension or lives in schema pgmq, with
# what defines it, one sorted line each.
sub describe_query
{
	return q{
		WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'pgmq'),
		lines AS (
		  SELECT 'member ' || pg_describe_object(d.classid, d.objid, 0) AS line
		    FROM pg_depend d, ext WHERE d.refclassid = 'pg_extension'::regclass
		     AND d.refobjid = ext.oid AND d.deptype = 'e'
		  UNION ALL
		  SELECT format('function %s returns %s kind %s vol %s strict %s secdef %s par %s config %s acl %s leak %s cost %s rows %s src %s',
		                p.oid::regprocedure, pg_get_function_result(p.oid), p.prokind, p.provolatile,
		                p.proisstrict, p.prosecdef, p.proparallel, p.proconfig, p.proacl, p.proleakproof,
		                p.procost, p.prorows, md5(p.prosrc || coalesce(p.probin, '')))
		         || ' args ' || pg_get_function_arguments(p.oid)
		    FROM pg_proc p WHERE p.pronamespace = 'pgmq'::regnamespace
		  UNION ALL
		  SELECT format('relation %s kind %s persistence %s rls %s force %s acl %s options %s',
		                c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
		                c.relacl, c.reloptions)
		    FROM pg_class c WHERE c.relnamespace = 'pgmq'::regnamespace
		  UNION ALL
		  SELECT format('column %s.%s %s notnull %s identity %s generated %s default %s acl %s',
		                c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
		                a.attidentity, a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid), a.attacl)
		    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
		   WHERE c.relnamespace = 'pgmq'::regnamespace
		  UNION ALL
		  SELECT 'index ' || pg_get_indexdef(i.indexrelid)
		    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'pgmq'::regnamespace
		  UNION ALL
		  SELECT format('constraint %s on %s: %s', co.conname, co.conrelid::regclass, pg_get_constraintdef(co.oid))
		    FROM pg_constraint co WHERE co.connamespace = 'pgmq'::regnamespace
		  UNION ALL
		  SELECT format('trigger %s enabled %s: %s', t.tgname, t.tgenabled, pg_get_triggerdef(t.oid))
		    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		   WHERE c.relnamespace = 'pgmq'::regnamespace AND NOT t.tgisinternal
		  UNION ALL
		  SELECT format('policy %s on %s: %s %s %s using %s check %s', pol.policyname, pol.tablename,
		                pol.permissive, pol.roles, pol.cmd, pol.qual, pol.with_check)
		    FROM pg_policies pol WHERE pol.schemaname = 'pgmq'
		  UNION ALL
		  SELECT format('sequence %s %s %s %s %s %s %s', s.seqrelid::regclass, s.seqtypid::regtype,
		                s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcycle)
		    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'pgmq'::regnamespace
		  UNION ALL
		  SELECT format('view %s: %s', c.relname, pg_get_viewdef(c.oid))
		    FROM pg_class c WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind IN ('v', 'm')
		  UNION ALL
		  SELECT format('type %s %s', t.typname, t.typtype)
		    FROM pg_type t WHERE t.typnamespace = 'pgmq'::regnamespace
		  UNION ALL
		  SELECT format('schema %s acl %s', n.nspname, n.nspacl) FROM pg_namespace n WHERE n.nspname = 'pgmq'
		  UNION ALL
		  SELECT format('config %s', rel::regclass)
		    FROM pg_extension e, unnest(e.extconfig) AS rel WHERE e.extname = 'pgmq'
		)
		SELECT string_agg(line, E'\n' ORDER BY line) FROM lines};
}

sub dump_schema
{
	my ($db) = @_;
	my ($stdout, $stderr);
	IPC::Run::run([ 'pg_dump', '--schema-only', '--no-comments', '-d', $node->connstr($db) ],
		'>', \$stdout, '2>', \$stderr)
	  or die "pg_dump $db failed: $stderr";
	# \restrict lines carry a random key per dump.
	return join("\n", grep { !/^-- Dumped (from|by)/ && !/^\\(un)?restrict / } split /\n/, $stdout);
}

# Compares two texts and shows the lines that differ.
sub compare_text
{
	my ($got, $want, $name) = @_;
	my %g = map { $_ => 1 } split /\n/, $got;
	my %w = map { $_ => 1 } split /\n/, $want;
	my @only_got = grep { !$w{$_} } sort keys %g;
	my @only_want = grep { !$g{$_} } sort keys %w;
	ok($got eq $want, $name)
	  or diag(join("\n", (map { "only after the update: $_" } @only_got),
			(map { "only in a fresh install: $_" } @only_want)));
}

$node->stop;
done_testing();
