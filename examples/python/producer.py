#!/usr/bin/python3
"""Producer: sends jobs to a pgmq queue with psycopg 3 (Debian: python3-psycopg).

    /usr/bin/python3 examples/python/producer.py [--queue jobs] [--count 20]

Connects with libpq's defaults and environment (PGHOST, PGPORT, PGUSER,
PGDATABASE, ...) or the connection string in $PGMQ_DSN. Creates the queue
if it is missing, sends --count jobs in one batch and a few single sends,
and checks that every id came back and the queue holds them all; exits
non-zero otherwise. Some jobs ask the consumer to fail: "fail_times": n
fails the first n deliveries ("fail_times": 99 never succeeds).
"""
import argparse
import os
import sys

import psycopg
from psycopg.types.json import Jsonb


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queue", default="jobs")
    ap.add_argument("--count", type=int, default=20)
    args = ap.parse_args()

    with psycopg.connect(os.environ.get("PGMQ_DSN", ""), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgmq")
        conn.execute("SELECT pgmq.create(%s)", (args.queue,))

        # A batch: one round trip, one transaction; ids in the batch's order.
        jobs = [{"job": i, "fail_times": 0} for i in range(args.count)]
        headers = [{"x-producer": "producer.py"} for _ in jobs]
        rows = conn.execute(
            "SELECT * FROM pgmq.send_batch(queue_name => %s, msgs => %s::jsonb[], headers => %s::jsonb[])",
            (args.queue, [Jsonb(j) for j in jobs], [Jsonb(h) for h in headers]),
        ).fetchall()
        ids = [r[0] for r in rows]

        # Single sends: a job that fails once, one that fails twice, and one
        # that always fails (the consumer archives it after its retries).
        for n, fail_times in enumerate((1, 2, 99)):
            (msg_id,) = conn.execute(
                "SELECT * FROM pgmq.send(queue_name => %s, msg => %s)",
                (args.queue, Jsonb({"job": args.count + n, "fail_times": fail_times})),
            ).fetchone()
            ids.append(msg_id)

        expected = args.count + 3
        if len(ids) != expected or len(set(ids)) != expected or ids != sorted(ids):
            print(f"producer: FAILED: expected {expected} increasing ids, got {ids}", file=sys.stderr)
            return 1
        (length,) = conn.execute(
            "SELECT queue_length FROM pgmq.metrics(%s)", (args.queue,)
        ).fetchone()
        if length < expected:
            print(f"producer: FAILED: queue holds {length}, expected at least {expected}", file=sys.stderr)
            return 1
    print(f"producer: sent {expected} jobs to {args.queue} (ids {ids[0]}..{ids[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
