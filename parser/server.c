/* server, default-server and server-template (reference §1.11).
 *
 * Option rows (server_opt_kws) follow the bind option contract: w[argi-1]
 * is the option, arguments start at argi, the target is cx->srv, the
 * handler returns how many argument words it used or -1 after
 * reporting. Messages keep HAProxy's texts, prefixed by
 * "'server <proxy>/<name>' : " (nothing for default-server). */
#include "server.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "global.h"
#include "optutil.h"
#include "proxy.h"
#include "resolve.h"
#include "sample.h"
#include "tables.h"

static void __attribute__((format(printf, 3, 4)))
serr(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct cfg_server *s = cx->srv;
	if (s->is_default)
		cx_error(cx, at, "%s", msg);
	else
		cx_error(cx, at, "'server %s/%s' : %s", s->px && s->px->name ? s->px->name : "",
		         s->name, msg);
	free(msg);
}

static const char *
sname(struct cfg_ctx *cx)
{
	return cx->srv->name ? cx->srv->name : "";
}

static void
srv_report(struct cfg_ctx *cx, const struct cfg_word *at, const char *msg)
{
	serr(cx, at, "%s", msg);
}

static void
srv_unknown(struct cfg_ctx *cx, const struct cfg_word *at, const char *sugg)
{
	if (cx->srv->is_default)
		cx_error(cx, at, "unknown keyword '%s'. Hint: no address was expected for this server.",
		         at->s);
	else if (sugg)
		serr(cx, at, "unknown keyword '%s'; did you mean '%s' maybe ?", at->s, sugg);
	else
		serr(cx, at, "unknown keyword '%s'.", at->s);
}

static const struct ou_optset server_set = {
	server_opt_kws, "server", ".", srv_report, srv_unknown, NULL,
};

/* ---- flags and their "no-" forms ------------------------------------- */

static int
o_flag(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *o = w[argi - 1].s;
	bool on = strncmp(o, "no-", 3) != 0;
	const char *b = on ? o : o + 3;

	if (strcmp(b, "check") == 0) s->check = on;
	else if (strcmp(b, "backup") == 0) s->backup = on;
	else if (strcmp(b, "agent-check") == 0) s->agent_check = on;
	else if (strcmp(b, "check-send-proxy") == 0) s->check_send_proxy = on;
	else if (strcmp(b, "check-ssl") == 0) s->check_ssl = on;
	else if (strcmp(b, "check-via-socks4") == 0) s->check_via_socks4 = on;
	else if (strcmp(b, "send-proxy") == 0) s->send_proxy = on ? 1 : 0;
	else if (strcmp(b, "send-proxy-v2") == 0) s->send_proxy = on ? 2 : 0;
	else if (strcmp(b, "send-proxy-v2-ssl") == 0) {
		s->send_proxy = on ? 2 : 0;
		s->pp2_opts = on ? (s->pp2_opts | SRV_PP2_SSL) : 0;
	} else if (strcmp(b, "send-proxy-v2-ssl-cn") == 0) {
		s->send_proxy = on ? 2 : 0;
		s->pp2_opts = on ? (s->pp2_opts | SRV_PP2_SSL | SRV_PP2_CERT_CN) : 0;
	} else if (strcmp(b, "ssl") == 0) s->ssl = on;
	else if (strcmp(b, "tfo") == 0) s->tfo = on;
	else if (strcmp(o, "disabled") == 0) s->disabled = true;
	else if (strcmp(o, "enabled") == 0) s->disabled = false;
	else if (strcmp(o, "non-stick") == 0) s->non_stick = true;
	else if (strcmp(o, "stick") == 0) s->non_stick = false;
	else if (strcmp(o, "ssl-reuse") == 0) s->ssl_reuse = true;
	else if (strcmp(o, "no-ssl-reuse") == 0) s->ssl_reuse = false;
	else if (strcmp(o, "allow-0rtt") == 0) s->allow_0rtt = true;
	else if (strcmp(o, "tls-tickets") == 0) s->ssl_opts.no_tls_tickets = false;
	else
		sslo_opts_word(&s->ssl_opts, o, NULL, false); /* no-sslv3, force-*, no-tls-tickets */
	return 0;
}

/* ---- numbers and times -------------------------------------------------- */

/* HAProxy words the errors of its time options in four ways. */
enum srv_time_msgs {
	STM_INTER,     /* inter, fastinter, downinter, agent-inter */
	STM_SLOWSTART,
	STM_PURGE,     /* pool-purge-delay */
};

static const struct {
	const char *name;
	size_t off;
	enum srv_time_msgs msgs;
} time_opts[] = {
	{ "inter", offsetof(struct cfg_server, inter), STM_INTER },
	{ "fastinter", offsetof(struct cfg_server, fastinter), STM_INTER },
	{ "downinter", offsetof(struct cfg_server, downinter), STM_INTER },
	{ "agent-inter", offsetof(struct cfg_server, agent_inter), STM_INTER },
	{ "slowstart", offsetof(struct cfg_server, slowstart), STM_SLOWSTART },
	{ "pool-purge-delay", offsetof(struct cfg_server, pool_purge_delay), STM_PURGE },
};

/* Times; the texts are HAProxy 2.6's, down to the option it names: its
 * bad-character message of inter/fastinter/downinter says 'agent-inter'
 * (reference §2.4), and an empty slowstart reads as a NUL character. */
static int
o_time(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *o = kw->h.name;
	const char *v = ou_arg(w, n, argi);
	const struct cfg_word *at = ou_arg_at(w, n, argi);
	size_t i = 0;
	const char *end;
	uint32_t ms;

	while (i < ARRAY_SIZE(time_opts) - 1 && strcmp(time_opts[i].name, o) != 0)
		i++;
	enum srv_time_msgs m = time_opts[i].msgs;
	enum arg_time_rc rc = arg_time_parse(v, TIME_UNIT_MS, &ms, &end);
	switch (rc) {
	case ARG_TIME_OK:
		break;
	case ARG_TIME_TRAILING:
		arg_time_warn_trailing(cx, at, end);
		break;
	case ARG_TIME_EMPTY:
		if (m == STM_INTER)
			serr(cx, at, "'%s' expects a delay as argument..", o);
		else if (m == STM_SLOWSTART)
			serr(cx, at, "unexpected character '.");
		else
			serr(cx, at, "'%s' expects <value> as argument..", o);
		return -1;
	case ARG_TIME_BADCHAR:
		if (m == STM_PURGE)
			serr(cx, at, "unexpected character '%c' in argument to <%s>..", *end, o);
		else
			serr(cx, at, "unexpected character '%c' in '%s' argument of server %s..", *end,
			     m == STM_INTER ? "agent-inter" : o, sname(cx));
		return -1;
	case ARG_TIME_OVERFLOW:
		if (m == STM_INTER)
			serr(cx, at, "timer overflow in argument <%s> to <%s> of server %s, maximum value is 2147483647 ms (~24.8 days)..",
			     v, o, sname(cx));
		else if (m == STM_SLOWSTART)
			serr(cx, at, "overflow in argument <%s> to <%s> of server %s, maximum value is 2147483647 ms (~24.8 days)..",
			     v, o, sname(cx));
		else
			serr(cx, at, "timer overflow in argument '%s' to '%s' (maximum value is 2147483647 ms or ~24.8 days).",
			     v, o);
		return -1;
	}
	if (ms == 0 && m == STM_INTER) {
		serr(cx, at, "invalid value %s for argument '%s' of server %s..", v, o, sname(cx));
		return -1;
	}
	*(uint32_t *)((char *)cx->srv + time_opts[i].off) = ms;
	return 1;
}

static int
o_tcp_ut(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	return ou_tcp_ut(cx, &server_set, w, n, argi, &cx->srv->tcp_ut);
}

/* What HAProxy says when an integer option has no argument. */
enum srv_num_missing {
	SNM_ZERO,    /* nothing: atol("") reads 0 */
	SNM_INTEGER, /* "'<opt>' expects an integer argument." */
	SNM_PORT,    /* "'<opt>' expects a port number as argument." */
	SNM_VALUE,   /* "'<opt>' expects <value> as argument." */
};
/* ... and when the value is below the minimum. */
enum srv_num_low {
	SNL_GENERIC,  /* ours: "'<opt>' : invalid value '<v>'." */
	SNL_WEIGHT,   /* "weight of server <s> is not within 0 and 256 (<v>)." */
	SNL_POSITIVE, /* "'<opt>' has to be > 0." */
	SNL_ERRLIMIT, /* "error-limit has to be > 0." */
	SNL_PORT,     /* ours: "'<opt>' expects a valid port number (got '<v>')." */
	SNL_POOLMAX,  /* "'<opt>' must be >= -1." */
};

/* Integer options, read with atol() as HAProxy does (junk after digits
 * is a warning here). Above the maximum is an error of ours: HAProxy
 * wraps the value around. */
static const struct {
	const char *name;
	size_t off;
	long long min, max;
	enum srv_num_missing missing;
	enum srv_num_low low;
} num_opts[] = {
	{ "weight", offsetof(struct cfg_server, weight), 0, 256, SNM_ZERO, SNL_WEIGHT },
	{ "maxconn", offsetof(struct cfg_server, maxconn), -1, 0x7fffffff, SNM_ZERO, SNL_GENERIC },
	{ "maxqueue", offsetof(struct cfg_server, maxqueue), -1, 0x7fffffff, SNM_ZERO, SNL_GENERIC },
	{ "minconn", offsetof(struct cfg_server, minconn), -1, 0x7fffffff, SNM_ZERO, SNL_GENERIC },
	{ "port", offsetof(struct cfg_server, check_port), 0, 65535, SNM_PORT, SNL_PORT },
	{ "agent-port", offsetof(struct cfg_server, agent_port), 0, 65535, SNM_PORT, SNL_PORT },
	{ "pool-max-conn", offsetof(struct cfg_server, pool_max_conn), -1, 0x7fffffff, SNM_VALUE, SNL_POOLMAX },
	{ "pool-low-conn", offsetof(struct cfg_server, pool_low_conn), -1, 0x7fffffff, SNM_VALUE, SNL_GENERIC },
	{ "max-reuse", offsetof(struct cfg_server, max_reuse), -1, 0x7fffffff, SNM_VALUE, SNL_GENERIC },
	{ "error-limit", offsetof(struct cfg_server, error_limit), 1, 0x7fffffff, SNM_INTEGER, SNL_ERRLIMIT },
	{ "rise", offsetof(struct cfg_server, rise), 1, 0x7fffffff, SNM_INTEGER, SNL_POSITIVE },
	{ "fall", offsetof(struct cfg_server, fall), 1, 0x7fffffff, SNM_INTEGER, SNL_POSITIVE },
};

static int
o_num(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *o = kw->h.name;
	const char *v = ou_arg(w, n, argi);
	const struct cfg_word *at = ou_arg_at(w, n, argi);
	size_t i = 0;
	bool strict;

	while (i < ARRAY_SIZE(num_opts) - 1 && strcmp(num_opts[i].name, o) != 0)
		i++;
	if (argi >= n && num_opts[i].missing != SNM_ZERO) {
		static const char *const what[] = {
			[SNM_INTEGER] = "an integer argument",
			[SNM_PORT] = "a port number as argument",
			[SNM_VALUE] = "<value> as argument",
		};
		serr(cx, at, "'%s' expects %s..", o, what[num_opts[i].missing]);
		return -1;
	}
	long long x = ou_atol(v, &strict);
	if (num_opts[i].low == SNL_WEIGHT && (x < num_opts[i].min || x > num_opts[i].max)) {
		serr(cx, at, "weight of server %s is not within 0 and 256 (%lld)..", sname(cx), x);
		return -1;
	}
	if (x < num_opts[i].min) {
		switch (num_opts[i].low) {
		case SNL_POSITIVE:
			serr(cx, at, "'%s' has to be > 0..", o);
			break;
		case SNL_ERRLIMIT:
			serr(cx, at, "error-limit has to be > 0..");
			break;
		case SNL_PORT:
			serr(cx, at, "'%s' expects a valid port number (got '%s')..", o, v);
			break;
		case SNL_POOLMAX:
			serr(cx, at, "'%s' must be >= -1.", o);
			break;
		default:
			serr(cx, at, "'%s' : invalid value '%s'.", o, v);
			break;
		}
		return -1;
	}
	if (x > num_opts[i].max) {
		if (num_opts[i].low == SNL_PORT)
			serr(cx, at, "'%s' expects a valid port number (got '%s')..", o, v);
		else
			serr(cx, at, "'%s' : invalid value '%s'.", o, v);
		return -1;
	}
	if (!strict && argi < n)
		cx_warn(cx, at, "'%s' : '%s' is not a number: read as %lld, as HAProxy does", o, v, x);
	*(int *)((char *)cx->srv + num_opts[i].off) = (int)x;
	return argi < n ? 1 : 0;
}

static int
o_id(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *v = ou_arg(w, n, argi);
	long long x;

	if (*v == '\0') {
		serr(cx, ou_arg_at(w, n, argi), "'id' : expects an integer argument.");
		return -1;
	}
	if (!ou_int(v, &x) || x <= 0 || x > 0x7fffffff) {
		serr(cx, &w[argi], "'id' : custom id has to be > 0.");
		return -1;
	}
	if (s->px && !s->is_default) {
		for (size_t i = 0; i < s->px->servers.n; i++) {
			struct cfg_server *o = s->px->servers.v[i];
			if (o->id == x) {
				serr(cx, &w[argi], "'id' : custom id %lld already used at %s:%d ('server %s').",
				     x, o->loc.file ? o->loc.file : "", o->loc.line, o->name);
				return -1;
			}
		}
	}
	s->id = (int)x;
	return 1;
}

/* ---- strings ------------------------------------------------------------ */

/* Options storing one string; missing argument texts per HAProxy. */
static int
o_str(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *o = w[argi - 1].s;
	static const struct {
		const char *opt;
		size_t off;
		const char *missing;
	} t[] = {
		{ "cookie", offsetof(struct cfg_server, cookie), "'cookie' expects <value> as argument.." },
		{ "redir", offsetof(struct cfg_server, redir), "'redir' expects <prefix> as argument.." },
		{ "check-sni", offsetof(struct cfg_server, check_sni), "'check-sni' : missing SNI." },
		{ "check-alpn", offsetof(struct cfg_server, check_alpn), "'check-alpn' : missing the comma-delimited ALPN protocol suite." },
		{ "alpn", offsetof(struct cfg_server, alpn), "'alpn' : missing the comma-delimited ALPN protocol suite." },
		{ "npn", offsetof(struct cfg_server, npn), "'npn' : missing the comma-delimited NPN protocol suite." },
		{ "ciphers", offsetof(struct cfg_server, ciphers), "'ciphers' : missing cipher suite." },
		{ "ciphersuites", offsetof(struct cfg_server, ciphersuites), "'ciphersuites' : missing cipher suite." },
		{ "verifyhost", offsetof(struct cfg_server, verifyhost), "'verifyhost' : missing hostname." },
		{ "agent-send", offsetof(struct cfg_server, agent_send), "'agent-send' expects a string argument.." },
		{ "track", offsetof(struct cfg_server, track), "'track' expects [<proxy>/]<server> as argument.." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (strcmp(o, t[i].opt) != 0)
			continue;
		if (argi >= n) {
			serr(cx, &w[argi - 1], "%s", t[i].missing);
			return -1;
		}
		arg_set_str((char **)((char *)s + t[i].off), w[argi].s);
		if (strcmp(o, "track") == 0)
			s->track_loc = w[argi].loc;
		return 1;
	}
	return -1;
}

/* ca-file, crl-file, crt: files must exist (ca-base/crt-base apply). */
static int
o_file(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *o = w[argi - 1].s;
	const struct cfg_global *g = cx->cfg ? cx->cfg->global : NULL;
	bool crt = strcmp(o, "crt") == 0;
	struct stat st;

	if (argi >= n) {
		serr(cx, &w[argi - 1], "'%s' : missing %s file path.", o,
		     crt ? "certificate" : o[1] == 'a' ? "CAfile" : "CRLfile");
		return -1;
	}
	char *path = ou_path(g ? (crt ? g->crt_base : g->ca_base) : NULL, w[argi].s);
	/* HAProxy -c checks ca-file/crl-file but not the client crt */
	if (!crt && (cx->cfg == NULL || cx->cfg->opts.check_files) &&
	    strcmp(path, "@system-ca") != 0 && stat(path, &st) < 0) {
		if (crt)
			serr(cx, &w[argi], "unable to stat SSL certificate from file '%s'.", path);
		else
			serr(cx, &w[argi], "Couldn't open the %s '%s' (No such file or directory).",
			     o, path);
		free(path);
		return -1;
	}
	char **dst = crt ? &s->crt : o[1] == 'a' ? &s->ca_file : &s->crl_file;
	free(*dst);
	*dst = path;
	return 1;
}

/* ---- enumerations --------------------------------------------------------- */

static int
o_enum(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *o = w[argi - 1].s;
	const char *v = ou_arg(w, n, argi);
	const struct cfg_word *at = ou_arg_at(w, n, argi);

	if (strcmp(o, "observe") == 0) {
		if (strcmp(v, "none") == 0) s->observe = SRV_OBS_NONE;
		else if (strcmp(v, "layer4") == 0) s->observe = SRV_OBS_LAYER4;
		else if (strcmp(v, "layer7") == 0) s->observe = SRV_OBS_LAYER7;
		else {
			serr(cx, at, "'observe' expects one of 'none', 'layer4', 'layer7' but got '%s'.", v);
			return -1;
		}
	} else if (strcmp(o, "on-error") == 0) {
		if (strcmp(v, "fastinter") == 0) s->on_error = SRV_ONERR_FASTINTER;
		else if (strcmp(v, "fail-check") == 0) s->on_error = SRV_ONERR_FAIL_CHECK;
		else if (strcmp(v, "sudden-death") == 0) s->on_error = SRV_ONERR_SUDDEN_DEATH;
		else if (strcmp(v, "mark-down") == 0) s->on_error = SRV_ONERR_MARK_DOWN;
		else {
			serr(cx, at, "'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '%s'.", v);
			return -1;
		}
	} else if (strcmp(o, "on-marked-down") == 0) {
		if (strcmp(v, "shutdown-sessions") != 0) {
			serr(cx, at, "'on-marked-down' expects 'shutdown-sessions' but got '%s'.", v);
			return -1;
		}
		s->on_marked_down_shutdown = true;
	} else if (strcmp(o, "on-marked-up") == 0) {
		if (strcmp(v, "shutdown-backup-sessions") != 0) {
			serr(cx, at, "'on-marked-up' expects 'shutdown-backup-sessions' but got '%s'.", v);
			return -1;
		}
		s->on_marked_up_shutdown_backup = true;
	} else if (strcmp(o, "verify") == 0) {
		if (*v == '\0') {
			serr(cx, at, "'verify' : missing verify method.");
			return -1;
		}
		if (strcmp(v, "none") == 0) s->verify = SSLO_VERIFY_NONE;
		else if (strcmp(v, "required") == 0) s->verify = SSLO_VERIFY_REQUIRED;
		else {
			serr(cx, at, "'verify' : unknown verify method '%s', only 'none' and 'required' are supported.", v);
			return -1;
		}
	} else if (strcmp(o, "ws") == 0) {
		if (strcmp(v, "auto") == 0) s->ws = SRV_WS_AUTO;
		else if (strcmp(v, "h1") == 0) s->ws = SRV_WS_H1;
		else if (strcmp(v, "h2") == 0) s->ws = SRV_WS_H2;
		else {
			serr(cx, at, "'ws' has to be 'auto', 'h1' or 'h2'.");
			return -1;
		}
	} else if (strcmp(o, "proto") == 0 || strcmp(o, "check-proto") == 0) {
		enum srv_proto p;
		if (*v == '\0') {
			serr(cx, at, "'%s' : missing value.", o);
			return -1;
		}
		if (strcmp(v, "h1") == 0) p = SRV_PROTO_H1;
		else if (strcmp(v, "h2") == 0) p = SRV_PROTO_H2;
		else if (strcmp(v, "fcgi") == 0) p = SRV_PROTO_FCGI;
		else if (strcmp(v, "none") == 0) p = SRV_PROTO_NONE;
		else {
			serr(cx, at, "'%s' :  unknown MUX protocol '%s'.", o, v);
			return -1;
		}
		if (o[0] == 'p')
			s->proto = p;
		else
			arg_set_str(&s->check_proto, v);
	} else if (strcmp(o, "ssl-min-ver") == 0 || strcmp(o, "ssl-max-ver") == 0) {
		switch (sslo_opts_word(&s->ssl_opts, o, v, false)) {
		case SSLO_WORD_NO_VERSION:
			serr(cx, at, "'%s' : missing the ssl/tls version.", o);
			return -1;
		case SSLO_WORD_BAD_VERSION:
			serr(cx, at, "'%s' : unknown ssl/tls version.", v);
			return -1;
		default:
			break;
		}
	}
	return (argi < n ? 1 : 0);
}

/* init-addr last|libc|none|<ip>[,...] */
static int
o_init_addr(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *v = ou_arg(w, n, argi);
	char *dup = xstrdup(v), *save = NULL;
	int ret = -1;

	s->n_init_addr = 0;
	addr_clear(&s->init_addr_ip);
	for (char *m = strtok_r(dup, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		enum srv_init_addr k;
		if (strcmp(m, "last") == 0) k = SRV_IA_LAST;
		else if (strcmp(m, "libc") == 0) k = SRV_IA_LIBC;
		else if (strcmp(m, "none") == 0) k = SRV_IA_NONE;
		else {
			struct cfg_word one = w[argi];
			struct cfg_addr a;
			one.s = m;
			/* an address literal: checked quietly, as HAProxy */
			struct diag quiet = { 0 };
			struct diag *saved = cx->diag;
			cx->diag = &quiet;
			int r = addr_parse(cx, &one, "", ADDR_F_NO_PORT_OK | ADDR_F_PORT_ZERO, &a);
			cx->diag = saved;
			diag_free(&quiet);
			if (r < 0 || a.host) {
				addr_clear(&a);
				serr(cx, &w[argi], "'init-addr' : unknown init-addr method '%s', supported methods are 'libc', 'last', 'none'..", m);
				goto out;
			}
			addr_clear(&s->init_addr_ip);
			s->init_addr_ip = a;
			k = SRV_IA_IP;
		}
		if (s->n_init_addr < SRV_IA_MAX)
			s->init_addr[s->n_init_addr++] = k;
	}
	if (s->n_init_addr == 0) {
		serr(cx, ou_arg_at(w, n, argi), "'init-addr' expects a comma-separated list of methods.");
		goto out;
	}
	ret = 1;
out:
	free(dup);
	return ret;
}

/* addr / agent-addr <ip> */
static int
o_addr(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *o = w[argi - 1].s;
	struct cfg_addr *dst = o[0] == 'a' && o[1] == 'g' ? &s->agent_addr : &s->check_addr;
	struct cfg_addr a;

	if (argi >= n) {
		serr(cx, &w[argi - 1], "'%s' expects <ipv4|ipv6> as argument.", o);
		return -1;
	}
	/* HAProxy resolves these at once: a name must resolve now */
	char *ctx = s->is_default ? xasprintf("'%s' : ", o)
	                          : xasprintf("'server %s/%s' : '%s' : ",
	                                      s->px ? s->px->name : "", s->name, o);
	int r = addr_parse(cx, &w[argi], ctx, ADDR_F_NO_PORT_OK | ADDR_F_PORT_ZERO, &a);
	free(ctx);
	if (r < 0) {
		addr_clear(&a);
		return -1;
	}
	addr_clear(dst);
	*dst = a;
	return 1;
}

static int
o_sni(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	const char *end = NULL;

	if (argi >= n) {
		serr(cx, &w[argi - 1], "'sni' : missing sni expression.");
		return -1;
	}
	struct smp_expr *e = smp_expr_parse(cx, &w[argi], 0, &end, SMP_STG_SRV_CONN);
	if (e == NULL)
		return -1; /* reported by the sample parser */
	smp_expr_free(s->sni);
	s->sni = e;
	arg_set_str(&s->sni_text, w[argi].s);
	s->sni_loc = w[argi].loc;
	return 1;
}

static int
o_pp2_options(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	static const struct { const char *n; unsigned b; } t[] = {
		{ "ssl", SRV_PP2_SSL }, { "cert-cn", SRV_PP2_CERT_CN },
		{ "ssl-cipher", SRV_PP2_SSL_CIPHER }, { "cert-sig", SRV_PP2_CERT_SIG },
		{ "cert-key", SRV_PP2_CERT_KEY }, { "authority", SRV_PP2_AUTHORITY },
		{ "crc32c", SRV_PP2_CRC32C }, { "unique-id", SRV_PP2_UNIQUE_ID },
	};
	char *dup = xstrdup(ou_arg(w, n, argi)), *save = NULL;
	unsigned bits = 0;
	for (char *o = strtok_r(dup, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(t) && strcmp(o, t[i].n) != 0; i++)
			;
		if (i == ARRAY_SIZE(t)) {
			serr(cx, ou_arg_at(w, n, argi), "'%s' : proxy v2 option not implemented.", o);
			free(dup);
			return -1;
		}
		bits |= t[i].b;
	}
	free(dup);
	cx->srv->pp2_opts |= bits;
	cx->srv->send_proxy = 2;
	return (argi < n ? 1 : 0);
}

/* source <addr>[:<port>[-<port>]] [interface <name>]; usesrc (transparent
 * proxying) is rejected by the row table's note. */
static int
o_source(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct cfg_server *s = cx->srv;
	struct cfg_addr a;
	int used = 1;

	if (argi >= n) {
		serr(cx, &w[argi - 1], "'source' expects <addr>[:<port>[-<port>]], and optionally 'usesrc' <addr>, and 'interface' <name> as argument..");
		return -1;
	}
	char *ctx = xasprintf("\n  'source %s' : ", w[argi].s);
	int r = addr_parse(cx, &w[argi], ctx, ADDR_F_NO_PORT_OK | ADDR_F_PORT_RANGE |
	                   ADDR_F_PORT_ZERO, &a);
	free(ctx);
	if (r < 0) {
		addr_clear(&a);
		return -1;
	}
	addr_clear(&s->source);
	s->source = a;
	while (argi + used < n) {
		const char *k = w[argi + used].s;
		if (strcmp(k, "usesrc") == 0) {
			serr(cx, &w[argi + used], "'usesrc' is not supported by sluice: transparent proxying to servers is not implemented.");
			return -1;
		}
		if (strcmp(k, "interface") != 0)
			break;
		if (argi + used + 1 >= n) {
			serr(cx, &w[argi + used], "'interface' : missing interface name.");
			return -1;
		}
		arg_set_str(&s->source_interface, w[argi + used + 1].s);
		used += 2;
	}
	return used;
}

#define SUP(name, usage, fn) { { name, KW_SUPPORTED, usage, NULL }, KW_BE | KW_DEF, fn }
#define IGN(name, usage, note) { { name, KW_IGNORED, usage, note }, KW_BE | KW_DEF, NULL }
#define UNS(name, usage, note) { { name, KW_UNSUPPORTED, usage, note }, KW_BE | KW_DEF, NULL }
#define IGNP(name, usage, fn, note) { { name, KW_IGNORED, usage, note }, KW_BE | KW_DEF, fn }

const struct cfg_kw server_opt_kws[] = {
	SUP("addr", "<ip>", o_addr),
	SUP("agent-addr", "<ip>", o_addr),
	SUP("agent-check", "", o_flag),
	SUP("agent-inter", "<time>", o_time),
	SUP("agent-port", "<port>", o_num),
	SUP("agent-send", "<string>", o_str),
	SUP("allow-0rtt", "", o_flag),
	SUP("alpn", "<protocols>", o_str),
	SUP("backup", "", o_flag),
	SUP("ca-file", "<file>", o_file),
	SUP("check", "", o_flag),
	SUP("check-alpn", "<protocols>", o_str),
	UNS("check-proto", "<proto>", "health checks speak HTTP/1.1 only"),
	SUP("check-send-proxy", "", o_flag),
	SUP("check-sni", "<name>", o_str),
	SUP("check-ssl", "", o_flag),
	UNS("check-via-socks4", "", "SOCKS4 is not implemented"),
	SUP("ciphers", "<ciphers>", o_str),
	SUP("ciphersuites", "<suites>", o_str),
	SUP("cookie", "<value>", o_str),
	SUP("crl-file", "<file>", o_file),
	SUP("crt", "<file>", o_file),
	SUP("disabled", "", o_flag),
	SUP("downinter", "<time>", o_time),
	SUP("enabled", "", o_flag),
	SUP("error-limit", "<n>", o_num),
	SUP("fall", "<n>", o_num),
	SUP("fastinter", "<time>", o_time),
	SUP("force-sslv3", "", o_flag),
	SUP("force-tlsv10", "", o_flag),
	SUP("force-tlsv11", "", o_flag),
	SUP("force-tlsv12", "", o_flag),
	SUP("force-tlsv13", "", o_flag),
	SUP("id", "<n>", o_id),
	SUP("init-addr", "<methods>", o_init_addr),
	SUP("inter", "<time>", o_time),
	UNS("log-proto", "<proto>", "log servers in 'ring' sections are not implemented"),
	IGNP("max-reuse", "<n>", o_num, "an idle server connection is reused without a limit on the number of requests"),
	SUP("maxconn", "<n>", o_num),
	SUP("maxqueue", "<n>", o_num),
	SUP("minconn", "<n>", o_num),
	UNS("namespace", "<name>", "network namespaces are not implemented"),
	SUP("no-agent-check", "", o_flag),
	SUP("no-backup", "", o_flag),
	SUP("no-check", "", o_flag),
	SUP("no-check-send-proxy", "", o_flag),
	SUP("no-check-ssl", "", o_flag),
	SUP("no-send-proxy", "", o_flag),
	SUP("no-send-proxy-v2", "", o_flag),
	SUP("no-send-proxy-v2-ssl", "", o_flag),
	SUP("no-send-proxy-v2-ssl-cn", "", o_flag),
	SUP("no-ssl", "", o_flag),
	SUP("no-ssl-reuse", "", o_flag),
	SUP("no-sslv3", "", o_flag),
	SUP("no-tfo", "", o_flag),
	SUP("no-tls-tickets", "", o_flag),
	SUP("no-tlsv10", "", o_flag),
	SUP("no-tlsv11", "", o_flag),
	SUP("no-tlsv12", "", o_flag),
	SUP("no-tlsv13", "", o_flag),
	SUP("non-stick", "", o_flag),
	SUP("npn", "<protocols>", o_str),
	SUP("observe", "none|layer4|layer7", o_enum),
	SUP("on-error", "fastinter|fail-check|sudden-death|mark-down", o_enum),
	SUP("on-marked-down", "shutdown-sessions", o_enum),
	SUP("on-marked-up", "shutdown-backup-sessions", o_enum),
	SUP("pool-low-conn", "<n>", o_num),
	SUP("pool-max-conn", "<n>", o_num),
	SUP("pool-purge-delay", "<time>", o_time),
	SUP("port", "<port>", o_num),
	SUP("proto", "<proto>", o_enum),
	SUP("proxy-v2-options", "<opt>[,...]", o_pp2_options),
	SUP("redir", "<prefix>", o_str),
	UNS("resolve-net", "<nets>", "runtime DNS resolution ('resolvers') is not implemented yet"),
	UNS("resolve-opts", "<opts>", "runtime DNS resolution ('resolvers') is not implemented yet"),
	UNS("resolve-prefer", "ipv4|ipv6", "runtime DNS resolution ('resolvers') is not implemented yet"),
	UNS("resolvers", "<id>", "runtime DNS resolution ('resolvers') is not implemented yet; addresses are resolved once at startup"),
	SUP("rise", "<n>", o_num),
	SUP("send-proxy", "", o_flag),
	SUP("send-proxy-v2", "", o_flag),
	SUP("send-proxy-v2-ssl", "", o_flag),
	SUP("send-proxy-v2-ssl-cn", "", o_flag),
	SUP("slowstart", "<time>", o_time),
	SUP("sni", "<expr>", o_sni),
	UNS("socks4", "<addr:port>", "SOCKS4 is not implemented"),
	SUP("source", "<addr>[:<port>[-<port>]] [interface <name>]", o_source),
	SUP("ssl", "", o_flag),
	SUP("ssl-max-ver", "<version>", o_enum),
	SUP("ssl-min-ver", "<version>", o_enum),
	SUP("ssl-reuse", "", o_flag),
	SUP("stick", "", o_flag),
	SUP("tcp-ut", "<time>", o_tcp_ut),
	SUP("tfo", "", o_flag),
	SUP("tls-tickets", "", o_flag),
	SUP("track", "[<proxy>/]<server>", o_str),
	UNS("usesrc", "<addr>", "transparent proxying to servers is not implemented"),
	SUP("verify", "none|required", o_enum),
	SUP("verifyhost", "<name>", o_str),
	SUP("weight", "<0..256>", o_num),
	SUP("ws", "auto|h1|h2", o_enum),
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};

/* ---- the server objects ----------------------------------------------- */

struct cfg_server *
server_new_default(void)
{
	struct cfg_server *s = xcalloc(1, sizeof(*s));

	s->is_default = true;
	s->weight = 1;
	s->rise = 2;
	s->fall = 3;
	s->inter = 2000;
	s->agent_inter = 2000;
	s->error_limit = 10;
	s->on_error = SRV_ONERR_FAIL_CHECK;
	s->pool_max_conn = -1;
	s->pool_purge_delay = 5000;
	s->max_reuse = -1;
	s->ssl_reuse = true;
	return s;
}

static char *
dupn(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
server_copy_defaults(struct cfg_server *dst, const struct cfg_server *src)
{
	char *name = dst->name;
	struct cfg_loc loc = dst->loc;
	struct cfg_proxy *px = dst->px;

	*dst = *src;
	dst->name = name;
	dst->loc = loc;
	dst->px = px;
	dst->is_default = false;
	addr_copy(&dst->addr, &src->addr);
	addr_copy(&dst->init_addr_ip, &src->init_addr_ip);
	addr_copy(&dst->check_addr, &src->check_addr);
	addr_copy(&dst->agent_addr, &src->agent_addr);
	addr_copy(&dst->source, &src->source);
	dst->tmpl_prefix = dupn(src->tmpl_prefix);
	dst->cookie = dupn(src->cookie);
	dst->redir = dupn(src->redir);
	dst->check_sni = dupn(src->check_sni);
	dst->check_alpn = dupn(src->check_alpn);
	dst->check_proto = dupn(src->check_proto);
	dst->agent_send = dupn(src->agent_send);
	dst->track = dupn(src->track);
	dst->tracked = NULL;
	dst->source_interface = dupn(src->source_interface);
	dst->verifyhost = dupn(src->verifyhost);
	dst->sni_text = dupn(src->sni_text);
	dst->sni = NULL;
	dst->ca_file = dupn(src->ca_file);
	dst->crl_file = dupn(src->crl_file);
	dst->crt = dupn(src->crt);
	dst->alpn = dupn(src->alpn);
	dst->npn = dupn(src->npn);
	dst->ciphers = dupn(src->ciphers);
	dst->ciphersuites = dupn(src->ciphersuites);
}

void
server_free(struct cfg_server *s)
{
	if (s == NULL)
		return;
	free(s->name);
	addr_clear(&s->addr);
	addr_clear(&s->init_addr_ip);
	addr_clear(&s->check_addr);
	addr_clear(&s->agent_addr);
	addr_clear(&s->source);
	free(s->tmpl_prefix);
	free(s->cookie);
	free(s->redir);
	free(s->check_sni);
	free(s->check_alpn);
	free(s->check_proto);
	free(s->agent_send);
	free(s->track);
	free(s->source_interface);
	free(s->verifyhost);
	free(s->sni_text);
	smp_expr_free(s->sni);
	free(s->ca_file);
	free(s->crl_file);
	free(s->crt);
	free(s->alpn);
	free(s->npn);
	free(s->ciphers);
	free(s->ciphersuites);
	free(s);
}

/* An inherited sni: parse the text again for this server (it parsed
 * fine on the default-server line, so no new diagnostic is expected). */
static void
reparse_sni(struct cfg_ctx *cx, struct cfg_server *s)
{
	if (s->sni_text == NULL || s->sni)
		return;
	struct cfg_word w = { s->sni_text, strlen(s->sni_text), s->sni_loc, false };
	const char *end = NULL;
	bool saved = cx->replaying;
	cx->replaying = true;
	s->sni = smp_expr_parse(cx, &w, 0, &end, SMP_STG_SRV_CONN);
	cx->replaying = saved;
}

struct cfg_server *
server_find(const struct cfg_proxy *px, const char *name)
{
	for (size_t i = 0; i < px->servers.n; i++)
		if (strcmp(px->servers.v[i]->name, name) == 0)
			return px->servers.v[i];
	return NULL;
}

/* Creates a server named name from px->defsrv, parses the address at
 * w[addri] and the options after it. NULL on error (reported). */
static struct cfg_server *
server_parse(struct cfg_ctx *cx, struct cfg_word *w, int n, const char *name,
             const struct cfg_word *namew, int addri)
{
	struct cfg_proxy *px = cx->px;
	struct cfg_server *s = xcalloc(1, sizeof(*s));
	struct cfg_server *saved = cx->srv;

	s->name = xstrdup(name);
	s->loc = w[0].loc;
	s->px = px;
	if (px->defsrv)
		server_copy_defaults(s, px->defsrv);
	else {
		struct cfg_server *d = server_new_default();
		server_copy_defaults(s, d);
		server_free(d);
	}
	addr_clear(&s->addr);
	cx->srv = s;
	struct cfg_server *dup = server_find(px, name);
	if (dup) {
		cx_error(cx, namew, "%s '%s', another server named '%s' was already defined at line %d, please use distinct names.",
		         proxy_type_name(px), px->name, name, dup->loc.line);
		goto err;
	}
	char *ctx = xasprintf("'server %s/%s' : ", px->name, name);
	int r = addr_parse(cx, &w[addri], ctx,
	                   ADDR_F_PORT_OFFSET | ADDR_F_PORT_ZERO | ADDR_F_HOST_LATER |
	                   ADDR_F_UNIX | ADDR_F_SOCKPAIR | ADDR_F_NO_PORT_OK, &s->addr);
	free(ctx);
	if (r < 0)
		goto err;
	if (ou_parse_opts(cx, &server_set, w, n, addri + 1) < 0)
		goto err;
	reparse_sni(cx, s);
	cx->srv = saved;
	return s;
err:
	cx->srv = saved;
	server_free(s);
	return NULL;
}

/* server <name> <addr>[:<port>] [options] */
static int
kw_server(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n,
          int argi)
{
	if (argi + 1 >= n) {
		cx_error(cx, &w[n - 1], "'server' expects <name> and <addr>[:<port>] as arguments.");
		return -1;
	}
	struct cfg_server *s = server_parse(cx, w, n, w[argi].s, &w[argi], argi + 1);
	if (s == NULL)
		return -1;
	VEC_PUSH(cx->px->servers, s);
	return 0;
}

/* default-server [options]: changes px->defsrv for the following lines. */
static int
kw_default_server(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w,
                  int n, int argi)
{
	struct cfg_server *saved = cx->srv;

	if (cx->px->defsrv == NULL)
		cx->px->defsrv = server_new_default();
	cx->px->defsrv->px = cx->px;
	cx->srv = cx->px->defsrv;
	int r = ou_parse_opts(cx, &server_set, w, n, argi);
	cx->srv = saved;
	return r;
}

/* server-template <prefix> <num | range> <addr>[:<port>] [options] */
static int
kw_server_template(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w,
                   int n, int argi)
{
	long long lo, hi;

	if (argi + 2 >= n) {
		cx_error(cx, &w[n - 1], "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.");
		return -1;
	}
	const char *r = w[argi + 1].s;
	const char *dash = strchr(r, '-');
	bool ok;
	if (dash) {
		char *a = xstrndup(r, (size_t)(dash - r));
		ok = ou_int(a, &lo) && ou_int(dash + 1, &hi);
		free(a);
	} else {
		ok = ou_int(r, &hi);
		lo = 1;
	}
	if (!ok || lo < 1 || hi < lo || hi - lo > 100000) {
		cx_error(cx, &w[argi + 1], "Wrong server-template number or range arg '%s'.", r);
		return -1;
	}
	for (long long i = lo; i <= hi; i++) {
		char *name = xasprintf("%s%lld", w[argi].s, i);
		bool saved = cx->replaying;
		/* report option errors once, for the first instance */
		if (i > lo)
			cx->replaying = true;
		struct cfg_server *s = server_parse(cx, w, n, name, &w[argi], argi + 2);
		cx->replaying = saved;
		free(name);
		if (s == NULL)
			return -1;
		s->tmpl_prefix = xstrdup(w[argi].s);
		VEC_PUSH(cx->px->servers, s);
	}
	return 0;
}

const struct cfg_kw server_section_kws[] = {
	{ { "server", KW_SUPPORTED, "<name> <addr>[:<port>] [options]", NULL },
	  KW_BE, kw_server },
	{ { "default-server", KW_SUPPORTED, "[options]", NULL },
	  KW_BE | KW_DEF, kw_default_server },
	{ { "server-template", KW_SUPPORTED, "<prefix> <num|range> <addr>[:<port>] [options]", NULL },
	  KW_BE, kw_server_template },
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};
