/* The services answered inside the HTTP engine (engine/http.c runs the
 * connection): the stats page ("stats uri") and the Prometheus exporter
 * ("http-request use-service prometheus-exporter"). The answering
 * modules (stats/page.c, stats/promex.c) fill a struct http_txn:
 * status, extra header lines, body; engine/http_txn.c sends it. */
#ifndef SLUICE_ENGINE_HTTP_LOCAL_H
#define SLUICE_ENGINE_HTTP_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "lib/util.h"

struct engine;
struct frontend;
struct listener;
struct worker;
struct cfg_proxy;
struct h1q_req;
struct smp_ctx;

struct http_txn {
	struct engine *eng;
	struct frontend *fe;
	const struct cfg_proxy *px;  /* the frontend's proxy */
	const struct h1q_req *req;
	const char *body;            /* request body (decoded), may be NULL */
	size_t body_len;
	struct smp_ctx *sctx;        /* for conditions (stats admin if ...) */
	/* the answer */
	int status;
	struct sbuf hdrs;            /* header lines "name: value\r\n", lower-case names */
	struct sbuf out;             /* body */
	bool chunked;                /* send the body chunked (as HAProxy's applets) */
	bool close;                  /* close after this answer */
	bool hangup;                 /* close after it without saying so
	                              * (HAProxy's stats applet after 401/403) */
};


/* HAProxy's reason phrase for status ("OK", "See Other"...). */
const char *http_reason(int status);
/* Makes t's answer HAProxy's built-in error page for status (reference
 * §6.1): content-length, cache-control, content-type and the body. */
void http_txn_error(struct http_txn *t, int status);

/* The two answering services (stats/page.c, stats/promex.c). */
/* True when the request's URI starts with px's "stats uri". */
bool stats_page_match(const struct cfg_proxy *px, const struct h1q_req *r);
void stats_page_serve(struct http_txn *t);
void promex_serve(struct http_txn *t);

#endif
