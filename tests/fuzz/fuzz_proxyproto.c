/* libFuzzer target for proto/proxyproto: parses every prefix of the input
 * from an exact-size copy (ASan catches reads past len) and checks that
 *  - a final answer never changes with more bytes, nor does an OK's info;
 *  - an OK header's TLV area walks to its exact end;
 *  - the addresses of an OK header survive a build/parse round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Builds a header of pi's addresses with the same version, parses it back
 * and compares the addresses. */
static void
round_trip(const struct pp_info *pi)
{
	uint8_t buf[256];
	struct pp_info back;
	int n;

	if (pi->local || (pi->family != AF_INET && pi->family != AF_INET6))
		return;
	if (pi->version == 1)
		n = pp_build_v1((char *)buf, sizeof(buf), (const struct sockaddr *)&pi->src,
		    (const struct sockaddr *)&pi->dst);
	else
		n = pp_build_v2(buf, sizeof(buf), (const struct sockaddr *)&pi->src,
		    (const struct sockaddr *)&pi->dst, NULL);
	if (n <= 0 || pp_parse(buf, (size_t)n, &back) != PP_OK || back.consumed != (size_t)n ||
	    back.family != pi->family ||
	    memcmp(&back.src, &pi->src, sizeof(back.src)) != 0 ||
	    memcmp(&back.dst, &pi->dst, sizeof(back.dst)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pp_info first, pi;
	enum pp_result final = PP_NEED_MORE;

	if (size > 70000)
		return 0;
	for (size_t n = 0; n <= size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		enum pp_result r;

		memcpy(copy, data, n);
		r = pp_parse(copy, n, &pi);
		if (r == PP_OK && final == PP_NEED_MORE) {
			size_t pos = 0;
			uint8_t t;
			struct pp_span v;

			if (pi.consumed > n || pi.tlvs.off + pi.tlvs.len > pi.consumed)
				abort();
			while (pp_tlv_next(copy, pi.tlvs, &pos, &t, &v))
				if (v.off + v.len > pi.consumed)
					abort();
			if (pos != pi.tlvs.len)
				abort();
		}
		free(copy);
		if (r < PP_NEED_MORE || r > PP_MALFORMED)
			abort();
		if (final == PP_NEED_MORE) {
			final = r;
			if (r == PP_OK) {
				first = pi;
				round_trip(&pi);
			}
			continue;
		}
		if (r != final || (r == PP_OK && memcmp(&pi, &first, sizeof(pi)) != 0))
			abort();
	}
	return 0;
}
