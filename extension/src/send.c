/*-------------------------------------------------------------------------
 *
 * send.c
 *	  Putting messages on a queue: send and send_batch in all their forms.
 *
 * Every overload ends in one INSERT per call. The visibility time is
 * computed here from the server clock (clock_timestamp(), as pgmq does),
 * so the statement itself takes it as a plain parameter.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "utils/array.h"
#include "utils/timestamp.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_send);
PG_FUNCTION_INFO_V1(pgmq_send_delay);
PG_FUNCTION_INFO_V1(pgmq_send_at);
PG_FUNCTION_INFO_V1(pgmq_send_batch);
PG_FUNCTION_INFO_V1(pgmq_send_batch_delay);
PG_FUNCTION_INFO_V1(pgmq_send_batch_at);
PG_FUNCTION_INFO_V1(pgmq_validate_batch_params);

/*
 * Where the optional arguments sit: send(queue, msg[, headers][, delay]).
 * With nfixed arguments before the delay (2 or 3), headers are present
 * when there are 3.
 */
#define HAS_HEADERS(nfixed) ((nfixed) == 3)

/* Visibility time for the delay in seconds in argument argno. */
static TimestampTz
vt_after_delay(FunctionCallInfo fcinfo, int argno)
{
	int32		delay = pgmq_int_arg(fcinfo, argno, "delay");

	return pgmq_timestamp_add_secs(GetCurrentTimestamp(), delay, "delay");
}

/* Inserts one message and returns its msg_id as a one-row set. */
static Datum
send_one(FunctionCallInfo fcinfo, bool with_headers, TimestampTz vt)
{
	char	   *name = pgmq_names_arg(fcinfo, 0);
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	PgmqQueue  *queue;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("msg cannot be NULL")));
	values[0] = TimestampTzGetDatum(vt);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = (Datum) 0;
	nulls[2] = 'n';
	if (with_headers && !PG_ARGISNULL(2))
	{
		values[2] = PG_GETARG_DATUM(2);
		nulls[2] = ' ';
	}

	queue = pgmq_queue_open(name, RowExclusiveLock);
	SPI_connect();
	pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_SEND), values, nulls);
	pgmq_wait_note_send(queue->qrelid);
	pgmq_return_ids(fcinfo, false);
	SPI_finish();
	pgmq_queue_close(queue);
	return (Datum) 0;
}

/*
 * pgmq.send(queue_name, msg) and pgmq.send(queue_name, msg, headers)
 */
Datum
pgmq_send(PG_FUNCTION_ARGS)
{
	return send_one(fcinfo, HAS_HEADERS(PG_NARGS()), GetCurrentTimestamp());
}

/*
 * pgmq.send(queue_name, msg[, headers], delay integer)
 */
Datum
pgmq_send_delay(PG_FUNCTION_ARGS)
{
	int			nfixed = PG_NARGS() - 1;

	return send_one(fcinfo, HAS_HEADERS(nfixed), vt_after_delay(fcinfo, nfixed));
}

/*
 * pgmq.send(queue_name, msg[, headers], delay timestamptz)
 */
Datum
pgmq_send_at(PG_FUNCTION_ARGS)
{
	int			nfixed = PG_NARGS() - 1;

	return send_one(fcinfo, HAS_HEADERS(nfixed),
					pgmq_timestamp_arg(fcinfo, nfixed, "delay"));
}

/* Raises unless arr is a one-dimensional array (or empty); returns length. */
static int
batch_length(ArrayType *arr, const char *what)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	return ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
}

/*
 * pgmq_send_check_batch
 *		Raises unless msgs holds at least one message and no NULL, and headers
 *		is NULL or has one entry per message. Either array may be NULL (pass
 *		NULL). Also used by send_batch_topic (topic.c).
 */
void
pgmq_send_check_batch(ArrayType *msgs, ArrayType *headers)
{
	int			nmsgs;

	if (msgs == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("msgs cannot be NULL or empty")));
	nmsgs = batch_length(msgs, "msgs");
	if (nmsgs == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("msgs cannot be NULL or empty")));
	if (array_contains_nulls(msgs))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("msgs cannot contain NULL elements")));
	if (headers != NULL)
	{
		int			nheaders = batch_length(headers, "headers");

		if (nheaders != nmsgs)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("headers array length (%d) must match msgs array length (%d)",
							nheaders, nmsgs)));
	}
}

/* Inserts a batch and returns the msg_ids in the order of msgs. */
static Datum
send_many(FunctionCallInfo fcinfo, bool with_headers, TimestampTz vt)
{
	char	   *name = pgmq_names_arg(fcinfo, 0);
	ArrayType  *msgs = PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *headers = NULL;
	Datum		values[3];
	char		nulls[3] = {' ', ' ', 'n'};
	PgmqQueue  *queue;

	if (with_headers && !PG_ARGISNULL(2))
		headers = PG_GETARG_ARRAYTYPE_P(2);
	pgmq_send_check_batch(msgs, headers);

	values[0] = TimestampTzGetDatum(vt);
	values[1] = PointerGetDatum(msgs);
	values[2] = (Datum) 0;
	if (headers != NULL)
	{
		values[2] = PointerGetDatum(headers);
		nulls[2] = ' ';
	}

	queue = pgmq_queue_open(name, RowExclusiveLock);
	SPI_connect();
	pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_SEND_BATCH), values, nulls);
	pgmq_wait_note_send(queue->qrelid);
	pgmq_return_ids(fcinfo, false);
	SPI_finish();
	pgmq_queue_close(queue);
	return (Datum) 0;
}

/*
 * pgmq.send_batch(queue_name, msgs) and (queue_name, msgs, headers)
 */
Datum
pgmq_send_batch(PG_FUNCTION_ARGS)
{
	return send_many(fcinfo, HAS_HEADERS(PG_NARGS()), GetCurrentTimestamp());
}

/*
 * pgmq.send_batch(queue_name, msgs[, headers], delay integer)
 */
Datum
pgmq_send_batch_delay(PG_FUNCTION_ARGS)
{
	int			nfixed = PG_NARGS() - 1;

	return send_many(fcinfo, HAS_HEADERS(nfixed), vt_after_delay(fcinfo, nfixed));
}

/*
 * pgmq.send_batch(queue_name, msgs[, headers], delay timestamptz), and
 * pgmq._send_batch(queue_name, msgs, headers, delay timestamptz)
 */
Datum
pgmq_send_batch_at(PG_FUNCTION_ARGS)
{
	int			nfixed = PG_NARGS() - 1;

	return send_many(fcinfo, HAS_HEADERS(nfixed),
					 pgmq_timestamp_arg(fcinfo, nfixed, "delay"));
}

/*
 * pgmq._validate_batch_params(msgs jsonb[], headers jsonb[]) returns void
 */
Datum
pgmq_validate_batch_params(PG_FUNCTION_ARGS)
{
	pgmq_send_check_batch(PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0),
				PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1));
	PG_RETURN_VOID();
}
