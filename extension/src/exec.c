/*-------------------------------------------------------------------------
 *
 * exec.c
 *	  Running a cached statement and handing its rows back to the caller,
 *	  plus the argument checks the message functions share.
 *
 * Set-returning functions materialize: the statement runs to completion
 * under SPI and its rows are copied, in msg_id order where the API promises
 * it, into the tuplestore the executor reads. Rows are stored as they are,
 * so their row type is compared with the function's first (a statement can
 * be re-planned against a table altered since the queue was opened).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "common/int.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/tuplestore.h"

#include "pgmq.h"

/*
 * pgmq_exec_plan
 *		Runs a kept plan with the given parameters; returns its rows.
 */
PgmqRows
pgmq_exec_plan(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	int		 rc = SPI_execute_plan(plan, values, nulls, false, 0);
	PgmqRows rows;

	if (rc < 0)
		elog(ERROR, "pgmq: SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	rows.tuptable = SPI_tuptable;
	rows.n = SPI_processed;
	return rows;
}

/*
 * pgmq_rows_value
 *		Column col (from 1) of row i.
 */
Datum
pgmq_rows_value(PgmqRows rows, uint64 i, int col, bool *isnull)
{
	Assert(i < rows.n);
	return SPI_getbinval(rows.tuptable->vals[i], rows.tuptable->tupdesc, col, isnull);
}

/*
 * pgmq_rows_id
 *		Column 1 of row i as an int8 (a msg_id; 0 if NULL).
 */
int64
pgmq_rows_id(PgmqRows rows, uint64 i)
{
	bool  isnull;
	Datum d = pgmq_rows_value(rows, i, 1, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * pgmq_rows_free
 *		Frees the rows now rather than at SPI_finish.
 */
void
pgmq_rows_free(PgmqRows *rows)
{
	if (rows->tuptable != NULL)
		SPI_freetuptable(rows->tuptable);
	rows->tuptable = NULL;
	rows->n = 0;
}

/* A row and its msg_id (always column 1), for sorting. */
typedef struct IdRow
{
	int64	  msg_id;
	HeapTuple tuple;
} IdRow;

static int
compare_id_rows(const void *a, const void *b)
{
	int64 x = ((const IdRow *) a)->msg_id;
	int64 y = ((const IdRow *) b)->msg_id;

	return (x > y) - (x < y);
}

/* Raises 42804 unless column 1 of the rows is a bigint msg_id. */
static void
check_id_column(PgmqRows rows)
{
	TupleDesc have = rows.tuptable->tupdesc;
	Oid		  type = have->natts >= 1 ? TupleDescAttr(have, 0)->atttypid : InvalidOid;

	if (type != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("queue statement returned msg_id of type %s, expected bigint",
						OidIsValid(type) ? format_type_be(type) : "none"),
				 errdetail("A queue or archive table was altered.")));
}

/*
 * pgmq_exec_check_rows
 *		Raises 42804 unless the rows have the row type want, so that they
 *		can be stored under it as they are.
 */
void
pgmq_exec_check_rows(PgmqRows rows, TupleDesc want)
{
	TupleDesc have;

	if (rows.tuptable == NULL)
		return;
	have = rows.tuptable->tupdesc;

	if (have->natts != want->natts)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("queue statement returned %d columns, expected %d",
						have->natts, want->natts),
				 errdetail("A queue or archive table was altered.")));
	for (int i = 0; i < want->natts; i++)
	{
		Form_pg_attribute h = TupleDescAttr(have, i);
		Form_pg_attribute w = TupleDescAttr(want, i);

		if (h->atttypid != w->atttypid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("queue statement returned column \"%s\" of type %s, expected %s",
							NameStr(w->attname), format_type_be(h->atttypid),
							format_type_be(w->atttypid)),
					 errdetail("A queue or archive table was altered.")));
	}
}

/* The rows, sorted by msg_id if asked; palloc'd array. */
static IdRow *
collect_rows(PgmqRows in, bool sort)
{
	uint64 n = in.n;
	IdRow *rows = palloc(sizeof(IdRow) * (n > 0 ? n : 1));

	if (n > 0)
		check_id_column(in);

	for (uint64 i = 0; i < n; i++)
	{
		rows[i].tuple = in.tuptable->vals[i];
		rows[i].msg_id = pgmq_rows_id(in, i);
	}
	if (sort && n > 1)
		qsort(rows, n, sizeof(IdRow), compare_id_rows);
	return rows;
}

/* Sets up materialize mode for a function returning SETOF bigint. */
static Tuplestorestate *
begin_id_set(FunctionCallInfo fcinfo, TupleDesc *desc)
{
	ReturnSetInfo	*rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext	 oldcontext;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*desc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(*desc, (AttrNumber) 1, "msg_id", INT8OID, -1, 0);
	store = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
								  false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = *desc;
	MemoryContextSwitchTo(oldcontext);
	return store;
}

/*
 * pgmq_return_messages
 *		Returns message_record rows as the function's result set, in
 *		ascending msg_id.
 */
void
pgmq_return_messages(FunctionCallInfo fcinfo, PgmqRows in)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IdRow		  *rows;

	InitMaterializedSRF(fcinfo, 0);
	if (in.n > 0)
		pgmq_exec_check_rows(in, rsinfo->setDesc);
	rows = collect_rows(in, true);
	for (uint64 i = 0; i < in.n; i++)
		tuplestore_puttuple(rsinfo->setResult, rows[i].tuple);
}

/*
 * pgmq_return_ids
 *		Returns column 1 of the rows as a SETOF bigint result, sorted if
 *		asked (otherwise in the order the statement produced them).
 */
void
pgmq_return_ids(FunctionCallInfo fcinfo, PgmqRows in, bool sort)
{
	TupleDesc		 desc;
	Tuplestorestate *store = begin_id_set(fcinfo, &desc);
	IdRow			*rows = collect_rows(in, sort);

	for (uint64 i = 0; i < in.n; i++)
	{
		Datum value = Int64GetDatum(rows[i].msg_id);
		bool  isnull = false;

		tuplestore_putvalues(store, desc, &value, &isnull);
	}
}

/*
 * pgmq_return_empty
 *		An empty result set, for SETOF functions that have nothing to run.
 */
void
pgmq_return_empty(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	   desc;

	if (get_call_result_type(fcinfo, NULL, NULL) == TYPEFUNC_COMPOSITE)
		InitMaterializedSRF(fcinfo, 0);
	else
		begin_id_set(fcinfo, &desc);
	(void) rsinfo;
}

/*
 * pgmq_timestamp_add_secs
 *		ts + secs seconds, raising 22008 when that leaves the timestamp range.
 *		Infinite timestamps stay as they are. what names the argument.
 */
TimestampTz
pgmq_timestamp_add_secs(TimestampTz ts, int64 secs, const char *what)
{
	int64		usecs;
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(ts))
		return ts;
	if (pg_mul_s64_overflow(secs, USECS_PER_SEC, &usecs) ||
		pg_add_s64_overflow(ts, usecs, &result) ||
		!IS_VALID_TIMESTAMP(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s of " INT64_FORMAT " seconds is out of range", what, secs),
				 errdetail("The resulting timestamp would be outside the supported range.")));
	return result;
}

/*
 * pgmq_int_arg
 *		Integer argument argno; raises 22004 naming it when NULL.
 */
int32
pgmq_int_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s cannot be NULL", what)));
	return PG_GETARG_INT32(argno);
}

/*
 * pgmq_timestamp_arg
 *		timestamptz argument argno; raises 22004 naming it when NULL.
 */
TimestampTz
pgmq_timestamp_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s cannot be NULL", what)));
	return PG_GETARG_TIMESTAMPTZ(argno);
}
