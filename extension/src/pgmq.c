/*-------------------------------------------------------------------------
 *
 * pgmq.c
 *	  Module entry point: settings and the callbacks every backend needs.
 *
 * Everything works when the module is loaded by the first call of one of
 * its functions. Loaded by shared_preload_libraries it also sets up the
 * shared memory that wakes long-polling readers at commit (wait.c) and the
 * maintenance workers of partitioned queues (maintenance.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "pgmq.h"

PG_MODULE_MAGIC;

/* Bound on queues whose state one backend keeps (queue_state.c). */
int pgmq_max_cached_queues = 256;

void _PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("pgmq.max_cached_queues",
							"Maximum number of queues whose prepared statements a backend keeps.",
							"The least recently used queue's statements are released beyond this.",
							&pgmq_max_cached_queues,
							256, 1, 1000000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	pgmq_wait_init();
	pgmq_maintenance_init();
	pgmq_lowwater_init();
	/* After every pgmq.* setting is defined: the rest are removed. */
	MarkGUCPrefixReserved("pgmq");

	pgmq_queue_state_init();
}
