#!/usr/bin/env bash
# pgmq benchmarks: the C extension against the same statements as plain
# prepared SQL, and (third column) against upstream-style PL/pgSQL that
# builds its SQL with format() and runs it with EXECUTE on every call, as
# the public pgmq 1.13 does. See bench/README.md.
#
# Starts a throwaway PostgreSQL 15 (data and socket under /tmp, Unix socket
# only, synchronous_commit=off), runs pgbench for each workload and prints a
# table, also written to bench/results/<date>.txt. Expects the extension to
# be installed already (`make bench` does that first).
#
# The server runs the extension built from this tree by the script itself
# (release flags, in a private copy of the PostgreSQL installation under
# /tmp), not whatever pgmq.so is installed system-wide at the moment: other
# targets install assertion (make test) or -O0 (make memcheck) builds there.
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
#   KEEP=1          leave the server running and its directory in place
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

# Workloads that also get the upstream PL/pgSQL column.
UPSTREAM_WORKLOADS="send read_delete pop"

BENCH_SRC=$REPO_ROOT/bench
RESULTS_DIR=$BENCH_SRC/results
STAMP=$(date +%Y-%m-%d_%H%M%S)
RESULTS=$RESULTS_DIR/$STAMP.txt

WORK=$(mktemp -d /tmp/pgmq-bench.XXXXXX)
DATA=$WORK/data
SCRIPTS=$WORK/scripts
LOGS=$WORK/logs
PORT=${BENCH_PORT:-$((55000 + RANDOM % 5000))}
DB=bench

mkdir -p "$SCRIPTS" "$LOGS" "$RESULTS_DIR"

stop_server() {
	if [ -f "$DATA/postmaster.pid" ]; then
		if [ "$KEEP" = 1 ]; then
			echo "server left running: psql -h $WORK -p $PORT -U postgres $DB (stop: $PRIV_BIN/pg_ctl -D $DATA stop)"
			return
		fi
		pg_server pg_ctl -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
	fi
	[ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap stop_server EXIT

# ---------------------------------------------------------------------------
# A private PostgreSQL installation with this tree's pgmq
# ---------------------------------------------------------------------------
# PostgreSQL finds its lib and share directories relative to the real path of
# its executable, so copies of postgres, initdb and pg_ctl under $WORK/usr
# use $WORK/usr/lib/postgresql/15/lib and $WORK/usr/share/postgresql/15:
# symlinks to the system's files, except for pgmq's, built here.
PG_LIBDIR=$($PG_CONFIG --pkglibdir)
PG_SHAREDIR=$($PG_CONFIG --sharedir)
PRIV_BIN=$WORK$PG_BINDIR
PRIV_LIB=$WORK$PG_LIBDIR
PRIV_SHARE=$WORK$PG_SHAREDIR

echo "building pgmq (release flags) in $WORK/ext"
mkdir -p "$WORK/ext"
cp -r "$REPO_ROOT/extension/Makefile" "$REPO_ROOT/extension/pgmq.control" \
	"$REPO_ROOT/extension/src" "$REPO_ROOT/extension/sql" "$WORK/ext/"
rm -f "$WORK"/ext/src/*.o "$WORK"/ext/src/*.bc
make -s -C "$WORK/ext" PG_CONFIG="$PG_CONFIG" with_llvm=no >"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log"; echo "bench: building pgmq failed" >&2; exit 1; }
EXTVERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$WORK/ext/pgmq.control")

mkdir -p "$PRIV_BIN" "$PRIV_LIB" "$PRIV_SHARE/extension"
cp "$PG_BINDIR/postgres" "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl" "$PRIV_BIN/"
for f in "$PG_LIBDIR"/*; do
	[ "$(basename "$f")" = pgmq.so ] || ln -s "$f" "$PRIV_LIB/"
done
for f in "$PG_SHAREDIR"/*; do
	[ "$(basename "$f")" = extension ] || ln -s "$f" "$PRIV_SHARE/"
done
for f in "$PG_SHAREDIR"/extension/*; do
	case $(basename "$f") in pgmq.control | pgmq--*) ;; *) ln -s "$f" "$PRIV_SHARE/extension/" ;; esac
done
cp "$WORK/ext/pgmq.so" "$PRIV_LIB/"
cp "$WORK/ext/pgmq.control" "$WORK/ext/sql/pgmq--$EXTVERSION.sql" "$PRIV_SHARE/extension/"
cp "$WORK"/ext/sql/pgmq--*--*.sql "$PRIV_SHARE/extension/" 2>/dev/null || true

if [ "$(id -u)" = 0 ]; then
	chown -R "$PG_OS_USER" "$WORK"
fi
chmod 755 "$WORK"

# Server binaries from the private copy; clients (psql, pgbench) from the system.
pg_server() { # tool args...
	local tool=$1
	shift
	as_pg "$PRIV_BIN/$tool" "$@"
}

pg_server initdb -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$DATA/postgresql.conf" <<CONF

# pgmq benchmark server (bench/run.sh): Unix socket only; asynchronous
# commit so the runs measure the CPU path rather than WAL flushes.
listen_addresses = ''
port = $PORT
unix_socket_directories = '$WORK'
shared_buffers = 256MB
synchronous_commit = off
shared_preload_libraries = 'pgmq'
max_wal_size = 4GB
checkpoint_timeout = 30min
CONF
pg_server pg_ctl -D "$DATA" -l "$WORK/server.log" -w start >/dev/null

psql_b() {
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d "$DB" "$@"
}

as_pg createdb -h "$WORK" -p "$PORT" -U postgres "$DB"

# The payload every message carries.
MSG='{"event": "order_created", "order_id": 12345, "customer": "c-0042", "amount": 19.99}'

# Three queues made by pgmq.create, so their tables have exactly pgmq's DDL:
# bench_ext is used through the extension, bench_plain by plain SQL and
# bench_up by the upstream-style PL/pgSQL.
psql_b >/dev/null <<SQL
CREATE EXTENSION pgmq;
SELECT pgmq.create('bench_ext');
SELECT pgmq.create('bench_plain');
SELECT pgmq.create('bench_up');
SQL

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
	case $1 in ext) echo bench_ext ;; plain) echo bench_plain ;; up) echo bench_up ;; esac
}

backlog_of() { # workload -> messages to queue first
	case $1 in
	send | send_batch) echo 0 ;;
	read_archive) echo $((BACKLOG * 2)) ;;
	*) echo "$BACKLOG" ;;
	esac
}

# Puts a queue in the starting state of a run: exactly n visible messages,
# empty archive, vacuumed and analyzed, then a checkpoint.
reset_queue() { # queue n
	psql_b <<SQL
TRUNCATE pgmq.q_$1, pgmq.a_$1;
INSERT INTO pgmq.q_$1 (vt, message)
  SELECT clock_timestamp() - interval '1 minute', '$MSG'::jsonb FROM generate_series(1, $2);
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
}

echo
report | tee "$RESULTS"
echo
echo "written to ${RESULTS#"$REPO_ROOT"/}"
