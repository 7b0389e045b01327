/* The core CLI commands (reference §3.3, §3.4): help, prompt, quit,
 * levels, the connection's settings, show version/env/activity, and the
 * HAProxy 2.6 commands sluice does not implement, each answering so in
 * one line (help still lists them as HAProxy does). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "engine/engine.h"
#include "stats/cli_int.h"

extern char **environ;

void cli_conn_set_timeout(struct cli_conn *c, long ms);

#define U CLI_LEVEL_USER
#define O CLI_LEVEL_OPERATOR
#define A CLI_LEVEL_ADMIN

static const char *
arg(const struct cli_ctx *c, int i)
{
	return i < c->nargs ? c->args[i] : "";
}

static enum cli_ret
cmd_help(struct cli_ctx *c)
{
	cli_usage(c, c->args, c->nargs, true);
	return CLI_DONE;
}

static enum cli_ret
cmd_prompt(struct cli_ctx *c)
{
	c->conn->prompt = !c->conn->prompt;
	return CLI_DONE;
}

static enum cli_ret
cmd_quit(struct cli_ctx *c)
{
	c->conn->quit = true;
	return CLI_DONE;
}

/* "operator" and "user" only lower the level */
static enum cli_ret
cmd_level(struct cli_ctx *c)
{
	enum cli_level want = strcmp(c->args[0], "user") == 0 ? U : O;
	if (!cli_has_level(c, want))
		return CLI_DONE;
	c->level = want;
	return CLI_DONE;
}

static enum cli_ret
cmd_show_cli_level(struct cli_ctx *c)
{
	static const char *const names[] = { "user", "operator", "admin" };
	sbuf_addf(c->out, "%s\n", names[c->level]);
	return CLI_DONE;
}

static enum cli_ret
cmd_show_cli_sockets(struct cli_ctx *c)
{
	cli_sockets_dump(c);
	return CLI_DONE;
}

/* HAProxy's parse_time_err() with seconds as the default unit: returns
 * milliseconds, or -1. */
static long
parse_delay_s(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned long long mult_num = 1000, mult_den = 1; /* seconds */
	if (strcmp(end, "us") == 0) {
		mult_num = 1;
		mult_den = 1000;
	} else if (strcmp(end, "ms") == 0) {
		mult_num = 1;
	} else if (strcmp(end, "s") == 0 || *end == 0) {
		mult_num = 1000;
	} else if (strcmp(end, "m") == 0) {
		mult_num = 60000;
	} else if (strcmp(end, "h") == 0) {
		mult_num = 3600000;
	} else if (strcmp(end, "d") == 0) {
		mult_num = 86400000;
	} else {
		return -1;
	}
	if (v > 2147483647ULL / mult_num)
		return -1;
	return (long)(v * mult_num / mult_den);
}

static enum cli_ret
cmd_set_timeout(struct cli_ctx *c)
{
	if (strcmp(arg(c, 2), "cli") != 0) {
		cli_err(c, "'set timeout' only supports 'cli'.");
		return CLI_DONE;
	}
	if (!*arg(c, 3)) {
		cli_err(c, "Expects an integer value.");
		return CLI_DONE;
	}
	long ms = parse_delay_s(arg(c, 3));
	if (ms < 1) {
		cli_err(c, "Invalid timeout value.");
		return CLI_DONE;
	}
	cli_conn_set_timeout(c->conn, ms);
	return CLI_DONE;
}

static enum cli_ret
cmd_set_severity(struct cli_ctx *c)
{
	const char *v = arg(c, 2);
	if (strcmp(v, "none") == 0)
		c->conn->sev = CLI_SEV_NONE;
	else if (strcmp(v, "number") == 0)
		c->conn->sev = CLI_SEV_NUMBER;
	else if (strcmp(v, "string") == 0)
		c->conn->sev = CLI_SEV_STRING;
	else
		cli_err(c, "one of 'none', 'number', 'string' is a required argument");
	return CLI_DONE;
}

static enum cli_ret
cmd_show_version(struct cli_ctx *c)
{
	sbuf_addf(c->out, "%s\n", SLUICE_VERSION);
	return CLI_DONE;
}

/* The environment can be large: one variable per io() step batch. */
static enum cli_ret
io_show_env(struct cli_ctx *c)
{
	while (environ[c->pos[0]]) {
		sbuf_addf(c->out, "%s\n", environ[c->pos[0]]);
		c->pos[0]++;
		if (c->out->len > CLI_CHUNK)
			return CLI_MORE;
	}
	return CLI_DONE;
}

static enum cli_ret
cmd_show_env(struct cli_ctx *c)
{
	const char *name = arg(c, 2);
	if (*name) {
		size_t n = strlen(name);
		for (char **e = environ; *e; e++)
			if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
				sbuf_addf(c->out, "%s\n", *e);
				return CLI_DONE;
			}
		cli_err(c, "Variable not found");
		return CLI_DONE;
	}
	return io_show_env(c);
}

/* Only what sluice measures; HAProxy's scheduler counters (tasksw,
 * empty_rq, poll_*, stream_calls...) have no equivalent here. */
static enum cli_ret
cmd_show_activity(struct cli_ctx *c)
{
	struct timeval tv;
	struct rusage ru;
	unsigned long long accepted = cli_activity.accepted;
	int nthr = c->eng ? c->eng->nthreads : 1;

	gettimeofday(&tv, NULL);
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		memset(&ru, 0, sizeof(ru));
	for (size_t i = 0; c->eng && i < c->eng->nfrontends; i++)
		accepted += atomic_load(&c->eng->frontends[i].cum_conn);
	/* the CLI runs on the main thread, which is none of the workers */
	sbuf_addf(c->out, "thread_id: 0 (1..%d)\n", nthr);
	sbuf_addf(c->out, "date_now: %lu.%06lu\n", (unsigned long)tv.tv_sec, (unsigned long)tv.tv_usec);
	sbuf_addf(c->out, "ctxsw: %llu\n", (unsigned long long)(ru.ru_nvcsw + ru.ru_nivcsw));
	sbuf_addf(c->out, "loops: %llu\n", cli_activity.loops);
	sbuf_addf(c->out, "cli_commands: %llu\n", cli_activity.commands);
	sbuf_addf(c->out, "accepted: %llu\n", accepted);
	return CLI_DONE;
}

/* ---- what sluice does not run ---------------------------------------------- */

static enum cli_ret
cmd_unsupported(struct cli_ctx *c)
{
	const struct cli_cmd *k = c->cmd;
	struct sbuf w = { 0 };
	for (int i = 0; i < 5 && k->kw[i]; i++) {
		if (i)
			sbuf_addc(&w, ' ');
		sbuf_adds(&w, k->kw[i]);
	}
	cli_err(c, "'%s' is not supported by sluice (%s).", w.s, k->desc);
	free(w.s);
	return CLI_DONE;
}

#define NOSUP(lvl, why, usage_, ...) \
	{ .kw = { __VA_ARGS__, NULL }, .usage = usage_, .desc = why, .level = lvl, .parse = cmd_unsupported }

#define WHY_SSL "no CA or CRL file changes at run time"
#define WHY_TABLE "no stick tables"
#define WHY_DYN "no dynamic servers"
#define WHY_DEBUG "no HAProxy internals to inspect"

const struct cli_cmd cli_cmds_core[] = {
	{ { "help", NULL }, "help [<command>]", "list matching or all commands", U, cmd_help, NULL },
	{ { "prompt", NULL }, "prompt", "toggle interactive mode with prompt", U, cmd_prompt, NULL },
	{ { "quit", NULL }, "quit", "disconnect", U, cmd_quit, NULL },
	{ { "operator", NULL }, "operator", "lower the level of the current CLI session to operator", U, cmd_level, NULL },
	{ { "user", NULL }, "user", "lower the level of the current CLI session to user", U, cmd_level, NULL },
	{ { "show", "cli", "level", NULL }, "show cli level", "display the level of the current CLI session", U, cmd_show_cli_level, NULL },
	{ { "show", "cli", "sockets", NULL }, "show cli sockets", "dump list of cli sockets", U, cmd_show_cli_sockets, NULL },
	{ { "set", "timeout", NULL }, "set timeout [cli] <delay>", "change the idle timeout of this CLI session", U, cmd_set_timeout, NULL },
	{ { "set", "severity-output", NULL }, "set severity-output [none|number|string]", "prefix feedback with its severity", U, cmd_set_severity, NULL },
	{ { "show", "version", NULL }, "show version", "show the version of the running sluice", U, cmd_show_version, NULL },
	{ { "show", "env", NULL }, "show env [var]", "dump the environment of the process", O, cmd_show_env, io_show_env },
	{ { "show", "activity", NULL }, "show activity", "show the activity counters sluice keeps", U, cmd_show_activity, NULL },

	NOSUP(A, WHY_SSL, "abort ssl ca-file <cafile>", "abort", "ssl", "ca-file"),
	NOSUP(A, WHY_SSL, "abort ssl crl-file <crlfile>", "abort", "ssl", "crl-file"),
	NOSUP(A, WHY_DYN, "add server <bk>/<srv>", "add", "server"),
	NOSUP(O, WHY_TABLE, "clear table <table> [<filter>]*", "clear", "table"),
	NOSUP(A, WHY_SSL, "commit ssl ca-file <cafile>", "commit", "ssl", "ca-file"),
	NOSUP(A, WHY_SSL, "commit ssl crl-file <crlfile>", "commit", "ssl", "crl-file"),
	NOSUP(A, WHY_DYN, "del server <bk>/<srv>", "del", "server"),
	NOSUP(A, WHY_SSL, "del ssl ca-file <cafile>", "del", "ssl", "ca-file"),
	NOSUP(A, WHY_SSL, "del ssl crl-file <crlfile>", "del", "ssl", "crl-file"),
	NOSUP(O, "no variables at run time", "get var <name>", "get", "var"),
	NOSUP(A, WHY_SSL, "new ssl ca-file <cafile>", "new", "ssl", "ca-file"),
	NOSUP(A, WHY_SSL, "new ssl crlfile <crlfile>", "new", "ssl", "crl-file"),
	NOSUP(A, "no profiling", "set profiling <what> {auto|on|off}", "set", "profiling"),
	NOSUP(A, WHY_SSL, "set ssl ca-file <cafile> <payload>", "set", "ssl", "ca-file"),
	NOSUP(A, WHY_SSL, "set ssl crl-file <crlfile> <payload>", "set", "ssl", "crl-file"),
	NOSUP(U, "no OCSP stapling", "set ssl ocsp-response <resp|payload>", "set", "ssl", "ocsp-response"),
	NOSUP(U, "no TLS session ticket keys", "set ssl tls-key [id|file] <key>", "set", "ssl", "tls-key"),
	NOSUP(O, WHY_TABLE, "set table <table> key <k> [data.* <v>]*", "set", "table"),
	NOSUP(A, "no cache", "show cache", "show", "cache"),
	NOSUP(O, "no event rings", "show events [<sink>] [-w] [-n]", "show", "events"),
	NOSUP(O, WHY_DEBUG, "show fd [num]", "show", "fd"),
	NOSUP(U, WHY_DEBUG, "show libs", "show", "libs"),
	NOSUP(U, "no peers", "show peers [dict|-] [section]", "show", "peers"),
	NOSUP(U, WHY_DEBUG, "show pools", "show", "pools"),
	NOSUP(A, "no profiling", "show profiling [<what>|<#lines>|byaddr]*", "show", "profiling"),
	NOSUP(U, "no resolvers", "show resolvers [id]", "show", "resolvers"),
	NOSUP(O, WHY_SSL, "show ssl ca-file [<cafile>[:<index>]]", "show", "ssl", "ca-file"),
	NOSUP(O, WHY_SSL, "show ssl crl-file [<crlfile[:<index>>]]", "show", "ssl", "crl-file"),
	NOSUP(U, "no OCSP stapling", "show ssl ocsp-response [id]", "show", "ssl", "ocsp-response"),
	NOSUP(U, WHY_DEBUG, "show ssl providers", "show", "ssl", "providers"),
	NOSUP(O, "no startup log buffer", "show startup-logs", "show", "startup-logs"),
	NOSUP(U, WHY_TABLE, "show table <table> [<filter>]*", "show", "table"),
	NOSUP(U, WHY_DEBUG, "show tasks", "show", "tasks"),
	NOSUP(U, WHY_DEBUG, "show threads", "show", "threads"),
	NOSUP(U, "no TLS session ticket keys", "show tls-keys [id|*]", "show", "tls-keys"),
	NOSUP(O, "no traces", "show trace [<module>]", "show", "trace"),
	NOSUP(O, "no traces", "trace [<module>|0] [cmd [args...]]", "trace"),
	{ .kw = { NULL } },
};
