/* libFuzzer target for the map-file loader and the pattern sets behind
 * map_* converters (engine/maps.c, engine/match_rt.c). The first byte
 * picks the match method and the output type, the rest is the file. Every
 * accepted file must be usable: each key is looked up (as a string, an
 * integer or an address, as the method wants) and must find an entry;
 * for exact strings, the first entry of that key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/smp_rt.h"
#include "parser/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum acl_match methods[] = {
	ACL_M_STR, ACL_M_BEG, ACL_M_SUB, ACL_M_DIR, ACL_M_DOM, ACL_M_END,
	ACL_M_REG, ACL_M_REG /* regm */, ACL_M_INT, ACL_M_IP,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	/* a file read while starting, but no DNS server is asked */
	addr_set_numeric_only(true);
	size_t mi = data[0] % ARRAY_SIZE(methods);
	enum acl_match m = methods[mi];
	bool regm = mi == 7;
	enum map_out out = (enum map_out)((data[0] / ARRAY_SIZE(methods)) % 3);
	char *err = NULL;
	struct smp_map *map = smp_map_parse("fuzz.map", (const char *)data + 1,
	                                    size - 1, m, regm, out, &err);
	if (!map) {
		if (!err)
			abort();
		free(err);
		return 0;
	}
	struct smp_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	struct smp_run run;
	smp_run_init(&run, &ctx);
	size_t caps[20];
	/* a key finds an entry: exact strings their first entry, prefixes
	 * and suffixes one as long as the key */
	for (size_t i = 0; i < smp_map_size(map); i++) {
		const struct smp_map_entry *k = smp_map_entry_at(map, i);
		if (m != ACL_M_STR && m != ACL_M_BEG && m != ACL_M_END && m != ACL_M_SUB)
			break;
		struct smp_val v;
		memset(&v, 0, sizeof(v));
		v.type = SMP_T_STR;
		v.ptr = k->key;
		v.len = strlen(k->key);
		const struct smp_map_entry *e = smp_map_lookup(map, &run, &v, NULL, 0);
		if (!e)
			abort();
		if ((m == ACL_M_STR || m == ACL_M_BEG) && strcmp(e->key, k->key) != 0)
			abort();
		if (m == ACL_M_STR) {
			size_t j = 0;
			while (strcmp(smp_map_entry_at(map, j)->key, k->key))
				j++;
			if (e != smp_map_entry_at(map, j))
				abort();
		}
	}
	/* a few probes must not crash whatever they find */
	static const char *const probes[] = { "", "a", "10.0.0.1", "::1", "42",
	                                      "www.example.com", "/a/b" };
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		struct smp_val v;
		memset(&v, 0, sizeof(v));
		v.type = SMP_T_STR;
		v.ptr = probes[i];
		v.len = strlen(probes[i]);
		if (!smp_cast(&run, &v, acl_match_input(m == ACL_M_REG ? ACL_M_STR : m)))
			continue;
		const struct smp_map_entry *e = smp_map_lookup(map, &run, &v, regm ? caps : NULL, 10);
		if (e && (!e->key || !e->value))
			abort();
	}
	smp_run_done(&run);
	smp_map_free(map);
	return 0;
}
