/* The global section (parser/global.c) and log lines (parser/logtarget.c). */
#include "b_common.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "parser/logtarget.h"
#include "parser/proxy.h"

START_TEST(values)
{
	struct cfg *c = bload("global\n maxconn 1000\n nbthread 4\n daemon\n master-worker no-exit-on-failure\n"
	                      " pidfile /run/x.pid\n hard-stop-after 30s\n tune.bufsize 32768\n"
	                      " tune.ssl.lifetime 60\n ssl-server-verify none\n spread-checks 5\n"
	                      " ca-base /etc/ssl/\n description a  b c\n node n-1.x\n"
	                      " ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets\n"
	                      " ssl-default-bind-ciphers ECDHE\n", true);
	bclean(c);
	struct cfg_global *g = c->global;
	ck_assert_int_eq(g->maxconn, 1000);
	ck_assert_int_eq(g->nbthread, 4);
	ck_assert(g->daemon && g->master_worker && g->mworker_no_exit_on_failure);
	ck_assert_str_eq(g->pidfile, "/run/x.pid");
	ck_assert_uint_eq(g->hard_stop_after, 30000);
	ck_assert_int_eq(g->tune_bufsize, 32768);
	ck_assert_uint_eq(g->tune_ssl_lifetime, 60);
	ck_assert(g->ssl_server_verify_none);
	ck_assert_int_eq(g->spread_checks, 5);
	ck_assert_str_eq(g->ca_base, "/etc/ssl");
	ck_assert_str_eq(g->description, "a b c");
	ck_assert_int_eq(g->ssl_bind_opts.min_ver, SSLO_VER_TLS12);
	ck_assert(g->ssl_bind_opts.no_tls_tickets);
	ck_assert_str_eq(g->ssl_bind_ciphers, "ECDHE");
	cfg_free(c);
}
END_TEST

START_TEST(errors)
{
	ck_assert_ptr_null(bload("global\n maxconn\n", false));
	bexpect(DIAG_ERROR, 2, 2, "'maxconn' expects an integer argument.");
	ck_assert_ptr_null(bload("global\n maxconn 10 20\n", false));
	bexpect(DIAG_ERROR, 2, 13, "'maxconn' cannot handle unexpected argument '20'.");
	ck_assert_ptr_null(bload("global\n nbthread 0\n", false));
	bexpect(DIAG_ERROR, 2, 11, "'nbthread' value must be between 1 and 64 (was 0)");
	ck_assert_ptr_null(bload("global\n nbthread x\n", false));
	bexpect(DIAG_ERROR, 2, 11, "'nbthread' passed a missing or unparsable integer value in 'x'");
	ck_assert_ptr_null(bload("global\n daemon x\n", false));
	bexpect(DIAG_ERROR, 2, 9, "'daemon' cannot handle unexpected argument 'x'.");
	ck_assert_ptr_null(bload("global\n master-worker foo\n", false));
	bexpect(DIAG_ERROR, 2, 16, "'master-worker' only supports 'no-exit-on-failure' option.");
	ck_assert_ptr_null(bload("global\n spread-checks 60\n", false));
	bexpect(DIAG_ERROR, 2, 16, "'spread-checks' needs a positive value in range 0..50.");
	ck_assert_ptr_null(bload("global\n ssl-server-verify foo\n", false));
	bexpect(DIAG_ERROR, 2, 20, "'ssl-server-verify' expects 'none' or 'required' as argument.");
	ck_assert_ptr_null(bload("global\n nbproc 1\n", false));
	bexpect(DIAG_ERROR, 2, 2, "nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.");
	ck_assert_ptr_null(bload("global\n tune.http.maxhdr 0\n", false));
	bexpect(DIAG_ERROR, 2, 19, "'tune.http.maxhdr' expects a numeric value between 1 and 32767");
	ck_assert_ptr_null(bload("global\n ssl-default-bind-options foo\n", false));
	bexpect(DIAG_ERROR, 2, 27, "unknown option 'foo' on global statement 'ssl-default-bind-options'.");
	ck_assert_ptr_null(bload("global\n ssl-default-server-options prefer-client-ciphers\n", false));
	bexpect(DIAG_ERROR, 2, 29, "unknown option 'prefer-client-ciphers' on global statement 'ssl-default-server-options'.");
	ck_assert_ptr_null(bload("global\n ssl-default-bind-options ssl-min-ver TLSv9\n", false));
	bexpect(DIAG_ERROR, 2, 39, "'TLSv9' : unknown ssl/tls version on global statement 'ssl-default-bind-options'.");
	ck_assert_ptr_null(bload("global\n node\n", false));
	bexpect(DIAG_ERROR, 2, 2, "'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_).");
	ck_assert_ptr_null(bload("global\n no daemon\n", false));
	bexpect(DIAG_ERROR, 2, 2, "negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.");
	ck_assert_ptr_null(bload("global\n lua-load x.lua\n", false));
	ck_assert_ptr_null(bload("global\n stats foo\n", false));
	bexpect(DIAG_ERROR, 2, 8, "'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got 'foo')");
	ck_assert_ptr_null(bload("global\n stats maxconn 0\n", false));
	bexpect(DIAG_ERROR, 2, 16, "'stats maxconn' expects a positive value");
	ck_assert_ptr_null(bload("global\n unsetenv\n", false));
	bexpect(DIAG_ERROR, 2, 2, "'unsetenv' expects at least one variable name.");
}
END_TEST

START_TEST(duplicates_and_quirks)
{
	/* HAProxy: an alert that does not fail the check; the first value stays */
	struct cfg *c = bload("global\n maxconn 10\n maxconn 20\n pidfile a\n pidfile b\n", false);
	ck_assert_ptr_nonnull(c);
	bexpect(DIAG_WARNING, 3, 2, "'maxconn' already specified. Continuing.");
	bexpect(DIAG_WARNING, 5, 2, "'pidfile' already specified. Continuing.");
	ck_assert_int_eq(c->global->maxconn, 10);
	ck_assert_str_eq(c->global->pidfile, "a");
	cfg_free(c);
	/* atol(): HAProxy accepts junk as 0 */
	c = bload("global\n maxconn abc\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->global->maxconn, 0);
	cfg_free(c);
	/* ignored keywords warn */
	c = bload("global\n tune.idle-pool.shared on\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(bd.nwarnings, 1);
	cfg_free(c);
	/* tunables the engine does not apply: a warning each, arguments
	 * still checked */
	c = bload("global\n tune.vars.txn-max-size 1024\n no numa-cpu-mapping\n busy-polling\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(bd.nerrors, 0);
	bexpect(DIAG_WARNING, 2, 2, "'tune.vars.txn-max-size' is ignored by sluice: the size of variables is not limited");
	bexpect(DIAG_WARNING, 3, 5, "'numa-cpu-mapping' is ignored by sluice: threads are not pinned to CPUs: the system scheduler places them");
	bexpect(DIAG_WARNING, 4, 2, "'busy-polling' is ignored by sluice: the event loop sleeps until an event arrives; it never busy-polls");
	cfg_free(c);
	ck_assert_ptr_null(bload("global\n tune.maxaccept 10\n tune.pipesize\n", false));
	bexpect(DIAG_WARNING, 2, 2, "'tune.maxaccept' is ignored by sluice: libevent decides how many connections a listener accepts per wake-up");
	ck_assert_uint_eq(bd.nerrors, 1); /* the missing argument still is one */
	c = bload("global\n zero-warning\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert(c->opts.zero_warning);
	cfg_free(c);
}
END_TEST

START_TEST(environment)
{
	setenv("SLUICE_T_KEEP", "1", 1);
	setenv("SLUICE_T_DROP", "1", 1);
	struct cfg *c = bload("global\n setenv SLUICE_T_A x\n presetenv SLUICE_T_A y\n"
	                      " presetenv SLUICE_T_B z\n unsetenv SLUICE_T_DROP\n"
	                      " log-tag \"${SLUICE_T_A}${SLUICE_T_B}\"\n", false);
	bclean(c);
	ck_assert_str_eq(getenv("SLUICE_T_A"), "x");
	ck_assert_str_eq(getenv("SLUICE_T_B"), "z");
	ck_assert_ptr_null(getenv("SLUICE_T_DROP"));
	ck_assert_str_eq(c->global->log_tag, "xz");
	cfg_free(c);
}
END_TEST

START_TEST(stats_socket)
{
	struct cfg *c = bload("global\n stats socket /tmp/sluice-t.sock mode 600 level admin expose-fd listeners\n"
	                      " stats socket ipv4@127.0.0.1:9999 level user\n stats timeout 30s\n", true);
	bclean(c);
	struct cfg_global *g = c->global;
	ck_assert_uint_eq(g->stats_sockets.n, 2);
	struct cfg_bind *b = g->stats_sockets.v[0];
	ck_assert_int_eq(b->mode, 0600);
	ck_assert_int_eq(b->level, CLI_LEVEL_ADMIN);
	ck_assert(b->expose_fd_listeners);
	ck_assert_int_eq(g->stats_sockets.v[1]->level, CLI_LEVEL_USER);
	ck_assert_uint_eq(g->stats_timeout, 30000);
	cfg_free(c);
	ck_assert_ptr_null(bload("global\n stats socket\n", false));
	bexpect(DIAG_ERROR, 2, 2, "'stats socket' in global section expects an address or a path to a UNIX socket");
	ck_assert_ptr_null(bload("global\n stats socket /tmp/x.sock level foo\n", false));
	bexpect(DIAG_ERROR, 2, 33, "'stats socket' : ''level' only supports 'user', 'operator', and 'admin' (got 'foo')'");
	ck_assert_ptr_null(bload("global\n stats socket /tmp/x.sock frob\n", false));
	bexpect(DIAG_ERROR, 2, 27, "'stats socket' : unknown keyword 'frob'.");
	ck_assert_ptr_null(bload("global\n stats socket 127.0.0.1:abc\n", false));
	bexpect(DIAG_ERROR, 2, 15, "'stats socket' : invalid character 'a' in port number 'abc' in '127.0.0.1:abc'");
}
END_TEST

START_TEST(log_lines)
{
	struct cfg *c = bload("global\n log 127.0.0.1 local0\n log /dev/log len 200 format rfc5424 local1 notice info\n"
	                      " log stdout format raw daemon\n log 127.0.0.1:1514 sample 1-2,5:10 user\n"
	                      BFE " bind :8000\n log global\n log 10.0.0.1:514 local2\n", false);
	bclean(c);
	struct cfg_log_list *gl = c->global->logs;
	ck_assert_uint_eq(gl->v.n, 4);
	ck_assert_uint_eq(gl->v.v[0]->addr.port_lo, 514);
	ck_assert(!gl->v.v[0]->addr.stream);
	ck_assert_int_eq(gl->v.v[0]->facility, 16);
	ck_assert_int_eq(gl->v.v[1]->addr.kind, ADDR_UNIX);
	ck_assert_int_eq(gl->v.v[1]->maxlen, 200);
	ck_assert_int_eq(gl->v.v[1]->format, LOG_FMT_RFC5424);
	ck_assert_int_eq(gl->v.v[1]->level_max, 5);
	ck_assert_int_eq(gl->v.v[1]->level_min, 6);
	ck_assert_int_eq(gl->v.v[2]->addr.kind, ADDR_STDOUT);
	ck_assert_int_eq(gl->v.v[3]->sample_size, 10);
	ck_assert_uint_eq(gl->v.v[3]->nranges, 2);
	struct cfg_proxy *px = c->proxies.v[0];
	ck_assert_ptr_nonnull(px->logs);
	ck_assert(px->logs->global);
	ck_assert_uint_eq(px->logs->v.n, 1);
	cfg_free(c);

	ck_assert_ptr_null(bload("global\n log\n", false));
	bexpect(DIAG_ERROR, 2, 2, "log : expects <address> and <facility>  as arguments");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1 foo\n", false));
	bexpect(DIAG_ERROR, 2, 16, "log : unknown log facility 'foo'");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1 local0 foo\n", false));
	bexpect(DIAG_ERROR, 2, 23, "log : unknown optional log level 'foo'");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1 local0 info foo\n", false));
	bexpect(DIAG_ERROR, 2, 28, "log : unknown optional minimum log level 'foo'");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1 local0 info debug x\n", false));
	bexpect(DIAG_ERROR, 2, 34, "log : cannot handle unexpected argument 'x'");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1 len 10 local0\n", false));
	bexpect(DIAG_ERROR, 2, 20, "log : invalid log length '10', must be between 80 and 65535");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1 format foo local0\n", false));
	bexpect(DIAG_ERROR, 2, 23, "log : unknown log format 'foo'");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1 sample 3:2 local0\n", false));
	bexpect(DIAG_ERROR, 2, 23, "log : sample size 2 should be greater or equal to 3 the maximum of the high ranges limits");
	ck_assert_ptr_null(bload("global\n log global\n", false));
	bexpect(DIAG_ERROR, 2, 6, "log : 'global' is not supported for a global syslog server");
	ck_assert_ptr_null(bload("global\n log 127.0.0.1:abc local0\n", false));
	bexpect(DIAG_ERROR, 2, 6, "log : invalid character 'a' in port number 'abc' in '127.0.0.1:abc'");
	ck_assert_ptr_null(bload("defaults\n no log foo\n", false));
	bexpect(DIAG_ERROR, 2, 9, "log : 'no log' does not expect arguments");
}
END_TEST

START_TEST(no_log_clears_inherited)
{
	struct cfg *c = bload("defaults\n log global\n log 127.0.0.1 local0\n"
	                      "frontend f\n bind :8000\n no log\n"
	                      "frontend g\n bind :8001\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->proxies.v[0]->logs->v.n, 0);
	ck_assert(!c->proxies.v[0]->logs->global);
	ck_assert_uint_eq(c->proxies.v[1]->logs->v.n, 1);
	ck_assert(c->proxies.v[1]->logs->global);
	cfg_free(c);
}
END_TEST

/* Review fixes: time arguments through arg_time_parse(), HAProxy's
 * texts, words HAProxy ignores after a value. */
START_TEST(times)
{
	struct cfg *c = bload("global\n stats timeout 1m30s\n tune.ssl.lifetime 500ms\n"
	                      " grace 1s x\n hard-stop-after 2s\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(bd.nerrors, 0);
	bexpect(DIAG_WARNING, 2, 16, "unexpected character '3' after the timer value '1m30s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.");
	ck_assert_uint_eq(c->global->stats_timeout, 60000);
	ck_assert_uint_eq(c->global->tune_ssl_lifetime, 1); /* rounded up */
	ck_assert_uint_eq(c->global->grace, 1000);
	ck_assert(c->global->hard_stop_after_set);
	cfg_free(c);

	c = bload("global\n tune.ssl.lifetime 1m30s\n stats timeout 10s extra\n stats maxconn 5 x\n"
	          " tune.ssl.lifetime 30d\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(bd.nerrors, 0);
	bexpect(DIAG_WARNING, 2, 20, "unexpected character '3' after the timer value '1m30s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.");
	ck_assert_uint_eq(c->global->stats_timeout, 10000);
	ck_assert_uint_eq(c->global->tune_ssl_lifetime, 2592000); /* beyond 24.8 days in ms */
	cfg_free(c);

	ck_assert_ptr_null(bload("global\n stats timeout 99999999999\n", false));
	bexpect(DIAG_ERROR, 2, 16, "timer overflow in argument '99999999999' to 'stats timeout' (maximum value is 2147483647 ms or ~24.8 days)");
	ck_assert_ptr_null(bload("global\n stats timeout 2x\n", false));
	bexpect(DIAG_ERROR, 2, 16, "'stats timeout' : unexpected character 'x'");
	ck_assert_ptr_null(bload("global\n stats timeout 0\n", false));
	bexpect(DIAG_ERROR, 2, 16, "'stats timeout' expects a positive value");
	ck_assert_ptr_null(bload("global\n tune.ssl.lifetime 2147483648\n", false));
	bexpect(DIAG_ERROR, 2, 20, "timer overflow in argument '2147483648' to <tune.ssl.lifetime> (maximum value is 2147483647 s or ~68 years).");
	ck_assert_ptr_null(bload("global\n tune.ssl.lifetime 2x\n", false));
	bexpect(DIAG_ERROR, 2, 20, "unexpected character 'x' in argument to <tune.ssl.lifetime>.");
	ck_assert_ptr_null(bload("global\n tune.ssl.lifetime 1s x\n", false));
	bexpect(DIAG_ERROR, 2, 23, "'tune.ssl.lifetime' cannot handle unexpected argument 'x'.");
	ck_assert_ptr_null(bload("global\n grace\n", false));
	bexpect(DIAG_ERROR, 2, 2, "'grace' expects <time> as argument.");
	ck_assert_ptr_null(bload("global\n grace 99999999999\n", false));
	bexpect(DIAG_ERROR, 2, 8, "timer overflow in argument '99999999999' to 'grace' (maximum value is 2147483647 ms or ~24.8 days)");
	ck_assert_ptr_null(bload("global\n max-spread-checks\n", false));
	bexpect(DIAG_ERROR, 2, 2, "'max-spread-checks' expects an integer argument (0..50).");
	ck_assert_ptr_null(bload("global\n max-spread-checks 99999999999\n", false));
	bexpect(DIAG_ERROR, 2, 20, "timer overflow in argument <99999999999> to <max-spread-checks>, maximum value is 2147483647 ms (~24.8 days).");
	ck_assert_ptr_null(bload("global\n tune.idletimer 70000\n", false));
	bexpect(DIAG_ERROR, 2, 17, "'tune.idletimer' expects a timer value between 0 and 65535 ms.");
	ck_assert_ptr_null(bload("global\n tune.idletimer 99999999999\n", false));
	bexpect(DIAG_ERROR, 2, 17, "timer overflow in argument <99999999999> to <tune.idletimer>, maximum value is 65535 ms.");
}
END_TEST

START_TEST(extra_words)
{
	/* HAProxy takes these with words after the value */
	struct cfg *c = bload("global\n tune.vars.txn-max-size 10 x\n setenv SLUICE_T_A b x\n"
	                      " default-path current x\n no numa-cpu-mapping x\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(bd.nerrors, 0);
	cfg_free(c);
	unsetenv("SLUICE_T_A");
	ck_assert_ptr_null(bload("global\n ssl-default-bind-options\n", false));
	bexpect(DIAG_ERROR, 2, 2, "global statement 'ssl-default-bind-options' expects an option as an argument.");
	ck_assert_ptr_null(bload("global\n ssl-default-server-options\n", false));
	bexpect(DIAG_ERROR, 2, 2, "global statement 'ssl-default-server-options' expects an option as an argument.");
	ck_assert_ptr_null(bload("global\n ssl-default-server-options prefer-client-ciphers\n", false));
	bexpect(DIAG_ERROR, 2, 29, "unknown option 'prefer-client-ciphers' on global statement 'ssl-default-server-options'.");
	ck_assert_ptr_null(bload("global\n ssl-default-bind-options ssl-min-ver foo\n", false));
	bexpect(DIAG_ERROR, 2, 39, "'foo' : unknown ssl/tls version on global statement 'ssl-default-bind-options'.");
}
END_TEST

Suite *suite_global(void);

Suite *
suite_global(void)
{
	Suite *s = suite_create("global");
	TCase *t = tcase_create("global");
	tcase_add_test(t, values);
	tcase_add_test(t, errors);
	tcase_add_test(t, duplicates_and_quirks);
	tcase_add_test(t, environment);
	tcase_add_test(t, stats_socket);
	tcase_add_test(t, log_lines);
	tcase_add_test(t, no_log_clears_inherited);
	tcase_add_test(t, times);
	tcase_add_test(t, extra_words);
	suite_add_tcase(s, t);
	return s;
}
