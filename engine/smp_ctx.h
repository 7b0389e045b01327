/* What sample fetches, ACLs and log formats can see of a session. The
 * engine fills one for each evaluation; the evaluator (engine/smp_eval.c)
 * reads it and never keeps pointers into it. */
#ifndef SLUICE_ENGINE_SMP_CTX_H
#define SLUICE_ENGINE_SMP_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/sess_addr.h"
#include "proto/clienthello.h"

struct cfg;
struct cfg_bind;
struct cfg_proxy;
struct cfg_server;
struct smp_vars;
struct engine;
struct session;
struct h1q_req;
struct h1r_resp;
struct ssl_st;

struct smp_ctx {
	const struct cfg *cfg;
	struct engine *eng;            /* NULL in unit tests */
	struct session *sess;          /* NULL in unit tests */
	const struct cfg_proxy *fe;
	const struct cfg_proxy *be;    /* NULL until a backend is chosen */
	const struct cfg_server *srv;  /* NULL until a server is chosen */
	const struct cfg_bind *bind;   /* the listener's bind line (so_id,
	                                  so_name), or NULL */
	/* Writable: set-src/set-dst[-port] change them (sess_addr_set). */
	union sess_addr *src;          /* client (after a PROXY header) */
	union sess_addr *dst;          /* local address it connected to */
	/* The connection's ends (fc_src, fc_dst): set-src/set-dst change
	 * them too in tcp-request connection rules (conn_rules). */
	union sess_addr *fc_src;       /* the peer, before PROXY */
	union sess_addr *fc_dst;       /* where it connected, before PROXY */
	int cfd;                       /* client socket for set-mark/set-tos;
	                                  0 or less: none */
	int thread;                    /* worker index */
	long long accept_ms;           /* wall clock at accept (ms since the
	                                  epoch) for %t/%T/%Ts/%ms; 0: now */

	/* The request bytes buffered during inspection (passthrough). */
	const uint8_t *req;
	size_t req_len;
	/* No more data will be waited for: the inspect delay expired, the
	 * client closed, or there is no delay. Fetches that find nothing
	 * then answer "absent" instead of "wait". */
	bool final;

	/* The ClientHello of req, parsed on first use (sctx_hello); ch is
	 * allocated then, and freed by the engine once routing is done (a
	 * forwarding session keeps no copy). */
	bool ch_parsed;
	bool conn_rules;               /* tcp-request connection rules run */
	enum ch_result ch_rc;
	size_t ch_parsed_len;          /* req_len when it was parsed */
	struct ch_info *ch;

	/* Session state written by actions (smp_action_exec) and the
	 * set-var converter; released by smp_vars_free() at session end. */
	struct smp_vars *vars;         /* sess/txn/req/res variables, or NULL */
#define SMP_CTX_CAPTURES 8
	/* capture slots (each malloc'd or NULL), the array itself made by
	 * the first capture (smp_cap_slot): an idle tunnel holds none */
	char **cap;
	/* The HTTP request being processed (engine/http.c), or NULL
	 * (TCP mode): HTTP fetches (path, method, hdr...) read it. */
	const struct h1q_req *http;
	/* The response being processed (http-response rules, res.* fetches,
	 * status), or NULL. */
	const struct h1r_resp *http_res;
	/* The client side's TLS (ssl_fc_*, ssl_c_*), or NULL: not terminated. */
	const struct ssl_st *cli_ssl;
	/* The request body the engine buffered (req.body, req.body_len,
	 * req.body_param), or NULL/0: none buffered. */
	const char *http_body;
	size_t http_body_len;
	/* Set while a log line is rendered (engine/log_fmt.c): direction-
	 * dependent fetches (hdr, cookie) read the request even when
	 * http_res is set, as HAProxy's log samples do. */
	bool log_eval;
	/* A simulation (the stats socket's "show route"): proc-scope variables
	 * are read but set-var/unset-var on them only change a private copy
	 * kept in vars, freed with the rest; nothing else leaves ctx. */
	bool dry_run;
	int log_level;                 /* set-log-level: 0 unset, else the
	                                  level + 1 (0 emerg .. 7 debug,
	                                  8 silent) */
};

/* Capture slot i (0 <= i < SMP_CTX_CAPTURES) of ctx, to store a
 * malloc'd string in (engine/vars.c): the slots are made on first use. */
char **smp_cap_slot(struct smp_ctx *ctx, int i);
/* The string in capture slot i, or NULL. */
static inline const char *
smp_cap_get(const struct smp_ctx *ctx, int i)
{
	return ctx->cap ? ctx->cap[i] : NULL;
}

/* The ClientHello of ctx->req (parsed once per length). *rc gets the
 * parser's answer; the info is valid when it is CH_OK. */
const struct ch_info *sctx_hello(struct smp_ctx *ctx, enum ch_result *rc);

/* Runtime facts the engine answers (implemented in engine/backend.c;
 * they answer 0/false when ctx->eng is NULL, as in unit tests). be NULL means ctx->be. */
int sctx_nbsrv(struct smp_ctx *ctx, const struct cfg_proxy *be);
int sctx_be_conn(struct smp_ctx *ctx, const struct cfg_proxy *be);
int sctx_be_queue(struct smp_ctx *ctx, const struct cfg_proxy *be);
int sctx_connslots(struct smp_ctx *ctx, const struct cfg_proxy *be);
bool sctx_srv_is_up(struct smp_ctx *ctx, const struct cfg_server *srv);
int sctx_srv_conn(struct smp_ctx *ctx, const struct cfg_server *srv);
int sctx_fe_conn(struct smp_ctx *ctx, const struct cfg_proxy *fe);

#endif
