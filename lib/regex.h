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
/* Number of capture groups of the pattern. */
int rx_groups(const struct rx *rx);
void rx_free(struct rx *rx);

#endif
