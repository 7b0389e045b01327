/* libFuzzer target for what the stats socket feeds the pattern references
 * (engine/patref.c): an "add map" payload split into entries, each checked
 * then added, then published, edited (set, del by key and by pointer,
 * versions, clear) and published again. The first byte picks the match
 * method and the value type. Invariants: an entry that passed the check
 * always compiles (publish never fails), the compiled snapshot holds
 * exactly the entries of the current version, and an exact-string key
 * finds an entry with that key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/patref.h"
#include "parser/acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum acl_match methods[] = {
	ACL_M_STR, ACL_M_BEG, ACL_M_SUB, ACL_M_DIR, ACL_M_DOM, ACL_M_END,
	ACL_M_REG, ACL_M_REG /* regm */, ACL_M_INT, ACL_M_IP, ACL_M_LEN,
};

static size_t
current(const struct patref *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->elts.n; i++)
		n += r->elts.v[i]->gen == r->curr_ver;
	return n;
}

static void
publish_ok(struct patref *r, struct patref_user *u)
{
	char *err = NULL;
	if (patref_publish(r, &err) < 0)
		abort();
	const struct smp_map *m = patref_acquire(u);
	if (smp_map_size(m) != current(r))
		abort();
	patref_release(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	/* entries arrive at run time: no name is looked up */
	acl_pattern_freeze_names();
	size_t mi = data[0] % (sizeof(methods) / sizeof(methods[0]));
	struct smp_map_kind k = {
		.m = methods[mi], .regm = mi == 7, .values = true,
		.out = (enum map_out)((data[0] / 16) % 3),
	};
	struct patref_reg *reg = calloc(1, sizeof(*reg));
	struct patref *r = patref_inline(reg, -1);
	r->two_cols = true;
	char *err = NULL;
	struct patref_user *u = patref_user_get(r, &k, &err);
	if (!u)
		abort(); /* nothing to compile yet */

	char *buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	char *p = buf, *key, *value;
	int rc;
	while ((rc = patref_payload_next(&p, &key, &value)) > 0) {
		if (patref_check(r, key, value, &err) < 0) {
			if (!err)
				abort();
			free(err);
			err = NULL;
			continue;
		}
		patref_add(r, r->curr_ver, key, value);
	}
	free(buf);
	publish_ok(r, u);

	/* exact strings find an entry of their key */
	if (k.m == ACL_M_STR && !k.regm) {
		struct smp_ctx ctx;
		struct smp_run run;
		memset(&ctx, 0, sizeof(ctx));
		smp_run_init(&run, &ctx);
		for (size_t i = 0; i < r->elts.n; i++) {
			struct smp_val v;
			memset(&v, 0, sizeof(v));
			v.type = SMP_T_STR;
			v.ptr = r->elts.v[i]->key;
			v.len = strlen(v.ptr);
			const struct smp_map *m = patref_acquire(u);
			const struct smp_map_entry *e = smp_map_lookup(m, &run, &v, NULL, 0);
			if (!e || strcmp(e->key, v.ptr))
				abort();
			patref_release(u);
		}
		smp_run_done(&run);
	}

	/* edits: a new version with half the keys, by pointer and by key */
	unsigned gen = patref_prepare(r);
	size_t n = r->elts.n;
	for (size_t i = 0; i < n; i += 2)
		patref_add(r, gen, r->elts.v[i]->key, r->elts.v[i]->value);
	if (n) {
		char ptr[32];
		snprintf(ptr, sizeof(ptr), "%p", (void *)r->elts.v[0]);
		if (patref_elt_by_ptr(r, ptr) != r->elts.v[0])
			abort();
		if (patref_check(r, r->elts.v[0]->key, r->elts.v[0]->value, &err) < 0)
			abort();
		patref_set(r, r->elts.v[0], NULL, r->elts.v[0]->value);
		char *k0 = strdup(r->elts.v[n - 1]->key);
		patref_del(r, NULL, k0);
		free(k0);
	}
	publish_ok(r, u);
	if (patref_commit(r, gen) < 0)
		abort();
	publish_ok(r, u);
	patref_clear(r, r->curr_ver);
	publish_ok(r, u);
	if (r->elts.n != 0)
		abort();
	patref_reg_free(reg);
	return 0;
}
