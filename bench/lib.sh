# Shared by the benchmark scripts (run.sh, latency.sh). Sourced, not run;
# expects scripts/common.sh to be sourced first and WORK to be set.
#
# private_install: builds pgmq from this tree with release flags and makes a
# private copy of the PostgreSQL installation under $WORK/usr that uses it.
# PostgreSQL finds its lib and share directories relative to the real path of
# its executable, so copies of postgres, initdb and pg_ctl under $WORK/usr
# use $WORK/usr/lib/postgresql/15/lib and $WORK/usr/share/postgresql/15:
# symlinks to the system's files (so other extensions such as pg_partman
# stay reachable), except for pgmq's, built here. The system-wide pgmq.so is
# not used: other targets install assertion (make test) or -O0 (make
# memcheck) builds there.
#
# BENCH_REF=<commit> (e.g. HEAD) builds that commit's extension/ instead
# of the working tree's.
#
# Sets PRIV_BIN, PRIV_LIB, PRIV_SHARE, EXTVERSION; pg_server runs a server
# binary (postgres, initdb, pg_ctl) from the private copy as the PostgreSQL
# OS user. Clients (psql, pgbench) come from the system.

private_install() {
	local pg_libdir pg_sharedir f
	pg_libdir=$($PG_CONFIG --pkglibdir)
	pg_sharedir=$($PG_CONFIG --sharedir)
	PRIV_BIN=$WORK$PG_BINDIR
	PRIV_LIB=$WORK$pg_libdir
	PRIV_SHARE=$WORK$pg_sharedir

	mkdir -p "$WORK/ext"
	if [ -n "${BENCH_REF:-}" ]; then
		# A commit instead of the working tree (which may be mid-edit).
		echo "building pgmq $BENCH_REF ($(git -C "$REPO_ROOT" rev-parse --short "$BENCH_REF")) (release flags) in $WORK/ext"
		git -C "$REPO_ROOT" archive "$BENCH_REF" extension/Makefile extension/pgmq.control extension/src extension/sql |
			tar -x -C "$WORK/ext" --strip-components=1
	else
		echo "building pgmq (working tree, release flags) in $WORK/ext"
		cp -r "$REPO_ROOT/extension/Makefile" "$REPO_ROOT/extension/pgmq.control" \
			"$REPO_ROOT/extension/src" "$REPO_ROOT/extension/sql" "$WORK/ext/"
	fi
	rm -f "$WORK"/ext/src/*.o "$WORK"/ext/src/*.bc
	make -s -C "$WORK/ext" PG_CONFIG="$PG_CONFIG" with_llvm=no >"$WORK/build.log" 2>&1 ||
		{ cat "$WORK/build.log"; echo "bench: building pgmq failed" >&2; exit 1; }
	EXTVERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$WORK/ext/pgmq.control")

	mkdir -p "$PRIV_BIN" "$PRIV_LIB" "$PRIV_SHARE/extension"
	cp "$PG_BINDIR/postgres" "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl" "$PRIV_BIN/"
	for f in "$pg_libdir"/*; do
		[ "$(basename "$f")" = pgmq.so ] || ln -s "$f" "$PRIV_LIB/"
	done
	for f in "$pg_sharedir"/*; do
		[ "$(basename "$f")" = extension ] || ln -s "$f" "$PRIV_SHARE/"
	done
	for f in "$pg_sharedir"/extension/*; do
		case $(basename "$f") in pgmq.control | pgmq--*) ;; *) ln -s "$f" "$PRIV_SHARE/extension/" ;; esac
	done
	cp "$WORK/ext/pgmq.so" "$PRIV_LIB/"
	cp "$WORK/ext/pgmq.control" "$WORK/ext/sql/pgmq--$EXTVERSION.sql" "$PRIV_SHARE/extension/"
	cp "$WORK"/ext/sql/pgmq--*--*.sql "$PRIV_SHARE/extension/" 2>/dev/null || true

	if [ "$(id -u)" = 0 ]; then
		chown -R "$PG_OS_USER" "$WORK"
	fi
	chmod 755 "$WORK"
}

# Server binaries from the private copy.
pg_server() { # tool args...
	local tool=$1
	shift
	as_pg "$PRIV_BIN/$tool" "$@"
}
