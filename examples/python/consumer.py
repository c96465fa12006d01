#!/usr/bin/python3
"""Consumer: works a pgmq queue with a visibility timeout, retries and archive.

    /usr/bin/python3 examples/python/consumer.py [--queue jobs] [--vt 1] [--max-attempts 3]

Reads batches with pgmq.read_with_poll, each message hidden from other
consumers for --vt seconds. A job that succeeds is deleted. A job that
fails is left alone: when its visibility timeout runs out it is delivered
again, with read_ct one higher. A job delivered --max-attempts times that
fails again is archived (pgmq.a_<queue> keeps it for inspection: a dead
letter). Stops when the queue is empty, then checks the outcome against
what producer.py sent and exits non-zero if anything is off.

Connects like producer.py (libpq environment or $PGMQ_DSN).
"""
import argparse
import os
import sys
import time

import psycopg
from psycopg import sql


def handle(message: dict, attempt: int) -> None:
    """The work. Raises to fail: a job fails its first fail_times attempts."""
    if attempt <= message.get("fail_times", 0):
        raise RuntimeError(f"job {message['job']} failed on attempt {attempt}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queue", default="jobs")
    ap.add_argument("--vt", type=int, default=1, help="visibility timeout, seconds")
    ap.add_argument("--max-attempts", type=int, default=3)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--give-up-after", type=float, default=120, help="seconds")
    args = ap.parse_args()

    done, archived, failures = {}, {}, 0
    deadline = time.monotonic() + args.give_up_after
    with psycopg.connect(os.environ.get("PGMQ_DSN", ""), autocommit=True) as conn:
        while True:
            if time.monotonic() > deadline:
                print("consumer: FAILED: gave up, queue not drained", file=sys.stderr)
                return 1
            # Waits up to 2 s for a visible message (messages that failed
            # come back once their vt has run out).
            rows = conn.execute(
                "SELECT msg_id, read_ct, message FROM pgmq.read_with_poll("
                " queue_name => %s, vt => %s, qty => %s, max_poll_seconds => 2, poll_interval_ms => 100)",
                (args.queue, args.vt, args.batch),
            ).fetchall()
            if not rows:
                (length,) = conn.execute(
                    "SELECT queue_length FROM pgmq.metrics(%s)", (args.queue,)
                ).fetchone()
                if length == 0:
                    break
                continue  # all in flight: their vt has not run out yet
            for msg_id, read_ct, message in rows:
                try:
                    handle(message, read_ct)
                except RuntimeError as e:
                    failures += 1
                    if read_ct >= args.max_attempts:
                        conn.execute("SELECT pgmq.archive(%s, %s::bigint)", (args.queue, msg_id))
                        archived[message["job"]] = read_ct
                        print(f"consumer: {e}; archived after {read_ct} attempts")
                    else:
                        print(f"consumer: {e}; retried after the visibility timeout")
                    continue
                conn.execute("SELECT pgmq.delete(%s, %s::bigint)", (args.queue, msg_id))
                done[message["job"]] = read_ct

        # The outcome: every job once, in the right place, after the right
        # number of attempts.
        problems = []
        for job, attempts in done.items():
            if job in archived:
                problems.append(f"job {job} both done and archived")
        (archive_table,) = conn.execute(
            "SELECT pgmq.format_table_name(%s, 'a')", (args.queue,)
        ).fetchone()
        arch = conn.execute(
            sql.SQL("SELECT message, read_ct FROM pgmq.{} ORDER BY msg_id").format(
                sql.Identifier(archive_table))
        ).fetchall()
        arch_jobs = {m["job"]: ct for m, ct in arch}
        for job, ct in archived.items():
            if arch_jobs.get(job) != ct or ct != args.max_attempts:
                problems.append(f"job {job}: archived with read_ct {arch_jobs.get(job)}, expected {args.max_attempts}")
        (sent,) = conn.execute(
            "SELECT total_messages FROM pgmq.metrics(%s)", (args.queue,)
        ).fetchone()
        if len(done) + len(archived) != sent:
            problems.append(f"{len(done)} done + {len(archived)} archived != {sent} sent")
        flaky = {j: a for j, a in done.items() if a > 1}
        if not flaky or not archived:
            problems.append("expected some jobs to succeed on a retry and some to be archived")
        if problems:
            for p in problems:
                print("consumer: FAILED:", p, file=sys.stderr)
            return 1
    print(f"consumer: {len(done)} jobs done ({len(flaky)} after retries: {flaky}), "
          f"{len(archived)} archived after {args.max_attempts} attempts, {failures} failed attempts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
