/* Pattern references shared by file name (HAProxy's pat_ref), their
 * compiled users and their versions. The locking scheme is explained in
 * patref.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/patref.h"

/* ---- registry ------------------------------------------------------------ */

static bool
id_taken(const struct patref_reg *reg, int id)
{
	for (size_t i = 0; i < reg->ids.n; i++)
		if (reg->ids.v[i] == id)
			return true;
	return false;
}

static struct patref *
ref_new(struct patref_reg *reg, int id)
{
	struct patref *ref = xcalloc(1, sizeof(*ref));
	if (id < 0 || id_taken(reg, id)) {
		/* HAProxy's pat_ref_newid(): the next id nobody holds */
		id = 0;
		for (size_t i = 0; i < reg->ids.n; i++)
			if (reg->ids.v[i] >= id)
				id = reg->ids.v[i] + 1;
	}
	ref->id = id;
	VEC_PUSH(reg->ids, id);
	VEC_PUSH(reg->refs, ref);
	return ref;
}

static void
elt_free(struct patref_elt *e)
{
	if (!e)
		return;
	free(e->key);
	free(e->value);
	free(e);
}

static void
user_free(struct patref_user *u)
{
	pthread_rwlock_destroy(&u->lock);
	smp_map_free(u->snap);
	free(u);
}

static void
ref_free(struct patref *ref)
{
	for (size_t i = 0; i < ref->elts.n; i++)
		elt_free(ref->elts.v[i]);
	free(ref->elts.v);
	for (size_t i = 0; i < ref->users.n; i++)
		user_free(ref->users.v[i]);
	free(ref->users.v);
	free(ref->file);
	free(ref->desc.s);
	free(ref);
}

void
patref_reg_free(struct patref_reg *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->refs.n; i++)
		ref_free(reg->refs.v[i]);
	free(reg->refs.v);
	free(reg->ids.v);
	free(reg);
}

void
patref_push(struct patref *ref, const char *key, const char *value, int line)
{
	struct patref_elt *e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->value = value ? xstrdup(value) : NULL;
	e->gen = 0;
	e->line = line;
	VEC_PUSH(ref->elts, e);
	ref->entry_cnt++;
}

/* One line of a file (NUL-terminated, without its newline), split as the
 * parser splits ACL files (acl_pattern_file_load) or as maps.c splits map
 * files, so that both count the same entries. */
static void
load_line(struct patref *ref, char *c, int lineno)
{
	if (!ref->two_cols) {
		if (*c == '#')
			return;
		while (*c == ' ' || *c == '\t')
			c++;
		char *key = c;
		c += strcspn(c, "\r\n");
		*c = '\0';
		if (c != key)
			patref_push(ref, key, NULL, lineno);
		return;
	}
	c[strcspn(c, "\r\n")] = '\0';
	while (*c == ' ' || *c == '\t')
		c++;
	if (*c == '#' || *c == '\0')
		return;
	char *key = c;
	while (*c && *c != ' ' && *c != '\t')
		c++;
	char *kend = c;
	while (*c == ' ' || *c == '\t')
		c++;
	char *val = c, *vend = c + strlen(c);
	while (vend > val && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	*kend = '\0';
	*vend = '\0';
	patref_push(ref, key, val, lineno);
}

static int
load_file(struct patref *ref, char **err)
{
	FILE *f = fopen(ref->file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;

	if (!f) {
		*err = xasprintf("failed to open pattern file <%s>", ref->file);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		/* a NUL ends the line, as in HAProxy's reader */
		load_line(ref, line, lineno);
	}
	free(line);
	fclose(f);
	return 0;
}

struct patref *
patref_file(struct patref_reg *reg, const char *file, bool two_cols, int id,
            char **err)
{
	for (size_t i = 0; i < reg->refs.n; i++) {
		struct patref *ref = reg->refs.v[i];
		if (!ref->file || strcmp(ref->file, file))
			continue;
		if (ref->two_cols != two_cols) {
			*err = xasprintf("The file \"%s\" is already used as %s column file and cannot be used by as %s column file",
			                 file, ref->two_cols ? "two" : "one",
			                 two_cols ? "two" : "one");
			return NULL;
		}
		return ref;
	}
	struct patref *ref = ref_new(reg, id);
	ref->file = xstrdup(file);
	ref->two_cols = two_cols;
	sbuf_addf(&ref->desc, "pattern loaded from file '%s' used by ", file);
	if (load_file(ref, err) < 0)
		return NULL; /* freed with the registry */
	return ref;
}

struct patref *
patref_inline(struct patref_reg *reg, int id)
{
	return ref_new(reg, id);
}

void
patref_describe(struct patref *ref, unsigned kind, const char *kw,
                const char *cfgfile, int line)
{
	ref->kinds |= kind;
	if (!ref->file) {
		if (!ref->desc.len)
			sbuf_addf(&ref->desc, "acl '%s' file '%s' line %d", kw,
			          cfgfile, line);
		return;
	}
	char *one = xasprintf("%s at file '%s' line %d",
	                      kind == PATREF_MAP ? "map" : "acl", cfgfile, line);
	/* a use parsed once by HAProxy (a defaults section replayed into
	 * each proxy) is listed once */
	if (!strstr(ref->desc.s, one)) {
		if (ref->desc.s[ref->desc.len - 1] != ' ')
			sbuf_adds(&ref->desc, ", by ");
		sbuf_adds(&ref->desc, one);
	}
	free(one);
}

/* ---- compiling ------------------------------------------------------------- */

static struct smp_map *
compile(const struct patref *ref, const struct smp_map_kind *k, char **err)
{
	size_t n = 0;
	for (size_t i = 0; i < ref->elts.n; i++)
		if (ref->elts.v[i]->gen == ref->curr_ver)
			n++;
	const char **keys = xcalloc(n + 1, sizeof(*keys));
	const char **vals = xcalloc(n + 1, sizeof(*vals));
	int *lines = xcalloc(n + 1, sizeof(*lines));
	size_t w = 0;
	for (size_t i = 0; i < ref->elts.n; i++) {
		const struct patref_elt *e = ref->elts.v[i];
		if (e->gen != ref->curr_ver)
			continue;
		keys[w] = e->key;
		vals[w] = e->value ? e->value : "";
		lines[w] = e->line;
		w++;
	}
	struct smp_map *m = smp_map_compile(k, keys, k->values ? vals : NULL,
	                                    lines, n, ref->file, err);
	free(keys);
	free(vals);
	free(lines);
	return m;
}

static bool
kind_eq(const struct smp_map_kind *a, const struct smp_map_kind *b)
{
	return a->m == b->m && a->regm == b->regm && a->icase == b->icase &&
	       a->dotted == b->dotted && a->no_dns == b->no_dns &&
	       a->values == b->values &&
	       (!a->values || a->out == b->out);
}

struct patref_user *
patref_user_get(struct patref *ref, const struct smp_map_kind *k, char **err)
{
	for (size_t i = 0; i < ref->users.n; i++)
		if (kind_eq(&ref->users.v[i]->kind, k))
			return ref->users.v[i];
	struct smp_map *snap = compile(ref, k, err);
	if (!snap)
		return NULL;
	struct patref_user *u = xcalloc(1, sizeof(*u));
	u->ref = ref;
	u->kind = *k;
	u->snap = snap;
	pthread_rwlock_init(&u->lock, NULL);
	VEC_PUSH(ref->users, u);
	return u;
}

/* ---- lookups ----------------------------------------------------------------- */

const struct smp_map *
patref_acquire(struct patref_user *u)
{
	pthread_rwlock_rdlock(&u->lock);
	return u->snap;
}

void
patref_release(struct patref_user *u)
{
	pthread_rwlock_unlock(&u->lock);
}

bool
patref_acl_match(struct patref_user *u, struct smp_run *run,
                 const struct smp_val *v)
{
	/* HAProxy's pat_match_nothing(): found and bool never match patterns */
	if (u->kind.m == ACL_M_FOUND || u->kind.m == ACL_M_BOOL)
		return false;
	const struct smp_map *m = patref_acquire(u);
	bool ok = smp_map_lookup(m, run, v, NULL, 0) != NULL;
	patref_release(u);
	return ok;
}

/* ---- edits ------------------------------------------------------------------- */

struct patref *
patref_find(const struct patref_reg *reg, const char *name, unsigned kind)
{
	if (!reg || !name || !*name)
		return NULL;
	if (name[0] == '#') {
		char *end;
		errno = 0;
		long id = strtol(name + 1, &end, 10);
		if (end == name + 1 || *end || errno)
			return NULL;
		for (size_t i = 0; i < reg->refs.n; i++)
			if (reg->refs.v[i]->id == id && (reg->refs.v[i]->kinds & kind))
				return reg->refs.v[i];
		return NULL;
	}
	for (size_t i = 0; i < reg->refs.n; i++) {
		struct patref *r = reg->refs.v[i];
		if (r->file && !strcmp(r->file, name) && (r->kinds & kind))
			return r;
	}
	return NULL;
}

int
patref_check(const struct patref *ref, const char *key, const char *value,
             char **err)
{
	for (size_t i = 0; i < ref->users.n; i++)
		if (smp_map_entry_check(&ref->users.v[i]->kind, key, value, err) < 0)
			return -1;
	return 0;
}

void
patref_add(struct patref *ref, unsigned gen, const char *key, const char *value)
{
	patref_push(ref, key, ref->two_cols ? (value ? value : "") : NULL, 0);
	ref->elts.v[ref->elts.n - 1]->gen = gen;
}

struct patref_elt *
patref_elt_by_ptr(const struct patref *ref, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long p = strtoull(s, &end, 16);
	if (end == s || *end || errno)
		return NULL;
	for (size_t i = 0; i < ref->elts.n; i++)
		if ((uintptr_t)ref->elts.v[i] == (uintptr_t)p)
			return ref->elts.v[i];
	return NULL;
}

static bool
elt_hit(const struct patref_elt *e, const struct patref_elt *elt,
        const char *key)
{
	return elt ? e == elt : !strcmp(e->key, key);
}

size_t
patref_del(struct patref *ref, struct patref_elt *elt, const char *key)
{
	size_t w = 0, n = 0;
	for (size_t i = 0; i < ref->elts.n; i++) {
		struct patref_elt *e = ref->elts.v[i];
		if (elt_hit(e, elt, key)) {
			elt_free(e);
			n++;
			continue;
		}
		ref->elts.v[w++] = e;
	}
	ref->elts.n = w;
	ref->entry_cnt = w;
	return n;
}

size_t
patref_set(struct patref *ref, struct patref_elt *elt, const char *key,
           const char *value)
{
	size_t n = 0;
	for (size_t i = 0; i < ref->elts.n; i++) {
		struct patref_elt *e = ref->elts.v[i];
		if (!elt_hit(e, elt, key))
			continue;
		/* value may be this entry's own: copy before freeing */
		char *nv = xstrdup(value);
		free(e->value);
		e->value = nv;
		n++;
	}
	return n;
}

void
patref_clear(struct patref *ref, unsigned gen)
{
	size_t w = 0;
	for (size_t i = 0; i < ref->elts.n; i++) {
		struct patref_elt *e = ref->elts.v[i];
		if (e->gen == gen)
			elt_free(e);
		else
			ref->elts.v[w++] = e;
	}
	ref->elts.n = w;
	ref->entry_cnt = w;
}

unsigned
patref_prepare(struct patref *ref)
{
	return ++ref->next_ver;
}

bool
patref_future(const struct patref *ref, unsigned gen)
{
	return (int)(gen - ref->next_ver) > 0;
}

int
patref_commit(struct patref *ref, unsigned gen)
{
	/* HAProxy accepts curr_ver < gen <= next_ver, modulo 2^32 */
	if ((int)(gen - ref->curr_ver) <= 0 || (int)(gen - ref->next_ver) > 0)
		return -1;
	ref->curr_ver = gen;
	size_t w = 0;
	for (size_t i = 0; i < ref->elts.n; i++) {
		struct patref_elt *e = ref->elts.v[i];
		if ((int)(e->gen - gen) < 0)
			elt_free(e);
		else
			ref->elts.v[w++] = e;
	}
	ref->elts.n = w;
	ref->entry_cnt = w;
	return 0;
}

int
patref_publish(struct patref *ref, char **err)
{
	struct smp_map **fresh = xcalloc(ref->users.n + 1, sizeof(*fresh));
	int rc = 0;
	for (size_t i = 0; i < ref->users.n; i++) {
		fresh[i] = compile(ref, &ref->users.v[i]->kind, err);
		if (!fresh[i]) {
			rc = -1;
			goto out;
		}
	}
	for (size_t i = 0; i < ref->users.n; i++) {
		struct patref_user *u = ref->users.v[i];
		pthread_rwlock_wrlock(&u->lock);
		struct smp_map *old = u->snap;
		u->snap = fresh[i];
		pthread_rwlock_unlock(&u->lock);
		/* no reader holds old any more: they all ran under the lock */
		fresh[i] = old;
	}
out:
	for (size_t i = 0; i < ref->users.n; i++)
		smp_map_free(fresh[i]);
	free(fresh);
	return rc;
}

int
patref_payload_next(char **p, char **key, char **value)
{
	char *c = *p;
	if (!*c)
		return 0;
	*key = c;
	size_t l = strcspn(c, " \t");
	c += l;
	if (!*c) {
		*p = c;
		return -1;
	}
	*c++ = '\0';
	c += strspn(c, " \t");
	*value = c;
	l = strcspn(c, "\n");
	c += l;
	if (*c)
		*c++ = '\0';
	*p = c;
	return 1;
}
