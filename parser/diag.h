/* Diagnostics: every message is "file:line:col: error|warning: text".
 * Messages accumulate in a struct diag; the caller prints them all. */
#ifndef SLUICE_PARSER_DIAG_H
#define SLUICE_PARSER_DIAG_H

#include <stdbool.h>
#include <stdio.h>

/* A place in a config file. file points into the cfg's interned file names
 * (or a static string) and lives as long as the cfg. line/col are 1-based;
 * line 0 means "no place" (command line, whole file). */
struct cfg_loc {
	const char *file;
	int line;
	int col;
};

enum diag_level { DIAG_NOTICE, DIAG_WARNING, DIAG_ERROR };

struct diag_msg {
	enum diag_level level;
	bool advice;        /* a sluice-only warning: not fatal under zero-warning */
	struct cfg_loc loc; /* loc.file is the message's own copy */
	char *text;
};

struct diag {
	struct diag_msg *msgs;
	size_t n, cap;
	int nerrors, nwarnings;
	int nadvice; /* how many of the warnings are advice */
};

void diag_add(struct diag *d, enum diag_level lvl, const struct cfg_loc *loc,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define diag_error(d, loc, ...) diag_add((d), DIAG_ERROR, (loc), __VA_ARGS__)
#define diag_warn(d, loc, ...) diag_add((d), DIAG_WARNING, (loc), __VA_ARGS__)
/* A warning sluice gives beyond HAProxy about a valid configuration (a
 * footgun): printed as a warning, but zero-warning does not make it fatal,
 * so a configuration HAProxy runs with zero-warning still runs. */
void diag_advise(struct diag *d, const struct cfg_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define diag_notice(d, loc, ...) diag_add((d), DIAG_NOTICE, (loc), __VA_ARGS__)

/* Writes every message, one per line, in the order they were added. */
void diag_print(const struct diag *d, FILE *f);
/* Formats one message as it is printed (caller frees). */
char *diag_format(const struct diag_msg *m);
/* First message whose text contains needle (tests), or NULL. */
const struct diag_msg *diag_find(const struct diag *d, const char *needle);
void diag_free(struct diag *d);

#endif
