#!/usr/bin/env bash
# Cost of a dead-letter policy on the read path.
#
# Two queues with the same backlog, one with a dead-letter policy
# (max_deliveries 1000, so the check runs on every claimed row but nothing
# moves) and one without. pgbench runs read_delete (BEGIN; read qty 1;
# delete it; COMMIT) and read10 (read qty 10 and roll back, so the backlog
# stays) on each, back to back, in alternating order per round; the script
# prints the mean and the best tps of each side, their ratios (policy / no
# policy) and the ratio of each round. On a shared machine the best-of
# ratio is the steadier one: interference only ever lowers a run. Target
# (issue 15): the ratio stays at 0.90 or more.
#
# Throwaway server (bench/lib.sh): data and socket under /tmp, Unix socket
# only, synchronous_commit=off, as the postgres OS user, running pgmq built
# from this tree (release flags) in a private copy of the PostgreSQL
# installation.
#
# Settings (environment):
#   DURATION=5    seconds measured per run
#   WARMUP=2      seconds of unmeasured pgbench before each run
#   ROUNDS=6
#   CLIENTS=2 THREADS=2
#   BACKLOG=200000 messages per queue before each run
#   KEEP=1        leave the server running
#   BENCH_PORT    the server's port (its socket's name; default random)
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-6}
CLIENTS=${CLIENTS:-2}
THREADS=${THREADS:-2}
BACKLOG=${BACKLOG:-200000}
KEEP=${KEEP:-0}

WORK=$(mktemp -d /tmp/pgmq-dlq-bench.XXXXXX)
. "$(dirname "$0")/lib.sh"

trap bench_cleanup EXIT

bench_install >/dev/null
bench_server_start <<CONF
shared_buffers = 512MB
shared_preload_libraries = 'pgmq'
max_wal_size = 4GB
CONF

psql_() { bench_psql postgres "$@"; }


psql_ >/dev/null <<SQL
CREATE EXTENSION pgmq;
SELECT pgmq.create('b_plain');
SELECT pgmq.create('b_policy');
SELECT pgmq.create('b_dlq');
SELECT pgmq.set_policy('b_policy', 'b_dlq', 1000);
SQL

fill() { # queue
	psql_ >/dev/null <<SQL
TRUNCATE pgmq.q_$1;
INSERT INTO pgmq.q_$1 (vt, message)
SELECT clock_timestamp(), jsonb_build_object('n', i, 'payload', repeat('x', 60)) FROM generate_series(1, $BACKLOG) i;
VACUUM ANALYZE pgmq.q_$1;
CHECKPOINT;
SQL
}

declare -A TPS
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then order="b_plain b_policy"; else order="b_policy b_plain"; fi
	for q in $order; do
		fill "$q"
		TPS[rd,$q,$round]=$(bench_pgbench_tps "rd_$q" "BEGIN;
SELECT msg_id FROM pgmq.read('$q', 30, 1) \\gset
SELECT pgmq.delete('$q', :msg_id::bigint);
COMMIT;")
		TPS[r10,$q,$round]=$(bench_pgbench_tps "r10_$q" "BEGIN;
SELECT count(*) FROM pgmq.read('$q', 30, 10);
ROLLBACK;")
		echo "  round $round $q: read_delete ${TPS[rd,$q,$round]} tps, read10 ${TPS[r10,$q,$round]} tps" >&2
	done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mean() { awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
best() { sort -g | tail -1; }

echo
echo "pgmq read throughput with and without a dead-letter policy ($(date -u '+%Y-%m-%d %H:%M UTC'), PostgreSQL $(as_pg psql -X -At -h "$WORK" -p "$PORT" -U postgres -d postgres -c 'SHOW server_version'))"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM"
echo "pgbench -M prepared -c $CLIENTS -j $THREADS, ${DURATION}s per run, $ROUNDS rounds; backlog $BACKLOG"
echo
printf '%-16s %14s %14s %8s %14s %14s %8s   %s\n' "workload" "no policy mean" "policy mean" "ratio" "no policy best" "policy best" "ratio" "per round"
for w in rd r10; do
	label=read_delete
	[ "$w" = r10 ] && label="read10+rollback"
	per=""
	for ((round = 1; round <= ROUNDS; round++)); do
		per+="$(ratio "${TPS[$w,b_policy,$round]}" "${TPS[$w,b_plain,$round]}") "
	done
	plain=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${TPS[$w,b_plain,$round]}"; done | mean)
	policy=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${TPS[$w,b_policy,$round]}"; done | mean)
	bplain=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${TPS[$w,b_plain,$round]}"; done | best)
	bpolicy=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${TPS[$w,b_policy,$round]}"; done | best)
	printf '%-16s %14s %14s %8s %14s %14s %8s   %s\n' "$label" "$plain" "$policy" "$(ratio "$policy" "$plain")" \
		"$bplain" "$bpolicy" "$(ratio "$bpolicy" "$bplain")" "$per"
done
