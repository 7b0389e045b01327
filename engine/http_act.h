/* HTTP rule sets on one transaction: "http-request", "redirect",
 * "http-response", "http-after-response" (reference §1, HAProxy 2.6
 * configuration manual §4.2), and the answers HAProxy makes itself:
 * error pages (built-in, errorfile, errorfiles / http-errors sections,
 * "http-error" rules), redirects, "return", "auth".
 *
 * The engine (engine/http.c) owns I/O and framing; this module decides
 * and edits heads (engine/http_msg.h). A verdict that answers the client
 * fills a struct http_reply the engine sends as is. */
#ifndef SLUICE_ENGINE_HTTP_ACT_H
#define SLUICE_ENGINE_HTTP_ACT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/util.h"

struct cfg;
struct cfg_proxy;
struct diag;
struct hmsg;
struct px_reply;
struct smp_ctx;

enum http_verdict {
	HTTP_V_CONTINUE,   /* no final rule: go on (next rule set, forward) */
	HTTP_V_ALLOW,      /* "allow": stop this rule set, go on */
	HTTP_V_REPLY,      /* answer the client with reply, do not forward */
	HTTP_V_TARPIT,     /* hold timeout tarpit, then answer reply (500 by default) */
	HTTP_V_SILENT,     /* silent-drop: close at once without an answer */
	HTTP_V_REJECT,     /* "reject": close without an answer */
	HTTP_V_WAIT,       /* needs more of the body (wait-for-body) */
	HTTP_V_SERVICE,    /* use-service: *service names it */
	HTTP_V_FAIL,       /* a rewrite failed: answer 500 (reply filled) */
};

/* A complete answer: status line, headers, body; close after it or not.
 * An empty head (an empty errorfile) means: close without answering, as
 * HAProxy does. */
struct http_reply {
	int status;
	struct sbuf head;  /* "HTTP/1.1 <code> <reason>\r\n...\r\n\r\n" */
	struct sbuf body;
	bool close;
	/* for the log and counters: which kind of answer it was */
	bool denied;       /* deny/tarpit: counts dreq (request) or dresp; not auth (observed) */
	bool redirect;
	/* Interim answers to send the client at once, whatever the verdict
	 * ("early-hint": "HTTP/1.1 103 Early Hints\r\n...\r\n\r\n"); the
	 * engine sends and empties it after each http_req_rules(). */
	struct sbuf interim;
};
void http_reply_free(struct http_reply *r);
/* Marks r to close the connection after it; an HTTP/1.1 head without
 * "connection: close" gets one (HAProxy says so to an HTTP/1.0 client
 * or when it closes on its own). */
void http_reply_set_close(struct http_reply *r);
/* Adds "connection: keep-alive" (HAProxy says it to an HTTP/1.0 client
 * whose connection stays open), unless r closes or has one. */
void http_reply_set_keepalive(struct http_reply *r);
/* The text of HAProxy's built-in page for status ("" if none); its
 * reason is http_reason() (engine/http_local.h). */
const char *http_err_text(int status);

/* Runs px's "http-request" rules then its "redirect" rules (HAProxy runs
 * redirects after http-request rules of the same proxy) on the request
 * req, with conditions evaluated in ctx. *service gets the service name
 * for HTTP_V_SERVICE. */
enum http_verdict http_req_rules(const struct cfg_proxy *px, struct hmsg *req,
                                 struct smp_ctx *ctx, struct http_reply *reply,
                                 const char **service);
/* "http-response" rules of px on the response res. */
enum http_verdict http_res_rules(const struct cfg_proxy *px, struct hmsg *res,
                                 struct smp_ctx *ctx, struct http_reply *reply);
/* "http-after-response" rules of px on any response about to be sent
 * (forwarded or produced here: res is then the reply's head parsed). */
enum http_verdict http_after_rules(const struct cfg_proxy *px, struct hmsg *res,
                                   struct smp_ctx *ctx);

/* The error answer for status as px would send it: its errorfile /
 * errorfiles / http-error rule for that code, else HAProxy's built-in
 * page byte for byte (reference §6.1). */
void http_error_reply(const struct cfg_proxy *px, int status, struct smp_ctx *ctx,
                      struct http_reply *reply);

/* What of px's HTTP rules this engine does not run (errors) or only
 * skips (warnings), for engine/support.c. */
void http_act_check_support(const struct cfg_proxy *px, struct diag *d);

/* "option forwardfor [except <net>] [header <name>] [if-none]": adds the
 * header to req for the client address in ctx (frontend's option, else
 * the backend's, as HAProxy). */
int http_forwardfor(const struct cfg_proxy *fe, const struct cfg_proxy *be,
                    struct hmsg *req, struct smp_ctx *ctx);

/* Loads errorfile / errorfiles / http-errors contents and lf-file
 * payloads named by cfg; once at start-up (and by sluice -c). */
int http_act_init(const struct cfg *cfg, struct diag *d);
void http_act_free(const struct cfg *cfg);

#endif
