# Shared by the benchmark scripts. Sourced, not run; expects
# scripts/common.sh to be sourced first and WORK to be set.
#
# bench_install: builds pgmq from this tree with release flags into a
# private copy of the PostgreSQL installation under $WORK/usr
# (scripts/prefix.sh); the system-wide pgmq.so is never used nor changed.
#
# BENCH_REF=<commit> (e.g. HEAD) builds that commit's extension/ instead
# of the working tree's.
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/prefix.sh"

bench_install() {
	echo "building pgmq (${BENCH_REF:-working tree}, release flags) in $WORK/ext"
	private_install "$WORK" "" "${BENCH_REF:-}"
}
