/*-------------------------------------------------------------------------
 *
 * send.c
 *	  Putting messages on a queue: send and send_batch in all their forms.
 *
 * Every overload ends in one INSERT per call. The visibility time is
 * computed here from the server clock (clock_timestamp(), as pgmq does),
 * so the statement itself takes it as a plain parameter.
 *
 * A send to an unlogged queue also makes its msg_id durable at commit
 * (pgmq_send_note_ids): the ids come from a logged sequence, whose WAL
 * record may belong to another transaction, and the send's own commit
 * writes nothing that would flush it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "pgmq.h"

PG_FUNCTION_INFO_V1(pgmq_send);
PG_FUNCTION_INFO_V1(pgmq_send_delay);
PG_FUNCTION_INFO_V1(pgmq_send_at);
PG_FUNCTION_INFO_V1(pgmq_send_batch);
PG_FUNCTION_INFO_V1(pgmq_send_batch_delay);
PG_FUNCTION_INFO_V1(pgmq_send_batch_at);
PG_FUNCTION_INFO_V1(pgmq_validate_batch_params);

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
 * pgmq_send_note_ids
 *		Called after every insert into a queue table. For an unlogged
 *		queue, remembers the LSN of the identity sequence's page: the
 *		record that advanced the sequence past the ids just taken. The
 *		commit flushes up to it, which costs nothing when that record is
 *		already on disk (all but about one send in 32). Logged queues need
 *		nothing: their rows' WAL lies past the sequence record and the
 *		commit flushes it.
 */
void
pgmq_send_note_ids(Oid qrelid)
{
	Oid		 seqid;
	Relation seqrel;

	if (get_rel_persistence(qrelid) != RELPERSISTENCE_UNLOGGED)
		return;
	seqid = getIdentitySequence(qrelid, 1, true);
	if (!OidIsValid(seqid))
		return;
	seqrel = relation_open(seqid, AccessShareLock);
	if (RelationNeedsWAL(seqrel))
	{
		Buffer	   buf = ReadBuffer(seqrel, 0);
		XLogRecPtr lsn;

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
 * The number of elements of arr. A multi-dimensional array counts all its
 * elements, which the batch takes in storage order, as pgmq's unnest does
 * (and as delete, archive and set_vt take an id array of any shape).
 */
static int
batch_length(ArrayType *arr)
{
	return ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
}

/*
 * Raises (P0001 and upstream's texts) unless msgs holds at least one message
 * (NULL elements are messages: they are stored as NULL), and headers is
 * NULL or has one entry per message. Either array may be NULL (pass NULL).
 */
static void
check_batch(ArrayType *msgs, ArrayType *headers)
{
	int nmsgs;

	if (msgs == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("msgs cannot be NULL or empty")));
	nmsgs = batch_length(msgs);
	if (nmsgs == 0)
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("msgs cannot be NULL or empty")));
	if (headers != NULL)
	{
		int nheaders = batch_length(headers);

		if (nheaders != nmsgs)
			ereport(ERROR,
					(errcode(ERRCODE_RAISE_EXCEPTION),
					 errmsg("headers array length (%d) must match msgs array length (%d)",
							nheaders, nmsgs)));
	}
}

/*
 * pgmq_send_params
 *		Checks the payload of a send and fills the parameters of
 *		PGMQ_PLAN_SEND (batch false: argument 1 is one message) or
 *		PGMQ_PLAN_SEND_BATCH (batch true: argument 1 is an array): $1 vt,
 *		$2 the payload, $3 the headers of argument 2 if with_headers (NULL
 *		otherwise). Shared with send_topic and send_batch_topic (topic.c),
 *		whose arguments sit at the same places.
 */
void
pgmq_send_params(FunctionCallInfo fcinfo, bool batch, bool with_headers,
				 TimestampTz vt, Datum *values, char *nulls)
{
	bool headers_given = with_headers && !PG_ARGISNULL(2);

	if (batch)
		check_batch(PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1),
					headers_given ? PG_GETARG_ARRAYTYPE_P(2) : NULL);

	/* A NULL message is stored, as upstream does (headers-only messages). */
	values[0] = TimestampTzGetDatum(vt);
	nulls[0] = ' ';
	values[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[1] = PG_ARGISNULL(1) ? 'n' : ' ';
	values[2] = headers_given ? PG_GETARG_DATUM(2) : (Datum) 0;
	nulls[2] = headers_given ? ' ' : 'n';
}

/* Where a send's visibility time comes from. */
typedef enum DelayKind
{
	DELAY_NONE,	   /* visible now */
	DELAY_SECONDS, /* last argument: seconds from now */
	DELAY_AT	   /* last argument: a timestamptz */
} DelayKind;

/*
 * The whole of send and send_batch: send(queue_name, msg[, headers][, delay])
 * and send_batch(queue_name, msgs[, headers][, delay]). Inserts and returns
 * the new msg_ids, in the order of msgs.
 */
static Datum
send_common(FunctionCallInfo fcinfo, bool batch, DelayKind delay)
{
	char	   *name = pgmq_names_arg(fcinfo, 0);
	int			nfixed = delay == DELAY_NONE ? PG_NARGS() : PG_NARGS() - 1;
	TimestampTz vt;
	Datum		values[3];
	char		nulls[3];
	PgmqQueue  *queue;

	if (delay == DELAY_SECONDS)
		vt = pgmq_timestamp_add_secs(GetCurrentTimestamp(),
									 pgmq_int_arg(fcinfo, nfixed, "delay"), "delay");
	else if (delay == DELAY_AT)
		vt = pgmq_timestamp_arg(fcinfo, nfixed, "delay");
	else
		vt = GetCurrentTimestamp();
	/* (queue_name, payload, headers): headers are there when nfixed is 3 */
	pgmq_send_params(fcinfo, batch, nfixed == 3, vt, values, nulls);

	queue = pgmq_queue_open(name, RowExclusiveLock);
	SPI_connect();
	pgmq_exec_plan(pgmq_queue_plan(queue, batch ? PGMQ_PLAN_SEND_BATCH : PGMQ_PLAN_SEND),
				   values, nulls);
	pgmq_send_note_ids(queue->qrelid);
	pgmq_wait_note_send(queue->qrelid);
	pgmq_return_ids(fcinfo, false);
	SPI_finish();
	pgmq_queue_close(queue);
	return (Datum) 0;
}

/* pgmq.send(queue_name, msg[, headers]) */
Datum
pgmq_send(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, false, DELAY_NONE);
}

/* pgmq.send(queue_name, msg[, headers], delay integer) */
Datum
pgmq_send_delay(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, false, DELAY_SECONDS);
}

/* pgmq.send(queue_name, msg[, headers], delay timestamptz) */
Datum
pgmq_send_at(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, false, DELAY_AT);
}

/* pgmq.send_batch(queue_name, msgs[, headers]) */
Datum
pgmq_send_batch(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, true, DELAY_NONE);
}

/* pgmq.send_batch(queue_name, msgs[, headers], delay integer) */
Datum
pgmq_send_batch_delay(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, true, DELAY_SECONDS);
}

/*
 * pgmq.send_batch(queue_name, msgs[, headers], delay timestamptz), and
 * pgmq._send_batch(queue_name, msgs, headers, delay timestamptz)
 */
Datum
pgmq_send_batch_at(PG_FUNCTION_ARGS)
{
	return send_common(fcinfo, true, DELAY_AT);
}

/*
 * pgmq._validate_batch_params(msgs jsonb[], headers jsonb[]) returns void
 */
Datum
pgmq_validate_batch_params(PG_FUNCTION_ARGS)
{
	check_batch(PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0),
				PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1));
	PG_RETURN_VOID();
}
