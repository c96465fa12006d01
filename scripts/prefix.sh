# A private PostgreSQL installation that runs pgmq built from this tree.
# Sourced, not run; expects scripts/common.sh to be sourced first.
#
# PostgreSQL finds its lib and share directories relative to the real path
# of its executable. So copies of postgres, initdb and pg_ctl under
# ROOT/usr/lib/postgresql/15/bin use ROOT/usr/lib/postgresql/15/lib and
# ROOT/usr/share/postgresql/15: there, symlinks to the system's files (other
# extensions such as pg_partman stay reachable), except pgmq's own, built
# here. Every other program in that bin directory is a symlink to the
# system's (clients such as psql need no private copy).
#
# Nothing outside ROOT is written: tests, memcheck and benchmarks each use a
# prefix of their own, so they never change what a server on this machine
# runs and never fight over one pgmq.so.
#
#   private_install ROOT CFLAGS [REF]
#       builds extension/ of the working tree (or of commit REF) in ROOT/ext
#       with PG_CFLAGS=CFLAGS and installs it into the private copy.
#   private_install_tree ROOT TREE
#       the same with the pgmq files of an installed tree (an unpacked
#       Debian package) instead of a build.
#
# Sets PRIV_BIN, PRIV_LIB, PRIV_SHARE and EXTVERSION. pg_server runs a
# server binary (postgres, initdb, pg_ctl) from the private copy as the
# PostgreSQL OS user.

private_install() { # root cflags [ref]
	local root=$1 cflags=$2 ref=${3:-}
	PRIV_BIN=$root$PG_BINDIR
	PRIV_LIB=$root$($PG_CONFIG --pkglibdir)
	PRIV_SHARE=$root$($PG_CONFIG --sharedir)

	rm -rf "$root/ext" "$root/usr"
	mkdir -p "$root/ext"
	if [ -n "$ref" ]; then
		echo "building pgmq $ref ($(git -C "$REPO_ROOT" rev-parse --short "$ref")) in $root/ext"
		git -C "$REPO_ROOT" archive "$ref" extension/Makefile extension/pgmq.control extension/src extension/sql |
			tar -x -C "$root/ext" --strip-components=1
	else
		cp -r "$REPO_ROOT/extension/Makefile" "$REPO_ROOT/extension/pgmq.control" \
			"$REPO_ROOT/extension/src" "$REPO_ROOT/extension/sql" "$root/ext/"
	fi
	rm -f "$root"/ext/src/*.o "$root"/ext/src/*.bc "$root"/ext/*.so
	if ! make -s -C "$root/ext" PG_CONFIG="$PG_CONFIG" with_llvm=no PG_CFLAGS="$cflags" \
		>"$root/build.log" 2>&1; then
		cat "$root/build.log"
		echo "building pgmq failed" >&2
		return 1
	fi
	EXTVERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$root/ext/pgmq.control")

	private_link
	cp "$root/ext/pgmq.so" "$PRIV_LIB/"
	cp "$root/ext/pgmq.control" "$root/ext/pgmq--$EXTVERSION.sql" "$PRIV_SHARE/extension/"
	# frozen install scripts of earlier releases and the upgrade scripts
	cp "$root"/ext/sql/pgmq--*.sql "$PRIV_SHARE/extension/"
	[ ! -f "$root/ext/sql/pgmq_adopt_upstream.sql" ] || cp "$root/ext/sql/pgmq_adopt_upstream.sql" "$PRIV_SHARE/extension/"
	private_own "$root"
}

# The private copy of the system's installation, without pgmq's files.
private_link() {
	local pg_libdir pg_sharedir f
	pg_libdir=$($PG_CONFIG --pkglibdir)
	pg_sharedir=$($PG_CONFIG --sharedir)
	mkdir -p "$PRIV_BIN" "$PRIV_LIB" "$PRIV_SHARE/extension"
	for f in "$PG_BINDIR"/*; do
		case $(basename "$f") in
		postgres | initdb | pg_ctl) cp "$f" "$PRIV_BIN/" ;;
		*) ln -s "$f" "$PRIV_BIN/" ;;
		esac
	done
	for f in "$pg_libdir"/*; do
		[ "$(basename "$f")" = pgmq.so ] || ln -s "$f" "$PRIV_LIB/"
	done
	for f in "$pg_sharedir"/*; do
		[ "$(basename "$f")" = extension ] || ln -s "$f" "$PRIV_SHARE/"
	done
	for f in "$pg_sharedir"/extension/*; do
		case $(basename "$f") in pgmq.control | pgmq--* | pgmq_adopt_upstream.sql) ;; *) ln -s "$f" "$PRIV_SHARE/extension/" ;; esac
	done
}

private_own() { # root
	if [ "$(id -u)" = 0 ]; then
		chown -R "$PG_OS_USER" "$1"
	fi
	chmod 755 "$1"
}

# A private installation whose pgmq files are those of TREE, a root
# directory with pgmq installed in it (a Debian package unpacked with
# dpkg-deb -x, say): pgmq.so and the pgmq files of its extension directory.
# ROOT/ext gets TREE's control file, for private_use.
private_install_tree() { # root tree
	local root=$1 tree=$2 f
	PRIV_BIN=$root$PG_BINDIR
	PRIV_LIB=$root$($PG_CONFIG --pkglibdir)
	PRIV_SHARE=$root$($PG_CONFIG --sharedir)
	rm -rf "$root/ext" "$root/usr"
	mkdir -p "$root/ext"
	private_link
	cp "$tree$($PG_CONFIG --pkglibdir)/pgmq.so" "$PRIV_LIB/"
	for f in "$tree$($PG_CONFIG --sharedir)"/extension/pgmq*; do
		cp "$f" "$PRIV_SHARE/extension/"
	done
	cp "$PRIV_SHARE/extension/pgmq.control" "$root/ext/"
	EXTVERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$root/ext/pgmq.control")
	private_own "$root"
}

# Uses a private installation made earlier (by `make test-build`, say).
private_use() { # root
	local root=$1
	PRIV_BIN=$root$PG_BINDIR
	PRIV_LIB=$root$($PG_CONFIG --pkglibdir)
	PRIV_SHARE=$root$($PG_CONFIG --sharedir)
	EXTVERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$root/ext/pgmq.control")
	if [ ! -x "$PRIV_BIN/postgres" ] || [ ! -f "$PRIV_LIB/pgmq.so" ]; then
		echo "no private installation in $root (run make test-build)" >&2
		return 1
	fi
}

# Server binaries from the private copy.
pg_server() { # tool args...
	local tool=$1
	shift
	as_pg "$PRIV_BIN/$tool" "$@"
}
