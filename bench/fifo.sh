#!/usr/bin/env bash
# Grouped reads on a deep backlog, and topic sends with many bindings.
#
# For a queue of 1,000 FIFO groups holding 100,000 and then 1,000,000
# messages (groups interleaved, fifo index created), pgbench measures
# read_grouped, read_grouped_rr and read_grouped_head (qty 10, vt 30). Each
# transaction reads and rolls back, so the backlog stays the same for the
# whole run. read_grouped also runs without the fifo index (one GROUP BY
# scan of the queue per read, as pgmq 1.13 does), for comparison. A grouped
# read must cost about the same at both sizes: the script prints the ratio
# and whether it stays within 2x.
#
# send_topic runs with 10 and with 100 bindings (over 10 queues); the
# routing key always matches 3 bindings of 2 queues, so every send writes 2
# messages and the difference is the cost of matching.
#
# Throwaway server (bench/lib.sh): data and socket under /tmp, Unix socket
# only, synchronous_commit=off, as the postgres OS user, running pgmq built
# from this tree (release flags) in a private copy of the PostgreSQL
# installation.
#
# Settings (environment):
#   DURATION=10   seconds measured per run
#   WARMUP=2      seconds of unmeasured pgbench before each run
#   CLIENTS=2 THREADS=2
#   SIZES="100000 1000000"
#   NGROUPS=1000
#   KEEP=1        leave the server running
#   BENCH_PORT    the server's port (its socket's name; default random)
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CLIENTS=${CLIENTS:-2}
THREADS=${THREADS:-2}
SIZES=${SIZES:-100000 1000000}
NGROUPS=${NGROUPS:-1000}
KEEP=${KEEP:-0}

WORK=$(mktemp -d /tmp/pgmq-fifo-bench.XXXXXX)
. "$(dirname "$0")/lib.sh"

trap bench_cleanup EXIT

bench_install >/dev/null
bench_server_start <<CONF
shared_buffers = 1GB
shared_preload_libraries = 'pgmq'
max_wal_size = 4GB
CONF

psql_() { bench_psql postgres "$@"; }


psql_ -c "CREATE EXTENSION pgmq" >/dev/null

declare -A TPS
for size in $SIZES; do
	echo "loading $size messages in $NGROUPS groups ..." >&2
	psql_ >/dev/null <<SQL
SELECT pgmq.drop_queue('fq') FROM pgmq.meta WHERE queue_name = 'fq';
SELECT pgmq.create('fq');
INSERT INTO pgmq.q_fq (vt, message, headers)
SELECT clock_timestamp(), jsonb_build_object('n', i), jsonb_build_object('x-pgmq-group', 'group-' || (i % $NGROUPS))
  FROM generate_series(1, $size) i;
SELECT pgmq.create_fifo_index('fq');
VACUUM ANALYZE pgmq.q_fq;
SQL
	for fn in read_grouped read_grouped_rr read_grouped_head; do
		TPS[$fn,$size]=$(bench_pgbench_tps "$fn" "BEGIN;
SELECT count(*) FROM pgmq.$fn('fq', 30, 10);
ROLLBACK;")
		echo "  $fn @ $size: ${TPS[$fn,$size]} tps" >&2
	done
	psql_ -c "DROP INDEX pgmq.q_fq_fifo_idx" >/dev/null
	TPS[noindex,$size]=$(bench_pgbench_tps noindex "BEGIN;
SELECT count(*) FROM pgmq.read_grouped('fq', 30, 10);
ROLLBACK;")
	echo "  read_grouped without index @ $size: ${TPS[noindex,$size]} tps" >&2
done

for nb in 10 100; do
	psql_ >/dev/null <<SQL
SELECT pgmq.drop_queue(queue_name) FROM pgmq.meta WHERE queue_name LIKE 'tq%';
SELECT pgmq.create('tq' || i) FROM generate_series(0, 9) i;
SELECT pgmq.bind_topic('orders.*.created', 'tq1');
SELECT pgmq.bind_topic('orders.#', 'tq1');
SELECT pgmq.bind_topic('#.created', 'tq2');
SELECT pgmq.bind_topic('svc' || i || '.*.event', 'tq' || (i % 10)) FROM generate_series(4, $nb) i;
SQL
	TPS[topic,$nb]=$(bench_pgbench_tps topic "SELECT pgmq.send_topic('orders.eu.created', '{\"order\": 1}');")
	echo "  send_topic @ $nb bindings: ${TPS[topic,$nb]} tps" >&2
done

read -r small large <<<"$SIZES"
within() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf "%.2fx %s", r, (r <= 2 && r >= 0.5) ? "yes" : "NO" }'; }

echo
echo "pgmq grouped reads and topic sends ($(date -u +%Y-%m-%d), PostgreSQL $(as_pg psql -X -At -h "$WORK" -p "$PORT" -U postgres -d postgres -c 'SHOW server_version'))"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM"
echo "pgbench -M prepared -c $CLIENTS -j $THREADS, ${DURATION}s per run; $NGROUPS groups; qty 10, read and roll back"
echo
printf '%-32s %12s %12s %14s\n' "workload (tps)" "$small msgs" "$large msgs" "ratio <= 2x"
for fn in read_grouped read_grouped_rr read_grouped_head noindex; do
	label=$fn
	[ "$fn" = noindex ] && label="read_grouped, no fifo index"
	printf '%-32s %12s %12s %14s\n' "$label" "${TPS[$fn,$small]}" "${TPS[$fn,$large]}" \
		"$(within "${TPS[$fn,$small]}" "${TPS[$fn,$large]}")"
done
echo
printf '%-32s %12s %12s\n' "workload (tps)" "10 bindings" "100 bindings"
printf '%-32s %12s %12s\n' "send_topic (2 queues match)" "${TPS[topic,10]}" "${TPS[topic,100]}"
