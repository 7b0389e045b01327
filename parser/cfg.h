/* The configuration model: what the parser produces and the engine reads.
 * A struct cfg is built once by cfg_load() and never changed afterwards;
 * runtime state lives beside it (engine), so a reload builds a new cfg.
 * cfg_free() releases everything reachable from it. */
#ifndef SLUICE_PARSER_CFG_H
#define SLUICE_PARSER_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/util.h"
#include "diag.h"

/* One word of a config line after HAProxy's tokenizer rules (quotes removed,
 * escapes and environment variables applied). s is NUL-terminated; len
 * counts bytes up to the first NUL a "\x00" escape may have produced. loc is
 * where the word starts in the file. */
struct cfg_word {
	char *s;
	size_t len;
	struct cfg_loc loc;
	bool quoted; /* some part of it was inside quotes */
};

/* A tokenized line. Owns its words. */
struct cfg_line {
	struct cfg_word *w;
	int n;
};

void cfg_line_free(struct cfg_line *l);
struct cfg_line cfg_line_dup(const struct cfg_line *l);

/* Section kinds. The skipped ones are recognised, reported and ignored. */
enum cfg_section {
	SEC_NONE,
	SEC_GLOBAL,
	SEC_DEFAULTS,
	SEC_FRONTEND,
	SEC_BACKEND,
	SEC_LISTEN,
	SEC_SKIPPED, /* peers, resolvers, ... */
	SEC_HTTP_ERRORS, /* http-errors <name> (http_errors.h) */
	SEC_USERLIST, /* userlist <name> (userlist.h) */
};

struct cfg_global; /* global.h */
struct cfg_proxy;  /* proxy.h */
struct cfg_http_errors; /* http_errors.h */
struct cfg_userlist; /* userlist.h */

/* Options from the command line that change how a config is checked. */
struct cfg_opts {
	bool zero_warning;    /* -dW or global zero-warning */
	bool no_resolve_fail; /* -dr: unresolvable servers are not fatal */
	bool check_files;     /* stat certificate/map/error files (default on) */
	bool no_dns;          /* resolve numeric addresses only (tests, fuzzing) */
};

struct cfg {
	struct cfg_global *global;
	VEC(struct cfg_proxy *) proxies;  /* frontend/backend/listen, in order */
	VEC(struct cfg_proxy *) defaults; /* every defaults section, in order */
	VEC(char *) files;                /* interned file names (owned) */
	VEC(struct cfg_http_errors *) http_errors; /* http-errors sections */
	VEC(struct cfg_userlist *) userlists; /* userlist sections, in order */
	int nparsed;                      /* files read (directories expanded) */
	struct cfg_opts opts;
};

/* Loads and validates the given files or directories (a directory stands
 * for its non-hidden *.cfg files in C collation order). Every problem is
 * added to d. Returns the config when d holds no error, NULL otherwise. */
struct cfg *cfg_load(const char *const *paths, int npaths,
                     const struct cfg_opts *opts, struct diag *d);

/* Parses config text held in memory (tests and the fuzzer); name is used
 * as the file name in diagnostics. Does not run the resolve pass unless
 * resolve is true. */
struct cfg *cfg_load_string(const char *name, const char *text, size_t len,
                            const struct cfg_opts *opts, bool resolve,
                            struct diag *d);

void cfg_free(struct cfg *cfg);

/* Interns a file name so struct cfg_loc can point to it. */
const char *cfg_intern_file(struct cfg *cfg, const char *name);

#endif
