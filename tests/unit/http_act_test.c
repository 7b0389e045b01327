/* engine/http_act + http_err: HTTP rules, replies and error pages run on
 * heads parsed from raw requests. Every expected head and answer is what
 * HAProxy 2.6.12 sent (to a dumping server, or to the client) for the
 * same configuration line and request. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/http_act.h"
#include "engine/http_msg.h"
#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

Suite *suite_http_act(void);

static struct diag d;
static struct cfg *cfg;
static struct smp_ctx ctx;
static union sess_addr src, dst;
static struct hmsg m;
static struct http_reply rep;
static struct sbuf out;
static char buf[8192];
static struct h1q_hdr qh[64];
static struct h1q_req q;
static char tmpdir[64];
static bool loaded;

static void
reset(void)
{
	smp_vars_free(&ctx);
	hmsg_free(&m);
	http_reply_free(&rep);
	if (loaded) {
		http_act_free(cfg);
		smp_runtime_free(cfg);
	}
	loaded = false;
	cfg_free(cfg);
	cfg = NULL;
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	memset(&ctx, 0, sizeof(ctx));
}

static void
dump_diag(void)
{
	for (size_t i = 0; i < d.n; i++) {
		char *s = diag_format(&d.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
}

/* A mode http frontend "fe" with lines, then extra sections. */
static const struct cfg_proxy *
load2(const char *lines, const char *extra)
{
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	char *text = xasprintf(
	    "defaults\n"
	    "  mode http\n"
	    "  timeout client 5s\n  timeout server 5s\n  timeout connect 5s\n"
	    "frontend fe\n"
	    "  bind 127.0.0.1:8080\n"
	    "%s"
	    "  default_backend be\n"
	    "backend be\n"
	    "  server s1 127.0.0.1:9001\n%s", lines, extra);
	reset();
	cfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &d);
	if (!cfg) {
		fprintf(stderr, "config:\n%s", text);
		dump_diag();
	}
	free(text);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(smp_runtime_init(cfg, &d), 0);
	if (http_act_init(cfg, &d) < 0)
		dump_diag();
	loaded = true;
	src.in.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &src.in.sin_addr);
	src.in.sin_port = htons(40000);
	dst.in.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &dst.in.sin_addr);
	dst.in.sin_port = htons(8080);
	ctx.cfg = cfg;
	ctx.fe = cfg->proxies.v[0];
	ctx.src = &src;
	ctx.dst = &dst;
	ctx.fc_src = &src;
	ctx.final = true;
	return ctx.fe;
}

static const struct cfg_proxy *
load(const char *lines)
{
	return load2(lines, "");
}

static void
req(const char *raw)
{
	struct h1q_limits l;
	h1q_limits_default(&l);
	size_t n = strlen(raw);
	memcpy(buf, raw, n);
	memset(&q, 0, sizeof(q));
	q.hdrs = qh;
	q.hdrs_cap = ARRAY_SIZE(qh);
	ck_assert_int_eq(h1q_parse(buf, n, &l, &q), H1Q_OK);
	hmsg_free(&m);
	ck_assert_int_eq(hmsg_from_req(&m, &q, 16384), 0);
	ctx.http = hmsg_req_view(&m);
	smp_vars_free(&ctx);
	http_reply_free(&rep);
}

static const char *
ser(void)
{
	sbuf_reset(&out);
	hmsg_write(&m, &out);
	return out.s;
}

/* The reply as sent: head then body. */
static const char *
answer(void)
{
	sbuf_reset(&out);
	sbuf_addn(&out, rep.head.s ? rep.head.s : "", rep.head.len);
	sbuf_addn(&out, rep.body.s ? rep.body.s : "", rep.body.len);
	return out.s;
}

static enum http_verdict
run_req(const char *raw)
{
	req(raw);
	const char *svc = NULL;
	return http_req_rules(ctx.fe, &m, &ctx, &rep, &svc);
}

/* Runs the rules on "GET <uri> HTTP/1.1" with Host ex.com and checks the
 * answer. */
static void
expect_answer(const char *uri, enum http_verdict v, const char *want)
{
	char raw[512];
	snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: ex.com\r\n\r\n", uri);
	enum http_verdict got = run_req(raw);
	ck_assert_msg(got == v, "%s: verdict %d, want %d", uri, got, v);
	ck_assert_msg(strcmp(answer(), want) == 0, "%s: got\n%s\nwant\n%s", uri, out.s, want);
}

static void
expect_fwd(const char *raw, const char *want)
{
	enum http_verdict v = run_req(raw);
	ck_assert_msg(v == HTTP_V_CONTINUE, "verdict %d for %s", v, raw);
	ck_assert_msg(strcmp(ser(), want) == 0, "got\n%s\nwant\n%s", out.s, want);
}

static void
teardown(void)
{
	reset();
	free(out.s);
	memset(&out, 0, sizeof(out));
}

static char *
fixture(const char *name, const char *content)
{
	if (!tmpdir[0]) {
		str_copy(tmpdir, sizeof(tmpdir), "/tmp/sluice-http-act-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	char *p = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return p;
}

START_TEST(redirects)
{
	load("  http-request redirect location /new if { path /r1 }\n"
	     "  http-request redirect location /new code 301 drop-query if { path /r2 }\n"
	     "  http-request redirect prefix /pre if { path_beg /r3 }\n"
	     "  http-request redirect prefix /pre drop-query append-slash if { path_beg /r4 }\n"
	     "  http-request redirect scheme https if { path_beg /r5 }\n"
	     "  http-request redirect location /c set-cookie A=1 if { path /r6 }\n"
	     "  http-request redirect location /c clear-cookie B if { path /r7 }\n"
	     "  http-request redirect prefix / if { path_beg /r8 }\n"
	     "  http-request redirect location /new code 308 if { path /r9 }\n"
	     "  http-request redirect scheme https code 307 drop-query append-slash if { path_beg /r10 }\n"
	     "  redirect location /rr code 303 if { path /rr }\n");
	expect_answer("/r1?q", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /new\r\ncache-control: no-cache\r\n\r\n");
	ck_assert(rep.redirect);
	ck_assert_int_eq(rep.status, 302);
	expect_answer("/r2?q", HTTP_V_REPLY, "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /new\r\n\r\n");
	expect_answer("/r3/x?q", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /pre/r3/x?q\r\ncache-control: no-cache\r\n\r\n");
	expect_answer("/r4/x?q", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /pre/r4/x/\r\ncache-control: no-cache\r\n\r\n");
	expect_answer("/r4/x/?q", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /pre/r4/x/\r\ncache-control: no-cache\r\n\r\n");
	expect_answer("/r5/x?q", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://ex.com/r5/x?q\r\ncache-control: no-cache\r\n\r\n");
	expect_answer("/r6", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /c\r\ncache-control: no-cache\r\nset-cookie: A=1; path=/;\r\n\r\n");
	expect_answer("/r7", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /c\r\ncache-control: no-cache\r\nset-cookie: B; path=/; Max-Age=0;\r\n\r\n");
	expect_answer("/r8/a?b", HTTP_V_REPLY, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /r8/a?b\r\ncache-control: no-cache\r\n\r\n");
	expect_answer("/r9", HTTP_V_REPLY, "HTTP/1.1 308 Permanent Redirect\r\ncontent-length: 0\r\nlocation: /new\r\n\r\n");
	expect_answer("/r10/a?b", HTTP_V_REPLY, "HTTP/1.1 307 Temporary Redirect\r\ncontent-length: 0\r\nlocation: https://ex.com/r10/a/\r\ncache-control: no-cache\r\n\r\n");
	expect_answer("/rr", HTTP_V_REPLY, "HTTP/1.1 303 See Other\r\ncontent-length: 0\r\nlocation: /rr\r\ncache-control: no-cache\r\n\r\n");
	expect_answer("/none", HTTP_V_CONTINUE, "");
	/* no Host, and an absolute URI: the Host and the path */
	ck_assert_int_eq(run_req("GET /r5?a HTTP/1.0\r\n\r\n"), HTTP_V_REPLY);
	ck_assert_str_eq(answer(), "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https:///r5?a\r\ncache-control: no-cache\r\n\r\n");
	ck_assert_int_eq(run_req("GET http://h:81/r5?a HTTP/1.1\r\nhost: h:81\r\n\r\n"), HTTP_V_REPLY);
	ck_assert_str_eq(answer(), "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://h:81/r5?a\r\ncache-control: no-cache\r\n\r\n");
	/* to an HTTP/1.0 client it keeps: "connection: keep-alive" */
	ck_assert_int_eq(run_req("GET /r9 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), HTTP_V_REPLY);
	http_reply_set_keepalive(&rep);
	http_reply_set_keepalive(&rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 308 Permanent Redirect\r\ncontent-length: 0\r\nlocation: /new\r\nconnection: keep-alive\r\n\r\n");
	ck_assert_int_eq(run_req("GET http://h:81/r5?a HTTP/1.1\r\nhost: h:81\r\n\r\n"), HTTP_V_REPLY);
	/* HAProxy adds "connection: close" when it closes after it */
	http_reply_set_close(&rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://h:81/r5?a\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n");
	ck_assert(rep.close);
	http_reply_set_close(&rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://h:81/r5?a\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n");
	teardown();
}
END_TEST

START_TEST(deny_return_auth)
{
	char *body = fixture("body.txt", "file-body");
	char *lf = fixture("lf.txt", "lf %[path]\n");
	char *e503 = fixture("e503.http", "HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html>custom 503</html>\n");
	char *lines = xasprintf(
	    "  http-request deny if { path /deny }\n"
	    "  http-request deny deny_status 404 if { path /deny404 }\n"
	    "  http-request deny status 429 content-type text/plain string \"slow down\" hdr X-A \"b %%[path]\" if { path /denys }\n"
	    "  http-request return if { path /ret }\n"
	    "  http-request return status 201 content-type text/plain string hello hdr x-h v if { path /rets }\n"
	    "  http-request return status 200 content-type text/plain file %s if { path /retf }\n"
	    "  http-request return status 200 content-type text/plain lf-file %s if { path /retlf }\n"
	    "  http-request return status 200 content-type \"text/plain\" lf-string \"p=%%[path]\" if { path /retls }\n"
	    "  http-request return status 503 errorfile %s if { path /retef }\n"
	    "  http-request auth if { path /auth }\n"
	    "  http-request auth realm \"my realm\" if { path /authr }\n"
	    "  http-request tarpit if { path /tarpit }\n"
	    "  http-request deny deny_status 400 if { path /d400 }\n"
	    "  http-request silent-drop if { path /silent }\n"
	    "  http-request reject if { path /reject }\n"
	    "  http-request allow if { path /allow }\n"
	    "  http-request use-service prometheus-exporter if { path /metrics }\n"
	    "  http-request deny if { path /allow }\n"
	    "  http-request deny hdr x-a b if { path /dh }\n"
	    "  http-request deny deny_status 400 hdr x-a b if { path /dh400 }\n"
	    "  http-request return status 503 errorfile %s hdr x-a b if { path /refh }\n",
	    body, lf, e503, e503);
	load(lines);
	free(lines);
	expect_answer("/deny", HTTP_V_REPLY, "HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n");
	ck_assert(rep.denied);
	ck_assert(!rep.close);
	expect_answer("/deny404", HTTP_V_REPLY, "HTTP/1.1 404 Not Found\r\ncontent-length: 83\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>404 Not Found</h1>\nThe resource could not be found.\n</body></html>\n");
	expect_answer("/denys", HTTP_V_REPLY, "HTTP/1.1 429 Too Many Requests\r\nx-a: b /denys\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\nslow down");
	expect_answer("/ret", HTTP_V_REPLY, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
	ck_assert(!rep.denied);
	expect_answer("/rets", HTTP_V_REPLY, "HTTP/1.1 201 Created\r\nx-h: v\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\nhello");
	expect_answer("/retf", HTTP_V_REPLY, "HTTP/1.1 200 OK\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\nfile-body");
	expect_answer("/retlf", HTTP_V_REPLY, "HTTP/1.1 200 OK\r\ncontent-length: 10\r\ncontent-type: text/plain\r\n\r\nlf /retlf\n");
	expect_answer("/retls", HTTP_V_REPLY, "HTTP/1.1 200 OK\r\ncontent-length: 8\r\ncontent-type: text/plain\r\n\r\np=/retls");
	expect_answer("/retef", HTTP_V_REPLY, "HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html>custom 503</html>\n");
	ck_assert(rep.close);
	expect_answer("/auth", HTTP_V_REPLY, "HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm=\"fe\"\r\n\r\n<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n");
	expect_answer("/authr", HTTP_V_REPLY, "HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm=\"my realm\"\r\n\r\n<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n");
	expect_answer("/tarpit", HTTP_V_TARPIT, "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 97\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n");
	ck_assert(rep.denied);
	expect_answer("/d400", HTTP_V_REPLY, "HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n");
	ck_assert(rep.close);
	/* "hdr" without a payload: an empty answer, not the error page */
	expect_answer("/dh", HTTP_V_REPLY, "HTTP/1.1 403 Forbidden\r\nx-a: b\r\ncontent-length: 0\r\n\r\n");
	expect_answer("/dh400", HTTP_V_REPLY, "HTTP/1.1 400 Bad Request\r\nx-a: b\r\ncontent-length: 0\r\n\r\n");
	ck_assert(!rep.close);
	/* and ignored with an errorfile */
	expect_answer("/refh", HTTP_V_REPLY, "HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html>custom 503</html>\n");
	expect_answer("/silent", HTTP_V_SILENT, "");
	expect_answer("/reject", HTTP_V_REJECT, "");
	expect_answer("/allow", HTTP_V_ALLOW, "");
	req("GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n");
	const char *svc = NULL;
	ck_assert_int_eq(http_req_rules(ctx.fe, &m, &ctx, &rep, &svc), HTTP_V_SERVICE);
	ck_assert_str_eq(svc, "prometheus-exporter");
	free(body);
	free(lf);
	free(e503);
	teardown();
}
END_TEST

START_TEST(error_pages)
{
	char *e403 = fixture("e403.http", "HTTP/1.1 403 Nope\r\nX-A: b\r\nContent-Length: 3\r\n\r\nno\n");
	char *e503 = fixture("e503b.http", "HTTP/1.1 503 X\r\nContent-Type: text/html\r\n\r\nbody-no-cl\n");
	char *lines = xasprintf(
	    "  errorfile 403 %s\n"
	    "  errorfile 503 %s\n"
	    "  errorloc302 502 http://err.example/502\n"
	    "  http-error status 404 content-type text/plain string \"custom404\" hdr x-e 1\n"
	    "  http-request deny if { path /deny }\n"
	    "  http-request deny deny_status 404 if { path /d404 }\n"
	    "  http-request deny deny_status 503 if { path /d503 }\n"
	    "  http-request return status 500 default-errorfiles if { path /r500 }\n",
	    e403, e503);
	load(lines);
	free(lines);
	expect_answer("/deny", HTTP_V_REPLY, "HTTP/1.1 403 Nope\r\nx-a: b\r\ncontent-length: 3\r\n\r\nno\n");
	ck_assert(!rep.close);
	expect_answer("/d404", HTTP_V_REPLY, "HTTP/1.1 404 Not Found\r\nx-e: 1\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\ncustom404");
	expect_answer("/d503", HTTP_V_REPLY, "HTTP/1.1 503 X\r\ncontent-type: text/html\r\nconnection: close\r\n\r\nbody-no-cl\n");
	ck_assert(rep.close);
	expect_answer("/r500", HTTP_V_REPLY, "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 97\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n");
	/* the engine's own errors (no backend, no server...) */
	http_error_reply(ctx.fe, 503, &ctx, &rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 503 X\r\ncontent-type: text/html\r\nconnection: close\r\n\r\nbody-no-cl\n");
	http_error_reply(ctx.fe, 502, &ctx, &rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: http://err.example/502\r\n\r\n");
	/* the backend has none: the frontend's */
	const struct cfg_proxy *be = cfg->proxies.v[1];
	http_error_reply(be, 403, &ctx, &rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 403 Nope\r\nx-a: b\r\ncontent-length: 3\r\n\r\nno\n");
	/* built-in pages, reference §6.1 */
	http_error_reply(be, 504, NULL, &rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 504 Gateway Time-out\r\ncontent-length: 92\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n");
	http_error_reply(be, 408, NULL, &rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 408 Request Time-out\r\ncontent-length: 110\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n");
	ck_assert(rep.close);
	http_error_reply(be, 503, NULL, &rep);
	ck_assert_uint_eq(rep.body.len, 107);
	ck_assert(!rep.close);
	free(e403);
	free(e503);
	teardown();
}
END_TEST

START_TEST(header_actions)
{
	load("  http-request set-header X-Set \"v %[path]\" if { path /1 }\n"
	     "  http-request add-header X-Add a if { path /1 }\n"
	     "  http-request add-header X-Add b if { path /1 }\n"
	     "  http-request del-header x-del if { path /1 }\n"
	     "  http-request del-header x-p -m beg if { path /2 }\n"
	     "  http-request del-header -e -m end if { path /2 }\n"
	     "  http-request del-header mid -m sub if { path /2 }\n"
	     "  http-request del-header ^x-r[0-9]$ -m reg if { path /2 }\n"
	     "  http-request replace-header Cookie foo=([^;]*);(.*) foo=\\1;ip=%[src];\\2 if { path /3 }\n"
	     "  http-request replace-value X-Forwarded-For ^192\\.168\\.(.*)$ 172.16.\\1 if { path /3 }\n"
	     "  http-request replace-header X-Hex ^a(.)c$ \\x41\\1\\\\z if { path /3 }\n"
	     "  http-request set-method POST if { path /4 }\n"
	     "  http-request replace-path /old/(.*) /new/\\1 if { path_beg /old }\n"
	     "  http-request replace-pathq /q/(.*) /r/\\1 if { path_beg /q }\n"
	     "  http-request replace-uri ^/u/(.*) /v/\\1 if { path_beg /u }\n"
	     "  http-request set-uri /set?%[query] if { path /5 }\n"
	     "  http-request set-var(txn.a) path if { path /6 }\n"
	     "  http-request set-header x-var %[var(txn.a)] if { path /6 }\n"
	     "  http-request set-header host newhost if { path /7 }\n"
	     "  http-request replace-header host (.*) rh-\\1 if { path /8 }\n"
	     "  http-request set-query %[req.hdr(x-q)] if { path /9 }\n"
	     "  http-request set-path /p%[path] if { path /10 }\n"
	     "  http-request set-pathq /pq if { path /11 }\n");
	expect_fwd("GET /1 HTTP/1.1\r\nhost: h\r\nx-set: old\r\nX-Del: 1\r\nx-del: 2\r\n\r\n",
	           "GET /1 HTTP/1.1\r\nhost: h\r\nx-set: v /1\r\nx-add: a\r\nx-add: b\r\n\r\n");
	expect_fwd("GET /2 HTTP/1.1\r\nhost: h\r\nx-p1: 1\r\nX-P2: 2\r\nab-e: 3\r\nxmidy: 4\r\nx-r1: 5\r\nx-r12: 6\r\nkeep: 7\r\n\r\n",
	           "GET /2 HTTP/1.1\r\nhost: h\r\nx-r12: 6\r\nkeep: 7\r\n\r\n");
	expect_fwd("GET /3 HTTP/1.1\r\nhost: h\r\nCookie: foo=foobar; expires=x\r\n"
	           "X-Forwarded-For: 192.168.10.1, 192.168.13.24,10.0.0.37 ,  192.168.1.1\r\nx-hex: abc\r\nx-hex: nomatch\r\n\r\n",
	           "GET /3 HTTP/1.1\r\nhost: h\r\ncookie: foo=foobar;ip=127.0.0.1; expires=x\r\n"
	           "x-forwarded-for: 172.16.10.1,172.16.13.24,10.0.0.37 ,172.16.1.1\r\nx-hex: Abz\r\nx-hex: nomatch\r\n\r\n");
	expect_fwd("GET /3 HTTP/1.1\r\nhost: h\r\nX-Forwarded-For: a , 192.168.1.1 ,  b  ,c,192.168.2.2\t, 192.168.3.3 \r\n\r\n",
	           "GET /3 HTTP/1.1\r\nhost: h\r\nx-forwarded-for: a ,172.16.1.1,  b  ,c,172.16.2.2,172.16.3.3\r\n\r\n");
	expect_fwd("GET /3 HTTP/1.1\r\nhost: h\r\nX-Forwarded-For: a,,192.168.0.1,\r\n\r\n",
	           "GET /3 HTTP/1.1\r\nhost: h\r\nx-forwarded-for: a,,172.16.0.1,\r\n\r\n");
	expect_fwd("GET /4 HTTP/1.1\r\nhost: h\r\n\r\n", "POST /4 HTTP/1.1\r\nhost: h\r\n\r\n");
	expect_fwd("GET /old/x/y?q=1 HTTP/1.1\r\nhost: h\r\n\r\n", "GET /new/x/y?q=1 HTTP/1.1\r\nhost: h\r\n\r\n");
	expect_fwd("GET /q/x?q=1 HTTP/1.1\r\nhost: h\r\n\r\n", "GET /r/x?q=1 HTTP/1.1\r\nhost: h\r\n\r\n");
	expect_fwd("GET /u/x?q=1 HTTP/1.1\r\nhost: h\r\n\r\n", "GET /v/x?q=1 HTTP/1.1\r\nhost: h\r\n\r\n");
	expect_fwd("GET http://h/u/x?q=1 HTTP/1.1\r\nhost: h\r\n\r\n", "GET http://h/u/x?q=1 HTTP/1.1\r\nhost: h\r\n\r\n");
	expect_fwd("GET /5?a=b HTTP/1.1\r\nhost: h\r\n\r\n", "GET /set?a=b HTTP/1.1\r\nhost: h\r\n\r\n");
	expect_fwd("GET /6 HTTP/1.1\r\nhost: h\r\n\r\n", "GET /6 HTTP/1.1\r\nhost: h\r\nx-var: /6\r\n\r\n");
	expect_fwd("GET http://h/7 HTTP/1.1\r\nhost: h\r\n\r\n", "GET http://newhost/7 HTTP/1.1\r\nhost: newhost\r\n\r\n");
	expect_fwd("GET http://h/8 HTTP/1.1\r\nhost: h\r\n\r\n", "GET http://rh-h/8 HTTP/1.1\r\nhost: rh-h\r\n\r\n");
	expect_fwd("GET /9?b HTTP/1.1\r\nhost: h\r\nx-q:\r\n\r\n", "GET /9? HTTP/1.1\r\nhost: h\r\nx-q: \r\n\r\n");
	expect_fwd("GET /10?b HTTP/1.1\r\nhost: h\r\n\r\n", "GET /p/10?b HTTP/1.1\r\nhost: h\r\n\r\n");
	expect_fwd("GET /11?b HTTP/1.1\r\nhost: h\r\n\r\n", "GET /pq HTTP/1.1\r\nhost: h\r\n\r\n");
	teardown();
}
END_TEST

START_TEST(misc_actions)
{
	load("  http-request capture path len 3\n"
	     "  http-request set-log-level err if { path_beg /lv }\n"
	     "  http-request set-var-fmt(txn.f) \"m=%[method]\"\n"
	     "  http-request unset-var(txn.f) if { path /unset }\n"
	     "  http-request set-header x-f %[var(txn.f)]\n"
	     "  http-request early-hint link </s.css>\n"
	     "  declare capture response len 8\n"
	     "  http-response capture res.hdr(x) id 0\n");
	expect_fwd("GET /lvl HTTP/1.1\r\nhost: h\r\n\r\n", "GET /lvl HTTP/1.1\r\nhost: h\r\nx-f: m=GET\r\n\r\n");
	ck_assert_ptr_nonnull(smp_cap_get(&ctx, 0));
	ck_assert_str_eq(smp_cap_get(&ctx, 0), "/lv");
	ck_assert_int_eq(ctx.log_level, 3 + 1);
	expect_fwd("GET /unset HTTP/1.1\r\nhost: h\r\n\r\n", "GET /unset HTTP/1.1\r\nhost: h\r\nx-f: \r\n\r\n");
	struct diag sd = { 0 };
	http_act_check_support(ctx.fe, &sd);
	ck_assert_int_eq(sd.nerrors, 1);
	ck_assert_int_eq(sd.nwarnings, 0);
	diag_free(&sd);
	teardown();
}
END_TEST

/* Adjacent early-hint rules make one 103; a conditional one starts
 * another (HAProxy 2.6.12, same rules). */
START_TEST(early_hints)
{
	load("  http-request early-hint a 1\n"
	     "  http-request early-hint B \"2 %[path]\" if { path /x }\n"
	     "  http-request early-hint c 3\n"
	     "  http-request deny if { path /d }\n");
	ck_assert_int_eq(run_req("GET /x HTTP/1.1\r\nhost: h\r\n\r\n"), HTTP_V_CONTINUE);
	ck_assert_str_eq(rep.interim.s, "HTTP/1.1 103 Early Hints\r\na: 1\r\n\r\n"
	                 "HTTP/1.1 103 Early Hints\r\nb: 2 /x\r\nc: 3\r\n\r\n");
	ck_assert_int_eq(run_req("GET /d HTTP/1.1\r\nhost: h\r\n\r\n"), HTTP_V_REPLY);
	ck_assert_str_eq(rep.interim.s, "HTTP/1.1 103 Early Hints\r\na: 1\r\n\r\n"
	                 "HTTP/1.1 103 Early Hints\r\nc: 3\r\n\r\n");
	ck_assert_int_eq(strncmp(answer(), "HTTP/1.1 403 Forbidden\r\n", 24), 0);
	/* none for an HTTP/1.0 client */
	ck_assert_int_eq(run_req("GET /x HTTP/1.0\r\n\r\n"), HTTP_V_CONTINUE);
	ck_assert_uint_eq(rep.interim.len, 0);
	teardown();
}
END_TEST

/* A rewrite beyond the buffer: 500, unless strict-mode is off. */
START_TEST(rewrite_failure)
{
	load("  http-request set-header x-big %[req.hdr(x-in)]\n");
	static char raw[9000];
	char v[8200];
	memset(v, 'a', sizeof(v));
	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nhost: x\r\nx-in: %.*s\r\n\r\n", 8125, v);
	ck_assert_int_eq(run_req(raw), HTTP_V_FAIL);
	ck_assert_int_eq(rep.status, 500);
	ck_assert_int_eq(strncmp(answer(), "HTTP/1.1 500 Internal Server Error\r\n", 36), 0);
	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nhost: xx\r\nx-in: %.*s\r\n\r\n", 8124, v);
	ck_assert_int_eq(run_req(raw), HTTP_V_CONTINUE);
	load("  http-request strict-mode off\n  http-request set-header x-big %[req.hdr(x-in)]\n"
	     "  http-request set-header x-after 1\n");
	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nhost: x\r\nx-in: %.*s\r\n\r\n", 8125, v);
	ck_assert_int_eq(run_req(raw), HTTP_V_CONTINUE);
	ck_assert_int_eq(hmsg_find(&m, "x-big", 5, 0), -1);
	ck_assert_int_ge(hmsg_find(&m, "x-after", 7, 0), 0);
	teardown();
}
END_TEST

START_TEST(response_rules)
{
	load("  http-response set-status 404 if { status 200 }\n"
	     "  http-response set-status 299 reason Fine if { status 201 }\n"
	     "  http-response del-header x-secret\n"
	     "  http-response add-header x-st %[status]\n"
	     "  http-response deny if { status 500 }\n"
	     "  http-after-response set-header x-after 1\n");
	static struct h1r_resp r;
	const char *raw = "HTTP/1.1 200 OK\r\nX-Secret: s\r\nContent-Length: 2\r\n\r\n";
	ck_assert_int_eq(h1r_parse(raw, strlen(raw), &r), H1R_OK);
	ck_assert_int_eq(hmsg_from_resp(&m, &r, 16384), 0);
	ctx.http_res = hmsg_resp_view(&m);
	ck_assert_int_eq(http_res_rules(ctx.fe, &m, &ctx, &rep), HTTP_V_CONTINUE);
	ck_assert_int_eq(http_after_rules(ctx.fe, &m, &ctx), HTTP_V_CONTINUE);
	ck_assert_str_eq(ser(), "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nx-st: 404\r\nx-after: 1\r\n\r\n");
	hmsg_free(&m);
	raw = "HTTP/1.1 201 Created\r\n\r\n";
	ck_assert_int_eq(h1r_parse(raw, strlen(raw), &r), H1R_OK);
	ck_assert_int_eq(hmsg_from_resp(&m, &r, 16384), 0);
	ck_assert_int_eq(http_res_rules(ctx.fe, &m, &ctx, &rep), HTTP_V_CONTINUE);
	ck_assert_str_eq(ser(), "HTTP/1.1 299 Fine\r\nx-st: 299\r\n\r\n");
	hmsg_free(&m);
	raw = "HTTP/1.1 500 Oops\r\n\r\n";
	ck_assert_int_eq(h1r_parse(raw, strlen(raw), &r), H1R_OK);
	ck_assert_int_eq(hmsg_from_resp(&m, &r, 16384), 0);
	ck_assert_int_eq(http_res_rules(ctx.fe, &m, &ctx, &rep), HTTP_V_REPLY);
	ck_assert_int_eq(rep.status, 502);
	ck_assert(rep.denied);
	ck_assert_int_eq(strncmp(answer(), "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\n", 46), 0);
	teardown();
}
END_TEST

START_TEST(forwardfor)
{
	load2("  option forwardfor\n"
	      "  use_backend b2 if { path /b2 }\n"
	      "  use_backend b3 if { path /b3 }\n"
	      "  use_backend b4 if { path /b4 }\n",
	      "backend b2\n  option forwardfor header X-Real if-none\n  server s1 127.0.0.1:9001\n"
	      "backend b3\n  option forwardfor except 127.0.0.0/8\n  server s1 127.0.0.1:9001\n"
	      "backend b4\n  option forwardfor if-none\n  server s1 127.0.0.1:9001\n"
	      "frontend f2\n  bind 127.0.0.1:8081\n  option forwardfor if-none\n  default_backend be\n");
	const struct cfg_proxy *fe = cfg->proxies.v[0];
	const struct cfg_proxy *be = proxy_find(cfg, "be", PX_CAP_BE);
	const struct cfg_proxy *b2 = proxy_find(cfg, "b2", PX_CAP_BE);
	const struct cfg_proxy *b3 = proxy_find(cfg, "b3", PX_CAP_BE);
	const struct cfg_proxy *b4 = proxy_find(cfg, "b4", PX_CAP_BE);
	const struct cfg_proxy *f2 = proxy_find(cfg, "f2", PX_CAP_FE);
	ck_assert_ptr_nonnull(b4);
	ck_assert_ptr_nonnull(f2);
	static const struct {
		int be;
		const char *in, *want;
	} t[] = {
		{ 0, "", "x-forwarded-for: 127.0.0.1\r\n" },
		{ 0, "X-Forwarded-For: 1.2.3.4\r\n", "x-forwarded-for: 1.2.3.4\r\nx-forwarded-for: 127.0.0.1\r\n" },
		{ 2, "", "x-real: 127.0.0.1\r\n" },
		{ 2, "X-Real: 9.9.9.9\r\n", "x-real: 9.9.9.9\r\nx-real: 127.0.0.1\r\n" },
		{ 3, "", "" },
		{ 4, "X-Forwarded-For: 1.2.3.4\r\n", "x-forwarded-for: 1.2.3.4\r\nx-forwarded-for: 127.0.0.1\r\n" },
		{ 5, "X-Forwarded-For: 1.2.3.4\r\n", "x-forwarded-for: 1.2.3.4\r\n" },
		{ 5, "", "x-forwarded-for: 127.0.0.1\r\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char raw[256], want[256];
		snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nhost: h\r\n%s\r\n", t[i].in);
		snprintf(want, sizeof(want), "GET / HTTP/1.1\r\nhost: h\r\n%s\r\n", t[i].want);
		req(raw);
		const struct cfg_proxy *f = t[i].be == 5 ? f2 : fe;
		const struct cfg_proxy *b = t[i].be == 2 ? b2 : t[i].be == 3 ? b3 :
		                            t[i].be == 4 ? b4 : be;
		ck_assert_int_eq(http_forwardfor(f, b, &m, &ctx), 0);
		ck_assert_msg(strcmp(ser(), want) == 0, "case %zu: %s", i, out.s);
	}
	/* IPv6 clients too */
	memset(&src, 0, sizeof(src));
	src.in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &src.in6.sin6_addr);
	req("GET / HTTP/1.1\r\nhost: h\r\n\r\n");
	ck_assert_int_eq(http_forwardfor(fe, be, &m, &ctx), 0);
	ck_assert_str_eq(ser(), "GET / HTTP/1.1\r\nhost: h\r\nx-forwarded-for: 2001:db8::1\r\n\r\n");
	teardown();
}
END_TEST

START_TEST(maps_and_acls)
{
	char *map = fixture("m.map", "k1 v1\n");
	char *acl = fixture("a.acl", "/x\n");
	char *lines = xasprintf(
	    "  http-request set-map(%s) %%[req.hdr(k)] %%[req.hdr(v)] if { req.hdr(op) set }\n"
	    "  http-request del-map(%s) %%[req.hdr(k)] if { req.hdr(op) del }\n"
	    "  http-request add-acl(%s) %%[req.hdr(k)] if { req.hdr(op) plus }\n"
	    "  http-request del-acl(%s) %%[req.hdr(k)] if { req.hdr(op) minus }\n"
	    "  http-request set-header x-map %%[req.hdr(k),map(%s)]\n"
	    "  http-request set-header x-acl yes if { path -f %s }\n",
	    map, map, acl, acl, map, acl);
	load(lines);
	free(lines);
	expect_fwd("GET /x HTTP/1.1\r\nhost: h\r\nk: k1\r\n\r\n",
	           "GET /x HTTP/1.1\r\nhost: h\r\nk: k1\r\nx-map: v1\r\nx-acl: yes\r\n\r\n");
	expect_fwd("GET /y HTTP/1.1\r\nhost: h\r\nk: k2\r\nv: v2\r\nop: set\r\n\r\n",
	           "GET /y HTTP/1.1\r\nhost: h\r\nk: k2\r\nv: v2\r\nop: set\r\nx-map: v2\r\n\r\n");
	expect_fwd("GET /y HTTP/1.1\r\nhost: h\r\nk: k1\r\nv: v9\r\nop: set\r\n\r\n",
	           "GET /y HTTP/1.1\r\nhost: h\r\nk: k1\r\nv: v9\r\nop: set\r\nx-map: v9\r\n\r\n");
	expect_fwd("GET /y HTTP/1.1\r\nhost: h\r\nk: k1\r\nop: del\r\n\r\n",
	           "GET /y HTTP/1.1\r\nhost: h\r\nk: k1\r\nop: del\r\nx-map: \r\n\r\n");
	expect_fwd("GET /y HTTP/1.1\r\nhost: h\r\nk: /y\r\nop: plus\r\n\r\n",
	           "GET /y HTTP/1.1\r\nhost: h\r\nk: /y\r\nop: plus\r\nx-map: \r\nx-acl: yes\r\n\r\n");
	expect_fwd("GET /x HTTP/1.1\r\nhost: h\r\nk: /x\r\nop: minus\r\n\r\n",
	           "GET /x HTTP/1.1\r\nhost: h\r\nk: /x\r\nop: minus\r\nx-map: \r\n\r\n");
	expect_fwd("GET /q HTTP/1.1\r\nhost: h\r\nk: nokey\r\n\r\n",
	           "GET /q HTTP/1.1\r\nhost: h\r\nk: nokey\r\nx-map: \r\n\r\n");
	free(map);
	free(acl);
	teardown();
}
END_TEST

/* http-errors sections, as HAProxy 2.6.12 answered with them. */
START_TEST(errorfiles_sections)
{
	char *s404 = fixture("s404.http", "HTTP/1.1 404 Sec\r\nContent-Length: 4\r\n\r\nsec\n");
	char *s503 = fixture("s503.http", "HTTP/1.1 503 X\r\nContent-Type: text/html\r\n\r\nbody-no-cl\n");
	char *empty = fixture("empty.http", "");
	char *extra = xasprintf("http-errors myerrs\n  errorfile 404 %s\n  errorfile 503 %s\n"
	                        "http-errors other\n  errorfile 403 %s\n", s404, s503, empty);
	load2("  errorfiles myerrs\n"
	      "  http-error status 403 content-type text/plain string \"custom403\" hdr x-e 1\n"
	      "  http-request deny if { path /d403 }\n"
	      "  http-request deny deny_status 404 if { path /d404 }\n"
	      "  http-request deny deny_status 503 if { path /d503 }\n"
	      "  http-request return status 404 errorfiles myerrs if { path /r404 }\n"
	      "  http-request return status 403 errorfiles other if { path /r403 }\n",
	      extra);
	free(extra);
	ck_assert_int_eq(d.nerrors, 0);
	expect_answer("/d403", HTTP_V_REPLY, "HTTP/1.1 403 Forbidden\r\nx-e: 1\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\ncustom403");
	expect_answer("/d404", HTTP_V_REPLY, "HTTP/1.1 404 Sec\r\ncontent-length: 4\r\n\r\nsec\n");
	expect_answer("/d503", HTTP_V_REPLY, "HTTP/1.1 503 X\r\ncontent-type: text/html\r\nconnection: close\r\n\r\nbody-no-cl\n");
	ck_assert(rep.close);
	expect_answer("/r404", HTTP_V_REPLY, "HTTP/1.1 404 Sec\r\ncontent-length: 4\r\n\r\nsec\n");
	/* an empty errorfile: close without an answer */
	expect_answer("/r403", HTTP_V_REPLY, "");
	ck_assert(rep.close);
	/* the engine's 503 (no server) takes the section's page too */
	http_error_reply(ctx.fe, 503, &ctx, &rep);
	ck_assert_str_eq(answer(), "HTTP/1.1 503 X\r\ncontent-type: text/html\r\nconnection: close\r\n\r\nbody-no-cl\n");

	/* unknown sections: HAProxy's errors at start-up */
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	const char *bad = "http-errors he\n  errorfile 404 /dev/null\n"
	                  "frontend x\n  mode http\n  bind :18899\n  errorfiles nope\n  errorfiles he 403\n"
	                  "  http-request return status 403 errorfiles nope2\n";
	struct diag bd = { 0 };
	struct cfg *bc = cfg_load_string("b.cfg", bad, strlen(bad), &o, true, &bd);
	ck_assert_ptr_nonnull(bc);
	diag_free(&bd);
	memset(&bd, 0, sizeof(bd));
	ck_assert_int_eq(http_act_init(bc, &bd), -1);
	ck_assert_int_eq(bd.nerrors, 2);
	ck_assert_int_eq(bd.nwarnings, 1);
	char *m0 = diag_format(&bd.msgs[0]);
	ck_assert_ptr_nonnull(strstr(m0, "proxy 'x': unknown http-errors section 'nope' (at b.cfg:6)."));
	free(m0);
	diag_free(&bd);
	cfg_free(bc);
	/* and the section's own errors */
	const char *bad2 = "http-errors\n  errorfile 404 /dev/null\n"
	                   "http-errors he\n  errorfile 999 /dev/null\n  errorfile 404\n  foo bar\n"
	                   "http-errors he\n";
	memset(&bd, 0, sizeof(bd));
	bc = cfg_load_string("b.cfg", bad2, strlen(bad2), &o, true, &bd);
	ck_assert_ptr_null(bc);
	ck_assert_int_eq(bd.nerrors, 5);
	diag_free(&bd);
	free(s404);
	free(s503);
	free(empty);
	teardown();
}
END_TEST

START_TEST(support_report)
{
	load2("  http-request early-hint link </s.css>\n"
	      "  http-request set-nice 10\n",
	      "backend b2\n  http-request set-timeout server 1s\n  server s1 127.0.0.1:9001\n");
	struct diag sd = { 0 };
	http_act_check_support(ctx.fe, &sd);
	ck_assert_int_eq(sd.nwarnings, 0);
	ck_assert_int_eq(sd.nerrors, 0);
	http_act_check_support(proxy_find(cfg, "b2", PX_CAP_BE), &sd);
	ck_assert_int_eq(sd.nerrors, 1);
	diag_free(&sd);
	teardown();
}
END_TEST

Suite *
suite_http_act(void)
{
	Suite *s = suite_create("http_act");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, redirects);
	tcase_add_test(tc, deny_return_auth);
	tcase_add_test(tc, error_pages);
	tcase_add_test(tc, header_actions);
	tcase_add_test(tc, misc_actions);
	tcase_add_test(tc, early_hints);
	tcase_add_test(tc, rewrite_failure);
	tcase_add_test(tc, response_rules);
	tcase_add_test(tc, forwardfor);
	tcase_add_test(tc, maps_and_acls);
	tcase_add_test(tc, errorfiles_sections);
	tcase_add_test(tc, support_report);
	suite_add_tcase(s, tc);
	return s;
}
