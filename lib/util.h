/* Small allocation and string helpers shared by every module. */
#ifndef SLUICE_LIB_UTIL_H
#define SLUICE_LIB_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators that abort on exhaustion: at configuration time there is
 * nothing sensible to do without memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* free(*pp) and set *pp to NULL. */
#define FREE_NULL(p) do { free(p); (p) = NULL; } while (0)

/* Bounded copy; returns -1 (and a truncated, terminated dst) when src does
 * not fit. */
int str_copy(char *dst, size_t dstsz, const char *src);

/* Levenshtein distance, capped; used for "did you mean". */
int str_distance(const char *a, const char *b);

/* Growable array: VEC(int) v = {0}; VEC_PUSH(v, 3); free(v.v). */
#define VEC(T) struct { T *v; size_t n, cap; }
void vec_reserve(void **v, size_t *cap, size_t want, size_t elsz);
#define VEC_PUSH(vec, x)                                                      \
	do {                                                                  \
		vec_reserve((void **)&(vec).v, &(vec).cap, (vec).n + 1,       \
		            sizeof(*(vec).v));                                \
		(vec).v[(vec).n++] = (x);                                     \
	} while (0)

/* A growable byte string, always NUL-terminated. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sbuf_addc(struct sbuf *b, char c);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_reset(struct sbuf *b);
/* Hands the string to the caller (never NULL) and empties b. */
char *sbuf_take(struct sbuf *b);

#endif
