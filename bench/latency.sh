#!/usr/bin/env bash
# Delivery latency: from a send's commit to the return of a consumer waiting
# in read_with_poll. Three set-ups, measured in one run on one throwaway
# server:
#   preload   pgmq in shared_preload_libraries: woken at commit
#   no-preload  pgmq loaded on demand: read_with_poll re-checks every 100 ms
#   upstream  pgmq 1.13's PL/pgSQL loop: read, pg_sleep(0.1), read again
#
# A producer procedure sends one message every 20-30 ms, stamping it with
# clock_timestamp() just before its COMMIT; a consumer procedure waits in
# the poll function, and stores clock_timestamp() - stamp for each message.
# Prints p50 / p99 / max in milliseconds per set-up.
#
# Like run.sh, the server runs the extension built from this tree (release
# flags) in a private copy of the PostgreSQL installation (bench/lib.sh),
# not the system-wide pgmq.so; BENCH_REF=<commit> builds that commit.
#
#   bench/latency.sh [samples]      (default 400; BENCH_PORT: the port)
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

SAMPLES=${1:-400}
WORK=$(mktemp -d /tmp/pgmq-latency.XXXXXX)
. "$(dirname "$0")/lib.sh"
trap 'bench_server_stop immediate; rm -rf "$WORK"' EXIT

bench_install >/dev/null
bench_server_start <<CONF
shared_preload_libraries = 'pgmq'
CONF

psql_() { bench_psql postgres "$@"; }

server() { # preload|no-preload: restart with or without the preload
	sed -i '/^shared_preload_libraries/d' "$BENCH_DATA/postgresql.conf"
	[ "$1" = preload ] && echo "shared_preload_libraries = 'pgmq'" >>"$BENCH_DATA/postgresql.conf"
	bench_server_restart
}

psql_ >/dev/null <<'SQL'
CREATE EXTENSION pgmq;
SELECT pgmq.create('lat');
CREATE TABLE latency (setup text, ms float8);

-- pgmq 1.13's read_with_poll, for the upstream column: read, sleep, repeat.
CREATE FUNCTION upstream_read_with_poll(queue_name text, vt int, qty int,
                                        max_poll_seconds int, poll_interval_ms int)
RETURNS SETOF pgmq.message_record LANGUAGE plpgsql AS $$
DECLARE
    r pgmq.message_record;
    stop_at timestamptz := clock_timestamp() + make_interval(secs => max_poll_seconds);
BEGIN
    LOOP
        IF clock_timestamp() >= stop_at THEN RETURN; END IF;
        FOR r IN SELECT * FROM pgmq.read(queue_name, vt, qty) LOOP
            RETURN NEXT r;
        END LOOP;
        IF FOUND THEN RETURN; END IF;
        PERFORM pg_sleep(poll_interval_ms / 1000.0);
    END LOOP;
END $$;

CREATE PROCEDURE producer(n int) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.5);
    FOR i IN 1..n LOOP
        PERFORM pgmq.send('lat', jsonb_build_object('t', extract(epoch FROM clock_timestamp())));
        COMMIT;
        PERFORM pg_sleep(0.02 + random() * 0.01);
    END LOOP;
END $$;

CREATE PROCEDURE consumer(setup text, n int, fn text) LANGUAGE plpgsql AS $$
DECLARE
    r pgmq.message_record;
BEGIN
    FOR i IN 1..n LOOP
        EXECUTE format('SELECT * FROM %s(''lat'', 30, 1, 10, 100)', fn) INTO r;
        INSERT INTO latency VALUES (setup,
            (extract(epoch FROM clock_timestamp()) - (r.message->>'t')::float8) * 1000);
        PERFORM pgmq.delete('lat', r.msg_id);
        COMMIT;
    END LOOP;
END $$;
SQL

run() { # setup poll-function
	psql_ -c "SELECT pgmq.purge_queue('lat')" >/dev/null
	psql_ -c "CALL consumer('$1', $SAMPLES, '$2')" &
	local consumer=$!
	psql_ -c "CALL producer($SAMPLES)"
	wait $consumer
}

echo "measuring $SAMPLES deliveries per set-up..."
run preload pgmq.read_with_poll
run upstream upstream_read_with_poll
server no-preload
run no-preload pgmq.read_with_poll

RESULTS=$REPO_ROOT/bench/results/latency-$(date +%Y-%m-%d_%H%M%S).txt
mkdir -p "$(dirname "$RESULTS")"
{
echo "pgmq delivery latency (send commit -> read_with_poll return), $(date)"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: $(psql_ -Atc 'SELECT version()'); pgmq $EXTVERSION${BENCH_REF:+ ($BENCH_REF $(git -C "$REPO_ROOT" rev-parse --short "$BENCH_REF"))}"
echo "$SAMPLES samples per set-up; poll_interval_ms 100"
psql_ -c "
SELECT setup,
       count(*) AS samples,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p50_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p99_ms,
       round(max(ms)::numeric, 2) AS max_ms
  FROM latency GROUP BY setup
 ORDER BY array_position(ARRAY['preload', 'no-preload', 'upstream'], setup);"
} | tee "$RESULTS"
echo "written to ${RESULTS#"$REPO_ROOT"/}"
