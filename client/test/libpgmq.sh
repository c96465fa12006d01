#!/usr/bin/env bash
# libpgmq's unit tests (test_libpgmq.c) against a throwaway server
# (server.sh), first as they are, then under valgrind --leak-check=full,
# which must report no error and no leak. Run by scripts/test.sh (suite
# "client"); by hand it makes a scratch directory of its own.
set -euo pipefail
. "$(dirname "$0")/server.sh"
setup_server libpgmq
as_pg createdb -h 127.0.0.1 -p "$PORT" -U postgres nopgmq
export PGMQ_TEST_NOPGMQ_DB=nopgmq

fresh_db() {
	as_pg psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "DROP DATABASE IF EXISTS pgmq_client" -c "DROP ROLE IF EXISTS t_role" \
		-c "CREATE DATABASE pgmq_client" >/dev/null 2>&1
	psql_c "CREATE EXTENSION pgmq"
}

status=0
echo "-- libpgmq: test_libpgmq"
if ! "$BUILD/test_libpgmq" >"$DIR/unit.out" 2>&1; then
	status=1
	echo "-- libpgmq: FAILED"
fi
grep -v '^ok ' "$DIR/unit.out" || true
echo "-- libpgmq: $(grep -c '^ok ' "$DIR/unit.out") passed, $(grep -c '^not ok ' "$DIR/unit.out") failed"

if command -v valgrind >/dev/null; then
	fresh_db
	echo "-- libpgmq: test_libpgmq under valgrind --leak-check=full"
	if valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--log-file="$DIR/valgrind.log" "$BUILD/test_libpgmq" >"$DIR/unit-vg.out" 2>&1; then
		echo "-- libpgmq: valgrind: no errors, no leaks ($(grep -c '^ok ' "$DIR/unit-vg.out") tests)"
	else
		status=1
		echo "-- libpgmq: valgrind FAILED:"
		grep -v '^ok ' "$DIR/unit-vg.out" || true
		cat "$DIR/valgrind.log"
	fi
else
	echo "-- libpgmq: valgrind missing (scripts/deps.sh installs it)"
	status=1
fi
exit "$status"
