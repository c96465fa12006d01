#!/usr/bin/env bash
# A manifest of the host's PostgreSQL installation, to show that testing
# left it as it was: every file, directory and symlink under the given
# directories with its type, mode, owner, link target and the SHA-256 of
# its contents.
#
#   hostsum.sh [DIR...]                  prints the manifest
#   hostsum.sh --compare FILE [DIR...]   fails, listing the differences, if
#                                        the manifest differs from FILE
#
# DIR defaults to /usr/lib/postgresql/15 and /usr/share/postgresql/15.
set -euo pipefail

manifest() { # dir...
	local d
	for d in "$@"; do
		[ -e "$d" ] || { echo "missing $d"; continue; }
		find "$d" -printf '%y %m %u:%g %p -> %l\n' | LC_ALL=C sort
		find "$d" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
	done
}

compare=
if [ "${1:-}" = --compare ]; then
	compare=$2
	shift 2
fi
[ $# -gt 0 ] || set -- /usr/lib/postgresql/15 /usr/share/postgresql/15

if [ -z "$compare" ]; then
	manifest "$@"
	exit 0
fi
if ! changes=$(diff "$compare" <(manifest "$@")); then
	echo "the PostgreSQL installation in $* changed (< before, > now):"
	grep '^[<>]' <<<"$changes" | head -50
	exit 1
fi
echo "unchanged: $*"
