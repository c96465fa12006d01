# Shared by the benchmark scripts. Sourced, not run; expects
# scripts/common.sh to be sourced first and WORK to be set.
#
# bench_install: builds pgmq from this tree with release flags into a
# private copy of the PostgreSQL installation under $WORK/usr
# (scripts/prefix.sh); the system-wide pgmq.so is never used nor changed.
#
# BENCH_REF=<commit> (e.g. HEAD) builds that commit's extension/ instead
# of the working tree's.
#
# The throwaway server every benchmark runs, from that installation:
#
#   bench_server_start <<CONF      initdb in $BENCH_DATA, the common settings
#   extra postgresql.conf lines    (Unix socket $WORK only, port $PORT,
#   CONF                           synchronous_commit off) and the lines
#                                  on stdin, then start; log in
#                                  $WORK/server.log
#   bench_server_restart           after editing $BENCH_DATA/postgresql.conf
#   bench_server_stop [mode]       pg_ctl stop -m mode (default fast), if up
#   bench_psql DB args...          psql -X -q, ON_ERROR_STOP, to the server
#
# PORT is BENCH_PORT if set, else a random one (only the socket's name:
# the server listens on no TCP port).
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/prefix.sh"

BENCH_DATA=${BENCH_DATA:-$WORK/data}
PORT=${BENCH_PORT:-$((55000 + RANDOM % 5000))}

bench_install() {
	echo "building pgmq (${BENCH_REF:-working tree}, release flags) in $WORK/ext"
	private_install "$WORK" "" "${BENCH_REF:-}"
}

bench_server_start() {
	pg_server initdb -D "$BENCH_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	{
		echo
		echo "# benchmark server ($(basename "$0")): Unix socket only; asynchronous"
		echo "# commit so the runs measure the CPU path rather than WAL flushes."
		echo "listen_addresses = ''"
		echo "port = $PORT"
		echo "unix_socket_directories = '$WORK'"
		echo "synchronous_commit = off"
		cat
	} >>"$BENCH_DATA/postgresql.conf"
	pg_server pg_ctl -D "$BENCH_DATA" -l "$WORK/server.log" -w start >/dev/null
}

bench_server_restart() {
	bench_server_stop
	pg_server pg_ctl -D "$BENCH_DATA" -l "$WORK/server.log" -w start >/dev/null
}

bench_server_stop() { # [mode]
	[ -n "${PRIV_BIN:-}" ] && [ -f "$BENCH_DATA/postmaster.pid" ] || return 0
	pg_server pg_ctl -D "$BENCH_DATA" -m "${1:-fast}" -w stop >/dev/null 2>&1 || true
}

bench_psql() { # db args...
	local db=$1
	shift
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d "$db" "$@"
}

# EXIT trap of the pgbench scripts: stops the server and removes $WORK,
# unless KEEP=1.
bench_cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "server left running: psql -h $WORK -p $PORT -U postgres postgres"
		return
	fi
	bench_server_stop immediate
	rm -rf "$WORK"
}

# Runs pgbench on one script (WARMUP s unmeasured, then DURATION s, with
# CLIENTS and THREADS); prints its tps. pgbench's stderr goes to
# $WORK/pgbench.err.
bench_pgbench_tps() { # name sql
	local file=$WORK/$1.sql
	printf '%s\n' "$2" >"$file"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$file"
	local pgb=(pgbench -n -M prepared -c "$CLIENTS" -j "$THREADS" -h "$WORK" -p "$PORT" -U postgres -f "$file" postgres)
	as_pg "${pgb[@]}" -T "$WARMUP" >/dev/null 2>&1
	as_pg "${pgb[@]}" -T "$DURATION" 2>"$WORK/pgbench.err" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1 | xargs printf '%.1f\n'
}
