/* Keyword tables. Each module owns a table of the keywords it implements:
 * name, where it is allowed, support status, handler. The driver
 * (cfgparse.c) finds the row for a line and calls its handler; the same
 * rows make the compatibility listing (sluice -dK, doc/keywords.md). */
#ifndef SLUICE_PARSER_KW_H
#define SLUICE_PARSER_KW_H

#include <stdio.h>

#include "cfg.h"

enum kw_status {
	KW_SUPPORTED,   /* parsed into the model, arguments checked */
	KW_IGNORED,     /* only tunes HAProxy internals: accepted with a warning */
	KW_UNSUPPORTED, /* an error saying so */
};

/* Sections/proxies where a config keyword is allowed (struct cfg_kw.where).
 * A listen allows what a frontend or a backend allows. */
#define KW_GLOBAL    0x0001u
#define KW_DEF       0x0002u /* defaults, named or anonymous */
#define KW_FE        0x0004u
#define KW_BE        0x0008u
#define KW_NAMED_DEF 0x0010u /* with KW_DEF: only in named defaults (ref §1.6) */
#define KW_NEG       0x0020u /* accepts the "no" and "default" prefixes */
#define KW_PROXY     (KW_DEF | KW_FE | KW_BE)

/* What every row of every table starts with; the listing reads only this. */
struct kw_head {
	const char *name;  /* one or more words: "timeout client" */
	enum kw_status status;
	const char *usage; /* argument synopsis */
	const char *note;  /* for ignored/unsupported: why; else NULL */
};

struct cfg_ctx;
struct cfg_kw;

/* A handler gets the whole line: w[0..n-1] (n stops before the first empty
 * word, which ends a line's arguments as in HAProxy) and argi, the index
 * of the first word after the keyword's own words. Section keywords return
 * 0 or -1; option keywords (bind/server options, actions) return how many
 * words they consumed starting at argi - 1... see the owning module.
 * Diagnostics go through cx; a handler that returns -1 has reported why. */
typedef int (*cfg_kw_fn)(struct cfg_ctx *cx, const struct cfg_kw *kw,
                         struct cfg_word *w, int n, int argi);

struct cfg_kw {
	struct kw_head h;
	unsigned where;
	cfg_kw_fn parse; /* NULL for KW_UNSUPPORTED; a KW_IGNORED row may
	                  * have one: it checks the arguments after the warning */
};

/* The parser's state while it walks the lines. */
struct cfg_ctx {
	struct cfg *cfg;
	struct diag *diag;
	enum cfg_section sect;
	struct cfg_proxy *px;  /* proxy or defaults being filled, else NULL */
	int negate;            /* 0, KW_PFX_NO or KW_PFX_DEFAULT */
	bool replaying;        /* applying a defaults section's lines */
	struct cfg_bind *bind; /* bind line being parsed (bind.c) */
	struct cfg_server *srv;/* server line being parsed (server.c) */
	void *user;            /* module scratch */
};
#define KW_PFX_NO      1
#define KW_PFX_DEFAULT 2

/* Diagnostics at a word's place. Suppressed while replaying defaults lines,
 * which were reported when the defaults section itself was parsed. */
void cx_error(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt,
              ...) __attribute__((format(printf, 3, 4)));
void cx_warn(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt,
             ...) __attribute__((format(printf, 3, 4)));
/* Same, at a byte offset inside the word (for sample expressions); the
 * column is exact when the word had no quotes or escapes. */
void cx_error_at(struct cfg_ctx *cx, const struct cfg_word *at, size_t off,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Finds the row of tab matching the most words of w[from..n-1]; *nwords
 * gets how many words the name has. NULL when none matches. */
const struct cfg_kw *kw_lookup(const struct cfg_kw *tab, struct cfg_word *w,
                               int n, int from, int *nwords);
/* Best "did you mean" candidate among the names of rows of a table (any
 * row type starting with struct kw_head), or NULL. prefix limits the
 * candidates to names starting with it (e.g. "option "). */
const char *kw_suggest(const void *rows, size_t rowsize, const char *word,
                       const char *prefix);

/* Rows are terminated by a row whose h.name is NULL. */
struct kw_class {
	const char *name;  /* for -dK<name> */
	const char *title; /* heading in the listing */
	const void *rows;
	size_t rowsize;
};
extern const struct kw_class kw_classes[];

/* Writes the compatibility table of one class ("all" for every class) as
 * Markdown (markdown=true) or as "status<TAB>name<TAB>usage" lines. */
int kw_dump(FILE *f, const char *cls, bool markdown);
/* Same rows, machine-readable, for doc/gen_configuration.py: one line per
 * keyword, "class<TAB>name<TAB>status<TAB>sections<TAB>usage<TAB>note"
 * (sections only for class cfg; empty fields stay empty). */
int kw_dump_tsv(FILE *f, const char *cls);

const char *kw_status_name(enum kw_status s);

#endif
