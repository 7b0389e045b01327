/* HTTP mode log lines (engine/log_http.c through log_format_txn): the
 * "option httplog", "httplog clf" and "httpslog" layouts, the request
 * line variables and their encoding, captures, timers. Expected lines
 * were written by haproxy 2.6.12 (TZ=UTC) for the same transactions;
 * the transactions here are rebuilt by hand with the same values. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http.h"
#include "engine/http_msg.h"
#include "engine/log.h"
#include "engine/session.h"
#include "lib/util.h"
#include "parser/bind.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/server.h"

static char *old_tz;

static void
tz_utc(void)
{
	const char *tz = getenv("TZ");
	old_tz = tz ? xstrdup(tz) : NULL;
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
tz_restore(void)
{
	if (old_tz)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	free(old_tz);
	old_tz = NULL;
	tzset();
}

static const char *const cfg_text =
	"global\n"
	"    log stdout format raw local0\n"
	"defaults\n"
	"    mode http\n"
	"    log global\n"
	"    timeout connect 1s\n"
	"    timeout client 5s\n"
	"    timeout server 5s\n"
	"frontend fh\n"
	"    bind 127.0.0.1:23910\n"
	"    option httplog\n"
	"    capture request header Host len 20\n"
	"    capture request header User-Agent len 5\n"
	"    capture response header X-Srv len 10\n"
	"    default_backend be\n"
	"frontend fc\n"
	"    bind 127.0.0.1:23912\n"
	"    option httplog clf\n"
	"    capture request header Host len 20\n"
	"    capture response header X-Srv len 10\n"
	"    default_backend be\n"
	"frontend fs2\n"
	"    bind 127.0.0.1:23913\n"
	"    option httpslog\n"
	"    default_backend be\n"
	"frontend fl\n"
	"    bind 127.0.0.1:27910\n"
	"    log-format \"%HM|%HU|%HP|%HPO|%HQ|%HV|%{+Q}r|%ST|%Tq|%Th|%Ti|%TR|%Tu|%Td|%tsc|"
	"%{+Q}HQ|%{+Q}HP|%hrl|%{+Q}hr|%{+E}r\"\n"
	"    capture request header X-A len 3\n"
	"    capture request header X-B len 10\n"
	"    default_backend be\n"
	"frontend fe_http\n"
	"    bind 127.0.0.1:23914\n"
	"    option httplog\n"
	"    default_backend be\n"
	"backend be\n"
	"    server s1 127.0.0.1:23901\n";

struct rig {
	struct cfg *cfg;
	struct engine eng;
	struct worker w;
	struct frontend fe;
	struct backend be;
	struct srv_state srv;
	struct listener l;
	struct session s;
	struct http_log_info hi;
	char *req_caps[4], *res_caps[4];
};

static struct cfg *
load(void)
{
	struct cfg_opts o = { .no_dns = true };
	struct diag d = { 0 };
	struct cfg *c = cfg_load_string("t.cfg", cfg_text, strlen(cfg_text), &o, true, &d);
	for (size_t i = 0; i < d.n; i++)
		if (d.msgs[i].level == DIAG_ERROR)
			fprintf(stderr, "unexpected: %s\n", d.msgs[i].text);
	diag_free(&d);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* A transaction of frontend fe_name from 127.0.0.1:cport accepted at
 * wall_ms, that reached be/s1 (srv true) and holds them while logged. */
static void
rig_init(struct rig *r, struct cfg *cfg, const char *fe_name, int cport,
         long long wall_ms, bool srv)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->w.eng = &r->eng;
	r->fe.px = proxy_find(cfg, fe_name, PX_CAP_FE);
	ck_assert_ptr_nonnull(r->fe.px);
	r->l.fe = &r->fe;
	r->l.bind = r->fe.px->binds.v[0];
	memcpy(&r->l.addr, &r->l.bind->addrs[0].ss, sizeof(r->l.addr));
	r->s.w = &r->w;
	r->s.l = &r->l;
	r->s.fe = &r->fe;
	r->s.cfd = r->s.sfd = -1;
	r->s.sctx.cfg = cfg;
	r->s.sctx.fe = r->fe.px;
	r->s.src.in.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &r->s.src.in.sin_addr);
	r->s.src.in.sin_port = htons((uint16_t)cport);
	sess_addr_set(&r->s.dst, (const struct sockaddr *)&r->l.addr, sizeof(r->l.addr));
	atomic_store(&r->eng.cur_conn, 1);
	atomic_store(&r->fe.cur_conn, 1);
	r->s.t0 = 5000;
	r->s.t_accept_wall_ms = wall_ms;
	r->s.t_connect = r->s.t_established = -1;
	r->s.term[0] = r->s.term[1] = '-';
	r->hi.cookie[0] = r->hi.cookie[1] = '-';
	r->hi.status = -1;
	r->hi.tw = r->hi.tc = r->hi.tres = -1;
	if (srv) {
		r->be.px = proxy_find(cfg, "be", PX_CAP_BE);
		r->s.be = &r->be;
		atomic_store(&r->be.cur_conn, 1);
		r->srv.cfg = r->be.px->servers.v[0];
		atomic_store(&r->srv.cur_sess, 1);
		r->s.srv = &r->srv;
	}
}

static void
set_line(struct rig *r, const char *line)
{
	r->hi.req_line = line;
	r->hi.req_line_len = strlen(line);
}

static char *
line_of(struct rig *r, long long tt)
{
	struct sbuf b = { 0 };
	int lvl = -1;
	bool ok = log_format_txn(NULL, &r->s, &r->hi, r->s.t0 + tt, &b, &lvl);
	ck_assert(ok);
	return sbuf_take(&b);
}

#define LINE_EQ(r, tt, want)                                                  \
	do {                                                                  \
		char *got_ = line_of((r), (tt));                              \
		ck_assert_str_eq(got_, (want));                               \
		free(got_);                                                   \
	} while (0)

START_TEST(httplog_with_captures)
{
	struct cfg *cfg = load();
	struct rig r;
	rig_init(&r, cfg, "fh", 36376, 1795804465232LL, true);
	set_line(&r, "GET /a?b=1 HTTP/1.1");
	r.hi.status = 200;
	r.hi.th = r.hi.ti = r.hi.tr = r.hi.tw = 0;
	r.hi.tc = 1003;
	r.hi.tres = 12;
	r.hi.retries = 1;
	r.s.bytes_out = 141;
	r.s.bytes_in = 80;
	r.req_caps[0] = xstrdup("127.0.0.1:23910");
	r.req_caps[1] = xstrdup("curl\"");
	r.res_caps[0] = xstrdup("s1");
	r.hi.req_caps = r.req_caps;
	r.hi.n_req_caps = 2;
	r.hi.res_caps = r.res_caps;
	r.hi.n_res_caps = 1;
	LINE_EQ(&r, 1016, "127.0.0.1:36376 [27/Nov/2026:18:34:25.232] fh be/s1 "
	        "0/0/1003/12/1016 200 141 - - ---- 1/1/0/0/1 0/0 "
	        "{127.0.0.1:23910|curl#22} {s1} \"GET /a?b=1 HTTP/1.1\"");
	for (int i = 0; i < 2; i++)
		free(r.req_caps[i]);
	free(r.res_caps[0]);
	cfg_free(cfg);
}
END_TEST

START_TEST(clf_and_httpslog)
{
	struct cfg *cfg = load();
	struct rig r;
	rig_init(&r, cfg, "fc", 51436, 1795804466580LL, true);
	set_line(&r, "GET /c HTTP/1.1");
	r.hi.status = 200;
	r.hi.th = r.hi.ti = r.hi.tr = r.hi.tw = r.hi.tc = 0;
	r.hi.tres = 5;
	r.s.bytes_out = 141;
	r.s.bytes_in = 80;
	r.req_caps[0] = xstrdup("127.0.0.1:23912");
	r.res_caps[0] = xstrdup("s1");
	r.hi.req_caps = r.req_caps;
	r.hi.n_req_caps = 1;
	r.hi.res_caps = r.res_caps;
	r.hi.n_res_caps = 1;
	LINE_EQ(&r, 5, "127.0.0.1 - - [27/Nov/2026:18:34:26 +0000] \"GET /c HTTP/1.1\" 200 141 "
	        "\"\" \"\" 51436 580 \"fc\" \"be\" \"s1\" 0 0 0 5 5 ---- 1 1 0 0 0 0 0 "
	        "\"\" \"\" \"127.0.0.1:23912\" \"s1\"");
	free(r.req_caps[0]);
	free(r.res_caps[0]);

	rig_init(&r, cfg, "fs2", 56224, 1795804466688LL, true);
	set_line(&r, "GET /d HTTP/1.1");
	r.hi.status = 200;
	r.hi.th = r.hi.ti = r.hi.tr = r.hi.tw = r.hi.tc = 0;
	r.hi.tres = 2;
	r.s.bytes_out = 141;
	r.s.bytes_in = 80;
	LINE_EQ(&r, 2, "127.0.0.1:56224 [27/Nov/2026:18:34:26.688] fs2 be/s1 0/0/0/2/2 200 141 "
	        "- - ---- 1/1/0/0/0 0/0 \"GET /d HTTP/1.1\" 0/-/-/-/0 -/-/-");
	cfg_free(cfg);
}
END_TEST

START_TEST(bad_request)
{
	struct cfg *cfg = load();
	struct rig r;
	rig_init(&r, cfg, "fe_http", 53742, 1795780186142LL, false);
	r.hi.status = 400;
	r.hi.th = 0;
	r.hi.ti = r.hi.tr = -1;
	r.s.term[0] = 'P';
	r.s.term[1] = 'R';
	r.s.bytes_in = 10;
	LINE_EQ(&r, 0, "127.0.0.1:53742 [27/Nov/2026:11:49:46.142] fe_http fe_http/<NOSRV> "
	        "-1/-1/-1/-1/0 400 0 - - PR-- 1/1/0/0/0 0/0 \"<BADREQ>\"");
	cfg_free(cfg);
}
END_TEST

START_TEST(request_line_variables)
{
	struct cfg *cfg = load();
	struct rig r;
	rig_init(&r, cfg, "fl", 40000, 1795804465232LL, true);
	set_line(&r, "GET http://h/p/a?x=1 HTTP/1.1");
	r.hi.status = 200;
	r.hi.th = r.hi.ti = r.hi.tr = r.hi.tw = r.hi.tc = r.hi.tres = 0;
	r.s.bytes_in = 80;
	r.req_caps[0] = xstrdup("a\"b");
	r.hi.req_caps = r.req_caps;
	r.hi.n_req_caps = 2;
	LINE_EQ(&r, 0, "GET|http://h/p/a?x=1|http://h/p/a|/p/a|?x=1|HTTP/1.1|"
	        "\"GET http://h/p/a?x=1 HTTP/1.1\"|200|0|0|0|0|0|0|----|\"?x=1\"|"
	        "\"http://h/p/a\"|a#22b -|\"{a#22b|}\"|GET http://h/p/a?x=1 HTTP/1.1");
	free(r.req_caps[0]);

	rig_init(&r, cfg, "fl", 40000, 1795804465232LL, true);
	set_line(&r, "GET /p\\q]\"x HTTP/1.1");
	r.hi.status = 200;
	r.hi.th = r.hi.ti = r.hi.tr = r.hi.tw = r.hi.tc = r.hi.tres = 0;
	r.s.bytes_in = 80;
	r.hi.n_req_caps = 2;
	r.hi.req_caps = r.req_caps;
	r.req_caps[0] = NULL;
	LINE_EQ(&r, 0, "GET|/p\\q]#22x|/p\\q]#22x|/p\\q]#22x||HTTP/1.1|\"GET /p\\q]#22x HTTP/1.1\"|"
	        "200|0|0|0|0|0|0|----|\"\"|\"/p\\q]#22x\"|- -|\"{|}\"|GET /p\\\\q\\]#22x HTTP/1.1");
	cfg_free(cfg);
}
END_TEST

START_TEST(timers)
{
	/* Th 3, Ti 100, TR 7, Tw 1, Tc 2, Tr 40, ended 200 ms after the
	 * transaction began: Tq 110, Ta 97, Tu 100, Td 47, Tt 200 */
	struct cfg *cfg = load();
	struct rig r;
	rig_init(&r, cfg, "fl", 40000, 1795804465232LL, true);
	set_line(&r, "GET / HTTP/1.1");
	r.hi.status = 200;
	r.hi.th = 3;
	r.hi.ti = 100;
	r.hi.tr = 7;
	r.hi.tw = 1;
	r.hi.tc = 2;
	r.hi.tres = 40;
	r.s.bytes_in = 80;
	char *got = line_of(&r, 200);
	ck_assert_ptr_nonnull(strstr(got, "|200|110|3|100|7|100|47|----|"));
	free(got);
	cfg_free(cfg);
}
END_TEST

START_TEST(capture_headers)
{
	struct cfg *cfg = load();
	const struct cfg_proxy *px = proxy_find(cfg, "fh", PX_CAP_FE);
	static char buf[] = "GET / HTTP/1.1\r\nUser-Agent: first\r\nhost: a\r\n"
	                    "User-Agent: curl/8.0\r\n\r\n";
	struct h1q_hdr hdrs[8];
	struct h1q_req q = { .hdrs = hdrs, .hdrs_cap = 8 };
	struct h1q_limits l;
	h1q_limits_default(&l);
	ck_assert_int_eq(h1q_parse(buf, strlen(buf), &l, &q), H1Q_OK);
	struct hmsg m = { 0 };
	ck_assert_int_eq(hmsg_from_req(&m, &q, 0), 0);
	char **caps = NULL;
	size_t n = 0;
	log_capture_headers(px, true, &m, &caps, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(caps[0], "a");
	ck_assert_str_eq(caps[1], "curl/");   /* the last one, cut to len 5 */
	log_capture_headers(px, false, &m, &caps, &n); /* frees the first */
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_null(caps[0]);
	log_capture_headers(px, false, NULL, &caps, &n);
	ck_assert_ptr_null(caps);
	hmsg_free(&m);

	/* capture cookie: the first cookie whose name starts with sid */
	struct cfg_proxy *fc = (struct cfg_proxy *)px;
	fc->capture_cookie = xstrdup("sid");
	fc->capture_cookie_len = 6;
	static char buf2[] = "GET / HTTP/1.1\r\nCookie: a=\"x;sid=9\"; sidx=abcdefgh\r\n"
	                     "Cookie: sid=2\r\n\r\n";
	memset(&q, 0, sizeof(q));
	q.hdrs = hdrs;
	q.hdrs_cap = 8;
	ck_assert_int_eq(h1q_parse(buf2, strlen(buf2), &l, &q), H1Q_OK);
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(hmsg_from_req(&m, &q, 0), 0);
	char *ck = NULL;
	log_capture_cookie(px, true, &m, &ck);
	ck_assert_str_eq(ck, "sidx=a");
	log_capture_cookie(px, false, NULL, &ck);
	ck_assert_ptr_null(ck);
	hmsg_free(&m);
	cfg_free(cfg);
}
END_TEST

Suite *suite_log_http(void);
Suite *
suite_log_http(void)
{
	Suite *s = suite_create("log_http");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, tz_utc, tz_restore);
	tcase_add_test(tc, httplog_with_captures);
	tcase_add_test(tc, clf_and_httpslog);
	tcase_add_test(tc, bad_request);
	tcase_add_test(tc, request_line_variables);
	tcase_add_test(tc, timers);
	tcase_add_test(tc, capture_headers);
	suite_add_tcase(s, tc);
	return s;
}
