/* proto/http1_req: HTTP/1.x request heads, byte fixtures. Every verdict
 * below was observed on HAProxy 2.6.12 (a mode http frontend without a
 * backend answers 503 to a request it accepts, 400/422 to one its parser
 * refuses). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1_req.h"

static struct h1q_hdr hdrs[H1Q_DEF_MAXHDR];
static char buf[20000];

/* Parses a copy of s[0..n) with the default limits. */
static enum h1q_result
parse_n(const char *s, size_t n, struct h1q_req *r)
{
	struct h1q_limits l;
	h1q_limits_default(&l);
	memcpy(buf, s, n);
	r->hdrs = hdrs;
	r->hdrs_cap = H1Q_DEF_MAXHDR;
	return h1q_parse(buf, n, &l, r);
}

static enum h1q_result
parse(const char *s, struct h1q_req *r)
{
	return parse_n(s, strlen(s), r);
}

static enum h1q_result
verdict(const char *s)
{
	struct h1q_req r;
	return parse(s, &r);
}

START_TEST(request_ok)
{
	struct h1q_req r;
	const char *s = "GET /stats;csv?scope=be HTTP/1.1\r\n"  /* request line */
	                "Host: example\r\n"                  /* header 0 */
	                "X-A:   a b  \r\n"                   /* OWS around the value */
	                "Connection: keep-alive, close\r\n"  /* both tokens */
	                "\r\n"
	                "body?";                             /* not part of the head */
	ck_assert_int_eq(parse(s, &r), H1Q_OK);
	ck_assert_int_eq((int)r.method_len, 3);
	ck_assert(memcmp(r.method, "GET", 3) == 0);
	ck_assert_int_eq((int)r.uri_len, 19);
	ck_assert_int_eq(r.major, 1);
	ck_assert_int_eq(r.minor, 1);
	ck_assert_int_eq((int)r.nhdrs, 3);
	ck_assert_int_eq((int)r.head_len, (int)strlen(s) - 5);
	const struct h1q_hdr *h = h1q_header(&r, "x-a", 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq((int)h->value_len, 3);
	ck_assert(memcmp(h->value, "a b", 3) == 0);
	ck_assert(r.conn_close);
	ck_assert(!r.keep_alive);
	ck_assert_int_eq(r.body, H1Q_BODY_NONE);
	size_t n;
	const char *p = h1q_path(&r, &n);
	ck_assert_int_eq((int)n, 10);
	ck_assert(memcmp(p, "/stats;csv", n) == 0);
	p = h1q_query(&r, &n);
	ck_assert_int_eq((int)n, 8);
	ck_assert(memcmp(p, "scope=be", n) == 0);
}
END_TEST

START_TEST(request_forms)
{
	struct h1q_req r;
	/* bare LF line ends */
	ck_assert_int_eq(parse("GET /x HTTP/1.1\nHost: x\n\n", &r), H1Q_OK);
	ck_assert(r.keep_alive);
	/* HTTP/1.0: keep-alive only when asked */
	ck_assert_int_eq(parse("GET /x HTTP/1.0\r\n\r\n", &r), H1Q_OK);
	ck_assert(!r.keep_alive);
	ck_assert_int_eq(parse("GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r), H1Q_OK);
	ck_assert(r.keep_alive);
	/* several spaces or a tab as separators; lower-case methods */
	ck_assert_int_eq(verdict("GET  /x  HTTP/1.1\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET\t/x HTTP/1.1\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("get /x HTTP/1.1\r\n\r\n"), H1Q_OK);
	/* HTTP/2.0 on the request line, absolute URI, "*", CONNECT */
	ck_assert_int_eq(verdict("GET /x HTTP/2.0\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(parse("GET http://h/stats?a HTTP/1.1\r\nHost: h\r\n\r\n", &r), H1Q_OK);
	size_t n;
	const char *p = h1q_path(&r, &n);
	ck_assert(n == 6 && memcmp(p, "/stats", 6) == 0);
	ck_assert_int_eq(verdict("OPTIONS * HTTP/1.1\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("CONNECT x:443 HTTP/1.1\r\n\r\n"), H1Q_OK);
	/* URI bytes HAProxy tolerates */
	ck_assert_int_eq(verdict("GET /a\"b<>{} HTTP/1.1\r\n\r\n"), H1Q_OK);
	/* empty lines before the request line are skipped */
	ck_assert_int_eq(verdict("\r\n\r\nGET /x HTTP/1.1\r\n\r\n"), H1Q_OK);
	/* control bytes, NUL, DEL and non-ASCII in a value */
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nX-A: a\x01" "b\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(parse_n("GET /x HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 30, &r), H1Q_OK);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nX-A: a\x7f\xff" "b\r\n\r\n"), H1Q_OK);
	/* LF then CRLF */
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nX-A: a\n\r\n"), H1Q_OK);
	/* same Host twice (case-insensitive) */
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nHost: a\r\nhost: A\r\n\r\n"), H1Q_OK);
	/* long method */
	char m[300];
	memset(m, 'A', 200);
	memcpy(m + 200, " /x HTTP/1.1\r\n\r\n", 17);
	m[217] = 0;
	ck_assert_int_eq(verdict(m), H1Q_OK);
}
END_TEST

/* Host against the request target, each verdict observed on 2.6.12 */
START_TEST(request_host_authority)
{
	struct h1q_req r;
	/* a default port (or an empty one) of the URI's scheme on one side */
	ck_assert_int_eq(verdict("GET http://a:80/p HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET http://a/p HTTP/1.1\r\nHost: a:80\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET HTTPS://a:443/p HTTP/1.1\r\nHost: A\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET http://a:/p HTTP/1.1\r\nHost: a:80\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET http://u:pw@a:80/p HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET http://[::1]:80/ HTTP/1.1\r\nHost: [::1]\r\n\r\n"), H1Q_OK);
	/* another port, the other scheme's port, a padded port, no scheme */
	ck_assert_int_eq(verdict("GET http://a:8080/p HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET http://a:443/p HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET https://a/p HTTP/1.1\r\nHost: a:80\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET http://a:080/p HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET ftp://a:80/p HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("FOO a:443 HTTP/1.1\r\nHost: b\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("FOO a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"), H1Q_OK);
	/* CONNECT: a port is needed; Host names the same host and port, or
	 * the same host with the target on 80 or 443 */
	ck_assert_int_eq(verdict("CONNECT a HTTP/1.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("CONNECT a: HTTP/1.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("CONNECT a:443 HTTP/1.1\r\nHost: a:\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("CONNECT a:8443 HTTP/1.1\r\nHost: A:8443\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("CONNECT a:8443 HTTP/1.1\r\nHost: a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("CONNECT a:443 HTTP/1.1\r\nHost: a:80\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("CONNECT a:443 HTTP/1.1\r\nHost: b\r\n\r\n"), H1Q_BAD);
	/* methods are case-sensitive: "connect" is another method */
	ck_assert_int_eq(verdict("connect a HTTP/1.1\r\n\r\n"), H1Q_OK);
	/* a repeated identical Host is dropped, the first kept */
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nhost: A\r\n\r\n", &r), H1Q_OK);
	ck_assert_int_eq(r.nhdrs, 2);
	ck_assert_int_eq(r.hdrs[0].value[0], 'a');
	ck_assert_int_eq(verdict("GET / HTTP/1.1\r\nHost: a\r\nHost: a:80\r\n\r\n"), H1Q_BAD);
}
END_TEST

START_TEST(request_fold)
{
	struct h1q_req r;
	/* obsolete folding is accepted; the line end becomes spaces */
	ck_assert_int_eq(parse("GET /x HTTP/1.1\r\nX-A: a\r\n b\r\nX-B: c\r\n\r\n", &r), H1Q_OK);
	const struct h1q_hdr *h = h1q_header(&r, "X-A", 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq((int)h->value_len, 5);
	ck_assert(memcmp(h->value, "a   b", 5) == 0);
	ck_assert_ptr_nonnull(h1q_header(&r, "x-b", 0));
	/* a fold right after the colon: the value has no leading blank, so
	 * it equals a later "Host: a" (haproxy answers 200); the fuzzer found
	 * a first parse saying 400 and a second one, of the blanked bytes, OK */
	ck_assert_int_eq(parse("GET /x HTTP/1.1\r\nHost:\r\n a\r\nHost: a\r\n\r\n", &r), H1Q_OK);
	h = h1q_header(&r, "Host", 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq((int)h->value_len, 1);
	ck_assert(h->value[0] == 'a');
}
END_TEST

START_TEST(request_bad)
{
	/* HTTP/0.9, bad or lower-case version, space after it, digits */
	ck_assert_int_eq(verdict("GET /x\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.x\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x http/1.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1 \r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1x\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/11.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x \r\n\r\n"), H1Q_BAD);
	/* URI: non-ASCII, control byte, '#', empty */
	ck_assert_int_eq(verdict("GET /\xc3\xa9 HTTP/1.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /a\x01" "b HTTP/1.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x#y HTTP/1.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET  HTTP/1.1\r\n\r\n"), H1Q_BAD);
	/* method not a token; leading space */
	ck_assert_int_eq(verdict("G(T /x HTTP/1.1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict(" GET /x HTTP/1.1\r\n\r\n"), H1Q_BAD);
	/* header names */
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nHost : x\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nX-A\t: a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nHost\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\n: x\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nX(A): a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\n X-A: a\r\n\r\n"), H1Q_BAD);
	/* a CR alone */
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\rHost: x\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nX-A: a\rb\r\n\r\n"), H1Q_BAD);
	/* Host */
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET http://h/x HTTP/1.1\r\nHost: other\r\n\r\n"), H1Q_BAD);
	/* binary (a TLS record) */
	ck_assert_int_eq(verdict("\x16\x03\x01\x00\x00"), H1Q_BAD);
}
END_TEST

START_TEST(request_framing)
{
	struct h1q_req r;
	ck_assert_int_eq(parse("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &r), H1Q_OK);
	ck_assert_int_eq(r.body, H1Q_BODY_CLEN);
	ck_assert_int_eq((int)r.content_length, 5);
	/* equal duplicates and lists are merged */
	ck_assert_int_eq(parse("GET /x HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", &r), H1Q_OK);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 0, 0\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 00\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 0, 1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 0,\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 1a\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: +1\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: \r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("GET /x HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), H1Q_BAD);
	/* HAProxy's bound: 2^63 - 1 passes, 2^63 and 2^64 (which HAProxy
	 * 2.6.12 wraps to 0) are refused */
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n"), H1Q_BAD);
	/* Transfer-Encoding */
	ck_assert_int_eq(parse("POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked \r\nContent-Length: 5\r\n\r\n", &r), H1Q_OK);
	ck_assert_int_eq(r.body, H1Q_BODY_CHUNKED); /* Content-Length ignored */
	ck_assert_int_eq(verdict("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), H1Q_OK);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n"), H1Q_BAD);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), H1Q_UNPROCESSABLE);
	ck_assert_int_eq(verdict("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), H1Q_UNPROCESSABLE);
}
END_TEST

/* Builds "GET /x HTTP/1.1\r\n" + extra + "X-A: <n a's>\r\n\r\n". */
static const char *
big(size_t n, const char *extra)
{
	static char s[20000];
	size_t o = (size_t)snprintf(s, sizeof(s), "GET /x HTTP/1.1\r\n%sX-A: ", extra);
	memset(s + o, 'a', n);
	memcpy(s + o + n, "\r\n\r\n", 5);
	return s;
}

START_TEST(request_limits)
{
	struct h1q_req r;
	/* the largest heads HAProxy takes with the default buffers */
	ck_assert_int_eq(verdict(big(15251, "")), H1Q_OK);
	ck_assert_int_eq(verdict(big(15252, "")), H1Q_BAD);
	ck_assert_int_eq(verdict(big(15238, "Host: x\r\n")), H1Q_OK);
	ck_assert_int_eq(verdict(big(15239, "Host: x\r\n")), H1Q_BAD);
	/* 100 header fields pass, 101 do not (tune.http.maxhdr 101) */
	static char s[4000];
	size_t o = (size_t)snprintf(s, sizeof(s), "GET /x HTTP/1.1\r\n");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "X-%d: a\r\n", i);
	snprintf(s + o, sizeof(s) - o, "\r\n");
	ck_assert_int_eq(verdict(s), H1Q_OK);
	snprintf(s + o, sizeof(s) - o, "X-Z: a\r\n\r\n");
	ck_assert_int_eq(verdict(s), H1Q_BAD);
	/* an endless head is refused once a buffer is full */
	static char e[17000];
	memcpy(e, "GET /x HTTP/1.1\r\nX: ", 20);
	memset(e + 20, 'a', sizeof(e) - 21);
	e[sizeof(e) - 1] = 0;
	ck_assert_int_eq(verdict(e), H1Q_BAD);
	e[1000] = 0;
	ck_assert_int_eq(verdict(e), H1Q_NEED_MORE);
	/* blanks cost nothing inside, but HAProxy reads bufsize - 64 raw
	 * bytes of a head: a longer one, or one not ended by then, is
	 * refused */
	static char b[17000];
	const char *pre = "GET /x HTTP/1.1\r\nX:", *post = "y\r\n\r\n";
	size_t pl = strlen(pre), ql = strlen(post);
	for (size_t total = 16319; total <= 16321; total++) {
		memcpy(b, pre, pl);
		memset(b + pl, ' ', total - pl - ql);
		memcpy(b + total - ql, post, ql);
		ck_assert_int_eq(parse_n(b, total, &r), total <= 16320 ? H1Q_OK : H1Q_BAD);
	}
	ck_assert_int_eq(parse_n(b, 16319, &r), H1Q_NEED_MORE);
	ck_assert_int_eq(parse_n(b, 16320, &r), H1Q_BAD);
}
END_TEST

START_TEST(request_prefixes)
{
	struct h1q_req r;
	const char *s = "\r\nPOST /a?b HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\nContent-Length: 2\r\n\r\n";
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(parse_n(s, i, &r) == H1Q_NEED_MORE, "prefix %zu", i);
	ck_assert_int_eq(parse_n(s, n, &r), H1Q_OK);
	ck_assert_int_eq((int)r.head_len, (int)n);
}
END_TEST

START_TEST(chunked_body)
{
	char out[32];
	size_t ol, used;
	const char *b = "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	ck_assert_int_eq(h1q_chunked(b, strlen(b), out, sizeof(out), &ol, &used), H1Q_OK);
	ck_assert_int_eq((int)ol, 5);
	ck_assert(memcmp(out, "abcde", 5) == 0);
	ck_assert_int_eq((int)used, (int)strlen(b) - 4);
	for (size_t i = 0; i < strlen(b) - 4; i++)
		ck_assert_int_eq(h1q_chunked(b, i, out, sizeof(out), &ol, &used), H1Q_NEED_MORE);
	ck_assert_int_eq(h1q_chunked("z\r\n", 3, out, sizeof(out), &ol, &used), H1Q_BAD);
	ck_assert_int_eq(h1q_chunked("3\r\nabcX", 7, out, sizeof(out), &ol, &used), H1Q_BAD);
	/* more payload than the caller's room */
	ck_assert_int_eq(h1q_chunked("40\r\n", 4, out, sizeof(out), &ol, &used), H1Q_BAD);
	ck_assert_int_eq(h1q_chunked("ffffffffffffffffff\r\n", 20, out, sizeof(out), &ol, &used), H1Q_BAD);
}
END_TEST

Suite *suite_http1_req(void);
Suite *
suite_http1_req(void)
{
	Suite *s = suite_create("http1_req");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, request_ok);
	tcase_add_test(tc, request_forms);
	tcase_add_test(tc, request_host_authority);
	tcase_add_test(tc, request_fold);
	tcase_add_test(tc, request_bad);
	tcase_add_test(tc, request_framing);
	tcase_add_test(tc, request_limits);
	tcase_add_test(tc, request_prefixes);
	tcase_add_test(tc, chunked_body);
	suite_add_tcase(s, tc);
	return s;
}
