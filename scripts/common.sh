# Shared settings for the scripts in this folder. Sourced, not run.

PG_MAJOR=15
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BINDIR=/usr/lib/postgresql/$PG_MAJOR/bin
PGXS_DIR=/usr/lib/postgresql/$PG_MAJOR/lib/pgxs
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# PostgreSQL refuses to run as root: servers and test drivers run as this user.
PG_OS_USER=${PG_OS_USER:-postgres}

# Runs a command as the PostgreSQL OS user (or directly when we are not root),
# with the private installation's programs first once one is in use
# (scripts/prefix.sh sets PRIV_BIN), else the system's.
as_pg() {
	local bin=${PRIV_BIN:-$PG_BINDIR}
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_OS_USER" -- env PATH="$bin:$PATH" "$@"
	else
		env PATH="$bin:$PATH" "$@"
	fi
}
