/* The driver and grammar: sections, .if blocks and message directives,
 * keyword dispatch diagnostics, defaults inheritance by replay, rule
 * condition syntax. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "parser/acl.h"
#include "parser/cfgparse.h"
#include "parser/proxy.h"

static struct diag d;

static struct cfg *
load(const char *text, bool resolve)
{
	struct cfg_opts o = { .check_files = false };
	diag_free(&d);
	return cfg_load_string("t.cfg", text, strlen(text), &o, resolve, &d);
}

/* A message of level lvl at line:col containing needle must exist. */
static void
expect(enum diag_level lvl, int line, int col, const char *needle)
{
	for (size_t i = 0; i < d.n; i++) {
		const struct diag_msg *m = &d.msgs[i];
		if (m->level == lvl && m->loc.line == line && m->loc.col == col &&
		    strstr(m->text, needle))
			return;
	}
	for (size_t i = 0; i < d.n; i++) {
		char *s = diag_format(&d.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
	ck_abort_msg("no %s at %d:%d containing \"%s\"",
	             lvl == DIAG_ERROR ? "error" : lvl == DIAG_WARNING ? "warning" : "notice",
	             line, col, needle);
}

START_TEST(out_of_section)
{
	ck_assert_ptr_null(load("wibble 1\nglobal\n", false));
	expect(DIAG_ERROR, 1, 1, "unknown keyword 'wibble' out of section.");
}
END_TEST

START_TEST(unknown_keyword_suggests)
{
	ck_assert_ptr_null(load("global\n    maxconn 10\n    maxcon 5\n", false));
	expect(DIAG_ERROR, 3, 5, "unknown keyword 'maxcon' in 'global' section; did you mean 'maxconn'?");
	ck_assert_ptr_null(load("frontend f\n  defualt_backend b\n", false));
	expect(DIAG_ERROR, 2, 3, "did you mean 'default_backend'?");
	/* a proxy keyword is unknown in global, and the other way round */
	ck_assert_ptr_null(load("global\n  retries 3\n", false));
	expect(DIAG_ERROR, 2, 3, "unknown keyword 'retries' in 'global' section");
	ck_assert_ptr_null(load("backend b\n  nbthread 3\n", false));
	expect(DIAG_ERROR, 2, 3, "unknown keyword 'nbthread' in 'backend' section");
}
END_TEST

START_TEST(capability_warnings)
{
	struct cfg *c = load("backend b\n  bind 127.0.0.1:80\nfrontend f\n  retries 3\n", false);
	ck_assert_ptr_nonnull(c);
	expect(DIAG_WARNING, 2, 3, "'bind' ignored because backend 'b' has no frontend capability.");
	expect(DIAG_WARNING, 4, 3, "'retries' ignored because frontend 'f' has no backend capability.");
	ck_assert_int_eq((int)c->proxies.v[0]->binds.n, 0);
	cfg_free(c);
	ck_assert_ptr_null(load("defaults\n  bind :80\n", false));
	expect(DIAG_ERROR, 2, 3, "'bind' not allowed in 'defaults' section.");
}
END_TEST

START_TEST(negation_prefix)
{
	ck_assert_ptr_null(load("global\n  no maxconn 5\n", false));
	expect(DIAG_ERROR, 2, 3, "negation/default currently supported only for options, log,");
}
END_TEST

START_TEST(empty_word_ends_line)
{
	struct cfg *c = load("global\n  maxconn 10 \"\" junk\n", false);
	ck_assert_ptr_nonnull(c);
	expect(DIAG_WARNING, 2, 14, "empty word ends the line");
	cfg_free(c);
}
END_TEST

START_TEST(sections)
{
	struct cfg *c = load("global\nfrontend a\nbackend a\nlisten l\npeers u\n  peer x 127.0.0.1:1\nbackend b\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq((int)c->proxies.n, 4);
	ck_assert_str_eq(proxy_type_name(c->proxies.v[0]), "frontend");
	ck_assert_str_eq(proxy_type_name(c->proxies.v[1]), "backend");
	ck_assert_str_eq(proxy_type_name(c->proxies.v[2]), "listen");
	expect(DIAG_WARNING, 5, 1, "section 'peers' is not supported by sluice yet");
	cfg_free(c);

	ck_assert_ptr_null(load("listen l\nfrontend l\n", false));
	expect(DIAG_ERROR, 2, 10, "proxy 'l' has the same name as proxy 'l' declared at t.cfg:1.");
	ck_assert_ptr_null(load("frontend\n", false));
	expect(DIAG_ERROR, 1, 1, "'frontend' expects <name> as an argument.");
	ck_assert_ptr_null(load("backend a/b\n", false));
	expect(DIAG_ERROR, 1, 9, "character not permitted in backend name 'a/b'.");
}
END_TEST

START_TEST(if_blocks)
{
	setenv("SLUICE_DEF", "1", 1);
	struct cfg *c = load(
	    "global\n"
	    ".if defined(SLUICE_DEF)\n"
	    "  .notice \"one\"\n"
	    "  .if 0\n"
	    "    .notice \"hidden\"\n"
	    "    bogus keyword\n"
	    "  .elif streq(a,a) && !feature(LUA)\n"
	    "    .notice \"two\"\n"
	    "  .else\n"
	    "    .notice \"hidden2\"\n"
	    "  .endif\n"
	    ".elif 1\n"
	    "  .notice \"hidden3\"\n"
	    ".endif\n"
	    ".if version_atleast(2.4) && version_before(2.7) || 0\n"
	    "  .warning \"three\"\n"
	    ".endif\n", false);
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
	ck_assert_int_eq((int)d.n, 3);
	expect(DIAG_NOTICE, 3, 3, "'one'.");
	expect(DIAG_NOTICE, 8, 5, "'two'.");
	expect(DIAG_WARNING, 16, 3, "'three'.");
	unsetenv("SLUICE_DEF");

	ck_assert_ptr_null(load("global\n.elif 1\n", false));
	expect(DIAG_ERROR, 2, 1, "lone '.elif' with no matching '.if'.");
	ck_assert_ptr_null(load("global\n.if 1\n.else\n.else\n.endif\n", false));
	expect(DIAG_ERROR, 4, 1, "'.else' after '.else' is not permitted.");
	ck_assert_ptr_null(load("global\n.if 1\n", false));
	expect(DIAG_ERROR, 2, 1, "non-terminated '.if' block.");
	ck_assert_ptr_null(load("global\n.endif\n", false));
	expect(DIAG_ERROR, 2, 1, "lone '.endif' with no matching '.if'.");
	ck_assert_ptr_null(load("global\n.iff 1\n", false));
	expect(DIAG_ERROR, 2, 1, "unknown directive '.iff'.");
	ck_assert_ptr_null(load("global\n.alert \"stop\"\n", false));
	expect(DIAG_ERROR, 2, 1, "'stop'.");
	ck_assert_ptr_null(load("global\n.notice a b\n", false));
	expect(DIAG_ERROR, 2, 11, "Unexpected argument 'b' for '.notice'.");
	ck_assert_ptr_null(load("global\n.if foo(1)\n.endif\n", false));
	expect(DIAG_ERROR, 2, 1, "unparsable conditional expression");
	/* not evaluated where no branch can be taken (as HAProxy) */
	struct cfg *c2 = load("global\n.if 0\n.if foo(\n.endif\n.elif 1\n.elif foo(\n.endif\n", false);
	ck_assert_ptr_nonnull(c2);
	cfg_free(c2);
	/* 100 levels are allowed, 101 are not */
	struct sbuf b = { 0 };
	sbuf_adds(&b, "global\n");
	for (int i = 0; i < 101; i++)
		sbuf_adds(&b, ".if 1\n");
	for (int i = 0; i < 101; i++)
		sbuf_adds(&b, ".endif\n");
	ck_assert_ptr_null(load(b.s, false));
	expect(DIAG_ERROR, 102, 1, "too many nested '.if', max is 100.");
	free(b.s);
}
END_TEST

START_TEST(pp_expressions)
{
	char *err = NULL;
	ck_assert_int_eq(pp_eval("", &err), 0);
	ck_assert_int_eq(pp_eval("0", &err), 0);
	ck_assert_int_eq(pp_eval("12", &err), 1);
	ck_assert_int_eq(pp_eval("1 && 0 || 1", &err), 1);  /* && binds tighter */
	ck_assert_int_eq(pp_eval("1 && (0 || 0)", &err), 0);
	ck_assert_int_eq(pp_eval("!0 && !!1", &err), 1);
	ck_assert_int_eq(pp_eval("streq(x, x)", &err), 1);
	ck_assert_int_eq(pp_eval("strneq(x,y)", &err), 1);
	ck_assert_int_eq(pp_eval("feature(OPENSSL)", &err), 1);
	ck_assert_int_eq(pp_eval("feature(LUA)", &err), 0);
	ck_assert_int_eq(pp_eval("version_atleast(2.6.12)", &err), 1);
	ck_assert_int_eq(pp_eval("version_atleast(2.7)", &err), 0);
	ck_assert_int_eq(pp_eval("version_before(3.0)", &err), 1);
	ck_assert_int_eq(pp_eval("!!1 && ! ! 1 && !!!0", &err), 1);
	/* arguments are not truncated */
	char *longeq = xasprintf("streq(%0300d,%0299dy)", 0, 0);
	ck_assert_int_eq(pp_eval(longeq, &err), 0);
	free(longeq);
	ck_assert_int_eq(pp_eval("defined()", &err), -1);
	free(err);
	err = NULL;
	/* deep nesting is refused, not a stack overflow; a long "!" run is fine */
	struct sbuf b = { 0 };
	for (int i = 0; i < 100000; i++)
		sbuf_addc(&b, '(');
	ck_assert_int_eq(pp_eval(b.s, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too deeply nested"));
	free(err);
	err = NULL;
	sbuf_reset(&b);
	for (int i = 0; i < 100000; i++)
		sbuf_addc(&b, '!');
	sbuf_addc(&b, '1');
	ck_assert_int_eq(pp_eval(b.s, &err), 1);
	free(b.s);
	/* an unterminated "(" at the end of the buffer stays inside it */
	ck_assert_int_eq(pp_eval("(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(pp_eval("1 junk", &err), -1);
	free(err);
}
END_TEST

START_TEST(defaults_rules)
{
	ck_assert_ptr_null(load("defaults\n  acl a src 1.2.3.4\n", false));
	expect(DIAG_ERROR, 2, 3, "'acl' not allowed in anonymous 'defaults' section.");
	ck_assert_ptr_null(load("defaults\n  tcp-request inspect-delay 5s\n", false));
	expect(DIAG_ERROR, 2, 3, "tcp-request inspect-delay is not allowed in anonymous 'defaults' sections");
	ck_assert_ptr_null(load("frontend f from nope\n", false));
	expect(DIAG_ERROR, 1, 17, "defaults section 'nope' not found");
	ck_assert_ptr_null(load("defaults d\nbackend a from d\nbackend b\n", false));
	expect(DIAG_ERROR, 3, 1, "defaults section 'd' (declared at t.cfg:1) is explicitly referenced by another proxy and implicitly used here.");
}
END_TEST

START_TEST(defaults_replay)
{
	struct cfg *c = load(
	    "defaults web\n"
	    "  mode http\n"
	    "  timeout client 5s\n"
	    "defaults tcp\n"
	    "  timeout client 7s\n"
	    "backend a from web\n"
	    "backend b from tcp\n"
	    "defaults child from web\n"
	    "  retries 4\n"
	    "backend c from child\n"
	    "  mode tcp\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->proxies.v[0]->mode, PX_MODE_HTTP);
	ck_assert_int_eq(c->proxies.v[1]->mode, PX_MODE_TCP); /* a new defaults resets */
	ck_assert_int_eq(c->proxies.v[2]->mode, PX_MODE_TCP); /* own line after replay */
	ck_assert_ptr_eq(c->proxies.v[2]->from, c->defaults.v[2]);
	/* replayed lines report nothing a second time (timeout client is
	 * not for backends: skipped silently) */
	ck_assert_int_eq(d.nwarnings, 0);
	cfg_free(c);
}
END_TEST

START_TEST(advice_is_not_fatal_under_zero_warning)
{
	const char *base =
	    "global\n  zero-warning\n"
	    "defaults\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n"
	    "frontend f\n  bind 127.0.0.1:8999\n%s  default_backend b\n"
	    "backend b\n  server s 127.0.0.1:80\n";
	/* a footgun warning (sluice only): printed, not fatal */
	char *t = xasprintf(base, "  use_backend b if { req.ssl_sni a }\n");
	struct cfg *c = load(t, true);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(d.nwarnings, 1);
	ck_assert_int_eq(d.nadvice, 1);
	ck_assert(d.msgs[0].advice);
	cfg_free(c);
	free(t);
	/* a warning HAProxy gives too: fatal */
	t = xasprintf(base, "  retries 3\n");
	ck_assert_ptr_null(load(t, true));
	ck_assert_ptr_nonnull(diag_find(&d, "Some warnings were found and 'zero-warning' is set. Aborting."));
	free(t);
}
END_TEST

static struct cfg_word *
words_of(const char *s, int *n)
{
	char *dup = xstrdup(s);
	VEC(struct cfg_word) v = { 0 };
	int col = 1;
	for (char *tok = strtok(dup, " "); tok; tok = strtok(NULL, " ")) {
		struct cfg_word w = { xstrdup(tok), strlen(tok), { "t.cfg", 1, col }, false };
		col = (int)(tok - dup) + 1;
		w.loc.col = col;
		VEC_PUSH(v, w);
	}
	free(dup);
	*n = (int)v.n;
	return v.v;
}

static void
free_words(struct cfg_word *w, int n)
{
	for (int i = 0; i < n; i++)
		free(w[i].s);
	free(w);
}

START_TEST(condition_syntax)
{
	struct cfg_ctx cx;
	struct cond_ast ast;
	int n;
	memset(&cx, 0, sizeof(cx));
	diag_free(&d);
	cx.diag = &d;

	struct cfg_word *w = words_of("use_backend x if a ! b || { c d } or !{ e }", &n);
	ck_assert_int_eq(cond_syntax(&cx, w, n, 2, &ast), 0);
	ck_assert(!ast.unless);
	ck_assert_int_eq((int)ast.terms.n, 4);
	ck_assert_int_eq((int)ast.or_starts.n, 3);
	ck_assert_int_eq(ast.or_starts.v[1], 2);
	ck_assert_int_eq(ast.or_starts.v[2], 3);
	ck_assert(!ast.terms.v[0].neg && ast.terms.v[0].first == 3);
	ck_assert(ast.terms.v[1].neg && ast.terms.v[1].first == 5);
	ck_assert(ast.terms.v[2].anon && ast.terms.v[2].first == 8 && ast.terms.v[2].last == 9);
	ck_assert(ast.terms.v[3].anon && ast.terms.v[3].neg && ast.terms.v[3].first == 13);
	cond_ast_free(&ast);
	free_words(w, n);

	/* inside braces, "!" and "or" are ACL words */
	w = words_of("x unless { path ! or }", &n);
	ck_assert_int_eq(cond_syntax(&cx, w, n, 1, &ast), 0);
	ck_assert(ast.unless);
	ck_assert_int_eq((int)ast.terms.n, 1);
	ck_assert_int_eq(ast.terms.v[0].last, 5);
	cond_ast_free(&ast);
	free_words(w, n);

	w = words_of("x if { a b", &n);
	ck_assert_int_eq(cond_syntax(&cx, w, n, 1, &ast), -1);
	ck_assert_ptr_nonnull(diag_find(&d, "missing closing '}' in condition"));
	free_words(w, n);
	/* HAProxy accepts empty conditions and branches: no suite at all
	 * ("if" never matches), empty OR branches are dropped */
	w = words_of("x if", &n);
	ck_assert_int_eq(cond_syntax(&cx, w, n, 1, &ast), 0);
	ck_assert_int_eq((int)ast.or_starts.n, 0);
	cond_ast_free(&ast);
	free_words(w, n);
	w = words_of("x if || a || || b ||", &n);
	ck_assert_int_eq(cond_syntax(&cx, w, n, 1, &ast), 0);
	ck_assert_int_eq((int)ast.terms.n, 2);
	ck_assert_int_eq((int)ast.or_starts.n, 2);
	ck_assert_int_eq(ast.or_starts.v[0], 0);
	ck_assert_int_eq(ast.or_starts.v[1], 1);
	cond_ast_free(&ast);
	free_words(w, n);
	/* each "!" toggles, glued or not */
	w = words_of("x if !!a ! ! b !!!{ c }", &n);
	ck_assert_int_eq(cond_syntax(&cx, w, n, 1, &ast), 0);
	ck_assert_int_eq((int)ast.terms.n, 3);
	ck_assert(!ast.terms.v[0].neg && ast.terms.v[0].off == 2);
	ck_assert(!ast.terms.v[1].neg && ast.terms.v[1].off == 0);
	ck_assert(ast.terms.v[2].neg && ast.terms.v[2].anon);
	cond_ast_free(&ast);
	free_words(w, n);
	w = words_of("x if a } b", &n);
	ck_assert_int_eq(cond_syntax(&cx, w, n, 1, &ast), -1);
	ck_assert_ptr_nonnull(diag_find(&d, "unexpected '}' in condition"));
	free_words(w, n);
	diag_free(&d);
}
END_TEST

static void
teardown(void)
{
	diag_free(&d);
}

Suite *suite_cfgparse(void);

Suite *
suite_cfgparse(void)
{
	Suite *s = suite_create("cfgparse");
	TCase *tc = tcase_create("driver");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, out_of_section);
	tcase_add_test(tc, unknown_keyword_suggests);
	tcase_add_test(tc, capability_warnings);
	tcase_add_test(tc, negation_prefix);
	tcase_add_test(tc, empty_word_ends_line);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, if_blocks);
	tcase_add_test(tc, pp_expressions);
	tcase_add_test(tc, defaults_rules);
	tcase_add_test(tc, defaults_replay);
	tcase_add_test(tc, condition_syntax);
	tcase_add_test(tc, advice_is_not_fatal_under_zero_warning);
	suite_add_tcase(s, tc);
	return s;
}
