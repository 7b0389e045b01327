/* Small value parsers shared by global.c, bind.c, server.c and
 * logtarget.c, which need HAProxy's per-keyword message wording rather
 * than the generic texts of args.h. Nothing here reports diagnostics. */
#ifndef SLUICE_PARSER_OPTUTIL_H
#define SLUICE_PARSER_OPTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"

enum ou_time {
	OU_TIME_OK,
	OU_TIME_BADCHAR, /* *bad is the offending character */
	OU_TIME_OVER,    /* above 2147483647 ms */
	OU_TIME_EMPTY,
};

/* HAProxy's parse_time_err(): digits then an optional unit (us, ms, s,
 * m, h, d); a bare number is in unit. Result in ms (us rounds up). */
enum ou_time ou_time(const char *s, enum time_unit unit, uint32_t *ms,
                     char *bad);

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

#endif
