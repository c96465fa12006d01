# Sourced by the libpgmq and pgmq command tests: a throwaway PostgreSQL 15
# server with the pgmq of PGMQ_BINDIR (the private installation of
# scripts/test.sh, else the system's) on 127.0.0.1 and a free port, its
# socket in the scratch directory, trust auth except for the role
# "pwuser", which needs its password (scram-sha-256). Builds the client into
# $DIR/build with -Werror. Sets DIR, PORT, PGHOST, PGPORT, PGUSER,
# PGDATABASE and builds; stop_server runs on EXIT.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLIENT_SRC=$(cd "$HERE/.." && pwd)
PG_BINDIR=${PGMQ_BINDIR:-/usr/lib/postgresql/15/bin}
PG_OS_USER=${PG_OS_USER:-postgres}

if [ -z "${PGMQ_WORK:-}" ]; then
	PGMQ_WORK=$(mktemp -d /tmp/pgmq-client.XXXXXX)
	chmod 755 "$PGMQ_WORK"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PGMQ_WORK"
fi

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_OS_USER" -- env PATH="$PG_BINDIR:$PATH" "$@"
	else
		env PATH="$PG_BINDIR:$PATH" "$@"
	fi
}

# setup_server NAME: scratch directory $PGMQ_WORK/NAME, client build, server.
setup_server() {
	DIR=$PGMQ_WORK/$1
	rm -rf "$DIR"
	mkdir -p "$DIR"
	chmod 755 "$DIR"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$DIR"
	DATA=$DIR/data
	LOG=$DIR/server.log
	BUILD=$DIR/build
	echo "-- $1: building the client with -Wall -Wextra -Werror"
	make -s -C "$CLIENT_SRC" B="$BUILD" CFLAGS="-O1 -g -Werror" all test-progs >"$DIR/make.log" 2>&1 ||
		{ cat "$DIR/make.log"; return 1; }
	PGMQ=$BUILD/pgmq
	as_pg initdb -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
		>"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log"; return 1; }
	{
		echo "host all pwuser 127.0.0.1/32 scram-sha-256"
		cat "$DATA/pg_hba.conf"
	} >"$DATA/pg_hba.new" && mv "$DATA/pg_hba.new" "$DATA/pg_hba.conf"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$DATA/pg_hba.conf"
	local attempt
	for attempt in 1 2 3 4 5; do
		PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		cat >"$DATA/client.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
max_connections = 100
CONF
		grep -q "^include 'client.conf'" "$DATA/postgresql.conf" ||
			echo "include 'client.conf'" >>"$DATA/postgresql.conf"
		SERVER_STARTED=1
		if as_pg pg_ctl -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null; then
			break
		fi
		SERVER_STARTED=
		[ "$attempt" = 5 ] && { tail -n 20 "$LOG"; return 1; }
	done
	trap stop_server EXIT
	export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=pgmq_client
	unset PGPASSWORD PGSERVICE PGOPTIONS
	as_pg createdb -h 127.0.0.1 -p "$PORT" -U postgres pgmq_client
	as_pg psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d pgmq_client -v ON_ERROR_STOP=1 \
		-c "CREATE EXTENSION pgmq" -c "CREATE ROLE pwuser LOGIN PASSWORD 'right'" >/dev/null
	echo "-- $1: PostgreSQL on 127.0.0.1:$PORT, pgmq $(psql_c "SELECT extversion FROM pg_extension WHERE extname = 'pgmq'")"
}

psql_c() {
	as_pg psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d pgmq_client -v ON_ERROR_STOP=1 -c "$1"
}

stop_server() {
	if [ -n "${SERVER_STARTED:-}" ]; then
		as_pg pg_ctl -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
		SERVER_STARTED=
	fi
}
