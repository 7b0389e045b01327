/* bind lines (reference §1.10) and global "stats socket" lines, which
 * take the same options. A struct cfg_bind is owned by its proxy
 * (px->binds) or by global (g->stats_sockets); bind_free() frees. */
#ifndef SLUICE_PARSER_BIND_H
#define SLUICE_PARSER_BIND_H

#include <sys/types.h>

#include "addr.h"
#include "cfg.h"
#include "kw.h"
#include "ssl_opts.h"

struct cfg_proxy;

/* One line of a crt-list file:
 * <crtfile> [[<sslbindconf> ...]] [[!]<snifilter> ...] */
struct cfg_crtlist_entry {
	char *crt;                 /* path, crt-base applied */
	struct cfg_loc loc;        /* crt-list file:line */
	bool has_conf;             /* a [...] block was given */
	struct sslo_bind_conf conf; /* its settings (override the bind's) */
	VEC(char *) filters;       /* SNI filters as written ("!x", "*.d") */
};

struct cfg_crtlist {
	char *path;
	VEC(struct cfg_crtlist_entry) entries;
};

enum bind_proto { BIND_PROTO_AUTO, BIND_PROTO_H1, BIND_PROTO_H2, BIND_PROTO_NONE };
enum cli_level { CLI_LEVEL_USER, CLI_LEVEL_OPERATOR, CLI_LEVEL_ADMIN };
enum cli_severity { CLI_SEV_NONE, CLI_SEV_NUMBER, CLI_SEV_STRING };

struct cfg_bind {
	struct cfg_loc loc;       /* the address word */
	char *text;               /* the address word as written */
	struct cfg_proxy *px;     /* NULL for a stats socket */
	struct cfg_addr *addrs;   /* one per comma-separated element */
	size_t naddrs;

	/* TLS termination */
	bool ssl;
	VEC(char *) crts;         /* crt paths (crt-base applied), in order */
	VEC(struct cfg_crtlist *) crtlists;
	struct sslo_bind_conf ssl_conf;
	struct sslo_opts ssl_opts; /* global ssl-default-bind-options merged at resolve */
	char *ca_ignore_err, *crt_ignore_err; /* "all" or comma-separated ids */
	bool strict_sni;
	char *tls_ticket_keys;

	/* socket and listener settings; 0 = default unless noted */
	bool accept_proxy, defer_accept, tfo, transparent, v4v6, v6only;
	char *interface;
	int mss;                  /* negative: as in HAProxy, "at most" */
	uint32_t tcp_ut;          /* ms */
	int backlog, maxconn;
	int id;                   /* 0 = auto */
	char *name;
	enum bind_proto proto;
	char *thread;             /* thread set as written, NULL = all */

	/* UNIX sockets */
	int mode;                 /* -1 = unset */
	uid_t uid; bool uid_set;
	gid_t gid; bool gid_set;

	/* stats sockets */
	enum cli_level level;     /* default operator */
	enum cli_severity severity_output;
	bool expose_fd_listeners;
};

/* Parses "<addr> [options]" of a bind or stats socket line: w[addri] is
 * the address. px is the owning proxy (NULL for a stats socket, which
 * changes the message prefixes and allows level/expose-fd/...). Returns
 * the bind, or NULL after reporting. */
struct cfg_bind *bind_parse(struct cfg_ctx *cx, struct cfg_proxy *px,
                            struct cfg_word *w, int n, int addri);

void bind_free(struct cfg_bind *b);

/* Loads a crt-list file (exposed for tests). NULL on error (reported,
 * with the crt-list file's own file:line:col). */
struct cfg_crtlist *bind_crtlist_load(struct cfg_ctx *cx,
                                      const struct cfg_word *at,
                                      const char *path);
void bind_crtlist_free(struct cfg_crtlist *l);

#endif
