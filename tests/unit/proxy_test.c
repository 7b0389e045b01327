/* Proxy keywords (kw_proxy.c, px_settings.c, options.c, kw_stats.c) and
 * the proxies' resolve pass. Expected texts are HAProxy 2.6.12's. */
#include "px_common.h"

START_TEST(mode_kw)
{
	pload(PDEF "frontend f\n mode http\n", false);
	pclean();
	ck_assert_int_eq(ppx("f")->mode, PX_MODE_HTTP);
	ck_assert(ppx("f")->mode_set);
	pload(PDEF "frontend f\n mode http\nbackend b\n mode foo\n", false);
	PERR(8, 7, "unknown proxy mode 'foo'.");
	pload(PDEF "backend b\n mode http tcp\n", false);
	PERR(6, 12, "'mode' cannot handle unexpected argument 'tcp'.");
	pload(PDEF "backend b\n mode health\n", false);
	PERR(6, 7, "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead.");
	pdone();
}
END_TEST

START_TEST(balance_kw)
{
	pload(PDEF "backend b\n balance uri len 10 depth 2 whole path-only\n"
	      "backend c\n balance url_param id check_post\n"
	      "backend d\n balance hdr(Host) use_domain_only\n"
	      "backend e\n balance random(3)\n"
	      "backend g\n balance rdp-cookie\n", false);
	pclean();
	struct px_balance *lb = ppx("b")->lb;
	ck_assert_int_eq(lb->algo, PX_LB_URI);
	ck_assert_int_eq(lb->uri_len, 10);
	ck_assert_int_eq(lb->uri_depth, 2);
	ck_assert(lb->uri_whole && lb->uri_path_only);
	ck_assert_str_eq(ppx("c")->lb->param, "id");
	ck_assert(ppx("c")->lb->check_post);
	ck_assert_str_eq(ppx("d")->lb->hdr, "Host");
	ck_assert(ppx("d")->lb->use_domain_only);
	ck_assert_int_eq(ppx("e")->lb->draws, 3);
	ck_assert_str_eq(ppx("g")->lb->rdp_cookie, "mstshash");

	pload(PDEF "backend b\n balance foo\n balance url_param\n balance random(x)\n"
	      " balance hash\n balance uri foo\n balance hdr()\n balance rdp-cookie()\n"
	      " balance url_param p x\n balance random(0)\n", false);
	PERR(6, 10, "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.");
	PERR(7, 10, "balance url_param requires an URL parameter name.");
	PERR(8, 10, "balance random : unexpected character 'x' after argument.");
	PERR(9, 10, "balance hash requires a sample expression.");
	PERR(10, 14, "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got 'foo').");
	PERR(11, 10, "balance hdr requires an http header field name.");
	PERR(12, 10, "balance rdp-cookie : missing cookie name.");
	PERR(13, 22, "balance url_param only accepts 'check_post' modifier (got 'x').");
	PERR(14, 10, "balance random : number of draws must be at least 1.");
	pdone();
}
END_TEST

START_TEST(hash_type_kw)
{
	pload(PDEF "backend b\n hash-type consistent\nbackend c\n hash-type map-based djb2 avalanche\n", false);
	pclean();
	ck_assert_int_eq(ppx("b")->hash_type, PX_HASH_CONSISTENT);
	ck_assert(ppx("b")->hash_avalanche);
	ck_assert_int_eq(ppx("c")->hash_fn, PX_HASH_DJB2);
	ck_assert(ppx("c")->hash_avalanche);
	pload(PDEF "backend b\n hash-type consistent\nbackend c\n hash-type map-based djb2 avalanche\n"
	      "backend d\n hash-type foo\n hash-type consistent foo\n hash-type consistent sdbm x\n"
	      " hash-balance-factor 50\n", false);
	PERR(10, 12, "'hash-type' only supports 'consistent' and 'map-based'.");
	PERR(11, 23, "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.");
	PERR(12, 28, "'hash-type' only supports 'avalanche' as a modifier for hash functions.");
	PERR(13, 22, "'hash-balance-factor' must be 0 or greater than 100.");
	pdone();
}
END_TEST

START_TEST(timeouts)
{
	pload("defaults\n timeout client 5s\n timeout connect 100\n timeout check 1m\n"
	      "frontend f\n timeout http-request 2s\n", false);
	pclean();
	struct cfg_proxy *f = ppx("f");
	ck_assert_uint_eq(f->timeout[PX_TO_CLIENT], 5000); /* from defaults */
	ck_assert_uint_eq(f->timeout[PX_TO_HTTP_REQUEST], 2000);
	ck_assert_int_eq(f->timeout_loc[PX_TO_CLIENT].line, 2);
	pload("defaults\n timeout client 5s\n timeout connect 100\n timeout check 1m\n"
	      "frontend f\n timeout client\n timeout client 1s x\n timeout foo 1s\n"
	      " timeout http-request 2s\n", false);
	PERR(6, 10, "'timeout client' expects an integer value (in milliseconds)");
	PERR(7, 20, "'timeout client' : unexpected extra argument 'x' after value '1s'.");
	PERR(8, 10, "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got 'foo')");
	pdone();
}
END_TEST

START_TEST(limits)
{
	pload(PDEF "listen l\n maxconn 100\n backlog 10\n fullconn 50\n retries 5\n"
	      " retry-on conn-failure\n rate-limit sessions 10\n"
	      " http-reuse always\n", false);
	pclean();
	struct cfg_proxy *l = ppx("l");
	ck_assert_int_eq(l->maxconn, 100);
	ck_assert_int_eq(l->backlog, 10);
	ck_assert_int_eq(l->fullconn, 50);
	ck_assert_int_eq(l->retries, 5);
	ck_assert_uint_eq(l->retry_on, PX_RETRY_CONN_FAILURE);
	ck_assert_int_eq(l->rate_limit_sessions, 10);
	ck_assert_int_eq(l->http_reuse, PX_REUSE_ALWAYS);
	pload(PDEF "listen l\n maxconn\n maxconn 10 x\n retry-on\n retry-on foo\n"
	      " retry-on conn-failure none\n http-reuse x\n rate-limit foo\n rate-limit sessions 1x\n", false);
	PERR(6, 2, "'maxconn' expects an integer argument.");
	PERR(7, 13, "'maxconn' cannot handle unexpected argument 'x'.");
	PERR(8, 2, "'retry-on' needs at least one keyword to specify when to retry");
	PERR(9, 11, "'retry-on': unknown keyword 'foo'");
	PERR(10, 24, "'retry-on' 'none' keyworld only usable alone");
	PERR(11, 13, "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.");
	PERR(12, 13, "'rate-limit' only supports 'sessions' (got 'foo')");
	PERR(13, 22, "'rate-limit sessions' : unexpected character 'x' in integer value '1x'");
	pdone();
}
END_TEST

START_TEST(options_flags_and_negation)
{
	pload("defaults d\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n"
	      " option dontlognull\n option abortonclose\n option http-server-close\n"
	      "listen l from d\n no option dontlognull\n option splice-auto\n"
	      " no option http-server-close\n", false);
	pclean();
	struct cfg_proxy *l = ppx("l");
	ck_assert(!PX_OPT(l, PXO_DONTLOGNULL));
	ck_assert(l->no_opts & (1ull << PXO_DONTLOGNULL));
	ck_assert(PX_OPT(l, PXO_ABORTONCLOSE));
	ck_assert(PX_OPT(l, PXO_SPLICE_AUTO));
	ck_assert_int_eq(l->http_conn, PX_HTTP_KAL);
	ck_assert_int_eq(l->opt_loc[PXO_ABORTONCLOSE].line, 6);

	pload(PDEF "listen l\n no option httpchk\n option httplo\n option\n option foo\n"
	      " default option httpclose\n option dontlognull x\n option forceclose\n", false);
	PERR(6, 2, "negation/default is not supported for option 'httpchk'.");
	PERR(7, 9, "unknown option 'httplo'; did you mean 'httplog' maybe ?");
	PERR(8, 2, "'option' expects an option name.");
	PERR(9, 9, "unknown option 'foo'.");
	PERR(10, 2, "negation/default is not supported for option 'httpclose'.");
	PERR(11, 21, "'option dontlognull' cannot handle unexpected argument 'x'.");
	PERR(12, 9, "option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed.");
	pdone();
}
END_TEST

START_TEST(options_params)
{
	pload(PDEFH "listen l\n option forwardfor except 10.0.0.0/8 header X-Real-IP if-none\n"
	      " option originalto\n option httplog clf\n option redispatch 2\n"
	      " option httpchk GET /health HTTP/1.1\n", false);
	pclean();
	struct cfg_proxy *l = ppx("l");
	ck_assert_str_eq(l->forwardfor->header, "X-Real-IP");
	ck_assert_str_eq(l->forwardfor->except, "10.0.0.0/8");
	ck_assert(l->forwardfor->if_none);
	ck_assert_str_eq(l->originalto->header, "X-Original-To");
	ck_assert_int_eq(l->log_kind, PX_LOG_HTTP_CLF);
	ck_assert_int_eq(l->redispatch_after, 2);
	ck_assert(PX_OPT(l, PXO_REDISPATCH));
	ck_assert_int_eq(l->chk_kind, PX_CHK_HTTP);
	ck_assert_str_eq(l->httpchk->meth, "GET");
	ck_assert_str_eq(l->httpchk->uri, "/health");
	ck_assert_str_eq(l->httpchk->ver, "HTTP/1.1");

	pload(PDEF "listen l\n option forwardfor except 1.2.3.4/33\n option forwardfor foo\n"
	      " option originalto if-none\n option httplog x\n option httpchk a b c d\n"
	      " option http-restrict-req-hdr-names\n", false);
	PERR(6, 27, "'option forwardfor except' expects <address>[/mask] as argument.");
	PERR(7, 20, "'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.");
	PERR(8, 20, "'option originalto' only supports optional values: 'except' and 'header'.");
	PERR(9, 17, "keyword 'httplog' only supports option 'clf'.");
	PERR(10, 23, "'option httpchk' cannot handle unexpected argument 'd'.");
	PERR(11, 2, "'option http-restrict-req-hdr-names' is not supported by sluice: header names are forwarded as received (HAProxy's default 'preserve')");
	pdone();

	/* keywords the engine would not apply are refused, not ignored */
	pload(PDEF "listen l\n retry-on conn-failure 503\n retry-on none\n option persist\n"
	      " option http-ignore-probes\n option prefer-last-server\n", false);
	PERR(6, 24, "'retry-on 503' is not supported by sluice: only connection failures are retried ('retry-on conn-failure', the default)");
	PERR(7, 11, "'retry-on none' is not supported by sluice: only connection failures are retried ('retry-on conn-failure', the default)");
	PERR(8, 2, "'option persist' is not supported by sluice: a request is never sent to a server that is down, even with a persistence cookie");
	PERR(9, 2, "'option http-ignore-probes' is not supported by sluice: connections closed before a request are logged and answered as HAProxy's default does");
	PWARN(10, 2, "'option prefer-last-server' is ignored by sluice: each request picks a server through the load-balancing algorithm");
	pdone();
}
END_TEST

START_TEST(log_formats)
{
	pload("defaults\n option httplog\n log-format %ci\n"
	      "backend b\n log-format %ci\n log-format\n log-format a b\n", false);
	PWARN(3, 2, "'log-format' overrides previous 'option httplog' in 'defaults' section.");
	PWARN(5, 2, "backend 'b' : 'log-format' directive is ignored in backends.");
	PERR(6, 2, "log-format expects an argument.");
	PERR(7, 15, "log-format expects only one argument, don't forget to escape spaces!");
	pload(PDEF "frontend f\n log-tag x\n unique-id-header X-ID\n", false);
	pclean();
	ck_assert_str_eq(ppx("f")->log_tag, "x");
	ck_assert_str_eq(ppx("f")->unique_id_header, "X-ID");
	pload(PDEF "frontend f\n log-tag x\n unique-id-header X-ID\n log-tag\n", false);
	PERR(8, 2, "'log-tag' expects a tag for use in syslog.");
	pdone();
}
END_TEST

START_TEST(errorfiles_kw)
{
	pload(PDEF "frontend f\n errorfile 999 /dev/null\n errorfile 503\n"
	      " errorfile 503 /nonexistent/x\n errorloc 503\n errorloc302 999 http://x\n"
	      " errorloc303 503 http://y/\n errorfiles\n http-error status 999\n"
	      " http-error status 503 content-type text/plain string oops\n", false);
	PERR(6, 12, "errorfile : status code '999' not handled.");
	PERR(7, 12, "errorfile : expects <status_code> and <file> as arguments.");
	PERR(8, 16, "errorfile : error opening file '/nonexistent/x'.");
	PERR(9, 11, "errorloc : expects <status_code> and <url> as arguments.");
	PERR(10, 14, "errorloc302 : status code '999' not handled.");
	PERR(12, 2, "errorfiles : expects <name> as argument.");
	PERR(13, 20, "http-error : Unexpected status code '999'");
	pload(PDEF "frontend f\n errorloc303 503 http://y/\n"
	      " http-error status 503 content-type text/plain string oops\n", false);
	pclean();
	struct cfg_proxy *f = ppx("f");
	ck_assert_int_eq((int)f->errmsgs.n, 1);
	ck_assert_int_eq(f->errmsgs.v[0]->kind, PX_ERR_LOC303);
	ck_assert_int_eq((int)f->http_errors.n, 1);
	ck_assert_int_eq(f->http_errors.v[0]->reply->kind, PX_PL_STRING);
	pdone();
}
END_TEST

START_TEST(captures_cookie_misc)
{
	pload(PDEFH "frontend f\n capture request header Host len 20\n capture response header Server len 10\n"
	      " capture cookie SID len 32\n declare capture request len 8\n"
	      " monitor-uri /alive\n description a b  c\n id 42\n disabled\n enabled\n"
	      "backend b\n cookie SRV insert indirect nocache domain .a.com domain .b.com maxidle 1h attr SameSite=Lax\n", false);
	pclean();
	struct cfg_proxy *f = ppx("f");
	ck_assert_int_eq((int)f->req_caps.n, 2);
	ck_assert_str_eq(f->req_caps.v[0]->header, "Host");
	ck_assert_ptr_null(f->req_caps.v[1]->header);
	ck_assert_int_eq((int)f->res_caps.n, 1);
	ck_assert_str_eq(f->capture_cookie, "SID");
	ck_assert_str_eq(f->monitor_uri, "/alive");
	ck_assert_str_eq(f->description, "a b c");
	ck_assert_int_eq(f->id, 42);
	ck_assert(!f->disabled);
	struct px_cookie *c = ppx("b")->cookie;
	ck_assert_uint_eq(c->opts, PX_CK_INSERT | PX_CK_INDIRECT | PX_CK_NOCACHE);
	ck_assert_str_eq(c->domain, ".a.com; domain=.b.com");
	ck_assert_uint_eq(c->maxidle, 3600);
	ck_assert_str_eq(c->attrs, "SameSite=Lax");

	pload(PDEF "frontend f\n capture foo\n declare capture foo len 1\n declare capture request len x\n"
	      " monitor foo\n monitor fail\n id 0\n"
	      "backend b\n cookie\n cookie S foo\n cookie S rewrite indirect\n cookie S preserve\n"
	      " cookie S domain x\n cookie S maxidle 1x\n", false);
	PERR(6, 10, "'capture' expects 'cookie' or 'request header' or 'response header'.");
	PERR(7, 18, "'declare capture' requires a direction ('request' or 'response')");
	PERR(8, 30, "'declare capture': cannot parse the length 'x'.");
	PERR(9, 10, "'monitor' only supports 'fail'.");
	PERR(10, 10, "'monitor fail' requires either 'if' or 'unless' followed by a condition.");
	PERR(11, 5, "custom id has to be > 0.");
	PERR(13, 2, "'cookie' expects <cookie_name> as argument.");
	PERR(14, 11, "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.");
	PERR(15, 2, "cookie 'rewrite' and 'indirect' modes are incompatible.");
	PERR(16, 2, "cookie 'preserve' requires at least 'insert' or 'indirect'.");
	PWARN(17, 18, "domain 'x' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3).");
	PERR(18, 19, "unexpected character 'x' in argument to <maxidle>.");
	pdone();
}
END_TEST

START_TEST(stats_kw)
{
	pload(PDEFH "listen st\n stats enable\n stats uri /stats\n stats realm Hi\n stats auth a:b\n"
	      " stats refresh 10s\n stats admin if TRUE\n stats hide-version\n stats show-node n1\n", false);
	pclean();
	struct px_stats *s = ppx("st")->stats;
	ck_assert(s->enabled);
	ck_assert_str_eq(s->uri, "/stats");
	ck_assert_str_eq(s->realm, "Hi");
	ck_assert_str_eq(s->auth.v[0], "a:b");
	ck_assert_uint_eq(s->refresh, 10);
	ck_assert_int_eq((int)s->admin.n, 1);
	ck_assert_uint_eq(s->flags, PX_STATS_HIDEVER | PX_STATS_SHNODE);
	pload("defaults\n stats admin if TRUE\nlisten l\n stats foo\n stats\n stats uri\n"
	      " stats admin\n", false);
	PERR(2, 2, "'stats admin' not allowed in 'defaults' section.");
	PERR(4, 8, "unknown stats parameter 'foo', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.");
	PERR(5, 2, "missing keyword in 'stats', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.");
	PERR(6, 8, "'uri' needs an URI prefix.");
	PERR(7, 8, "'stats admin' requires either 'if' or 'unless' followed by a condition.");
	pdone();
}
END_TEST

START_TEST(unsupported_rows)
{
	pload(PDEF "backend b\n stick-table type ip size 1m\n option mysql-check\n compression algo gzip\n", false);
	ck_assert_int_eq(pd.nerrors, 2);
	ck_assert_int_eq(pd.nwarnings, 1);
	pdone();
}
END_TEST

START_TEST(resolve_backends)
{
	pload(PDEFH "frontend f\n default_backend nob\n use_backend nosuch if TRUE\n"
	      "frontend g\n default_backend g\n", true);
	PERR(7, 18, "Proxy 'f': unable to find required default_backend: 'nob'.");
	PERR(8, 14, "Proxy 'f': unable to find required use_backend: 'nosuch'.");
	/* a frontend and a backend may share a name: only another backend counts */
	pload(PDEF "frontend f\n mode http\n default_backend b\n use_backend b if TRUE\n"
	      "frontend t\n default_backend h\n"
	      "backend b\n server s 127.0.0.1:80\n"
	      "backend h\n mode http\n server s 127.0.0.1:80\n", true);
	PERR(7, 18, "http frontend 'f' (t.cfg:5) tries to use incompatible tcp backend 'b' (t.cfg:11) as its default backend (see 'mode').");
	PERR(8, 14, "http frontend 'f' (t.cfg:5) tries to use incompatible tcp backend 'b' (t.cfg:11) in a 'use_backend' rule (see 'mode').");
	ck_assert_int_eq(pd.nerrors, 2); /* tcp frontend t -> http backend h is fine */
	pload(PDEF "frontend t\n default_backend h\n"
	      "backend h\n mode http\n server s 127.0.0.1:80\n", true);
	pclean();
	ck_assert_ptr_eq(ppx("t")->default_be, ppx("h"));
	pload(PDEF "backend b\n server s 127.0.0.1:80\n use-server x if TRUE\n use-server s if TRUE\n", true);
	PERR(7, 13, "backend 'b' : unable to find server 'x' referenced in a 'use-server' rule.");
	ck_assert_int_eq(pd.nerrors, 1);
	pdone();
}
END_TEST

START_TEST(resolve_warnings)
{
	pload("frontend f\n bind 127.0.0.1:1\nbackend b\n timeout connect 1s\n server s 127.0.0.1:80\n"
	      "backend e\n", true);
	PWARN(1, 1, "missing timeouts for frontend 'f'. While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'.");
	PWARN(3, 1, "missing timeouts for backend 'b'. While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'.");
	ck_assert_int_eq(pd.nwarnings, 2); /* e: no servers, no warning */
	pload(PDEF "frontend f\n option httplog\n option forwardfor\n option http-buffer-request\n"
	      " monitor-uri /x\n http-request deny\n stats enable\n"
	      "backend b\n cookie S insert\n balance uri\n server s 127.0.0.1:80\n"
	      " http-check expect status 200\n option ssl-hello-chk\n", true);
	PWARN(6, 2, "'option httplog' not usable with frontend 'f' (needs 'mode http'). Falling back to 'option tcplog'.");
	PWARN(7, 2, "'option forwardfor' ignored for frontend 'f' as it requires HTTP mode.");
	PWARN(8, 2, "'option http-buffer-request' ignored for frontend 'f' as it requires HTTP mode.");
	PWARN(9, 2, "monitor-uri will be ignored for frontend 'f' (needs 'mode http').");
	PWARN(10, 2, "'http-request' rules ignored for frontend 'f' as they require HTTP mode.");
	PWARN(11, 2, "'stats' statement ignored for frontend 'f' as it requires HTTP mode.");
	PWARN(13, 2, "cookie will be ignored for backend 'b' (needs 'mode http').");
	PWARN(14, 2, "Layer 7 hash not possible for backend 'b' (needs 'mode http'). Falling back to round robin.");
	PWARN(16, 2, "backend 'b' uses http-check rules without 'option httpchk', so the rules are ignored.");
	PWARN(17, 2, "'option ssl-hello-chk': HAProxy sends a forged SSLv3 ClientHello that current TLS servers reject; sluice sends a real TLS ClientHello and only checks that a ServerHello comes back; prefer 'check-ssl' (a full handshake, with 'check-sni') on the servers.");
	ck_assert_int_eq(ppx("f")->log_kind, PX_LOG_TCP);
	pdone();
}
END_TEST

START_TEST(resolve_footguns)
{
	pload(PDEF "frontend f\n bind 127.0.0.1:1\n use_backend b if { req.ssl_sni -i a }\n"
	      "frontend g\n bind 127.0.0.1:2\n tcp-request inspect-delay 5s\n default_backend b\n"
	      "frontend h\n bind 127.0.0.1:3\n tcp-request inspect-delay 5s\n"
	      " tcp-request content accept if { req.ssl_hello_type 1 }\n use_backend b if { req.ssl_sni -i a }\n"
	      "backend b\n server s 127.0.0.1:80\n", true);
	PWARN(7, 2, "frontend 'f' inspects the request payload (req.ssl_*, req.payload, req.len) without 'tcp-request inspect-delay': rules only see what is already received when the connection is accepted, usually nothing, so they will not match.");
	PWARN(10, 2, "'tcp-request inspect-delay' in frontend 'g' has no 'tcp-request content' rule: without e.g. 'tcp-request content accept if { req.ssl_hello_type 1 }' HAProxy does not wait and only routes correctly while the ClientHello fits in the first packet.");
	ck_assert_int_eq(pd.nwarnings, 2); /* h is right */
	pdone();
}
END_TEST

/* Review fixes: "balance" alone, atoi()-lenient numbers, times in
 * seconds; texts checked against haproxy -c 2.6.12. */
START_TEST(balance_default_and_exact_names)
{
	pload(PDEF "backend b\n balance leastconn\n balance\n server s 127.0.0.1:1\n", false);
	pclean();
	ck_assert_int_eq(ppx("b")->lb->algo, PX_LB_ROUNDROBIN);
	pload(PDEF "backend b\n balance roundrobinx\n", false);
	PERR(6, 10, "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.");
	pload(PDEF "backend b\n balance hashx req.hdr(a)\n", false);
	PERR(6, 10, "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.");
	pdone();
}
END_TEST

START_TEST(lenient_numbers)
{
	pload(PDEF "backend b\n balance uri len 5x\n hash-balance-factor 150x\n retries 3x\n"
	      " errorloc 503x http://a/\n id 7x\nfrontend f\n maxconn x\n", false);
	ck_assert_ptr_nonnull(pcfg);
	PWARN(6, 18, "'len' : '5x' is not a number: read as 5, as HAProxy does");
	PWARN(7, 22, "'hash-balance-factor' : '150x' is not a number: read as 150, as HAProxy does");
	PWARN(8, 10, "'retries' : '3x' is not a number: read as 3, as HAProxy does");
	PWARN(9, 11, "'errorloc' : '503x' is not a number: read as 503, as HAProxy does");
	PWARN(10, 5, "'id' : '7x' is not a number: read as 7, as HAProxy does");
	PWARN(12, 10, "'maxconn' : 'x' is not a number: read as 0, as HAProxy does");
	struct cfg_proxy *b = ppx("b");
	ck_assert_int_eq((int)b->lb->uri_len, 5);
	ck_assert_int_eq(b->hash_balance_factor, 150);
	ck_assert_int_eq((int)b->retries, 3);
	ck_assert_int_eq(b->id, 7);
	pload(PDEF "backend b\n balance uri len x\n hash-balance-factor 50x\n id x\n", false);
	PERR(6, 18, "balance uri : 'len' expects a positive integer (got 'x').");
	PERR(7, 22, "'hash-balance-factor' must be 0 or greater than 100.");
	PERR(8, 5, "custom id has to be > 0.");
	pdone();
}
END_TEST

START_TEST(times_in_seconds)
{
	pload(PDEFH "backend b\n cookie S insert maxidle 1m30s maxlife 30d\n stats refresh 30d\n", false);
	ck_assert_ptr_nonnull(pcfg);
	PWARN(7, 26, "unexpected character '3' after the timer value '1m30s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.");
	ck_assert_int_eq(pd.nwarnings, 1);
	struct cfg_proxy *b = ppx("b");
	ck_assert_uint_eq(b->cookie->maxidle, 60);
	ck_assert_uint_eq(b->cookie->maxlife, 2592000);
	ck_assert_uint_eq(b->stats->refresh, 2592000);
	pload(PDEFH "backend b\n cookie S insert maxidle 500ms\n", false);
	pclean();
	ck_assert_uint_eq(ppx("b")->cookie->maxidle, 1); /* rounds up */
	pload(PDEFH "backend b\n cookie S insert maxlife 24856d\n stats refresh 24856d\n stats refresh 10x\n", false);
	PERR(7, 26, "timer overflow in argument <24856d> to <maxlife>, maximum value is 2147483647 s (~68 years).");
	PERR(8, 16, "timer overflow in argument <24856d> to stats refresh interval, maximum value is 2147483647 s (~68 years).");
	PERR(9, 18, "unexpected character 'x' in argument to stats refresh interval.");
	pdone();
}
END_TEST

START_TEST(default_backend_is_a_name)
{
	/* 2.6 has no dynamic default_backend: "%[...]" names no backend */
	pload(PDEFH "frontend f\n default_backend %[req.hdr(host)]\nbackend b\n", true);
	PERR(7, 18, "Proxy 'f': unable to find required default_backend: '%[req.hdr(host)]'.");
	pdone();
}
END_TEST

Suite *suite_proxy(void);
Suite *
suite_proxy(void)
{
	Suite *s = suite_create("proxy");
#define T(fn) do { TCase *t = tcase_create(#fn); tcase_add_test(t, fn); suite_add_tcase(s, t); } while (0)
	T(mode_kw);
	T(balance_kw);
	T(hash_type_kw);
	T(timeouts);
	T(limits);
	T(options_flags_and_negation);
	T(options_params);
	T(log_formats);
	T(errorfiles_kw);
	T(captures_cookie_misc);
	T(stats_kw);
	T(unsupported_rows);
	T(resolve_backends);
	T(resolve_warnings);
	T(resolve_footguns);
	T(balance_default_and_exact_names);
	T(lenient_numbers);
	T(times_in_seconds);
	T(default_backend_is_a_name);
#undef T
	return s;
}
