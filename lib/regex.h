/* Regular expressions with HAProxy's flavour: PCRE2 (Debian's haproxy is
 * built with it), so "\d", "(?i)" and lookaheads in an operator's config
 * mean what they mean to HAProxy. A struct rx is owned by whoever compiled
 * it; rx_free() frees. */
#ifndef SLUICE_LIB_REGEX_H
#define SLUICE_LIB_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct rx;

/* Compiles pattern. On error returns NULL and sets *err (caller frees) to
 * HAProxy's text: "regex '<p>' is invalid (error=<why>, erroffset=<n>)". */
struct rx *rx_compile(const char *pattern, bool icase, char **err);
/* Does s[0..len) match? */
bool rx_match(const struct rx *rx, const char *s, size_t len);
/* Runs rx on s[0..len) from byte start (notbol: s[start] is not the
 * start of a line, for repeated substitutions). On a match, fills
 * ovec[2*i], ovec[2*i+1] with the bounds of group i (0 = whole match) for
 * i < nvec, RX_UNSET for groups that did not take part, and returns the
 * number of pairs filled; returns -1 when there is no match. */
#define RX_UNSET ((size_t)-1)
int rx_exec(const struct rx *rx, const char *s, size_t len, size_t start,
            bool notbol, size_t *ovec, int nvec);
/* Number of capture groups of the pattern. */
int rx_groups(const struct rx *rx);
void rx_free(struct rx *rx);

#endif
