/*
 * pgmq bench: N producers and M consumers on one queue, each thread on a
 * connection of its own, for a message count or a duration. Prints a
 * progress line each second and a summary: throughput of sends and
 * receives, and the end-to-end latency from the commit of a send (the
 * moment the producer's call returned) to the receipt of the message (the
 * moment a consumer's read returned it), as percentiles.
 *
 * --plain-libpq runs the same statements through libpq directly (text
 * parameters, PQexecParams) instead of libpgmq, for comparison.
 */
#include "cli.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *bqueue = "pgmq_bench";
static int		   nprod = 2, ncons = 2, batch = 10, size = 64, plain;
static long		   target = 10000, cap;
static double	   duration, t_start, rate;
static double	  *sent_at, *recv_at;

static volatile int	   producers_done, consumers_stop;
static long			   claimed, sent_ct, recv_ct, errors;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char			   last_error[512];

static double
mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
note_error(const char *msg)
{
	pthread_mutex_lock(&lock);
	errors++;
	snprintf(last_error, sizeof last_error, "%s", msg);
	pthread_mutex_unlock(&lock);
}

/* Claims up to batch messages to send; 0 when done. */
static int
claim(void)
{
	int n = 0;

	pthread_mutex_lock(&lock);
	if (duration > 0)
	{
		if (mono() - t_start < duration && claimed + batch <= cap)
			n = batch;
	}
	else if (claimed < target)
		n = target - claimed < batch ? (int) (target - claimed) : batch;
	{
		double due = rate > 0 ? t_start + claimed / rate : 0;
		claimed += n;
		pthread_mutex_unlock(&lock);
		/* --rate: this batch's turn comes at due */
		while (n > 0 && rate > 0 && mono() < due)
		{
			double			w = due - mono();
			struct timespec ts = {(time_t) w, (long) ((w - (time_t) w) * 1e9)};
			nanosleep(&ts, NULL);
		}
	}
	return n;
}

static void
record(double *arr, int64_t id)
{
	if (id >= 1 && id <= cap)
		__atomic_store_n((int64_t *) &arr[id - 1], *(int64_t *) &(double){mono()}, __ATOMIC_RELAXED);
}

static char *payload;

/* The jsonb[] array literal of n payloads, as an application using libpq
 * directly would build it. */
static char *
array_literal(int n)
{
	size_t		len = (strlen(payload) * 2 + 3) * (size_t) n + 3;
	char	   *lit = malloc(len), *p = lit;
	const char *q;
	int			i;

	*p++ = '{';
	for (i = 0; i < n; i++)
	{
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (q = payload; *q; q++)
		{
			if (*q == '"' || *q == '\\')
				*p++ = '\\';
			*p++ = *q;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return lit;
}

static void *
producer(void *arg)
{
	pgmq_client *c = arg;
	const char **msgs = malloc(batch * sizeof *msgs);
	int			 i, n;

	for (i = 0; i < batch; i++)
		msgs[i] = payload;
	while ((n = claim()) > 0)
	{
		if (plain)
		{
			char	   *lit = array_literal(n);
			const char *params[3] = {bqueue, lit, "0"};
			PGresult   *r = PQexecParams(pgmq_conn(c),
										 "SELECT * FROM pgmq.send_batch($1, $2::jsonb[], $3::integer)",
										 3, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(r) == PGRES_TUPLES_OK)
			{
				for (i = 0; i < PQntuples(r); i++)
					record(sent_at, strtoll(PQgetvalue(r, i, 0), NULL, 10));
				pthread_mutex_lock(&lock);
				sent_ct += PQntuples(r);
				pthread_mutex_unlock(&lock);
			}
			else
				note_error(PQerrorMessage(pgmq_conn(c)));
			PQclear(r);
			free(lit);
		}
		else
		{
			pgmq_ids ids;
			if (pgmq_send_batch(c, bqueue, msgs, NULL, n, 0, &ids) == 0)
			{
				for (i = 0; i < (int) ids.count; i++)
					record(sent_at, ids.ids[i]);
				pthread_mutex_lock(&lock);
				sent_ct += ids.count;
				pthread_mutex_unlock(&lock);
				pgmq_ids_free(&ids);
			}
			else
				note_error(pgmq_errmsg(c));
		}
	}
	free(msgs);
	return NULL;
}

static void *
consumer(void *arg)
{
	pgmq_client *c = arg;
	int			 qty = batch * 2 < 100 ? batch * 2 : 100;
	int64_t		*ids = malloc(qty * sizeof *ids);
	char		 qtys[16];

	snprintf(qtys, sizeof qtys, "%d", qty);
	while (!consumers_stop)
	{
		int n = 0, i;
		if (plain)
		{
			const char *p[3] = {bqueue, "30", qtys};
			PGresult   *r = PQexecParams(pgmq_conn(c),
										 "SELECT msg_id, read_ct, enqueued_at, last_read_at, vt, "
										   "message, headers FROM pgmq.read_with_poll($1, "
										   "$2::integer, $3::integer, 1, 10)",
										 3, NULL, p, NULL, NULL, 0);
			if (PQresultStatus(r) == PGRES_TUPLES_OK)
			{
				n = PQntuples(r);
				for (i = 0; i < n; i++)
				{
					ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
					record(recv_at, ids[i]);
				}
			}
			else
				note_error(PQerrorMessage(pgmq_conn(c)));
			PQclear(r);
			if (n > 0)
			{
				char	   *a = malloc(n * 21 + 3), *q = a;
				const char *pp[2];
				*q++ = '{';
				for (i = 0; i < n; i++)
					q += sprintf(q, "%s%" PRId64, i ? "," : "", ids[i]);
				*q++ = '}';
				*q = '\0';
				pp[0] = bqueue;
				pp[1] = a;
				r = PQexecParams(pgmq_conn(c), "SELECT * FROM pgmq.delete($1, $2::bigint[])", 2,
								 NULL, pp, NULL, NULL, 0);
				if (PQresultStatus(r) != PGRES_TUPLES_OK)
					note_error(PQerrorMessage(pgmq_conn(c)));
				PQclear(r);
				free(a);
			}
		}
		else
		{
			pgmq_messages m;
			if (pgmq_read_with_poll(c, bqueue, 30, qty, 1, 10, &m) == 0)
			{
				n = (int) m.count;
				for (i = 0; i < n; i++)
				{
					ids[i] = m.items[i].msg_id;
					record(recv_at, ids[i]);
				}
				pgmq_messages_free(&m);
				if (n > 0 && pgmq_delete_batch(c, bqueue, ids, n, NULL) < 0)
					note_error(pgmq_errmsg(c));
			}
			else
				note_error(pgmq_errmsg(c));
		}
		if (n > 0)
		{
			pthread_mutex_lock(&lock);
			recv_ct += n;
			pthread_mutex_unlock(&lock);
		}
	}
	free(ids);
	return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static void
quiet(void *arg, const char *severity, const char *message)
{
	(void) arg;
	(void) severity;
	(void) message;
}

int
cmd_bench(const cli *o)
{
	pgmq_client *admin, **pc, **cc;
	pthread_t	*pt, *ct;
	int			 i, dropped;
	double		 t_end_send = 0, t_end, last_print = 0, *lat;
	long		 nlat = 0, neg = 0, id;
	int			 tty = isatty(2);

	if (LO.producers)
		nprod = (int) parse_long("--producers", LO.producers, 0, 256);
	if (LO.consumers)
		ncons = (int) parse_long("--consumers", LO.consumers, 0, 256);
	if (LO.messages && LO.duration)
		die_usage("--messages and --duration exclude each other");
	if (LO.messages)
		target = parse_long("--messages", LO.messages, 1, 100000000L);
	if (LO.duration)
		duration = (double) parse_long("--duration", LO.duration, 1, 86400);
	if (LO.batch)
		batch = (int) parse_long("--batch", LO.batch, 1, 10000);
	if (LO.size)
		size = (int) parse_long("--size", LO.size, 2, 10000000);
	if (LO.queue)
		bqueue = LO.queue;
	plain = LO.plain;
	if (LO.rate)
		rate = (double) parse_long("--rate", LO.rate, 0, 100000000L);
	if (LO.rate)
		rate = (double) parse_long("--rate", LO.rate, 0, 100000000L);
	if (nprod == 0 && ncons == 0)
		die_usage("bench needs producers or consumers");
	cap = duration > 0 ? 4000000 : target;

	payload = malloc(size + 16);
	{
		/* {"p":"xxxx"} of about size bytes */
		int fill = size > 8 ? size - 8 : 1;
		strcpy(payload, "{\"p\":\"");
		memset(payload + 6, 'x', fill);
		strcpy(payload + 6 + fill, "\"}");
	}

	admin = cli_connect(o);
	pgmq_set_notice_handler(admin, quiet, NULL);
	if (nprod > 0)
	{
		if (pgmq_drop_queue(admin, bqueue, &dropped) < 0 || pgmq_create(admin, bqueue) < 0)
		{
			int rc = report(admin);
			pgmq_close(admin);
			free(payload);
			return rc;
		}
	}
	sent_at = calloc(cap, sizeof *sent_at);
	recv_at = calloc(cap, sizeof *recv_at);
	pc = calloc(nprod + 1, sizeof *pc);
	cc = calloc(ncons + 1, sizeof *cc);
	pt = calloc(nprod + 1, sizeof *pt);
	ct = calloc(ncons + 1, sizeof *ct);
	for (i = 0; i < nprod; i++)
		pc[i] = cli_connect(o);
	for (i = 0; i < ncons; i++)
		cc[i] = cli_connect(o);
	if (duration > 0)
		snprintf(last_error, sizeof last_error, "for %.0f s", duration);
	else
		snprintf(last_error, sizeof last_error, "%ld messages", target);
	fprintf(stderr,
			"%s: bench on queue %s through %s: %d producers, %d consumers, batches of %d, "
			"%d-byte messages, %s%s\n",
			progname, bqueue, plain ? "plain libpq" : "libpgmq", nprod, ncons, batch,
			(int) strlen(payload), last_error, rate > 0 ? ", paced" : "");
	last_error[0] = '\0';

	t_start = mono();
	for (i = 0; i < nprod; i++)
		pthread_create(&pt[i], NULL, producer, pc[i]);
	for (i = 0; i < ncons; i++)
		pthread_create(&ct[i], NULL, consumer, cc[i]);

	for (;;)
	{
		long			s, r, e;
		double			now;
		struct timespec ts = {0, 50000000L};
		nanosleep(&ts, NULL);
		now = mono();
		pthread_mutex_lock(&lock);
		s = sent_ct;
		r = recv_ct;
		e = errors;
		pthread_mutex_unlock(&lock);
		if (!t_end_send && (nprod == 0 || (duration > 0 ? now - t_start >= duration : s >= target)))
		{
			t_end_send = now;
		}
		if (now - last_print >= 1)
		{
			fprintf(stderr, "%s%6.1f s  sent %ld (%.0f/s)  received %ld (%.0f/s)%s%s", tty ? "\r" : "",
					now - t_start, s, s / (now - t_start), r, r / (now - t_start),
					e ? "  errors " : "", tty ? "" : "\n");
			if (e)
				fprintf(stderr, "%ld", e);
			last_print = now;
		}
		if (e > 100)
			break;
		if (ncons == 0 && t_end_send)
			break;
		if (t_end_send && (r >= s || now - t_end_send > 30))
			break;
		if (nprod == 0 && duration > 0 && now - t_start >= duration)
			break;
		if (nprod == 0 && duration == 0 && r >= target)
			break;
	}
	t_end = mono();
	if (t_end_send == 0)
		t_end_send = t_end;
	consumers_stop = 1;
	for (i = 0; i < nprod; i++)
		pthread_join(pt[i], NULL);
	for (i = 0; i < ncons; i++)
		pthread_join(ct[i], NULL);
	if (tty)
		fputc('\n', stderr);

	lat = malloc((cap ? cap : 1) * sizeof *lat);
	for (id = 0; id < cap; id++)
		if (sent_at[id] > 0 && recv_at[id] > 0)
		{
			double d = recv_at[id] - sent_at[id];
			if (d < 0)
			{
				/* read before the producer's call returned */
				neg++;
				d = 0;
			}
			lat[nlat++] = d;
		}
	qsort(lat, nlat, sizeof *lat, cmp_d);
#define PCT(p) (nlat ? lat[(long) fmin(nlat - 1, floor((p) / 100.0 * nlat))] * 1000 : 0)
	{
		double send_s = t_end_send - t_start, all_s = t_end - t_start;
		if (o->json)
		{
			printf("{\"client\": \"%s\", \"producers\": %d, \"consumers\": %d, \"batch\": %d, "
				   "\"message_bytes\": %d, \"rate\": %.0f, \"sent\": %ld, \"received\": %ld, \"errors\": %ld, "
				   "\"seconds\": %.3f, \"send_per_sec\": %.1f, \"receive_per_sec\": %.1f, "
				   "\"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}}\n",
				   plain ? "plain-libpq" : "libpgmq", nprod, ncons, batch, (int) strlen(payload),
				   rate, sent_ct, recv_ct, errors, all_s, sent_ct / send_s, recv_ct / all_s, PCT(50),
				   PCT(90), PCT(99), nlat ? lat[nlat - 1] * 1000 : 0);
		}
		else
		{
			printf("client            %s\n", plain ? "plain libpq" : "libpgmq");
			printf("producers         %d\nconsumers         %d\nbatch             %d\n", nprod,
				   ncons, batch);
			printf("message bytes     %d\n", (int) strlen(payload));
			if (rate > 0)
				printf("rate              %.0f msg/s asked\n", rate);
			printf("sent              %ld in %.2f s: %.0f msg/s\n", sent_ct, send_s,
				   sent_ct / send_s);
			printf("received          %ld in %.2f s: %.0f msg/s\n", recv_ct, all_s,
				   recv_ct / all_s);
			printf("latency (ms)      p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (%ld messages)\n",
				   PCT(50), PCT(90), PCT(99), nlat ? lat[nlat - 1] * 1000 : 0, nlat);
			if (errors)
				printf("errors            %ld (last: %s)\n", errors, last_error);
		}
	}
	(void) neg;
	free(lat);
	for (i = 0; i < nprod; i++)
		pgmq_close(pc[i]);
	for (i = 0; i < ncons; i++)
		pgmq_close(cc[i]);
	pgmq_close(admin);
	free(pc);
	free(cc);
	free(pt);
	free(ct);
	free(sent_at);
	free(recv_at);
	free(payload);
	return errors ? EX_FAIL : EX_OK;
}
