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
#undef T
	return s;
}
