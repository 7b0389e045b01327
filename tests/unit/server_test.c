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
	                      "pool-max-conn 10 source 10.0.0.1\n"
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
	ck_assert_int_eq(s->source.kind, ADDR_INET);
	ck_assert_int_eq(s->send_proxy, 2);
	ck_assert_uint_eq(s->pp2_opts, SRV_PP2_SSL | SRV_PP2_AUTHORITY);
	ck_assert_int_eq(s->observe, SRV_OBS_LAYER7);
	ck_assert_int_eq(s->error_limit, 3);
	ck_assert_int_eq(s->on_error, SRV_ONERR_MARK_DOWN);
	ck_assert(s->on_marked_down_shutdown);
	ck_assert_int_eq(s->verify, SSLO_VERIFY_NONE);
	ck_assert_str_eq(s->alpn, "h2");
	ck_assert_int_eq(s->ssl_opts.min_ver, SSLO_VER_TLS12);
	ck_assert_str_eq(s->check_sni, "x.test");
	ck_assert_int_eq(s->agent_port, 9999);
	ck_assert_uint_eq(s->agent_inter, 4000);
	ck_assert_int_eq(s->ws, SRV_WS_H1);
	ck_assert_int_eq(s->pool_max_conn, 10);
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
	                      " ssl-default-server-options no-tlsv10\n ssl-default-server-ciphers HIGH\n", true);
	ck_assert_ptr_nonnull(c);
	struct cfg_server *s = c->proxies.v[0]->servers.v[0];
	ck_assert_int_eq(s->verify, SSLO_VERIFY_NONE);
	ck_assert(s->ssl_opts.no_vers & SSLO_VER_NOBIT(SSLO_VER_TLS10));
	ck_assert_str_eq(s->ciphers, "HIGH");
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

/* HAProxy's texts for each time option, verified with haproxy -c */
START_TEST(time_options)
{
	static const struct { const char *line, *text; int col; } errs[] = {
		{ "inter 2x", "'server b/s' : unexpected character 'x' in 'agent-inter' argument of server s..", 30 },
		{ "fastinter 2x", "'server b/s' : unexpected character 'x' in 'agent-inter' argument of server s..", 34 },
		{ "downinter -1", "'server b/s' : unexpected character '-' in 'agent-inter' argument of server s..", 34 },
		{ "agent-inter 2x", "'server b/s' : unexpected character 'x' in 'agent-inter' argument of server s..", 36 },
		{ "fastinter", "'server b/s' : 'fastinter' expects a delay as argument..", 24 },
		{ "downinter 0", "'server b/s' : invalid value 0 for argument 'downinter' of server s..", 34 },
		{ "inter 99999999999", "'server b/s' : timer overflow in argument <99999999999> to <inter> of server s, maximum value is 2147483647 ms (~24.8 days)..", 30 },
		{ "slowstart", "'server b/s' : unexpected character '.", 24 },
		{ "slowstart 2x", "'server b/s' : unexpected character 'x' in 'slowstart' argument of server s..", 34 },
		{ "slowstart 99999999999", "'server b/s' : overflow in argument <99999999999> to <slowstart> of server s, maximum value is 2147483647 ms (~24.8 days)..", 34 },
		{ "pool-purge-delay", "'server b/s' : 'pool-purge-delay' expects <value> as argument..", 24 },
		{ "pool-purge-delay 2x", "'server b/s' : unexpected character 'x' in argument to <pool-purge-delay>..", 41 },
		{ "pool-purge-delay 99999999999", "'server b/s' : timer overflow in argument '99999999999' to 'pool-purge-delay' (maximum value is 2147483647 ms or ~24.8 days).", 41 },
		{ "tcp-ut", "'server b/s' : 'tcp-ut' : missing TCP User Timeout value.", 24 },
		{ "tcp-ut 2x", "'server b/s' : 'tcp-ut' : expects a positive delay in milliseconds.", 31 },
		{ "tcp-ut 99999999999", "'server b/s' : timer overflow in argument '99999999999' to 'tcp-ut' (maximum value is 2147483647 ms or ~24.8 days).", 31 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		char *t = xasprintf(BBE " server s 127.0.0.1:80 %s\n", errs[i].line);
		ck_assert_ptr_null(bload(t, false));
		free(t);
		bexpect(DIAG_ERROR, 6, errs[i].col, errs[i].text);
	}
	/* "1m30s" reads as 1m with a warning, as HAProxy 2.6 */
	struct cfg *c = bload(BBE " server s 127.0.0.1:80 inter 1m30s slowstart 0 pool-purge-delay 0 tcp-ut 1s\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(bd.nerrors, 0);
	bexpect(DIAG_WARNING, 6, 30, "unexpected character '3' after the timer value '1m30s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.");
	struct cfg_server *s = c->proxies.v[0]->servers.v[0];
	ck_assert_uint_eq(s->inter, 60000);
	ck_assert_uint_eq(s->slowstart, 0);
	ck_assert_uint_eq(s->pool_purge_delay, 0);
	ck_assert_uint_eq(s->tcp_ut, 1000);
	cfg_free(c);
}
END_TEST

/* Integer options at the end of the line, texts from haproxy -c */
START_TEST(missing_numbers)
{
	static const struct { const char *line, *text; int col; } errs[] = {
		{ "check port", "'server b/s' : 'port' expects a port number as argument..", 30 },
		{ "agent-port", "'server b/s' : 'agent-port' expects a port number as argument..", 24 },
		{ "pool-max-conn", "'server b/s' : 'pool-max-conn' expects <value> as argument..", 24 },
		{ "pool-low-conn", "'server b/s' : 'pool-low-conn' expects <value> as argument..", 24 },
		{ "max-reuse", "'server b/s' : 'max-reuse' expects <value> as argument..", 24 },
		{ "error-limit", "'server b/s' : 'error-limit' expects an integer argument..", 24 },
		{ "rise", "'server b/s' : 'rise' expects an integer argument..", 24 },
		{ "fall -5", "'server b/s' : 'fall' has to be > 0..", 29 },
		{ "error-limit -5", "'server b/s' : error-limit has to be > 0..", 36 },
		{ "pool-max-conn -5", "'server b/s' : 'pool-max-conn' must be >= -1.", 38 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		char *t = xasprintf(BBE " server s 127.0.0.1:80 %s\n", errs[i].line);
		ck_assert_ptr_null(bload(t, false));
		free(t);
		bexpect(DIAG_ERROR, 6, errs[i].col, errs[i].text);
	}
	/* HAProxy reads a missing weight/maxconn as atol("") = 0 */
	struct cfg *c = bload(BBE " server s 127.0.0.1:80 maxconn\n", false);
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
}
END_TEST

/* HAProxy's ssl_sock_prepare_srv_ctx() checks */
START_TEST(tls_checks)
{
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:443 ssl verify none ciphers BOGUS ciphersuites BAD\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to set SSL cipher list to 'BOGUS'.");
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to set TLS 1.3 cipher suites to 'BAD'.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:443 check-ssl verify none ciphers BOGUS\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to set SSL cipher list to 'BOGUS'.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:443 ssl verify none ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.2\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : backend 'b': all SSL/TLS versions are disabled for server 's'.");
	ck_assert_ptr_null(bload("listen b\n bind :80\n server s 127.0.0.1:443 ssl verify none force-sslv3\n", true));
	bexpect(DIAG_ERROR, 3, 2, "'server b/s' : proxy 'b': all SSL/TLS versions are disabled for server 's'.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:443 ssl verify none crt /nonexist.pem\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to stat SSL certificate from file '/nonexist.pem' : No such file or directory.");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:443 ssl verify none crt /tmp\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : unable to stat SSL certificate from file '/tmp' : Success.");

	struct cfg *c = bload(BBE " server s 127.0.0.1:443 ssl verify none no-tlsv11\n"
	                      " server t 127.0.0.1:443 ssl verify none ssl-min-ver TLSv1.0 no-tlsv11\n"
	                      " server u 127.0.0.1:443 ciphers BOGUS crt /nonexist\n", true);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(bd.nerrors, 0); /* u: no TLS, nothing checked, as HAProxy */
	bexpect(DIAG_WARNING, 6, 2, "'server b/s' : backend 'b': SSL/TLS versions range not contiguous for server 's'. Hole find for TLSv1.1. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.");
	bexpect(DIAG_WARNING, 7, 2, "'server b/t' : no-sslv3/no-tlsv1x are ignored for this server. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.");
	/* sluice's advice for t's explicit TLSv1.0; s only narrows the default */
	bexpect(DIAG_WARNING, 7, 2, "server 'b/t' allows TLSv1.0, a protocol version below TLSv1.2 (set by ssl-min-ver, ssl-max-ver, force-* or no-tlsv1x on this line or in ssl-default-server-options): TLSv1.0 and TLSv1.1 are deprecated (RFC 8996); use 'ssl-min-ver TLSv1.2' unless the server really needs it");
	ck_assert_int_eq(bd.nadvice, 1);
	cfg_free(c);
	c = bload("global\n ssl-default-server-options no-tlsv12 no-tlsv13\n"
	          "backend b\n server s 127.0.0.1:443 ssl verify none\n"
	          " server t 127.0.0.1:443 ssl verify none ssl-max-ver TLSv1.3\n"
	          " server u 127.0.0.1:443 ssl verify none\n", true);
	ck_assert_ptr_nonnull(c);
	bexpect(DIAG_WARNING, 4, 2, "server 'b/s' allows TLSv1.0, a protocol version below TLSv1.2 (set by ssl-min-ver, ssl-max-ver, force-* or no-tlsv1x on this line or in ssl-default-server-options): TLSv1.0 and TLSv1.1 are deprecated (RFC 8996); use 'ssl-min-ver TLSv1.2' unless the server really needs it");
	cfg_free(c);
	c = bload(BBE " server s 127.0.0.1:443 ssl verify none\n"
	          " server t 127.0.0.1:443 ssl verify none ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3\n"
	          " server u 127.0.0.1:443 ssl verify none no-tlsv10 no-tlsv13\n", true);
	bclean(c);
	cfg_free(c);

	/* a TLS connect rule of the proxy's checks needs a CA too, even
	 * without "check" or the option that runs the rules */
	const char *msg = "'server b/s' : verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.";
	ck_assert_ptr_null(bload(BBE " option tcp-check\n tcp-check connect port 443 ssl\n server s 127.0.0.1:443 check\n", true));
	bexpect(DIAG_ERROR, 8, 2, msg);
	ck_assert_ptr_null(bload(BBE " http-check connect ssl\n server s 127.0.0.1:443\n", true));
	bexpect(DIAG_ERROR, 7, 2, msg);
	c = bload(BBE " option tcp-check\n tcp-check connect ssl\n server s 127.0.0.1:443 check verify none\n"
	          " server t 127.0.0.1:443 check ca-file /dev/null\n", true);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(bd.nerrors, 0);
	cfg_free(c);
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
	tcase_add_test(t, time_options);
	tcase_add_test(t, missing_numbers);
	tcase_add_test(t, tls_checks);
	suite_add_tcase(s, t);
	return s;
}
