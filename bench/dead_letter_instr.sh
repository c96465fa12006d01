#!/usr/bin/env bash
# Instructions per pgmq.read on a queue with and without a dead-letter
# policy, counted by callgrind: steady where tps on a shared machine is not
# (bench/dead_letter.sh measures tps).
#
# A single-user backend (release build of this tree, bench/lib.sh) runs
# N reads of qty 10, each followed by the delete of what it read (so no
# read_ct reaches the limit and the queue's head moves on), on b_plain and,
# in a second backend, on b_policy (max_deliveries 1000). callgrind counts only inside pgmq_read
# (--toggle-collect), so the figure is the cost of the function itself,
# the same executor work around it on both sides; the script prints
# instructions per read and the ratio.
#
# Settings (environment): N=1000 reads per side.
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

N=${N:-1000}
WORK=$(mktemp -d /tmp/pgmq-dlq-instr.XXXXXX)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$WORK"' EXIT

bench_install >/dev/null
pg_server initdb -D "$BENCH_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null

single() { # [valgrind args...] < sql
	as_pg "$@" "$PRIV_BIN/postgres" --single -D "$BENCH_DATA" -c max_stack_depth=7MB postgres >/dev/null
}

single <<SQL
CREATE EXTENSION pgmq;
SELECT pgmq.create('b_plain');
SELECT pgmq.create('b_policy');
SELECT pgmq.create('b_dlq');
SELECT pgmq.set_policy('b_policy', 'b_dlq', 1000);
INSERT INTO pgmq.q_b_plain (vt, message) SELECT clock_timestamp(), jsonb_build_object('n', i, 'payload', repeat('x', 60)) FROM generate_series(1, $((N * 10 + 100))) i;
INSERT INTO pgmq.q_b_policy (vt, message) SELECT clock_timestamp(), jsonb_build_object('n', i, 'payload', repeat('x', 60)) FROM generate_series(1, $((N * 10 + 100))) i;
VACUUM ANALYZE pgmq.q_b_plain;
VACUUM ANALYZE pgmq.q_b_policy;
SQL
[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$WORK"

declare -A IR
for q in b_plain b_policy; do
	for ((i = 0; i < N; i++)); do echo "SELECT pgmq.delete('$q', array_agg(msg_id)) FROM pgmq.read('$q', 3600, 10);"; done |
		single valgrind --tool=callgrind --toggle-collect=pgmq_read \
			--callgrind-out-file="$WORK/cg.$q" 2>/dev/null
	IR[$q]=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$WORK/cg.$q" | head -1)
	echo "  $q: ${IR[$q]} instructions in $N reads" >&2
done

echo
echo "pgmq.read(q, 3600, 10) then delete: instructions inside pgmq_read per call, callgrind ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); $N reads per side"
awk -v a="${IR[b_plain]}" -v b="${IR[b_policy]}" -v n="$N" 'BEGIN {
	printf "%-12s %14s\n", "queue", "instr/read"
	printf "%-12s %14.0f\n", "no policy", a / n
	printf "%-12s %14.0f\n", "policy", b / n
	printf "ratio no policy / policy (throughput ratio if reads were all the work): %.3f\n", a / b
}'
