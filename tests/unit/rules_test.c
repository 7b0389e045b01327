/* Rule keywords and actions (rules.c, actions.c): exact HAProxy 2.6.12
 * texts, the model they fill, inheritance of rules from named defaults. */
#include "px_common.h"

START_TEST(unknown_actions)
{
	pload(PDEF "frontend f\n http-request frob\n http-request\n http-response frob\n"
	      " tcp-request connection frob\n tcp-request frob\n tcp-request inspect-delay\n"
	      " http-after-response frob\n", false);
	PERR(6, 15, "'http-request' expects 'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset', but got 'frob'.");
	PERR(7, 2, "'http-request' expects 'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset', but got '' (missing argument).");
	PERR(8, 16, "'http-response' expects 'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop', but got 'frob'.");
	PERR(9, 25, "'tcp-request connection' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop' in frontend 'f' (got 'frob').");
	PERR(10, 14, "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in frontend 'f' (got 'frob')");
	PERR(11, 14, "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f'");
	PERR(12, 22, "'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got 'frob'.");
	pdone();
}
END_TEST

START_TEST(action_args)
{
	pload(PDEFH "frontend f\n http-request set-header\n http-request set-header X\n"
	      " http-request deny foo\n http-request capture req.hdr(host) len x\n"
	      " http-request set-var(txn.x)\n tcp-request session capture src len 4\n"
	      " http-request track-sc0 src\n", false);
	PERR(7, 15, "error detected in frontend 'f' while parsing 'http-request set-header' rule : expects exactly 2 arguments.");
	PERR(8, 26, "error detected in frontend 'f' while parsing 'http-request set-header' rule : expects exactly 2 arguments.");
	PERR(11, 15, "error detected in frontend 'f' while parsing 'http-request set-var(txn.x)' rule : missing fetch method.");
	PERR(12, 22, "'capture src' is not allowed in 'tcp-request session' rules in frontend 'f'");
	PERR(13, 15, "'http-request track-sc0' is not supported by sluice: stick tables not supported yet");
	pdone();
}
END_TEST

START_TEST(action_model)
{
	pload(PDEFH "frontend f\n tcp-request content accept\n"
	      " tcp-request inspect-delay 2s\n"
	      " http-request set-header X-Fwd %[src] if TRUE\n"
	      " http-request del-header X-A -m beg\n"
	      " http-request replace-path ^/old(.*) /new\\1\n"
	      " http-request return status 404 content-type text/plain string nope hdr X-R 1 if FALSE\n"
	      " http-request redirect location /x code 301 if FALSE\n"
	      " http-request set-var(txn.host) req.hdr(host)\n"
	      " http-request capture req.hdr(host) len 20\n"
	      " http-response set-status 503 reason Busy\n", false);
	pclean();
	struct cfg_proxy *f = ppx("f");
	ck_assert_int_eq((int)f->http_req.n, 7);
	struct px_rule *r = f->http_req.v[0];
	ck_assert_int_eq(r->act, PX_ACT_SET_HEADER);
	ck_assert_str_eq(r->arg, "X-Fwd");
	ck_assert_ptr_nonnull(r->cond);
	ck_assert_int_eq(r->loc.line, 9);
	ck_assert_int_eq(f->http_req.v[1]->match, 1);
	ck_assert_str_eq(f->http_req.v[2]->re_text, "^/old(.*)");
	r = f->http_req.v[3];
	ck_assert(r->final);
	ck_assert_int_eq(r->reply->status, 404);
	ck_assert_int_eq(r->reply->kind, PX_PL_STRING);
	ck_assert_str_eq(r->reply->arg, "nope");
	ck_assert_int_eq((int)r->reply->hdrs.n, 1);
	ck_assert_int_eq(f->http_req.v[4]->redir->code, 301);
	ck_assert_str_eq(f->http_req.v[5]->arg, "txn.host");
	ck_assert_int_eq(f->http_req.v[6]->ival, 20);
	ck_assert_int_eq(f->http_res.v[0]->status, 503);
	ck_assert_str_eq(f->http_res.v[0]->reason, "Busy");
	ck_assert_int_eq((int)f->tcp_req_cont.n, 1);
	ck_assert_uint_eq(f->tcp_req_inspect_delay, 2000);
	pdone();
}
END_TEST

START_TEST(switching_rules)
{
	pload(PDEF "frontend f\n use_backend\n use_backend b foo\n use-server\n"
	      "backend b\n use-server s\n", false);
	PERR(6, 2, "'use_backend' expects a backend name.");
	PERR(7, 16, "unexpected keyword 'foo' after switching rule, only 'if' and 'unless' are allowed.");
	PERR(10, 13, "'use-server' requires either 'if' or 'unless' followed by a condition.");
	pload(PDEF "frontend f\n use_backend b if TRUE\n use_backend be_%[req.hdr(host)]\n"
	      "backend b\n", false);
	pclean();
	struct cfg_proxy *f = ppx("f");
	ck_assert_int_eq((int)f->use_backends.n, 2);
	ck_assert_ptr_null(f->use_backends.v[0]->dyn);
	ck_assert_ptr_nonnull(f->use_backends.v[1]->dyn);
	pdone();
}
END_TEST

START_TEST(ordering_warnings)
{
	pload(PDEFH "frontend f\n use_backend b if TRUE\n http-request deny\n http-request allow\n"
	      " redirect location /x\n tcp-request content accept\n"
	      "backend b\n", false);
	PWARN(8, 2, "a 'http-request' rule placed after a 'use_backend' rule will still be processed before.");
	PWARN(9, 2, "previous 'http-request' action is final and has no condition attached, further entries are NOOP.");
	PWARN(10, 2, "a 'redirect' rule placed after a 'use_backend' rule will still be processed before.");
	PWARN(11, 2, "a 'tcp-request' rule placed after an 'http-request' rule will still be processed before.");
	pdone();
}
END_TEST

START_TEST(anonymous_defaults)
{
	pload("defaults\n http-request deny\n tcp-request content accept\n tcp-request inspect-delay 1s\n"
	      " tcp-response inspect-delay 1s\n http-check expect status 200\n timeout client 1s\n", false);
	PERR(2, 2, "'http-request' not allowed in anonymous 'defaults' section.");
	PERR(3, 2, "tcp-request content is not allowed in anonymous 'defaults' sections");
	PERR(4, 2, "tcp-request inspect-delay is not allowed in anonymous 'defaults' sections");
	PERR(5, 2, "tcp-response inspect-delay is only allowed in 'backend' sections or 'defaults' section with a name");
	ck_assert_int_eq(pd.nerrors, 4);
	pdone();
}
END_TEST

/* Rules of a named defaults come first; "from" picks the section. */
START_TEST(named_defaults_rules)
{
	pload("defaults d\n mode http\n timeout client 1s\n http-request set-header X-Def 1\n"
	      "defaults e\n mode http\n timeout client 1s\n"
	      "frontend f from d\n http-request set-header X-Own 1\n"
	      "frontend g from e\n http-request set-header X-G 1\n", false);
	pclean();
	struct cfg_proxy *f = ppx("f");
	ck_assert_int_eq((int)f->http_req.n, 2);
	ck_assert_str_eq(f->http_req.v[0]->arg, "X-Def");
	ck_assert_int_eq(f->http_req.v[0]->loc.line, 4);
	ck_assert_str_eq(f->http_req.v[1]->arg, "X-Own");
	ck_assert_int_eq((int)ppx("g")->http_req.n, 1);
	pdone();
}
END_TEST

Suite *suite_rules(void);
/* Review fixes: action texts and atoi()-lenient numbers (haproxy -c
 * 2.6.12); a listen is a "proxy" in HAProxy's messages. */
START_TEST(action_numbers_and_times)
{
	pload(PDEFH "listen l\n http-response set-status 404x\n http-request set-mark 1xy\n"
	      " http-request redirect location / code x\n http-request set-timeout server 0\n"
	      " http-request set-timeout server req.hdr(a),foo\n http-request wait-for-body time 30d\n"
	      " tcp-request inspect-delay 10x\n http-error status x\n"
	      " http-request capture req.hdr(a) id 0x\n", false);
	PERR(7, 27, "error detected in proxy 'l' while parsing 'http-response set-status' rule : expects an integer status code between 100 and 999.");
	PERR(8, 24, "error detected in proxy 'l' while parsing 'http-request set-mark' rule : invalid character starting at 'xy' (integer/hex value expected).");
	PERR(9, 40, "error detected in proxy 'l' while parsing 'http-request redirect' rule : 'code': unsupported HTTP code 'x' (must be one of 301, 302, 303, 307 or 308).");
	PERR(10, 34, "error detected in proxy 'l' while parsing 'http-request set-timeout' rule : null value is not valid for a 'set-timeout server' rule.");
	PERR(11, 34, "error detected in proxy 'l' while parsing 'http-request set-timeout' rule : unexpected character 'r' in rule 'set-timeout server'.");
	PERR(12, 34, "error detected in proxy 'l' while parsing 'http-request wait-for-body' rule : time overflow (maximum value is 2147483647 ms or ~24.8 days).");
	PERR(13, 30, "'tcp-request inspect-delay' expects a positive delay in milliseconds, in proxy 'l' (unexpected character 'x')");
	PERR(14, 20, "http-error : Unexpected status code '0'");
	PERR(15, 37, "error detected in proxy 'l' while parsing 'http-request capture' rule : cannot parse id '0x'.");
	ck_assert_int_eq(pd.nerrors, 9);

	pload(PDEFH "frontend f\n http-request deny deny_status 403x if FALSE\n"
	      " http-request redirect location / code 301x if FALSE\n"
	      " http-request capture req.hdr(a) len 5x\n http-request set-nice 1x\n", false);
	ck_assert_ptr_nonnull(pcfg);
	PWARN(7, 32, "'deny_status' : '403x' is not a number: read as 403, as HAProxy does");
	PWARN(8, 40, "'code' : '301x' is not a number: read as 301, as HAProxy does");
	PWARN(9, 38, "'capture len' : '5x' is not a number: read as 5, as HAProxy does");
	PWARN(10, 24, "'set-nice' : '1x' is not a number: read as 1, as HAProxy does");
	pdone();
	pload(PDEFH "backend b\n http-request set-timeout server 1m30s\n"
	      " http-request set-timeout tunnel req.hdr(a),word(1,:),add(1)\n", false);
	PWARN(7, 34, "unexpected character '3' after the timer value '1m30s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.");
	struct cfg_proxy *b = ppx("b");
	ck_assert_uint_eq(b->http_req.v[0]->ms, 60000);
	ck_assert_ptr_nonnull(b->http_req.v[1]->expr);
	pdone();
}
END_TEST

START_TEST(capture_ids)
{
	pload(PDEFH "frontend f\n declare capture request len 8\n"
	      " http-request capture req.hdr(a) id 0\n http-request capture req.hdr(a) id 1\n"
	      " http-response capture res.hdr(a) id 0\n http-after-response capture res.hdr(a) id 2\n"
	      " http-request capture req.hdr(a) id -1\n"
	      " http-request set-var(txn.a) req.hdr(a),capture-req(3)\n default_backend b\n"
	      "backend b\n server s 127.0.0.1:1\n http-request capture req.hdr(a) id 5\n", true);
	PERR(9, 2, "Proxy 'f': unable to find capture id '1' referenced by http-request capture rule.");
	PERR(10, 2, "Proxy 'f': unable to find capture id '0' referenced by http-response capture rule.");
	PERR(11, 2, "Proxy 'f': unable to find capture id '2' referenced by http-response capture rule.");
	PWARN(12, 37, "capture id '-1' matches no capture slot: this rule never captures anything.");
	/* HAProxy does not check converter ids: a warning only */
	PWARN(13, 30, "converter 'capture-req' uses capture id '3' but frontend 'f' declares no such request capture slot: it never returns anything.");
	ck_assert_int_eq(pd.nerrors, 3);
	/* "len" captures add slots */
	pload(PDEFH "frontend f\n http-request capture req.hdr(a) len 4\n tcp-request content capture src len 4\n"
	      " http-request capture req.hdr(b) id 1\n default_backend b\nbackend b\n", true);
	ck_assert_int_eq(pd.nerrors, 0);
	pdone();
}
END_TEST

START_TEST(expression_references)
{
	pload(PDEFH "frontend f\n acl a nbsrv(nosuch) lt 1\n http-request deny if a\n"
	      " http-request set-var(txn.x) srv_is_up(b/nosrv)\n"
	      " http-request set-header X %[be_conn(nobe)]\n use_backend %[be_conn(nobe2)]\n"
	      " tcp-request content reject if { fe_conn(nofe) gt 1 }\n default_backend b\n"
	      "backend b\n server s 127.0.0.1:1\n http-request set-var(txn.a) srv_is_up()\n"
	      " http-request set-var(txn.b) srv_is_up(s)\n http-request set-var(txn.c) be_conn(b)\n"
	      " http-request set-var(txn.d) fe_conn(f)\n", true);
	PERR(7, 8, "unable to find backend 'nosuch' referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'f'.");
	PERR(9, 30, "unable to find server 'nosrv' in proxy 'b', referenced in arg 1 of sample fetch keyword 'srv_is_up' in http-request expression in proxy 'f'.");
	PERR(10, 30, "unable to find backend 'nobe' referenced in arg 1 of sample fetch keyword 'be_conn' in http-request expression in proxy 'f'.");
	PERR(11, 16, "unable to find backend 'nobe2' referenced in arg 1 of sample fetch keyword 'be_conn' in use_backend expression in proxy 'f'.");
	PERR(12, 34, "unable to find frontend 'nofe' referenced in arg 1 of ACL keyword 'fe_conn' in proxy 'f'.");
	PERR(16, 30, "missing server name in arg 1 of sample fetch keyword 'srv_is_up' in http-request expression in proxy 'b'.");
	ck_assert_int_eq(pd.nerrors, 6);
	/* the lines of a named defaults are checked once, in the defaults */
	pload("defaults d\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n"
	      " http-request set-var(txn.a) be_conn(zz)\nfrontend f from d\nfrontend f2 from d\n", true);
	PERR(6, 30, "unable to find backend 'zz' referenced in arg 1 of sample fetch keyword 'be_conn' in http-request expression in proxy 'd'.");
	ck_assert_int_eq(pd.nerrors, 1);
	/* empty names: the current proxy must have the capability */
	pload(PDEFH "frontend f\n http-request set-var(txn.a) be_conn()\n default_backend b\n"
	      "backend b\n http-response set-var(txn.a) fe_conn()\n", true);
	PERR(7, 30, "proxy 'f', referenced in arg 1 of sample fetch keyword 'be_conn' in http-request expression in proxy 'f', has not backend capability.");
	PERR(10, 31, "proxy 'b', referenced in arg 1 of sample fetch keyword 'fe_conn' in http-response response in proxy 'b', has not frontend capability.");
	pdone();
}
END_TEST

/* http_parse_http_reply() texts, as actions and as http-error (haproxy
 * -c 2.6.12). */
START_TEST(reply_payloads)
{
	pload(PDEFH "backend b\n http-request return status 200 string x\n"
	      " http-request return status 200 lf-string x\n"
	      " http-request return content-type t string x lf-string y\n"
	      " http-request deny default-errorfiles string x\n http-request return string\n"
	      " http-error status 500 string x\n http-error status\n http-error status 500 foo\n"
	      " http-error status 500 content-type\n http-request return status 200 file /dev/null\n"
	      " errorfile 503 /dev/null\n", false);
	PERR(7, 2, "error detected in backend 'b' while parsing 'http-request return' rule : a content type must be defined when non-empty payload is configured.");
	PERR(8, 2, "error detected in backend 'b' while parsing 'http-request return' rule : a content type must be defined with a log-format payload.");
	PERR(9, 46, "error detected in backend 'b' while parsing 'http-request return' rule : unexpected 'lf-string' argument, 'string' already defined.");
	PERR(10, 39, "error detected in backend 'b' while parsing 'http-request deny' rule : unexpected 'string' argument, 'default-errorfiles' already defined.");
	PERR(11, 22, "error detected in backend 'b' while parsing 'http-request return' rule : 'string' expects <str> as argument.");
	PERR(12, 2, "http-error : a content type must be defined when non-empty payload is configured");
	PERR(13, 13, "http-error : 'status' expects <status_code> as argument");
	PERR(14, 24, "http-error : unknown keyword 'foo'.");
	PERR(15, 24, "http-error : 'content-type' expects <ctype> as argument");
	ck_assert_int_eq(pd.nerrors, 9); /* empty files are valid payloads */
	pdone();
}
END_TEST

Suite *
suite_rules(void)
{
	Suite *s = suite_create("rules");
#define T(fn) do { TCase *t = tcase_create(#fn); tcase_add_test(t, fn); suite_add_tcase(s, t); } while (0)
	T(unknown_actions);
	T(action_args);
	T(action_model);
	T(switching_rules);
	T(ordering_warnings);
	T(anonymous_defaults);
	T(named_defaults_rules);
	T(action_numbers_and_times);
	T(capture_ids);
	T(expression_references);
	T(reply_payloads);
#undef T
	return s;
}
