#!/usr/bin/env bash
# pgmq benchmarks: the C extension against the same statements as plain
# prepared SQL, and (third column) against upstream-style PL/pgSQL that
# builds its SQL with format() and runs it with EXECUTE on every call, as
# the public pgmq 1.13 does. See bench/README.md.
#
# Starts a throwaway PostgreSQL 15 (data and socket under /tmp, Unix socket
# only, synchronous_commit=off), runs pgbench for each workload and prints a
# table, also written to bench/results/<date>.txt.
#
# The server (bench/lib.sh) runs the extension built from this tree by the
# script itself (release flags, in a private copy of the PostgreSQL
# installation under /tmp), not whatever pgmq.so is installed system-wide.
#
# Settings (environment):
#   DURATION=15     seconds measured per run
#   WARMUP=3        seconds of unmeasured pgbench before each run
#   ROUNDS=2        times each side-by-side group runs (order alternates)
#   CLIENTS=2 THREADS=2
#   BACKLOG=500000  messages queued before each read/pop run (read_archive
#                   gets twice as many: it consumes ten per transaction)
#   WORKLOADS="send send_batch read_delete pop read_archive"
#   UPSTREAM=1      also run the upstream-style PL/pgSQL column (0: skip)
#   PARTITIONED=1   also run send and read_archive through the extension on
#                   a queue made by pgmq.create_partitioned (by msg_id; needs
#                   pg_partman installed, else skipped with a warning; 0: skip)
#   PART_INTERVAL=200000 PART_PREMAKE=10 PART_RETENTION=2000000
#                   its partition_interval, premake and retention: the
#                   runway (interval x premake, 2M messages) must hold the
#                   read_archive backlog plus everything one send run sends;
#                   retention above the backlog keeps run_maintenance quiet
#   KEEP=1          leave the server running and its directory in place
#   BENCH_PORT      the server's port (its socket's name; default random)
#   BENCH_REF=HEAD  build that commit's extension/ rather than the working tree (bench/lib.sh)
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-2}
THREADS=${THREADS:-2}
BACKLOG=${BACKLOG:-500000}
WORKLOADS=${WORKLOADS:-send send_batch read_delete pop read_archive}
UPSTREAM=${UPSTREAM:-1}
KEEP=${KEEP:-0}
PARTITIONED=${PARTITIONED:-1}
PART_INTERVAL=${PART_INTERVAL:-200000}
PART_PREMAKE=${PART_PREMAKE:-10}
PART_RETENTION=${PART_RETENTION:-2000000}

# Workloads that also get the upstream PL/pgSQL column.
UPSTREAM_WORKLOADS="send read_delete pop"
# Workloads that also run on the partitioned queue (side "part").
PARTITIONED_WORKLOADS="send read_archive"

BENCH_SRC=$REPO_ROOT/bench
RESULTS_DIR=$BENCH_SRC/results
STAMP=$(date +%Y-%m-%d_%H%M%S)
RESULTS=$RESULTS_DIR/$STAMP.txt

WORK=$(mktemp -d /tmp/pgmq-bench.XXXXXX)
. "$(dirname "$0")/lib.sh"
DATA=$BENCH_DATA
SCRIPTS=$WORK/scripts
LOGS=$WORK/logs
DB=bench

mkdir -p "$SCRIPTS" "$LOGS" "$RESULTS_DIR"

stop_server() {
	if [ -f "$DATA/postmaster.pid" ]; then
		if [ "$KEEP" = 1 ]; then
			echo "server left running: psql -h $WORK -p $PORT -U postgres $DB (stop: $PRIV_BIN/pg_ctl -D $DATA stop)"
			return
		fi
		bench_server_stop
	fi
	[ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap stop_server EXIT

# ---------------------------------------------------------------------------
# A private PostgreSQL installation with this tree's pgmq (bench/lib.sh)
# ---------------------------------------------------------------------------
bench_install

bench_server_start <<CONF
shared_buffers = 256MB
shared_preload_libraries = 'pgmq'
max_wal_size = 4GB
checkpoint_timeout = 30min
CONF

psql_b() { bench_psql "$DB" "$@"; }

as_pg createdb -h "$WORK" -p "$PORT" -U postgres "$DB"

# The payload every message carries.
MSG='{"event": "order_created", "order_id": 12345, "customer": "c-0042", "amount": 19.99}'

# Three queues made by pgmq.create, so their tables have exactly pgmq's DDL:
# bench_ext is used through the extension, bench_plain by plain SQL and
# bench_up by the upstream-style PL/pgSQL. Upstream's tables have no
# low-water guard trigger, so the baselines' tables lose theirs: every
# ratio includes what the guard costs the extension.
psql_b >/dev/null <<SQL
CREATE EXTENSION pgmq;
SELECT pgmq.create('bench_ext');
SELECT pgmq.create('bench_plain');
SELECT pgmq.create('bench_up');
DROP TRIGGER IF EXISTS zz_pgmq_low_water_guard ON pgmq.q_bench_plain;
DROP TRIGGER IF EXISTS zz_pgmq_low_water_guard ON pgmq.q_bench_up;
SQL

# The fourth queue, bench_part, is made by pgmq.create_partitioned and used
# through the extension, exactly like bench_ext. pg_partman comes from the
# system installation (symlinked into the private one).
if [ "$PARTITIONED" = 1 ] && [ ! -e "$PRIV_SHARE/extension/pg_partman.control" ]; then
	echo "warning: pg_partman is not installed (Debian: apt-get install postgresql-15-partman);" \
		"skipping the partitioned queue" >&2
	PARTITIONED=0
fi
if [ "$PARTITIONED" = 1 ]; then
	psql_b >/dev/null <<SQL
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
SELECT pgmq.create_partitioned('bench_part', '$PART_INTERVAL', '$PART_RETENTION', $PART_PREMAKE);
SQL
fi

# Upstream-style functions (modelled on pgmq 1.13's pgmq.sql): every call
# validates the name in PL/pgSQL, builds the statement with format() and
# runs it with EXECUTE, so it is parsed and planned each time.
psql_b <<'SQL'
CREATE SCHEMA pgmq_upstream;

CREATE FUNCTION pgmq_upstream.format_table_name(queue_name text, prefix text)
RETURNS TEXT AS $$
BEGIN
    IF queue_name ~ '\$|;|--|'''
    THEN
        RAISE EXCEPTION 'queue name contains invalid characters: $, ;, --, or \''';
    END IF;
    RETURN lower(prefix || '_' || queue_name);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION pgmq_upstream.send(queue_name TEXT, msg JSONB, headers JSONB, delay TIMESTAMP WITH TIME ZONE)
RETURNS SETOF BIGINT AS $$
DECLARE
    sql TEXT;
    qtable TEXT := pgmq_upstream.format_table_name(queue_name, 'q');
BEGIN
    sql := FORMAT(
        $QUERY$
        INSERT INTO pgmq.%I (vt, message, headers)
        VALUES ($2, $1, $3)
        RETURNING msg_id;
        $QUERY$,
        qtable
    );
    RETURN QUERY EXECUTE sql USING msg, delay, headers;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION pgmq_upstream.send(queue_name TEXT, msg JSONB)
RETURNS SETOF BIGINT AS $$
    SELECT * FROM pgmq_upstream.send(queue_name, msg, NULL, clock_timestamp());
$$ LANGUAGE sql;

CREATE FUNCTION pgmq_upstream.read(queue_name TEXT, vt INTEGER, qty INTEGER, conditional JSONB DEFAULT '{}')
RETURNS SETOF pgmq.message_record AS $$
DECLARE
    sql TEXT;
    qtable TEXT := pgmq_upstream.format_table_name(queue_name, 'q');
BEGIN
    sql := FORMAT(
        $QUERY$
        WITH cte AS
        (
            SELECT msg_id
            FROM pgmq.%I
            WHERE vt <= clock_timestamp() AND CASE
                WHEN %L != '{}'::jsonb THEN (message @> %2$L)::integer
                ELSE 1
            END = 1
            ORDER BY msg_id ASC
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE pgmq.%I m
        SET
            last_read_at = clock_timestamp(),
            vt = clock_timestamp() + %L,
            read_ct = read_ct + 1
        FROM cte
        WHERE m.msg_id = cte.msg_id
        RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.last_read_at, m.vt, m.message, m.headers;
        $QUERY$,
        qtable, conditional, qtable, make_interval(secs => vt)
    );
    RETURN QUERY EXECUTE sql USING qty;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION pgmq_upstream.delete(queue_name TEXT, msg_id BIGINT)
RETURNS BOOLEAN AS $$
DECLARE
    sql TEXT;
    result BIGINT;
    qtable TEXT := pgmq_upstream.format_table_name(queue_name, 'q');
BEGIN
    sql := FORMAT(
        $QUERY$
        DELETE FROM pgmq.%I
        WHERE msg_id = $1
        RETURNING msg_id
        $QUERY$,
        qtable
    );
    EXECUTE sql USING msg_id INTO result;
    RETURN NOT (result IS NULL);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION pgmq_upstream.pop(queue_name TEXT, qty INTEGER DEFAULT 1)
RETURNS SETOF pgmq.message_record AS $$
DECLARE
    sql TEXT;
    qtable TEXT := pgmq_upstream.format_table_name(queue_name, 'q');
BEGIN
    sql := FORMAT(
        $QUERY$
        WITH cte AS
            (
                SELECT msg_id
                FROM pgmq.%I
                WHERE vt <= clock_timestamp()
                ORDER BY msg_id ASC
                LIMIT $1
                FOR UPDATE SKIP LOCKED
            )
        DELETE from pgmq.%I
        WHERE msg_id IN (select msg_id from cte)
        RETURNING msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers;
        $QUERY$,
        qtable, qtable
    );
    RETURN QUERY EXECUTE sql USING qty;
END;
$$ LANGUAGE plpgsql;
SQL

# ---------------------------------------------------------------------------
# pgbench scripts: <workload>.<side>.sql, side = ext | plain | up
# ---------------------------------------------------------------------------

BATCH=$(for i in $(seq 100); do printf "'%s', " "$MSG"; done)
BATCH=${BATCH%, }
COLS="msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers"

# The plain statements are upstream pgmq's, with the queue table written in
# and the per-call values (interval, LIMIT) as constants.
plain_read() { # $1 table, $2 qty
	cat <<EOF
WITH cte AS (SELECT msg_id FROM pgmq.$1 WHERE vt <= clock_timestamp() ORDER BY msg_id ASC LIMIT $2 FOR UPDATE SKIP LOCKED) UPDATE pgmq.$1 m SET last_read_at = clock_timestamp(), vt = clock_timestamp() + interval '30 seconds', read_ct = read_ct + 1 FROM cte WHERE m.msg_id = cte.msg_id RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.last_read_at, m.vt, m.message, m.headers
EOF
}

cat >"$SCRIPTS/send.ext.sql" <<EOF
SELECT * FROM pgmq.send('bench_ext', '$MSG');
EOF
cat >"$SCRIPTS/send.plain.sql" <<EOF
INSERT INTO pgmq.q_bench_plain (vt, message, headers) VALUES (clock_timestamp(), '$MSG', NULL) RETURNING msg_id;
EOF
cat >"$SCRIPTS/send.up.sql" <<EOF
SELECT * FROM pgmq_upstream.send('bench_up', '$MSG');
EOF

cat >"$SCRIPTS/send.part.sql" <<EOF
SELECT * FROM pgmq.send('bench_part', '$MSG');
EOF

cat >"$SCRIPTS/send_batch.ext.sql" <<EOF
SELECT * FROM pgmq.send_batch('bench_ext', ARRAY[$BATCH]::jsonb[]);
EOF
cat >"$SCRIPTS/send_batch.plain.sql" <<EOF
INSERT INTO pgmq.q_bench_plain (vt, message, headers) SELECT clock_timestamp(), unnest(ARRAY[$BATCH]::jsonb[]), unnest(coalesce(NULL::jsonb[], ARRAY[]::jsonb[])) RETURNING msg_id;
EOF

cat >"$SCRIPTS/read_delete.ext.sql" <<EOF
BEGIN;
SELECT * FROM pgmq.read('bench_ext', 30, 1) \gset
SELECT pgmq.delete('bench_ext', :msg_id::bigint);
COMMIT;
EOF
cat >"$SCRIPTS/read_delete.plain.sql" <<EOF
BEGIN;
$(plain_read q_bench_plain 1) \gset
DELETE FROM pgmq.q_bench_plain WHERE msg_id = :msg_id RETURNING msg_id;
COMMIT;
EOF
cat >"$SCRIPTS/read_delete.up.sql" <<EOF
BEGIN;
SELECT * FROM pgmq_upstream.read('bench_up', 30, 1) \gset
SELECT pgmq_upstream.delete('bench_up', :msg_id::bigint);
COMMIT;
EOF

cat >"$SCRIPTS/pop.ext.sql" <<EOF
SELECT * FROM pgmq.pop('bench_ext');
EOF
cat >"$SCRIPTS/pop.plain.sql" <<EOF
WITH cte AS (SELECT msg_id FROM pgmq.q_bench_plain WHERE vt <= clock_timestamp() ORDER BY msg_id ASC LIMIT 1 FOR UPDATE SKIP LOCKED) DELETE FROM pgmq.q_bench_plain WHERE msg_id IN (SELECT msg_id FROM cte) RETURNING $COLS;
EOF
cat >"$SCRIPTS/pop.up.sql" <<EOF
SELECT * FROM pgmq_upstream.pop('bench_up');
EOF

# Both sides return the ten rows into array_agg, so pgbench can \gset them.
cat >"$SCRIPTS/read_archive.ext.sql" <<EOF
BEGIN;
SELECT array_agg(msg_id) AS ids FROM pgmq.read('bench_ext', 30, 10) \gset
SELECT * FROM pgmq.archive('bench_ext', :ids::bigint[]);
COMMIT;
EOF
cat >"$SCRIPTS/read_archive.part.sql" <<EOF
BEGIN;
SELECT array_agg(msg_id) AS ids FROM pgmq.read('bench_part', 30, 10) \gset
SELECT * FROM pgmq.archive('bench_part', :ids::bigint[]);
COMMIT;
EOF
cat >"$SCRIPTS/read_archive.plain.sql" <<EOF
BEGIN;
WITH r AS ($(plain_read q_bench_plain 10)) SELECT array_agg(msg_id) AS ids FROM r \gset
WITH archived AS (DELETE FROM pgmq.q_bench_plain WHERE msg_id = ANY(:ids::bigint[]) RETURNING $COLS) INSERT INTO pgmq.a_bench_plain ($COLS) SELECT $COLS FROM archived RETURNING msg_id;
COMMIT;
EOF
chmod a+r "$SCRIPTS"/*.sql

# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

queue_of() { # side -> queue name
	case $1 in ext) echo bench_ext ;; plain) echo bench_plain ;; up) echo bench_up ;; part) echo bench_part ;; esac
}

backlog_of() { # workload -> messages to queue first
	case $1 in
	send | send_batch) echo 0 ;;
	read_archive) echo $((BACKLOG * 2)) ;;
	*) echo "$BACKLOG" ;;
	esac
}

# Puts a queue in the starting state of a run: exactly n visible messages,
# empty archive, vacuumed and analyzed, then a checkpoint. The partitioned
# queue keeps its partitions (TRUNCATE empties them) and its msg_id sequence;
# pgmq.run_maintenance() before and after the refill retires the emptied
# partitions past retention and makes PART_PREMAKE partitions ahead of the
# newest msg_id, as its background worker would.
#
# Workaround: run_maintenance premakes the *queue* table from the sequence,
# but leaves the archive to pg_partman, which premakes from the highest id
# already archived; an emptied (or seldom used) archive then has no
# partition for the ids being archived now, and archive() spills into
# a_<queue>_default. So the archive gets the same runway here, from the
# sequence (bench/README.md, "Partitioned queue").
reset_queue() { # queue n
	local maint="" archive_runway=""
	if [ "$1" = bench_part ]; then
		maint="SELECT pgmq.run_maintenance('$1');"
		archive_runway="SELECT partman.create_partition_id('pgmq.a_$1', ARRAY(
  SELECT g FROM generate_series(((s.last_value + 1) / $PART_INTERVAL) * $PART_INTERVAL,
                                ((s.last_value + 1) / $PART_INTERVAL + $PART_PREMAKE) * $PART_INTERVAL,
                                $PART_INTERVAL) g), false)
  FROM pgmq.q_$1_msg_id_seq s;"
	fi
	psql_b <<SQL
TRUNCATE pgmq.q_$1, pgmq.a_$1;
$maint
$archive_runway
INSERT INTO pgmq.q_$1 (vt, message)
  SELECT clock_timestamp() - interval '1 minute', '$MSG'::jsonb FROM generate_series(1, $2);
$maint
VACUUM ANALYZE pgmq.q_$1;
VACUUM ANALYZE pgmq.a_$1;
CHECKPOINT;
SQL
}

# Runs one workload on one side; prints its tps (or ERR).
run_one() { # workload side round
	local w=$1 side=$2 round=$3 q n log tps left
	q=$(queue_of "$side")
	n=$(backlog_of "$w")
	log=$LOGS/$w.$side.$round.log
	reset_queue "$q" "$n" >/dev/null
	local pgb=(pgbench -n -M prepared -c "$CLIENTS" -j "$THREADS" -h "$WORK" -p "$PORT" -U postgres
		-f "$SCRIPTS/$w.$side.sql")
	if [ "$WARMUP" -gt 0 ]; then
		as_pg "${pgb[@]}" -T "$WARMUP" "$DB" >"$log.warmup" 2>&1 || true
	fi
	if as_pg "${pgb[@]}" -T "$DURATION" "$DB" >"$log" 2>&1; then
		tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log" | tail -1)
		tps=$(printf '%.1f' "$tps")
	else
		tps=ERR
	fi
	if [ "$side" = part ]; then
		# Rows in the default partitions: the run outran the premade
		# partitions (see PART_INTERVAL); reported with the results.
		# (run_one runs in a subshell: the count goes through a file.)
		local dflt
		dflt=$(psql_b -Atc "SELECT default_partition_length FROM pgmq.metrics('$q')")
		echo "$dflt" >"$LOGS/$w.$side.$round.default_rows"
		if [ "$dflt" != 0 ]; then
			echo "warning: $w/$side put $dflt rows into the default partitions;" \
				"raise PART_PREMAKE or PART_INTERVAL" >&2
		fi
	fi
	if [ "$n" -gt 0 ]; then
		left=$(psql_b -Atc "SELECT count(*) FROM pgmq.q_$q WHERE vt <= clock_timestamp()")
		if [ "$left" -eq 0 ]; then
			echo "warning: $w/$side ran the queue dry; raise BACKLOG" >&2
			tps=ERR
		fi
	fi
	echo "${tps:-ERR}"
}

sides_of() { # workload round -> sides in run order (alternating per round)
	local s="ext plain"
	if [ "$UPSTREAM" = 1 ] && [[ " $UPSTREAM_WORKLOADS " == *" $1 "* ]]; then
		s="$s up"
	fi
	if [ "$PARTITIONED" = 1 ] && [[ " $PARTITIONED_WORKLOADS " == *" $1 "* ]]; then
		s="$s part"
	fi
	if [ $(($2 % 2)) -eq 0 ]; then
		echo "$s" | tr ' ' '\n' | tac | tr '\n' ' '
	else
		echo "$s"
	fi
}

declare -A TPS
echo "pgmq benchmark: $CLIENTS clients, $THREADS threads, ${DURATION}s per run after ${WARMUP}s warm-up, $ROUNDS round(s)"
for round in $(seq "$ROUNDS"); do
	for w in $WORKLOADS; do
		for side in $(sides_of "$w" "$round"); do
			t=$(run_one "$w" "$side" "$round")
			TPS[$w.$side.$round]=$t
			printf '  round %d  %-13s %-6s %10s tps\n' "$round" "$w" "$side" "$t"
		done
	done
done

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

# mean of the numeric arguments (ERR if any is not a number)
mean() {
	awk 'BEGIN { for (i = 1; i < ARGC; i++) { if (ARGV[i] !~ /^[0-9.]+$/) { print "ERR"; exit } s += ARGV[i] }
	             printf "%.1f", s / (ARGC - 1) }' "$@"
}
ratio() {
	awk 'BEGIN { if (ARGV[1] !~ /^[0-9.]+$/ || ARGV[2] !~ /^[0-9.]+$/ || ARGV[2] == 0) print "-"; else printf "%.2f", ARGV[1] / ARGV[2] }' "$1" "$2"
}
values() { # workload side -> per-round values
	local r
	for r in $(seq "$ROUNDS"); do echo -n "${TPS[$1.$2.$r]:-} "; done
}

report() {
	echo "pgmq benchmark, $(date)"
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo)"
	echo "server: $(psql_b -Atc 'SELECT version()')"
	echo "pgbench -M prepared -c $CLIENTS -j $THREADS, ${DURATION}s per run after ${WARMUP}s warm-up," \
		"$ROUNDS round(s); synchronous_commit=off, shared_buffers=256MB; backlog $BACKLOG"
	echo
	printf '%-13s %12s %12s %10s %14s %12s\n' workload "extension" "plain SQL" "ext/plain" "upstream PL" "ext/upstream"
	printf '%-13s %12s %12s %10s %14s %12s\n' "" "tps" "tps" "ratio" "tps" "ratio"
	local w e p u
	for w in $WORKLOADS; do
		# shellcheck disable=SC2046
		e=$(mean $(values "$w" ext))
		# shellcheck disable=SC2046
		p=$(mean $(values "$w" plain))
		u=-
		if [ -n "$(values "$w" up | tr -d ' ')" ]; then
			# shellcheck disable=SC2046
			u=$(mean $(values "$w" up))
		fi
		printf '%-13s %12s %12s %10s %14s %12s\n' "$w" "$e" "$p" "$(ratio "$e" "$p")" "$u" "$(ratio "$e" "$u")"
	done
	echo
	echo "per round (ext / plain [/ upstream] tps, ext/plain ratio):"
	local r
	for w in $WORKLOADS; do
		for r in $(seq "$ROUNDS"); do
			printf '  %-13s round %d: %s / %s%s  ratio %s\n' "$w" "$r" \
				"${TPS[$w.ext.$r]}" "${TPS[$w.plain.$r]}" \
				"${TPS[$w.up.$r]:+ / ${TPS[$w.up.$r]}}" \
				"$(ratio "${TPS[$w.ext.$r]}" "${TPS[$w.plain.$r]}")"
		done
	done
	echo
	echo "tps = pgbench transactions per second; one transaction is one script iteration"
	echo "(send_batch: 100 messages; read_archive: 10 messages)."
	[ "$PARTITIONED" = 1 ] && report_partitioned
	return 0
}

# The extension on the partitioned queue against the extension on the plain
# one (same workload scripts, other queue), with the rows found in the
# default partitions after each run (0 = the premade runway held).
report_partitioned() {
	local w r e p dflt
	echo
	echo "partitioned queue (pgmq.create_partitioned by msg_id: partition_interval $PART_INTERVAL," \
		"premake $PART_PREMAKE, retention $PART_RETENTION; pg_partman" \
		"$(psql_b -Atc "SELECT extversion FROM pg_extension WHERE extname = 'pg_partman'"))" \
		"against the plain queue, both through the extension:"
	printf '%-13s %12s %12s %10s %14s\n' workload "plain queue" "partitioned" "part/plain" "default-part"
	printf '%-13s %12s %12s %10s %14s\n' "" "tps" "tps" "ratio" "rows per run"
	for w in $WORKLOADS; do
		[[ " $PARTITIONED_WORKLOADS " == *" $w "* ]] || continue
		# shellcheck disable=SC2046
		e=$(mean $(values "$w" ext))
		# shellcheck disable=SC2046
		p=$(mean $(values "$w" part))
		dflt=$(for r in $(seq "$ROUNDS"); do cat "$LOGS/$w.part.$r.default_rows" 2>/dev/null || echo "?"; done | paste -sd/)
		printf '%-13s %12s %12s %10s %14s\n' "$w" "$e" "$p" "$(ratio "$p" "$e")" "$dflt"
	done
	echo "per round (partitioned / plain-queue tps, ratio):"
	for w in $WORKLOADS; do
		[[ " $PARTITIONED_WORKLOADS " == *" $w "* ]] || continue
		for r in $(seq "$ROUNDS"); do
			printf '  %-13s round %d: %s / %s  ratio %s\n' "$w" "$r" \
				"${TPS[$w.part.$r]}" "${TPS[$w.ext.$r]}" "$(ratio "${TPS[$w.part.$r]}" "${TPS[$w.ext.$r]}")"
		done
	done
	echo "partitions now: queue $(psql_b -Atc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'pgmq.q_bench_part'::regclass")," \
		"archive $(psql_b -Atc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'pgmq.a_bench_part'::regclass")" \
		"(each including its default partition)"
}

echo
report | tee "$RESULTS"
echo
echo "written to ${RESULTS#"$REPO_ROOT"/}"
