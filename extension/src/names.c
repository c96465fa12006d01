/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Queue names: what is accepted and the table names derived from them.
 *
 * A queue name reaches SQL only as a quoted identifier, so the rules here
 * are about clear errors and pgmq compatibility, not about injection: the
 * characters pgmq has always rejected ($ ; -- '), and a length that keeps
 * every derived identifier within 63 bytes.
 *
 * A queue's objects are named after it: q_<name> and a_<name>, and below
 * them q_<name>_<suffix> for its indexes, identity sequence and partitions
 * (reserved_suffix lists the suffixes). A name that is another queue's name
 * plus such a suffix would make one queue's table another's partition or
 * index, so pgmq._check_name_free refuses it, in either order of creation:
 * "px_p0" while queue "px" exists, and "z" while queue "z_vt_idx" exists.
 * Partition suffixes (_p<digit>..., _default) count only where partitions
 * can be made: a partitioned queue or archive, so that "tasks_p1" stays a
 * valid name next to a plain queue "tasks"; create_partitioned and
 * convert_archive_partitioned check them in the other direction.
 * The create functions take the locks of every such shorter name first
 * (pgmq._lock_queue_names), so two creates that could collide serialize.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation_d.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/lsyscache.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_validate_queue_name);
PG_FUNCTION_INFO_V1(pgmq_format_table_name);
PG_FUNCTION_INFO_V1(pgmq_is_reserved_suffix);
PG_FUNCTION_INFO_V1(pgmq_check_name_free);

/* Raises unless name has none of the characters pgmq rejects. */
static void
check_characters(const char *name)
{
	if (strchr(name, '$') || strchr(name, ';') || strchr(name, '\'') ||
		strstr(name, "--"))
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("queue name contains invalid characters: $, ;, --, or \\'")));
}

/*
 * pgmq_names_check
 *		Raises unless name can name a queue.
 */
void
pgmq_names_check(const char *name)
{
	size_t nbytes = strlen(name);

	if (nbytes == 0)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("queue name cannot be empty")));
	check_characters(name);
	if (nbytes > PGMQ_MAX_NAME_LEN)
	{
		int nchars = pg_mbstrlen(name);

		if (nchars > PGMQ_MAX_NAME_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_RAISE_EXCEPTION),
					 errmsg("queue name is too long, maximum length is %d characters",
							PGMQ_MAX_NAME_LEN)));
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("queue name is too long, maximum length is %d characters",
						PGMQ_MAX_NAME_LEN),
				 errdetail("The name has %d characters but takes %zu bytes; a name may take at most %d bytes.",
						   nchars, nbytes, PGMQ_MAX_NAME_LEN)));
	}

	/*
	 * Tables are named after the lower-cased name, which can take more bytes
	 * than the name itself (U+023A takes 2, its lower case U+2C65 takes 3).
	 * Longer, the table names would be truncated and no longer found.
	 */
	nbytes = strlen(pgmq_names_table(name, "q")) - 2;
	if (nbytes > PGMQ_MAX_NAME_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("queue name is too long, maximum length is %d characters",
						PGMQ_MAX_NAME_LEN),
				 errdetail("Lower-cased, the name takes %zu bytes; a name may take at most %d bytes.",
						   nbytes, PGMQ_MAX_NAME_LEN)));
}

/*
 * pgmq_names_table
 *		lower(prefix || '_' || name), palloc'd: the unquoted name of a table.
 *
 * Lower-casing follows the database's default collation, as SQL lower()
 * does, so tables made by the SQL functions and looked up here agree.
 */
char *
pgmq_names_table(const char *name, const char *prefix)
{
	char *joined = psprintf("%s_%s", prefix, name);

	return str_tolower(joined, strlen(joined), DEFAULT_COLLATION_OID);
}

/*
 * pgmq_names_arg
 *		The queue name in argument argno as a C string; raises when NULL.
 */
char *
pgmq_names_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("queue_name cannot be NULL")));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/*
 * pgmq.validate_queue_name(queue_name text) returns void
 */
Datum
pgmq_validate_queue_name(PG_FUNCTION_ARGS)
{
	pgmq_names_check(pgmq_names_arg(fcinfo, 0));
	PG_RETURN_VOID();
}

/*
 * pgmq.format_table_name(queue_name text, prefix text) returns text
 *
 * As in pgmq, only the characters are checked here; the length is
 * validate_queue_name's business.
 */
Datum
pgmq_format_table_name(PG_FUNCTION_ARGS)
{
	char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char *prefix = text_to_cstring(PG_GETARG_TEXT_PP(1));

	check_characters(name);
	PG_RETURN_TEXT_P(cstring_to_text(pgmq_names_table(name, prefix)));
}

/* True if s is word followed by nothing but digits (PostgreSQL's "idx1"). */
static bool
word_then_digits(const char *s, const char *word)
{
	size_t len = strlen(word);

	if (strncmp(s, word, len) != 0)
		return false;
	for (s += len; *s; s++)
		if (!isdigit((unsigned char) *s))
			return false;
	return true;
}

/* True if s is word, or word followed by '_' and anything. */
static bool
word_then_more(const char *s, const char *word)
{
	size_t len = strlen(word);

	return strncmp(s, word, len) == 0 && (s[len] == '\0' || s[len] == '_');
}

/*
 * What a queue calls the relation q_<queue>_<rest> or a_<queue>_<rest>, or
 * NULL if rest is no suffix of its objects: indexes and the identity
 * sequence (with the digits PostgreSQL adds to a taken name), partitions
 * (pg_partman's _p<digits...>, each with indexes of its own), the default
 * partition and the archive that convert_archive_partitioned keeps.
 */
static const char *
reserved_suffix(const char *rest)
{
	static const char *const indexes[] = {
		"vt_idx", "pkey", "part_idx", "msg_id_idx", "fifo_idx"};

	for (int i = 0; i < lengthof(indexes); i++)
		if (word_then_digits(rest, indexes[i]))
			return "indexes";
	if (word_then_digits(rest, "msg_id_seq"))
		return "identity sequences";
	if (rest[0] == 'p' && isdigit((unsigned char) rest[1]))
		return "partitions";
	if (word_then_more(rest, "default"))
		return "default partitions";
	return NULL;
}

/* True if what reserved_suffix says is a partition's name or objects. */
static bool
is_partition_suffix(const char *what)
{
	return strcmp(what, "partitions") == 0 || strcmp(what, "default partitions") == 0;
}

/* True if queue other (lower-cased obase) has a partitioned table. */
static bool
has_partitions(Oid nspid, const char *obase)
{
	Oid q = get_relname_relid(psprintf("q_%s", obase), nspid);
	Oid a = get_relname_relid(psprintf("a_%s", obase), nspid);

	return (OidIsValid(q) && get_rel_relkind(q) == RELKIND_PARTITIONED_TABLE) ||
		   (OidIsValid(a) && get_rel_relkind(a) == RELKIND_PARTITIONED_TABLE);
}

/*
 * pgmq._is_reserved_suffix(rest text) returns boolean
 *
 * True if a queue may name one of its objects q_<queue>_<rest>.
 */
Datum
pgmq_is_reserved_suffix(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(reserved_suffix(text_to_cstring(PG_GETARG_TEXT_PP(0))) != NULL);
}

/*
 * Raises 42P07 if relation relname exists in nspid and is not what the
 * queue would make under that name: a table that is no partition (parent
 * InvalidOid), an index of parent, a sequence, or a partition of parent.
 */
static void
check_relation(const char *name, Oid nspid, const char *relname, char want,
			   Oid parent, const char *what)
{
	Oid	 relid = get_relname_relid(relname, nspid);
	char kind;
	bool ok;

	if (!OidIsValid(relid))
		return;
	kind = get_rel_relkind(relid);
	switch (want)
	{
		case RELKIND_RELATION:
			ok = (kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE) &&
				 !get_rel_relispartition(relid);
			break;
		case RELKIND_INDEX:
			ok = (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX) &&
				 OidIsValid(parent) && IndexGetRelation(relid, true) == parent;
			break;
		case RELKIND_SEQUENCE:
			ok = kind == RELKIND_SEQUENCE;
			break;
		default: /* a partition of parent */
			ok = get_rel_relispartition(relid) && OidIsValid(parent) &&
				 get_partition_parent(relid, true) == parent;
			break;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("queue name \"%s\" collides with relation \"%s.%s\"",
						name, PGMQ_SCHEMA, relname),
				 errdetail("The queue would use that name for its %s, but the relation is not one of the queue's objects.",
						   what)));
}

/*
 * pgmq._check_name_free(queue_name text, partitioned boolean) returns void
 *
 * Raises 42P07 if the objects of a queue called queue_name could share a
 * name with another queue's objects (see the file header; partitioned:
 * the queue or its archive is to be partitioned), or if a
 * relation in schema pgmq already has the name of one of them without
 * being it. The queue's own objects (a re-create, or tables left behind
 * by DROP EXTENSION) pass. The caller holds the locks of
 * pgmq._lock_queue_names; the registry is read with the latest snapshot.
 */
Datum
pgmq_check_name_free(PG_FUNCTION_ARGS)
{
	char	 *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool	  partitioned = PG_GETARG_BOOL(1);
	char	 *base = pgmq_names_table(name, "q") + 2;
	size_t	  blen = strlen(base);
	ListCell *lc;
	Oid		  nspid = get_namespace_oid(PGMQ_SCHEMA, true);
	Oid		  qrelid;
	Oid		  arelid;

	if (!OidIsValid(nspid))
		PG_RETURN_VOID();
	foreach(lc, pgmq_registry_names())
	{
		char	   *other = lfirst(lc);
		char	   *obase = pgmq_names_table(other, "q") + 2;
		size_t		olen = strlen(obase);
		const char *what;

		if (olen < blen && strncmp(base, obase, olen) == 0 && base[olen] == '_' &&
			(what = reserved_suffix(base + olen + 1)) != NULL &&
			(!is_partition_suffix(what) || has_partitions(nspid, obase)))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("queue name \"%s\" is reserved for the objects of queue \"%s\"",
							name, other),
					 errdetail("A relation named \"%s.q_%s\" or \"%s.a_%s\" would be one of the %s of queue \"%s\".",
							   PGMQ_SCHEMA, base, PGMQ_SCHEMA, base, what, other)));
		if (blen < olen && strncmp(obase, base, blen) == 0 && obase[blen] == '_' &&
			(what = reserved_suffix(obase + blen + 1)) != NULL &&
			(!is_partition_suffix(what) || partitioned))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("queue name \"%s\" would reserve the name of queue \"%s\"",
							name, other),
					 errdetail("Relations named \"%s.q_%s\" and \"%s.a_%s\" would be among the %s of queue \"%s\", but they are the tables of queue \"%s\".",
							   PGMQ_SCHEMA, obase, PGMQ_SCHEMA, obase, what, name, other)));
	}

	check_relation(name, nspid, psprintf("q_%s", base), RELKIND_RELATION, InvalidOid, "queue table");
	check_relation(name, nspid, psprintf("a_%s", base), RELKIND_RELATION, InvalidOid, "archive table");
	qrelid = get_relname_relid(psprintf("q_%s", base), nspid);
	arelid = get_relname_relid(psprintf("a_%s", base), nspid);
	/*
	 * An archive without its queue table is no leftover of this queue but,
	 * for instance, the a_<queue>_old that convert_archive_partitioned kept.
	 */
	if (OidIsValid(arelid) && !OidIsValid(qrelid))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("queue name \"%s\" collides with relation \"%s.a_%s\"",
						name, PGMQ_SCHEMA, base),
				 errdetail("The relation has the name of the queue's archive table, but there is no queue table \"%s.q_%s\".",
						   PGMQ_SCHEMA, base)));
	check_relation(name, nspid, psprintf("q_%s_pkey", base), RELKIND_INDEX, qrelid, "primary key");
	check_relation(name, nspid, psprintf("q_%s_vt_idx", base), RELKIND_INDEX, qrelid, "vt index");
	check_relation(name, nspid, psprintf("q_%s_part_idx", base), RELKIND_INDEX, qrelid, "partition key index");
	check_relation(name, nspid, psprintf("q_%s_msg_id_idx", base), RELKIND_INDEX, qrelid, "msg_id index");
	check_relation(name, nspid, psprintf("q_%s_fifo_idx", base), RELKIND_INDEX, qrelid, "fifo index");
	check_relation(name, nspid, psprintf("q_%s_msg_id_seq", base), RELKIND_SEQUENCE, InvalidOid, "identity sequence");
	check_relation(name, nspid, psprintf("q_%s_default", base), 'P', qrelid, "default partition");
	check_relation(name, nspid, psprintf("a_%s_pkey", base), RELKIND_INDEX, arelid, "archive primary key");
	check_relation(name, nspid, psprintf("a_%s_default", base), 'P', arelid, "archive default partition");
	check_relation(name, nspid, psprintf("archived_at_idx_%s", name), RELKIND_INDEX, arelid, "archived_at index");
	PG_RETURN_VOID();
}
