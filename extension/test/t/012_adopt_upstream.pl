# Adopting upstream pgmq 1.x queues (docs/migrating.md): databases built by
# hand in upstream's table layout (pgmq-api reference, section 3), in four
# states, switch to this pgmq with pgmq_adopt_upstream.sql:
#
#   inst113   upstream 1.13 installed: headers and last_read_at, topic
#             bindings, notify throttles; meta, bindings and throttles are
#             members of the extension, the queue tables are not (1.6+)
#   inst15    upstream 1.5 installed, layout without headers and
#             last_read_at; queue tables are members (before 1.6) and one
#             queue has an insert trigger but there is no throttle table
#   drop113   upstream 1.13 dropped: pgmq.meta, pgmq.topic_bindings and the
#             queue tables left behind, no functions
#   drop15    upstream 1.5 dropped with CASCADE: only the queue tables are
#             left (no registry: names come from the tables)
#   sql15     upstream 1.5 installed without CREATE EXTENSION: its tables,
#             functions and type belong to no extension
#
# "Installed" is simulated with an empty extension whose catalog entry is
# renamed to pgmq, so that PostgreSQL sees exactly what it would see after
# upstream's CREATE EXTENSION pgmq: a pgmq extension, of another version,
# owning upstream's objects.
#
# Every queue has messages in flight (vt in the future, read_ct > 0),
# visible ones, archived ones and a sequence moved past its rows. After
# adoption every row, archive and sequence position is as it was, the
# sequences are logged, names, created_at, bindings and notify settings are
# registered, the tables belong to no extension and the registry to ours,
# and send/read/archive/delete/send_topic work, with ids above the old ones.
use strict;
use warnings;

use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('adopt_upstream');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pgmq'\n");
$node->start;

my $extver = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pgmq'});
my $sharedir = $node->safe_psql('postgres', q{SELECT setting FROM pg_config WHERE name = 'SHAREDIR'});
my $adopt_sql = "$sharedir/extension/pgmq_adopt_upstream.sql";
ok(-f $adopt_sql, "the adoption script is installed ($adopt_sql)");

# The stand-in for upstream's extension, in the private installation only.
die "refusing to write into the host's PostgreSQL installation ($sharedir)"
  if $sharedir =~ m{^/usr/share/postgresql};
# Named after this process, so that runs sharing the installation do not
# remove each other's.
my $fake_name = "pgmq_upstream_fake_$$";
my @fake = ("$sharedir/extension/$fake_name.control", "$sharedir/extension/$fake_name--1.0.sql");
PostgreSQL::Test::Utils::append_to_file($fake[0],
	"default_version = '1.0'\nsuperuser = true\nrelocatable = false\n");
PostgreSQL::Test::Utils::append_to_file($fake[1], "-- members are added by t/012_adopt_upstream.pl\n");
END { unlink @fake if @fake; }

# Upstream's per-queue tables: $style '1.13' (with last_read_at and
# headers) or '1.5' (without); the queue table UNLOGGED if asked.
sub queue_ddl
{
	my ($name, $style, $unlogged) = @_;
	my $n = lc $name;
	my $new = $style eq '1.13';
	my $lr = $new ? 'last_read_at TIMESTAMPTZ,' : '';
	my $h = $new ? ', headers JSONB' : '';
	my $u = $unlogged ? 'UNLOGGED' : '';
	return qq{
		CREATE $u TABLE pgmq.q_$n (msg_id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
			read_ct INT DEFAULT 0 NOT NULL, enqueued_at TIMESTAMPTZ DEFAULT now() NOT NULL, $lr
			vt TIMESTAMPTZ NOT NULL, message JSONB $h);
		CREATE INDEX q_${n}_vt_idx ON pgmq.q_$n (vt ASC);
		CREATE TABLE pgmq.a_$n (msg_id BIGINT PRIMARY KEY,
			read_ct INT DEFAULT 0 NOT NULL, enqueued_at TIMESTAMPTZ DEFAULT now() NOT NULL, $lr
			archived_at TIMESTAMPTZ DEFAULT now() NOT NULL, vt TIMESTAMPTZ NOT NULL, message JSONB $h);
		CREATE INDEX "archived_at_idx_$name" ON pgmq.a_$n (archived_at);
		INSERT INTO pgmq.q_$n (read_ct, enqueued_at, vt, message)
		SELECT CASE WHEN i % 3 = 0 THEN 2 ELSE 0 END, now() - make_interval(mins => 10 - i),
		       CASE WHEN i % 3 = 0 THEN now() + interval '1 hour' ELSE now() - interval '1 minute' END,
		       jsonb_build_object('q', '$name', 'i', i)
		  FROM generate_series(1, 6) i;
		INSERT INTO pgmq.a_$n (msg_id, read_ct, enqueued_at, archived_at, vt, message)
		VALUES (7, 1, now() - interval '1 day', now() - interval '1 hour', now(), '{"archived": 7}'),
		       (8, 3, now() - interval '1 day', now() - interval '30 minutes', now(), NULL);
		-- ids 7, 8 (archived) and 9 to 20 (deleted) were issued
		SELECT setval('pgmq.q_${n}_msg_id_seq', 20);
	} . ($new ? qq{
		UPDATE pgmq.q_$n SET last_read_at = now() - interval '5 minutes', headers = '{"x-pgmq-group": "g"}'
		 WHERE read_ct > 0;
		UPDATE pgmq.a_$n SET last_read_at = now() - interval '2 hours', headers = '{"h": 1}';
	} : '');
}

sub meta_ddl
{
	return q{
		CREATE TABLE pgmq.meta (queue_name VARCHAR UNIQUE NOT NULL, is_partitioned BOOLEAN NOT NULL,
			is_unlogged BOOLEAN NOT NULL, created_at TIMESTAMPTZ DEFAULT now() NOT NULL);
	};
}

sub register
{
	my ($name, $unlogged) = @_;
	my $u = $unlogged ? 'true' : 'false';
	return "INSERT INTO pgmq.meta VALUES ('$name', false, $u, '2024-01-02 03:04:05+00');\n";
}

my $topics_ddl = q{
	CREATE TABLE pgmq.topic_bindings (pattern text NOT NULL,
		queue_name text NOT NULL CONSTRAINT topic_bindings_meta_queue_name_fk
			REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
		bound_at TIMESTAMPTZ DEFAULT now() NOT NULL,
		compiled_regex text GENERATED ALWAYS AS ('^' || replace(replace(regexp_replace(pattern,
			'([.+?{}()|\[\]\\\\^$])', '\\\\\1', 'g'), '*', '[^.]+'), '#', '.*') || '$') STORED,
		CONSTRAINT topic_bindings_unique_pattern_queue UNIQUE (pattern, queue_name));
	CREATE INDEX idx_topic_bindings_covering ON pgmq.topic_bindings (pattern) INCLUDE (queue_name, compiled_regex);
};
my $throttle_ddl = q{
	CREATE UNLOGGED TABLE pgmq.notify_insert_throttle (
		queue_name VARCHAR UNIQUE NOT NULL CONSTRAINT notify_insert_throttle_meta_queue_name_fk
			REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
		throttle_interval_ms INTEGER NOT NULL DEFAULT 0,
		last_notified_at TIMESTAMPTZ NOT NULL DEFAULT to_timestamp(0));
	CREATE INDEX idx_notify_throttle_active ON pgmq.notify_insert_throttle (queue_name, last_notified_at)
		WHERE throttle_interval_ms > 0;
};
# A few of upstream's functions and its message type (SQL and PL/pgSQL).
my $functions_ddl = q{
	CREATE TYPE pgmq.message_record AS (msg_id BIGINT, read_ct INTEGER, enqueued_at TIMESTAMPTZ,
		vt TIMESTAMPTZ, message JSONB);
	CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB) RETURNS SETOF BIGINT LANGUAGE plpgsql AS $$
	BEGIN
		RETURN QUERY EXECUTE format('INSERT INTO pgmq.%I (vt, message) VALUES (now(), $1) RETURNING msg_id',
		                            'q_' || lower(queue_name)) USING msg;
	END $$;
	CREATE FUNCTION pgmq.read(queue_name TEXT, vt INTEGER, qty INTEGER) RETURNS SETOF pgmq.message_record
	LANGUAGE sql AS $$ SELECT NULL::pgmq.message_record WHERE false $$;
	CREATE FUNCTION pgmq.notify_queue_listeners() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN PERFORM pg_notify('pgmq.' || TG_TABLE_NAME || '.' || TG_OP, NULL); RETURN NEW; END $$;
};
sub notify_trigger
{
	my ($n) = @_;
	return "CREATE CONSTRAINT TRIGGER trigger_notify_queue_insert_listeners AFTER INSERT ON pgmq.q_$n"
	  . " DEFERRABLE FOR EACH ROW EXECUTE PROCEDURE pgmq.notify_queue_listeners();\n";
}

# Makes the objects named (ALTER EXTENSION ... ADD kind object) members of
# a stand-in extension, then calls it pgmq of the given version.
sub as_upstream_extension
{
	my ($db, $version, @members) = @_;
	my $sql = "CREATE EXTENSION $fake_name;\n";
	$sql .= "ALTER EXTENSION $fake_name ADD $_;\n" for @members;
	$sql .= "UPDATE pg_extension SET extname = 'pgmq', extversion = '$version'"
	  . " WHERE extname = '$fake_name';\n";
	$node->safe_psql($db, $sql);
}

my %queues = (
	inst113 => [ [ 'Orders', 0 ], [ 'logs', 1 ] ],
	inst15 => [ [ 'jobs', 0 ], [ 'fast', 1 ] ],
	drop113 => [ [ 'Events', 0 ], [ 'spool', 1 ] ],
	drop15 => [ [ 'legacy', 0 ], [ 'legacy_u', 1 ] ],
	sql15 => [ [ 'Mails', 0 ] ],
);
my %style = (inst113 => '1.13', inst15 => '1.5', drop113 => '1.13', drop15 => '1.5', sql15 => '1.5');

for my $db (sort keys %queues)
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	my $sql = "CREATE SCHEMA pgmq;\n";
	$sql .= meta_ddl() unless $db eq 'drop15';
	$sql .= $topics_ddl . $throttle_ddl if $style{$db} eq '1.13';
	$sql .= $functions_ddl if $db =~ /^(inst|sql)/;
	for my $q (@{ $queues{$db} })
	{
		$sql .= queue_ddl($q->[0], $style{$db}, $q->[1]);
		$sql .= register(@$q) unless $db eq 'drop15';
	}
	$node->safe_psql($db, $sql);
}
$node->safe_psql('inst113', q{
	INSERT INTO pgmq.topic_bindings (pattern, queue_name) VALUES ('orders.*', 'Orders'), ('#', 'logs'), ('orders.#', 'logs');
	INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms) VALUES ('Orders', 500);
} . notify_trigger('orders'));
$node->safe_psql('drop113', q{
	INSERT INTO pgmq.topic_bindings (pattern, queue_name) VALUES ('events.#', 'Events');
	INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms) VALUES ('spool', 0);
});
$node->safe_psql('inst15', notify_trigger('jobs'));
$node->safe_psql('sql15', notify_trigger('mails'));
as_upstream_extension('inst113', '1.13.0',
	'TABLE pgmq.meta', 'TABLE pgmq.topic_bindings', 'TABLE pgmq.notify_insert_throttle',
	'TYPE pgmq.message_record', 'FUNCTION pgmq.send(text, jsonb)', 'FUNCTION pgmq.read(text, integer, integer)',
	'FUNCTION pgmq.notify_queue_listeners()');
as_upstream_extension('inst15', '1.5.1',
	'TABLE pgmq.meta', 'TABLE pgmq.q_jobs', 'TABLE pgmq.a_jobs', 'TABLE pgmq.q_fast', 'TABLE pgmq.a_fast',
	'TYPE pgmq.message_record', 'FUNCTION pgmq.send(text, jsonb)', 'FUNCTION pgmq.read(text, integer, integer)',
	'FUNCTION pgmq.notify_queue_listeners()');
is($node->safe_psql('inst113', q{SELECT extversion FROM pg_extension WHERE extname = 'pgmq'}), '1.13.0',
	'inst113: an upstream pgmq 1.13.0 is installed');

# Upstream's 1.13.0 has the version string of this extension's first
# release, which has an upgrade script: the script refuses it.
{
	my ($rc, $out, $err) = $node->psql('inst113', 'ALTER EXTENSION pgmq UPDATE');
	isnt($rc, 0, 'inst113: ALTER EXTENSION pgmq UPDATE refuses upstream 1.13.0');
	like($err, qr/the installed pgmq 1\.13\.0 is upstream pgmq.*\n.*HINT:  Run pgmq_adopt_upstream\.sql/s,
		'inst113: and points to pgmq_adopt_upstream.sql');
	is($node->safe_psql('inst113', q{SELECT extversion FROM pg_extension WHERE extname = 'pgmq'}), '1.13.0',
		'inst113: upstream is left as it was');
}

# What must survive, as text: every row of both tables (the columns the
# layout has) and the sequence's position.
sub snapshot
{
	my ($db, $name) = @_;
	my $n = lc $name;
	my $cols = 'msg_id, read_ct, enqueued_at, vt, message';
	$cols .= ', last_read_at, headers' if $style{$db} eq '1.13';
	return $node->safe_psql($db, qq{
		SELECT 'q', $cols FROM pgmq.q_$n UNION ALL SELECT 'a', $cols FROM pgmq.a_$n ORDER BY 1, 2;
		SELECT archived_at FROM pgmq.a_$n ORDER BY msg_id;
		SELECT last_value, is_called FROM pgmq.q_${n}_msg_id_seq;
	});
}

my %before;
for my $db (sort keys %queues)
{
	$before{$db}{ $_->[0] } = snapshot($db, $_->[0]) for @{ $queues{$db} };
}

# The one documented command.
for my $db (sort keys %queues)
{
	my ($rc, $out, $err) = $node->psql($db, undef, extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', $adopt_sql ]);
	is($rc, 0, "$db: pgmq_adopt_upstream.sql succeeds") or diag($err);
	like($err, qr/pgmq \Q$extver\E: @{[ scalar @{ $queues{$db} } ]} queues/, "$db: it reports the queues adopted");
}

for my $db (sort keys %queues)
{
	is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'pgmq'}), $extver,
		"$db: this pgmq is installed");
	is($node->safe_psql($db, q{
		SELECT count(*) FROM pg_depend d
		 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
		   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pgmq')
		   AND d.classid = 'pg_class'::regclass
		   AND d.objid IN ('pgmq.meta'::regclass, 'pgmq.topic_bindings'::regclass, 'pgmq.notify_insert_throttle'::regclass)
	}), 3, "$db: the registry, bindings and throttles belong to this extension");
	is($node->safe_psql($db, q{
		SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'pgmq'::regnamespace
		   AND p.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e')
	}), 0, "$db: no function of upstream's is left");

	for my $q (@{ $queues{$db} })
	{
		my ($name, $unlogged) = @$q;
		my $n = lc $name;
		my $reg = $db eq 'drop15' ? $n : $name;
		is(snapshot($db, $name), $before{$db}{$name}, "$db/$name: every message, archive row and the sequence unchanged");
		is($node->safe_psql($db, qq{
			SELECT count(*) FROM pgmq.q_$n WHERE last_read_at IS NULL AND headers IS NULL
		}), 6, "$db/$name: 1.5 rows got empty last_read_at and headers") if $style{$db} eq '1.5';
		is($node->safe_psql($db, qq{
			SELECT queue_name || ' ' || is_partitioned || ' ' || is_unlogged FROM pgmq.meta
			 WHERE lower(queue_name) = '$n'
		}), "$reg false " . ($unlogged ? 'true' : 'false'), "$db/$name: registered as $reg");
		is($node->safe_psql($db, qq{SELECT created_at = '2024-01-02 03:04:05+00' FROM pgmq.meta WHERE queue_name = '$reg'}),
			't', "$db/$name: created_at kept") unless $db eq 'drop15';
		is($node->safe_psql($db, qq{
			SELECT string_agg(relname || ':' || relpersistence::text, ' ' ORDER BY relname) FROM pg_class
			 WHERE relnamespace = 'pgmq'::regnamespace AND relname IN ('q_$n', 'q_${n}_msg_id_seq')
		}), "q_$n:" . ($unlogged ? 'u' : 'p') . " q_${n}_msg_id_seq:p", "$db/$name: the id sequence is logged");
		is($node->safe_psql($db, qq{
			SELECT count(*) FROM pg_depend WHERE deptype = 'e' AND classid = 'pg_class'::regclass
			   AND objid IN ('pgmq.q_$n'::regclass, 'pgmq.a_$n'::regclass)
		}), 0, "$db/$name: its tables belong to no extension, as this pgmq's queues");

		# The queue works: visible messages (ids 1, 2, 4, 5) are read, the
		# ones in flight (3, 6) are not; new ids come after the old ones.
		is($node->safe_psql($db, qq{SELECT string_agg(msg_id || ':' || read_ct, ',' ORDER BY msg_id) FROM pgmq.read('$reg', 30, 10)}),
			'1:1,2:1,4:1,5:1', "$db/$name: read returns the visible messages, read_ct counted on");
		is($node->safe_psql($db, qq{SELECT * FROM pgmq.send('$reg', '{"new": 1}'::jsonb, '{"h": "new"}'::jsonb)}), '21',
			"$db/$name: send continues after the old last id");
		is($node->safe_psql($db, qq{SELECT pgmq.archive('$reg', 1::bigint), pgmq.delete('$reg', 2::bigint),
			pgmq.delete('$reg', 3::bigint)}), 't|t|t', "$db/$name: archive and delete work");
		is($node->safe_psql($db, qq{SELECT string_agg(msg_id::text, ',' ORDER BY msg_id) FROM pgmq.a_$n}),
			'1,7,8', "$db/$name: the archive holds the old rows and the new one");
		is($node->safe_psql($db, qq{SELECT queue_length || ' ' || total_messages FROM pgmq.metrics('$reg')}),
			'4 21', "$db/$name: metrics count the adopted queue");
		is($node->safe_psql($db, qq{SELECT msg_id FROM pgmq.pop('$reg')}), '21', "$db/$name: pop works");
		is($node->safe_psql($db, qq{SELECT count(*) FROM pgmq.set_vt('$reg', 6, 0);
			SELECT string_agg(msg_id || ':' || read_ct, ',') FROM pgmq.read('$reg', 30, 10)}),
			"1\n6:3", "$db/$name: set_vt makes a message in flight visible again, read_ct counted on");
	}
}

# Topic bindings and notifications.
is($node->safe_psql('inst113', q{SELECT string_agg(pattern || '>' || queue_name, ' ' ORDER BY pattern, queue_name)
	FROM pgmq.list_topic_bindings()}), '#>logs orders.#>logs orders.*>Orders', 'inst113: topic bindings kept');
is($node->safe_psql('inst113', q{SELECT pgmq.send_topic('orders.new', '{"t": 1}')}), '2',
	'inst113: send_topic routes to the adopted queues');
is($node->safe_psql('inst113', q{SELECT count(*) FROM pgmq.q_orders WHERE message = '{"t": 1}'}) . ' '
	  . $node->safe_psql('inst113', q{SELECT count(*) FROM pgmq.q_logs WHERE message = '{"t": 1}'}),
	'1 1', 'inst113: one copy in each bound queue');
is($node->safe_psql('drop113', q{SELECT string_agg(pattern || '>' || queue_name, ' ') FROM pgmq.list_topic_bindings()}),
	'events.#>Events', 'drop113: topic bindings kept');

my %notify = (inst113 => 'Orders:500', inst15 => 'jobs:0', drop113 => 'spool:0', drop15 => '', sql15 => 'Mails:0');
for my $db (sort keys %notify)
{
	is($node->safe_psql($db, q{SELECT string_agg(queue_name || ':' || throttle_interval_ms, ' ')
		FROM pgmq.list_notify_insert_throttles()}), $notify{$db}, "$db: notify settings kept");
	is($node->safe_psql($db, q{
		SELECT string_agg(tgrelid::regclass || ' ' || tgfoid::regproc, ' ') FROM pg_trigger
		 WHERE tgname = 'trigger_notify_queue_insert_listeners'}),
		($notify{$db} eq '' ? '' : 'pgmq.q_' . lc((split /:/, $notify{$db})[0]) . ' pgmq.notify_queue_listeners'),
		"$db: the insert trigger is this pgmq's");
}
# (the send_topic above was the last notification: let the throttle pass)
$node->safe_psql('inst113', q{UPDATE pgmq.notify_insert_throttle SET last_notified_at = to_timestamp(0)});
my ($rc, $out, $err) = $node->psql('inst113', q{LISTEN "pgmq.q_Orders.INSERT"; SELECT 1 FROM pgmq.send('Orders', '{}'); SELECT 1;});
like($err . $out, qr/pgmq\.q_Orders\.INSERT/, 'inst113: a send to the adopted queue notifies listeners');

is($node->safe_psql('inst15', q{SELECT pgmq.drop_queue('fast');
	SELECT count(*) FROM pg_class WHERE relnamespace = 'pgmq'::regnamespace AND relname LIKE '%fast%'}),
	"t\n0", 'inst15: an adopted queue is dropped with its tables');

# Running the script again changes nothing.
($rc, $out, $err) = $node->psql('inst113', undef, extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', $adopt_sql ]);
is($rc, 0, 'a second run succeeds');
like($err, qr/installed already: nothing to adopt/, 'a second run says there is nothing to adopt');

# A dependency of the user's on upstream's objects stops the script, and
# nothing changes.
$node->safe_psql('postgres', 'CREATE DATABASE dep');
$node->safe_psql('dep', "CREATE SCHEMA pgmq;\n" . meta_ddl() . $functions_ddl . queue_ddl('kept', '1.13', 0)
	  . register('kept', 0) . "CREATE VIEW public.uses_type AS SELECT NULL::pgmq.message_record AS r;\n");
as_upstream_extension('dep', '1.13.0', 'TABLE pgmq.meta', 'TYPE pgmq.message_record', 'FUNCTION pgmq.send(text, jsonb)',
	'FUNCTION pgmq.read(text, integer, integer)', 'FUNCTION pgmq.notify_queue_listeners()');
($rc, $out, $err) = $node->psql('dep', undef, extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', $adopt_sql ]);
isnt($rc, 0, 'dep: the script stops on an object depending on upstream');
like($err, qr/view public.uses_type depends on type pgmq.message_record/, 'dep: PostgreSQL names the dependent object');
is($node->safe_psql('dep', q{SELECT extversion || ' ' || (SELECT count(*) FROM pgmq.q_kept) FROM pg_extension WHERE extname = 'pgmq'}),
	'1.13.0 6', 'dep: upstream and its queue are left as they were');

$node->stop;
done_testing();
