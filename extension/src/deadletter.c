/*-------------------------------------------------------------------------
 *
 * deadletter.c
 *	  Queue policies as the read path sees them, and dead-lettering.
 *
 * A queue's policy (pgmq.queue_policy, pgmq.sql) is read once per backend
 * into its PgmqQueue entry (plans.c) and kept until the queue table's
 * relcache entry is invalidated: the trigger on pgmq.queue_policy sends that
 * invalidation (pgmq._policy_changed) whenever a policy row changes, so
 * the read path checks a cached flag and nothing else when a queue has no
 * dead-letter queue.
 *
 * Dead-lettering happens after a claim, in the claiming transaction: the
 * claimed rows whose read_ct now exceeds max_deliveries (the message had
 * already been delivered that many times) are deleted from the queue and
 * inserted into the dead-letter queue in msg_id order, with headers saying
 * where, when and after how many deliveries they moved, and are left out
 * of the result. The claim locked those rows, so no other reader can
 * deliver or move them; if the transaction rolls back, the message is back
 * in its queue as before the read. The move runs as the owner of the
 * source queue (set_policy checks that the owner may send to the
 * dead-letter queue), so consumers need no right on the dead-letter queue.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_policy_changed);

/*
 * pgmq_policy_load
 *		Reads the queue's policy into its cache entry unless it is there
 *		already. The caller is connected to SPI; SPI_tuptable and
 *		SPI_processed are kept as they were.
 */
void
pgmq_policy_load(PgmqQueue *queue)
{
	SPITupleTable *saved_tuptable;
	uint64		   saved_processed;
	Oid			   argtypes[1] = {TEXTOID};
	Datum		   values[1];
	int			   rc;

	if (queue->policy_loaded)
		return;

	saved_tuptable = SPI_tuptable;
	saved_processed = SPI_processed;
	queue->max_deliveries = 0;
	queue->default_vt = -1;
	queue->policy_name[0] = '\0';
	queue->dlq_table[0] = '\0';

	/*
	 * A database still at pgmq 1.13.0 (library updated, ALTER EXTENSION
	 * UPDATE not run yet) has no policy table: no queue has a policy.
	 */
	if (!OidIsValid(get_relname_relid("queue_policy", get_namespace_oid(PGMQ_SCHEMA, false))))
	{
		queue->policy_loaded = true;
		return;
	}

	/* The latest snapshot, as for pgmq.meta (registry.c). */
	values[0] = CStringGetTextDatum(queue->table_base);
	rc = SPI_execute_snapshot(SPI_prepare("SELECT p.queue_name::pg_catalog.text,"
										  " p.dead_letter_queue::pg_catalog.text,"
										  " p.max_deliveries, p.default_vt"
										  " FROM pgmq.queue_policy p"
										  " WHERE pg_catalog.lower(p.queue_name::pg_catalog.text)"
										  " OPERATOR(pg_catalog.=) $1",
										  1, argtypes),
							  values, NULL, GetLatestSnapshot(), InvalidSnapshot,
							  true, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not read pgmq.queue_policy: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed > 0)
	{
		HeapTuple tuple = SPI_tuptable->vals[0];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool	  isnull;
		Datum	  d;

		d = SPI_getbinval(tuple, desc, 1, &isnull);
		strlcpy(queue->policy_name, TextDatumGetCString(d), NAMEDATALEN);
		d = SPI_getbinval(tuple, desc, 2, &isnull);
		if (!isnull)
		{
			char *dlq = TextDatumGetCString(d);
			bool  mnull;
			Datum m = SPI_getbinval(tuple, desc, 3, &mnull);

			if (!mnull && DatumGetInt32(m) > 0)
			{
				queue->max_deliveries = DatumGetInt32(m);
				strlcpy(queue->dlq_table, pgmq_names_table(dlq, "q"), NAMEDATALEN);
			}
		}
		d = SPI_getbinval(tuple, desc, 4, &isnull);
		if (!isnull)
			queue->default_vt = DatumGetInt32(d);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_tuptable = saved_tuptable;
	SPI_processed = saved_processed;
	queue->policy_loaded = true;
}

/*
 * pgmq_policy_vt
 *		The queue's default_vt, for a read whose vt is NULL; raises 22004,
 *		as before policies existed, when the queue has none. The caller is
 *		connected to SPI; SPI_tuptable is kept.
 */
int32
pgmq_policy_vt(PgmqQueue *queue)
{
	pgmq_policy_load(queue);
	if (queue->default_vt < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("vt cannot be NULL")));
	return queue->default_vt;
}

/* The owner of relation relid. */
static Oid
rel_owner(Oid relid)
{
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid		  owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "pgmq: cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * Moves the n messages ids (locked by this transaction's claim) from the
 * queue to its dead-letter queue, as the queue's owner. Raises unless all
 * of them moved, so the move is all or nothing with the read.
 */
static void
move_to_dead_letter_queue(PgmqQueue *queue, const int64 *ids, int n)
{
	Oid	   argtypes[5] = {INT8ARRAYOID, TIMESTAMPTZOID, TEXTOID, INT8OID, INT8OID};
	Datum  values[5];
	int64  min_id = ids[0];
	int64  max_id = ids[0];
	Datum *elems = palloc(sizeof(Datum) * n);
	Oid	   save_userid;
	int	   save_sec;
	char  *sql;
	int	   rc;
	uint64 moved;
	Oid	   dlq_relid;

	for (int i = 0; i < n; i++)
	{
		elems[i] = Int64GetDatum(ids[i]);
		min_id = Min(min_id, ids[i]);
		max_id = Max(max_id, ids[i]);
	}
	values[0] = PointerGetDatum(construct_array(elems, n, INT8OID, 8, FLOAT8PASSBYVAL,
												TYPALIGN_DOUBLE));
	values[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[2] = CStringGetTextDatum(queue->policy_name);
	/* The range lets a partitioned queue prune (see PGMQ_PLAN_DELETE_BATCH). */
	values[3] = Int64GetDatum(min_id);
	values[4] = Int64GetDatum(max_id);

	sql = psprintf("WITH moved AS (DELETE FROM %s m"
				   " WHERE m.msg_id OPERATOR(pg_catalog.=) ANY ($1)"
				   " AND m.msg_id OPERATOR(pg_catalog.>=) $4 AND m.msg_id OPERATOR(pg_catalog.<=) $5"
				   " RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.message, m.headers)"
				   " INSERT INTO %s (vt, message, headers)"
				   " SELECT $2, d.message,"
				   " CASE WHEN pg_catalog.jsonb_typeof(d.headers) OPERATOR(pg_catalog.=) 'object'"
				   "  THEN d.headers"
				   "  WHEN d.headers IS NULL"
				   "   OR pg_catalog.jsonb_typeof(d.headers) OPERATOR(pg_catalog.=) 'null'"
				   "  THEN '{}'::pg_catalog.jsonb"
				   "  ELSE pg_catalog.jsonb_build_object('x-pgmq-headers', d.headers) END"
				   " OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object("
				   "  'x-pgmq-dead-letter-source', $3,"
				   "  'x-pgmq-dead-letter-msg-id', d.msg_id,"
				   "  'x-pgmq-dead-letter-read-ct', d.read_ct OPERATOR(pg_catalog.-) 1,"
				   "  'x-pgmq-dead-letter-at', $2,"
				   "  'x-pgmq-dead-letter-enqueued-at', d.enqueued_at)"
				   " FROM moved d ORDER BY d.msg_id",
				   quote_qualified_identifier(PGMQ_SCHEMA, pgmq_queue_table(queue, 'q')),
				   quote_qualified_identifier(PGMQ_SCHEMA, queue->dlq_table));

	/*
	 * As the owner: a consumer may claim from the queue without any right
	 * on the dead-letter queue. An error resets the user at abort.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(rel_owner(queue->qrelid),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
	rc = SPI_execute_with_args(sql, 5, argtypes, values, NULL, false, 0);
	moved = SPI_processed;
	SetUserIdAndSecContext(save_userid, save_sec);

	if (rc != SPI_OK_INSERT)
		elog(ERROR, "pgmq: dead-lettering failed: %s", SPI_result_code_string(rc));
	if (moved != (uint64) n)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("pgmq: moved %llu of %d messages to the dead-letter queue",
						(unsigned long long) moved, n)));

	dlq_relid = get_relname_relid(queue->dlq_table, get_namespace_oid(PGMQ_SCHEMA, false));
	if (OidIsValid(dlq_relid))
		pgmq_wait_note_send(dlq_relid);
}

/*
 * pgmq_deadletter_apply
 *		After a claim (message_record rows): moves the rows past the queue's
 *		max_deliveries to its dead-letter queue and removes them from rows,
 *		keeping the order of the others. The caller is connected to SPI.
 */
void
pgmq_deadletter_apply(PgmqQueue *queue, PgmqRows *rows)
{
	SPITupleTable *claimed = rows->tuptable;
	uint64		   n = rows->n;
	int64		  *ids;
	int			   nmove = 0;
	uint64		   kept = 0;

	if (n == 0 || claimed == NULL)
		return;
	pgmq_policy_load(queue);
	if (queue->max_deliveries <= 0)
		return;

	ids = palloc(sizeof(int64) * n);
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple tuple = claimed->vals[i];
		bool	  isnull;
		Datum	  ct = SPI_getbinval(tuple, claimed->tupdesc, 2, &isnull);

		if (!isnull && DatumGetInt32(ct) > queue->max_deliveries)
			ids[nmove++] = DatumGetInt64(SPI_getbinval(tuple, claimed->tupdesc, 1, &isnull));
		else
			claimed->vals[kept++] = tuple;
	}
	if (nmove > 0)
	{
		move_to_dead_letter_queue(queue, ids, nmove);
		claimed->numvals = kept;
	}
	pfree(ids);
	rows->n = kept;
}

/*
 * pgmq._policy_changed(queue_name)
 *
 * Invalidates the relcache entry of the queue table, at commit in every
 * backend, so that cached policies are read again. A missing queue is fine.
 */
Datum
pgmq_policy_changed(PG_FUNCTION_ARGS)
{
	char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid	  nspid = get_namespace_oid(PGMQ_SCHEMA, true);
	Oid	  relid = InvalidOid;

	if (strlen(name) <= PGMQ_MAX_NAME_LEN && OidIsValid(nspid))
		relid = get_relname_relid(pgmq_names_table(name, "q"), nspid);
	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
	PG_RETURN_VOID();
}
