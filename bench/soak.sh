#!/usr/bin/env bash
# Production-shaped benchmarks (issue 6): the extension against the same
# statements as plain prepared SQL (upstream pgmq's, as in run.sh), over
# time and at scale. See bench/README.md, "Production scenarios".
#
#   steady   2 producers (rate-limited sends) + 2 consumers (read, then
#            delete, one transaction) per side for SOAK_MINUTES, autovacuum
#            on: consumed messages and p99 consumer latency per minute,
#            dead tuples and table/index size every SAMPLE seconds
#   held     the same while another session holds a REPEATABLE READ
#            snapshot (BEGIN; SELECT ...; then idle) for the whole run
#   many     1,000 and 10,000 queues: send and read on random queues,
#            backend memory (pg_backend_memory_contexts) of a session that
#            touches them all, metrics_all time against one exact scan per
#            queue
#   size     100 B, 10 KiB and 1 MiB messages: send, read+delete and
#            read+archive throughput
#   durable  synchronous_commit = on, 1/8/32 clients: sends against the
#            server's commit rate (BEGIN; SELECT txid_current(); COMMIT)
#
# In steady and held the two sides (ext: queue soak_ext through pgmq.*;
# plain: queue soak_plain through plain SQL) run at the same time on the
# same server, each with its own producers and consumers, so they share the
# conditions (the held snapshot, autovacuum, other load on the machine).
# Each consumer side starts with a backlog big enough never to run dry.
#
# Settings (environment):
#   SCENARIOS="steady held many size durable"
#   SOAK_MINUTES=2     minutes per steady/held run (`make soak`: 10)
#   SAMPLE=30          seconds between samples of pg_stat_user_tables
#   PRODUCER_RATE=500  sends per second per side (pgbench -R, 2 clients)
#   BACKLOG            messages queued per side before a steady/held run
#                      (default SOAK_MINUTES * 60 * 4000)
#   QUEUE_COUNTS="1000 10000"  MANY_SECONDS=10  MEMORY_OPS=20000
#   SIZES="100 10240 1048576"  SIZE_SECONDS=8
#   DURABLE_CLIENTS="1 8 32"   DURABLE_SECONDS=10
#   LOW_WATER_INTERVAL  pgmq.low_water_interval for the server (default: pgmq's)
#   BENCH_REF=<commit> build that commit's extension/ (bench/lib.sh)
#   KEEP=1             leave the server and its directory
#   BENCH_PORT         the server's port (its socket's name; default random)
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

SCENARIOS=${SCENARIOS:-steady held many size durable}
SOAK_MINUTES=${SOAK_MINUTES:-2}
SAMPLE=${SAMPLE:-30}
PRODUCER_RATE=${PRODUCER_RATE:-500}
BACKLOG=${BACKLOG:-$((SOAK_MINUTES * 60 * 4000))}
QUEUE_COUNTS=${QUEUE_COUNTS:-1000 10000}
MANY_SECONDS=${MANY_SECONDS:-10}
MEMORY_OPS=${MEMORY_OPS:-20000}
SIZES=${SIZES:-100 10240 1048576}
SIZE_SECONDS=${SIZE_SECONDS:-8}
DURABLE_CLIENTS=${DURABLE_CLIENTS:-1 8 32}
DURABLE_SECONDS=${DURABLE_SECONDS:-10}
KEEP=${KEEP:-0}

RESULTS_DIR=$REPO_ROOT/bench/results
STAMP=$(date +%Y-%m-%d_%H%M%S)
RESULTS=$RESULTS_DIR/soak-$STAMP.txt
WORK=$(mktemp -d /tmp/pgmq-soak.XXXXXX)
. "$(dirname "$0")/lib.sh"
DATA=$BENCH_DATA
S=$WORK/scripts
LOGS=$WORK/logs
DB=bench
mkdir -p "$S" "$LOGS" "$RESULTS_DIR"

stop_server() {
	psql_b -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'soak_holder'" \
		>/dev/null 2>&1 || true
	if [ "$KEEP" = 1 ]; then
		echo "server left running: psql -h $WORK -p $PORT -U postgres $DB"
		return
	fi
	bench_server_stop
	rm -rf "$WORK"
}
trap stop_server EXIT

bench_install
bench_server_start <<CONF
# Production scenarios: autovacuum stays on, with PostgreSQL 15's defaults.
shared_buffers = 256MB
shared_preload_libraries = 'pgmq'
max_wal_size = 8GB
checkpoint_timeout = 30min
max_connections = 100
# The baseline metrics scan runs over 10,000 queues in one transaction.
max_locks_per_transaction = 512
log_min_messages = warning
${LOW_WATER_INTERVAL:+pgmq.low_water_interval = $LOW_WATER_INTERVAL}
CONF

psql_b() { bench_psql "$DB" "$@"; }
pgb() { as_pg pgbench -n -h "$WORK" -p "$PORT" -U postgres "$@" "$DB"; }
tps_of() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$1" | tail -1 | xargs printf '%.0f'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
as_pg createdb -h "$WORK" -p "$PORT" -U postgres "$DB"
psql_b -c "CREATE EXTENSION pgmq" >/dev/null

MSG='{"event": "order_created", "order_id": 12345, "customer": "c-0042", "amount": 19.99}'
COLS="msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers"

# upstream pgmq's read, table $1, LIMIT $2 (as run.sh)
plain_read() {
	echo "WITH cte AS (SELECT msg_id FROM pgmq.$1 WHERE vt <= clock_timestamp() ORDER BY msg_id ASC LIMIT $2 FOR UPDATE SKIP LOCKED) UPDATE pgmq.$1 m SET last_read_at = clock_timestamp(), vt = clock_timestamp() + interval '30 seconds', read_ct = read_ct + 1 FROM cte WHERE m.msg_id = cte.msg_id RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.last_read_at, m.vt, m.message, m.headers"
}

# Scripts for queue $1 (ext: through pgmq.*, plain: q_$1 in plain SQL) and
# payload $2, written as $S/<name>.<side>.sql. A consumer that finds
# nothing deletes id 0 (nothing) rather than failing.
write_scripts() { # queue payload-sql-literal tag
	local q=$1 m=$2 t=$3
	cat >"$S/send.$t.ext.sql" <<EOF
SELECT * FROM pgmq.send('$q', $m);
EOF
	cat >"$S/send.$t.plain.sql" <<EOF
INSERT INTO pgmq.q_$q (vt, message, headers) VALUES (clock_timestamp(), $m, NULL) RETURNING msg_id;
EOF
	cat >"$S/consume.$t.ext.sql" <<EOF
BEGIN;
SELECT coalesce(max(msg_id), 0) AS msg_id FROM pgmq.read('$q', 30, 1) \gset
SELECT pgmq.delete('$q', :msg_id::bigint);
COMMIT;
EOF
	cat >"$S/consume.$t.plain.sql" <<EOF
BEGIN;
WITH r AS ($(plain_read "q_$q" 1)) SELECT coalesce(max(msg_id), 0) AS msg_id FROM r \gset
DELETE FROM pgmq.q_$q WHERE msg_id = :msg_id RETURNING msg_id;
COMMIT;
EOF
	cat >"$S/archive.$t.ext.sql" <<EOF
BEGIN;
SELECT coalesce(max(msg_id), 0) AS msg_id FROM pgmq.read('$q', 30, 1) \gset
SELECT pgmq.archive('$q', :msg_id::bigint);
COMMIT;
EOF
	cat >"$S/archive.$t.plain.sql" <<EOF
BEGIN;
WITH r AS ($(plain_read "q_$q" 1)) SELECT coalesce(max(msg_id), 0) AS msg_id FROM r \gset
WITH archived AS (DELETE FROM pgmq.q_$q WHERE msg_id = :msg_id RETURNING $COLS) INSERT INTO pgmq.a_$q ($COLS) SELECT $COLS FROM archived RETURNING msg_id;
COMMIT;
EOF
	chmod a+r "$S"/*.sql
}

# Empties queue $1 and its archive, queues $2 copies of payload $3, vacuums.
reset_queue() { # queue n payload-sql-literal
	psql_b >/dev/null <<SQL
TRUNCATE pgmq.q_$1, pgmq.a_$1;
INSERT INTO pgmq.q_$1 (vt, message)
  SELECT clock_timestamp() - interval '1 minute', $3::jsonb FROM generate_series(1, $2);
VACUUM ANALYZE pgmq.q_$1;
VACUUM ANALYZE pgmq.a_$1;
CHECKPOINT;
SQL
}

machine() {
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "server: $(psql_b -Atc 'SELECT version()')"
	echo "pgmq: ${BENCH_REF:-working tree} ($(git -C "$REPO_ROOT" rev-parse --short HEAD)$([ -z "${BENCH_REF:-}" ] && [ -n "$(git -C "$REPO_ROOT" status --porcelain extension)" ] && echo ", extension/ modified"))"
}

# ---------------------------------------------------------------------------
# steady / held
# ---------------------------------------------------------------------------

# Samples both queue tables every SAMPLE seconds on an absolute schedule
# until $1 (epoch seconds): t, side, inserted, deleted, dead tuples, table
# and index bytes, autovacuum runs.
sampler() { # end-epoch t0 out
	local end=$1 t0=$2 out=$3 k=0 next
	while :; do
		next=$((t0 + k * SAMPLE))
		[ "$next" -gt "$end" ] && break
		sleep "$(awk -v n="$next" -v now="$(date +%s.%N)" 'BEGIN { d = n - now; print (d > 0 ? d : 0) }')"
		psql_b -At -F' ' -c "SELECT $((k * SAMPLE)), CASE relname WHEN 'q_soak_ext' THEN 'ext' ELSE 'plain' END,
			n_tup_ins, n_tup_del, n_dead_tup, pg_relation_size(relid), pg_indexes_size(relid),
			autovacuum_count
			FROM pg_stat_user_tables WHERE schemaname = 'pgmq' AND relname IN ('q_soak_ext', 'q_soak_plain')" >>"$out" || true
		k=$((k + 1))
	done
}

# One steady or held run of both sides at once; prints the per-minute table.
soak_run() { # steady|held
	local kind=$1 secs=$((SOAK_MINUTES * 60)) side t0 end pids=() samples=$LOGS/$1.samples
	for side in ext plain; do reset_queue "soak_$side" "$BACKLOG" "'$MSG'"; done
	psql_b -c "SELECT pg_stat_reset()" >/dev/null
	if [ "$kind" = held ]; then
		as_pg env PGAPPNAME=soak_holder psql -X -q -h "$WORK" -p "$PORT" -U postgres -d "$DB" \
			-c "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pgmq.meta; SELECT pg_sleep(1000000);" \
			>/dev/null 2>&1 &
		for _ in $(seq 50); do
			[ -n "$(psql_b -Atc "SELECT backend_xmin FROM pg_stat_activity WHERE application_name = 'soak_holder' AND backend_xmin IS NOT NULL")" ] && break
			sleep 0.2
		done
		echo "  snapshot held by: $(psql_b -Atc "SELECT 'pid ' || pid || ', backend_xmin ' || backend_xmin FROM pg_stat_activity WHERE application_name = 'soak_holder'")"
	fi
	sleep 1.5 # stats reset settles
	t0=$(date +%s)
	end=$((t0 + secs))
	: >"$samples"
	sampler "$end" "$t0" "$samples" &
	local sampler_pid=$!
	for side in ext plain; do
		pgb -M prepared -c 2 -j 2 -R "$PRODUCER_RATE" -T "$secs" -f "$S/send.soak.$side.sql" \
			>"$LOGS/$kind.$side.producers" 2>&1 &
		pids+=($!)
		(cd "$LOGS" && pgb -M prepared -c 2 -j 2 -T "$secs" -f "$S/consume.soak.$side.sql" \
			--log --log-prefix="$kind.$side.tx" --sampling-rate=0.2 \
			>"$LOGS/$kind.$side.consumers" 2>&1) &
		pids+=($!)
	done
	local p
	for p in "${pids[@]}"; do wait "$p" || echo "warning: a pgbench of $kind exited with an error" >&2; done
	wait "$sampler_pid" || true
	if [ "$kind" = held ]; then
		psql_b -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'soak_holder'" >/dev/null
	fi
	soak_report "$kind" "$t0"
}

# Per side and minute: consumed (n_tup_del delta), sent, p99 of the
# consumer transaction (read + delete), dead tuples, table and index size
# at the end of the minute, queue length (backlog + sent - consumed).
soak_report() { # kind t0
	local kind=$1 t0=$2 side
	for side in ext plain; do
		echo "  $kind / $side: consumer transactions $(tps_of "$LOGS/$kind.$side.consumers") tps over the run," \
			"producers $(tps_of "$LOGS/$kind.$side.producers") tps"
		cat "$LOGS/$kind.$side".tx.* 2>/dev/null |
			awk -v t0="$t0" '{ m = int(($5 - t0) / 60); print m, $3 }' |
			sort -k1,1n -k2,2n |
			awk '{ n[$1]++; v[$1, n[$1]] = $2 }
			     END { for (m in n) { i = int(n[m] * 0.99); if (i < 1) i = 1; printf "%d %.1f\n", m, v[m, i] / 1000 } }' |
			sort -n >"$LOGS/$kind.$side.p99"
		printf '  %-6s %10s %10s %9s %12s %10s %10s %11s %5s\n' minute consumed sent "p99 ms" "dead tuples" "table MB" "index MB" "queue len" avac
		awk -v side="$side" -v backlog="$BACKLOG" -v spm=$((60 / SAMPLE)) '
			FILENAME ~ /p99$/ { p99[$1] = $2; next }
			$2 == side { t = $1 / 60; ins[t] = $3; del[t] = $4; dead[t] = $5; tb[t] = $6; ix[t] = $7; av[t] = $8; if (t > last) last = t }
			END {
				for (m = 1; m <= last; m++) {
					if (!((m - 1) in del) || !(m in del)) continue
					printf "  %-6d %10d %10d %9s %12d %10.1f %10.1f %11d %5d\n", m, del[m] - del[m - 1], ins[m] - ins[m - 1],
						((m - 1) in p99 ? p99[m - 1] : "-"), dead[m], tb[m] / 1048576, ix[m] / 1048576,
						backlog + ins[m] - del[m], av[m]
				}
			}' "$LOGS/$kind.$side.p99" "$LOGS/$kind.samples"
		awk -v side="$side" '$2 == side { print }' "$LOGS/$kind.samples" >"$LOGS/$kind.$side.samples"
		echo "  samples every ${SAMPLE}s (s, inserted, deleted, dead tuples, table bytes, index bytes, autovacuums):"
		awk '{ printf "    %5d %9d %9d %9d %11d %11d %3d\n", $1, $3, $4, $5, $6, $7, $8 }' "$LOGS/$kind.$side.samples"
	done
}

# First/last minute and held/steady ratios per side, from the saved tables.
soak_summary() {
	local side k first last mean
	echo "summary (consumed messages per minute):"
	for side in ext plain; do
		for k in steady held; do
			[ -f "$LOGS/$k.samples" ] || continue
			read -r first last mean < <(awk -v side="$side" '$2 == side { t = $1 / 60; del[t] = $4; if (t > n) n = t }
				END { printf "%d %d %.0f\n", del[1] - del[0], del[n] - del[n - 1], del[n] / n }' "$LOGS/$k.samples")
			echo "$side $k $first $last $mean" >>"$LOGS/summary"
			printf '  %-5s %-6s first minute %7d, last minute %7d (last/first %s), mean %7d per minute\n' \
				"$side" "$k" "$first" "$last" "$(ratio "$last" "$first")" "$mean"
		done
		if [ -f "$LOGS/steady.samples" ] && [ -f "$LOGS/held.samples" ]; then
			awk -v side="$side" '$1 == side { m[$2] = $5; l[$2] = $4 }
				END { if (m["steady"] > 0) printf "  %-5s held/steady: mean %.2f, last minute %.2f\n", side, m["held"] / m["steady"], l["held"] / l["steady"] }' \
				"$LOGS/summary"
		fi
	done
}

# ---------------------------------------------------------------------------
# many queues
# ---------------------------------------------------------------------------

psql_b >/dev/null <<'SQL'
CREATE FUNCTION time_ms(sql text, reps int DEFAULT 1) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    FOR i IN 1..reps LOOP EXECUTE sql; END LOOP;
    RETURN round((extract(epoch FROM clock_timestamp() - t0) * 1000 / reps)::numeric, 1);
END $$;

-- The baseline for metrics_all: one exact scan per queue, the statement
-- upstream pgmq 1.13's metrics() runs, via EXECUTE (as its metrics_all).
CREATE FUNCTION exact_scan_per_queue() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE q record; r record; n bigint := 0;
BEGIN
    FOR q IN SELECT queue_name FROM pgmq.meta ORDER BY 1 LOOP
        EXECUTE format('SELECT count(*) AS queue_length,
                (EXTRACT(epoch FROM (now() - max(enqueued_at))))::int AS newest_msg_age_sec,
                (EXTRACT(epoch FROM (now() - min(enqueued_at))))::int AS oldest_msg_age_sec,
                now() AS scrape_time,
                count(*) FILTER (WHERE vt <= now()) AS queue_visible_length
            FROM pgmq.%I', 'q_' || q.queue_name) INTO r;
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM pgmq.%I',
                       'q_' || q.queue_name || '_msg_id_seq') INTO r;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- Touches random queues mq_1..mq_<nq>: a send and a read each, committed
-- one by one (as separate client transactions would be).
CREATE PROCEDURE churn_ext(ops int, nq int) LANGUAGE plpgsql AS $$
DECLARE q text;
BEGIN
    FOR i IN 1..ops LOOP
        q := 'mq_' || (1 + floor(random() * nq))::int;
        PERFORM pgmq.send(q, '{"k": 1}');
        PERFORM * FROM pgmq.read(q, 30, 1);
        COMMIT;
    END LOOP;
END $$;
CREATE PROCEDURE churn_plain(ops int, nq int) LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
    FOR i IN 1..ops LOOP
        t := 'q_mq_' || (1 + floor(random() * nq))::int;
        EXECUTE format('INSERT INTO pgmq.%I (vt, message) VALUES (clock_timestamp(), %L)', t, '{"k": 1}');
        EXECUTE format('WITH cte AS (SELECT msg_id FROM pgmq.%I WHERE vt <= clock_timestamp() ORDER BY msg_id LIMIT 1 FOR UPDATE SKIP LOCKED)
                        UPDATE pgmq.%I m SET last_read_at = clock_timestamp(), vt = clock_timestamp() + interval ''30 seconds'', read_ct = read_ct + 1
                        FROM cte WHERE m.msg_id = cte.msg_id', t, t);
        COMMIT;
    END LOOP;
END $$;
CREATE VIEW mem AS
  SELECT round(sum(total_bytes) / 1048576.0, 1) AS total_mb,
         round(sum(total_bytes) FILTER (WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext') / 1048576.0, 1) AS cache_mb,
         round(sum(total_bytes) FILTER (WHERE name IN ('CachedPlan', 'CachedPlanSource', 'CachedPlanQuery', 'pgmq queue cache')) / 1048576.0, 1) AS plans_mb,
         count(*) FILTER (WHERE name = 'CachedPlanSource') AS plan_sources
    FROM pg_backend_memory_contexts;
CREATE PROCEDURE make_queues(first int, last int) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN first..last LOOP
        PERFORM pgmq.create('mq_' || i);
        IF i % 100 = 0 THEN COMMIT; END IF;
    END LOOP;
END $$;
SQL

many_run() {
	local made=0 n side op t0
	# The soak queues (millions of rows) would dominate metrics_all.
	psql_b -c "SELECT pgmq.drop_queue(queue_name) FROM pgmq.meta WHERE queue_name IN ('soak_ext', 'soak_plain')" >/dev/null
	for n in $QUEUE_COUNTS; do
		t0=$(date +%s)
		psql_b -c "CALL make_queues($((made + 1)), $n)"
		echo "  $n queues ($(($(date +%s) - t0)) s to create $((n - made)))"
		made=$n
		cat >"$S/many_send.ext.sql" <<EOF
\set q random(1, $n)
SELECT * FROM pgmq.send('mq_' || :q, '$MSG');
EOF
		cat >"$S/many_read.ext.sql" <<EOF
\set q random(1, $n)
SELECT * FROM pgmq.read('mq_' || :q, 30, 1);
EOF
		cat >"$S/many_send.plain.sql" <<EOF
\set q random(1, $n)
INSERT INTO pgmq.q_mq_:q (vt, message, headers) VALUES (clock_timestamp(), '$MSG', NULL) RETURNING msg_id;
EOF
		cat >"$S/many_read.plain.sql" <<EOF
\set q random(1, $n)
$(plain_read "q_mq_:q" 1);
EOF
		chmod a+r "$S"/*.sql
		printf '  %-10s %12s %12s %8s\n' "" "ext tps" "plain tps" ratio
		for op in many_send many_read; do
			declare -A T=()
			for side in ext plain; do
				# plain SQL cannot prepare a statement whose table varies: simple protocol
				local mode=prepared
				[ "$side" = plain ] && mode=simple
				pgb -M $mode -c 2 -j 2 -T "$MANY_SECONDS" -f "$S/$op.$side.sql" >"$LOGS/$op.$n.$side" 2>&1 || true
				T[$side]=$(tps_of "$LOGS/$op.$n.$side")
			done
			printf '  %-10s %12s %12s %8s\n' "${op#many_}" "${T[ext]}" "${T[plain]}" "$(ratio "${T[ext]}" "${T[plain]}")"
		done
		echo "  backend memory of one session doing send+read on random queues (pg_backend_memory_contexts, MB):"
		printf '    %-28s %8s %10s %10s %14s\n' "" total "cache ctx" "plans" "plan sources"
		for side in ext plain; do
			local done_ops=0 ops script=""
			for ops in 1000 $((MEMORY_OPS / 2)) "$MEMORY_OPS"; do
				script+="CALL churn_$side($((ops - done_ops)), $n);
SELECT '$side after $ops ops', * FROM mem;
"
				done_ops=$ops
			done
			psql_b -At -F' ' <<<"$script" | awk '{ printf "    %-28s %8s %10s %10s %14s\n", $1 " " $2 " " $3 " " $4, $5, $6, $7, $8 }'
		done
		echo "  metrics_all over $n queues, ms (fresh session each; mean of 3 sessions):"
		local a b
		a=$(for _ in 1 2 3; do psql_b -Atc "SELECT time_ms('SELECT count(*) FROM pgmq.metrics_all()')"; done | awk '{ s += $1 } END { printf "%.0f", s / NR }')
		b=$(for _ in 1 2 3; do psql_b -Atc "SELECT time_ms('SELECT exact_scan_per_queue()')"; done | awk '{ s += $1 } END { printf "%.0f", s / NR }')
		echo "    pgmq.metrics_all(): $a ms; one exact scan per queue (PL/pgSQL EXECUTE loop): $b ms; ratio $(ratio "$a" "$b")"
		a=$(psql_b -Atc "SELECT time_ms('SELECT count(*) FROM pgmq.metrics_all()', 3)")
		echo "    pgmq.metrics_all() again in one session (warm, mean of 3): $a ms"
	done
}

# ---------------------------------------------------------------------------
# message size
# ---------------------------------------------------------------------------

size_run() {
	local sz side op n payload tag txn
	printf '  %-9s %-8s %10s %10s %7s\n' size op "ext tps" "plain tps" ratio
	for sz in $SIZES; do
		# Random base64 text (compresses little), as a JSON string.
		payload=$(head -c $((sz * 3 / 4)) /dev/urandom | base64 -w0)
		tag=s$sz
		printf "'{\"d\": \"%s\"}'" "$payload" >"$WORK/payload.$sz"
		write_scripts "size_$sz" "$(cat "$WORK/payload.$sz")" "$tag"
		psql_b -c "SELECT pgmq.create('size_$sz')" >/dev/null
		# Run by transaction count, sized so 1 MiB runs stay near a second's
		# work and small ones near SIZE_SECONDS (a backlog of that many).
		case $sz in
		1048576) txn=300 ;; 10240) txn=$((SIZE_SECONDS * 1500)) ;; *) txn=$((SIZE_SECONDS * 5000)) ;;
		esac
		for op in send consume archive; do
			declare -A T=()
			local round sides
			for round in 1 2; do
			sides="ext plain"
			[ "$round" = 2 ] && sides="plain ext"
			for side in $sides; do
				# both sides use the same table: the ext/plain scripts name it the same way
				n=0
				[ "$op" != send ] && n=$((txn * 2 + 100))
				psql_b >/dev/null <<SQL
TRUNCATE pgmq.q_size_$sz, pgmq.a_size_$sz;
INSERT INTO pgmq.q_size_$sz (vt, message)
  SELECT clock_timestamp() - interval '1 minute', $(cat "$WORK/payload.$sz")::jsonb FROM generate_series(1, $n);
VACUUM ANALYZE pgmq.q_size_$sz; VACUUM ANALYZE pgmq.a_size_$sz;
CHECKPOINT;
SQL
				pgb -M prepared -c 2 -j 2 -t "$txn" -f "$S/$op.$tag.$side.sql" >"$LOGS/size.$sz.$op.$side.$round" 2>&1 || true
				T[$side]=$(( ${T[$side]:-0} + $(tps_of "$LOGS/size.$sz.$op.$side.$round") / 2 ))
				T[$side.$round]=$(tps_of "$LOGS/size.$sz.$op.$side.$round")
			done
			done
			printf '  %-9s %-8s %10s %10s %7s   (rounds: %s/%s, %s/%s)\n' "$sz" "$op" "${T[ext]}" "${T[plain]}" "$(ratio "${T[ext]}" "${T[plain]}")" \
				"${T[ext.1]}" "${T[plain.1]}" "${T[ext.2]}" "${T[plain.2]}"
		done
		psql_b -c "SELECT pgmq.drop_queue('size_$sz')" >/dev/null
	done
	echo "  (tps = messages per second, mean of 2 rounds in alternating order; consume = read + delete,"
	echo "   archive = read + archive, one transaction each; pgbench -t, so a run is a fixed number of messages)"
}

# ---------------------------------------------------------------------------
# durable commits
# ---------------------------------------------------------------------------

durable_run() {
	local c r side
	psql_b -c "SELECT pgmq.create('durable')" >/dev/null
	# The server's commit rate, one statement in autocommit like a send.
	# PostgreSQL commits a transaction that wrote no WAL without flushing,
	# even with an xid: "txid" alone is not a durable commit. "commit"
	# writes a transactional logical message (a WAL record, an xid, no
	# table), so its commit waits for the flush like a send's does.
	cat >"$S/txid.sql" <<EOF
SELECT txid_current();
EOF
	cat >"$S/commit.sql" <<EOF
SELECT pg_logical_emit_message(true, 'pgmq-bench', '');
EOF
	chmod a+r "$S"/*.sql
	write_scripts durable "'$MSG'" dur
	echo "  data directory on: $(df -P "$DATA" | awk 'NR == 2 { print $1 }'); synchronous_commit = on, wal_sync_method = $(psql_b -Atc 'SHOW wal_sync_method')"
	printf '  %-8s %12s %12s %12s %12s %10s %12s\n' clients "txid-only" "commit tps" "ext send" "plain send" "ext/commit" "plain/commit"
	for c in $DURABLE_CLIENTS; do
		declare -A T=()
		# two rounds, alternating order; mean
		for r in 1 2; do
			local order="txid commit ext plain"
			[ $r = 2 ] && order="plain ext commit txid"
			for side in $order; do
				local f=$S/send.dur.$side.sql
				[ "$side" = commit ] && f=$S/commit.sql
				[ "$side" = txid ] && f=$S/txid.sql
				as_pg env PGOPTIONS="-c synchronous_commit=on" pgbench -n -h "$WORK" -p "$PORT" -U postgres \
					-M prepared -c "$c" -j "$(( c < 2 ? c : 2 ))" -T "$DURABLE_SECONDS" -f "$f" "$DB" \
					>"$LOGS/durable.$c.$side.$r" 2>&1 || true
				T[$side]=$(( ${T[$side]:-0} + $(tps_of "$LOGS/durable.$c.$side.$r") ))
			done
		done
		printf '  %-8s %12d %12d %12d %12d %10s %12s\n' "$c" $((T[txid] / 2)) $((T[commit] / 2)) $((T[ext] / 2)) $((T[plain] / 2)) \
			"$(ratio "${T[ext]}" "${T[commit]}")" "$(ratio "${T[plain]}" "${T[commit]}")"
	done
}

# ---------------------------------------------------------------------------

{
	echo "pgmq production scenarios (bench/soak.sh), $(date)"
	machine
	echo "settings: SOAK_MINUTES=$SOAK_MINUTES SAMPLE=$SAMPLE PRODUCER_RATE=$PRODUCER_RATE/side BACKLOG=$BACKLOG" \
		"QUEUE_COUNTS='$QUEUE_COUNTS' SIZES='$SIZES' DURABLE_CLIENTS='$DURABLE_CLIENTS'"
	echo "pgmq settings: $(psql_b -Atc "SELECT string_agg(name || '=' || setting, ' ') FROM pg_settings WHERE name LIKE 'pgmq.%' AND name IN ('pgmq.low_water_interval', 'pgmq.max_cached_queues')")"
} | tee "$RESULTS"

for sc in $SCENARIOS; do
	echo | tee -a "$RESULTS"
	case $sc in
	steady | held)
		echo "== $sc: 2 producers (${PRODUCER_RATE}/s) + 2 consumers per side, ext and plain at the same time, $SOAK_MINUTES min$([ "$sc" = held ] && echo ", REPEATABLE READ snapshot held throughout")" | tee -a "$RESULTS"
		write_scripts soak_ext "'$MSG'" soak_ext_tmp
		write_scripts soak_plain "'$MSG'" soak_plain_tmp
		psql_b -c "SELECT pgmq.create('soak_ext'), pgmq.create('soak_plain')" >/dev/null 2>&1 || true
		# Upstream's tables have no low-water guard: neither has the baseline's.
		psql_b -c "DROP TRIGGER IF EXISTS zz_pgmq_low_water_guard ON pgmq.q_soak_plain" >/dev/null 2>&1 || true
		cp "$S/send.soak_ext_tmp.ext.sql" "$S/send.soak.ext.sql"
		cp "$S/consume.soak_ext_tmp.ext.sql" "$S/consume.soak.ext.sql"
		cp "$S/send.soak_plain_tmp.plain.sql" "$S/send.soak.plain.sql"
		cp "$S/consume.soak_plain_tmp.plain.sql" "$S/consume.soak.plain.sql"
		chmod a+r "$S"/*.sql
		soak_run "$sc" 2>&1 | tee -a "$RESULTS"
		;;
	many)
		echo "== many queues: send / read on random queues (pgbench -c 2, ${MANY_SECONDS}s; plain SQL with -M simple)" | tee -a "$RESULTS"
		many_run 2>&1 | tee -a "$RESULTS"
		;;
	size)
		echo "== message size: pgbench -c 2 -M prepared, fixed transaction counts, 2 rounds" | tee -a "$RESULTS"
		size_run 2>&1 | tee -a "$RESULTS"
		;;
	durable)
		echo "== durable commits: ${DURABLE_SECONDS}s per run, 2 rounds alternating, mean" | tee -a "$RESULTS"
		durable_run 2>&1 | tee -a "$RESULTS"
		;;
	*) echo "unknown scenario $sc" >&2 ;;
	esac
done
if [[ " $SCENARIOS " == *" steady "* || " $SCENARIOS " == *" held "* ]]; then
	echo | tee -a "$RESULTS"
	soak_summary | tee -a "$RESULTS"
fi
echo
echo "written to ${RESULTS#"$REPO_ROOT"/}"
