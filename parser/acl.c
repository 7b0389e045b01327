/* ACLs: the "acl" keyword, ACL expressions (criterion, flags, patterns),
 * ACL keyword shortcuts, predefined ACLs, and conditions built from the
 * grammar's cond_syntax(). Messages keep HAProxy 2.6's wording (acl.c). */
#include "acl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"
#include "tables.h"

/* ACL keyword shortcuts: fetch + implied match method (haproxy -dKacl). */
struct acl_kw {
	struct kw_head h;
	const char *fetch;
	enum acl_match match;
	bool dotted;
};

#define SC(n, f, m) { { n, KW_SUPPORTED, n " [flags] <patterns>", NULL }, f, m, false }
#define SCF(n, f) SC(n, f, ACL_M_STR), SC(n "_beg", f, ACL_M_BEG),           \
	SC(n "_dir", f, ACL_M_DIR), SC(n "_dom", f, ACL_M_DOM),               \
	SC(n "_end", f, ACL_M_END), SC(n "_len", f, ACL_M_LEN),               \
	SC(n "_reg", f, ACL_M_REG), SC(n "_sub", f, ACL_M_SUB)

static const struct acl_kw acl_kws[] = {
	SCF("base", "base"),
	SCF("cook", "req.cook"),
	SCF("hdr", "req.hdr"),
	{ { "http_auth_group", KW_SUPPORTED, "http_auth_group(<userlist>) <groups>",
	    NULL }, "http_auth_group", ACL_M_AUTH, false },
	SC("method", "method", ACL_M_METH),
	SCF("path", "path"),
	SC("payload", "req.payload", ACL_M_BIN),
	SC("payload_lv", "req.payload_lv", ACL_M_BIN),
	{ { "req.ssl_ver", KW_SUPPORTED, "req.ssl_ver [flags] <versions>", NULL },
	  "req.ssl_ver", ACL_M_INT, true },
	SC("req_rdp_cookie", "req.rdp_cookie", ACL_M_STR),
	SC("req_rdp_cookie_cnt", "req.rdp_cookie_cnt", ACL_M_INT),
	SC("req_ssl_sni", "req.ssl_sni", ACL_M_STR),
	{ { "req_ssl_ver", KW_SUPPORTED, "req_ssl_ver [flags] <versions>", NULL },
	  "req.ssl_ver", ACL_M_INT, true },
	SC("req_ver", "req.ver", ACL_M_STR),
	SC("resp_ver", "res.ver", ACL_M_STR),
	SCF("scook", "res.cook"),
	SCF("shdr", "res.hdr"),
	SC("ssl_fc_sni_end", "ssl_fc_sni", ACL_M_END),
	SC("ssl_fc_sni_reg", "ssl_fc_sni", ACL_M_REG),
	SCF("url", "url"),
	SCF("urlp", "urlp"),
	{ { NULL, 0, NULL, NULL }, NULL, 0, false },
};

const struct kw_class acl_kw_class = { "acl", "ACL keywords", acl_kws,
	sizeof(struct acl_kw) };

static const struct acl_kw *
acl_kw_find(const char *name, size_t len)
{
	for (const struct acl_kw *k = acl_kws; k->h.name; k++)
		if (strlen(k->h.name) == len && strncmp(k->h.name, name, len) == 0)
			return k;
	return NULL;
}

/* Predefined ACLs of HAProxy 2.6 (acl.c default_acl_list). */
static const struct {
	const char *name;
	const char *words[4];
} predef[] = {
	{ "TRUE", { "always_true" } },
	{ "FALSE", { "always_false" } },
	{ "LOCALHOST", { "src", "127.0.0.1/8", "::1" } },
	{ "HTTP", { "req.proto_http" } },
	{ "HTTP_1.0", { "req.ver", "1.0" } },
	{ "HTTP_1.1", { "req.ver", "1.1" } },
	{ "HTTP_2.0", { "req.ver", "2.0" } },
	{ "METH_CONNECT", { "method", "CONNECT" } },
	{ "METH_DELETE", { "method", "DELETE" } },
	{ "METH_GET", { "method", "GET", "HEAD" } },
	{ "METH_HEAD", { "method", "HEAD" } },
	{ "METH_OPTIONS", { "method", "OPTIONS" } },
	{ "METH_POST", { "method", "POST" } },
	{ "METH_PUT", { "method", "PUT" } },
	{ "METH_TRACE", { "method", "TRACE" } },
	{ "HTTP_URL_ABS", { "url_reg", "^[^/:]*://" } },
	{ "HTTP_URL_SLASH", { "url_beg", "/" } },
	{ "HTTP_URL_STAR", { "url", "*" } },
	{ "HTTP_CONTENT", { "req.hdr_val(content-length)", "gt", "0" } },
	{ "RDP_COOKIE", { "req.rdp_cookie_cnt", "gt", "0" } },
	{ "REQ_CONTENT", { "req.len", "gt", "0" } },
	{ "WAIT_END", { "wait_end" } },
};

void
acl_expr_free(struct acl_expr *e)
{
	if (!e)
		return;
	smp_expr_free(e->smp);
	for (size_t i = 0; i < e->pats.n; i++)
		acl_pattern_clear(&e->pats.v[i]);
	free(e->pats.v);
	for (size_t i = 0; i < e->files.n; i++)
		free(e->files.v[i]);
	free(e->files.v);
	free(e->kw);
	free(e);
}

void
acl_free(struct acl *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->exprs.n; i++)
		acl_expr_free(a->exprs.v[i]);
	free(a->exprs.v);
	free(a->name);
	free(a);
}

static void
acl_add_expr(struct acl *a, struct acl_expr *e)
{
	VEC_PUSH(a->exprs, e);
	a->val |= e->smp->fetch->val;
	a->uses |= e->smp->fetch->uses;
}

/* Default method for a sample type, or -1 when "-m" is required. */
static int
default_match(enum smp_type t)
{
	switch (t) {
	case SMP_T_BOOL: return ACL_M_BOOL;
	case SMP_T_SINT: return ACL_M_INT;
	case SMP_T_ADDR:
	case SMP_T_IPV4:
	case SMP_T_IPV6: return ACL_M_IP;
	case SMP_T_STR: return ACL_M_STR;
	case SMP_T_METH: return ACL_M_METH;
	default: return -1;
	}
}

/* Sample type a method works on (HAProxy's pat_match_types). */
enum smp_type
acl_match_input(enum acl_match m)
{
	switch (m) {
	case ACL_M_FOUND: return SMP_T_ANY;
	case ACL_M_BOOL:
	case ACL_M_INT: return SMP_T_SINT;
	case ACL_M_IP: return SMP_T_ADDR;
	case ACL_M_BIN: return SMP_T_BIN;
	case ACL_M_METH: return SMP_T_METH;
	default: return SMP_T_STR;
	}
}

static bool
uses_int_patterns(enum acl_match m)
{
	return m == ACL_M_INT || m == ACL_M_LEN;
}

/* State of one ACL expression while its words are parsed. */
struct acl_parse {
	struct cfg_ctx *cx;
	struct cfg_word *w;
	int first, last;
	const char *pfx;
	struct acl_expr *e;
	int match;              /* -1 until known */
	bool icase, loaded;
	char *err;
};

/* Unique ids (-u) of the named ACLs parsed so far, in every proxy. */
static bool
acl_id_used(struct cfg_ctx *cx, long long id)
{
	const struct cfg_proxy *const *lists[] = {
		(const struct cfg_proxy *const *)cx->cfg->proxies.v,
		(const struct cfg_proxy *const *)cx->cfg->defaults.v,
	};
	size_t counts[] = { cx->cfg->proxies.n, cx->cfg->defaults.n };
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const struct cfg_proxy *px = lists[l][i];
			for (size_t a = 0; a < px->acls.n; a++)
				for (size_t x = 0; x < px->acls.v[a]->exprs.n; x++)
					if (px->acls.v[a]->exprs.v[x]->unique_id == id)
						return true;
		}
	return false;
}

/* The criterion w[first]: an ACL keyword or a sample expression. */
static int
acl_parse_criterion(struct acl_parse *ap)
{
	struct cfg_word *cw = &ap->w[ap->first];
	size_t eoff, nl = 0;
	bool conv_err;

	while (cw->s[nl] && cw->s[nl] != '(' && cw->s[nl] != ',')
		nl++;
	const struct acl_kw *akw = acl_kw_find(cw->s, nl);
	if (akw && akw->h.status == KW_UNSUPPORTED) {
		cx_error(ap->cx, cw, "%sACL keyword '%s' is not supported (%s).",
		         ap->pfx, akw->h.name, akw->h.note);
		return -1;
	}
	ap->e->smp = smp_expr_build(ap->cx, cw->s, NULL,
	                            akw ? smp_fetch_find(akw->fetch, strlen(akw->fetch))
	                                : NULL,
	                            nl, &ap->err, &eoff, &conv_err);
	if (!ap->e->smp) {
		if (akw)
			cx_error_at(ap->cx, cw, eoff, "%sACL keyword '%s' : %s%s",
			            ap->pfx, akw->h.name, ap->err, conv_err ? ".." : ".");
		else
			cx_error_at(ap->cx, cw, eoff, "%s%s in ACL expression '%s'.",
			            ap->pfx, ap->err, cw->s);
		return -1;
	}
	ap->e->smp->loc = cw->loc;
	ap->e->kw = xstrndup(cw->s, nl);
	if (akw && ap->e->smp->convs.n == 0) {
		ap->match = (int)akw->match;
		ap->e->dotted = akw->dotted;
	}
	return 0;
}

/* The match method when none was given: the fetch type's default. */
static int
acl_parse_default_match(struct acl_parse *ap)
{
	if (ap->match < 0)
		ap->match = default_match(smp_expr_type(ap->e->smp));
	if (ap->match < 0) {
		cx_error(ap->cx, &ap->w[ap->first], "%smatching method must be specified first (using '-m') when using a sample fetch of this type ('%s').",
		         ap->pfx, ap->e->smp->fetch->h.name);
		return -1;
	}
	return 0;
}

/* -u <id>: strtol() as HAProxy, so a missing or empty id reads as 0. */
static int
acl_flag_u(struct acl_parse *ap, int i)
{
	struct acl_expr *e = ap->e;
	struct cfg_word *w = ap->w;
	const char *v = i < ap->last ? w[i + 1].s : "";
	char *end;
	e->unique_id = strtoll(v, &end, 10);
	if (*end) {
		cx_error(ap->cx, &w[i + 1], "%sthe argument of -u must be an integer.", ap->pfx);
		return -1;
	}
	if (!*v)
		cx_warn(ap->cx, i < ap->last ? &w[i + 1] : &w[i],
		        "%s'-u' has no id: the unique id is 0, as HAProxy reads it.", ap->pfx);
	/* HAProxy keeps one pattern reference per id; replayed defaults
	 * lines are the same references */
	if (!ap->cx->replaying && ap->cx->cfg && acl_id_used(ap->cx, e->unique_id)) {
		cx_error(ap->cx, i < ap->last ? &w[i + 1] : &w[i], "%sthe id is already used.", ap->pfx);
		return -1;
	}
	return 0;
}

/* -m <method> */
static int
acl_flag_m(struct acl_parse *ap, int i)
{
	struct cfg_word *w = ap->w;
	const char *v = i < ap->last ? w[i + 1].s : "";
	if (ap->loaded || ap->e->pats.n) {
		cx_error(ap->cx, &w[i], "%s'-m' must only be specified before patterns and files in parsing ACL expression.", ap->pfx);
		return -1;
	}
	ap->match = acl_match_by_name(v, strlen(v));
	if (ap->match < 0) {
		cx_error(ap->cx, i < ap->last ? &w[i + 1] : &w[i],
		         "%sunknown matching method '%s' when parsing ACL expression.",
		         ap->pfx, v);
		return -1;
	}
	ap->e->dotted = false;
	if (!smp_can_cast(smp_expr_type(ap->e->smp),
	                  acl_match_input((enum acl_match)ap->match))) {
		cx_error(ap->cx, &w[i + 1], "%smatching method '%s' cannot be used with fetch keyword '%s'.",
		         ap->pfx, v, ap->e->smp->fetch->h.name);
		return -1;
	}
	return 0;
}

/* -f <file> */
static int
acl_flag_f(struct acl_parse *ap, int i)
{
	struct acl_expr *e = ap->e;
	struct cfg_word *w = ap->w;
	const char *v = i < ap->last ? w[i + 1].s : "";
	if (acl_parse_default_match(ap) < 0)
		return -1;
	/* loaded now like HAProxy; without check_files the engine loads
	 * e->files itself */
	if (ap->cx->cfg && ap->cx->cfg->opts.check_files &&
	    acl_pattern_file_load(v, (enum acl_match)ap->match, e->dotted,
	                          ap->icase, e->no_dns, e->map, &e->pats,
	                          &ap->err) < 0) {
		cx_error(ap->cx, i < ap->last ? &w[i + 1] : &w[i], "%s%s.",
		         ap->pfx, ap->err);
		return -1;
	}
	VEC_PUSH(e->files, xstrdup(v));
	ap->loaded = true;
	return 0;
}

/* Flags after the criterion; returns the index of the first pattern or
 * -1. */
static int
acl_parse_flags(struct acl_parse *ap)
{
	int i;
	for (i = ap->first + 1; i <= ap->last; i++) {
		const char *f = ap->w[i].s;
		int rc = 0;
		if (f[0] != '-')
			break;
		if (strcmp(f, "--") == 0)
			return i + 1;
		if (strcmp(f, "-i") == 0)
			ap->icase = true;
		else if (strcmp(f, "-n") == 0)
			ap->e->no_dns = true;
		else if (strcmp(f, "-M") == 0)
			ap->e->map = true;
		else if (strcmp(f, "-u") == 0)
			rc = acl_flag_u(ap, i++);
		else if (strcmp(f, "-m") == 0)
			rc = acl_flag_m(ap, i++);
		else if (strcmp(f, "-f") == 0)
			rc = acl_flag_f(ap, i++);
		else {
			cx_error(ap->cx, &ap->w[i], "%s'%s' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'.",
			         ap->pfx, f);
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return i;
}

/* Patterns w[i..last], with the eq/gt/ge/lt/le operators of integer
 * methods. */
static int
acl_parse_patterns(struct acl_parse *ap, int i)
{
	static const char *const ops[] = { "", "eq", "gt", "ge", "lt", "le" };
	enum { OP_NONE, OP_EQ, OP_GT, OP_GE, OP_LT, OP_LE } op = OP_NONE;
	struct acl_expr *e = ap->e;
	bool ints = uses_int_patterns(e->match);

	for (; i <= ap->last; i++) {
		const char *s = ap->w[i].s;
		struct acl_pattern p;
		if (ints) {
			int o;
			for (o = 1; o < 6 && strcmp(s, ops[o]) != 0; o++)
				;
			if (o < 6) {
				op = o;
				continue;
			}
		}
		if (acl_pattern_parse(e->match, e->dotted, s, ap->icase, e->no_dns, &p,
		                      &ap->err) < 0) {
			cx_error(ap->cx, &ap->w[i], "%s%s.", ap->pfx, ap->err);
			return -1;
		}
		if (ints && op != OP_NONE && p.has_min && p.has_max && p.min == p.max) {
			long long v = p.min;
			p.has_min = p.has_max = false;
			switch (op) {
			case OP_EQ: p.min = p.max = v; p.has_min = p.has_max = true; break;
			case OP_GT: p.min = v + 1; p.has_min = true; break;
			case OP_GE: p.min = v; p.has_min = true; break;
			case OP_LT: p.max = v - 1; p.has_max = true; break;
			case OP_LE: p.max = v; p.has_max = true; break;
			default: break;
			}
		}
		VEC_PUSH(e->pats, p);
	}
	return 0;
}

struct acl_expr *
acl_expr_parse(struct cfg_ctx *cx, struct cfg_word *w, int first, int last,
               const char *pfx)
{
	struct acl_parse ap = { .cx = cx, .w = w, .first = first, .last = last,
	                        .pfx = pfx, .match = -1 };
	int i;

	ap.e = xcalloc(1, sizeof(*ap.e));
	ap.e->unique_id = -1;
	ap.e->loc = w[first].loc;
	if (acl_parse_criterion(&ap) < 0 || (i = acl_parse_flags(&ap)) < 0 ||
	    acl_parse_default_match(&ap) < 0)
		goto fail;
	ap.e->match = (enum acl_match)ap.match;
	if (first == last && ap.match != ACL_M_FOUND && ap.match != ACL_M_BOOL)
		cx_warn(cx, &w[first], "parsing acl keyword '%s' : no pattern to match against were provided, so this ACL will never match. If this is what you intended, please add '--' to get rid of this warning. If you intended to match only for existence, please use '-m found'. If you wanted to force an int to match as a bool, please use '-m bool'.",
		        ap.e->kw);
	if (acl_parse_patterns(&ap, i) < 0)
		goto fail;
	free(ap.err);
	return ap.e;
fail:
	free(ap.err);
	acl_expr_free(ap.e);
	return NULL;
}

struct acl *
acl_find(struct cfg_proxy *px, const char *name)
{
	if (!px)
		return NULL;
	for (size_t i = 0; i < px->acls.n; i++)
		if (strcmp(px->acls.v[i]->name, name) == 0)
			return px->acls.v[i];
	return NULL;
}

/* "acl <name> <criterion> [flags] [operator] [<value>] ..." */
static int
acl_kw_parse(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w,
             int n, int argi)
{
	char *pfx;
	if (argi >= n) {
		cx_error(cx, &w[argi - 1], "'acl' expects an ACL name and a criterion.");
		return -1;
	}
	for (const char *p = w[argi].s; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_.:-", *p)) {
			cx_error(cx, &w[argi], "character '%c' is not permitted in acl name '%s'.",
			         *p, w[argi].s);
			return -1;
		}
	}
	pfx = xasprintf("error detected while parsing ACL '%s' : ", w[argi].s);
	if (argi + 1 >= n) {
		cx_error(cx, &w[argi], "%smissing fetch method in ACL expression ''.", pfx);
		free(pfx);
		return -1;
	}
	struct acl_expr *e = acl_expr_parse(cx, w, argi + 1, n - 1, pfx);
	free(pfx);
	if (!e)
		return -1;
	if (!cx->px) {
		acl_expr_free(e);
		return 0;
	}
	struct acl *a = acl_find(cx->px, w[argi].s);
	if (!a) {
		a = xcalloc(1, sizeof(*a));
		a->name = xstrdup(w[argi].s);
		VEC_PUSH(cx->px->acls, a);
	}
	acl_add_expr(a, e);
	return 0;
}

const struct cfg_kw acl_section_kws[] = {
	{ { "acl", KW_SUPPORTED, "<name> <criterion> [flags] [operator] [<value>] ...", NULL },
	  KW_NAMED_DEF | KW_DEF | KW_FE | KW_BE, acl_kw_parse },
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};

/* Builds a predefined ACL (owned by the caller) or NULL. */
static struct acl *
predef_build(struct cfg_ctx *cx, const struct cfg_word *at)
{
	for (size_t i = 0; i < ARRAY_SIZE(predef); i++) {
		if (strcmp(predef[i].name, at->s) != 0)
			continue;
		struct cfg_word ws[4];
		int nw = 0;
		for (; nw < 4 && predef[i].words[nw]; nw++) {
			ws[nw] = *at;
			ws[nw].s = xstrdup(predef[i].words[nw]);
			ws[nw].len = strlen(ws[nw].s);
		}
		struct acl_expr *e = acl_expr_parse(cx, ws, 0, nw - 1, "");
		for (int k = 0; k < nw; k++)
			free(ws[k].s);
		if (!e)
			return NULL;
		struct acl *a = xcalloc(1, sizeof(*a));
		a->name = xstrdup(predef[i].name);
		a->predefined = true;
		acl_add_expr(a, e);
		return a;
	}
	return NULL;
}

/* HAProxy's context prefix for condition errors, by rule family. */
static char *
cond_prefix(struct cfg_ctx *cx, const char *kwname, const char *ifword)
{
	/* HAProxy names a listen section "proxy" in these messages */
	const char *pxt = !cx->px ? "proxy" :
	                  (cx->px->cap & (PX_CAP_FE | PX_CAP_BE)) == (PX_CAP_FE | PX_CAP_BE) ?
	                  "proxy" : proxy_type_name(cx->px);
	const char *pxn = cx->px && cx->px->name ? cx->px->name : "";
	if (!strncmp(kwname, "http-", 5))
		return xasprintf("error detected while parsing an '%s' condition : ", kwname);
	if (!strncmp(kwname, "tcp-", 4))
		return xasprintf("'%s' : error detected in %s '%s' while parsing '%s' condition : ",
		                 kwname, pxt, pxn, ifword);
	if (!strcmp(kwname, "use_backend"))
		return xstrdup("error detected while parsing switching rule : ");
	if (!strcmp(kwname, "redirect"))
		return xasprintf("error detected in %s '%s' while parsing redirect rule : error in condition: ",
		                 pxt, pxn);
	return xasprintf("error detected while parsing a '%s' condition : ", kwname);
}

/* " in 'tcp-request connection'" for the tcp rule families, as HAProxy
 * words their stage warnings. */
static char *
cond_in(const char *kwname)
{
	const char *fams[] = { "tcp-request connection", "tcp-request session",
	                       "tcp-request content", "tcp-response content" };
	for (size_t i = 0; i < ARRAY_SIZE(fams); i++)
		if (!strncmp(kwname, fams[i], strlen(fams[i])))
			return xasprintf(" in '%s'", fams[i]);
	return xstrdup("");
}

static void
cond_check_stages(struct cfg_ctx *cx, struct acl_cond *c, struct cfg_word *at,
                  unsigned stages, const char *kwname)
{
	for (size_t s = 0; s < c->suites.n; s++) {
		struct acl_suite *su = &c->suites.v[s];
		for (size_t t = 0; t < su->terms.n; t++) {
			struct acl *a = su->terms.v[t].acl;
			char *in = NULL;
			if (a->name && !(a->val & stages)) {
				in = cond_in(kwname);
				cx_warn(cx, at, "acl '%s' will never match%s because it only involves keywords that are incompatible with '%s'",
				        a->name, in, smp_stage_name(stages));
				free(in);
				return;
			}
			for (size_t x = 0; x < a->exprs.n; x++) {
				if (a->exprs.v[x]->smp->fetch->val & stages)
					continue;
				in = cond_in(kwname);
				if (a->name)
					cx_warn(cx, at, "acl '%s' involves keyword '%s' which is incompatible with '%s'",
					        a->name, a->exprs.v[x]->kw,
					        smp_stage_name(stages));
				else
					cx_warn(cx, at, "anonymous acl will never match%s because it uses keyword '%s' which is incompatible with '%s'",
					        in, a->exprs.v[x]->kw,
					        smp_stage_name(stages));
				free(in);
				return;
			}
		}
	}
}

/* Builds the AND suite of terms ast->terms[from..to-1] into c. */
static int
cond_add_suite(struct cfg_ctx *cx, struct cfg_word *w,
               const struct cond_ast *ast, size_t from, size_t to,
               const char *pfx, struct acl_cond *c)
{
	struct acl_suite su = { 0 };
	VEC_PUSH(c->suites, su);
	struct acl_suite *sp = &c->suites.v[c->suites.n - 1];
	for (size_t t = from; t < to; t++) {
		const struct cond_term *ct = &ast->terms.v[t];
		struct acl_term term = { .neg = ct->neg };
		if (ct->anon) {
			struct acl_expr *e = acl_expr_parse(cx, w, ct->first,
			                                    ct->last, pfx);
			if (!e)
				return -1;
			term.acl = xcalloc(1, sizeof(*term.acl));
			term.owned = true;
			acl_add_expr(term.acl, e);
		} else {
			/* glued negations ("!name", "!!name"): the grammar
			 * folded them into neg; ACL names never hold a '!' */
			struct cfg_word nw = w[ct->first];
			size_t off = strspn(nw.s, "!");
			nw.s += off;
			nw.loc.col += (int)off;
			term.acl = acl_find(cx->px, nw.s);
			if (!term.acl) {
				term.acl = predef_build(cx, &nw);
				term.owned = term.acl != NULL;
			}
			if (!term.acl) {
				cx_error(cx, &nw, "%sno such ACL : '%s'.", pfx, nw.s);
				return -1;
			}
		}
		c->uses |= term.acl->uses;
		VEC_PUSH(sp->terms, term);
	}
	return 0;
}

int
acl_cond_parse(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
               unsigned stages, const char *kwname, struct acl_cond **cond)
{
	struct cond_ast ast;
	struct acl_cond *c = NULL;
	char *pfx = NULL;
	int rc = -1;

	*cond = NULL;
	if (argi >= n)
		return 0;
	if (strcmp(w[argi].s, "if") != 0 && strcmp(w[argi].s, "unless") != 0) {
		cx_error(cx, &w[argi], "'%s' expects 'if' or 'unless' followed by a condition, but got '%s'.",
		         kwname, w[argi].s);
		return -1;
	}
	if (cond_syntax(cx, w, n, argi, &ast) < 0)
		return -1;
	pfx = cond_prefix(cx, kwname, w[argi].s);
	c = xcalloc(1, sizeof(*c));
	c->unless = ast.unless;
	c->loc = w[argi].loc;
	/* No OR start at all means one branch from the first term; empty
	 * branches ("if || a", "if a ||", a bare "if") build no suite, as in
	 * HAProxy: a condition without suites never matches ("if") or
	 * always matches ("unless"). */
	size_t nbr = ast.or_starts.n ? ast.or_starts.n : 1;
	for (size_t b = 0; b < nbr; b++) {
		size_t from = ast.or_starts.n ? (size_t)ast.or_starts.v[b] : 0;
		size_t to = b + 1 < ast.or_starts.n ? (size_t)ast.or_starts.v[b + 1]
		                                    : ast.terms.n;
		if (from >= to)
			continue;
		if (cond_add_suite(cx, w, &ast, from, to, pfx, c) < 0)
			goto out;
	}
	if (stages)
		cond_check_stages(cx, c, &w[argi], stages, kwname);
	*cond = c;
	c = NULL;
	rc = 0;
out:
	acl_cond_free(c);
	cond_ast_free(&ast);
	free(pfx);
	return rc;
}

void
acl_cond_free(struct acl_cond *c)
{
	if (!c)
		return;
	for (size_t s = 0; s < c->suites.n; s++) {
		struct acl_suite *su = &c->suites.v[s];
		for (size_t t = 0; t < su->terms.n; t++)
			if (su->terms.v[t].owned)
				acl_free(su->terms.v[t].acl);
		free(su->terms.v);
	}
	free(c->suites.v);
	free(c);
}

unsigned
acl_cond_uses(const struct acl_cond *c)
{
	unsigned u = 0;
	/* named ACLs may gain lines after the condition was parsed */
	for (size_t s = 0; c && s < c->suites.n; s++)
		for (size_t t = 0; t < c->suites.v[s].terms.n; t++)
			u |= c->suites.v[s].terms.v[t].acl->uses;
	return u;
}
