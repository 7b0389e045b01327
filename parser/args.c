/* Argument value parsers with HAProxy 2.6's rules and messages. */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

#define TIME_MAX_MS 2147483647ULL

enum arg_time_rc
arg_time_parse(const char *s, enum time_unit default_unit, uint32_t *ms,
               const char **end)
{
	unsigned long long v = 0;
	const char *p = s;

	*end = s;
	if (*p == '\0')
		return ARG_TIME_EMPTY;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > TIME_MAX_MS * 1000) /* saturate: reported as overflow below */
			v = TIME_MAX_MS * 1000 + 1;
		p++;
	}
	if (p == s) {
		*end = p;
		return ARG_TIME_BADCHAR;
	}
	unsigned long long mul = default_unit == TIME_UNIT_S ? 1000 : 1, div = 1;
	if (strncmp(p, "us", 2) == 0) {
		mul = 1; div = 1000; p += 2;
	} else if (strncmp(p, "ms", 2) == 0) {
		mul = 1; p += 2;
	} else if (*p == 's') {
		mul = 1000; p += 1;
	} else if (*p == 'm') {
		mul = 60000; p += 1;
	} else if (*p == 'h') {
		mul = 3600000; p += 1;
	} else if (*p == 'd') {
		mul = 86400000; p += 1;
	} else if (*p != '\0') {
		*end = p;
		return ARG_TIME_BADCHAR;
	}
	*end = p;
	/* checked before multiplying, so v * mul cannot wrap */
	if (v > TIME_MAX_MS * div / mul + 1)
		return ARG_TIME_OVERFLOW;
	unsigned long long r = (v * mul + div - 1) / div;
	if (r > TIME_MAX_MS)
		return ARG_TIME_OVERFLOW;
	*ms = (uint32_t)r;
	return *p ? ARG_TIME_TRAILING : ARG_TIME_OK;
}

void
arg_time_warn_trailing(struct cfg_ctx *cx, const struct cfg_word *w,
                       const char *junk)
{
	cx_warn(cx, w, "unexpected character '%c' after the timer value '%s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.",
	        *junk, w->s);
}

int
arg_time(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname,
         enum time_unit default_unit, uint32_t *ms)
{
	const char *end;
	switch (arg_time_parse(w->s, default_unit, ms, &end)) {
	case ARG_TIME_OK:
		return 0;
	case ARG_TIME_TRAILING:
		arg_time_warn_trailing(cx, w, end);
		return 0;
	case ARG_TIME_EMPTY:
		cx_error(cx, w, "'%s' expects an integer value (in %s)", kwname,
		         default_unit == TIME_UNIT_S ? "seconds" : "milliseconds");
		return -1;
	case ARG_TIME_BADCHAR:
		cx_error_at(cx, w, (size_t)(end - w->s), "unexpected character '%c' in '%s'", *end, kwname);
		return -1;
	case ARG_TIME_OVERFLOW:
		cx_error(cx, w, "timer overflow in argument '%s' to '%s' (maximum value is 2147483647 ms or ~24.8 days)",
		         w->s, kwname);
		return -1;
	}
	return -1;
}

int
arg_int(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname,
        long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(w->s, &end, 10);
	if (w->s[0] == '\0' || *end != '\0' || errno == ERANGE || isspace((unsigned char)w->s[0])) {
		cx_error(cx, w, "'%s' expects an integer argument, not '%s'.", kwname, w->s);
		return -1;
	}
	if (v < min || v > max) {
		cx_error(cx, w, "'%s' value %lld is out of range [%lld..%lld].", kwname, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
arg_size(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname,
         uint64_t *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)w->s[0])) {
		cx_error(cx, w, "'%s' expects a size, not '%s'.", kwname, w->s);
		return -1;
	}
	unsigned long long v = strtoull(w->s, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end != '\0' || errno == ERANGE || (shift && v > (UINT64_MAX >> shift))) {
		cx_error(cx, w, "'%s': invalid size '%s' (a number with an optional k, m or g suffix).",
		         kwname, w->s);
		return -1;
	}
	*out = (uint64_t)v << shift;
	return 0;
}

int
arg_need(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi, int count,
         const char *kwname, const char *what)
{
	if (argi + count <= n)
		return 0;
	cx_error(cx, &w[n - 1], "'%s' expects %s.", kwname, what);
	return -1;
}

int
arg_no_more(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
            const char *kwname)
{
	if (argi >= n)
		return 0;
	cx_error(cx, &w[argi], "'%s' cannot handle unexpected argument '%s'.", kwname, w[argi].s);
	return -1;
}

void
arg_set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}
