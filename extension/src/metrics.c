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
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type_d.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "optimizer/paths.h"
#include "storage/bufmgr.h"
#include "parser/parse_relation.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_metrics);
PG_FUNCTION_INFO_V1(pgmq_metrics_all);
PG_FUNCTION_INFO_V1(pgmq_purge_queue);

#define METRICS_NATTS 8

/*
 * Rows in the default partitions of a partitioned queue and its archive
 * (where pg_partman puts what no partition covers), or NULL if the queue
 * has no default partition, or if the caller may not read the partitions
 * themselves (grants on the parent tables do not reach them), rather than
 * failing the whole row. Caller is connected to SPI.
 */
static bool
default_partition_rows(PgmqQueue *queue, int64 *rows)
{
	Oid			   nspid = get_namespace_oid(PGMQ_SCHEMA, false);
	char		  *qdefault = psprintf("%s_default", pgmq_queue_table(queue, 'q'));
	char		  *adefault = psprintf("%s_default", pgmq_queue_table(queue, 'a'));
	Oid			   qdefid = get_relname_relid(qdefault, nspid);
	Oid			   adefid = get_relname_relid(adefault, nspid);
	StringInfoData sql;
	bool		   isnull;

	if (!OidIsValid(qdefid) ||
		pg_class_aclcheck(qdefid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		(OidIsValid(adefid) &&
		 pg_class_aclcheck(adefid, GetUserId(), ACL_SELECT) != ACLCHECK_OK))
		return false;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT (SELECT pg_catalog.count(*) FROM %s)",
					 quote_qualified_identifier(PGMQ_SCHEMA, qdefault));
	if (OidIsValid(adefid))
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
	HeapTuple	  row;
	TupleDesc	  desc;
	int64		  default_rows;
	MemoryContext oldcxt;
	PgmqRows	  rows;

	rows = pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_METRICS), NULL, NULL);
	if (rows.n != 1)
		elog(ERROR, "pgmq: metrics of queue \"%s\" returned " UINT64_FORMAT " rows", name, rows.n);
	row = rows.tuptable->vals[0];
	desc = rows.tuptable->tupdesc;

	oldcxt = MemoryContextSwitchTo(result_cxt);
	values[0] = CStringGetTextDatum(name);
	nulls[0] = false;
	/*
	 * queue_length, newest, oldest, total_messages, scrape_time, visible:
	 * copied into result_cxt, so that they outlive SPI_finish also where
	 * int8 and timestamptz are passed by reference.
	 */
	for (int i = 1; i <= 6; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i - 1);

		values[i] = SPI_getbinval(row, desc, i, &nulls[i]);
		if (!nulls[i])
			values[i] = datumCopy(values[i], att->attbyval, att->attlen);
	}
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
	char		 *name = pgmq_names_arg(fcinfo, 0);
	Datum		  values[METRICS_NATTS];
	bool		  nulls[METRICS_NATTS];
	TupleDesc	  desc;
	PgmqQueue	 *queue;
	HeapTuple	  result;
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
 * metrics_all computes each plain queue's row itself: one heap scan of the
 * queue table with the calling statement's snapshot, counting the visible
 * rows and those with vt <= now() and keeping the oldest and newest
 * enqueued_at, which is what the metrics statement's plan does, without
 * parsing, planning or caching a statement per queue. A scrape of 10,000
 * queues thus neither prepares 10,000 statements nor pushes the plans of
 * the queues this backend works on out of its cache. Each table's ACCESS
 * SHARE lock is released once its scan is done, so the scrape needs no
 * lock table room per queue. Partitioned queues, tables with row level
 * security and tables of min_parallel_table_scan_size or more (when
 * parallel query is on) go through the SQL statement instead (one-shot,
 * not cached).
 */

/*
 * EXTRACT(epoch FROM now() - ts)::int4 as the metrics statement computes it
 * (AGE_SECS in plans.c): seconds rounded half away from zero, clamped to
 * the int4 range, and infinite timestamps give the bounds.
 */
static Datum
age_secs(TimestampTz now, TimestampTz ts)
{
	int64 diff;
	int64 secs;
	int64 rem;

	if (TIMESTAMP_IS_NOBEGIN(ts))
		return Int32GetDatum(PG_INT32_MAX);
	if (TIMESTAMP_IS_NOEND(ts))
		return Int32GetDatum(PG_INT32_MIN);
	if (pg_sub_s64_overflow(now, ts, &diff))
		return Int32GetDatum(ts < now ? PG_INT32_MAX : PG_INT32_MIN);
	secs = diff / USECS_PER_SEC;
	rem = diff % USECS_PER_SEC;
	if (rem >= USECS_PER_SEC / 2)
		secs++;
	else if (rem <= -USECS_PER_SEC / 2)
		secs--;
	return Int32GetDatum((int32) Max(Min(secs, PG_INT32_MAX), PG_INT32_MIN));
}

/*
 * total_messages: the identity sequence's last value, 0 if never used. The
 * sequence is read as the statement would ("SELECT ... FROM seq"), under an
 * ACCESS SHARE lock released at once.
 */
static Datum
total_messages(Oid relid)
{
	Oid				seqid = getIdentitySequence(relid, 1, true);
	Relation		seqrel;
	TableScanDesc	scan;
	TupleTableSlot *slot;
	AclResult		aclresult;
	int64			total = 0;

	if (!OidIsValid(seqid))
		return Int64GetDatum(0);
	seqrel = relation_open(seqid, AccessShareLock);
	aclresult = pg_class_aclcheck(seqid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_SEQUENCE, RelationGetRelationName(seqrel));
	slot = table_slot_create(seqrel, NULL);
	scan = table_beginscan(seqrel, GetActiveSnapshot(), 0, NULL);
	if (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool isnull;
		bool is_called = DatumGetBool(slot_getattr(slot, 3, &isnull));

		if (is_called)
			total = DatumGetInt64(slot_getattr(slot, 1, &isnull));
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	relation_close(seqrel, AccessShareLock);
	return Int64GetDatum(total);
}

/*
 * Fills values[1..6] of a plain queue table by scanning it; false if the
 * table is gone or must go through SQL (partitioned, row level security).
 */
static bool
scan_metrics(Oid relid, Datum *values, bool *nulls)
{
	Relation		rel;
	AttrNumber		enq_att;
	AttrNumber		vt_att;
	TableScanDesc	scan;
	TupleTableSlot *slot;
	TimestampTz		now = GetCurrentTransactionStartTimestamp();
	int64			count = 0;
	int64			visible = 0;
	TimestampTz		oldest = 0;
	TimestampTz		newest = 0;
	AclResult		aclresult;

	rel = try_table_open(relid, AccessShareLock);
	if (rel == NULL)
		return false; /* dropped since it was listed */
	/*
	 * Big tables go through SQL too: the executor may scan them with
	 * parallel workers, which this loop cannot.
	 */
	if (rel->rd_rel->relkind != RELKIND_RELATION ||
		check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED ||
		(max_parallel_workers_per_gather > 0 &&
		 RelationGetNumberOfBlocks(rel) >= (BlockNumber) min_parallel_table_scan_size))
	{
		table_close(rel, NoLock);
		return false;
	}
	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, RelationGetRelationName(rel));
	enq_att = attnameAttNum(rel, "enqueued_at", false);
	vt_att = attnameAttNum(rel, "vt", false);
	/* An altered table goes through the checks of the SQL path. */
	if (enq_att <= 0 || vt_att <= 0 ||
		TupleDescAttr(RelationGetDescr(rel), enq_att - 1)->atttypid != TIMESTAMPTZOID ||
		TupleDescAttr(RelationGetDescr(rel), vt_att - 1)->atttypid != TIMESTAMPTZOID)
	{
		table_close(rel, NoLock);
		return false;
	}

	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		TimestampTz enq = DatumGetTimestampTz(slot_getattr(slot, enq_att, &isnull));
		TimestampTz vt;

		CHECK_FOR_INTERRUPTS();
		/* enqueued_at and vt are NOT NULL in pgmq's DDL; count as SQL would. */
		if (!isnull)
		{
			if (count == 0 || enq < oldest)
				oldest = enq;
			if (count == 0 || enq > newest)
				newest = enq;
		}
		vt = DatumGetTimestampTz(slot_getattr(slot, vt_att, &isnull));
		if (!isnull && vt <= now)
			visible++;
		count++;
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);

	values[1] = Int64GetDatum(count);
	nulls[1] = false;
	nulls[2] = nulls[3] = (count == 0);
	if (count > 0)
	{
		values[2] = age_secs(now, newest);
		values[3] = age_secs(now, oldest);
	}
	values[4] = total_messages(relid);
	nulls[4] = false;
	values[5] = TimestampTzGetDatum(now);
	nulls[5] = false;
	values[6] = Int64GetDatum(visible);
	nulls[6] = false;
	table_close(rel, AccessShareLock); /* releases the lock: read only */
	return true;
}

/*
 * Whether the current user may read the metrics of queue table relid: SELECT
 * on it and on its identity sequence (total_messages). Checked before any
 * lock, from the catalogs only.
 */
static bool
may_read_metrics(Oid relid)
{
	bool is_missing = false;
	Oid	 seqid;

	if (pg_class_aclcheck_ext(relid, GetUserId(), ACL_SELECT, &is_missing) != ACLCHECK_OK)
		return false;
	seqid = getIdentitySequence(relid, 1, true);
	return !OidIsValid(seqid) ||
		   pg_class_aclcheck_ext(seqid, GetUserId(), ACL_SELECT, &is_missing) == ACLCHECK_OK;
}

/*
 * pgmq.metrics_all() returns setof pgmq.metrics_result
 *
 * One row per queue in pgmq.meta, by name: the same values as metrics().
 * A registry row whose table is gone is skipped rather than failing the
 * whole scrape, and so are unlogged queues on a standby and the queues the
 * caller may not read: a monitor sees what it was granted.
 */
Datum
pgmq_metrics_all(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext  callcxt = CurrentMemoryContext;
	MemoryContext  rowcxt;
	List		  *names = NIL;
	ListCell	  *lc;
	Oid			   nspid;

	InitMaterializedSRF(fcinfo, 0);

	SPI_connect();
	if (SPI_execute("SELECT queue_name::pg_catalog.text FROM pgmq.meta ORDER BY 1",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not list queues");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char		 *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		MemoryContext oldcxt = MemoryContextSwitchTo(callcxt);

		names = lappend(names, pstrdup(name));
		MemoryContextSwitchTo(oldcxt);
	}
	SPI_finish();

	nspid = get_namespace_oid(PGMQ_SCHEMA, false);
	rowcxt = AllocSetContextCreate(callcxt, "pgmq metrics_all row", ALLOCSET_SMALL_SIZES);
	foreach(lc, names)
	{
		char		 *name = lfirst(lc);
		Datum		  values[METRICS_NATTS];
		bool		  nulls[METRICS_NATTS];
		Oid			  relid = get_relname_relid(pgmq_names_table(name, "q"), nspid);
		MemoryContext oldcxt;

		if (!OidIsValid(relid) || !may_read_metrics(relid))
			continue;
		/* A standby has no contents of unlogged queues, and may not read them. */
		if (RecoveryInProgress() && get_rel_persistence(relid) == RELPERSISTENCE_UNLOGGED)
			continue;
		oldcxt = MemoryContextSwitchTo(rowcxt);
		values[0] = CStringGetTextDatum(name);
		nulls[0] = false;
		if (scan_metrics(relid, values, nulls))
		{
			nulls[7] = true; /* a plain table has no default partition */
			values[7] = (Datum) 0;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		else if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		{
			/* Partitioned or with row level security: the SQL statement. */
			PgmqQueue queue;
			char	 *sql;
			int64	  default_rows;

			/* Names the queue and column, where the SQL would not. */
			pgmq_shape_check_relation(relid, name, false);
			memset(&queue, 0, sizeof(queue));
			queue.qrelid = relid;
			strlcpy(queue.table_base, pgmq_names_table(name, "q") + 2, NAMEDATALEN);
			sql = pgmq_queue_sql(&queue, PGMQ_PLAN_METRICS);
			SPI_connect();
			if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
				elog(ERROR, "pgmq: could not read the metrics of queue \"%s\"", name);
			for (int i = 1; i <= 6; i++)
				values[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i, &nulls[i]);
			nulls[7] = !default_partition_rows(&queue, &default_rows);
			values[7] = nulls[7] ? (Datum) 0 : Int64GetDatum(default_rows);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			SPI_finish();
		}
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	return (Datum) 0;
}

/*
 * pgmq.purge_queue(queue_name) returns bigint
 *
 * Counts and truncates the queue table under one ACCESS EXCLUSIVE lock,
 * taken up front so the count and the truncate see the same rows. The
 * identity is not restarted: msg_ids are never reused.
 *
 * The caller needs TRUNCATE on the queue table (checked before the lock,
 * queue_state.c); the count and the TRUNCATE then run as the table's owner in a
 * security-restricted operation, as VACUUM and REFRESH MATERIALIZED VIEW
 * do, so that TRUNCATE triggers the owner put on the table never run with
 * the rights of a superuser or maintenance role that purges it.
 */
Datum
pgmq_purge_queue(PG_FUNCTION_ARGS)
{
	char	  *name = pgmq_names_arg(fcinfo, 0);
	PgmqQueue *queue;
	bool	   isnull;
	int64	   count;
	char	  *sql;
	Oid		   argtypes[1] = {TEXTOID};
	Datum	   args[1];
	HeapTuple  classtup;
	Oid		   owner;
	Oid		   save_userid;
	int		   save_sec_context;
	int		   save_nestlevel;
	PgmqRows   rows;

	/*
	 * Lock order (see pgmq.run_maintenance): the queue's lock before its
	 * table, as drop_queue and maintenance take them.
	 */
	SPI_connect();
	args[0] = CStringGetTextDatum(name);
	if (SPI_execute_with_args("SELECT pgmq.acquire_queue_lock($1)", 1, argtypes, args,
							  NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not lock queue \"%s\"", name);
	SPI_finish();

	queue = pgmq_queue_open(name, AccessExclusiveLock);

	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(queue->qrelid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "pgmq: cache lookup failed for relation %u", queue->qrelid);
	owner = ((Form_pg_class) GETSTRUCT(classtup))->relowner;
	ReleaseSysCache(classtup);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();

	SPI_connect();
	rows = pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_COUNT), NULL, NULL);
	if (rows.n != 1)
		elog(ERROR, "pgmq: count of queue \"%s\" returned " UINT64_FORMAT " rows", name, rows.n);
	count = DatumGetInt64(pgmq_rows_value(rows, 0, 1, &isnull));
	sql = psprintf("TRUNCATE %s",
				   quote_qualified_identifier(PGMQ_SCHEMA, pgmq_queue_table(queue, 'q')));
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "pgmq: could not truncate queue \"%s\"", name);
	SPI_finish();

	/* An error on the way restores the user at transaction abort. */
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	pgmq_queue_close(queue);
	PG_RETURN_INT64(count);
}
