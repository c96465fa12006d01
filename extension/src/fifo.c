/*-------------------------------------------------------------------------
 *
 * fifo.c
 *	  FIFO message groups: read_grouped, read_grouped_rr, read_grouped_head
 *	  and their _with_poll forms.
 *
 * A message's group is its x-pgmq-group header ('_default_fifo_group' when
 * the header is missing or JSON null; "" is a group of its own). A group is
 * available when its absolute head, the oldest message of the group, is
 * visible: while the head is in flight, the whole group waits. Groups are
 * served oldest head first. This is what pgmq 1.13 computes with a GROUP BY
 * over the whole queue; here it is a few steps, each a cached statement
 * (plans.c):
 *
 *	 1. list the visible heads of all groups, oldest first (FIFO_HEADS: a
 *		loose index scan over the fifo index, one descent per group, so the
 *		cost follows the number of groups, not of messages; FIFO_HEADS_SCAN
 *		when the queue has no fifo index);
 *	 2. lock the heads of the groups to serve, FOR UPDATE SKIP LOCKED with
 *		a vt recheck (FIFO_LOCK);
 *	 3. add further visible messages of those groups where the mode asks
 *		for them (FIFO_NEXT);
 *	 4. claim the chosen messages (FIFO_CLAIM).
 *
 * Concurrency: the row lock on a group's head is the group's lock. Another
 * grouped reader cannot lock that head until this transaction ends, so it
 * skips the group; once this transaction commits, the head is in flight
 * (or gone and the next message is), and the group stays blocked for
 * everyone until its messages are acknowledged or their vt runs out. A head
 * claimed by a transaction that committed after our snapshot fails the vt
 * recheck when we lock it. So two grouped readers never interleave one
 * group and never get the same message. pgmq 1.13's read_grouped_rr takes
 * pg_try_advisory_xact_lock(hashtextextended(group, 0)) instead, which
 * collides across queues; a row lock belongs to its queue, and no advisory
 * lock is needed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_read_grouped);
PG_FUNCTION_INFO_V1(pgmq_read_grouped_with_poll);
PG_FUNCTION_INFO_V1(pgmq_read_grouped_rr);
PG_FUNCTION_INFO_V1(pgmq_read_grouped_rr_with_poll);
PG_FUNCTION_INFO_V1(pgmq_read_grouped_head);
PG_FUNCTION_INFO_V1(pgmq_read_grouped_head_with_poll);

/* How a grouped read fills its batch. */
typedef enum FifoMode
{
	FIFO_BATCH, /* read_grouped: oldest group first, as many
				 * of its messages as fit, then the next */
	FIFO_RR,	/* read_grouped_rr: first message of every
				 * group, then the second, ... */
	FIFO_HEAD	/* read_grouped_head: one head per group */
} FifoMode;

/* A group whose head is visible. */
typedef struct FifoHead
{
	int64 id;  /* msg_id of the head */
	Datum key; /* the group (text) */
} FifoHead;

/*
 * A growing list of message ids. Grouped reads size their memory by the
 * messages they find, never by qty: a qty of 2^31 - 1 asks for no more
 * than a qty of 10 on a queue of 10 messages.
 */
typedef struct IdList
{
	int64 *ids;
	int	   n;
	Size   cap;
} IdList;

static void
idlist_init(IdList *list)
{
	list->cap = 16;
	list->n = 0;
	list->ids = palloc(sizeof(int64) * list->cap);
}

static void
idlist_add(IdList *list, int64 id)
{
	if ((Size) list->n == list->cap)
	{
		list->cap *= 2;
		list->ids = repalloc_huge(list->ids, sizeof(int64) * list->cap);
	}
	list->ids[list->n++] = id;
}

/*
 * True if idx (or InvalidOid) is a usable fifo index of the queue: a valid
 * btree on its table. pgmq 1.13 made a GIN index under that name, which
 * cannot serve the walk over groups.
 */
static bool
fifo_index_usable(PgmqQueue *queue, Oid idx)
{
	HeapTuple tup;
	bool	  usable = false;

	if (!OidIsValid(idx))
		return false;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_class rel = (Form_pg_class) GETSTRUCT(tup);

		usable = (rel->relkind == RELKIND_INDEX ||
				  rel->relkind == RELKIND_PARTITIONED_INDEX) &&
				 rel->relam == BTREE_AM_OID;
		ReleaseSysCache(tup);
	}
	if (!usable)
		return false;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(idx));
	if (!HeapTupleIsValid(tup))
		return false;
	usable = ((Form_pg_index) GETSTRUCT(tup))->indisvalid &&
			 ((Form_pg_index) GETSTRUCT(tup))->indrelid == queue->qrelid;
	ReleaseSysCache(tup);
	return usable;
}

/*
 * True if the queue has a usable fifo index called q_<name>_fifo_idx
 * (create_fifo_index). Looked up once and kept in the queue's entry
 * (queue_state.c) until an invalidation of the table (an index created,
 * dropped or made valid) or of the index: a statement only chooses between
 * two plans with the same result on it.
 */
static bool
has_fifo_index(PgmqQueue *queue)
{
	char *name;

	if (queue->fifo_checked)
		return queue->fifo_usable;
	/* Before the look-ups: an invalidation during them clears it again. */
	queue->fifo_checked = true;
	name = psprintf("%s_fifo_idx", pgmq_queue_table(queue, 'q'));
	queue->fifo_idxrelid = get_relname_relid(name, get_rel_namespace(queue->qrelid));
	queue->fifo_usable = fifo_index_usable(queue, queue->fifo_idxrelid);
	return queue->fifo_usable;
}

/*
 * Runs a cached statement of the queue. SPI returns to its own procedure
 * context after a statement; this goes back to the caller's context, so
 * that scratch allocations stay where the caller put them.
 */
static PgmqRows
run(PgmqQueue *queue, PgmqPlanKind kind, Datum *values)
{
	MemoryContext cxt = CurrentMemoryContext;
	PgmqRows	  rows = pgmq_exec_plan(pgmq_queue_plan(queue, kind), values, NULL);

	MemoryContextSwitchTo(cxt);
	return rows;
}

/* An int8[] of ids[0..n-1], palloc'd. */
static Datum
id_array(const int64 *ids, int n)
{
	Datum *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum(ids[i]);
	return PointerGetDatum(construct_array(elems, n, INT8OID, sizeof(int64),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * The groups whose head is visible at now, oldest head first, palloc'd in
 * the current context; *n gets their number.
 */
static FifoHead *
fetch_heads(PgmqQueue *queue, TimestampTz now, int *n)
{
	Datum		 values[1];
	PgmqPlanKind kind;
	PgmqRows	 rows;
	FifoHead	*heads;

	kind = has_fifo_index(queue) ? PGMQ_PLAN_FIFO_HEADS : PGMQ_PLAN_FIFO_HEADS_SCAN;
	values[0] = TimestampTzGetDatum(now);
	rows = run(queue, kind, values);
	heads = palloc(sizeof(FifoHead) * Max(rows.n, 1));
	for (uint64 i = 0; i < rows.n; i++)
	{
		bool isnull;

		heads[i].id = pgmq_rows_id(rows, i);
		heads[i].key = datumCopy(pgmq_rows_value(rows, i, 2, &isnull), false, -1);
	}
	*n = (int) rows.n;
	pgmq_rows_free(&rows);
	return heads;
}

/*
 * Locks up to limit of the n heads (sorted by id), oldest first, skipping
 * those locked elsewhere or no longer visible. Sets got[i] for each head
 * locked and returns their number.
 */
static int
lock_heads(PgmqQueue *queue, const FifoHead *heads, int n, TimestampTz now,
		   int limit, bool *got)
{
	int64	*ids = palloc(sizeof(int64) * Max(n, 1));
	Datum	 values[3];
	PgmqRows rows;
	int		 j = 0;
	int		 locked;

	for (int i = 0; i < n; i++)
	{
		ids[i] = heads[i].id;
		got[i] = false;
	}
	values[0] = id_array(ids, n);
	values[1] = TimestampTzGetDatum(now);
	values[2] = Int64GetDatum(limit);
	rows = run(queue, PGMQ_PLAN_FIFO_LOCK, values);

	/* Both lists are in ascending msg_id. */
	for (uint64 r = 0; r < rows.n; r++)
	{
		int64 id = pgmq_rows_id(rows, r);

		while (j < n && ids[j] < id)
			j++;
		if (j < n && ids[j] == id)
			got[j] = true;
	}
	locked = (int) rows.n;
	pgmq_rows_free(&rows);
	return locked;
}

/*
 * Appends to out up to limit visible messages of group key after message
 * after, in msg_id order; returns how many.
 */
static int
next_in_group(PgmqQueue *queue, Datum key, int64 after, TimestampTz now,
			  int limit, IdList *out)
{
	Datum	 values[4];
	PgmqRows rows;
	int		 found;

	if (limit <= 0)
		return 0;
	values[0] = key;
	values[1] = Int64GetDatum(after);
	values[2] = TimestampTzGetDatum(now);
	values[3] = Int64GetDatum(limit);
	rows = run(queue, PGMQ_PLAN_FIFO_NEXT, values);
	for (uint64 r = 0; r < rows.n; r++)
		idlist_add(out, pgmq_rows_id(rows, r));
	found = (int) rows.n;
	pgmq_rows_free(&rows);
	return found;
}

/*
 * Locks the heads of up to want groups, trying them oldest first; sets
 * locked[i] for each group taken. Returns the number taken.
 */
static int
lock_groups(PgmqQueue *queue, const FifoHead *heads, int nheads, TimestampTz now,
			int want, bool *locked)
{
	int taken = 0;
	int pos = 0;

	memset(locked, 0, sizeof(bool) * Max(nheads, 1));
	while (taken < want && pos < nheads)
	{
		/* Usually every head locks; try just as many as still needed. */
		int chunk = Min(want - taken, nheads - pos);

		taken += lock_heads(queue, heads + pos, chunk, now, want - taken, locked + pos);
		pos += chunk;
	}
	return taken;
}

/*
 * Read_grouped_rr beyond the heads: layered round-robin over the ngroups
 * locked groups (heads[i] with locked[i]), layer r taking the r-th visible
 * message after the head of each group, groups in head order, until
 * chosen holds qty ids.
 *
 * Fetching qty - ngroups messages of every group up front would cost
 * groups x qty; instead each round fetches every unexhausted group down to
 * a common depth, which doubles per round, until the layers down to it hold
 * enough messages. So at most about twice what is taken is fetched (plus
 * one message per group per round).
 */
static void
choose_round_robin(PgmqQueue *queue, const FifoHead *heads, const bool *locked,
				   int nheads, int ngroups, int qty, TimestampTz now, IdList *chosen)
{
	int		want = qty - ngroups; /* messages wanted beyond the heads */
	IdList *extra = palloc(sizeof(IdList) * ngroups);
	bool   *done = palloc0(sizeof(bool) * ngroups);
	int	   *head_of = palloc(sizeof(int) * ngroups);
	int64	depth = 0;
	int		g = 0;

	for (int i = 0; i < nheads; i++)
		if (locked[i])
			head_of[g++] = i;
	for (g = 0; g < ngroups; g++)
		idlist_init(&extra[g]);

	for (;;)
	{
		int64 have = 0;
		int	  active = 0;
		int64 target;

		for (g = 0; g < ngroups; g++)
		{
			have += Min(extra[g].n, depth);
			if (!done[g])
				active++;
		}
		if (have >= want || active == 0)
			break;
		/* At least the missing messages spread over the active groups. */
		target = Max(depth * 2, depth + (want - have + active - 1) / active);
		target = Min(target, want);
		for (g = 0; g < ngroups; g++)
		{
			const FifoHead *head = &heads[head_of[g]];
			int64			after;
			int				ask;

			if (done[g])
				continue;
			CHECK_FOR_INTERRUPTS();
			after = extra[g].n > 0 ? extra[g].ids[extra[g].n - 1] : head->id;
			ask = (int) (target - extra[g].n);
			if (next_in_group(queue, head->key, after, now, ask, &extra[g]) < ask)
				done[g] = true;
		}
		depth = target;
	}

	for (int layer = 0; chosen->n < qty; layer++)
	{
		bool any = false;

		for (g = 0; g < ngroups && chosen->n < qty; g++)
		{
			if (layer < extra[g].n)
			{
				idlist_add(chosen, extra[g].ids[layer]);
				any = true;
			}
		}
		if (!any)
			break;
	}
}

/*
 * Chooses up to qty messages to claim at now, per mode, locking the heads
 * of their groups. Appends them to chosen in the order the mode selects
 * them. Allocates in the current context.
 */
static void
choose(PgmqQueue *queue, FifoMode mode, int qty, TimestampTz now, IdList *chosen)
{
	int		  nheads;
	FifoHead *heads = fetch_heads(queue, now, &nheads);
	bool	 *locked;
	int		  ngroups;

	if (nheads == 0)
		return;
	locked = palloc(sizeof(bool) * nheads);

	if (mode == FIFO_BATCH)
	{
		/* Fill from the oldest group, then the next one, and so on. */
		for (int i = 0; i < nheads && chosen->n < qty; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (lock_heads(queue, &heads[i], 1, now, 1, &locked[i]) == 0)
				continue;
			idlist_add(chosen, heads[i].id);
			next_in_group(queue, heads[i].key, heads[i].id, now, qty - chosen->n, chosen);
		}
		return;
	}

	/* One group per message while there are groups enough. */
	ngroups = lock_groups(queue, heads, nheads, now, qty, locked);

	for (int i = 0; i < nheads; i++)
		if (locked[i])
			idlist_add(chosen, heads[i].id);
	if (mode == FIFO_HEAD || ngroups == qty || ngroups == 0)
		return;

	/* Fewer groups than qty: layered round-robin. */
	choose_round_robin(queue, heads, locked, nheads, ngroups, qty, now, chosen);
}

/* For sorting claimed rows by msg_id. */
typedef struct ClaimedRow
{
	int64	  msg_id;
	HeapTuple tuple;
} ClaimedRow;

static int
compare_claimed(const void *a, const void *b)
{
	int64 x = ((const ClaimedRow *) a)->msg_id;
	int64 y = ((const ClaimedRow *) b)->msg_id;

	return (x > y) - (x < y);
}

/*
 * Returns the claimed rows in the order of chosen, which lists every
 * claimed id: read_grouped_rr's selection order.
 */
static void
return_in_order(FunctionCallInfo fcinfo, PgmqRows claimed, const int64 *chosen, int nchosen)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		   nrows = claimed.n;
	ClaimedRow	  *rows = palloc(sizeof(ClaimedRow) * Max(nrows, 1));

	InitMaterializedSRF(fcinfo, 0);
	if (nrows > 0)
		pgmq_exec_check_rows(claimed, rsinfo->setDesc);
	for (uint64 i = 0; i < nrows; i++)
	{
		rows[i].msg_id = pgmq_rows_id(claimed, i);
		rows[i].tuple = claimed.tuptable->vals[i];
	}
	qsort(rows, nrows, sizeof(ClaimedRow), compare_claimed);
	for (int i = 0; i < nchosen; i++)
	{
		ClaimedRow	key = {chosen[i], NULL};
		ClaimedRow *row = bsearch(&key, rows, nrows, sizeof(ClaimedRow), compare_claimed);

		/* A chosen message another reader locked meanwhile is not claimed. */
		if (row != NULL)
			tuplestore_puttuple(rsinfo->setResult, row->tuple);
	}
}

/* The arguments every grouped read takes. */
typedef struct FifoArgs
{
	FifoMode mode;
	int32	 vt;
	bool	 vt_null; /* vt was NULL: use the queue's default_vt */
	int32	 qty;
} FifoArgs;

static void
fifo_args(FunctionCallInfo fcinfo, FifoMode mode, FifoArgs *args)
{
	args->mode = mode;
	/* NULL: the queue's default_vt (pgmq_policy_vt), checked at the claim */
	args->vt = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1);
	args->vt_null = PG_ARGISNULL(1);
	args->qty = pgmq_int_arg(fcinfo, 2, "qty");
	if (args->qty < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("qty must not be negative, got %d", args->qty)));
}

/*
 * One attempt: chooses and claims messages. Returns the claimed rows, and
 * their ids in selection order in *chosen (palloc'd in the caller's
 * context). Scratch memory goes into scratch, which is reset. The caller
 * is connected to SPI.
 */
static PgmqRows
claim_grouped(PgmqQueue *queue, const FifoArgs *args, MemoryContext scratch,
			  int64 **chosen, int *nchosen)
{
	TimestampTz	  now = GetCurrentTimestamp();
	MemoryContext caller = MemoryContextSwitchTo(scratch);
	IdList		  picked;
	int			  n;
	Datum		  values[3];
	PgmqRows	  claimed = {NULL, 0};
	int32		  vt = args->vt_null ? pgmq_policy_vt(queue) : args->vt;

	idlist_init(&picked);
	if (args->qty > 0)
		choose(queue, args->mode, args->qty, now, &picked);
	n = picked.n;

	MemoryContextSwitchTo(caller);
	*chosen = palloc(sizeof(int64) * Max(n, 1));
	memcpy(*chosen, picked.ids, sizeof(int64) * n);
	*nchosen = n;
	MemoryContextReset(scratch);

	if (n > 0)
	{
		values[0] = TimestampTzGetDatum(now);
		values[1] = TimestampTzGetDatum(pgmq_timestamp_add_secs(now, vt, "vt"));
		values[2] = id_array(*chosen, n);
		pgmq_wait_note_claim(queue->qrelid);
		claimed = pgmq_exec_plan(pgmq_queue_plan(queue, PGMQ_PLAN_FIFO_CLAIM), values, NULL);
		pgmq_deadletter_apply(queue, &claimed);
	}
	return claimed;
}

/* Hands the claimed rows back: in selection order for rr, else by msg_id. */
static void
return_claimed(FunctionCallInfo fcinfo, const FifoArgs *args, PgmqRows claimed,
			   const int64 *chosen, int nchosen)
{
	if (claimed.n == 0)
		pgmq_return_empty(fcinfo);
	else if (args->mode == FIFO_RR)
		return_in_order(fcinfo, claimed, chosen, nchosen);
	else
		pgmq_return_messages(fcinfo, claimed);
}

/* pgmq.read_grouped*(queue_name, vt, qty) */
static Datum
read_grouped(FunctionCallInfo fcinfo, FifoMode mode)
{
	char		 *name = pgmq_names_arg(fcinfo, 0);
	FifoArgs	  args;
	PgmqQueue	 *queue;
	MemoryContext scratch;
	int64		 *chosen;
	int			  nchosen;
	PgmqRows	  claimed;

	fifo_args(fcinfo, mode, &args);
	queue = pgmq_queue_open(name, RowExclusiveLock);
	SPI_connect();
	scratch = AllocSetContextCreate(CurrentMemoryContext, "pgmq grouped read",
									ALLOCSET_DEFAULT_SIZES);
	claimed = claim_grouped(queue, &args, scratch, &chosen, &nchosen);
	return_claimed(fcinfo, &args, claimed, chosen, nchosen);
	SPI_finish();
	pgmq_queue_close(queue);
	return (Datum) 0;
}

/*
 * pgmq.read_grouped*_with_poll(queue_name, vt, qty, max_poll_seconds
 *								DEFAULT 5, poll_interval_ms DEFAULT 100)
 *
 * As read_with_poll (read.c): with pgmq preloaded the wait ends when a
 * transaction that sent to the queue commits; poll_interval_ms bounds the
 * time between re-checks, which is also when a group unblocked by an
 * acknowledgement or an expired lease is noticed.
 */
/* A try of read_grouped*_with_poll. */
typedef struct PollGrouped
{
	PgmqQueue	 *queue;
	FifoArgs	 *args;
	MemoryContext scratch;
	int64		 *chosen;
	int			  nchosen;
	PgmqRows	  claimed; /* what the last try claimed */
} PollGrouped;

static uint64
poll_try(void *arg)
{
	PollGrouped *p = arg;

	p->claimed = claim_grouped(p->queue, p->args, p->scratch, &p->chosen, &p->nchosen);
	if (p->claimed.n == 0)
	{
		pgmq_rows_free(&p->claimed);
		pfree(p->chosen);
		p->chosen = NULL;
		p->nchosen = 0;
	}
	return p->claimed.n;
}

static Datum
read_grouped_with_poll(FunctionCallInfo fcinfo, FifoMode mode)
{
	char	   *name = pgmq_names_arg(fcinfo, 0);
	int32		poll_interval_ms;
	FifoArgs	args;
	PollGrouped poll = {0};
	TimestampTz deadline;

	fifo_args(fcinfo, mode, &args);
	deadline = pgmq_wait_poll_args(fcinfo, 3, &poll_interval_ms);
	poll.queue = pgmq_queue_open(name, RowExclusiveLock);
	poll.args = &args;
	SPI_connect();
	poll.scratch = AllocSetContextCreate(CurrentMemoryContext, "pgmq grouped read",
										 ALLOCSET_DEFAULT_SIZES);
	pgmq_wait_poll(fcinfo, poll.queue->qrelid, deadline, poll_interval_ms, poll_try, &poll);
	return_claimed(fcinfo, &args, poll.claimed, poll.chosen, poll.nchosen);
	SPI_finish();
	pgmq_queue_close(poll.queue);
	return (Datum) 0;
}

/* pgmq.read_grouped(queue_name, vt, qty) */
Datum
pgmq_read_grouped(PG_FUNCTION_ARGS)
{
	return read_grouped(fcinfo, FIFO_BATCH);
}

/* pgmq.read_grouped_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms) */
Datum
pgmq_read_grouped_with_poll(PG_FUNCTION_ARGS)
{
	return read_grouped_with_poll(fcinfo, FIFO_BATCH);
}

/* pgmq.read_grouped_rr(queue_name, vt, qty) */
Datum
pgmq_read_grouped_rr(PG_FUNCTION_ARGS)
{
	return read_grouped(fcinfo, FIFO_RR);
}

/* pgmq.read_grouped_rr_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms) */
Datum
pgmq_read_grouped_rr_with_poll(PG_FUNCTION_ARGS)
{
	return read_grouped_with_poll(fcinfo, FIFO_RR);
}

/* pgmq.read_grouped_head(queue_name, vt, qty) */
Datum
pgmq_read_grouped_head(PG_FUNCTION_ARGS)
{
	return read_grouped(fcinfo, FIFO_HEAD);
}

/* pgmq.read_grouped_head_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms) */
Datum
pgmq_read_grouped_head_with_poll(PG_FUNCTION_ARGS)
{
	return read_grouped_with_poll(fcinfo, FIFO_HEAD);
}
