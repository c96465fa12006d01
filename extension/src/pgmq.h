/*-------------------------------------------------------------------------
 *
 * pgmq.h
 *	  Declarations shared by the pgmq extension's C files.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGMQ_H
#define PGMQ_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "lib/ilist.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "storage/lockdefs.h"
#include "utils/timestamp.h"

/*
 * The module is built with -fvisibility=hidden and PGDLLEXPORT marks what
 * stays exported (Makefile). PostgreSQL 15's PG_FUNCTION_INFO_V1 marks only
 * the info record, so it is redefined here to export the function too, as
 * PostgreSQL 16's does.
 */
/* clang-format off */
#undef PG_FUNCTION_INFO_V1
#define PG_FUNCTION_INFO_V1(funcname) \
extern PGDLLEXPORT Datum funcname(PG_FUNCTION_ARGS); \
extern PGDLLEXPORT const Pg_finfo_record * CppConcat(pg_finfo_,funcname)(void); \
const Pg_finfo_record * \
CppConcat(pg_finfo_,funcname) (void) \
{ \
	static const Pg_finfo_record my_finfo = { 1 }; \
	return &my_finfo; \
} \
extern int no_such_variable
/* clang-format on */

/* pgmq.c */
extern PGDLLEXPORT void _PG_init(void);

/*
 * Longest queue name, in characters and in bytes. The longest identifier
 * derived from a name is "template_pgmq_q_<name>" (pg_partman's template
 * table) and "archived_at_idx_<name>", 16 bytes plus the name, which must
 * fit PostgreSQL's 63-byte identifiers.
 */
#define PGMQ_MAX_NAME_LEN 47

/* Schema that holds the queue tables. */
#define PGMQ_SCHEMA "pgmq"

#include "queue_state.h"

/* names.c */
extern void	 pgmq_names_check(const char *name);
extern char *pgmq_names_table(const char *name, const char *prefix);
extern char *pgmq_names_arg(FunctionCallInfo fcinfo, int argno);

/* plans.c */
extern SPIPlanPtr pgmq_queue_plan(PgmqQueue *queue, PgmqPlanKind kind);
extern char		 *pgmq_queue_sql(PgmqQueue *queue, PgmqPlanKind kind);
extern void		  pgmq_plans_free(PgmqQueue *queue);

/*
 * exec.c: running a cached statement and returning its rows. A statement's
 * rows travel between functions as a PgmqRows, never in SPI's globals (a
 * later SPI call replaces those): valid until pgmq_rows_free or SPI_finish.
 */
typedef struct PgmqRows
{
	SPITupleTable *tuptable; /* NULL when the statement returned no rows */
	uint64		   n;
} PgmqRows;

extern PgmqRows	   pgmq_exec_plan(SPIPlanPtr plan, Datum *values, const char *nulls);
extern Datum	   pgmq_rows_value(PgmqRows rows, uint64 i, int col, bool *isnull);
extern int64	   pgmq_rows_id(PgmqRows rows, uint64 i);
extern void		   pgmq_rows_free(PgmqRows *rows);
extern void		   pgmq_exec_check_rows(PgmqRows rows, TupleDesc want);
extern void		   pgmq_return_messages(FunctionCallInfo fcinfo, PgmqRows rows);
extern void		   pgmq_return_ids(FunctionCallInfo fcinfo, PgmqRows rows, bool sort);
extern void		   pgmq_return_empty(FunctionCallInfo fcinfo);
extern TimestampTz pgmq_timestamp_add_secs(TimestampTz ts, int64 secs,
										   const char *what);
extern int32	   pgmq_int_arg(FunctionCallInfo fcinfo, int argno, const char *what);
extern TimestampTz pgmq_timestamp_arg(FunctionCallInfo fcinfo, int argno,
									  const char *what);

/* registry.c: pgmq.meta, read with the latest snapshot */
extern char *pgmq_registry_find(const char *table_base);
extern List *pgmq_registry_names(void);

/* shape.c: the columns a queue's tables must have */
extern void pgmq_shape_check_relation(Oid relid, const char *name, bool archive);
extern void pgmq_shape_check(PgmqQueue *queue, const char *name);

/* send.c */
extern void pgmq_send_params(FunctionCallInfo fcinfo, bool batch, bool with_headers,
							 TimestampTz vt, Datum *values, char *nulls);

/* ids.c: msg_ids never issued twice, also across a crash */
extern void pgmq_ids_before_send(PgmqQueue *queue);
extern void pgmq_ids_after_send(PgmqQueue *queue);

/* wait.c: waking long-polling readers at commit */
extern void pgmq_wait_init(void);
extern void pgmq_wait_note_send(Oid relid);
extern void pgmq_wait_note_claim(Oid relid);
typedef uint64 (*PgmqPollTry)(void *arg);
extern uint64	   pgmq_wait_poll(FunctionCallInfo fcinfo, Oid relid,
								  TimestampTz deadline, int32 interval_ms,
								  PgmqPollTry try_claim, void *arg);
extern TimestampTz pgmq_wait_poll_args(FunctionCallInfo fcinfo, int argno,
									   int32 *interval_ms);

/* lowwater.c: where claims can start scanning a queue */
extern void	 pgmq_lowwater_init(void);
extern int64 pgmq_lowwater_get(PgmqQueue *queue);
extern void	 pgmq_lowwater_advance(PgmqQueue *queue);
extern void	 pgmq_lowwater_forget(PgmqQueue *queue);

/* deadletter.c: queue policies on the read path */
extern void	 pgmq_policy_load(PgmqQueue *queue);
extern int32 pgmq_policy_vt(PgmqQueue *queue);
extern void	 pgmq_deadletter_apply(PgmqQueue *queue, PgmqRows *rows);

/* maintenance.c: background workers for partitioned queues */
extern void pgmq_maintenance_init(void);

/* settings (pgmq.c, wait.c) */
extern int pgmq_max_cached_queues;
extern int pgmq_max_waiters;

#endif /* PGMQ_H */
