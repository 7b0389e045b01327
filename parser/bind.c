/* bind lines, stats sockets and crt-list files (reference §1.10).
 *
 * Option rows (bind_opt_kws) use the cfg_kw handler signature with this
 * contract: w[argi - 1] is the option name, its arguments start at argi,
 * the target is cx->bind (or, inside a crt-list [...] block, the entry's
 * sslo_bind_conf, see conf_of()); the handler returns how many argument
 * words it consumed, or -1 after reporting. Ignored and unsupported rows
 * have no handler: their usage string says how many words they take. */
#include "bind.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "global.h"
#include "optutil.h"
#include "proxy.h"
#include "resolve.h"
#include "tables.h"
#include "tls_check.h"

static const struct ou_optset bind_set;

/* Set in cx->user while a crt-list [...] block is parsed. */
struct crtlist_scope {
	struct sslo_bind_conf *conf;
	const char *file;
};

static struct sslo_bind_conf *
conf_of(struct cfg_ctx *cx)
{
	if (cx->user)
		return ((struct crtlist_scope *)cx->user)->conf;
	return &cx->bind->ssl_conf;
}

/* Reports with HAProxy's prefix for bind options:
 * "'bind <addr>' in section 'frontend' : <text>" or "'stats socket' : ". */
static void __attribute__((format(printf, 3, 4)))
berr(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (cx->user)
		cx_error(cx, at, "crt-list '%s' : %s",
		         ((struct crtlist_scope *)cx->user)->file, msg);
	else if (cx->bind->px)
		cx_error(cx, at, "'bind %s' in section '%s' : %s", cx->bind->text,
		         proxy_type_name(cx->bind->px), msg);
	else
		cx_error(cx, at, "'stats socket' : %s", msg);
	free(msg);
}

/* The option's argument, or a report with "'<opt>' : <missing>". */
static const char *
arg1(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
     const char *missing)
{
	if (argi < n)
		return w[argi].s;
	berr(cx, &w[argi - 1], "'%s' : %s", w[argi - 1].s, missing);
	return NULL;
}

static bool
check_files(struct cfg_ctx *cx)
{
	return cx->cfg == NULL || cx->cfg->opts.check_files;
}

static const char *
crt_base(struct cfg_ctx *cx)
{
	return cx->cfg && cx->cfg->global ? cx->cfg->global->crt_base : NULL;
}

static const char *
ca_base(struct cfg_ctx *cx)
{
	return cx->cfg && cx->cfg->global ? cx->cfg->global->ca_base : NULL;
}

/* ---- TLS options ------------------------------------------------------ */

static int
o_ssl(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	cx->bind->ssl = true;
	return 0;
}

static int
o_crt(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing certificate location");
	struct stat st;

	if (v == NULL)
		return -1;
	char *path = ou_path(crt_base(cx), v);
	if (check_files(cx) && stat(path, &st) < 0 && tlsc_bundle_files(path, NULL) == 0) {
		berr(cx, &w[argi], "unable to stat SSL certificate from file '%s' : %s.",
		     path, strerror(errno));
		free(path);
		return -1;
	}
	/* HAProxy loads the chain and key while it parses the line */
	char *msg = check_files(cx) ? tlsc_load_crt(path, true) : NULL;
	if (msg) {
		berr(cx, &w[argi], "%s", msg);
		free(msg);
		free(path);
		return -1;
	}
	VEC_PUSH(cx->bind->crts, path);
	return 1;
}

static int
o_crt_list(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing certificate location");
	if (v == NULL)
		return -1;
	char *path = ou_path(crt_base(cx), v);
	struct cfg_crtlist *l = bind_crtlist_load(cx, &w[argi], path);
	free(path);
	if (l == NULL)
		return -1;
	VEC_PUSH(cx->bind->crtlists, l);
	return 1;
}

/* Options that store one string into the sslo_bind_conf. */
static int
conf_str(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
         char **dst, const char *missing)
{
	const char *v = arg1(cx, w, n, argi, missing);
	if (v == NULL)
		return -1;
	arg_set_str(dst, v);
	return 1;
}

static int
o_alpn(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_str(cx, w, n, argi, &conf_of(cx)->alpn,
	                "missing the comma-delimited ALPN protocol suite");
}

static int
o_npn(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_str(cx, w, n, argi, &conf_of(cx)->npn,
	                "missing the comma-delimited NPN protocol suite");
}

static int
o_ciphers(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_str(cx, w, n, argi, &conf_of(cx)->ciphers, "missing cipher suite");
}

static int
o_ciphersuites(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_str(cx, w, n, argi, &conf_of(cx)->ciphersuites, "missing cipher suite");
}

static int
o_curves(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_str(cx, w, n, argi, &conf_of(cx)->curves, "missing curve suite");
}

static int
o_ecdhe(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_str(cx, w, n, argi, &conf_of(cx)->ecdhe, "missing named curve");
}

/* ca-file, ca-verify-file, crl-file: ca-base applies; file must exist. */
static int
conf_cafile(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi, char **dst,
            const char *missing)
{
	const char *v = arg1(cx, w, n, argi, missing);
	struct stat st;

	if (v == NULL)
		return -1;
	char *path = ou_path(ca_base(cx), v);
	if (check_files(cx) && strcmp(path, "@system-ca") != 0 && stat(path, &st) < 0) {
		berr(cx, &w[argi], "'%s' : unable to load %s", w[argi - 1].s, path);
		free(path);
		return -1;
	}
	free(*dst);
	*dst = path;
	return 1;
}

static int
o_ca_file(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_cafile(cx, w, n, argi, &conf_of(cx)->ca_file, "missing CAfile path");
}

static int
o_ca_verify_file(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_cafile(cx, w, n, argi, &conf_of(cx)->ca_verify_file, "missing CAfile path");
}

static int
o_crl_file(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return conf_cafile(cx, w, n, argi, &conf_of(cx)->crl_file, "missing CRLfile path");
}

static int
o_verify(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing verify method");
	if (v == NULL)
		return -1;
	struct sslo_bind_conf *c = conf_of(cx);
	if (strcmp(v, "none") == 0)
		c->verify = SSLO_VERIFY_NONE;
	else if (strcmp(v, "optional") == 0)
		c->verify = SSLO_VERIFY_OPTIONAL;
	else if (strcmp(v, "required") == 0)
		c->verify = SSLO_VERIFY_REQUIRED;
	else {
		berr(cx, &w[argi], "'verify' : unknown verify method '%s', only 'none', 'optional', and 'required' are supported", v);
		return -1;
	}
	return 1;
}

static int
o_no_ca_names(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	conf_of(cx)->no_ca_names = true;
	return 0;
}

static int
o_allow_0rtt(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	conf_of(cx)->allow_0rtt = true;
	return 0;
}

static int
o_ssl_ver(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing the ssl/tls version");
	if (v == NULL)
		return -1;
	enum sslo_ver ver = sslo_ver_parse(v);
	if (ver == SSLO_VER_UNSET) {
		berr(cx, &w[argi], "'%s' : unknown ssl/tls version", v);
		return -1;
	}
	bool min = strcmp(w[argi - 1].s, "ssl-min-ver") == 0;
	if (cx->user) {
		if (min)
			conf_of(cx)->min_ver = ver;
		else
			conf_of(cx)->max_ver = ver;
	} else if (min) {
		cx->bind->ssl_opts.min_ver = ver;
	} else {
		cx->bind->ssl_opts.max_ver = ver;
	}
	return 1;
}

/* no-sslv3 .. force-tlsv13, no-tls-tickets, prefer-client-ciphers */
static int
o_ssl_flag(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	sslo_opts_word(&cx->bind->ssl_opts, w[argi - 1].s, NULL, true);
	return 0;
}

static int
o_ignore_err(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing error IDs list");
	if (v == NULL)
		return -1;
	if (strcmp(v, "all") != 0) {
		for (const char *p = v; *p; p++)
			if ((*p < '0' || *p > '9') && *p != ',') {
				berr(cx, &w[argi], "'%s' : invalid error ID list '%s'", w[argi - 1].s, v);
				return -1;
			}
	}
	if (w[argi - 1].s[1] == 'a')
		arg_set_str(&cx->bind->ca_ignore_err, v);
	else
		arg_set_str(&cx->bind->crt_ignore_err, v);
	return 1;
}

static int
o_strict_sni(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	cx->bind->strict_sni = true;
	return 0;
}

static int
o_tls_ticket_keys(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing TLS ticket keys file path");
	if (v == NULL)
		return -1;
	char *msg = check_files(cx) ? tlsc_ticket_keys(v, NULL, NULL) : NULL;
	if (msg) {
		berr(cx, &w[argi], "%s", msg);
		free(msg);
		return -1;
	}
	arg_set_str(&cx->bind->tls_ticket_keys, v);
	return 1;
}

/* ---- socket options ----------------------------------------------------- */

static int
o_flag(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_bind *b = cx->bind;
	const char *o = w[argi - 1].s;

	if (strcmp(o, "accept-proxy") == 0)
		b->accept_proxy = true;
	else if (strcmp(o, "defer-accept") == 0)
		b->defer_accept = true;
	else if (strcmp(o, "tfo") == 0)
		b->tfo = true;
	else if (strcmp(o, "transparent") == 0)
		b->transparent = true;
	else if (strcmp(o, "v4v6") == 0)
		b->v4v6 = true;
	else if (strcmp(o, "v6only") == 0)
		b->v6only = true;
	return 0;
}

/* Integer options read with atol() like HAProxy (backlog, maxconn):
 * junk is accepted as HAProxy does, with a warning. */
static int
o_atol(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *o = w[argi - 1].s;
	const char *v = arg1(cx, w, n, argi, "missing value");
	bool strict;
	if (v == NULL)
		return -1;
	long long x = ou_atol(v, &strict);
	if (!strict)
		cx_warn(cx, &w[argi], "'%s' : '%s' is not a number: read as %lld, as HAProxy does", o, v, x);
	if (x < 0 || x > 0x7fffffff) {
		berr(cx, &w[argi], "'%s' : invalid value '%s'", o, v);
		return -1;
	}
	if (strcmp(o, "backlog") == 0)
		cx->bind->backlog = (int)x;
	else
		cx->bind->maxconn = (int)x;
	return 1;
}

static int
o_id(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "expects an integer argument");
	long long x;
	if (v == NULL)
		return -1;
	if (!ou_int(v, &x)) {
		berr(cx, &w[argi], "'id' : expects an integer argument, found '%s'", v);
		return -1;
	}
	if (x <= 0 || x > 0x7fffffff) {
		berr(cx, &w[argi], "'id' : custom id has to be > 0");
		return -1;
	}
	cx->bind->id = (int)x;
	return 1;
}

static int
o_name(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing name");
	if (v == NULL)
		return -1;
	arg_set_str(&cx->bind->name, v);
	return 1;
}

static int
o_interface(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing interface name");
	if (v == NULL)
		return -1;
	arg_set_str(&cx->bind->interface, v);
	return 1;
}

static int
o_mss(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing MSS value");
	long long x;
	if (v == NULL)
		return -1;
	if (!ou_int(v, &x) || x == 0 || x < -65535 || x > 65535) {
		berr(cx, &w[argi], "'mss' : expects an MSS with and absolute value between 1 and 65535");
		return -1;
	}
	cx->bind->mss = (int)x;
	return 1;
}

static int
o_tcp_ut(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return ou_tcp_ut(cx, &bind_set, w, n, argi, &cx->bind->tcp_ut);
}

static int
o_proto(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing value");
	if (v == NULL)
		return -1;
	if (strcmp(v, "h1") == 0)
		cx->bind->proto = BIND_PROTO_H1;
	else if (strcmp(v, "h2") == 0)
		cx->bind->proto = BIND_PROTO_H2;
	else if (strcmp(v, "none") == 0)
		cx->bind->proto = BIND_PROTO_NONE;
	else {
		berr(cx, &w[argi], "'proto' :  unknown MUX protocol '%s'", v);
		return -1;
	}
	return 1;
}

/* "thread [<grp>/]<set>": numbers/ranges 1..64, "all", "odd", "even". */
static int
o_thread(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing thread set");
	if (v == NULL)
		return -1;
	const char *set = strchr(v, '/') ? strchr(v, '/') + 1 : v;
	if (strcmp(set, "all") != 0 && strcmp(set, "odd") != 0 &&
	    strcmp(set, "even") != 0) {
		char *dup = xstrdup(set), *save = NULL;
		for (char *r = strtok_r(dup, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
			long long lo, hi;
			char *dash = strchr(r, '-');
			bool ok;
			if (dash) {
				*dash = '\0';
				ok = ou_int(r, &lo) && ou_int(dash + 1, &hi);
				*dash = '-';
			} else {
				ok = ou_int(r, &lo);
				hi = lo;
			}
			if (!ok || lo < 1 || hi > 64 || hi < lo) {
				berr(cx, &w[argi], "'%s' : '%s' is not a valid number/range. It supports numbers from 1 to 64.",
				     r, r);
				free(dup);
				return -1;
			}
		}
		free(dup);
	}
	arg_set_str(&cx->bind->thread, v);
	return 1;
}

/* "process 1|all|odd|..." is meaningless with one process: only the
 * values HAProxy 2.6 still accepts with nbproc gone. */
static int
o_process(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = arg1(cx, w, n, argi, "missing process set");
	if (v == NULL)
		return -1;
	const char *set = strchr(v, '/') ? strchr(v, '/') + 1 : v;
	if (strncmp(v, "all", 3) != 0 && strncmp(v, "odd", 3) != 0 &&
	    strcmp(v, "1") != 0 && strncmp(v, "1/", 2) != 0) {
		berr(cx, &w[argi], "'process' : '%s' is not a valid number/range. It supports numbers from 1 to 1.", v);
		return -1;
	}
	(void)set;
	cx_warn(cx, &w[argi - 1], "'process' has no effect: sluice runs one process, as HAProxy 2.6 does");
	return 1;
}

static int
o_mode(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	char *end;
	long m = strtol(v, &end, 8);
	if (*v == '\0' || *end || m < 0 || m > 07777) {
		berr(cx, &w[argi < n ? argi : argi - 1],
		     "'mode' : missing or invalid mode '%s' (octal integer expected)", v);
		return -1;
	}
	cx->bind->mode = (int)m;
	return argi < n ? 1 : 0;
}

static int
o_owner(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *o = w[argi - 1].s;
	const char *v = arg1(cx, w, n, argi, "missing value");
	struct cfg_bind *b = cx->bind;
	long long x;

	if (v == NULL)
		return -1;
	if (strcmp(o, "uid") == 0 || strcmp(o, "gid") == 0) {
		if (!ou_int(v, &x) || x < 0) {
			berr(cx, &w[argi], "'%s' : missing or invalid %s id '%s'", o,
			     o[0] == 'u' ? "user" : "group", v);
			return -1;
		}
		if (o[0] == 'u')
			b->uid = (uid_t)x, b->uid_set = true;
		else
			b->gid = (gid_t)x, b->gid_set = true;
	} else if (strcmp(o, "user") == 0) {
		if (!ou_user(v, &b->uid)) {
			berr(cx, &w[argi], "'user' : unknown user name '%s'", v);
			return -1;
		}
		b->uid_set = true;
	} else {
		if (!ou_group(v, &b->gid)) {
			berr(cx, &w[argi], "'group' : unknown group name '%s'", v);
			return -1;
		}
		b->gid_set = true;
	}
	return 1;
}

/* Stats socket options; HAProxy quotes these texts once more. */
static int
o_level(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	const struct cfg_word *at = &w[argi < n ? argi : argi - 1];
	if (strcmp(v, "user") == 0)
		cx->bind->level = CLI_LEVEL_USER;
	else if (strcmp(v, "operator") == 0)
		cx->bind->level = CLI_LEVEL_OPERATOR;
	else if (strcmp(v, "admin") == 0)
		cx->bind->level = CLI_LEVEL_ADMIN;
	else {
		berr(cx, at, "''level' only supports 'user', 'operator', and 'admin' (got '%s')'", v);
		return -1;
	}
	return 1;
}

static int
o_severity(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	const struct cfg_word *at = &w[argi < n ? argi : argi - 1];
	if (strcmp(v, "none") == 0)
		cx->bind->severity_output = CLI_SEV_NONE;
	else if (strcmp(v, "number") == 0)
		cx->bind->severity_output = CLI_SEV_NUMBER;
	else if (strcmp(v, "string") == 0)
		cx->bind->severity_output = CLI_SEV_STRING;
	else {
		berr(cx, at, "''severity-output' only supports 'none', 'number', and 'string' (got '%s')'", v);
		return -1;
	}
	return 1;
}

static int
o_expose_fd(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	if (strcmp(v, "listeners") != 0) {
		berr(cx, &w[argi < n ? argi : argi - 1],
		     "''expose-fd' only supports 'listeners' (got '%s')'", v);
		return -1;
	}
	cx->bind->expose_fd_listeners = true;
	return 1;
}

#define SUP(name, usage, fn) { { name, KW_SUPPORTED, usage, NULL }, KW_FE, fn }
#define IGN(name, usage, note) { { name, KW_IGNORED, usage, note }, KW_FE, NULL }
#define UNS(name, usage, note) { { name, KW_UNSUPPORTED, usage, note }, KW_FE, NULL }

const struct cfg_kw bind_opt_kws[] = {
	SUP("accept-proxy", "", o_flag),
	UNS("accept-netscaler-cip", "<magic>", "NetScaler client IP insertion is not implemented"),
	SUP("allow-0rtt", "", o_allow_0rtt),
	SUP("alpn", "<protocols>", o_alpn),
	SUP("backlog", "<n>", o_atol),
	SUP("ca-file", "<file>", o_ca_file),
	SUP("ca-ignore-err", "all|<ids>", o_ignore_err),
	UNS("ca-sign-file", "<file>", "certificate generation is not implemented"),
	UNS("ca-sign-pass", "<pass>", "certificate generation is not implemented"),
	SUP("ca-verify-file", "<file>", o_ca_verify_file),
	SUP("ciphers", "<ciphers>", o_ciphers),
	SUP("ciphersuites", "<suites>", o_ciphersuites),
	SUP("crl-file", "<file>", o_crl_file),
	SUP("crt", "<file|dir>", o_crt),
	SUP("crt-ignore-err", "all|<ids>", o_ignore_err),
	SUP("crt-list", "<file>", o_crt_list),
	SUP("curves", "<curves>", o_curves),
	SUP("defer-accept", "", o_flag),
	SUP("ecdhe", "<curve>", o_ecdhe),
	SUP("expose-fd", "listeners", o_expose_fd),
	SUP("force-sslv3", "", o_ssl_flag),
	SUP("force-tlsv10", "", o_ssl_flag),
	SUP("force-tlsv11", "", o_ssl_flag),
	SUP("force-tlsv12", "", o_ssl_flag),
	SUP("force-tlsv13", "", o_ssl_flag),
	UNS("generate-certificates", "", "certificate generation is not implemented"),
	SUP("gid", "<gid>", o_owner),
	SUP("group", "<group>", o_owner),
	SUP("id", "<n>", o_id),
	SUP("interface", "<name>", o_interface),
	SUP("level", "user|operator|admin", o_level),
	SUP("maxconn", "<n>", o_atol),
	SUP("mode", "<octal>", o_mode),
	SUP("mss", "<n>", o_mss),
	SUP("name", "<name>", o_name),
	UNS("namespace", "<name>", "network namespaces are not implemented"),
	IGN("nice", "<n>", "HAProxy's task scheduling priority has no equivalent in sluice"),
	SUP("no-ca-names", "", o_no_ca_names),
	SUP("no-sslv3", "", o_ssl_flag),
	SUP("no-tls-tickets", "", o_ssl_flag),
	SUP("no-tlsv10", "", o_ssl_flag),
	SUP("no-tlsv11", "", o_ssl_flag),
	SUP("no-tlsv12", "", o_ssl_flag),
	SUP("no-tlsv13", "", o_ssl_flag),
	SUP("npn", "<protocols>", o_npn),
	SUP("prefer-client-ciphers", "", o_ssl_flag),
	SUP("process", "<set>", o_process),
	SUP("proto", "h1|h2|none", o_proto),
	SUP("severity-output", "none|number|string", o_severity),
	IGN("shards", "<n>|by-thread", "how HAProxy spreads a listener over its threads; sluice decides alone"),
	SUP("ssl", "", o_ssl),
	SUP("ssl-max-ver", "<version>", o_ssl_ver),
	SUP("ssl-min-ver", "<version>", o_ssl_ver),
	SUP("strict-sni", "", o_strict_sni),
	SUP("tcp-ut", "<time>", o_tcp_ut),
	SUP("tfo", "", o_flag),
	SUP("thread", "[<group>/]<set>", o_thread),
	SUP("tls-ticket-keys", "<file>", o_tls_ticket_keys),
	SUP("transparent", "", o_flag),
	SUP("uid", "<uid>", o_owner),
	SUP("user", "<user>", o_owner),
	SUP("v4v6", "", o_flag),
	SUP("v6only", "", o_flag),
	SUP("verify", "none|optional|required", o_verify),
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};

/* Options a crt-list [...] block may hold (HAProxy's ssl_bind_kws). */
static const char *const crtlist_opts[] = {
	"allow-0rtt", "alpn", "ca-file", "ca-verify-file", "ciphers",
	"ciphersuites", "crl-file", "curves", "ecdhe", "no-ca-names", "npn",
	"verify", "ssl-min-ver", "ssl-max-ver", NULL,
};

static bool
crtlist_allowed(struct cfg_ctx *cx, const struct cfg_kw *r, const struct cfg_word *at)
{
	for (const char *const *c = crtlist_opts; *c; c++)
		if (strcmp(*c, r->h.name) == 0)
			return true;
	berr(cx, at, "'%s' is not a valid keyword in a crt-list [ssl options] block", at->s);
	return false;
}

static void
bind_unknown(struct cfg_ctx *cx, const struct cfg_word *at, const char *sugg)
{
	const struct cfg_bind *b = cx->bind;

	/* HAProxy: no space before ':' in these messages */
	if (cx->user)
		berr(cx, at, "unknown keyword '%s'.", at->s);
	else if (b->px && sugg)
		cx_error(cx, at, "'bind %s' in section '%s': unknown keyword '%s'; did you mean '%s' maybe ?",
		         b->text, proxy_type_name(b->px), at->s, sugg);
	else if (b->px)
		cx_error(cx, at, "'bind %s' in section '%s': unknown keyword '%s'.",
		         b->text, proxy_type_name(b->px), at->s);
	else if (sugg)
		cx_error(cx, at, "'stats socket' : unknown keyword '%s'; did you mean '%s' maybe ?",
		         at->s, sugg);
	else
		cx_error(cx, at, "'stats socket' : unknown keyword '%s'.", at->s);
}

static void
bind_report(struct cfg_ctx *cx, const struct cfg_word *at, const char *msg)
{
	berr(cx, at, "%s", msg);
}

static const struct ou_optset bind_set = {
	bind_opt_kws, "bind", "", bind_report, bind_unknown, NULL,
};
static const struct ou_optset crtlist_set = {
	bind_opt_kws, "bind", "", bind_report, bind_unknown, crtlist_allowed,
};

/* ---- crt-list ----------------------------------------------------------- */

void
bind_crtlist_free(struct cfg_crtlist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->entries.n; i++) {
		struct cfg_crtlist_entry *e = &l->entries.v[i];
		free(e->crt);
		sslo_bind_conf_clear(&e->conf);
		for (size_t j = 0; j < e->filters.n; j++)
			free(e->filters.v[j]);
		free(e->filters.v);
	}
	free(l->entries.v);
	free(l->path);
	free(l);
}

/* Splits a crt-list line into words (blank separated, '#' starts a
 * comment), with their columns. '[' and ']' become words of their own. */
static int
crtlist_split(char *line, const char *file, int lineno, struct cfg_word *out, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0' || *p == '#')
			break;
		struct cfg_word *w = &out[n++];
		w->loc.file = file;
		w->loc.line = lineno;
		w->loc.col = (int)(p - line) + 1;
		w->quoted = false;
		if (*p == '[' || *p == ']') {
			/* a one-char word; keep the char and cut after it */
			w->s = (*p == '[') ? "[" : "]";
			*p++ = '\0';
		} else {
			w->s = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\r' &&
			       *p != '\n' && *p != ']' && *p != '[')
				p++;
			if (*p == ']' || *p == '[') {
				/* cut here; the bracket is re-read next turn */
				char c = *p;
				*p = '\0';
				w->len = strlen(w->s);
				if (n < max) {
					struct cfg_word *b = &out[n++];
					b->loc = w->loc;
					b->loc.col = (int)(p - line) + 1;
					b->quoted = false;
					b->s = c == ']' ? "]" : "[";
					b->len = 1;
				}
				p++;
				continue;
			}
		}
		w->len = strlen(w->s);
	}
	return n;
}

struct cfg_crtlist *
bind_crtlist_load(struct cfg_ctx *cx, const struct cfg_word *at, const char *path)
{
	FILE *f = fopen(path, "r");
	struct cfg_crtlist *l = NULL;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, ret = -1;
	void *saved_user = cx->user;

	if (f == NULL) {
		berr(cx, at, "'crt-list' : cannot open file '%s' : %s", path, strerror(errno));
		return NULL;
	}
	const char *file = cx->cfg ? cfg_intern_file(cx->cfg, path) : "crt-list";
	l = xcalloc(1, sizeof(*l));
	l->path = xstrdup(path);
	while (getline(&line, &cap, f) >= 0) {
		struct cfg_word w[64];
		lineno++;
		int n = crtlist_split(line, file, lineno, w, 64);
		if (n == 0)
			continue;
		struct cfg_crtlist_entry e = { 0 };
		e.loc = w[0].loc;
		e.crt = ou_path(crt_base(cx), w[0].s);
		int i = 1;
		if (i < n && strcmp(w[i].s, "[") == 0) {
			int close = i + 1;
			while (close < n && strcmp(w[close].s, "]") != 0)
				close++;
			if (close >= n) {
				cx_error(cx, &w[i], "crt-list '%s' : missing ']' in the ssl options block", path);
				goto bad_entry;
			}
			struct crtlist_scope scope = { &e.conf, path };
			cx->user = &scope;
			e.has_conf = true;
			int r = ou_parse_opts(cx, &crtlist_set, w, close, i + 1);
			cx->user = saved_user;
			if (r < 0)
				goto bad_entry;
			i = close + 1;
		}
		for (; i < n; i++) {
			if (strcmp(w[i].s, "[") == 0 || strcmp(w[i].s, "]") == 0) {
				cx_error(cx, &w[i], "crt-list '%s' : unexpected '%s' among the SNI filters", path, w[i].s);
				goto bad_entry;
			}
			VEC_PUSH(e.filters, xstrdup(w[i].s));
		}
		/* HAProxy's texts, at the entry's own file:line:col */
		char *msg = check_files(cx) ? tlsc_load_crt(e.crt, true) : NULL;
		if (msg) {
			if (cx->bind)
				berr(cx, &w[0], "'crt-list' : %s", msg);
			else
				cx_error(cx, &w[0], "'crt-list' : %s", msg);
			free(msg);
			goto bad_entry;
		}
		VEC_PUSH(l->entries, e);
		continue;
bad_entry:
		free(e.crt);
		sslo_bind_conf_clear(&e.conf);
		for (size_t j = 0; j < e.filters.n; j++)
			free(e.filters.v[j]);
		free(e.filters.v);
		goto out;
	}
	ret = 0;
out:
	cx->user = saved_user;
	free(line);
	fclose(f);
	if (ret < 0) {
		bind_crtlist_free(l);
		l = NULL;
	}
	return l;
}

/* ---- bind lines ----------------------------------------------------------- */

void
bind_free(struct cfg_bind *b)
{
	if (b == NULL)
		return;
	free(b->text);
	for (size_t i = 0; i < b->naddrs; i++)
		addr_clear(&b->addrs[i]);
	free(b->addrs);
	for (size_t i = 0; i < b->crts.n; i++)
		free(b->crts.v[i]);
	free(b->crts.v);
	for (size_t i = 0; i < b->crtlists.n; i++)
		bind_crtlist_free(b->crtlists.v[i]);
	free(b->crtlists.v);
	sslo_bind_conf_clear(&b->ssl_conf);
	free(b->ca_ignore_err);
	free(b->crt_ignore_err);
	free(b->tls_ticket_keys);
	free(b->interface);
	free(b->name);
	free(b->thread);
	free(b);
}

/* The global "unix-bind" settings on a proxy's bind line, before its own
 * options (which override them). As HAProxy 2.6 does (observed): the
 * prefix is prepended to every UNIX path as a string, absolute or not;
 * stats sockets and abstract sockets are left alone. */
static int
apply_unix_bind(struct cfg_ctx *cx, struct cfg_bind *b, const struct cfg_word *at)
{
	const struct cfg_global *g = cx->cfg->global;

	if (g == NULL)
		return 0;
	b->mode = g->unix_bind_mode;
	b->uid = g->unix_bind_uid;
	b->uid_set = g->unix_bind_uid_set;
	b->gid = g->unix_bind_gid;
	b->gid_set = g->unix_bind_gid_set;
	if (g->unix_bind_prefix == NULL || g->unix_bind_prefix[0] == '\0')
		return 0;
	for (size_t i = 0; i < b->naddrs; i++) {
		struct cfg_addr *a = &b->addrs[i];
		if (a->kind != ADDR_UNIX)
			continue;
		struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
		char *p = xasprintf("%s%s", g->unix_bind_prefix, a->path);
		size_t len = strlen(p);
		if (len > sizeof(sun->sun_path) - 1) {
			cx_error(cx, at, "'bind' : unix socket path '%s' too long (max %zu)",
			         p, sizeof(sun->sun_path) - 1);
			free(p);
			return -1;
		}
		memset(sun->sun_path, 0, sizeof(sun->sun_path));
		memcpy(sun->sun_path, p, len);
		a->sslen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
		free(a->path);
		a->path = p;
	}
	return 0;
}

struct cfg_bind *
bind_parse(struct cfg_ctx *cx, struct cfg_proxy *px, struct cfg_word *w, int n,
           int addri)
{
	struct cfg_bind *b = xcalloc(1, sizeof(*b));
	struct cfg_bind *saved = cx->bind;
	void *saved_user = cx->user;
	const char *ctx = px ? "'bind' : " : "'stats socket' : ";

	b->loc = w[addri].loc;
	b->text = xstrdup(w[addri].s);
	b->px = px;
	b->mode = -1;
	b->level = CLI_LEVEL_OPERATOR;
	unsigned flags = ADDR_F_PORT_MAND | ADDR_F_PORT_RANGE | ADDR_F_UNIX |
	                 ADDR_F_FD | ADDR_F_SOCKPAIR;
	if (addr_parse_list(cx, &w[addri], ctx, flags, &b->addrs, &b->naddrs) < 0)
		goto err;
	if (px != NULL && apply_unix_bind(cx, b, &w[addri]) < 0)
		goto err;
	cx->bind = b;
	cx->user = NULL;
	if (ou_parse_opts(cx, &bind_set, w, n, addri + 1) < 0)
		goto err;
	cx->bind = saved;
	cx->user = saved_user;
	return b;
err:
	cx->bind = saved;
	cx->user = saved_user;
	bind_free(b);
	return NULL;
}

/* bind <addr>[,...] [options] */
static int
kw_bind(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n,
        int argi)
{
	if (argi >= n) {
		cx_error(cx, &w[0], "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.");
		return -1;
	}
	struct cfg_bind *b = bind_parse(cx, cx->px, w, n, argi);
	if (b == NULL)
		return -1;
	VEC_PUSH(cx->px->binds, b);
	return 0;
}

const struct cfg_kw bind_section_kws[] = {
	{ { "bind", KW_SUPPORTED, "<addr>[,<addr>...] [options]", NULL }, KW_FE, kw_bind },
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};

/* ---- resolve: global TLS defaults, ssl without certificate ------------- */

/* Messages of one bind's TLS checks: HAProxy checks every context (the
 * bind's and one per crt-list entry) and repeats itself; we say each
 * thing once. */
struct tls_report {
	struct diag *d;
	const struct cfg_bind *b;
	VEC(char *) seen;
	int ret;
};

/* True (text freed) when r already said text; else r keeps it. */
static bool
tls_said(struct tls_report *r, char *text)
{
	for (size_t i = 0; i < r->seen.n; i++)
		if (strcmp(r->seen.v[i], text) == 0) {
			free(text);
			return true;
		}
	VEC_PUSH(r->seen, text);
	return false;
}

static void
tls_emit(struct tls_report *r, bool error, char *text)
{
	if (tls_said(r, text))
		return;
	if (error) {
		diag_error(r->d, &r->b->loc, "%s", text);
		r->ret = -1;
	} else {
		diag_warn(r->d, &r->b->loc, "%s", text);
	}
}

/* A sluice-only warning (diag_advise: not fatal under zero-warning), said
 * once per bind like the others. */
static void
tls_advise(struct tls_report *r, char *text)
{
	if (!tls_said(r, text))
		diag_advise(r->d, &r->b->loc, "%s", text);
}

/* "Proxy '<px>': <what> for bind '<addr>' at [<file>:<line>].<after>" */
static void __attribute__((format(printf, 4, 5)))
tls_report(struct tls_report *r, bool error, const char *after, const char *fmt, ...)
{
	const struct cfg_bind *b = r->b;
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	tls_emit(r, error, xasprintf("Proxy '%s': %s for bind '%s' at [%s:%d].%s",
	                             b->px ? b->px->name : "GLOBAL", what, b->text,
	                             b->loc.file ? b->loc.file : "", b->loc.line, after));
	free(what);
}

/* One TLS context: the bind's settings, overridden by a crt-list entry's
 * (e may be NULL). Same checks, same order as ssl_sock_prepare_ctx(). */
static void
check_ctx(struct tls_report *r, const struct sslo_bind_conf *e)
{
	const struct cfg_bind *b = r->b;
	const struct sslo_bind_conf *c = &b->ssl_conf;
	struct tlsc_vers v;

	tlsc_versions(&b->ssl_opts, e ? e->min_ver : SSLO_VER_UNSET,
	              e ? e->max_ver : SSLO_VER_UNSET, true, &v);
	if (v.flags_ignored)
		tls_report(r, false, " Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.",
		           "no-sslv3/no-tlsv1x are ignored");
	if (v.ambiguous)
		tls_emit(r, false, xasprintf("Proxy '%s': Ambiguous configuration for bind '%s' at [%s:%d]: the ssl-min-ver value is not configured and the ssl-max-ver value is lower than the default ssl-min-ver value (TLSv1.2). Setting the ssl-min-ver to %s. Use 'ssl-min-ver' to fix this.",
		                             b->px ? b->px->name : "GLOBAL", b->text,
		                             b->loc.file ? b->loc.file : "", b->loc.line,
		                             sslo_ver_name(v.min)));
	if (v.hole != SSLO_VER_UNSET) {
		char *h = xasprintf(" Hole find for %s. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.",
		                    sslo_ver_name(v.hole));
		tls_report(r, false, h, "SSL/TLS versions range not contiguous");
		free(h);
	}
	if (v.none)
		tls_report(r, true, "", "all SSL/TLS versions are disabled");
	/* HAProxy accepts a downgrade silently; it is legal but should never
	 * be an accident (doc/security.md) */
	if (v.below12)
		tls_advise(r, xasprintf("bind '%s' allows %s, a protocol version below TLSv1.2 (set by ssl-min-ver, ssl-max-ver, force-* or no-tlsv1x on this line, in its crt-list or in ssl-default-bind-options): TLSv1.0 and TLSv1.1 are deprecated (RFC 8996); use 'ssl-min-ver TLSv1.2' unless old clients really need it",
		                        b->text, sslo_ver_name(v.min)));

	enum sslo_verify verify = e && e->verify ? e->verify : c->verify;
	const char *ca = e && e->ca_file ? e->ca_file : c->ca_file;
	const char *cav = e && e->ca_verify_file ? e->ca_verify_file : c->ca_verify_file;
	if ((verify == SSLO_VERIFY_OPTIONAL || verify == SSLO_VERIFY_REQUIRED) && !ca && !cav)
		tls_report(r, true, "", "verify is enabled but no CA file specified");

	const char *ciphers = e && e->ciphers ? e->ciphers : c->ciphers;
	const char *suites = e && e->ciphersuites ? e->ciphersuites : c->ciphersuites;
	const char *curves = e && e->curves ? e->curves : c->curves;
	const char *ecdhe = e && e->ecdhe ? e->ecdhe : c->ecdhe;
	unsigned bad = tlsc_check_lists(false, ciphers, suites, curves, ecdhe);
	if (bad & TLSC_BAD_CIPHERS)
		tls_report(r, true, "", "unable to set SSL cipher list to '%s'", ciphers);
	if (bad & TLSC_BAD_SUITES)
		tls_report(r, true, "", "unable to set TLS 1.3 cipher suites to '%s'", suites);
	if (bad & TLSC_BAD_CURVES)
		tls_report(r, true, "", "unable to set SSL curves list to '%s'", curves);
	if (bad & TLSC_BAD_ECDHE)
		tls_report(r, true, "", "unable to set elliptic named curve to '%s'", ecdhe);
}

static int
resolve_bind(struct cfg *cfg, struct diag *d, struct cfg_bind *b)
{
	const struct cfg_global *g = cfg->global;

	if (!b->ssl)
		return 0;
	if (g) {
		sslo_opts_merge(&b->ssl_opts, &g->ssl_bind_opts);
		ou_merge_str(&b->ssl_conf.ciphers, g->ssl_bind_ciphers);
		ou_merge_str(&b->ssl_conf.ciphersuites, g->ssl_bind_ciphersuites);
		ou_merge_str(&b->ssl_conf.curves, g->ssl_bind_curves);
	}
	if (b->px && b->crts.n == 0 && b->crtlists.n == 0) {
		diag_error(d, &b->loc, "Proxy '%s': no SSL certificate specified for bind '%s' at [%s:%d] (use 'crt').",
		           b->px->name, b->text, b->loc.file ? b->loc.file : "", b->loc.line);
		return -1;
	}
	struct tls_report r = { d, b, { 0 }, 0 };
	check_ctx(&r, NULL);
	for (size_t i = 0; i < b->crtlists.n; i++)
		for (size_t j = 0; j < b->crtlists.v[i]->entries.n; j++)
			if (b->crtlists.v[i]->entries.v[j].has_conf)
				check_ctx(&r, &b->crtlists.v[i]->entries.v[j].conf);
	for (size_t i = 0; i < r.seen.n; i++)
		free(r.seen.v[i]);
	free(r.seen.v);
	return r.ret;
}

int
binds_resolve(struct cfg *cfg, struct diag *d)
{
	int ret = 0;

	for (size_t i = 0; i < cfg->proxies.n; i++) {
		struct cfg_proxy *px = cfg->proxies.v[i];
		for (size_t j = 0; j < px->binds.n; j++)
			if (resolve_bind(cfg, d, px->binds.v[j]) < 0)
				ret = -1;
	}
	if (cfg->global)
		for (size_t j = 0; j < cfg->global->stats_sockets.n; j++)
			if (resolve_bind(cfg, d, cfg->global->stats_sockets.v[j]) < 0)
				ret = -1;
	return ret;
}
