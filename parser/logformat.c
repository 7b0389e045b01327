/* Log-format strings (reference §4.4): literal text, %%, %xx variables,
 * %{+Q,-E} options, %[sample expressions]. The parsed node list is what
 * the engine renders. Messages keep HAProxy 2.6's wording (log.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* HAProxy 2.6 logformat_keywords[]; http marks PR_MODE_HTTP ones. */
static const struct lf_var lf_vars[] = {
	{ "o", false },    { "B", false },   { "CC", true },   { "CS", true },
	{ "H", false },    { "HM", true },   { "HP", true },   { "HPO", true },
	{ "HQ", true },    { "HU", true },   { "HV", true },   { "ID", false },
	{ "ST", false },   { "T", false },   { "Ta", true },   { "Tc", false },
	{ "Th", false },   { "Ti", true },   { "Tl", false },  { "Tq", true },
	{ "Tr", true },    { "TR", true },   { "Td", false },  { "Ts", false },
	{ "Tt", false },   { "Tu", false },  { "Tw", false },  { "U", false },
	{ "ac", false },   { "b", false },   { "bc", false },  { "bi", false },
	{ "bp", false },   { "bq", false },  { "ci", false },  { "cp", false },
	{ "f", false },    { "fc", false },  { "fi", false },  { "fp", false },
	{ "ft", false },   { "hr", false },  { "hrl", false }, { "hs", false },
	{ "hsl", false },  { "lc", false },  { "ms", false },  { "pid", false },
	{ "r", true },     { "rc", false },  { "rt", false },  { "s", false },
	{ "sc", false },   { "si", false },  { "sp", false },  { "sq", false },
	{ "sslc", false }, { "sslv", false }, { "t", false },  { "tr", true },
	{ "trg", true },   { "trl", true },  { "ts", false },  { "tsc", false },
};

static const struct lf_var *
lf_var_find(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(lf_vars); i++)
		if (strlen(lf_vars[i].name) == len &&
		    strncmp(lf_vars[i].name, s, len) == 0)
			return &lf_vars[i];
	return NULL;
}

void
lf_free(struct lf_expr *lf)
{
	if (!lf)
		return;
	for (size_t i = 0; i < lf->nodes.n; i++) {
		free(lf->nodes.v[i].text);
		smp_expr_free(lf->nodes.v[i].expr);
	}
	free(lf->nodes.v);
	free(lf);
}

static void
add_text(struct lf_expr *lf, enum lf_node_type t, const char *s, size_t n)
{
	struct lf_node *last = lf->nodes.n ? &lf->nodes.v[lf->nodes.n - 1] : NULL;
	if (last && last->type == t) {
		size_t ol = strlen(last->text);
		last->text = xrealloc(last->text, ol + n + 1);
		memcpy(last->text + ol, s, n);
		last->text[ol + n] = '\0';
		return;
	}
	struct lf_node node = { .type = t, .text = xstrndup(s, n) };
	VEC_PUSH(lf->nodes, node);
}

/* Parses "%{...}" options starting after '{'; *pp moves past '}'. */
static int
parse_opts(const char **pp, unsigned *opts)
{
	const char *p = *pp;
	const char *close = strchr(p, '}');
	if (!close)
		return -1;
	while (p < close) {
		size_t l = strcspn(p, ",}");
		if (l >= 2 && (p[0] == '+' || p[0] == '-')) {
			unsigned f = 0;
			if (l == 2 && p[1] == 'Q')
				f = LF_OPT_Q;
			else if (l == 2 && p[1] == 'X')
				f = LF_OPT_X;
			else if (l == 2 && p[1] == 'E')
				f = LF_OPT_E;
			if (p[0] == '+')
				*opts |= f;
			else
				*opts &= ~f;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	*pp = close + 1;
	return 0;
}

/* "%[expr]" with p just after '['; returns the byte after ']' or NULL
 * (reported). */
static const char *
lf_parse_expr(struct cfg_ctx *cx, const struct cfg_word *w, unsigned stages,
              const char *pfx, const char *p, unsigned opts,
              struct lf_expr *lf)
{
	const char *s = w->s, *start = p, *end = NULL;
	char *epfx = xasprintf("%sfailed to parse sample expression <%s> : ",
	                       pfx, start);
	struct smp_expr *e = smp_expr_parse_pfx(cx, w, (size_t)(start - s), &end,
	                                        0, epfx);
	free(epfx);
	if (!e)
		return NULL;
	if (!*end) {
		cx_error_at(cx, w, (size_t)(end - s), "%smissing ']' after '%.*s'.",
		            pfx, (int)(end - start), start);
		goto fail;
	}
	if (*end != ']') {
		cx_error_at(cx, w, (size_t)(end - s),
		            "%sexpected ']' after '%.*s', but found '%c'.",
		            pfx, (int)(end - start), start, *end);
		goto fail;
	}
	bool l6 = !strcmp(e->fetch->src, "request buffer") ||
	          !strcmp(e->fetch->src, "response buffer");
	if (stages && !(stages & ~SMP_STG_HTTP) && l6) {
		cx_warn(cx, w, "L6 sample fetch <%s> ignored in HTTP log-format string.",
		        start);
	} else if (stages && !(e->fetch->val & stages)) {
		cx_error_at(cx, w, (size_t)(start - s),
		            "%ssample fetch <%s> may not be reliably used here because it needs '%s' which is not available here.",
		            pfx, start, e->fetch->src);
		goto fail;
	}
	struct lf_node node = { .type = LF_EXPR, .expr = e, .opts = opts };
	VEC_PUSH(lf->nodes, node);
	lf->uses |= smp_expr_uses(e);
	return end + 1;
fail:
	smp_expr_free(e);
	return NULL;
}

/* "%xx" with p just after '%' (and its options); pct is the '%'.
 * Returns the byte after the name or NULL (reported). "%o" sets the
 * options of the following variables (*global_opts). */
static const char *
lf_parse_var(struct cfg_ctx *cx, const struct cfg_word *w, const char *pfx,
             const char *pct, const char *p, unsigned opts, bool has_opts,
             unsigned *global_opts, struct lf_expr *lf)
{
	const char *v = p;
	while (isalpha((unsigned char)*p))
		p++;
	if (p == v && !*p && !has_opts) {
		cx_error_at(cx, w, (size_t)(pct - w->s), "%struncated line after '%%'.", pfx);
		return NULL;
	}
	const struct lf_var *var = lf_var_find(v, (size_t)(p - v));
	if (!var) {
		cx_error_at(cx, w, (size_t)(pct - w->s),
		            "%sno such format variable '%.*s'. If you wanted to emit the '%%' character verbatim, you need to use '%%%%'.",
		            pfx, (int)(p - v), v);
		return NULL;
	}
	if (strcmp(var->name, "o") == 0) {
		*global_opts = opts;
		return p;
	}
	if (var->http) {
		lf->uses |= SMP_USES_HTTP;
		if (!lf->http_var)
			lf->http_var = var->name;
	}
	struct lf_node node = { .type = LF_VAR, .var = var, .opts = opts,
	                        .text = xstrdup(var->name) };
	VEC_PUSH(lf->nodes, node);
	return p;
}

struct lf_expr *
lf_parse_pfx(struct cfg_ctx *cx, const struct cfg_word *w, unsigned stages,
             const char *pfx)
{
	struct lf_expr *lf = xcalloc(1, sizeof(*lf));
	const char *s = w->s, *p = s;
	unsigned global_opts = 0;

	if (!pfx)
		pfx = "";
	lf->loc = w->loc;
	while (*p) {
		if (*p == ' ' || *p == '\t') {
			const char *q = p;
			while (*q == ' ' || *q == '\t')
				q++;
			add_text(lf, LF_SEP, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (*p != '%') {
			const char *q = p;
			while (*q && *q != '%' && *q != ' ' && *q != '\t')
				q++;
			add_text(lf, LF_TEXT, p, (size_t)(q - p));
			p = q;
			continue;
		}
		const char *pct = p++;
		if (*p == '%') {
			add_text(lf, LF_TEXT, "%", 1);
			p++;
			continue;
		}
		unsigned opts = global_opts;
		bool has_opts = false;
		if (*p == '{') {
			const char *ob = ++p;
			if (parse_opts(&p, &opts) < 0) {
				cx_error_at(cx, w, (size_t)(pct - s),
				            "%struncated line after '%s'.", pfx, ob);
				goto fail;
			}
			has_opts = true;
			if (*p != '[' && !isalpha((unsigned char)*p)) {
				cx_error_at(cx, w, (size_t)(pct - s),
				            "%sparse argument modifier without variable name near '%.*s'.",
				            pfx, (int)(p - pct), pct);
				goto fail;
			}
		}
		if (*p == '[')
			p = lf_parse_expr(cx, w, stages, pfx, p + 1, opts, lf);
		else
			p = lf_parse_var(cx, w, pfx, pct, p, opts, has_opts,
			                 &global_opts, lf);
		if (p == NULL)
			goto fail;
	}
	return lf;
fail:
	lf_free(lf);
	return NULL;
}

struct lf_expr *
lf_parse(struct cfg_ctx *cx, const struct cfg_word *w, unsigned stages)
{
	return lf_parse_pfx(cx, w, stages, NULL);
}

unsigned
lf_uses(const struct lf_expr *lf)
{
	return lf ? lf->uses : 0;
}

int
lf_check_tcp_mode(struct cfg_ctx *cx, const struct lf_expr *lf,
                  const struct cfg_word *w)
{
	if (!lf || !lf->http_var)
		return 0;
	cx_error(cx, w, "format variable '%s' is reserved for HTTP mode.",
	         lf->http_var);
	return -1;
}
