/* The pgmq command: errors, connecting, JSON and tables. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *progname = "pgmq";

void
errorf(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"%s --help\" for more information.\n", progname);
	exit(EX_USAGE);
}

int
report(pgmq_client *c)
{
	const char *code = pgmq_errcode(c);

	errorf("%s (SQLSTATE %s)", pgmq_errmsg(c), code);
	if (pgmq_errdetail(c))
		fprintf(stderr, "%s: detail: %s\n", progname, pgmq_errdetail(c));
	if (pgmq_errhint(c))
		fprintf(stderr, "%s: hint: %s\n", progname, pgmq_errhint(c));
	if (strncmp(code, "08", 2) == 0)
		return EX_CONNECT;
	if (strcmp(code, "22023") == 0 && strstr(pgmq_errmsg(c), "argument"))
		return EX_USAGE;
	return EX_FAIL;
}

static void
cli_notice(void *arg, const char *severity, const char *message)
{
	(void) arg;
	fprintf(stderr, "%s: %s: %s\n", progname, severity, message);
}

pgmq_client *
cli_connect(const cli *o)
{
	const char	*kw[8], *val[8];
	int			 n = 0;
	char		*err = NULL;
	pgmq_client *c;

	/* dbname first: a URI or conninfo there is expanded, and the other
	 * options override it. */
	if (o->dbname)
	{
		kw[n] = "dbname";
		val[n++] = o->dbname;
	}
	if (o->host)
	{
		kw[n] = "host";
		val[n++] = o->host;
	}
	if (o->port)
	{
		kw[n] = "port";
		val[n++] = o->port;
	}
	if (o->user)
	{
		kw[n] = "user";
		val[n++] = o->user;
	}
	kw[n] = "fallback_application_name";
	val[n++] = "pgmq";
	kw[n] = NULL;
	val[n] = NULL;
	c = pgmq_connect_params(kw, val, &err);
	if (c == NULL)
	{
		const char *msg = err ? err : "could not connect";
		/* err is "SQLSTATE: message" */
		if (strlen(msg) > 7 && msg[5] == ':')
			errorf("%s (SQLSTATE %.5s)", msg + 7, msg);
		else
			errorf("%s", msg);
		pgmq_free(err);
		exit(EX_CONNECT);
	}
	pgmq_set_notice_handler(c, cli_notice, NULL);
	return c;
}

int
want_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-?") == 0)
			return 1;
	}
	return 0;
}

long
parse_long(const char *what, const char *s, long min, long max)
{
	char *end;
	long  v;

	if (s == NULL)
		die_usage("%s needs a value", what);
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max)
		die_usage("%s must be a whole number from %ld to %ld, not \"%s\"", what, min, max, s);
	return v;
}

double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
json_str(FILE *f, const char *s)
{
	if (s == NULL)
	{
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++)
	{
		unsigned char ch = (unsigned char) *s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* ---- a small JSON syntax checker (RFC 8259) ---- */

static const char *json_err;

static void
skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static int j_value(const char **p, int depth);

static int
j_string(const char **p)
{
	(*p)++;
	while (**p != '"')
	{
		unsigned char ch = (unsigned char) **p;
		if (ch == '\0' || ch < 0x20)
		{
			json_err = ch ? "control character in a string" : "unterminated string";
			return 0;
		}
		if (ch == '\\')
		{
			(*p)++;
			if (**p == 'u')
			{
				int i;
				for (i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", (*p)[i]) || (*p)[i] == '\0')
					{
						json_err = "bad \\u escape";
						return 0;
					}
				*p += 4;
			}
			else if (**p == '\0' || !strchr("\"\\/bfnrt", **p))
			{
				json_err = "bad escape in a string";
				return 0;
			}
		}
		(*p)++;
	}
	(*p)++;
	return 1;
}

static int
j_number(const char **p)
{
	const char *s = *p;

	if (**p == '-')
		(*p)++;
	if (**p == '0')
		(*p)++;
	else if (**p >= '1' && **p <= '9')
		while (**p >= '0' && **p <= '9')
			(*p)++;
	else
		goto bad;
	if (**p == '.')
	{
		(*p)++;
		if (!(**p >= '0' && **p <= '9'))
			goto bad;
		while (**p >= '0' && **p <= '9')
			(*p)++;
	}
	if (**p == 'e' || **p == 'E')
	{
		(*p)++;
		if (**p == '+' || **p == '-')
			(*p)++;
		if (!(**p >= '0' && **p <= '9'))
			goto bad;
		while (**p >= '0' && **p <= '9')
			(*p)++;
	}
	return *p > s;
bad:
	json_err = "bad number";
	return 0;
}

static int
j_value(const char **p, int depth)
{
	if (depth > 512)
	{
		json_err = "nested too deeply";
		return 0;
	}
	skip_ws(p);
	switch (**p)
	{
		case '"':
			return j_string(p);
		case '{':
			(*p)++;
			skip_ws(p);
			if (**p == '}')
			{
				(*p)++;
				return 1;
			}
			for (;;)
			{
				skip_ws(p);
				if (**p != '"')
				{
					json_err = "expected a string key";
					return 0;
				}
				if (!j_string(p))
					return 0;
				skip_ws(p);
				if (**p != ':')
				{
					json_err = "expected ':'";
					return 0;
				}
				(*p)++;
				if (!j_value(p, depth + 1))
					return 0;
				skip_ws(p);
				if (**p == ',')
				{
					(*p)++;
					continue;
				}
				if (**p == '}')
				{
					(*p)++;
					return 1;
				}
				json_err = "expected ',' or '}'";
				return 0;
			}
		case '[':
			(*p)++;
			skip_ws(p);
			if (**p == ']')
			{
				(*p)++;
				return 1;
			}
			for (;;)
			{
				if (!j_value(p, depth + 1))
					return 0;
				skip_ws(p);
				if (**p == ',')
				{
					(*p)++;
					continue;
				}
				if (**p == ']')
				{
					(*p)++;
					return 1;
				}
				json_err = "expected ',' or ']'";
				return 0;
			}
		case 't':
			if (strncmp(*p, "true", 4) == 0)
			{
				*p += 4;
				return 1;
			}
			break;
		case 'f':
			if (strncmp(*p, "false", 5) == 0)
			{
				*p += 5;
				return 1;
			}
			break;
		case 'n':
			if (strncmp(*p, "null", 4) == 0)
			{
				*p += 4;
				return 1;
			}
			break;
		case '\0':
			json_err = "empty";
			return 0;
		default:
			if (**p == '-' || (**p >= '0' && **p <= '9'))
				return j_number(p);
	}
	json_err = "unexpected character";
	return 0;
}

const char *
json_check(const char *s)
{
	const char *p = s;

	json_err = NULL;
	if (!j_value(&p, 0))
		return json_err ? json_err : "malformed";
	skip_ws(&p);
	if (*p != '\0')
		return "text after the JSON value";
	return NULL;
}

/* ---- tables ---- */

struct table
{
	int	   ncols, nrows, cap;
	char **cells; /* (nrows + 1) * ncols, row 0 the headers */
};

static char *
dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

table *
table_new(int ncols, const char *const *headers)
{
	table *t = calloc(1, sizeof *t);
	int	   i;

	t->ncols = ncols;
	t->cap = 16;
	t->cells = calloc((size_t) t->cap * ncols, sizeof(char *));
	for (i = 0; i < ncols; i++)
		t->cells[i] = dup_or_empty(headers[i]);
	t->nrows = 1;
	return t;
}

void
table_add(table *t, const char *const *cells)
{
	int i;

	if (t->nrows == t->cap)
	{
		t->cap *= 2;
		t->cells = realloc(t->cells, (size_t) t->cap * t->ncols * sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[(size_t) t->nrows * t->ncols + i] = dup_or_empty(cells[i]);
	t->nrows++;
}

void
table_print(table *t, FILE *f)
{
	int *w = calloc(t->ncols, sizeof *w), r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
		{
			int l = (int) strlen(t->cells[(size_t) r * t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	for (r = 0; r < t->nrows; r++)
	{
		for (c = 0; c < t->ncols; c++)
		{
			const char *s = t->cells[(size_t) r * t->ncols + c];
			if (c == t->ncols - 1)
				fprintf(f, "%s", s);
			else
				fprintf(f, "%-*s  ", w[c], s);
		}
		fputc('\n', f);
		if (r == 0)
		{
			for (c = 0; c < t->ncols; c++)
			{
				int i;
				for (i = 0; i < w[c]; i++)
					fputc('-', f);
				if (c < t->ncols - 1)
					fputs("  ", f);
			}
			fputc('\n', f);
		}
	}
	free(w);
}

void
table_free(table *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
