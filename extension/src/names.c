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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation_d.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/formatting.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_validate_queue_name);
PG_FUNCTION_INFO_V1(pgmq_format_table_name);

/* Raises unless name has none of the characters pgmq rejects. */
static void
check_characters(const char *name)
{
	if (strchr(name, '$') || strchr(name, ';') || strchr(name, '\'') ||
		strstr(name, "--"))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("queue name contains invalid characters: $, ;, --, or \\'")));
}

/*
 * pgmq_names_check
 *		Raises unless name can name a queue.
 */
void
pgmq_names_check(const char *name)
{
	size_t		nbytes = strlen(name);

	if (nbytes == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("queue name cannot be empty")));
	check_characters(name);
	if (nbytes > PGMQ_MAX_NAME_LEN)
	{
		int			nchars = pg_mbstrlen(name);

		if (nchars > PGMQ_MAX_NAME_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("queue name is too long, maximum length is %d characters",
							PGMQ_MAX_NAME_LEN)));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
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
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
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
	char	   *joined = psprintf("%s_%s", prefix, name);

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
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *prefix = text_to_cstring(PG_GETARG_TEXT_PP(1));

	check_characters(name);
	PG_RETURN_TEXT_P(cstring_to_text(pgmq_names_table(name, prefix)));
}
