#!/usr/bin/env bash
# Runs every example of this folder against pgmq on a throwaway PostgreSQL
# 15 server of its own (trust auth, Unix socket only, in a scratch
# directory), each example in a fresh database, and prints one line per
# example: "ok NAME" or "not ok NAME". Exits non-zero if any failed.
#
# scripts/test.sh (suite "examples") runs it with PGMQ_WORK, a scratch
# directory, and PGMQ_BINDIR, the private installation's programs; run by
# hand it uses a directory of its own and the system's PostgreSQL (where
# pgmq must be installed: make install).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PG_BINDIR=${PGMQ_BINDIR:-/usr/lib/postgresql/15/bin}
PG_OS_USER=${PG_OS_USER:-postgres}
# Debian's python3 with python3-psycopg, not whatever python is first on PATH.
PYTHON=${PGMQ_PYTHON:-/usr/bin/python3}

if [ -z "${PGMQ_WORK:-}" ]; then
	PGMQ_WORK=$(mktemp -d /tmp/pgmq-examples.XXXXXX)
	chmod 755 "$PGMQ_WORK"
fi
DIR=$PGMQ_WORK/examples
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$DIR"

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_OS_USER" -- env PATH="$PG_BINDIR:$PATH" "$@"
	else
		env PATH="$PG_BINDIR:$PATH" "$@"
	fi
}

as_pg initdb -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
	{ cat "$DIR/initdb.log"; echo "not ok examples/(server)"; exit 1; }
cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
port = 5432
unix_socket_directories = '$DIR'
shared_preload_libraries = 'pgmq'
fsync = off
CONF
trap 'as_pg pg_ctl -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true' EXIT
as_pg pg_ctl -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null ||
	{ cat "$DIR/server.log"; echo "not ok examples/(server)"; exit 1; }

export PGHOST=$DIR PGPORT=5432 PGUSER=postgres
failed=0
# Runs one example (a command) in a fresh database named after it.
example() { # name command...
	local name=$1 db=ex_$(tr -c 'a-z0-9\n' '_' <<<"$1")
	shift
	echo "-- $name"
	if "$PG_BINDIR/psql" -X -q -d postgres -c "CREATE DATABASE $db" &&
		env PGDATABASE="$db" "$@"; then
		echo "ok $name"
	else
		echo "not ok $name"
		failed=1
	fi
}

example walkthrough.sql "$PG_BINDIR/psql" -X -v ON_ERROR_STOP=1 -f "$HERE/walkthrough.sql"
example python/producer.py "$PYTHON" "$HERE/python/producer.py" --queue jobs --count 20
# The consumer works the queue the producer filled (same database).
example python/consumer.py \
	env PGDATABASE=ex_python_producer_py "$PYTHON" "$HERE/python/consumer.py" --queue jobs --vt 1 --max-attempts 3
exit $failed
