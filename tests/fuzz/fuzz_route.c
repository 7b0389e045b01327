/* libFuzzer target for the "show route" arguments (stats/route_sim.c):
 * the input is one CLI line split on spaces; arguments that parse must
 * give a ClientHello that proto/clienthello parses back to the same SNI
 * and ALPN list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/clienthello.h"
#include "stats/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ch_info ci;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *w[64];
	int n = 0;
	memcpy(line, data, size);
	line[size] = '\0';
	for (char *t = strtok(line, " "); t && n < 64; t = strtok(NULL, " "))
		w[n++] = t;

	struct route_req r;
	const char *err = NULL;
	if (route_parse_args(w, n, &r, &err) == 0) {
		uint8_t buf[2048];
		size_t len = route_hello_build(buf, sizeof(buf), r.sni, r.alpn);
		if (len > 0) {
			if (ch_parse(buf, len, &ci) != CH_OK)
				abort();
			if (r.sni[0] && (!ci.has_sni || strcmp(ci.sni, r.sni) != 0))
				abort();
			if (!r.sni[0] && ci.has_sni)
				abort();
			if (r.alpn && r.alpn[0] && !ci.has_alpn)
				abort();
		}
	} else if (err == NULL) {
		abort();
	}
	free(line);
	return 0;
}
