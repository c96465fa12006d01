/*-------------------------------------------------------------------------
 *
 * topic.c
 *	  Topic routing (AMQP-style): checking routing keys and patterns,
 *	  matching them, and send_topic / send_batch_topic.
 *
 * Bindings live in pgmq.topic_bindings (pattern, queue_name), managed by
 * SQL functions (bind_topic, unbind_topic, ...). A routing key is dot-
 * separated words; in a pattern '*' stands for one or more characters
 * other than a dot (one word) and '#' for any characters, dots included
 * (zero or more words). That is exactly what the table's compiled_regex
 * column says as a regular expression, which test_routing uses; sending
 * matches in C instead (topic_matches), since PostgreSQL caches only a few
 * compiled regular expressions per backend and a send would otherwise
 * recompile most of them once there are many bindings. A regression test
 * checks that the two agree.
 *
 * A message goes once to every queue with at least one matching binding,
 * queues in name order, all in the caller's transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_validate_routing_key);
PG_FUNCTION_INFO_V1(pgmq_validate_topic_pattern);
PG_FUNCTION_INFO_V1(pgmq_topic_matches);
PG_FUNCTION_INFO_V1(pgmq_send_topic);
PG_FUNCTION_INFO_V1(pgmq_send_batch_topic);
PG_FUNCTION_INFO_V1(pgmq_send_batch_topic_delay);
PG_FUNCTION_INFO_V1(pgmq_send_batch_topic_at);

/* Longest routing key or pattern, in characters. */
#define PGMQ_MAX_TOPIC_LEN 255

/* The bindings, by queue name (kept plan; see matching_queues). */
static SPIPlanPtr bindings_plan = NULL;

static bool
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		   (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * Raises 22004/22023 unless str (what: "routing_key" or "pattern") is a
 * valid routing key, or with wildcards a valid pattern, with pgmq's
 * messages in pgmq's order of checks.
 */
static void
check_topic_text(text *t, const char *what, bool wildcards)
{
	char *str;
	int	  len;
	int	  nchars;

	if (t == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("%s cannot be NULL or empty", what)));
	str = text_to_cstring(t);
	len = strlen(str);
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("%s cannot be NULL or empty", what)));
	nchars = pg_mbstrlen_with_len(str, len);
	if (nchars > PGMQ_MAX_TOPIC_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("%s length cannot exceed %d characters, got %d characters",
						what, PGMQ_MAX_TOPIC_LEN, nchars)));
	for (int i = 0; i < len; i++)
	{
		if (is_word_char(str[i]) || (wildcards && (str[i] == '*' || str[i] == '#')))
			continue;
		if (wildcards)
			ereport(ERROR,
					(errcode(ERRCODE_RAISE_EXCEPTION),
					 errmsg("pattern contains invalid characters. Only alphanumeric, dots, hyphens, underscores, *, and # are allowed. Got: %s", str)));
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("routing_key contains invalid characters. Only alphanumeric, dots, hyphens, and underscores are allowed. Got: %s", str)));
	}
	if (str[0] == '.')
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("%s cannot start with a dot. Got: %s", what, str)));
	if (str[len - 1] == '.')
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("%s cannot end with a dot. Got: %s", what, str)));
	if (strstr(str, "..") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("%s cannot contain consecutive dots. Got: %s", what, str)));
	if (!wildcards)
		return;
	if (strstr(str, "**") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("pattern cannot contain consecutive stars (**). Use # for multi-segment matching. Got: %s", str)));
	if (strstr(str, "##") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("pattern cannot contain consecutive hashes (##). A single # already matches zero or more segments. Got: %s", str)));
	if (strstr(str, "*#") != NULL || strstr(str, "#*") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("pattern cannot contain adjacent wildcards (*# or #*). Separate wildcards with dots. Got: %s", str)));
}

/*
 * Key positions as bits: bit j of a BitRow stands for key[0..j), the
 * prefix of j characters, so a row of klen + 1 bits takes nwords words.
 */
typedef uint64 BitWord;
#define BITS_PER_WORD 64

/* A row with bit j set where key[j - 1] is c (not_dot: is not a dot). */
static BitWord *
key_row(const char *key, int klen, int nwords, char c, bool not_dot)
{
	BitWord *row = palloc0(sizeof(BitWord) * nwords);

	for (int j = 1; j <= klen; j++)
	{
		if (not_dot ? key[j - 1] != '.' : key[j - 1] == c)
			row[j / BITS_PER_WORD] |= (BitWord) 1 << (j % BITS_PER_WORD);
	}
	return row;
}

/*
 * True if key matches pattern: '*' is one or more characters other than a
 * dot, '#' any characters (none included), anything else itself; anchored
 * at both ends. Runs the pattern over the set of key prefixes it can match
 * so far, kept as a bit row and advanced 64 positions per machine word per
 * pattern character, so any pattern and key take at most about
 * len(pattern) x len(key) / 64 steps (a pattern without wildcards takes
 * one comparison). Checks for interrupts once per pattern character, as
 * the function may be given long texts directly.
 */
static bool
topic_matches(const char *key, int klen, const char *pat, int plen)
{
	int		 nwords = klen / BITS_PER_WORD + 1;
	BitWord *reach;
	BitWord *not_dot = NULL;
	BitWord *lit[256] = {0};
	BitWord	 last_mask;
	int		 lo = 0; /* words below lo are zero, and stay so */
	bool	 result = true;

	if (memchr(pat, '*', plen) == NULL && memchr(pat, '#', plen) == NULL)
		return klen == plen && memcmp(key, pat, klen) == 0;

	/* Bits past position klen must stay clear. */
	last_mask = (klen % BITS_PER_WORD == BITS_PER_WORD - 1) ? ~(BitWord) 0 :
															  (((BitWord) 1 << (klen % BITS_PER_WORD + 1)) - 1);
	reach = palloc0(sizeof(BitWord) * nwords);
	reach[0] = 1;

	for (int p = 0; p < plen; p++)
	{
		unsigned char c = (unsigned char) pat[p];
		bool		  any = false;

		CHECK_FOR_INTERRUPTS();
		if (c == '#')
		{
			/* Every prefix from the shortest reached one on. */
			int w = lo;

			while (reach[w] == 0)
				w++;
			reach[w] |= ~(reach[w] - 1);
			for (int i = w + 1; i < nwords; i++)
				reach[i] = ~(BitWord) 0;
			lo = w;
		}
		else
		{
			/*
			 * Shift by one character, keep where the next key character
			 * fits. For '*', then extend each run of non-dots from its first
			 * reached bit to its end: adding the seeds to the run mask
			 * carries through each run from its lowest seed (see below).
			 */
			BitWord *mask;
			BitWord	 shift_in = 0; /* reach[lo - 1] is zero */
			BitWord	 carry = 0;

			if (c == '*')
			{
				if (not_dot == NULL)
					not_dot = key_row(key, klen, nwords, 0, true);
				mask = not_dot;
			}
			else
			{
				if (lit[c] == NULL)
					lit[c] = key_row(key, klen, nwords, (char) c, false);
				mask = lit[c];
			}
			for (int i = lo; i < nwords; i++)
			{
				BitWord cur = reach[i];
				BitWord seeds = ((cur << 1) | shift_in) & mask[i];

				shift_in = cur >> (BITS_PER_WORD - 1);
				if (c == '*')
				{
					/*
					 * In a run with seeds s1 < s2 < ..., run + seeds clears
					 * s1..end and sets the bit past the end (no dot there),
					 * leaving s2... set; xor with the run gives s1..end but
					 * s2..., and or-ing the seeds back in gives s1..end.
					 * The carry out of a word seeds the next one's bit 0.
					 */
					BitWord sum = mask[i] + seeds;
					BitWord c1 = sum < mask[i];
					BitWord sum2 = sum + carry;

					carry = c1 | (sum2 < sum);
					seeds = ((sum2 ^ mask[i]) | seeds) & mask[i];
				}
				reach[i] = seeds;
			}
		}
		reach[nwords - 1] &= last_mask;
		for (int i = lo; i < nwords; i++)
		{
			if (reach[i] != 0)
			{
				any = true;
				lo = i;
				break;
			}
		}
		if (!any)
		{
			result = false;
			break;
		}
	}
	if (result)
		result = (reach[klen / BITS_PER_WORD] >> (klen % BITS_PER_WORD)) & 1;
	/* send_topic calls this once per binding: leave nothing behind. */
	pfree(reach);
	if (not_dot != NULL)
		pfree(not_dot);
	for (int i = 0; i < 256; i++)
		if (lit[i] != NULL)
			pfree(lit[i]);
	return result;
}

/*
 * pgmq.validate_routing_key(routing_key text) returns boolean
 */
Datum
pgmq_validate_routing_key(PG_FUNCTION_ARGS)
{
	check_topic_text(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0), "routing_key", false);
	PG_RETURN_BOOL(true);
}

/*
 * pgmq.validate_topic_pattern(pattern text) returns boolean
 */
Datum
pgmq_validate_topic_pattern(PG_FUNCTION_ARGS)
{
	check_topic_text(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0), "pattern", true);
	PG_RETURN_BOOL(true);
}

/*
 * pgmq._topic_matches(routing_key text, pattern text) returns boolean
 *
 * The matcher send_topic uses, for tests and for curious users; strict.
 */
Datum
pgmq_topic_matches(PG_FUNCTION_ARGS)
{
	text *key = PG_GETARG_TEXT_PP(0);
	text *pat = PG_GETARG_TEXT_PP(1);

	PG_RETURN_BOOL(topic_matches(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key),
								 VARDATA_ANY(pat), VARSIZE_ANY_EXHDR(pat)));
}

/*
 * The names of the queues bound by a pattern that routing_key matches,
 * each once, in name order; *n gets their number. The caller is connected
 * to SPI; the result is palloc'd in the current context.
 */
static char **
matching_queues(const char *routing_key, int *n)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			  klen = strlen(routing_key);
	char		**names;
	int			  count = 0;

	if (bindings_plan == NULL)
	{
		SPIPlanPtr plan = SPI_prepare("SELECT b.queue_name, b.pattern FROM pgmq.topic_bindings b"
									  " ORDER BY b.queue_name",
									  0, NULL);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "pgmq: could not prepare the topic bindings query: %s",
				 SPI_result_code_string(SPI_result));
		bindings_plan = plan;
	}
	pgmq_exec_plan(bindings_plan, NULL, NULL);
	MemoryContextSwitchTo(cxt);

	names = palloc(sizeof(char *) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple row = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool	  isnull;
		text	 *queue_name;
		text	 *pattern;
		char	 *name;

		queue_name = DatumGetTextPP(SPI_getbinval(row, desc, 1, &isnull));
		pattern = DatumGetTextPP(SPI_getbinval(row, desc, 2, &isnull));
		if (!topic_matches(routing_key, klen, VARDATA_ANY(pattern), VARSIZE_ANY_EXHDR(pattern)))
			continue;
		name = text_to_cstring(queue_name);
		/* Sorted by name, so a queue bound twice comes twice in a row. */
		if (count > 0 && strcmp(names[count - 1], name) == 0)
			continue;
		names[count++] = name;
	}
	SPI_freetuptable(SPI_tuptable);
	*n = count;
	return names;
}

/*
 * pgmq.send_topic(routing_key, msg), (routing_key, msg, delay integer) and
 * (routing_key, msg, headers, delay integer) return the number of queues
 * the message went to.
 */
Datum
pgmq_send_topic(PG_FUNCTION_ARGS)
{
	int	   nargs = PG_NARGS();
	bool   with_headers = nargs == 4;
	int32  delay = 0;
	char  *routing_key;
	char **queues;
	int	   nqueues;
	Datum  values[3];
	char   nulls[3];

	check_topic_text(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0), "routing_key", false);
	routing_key = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("msg cannot be NULL")));
	if (nargs > 2)
		delay = pgmq_int_arg(fcinfo, nargs - 1, "delay");
	if (delay < 0)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("delay cannot be negative, got: %d", delay)));
	pgmq_send_params(fcinfo, false, with_headers,
					 pgmq_timestamp_add_secs(GetCurrentTimestamp(), delay, "delay"),
					 values, nulls);

	SPI_connect();
	queues = matching_queues(routing_key, &nqueues);
	for (int i = 0; i < nqueues; i++)
	{
		PgmqQueue *queue = pgmq_queue_open(queues[i], RowExclusiveLock);

		pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_SEND), values, nulls);
		SPI_freetuptable(SPI_tuptable);
		pgmq_send_note_ids(queue->qrelid);
		pgmq_wait_note_send(queue->qrelid);
		pgmq_queue_close(queue);
	}
	SPI_finish();
	PG_RETURN_INT32(nqueues);
}

/*
 * Sends a batch to every matching queue and returns (queue_name, msg_id)
 * rows, queue by queue in name order, ids in the order of msgs.
 */
static Datum
send_batch_topic(FunctionCallInfo fcinfo, bool with_headers, TimestampTz vt)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char		  *routing_key;
	char		 **queues;
	int			   nqueues;
	Datum		   values[3];
	char		   nulls[3];

	check_topic_text(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0), "routing_key", false);
	routing_key = text_to_cstring(PG_GETARG_TEXT_PP(0));
	pgmq_send_params(fcinfo, true, with_headers, vt, values, nulls);

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	queues = matching_queues(routing_key, &nqueues);
	for (int i = 0; i < nqueues; i++)
	{
		PgmqQueue *queue = pgmq_queue_open(queues[i], RowExclusiveLock);
		uint64	   rows;
		Datum	   out[2];
		bool	   outnulls[2] = {false, false};

		rows = pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_SEND_BATCH), values, nulls);
		out[0] = CStringGetTextDatum(queues[i]);
		for (uint64 r = 0; r < rows; r++)
		{
			bool isnull;

			out[1] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnulls);
		}
		SPI_freetuptable(SPI_tuptable);
		pgmq_send_note_ids(queue->qrelid);
		pgmq_wait_note_send(queue->qrelid);
		pgmq_queue_close(queue);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * pgmq.send_batch_topic(routing_key, msgs) and (routing_key, msgs, headers)
 */
Datum
pgmq_send_batch_topic(PG_FUNCTION_ARGS)
{
	return send_batch_topic(fcinfo, PG_NARGS() == 3, GetCurrentTimestamp());
}

/*
 * pgmq.send_batch_topic(routing_key, msgs[, headers], delay integer)
 */
Datum
pgmq_send_batch_topic_delay(PG_FUNCTION_ARGS)
{
	int nfixed = PG_NARGS() - 1;

	return send_batch_topic(fcinfo, nfixed == 3,
							pgmq_timestamp_add_secs(GetCurrentTimestamp(),
													pgmq_int_arg(fcinfo, nfixed, "delay"),
													"delay"));
}

/*
 * pgmq.send_batch_topic(routing_key, msgs[, headers], delay timestamptz)
 */
Datum
pgmq_send_batch_topic_at(PG_FUNCTION_ARGS)
{
	int nfixed = PG_NARGS() - 1;

	return send_batch_topic(fcinfo, nfixed == 3,
							pgmq_timestamp_arg(fcinfo, nfixed, "delay"));
}
