/* The line driver: sections, keyword dispatch through the module tables,
 * defaults inheritance by replay, and loading files. */
#include "cfgparse.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "addr.h"
#include "global.h"
#include "http_errors.h"
#include "userlist.h"
#include "proxy.h"
#include "resolve.h"
#include "tables.h"
#include "parser/grammar.h"
#include "parser/lexer.h"

/* Section keyword tables, searched in order. */
static const struct cfg_kw *const section_tables[] = {
	global_kws, log_kws, bind_section_kws, server_section_kws,
	acl_section_kws, proxy_kws, rule_kws, check_kws, stats_kws, NULL,
};

static const struct {
	const char *name;
	enum cfg_section sect;
} section_names[] = {
	{ "global", SEC_GLOBAL },     { "defaults", SEC_DEFAULTS },
	{ "frontend", SEC_FRONTEND }, { "backend", SEC_BACKEND },
	{ "listen", SEC_LISTEN },     { "userlist", SEC_USERLIST },
	{ "peers", SEC_SKIPPED },     { "resolvers", SEC_SKIPPED },
	{ "mailers", SEC_SKIPPED },   { "cache", SEC_SKIPPED },
	{ "program", SEC_SKIPPED },   { "http-errors", SEC_HTTP_ERRORS },
	{ "ring", SEC_SKIPPED },      { "log-forward", SEC_SKIPPED },
	{ "fcgi-app", SEC_SKIPPED },  { "namespace_list", SEC_SKIPPED },
};

bool
cfgp_is_section(const char *word, enum cfg_section *sect)
{
	for (size_t i = 0; i < ARRAY_SIZE(section_names); i++)
		if (strcmp(word, section_names[i].name) == 0) {
			*sect = section_names[i].sect;
			return true;
		}
	return false;
}

static const char *
section_label(const struct cfg_ctx *cx)
{
	switch (cx->sect) {
	case SEC_GLOBAL: return "global";
	case SEC_DEFAULTS: return "defaults";
	case SEC_FRONTEND: return "frontend";
	case SEC_BACKEND: return "backend";
	case SEC_LISTEN: return "listen";
	default: return "";
	}
}

const char *
cfgp_section_name(const struct cfg_parser *p)
{
	if (p->cx.px && p->cx.px->name)
		return p->cx.px->name;
	return section_label(&p->cx);
}

void
cfg_line_free(struct cfg_line *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->w[i].s);
	free(l->w);
	l->w = NULL;
	l->n = 0;
}

struct cfg_line
cfg_line_dup(const struct cfg_line *l)
{
	struct cfg_line d = { xcalloc((size_t)l->n + 1, sizeof(*d.w)), l->n };
	for (int i = 0; i < l->n; i++) {
		d.w[i] = l->w[i];
		d.w[i].s = xstrndup(l->w[i].s, l->w[i].len);
	}
	return d;
}

/* ---- keyword lines ---------------------------------------------------- */

/* Does a row's where-mask allow the current section? */
static bool
kw_allowed(const struct cfg_ctx *cx, unsigned where)
{
	switch (cx->sect) {
	case SEC_GLOBAL:
		return where & KW_GLOBAL;
	case SEC_DEFAULTS:
		return where & KW_DEF;
	case SEC_FRONTEND:
		return where & KW_FE;
	case SEC_BACKEND:
		return where & KW_BE;
	case SEC_LISTEN:
		return where & (KW_FE | KW_BE);
	default:
		return false;
	}
}

/* Finds the row for w[from..]: the longest name, preferring a row allowed
 * in this section (global and proxies both have e.g. "log", "maxconn"). */
static const struct cfg_kw *
find_kw(const struct cfg_ctx *cx, struct cfg_word *w, int n, int from,
        int *nwords)
{
	const struct cfg_kw *best = NULL, *any = NULL;
	int bestn = 0, anyn = 0;
	for (int t = 0; section_tables[t]; t++) {
		int k;
		const struct cfg_kw *kw = kw_lookup(section_tables[t], w, n, from, &k);
		if (kw == NULL)
			continue;
		/* kw_lookup returns the first longest row of this table;
		 * look for an allowed one of the same length. */
		for (const struct cfg_kw *r = kw; r->h.name; r++) {
			int rk;
			if (kw_lookup(r, w, n, from, &rk) != r || rk != k)
				continue;
			if (kw_allowed(cx, r->where) && k > bestn) {
				best = r;
				bestn = k;
			}
		}
		if (k > anyn) {
			any = kw;
			anyn = k;
		}
	}
	if (best && bestn >= anyn) {
		*nwords = bestn;
		return best;
	}
	*nwords = anyn;
	return any;
}

/* Best "did you mean" for word among the keywords allowed here and the
 * section names; the first word of the candidate goes to buf. */
static const char *
suggest_kw(const struct cfg_ctx *cx, const char *word, char *buf, size_t sz)
{
	const char *best = NULL;
	int bestd = 1000;
	for (int t = 0; section_tables[t]; t++)
		for (const struct cfg_kw *r = section_tables[t]; r->h.name; r++) {
			if (!kw_allowed(cx, r->where))
				continue;
			/* compare with the first word of the row's name */
			char first[64];
			size_t k = strcspn(r->h.name, " ");
			if (k >= sizeof(first))
				continue;
			memcpy(first, r->h.name, k);
			first[k] = '\0';
			int d = str_distance(word, first);
			if (d < bestd) {
				bestd = d;
				best = r->h.name;
			}
		}
	for (size_t i = 0; i < ARRAY_SIZE(section_names); i++) {
		int dd = str_distance(word, section_names[i].name);
		if (dd < bestd) {
			bestd = dd;
			best = section_names[i].name;
		}
	}
	size_t wl = strlen(word);
	if (best && bestd <= (wl > 6 ? 3 : wl > 3 ? 2 : 1)) {
		snprintf(buf, sz, "%.*s", (int)strcspn(best, " "), best);
		return buf;
	}
	return NULL;
}

/* Texts HAProxy gives for rule keywords in an anonymous defaults
 * (reference §0 item 14; they differ from one keyword to another). */
static void
anon_defaults_error(struct cfg_ctx *cx, const struct cfg_kw *kw,
                    struct cfg_word *w)
{
	const char *n = kw->h.name;
	if (strcmp(n, "tcp-response inspect-delay") == 0)
		cx_error(cx, w, "tcp-response inspect-delay is only allowed in 'backend' sections or 'defaults' section with a name");
	else if (strncmp(n, "tcp-request ", 12) == 0 || strncmp(n, "tcp-response ", 13) == 0)
		cx_error(cx, w, "%s is not allowed in anonymous 'defaults' sections", n);
	else
		cx_error(cx, w, "'%s' not allowed in anonymous 'defaults' section.", n);
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A proxy keyword used in a frontend or backend that lacks the capability
 * it needs. HAProxy mostly warns and skips the line, with wordings that
 * vary by keyword; a few are errors. */
static void
capability_mismatch(struct cfg_ctx *cx, const struct cfg_kw *kw,
                    struct cfg_word *at)
{
	const char *n = kw->h.name;
	const char *kind = section_label(cx);
	const char *pxn = cx->px && cx->px->name ? cx->px->name : "";
	const char *need = (kw->where & KW_FE) ? "frontend" : "backend";
	char first[64];

	snprintf(first, sizeof(first), "%.*s", (int)strcspn(n, " "), n);
	if (strcmp(first, "server") == 0 || strcmp(first, "default-server") == 0 ||
	    strcmp(first, "server-template") == 0)
		cx_error(cx, at, "'%s' not allowed because %s '%s' has no backend capability.",
		         first, kind, pxn);
	else if (starts_with(n, "tcp-request connection") || starts_with(n, "tcp-request session"))
		cx_error(cx, at, "%s is not allowed because %s %s is not a frontend", n, kind, pxn);
	else if (starts_with(n, "tcp-response "))
		cx_error(cx, at, "%s is only allowed in 'backend' sections or 'defaults' section with a name", n);
	else if (starts_with(n, "declare "))
		cx_error(cx, at, "'declare' only available in frontend or listen section");
	else if (starts_with(n, "timeout "))
		cx_warn(cx, at, "'%s' will be ignored because %s '%s' has no %s capability",
		        n, kind, pxn, need);
	else if (strcmp(n, "rate-limit sessions") == 0)
		cx_warn(cx, at, "%s will be ignored because %s '%s' has no %s capability",
		        n, kind, pxn, need);
	else if (strcmp(n, "log-format") == 0)
		cx_warn(cx, at, "%s '%s' : 'log-format' directive is ignored in backends.", kind, pxn);
	else
		cx_warn(cx, at, "'%s' ignored because %s '%s' has no %s capability.%s",
		        first, kind, pxn, need,
		        strcmp(n, "maxconn") == 0 ? " Maybe you want 'fullconn' instead ?" :
		        strcmp(n, "fullconn") == 0 ? " Maybe you want 'maxconn' instead ?" : "");
}

/* Applies one keyword line to cx (the current section). */
static void
apply_line(struct cfg_ctx *cx, struct cfg_line *l)
{
	struct cfg_word *w = l->w;
	int n = l->n;
	int from = 0;

	/* An empty word ends the arguments (reference §1.2). */
	for (int i = 0; i < n; i++)
		if (w[i].s[0] == '\0') {
			if (i + 1 < n)
				cx_warn(cx, &w[i], "empty word ends the line: the %d word(s) after it are ignored, as in HAProxy",
				        n - i - 1);
			n = i;
			break;
		}
	if (n == 0)
		return;

	cx->negate = 0;
	if (strcmp(w[0].s, "no") == 0 || strcmp(w[0].s, "default") == 0) {
		if (n < 2) {
			cx_error(cx, &w[0], "'%s' needs a keyword after it.", w[0].s);
			return;
		}
		cx->negate = w[0].s[0] == 'n' ? KW_PFX_NO : KW_PFX_DEFAULT;
		from = 1;
	}

	int k = 0;
	const struct cfg_kw *kw = find_kw(cx, w, n, from, &k);
	/* Global keywords are unknown in proxies and the other way round. */
	if (kw && !kw_allowed(cx, kw->where) &&
	    (cx->sect == SEC_GLOBAL || !(kw->where & KW_PROXY)))
		kw = NULL;
	if (kw == NULL) {
		char sbuf[64];
		const char *sugg = suggest_kw(cx, w[from].s, sbuf, sizeof(sbuf));
		if (sugg)
			cx_error(cx, &w[from], "unknown keyword '%s' in '%s' section; did you mean '%s'?",
			         w[from].s, section_label(cx), sugg);
		else
			cx_error(cx, &w[from], "unknown keyword '%s' in '%s' section",
			         w[from].s, section_label(cx));
		return;
	}
	if (!kw_allowed(cx, kw->where)) {
		if (cx->sect == SEC_DEFAULTS) {
			cx_error(cx, &w[from], "'%s' not allowed in '%s' section.",
			         kw->h.name, section_label(cx));
			return;
		}
		capability_mismatch(cx, kw, &w[from]);
		return;
	}
	if (cx->sect == SEC_DEFAULTS && (kw->where & KW_NAMED_DEF) &&
	    cx->px && cx->px->name == NULL) {
		anon_defaults_error(cx, kw, &w[from]);
		return;
	}
	if (cx->negate && !(kw->where & KW_NEG)) {
		cx_error(cx, &w[0], "negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.");
		return;
	}
	switch (kw->h.status) {
	case KW_UNSUPPORTED:
		cx_error(cx, &w[from], "'%s' is not supported by sluice%s%s", kw->h.name,
		         kw->h.note ? ": " : ".", kw->h.note ? kw->h.note : "");
		return;
	case KW_IGNORED:
		cx_warn(cx, &w[from], "'%s' is ignored by sluice%s%s", kw->h.name,
		        kw->h.note ? ": " : ".", kw->h.note ? kw->h.note : "");
		/* a row with a handler still has its arguments checked */
		if (kw->parse == NULL) {
			cx->negate = 0;
			return;
		}
		break;
	case KW_SUPPORTED:
		break;
	}
	if (kw->parse == NULL)
		fatal("keyword '%s' is supported but has no handler", kw->h.name);
	kw->parse(cx, kw, w, n, from + k);
	cx->negate = 0;
}

void
cfgp_keyword(struct cfg_parser *p, struct cfg_line *l)
{
	if (p->cx.sect == SEC_SKIPPED) {
		cfg_line_free(l);
		return;
	}
	if (p->cx.sect == SEC_USERLIST) {
		ulist_keyword(&p->cx, l->w, l->n);
		cfg_line_free(l);
		return;
	}
	if (p->cx.sect == SEC_HTTP_ERRORS) {
		herrs_keyword(&p->cx, l->w, l->n);
		cfg_line_free(l);
		return;
	}
	apply_line(&p->cx, l);
	if (p->cx.sect == SEC_DEFAULTS && p->cx.px) {
		VEC_PUSH(p->cx.px->lines, *l);
		memset(l, 0, sizeof(*l));
		return;
	}
	cfg_line_free(l);
}

void
cfgp_out_of_section(struct cfg_parser *p, struct cfg_line *l)
{
	cx_error(&p->cx, &l->w[0], "unknown keyword '%s' out of section.", l->w[0].s);
	cfg_line_free(l);
}

/* ---- sections ---------------------------------------------------------- */

static bool
valid_proxy_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!(((*s | 32) >= 'a' && (*s | 32) <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.' || *s == ':'))
			return false;
	return true;
}

static struct cfg_proxy *
find_defaults(const struct cfg *cfg, const char *name)
{
	for (size_t i = cfg->defaults.n; i-- > 0;)
		if (cfg->defaults.v[i]->name && strcmp(cfg->defaults.v[i]->name, name) == 0)
			return cfg->defaults.v[i];
	return NULL;
}

/* Replays the lines of defaults d (its own "from" chain is already inside
 * its lines) into the current proxy, without diagnostics. Keywords not
 * meant for this proxy's kind are skipped, as HAProxy ignores them. */
static void
replay_defaults(struct cfg_parser *p, const struct cfg_proxy *d)
{
	bool was = p->cx.replaying;
	p->cx.replaying = true;
	for (size_t i = 0; i < d->lines.n; i++) {
		struct cfg_line *l = &d->lines.v[i];
		int from = (strcmp(l->w[0].s, "no") == 0 || strcmp(l->w[0].s, "default") == 0) ? 1 : 0;
		int k;
		if (from >= l->n)
			continue;
		const struct cfg_kw *kw = find_kw(&p->cx, l->w, l->n, from, &k);
		if (kw == NULL || !kw_allowed(&p->cx, kw->where))
			continue;
		apply_line(&p->cx, l);
	}
	p->cx.replaying = was;
}

static void
end_section(struct cfg_parser *p)
{
	p->cx.sect = SEC_NONE;
	p->cx.px = NULL;
}

void
cfgp_section(struct cfg_parser *p, struct cfg_line *l)
{
	struct cfg_ctx *cx = &p->cx;
	struct cfg *cfg = cx->cfg;
	enum cfg_section sect = SEC_NONE;
	struct cfg_word *w = l->w;
	int n = l->n;

	for (int i = 0; i < n; i++)
		if (w[i].s[0] == '\0') {
			n = i;
			break;
		}
	end_section(p);
	cfgp_is_section(w[0].s, &sect);

	if (sect == SEC_HTTP_ERRORS) {
		cx->sect = herrs_section(cx, w, n) ? SEC_HTTP_ERRORS : SEC_SKIPPED;
		goto out;
	}
	if (sect == SEC_USERLIST) {
		cx->sect = ulist_section(cx, w, n) ? SEC_USERLIST : SEC_SKIPPED;
		goto out;
	}
	if (sect == SEC_SKIPPED) {
		cx_warn(cx, &w[0], "section '%s' is not supported by sluice yet: its lines are ignored",
		        w[0].s);
		cx->sect = SEC_SKIPPED;
		goto out;
	}
	if (sect == SEC_GLOBAL) {
		if (n > 1)
			cx_error(cx, &w[1], "'global' cannot handle unexpected argument '%s'.", w[1].s);
		cx->sect = SEC_GLOBAL;
		goto out;
	}

	/* defaults [name] [from x]; frontend|backend|listen <name> [from x] */
	const char *name = NULL;
	const char *fromname = NULL;
	int i = 1;
	struct cfg_word *namew = &w[0], *fromw = NULL;
	if (i < n && strcmp(w[i].s, "from") != 0) {
		name = w[i].s;
		namew = &w[i];
		i++;
	}
	if (i < n && strcmp(w[i].s, "from") == 0) {
		if (i + 1 >= n) {
			cx_error(cx, &w[i], "'from' expects a defaults section name.");
			goto out_nosect;
		}
		fromname = w[i + 1].s;
		fromw = &w[i + 1];
		i += 2;
	}
	if (i < n) {
		cx_error(cx, &w[i], "'%s' cannot handle unexpected argument '%s'.", w[0].s, w[i].s);
		goto out_nosect;
	}
	if (sect != SEC_DEFAULTS && name == NULL) {
		cx_error(cx, &w[0], "'%s' expects <name> as an argument.", w[0].s);
		goto out_nosect;
	}
	if (name && !valid_proxy_name(name)) {
		cx_error(cx, namew, "character not permitted in %s name '%s'.", w[0].s, name);
		goto out_nosect;
	}

	struct cfg_proxy *parent = NULL;
	if (fromname) {
		parent = find_defaults(cfg, fromname);
		if (parent == NULL) {
			cx_error(cx, fromw, "defaults section '%s' not found for %s '%s'.",
			         fromname, w[0].s, name ? name : "");
			goto out_nosect;
		}
		if (parent->ref_implicit)
			cx_error(cx, fromw, "defaults section '%s' (declared at %s:%d) is implicitly used by another proxy and explicitly referenced here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.",
			         fromname, parent->loc.file, parent->loc.line);
		parent->ref_explicit = true;
	} else if (sect != SEC_DEFAULTS && cfg->defaults.n > 0) {
		parent = cfg->defaults.v[cfg->defaults.n - 1];
		if (parent->ref_explicit && parent->name)
			cx_error(cx, &w[0], "defaults section '%s' (declared at %s:%d) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.",
			         parent->name, parent->loc.file, parent->loc.line);
		parent->ref_implicit = true;
	}

	unsigned cap = sect == SEC_DEFAULTS ? PX_CAP_DEF :
	               sect == SEC_FRONTEND ? PX_CAP_FE :
	               sect == SEC_BACKEND ? PX_CAP_BE : PX_CAP_FE | PX_CAP_BE;
	if (sect != SEC_DEFAULTS) {
		/* Proxies with overlapping capabilities can't share a name. */
		struct cfg_proxy *other = proxy_find(cfg, name, cap);
		if (other)
			cx_error(cx, namew, "proxy '%s' has the same name as proxy '%s' declared at %s:%d.",
			         name, other->name, other->loc.file, other->loc.line);
	} else if (name) {
		struct cfg_proxy *other = find_defaults(cfg, name);
		if (other)
			cx_warn(cx, namew, "defaults section '%s' has the same name as the one declared at %s:%d; 'from %s' will use this one.",
			        name, other->loc.file, other->loc.line, name);
	}

	struct cfg_proxy *px = proxy_new(name, cap, &w[0].loc);
	px->from = parent;
	if (sect == SEC_DEFAULTS)
		VEC_PUSH(cfg->defaults, px);
	else
		VEC_PUSH(cfg->proxies, px);
	cx->sect = sect;
	cx->px = px;
	if (parent) {
		replay_defaults(p, parent);
		if (sect == SEC_DEFAULTS) /* inherit by carrying the lines on */
			for (size_t j = 0; j < parent->lines.n; j++)
				VEC_PUSH(px->lines, cfg_line_dup(&parent->lines.v[j]));
	}
	goto out;

out_nosect:
	/* Keep consuming the section's lines without applying them. */
	cx->sect = SEC_SKIPPED;
out:
	cfg_line_free(l);
}

/* ---- preprocessing: .if family and messages ----------------------------- */

static bool
pp_active(const struct cfg_parser *p)
{
	return p->pp_depth == 0 || p->pp[p->pp_depth - 1].active;
}

static char *
join_words(const struct cfg_line *l, int from)
{
	struct sbuf b = { 0 };
	for (int i = from; i < l->n; i++) {
		if (i > from)
			sbuf_addc(&b, ' ');
		sbuf_adds(&b, l->w[i].s);
	}
	return sbuf_take(&b);
}

static void
pp_condition(struct cfg_parser *p, struct cfg_line *l, struct pp_level *lv)
{
	char *err = NULL;
	/* Like HAProxy, a condition no branch can take is not evaluated, so
	 * its errors inside an inactive block do not count. */
	if (!lv->parent_active || lv->taken) {
		lv->active = false;
		return;
	}
	char *expr = join_words(l, 1);
	int r = pp_eval(expr, &err);
	if (r < 0) {
		cx_error(&p->cx, &l->w[0], "failed to evaluate condition: %s", err);
		r = 0;
	}
	free(err);
	free(expr);
	lv->active = lv->parent_active && !lv->taken && r == 1;
	if (lv->active)
		lv->taken = true;
}

bool
cfgp_preprocess(struct cfg_parser *p, struct cfg_line *l)
{
	struct cfg_ctx *cx = &p->cx;
	const char *w0 = l->w[0].s;

	if (w0[0] == '[') /* scope line: only affects HAProxy's .if diagnostics */
		return false;
	if (w0[0] != '.')
		return pp_active(p);

	if (strcmp(w0, ".if") == 0) {
		if (p->pp_depth >= CFG_MAX_NESTED_IF) {
			cx_error(cx, &l->w[0], "too many nested '.if', max is %d.", CFG_MAX_NESTED_IF);
			return false;
		}
		struct pp_level *lv = &p->pp[p->pp_depth++];
		memset(lv, 0, sizeof(*lv));
		lv->loc = l->w[0].loc;
		lv->parent_active = p->pp_depth == 1 || p->pp[p->pp_depth - 2].active;
		pp_condition(p, l, lv);
		return false;
	}
	if (strcmp(w0, ".elif") == 0 || strcmp(w0, ".else") == 0) {
		bool is_else = w0[2] == 'l' && w0[3] == 's';
		if (p->pp_depth == 0) {
			cx_error(cx, &l->w[0], "lone '%s' with no matching '.if'.", w0);
			return false;
		}
		struct pp_level *lv = &p->pp[p->pp_depth - 1];
		if (lv->seen_else) {
			cx_error(cx, &l->w[0], "'%s' after '.else' is not permitted.", w0);
			return false;
		}
		if (is_else) {
			lv->seen_else = true;
			lv->active = lv->parent_active && !lv->taken;
			lv->taken = true;
		} else {
			pp_condition(p, l, lv);
		}
		return false;
	}
	if (strcmp(w0, ".endif") == 0) {
		if (p->pp_depth == 0)
			cx_error(cx, &l->w[0], "lone '.endif' with no matching '.if'.");
		else
			p->pp_depth--;
		return false;
	}
	if (!pp_active(p))
		return false;

	enum diag_level lvl;
	if (strcmp(w0, ".notice") == 0)
		lvl = DIAG_NOTICE;
	else if (strcmp(w0, ".warning") == 0)
		lvl = DIAG_WARNING;
	else if (strcmp(w0, ".alert") == 0)
		lvl = DIAG_ERROR;
	else if (strcmp(w0, ".diag") == 0)
		return false; /* only shown by HAProxy's -dD */
	else {
		cx_error(cx, &l->w[0], "unknown directive '%s'.", w0);
		return false;
	}
	if (l->n > 2)
		cx_error(cx, &l->w[2], "Unexpected argument '%s' for '%s'. Use quotes if the message should contain spaces.",
		         l->w[2].s, w0);
	else
		diag_add(cx->diag, lvl, &l->w[0].loc, "'%s'.", l->n > 1 ? l->w[1].s : "");
	return false;
}

/* ---- loading ----------------------------------------------------------- */

const char *
cfg_intern_file(struct cfg *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->files.n; i++)
		if (strcmp(cfg->files.v[i], name) == 0)
			return cfg->files.v[i];
	char *s = xstrdup(name);
	VEC_PUSH(cfg->files, s);
	return s;
}

static struct cfg *
cfg_new(const struct cfg_opts *opts)
{
	struct cfg *cfg = xcalloc(1, sizeof(*cfg));
	cfg->global = global_new();
	if (opts)
		cfg->opts = *opts;
	addr_set_numeric_only(cfg->opts.no_dns);
	return cfg;
}

/* Parses one file's text into cfg. */
static void
parse_text(struct cfg *cfg, struct diag *d, const char *name, const char *text,
           size_t len)
{
	struct cfg_parser p;
	yyscan_t scanner;

	memset(&p, 0, sizeof(p));
	p.cx.cfg = cfg;
	p.cx.diag = d;
	p.file = cfg_intern_file(cfg, name);
	p.lineno = 1;
	p.col = 1;
	p.mode = START_FILE;

	if (cfgyylex_init_extra(&p, &scanner) != 0)
		fatal("cannot initialise the config scanner");
	YY_BUFFER_STATE buf = cfgyy_scan_bytes(text, (int)len, scanner);
	cfgyyparse(scanner, &p);
	cfgyy_delete_buffer(buf, scanner);
	cfgyylex_destroy(scanner);

	for (int i = p.pp_depth; i-- > 0;)
		diag_error(d, &p.pp[i].loc, "non-terminated '.if' block.");
	cfg_line_free(&p.out);
	for (size_t i = 0; i < p.words.n; i++)
		free(p.words.v[i].s);
	free(p.words.v);
	free(p.word.s);
}

static int
read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct sbuf b = { 0 };
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_addn(&b, chunk, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(b.s);
		errno = EIO;
		return -1;
	}
	*len = b.len;
	*text = sbuf_take(&b);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory stands for its non-hidden *.cfg files in C collation. */
static void
load_path(struct cfg *cfg, struct diag *d, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(path);
		if (dir == NULL) {
			diag_error(d, NULL, "Cannot open configuration file/directory %s : %s", path, strerror(errno));
			return;
		}
		VEC(char *) names = { 0 };
		struct dirent *de;
		while ((de = readdir(dir)) != NULL) {
			size_t l = strlen(de->d_name);
			if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".cfg") != 0)
				continue;
			char *full = xasprintf("%s/%s", path, de->d_name);
			struct stat fst;
			if (stat(full, &fst) == 0 && S_ISREG(fst.st_mode))
				VEC_PUSH(names, full);
			else
				free(full);
		}
		closedir(dir);
		if (names.n)
			qsort(names.v, names.n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < names.n; i++) {
			load_path(cfg, d, names.v[i]);
			free(names.v[i]);
		}
		free(names.v);
		return;
	}
	char *text;
	size_t len;
	if (read_file(path, &text, &len) < 0) {
		diag_error(d, NULL, "Cannot open configuration file/directory %s : %s", path, strerror(errno));
		return;
	}
	parse_text(cfg, d, path, text, len);
	cfg->nparsed++;
	free(text);
}

struct cfg *
cfg_load(const char *const *paths, int npaths, const struct cfg_opts *opts,
         struct diag *d)
{
	struct cfg *cfg = cfg_new(opts);
	for (int i = 0; i < npaths; i++)
		load_path(cfg, d, paths[i]);
	if (d->nerrors == 0)
		cfg_resolve(cfg, d);
	if (d->nerrors) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

struct cfg *
cfg_load_string(const char *name, const char *text, size_t len,
                const struct cfg_opts *opts, bool resolve, struct diag *d)
{
	struct cfg *cfg = cfg_new(opts);
	parse_text(cfg, d, name, text, len);
	if (resolve && d->nerrors == 0)
		cfg_resolve(cfg, d);
	if (d->nerrors) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

void
cfg_free(struct cfg *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->proxies.n; i++)
		proxy_free(cfg->proxies.v[i]);
	free(cfg->proxies.v);
	for (size_t i = 0; i < cfg->defaults.n; i++)
		proxy_free(cfg->defaults.v[i]);
	free(cfg->defaults.v);
	global_free(cfg->global);
	herrs_free(cfg);
	ulists_free(cfg);
	for (size_t i = 0; i < cfg->files.n; i++)
		free(cfg->files.v[i]);
	free(cfg->files.v);
	free(cfg);
}
