/*-------------------------------------------------------------------------
 *
 * lowwater.c
 *	  Per-queue low-water mark: the msg_id below which every row version
 *	  of the queue table is dead for good, so that claims start their
 *	  index scan there.
 *
 * A claim walks the primary key from the smallest msg_id. Consumed
 * messages leave dead index entries at that end; vacuum removes them, but
 * not while something holds back the xmin horizon (a long transaction, a
 * replica's feedback, a backup), and then every claim walks all of them
 * and a busy queue slows to a crawl. With a low-water mark L, claims add
 * "msg_id >= L" and start past the dead head.
 *
 * THE INVARIANT. A backend uses a mark L for a queue only while this holds:
 * every row version with msg_id < L that exists in the table, or that any
 * transaction can still insert, is dead for good: its deletion committed,
 * or its insertion aborted. Such a row can never become claimable again,
 * whatever snapshot, role, row-level security policy, savepoint or
 * rollback follows. The mark is a fact about the physical table, not about
 * what one snapshot or one role sees.
 *
 * How it is established (pgmq_lowwater_advance, at most every
 * pgmq.low_water_interval ms per backend and queue):
 *
 *	1. Scan the primary key from L with SnapshotAny and judge each row
 *	   version with HeapTupleSatisfiesVacuumHorizon: LIVE, INSERT_ or
 *	   DELETE_IN_PROGRESS (our own transaction's changes included) may be
 *	   claimable; DEAD and RECENTLY_DEAD may not. The first version that
 *	   may be claimable gives the candidate C (the scan is bounded; where
 *	   it stops, C is the msg_id it stopped at).
 *	2. Publish C in shared memory for the queue ("no insert below C
 *	   unnoticed"), then list the transactions that hold a lock on the
 *	   table conflicting with SHARE: all that may insert rows now.
 *	3. Scan [L, C) again: a row inserted before the list was taken is in
 *	   the index now, or its inserter is on the list. The first version
 *	   that may be claimable lowers C.
 *	4. When every listed transaction has ended, scan [L, C) once more (a
 *	   listed one may have inserted meanwhile). Then L = C.
 *
 * Every insert into a queue table, and every update, runs the trigger
 * pgmq._low_water_guard() (BEFORE ROW, ENABLE ALWAYS, so also under
 * session_replication_role = replica). A row that gets an id below the
 * published value bumps the queue's generation in shared memory, and every
 * backend drops its mark when it sees a new generation. This is what
 * covers ids not handed out in order: explicit ids (a re-queued archive
 * row), a sequence with CACHE > 1, setval, ALTER SEQUENCE RESTART,
 * TRUNCATE ... RESTART IDENTITY, an UPDATE of msg_id. An inserter not on
 * the list of step 2 took its lock after the list was read, hence after C
 * was published (the lock manager's LWLocks order the two), so its trigger
 * sees C. A row written while another BEFORE ROW trigger exists bumps the
 * generation too: that trigger could change msg_id unseen.
 *
 * Where the invariant cannot be proven the mark is off: without
 * shared_preload_libraries (no shared memory); for partitioned queues
 * (inserts fire the partitions' triggers); for a queue table whose guard
 * trigger is missing or not ENABLE ALWAYS, or with another enabled BEFORE
 * ROW trigger; and when all shared slots are taken. After a relcache
 * invalidation of the queue table a backend checks it again before using
 * its mark, and drops the mark if the table's storage (TRUNCATE and its
 * rollback, VACUUM FULL, a rewrite) or the guard trigger's catalog row
 * (disabled, replaced, even if undone since) changed. VACUUM and ANALYZE
 * change neither, so marks survive them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "common/hashfn.h"
#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "port/atomics.h"
#include "storage/bufmgr.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pgmq.h"

/* Milliseconds between attempts to advance a queue's mark; 0 disables. */
int pgmq_low_water_interval = 10;

/* Shared slots for queues with marks (fixed at server start). */
static int pgmq_low_water_queues = 1024;

/* Most index entries one scan of an attempt examines. */
#define SCAN_LIMIT 20000

/* No mark: claims scan from the smallest id (even a negative one). */
#define NO_MARK PG_INT64_MIN

/* Name of the guard trigger on every plain queue table (pgmq.sql). */
#define GUARD_TRIGGER "zz_pgmq_low_water_guard"

/*
 * One queue's shared state. key is (database << 32 | relation), 0 when
 * free. published only grows while the slot has the same key; generation
 * grows whenever a mark built on the slot may have become wrong.
 */
typedef struct LowWaterSlot
{
	pg_atomic_uint64 key;
	pg_atomic_uint64 published;
	pg_atomic_uint64 generation;
} LowWaterSlot;

typedef struct LowWaterShared
{
	LWLock		*lock; /* taken by markers to claim a slot */
	int			 nslots;
	int			 next_victim; /* under lock: where eviction looks next */
	LowWaterSlot slots[FLEXIBLE_ARRAY_MEMBER];
} LowWaterShared;

static LowWaterShared *lw_shared = NULL;

/* This backend's state for one queue. */
typedef struct LowWater
{
	Oid		   relid;		 /* hash key: the queue table */
	bool	   checked;		 /* table checked since the last invalidation */
	bool	   eligible;	 /* the checks passed: a mark may be used */
	int		   slot;		 /* shared slot, or -1 */
	uint64	   generation;	 /* the slot's generation the mark is built on */
	AttrNumber msgid_attnum; /* msg_id's column in the table */
	/* What the mark was built on; a change resets it. */
	RelFileNode			  node;		  /* the table's storage */
	Oid					  guard_oid;  /* its guard trigger */
	TransactionId		  guard_xmin; /* ... and that trigger's row version */
	int64				  mark;		  /* no claimable row below this msg_id, or NO_MARK */
	TimestampTz			  next_attempt;
	bool				  pending;	 /* steps 1-3 done, waiting for lockers */
	int64				  candidate; /* C */
	int					  nlockers;
	VirtualTransactionId *lockers; /* in lowwater_cxt */
} LowWater;

static HTAB			*lowwater_hash = NULL;
static MemoryContext lowwater_cxt = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
shared_size(void)
{
	return add_size(offsetof(LowWaterShared, slots),
					mul_size(sizeof(LowWaterSlot), pgmq_low_water_queues));
}

static void
lowwater_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("pgmq low-water", 1);
}

static void
lowwater_shmem_startup(void)
{
	bool found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	lw_shared = ShmemInitStruct("pgmq low-water marks", shared_size(), &found);
	if (!found)
	{
		lw_shared->lock = &(GetNamedLWLockTranche("pgmq low-water"))->lock;
		lw_shared->nslots = pgmq_low_water_queues;
		lw_shared->next_victim = 0;
		for (int i = 0; i < pgmq_low_water_queues; i++)
		{
			pg_atomic_init_u64(&lw_shared->slots[i].key, 0);
			pg_atomic_init_u64(&lw_shared->slots[i].published, (uint64) NO_MARK);
			pg_atomic_init_u64(&lw_shared->slots[i].generation, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Forgets the mark (and a pending attempt), keeping the slot. */
static void
reset_mark(LowWater *lw)
{
	if (lw->lockers)
		pfree(lw->lockers);
	lw->lockers = NULL;
	lw->nlockers = 0;
	lw->pending = false;
	lw->candidate = NO_MARK;
	lw->mark = NO_MARK;
	lw->next_attempt = 0;
}

static void
lowwater_relcache_cb(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	LowWater	   *lw;

	if (lowwater_hash == NULL)
		return;
	hash_seq_init(&status, lowwater_hash);
	while ((lw = hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || lw->relid == relid)
			lw->checked = false; /* check_table() before the next use */
	}
}

/*
 * pgmq_lowwater_init
 *		Defines the settings, asks for shared memory when preloading and
 *		registers the invalidation callback; called from _PG_init.
 */
void
pgmq_lowwater_init(void)
{
	DefineCustomIntVariable("pgmq.low_water_interval",
							"Milliseconds between updates of a queue's low-water mark in a backend.",
							"Claims skip the msg_ids below the mark, where every row is dead for good. 0 disables the mark.",
							&pgmq_low_water_interval,
							10, 0, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(lowwater_relcache_cb, (Datum) 0);

	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomIntVariable("pgmq.low_water_queues",
							"Number of queues that can have a low-water mark at the same time.",
							"Needs pgmq in shared_preload_libraries; beyond it the least recently claimed slot is reused.",
							&pgmq_low_water_queues,
							1024, 1, 1000000,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = lowwater_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = lowwater_shmem_startup;
}

static inline uint64
slot_key(Oid relid)
{
	return ((uint64) MyDatabaseId << 32) | (uint64) relid;
}

/* The slot holding key, or -1. Lock-free: keys are read atomically. */
static int
find_slot(uint64 key)
{
	int n = lw_shared->nslots;
	int start = (int) (hash_bytes_uint32((uint32) key ^ (uint32) (key >> 32)) % n);

	for (int i = 0; i < n; i++)
	{
		int	   s = (start + i) % n;
		uint64 k = pg_atomic_read_u64(&lw_shared->slots[s].key);

		if (k == key)
			return s;
		if (k == 0)
			return -1;
	}
	return -1;
}

/*
 * A slot for this queue: its own, a free one, or (all taken) another
 * queue's, whose marks the new generation invalidates. Probing stops at
 * the first free slot, so slots are never emptied, only handed over.
 */
static int
claim_slot(Oid relid)
{
	uint64 key = slot_key(relid);
	int	   n = lw_shared->nslots;
	int	   start = (int) (hash_bytes_uint32((uint32) key ^ (uint32) (key >> 32)) % n);
	int	   s = -1;

	LWLockAcquire(lw_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < n; i++)
	{
		int	   t = (start + i) % n;
		uint64 k = pg_atomic_read_u64(&lw_shared->slots[t].key);

		if (k == key)
		{
			LWLockRelease(lw_shared->lock);
			return t;
		}
		if (k == 0)
		{
			s = t;
			break;
		}
	}
	if (s < 0)
	{
		/*
		 * Every slot is taken: hand one over. Its old queue's inserters
		 * stop checking, which is safe because its marks die with the new
		 * generation, bumped before the key changes.
		 */
		s = lw_shared->next_victim;
		lw_shared->next_victim = (s + 1) % n;
		pg_atomic_fetch_add_u64(&lw_shared->slots[s].generation, 1);
	}
	pg_atomic_write_u64(&lw_shared->slots[s].published, (uint64) NO_MARK);
	pg_write_barrier();
	pg_atomic_write_u64(&lw_shared->slots[s].key, key);
	pg_memory_barrier();
	LWLockRelease(lw_shared->lock);
	return s;
}

/*
 * Raises the published bound of a slot to at least value. Bounds are
 * signed (msg_ids can be negative), kept in an unsigned atomic.
 */
static void
publish(int s, int64 value)
{
	uint64 cur = pg_atomic_read_u64(&lw_shared->slots[s].published);

	while ((int64) cur < value &&
		   !pg_atomic_compare_exchange_u64(&lw_shared->slots[s].published, &cur, (uint64) value))
		;
	pg_memory_barrier();
}

/* True while the slot still belongs to the queue at the given generation. */
static bool
slot_unchanged(LowWater *lw)
{
	LowWaterSlot *slot;

	if (lw->slot < 0)
		return false;
	slot = &lw_shared->slots[lw->slot];
	pg_memory_barrier();
	return pg_atomic_read_u64(&slot->key) == slot_key(lw->relid) &&
		   pg_atomic_read_u64(&slot->generation) == lw->generation;
}

/*
 * The msg_id column of a queue table if it is a bigint and the first
 * column of the primary key (the index claims and marks scan), else
 * InvalidAttrNumber.
 */
static AttrNumber
msgid_column(Relation rel)
{
	Relation		  index = index_open(RelationGetPrimaryKeyIndex(rel), AccessShareLock);
	AttrNumber		  attnum = index->rd_index->indkey.values[0];
	Form_pg_attribute att = attnum > 0 ? TupleDescAttr(RelationGetDescr(rel), attnum - 1) : NULL;

	index_close(index, AccessShareLock);
	if (att == NULL || att->atttypid != INT8OID || strcmp(NameStr(att->attname), "msg_id") != 0)
		return InvalidAttrNumber;
	return attnum;
}

/* The xmin of a pg_trigger row: it changes with every ALTER of the trigger. */
static TransactionId
trigger_row_xmin(Oid trigoid)
{
	Relation	  tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData	  key;
	SysScanDesc	  scan;
	HeapTuple	  tup;
	TransactionId xmin = InvalidTransactionId;

	ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(trigoid));
	scan = systable_beginscan(tgrel, TriggerOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		xmin = HeapTupleHeaderGetXmin(tup->t_data);
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return xmin;
}

/* True for an enabled BEFORE ROW trigger on INSERT or UPDATE. */
static bool
before_row_write_trigger(Trigger *t)
{
	return TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_BEFORE(t->tgtype) &&
		   (TRIGGER_FOR_INSERT(t->tgtype) || TRIGGER_FOR_UPDATE(t->tgtype)) &&
		   t->tgenabled != TRIGGER_DISABLED;
}

/*
 * Whether the invariant can be kept for this table: a plain table whose
 * guard trigger is present, fires always, on every insert and update, and
 * is the only enabled BEFORE ROW trigger for them (another one could
 * change msg_id after the guard looked, or without it firing). Sets the
 * guard's OID.
 */
static bool
table_eligible(Relation rel, AttrNumber *msgid_attnum, Oid *guard_oid)
{
	TriggerDesc *trigdesc;
	Oid			 guard_fn;

	*guard_oid = InvalidOid;
	if (lw_shared == NULL || rel->rd_rel->relkind != RELKIND_RELATION ||
		!OidIsValid(RelationGetPrimaryKeyIndex(rel)))
		return false;
	*msgid_attnum = msgid_column(rel);
	if (*msgid_attnum == InvalidAttrNumber)
		return false;
	guard_fn = LookupFuncName(list_make2(makeString(PGMQ_SCHEMA), makeString("_low_water_guard")),
							  0, NULL, true);
	if (!OidIsValid(guard_fn))
		return false;

	/*
	 * Read the trigger descriptor only now: the catalog look-ups above can
	 * accept invalidation messages, and a rebuild of the relcache entry
	 * frees the descriptor it had. Nothing in the loop below touches the
	 * catalog.
	 */
	trigdesc = rel->trigdesc;
	if (trigdesc == NULL)
		return false;

	for (int i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger *t = &trigdesc->triggers[i];

		if (!before_row_write_trigger(t))
			continue;
		if (t->tgfoid != guard_fn || strcmp(t->tgname, GUARD_TRIGGER) != 0 ||
			t->tgenabled != TRIGGER_FIRES_ALWAYS || !TRIGGER_FOR_INSERT(t->tgtype) ||
			!TRIGGER_FOR_UPDATE(t->tgtype) || t->tgnattr != 0 || t->tgqual != NULL ||
			OidIsValid(*guard_oid))
			return false;
		*guard_oid = t->tgoid;
	}
	return OidIsValid(*guard_oid);
}

/*
 * Checks the table after an invalidation (or at first use). The mark is
 * kept only if nothing it depends on changed: the same storage (TRUNCATE,
 * its rollback, VACUUM FULL and rewrites give new storage) and the same
 * guard trigger row (disabling or replacing the trigger, even if undone
 * since, makes a new row version). A plain VACUUM or ANALYZE changes
 * neither, so the mark survives them.
 */
static void
check_table(LowWater *lw)
{
	Relation	  rel = table_open(lw->relid, NoLock); /* locked by the caller */
	Oid			  guard_oid;
	TransactionId guard_xmin = InvalidTransactionId;

	/*
	 * Checked from now on: an invalidation that arrives during the catalog
	 * look-ups below clears the flag again, so the next use checks anew.
	 */
	lw->checked = true;
	lw->eligible = table_eligible(rel, &lw->msgid_attnum, &guard_oid);
	if (lw->eligible)
		guard_xmin = trigger_row_xmin(guard_oid);
	if (!lw->eligible || !RelFileNodeEquals(rel->rd_node, lw->node) ||
		guard_oid != lw->guard_oid || !TransactionIdEquals(guard_xmin, lw->guard_xmin))
		reset_mark(lw);
	lw->node = rel->rd_node;
	lw->guard_oid = guard_oid;
	lw->guard_xmin = guard_xmin;
	table_close(rel, NoLock);
}

static LowWater *
lookup(Oid relid, bool create)
{
	LowWater *lw;
	bool	  found;

	if (lowwater_hash == NULL)
	{
		HASHCTL ctl;

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
	if (lw != NULL && !found)
	{
		lw->lockers = NULL;
		reset_mark(lw);
		lw->checked = false;
		lw->eligible = false;
		lw->slot = -1;
		lw->generation = 0;
		memset(&lw->node, 0, sizeof(lw->node));
		lw->guard_oid = InvalidOid;
		lw->guard_xmin = InvalidTransactionId;
	}
	return lw;
}

/*
 * pgmq_lowwater_get
 *		Where claims of the queue in this backend start: its mark, or
 *		PG_INT64_MIN when it has none.
 */
int64
pgmq_lowwater_get(PgmqQueue *queue)
{
	LowWater *lw = lookup(queue->qrelid, false);

	if (lw == NULL)
		return NO_MARK;
	if (!lw->checked)
		check_table(lw);
	if (!lw->eligible || lw->mark == NO_MARK)
		return NO_MARK;
	if (!slot_unchanged(lw))
	{
		reset_mark(lw);
		return NO_MARK;
	}
	return lw->mark;
}

/* Transactions (other than ours) that may insert into the table. */
static VirtualTransactionId *
current_lockers(Oid relid, int *count)
{
	LOCKTAG tag;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	return GetLockConflicts(&tag, ShareLock, count);
}

/*
 * The smallest msg_id in [from, upto) with a row version that may be
 * claimable now or later, judged on the physical table (see the file
 * header). When there is none, upto; when the scan stops at SCAN_LIMIT
 * entries, the msg_id it stopped at (everything below it was judged).
 * upto = PG_INT64_MAX means no bound; then with no row found the result
 * is one past the last dead id seen (or from, if none).
 */
static int64
first_claimable(Relation heap, Relation index, AttrNumber attnum, int64 from, int64 upto)
{
	ScanKeyData		key;
	IndexScanDesc	scan;
	TupleTableSlot *slot;
	int64			result = (upto == PG_INT64_MAX) ? from : upto;
	int				examined = 0;

	ScanKeyInit(&key, 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(from));
	slot = table_slot_create(heap, NULL);
	scan = index_beginscan(heap, index, SnapshotAny, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		BufferHeapTupleTableSlot *bslot = (BufferHeapTupleTableSlot *) slot;
		bool					  isnull;
		int64					  id = DatumGetInt64(slot_getattr(slot, attnum, &isnull));
		TransactionId			  dead_after;
		HTSV_Result				  state;

		CHECK_FOR_INTERRUPTS();
		if (isnull)
			elog(ERROR, "pgmq: NULL msg_id in queue table \"%s\"", RelationGetRelationName(heap));
		if (id >= upto)
			break;
		if (++examined > SCAN_LIMIT)
		{
			result = id;
			break;
		}
		LockBuffer(bslot->buffer, BUFFER_LOCK_SHARE);
		state = HeapTupleSatisfiesVacuumHorizon(bslot->base.tuple, bslot->buffer, &dead_after);
		LockBuffer(bslot->buffer, BUFFER_LOCK_UNLOCK);
		if (state != HEAPTUPLE_DEAD && state != HEAPTUPLE_RECENTLY_DEAD)
		{
			result = id;
			break;
		}
		if (upto == PG_INT64_MAX)
			result = id + 1;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	return result;
}

/*
 * Step 4: when every transaction listed in step 2 has ended, scans [L, C)
 * again and moves the mark. False while one of them still runs.
 */
static bool
finish_pending(LowWater *lw, Relation heap, Relation index)
{
	int					  n;
	VirtualTransactionId *now_lockers = current_lockers(lw->relid, &n);
	int64				  candidate;

	for (int i = 0; i < lw->nlockers; i++)
		for (int j = 0; j < n; j++)
			if (VirtualTransactionIdEquals(lw->lockers[i], now_lockers[j]))
			{
				/* Short transactions, as a rule: look again soon. */
				lw->next_attempt = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															   Min(pgmq_low_water_interval, 10));
				return false;
			}

	candidate = first_claimable(heap, index, lw->msgid_attnum, lw->mark, lw->candidate);
	pfree(lw->lockers);
	lw->lockers = NULL;
	lw->nlockers = 0;
	lw->pending = false;
	if (slot_unchanged(lw))
		lw->mark = Max(lw->mark, candidate);
	else
		reset_mark(lw);
	return true;
}

/*
 * Steps 1 to 3: finds C, publishes it, lists the lockers and checks
 * [L, C) again. Without lockers the mark moves at once; else the attempt
 * waits for them (lw->pending).
 */
static void
start_attempt(LowWater *lw, Relation heap, Relation index, TimestampTz now)
{
	int					  n;
	VirtualTransactionId *lockers;
	int64				  candidate;

	candidate = first_claimable(heap, index, lw->msgid_attnum, lw->mark, PG_INT64_MAX);
	if (candidate <= lw->mark)
		return;
	publish(lw->slot, candidate);
	lockers = current_lockers(lw->relid, &n);
	candidate = first_claimable(heap, index, lw->msgid_attnum, lw->mark, candidate);
	if (!slot_unchanged(lw))
		reset_mark(lw);
	else if (candidate <= lw->mark)
		return;
	else if (n == 0)
		lw->mark = candidate;
	else
	{
		lw->lockers = MemoryContextAlloc(lowwater_cxt, sizeof(VirtualTransactionId) * n);
		memcpy(lw->lockers, lockers, sizeof(VirtualTransactionId) * n);
		lw->nlockers = n;
		lw->candidate = candidate;
		lw->pending = true;
		lw->next_attempt = TimestampTzPlusMilliseconds(now, Min(pgmq_low_water_interval, 10));
	}
}

/*
 * pgmq_lowwater_advance
 *		Tries to move the queue's mark forward (see the file header). Cheap
 *		when called often: it acts at most every pgmq.low_water_interval ms.
 *		The caller has the queue open (its table locked).
 */
void
pgmq_lowwater_advance(PgmqQueue *queue)
{
	TimestampTz now;
	LowWater   *lw;
	Relation	heap;
	Relation	index;

	if (pgmq_low_water_interval <= 0 || lw_shared == NULL)
		return;
	now = GetCurrentTimestamp();
	lw = lookup(queue->qrelid, true);
	if (lw->checked && (!lw->eligible || now < lw->next_attempt))
		return;
	lw->next_attempt = TimestampTzPlusMilliseconds(now, pgmq_low_water_interval);

	if (!lw->checked)
	{
		check_table(lw);
		if (!lw->eligible)
			return;
	}
	heap = table_open(queue->qrelid, NoLock); /* locked by the caller */
	if (lw->slot < 0 || pg_atomic_read_u64(&lw_shared->slots[lw->slot].key) != slot_key(lw->relid))
	{
		lw->slot = claim_slot(lw->relid);
		reset_mark(lw);
		lw->generation = pg_atomic_read_u64(&lw_shared->slots[lw->slot].generation);
	}
	else if (!slot_unchanged(lw))
	{
		reset_mark(lw);
		lw->generation = pg_atomic_read_u64(&lw_shared->slots[lw->slot].generation);
	}
	index = index_open(RelationGetPrimaryKeyIndex(heap), AccessShareLock);

	/* Step 4 of a pending attempt; once it is done, a new attempt. */
	if (!lw->pending || finish_pending(lw, heap, index))
		start_attempt(lw, heap, index, now);
	index_close(index, AccessShareLock);
	table_close(heap, NoLock);
}

PG_FUNCTION_INFO_V1(pgmq_low_water_guard);

/* msg_id of a row of a queue table; false if the table has none or it is NULL. */
static bool
row_msg_id(Relation rel, HeapTuple row, int64 *id)
{
	TupleDesc desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && att->atttypid == INT8OID &&
			strcmp(NameStr(att->attname), "msg_id") == 0)
		{
			bool  isnull;
			Datum d = heap_getattr(row, i + 1, desc, &isnull);

			*id = isnull ? 0 : DatumGetInt64(d);
			return !isnull;
		}
	}
	return false;
}

/*
 * pgmq._low_water_guard() returns trigger
 *
 * BEFORE INSERT OR UPDATE, FOR EACH ROW, on every plain queue table: a row
 * that gets an id below what a backend may use as its mark invalidates the
 * queue's marks everywhere (see the file header). So does any row written
 * while another BEFORE ROW trigger exists (it could change msg_id where the
 * guard cannot see it). An update that keeps msg_id (every read) changes
 * nothing. Returns the row as is.
 */
Datum
pgmq_low_water_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	 rel;
	HeapTuple	 row;
	TriggerDesc *trigdesc;
	int			 s;
	int64		 id;
	bool		 bump = false;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BEFORE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgmq._low_water_guard() must be called as a BEFORE ROW trigger")));
	rel = td->tg_relation;
	row = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	if (lw_shared == NULL)
		return PointerGetDatum(row);
	s = find_slot(slot_key(RelationGetRelid(rel)));
	if (s < 0)
		return PointerGetDatum(row); /* nobody has a mark for this table */

	trigdesc = rel->trigdesc;
	for (int i = 0; trigdesc != NULL && i < trigdesc->numtriggers && !bump; i++)
		if (before_row_write_trigger(&trigdesc->triggers[i]) &&
			trigdesc->triggers[i].tgfoid != td->tg_trigger->tgfoid)
			bump = true;

	if (!bump && row_msg_id(rel, row, &id))
	{
		int64 old_id;

		if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
			row_msg_id(rel, td->tg_trigtuple, &old_id) && old_id == id)
			return PointerGetDatum(row);

		/* Our lock on the table was taken before this read (see header). */
		pg_memory_barrier();
		bump = id < (int64) pg_atomic_read_u64(&lw_shared->slots[s].published);
	}
	if (bump)
		pg_atomic_fetch_add_u64(&lw_shared->slots[s].generation, 1);
	return PointerGetDatum(row);
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
	PgmqQueue *queue = pgmq_queue_open(pgmq_names_arg(fcinfo, 0), AccessShareLock);
	int64	   mark = pgmq_lowwater_get(queue);

	/* 0 when it has none, as before. */
	if (mark == PG_INT64_MIN)
		mark = 0;

	pgmq_queue_close(queue);
	PG_RETURN_INT64(mark);
}
