/*-------------------------------------------------------------------------
 *
 * maintenance.c
 *	  Background workers that run pgmq.run_maintenance() and
 *	  pgmq.run_retention() periodically.
 *
 * Partitioned queues need maintenance: partitions made ahead, old archive
 * partitions dropped, and old queue partitions dropped once empty. With
 * pgmq in shared_preload_libraries and pgmq.maintenance_databases set, one
 * worker per listed database calls pgmq.run_maintenance() at start and
 * then every pgmq.maintenance_interval seconds, in its own transaction,
 * followed by batches of pgmq.run_retention() (queue policies'
 * message_retention and archive_retention), each in its own transaction,
 * until one removes nothing or pgmq.retention_max_batches have run.
 * Databases without the extension are skipped. A failing run is logged
 * and rolled back, and the worker waits pgmq.maintenance_interval (as it
 * is now: the setting can be reloaded) before the next one. Only a worker
 * that exits (it cannot connect, say) is restarted by the postmaster,
 * after PGMQ_MAINTENANCE_RESTART seconds.
 *
 * With pgmq.maintenance_databases = '*', a launcher (connected to no
 * database) instead starts, every interval, a worker for each database
 * that has none; a worker it started exits when pgmq is not installed in
 * its database, so only databases with pgmq keep one.
 *
 * Nothing here may raise an ERROR while the postmaster loads the module
 * (it would stop the server): pgmq.maintenance_databases is checked by its
 * check hook, and a bad value in the configuration file is reported as a
 * WARNING and replaced by the default (no workers).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/varlena.h"

#include "pgmq.h"

PGDLLEXPORT void pgmq_maintenance_main(Datum arg);
PGDLLEXPORT void pgmq_maintenance_launcher_main(Datum arg);

/* bgw_main_arg of a worker the launcher started (it exits without pgmq). */
#define PGMQ_MAINTENANCE_LAUNCHED 1

/* Seconds before the postmaster starts a worker again that exited. */
#define PGMQ_MAINTENANCE_RESTART 60

static char *maintenance_databases = NULL;
static char *maintenance_role = NULL;
static int	 maintenance_interval = 60;
static int	 retention_batch_size = 10000;
static int	 retention_max_batches = 100;

/* Check hook of pgmq.maintenance_databases: a list of database names. */
static bool
check_maintenance_databases(char **newval, void **extra, GucSource source)
{
	char	 *rawlist = pstrdup(*newval);
	List	 *dbnames;
	ListCell *lc;
	bool	  ok = true;

	if (!SplitIdentifierString(rawlist, ',', &dbnames))
	{
		GUC_check_errdetail("List syntax is invalid.");
		ok = false;
	}
	else
	{
		foreach(lc, dbnames)
		{
			if (strlen((char *) lfirst(lc)) >= NAMEDATALEN)
			{
				GUC_check_errdetail("Database name \"%s\" is too long.", (char *) lfirst(lc));
				ok = false;
				break;
			}
		}
	}
	list_free(dbnames);
	pfree(rawlist);
	return ok;
}

/*
 * pgmq_maintenance_init
 *		Defines the settings and registers one worker per database listed in
 *		pgmq.maintenance_databases. Only while preloading; called from
 *		_PG_init.
 */
void
pgmq_maintenance_init(void)
{
	char	 *rawlist;
	List	 *dbnames;
	ListCell *lc;

	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomStringVariable("pgmq.maintenance_databases",
							   "Databases in which a background worker runs pgmq.run_maintenance().",
							   "A comma-separated list; empty (the default) starts no worker.",
							   &maintenance_databases, "",
							   PGC_POSTMASTER, 0, check_maintenance_databases, NULL, NULL);
	DefineCustomStringVariable("pgmq.maintenance_role",
							   "Role the maintenance workers connect as.",
							   "Empty means the bootstrap superuser.",
							   &maintenance_role, "",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pgmq.maintenance_interval",
							"Seconds between runs of pgmq.run_maintenance() by the workers.",
							"0 pauses the runs.",
							&maintenance_interval, 60, 0, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("pgmq.retention_batch_size",
							"Most rows per table one pgmq.run_retention() call of the workers removes.",
							NULL,
							&retention_batch_size, 10000, 1, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pgmq.retention_max_batches",
							"Most pgmq.run_retention() calls, each in its own transaction, per worker run.",
							"0 turns retention off in the workers.",
							&retention_max_batches, 100, 0, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);

	/* The check hook accepted it; never ERROR in the postmaster anyway. */
	rawlist = pstrdup(maintenance_databases);
	if (!SplitIdentifierString(rawlist, ',', &dbnames))
	{
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list syntax in parameter \"pgmq.maintenance_databases\""),
				 errdetail("No pgmq maintenance worker is started.")));
		return;
	}

	/* '*': a launcher starts a worker per database where pgmq is installed */
	if (list_length(dbnames) == 1 && strcmp((char *) linitial(dbnames), "*") == 0)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = PGMQ_MAINTENANCE_RESTART;
		strlcpy(worker.bgw_library_name, "pgmq", BGW_MAXLEN);
		strlcpy(worker.bgw_function_name, "pgmq_maintenance_launcher_main", BGW_MAXLEN);
		strlcpy(worker.bgw_name, "pgmq maintenance launcher", BGW_MAXLEN);
		strlcpy(worker.bgw_type, "pgmq maintenance launcher", BGW_MAXLEN);
		RegisterBackgroundWorker(&worker);
		return;
	}

	foreach(lc, dbnames)
	{
		const char		*dbname = lfirst(lc);
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = PGMQ_MAINTENANCE_RESTART;
		strlcpy(worker.bgw_library_name, "pgmq", BGW_MAXLEN);
		strlcpy(worker.bgw_function_name, "pgmq_maintenance_main", BGW_MAXLEN);
		snprintf(worker.bgw_name, BGW_MAXLEN, "pgmq maintenance %s", dbname);
		strlcpy(worker.bgw_type, "pgmq maintenance", BGW_MAXLEN);
		strlcpy(worker.bgw_extra, dbname, BGW_EXTRALEN);
		RegisterBackgroundWorker(&worker);
	}
}

/*
 * One run of pgmq.run_maintenance(), if the extension is installed here;
 * returns whether it is.
 */
static bool
run_maintenance_once(void)
{
	bool installed;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "SELECT pgmq.run_maintenance()");

	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgmq'",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pgmq maintenance: could not look for the extension");
	installed = SPI_processed > 0;
	if (installed &&
		SPI_execute("SELECT pgmq.run_maintenance()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq maintenance: pgmq.run_maintenance() failed");

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return installed;
}

/*
 * One batch of pgmq.run_retention() in its own transaction; returns the
 * rows it removed (0 also when pgmq, or a version of it with retention,
 * is not installed here).
 */
static int64
run_retention_once(void)
{
	int64 removed = 0;
	char *sql;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "SELECT pgmq.run_retention()");

	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgmq'"
					" AND pg_catalog.to_regprocedure('pgmq.run_retention(text,integer)') IS NOT NULL",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pgmq maintenance: could not look for the extension");
	if (SPI_processed > 0)
	{
		bool isnull;

		sql = psprintf("SELECT pg_catalog.sum(r.messages_deleted OPERATOR(pg_catalog.+) r.archived_deleted)::pg_catalog.int8"
					   " FROM pgmq.run_retention(NULL, %d) r",
					   retention_batch_size);
		if (SPI_execute(sql, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "pgmq maintenance: pgmq.run_retention() failed");
		removed = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											  1, &isnull));
		if (isnull)
			removed = 0;
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return removed;
}

/*
 * Retention batches until one removes nothing or pgmq.retention_max_batches
 * ran. Each batch commits, so a long backlog never makes one long
 * transaction, and a shutdown request (SIGTERM) ends the loop between
 * batches at the latest.
 */
static void
run_retention(void)
{
	for (int i = 0; i < retention_max_batches; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (run_retention_once() == 0)
			break;
	}
}

/*
 * pgmq_maintenance_main
 *		Entry point of a maintenance worker; bgw_extra holds the database.
 */
void
pgmq_maintenance_main(Datum arg)
{
	char		  dbname[BGW_EXTRALEN];
	bool		  launched = DatumGetInt32(arg) == PGMQ_MAINTENANCE_LAUNCHED;
	volatile bool installed = true;

	strlcpy(dbname, MyBgworkerEntry->bgw_extra, BGW_EXTRALEN);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(dbname,
										 maintenance_role[0] != '\0' ? maintenance_role : NULL,
										 0);
	pgstat_report_appname("pgmq maintenance");

	for (;;)
	{
		if (maintenance_interval > 0)
		{
			MemoryContext loop_cxt = CurrentMemoryContext;

			/*
			 * A failed run is reported and rolled back here rather than
			 * ending the worker, so the next run follows the interval as
			 * it is then, not a restart time fixed at server start.
			 */
			PG_TRY();
			{
				installed = run_maintenance_once();
				if (installed)
					run_retention();
			}
			PG_CATCH();
			{
				HOLD_INTERRUPTS();
				MemoryContextSwitchTo(loop_cxt);
				EmitErrorReport();
				AbortCurrentTransaction();
				FlushErrorState();
				pgstat_report_activity(STATE_IDLE, NULL);
				RESUME_INTERRUPTS();
			}
			PG_END_TRY();

			/* The launcher looks again later; a listed database keeps its worker. */
			if (launched && !installed)
				proc_exit(0);
		}

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 (maintenance_interval > 0 ? maintenance_interval : 60) * 1000L,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
}

/* A database the launcher started a worker for. */
typedef struct LaunchedWorker
{
	char					name[NAMEDATALEN];
	BackgroundWorkerHandle *handle;
} LaunchedWorker;

/*
 * The databases a worker may connect to (not templates, connections
 * allowed), palloc'd in cxt. Reads pg_database directly, as the autovacuum
 * launcher does: the launcher is connected to no database.
 */
static List *
database_list(MemoryContext cxt)
{
	List		 *names = NIL;
	Relation	  rel;
	TableScanDesc scan;
	HeapTuple	  tup;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext	 old;

		if (!db->datallowconn || db->datistemplate || db->datconnlimit == -2)
			continue;
		old = MemoryContextSwitchTo(cxt);
		names = lappend(names, pstrdup(NameStr(db->datname)));
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return names;
}

/* Starts a maintenance worker for dbname; NULL if no slot was free. */
static BackgroundWorkerHandle *
launch_worker(const char *dbname)
{
	BackgroundWorker		worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "pgmq", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "pgmq_maintenance_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "pgmq maintenance %s", dbname);
	strlcpy(worker.bgw_type, "pgmq maintenance", BGW_MAXLEN);
	strlcpy(worker.bgw_extra, dbname, BGW_EXTRALEN);
	worker.bgw_main_arg = Int32GetDatum(PGMQ_MAINTENANCE_LAUNCHED);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		return NULL;
	return handle;
}

/*
 * pgmq_maintenance_launcher_main
 *		Entry point of the launcher (pgmq.maintenance_databases = '*'): at
 *		start and then every pgmq.maintenance_interval seconds, starts a
 *		maintenance worker for each database that has none running. A worker
 *		in a database without pgmq exits after one look, so such databases
 *		are only visited once per interval; one with pgmq keeps its worker.
 *		Workers end with the launcher's SIGTERM at shutdown like any other.
 */
void
pgmq_maintenance_launcher_main(Datum arg)
{
	List		 *launched = NIL; /* of LaunchedWorker, in TopMemoryContext */
	MemoryContext loop_cxt;
	bool		  warned = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("pgmq maintenance launcher");
	loop_cxt = AllocSetContextCreate(TopMemoryContext, "pgmq maintenance launcher",
									 ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		MemoryContext old = MemoryContextSwitchTo(loop_cxt);
		List		 *dbs;
		ListCell	 *lc;

		CHECK_FOR_INTERRUPTS();
		dbs = database_list(loop_cxt);
		foreach(lc, dbs)
		{
			const char	   *dbname = lfirst(lc);
			LaunchedWorker *entry = NULL;
			ListCell	   *lc2;
			pid_t			pid;

			foreach(lc2, launched)
			{
				if (strcmp(((LaunchedWorker *) lfirst(lc2))->name, dbname) == 0)
					entry = lfirst(lc2);
			}
			if (entry != NULL && entry->handle != NULL &&
				GetBackgroundWorkerPid(entry->handle, &pid) != BGWH_STOPPED)
				continue;
			if (entry == NULL)
			{
				MemoryContextSwitchTo(TopMemoryContext);
				entry = palloc0(sizeof(LaunchedWorker));
				strlcpy(entry->name, dbname, NAMEDATALEN);
				launched = lappend(launched, entry);
				MemoryContextSwitchTo(loop_cxt);
			}
			else if (entry->handle != NULL)
				pfree(entry->handle);
			MemoryContextSwitchTo(TopMemoryContext);
			entry->handle = launch_worker(dbname);
			MemoryContextSwitchTo(loop_cxt);
			if (entry->handle == NULL && !warned)
			{
				ereport(WARNING,
						(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						 errmsg("pgmq maintenance launcher: no background worker slot for database \"%s\"",
								dbname),
						 errhint("Raise max_worker_processes.")));
				warned = true;
			}
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(loop_cxt);

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 (maintenance_interval > 0 ? maintenance_interval : 60) * 1000L,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
}
