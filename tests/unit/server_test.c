/* server / default-server / server-template (parser/server.c). */
#include "b_common.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/server.h"

START_TEST(options)
{
	struct cfg *c = bload(BBE " mode http\n server s 127.0.0.1:80 check inter 3s fastinter 1s downinter 5s rise 4 fall 5 "
	                      "weight 10 backup maxconn 100 maxqueue 5 cookie c1 id 9 slowstart 10s send-proxy-v2 "
	                      "proxy-v2-options ssl,authority observe layer7 error-limit 3 on-error mark-down "
	                      "on-marked-down shutdown-sessions ssl verify none alpn h2 ssl-min-ver TLSv1.2 "
	                      "check-sni x.test agent-check agent-port 9999 agent-inter 4s disabled ws h1 "
	                      "pool-max-conn 10 max-reuse 3 source 10.0.0.1\n"
	                      " server t 127.0.0.1:80 port 8080 addr 127.0.0.2\n", true);
	bclean(c);
	struct cfg_server *s = c->proxies.v[0]->servers.v[0];
	ck_assert_str_eq(s->name, "s");
	ck_assert(s->check && s->backup && s->ssl && s->agent_check && s->disabled);
	ck_assert_uint_eq(s->inter, 3000);
	ck_assert_uint_eq(s->fastinter, 1000);
	ck_assert_uint_eq(s->downinter, 5000);
	ck_assert_int_eq(s->rise, 4);
	ck_assert_int_eq(s->fall, 5);
	ck_assert_int_eq(s->weight, 10);
	ck_assert_int_eq(s->maxconn, 100);
	ck_assert_int_eq(s->maxqueue, 5);
	ck_assert_str_eq(s->cookie, "c1");
	ck_assert_int_eq(s->id, 9);
	ck_assert_uint_eq(s->slowstart, 10000);
	ck_assert_int_eq(s->send_proxy, 2);
	ck_assert_uint_eq(s->pp2_opts, SRV_PP2_SSL | SRV_PP2_AUTHORITY);
	ck_assert_int_eq(s->observe, SRV_OBS_LAYER7);
	ck_assert_int_eq(s->error_limit, 3);
	ck_assert_int_eq(s->on_error, SRV_ONERR_MARK_DOWN);
	ck_assert(s->on_marked_down_shutdown);
	ck_assert_int_eq(s->verify, SSL_VERIFY_NONE);
	ck_assert_str_eq(s->alpn, "h2");
	ck_assert_int_eq(s->ssl_opts.min_ver, SSL_VER_TLS12);
	ck_assert_str_eq(s->check_sni, "x.test");
	ck_assert_int_eq(s->agent_port, 9999);
	ck_assert_uint_eq(s->agent_inter, 4000);
	ck_assert_int_eq(s->ws, SRV_WS_H1);
	ck_assert_int_eq(s->pool_max_conn, 10);
	ck_assert_int_eq(s->max_reuse, 3);
	ck_assert_int_eq(s->source.kind, ADDR_INET);
	s = c->proxies.v[0]->servers.v[1];
	ck_assert_int_eq(s->check_port, 8080);
	ck_assert_int_eq(s->check_addr.kind, ADDR_INET);
	cfg_free(c);
}
END_TEST

START_TEST(option_errors)
{
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 chek\n", false));
	bexpect(DIAG_ERROR, 6, 24, "'server b/s' : unknown keyword 'chek'; did you mean 'check' maybe ?");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 frobnicate\n", false));
	bexpect(DIAG_ERROR, 6, 24, "'server b/s' : unknown keyword 'frobnicate'.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 weight 300\n", false));
	bexpect(DIAG_ERROR, 6, 31, "'server b/s' : weight of server s is not within 0 and 256 (300)..");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 inter\n", false));
	bexpect(DIAG_ERROR, 6, 24, "'server b/s' : 'inter' expects a delay as argument..");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 inter 2x\n", false));
	bexpect(DIAG_ERROR, 6, 30, "'server b/s' : unexpected character 'x' in 'agent-inter' argument of server s..");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 slowstart x\n", false));
	bexpect(DIAG_ERROR, 6, 34, "'server b/s' : unexpected character 'x' in 'slowstart' argument of server s..");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 rise 0\n", false));
	bexpect(DIAG_ERROR, 6, 29, "'server b/s' : 'rise' has to be > 0..");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 id 0\n", false));
	bexpect(DIAG_ERROR, 6, 27, "'server b/s' : 'id' : custom id has to be > 0.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 id 1\n server t 127.0.0.1:80 id 1\n", false));
	bexpect(DIAG_ERROR, 7, 27, "'server b/t' : 'id' : custom id 1 already used at t.cfg:6 ('server s').");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 observe foo\n", false));
	bexpect(DIAG_ERROR, 6, 32, "'server b/s' : 'observe' expects one of 'none', 'layer4', 'layer7' but got 'foo'.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 init-addr foo\n", false));
	bexpect(DIAG_ERROR, 6, 34, "'server b/s' : 'init-addr' : unknown init-addr method 'foo', supported methods are 'libc', 'last', 'none'..");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 verify maybe\n", false));
	bexpect(DIAG_ERROR, 6, 31, "'server b/s' : 'verify' : unknown verify method 'maybe', only 'none' and 'required' are supported.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 proxy-v2-options foo\n", false));
	bexpect(DIAG_ERROR, 6, 41, "'server b/s' : 'foo' : proxy v2 option not implemented.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 ws foo\n", false));
	bexpect(DIAG_ERROR, 6, 27, "'server b/s' : 'ws' has to be 'auto', 'h1' or 'h2'.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 addr x\n", false));
	bexpect(DIAG_ERROR, 6, 29, "'server b/s' : 'addr' : invalid address: 'x' in 'x'");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 resolvers dns\n", false));
	ck_assert_ptr_null(bload(BBE " server s\n", false));
	bexpect(DIAG_ERROR, 6, 9, "'server' expects <name> and <addr>[:<port>] as arguments.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80\n server s 127.0.0.1:81\n", false));
	bexpect(DIAG_ERROR, 7, 9, "backend 'b', another server named 's' was already defined at line 6, please use distinct names.");
	ck_assert_ptr_null(bload(BBE " default-server 1.2.3.4 inter 1s\n", false));
	bexpect(DIAG_ERROR, 6, 17, "unknown keyword '1.2.3.4'. Hint: no address was expected for this server.");
	ck_assert_ptr_null(bload(BBE " default-server rise 0\n", false));
	bexpect(DIAG_ERROR, 6, 22, "'rise' has to be > 0..");
	ck_assert_ptr_null(bload(BBE " server-template s x 127.0.0.1:80\n", false));
	bexpect(DIAG_ERROR, 6, 20, "Wrong server-template number or range arg 'x'.");
}
END_TEST

START_TEST(quirks_accepted)
{
	/* HAProxy reads these with atol() and accepts them */
	struct cfg *c = bload(BBE " server s 127.0.0.1:80 maxconn x\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->proxies.v[0]->servers.v[0]->maxconn, 0);
	cfg_free(c);
	c = bload(BBE " server s 127.0.0.1:80 no-check check no-backup\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert(c->proxies.v[0]->servers.v[0]->check);
	cfg_free(c);
}
END_TEST

START_TEST(default_server)
{
	struct cfg *c = bload("defaults d\n default-server inter 5s fall 7\n"
	                      "backend b from d\n server a 127.0.0.1:80\n default-server rise 9 check\n"
	                      " server c 127.0.0.1:81 no-check\n server-template w 2-3 127.0.0.1:90\n", false);
	ck_assert_ptr_nonnull(c);
	struct cfg_proxy *px = c->proxies.v[0];
	ck_assert_uint_eq(px->servers.n, 4);
	struct cfg_server *a = px->servers.v[0], *cc = px->servers.v[1];
	ck_assert_uint_eq(a->inter, 5000);
	ck_assert_int_eq(a->fall, 7);
	ck_assert_int_eq(a->rise, 2);
	ck_assert(!a->check);
	ck_assert_int_eq(cc->rise, 9);
	ck_assert(!cc->check);
	ck_assert_uint_eq(cc->inter, 5000);
	ck_assert_str_eq(px->servers.v[2]->name, "w2");
	ck_assert_str_eq(px->servers.v[3]->name, "w3");
	ck_assert(px->servers.v[3]->check);
	cfg_free(c);
}
END_TEST

START_TEST(verify_and_global)
{
	const char *msg = "'server b/s' : verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.";
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 ssl\n", true));
	bexpect(DIAG_ERROR, 6, 2, msg);
	/* a later global ssl-server-verify none still applies */
	struct cfg *c = bload(BBE " server s 127.0.0.1:80 ssl\nglobal\n ssl-server-verify none\n"
	                      " ssl-default-server-options no-tlsv10\n ssl-default-server-ciphers C\n", true);
	ck_assert_ptr_nonnull(c);
	struct cfg_server *s = c->proxies.v[0]->servers.v[0];
	ck_assert_int_eq(s->verify, SSL_VERIFY_NONE);
	ck_assert(s->ssl_opts.no_vers & SSL_VER_NOBIT(SSL_VER_TLS10));
	ck_assert_str_eq(s->ciphers, "C");
	cfg_free(c);
}
END_TEST

START_TEST(tracking)
{
	struct cfg *c = bload(BBE " server s 127.0.0.1:80 check\n server t 127.0.0.1:81 track s\n"
	                      "backend c\n server u 127.0.0.1:82 track b/t\n", true);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_eq(c->proxies.v[0]->servers.v[1]->tracked, c->proxies.v[0]->servers.v[0]);
	ck_assert_ptr_eq(c->proxies.v[1]->servers.v[0]->tracked, c->proxies.v[0]->servers.v[1]);
	cfg_free(c);
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 track nosuch\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to find required server 'nosuch' for tracking.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 track x/y\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to find required proxy 'x' for tracking.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 track b/s\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to track b/s as it belongs to a tracking chain looping back to b/s.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80\n server t 127.0.0.1:80 track s\n", true));
	bexpect(DIAG_ERROR, 7, 2, "'server b/t' : unable to use b/s for tracking as it does not have any check nor agent enabled.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80 agent-check\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : server s does not have agent port. Agent check has been disabled.");
}
END_TEST

Suite *suite_server(void);

Suite *
suite_server(void)
{
	Suite *s = suite_create("server");
	TCase *t = tcase_create("server");
	tcase_add_test(t, options);
	tcase_add_test(t, option_errors);
	tcase_add_test(t, quirks_accepted);
	tcase_add_test(t, default_server);
	tcase_add_test(t, verify_and_global);
	tcase_add_test(t, tracking);
	suite_add_tcase(s, t);
	return s;
}
