/*
 * A small libpgmq consumer: long-polls QUEUE for up to 10 messages at a
 * time, prints each and deletes it, and stops after COUNT messages or when
 * a poll of POLL seconds (default 2) finds nothing. ^C cancels the poll in
 * progress (pgmq_cancel is safe in a signal handler) and stops.
 *
 *   consumer QUEUE COUNT [POLL]
 */
#include <pgmq.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pgmq_client			*c;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void) sig;
	stop = 1;
	pgmq_cancel(c);
}

int
main(int argc, char **argv)
{
	char *err = NULL;
	long  count, got = 0;
	int	  poll = argc > 3 ? atoi(argv[3]) : 2;

	if (argc < 3)
	{
		fprintf(stderr, "usage: %s QUEUE COUNT [POLL]\n", argv[0]);
		return 2;
	}
	count = atol(argv[2]);
	c = pgmq_connect(NULL, &err);
	if (c == NULL)
	{
		fprintf(stderr, "consumer: %s\n", err);
		pgmq_free(err);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop && got < count)
	{
		pgmq_messages m;
		int64_t		  ids[10];
		size_t		  i;

		if (pgmq_read_with_poll(c, argv[1], 30, 10, poll, 100, &m) < 0)
		{
			if (stop && strcmp(pgmq_errcode(c), "57014") == 0)
				break;
			fprintf(stderr, "consumer: %s (SQLSTATE %s)\n", pgmq_errmsg(c), pgmq_errcode(c));
			pgmq_close(c);
			return 1;
		}
		if (m.count == 0)
			break;
		for (i = 0; i < m.count; i++)
		{
			printf("%" PRId64 " %s\n", m.items[i].msg_id, m.items[i].message);
			ids[i] = m.items[i].msg_id;
		}
		if (pgmq_delete_batch(c, argv[1], ids, m.count, NULL) < 0)
		{
			fprintf(stderr, "consumer: %s\n", pgmq_errmsg(c));
			pgmq_messages_free(&m);
			break;
		}
		got += m.count;
		pgmq_messages_free(&m);
	}
	fprintf(stderr, "consumer: %ld messages\n", got);
	pgmq_close(c);
	return 0;
}
