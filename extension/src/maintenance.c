/*-------------------------------------------------------------------------
 *
 * maintenance.c
 *	  Background workers that run pgmq.run_maintenance() periodically.
 *
 * Partitioned queues need maintenance: partitions made ahead, old archive
 * partitions dropped, and old queue partitions dropped once empty. With
 * pgmq in shared_preload_libraries and pgmq.maintenance_databases set, one
 * worker per listed database calls pgmq.run_maintenance() at start and
 * then every pgmq.maintenance_interval seconds, in its own transaction.
 * Databases without the extension are skipped. A failing run is logged
 * and the worker restarts after pgmq.maintenance_interval.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
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
#include "utils/snapmgr.h"
#include "utils/varlena.h"

#include "pgmq.h"

PGDLLEXPORT void pgmq_maintenance_main(Datum arg);

static char *maintenance_databases = NULL;
static char *maintenance_role = NULL;
static int	maintenance_interval = 60;

/*
 * pgmq_maintenance_init
 *		Defines the settings and registers one worker per database listed in
 *		pgmq.maintenance_databases. Only while preloading; called from
 *		_PG_init.
 */
void
pgmq_maintenance_init(void)
{
	char	   *rawlist;
	List	   *dbnames;
	ListCell   *lc;

	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomStringVariable("pgmq.maintenance_databases",
							   "Databases in which a background worker runs pgmq.run_maintenance().",
							   "A comma-separated list; empty (the default) starts no worker.",
							   &maintenance_databases, "",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
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

	rawlist = pstrdup(maintenance_databases);
	if (!SplitIdentifierString(rawlist, ',', &dbnames))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list syntax in parameter \"pgmq.maintenance_databases\"")));

	foreach(lc, dbnames)
	{
		const char *dbname = lfirst(lc);
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = Max(maintenance_interval, 1);
		strlcpy(worker.bgw_library_name, "pgmq", BGW_MAXLEN);
		strlcpy(worker.bgw_function_name, "pgmq_maintenance_main", BGW_MAXLEN);
		snprintf(worker.bgw_name, BGW_MAXLEN, "pgmq maintenance %s", dbname);
		strlcpy(worker.bgw_type, "pgmq maintenance", BGW_MAXLEN);
		strlcpy(worker.bgw_extra, dbname, BGW_EXTRALEN);
		RegisterBackgroundWorker(&worker);
	}
}

/* One run of pgmq.run_maintenance(), if the extension is installed here. */
static void
run_maintenance_once(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "SELECT pgmq.run_maintenance()");

	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgmq'",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pgmq maintenance: could not look for the extension");
	if (SPI_processed > 0 &&
		SPI_execute("SELECT pgmq.run_maintenance()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq maintenance: pgmq.run_maintenance() failed");

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * pgmq_maintenance_main
 *		Entry point of a maintenance worker; bgw_extra holds the database.
 */
void
pgmq_maintenance_main(Datum arg)
{
	char		dbname[BGW_EXTRALEN];

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
			run_maintenance_once();

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
