/* "http-errors <name>" sections: named sets of "errorfile <code> <file>"
 * lines that proxies use with "errorfiles <name> [<code> ...]" and
 * replies with "errorfiles <name>" (engine/http_err.c serves them). */
#ifndef SLUICE_PARSER_HTTP_ERRORS_H
#define SLUICE_PARSER_HTTP_ERRORS_H

#include "cfg.h"
#include "kw.h"

struct cfg_http_errfile {
	int status;
	char *path;
	struct cfg_loc loc;
};

struct cfg_http_errors {
	char *name;
	struct cfg_loc loc;
	VEC(struct cfg_http_errfile) files;  /* one per status, last wins */
};

/* Starts a section from its line w[0..n); false after reporting (its
 * lines are then skipped). */
bool herrs_section(struct cfg_ctx *cx, struct cfg_word *w, int n);
/* A line inside the current section. */
void herrs_keyword(struct cfg_ctx *cx, struct cfg_word *w, int n);
const struct cfg_http_errors *herrs_find(const struct cfg *cfg, const char *name);
/* The file of section s for status, or NULL. */
const struct cfg_http_errfile *herrs_file(const struct cfg_http_errors *s, int status);
void herrs_free(struct cfg *cfg);

#endif
