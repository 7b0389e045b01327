/* proto/http1_resp: HTTP/1.x response heads and bodies, byte fixtures. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "proto/http1_resp.h"

static enum h1r_result
parse(const char *s, struct h1r_resp *r)
{
	return h1r_parse(s, strlen(s), r);
}

START_TEST(head_ok)
{
	static struct h1r_resp r;
	const char *s = "HTTP/1.1 404 Not Found\r\nServer: x\r\nContent-Length:  3 \r\n"
	                "X-A: a, b\r\n\r\nabc";
	ck_assert_int_eq(parse(s, &r), H1R_OK);
	ck_assert_int_eq(r.major, 1);
	ck_assert_int_eq(r.minor, 1);
	ck_assert_int_eq(r.status, 404);
	ck_assert_int_eq((int)r.reason_len, 9);
	ck_assert(memcmp(r.reason, "Not Found", 9) == 0);
	ck_assert_int_eq((int)r.nhdrs, 3);
	ck_assert_int_eq((int)r.head_len, (int)strlen(s) - 3);
	ck_assert_int_eq(r.body, H1R_BODY_CLEN);
	ck_assert_int_eq((int)r.content_length, 3);
	const struct h1r_hdr *h = h1r_header(&r, "content-length", 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq((int)h->value_len, 1); /* spaces around removed */
	ck_assert_ptr_null(h1r_header(&r, "content-length", 1));
	char body[8];
	size_t bl;
	ck_assert_int_eq(h1r_body(s, strlen(s), &r, false, body, sizeof(body), &bl), H1R_OK);
	ck_assert_int_eq((int)bl, 3);
	ck_assert(memcmp(body, "abc", 3) == 0);
}
END_TEST

START_TEST(head_forms)
{
	static struct h1r_resp r;
	/* bare LF, no reason phrase, HTTP/1.0 */
	ck_assert_int_eq(parse("HTTP/1.0 200\nA: b\n\n", &r), H1R_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq((int)r.reason_len, 0);
	ck_assert_int_eq(r.body, H1R_BODY_CLOSE);
	ck_assert_int_eq(parse("HTTP/1.1 204 No Content\r\n\r\n", &r), H1R_OK);
	ck_assert_int_eq(r.body, H1R_BODY_NONE);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: Close\r\n\r\n", &r), H1R_OK);
	ck_assert_int_eq(r.body, H1R_BODY_CHUNKED);
	ck_assert(r.conn_close);
}
END_TEST

START_TEST(head_prefixes)
{
	static struct h1r_resp r;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX: y\r\n\r\n";
	for (size_t n = 0; n < strlen(s); n++)
		ck_assert_msg(h1r_parse(s, n, &r) == H1R_NEED_MORE, "prefix %zu", n);
	ck_assert_int_eq(h1r_parse(s, strlen(s), &r), H1R_OK);
}
END_TEST

START_TEST(head_malformed)
{
	static struct h1r_resp r;
	ck_assert_int_eq(parse("hello world\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTX", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 20 OK\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 2000 OK\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 099 X\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nBad Name: b\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nA: b\x01\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &r), H1R_MALFORMED);
	/* both framings: chunked wins, the length is to be dropped */
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", &r), H1R_OK);
	ck_assert_int_eq(r.body, H1R_BODY_CHUNKED);
	ck_assert(r.clen_dropped);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &r), H1R_MALFORMED);
	char big[4096];
	size_t n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 102; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "H%d: v\r\n", i);
	snprintf(big + n, sizeof(big) - n, "\r\n");
	ck_assert_int_eq(parse(big, &r), H1R_MALFORMED);
}
END_TEST

START_TEST(body_chunked)
{
	static struct h1r_resp r;
	const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
	ck_assert_int_eq(parse(s, &r), H1R_OK);
	char body[32];
	size_t bl;
	size_t full = strlen(s);
	/* every cut before the end needs more, and gives the bytes so far */
	for (size_t n = r.head_len; n < full; n++)
		ck_assert_msg(h1r_body(s, n, &r, false, body, sizeof(body), &bl) == H1R_NEED_MORE, "cut %zu", n);
	ck_assert_int_eq(h1r_body(s, full, &r, false, body, sizeof(body), &bl), H1R_OK);
	ck_assert_int_eq((int)bl, 11);
	ck_assert(memcmp(body, "hello world", 11) == 0);
	/* cut by the server's close */
	ck_assert_int_eq(h1r_body(s, full - 4, &r, true, body, sizeof(body), &bl), H1R_MALFORMED);
	/* the output is bounded */
	ck_assert_int_eq(h1r_body(s, full, &r, false, body, 4, &bl), H1R_OK);
	ck_assert_int_eq((int)bl, 4);
	const char *bad = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
	ck_assert_int_eq(parse(bad, &r), H1R_OK);
	ck_assert_int_eq(h1r_body(bad, strlen(bad), &r, false, body, sizeof(body), &bl), H1R_MALFORMED);
}
END_TEST

START_TEST(body_clen_close)
{
	static struct h1r_resp r;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello";
	char body[32];
	size_t bl;
	ck_assert_int_eq(parse(s, &r), H1R_OK);
	ck_assert_int_eq(h1r_body(s, strlen(s), &r, false, body, sizeof(body), &bl), H1R_NEED_MORE);
	ck_assert_int_eq((int)bl, 5);
	ck_assert_int_eq(h1r_body(s, strlen(s), &r, true, body, sizeof(body), &bl), H1R_MALFORMED);
	const char *c = "HTTP/1.0 200 OK\r\n\r\nuntil close";
	ck_assert_int_eq(parse(c, &r), H1R_OK);
	ck_assert_int_eq(h1r_body(c, strlen(c), &r, false, body, sizeof(body), &bl), H1R_NEED_MORE);
	ck_assert_int_eq(h1r_body(c, strlen(c), &r, true, body, sizeof(body), &bl), H1R_OK);
	ck_assert_int_eq((int)bl, 11);
	/* HAProxy's bound on a length: 2^63 - 1 */
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", &r), H1R_OK);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", &r), H1R_MALFORMED);
	ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", &r), H1R_MALFORMED);
}
END_TEST

Suite *suite_http1_resp(void);
Suite *
suite_http1_resp(void)
{
	Suite *s = suite_create("http1_resp");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, head_ok);
	tcase_add_test(tc, head_forms);
	tcase_add_test(tc, head_prefixes);
	tcase_add_test(tc, head_malformed);
	tcase_add_test(tc, body_chunked);
	tcase_add_test(tc, body_clen_close);
	suite_add_tcase(s, tc);
	return s;
}
