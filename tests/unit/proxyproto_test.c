/* proto/proxyproto: the bytes HAProxy 2.6 sends (reference §1.11, §6.2),
 * builder/parser round trips, prefixes, and HAProxy's accept-proxy verdicts
 * on odd headers (observed with haproxy 2.6.12; divergences are listed in
 * proxyproto.h). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "proto/proxyproto.h"

/* send-proxy, 127.0.0.1:49802 -> 127.0.0.1:58081 (reference §1.11) */
static const char v1_tcp4[] = "PROXY TCP4 127.0.0.1 127.0.0.1 49802 58081\r\n";

/* send-proxy-v2, 127.0.0.1:52066 -> 127.0.0.1:58082 (reference §6.2) */
static const uint8_t v2_tcp4[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
	0x21,			/* version 2, command PROXY */
	0x11,			/* AF_INET, STREAM */
	0x00, 0x0c,		/* address length 12 */
	0x7f, 0x00, 0x00, 0x01,	/* source 127.0.0.1 */
	0x7f, 0x00, 0x00, 0x01,	/* destination 127.0.0.1 */
	0xcb, 0x62,		/* source port 52066 */
	0xe2, 0xe2,		/* destination port 58082 */
};

/* check-send-proxy with send-proxy-v2: LOCAL (reference §6.2) */
static const uint8_t v2_local[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
	0x20,			/* version 2, command LOCAL */
	0x00,			/* AF_UNSPEC, UNSPEC */
	0x00, 0x00,		/* no address */
};

/* TCP over IPv6 [2001:db8::1]:443 -> [2001:db8::2]:8443 with an AUTHORITY
 * and a NOOP TLV. */
static const uint8_t v2_tcp6_tlv[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
	0x21,			/* version 2, PROXY */
	0x21,			/* AF_INET6, STREAM */
	0x00, 0x36,		/* length 54: 36 of addresses + 18 of TLVs */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* source */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* destination */
	0x01, 0xbb,		/* source port 443 */
	0x20, 0xfb,		/* destination port 8443 */
	0x02, 0x00, 0x0c,	/* AUTHORITY, length 12 */
	'w', 'w', 'w', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 's',
	0x04, 0x00, 0x00,	/* NOOP, empty */
};

/* Captured from haproxy 2.6.12: "server s 127.0.0.1:19603 send-proxy-v2
 * proxy-v2-options crc32c,unique-id,ssl" with unique-id-format "UID-1", a
 * plain TCP client 127.0.0.1:54682 -> 127.0.0.1:19602. */
static const uint8_t v2_haproxy_tlvs[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
	0x21, 0x11,		/* PROXY, TCP over IPv4 */
	0x00, 0x23,		/* length 35: 12 of addresses + 23 of TLVs */
	0x7f, 0x00, 0x00, 0x01,	/* source 127.0.0.1 */
	0x7f, 0x00, 0x00, 0x01,	/* destination 127.0.0.1 */
	0xd5, 0x9a,		/* source port 54682 */
	0x4c, 0x92,		/* destination port 19602 */
	0x03, 0x00, 0x04,	/* CRC32C, length 4 */
	0xe9, 0x26, 0x5c, 0x03,	/*   checksum of the header with these 4 bytes zeroed */
	0x05, 0x00, 0x05,	/* UNIQUE_ID, length 5 */
	'U', 'I', 'D', '-', '1',
	0x20, 0x00, 0x05,	/* SSL, length 5 */
	0x00,			/*   client: not over TLS */
	0x00, 0x00, 0x00, 0x00,	/*   verify 0, no sub-TLV */
};

static enum pp_result
parse_s(const char *s, struct pp_info *pi)
{
	return pp_parse((const uint8_t *)s, strlen(s), pi);
}

/* Every prefix NEED_MORE, the whole OK, trailing payload ignored. */
static void
expect_prefixes(const uint8_t *b, size_t n)
{
	struct pp_info full, pi;
	uint8_t *more = malloc(n + 18);

	ck_assert_int_eq(pp_parse(b, n, &full), PP_OK);
	ck_assert_int_eq(full.consumed, n);
	for (size_t i = 0; i < n; i++) {
		enum pp_result r = pp_parse(b, i, &pi);
		if (r != PP_NEED_MORE)
			ck_abort_msg("prefix %zu of %zu: %s", i, n, pp_result_name(r));
	}
	memcpy(more, b, n);
	memcpy(more + n, "GET / HTTP/1.0\r\n\r\n", 18);
	ck_assert_int_eq(pp_parse(more, n + 18, &pi), PP_OK);
	ck_assert(memcmp(&pi, &full, sizeof(pi)) == 0);
	free(more);
}

static struct sockaddr_in
sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &s.sin_addr), 1);
	return s;
}

static struct sockaddr_in6
sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET6, ip, &s.sin6_addr), 1);
	return s;
}

/* "ip port" of a parsed address */
static const char *
addr_str(const struct sockaddr_storage *ss)
{
	static char out[2][80];
	static int k;
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;

	k ^= 1;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		port = ntohs(s->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		port = ntohs(s->sin6_port);
	} else if (ss->ss_family == AF_UNIX) {
		return ((const struct sockaddr_un *)ss)->sun_path;
	} else {
		return "-";
	}
	snprintf(out[k], sizeof(out[k]), "%s %u", ip, (unsigned)port);
	return out[k];
}

START_TEST(v1_reference)
{
	struct pp_info pi;
	struct sockaddr_in s = sin4("127.0.0.1", 49802), d = sin4("127.0.0.1", 58081);
	char buf[PP_V1_MAX];

	ck_assert_int_eq(parse_s(v1_tcp4, &pi), PP_OK);
	ck_assert_int_eq(pi.version, 1);
	ck_assert(!pi.local);
	ck_assert_int_eq(pi.family, AF_INET);
	ck_assert_int_eq(pi.socktype, SOCK_STREAM);
	ck_assert_str_eq(addr_str(&pi.src), "127.0.0.1 49802");
	ck_assert_str_eq(addr_str(&pi.dst), "127.0.0.1 58081");
	ck_assert_int_eq(pi.consumed, strlen(v1_tcp4));
	expect_prefixes((const uint8_t *)v1_tcp4, strlen(v1_tcp4));

	int n = pp_build_v1(buf, sizeof(buf), (struct sockaddr *)&s, (struct sockaddr *)&d);
	ck_assert_int_eq(n, strlen(v1_tcp4));
	ck_assert(memcmp(buf, v1_tcp4, (size_t)n) == 0);
	/* exactly enough room, then one byte short */
	ck_assert_int_eq(pp_build_v1(buf, (size_t)n, (struct sockaddr *)&s, (struct sockaddr *)&d), n);
	ck_assert_int_eq(pp_build_v1(buf, (size_t)n - 1, (struct sockaddr *)&s, (struct sockaddr *)&d), -1);
}
END_TEST

START_TEST(v1_families)
{
	struct pp_info pi;
	char buf[PP_V1_MAX + 1];
	struct sockaddr_in6 s6 = sin6("2001:db8::1", 443), d6 = sin6("::ffff:10.0.0.1", 80);
	struct sockaddr_in d4 = sin4("10.1.2.3", 8080);
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	int n;

	n = pp_build_v1(buf, sizeof(buf), (struct sockaddr *)&s6, (struct sockaddr *)&d6);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 443 80\r\n");
	ck_assert_int_eq(parse_s(buf, &pi), PP_OK);
	ck_assert_int_eq(pi.family, AF_INET6);
	ck_assert_str_eq(addr_str(&pi.src), "2001:db8::1 443");
	ck_assert_str_eq(addr_str(&pi.dst), "::ffff:10.0.0.1 80");
	expect_prefixes((const uint8_t *)buf, (size_t)n);

	/* mixed families: the IPv4 side is mapped, as HAProxy >= 2.2 */
	n = pp_build_v1(buf, sizeof(buf), (struct sockaddr *)&s6, (struct sockaddr *)&d4);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "PROXY TCP6 2001:db8::1 ::ffff:10.1.2.3 443 8080\r\n");

	/* no IP pair: UNKNOWN */
	n = pp_build_v1(buf, sizeof(buf), (struct sockaddr *)&su, (struct sockaddr *)&d4);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "PROXY UNKNOWN\r\n");
	ck_assert_int_eq(pp_build_v1(buf, sizeof(buf), NULL, NULL), 15);
	ck_assert_int_eq(parse_s("PROXY UNKNOWN\r\n", &pi), PP_OK);
	ck_assert(pi.local);
	ck_assert_int_eq(pi.family, AF_UNSPEC);
	ck_assert_int_eq(pi.consumed, 15);
	/* the spec's worst case, 107 bytes: the rest of an UNKNOWN line is ignored */
	const char *worst = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	ck_assert_int_eq(strlen(worst), 107);
	ck_assert_int_eq(parse_s(worst, &pi), PP_OK);
	ck_assert(pi.local);
	expect_prefixes((const uint8_t *)worst, 107);
	/* longest TCP6 line, 104 bytes */
	const char *tcp6 = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
			   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe 65535 65535\r\n";
	ck_assert_int_eq(parse_s(tcp6, &pi), PP_OK);
	ck_assert_str_eq(addr_str(&pi.dst), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe 65535");
	/* port 0 (HAProxy takes it too), upper-case hex */
	ck_assert_int_eq(parse_s("PROXY TCP4 1.2.3.4 5.6.7.8 0 65535\r\n", &pi), PP_OK);
	ck_assert_int_eq(parse_s("PROXY TCP6 ::1 FE80::A 1 2\r\n", &pi), PP_OK);
	ck_assert_str_eq(addr_str(&pi.dst), "fe80::a 2");
}
END_TEST

START_TEST(v1_malformed)
{
	static const char *bad[] = {
		/* rejected by HAProxy 2.6 too */
		"PROXY TCP4 1.2.3.4  5.6.7.8 1 80\r\n",		/* two spaces */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 80 \r\n",		/* trailing space */
		"PROXY TCP6 1.2.3.4 ::2 1 80\r\n",		/* IPv4 in TCP6 */
		"PROXY TCP4 ::1 ::2 1 80\r\n",			/* IPv6 in TCP4 */
		"PROXY UNKNOWNX\r\n",
		"PROXY tcp4 1.2.3.4 5.6.7.8 1 80\r\n",		/* case matters */
		"PROXY TCP4 1.2.3.4 5.6.7.8 +1 80\r\n",
		"PROXY UDP4 1.2.3.4 5.6.7.8 1 80\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 80\n",		/* bare LF */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 80\rX",		/* CR without LF */
		"PROXY \r\n",
		"PROXY TCP4\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",		/* missing port */
		/* taken by HAProxy 2.6, forbidden by the spec */
		"PROXY TCP4 01.2.3.4 5.6.7.8 1 80\r\n",		/* leading zero */
		"PROXY TCP4 1.2.3 5.6.7.8 1 80\r\n",		/* 3 parts */
		"PROXY TCP4 1.2.3.4 5.6.7.8 080 80\r\n",	/* leading zero port */
		"PROXY TCP4 1.2.3.4 5.6.7.8 65536 80\r\n",	/* port range */
		"PROXY TCP4 1.2.3.256 5.6.7.8 1 80\r\n",
		"PROXY TCP4 1.2.3.4. 5.6.7.8 1 80\r\n",
		"PROXY TCP6 ::1 ::2 01 80\r\n",
		"PROXY TCP6 ::1::2 ::2 1 80\r\n",
		"PROXY TCP6 ::1%lo ::2 1 80\r\n",		/* no zone ids */
	};
	struct pp_info pi;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_s(bad[i], &pi) != PP_MALFORMED)
			ck_abort_msg("accepted: %s", bad[i]);

	/* no CRLF in the first 107 bytes */
	char longl[200];
	memset(longl, 'x', sizeof(longl));
	memcpy(longl, "PROXY UNKNOWN ", 14);
	ck_assert_int_eq(pp_parse((uint8_t *)longl, 106, &pi), PP_NEED_MORE);
	ck_assert_int_eq(pp_parse((uint8_t *)longl, 107, &pi), PP_MALFORMED);
	/* CRLF at 107-108: one byte too long */
	longl[106] = '\r';
	longl[107] = '\n';
	ck_assert_int_eq(pp_parse((uint8_t *)longl, 108, &pi), PP_MALFORMED);
	longl[105] = '\r';
	longl[106] = '\n';
	ck_assert_int_eq(pp_parse((uint8_t *)longl, 107, &pi), PP_OK);
}
END_TEST

START_TEST(not_proxy)
{
	struct pp_info pi;

	ck_assert_int_eq(parse_s("GET / HTTP/1.1\r\n", &pi), PP_NOT_PROXY);
	ck_assert_int_eq(parse_s("PROXX", &pi), PP_NOT_PROXY);
	ck_assert_int_eq(parse_s("PROXY\r\n", &pi), PP_NOT_PROXY);
	ck_assert_int_eq(parse_s("P", &pi), PP_NEED_MORE);
	ck_assert_int_eq(parse_s("PROXY", &pi), PP_NEED_MORE);
	ck_assert_int_eq(pp_parse((const uint8_t *)"\x16\x03\x01", 3, &pi), PP_NOT_PROXY);
	ck_assert_int_eq(pp_parse((const uint8_t *)"\r\n\r\n\x00\r\nQUIX", 12, &pi), PP_NOT_PROXY);
	ck_assert_int_eq(pp_parse(NULL, 0, &pi), PP_NEED_MORE);
	ck_assert_str_eq(pp_result_name(PP_NOT_PROXY), "NOT_PROXY");
}
END_TEST

START_TEST(v2_reference)
{
	struct pp_info pi;
	struct sockaddr_in s = sin4("127.0.0.1", 52066), d = sin4("127.0.0.1", 58082);
	uint8_t buf[64];

	ck_assert_int_eq(pp_parse(v2_tcp4, sizeof(v2_tcp4), &pi), PP_OK);
	ck_assert_int_eq(pi.version, 2);
	ck_assert(!pi.local);
	ck_assert_int_eq(pi.family, AF_INET);
	ck_assert_str_eq(addr_str(&pi.src), "127.0.0.1 52066");
	ck_assert_str_eq(addr_str(&pi.dst), "127.0.0.1 58082");
	ck_assert_int_eq(pi.tlvs.len, 0);
	expect_prefixes(v2_tcp4, sizeof(v2_tcp4));

	ck_assert_int_eq(pp_build_v2(buf, sizeof(buf), (struct sockaddr *)&s,
	    (struct sockaddr *)&d, NULL), sizeof(v2_tcp4));
	ck_assert(memcmp(buf, v2_tcp4, sizeof(v2_tcp4)) == 0);
	ck_assert_int_eq(pp_build_v2(buf, sizeof(v2_tcp4) - 1, (struct sockaddr *)&s,
	    (struct sockaddr *)&d, NULL), -1);

	ck_assert_int_eq(pp_parse(v2_local, sizeof(v2_local), &pi), PP_OK);
	ck_assert(pi.local);
	ck_assert_int_eq(pi.family, AF_UNSPEC);
	expect_prefixes(v2_local, sizeof(v2_local));
	ck_assert_int_eq(pp_build_v2_local(buf, sizeof(buf)), sizeof(v2_local));
	ck_assert(memcmp(buf, v2_local, sizeof(v2_local)) == 0);
	ck_assert_int_eq(pp_build_v2_local(buf, 15), -1);
	/* no IP pair: LOCAL, as HAProxy */
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	ck_assert_int_eq(pp_build_v2(buf, sizeof(buf), (struct sockaddr *)&su,
	    (struct sockaddr *)&su, NULL), 16);
	ck_assert(memcmp(buf, v2_local, sizeof(v2_local)) == 0);
}
END_TEST

START_TEST(v2_ipv6_tlvs)
{
	struct pp_info pi;
	size_t pos = 0;
	uint8_t t;
	struct pp_span v;

	ck_assert_int_eq(pp_parse(v2_tcp6_tlv, sizeof(v2_tcp6_tlv), &pi), PP_OK);
	ck_assert_int_eq(pi.family, AF_INET6);
	ck_assert_str_eq(addr_str(&pi.src), "2001:db8::1 443");
	ck_assert_str_eq(addr_str(&pi.dst), "2001:db8::2 8443");
	ck_assert(pi.has_authority && !pi.has_unique_id && !pi.has_crc32c && !pi.has_ssl);
	ck_assert_str_eq(pi.authority, "www.examples");
	ck_assert_int_eq(pi.tlvs.off, 52);
	ck_assert_int_eq(pi.tlvs.len, 18);
	ck_assert_int_eq(pp_tlv_next(v2_tcp6_tlv, pi.tlvs, &pos, &t, &v), 1);
	ck_assert_int_eq(t, PP2_TYPE_AUTHORITY);
	ck_assert_int_eq(v.off, 55);
	ck_assert_int_eq(v.len, 12);
	ck_assert_int_eq(pp_tlv_next(v2_tcp6_tlv, pi.tlvs, &pos, &t, &v), 1);
	ck_assert_int_eq(t, PP2_TYPE_NOOP);
	ck_assert_int_eq(v.len, 0);
	ck_assert_int_eq(pp_tlv_next(v2_tcp6_tlv, pi.tlvs, &pos, &t, &v), 0);
	expect_prefixes(v2_tcp6_tlv, sizeof(v2_tcp6_tlv));
}
END_TEST

static int
span_eq(const uint8_t *buf, struct pp_span s, const char *want)
{
	return s.len == strlen(want) && memcmp(buf + s.off, want, s.len) == 0;
}

/* Every TLV HAProxy can send, built then parsed. */
START_TEST(v2_round_trip)
{
	struct sockaddr_in6 s = sin6("2001:db8::1", 1234);
	struct sockaddr_in d = sin4("192.0.2.7", 443);
	static const uint8_t uid[] = { 'u', 'i', 'd', 0, 1, 2 };
	struct pp_tlvs t = {
		.crc32c = true, .alpn = "h2", .authority = "Example.COM",
		.unique_id = uid, .unique_id_len = sizeof(uid), .ssl = true,
		.ssl_client = PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS,
		.ssl_verify = 0, .ssl_version = "TLSv1.3", .ssl_cn = "client one",
		.ssl_key_alg = "RSA2048", .ssl_sig_alg = "SHA256",
		.ssl_cipher = "TLS_AES_256_GCM_SHA384", .netns = "blue",
	};
	uint8_t buf[512];
	struct pp_info pi;
	int n = pp_build_v2(buf, sizeof(buf), (struct sockaddr *)&s, (struct sockaddr *)&d, &t);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(buf[13], 0x21);	/* mixed: TCP6 */
	/* TLV order as HAProxy: CRC32C first, right after the addresses */
	ck_assert_int_eq(buf[52], PP2_TYPE_CRC32C);
	ck_assert_int_eq(buf[59], PP2_TYPE_ALPN);
	ck_assert_int_eq(pp_parse(buf, (size_t)n, &pi), PP_OK);
	ck_assert_int_eq(pi.consumed, n);
	ck_assert_str_eq(addr_str(&pi.src), "2001:db8::1 1234");
	ck_assert_str_eq(addr_str(&pi.dst), "::ffff:192.0.2.7 443");
	ck_assert(pi.has_crc32c);
	ck_assert(span_eq(buf, pi.alpn, "h2"));
	ck_assert_str_eq(pi.authority, "Example.COM");
	ck_assert_int_eq(pi.unique_id_len, sizeof(uid));
	ck_assert(memcmp(pi.unique_id, uid, sizeof(uid)) == 0);
	ck_assert(pi.has_ssl);
	ck_assert_int_eq(pi.ssl_client, 7);
	ck_assert_int_eq(pi.ssl_verify, 0);
	ck_assert(span_eq(buf, pi.ssl_version, "TLSv1.3"));
	ck_assert(span_eq(buf, pi.ssl_cn, "client one"));
	ck_assert(span_eq(buf, pi.ssl_key_alg, "RSA2048"));
	ck_assert(span_eq(buf, pi.ssl_sig_alg, "SHA256"));
	ck_assert(span_eq(buf, pi.ssl_cipher, "TLS_AES_256_GCM_SHA384"));
	ck_assert(span_eq(buf, pi.netns, "blue"));
	expect_prefixes(buf, (size_t)n);

	/* any flipped bit after the signature breaks the CRC (or more),
	 * except in the CRC TLV's type: that only makes it another TLV */
	for (int i = 16; i < n; i++) {
		if (i == 52)
			continue;
		buf[i] ^= 0x40;
		ck_assert_int_ne(pp_parse(buf, (size_t)n, &pi), PP_OK);
		buf[i] ^= 0x40;
	}
	/* too small a buffer at every size */
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pp_build_v2(buf, (size_t)i, (struct sockaddr *)&s,
		    (struct sockaddr *)&d, &t), -1);
	/* values over HAProxy's limits */
	char auth[PP_AUTHORITY_MAX + 2];
	memset(auth, 'a', sizeof(auth) - 1);
	auth[sizeof(auth) - 1] = '\0';
	t.authority = auth;
	ck_assert_int_eq(pp_build_v2(buf, sizeof(buf), (struct sockaddr *)&s, (struct sockaddr *)&d, &t), -1);
	auth[PP_AUTHORITY_MAX] = '\0';
	ck_assert_int_gt(pp_build_v2(buf, sizeof(buf), (struct sockaddr *)&s, (struct sockaddr *)&d, &t), 0);
	t.unique_id_len = PP_UNIQUE_ID_MAX + 1;
	ck_assert_int_eq(pp_build_v2(buf, sizeof(buf), (struct sockaddr *)&s, (struct sockaddr *)&d, &t), -1);
}
END_TEST

START_TEST(v2_haproxy_tlvs_bytes)
{
	struct sockaddr_in s = sin4("127.0.0.1", 54682), d = sin4("127.0.0.1", 19602);
	static const uint8_t uid[] = { 'U', 'I', 'D', '-', '1' };
	struct pp_tlvs t = { .crc32c = true, .unique_id = uid, .unique_id_len = 5, .ssl = true };
	struct pp_info pi;
	uint8_t buf[128];

	ck_assert_int_eq(pp_build_v2(buf, sizeof(buf), (struct sockaddr *)&s,
	    (struct sockaddr *)&d, &t), sizeof(v2_haproxy_tlvs));
	ck_assert(memcmp(buf, v2_haproxy_tlvs, sizeof(v2_haproxy_tlvs)) == 0);
	ck_assert_int_eq(pp_parse(v2_haproxy_tlvs, sizeof(v2_haproxy_tlvs), &pi), PP_OK);
	ck_assert(pi.has_crc32c && pi.has_unique_id && pi.has_ssl && !pi.has_authority);
	ck_assert_int_eq(pi.unique_id_len, 5);
	ck_assert(memcmp(pi.unique_id, "UID-1", 5) == 0);
	ck_assert_int_eq(pi.ssl_client, 0);
	ck_assert_int_eq(pi.ssl_version.len, 0);
	expect_prefixes(v2_haproxy_tlvs, sizeof(v2_haproxy_tlvs));
}
END_TEST

START_TEST(crc32c)
{
	/* RFC 3720 B.4 / the usual check value */
	ck_assert_uint_eq(pp_crc32c((const uint8_t *)"123456789", 9), 0xe3069283u);
	uint8_t z[32] = { 0 };
	ck_assert_uint_eq(pp_crc32c(z, 32), 0x8a9136aau);
}
END_TEST

/* v2_tcp4 plus extra bytes, with patches: (offset, value) pairs. */
static enum pp_result
v2_patched(const uint8_t *extra, size_t n, const uint8_t *patch, size_t np)
{
	uint8_t b[512];
	struct pp_info pi;

	memcpy(b, v2_tcp4, sizeof(v2_tcp4));
	memcpy(b + sizeof(v2_tcp4), extra, n);
	b[15] = (uint8_t)(12 + n);
	for (size_t i = 0; i + 1 < np; i += 2)
		b[patch[i]] = patch[i + 1];
	return pp_parse(b, sizeof(v2_tcp4) + n, &pi);
}

#define V2(r, extra, ...)                                                     \
	do {                                                                  \
		static const uint8_t p_[] = { 0, 0x0d, __VA_ARGS__ };         \
		ck_assert_str_eq(pp_result_name(v2_patched((const uint8_t *)extra, \
		    sizeof(extra) - 1, p_, sizeof(p_))), pp_result_name(r));  \
	} while (0)

START_TEST(v2_malformed)
{
	struct pp_info pi;
	uint8_t b[300];

	/* as HAProxy 2.6 */
	V2(PP_MALFORMED, "", 12, 0x22);			/* command 2 */
	V2(PP_MALFORMED, "", 12, 0x11);			/* version 1 */
	V2(PP_MALFORMED, "", 13, 0x41);			/* family 4 */
	V2(PP_MALFORMED, "", 13, 0x13);			/* protocol 3 */
	V2(PP_MALFORMED, "", 15, 0x0b);			/* addresses cut */
	V2(PP_MALFORMED, "\x02\x00\x04" "abc");		/* TLV overruns */
	V2(PP_MALFORMED, "\x04\x00");			/* TLV header cut */
	V2(PP_MALFORMED, "\x03\x00\x03" "abc");		/* CRC32C of 3 bytes */
	V2(PP_MALFORMED, "\x03\x00\x04" "\0\0\0\0");	/* wrong CRC32C */
	V2(PP_OK, "\x02\x00\x03" "abc");
	V2(PP_OK, "\xe0\x00\x00");			/* custom type, skipped */
	V2(PP_OK, "", 13, 0x11, 12, 0x20);		/* LOCAL with addresses */
	/* LOCAL: TLVs are not read (HAProxy neither) */
	V2(PP_OK, "\x03\x00\x04" "\0\0\0\0", 12, 0x20);
	/* taken here, dropped by HAProxy 2.6 (see proxyproto.h) */
	V2(PP_OK, "", 13, 0x12);			/* UDP over IPv4 */
	V2(PP_OK, "", 13, 0x00);			/* UNSPEC */
	/* the SSL TLV must hold client + verify, and sub-TLVs that fit */
	V2(PP_MALFORMED, "\x20\x00\x04" "\x01\0\0\0");
	V2(PP_MALFORMED, "\x20\x00\x08" "\x01\0\0\0\0" "\x21\x00\x01");
	V2(PP_OK, "\x20\x00\x05" "\x01\0\0\0\0");

	/* AUTHORITY of 255 bytes is fine, 256 is not (HAProxy's limit);
	 * UNIQUE_ID: 128 and 129 */
	memcpy(b, v2_tcp4, sizeof(v2_tcp4));
	for (size_t len = 255; len <= 256; len++) {
		b[14] = (uint8_t)((12 + 3 + len) >> 8);
		b[15] = (uint8_t)(12 + 3 + len);
		b[28] = PP2_TYPE_AUTHORITY;
		b[29] = (uint8_t)(len >> 8);
		b[30] = (uint8_t)len;
		memset(b + 31, 'a', len);
		ck_assert_int_eq(pp_parse(b, 31 + len, &pi), len == 255 ? PP_OK : PP_MALFORMED);
	}
	for (size_t len = 128; len <= 129; len++) {
		b[14] = 0;
		b[15] = (uint8_t)(12 + 3 + len);
		b[28] = PP2_TYPE_UNIQUE_ID;
		b[29] = 0;
		b[30] = (uint8_t)len;
		ck_assert_int_eq(pp_parse(b, 31 + len, &pi), len == 128 ? PP_OK : PP_MALFORMED);
	}
	/* a length that lies beyond the buffer only asks for more */
	memcpy(b, v2_tcp4, sizeof(v2_tcp4));
	b[14] = 0xff;
	ck_assert_int_eq(pp_parse(b, sizeof(v2_tcp4), &pi), PP_NEED_MORE);
}
END_TEST

START_TEST(v2_unix)
{
	uint8_t b[16 + 216];
	struct pp_info pi;

	memset(b, 0, sizeof(b));
	memcpy(b, v2_local, 12);
	b[12] = 0x21;
	b[13] = 0x31;		/* AF_UNIX, STREAM */
	b[14] = 0x00;
	b[15] = 0xd8;		/* 216 */
	memcpy(b + 16, "/run/a.sock", 11);
	memset(b + 16 + 108, 'x', 108);	/* no NUL: cut, never overrun */
	ck_assert_int_eq(pp_parse(b, sizeof(b), &pi), PP_OK);
	ck_assert_int_eq(pi.family, AF_UNIX);
	ck_assert_str_eq(addr_str(&pi.src), "/run/a.sock");
	ck_assert_int_eq(strlen(addr_str(&pi.dst)), 107);
	expect_prefixes(b, sizeof(b));
	b[15] = 0xd7;
	ck_assert_int_eq(pp_parse(b, sizeof(b) - 1, &pi), PP_MALFORMED);
}
END_TEST

Suite *suite_proxyproto(void);

Suite *
suite_proxyproto(void)
{
	Suite *s = suite_create("proxyproto");
	TCase *t = tcase_create("proxyproto");

	tcase_add_test(t, v1_reference);
	tcase_add_test(t, v1_families);
	tcase_add_test(t, v1_malformed);
	tcase_add_test(t, not_proxy);
	tcase_add_test(t, v2_reference);
	tcase_add_test(t, v2_ipv6_tlvs);
	tcase_add_test(t, v2_round_trip);
	tcase_add_test(t, v2_haproxy_tlvs_bytes);
	tcase_add_test(t, crc32c);
	tcase_add_test(t, v2_malformed);
	tcase_add_test(t, v2_unix);
	suite_add_tcase(s, t);
	return s;
}
