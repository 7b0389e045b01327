/* ACLs: the acl keyword, flags, match methods and their patterns,
 * shortcuts, predefined ACLs, conditions; HAProxy 2.6 wording. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"
#include "parser/acl.h"
#include "parser/cfgparse.h"
#include "parser/proxy.h"
#include "parser/tables.h"

static struct diag d;
static struct cfg *cfg;

static void
reset(void)
{
	cfg_free(cfg);
	cfg = NULL;
	diag_free(&d);
	memset(&d, 0, sizeof(d));
}

/* Loads "frontend f" followed by the given lines (line 2 on). */
static struct cfg_proxy *
fe(const char *lines)
{
	struct cfg_opts o = { .check_files = true };
	char *text = xasprintf("frontend f\n%s", lines);
	reset();
	cfg = cfg_load_string("t.cfg", text, strlen(text), &o, false, &d);
	free(text);
	return cfg && cfg->proxies.n ? cfg->proxies.v[0] : NULL;
}

static void
expect(enum diag_level lvl, int line, int col, const char *text)
{
	for (size_t i = 0; i < d.n; i++)
		if (d.msgs[i].level == lvl && d.msgs[i].loc.line == line &&
		    d.msgs[i].loc.col == col && strcmp(d.msgs[i].text, text) == 0)
			return;
	for (size_t i = 0; i < d.n; i++) {
		char *s = diag_format(&d.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
	ck_abort_msg("no message at %d:%d: %s", line, col, text);
}

static void
acl_bad(const char *line, int col, const char *text)
{
	char *l = xasprintf("  %s\n", line);
	fe(l);
	free(l);
	ck_assert_ptr_null(cfg);
	expect(DIAG_ERROR, 2, col, text);
}

static struct acl_expr *
acl_ok(const char *line)
{
	char *l = xasprintf("  %s\n", line);
	struct cfg_proxy *px = fe(l);
	free(l);
	if (!px) {
		for (size_t i = 0; i < d.n; i++) {
			char *s = diag_format(&d.msgs[i]);
			fprintf(stderr, "  have: %s\n", s);
			free(s);
		}
	}
	ck_assert_ptr_nonnull(px);
	ck_assert_uint_ge(px->acls.n, 1);
	struct acl *a = px->acls.v[px->acls.n - 1];
	return a->exprs.v[a->exprs.n - 1];
}

START_TEST(acl_keyword)
{
	struct cfg_proxy *px = fe("  acl a path_beg /x /y\n  acl a src 10.0.0.0/8\n  acl b.c:d-e_f ssl_fc\n");
	ck_assert_ptr_nonnull(px);
	ck_assert_uint_eq(px->acls.n, 2);
	struct acl *a = acl_find(px, "a");
	ck_assert_uint_eq(a->exprs.n, 2); /* same name = OR of lines */
	ck_assert_int_eq(a->exprs.v[0]->match, ACL_M_BEG);
	ck_assert_uint_eq(a->exprs.v[0]->pats.n, 2);
	ck_assert_str_eq(a->exprs.v[0]->pats.v[1].str, "/y");
	ck_assert_uint_eq(a->uses, SMP_USES_HTTP);
	ck_assert_int_eq(acl_find(px, "b.c:d-e_f")->exprs.v[0]->match, ACL_M_BOOL);

	acl_bad("acl bad@name path x", 7, "character '@' is not permitted in acl name 'bad@name'.");
	acl_bad("acl a nosuch x", 9,
	        "error detected while parsing ACL 'a' : unknown fetch method 'nosuch' in ACL expression 'nosuch'.");
	acl_bad("acl a", 7,
	        "error detected while parsing ACL 'a' : missing fetch method in ACL expression ''.");
	/* anonymous defaults: the driver's KW_NAMED_DEF check */
	struct cfg_opts o = { 0 };
	reset();
	cfg = cfg_load_string("t.cfg", "defaults\n  acl a path /\n", 24, &o, false, &d);
	ck_assert_ptr_null(cfg);
	expect(DIAG_ERROR, 2, 3, "'acl' not allowed in anonymous 'defaults' section.");
	reset();
	cfg = cfg_load_string("t.cfg", "defaults d\n  acl a path /\n", 26, &o, false, &d);
	ck_assert_ptr_nonnull(cfg);
}
END_TEST

START_TEST(expr_errors)
{
	acl_bad("acl a req.hdr(host,abc) x", 9,
	        "error detected while parsing ACL 'a' : fetch method 'req.hdr' : failed to parse 'abc' as type 'integer' at position 2 in ACL expression 'req.hdr(host,abc)'.");
	acl_bad("acl a ipv6(::1),add(1) 3", 19,
	        "error detected while parsing ACL 'a' : converter 'add' cannot be applied in ACL expression 'ipv6(::1),add(1)'.");
	acl_bad("acl a path(1) x", 9,
	        "error detected while parsing ACL 'a' : ACL keyword 'path' : expected ')' before '1)'.");
	acl_bad("acl a path,nosuch x", 14,
	        "error detected while parsing ACL 'a' : ACL keyword 'path' : unknown converter 'nosuch'..");
	acl_bad("acl a hdr(a,b) y", 9,
	        "error detected while parsing ACL 'a' : ACL keyword 'hdr' : failed to parse 'b' as type 'integer' at position 2.");
	acl_bad("acl a str(x),nosuch y", 16,
	        "error detected while parsing ACL 'a' : unknown converter 'nosuch' in ACL expression 'str(x),nosuch'.");
	acl_bad("acl a path,map(/nonexistent) x", 14,
	        "error detected while parsing ACL 'a' : ACL keyword 'path' : invalid args in converter 'map' : failed to open pattern file </nonexistent>..");
	acl_bad("acl a int 1", 9,
	        "error detected while parsing ACL 'a' : fetch method 'int' : expected type 'integer' at position 1, but got nothing in ACL expression 'int'.");
}
END_TEST

START_TEST(flags)
{
	char path[] = "/tmp/sluice_acl_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("a\n  b\n#c\n\n", f);
	fclose(f);
	char *l;

	l = xasprintf("acl a path -f %s -i -f %s x", path, path);
	struct acl_expr *e = acl_ok(l);
	free(l);
	ck_assert_uint_eq(e->pats.n, 5);
	ck_assert_str_eq(e->pats.v[1].str, "b");
	ck_assert(!e->pats.v[0].icase);
	ck_assert(e->pats.v[2].icase);
	ck_assert_uint_eq(e->files.n, 2);

	l = xasprintf("acl a path -f %s -m beg", path);
	acl_bad(l, (int)strlen(path) + 18, "error detected while parsing ACL 'a' : '-m' must only be specified before patterns and files in parsing ACL expression.");
	free(l);
	l = xasprintf("acl a src -f %s", path);
	char *want = xasprintf("error detected while parsing ACL 'a' : 'a' is not a valid IPv4 or IPv6 address at line 1 of file '%s'.", path);
	acl_bad(l, 16, want);
	free(want);
	free(l);
	unlink(path);

	acl_bad("acl a path -f /nonexistent", 17,
	        "error detected while parsing ACL 'a' : failed to open pattern file </nonexistent>.");
	acl_bad("acl a path -m nosuch x", 17,
	        "error detected while parsing ACL 'a' : unknown matching method 'nosuch' when parsing ACL expression.");
	acl_bad("acl a path -u x x", 17,
	        "error detected while parsing ACL 'a' : the argument of -u must be an integer.");
	/* parse_binary() checks the length first */
	acl_bad("acl a req.payload(0,3) -m bin 0g1", 33,
	        "error detected while parsing ACL 'a' : an even number of hex digit is expected.");
	acl_bad("acl a req.payload(0,3) -m bin 0g", 33,
	        "error detected while parsing ACL 'a' : an hex digit is expected (found 'g').");
	acl_bad("acl a path -z x", 14,
	        "error detected while parsing ACL 'a' : '-z' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'.");
	acl_bad("acl a dst_port -5", 18,
	        "error detected while parsing ACL 'a' : '-5' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'.");
	e = acl_ok("acl a path -- -i");
	ck_assert_str_eq(e->pats.v[0].str, "-i");
	/* flags end at the first pattern: "-m beg y" are patterns */
	e = acl_ok("acl a path x -m beg y");
	ck_assert_uint_eq(e->pats.n, 4);
	/* -u reads its id with strtol() as HAProxy: none or "" is 0 */
	e = acl_ok("acl a path -u");
	ck_assert_int_eq(e->unique_id, 0);
	expect(DIAG_WARNING, 2, 14, "error detected while parsing ACL 'a' : '-u' has no id: the unique id is 0, as HAProxy reads it.");
	/* an empty word ends the line, as in HAProxy */
	e = acl_ok("acl a path -u \"\" x");
	ck_assert_int_eq(e->unique_id, 0);
	ck_assert_uint_eq(e->pats.n, 0);
	acl_bad("acl a path -u 5x x", 17,
	        "error detected while parsing ACL 'a' : the argument of -u must be an integer.");
	fe("  acl a path -u 3 /a\n  acl b path -u 4 /b\n  acl c path -u 3 /c\n");
	ck_assert_ptr_null(cfg);
	expect(DIAG_ERROR, 4, 17, "error detected while parsing ACL 'c' : the id is already used.");
	e = acl_ok("acl a path -u 3 -n -i x");
	ck_assert_int_eq(e->unique_id, 3);
	ck_assert(e->no_dns);
	ck_assert(e->pats.v[0].icase);

	acl_bad("acl a req.payload(0,1) x", 9,
	        "error detected while parsing ACL 'a' : matching method must be specified first (using '-m') when using a sample fetch of this type ('req.payload').");
	acl_bad("acl a var(txn.x) foo", 9,
	        "error detected while parsing ACL 'a' : matching method must be specified first (using '-m') when using a sample fetch of this type ('var').");
	acl_bad("acl a ssl_fc -m ip 1.2.3.4", 19,
	        "error detected while parsing ACL 'a' : matching method 'ip' cannot be used with fetch keyword 'ssl_fc'.");
	acl_bad("acl a method -m int 3", 19,
	        "error detected while parsing ACL 'a' : matching method 'int' cannot be used with fetch keyword 'method'.");

	/* no pattern at all: HAProxy's warning */
	fe("  acl a path\n");
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(diag_find(&d, "parsing acl keyword 'path' : no pattern to match against were provided"));
	fe("  acl a path -m found\n  acl b ssl_fc\n");
	ck_assert_int_eq(d.nwarnings, 0);
}
END_TEST

START_TEST(methods)
{
	struct acl_expr *e;
	e = acl_ok("acl a dst_port 80 1024:2048 :5 6: gt 10 le 3");
	ck_assert_int_eq(e->match, ACL_M_INT);
	ck_assert_uint_eq(e->pats.n, 6);
	ck_assert(e->pats.v[0].min == 80 && e->pats.v[0].max == 80);
	ck_assert(e->pats.v[1].min == 1024 && e->pats.v[1].max == 2048);
	ck_assert(!e->pats.v[2].has_min && e->pats.v[2].max == 5);
	ck_assert(e->pats.v[3].min == 6 && !e->pats.v[3].has_max);
	ck_assert(e->pats.v[4].min == 11 && !e->pats.v[4].has_max);
	ck_assert(!e->pats.v[5].has_min && e->pats.v[5].max == 3);
	acl_bad("acl a dst_port abc", 18, "error detected while parsing ACL 'a' : 'abc' is not a number.");
	acl_bad("acl a dst_port 0x10", 18, "error detected while parsing ACL 'a' : '0x10' is not a number.");
	acl_bad("acl a dst_port 1:abc", 18, "error detected while parsing ACL 'a' : '1:abc' is not a valid number range.");
	acl_bad("acl a dst_port 10:5", 18, "error detected while parsing ACL 'a' : '10:5' is not a valid number range.");

	e = acl_ok("acl a req.ssl_ver 3:3.1 3.3");
	ck_assert(e->dotted);
	ck_assert(e->pats.v[0].min == (3 << 16) && e->pats.v[0].max == (3 << 16) + 1);
	ck_assert(e->pats.v[1].min == (3 << 16) + 3);
	e = acl_ok("acl a req_ssl_ver 3.1");
	ck_assert(e->pats.v[0].min == (3 << 16) + 1);
	acl_bad("acl a req.ssl_ver 3.x", 21, "error detected while parsing ACL 'a' : '3.x' is not a dotted number.");

	e = acl_ok("acl a src 10.0.0.0/8 1.2.3.4/255.255.0.0 ::1 2001:db8::/32 10.12 localhost");
	ck_assert_int_eq(e->match, ACL_M_IP);
	ck_assert_int_eq(e->pats.v[0].af, AF_INET);
	ck_assert_uint_eq(ntohl(e->pats.v[0].m4.s_addr), 0xff000000u);
	ck_assert_uint_eq(ntohl(e->pats.v[1].m4.s_addr), 0xffff0000u);
	ck_assert_int_eq(e->pats.v[2].af, AF_INET6);
	ck_assert_int_eq(e->pats.v[3].plen6, 32);
	ck_assert_uint_eq(ntohl(e->pats.v[4].v4.s_addr), 0x0a00000cu);
	acl_bad("acl a src 1.2.3.4/33", 13, "error detected while parsing ACL 'a' : '1.2.3.4/33' is not a valid IPv4 or IPv6 address.");
	acl_bad("acl a src ::1/129", 13, "error detected while parsing ACL 'a' : '::1/129' is not a valid IPv4 or IPv6 address.");

	e = acl_ok("acl a path -m bin 6162");
	ck_assert_uint_eq(e->pats.v[0].binlen, 2);
	ck_assert_int_eq(e->pats.v[0].bin[1], 'b');
	acl_bad("acl a path -m bin zz", 21, "error detected while parsing ACL 'a' : an hex digit is expected (found 'z').");
	acl_bad("acl a path -m bin 616", 21, "error detected while parsing ACL 'a' : an even number of hex digit is expected.");

	e = acl_ok("acl a path -m reg ^/api/(v1|v2)$");
	ck_assert_int_eq(e->match, ACL_M_REG);
	acl_bad("acl a path -m reg (a", 21, "error detected while parsing ACL 'a' : regex '(a' is invalid (error=missing closing parenthesis, erroffset=2).");
	e = acl_ok("acl a path -m len 3:5");
	ck_assert_int_eq(e->match, ACL_M_LEN);
	acl_bad("acl a path -m len abc", 21, "error detected while parsing ACL 'a' : 'abc' is not a number.");

	static const char *const m[] = { "found", "bool", "str", "sub", "beg", "end", "dir", "dom" };
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		char *l = xasprintf("acl a req.hdr(host) -m %s x", m[i]);
		e = acl_ok(l);
		free(l);
		ck_assert_str_eq(acl_match_name(e->match), m[i]);
	}
	e = acl_ok("acl a method GET FOO");
	ck_assert_int_eq(e->match, ACL_M_METH);
	e = acl_ok("acl a ssl_fc -m str x");
	ck_assert_int_eq(e->match, ACL_M_STR);
}
END_TEST

START_TEST(shortcuts)
{
	struct acl_expr *e;
	e = acl_ok("acl a hdr_dom(host) -i example.com");
	ck_assert_str_eq(e->smp->fetch->h.name, "req.hdr");
	ck_assert_str_eq(e->smp->args[0].str, "host");
	ck_assert_int_eq(e->match, ACL_M_DOM);
	ck_assert_str_eq(e->kw, "hdr_dom");
	e = acl_ok("acl a req_ssl_sni -i a.example");
	ck_assert_str_eq(e->smp->fetch->h.name, "req.ssl_sni");
	ck_assert_int_eq(e->match, ACL_M_STR);
	e = acl_ok("acl a ssl_fc_sni_end .example.com");
	ck_assert_str_eq(e->smp->fetch->h.name, "ssl_fc_sni");
	ck_assert_int_eq(e->match, ACL_M_END);
	/* a converter drops the implied method */
	e = acl_ok("acl a path_beg,lower /x");
	ck_assert_int_eq(e->match, ACL_M_STR);
	e = acl_ok("acl a path_beg -m sub x");
	ck_assert_int_eq(e->match, ACL_M_SUB);
	acl_bad("acl a path_beg(x) x", 9, "error detected while parsing ACL 'a' : ACL keyword 'path_beg' : expected ')' before 'x)'.");
	/* every shortcut names a fetch that exists */
	const struct kw_head *h = acl_kw_class.rows;
	for (; h->name; h = (const void *)((const char *)h + acl_kw_class.rowsize))
		ck_assert_ptr_nonnull(smp_fetch_find(((const char *const *)(h + 1))[0],
		                                     strlen(((const char *const *)(h + 1))[0])));
}
END_TEST

/* ---- conditions (acl_cond_parse called directly) --------------------- */

static struct cfg_word ws[32];
static int nws;
static struct cfg_ctx cx;
static struct cfg_proxy *px;

/* Splits s at blanks into ws[] (col = 1-based offset), with px having
 * the ACLs "a" (path) and "b" (src). */
static void
words(const char *s)
{
	for (int i = 0; i < nws; i++)
		free(ws[i].s);
	nws = 0;
	for (const char *p = s; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t l = strcspn(p, " ");
		ws[nws].s = xstrndup(p, l);
		ws[nws].len = l;
		ws[nws].loc = (struct cfg_loc){ "t.cfg", 5, (int)(p - s) + 1 };
		nws++;
		p += l;
	}
}

static void
cond_setup(void)
{
	reset();
	memset(&cx, 0, sizeof(cx));
	cx.diag = &d;
	struct cfg_loc l = { "t.cfg", 1, 1 };
	px = proxy_new("f", PX_CAP_FE, &l);
	cx.px = px;
	words("acl a path /");
	struct acl_expr *e = acl_expr_parse(&cx, ws, 2, 3, "");
	struct acl *a = xcalloc(1, sizeof(*a));
	a->name = xstrdup("a");
	VEC_PUSH(a->exprs, e);
	a->val = e->smp->fetch->val;
	a->uses = e->smp->fetch->uses;
	VEC_PUSH(px->acls, a);
	words("acl b src 127.0.0.1");
	e = acl_expr_parse(&cx, ws, 2, 3, "");
	a = xcalloc(1, sizeof(*a));
	a->name = xstrdup("b");
	VEC_PUSH(a->exprs, e);
	a->val = e->smp->fetch->val;
	a->uses = e->smp->fetch->uses;
	VEC_PUSH(px->acls, a);
}

static void
cond_teardown(void)
{
	for (int i = 0; i < nws; i++)
		FREE_NULL(ws[i].s);
	nws = 0;
	proxy_free(px);
	px = NULL;
	reset();
}

static struct acl_cond *
cond(const char *s, unsigned stages, const char *kw)
{
	struct acl_cond *c = NULL;
	words(s);
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	int rc = acl_cond_parse(&cx, ws, nws, 2, stages, kw, &c);
	if (c)
		ck_assert_int_eq(rc, 0);
	for (size_t i = 0; getenv("ACL_TEST_DEBUG") && i < d.n; i++) {
		char *m = diag_format(&d.msgs[i]);
		fprintf(stderr, "  cond: %s\n", m);
		free(m);
	}
	return c;
}

START_TEST(conditions)
{
	cond_setup();
	struct acl_cond *c = cond("http-request deny if a !b || { src 10.0.0.1 } or TRUE", SMP_STG_FE_HTTP_REQ, "http-request deny");
	ck_assert_ptr_nonnull(c);
	ck_assert(!c->unless);
	ck_assert_uint_eq(c->suites.n, 3);
	ck_assert_uint_eq(c->suites.v[0].terms.n, 2);
	ck_assert(c->suites.v[0].terms.v[1].neg);
	ck_assert_ptr_eq(c->suites.v[0].terms.v[0].acl, acl_find(px, "a"));
	ck_assert(c->suites.v[1].terms.v[0].owned);
	ck_assert(c->suites.v[2].terms.v[0].acl->predefined);
	ck_assert_uint_eq(acl_cond_uses(c), SMP_USES_HTTP);
	ck_assert_int_eq(d.n, 0);
	acl_cond_free(c);

	c = cond("x y unless ! { req.ssl_sni -i a } METH_GET LOCALHOST HTTP_1.1 HTTP_URL_ABS HTTP_CONTENT RDP_COOKIE REQ_CONTENT WAIT_END FALSE HTTP", 0, "x");
	if (!c)
		expect(DIAG_ERROR, 0, 0, "");
	ck_assert(c->unless);
	ck_assert_uint_eq(acl_cond_uses(c), SMP_USES_REQ_SSL | SMP_USES_HTTP | SMP_USES_REQ_DATA);
	acl_cond_free(c);

	/* no condition */
	ck_assert_ptr_null(cond("use_backend b", 0, "use_backend"));
	ck_assert_int_eq(d.n, 0);

	ck_assert_ptr_null(cond("use_backend b if nosuch", SMP_STG_SWITCH, "use_backend"));
	expect(DIAG_ERROR, 5, 18, "error detected while parsing switching rule : no such ACL : 'nosuch'.");
	ck_assert_ptr_null(cond("http-request deny if a nosuch", 0, "http-request deny"));
	expect(DIAG_ERROR, 5, 24, "error detected while parsing an 'http-request deny' condition : no such ACL : 'nosuch'.");
	ck_assert_ptr_null(cond("use_backend b if { nosuch }", 0, "use_backend"));
	expect(DIAG_ERROR, 5, 20, "error detected while parsing switching rule : unknown fetch method 'nosuch' in ACL expression 'nosuch'.");
	ck_assert_ptr_null(cond("tcp-request content if nosuch", 0, "tcp-request content reject"));
	expect(DIAG_ERROR, 5, 24, "'tcp-request content reject' : error detected in frontend 'f' while parsing 'if' condition : no such ACL : 'nosuch'.");
	ck_assert_ptr_null(cond("use_backend b foo a", 0, "use_backend"));
	expect(DIAG_ERROR, 5, 15, "'use_backend' expects 'if' or 'unless' followed by a condition, but got 'foo'.");
	cond_teardown();
}
END_TEST

START_TEST(condition_stages)
{
	cond_setup();
	struct acl_cond *c = cond("http-request deny if { status 200 }", SMP_STG_FE_HTTP_REQ, "http-request deny");
	ck_assert_ptr_nonnull(c);
	expect(DIAG_WARNING, 5, 19, "anonymous acl will never match because it uses keyword 'status' which is incompatible with 'frontend http-request header rule'");
	acl_cond_free(c);
	c = cond("tcp-request connection if a", SMP_STG_TCP_CONN, "tcp-request connection reject");
	ck_assert_ptr_nonnull(c);
	expect(DIAG_WARNING, 5, 24, "acl 'a' will never match in 'tcp-request connection' because it only involves keywords that are incompatible with 'frontend tcp-request connection rule'");
	acl_cond_free(c);
	c = cond("tcp-request connection if { req.len gt 0 }", SMP_STG_TCP_CONN, "tcp-request connection reject");
	ck_assert_ptr_nonnull(c);
	expect(DIAG_WARNING, 5, 24, "anonymous acl will never match in 'tcp-request connection' because it uses keyword 'req.len' which is incompatible with 'frontend tcp-request connection rule'");
	acl_cond_free(c);
	/* accepted like HAProxy; uses flags let the resolve pass warn */
	c = cond("tcp-request content if { hdr(host) a }", SMP_STG_FE_TCP_REQ, "tcp-request content accept");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(d.n, 0);
	ck_assert_uint_eq(acl_cond_uses(c), SMP_USES_HTTP);
	acl_cond_free(c);
	c = cond("http-request deny if { req.ssl_sni a }", SMP_STG_FE_HTTP_REQ, "http-request deny");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(d.n, 0);
	acl_cond_free(c);
	cond_teardown();
}
END_TEST

/* Shapes HAProxy accepts: several "!" (each toggles), an empty condition
 * and empty OR branches, which build no suite. The checks that need
 * the grammar's support run once cond_syntax() accepts the shape. */
static bool
grammar_accepts(const char *s)
{
	struct cond_ast ast;
	struct diag saved = d;
	memset(&d, 0, sizeof(d));
	words(s);
	int rc = cond_syntax(&cx, ws, nws, 2, &ast);
	if (rc == 0)
		cond_ast_free(&ast);
	diag_free(&d);
	d = saved;
	return rc == 0;
}

START_TEST(condition_shapes)
{
	cond_setup();
	struct acl_cond *c = cond("http-request deny if !b", 0, "http-request deny");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->suites.n, 1);
	ck_assert(c->suites.v[0].terms.v[0].neg);
	ck_assert_ptr_eq(c->suites.v[0].terms.v[0].acl, acl_find(px, "b"));
	acl_cond_free(c);

	if (grammar_accepts("http-request deny if")) {
		c = cond("http-request deny if", 0, "http-request deny");
		ck_assert_ptr_nonnull(c);
		ck_assert(!c->unless);
		ck_assert_uint_eq(c->suites.n, 0); /* never matches */
		acl_cond_free(c);
		c = cond("http-request deny unless", 0, "http-request deny");
		ck_assert_ptr_nonnull(c);
		ck_assert(c->unless);
		ck_assert_uint_eq(c->suites.n, 0); /* always matches */
		acl_cond_free(c);
	}
	if (grammar_accepts("http-request deny if || a")) {
		c = cond("http-request deny if || a", 0, "http-request deny");
		ck_assert_ptr_nonnull(c);
		ck_assert_uint_eq(c->suites.n, 1);
		ck_assert_uint_eq(c->suites.v[0].terms.n, 1);
		acl_cond_free(c);
		c = cond("http-request deny if a || || b ||", 0, "http-request deny");
		ck_assert_ptr_nonnull(c);
		ck_assert_uint_eq(c->suites.n, 2);
		ck_assert_ptr_eq(c->suites.v[1].terms.v[0].acl, acl_find(px, "b"));
		ck_assert_int_eq(d.n, 0);
		acl_cond_free(c);
	}
	if (grammar_accepts("http-request deny if !!a")) {
		c = cond("http-request deny if !!a ! ! b !!!b", 0, "http-request deny");
		ck_assert_ptr_nonnull(c);
		ck_assert_uint_eq(c->suites.v[0].terms.n, 3);
		ck_assert(!c->suites.v[0].terms.v[0].neg);
		ck_assert_ptr_eq(c->suites.v[0].terms.v[0].acl, acl_find(px, "a"));
		ck_assert(!c->suites.v[0].terms.v[1].neg);
		ck_assert(c->suites.v[0].terms.v[2].neg);
		ck_assert_ptr_eq(c->suites.v[0].terms.v[2].acl, acl_find(px, "b"));
		acl_cond_free(c);
		ck_assert_ptr_null(cond("http-request deny if !!nosuch", 0, "http-request deny"));
		expect(DIAG_ERROR, 5, 24, "error detected while parsing an 'http-request deny' condition : no such ACL : 'nosuch'.");
	}
	cond_teardown();
}
END_TEST

Suite *suite_acl(void);

Suite *
suite_acl(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("acl");
	tcase_add_test(tc, acl_keyword);
	tcase_add_test(tc, expr_errors);
	tcase_add_test(tc, flags);
	tcase_add_test(tc, methods);
	tcase_add_test(tc, shortcuts);
	tcase_add_test(tc, conditions);
	tcase_add_test(tc, condition_stages);
	tcase_add_test(tc, condition_shapes);
	tcase_add_unchecked_fixture(tc, NULL, reset);
	suite_add_tcase(s, tc);
	return s;
}

/* Regexes are PCRE2's, as HAProxy's: \d is a digit, (?i) and lookaheads
 * compile, and the engine's matcher sees the same. */
#include "lib/regex.h"

START_TEST(pcre2_flavour)
{
	char *err = NULL;
	struct rx *r = rx_compile("^/api/\\d+$", false, &err);
	ck_assert_ptr_nonnull(r);
	ck_assert(rx_match(r, "/api/42", 7));
	ck_assert(!rx_match(r, "/api/d", 6));
	rx_free(r);
	r = rx_compile("(?i)^www\\.(?!test)", false, &err);
	ck_assert_ptr_nonnull(r);
	ck_assert(rx_match(r, "WWW.example", 11));
	ck_assert(!rx_match(r, "www.test", 8));
	rx_free(r);
	r = rx_compile("abc", true, &err);
	ck_assert(rx_match(r, "xABCx", 5));
	ck_assert_int_eq(rx_groups(r), 0);
	rx_free(r);
	ck_assert_ptr_null(rx_compile("a(", false, &err));
	ck_assert_str_eq(err, "regex 'a(' is invalid (error=missing closing parenthesis, erroffset=2)");
	free(err);
}
END_TEST

Suite *suite_regex(void);

Suite *suite_regex(void)
{
	Suite *s = suite_create("regex");
	TCase *tc = tcase_create("pcre2");
	tcase_add_test(tc, pcre2_flavour);
	suite_add_tcase(s, tc);
	return s;
}
