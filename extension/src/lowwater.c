/*-------------------------------------------------------------------------
 *
 * lowwater.c
 *	  Per-queue low-water mark: the msg_id below which no message can be
 *	  live any more, so that claims start their index scan there.
 *
 * A claim walks the primary key from the smallest msg_id. Consumed
 * messages leave dead index entries at that end; vacuum removes them, but
 * not while something holds back the xmin horizon (a long transaction, a
 * replica's feedback, a backup), and then every claim walks all of them
 * and a busy queue slows to a crawl. With a low-water mark L, claims add
 * "msg_id >= L" and start past the dead head.
 *
 * L must never pass a message that is, or may still become, live: that
 * message would never be delivered. Messages become live when their
 * sending transaction commits, and ids are handed out (nextval) before
 * that, in a different order. So L advances in two phases, at most every
 * pgmq.low_water_interval milliseconds per backend and queue:
 *
 *	1. Read the identity sequence's last value S. Then list the
 *	   transactions holding a lock on the queue table that conflicts with
 *	   SHARE: every transaction that may have inserted rows it has not
 *	   committed yet (an INSERT locks the table before it takes an id, and
 *	   keeps the lock until it ends). Then, with a new snapshot, find the
 *	   smallest msg_id >= L in the table, live or leased or delayed: m.
 *	   The candidate is C = min(m, S + 1): an id taken after S is > S, an
 *	   id taken before S by a transaction not in the list was committed
 *	   (visible, hence >= m, or deleted) or rolled back.
 *	2. Once every listed transaction has ended (they are short: senders
 *	   and readers), find with a new snapshot the smallest msg_id in
 *	   [L, C): a message one of them committed meanwhile. L becomes that
 *	   id, or C if there is none.
 *
 * Without listed transactions step 2 is skipped. Only READ COMMITTED
 * transactions advance L, since the steps need a fresh snapshot after
 * the sequence read. The state is per backend and lives in a small hash
 * keyed by the queue table's OID. An invalidation of that relation (also
 * sent by VACUUM and ANALYZE) makes the next use check that the OID still
 * names a table with the same identity sequence; otherwise (the queue was
 * dropped) the mark starts again from zero.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_type_d.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "pgmq.h"

/* Milliseconds between attempts to advance a queue's mark; 0 disables. */
int			pgmq_low_water_interval = 10;

typedef struct LowWater
{
	Oid			relid;			/* hash key: the queue table */
	Oid			seqid;			/* its identity sequence, to recognize it */
	bool		verify;			/* relation invalidated since last use */
	int64		mark;			/* no live message below this msg_id */
	TimestampTz next_attempt;
	bool		pending;		/* phase 1 done, waiting for lockers */
	int64		candidate;		/* phase 1's C */
	int			nlockers;
	VirtualTransactionId *lockers;	/* in lowwater_cxt */
} LowWater;

static HTAB *lowwater_hash = NULL;
static MemoryContext lowwater_cxt = NULL;

static void
lowwater_relcache_cb(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	LowWater   *lw;

	if (lowwater_hash == NULL)
		return;
	hash_seq_init(&status, lowwater_hash);
	while ((lw = hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || lw->relid == relid)
			lw->verify = true;
	}
}

/*
 * pgmq_lowwater_init
 *		Defines pgmq.low_water_interval and registers the invalidation
 *		callback; called from _PG_init.
 */
void
pgmq_lowwater_init(void)
{
	DefineCustomIntVariable("pgmq.low_water_interval",
							"Milliseconds between updates of a queue's low-water mark in a backend.",
							"Claims skip the msg_ids below the mark, which no live message has. 0 disables the mark.",
							&pgmq_low_water_interval,
							10, 0, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(lowwater_relcache_cb, (Datum) 0);
}

/* Forgets everything known about a queue's mark. */
static void
reset(LowWater *lw, Oid seqid)
{
	if (lw->lockers)
		pfree(lw->lockers);
	lw->seqid = seqid;
	lw->verify = false;
	lw->mark = 0;
	lw->next_attempt = 0;
	lw->pending = false;
	lw->candidate = 0;
	lw->nlockers = 0;
	lw->lockers = NULL;
}

static LowWater *
lookup(Oid relid, bool create)
{
	LowWater   *lw;
	bool		found;

	if (lowwater_hash == NULL)
	{
		HASHCTL		ctl;

		if (!create)
			return NULL;
		lowwater_cxt = AllocSetContextCreate(TopMemoryContext, "pgmq low-water marks",
											 ALLOCSET_SMALL_SIZES);
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(LowWater);
		ctl.hcxt = lowwater_cxt;
		lowwater_hash = hash_create("pgmq low-water marks", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	lw = hash_search(lowwater_hash, &relid, create ? HASH_ENTER : HASH_FIND, &found);
	if (lw == NULL)
		return NULL;
	if (!found)
	{
		lw->lockers = NULL;
		reset(lw, getIdentitySequence(relid, 1, true));
	}
	else if (lw->verify)
	{
		/* Still the same table? (The OID can only be reused after a drop.) */
		Oid			seqid = getIdentitySequence(relid, 1, true);

		lw->verify = false;
		if (seqid != lw->seqid)
			reset(lw, seqid);
	}
	return lw;
}

/*
 * pgmq_lowwater_get
 *		The queue's current mark in this backend (0 when unknown).
 */
int64
pgmq_lowwater_get(PgmqQueue *queue)
{
	LowWater   *lw = lookup(queue->qrelid, false);

	return (lw && lw->seqid != InvalidOid) ? lw->mark : 0;
}

/* Transactions (other than ours) that may hold uncommitted inserts. */
static VirtualTransactionId *
current_lockers(Oid relid, int *count)
{
	LOCKTAG		tag;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	return GetLockConflicts(&tag, ShareLock, count);
}

/* Runs a one-value int8 query under SPI with a fresh snapshot; false if NULL. */
static bool
query_int8(const char *sql, int nargs, Oid *types, Datum *values, int64 *result)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute_with_args(sql, nargs, types, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "pgmq: low-water query failed: %s", sql);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		*result = DatumGetInt64(d);
	SPI_freetuptable(SPI_tuptable);
	return !isnull;
}

/*
 * pgmq_lowwater_advance
 *		Tries to move the queue's mark forward (see the file header). Cheap
 *		when called often: it acts at most every pgmq.low_water_interval ms.
 *		The caller is connected to SPI and has the queue open.
 */
void
pgmq_lowwater_advance(PgmqQueue *queue)
{
	TimestampTz now;
	LowWater   *lw;
	char	   *qtable;
	Datum		args[2];
	Oid			types[2] = {INT8OID, INT8OID};
	int64		found;

	if (pgmq_low_water_interval <= 0 || IsolationUsesXactSnapshot())
		return;
	now = GetCurrentTimestamp();
	lw = lookup(queue->qrelid, true);
	if (now < lw->next_attempt)
		return;
	lw->next_attempt = TimestampTzPlusMilliseconds(now, pgmq_low_water_interval);
	qtable = quote_qualified_identifier(PGMQ_SCHEMA, pgmq_queue_table(queue, 'q'));

	if (lw->pending)
	{
		/* Phase 2: wait until every listed transaction has ended. */
		int			n;
		VirtualTransactionId *now_lockers = current_lockers(queue->qrelid, &n);

		for (int i = 0; i < lw->nlockers; i++)
			for (int j = 0; j < n; j++)
				if (VirtualTransactionIdEquals(lw->lockers[i], now_lockers[j]))
					return;		/* still running: try again later */

		args[0] = Int64GetDatum(lw->mark);
		args[1] = Int64GetDatum(lw->candidate);
		if (!query_int8(psprintf("SELECT pg_catalog.min(msg_id) FROM %s"
								 " WHERE msg_id OPERATOR(pg_catalog.>=) $1"
								 " AND msg_id OPERATOR(pg_catalog.<) $2", qtable),
						2, types, args, &found))
			found = lw->candidate;
		lw->mark = Max(lw->mark, found);
		lw->pending = false;
		return;
	}

	/* Phase 1: S, then the lockers, then m with a new snapshot. */
	{
		Oid			seqid = getIdentitySequence(queue->qrelid, 1, true);
		int64		last_issued = 0;
		int			n;
		VirtualTransactionId *lockers;
		int64		candidate;
		Oid			regclass_type = REGCLASSOID;
		Datum		seqarg = ObjectIdGetDatum(seqid);

		if (!OidIsValid(seqid))
			return;
		(void) query_int8("SELECT pg_catalog.pg_sequence_last_value($1)",
						  1, &regclass_type, &seqarg, &last_issued);
		lockers = current_lockers(queue->qrelid, &n);

		candidate = last_issued + 1;
		args[0] = Int64GetDatum(lw->mark);
		if (query_int8(psprintf("SELECT pg_catalog.min(msg_id) FROM %s"
								" WHERE msg_id OPERATOR(pg_catalog.>=) $1", qtable),
					   1, types, args, &found))
			candidate = Min(candidate, found);
		if (candidate <= lw->mark)
			return;

		if (n == 0)
		{
			lw->mark = candidate;
			return;
		}
		if (lw->lockers)
			pfree(lw->lockers);
		lw->lockers = MemoryContextAlloc(lowwater_cxt, sizeof(VirtualTransactionId) * n);
		memcpy(lw->lockers, lockers, sizeof(VirtualTransactionId) * n);
		lw->nlockers = n;
		lw->candidate = candidate;
		lw->pending = true;
		/* Short transactions: look again soon. */
		lw->next_attempt = TimestampTzPlusMilliseconds(now, Min(pgmq_low_water_interval, 10));
	}
}

PG_FUNCTION_INFO_V1(pgmq_low_water_mark);

/*
 * pgmq._low_water_mark(queue_name) returns bigint
 *
 * This backend's mark for the queue (0 when it has none): claims here scan
 * from that msg_id. For tests and diagnostics.
 */
Datum
pgmq_low_water_mark(PG_FUNCTION_ARGS)
{
	PgmqQueue  *queue = pgmq_queue_open(pgmq_names_arg(fcinfo, 0), AccessShareLock);
	int64		mark = pgmq_lowwater_get(queue);

	pgmq_queue_close(queue);
	PG_RETURN_INT64(mark);
}
