/* Sample expressions: "fetch(args),conv(args),...", checked against the
 * tables of fetches and converters (name, argument types, output type,
 * stages where the fetch is valid). Owned by whatever rule holds them;
 * smp_expr_free() frees. Also log-format strings ("%[...]" and %xx). */
#ifndef SLUICE_PARSER_SAMPLE_H
#define SLUICE_PARSER_SAMPLE_H

#include <netinet/in.h>
#include <stdint.h>

#include "kw.h"

enum smp_type {
	SMP_T_ANY,
	SMP_T_BOOL,
	SMP_T_SINT,
	SMP_T_ADDR, /* IPv4 or IPv6 */
	SMP_T_IPV4,
	SMP_T_IPV6,
	SMP_T_STR,
	SMP_T_BIN,
	SMP_T_METH,
};

/* Stages of processing where an expression is evaluated (bitmask). */
enum smp_stage {
	SMP_STG_TCP_CONN    = 1u << 0,  /* tcp-request connection */
	SMP_STG_TCP_SESS    = 1u << 1,  /* tcp-request session */
	SMP_STG_FE_TCP_REQ  = 1u << 2,  /* tcp-request content (frontend) */
	SMP_STG_FE_HTTP_REQ = 1u << 3,  /* http-request, redirect (frontend) */
	SMP_STG_SWITCH      = 1u << 4,  /* use_backend, default_backend %[] */
	SMP_STG_BE_TCP_REQ  = 1u << 5,  /* tcp-request content (backend) */
	SMP_STG_BE_HTTP_REQ = 1u << 6,  /* http-request (backend) */
	SMP_STG_USE_SERVER  = 1u << 7,  /* use-server, balance hash */
	SMP_STG_SRV_CONN    = 1u << 8,  /* server sni, set-dst... */
	SMP_STG_BE_TCP_RES  = 1u << 9,  /* tcp-response content */
	SMP_STG_BE_HTTP_RES = 1u << 10, /* http-response (backend) */
	SMP_STG_FE_HTTP_RES = 1u << 11, /* http-response (frontend) */
	SMP_STG_HTTP_AFTER  = 1u << 12, /* http-after-response */
	SMP_STG_LOG         = 1u << 13, /* log-format at end of session */
	SMP_STG_CHECK       = 1u << 14, /* http-check/tcp-check formats */
};
#define SMP_STG_ALL 0x7fffu
/* Stages where only HTTP processing happens (L6 fetches are ignored in
 * log-format strings evaluated there, as in HAProxy). */
#define SMP_STG_HTTP (SMP_STG_FE_HTTP_REQ | SMP_STG_BE_HTTP_REQ |             \
                      SMP_STG_BE_HTTP_RES | SMP_STG_FE_HTTP_RES |             \
                      SMP_STG_HTTP_AFTER)

/* What an expression or condition uses, for the resolve pass's footgun
 * warnings (bitmask). req.ssl_* set REQ_SSL only; REQ_DATA is for the
 * other request-buffer fetches. */
#define SMP_USES_REQ_SSL  0x01u /* req.ssl_* / req_ssl_* (passthrough inspection) */
#define SMP_USES_SSL_FC   0x02u /* ssl_fc* / ssl_c_* / ssl_f_* (terminating) */
#define SMP_USES_HTTP     0x04u /* HTTP fetches, HTTP-only log variables */
#define SMP_USES_REQ_DATA 0x08u /* req.len, req.payload*, ... (needs inspect-delay) */

/* Argument types of fetches and converters; names as HAProxy prints them
 * ("string", "integer", ...: smp_arg_type_name()). */
enum smp_arg_type {
	SMP_ARG_STR,
	SMP_ARG_SINT,
	SMP_ARG_BE,   /* backend name, resolved later */
	SMP_ARG_FE,   /* frontend name, resolved later */
	SMP_ARG_SRV,  /* [backend/]server, resolved later */
	SMP_ARG_TAB,  /* stick-table name */
	SMP_ARG_USR,  /* userlist name */
	SMP_ARG_IPV4,
	SMP_ARG_IPV6,
	SMP_ARG_MSK4, /* IPv4 mask: bits or dotted */
	SMP_ARG_MSK6, /* IPv6 mask: bits */
	SMP_ARG_REG,  /* regex (POSIX ERE compile-checked) */
	SMP_ARG_PBUF, /* protocol buffers field number "1.2.3" */
	SMP_ARG__COUNT,
};

/* Argument spec of a table row: one character per argument, arguments
 * after '[' are optional. s=string i=integer b=backend f=frontend
 * v=server t=table u=userlist 4=IPv4 6=IPv6 m=IPv4 mask M=IPv6 mask
 * r=regex p=protobuf field number. */

/* One parsed argument. str always holds the unquoted text; the typed
 * fields are set for their type. */
struct smp_arg {
	enum smp_arg_type type;
	char *str;
	long long sint;        /* SINT; MSK4/MSK6: prefix length when bits */
	struct in_addr ipv4;   /* IPV4, MSK4 (the mask) */
	struct in6_addr ipv6;  /* IPV6, MSK6 (the mask) */
};

struct smp_fetch_kw {
	struct kw_head h;
	const char *args;      /* spec, see above */
	enum smp_type out;
	unsigned val;          /* SMP_STG_* where usable */
	unsigned uses;         /* SMP_USES_* */
	const char *src;       /* what it reads, HAProxy's words for errors */
};

struct smp_conv_kw {
	struct kw_head h;
	const char *args;
	enum smp_type in, out;
	/* Extra checks on the arguments (map file exists, regex compiles,
	 * variable names...). Writes a message into *err (malloc'd) and
	 * returns -1 on failure. */
	int (*check)(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
	             struct smp_arg *args, int nargs, char **err);
};

struct smp_conv_call {
	const struct smp_conv_kw *kw;
	struct smp_arg *args;
	int nargs;
};

struct smp_expr {
	const struct smp_fetch_kw *fetch;
	struct smp_arg *args;
	int nargs;
	VEC(struct smp_conv_call) convs;
	char *text;           /* the expression as written */
	struct cfg_loc loc;   /* where it starts */
};

extern const struct smp_fetch_kw smp_fetch_kws[]; /* sorted by name */
extern const struct smp_conv_kw smp_conv_kws[];   /* sorted by name */
const struct smp_fetch_kw *smp_fetch_find(const char *name, size_t len);
const struct smp_conv_kw *smp_conv_find(const char *name, size_t len);
const char *smp_type_name(enum smp_type t);
const char *smp_arg_type_name(enum smp_arg_type t);
/* HAProxy's name of the first stage of the mask ("frontend http-request
 * header rule", ...). */
const char *smp_stage_name(unsigned stages);
/* Whether a sample of type from can be cast to type to (HAProxy's
 * sample_casts matrix). */
bool smp_can_cast(enum smp_type from, enum smp_type to);

/* Parses the expression starting at text (which lies inside word w, at
 * byte offset off, for diagnostic columns). Stops at the end of the
 * expression; *end gets the first unparsed byte. stages is the set of
 * stages where the expression will be evaluated; a fetch unusable in all
 * of them is an error as in HAProxy. NULL on error (reported). When end
 * is NULL the expression must run to the end of the word. */
struct smp_expr *smp_expr_parse(struct cfg_ctx *cx, const struct cfg_word *w,
                                size_t off, const char **end, unsigned stages);
/* Same with a context prefix for HAProxy-worded messages, e.g. "error
 * detected in frontend 'f' while parsing 'http-request set-var(txn.x)'
 * rule : " (may be NULL). */
struct smp_expr *smp_expr_parse_pfx(struct cfg_ctx *cx,
                                    const struct cfg_word *w, size_t off,
                                    const char **end, unsigned stages,
                                    const char *pfx);
enum smp_type smp_expr_type(const struct smp_expr *e);
void smp_expr_free(struct smp_expr *e);
unsigned smp_expr_uses(const struct smp_expr *e);

/* The parser behind smp_expr_parse, shared with the ACL module: no stage
 * check, message returned in *err (without a final period; *conv_err
 * tells whether it came from the converter part, which HAProxy words
 * differently in ACLs) with *erroff the byte offset in the text. When
 * implied_fetch is set, the fetch is that one (an ACL keyword such as
 * "path_beg" stands for it) and text starts at the keyword name. */
struct smp_expr *smp_expr_build(struct cfg_ctx *cx, const char *text,
                                const char **end,
                                const struct smp_fetch_kw *implied_fetch,
                                size_t kwlen, char **err, size_t *erroff,
                                bool *conv_err);
/* Validates a variable name "scope.name" (HAProxy's message in *err). */
int smp_check_var_name(const char *name, char **err);

/* Log-format strings. */
enum lf_node_type {
	LF_TEXT,   /* literal text */
	LF_SEP,    /* a run of blanks (collapses after empty fields) */
	LF_VAR,    /* %xx */
	LF_EXPR,   /* %[expr] */
};

/* Node option flags from %{+X,-Y} */
#define LF_OPT_Q 0x01u /* quote */
#define LF_OPT_X 0x02u /* hexadecimal */
#define LF_OPT_E 0x04u /* escape " \ ] */

struct lf_node {
	enum lf_node_type type;
	char *text;            /* LF_TEXT/LF_SEP content; LF_VAR name */
	const struct lf_var *var; /* LF_VAR */
	struct smp_expr *expr; /* LF_EXPR */
	unsigned opts;         /* LF_OPT_* */
};

struct lf_var {
	const char *name;
	bool http;             /* reserved for HTTP mode */
};

struct lf_expr {
	VEC(struct lf_node) nodes;
	unsigned uses;
	const char *http_var;  /* first HTTP-only variable used, or NULL */
	struct cfg_loc loc;
};

/* Parses a log-format string (word w as a whole). */
struct lf_expr *lf_parse(struct cfg_ctx *cx, const struct cfg_word *w,
                         unsigned stages);
/* Same with a context prefix (see smp_expr_parse_pfx). */
struct lf_expr *lf_parse_pfx(struct cfg_ctx *cx, const struct cfg_word *w,
                             unsigned stages, const char *pfx);
void lf_free(struct lf_expr *lf);
unsigned lf_uses(const struct lf_expr *lf);
/* For a proxy whose final mode is tcp: reports HAProxy's "format variable
 * 'r' is reserved for HTTP mode." at w when lf uses such a variable.
 * Returns -1 when it did. */
int lf_check_tcp_mode(struct cfg_ctx *cx, const struct lf_expr *lf,
                      const struct cfg_word *w);

#endif
