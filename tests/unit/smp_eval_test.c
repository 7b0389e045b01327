/* Run-time evaluation (engine/smp_eval.c and friends): fetches against a
 * hand-made smp_ctx (real ClientHellos included), every match method,
 * pattern files, maps, converters (values checked against HAProxy 2.6.12),
 * the MISS logic of conditions, log-format rendering and actions. The
 * runtime facts (nbsrv, srv_is_up...) are the weak defaults of
 * engine/smp_ctx_weak.c. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/acl.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "tests/fixtures/clienthello/captured.h"

#define RANDOM32                                                              \
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,     \
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,     \
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f

/* SNI example.com, TLS 1.2 legacy version (as clienthello_test.c). */
static const uint8_t ch_min_sni[] = {
	0x16, 0x03, 0x01, 0x00, 0x43, 0x01, 0x00, 0x00, 0x3f, 0x03, 0x03,
	RANDOM32, 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x14,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b,
	'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
};

/* No SNI; supported_groups and an empty session_ticket. */
static const uint8_t ch_no_sni[] = {
	0x16, 0x03, 0x01, 0x00, 0x3b, 0x01, 0x00, 0x00, 0x37, 0x03, 0x03,
	RANDOM32, 0x00, 0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00, 0x00, 0x0c,
	0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d,
	0x00, 0x23, 0x00, 0x00,
};

/* SNI a.test, ALPN h2 then http/1.1. */
static const uint8_t ch_alpn[] = {
	0x16, 0x03, 0x01, 0x00, 0x50, 0x01, 0x00, 0x00, 0x4c, 0x03, 0x03,
	RANDOM32, 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x21,
	0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06,
	'a', '.', 't', 'e', 's', 't',
	0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c,
	0x02, 'h', '2',
	0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
};

static struct diag d;
static struct cfg *cfg;
static struct smp_ctx ctx;
static union sess_addr src, dst, real;
static char tmpdir[64];
static bool rt_loaded;

static void
reset(void)
{
	if (ctx.ch)
		free(ctx.ch);
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
set_addr(union sess_addr *ss, const char *ip, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		ss->in6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &ss->in6.sin6_addr);
		ss->in6.sin6_port = htons((uint16_t)port);
	} else {
		ss->in.sin_family = AF_INET;
		inet_pton(AF_INET, ip, &ss->in.sin_addr);
		ss->in.sin_port = htons((uint16_t)port);
	}
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

/* Loads a tcp frontend "f" with the given lines, a backend "b" with two
 * servers, runtime tables, and a context for a client 192.0.2.1:40000
 * connected to 127.0.0.1:8443. */
static struct cfg_proxy *
load(const char *lines)
{
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	char *text = xasprintf(
	    "frontend f\n"
	    "  mode tcp\n"
	    "  bind 127.0.0.1:8443\n"
	    "  tcp-request inspect-delay 5s\n"
	    "%s"
	    "  default_backend b\n"
	    "backend b\n"
	    "  mode tcp\n"
	    "  server s1 127.0.0.1:9001\n"
	    "  server s2 127.0.0.1:9002\n", lines);
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
	set_addr(&src, "192.0.2.1", 40000);
	set_addr(&dst, "127.0.0.1", 8443);
	set_addr(&real, "198.51.100.7", 555);
	ctx.cfg = cfg;
	ctx.fe = cfg->proxies.v[0];
	ctx.src = &src;
	ctx.dst = &dst;
	ctx.fc_src = &real;
	ctx.final = false;
	return cfg->proxies.v[0];
}

static void
set_req(const void *p, size_t n, bool final)
{
	ctx.req = p;
	ctx.req_len = n;
	ctx.final = final;
	ctx.ch_parsed = false; /* another buffer, maybe of the same length */
}

/* The expression of "tcp-request content set-var(txn.x) <expr>" in a
 * fresh config (after the extra lines). */
static const struct smp_expr *
expr_in(const char *extra, const char *e)
{
	char *l = xasprintf("%s  tcp-request content set-var(txn.x) %s\n", extra, e);
	struct cfg_proxy *px = load(l);
	free(l);
	ck_assert_uint_ge(px->tcp_req_cont.n, 1);
	return px->tcp_req_cont.v[px->tcp_req_cont.n - 1]->expr;
}

static struct sbuf out;

/* Evaluates e in the current context: its string, NULL when absent,
 * "<WAIT>" when waiting. */
static const char *
ev(const struct smp_expr *e)
{
	sbuf_reset(&out);
	enum smp_result r = smp_eval_str(e, &ctx, &out);
	if (r == SMP_RES_WAIT)
		return "<WAIT>";
	if (r == SMP_RES_ABSENT)
		return NULL;
	return out.s ? out.s : "";
}

static void
expect_str(const char *e, const char *want)
{
	const struct smp_expr *x = expr_in("", e);
	const char *got = ev(x);
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: got '%s', want absent", e, got);
	else
		ck_assert_msg(got && strcmp(got, want) == 0, "%s: got '%s', want '%s'",
		              e, got ? got : "(absent)", want);
}

/* The condition of "tcp-request content accept <cond>". */
static const struct acl_cond *
cond_in(const char *extra, const char *cond)
{
	char *l = xasprintf("%s  tcp-request content accept %s\n", extra, cond);
	struct cfg_proxy *px = load(l);
	free(l);
	ck_assert_uint_ge(px->tcp_req_cont.n, 1);
	return px->tcp_req_cont.v[px->tcp_req_cont.n - 1]->cond;
}

static const char *
res_name(enum acl_result r)
{
	return r == ACL_PASS ? "PASS" : r == ACL_FAIL ? "FAIL" : "MISS";
}

#define expect_cond(extra, cond, want)                                        \
	do {                                                                  \
		const struct acl_cond *c_ = cond_in((extra), (cond));         \
		enum acl_result r_ = acl_cond_eval(c_, &ctx);                 \
		ck_assert_msg(r_ == (want), "%s: got %s want %s", (cond),      \
		              res_name(r_), res_name(want));                  \
	} while (0)

/* Same condition, current context (after changing ctx). */
static enum acl_result
reeval(void)
{
	struct cfg_proxy *px = cfg->proxies.v[0];
	return acl_cond_eval(px->tcp_req_cont.v[px->tcp_req_cont.n - 1]->cond, &ctx);
}

static char *
tmpfile_with(const char *name, const char *text)
{
	if (!tmpdir[0]) {
		str_copy(tmpdir, sizeof(tmpdir), "/tmp/smpevalXXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	char *p = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* ---- fetches ------------------------------------------------------------------ */

START_TEST(fetch_l4)
{
	expect_str("src", "192.0.2.1");
	expect_str("src_port", "40000");
	expect_str("dst", "127.0.0.1");
	expect_str("dst_port", "8443");
	expect_str("fc_src", "198.51.100.7");
	expect_str("src,ipmask(24)", "192.0.2.0");
	expect_str("dst_is_local", "1");
	expect_str("fe_name", "f");
	expect_str("always_true", "1");
	expect_str("always_false", "0");
	expect_str("str(abc)", "abc");
	expect_str("int(-42)", "-42");
	expect_str("ipv4(10.1.2.3)", "10.1.2.3");
	expect_str("ipv6(2001:db8::1)", "2001:db8::1");
	expect_str("nbsrv(b)", "0");
	expect_str("srv_is_up(b/s1)", "0");
	expect_str("var(txn.nope)", NULL);
	expect_str("var(txn.nope,dflt)", "dflt");
	setenv("SLUICE_SMP_TEST", "env-ok", 1);
	expect_str("env(SLUICE_SMP_TEST)", "env-ok");
	expect_str("env(SLUICE_SMP_NOPE)", NULL);
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	expect_str("hostname", host);
	/* IPv6 client */
	const struct smp_expr *e = expr_in("", "src");
	set_addr(&src, "2001:db8::5", 1);
	ck_assert_str_eq(ev(e), "2001:db8::5");
	/* port 0 (set-src on a unix client) is no port; a unix client has
	 * no address but is local (HAProxy 2.6.12) */
	e = expr_in("", "src_port");
	set_addr(&src, "192.0.2.1", 0);
	ck_assert_ptr_null(ev(e));
	e = expr_in("", "src_is_local");
	memset(&src, 0, sizeof(src));
	src.sa.sa_family = AF_UNIX;
	ck_assert_str_eq(ev(e), "1");
	src.sa.sa_family = AF_UNSPEC;
	ck_assert_ptr_null(ev(e));
	e = expr_in("", "src");
	src.sa.sa_family = AF_UNIX;
	ck_assert_ptr_null(ev(e));
	/* backend-side fetches, from a backend rule */
	struct cfg_proxy *px = load("");
	(void)px;
	reset();
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	const char *text = "backend b\n  mode tcp\n"
	                   "  tcp-request content set-var(txn.a) be_name\n"
	                   "  tcp-request content set-var(txn.d) be_id\n"
	                   "  server s1 127.0.0.1:1\n  server s2 127.0.0.1:2\n";
	cfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &d);
	if (!cfg)
		dump_diag();
	ck_assert_ptr_nonnull(cfg);
	ctx.cfg = cfg;
	ctx.be = cfg->proxies.v[0];
	px = cfg->proxies.v[0];
	ck_assert_str_eq(ev(px->tcp_req_cont.v[0]->expr), "b");
	ck_assert_str_eq(ev(px->tcp_req_cont.v[1]->expr), "1");
}
END_TEST

START_TEST(fetch_req_buffer)
{
	static const char rdp[] = "\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00"
	                          "Cookie: mstshash=alice\r\n";
	const struct smp_expr *e = expr_in("", "req.len");
	set_req("abc", 3, false);
	ck_assert_str_eq(ev(e), "3");
	e = expr_in("", "req.payload(1,2),hex");
	set_req("abcd", 4, false);
	ck_assert_str_eq(ev(e), "6263");
	set_req("a", 1, false);
	ck_assert_str_eq(ev(e), "<WAIT>");
	set_req("a", 1, true);
	ck_assert_ptr_null(ev(e));
	e = expr_in("", "req.payload_lv(0,1),hex");
	set_req("\x02xyz", 4, false);
	ck_assert_str_eq(ev(e), "7879");
	set_req("\x05xy", 3, false);
	ck_assert_str_eq(ev(e), "<WAIT>");
	e = expr_in("", "req.payload_lv(0,1,+1),hex");
	set_req("\x02_xyz", 5, true);
	ck_assert_str_eq(ev(e), "7879");

	e = expr_in("", "req.proto_http");
	set_req("GET / HTTP/1.1\r\nHost: x\r\n", 25, false);
	ck_assert_str_eq(ev(e), "1");
	set_req("GET / HT", 8, false);
	ck_assert_str_eq(ev(e), "<WAIT>");
	set_req("\x16\x03\x01", 3, false);
	ck_assert_ptr_null(ev(e));

	e = expr_in("", "req.rdp_cookie");
	set_req(rdp, sizeof(rdp) - 1, false);
	ck_assert_str_eq(ev(e), "alice");
	e = expr_in("", "req.rdp_cookie(mstshash)");
	set_req(rdp, sizeof(rdp) - 1, false);
	ck_assert_str_eq(ev(e), "alice");
	e = expr_in("", "req.rdp_cookie(other)");
	set_req(rdp, sizeof(rdp) - 1, false);
	ck_assert_ptr_null(ev(e));
	e = expr_in("", "req.rdp_cookie_cnt");
	set_req(rdp, 20, false);
	ck_assert_str_eq(ev(e), "<WAIT>");
	set_req(rdp, 20, true);
	ck_assert_str_eq(ev(e), "0");
	set_req(rdp, sizeof(rdp) - 1, true);
	ck_assert_str_eq(ev(e), "1");
}
END_TEST

START_TEST(fetch_clienthello)
{
	const struct smp_expr *e = expr_in("", "req.ssl_sni");
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_str_eq(ev(e), "example.com");
	/* every prefix waits, then is absent once final */
	for (size_t n = 0; n < sizeof(ch_min_sni); n++) {
		set_req(ch_min_sni, n, false);
		ck_assert_str_eq(ev(e), "<WAIT>");
		set_req(ch_min_sni, n, true);
		ck_assert_ptr_null(ev(e));
	}
	set_req(ch_no_sni, sizeof(ch_no_sni), false);
	ck_assert_ptr_null(ev(e));
	set_req("GET / HTTP/1.0\r\n\r\n", 18, false);
	ck_assert_ptr_null(ev(e));

	e = expr_in("", "req_ssl_sni");
	set_req(ch_openssl, sizeof(ch_openssl), false);
	ck_assert_str_eq(ev(e), "www.Example.test");
	set_req(ch_curl, sizeof(ch_curl), false);
	ck_assert_str_eq(ev(e), "api.example.test");
	set_req(ch_python, sizeof(ch_python), false);
	ck_assert_str_eq(ev(e), "py.example.test");

	e = expr_in("", "req.ssl_ver");
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_str_eq(ev(e), "196611");
	e = expr_in("", "req.ssl_hello_type");
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_str_eq(ev(e), "1");
	set_req(ch_min_sni, 10, false);
	ck_assert_str_eq(ev(e), "<WAIT>");
	e = expr_in("", "req.ssl_alpn");
	set_req(ch_alpn, sizeof(ch_alpn), false);
	ck_assert_str_eq(ev(e), "h2");
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_ptr_null(ev(e));
	e = expr_in("", "req.ssl_ec_ext");
	set_req(ch_no_sni, sizeof(ch_no_sni), false);
	ck_assert_str_eq(ev(e), "1");
	e = expr_in("", "req.ssl_st_ext");
	set_req(ch_no_sni, sizeof(ch_no_sni), false);
	ck_assert_str_eq(ev(e), "1");
	e = expr_in("", "req.ssl_ech");
	set_req(ch_curl, sizeof(ch_curl), false);
	ck_assert_str_eq(ev(e), "0");

	/* ACLs: exact by default, -i, decimal versions, every ALPN value */
	expect_cond("", "if { req.ssl_sni example.com }", ACL_MISS);
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { req.ssl_sni www.example.test }", ACL_MISS);
	set_req(ch_openssl, sizeof(ch_openssl), false);
	ck_assert_int_eq(reeval(), ACL_FAIL);
	expect_cond("", "if { req.ssl_sni -i www.example.test }", ACL_MISS);
	set_req(ch_openssl, sizeof(ch_openssl), false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { req.ssl_ver 3.3 }", ACL_MISS);
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { req_ssl_ver 3.1:3.2 }", ACL_MISS);
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_int_eq(reeval(), ACL_FAIL);
	expect_cond("", "if { req.ssl_hello_type 1 }", ACL_MISS);
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { req.ssl_alpn http/1.1 }", ACL_MISS);
	set_req(ch_alpn, sizeof(ch_alpn), false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { req.ssl_alpn h2 }", ACL_MISS);
	set_req(ch_alpn, sizeof(ch_alpn), false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { req.ssl_alpn h3 }", ACL_MISS);
	set_req(ch_alpn, sizeof(ch_alpn), false);
	ck_assert_int_eq(reeval(), ACL_FAIL);
	set_req(ch_alpn, 20, true);
	ck_assert_int_eq(reeval(), ACL_FAIL);
	expect_cond("", "if { req.ssl_alpn,upper H2 }", ACL_MISS);
	set_req(ch_curl, sizeof(ch_curl), false);
	ck_assert_int_eq(reeval(), ACL_PASS);
}
END_TEST

/* ---- match methods -------------------------------------------------------------- */

START_TEST(match_methods)
{
	set_req(NULL, 0, true);
	expect_cond("", "if { str(abc) abc }", ACL_PASS);
	expect_cond("", "if { str(abc) ABC }", ACL_FAIL);
	expect_cond("", "if { str(abc) -i ABC }", ACL_PASS);
	expect_cond("", "if { str(abc) ab }", ACL_FAIL);
	expect_cond("", "if { str(abcdef) -m sub cde }", ACL_PASS);
	expect_cond("", "if { str(abcdef) -m sub -i CDE }", ACL_PASS);
	expect_cond("", "if { str(abcdef) -m sub xyz }", ACL_FAIL);
	expect_cond("", "if { str(abcdef) -m beg abc }", ACL_PASS);
	expect_cond("", "if { str(abcdef) -m beg bcd }", ACL_FAIL);
	expect_cond("", "if { str(abcdef) -m end def }", ACL_PASS);
	expect_cond("", "if { str(abcdef) -m end -i DEF }", ACL_PASS);
	expect_cond("", "if { str(abcdef) -m end abc }", ACL_FAIL);
	expect_cond("", "if { str(/a/bc/d) -m dir bc }", ACL_PASS);
	expect_cond("", "if { str(/a/bc/d) -m dir b }", ACL_FAIL);
	expect_cond("", "if { str(/a/bc/d) -m dir /a/bc }", ACL_PASS);
	expect_cond("", "if { str(www.example.com) -m dom example }", ACL_PASS);
	expect_cond("", "if { str(www.example.com) -m dom example.com }", ACL_PASS);
	expect_cond("", "if { str(www.example.com) -m dom ample }", ACL_FAIL);
	expect_cond("", "if { str(abc123) -m reg ^[a-c]+[0-9]{3}$ }", ACL_PASS);
	expect_cond("", "if { str(ABC) -m reg -i ^abc$ }", ACL_PASS);
	expect_cond("", "if { str(ABC) -m reg ^abc$ }", ACL_FAIL);
	expect_cond("", "if { str(abcd) -m len 4 }", ACL_PASS);
	expect_cond("", "if { str(abcd) -m len 5: }", ACL_FAIL);
	expect_cond("", "if { int(42) 40:50 }", ACL_PASS);
	expect_cond("", "if { int(42) :41 }", ACL_FAIL);
	expect_cond("", "if { int(42) gt 41 }", ACL_PASS);
	expect_cond("", "if { int(42) lt 42 }", ACL_FAIL);
	expect_cond("", "if { int(42) le 42 }", ACL_PASS);
	expect_cond("", "if { int(42) 1 2 3 42 }", ACL_PASS);
	expect_cond("", "if { str(42) -m int 42 }", ACL_PASS);
	expect_cond("", "if { src 192.0.2.0/24 }", ACL_PASS);
	expect_cond("", "if { src 192.0.2.2 }", ACL_FAIL);
	expect_cond("", "if { src 10.0.0.0/8 192.0.2.1 }", ACL_PASS);
	expect_cond("", "if { src 192.0.0.0/255.255.0.0 }", ACL_PASS);
	expect_cond("", "if { src 0.0.2.0/0.0.255.0 }", ACL_PASS);
	expect_cond("", "if { src ::ffff:192.0.2.1 }", ACL_PASS);
	expect_cond("", "if { src 2001:db8::/32 }", ACL_FAIL);
	set_addr(&src, "2001:db8::5", 1);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { src 192.0.2.1 }", ACL_PASS);
	set_addr(&src, "::ffff:192.0.2.1", 1);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if LOCALHOST", ACL_FAIL);
	set_addr(&src, "::1", 1);
	ck_assert_int_eq(reeval(), ACL_PASS);
	set_addr(&src, "127.3.4.5", 1);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { req.payload(0,2) -m bin 4142 }", ACL_MISS);
	set_req("ABC", 3, false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	set_req("AC", 2, false);
	ck_assert_int_eq(reeval(), ACL_FAIL);
	expect_cond("", "if { payload(0,1) -m bin 41 }", ACL_MISS);
	set_req("A", 1, false);
	ck_assert_int_eq(reeval(), ACL_PASS);
	expect_cond("", "if { var(txn.nope) -m found }", ACL_FAIL);
	expect_cond("", "if { str(x) -m found }", ACL_PASS);
	expect_cond("", "if { int(0) -m bool }", ACL_FAIL);
	expect_cond("", "if { int(3) -m bool }", ACL_PASS);
	expect_cond("", "if { always_true }", ACL_PASS);
	expect_cond("", "if { str(abc) -m str -- abc }", ACL_PASS);
	/* an ACL without patterns never matches */
	expect_cond("", "if { str(abc) -m str }", ACL_FAIL);
}
END_TEST

START_TEST(match_files)
{
	char *hosts = tmpfile_with("hosts.lst",
	                           "# comment\n  www.Example.com\n\napi.example.com\n");
	char *doms = tmpfile_with("doms.lst", ".example.org\n.example.net\n");
	char *nets = tmpfile_with("nets.lst", "10.0.0.0/8\n192.0.2.1\n2001:db8::/32\n");
	struct sbuf big = { 0 };
	for (int i = 0; i < 2000; i++)
		sbuf_addf(&big, "host%d.example.com\n", i);
	char *many = tmpfile_with("many.lst", big.s);
	free(big.s);

	char *c = xasprintf("if { str(www.Example.com) -f %s }", hosts);
	expect_cond("", c, ACL_PASS);
	free(c);
	c = xasprintf("if { str(www.example.com) -f %s }", hosts);
	expect_cond("", c, ACL_FAIL);
	free(c);
	c = xasprintf("if { str(WWW.EXAMPLE.COM) -i -f %s }", hosts);
	expect_cond("", c, ACL_PASS);
	free(c);
	c = xasprintf("if { str(a.b.example.net) -m end -f %s }", doms);
	expect_cond("", c, ACL_PASS);
	free(c);
	c = xasprintf("if { str(a.b.example.com) -m end -f %s }", doms);
	expect_cond("", c, ACL_FAIL);
	free(c);
	c = xasprintf("if { src -f %s }", nets);
	expect_cond("", c, ACL_PASS);
	set_addr(&src, "10.200.1.1", 1);
	ck_assert_int_eq(reeval(), ACL_PASS);
	set_addr(&src, "11.0.0.1", 1);
	ck_assert_int_eq(reeval(), ACL_FAIL);
	set_addr(&src, "2001:db8:1::1", 1);
	ck_assert_int_eq(reeval(), ACL_PASS);
	free(c);
	c = xasprintf("if { str(host1999.example.com) -f %s }", many);
	expect_cond("", c, ACL_PASS);
	free(c);
	c = xasprintf("if { str(HOST1234.example.com) -i -f %s }", many);
	expect_cond("", c, ACL_PASS);
	free(c);
	c = xasprintf("if { str(host2000.example.com) -f %s }", many);
	expect_cond("", c, ACL_FAIL);
	free(c);
	c = xasprintf("if { str(host12.example.com.evil) -m beg -f %s }", many);
	expect_cond("", c, ACL_PASS);
	free(c);
	free(hosts);
	free(doms);
	free(nets);
	free(many);
}
END_TEST

/* ---- maps ------------------------------------------------------------------------- */

START_TEST(maps)
{
	char *beg = tmpfile_with("beg.map", "a x\nab y\nabc z\n");
	char *dup = tmpfile_with("dup.map", "k1 v1\nk1 v2\n  # c\n\nk2   two words  \n");
	char *ip = tmpfile_with("ip.map", "10.0.0.0/8 eight\n10.1.0.0/16 sixteen\n2001:db8::/32 six\n");
	char *ints = tmpfile_with("int.map", "1:10 small\n11: big\n");
	char *reg = tmpfile_with("reg.map", "^www\\.(.*)$ w\nexample web\n");
	char *regm = tmpfile_with("regm.map", "^([a-z]+)\\.example\\.(com|net)$ \\2-\\1\n");
	char *end = tmpfile_with("end.map", ".com dotcom\nexample.com ex\n");
	char *dom = tmpfile_with("dom.map", "example dom\n");
	char *dir = tmpfile_with("dir.map", "/api api\n");
	char *sub = tmpfile_with("sub.map", "zz none\nbc sub\n");
	char *iv = tmpfile_with("iv.map", "a 42\n");
	char *ipv = tmpfile_with("ipv.map", "b 10.9.8.7\nc ::1\n");
	struct {
		const char *expr;
		const char *want;
	} t[] = {
		{ "str(abcd),map_beg(%s)", "z" },          /* longest prefix */
		{ "str(abd),map_beg(%s)", "y" },
		{ "str(zzz),map_beg(%s)", NULL },
		{ "str(zzz),map_beg(%s,dflt)", "dflt" },
		{ "str(k1),map(%s)", "v1" },                /* first of duplicates */
		{ "str(k2),map_str(%s)", "two words" },
		{ "str(10.1.2.3),map_ip(%s)", "sixteen" },  /* longest prefix */
		{ "str(10.2.2.3),map_ip(%s)", "eight" },
		{ "src,map_ip(%s,none)", "none" },
		{ "ipv6(2001:db8::7),map_ip(%s)", "six" },
		{ "int(5),map_int(%s)", "small" },
		{ "int(500),map_int(%s)", "big" },
		{ "str(www.example.com),map_reg(%s)", "w" },
		{ "str(example.org),map_reg(%s)", "web" },
		{ "str(api.example.net),map_regm(%s)", "net-api" },
		{ "str(www.example.com),map_end(%s)", "dotcom" }, /* file order */
		{ "str(www.example.com),map_dom(%s)", "dom" },
		{ "str(/x/api/y),map_dir(%s)", "api" },
		{ "str(abcd),map_sub(%s)", "sub" },
	};
	const char *files[] = { beg, beg, beg, beg, dup, dup, ip, ip, ip, ip,
	                        ints, ints, reg, reg, regm, end, dom, dir, sub };
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *e = xasprintf(t[i].expr, files[i]);
		expect_str(e, t[i].want);
		free(e);
	}
	char *e = xasprintf("str(a),map_str_int(%s)", iv);
	expect_str(e, "42");
	free(e);
	e = xasprintf("str(b),map_str_ip(%s)", ipv);
	expect_str(e, "10.9.8.7");
	free(e);
	e = xasprintf("str(c),map_str_ip(%s)", ipv);
	expect_str(e, "::1");
	free(e);
	e = xasprintf("str(x),map_str_int(%s,7)", iv);
	expect_str(e, "7");
	free(e);
	/* a dynamic use_backend with a map, as in the reference's example */
	char *sni = tmpfile_with("sni.map", "example.com b\n");
	char *l = xasprintf("  use_backend %%[req.ssl_sni,lower,map(%s,b)]\n", sni);
	struct cfg_proxy *px = load(l);
	free(l);
	set_req(ch_min_sni, sizeof(ch_min_sni), true);
	sbuf_reset(&out);
	ck_assert_int_eq(lf_render(px->use_backends.v[0]->dyn, &ctx, &out), 0);
	ck_assert_str_eq(out.s, "b");
	free(sni);

	/* a bad value for an _int map is reported at init */
	char *bad = tmpfile_with("bad.map", "a notanint\n");
	l = xasprintf("  tcp-request content set-var(txn.x) str(a),map_str_int(%s)\n", bad);
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	char *text = xasprintf("frontend f\n  mode tcp\n  bind :1\n%s", l);
	reset();
	cfg = cfg_load_string("t.cfg", text, strlen(text), &o, false, &d);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(smp_runtime_init(cfg, &d), -1);
	/* HAProxy 2.6: "unable to parse 'x' at line N of file 'f'" */
	ck_assert_ptr_nonnull(diag_find(&d, "unable to parse 'notanint' at line 1 of file"));
	free(text);
	free(l);
	free(bad);
	free(beg), free(dup), free(ip), free(ints), free(reg), free(regm);
	free(end), free(dom), free(dir), free(sub), free(iv), free(ipv);
}
END_TEST

/* ---- converters (values from HAProxy 2.6.12) ------------------------------------- */

START_TEST(converters)
{
	static const struct {
		const char *expr, *want;
	} t[] = {
		{ "str(AbC),lower", "abc" },
		{ "str(AbC),upper", "ABC" },
		{ "str(a.b.c),field(2,.)", "b" },
		{ "str(a.b.c),field(-1,.)", "c" },
		{ "str(a.b.c.d),field(2,.,0)", "b.c.d" },
		{ "str(a.b.c.d),field(2,.,2)", "b.c" },
		{ "str(a.b.c),field(5,.)", NULL },
		{ "str(a..b.c),word(2,.)", "b" },
		{ "str(a.b..c),word(3,.)", "c" },
		{ "str(a.b.c.d),word(-2,.,2)", "b.c" },
		{ "str(aXbXc),regsub(X,-,g)", "a-b-c" },
		{ "str(aXbXc),regsub(X,-)", "a-bXc" },
		{ "str(abc),regsub(^,>,g)", ">abc" },
		{ "str(abc),regsub(b*,-,g)", "-a--c-" },
		{ "str(AbC),regsub(b,_,i)", "A_C" },
		{ "str(10.0.0.1),ipmask(8)", "10.0.0.0" },
		{ "int(3),bool", "1" },
		{ "int(0),not", "1" },
		{ "int(12),and(10)", "8" },
		{ "int(12),or(3)", "15" },
		{ "int(12),xor(4)", "8" },
		{ "str(12ab),add(1)", "13" },
		{ "int(5),sub(7)", "-2" },
		{ "str(5),mul(-1)", "-5" },
		{ "int(5),div(0)", "9223372036854775807" },
		{ "int(5),mod(0)", "0" },
		{ "int(-7),div(2)", "-3" },
		{ "int(-7),mod(2)", "-1" },
		{ "int(9223372036854775807),add(1)", "9223372036854775807" },
		{ "int(5),neg", "-5" },
		{ "int(0),cpl", "-1" },
		{ "str(abc),length", "3" },
		{ "str(xxhixx),ltrim(x)", "hixx" },
		{ "str(xxhixx),rtrim(x)", "xxhi" },
		{ "str(abcdef),bytes(2,3)", "cde" },
		{ "str(abcdef),bytes(9)", "" },
		{ "str(hello),hex", "68656C6C6F" },
		{ "str(hello),base64", "aGVsbG8=" },
		{ "str(aGVsbG8=),b64dec", "hello" },
		{ "str(abc),ub64enc", "YWJj" },
		{ "str(a%41+b),url_dec", "aA+b" },
		{ "str(a%41+b),url_dec(1)", "aA b" },
		{ "str(a%4),url_dec", NULL },
		{ "str(a),concat(x,,y)", "axy" },
		{ "str(a),concat(<,,>)", "a<>" },
		{ "str(www.Example.com:8080),host_only", "www.example.com" },
		{ "str([::1]:80),port_only", "80" },
		{ "str(host),port_only", "0" },
		{ "str(hello),sdbm", "684824882" },
		{ "str(hello),djb2(1)", "1119739105" },
		{ "str(hello),wt6", "3538347703" },
		{ "str(hello),crc32", "907060870" },
		{ "str(hello),crc32c", "2591144780" },
		{ "str(hello),xxh32", "4211111929" },
		{ "str(hello),xxh64", "2794345569481354659" },
		{ "str(hello),sha2,hex", "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824" },
		{ "str(hello),digest(sha256),hex", "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824" },
		{ "str(hello),sha1,hex", "AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D" },
		{ "str(a/b),json", "a\\/b" },
		{ "str(x),json(ascii)", "x" },
		{ "str(h\xc3\xa9llo),json(utf8)", "h\\u00e9llo" },
		{ "int(1),iif(yes,no)", "yes" },
		{ "str(ff),hex2i", "255" },
		{ "bin(610d0a62),cut_crlf", "a" },
		{ "int(4),even", "1" },
		{ "int(0),http_date", "Thu, 01 Jan 1970 00:00:00 GMT" },
		{ "int(0),utime(%Y-%m-%d)", "1970-01-01" },
		{ "str(abc),url_enc", "abc" },
		{ "str(a?b),url_enc", "a%3Fb" },
		{ "str(abc),set-var(txn.y),upper", "ABC" },
		{ "bin(0102ff),hex", "0102FF" },
		{ "str(abc),xxh3", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		expect_str(t[i].expr, t[i].want);

	/* variables in converters */
	const struct smp_expr *e = expr_in(
	    "  tcp-request content set-var(txn.v) str(abd)\n"
	    "  tcp-request content set-var(txn.n) int(3)\n",
	    "str(abc),strcmp(txn.v)");
	struct cfg_proxy *px = cfg->proxies.v[0];
	smp_action_exec(px->tcp_req_cont.v[0], &ctx);
	smp_action_exec(px->tcp_req_cont.v[1], &ctx);
	ck_assert_str_eq(ev(e), "-1");
	e = expr_in("", "int(4),add(txn.n)");
	ck_assert_ptr_null(ev(e)); /* a new config: a new context */
	e = expr_in("  tcp-request content set-var(txn.n) int(3)\n", "int(4),add(txn.n)");
	smp_action_exec(cfg->proxies.v[0]->tcp_req_cont.v[0], &ctx);
	ck_assert_str_eq(ev(e), "7");
	e = expr_in("  tcp-request content set-var(txn.n) str(-)\n", "str(a),concat(<,txn.n,>),concat(,txn.n)");
	smp_action_exec(cfg->proxies.v[0]->tcp_req_cont.v[0], &ctx);
	ck_assert_str_eq(ev(e), "a<->-");
	e = expr_in("  tcp-request content set-var(proc.p) str(shared)\n",
	            "var(proc.p),concat(+,proc.p),concat(+,proc.p)");
	smp_action_exec(cfg->proxies.v[0]->tcp_req_cont.v[0], &ctx);
	ck_assert_str_eq(ev(e), "shared+shared+shared");
	/* the set-var converter */
	e = expr_in("", "str(v1),set-var(txn.c)");
	ck_assert_str_eq(ev(e), "v1");
	e = expr_in("", "var(txn.c)");
	ck_assert_ptr_null(ev(e));
}
END_TEST

/* ---- conditions ------------------------------------------------------------------- */

START_TEST(miss_logic)
{
	/* m: MISS while data may come (req.len never reaches 100) */
	const char *acl = "  acl m req.len gt 100\n  acl p always_true\n  acl f always_false\n";
	static const struct {
		const char *cond;
		enum acl_result want, final;
	} t[] = {
		{ "if p", ACL_PASS, ACL_PASS },
		{ "if f", ACL_FAIL, ACL_FAIL },
		{ "if m", ACL_MISS, ACL_FAIL },
		{ "unless m", ACL_MISS, ACL_PASS },
		{ "if !m", ACL_MISS, ACL_PASS },
		{ "if f m", ACL_FAIL, ACL_FAIL },    /* FAIL && MISS = FAIL */
		{ "if m f", ACL_MISS, ACL_FAIL },    /* MISS stops the AND */
		{ "if p m", ACL_MISS, ACL_FAIL },    /* PASS && MISS = MISS */
		{ "if m p", ACL_MISS, ACL_FAIL },
		{ "if m || p", ACL_PASS, ACL_PASS }, /* MISS || PASS = PASS */
		{ "if p || m", ACL_PASS, ACL_PASS },
		{ "if m || f", ACL_MISS, ACL_FAIL },
		{ "if f || m", ACL_MISS, ACL_FAIL },
		{ "if f || f", ACL_FAIL, ACL_FAIL },
		{ "unless f", ACL_PASS, ACL_PASS },
		{ "unless p", ACL_FAIL, ACL_FAIL },
		{ "if !f !m", ACL_MISS, ACL_PASS },
		{ "if TRUE", ACL_PASS, ACL_PASS },
		{ "if FALSE", ACL_FAIL, ACL_FAIL },
		{ "if WAIT_END", ACL_MISS, ACL_PASS },
		{ "if REQ_CONTENT", ACL_PASS, ACL_PASS },
		{ "if { req.len 5 }", ACL_PASS, ACL_PASS },
		{ "if { req.len 6 }", ACL_MISS, ACL_FAIL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		const struct acl_cond *c = cond_in(acl, t[i].cond);
		set_req("hello", 5, false);
		enum acl_result r = acl_cond_eval(c, &ctx);
		ck_assert_msg(r == t[i].want, "%s: got %s want %s", t[i].cond,
		              res_name(r), res_name(t[i].want));
		ctx.final = true;
		r = acl_cond_eval(c, &ctx);
		ck_assert_msg(r == t[i].final, "%s (final): got %s want %s",
		              t[i].cond, res_name(r), res_name(t[i].final));
	}
	/* named ACL lines are OR-ed; a MISS line does not hide a PASS one */
	const struct acl_cond *c = cond_in("  acl x req.len gt 100\n  acl x src 192.0.2.1\n", "if x");
	set_req("hello", 5, false);
	ck_assert_int_eq(acl_cond_eval(c, &ctx), ACL_PASS);
	set_addr(&src, "192.0.2.2", 1);
	ck_assert_int_eq(acl_cond_eval(c, &ctx), ACL_MISS);
	ck_assert_int_eq(acl_cond_eval(NULL, &ctx), ACL_PASS);
}
END_TEST

/* ---- log-format ------------------------------------------------------------------ */

START_TEST(logformat)
{
	struct cfg_proxy *px = load(
	    "  tcp-request content set-var-fmt(txn.a) \"%ci:%cp %fi:%fp %f %b %s [%[src]] <%[var(txn.none)]> %{+Q}[str(q)] x  y\"\n");
	const struct px_rule *r = px->tcp_req_cont.v[0];
	sbuf_reset(&out);
	ck_assert_int_eq(lf_render(r->fmt, &ctx, &out), 0);
	ck_assert_str_eq(out.s, "192.0.2.1:40000 127.0.0.1:8443 f f <NOSRV> [192.0.2.1] <> \"q\" x  y");
	ctx.be = cfg->proxies.v[1];
	ctx.srv = ctx.be->servers.v[0];
	sbuf_reset(&out);
	ck_assert_int_eq(lf_render(r->fmt, &ctx, &out), 0);
	ck_assert_str_eq(out.s, "192.0.2.1:40000 127.0.0.1:8443 f b s1 [192.0.2.1] <> \"q\" x  y");
	/* nothing rendered */
	px = load("  use_backend %[var(txn.none)]\n");
	sbuf_reset(&out);
	ck_assert_int_eq(lf_render(px->use_backends.v[0]->dyn, &ctx, &out), -1);
	ck_assert_int_eq(lf_render(NULL, &ctx, &out), -1);
	/* %t looks like HAProxy's date */
	px = load("  tcp-request content set-var-fmt(txn.a) %t\n");
	ctx.accept_ms = 86400000LL * 365 + 1234;
	sbuf_reset(&out);
	lf_render(px->tcp_req_cont.v[0]->fmt, &ctx, &out);
	ck_assert_uint_eq(out.len, strlen("01/Jan/1971:00:00:01.234"));
	ck_assert(strstr(out.s, ".234") != NULL);
}
END_TEST

/* ---- actions ------------------------------------------------------------------- */

static void
run_rules(void)
{
	struct cfg_proxy *px = cfg->proxies.v[0];
	for (size_t i = 0; i < px->tcp_req_cont.n; i++) {
		const struct px_rule *r = px->tcp_req_cont.v[i];
		if (acl_cond_eval(r->cond, &ctx) == ACL_PASS)
			ck_assert_int_eq(smp_action_exec(r, &ctx), SMP_ACT_CONT);
	}
}

START_TEST(actions)
{
	load("  tcp-request content set-var(txn.a) int(5)\n"
	     "  tcp-request content set-var(txn.a,ifgt) int(7)\n"
	     "  tcp-request content set-var(txn.b) int(5)\n"
	     "  tcp-request content set-var(txn.b,ifgt) int(3)\n"
	     "  tcp-request content set-var(txn.c,ifexists) int(3)\n"
	     "  tcp-request content set-var(txn.d) str(x)\n"
	     "  tcp-request content set-var(txn.d,ifnotempty) str()\n"
	     "  tcp-request content set-var(txn.e) str(x)\n"
	     "  tcp-request content set-var(txn.e,ifempty) int(1)\n"
	     "  tcp-request content set-var(sess.f) str(gone)\n"
	     "  tcp-request content unset-var(sess.f)\n"
	     "  tcp-request content set-var-fmt(txn.g) \"%[src]-%[var(txn.b)]\"\n"
	     "  tcp-request content set-var(txn.h) req.ssl_sni if { req.ssl_sni -m found }\n"
	     "  tcp-request content set-src ipv4(203.0.113.9)\n"
	     "  tcp-request content set-src-port int(1234)\n"
	     "  tcp-request content set-dst ipv6(2001:db8::80)\n"
	     "  tcp-request content set-dst-port int(8080)\n"
	     "  tcp-request content capture req.ssl_sni len 4\n"
	     "  tcp-request content set-log-level err\n"
	     "  tcp-request content set-mark 1\n"
	     "  tcp-request content set-tos 8\n");
	set_req(ch_min_sni, sizeof(ch_min_sni), false);
	run_rules();
	const char *want[][2] = {
		{ "var(txn.a)", "5" }, { "var(txn.b)", "3" }, { "var(txn.c)", NULL },
		{ "var(txn.d)", "x" }, { "var(txn.e)", "x" }, { "var(sess.f)", NULL },
		{ "var(txn.g)", "192.0.2.1-3" }, { "var(txn.h)", "example.com" },
	};
	/* each check reloads: keep the variables of this session */
	struct smp_vars *vars = ctx.vars;
	char **caps = ctx.cap;
	int lvl = ctx.log_level;
	ctx.vars = NULL;
	ctx.cap = NULL;
	ck_assert_ptr_nonnull(caps);
	ck_assert_str_eq(caps[0], "exam");
	ck_assert_int_eq(lvl, 4);
	ck_assert_int_eq(src.sa.sa_family, AF_INET);
	ck_assert_int_eq(ntohs(src.in.sin_port), 1234);
	ck_assert_str_eq(inet_ntoa(src.in.sin_addr), "203.0.113.9");
	ck_assert_int_eq(dst.sa.sa_family, AF_INET6);
	ck_assert_int_eq(ntohs(dst.in6.sin6_port), 8080);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct smp_expr *e = expr_in("", want[i][0]);
		ctx.vars = vars;
		const char *got = ev(e);
		ctx.vars = NULL;
		if (want[i][1])
			ck_assert_msg(got && !strcmp(got, want[i][1]), "%s: %s", want[i][0],
			              got ? got : "(absent)");
		else
			ck_assert_msg(!got, "%s: %s", want[i][0], got);
	}
	ctx.vars = vars;
	ctx.cap = caps;
	smp_vars_free(&ctx);
	ck_assert_ptr_null(ctx.vars);
	ck_assert_ptr_null(ctx.cap);
	smp_vars_free(&ctx);
}
END_TEST

START_TEST(no_runtime_tables)
{
	/* without smp_runtime_init, ACLs still match (linear) and regsub
	 * compiles on the fly; maps are absent */
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	const char *text = "frontend f\n  mode tcp\n  bind :1\n"
	                   "  tcp-request content set-var(txn.x) str(aXb),regsub(X,-)\n"
	                   "  tcp-request content accept if { str(abc) -m reg ^a }\n";
	reset();
	cfg = cfg_load_string("t.cfg", text, strlen(text), &o, false, &d);
	ck_assert_ptr_nonnull(cfg);
	ctx.cfg = cfg;
	ctx.fe = cfg->proxies.v[0];
	struct cfg_proxy *px = cfg->proxies.v[0];
	ck_assert_str_eq(ev(px->tcp_req_cont.v[0]->expr), "a-b");
	ck_assert_int_eq(acl_cond_eval(px->tcp_req_cont.v[1]->cond, &ctx), ACL_PASS);
}
END_TEST

static void
teardown(void)
{
	reset();
	FREE_NULL(out.s);
	out.len = out.cap = 0;
}

static void
cleanup_dir(void)
{
	if (!tmpdir[0])
		return;
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(cmd);
	tmpdir[0] = '\0';
}

static void
teardown_files(void)
{
	teardown();
	cleanup_dir();
}

Suite *suite_smp_eval(void);
Suite *
suite_smp_eval(void)
{
	Suite *s = suite_create("smp_eval");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, NULL, teardown_files);
	tcase_add_test(tc, fetch_l4);
	tcase_add_test(tc, fetch_req_buffer);
	tcase_add_test(tc, fetch_clienthello);
	tcase_add_test(tc, match_methods);
	tcase_add_test(tc, match_files);
	tcase_add_test(tc, maps);
	tcase_add_test(tc, converters);
	tcase_add_test(tc, miss_logic);
	tcase_add_test(tc, logformat);
	tcase_add_test(tc, actions);
	tcase_add_test(tc, no_runtime_tables);
	suite_add_tcase(s, tc);
	return s;
}
