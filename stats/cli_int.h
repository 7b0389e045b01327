/* Internals of the stats socket shared by stats/cli*.c and the tests:
 * the framing state machine of one connection (cli_conn.c), pure enough
 * to be driven without sockets (unit tests, fuzzer), and the sockets
 * around it (cli.c). */
#ifndef SLUICE_STATS_CLI_INT_H
#define SLUICE_STATS_CLI_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "stats/cli.h"

struct bufferevent;
struct event;

/* HAProxy's CLI request channel holds bufsize - maxrewrite bytes
 * (observed on 2.6.12: a line of 15360 bytes with its LF is always
 * answered; a longer one only sometimes, else the connection stalls). */
#define CLI_LINE_MAX 15360
/* Bytes of a payload (after " <<") kept, as HAProxy's 16 kB chunk. */
#define CLI_PAYLOAD_MAX 16384

/* What cli_piece() found at the start of a buffer. */
enum cli_piece_res {
	CLI_PIECE_NEED_MORE,  /* no LF yet */
	CLI_PIECE_OK,         /* one command line, see out parameters */
};

/* HAProxy's line reader: the first command of buf (up to an LF, or to an
 * unescaped ';' when !payload), without its '\r'. *consumed: bytes to drop
 * from buf (including the separator); *plen: length of the piece. */
enum cli_piece_res cli_piece(const char *buf, size_t len, bool payload,
                             size_t *consumed, size_t *plen);

/* HAProxy's word splitter over s[0..len) (modified in place: NULs end
 * the words, escapes are removed). Words beyond CLI_MAX_WORDS are
 * dropped. A word "<<" that ends its NUL-terminated segment stops the
 * split; *payload_at is then the offset after it + 1, else -1.
 * Returns the number of words stored in words[]. */
int cli_words(char *s, size_t len, char **words, long *payload_at);

struct cli_listener;
struct cli_state;

/* One CLI connection. The framing core (cli_conn.c) reads c->in and
 * appends to c->out; cli.c moves bytes between them and the socket. */
struct cli_conn {
	struct cli_state *st;          /* NULL when driven without sockets */
	struct cli_listener *l;
	const struct cli_cmd *const *tables; /* NULL-terminated list */
	struct engine *eng;
	enum cli_level level;
	enum cli_severity sev;
	bool prompt;                   /* interactive mode */
	bool payload;                  /* gathering lines after " <<" */
	bool busy;                     /* a streamed dump is running */
	bool quit;                     /* close once out is sent */
	bool eof;                      /* the client shut its write side and
	                                * everything it sent is in c->in */
	bool sock_eof;                 /* cli.c: the socket saw the end */
	bool stalled;                  /* a line too long: read no more */
	struct sbuf in;                /* received, not yet processed */
	struct sbuf out;               /* to send */
	struct sbuf cmd;               /* the " <<" line and its payload */
	size_t ext_pending;            /* bytes queued on the socket (cli.c) */
	long timeout_ms;               /* idle timeout of this connection */
	struct cli_ctx ctx;            /* of the running command */
	/* sockets (cli.c) */
	int fd;
	struct sockaddr_storage peer;  /* the client (AF_UNIX: unix socket) */
	int luid;                      /* the stats socket's number, from 1,
	                                * as HAProxy's "show sess" src=unix:N */
	struct bufferevent *bev;
	struct event *timer;
	struct cli_conn *prev, *next;
};

/* A connection without a socket (tests, fuzzer). tables: NULL for
 * cli_tables. */
struct cli_conn *cli_conn_new(struct engine *eng, const struct cli_cmd *const *tables,
                              enum cli_level level);
/* Frees what cli_conn_new and the core allocated (runs release()). */
void cli_conn_free(struct cli_conn *c);
/* Appends received bytes (never more than the line limit allows: the
 * return is how many were taken). */
size_t cli_conn_input(struct cli_conn *c, const char *data, size_t len);
/* Runs commands from c->in until it needs more input, the output is
 * over CLI_CHUNK (c->out.len + c->ext_pending), or the connection is
 * done. Returns true when the connection should close once its output
 * is sent. */
bool cli_conn_run(struct cli_conn *c);

/* Every command table, NULL-terminated (cli.c). */
extern const struct cli_cmd *const cli_tables[];

/* The help / unknown-command text (cli_conn.c): ishelp for "help
 * [words]", else the answer to an unknown command. */
void cli_usage(struct cli_ctx *c, char **args, int nargs, bool ishelp);

/* For "show cli sockets" and "show activity" (cli.c). */
void cli_sockets_dump(struct cli_ctx *c);
/* accepted and cur are also read by "show info" (CumConns, CumReq,
 * Jobs, which count CLI connections in HAProxy) from any thread. */
struct cli_activity {
	unsigned long long loops;      /* turns of the main thread's loop */
	atomic_ullong accepted;        /* CLI connections accepted */
	unsigned long long commands;   /* commands run */
	atomic_int cur;                /* CLI connections open now */
	atomic_bool master;            /* a worker listening to its master:
	                                * one more listener, and HAProxy's
	                                * only "Unstoppable Jobs" */
};
extern struct cli_activity cli_activity;

#endif
