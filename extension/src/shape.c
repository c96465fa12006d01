/*-------------------------------------------------------------------------
 *
 * shape.c
 *	  Checks that a queue's tables still have the columns the C code needs.
 *
 * The prepared statements name their columns and hand the rows back under
 * the function's result type (pgmq.message_record) without converting
 * them. A queue owner may ALTER its tables; a message column turned into
 * bytea would then be read as jsonb and crash the backend. So every time a
 * queue is (re)opened after an invalidation of its tables, queue_state.c calls
 * pgmq_shape_check: each column the statements use must exist with the
 * type they expect. The column order does not matter, since every
 * statement names its columns. Extra columns are allowed.
 *
 * exec.c also compares each result's row type with the function's before
 * handing rows back (pgmq_exec_check_rows), for a statement re-planned
 * against a table that changed after the check (the archive table is not
 * locked when the queue is opened).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmq.h"

/* A column the statements use, and its type. */
typedef struct ShapeColumn
{
	const char *name;
	Oid			type;
	bool		archive_only; /* only the archive table has it */
} ShapeColumn;

static const ShapeColumn shape_columns[] = {
	{"msg_id", INT8OID, false},
	{"read_ct", INT4OID, false},
	{"enqueued_at", TIMESTAMPTZOID, false},
	{"last_read_at", TIMESTAMPTZOID, false},
	{"archived_at", TIMESTAMPTZOID, true},
	{"vt", TIMESTAMPTZOID, false},
	{"message", JSONBOID, false},
	{"headers", JSONBOID, false},
};

/*
 * pgmq_shape_check_relation
 *		Raises 42809 unless relid is a table and 42804 unless it has every
 *		column a queue (or, with archive, an archive) table needs, each of
 *		the expected type. name is the queue's, for the message.
 */
void
pgmq_shape_check_relation(Oid relid, const char *name, bool archive)
{
	char  relkind = get_rel_relkind(relid);
	char *relname = get_rel_name(relid);

	if (relname == NULL)
		return; /* dropped meanwhile: the statements will say */
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s of queue \"%s\" is not a table",
						archive ? "archive" : "queue table", name),
				 errdetail("Relation \"%s.%s\" has relkind '%c'.",
						   PGMQ_SCHEMA, relname, relkind)));

	for (int i = 0; i < lengthof(shape_columns); i++)
	{
		const ShapeColumn *col = &shape_columns[i];
		HeapTuple		   tup;
		Oid				   have;

		if (col->archive_only && !archive)
			continue;
		tup = SearchSysCacheAttName(relid, col->name);
		if (!HeapTupleIsValid(tup))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s of queue \"%s\" has no column \"%s\"",
							archive ? "archive" : "queue table", name, col->name),
					 errdetail("Relation \"%s.%s\" needs column \"%s\" of type %s.",
							   PGMQ_SCHEMA, relname, col->name,
							   format_type_be(col->type))));
		have = ((Form_pg_attribute) GETSTRUCT(tup))->atttypid;
		ReleaseSysCache(tup);
		if (have != col->type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of queue \"%s\" has type %s, expected %s",
							col->name, name, format_type_be(have),
							format_type_be(col->type)),
					 errdetail("Relation \"%s.%s\" was altered: pgmq reads and writes column \"%s\" as %s.",
							   PGMQ_SCHEMA, relname, col->name, format_type_be(col->type)),
					 errhint("Change the column back to type %s.",
							 format_type_be(col->type))));
	}
}

/*
 * pgmq_shape_check
 *		Checks both tables of an opened queue (the archive if it exists).
 */
void
pgmq_shape_check(PgmqQueue *queue, const char *name)
{
	pgmq_shape_check_relation(queue->qrelid, name, false);
	if (OidIsValid(queue->arelid))
		pgmq_shape_check_relation(queue->arelid, name, true);
}
