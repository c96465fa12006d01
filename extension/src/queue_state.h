/*-------------------------------------------------------------------------
 *
 * queue_state.h
 *	  A queue's per-backend state: one entry per queue name, with one
 *	  invalidation path (queue_state.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGMQ_QUEUE_STATE_H
#define PGMQ_QUEUE_STATE_H

#include "postgres.h"

#include "executor/spi.h"
#include "lib/ilist.h"
#include "storage/lockdefs.h"

/*
 * The statements the C functions run against one queue. Each is prepared on
 * first use and kept in the queue's entry (plans.c).
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

/* A queue's low-water state (lowwater.c). */
struct LowWater;

/*
 * A queue known to this backend. Entries live in a backend-local hash
 * (queue_state.c) and stay put while a pgmq function that opened them is
 * running. Each group of fields belongs to one file; the *_checked flags
 * are cleared by the one relcache callback (queue_state.c) when a relation
 * they depend on changes, and each file looks again on its next use.
 */
typedef struct PgmqQueue
{
	char	   name[NAMEDATALEN];		/* hash key: queue name as given */
	char	   table_base[NAMEDATALEN]; /* lower(name); tables are q_/a_ + it */
	dlist_node lru_node;				/* most recently used first */

	/* queue_state.c: registered, tables found and their shape checked */
	bool valid;	 /* cleared by qrelid, arelid */
	Oid	 qrelid; /* pgmq.q_<name> */
	Oid	 arelid; /* pgmq.a_<name>, or InvalidOid */

	/* plans.c: kept statements, freed when qrelid changes */
	SPIPlanPtr plans[PGMQ_NUM_PLANS];

	/* ids.c */
	bool ids_checked; /* cleared by qrelid, seqrelid */
	bool ids_flush;	  /* unlogged queue, logged sequence: flush at commit */
	bool ids_warned;  /* the unlogged-sequence WARNING was given */
	Oid	 seqrelid;	  /* the identity sequence of msg_id, or InvalidOid */

	/* fifo.c */
	bool fifo_checked;	/* cleared by qrelid, fifo_idxrelid */
	bool fifo_usable;	/* q_<name>_fifo_idx is a valid btree on the table */
	Oid	 fifo_idxrelid; /* the index called so, or InvalidOid */

	/* deadletter.c: the queue's policy, read on first use after open */
	bool  policy_loaded;			/* cleared by qrelid, arelid */
	int32 max_deliveries;			/* 0: no dead-letter queue */
	int32 default_vt;				/* -1: none */
	char  policy_name[NAMEDATALEN]; /* registered name, '' if no policy */
	char  dlq_table[NAMEDATALEN];	/* unquoted q_ table of the DLQ */

	/* lowwater.c: state allocated on first use, freed with the entry */
	bool			 lowwater_checked; /* cleared by qrelid */
	struct LowWater *lowwater;
} PgmqQueue;

extern void		  pgmq_queue_state_init(void);
extern PgmqQueue *pgmq_queue_open(const char *name, LOCKMODE lockmode);
extern void		  pgmq_queue_close(PgmqQueue *queue);
extern char		 *pgmq_queue_table(PgmqQueue *queue, char prefix);
extern int64	  pgmq_queue_state_count(void);

#endif /* PGMQ_QUEUE_STATE_H */
