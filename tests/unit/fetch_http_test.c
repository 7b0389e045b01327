/* HTTP and TLS sample fetches (engine/fetch_http.c, engine/fetch_ssl.c)
 * against a hand-made smp_ctx: requests and responses parsed by proto/,
 * and a TLS connection made in memory (BIO pairs) with throw-away
 * certificates. Expected values were observed on haproxy 2.6.12 with
 * "http-request return ... lf-string" (see the comments). */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "engine/session.h"
#include "engine/smp_eval.h"
#include "engine/tls.h"
#include "lib/util.h"
#include "parser/acl.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "proto/http1_req.h"
#include "proto/http1_resp.h"

static struct diag d;
static struct cfg *cfg;
static struct smp_ctx ctx;
static union sess_addr src, dst;
static bool rt_loaded;
static struct sbuf out;

static char reqbuf[4096];
static struct h1q_hdr qhdrs[H1Q_DEF_MAXHDR];
static struct h1q_req req;
static struct h1r_resp res;

static void
reset(void)
{
	smp_vars_free(&ctx);
	if (rt_loaded)
		smp_runtime_free(cfg);
	rt_loaded = false;
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

/* A mode http frontend "f" with the lines, runtime tables, a client
 * 192.0.2.1:40000. */
static struct cfg_proxy *
load(const char *lines)
{
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	char *text = xasprintf(
	    "frontend f\n"
	    "  mode http\n"
	    "  bind 127.0.0.1:8080\n"
	    "%s"
	    "  default_backend b\n"
	    "backend b\n"
	    "  mode http\n"
	    "  server s1 127.0.0.1:9001\n", lines);
	reset();
	cfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &d);
	if (!cfg) {
		fprintf(stderr, "config:\n%s", text);
		dump_diag();
	}
	free(text);
	ck_assert_ptr_nonnull(cfg);
	if (smp_runtime_init(cfg, &d) < 0)
		dump_diag();
	rt_loaded = true;
	memset(&src, 0, sizeof(src));
	src.in.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &src.in.sin_addr);
	src.in.sin_port = htons(40000);
	dst = src;
	ctx.cfg = cfg;
	ctx.fe = cfg->proxies.v[0];
	ctx.src = &src;
	ctx.dst = &dst;
	ctx.final = true;
	return cfg->proxies.v[0];
}

/* Parses a request ("\n" line ends become CRLF) into ctx.http. */
static void
set_request(const char *raw)
{
	size_t n = 0;
	for (const char *p = raw; *p && n + 2 < sizeof(reqbuf); p++) {
		if (*p == '\n')
			reqbuf[n++] = '\r';
		reqbuf[n++] = *p;
	}
	struct h1q_limits l;
	h1q_limits_default(&l);
	memset(&req, 0, sizeof(req));
	req.hdrs = qhdrs;
	req.hdrs_cap = H1Q_DEF_MAXHDR;
	ck_assert_int_eq(h1q_parse(reqbuf, n, &l, &req), H1Q_OK);
	ctx.http = &req;
}

static char resbuf[4096];

static void
set_response(const char *raw)
{
	size_t n = 0;
	for (const char *p = raw; *p && n + 2 < sizeof(resbuf); p++) {
		if (*p == '\n')
			resbuf[n++] = '\r';
		resbuf[n++] = *p;
	}
	ck_assert_int_eq(h1r_parse(resbuf, n, &res), H1R_OK);
	ctx.http_res = &res;
}

static const struct smp_expr *
expr_of(const char *rule, const char *e)
{
	char *l = xasprintf("  %s set-var(txn.x) %s\n", rule, e);
	struct cfg_proxy *px = load(l);
	free(l);
	bool resp = strcmp(rule, "http-response") == 0;
	ck_assert_uint_ge(resp ? px->http_res.n : px->http_req.n, 1);
	return resp ? px->http_res.v[0]->expr : px->http_req.v[0]->expr;
}

static const char *
ev(const struct smp_expr *e)
{
	sbuf_reset(&out);
	enum smp_result r = smp_eval_str(e, &ctx, &out);
	if (r != SMP_RES_OK)
		return NULL;
	return out.s ? out.s : "";
}

/* e in an http-request rule, on the request raw (and the response
 * rawres when not NULL), is want (NULL: absent). */
static void
check(const char *rule, const char *raw, const char *rawres, const char *e,
      const char *want)
{
	const struct smp_expr *x = expr_of(rule, e);
	set_request(raw);
	if (rawres)
		set_response(rawres);
	const char *got = ev(x);
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: got '%s', want absent", e, got);
	else
		ck_assert_msg(got && strcmp(got, want) == 0, "%s: got '%s', want '%s'",
		              e, got ? got : "(absent)", want);
}

#define REQ(e, w) check("http-request", R, NULL, (e), (w))

/* ---- request headers ---------------------------------------------------------- */

START_TEST(headers)
{
	static const char *R =
	    "GET /a/b.html?x=1&y=2 HTTP/1.1\nHost: ex.com\nX-A: a, b ,c\n"
	    "X-A: d\nCookie: s=1; t=2; s=3\n\n";
	/* observed: d|a|d|d|a, b ,c|4|2|6||3|2|1 */
	REQ("hdr(x-a)", "d");
	REQ("hdr(x-a,1)", "a");
	REQ("hdr(x-a,-1)", "d");
	REQ("hdr(x-a,-4)", "a");
	REQ("hdr(x-a,-5)", NULL);
	REQ("hdr(x-a,5)", NULL);
	REQ("hdr(x-a,0)", "d");
	REQ("req.hdr(X-A,2)", "b");
	REQ("req.fhdr(x-a)", "d");
	REQ("req.fhdr(x-a,1)", "a, b ,c");
	REQ("hdr_cnt(x-a)", "4");
	REQ("req.fhdr_cnt(x-a)", "2");
	REQ("hdr_cnt", "6");
	REQ("req.hdr_cnt", "6");
	REQ("req.fhdr_cnt", "4");
	REQ("hdr(x-none)", NULL);
	REQ("hdr_cnt(x-none)", "0");
	REQ("hdr", NULL);
	REQ("req.hdr_names", "host,x-a,x-a,cookie");
	REQ("req.hdr_names(;)", "host;x-a;x-a;cookie");
	REQ("req.hdrs", "host: ex.com\r\nx-a: a, b ,c\r\nx-a: d\r\ncookie: s=1; t=2; s=3\r\n\r\n");
}
END_TEST

START_TEST(header_values)
{
	static const char *R =
	    "GET / HTTP/1.1\nX-Q: \"a,b\", c\nX-E: a,,b,\nX-E:\n"
	    "X-N: 12abc, -7\nX-F: 10.0.0.1:80, ::1\nX-G: nope, 2001:db8::1\n\n";
	/* observed: "a,b"|2|5|||| */
	REQ("hdr(x-q,1)", "\"a,b\"");
	REQ("hdr_cnt(x-q)", "2");
	REQ("hdr_cnt(x-e)", "5");
	REQ("hdr(x-e,2)", "");
	REQ("hdr(x-e,5)", "");
	REQ("hdr(x-e,6)", NULL);
	REQ("hdr_val(x-n,1)", "12");
	REQ("hdr_val(x-n)", "-7");
	REQ("req.hdr_ip(x-f,1)", "10.0.0.1");
	REQ("req.hdr_ip(x-f)", "::1");
	REQ("req.hdr_ip(x-g)", "2001:db8::1");
	REQ("req.hdr_ip(x-g,1)", NULL);
}
END_TEST

START_TEST(header_acls)
{
	/* an ACL sees every value, a sample only the last */
	struct cfg_proxy *px = load("  http-request deny if { hdr(x-a) b }\n"
	                            "  http-request deny if { hdr(x-a,2) c }\n"
	                            "  http-request deny if { req.fhdr(x-a) -m sub b }\n"
	                            "  http-request deny if { hdr_cnt(x-a) 4 }\n"
	                            "  http-request deny if { cook(s) 1 }\n"
	                            "  http-request deny if { urlp(a) 3 }\n"
	                            "  http-request deny if { path_beg /a/ }\n"
	                            "  http-request deny if { path_end .html }\n"
	                            "  http-request deny if { hdr(host) -m dom ex.com }\n"
	                            "  http-request deny if { url_param(zz) -m found }\n");
	set_request("GET /a/b.html?a=1&a=3 HTTP/1.1\nHost: www.ex.com\nX-A: a, b ,c\n"
	            "X-A: d\nCookie: s=1; t=2; s=3\n\n");
	static const enum acl_result want[] = { ACL_PASS, ACL_FAIL, ACL_PASS, ACL_PASS,
	                                        ACL_PASS, ACL_PASS, ACL_PASS, ACL_PASS,
	                                        ACL_PASS, ACL_FAIL };
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		ck_assert_msg(acl_cond_eval(px->http_req.v[i]->cond, &ctx) == want[i],
		              "rule %zu", i);
}
END_TEST

/* ---- request line ------------------------------------------------------------- */

START_TEST(request_line)
{
	static const char *R =
	    "GET /a/b.html?x=1&y=2 HTTP/1.1\nHost: ex.com\n\n";
	/* observed: ex.com/a/b.html|3642017101|1.1|GET|/a/b.html|x=1&y=2 */
	REQ("base", "ex.com/a/b.html");
	REQ("baseq", "ex.com/a/b.html?x=1&y=2");
	REQ("base32", "3642017101");
	REQ("req.ver", "1.1");
	REQ("method", "GET");
	REQ("path", "/a/b.html");
	REQ("pathq", "/a/b.html?x=1&y=2");
	REQ("query", "x=1&y=2");
	REQ("url", "/a/b.html?x=1&y=2");
	/* kept only by a frontend that logs the request line */
	REQ("capture.req.method", NULL);
	static const char *const cap[][2] = {
		{ "capture.req.method", "GET" }, { "capture.req.uri", "/a/b.html?x=1&y=2" },
		{ "capture.req.ver", "HTTP/1.1" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cap); i++) {
		char *l = xasprintf("  log stdout format raw local0\n  option httplog\n"
		                    "  http-request set-var(txn.x) %s\n", cap[i][0]);
		struct cfg_proxy *px = load(l);
		free(l);
		set_request(R);
		const char *got = ev(px->http_req.v[0]->expr);
		ck_assert_msg(got && strcmp(got, cap[i][1]) == 0, "%s: got %s", cap[i][0],
		              got ? got : "(absent)");
	}
	REQ("base32+src,hex", "D914C54DC0000201");
}
END_TEST

START_TEST(request_line2)
{
	static const char *R =
	    "GET /p;m=1/q%20r?a=1&b=&c&a=3 HTTP/1.0\nHost: ex.com:80\n\n";
	/* observed: /p;m=1/q%20r|ex.com:80/p;m=1/q%20r|1909856589|1.0|
	 * a=1&b=&c&a=3|...|1284927622 */
	REQ("path", "/p;m=1/q%20r");
	REQ("base", "ex.com:80/p;m=1/q%20r");
	REQ("base32", "1909856589");
	REQ("url32", "1284927622");
	REQ("req.ver", "1.0");
	REQ("query", "a=1&b=&c&a=3");
	REQ("urlp(a)", "1");
	REQ("urlp(b)", "");
	REQ("urlp(c)", NULL);
	REQ("urlp", "1");
	REQ("url_param(a,&)", "3");
	REQ("urlp_val(a)", "1");
	REQ("url_ip", NULL);
}
END_TEST

START_TEST(absolute_uri)
{
	static const char *R = "GET http://10.1.2.3:8080/x/y?q HTTP/1.1\nHost: 10.1.2.3:8080\n\n";
	REQ("path", "/x/y");
	REQ("url_ip", "10.1.2.3");
	REQ("url_port", "8080");
	REQ("base", "10.1.2.3:8080/x/y");
	static const char *R2 = "OPTIONS * HTTP/1.1\nHost: h\n\n";
	check("http-request", R2, NULL, "path", NULL);
	check("http-request", R2, NULL, "base", "h");
	check("http-request", R2, NULL, "url", "*");
}
END_TEST

/* ---- cookies -------------------------------------------------------------------- */

START_TEST(cookies)
{
	static const char *R =
	    "GET / HTTP/1.1\nCookie: a=1 ; b=\"q\"; c\nCookie: d=4,e=5\n\n";
	/* observed: cook(b) "q", cook(c) absent, cook_cnt 4, cook(e) 5,
	 * cook(d) 4 */
	REQ("cook(b)", "\"q\"");
	REQ("cook(c)", NULL);
	REQ("cook_cnt", "4");
	REQ("cook(e)", "5");
	REQ("cook(d)", "4");
	REQ("cook(a)", "1");
	REQ("req.cook_val(d)", "4");
	REQ("req.cook_cnt(a)", "1");
	REQ("cook(A)", NULL);
	static const char *R2 = "GET / HTTP/1.1\nCookie: s=1; t=2; s=3\n\n";
	check("http-request", R2, NULL, "cook(s)", "3");
	check("http-request", R2, NULL, "cook", "1");
	check("http-request", R2, NULL, "req.cook_cnt(s)", "2");
}
END_TEST

/* ---- response ---------------------------------------------------------------------- */

START_TEST(response)
{
	static const char *R = "GET / HTTP/1.1\nX-A: req\n\n";
	static const char *S =
	    "HTTP/1.0 302 Found\nX-A: r1, r2\nSet-Cookie: sid=abc; Path=/; "
	    "Expires=Wed, 21 Oct 2026 07:28:00 GMT\nSet-Cookie: t=9\n\n";
#define RES(e, w) check("http-response", R, S, (e), (w))
	RES("status", "302");
	RES("res.ver", "1.0");
	RES("capture.res.ver", "HTTP/1.0");
	RES("res.hdr(x-a)", "r2");
	RES("shdr(x-a,1)", "r1");
	RES("res.fhdr(x-a)", "r1, r2");
	RES("res.hdr_cnt(x-a)", "2");
	RES("hdr(x-a)", "r2");           /* hdr() follows the direction */
	RES("res.cook(sid)", "abc");
	RES("scook(t)", "9");
	RES("res.cook_cnt", "4");  /* every pair of a Set-Cookie counts */
	RES("scook(Path)", NULL);        /* only the first pair of Set-Cookie */
	RES("res.hdr_names", "x-a,set-cookie,set-cookie");
#undef RES
	/* a log line reads the request with hdr() */
	const struct smp_expr *x = expr_of("http-response", "hdr(x-a)");
	set_request(R);
	set_response(S);
	ctx.log_eval = true;
	ck_assert_str_eq(ev(x), "req");
}
END_TEST

/* ---- body, authorization --------------------------------------------------------- */

START_TEST(body_auth)
{
	static const char *R =
	    "POST /f HTTP/1.1\nContent-Length: 11\n"
	    "Authorization: Basic dXNlcjpwYXNzOndvcmQ=\n\n";
	const struct smp_expr *x = expr_of("http-request", "req.body");
	set_request(R);
	ctx.http_body = "a=1&bb=22&a";
	ctx.http_body_len = 11;
	ck_assert_str_eq(ev(x), "a=1&bb=22&a");
	x = expr_of("http-request", "req.body_param(bb)");
	set_request(R);
	ctx.http_body = "a=1&bb=22&a";
	ctx.http_body_len = 11;
	ck_assert_str_eq(ev(x), "22");
	x = expr_of("http-request", "req.body_len");
	set_request(R);
	ctx.http_body = "a=1&bb=22&a";
	ctx.http_body_len = 11;
	ck_assert_str_eq(ev(x), "11");
	REQ("req.body_size", "11");
	REQ("http_auth_type", "Basic");
	REQ("http_auth_user", "user");
	REQ("http_auth_pass", "pass:word");
	REQ("http_auth_bearer", NULL);
	static const char *R2 = "GET / HTTP/1.1\nAuthorization: Bearer tok.en\n\n";
	check("http-request", R2, NULL, "http_auth_type", "Bearer");
	check("http-request", R2, NULL, "http_auth_bearer", "tok.en");
	check("http-request", R2, NULL, "http_auth_user", NULL);
}
END_TEST

START_TEST(no_http)
{
	/* TCP mode: every HTTP fetch answers nothing */
	const struct smp_expr *x = expr_of("http-request", "hdr(host)");
	ck_assert_ptr_null(ev(x));
	x = expr_of("http-response", "status");
	ck_assert_ptr_null(ev(x));
	x = expr_of("http-request", "ssl_fc");
	ck_assert_str_eq(ev(x), "0");
	x = expr_of("http-request", "ssl_fc_sni");
	ck_assert_ptr_null(ev(x));
	x = expr_of("http-request", "ssl_fc_is_resumed");
	ck_assert_str_eq(ev(x), "0");
	x = expr_of("http-request", "ssl_c_used");
	ck_assert_ptr_null(ev(x));
	x = expr_of("http-response", "ssl_bc");
	ck_assert_str_eq(ev(x), "0");
}
END_TEST

/* ---- TLS -------------------------------------------------------------------------- */

static EVP_PKEY *
mkkey(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(k);
	return k;
}

/* A certificate for key signed by ikey (self-signed when NULL). */
static X509 *
mkcert(EVP_PKEY *key, const char *cn, const char *o, X509 *issuer, EVP_PKEY *ikey,
       long serial)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	ASN1_TIME_set_string(X509_getm_notAfter(x), "351231235959Z");
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, key);
	X509_sign(x, ikey ? ikey : key, EVP_sha256());
	return x;
}

static int
accept_all(int ok, X509_STORE_CTX *xs)
{
	(void)ok;
	if (!ok) {
		SSL *s = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
		tls_verify_record(s, X509_STORE_CTX_get_error(xs),
		                  X509_STORE_CTX_get_error_depth(xs));
	}
	return 1;
}

static int
alpn_sel(SSL *s, const unsigned char **o, unsigned char *ol, const unsigned char *in,
         unsigned il, void *arg)
{
	(void)s, (void)arg;
	if (SSL_select_next_proto((unsigned char **)o, ol, (const unsigned char *)"\x08http/1.1",
	                          9, in, il) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	return SSL_TLSEXT_ERR_OK;
}

START_TEST(tls)
{
	EVP_PKEY *ska = mkkey(), *cka = mkkey();
	X509 *srv = mkcert(ska, "srv.test", "Srv", NULL, NULL, 0x1234);
	X509 *cli = mkcert(cka, "client", "Test Org", NULL, NULL, 0x0102abcdL);
	SSL_CTX *sc = SSL_CTX_new(TLS_server_method());
	SSL_CTX *cc = SSL_CTX_new(TLS_client_method());
	ck_assert(SSL_CTX_use_certificate(sc, srv) == 1);
	ck_assert(SSL_CTX_use_PrivateKey(sc, ska) == 1);
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, accept_all);
	SSL_CTX_set_alpn_select_cb(sc, alpn_sel, NULL);
	ck_assert(SSL_CTX_use_certificate(cc, cli) == 1);
	ck_assert(SSL_CTX_use_PrivateKey(cc, cka) == 1);
	SSL_CTX_set_verify(cc, SSL_VERIFY_NONE, NULL);
	SSL *ss = SSL_new(sc), *cs = SSL_new(cc);
	BIO *b1, *b2;
	ck_assert(BIO_new_bio_pair(&b1, 0, &b2, 0) == 1);
	SSL_set_bio(ss, b1, b1);
	SSL_set_bio(cs, b2, b2);
	SSL_set_accept_state(ss);
	SSL_set_connect_state(cs);
	SSL_set_tlsext_host_name(cs, "a.test");
	SSL_set_alpn_protos(cs, (const unsigned char *)"\x02h2\x08http/1.1", 12);
	int done = 0;
	for (int i = 0; i < 20 && done != 3; i++) {
		if (!(done & 1) && SSL_do_handshake(cs) == 1)
			done |= 1;
		if (!(done & 2) && SSL_do_handshake(ss) == 1)
			done |= 2;
	}
	ck_assert_int_eq(done, 3);

	struct { const char *e, *want; } t[] = {
		{ "ssl_fc", "1" },
		{ "ssl_fc_sni", "a.test" },
		{ "ssl_fc_has_sni", "1" },
		{ "ssl_fc_protocol", "TLSv1.3" },
		{ "ssl_fc_cipher", "TLS_AES_256_GCM_SHA384" },
		{ "ssl_fc_alpn", "http/1.1" },
		{ "ssl_fc_has_crt", "1" },
		{ "ssl_fc_is_resumed", "0" },
		{ "ssl_fc_use_keysize", "256" },
		{ "ssl_c_used", "1" },
		{ "ssl_c_verify", "18" },   /* self-signed, forgiven */
		{ "ssl_c_err", "18" },
		{ "ssl_c_ca_err", "0" },
		{ "ssl_c_s_dn", "/O=Test Org/CN=client" },
		{ "ssl_c_s_dn(CN)", "client" },
		{ "ssl_c_s_dn(O,-1)", "Test Org" },
		{ "ssl_c_s_dn(OU)", NULL },
		{ "ssl_c_s_dn(CN,1,rfc2253)", "client" },
		{ "ssl_c_i_dn", "/O=Test Org/CN=client" },
		{ "ssl_c_serial,hex", "0102ABCD" },
		{ "ssl_c_notafter", "351231235959Z" },
		{ "ssl_c_version", "3" },
		{ "ssl_c_sig_alg", "ecdsa-with-SHA256" },
		{ "ssl_c_key_alg", "id-ecPublicKey" },
		{ "ssl_f_s_dn(CN)", "srv.test" },
		{ "ssl_f_serial,hex", "1234" },
		{ "ssl_fc_err", "0" },
		{ "fc_err", "0" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		const struct smp_expr *x = expr_of("http-request", t[i].e);
		ctx.cli_ssl = ss;
		const char *got = ev(x);
		if (!t[i].want)
			ck_assert_msg(got == NULL, "%s: got '%s'", t[i].e, got);
		else
			ck_assert_msg(got && strcmp(got, t[i].want) == 0, "%s: got '%s' want '%s'",
			              t[i].e, got ? got : "(absent)", t[i].want);
	}
	/* the SHA-1 of the client's certificate */
	unsigned char md[20];
	unsigned mdl = 0;
	X509_digest(cli, EVP_sha1(), md, &mdl);
	char hex[41];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	const struct smp_expr *x = expr_of("http-request", "ssl_c_sha1,hex");
	ctx.cli_ssl = ss;
	ck_assert_str_eq(ev(x), hex);

	/* the server side: the proxy's connection to a server (cs here) */
	struct session sess;
	memset(&sess, 0, sizeof(sess));
	sess.srv_ssl = cs;
	struct { const char *e, *want; } b[] = {
		{ "ssl_bc", "1" }, { "ssl_bc_protocol", "TLSv1.3" },
		{ "ssl_bc_alpn", "http/1.1" }, { "ssl_bc_is_resumed", "0" },
		{ "ssl_s_s_dn(CN)", "srv.test" }, { "ssl_s_serial,hex", "1234" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(b); i++) {
		x = expr_of("http-response", b[i].e);
		ctx.sess = &sess;
		const char *got = ev(x);
		ck_assert_msg(got && strcmp(got, b[i].want) == 0, "%s: got '%s' want '%s'",
		              b[i].e, got ? got : "(absent)", b[i].want);
	}
	ctx.sess = NULL;

	SSL_free(ss);
	SSL_free(cs);
	SSL_CTX_free(sc);
	SSL_CTX_free(cc);
	X509_free(srv);
	X509_free(cli);
	EVP_PKEY_free(ska);
	EVP_PKEY_free(cka);
}
END_TEST

static void
teardown(void)
{
	reset();
	FREE_NULL(out.s);
	out.len = out.cap = 0;
}

Suite *suite_fetch_http(void);
Suite *
suite_fetch_http(void)
{
	Suite *s = suite_create("fetch_http");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, headers);
	tcase_add_test(tc, header_values);
	tcase_add_test(tc, header_acls);
	tcase_add_test(tc, request_line);
	tcase_add_test(tc, request_line2);
	tcase_add_test(tc, absolute_uri);
	tcase_add_test(tc, cookies);
	tcase_add_test(tc, response);
	tcase_add_test(tc, body_auth);
	tcase_add_test(tc, no_http);
	tcase_add_test(tc, tls);
	suite_add_tcase(s, tc);
	return s;
}
