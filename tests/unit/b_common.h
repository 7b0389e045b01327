/* Shared helpers of the global/bind/server/addr unit tests: load a
 * config string and look for an exact diagnostic. */
#ifndef SLUICE_TESTS_B_COMMON_H
#define SLUICE_TESTS_B_COMMON_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "parser/cfg.h"

static struct diag bd;

static inline struct cfg *
bload(const char *text, bool resolve)
{
	struct cfg_opts o = { .check_files = true };
	diag_free(&bd);
	memset(&bd, 0, sizeof(bd));
	return cfg_load_string("t.cfg", text, strlen(text), &o, resolve, &bd);
}

static inline void
bdump(void)
{
	for (size_t i = 0; i < bd.n; i++) {
		char *s = diag_format(&bd.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
}

/* A message of level lvl at line:col whose text is exactly text. */
static inline void
bexpect(enum diag_level lvl, int line, int col, const char *text)
{
	for (size_t i = 0; i < bd.n; i++) {
		const struct diag_msg *m = &bd.msgs[i];
		if (m->level == lvl && m->loc.line == line && m->loc.col == col &&
		    strcmp(m->text, text) == 0)
			return;
	}
	bdump();
	ck_abort_msg("no %s at %d:%d: \"%s\"", lvl == DIAG_ERROR ? "error" : "warning",
	             line, col, text);
}

/* No error and no warning. */
static inline void
bclean(struct cfg *c)
{
	if (c == NULL || bd.nerrors || bd.nwarnings) {
		bdump();
		ck_abort_msg("expected a clean load");
	}
}

#define BFE "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend f\n"
#define BBE "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nbackend b\n"

#endif
