/* The stats socket: HAProxy's runtime API (reference §3). stats/cli.c
 * owns the sockets, the framing (§3.2: ';' chains, prompt mode, payload
 * after " <<", the empty line that ends every answer), the level checks
 * (§3.4), "help" and the unknown-command answers (§3.3). Commands live in
 * tables, one per module, each row HAProxy's words, usage line and
 * required level plus a handler; cli.c lists the tables (cli_tables[]).
 *
 * Threads: the CLI runs on the engine's main thread (its event base also
 * serves signals), never on a worker: a slow reader or a large dump costs
 * traffic nothing. Handlers may read shared runtime state (atomics, racy
 * snapshots are fine for stats) and change it only through the functions
 * meant for it (engine/server.h, listener pause/resume...).
 *
 * Output: a handler appends text to c->out. Each line it writes ends with
 * '\n'; cli.c adds the empty line that ends the answer. A dump that can be
 * large is written in pieces: parse() sets up a cursor in c->pos/c->priv
 * and returns CLI_MORE; cli.c then calls io() each time the socket has
 * room, until io() returns CLI_DONE (io() should return CLI_MORE once
 * c->out->len exceeds CLI_CHUNK). When the client goes away mid-dump,
 * release() (if set) runs and io() is not called again. */
#ifndef SLUICE_STATS_CLI_H
#define SLUICE_STATS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/util.h"
#include "parser/bind.h" /* enum cli_level, enum cli_severity */

struct engine;
struct event_base;
struct cli_conn;

#define CLI_MAX_WORDS 64  /* HAProxy's MAX_CLI_ARGS */
#define CLI_CHUNK 16384   /* io() yields once this much output is pending */

enum cli_ret { CLI_DONE, CLI_MORE };

struct cli_ctx {
	struct engine *eng;
	enum cli_level level;      /* of this connection now */
	struct sbuf *out;          /* append the answer here */
	char **args;               /* the command's words, unescaped */
	int nargs;
	const char *payload;       /* text after a " <<" line, or NULL */
	size_t payload_len;
	const struct cli_cmd *cmd;
	struct cli_conn *conn;     /* cli.c's, opaque */
	/* cursor of a streamed dump, zeroed before parse() */
	long pos[4];
	void *priv;
	void (*release)(struct cli_ctx *c); /* frees priv, if set */
};

struct cli_cmd {
	const char *kw[6];         /* leading keywords, NULL-terminated */
	const char *usage;         /* the help line, HAProxy's syntax text */
	const char *desc;          /* what it does, our words */
	enum cli_level level;      /* checked by cli.c before parse() */
	enum cli_ret (*parse)(struct cli_ctx *c);
	enum cli_ret (*io)(struct cli_ctx *c); /* NULL: parse() does all */
};

/* The tables (NULL-terminated: a row with kw[0] == NULL ends each). */
extern const struct cli_cmd cli_cmds_core[];   /* cli.c: help, prompt, quit, show cli..., operator, user, set timeout cli, set severity-output, show version, show env, show activity */
extern const struct cli_cmd cli_cmds_stat[];   /* stats/cmd_stat.c: show info/stat/schema, clear counters, show servers state|conn, show backend */
extern const struct cli_cmd cli_cmds_srv[];    /* stats/cmd_srv.c: server/frontend/maxconn/session commands, show sess */
extern const struct cli_cmd cli_cmds_map[];    /* stats/cmd_map.c: map and acl commands */
extern const struct cli_cmd cli_cmds_beyond[]; /* stats/cmd_route.c: show route, show sni */
extern const struct cli_cmd cli_cmds_proc[];   /* stats/cmd_proc.c: _getsocks (-x) */
extern const struct cli_cmd cli_cmds_ssl[];    /* stats/cmd_ssl.c: show/set/commit/abort/new/del ssl cert, show/add/del ssl crt-list */
extern const struct cli_cmd cli_cmds_cookie[]; /* stats/cmd_cookie.c: enable/disable dynamic-cookie, set dynamic-cookie-key */

/* Feedback (errors and notices, not data) as HAProxy's cli_err()/
 * cli_msg(): the text, prefixed "[3]: " or "[err]: " when the connection
 * asked "set severity-output number|string", then '\n'. fmt has no
 * trailing newline. sev: syslog severity (3 err, 6 info...). */
void cli_err(struct cli_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_msg(struct cli_ctx *c, int sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A message HAProxy writes without its trailing newline (the answer
 * then ends in a single '\n'), with the severity prefix all the same. */
void cli_msg_raw(struct cli_ctx *c, int sev, const char *text);
/* For commands whose level depends on their arguments ("clear counters
 * all"): true when the connection has lvl, else writes "Permission
 * denied" and returns false. */
bool cli_has_level(struct cli_ctx *c, enum cli_level lvl);

/* Opens every "stats socket" of the configuration (errors on stderr in
 * HAProxy's wording, -1). Called from engine_new(). */
int cli_open(struct engine *eng);
/* In a worker: the channel over which the master passes connections
 * (engine/proc_ipc.c), served by the next cli_open(), which owns it. */
void cli_set_master_fd(int fd);
/* Whether c came through a stats socket with "expose-fd listeners". */
bool cli_conn_exposes_fds(const struct cli_conn *c);
/* Serves them on base (the main thread's) until cli_close(). */
void cli_start(struct engine *eng, struct event_base *base);
/* Closes the sockets and every CLI connection; frees everything. */
void cli_close(struct engine *eng);
/* Counts a turn of the main thread's loop (for "show activity"). */
void cli_loop_turn(void);

/* The command-line parsing of one received line, for tests and the
 * fuzzer: splits line (without its '\n') into commands on unescaped ';'
 * and each command into words (spaces/tabs; "\;" is ';', "\\" is '\',
 * '\x' is 'x'; a trailing '\r' is dropped). Calls fn once per command
 * with its words; stops early when fn returns false. Returns the number
 * of commands seen. words beyond CLI_MAX_WORDS are dropped as HAProxy
 * does. */
size_t cli_split(const char *line, size_t len,
                 bool (*fn)(void *arg, char **words, int nwords), void *arg);

#endif
