/* Value parsers with HAProxy's acceptance rules (see optutil.h). */
#include "optutil.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

bool
ou_int(const char *s, long long *v)
{
	char *end;

	if (*s == '\0')
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return *end == '\0' && errno == 0;
}

long long
ou_atol(const char *s, bool *strict)
{
	long long v;

	if (ou_int(s, &v)) {
		*strict = true;
		return v;
	}
	*strict = false;
	return atoll(s);
}

bool
ou_user(const char *name, uid_t *uid)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return false;
	*uid = pw->pw_uid;
	return true;
}

bool
ou_group(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);

	if (gr == NULL)
		return false;
	*gid = gr->gr_gid;
	return true;
}

char *
ou_path(const char *base, const char *path)
{
	if (base == NULL || *path == '/' || *path == '@')
		return xstrdup(path);
	return xasprintf("%s/%s", base, path);
}

void
ou_merge_str(char **dst, const char *src)
{
	if (*dst == NULL && src)
		*dst = xstrdup(src);
}

const char *
ou_arg(struct cfg_word *w, int n, int argi)
{
	return argi < n ? w[argi].s : "";
}

const struct cfg_word *
ou_arg_at(struct cfg_word *w, int n, int argi)
{
	return &w[argi < n ? argi : argi - 1];
}

void
ou_err(struct cfg_ctx *cx, const struct ou_optset *os, const struct cfg_word *at,
       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *full = xasprintf("%s%s", msg, os->dot);
	os->report(cx, at, full);
	free(full);
	free(msg);
}

/* Number of words in a usage string (arguments of rows without handler). */
static int
usage_words(const char *u)
{
	int k = 0;
	for (const char *p = u; *p;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		k++;
		while (*p && *p != ' ')
			p++;
	}
	return k;
}

int
ou_parse_opts(struct cfg_ctx *cx, const struct ou_optset *os, struct cfg_word *w,
              int n, int from)
{
	for (int i = from; i < n;) {
		int k = 0, used;
		const struct cfg_kw *r = kw_lookup(os->tab, w, n, i, &k);
		if (r == NULL) {
			os->unknown(cx, &w[i], kw_suggest(os->tab, sizeof(os->tab[0]), w[i].s, NULL));
			return -1;
		}
		if (os->allowed && !os->allowed(cx, r, &w[i]))
			return -1;
		int argi = i + k;
		switch (r->h.status) {
		case KW_UNSUPPORTED:
			ou_err(cx, os, &w[i], "'%s' is not supported by sluice: %s", r->h.name, r->h.note);
			return -1;
		case KW_IGNORED:
			cx_warn(cx, &w[i], "%s option '%s' is ignored by sluice: %s%s", os->kind,
			        r->h.name, r->h.note, os->dot);
			if (r->parse != NULL) {
				/* still checks the arguments as HAProxy does */
				used = r->parse(cx, r, w, n, argi);
				if (used < 0)
					return -1;
				break;
			}
			used = usage_words(r->h.usage);
			if (argi + used > n) {
				ou_err(cx, os, &w[i], "'%s' : missing value", r->h.name);
				return -1;
			}
			break;
		default:
			used = r->parse(cx, r, w, n, argi);
			if (used < 0)
				return -1;
			break;
		}
		i = argi + used;
	}
	return 0;
}

int
ou_tcp_ut(struct cfg_ctx *cx, const struct ou_optset *os, struct cfg_word *w, int n,
          int argi, uint32_t *ms)
{
	const char *end;

	if (argi >= n) {
		ou_err(cx, os, &w[argi - 1], "'tcp-ut' : missing TCP User Timeout value");
		return -1;
	}
	switch (arg_time_parse(w[argi].s, TIME_UNIT_MS, ms, &end)) {
	case ARG_TIME_OK:
		return 1;
	case ARG_TIME_TRAILING:
		arg_time_warn_trailing(cx, &w[argi], end);
		return 1;
	case ARG_TIME_OVERFLOW:
		ou_err(cx, os, &w[argi], "timer overflow in argument '%s' to 'tcp-ut' (maximum value is 2147483647 ms or ~24.8 days)",
		       w[argi].s);
		return -1;
	default:
		ou_err(cx, os, &w[argi], "'tcp-ut' : expects a positive delay in milliseconds");
		return -1;
	}
}
