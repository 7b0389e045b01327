/* Names referenced inside sample expressions (backend, frontend and
 * server arguments of fetches such as nbsrv(), be_conn(), srv_is_up())
 * and capture ids of "http-request/http-response capture ... id <n>",
 * checked once every proxy exists: HAProxy's smp_resolve_args() and
 * check_http_{req,res}_capture(). Called by proxies_resolve(). Every
 * message is reported at the expression (or rule) that holds the name,
 * where HAProxy only gives a line. */
#include "px_int.h"
#include "resolve.h"
#include "server.h"
#include "userlist.h"

/* What holds the expressions being walked, for HAProxy's wording. */
struct refs {
	struct cfg *cfg;
	struct diag *d;
	struct cfg_proxy *px;   /* proxy (or defaults) the expressions run in */
	const char *where;      /* "http-request expression", ...; NULL: ACL */
	int rc;
};

/* "ACL keyword 'nbsrv' in proxy 'f'" or "sample fetch keyword 'be_conn'
 * in http-request expression in proxy 'f'". */
static char *
ref_ctx(const struct refs *r, const char *kind, const char *kw)
{
	if (r->where == NULL)
		return xasprintf("ACL keyword '%s' in proxy '%s'", kw, px_name(r->px));
	return xasprintf("%s '%s' in %s in proxy '%s'", kind, kw, r->where,
	                 px_name(r->px));
}

static struct cfg_server *
find_server(const struct cfg_proxy *px, const char *name)
{
	for (size_t i = 0; i < px->servers.n; i++)
		if (px->servers.v[i]->name && strcmp(px->servers.v[i]->name, name) == 0)
			return px->servers.v[i];
	return NULL;
}

/* One argument naming a backend, frontend or server. */
static void
ref_arg(struct refs *r, const struct cfg_loc *at, const struct smp_arg *a,
        int pos, const char *kind, const char *kw)
{
	const char *s = a->str ? a->str : "";
	char *ctx = NULL;
	struct cfg_proxy *px = NULL;

	switch (a->type) {
	case SMP_ARG_BE:
	case SMP_ARG_FE: {
		bool be = a->type == SMP_ARG_BE;
		unsigned cap = be ? PX_CAP_BE : PX_CAP_FE;
		if (*s == '\0') {
			/* no name: the proxy the expression runs in */
			if (r->px->cap & (cap | PX_CAP_DEF))
				return;
			ctx = ref_ctx(r, kind, kw);
			diag_error(r->d, at, "proxy '%s', referenced in arg %d of %s, has not %s capability.",
			           px_name(r->px), pos, ctx, be ? "backend" : "frontend");
			break;
		}
		if (proxy_find(r->cfg, s, cap))
			return;
		ctx = ref_ctx(r, kind, kw);
		diag_error(r->d, at, "unable to find %s '%s' referenced in arg %d of %s.",
		           be ? "backend" : "frontend", s, pos, ctx);
		break;
	}
	case SMP_ARG_SRV: {
		if (*s == '\0') {
			ctx = ref_ctx(r, kind, kw);
			diag_error(r->d, at, "missing server name in arg %d of %s.", pos, ctx);
			break;
		}
		/* "backend/server" or "server" of the current proxy */
		const char *slash = strrchr(s, '/');
		const char *sname = slash ? slash + 1 : s;
		if (slash) {
			char *pname = xstrndup(s, (size_t)(slash - s));
			px = proxy_find(r->cfg, pname, PX_CAP_BE);
			if (px == NULL) {
				ctx = ref_ctx(r, kind, kw);
				diag_error(r->d, at, "unable to find proxy '%s' referenced in arg %d of %s.",
				           pname, pos, ctx);
			}
			free(pname);
			if (px == NULL)
				break;
		} else
			px = r->px;
		if (find_server(px, sname))
			return;
		ctx = ref_ctx(r, kind, kw);
		diag_error(r->d, at, "unable to find server '%s' in proxy '%s', referenced in arg %d of %s.",
		           sname, px_name(px), pos, ctx);
		break;
	}
	case SMP_ARG_USR:
		if (ulist_find(r->cfg, s))
			return;
		ctx = ref_ctx(r, kind, kw);
		diag_error(r->d, at, "unable to find userlist '%s' referenced in arg %d of %s.",
		           s, pos, ctx);
		break;
	default:
		return;
	}
	free(ctx);
	r->rc = -1;
}

/* Request/response capture slots of a frontend: capture headers,
 * "declare capture" and the captures with a "len" that add a slot. */
static size_t
cap_slots(const struct cfg_proxy *px, bool req)
{
	if (!req)
		return px->res_caps.n;
	size_t n = px->req_caps.n;
	for (size_t i = 0; i < px->http_req.n; i++)
		n += px->http_req.v[i]->act == PX_ACT_CAPTURE &&
		     px->http_req.v[i]->arg && strcmp(px->http_req.v[i]->arg, "len") == 0;
	for (size_t i = 0; i < px->tcp_req_cont.n; i++)
		n += px->tcp_req_cont.v[i]->act == PX_ACT_CAPTURE;
	return n;
}

static void
expr_refs(struct refs *r, const struct smp_expr *e, const char *kw)
{
	if (e == NULL)
		return;
	for (int i = 0; i < e->nargs; i++)
		ref_arg(r, &e->loc, &e->args[i], i + 1, "sample fetch keyword",
		        kw ? kw : e->fetch->h.name);
	for (size_t c = 0; c < e->convs.n; c++) {
		const struct smp_conv_call *cv = &e->convs.v[c];
		for (int i = 0; i < cv->nargs; i++)
			ref_arg(r, &e->loc, &cv->args[i], i + 1, "converter keyword",
			        cv->kw->h.name);
		/* HAProxy never checks these ids: a missing slot only makes
		 * the converter return nothing */
		bool req = strcmp(cv->kw->h.name, "capture-req") == 0;
		if ((req || strcmp(cv->kw->h.name, "capture-res") == 0) &&
		    cv->nargs >= 1 && (r->px->cap & PX_CAP_FE) &&
		    (cv->args[0].sint < 0 ||
		     (size_t)cv->args[0].sint >= cap_slots(r->px, req)))
			diag_warn(r->d, &e->loc, "converter '%s' uses capture id '%lld' but %s '%s' declares no such %s capture slot: it never returns anything.",
			          cv->kw->h.name, cv->args[0].sint, px_type(r->px),
			          px_name(r->px), req ? "request" : "response");
	}
}

/* An ACL expression: its sample's names, and for the ACL keyword
 * http_auth_group the groups it matches, which must exist in the userlist
 * (HAProxy's acl_find_targets(), same words). acl: the ACL's name or NULL. */
static void
acl_refs(struct refs *r, const struct acl_expr *e, const char *acl)
{
	int before = r->rc;
	r->rc = 0;
	expr_refs(r, e->smp, e->kw);
	bool found = r->rc == 0;
	r->rc |= before;
	/* "-m str" on the keyword: HAProxy's group list is then empty */
	bool other_match = e->match != ACL_M_AUTH && e->kw && e->smp->convs.n == 0 &&
	                   strcmp(e->kw, "http_auth_group") == 0;
	if ((e->match != ACL_M_AUTH && !other_match) || !found || e->smp->nargs < 1)
		return;
	const struct cfg_userlist *ul = ulist_find(r->cfg, e->smp->args[0].str);
	if (other_match || (e->pats.n == 0 && e->files.n == 0)) {
		diag_error(r->d, &e->loc, "proxy %s: acl %s %s(): no groups specified.",
		           px_name(r->px), acl ? acl : "", e->kw);
		r->rc = -1;
		return;
	}
	for (size_t i = 0; i < e->pats.n; i++)
		if (!ulist_has_group(ul, e->pats.v[i].str)) {
			diag_error(r->d, &e->loc, "proxy %s: acl %s %s(): invalid group '%s'.",
			           px_name(r->px), acl ? acl : "", e->kw, e->pats.v[i].str);
			r->rc = -1;
		}
}

static void
lf_refs(struct refs *r, const struct lf_expr *lf)
{
	for (size_t i = 0; lf && i < lf->nodes.n; i++)
		expr_refs(r, lf->nodes.v[i].expr, NULL);
}

/* Anonymous ACLs of a condition; named ones are walked with px->acls. */
static void
cond_refs(struct refs *r, const struct acl_cond *c)
{
	const char *where = r->where;
	r->where = NULL;
	for (size_t s = 0; c && s < c->suites.n; s++)
		for (size_t t = 0; t < c->suites.v[s].terms.n; t++) {
			const struct acl_term *term = &c->suites.v[s].terms.v[t];
			if (!term->owned || term->acl->predefined)
				continue;
			for (size_t x = 0; x < term->acl->exprs.n; x++)
				acl_refs(r, term->acl->exprs.v[x], NULL);
		}
	r->where = where;
}

static void
reply_refs(struct refs *r, const struct px_reply *rep)
{
	if (rep == NULL)
		return;
	lf_refs(r, rep->lf);
	for (size_t i = 0; i < rep->hdrs.n; i++)
		lf_refs(r, rep->hdrs.v[i].fmt);
}

/* HAProxy's name of the expressions of a rule set in these messages. */
static const char *
rule_where(const struct px_rule *pr)
{
	switch (pr->set) {
	case RS_TCP_REQ_CONN: return "tcp-request connection expression";
	case RS_TCP_REQ_SESS: return "tcp-request session expression";
	case RS_TCP_REQ_CONT:
		return pr->act == PX_ACT_CAPTURE ? "capture rule" : "tcp-request content expression";
	case RS_TCP_RES_CONT: return "tcp-response content expression";
	case RS_HTTP_RES:
	case RS_HTTP_AFTER: return "http-response response"; /* sic */
	case RS_HTTP_ERROR: return "http-error directive";
	default: return "http-request expression";
	}
}

static void
rule_refs(struct refs *r, const struct px_rule *pr)
{
	r->where = rule_where(pr);
	cond_refs(r, pr->cond);
	expr_refs(r, pr->expr, NULL);
	lf_refs(r, pr->fmt);
	lf_refs(r, pr->fmt2);
	reply_refs(r, pr->reply);
	if (pr->redir) {
		r->where = "redirect format string";
		lf_refs(r, pr->redir->fmt);
	}
}

static void
check_refs(struct refs *r, const struct px_check_rule *c)
{
	/* HAProxy's contexts: set-var expressions are "tcp-check", the
	 * rest was parsed as a "server directive" */
	r->where = "tcp-check expression";
	expr_refs(r, c->expr, NULL);
	lf_refs(r, c->fmt);
	r->where = "server directive";
	expr_refs(r, c->c_port_expr, NULL);
	expr_refs(r, c->status_code, NULL);
	lf_refs(r, c->data_lf);
	lf_refs(r, c->uri_lf);
	lf_refs(r, c->body_lf);
	lf_refs(r, c->pattern_lf);
	lf_refs(r, c->on_success);
	lf_refs(r, c->on_error);
	for (size_t i = 0; i < c->hdrs.n; i++)
		lf_refs(r, c->hdrs.v[i].fmt);
}

/* Whether loc is a line of the defaults section px replays (those lines
 * are checked once, in the defaults, as HAProxy does). */
static bool
inherited(const struct cfg_proxy *px, const struct cfg_loc *loc)
{
	const struct cfg_proxy *d = px->from;
	if (d == NULL || d->lines.n == 0 || loc->file == NULL || d->loc.file == NULL ||
	    strcmp(loc->file, d->loc.file) != 0)
		return false;
	const struct cfg_line *last = &d->lines.v[d->lines.n - 1];
	return loc->line > d->loc.line && last->n > 0 &&
	       loc->line <= last->w[0].loc.line;
}

#define RULES(vec, fn)                                                 \
	do {                                                           \
		for (size_t i_ = 0; i_ < (vec).n; i_++)                \
			if (!inherited(px, &(vec).v[i_]->loc))          \
				fn(r, (vec).v[i_]);                     \
	} while (0)

/* What a proxy or a defaults section parses once: ACLs, rules, checks. */
static void
section_refs(struct refs *r)
{
	struct cfg_proxy *px = r->px;
	r->where = NULL;
	for (size_t a = 0; a < px->acls.n; a++)
		for (size_t x = 0; x < px->acls.v[a]->exprs.n; x++) {
			const struct acl_expr *e = px->acls.v[a]->exprs.v[x];
			if (!inherited(px, &e->loc))
				acl_refs(r, e, px->acls.v[a]->name);
		}
	RULES(px->tcp_req_conn, rule_refs);
	RULES(px->tcp_req_sess, rule_refs);
	RULES(px->tcp_req_cont, rule_refs);
	RULES(px->tcp_res_cont, rule_refs);
	RULES(px->http_req, rule_refs);
	RULES(px->http_res, rule_refs);
	RULES(px->http_after, rule_refs);
	RULES(px->redirects, rule_refs);
	RULES(px->http_errors, rule_refs);
	RULES(px->http_checks, check_refs);
	RULES(px->tcp_checks, check_refs);
	for (size_t i = 0; i < px->monitor_fail.n; i++)
		cond_refs(r, px->monitor_fail.v[i]);
	if (px->stats) {
		for (size_t i = 0; i < px->stats->admin.n; i++)
			cond_refs(r, px->stats->admin.v[i]);
		RULES(px->stats->http_req, rule_refs);
	}
}

/* What HAProxy parses per proxy even when a defaults section holds it:
 * log formats (ignored in backends), balance hash, switching rules. */
static void
proxy_refs(struct refs *r)
{
	struct cfg_proxy *px = r->px;
	if (px->cap & PX_CAP_FE) {
		r->where = "log-format string";
		lf_refs(r, px->log_format);
		lf_refs(r, px->error_log_format);
		r->where = "log-format-sd string";
		lf_refs(r, px->log_format_sd);
		r->where = "unique-id-format string";
		lf_refs(r, px->unique_id_format);
	}
	for (size_t i = 0; i < px->use_backends.n; i++) {
		r->where = "use_backend expression";
		lf_refs(r, px->use_backends.v[i]->dyn);
		cond_refs(r, px->use_backends.v[i]->cond);
	}
	r->where = "use-server or balance expression";
	for (size_t i = 0; i < px->use_servers.n; i++)
		cond_refs(r, px->use_servers.v[i]->cond);
	if ((px->cap & PX_CAP_BE) && px->lb)
		expr_refs(r, px->lb->hash_expr, NULL);
}

/* capture ... id <n> of http-request / http-response rules, against the
 * frontend's slots (a backend's are unknown: HAProxy skips them). */
static void
capture_ids(struct refs *r)
{
	struct cfg_proxy *px = r->px;
	const struct {
		const struct px_rule *const *v;
		size_t n;
		bool req;
	} sets[] = {
		{ (const struct px_rule *const *)px->http_req.v, px->http_req.n, true },
		{ (const struct px_rule *const *)px->http_res.v, px->http_res.n, false },
		{ (const struct px_rule *const *)px->http_after.v, px->http_after.n, false },
	};
	if (!(px->cap & PX_CAP_FE))
		return;
	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		size_t slots = cap_slots(px, sets[k].req);
		for (size_t i = 0; i < sets[k].n; i++) {
			const struct px_rule *pr = sets[k].v[i];
			if (pr->act != PX_ACT_CAPTURE || !pr->arg || strcmp(pr->arg, "id") != 0 ||
			    inherited(px, &pr->loc) || pr->ival < 0 || (size_t)pr->ival < slots)
				continue;
			diag_error(r->d, &pr->loc, "Proxy '%s': unable to find capture id '%lld' referenced by %s capture rule.",
			           px_name(px), pr->ival, sets[k].req ? "http-request" : "http-response");
			r->rc = -1;
		}
	}
}

int
px_refs_resolve(struct cfg *cfg, struct diag *d)
{
	struct refs r = { .cfg = cfg, .d = d };
	for (size_t i = 0; i < cfg->defaults.n; i++) {
		r.px = cfg->defaults.v[i];
		section_refs(&r);
	}
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		r.px = cfg->proxies.v[i];
		section_refs(&r);
		proxy_refs(&r);
		capture_ids(&r);
	}
	return r.rc;
}
