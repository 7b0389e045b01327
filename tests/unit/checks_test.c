/* http-check / tcp-check rules (checks.c) with HAProxy 2.6.12's texts. */
#include "px_common.h"

START_TEST(check_errors)
{
	pload(PDEF "backend b\n http-check foo\n tcp-check foo\n http-check expect\n"
	      " http-check expect status\n http-check expect status 200-x\n"
	      " http-check expect foo x\n http-check expect ok-status FOO status 200\n"
	      " http-check send foo\n http-check connect foo\n tcp-check send-binary zz\n"
	      " tcp-check expect binary zz\n http-check expect rstatus (\n", false);
	PERR(6, 13, "'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got 'foo'");
	PERR(7, 12, "'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got 'foo'");
	PERR(8, 13, "'http-check expect' : expects at least a matching pattern as arguments.");
	PERR(9, 20, "'http-check expect' : 'status' expects a <pattern> as argument.");
	PERR(10, 27, "'http-check expect' : invalid range of status codes '200-x'.");
	PERR(11, 20, "'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got 'foo' as argument..");
	PERR(12, 30, "'http-check expect' : 'ok-status' only supports 'L4OK', 'L6OK', 'L7OK' or 'L7OKC' status (got 'FOO')..");
	PERR(13, 18, "'http-check send' : expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got 'foo' as argument..");
	PERR(14, 21, "'http-check connect' : expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got 'foo' as argument..");
	PERR(15, 24, "'tcp-check send-binary' : 'zz' invalid binary string (an hex digit is expected (found 'z')).");
	PERR(16, 26, "'tcp-check expect' : invalid binary string (an hex digit is expected (found 'z')).");
	ck_assert_int_eq(pd.nerrors, 12); /* rstatus ( : POSIX regcomp rejects it too */
	pdone();
}
END_TEST

START_TEST(http_check_model)
{
	pload(PDEFH "backend b\n option httpchk\n http-check connect port 8080 ssl sni x.example alpn h2\n"
	      " http-check send meth GET uri /health ver HTTP/1.1 hdr Host x.example\n"
	      " http-check expect status 200-399,404\n http-check expect ! rstring ^ERR\n"
	      " http-check expect hdr name -m beg X-A value ok\n http-check disable-on-404\n"
	      " http-check set-var(check.x) int(1)\n", false);
	/* variable rules are kept, but checks do not run them yet */
	PWARN(14, 13, "'http-check set-var' is ignored by sluice: health checks do not run variable rules yet");
	ck_assert_int_eq(pd.nwarnings, 1);
	struct cfg_proxy *b = ppx("b");
	ck_assert_int_eq((int)b->http_checks.n, 6);
	struct px_check_rule *r = b->http_checks.v[0];
	ck_assert_int_eq(r->act, CHK_CONNECT);
	ck_assert_int_eq(r->c_port, 8080);
	ck_assert(r->c_ssl);
	ck_assert_str_eq(r->c_sni, "x.example");
	r = b->http_checks.v[1];
	ck_assert_str_eq(r->meth, "GET");
	ck_assert_str_eq(r->uri, "/health");
	ck_assert_int_eq((int)r->hdrs.n, 1);
	r = b->http_checks.v[2];
	ck_assert_int_eq(r->match, CHK_M_STATUS);
	ck_assert_int_eq((int)r->statuses.n, 2);
	ck_assert_int_eq(r->statuses.v[0].lo, 200);
	ck_assert_int_eq(r->statuses.v[0].hi, 399);
	ck_assert_int_eq(r->statuses.v[1].lo, 404);
	r = b->http_checks.v[3];
	ck_assert(r->inverse && r->re != NULL);
	r = b->http_checks.v[4];
	ck_assert_int_eq(r->match, CHK_M_HDR);
	ck_assert_int_eq(r->hdr_name_match, 1);
	ck_assert_str_eq(r->hdr_value, "ok");
	ck_assert(b->http_check_disable_on_404);
	ck_assert_int_eq(b->http_checks.v[5]->act, CHK_SET_VAR);
	pdone();
}
END_TEST

START_TEST(tcp_check_model)
{
	pload(PDEF "backend b\n option tcp-check\n tcp-check connect port 6379\n"
	      " tcp-check send PING\\r\\n\n tcp-check send-binary 50494e47\n"
	      " tcp-check expect min-recv 5 string +PONG\n tcp-check comment hello\n", false);
	pclean();
	struct cfg_proxy *b = ppx("b");
	ck_assert_int_eq(b->chk_kind, PX_CHK_TCPCHK);
	ck_assert_int_eq((int)b->tcp_checks.n, 5);
	ck_assert_str_eq(b->tcp_checks.v[1]->data, "PING\r\n");
	ck_assert_int_eq((int)b->tcp_checks.v[2]->data_len, 4);
	ck_assert_str_eq(b->tcp_checks.v[2]->data, "PING");
	ck_assert_int_eq(b->tcp_checks.v[3]->min_recv, 5);
	ck_assert_str_eq(b->tcp_checks.v[3]->pattern, "+PONG");
	pdone();
}
END_TEST

START_TEST(check_where)
{
	/* checks are fine in anonymous defaults; not in a frontend */
	pload(PDEF " http-check expect status 200\nfrontend f\n http-check expect status 200\n", false);
	PWARN(7, 2, "'http-check' ignored because frontend 'f' has no backend capability.");
	ck_assert_int_eq(pd.nerrors, 0);
	pdone();
}
END_TEST

/* Review fixes: HAProxy's status list reader, port words, hex strings
 * (haproxy -c 2.6.12). */
START_TEST(check_numbers)
{
	pload(PDEF "backend b\n option httpchk\n http-check expect status 200,,300\n"
	      " http-check expect status 200-300-400\n http-check expect status 300-200\n"
	      " tcp-check connect port 80x\n tcp-check connect port 0\n tcp-check connect port\n"
	      " tcp-check expect min-recv 5x string a\n tcp-check send-binary 0g1\n"
	      " tcp-check expect binary 0g1\n", false);
	PERR(8, 27, "'http-check expect' : invalid character '-' in the list of status codes.");
	PERR(9, 27, "'http-check expect' : invalid range of status codes '300-200'.");
	PERR(10, 25, "'tcp-check connect' : error detected while parsing port expression : unknown fetch method '80x'.");
	PERR(11, 25, "'tcp-check connect' : expects a valid TCP port (from range 1 to 65535) or a sample expression, got 0..");
	PERR(12, 20, "'tcp-check connect' : 'port' expects a port number or a sample expression as argument..");
	PWARN(13, 28, "'min-recv' : '5x' is not a number: read as 5, as HAProxy does");
	PERR(14, 24, "'tcp-check send-binary' : '0g1' invalid binary string (an even number of hex digit is expected).");
	PERR(15, 26, "'tcp-check expect' : invalid binary string (an even number of hex digit is expected).");
	ck_assert_int_eq(pd.nerrors, 7);
	pload(PDEF "backend b\n option httpchk\n http-check expect status 200,,300\n"
	      " tcp-check send-binary 0a0D\n", false);
	pclean();
	struct px_check_rule *r = ppx("b")->http_checks.v[0];
	ck_assert_uint_eq(r->statuses.n, 3);
	ck_assert_int_eq(r->statuses.v[1].lo, 0); /* empty item reads as 0 */
	ck_assert_int_eq(r->statuses.v[2].hi, 300);
	r = ppx("b")->tcp_checks.v[0];
	ck_assert_uint_eq(r->data_len, 2);
	ck_assert_int_eq(r->data[1], 0x0d);
	pdone();
}
END_TEST

Suite *suite_checks(void);
Suite *
suite_checks(void)
{
	Suite *s = suite_create("checks");
#define T(fn) do { TCase *t = tcase_create(#fn); tcase_add_test(t, fn); suite_add_tcase(s, t); } while (0)
	T(check_errors);
	T(http_check_model);
	T(tcp_check_model);
	T(check_where);
	T(check_numbers);
#undef T
	return s;
}
