/*
 * A small libpgmq producer: sends COUNT messages {"n": i} to QUEUE
 * (creating it if needed) in batches of 100 and prints their ids' range.
 * The connection comes from the PG* environment or CONNINFO.
 *
 *   producer QUEUE COUNT [CONNINFO]
 *
 * Build against an installed libpgmq: see examples/Makefile.
 */
#include <pgmq.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	char		*err = NULL, bufs[100][32];
	const char	*msgs[100];
	pgmq_client *c;
	long		 count, sent = 0;
	int64_t		 first = 0, last = 0;

	if (argc < 3)
	{
		fprintf(stderr, "usage: %s QUEUE COUNT [CONNINFO]\n", argv[0]);
		return 2;
	}
	count = atol(argv[2]);
	c = pgmq_connect(argc > 3 ? argv[3] : NULL, &err);
	if (c == NULL)
	{
		fprintf(stderr, "producer: %s\n", err);
		pgmq_free(err);
		return 1;
	}
	printf("libpgmq %s, pgmq %s\n", pgmq_client_version(), pgmq_server_version(c));
	if (pgmq_create(c, argv[1]) < 0)
		goto fail;
	while (sent < count)
	{
		pgmq_ids ids;
		size_t	 n = 0;
		while (n < 100 && sent + (long) n < count)
		{
			snprintf(bufs[n], sizeof bufs[n], "{\"n\": %ld}", sent + (long) n);
			msgs[n] = bufs[n];
			n++;
		}
		if (pgmq_send_batch(c, argv[1], msgs, NULL, n, 0, &ids) < 0)
			goto fail;
		if (sent == 0)
			first = ids.ids[0];
		last = ids.ids[ids.count - 1];
		sent += ids.count;
		pgmq_ids_free(&ids);
	}
	printf("sent %ld messages to %s (ids %" PRId64 "..%" PRId64 ")\n", sent, argv[1], first, last);
	pgmq_close(c);
	return 0;
fail:
	fprintf(stderr, "producer: %s (SQLSTATE %s)\n", pgmq_errmsg(c), pgmq_errcode(c));
	pgmq_close(c);
	return 1;
}
