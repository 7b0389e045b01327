/* Sample expressions and log-format strings: parsing, argument and type
 * checks, stage checks, second-level quoting; HAProxy 2.6 wording. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "parser/sample.h"

static struct diag d;
static struct cfg_ctx cx;
static struct cfg_word word;

static void
setup(const char *s)
{
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	memset(&cx, 0, sizeof(cx));
	cx.diag = &d;
	free(word.s);
	word.s = xstrdup(s);
	word.len = strlen(s);
	word.loc = (struct cfg_loc){ "t.cfg", 3, 10 };
	word.quoted = false;
}

static void
teardown(void)
{
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	FREE_NULL(word.s);
}

/* Exactly one error at col whose text is exactly text. */
static void
expect_err(int col, const char *text)
{
	for (size_t i = 0; i < d.n; i++)
		if (d.msgs[i].level == DIAG_ERROR && d.msgs[i].loc.col == col &&
		    strcmp(d.msgs[i].text, text) == 0)
			return;
	for (size_t i = 0; i < d.n; i++) {
		char *s = diag_format(&d.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
	ck_abort_msg("no error at col %d: %s", col, text);
}

static struct smp_expr *
parse(const char *s, unsigned stages)
{
	setup(s);
	return smp_expr_parse(&cx, &word, 0, NULL, stages);
}

static void
bad(const char *s, unsigned stages, int col, const char *text)
{
	struct smp_expr *e = parse(s, stages);
	ck_assert_ptr_null(e);
	expect_err(col, text);
}

START_TEST(good_expressions)
{
	struct smp_expr *e = parse("req.ssl_sni,lower,map(/x.map,be_default)",
	                           SMP_STG_SWITCH);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->fetch->h.name, "req.ssl_sni");
	ck_assert_uint_eq(e->convs.n, 2);
	ck_assert_str_eq(e->convs.v[1].args[0].str, "/x.map");
	ck_assert_str_eq(e->convs.v[1].args[1].str, "be_default");
	ck_assert_int_eq(smp_expr_type(e), SMP_T_STR);
	ck_assert_uint_eq(smp_expr_uses(e), SMP_USES_REQ_SSL);
	smp_expr_free(e);

	e = parse("req.hdr(host,-1),host_only", SMP_STG_FE_HTTP_REQ);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->nargs, 2);
	ck_assert_int_eq(e->args[1].sint, -1);
	ck_assert_uint_eq(smp_expr_uses(e), SMP_USES_HTTP);
	smp_expr_free(e);

	/* casts HAProxy allows: ip -> str, bool -> int, int -> addr */
	e = parse("src,lower", 0);
	ck_assert_ptr_nonnull(e);
	smp_expr_free(e);
	e = parse("int(1),ipmask(24)", 0);
	ck_assert_ptr_nonnull(e);
	smp_expr_free(e);
	e = parse("src,ipmask(255.255.0.0,64)", 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(smp_expr_type(e), SMP_T_IPV4);
	smp_expr_free(e);

	/* empty converters are skipped, like HAProxy */
	e = parse("path,,lower,", 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->convs.n, 1);
	smp_expr_free(e);

	e = parse("var(txn.x),add(txn.y),mul(3),set-var(req.z)", 0);
	ck_assert_ptr_nonnull(e);
	smp_expr_free(e);

	e = parse("req.ssl_ech", SMP_STG_FE_TCP_REQ);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(smp_expr_type(e), SMP_T_BOOL);
	smp_expr_free(e);
}
END_TEST

START_TEST(quoting)
{
	/* quotes that survived the first level protect ',' and ')' */
	struct smp_expr *e = parse("path,regsub(\"(foo|bar)\",blah,g)", 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->convs.v[0].args[0].str, "(foo|bar)");
	ck_assert_str_eq(e->convs.v[0].args[2].str, "g");
	smp_expr_free(e);
	e = parse("str('a,b'),field(1,\\,)", 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->args[0].str, "a,b");
	smp_expr_free(e);
	e = parse("str(a\\ b\\\\c)", 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->args[0].str, "a b\\c");
	smp_expr_free(e);
	/* a backslash does not protect ')' */
	bad("str(a\\)b),lower", 0, 17, "missing comma after fetch keyword 'str'.");
}
END_TEST

START_TEST(bad_names)
{
	bad("nosuch", 0, 10, "unknown fetch method 'nosuch'.");
	bad("1abc", 0, 10, "unknown fetch method '1abc'.");
	bad("path,nosuch", 0, 15, "unknown converter 'nosuch'.");
	bad("req.hdr(host)x", 0, 23, "missing comma after fetch keyword 'req.hdr'.");
	bad("path,lower)x", 0, 20, "missing comma after converter 'lower'.");
	bad("sc0_conn_cur", 0, 10,
	    "fetch method 'sc0_conn_cur' is not supported (stick tables and tracking counters are not supported).");
	bad("path,table_conn_cnt(t)", 0, 15,
	    "converter 'table_conn_cnt' is not supported (stick tables are not supported).");
}
END_TEST

START_TEST(bad_args)
{
	bad("req.hdr(host,abc)", 0, 10,
	    "fetch method 'req.hdr' : failed to parse 'abc' as type 'integer' at position 2.");
	bad("int(abc)", 0, 10,
	    "fetch method 'int' : failed to parse 'abc' as type 'integer' at position 1.");
	bad("int", 0, 10,
	    "fetch method 'int' : expected type 'integer' at position 1, but got nothing.");
	bad("int()", 0, 10,
	    "fetch method 'int' : expected type 'integer' at position 1, but got nothing.");
	bad("path(1)", 0, 10, "fetch method 'path' : expected ')' before '1)'.");
	bad("req.hdr(host,1,2)", 0, 10,
	    "fetch method 'req.hdr' : expected ')' before ',2)'.");
	bad("str(a", 0, 10, "fetch method 'str' : expected ')'.");
	bad("path,field(a,b)", 0, 15,
	    "invalid arg 1 in converter 'field' : failed to parse 'a' as type 'integer' at position 1.");
	bad("path,field", 0, 15,
	    "invalid arg 1 in converter 'field' : expected type 'integer' at position 1, but got nothing.");
	bad("path,field(1)", 0, 15,
	    "invalid arg 2 in converter 'field' : missing arguments (got 1/2), type 'string' expected.");
	bad("path,lower(1)", 0, 15,
	    "invalid arg 1 in converter 'lower' : expected ')' before '1)'.");
	bad("path,lower(", 0, 15, "invalid arg 1 in converter 'lower' : expected ')'.");
	bad("path,ipmask(33)", 0, 15,
	    "invalid arg 1 in converter 'ipmask' : failed to parse '33' as type 'IPv4 mask' at position 1.");
	bad("path,ipmask(24,129)", 0, 15,
	    "invalid arg 2 in converter 'ipmask' : failed to parse '129' as type 'IPv6 mask' at position 2.");
	bad("ipv4(1.2.3)", 0, 10,
	    "fetch method 'ipv4' : failed to parse '1.2.3' as type 'IPv4 address' at position 1.");
	bad("var(foo)", 0, 10,
	    "invalid args in fetch method 'var' : invalid variable name 'foo'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'.");
	bad("path,set-var(foo)", 0, 15,
	    "invalid args in converter 'set-var' : invalid variable name 'foo'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'.");
	bad("path,add(abc)", 0, 15,
	    "invalid args in converter 'add' : expects an integer or a variable name.");
	bad("path,digest(nosuch)", 0, 15,
	    "invalid args in converter 'digest' : algorithm must be a valid OpenSSL message digest name..");
	bad("path,regsub(a,b,x)", 0, 15,
	    "invalid args in converter 'regsub' : invalid regex flag 'x', only 'i' and 'g' are supported.");
	struct smp_expr *e = parse("path,regsub(\"(a\",b)", 0);
	ck_assert_ptr_null(e);
	ck_assert_ptr_nonnull(diag_find(&d, "invalid args in converter 'regsub' : regex '(a' is invalid"));
	e = parse("path,digest(sha256)", 0);
	ck_assert_ptr_nonnull(e);
	smp_expr_free(e);
}
END_TEST

START_TEST(bad_types)
{
	bad("ipv6(::1),add(1)", 0, 20, "converter 'add' cannot be applied.");
	bad("bin(61),ipmask(24)", 0, 18, "converter 'ipmask' cannot be applied.");
	bad("meth(GET),iif(a,b)", 0, 20, "converter 'iif' cannot be applied.");
	bad("always_true,ipmask(24)", 0, 22, "converter 'ipmask' cannot be applied.");
}
END_TEST

START_TEST(map_files)
{
	char path[] = "/tmp/sluice_map_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("# comment\n\n  a 1\nb  two words \n", f);
	fclose(f);
	struct cfg cfg = { .opts = { .check_files = true } };
	char *s = xasprintf("path,map(%s)", path);
	setup(s);
	cx.cfg = &cfg;
	struct smp_expr *e = smp_expr_parse(&cx, &word, 0, NULL, 0);
	ck_assert_ptr_nonnull(e);
	smp_expr_free(e);
	free(s);
	s = xasprintf("path,map_int(%s)", path);
	setup(s);
	cx.cfg = &cfg;
	ck_assert_ptr_null(smp_expr_parse(&cx, &word, 0, NULL, 0));
	char *want = xasprintf("invalid args in converter 'map_int' : 'a' is not a number at line 3 of file '%s'.", path);
	expect_err(15, want);
	free(want);
	free(s);
	unlink(path);
	setup("path,map(/nonexistent)");
	cx.cfg = &cfg;
	ck_assert_ptr_null(smp_expr_parse(&cx, &word, 0, NULL, 0));
	expect_err(15, "invalid args in converter 'map' : failed to open pattern file </nonexistent>.");
	/* not checked when check_files is off */
	cfg.opts.check_files = false;
	setup("path,map(/nonexistent)");
	cx.cfg = &cfg;
	e = smp_expr_parse(&cx, &word, 0, NULL, 0);
	ck_assert_ptr_nonnull(e);
	smp_expr_free(e);
}
END_TEST

START_TEST(stage_checks)
{
	bad("status", SMP_STG_FE_HTTP_REQ, 10,
	    "fetch method 'status' extracts information from 'HTTP response', none of which is available here.");
	bad("req.hdr(host)", SMP_STG_TCP_CONN, 10,
	    "fetch method 'req.hdr' extracts information from 'HTTP request headers', none of which is available here.");
	bad("req.len", SMP_STG_TCP_CONN, 10,
	    "fetch method 'req.len' extracts information from 'request buffer', none of which is available here.");
	bad("ssl_fc_sni", SMP_STG_TCP_CONN, 10,
	    "fetch method 'ssl_fc_sni' extracts information from 'client-side connection', none of which is available here.");
	/* HAProxy accepts these and so do we; the flags let resolve warn */
	struct smp_expr *e = parse("req.ssl_sni", SMP_STG_FE_HTTP_REQ);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(smp_expr_uses(e), SMP_USES_REQ_SSL);
	smp_expr_free(e);
	e = parse("hdr(host)", SMP_STG_FE_TCP_REQ);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(smp_expr_uses(e), SMP_USES_HTTP);
	smp_expr_free(e);
	/* usable in one of several stages is enough */
	e = parse("status", SMP_STG_FE_HTTP_REQ | SMP_STG_FE_HTTP_RES);
	ck_assert_ptr_nonnull(e);
	smp_expr_free(e);
}
END_TEST

START_TEST(offset_and_end)
{
	const char *end = NULL;
	setup("x%[src,lower] y");
	struct smp_expr *e = smp_expr_parse(&cx, &word, 3, &end, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(end, "] y");
	ck_assert_str_eq(e->text, "src,lower");
	ck_assert_int_eq(e->loc.col, 13);
	smp_expr_free(e);
	setup("x%[src,nosuch]");
	ck_assert_ptr_null(smp_expr_parse(&cx, &word, 3, &end, 0));
	expect_err(17, "unknown converter 'nosuch'.");
}
END_TEST

START_TEST(tables)
{
	ck_assert_ptr_nonnull(smp_fetch_find("req.ssl_sni", 11));
	ck_assert_ptr_nonnull(smp_fetch_find("req_ssl_sni", 11));
	ck_assert_ptr_null(smp_fetch_find("host", 4));
	ck_assert_ptr_nonnull(smp_conv_find("xxh3", 4));
	/* tables are sorted for the binary search */
	for (const struct smp_fetch_kw *k = smp_fetch_kws; k[1].h.name; k++)
		ck_assert_int_lt(strcmp(k->h.name, k[1].h.name), 0);
	for (const struct smp_conv_kw *k = smp_conv_kws; k[1].h.name; k++)
		ck_assert_int_lt(strcmp(k->h.name, k[1].h.name), 0);
	ck_assert_str_eq(smp_fetch_find("req.ssl_ech", 11)->h.note, "sluice extension");
}
END_TEST

/* ---- log-format ------------------------------------------------------ */

static struct lf_expr *
lf(const char *s, unsigned stages)
{
	setup(s);
	return lf_parse(&cx, &word, stages);
}

static void
lf_bad(const char *s, unsigned stages, int col, const char *text)
{
	ck_assert_ptr_null(lf(s, stages));
	expect_err(col, text);
}

START_TEST(logformat_good)
{
	struct lf_expr *l = lf("%ci:%cp [%tr] %ft %b/%s %{+Q}r %%x %[src,lower]", SMP_STG_LOG);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(l->nodes.v[0].type, LF_VAR);
	ck_assert_str_eq(l->nodes.v[0].text, "ci");
	ck_assert_int_eq(l->nodes.v[1].type, LF_TEXT);
	ck_assert_str_eq(l->nodes.v[1].text, ":");
	ck_assert_uint_eq(lf_uses(l), SMP_USES_HTTP);
	ck_assert_str_eq(l->http_var, "tr");
	size_t n = l->nodes.n;
	ck_assert_int_eq(l->nodes.v[n - 1].type, LF_EXPR);
	ck_assert_int_eq(l->nodes.v[n - 3].type, LF_TEXT);
	ck_assert_str_eq(l->nodes.v[n - 3].text, "%x");
	for (size_t i = 0; i < n; i++)
		if (l->nodes.v[i].type == LF_VAR && !strcmp(l->nodes.v[i].text, "r"))
			ck_assert_uint_eq(l->nodes.v[i].opts, LF_OPT_Q);
	/* a tcp-mode proxy cannot use %tr */
	ck_assert_int_eq(lf_check_tcp_mode(&cx, l, &word), -1);
	expect_err(10, "format variable 'tr' is reserved for HTTP mode.");
	lf_free(l);

	l = lf("%{+Q}o %ci %{-Q}cp", SMP_STG_LOG);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(l->nodes.v[0].type, LF_SEP);
	ck_assert_uint_eq(l->nodes.v[1].opts, LF_OPT_Q);
	ck_assert_uint_eq(l->nodes.v[3].opts, 0);
	lf_free(l);
	l = lf("%{}ci %{+Z}ci", SMP_STG_LOG);
	ck_assert_ptr_nonnull(l);
	lf_free(l);
}
END_TEST

START_TEST(logformat_bad)
{
	lf_bad("%ci %zz", SMP_STG_LOG, 14,
	       "no such format variable 'zz'. If you wanted to emit the '%' character verbatim, you need to use '%%'.");
	lf_bad("%cix", SMP_STG_LOG, 10,
	       "no such format variable 'cix'. If you wanted to emit the '%' character verbatim, you need to use '%%'.");
	lf_bad("abc%", SMP_STG_LOG, 13, "truncated line after '%'.");
	lf_bad("%{+Q", SMP_STG_LOG, 10, "truncated line after '+Q'.");
	lf_bad("%{+Q} x", SMP_STG_LOG, 10,
	       "parse argument modifier without variable name near '%{+Q}'.");
	lf_bad("%[str(a)", SMP_STG_LOG, 18, "missing ']' after 'str(a)'.");
	lf_bad("%[str(a) x", SMP_STG_LOG, 18, "expected ']' after 'str(a)', but found ' '.");
	lf_bad("%[]", SMP_STG_LOG, 12,
	       "failed to parse sample expression <]> : missing fetch method.");
	lf_bad("%[path,nosuch]", SMP_STG_LOG, 17,
	       "failed to parse sample expression <path,nosuch]> : unknown converter 'nosuch'.");
	lf_bad("%[path] %ci", SMP_STG_LOG, 12,
	       "sample fetch <path] %ci> may not be reliably used here because it needs 'HTTP request headers' which is not available here.");
	lf_bad("%[req.ssl_sni]", SMP_STG_LOG, 12,
	       "sample fetch <req.ssl_sni]> may not be reliably used here because it needs 'request buffer' which is not available here.");
	/* in HTTP rules an L6 fetch is only a warning, as in HAProxy */
	struct lf_expr *l = lf("%[req.ssl_sni]", SMP_STG_FE_HTTP_REQ);
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_nonnull(diag_find(&d, "L6 sample fetch <req.ssl_sni]> ignored in HTTP log-format string."));
	ck_assert_uint_eq(lf_uses(l), SMP_USES_REQ_SSL);
	lf_free(l);
}
END_TEST

Suite *suite_sample(void);

Suite *
suite_sample(void)
{
	Suite *s = suite_create("sample");
	TCase *tc = tcase_create("sample");
	tcase_add_test(tc, good_expressions);
	tcase_add_test(tc, quoting);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, bad_args);
	tcase_add_test(tc, bad_types);
	tcase_add_test(tc, map_files);
	tcase_add_test(tc, stage_checks);
	tcase_add_test(tc, offset_and_end);
	tcase_add_test(tc, tables);
	tcase_add_test(tc, logformat_good);
	tcase_add_test(tc, logformat_bad);
	tcase_add_unchecked_fixture(tc, NULL, teardown);
	suite_add_tcase(s, tc);
	return s;
}
