/* Helpers shared by global.c, bind.c, server.c and logtarget.c: value
 * parsers that need HAProxy's per-keyword wording rather than the generic
 * texts of args.h (they report nothing), and the option-list walker of
 * bind and server lines (it reports through its owner's callbacks). */
#ifndef SLUICE_PARSER_OPTUTIL_H
#define SLUICE_PARSER_OPTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"
#include "kw.h"

/* Strict decimal integer (optional sign). */
bool ou_int(const char *s, long long *v);

/* atol() as HAProxy uses it for many keywords: leading digits, junk
 * ignored. *strict tells whether the whole word was a number. */
long long ou_atol(const char *s, bool *strict);

/* User / group name to id via the system databases. */
bool ou_user(const char *name, uid_t *uid);
bool ou_group(const char *name, gid_t *gid);

/* Joins path to base ("ca-base"/"crt-base") unless absolute or base is
 * NULL. Returns an allocated string. */
char *ou_path(const char *base, const char *path);

/* dst gets a copy of src unless already set (global TLS defaults). */
void ou_merge_str(char **dst, const char *src);

/* The argument at argi, or "" past the end of the line (HAProxy then
 * reads an empty word), and where to report about it: the argument, or
 * the option word when it is missing. */
const char *ou_arg(struct cfg_word *w, int n, int argi);
const struct cfg_word *ou_arg_at(struct cfg_word *w, int n, int argi);

/* An option list: the words after a bind address or a server address.
 * Rows of tab follow the option contract of bind.c: the handler gets
 * argi (first word after the option name) and returns how many argument
 * words it used, or -1 after reporting. */
struct ou_optset {
	const struct cfg_kw *tab;
	const char *kind; /* "bind" or "server", in the ignored-option warning */
	const char *dot;  /* appended to error texts: "." for server lines, as HAProxy */
	/* reports msg with the owner's prefix ("'bind :80' in section ...") */
	void (*report)(struct cfg_ctx *cx, const struct cfg_word *at, const char *msg);
	/* reports an unknown option; sugg is a "did you mean" or NULL */
	void (*unknown)(struct cfg_ctx *cx, const struct cfg_word *at, const char *sugg);
	/* NULL, or false (after reporting) when a known row is refused here */
	bool (*allowed)(struct cfg_ctx *cx, const struct cfg_kw *row, const struct cfg_word *at);
};

/* Formats an error, appends os->dot and reports it through os->report. */
void ou_err(struct cfg_ctx *cx, const struct ou_optset *os, const struct cfg_word *at,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Applies the options w[from..n-1]: unknown words, unsupported rows and
 * handler errors stop the walk with -1; ignored rows warn and skip the
 * words their usage string names. */
int ou_parse_opts(struct cfg_ctx *cx, const struct ou_optset *os, struct cfg_word *w,
                  int n, int from);

/* "tcp-ut <time>" of bind and server lines into *ms. Returns the words
 * used (1) or -1 after reporting. */
int ou_tcp_ut(struct cfg_ctx *cx, const struct ou_optset *os, struct cfg_word *w,
              int n, int argi, uint32_t *ms);

#endif
