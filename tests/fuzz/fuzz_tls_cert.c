/* libFuzzer target: what the stats socket's certificate commands read
 * from their clients. The first byte picks the reader: a crt-list line
 * ("add ssl crt-list" payload) parsed then written back as "show ssl
 * crt-list" does, or a "set ssl cert" payload (PEM certificate + chain +
 * key, a lone key, a base64 OCSP response) applied to an empty
 * certificate then shown as "show ssl cert" does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tls_cert.h"
#include "engine/tls_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0] % 4;
	/* a payload may hold NUL bytes: its length is size - 1 */
	char *text = malloc(size);
	char *err = NULL;
	struct sbuf out = { 0 };

	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	if (sel == 0) {
		struct tls_crtlist_entry e = { 0 };
		struct tls_cert c = { 0 };
		char *crt = NULL;
		if (tls_crtlist_parse_line(text, NULL, &crt, &e, &err) == 0 && crt) {
			c.path = crt;
			e.cert = &c;
			tls_crtlist_format(&e, true, &out);
		}
		free(crt);
		sslo_bind_conf_clear(&e.conf);
		for (size_t i = 0; i < e.filters.n; i++)
			free(e.filters.v[i]);
		free(e.filters.v);
	} else {
		static const enum tls_part parts[] = { TLS_PART_PEM, TLS_PART_KEY, TLS_PART_OCSP };
		struct tls_cert *c = calloc(1, sizeof(*c));
		if (c) {
			c->path = strdup("fuzz.pem");
			if (tls_cert_apply(c, parts[sel - 1], "fuzz.pem", text, size - 1, &err) == 0) {
				tls_cert_details(c, "fuzz.pem", false, &out);
				tls_ocsp_text(c->ocsp, c->ocsp_len, &out);
			}
			tls_cert_free(c);
		}
	}
	free(out.s);
	free(err);
	free(text);
	return 0;
}
