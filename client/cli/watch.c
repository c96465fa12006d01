/* pgmq metrics, top and exporter: watching queues. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- a growing string ---- */

typedef struct sbuf
{
	char  *s;
	size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int		n;

	for (;;)
	{
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t) n < room)
		{
			b->len += n;
			return;
		}
		b->cap = (b->cap + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
}

/* A label value with \ " and newline escaped (Prometheus text format). */
static void
sb_label(sbuf *b, const char *v)
{
	for (; *v; v++)
	{
		if (*v == '\\' || *v == '"')
			sb_printf(b, "\\%c", *v);
		else if (*v == '\n')
			sb_printf(b, "\\n");
		else
			sb_printf(b, "%c", *v);
	}
}

static const struct pmetric
{
	const char *name, *type, *help;
} PM[] = {
	{"pgmq_queue_length", "gauge", "Messages in the queue (visible, delayed and in flight)."},
	{"pgmq_queue_visible_length", "gauge", "Messages a read could take now."},
	{"pgmq_queue_in_flight", "gauge",
	 "Messages in the queue that are not visible (being processed or delayed)."},
	{"pgmq_queue_oldest_message_age_seconds", "gauge",
	 "Age of the oldest message in the queue (0 when empty)."},
	{"pgmq_queue_newest_message_age_seconds", "gauge",
	 "Age of the newest message in the queue (0 when empty)."},
	{"pgmq_queue_messages_total", "counter", "Messages ever sent to the queue."},
};

char *
prometheus_text(pgmq_client *c, double started, const char *only)
{
	pgmq_metric_list m = {0, NULL};
	sbuf			 b = {NULL, 0, 0};
	size_t			 i, k;
	int				 up = c && pgmq_metrics_all(c, &m) == 0;

	sb_printf(&b, "# HELP pgmq_up Whether the last scrape of the database succeeded.\n"
				  "# TYPE pgmq_up gauge\npgmq_up %d\n",
			  up);
	if (up)
	{
		sb_printf(&b, "# HELP pgmq_queues Number of queues.\n# TYPE pgmq_queues gauge\n"
					  "pgmq_queues %zu\n",
				  m.count);
		for (k = 0; k < sizeof PM / sizeof PM[0]; k++)
		{
			sb_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", PM[k].name, PM[k].help, PM[k].name,
					  PM[k].type);
			for (i = 0; i < m.count; i++)
			{
				const pgmq_metric *x = &m.items[i];
				int64_t			   v = 0;

				if (only && strcmp(only, x->queue_name) != 0)
					continue;
				switch (k)
				{
					case 0:
						v = x->queue_length;
						break;
					case 1:
						v = x->queue_visible_length;
						break;
					case 2:
						v = x->queue_length - x->queue_visible_length;
						break;
					case 3:
						v = x->oldest_msg_age_sec < 0 ? 0 : x->oldest_msg_age_sec;
						break;
					case 4:
						v = x->newest_msg_age_sec < 0 ? 0 : x->newest_msg_age_sec;
						break;
					default:
						v = x->total_messages;
						break;
				}
				sb_printf(&b, "%s{queue_name=\"", PM[k].name);
				sb_label(&b, x->queue_name);
				sb_printf(&b, "\"} %" PRId64 "\n", v);
			}
		}
	}
	sb_printf(&b,
			  "# HELP pgmq_scrape_duration_seconds Time the scrape took.\n"
			  "# TYPE pgmq_scrape_duration_seconds gauge\npgmq_scrape_duration_seconds %.6f\n",
			  now_sec() - started);
	pgmq_metric_list_free(&m);
	return b.s;
}

static void
age_str(char *buf, size_t n, int32_t age)
{
	if (age < 0)
		snprintf(buf, n, "-");
	else if (age < 120)
		snprintf(buf, n, "%ds", (int) age);
	else if (age < 7200)
		snprintf(buf, n, "%dm%02ds", (int) age / 60, (int) age % 60);
	else
		snprintf(buf, n, "%dh%02dm", (int) age / 3600, ((int) age % 3600) / 60);
}

int
cmd_metrics(const cli *o)
{
	pgmq_client		*c = cli_connect(o);
	pgmq_metric_list all = {0, NULL};
	pgmq_metric		 one;
	int				 rc;
	size_t			 i;

	if (LO.prom && o->json)
		die_usage("--json and --prometheus exclude each other");
	if (LO.prom)
	{
		char *s;

		if (o->argc >= 2)
		{
			/* an unknown queue is an error, as in the other formats */
			if (pgmq_metrics(c, o->argv[1], &one) < 0)
			{
				rc = report(c);
				pgmq_close(c);
				return rc;
			}
			pgmq_metric_free(&one);
		}
		s = prometheus_text(c, now_sec(), o->argc >= 2 ? o->argv[1] : NULL);
		fputs(s, stdout);
		free(s);
		pgmq_close(c);
		return EX_OK;
	}
	if (o->argc >= 2)
	{
		rc = pgmq_metrics(c, o->argv[1], &one);
		if (rc < 0)
		{
			rc = report(c);
			pgmq_close(c);
			return rc;
		}
		all.count = 1;
		all.items = malloc(sizeof one);
		all.items[0] = one;
	}
	else if (pgmq_metrics_all(c, &all) < 0)
	{
		rc = report(c);
		pgmq_close(c);
		return rc;
	}
	if (o->json)
	{
		fputs("[", stdout);
		for (i = 0; i < all.count; i++)
		{
			const pgmq_metric *x = &all.items[i];
			printf("%s\n {\"queue_name\": ", i ? "," : "");
			json_str(stdout, x->queue_name);
			printf(", \"queue_length\": %" PRId64 ", \"queue_visible_length\": %" PRId64
				   ", \"newest_msg_age_sec\": ",
				   x->queue_length, x->queue_visible_length);
			if (x->newest_msg_age_sec < 0)
				printf("null, \"oldest_msg_age_sec\": null");
			else
				printf("%d, \"oldest_msg_age_sec\": %d", (int) x->newest_msg_age_sec,
					   (int) x->oldest_msg_age_sec);
			printf(", \"total_messages\": %" PRId64 ", \"scrape_time\": ", x->total_messages);
			json_str(stdout, x->scrape_time);
			printf("}");
		}
		fputs(all.count ? "\n]\n" : "]\n", stdout);
	}
	else
	{
		static const char *const h[] = {"queue_name", "length", "visible", "in_flight",
										"oldest", "newest", "total_sent"};
		table					*t = table_new(7, h);
		for (i = 0; i < all.count; i++)
		{
			const pgmq_metric *x = &all.items[i];
			char			   a[24], b[24], c2[24], d[24], e[24], f[24];
			const char		  *row[7] = {x->queue_name, a, b, c2, d, e, f};
			snprintf(a, sizeof a, "%" PRId64, x->queue_length);
			snprintf(b, sizeof b, "%" PRId64, x->queue_visible_length);
			snprintf(c2, sizeof c2, "%" PRId64, x->queue_length - x->queue_visible_length);
			age_str(d, sizeof d, x->oldest_msg_age_sec);
			age_str(e, sizeof e, x->newest_msg_age_sec);
			snprintf(f, sizeof f, "%" PRId64, x->total_messages);
			table_add(t, row);
		}
		table_print(t, stdout);
		table_free(t);
	}
	pgmq_metric_list_free(&all);
	pgmq_close(c);
	return EX_OK;
}

/* ---- top ---- */

typedef struct prev
{
	char   *name;
	int64_t total, length;
} prev;

static int
find_prev(prev *p, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return (int) i;
	return -1;
}

static void
top_frame(const cli *o, pgmq_client *c, const pgmq_metric_list *m, prev *p, size_t np,
		  double dt, int live)
{
	static const char *const h[] = {"QUEUE", "DEPTH", "VISIBLE", "IN_FLIGHT",
									"OLDEST", "SEND/S", "RECV/S"};
	table					*t = table_new(7, h);
	size_t					 i;
	char					 when[64];
	time_t					 now = time(NULL);

	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
	if (o->json)
	{
		fputs("[", stdout);
		for (i = 0; i < m->count; i++)
		{
			const pgmq_metric *x = &m->items[i];
			int				   k = find_prev(p, np, x->queue_name);
			double			   s = k >= 0 && dt > 0 ? (x->total_messages - p[k].total) / dt : 0;
			double			   r = k >= 0 && dt > 0 ? ((x->total_messages - p[k].total) - (x->queue_length - p[k].length)) / dt : 0;
			printf("%s\n {\"queue_name\": ", i ? "," : "");
			json_str(stdout, x->queue_name);
			printf(", \"depth\": %" PRId64 ", \"visible\": %" PRId64 ", \"in_flight\": %" PRId64
				   ", \"oldest_age_sec\": %d, \"send_per_sec\": %.1f, \"recv_per_sec\": %.1f}",
				   x->queue_length, x->queue_visible_length,
				   x->queue_length - x->queue_visible_length,
				   x->oldest_msg_age_sec < 0 ? 0 : (int) x->oldest_msg_age_sec, s, r < 0 ? 0 : r);
		}
		fputs(m->count ? "\n]\n" : "]\n", stdout);
		table_free(t);
		return;
	}
	for (i = 0; i < m->count; i++)
	{
		const pgmq_metric *x = &m->items[i];
		int				   k = find_prev(p, np, x->queue_name);
		char			   a[24], b[24], cc[24], d[24], e[24], f[24];
		const char		  *row[7] = {x->queue_name, a, b, cc, d, e, f};
		double			   s = k >= 0 && dt > 0 ? (x->total_messages - p[k].total) / dt : 0;
		double			   r = k >= 0 && dt > 0 ? ((x->total_messages - p[k].total) - (x->queue_length - p[k].length)) / dt : 0;
		snprintf(a, sizeof a, "%" PRId64, x->queue_length);
		snprintf(b, sizeof b, "%" PRId64, x->queue_visible_length);
		snprintf(cc, sizeof cc, "%" PRId64, x->queue_length - x->queue_visible_length);
		age_str(d, sizeof d, x->oldest_msg_age_sec);
		snprintf(e, sizeof e, "%.1f", s);
		snprintf(f, sizeof f, "%.1f", r < 0 ? 0 : r);
		table_add(t, row);
	}
	if (live)
		fputs("\033[H\033[2J", stdout);
	printf("pgmq top - %s  database %s on %s:%s  pgmq %s  %zu queues\n\n", when,
		   PQdb(pgmq_conn(c)), PQhost(pgmq_conn(c)), PQport(pgmq_conn(c)), pgmq_server_version(c),
		   m->count);
	table_print(t, stdout);
	if (live)
		printf("\n(refreshed every second; ^C to quit)\n");
	fflush(stdout);
	table_free(t);
}

static void
save_prev(prev **p, size_t *np, const pgmq_metric_list *m)
{
	size_t i;

	for (i = 0; i < *np; i++)
		free((*p)[i].name);
	*p = realloc(*p, (m->count ? m->count : 1) * sizeof **p);
	for (i = 0; i < m->count; i++)
	{
		(*p)[i].name = strdup(m->items[i].queue_name);
		(*p)[i].total = m->items[i].total_messages;
		(*p)[i].length = m->items[i].queue_length;
	}
	*np = m->count;
}

int
cmd_top(const cli *o)
{
	pgmq_client *c = cli_connect(o);
	double		 interval = 1, last = 0;
	long		 count = LO.once ? 1 : -1, shown = 0;
	prev		*p = NULL;
	size_t		 np = 0, i;
	int			 rc = EX_OK;

	if (LO.interval)
		interval = (double) parse_long("--interval", LO.interval, 1, 3600);
	if (LO.count)
		count = parse_long("--count", LO.count, 1, 1000000000L);
	for (;;)
	{
		pgmq_metric_list m;
		double			 t = now_sec();
		if (pgmq_metrics_all(c, &m) < 0)
		{
			rc = report(c);
			break;
		}
		if (last > 0)
		{
			top_frame(o, c, &m, p, np, t - last, !LO.once && !o->json);
			shown++;
		}
		else if (!LO.once && !o->json)
		{
			/* First frame at once, rates from the next one. */
			top_frame(o, c, &m, NULL, 0, 0, 1);
		}
		save_prev(&p, &np, &m);
		pgmq_metric_list_free(&m);
		last = t;
		if (count >= 0 && shown >= count)
			break;
		{
			struct timespec ts = {(time_t) interval, 0};
			nanosleep(&ts, NULL);
		}
	}
	for (i = 0; i < np; i++)
		free(p[i].name);
	free(p);
	pgmq_close(c);
	return rc;
}

/* ---- exporter ---- */

static volatile sig_atomic_t exporter_stop;
static void
on_stop(int sig)
{
	(void) sig;
	exporter_stop = 1;
}

static void
respond(int fd, const char *status, const char *ctype, const char *body)
{
	char	head[256];
	size_t	len = strlen(body);
	int		n = snprintf(head, sizeof head,
						 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
							 "Connection: close\r\n\r\n",
						 status, ctype, len);
	ssize_t w = write(fd, head, n);
	size_t	off = 0;

	while (w >= 0 && off < len && (w = write(fd, body + off, len - off)) > 0)
		off += w;
}

int
cmd_exporter(const cli *o)
{
	char				   *buf = strdup(LO.listen), *addr = buf, *colon = strrchr(addr, ':');
	struct addrinfo			hints, *res = NULL;
	int						fd = -1, on = 1, rc;
	pgmq_client			   *c;
	struct sockaddr_storage ss;
	socklen_t				sl = sizeof ss;
	char					host[256], port[32];
	struct sigaction		sa;

	if (colon == NULL || colon == addr || colon[1] == '\0')
		die_usage("--listen wants ADDR:PORT, not \"%s\"", LO.listen);
	*colon = '\0';
	if (addr[0] == '[' && colon[-1] == ']')
	{
		addr++;
		colon[-1] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(addr, colon + 1, &hints, &res)) != 0)
	{
		errorf("cannot listen on \"%s\": %s", LO.listen, gai_strerror(rc));
		return EX_USAGE;
	}
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0)
	{
		errorf("cannot listen on \"%s\": %s", LO.listen, strerror(errno));
		freeaddrinfo(res);
		return EX_FAIL;
	}
	freeaddrinfo(res);
	c = cli_connect(o);
	getsockname(fd, (struct sockaddr *) &ss, &sl);
	getnameinfo((struct sockaddr *) &ss, sl, host, sizeof host, port, sizeof port,
				NI_NUMERICHOST | NI_NUMERICSERV);
	fprintf(stderr, "%s: exporter serving http://%s%s%s:%s/metrics\n", progname,
			strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!exporter_stop)
	{
		char		   req[4096];
		size_t		   got = 0;
		struct timeval tv = {5, 0};
		int			   cfd = accept(fd, NULL, NULL);
		double		   t0 = now_sec();

		if (cfd < 0)
			continue;
		setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		while (got < sizeof req - 1)
		{
			ssize_t r = read(cfd, req + got, sizeof req - 1 - got);
			if (r <= 0)
				break;
			got += r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
				break;
		}
		req[got] = '\0';
		if (strncmp(req, "GET /metrics", 12) == 0 && (req[12] == ' ' || req[12] == '?'))
		{
			char *body;
			if (PQstatus(pgmq_conn(c)) != CONNECTION_OK)
				PQreset(pgmq_conn(c));
			body = prometheus_text(c, t0, NULL);
			respond(cfd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body);
			free(body);
		}
		else if (strncmp(req, "GET / ", 6) == 0)
			respond(cfd, "200 OK", "text/html",
					"<html><body><a href=\"/metrics\">pgmq metrics</a></body></html>\n");
		else if (strncmp(req, "GET ", 4) == 0)
			respond(cfd, "404 Not Found", "text/plain", "not found: try /metrics\n");
		else
			respond(cfd, "405 Method Not Allowed", "text/plain", "GET /metrics\n");
		close(cfd);
	}
	close(fd);
	pgmq_close(c);
	free(buf);
	return EX_OK;
}
