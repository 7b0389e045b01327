/* Argument value parsers with HAProxy's rules (reference §1.5). Each
 * reports its own diagnostic at the word and returns 0 or -1. kwname is
 * the keyword as HAProxy names it in messages ("timeout client"). */
#ifndef SLUICE_PARSER_ARGS_H
#define SLUICE_PARSER_ARGS_H

#include <stdint.h>

#include "kw.h"

enum time_unit { TIME_UNIT_MS, TIME_UNIT_S };

enum arg_time_rc {
	ARG_TIME_OK,
	ARG_TIME_TRAILING, /* valid value, junk at *end: HAProxy 2.6 warns */
	ARG_TIME_BADCHAR,  /* *end is not a digit or unit */
	ARG_TIME_OVERFLOW, /* above 2147483647 ms */
	ARG_TIME_EMPTY,
};
/* The time parser under arg_time(), for keywords whose messages differ:
 * *end gets the first byte not understood. */
enum arg_time_rc arg_time_parse(const char *s, enum time_unit default_unit,
                                uint32_t *ms, const char **end);
/* HAProxy's warning for ARG_TIME_TRAILING ("1m30s" reads as 1m). */
void arg_time_warn_trailing(struct cfg_ctx *cx, const struct cfg_word *w,
                            const char *junk);

/* Time with suffix us/ms/s/m/h/d; a bare number is in default_unit.
 * Result in milliseconds (microseconds round up to 1 ms), at most
 * 2147483647. Junk after a valid unit ("1m30s") is a warning and the
 * value stops there, as in HAProxy 2.6. */
int arg_time(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname,
             enum time_unit default_unit, uint32_t *ms);
/* Decimal integer within [min,max]. */
int arg_int(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname,
            long long min, long long max, long long *out);
/* Size with optional k/m/g suffix (powers of 1024). */
int arg_size(struct cfg_ctx *cx, const struct cfg_word *w, const char *kwname,
             uint64_t *out);
/* Requires words w[argi..argi+count-1] to exist; reports
 * "'<kwname>' expects <what>." at the last word otherwise. */
int arg_need(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
             int count, const char *kwname, const char *what);
/* Reports extra words after the last one a keyword takes (HAProxy's
 * "'x' cannot handle unexpected argument 'y'."). */
int arg_no_more(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
                const char *kwname);

/* Replaces *dst (freeing the old value) with a copy of s. */
void arg_set_str(char **dst, const char *s);

#endif
