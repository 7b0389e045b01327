/* Shared helpers of the proxy/rules/checks unit tests: load a config
 * string and look for exact diagnostics (level, line, column, text). */
#ifndef SLUICE_TESTS_PX_COMMON_H
#define SLUICE_TESTS_PX_COMMON_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

static struct diag pd;
static struct cfg *pcfg;

/* Loads text (replacing the previous config); resolve runs the 2nd pass. */
static inline struct cfg *
pload(const char *text, bool resolve)
{
	struct cfg_opts o = { .check_files = true };
	cfg_free(pcfg);
	diag_free(&pd);
	memset(&pd, 0, sizeof(pd));
	pcfg = cfg_load_string("t.cfg", text, strlen(text), &o, resolve, &pd);
	return pcfg;
}

static inline void
pdone(void)
{
	cfg_free(pcfg);
	pcfg = NULL;
	diag_free(&pd);
	memset(&pd, 0, sizeof(pd));
}

static inline void
pdump(void)
{
	for (size_t i = 0; i < pd.n; i++) {
		char *s = diag_format(&pd.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
}

/* A message of level lvl at line:col whose text is exactly text. */
static inline void
pexpect(enum diag_level lvl, int line, int col, const char *text)
{
	for (size_t i = 0; i < pd.n; i++) {
		const struct diag_msg *m = &pd.msgs[i];
		if (m->level == lvl && m->loc.line == line && m->loc.col == col &&
		    strcmp(m->text, text) == 0)
			return;
	}
	pdump();
	ck_abort_msg("no %s at %d:%d: \"%s\"", lvl == DIAG_ERROR ? "error" : "warning",
	             line, col, text);
}

#define PERR(l, c, t) pexpect(DIAG_ERROR, l, c, t)
#define PWARN(l, c, t) pexpect(DIAG_WARNING, l, c, t)

/* No error and no warning. */
static inline void
pclean(void)
{
	if (pcfg == NULL || pd.nerrors || pd.nwarnings) {
		pdump();
		ck_abort_msg("expected a clean load");
	}
}

/* The proxy named name (frontend/backend/listen). */
static inline struct cfg_proxy *
ppx(const char *name)
{
	ck_assert_ptr_nonnull(pcfg);
	for (size_t i = 0; i < pcfg->proxies.n; i++)
		if (pcfg->proxies.v[i]->name && strcmp(pcfg->proxies.v[i]->name, name) == 0)
			return pcfg->proxies.v[i];
	ck_abort_msg("no proxy %s", name);
	return NULL;
}

/* 4 lines: anonymous defaults with the three timeouts. */
#define PDEF "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n"
#define PDEFH "defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n"

#endif
