#!/usr/bin/env bash
# Builds the Debian package of the pgmq extension for PostgreSQL 15
# (`make deb`): postgresql-15-pgmq-c_<version>-1_<arch>.deb in OUTDIR
# (default build/), with dpkg-deb. <version> is default_version of
# extension/pgmq.control.
#
#   deb.sh [OUTDIR]
#
# The extension is built from a copy of extension/ in OUTDIR/deb-build and
# installed with DESTDIR into a staging root there, so neither the source
# tree nor the host's PostgreSQL installation changes. The package holds
# pgmq.so, the control file, the install and upgrade scripts,
# pgmq_adopt_upstream.sql, and the copyright, changelogs, README and the
# install and migration guides in /usr/share/doc/postgresql-15-pgmq-c. It conflicts with upstream's
# postgresql-15-pgmq, which installs files of the same names.
set -euo pipefail
. "$(dirname "$0")/common.sh"

OUT=${1:-$REPO_ROOT/build}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PKG=postgresql-$PG_MAJOR-pgmq-c
EXTVERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$REPO_ROOT/extension/pgmq.control")
DEBVERSION=$EXTVERSION-1
ARCH=$(dpkg --print-architecture)
WORK=$OUT/deb-build
ROOT=$WORK/root
DOC=$ROOT/usr/share/doc/$PKG
DEB=$OUT/${PKG}_${DEBVERSION}_$ARCH.deb
# The author of the commit built, unless DEB_MAINTAINER says otherwise.
MAINTAINER=${DEB_MAINTAINER:-$(git -C "$REPO_ROOT" log -1 --format='%an <%ae>' 2>/dev/null || echo "pgmq maintainers <pgmq@example.org>")}
STAMP=$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || date +%s)

rm -rf "$WORK"
mkdir -p "$WORK/src" "$ROOT/DEBIAN" "$DOC"
cp -r "$REPO_ROOT/extension/Makefile" "$REPO_ROOT/extension/pgmq.control" \
	"$REPO_ROOT/extension/src" "$REPO_ROOT/extension/sql" "$WORK/src/"
rm -f "$WORK"/src/src/*.o "$WORK"/src/src/*.bc "$WORK"/src/*.so
# No LLVM bitcode: it would need clang to build and is only used for JIT.
if ! make -s -C "$WORK/src" PG_CONFIG="$PG_CONFIG" with_llvm=no >"$WORK/build.log" 2>&1 ||
	! make -s -C "$WORK/src" PG_CONFIG="$PG_CONFIG" with_llvm=no DESTDIR="$ROOT" install >>"$WORK/build.log" 2>&1; then
	cat "$WORK/build.log"
	echo "building pgmq failed" >&2
	exit 1
fi
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$ROOT$($PG_CONFIG --pkglibdir)/pgmq.so"

# Documentation as Debian policy wants it.
{
	echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	echo "Upstream-Name: pgmq"
	echo "Source: pgmq (this repository)"
	echo
	echo "Files: *"
	echo "Copyright: 2023-$(date -u -d "@$STAMP" +%Y) the pgmq authors"
	echo "License: Apache-2.0"
	echo
	echo "License: Apache-2.0"
	echo " On Debian systems the full text of the Apache License 2.0 is in"
	echo " /usr/share/common-licenses/Apache-2.0."
} >"$DOC/copyright"
{
	echo "$PKG ($DEBVERSION) unstable; urgency=medium"
	echo
	echo "  * pgmq $EXTVERSION (see changelog.gz)."
	echo
	echo " -- $MAINTAINER  $(date -R -u -d "@$STAMP")"
} | gzip -9n >"$DOC/changelog.Debian.gz"
gzip -9nc "$REPO_ROOT/CHANGELOG.md" >"$DOC/changelog.gz"
# A package built here is never uploaded to Debian: no bug to close.
mkdir -p "$ROOT/usr/share/lintian/overrides"
echo "$PKG: initial-upload-closes-no-bugs" >"$ROOT/usr/share/lintian/overrides/$PKG"
cp "$REPO_ROOT/README.md" "$DOC/README.md"
for f in install.md migrating.md; do
	[ ! -f "$REPO_ROOT/docs/$f" ] || cp "$REPO_ROOT/docs/$f" "$DOC/$f"
done

# The C library pgmq.so links to, with the versions it needs.
shlibs=$(cd "$WORK" && mkdir -p debian && printf 'Source: pgmq\n\nPackage: %s\nArchitecture: any\n' "$PKG" >debian/control &&
	dpkg-shlibdeps -O -e"$ROOT$($PG_CONFIG --pkglibdir)/pgmq.so" 2>/dev/null | sed -n 's/^shlibs:Depends=//p') || true
[ -n "$shlibs" ] || shlibs=libc6

size=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat >"$ROOT/DEBIAN/control" <<EOF
Package: $PKG
Version: $DEBVERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $size
Depends: postgresql-$PG_MAJOR, $shlibs
Conflicts: postgresql-$PG_MAJOR-pgmq
Section: database
Priority: optional
Description: lightweight message queue for PostgreSQL $PG_MAJOR, written in C
 pgmq is a message queue inside PostgreSQL, like AWS SQS: queues are
 tables, messages are JSONB, with visibility timeouts, archives, long
 polling, FIFO groups, topic routing and partitioned queues. This build
 is a drop-in replacement for upstream pgmq $(cut -d- -f1 <<<"$EXTVERSION"), written in C.
 .
 After installing, run CREATE EXTENSION pgmq in a database. To switch
 a database from upstream pgmq, see migrating.md in
 /usr/share/doc/$PKG.
EOF

find "$ROOT" -type d -exec chmod 0755 {} +
find "$ROOT" -type f -exec chmod 0644 {} +
(cd "$ROOT" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/control" "$ROOT/DEBIAN/md5sums"

rm -f "$DEB"
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
