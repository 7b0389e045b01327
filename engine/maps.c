/* Map files for the map_* converters (HAProxy's map.c and
 * pat_ref_read_from_file_smp()): one entry per line, leading blanks
 * stripped, '#' lines and blank lines skipped, key = first word, value =
 * the rest of the line without its trailing blanks. Keys are parsed with
 * the converter's match method, values with its output type; lookups go
 * through a pattern set (match_rt.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/smp_rt.h"

struct smp_map {
	enum acl_match m;
	VEC(struct smp_map_entry) ents;
	VEC(struct acl_pattern) pats;
	struct patset *ps;
};

static bool
parse_value(enum map_out out, struct smp_map_entry *e)
{
	switch (out) {
	case MAP_OUT_STR:
		return true;
	case MAP_OUT_INT: {
		/* map_parse_int(): read_int64() over the whole value */
		const char *s = e->value;
		char *end;
		if (!*s)
			return false;
		errno = 0;
		e->ival = strtoll(s, &end, 10);
		return !*end && errno == 0;
	}
	case MAP_OUT_IP:
		if (inet_pton(AF_INET, e->value, &e->v4) == 1) {
			e->af = AF_INET;
			return true;
		}
		if (inet_pton(AF_INET6, e->value, &e->v6) == 1) {
			e->af = AF_INET6;
			return true;
		}
		return false;
	}
	return false;
}

void
smp_map_free(struct smp_map *map)
{
	if (!map)
		return;
	patset_free(map->ps);
	for (size_t i = 0; i < map->ents.n; i++) {
		free(map->ents.v[i].key);
		free(map->ents.v[i].value);
	}
	free(map->ents.v);
	for (size_t i = 0; i < map->pats.n; i++)
		acl_pattern_clear(&map->pats.v[i]);
	free(map->pats.v);
	free(map);
}

/* Parses one entry for kind k: the key for the method, the value for the
 * output when k->values. 0, or -1 with *err (no final period). */
static int
entry_compile(const struct smp_map_kind *k, const char *key, const char *val,
              struct acl_pattern *p, struct smp_map_entry *me, char **err)
{
	memset(p, 0, sizeof(*p));
	memset(me, 0, sizeof(*me));
	if (k->m == ACL_M_FOUND || k->m == ACL_M_BOOL) {
		/* nothing to parse: these methods never look at patterns */
		p->str = xstrdup(key);
		p->len = strlen(key);
	} else if (acl_pattern_parse(k->regm ? ACL_M_REG : k->m, k->dotted, key,
	                             k->icase, k->no_dns, p, err) < 0) {
		return -1;
	}
	me->key = xstrdup(key);
	if (k->values) {
		me->value = xstrdup(val ? val : "");
		if (!parse_value(k->out, me)) {
			*err = xasprintf("unable to parse '%s'", me->value);
			free(me->key);
			free(me->value);
			acl_pattern_clear(p);
			return -1;
		}
	}
	return 0;
}

int
smp_map_entry_check(const struct smp_map_kind *k, const char *key,
                    const char *val, char **err)
{
	struct acl_pattern p;
	struct smp_map_entry me;
	/* an entry added at run time names no host (HAProxy resolves only
	 * while starting); a name of the loaded files keeps its address */
	struct smp_map_kind rk = *k;
	rk.no_dns = true;
	if (entry_compile(&rk, key, val, &p, &me, err) < 0)
		return -1;
	acl_pattern_clear(&p);
	free(me.key);
	free(me.value);
	return 0;
}

struct smp_map *
smp_map_compile(const struct smp_map_kind *k, const char *const *keys,
                const char *const *vals, const int *lines, size_t n,
                const char *file, char **err)
{
	struct smp_map *map = xcalloc(1, sizeof(*map));
	map->m = k->regm ? ACL_M_REG : k->m;
	for (size_t i = 0; i < n; i++) {
		struct acl_pattern p;
		struct smp_map_entry me;
		char *e = NULL;
		if (entry_compile(k, keys[i], vals ? vals[i] : NULL, &p, &me, &e) < 0) {
			if (lines && lines[i] > 0 && file)
				*err = xasprintf("%s at line %d of file '%s'", e, lines[i], file);
			else
				*err = xstrdup(e);
			free(e);
			smp_map_free(map);
			return NULL;
		}
		VEC_PUSH(map->pats, p);
		VEC_PUSH(map->ents, me);
	}
	if (map->m == ACL_M_FOUND || map->m == ACL_M_BOOL) {
		/* never matched against patterns: an empty index */
		map->ps = patset_build(map->m, map->pats.v, 0, err);
	} else {
		map->ps = patset_build(map->m, map->pats.v, map->pats.n, err);
	}
	if (!map->ps) {
		smp_map_free(map);
		return NULL;
	}
	return map;
}

const struct acl_pattern *
smp_map_pattern_at(const struct smp_map *map, size_t i)
{
	return i < map->pats.n ? &map->pats.v[i] : NULL;
}

/* One line (NUL-terminated, newline removed); 0, or -1 with *err. */
static int
map_line(struct smp_map *map, char *c, int lineno, const char *name,
         enum map_out out, char **err)
{
	while (*c == ' ' || *c == '\t')
		c++;
	if (*c == '#' || *c == '\0')
		return 0;
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

	struct acl_pattern p;
	char *e = NULL;
	if (acl_pattern_parse(map->m, false, key, false, false, &p, &e) < 0) {
		*err = xasprintf("%s at line %d of file '%s'", e, lineno, name);
		free(e);
		return -1;
	}
	struct smp_map_entry me = { .key = xstrdup(key), .value = xstrdup(val) };
	if (!parse_value(out, &me)) {
		*err = xasprintf("unable to parse value '%s' (%s expected) at line %d of file '%s'",
		                 val, out == MAP_OUT_INT ? "integer" : "IP address",
		                 lineno, name);
		free(me.key);
		free(me.value);
		acl_pattern_clear(&p);
		return -1;
	}
	VEC_PUSH(map->pats, p);
	VEC_PUSH(map->ents, me);
	return 0;
}

struct smp_map *
smp_map_parse(const char *name, const char *text, size_t len,
              enum acl_match m, bool regm, enum map_out out, char **err)
{
	struct smp_map *map = xcalloc(1, sizeof(*map));
	map->m = regm ? ACL_M_REG : m;
	size_t pos = 0;
	int lineno = 0;
	char *line = NULL;
	size_t cap = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - text - pos) : len - pos;
		lineno++;
		if (l + 1 > cap) {
			cap = l + 1;
			line = xrealloc(line, cap);
		}
		memcpy(line, text + pos, l);
		line[l] = '\0';
		/* a NUL or CR ends the line as in HAProxy's reader */
		line[strcspn(line, "\r")] = '\0';
		pos += l + (nl ? 1 : 0);
		if (map_line(map, line, lineno, name, out, err) < 0)
			goto fail;
	}
	free(line);
	map->ps = patset_build(map->m, map->pats.v, map->pats.n, err);
	if (!map->ps)
		goto fail_nofree;
	return map;
fail:
	free(line);
fail_nofree:
	smp_map_free(map);
	return NULL;
}

struct smp_map *
smp_map_load(const char *file, enum acl_match m, bool regm, enum map_out out,
             char **err)
{
	FILE *f = fopen(file, "r");
	struct sbuf b = { 0 };
	char buf[4096];
	size_t n;

	if (!f) {
		*err = xasprintf("failed to open pattern file <%s>", file);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_addn(&b, buf, n);
	fclose(f);
	struct smp_map *map = smp_map_parse(file, b.s ? b.s : "", b.len, m, regm,
	                                    out, err);
	free(b.s);
	return map;
}

const struct smp_map_entry *
smp_map_lookup(const struct smp_map *map, struct smp_run *run,
               const struct smp_val *v, size_t *caps, int ncaps)
{
	long i = patset_lookup(map->ps, run, v, caps, ncaps);
	return i >= 0 ? &map->ents.v[i] : NULL;
}

size_t
smp_map_size(const struct smp_map *map)
{
	return map ? map->ents.n : 0;
}

const struct smp_map_entry *
smp_map_entry_at(const struct smp_map *map, size_t i)
{
	return i < map->ents.n ? &map->ents.v[i] : NULL;
}
