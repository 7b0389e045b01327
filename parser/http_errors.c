/* "http-errors" sections (http_errors.h), with HAProxy 2.6's messages. */
#include "http_errors.h"

#include <stdlib.h>
#include <string.h>

#include "px_int.h"

bool
herrs_section(struct cfg_ctx *cx, struct cfg_word *w, int n)
{
	if (n < 2) {
		cx_error(cx, &w[0], "missing name for http-errors section.");
		return false;
	}
	const struct cfg_http_errors *o = herrs_find(cx->cfg, w[1].s);
	if (o) {
		cx_error(cx, &w[1], "http-errors section '%s' already exists (declared at %s:%d).",
		         w[1].s, o->loc.file, o->loc.line);
		return false;
	}
	struct cfg_http_errors *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(w[1].s);
	s->loc = w[0].loc;
	VEC_PUSH(cx->cfg->http_errors, s);
	return true;
}

/* HAProxy's list of codes an errorfile may replace. */
static bool
code_ok(int c)
{
	static const int codes[] = { 200, 400, 401, 403, 404, 405, 407, 408, 410,
	                             413, 425, 429, 500, 501, 502, 503, 504 };
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i] == c)
			return true;
	return false;
}

void
herrs_keyword(struct cfg_ctx *cx, struct cfg_word *w, int n)
{
	struct cfg *cfg = cx->cfg;
	if (cfg->http_errors.n == 0)
		return;
	struct cfg_http_errors *s = cfg->http_errors.v[cfg->http_errors.n - 1];
	if (strcmp(w[0].s, "errorfile") != 0) {
		cx_error(cx, &w[0], "unknown keyword '%s' in 'http-errors' section", w[0].s);
		return;
	}
	if (n < 3) {
		cx_error(cx, px_last(w, n), "errorfile: expects <status_code> and <file> as arguments.");
		return;
	}
	/* atoi() in HAProxy */
	bool strict;
	long long v = px_atol(w[1].s, &strict);
	int status = v < 0 || v > 999 ? 0 : (int)v;
	if (!code_ok(status)) {
		cx_error(cx, &w[1], "errorfile : status code '%d' not handled.", status);
		return;
	}
	if (px_check_errorfile(cx, &w[2], "errorfile", w[2].s) < 0)
		return;
	for (size_t i = 0; i < s->files.n; i++)
		if (s->files.v[i].status == status) {
			free(s->files.v[i].path);
			s->files.v[i].path = xstrdup(w[2].s);
			s->files.v[i].loc = w[0].loc;
			return;
		}
	struct cfg_http_errfile f = { status, xstrdup(w[2].s), w[0].loc };
	VEC_PUSH(s->files, f);
}

const struct cfg_http_errors *
herrs_find(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->http_errors.n; i++)
		if (strcmp(cfg->http_errors.v[i]->name, name) == 0)
			return cfg->http_errors.v[i];
	return NULL;
}

const struct cfg_http_errfile *
herrs_file(const struct cfg_http_errors *s, int status)
{
	for (size_t i = 0; s && i < s->files.n; i++)
		if (s->files.v[i].status == status)
			return &s->files.v[i];
	return NULL;
}

void
herrs_free(struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->http_errors.n; i++) {
		struct cfg_http_errors *s = cfg->http_errors.v[i];
		for (size_t k = 0; k < s->files.n; k++)
			free(s->files.v[k].path);
		free(s->files.v);
		free(s->name);
		free(s);
	}
	free(cfg->http_errors.v);
}
