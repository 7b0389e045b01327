/* Sample expressions: lookup in the fetch/converter tables (smp_kw.c),
 * HAProxy's second-level argument parsing, type chaining and stage
 * checks. Messages keep HAProxy 2.6's wording (sample.c, arg.c). */
#include "sample.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "acl.h"
#include "smp_int.h"
#include "tables.h"

const struct kw_class smp_fetch_class = { "smp", "Sample fetches",
	smp_fetch_kws, sizeof(struct smp_fetch_kw) };
const struct kw_class smp_conv_class = { "cnv", "Converters",
	smp_conv_kws, sizeof(struct smp_conv_kw) };

static const char *const type_names[] = {
	[SMP_T_ANY] = "any", [SMP_T_BOOL] = "bool", [SMP_T_SINT] = "sint",
	[SMP_T_ADDR] = "addr", [SMP_T_IPV4] = "ipv4", [SMP_T_IPV6] = "ipv6",
	[SMP_T_STR] = "str", [SMP_T_BIN] = "bin", [SMP_T_METH] = "meth",
};

const char *
smp_type_name(enum smp_type t)
{
	return (unsigned)t < ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

static const char *const arg_names[SMP_ARG__COUNT] = {
	[SMP_ARG_STR] = "string", [SMP_ARG_SINT] = "integer",
	[SMP_ARG_BE] = "backend", [SMP_ARG_FE] = "frontend",
	[SMP_ARG_SRV] = "server", [SMP_ARG_TAB] = "table",
	[SMP_ARG_USR] = "user list", [SMP_ARG_IPV4] = "IPv4 address",
	[SMP_ARG_IPV6] = "IPv6 address", [SMP_ARG_MSK4] = "IPv4 mask",
	[SMP_ARG_MSK6] = "IPv6 mask", [SMP_ARG_REG] = "regex",
	[SMP_ARG_PBUF] = "Protocol buffers field number",
};

const char *
smp_arg_type_name(enum smp_arg_type t)
{
	return (unsigned)t < SMP_ARG__COUNT ? arg_names[t] : "?";
}

/* HAProxy's check-point names, in SMP_STG_* bit order. */
static const char *const stage_names[] = {
	"frontend tcp-request connection rule",
	"frontend tcp-request session rule",
	"frontend tcp-request content rule",
	"frontend http-request header rule",
	"frontend use-backend rule",
	"backend tcp-request content rule",
	"backend http-request header rule",
	"backend use-server, balance or stick-match rule",
	"server source selection",
	"backend tcp-response content rule",
	"backend http-response header rule",
	"frontend http-response header rule",
	"frontend http-response header rule", /* http-after-response */
	"logs",
	"backend tcp-check rule",
};

const char *
smp_stage_name(unsigned stages)
{
	for (size_t i = 0; i < ARRAY_SIZE(stage_names); i++)
		if (stages & (1u << i))
			return stage_names[i];
	return "?";
}

/* sample_casts[from][to] of HAProxy 2.6 (checked with haproxy -c). */
static const unsigned char casts[9][9] = {
	/*             ANY BOOL SINT ADDR IPV4 IPV6 STR BIN METH */
	/* ANY  */   { 1,  1,   1,   1,   1,   1,   1,  1,  1 },
	/* BOOL */   { 1,  1,   1,   0,   0,   0,   1,  1,  0 },
	/* SINT */   { 1,  1,   1,   1,   1,   1,   1,  1,  0 },
	/* ADDR */   { 1,  0,   0,   0,   0,   0,   0,  0,  0 },
	/* IPV4 */   { 1,  0,   1,   1,   1,   1,   1,  1,  0 },
	/* IPV6 */   { 1,  0,   0,   1,   1,   1,   1,  1,  0 },
	/* STR  */   { 1,  1,   1,   1,   1,   1,   1,  1,  1 },
	/* BIN  */   { 1,  0,   0,   0,   0,   0,   1,  1,  1 },
	/* METH */   { 1,  0,   0,   0,   0,   0,   1,  1,  1 },
};

bool
smp_can_cast(enum smp_type from, enum smp_type to)
{
	if ((unsigned)from > SMP_T_METH || (unsigned)to > SMP_T_METH)
		return false;
	return casts[from][to];
}

/* Binary search in a table sorted by name (C collation). */
#define FIND_IN(tab, rowtype, name, len)                                      \
	do {                                                                  \
		size_t lo = 0, hi = 0;                                        \
		while ((tab)[hi].h.name)                                      \
			hi++;                                                 \
		while (lo < hi) {                                             \
			size_t mid = (lo + hi) / 2;                           \
			const char *k = (tab)[mid].h.name;                    \
			int c = strncmp(k, name, len);                        \
			if (c == 0 && k[len] != '\0')                         \
				c = 1;                                        \
			if (c == 0)                                           \
				return &(tab)[mid];                           \
			if (c < 0)                                            \
				lo = mid + 1;                                 \
			else                                                  \
				hi = mid;                                     \
		}                                                             \
		return NULL;                                                  \
	} while (0)

const struct smp_fetch_kw *
smp_fetch_find(const char *name, size_t len)
{
	FIND_IN(smp_fetch_kws, struct smp_fetch_kw, name, len);
}

const struct smp_conv_kw *
smp_conv_find(const char *name, size_t len)
{
	FIND_IN(smp_conv_kws, struct smp_conv_kw, name, len);
}

/* HAProxy's is_idchar(): characters of fetch and converter names. */
static bool
is_idchar(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' ||
	       c == '+' || c == '$';
}

static enum smp_arg_type
spec_type(char c)
{
	switch (c) {
	case 'i': return SMP_ARG_SINT;
	case 'b': return SMP_ARG_BE;
	case 'f': return SMP_ARG_FE;
	case 'v': return SMP_ARG_SRV;
	case 't': return SMP_ARG_TAB;
	case 'u': return SMP_ARG_USR;
	case '4': return SMP_ARG_IPV4;
	case '6': return SMP_ARG_IPV6;
	case 'm': return SMP_ARG_MSK4;
	case 'M': return SMP_ARG_MSK6;
	case 'r': return SMP_ARG_REG;
	case 'p': return SMP_ARG_PBUF;
	default: return SMP_ARG_STR;
	}
}

static void
args_free(struct smp_arg *a, int n)
{
	for (int i = 0; a && i < n; i++)
		free(a[i].str);
	free(a);
}

/* read_int64() of HAProxy: optional sign, decimal digits. */
static bool
parse_sint(const char *s, long long *out)
{
	char *e;
	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoll(s, &e, 10);
	return *e == '\0' && errno == 0;
}

/* str2mask(): bit count or dotted mask. */
static bool
parse_mask4(const char *s, struct smp_arg *a)
{
	long long bits;
	if (strchr(s, '.'))
		return inet_pton(AF_INET, s, &a->ipv4) == 1;
	if (!parse_sint(s, &bits) || bits < 0 || bits > 32)
		return false;
	a->sint = bits;
	a->ipv4.s_addr = bits ? htonl(~0u << (32 - bits)) : 0;
	return true;
}

static bool
parse_mask6(const char *s, struct smp_arg *a)
{
	long long bits;
	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, &a->ipv6) == 1;
	if (!parse_sint(s, &bits) || bits < 0 || bits > 128)
		return false;
	a->sint = bits;
	memset(&a->ipv6, 0, sizeof(a->ipv6));
	for (int i = 0; i < bits; i++)
		a->ipv6.s6_addr[i / 8] |= (unsigned char)(0x80u >> (i % 8));
	return true;
}

static bool
parse_pbuf(const char *s)
{
	/* dotted unsigned integers: "1", "1.2.3" */
	if (!isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) &&
		    !(*s == '.' && isdigit((unsigned char)s[1])))
			return false;
	return true;
}

/* Types of an argument spec ("b[ii"); *min_arg gets the count of the
 * mandatory ones. Returns the number of types (at most 8). */
static int
arg_spec(const char *spec, enum smp_arg_type types[8], int *min_arg)
{
	int nbarg = 0;
	bool optional = false;
	*min_arg = 0;
	for (const char *p = spec; *p && nbarg < 8; p++) {
		if (*p == '[') {
			optional = true;
			continue;
		}
		types[nbarg++] = spec_type(*p);
		if (!optional)
			*min_arg = nbarg;
	}
	return nbarg;
}

/* Reads one argument's text from *inp into b: quotes and backslashes of
 * the second level are processed; an unquoted ',', ')' or blank ends it
 * (blanks end the input as in 2.6). */
static void
arg_read_one(const char **inp, struct sbuf *b)
{
	const char *in = *inp;
	bool sq = false, dq = false;
	sbuf_reset(b);
	sbuf_addn(b, "", 0);
	while (*in) {
		if (*in == '"' && !sq) {
			dq = !dq;
			in++;
		} else if (*in == '\'' && !dq) {
			sq = !sq;
			in++;
		} else if (*in == '\\' && !sq && in[1]) {
			char c = in[1];
			if (c == '\\' || c == ' ' || c == '"' || c == '\'')
				sbuf_addc(b, c), in++;
			else if (c == 'r')
				sbuf_addc(b, '\r'), in++;
			else if (c == 'n')
				sbuf_addc(b, '\n'), in++;
			else if (c == 't')
				sbuf_addc(b, '\t'), in++;
			else
				sbuf_addc(b, '\\');
			in++;
		} else {
			if (!sq && !dq &&
			    (*in == ',' || *in == ')' || *in == ' ' || *in == '\t'))
				break;
			sbuf_addc(b, *in++);
		}
	}
	*inp = in;
}

/* Converts the text of argument a to its type. */
enum arg_conv { ARG_CONV_OK, ARG_CONV_EMPTY, ARG_CONV_BAD };
static enum arg_conv
arg_convert(struct smp_arg *a, const struct sbuf *b)
{
	bool ok;
	switch (a->type) {
	case SMP_ARG_SINT: ok = parse_sint(b->s, &a->sint); break;
	case SMP_ARG_IPV4: ok = inet_pton(AF_INET, b->s, &a->ipv4) == 1; break;
	case SMP_ARG_IPV6: ok = inet_pton(AF_INET6, b->s, &a->ipv6) == 1; break;
	case SMP_ARG_MSK4: ok = parse_mask4(b->s, a); break;
	case SMP_ARG_MSK6: ok = parse_mask6(b->s, a); break;
	case SMP_ARG_PBUF: ok = parse_pbuf(b->s); break;
	default: return ARG_CONV_OK; /* strings and names: kept as text */
	}
	if (!b->len)
		return ARG_CONV_EMPTY;
	return ok ? ARG_CONV_OK : ARG_CONV_BAD;
}

/* Port of HAProxy's make_arg_list(): in points at the character after
 * the name. Returns the number of args or -1 with *err set; *endp is
 * where parsing stopped. */
static int
arg_list_parse(const char *in, const char *spec, struct smp_arg **argp,
               const char **endp, char **err, int *errarg)
{
	int min_arg, pos = 0;
	enum smp_arg_type types[8];
	int nbarg = arg_spec(spec, types, &min_arg);
	struct smp_arg *args = NULL;
	struct sbuf b = { 0 };
	bool empty = *in != '(';

	*argp = NULL;
	*errarg = 0;
	if (!empty)
		in++;
	if (!nbarg || (empty && !min_arg))
		goto end_parse;

	args = xcalloc(nbarg, sizeof(*args));
	while (pos < nbarg) {
		if (empty) {
			sbuf_reset(&b);
			sbuf_addn(&b, "", 0);
		} else
			arg_read_one(&in, &b);
		struct smp_arg *a = &args[pos];
		a->type = types[pos];
		a->str = xstrdup(b.s);
		switch (arg_convert(a, &b)) {
		case ARG_CONV_EMPTY:
			goto empty_err;
		case ARG_CONV_BAD:
			goto parse_err;
		default:
			break;
		}
		pos++;
		if (empty || !*in || *in == ')' || *in == ' ' || *in == '\t' ||
		    pos >= nbarg)
			break;
		in++; /* comma */
	}

end_parse:
	if (pos < min_arg) {
		*err = xasprintf("missing arguments (got %d/%d), type '%s' expected",
		                 pos, min_arg, arg_names[types[pos]]);
		goto fail;
	}
	if (!empty) {
		if (*in == ')') {
			in++;
		} else {
			size_t l = strcspn(in, " \t");
			if (l)
				*err = xasprintf("expected ')' before '%.*s'",
				                 (int)l, in);
			else
				*err = xstrdup("expected ')'");
			if (pos > 1)
				pos--;
			goto fail;
		}
	}
	free(b.s);
	*argp = args;
	*endp = in;
	*errarg = pos;
	return pos;

empty_err:
	if (pos >= min_arg) {
		free(args[pos].str);
		args[pos].str = NULL;
		if (!pos) {
			free(args);
			args = NULL;
		}
		goto end_parse;
	}
	*err = xasprintf("expected type '%s' at position %d, but got nothing",
	                 arg_names[types[pos]], pos + 1);
	goto fail;
parse_err:
	*err = xasprintf("failed to parse '%s' as type '%s' at position %d",
	                 b.s, arg_names[types[pos]], pos + 1);
fail:
	free(b.s);
	args_free(args, nbarg);
	*endp = in;
	*errarg = pos;
	return -1;
}

int
smp_check_var_name(const char *name, char **err)
{
	static const char *const scopes[] = { "proc.", "sess.", "txn.",
	                                      "req.", "res.", "check." };
	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++) {
		size_t l = strlen(scopes[i]);
		if (strncmp(name, scopes[i], l) != 0)
			continue;
		if (!name[l]) {
			*err = xstrdup("Empty variable name");
			return -1;
		}
		for (const char *p = name + l; *p; p++) {
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '_') {
				*err = xasprintf("invalid character '%c' in variable name '%s'",
				                 *p, name);
				return -1;
			}
		}
		return 0;
	}
	*err = xasprintf("invalid variable name '%s'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'",
	                 name);
	return -1;
}

/* Converter checks (named by smp_kw.c). */

int
smp_conv_check_map(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                   struct smp_arg *args, int nargs, char **err)
{
	if (nargs < 1 || !args[0].str)
		return 0;
	/* files are only opened when asked (not in unit tests/fuzzing) */
	if (!cx || !cx->cfg || !cx->cfg->opts.check_files)
		return 0;
	/* map_<match>[_<out>]: the keys are parsed with the match method */
	const char *m = kw->h.name[3] == '_' ? kw->h.name + 4 : "str";
	size_t ml = strcspn(m, "_");
	return acl_pattern_file_check(args[0].str, m, ml, true, err);
}

int
smp_conv_check_regsub(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                      struct smp_arg *args, int nargs, char **err)
{
	bool icase = false;
	if (nargs >= 3 && args[2].str) {
		for (const char *p = args[2].str; *p; p++) {
			if (*p == 'i')
				icase = true;
			else if (*p != 'g') {
				*err = xasprintf("invalid regex flag '%c', only 'i' and 'g' are supported",
				                 *p);
				return -1;
			}
		}
	}
	return acl_regex_check(args[0].str, icase, err);
}

int
smp_conv_check_digest(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                      struct smp_arg *args, int nargs, char **err)
{
	if (!args[0].str || !EVP_get_digestbyname(args[0].str)) {
		*err = xstrdup("algorithm must be a valid OpenSSL message digest name.");
		return -1;
	}
	return 0;
}

int
smp_conv_check_arith(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                     struct smp_arg *args, int nargs, char **err)
{
	long long v;
	char *e2 = NULL;
	if (args[0].str && parse_sint(args[0].str, &v)) {
		args[0].sint = v;
		return 0;
	}
	if (args[0].str && *args[0].str &&
	    smp_check_var_name(args[0].str, &e2) == 0)
		return 0;
	free(e2);
	*err = xstrdup("expects an integer or a variable name");
	return -1;
}

int
smp_conv_check_var(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                   struct smp_arg *args, int nargs, char **err)
{
	return smp_check_var_name(args[0].str ? args[0].str : "", err);
}

int
smp_conv_check_concat(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                      struct smp_arg *args, int nargs, char **err)
{
	if (nargs >= 2 && args[1].str && *args[1].str)
		return smp_check_var_name(args[1].str, err);
	return 0;
}

int
smp_conv_check_json(struct cfg_ctx *cx, const struct smp_conv_kw *kw,
                    struct smp_arg *args, int nargs, char **err)
{
	static const char *const ok[] = { "", "ascii", "utf8", "utf8s",
	                                  "utf8p", "utf8ps" };
	if (nargs < 1 || !args[0].str)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(args[0].str, ok[i]) == 0)
			return 0;
	*err = xstrdup("Unexpected input code type. Allowed value are 'ascii', 'utf8', 'utf8s', 'utf8p' and 'utf8ps'");
	return -1;
}

void
smp_expr_free(struct smp_expr *e)
{
	if (!e)
		return;
	args_free(e->args, e->nargs);
	for (size_t i = 0; i < e->convs.n; i++)
		args_free(e->convs.v[i].args, e->convs.v[i].nargs);
	free(e->convs.v);
	free(e->text);
	free(e);
}

struct smp_expr *
smp_expr_build(struct cfg_ctx *cx, const char *text, const char **end,
               const struct smp_fetch_kw *implied, size_t kwlen, char **err,
               size_t *erroff, bool *conv_err)
{
	struct smp_expr *e = xcalloc(1, sizeof(*e));
	const char *p = text, *q;
	char *msg = NULL;
	int errarg;
	enum smp_type prev;

	*conv_err = false;
	*erroff = 0;
	for (q = p; is_idchar(*q); q++)
		;
	if (implied) {
		e->fetch = implied;
		q = p + kwlen;
	} else if (q == p) {
		*err = xstrdup("missing fetch method");
		goto fail;
	} else if (!(e->fetch = smp_fetch_find(p, (size_t)(q - p)))) {
		*err = xasprintf("unknown fetch method '%.*s'", (int)(q - p), p);
		goto fail;
	}
	const char *fname = implied ? NULL : e->fetch->h.name;
	if (e->fetch->h.status == KW_UNSUPPORTED) {
		*err = xasprintf("fetch method '%s' is not supported (%s)",
		                 e->fetch->h.name, e->fetch->h.note);
		goto fail;
	}
	e->nargs = arg_list_parse(q, e->fetch->args, &e->args, &p, &msg,
	                          &errarg);
	if (e->nargs < 0) {
		e->nargs = 0;
		if (fname)
			*err = xasprintf("fetch method '%s' : %s", fname, msg);
		else
			*err = msg, msg = NULL;
		goto fail;
	}
	if (strcmp(e->fetch->h.name, "var") == 0 && e->nargs >= 1 &&
	    smp_check_var_name(e->args[0].str, &msg) < 0) {
		*err = xasprintf("invalid args in fetch method 'var' : %s", msg);
		goto fail;
	}
	prev = e->fetch->out;
	const char *lastname = e->fetch->h.name;
	bool lastconv = false;

	for (;;) {
		if (*p != ',') {
			if (*p && !end) {
				*err = lastconv
				    ? xasprintf("missing comma after converter '%s'",
				                lastname)
				    : xasprintf("missing comma after fetch keyword '%s'",
				                lastname);
				*conv_err = lastconv;
				*erroff = (size_t)(p - text);
				goto fail;
			}
			break;
		}
		while (*p == ',')
			p++;
		for (q = p; is_idchar(*q); q++)
			;
		if (q == p) {
			if (!*p || end)
				break;
		}
		*erroff = (size_t)(p - text);
		*conv_err = true;
		struct smp_conv_call c = { 0 };
		c.kw = smp_conv_find(p, (size_t)(q - p));
		if (!c.kw) {
			*err = xasprintf("unknown converter '%.*s'", (int)(q - p), p);
			goto fail;
		}
		if (c.kw->h.status == KW_UNSUPPORTED) {
			*err = xasprintf("converter '%s' is not supported (%s)",
			                 c.kw->h.name, c.kw->h.note);
			goto fail;
		}
		if (!smp_can_cast(prev, c.kw->in)) {
			*err = xasprintf("converter '%s' cannot be applied",
			                 c.kw->h.name);
			goto fail;
		}
		c.nargs = arg_list_parse(q, c.kw->args, &c.args, &p, &msg,
		                         &errarg);
		if (c.nargs < 0) {
			*err = xasprintf("invalid arg %d in converter '%s' : %s",
			                 errarg + 1, c.kw->h.name, msg);
			goto fail;
		}
		VEC_PUSH(e->convs, c);
		if (c.kw->check && c.kw->check(cx, c.kw, c.args, c.nargs, &msg) < 0) {
			*err = xasprintf("invalid args in converter '%s' : %s",
			                 c.kw->h.name, msg);
			goto fail;
		}
		if (c.kw->out != SMP_T_ANY)
			prev = c.kw->out;
		lastname = c.kw->h.name;
		lastconv = true;
	}
	*conv_err = false;
	e->text = xstrndup(text, (size_t)(p - text));
	if (end)
		*end = p;
	free(msg);
	return e;
fail:
	free(msg);
	smp_expr_free(e);
	if (end)
		*end = p;
	return NULL;
}

struct smp_expr *
smp_expr_parse_pfx(struct cfg_ctx *cx, const struct cfg_word *w, size_t off,
                   const char **end, unsigned stages, const char *pfx)
{
	char *err = NULL;
	size_t eoff;
	bool conv_err;
	const char *text = w->s + off;
	struct smp_expr *e = smp_expr_build(cx, text, end, NULL, 0, &err,
	                                    &eoff, &conv_err);
	if (!pfx)
		pfx = "";
	if (!e) {
		cx_error_at(cx, w, off + eoff, "%s%s.", pfx, err);
		free(err);
		return NULL;
	}
	e->loc = w->loc;
	if (!w->quoted)
		e->loc.col += (int)off;
	if (stages && !(e->fetch->val & stages)) {
		cx_error_at(cx, w, off,
		            "%sfetch method '%s' extracts information from '%s', none of which is available here.",
		            pfx, e->fetch->h.name, e->fetch->src);
		smp_expr_free(e);
		return NULL;
	}
	return e;
}

struct smp_expr *
smp_expr_parse(struct cfg_ctx *cx, const struct cfg_word *w, size_t off,
               const char **end, unsigned stages)
{
	return smp_expr_parse_pfx(cx, w, off, end, stages, NULL);
}

enum smp_type
smp_expr_type(const struct smp_expr *e)
{
	for (size_t i = e->convs.n; i > 0; i--)
		if (e->convs.v[i - 1].kw->out != SMP_T_ANY)
			return e->convs.v[i - 1].kw->out;
	return e->fetch->out;
}

unsigned
smp_expr_uses(const struct smp_expr *e)
{
	return e ? e->fetch->uses : 0;
}
