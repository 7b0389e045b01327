/* Keyword lookup, suggestions, diagnostics helpers and the compatibility
 * listing shared by every keyword table. */
#include "kw.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"
#include "tables.h"

#define CFG_ROWS(t) (t), sizeof(struct cfg_kw)

static const struct kw_class cfg_class = { "cfg", "Section keywords", NULL, 0 };

/* Listed by -dK; "cfg" stands for every section table. */
const struct kw_class kw_classes[] = {
	{ "bind", "bind options", CFG_ROWS(bind_opt_kws) },
	{ "server", "server and default-server options", CFG_ROWS(server_opt_kws) },
	{ "http-request", "http-request actions", CFG_ROWS(http_req_action_kws) },
	{ "http-response", "http-response actions", CFG_ROWS(http_res_action_kws) },
	{ "http-after-response", "http-after-response actions", CFG_ROWS(http_after_action_kws) },
	{ "tcp-request", "tcp-request actions", CFG_ROWS(tcp_req_action_kws) },
	{ "tcp-response", "tcp-response actions", CFG_ROWS(tcp_res_action_kws) },
	{ NULL, NULL, NULL, 0 },
};

static const struct cfg_kw *const cfg_tables[] = {
	global_kws, log_kws, bind_section_kws, server_section_kws,
	acl_section_kws, proxy_kws, rule_kws, check_kws, stats_kws, NULL,
};

const char *
kw_status_name(enum kw_status s)
{
	switch (s) {
	case KW_SUPPORTED: return "supported";
	case KW_IGNORED: return "ignored";
	default: return "unsupported";
	}
}

/* Does name (space-separated words) match w[from..]? Returns its number of
 * words, or 0. */
static int
name_matches(const char *name, struct cfg_word *w, int n, int from)
{
	int k = 0;
	const char *s = name;
	while (*s) {
		size_t len = strcspn(s, " ");
		if (from + k >= n || strlen(w[from + k].s) != len ||
		    strncmp(w[from + k].s, s, len) != 0)
			return 0;
		k++;
		s += len;
		while (*s == ' ')
			s++;
	}
	return k;
}

const struct cfg_kw *
kw_lookup(const struct cfg_kw *tab, struct cfg_word *w, int n, int from,
          int *nwords)
{
	const struct cfg_kw *best = NULL;
	int bestk = 0;
	for (const struct cfg_kw *r = tab; r->h.name; r++) {
		int k = name_matches(r->h.name, w, n, from);
		if (k > bestk) {
			best = r;
			bestk = k;
		}
	}
	*nwords = bestk;
	return best;
}

const char *
kw_suggest(const void *rows, size_t rowsize, const char *word,
           const char *prefix)
{
	const char *best = NULL;
	int bestd = 1000;
	size_t plen = prefix ? strlen(prefix) : 0;
	for (const char *r = rows; ((const struct kw_head *)r)->name; r += rowsize) {
		const char *name = ((const struct kw_head *)r)->name;
		if (plen) {
			if (strncmp(name, prefix, plen) != 0)
				continue;
			name += plen;
		}
		int d = str_distance(word, name);
		if (d < bestd) {
			bestd = d;
			best = name;
		}
	}
	size_t wl = strlen(word);
	if (best && bestd <= (wl > 6 ? 3 : wl > 3 ? 2 : 1))
		return best;
	return NULL;
}

static void
cx_vadd(struct cfg_ctx *cx, enum diag_level lvl, const struct cfg_word *at,
        size_t off, const char *fmt, va_list ap)
{
	if (cx->replaying)
		return;
	char *msg = xvasprintf(fmt, ap);
	struct cfg_loc loc = { 0 };
	if (at) {
		loc = at->loc;
		loc.col += (int)off + (at->quoted && off ? 1 : 0);
	}
	diag_add(cx->diag, lvl, at ? &loc : NULL, "%s", msg);
	free(msg);
}

void
cx_error(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cx_vadd(cx, DIAG_ERROR, at, 0, fmt, ap);
	va_end(ap);
}

void
cx_warn(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cx_vadd(cx, DIAG_WARNING, at, 0, fmt, ap);
	va_end(ap);
}

void
cx_error_at(struct cfg_ctx *cx, const struct cfg_word *at, size_t off,
            const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cx_vadd(cx, DIAG_ERROR, at, off, fmt, ap);
	va_end(ap);
}

/* ---- listing ---------------------------------------------------------- */

/* "global defaults frontend ..." for a where-mask, into buf. */
static const char *
where_text(unsigned w, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s%s%s%s%s",
	         (w & KW_GLOBAL) ? "global " : "",
	         (w & KW_DEF) ? ((w & KW_NAMED_DEF) ? "defaults(named) " : "defaults ") : "",
	         (w & KW_FE) ? "frontend " : "",
	         (w & (KW_FE | KW_BE)) ? "listen " : "",
	         (w & KW_BE) ? "backend " : "");
	size_t l = strlen(buf);
	if (l)
		buf[l - 1] = '\0';
	return buf;
}

static void
md_cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '<' || *s == '>')
			fputs(*s == '<' ? "&lt;" : "&gt;", f);
		else
			fputc(*s, f);
	}
}

static void
dump_row(FILE *f, const struct kw_head *h, const char *where, bool md)
{
	if (!md) {
		fprintf(f, "%s\t%s\t%s%s%s\n", kw_status_name(h->status), h->name,
		        h->usage ? h->usage : "", h->note ? "\t# " : "",
		        h->note ? h->note : "");
		return;
	}
	fputs("| `", f);
	fputs(h->name, f);
	fputs("` | ", f);
	fputs(kw_status_name(h->status), f);
	fputs(" | ", f);
	if (where) {
		fputs(where, f);
		fputs(" | ", f);
	}
	md_cell(f, h->usage);
	fputs(" | ", f);
	md_cell(f, h->note);
	fputs(" |\n", f);
}

static void
dump_class(FILE *f, const struct kw_class *c, bool md)
{
	if (md)
		fprintf(f, "\n## %s (`-dK%s`)\n\n| keyword | status | usage | note |\n|---|---|---|---|\n",
		        c->title, c->name);
	else
		fprintf(f, "# %s\n", c->title);
	for (const char *r = c->rows; ((const struct kw_head *)r)->name; r += c->rowsize)
		dump_row(f, (const struct kw_head *)r, NULL, md);
}

static void
dump_cfg(FILE *f, bool md)
{
	if (md)
		fprintf(f, "\n## %s (`-dKcfg`)\n\n| keyword | status | sections | usage | note |\n|---|---|---|---|---|\n",
		        cfg_class.title);
	else
		fprintf(f, "# %s\n", cfg_class.title);
	for (int t = 0; cfg_tables[t]; t++)
		for (const struct cfg_kw *r = cfg_tables[t]; r->h.name; r++) {
			char where[80];
			dump_row(f, &r->h, md ? where_text(r->where, where, sizeof(where)) : NULL, md);
		}
}

int
kw_dump(FILE *f, const char *cls, bool md)
{
	bool all = cls == NULL || *cls == '\0' || strcmp(cls, "all") == 0;
	bool found = false;
	const struct kw_class *extra[] = { &smp_fetch_class, &smp_conv_class, &acl_kw_class };

	if (md)
		fputs("# sluice keyword compatibility\n\n"
		      "Generated by `sluice -dKall --markdown` (`make docs`). Each HAProxy 2.6 keyword\n"
		      "sluice knows, with its status: **supported** (parsed and applied), **ignored**\n"
		      "(accepted with a warning: it only tunes HAProxy internals) or **unsupported**\n"
		      "(`sluice -c` reports an error naming the line).\n", f);
	if (all || strcmp(cls, "cfg") == 0) {
		dump_cfg(f, md);
		found = true;
	}
	for (const struct kw_class *c = kw_classes; c->name; c++)
		if (all || strcmp(cls, c->name) == 0) {
			dump_class(f, c, md);
			found = true;
		}
	for (size_t i = 0; i < ARRAY_SIZE(extra); i++)
		if (all || strcmp(cls, extra[i]->name) == 0) {
			dump_class(f, extra[i], md);
			found = true;
		}
	return found ? 0 : -1;
}

/* One TSV field: tabs and newlines would break the row, so they become
 * spaces (no usage or note has one today). */
static void
tsv_cell(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

static void
tsv_row(FILE *f, const char *cls, const struct kw_head *h, const char *where)
{
	fprintf(f, "%s\t%s\t%s\t", cls, h->name, kw_status_name(h->status));
	tsv_cell(f, where);
	fputc('\t', f);
	tsv_cell(f, h->usage);
	fputc('\t', f);
	tsv_cell(f, h->note);
	fputc('\n', f);
}

int
kw_dump_tsv(FILE *f, const char *cls)
{
	bool all = cls == NULL || *cls == '\0' || strcmp(cls, "all") == 0;
	bool found = false;
	const struct kw_class *extra[] = { &smp_fetch_class, &smp_conv_class, &acl_kw_class };

	if (all || strcmp(cls, "cfg") == 0) {
		for (int t = 0; cfg_tables[t]; t++)
			for (const struct cfg_kw *r = cfg_tables[t]; r->h.name; r++) {
				char where[80];
				tsv_row(f, "cfg", &r->h, where_text(r->where, where, sizeof(where)));
			}
		found = true;
	}
	for (const struct kw_class *c = kw_classes; c->name; c++)
		if (all || strcmp(cls, c->name) == 0) {
			for (const char *r = c->rows; ((const struct kw_head *)r)->name; r += c->rowsize)
				tsv_row(f, c->name, (const struct kw_head *)r, NULL);
			found = true;
		}
	for (size_t i = 0; i < ARRAY_SIZE(extra); i++)
		if (all || strcmp(cls, extra[i]->name) == 0) {
			for (const char *r = extra[i]->rows; ((const struct kw_head *)r)->name; r += extra[i]->rowsize)
				tsv_row(f, extra[i]->name, (const struct kw_head *)r, NULL);
			found = true;
		}
	return found ? 0 : -1;
}
