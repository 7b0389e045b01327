/* engine/http_msg: editable heads. Expected serialisations are what
 * HAProxy 2.6.12 sent to a server for the same request and rules
 * (observed with a dumping server behind it). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/http_msg.h"
#include "lib/util.h"

Suite *suite_http_msg(void);

static char buf[8192];
static struct h1q_hdr qh[128];
static struct h1q_req q;
static struct hmsg m;
static struct sbuf out;

/* Parses raw into m (a request). */
static void
req(const char *raw, size_t max)
{
	struct h1q_limits l;
	h1q_limits_default(&l);
	size_t n = strlen(raw);
	ck_assert_uint_lt(n, sizeof(buf));
	memcpy(buf, raw, n);
	memset(&q, 0, sizeof(q));
	q.hdrs = qh;
	q.hdrs_cap = ARRAY_SIZE(qh);
	ck_assert_int_eq(h1q_parse(buf, n, &l, &q), H1Q_OK);
	ck_assert_int_eq(hmsg_from_req(&m, &q, max), 0);
	/* the view must not point into buf */
	memset(buf, 'Z', n);
}

static void
resp(const char *raw)
{
	static struct h1r_resp r;
	ck_assert_int_eq(h1r_parse(raw, strlen(raw), &r), H1R_OK);
	ck_assert_int_eq(hmsg_from_resp(&m, &r, 0), 0);
}

static const char *
ser(void)
{
	sbuf_reset(&out);
	hmsg_write(&m, &out);
	return out.s;
}

static void
teardown(void)
{
	hmsg_free(&m);
	free(out.s);
	memset(&out, 0, sizeof(out));
}

START_TEST(write_as_haproxy)
{
	req("GET /a?b HTTP/1.1\r\nHost: x\r\nX-Foo:   bar  baz  \r\nX-Fold: a\r\n  b\r\n"
	    "X-Empty:\r\nx-foo: second\r\nAccept: */*\r\n\r\n", 0);
	ck_assert_str_eq(ser(), "GET /a?b HTTP/1.1\r\nhost: x\r\nx-foo: bar  baz\r\n"
	                 "x-fold: a    b\r\nx-empty: \r\nx-foo: second\r\naccept: */*\r\n\r\n");
	/* names keep their case for the view */
	const struct h1q_req *v = hmsg_req_view(&m);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->nhdrs, 6);
	ck_assert_int_eq(strncmp(v->hdrs[1].name, "X-Foo", 5), 0);
	ck_assert_ptr_null(hmsg_resp_view(&m));
	ck_assert_uint_eq(v->head_len, strlen(ser()));
	teardown();

	req("get  http://x/p?q   HTTP/1.0\r\nHost: x\r\n\r\n", 0);
	ck_assert_str_eq(ser(), "get http://x/p?q HTTP/1.0\r\nhost: x\r\n\r\n");
	teardown();
}
END_TEST

START_TEST(write_response)
{
	resp("HTTP/1.0 299\r\nX-E:\r\nContent-Length: 2\r\n\r\n");
	ck_assert_str_eq(ser(), "HTTP/1.0 299 \r\nx-e: \r\ncontent-length: 2\r\n\r\n");
	ck_assert_ptr_null(hmsg_req_view(&m));
	const struct h1r_resp *r = hmsg_resp_view(&m);
	ck_assert_int_eq(r->status, 299);
	ck_assert_int_eq(r->body, H1R_BODY_CLEN);
	ck_assert_int_eq(hmsg_set_status(&m, 404, NULL, 0), 0);
	ck_assert_str_eq(ser(), "HTTP/1.0 404 Not Found\r\nx-e: \r\ncontent-length: 2\r\n\r\n");
	ck_assert_int_eq(hmsg_resp_view(&m)->status, 404);
	ck_assert_int_eq(hmsg_set_status(&m, 200, "Fine", 4), 0);
	ck_assert_str_eq(ser(), "HTTP/1.0 200 Fine\r\nx-e: \r\ncontent-length: 2\r\n\r\n");
	ck_assert_int_eq(hmsg_set_status(&m, 1000, NULL, 0), -1);
	ck_assert_int_eq(hmsg_set_method(&m, "GET", 3), -1);
	const struct h1r_hdr *h = h1r_header(hmsg_resp_view(&m), "X-E", 0);
	ck_assert_ptr_nonnull(h);
	teardown();
}
END_TEST

START_TEST(header_edits)
{
	req("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\na: 3\r\n\r\n", 0);
	ck_assert_int_eq(hmsg_find(&m, "a", 1, 0), 1);
	ck_assert_int_eq(hmsg_find(&m, "A", 1, 1), 3);
	ck_assert_int_eq(hmsg_find(&m, "a", 1, 2), -1);
	ck_assert_int_eq(hmsg_add(&m, "C", 1, "4", 1), 0);
	ck_assert_str_eq(ser(), "GET / HTTP/1.1\r\nhost: x\r\na: 1\r\nb: 2\r\na: 3\r\nc: 4\r\n\r\n");
	/* set: every a removed, one added at the end */
	ck_assert_int_eq(hmsg_set(&m, "a", 1, "9", 1), 0);
	ck_assert_str_eq(ser(), "GET / HTTP/1.1\r\nhost: x\r\nb: 2\r\nc: 4\r\na: 9\r\n\r\n");
	/* a value taken from a field being replaced */
	long i = hmsg_find(&m, "a", 1, 0);
	ck_assert_int_eq(hmsg_set(&m, "a", 1, m.hdrs[i].value, m.hdrs[i].value_len), 0);
	ck_assert_str_eq(ser(), "GET / HTTP/1.1\r\nhost: x\r\nb: 2\r\nc: 4\r\na: 9\r\n\r\n");
	ck_assert_uint_eq(hmsg_del(&m, "B", 1), 1);
	ck_assert_uint_eq(hmsg_del(&m, "zz", 2), 0);
	ck_assert_int_eq(hmsg_set_value(&m, 0, "y", 1), 0);
	ck_assert_int_eq(hmsg_set_value(&m, 9, "y", 1), -1);
	hmsg_remove(&m, 1);
	hmsg_remove(&m, 7);
	ck_assert_str_eq(ser(), "GET / HTTP/1.1\r\nhost: y\r\na: 9\r\n\r\n");
	/* the view follows */
	const struct h1q_hdr *h = h1q_header(hmsg_req_view(&m), "host", 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->value_len, 1);
	ck_assert_int_eq(h->value[0], 'y');
	ck_assert_uint_eq(hmsg_req_view(&m)->nhdrs, 2);
	/* many fields: the view grows */
	for (int k = 0; k < 200; k++)
		ck_assert_int_eq(hmsg_add(&m, "x-many", 6, "v", 1), 0);
	ck_assert_uint_eq(hmsg_req_view(&m)->nhdrs, 202);
	ck_assert_ptr_nonnull(h1q_header(hmsg_req_view(&m), "x-many", 199));
	ck_assert_uint_eq(hmsg_del(&m, "x-many", 6), 200);
	teardown();
}
END_TEST

START_TEST(request_line)
{
	static const struct {
		const char *uri;
		int op;         /* 0 path 1 query 2 pathq 3 uri */
		const char *v, *want;
	} t[] = {
		{ "/a?b", 1, "", "/a?" },
		{ "/a", 1, "", "/a" },
		{ "/a", 1, "z", "/a?z" },
		{ "/a?b", 1, "z", "/a?z" },
		{ "/a?b", 1, "?z", "/a??z" },
		{ "*", 1, "a", "*?a" },
		{ "http://h", 1, "a", "http://h?a" },
		{ "/a?b", 0, "/n", "/n?b" },
		{ "http://h/a?b", 0, "/n", "http://h/n?b" },
		{ "http://h", 0, "/n", "/n" },
		{ "*", 0, "/n", "/n" },
		{ "/a?b", 0, "n?c", "n?c?b" },
		{ "/a?b", 0, "", "?b" },
		{ "http://h/a?b", 2, "/n", "http://h/n" },
		{ "http://h/a?b", 2, "/n?z", "http://h/n?z" },
		{ "/a?b", 2, "/x", "/x" },
		{ "/a?b", 3, "/p", "/p" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char raw[256];
		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nhost: h\r\n\r\n", t[i].uri);
		req(raw, 0);
		size_t l = strlen(t[i].v);
		int rc = t[i].op == 0 ? hmsg_set_path(&m, t[i].v, l) :
		         t[i].op == 1 ? hmsg_set_query(&m, t[i].v, l) :
		         t[i].op == 2 ? hmsg_set_pathq(&m, t[i].v, l) :
		         hmsg_set_uri(&m, t[i].v, l);
		ck_assert_int_eq(rc, 0);
		char want[256];
		snprintf(want, sizeof(want), "GET %s HTTP/1.1\r\nhost: h\r\n\r\n", t[i].want);
		ck_assert_msg(strcmp(ser(), want) == 0, "case %zu: %s", i, out.s);
		ck_assert_uint_eq(hmsg_req_view(&m)->uri_len, strlen(t[i].want));
		teardown();
	}
}
END_TEST

START_TEST(uri_and_host)
{
	/* set-uri with an authority rewrites an existing Host */
	req("GET /a?b HTTP/1.1\r\nhost: h\r\n\r\n", 0);
	ck_assert_int_eq(hmsg_set_uri(&m, "http://other/p", 14), 0);
	ck_assert_str_eq(ser(), "GET http://other/p HTTP/1.1\r\nhost: other\r\n\r\n");
	ck_assert_int_eq(hmsg_set_uri(&m, "https://H2:443", 14), 0);
	ck_assert_str_eq(ser(), "GET https://H2:443 HTTP/1.1\r\nhost: H2:443\r\n\r\n");
	teardown();
	/* and adds none */
	req("GET /a HTTP/1.0\r\n\r\n", 0);
	ck_assert_int_eq(hmsg_set_uri(&m, "http://z/p", 10), 0);
	ck_assert_str_eq(ser(), "GET http://z/p HTTP/1.0\r\n\r\n");
	teardown();
	/* a new Host moves the authority of an absolute URI */
	req("GET http://h/a HTTP/1.1\r\nhost: h\r\n\r\n", 0);
	ck_assert_int_eq(hmsg_set(&m, "host", 4, "k:81", 4), 0);
	ck_assert_int_eq(hmsg_host_changed(&m), 0);
	ck_assert_str_eq(ser(), "GET http://k:81/a HTTP/1.1\r\nhost: k:81\r\n\r\n");
	teardown();
	req("GET /a HTTP/1.1\r\nhost: h\r\n\r\n", 0);
	ck_assert_int_eq(hmsg_set(&m, "host", 4, "k", 1), 0);
	ck_assert_int_eq(hmsg_host_changed(&m), 0);
	ck_assert_str_eq(ser(), "GET /a HTTP/1.1\r\nhost: k\r\n\r\n");
	ck_assert_int_eq(hmsg_set_method(&m, "PURGE", 5), 0);
	ck_assert_str_eq(ser(), "PURGE /a HTTP/1.1\r\nhost: k\r\n\r\n");
	ck_assert_int_eq(hmsg_req_view(&m)->method_len, 5);
	teardown();
}
END_TEST

/* HAProxy 2.6.12, tune.bufsize 16384, "set-header x-big
 * %[req.hdr(x-in)]": an x-in of 8124 bytes passes with "host: xx", of
 * 8125 with "host: x" fails (500). */
START_TEST(rewrite_room)
{
	static char raw[8400];
	char v[8200];
	memset(v, 'a', sizeof(v));
	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nhost: xx\r\nx-in: %.*s\r\n\r\n", 8124, v);
	req(raw, 16384);
	ck_assert_int_eq(hmsg_set(&m, "x-big", 5, v, 8124), 0);
	ck_assert_uint_eq(hmsg_cost(&m), 16384);
	teardown();
	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nhost: x\r\nx-in: %.*s\r\n\r\n", 8125, v);
	req(raw, 16384);
	ck_assert_int_eq(hmsg_set(&m, "x-big", 5, v, 8125), -1);
	ck_assert_int_eq(hmsg_add(&m, "x-big", 5, v, 8125), -1);
	/* unchanged by the failed edits */
	ck_assert_int_eq(hmsg_find(&m, "x-big", 5, 0), -1);
	ck_assert_int_eq(hmsg_set_uri(&m, v, 8200), -1);
	ck_assert_int_eq(hmsg_set_value(&m, 0, v, 8200), -1);
	ck_assert_int_eq(hmsg_set_value(&m, 0, "ok", 2), 0);
	teardown();
}
END_TEST

/* HAProxy drops the default port of an absolute URI, and from a Host
 * that repeats the authority (observed on 2.6.12). */
START_TEST(default_port)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "GET / HTTP/1.1\r\nHost: a:80\r\n\r\n", "GET / HTTP/1.1\r\nhost: a:80\r\n\r\n" },
		{ "GET https://a:443/p HTTP/1.1\r\nHost: a:443\r\n\r\n", "GET https://a/p HTTP/1.1\r\nhost: a\r\n\r\n" },
		{ "GET http://a:80 HTTP/1.1\r\nHost: a:80\r\n\r\n", "GET http://a HTTP/1.1\r\nhost: a\r\n\r\n" },
		{ "GET http://a:81/p HTTP/1.1\r\nHost: a:81\r\n\r\n", "GET http://a:81/p HTTP/1.1\r\nhost: a:81\r\n\r\n" },
		{ "GET HTTP://a:80/p HTTP/1.1\r\nHost: a:80\r\n\r\n", "GET HTTP://a/p HTTP/1.1\r\nhost: a\r\n\r\n" },
		{ "GET http://a:/p HTTP/1.1\r\nHost: a:\r\n\r\n", "GET http://a/p HTTP/1.1\r\nhost: a\r\n\r\n" },
		{ "GET http://[::1]:80/p HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "GET http://[::1]/p HTTP/1.1\r\nhost: [::1]\r\n\r\n" },
		{ "GET https://a:80/p HTTP/1.1\r\nHost: a:80\r\n\r\n", "GET https://a:80/p HTTP/1.1\r\nhost: a:80\r\n\r\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		req(t[i].in, 0);
		ck_assert_msg(strcmp(ser(), t[i].want) == 0, "case %zu: %s", i, out.s);
		size_t pl;
		const char *p = h1q_path(hmsg_req_view(&m), &pl);
		ck_assert_ptr_nonnull(p);
		teardown();
	}
}
END_TEST

START_TEST(reasons)
{
	ck_assert_str_eq(hmsg_reason(200), "OK");
	ck_assert_str_eq(hmsg_reason(302), "Moved Temporarily");
	ck_assert_str_eq(hmsg_reason(400), "Bad Request");
	ck_assert_str_eq(hmsg_reason(502), "Bad Gateway or Proxy Error");
	ck_assert_str_eq(hmsg_reason(299), "Success");
	ck_assert_str_eq(hmsg_reason(599), "Server Error");
	ck_assert_str_eq(hmsg_reason(999), "Other");
}
END_TEST

/* A field's name and value share one allocation until the value is
 * replaced (engine/http_msg.c push_hdr): every path frees each once
 * (the ASan build checks). */
START_TEST(joint_fields)
{
	req("GET /j HTTP/1.1\r\nHost: x\r\nE:\r\nV: abc\r\n\r\n", 0);
	ck_assert(m.hdrs[2].joint);
	ck_assert_int_eq(hmsg_set_value(&m, 2, "longer value", 12), 0);
	ck_assert(!m.hdrs[2].joint);
	ck_assert_int_eq(hmsg_set_value(&m, 2, "v2", 2), 0);
	ck_assert_int_eq(hmsg_set_value(&m, 1, "", 0), 0);
	ck_assert_str_eq(ser(), "GET /j HTTP/1.1\r\nhost: x\r\ne: \r\nv: v2\r\n\r\n");
	hmsg_remove(&m, 2);
	hmsg_remove(&m, 0);
	ck_assert_str_eq(ser(), "GET /j HTTP/1.1\r\ne: \r\n\r\n");
	teardown();
	resp("HTTP/1.1 200 OK\r\nA: 1\r\n\r\n");
	ck_assert_str_eq(ser(), "HTTP/1.1 200 OK\r\na: 1\r\n\r\n");
	ck_assert_int_eq(hmsg_set_status(&m, 101, NULL, 0), 0);
	ck_assert_str_eq(ser(), "HTTP/1.1 101 Switching Protocols\r\na: 1\r\n\r\n");
	teardown();
}
END_TEST

Suite *
suite_http_msg(void)
{
	Suite *s = suite_create("http_msg");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, write_as_haproxy);
	tcase_add_test(tc, write_response);
	tcase_add_test(tc, header_edits);
	tcase_add_test(tc, request_line);
	tcase_add_test(tc, uri_and_host);
	tcase_add_test(tc, rewrite_room);
	tcase_add_test(tc, default_port);
	tcase_add_test(tc, reasons);
	tcase_add_test(tc, joint_fields);
	suite_add_tcase(s, tc);
	return s;
}
