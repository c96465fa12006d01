/*-------------------------------------------------------------------------
 *
 * ids.c
 *	  msg_ids that are never issued twice, also across a crash.
 *
 * A queue's ids come from the identity sequence of its queue table. Two
 * things could make a crash hand out an acknowledged id again:
 *
 * 1. An unlogged sequence. It starts over from its initial value after a
 *	  crash. Our queues' sequences are created logged (pgmq._create_queue),
 *	  but a sequence can be unlogged all the same: made by upstream pgmq or
 *	  an older version (an unlogged table's identity sequence is unlogged),
 *	  restored from such a dump, set by ALTER SEQUENCE ... SET UNLOGGED, or
 *	  by ALTER TABLE ... SET UNLOGGED of the queue table. Such a sequence is
 *	  made logged (ALTER SEQUENCE ... SET LOGGED) by the first send of the
 *	  queue's owner in a backend (pgmq_ids_before_send, cached per backend
 *	  and queue until an invalidation of the queue table or the sequence),
 *	  by create() on the existing queue, by the adoption of an earlier
 *	  install's queues, and by pgmq._make_id_sequence_logged(queue_name).
 *	  Only the sequence's owner may ALTER it: any other role's send gets one
 *	  WARNING per backend and queue (with the repair in its HINT) and goes
 *	  on, with ids that a crash may issue again until the owner repairs.
 *	  The repair takes the sequence's ACCESS EXCLUSIVE lock until the
 *	  transaction ends: other sends to the queue wait for it (once, since
 *	  afterwards the sequence is logged).
 *
 * 2. An unlogged queue on a logged sequence. The sequence writes a WAL
 *	  record every 32 ids, and that record may belong to another session's
 *	  transaction, still open or rolled back. A send whose commit writes
 *	  only unlogged rows does not flush the WAL, so the record could still
 *	  be in memory when the client is told its id. pgmq_ids_after_send
 *	  remembers the LSN of the sequence's page and the commit flushes up to
 *	  it (XLogFlush at PRE_COMMIT): nothing to do when the record is on disk
 *	  already, which is all but about one send in 32. Logged queues need
 *	  nothing: their rows' WAL lies past the sequence record and the commit
 *	  flushes it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_make_id_sequence_logged);

/*
 * How far the WAL must be flushed at commit so that no msg_id this
 * transaction was given can be issued again after a crash (0: nothing to do).
 */
static XLogRecPtr ids_flush_lsn = InvalidXLogRecPtr;
static bool		  ids_callback_registered = false;

/*
 * Flushes before the commit: the commit of a transaction that wrote only
 * unlogged rows is not flushed itself (it has no WAL to protect), so
 * without this the sequence record could still be in memory when the
 * client is told its ids.
 */
static void
ids_xact_cb(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			if (ids_flush_lsn != InvalidXLogRecPtr)
				XLogFlush(ids_flush_lsn);
			ids_flush_lsn = InvalidXLogRecPtr;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* PREPARE flushes its own record, which lies past ours */
			ids_flush_lsn = InvalidXLogRecPtr;
			break;
		default:
			break;
	}
}

/*
 * ALTER SEQUENCE seqid SET LOGGED, if the current user may: true if it
 * ran. Not in a read-only transaction (the send or create that called
 * would fail anyway, with its own error).
 */
static bool
set_logged(Oid seqid)
{
	char *nspname;
	char *relname;

	if (!pg_class_ownercheck(seqid, GetUserId()) || XactReadOnly || RecoveryInProgress())
		return false;
	nspname = get_namespace_name(get_rel_namespace(seqid));
	relname = get_rel_name(seqid);
	if (nspname == NULL || relname == NULL)
		return false; /* dropped meanwhile */
	SPI_connect();
	if (SPI_execute(psprintf("ALTER SEQUENCE %s SET LOGGED",
							 quote_qualified_identifier(nspname, relname)),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "pgmq: could not make sequence \"%s.%s\" logged", nspname, relname);
	SPI_finish();
	return true;
}

/* The WARNING a role that may not repair the sequence gets. */
static void
warn_unlogged(Oid seqid, const char *name)
{
	ereport(WARNING,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("the msg_id sequence of queue \"%s\" is unlogged", name),
			 errdetail("After a crash sequence \"%s\" starts over, and msg_ids already issued are issued again.",
					   get_rel_name(seqid)),
			 errhint("The queue's owner can make it logged with SELECT pgmq._make_id_sequence_logged('%s') or SELECT pgmq.create('%s').",
					 name, name)));
}

/*
 * pgmq_ids_before_send
 *		Called before every insert into a queue table (the queue is open).
 *		The first time in a backend, and after an invalidation of the
 *		queue table or its sequence: looks up the sequence and makes it
 *		logged if it is not (see the file header). Otherwise costs a flag.
 */
void
pgmq_ids_before_send(PgmqQueue *queue)
{
	Oid seqid;

	if (queue->ids_checked)
		return;

	/*
	 * Checked from now on: an invalidation that arrives during the catalog
	 * look-ups below clears the flag again, so the next send looks anew.
	 */
	queue->ids_checked = true;
	queue->ids_flush = false;
	seqid = getIdentitySequence(queue->qrelid, 1, true);
	queue->seqrelid = seqid;
	if (!OidIsValid(seqid))
		return;
	if (get_rel_persistence(seqid) == RELPERSISTENCE_UNLOGGED)
	{
		if (set_logged(seqid))
			queue->ids_checked = true; /* its own invalidation cleared it */
		else if (!queue->ids_warned && !XactReadOnly)
		{
			warn_unlogged(seqid, queue->name);
			queue->ids_warned = true;
		}
	}
	/* A rollback of the ALTER clears ids_checked (abort invalidations). */
	queue->ids_flush = get_rel_persistence(queue->qrelid) == RELPERSISTENCE_UNLOGGED &&
					   get_rel_persistence(seqid) == RELPERSISTENCE_PERMANENT;
}

/*
 * pgmq_ids_after_send
 *		Called after every insert into a queue table. For an unlogged queue
 *		on a logged sequence, remembers the LSN of the sequence's page: the
 *		record that advanced the sequence past the ids just taken. The
 *		commit flushes up to it.
 */
void
pgmq_ids_after_send(PgmqQueue *queue)
{
	Relation   seqrel;
	Buffer	   buf;
	XLogRecPtr lsn;

	/*
	 * The insert itself can accept an invalidation (at a lock it takes) and
	 * clear ids_checked: look again rather than skip the flush, or a commit
	 * could acknowledge an id whose sequence record is still in memory.
	 */
	if (!queue->ids_checked)
		pgmq_ids_before_send(queue);
	if (!queue->ids_flush)
		return;
	seqrel = relation_open(queue->seqrelid, AccessShareLock);
	if (RelationNeedsWAL(seqrel))
	{
		buf = ReadBuffer(seqrel, 0);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		lsn = PageGetLSN(BufferGetPage(buf));
		UnlockReleaseBuffer(buf);
		if (lsn > ids_flush_lsn)
			ids_flush_lsn = lsn;
		if (!ids_callback_registered)
		{
			RegisterXactCallback(ids_xact_cb, NULL);
			ids_callback_registered = true;
		}
	}
	relation_close(seqrel, AccessShareLock);
}

/*
 * pgmq._make_id_sequence_logged(queue_name text) returns boolean
 *
 * Makes the queue's msg_id sequence logged if it is unlogged: true if it
 * did. A caller who does not own the sequence gets a WARNING and false.
 * Raises 42P01 if there is no queue table. Called by create() on an
 * existing queue and by the adoption of an earlier install's queues. It
 * locks no table (create() on a live queue must not block its traffic);
 * only the ALTER, when it runs, locks the sequence.
 */
Datum
pgmq_make_id_sequence_logged(PG_FUNCTION_ARGS)
{
	char *name = pgmq_names_arg(fcinfo, 0);
	Oid	  nspid = get_namespace_oid(PGMQ_SCHEMA, true);
	Oid	  relid = InvalidOid;
	Oid	  seqid;

	pgmq_names_check(name);
	if (OidIsValid(nspid))
		relid = get_relname_relid(pgmq_names_table(name, "q"), nspid);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("queue \"%s\" does not exist", name)));
	seqid = getIdentitySequence(relid, 1, true);
	if (!OidIsValid(seqid) || get_rel_persistence(seqid) != RELPERSISTENCE_UNLOGGED)
		PG_RETURN_BOOL(false);
	if (set_logged(seqid))
		PG_RETURN_BOOL(true);
	if (!XactReadOnly)
		warn_unlogged(seqid, name);
	PG_RETURN_BOOL(false);
}
