#!/usr/bin/env bash
# Installs what building and testing pgmq needs on Debian 12, if missing:
# PostgreSQL 15 with server headers, pg_partman, the TAP test modules'
# IPC::Run, DBD::Pg for the API fuzzer, Node.js for the client-library test, clang-format for the
# format check, lintian for the Debian package, jq for META.json, psycopg
# for the Python examples (examples/python), and for libpgmq and the pgmq
# command (client/) libpq's headers, with valgrind, tmux, curl and python3
# for their tests.
#
#   deps.sh [package...]   also the given Debian packages (valgrind for
#                          make memcheck, say)
set -euo pipefail
. "$(dirname "$0")/common.sh"

need=()
dpkg -s postgresql-$PG_MAJOR >/dev/null 2>&1 || need+=(postgresql-$PG_MAJOR)
dpkg -s postgresql-server-dev-$PG_MAJOR >/dev/null 2>&1 || need+=(postgresql-server-dev-$PG_MAJOR)
dpkg -s postgresql-$PG_MAJOR-partman >/dev/null 2>&1 || need+=(postgresql-$PG_MAJOR-partman)
dpkg -s libipc-run-perl >/dev/null 2>&1 || need+=(libipc-run-perl)
dpkg -s libdbd-pg-perl >/dev/null 2>&1 || need+=(libdbd-pg-perl)
command -v make >/dev/null 2>&1 || need+=(make)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v clang-format >/dev/null 2>&1 || need+=(clang-format)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
dpkg -s libpq-dev >/dev/null 2>&1 || need+=(libpq-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
dpkg -s python3-psycopg >/dev/null 2>&1 || need+=(python3-psycopg)
for p in "$@"; do
	dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${need[*]}; install them as root (apt-get install ${need[*]})" >&2
	exit 1
fi
echo "installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${need[@]}" >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
