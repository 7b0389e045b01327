/* lib/sess_addr: the compact address a session keeps (client, peer,
 * local end). The copies are bounded: the sources here are heap buffers
 * of exactly the given length, so an over-read fails under ASan. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "lib/sess_addr.h"
#include "proto/proxyproto.h"

/* A heap copy of the first len bytes of sa (the caller frees it). */
static struct sockaddr *
exact(const void *sa, size_t len)
{
	void *p = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, sa, len);
	return p;
}

START_TEST(size)
{
	/* the point of the type: three of them in struct session */
	ck_assert_uint_eq(sizeof(union sess_addr), sizeof(struct sockaddr_in6));
	ck_assert_uint_le(sizeof(union sess_addr), 28);
}
END_TEST

START_TEST(ipv4_ipv6)
{
	union sess_addr a;
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(4433) };
	inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
	struct sockaddr *p = exact(&in, sizeof(in));
	memset(&a, 0xAA, sizeof(a));
	sess_addr_set(&a, p, sizeof(in));
	free(p);
	ck_assert_int_eq(a.sa.sa_family, AF_INET);
	ck_assert_uint_eq(ntohs(a.in.sin_port), 4433);
	ck_assert_int_eq(memcmp(&a.in.sin_addr, &in.sin_addr, 4), 0);
	ck_assert_uint_eq(sess_addr_len(&a), sizeof(struct sockaddr_in));
	/* the rest is zero: an old IPv6 address leaves nothing behind */
	for (size_t i = sizeof(in); i < sizeof(a); i++)
		ck_assert_uint_eq(((const unsigned char *)&a)[i], 0);

	/* from a whole sockaddr_storage, as accept() fills one */
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(8443);
	s6->sin6_scope_id = 3;
	inet_pton(AF_INET6, "2001:db8::5", &s6->sin6_addr);
	sess_addr_set(&a, (const struct sockaddr *)&ss, sizeof(ss));
	ck_assert_int_eq(a.sa.sa_family, AF_INET6);
	ck_assert_uint_eq(ntohs(a.in6.sin6_port), 8443);
	ck_assert_uint_eq(a.in6.sin6_scope_id, 3);
	ck_assert(IN6_ARE_ADDR_EQUAL(&a.in6.sin6_addr, &s6->sin6_addr));
	ck_assert_uint_eq(sess_addr_len(&a), sizeof(struct sockaddr_in6));

	/* a copy (struct session's src = cli) keeps everything */
	union sess_addr b = a;
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
}
END_TEST

START_TEST(unix_and_others)
{
	union sess_addr a;
	/* a bound unix socket: the path is not kept */
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	memset(un.sun_path, 'x', sizeof(un.sun_path) - 1);
	struct sockaddr *p = exact(&un, sizeof(un));
	memset(&a, 0xAA, sizeof(a));
	sess_addr_set(&a, p, sizeof(un));
	free(p);
	ck_assert_int_eq(a.sa.sa_family, AF_UNIX);
	ck_assert_uint_eq(sess_addr_len(&a), sizeof(sa_family_t));
	union sess_addr zero;
	memset(&zero, 0, sizeof(zero));
	zero.sa.sa_family = AF_UNIX;
	ck_assert_int_eq(memcmp(&a, &zero, sizeof(a)), 0);

	/* an unbound unix peer as accept() returns it: the family only */
	p = exact(&un, sizeof(sa_family_t));
	sess_addr_set(&a, p, sizeof(sa_family_t));
	free(p);
	ck_assert_int_eq(a.sa.sa_family, AF_UNIX);

	/* an unknown family: kept as a family */
	struct sockaddr_storage ss;
	memset(&ss, 0x55, sizeof(ss));
	ss.ss_family = AF_APPLETALK;
	sess_addr_set(&a, (const struct sockaddr *)&ss, sizeof(ss));
	ck_assert_int_eq(a.sa.sa_family, AF_APPLETALK);
	ck_assert_uint_eq(a.in6.sin6_scope_id, 0);

	/* nothing (getsockname failed, no address): AF_UNSPEC */
	sess_addr_set(&a, NULL, 0);
	ck_assert_int_eq(a.sa.sa_family, AF_UNSPEC);
	p = exact(&ss, 1);
	sess_addr_set(&a, p, 1);
	free(p);
	ck_assert_int_eq(a.sa.sa_family, AF_UNSPEC);
}
END_TEST

START_TEST(short_ip)
{
	/* an IPv6 address cut at 8 bytes: no more is read, the rest is 0 */
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(99),
	                            .sin6_flowinfo = 0x01020304 };
	memset(&in6.sin6_addr, 0xFF, sizeof(in6.sin6_addr));
	struct sockaddr *p = exact(&in6, 8);
	union sess_addr a;
	sess_addr_set(&a, p, 8);
	free(p);
	ck_assert_int_eq(a.sa.sa_family, AF_INET6);
	ck_assert_uint_eq(ntohs(a.in6.sin6_port), 99);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&a.in6.sin6_addr));
}
END_TEST

START_TEST(proxy_header)
{
	/* what session_connect.c sends: IP pairs as they are, a unix
	 * client as UNKNOWN (the path is not needed for that) */
	union sess_addr s, d;
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(40000) };
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	sess_addr_set(&s, (const struct sockaddr *)&in, sizeof(in));
	in.sin_port = htons(8443);
	sess_addr_set(&d, (const struct sockaddr *)&in, sizeof(in));
	char buf[PP_V1_MAX];
	int n = pp_build_v1(buf, sizeof(buf), &s.sa, &d.sa);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(memcmp(buf, "PROXY TCP4 127.0.0.1 127.0.0.1 40000 8443\r\n", (size_t)n), 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/tmp/x.sock" };
	sess_addr_set(&s, (const struct sockaddr *)&un, sizeof(un));
	n = pp_build_v1(buf, sizeof(buf), &s.sa, &d.sa);
	ck_assert_int_eq(n, 15);
	ck_assert_int_eq(memcmp(buf, "PROXY UNKNOWN\r\n", 15), 0);
}
END_TEST

Suite *suite_sess_addr(void);

Suite *
suite_sess_addr(void)
{
	Suite *s = suite_create("sess_addr");
	TCase *t = tcase_create("sess_addr");
	tcase_add_test(t, size);
	tcase_add_test(t, ipv4_ipv6);
	tcase_add_test(t, unix_and_others);
	tcase_add_test(t, short_ip);
	tcase_add_test(t, proxy_header);
	suite_add_tcase(s, t);
	return s;
}
