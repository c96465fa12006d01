#!/usr/bin/env bash
# Drives the published npm package pgmq-js (pinned in pgmq_js/package.json,
# installed from the registry with npm ci and used unchanged) against the
# pgmq extension, on a throwaway PostgreSQL 15 server of its own:
# trust auth, listening on 127.0.0.1 only, on a free port, with its socket
# inside the scratch directory.
#
# Run by scripts/test.sh (suite "client") with PGMQ_WORK set to a scratch
# directory; run by hand it makes one of its own. Exits non-zero on any
# failure and always stops the server.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# The private installation scripts/test.sh runs (PGMQ_BINDIR), else the system's.
PG_BINDIR=${PGMQ_BINDIR:-/usr/lib/postgresql/15/bin}
PG_OS_USER=${PG_OS_USER:-postgres}

own_work=
if [ -z "${PGMQ_WORK:-}" ]; then
	PGMQ_WORK=$(mktemp -d /tmp/pgmq-client.XXXXXX)
	own_work=1
	chmod 755 "$PGMQ_WORK"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PGMQ_WORK"
fi

# Runs a command as the PostgreSQL OS user (or directly when not root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_OS_USER" -- env PATH="$PG_BINDIR:$PATH" "$@"
	else
		env PATH="$PG_BINDIR:$PATH" "$@"
	fi
}

DIR=$PGMQ_WORK/pgmq_js
rm -rf "$DIR"
mkdir -p "$DIR/node"
[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$DIR"
DATA=$DIR/data
LOG=$DIR/server.log

echo "-- pgmq_js: node $(node --version), npm $(npm --version)"

# The node project, without any node_modules a working copy may hold.
cp "$HERE/pgmq_js/package.json" "$HERE/pgmq_js/package-lock.json" "$HERE/pgmq_js/test.js" "$DIR/node/"
echo "-- pgmq_js: npm ci"
(cd "$DIR/node" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$DIR/node" && npm ls pgmq-js pg --depth=0)

as_pg initdb -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
	{ cat "$DIR/initdb.log"; exit 1; }

started=
stop_server() {
	if [ -n "$started" ]; then
		as_pg pg_ctl -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
	fi
}
trap stop_server EXIT

free_port() {
	node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Starts the server with the given shared_preload_libraries on a free port.
# Another process may take the port between choosing and binding: retry.
start_server() { # preload
	local attempt
	for attempt in 1 2 3 4 5; do
		PORT=$(free_port)
		cat >"$DATA/pgmq_js.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
shared_preload_libraries = '$1'
fsync = off
CONF
		grep -q "^include 'pgmq_js.conf'" "$DATA/postgresql.conf" ||
			echo "include 'pgmq_js.conf'" >>"$DATA/postgresql.conf"
		started=1
		if as_pg pg_ctl -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null; then
			return 0
		fi
		started=
		echo "-- pgmq_js: server did not start on port $PORT (attempt $attempt)"
		tail -n 5 "$LOG" || true
	done
	return 1
}

# Runs the node test on a fresh database of a fresh start of the server:
# first as a drop-in install is used (CREATE EXTENSION, nothing preloaded),
# then with pgmq in shared_preload_libraries.
status=0
for mode in plain preloaded; do
	preload=
	[ "$mode" = preloaded ] && preload=pgmq
	start_server "$preload" || exit 1
	echo "-- pgmq_js [$mode]: PostgreSQL $(as_pg postgres --version | awk '{print $3}') on 127.0.0.1:$PORT, shared_preload_libraries = '$preload'"
	as_pg createdb -h 127.0.0.1 -p "$PORT" -U postgres "pgmq_js_$mode"
	rc=0
	(cd "$DIR/node" && PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=pgmq_js_$mode node test.js) || rc=$?
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "-- pgmq_js [$mode]: FAILED (exit $rc); server log $LOG:"
		tail -n 40 "$LOG" || true
	else
		echo "-- pgmq_js [$mode]: passed"
	fi
	stop_server
	started=
done

if [ "$status" -eq 0 ] && [ -n "$own_work" ]; then
	rm -rf "$PGMQ_WORK"
fi
exit "$status"
