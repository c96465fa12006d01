/*-------------------------------------------------------------------------
 *
 * read.c
 *	  Claiming messages and changing leases: read, read_with_poll, pop and
 *	  set_vt.
 *
 * A claim takes the oldest visible messages (vt <= now) in msg_id order,
 * skipping rows other transactions hold locked, so concurrent readers never
 * get the same message; read hides them for vt seconds and counts the
 * delivery, pop deletes them. Results come back in ascending msg_id.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_read);
PG_FUNCTION_INFO_V1(pgmq_read_with_poll);
PG_FUNCTION_INFO_V1(pgmq_pop);
PG_FUNCTION_INFO_V1(pgmq_set_vt);
PG_FUNCTION_INFO_V1(pgmq_set_vt_at);
PG_FUNCTION_INFO_V1(pgmq_set_vt_batch);
PG_FUNCTION_INFO_V1(pgmq_set_vt_batch_at);
PG_FUNCTION_INFO_V1(pgmq_set_vt_untyped);

/* The arguments of a read. */
typedef struct ReadArgs
{
	int32  vt;			/* seconds to hide claimed messages */
	bool   vt_null;		/* vt was NULL: use the queue's default_vt */
	int32  qty;			/* most messages to claim */
	Jsonb *conditional; /* message filter, or NULL for none */
} ReadArgs;

/* Raises 22023 unless qty is zero or more. */
static int32
qty_arg(FunctionCallInfo fcinfo, int argno)
{
	int32 qty = pgmq_int_arg(fcinfo, argno, "qty");

	if (qty < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("qty must not be negative, got %d", qty)));
	return qty;
}

/*
 * Reads vt at argno 1, qty at 2 and the conditional filter at cond_argno.
 * An empty object or NULL filter means no filter, as in pgmq.
 */
static void
read_args(FunctionCallInfo fcinfo, int cond_argno, ReadArgs *args)
{
	/* NULL: the queue's default_vt (pgmq_policy_vt), checked at the claim */
	args->vt = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);
	args->vt_null = PG_ARGISNULL(1);
	args->qty = qty_arg(fcinfo, 2);
	args->conditional = NULL;
	if (!PG_ARGISNULL(cond_argno))
	{
		Jsonb *cond = PG_GETARG_JSONB_P(cond_argno);

		if (!(JB_ROOT_IS_OBJECT(cond) && JB_ROOT_COUNT(cond) == 0))
			args->conditional = cond;
	}
}

/*
 * Claims up to args->qty visible messages and returns them, then moves
 * the low-water mark on now and then. The caller is connected to SPI.
 */
static PgmqRows
claim(PgmqQueue *queue, const ReadArgs *args)
{
	TimestampTz now = GetCurrentTimestamp();
	Datum		values[5];
	PgmqRows	rows;

	values[0] = TimestampTzGetDatum(now);
	values[1] = TimestampTzGetDatum(pgmq_timestamp_add_secs(now,
															args->vt_null ? pgmq_policy_vt(queue) : args->vt,
															"vt"));
	values[2] = Int64GetDatum(args->qty);
	values[3] = Int64GetDatum(pgmq_lowwater_get(queue));
	pgmq_wait_note_claim(queue->qrelid);
	if (args->conditional == NULL)
		rows = pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_READ), values, NULL);
	else
	{
		values[4] = JsonbPGetDatum(args->conditional);
		rows = pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_READ_COND), values, NULL);
	}
	pgmq_deadletter_apply(queue, &rows);
	pgmq_lowwater_advance(queue);
	return rows;
}

/*
 * pgmq.read(queue_name, vt, qty, conditional DEFAULT '{}')
 */
Datum
pgmq_read(PG_FUNCTION_ARGS)
{
	char	  *name = pgmq_names_arg(fcinfo, 0);
	ReadArgs   args;
	PgmqQueue *queue;

	read_args(fcinfo, 3, &args);
	queue = pgmq_queue_open(name, RowExclusiveLock);
	SPI_connect();
	pgmq_return_messages(fcinfo, claim(queue, &args));
	SPI_finish();
	pgmq_queue_close(queue);
	return (Datum) 0;
}

/*
 * pgmq.read_with_poll(queue_name, vt, qty, max_poll_seconds DEFAULT 5,
 *					   poll_interval_ms DEFAULT 100, conditional DEFAULT '{}')
 *
 * Claims at once if it can; otherwise waits and tries again until
 * max_poll_seconds have passed. With pgmq preloaded the wait ends when a
 * transaction that sent to this queue commits (wait.c), and
 * poll_interval_ms only bounds the time between re-checks (for messages
 * whose delay or lease runs out); without it, the reader re-checks every
 * poll_interval_ms. Each try runs with a new snapshot, so it sees messages
 * committed meanwhile. Interrupts (cancel, statement_timeout, termination)
 * end the wait at once, and so does postmaster death.
 */
/* A try of read_with_poll. */
typedef struct PollRead
{
	PgmqQueue *queue;
	ReadArgs  *args;
	PgmqRows   rows; /* what the last try claimed */
} PollRead;

static uint64
poll_try(void *arg)
{
	PollRead *p = arg;

	p->rows = claim(p->queue, p->args);
	if (p->rows.n == 0)
		pgmq_rows_free(&p->rows);
	return p->rows.n;
}

Datum
pgmq_read_with_poll(PG_FUNCTION_ARGS)
{
	char	   *name = pgmq_names_arg(fcinfo, 0);
	int32		poll_interval_ms;
	ReadArgs	args;
	PollRead	poll = {0};
	TimestampTz deadline;

	read_args(fcinfo, 5, &args);
	deadline = pgmq_wait_poll_args(fcinfo, 3, &poll_interval_ms);
	poll.queue = pgmq_queue_open(name, RowExclusiveLock);
	poll.args = &args;
	SPI_connect();
	pgmq_wait_poll(fcinfo, poll.queue->qrelid, deadline, poll_interval_ms,
				   poll_try, &poll);
	pgmq_return_messages(fcinfo, poll.rows);
	SPI_finish();
	pgmq_queue_close(poll.queue);
	return (Datum) 0;
}

/*
 * pgmq.pop(queue_name, qty DEFAULT 1)
 *
 * Claims and deletes: at-most-once delivery. read_ct is not counted.
 */
Datum
pgmq_pop(PG_FUNCTION_ARGS)
{
	char	  *name = pgmq_names_arg(fcinfo, 0);
	int32	   qty = qty_arg(fcinfo, 1);
	Datum	   values[3];
	PgmqQueue *queue;
	PgmqRows   rows;

	values[0] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[1] = Int64GetDatum(qty);
	queue = pgmq_queue_open(name, RowExclusiveLock);
	values[2] = Int64GetDatum(pgmq_lowwater_get(queue));
	SPI_connect();
	pgmq_wait_note_claim(queue->qrelid);
	rows = pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_POP), values, NULL);
	pgmq_lowwater_advance(queue);
	pgmq_return_messages(fcinfo, rows);
	SPI_finish();
	pgmq_queue_close(queue);
	return (Datum) 0;
}

/*
 * Sets vt of one message (ids is an int8) or of many (ids is an int8[])
 * and returns the changed rows. Unknown ids are skipped.
 */
static Datum
set_vt(FunctionCallInfo fcinfo, Datum ids, bool batch, TimestampTz vt)
{
	char	  *name = pgmq_names_arg(fcinfo, 0);
	Datum	   values[2];
	PgmqQueue *queue;
	PgmqRows   rows;

	values[0] = TimestampTzGetDatum(vt);
	values[1] = ids;
	queue = pgmq_queue_open(name, RowExclusiveLock);
	SPI_connect();
	rows = pgmq_exec_plan(pgmq_queue_plan(queue, batch ? PGMQ_PLAN_SET_VT_BATCH : PGMQ_PLAN_SET_VT),
						  values, NULL);
	pgmq_wait_note_send(queue->qrelid);
	pgmq_return_messages(fcinfo, rows);
	SPI_finish();
	pgmq_queue_close(queue);
	return (Datum) 0;
}

/* Argument 1 (msg_id or msg_ids), raising 22004 when NULL. */
static Datum
ids_arg(FunctionCallInfo fcinfo, bool batch)
{
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s cannot be NULL", batch ? "msg_ids" : "msg_id")));
	return PG_GETARG_DATUM(1);
}

/* vt = now + the seconds in argument 2. */
static TimestampTz
vt_from_secs(FunctionCallInfo fcinfo)
{
	return pgmq_timestamp_add_secs(GetCurrentTimestamp(),
								   pgmq_int_arg(fcinfo, 2, "vt"), "vt");
}

/* pgmq.set_vt(queue_name, msg_id bigint, vt integer) */
Datum
pgmq_set_vt(PG_FUNCTION_ARGS)
{
	return set_vt(fcinfo, ids_arg(fcinfo, false), false, vt_from_secs(fcinfo));
}

/* pgmq.set_vt(queue_name, msg_id bigint, vt timestamptz) */
Datum
pgmq_set_vt_at(PG_FUNCTION_ARGS)
{
	return set_vt(fcinfo, ids_arg(fcinfo, false), false,
				  pgmq_timestamp_arg(fcinfo, 2, "vt"));
}

/* pgmq.set_vt(queue_name, msg_ids bigint[], vt integer) */
Datum
pgmq_set_vt_batch(PG_FUNCTION_ARGS)
{
	return set_vt(fcinfo, ids_arg(fcinfo, true), true, vt_from_secs(fcinfo));
}

/* pgmq.set_vt(queue_name, msg_ids bigint[], vt timestamptz) */
Datum
pgmq_set_vt_batch_at(PG_FUNCTION_ARGS)
{
	return set_vt(fcinfo, ids_arg(fcinfo, true), true,
				  pgmq_timestamp_arg(fcinfo, 2, "vt"));
}

/* Parses str as a value of type typid with its input function. */
static Datum
parse_as(const char *str, Oid typid)
{
	Oid input;
	Oid ioparam;

	getTypeInputInfo(typid, &input, &ioparam);
	return OidInputFunctionCall(input, (char *) str, ioparam, -1);
}

/* True if str is an optionally signed decimal integer, with spaces around. */
static bool
looks_like_integer(const char *str)
{
	const char *p = str;

	while (*p == ' ')
		p++;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
		p++;
	while (*p == ' ')
		p++;
	return *p == '\0';
}

/*
 * pgmq.set_vt(queue_name text, msg_id text, vt text)
 *
 * For callers whose parameters arrive untyped. msg_id is one id ('42') or
 * an array ('{1,2}'); vt is seconds ('30') or a timestamp. Each is parsed
 * with the type's own input function, so bad text gets the usual errors.
 */
Datum
pgmq_set_vt_untyped(PG_FUNCTION_ARGS)
{
	char	   *ids_text;
	char	   *vt_text;
	bool		batch;
	Datum		ids;
	TimestampTz vt;

	ids_text = text_to_cstring(DatumGetTextPP(ids_arg(fcinfo, false)));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("vt cannot be NULL")));
	vt_text = text_to_cstring(PG_GETARG_TEXT_PP(2));

	batch = strchr(ids_text, '{') != NULL;
	ids = parse_as(ids_text, batch ? INT8ARRAYOID : INT8OID);
	if (looks_like_integer(vt_text))
		vt = pgmq_timestamp_add_secs(GetCurrentTimestamp(),
									 DatumGetInt32(parse_as(vt_text, INT4OID)), "vt");
	else
		vt = DatumGetTimestampTz(parse_as(vt_text, TIMESTAMPTZOID));
	return set_vt(fcinfo, ids, batch, vt);
}
