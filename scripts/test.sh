#!/usr/bin/env bash
# Runs every test suite of pgmq against the private installation that
# `make test-build` made in build/test (scripts/prefix.sh) and ends with the
# line "N passed, N failed". Nothing of the host's PostgreSQL installation
# is used but its programs and other extensions, and nothing of it changes.
#
#   test.sh [suite...]     suites: build regress isolation tap client package
#                          examples chaos fuzz, failover and sqlsmith
#                          (default: all but failover and sqlsmith, which
#                          make chaos runs; chaos runs CHAOS_SECONDS,
#                          default 120, fuzz FUZZ_SECONDS, default 60;
#                          sqlsmith SQLSMITH_QUERIES, default 10000)
#
# PGMQ_TAP_ONLY=<name without .pl> runs one TAP test (PGMQ_REGRESS_ONLY and
# PGMQ_ISOLATION_ONLY likewise for one regression test or spec); PGMQ_MODEL_STEPS sets
# the length of t/006_low_water_model.pl.
#
# Every run ends by checking that the host's PostgreSQL installation
# (/usr/lib/postgresql/15, /usr/share/postgresql/15) is byte for byte as it
# was (scripts/hostsum.sh); `make test` takes the "before" before building.
#
# Suites run in a scratch copy under /tmp owned by the PostgreSQL OS user,
# each on a temporary server of its own (pg_regress --temp-instance, or the
# TAP framework's nodes), listening on a Unix socket or loopback only.
set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/prefix.sh"
. "$(dirname "$0")/checks.sh"

# The C formatting check fails the build suite only once the tree has been
# formatted (make format); until then its result is printed only.
FORMAT_ENFORCED=1

PRIV_ROOT=${PGMQ_PREFIX:-$REPO_ROOT/build/test}
private_use "$PRIV_ROOT" || exit 2

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(build regress isolation tap client package examples chaos fuzz)

WORK=$(mktemp -d /tmp/pgmq-test.XXXXXX)
chmod 755 "$WORK"
# The host's PostgreSQL installation as it was before testing: taken by
# `make test` before it builds, else here.
HOST_BEFORE=${PGMQ_HOST_BEFORE:-$WORK/host-before.txt}
[ -n "${PGMQ_HOST_BEFORE:-}" ] || "$REPO_ROOT/scripts/hostsum.sh" >"$HOST_BEFORE"
cp -r "$REPO_ROOT/extension/test" "$WORK/test"
cp -r "$REPO_ROOT/client" "$WORK/client"
rm -rf "$WORK/client/build"
[ "$(id -u)" = 0 ] && chown -R "$PG_OS_USER" "$WORK"

passed=0
failed=0
failures=()

# Adds the outcome of one test to the totals.
record() { # name ok|fail
	if [ "$2" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$1")
	fi
}

# Counts the per-test lines pg_regress and pg_isolation_regress print.
record_pg_regress() { # suite logfile
	local line name
	while IFS= read -r line; do
		name=$(sed -E 's/^(test)? *([^ ]+) +\.\.\..*/\2/' <<<"$line")
		case "$line" in
		*"... ok"*) record "$1/$name" ok ;;
		*"... FAILED"* | *"... failed"*) record "$1/$name" fail ;;
		esac
	done < <(grep -E '\.\.\. (ok|FAILED|failed)' "$2")
}

run_pg_regress() { # suite driver inputfile-dir tests...
	local suite=$1 driver=$2 kind=$3
	shift 3
	local out=$WORK/out_$suite
	mkdir -p "$out" && chown "$PG_OS_USER" "$out" 2>/dev/null
	echo "== $suite: $*"
	as_pg "$driver" \
		--temp-instance="$WORK/tmp_$suite" \
		--temp-config="$WORK/test/postgresql.conf" \
		--inputdir="$WORK/test" \
		--outputdir="$out" \
		--bindir="$PRIV_BIN" \
		--dbname=pgmq_$suite \
		"$@" >"$out/run.log" 2>&1
	cat "$out/run.log"
	record_pg_regress "$suite" "$out/run.log"
	if [ -s "$out/regression.diffs" ]; then
		echo "-- $out/regression.diffs:"
		cat "$out/regression.diffs"
	fi
	if ! grep -qE '\.\.\. (ok|FAILED|failed)' "$out/run.log"; then
		record "$suite/(driver)" fail
	fi
	# No server process crashed or hit an assertion while the suite ran.
	if [ -f "$out/log/postmaster.log" ]; then
		if grep -qE 'terminated by signal|^TRAP:|PANIC:' "$out/log/postmaster.log"; then
			grep -E 'terminated by signal|^TRAP:|PANIC:' "$out/log/postmaster.log" | head -5
			record "$suite/server-log" fail
		else
			record "$suite/server-log" ok
		fi
	fi
	# A test the driver did not report, or one without an expected output,
	# is a failure too (a renamed file must not silently drop out).
	local t
	for t in "$@"; do
		case "$t" in --*) continue ;; esac
		[ -e "$WORK/test/expected/$t.out" ] || record "$suite/$t (no expected output)" fail
		grep -qE "^(test)? *$t +\.\.\." "$out/run.log" || record "$suite/$t (not reported)" fail
	done
}

# Checks on the build (scripts/checks.sh), each with its test on a broken
# copy (scripts/test-checks.sh): the exact set of exported symbols, the
# extension created from the private installation, and the C formatting.
suite_build() {
	local out line data=$WORK/build_pg/data port=54329
	echo "== build"
	if out=$(check_exports "$PRIV_LIB/pgmq.so" "$PRIV_SHARE/extension/pgmq--$EXTVERSION.sql" \
		"$PRIV_ROOT/ext/src"); then
		record build/exported-symbols ok
	else
		record build/exported-symbols fail
	fi
	echo "$out"

	mkdir -p "$WORK/build_pg"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$WORK/build_pg"
	if ! out=$(pg_server initdb -D "$data" -U postgres --auth=trust -N 2>&1); then
		echo "$out"
		record build/install fail
	elif out=$(check_install "$PRIV_ROOT" "$data" "$port"); then
		record build/install ok
		echo "$out"
	else
		record build/install fail
		echo "$out"
	fi

	if out=$(check_format $(format_files)); then
		record build/format ok
		echo "format: $(format_files | wc -l) files as clang-format leaves them"
	elif [ "$FORMAT_ENFORCED" = 1 ]; then
		record build/format fail
		echo "$out"
	else
		echo "format: $(grep -c '^not formatted' <<<"$out") of $(format_files | wc -l) files" \
			"not formatted (not enforced yet: FORMAT_ENFORCED=0 in scripts/test.sh)"
	fi

	[ "$(id -u)" = 0 ] && chown -R "$PG_OS_USER" "$WORK/build_pg"
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok "*)
			line=${line#ok }
			record "build/check-test/${line%% *}" ok
			;;
		"not ok "*)
			line=${line#not ok }
			record "build/check-test/${line%% *}" fail
			;;
		esac
	done < <(as_pg "$REPO_ROOT/scripts/test-checks.sh" "$PRIV_ROOT" "$WORK/build_pg" "$data" "$port" 2>&1)
}

suite_regress() {
	local tests
	tests=$(cd "$WORK/test/sql" && ls ${PGMQ_REGRESS_ONLY:-*}.sql | sed 's/\.sql$//' | sort)
	# every regression test needs the extension 00_setup creates
	[ -z "${PGMQ_REGRESS_ONLY:-}" ] || tests=$(printf '00_setup\n%s\n' "$tests" | sort -u)
	run_pg_regress regress "$PGXS_DIR/src/test/regress/pg_regress" sql $tests
}

suite_isolation() {
	local tests
	tests=$(cd "$WORK/test/specs" && ls ${PGMQ_ISOLATION_ONLY:-*}.spec 2>/dev/null | sed 's/\.spec$//' | sort)
	[ -n "$tests" ] || return 0
	run_pg_regress isolation "$PGXS_DIR/src/test/isolation/pg_isolation_regress" specs $tests
}

suite_tap() {
	local t
	echo "== tap"
	for t in "$WORK"/test/t/${PGMQ_TAP_ONLY:-*}.pl; do
		[ -e "$t" ] || continue
		if (cd "$WORK/test" && as_pg env TESTDIR="$WORK/test" PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
			PGMQ_TEST_CONF="$WORK/test/postgresql.conf" PGMQ_MODEL_STEPS="${PGMQ_MODEL_STEPS:-}" \
			prove -I "$PGXS_DIR/src/test/perl" -v "t/$(basename "$t")"); then
			record "tap/$(basename "$t")" ok
		else
			record "tap/$(basename "$t")" fail
		fi
	done
}

# The crash-chaos run (extension/test/chaos): prints the counts of faults,
# acknowledgements, deliveries and anomalies.
suite_chaos() {
	echo "== chaos (${CHAOS_SECONDS:-120} s)"
	if (cd "$WORK/test" && as_pg env TESTDIR="$WORK/test" PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
		CHAOS_SECONDS="${CHAOS_SECONDS:-120}" ${CHAOS_SEED:+CHAOS_SEED="$CHAOS_SEED"} \
		prove -I "$PGXS_DIR/src/test/perl" -I "$WORK/test/chaos" -v chaos/chaos.pl); then
		record chaos/chaos.pl ok
	else
		record chaos/chaos.pl fail
	fi
}

# The API fuzzer (extension/test/fuzz): random calls, transactions,
# cancels and terminations, then the ledger and registry checks.
suite_fuzz() {
	echo "== fuzz (${FUZZ_SECONDS:-60} s)"
	if (cd "$WORK/test" && as_pg env TESTDIR="$WORK/test" PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
		FUZZ_SECONDS="${FUZZ_SECONDS:-60}" ${FUZZ_SEED:+FUZZ_SEED="$FUZZ_SEED"} \
		prove -I "$PGXS_DIR/src/test/perl" -v fuzz/fuzz.pl); then
		record fuzz/fuzz.pl ok
	else
		record fuzz/fuzz.pl fail
	fi
}

# Failover under pg_auto_failover (extension/test/chaos/failover.pl).
suite_failover() {
	echo "== failover"
	if (cd "$WORK/test" && as_pg env TESTDIR="$WORK/test" PGMQ_BINDIR="$PRIV_BIN" \
		prove -v chaos/failover.pl); then
		record chaos/failover.pl ok
	else
		record chaos/failover.pl fail
	fi
}

# SQLsmith against a database with queues (extension/test/fuzz/sqlsmith.pl).
suite_sqlsmith() {
	echo "== sqlsmith (${SQLSMITH_QUERIES:-10000} queries)"
	if (cd "$WORK/test" && as_pg env TESTDIR="$WORK/test" PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
		SQLSMITH_QUERIES="${SQLSMITH_QUERIES:-10000}" ${SQLSMITH_SEED:+SQLSMITH_SEED="$SQLSMITH_SEED"} \
		prove -I "$PGXS_DIR/src/test/perl" -v fuzz/sqlsmith.pl); then
		record fuzz/sqlsmith.pl ok
	else
		record fuzz/sqlsmith.pl fail
	fi
}

suite_client() {
	local t
	echo "== client"
	for t in "$WORK"/client/test/*.sh; do
		[ -e "$t" ] || continue
		if PGMQ_WORK="$WORK" PGMQ_BINDIR="$PRIV_BIN" PGMQ_EXAMPLES="$REPO_ROOT/examples" bash "$t"; then
			record "client/$(basename "$t")" ok
		else
			record "client/$(basename "$t")" fail
		fi
	done
}

# The Debian package (scripts/deb.sh, as make deb) and META.json: the
# package is built into the scratch directory, its control fields and
# contents checked, lintian run on it, and it is unpacked with dpkg-deb -x
# into a private copy of the PostgreSQL installation (private_install_tree),
# where check_install creates the extension from the packaged files. It is
# never installed with dpkg: the host's installation stays as it is.
suite_package() {
	local out deb x=$WORK/pkg_x root=$WORK/pkg_root data=$WORK/pkg_pg/data port=54339
	local pkg=postgresql-$PG_MAJOR-pgmq-c ver want_files f bad
	echo "== package"
	ver=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$REPO_ROOT/extension/pgmq.control")
	if out=$("$REPO_ROOT/scripts/check-meta.sh" 2>&1); then
		record package/meta-json ok
	else
		record package/meta-json fail
	fi
	echo "$out"

	if ! out=$("$REPO_ROOT/scripts/deb.sh" "$WORK/pkg" 2>&1) || ! deb=$(tail -1 <<<"$out") || [ ! -f "$deb" ]; then
		echo "$out"
		record package/build fail
		return
	fi
	record package/build ok
	echo "built $(basename "$deb")"

	# The control file.
	bad=
	[ "$(dpkg-deb -f "$deb" Package)" = "$pkg" ] || bad+=" Package"
	[ "$(dpkg-deb -f "$deb" Version)" = "$ver-1" ] || bad+=" Version"
	[ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ] || bad+=" Architecture"
	grep -Eq "(^|, )postgresql-$PG_MAJOR(,|$| )" <<<"$(dpkg-deb -f "$deb" Depends)" || bad+=" Depends"
	grep -q "postgresql-$PG_MAJOR-pgmq" <<<"$(dpkg-deb -f "$deb" Conflicts)" || bad+=" Conflicts"
	[ -n "$(dpkg-deb -f "$deb" Maintainer)" ] && [ -n "$(dpkg-deb -f "$deb" Description)" ] || bad+=" Maintainer/Description"
	if [ -z "$bad" ]; then
		record package/control ok
		dpkg-deb -f "$deb" Package Version Architecture Depends | sed 's/^/  /'
	else
		record package/control fail
		echo "wrong control fields:$bad"
		dpkg-deb --info "$deb"
	fi

	# The contents: pgmq's files, and nothing outside PostgreSQL 15's
	# directories and the package's documentation.
	out=$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|')
	want_files="$($PG_CONFIG --pkglibdir)/pgmq.so
$($PG_CONFIG --sharedir)/extension/pgmq.control
$($PG_CONFIG --sharedir)/extension/pgmq--$ver.sql
$($PG_CONFIG --sharedir)/extension/pgmq_adopt_upstream.sql
/usr/share/doc/$pkg/copyright
/usr/share/doc/$pkg/changelog.Debian.gz"
	for f in "$REPO_ROOT"/extension/sql/pgmq--*.sql; do
		[ -e "$f" ] && want_files+=$'\n'"$($PG_CONFIG --sharedir)/extension/$(basename "$f")"
	done
	bad=$(comm -23 <(sort <<<"$want_files") <(sort <<<"$out") | sed 's/^/missing: /')
	bad+=$(sed 's|/$||' <<<"$out" | grep -Ev "^(/usr(/lib|/share)?|/usr/share/doc(/$pkg(/[^/]+)?)?|/usr/share/lintian(/overrides(/$pkg)?)?|/usr/lib/postgresql(/$PG_MAJOR(/lib(/pgmq\.so)?)?)?|/usr/share/postgresql(/$PG_MAJOR(/extension(/pgmq[-_.][^/]*)?)?)?)?$" |
		sed 's/^/unexpected: /')
	if [ -z "$bad" ]; then
		record package/contents ok
		echo "contents: $(grep -vc '/$' <<<"$out") files, none outside PostgreSQL $PG_MAJOR's and the package's directories"
	else
		record package/contents fail
		echo "$bad"
	fi

	if command -v lintian >/dev/null 2>&1; then
		if out=$(lintian --fail-on error,warning --tag-display-limit 0 "$deb" 2>&1); then
			record package/lintian ok
			echo "lintian: no errors or warnings"
		else
			record package/lintian fail
			echo "$out"
		fi
	else
		echo "lintian: not installed (scripts/deps.sh installs it), skipped"
	fi

	# Unpacked into a private installation, the extension is created
	# from the packaged files.
	rm -rf "$x" "$root" "$WORK/pkg_pg"
	mkdir -p "$WORK/pkg_pg"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$WORK/pkg_pg"
	if ! dpkg-deb -x "$deb" "$x"; then
		record package/install fail
		return
	fi
	if out=$(private_install_tree "$root" "$x" 2>&1 &&
		pg_server initdb -D "$data" -U postgres --auth=trust -N 2>&1 >/dev/null &&
		check_install "$root" "$data" "$port" 2>&1); then
		record package/install ok
	else
		record package/install fail
	fi
	echo "$out"
}

# The examples in examples/ (examples/run.sh): each one counts, by the
# "ok NAME" / "not ok NAME" lines run.sh prints.
suite_examples() {
	local line seen=0
	echo "== examples"
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok "*)
			record "examples/${line#ok }" ok
			seen=1
			;;
		"not ok "*)
			record "examples/${line#not ok }" fail
			seen=1
			;;
		esac
	done < <(PGMQ_WORK="$WORK" PGMQ_BINDIR="$PRIV_BIN" bash "$REPO_ROOT/examples/run.sh" 2>&1)
	[ "$seen" = 1 ] || record "examples/(runner)" fail
}

for s in "${suites[@]}"; do
	"suite_$s"
done

echo "== host"
if "$REPO_ROOT/scripts/hostsum.sh" --compare "$HOST_BEFORE"; then
	record host/installation-unchanged ok
else
	record host/installation-unchanged fail
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
	echo "(test output kept in $WORK)"
else
	rm -rf "$WORK"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
