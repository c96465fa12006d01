/*-------------------------------------------------------------------------
 *
 * partman.c
 *	  Calls into pg_partman that cannot change the caller's settings.
 *
 * pg_partman 4.x switches search_path with a session-level set_config()
 * and switches it back the same way when it is done. Called from a pgmq
 * function whose search_path is pinned, that "restore" is a plain SET
 * inside the function's SET clause, which PostgreSQL keeps after the
 * function returns: the caller would be left with pgmq's pinned path.
 *
 * pgmq._partman() runs one statement inside a GUC nest level of its own
 * and leaves it with AtEOXact_GUC(false, ...), which restores the prior
 * value of every setting changed inside, SET LOCAL and session-level SET
 * alike. So no setting changed by pg_partman (or by anything it calls)
 * outlives the statement. On an error the surrounding (sub)transaction's
 * abort pops the nest level, so nothing needs to be caught here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_partman);

/*
 * pgmq_partman
 *		Runs the statement in argument 0 with settings isolated and returns
 *		the first column of its first row as text (NULL if none).
 */
Datum
pgmq_partman(PG_FUNCTION_ARGS)
{
	char		 *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext caller_cxt = CurrentMemoryContext;
	char		 *result = NULL;
	int			  save_nestlevel;
	int			  rc;

	save_nestlevel = NewGUCNestLevel();

	SPI_connect();
	rc = SPI_execute(sql, false, 0);
	if (rc < 0)
		elog(ERROR, "pgmq: SPI_execute failed: %s", SPI_result_code_string(rc));
	if (SPI_tuptable != NULL && SPI_processed > 0 && SPI_tuptable->tupdesc->natts > 0)
	{
		char *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (value != NULL)
			result = MemoryContextStrdup(caller_cxt, value);
	}
	SPI_finish();

	/* false: discard, do not keep, whatever was set in between. */
	AtEOXact_GUC(false, save_nestlevel);

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(result));
}
