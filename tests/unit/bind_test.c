/* bind lines, options, crt-list files (parser/bind.c). */
#include <sys/stat.h>
#include <unistd.h>

#include "b_common.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "parser/proxy.h"

static char dir[64];

/* A scratch directory with two certificates (key in the PEM). */
static void
setup(void)
{
	str_copy(dir, sizeof(dir), "/tmp/sluice-bind-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	const char *files[] = { "a.pem", "b.pem" };
	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		bmake_cert(p, true, NULL, NULL);
		free(p);
	}
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void
write_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

START_TEST(options)
{
	char *cfgtext = xasprintf(BFE " bind 127.0.0.1:8443 ssl crt %s/a.pem crt %s/b.pem alpn h2,http/1.1 "
	                          "ssl-min-ver TLSv1.2 ciphersuites TLS_AES_128_GCM_SHA256 verify optional ca-file %s/a.pem "
	                          "strict-sni accept-proxy name web id 7 maxconn 100 backlog 50 "
	                          "thread 1-2 proto h2 v4v6 tfo defer-accept mss 1400 tcp-ut 2s\n",
	                          dir, dir, dir);
	struct cfg *c = bload(cfgtext, true);
	free(cfgtext);
	bclean(c);
	struct cfg_bind *b = c->proxies.v[0]->binds.v[0];
	ck_assert(b->ssl);
	ck_assert_uint_eq(b->crts.n, 2);
	ck_assert_str_eq(b->ssl_conf.alpn, "h2,http/1.1");
	ck_assert_int_eq(b->ssl_opts.min_ver, SSLO_VER_TLS12);
	ck_assert_int_eq(b->ssl_conf.verify, SSLO_VERIFY_OPTIONAL);
	ck_assert(b->strict_sni && b->accept_proxy && b->v4v6 && b->tfo && b->defer_accept);
	ck_assert_uint_eq(b->tcp_ut, 2000);
	ck_assert_str_eq(b->name, "web");
	ck_assert_int_eq(b->id, 7);
	ck_assert_int_eq(b->maxconn, 100);
	ck_assert_int_eq(b->backlog, 50);
	ck_assert_int_eq(b->proto, BIND_PROTO_H2);
	ck_assert_int_eq(b->mss, 1400);
	cfg_free(c);
}
END_TEST

/* Loads a frontend whose bind line is " bind :8443 ssl crt <dir>/a.pem <opts>"
 * (line 6, the address at column 7). */
static struct cfg *
bind_with(const char *opts)
{
	char *t = xasprintf(BFE " bind :8443 ssl crt %s/a.pem %s\n", dir, opts);
	struct cfg *c = bload(t, true);
	free(t);
	return c;
}

/* HAProxy's -c checks of a TLS context (ssl_sock_prepare_ctx) */
START_TEST(tls_context_checks)
{
	ck_assert_ptr_null(bind_with("verify required"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': verify is enabled but no CA file specified for bind ':8443' at [t.cfg:6].");
	ck_assert_ptr_null(bind_with("verify optional"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': verify is enabled but no CA file specified for bind ':8443' at [t.cfg:6].");
	ck_assert_ptr_null(bind_with("ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.2"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': all SSL/TLS versions are disabled for bind ':8443' at [t.cfg:6].");
	ck_assert_ptr_null(bind_with("no-tlsv12 no-tlsv13"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': all SSL/TLS versions are disabled for bind ':8443' at [t.cfg:6].");
	ck_assert_ptr_null(bind_with("force-sslv3"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': all SSL/TLS versions are disabled for bind ':8443' at [t.cfg:6].");
	ck_assert_ptr_null(bind_with("ciphers BOGUS curves BOGUS2"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': unable to set SSL cipher list to 'BOGUS' for bind ':8443' at [t.cfg:6].");
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': unable to set SSL curves list to 'BOGUS2' for bind ':8443' at [t.cfg:6].");
	ck_assert_ptr_null(bind_with("ciphersuites BOGUS"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': unable to set TLS 1.3 cipher suites to 'BOGUS' for bind ':8443' at [t.cfg:6].");
	ck_assert_ptr_null(bind_with("ecdhe BOGUS"));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': unable to set elliptic named curve to 'BOGUS' for bind ':8443' at [t.cfg:6].");

	/* warnings only */
	struct cfg *c = bind_with("ssl-max-ver TLSv1.1");
	ck_assert_ptr_nonnull(c);
	bexpect(DIAG_WARNING, 6, 7, "Proxy 'f': Ambiguous configuration for bind ':8443' at [t.cfg:6]: the ssl-min-ver value is not configured and the ssl-max-ver value is lower than the default ssl-min-ver value (TLSv1.2). Setting the ssl-min-ver to TLSv1.1. Use 'ssl-min-ver' to fix this.");
	cfg_free(c);
	c = bind_with("ssl-min-ver TLSv1.0 no-tlsv11");
	ck_assert_ptr_nonnull(c);
	bexpect(DIAG_WARNING, 6, 7, "Proxy 'f': no-sslv3/no-tlsv1x are ignored for bind ':8443' at [t.cfg:6]. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.");
	cfg_free(c);

	/* sluice's own advice: a bind allowing a version below TLSv1.2 */
	const char *below = "bind ':8443' allows %s, a protocol version below TLSv1.2 (set by ssl-min-ver, ssl-max-ver, force-* or no-tlsv1x on this line, in its crt-list or in ssl-default-bind-options): TLSv1.0 and TLSv1.1 are deprecated (RFC 8996); use 'ssl-min-ver TLSv1.2' unless old clients really need it";
	static const struct { const char *opts, *ver; } downs[] = {
		{ "ssl-min-ver TLSv1.0", "TLSv1.0" }, { "ssl-max-ver TLSv1.1", "TLSv1.1" },
		{ "force-tlsv11", "TLSv1.1" }, { "ssl-min-ver TLSv1.0 no-tlsv11", "TLSv1.0" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(downs); i++) {
		c = bind_with(downs[i].opts);
		ck_assert_ptr_nonnull(c);
		char *want = xasprintf(below, downs[i].ver);
		bexpect(DIAG_WARNING, 6, 7, want);
		free(want);
		ck_assert_int_ge(bd.nadvice, 1);
		cfg_free(c);
	}
	static const char *const clean[] = { "", "ssl-min-ver TLSv1.2", "ssl-max-ver TLSv1.2", "no-tlsv12", "force-tlsv13" };
	for (size_t i = 0; i < ARRAY_SIZE(clean); i++) {
		c = bind_with(clean[i]);
		bclean(c);
		cfg_free(c);
	}
	char *g = xasprintf("global\n ssl-default-bind-options ssl-min-ver TLSv1.1\n"
	                    "frontend f\n bind :8443 ssl crt %s/a.pem\n", dir);
	c = bload(g, true);
	free(g);
	ck_assert_ptr_nonnull(c);
	char *want = xasprintf(below, "TLSv1.1");
	bexpect(DIAG_WARNING, 4, 7, want);
	free(want);
	cfg_free(c);

	c = bind_with("no-tlsv10 curves X25519 ecdhe BOGUS ca-verify-file /dev/null verify required");
	bclean(c);
	ck_assert(c->proxies.v[0]->binds.v[0]->ssl_opts.no_vers & SSLO_VER_NOBIT(SSLO_VER_TLS10));
	cfg_free(c);

	/* the global defaults are checked with the bind they apply to */
	char *t = xasprintf("global\n ssl-default-bind-ciphers BOGUS\n"
	                    "frontend f\n bind :8443 ssl crt %s/a.pem\n", dir);
	ck_assert_ptr_null(bload(t, true));
	free(t);
	bexpect(DIAG_ERROR, 4, 7, "Proxy 'f': unable to set SSL cipher list to 'BOGUS' for bind ':8443' at [t.cfg:4].");

	/* crt-list entries are contexts of their own; each text once */
	write_file("l.txt", "a.pem [ciphers BOGUS verify required] x.test\nb.pem [ciphers BOGUS]\n");
	t = xasprintf("global\n crt-base %s\n" BFE " bind :8443 ssl crt-list %s/l.txt\n", dir, dir);
	ck_assert_ptr_null(bload(t, true));
	free(t);
	bexpect(DIAG_ERROR, 8, 7, "Proxy 'f': verify is enabled but no CA file specified for bind ':8443' at [t.cfg:8].");
	bexpect(DIAG_ERROR, 8, 7, "Proxy 'f': unable to set SSL cipher list to 'BOGUS' for bind ':8443' at [t.cfg:8].");
	ck_assert_uint_eq(bd.nerrors, 2);
}
END_TEST

/* crt files load as a chain with its key, as HAProxy checks at -c */
START_TEST(certificate_files)
{
	char *p = xasprintf("%s/nokey.pem", dir);
	bmake_cert(p, false, NULL, NULL);
	free(p);
	p = xasprintf("%s/split.pem", dir);
	char *k = xasprintf("%s/split.pem.key", dir);
	bmake_cert(p, true, k, NULL);
	free(p);
	free(k);
	p = xasprintf("%s/badkey.pem", dir);
	bmake_cert(p, false, NULL, NULL);
	free(p);
	write_file("badkey.pem.key", "junk\n");
	p = xasprintf("%s/mismatch.pem", dir);
	EVP_PKEY *other = EVP_EC_gen("P-256");
	bmake_cert(p, true, NULL, other);
	EVP_PKEY_free(other);
	free(p);
	write_file("garbage.pem", "garbage\n");

	struct {
		const char *file, *text; /* %1$s: the directory */
	} cases[] = {
		{ "nokey.pem", "No Private Key found in '%s/nokey.pem.key'." },
		{ "garbage.pem", "unable to load certificate from file '%s/garbage.pem'." },
		{ "badkey.pem", "unable to load private key from file '%1$s/badkey.pem.key'.\n '%1$s/badkey.pem.key' is present but cannot be read or parsed'." },
		{ "mismatch.pem", "inconsistencies between private key and certificate loaded '%s/mismatch.pem'." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *t = xasprintf(BFE " bind :8443 ssl crt %s/%s\n", dir, cases[i].file);
		ck_assert_ptr_null(bload(t, true));
		free(t);
		char *want1 = xasprintf(cases[i].text, dir, dir);
		char *want = xasprintf("'bind :8443' in section 'frontend' : %s", want1);
		bexpect(DIAG_ERROR, 6, 21, want);
		free(want);
		free(want1);
	}
	char *t = xasprintf(BFE " bind :8443 ssl crt %s/split.pem\n", dir);
	struct cfg *c = bload(t, true);
	free(t);
	bclean(c);
	cfg_free(c);

	/* a directory: every file but dotfiles and companions (.key, ...) */
	char *sub = xasprintf("%s/d", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	p = xasprintf("%s/a.pem", sub);
	bmake_cert(p, true, NULL, NULL);
	free(p);
	write_file("d/a.pem.ocsp", "junk\n");
	write_file("d/.hidden", "junk\n");
	t = xasprintf(BFE " bind :8443 ssl crt %s\n", sub);
	c = bload(t, true);
	free(t);
	bclean(c);
	cfg_free(c);
	write_file("d/b.txt", "junk\n");
	t = xasprintf(BFE " bind :8443 ssl crt %s\n", sub);
	ck_assert_ptr_null(bload(t, true));
	free(t);
	char *want = xasprintf("'bind :8443' in section 'frontend' : unable to load certificate from file '%s/b.txt'.", sub);
	bexpect(DIAG_ERROR, 6, 21, want);
	free(want);
	free(sub);

	/* crt-list lines, reported at the crt-list's own file:line:col */
	write_file("l2.txt", "a.pem\n  nokey.pem x.test\n");
	t = xasprintf("global\n crt-base %s\n" BFE " bind :8443 ssl crt-list %s/l2.txt\n", dir, dir);
	ck_assert_ptr_null(bload(t, true));
	free(t);
	want = xasprintf("'bind :8443' in section 'frontend' : 'crt-list' : No Private Key found in '%s/nokey.pem.key'.", dir);
	bexpect(DIAG_ERROR, 2, 3, want);
	free(want);
}
END_TEST

START_TEST(option_errors)
{
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 frob\n", false));
	bexpect(DIAG_ERROR, 6, 22, "'bind 127.0.0.1:8000' in section 'frontend': unknown keyword 'frob'.");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 crtt x\n", false));
	bexpect(DIAG_ERROR, 6, 22, "'bind 127.0.0.1:8000' in section 'frontend': unknown keyword 'crtt'; did you mean 'crt' maybe ?");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 crt\n", false));
	bexpect(DIAG_ERROR, 6, 22, "'bind 127.0.0.1:8000' in section 'frontend' : 'crt' : missing certificate location");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 crt /nonexist.pem\n", false));
	bexpect(DIAG_ERROR, 6, 26, "'bind 127.0.0.1:8000' in section 'frontend' : unable to stat SSL certificate from file '/nonexist.pem' : No such file or directory.");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 ssl-min-ver TLSv9\n", false));
	bexpect(DIAG_ERROR, 6, 34, "'bind 127.0.0.1:8000' in section 'frontend' : 'TLSv9' : unknown ssl/tls version");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 verify maybe\n", false));
	bexpect(DIAG_ERROR, 6, 29, "'bind 127.0.0.1:8000' in section 'frontend' : 'verify' : unknown verify method 'maybe', only 'none', 'optional', and 'required' are supported");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 id 0\n", false));
	bexpect(DIAG_ERROR, 6, 25, "'bind 127.0.0.1:8000' in section 'frontend' : 'id' : custom id has to be > 0");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 proto h3\n", false));
	bexpect(DIAG_ERROR, 6, 28, "'bind 127.0.0.1:8000' in section 'frontend' : 'proto' :  unknown MUX protocol 'h3'");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 mode 999\n", false));
	bexpect(DIAG_ERROR, 6, 27, "'bind 127.0.0.1:8000' in section 'frontend' : 'mode' : missing or invalid mode '999' (octal integer expected)");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 thread 99\n", false));
	bexpect(DIAG_ERROR, 6, 29, "'bind 127.0.0.1:8000' in section 'frontend' : '99' : '99' is not a valid number/range. It supports numbers from 1 to 64.");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 alpn\n", false));
	bexpect(DIAG_ERROR, 6, 22, "'bind 127.0.0.1:8000' in section 'frontend' : 'alpn' : missing the comma-delimited ALPN protocol suite");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 crt-list /nonexist\n", false));
	bexpect(DIAG_ERROR, 6, 31, "'bind 127.0.0.1:8000' in section 'frontend' : 'crt-list' : cannot open file '/nonexist' : No such file or directory");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 generate-certificates\n", false));
	/* HAProxy only warns about a bind in a backend */
	struct cfg *c = bload("backend b\n bind :80\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(bd.nwarnings, 1);
	cfg_free(c);
}
END_TEST

START_TEST(ssl_without_crt)
{
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:8000 ssl\n", true));
	bexpect(DIAG_ERROR, 6, 7, "Proxy 'f': no SSL certificate specified for bind '127.0.0.1:8000' at [t.cfg:6] (use 'crt').");
	/* not for stats sockets, as HAProxy */
	struct cfg *c = bload("global\n stats socket /tmp/x.sock ssl\n", true);
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
}
END_TEST

START_TEST(global_defaults_merged)
{
	/* global after the bind still applies (resolve time) */
	char *t = xasprintf(BFE " bind :8443 ssl crt %s/a.pem ciphers ECDHE-ECDSA-AES128-GCM-SHA256\n"
	                    "global\n ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets\n"
	                    " ssl-default-bind-ciphers HIGH\n ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256\n", dir);
	struct cfg *c = bload(t, true);
	free(t);
	ck_assert_ptr_nonnull(c);
	struct cfg_bind *b = c->proxies.v[0]->binds.v[0];
	ck_assert_int_eq(b->ssl_opts.min_ver, SSLO_VER_TLS13);
	ck_assert(b->ssl_opts.no_tls_tickets);
	ck_assert_str_eq(b->ssl_conf.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
	ck_assert_str_eq(b->ssl_conf.ciphersuites, "TLS_AES_128_GCM_SHA256");
	cfg_free(c);
}
END_TEST

START_TEST(crt_base)
{
	char *t = xasprintf("global\n crt-base %s\n" BFE " bind :8443 ssl crt a.pem\n", dir);
	struct cfg *c = bload(t, true);
	free(t);
	bclean(c);
	char *want = xasprintf("%s/a.pem", dir);
	ck_assert_str_eq(c->proxies.v[0]->binds.v[0]->crts.v[0], want);
	free(want);
	cfg_free(c);
}
END_TEST

START_TEST(crt_list)
{
	char *list = xasprintf("# comment\n\n%s/a.pem [alpn h2 ssl-min-ver TLSv1.3] www.a.test *.a.test\n"
	                       "%s/b.pem !*\n", dir, dir);
	write_file("list.txt", list);
	free(list);
	char *t = xasprintf(BFE " bind :8443 ssl crt-list %s/list.txt\n", dir);
	struct cfg *c = bload(t, true);
	free(t);
	bclean(c);
	struct cfg_bind *b = c->proxies.v[0]->binds.v[0];
	ck_assert_uint_eq(b->crtlists.n, 1);
	struct cfg_crtlist *l = b->crtlists.v[0];
	ck_assert_uint_eq(l->entries.n, 2);
	ck_assert(l->entries.v[0].has_conf);
	ck_assert_str_eq(l->entries.v[0].conf.alpn, "h2");
	ck_assert_int_eq(l->entries.v[0].conf.min_ver, SSLO_VER_TLS13);
	ck_assert_uint_eq(l->entries.v[0].filters.n, 2);
	ck_assert_str_eq(l->entries.v[0].filters.v[1], "*.a.test");
	ck_assert_int_eq(l->entries.v[0].loc.line, 3);
	ck_assert_str_eq(l->entries.v[1].filters.v[0], "!*");
	cfg_free(c);

	/* errors carry the crt-list's own file:line:col */
	write_file("bad.txt", "a.pem\n/nonexist.pem\n");
	char *bad = xasprintf("%s/bad.txt", dir);
	t = xasprintf("global\n crt-base %s\n" BFE " bind :8443 ssl crt-list %s\n", dir, bad);
	ck_assert_ptr_null(bload(t, true));
	free(t);
	ck_assert_int_eq(bd.nerrors, 1);
	ck_assert_str_eq(bd.msgs[0].loc.file, bad);
	ck_assert_int_eq(bd.msgs[0].loc.line, 2);
	ck_assert_int_eq(bd.msgs[0].loc.col, 1);
	char *want = xasprintf("'bind :8443' in section 'frontend' : 'crt-list' : unable to stat SSL certificate from file '/nonexist.pem' : No such file or directory.");
	ck_assert_str_eq(bd.msgs[0].text, want);
	free(want);

	write_file("bad2.txt", "a.pem [alpn h2 accept-proxy]\n");
	free(bad);
	bad = xasprintf("%s/bad2.txt", dir);
	t = xasprintf("global\n crt-base %s\n" BFE " bind :8443 ssl crt-list %s\n", dir, bad);
	ck_assert_ptr_null(bload(t, true));
	free(t);
	ck_assert_int_eq(bd.msgs[0].loc.line, 1);
	ck_assert_int_eq(bd.msgs[0].loc.col, 16);
	free(bad);
}
END_TEST

Suite *suite_bind(void);

Suite *
suite_bind(void)
{
	Suite *s = suite_create("bind");
	TCase *t = tcase_create("bind");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, options);
	tcase_add_test(t, option_errors);
	tcase_add_test(t, ssl_without_crt);
	tcase_add_test(t, global_defaults_merged);
	tcase_add_test(t, crt_base);
	tcase_add_test(t, crt_list);
	tcase_add_test(t, tls_context_checks);
	tcase_add_test(t, certificate_files);
	suite_add_tcase(s, t);
	return s;
}
