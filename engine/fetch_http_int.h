/* Internal to the HTTP sample fetches (fetch_http.c, fetch_cook.c):
 * value setters, argument readers and the header walkers shared by
 * both. Not an API. */
#ifndef SLUICE_ENGINE_FETCH_HTTP_INT_H
#define SLUICE_ENGINE_FETCH_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/smp_rt.h"
#include "proto/http1_req.h"
#include "proto/http1_resp.h"

#define FETCH(name)                                                           \
	__attribute__((unused)) static bool name(struct smp_run *run,        \
	                 const struct smp_expr *e, int idx, struct smp_val *v)

static inline void
set_int(struct smp_val *v, long long i)
{
	v->type = SMP_T_SINT;
	v->sint = i;
}

static inline void
set_bool(struct smp_val *v, bool b)
{
	v->type = SMP_T_BOOL;
	v->sint = b;
}

static inline void
set_str(struct smp_val *v, enum smp_type t, const char *p, size_t n)
{
	v->type = t;
	v->ptr = p;
	v->len = n;
}

static inline const char *
arg_str(const struct smp_expr *e, int i)
{
	return i < e->nargs && e->args[i].str ? e->args[i].str : NULL;
}

static inline long long
arg_int(const struct smp_expr *e, int i)
{
	return i < e->nargs && e->args[i].type == SMP_ARG_SINT ? e->args[i].sint : 0;
}

static inline bool
IS_SPHT(char c)
{
	return c == ' ' || c == '\t';
}

/* The fields of a request or a response head (both proto structs have
 * the same shape, read through this). */
struct hset {
	const struct h1q_hdr *q;
	const struct h1r_hdr *r;
	size_t n;
};

bool fh_req(const struct smp_ctx *c, struct hset *hs);
bool fh_res(const struct smp_ctx *c, struct hset *hs);
/* Whether direction-dependent fetches (hdr, cookie...) read the response. */
bool fh_dir_res(const struct smp_ctx *c);
/* Calls cb for each value of the fields named name (every field when
 * name is NULL), split on commas outside quotes unless full; stops when
 * cb returns true. Returns the number of values seen. */
typedef bool (*hval_cb)(void *arg, size_t k, const char *p, size_t n);
size_t fh_walk(const struct hset *hs, const char *name, bool full, hval_cb cb, void *arg);
/* The k-th (from 0) such value. */
bool fh_nth(const struct hset *hs, const char *name, bool full, size_t k,
            const char **p, size_t *n);
/* HAProxy's strl2ic(); fh_to_int makes v an integer of its text. */
long long fh_str_to_int(const char *p, size_t n);
bool fh_to_int(struct smp_val *v);

#endif
