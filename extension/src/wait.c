/*-------------------------------------------------------------------------
 *
 * wait.c
 *	  Wakes long-polling readers when a message commits to their queue.
 *
 * With pgmq in shared_preload_libraries, shared memory holds a table of
 * waiters: (database, queue relation, process). A reader in read_with_poll
 * registers itself there *before* it first queries the queue and stays
 * registered until it returns. A transaction that sent to a queue wakes,
 * at commit, every registered reader of that queue by setting its latch;
 * one that read or popped from a queue and aborts does the same, since its
 * messages are visible again. Never at insert: a reader woken before the
 * commit could not see the row.
 *
 * No wake-up is lost between a reader's query and its sleep: the commit
 * callback runs after the transaction became visible to new snapshots, and
 * the reader registered before taking the snapshot of its query. Either
 * that query saw the message, or the committer found the registration and
 * set the latch, so the sleep returns at once.
 *
 * A transaction prepared for two-phase commit keeps no such list: its
 * commit happens in COMMIT PREPARED, maybe in another backend. That
 * statement (and ROLLBACK PREPARED) wakes every reader waiting in its
 * database once the prepared transaction is visible (a ProcessUtility
 * hook): a few needless re-checks, never a missed message.
 *
 * While it sleeps a reader gives up its xmin, so that a long poll does not
 * hold back vacuum, but only when no snapshot of the transaction could
 * still be used afterwards (may_release_xmin); otherwise it keeps it, as a
 * pg_sleep loop would.
 *
 * Without the preload there is no table; readers sleep on their latch for
 * poll_interval_ms between queries instead (no busy loop).
 *
 * Locking: PgmqWaitState->lock guards the waiters array. Readers take it
 * exclusively to register and unregister; committers take it shared to
 * scan. SetLatch is safe under it. nwaiting, the number of registered
 * readers, is an atomic read without the lock so that commits skip the
 * scan when nobody waits (the common case).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/execdesc.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/plannodes.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pgmq.h"

/* One registered reader; relid == InvalidOid marks a free slot. */
typedef struct PgmqWaiter
{
	Oid dbid;
	Oid relid;
	int pgprocno;
} PgmqWaiter;

typedef struct PgmqWaitState
{
	LWLock			*lock;
	int				 nslots;
	pg_atomic_uint32 nwaiting; /* slots in use; lets committers skip the scan */
	PgmqWaiter		 waiters[FLEXIBLE_ARRAY_MEMBER];
} PgmqWaitState;

/* Size of the waiter table (pgmq.max_waiters); fixed at server start. */
int pgmq_max_waiters = 256;

static PgmqWaitState *wait_state = NULL;

/* This backend's slot while it waits, or -1. */
static int	my_slot = -1;
static bool exit_callback_registered = false;

/*
 * Queues this transaction must wake: at commit the ones it sent to, at
 * abort the ones it claimed from. Lists of Oids in TopTransactionContext.
 */
static List *wake_on_commit = NIL;
static List *wake_on_abort = NIL;

static shmem_request_hook_type	prev_shmem_request_hook = NULL;
static shmem_startup_hook_type	prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility_hook = NULL;

static Size
wait_state_size(void)
{
	return add_size(offsetof(PgmqWaitState, waiters),
					mul_size(sizeof(PgmqWaiter), pgmq_max_waiters));
}

static void
wait_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(wait_state_size());
	RequestNamedLWLockTranche("pgmq", 1);
}

static void
wait_shmem_startup(void)
{
	bool found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wait_state = ShmemInitStruct("pgmq wait state", wait_state_size(), &found);
	if (!found)
	{
		wait_state->lock = &(GetNamedLWLockTranche("pgmq"))->lock;
		wait_state->nslots = pgmq_max_waiters;
		pg_atomic_init_u32(&wait_state->nwaiting, 0);
		for (int i = 0; i < pgmq_max_waiters; i++)
			wait_state->waiters[i].relid = InvalidOid;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Wakes every reader registered in this database for one of relids, or
 * for any queue when all is true.
 */
static void
wake_readers(List *relids, bool all)
{
	ListCell *lc;

	if (wait_state == NULL || (relids == NIL && !all))
		return;

	/*
	 * Nobody waits: skip the lock and the scan. Safe without the lock: our
	 * commit is visible before this read (barrier), and a reader counts
	 * itself before taking its snapshot, so either we see its count or it
	 * sees our commit.
	 */
	pg_memory_barrier();
	if (pg_atomic_read_u32(&wait_state->nwaiting) == 0)
		return;

	LWLockAcquire(wait_state->lock, LW_SHARED);
	for (int i = 0; i < wait_state->nslots; i++)
	{
		PgmqWaiter *w = &wait_state->waiters[i];

		if (!OidIsValid(w->relid) || w->dbid != MyDatabaseId)
			continue;
		if (all)
		{
			SetLatch(&GetPGProcByNumber(w->pgprocno)->procLatch);
			continue;
		}
		foreach(lc, relids)
		{
			if (lfirst_oid(lc) == w->relid)
			{
				SetLatch(&GetPGProcByNumber(w->pgprocno)->procLatch);
				break;
			}
		}
	}
	LWLockRelease(wait_state->lock);
}

/* Frees this backend's slot, if it holds one. Safe to call any time. */
static void
release_slot(void)
{
	if (my_slot < 0 || wait_state == NULL)
		return;
	LWLockAcquire(wait_state->lock, LW_EXCLUSIVE);
	wait_state->waiters[my_slot].relid = InvalidOid;
	pg_atomic_fetch_sub_u32(&wait_state->nwaiting, 1);
	LWLockRelease(wait_state->lock);
	my_slot = -1;
}

static void
wait_xact_cb(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
			wake_readers(wake_on_commit, false);
			break;
		case XACT_EVENT_ABORT:
			release_slot();
			wake_readers(wake_on_abort, false);
			break;
		default:
			break;
	}
	/* The lists lived in TopTransactionContext, which is going away. */
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT)
	{
		wake_on_commit = NIL;
		wake_on_abort = NIL;
	}
}

static void
wait_exit_cb(int code, Datum arg)
{
	release_slot();
}

/*
 * COMMIT PREPARED and ROLLBACK PREPARED finish a transaction whose wake
 * lists were dropped at PREPARE (they live in the preparing backend's
 * memory, which a prepared transaction outlives). Once the statement has
 * returned, the prepared transaction is visible or gone: wake every reader
 * of this database (the prepared transaction's, which COMMIT PREPARED
 * requires), since which queues it touched is no longer known.
 */
static void
wait_process_utility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	Node *node = pstmt->utilityStmt;
	bool  finishes_prepared = false;

	if (IsA(node, TransactionStmt))
	{
		TransactionStmtKind kind = ((TransactionStmt *) node)->kind;

		finishes_prepared = (kind == TRANS_STMT_COMMIT_PREPARED ||
							 kind == TRANS_STMT_ROLLBACK_PREPARED);
	}

	if (prev_ProcessUtility_hook)
		prev_ProcessUtility_hook(pstmt, queryString, readOnlyTree, context,
								 params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);

	if (finishes_prepared)
		wake_readers(NIL, true);
}

/*
 * pgmq_wait_init
 *		When loaded by shared_preload_libraries, defines pgmq.max_waiters
 *		and asks for the waiter table. Called from _PG_init.
 */
void
pgmq_wait_init(void)
{
	RegisterXactCallback(wait_xact_cb, NULL);

	/*
	 * A PGC_POSTMASTER setting can only be defined while preloading; loaded
	 * later (at the first call of a pgmq function), defining it is FATAL.
	 */
	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomIntVariable("pgmq.max_waiters",
							"Maximum number of readers that can wait in read_with_poll to be woken at commit.",
							"Readers beyond this poll at poll_interval_ms. Needs pgmq in shared_preload_libraries.",
							&pgmq_max_waiters,
							256, 1, 100000,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = wait_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = wait_shmem_startup;
	prev_ProcessUtility_hook = ProcessUtility_hook;
	ProcessUtility_hook = wait_process_utility;
}

/* Adds relid to *list in TopTransactionContext, once. */
static void
remember(List **list, Oid relid)
{
	MemoryContext old;

	if (wait_state == NULL || list_member_oid(*list, relid))
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	*list = lappend_oid(*list, relid);
	MemoryContextSwitchTo(old);
}

/*
 * pgmq_wait_note_send
 *		Records that this transaction made messages of the queue visible or
 *		available (send, set_vt, and delete/archive, which unblock FIFO
 *		groups); its readers are woken at commit.
 */
void
pgmq_wait_note_send(Oid relid)
{
	remember(&wake_on_commit, relid);
}

/*
 * pgmq_wait_note_claim
 *		Records that this transaction claimed messages of the queue; if it
 *		aborts they are visible again and its readers are woken.
 */
void
pgmq_wait_note_claim(Oid relid)
{
	remember(&wake_on_abort, relid);
}

/*
 * Registers this backend as a reader of relid, to be woken at commits that
 * send to it. Must come before the first query of the wait, and be undone
 * by release_slot. Returns false when there is no waiter table or no free
 * slot; the caller then just polls.
 */
static bool
register_reader(Oid relid)
{
	if (wait_state == NULL)
		return false;
	if (!exit_callback_registered)
	{
		before_shmem_exit(wait_exit_cb, (Datum) 0);
		exit_callback_registered = true;
	}
	release_slot();

	LWLockAcquire(wait_state->lock, LW_EXCLUSIVE);
	for (int i = 0; i < wait_state->nslots; i++)
	{
		PgmqWaiter *w = &wait_state->waiters[i];

		if (!OidIsValid(w->relid))
		{
			w->dbid = MyDatabaseId;
			w->pgprocno = MyProc->pgprocno;
			w->relid = relid;
			my_slot = i;
			/* A full barrier: counted before the caller's first snapshot. */
			pg_atomic_fetch_add_u32(&wait_state->nwaiting, 1);
			break;
		}
	}
	LWLockRelease(wait_state->lock);
	return my_slot >= 0;
}

/*
 * True when the sleep may give up this backend's xmin because no snapshot
 * taken before it can be used again in this transaction. That holds when
 *  - every query takes a new snapshot (READ COMMITTED);
 *  - the caller is the executor of the statement the client runs (the
 *    active portal's), not a PL function or another nested query, and that
 *    statement is "SELECT <columns> FROM f(...)": once f returns, the
 *    statement only reads f's result, never a table or another function
 *    that could use its snapshot;
 *  - the statement's snapshot is the only one registered: no open cursor,
 *    no snapshot a function of the transaction still holds.
 * Anything else keeps the xmin while waiting: a cursor declared before the
 * poll, or a join with a table, must still see the rows its snapshot saw.
 */
static bool
may_release_xmin(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EState		  *estate;
	PlannedStmt	  *stmt;
	Plan		  *plan;
	ListCell	  *lc;

	if (IsolationUsesXactSnapshot())
		return false;
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || rsinfo->econtext == NULL)
		return false;
	estate = rsinfo->econtext->ecxt_estate;
	if (estate == NULL || ActivePortal == NULL ||
		ActivePortal->queryDesc == NULL ||
		ActivePortal->queryDesc->estate != estate)
		return false;
	if (!ActiveSnapshotSet() || GetActiveSnapshot() != estate->es_snapshot)
		return false;

	stmt = estate->es_plannedstmt;
	if (stmt == NULL || stmt->commandType != CMD_SELECT ||
		stmt->hasModifyingCTE || stmt->subplans != NIL ||
		stmt->rowMarks != NIL || list_length(stmt->rtable) != 1)
		return false;
	plan = stmt->planTree;
	if (plan == NULL || !IsA(plan, FunctionScan) ||
		list_length(((FunctionScan *) plan)->functions) != 1 ||
		plan->qual != NIL || plan->initPlan != NIL ||
		plan->lefttree != NULL || plan->righttree != NULL)
		return false;
	foreach(lc, plan->targetlist)
	{
		Node *expr = (Node *) lfirst_node(TargetEntry, lc)->expr;

		if (!IsA(expr, Var) && !IsA(expr, Const))
			return false;
	}

	/* Then the one registered snapshot left must be the statement's. */
	InvalidateCatalogSnapshot();
	return ThereAreNoPriorRegisteredSnapshots();
}

/*
 * Sleeps until woken, interval_ms have passed or the deadline comes,
 * whichever is first, then handles interrupts. Returns false, without
 * sleeping, once the deadline has passed: the poll is over. The next
 * query's snapshot sets a fresh xmin if the sleep gave it up.
 */
static bool
sleep_until(FunctionCallInfo fcinfo, TimestampTz deadline, int32 interval_ms)
{
	long remaining_ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);

	if (remaining_ms <= 0)
		return false;
	if (may_release_xmin(fcinfo))
		MyProc->xmin = InvalidTransactionId;
	(void) WaitLatch(MyLatch,
					 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 Min(remaining_ms, interval_ms), PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	return true;
}

/*
 * pgmq_wait_poll
 *		The loop of every *_with_poll function: calls try_claim(arg) until
 *		it claims something or the deadline passes, sleeping in between
 *		until a commit to the queue relid wakes it or interval_ms pass.
 *		try_claim runs its queries with new snapshots and, when it claims
 *		nothing, frees what it made. Returns what the last try returned.
 */
uint64
pgmq_wait_poll(FunctionCallInfo fcinfo, Oid relid, TimestampTz deadline,
			   int32 interval_ms, PgmqPollTry try_claim, void *arg)
{
	volatile uint64 claimed = 0;

	/* Register before the first query, so no commit after it goes unseen. */
	register_reader(relid);
	PG_TRY();
	{
		while ((claimed = try_claim(arg)) == 0 &&
			   sleep_until(fcinfo, deadline, interval_ms))
			;
	}
	PG_FINALLY();
	{
		release_slot();
	}
	PG_END_TRY();
	return claimed;
}

/*
 * pgmq_wait_poll_args
 *		Reads and checks the max_poll_seconds and poll_interval_ms arguments
 *		of a *_with_poll function (at argno and argno + 1). Returns when the
 *		poll must end and sets *interval_ms.
 */
TimestampTz
pgmq_wait_poll_args(FunctionCallInfo fcinfo, int argno, int32 *interval_ms)
{
	int32 max_poll_seconds = pgmq_int_arg(fcinfo, argno, "max_poll_seconds");
	int32 poll_interval_ms = pgmq_int_arg(fcinfo, argno + 1, "poll_interval_ms");

	if (max_poll_seconds < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_poll_seconds must not be negative, got %d", max_poll_seconds)));
	if (poll_interval_ms <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("poll_interval_ms must be greater than zero, got %d", poll_interval_ms)));
	*interval_ms = poll_interval_ms;
	return pgmq_timestamp_add_secs(GetCurrentTimestamp(), max_poll_seconds,
								   "max_poll_seconds");
}
