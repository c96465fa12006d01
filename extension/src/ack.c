/*-------------------------------------------------------------------------
 *
 * ack.c
 *	  Finishing with messages: delete and archive, one or many.
 *
 * Neither checks who holds the message: as in pgmq (and SQS's
 * DeleteMessage) any session may finish any message by id. Finishing a
 * message wakes the queue's waiting readers at commit (wait.c): it may
 * unblock a FIFO group whose head it was.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "utils/array.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_delete);
PG_FUNCTION_INFO_V1(pgmq_delete_batch);
PG_FUNCTION_INFO_V1(pgmq_archive);
PG_FUNCTION_INFO_V1(pgmq_archive_batch);

/* Argument 1 or raise 22004, naming it. */
static Datum
id_arg(FunctionCallInfo fcinfo, const char *what)
{
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s cannot be NULL", what)));
	return PG_GETARG_DATUM(1);
}

/* Runs a single-id statement; true if it touched the message. */
static bool
finish_one(FunctionCallInfo fcinfo, PgmqPlanKind kind)
{
	char	  *name = pgmq_names_arg(fcinfo, 0);
	Datum	   id = id_arg(fcinfo, "msg_id");
	PgmqQueue *queue = pgmq_queue_open(name, RowExclusiveLock);
	uint64	   n;

	SPI_connect();
	n = pgmq_exec_plan(pgmq_queue_plan(queue, kind), &id, NULL).n;
	if (n > 0)
		pgmq_wait_note_send(queue->qrelid);
	SPI_finish();
	pgmq_queue_close(queue);
	return n > 0;
}

/*
 * The smallest and largest non-NULL id in an int8 array; 1 and 0 (an empty
 * range) when there is none.
 */
static void
id_range(ArrayType *ids, int64 *lo, int64 *hi)
{
	Datum *elems;
	bool  *nulls;
	int	   n;

	*lo = 1;
	*hi = 0;
	deconstruct_array(ids, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		int64 id = DatumGetInt64(elems[i]);

		if (nulls[i])
			continue;
		if (*lo > *hi)
			*lo = *hi = id;
		else
		{
			*lo = Min(*lo, id);
			*hi = Max(*hi, id);
		}
	}
}

/* Runs an id-array statement; returns the ids it touched, ascending. */
static void
finish_many(FunctionCallInfo fcinfo, PgmqPlanKind kind)
{
	char	  *name = pgmq_names_arg(fcinfo, 0);
	Datum	   values[3];
	int64	   lo;
	int64	   hi;
	PgmqQueue *queue;
	PgmqRows   rows;

	values[0] = id_arg(fcinfo, "msg_ids");
	id_range(DatumGetArrayTypeP(values[0]), &lo, &hi);
	values[1] = Int64GetDatum(lo);
	values[2] = Int64GetDatum(hi);
	queue = pgmq_queue_open(name, RowExclusiveLock);
	SPI_connect();
	rows = pgmq_exec_plan(pgmq_queue_plan(queue, kind), values, NULL);
	if (rows.n > 0)
		pgmq_wait_note_send(queue->qrelid);
	pgmq_return_ids(fcinfo, rows, true);
	SPI_finish();
	pgmq_queue_close(queue);
}

/* pgmq.delete(queue_name, msg_id bigint) returns boolean */
Datum
pgmq_delete(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(finish_one(fcinfo, PGMQ_PLAN_DELETE));
}

/* pgmq.delete(queue_name, msg_ids bigint[]) returns setof bigint */
Datum
pgmq_delete_batch(PG_FUNCTION_ARGS)
{
	finish_many(fcinfo, PGMQ_PLAN_DELETE_BATCH);
	return (Datum) 0;
}

/* pgmq.archive(queue_name, msg_id bigint) returns boolean */
Datum
pgmq_archive(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(finish_one(fcinfo, PGMQ_PLAN_ARCHIVE));
}

/* pgmq.archive(queue_name, msg_ids bigint[]) returns setof bigint */
Datum
pgmq_archive_batch(PG_FUNCTION_ARGS)
{
	finish_many(fcinfo, PGMQ_PLAN_ARCHIVE_BATCH);
	return (Datum) 0;
}
