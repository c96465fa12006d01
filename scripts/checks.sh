# Checks on a build of pgmq, run by `scripts/test.sh build`. Sourced, not
# run; expects scripts/common.sh and scripts/prefix.sh to be sourced first.
# Each check prints what is wrong and returns non-zero; scripts/test-checks.sh
# shows that each one fails on a deliberately broken tree.
#
#   check_exports SO SQL SRCDIR
#       the dynamic symbols SO defines are exactly the C functions SQL names
#       (AS 'MODULE_PATHNAME', 'sym'), their pg_finfo_ records,
#       Pg_magic_func, _PG_init and the background worker entry points
#       SRCDIR names in bgw_function_name: nothing more, nothing less.
#   check_install ROOT DATADIR PORT
#       in the private installation ROOT, CREATE EXTENSION pgmq works, its
#       extversion is the source's control file version, every C function of
#       the install script resolves its symbol (fmgr_c_validator), as many C
#       functions exist as the install script defines, and the library the
#       server loaded is ROOT's pgmq.so. DATADIR is a cluster made by initdb.
#   check_format FILE...
#       clang-format (style from .clang-format) would leave each FILE as it is.

PGMQ_CLANG_FORMAT=${PGMQ_CLANG_FORMAT:-clang-format}

# The symbols pgmq.so must export, sorted.
expected_exports() { # sql srcdir
	local sql=$1 srcdir=$2
	{
		grep -o "MODULE_PATHNAME' *, *'[A-Za-z0-9_]*'" "$sql" | sed "s/.*'\([^']*\)'$/\1/" |
			sort -u | sed 'p; s/^/pg_finfo_/'
		grep -ho 'bgw_function_name, *"[A-Za-z0-9_]*"' "$srcdir"/*.c | sed 's/.*"\(.*\)"/\1/'
		echo Pg_magic_func
		echo _PG_init
	} | sort -u
}

check_exports() { # so sql srcdir
	local so=$1 sql=$2 srcdir=$3 want have
	want=$(expected_exports "$sql" "$srcdir")
	have=$(nm -D --defined-only "$so" | awk '{print $3}' | sed 's/@.*//' | sort -u)
	if [ -z "$have" ]; then
		echo "no exported symbols in $so"
		return 1
	fi
	if [ "$want" != "$have" ]; then
		echo "exported symbols of $so differ from what $(basename "$sql") and the workers need"
		echo "(< needed but not exported, > exported but not needed):"
		diff <(echo "$want") <(echo "$have") | grep '^[<>]'
		return 1
	fi
	echo "exports: $(echo "$have" | wc -l) symbols, exactly the needed set"
}

check_install() { # root datadir port
	local root=$1 data=$2 port=$3 rc=0
	(
		private_use "$root" || exit 1
		sock=$(dirname "$data")
		pg_server pg_ctl -D "$data" -l "$data.log" -w -s \
			-o "-p $port -c listen_addresses= -c unix_socket_directories=$sock" start || {
			cat "$data.log"
			exit 1
		}
		trap 'pg_server pg_ctl -D "$data" -m fast -w -s stop' EXIT
		psql_() { as_pg env PGOPTIONS="-c client_min_messages=warning" psql -X -At -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -d postgres "$@"; }
		want=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$REPO_ROOT/extension/pgmq.control")
		psql_ -q -c "DROP EXTENSION IF EXISTS pgmq CASCADE" || exit 1
		if ! out=$(psql_ -c "CREATE EXTENSION pgmq" 2>&1); then
			echo "CREATE EXTENSION pgmq failed: $out"
			exit 1
		fi
		out=$(psql_ -c "SELECT extversion FROM pg_extension WHERE extname = 'pgmq'")
		if [ "$out" != "$want" ]; then
			echo "installed extension version is '$out', the source's pgmq.control says '$want'"
			exit 1
		fi
		# Resolves every C function's symbol now (CREATE EXTENSION does so
		# only with check_function_bodies on) and loads the library.
		if ! out=$(psql_ -c "SELECT count(pg_catalog.fmgr_c_validator(p.oid)) FROM pg_proc p
				JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'c'
				JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
				JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pgmq'" 2>&1); then
			echo "a C function of the install script does not resolve: $out"
			exit 1
		fi
		nsql=$(grep -c "MODULE_PATHNAME" "$PRIV_SHARE/extension/pgmq--$want.sql")
		if [ "$out" != "$nsql" ]; then
			echo "$out C functions in the extension, the install script defines $nsql"
			exit 1
		fi
		# The same backend calls pgmq (loading the library) and reads its
		# own memory map.
		lib=$(psql_ -c "SELECT cached_queues FROM pgmq._plan_cache_stats()" \
			-c "SELECT pg_read_file('/proc/' || pg_backend_pid() || '/maps')" |
			grep -o '/[^ ]*/pgmq\.so' | sort -u)
		if [ "$lib" != "$(realpath "$PRIV_LIB/pgmq.so")" ]; then
			echo "the server loaded '${lib:-no pgmq.so}', not $PRIV_LIB/pgmq.so"
			exit 1
		fi
		echo "install: pgmq $want, $out C functions resolved, loaded from $lib"
	) || rc=1
	return $rc
}

check_format() { # file...
	local f bad=0
	if ! command -v "$PGMQ_CLANG_FORMAT" >/dev/null; then
		echo "$PGMQ_CLANG_FORMAT not found (scripts/deps.sh installs it)"
		return 1
	fi
	for f in "$@"; do
		if ! "$PGMQ_CLANG_FORMAT" --style="file:$REPO_ROOT/.clang-format" "$f" | diff -u "$f" - >/dev/null; then
			echo "not formatted: $f (make format rewrites it)"
			bad=1
		fi
	done
	return $bad
}

# The C files the formatter owns.
format_files() {
	ls "$REPO_ROOT"/extension/src/*.c "$REPO_ROOT"/extension/src/*.h \
		"$REPO_ROOT"/client/src/*.c "$REPO_ROOT"/client/include/*.h "$REPO_ROOT"/client/cli/*.c \
		"$REPO_ROOT"/client/cli/*.h "$REPO_ROOT"/client/test/*.c "$REPO_ROOT"/examples/*.c
}
