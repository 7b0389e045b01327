/* Handlers of the plain proxy settings: mode, balance, timeouts, limits,
 * log formats, error messages, captures, cookie, ids (reference §1.9).
 * Error texts are HAProxy 2.6's (src/cfgparse-listen.c, backend.c,
 * proxy.c, http_htx.c) without their "parsing [file:line] : " prefix. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "px_int.h"

int
px_too_many(struct cfg_ctx *cx, const char *kwname, struct cfg_word *w,
            int n, int argi, int max)
{
	if (argi + max < n) {
		cx_error(cx, &w[argi + max],
		         "'%s' cannot handle unexpected argument '%s'.", kwname,
		         w[argi + max].s);
		return -1;
	}
	return 0;
}

char *
px_join(struct cfg_word *w, int n, int from)
{
	struct sbuf b = { 0 };
	for (int i = from; i < n; i++) {
		if (i > from)
			sbuf_addc(&b, ' ');
		sbuf_adds(&b, w[i].s);
	}
	return sbuf_take(&b);
}

int
px_lf(struct cfg_ctx *cx, struct cfg_word *at, unsigned stages,
      struct lf_expr **dst)
{
	struct lf_expr *lf = lf_parse(cx, at, stages);
	if (lf == NULL)
		return -1;
	lf_free(*dst);
	*dst = lf;
	return 0;
}

const char *
px_type(const struct cfg_proxy *px)
{
	/* HAProxy's proxy_type_str() calls a listen section a "proxy" */
	if ((px->cap & (PX_CAP_FE | PX_CAP_BE)) == (PX_CAP_FE | PX_CAP_BE))
		return "proxy";
	return proxy_type_name(px);
}

const char *
px_name(const struct cfg_proxy *px)
{
	return px->name ? px->name : "";
}

long long
px_atol(const char *s, bool *strict)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10); /* atol(): saturates, stops at junk */
	*strict = end != s && *end == '\0' && !isspace((unsigned char)*s) &&
	          errno == 0;
	return v;
}

void
px_warn_lenient(struct cfg_ctx *cx, const struct cfg_word *w,
                const char *kwname, long long v)
{
	cx_warn(cx, w, "'%s' : '%s' is not a number: read as %lld, as HAProxy does",
	        kwname, w->s, v);
}

long long
px_atol_warn(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname)
{
	bool strict;
	long long v = px_atol(w->s, &strict);
	if (!strict)
		px_warn_lenient(cx, w, kwname, v);
	return v;
}

enum arg_time_rc
px_time_ms(struct cfg_ctx *cx, const struct cfg_word *w, uint32_t *ms,
           const char **end)
{
	enum arg_time_rc rc = arg_time_parse(w->s, TIME_UNIT_MS, ms, end);
	if (rc != ARG_TIME_TRAILING)
		return rc;
	arg_time_warn_trailing(cx, w, *end);
	return ARG_TIME_OK;
}

enum arg_time_rc
px_time_s(const char *s, uint32_t *sec, const char **end)
{
	uint32_t ms;
	enum arg_time_rc rc = arg_time_parse(s, TIME_UNIT_S, &ms, end);
	if (rc == ARG_TIME_EMPTY || rc == ARG_TIME_BADCHAR)
		return rc;
	/* the syntax is valid up to *end; redo the value in seconds, whose
	 * limit (INT_MAX s) is above arg_time_parse()'s INT_MAX ms */
	unsigned long long v = 0, mul = 1, div = 1;
	const char *p = s;
	for (; isdigit((unsigned char)*p); p++)
		if (v <= 2147483647ULL * 1000000)
			v = v * 10 + (unsigned long long)(*p - '0');
	size_t ul = (size_t)(*end - p);
	if (ul == 2 && p[0] == 'u')
		div = 1000000;
	else if (ul == 2 && p[0] == 'm')
		div = 1000;
	else if (ul == 1 && *p == 'm')
		mul = 60;
	else if (ul == 1 && *p == 'h')
		mul = 3600;
	else if (ul == 1 && *p == 'd')
		mul = 86400;
	if (v > 2147483647ULL * div / mul + 1)
		return ARG_TIME_OVERFLOW;
	unsigned long long r = (v * mul + div - 1) / div; /* rounds up, as HAProxy */
	if (r > 2147483647ULL)
		return ARG_TIME_OVERFLOW;
	*sec = (uint32_t)r;
	return **end ? ARG_TIME_TRAILING : ARG_TIME_OK;
}

/* mode tcp|http */
PX_HANDLER(px_kw_mode)
{
	if (px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	const char *m = argi < n ? w[argi].s : "";
	struct cfg_word *at = argi < n ? &w[argi] : px_last(w, n);
	if (strcmp(m, "http") == 0)
		cx->px->mode = PX_MODE_HTTP;
	else if (strcmp(m, "tcp") == 0)
		cx->px->mode = PX_MODE_TCP;
	else if (strcmp(m, "health") == 0) {
		cx_error(cx, at, "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead.");
		return -1;
	} else {
		cx_error(cx, at, "unknown proxy mode '%s'.", m);
		return -1;
	}
	cx->px->mode_set = true;
	return 0;
}

bool
px_lb_is_l7(const struct px_balance *lb)
{
	return lb && (lb->algo == PX_LB_URI || lb->algo == PX_LB_URL_PARAM ||
	              lb->algo == PX_LB_HDR || lb->algo == PX_LB_RDP_COOKIE);
}

static void
lb_free(struct px_balance *lb)
{
	if (lb == NULL)
		return;
	free(lb->param);
	free(lb->hdr);
	free(lb->rdp_cookie);
	free(lb->hash_text);
	smp_expr_free(lb->hash_expr);
	free(lb);
}

/* balance uri [len <n>] [depth <n>] [whole] [path-only]; len and depth
 * are atoi()-read by HAProxy. */
static int
lb_uri_opts(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
            struct px_balance *lb)
{
	for (int i = argi + 1; i < n;) {
		if (px_eq(&w[i], "len") || px_eq(&w[i], "depth")) {
			bool strict = true;
			long long v = i + 1 < n ? px_atol(w[i + 1].s, &strict) : 0;
			if (v <= 0) {
				cx_error(cx, i + 1 < n ? &w[i + 1] : &w[i],
				         "balance uri : '%s' expects a positive integer (got '%s').",
				         w[i].s, i + 1 < n ? w[i + 1].s : "");
				return -1;
			}
			if (!strict)
				px_warn_lenient(cx, &w[i + 1], w[i].s, v);
			if (px_eq(&w[i], "len"))
				lb->uri_len = v;
			else
				lb->uri_depth = v;
			i += 2;
		} else if (px_eq(&w[i], "whole")) {
			lb->uri_whole = true;
			i++;
		} else if (px_eq(&w[i], "path-only")) {
			lb->uri_path_only = true;
			i++;
		} else {
			cx_error(cx, &w[i], "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '%s').", w[i].s);
			return -1;
		}
	}
	return 0;
}

/* "balance ..." in HAProxy's backend_parse_balance(); messages are
 * "balance " + its error text. */
PX_HANDLER(px_kw_balance)
{
	struct px_balance *lb = xcalloc(1, sizeof(*lb));
	const char *a = argi < n ? w[argi].s : "";
	struct cfg_word *at = argi < n ? &w[argi] : px_last(w, n);
	lb->loc = w[0].loc;
	lb->draws = 2;

	/* backend_parse_balance(): no argument means roundrobin; only
	 * random, hdr( and rdp-cookie are prefixes */
	if (!*a || strcmp(a, "roundrobin") == 0)
		lb->algo = PX_LB_ROUNDROBIN;
	else if (strcmp(a, "static-rr") == 0)
		lb->algo = PX_LB_STATIC_RR;
	else if (strcmp(a, "first") == 0)
		lb->algo = PX_LB_FIRST;
	else if (strcmp(a, "leastconn") == 0)
		lb->algo = PX_LB_LEASTCONN;
	else if (strncmp(a, "random", 6) == 0) {
		lb->algo = PX_LB_RANDOM;
		if (a[6] == '(' && a[7] != ')') {
			char *end;
			lb->draws = strtol(a + 7, &end, 0);
			if (*end != ')') {
				if (!*end)
					cx_error(cx, at, "balance random : missing closing parenthesis.");
				else
					cx_error(cx, at, "balance random : unexpected character '%c' after argument.", *end);
				goto fail;
			}
			if (lb->draws < 1) {
				cx_error(cx, at, "balance random : number of draws must be at least 1.");
				goto fail;
			}
		}
	} else if (strcmp(a, "source") == 0)
		lb->algo = PX_LB_SOURCE;
	else if (strcmp(a, "uri") == 0) {
		lb->algo = PX_LB_URI;
		if (lb_uri_opts(cx, w, n, argi, lb) < 0)
			goto fail;
	} else if (strcmp(a, "url_param") == 0) {
		lb->algo = PX_LB_URL_PARAM;
		if (argi + 1 >= n) {
			cx_error(cx, at, "balance %s requires an URL parameter name.", a);
			goto fail;
		}
		lb->param = xstrdup(w[argi + 1].s);
		if (argi + 2 < n) {
			if (!px_eq(&w[argi + 2], "check_post")) {
				cx_error(cx, &w[argi + 2], "balance %s only accepts 'check_post' modifier (got '%s').", a, w[argi + 2].s);
				goto fail;
			}
			lb->check_post = true;
		}
	} else if (strcmp(a, "hash") == 0) {
		lb->algo = PX_LB_HASH;
		if (argi + 1 >= n) {
			cx_error(cx, at, "balance %s requires a sample expression.", a);
			goto fail;
		}
		if (argi + 2 < n) {
			cx_error(cx, &w[argi + 2], "balance %s takes no other argument (got '%s').", a, w[argi + 2].s);
			goto fail;
		}
		lb->hash_text = xstrdup(w[argi + 1].s);
		const char *end = NULL;
		lb->hash_expr = smp_expr_parse(cx, &w[argi + 1], 0, &end,
		                               SMP_STG_USE_SERVER);
		if (lb->hash_expr == NULL)
			goto fail;
	} else if (strncmp(a, "hdr(", 4) == 0) {
		lb->algo = PX_LB_HDR;
		const char *beg = a + 4, *end = strchr(beg, ')');
		if (end == NULL || end == beg) {
			cx_error(cx, at, "balance hdr requires an http header field name.");
			goto fail;
		}
		lb->hdr = xstrndup(beg, (size_t)(end - beg));
		if (argi + 1 < n) {
			if (!px_eq(&w[argi + 1], "use_domain_only")) {
				cx_error(cx, &w[argi + 1], "balance %s only accepts 'use_domain_only' modifier (got '%s').", a, w[argi + 1].s);
				goto fail;
			}
			lb->use_domain_only = true;
		}
	} else if (strncmp(a, "rdp-cookie", 10) == 0) {
		lb->algo = PX_LB_RDP_COOKIE;
		if (a[10] == '(') {
			const char *beg = a + 11, *end = strchr(beg, ')');
			if (end == NULL || end == beg) {
				cx_error(cx, at, "balance rdp-cookie : missing cookie name.");
				goto fail;
			}
			lb->rdp_cookie = xstrndup(beg, (size_t)(end - beg));
		} else
			lb->rdp_cookie = xstrdup("mstshash");
	} else {
		cx_error(cx, at, "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.");
		goto fail;
	}
	lb_free(cx->px->lb);
	cx->px->lb = lb;
	return 0;
fail:
	lb_free(lb);
	return -1;
}

/* hash-type map-based|consistent [sdbm|djb2|wt6|crc32|none] [avalanche] */
PX_HANDLER(px_kw_hash_type)
{
	struct cfg_proxy *px = cx->px;
	const char *a = argi < n ? w[argi].s : "";
	struct cfg_word *at = argi < n ? &w[argi] : px_last(w, n);
	if (strcmp(a, "consistent") == 0)
		px->hash_type = PX_HASH_CONSISTENT;
	else if (strcmp(a, "map-based") == 0)
		px->hash_type = PX_HASH_MAP_BASED;
	else if (strcmp(a, "avalanche") == 0) {
		cx_error(cx, at, "experimental feature 'hash-type avalanche' is not supported anymore, please use 'hash-type map-based sdbm avalanche' instead.");
		return -1;
	} else {
		cx_error(cx, at, "'hash-type' only supports 'consistent' and 'map-based'.");
		return -1;
	}
	px->hash_avalanche = false;
	px->hash_fn = PX_HASH_SDBM;
	if (argi + 1 >= n) {
		/* consistent without a function implies avalanche */
		px->hash_avalanche = px->hash_type == PX_HASH_CONSISTENT;
		return 0;
	}
	static const char *const fns[] = { "sdbm", "djb2", "wt6", "crc32", "none" };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(fns); i++)
		if (px_eq(&w[argi + 1], fns[i]))
			break;
	if (i == ARRAY_SIZE(fns)) {
		cx_error(cx, &w[argi + 1], "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.");
		return -1;
	}
	px->hash_fn = (enum px_hash_fn)i;
	if (argi + 2 < n) {
		if (!px_eq(&w[argi + 2], "avalanche")) {
			cx_error(cx, &w[argi + 2], "'hash-type' only supports 'avalanche' as a modifier for hash functions.");
			return -1;
		}
		px->hash_avalanche = true;
	}
	return 0;
}

PX_HANDLER(px_kw_hash_balance_factor)
{
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects an integer argument.", kw->h.name);
		return -1;
	}
	bool strict;
	long long v = px_atol(w[argi].s, &strict);
	if ((v != 0 && v <= 100) || v > 2147483647) {
		cx_error(cx, &w[argi], "'%s' must be 0 or greater than 100.", kw->h.name);
		return -1;
	}
	if (!strict)
		px_warn_lenient(cx, &w[argi], kw->h.name, v);
	cx->px->hash_balance_factor = (int)v;
	return 0;
}

static const struct {
	const char *name;
	enum px_timeout_id id;
} timeouts[] = {
	{ "timeout client", PX_TO_CLIENT },
	{ "timeout client-fin", PX_TO_CLIENT_FIN },
	{ "timeout connect", PX_TO_CONNECT },
	{ "timeout server", PX_TO_SERVER },
	{ "timeout server-fin", PX_TO_SERVER_FIN },
	{ "timeout queue", PX_TO_QUEUE },
	{ "timeout tunnel", PX_TO_TUNNEL },
	{ "timeout http-request", PX_TO_HTTP_REQUEST },
	{ "timeout http-keep-alive", PX_TO_HTTP_KEEP_ALIVE },
	{ "timeout tarpit", PX_TO_TARPIT },
	{ "timeout check", PX_TO_CHECK },
};
_Static_assert(PX_TO__COUNT == 11, "px->timeout[] size in proxy_fields.h");

/* timeout <name> <time> (proxy.c proxy_parse_timeout) */
PX_HANDLER(px_kw_timeout)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(timeouts); i++)
		if (strcmp(kw->h.name, timeouts[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(timeouts))
		return -1;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects an integer value (in milliseconds)", kw->h.name);
		return -1;
	}
	uint32_t ms;
	if (arg_time(cx, &w[argi], kw->h.name, TIME_UNIT_MS, &ms) < 0)
		return -1;
	if (argi + 1 < n) {
		cx_error(cx, &w[argi + 1], "'%s' : unexpected extra argument '%s' after value '%s'.",
		         kw->h.name, w[argi + 1].s, w[argi].s);
		return -1;
	}
	cx->px->timeout[timeouts[i].id] = ms;
	cx->px->timeout_loc[timeouts[i].id] = w[0].loc;
	return 0;
}

/* "timeout <unknown>" */
PX_HANDLER(px_kw_timeout_bare)
{
	cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
	         "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '%s')",
	         argi < n ? w[argi].s : "");
	return -1;
}

/* maxconn, backlog, fullconn, retries: atol() like HAProxy. */
PX_HANDLER(px_kw_int)
{
	struct cfg_proxy *px = cx->px;
	bool retries = strcmp(kw->h.name, "retries") == 0;
	if (retries && px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects an integer argument%s.",
		         kw->h.name, retries ? " (dispatch counts for one)" : "");
		return -1;
	}
	if (!retries && px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	long long v = px_atol_warn(cx, &w[argi], kw->h.name);
	if (strcmp(kw->h.name, "maxconn") == 0)
		px->maxconn = v;
	else if (strcmp(kw->h.name, "backlog") == 0)
		px->backlog = v;
	else if (strcmp(kw->h.name, "fullconn") == 0)
		px->fullconn = v;
	else {
		px->retries = v;
		px->retries_set = true;
	}
	return 0;
}

/* retry-on (proxy.c proxy_parse_retry_on) */
PX_HANDLER(px_kw_retry_on)
{
	static const struct { const char *s; int v; } codes[] = {
		{ "401", 401 }, { "403", 403 }, { "404", 404 }, { "408", 408 },
		{ "425", 425 }, { "500", 500 }, { "501", 501 }, { "502", 502 },
		{ "503", 503 }, { "504", 504 },
	};
	struct cfg_proxy *px = cx->px;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' needs at least one keyword to specify when to retry", kw->h.name);
		return -1;
	}
	unsigned bits = 0;
	VEC(int) st = { 0 };
	for (int i = argi; i < n; i++) {
		const char *a = w[i].s;
		if (strcmp(a, "none") == 0) {
			if (i != argi) {
				cx_error(cx, &w[i], "'%s' 'none' keyworld only usable alone", kw->h.name);
				goto fail;
			}
			bits |= PX_RETRY_NONE;
		} else if (strcmp(a, "conn-failure") == 0)
			bits |= PX_RETRY_CONN_FAILURE;
		else if (strcmp(a, "empty-response") == 0)
			bits |= PX_RETRY_EMPTY_RESPONSE;
		else if (strcmp(a, "junk-response") == 0)
			bits |= PX_RETRY_JUNK_RESPONSE;
		else if (strcmp(a, "response-timeout") == 0)
			bits |= PX_RETRY_RESPONSE_TIMEOUT;
		else if (strcmp(a, "0rtt-rejected") == 0)
			bits |= PX_RETRY_0RTT_REJECTED;
		else if (strcmp(a, "all-retryable-errors") == 0) {
			bits |= PX_RETRY_CONN_FAILURE | PX_RETRY_EMPTY_RESPONSE |
			        PX_RETRY_JUNK_RESPONSE | PX_RETRY_RESPONSE_TIMEOUT |
			        PX_RETRY_0RTT_REJECTED;
			for (int c = 500; c <= 504; c++)
				VEC_PUSH(st, c);
		} else {
			/* HAProxy compares the words ("401"), no number parsing */
			size_t k;
			for (k = 0; k < ARRAY_SIZE(codes); k++)
				if (strcmp(a, codes[k].s) == 0)
					break;
			if (k == ARRAY_SIZE(codes)) {
				cx_error(cx, &w[i], "'%s': unknown keyword '%s'", kw->h.name, a);
				goto fail;
			}
			VEC_PUSH(st, codes[k].v);
		}
	}
	/* the engine retries connection failures only (HAProxy's default);
	 * a layer-7 condition or 'none' would silently change when it retries */
	for (int i = argi; i < n; i++)
		if (strcmp(w[i].s, "conn-failure") != 0) {
			cx_error(cx, &w[i], "'%s %s' is not supported by sluice: only connection failures are retried ('retry-on conn-failure', the default)",
			         kw->h.name, w[i].s);
			goto fail;
		}
	free(px->retry_on_status.v);
	px->retry_on_status.v = st.v;
	px->retry_on_status.n = st.n;
	px->retry_on_status.cap = st.cap;
	px->retry_on = bits;
	px->retry_on_set = true;
	return 0;
fail:
	free(st.v);
	return -1;
}

PX_HANDLER(px_kw_http_reuse)
{
	static const char *const m[] = { "safe", "never", "aggressive", "always" };
	const char *a = argi < n ? w[argi].s : "";
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		if (strcmp(a, m[i]) == 0) {
			if (px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
				return -1;
			cx->px->http_reuse = (enum px_reuse)i;
			return 0;
		}
	}
	cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
	         "'%s' only supports 'never', 'safe', 'aggressive', 'always'.", kw->h.name);
	return -1;
}

/* rate-limit sessions <n> */
PX_HANDLER(px_kw_rate_limit)
{
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'rate-limit sessions' expects expects an integer value (in sessions/second)");
		return -1;
	}
	const char *p = w[argi].s;
	for (const char *c = p; *c; c++) {
		if (!isdigit((unsigned char)*c)) {
			cx_error(cx, &w[argi], "'rate-limit sessions' : unexpected character '%c' in integer value '%s'", *c, p);
			return -1;
		}
	}
	bool strict;
	cx->px->rate_limit_sessions = px_atol(p, &strict); /* digits only: saturates */
	return 0;
}

PX_HANDLER(px_kw_rate_limit_bare)
{
	cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
	         "'rate-limit' only supports 'sessions' (got '%s')", argi < n ? w[argi].s : "");
	return -1;
}

/* default_backend <name>; a name with %[ is a dynamic log-format. */
PX_HANDLER(px_kw_default_backend)
{
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects a backend name.", kw->h.name);
		return -1;
	}
	if (px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	arg_set_str(&cx->px->default_backend, w[argi].s);
	cx->px->default_backend_loc = w[argi].loc;
	return 0;
}

/* log-format, log-format-sd, error-log-format, unique-id-format */
PX_HANDLER(px_kw_logformat)
{
	struct cfg_proxy *px = cx->px;
	const char *k = kw->h.name;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "%s expects an argument.", k);
		return -1;
	}
	if (argi + 1 < n) {
		cx_error(cx, &w[argi + 1], "%s expects only one argument, don't forget to escape spaces!", k);
		return -1;
	}
	unsigned stg = SMP_STG_LOG;
	struct lf_expr *lf = NULL;
	if (px_lf(cx, &w[argi], strcmp(k, "unique-id-format") == 0 ?
	          SMP_STG_FE_HTTP_REQ | SMP_STG_FE_TCP_REQ : stg, &lf) < 0)
		return -1;
	bool be_only = !(px->cap & (PX_CAP_DEF | PX_CAP_FE));
	if (strcmp(k, "log-format") == 0) {
		if ((px->cap & PX_CAP_DEF) && px->log_kind != PX_LOG_NONE) {
			static const char *const old[] = { "", "option tcplog", "option httplog", "option httplog clf", "option httpslog", "log-format" };
			cx_warn(cx, &w[0], "'log-format' overrides previous '%s' in 'defaults' section.", old[px->log_kind]);
		}
		arg_set_str(&px->log_format_str, w[argi].s);
		lf_free(px->log_format);
		px->log_format = lf;
		px->log_kind = PX_LOG_FORMAT;
		px->log_kind_loc = w[0].loc;
		px->log_format_loc = w[0].loc;
	} else if (strcmp(k, "log-format-sd") == 0) {
		arg_set_str(&px->log_format_sd_str, w[argi].s);
		lf_free(px->log_format_sd);
		px->log_format_sd = lf;
	} else if (strcmp(k, "error-log-format") == 0) {
		if ((px->cap & PX_CAP_DEF) && px->error_log_format_str)
			cx_warn(cx, &w[0], "'error-log-format' overrides previous 'error-log-format' in 'defaults' section.");
		arg_set_str(&px->error_log_format_str, w[argi].s);
		lf_free(px->error_log_format);
		px->error_log_format = lf;
	} else {
		be_only = false;
		arg_set_str(&px->unique_id_format_str, w[argi].s);
		lf_free(px->unique_id_format);
		px->unique_id_format = lf;
	}
	if (be_only)
		cx_warn(cx, &w[0], "backend '%s' : '%s' directive is ignored in backends.", px_name(px), k);
	return 0;
}

/* One-string keywords: log-tag, unique-id-header, http-send-name-header,
 * dynamic-cookie-key. */
PX_HANDLER(px_kw_string)
{
	struct cfg_proxy *px = cx->px;
	const char *k = kw->h.name;
	char **dst;
	const char *missing;
	if (strcmp(k, "log-tag") == 0) {
		dst = &px->log_tag;
		missing = "'log-tag' expects a tag for use in syslog.";
	} else if (strcmp(k, "unique-id-header") == 0) {
		dst = &px->unique_id_header;
		missing = "unique-id-header expects an argument.";
	} else if (strcmp(k, "http-send-name-header") == 0) {
		dst = &px->http_send_name_header;
		missing = "'http-send-name-header' requires a header string.";
	} else {
		dst = &px->dyncookie_key;
		missing = "'dynamic-cookie-key' expects <secret_key> as argument.";
	}
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "%s", missing);
		return -1;
	}
	arg_set_str(dst, w[argi].s);
	if (dst == &px->http_send_name_header)
		for (char *c = *dst; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	return 0;
}

static const int err_codes[] = { 200, 400, 401, 403, 404, 405, 407, 408, 410,
                                 413, 425, 429, 500, 501, 502, 503, 504 };

static bool
err_code_ok(int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(err_codes); i++)
		if (err_codes[i] == c)
			return true;
	return false;
}

/* A status code as HAProxy's atoi() reads it; out-of-int values read as
 * 0, which no table holds. */
static int
err_code_read(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname)
{
	bool strict;
	long long v = px_atol(w->s, &strict);
	if (v < 0 || v > 999)
		return 0;
	if (!strict && err_code_ok((int)v))
		px_warn_lenient(cx, w, kwname, v);
	return (int)v;
}

static void
errmsg_set(struct cfg_proxy *px, int status, enum px_errmsg_kind kind,
           const char *arg, const struct cfg_loc *loc)
{
	struct px_errmsg *m = NULL;
	for (size_t i = 0; i < px->errmsgs.n; i++)
		if (px->errmsgs.v[i]->status == status)
			m = px->errmsgs.v[i];
	if (m == NULL) {
		m = xcalloc(1, sizeof(*m));
		VEC_PUSH(px->errmsgs, m);
	}
	m->status = status;
	m->kind = kind;
	arg_set_str(&m->arg, arg);
	m->loc = *loc;
}

/* Checks that an errorfile holds something that looks like an HTTP
 * response (HAProxy parses it fully; we check the status line). */
int
px_check_errorfile(struct cfg_ctx *cx, struct cfg_word *at, const char *kwname,
                   const char *path)
{
	if (!cx->cfg->opts.check_files)
		return 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		cx_error(cx, at, "%s : error opening file '%s'.", kwname, path);
		return -1;
	}
	char line[64] = "";
	bool empty = fgets(line, sizeof(line), f) == NULL;
	fclose(f);
	/* an empty file is valid: HAProxy then closes without a response */
	if (!empty && strncmp(line, "HTTP/", 5) != 0) {
		cx_error(cx, at, "%s : '%s': unable to parse headers (error offset: 0)", kwname, path);
		return -1;
	}
	return 0;
}

/* errorfile <code> <file> */
PX_HANDLER(px_kw_errorfile)
{
	if (argi + 1 >= n) {
		cx_error(cx, px_last(w, n), "errorfile : expects <status_code> and <file> as arguments.");
		return -1;
	}
	int status = err_code_read(cx, &w[argi], "errorfile");
	if (!err_code_ok(status)) {
		cx_error(cx, &w[argi], "errorfile : status code '%d' not handled.", status);
		return -1;
	}
	if (px_check_errorfile(cx, &w[argi + 1], "errorfile", w[argi + 1].s) < 0)
		return -1;
	errmsg_set(cx->px, status, PX_ERR_FILE, w[argi + 1].s, &w[0].loc);
	return 0;
}

/* errorloc / errorloc302 / errorloc303 <code> <url> */
PX_HANDLER(px_kw_errorloc)
{
	if (argi + 1 >= n) {
		cx_error(cx, px_last(w, n), "%s : expects <status_code> and <url> as arguments.", kw->h.name);
		return -1;
	}
	int status = err_code_read(cx, &w[argi], kw->h.name);
	if (!err_code_ok(status)) {
		cx_error(cx, &w[argi], "%s : status code '%d' not handled.", kw->h.name, status);
		return -1;
	}
	errmsg_set(cx->px, status,
	           strcmp(kw->h.name, "errorloc303") == 0 ? PX_ERR_LOC303 : PX_ERR_LOC302,
	           w[argi + 1].s, &w[0].loc);
	return 0;
}

/* errorfiles <name> [<code> ...] */
PX_HANDLER(px_kw_errorfiles)
{
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "errorfiles : expects <name> as argument.");
		return -1;
	}
	struct px_errfiles *e = xcalloc(1, sizeof(*e));
	e->name = xstrdup(w[argi].s);
	e->loc = w[0].loc;
	for (int i = argi + 1; i < n; i++) {
		int c = err_code_read(cx, &w[i], "errorfiles");
		if (!err_code_ok(c)) {
			cx_error(cx, &w[i], "errorfiles : status code '%s' not handled.", w[i].s);
			free(e->codes.v);
			free(e->name);
			free(e);
			return -1;
		}
		VEC_PUSH(e->codes, c);
	}
	VEC_PUSH(cx->px->errorfiles, e);
	return 0;
}

static void
cap_add(struct cfg_proxy *px, bool req, const char *hdr, long long len,
        const struct cfg_loc *loc)
{
	struct px_capture *c = xcalloc(1, sizeof(*c));
	c->header = hdr ? xstrdup(hdr) : NULL;
	c->len = len;
	c->loc = *loc;
	if (req)
		VEC_PUSH(px->req_caps, c);
	else
		VEC_PUSH(px->res_caps, c);
}

/* capture cookie <name> len <n>; capture request|response header <h> len <n> */
PX_HANDLER(px_kw_capture)
{
	struct cfg_proxy *px = cx->px;
	if (strcmp(kw->h.name, "capture cookie") == 0) {
		if (px_too_many(cx, "capture", w, n, argi - 1, 4) < 0)
			return -1;
		if (argi + 2 >= n) {
			cx_error(cx, px_last(w, n), "'capture' expects 'cookie' <cookie_name> 'len' <len>.");
			return -1;
		}
		arg_set_str(&px->capture_cookie, w[argi].s);
		px->capture_cookie_len = px_atol_warn(cx, &w[argi + 2], "capture cookie");
		return 0;
	}
	bool req = strcmp(kw->h.name, "capture request header") == 0;
	if (px_too_many(cx, "capture", w, n, argi - 2, 5) < 0)
		return -1;
	if (argi >= n || argi + 1 >= n || !px_eq(&w[argi + 1], "len") || argi + 2 >= n) {
		cx_error(cx, px_last(w, n), "'capture %s' expects 'header' <header_name> 'len' <len>.",
		         req ? "request" : "response");
		return -1;
	}
	cap_add(px, req, w[argi].s, px_atol_warn(cx, &w[argi + 2], kw->h.name), &w[0].loc);
	return 0;
}

PX_HANDLER(px_kw_capture_bare)
{
	cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
	         "'capture' expects 'cookie' or 'request header' or 'response header'.");
	return -1;
}

/* declare capture request|response len <n> */
PX_HANDLER(px_kw_declare_capture)
{
	bool req;
	if (argi < n && px_eq(&w[argi], "request"))
		req = true;
	else if (argi < n && px_eq(&w[argi], "response"))
		req = false;
	else {
		cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
		         "'declare capture' requires a direction ('request' or 'response')");
		return -1;
	}
	if (argi + 1 >= n || !px_eq(&w[argi + 1], "len")) {
		cx_error(cx, argi + 1 < n ? &w[argi + 1] : px_last(w, n),
		         "'declare capture' expects 'len'");
		return -1;
	}
	char *end = NULL;
	long long len = argi + 2 < n ? strtoll(w[argi + 2].s, &end, 10) : 0;
	if (argi + 2 >= n || *end || len <= 0) {
		cx_error(cx, argi + 2 < n ? &w[argi + 2] : px_last(w, n),
		         "'declare capture': cannot parse the length '%s'.",
		         argi + 2 < n ? w[argi + 2].s : "");
		return -1;
	}
	cap_add(cx->px, req, NULL, len, &w[0].loc);
	return 0;
}

void
px_cookie_free(struct px_cookie *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->domain);
	free(c->attrs);
	free(c);
}

/* maxidle/maxlife <time>: seconds by default (parse_time_err()). */
static int
cookie_time(struct cfg_ctx *cx, struct cfg_word *w, int n, int i,
            const char *what, uint32_t *out)
{
	if (i + 1 >= n) {
		cx_error(cx, &w[i], "'%s' expects <%s> in seconds as argument.",
		         w[i].s, what);
		return -1;
	}
	struct cfg_word *v = &w[i + 1];
	const char *end;
	switch (px_time_s(v->s, out, &end)) {
	case ARG_TIME_OK:
		return 0;
	case ARG_TIME_TRAILING:
		arg_time_warn_trailing(cx, v, end);
		return 0;
	case ARG_TIME_OVERFLOW:
		cx_error(cx, v, "timer overflow in argument <%s> to <%s>, maximum value is 2147483647 s (~68 years).",
		         v->s, w[i].s);
		return -1;
	default:
		cx_error(cx, v, "unexpected character '%c' in argument to <%s>.", *end, w[i].s);
		return -1;
	}
}

/* cookie <name> [rewrite|insert|prefix] [indirect] [nocache] ... */
PX_HANDLER(px_kw_cookie)
{
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'cookie' expects <cookie_name> as argument.");
		return -1;
	}
	struct px_cookie *c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(w[argi].s);
	c->loc = w[0].loc;
	static const struct { const char *s; unsigned f; } flags[] = {
		{ "rewrite", PX_CK_REWRITE }, { "indirect", PX_CK_INDIRECT },
		{ "insert", PX_CK_INSERT }, { "nocache", PX_CK_NOCACHE },
		{ "postonly", PX_CK_POSTONLY }, { "preserve", PX_CK_PRESERVE },
		{ "prefix", PX_CK_PREFIX }, { "httponly", PX_CK_HTTPONLY },
		{ "secure", PX_CK_SECURE }, { "dynamic", PX_CK_DYNAMIC },
	};
	for (int i = argi + 1; i < n; i++) {
		size_t k;
		for (k = 0; k < ARRAY_SIZE(flags); k++)
			if (px_eq(&w[i], flags[k].s))
				break;
		if (k < ARRAY_SIZE(flags)) {
			c->opts |= flags[k].f;
			continue;
		}
		if (px_eq(&w[i], "domain")) {
			if (i + 1 >= n) {
				cx_error(cx, &w[i], "'%s' expects <domain> as argument.", w[i].s);
				goto fail;
			}
			const char *d = w[i + 1].s;
			if (!strchr(d, '.'))
				cx_warn(cx, &w[i + 1], "domain '%s' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3).", d);
			for (const char *p = d; *p; p++) {
				if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') {
					cx_error(cx, &w[i + 1], "character '%c' is not permitted in domain name '%s'.", *p, d);
					goto fail;
				}
			}
			if (c->domain) {
				char *nd = xasprintf("%s; domain=%s", c->domain, d);
				free(c->domain);
				c->domain = nd;
			} else
				c->domain = xstrdup(d);
			i++;
		} else if (px_eq(&w[i], "maxidle") || px_eq(&w[i], "maxlife")) {
			bool idle = px_eq(&w[i], "maxidle");
			if (cookie_time(cx, w, n, i, idle ? "idletime" : "lifetime",
			                idle ? &c->maxidle : &c->maxlife) < 0)
				goto fail;
			i++;
		} else if (px_eq(&w[i], "attr")) {
			if (i + 1 >= n) {
				cx_error(cx, &w[i], "'%s' expects <value> as argument.", w[i].s);
				goto fail;
			}
			for (const char *p = w[i + 1].s; *p; p++) {
				if (iscntrl((unsigned char)*p) || *p == ';') {
					cx_error(cx, &w[i + 1], "character '%%x%02X' is not permitted in attribute value.", (unsigned char)*p);
					goto fail;
				}
			}
			if (c->attrs) {
				char *na = xasprintf("%s; %s", c->attrs, w[i + 1].s);
				free(c->attrs);
				c->attrs = na;
			} else
				c->attrs = xstrdup(w[i + 1].s);
			i++;
		} else {
			cx_error(cx, &w[i], "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.");
			goto fail;
		}
	}
	unsigned m = c->opts;
	int err = 0;
	if ((m & PX_CK_REWRITE) && (m & PX_CK_INDIRECT)) {
		cx_error(cx, &w[0], "cookie 'rewrite' and 'indirect' modes are incompatible.");
		err = -1;
	}
	unsigned modes = m & (PX_CK_REWRITE | PX_CK_INSERT | PX_CK_PREFIX);
	if (modes & (modes - 1)) {
		cx_error(cx, &w[0], "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.");
		err = -1;
	}
	if ((m & (PX_CK_PRESERVE | PX_CK_INSERT | PX_CK_INDIRECT)) == PX_CK_PRESERVE) {
		cx_error(cx, &w[0], "cookie 'preserve' requires at least 'insert' or 'indirect'.");
		err = -1;
	}
	if (err)
		goto fail;
	px_cookie_free(cx->px->cookie);
	cx->px->cookie = c;
	return 0;
fail:
	px_cookie_free(c);
	return -1;
}

PX_HANDLER(px_kw_description)
{
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects a string argument.", kw->h.name);
		return -1;
	}
	free(cx->px->description);
	cx->px->description = px_join(w, n, argi);
	return 0;
}

/* id <n>: uniqueness across proxies is the driver's (lead) business. */
PX_HANDLER(px_kw_id)
{
	if (px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects an integer argument.", kw->h.name);
		return -1;
	}
	bool strict;
	long long v = px_atol(w[argi].s, &strict);
	if (v <= 0 || v > 2147483647) {
		cx_error(cx, &w[argi], "custom id has to be > 0.");
		return -1;
	}
	if (!strict)
		px_warn_lenient(cx, &w[argi], kw->h.name, v);
	cx->px->id = (int)v;
	cx->px->id_forced = true;
	return 0;
}

/* disabled / enabled */
PX_HANDLER(px_kw_disabled)
{
	if (px_too_many(cx, kw->h.name, w, n, argi, 0) < 0)
		return -1;
	cx->px->disabled = strcmp(kw->h.name, "disabled") == 0;
	return 0;
}

PX_HANDLER(px_kw_monitor_uri)
{
	if (px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'monitor-uri' expects an URI.");
		return -1;
	}
	arg_set_str(&cx->px->monitor_uri, w[argi].s);
	cx->px->monitor_uri_loc = w[0].loc;
	return 0;
}

/* monitor fail if|unless <cond> */
PX_HANDLER(px_kw_monitor_fail)
{
	struct cfg_proxy *px = cx->px;
	if (argi >= n || (!px_eq(&w[argi], "if") && !px_eq(&w[argi], "unless"))) {
		cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
		         "'monitor fail' requires either 'if' or 'unless' followed by a condition.");
		return -1;
	}
	/* HAProxy's warnif_misplaced_monitor() */
	const char *after = px->http_req.n ? "an 'http-request'" :
	                    px->redirects.n ? "a 'redirect'" :
	                    px->use_backends.n ? "a 'use_backend'" :
	                    px->use_servers.n ? "a 'use-server'" : NULL;
	if (after)
		cx_warn(cx, &w[0], "a 'monitor fail' rule placed after %s rule will still be processed before.", after);
	struct acl_cond *cond = NULL;
	if (acl_cond_parse(cx, w, n, argi, SMP_STG_FE_HTTP_REQ, "monitor fail", &cond) < 0)
		return -1;
	VEC_PUSH(px->monitor_fail, cond);
	return 0;
}

PX_HANDLER(px_kw_monitor_bare)
{
	cx_error(cx, argi < n ? &w[argi] : px_last(w, n), "'monitor' only supports 'fail'.");
	return -1;
}

PX_HANDLER(px_kw_load_state)
{
	static const char *const m[] = { "global", "local", "none" };
	const char *a = argi < n ? w[argi].s : "";
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		if (strcmp(a, m[i]) == 0) {
			cx->px->load_server_state = (enum px_srv_state_load)(i + 1);
			return 0;
		}
	}
	cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
	         "'%s' expects 'global', 'local' or 'none'. Got '%s'", kw->h.name, a);
	return -1;
}

PX_HANDLER(px_kw_state_file_name)
{
	if (px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	const char *v = argi < n ? w[argi].s : "";
	if (!*v || strcmp(v, "use-backend-name") == 0)
		v = px_name(cx->px);
	arg_set_str(&cx->px->server_state_file_name, v);
	return 0;
}
