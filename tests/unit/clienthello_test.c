/* proto/clienthello: annotated byte fixtures (hand-written below, real
 * captures in tests/fixtures/clienthello/captured.h), prefixes, record
 * fragmentation, size limits and every kind of malformation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/clienthello.h"
#include "tests/fixtures/clienthello/captured.h"

/* 32 bytes of "random" */
#define RANDOM32                                                              \
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,     \
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,     \
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f

/* TLS 1.2 style minimal hello with SNI example.com. */
static const uint8_t ch_min_sni[] = {
	0x16, 0x03, 0x01, 0x00, 0x43,	/* record: handshake, TLS 1.0, length 67 */
	0x01, 0x00, 0x00, 0x3f,		/* handshake: client_hello, length 63 */
	0x03, 0x03,			/* legacy_version TLS 1.2 */
	RANDOM32,			/* random */
	0x00,				/* session id length 0 */
	0x00, 0x02, 0x13, 0x01,		/* cipher suites: 2 bytes, TLS_AES_128_GCM_SHA256 */
	0x01, 0x00,			/* compression methods: 1, null */
	0x00, 0x14,			/* extensions length 20 */
	0x00, 0x00, 0x00, 0x10,		/* ext server_name, length 16 */
	0x00, 0x0e,			/*   server_name_list length 14 */
	0x00, 0x00, 0x0b,		/*   host_name, length 11 */
	'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
};

/* No SNI; supported_groups (req.ssl_ec_ext) and an empty session_ticket. */
static const uint8_t ch_no_sni[] = {
	0x16, 0x03, 0x01, 0x00, 0x3b,	/* record: handshake, length 59 */
	0x01, 0x00, 0x00, 0x37,		/* client_hello, length 55 */
	0x03, 0x03,			/* legacy_version TLS 1.2 */
	RANDOM32,
	0x00,				/* session id length 0 */
	0x00, 0x02, 0xc0, 0x2f,		/* cipher suites: ECDHE-RSA-AES128-GCM-SHA256 */
	0x01, 0x00,			/* compression: null */
	0x00, 0x0c,			/* extensions length 12 */
	0x00, 0x0a, 0x00, 0x04,		/* ext supported_groups, length 4 */
	0x00, 0x02, 0x00, 0x1d,		/*   list length 2: x25519 */
	0x00, 0x23, 0x00, 0x00,		/* ext session_ticket, empty */
};

/* No extensions at all (valid up to TLS 1.2), legacy_version TLS 1.0. */
static const uint8_t ch_no_ext[] = {
	0x16, 0x03, 0x01, 0x00, 0x2d,	/* record: handshake, length 45 */
	0x01, 0x00, 0x00, 0x29,		/* client_hello, length 41 */
	0x03, 0x01,			/* legacy_version TLS 1.0 */
	RANDOM32,
	0x00,				/* session id length 0 */
	0x00, 0x02, 0x00, 0x2f,		/* cipher suites: AES128-SHA */
	0x01, 0x00,			/* compression: null */
};

/* SNI a.test and ALPN h2,http/1.1. */
static const uint8_t ch_alpn[] = {
	0x16, 0x03, 0x01, 0x00, 0x50,	/* record: handshake, length 80 */
	0x01, 0x00, 0x00, 0x4c,		/* client_hello, length 76 */
	0x03, 0x03,			/* legacy_version TLS 1.2 */
	RANDOM32,
	0x00,				/* session id length 0 */
	0x00, 0x02, 0x13, 0x01,		/* cipher suites */
	0x01, 0x00,			/* compression: null */
	0x00, 0x21,			/* extensions length 33 */
	0x00, 0x00, 0x00, 0x0b,		/* ext server_name, length 11 */
	0x00, 0x09, 0x00, 0x00, 0x06,	/*   list 9, host_name length 6 */
	'a', '.', 't', 'e', 's', 't',
	0x00, 0x10, 0x00, 0x0e,		/* ext alpn, length 14 */
	0x00, 0x0c,			/*   protocol_name_list length 12 */
	0x02, 'h', '2',			/*   "h2" */
	0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',	/* "http/1.1" */
};

/* TLS 1.3: 32-byte legacy session id, supported_versions and key_share. */
static const uint8_t ch_tls13[] = {
	0x16, 0x03, 0x01, 0x00, 0xa6,	/* record: handshake, length 166 */
	0x01, 0x00, 0x00, 0xa2,		/* client_hello, length 162 */
	0x03, 0x03,			/* legacy_version TLS 1.2 (as TLS 1.3 sends) */
	RANDOM32,
	0x20, RANDOM32,			/* legacy_session_id: 32 bytes */
	0x00, 0x06, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03,	/* 3 TLS 1.3 suites */
	0x01, 0x00,			/* compression: null */
	0x00, 0x53,			/* extensions length 83 */
	0x00, 0x00, 0x00, 0x12,		/* ext server_name, length 18 */
	0x00, 0x10, 0x00, 0x00, 0x0d,	/*   list 16, host_name length 13 */
	't', 'l', 's', '1', '3', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x00, 0x0a, 0x00, 0x06,		/* ext supported_groups, length 6 */
	0x00, 0x04, 0x00, 0x1d, 0x00, 0x17,	/* x25519, secp256r1 */
	0x00, 0x2b, 0x00, 0x05,		/* ext supported_versions, length 5 */
	0x04, 0x03, 0x04, 0x03, 0x03,	/*   list 4: TLS 1.3, TLS 1.2 */
	0x00, 0x33, 0x00, 0x26,		/* ext key_share, length 38 */
	0x00, 0x24,			/*   client_shares length 36 */
	0x00, 0x1d, 0x00, 0x20,		/*   x25519, key_exchange length 32 */
	RANDOM32,
};

/* ECH outer hello with early_data; the outer SNI is the public name. */
static const uint8_t ch_ech_early[] = {
	0x16, 0x03, 0x01, 0x00, 0x5d,	/* record: handshake, length 93 */
	0x01, 0x00, 0x00, 0x59,		/* client_hello, length 89 */
	0x03, 0x03,
	RANDOM32,
	0x00,				/* session id length 0 */
	0x00, 0x02, 0x13, 0x01,		/* cipher suites */
	0x01, 0x00,			/* compression: null */
	0x00, 0x2e,			/* extensions length 46 */
	0x00, 0x00, 0x00, 0x13,		/* ext server_name, length 19 */
	0x00, 0x11, 0x00, 0x00, 0x0e,	/*   list 17, host_name length 14 */
	'p', 'u', 'b', 'l', 'i', 'c', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x00, 0x2a, 0x00, 0x00,		/* ext early_data, empty */
	0xfe, 0x0d, 0x00, 0x0f,		/* ext encrypted_client_hello, length 15 */
	0x00,				/*   type outer */
	0x00, 0x01, 0x00, 0x01,		/*   HKDF-SHA256, AES-128-GCM */
	0x2a,				/*   config_id */
	0x00, 0x02, 0xaa, 0xbb,		/*   enc, 2 bytes */
	0x00, 0x03, 0x01, 0x02, 0x03,	/*   payload, 3 bytes */
};

/* SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2) offering TLS 1.0. */
static const uint8_t ch_sslv2[] = {
	0x80, 0x2f,			/* 2-byte header, high bit: length 47 */
	0x01,				/* msg_type CLIENT-HELLO */
	0x03, 0x01,			/* version TLS 1.0 */
	0x00, 0x06,			/* cipher_spec_length 6 (2 specs of 3 bytes) */
	0x00, 0x00,			/* session_id_length 0 */
	0x00, 0x20,			/* challenge_length 32 */
	0x00, 0x00, 0x2f, 0x00, 0x00, 0x35,	/* cipher specs */
	RANDOM32,			/* challenge */
};

static enum ch_result
parse(const uint8_t *b, size_t n, struct ch_info *ci)
{
	return ch_parse(b, n, ci);
}

/* Expects result r for the whole buffer and NEED_MORE for every prefix
 * (r == OK only: a malformed buffer may be caught early). */
static void
expect_prefixes(const uint8_t *b, size_t n, enum ch_result r)
{
	struct ch_info *full = malloc(sizeof(*full)), *ci = malloc(sizeof(*ci));

	ck_assert_str_eq(ch_result_name(ch_parse(b, n, full)), ch_result_name(r));
	for (size_t i = 0; i < n; i++) {
		enum ch_result got = ch_parse(b, i, ci);
		if (got != CH_NEED_MORE)
			ck_abort_msg("prefix %zu of %zu: %s", i, n, ch_result_name(got));
	}
	/* bytes after the hello change nothing */
	if (r == CH_OK) {
		uint8_t *more = malloc(n + 7);
		memcpy(more, b, n);
		memcpy(more + n, "\x14\x03\x03\x00\x01\x01\x17", 7);
		ck_assert_int_eq(ch_parse(more, n + 7, ci), CH_OK);
		ck_assert(memcmp(ci, full, sizeof(*ci)) == 0);
		free(more);
	}
	free(full);
	free(ci);
}

/* Rewrites the single-record hello in into records of at most frag payload
 * bytes (the last record header keeps in's version). Returns the length. */
static size_t
refragment(const uint8_t *in, size_t inlen, size_t frag, uint8_t *out)
{
	size_t o = 0;

	for (size_t p = 5; p < inlen; p += frag) {
		size_t k = inlen - p < frag ? inlen - p : frag;
		memcpy(out + o, in, 3);
		out[o + 3] = (uint8_t)(k >> 8);
		out[o + 4] = (uint8_t)k;
		memcpy(out + o + 5, in + p, k);
		o += 5 + k;
	}
	return o;
}

/* Wraps extensions ext[0..elen) into a TLS 1.2 hello (one suite, no
 * session id), split in records of at most 16384 bytes. */
static size_t
mk_hello(const uint8_t *ext, size_t elen, uint8_t *out)
{
	static const uint8_t head[] = {
		0x03, 0x03, RANDOM32, 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00,
	};
	size_t body = sizeof(head) + 2 + elen, msg = 4 + body;
	uint8_t *m = malloc(5 + msg);

	m[0] = 0x16, m[1] = 0x03, m[2] = 0x01, m[3] = 0, m[4] = 0;
	m[5] = 0x01;
	m[6] = (uint8_t)(body >> 16), m[7] = (uint8_t)(body >> 8), m[8] = (uint8_t)body;
	memcpy(m + 9, head, sizeof(head));
	m[9 + sizeof(head)] = (uint8_t)(elen >> 8);
	m[10 + sizeof(head)] = (uint8_t)elen;
	memcpy(m + 11 + sizeof(head), ext, elen);
	size_t n = refragment(m, 5 + msg, 16384, out);
	free(m);
	return n;
}

START_TEST(minimal_sni)
{
	struct ch_info ci;

	ck_assert_int_eq(parse(ch_min_sni, sizeof(ch_min_sni), &ci), CH_OK);
	ck_assert(ci.has_sni);
	ck_assert_str_eq(ci.sni, "example.com");
	ck_assert_int_eq(ci.sni_len, 11);
	ck_assert_int_eq(ci.record_version, 0x0301);
	ck_assert_int_eq(ci.hello_version, 0x0303);
	ck_assert_int_eq(ci.hs_type, 1);
	ck_assert_int_eq(ci.hello_len, 67);
	ck_assert_int_eq(ci.consumed, sizeof(ch_min_sni));
	ck_assert_int_eq(ci.nrecords, 1);
	ck_assert_int_eq(ci.ncipher_suites, 1);
	ck_assert_int_eq(ci.nextensions, 1);
	ck_assert(!ci.has_alpn && !ci.has_versions && !ci.has_ec_ext && !ci.sslv2);
	ck_assert_int_eq(ci.session_ticket, 0);
	expect_prefixes(ch_min_sni, sizeof(ch_min_sni), CH_OK);
}
END_TEST

START_TEST(no_sni)
{
	struct ch_info ci;

	ck_assert_int_eq(parse(ch_no_sni, sizeof(ch_no_sni), &ci), CH_OK);
	ck_assert(!ci.has_sni);
	ck_assert_str_eq(ci.sni, "");
	ck_assert(ci.has_ec_ext);
	ck_assert_int_eq(ci.session_ticket, 1);
	expect_prefixes(ch_no_sni, sizeof(ch_no_sni), CH_OK);

	ck_assert_int_eq(parse(ch_no_ext, sizeof(ch_no_ext), &ci), CH_OK);
	ck_assert(!ci.has_sni && !ci.has_ec_ext);
	ck_assert_int_eq(ci.hello_version, 0x0301);
	ck_assert_int_eq(ci.nextensions, 0);
	expect_prefixes(ch_no_ext, sizeof(ch_no_ext), CH_OK);
}
END_TEST

START_TEST(alpn)
{
	struct ch_info ci;

	ck_assert_int_eq(parse(ch_alpn, sizeof(ch_alpn), &ci), CH_OK);
	ck_assert_str_eq(ci.sni, "a.test");
	ck_assert(ci.has_alpn && !ci.alpn_truncated);
	ck_assert_int_eq(ci.nalpn, 2);
	ck_assert_int_eq(ci.alpn_len[0], 2);
	ck_assert(memcmp(ci.alpn_buf + ci.alpn_off[0], "h2", 2) == 0);
	ck_assert_int_eq(ci.alpn_len[1], 8);
	ck_assert(memcmp(ci.alpn_buf + ci.alpn_off[1], "http/1.1", 8) == 0);
	ck_assert(ch_has_alpn(&ci, "h2", 2));
	ck_assert(ch_has_alpn(&ci, "http/1.1", 8));
	ck_assert(!ch_has_alpn(&ci, "http/1.0", 8));
	ck_assert(!ch_has_alpn(&ci, "h", 1));
	expect_prefixes(ch_alpn, sizeof(ch_alpn), CH_OK);
}
END_TEST

START_TEST(tls13)
{
	struct ch_info ci;

	ck_assert_int_eq(parse(ch_tls13, sizeof(ch_tls13), &ci), CH_OK);
	ck_assert_str_eq(ci.sni, "tls13.example");
	ck_assert(ci.has_versions);
	ck_assert_int_eq(ci.nversions, 2);
	ck_assert_int_eq(ci.versions[0], 0x0304);
	ck_assert_int_eq(ci.versions[1], 0x0303);
	ck_assert_int_eq(ci.nkey_shares, 1);
	ck_assert_int_eq(ci.key_shares[0], 0x001d);
	ck_assert_int_eq(ci.ncipher_suites, 3);
	ck_assert_int_eq(ci.nextensions, 4);
	ck_assert(ci.has_ec_ext && !ci.has_ech && !ci.has_early_data);
	expect_prefixes(ch_tls13, sizeof(ch_tls13), CH_OK);
}
END_TEST

START_TEST(ech_early_data)
{
	struct ch_info ci;

	ck_assert_int_eq(parse(ch_ech_early, sizeof(ch_ech_early), &ci), CH_OK);
	ck_assert(ci.has_ech && ci.has_early_data);
	ck_assert_str_eq(ci.sni, "public.example");
	expect_prefixes(ch_ech_early, sizeof(ch_ech_early), CH_OK);
}
END_TEST

START_TEST(captured)
{
	struct ch_info ci;

	/* openssl s_client -servername www.Example.test -alpn h2,http/1.1 */
	ck_assert_int_eq(parse(ch_openssl, sizeof(ch_openssl), &ci), CH_OK);
	ck_assert_str_eq(ci.sni, "www.Example.test");	/* case kept */
	ck_assert_int_eq(ci.nalpn, 2);
	ck_assert(ch_has_alpn(&ci, "h2", 2) && ch_has_alpn(&ci, "http/1.1", 8));
	ck_assert_int_eq(ci.nversions, 4);
	ck_assert_int_eq(ci.versions[0], 0x0304);
	ck_assert_int_eq(ci.session_ticket, 1);
	ck_assert(ci.has_ec_ext);
	ck_assert_int_eq(ci.nextensions, 11);
	ck_assert_int_eq(ci.consumed, 340);
	expect_prefixes(ch_openssl, sizeof(ch_openssl), CH_OK);

	/* curl 7.88.1 */
	ck_assert_int_eq(parse(ch_curl, sizeof(ch_curl), &ci), CH_OK);
	ck_assert_str_eq(ci.sni, "api.example.test");
	ck_assert_int_eq(ci.nalpn, 2);
	ck_assert_int_eq(ci.session_ticket, 0);
	ck_assert_int_eq(ci.nkey_shares, 1);
	ck_assert_int_eq(ci.nextensions, 12);
	ck_assert_int_eq(ci.consumed, 517);
	expect_prefixes(ch_curl, sizeof(ch_curl), CH_OK);

	/* Python ssl */
	ck_assert_int_eq(parse(ch_python, sizeof(ch_python), &ci), CH_OK);
	ck_assert_str_eq(ci.sni, "py.example.test");
	ck_assert_int_eq(ci.nalpn, 1);
	ck_assert(ch_has_alpn(&ci, "http/1.1", 8));
	ck_assert_int_eq(ci.nversions, 2);
	ck_assert_int_eq(ci.session_ticket, 1);
	expect_prefixes(ch_python, sizeof(ch_python), CH_OK);

	/* Chrome-shaped, X25519MLKEM768 share: GREASE values are kept as
	 * sent (they are for the server to ignore, not for us to drop) */
	ck_assert_int_eq(parse(ch_chrome_pq, sizeof(ch_chrome_pq), &ci), CH_OK);
	ck_assert_str_eq(ci.sni, "pq.example.test");
	ck_assert_int_eq(ci.nalpn, 2);
	ck_assert(ch_has_alpn(&ci, "h2", 2) && ch_has_alpn(&ci, "http/1.1", 8));
	ck_assert_int_eq(ci.nkey_shares, 3);
	ck_assert_int_eq(ci.key_shares[0], 0x2a2a);
	ck_assert_int_eq(ci.key_shares[1], 0x11ec);
	ck_assert_int_eq(ci.key_shares[2], 0x001d);
	ck_assert_int_eq(ci.nversions, 3);
	ck_assert_int_eq(ci.versions[1], 0x0304);
	ck_assert(ci.has_ech);
	ck_assert_int_eq(ci.ncipher_suites, 16);
	ck_assert_int_eq(ci.nextensions, 18);
	ck_assert_int_eq(ci.consumed, 1789);
	expect_prefixes(ch_chrome_pq, sizeof(ch_chrome_pq), CH_OK);
}
END_TEST

/* A post-quantum sized hello (~1.8 KB, as browsers offering
 * X25519MLKEM768 send), built from annotated parts. */
static size_t
mk_pq_hello(uint8_t *out)
{
	static const uint8_t sni[] = {
		0x00, 0x00, 0x00, 0x0f,		/* ext server_name, length 15 */
		0x00, 0x0d, 0x00, 0x00, 0x0a,	/*   list 13, host_name length 10 */
		'p', 'q', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2',	/* alpn h2 */
		0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,	/* supported_versions: 1.3 */
		0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x11, 0xec, 0x00, 0x1d,
						/* supported_groups: X25519MLKEM768, x25519 */
	};
	uint8_t *ext = calloc(1, 4096);
	size_t e = 0, ks;

	memcpy(ext, sni, sizeof(sni));
	e = sizeof(sni);
	/* key_share: X25519MLKEM768 (1216 bytes) then x25519 (32 bytes) */
	ks = 2 + (4 + 1216) + (4 + 32);
	ext[e++] = 0x00, ext[e++] = 0x33, ext[e++] = (uint8_t)(ks >> 8), ext[e++] = (uint8_t)ks;
	ext[e++] = (uint8_t)((ks - 2) >> 8), ext[e++] = (uint8_t)(ks - 2);
	ext[e++] = 0x11, ext[e++] = 0xec, ext[e++] = 0x04, ext[e++] = 0xc0;
	memset(ext + e, 0x5a, 1216);
	e += 1216;
	ext[e++] = 0x00, ext[e++] = 0x1d, ext[e++] = 0x00, ext[e++] = 0x20;
	memset(ext + e, 0xa5, 32);
	e += 32;
	/* padding (21) up to a 1800-byte stream */
	size_t pad = 1800 - 5 - 4 - 41 - 2 - e - 4;
	ext[e++] = 0x00, ext[e++] = 0x15, ext[e++] = (uint8_t)(pad >> 8), ext[e++] = (uint8_t)pad;
	e += pad;
	size_t n = mk_hello(ext, e, out);
	free(ext);
	return n;
}

START_TEST(post_quantum)
{
	uint8_t *b = malloc(4096);
	struct ch_info ci;
	size_t n = mk_pq_hello(b);

	ck_assert_int_eq(n, 1800);
	ck_assert_int_eq(parse(b, n, &ci), CH_OK);
	ck_assert_str_eq(ci.sni, "pq.example");
	ck_assert_int_eq(ci.nkey_shares, 2);
	ck_assert_int_eq(ci.key_shares[0], 0x11ec);
	ck_assert_int_eq(ci.key_shares[1], 0x001d);
	ck_assert_int_eq(ci.consumed, 1800);
	expect_prefixes(b, n, CH_OK);
	free(b);
}
END_TEST

/* The PQ hello in 3 records, in 1-byte records, and fragments of every
 * size: same info as in one record, except consumed and nrecords. */
START_TEST(several_records)
{
	uint8_t *one = malloc(4096), *many = malloc(4096 * 6);
	struct ch_info a, b;
	size_t n = mk_pq_hello(one), m;

	ck_assert_int_eq(parse(one, n, &a), CH_OK);
	m = refragment(one, n, (n - 5 + 2) / 3, many);
	ck_assert_int_eq(m, n + 10);
	ck_assert_int_eq(parse(many, m, &b), CH_OK);
	ck_assert_int_eq(b.nrecords, 3);
	ck_assert_int_eq(b.consumed, m);
	b.nrecords = a.nrecords;
	b.consumed = a.consumed;
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	expect_prefixes(many, m, CH_OK);

	/* handshake header split over records too: 1-byte records */
	m = refragment(ch_tls13, sizeof(ch_tls13), 1, many);
	ck_assert_int_eq(parse(many, m, &b), CH_OK);
	ck_assert_int_eq(b.nrecords, sizeof(ch_tls13) - 5);
	ck_assert_str_eq(b.sni, "tls13.example");
	expect_prefixes(many, m, CH_OK);

	for (size_t f = 1; f < sizeof(ch_alpn) - 5; f++) {
		m = refragment(ch_alpn, sizeof(ch_alpn), f, many);
		ck_assert_int_eq(parse(many, m, &b), CH_OK);
		ck_assert_int_eq(b.nalpn, 2);
		ck_assert_str_eq(b.sni, "a.test");
	}
	free(one);
	free(many);
}
END_TEST

START_TEST(size_limits)
{
	uint8_t *ext = calloc(1, 20000), *b = malloc(20100);
	struct ch_info ci;
	/* hello body of exactly 16384 bytes: two records (16384 + 4) */
	size_t e = 16384 - 41 - 2, n;

	ext[0] = 0x00, ext[1] = 0x15;		/* padding */
	ext[2] = (uint8_t)((e - 4) >> 8), ext[3] = (uint8_t)(e - 4);
	n = mk_hello(ext, e, b);
	ck_assert_int_eq(parse(b, n, &ci), CH_OK);
	ck_assert_int_eq(ci.hello_len, 16388);
	ck_assert_int_eq(ci.nrecords, 2);
	ck_assert_int_eq(ci.consumed, 16388 + 10);

	/* one more byte: TOO_LARGE as soon as the handshake header is seen */
	e++;
	ext[2] = (uint8_t)((e - 4) >> 8), ext[3] = (uint8_t)(e - 4);
	n = mk_hello(ext, e, b);
	ck_assert_int_eq(parse(b, n, &ci), CH_TOO_LARGE);
	ck_assert_int_eq(parse(b, 9, &ci), CH_TOO_LARGE);
	ck_assert_int_eq(parse(b, 8, &ci), CH_NEED_MORE);

	/* a record over 16384 + 2048 */
	static const uint8_t big[] = { 0x16, 0x03, 0x01, 0x48, 0x01 };
	ck_assert_int_eq(parse(big, 5, &ci), CH_TOO_LARGE);
	static const uint8_t ok_rec[] = { 0x16, 0x03, 0x01, 0x48, 0x00 };
	ck_assert_int_eq(parse(ok_rec, 5, &ci), CH_NEED_MORE);
	free(ext);
	free(b);
}
END_TEST

START_TEST(not_tls)
{
	struct ch_info ci;
	const char *get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	ck_assert_int_eq(parse((const uint8_t *)get, strlen(get), &ci), CH_NOT_TLS);
	ck_assert_int_eq(parse((const uint8_t *)get, 1, &ci), CH_NOT_TLS);
	ck_assert_int_eq(parse(NULL, 0, &ci), CH_NEED_MORE);
	ck_assert_int_eq(parse((const uint8_t *)"\x16", 1, &ci), CH_NEED_MORE);
	ck_assert_int_eq(parse((const uint8_t *)"\x16\x02", 2, &ci), CH_NOT_TLS);
	ck_assert_int_eq(parse((const uint8_t *)"\x16\x03", 2, &ci), CH_NEED_MORE);
	ck_assert_int_eq(parse((const uint8_t *)"\x17\x03\x03", 3, &ci), CH_NOT_TLS);
	/* SSH banner, and a high-bit byte that is no SSLv2 hello */
	ck_assert_int_eq(parse((const uint8_t *)"SSH-2.0-x\r\n", 11, &ci), CH_NOT_TLS);
	ck_assert_int_eq(parse((const uint8_t *)"\x80\x2e\x02", 3, &ci), CH_NOT_TLS);
}
END_TEST

START_TEST(sslv2)
{
	struct ch_info ci;

	ck_assert_int_eq(parse(ch_sslv2, sizeof(ch_sslv2), &ci), CH_OK);
	ck_assert(ci.sslv2 && !ci.has_sni);
	ck_assert_int_eq(ci.hello_version, 0x0301);
	ck_assert_int_eq(ci.consumed, sizeof(ch_sslv2));
	ck_assert_int_eq(ci.ncipher_suites, 2);
	expect_prefixes(ch_sslv2, sizeof(ch_sslv2), CH_OK);

	uint8_t b[sizeof(ch_sslv2)];
	memcpy(b, ch_sslv2, sizeof(b));
	b[6] = 0x07;		/* cipher_spec_length not a multiple of 3 */
	ck_assert_int_eq(parse(b, sizeof(b), &ci), CH_MALFORMED);
	memcpy(b, ch_sslv2, sizeof(b));
	b[10] = 0x0f;		/* challenge of 15 bytes */
	ck_assert_int_eq(parse(b, sizeof(b), &ci), CH_MALFORMED);
}
END_TEST

/* Copies fixture f, applies patch bytes (offset, value) and expects r. */
struct patch {
	size_t off;
	uint8_t v;
};

static enum ch_result
patched(const uint8_t *f, size_t n, const struct patch *p, int np, struct ch_info *ci)
{
	static uint8_t b[1024];

	memcpy(b, f, n);
	for (int i = 0; i < np; i++)
		b[p[i].off] = p[i].v;
	return ch_parse(b, n, ci);
}

#define PATCH(f, r, ...)                                                      \
	do {                                                                  \
		const struct patch p_[] = { __VA_ARGS__ };                    \
		ck_assert_str_eq(ch_result_name(patched(f, sizeof(f), p_,     \
		    (int)(sizeof(p_) / sizeof(p_[0])), &ci)), ch_result_name(r)); \
	} while (0)

/* Offsets in ch_min_sni: record 0, handshake 5, version 9, random 11,
 * session id length 43, suites 44, compression 48, extensions length 50,
 * server_name ext 52 (len 54), list length 56, name type 58, name length
 * 59, name 61. */
START_TEST(malformed)
{
	struct ch_info ci;

	/* ServerHello: MALFORMED, but the type is kept for req.ssl_hello_type */
	PATCH(ch_min_sni, CH_MALFORMED, { 5, 2 });
	ck_assert_int_eq(ci.hs_type, 2);
	ck_assert_int_eq(ch_parse(ch_min_sni, 6, &ci), CH_NEED_MORE);
	ck_assert_int_eq(ci.hs_type, 1);
	/* zero-length record */
	PATCH(ch_min_sni, CH_MALFORMED, { 4, 0 });
	/* handshake length shorter than any hello */
	PATCH(ch_min_sni, CH_MALFORMED, { 8, 10 });
	/* record longer than the hello: trailing bytes in it */
	PATCH(ch_min_sni, CH_MALFORMED, { 8, 0x3e });
	/* legacy_version 2.0 */
	PATCH(ch_min_sni, CH_MALFORMED, { 9, 2 });
	/* session id of 33 bytes */
	PATCH(ch_min_sni, CH_MALFORMED, { 43, 33 });
	/* odd cipher suites length, and zero */
	PATCH(ch_min_sni, CH_MALFORMED, { 45, 3 });
	PATCH(ch_min_sni, CH_MALFORMED, { 45, 0 });
	/* no compression method */
	PATCH(ch_min_sni, CH_MALFORMED, { 48, 0 });
	/* extensions length off by one both ways */
	PATCH(ch_min_sni, CH_MALFORMED, { 51, 0x13 });
	PATCH(ch_min_sni, CH_MALFORMED, { 51, 0x15 });
	/* extension overrunning the block */
	PATCH(ch_min_sni, CH_MALFORMED, { 55, 0x11 });
	/* SNI list length lying */
	PATCH(ch_min_sni, CH_MALFORMED, { 57, 0x0d });
	PATCH(ch_min_sni, CH_MALFORMED, { 57, 0x0f });
	/* host_name length overrunning the list, and too short (leftover
	 * bytes then read as a truncated entry) */
	PATCH(ch_min_sni, CH_MALFORMED, { 60, 0x0c });
	PATCH(ch_min_sni, CH_MALFORMED, { 60, 0x0a });
	/* empty host_name: length 0, rest parsed as another entry: still bad */
	PATCH(ch_min_sni, CH_MALFORMED, { 60, 0x00 });
	/* another name type is skipped: valid, no SNI */
	PATCH(ch_min_sni, CH_OK, { 58, 0x01 });
	ck_assert(!ci.has_sni);

	/* ch_alpn: ALPN ext at 67 (length 69), list length 71, "h2" length 73 */
	PATCH(ch_alpn, CH_MALFORMED, { 73, 0x00 });	/* empty protocol */
	PATCH(ch_alpn, CH_MALFORMED, { 73, 0x0a });	/* overruns list */
	PATCH(ch_alpn, CH_MALFORMED, { 72, 0x0b });	/* list length lies */
	/* duplicate extension: turn ALPN into a second server_name */
	PATCH(ch_alpn, CH_MALFORMED, { 68, 0x00 });

	/* ch_ech_early: early_data ext at 75, ECH ext at 79 (length 81) */
	/* early_data with content: early_data becomes 0x2c, ECH early_data */
	PATCH(ch_ech_early, CH_MALFORMED, { 76, 0x2c }, { 79, 0x00 }, { 80, 0x2a });
	/* pre_shared_key (41) that is not last: early_data becomes 41 */
	PATCH(ch_ech_early, CH_MALFORMED, { 76, 0x29 });
	/* ...and as the last extension it is fine: ECH becomes 41 */
	PATCH(ch_ech_early, CH_OK, { 79, 0x00 }, { 80, 0x29 });
	ck_assert(ci.has_early_data && !ci.has_ech);

	/* ch_tls13: supported_groups list length at 114, supported_versions
	 * list length at 124, key_share client_shares length at 133 and
	 * x25519 key length at 137 */
	PATCH(ch_tls13, CH_MALFORMED, { 115, 0x03 });	/* groups list lies */
	PATCH(ch_tls13, CH_MALFORMED, { 124, 0x03 });	/* versions list odd */
	PATCH(ch_tls13, CH_MALFORMED, { 124, 0x02 });	/* versions list lies */
	PATCH(ch_tls13, CH_MALFORMED, { 138, 0x21 });	/* key overruns */
	PATCH(ch_tls13, CH_MALFORMED, { 134, 0x23 });	/* shares length lies */
	PATCH(ch_tls13, CH_MALFORMED, { 137, 0x00 }, { 138, 0x00 });	/* empty key */

	/* a later record of another type: ch_tls13 in 2 records, the 2nd
	 * turned into application data */
	uint8_t two[512];
	size_t n = refragment(ch_tls13, sizeof(ch_tls13), 100, two);
	two[105] = 0x17;
	ck_assert_int_eq(ch_parse(two, n, &ci), CH_MALFORMED);
	ck_assert_int_eq(ch_parse(two, 106, &ci), CH_MALFORMED);
	ck_assert_int_eq(ch_parse(two, 105, &ci), CH_NEED_MORE);
	two[105] = 0x16;
	two[106] = 0x02;
	ck_assert_int_eq(ch_parse(two, n, &ci), CH_MALFORMED);
}
END_TEST

/* The captured hello with each length field corrupted: never a crash,
 * never a read past the buffer (ASan), and never OK with other info. */
START_TEST(corrupt_every_byte)
{
	uint8_t b[sizeof(ch_curl)];
	struct ch_info ci;

	for (size_t i = 0; i < sizeof(b); i++) {
		for (unsigned v = 0; v < 256; v += 51) {
			memcpy(b, ch_curl, sizeof(b));
			b[i] ^= (uint8_t)(v | 1);
			enum ch_result r = ch_parse(b, sizeof(b), &ci);
			ck_assert(r >= CH_NEED_MORE && r <= CH_TOO_LARGE);
			if (r == CH_OK)
				ck_assert(ci.consumed <= sizeof(b));
		}
	}
}
END_TEST

Suite *suite_clienthello(void);

Suite *
suite_clienthello(void)
{
	Suite *s = suite_create("clienthello");
	TCase *t = tcase_create("clienthello");

	tcase_add_test(t, minimal_sni);
	tcase_add_test(t, no_sni);
	tcase_add_test(t, alpn);
	tcase_add_test(t, tls13);
	tcase_add_test(t, ech_early_data);
	tcase_add_test(t, captured);
	tcase_add_test(t, post_quantum);
	tcase_add_test(t, several_records);
	tcase_add_test(t, size_limits);
	tcase_add_test(t, not_tls);
	tcase_add_test(t, sslv2);
	tcase_add_test(t, malformed);
	tcase_add_test(t, corrupt_every_byte);
	suite_add_tcase(s, t);
	return s;
}
