/* libFuzzer target for proto/clienthello: parses every prefix of the input,
 * each from an exact-size copy so ASan sees any read past len, and checks
 * the contract of clienthello.h:
 *  - once a prefix gives a final answer (not NEED_MORE), every longer
 *    prefix gives the same answer, and for OK the same info;
 *  - OK means consumed <= len and the hello lies inside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/clienthello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ch_info first, ci;
	enum ch_result final = CH_NEED_MORE;

	/* every prefix is O(size^2): keep inputs a realistic hello's size */
	if (size > 20000)
		return 0;
	for (size_t n = 0; n <= size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		enum ch_result r;

		memcpy(copy, data, n);
		r = ch_parse(copy, n, &ci);
		free(copy);
		if (r < CH_NEED_MORE || r > CH_TOO_LARGE)
			abort();
		if (final == CH_NEED_MORE) {
			final = r;
			if (r == CH_OK) {
				if (ci.consumed > n || ci.consumed < ci.hello_len ||
				    ci.sni_len >= sizeof(ci.sni) || ci.nalpn > CH_MAX_ALPN ||
				    ci.nversions > CH_MAX_VERSIONS ||
				    ci.nkey_shares > CH_MAX_SHARES)
					abort();
				first = ci;
			}
			continue;
		}
		if (r != final)
			abort();
		if (r == CH_OK && memcmp(&ci, &first, sizeof(ci)) != 0)
			abort();
	}
	return 0;
}
