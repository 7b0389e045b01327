/* Internal API of health/: the check program of a backend (a list of
 * steps compiled from the configuration, as HAProxy 2.6 compiles every
 * check kind into a tcp-check ruleset) and the pure pieces of running it:
 * HTTP request rendering, expect matching, result wording. No I/O here
 * (chk_run.c does the sockets), so all of it is unit-tested.
 *
 * A struct chk_ruleset belongs to its creator (chk_ruleset_build) and is
 * freed by chk_ruleset_free; its steps point into the config, which must
 * outlive it. */
#ifndef SLUICE_HEALTH_CHK_H
#define SLUICE_HEALTH_CHK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/server.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

/* A check's receive buffer (HAProxy's tune.bufsize default): a response
 * is judged on at most this many bytes. */
#define CHK_BUFSIZE 16384

struct cfg;
struct cfg_server;
struct smp_ctx;
struct rx;

/* What the ruleset came from: decides the wording of results, as HAProxy
 * words "tcp-check" rulesets differently from protocol checks. */
enum chk_proto {
	CHK_P_CONNECT,  /* plain "check": connect (+TLS) only */
	CHK_P_TCPCHK,   /* option tcp-check */
	CHK_P_HTTP,     /* option httpchk / http-check */
	CHK_P_SSL3,     /* option ssl-hello-chk */
	CHK_P_REDIS,    /* option redis-check */
	CHK_P_SMTP,     /* option smtpchk */
	CHK_P_AGENT,    /* agent-check */
};

/* Built-in texts of the protocol rulesets (HAProxy renders them with
 * log-format strings over res.payload; a check has no such fetch here). */
enum chk_text {
	CHK_TXT_NONE,
	CHK_TXT_CONST,   /* the step's text */
	CHK_TXT_LF,      /* the step's log-format string */
	CHK_TXT_LINE0,   /* %[res.payload(0,0),cut_crlf] */
	CHK_TXT_LINE4,   /* %[res.payload(4,0),ltrim(' '),cut_crlf] */
};

/* A literal header (name and value point into memory the ruleset owns). */
struct chk_hdr {
	const char *name, *value;
};

struct chk_step {
	enum px_chk_act act;     /* CHK_CONNECT, CHK_SEND*, CHK_EXPECT, ... */
	int index;               /* HAProxy's rule index: step id = index + 1 */
	bool implicit;           /* implicit first connect: step id 0 */
	const char *comment;     /* own, or from a preceding comment rule */

	/* connect */
	bool c_default, c_ssl, c_send_proxy, c_linger;
	int c_port;              /* 0: not set */
	const struct smp_expr *c_port_expr;
	struct sockaddr_storage c_addr; /* family 0: not set */
	const char *c_sni, *c_alpn;

	/* send: tcp data (raw or log-format, hex when binary-lf) */
	const char *data;
	size_t data_len;
	const struct lf_expr *data_lf;
	bool data_hex;
	/* send: http (option httpchk merged with the first http-check send) */
	bool http;
	const char *meth, *uri, *ver, *body;
	const struct lf_expr *uri_lf, *body_lf;
	const struct px_hdr *hdrs;
	size_t nhdrs;
	const struct chk_hdr *lhdrs; /* literal: hidden in option httpchk's version */
	size_t nlhdrs;

	/* expect */
	enum px_chk_match match;
	bool inverse;
	const char *pat;         /* string / decoded binary / header name */
	size_t pat_len;
	const struct rx *re;     /* rstring, rbinary, rstatus, hdr -m reg name */
	const struct px_status_range *st;
	size_t nst;
	const struct lf_expr *pat_lf;
	int hdr_name_match, hdr_value_match; /* 0 str 1 beg 2 end 3 sub 4 reg */
	bool hdr_full;           /* fhdr */
	const char *hdr_value;   /* NULL: any value */
	const struct rx *hdr_value_re;
	long long min_recv;      /* -1: not set */
	enum chk_status ok_st, err_st, tout_st; /* CHK_ST_UNKNOWN: default */
	enum chk_text on_ok, on_err;
	const char *ok_text, *err_text;
	const struct lf_expr *ok_lf, *err_lf;
	bool code_from_payload;  /* status-code res.payload(0,3) */
	size_t head;             /* step to resume at when more data is needed */
	bool agent_reply;        /* expect custom: the agent's line */
};

struct chk_ruleset {
	enum chk_proto proto;
	VEC(struct chk_step) steps;
	VEC(void *) owned;       /* strings and decoded patterns */
	VEC(struct rx *) regexes;
	struct px_status_range dflt_status; /* implicit http expect 200-399 */
	VEC(const char *) ignored; /* rule kinds not run (set-var...), for a warning */
};

/* Compiles the check program of backend px (its chk_kind and rules), or
 * for agent (srv given) the agent-check program of srv. 0, or -1 with an
 * allocated message in *err. */
int chk_ruleset_build(const struct cfg_proxy *px, const struct cfg_server *srv,
                      bool agent, struct chk_ruleset *rs, char **err);
void chk_ruleset_free(struct chk_ruleset *rs);

/* HAProxy's step id of step i (0 for the implicit connect). */
int chk_step_id(const struct chk_ruleset *rs, size_t i);

/* What expect and send need from the running check. */
struct chk_env {
	const struct chk_ruleset *rs;
	struct smp_ctx *sctx;     /* for log-format strings; may be NULL */
	bool disable_on_404;      /* http-check disable-on-404 */
	bool srv_up;              /* the server is not DOWN (404 counts) */
	const char *state_hdr;    /* X-Haproxy-Server-State value, or NULL */
	const char *hello_sni;    /* ssl-hello-chk: SNI of our ClientHello */
	int code;                 /* last HTTP status / status-code */
};

/* Renders the bytes a send step puts on the wire (appended to out).
 * Returns 0, or -1 with res filled (HAProxy's L7RSP texts). */
int chk_send_render(struct chk_env *env, size_t i, struct sbuf *out,
                    struct chk_result *res);

enum chk_eval { CHK_EVAL_CONT, CHK_EVAL_WAIT, CHK_EVAL_STOP };

/* Evaluates expect step i against the bytes received since the last send
 * (buf, len); last_read: nothing more will come (close, error, buffer
 * full). STOP fills res with the failure. For HTTP rulesets buf is the
 * raw response. For the agent's reply step, CONT means a line is complete
 * and res->info holds it (CR/LF excluded); STOP with status
 * CHK_ST_UNKNOWN means the agent closed without ending its line. */
enum chk_eval chk_expect(struct chk_env *env, size_t i, const char *buf,
                         size_t len, bool last_read, struct chk_result *res);

/* The result when every step ran: HAProxy's L4OK/L6OK/L7OK/L7OKC with
 * its info text. last is the index of the last step run (not comment),
 * ssl whether the connection is TLS. */
void chk_success(struct chk_env *env, size_t last, bool ssl,
                 const char *buf, size_t len, struct chk_result *res);

/* "TCPCHK got an empty response at step N[ comment: 'c']" and its
 * status, for expect step i. */
void chk_empty_response(struct chk_env *env, size_t i, struct chk_result *res);

/* Where a connection problem happened, for the info text. */
enum chk_conn_phase {
	CHK_PH_L4,      /* TCP connect not established */
	CHK_PH_L6,      /* TLS handshake not finished */
	CHK_PH_EST,     /* established */
};
/* A connection failure (err: errno or 0; tls_err: text of a TLS failure
 * or NULL) or a timeout (expired) while at step cur: status and info as
 * HAProxy's chk_report_conn_err(). */
void chk_conn_error(struct chk_env *env, size_t cur, enum chk_conn_phase ph,
                    int err, const char *tls_err, bool expired,
                    struct chk_result *res);

/* The X-Haproxy-Server-State value (httpchk_build_status_header). health
 * is the check's health counter (0..rise+fall-1). */
struct chk_srv_view {
	bool up;                  /* operational state not DOWN */
	bool draining;            /* NOLB: stopping */
	int health, rise, fall;
	const char *addr;         /* "127.0.0.1" */
	int port;                 /* 0: none */
	const char *be, *srv, *node;
	int weight, tot_weight;
	int scur, be_conn, qcur;
};
void chk_state_header(const struct chk_srv_view *v, struct sbuf *out);

/* A TLS 1.2/1.3 ClientHello as OpenSSL sends it (option ssl-hello-chk
 * replacement), with SNI when given. 0 or -1. */
int chk_tls_hello(const char *sni, struct sbuf *out);

/* Uppercase hex of p (HAProxy's dump_binary, used by rbinary). */
void chk_hex(const char *p, size_t n, struct sbuf *out);

#endif
