/* Types behind the fields that the proxy keyword modules add to struct
 * cfg_proxy (proxy_fields.h): balance, options, rules and actions, health
 * checks, stats page. Everything reachable from these fields belongs to
 * the proxy and is released by proxy_fields_free(), which proxy_free()
 * calls. */
#ifndef SLUICE_PARSER_PROXY_KW_H
#define SLUICE_PARSER_PROXY_KW_H

#include <stdint.h>

#include "../lib/regex.h"
#include "kw.h"
#include "proxy.h"

struct smp_expr;
struct lf_expr;
struct acl_cond;

/* Indexes of px->timeout[] and px->timeout_loc[]. */
enum px_timeout_id {
	PX_TO_CLIENT, PX_TO_CLIENT_FIN, PX_TO_CONNECT, PX_TO_SERVER,
	PX_TO_SERVER_FIN, PX_TO_QUEUE, PX_TO_TUNNEL, PX_TO_HTTP_REQUEST,
	PX_TO_HTTP_KEEP_ALIVE, PX_TO_TARPIT, PX_TO_CHECK,
	PX_TO__COUNT
};

/* balance <algo> [params] */
enum px_lb_algo {
	PX_LB_ROUNDROBIN, PX_LB_STATIC_RR, PX_LB_LEASTCONN, PX_LB_FIRST,
	PX_LB_SOURCE, PX_LB_URI, PX_LB_URL_PARAM, PX_LB_HDR, PX_LB_RANDOM,
	PX_LB_RDP_COOKIE, PX_LB_HASH,
};
struct px_balance {
	enum px_lb_algo algo;
	struct cfg_loc loc;
	/* uri */
	long long uri_len, uri_depth; /* 0: whole uri / all levels */
	bool uri_whole, uri_path_only;
	/* url_param <param> [check_post] */
	char *param;
	bool check_post;
	/* hdr(<name>) [use_domain_only] */
	char *hdr;
	bool use_domain_only;
	/* random[(<draws>)]: default 2 */
	long long draws;
	/* rdp-cookie[(<name>)]: default "mstshash" */
	char *rdp_cookie;
	/* hash <expr> */
	char *hash_text;
	struct smp_expr *hash_expr;
};
/* True for algorithms that need HTTP (fall back to roundrobin in tcp). */
bool px_lb_is_l7(const struct px_balance *lb);

/* retry-on bits */
#define PX_RETRY_CONN_FAILURE    0x01u
#define PX_RETRY_EMPTY_RESPONSE  0x02u
#define PX_RETRY_JUNK_RESPONSE   0x04u
#define PX_RETRY_RESPONSE_TIMEOUT 0x08u
#define PX_RETRY_0RTT_REJECTED   0x10u
#define PX_RETRY_NONE            0x80u /* explicit "none" */

/* Flag options: px->opts / px->no_opts bit numbers. */
enum px_opt {
	PXO_ABORTONCLOSE, PXO_ALLBACKUPS, PXO_CHECKCACHE, PXO_CLITCPKA,
	PXO_CONTSTATS, PXO_DONTLOGNULL, PXO_HTTP_BUFFER_REQUEST,
	PXO_HTTP_IGNORE_PROBES, PXO_IDLE_CLOSE_ON_RESPONSE,
	PXO_PREFER_LAST_SERVER, PXO_LOGASAP, PXO_NOLINGER, PXO_PERSIST,
	PXO_SRVTCPKA, PXO_TRANSPARENT, PXO_SPLICE_REQUEST, PXO_SPLICE_RESPONSE,
	PXO_SPLICE_AUTO, PXO_ACCEPT_INVALID_HTTP_REQUEST,
	PXO_ACCEPT_INVALID_HTTP_RESPONSE, PXO_DONTLOG_NORMAL,
	PXO_LOG_SEPARATE_ERRORS, PXO_LOG_HEALTH_CHECKS, PXO_SOCKET_STATS,
	PXO_TCP_SMART_ACCEPT, PXO_TCP_SMART_CONNECT, PXO_INDEPENDENT_STREAMS,
	PXO_HTTP_USE_PROXY_HEADER, PXO_HTTP_PRETEND_KEEPALIVE,
	PXO_HTTP_NO_DELAY, PXO_H1_CASE_ADJUST_BOGUS_CLIENT,
	PXO_H1_CASE_ADJUST_BOGUS_SERVER, PXO_DISABLE_H2_UPGRADE,
	/* options with their own handler that still keep a bit and a loc */
	PXO_REDISPATCH, PXO_TCPKA, PXO_HTTPCLOSE, PXO_HTTP_SERVER_CLOSE,
	PXO_HTTP_KEEP_ALIVE, PXO_FORWARDFOR, PXO_ORIGINALTO, PXO_HTTPLOG,
	PXO_TCPLOG, PXO_HTTPSLOG, PXO_HTTPCHK, PXO_SSL_HELLO_CHK, PXO_TCP_CHECK,
	PXO_SMTPCHK, PXO_REDIS_CHECK, PXO_HTTP_RESTRICT_REQ_HDR_NAMES,
	PXO__COUNT
};
#define PX_OPT(px, o) (((px)->opts >> (o)) & 1u)

/* option forwardfor / originalto */
struct px_hdr_opt {
	char *header;       /* "X-Forwarded-For" / "X-Original-To" by default */
	char *except;       /* network as written, or NULL */
	bool if_none;       /* forwardfor only */
};

/* errorfile / errorloc / errorloc302 / errorloc303 */
enum px_errmsg_kind { PX_ERR_FILE, PX_ERR_LOC302, PX_ERR_LOC303 };
struct px_errmsg {
	int status;
	enum px_errmsg_kind kind;
	char *arg;          /* file path or URL */
	struct cfg_loc loc;
};
/* errorfiles <name> [<code> ...] (names an http-errors section) */
struct px_errfiles {
	char *name;
	VEC(int) codes;     /* empty: all */
	struct cfg_loc loc;
};

/* capture request|response header, declare capture */
struct px_capture {
	char *header;       /* NULL for a "declare capture" slot */
	long long len;
	struct cfg_loc loc;
};

/* cookie <name> [options] */
#define PX_CK_REWRITE  0x001u
#define PX_CK_INSERT   0x002u
#define PX_CK_PREFIX   0x004u
#define PX_CK_INDIRECT 0x008u
#define PX_CK_NOCACHE  0x010u
#define PX_CK_POSTONLY 0x020u
#define PX_CK_PRESERVE 0x040u
#define PX_CK_HTTPONLY 0x080u
#define PX_CK_SECURE   0x100u
#define PX_CK_DYNAMIC  0x200u
struct px_cookie {
	char *name;
	unsigned opts;
	char *domain;       /* "a; domain=b" when several, as HAProxy builds it */
	uint32_t maxidle, maxlife; /* seconds */
	char *attrs;        /* "a; b" */
	struct cfg_loc loc;
};

/* use_backend / use-server */
struct px_switch {
	char *name;                 /* static target name */
	struct lf_expr *dyn;        /* use_backend %[...] (name holds the text) */
	struct acl_cond *cond;      /* NULL: always */
	struct cfg_loc loc;         /* the line */
	struct cfg_loc name_loc;    /* the name word */
	struct cfg_proxy *be;       /* resolved (static use_backend) */
	struct cfg_server *srv;     /* resolved (use-server) */
};

/* Rule sets; an action row says in which sets it exists. */
enum px_ruleset {
	RS_TCP_REQ_CONN, RS_TCP_REQ_SESS, RS_TCP_REQ_CONT, RS_TCP_RES_CONT,
	RS_HTTP_REQ, RS_HTTP_RES, RS_HTTP_AFTER, RS_REDIRECT, RS_STATS_HTTP_REQ,
	RS_HTTP_ERROR,
};

enum px_act {
	PX_ACT_ACCEPT, PX_ACT_REJECT, PX_ACT_CLOSE, PX_ACT_ALLOW, PX_ACT_DENY,
	PX_ACT_TARPIT, PX_ACT_RETURN, PX_ACT_AUTH, PX_ACT_REDIRECT,
	PX_ACT_SILENT_DROP, PX_ACT_EXPECT_PROXY, PX_ACT_EXPECT_NETSCALER,
	PX_ACT_CAPTURE, PX_ACT_ADD_HEADER, PX_ACT_SET_HEADER, PX_ACT_EARLY_HINT,
	PX_ACT_DEL_HEADER, PX_ACT_REPLACE_HEADER, PX_ACT_REPLACE_VALUE,
	PX_ACT_REPLACE_PATH, PX_ACT_REPLACE_PATHQ, PX_ACT_REPLACE_URI,
	PX_ACT_SET_PATH, PX_ACT_SET_PATHQ, PX_ACT_SET_QUERY, PX_ACT_SET_URI,
	PX_ACT_SET_METHOD, PX_ACT_SET_STATUS, PX_ACT_ADD_ACL, PX_ACT_DEL_ACL,
	PX_ACT_DEL_MAP, PX_ACT_SET_MAP, PX_ACT_SET_VAR, PX_ACT_SET_VAR_FMT,
	PX_ACT_UNSET_VAR, PX_ACT_SET_SRC, PX_ACT_SET_SRC_PORT, PX_ACT_SET_DST,
	PX_ACT_SET_DST_PORT, PX_ACT_SET_PRIORITY_CLASS,
	PX_ACT_SET_PRIORITY_OFFSET, PX_ACT_SET_LOG_LEVEL, PX_ACT_SET_MARK,
	PX_ACT_SET_NICE, PX_ACT_SET_TOS, PX_ACT_SET_TIMEOUT, PX_ACT_STRICT_MODE,
	PX_ACT_DISABLE_L7_RETRY, PX_ACT_WAIT_FOR_HANDSHAKE,
	PX_ACT_WAIT_FOR_BODY, PX_ACT_NORMALIZE_URI, PX_ACT_USE_SERVICE,
	PX_ACT_SWITCH_MODE,
};

/* One header of deny/return/tarpit/http-error ("hdr <name> <fmt>"). */
struct px_hdr {
	char *name;
	struct lf_expr *fmt;
};

/* Payload of deny / tarpit / return / http-error / auth. */
enum px_payload {
	PX_PL_NONE, PX_PL_DEFAULT_ERRORFILES, PX_PL_ERRORFILE, PX_PL_ERRORFILES,
	PX_PL_FILE, PX_PL_LF_FILE, PX_PL_STRING, PX_PL_LF_STRING,
};
struct px_reply {
	int status;
	char *content_type;
	enum px_payload kind;
	char *arg;                  /* file name, errorfiles name or string */
	struct lf_expr *lf;         /* lf-string (lf-file: the file's text) */
	VEC(struct px_hdr) hdrs;
};

/* redirect location|prefix|scheme <x> [options] */
enum px_redir_type { PX_REDIR_LOCATION, PX_REDIR_PREFIX, PX_REDIR_SCHEME };
#define PX_REDIR_DROP_QUERY   0x1u
#define PX_REDIR_APPEND_SLASH 0x2u
struct px_redirect {
	enum px_redir_type type;
	char *target;
	struct lf_expr *fmt;        /* target as a log-format string */
	int code;                   /* 301 302 303 307 308; default 302 */
	unsigned flags;
	char *set_cookie;           /* "NAME[=VALUE]" */
	char *clear_cookie;         /* "NAME" */
};

/* One rule of any rule set. Which fields an action uses is said next to
 * each enum px_act in actions.c; unused fields stay zero. */
struct px_rule {
	enum px_ruleset set;
	enum px_act act;
	const char *name;           /* action name as listed ("set-header") */
	struct cfg_loc loc;         /* the line */
	struct acl_cond *cond;
	bool final;                 /* stops evaluation when it runs */
	char *arg;                  /* header/var/map file/service/realm/mode... */
	char *arg2;                 /* set-var conditions, switch-mode proto */
	struct lf_expr *fmt;        /* value format */
	struct lf_expr *fmt2;       /* set-map value */
	struct smp_expr *expr;      /* sample expression */
	char *re_text;
	struct rx *re;              /* compiled re_text, or NULL */
	int match;                  /* del-header -m: 0 str 1 beg 2 end 3 sub 4 reg */
	long long ival;             /* capture len/id, set-mark, set-nice, set-tos, strict-mode, at-least */
	uint32_t ms;                /* set-timeout constant, wait-for-body time */
	int status;                 /* set-status */
	char *reason;               /* set-status reason */
	struct px_reply *reply;     /* deny/tarpit/return/http-error */
	struct px_redirect *redir;  /* redirect */
};

/* http-check / tcp-check rules */
enum px_chk_act {
	CHK_CONNECT, CHK_SEND, CHK_SEND_LF, CHK_SEND_BINARY, CHK_SEND_BINARY_LF,
	CHK_EXPECT, CHK_COMMENT, CHK_SET_VAR, CHK_SET_VAR_FMT, CHK_UNSET_VAR,
	CHK_ACTION,
};
enum px_chk_match {
	CHK_M_NONE, CHK_M_STATUS, CHK_M_RSTATUS, CHK_M_HDR, CHK_M_FHDR,
	CHK_M_STRING, CHK_M_RSTRING, CHK_M_STRING_LF, CHK_M_BINARY,
	CHK_M_RBINARY, CHK_M_BINARY_LF,
};
struct px_status_range { int lo, hi; };
struct px_check_rule {
	enum px_chk_act act;
	bool http;                  /* http-check (else tcp-check) */
	struct cfg_loc loc;
	char *comment;
	/* connect */
	bool c_default, c_send_proxy, c_via_socks4, c_ssl, c_linger;
	char *c_port_text;          /* number or expression as written */
	int c_port;                 /* 0 when an expression or unset */
	struct smp_expr *c_port_expr;
	char *c_addr, *c_sni, *c_alpn, *c_proto;
	/* send (tcp: data; http: meth/uri/ver/hdrs/body) */
	char *data;                 /* tcp send text, or decoded binary */
	size_t data_len;
	struct lf_expr *data_lf;
	char *meth, *uri, *ver, *body;
	struct lf_expr *uri_lf, *body_lf;
	VEC(struct px_hdr) hdrs;
	/* expect */
	enum px_chk_match match;
	bool inverse;
	char *pattern;              /* as written */
	struct rx *re;              /* rstatus/rstring/rbinary, or NULL */
	VEC(struct px_status_range) statuses;
	struct lf_expr *pattern_lf;
	int hdr_name_match, hdr_value_match; /* -m str beg end sub reg */
	char *hdr_value;
	long long min_recv;         /* -1: unset */
	char *ok_status, *error_status, *tout_status;
	struct lf_expr *on_success, *on_error;
	struct smp_expr *status_code;
	/* set-var / unset-var / action */
	char *var;
	struct smp_expr *expr;
	struct lf_expr *fmt;
};

/* option httpchk [<method>] [<uri>] [<version>] */
struct px_httpchk {
	char *meth, *uri, *ver;
};

/* stats keywords in a proxy */
#define PX_STATS_HIDEVER  0x1u
#define PX_STATS_SHLGNDS  0x2u
#define PX_STATS_SHMODULES 0x4u
#define PX_STATS_SHNODE   0x8u
#define PX_STATS_SHDESC   0x10u
struct px_stats {
	bool enabled;               /* any stats keyword enables the page */
	char *uri;                  /* default "/haproxy?stats" */
	char *realm;                /* default "HAProxy Statistics" */
	uint32_t refresh;           /* seconds, 0 none */
	VEC(char *) auth;           /* "user:password" */
	VEC(char *) scope;          /* proxy names or "." */
	unsigned flags;
	char *node;                 /* show-node name, NULL: hostname */
	char *desc;                 /* show-desc text, NULL: global desc */
	VEC(struct acl_cond *) admin; /* stats admin if|unless <cond> */
	VEC(struct px_rule *) http_req; /* stats http-request allow|deny|auth */
	struct cfg_loc loc;
};

/* Frees what proxy_fields.h adds to px (not px itself). */
void proxy_fields_free(struct cfg_proxy *px);

/* Internal: shared by the rule, check and stats modules. */
void px_rule_free(struct px_rule *r);
void px_check_rule_free(struct px_check_rule *r);
void px_stats_free(struct px_stats *s);
void px_reply_free(struct px_reply *r);
/* Parses an action line from w[argi] (the action word) for rule set rs and
 * returns the rule, or NULL (reported). The condition is parsed too.
 * kwname is the keyword as HAProxy names it ("http-request"). */
struct px_rule *px_action_parse(struct cfg_ctx *cx, enum px_ruleset rs,
                                const char *kwname, struct cfg_word *w,
                                int n, int argi, unsigned stages);
/* Stage set for a rule set in proxy px (FE and/or BE). */
unsigned px_stages(const struct cfg_proxy *px, enum px_ruleset rs);
/* "frontend 'x'" style naming used in messages. */
const char *px_kind(const struct cfg_proxy *px);
/* Proxy name for messages ("" for an anonymous defaults). */
const char *px_name(const struct cfg_proxy *px);

#endif
