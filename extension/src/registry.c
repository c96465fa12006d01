/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  Look-ups in pgmq.meta, the registry of queues, with a fresh snapshot.
 *
 * A table in schema pgmq is a queue only if pgmq.meta has a row for it:
 * queue_state.c asks here each time it (re)validates a queue, so a table made in
 * the schema by hand is never treated as one. The create functions ask
 * here too, after taking the queue's lock: in a REPEATABLE READ
 * transaction their own snapshot would not show a queue registered by a
 * transaction that committed while they waited for the lock.
 *
 * The look-ups read the table directly, with the latest snapshot and
 * without privilege checks on pgmq.meta (they reveal only whether a name is
 * registered). A queue's row is found through the unique index on
 * lower(queue_name), since the tables are named after the lower-cased name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_trigger.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_registered_name);
PG_FUNCTION_INFO_V1(pgmq_queue_in_place);

/* The registry's index on lower(queue_name) (pgmq.sql). */
#define META_LOWER_INDEX "meta_queue_name_lower_idx"

/* Column 1 of a pgmq.meta row, palloc'd. */
static char *
slot_queue_name(TupleTableSlot *slot)
{
	bool  isnull;
	Datum d = slot_getattr(slot, 1, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * pgmq_registry_find
 *		The queue_name of the registry row whose lower-cased name is
 *		table_base (palloc'd), or NULL if there is none or no registry.
 */
char *
pgmq_registry_find(const char *table_base)
{
	Oid				nspid = get_namespace_oid(PGMQ_SCHEMA, true);
	Oid				metaid;
	Oid				idxid;
	Relation		rel;
	Snapshot		snap;
	TupleTableSlot *slot;
	char		   *found = NULL;

	metaid = OidIsValid(nspid) ? get_relname_relid("meta", nspid) : InvalidOid;
	if (!OidIsValid(metaid))
		return NULL;
	idxid = get_relname_relid(META_LOWER_INDEX, nspid);

	rel = table_open(metaid, AccessShareLock);
	snap = RegisterSnapshot(GetLatestSnapshot());
	slot = table_slot_create(rel, NULL);
	if (OidIsValid(idxid))
	{
		Relation	  idx = index_open(idxid, AccessShareLock);
		IndexScanDesc scan;
		ScanKeyData	  key;

		ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid,
							   DEFAULT_COLLATION_OID, F_TEXTEQ,
							   CStringGetTextDatum(table_base));
		scan = index_beginscan(rel, idx, snap, 1, 0);
		index_rescan(scan, &key, 1, NULL, 0);
		if (index_getnext_slot(scan, ForwardScanDirection, slot))
			found = slot_queue_name(slot);
		index_endscan(scan);
		index_close(idx, AccessShareLock);
	}
	else
	{
		/* No index (a damaged install): compare every row. */
		TableScanDesc scan = table_beginscan(rel, snap, 0, NULL);

		while (found == NULL && table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			char *name = slot_queue_name(slot);

			if (name != NULL &&
				strcmp(pgmq_names_table(name, "q") + 2, table_base) == 0)
				found = name;
		}
		table_endscan(scan);
	}
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snap);
	/* Read only: the lock need not last until the end of the transaction. */
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * pgmq_registry_names
 *		Every registered queue name (palloc'd strings), read with the latest
 *		snapshot.
 */
List *
pgmq_registry_names(void)
{
	Oid				nspid = get_namespace_oid(PGMQ_SCHEMA, true);
	Oid				metaid = OidIsValid(nspid) ? get_relname_relid("meta", nspid) : InvalidOid;
	Relation		rel;
	Snapshot		snap;
	TupleTableSlot *slot;
	TableScanDesc	scan;
	List		   *names = NIL;

	if (!OidIsValid(metaid))
		return NIL;
	rel = table_open(metaid, AccessShareLock);
	snap = RegisterSnapshot(GetLatestSnapshot());
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, snap, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		char *name = slot_queue_name(slot);

		if (name != NULL)
			names = lappend(names, name);
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return names;
}

/*
 * pgmq._registered_name(queue_name text) returns text
 *
 * The name under which the queue whose tables queue_name would use is
 * registered (it differs from queue_name in case only), or NULL. Reads
 * the registry with the latest snapshot, also in a REPEATABLE READ
 * transaction.
 */
Datum
pgmq_registered_name(PG_FUNCTION_ARGS)
{
	char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char *found = pgmq_registry_find(pgmq_names_table(name, "q") + 2);

	if (found == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(found));
}

/* True if relation relname exists in nspid and is an index of table. */
static bool
index_of(const char *relname, Oid nspid, Oid table)
{
	Oid idx = get_relname_relid(relname, nspid);

	return OidIsValid(idx) && IndexGetRelation(idx, true) == table;
}

/*
 * Whether relid has a trigger of that name (the low-water guard, which a
 * queue adopted from an earlier install lacks until create() adds it).
 */
static bool
has_trigger(Oid relid, const char *tgname)
{
	Relation	tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData keys[2];
	SysScanDesc scan;
	bool		found;

	ScanKeyInit(&keys[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	ScanKeyInit(&keys[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(tgname));
	scan = systable_beginscan(tgrel, TriggerRelidNameIndexId, true, NULL, 2, keys);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return found;
}

/*
 * pgmq._queue_in_place(queue_name text) returns "char"
 *
 * The relkind of the queue table ('r' or 'p') if queue_name is registered
 * under exactly that name and its objects are all there (for a plain
 * queue: both tables, the vt index, the archived_at index and the
 * low-water guard trigger), else NULL.
 * Reads the catalogs and the registry as they are now, also in a
 * REPEATABLE READ transaction, and takes no lock on the queue: this is
 * what lets create() on an existing queue leave its traffic alone.
 */
Datum
pgmq_queue_in_place(PG_FUNCTION_ARGS)
{
	char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char *base = pgmq_names_table(name, "q") + 2;
	char *registered = pgmq_registry_find(base);
	Oid	  nspid = get_namespace_oid(PGMQ_SCHEMA, true);
	Oid	  qrelid;
	Oid	  arelid;
	char  kind;

	if (registered == NULL || strcmp(registered, name) != 0 || !OidIsValid(nspid))
		PG_RETURN_NULL();
	qrelid = get_relname_relid(psprintf("q_%s", base), nspid);
	arelid = get_relname_relid(psprintf("a_%s", base), nspid);
	if (!OidIsValid(qrelid) || !OidIsValid(arelid))
		PG_RETURN_NULL();
	kind = get_rel_relkind(qrelid);
	if (kind == RELKIND_PARTITIONED_TABLE)
		PG_RETURN_CHAR(kind);
	if (kind != RELKIND_RELATION ||
		!index_of(psprintf("q_%s_vt_idx", base), nspid, qrelid) ||
		!index_of(psprintf("archived_at_idx_%s", name), nspid, arelid) ||
		!has_trigger(qrelid, "zz_pgmq_low_water_guard"))
		PG_RETURN_NULL();
	PG_RETURN_CHAR(kind);
}
