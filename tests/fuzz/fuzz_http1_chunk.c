/* libFuzzer target for proto/http1_chunk: the input fed whole and in
 * pieces (sizes from its first byte) must give the same verdict at the
 * same offset, and *used never exceeds what was given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1_chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)(data[0] % 16) + 1;
	data++;
	size--;
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct h1c a, b;
	h1c_init(&a, 256);
	h1c_init(&b, 256);
	size_t ua = 0;
	enum h1c_result ra = h1c_feed(&a, buf, size, &ua);
	if (ua > size || (ra == H1C_NEED_MORE && ua != size))
		abort();
	size_t off = 0, total = 0;
	enum h1c_result rb = H1C_NEED_MORE;
	while (off < size) {
		size_t n = size - off > step ? step : size - off;
		size_t u = 0;
		rb = h1c_feed(&b, buf + off, n, &u);
		if (u > n)
			abort();
		total += u;
		off += n;
		if (rb != H1C_NEED_MORE)
			break;
	}
	if (size && (ra != rb || total != ua))
		abort();
	free(buf);
	return 0;
}
