#!/usr/bin/env bash
# A tour of the pgmq command, run by `make run` after examples/demo.sql:
# a queue, messages from stdin, a read, a consumer running a shell command
# per message, metrics three ways, the live view once and a short bench.
#
#   demo.sh [CONNINFO|URI]     (default: the PG* environment)
set -euo pipefail
PGMQ=${PGMQ_CMD:-pgmq}
conn=()
[ $# -gt 0 ] && conn=(-d "$1")
pgmq() { "$PGMQ" "${conn[@]}" "$@"; }
step() { printf '\n-- %s\n$ pgmq %s\n' "$1" "$2"; }

step "the command and the extension" "version"
pgmq version
pgmq drop cli_demo >/dev/null 2>&1 || true
step "a queue" "create cli_demo"
pgmq create cli_demo
step "five messages from stdin, one JSON per line" "send cli_demo < orders.jsonl"
for i in 1 2 3 4 5; do echo "{\"order\": $i, \"item\": \"widget\"}"; done | pgmq send cli_demo
step "read two, hidden for 30 s" "read cli_demo --qty 2 --vt 30"
pgmq read cli_demo --qty 2 --vt 30
step "the queue now" "metrics cli_demo"
pgmq metrics cli_demo
step "a consumer: one shell command per visible message, deleted when it exits 0" \
	"consume cli_demo --exit-when-empty --poll 1 -- sh -c 'echo handled \$PGMQ_MSG_ID: \$(cat)'"
pgmq consume cli_demo --exit-when-empty --poll 1 -- sh -c 'echo "  handled $PGMQ_MSG_ID (read $PGMQ_READ_CT times): $(cat)"'
step "the two read earlier are still hidden" "top --once"
pgmq top --once
step "for scripts" "metrics cli_demo --json"
pgmq metrics cli_demo --json
step "for Prometheus (pgmq exporter --listen 127.0.0.1:9187 serves this on /metrics)" \
	"metrics --prometheus | grep cli_demo"
pgmq metrics --prometheus | grep cli_demo
step "a short load test: 2 producers, 2 consumers, 5000 messages" "bench --messages 5000"
pgmq bench --messages 5000 --queue cli_demo_bench 2>/dev/null
pgmq drop cli_demo_bench >/dev/null
