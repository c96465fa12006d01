/*
 * pgmq consume QUEUE -- COMMAND...: runs COMMAND once per message.
 *
 * Each of --concurrency workers has its own connection and long-polls for
 * one message, runs COMMAND with the message on stdin and PGMQ_QUEUE,
 * PGMQ_MSG_ID, PGMQ_READ_CT, PGMQ_ENQUEUED_AT (and PGMQ_HEADERS) in the
 * environment, extends the message's visibility timeout while COMMAND
 * runs, and deletes (or with --archive archives) the message when COMMAND
 * exits 0. Any other outcome leaves the message to be delivered again once
 * its visibility timeout runs out.
 *
 * SIGINT/SIGTERM: stop taking messages (polls in progress are cancelled),
 * let the running COMMANDs finish and acknowledge them, then exit. COMMAND
 * runs in a process group of its own, so a terminal's ^C reaches only
 * pgmq; a second signal passes SIGTERM on to the running COMMANDs.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct worker
{
	pthread_t		thread;
	pgmq_client	   *c;
	pthread_mutex_t lock;
	int				polling;
	pid_t			child;
	int				done;
} worker;

static const cli  *opts;
static const char *queue;
static char		 **command;
static int		   vt = 30, poll_s = 5, do_archive, exit_empty;
static long		   max_msgs = -1;

static volatile int	   stopping;
static long			   reserved, handled, succeeded, failed_ct;
static int			   fatal_rc = EX_OK;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void
set_fatal(int rc)
{
	pthread_mutex_lock(&count_lock);
	if (fatal_rc == EX_OK)
		fatal_rc = rc;
	stopping = 1;
	pthread_mutex_unlock(&count_lock);
}

static char **
build_env(const pgmq_message *m)
{
	size_t n = 0, i;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 6, sizeof *env);
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	if (asprintf(&env[n++], "PGMQ_QUEUE=%s", queue) < 0 ||
		asprintf(&env[n++], "PGMQ_MSG_ID=%" PRId64, m->msg_id) < 0 ||
		asprintf(&env[n++], "PGMQ_READ_CT=%d", (int) m->read_ct) < 0 ||
		asprintf(&env[n++], "PGMQ_ENQUEUED_AT=%s", m->enqueued_at ? m->enqueued_at : "") < 0 ||
		asprintf(&env[n++], "PGMQ_HEADERS=%s", m->headers ? m->headers : "") < 0)
		abort();
	return env;
}

static void
free_env(char **env)
{
	size_t n = 0, i;

	while (environ[n])
		n++;
	for (i = n; env[i]; i++)
		free(env[i]);
	free(env);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Runs COMMAND for m. Returns its wait status, or -1 if it could not be
 * started (errno in *err). */
static int
run_handler(worker *w, const pgmq_message *m, int *err)
{
	int		 in[2], ep[2], status = 0;
	char   **env = build_env(m);
	pid_t	 pid;
	double	 next_extend = now_sec() + (vt > 1 ? vt / 2.0 : 0.5);
	sigset_t all;
	ssize_t	 r;
	size_t	 len = m->message ? strlen(m->message) : 0, off = 0;

	*err = 0;
	if (pipe(in) < 0 || pipe2(ep, O_CLOEXEC) < 0)
	{
		*err = errno;
		free_env(env);
		return -1;
	}
	pid = fork();
	if (pid == 0)
	{
		setpgid(0, 0);
		sigemptyset(&all);
		pthread_sigmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		close(ep[0]);
		execvpe(command[0], command, env);
		r = write(ep[1], &errno, sizeof errno);
		(void) r;
		_exit(127);
	}
	close(in[0]);
	close(ep[1]);
	free_env(env);
	if (pid < 0)
	{
		*err = errno;
		close(in[1]);
		close(ep[0]);
		return -1;
	}
	pthread_mutex_lock(&w->lock);
	w->child = pid;
	pthread_mutex_unlock(&w->lock);
	if (read(ep[0], err, sizeof *err) == sizeof *err)
	{
		close(ep[0]);
		close(in[1]);
		waitpid(pid, &status, 0);
		pthread_mutex_lock(&w->lock);
		w->child = 0;
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	close(ep[0]);
	*err = 0;
	/* The message and a newline on stdin; a COMMAND that does not read it
	 * gets EPIPE ignored (SIGPIPE is ignored in pgmq). */
	while (off < len && (r = write(in[1], m->message + off, len - off)) > 0)
		off += r;
	if (off == len)
		r = write(in[1], "\n", 1);
	close(in[1]);

	for (;;)
	{
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR)
		{
			status = 255 << 8;
			break;
		}
		if (now_sec() >= next_extend)
		{
			pgmq_messages ext;
			/* Keep the message hidden while COMMAND runs. */
			if (pgmq_set_vt(w->c, queue, m->msg_id, vt, &ext) == 0)
				pgmq_messages_free(&ext);
			else
				errorf("message %" PRId64 ": could not extend its visibility timeout: %s",
					   m->msg_id, pgmq_errmsg(w->c));
			next_extend = now_sec() + (vt > 1 ? vt / 2.0 : 0.5);
		}
		sleep_ms(20);
	}
	pthread_mutex_lock(&w->lock);
	w->child = 0;
	pthread_mutex_unlock(&w->lock);
	return status;
}

static void *
work(void *arg)
{
	worker *w = arg;

	while (!stopping)
	{
		pgmq_messages m;
		int			  rc, status, err;
		pgmq_message *msg;

		pthread_mutex_lock(&count_lock);
		if (max_msgs >= 0 && reserved >= max_msgs)
		{
			pthread_mutex_unlock(&count_lock);
			break;
		}
		reserved++;
		pthread_mutex_unlock(&count_lock);

		pthread_mutex_lock(&w->lock);
		if (stopping)
		{
			pthread_mutex_unlock(&w->lock);
			break;
		}
		w->polling = 1;
		pthread_mutex_unlock(&w->lock);
		rc = pgmq_read_with_poll(w->c, queue, vt, 1, poll_s, 100, &m);
		pthread_mutex_lock(&w->lock);
		w->polling = 0;
		pthread_mutex_unlock(&w->lock);

		if (rc < 0 || m.count == 0)
		{
			pthread_mutex_lock(&count_lock);
			reserved--;
			pthread_mutex_unlock(&count_lock);
		}
		if (rc < 0)
		{
			if (stopping && strcmp(pgmq_errcode(w->c), "57014") == 0)
				break;
			set_fatal(report(w->c));
			break;
		}
		if (m.count == 0)
		{
			if (exit_empty)
				break;
			continue;
		}
		msg = &m.items[0];
		status = run_handler(w, msg, &err);
		if (status < 0)
		{
			errorf("cannot run \"%s\": %s; message %" PRId64 " is left in the queue", command[0],
				   strerror(err), msg->msg_id);
			set_fatal(EX_HANDLER);
			pgmq_messages_free(&m);
			break;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		{
			int found = 0;
			rc = do_archive ? pgmq_archive(w->c, queue, msg->msg_id, &found) : pgmq_delete(w->c, queue, msg->msg_id, &found);
			if (rc < 0)
			{
				set_fatal(report(w->c));
				pgmq_messages_free(&m);
				break;
			}
			pthread_mutex_lock(&count_lock);
			handled++;
			succeeded++;
			pthread_mutex_unlock(&count_lock);
		}
		else
		{
			if (WIFEXITED(status))
				fprintf(stderr,
						"%s: message %" PRId64 ": \"%s\" exited with status %d; the message "
						"will be delivered again after its visibility timeout\n",
						progname, msg->msg_id, command[0], WEXITSTATUS(status));
			else
				fprintf(stderr,
						"%s: message %" PRId64 ": \"%s\" was killed by signal %d; the message "
						"will be delivered again after its visibility timeout\n",
						progname, msg->msg_id, command[0], WTERMSIG(status));
			pthread_mutex_lock(&count_lock);
			handled++;
			failed_ct++;
			pthread_mutex_unlock(&count_lock);
		}
		pgmq_messages_free(&m);
	}
	pthread_mutex_lock(&w->lock);
	w->done = 1;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int
cmd_consume(const cli *o)
{
	int				conc = 1, i, nsig = 0, alive;
	worker		   *ws;
	sigset_t		set;
	struct timespec tick = {0, 100000000L};

	opts = o;
	queue = o->argv[1];
	command = o->argv + cli_rest;
	if (LO.vt)
		vt = (int) parse_long("--vt", LO.vt, 1, 86400 * 365);
	if (LO.conc)
		conc = (int) parse_long("--concurrency", LO.conc, 1, 1000);
	if (LO.max)
		max_msgs = parse_long("--max", LO.max, 0, 2147483647L);
	if (LO.poll)
		poll_s = (int) parse_long("--poll", LO.poll, 1, 3600);
	do_archive = LO.archive;
	exit_empty = LO.exit_empty;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	ws = calloc(conc, sizeof *ws);
	for (i = 0; i < conc; i++)
	{
		ws[i].c = cli_connect(o);
		pthread_mutex_init(&ws[i].lock, NULL);
	}
	{
		/* Fail early on an unknown queue rather than in every poll. */
		pgmq_metric mt;
		if (pgmq_metrics(ws[0].c, queue, &mt) < 0)
		{
			int rc = report(ws[0].c);
			for (i = 0; i < conc; i++)
				pgmq_close(ws[i].c);
			free(ws);
			return rc;
		}
		pgmq_metric_free(&mt);
	}
	for (i = 0; i < conc; i++)
		pthread_create(&ws[i].thread, NULL, work, &ws[i]);

	for (;;)
	{
		int sig = sigtimedwait(&set, NULL, &tick);
		alive = 0;
		for (i = 0; i < conc; i++)
		{
			pthread_mutex_lock(&ws[i].lock);
			alive += !ws[i].done;
			pthread_mutex_unlock(&ws[i].lock);
		}
		if (alive == 0)
			break;
		if (sig == SIGINT || sig == SIGTERM || (stopping && nsig == 0))
		{
			if (sig == SIGINT || sig == SIGTERM)
				nsig++;
			stopping = 1;
			if (nsig <= 1)
			{
				if (sig > 0)
					fprintf(stderr, "%s: stopping: finishing the messages in flight\n",
							progname);
				if (nsig == 0)
					nsig = 1; /* stopping on its own (an error): cancel once */
				for (i = 0; i < conc; i++)
				{
					pthread_mutex_lock(&ws[i].lock);
					if (ws[i].polling)
						pgmq_cancel(ws[i].c);
					pthread_mutex_unlock(&ws[i].lock);
				}
			}
			else if (sig > 0)
			{
				fprintf(stderr, "%s: passing SIGTERM to the running commands\n", progname);
				for (i = 0; i < conc; i++)
				{
					pthread_mutex_lock(&ws[i].lock);
					if (ws[i].child > 0)
						kill(-ws[i].child, SIGTERM);
					pthread_mutex_unlock(&ws[i].lock);
				}
			}
		}
	}
	for (i = 0; i < conc; i++)
	{
		pthread_join(ws[i].thread, NULL);
		pgmq_close(ws[i].c);
		pthread_mutex_destroy(&ws[i].lock);
	}
	free(ws);
	if (o->json)
		printf("{\"handled\": %ld, \"succeeded\": %ld, \"failed\": %ld}\n", handled, succeeded,
			   failed_ct);
	else
		fprintf(stderr, "%s: %ld messages handled: %ld succeeded (%s), %ld failed (left for "
						"redelivery)\n",
				progname, handled, succeeded, do_archive ? "archived" : "deleted", failed_ct);
	if (fatal_rc != EX_OK)
		return fatal_rc;
	return failed_ct ? EX_FAIL : EX_OK;
}
