/* The pgmq command: options, dispatch and the subcommands of one call. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- option parsing shared by every subcommand ---- */

typedef struct optspec
{
	const char	*name;	 /* long name without "--" */
	char		 shortc; /* or 0 */
	int			 has_arg;
	const char **sval; /* set to the argument */
	int			*flag; /* set to 1 */
} optspec;

static const char *usage_text =
	"pgmq: drive pgmq queues from the shell.\n"
	"\n"
	"Usage:\n"
	"  pgmq [CONNECTION OPTION]... COMMAND [ARG]...\n"
	"\n"
	"Queues:\n"
	"  create QUEUE [--unlogged|--partitioned|--non-partitioned]\n"
	"               [--partition-interval N] [--retention-interval N]\n"
	"  drop QUEUE                    purge QUEUE                 list\n"
	"  detach-archive QUEUE          convert-archive QUEUE [--partition-interval N]\n"
	"  validate-name QUEUE           table-name QUEUE PREFIX\n"
	"  fifo-index QUEUE|--all        maintenance [QUEUE]         repair-partitions QUEUE\n"
	"Messages:\n"
	"  send QUEUE [JSON]... [--file FILE] [--headers JSON] [--delay S|--at TIME] [--batch N]\n"
	"               (no JSON and no --file: one message per line from stdin)\n"
	"  read QUEUE [--vt S] [--qty N] [--poll S] [--poll-interval MS] [--where JSON]\n"
	"               [--grouped|--grouped-head|--grouped-rr]\n"
	"  pop QUEUE [--qty N]           delete QUEUE ID...          archive QUEUE ID...\n"
	"  set-vt QUEUE ID... --vt S|--at TIME\n"
	"  consume QUEUE [--vt S] [--concurrency N] [--archive] [--poll S] [--max N]\n"
	"               [--exit-when-empty] -- COMMAND [ARG]...  (docs/cli.md)\n"
	"Topics:\n"
	"  bind PATTERN QUEUE            unbind PATTERN QUEUE        bindings [QUEUE]\n"
	"  send-topic KEY [JSON]... [--headers JSON] [--delay S]     test-routing KEY\n"
	"  validate-key KEY              validate-pattern PATTERN\n"
	"Notifications:\n"
	"  notify-enable QUEUE [--throttle MS]   notify-update QUEUE --throttle MS\n"
	"  notify-disable QUEUE                  notify-list\n"
	"Dead-letter queues and retention:\n"
	"  policy-set QUEUE [--dead-letter DLQ --max-deliveries N] [--default-vt S]\n"
	"               [--message-retention INTERVAL] [--archive-retention INTERVAL]\n"
	"  policy [QUEUE]                policy-clear QUEUE [SETTING]\n"
	"  redrive DLQ [--to QUEUE] [--max N]                        retention [QUEUE] [--batch N]\n"
	"Roles:\n"
	"  grant admin ROLE | grant send QUEUE ROLE | grant consume QUEUE ROLE\n"
	"  revoke admin ROLE | revoke send QUEUE ROLE | revoke consume QUEUE ROLE\n"
	"Watching and load:\n"
	"  metrics [QUEUE] [--json|--prometheus]\n"
	"  top [--once] [--interval S] [--count N]\n"
	"  exporter --listen ADDR:PORT\n"
	"  bench [--producers N] [--consumers M] [--messages N|--duration S] [--batch N]\n"
	"        [--size BYTES] [--rate MSG/S] [--queue NAME] [--plain-libpq]\n"
	"  version\n"
	"\n"
	"Connection options (before or after COMMAND; unset ones come from PG* variables):\n"
	"  -d, --dbname=DBNAME|URI|CONNINFO   -h, --host=HOST\n"
	"  -p, --port=PORT                    -U, --username=USER\n"
	"Other options:\n"
	"  --json        output JSON for scripts instead of tables\n"
	"  --help        this help (also after any COMMAND)\n"
	"  --version     the versions of pgmq, libpgmq and, when connected, the extension\n"
	"\n"
	"Exit codes: 0 done, 1 the server refused (SQLSTATE printed), 2 bad usage,\n"
	"3 cannot connect or authenticate or no supported pgmq in the database,\n"
	"4 nothing matched (delete, archive, set-vt, drop, unbind), 5 consume could not\n"
	"run its COMMAND. See docs/cli.md.\n";

/* The usage lines of one command (those of usage_text naming it first in
 * an entry), then the connection options. */
static void
print_cmd_help(const char *cmd)
{
	const char *line = usage_text, *conn = strstr(usage_text, "Connection options");
	size_t		n = strlen(cmd);
	int			found = 0, cont = 0;

	while (line && *line && line < conn)
	{
		const char *end = strchr(line, '\n');
		const char *p = line;
		size_t		len = end ? (size_t) (end - line) : strlen(line);
		int			hit = 0;

		/* entries start at column 2 or after two spaces of padding */
		while (p < line + len)
		{
			while (p < line + len && *p == ' ')
				p++;
			if ((p == line + 2 || (p >= line + 4 && p[-1] == ' ' && p[-2] == ' ')) &&
				strncmp(p, cmd, n) == 0 && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
				hit = 1;
			while (p < line + len && *p != ' ')
				p++;
		}
		if (hit || (cont && len > 6 && strncmp(line, "      ", 6) == 0))
		{
			printf("%s%.*s\n", found ? "" : "Usage: pgmq [CONNECTION OPTION]... \n", (int) len,
				   line);
			found = 1;
			cont = 1;
		}
		else
			cont = 0;
		line = end ? end + 1 : NULL;
	}
	if (!found)
	{
		fputs(usage_text, stdout);
		return;
	}
	printf("\n%s", conn);
}

static void
print_version(void)
{
	printf("pgmq (libpgmq) %s\n", pgmq_client_version());
}

/* Parses the subcommand's argv (argv[0] the name) in place: options of spec
 * and the connection options anywhere before "--"; positional arguments
 * are moved to the front. Returns how many positionals; *rest gets the
 * index after "--" (or argc). */
static int
parse_opts(cli *o, int argc, char **argv, const optspec *spec, int *rest)
{
	int	   i, npos = 0;
	char **pos = calloc(argc + 1, sizeof *pos);

	if (rest)
		*rest = argc;
	for (i = 1; i < argc; i++)
	{
		char		  *a = argv[i];
		const char	  *val = NULL;
		const char	  *name = NULL;
		char		   sc = 0;
		const optspec *s;
		size_t		   nlen = 0;

		if (strcmp(a, "--") == 0)
		{
			if (rest == NULL)
				die_usage("\"%s\" takes no command after --", argv[0]);
			*rest = i + 1;
			break;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0)
		{
			print_cmd_help(argv[0]);
			exit(EX_OK);
		}
		if (strcmp(a, "--version") == 0)
		{
			print_version();
			exit(EX_OK);
		}
		if (a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9'))
		{
			pos[npos++] = a;
			continue;
		}
		if (a[1] == '-')
		{
			name = a + 2;
			val = strchr(name, '=');
			nlen = val ? (size_t) (val - name) : strlen(name);
			if (val)
				val++;
		}
		else
		{
			sc = a[1];
			if (a[2])
				val = a + 2;
		}
#define CONN(longn, shortn, field) \
	if ((name && strlen(longn) == nlen && strncmp(name, longn, nlen) == 0) || sc == shortn) \
	{ \
		if (!val) \
		{ \
			if (i + 1 >= argc) \
				die_usage("option %s needs a value", a); \
			val = argv[++i]; \
		} \
		o->field = val; \
		continue; \
	}
		CONN("dbname", 'd', dbname)
		CONN("host", 'h', host)
		CONN("port", 'p', port)
		CONN("username", 'U', user)
#undef CONN
		if (name && nlen == 4 && strncmp(name, "json", 4) == 0)
		{
			o->json = 1;
			continue;
		}
		for (s = spec; s && s->name; s++)
		{
			if ((name && strlen(s->name) == nlen && strncmp(name, s->name, nlen) == 0) ||
				(sc && sc == s->shortc))
				break;
		}
		if (s == NULL || s->name == NULL)
			die_usage("unknown option \"%s\" for \"%s\"", a, argv[0]);
		if (s->has_arg)
		{
			if (!val)
			{
				if (i + 1 >= argc)
					die_usage("option %s needs a value", a);
				val = argv[++i];
			}
			*s->sval = val;
		}
		else
		{
			if (val && name)
				die_usage("option --%s takes no value", s->name);
			*s->flag = 1;
		}
	}
	for (i = 0; i < npos; i++)
		argv[i + 1] = pos[i];
	free(pos);
	return npos;
}

static void
need_args(const char *cmd, int got, int min, int max, const char *what)
{
	if (got < min || (max >= 0 && got > max))
		die_usage("usage: pgmq %s %s", cmd, what);
}

/* ---- printing ---- */

static void
print_messages(const cli *o, const pgmq_messages *m)
{
	size_t i;

	if (o->json)
	{
		fputs("[", stdout);
		for (i = 0; i < m->count; i++)
		{
			const pgmq_message *x = &m->items[i];
			printf("%s\n {\"msg_id\": %" PRId64 ", \"read_ct\": %d, \"enqueued_at\": ",
				   i ? "," : "", x->msg_id, (int) x->read_ct);
			json_str(stdout, x->enqueued_at);
			fputs(", \"last_read_at\": ", stdout);
			json_str(stdout, x->last_read_at);
			fputs(", \"vt\": ", stdout);
			json_str(stdout, x->vt);
			printf(", \"message\": %s, \"headers\": %s}", x->message ? x->message : "null",
				   x->headers ? x->headers : "null");
		}
		fputs(m->count ? "\n]\n" : "]\n", stdout);
		return;
	}
	{
		static const char *const h[] = {"msg_id", "read_ct", "enqueued_at", "vt", "message",
										"headers"};
		table					*t = table_new(6, h);
		for (i = 0; i < m->count; i++)
		{
			char				id[24], rc[16];
			const pgmq_message *x = &m->items[i];
			const char		   *row[6] = {id, rc, x->enqueued_at, x->vt, x->message, x->headers};
			snprintf(id, sizeof id, "%" PRId64, x->msg_id);
			snprintf(rc, sizeof rc, "%d", (int) x->read_ct);
			table_add(t, row);
		}
		table_print(t, stdout);
		table_free(t);
	}
}

static void
print_ids(const cli *o, const pgmq_ids *ids)
{
	size_t i;

	if (o->json)
	{
		fputs("[", stdout);
		for (i = 0; i < ids->count; i++)
			printf("%s%" PRId64, i ? ", " : "", ids->ids[i]);
		fputs("]\n", stdout);
	}
	else
		for (i = 0; i < ids->count; i++)
			printf("%" PRId64 "\n", ids->ids[i]);
}

static void
print_rows(const cli *o, const pgmq_rows *r)
{
	int i, j;

	if (o->json)
	{
		fputs("[", stdout);
		for (i = 0; i < r->nrows; i++)
		{
			printf("%s\n {", i ? "," : "");
			for (j = 0; j < r->ncols; j++)
			{
				printf("%s", j ? ", " : "");
				json_str(stdout, r->colnames[j]);
				fputs(": ", stdout);
				json_str(stdout, PGMQ_ROW(r, i, j));
			}
			fputs("}", stdout);
		}
		fputs(r->nrows ? "\n]\n" : "]\n", stdout);
		return;
	}
	{
		table *t = table_new(r->ncols, (const char *const *) r->colnames);
		for (i = 0; i < r->nrows; i++)
			table_add(t, (const char *const *) &PGMQ_ROW(r, i, 0));
		table_print(t, stdout);
		table_free(t);
	}
}

static void
print_bool(const cli *o, const char *key, int v)
{
	if (o->json)
		printf("{\"%s\": %s}\n", key, v ? "true" : "false");
	else
		printf("%s\n", v ? "true" : "false");
}

static void
print_int(const cli *o, const char *key, int64_t v)
{
	if (o->json)
		printf("{\"%s\": %" PRId64 "}\n", key, v);
	else
		printf("%" PRId64 "\n", v);
}

static int
done(pgmq_client *c, int rc)
{
	int ex = rc < 0 ? report(c) : EX_OK;
	pgmq_close(c);
	return ex;
}

static int64_t *
parse_ids(const char *cmd, int n, char **args)
{
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	int		 i;

	for (i = 0; i < n; i++)
	{
		char	 *end;
		long long v = strtoll(args[i], &end, 10);
		if (*args[i] == '\0' || *end != '\0' || v < 1)
			die_usage("%s: \"%s\" is not a message id", cmd, args[i]);
		ids[i] = v;
	}
	return ids;
}

/* ---- send ---- */

typedef struct batch
{
	char **msgs;
	size_t n, cap;
} batch;

static void
batch_add(batch *b, const char *s)
{
	if (b->n == b->cap)
	{
		b->cap = b->cap ? 2 * b->cap : 64;
		b->msgs = realloc(b->msgs, b->cap * sizeof *b->msgs);
	}
	b->msgs[b->n++] = strdup(s);
}

static void
batch_clear(batch *b)
{
	size_t i;
	for (i = 0; i < b->n; i++)
		free(b->msgs[i]);
	b->n = 0;
}

/* Reads one JSON message per line (blank lines skipped) into b, checking
 * each; exits with EX_FAIL naming the line of the first malformed one
 * before anything is sent. */
static void
read_lines(FILE *f, const char *name, batch *b)
{
	char   *line = NULL;
	size_t	cap = 0;
	ssize_t len;
	long	lineno = 0;

	while ((len = getline(&line, &cap, f)) >= 0)
	{
		const char *why;
		char	   *p = line;
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			continue;
		if ((why = json_check(p)) != NULL)
		{
			errorf("%s:%ld: malformed JSON (%s); nothing was sent", name, lineno, why);
			free(line);
			exit(EX_FAIL);
		}
		batch_add(b, p);
	}
	free(line);
}

static int
cmd_send(cli *o, int topic)
{
	const char	*file = NULL, *headers = NULL, *delay_s = NULL, *at = NULL, *batch_s = NULL;
	optspec		 spec[] = {{"file", 'f', 1, &file, NULL}, {"headers", 0, 1, &headers, NULL}, {"delay", 0, 1, &delay_s, NULL}, {"at", 0, 1, &at, NULL}, {"batch", 0, 1, &batch_s, NULL}, {NULL, 0, 0, NULL, NULL}};
	int			 n = parse_opts(o, o->argc, o->argv, spec, NULL), i, ex = EX_OK;
	long		 delay = 0, bsize = 1000;
	batch		 b = {0};
	pgmq_client *c;
	size_t		 off;
	int64_t		 total = 0;
	int			 first = 1;

	need_args(o->argv[0], n, 1, -1,
			  topic ? "ROUTING_KEY [JSON]... [--headers JSON] [--delay S]" : "QUEUE [JSON]... [--file FILE] [--headers JSON] [--delay S|--at TIME]");
	if (delay_s)
		delay = parse_long("--delay", delay_s, 0, 2147483647);
	if (batch_s)
		bsize = parse_long("--batch", batch_s, 1, 100000);
	if (at && (delay_s || topic))
		die_usage("--at cannot go with --delay%s", topic ? " or send-topic" : "");
	if (headers && json_check(headers))
		die_usage("--headers is not valid JSON (%s)", json_check(headers));
	for (i = 2; i <= n; i++)
	{
		const char *why = json_check(o->argv[i]);
		if (why)
		{
			errorf("argument %d: malformed JSON (%s); nothing was sent", i - 1, why);
			return EX_FAIL;
		}
		batch_add(&b, o->argv[i]);
	}
	if (file)
	{
		FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (f == NULL)
		{
			errorf("cannot open \"%s\": %m", file);
			return EX_FAIL;
		}
		read_lines(f, file, &b);
		if (f != stdin)
			fclose(f);
	}
	else if (n == 1)
		read_lines(stdin, "stdin", &b);

	c = cli_connect(o);
	if (o->json)
		fputs("[", stdout);
	for (off = 0; off < b.n && ex == EX_OK; off += bsize)
	{
		size_t		 cnt = b.n - off < (size_t) bsize ? b.n - off : (size_t) bsize;
		const char **hs = NULL;
		size_t		 k;
		int			 rc;

		if (headers)
		{
			hs = malloc(cnt * sizeof *hs);
			for (k = 0; k < cnt; k++)
				hs[k] = headers;
		}
		if (topic)
		{
			pgmq_rows r;
			rc = pgmq_send_batch_topic(c, o->argv[1], (const char *const *) b.msgs + off, hs, cnt,
									   (int32_t) delay, &r);
			if (rc == 0)
			{
				for (k = 0; k < (size_t) r.nrows; k++)
				{
					if (o->json)
					{
						printf("%s{\"queue_name\": ", first ? "" : ", ");
						json_str(stdout, PGMQ_ROW(&r, k, 0));
						printf(", \"msg_id\": %s}", PGMQ_ROW(&r, k, 1));
					}
					else
						printf("%s\t%s\n", PGMQ_ROW(&r, k, 0), PGMQ_ROW(&r, k, 1));
					first = 0;
				}
				total += r.nrows;
				pgmq_rows_free(&r);
			}
		}
		else
		{
			pgmq_ids ids;
			rc = at ? pgmq_send_batch_at(c, o->argv[1], (const char *const *) b.msgs + off, hs, cnt,
										 at, &ids) :
					  pgmq_send_batch(c, o->argv[1], (const char *const *) b.msgs + off, hs, cnt,
									  (int32_t) delay, &ids);
			if (rc == 0)
			{
				for (k = 0; k < ids.count; k++)
				{
					if (o->json)
						printf("%s%" PRId64, first ? "" : ", ", ids.ids[k]);
					else
						printf("%" PRId64 "\n", ids.ids[k]);
					first = 0;
				}
				total += ids.count;
				pgmq_ids_free(&ids);
			}
		}
		free(hs);
		if (rc < 0)
		{
			fflush(stdout);
			ex = report(c);
			if (off > 0)
				fprintf(stderr, "%s: %zu messages were sent before the failure\n", progname, off);
		}
	}
	if (o->json) /* the ids of what was sent, even after a failure */
		fputs("]\n", stdout);
	(void) total;
	batch_clear(&b);
	free(b.msgs);
	pgmq_close(c);
	return ex;
}

/* ---- the rest ---- */

static int
cmd_create(cli *o)
{
	int			 unlogged = 0, part = 0, nonpart = 0, rc;
	const char	*pi = NULL, *ri = NULL;
	optspec		 spec[] = {{"unlogged", 0, 0, NULL, &unlogged},
						   {"partitioned", 0, 0, NULL, &part},
						   {"non-partitioned", 0, 0, NULL, &nonpart},
						   {"partition-interval", 0, 1, &pi, NULL},
						   {"retention-interval", 0, 1, &ri, NULL},
						   {NULL, 0, 0, NULL, NULL}};
	int			 n = parse_opts(o, o->argc, o->argv, spec, NULL);
	pgmq_client *c;

	need_args("create", n, 1, 1, "QUEUE [--unlogged|--partitioned|--non-partitioned]");
	if (unlogged + part + nonpart > 1)
		die_usage("--unlogged, --partitioned and --non-partitioned exclude each other");
	if ((pi || ri) && !part)
		die_usage("--partition-interval and --retention-interval need --partitioned");
	c = cli_connect(o);
	if (unlogged)
		rc = pgmq_create_unlogged(c, o->argv[1]);
	else if (part)
		rc = pgmq_create_partitioned(c, o->argv[1], pi, ri);
	else if (nonpart)
		rc = pgmq_create_non_partitioned(c, o->argv[1]);
	else
		rc = pgmq_create(c, o->argv[1]);
	return done(c, rc);
}

/* Commands taking exactly one queue (or name) and returning nothing. */
static int
cmd_simple(cli *o)
{
	const char	*cmd = o->argv[0];
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc;
	pgmq_client *c;

	need_args(cmd, n, 1, 1, "QUEUE");
	c = cli_connect(o);
	if (strcmp(cmd, "detach-archive") == 0)
		rc = pgmq_detach_archive(c, o->argv[1]);
	else if (strcmp(cmd, "validate-name") == 0)
		rc = pgmq_validate_queue_name(c, o->argv[1]);
	else if (strcmp(cmd, "notify-disable") == 0)
		rc = pgmq_disable_notify_insert(c, o->argv[1]);
	else
	{
		int64_t v = 0;
		rc = pgmq_repair_partitions(c, o->argv[1], &v);
		if (rc == 0)
			print_int(o, "repaired", v);
	}
	return done(c, rc);
}

static int
cmd_drop(cli *o)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc, dropped = 0;
	pgmq_client *c;

	need_args("drop", n, 1, 1, "QUEUE");
	c = cli_connect(o);
	rc = pgmq_drop_queue(c, o->argv[1], &dropped);
	if (rc == 0)
	{
		print_bool(o, "dropped", dropped);
		pgmq_close(c);
		return dropped ? EX_OK : EX_NOTFOUND;
	}
	return done(c, rc);
}

static int
cmd_purge(cli *o)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc;
	int64_t		 v = 0;
	pgmq_client *c;

	need_args("purge", n, 1, 1, "QUEUE");
	c = cli_connect(o);
	rc = pgmq_purge_queue(c, o->argv[1], &v);
	if (rc == 0)
		print_int(o, "purged", v);
	return done(c, rc);
}

static int
cmd_list(cli *o)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc;
	pgmq_queues	 q;
	pgmq_client *c;
	size_t		 i;

	need_args("list", n, 0, 0, "");
	c = cli_connect(o);
	rc = pgmq_list_queues(c, &q);
	if (rc == 0)
	{
		if (o->json)
		{
			fputs("[", stdout);
			for (i = 0; i < q.count; i++)
			{
				printf("%s\n {\"queue_name\": ", i ? "," : "");
				json_str(stdout, q.items[i].queue_name);
				printf(", \"is_partitioned\": %s, \"is_unlogged\": %s, \"created_at\": ",
					   q.items[i].is_partitioned ? "true" : "false",
					   q.items[i].is_unlogged ? "true" : "false");
				json_str(stdout, q.items[i].created_at);
				fputs("}", stdout);
			}
			fputs(q.count ? "\n]\n" : "]\n", stdout);
		}
		else
		{
			static const char *const h[] = {"queue_name", "partitioned", "unlogged",
											"created_at"};
			table					*t = table_new(4, h);
			for (i = 0; i < q.count; i++)
			{
				const char *row[4] = {q.items[i].queue_name, q.items[i].is_partitioned ? "yes" : "no",
									  q.items[i].is_unlogged ? "yes" : "no", q.items[i].created_at};
				table_add(t, row);
			}
			table_print(t, stdout);
			table_free(t);
		}
		pgmq_queues_free(&q);
	}
	return done(c, rc);
}

static int
cmd_convert_archive(cli *o)
{
	const char	*pi = NULL, *ri = NULL;
	optspec		 spec[] = {{"partition-interval", 0, 1, &pi, NULL},
						   {"retention-interval", 0, 1, &ri, NULL},
						   {NULL, 0, 0, NULL, NULL}};
	int			 n = parse_opts(o, o->argc, o->argv, spec, NULL);
	pgmq_client *c;

	need_args("convert-archive", n, 1, 1, "QUEUE [--partition-interval N] [--retention-interval N]");
	c = cli_connect(o);
	return done(c, pgmq_convert_archive_partitioned(c, o->argv[1], pi, ri));
}

static int
cmd_table_name(cli *o)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc;
	char		*name = NULL;
	pgmq_client *c;

	need_args("table-name", n, 2, 2, "QUEUE PREFIX");
	c = cli_connect(o);
	rc = pgmq_format_table_name(c, o->argv[1], o->argv[2], &name);
	if (rc == 0)
	{
		if (o->json)
		{
			fputs("{\"table_name\": ", stdout);
			json_str(stdout, name);
			fputs("}\n", stdout);
		}
		else
			printf("%s\n", name ? name : "");
		pgmq_free(name);
	}
	return done(c, rc);
}

static int
cmd_fifo_index(cli *o)
{
	int			 all = 0;
	optspec		 spec[] = {{"all", 0, 0, NULL, &all}, {NULL, 0, 0, NULL, NULL}};
	int			 n = parse_opts(o, o->argc, o->argv, spec, NULL);
	pgmq_client *c;

	need_args("fifo-index", n, all ? 0 : 1, all ? 0 : 1, "QUEUE | --all");
	c = cli_connect(o);
	return done(c, all ? pgmq_create_fifo_indexes_all(c) : pgmq_create_fifo_index(c, o->argv[1]));
}

static int
cmd_maintenance(cli *o)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc;
	int32_t		 v = 0;
	pgmq_client *c;

	need_args("maintenance", n, 0, 1, "[QUEUE]");
	c = cli_connect(o);
	rc = pgmq_run_maintenance(c, n ? o->argv[1] : NULL, &v);
	if (rc == 0)
		print_int(o, "result", v);
	return done(c, rc);
}

static int
cmd_read(cli *o, int pop)
{
	const char	  *vt = NULL, *qty = NULL, *poll = NULL, *interval = NULL, *where = NULL;
	int			   g = 0, gh = 0, grr = 0, rc;
	optspec		   spec[] = {{"vt", 0, 1, &vt, NULL},
							 {"qty", 'n', 1, &qty, NULL},
							 {"poll", 0, 1, &poll, NULL},
							 {"poll-interval", 0, 1, &interval, NULL},
							 {"where", 0, 1, &where, NULL},
							 {"grouped", 0, 0, NULL, &g},
							 {"grouped-head", 0, 0, NULL, &gh},
							 {"grouped-rr", 0, 0, NULL, &grr},
							 {NULL, 0, 0, NULL, NULL}};
	optspec		   popspec[] = {{"qty", 'n', 1, &qty, NULL}, {NULL, 0, 0, NULL, NULL}};
	int			   n = parse_opts(o, o->argc, o->argv, pop ? popspec : spec, NULL);
	pgmq_read_opts ro = {PGMQ_READ, 30, 1, 0, 0, NULL};
	pgmq_messages  m;
	pgmq_client	  *c;

	need_args(o->argv[0], n, 1, 1, pop ? "QUEUE [--qty N]" : "QUEUE [--vt S] [--qty N] [...]");
	if (g + gh + grr > 1)
		die_usage("--grouped, --grouped-head and --grouped-rr exclude each other");
	ro.kind = g ? PGMQ_READ_GROUPED : gh ? PGMQ_READ_GROUPED_HEAD :
								  grr	 ? PGMQ_READ_GROUPED_RR :
										   PGMQ_READ;
	if (vt)
		ro.vt = (int32_t) parse_long("--vt", vt, -2147483647L, 2147483647L);
	if (qty)
		ro.qty = (int32_t) parse_long("--qty", qty, 0, 2147483647L);
	if (poll)
		ro.poll_seconds = (int32_t) parse_long("--poll", poll, 0, 2147483647L);
	if (interval)
		ro.poll_interval_ms = (int32_t) parse_long("--poll-interval", interval, 1, 2147483647L);
	if (where)
	{
		if (json_check(where))
			die_usage("--where is not valid JSON (%s)", json_check(where));
		if (ro.kind != PGMQ_READ)
			die_usage("--where goes only with the plain read");
		ro.conditional = where;
	}
	if (ro.poll_seconds > 0 && ro.kind == PGMQ_READ_GROUPED_HEAD)
		die_usage("--grouped-head cannot poll");
	c = cli_connect(o);
	rc = pop ? pgmq_pop(c, o->argv[1], ro.qty, &m) : pgmq_read_ex(c, o->argv[1], &ro, &m);
	if (rc == 0)
	{
		print_messages(o, &m);
		pgmq_messages_free(&m);
	}
	return done(c, rc);
}

static int
cmd_ack(cli *o, int archive)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc;
	int64_t		*ids;
	pgmq_ids	 out;
	pgmq_client *c;

	need_args(o->argv[0], n, 2, -1, "QUEUE ID...");
	ids = parse_ids(o->argv[0], n - 1, o->argv + 2);
	c = cli_connect(o);
	rc = archive ? pgmq_archive_batch(c, o->argv[1], ids, n - 1, &out) : pgmq_delete_batch(c, o->argv[1], ids, n - 1, &out);
	free(ids);
	if (rc == 0)
	{
		int ex = out.count == (size_t) (n - 1) ? EX_OK : EX_NOTFOUND;
		print_ids(o, &out);
		if (ex != EX_OK)
			fprintf(stderr, "%s: %zu of %d messages not found\n", progname, n - 1 - out.count,
					n - 1);
		pgmq_ids_free(&out);
		pgmq_close(c);
		return ex;
	}
	return done(c, rc);
}

static int
cmd_set_vt(cli *o)
{
	const char	 *vt = NULL, *at = NULL;
	optspec		  spec[] = {{"vt", 0, 1, &vt, NULL}, {"at", 0, 1, &at, NULL}, {NULL, 0, 0, NULL, NULL}};
	int			  n = parse_opts(o, o->argc, o->argv, spec, NULL), rc = 0, i, want;
	int64_t		 *ids;
	pgmq_messages all = {0, NULL}, m;
	pgmq_client	 *c;

	need_args("set-vt", n, 2, -1, "QUEUE ID... --vt S|--at TIME");
	if (!vt == !at)
		die_usage("set-vt needs one of --vt S and --at TIME");
	ids = parse_ids("set-vt", n - 1, o->argv + 2);
	want = n - 1;
	c = cli_connect(o);
	if (vt)
		rc = pgmq_set_vt_batch(c, o->argv[1], ids, want,
							   (int32_t) parse_long("--vt", vt, -2147483647L, 2147483647L), &all);
	else
	{
		size_t cap = 0;
		for (i = 0; i < want && rc == 0; i++)
		{
			rc = pgmq_set_vt_at(c, o->argv[1], ids[i], at, &m);
			if (rc == 0 && m.count)
			{
				all.items = realloc(all.items, (cap + 1) * sizeof *all.items);
				all.items[cap++] = m.items[0];
				all.count = cap;
				free(m.items);
			}
			else if (rc == 0)
				pgmq_messages_free(&m);
		}
	}
	free(ids);
	if (rc == 0)
	{
		int ex = all.count == (size_t) want ? EX_OK : EX_NOTFOUND;
		print_messages(o, &all);
		pgmq_messages_free(&all);
		pgmq_close(c);
		return ex;
	}
	pgmq_messages_free(&all);
	return done(c, rc);
}

static int
cmd_notify(cli *o)
{
	const char	*cmd = o->argv[0], *thr = NULL;
	optspec		 spec[] = {{"throttle", 0, 1, &thr, NULL}, {NULL, 0, 0, NULL, NULL}};
	int			 n = parse_opts(o, o->argc, o->argv, spec, NULL), rc;
	pgmq_client *c;
	long		 ms = 250;

	if (strcmp(cmd, "notify-list") == 0)
	{
		pgmq_rows r;
		need_args(cmd, n, 0, 0, "");
		c = cli_connect(o);
		rc = pgmq_list_notify_insert_throttles(c, &r);
		if (rc == 0)
		{
			print_rows(o, &r);
			pgmq_rows_free(&r);
		}
		return done(c, rc);
	}
	need_args(cmd, n, 1, 1, "QUEUE [--throttle MS]");
	if (thr)
		ms = parse_long("--throttle", thr, 0, 2147483647L);
	else if (strcmp(cmd, "notify-update") == 0)
		die_usage("notify-update needs --throttle MS");
	c = cli_connect(o);
	rc = strcmp(cmd, "notify-enable") == 0 ? pgmq_enable_notify_insert(c, o->argv[1], (int32_t) ms) : pgmq_update_notify_insert(c, o->argv[1], (int32_t) ms);
	return done(c, rc);
}

static int
cmd_topic(cli *o)
{
	const char	*cmd = o->argv[0];
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc, v = 0;
	pgmq_client *c;
	pgmq_rows	 r;

	if (strcmp(cmd, "bind") == 0 || strcmp(cmd, "unbind") == 0)
	{
		need_args(cmd, n, 2, 2, "PATTERN QUEUE");
		c = cli_connect(o);
		if (cmd[0] == 'b')
			return done(c, pgmq_bind_topic(c, o->argv[1], o->argv[2]));
		rc = pgmq_unbind_topic(c, o->argv[1], o->argv[2], &v);
		if (rc == 0)
		{
			print_bool(o, "unbound", v);
			pgmq_close(c);
			return v ? EX_OK : EX_NOTFOUND;
		}
		return done(c, rc);
	}
	if (strcmp(cmd, "bindings") == 0)
	{
		need_args(cmd, n, 0, 1, "[QUEUE]");
		c = cli_connect(o);
		rc = pgmq_list_topic_bindings(c, n ? o->argv[1] : NULL, &r);
	}
	else if (strcmp(cmd, "test-routing") == 0)
	{
		need_args(cmd, n, 1, 1, "ROUTING_KEY");
		c = cli_connect(o);
		rc = pgmq_test_routing(c, o->argv[1], &r);
	}
	else
	{
		need_args(cmd, n, 1, 1, strcmp(cmd, "validate-key") == 0 ? "ROUTING_KEY" : "PATTERN");
		c = cli_connect(o);
		rc = strcmp(cmd, "validate-key") == 0 ? pgmq_validate_routing_key(c, o->argv[1], &v) : pgmq_validate_topic_pattern(c, o->argv[1], &v);
		if (rc == 0)
			print_bool(o, "valid", v);
		return done(c, rc);
	}
	if (rc == 0)
	{
		print_rows(o, &r);
		pgmq_rows_free(&r);
	}
	return done(c, rc);
}

static int
cmd_grant(cli *o, int grant)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL), rc;
	const char	*what;
	pgmq_client *c;

	if (n < 1)
		die_usage("usage: pgmq %s admin ROLE | send QUEUE ROLE | consume QUEUE ROLE", o->argv[0]);
	what = o->argv[1];
	if (strcmp(what, "admin") == 0)
	{
		need_args(o->argv[0], n, 2, 2, "admin ROLE");
		c = cli_connect(o);
		rc = grant ? pgmq_grant_admin(c, o->argv[2]) : pgmq_revoke_admin(c, o->argv[2]);
	}
	else if (strcmp(what, "send") == 0 || strcmp(what, "consume") == 0)
	{
		need_args(o->argv[0], n, 3, 3, "send|consume QUEUE ROLE");
		c = cli_connect(o);
		if (what[0] == 's')
			rc = grant ? pgmq_grant_send(c, o->argv[2], o->argv[3]) : pgmq_revoke_send(c, o->argv[2], o->argv[3]);
		else
			rc = grant ? pgmq_grant_consume(c, o->argv[2], o->argv[3]) : pgmq_revoke_consume(c, o->argv[2], o->argv[3]);
	}
	else
		die_usage("%s: \"%s\" is not one of admin, send, consume", o->argv[0], what);
	return done(c, rc);
}

static int
cmd_policy_set(cli *o)
{
	const char		*dlq = NULL, *md = NULL, *vt = NULL, *mr = NULL, *ar = NULL;
	optspec			 spec[] = {{"dead-letter", 0, 1, &dlq, NULL},
							   {"max-deliveries", 0, 1, &md, NULL},
							   {"default-vt", 0, 1, &vt, NULL},
							   {"message-retention", 0, 1, &mr, NULL},
							   {"archive-retention", 0, 1, &ar, NULL},
							   {NULL, 0, 0, NULL, NULL}};
	int				 n = parse_opts(o, o->argc, o->argv, spec, NULL);
	pgmq_policy_opts p = pgmq_policy_opts_none();
	pgmq_client		*c;

	need_args("policy-set", n, 1, 1, "QUEUE [OPTION]...");
	if (!dlq && !md && !vt && !mr && !ar)
		die_usage("policy-set needs at least one of --dead-letter, --default-vt, "
				  "--message-retention, --archive-retention");
	p.dead_letter_queue = dlq;
	if (md)
		p.max_deliveries = (int32_t) parse_long("--max-deliveries", md, 1, INT32_MAX);
	if (vt)
		p.default_vt = (int32_t) parse_long("--default-vt", vt, 0, INT32_MAX);
	p.message_retention = mr;
	p.archive_retention = ar;
	c = cli_connect(o);
	return done(c, pgmq_set_policy(c, o->argv[1], &p));
}

/* policy [QUEUE], policy-clear QUEUE [SETTING], retention [QUEUE] */
static int
cmd_policy(cli *o)
{
	const char	*cmd = o->argv[0], *batch = NULL;
	optspec		 spec[] = {{"batch", 0, 1, &batch, NULL}, {NULL, 0, 0, NULL, NULL}};
	int			 retention = strcmp(cmd, "retention") == 0;
	int			 n = parse_opts(o, o->argc, o->argv, retention ? spec : NULL, NULL), rc;
	int			 was_set = 0;
	pgmq_rows	 r;
	pgmq_client *c;

	if (strcmp(cmd, "policy-clear") == 0)
	{
		need_args(cmd, n, 1, 2, "QUEUE [SETTING]");
		c = cli_connect(o);
		rc = pgmq_clear_policy(c, o->argv[1], n > 1 ? o->argv[2] : NULL, &was_set);
		if (rc == 0)
		{
			print_bool(o, "cleared", was_set);
			pgmq_close(c);
			return was_set ? EX_OK : EX_NOTFOUND;
		}
		return done(c, rc);
	}
	need_args(cmd, n, 0, 1, retention ? "[QUEUE] [--batch N]" : "[QUEUE]");
	c = cli_connect(o);
	if (retention)
		rc = pgmq_run_retention(c, n ? o->argv[1] : NULL,
								batch ? (int32_t) parse_long("--batch", batch, 1, INT32_MAX) : 0,
								&r);
	else
		rc = pgmq_show_policy(c, n ? o->argv[1] : NULL, &r);
	if (rc == 0)
	{
		print_rows(o, &r);
		pgmq_rows_free(&r);
	}
	return done(c, rc);
}

static int
cmd_redrive(cli *o)
{
	const char	*to = NULL, *max = NULL;
	optspec		 spec[] = {{"to", 0, 1, &to, NULL}, {"max", 0, 1, &max, NULL}, {NULL, 0, 0, NULL, NULL}};
	int			 n = parse_opts(o, o->argc, o->argv, spec, NULL), rc;
	int64_t		 moved = 0;
	pgmq_client *c;

	need_args("redrive", n, 1, 1, "DLQ [--to QUEUE] [--max N]");
	c = cli_connect(o);
	rc = pgmq_redrive(c, o->argv[1], to,
					  max ? (int32_t) parse_long("--max", max, 0, INT32_MAX) : -1, &moved);
	if (rc == 0)
		print_int(o, "moved", moved);
	return done(c, rc);
}

static int
cmd_version(cli *o)
{
	int			 n = parse_opts(o, o->argc, o->argv, NULL, NULL);
	pgmq_client *c;

	need_args("version", n, 0, 0, "");
	c = cli_connect(o);
	if (o->json)
	{
		printf("{\"client\": ");
		json_str(stdout, pgmq_client_version());
		printf(", \"extension\": ");
		json_str(stdout, pgmq_server_version(c));
		printf("}\n");
	}
	else
		printf("pgmq (libpgmq) %s, extension %s\n", pgmq_client_version(), pgmq_server_version(c));
	pgmq_close(c);
	return EX_OK;
}

/* Options common to every subcommand, parsed before it too. */
static int
parse_global(cli *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
	{
		const char	*a = argv[i];
		const char **field = NULL;
		const char	*val = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0)
		{
			fputs(usage_text, stdout);
			exit(EX_OK);
		}
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0)
		{
			print_version();
			exit(EX_OK);
		}
		if (strcmp(a, "--json") == 0)
		{
			o->json = 1;
			continue;
		}
		if (a[0] != '-')
			return i;
		if (a[1] == 'd' || strncmp(a, "--dbname", 8) == 0)
			field = &o->dbname;
		else if (a[1] == 'h' || strncmp(a, "--host", 6) == 0)
			field = &o->host;
		else if (a[1] == 'p' || strncmp(a, "--port", 6) == 0)
			field = &o->port;
		else if (a[1] == 'U' || strncmp(a, "--username", 10) == 0)
			field = &o->user;
		else
			die_usage("unknown option \"%s\"", a);
		if (a[1] != '-' && a[2])
			val = a + 2;
		else if (a[1] == '-' && strchr(a, '='))
			val = strchr(a, '=') + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			die_usage("option %s needs a value", a);
		*field = val;
	}
	return argc;
}

int
main(int argc, char **argv)
{
	cli			o = {0};
	int			i = parse_global(&o, argc, argv);
	const char *cmd;

	if (i >= argc)
		die_usage("no command given");
	cmd = argv[i];
	o.argc = argc - i;
	o.argv = argv + i;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(cmd, "create") == 0)
		return cmd_create(&o);
	if (strcmp(cmd, "drop") == 0)
		return cmd_drop(&o);
	if (strcmp(cmd, "purge") == 0)
		return cmd_purge(&o);
	if (strcmp(cmd, "list") == 0)
		return cmd_list(&o);
	if (strcmp(cmd, "detach-archive") == 0 || strcmp(cmd, "validate-name") == 0 ||
		strcmp(cmd, "repair-partitions") == 0 || strcmp(cmd, "notify-disable") == 0)
		return cmd_simple(&o);
	if (strcmp(cmd, "convert-archive") == 0)
		return cmd_convert_archive(&o);
	if (strcmp(cmd, "table-name") == 0)
		return cmd_table_name(&o);
	if (strcmp(cmd, "fifo-index") == 0)
		return cmd_fifo_index(&o);
	if (strcmp(cmd, "maintenance") == 0)
		return cmd_maintenance(&o);
	if (strcmp(cmd, "send") == 0)
		return cmd_send(&o, 0);
	if (strcmp(cmd, "send-topic") == 0)
		return cmd_send(&o, 1);
	if (strcmp(cmd, "read") == 0)
		return cmd_read(&o, 0);
	if (strcmp(cmd, "pop") == 0)
		return cmd_read(&o, 1);
	if (strcmp(cmd, "delete") == 0)
		return cmd_ack(&o, 0);
	if (strcmp(cmd, "archive") == 0)
		return cmd_ack(&o, 1);
	if (strcmp(cmd, "set-vt") == 0)
		return cmd_set_vt(&o);
	if (strcmp(cmd, "policy-set") == 0)
		return cmd_policy_set(&o);
	if (strcmp(cmd, "policy") == 0 || strcmp(cmd, "policy-clear") == 0 ||
		strcmp(cmd, "retention") == 0)
		return cmd_policy(&o);
	if (strcmp(cmd, "redrive") == 0)
		return cmd_redrive(&o);
	if (strncmp(cmd, "notify-", 7) == 0 &&
		(strcmp(cmd + 7, "enable") == 0 || strcmp(cmd + 7, "update") == 0 ||
		 strcmp(cmd + 7, "list") == 0))
		return cmd_notify(&o);
	if (strcmp(cmd, "bind") == 0 || strcmp(cmd, "unbind") == 0 || strcmp(cmd, "bindings") == 0 ||
		strcmp(cmd, "test-routing") == 0 || strcmp(cmd, "validate-key") == 0 ||
		strcmp(cmd, "validate-pattern") == 0)
		return cmd_topic(&o);
	if (strcmp(cmd, "grant") == 0)
		return cmd_grant(&o, 1);
	if (strcmp(cmd, "revoke") == 0)
		return cmd_grant(&o, 0);
	if (strcmp(cmd, "version") == 0)
		return cmd_version(&o);
	if (strcmp(cmd, "consume") == 0 || strcmp(cmd, "top") == 0 || strcmp(cmd, "metrics") == 0 ||
		strcmp(cmd, "exporter") == 0 || strcmp(cmd, "bench") == 0)
	{
		/* These parse their own options with the shared parser below. */
		return cli_dispatch_long(&o);
	}
	die_usage("unknown command \"%s\"", cmd);
}

/* Entry for the long-running commands (consume, top, metrics, exporter,
 * bench): their option specs are parsed here so they share parse_opts. */
longopts LO;
int		 cli_rest;

int
cli_dispatch_long(cli *o)
{
	const char *cmd = o->argv[0];
	optspec		consume[] = {{"vt", 0, 1, &LO.vt, NULL},
							 {"concurrency", 'c', 1, &LO.conc, NULL},
							 {"archive", 0, 0, NULL, &LO.archive},
							 {"max", 0, 1, &LO.max, NULL},
							 {"poll", 0, 1, &LO.poll, NULL},
							 {"exit-when-empty", 0, 0, NULL, &LO.exit_empty},
							 {NULL, 0, 0, NULL, NULL}};
	optspec		top[] = {{"once", 0, 0, NULL, &LO.once},
						 {"interval", 0, 1, &LO.interval, NULL},
						 {"count", 0, 1, &LO.count, NULL},
						 {NULL, 0, 0, NULL, NULL}};
	optspec		metrics[] = {{"prometheus", 0, 0, NULL, &LO.prom}, {NULL, 0, 0, NULL, NULL}};
	optspec		exporter[] = {{"listen", 'l', 1, &LO.listen, NULL}, {NULL, 0, 0, NULL, NULL}};
	optspec		bench[] = {{"producers", 'P', 1, &LO.producers, NULL},
						   {"consumers", 'C', 1, &LO.consumers, NULL},
						   {"messages", 'n', 1, &LO.messages, NULL},
						   {"duration", 't', 1, &LO.duration, NULL},
						   {"batch", 0, 1, &LO.batch, NULL},
						   {"size", 0, 1, &LO.size, NULL},
						   {"queue", 0, 1, &LO.queue, NULL},
						   {"plain-libpq", 0, 0, NULL, &LO.plain},
						   {"rate", 0, 1, &LO.rate, NULL},
						   {NULL, 0, 0, NULL, NULL}};
	int			n;

	if (strcmp(cmd, "consume") == 0)
	{
		n = parse_opts(o, o->argc, o->argv, consume, &cli_rest);
		need_args(cmd, n, 1, 1, "QUEUE [OPTION]... -- COMMAND [ARG]...");
		if (cli_rest >= o->argc)
			die_usage("usage: pgmq consume QUEUE [OPTION]... -- COMMAND [ARG]...");
		return cmd_consume(o);
	}
	if (strcmp(cmd, "top") == 0)
	{
		n = parse_opts(o, o->argc, o->argv, top, NULL);
		need_args(cmd, n, 0, 0, "[--once] [--interval S] [--count N]");
		return cmd_top(o);
	}
	if (strcmp(cmd, "metrics") == 0)
	{
		n = parse_opts(o, o->argc, o->argv, metrics, NULL);
		need_args(cmd, n, 0, 1, "[QUEUE] [--json|--prometheus]");
		o->argc = n + 1;
		return cmd_metrics(o);
	}
	if (strcmp(cmd, "exporter") == 0)
	{
		n = parse_opts(o, o->argc, o->argv, exporter, NULL);
		need_args(cmd, n, 0, 0, "--listen ADDR:PORT");
		if (LO.listen == NULL)
			die_usage("exporter needs --listen ADDR:PORT");
		return cmd_exporter(o);
	}
	n = parse_opts(o, o->argc, o->argv, bench, NULL);
	need_args(cmd, n, 0, 0, "[--producers N] [--consumers M] [--messages N|--duration S] ...");
	return cmd_bench(o);
}
