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

/*
 * The statements the C functions run against one queue. Each is prepared on
 * first use and kept, per backend and per queue (plans.c).
 */
typedef enum PgmqPlanKind
{
	PGMQ_PLAN_SEND,			   /* $1 vt, $2 message, $3 headers */
	PGMQ_PLAN_SEND_BATCH,	   /* $1 vt, $2 messages[], $3 headers[] */
	PGMQ_PLAN_READ,			   /* $1 now, $2 new vt, $3 qty, $4 low-water */
	PGMQ_PLAN_READ_COND,	   /* $1 now, $2 new vt, $3 qty, $4 low-water, $5 filter */
	PGMQ_PLAN_POP,			   /* $1 now, $2 qty, $3 low-water */
	PGMQ_PLAN_DELETE,		   /* $1 msg_id */
	PGMQ_PLAN_DELETE_BATCH,	   /* $1 msg_ids[], $2 min, $3 max of them */
	PGMQ_PLAN_ARCHIVE,		   /* $1 msg_id */
	PGMQ_PLAN_ARCHIVE_BATCH,   /* $1 msg_ids[], $2 min, $3 max of them */
	PGMQ_PLAN_SET_VT,		   /* $1 vt, $2 msg_id */
	PGMQ_PLAN_SET_VT_BATCH,	   /* $1 vt, $2 msg_ids[] */
	PGMQ_PLAN_METRICS,		   /* no parameters */
	PGMQ_PLAN_COUNT,		   /* no parameters: count(*) of the queue */
	PGMQ_PLAN_FIFO_HEADS,	   /* $1 now: visible group heads, via fifo index */
	PGMQ_PLAN_FIFO_HEADS_SCAN, /* $1 now: the same without the index */
	PGMQ_PLAN_FIFO_LOCK,	   /* $1 msg_ids[], $2 now, $3 qty */
	PGMQ_PLAN_FIFO_NEXT,	   /* $1 group, $2 after msg_id, $3 now, $4 qty */
	PGMQ_PLAN_FIFO_CLAIM,	   /* $1 now, $2 new vt, $3 msg_ids[] */
	PGMQ_NUM_PLANS
} PgmqPlanKind;

/*
 * A queue known to this backend: the relation of its queue table and the
 * statements prepared for it. Entries live in a backend-local hash (plans.c)
 * and stay put while a pgmq function that opened them is running.
 */
typedef struct PgmqQueue
{
	char	   name[NAMEDATALEN];		/* hash key: queue name as given */
	char	   table_base[NAMEDATALEN]; /* lower(name); tables are q_/a_ + it */
	bool	   valid;					/* qrelid checked since the last invalidation */
	Oid		   qrelid;					/* pgmq.q_<name> */
	Oid		   arelid;					/* pgmq.a_<name>, or InvalidOid */
	SPIPlanPtr plans[PGMQ_NUM_PLANS];
	dlist_node lru_node; /* most recently used first */

	/* The queue's policy (deadletter.c), read on first use after open */
	bool  policy_loaded;			/* fields below are current */
	int32 max_deliveries;			/* 0: no dead-letter queue */
	int32 default_vt;				/* -1: none */
	char  policy_name[NAMEDATALEN]; /* registered name, '' if no policy */
	char  dlq_table[NAMEDATALEN];	/* unquoted q_ table of the DLQ */
} PgmqQueue;

/* names.c */
extern void	 pgmq_names_check(const char *name);
extern char *pgmq_names_table(const char *name, const char *prefix);
extern char *pgmq_names_arg(FunctionCallInfo fcinfo, int argno);

/* plans.c */
extern void		  pgmq_plans_init(void);
extern PgmqQueue *pgmq_queue_open(const char *name, LOCKMODE lockmode);
extern SPIPlanPtr pgmq_queue_plan(PgmqQueue *queue, PgmqPlanKind kind);
extern char		 *pgmq_queue_sql(PgmqQueue *queue, PgmqPlanKind kind);
extern void		  pgmq_queue_close(PgmqQueue *queue);
extern char		 *pgmq_queue_table(PgmqQueue *queue, char prefix);

/* exec.c: running a cached statement and returning its rows */
extern uint64	   pgmq_exec_plan(SPIPlanPtr plan, Datum *values, const char *nulls);
extern void		   pgmq_exec_check_rows(TupleDesc want);
extern void		   pgmq_return_messages(FunctionCallInfo fcinfo);
extern void		   pgmq_return_ids(FunctionCallInfo fcinfo, bool sort);
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
extern void pgmq_send_note_ids(Oid qrelid);

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

/* deadletter.c: queue policies on the read path */
extern void	  pgmq_policy_load(PgmqQueue *queue);
extern int32  pgmq_policy_vt(PgmqQueue *queue);
extern uint64 pgmq_deadletter_apply(PgmqQueue *queue, uint64 n);

/* maintenance.c: background workers for partitioned queues */
extern void pgmq_maintenance_init(void);

/* settings (pgmq.c, wait.c) */
extern int pgmq_max_cached_queues;
extern int pgmq_max_waiters;

#endif /* PGMQ_H */
