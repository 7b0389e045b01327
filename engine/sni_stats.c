/* Per-SNI counters (sni_stats.h). A chained hash table of fixed size
 * under one mutex per frontend; counters are atomics so that the end of
 * a session adds to its entry without the lock. */
#include "engine/sni_stats.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/session.h"
#include "lib/util.h"

#define NBUCKETS 1024u  /* a power of two; SNI_STATS_MAX names at most */

struct sni_ent {
	struct sni_ent *next;
	enum sni_kind kind;
	atomic_ullong conns, bytes_in, bytes_out;
	size_t len;
	char name[];        /* len bytes + NUL */
};

struct sni_stats {
	pthread_mutex_t lock;
	struct sni_ent *bucket[NBUCKETS];
	size_t nnames;
	struct sni_ent *special[4]; /* by kind; [SNI_NAME] unused */
};

static struct sni_ent *
ent_new(enum sni_kind kind, const char *name, size_t len)
{
	struct sni_ent *e = xcalloc(1, sizeof(*e) + len + 1);
	e->kind = kind;
	e->len = len;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		e->name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	return e;
}

struct sni_stats *
sni_stats_new(void)
{
	struct sni_stats *t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	/* made up front: the "no name" paths then never allocate */
	for (int k = SNI_NONE; k <= SNI_OTHER; k++)
		t->special[k] = ent_new((enum sni_kind)k, "", 0);
	return t;
}

void
sni_stats_free(struct sni_stats *t)
{
	if (t == NULL)
		return;
	for (size_t b = 0; b < NBUCKETS; b++) {
		struct sni_ent *e = t->bucket[b];
		while (e) {
			struct sni_ent *n = e->next;
			free(e);
			e = n;
		}
	}
	for (int k = SNI_NONE; k <= SNI_OTHER; k++)
		free(t->special[k]);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* FNV-1a of the lower-cased name. */
static uint32_t
name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= lower((unsigned char)name[i]);
		h *= 16777619u;
	}
	return h;
}

static bool
name_eq(const struct sni_ent *e, const char *name, size_t len)
{
	if (e->len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)e->name[i] != lower((unsigned char)name[i]))
			return false;
	return true;
}

struct sni_ent *
sni_stats_get(struct sni_stats *t, enum sni_kind kind, const char *name,
              size_t len)
{
	if (kind != SNI_NAME)
		return t->special[kind];
	if (len > 255)
		len = 255;
	uint32_t b = name_hash(name, len) & (NBUCKETS - 1);
	struct sni_ent *e;
	pthread_mutex_lock(&t->lock);
	for (e = t->bucket[b]; e; e = e->next)
		if (name_eq(e, name, len))
			break;
	if (e == NULL) {
		if (t->nnames >= SNI_STATS_MAX) {
			e = t->special[SNI_OTHER];
		} else {
			e = ent_new(SNI_NAME, name, len);
			e->next = t->bucket[b];
			t->bucket[b] = e;
			t->nnames++;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return e;
}

void
sni_stats_add(struct sni_ent *e, uint64_t bytes_in, uint64_t bytes_out)
{
	atomic_fetch_add_explicit(&e->conns, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->bytes_in, bytes_in, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->bytes_out, bytes_out, memory_order_relaxed);
}

/* The entry of a session, from the ClientHello buffered while it was
 * inspected. */
static struct sni_ent *
classify(struct session *s, struct sni_stats *t)
{
	enum ch_result rc = CH_NEED_MORE;
	const struct ch_info *ch = NULL;

	if (s->req && s->req_len > 0) {
		s->sctx.req = s->req;
		s->sctx.req_len = s->req_len;
		ch = sctx_hello(&s->sctx, &rc);
	}
	if (ch == NULL || rc != CH_OK)
		return sni_stats_get(t, SNI_NO_HELLO, NULL, 0);
	if (!ch->has_sni || ch->sni_len == 0)
		return sni_stats_get(t, SNI_NONE, NULL, 0);
	return sni_stats_get(t, SNI_NAME, ch->sni, ch->sni_len);
}

void
sni_stats_route(struct session *s)
{
	struct sni_stats *t = s->fe->sni;
	if (t != NULL && s->sni_ent == NULL)
		s->sni_ent = classify(s, t);
}

void
sni_stats_end(struct session *s)
{
	struct sni_stats *t = s->fe->sni;
	if (t == NULL)
		return;
	if (s->sni_ent == NULL)
		s->sni_ent = classify(s, t);
	sni_stats_add(s->sni_ent, s->bytes_in, s->bytes_out);
}

static void
row_of(struct sni_row *r, const struct sni_ent *e)
{
	r->kind = e->kind;
	memcpy(r->name, e->name, e->len);
	r->name[e->len] = '\0';
	r->conns = atomic_load(&e->conns);
	r->bytes_in = atomic_load(&e->bytes_in);
	r->bytes_out = atomic_load(&e->bytes_out);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct sni_row *x = a, *y = b;
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	return strcmp(x->name, y->name);
}

size_t
sni_stats_snapshot(struct sni_stats *t, struct sni_row **rows)
{
	size_t n = 0;
	pthread_mutex_lock(&t->lock);
	struct sni_row *v = xcalloc(t->nnames + 3 + 1, sizeof(*v));
	for (size_t b = 0; b < NBUCKETS; b++)
		for (const struct sni_ent *e = t->bucket[b]; e; e = e->next)
			if (atomic_load(&e->conns) > 0)
				row_of(&v[n++], e);
	pthread_mutex_unlock(&t->lock);
	qsort(v, n, sizeof(*v), row_cmp);
	for (int k = SNI_NONE; k <= SNI_OTHER; k++)
		if (atomic_load(&t->special[k]->conns) > 0)
			row_of(&v[n++], t->special[k]);
	*rows = v;
	return n;
}

size_t
sni_stats_names(struct sni_stats *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->nnames;
	pthread_mutex_unlock(&t->lock);
	return n;
}

static void
ent_clear(struct sni_ent *e)
{
	atomic_store(&e->conns, 0);
	atomic_store(&e->bytes_in, 0);
	atomic_store(&e->bytes_out, 0);
}

void
sni_stats_clear(struct sni_stats *t)
{
	pthread_mutex_lock(&t->lock);
	for (size_t b = 0; b < NBUCKETS; b++)
		for (struct sni_ent *e = t->bucket[b]; e; e = e->next)
			ent_clear(e);
	pthread_mutex_unlock(&t->lock);
	for (int k = SNI_NONE; k <= SNI_OTHER; k++)
		ent_clear(t->special[k]);
}

const char *
sni_kind_label(enum sni_kind k)
{
	switch (k) {
	case SNI_NONE:     return "(no-sni)";
	case SNI_NO_HELLO: return "(no-hello)";
	case SNI_OTHER:    return "(other)";
	default:           return NULL;
	}
}
