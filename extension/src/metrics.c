/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Queue statistics (metrics, metrics_all) and purge_queue.
 *
 * Ages and visibility use now(), the transaction start, as pgmq does;
 * total_messages is the identity sequence's last value, so it counts ids
 * ever issued, rolled-back sends included.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xlog.h"
#include "catalog/pg_class.h"
#include "catalog/namespace.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_metrics);
PG_FUNCTION_INFO_V1(pgmq_metrics_all);
PG_FUNCTION_INFO_V1(pgmq_purge_queue);

#define METRICS_NATTS 8

/*
 * Rows in the default partitions of a partitioned queue and its archive
 * (where pg_partman puts what no partition covers), or NULL if the queue
 * has no default partition. Caller is connected to SPI.
 */
static bool
default_partition_rows(PgmqQueue *queue, int64 *rows)
{
	Oid			nspid = get_namespace_oid(PGMQ_SCHEMA, false);
	char	   *qdefault = psprintf("%s_default", pgmq_queue_table(queue, 'q'));
	char	   *adefault = psprintf("%s_default", pgmq_queue_table(queue, 'a'));
	StringInfoData sql;
	bool		isnull;

	if (!OidIsValid(get_relname_relid(qdefault, nspid)))
		return false;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT (SELECT pg_catalog.count(*) FROM %s)",
					 quote_qualified_identifier(PGMQ_SCHEMA, qdefault));
	if (OidIsValid(get_relname_relid(adefault, nspid)))
		appendStringInfo(&sql, " OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM %s)",
						 quote_qualified_identifier(PGMQ_SCHEMA, adefault));
	if (SPI_execute(sql.data, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pgmq: could not count default partition rows");
	*rows = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return true;
}

/*
 * Computes the metrics of one opened queue into values/nulls. Caller is
 * connected to SPI; text values are allocated in the caller's context.
 */
static void
queue_metrics(PgmqQueue *queue, const char *name, Datum *values, bool *nulls,
			  MemoryContext result_cxt)
{
	HeapTuple	row;
	TupleDesc	desc;
	int64		default_rows;
	MemoryContext oldcxt;

	pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_METRICS), NULL, NULL);
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;

	oldcxt = MemoryContextSwitchTo(result_cxt);
	values[0] = CStringGetTextDatum(name);
	nulls[0] = false;
	/*
	 * queue_length, newest, oldest, total_messages, scrape_time, visible:
	 * all pass-by-value, so they outlive SPI_finish.
	 */
	for (int i = 1; i <= 6; i++)
		values[i] = SPI_getbinval(row, desc, i, &nulls[i]);
	MemoryContextSwitchTo(oldcxt);

	nulls[7] = !default_partition_rows(queue, &default_rows);
	values[7] = nulls[7] ? (Datum) 0 : Int64GetDatum(default_rows);
}

/*
 * pgmq.metrics(queue_name) returns pgmq.metrics_result
 */
Datum
pgmq_metrics(PG_FUNCTION_ARGS)
{
	char	   *name = pgmq_names_arg(fcinfo, 0);
	Datum		values[METRICS_NATTS];
	bool		nulls[METRICS_NATTS];
	TupleDesc	desc;
	PgmqQueue  *queue;
	HeapTuple	result;
	MemoryContext callcxt = CurrentMemoryContext;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgmq: metrics must return a composite type");
	desc = BlessTupleDesc(desc);

	queue = pgmq_queue_open(name, AccessShareLock);
	SPI_connect();
	/* Not CurrentMemoryContext: SPI_finish frees SPI's, before the tuple is formed. */
	queue_metrics(queue, name, values, nulls, callcxt);
	SPI_finish();
	pgmq_queue_close(queue);
	result = heap_form_tuple(desc, values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}

/*
 * pgmq.metrics_all() returns setof pgmq.metrics_result
 *
 * One row per queue in pgmq.meta, by name. A registry row whose table is
 * gone is skipped rather than failing the whole scrape, and so are
 * unlogged queues on a standby.
 */
Datum
pgmq_metrics_all(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt = CurrentMemoryContext;
	List	   *names = NIL;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);

	SPI_connect();
	if (SPI_execute("SELECT queue_name::pg_catalog.text FROM pgmq.meta ORDER BY 1",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not list queues");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		MemoryContext oldcxt = MemoryContextSwitchTo(callcxt);

		names = lappend(names, pstrdup(name));
		MemoryContextSwitchTo(oldcxt);
	}
	SPI_freetuptable(SPI_tuptable);

	foreach(lc, names)
	{
		char	   *name = lfirst(lc);
		Datum		values[METRICS_NATTS];
		bool		nulls[METRICS_NATTS];
		Oid			nspid = get_namespace_oid(PGMQ_SCHEMA, false);
		Oid			relid = get_relname_relid(pgmq_names_table(name, "q"), nspid);
		PgmqQueue  *queue;

		if (!OidIsValid(relid))
			continue;
		/* A standby has no contents of unlogged queues, and may not read them. */
		if (RecoveryInProgress() && get_rel_persistence(relid) == RELPERSISTENCE_UNLOGGED)
			continue;
		queue = pgmq_queue_open(name, AccessShareLock);
		queue_metrics(queue, name, values, nulls, callcxt);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		SPI_freetuptable(SPI_tuptable);
		pgmq_queue_close(queue);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * pgmq.purge_queue(queue_name) returns bigint
 *
 * Counts and truncates the queue table under one ACCESS EXCLUSIVE lock,
 * taken up front so the count and the truncate see the same rows. The
 * identity is not restarted: msg_ids are never reused.
 */
Datum
pgmq_purge_queue(PG_FUNCTION_ARGS)
{
	char	   *name = pgmq_names_arg(fcinfo, 0);
	PgmqQueue  *queue = pgmq_queue_open(name, AccessExclusiveLock);
	bool		isnull;
	int64		count;
	char	   *sql;

	SPI_connect();
	pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_COUNT), NULL, NULL);
	count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	sql = psprintf("TRUNCATE %s",
				   quote_qualified_identifier(PGMQ_SCHEMA, pgmq_queue_table(queue, 'q')));
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "pgmq: could not truncate queue \"%s\"", name);
	SPI_finish();
	pgmq_queue_close(queue);
	PG_RETURN_INT64(count);
}
