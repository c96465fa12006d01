/*
 * libpgmq: connection, errors and every pgmq SQL function (see pgmq.h).
 */
#include "pgmq.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pgmq_client
{
	PGconn			*conn;
	int				 owns_conn;
	PGcancel		*cancel;
	pthread_mutex_t	 cancel_lock;
	char			*extversion;
	char			 errcode[6];
	char			*errmsg;
	char			*errdetail;
	char			*errhint;
	pgmq_notice_fn	 notice_fn;
	void			*notice_arg;
	PQnoticeReceiver default_receiver;
	void			*default_receiver_arg;
};

static int version_check = 1;

const char *
pgmq_client_version(void)
{
	return PGMQ_CLIENT_VERSION;
}
int
pgmq_client_version_num(void)
{
	return PGMQ_CLIENT_VERSION_NUM;
}
void
pgmq_set_version_check(int enabled)
{
	version_check = enabled;
}
void
pgmq_free(void *p)
{
	free(p);
}
PGconn *
pgmq_conn(pgmq_client *c)
{
	return c ? c->conn : NULL;
}
const char *
pgmq_server_version(pgmq_client *c)
{
	return c ? c->extversion : NULL;
}
const char *
pgmq_errcode(const pgmq_client *c)
{
	return c ? c->errcode : "00000";
}
const char *
pgmq_errmsg(const pgmq_client *c)
{
	return c && c->errmsg ? c->errmsg : "";
}
const char *
pgmq_errdetail(const pgmq_client *c)
{
	return c ? c->errdetail : NULL;
}
const char *
pgmq_errhint(const pgmq_client *c)
{
	return c ? c->errhint : NULL;
}

static char *
xstrdup(const char *s)
{
	char  *d;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Drops the trailing newline libpq puts on its messages. */
static char *
chomp_dup(const char *s)
{
	char  *d = xstrdup(s ? s : "");
	size_t n;

	if (d == NULL)
		return NULL;
	n = strlen(d);
	while (n > 0 && (d[n - 1] == '\n' || d[n - 1] == ' '))
		d[--n] = '\0';
	return d;
}

static void
clear_error(pgmq_client *c)
{
	memcpy(c->errcode, "00000", 6);
	free(c->errmsg);
	free(c->errdetail);
	free(c->errhint);
	c->errmsg = c->errdetail = c->errhint = NULL;
}

static int
set_error(pgmq_client *c, const char *code, const char *fmt, ...)
{
	char	buf[1024];
	va_list ap;

	clear_error(c);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	memcpy(c->errcode, code, 5);
	c->errcode[5] = '\0';
	c->errmsg = chomp_dup(buf);
	return -1;
}

/* Takes the error of a failed result (or of the connection when res is
 * NULL) and frees res. */
static int
set_pg_error(pgmq_client *c, PGresult *res)
{
	const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	clear_error(c);
	if (code == NULL)
		code = PQstatus(c->conn) == CONNECTION_OK ? "XX000" : "08006";
	memcpy(c->errcode, code, 5);
	c->errcode[5] = '\0';
	c->errmsg = chomp_dup(msg ? msg : PQerrorMessage(c->conn));
	if (res)
	{
		const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		const char *h = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
		c->errdetail = d ? chomp_dup(d) : NULL;
		c->errhint = h ? chomp_dup(h) : NULL;
		PQclear(res);
	}
	return -1;
}

/* Runs sql with text parameters; *res_out gets a tuples/command-ok result. */
static int
run(pgmq_client *c, const char *sql, int n, const char *const *params,
	PGresult **res_out)
{
	PGresult	  *res;
	ExecStatusType st;

	if (c == NULL)
		return -1;
	clear_error(c);
	res = PQexecParams(c->conn, sql, n, NULL, params, NULL, NULL, 0);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		return set_pg_error(c, res);
	if (res_out)
		*res_out = res;
	else
		PQclear(res);
	return 0;
}

static int
run_void(pgmq_client *c, const char *sql, int n, const char *const *params)
{
	return run(c, sql, n, params, NULL);
}

static int64_t
get_i64(PGresult *r, int row, int col, int64_t dflt)
{
	if (PQgetisnull(r, row, col))
		return dflt;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static double
get_f64(PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtod(PQgetvalue(r, row, col), NULL);
}

static char *
get_str(PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return xstrdup(PQgetvalue(r, row, col));
}

static int
get_bool(PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* One scalar of the first row: bool/int targets (either may be NULL). */
static int
run_scalar_i64(pgmq_client *c, const char *sql, int n, const char *const *params,
			   int64_t *out)
{
	PGresult *r;

	if (run(c, sql, n, params, &r) < 0)
		return -1;
	if (out)
		*out = PQntuples(r) > 0 ? get_i64(r, 0, 0, 0) : 0;
	PQclear(r);
	return 0;
}

static int
run_scalar_bool(pgmq_client *c, const char *sql, int n, const char *const *params,
				int *out)
{
	PGresult *r;

	if (run(c, sql, n, params, &r) < 0)
		return -1;
	if (out)
		*out = PQntuples(r) > 0 && get_bool(r, 0, 0);
	PQclear(r);
	return 0;
}

/* ---- connection ---- */

static const char *const version_sql =
	"SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pgmq'";

int
pgmq_version_supported(const char *v)
{
	const char *p;

	if (v == NULL || strncmp(v, "1.13", 4) != 0)
		return 0;
	p = v + 4;
	if (*p == '.')
	{
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0' || (*p == '-' && p[1] != '\0');
}

static char *
fmt_err(const char *code, const char *msg)
{
	size_t n = strlen(msg) + 16;
	char  *s = malloc(n);

	if (s)
		snprintf(s, n, "%s: %s", code, msg);
	return s;
}

static pgmq_client *
finish_connect(PGconn *conn, int owns, char **err)
{
	pgmq_client *c;
	PGresult	*r;

	if (err)
		*err = NULL;
	if (conn == NULL)
	{
		if (err)
			*err = fmt_err("08001", "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		if (err)
		{
			char *m = chomp_dup(PQerrorMessage(conn));
			*err = fmt_err("08001", m ? m : "connection failed");
			free(m);
		}
		if (owns)
			PQfinish(conn);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL)
	{
		if (owns)
			PQfinish(conn);
		return NULL;
	}
	c->conn = conn;
	c->owns_conn = owns;
	c->cancel = PQgetCancel(conn);
	pthread_mutex_init(&c->cancel_lock, NULL);
	memcpy(c->errcode, "00000", 6);

	r = PQexec(conn, version_sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
	{
		set_pg_error(c, r);
		goto fail;
	}
	if (PQntuples(r) == 0)
	{
		PQclear(r);
		if (version_check)
		{
			set_error(c, "42704", "extension \"pgmq\" is not installed in database \"%s\"",
					  PQdb(conn));
			goto fail;
		}
	}
	else
	{
		c->extversion = xstrdup(PQgetvalue(r, 0, 0));
		PQclear(r);
		if (version_check && !pgmq_version_supported(c->extversion))
		{
			set_error(c, "0A000",
					  "pgmq %s in database \"%s\" is not supported by libpgmq %s "
					  "(it supports pgmq 1.13.x)",
					  c->extversion, PQdb(conn), PGMQ_CLIENT_VERSION);
			goto fail;
		}
	}
	return c;
fail:
	if (err)
		*err = fmt_err(c->errcode, pgmq_errmsg(c));
	if (!owns)
		c->owns_conn = 0;
	pgmq_close(c);
	return NULL;
}

pgmq_client *
pgmq_connect(const char *conninfo, char **err)
{
	return finish_connect(PQconnectdb(conninfo ? conninfo : ""), 1, err);
}

pgmq_client *
pgmq_connect_params(const char *const *keywords, const char *const *values,
					char **err)
{
	return finish_connect(PQconnectdbParams(keywords, values, 1), 1, err);
}

pgmq_client *
pgmq_wrap(PGconn *conn, int take_ownership, char **err)
{
	return finish_connect(conn, take_ownership, err);
}

void
pgmq_close(pgmq_client *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->cancel_lock);
	if (c->cancel)
		PQfreeCancel(c->cancel);
	c->cancel = NULL;
	pthread_mutex_unlock(&c->cancel_lock);
	pthread_mutex_destroy(&c->cancel_lock);
	if (c->notice_fn && !c->owns_conn)
		pgmq_set_notice_handler(c, NULL, NULL);
	if (c->owns_conn)
		PQfinish(c->conn);
	clear_error(c);
	free(c->extversion);
	free(c);
}

static void
notice_receiver(void *arg, const PGresult *res)
{
	pgmq_client *c = arg;
	const char	*sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char	*msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (c->notice_fn)
		c->notice_fn(c->notice_arg, sev ? sev : "NOTICE", msg ? msg : "");
}

int
pgmq_set_notice_handler(pgmq_client *c, pgmq_notice_fn fn, void *arg)
{
	if (c == NULL)
		return -1;
	if (fn)
	{
		PQnoticeReceiver old = PQsetNoticeReceiver(c->conn, notice_receiver, c);
		if (c->notice_fn == NULL)
		{
			c->default_receiver = old;
			c->default_receiver_arg = NULL;
		}
	}
	else if (c->notice_fn)
		PQsetNoticeReceiver(c->conn, c->default_receiver, c->default_receiver_arg);
	c->notice_fn = fn;
	c->notice_arg = arg;
	return 0;
}

int
pgmq_cancel(pgmq_client *c)
{
	char buf[256];
	int	 ok;

	if (c == NULL || c->cancel == NULL)
		return -1;
	/* PQcancel is thread- and signal-safe; the lock only keeps pgmq_close
	 * from freeing the object underneath (not taken in a signal handler's
	 * typical use, where close cannot run concurrently). */
	ok = PQcancel(c->cancel, buf, sizeof buf);
	return ok ? 0 : -1;
}

/* ---- building parameters ---- */

static void
int_str(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%" PRId64, v);
}

/* A PostgreSQL array literal of strings (NULL entries are SQL NULL). */
static char *
text_array(const char *const *items, size_t n)
{
	size_t len = 3, i;
	char  *s, *p;

	for (i = 0; i < n; i++)
		len += items && items[i] ? 2 * strlen(items[i]) + 3 : 5;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < n; i++)
	{
		const char *q;
		if (i > 0)
			*p++ = ',';
		if (items == NULL || items[i] == NULL)
		{
			memcpy(p, "NULL", 4);
			p += 4;
			continue;
		}
		*p++ = '"';
		for (q = items[i]; *q; q++)
		{
			if (*q == '"' || *q == '\\')
				*p++ = '\\';
			*p++ = *q;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

/* "{}"-style array literal for headers: NULL entries become '{}' so that
 * a batch with some headers matches upstream's pairing. */
static char *
headers_array(const char *const *headers, size_t n)
{
	const char **h;
	char		*s;
	size_t		 i;

	if (headers == NULL)
		return NULL;
	h = malloc((n ? n : 1) * sizeof *h);
	if (h == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		h[i] = headers[i] ? headers[i] : "{}";
	s = text_array(h, n);
	free(h);
	return s;
}

static char *
id_array(const int64_t *ids, size_t n)
{
	char  *s = malloc(n * 21 + 3), *p;
	size_t i;

	if (s == NULL)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%" PRId64, i ? "," : "", ids[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}

static int
bad_arg(pgmq_client *c, const char *what)
{
	if (c == NULL)
		return -1;
	return set_error(c, "22023", "%s", what);
}

#define NEED(c, cond, msg) \
	do \
	{ \
		if (c == NULL) \
			return -1; \
		if (!(cond)) \
			return bad_arg(c, msg); \
	} while (0)

/* ---- result conversion ---- */

#define MSG_COLS \
	"msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers, " \
	"extract(epoch FROM enqueued_at)::float8, extract(epoch FROM last_read_at)::float8, " \
	"extract(epoch FROM vt)::float8"

static int
to_messages(pgmq_client *c, PGresult *r, pgmq_messages *out)
{
	int n = PQntuples(r), i;

	out->count = 0;
	out->items = NULL;
	if (n > 0)
	{
		out->items = calloc(n, sizeof *out->items);
		if (out->items == NULL)
		{
			PQclear(r);
			return set_error(c, "53200", "out of memory");
		}
	}
	for (i = 0; i < n; i++)
	{
		pgmq_message *m = &out->items[i];
		m->msg_id = get_i64(r, i, 0, 0);
		m->read_ct = (int32_t) get_i64(r, i, 1, 0);
		m->enqueued_at = get_str(r, i, 2);
		m->last_read_at = get_str(r, i, 3);
		m->vt = get_str(r, i, 4);
		m->message = get_str(r, i, 5);
		m->headers = get_str(r, i, 6);
		m->enqueued_at_epoch = get_f64(r, i, 7);
		m->last_read_at_epoch = get_f64(r, i, 8);
		m->vt_epoch = get_f64(r, i, 9);
	}
	out->count = n;
	PQclear(r);
	return 0;
}

static int
run_messages(pgmq_client *c, const char *sql, int n, const char *const *params,
			 pgmq_messages *out)
{
	PGresult *r;

	NEED(c, out != NULL, "output argument is NULL");
	out->count = 0;
	out->items = NULL;
	if (run(c, sql, n, params, &r) < 0)
		return -1;
	return to_messages(c, r, out);
}

static int
run_ids(pgmq_client *c, const char *sql, int n, const char *const *params,
		pgmq_ids *out)
{
	PGresult *r;
	int		  i, rows;

	if (out)
	{
		out->count = 0;
		out->ids = NULL;
	}
	if (run(c, sql, n, params, &r) < 0)
		return -1;
	rows = PQntuples(r);
	if (out && rows > 0)
	{
		out->ids = malloc(rows * sizeof *out->ids);
		if (out->ids == NULL)
		{
			PQclear(r);
			return set_error(c, "53200", "out of memory");
		}
		for (i = 0; i < rows; i++)
			out->ids[i] = get_i64(r, i, 0, 0);
		out->count = rows;
	}
	PQclear(r);
	return 0;
}

static int
run_rows(pgmq_client *c, const char *sql, int n, const char *const *params,
		 pgmq_rows *out)
{
	PGresult *r;
	int		  i, j;

	if (out)
		memset(out, 0, sizeof *out);
	if (run(c, sql, n, params, &r) < 0)
		return -1;
	if (out == NULL)
	{
		PQclear(r);
		return 0;
	}
	out->nrows = PQntuples(r);
	out->ncols = PQnfields(r);
	out->colnames = calloc(out->ncols ? out->ncols : 1, sizeof(char *));
	out->values = calloc((size_t) out->nrows * out->ncols + 1, sizeof(char *));
	if (out->colnames == NULL || out->values == NULL)
	{
		PQclear(r);
		pgmq_rows_free(out);
		return set_error(c, "53200", "out of memory");
	}
	for (j = 0; j < out->ncols; j++)
		out->colnames[j] = xstrdup(PQfname(r, j));
	for (i = 0; i < out->nrows; i++)
		for (j = 0; j < out->ncols; j++)
			PGMQ_ROW(out, i, j) = get_str(r, i, j);
	PQclear(r);
	return 0;
}

/* ---- queue lifecycle ---- */

int
pgmq_create(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.\"create\"($1)", 1, p);
}

int
pgmq_create_non_partitioned(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.create_non_partitioned($1)", 1, p);
}

int
pgmq_create_unlogged(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.create_unlogged($1)", 1, p);
}

int
pgmq_create_partitioned(pgmq_client *c, const char *q, const char *pi, const char *ri)
{
	const char *p[3] = {q, pi ? pi : "10000", ri ? ri : "100000"};
	return run_void(c, "SELECT pgmq.create_partitioned($1, $2, $3)", 3, p);
}

int
pgmq_convert_archive_partitioned(pgmq_client *c, const char *q, const char *pi,
								 const char *ri)
{
	const char *p[3] = {q, pi ? pi : "10000", ri ? ri : "100000"};
	return run_void(c, "SELECT pgmq.convert_archive_partitioned($1, $2, $3)", 3, p);
}

int
pgmq_drop_queue(pgmq_client *c, const char *q, int *dropped)
{
	const char *p[1] = {q};
	return run_scalar_bool(c, "SELECT pgmq.drop_queue($1)", 1, p, dropped);
}

int
pgmq_purge_queue(pgmq_client *c, const char *q, int64_t *purged)
{
	const char *p[1] = {q};
	return run_scalar_i64(c, "SELECT pgmq.purge_queue($1)", 1, p, purged);
}

int
pgmq_detach_archive(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.detach_archive($1)", 1, p);
}

int
pgmq_list_queues(pgmq_client *c, pgmq_queues *out)
{
	PGresult *r;
	int		  i, n;

	NEED(c, out != NULL, "output argument is NULL");
	out->count = 0;
	out->items = NULL;
	if (run(c,
			"SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq.list_queues() "
			"ORDER BY queue_name",
			0, NULL, &r) < 0)
		return -1;
	n = PQntuples(r);
	if (n > 0 && (out->items = calloc(n, sizeof *out->items)) == NULL)
	{
		PQclear(r);
		return set_error(c, "53200", "out of memory");
	}
	for (i = 0; i < n; i++)
	{
		out->items[i].queue_name = get_str(r, i, 0);
		out->items[i].is_partitioned = get_bool(r, i, 1);
		out->items[i].is_unlogged = get_bool(r, i, 2);
		out->items[i].created_at = get_str(r, i, 3);
	}
	out->count = n;
	PQclear(r);
	return 0;
}

int
pgmq_validate_queue_name(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.validate_queue_name($1)", 1, p);
}

int
pgmq_format_table_name(pgmq_client *c, const char *q, const char *prefix, char **out)
{
	const char *p[2] = {q, prefix};
	PGresult   *r;

	NEED(c, out != NULL, "output argument is NULL");
	*out = NULL;
	if (run(c, "SELECT pgmq.format_table_name($1, $2)", 2, p, &r) < 0)
		return -1;
	*out = get_str(r, 0, 0);
	PQclear(r);
	return 0;
}

int
pgmq_create_fifo_index(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.create_fifo_index($1)", 1, p);
}

int
pgmq_create_fifo_indexes_all(pgmq_client *c)
{
	return run_void(c, "SELECT pgmq.create_fifo_indexes_all()", 0, NULL);
}

int
pgmq_run_maintenance(pgmq_client *c, const char *q, int32_t *result)
{
	const char *p[1] = {q};
	int64_t		v = 0;
	int			rc = run_scalar_i64(c, "SELECT pgmq.run_maintenance($1)", 1, p, &v);
	if (rc == 0 && result)
		*result = (int32_t) v;
	return rc;
}

int
pgmq_repair_partitions(pgmq_client *c, const char *q, int64_t *result)
{
	const char *p[1] = {q};
	return run_scalar_i64(c, "SELECT pgmq.repair_partitions($1)", 1, p, result);
}

/* ---- sending ---- */

int
pgmq_send(pgmq_client *c, const char *q, const char *msg, const char *headers, int32_t delay,
		  int64_t *msg_id)
{
	char		d[16];
	const char *p[4] = {q, msg, headers, d};

	NEED(c, msg != NULL, "message is NULL");
	snprintf(d, sizeof d, "%d", (int) delay);
	if (headers)
		return run_scalar_i64(c, "SELECT pgmq.send($1, $2::jsonb, $3::jsonb, $4::integer)", 4, p,
							  msg_id);
	p[2] = d;
	return run_scalar_i64(c, "SELECT pgmq.send($1, $2::jsonb, $3::integer)", 3, p, msg_id);
}

int
pgmq_send_at(pgmq_client *c, const char *q, const char *msg, const char *headers,
			 const char *at, int64_t *msg_id)
{
	const char *p[4] = {q, msg, headers, at};

	NEED(c, msg != NULL && at != NULL, "message or timestamp is NULL");
	if (headers)
		return run_scalar_i64(c, "SELECT pgmq.send($1, $2::jsonb, $3::jsonb, $4::timestamptz)", 4,
							  p, msg_id);
	p[2] = at;
	return run_scalar_i64(c, "SELECT pgmq.send($1, $2::jsonb, $3::timestamptz)", 3, p, msg_id);
}

static int
send_batch(pgmq_client *c, const char *q, const char *const *msgs,
		   const char *const *headers, size_t n, const char *delay, int at,
		   pgmq_ids *out)
{
	char	   *m, *h;
	const char *p[4];
	int			rc;
	size_t		i;

	if (out)
	{
		out->count = 0;
		out->ids = NULL;
	}
	NEED(c, msgs != NULL || n == 0, "messages are NULL");
	for (i = 0; i < n; i++)
		NEED(c, msgs[i] != NULL, "a message of the batch is NULL");
	m = text_array(msgs, n);
	h = headers_array(headers, n);
	p[0] = q;
	p[1] = m;
	if (h)
	{
		p[2] = h;
		p[3] = delay;
		rc = run_ids(c,
					 at ? "SELECT * FROM pgmq.send_batch($1, $2::jsonb[], $3::jsonb[], "
						  "$4::timestamptz)" :
						  "SELECT * FROM pgmq.send_batch($1, $2::jsonb[], $3::jsonb[], $4::integer)",
					 4, p, out);
	}
	else
	{
		p[2] = delay;
		rc = run_ids(c,
					 at ? "SELECT * FROM pgmq.send_batch($1, $2::jsonb[], $3::timestamptz)" : "SELECT * FROM pgmq.send_batch($1, $2::jsonb[], $3::integer)",
					 3, p, out);
	}
	free(m);
	free(h);
	return rc;
}

int
pgmq_send_batch(pgmq_client *c, const char *q, const char *const *msgs,
				const char *const *headers, size_t n, int32_t delay, pgmq_ids *out)
{
	char d[16];
	snprintf(d, sizeof d, "%d", (int) delay);
	return send_batch(c, q, msgs, headers, n, d, 0, out);
}

int
pgmq_send_batch_at(pgmq_client *c, const char *q, const char *const *msgs,
				   const char *const *headers, size_t n, const char *at, pgmq_ids *out)
{
	NEED(c, at != NULL, "timestamp is NULL");
	return send_batch(c, q, msgs, headers, n, at, 1, out);
}

/* ---- reading ---- */

int
pgmq_read_ex(pgmq_client *c, const char *q, const pgmq_read_opts *o, pgmq_messages *out)
{
	static const char *const fn[] = {"read", "read_grouped", "read_grouped_head",
									 "read_grouped_rr"};
	char					 vt[16], qty[16], ps[16], pi[16], sql[512];
	const char				*p[6] = {q, vt, qty, ps, pi, NULL};
	int						 n = 3;

	NEED(c, o != NULL && out != NULL, "options or output argument is NULL");
	out->count = 0;
	out->items = NULL;
	NEED(c, o->kind >= PGMQ_READ && o->kind <= PGMQ_READ_GROUPED_RR, "unknown read kind");
	NEED(c, o->conditional == NULL || o->kind == PGMQ_READ,
		 "a conditional filter needs the plain read");
	NEED(c, o->poll_seconds <= 0 || o->kind != PGMQ_READ_GROUPED_HEAD,
		 "read_grouped_head has no polling variant");
	snprintf(vt, sizeof vt, "%d", (int) o->vt);
	snprintf(qty, sizeof qty, "%d", (int) o->qty);
	snprintf(ps, sizeof ps, "%d", (int) o->poll_seconds);
	snprintf(pi, sizeof pi, "%d", (int) (o->poll_interval_ms > 0 ? o->poll_interval_ms : 100));
	if (o->poll_seconds > 0)
	{
		n = 5;
		if (o->kind == PGMQ_READ)
		{
			p[5] = o->conditional ? o->conditional : "{}";
			n = 6;
		}
		snprintf(sql, sizeof sql,
				 "SELECT " MSG_COLS " FROM pgmq.%s_with_poll($1, $2::integer, $3::integer, "
				 "$4::integer, $5::integer%s)",
				 fn[o->kind], n == 6 ? ", $6::jsonb" : "");
	}
	else if (o->kind == PGMQ_READ)
	{
		p[3] = o->conditional ? o->conditional : "{}";
		n = 4;
		snprintf(sql, sizeof sql,
				 "SELECT " MSG_COLS " FROM pgmq.read($1, $2::integer, $3::integer, $4::jsonb)");
	}
	else
	{
		snprintf(sql, sizeof sql, "SELECT " MSG_COLS " FROM pgmq.%s($1, $2::integer, $3::integer)",
				 fn[o->kind]);
	}
	return run_messages(c, sql, n, p, out);
}

int
pgmq_read(pgmq_client *c, const char *q, int32_t vt, int32_t qty, pgmq_messages *out)
{
	pgmq_read_opts o = {PGMQ_READ, vt, qty, 0, 0, NULL};
	return pgmq_read_ex(c, q, &o, out);
}

int
pgmq_read_with_poll(pgmq_client *c, const char *q, int32_t vt, int32_t qty, int32_t maxp,
					int32_t interval, pgmq_messages *out)
{
	pgmq_read_opts o = {PGMQ_READ, vt, qty, maxp, interval, NULL};
	return pgmq_read_ex(c, q, &o, out);
}

int
pgmq_pop(pgmq_client *c, const char *q, int32_t qty, pgmq_messages *out)
{
	char		n[16];
	const char *p[2] = {q, n};
	snprintf(n, sizeof n, "%d", (int) qty);
	return run_messages(c, "SELECT " MSG_COLS " FROM pgmq.pop($1, $2::integer)", 2, p, out);
}

/* ---- acknowledging and visibility ---- */

int
pgmq_delete(pgmq_client *c, const char *q, int64_t id, int *found)
{
	char		s[24];
	const char *p[2] = {q, s};
	int_str(s, sizeof s, id);
	return run_scalar_bool(c, "SELECT pgmq.delete($1, $2::bigint)", 2, p, found);
}

int
pgmq_archive(pgmq_client *c, const char *q, int64_t id, int *found)
{
	char		s[24];
	const char *p[2] = {q, s};
	int_str(s, sizeof s, id);
	return run_scalar_bool(c, "SELECT pgmq.archive($1, $2::bigint)", 2, p, found);
}

static int
ids_call(pgmq_client *c, const char *sql, const char *q, const int64_t *ids, size_t n,
		 pgmq_ids *out)
{
	char	   *a;
	const char *p[2];
	int			rc;

	NEED(c, ids != NULL || n == 0, "ids are NULL");
	a = id_array(ids, n);
	if (a == NULL)
		return set_error(c, "53200", "out of memory");
	p[0] = q;
	p[1] = a;
	rc = run_ids(c, sql, 2, p, out);
	free(a);
	return rc;
}

int
pgmq_delete_batch(pgmq_client *c, const char *q, const int64_t *ids, size_t n, pgmq_ids *out)
{
	return ids_call(c, "SELECT * FROM pgmq.delete($1, $2::bigint[])", q, ids, n, out);
}

int
pgmq_archive_batch(pgmq_client *c, const char *q, const int64_t *ids, size_t n, pgmq_ids *out)
{
	return ids_call(c, "SELECT * FROM pgmq.archive($1, $2::bigint[])", q, ids, n, out);
}

int
pgmq_set_vt(pgmq_client *c, const char *q, int64_t id, int32_t vt, pgmq_messages *out)
{
	char		s[24], v[16];
	const char *p[3] = {q, s, v};
	int_str(s, sizeof s, id);
	snprintf(v, sizeof v, "%d", (int) vt);
	return run_messages(c, "SELECT " MSG_COLS " FROM pgmq.set_vt($1, $2::bigint, $3::integer)", 3,
						p, out);
}

int
pgmq_set_vt_at(pgmq_client *c, const char *q, int64_t id, const char *at, pgmq_messages *out)
{
	char		s[24];
	const char *p[3] = {q, s, at};
	NEED(c, at != NULL, "timestamp is NULL");
	int_str(s, sizeof s, id);
	return run_messages(
		c, "SELECT " MSG_COLS " FROM pgmq.set_vt($1, $2::bigint, $3::timestamptz)", 3, p, out);
}

int
pgmq_set_vt_batch(pgmq_client *c, const char *q, const int64_t *ids, size_t n, int32_t vt,
				  pgmq_messages *out)
{
	char		v[16], *a;
	const char *p[3];
	int			rc;

	NEED(c, (ids != NULL || n == 0) && out != NULL, "ids or output argument are NULL");
	a = id_array(ids, n);
	if (a == NULL)
		return set_error(c, "53200", "out of memory");
	snprintf(v, sizeof v, "%d", (int) vt);
	p[0] = q;
	p[1] = a;
	p[2] = v;
	rc = run_messages(
		c, "SELECT " MSG_COLS " FROM pgmq.set_vt($1, $2::bigint[], $3::integer)", 3, p, out);
	free(a);
	return rc;
}

/* ---- metrics ---- */

#define METRIC_COLS \
	"queue_name, queue_length, newest_msg_age_sec, oldest_msg_age_sec, total_messages, " \
	"scrape_time, extract(epoch FROM scrape_time)::float8, queue_visible_length, " \
	"default_partition_length"

static void
fill_metric(PGresult *r, int i, pgmq_metric *m)
{
	m->queue_name = get_str(r, i, 0);
	m->queue_length = get_i64(r, i, 1, 0);
	m->newest_msg_age_sec = (int32_t) get_i64(r, i, 2, -1);
	m->oldest_msg_age_sec = (int32_t) get_i64(r, i, 3, -1);
	m->total_messages = get_i64(r, i, 4, 0);
	m->scrape_time = get_str(r, i, 5);
	m->scrape_time_epoch = get_f64(r, i, 6);
	m->queue_visible_length = get_i64(r, i, 7, 0);
	m->default_partition_length = get_i64(r, i, 8, -1);
}

int
pgmq_metrics(pgmq_client *c, const char *q, pgmq_metric *out)
{
	const char *p[1] = {q};
	PGresult   *r;

	NEED(c, out != NULL, "output argument is NULL");
	memset(out, 0, sizeof *out);
	if (run(c, "SELECT " METRIC_COLS " FROM pgmq.metrics($1)", 1, p, &r) < 0)
		return -1;
	if (PQntuples(r) > 0)
		fill_metric(r, 0, out);
	PQclear(r);
	return 0;
}

int
pgmq_metrics_all(pgmq_client *c, pgmq_metric_list *out)
{
	PGresult *r;
	int		  i, n;

	NEED(c, out != NULL, "output argument is NULL");
	out->count = 0;
	out->items = NULL;
	if (run(c, "SELECT " METRIC_COLS " FROM pgmq.metrics_all() ORDER BY queue_name", 0, NULL, &r) <
		0)
		return -1;
	n = PQntuples(r);
	if (n > 0 && (out->items = calloc(n, sizeof *out->items)) == NULL)
	{
		PQclear(r);
		return set_error(c, "53200", "out of memory");
	}
	for (i = 0; i < n; i++)
		fill_metric(r, i, &out->items[i]);
	out->count = n;
	PQclear(r);
	return 0;
}

/* ---- notifications ---- */

int
pgmq_enable_notify_insert(pgmq_client *c, const char *q, int32_t ms)
{
	char		s[16];
	const char *p[2] = {q, s};
	snprintf(s, sizeof s, "%d", (int) ms);
	return run_void(c, "SELECT pgmq.enable_notify_insert($1, $2::integer)", 2, p);
}

int
pgmq_update_notify_insert(pgmq_client *c, const char *q, int32_t ms)
{
	char		s[16];
	const char *p[2] = {q, s};
	snprintf(s, sizeof s, "%d", (int) ms);
	return run_void(c, "SELECT pgmq.update_notify_insert($1, $2::integer)", 2, p);
}

int
pgmq_disable_notify_insert(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.disable_notify_insert($1)", 1, p);
}

int
pgmq_list_notify_insert_throttles(pgmq_client *c, pgmq_rows *out)
{
	return run_rows(c, "SELECT * FROM pgmq.list_notify_insert_throttles() ORDER BY queue_name", 0,
					NULL, out);
}

/* ---- dead-letter queues, policies and retention ---- */

pgmq_policy_opts
pgmq_policy_opts_none(void)
{
	pgmq_policy_opts o = {NULL, -1, -1, NULL, NULL};
	return o;
}

/* A number as a parameter, or NULL (SQL NULL) when negative. */
static const char *
opt_int(char *buf, size_t len, int32_t v)
{
	if (v < 0)
		return NULL;
	snprintf(buf, len, "%d", (int) v);
	return buf;
}

int
pgmq_set_policy(pgmq_client *c, const char *q, const pgmq_policy_opts *o)
{
	char		md[16], vt[16];
	const char *p[6];

	NEED(c, o != NULL, "policy options are NULL");
	p[0] = q;
	p[1] = o->dead_letter_queue;
	p[2] = opt_int(md, sizeof md, o->max_deliveries);
	p[3] = opt_int(vt, sizeof vt, o->default_vt);
	p[4] = o->message_retention;
	p[5] = o->archive_retention;
	return run_void(c,
					"SELECT 1 FROM pgmq.set_policy($1, $2, $3::integer, $4::integer, "
					"$5::interval, $6::interval)",
					6, p);
}

int
pgmq_clear_policy(pgmq_client *c, const char *q, const char *setting, int *was_set)
{
	const char *p[2] = {q, setting};
	return run_scalar_bool(c, "SELECT pgmq.clear_policy($1, $2)", 2, p, was_set);
}

int
pgmq_show_policy(pgmq_client *c, const char *q, pgmq_rows *out)
{
	const char *p[1] = {q};
	return run_rows(c, "SELECT * FROM pgmq.show_policy($1) ORDER BY queue_name", 1, p, out);
}

int
pgmq_redrive(pgmq_client *c, const char *dlq, const char *target, int32_t max_messages,
			 int64_t *moved)
{
	char		m[16];
	const char *p[3] = {dlq, target, opt_int(m, sizeof m, max_messages)};
	return run_scalar_i64(c, "SELECT pgmq.redrive($1, $2, $3::integer)", 3, p, moved);
}

int
pgmq_run_retention(pgmq_client *c, const char *q, int32_t batch_size, pgmq_rows *out)
{
	char		b[16];
	const char *p[2] = {q, b};

	if (batch_size <= 0)
		return run_rows(c, "SELECT * FROM pgmq.run_retention($1) ORDER BY queue", 1, p, out);
	snprintf(b, sizeof b, "%d", (int) batch_size);
	return run_rows(c, "SELECT * FROM pgmq.run_retention($1, $2::integer) ORDER BY queue", 2, p,
					out);
}

/* ---- topics ---- */

int
pgmq_bind_topic(pgmq_client *c, const char *pattern, const char *q)
{
	const char *p[2] = {pattern, q};
	return run_void(c, "SELECT pgmq.bind_topic($1, $2)", 2, p);
}

int
pgmq_unbind_topic(pgmq_client *c, const char *pattern, const char *q, int *unbound)
{
	const char *p[2] = {pattern, q};
	return run_scalar_bool(c, "SELECT pgmq.unbind_topic($1, $2)", 2, p, unbound);
}

int
pgmq_send_topic(pgmq_client *c, const char *key, const char *msg, const char *headers,
				int32_t delay, int32_t *queues)
{
	char		d[16];
	const char *p[4] = {key, msg, headers, d};
	int64_t		v = 0;
	int			rc;

	NEED(c, msg != NULL, "message is NULL");
	snprintf(d, sizeof d, "%d", (int) delay);
	if (headers)
		rc = run_scalar_i64(c, "SELECT pgmq.send_topic($1, $2::jsonb, $3::jsonb, $4::integer)", 4,
							p, &v);
	else
	{
		p[2] = d;
		rc = run_scalar_i64(c, "SELECT pgmq.send_topic($1, $2::jsonb, $3::integer)", 3, p, &v);
	}
	if (rc == 0 && queues)
		*queues = (int32_t) v;
	return rc;
}

int
pgmq_send_batch_topic(pgmq_client *c, const char *key, const char *const *msgs,
					  const char *const *headers, size_t n, int32_t delay, pgmq_rows *out)
{
	char		d[16], *m, *h;
	const char *p[4];
	int			rc;
	size_t		i;

	if (out)
		memset(out, 0, sizeof *out);
	NEED(c, msgs != NULL || n == 0, "messages are NULL");
	for (i = 0; i < n; i++)
		NEED(c, msgs[i] != NULL, "a message of the batch is NULL");
	snprintf(d, sizeof d, "%d", (int) delay);
	m = text_array(msgs, n);
	h = headers_array(headers, n);
	p[0] = key;
	p[1] = m;
	if (h)
	{
		p[2] = h;
		p[3] = d;
		rc = run_rows(c,
					  "SELECT * FROM pgmq.send_batch_topic($1, $2::jsonb[], $3::jsonb[], "
					  "$4::integer)",
					  4, p, out);
	}
	else
	{
		p[2] = d;
		rc = run_rows(c, "SELECT * FROM pgmq.send_batch_topic($1, $2::jsonb[], $3::integer)", 3,
					  p, out);
	}
	free(m);
	free(h);
	return rc;
}

int
pgmq_list_topic_bindings(pgmq_client *c, const char *q, pgmq_rows *out)
{
	const char *p[1] = {q};
	if (q == NULL)
		return run_rows(c, "SELECT * FROM pgmq.list_topic_bindings() ORDER BY pattern, queue_name",
						0, NULL, out);
	return run_rows(c, "SELECT * FROM pgmq.list_topic_bindings($1) ORDER BY pattern", 1, p, out);
}

int
pgmq_test_routing(pgmq_client *c, const char *key, pgmq_rows *out)
{
	const char *p[1] = {key};
	return run_rows(c, "SELECT * FROM pgmq.test_routing($1)", 1, p, out);
}

int
pgmq_validate_routing_key(pgmq_client *c, const char *key, int *valid)
{
	const char *p[1] = {key};
	return run_scalar_bool(c, "SELECT pgmq.validate_routing_key($1)", 1, p, valid);
}

int
pgmq_validate_topic_pattern(pgmq_client *c, const char *pattern, int *valid)
{
	const char *p[1] = {pattern};
	return run_scalar_bool(c, "SELECT pgmq.validate_topic_pattern($1)", 1, p, valid);
}

/* ---- roles and policies ---- */

int
pgmq_grant_admin(pgmq_client *c, const char *role)
{
	const char *p[1] = {role};
	return run_void(c, "SELECT pgmq.grant_admin($1)", 1, p);
}

int
pgmq_revoke_admin(pgmq_client *c, const char *role)
{
	const char *p[1] = {role};
	return run_void(c, "SELECT pgmq.revoke_admin($1)", 1, p);
}

int
pgmq_grant_send(pgmq_client *c, const char *q, const char *role)
{
	const char *p[2] = {q, role};
	return run_void(c, "SELECT pgmq.grant_send($1, $2)", 2, p);
}

int
pgmq_revoke_send(pgmq_client *c, const char *q, const char *role)
{
	const char *p[2] = {q, role};
	return run_void(c, "SELECT pgmq.revoke_send($1, $2)", 2, p);
}

int
pgmq_grant_consume(pgmq_client *c, const char *q, const char *role)
{
	const char *p[2] = {q, role};
	return run_void(c, "SELECT pgmq.grant_consume($1, $2)", 2, p);
}

int
pgmq_revoke_consume(pgmq_client *c, const char *q, const char *role)
{
	const char *p[2] = {q, role};
	return run_void(c, "SELECT pgmq.revoke_consume($1, $2)", 2, p);
}

/* ---- transactions and anything else ---- */

int
pgmq_begin(pgmq_client *c)
{
	return run_void(c, "BEGIN", 0, NULL);
}
int
pgmq_commit(pgmq_client *c)
{
	return run_void(c, "COMMIT", 0, NULL);
}
int
pgmq_rollback(pgmq_client *c)
{
	return run_void(c, "ROLLBACK", 0, NULL);
}

int
pgmq_acquire_queue_lock(pgmq_client *c, const char *q)
{
	const char *p[1] = {q};
	return run_void(c, "SELECT pgmq.acquire_queue_lock($1)", 1, p);
}

int
pgmq_exec(pgmq_client *c, const char *sql, int n, const char *const *params, pgmq_rows *out)
{
	NEED(c, sql != NULL, "statement is NULL");
	return run_rows(c, sql, n, params, out);
}

/* ---- freeing ---- */

void
pgmq_messages_free(pgmq_messages *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->count; i++)
	{
		free(m->items[i].enqueued_at);
		free(m->items[i].last_read_at);
		free(m->items[i].vt);
		free(m->items[i].message);
		free(m->items[i].headers);
	}
	free(m->items);
	m->items = NULL;
	m->count = 0;
}

void
pgmq_queues_free(pgmq_queues *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->count; i++)
	{
		free(q->items[i].queue_name);
		free(q->items[i].created_at);
	}
	free(q->items);
	q->items = NULL;
	q->count = 0;
}

void
pgmq_metric_free(pgmq_metric *m)
{
	if (m == NULL)
		return;
	free(m->queue_name);
	free(m->scrape_time);
	memset(m, 0, sizeof *m);
}

void
pgmq_metric_list_free(pgmq_metric_list *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->count; i++)
		pgmq_metric_free(&m->items[i]);
	free(m->items);
	m->items = NULL;
	m->count = 0;
}

void
pgmq_ids_free(pgmq_ids *ids)
{
	if (ids == NULL)
		return;
	free(ids->ids);
	ids->ids = NULL;
	ids->count = 0;
}

void
pgmq_rows_free(pgmq_rows *rows)
{
	int i;

	if (rows == NULL)
		return;
	if (rows->values)
		for (i = 0; i < rows->nrows * rows->ncols; i++)
			free(rows->values[i]);
	if (rows->colnames)
		for (i = 0; i < rows->ncols; i++)
			free(rows->colnames[i]);
	free(rows->values);
	free(rows->colnames);
	memset(rows, 0, sizeof *rows);
}
