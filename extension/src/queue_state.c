/*-------------------------------------------------------------------------
 *
 * queue_state.c
 *	  One home for a queue's per-backend state.
 *
 * Every message function opens its queue here (pgmq_queue_open). A queue
 * has one entry per backend, found by its name as given, holding all that
 * the C files keep about it (queue_state.h):
 *
 *	relations	 the queue and archive tables (checked here: registered in
 *				 pgmq.meta, columns as the statements need, shape.c);
 *	plans		 the statements prepared for it (plans.c);
 *	ids			 its msg_id sequence and whether it is logged (ids.c);
 *	fifo index	 whether q_<name>_fifo_idx can serve grouped reads (fifo.c);
 *	low water	 the backend's low-water mark and its checks (lowwater.c).
 *
 * ONE INVALIDATION PATH. A single relcache callback (entry_relcache_cb)
 * decides what a change of a relation makes stale, and only clears flags:
 * valid (queue or archive table changed), ids_checked (queue table or
 * sequence), fifo_checked (queue table or fifo index: creating, dropping or
 * validating an index invalidates its table) and lowwater_checked (queue
 * table). A full reset (relid InvalidOid) clears all of them. Each file
 * looks again on its next use, and sets its flag before its catalog
 * look-ups, so that an invalidation accepted during them clears it again
 * (anything read from a relcache entry before such a look-up must be copied
 * first: a rebuild frees it). When the name comes to belong to another
 * table (dropped and re-created), the entry's plans and low-water state are
 * freed and every flag cleared.
 *
 * Entries are kept for at most pgmq.max_cached_queues queues, least
 * recently used first out; eviction frees the plans and the low-water
 * state. It only happens when no pgmq function is running in this backend
 * (open_depth == 0): a trigger on a queue table may call pgmq again while
 * an outer statement executes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "pgmq.h"

/* name -> PgmqQueue */
static HTAB *queue_cache = NULL;

/* Entries by recency of use, most recent at the head. */
static dlist_head queue_lru = DLIST_STATIC_INIT(queue_lru);

/* Number of pgmq_queue_open calls not yet closed in this transaction. */
static int open_depth = 0;

/* What depends on the queue table: everything. */
static void
forget_checks(PgmqQueue *queue)
{
	queue->valid = false;
	queue->ids_checked = false;
	queue->fifo_checked = false;
	queue->lowwater_checked = false;
	queue->policy_loaded = false;
}

/*
 * The one relcache callback of the queue state: clears the flags of what
 * a change of relid makes stale (see the file header). Must not fail or
 * allocate.
 */
static void
entry_relcache_cb(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	PgmqQueue	   *queue;

	if (queue_cache == NULL)
		return;
	hash_seq_init(&status, queue_cache);
	while ((queue = hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || relid == queue->qrelid)
			forget_checks(queue);
		else if (relid == queue->arelid)
		{
			queue->valid = false;
			queue->policy_loaded = false;
		}
		else if (relid == queue->seqrelid)
			queue->ids_checked = false;
		else if (relid == queue->fifo_idxrelid)
			queue->fifo_checked = false;
	}
}

/*
 * At the end of a transaction no pgmq function is running any more, even
 * if one was left open by an error.
 */
static void
entry_xact_cb(XactEvent event, void *arg)
{
	open_depth = 0;
}

/*
 * pgmq_queue_state_init
 *		Registers the callbacks; called once per backend from _PG_init.
 */
void
pgmq_queue_state_init(void)
{
	CacheRegisterRelcacheCallback(entry_relcache_cb, (Datum) 0);
	RegisterXactCallback(entry_xact_cb, NULL);
}

static void
create_cache(void)
{
	HASHCTL ctl;

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(PgmqQueue);
	ctl.hcxt = AllocSetContextCreate(TopMemoryContext, "pgmq queue cache",
									 ALLOCSET_DEFAULT_SIZES);
	queue_cache = hash_create("pgmq queue cache", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/* Frees what the entry holds for its current table. */
static void
release_entry(PgmqQueue *queue)
{
	pgmq_plans_free(queue);
	pgmq_lowwater_forget(queue);
	forget_checks(queue);
	queue->seqrelid = InvalidOid;
	queue->fifo_idxrelid = InvalidOid;
}

/* Frees least recently used entries until there is room for one more. */
static void
evict_for_one_more(void)
{
	while (hash_get_num_entries(queue_cache) >= pgmq_max_cached_queues &&
		   !dlist_is_empty(&queue_lru))
	{
		PgmqQueue *victim = dlist_tail_element(PgmqQueue, lru_node, &queue_lru);

		release_entry(victim);
		dlist_delete(&victim->lru_node);
		hash_search(queue_cache, victim->name, HASH_REMOVE, NULL);
	}
}

/* A new entry for name (checked), with nothing known yet. */
static PgmqQueue *
new_entry(const char *name)
{
	PgmqQueue *queue;
	bool	   found;

	pgmq_names_check(name);
	if (open_depth == 0)
		evict_for_one_more();
	queue = hash_search(queue_cache, name, HASH_ENTER, &found);
	Assert(!found);
	/* everything but the key */
	memset((char *) queue + NAMEDATALEN, 0, sizeof(PgmqQueue) - NAMEDATALEN);
	queue->qrelid = InvalidOid;
	queue->arelid = InvalidOid;
	queue->seqrelid = InvalidOid;
	queue->fifo_idxrelid = InvalidOid;
	queue->lowwater = NULL;
	strlcpy(queue->table_base, pgmq_names_table(name, "q") + 2, NAMEDATALEN);
	dlist_push_head(&queue_lru, &queue->lru_node);
	return queue;
}

/*
 * The privileges (any one of them) a caller needs on a queue table before
 * pgmq takes lockmode on it, as LOCK TABLE asks, except that the ACCESS
 * EXCLUSIVE of purge_queue needs TRUNCATE, as TRUNCATE does. The statements
 * run afterwards check the exact privileges; this check only keeps a caller
 * without any right from queueing a lock that blocks the queue's traffic.
 */
static AclMode
open_privileges(LOCKMODE lockmode)
{
	if (lockmode == AccessShareLock)
		return ACL_SELECT;
	if (lockmode == RowExclusiveLock)
		return ACL_INSERT | ACL_UPDATE | ACL_DELETE | ACL_TRUNCATE;
	return ACL_TRUNCATE;
}

/*
 * Raises 42501 unless the current user holds one of mask on relid (relname,
 * or NULL to look it up, names it in the error). false if the relation is
 * gone (dropped concurrently): the caller looks it up again.
 */
static bool
check_open_privileges(Oid relid, AclMode mask, const char *relname)
{
	bool is_missing = false;

	if (pg_class_aclmask_ext(relid, GetUserId(), mask, ACLMASK_ANY, &is_missing) != 0)
		return true;
	if (is_missing)
		return false;
	if (relname == NULL)
		relname = get_rel_name(relid);
	if (relname == NULL)
		return false;
	aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, relname);
	return false; /* not reached */
}

/*
 * RangeVarGetRelidExtended callback: the privilege check before the lock,
 * as TRUNCATE and LOCK TABLE do it.
 */
static void
open_privileges_cb(const RangeVar *relation, Oid relid, Oid oldrelid, void *arg)
{
	if (OidIsValid(relid))
		check_open_privileges(relid, *(AclMode *) arg, relation->relname);
}

/*
 * Raises 42P01 unless the queue is registered in pgmq.meta: a table in
 * schema pgmq is not a queue by its name alone.
 */
static void
check_registered(PgmqQueue *queue, const char *name)
{
	if (pgmq_registry_find(queue->table_base) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("queue \"%s\" does not exist", name),
				 errdetail("Relation \"%s.%s\" exists but is not registered in %s.meta.",
						   PGMQ_SCHEMA, pgmq_queue_table(queue, 'q'), PGMQ_SCHEMA),
				 errhint("Create the queue first with pgmq.create('%s').", name)));
}

/*
 * pgmq_queue_open
 *		Finds the queue called name and locks its queue table in lockmode.
 *
 * Raises 42P01 when the queue does not exist (upstream's message: its SQL
 * functions fail on the missing table), P0001 for a bad name and
 * 42501, before taking any lock, when the caller has no privilege on the
 * queue table that lockmode needs (open_privileges). The returned entry
 * stays valid until pgmq_queue_close; the caller must call that on every
 * path that does not raise.
 */
PgmqQueue *
pgmq_queue_open(const char *name, LOCKMODE lockmode)
{
	PgmqQueue *queue;
	Oid		   nspid;
	Oid		   relid;
	char	  *qtable;
	AclMode	   privileges = open_privileges(lockmode);

	if (queue_cache == NULL)
		create_cache();

	/* Longer names cannot be cached (nor be valid). */
	if (strlen(name) > PGMQ_MAX_NAME_LEN)
		pgmq_names_check(name);

	queue = hash_search(queue_cache, name, HASH_FIND, NULL);
	if (queue != NULL && queue->valid &&
		check_open_privileges(queue->qrelid, privileges, NULL))
	{
		/* Locking processes pending invalidations, which may clear valid. */
		LockRelationOid(queue->qrelid, lockmode);
		if (queue->valid)
			goto opened;
	}

	if (queue == NULL)
		queue = new_entry(name);

	qtable = pgmq_queue_table(queue, 'q');
	nspid = get_namespace_oid(PGMQ_SCHEMA, true);
	relid = InvalidOid;
	if (OidIsValid(nspid))
		relid = RangeVarGetRelidExtended(makeRangeVar(PGMQ_SCHEMA, qtable, -1),
										 lockmode, RVR_MISSING_OK,
										 open_privileges_cb, &privileges);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", PGMQ_SCHEMA, qtable),
				 errdetail("Queue \"%s\" does not exist.", name),
				 errhint("Create the queue first with pgmq.create('%s').", name)));

	if (relid != queue->qrelid)
	{
		/* A different table under this name: what was kept for it must go. */
		release_entry(queue);
		queue->qrelid = relid;
	}
	queue->arelid = get_relname_relid(pgmq_queue_table(queue, 'a'), nspid);
	/* Before valid is set: a failed check is repeated on the next open. */
	check_registered(queue, name);
	pgmq_shape_check(queue, name);
	queue->policy_loaded = false;
	queue->valid = true;

opened:
	dlist_move_head(&queue_lru, &queue->lru_node);
	open_depth++;
	return queue;
}

/*
 * pgmq_queue_close
 *		Ends the use of an entry returned by pgmq_queue_open.
 */
void
pgmq_queue_close(PgmqQueue *queue)
{
	if (open_depth > 0)
		open_depth--;
}

/*
 * pgmq_queue_table
 *		Unquoted name of the queue ('q') or archive ('a') table, palloc'd.
 */
char *
pgmq_queue_table(PgmqQueue *queue, char prefix)
{
	return psprintf("%c_%s", prefix, queue->table_base);
}

/* pgmq_queue_state_count: the number of queues with an entry. */
int64
pgmq_queue_state_count(void)
{
	return queue_cache == NULL ? 0 : hash_get_num_entries(queue_cache);
}
