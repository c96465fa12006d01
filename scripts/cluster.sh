#!/usr/bin/env bash
# The local PostgreSQL that `make run` starts: data in .run/data inside the
# repository, listening on localhost:$PGMQ_PORT and a socket in .run/.
#
#   cluster.sh start | stop | status | psql [args] | url
set -euo pipefail
. "$(dirname "$0")/common.sh"

RUN_DIR=$REPO_ROOT/.run
DATA_DIR=$RUN_DIR/data
PORT=${PGMQ_PORT:-5433}
DB=${PGMQ_DB:-pgmq}

start() {
	mkdir -p "$RUN_DIR"
	if [ "$(id -u)" = 0 ]; then
		chown "$PG_OS_USER" "$RUN_DIR"
		if ! runuser -u "$PG_OS_USER" -- test -w "$RUN_DIR"; then
			echo "the $PG_OS_USER user cannot reach $RUN_DIR; clone the repository where it can (not under /root)" >&2
			exit 1
		fi
	fi
	if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
		as_pg initdb -D "$DATA_DIR" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
		cat >>"$DATA_DIR/postgresql.conf" <<CONF

# pgmq's local server (scripts/cluster.sh)
listen_addresses = 'localhost'
port = $PORT
unix_socket_directories = '$RUN_DIR'
shared_preload_libraries = 'pgmq'
# partitioned queues: partitions made ahead and retired by pgmq's worker
pgmq.maintenance_databases = '$DB'
pgmq.maintenance_interval = 60
CONF
	fi
	if as_pg pg_ctl -D "$DATA_DIR" status >/dev/null 2>&1; then
		echo "PostgreSQL already running on port $PORT"
	else
		as_pg pg_ctl -D "$DATA_DIR" -l "$RUN_DIR/server.log" -w start >/dev/null
		echo "PostgreSQL started on localhost:$PORT (data in $DATA_DIR, log in $RUN_DIR/server.log)"
	fi
	as_pg psql -h "$RUN_DIR" -p "$PORT" -U postgres -d postgres -Atqc \
		"SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
		as_pg createdb -h "$RUN_DIR" -p "$PORT" -U postgres "$DB"
}

case "${1:-}" in
start) start ;;
stop) as_pg pg_ctl -D "$DATA_DIR" -m fast -w stop ;;
status) as_pg pg_ctl -D "$DATA_DIR" status ;;
psql) shift; as_pg psql -h "$RUN_DIR" -p "$PORT" -U postgres -d "$DB" "$@" ;;
url) echo "postgresql://postgres@localhost:$PORT/$DB" ;;
*) echo "usage: $0 start|stop|status|psql [args]|url" >&2; exit 2 ;;
esac
