#!/usr/bin/env bash
# Runs the regression suite (extension/test/sql) and the isolation specs
# (extension/test/specs) against a PostgreSQL server running under valgrind
# memcheck, then reads valgrind's logs (scripts/memcheck-scan.pl).
#
#   memcheck.sh
#
# Any valgrind error whose stack has a frame in pgmq.so fails the run (exit
# 1), as does a server process killed by a signal. Errors entirely inside
# PostgreSQL are counted and listed as "outside the extension" but do not
# fail: the packaged server is not built with USE_VALGRIND, so some noise
# is expected (known noise is suppressed by scripts/valgrind.supp).
# Regression diffs are printed but do not fail the run unless
# MEMCHECK_STRICT=1 (valgrind slows the server ~20-50x, which can upset
# timing-sensitive tests; `make test` is the judge of results).
#
# The extension is built from the working tree with -O0 -g (clearer stacks)
# into a private PostgreSQL installation under the work directory
# (scripts/prefix.sh): nothing system-wide is replaced.
#
# Environment: MEMCHECK_SUITES (default "regress isolation"),
# MEMCHECK_TESTS to run only some regression tests (names without .sql;
# 00_setup always runs first), MEMCHECK_PORT (default 55432; the socket is
# in a private directory), MEMCHECK_KEEP=1 keeps the work directory (it is
# kept anyway when the run fails).
set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/prefix.sh"

VALGRIND=${VALGRIND:-/usr/bin/valgrind}
PORT=${MEMCHECK_PORT:-55432}
STRICT=${MEMCHECK_STRICT:-0}
SUPP=$REPO_ROOT/scripts/valgrind.supp
DEBUG_CFLAGS="-O0 -g3 -fno-omit-frame-pointer -DUSE_ASSERT_CHECKING"

if [ ! -x "$VALGRIND" ]; then
	echo "memcheck: valgrind not found at $VALGRIND (apt-get install valgrind)" >&2
	exit 2
fi

WORK=$(mktemp -d /tmp/pgmq-memcheck.XXXXXX)
chmod 755 "$WORK"
DATA=$WORK/data
SOCK=$WORK/sock
VGLOG=$WORK/valgrind
OUT=$WORK/out
mkdir -p "$SOCK" "$VGLOG" "$OUT"
cp -r "$REPO_ROOT/extension/test" "$WORK/test"
[ "$(id -u)" = 0 ] && chown -R "$PG_OS_USER" "$WORK"

server_started=0

cleanup() {
	if [ "$server_started" = 1 ]; then
		as_pg pg_ctl stop -D "$DATA" -m immediate -w -t 120 >/dev/null 2>&1
	fi
	if [ "${MEMCHECK_KEEP:-0}" = 1 ] || [ "${KEEP_WORK:-0}" = 1 ]; then
		echo "(memcheck output kept in $WORK)"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. A debug build of the extension, in a private installation.
echo "== memcheck: building the extension with $DEBUG_CFLAGS"
private_install "$WORK/prefix" "$DEBUG_CFLAGS" || exit 2

# 2. A cluster, and its server under valgrind.
echo "== memcheck: initdb in $DATA"
as_pg initdb -D "$DATA" -A trust --no-sync >"$WORK/initdb.log" 2>&1 ||
	{ cat "$WORK/initdb.log"; exit 2; }
cat "$WORK/test/postgresql.conf" >>"$DATA/postgresql.conf"
cat >>"$DATA/postgresql.conf" <<EOF

# memcheck: Unix socket only, and fewer moving parts under valgrind.
listen_addresses = ''
unix_socket_directories = '$SOCK'
port = $PORT
fsync = off
jit = off
autovacuum = off
max_parallel_workers_per_gather = 0
max_parallel_maintenance_workers = 0
statement_timeout = 0
lock_timeout = 0
idle_in_transaction_session_timeout = 0
authentication_timeout = 600s
log_min_messages = warning
EOF

VG_OPTS=(--tool=memcheck --trace-children=yes --leak-check=no
	--track-origins=yes --read-inline-info=yes --read-var-info=yes --error-limit=no
	--num-callers=40 --gen-suppressions=all --fullpath-after=
	--suppressions="$SUPP" --log-file="$VGLOG/%p.log")

echo "== memcheck: starting postgres under valgrind (port $PORT, socket $SOCK)"
as_pg "$VALGRIND" "${VG_OPTS[@]}" "$PRIV_BIN/postgres" -D "$DATA" \
	>"$WORK/server.log" 2>&1 &
server_started=1

# Valgrind makes start-up slow; wait up to 5 minutes.
ready=0
for _ in $(seq 1 300); do
	if as_pg pg_isready -q -h "$SOCK" -p "$PORT" -d postgres; then
		ready=1
		break
	fi
	if ! kill -0 $! 2>/dev/null; then
		break
	fi
	sleep 1
done
if [ "$ready" != 1 ]; then
	echo "memcheck: the server did not start; its log:" >&2
	cat "$WORK/server.log" >&2
	KEEP_WORK=1
	exit 2
fi

# 3. The suites against it. With --use-existing, pg_regress does not
# create the database, so do here what it does for a temporary instance.
create_db() { # name
	as_pg psql -X -q -h "$SOCK" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 \
		>"$WORK/createdb.log" 2>&1 <<EOF
CREATE DATABASE "$1" TEMPLATE=template0;
ALTER DATABASE "$1" SET lc_messages TO 'C';
ALTER DATABASE "$1" SET lc_monetary TO 'C';
ALTER DATABASE "$1" SET lc_numeric TO 'C';
ALTER DATABASE "$1" SET lc_time TO 'C';
ALTER DATABASE "$1" SET bytea_output TO 'hex';
ALTER DATABASE "$1" SET timezone_abbreviations TO 'Default';
EOF
}

ran_tests=0
diffs=()

run_suite() { # suite driver dir ext
	local suite=$1 driver=$2 dir=$3 ext=$4 tests t start out=$OUT/$1
	if [ "$suite" = regress ] && [ -n "${MEMCHECK_TESTS:-}" ]; then
		tests="00_setup $(tr ' ' '\n' <<<"$MEMCHECK_TESTS" | grep -vx 00_setup | tr '\n' ' ')"
	else
		tests=$(cd "$WORK/test/$dir" 2>/dev/null && ls *."$ext" 2>/dev/null | sed "s/\.$ext\$//" | sort)
	fi
	[ -n "$tests" ] || return 0
	# pg_regress stops at a test without an expected file (one being
	# written right now, say): give such tests an empty one, shown as a diff.
	for t in $tests; do
		if [ ! -e "$WORK/test/expected/$t.out" ] &&
			! compgen -G "$WORK/test/expected/${t}_[0-9].out" >/dev/null; then
			echo "memcheck: note: $t has no expected output"
			: >"$WORK/test/expected/$t.out"
		fi
	done
	mkdir -p "$out"
	[ "$(id -u)" = 0 ] && chown -R "$PG_OS_USER" "$WORK/test" "$out"
	create_db "pgmq_memcheck_$suite" || { cat "$WORK/createdb.log"; KEEP_WORK=1; exit 2; }
	echo "== memcheck: $suite:" $tests
	start=$(date +%s)
	as_pg "$driver" \
		--use-existing \
		--host="$SOCK" --port="$PORT" \
		--inputdir="$WORK/test" \
		--outputdir="$out" \
		--bindir="$PRIV_BIN" \
		--dbname="pgmq_memcheck_$suite" \
		$tests >"$out/run.log" 2>&1
	cat "$out/run.log"
	echo "($suite took $(($(date +%s) - start))s under valgrind)"
	if grep -qE '\.\.\. (ok|FAILED|failed)' "$out/run.log"; then
		ran_tests=1
	else
		echo "memcheck: $suite: the driver ran no test" >&2
		diffs+=("$suite/(driver)")
	fi
	if [ -s "$out/regression.diffs" ]; then
		diffs+=("$suite")
		echo "-- $suite regression.diffs:"
		cat "$out/regression.diffs"
	fi
}

for suite in ${MEMCHECK_SUITES:-regress isolation}; do
	case $suite in
	regress) run_suite regress "$PGXS_DIR/src/test/regress/pg_regress" sql sql ;;
	isolation) run_suite isolation "$PGXS_DIR/src/test/isolation/pg_isolation_regress" specs spec ;;
	*) echo "memcheck: unknown suite $suite (regress, isolation)" >&2; exit 2 ;;
	esac
done

# 4. Stop the server so that every process writes its last report.
echo "== memcheck: stopping the server"
if ! as_pg pg_ctl stop -D "$DATA" -m fast -w -t 600 >/dev/null 2>&1; then
	echo "memcheck: warning: the server did not stop cleanly" >&2
	as_pg pg_ctl stop -D "$DATA" -m immediate -w -t 120 >/dev/null 2>&1
fi
server_started=0
wait 2>/dev/null

# 5. Read the logs.
echo "== memcheck: reading $(ls "$VGLOG" | wc -l) valgrind logs"
perl "$REPO_ROOT/scripts/memcheck-scan.pl" "$VGLOG"/*.log
scan=$?

fail=0
[ "$scan" = 0 ] || fail=1
if [ "$ran_tests" = 0 ]; then
	echo "memcheck: no test ran" >&2
	fail=1
fi
if [ ${#diffs[@]} -gt 0 ]; then
	if [ "$STRICT" = 1 ]; then
		echo "memcheck: differences in ${diffs[*]} (MEMCHECK_STRICT=1): failing"
		fail=1
	else
		echo "memcheck: note: differences in ${diffs[*]} (see above); not counted"
	fi
fi
if grep -qE 'terminated by signal|was terminated by exception' "$WORK/server.log"; then
	echo "memcheck: a server process crashed:" >&2
	grep -E 'terminated by signal|was terminated by exception' "$WORK/server.log" >&2
	fail=1
fi
[ "$fail" = 0 ] || KEEP_WORK=1
if [ "$fail" = 0 ]; then
	echo "memcheck: PASSED"
else
	echo "memcheck: FAILED"
fi
exit "$fail"
