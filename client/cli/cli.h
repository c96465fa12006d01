/* The pgmq command: shared declarations. */
#ifndef PGMQ_CLI_H
#define PGMQ_CLI_H

#include "pgmq.h"

#include <stdio.h>

/* Exit codes (docs/cli.md). */
#define EX_OK		0
#define EX_FAIL		1 /* the server refused: unknown queue, bad input, ... */
#define EX_USAGE	2 /* bad command line */
#define EX_CONNECT	3 /* could not connect or authenticate, or pgmq missing/unsupported */
#define EX_NOTFOUND 4 /* delete/archive/set-vt/drop matched nothing */
#define EX_HANDLER	5 /* consume: stopped because a handler could not be started */

typedef struct cli
{
	const char *dbname, *host, *port, *user;
	int			json;
	int			argc;
	char	  **argv; /* the subcommand's arguments, argv[0] its name */
} cli;

extern const char *progname;

void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the client's error and returns the exit code for it. */
int report(pgmq_client *c);
/* Connects with the command-line options; exits with EX_CONNECT on failure. */
pgmq_client *cli_connect(const cli *o);

/* Option parsing helpers: the subcommand's own options, "--help" always. */
int	 want_help(int argc, char **argv);
long parse_long(const char *what, const char *s, long min, long max);

/* JSON */
void json_str(FILE *f, const char *s); /* quoted and escaped, or null */
/* NULL if s is one well-formed JSON value, else a static description. */
const char *json_check(const char *s);

/* Tables for people: add rows of strings, then print aligned. */
typedef struct table table;
table				*table_new(int ncols, const char *const *headers);
void				 table_add(table *t, const char *const *cells);
void				 table_print(table *t, FILE *f);
void				 table_free(table *t);

double now_sec(void);

typedef struct longopts
{
	const char *vt, *conc, *max, *interval, *count, *listen, *producers, *consumers, *messages,
		*duration, *batch, *size, *queue, *poll, *rate;
	int archive, exit_empty, once, prom, plain;
} longopts;

extern longopts LO;
extern int		cli_rest; /* consume: index of COMMAND in argv */
int				cli_dispatch_long(cli *o);

int cmd_consume(const cli *o);
int cmd_top(const cli *o);
int cmd_metrics(const cli *o);
int cmd_exporter(const cli *o);
int cmd_bench(const cli *o);
/* Prometheus text for all queues into a malloc'd string (NULL on error). */
/* only: one queue's samples (NULL: all). */
char *prometheus_text(pgmq_client *c, double scrape_started, const char *only);

#endif
