/* HAProxy's hash functions for "hash-type" (its src/hash.c, re-written
 * from the algorithms' definitions): the same input must give the same
 * 32-bit value, so that a backend hashes keys to the same servers as
 * HAProxy does with the same server ids and weights. */
#include <stdint.h>

#include "engine/lb.h"

/* sdbm: h = c + (h << 6) + (h << 16) - h, from 0. */
uint32_t
lb_hash_sdbm(const void *p, size_t len)
{
	const unsigned char *k = p;
	uint32_t h = 0;

	while (len--)
		h = *k++ + (h << 6) + (h << 16) - h;
	return h;
}

/* djb2: h = h * 33 + c, from 5381. */
uint32_t
lb_hash_djb2(const void *p, size_t len)
{
	const unsigned char *k = p;
	uint32_t h = 5381;

	while (len--)
		h = ((h << 5) + h) + *k++;
	return h;
}

/* Rotation that is defined for n == 0 (HAProxy writes x >> (32 - n),
 * which gives x | x = x on the CPUs it runs on). */
static inline uint32_t
rotl32(uint32_t x, unsigned n)
{
	n &= 31;
	return n ? (x << n) | (x >> (32 - n)) : x;
}

/* wt6, designed for HAProxy: two state words mixed with data-dependent
 * rotations. */
uint32_t
lb_hash_wt6(const void *p, size_t len)
{
	const unsigned char *k = p;
	uint32_t h0 = 0xa53c965aU, h1 = 0x5ca6953aU;
	unsigned step0 = 6, step1 = 18;

	for (; len > 0; len--) {
		uint32_t t = *k++;

		h0 = ~(h0 ^ t);
		h1 = ~(h1 + t);
		t = rotl32(h1, step0);
		h1 = rotl32(h0, step1);
		h0 = t;
		t = ((h0 >> 16) ^ h1) & 0xffff;
		step0 = t & 0x1f;
		step1 = t >> 11;
	}
	return h0 ^ h1;
}

/* The Ethernet/zlib CRC32 (reflected polynomial 0xedb88320). */
uint32_t
lb_hash_crc32(const void *p, size_t len)
{
	const unsigned char *k = p;
	uint32_t h = 0xffffffffU;

	while (len--) {
		h ^= *k++;
		for (int bit = 0; bit < 8; bit++)
			h = (h >> 1) ^ ((h & 1) ? 0xedb88320U : 0);
	}
	return ~h;
}

/* Bob Jenkins' 32-bit full avalanche integer hash, then a multiplication
 * by a prime close to 3/4 of 2^32 to spread values over the ring (the
 * "avalanche" modifier, and the key of consistent-hash points). */
uint32_t
lb_full_hash(uint32_t a)
{
	a = (a + 0x7ed55d16U) + (a << 12);
	a = (a ^ 0xc761c23cU) ^ (a >> 19);
	a = (a + 0x165667b1U) + (a << 5);
	a = (a + 0xd3a2646cU) ^ (a << 9);
	a = (a + 0xfd7046c5U) + (a << 3);
	a = (a ^ 0xb55a4f09U) ^ (a >> 16);
	return a * 3221225473U;
}
