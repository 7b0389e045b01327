/* XXH64 (Yann Collet's xxHash, 64-bit variant): the hash HAProxy uses
 * for its xxh64 converter and its dynamic persistence cookies. */
#ifndef SLUICE_LIB_XXHASH_H
#define SLUICE_LIB_XXHASH_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 of p[0..len) with seed, as XXH64() of the reference library
 * (input read little-endian whatever the host). */
uint64_t hash_xxh64(const void *p, size_t len, uint64_t seed);

#endif
