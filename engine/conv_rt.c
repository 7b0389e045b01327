/* Converters at run time (HAProxy's sample_conv_* of sample.c, map.c,
 * vars.c). Each gets a value already cast to the converter's input type
 * and rewrites it in place; false means "no value". */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/patref.h"
#include "engine/smp_rt.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

typedef smp_conv_fn conv_fn;


/* ---- strings ------------------------------------------------------------------ */

static bool
conv_case(struct smp_run *run, struct smp_val *v, bool up)
{
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	for (size_t i = 0; i < v->len; i++) {
		unsigned char ch = (unsigned char)v->ptr[i];
		chunk_addc(o, (char)(up ? toupper(ch) : tolower(ch)));
	}
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

CONV(c_lower) { return conv_case(run, v, false); }
CONV(c_upper) { return conv_case(run, v, true); }

CONV(c_length)
{
	v->sint = (long long)v->len;
	v->type = SMP_T_SINT;
	return true;
}

static bool
in_set(const char *set, char ch)
{
	return set && ch && strchr(set, ch);
}

CONV(c_ltrim)
{
	const char *set = cv_arg_str(c, 0);
	while (v->len && in_set(set, *v->ptr))
		v->ptr++, v->len--;
	return true;
}

CONV(c_rtrim)
{
	const char *set = cv_arg_str(c, 0);
	while (v->len && in_set(set, v->ptr[v->len - 1]))
		v->len--;
	return true;
}

CONV(c_cut_crlf)
{
	for (size_t i = 0; i < v->len; i++)
		if (v->ptr[i] == '\r' || v->ptr[i] == '\n') {
			v->len = i;
			break;
		}
	return true;
}

CONV(c_bytes)
{
	long long off = cv_arg_int(c, 0, 0);
	if (off < 0)
		off = 0;
	if ((long long)v->len <= off) {
		v->len = 0;
		return true;
	}
	v->ptr += off;
	v->len -= (size_t)off;
	if (c->nargs >= 2 && c->args[1].type == SMP_ARG_SINT &&
	    c->args[1].sint >= 0 && (size_t)c->args[1].sint < v->len)
		v->len = (size_t)c->args[1].sint;
	return true;
}

static bool
is_delim(const char *delims, char ch)
{
	for (const char *d = delims; *d; d++)
		if (*d == ch)
			return true;
	return false;
}

/* field(<index>,<delimiters>[,<count>]): sample_conv_field() */
CONV(c_field)
{
	long long want = cv_arg_int(c, 0, 0), count = cv_arg_int(c, 2, 1);
	const char *delims = cv_arg_str(c, 1) ? cv_arg_str(c, 1) : "";
	const char *base = v->ptr, *start, *end;
	long long field;

	if (!want)
		return false;
	if (want < 0) {
		field = -1;
		end = start = base + v->len;
		while (start > base) {
			if (is_delim(delims, start[-1])) {
				if (field == want) {
					if (count == 1)
						goto found;
					if (count > 1)
						count--;
				} else {
					end = start - 1;
					field--;
				}
			}
			start--;
		}
	} else {
		field = 1;
		end = start = base;
		while ((size_t)(end - base) < v->len) {
			if (is_delim(delims, *end)) {
				if (field == want) {
					if (count == 1)
						goto found;
					if (count > 1)
						count--;
				} else {
					start = end + 1;
					field++;
				}
			}
			end++;
		}
	}
	if (field != want)
		return false;
found:
	v->ptr = start;
	v->len = (size_t)(end - start);
	return true;
}

/* word(<index>,<delimiters>[,<count>]): sample_conv_word(); empty words
 * between delimiters do not count. */
CONV(c_word)
{
	long long want = cv_arg_int(c, 0, 0), count = cv_arg_int(c, 2, 1), word = 0;
	const char *delims = cv_arg_str(c, 1) ? cv_arg_str(c, 1) : "";
	const char *base = v->ptr, *start, *end;
	bool inword = false;

	if (!want)
		return false;
	if (want < 0) {
		end = start = base + v->len;
		while (start > base) {
			bool sep = is_delim(delims, start[-1]);
			if (!inword) {
				if (!sep) {
					if (word != want) {
						word--;
						end = start;
					}
					inword = true;
				}
			} else if (sep) {
				if (word == want) {
					if (count == 1)
						goto found;
					if (count > 1)
						count--;
				}
				inword = false;
			}
			start--;
		}
	} else {
		end = start = base;
		while ((size_t)(end - base) < v->len) {
			bool sep = is_delim(delims, *end);
			if (!inword) {
				if (!sep) {
					if (word != want) {
						word++;
						start = end;
					}
					inword = true;
				}
			} else if (sep) {
				if (word == want) {
					if (count == 1)
						goto found;
					if (count > 1)
						count--;
				}
				inword = false;
			}
			end++;
		}
	}
	if (word != want)
		return false;
found:
	v->ptr = start;
	v->len = (size_t)(end - start);
	return true;
}

/* A variable's value as a string (strcmp, concat, add_item...), in a
 * chunk not holding keep. */
static bool
var_str(struct smp_run *run, const char *name, struct smp_val *out,
        const struct smp_val *keep)
{
	if (!name || !*name || !smp_var_get(run, name, out, keep))
		return false;
	return smp_cast_keep(run, out, SMP_T_STR, keep);
}

CONV(c_concat)
{
	const char *pre = cv_arg_str(c, 0), *vn = cv_arg_str(c, 1), *suf = cv_arg_str(c, 2);
	struct smp_val var;
	bool have = var_str(run, vn, &var, v);
	struct smp_chunk *o = smp_run_out(run, v, have ? &var : NULL);
	/* HAProxy appends all three after the sample */
	chunk_add(o, v->ptr, v->len);
	if (pre)
		chunk_add(o, pre, strlen(pre));
	if (have)
		chunk_add(o, var.ptr, var.len);
	if (suf)
		chunk_add(o, suf, strlen(suf));
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

/* add_item(<delim>,[<var>][,<suffix>]) */
CONV(c_add_item)
{
	const char *delim = cv_arg_str(c, 0), *vn = cv_arg_str(c, 1), *suf = cv_arg_str(c, 2);
	struct smp_val var;
	bool have = var_str(run, vn, &var, v);
	bool more = (have && var.len) || (suf && *suf);
	struct smp_chunk *o = smp_run_out(run, v, have ? &var : NULL);
	chunk_add(o, v->ptr, v->len);
	if (v->len && more && delim)
		chunk_add(o, delim, strlen(delim));
	if (have)
		chunk_add(o, var.ptr, var.len);
	if (suf)
		chunk_add(o, suf, strlen(suf));
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

CONV(c_strcmp)
{
	struct smp_val var;
	if (!smp_var_get(run, cv_arg_str(c, 0), &var, v) ||
	    (var.type != SMP_T_STR && var.type != SMP_T_BIN))
		return false;
	size_t n = v->len < var.len ? v->len : var.len;
	int r = n ? memcmp(v->ptr, var.ptr, n) : 0;
	if (r == 0)
		r = v->len < var.len ? -1 : v->len > var.len ? 1 : 0;
	v->type = SMP_T_SINT;
	v->sint = r;
	return true;
}

CONV(c_secure_memcmp)
{
	struct smp_val var;
	if (!smp_var_get(run, cv_arg_str(c, 0), &var, v) ||
	    (var.type != SMP_T_STR && var.type != SMP_T_BIN))
		return false;
	bool eq = var.len == v->len;
	if (eq) {
		unsigned char d = 0;
		for (size_t i = 0; i < v->len; i++)
			d |= (unsigned char)(v->ptr[i] ^ var.ptr[i]);
		eq = d == 0;
	}
	v->type = SMP_T_BOOL;
	v->sint = eq;
	return true;
}

CONV(c_iif)
{
	const char *s = cv_arg_str(c, v->sint ? 0 : 1);
	if (!s)
		s = "";
	v->type = SMP_T_STR;
	v->ptr = s;
	v->len = strlen(s);
	return true;
}

/* Host header value helpers: "host", "host:port", "[v6]", "[v6]:port". */
static size_t
host_len(const char *p, size_t n)
{
	if (n && p[0] == '[') {
		const char *e = memchr(p, ']', n);
		return e ? (size_t)(e - p) + 1 : n;
	}
	const char *colon = memchr(p, ':', n);
	return colon ? (size_t)(colon - p) : n;
}

CONV(c_host_only)
{
	/* HAProxy returns the host lowered (checked with 2.6.12) */
	size_t n = host_len(v->ptr, v->len);
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	for (size_t i = 0; i < n; i++)
		chunk_addc(o, (char)tolower((unsigned char)v->ptr[i]));
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

CONV(c_port_only)
{
	size_t h = host_len(v->ptr, v->len);
	long long port = 0;
	if (h < v->len && v->ptr[h] == ':')
		for (size_t i = h + 1; i < v->len && isdigit((unsigned char)v->ptr[i]); i++)
			port = port * 10 + (v->ptr[i] - '0');
	v->type = SMP_T_SINT;
	v->sint = port;
	return true;
}

/* ---- integers ------------------------------------------------------------------ */

/* The integer argument of add/sub/...: a number or a variable. */
static bool
arith_arg(struct smp_run *run, const struct smp_conv_call *c, long long *out)
{
	const char *s = cv_arg_str(c, 0);
	char *end;
	if (!s)
		return false;
	long long x = strtoll(s, &end, 10);
	if (*s && !*end) {
		*out = x;
		return true;
	}
	struct smp_val var;
	if (!smp_var_get(run, s, &var, NULL) || !smp_cast(run, &var, SMP_T_SINT))
		return false;
	*out = var.sint;
	return true;
}

static long long
sat_add(long long a, long long b)
{
	long long r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? LLONG_MAX : LLONG_MIN;
	return r;
}

CONV(c_add)
{
	long long b;
	if (!arith_arg(run, c, &b))
		return false;
	v->sint = sat_add(v->sint, b);
	return true;
}

CONV(c_sub)
{
	long long b;
	if (!arith_arg(run, c, &b))
		return false;
	long long r;
	if (__builtin_sub_overflow(v->sint, b, &r))
		r = b < 0 ? LLONG_MAX : LLONG_MIN;
	v->sint = r;
	return true;
}

CONV(c_mul)
{
	long long b, r;
	if (!arith_arg(run, c, &b))
		return false;
	if (__builtin_mul_overflow(v->sint, b, &r))
		r = (v->sint < 0) != (b < 0) ? LLONG_MIN : LLONG_MAX;
	v->sint = r;
	return true;
}

CONV(c_div)
{
	long long b;
	if (!arith_arg(run, c, &b))
		return false;
	if (!b || (v->sint == LLONG_MIN && b == -1))
		v->sint = LLONG_MAX;
	else
		v->sint /= b;
	return true;
}

CONV(c_mod)
{
	long long b;
	if (!arith_arg(run, c, &b))
		return false;
	if (!b || b == -1)
		v->sint = 0;
	else
		v->sint %= b;
	return true;
}

CONV(c_and)
{
	long long b;
	if (!arith_arg(run, c, &b))
		return false;
	v->sint &= b;
	return true;
}

CONV(c_or)
{
	long long b;
	if (!arith_arg(run, c, &b))
		return false;
	v->sint |= b;
	return true;
}

CONV(c_xor)
{
	long long b;
	if (!arith_arg(run, c, &b))
		return false;
	v->sint ^= b;
	return true;
}

CONV(c_neg)
{
	v->sint = v->sint == LLONG_MIN ? LLONG_MAX : -v->sint;
	return true;
}

CONV(c_cpl) { v->sint = ~v->sint; return true; }
CONV(c_bool) { v->sint = v->sint != 0; v->type = SMP_T_BOOL; return true; }
CONV(c_not) { v->sint = v->sint == 0; v->type = SMP_T_BOOL; return true; }
CONV(c_even) { v->sint = !(v->sint & 1); v->type = SMP_T_BOOL; return true; }
CONV(c_odd) { v->sint = v->sint & 1; v->type = SMP_T_BOOL; return true; }

/* ---- addresses -------------------------------------------------------------------- */

CONV(c_ipmask)
{
	if (v->type == SMP_T_IPV4) {
		v->v4.s_addr &= c->args[0].ipv4.s_addr;
		return true;
	}
	if (v->type == SMP_T_IPV6 && c->nargs >= 2) {
		for (int i = 0; i < 16; i++)
			v->v6.s6_addr[i] &= c->args[1].ipv6.s6_addr[i];
		return true;
	}
	return false;
}

/* ---- variables, captures, state ------------------------------------------------ */

CONV(c_set_var)
{
	unsigned conds = 0;
	for (int i = 1; i < c->nargs; i++)
		if (c->args[i].str)
			conds |= smp_var_conds(c->args[i].str);
	smp_var_set(run, cv_arg_str(c, 0), conds, v);
	return true;
}

CONV(c_unset_var)
{
	smp_var_unset(run, cv_arg_str(c, 0));
	return true;
}

CONV(c_capture_req)
{
	struct smp_ctx *ctx = run->ctx;
	long long id = cv_arg_int(c, 0, -1);
	if (id < 0 || id >= SMP_CTX_CAPTURES || !ctx->fe ||
	    (size_t)id >= ctx->fe->req_caps.n)
		return true;
	size_t n = v->len;
	long long max = ctx->fe->req_caps.v[id]->len;
	if (max > 0 && (long long)n > max)
		n = (size_t)max;
	char **slot = smp_cap_slot(ctx, (int)id);
	free(*slot);
	*slot = xstrndup(v->ptr, n);
	return true;
}

CONV(c_nbsrv)
{
	char name[256];
	if (v->len >= sizeof(name))
		return false;
	memcpy(name, v->ptr, v->len);
	name[v->len] = '\0';
	const struct cfg_proxy *be = smp_find_backend(run->ctx, name);
	if (!be)
		return false;
	v->type = SMP_T_SINT;
	v->sint = sctx_nbsrv(run->ctx, be);
	return true;
}

CONV(c_absent) { return false; }
CONV(c_passthrough) { return true; }

/* ---- maps and regsub ---------------------------------------------------------- */

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* HAProxy's exp_replace(): \0..\9 are groups, \xHH a byte. */
static void
subst(struct smp_chunk *o, const char *src, const char *tpl,
      const size_t *caps, int ncaps)
{
	for (const char *t = tpl; *t; t++) {
		if (*t != '\\' || !t[1]) {
			chunk_addc(o, *t);
			continue;
		}
		t++;
		if (isdigit((unsigned char)*t)) {
			int g = *t - '0';
			if (g < ncaps && caps[2 * g] != RX_UNSET)
				chunk_add(o, src + caps[2 * g], caps[2 * g + 1] - caps[2 * g]);
		} else if (*t == 'x' && t[1] && t[2]) {
			int hi = hexval(t[1]), lo = hexval(t[2]);
			chunk_addc(o, (char)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo)));
			t += 2;
		} else {
			chunk_addc(o, *t);
		}
	}
}

static bool
map_out(struct smp_run *run, const struct smp_conv_rt *rt,
        const struct smp_map_entry *me, struct smp_val *v, const char *src,
        const size_t *caps, int ncaps)
{
	switch (rt->out) {
	case MAP_OUT_INT:
		v->type = SMP_T_SINT;
		v->sint = me->ival;
		return true;
	case MAP_OUT_IP:
		if (me->af == AF_INET) {
			v->type = SMP_T_IPV4;
			v->v4 = me->v4;
		} else {
			v->type = SMP_T_IPV6;
			v->v6 = me->v6;
		}
		return true;
	case MAP_OUT_STR:
		if (rt->regm && caps) {
			struct smp_chunk *o = smp_run_out(run, v, NULL);
			/* src may live in the other chunk: it is not written */
			subst(o, src, me->value, caps, ncaps);
			cv_out_chunk(v, SMP_T_STR, o);
			return true;
		}
		/* a copy: the map may change once the lookup is over */
		struct smp_chunk *o = smp_run_out(run, v, NULL);
		chunk_add(o, me->value, strlen(me->value));
		cv_out_chunk(v, SMP_T_STR, o);
		return true;
	}
	return false;
}

#define MAX_CAPS 10

CONV(c_map)
{
	const struct smp_conv_rt *rt = smp_rt_conv(run->rt, c);
	size_t caps[2 * MAX_CAPS];
	if (!rt || !rt->pu)
		return false;
	/* the CLI may edit the map: hold its snapshot while reading it */
	const struct smp_map *map = patref_acquire(rt->pu);
	const struct smp_map_entry *me =
	    smp_map_lookup(map, run, v, rt->regm ? caps : NULL, MAX_CAPS);
	bool ok = me && map_out(run, rt, me, v, v->ptr, rt->regm ? caps : NULL,
	                        MAX_CAPS);
	patref_release(rt->pu);
	if (me)
		return ok;
	if (!rt->has_def)
		return false;
	return map_out(run, rt, &rt->def, v, NULL, NULL, 0);
}

/* regsub(<regex>,<subst>[,<flags>]): sample_conv_regsub(). */
CONV(c_regsub)
{
	const struct smp_conv_rt *rt = smp_rt_conv(run->rt, c);
	struct rx *own = NULL;
	const struct rx *rx = rt ? rt->rx : NULL;
	bool global = rt ? rt->global : false;
	const char *tpl = cv_arg_str(c, 1) ? cv_arg_str(c, 1) : "";
	size_t caps[2 * MAX_CAPS];

	if (!rx) {
		/* no side table (unit use without smp_runtime_init) */
		const char *fl = cv_arg_str(c, 2);
		char *err = NULL;
		own = rx_compile(cv_arg_str(c, 0) ? cv_arg_str(c, 0) : "",
		                 fl && strchr(fl, 'i'), &err);
		free(err);
		if (!own)
			return false;
		rx = own;
		global = fl && strchr(fl, 'g');
	}
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	const char *s = v->ptr;
	size_t len = v->len, pos = 0;
	bool notbol = false;
	while (pos <= len) {
		int n = rx_exec(rx, s, len, pos, notbol, caps, MAX_CAPS);
		if (n < 0)
			break;
		chunk_add(o, s + pos, caps[0] - pos);
		subst(o, s, tpl, caps, n);
		if (caps[1] == caps[0]) {
			/* empty match: copy one byte to move on */
			if (caps[1] < len)
				chunk_addc(o, s[caps[1]]);
			pos = caps[1] + 1;
		} else {
			pos = caps[1];
		}
		notbol = true;
		if (!global)
			break;
	}
	if (pos < len)
		chunk_add(o, s + pos, len - pos);
	rx_free(own);
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

/* ---- dispatch ------------------------------------------------------------------ */

static const struct {
	const char *name;
	conv_fn fn;
} conv_impl[] = {
	{ "add", c_add }, { "add_item", c_add_item }, { "and", c_and },
	{ "bool", c_bool }, { "bytes", c_bytes },
	{ "capture-req", c_capture_req }, { "capture-res", c_passthrough },
	{ "concat", c_concat }, { "cpl", c_cpl }, { "cut_crlf", c_cut_crlf }, { "div", c_div }, { "even", c_even },
	{ "field", c_field }, { "host_only", c_host_only }, { "iif", c_iif }, { "ipmask", c_ipmask },
	{ "length", c_length }, { "lower", c_lower },
	{ "ltrim", c_ltrim }, { "mod", c_mod },
	{ "mul", c_mul }, { "nbsrv", c_nbsrv }, { "neg", c_neg }, { "not", c_not },
	{ "odd", c_odd }, { "or", c_or }, { "port_only", c_port_only },
	{ "regsub", c_regsub }, { "rtrim", c_rtrim }, { "secure_memcmp", c_secure_memcmp }, { "set-var", c_set_var },
	{ "strcmp", c_strcmp },
	{ "sub", c_sub }, { "unset-var", c_unset_var }, { "upper", c_upper },
	{ "word", c_word }, { "xor", c_xor },
	};

static conv_fn *conv_tab;
static size_t conv_tab_n;
static pthread_once_t conv_once = PTHREAD_ONCE_INIT;

static void
conv_tab_build(void)
{
	size_t n = 0;
	while (smp_conv_kws[n].h.name)
		n++;
	conv_fn *t = xcalloc(n ? n : 1, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		const char *name = smp_conv_kws[i].h.name;
		t[i] = c_absent;
		if (!strncmp(name, "map", 3) && (!name[3] || name[3] == '_'))
			t[i] = c_map;
		for (size_t k = 0; k < ARRAY_SIZE(conv_impl); k++)
			if (!strcmp(conv_impl[k].name, name))
				t[i] = conv_impl[k].fn;
		for (const struct smp_conv_impl *k = smp_conv_codec; k->name; k++)
			if (!strcmp(k->name, name))
				t[i] = k->fn;
	}
	conv_tab_n = n;
	conv_tab = t;
}

bool
smp_conv_run(struct smp_run *run, const struct smp_conv_call *c,
             struct smp_val *v)
{
	pthread_once(&conv_once, conv_tab_build);
	size_t i = (size_t)(c->kw - smp_conv_kws);
	if (i >= conv_tab_n)
		return false;
	return conv_tab[i](run, c, v);
}
