#!/usr/bin/env bash
# Tests of the pgmq command against a throwaway server (server.sh): every
# subcommand, its --json output (parsed), the error paths of the issue (no
# server, wrong password, unknown queue, malformed JSON on stdin, a failing
# handler, SIGTERM during consume), `top` read from a tmux pane, the
# exporter scraped over loopback and parsed as Prometheus text, bench, and
# make install with the examples built against the installed library.
# Run by scripts/test.sh (suite "client"); by hand it makes a scratch
# directory of its own. No check compares a duration with a tight limit.
set -uo pipefail
. "$(dirname "$0")/server.sh"
setup_server cli || exit 1
as_pg createdb -h 127.0.0.1 -p "$PORT" -U postgres nopgmq
psql_c "CREATE SCHEMA partman" && psql_c "CREATE EXTENSION pg_partman SCHEMA partman" ||
	echo "-- cli: pg_partman missing, partitioned queues are not tested"

P=$PGMQ
OUT=$DIR/out
ERR=$DIR/err
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $*"
	echo "#   stdout: $(head -c 600 "$OUT")"
	echo "#   stderr: $(head -c 600 "$ERR")"
}
# run RC DESC CMD...: runs CMD (stdin inherited), expects exit code RC.
run() {
	local want=$1 desc=$2 rc=0
	shift 2
	"$@" >"$OUT" 2>"$ERR" || rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc (exit $rc, wanted $want)"; fi
}
check() { # DESC CONDITION...
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
out_has() { grep -q -- "$1" "$OUT"; }
err_has() { grep -q -- "$1" "$ERR"; }
err_is_error() { head -n 1 "$ERR" | grep -q '^pgmq: error: '; }
json() { python3 -c "import json,sys; d=json.load(open('$OUT')); sys.exit(0 if ($1) else 1)"; }
sql() { psql_c "$1"; }
eq() { [ "$1" = "$2" ] || { echo "#   got '$1', wanted '$2'"; return 1; }; }

echo "-- cli: help and version"
run 0 "--help" "$P" --help
check "--help lists the commands" out_has "consume QUEUE"
run 0 "--version" "$P" --version
check "--version names libpgmq" out_has "libpgmq"
for cmd in create drop purge list detach-archive convert-archive validate-name table-name \
	fifo-index maintenance repair-partitions send read pop delete archive set-vt consume \
	bind unbind bindings send-topic test-routing validate-key validate-pattern \
	notify-enable notify-update notify-disable notify-list grant revoke metrics top \
	exporter bench version policy policy-set policy-clear redrive retention; do
	run 0 "$cmd --help" "$P" "$cmd" --help
	"$P" "$cmd" --version >/dev/null 2>&1 || not_ok "$cmd --version"
done
ok "every command takes --version"
run 2 "no command: usage error" "$P"
check "usage error on stderr" err_is_error
run 2 "unknown command" "$P" frobnicate
run 2 "unknown option" "$P" list --frob
run 2 "missing argument" "$P" create
run 2 "bad number" "$P" read q --qty many

echo "-- cli: connecting"
run 3 "no server: exit 3" "$P" -h 127.0.0.1 -p 1 list
check "no server: pgmq: error: ... on stderr" err_is_error
run 3 "wrong password: exit 3" env PGPASSWORD=wrong "$P" -U pwuser list
check "wrong password: the server's message" err_has "password authentication failed"
run 0 "right password" env PGPASSWORD=right "$P" -U pwuser version
run 3 "database without pgmq: exit 3" "$P" -d nopgmq list
check "database without pgmq: says so" err_has 'extension "pgmq" is not installed'
run 0 "a URI in -d" env -u PGHOST -u PGPORT -u PGDATABASE "$P" -d "postgresql://postgres@127.0.0.1:$PORT/pgmq_client" list
run 0 "a conninfo string in -d" env -u PGHOST -u PGPORT "$P" -d "host=127.0.0.1 port=$PORT dbname=pgmq_client" list
run 0 "-h -p -U options after the command" env -u PGHOST -u PGPORT -u PGUSER "$P" list -h 127.0.0.1 -p "$PORT" -U postgres
run 0 "version" "$P" version --json
check "version --json has the extension version" json "d['extension'].startswith('1.13')"

echo "-- cli: queues"
run 0 "create" "$P" create work
run 0 "create --unlogged" "$P" create fast --unlogged
run 0 "create --non-partitioned" "$P" create np --non-partitioned
if sql "SELECT 1 FROM pg_extension WHERE extname = 'pg_partman'" | grep -q 1; then
	run 0 "create --partitioned" "$P" create parts --partitioned --partition-interval 100 --retention-interval 1000
	run 0 "repair-partitions" "$P" repair-partitions parts
	run 0 "maintenance QUEUE" "$P" maintenance parts
	run 0 "create for convert-archive" "$P" create conv
	run 0 "convert-archive" "$P" convert-archive conv --partition-interval 100 --retention-interval 1000
	run 0 "drop a partitioned queue" "$P" drop parts
fi
run 2 "create: two kinds" "$P" create x --unlogged --partitioned
run 1 "create: bad name" "$P" create "bad name;"
check "create: bad name: error" err_is_error
run 0 "list" "$P" list
check "list shows the queues" out_has "fast"
run 0 "list --json" "$P" list --json
check "list --json parses, fast is unlogged" json "[q['is_unlogged'] for q in d if q['queue_name']=='fast'] == [True]"
run 0 "validate-name" "$P" validate-name good_name
run 1 "validate-name of a bad one" "$P" validate-name ""
run 0 "table-name" "$P" table-name work q
check "table-name gives q_work" eq "$(cat "$OUT")" "q_work"
run 0 "fifo-index" "$P" fifo-index work
run 0 "fifo-index --all" "$P" fifo-index --all
run 0 "maintenance" "$P" maintenance
run 0 "detach-archive" "$P" detach-archive np
run 0 "drop" "$P" drop np
run 4 "drop again: nothing matched, exit 4" "$P" drop np

echo "-- cli: send"
run 0 "send from arguments" "$P" send work '{"a": 1}' '{"a": 2}'
check "send prints the ids" eq "$(tr '\n' ' ' <"$OUT")" "1 2 "
printf '{"f": 1}\n\n{"f": 2}\n{"f": 3}\n' >"$DIR/msgs.jsonl"
run 0 "send --file in batches of 2" "$P" send work --file "$DIR/msgs.jsonl" --batch 2 --json
check "send --file --json gives ids 3..5" json "d == [3, 4, 5]"
run 0 "send from stdin" "$P" send work --headers '{"src": "stdin"}' <<<'{"s": 1}
{"s": 2}'
check "headers stored" eq "$(sql "SELECT count(*) FROM pgmq.q_work WHERE headers = '{\"src\": \"stdin\"}'")" 2
run 0 "send --delay" "$P" send work '{"d": 1}' --delay 3600
run 0 "send --at" "$P" send work '{"d": 2}' --at '2999-01-01 00:00:00+00'
before=$(sql "SELECT count(*) FROM pgmq.q_work")
run 1 "malformed JSON on stdin: exit 1" "$P" send work <<<'{"ok": 1}
{"broken": }
{"ok": 2}'
check "malformed JSON: names the line" err_has "stdin:2: malformed JSON"
check "malformed JSON: nothing was sent" eq "$(sql "SELECT count(*) FROM pgmq.q_work")" "$before"
run 1 "malformed JSON argument" "$P" send work '{"x": tru}'
run 2 "malformed --headers" "$P" send work '{}' --headers '{'
run 1 "send to an unknown queue: exit 1" "$P" send nosuch '{}'
check "unknown queue: pgmq: error: with the SQLSTATE" grep -q '^pgmq: error: .*SQLSTATE 42P01' "$ERR"
run 1 "send --file missing" "$P" send work --file "$DIR/none.jsonl"

echo "-- cli: read, pop, delete, archive, set-vt"
run 0 "read" "$P" read work --qty 2 --vt 30
check "read shows messages 1 and 2" out_has '{"a": 1}'
run 0 "read --json" "$P" read work --qty 1 --vt 30 --json
check "read --json: message 3" json "d[0]['msg_id'] == 3 and d[0]['message'] == {'f': 1} and d[0]['read_ct'] == 1"
run 0 "read --where" "$P" read work --where '{"f": 3}' --json
check "read --where found f=3" json "len(d) == 1 and d[0]['message'] == {'f': 3}"
run 0 "read --poll on an empty queue" "$P" read fast --poll 1 --poll-interval 50 --json
check "nothing read" json "d == []"
run 0 "read --grouped" "$P" read fast --grouped
run 0 "read --grouped-head" "$P" read fast --grouped-head
run 0 "read --grouped-rr --poll" "$P" read fast --grouped-rr --poll 1
run 2 "read --where with --grouped" "$P" read work --where '{}' --grouped
run 1 "read of an unknown queue" "$P" read nosuch
check "read of an unknown queue: error" err_is_error
run 0 "pop" "$P" pop work --json
check "pop took message 4" json "d[0]['msg_id'] == 4"
run 0 "set-vt --vt" "$P" set-vt work 1 2 --vt 0 --json
check "set-vt returned 2 messages" json "len(d) == 2"
run 0 "set-vt --at" "$P" set-vt work 3 --at '2000-01-01 00:00:00+00'
run 4 "set-vt of a missing id: exit 4" "$P" set-vt work 999 --vt 0
run 2 "set-vt without --vt/--at" "$P" set-vt work 1
run 0 "delete" "$P" delete work 1
run 4 "delete again: exit 4" "$P" delete work 1
run 2 "delete of a bad id" "$P" delete work abc
run 0 "archive" "$P" archive work 2 3 --json
check "archive --json lists both" json "d == [2, 3]"
check "archived rows are in a_work" eq "$(sql "SELECT count(*) FROM pgmq.a_work")" 2
run 0 "purge" "$P" purge work
check "purge counted the rest" eq "$(cat "$OUT")" "$((before - 4))"

echo "-- cli: dead-letter queues, redrive, retention"
run 0 "create dl_src" "$P" create dl_src
run 0 "create dl_dlq" "$P" create dl_dlq
run 2 "policy-set without a setting" "$P" policy-set dl_src
check "policy-set without a setting says why" err_has "needs at least one"
run 2 "policy-set with a bad count" "$P" policy-set dl_src --dead-letter dl_dlq --max-deliveries x
run 1 "a queue as its own dead-letter queue" "$P" policy-set dl_src --dead-letter dl_src --max-deliveries 1
check "... is refused with 22023" err_has "22023"
run 1 "policy-set of an unknown queue" "$P" policy-set dl_nosuch --default-vt 5
check "... is 42P01" err_has "42P01"
run 0 "policy-set" "$P" policy-set dl_src --dead-letter dl_dlq --max-deliveries 1 --default-vt 7 \
	--message-retention '7 days'
run 0 "policy QUEUE --json" "$P" policy dl_src --json
check "policy shows the settings" json "len(d) == 1 and d[0]['dead_letter_queue'] == 'dl_dlq' and d[0]['max_deliveries'] == '1' and d[0]['default_vt'] == '7'"
run 0 "policy (all)" "$P" policy
check "policy lists dl_src" out_has "dl_src"
"$P" send dl_src '{"n": 1}' >/dev/null
run 0 "first delivery" "$P" read dl_src --vt 0 --json
check "the first read delivers" json "len(d) == 1"
run 0 "read past max_deliveries" "$P" read dl_src --vt 0 --json
check "the second read delivers nothing" json "len(d) == 0"
check "the message is in the dead-letter queue" eq "$(sql "SELECT count(*) FROM pgmq.q_dl_dlq")" 1
run 0 "redrive --max 0" "$P" redrive dl_dlq --max 0
check "redrive --max 0 moved nothing" eq "$(cat "$OUT")" 0
run 0 "redrive" "$P" redrive dl_dlq --json
check "redrive moved one" json "d == {'moved': 1}"
check "the message is back in dl_src" eq "$(sql "SELECT count(*) FROM pgmq.q_dl_src")" 1
run 1 "redrive of an unknown queue" "$P" redrive dl_nosuch
run 0 "retention" "$P" retention dl_src --batch 100 --json
check "retention gives a list" json "isinstance(d, list)"
run 2 "retention with a bad batch" "$P" retention dl_src --batch 0
run 0 "policy-clear SETTING" "$P" policy-clear dl_src default_vt
check "policy-clear says true" eq "$(cat "$OUT")" true
run 4 "policy-clear of what is not set: exit 4" "$P" policy-clear dl_src default_vt
run 0 "policy-clear" "$P" policy-clear dl_src
run 0 "policy after clearing" "$P" policy dl_src --json
check "no policy left" json "d == []"
"$P" drop dl_src >/dev/null
"$P" drop dl_dlq >/dev/null

echo "-- cli: topics, notifications, roles"
run 0 "bind" "$P" bind 'logs.*' work
run 0 "bind 2" "$P" bind 'logs.#' fast
run 0 "bindings" "$P" bindings
check "bindings lists logs.#" out_has 'logs.#'
run 0 "bindings QUEUE --json" "$P" bindings work --json
check "one binding for work" json "len(d) == 1 and d[0]['pattern'] == 'logs.*'"
run 0 "test-routing" "$P" test-routing logs.error --json
check "logs.error routes to 2 queues" json "len(d) == 2"
run 0 "send-topic" "$P" send-topic logs.error '{"e": 1}' '{"e": 2}'
check "send-topic reached both queues" eq "$(wc -l <"$OUT")" 4
run 0 "send-topic from stdin" "$P" send-topic logs.a.b <<<'{"e": 3}'
check "logs.a.b went to fast only" eq "$(cut -f1 "$OUT")" fast
run 0 "validate-key" "$P" validate-key logs.error
check "valid key" eq "$(cat "$OUT")" true
run 0 "validate-pattern" "$P" validate-pattern 'logs.*.#' --json
check "valid pattern" json "d['valid'] is True"
run 1 "validate-key of a bad key" "$P" validate-key 'bad key!'
run 0 "unbind" "$P" unbind 'logs.*' work
run 4 "unbind again: exit 4" "$P" unbind 'logs.*' work
run 0 "notify-enable" "$P" notify-enable work --throttle 100
run 0 "notify-update" "$P" notify-update work --throttle 300
run 2 "notify-update without --throttle" "$P" notify-update work
run 0 "notify-list" "$P" notify-list --json
check "notify-list shows 300 ms" json "d[0]['throttle_interval_ms'] == '300'"
run 0 "notify-disable" "$P" notify-disable work
sql "CREATE ROLE app_role"
run 0 "grant send" "$P" grant send work app_role
run 0 "grant consume" "$P" grant consume work app_role
run 0 "revoke send" "$P" revoke send work app_role
run 0 "revoke consume" "$P" revoke consume work app_role
run 0 "grant admin" "$P" grant admin app_role
run 0 "revoke admin" "$P" revoke admin app_role
run 1 "grant to an unknown role" "$P" grant send work no_such_role
run 2 "grant of an unknown kind" "$P" grant everything work app_role

echo "-- cli: metrics"
"$P" purge work >/dev/null
"$P" send work '{"m": 1}' '{"m": 2}' '{"m": 3}' >/dev/null
"$P" read work --vt 300 >/dev/null
run 0 "metrics" "$P" metrics
check "metrics table has the queue" out_has "^work "
run 0 "metrics QUEUE --json" "$P" metrics work --json
check "metrics --json: 3 long, 2 visible" json "d[0]['queue_length'] == 3 and d[0]['queue_visible_length'] == 2"
run 0 "metrics --prometheus" "$P" metrics --prometheus
check "prometheus text has pgmq_queue_length" out_has '^pgmq_queue_length{queue_name="work"} 3$'
run 2 "metrics --json --prometheus" "$P" metrics --json --prometheus
run 1 "metrics of an unknown queue" "$P" metrics nosuch

echo "-- cli: consume"
"$P" create jobs >/dev/null
for i in 1 2 3; do echo "{\"job\": $i}"; done | "$P" send jobs >/dev/null
run 0 "consume deletes on exit 0" "$P" consume jobs --exit-when-empty --poll 1 -- \
	sh -c 'cat >>"$0"; echo " id=$PGMQ_MSG_ID ct=$PGMQ_READ_CT q=$PGMQ_QUEUE" >>"$0"' "$DIR/handled.txt"
check "the handler got each message on stdin" eq "$(grep -c '"job"' "$DIR/handled.txt")" 3
check "and PGMQ_MSG_ID, PGMQ_READ_CT" grep -q 'id=1 ct=1 q=jobs' "$DIR/handled.txt"
check "the queue is empty" eq "$(sql "SELECT count(*) FROM pgmq.q_jobs")" 0
check "nothing archived" eq "$(sql "SELECT count(*) FROM pgmq.a_jobs")" 0
"$P" send jobs '{"job": 4}' >/dev/null
run 0 "consume --archive" "$P" consume jobs --archive --max 1 -- true
check "the message was archived" eq "$(sql "SELECT count(*) FROM pgmq.a_jobs")" 1
"$P" send jobs '{"job": 5}' >/dev/null
run 1 "a failing handler: exit 1" "$P" consume jobs --max 1 --vt 1 -- sh -c 'exit 3'
check "the failure is reported" err_has "exited with status 3"
check "the message stays for redelivery" eq "$(sql "SELECT read_ct FROM pgmq.q_jobs")" 1
run 0 "redelivered after the visibility timeout" "$P" consume jobs --max 1 --vt 1 -- \
	sh -c '[ "$PGMQ_READ_CT" = 2 ]'
check "then deleted" eq "$(sql "SELECT count(*) FROM pgmq.q_jobs")" 0
"$P" send jobs '{"job": 6}' >/dev/null
# A handler that runs longer than the visibility timeout: consume extends
# it, so another reader never sees the message while the handler runs.
"$P" consume jobs --max 1 --vt 2 -- sh -c 'touch "$0.start"; sleep 6' "$DIR/long" >"$DIR/long.out" 2>&1 &
cpid=$!
for _ in $(seq 100); do [ -e "$DIR/long.start" ] && break; sleep 0.1; done
seen=0
for _ in 1 2 3 4 5; do
	sleep 1
	c=$("$P" read jobs --vt 0 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	[ "$c" = 0 ] || seen=1
done
wait "$cpid"
check "the visibility timeout was extended while the handler ran" eq "$seen" 0
check "and the message deleted at the end" eq "$(sql "SELECT count(*) FROM pgmq.q_jobs")" 0
# --concurrency 3: three handlers that each wait for the other two.
for i in 1 2 3; do echo "{\"c\": $i}"; done | "$P" send jobs >/dev/null
mkdir -p "$DIR/conc"
run 0 "consume --concurrency 3 runs three at once" "$P" consume jobs --concurrency 3 --max 3 -- \
	sh -c 'touch "$0/$PGMQ_MSG_ID"; i=0; while [ "$(ls "$0" | wc -l)" -lt 3 ]; do i=$((i+1)); [ $i -gt 300 ] && exit 1; sleep 0.1; done' "$DIR/conc"
check "all three done" eq "$(sql "SELECT count(*) FROM pgmq.q_jobs")" 0
# SIGTERM while a handler runs: it finishes, its message is deleted, and
# consume exits 0 without taking the next one.
"$P" send jobs '{"t": 1}' '{"t": 2}' >/dev/null
"$P" consume jobs -- sh -c 'touch "$0.start"; sleep 2; touch "$0.done"' "$DIR/term" >"$DIR/term.out" 2>&1 &
cpid=$!
for _ in $(seq 100); do [ -e "$DIR/term.start" ] && break; sleep 0.1; done
kill -TERM "$cpid"
rc=0
wait "$cpid" || rc=$?
check "SIGTERM during consume: exit 0" eq "$rc" 0
check "the handler in flight finished" test -e "$DIR/term.done"
check "its message was deleted, the other is left" eq "$(sql "SELECT count(*) FROM pgmq.q_jobs")" 1
check "consume said it was stopping" grep -q "stopping" "$DIR/term.out"
# SIGTERM during a long poll: the poll is cancelled.
"$P" purge jobs >/dev/null
"$P" consume jobs --poll 60 -- true >"$DIR/term2.out" 2>&1 &
cpid=$!
sleep 1
kill -TERM "$cpid"
for _ in $(seq 200); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$cpid" 2>/dev/null; then
	not_ok "SIGTERM cancels a 60 s long poll"
	kill -KILL "$cpid"
else
	ok "SIGTERM cancels a 60 s long poll"
fi
wait "$cpid" 2>/dev/null
"$P" send jobs '{"x": 1}' >/dev/null
run 5 "a COMMAND that cannot run: exit 5" "$P" consume jobs -- "$DIR/no-such-command"
check "the message is left" eq "$(sql "SELECT count(*) FROM pgmq.q_jobs")" 1
run 1 "consume of an unknown queue" "$P" consume nosuch -- true
run 2 "consume without COMMAND" "$P" consume jobs

echo "-- cli: top in tmux"
if command -v tmux >/dev/null; then
	sock=$DIR/tmux.sock
	tmux -S "$sock" new-session -d -x 150 -y 40 -s top \
		"env PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGDATABASE=$PGDATABASE $P top; sleep 30"
	"$P" purge work >/dev/null
	screen=
	for _ in $(seq 50); do
		"$P" send work '{"top": 1}' >/dev/null
		sleep 0.2
		screen=$(tmux -S "$sock" capture-pane -p -t top)
		grep -qE '^work +[0-9]+ +[0-9]+ +[0-9]+ +[0-9a-z-]+ +[1-9][0-9.]* ' <<<"$screen" && break
	done
	echo "$screen" | sed -n '1,12p' | sed 's/^/#   /'
	check "top shows its header" grep -q '^pgmq top - ' <<<"$screen"
	check "top shows the columns" grep -q 'QUEUE.*DEPTH.*VISIBLE.*IN_FLIGHT.*OLDEST.*SEND/S.*RECV/S' <<<"$screen"
	check "top shows work with a send rate" grep -qE '^work +[0-9]+ +[0-9]+ +[0-9]+ +[0-9a-z-]+ +[1-9][0-9.]* ' <<<"$screen"
	tmux -S "$sock" send-keys -t top C-c
	sleep 0.5
	tmux -S "$sock" kill-server 2>/dev/null || true
else
	not_ok "tmux missing (scripts/deps.sh installs it)"
fi
run 0 "top --once" "$P" top --once
check "top --once prints the table" out_has "^work "
run 0 "top --once --json" "$P" top --once --json
check "top --once --json parses" json "any(q['queue_name'] == 'work' for q in d)"

echo "-- cli: exporter"
"$P" exporter --listen 127.0.0.1:0 >"$DIR/exp.out" 2>"$DIR/exp.err" &
epid=$!
url=
for _ in $(seq 100); do
	url=$(grep -o 'http://[^ ]*/metrics' "$DIR/exp.err" 2>/dev/null) && [ -n "$url" ] && break
	sleep 0.1
done
if [ -n "$url" ] && curl -sf -D "$DIR/metrics.head" -o "$DIR/metrics.txt" "$url"; then
	ok "exporter served $url"
	check "Content-Type text/plain; version=0.0.4" grep -qi '^Content-Type: text/plain; version=0.0.4' "$DIR/metrics.head"
	if python3 - "$DIR/metrics.txt" <<'PY'; then
import re, sys
# The Prometheus text exposition format, version 0.0.4.
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{(%s(,%s)*)?\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$' % (name, label, label))
types = {}
helps = set()
samples = {}
for line in open(sys.argv[1]).read().split('\n'):
    if line == '':
        continue
    if line.startswith('# HELP '):
        helps.add(line.split(' ')[2]); continue
    if line.startswith('# TYPE '):
        parts = line.split(' ')
        assert len(parts) == 4 and parts[3] in ('counter', 'gauge', 'histogram', 'summary', 'untyped'), line
        assert parts[2] not in types, 'TYPE twice: ' + line
        types[parts[2]] = parts[3]; continue
    assert not line.startswith('#'), line
    m = sample.match(line)
    assert m, 'not a sample: ' + line
    assert m.group(1) in types, 'sample before its TYPE: ' + line
    float(m.group(5))
    samples[(m.group(1), m.group(2) or '')] = float(m.group(5))
assert samples[('pgmq_up', '')] == 1, samples
assert ('pgmq_queue_length', '{queue_name="work"}') in samples
assert ('pgmq_queue_messages_total', '{queue_name="work"}') in samples
assert types['pgmq_queue_messages_total'] == 'counter'
assert all(t in helps for t in types)
print('# %d samples of %d metrics' % (len(samples), len(types)))
PY
		ok "the scrape parses as Prometheus text"
	else
		not_ok "the scrape parses as Prometheus text"
	fi
	check "404 for another path" eq "$(curl -s -o /dev/null -w '%{http_code}' "${url%/metrics}/other")" 404
else
	not_ok "exporter served /metrics"
fi
kill -TERM "$epid" 2>/dev/null
rc=0
wait "$epid" || rc=$?
check "exporter stops on SIGTERM with exit 0" eq "$rc" 0
run 2 "exporter without --listen" "$P" exporter
run 2 "exporter --listen without a port" "$P" exporter --listen 127.0.0.1

echo "-- cli: bench"
run 0 "bench --messages" "$P" bench --messages 500 --producers 2 --consumers 2 --batch 10 --json
check "bench: all 500 sent and received" json "d['sent'] == 500 and d['received'] == 500 and d['errors'] == 0 and d['latency_ms']['p99'] >= d['latency_ms']['p50'] >= 0"
run 0 "bench --plain-libpq" "$P" bench --messages 300 --plain-libpq --json
check "bench --plain-libpq: all 300" json "d['sent'] == 300 and d['received'] == 300 and d['client'] == 'plain-libpq'"
run 0 "bench --duration" "$P" bench --duration 1 --producers 1 --consumers 1
check "bench table shows the latency" out_has "^latency (ms)"
check "bench prints progress" err_has "sent"

echo "-- cli: the command under valgrind"
if command -v valgrind >/dev/null; then
	vg() { # RC DESC CMD...: exit RC, no memory error, no definite or indirect leak
		local want=$1 desc=$2 rc=0
		shift 2
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--error-exitcode=99 --log-file="$DIR/vg.log" "$@" >"$OUT" 2>"$ERR" || rc=$?
		if [ "$rc" = "$want" ] && ! [ -s "$DIR/vg.log" ]; then
			ok "valgrind: $desc"
		else
			not_ok "valgrind: $desc (exit $rc, wanted $want)"
			cat "$DIR/vg.log"
		fi
	}
	"$P" create vgq >/dev/null
	vg 0 "send from stdin" "$P" send vgq --batch 2 <<<'{"a": 1}
{"b": [1, 2, {"c": null}]}
"text"'
	vg 0 "read --json" "$P" read vgq --qty 2 --vt 0 --json
	vg 0 "set-vt" "$P" set-vt vgq 1 --vt 0
	vg 0 "archive" "$P" archive vgq 1
	vg 0 "delete" "$P" delete vgq 2
	vg 0 "metrics --json" "$P" metrics --json
	vg 0 "metrics QUEUE --prometheus" "$P" metrics vgq --prometheus
	vg 0 "list" "$P" list
	vg 0 "top --once" "$P" top --once
	vg 0 "bind" "$P" bind 'v.*' vgq
	vg 0 "send-topic" "$P" send-topic v.x '{}'
	vg 0 "bindings --json" "$P" bindings --json
	vg 0 "test-routing" "$P" test-routing v.x
	vg 0 "unbind" "$P" unbind 'v.*' vgq
	"$P" send vgq '{"x": 1}' '{"x": 2}' >/dev/null
	vg 0 "consume --concurrency 2" "$P" consume vgq --concurrency 2 --exit-when-empty --poll 1 -- true
	vg 0 "bench" "$P" bench --messages 300 --producers 1 --consumers 1 --queue vg_bench
	vg 1 "an unknown queue" "$P" read nosuch
	vg 1 "malformed JSON" "$P" send vgq <<<'{bad'
	vg 3 "no server" "$P" -h 127.0.0.1 -p 1 list
else
	not_ok "valgrind missing (scripts/deps.sh installs it)"
fi

echo "-- cli: make install and the examples"
stage=$DIR/stage
make -s -C "$CLIENT_SRC" B="$BUILD" PREFIX=/usr/local DESTDIR="$stage" CFLAGS="-O1 -g -Werror" install >"$DIR/install.log" 2>&1
for f in usr/local/include/pgmq.h usr/local/lib/libpgmq.a usr/local/lib/libpgmq.so \
	usr/local/lib/libpgmq.so.0 usr/local/lib/pkgconfig/libpgmq.pc usr/local/bin/pgmq; do
	check "DESTDIR install has /$f" test -e "$stage/$f"
done
check "libpgmq.pc names /usr/local" grep -q '^prefix=/usr/local' "$stage/usr/local/lib/pkgconfig/libpgmq.pc"
prefix=$DIR/prefix
make -s -C "$CLIENT_SRC" B="$BUILD" PREFIX="$prefix" CFLAGS="-O1 -g -Werror" install >>"$DIR/install.log" 2>&1
cp -r "${PGMQ_EXAMPLES:-$CLIENT_SRC/../examples}" "$DIR/examples" 2>/dev/null || true
if [ -f "$DIR/examples/Makefile" ]; then
	rm -f "$DIR/examples/producer" "$DIR/examples/consumer"
	run 0 "examples build against the installed library" env PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
		make -C "$DIR/examples" CFLAGS="-O1 -g -Wall -Wextra -Werror"
	check "the producer links the shared libpgmq" sh -c "ldd '$DIR/examples/producer' | grep -q '$prefix/lib/libpgmq.so.0'"
	run 0 "examples/producer" "$DIR/examples/producer" ex 25
	check "producer sent 25" out_has "sent 25 messages"
	run 0 "examples/consumer" "$DIR/examples/consumer" ex 25 1
	check "consumer got 25" eq "$(wc -l <"$OUT")" 25
	check "queue ex is empty" eq "$(sql "SELECT count(*) FROM pgmq.q_ex")" 0
else
	not_ok "examples/ not found next to client/"
fi

echo "1..$n"
echo "-- cli: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
