/*
 * libpgmq: a C client for the pgmq PostgreSQL extension (libpq only).
 *
 * Every function taking a pgmq_client returns 0 on success and -1 on
 * failure; after a failure pgmq_errcode() gives the five-character
 * SQLSTATE (the server's, or one of the client codes below) and
 * pgmq_errmsg() the message. Results are returned in structs the caller
 * frees with the matching *_free function. A pgmq_client is used by one
 * thread at a time, except pgmq_cancel(), which may be called from any
 * thread (or a signal handler) to cancel the statement in progress.
 *
 * Client-side SQLSTATEs: "08001" could not connect, "08006" connection
 * lost, "0A000" the database's pgmq version is not supported, "42704"
 * pgmq is not installed in the database, "22023" bad argument to a library
 * call, "57014" statement cancelled (by pgmq_cancel or the server).
 */
#ifndef PGMQ_CLIENT_H
#define PGMQ_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C"
{
#endif

#define PGMQ_CLIENT_VERSION		"0.1.0"
#define PGMQ_CLIENT_VERSION_NUM 100 /* major*10000 + minor*100 + patch */

	typedef struct pg_conn	   PGconn; /* libpq's */
	typedef struct pgmq_client pgmq_client;

	/* A message (pgmq.message_record). Timestamps are the server's text
	 * (ISO 8601 with time zone) and seconds since the epoch; last_read_at is
	 * NULL and last_read_at_epoch 0 when never read; headers NULL when none. */
	typedef struct pgmq_message
	{
		int64_t msg_id;
		int32_t read_ct;
		char   *enqueued_at;
		char   *last_read_at;
		char   *vt;
		double	enqueued_at_epoch;
		double	last_read_at_epoch;
		double	vt_epoch;
		char   *message; /* JSON text */
		char   *headers; /* JSON text or NULL */
	} pgmq_message;

	typedef struct pgmq_messages
	{
		size_t		  count;
		pgmq_message *items;
	} pgmq_messages;

	/* pgmq.queue_record */
	typedef struct pgmq_queue_info
	{
		char *queue_name;
		int	  is_partitioned;
		int	  is_unlogged;
		char *created_at;
	} pgmq_queue_info;

	typedef struct pgmq_queues
	{
		size_t			 count;
		pgmq_queue_info *items;
	} pgmq_queues;

	/* pgmq.metrics_result; an age is -1 when the queue is empty. */
	typedef struct pgmq_metric
	{
		char   *queue_name;
		int64_t queue_length;
		int32_t newest_msg_age_sec;
		int32_t oldest_msg_age_sec;
		int64_t total_messages;
		char   *scrape_time;
		double	scrape_time_epoch;
		int64_t queue_visible_length;
		int64_t default_partition_length; /* -1 when NULL */
	} pgmq_metric;

	typedef struct pgmq_metrics
	{
		size_t		 count;
		pgmq_metric *items;
	} pgmq_metric_list;

	/* A list of message ids (delete/archive/set_vt batches, send_batch). */
	typedef struct pgmq_ids
	{
		size_t	 count;
		int64_t *ids;
	} pgmq_ids;

	/* Rows of text for the functions returning small tables
	 * (list_topic_bindings, test_routing, send_batch_topic,
	 * list_notify_insert_throttles). value(r, c) is NULL for SQL NULL. */
	typedef struct pgmq_rows
	{
		int	   nrows;
		int	   ncols;
		char **colnames;
		char **values; /* nrows * ncols, row-major */
	} pgmq_rows;

#define PGMQ_ROW(rows, r, c) ((rows)->values[(size_t) (r) * (rows)->ncols + (c)])

	/* ---- version, connection, errors ---- */

	const char *pgmq_client_version(void);
	int			pgmq_client_version_num(void);

	/* Connects with a conninfo string ("host=... dbname=..."), a URI
	 * ("postgresql://..."), or NULL/"" for the PG* environment alone, and checks
	 * that the database has a supported pgmq (1.13.x, any "-suffix"). Returns
	 * NULL on failure with *err (if given) set to a malloc'd "SQLSTATE: message"
	 * string the caller frees with pgmq_free. */
	pgmq_client *pgmq_connect(const char *conninfo, char **err);
	/* The same with libpq's keyword/value arrays (PQconnectdbParams). */
	pgmq_client *pgmq_connect_params(const char *const *keywords, const char *const *values,
									 char **err);
	/* Wraps an open connection. With take_ownership, pgmq_close closes it. */
	pgmq_client *pgmq_wrap(PGconn *conn, int take_ownership, char **err);
	/* Skips the version check in the next connects of this process (for tools
	 * that install the extension themselves). */
	void	pgmq_set_version_check(int enabled);
	void	pgmq_close(pgmq_client *c);
	PGconn *pgmq_conn(pgmq_client *c);
	/* The extension version found at connect ("1.13.1-c1"). */
	const char *pgmq_server_version(pgmq_client *c);
	/* Whether a version string is one this library supports. */
	int pgmq_version_supported(const char *extversion);

	const char *pgmq_errcode(const pgmq_client *c);
	const char *pgmq_errmsg(const pgmq_client *c);
	/* DETAIL and HINT of the last server error, or NULL. */
	const char *pgmq_errdetail(const pgmq_client *c);
	const char *pgmq_errhint(const pgmq_client *c);

	/* Cancels the statement running on c (a long poll, say). Safe from any
	 * thread and from a signal handler. Returns 0 if the request was sent. */
	int pgmq_cancel(pgmq_client *c);

	void pgmq_free(void *p);

	/* Where the server's NOTICEs and WARNINGs go: fn(arg, "NOTICE", message),
	 * or with fn NULL libpq's default (printed on stderr). */
	typedef void (*pgmq_notice_fn)(void *arg, const char *severity, const char *message);
	int pgmq_set_notice_handler(pgmq_client *c, pgmq_notice_fn fn, void *arg);

	/* ---- queue lifecycle ---- */

	int pgmq_create(pgmq_client *c, const char *queue);
	int pgmq_create_non_partitioned(pgmq_client *c, const char *queue);
	int pgmq_create_unlogged(pgmq_client *c, const char *queue);
	/* NULL intervals take the server's defaults ('10000', '100000'). */
	int pgmq_create_partitioned(pgmq_client *c, const char *queue, const char *partition_interval,
								const char *retention_interval);
	int pgmq_convert_archive_partitioned(pgmq_client *c, const char *queue,
										 const char *partition_interval,
										 const char *retention_interval);
	/* *dropped (optional) is 1 when the queue existed. */
	int pgmq_drop_queue(pgmq_client *c, const char *queue, int *dropped);
	int pgmq_purge_queue(pgmq_client *c, const char *queue, int64_t *purged);
	int pgmq_detach_archive(pgmq_client *c, const char *queue);
	int pgmq_list_queues(pgmq_client *c, pgmq_queues *out);
	int pgmq_validate_queue_name(pgmq_client *c, const char *queue);
	/* *out is malloc'd ("q_" + name, say). */
	int pgmq_format_table_name(pgmq_client *c, const char *queue, const char *prefix, char **out);
	int pgmq_create_fifo_index(pgmq_client *c, const char *queue);
	int pgmq_create_fifo_indexes_all(pgmq_client *c);
	/* queue NULL: every queue. */
	int pgmq_run_maintenance(pgmq_client *c, const char *queue, int32_t *result);
	int pgmq_repair_partitions(pgmq_client *c, const char *queue, int64_t *result);

	/* ---- sending ---- */

	/* headers may be NULL; delay in seconds (0 for none). */
	int pgmq_send(pgmq_client *c, const char *queue, const char *msg, const char *headers,
				  int32_t delay, int64_t *msg_id);
	/* Visible from timestamp `at` (timestamptz text). */
	int pgmq_send_at(pgmq_client *c, const char *queue, const char *msg, const char *headers,
					 const char *at, int64_t *msg_id);
	/* n messages; headers NULL or n entries (each NULL for none). */
	int pgmq_send_batch(pgmq_client *c, const char *queue, const char *const *msgs,
						const char *const *headers, size_t n, int32_t delay, pgmq_ids *out);
	int pgmq_send_batch_at(pgmq_client *c, const char *queue, const char *const *msgs,
						   const char *const *headers, size_t n, const char *at, pgmq_ids *out);

	/* ---- reading ---- */

	typedef enum pgmq_read_kind
	{
		PGMQ_READ = 0,			/* pgmq.read */
		PGMQ_READ_GROUPED,		/* pgmq.read_grouped (FIFO by x-pgmq-group) */
		PGMQ_READ_GROUPED_HEAD, /* pgmq.read_grouped_head */
		PGMQ_READ_GROUPED_RR	/* pgmq.read_grouped_rr */
	} pgmq_read_kind;

	typedef struct pgmq_read_opts
	{
		pgmq_read_kind kind;
		int32_t		   vt;				 /* seconds hidden from other readers */
		int32_t		   qty;				 /* at most this many */
		int32_t		   poll_seconds;	 /* > 0: long poll (*_with_poll) this long */
		int32_t		   poll_interval_ms; /* 0: the server's default (100) */
		const char	  *conditional;		 /* JSON filter (PGMQ_READ only), or NULL */
	} pgmq_read_opts;

	int pgmq_read_ex(pgmq_client *c, const char *queue, const pgmq_read_opts *opts,
					 pgmq_messages *out);
	int pgmq_read(pgmq_client *c, const char *queue, int32_t vt, int32_t qty, pgmq_messages *out);
	int pgmq_read_with_poll(pgmq_client *c, const char *queue, int32_t vt, int32_t qty,
							int32_t max_poll_seconds, int32_t poll_interval_ms, pgmq_messages *out);
	int pgmq_pop(pgmq_client *c, const char *queue, int32_t qty, pgmq_messages *out);

	/* ---- acknowledging and visibility ---- */

	/* *found (optional) is 1 when the message existed. */
	int pgmq_delete(pgmq_client *c, const char *queue, int64_t msg_id, int *found);
	int pgmq_delete_batch(pgmq_client *c, const char *queue, const int64_t *ids, size_t n,
						  pgmq_ids *out);
	int pgmq_archive(pgmq_client *c, const char *queue, int64_t msg_id, int *found);
	int pgmq_archive_batch(pgmq_client *c, const char *queue, const int64_t *ids, size_t n,
						   pgmq_ids *out);
	/* Hides a message for vt seconds from now; out gets 0 or 1 message. */
	int pgmq_set_vt(pgmq_client *c, const char *queue, int64_t msg_id, int32_t vt,
					pgmq_messages *out);
	int pgmq_set_vt_at(pgmq_client *c, const char *queue, int64_t msg_id, const char *at,
					   pgmq_messages *out);
	int pgmq_set_vt_batch(pgmq_client *c, const char *queue, const int64_t *ids, size_t n,
						  int32_t vt, pgmq_messages *out);

	/* ---- metrics ---- */

	int pgmq_metrics(pgmq_client *c, const char *queue, pgmq_metric *out);
	int pgmq_metrics_all(pgmq_client *c, pgmq_metric_list *out);

	/* ---- notifications ---- */

	int pgmq_enable_notify_insert(pgmq_client *c, const char *queue, int32_t throttle_ms);
	int pgmq_update_notify_insert(pgmq_client *c, const char *queue, int32_t throttle_ms);
	int pgmq_disable_notify_insert(pgmq_client *c, const char *queue);
	/* Columns queue_name, throttle_interval_ms, last_notified_at. */
	int pgmq_list_notify_insert_throttles(pgmq_client *c, pgmq_rows *out);

	/* ---- topics ---- */

	int pgmq_bind_topic(pgmq_client *c, const char *pattern, const char *queue);
	int pgmq_unbind_topic(pgmq_client *c, const char *pattern, const char *queue, int *unbound);
	/* *queues (optional) is how many queues received the message. */
	int pgmq_send_topic(pgmq_client *c, const char *routing_key, const char *msg,
						const char *headers, int32_t delay, int32_t *queues);
	/* Columns queue_name, msg_id. */
	int pgmq_send_batch_topic(pgmq_client *c, const char *routing_key, const char *const *msgs,
							  const char *const *headers, size_t n, int32_t delay, pgmq_rows *out);
	/* queue NULL: all bindings. Columns pattern, queue_name, bound_at,
	 * compiled_regex. */
	int pgmq_list_topic_bindings(pgmq_client *c, const char *queue, pgmq_rows *out);
	/* Columns pattern, queue_name, compiled_regex. */
	int pgmq_test_routing(pgmq_client *c, const char *routing_key, pgmq_rows *out);
	int pgmq_validate_routing_key(pgmq_client *c, const char *routing_key, int *valid);
	int pgmq_validate_topic_pattern(pgmq_client *c, const char *pattern, int *valid);

	/* ---- roles and policies ---- */

	int pgmq_grant_admin(pgmq_client *c, const char *role);
	int pgmq_revoke_admin(pgmq_client *c, const char *role);
	int pgmq_grant_send(pgmq_client *c, const char *queue, const char *role);
	int pgmq_revoke_send(pgmq_client *c, const char *queue, const char *role);
	int pgmq_grant_consume(pgmq_client *c, const char *queue, const char *role);
	int pgmq_revoke_consume(pgmq_client *c, const char *queue, const char *role);

	/* ---- dead-letter queues, policies and retention ---- */

	/* The parts of a queue's policy pgmq_set_policy sets: a NULL string or a
	 * negative number keeps what is set (docs/dead-letter-queues.md,
	 * docs/retention.md). dead_letter_queue and max_deliveries go together;
	 * the retentions are intervals ("7 days"). */
	typedef struct pgmq_policy_opts
	{
		const char *dead_letter_queue;
		int32_t		max_deliveries;
		int32_t		default_vt;
		const char *message_retention;
		const char *archive_retention;
	} pgmq_policy_opts;

	/* An opts with nothing set, to fill in. */
	pgmq_policy_opts pgmq_policy_opts_none(void);
	int				 pgmq_set_policy(pgmq_client *c, const char *queue, const pgmq_policy_opts *opts);
	/* setting: "dead_letter", "default_vt", "message_retention",
	 * "archive_retention", or NULL for the whole policy. */
	int pgmq_clear_policy(pgmq_client *c, const char *queue, const char *setting, int *was_set);
	/* queue NULL: every queue with a policy. Columns of pgmq.queue_policy. */
	int pgmq_show_policy(pgmq_client *c, const char *queue, pgmq_rows *out);
	/* Moves messages from a dead-letter queue back to their source queue (or
	 * target, if not NULL), at most max_messages (negative: all). */
	int pgmq_redrive(pgmq_client *c, const char *dead_letter_queue, const char *target,
					 int32_t max_messages, int64_t *moved);
	/* One batch of retention for queue (NULL: every queue with a retention);
	 * batch_size <= 0 is the server's default. Columns queue,
	 * messages_deleted, archived_deleted. */
	int pgmq_run_retention(pgmq_client *c, const char *queue, int32_t batch_size, pgmq_rows *out);

	/* ---- transactions and anything else ---- */

	/* BEGIN / COMMIT / ROLLBACK on the connection (calls in between are one
	 * transaction, acquire_queue_lock included). */
	int pgmq_begin(pgmq_client *c);
	int pgmq_commit(pgmq_client *c);
	int pgmq_rollback(pgmq_client *c);
	/* pgmq.acquire_queue_lock: only meaningful inside pgmq_begin/commit. */
	int pgmq_acquire_queue_lock(pgmq_client *c, const char *queue);
	/* Runs any statement with text parameters; rows as text (out may be NULL). */
	int pgmq_exec(pgmq_client *c, const char *sql, int nparams, const char *const *params,
				  pgmq_rows *out);

	/* ---- freeing results (each leaves the struct zeroed; NULL is fine) ---- */

	void pgmq_messages_free(pgmq_messages *m);
	void pgmq_queues_free(pgmq_queues *q);
	void pgmq_metric_free(pgmq_metric *m);
	void pgmq_metric_list_free(pgmq_metric_list *m);
	void pgmq_ids_free(pgmq_ids *ids);
	void pgmq_rows_free(pgmq_rows *rows);

#ifdef __cplusplus
}
#endif
#endif
