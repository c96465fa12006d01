#!/usr/bin/env bash
# Tests of the checks in scripts/checks.sh and scripts/hostsum.sh: each
# check must pass on the real build and fail on a deliberately broken copy
# of it, else it could not catch anything. Run by `scripts/test.sh build`.
#
#   test-checks.sh ROOT WORKDIR DATADIR PORT
#       ROOT: the private installation (build/test); WORKDIR: scratch space
#       owned by the PostgreSQL OS user; DATADIR: a cluster made by initdb,
#       not running; PORT: for its Unix socket in DATADIR's parent.
#
# Prints "ok NAME" or "not ok NAME" per case; exits non-zero if any is not ok.
set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/prefix.sh"
. "$(dirname "$0")/checks.sh"

ROOT=$1
W=$2
DATA=$3
PORT=$4
private_use "$ROOT" || exit 2
SO=$PRIV_LIB/pgmq.so
SQL=$PRIV_SHARE/extension/pgmq--$EXTVERSION.sql
SRC=$ROOT/ext/src
bad=0

# case NAME pass|fail command...: the command must succeed or fail as said.
case_() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$want" = pass ] && [ $rc -eq 0 ]; then
		echo "ok $name"
	elif [ "$want" = fail ] && [ $rc -ne 0 ]; then
		# What the check said, to show it failed for the right reason.
		echo "ok $name (fails: $(head -3 <<<"$out" | paste -sd ' '))"
	else
		echo "not ok $name (expected the check to $want)"
		sed 's/^/    /' <<<"$out"
		bad=1
	fi
}

# A private installation copied from ROOT, to break without touching ROOT.
copy_root() { # dest
	mkdir -p "$1/ext"
	cp -a "$ROOT/usr" "$1/"
	cp "$ROOT/ext/pgmq.control" "$1/ext/"
	[ "$(id -u)" = 0 ] && chown -R "$PG_OS_USER" "$1"
	chmod 755 "$1"
}

# --- exports -------------------------------------------------------------
case_ exports/real-build pass check_exports "$SO" "$SQL" "$SRC"

# One exported function more than the SQL needs.
mkdir -p "$W/exports"
cat >"$W/exports/extra.c" <<'C'
__attribute__((visibility("default"))) int pgmq_not_in_sql(void);
int pgmq_not_in_sql(void) { return 1; }
C
gcc -fPIC -c -o "$W/exports/extra.o" "$W/exports/extra.c" &&
	gcc -shared -o "$W/exports/extra.so" "$SRC"/*.o "$W/exports/extra.o" &&
	gcc -shared -o "$W/exports/relinked.so" "$SRC"/*.o
case_ exports/relinked-objects pass check_exports "$W/exports/relinked.so" "$SQL" "$SRC"
case_ exports/extra-symbol fail check_exports "$W/exports/extra.so" "$SQL" "$SRC"

# The SQL names a symbol the library does not define.
{
	cat "$SQL"
	echo "CREATE FUNCTION pgmq.nope() RETURNS void AS 'MODULE_PATHNAME', 'pgmq_not_defined' LANGUAGE C;"
} >"$W/exports/missing.sql"
case_ exports/missing-symbol fail check_exports "$SO" "$W/exports/missing.sql" "$SRC"

# The tree built without -fvisibility=hidden: every global is exported.
mkdir -p "$W/exports/novis"
cp -r "$ROOT/ext/Makefile" "$ROOT/ext/pgmq.control" "$ROOT/ext/sql" "$ROOT/ext/src" "$W/exports/novis/"
rm -f "$W"/exports/novis/src/*.o "$W"/exports/novis/*.so
sed -i 's/-fvisibility=hidden//' "$W/exports/novis/Makefile"
if make -s -C "$W/exports/novis" PG_CONFIG="$PG_CONFIG" with_llvm=no >"$W/exports/novis.log" 2>&1; then
	case_ exports/no-hidden-visibility fail check_exports "$W/exports/novis/pgmq.so" "$SQL" "$SRC"
else
	echo "not ok exports/no-hidden-visibility (the copy did not build)"
	cat "$W/exports/novis.log"
	bad=1
fi

# --- install -------------------------------------------------------------
case_ install/real-build pass check_install "$ROOT" "$DATA" "$PORT"

# An installation whose control file and script are of another version.
copy_root "$W/stale"
ext=$W/stale${PRIV_SHARE#"$ROOT"}/extension
sed -i "s/^default_version *=.*/default_version = '0.0.1'/" "$ext/pgmq.control"
mv "$ext/pgmq--$EXTVERSION.sql" "$ext/pgmq--0.0.1.sql"
case_ install/stale-version fail check_install "$W/stale" "$DATA" "$PORT"

# An install script with a C function whose symbol does not exist.
copy_root "$W/nosym"
ext=$W/nosym${PRIV_SHARE#"$ROOT"}/extension
echo "CREATE FUNCTION pgmq.nope() RETURNS void AS 'MODULE_PATHNAME', 'pgmq_not_defined' LANGUAGE C;" \
	>>"$ext/pgmq--$EXTVERSION.sql"
case_ install/missing-symbol fail check_install "$W/nosym" "$DATA" "$PORT"

# A control file that sends the server to a library outside the prefix.
copy_root "$W/elsewhere"
ext=$W/elsewhere${PRIV_SHARE#"$ROOT"}/extension
sed -i "s|^module_pathname *=.*|module_pathname = '$SO'|" "$ext/pgmq.control"
case_ install/other-library fail check_install "$W/elsewhere" "$DATA" "$PORT"

# --- format --------------------------------------------------------------
# The tree as `make format` leaves it passes (formatting is stable) ...
mkdir -p "$W/format"
for f in $(format_files); do
	# client/src/pgmq.c and extension/src/pgmq.c: flatten other paths into names
	r=${f#"$REPO_ROOT"/}
	case $r in
	extension/src/*) n=${r#extension/src/} ;;
	*) n=$(tr / _ <<<"$r") ;;
	esac
	cp "$f" "$W/format/$n"
done
"$PGMQ_CLANG_FORMAT" -i --style="file:$REPO_ROOT/.clang-format" "$W"/format/*.[ch]
case_ format/formatted-tree pass check_format "$W"/format/*.[ch]
# ... and one misformatted file in it fails: spaces instead of tabs, a
# brace on the wrong line.
sed -i -e 's/^\t/    /' -e 's/^\(static void\)$/\1 {/' "$W/format/names.c"
case_ format/misformatted-file fail check_format "$W"/format/*.[ch]

# --- host checksum -------------------------------------------------------
mkdir -p "$W/host/dir"
echo one >"$W/host/dir/file"
"$REPO_ROOT/scripts/hostsum.sh" "$W/host/dir" >"$W/host/before"
case_ host/unchanged pass "$REPO_ROOT/scripts/hostsum.sh" --compare "$W/host/before" "$W/host/dir"
echo two >"$W/host/dir/file"
case_ host/changed-file fail "$REPO_ROOT/scripts/hostsum.sh" --compare "$W/host/before" "$W/host/dir"
echo one >"$W/host/dir/file"
touch "$W/host/dir/new.so"
case_ host/added-file fail "$REPO_ROOT/scripts/hostsum.sh" --compare "$W/host/before" "$W/host/dir"

exit $bad
