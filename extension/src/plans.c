/*-------------------------------------------------------------------------
 *
 * plans.c
 *	  Per-backend cache of queues and the statements prepared for them.
 *
 * Every message function opens its queue here. The first call for a queue
 * in a backend checks the name, finds pgmq.q_<name> and prepares each
 * statement it needs once (SPI_prepare + SPI_keepplan, generic plans only,
 * so later calls neither parse nor plan). Statements name their tables as
 * quoted identifiers and qualify every operator, function and type, so a
 * caller's search_path cannot change what they do.
 *
 * A relcache invalidation of a queue's tables marks its entry unchecked;
 * the next open looks the table up again, checks the columns of both
 * tables (shape.c) and drops the plans if the name now belongs to another
 * relation (the queue was dropped and re-created).
 *
 * The cache holds at most pgmq.max_cached_queues entries, least recently
 * used first out. Eviction frees plans, so it only happens when no pgmq
 * function is running in this backend (open_depth == 0): a trigger on a
 * queue table may call pgmq again while an outer statement executes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pgmq.h"

/* The columns of pgmq.message_record, in order. */
#define MESSAGE_COLUMNS \
	"msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers"

/*
 * The FIFO group of a message of table alias a: the x-pgmq-group header, or
 * '_default_fifo_group' when it is missing or JSON null, as in pgmq. The
 * index made by create_fifo_index must have this very expression.
 */
#define FIFO_KEY(a) \
	"COALESCE(" a ".headers OPERATOR(pg_catalog.->>) 'x-pgmq-group'::pg_catalog.text," \
	" '_default_fifo_group'::pg_catalog.text)"

/*
 * A claim's read_ct: one more, but saturating at INT_MAX instead of failing
 * the whole read with 22003 (one message read 2^31 times, or set so by
 * hand, would otherwise stop every read that reaches it).
 */
#define READ_CT_PLUS_ONE \
	"pg_catalog.int4smaller(m.read_ct, 2147483646) OPERATOR(pg_catalog.+) 1"

/*
 * EXTRACT(epoch FROM now() - ts)::int4 for metrics' ages, but clamped to
 * the int4 range (and for infinite timestamps) instead of failing: one
 * message enqueued 68 years off would otherwise fail metrics and
 * metrics_all. Same value as metrics.c's age_secs.
 */
#define AGE_SECS(ts) \
	"pg_catalog.numeric_smaller(pg_catalog.numeric_larger(" \
	"EXTRACT(epoch FROM pg_catalog.now()) OPERATOR(pg_catalog.-) EXTRACT(epoch FROM " ts ")," \
	" (-2147483648)::pg_catalog.numeric), 2147483647::pg_catalog.numeric)::pg_catalog.int4"

/*
 * Statement text of each plan kind. {q} stands for the quoted queue table,
 * {a} for the quoted archive table, {total} for the expression of
 * total_messages (see expand_template).
 */
typedef struct PlanTemplate
{
	const char *sql;
	int			nargs;
	Oid			argtypes[5];
} PlanTemplate;

/* One template per block, laid out by hand. */
/* clang-format off */
static const PlanTemplate plan_templates[PGMQ_NUM_PLANS] = {
	[PGMQ_PLAN_SEND] = {
		"INSERT INTO {q} (vt, message, headers) VALUES ($1, $2, $3) RETURNING msg_id",
		3, {TIMESTAMPTZOID, JSONBOID, JSONBOID}
	},
	[PGMQ_PLAN_SEND_BATCH] = {
		"INSERT INTO {q} (vt, message, headers)"
		" SELECT $1, u.m, u.h"
		" FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) WITH ORDINALITY AS u(m, h, n)"
		" ORDER BY u.n RETURNING msg_id",
		3, {TIMESTAMPTZOID, JSONBARRAYOID, JSONBARRAYOID}
	},

	/*
	 * The claim is an uncorrelated sub-select, run once as an init plan; the
	 * update then finds its rows by primary key, whatever the planner thinks
	 * of LIMIT $3 in a generic plan. The scan starts at the queue's
	 * low-water mark (lowwater.c), past ids no live message has.
	 */
	[PGMQ_PLAN_READ] = {
		"UPDATE {q} m SET vt = $2, read_ct = " READ_CT_PLUS_ONE ", last_read_at = $1"
		" WHERE m.msg_id OPERATOR(pg_catalog.>=) $4"
		" AND m.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY("
		"  SELECT c.msg_id FROM {q} c WHERE c.vt OPERATOR(pg_catalog.<=) $1"
		"  AND c.msg_id OPERATOR(pg_catalog.>=) $4"
		"  ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED))"
		" RETURNING " MESSAGE_COLUMNS,
		4, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID}
	},
	[PGMQ_PLAN_READ_COND] = {
		"UPDATE {q} m SET vt = $2, read_ct = " READ_CT_PLUS_ONE ", last_read_at = $1"
		" WHERE m.msg_id OPERATOR(pg_catalog.>=) $4"
		" AND m.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY("
		"  SELECT c.msg_id FROM {q} c WHERE c.vt OPERATOR(pg_catalog.<=) $1"
		"  AND c.msg_id OPERATOR(pg_catalog.>=) $4"
		"  AND c.message OPERATOR(pg_catalog.@>) $5"
		"  ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED))"
		" RETURNING " MESSAGE_COLUMNS,
		5, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID, JSONBOID}
	},
	[PGMQ_PLAN_POP] = {
		"DELETE FROM {q} m"
		" WHERE m.msg_id OPERATOR(pg_catalog.>=) $3"
		" AND m.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY("
		"  SELECT c.msg_id FROM {q} c WHERE c.vt OPERATOR(pg_catalog.<=) $1"
		"  AND c.msg_id OPERATOR(pg_catalog.>=) $3"
		"  ORDER BY c.msg_id LIMIT $2 FOR UPDATE SKIP LOCKED))"
		" RETURNING " MESSAGE_COLUMNS,
		3, {TIMESTAMPTZOID, INT8OID, INT8OID}
	},
	[PGMQ_PLAN_DELETE] = {
		"DELETE FROM {q} WHERE msg_id OPERATOR(pg_catalog.=) $1 RETURNING msg_id",
		1, {INT8OID}
	},
	/*
	 * $2 and $3 are the smallest and largest id of $1: PostgreSQL cannot
	 * prune partitions with "= ANY (array parameter)", but can with a range,
	 * so a batch on a partitioned queue touches only the partitions it needs.
	 */
	[PGMQ_PLAN_DELETE_BATCH] = {
		"DELETE FROM {q} WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1)"
		" AND msg_id OPERATOR(pg_catalog.>=) $2 AND msg_id OPERATOR(pg_catalog.<=) $3"
		" RETURNING msg_id",
		3, {INT8ARRAYOID, INT8OID, INT8OID}
	},
	[PGMQ_PLAN_ARCHIVE] = {
		"WITH archived AS (DELETE FROM {q} WHERE msg_id OPERATOR(pg_catalog.=) $1"
		"  RETURNING msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers)"
		" INSERT INTO {a} (msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers)"
		" SELECT msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers FROM archived"
		" RETURNING msg_id",
		1, {INT8OID}
	},
	[PGMQ_PLAN_ARCHIVE_BATCH] = {
		"WITH archived AS (DELETE FROM {q} WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1)"
		"  AND msg_id OPERATOR(pg_catalog.>=) $2 AND msg_id OPERATOR(pg_catalog.<=) $3"
		"  RETURNING msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers)"
		" INSERT INTO {a} (msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers)"
		" SELECT msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers FROM archived"
		" RETURNING msg_id",
		3, {INT8ARRAYOID, INT8OID, INT8OID}
	},
	[PGMQ_PLAN_SET_VT] = {
		"UPDATE {q} SET vt = $1 WHERE msg_id OPERATOR(pg_catalog.=) $2"
		" RETURNING " MESSAGE_COLUMNS,
		2, {TIMESTAMPTZOID, INT8OID}
	},
	[PGMQ_PLAN_SET_VT_BATCH] = {
		"UPDATE {q} SET vt = $1 WHERE msg_id OPERATOR(pg_catalog.=) ANY ($2)"
		" RETURNING " MESSAGE_COLUMNS,
		2, {TIMESTAMPTZOID, INT8ARRAYOID}
	},
	[PGMQ_PLAN_METRICS] = {
		"SELECT pg_catalog.count(*),"
		" " AGE_SECS("pg_catalog.max(enqueued_at)") ","
		" " AGE_SECS("pg_catalog.min(enqueued_at)") ","
		" {total},"
		" pg_catalog.now(),"
		" pg_catalog.count(*) FILTER (WHERE vt OPERATOR(pg_catalog.<=) pg_catalog.now())"
		" FROM {q}",
		0, {InvalidOid}
	},
	[PGMQ_PLAN_COUNT] = {
		"SELECT pg_catalog.count(*) FROM {q}",
		0, {InvalidOid}
	},

	/*
	 * FIFO groups (fifo.c). A message's group is FIFO_KEY of its headers;
	 * create_fifo_index builds a btree on (FIFO_KEY, msg_id) with the same
	 * expression, which the planner matches.
	 *
	 * FIFO_HEADS lists the absolute head (oldest message) of every group
	 * whose head is visible, oldest head first. It walks the distinct groups
	 * of the index with a recursive CTE (a "loose index scan"): one descent
	 * per group, whatever the number of messages behind each head.
	 */
	[PGMQ_PLAN_FIFO_HEADS] = {
		"WITH RECURSIVE h(k, id, vt) AS ("
		"  (SELECT " FIFO_KEY("c") ", c.msg_id, c.vt FROM {q} c"
		"   ORDER BY " FIFO_KEY("c") ", c.msg_id LIMIT 1)"
		"  UNION ALL"
		"  SELECT n.k, n.id, n.vt FROM h, LATERAL ("
		"   SELECT " FIFO_KEY("c") " AS k, c.msg_id AS id, c.vt FROM {q} c"
		"   WHERE " FIFO_KEY("c") " OPERATOR(pg_catalog.>) h.k"
		"   ORDER BY " FIFO_KEY("c") ", c.msg_id LIMIT 1) n)"
		" SELECT h.id, h.k FROM h WHERE h.vt OPERATOR(pg_catalog.<=) $1 ORDER BY h.id",
		1, {TIMESTAMPTZOID}
	},
	/* Without the index a walk per group would scan the table each time. */
	[PGMQ_PLAN_FIFO_HEADS_SCAN] = {
		"SELECT h.id, h.k FROM"
		" (SELECT " FIFO_KEY("c") " AS k, pg_catalog.min(c.msg_id) AS id FROM {q} c GROUP BY 1) h"
		" JOIN {q} m ON m.msg_id OPERATOR(pg_catalog.=) h.id"
		" WHERE m.vt OPERATOR(pg_catalog.<=) $1 ORDER BY h.id",
		1, {TIMESTAMPTZOID}
	},
	/*
	 * Locks up to $3 of the given heads, oldest first, that are still
	 * visible; heads another transaction holds are skipped. A concurrent
	 * claim that committed meanwhile fails the vt recheck.
	 */
	[PGMQ_PLAN_FIFO_LOCK] = {
		"SELECT c.msg_id FROM {q} c"
		" WHERE c.msg_id OPERATOR(pg_catalog.=) ANY ($1) AND c.vt OPERATOR(pg_catalog.<=) $2"
		" ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED",
		3, {INT8ARRAYOID, TIMESTAMPTZOID, INT8OID}
	},
	/* The next $4 visible messages of group $1 after message $2. */
	[PGMQ_PLAN_FIFO_NEXT] = {
		"SELECT c.msg_id FROM {q} c"
		" WHERE " FIFO_KEY("c") " OPERATOR(pg_catalog.=) $1"
		" AND c.msg_id OPERATOR(pg_catalog.>) $2 AND c.vt OPERATOR(pg_catalog.<=) $3"
		" ORDER BY c.msg_id LIMIT $4",
		4, {TEXTOID, INT8OID, TIMESTAMPTZOID, INT8OID}
	},
	/* Claims the chosen messages that are still visible and not locked. */
	[PGMQ_PLAN_FIFO_CLAIM] = {
		"UPDATE {q} m SET vt = $2, read_ct = " READ_CT_PLUS_ONE ", last_read_at = $1"
		" WHERE m.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY("
		"  SELECT c.msg_id FROM {q} c WHERE c.msg_id OPERATOR(pg_catalog.=) ANY ($3)"
		"  AND c.vt OPERATOR(pg_catalog.<=) $1 FOR UPDATE SKIP LOCKED))"
		" RETURNING " MESSAGE_COLUMNS,
		3, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8ARRAYOID}
	},
};
/* clang-format on */

/* name -> PgmqQueue */
static HTAB *queue_cache = NULL;

/* Entries by recency of use, most recent at the head. */
static dlist_head queue_lru = DLIST_STATIC_INIT(queue_lru);

/* Number of pgmq_queue_open calls not yet closed in this transaction. */
static int open_depth = 0;

/*
 * What pgmq_queue_plan did in this backend: statements prepared and calls
 * answered with a kept plan. Shown by pgmq._plan_cache_stats() so tests can
 * see that the cache works, not only that the results are right.
 */
static int64 plans_prepared = 0;
static int64 plan_hits = 0;

static void
free_plans(PgmqQueue *queue)
{
	for (int i = 0; i < PGMQ_NUM_PLANS; i++)
	{
		if (queue->plans[i] != NULL)
		{
			SPI_freeplan(queue->plans[i]);
			queue->plans[i] = NULL;
		}
	}
}

/*
 * Relcache invalidation: mark entries whose tables changed (or all, for a
 * full reset) as needing a fresh lookup. Must not fail or allocate much.
 */
static void
queue_cache_relcache_cb(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	PgmqQueue	   *queue;

	if (queue_cache == NULL)
		return;
	hash_seq_init(&status, queue_cache);
	while ((queue = hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || queue->qrelid == relid || queue->arelid == relid)
		{
			queue->valid = false;
			queue->policy_loaded = false;
		}
	}
}

/*
 * At the end of a transaction no pgmq function is running any more, even
 * if one was left open by an error.
 */
static void
queue_cache_xact_cb(XactEvent event, void *arg)
{
	open_depth = 0;
}

/*
 * pgmq_plans_init
 *		Registers the cache's callbacks; called once per backend from _PG_init.
 */
void
pgmq_plans_init(void)
{
	CacheRegisterRelcacheCallback(queue_cache_relcache_cb, (Datum) 0);
	RegisterXactCallback(queue_cache_xact_cb, NULL);
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

/* Frees least recently used entries until there is room for one more. */
static void
evict_for_one_more(void)
{
	while (hash_get_num_entries(queue_cache) >= pgmq_max_cached_queues &&
		   !dlist_is_empty(&queue_lru))
	{
		PgmqQueue *victim = dlist_tail_element(PgmqQueue, lru_node, &queue_lru);

		free_plans(victim);
		dlist_delete(&victim->lru_node);
		hash_search(queue_cache, victim->name, HASH_REMOVE, NULL);
	}
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
	bool	   found;
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
	{
		pgmq_names_check(name);
		if (open_depth == 0)
			evict_for_one_more();
		queue = hash_search(queue_cache, name, HASH_ENTER, &found);
		Assert(!found);
		memset(queue->plans, 0, sizeof(queue->plans));
		queue->valid = false;
		queue->policy_loaded = false;
		queue->qrelid = InvalidOid;
		queue->arelid = InvalidOid;
		queue->table_base[0] = '\0';
		dlist_push_head(&queue_lru, &queue->lru_node);
		strlcpy(queue->table_base, pgmq_names_table(name, "q") + 2, NAMEDATALEN);
	}

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
		/* A different table under this name: its plans must go. */
		free_plans(queue);
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

/* The SQL expression for metrics' total_messages: ids issued so far. */
static char *
total_messages_expr(PgmqQueue *queue)
{
	Oid seqid = getIdentitySequence(queue->qrelid, 1, true);

	if (!OidIsValid(seqid))
		return pstrdup("0::pg_catalog.int8");
	return psprintf("(SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END FROM %s s)",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(seqid)),
											   get_rel_name(seqid)));
}

/*
 * Replaces {q}, {a} and {total} in a statement template. Built only once per
 * queue and plan kind, so simple beats fast here.
 */
static char *
expand_template(const char *tmpl, PgmqQueue *queue)
{
	StringInfoData buf;
	const char	  *p = tmpl;

	initStringInfo(&buf);
	while (*p)
	{
		if (strncmp(p, "{q}", 3) == 0)
		{
			appendStringInfoString(&buf, quote_qualified_identifier(PGMQ_SCHEMA, pgmq_queue_table(queue, 'q')));
			p += 3;
		}
		else if (strncmp(p, "{a}", 3) == 0)
		{
			appendStringInfoString(&buf, quote_qualified_identifier(PGMQ_SCHEMA, pgmq_queue_table(queue, 'a')));
			p += 3;
		}
		else if (strncmp(p, "{total}", 7) == 0)
		{
			appendStringInfoString(&buf, total_messages_expr(queue));
			p += 7;
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * pgmq_queue_sql
 *		The statement text of a plan kind for a queue, palloc'd, for running
 *		it once without keeping a plan. Uses table_base and qrelid only.
 */
char *
pgmq_queue_sql(PgmqQueue *queue, PgmqPlanKind kind)
{
	return expand_template(plan_templates[kind].sql, queue);
}

/*
 * pgmq_queue_plan
 *		The kept plan of the given kind for an opened queue, prepared on
 *		first use. The caller must be connected to SPI.
 */
SPIPlanPtr
pgmq_queue_plan(PgmqQueue *queue, PgmqPlanKind kind)
{
	const PlanTemplate *tmpl = &plan_templates[kind];
	char			   *sql;
	SPIPlanPtr			plan;

	if (queue->plans[kind] != NULL)
	{
		plan_hits++;
		return queue->plans[kind];
	}

	sql = expand_template(tmpl->sql, queue);
	plan = SPI_prepare_cursor(sql, tmpl->nargs, (Oid *) tmpl->argtypes,
							  CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "pgmq: could not prepare \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "pgmq: could not keep plan");
	plans_prepared++;
	queue->plans[kind] = plan;
	return plan;
}

PG_FUNCTION_INFO_V1(pgmq_plan_cache_stats);

/*
 * pgmq._plan_cache_stats() -> (cached_queues, prepared, hits) of this
 * backend; prepared and hits count since the backend started.
 */
Datum
pgmq_plan_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc tupdesc;
	Datum	  values[3];
	bool	  nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgmq: return type must be a row type");
	values[0] = Int64GetDatum(queue_cache == NULL ? 0 :
													hash_get_num_entries(queue_cache));
	values[1] = Int64GetDatum(plans_prepared);
	values[2] = Int64GetDatum(plan_hits);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
