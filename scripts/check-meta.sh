#!/usr/bin/env bash
# Checks META.json against the PGXN Meta Spec 1.0.0 (https://pgxn.org/spec/):
# the required keys and their types, semantic versions, license names,
# prereqs phases and relations, release_status, and that the files named
# exist; and that its version and the version pgmq provides are
# default_version of extension/pgmq.control. Prints what is wrong and
# fails, or prints one line.
#
#   check-meta.sh [META.json]
set -euo pipefail
. "$(dirname "$0")/common.sh"

meta=${1:-$REPO_ROOT/META.json}
want=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$REPO_ROOT/extension/pgmq.control")

if ! jq -e . "$meta" >/dev/null 2>&1; then
	echo "$meta is not valid JSON"
	exit 1
fi

# Each line jq prints is one violation.
problems=$(jq -r --arg want "$want" '
	def semver: type == "string" and test("^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-?[A-Za-z][0-9A-Za-z-]*)?$");
	def version_range: (type == "number" and . == 0) or (type == "string" and
		(split(",") | map(gsub("^ +| +$"; "")) | all(test("^((==|!=|>=|<=|>|<) *)?[0-9]+\\.[0-9]+\\.[0-9]+(-?[A-Za-z][0-9A-Za-z-]*)?$"))));
	def licenses: ["agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
		"gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit", "mozilla_1_0",
		"mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay", "sun", "zlib",
		"open_source", "restricted", "unrestricted", "unknown"];
	def strings: type == "string" or (type == "array" and length > 0 and all(type == "string"));
	(["name", "abstract", "maintainer", "license", "provides", "version", "meta-spec"][]
		| select(. as $k | $root | has($k) | not) | "missing required key \(.)"),
	(if (.name | type == "string" and test("^[^/\\\\[:space:][:cntrl:]]{2,}$")) then empty
		else "name must be a string of 2 or more characters without /, \\ or whitespace" end),
	(if (.abstract | type == "string" and length > 0) then empty else "abstract must be a non-empty string" end),
	(if (.maintainer | strings) then empty else "maintainer must be a string or a list of strings" end),
	(if (.version | semver) then empty else "version \(.version) is not a semantic version" end),
	(if .version == $want then empty else "version \(.version) is not the control file version \($want)" end),
	(.license | if type == "string" then (if IN(licenses[]) then empty else "unknown license \(.)" end)
		elif type == "array" then (.[] | select(IN(licenses[]) | not) | "unknown license \(.)")
		elif type == "object" then (to_entries[] | select(.value | type != "string") | "license \(.key) needs a URL")
		else "license must be a name, a list of names or an object" end),
	(if .["meta-spec"].version == "1.0.0" then empty else "meta-spec.version must be 1.0.0" end),
	(.provides | if type == "object" and length > 0 then
		(to_entries[] | .key as $e | .value |
			(if (.file | type == "string") then empty else "provides.\($e).file is required" end),
			(if (.version | semver) then empty else "provides.\($e).version is not a semantic version" end))
		else "provides must name at least one extension" end),
	(if .provides.pgmq.version == $want then empty
		else "provides.pgmq.version \(.provides.pgmq.version) is not the control file version \($want)" end),
	(if has("release_status") and (.release_status | IN("stable", "testing", "unstable") | not)
		then "release_status must be stable, testing or unstable" else empty end),
	(if has("prereqs") then .prereqs | to_entries[] | .key as $p |
		(if IN($p; "configure", "build", "test", "runtime", "develop") then empty else "unknown prereqs phase \($p)" end),
		(.value | to_entries[] | .key as $r |
			(if IN($r; "requires", "recommends", "suggests", "conflicts") then empty
				else "unknown prereqs relation \($p).\($r)" end),
			(.value | to_entries[] | select(.value | version_range | not)
				| "prereqs.\($p).\($r).\(.key): bad version \(.value)"))
		else empty end),
	(if has("tags") and (.tags | type != "array" or any(type != "string" or length > 255))
		then "tags must be a list of strings of at most 255 characters" else empty end)
' --argjson root "$(cat "$meta")" "$meta")

# The files it names exist.
while IFS= read -r f; do
	[ -z "$f" ] || [ -e "$REPO_ROOT/$f" ] || problems+=$'\n'"file $f named in META.json does not exist"
done < <(jq -r '.provides[] | .file, (.docfile // empty)' "$meta")
problems=$(sed '/^$/d' <<<"$problems")

if [ -n "$problems" ]; then
	echo "$(basename "$meta") does not follow the PGXN Meta Spec 1.0.0:"
	echo "$problems"
	exit 1
fi
echo "$(basename "$meta"): PGXN Meta Spec 1.0.0, version $want as in pgmq.control"
