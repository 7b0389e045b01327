/* XXH64 (lib/xxhash.h). */
#include "lib/xxhash.h"

#define P1 11400714785074694791ull
#define P2 14029467366897019727ull
#define P3 1609587929392839161ull
#define P4 9650029242287828579ull
#define P5 2870177450012600261ull

#define ROTL64(x, r) (((x) << (r)) | ((x) >> (64 - (r))))

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint64_t
round64(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = ROTL64(acc, 31);
	return acc * P1;
}

static uint64_t
merge64(uint64_t acc, uint64_t val)
{
	acc ^= round64(0, val);
	return acc * P1 + P4;
}

uint64_t
hash_xxh64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t h;
	if (len >= 32) {
		uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed,
		         v4 = seed - P1;
		do {
			v1 = round64(v1, rd64(p)); p += 8;
			v2 = round64(v2, rd64(p)); p += 8;
			v3 = round64(v3, rd64(p)); p += 8;
			v4 = round64(v4, rd64(p)); p += 8;
		} while (p + 32 <= end);
		h = ROTL64(v1, 1) + ROTL64(v2, 7) + ROTL64(v3, 12) + ROTL64(v4, 18);
		h = merge64(h, v1);
		h = merge64(h, v2);
		h = merge64(h, v3);
		h = merge64(h, v4);
	} else {
		h = seed + P5;
	}
	h += (uint64_t)len;
	for (; p + 8 <= end; p += 8) {
		h ^= round64(0, rd64(p));
		h = ROTL64(h, 27) * P1 + P4;
	}
	if (p + 4 <= end) {
		h ^= (uint64_t)rd32(p) * P1;
		h = ROTL64(h, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= *p * P5;
		h = ROTL64(h, 11) * P1;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}
