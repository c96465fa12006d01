/*
 * Unit tests of libpgmq against a live server (client/test/libpgmq.sh):
 * every call of pgmq.h, its results and its errors. The connection comes
 * from the PG* environment; PGMQ_TEST_NOPGMQ_DB names a database without
 * the extension. Prints TAP ("ok N - ..."); exits 1 on any failure.
 */
#include "pgmq.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int tests, failures;

#define CHECK(cond, ...) \
	do \
	{ \
		tests++; \
		if (cond) \
			printf("ok %d - ", tests); \
		else \
		{ \
			failures++; \
			printf("not ok %d - ", tests); \
		} \
		printf(__VA_ARGS__); \
		if (!(cond)) \
			printf(" [line %d: %s]", __LINE__, #cond); \
		printf("\n"); \
	} while (0)

#define OK(c, call, ...) \
	do \
	{ \
		int rc_ = (call); \
		CHECK(rc_ == 0, __VA_ARGS__); \
		if (rc_ != 0) \
			printf("#   %s: %s\n", pgmq_errcode(c), pgmq_errmsg(c)); \
	} while (0)

static double
mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct poll_arg
{
	pgmq_client *c;
	int			 rc;
	char		 code[6];
	size_t		 count;
} poll_arg;

static void *
long_poll(void *p)
{
	poll_arg	 *a = p;
	pgmq_messages m;

	a->rc = pgmq_read_with_poll(a->c, "t_wait", 30, 1, 60, 100, &m);
	memcpy(a->code, pgmq_errcode(a->c), 6);
	a->count = a->rc == 0 ? m.count : 0;
	if (a->rc == 0)
		pgmq_messages_free(&m);
	return NULL;
}

static int	notices;
static char last_notice[256];
static void
on_notice(void *arg, const char *severity, const char *message)
{
	(void) arg;
	notices++;
	snprintf(last_notice, sizeof last_notice, "%s: %s", severity, message);
}

/* The server's notices as TAP comments. */
static void
tap_notice(void *arg, const char *severity, const char *message)
{
	(void) arg;
	printf("# %s: %s\n", severity, message);
}

static void
test_versions(void)
{
	CHECK(strcmp(pgmq_client_version(), PGMQ_CLIENT_VERSION) == 0, "pgmq_client_version");
	CHECK(pgmq_client_version_num() == PGMQ_CLIENT_VERSION_NUM, "pgmq_client_version_num");
	CHECK(pgmq_version_supported("1.13.0"), "1.13.0 supported");
	CHECK(pgmq_version_supported("1.13.1-c1"), "1.13.1-c1 supported");
	CHECK(pgmq_version_supported("1.13"), "1.13 supported");
	CHECK(pgmq_version_supported("1.13.12-foo.2"), "1.13.12-foo.2 supported");
	CHECK(!pgmq_version_supported("1.14.0"), "1.14.0 not supported");
	CHECK(!pgmq_version_supported("1.12.9"), "1.12.9 not supported");
	CHECK(!pgmq_version_supported("1.130"), "1.130 not supported");
	CHECK(!pgmq_version_supported("1.13.1-"), "1.13.1- not supported");
	CHECK(!pgmq_version_supported("1.13."), "1.13. not supported");
	CHECK(!pgmq_version_supported(NULL), "NULL not supported");
}

static void
test_connect(void)
{
	char		*err = NULL, conninfo[512], uri[512];
	pgmq_client *c;
	PGconn		*conn;
	const char	*host = getenv("PGHOST"), *port = getenv("PGPORT"), *db = getenv("PGDATABASE");
	const char	*nodb = getenv("PGMQ_TEST_NOPGMQ_DB");

	c = pgmq_connect(NULL, &err);
	CHECK(c != NULL && err == NULL, "connect from the PG* environment");
	CHECK(c && pgmq_version_supported(pgmq_server_version(c)), "server version %s",
		  c ? pgmq_server_version(c) : "?");
	CHECK(c && strcmp(pgmq_errcode(c), "00000") == 0, "no error after connect");
	pgmq_close(c);

	snprintf(conninfo, sizeof conninfo, "host=%s port=%s dbname=%s user=postgres", host, port, db);
	c = pgmq_connect(conninfo, &err);
	CHECK(c != NULL, "connect from a conninfo string");
	pgmq_close(c);

	snprintf(uri, sizeof uri, "postgresql://postgres@%s:%s/%s", host, port, db);
	c = pgmq_connect(uri, &err);
	CHECK(c != NULL, "connect from a URI");
	pgmq_close(c);

	conn = PQconnectdb("");
	c = pgmq_wrap(conn, 0, &err);
	CHECK(c != NULL && pgmq_conn(c) == conn, "wrap a PGconn");
	pgmq_close(c);
	CHECK(PQstatus(conn) == CONNECTION_OK, "a wrapped PGconn stays open after pgmq_close");
	c = pgmq_wrap(conn, 1, &err);
	CHECK(c != NULL, "wrap a PGconn, taking ownership");
	pgmq_close(c);

	snprintf(conninfo, sizeof conninfo, "host=%s port=1 dbname=%s connect_timeout=5", host, db);
	c = pgmq_connect(conninfo, &err);
	CHECK(c == NULL && err && strncmp(err, "08001: ", 7) == 0, "no server: 08001 (%s)",
		  err ? err : "no message");
	pgmq_free(err);
	err = NULL;

	snprintf(conninfo, sizeof conninfo, "host=%s port=%s dbname=%s user=pwuser password=wrong",
			 host, port, db);
	c = pgmq_connect(conninfo, &err);
	CHECK(c == NULL && err && strstr(err, "password authentication failed"),
		  "wrong password: %s", err ? err : "no message");
	pgmq_free(err);
	err = NULL;

	snprintf(conninfo, sizeof conninfo, "host=%s port=%s dbname=%s user=pwuser password=right",
			 host, port, db);
	c = pgmq_connect(conninfo, &err);
	CHECK(c != NULL, "right password");
	pgmq_close(c);

	if (nodb)
	{
		snprintf(conninfo, sizeof conninfo, "dbname=%s", nodb);
		c = pgmq_connect(conninfo, &err);
		CHECK(c == NULL && err && strncmp(err, "42704: ", 7) == 0 && strstr(err, "not installed"),
			  "database without pgmq: %s", err ? err : "no message");
		pgmq_free(err);
		err = NULL;
		pgmq_set_version_check(0);
		c = pgmq_connect(conninfo, &err);
		CHECK(c != NULL && pgmq_server_version(c) == NULL, "version check off: connects");
		pgmq_close(c);
		pgmq_set_version_check(1);
	}
	c = pgmq_connect(NULL, NULL);
	CHECK(c != NULL, "connect without an error pointer");
	pgmq_close(c);
}

static void
test_queue_api(pgmq_client *c)
{
	pgmq_queues		 qs;
	pgmq_messages	 m;
	pgmq_ids		 ids;
	pgmq_metric		 mt;
	pgmq_metric_list ml;
	pgmq_rows		 rows;
	int64_t			 id = 0, id2 = 0, n64 = -1;
	int32_t			 n32 = -1;
	int				 b = -1;
	char			*name = NULL;
	size_t			 i;
	const char		*batch[3] = {"{\"n\": 1}", "{\"n\": 2}", "{\"q\": \"a \\\"quoted\\\" \\\\ one\"}"};
	const char		*hdrs[3] = {"{\"h\": 1}", NULL, "{\"h\": 3}"};
	int64_t			 idv[3];

	OK(c, pgmq_create(c, "t_main"), "create");
	OK(c, pgmq_create(c, "t_empty"), "create a second queue");
	OK(c, pgmq_create_unlogged(c, "t_unlogged"), "create_unlogged");
	OK(c, pgmq_create_non_partitioned(c, "t_np"), "create_non_partitioned");
	OK(c, pgmq_list_queues(c, &qs), "list_queues");
	CHECK(qs.count == 4, "four queues listed (%zu)", qs.count);
	for (i = 0, b = 0; i < qs.count; i++)
		if (strcmp(qs.items[i].queue_name, "t_unlogged") == 0)
			b = qs.items[i].is_unlogged && !qs.items[i].is_partitioned && qs.items[i].created_at;
	CHECK(b == 1, "t_unlogged is unlogged");
	pgmq_queues_free(&qs);
	CHECK(qs.count == 0 && qs.items == NULL, "queues_free zeroes");

	OK(c, pgmq_validate_queue_name(c, "fine_name"), "validate_queue_name");
	CHECK(pgmq_validate_queue_name(c, "") == -1 && strcmp(pgmq_errcode(c), "00000") != 0,
		  "validate_queue_name rejects '' (%s: %s)", pgmq_errcode(c), pgmq_errmsg(c));
	OK(c, pgmq_format_table_name(c, "t_main", "q", &name), "format_table_name");
	CHECK(name && strcmp(name, "q_t_main") == 0, "format_table_name gives %s", name ? name : "?");
	pgmq_free(name);

	OK(c, pgmq_send(c, "t_main", "{\"hello\": \"world\"}", NULL, 0, &id), "send");
	CHECK(id == 1, "first msg_id is 1");
	OK(c, pgmq_send(c, "t_main", "{\"x\": 2}", "{\"k\": \"v\"}", 0, &id2), "send with headers");
	CHECK(id2 == 2, "second msg_id is 2");
	OK(c, pgmq_send(c, "t_main", "[1,2]", NULL, 3600, &id), "send with delay");
	OK(c, pgmq_send_at(c, "t_main", "3", NULL, "2999-01-01 00:00:00+00", &id), "send_at");
	OK(c, pgmq_send_at(c, "t_main", "4", "{\"a\": 1}", "2999-01-01 00:00:00+00", &id),
	   "send_at with headers");
	OK(c, pgmq_send_batch(c, "t_main", batch, NULL, 3, 0, &ids), "send_batch");
	CHECK(ids.count == 3 && ids.ids[0] == 6 && ids.ids[2] == 8, "send_batch ids 6..8");
	pgmq_ids_free(&ids);
	OK(c, pgmq_send_batch(c, "t_main", batch, hdrs, 3, 3600, &ids),
	   "send_batch with headers and delay");
	CHECK(ids.count == 3, "three ids");
	pgmq_ids_free(&ids);
	OK(c, pgmq_send_batch_at(c, "t_main", batch, NULL, 2, "2999-01-01 00:00:00+00", &ids),
	   "send_batch_at");
	CHECK(ids.count == 2, "two ids");
	pgmq_ids_free(&ids);
	CHECK(pgmq_send(c, "t_main", "{not json", NULL, 0, &id) == -1 &&
			  strcmp(pgmq_errcode(c), "22P02") == 0,
		  "malformed JSON: 22P02 (%s %s)", pgmq_errcode(c), pgmq_errmsg(c));
	CHECK(pgmq_send(c, "t_main", NULL, NULL, 0, &id) == -1 &&
			  strcmp(pgmq_errcode(c), "22023") == 0,
		  "NULL message: 22023");

	OK(c, pgmq_read(c, "t_main", 30, 2, &m), "read");
	CHECK(m.count == 2 && m.items[0].msg_id == 1 && m.items[1].msg_id == 2, "read gets 1 and 2");
	if (m.count == 2)
	{
		CHECK(strcmp(m.items[0].message, "{\"hello\": \"world\"}") == 0, "message text %s",
			  m.items[0].message);
		CHECK(m.items[0].headers == NULL, "no headers is NULL");
		CHECK(m.items[1].headers && strcmp(m.items[1].headers, "{\"k\": \"v\"}") == 0,
			  "headers text");
		CHECK(m.items[0].read_ct == 1, "read_ct 1");
		CHECK(m.items[0].vt_epoch > m.items[0].enqueued_at_epoch + 25, "vt about 30 s ahead");
		CHECK(m.items[0].last_read_at && m.items[0].last_read_at_epoch > 0, "last_read_at set");
	}
	pgmq_messages_free(&m);
	CHECK(m.count == 0 && m.items == NULL, "messages_free zeroes");

	{
		pgmq_read_opts o = {PGMQ_READ, 30, 10, 0, 0, "{\"n\": 2}"};
		OK(c, pgmq_read_ex(c, "t_main", &o, &m), "read with a conditional");
		CHECK(m.count == 1 && m.items[0].msg_id == 7, "conditional read gets msg 7");
		pgmq_messages_free(&m);
	}
	OK(c, pgmq_read_with_poll(c, "t_main", 30, 1, 1, 50, &m), "read_with_poll");
	CHECK(m.count == 1 && m.items[0].msg_id == 6, "read_with_poll gets msg 6");
	pgmq_messages_free(&m);
	{
		double t0 = mono();
		OK(c, pgmq_read_with_poll(c, "t_empty", 30, 1, 1, 50, &m), "read_with_poll on empty");
		CHECK(m.count == 0 && mono() - t0 >= 0.5, "read_with_poll waited and found nothing");
		pgmq_messages_free(&m);
	}
	{
		pgmq_read_kind kinds[3] = {PGMQ_READ_GROUPED, PGMQ_READ_GROUPED_HEAD,
								   PGMQ_READ_GROUPED_RR};
		const char	  *names[3] = {"read_grouped", "read_grouped_head", "read_grouped_rr"};
		int			   k;
		for (k = 0; k < 3; k++)
		{
			pgmq_read_opts o = {kinds[k], 30, 1, 0, 0, NULL};
			OK(c, pgmq_read_ex(c, "t_empty", &o, &m), "%s", names[k]);
			pgmq_messages_free(&m);
			if (kinds[k] != PGMQ_READ_GROUPED_HEAD)
			{
				o.poll_seconds = 1;
				o.poll_interval_ms = 50;
				OK(c, pgmq_read_ex(c, "t_empty", &o, &m), "%s_with_poll", names[k]);
				pgmq_messages_free(&m);
			}
		}
		{
			pgmq_read_opts o = {PGMQ_READ_GROUPED_HEAD, 30, 1, 1, 0, NULL};
			CHECK(pgmq_read_ex(c, "t_empty", &o, &m) == -1 && strcmp(pgmq_errcode(c), "22023") == 0,
				  "read_grouped_head cannot poll: 22023");
			o.kind = PGMQ_READ_GROUPED;
			o.poll_seconds = 0;
			o.conditional = "{}";
			CHECK(pgmq_read_ex(c, "t_empty", &o, &m) == -1, "conditional only for the plain read");
		}
	}

	OK(c, pgmq_pop(c, "t_main", 1, &m), "pop");
	CHECK(m.count == 1 && m.items[0].msg_id == 8, "pop gets msg 8 (%" PRId64 ")",
		  m.count ? m.items[0].msg_id : -1);
	pgmq_messages_free(&m);

	OK(c, pgmq_set_vt(c, "t_main", 1, 0, &m), "set_vt");
	CHECK(m.count == 1 && m.items[0].msg_id == 1, "set_vt returns the message");
	pgmq_messages_free(&m);
	OK(c, pgmq_set_vt(c, "t_main", 999, 0, &m), "set_vt of a missing id");
	CHECK(m.count == 0, "set_vt of a missing id returns nothing");
	pgmq_messages_free(&m);
	OK(c, pgmq_set_vt_at(c, "t_main", 2, "2000-01-01 00:00:00+00", &m), "set_vt_at");
	CHECK(m.count == 1 && m.items[0].vt_epoch < 1e9, "set_vt_at moved vt into the past");
	pgmq_messages_free(&m);
	idv[0] = 6;
	idv[1] = 7;
	idv[2] = 12345;
	OK(c, pgmq_set_vt_batch(c, "t_main", idv, 3, 0, &m), "set_vt batch");
	CHECK(m.count == 2, "set_vt batch found 2 of 3");
	pgmq_messages_free(&m);

	OK(c, pgmq_delete(c, "t_main", 1, &b), "delete");
	CHECK(b == 1, "delete found it");
	OK(c, pgmq_delete(c, "t_main", 1, &b), "delete again");
	CHECK(b == 0, "second delete finds nothing");
	OK(c, pgmq_archive(c, "t_main", 2, &b), "archive");
	CHECK(b == 1, "archive found it");
	idv[0] = 6;
	idv[1] = 999;
	OK(c, pgmq_delete_batch(c, "t_main", idv, 2, &ids), "delete batch");
	CHECK(ids.count == 1 && ids.ids[0] == 6, "delete batch deleted 6 only");
	pgmq_ids_free(&ids);
	idv[0] = 7;
	OK(c, pgmq_archive_batch(c, "t_main", idv, 1, &ids), "archive batch");
	CHECK(ids.count == 1 && ids.ids[0] == 7, "archive batch archived 7");
	pgmq_ids_free(&ids);
	OK(c, pgmq_delete_batch(c, "t_main", idv, 1, NULL), "delete batch without output");

	OK(c, pgmq_metrics(c, "t_main", &mt), "metrics");
	CHECK(mt.queue_name && strcmp(mt.queue_name, "t_main") == 0, "metrics queue_name");
	CHECK(mt.total_messages == 13, "total_messages 13 (%" PRId64 ")", mt.total_messages);
	CHECK(mt.queue_length == 8, "queue_length 8 (%" PRId64 ")", mt.queue_length);
	CHECK(mt.queue_visible_length == 0, "queue_visible_length 0 (%" PRId64 ")",
		  mt.queue_visible_length);
	CHECK(mt.scrape_time && mt.scrape_time_epoch > 1e9, "scrape_time");
	pgmq_metric_free(&mt);
	OK(c, pgmq_metrics(c, "t_empty", &mt), "metrics of an empty queue");
	CHECK(mt.queue_length == 0 && mt.oldest_msg_age_sec == -1, "empty: length 0, age -1");
	pgmq_metric_free(&mt);
	OK(c, pgmq_metrics_all(c, &ml), "metrics_all");
	CHECK(ml.count == 4, "metrics_all has 4 queues");
	pgmq_metric_list_free(&ml);

	/* Unknown queue: every call reports the server's error. */
	CHECK(pgmq_read(c, "no_such_queue", 30, 1, &m) == -1 && strcmp(pgmq_errcode(c), "00000") != 0 &&
			  strstr(pgmq_errmsg(c), "no_such_queue"),
		  "read of an unknown queue: %s %s", pgmq_errcode(c), pgmq_errmsg(c));
	CHECK(m.count == 0 && m.items == NULL, "failed read leaves an empty result");
	CHECK(pgmq_send(c, "no_such_queue", "{}", NULL, 0, &id) == -1, "send to an unknown queue");
	CHECK(pgmq_metrics(c, "no_such_queue", &mt) == -1, "metrics of an unknown queue");
	OK(c, pgmq_read(c, "t_empty", 30, 1, &m), "the connection works after errors");
	pgmq_messages_free(&m);

	/* notifications */
	OK(c, pgmq_enable_notify_insert(c, "t_main", 100), "enable_notify_insert");
	OK(c, pgmq_update_notify_insert(c, "t_main", 500), "update_notify_insert");
	OK(c, pgmq_list_notify_insert_throttles(c, &rows), "list_notify_insert_throttles");
	CHECK(rows.nrows == 1 && rows.ncols == 3 && strcmp(PGMQ_ROW(&rows, 0, 1), "500") == 0,
		  "one throttle of 500 ms");
	CHECK(strcmp(rows.colnames[0], "queue_name") == 0, "rows colnames");
	pgmq_rows_free(&rows);
	OK(c, pgmq_disable_notify_insert(c, "t_main"), "disable_notify_insert");

	/* dead-letter queues, policies, retention */
	{
		pgmq_policy_opts po = pgmq_policy_opts_none();
		int				 was_set = 0;
		int64_t			 moved = -1;

		OK(c, pgmq_create(c, "t_dl_src"), "create t_dl_src");
		OK(c, pgmq_create(c, "t_dl_dlq"), "create t_dl_dlq");
		po.dead_letter_queue = "t_dl_src";
		po.max_deliveries = 1;
		CHECK(pgmq_set_policy(c, "t_dl_src", &po) == -1 && strcmp(pgmq_errcode(c), "22023") == 0,
			  "a queue as its own dead-letter queue: 22023 (%s)", pgmq_errcode(c));
		po.dead_letter_queue = "t_dl_dlq";
		po.default_vt = 9;
		OK(c, pgmq_set_policy(c, "t_dl_src", &po), "set_policy");
		OK(c, pgmq_show_policy(c, "t_dl_src", &rows), "show_policy");
		CHECK(rows.nrows == 1 && strcmp(PGMQ_ROW(&rows, 0, 0), "t_dl_src") == 0, "one policy");
		pgmq_rows_free(&rows);
		OK(c, pgmq_send(c, "t_dl_src", "{\"d\": 1}", NULL, 0, &id), "send to t_dl_src");
		OK(c, pgmq_read(c, "t_dl_src", 0, 1, &m), "first delivery");
		CHECK(m.count == 1, "the first read delivers");
		pgmq_messages_free(&m);
		OK(c, pgmq_read(c, "t_dl_src", 0, 1, &m), "read past max_deliveries");
		CHECK(m.count == 0, "the second read moves it aside");
		pgmq_messages_free(&m);
		OK(c, pgmq_redrive(c, "t_dl_dlq", NULL, -1, &moved), "redrive");
		CHECK(moved == 1, "redrive moved 1 (%lld)", (long long) moved);
		OK(c, pgmq_run_retention(c, NULL, 0, &rows), "run_retention");
		CHECK(rows.ncols == 3, "run_retention has 3 columns");
		pgmq_rows_free(&rows);
		OK(c, pgmq_clear_policy(c, "t_dl_src", "default_vt", &was_set), "clear_policy of a setting");
		CHECK(was_set, "default_vt was set");
		OK(c, pgmq_clear_policy(c, "t_dl_src", NULL, &was_set), "clear_policy");
		CHECK(pgmq_redrive(c, "no_such_queue", NULL, -1, &moved) == -1 &&
				  strcmp(pgmq_errcode(c), "42P01") == 0,
			  "redrive of an unknown queue: 42P01 (%s)", pgmq_errcode(c));
		OK(c, pgmq_drop_queue(c, "t_dl_src", NULL), "drop t_dl_src");
		OK(c, pgmq_drop_queue(c, "t_dl_dlq", NULL), "drop t_dl_dlq");
	}

	/* topics */
	OK(c, pgmq_bind_topic(c, "orders.*", "t_main"), "bind_topic");
	OK(c, pgmq_bind_topic(c, "orders.#", "t_empty"), "bind_topic 2");
	OK(c, pgmq_list_topic_bindings(c, NULL, &rows), "list_topic_bindings");
	CHECK(rows.nrows == 2 && rows.ncols == 4, "two bindings");
	pgmq_rows_free(&rows);
	OK(c, pgmq_list_topic_bindings(c, "t_main", &rows), "list_topic_bindings of a queue");
	CHECK(rows.nrows == 1, "one binding for t_main");
	pgmq_rows_free(&rows);
	OK(c, pgmq_test_routing(c, "orders.new", &rows), "test_routing");
	CHECK(rows.nrows == 2, "orders.new routes to 2");
	pgmq_rows_free(&rows);
	OK(c, pgmq_send_topic(c, "orders.new", "{\"t\": 1}", NULL, 0, &n32), "send_topic");
	CHECK(n32 == 2, "send_topic reached 2 queues");
	OK(c, pgmq_send_topic(c, "orders.new", "{\"t\": 2}", "{\"h\": 1}", 0, &n32),
	   "send_topic with headers");
	OK(c, pgmq_send_batch_topic(c, "orders.a.b", batch, NULL, 2, 0, &rows), "send_batch_topic");
	CHECK(rows.nrows == 2 && strcmp(PGMQ_ROW(&rows, 0, 0), "t_empty") == 0,
		  "orders.a.b went to t_empty only");
	pgmq_rows_free(&rows);
	OK(c, pgmq_send_batch_topic(c, "orders.x", batch, hdrs, 3, 0, &rows),
	   "send_batch_topic with headers");
	CHECK(rows.nrows == 6, "3 messages to 2 queues");
	pgmq_rows_free(&rows);
	OK(c, pgmq_validate_routing_key(c, "a.b", &b), "validate_routing_key");
	CHECK(b == 1, "a.b is a valid key");
	CHECK(pgmq_validate_routing_key(c, "a..b", &b) == -1 || b == 0, "a..b is not");
	OK(c, pgmq_validate_topic_pattern(c, "a.*.#", &b), "validate_topic_pattern");
	CHECK(b == 1, "a.*.# is a valid pattern");
	OK(c, pgmq_unbind_topic(c, "orders.*", "t_main", &b), "unbind_topic");
	CHECK(b == 1, "unbound");
	OK(c, pgmq_unbind_topic(c, "orders.*", "t_main", &b), "unbind_topic again");
	CHECK(b == 0, "nothing to unbind");

	/* roles */
	OK(c, pgmq_exec(c, "CREATE ROLE t_role", 0, NULL, NULL), "exec CREATE ROLE");
	OK(c, pgmq_grant_send(c, "t_main", "t_role"), "grant_send");
	OK(c, pgmq_grant_consume(c, "t_main", "t_role"), "grant_consume");
	OK(c, pgmq_revoke_send(c, "t_main", "t_role"), "revoke_send");
	OK(c, pgmq_revoke_consume(c, "t_main", "t_role"), "revoke_consume");
	OK(c, pgmq_grant_admin(c, "t_role"), "grant_admin");
	OK(c, pgmq_revoke_admin(c, "t_role"), "revoke_admin");
	CHECK(pgmq_grant_send(c, "t_main", "no_such_role") == -1, "grant_send to an unknown role: %s",
		  pgmq_errmsg(c));

	/* transactions, exec, maintenance */
	OK(c, pgmq_begin(c), "begin");
	OK(c, pgmq_acquire_queue_lock(c, "t_main"), "acquire_queue_lock");
	OK(c, pgmq_send(c, "t_main", "{\"tx\": 1}", NULL, 0, &id), "send in a transaction");
	OK(c, pgmq_rollback(c), "rollback");
	OK(c, pgmq_metrics(c, "t_main", &mt), "metrics after rollback");
	CHECK(mt.queue_length == 13, "rolled back send is gone (%" PRId64 ")", mt.queue_length);
	pgmq_metric_free(&mt);
	OK(c, pgmq_begin(c), "begin");
	OK(c, pgmq_send(c, "t_main", "{\"tx\": 2}", NULL, 0, &id), "send in a transaction");
	OK(c, pgmq_commit(c), "commit");
	{
		const char *p[1] = {"t_main"};
		OK(c, pgmq_exec(c, "SELECT count(*) AS n FROM pgmq.q_t_main WHERE message = '{\"tx\": 2}'", 0, NULL, &rows),
		   "exec with rows");
		CHECK(rows.nrows == 1 && strcmp(PGMQ_ROW(&rows, 0, 0), "1") == 0, "committed send is there");
		pgmq_rows_free(&rows);
		OK(c, pgmq_exec(c, "SELECT pgmq.format_table_name($1, 'a')", 1, p, &rows),
		   "exec with a parameter");
		pgmq_rows_free(&rows);
	}
	CHECK(pgmq_exec(c, "SELEC 1", 0, NULL, NULL) == -1 && strcmp(pgmq_errcode(c), "42601") == 0,
		  "syntax error: 42601");
	OK(c, pgmq_create_fifo_index(c, "t_main"), "create_fifo_index");
	OK(c, pgmq_create_fifo_indexes_all(c), "create_fifo_indexes_all");
	OK(c, pgmq_run_maintenance(c, NULL, &n32), "run_maintenance (all)");
	{
		/* Partitioned queues need pg_partman in the database. */
		int have = pgmq_exec(c, "CREATE SCHEMA partman", 0, NULL, NULL) == 0 &&
				   pgmq_exec(c, "CREATE EXTENSION pg_partman SCHEMA partman", 0, NULL, NULL) == 0;
		if (have)
		{
			OK(c, pgmq_create_partitioned(c, "t_part", "100", "1000"), "create_partitioned");
			OK(c, pgmq_repair_partitions(c, "t_part", &n64), "repair_partitions");
			OK(c, pgmq_run_maintenance(c, "t_part", &n32), "run_maintenance (one)");
			OK(c, pgmq_create(c, "t_conv"), "create for convert_archive_partitioned");
			OK(c, pgmq_convert_archive_partitioned(c, "t_conv", "100", "1000"),
			   "convert_archive_partitioned");
			OK(c, pgmq_drop_queue(c, "t_part", &b), "drop a partitioned queue");
			OK(c, pgmq_drop_queue(c, "t_conv", &b), "drop the converted queue");
		}
		else
			printf("# pg_partman missing: %s\n", pgmq_errmsg(c));
		CHECK(pgmq_create_partitioned(c, "t_part2", "nonsense", NULL) == -1,
			  "create_partitioned with a bad interval: %s", pgmq_errmsg(c));
	}
	OK(c, pgmq_detach_archive(c, "t_np"), "detach_archive");

	OK(c, pgmq_purge_queue(c, "t_main", &n64), "purge_queue");
	CHECK(n64 == 14, "purged 14 (%" PRId64 ")", n64);
	OK(c, pgmq_drop_queue(c, "t_np", &b), "drop_queue");
	CHECK(b == 1, "dropped");
	notices = 0;
	pgmq_set_notice_handler(c, on_notice, NULL);
	OK(c, pgmq_drop_queue(c, "t_np", &b), "drop_queue again");
	CHECK(notices == 1 && strstr(last_notice, "does not exist"), "its NOTICE reached the handler: %s",
		  last_notice);
	pgmq_set_notice_handler(c, tap_notice, NULL);
	CHECK(b == 0, "nothing to drop");
	OK(c, pgmq_drop_queue(c, "t_unlogged", NULL), "drop_queue without output");
}

static void
test_cancel(pgmq_client *c)
{
	poll_arg	  a = {c, 0, "", 0};
	pthread_t	  t;
	double		  t0 = mono();
	pgmq_messages m;

	OK(c, pgmq_create(c, "t_wait"), "create a queue to wait on");
	pthread_create(&t, NULL, long_poll, &a);
	usleep(500000);
	CHECK(pgmq_cancel(c) == 0, "pgmq_cancel from another thread");
	pthread_join(t, NULL);
	CHECK(a.rc == -1 && strcmp(a.code, "57014") == 0, "the long poll ends with 57014 (%s)", a.code);
	CHECK(mono() - t0 < 30, "well before its 60 s (%.1f s)", mono() - t0);
	OK(c, pgmq_read(c, "t_empty", 30, 1, &m), "the connection works after a cancel");
	pgmq_messages_free(&m);
	CHECK(pgmq_cancel(NULL) == -1, "pgmq_cancel(NULL)");
}

static void
test_null_safety(void)
{
	pgmq_messages m = {0, NULL};
	pgmq_rows	  r = {0, 0, NULL, NULL};

	CHECK(pgmq_read(NULL, "q", 1, 1, &m) == -1, "NULL client is an error");
	pgmq_messages_free(NULL);
	CHECK(pgmq_set_notice_handler(NULL, NULL, NULL) == -1, "notice handler on NULL");
	pgmq_rows_free(&r);
	pgmq_close(NULL);
	CHECK(strcmp(pgmq_errcode(NULL), "00000") == 0, "errcode(NULL)");
}

int
main(void)
{
	pgmq_client *c;
	char		*err = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_versions();
	test_connect();
	c = pgmq_connect(NULL, &err);
	if (c == NULL)
	{
		printf("Bail out! %s\n", err);
		pgmq_free(err);
		return 1;
	}
	pgmq_set_notice_handler(c, tap_notice, NULL);
	test_queue_api(c);
	test_cancel(c);
	test_null_safety();
	pgmq_close(c);
	printf("1..%d\n", tests);
	if (failures)
		printf("# %d of %d failed\n", failures, tests);
	return failures ? 1 : 0;
}
