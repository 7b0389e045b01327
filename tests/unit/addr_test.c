/* Address parsing: forms, ports, ranges, env expansion (parser/addr.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "b_common.h"
#include "parser/addr.h"
#include "parser/bind.h"
#include "parser/proxy.h"
#include "parser/server.h"

START_TEST(bind_forms)
{
	struct cfg *c = bload(BFE " bind 127.0.0.1:8000-8002,:9000\n bind :::443\n bind [::1]:444\n"
	                      " bind /tmp/x.sock\n bind abns@foo\n bind fd@3\n bind *:80\n", false);
	bclean(c);
	struct cfg_proxy *px = c->proxies.v[0];
	struct cfg_bind *b = px->binds.v[0];
	ck_assert_uint_eq(b->naddrs, 2);
	ck_assert_int_eq(b->addrs[0].family, AF_INET);
	ck_assert_uint_eq(b->addrs[0].port_lo, 8000);
	ck_assert_uint_eq(b->addrs[0].port_hi, 8002);
	ck_assert(b->addrs[1].any);
	ck_assert_uint_eq(b->addrs[1].port_lo, 9000);
	ck_assert_int_eq(px->binds.v[1]->addrs[0].family, AF_INET6);
	ck_assert(px->binds.v[1]->addrs[0].any);
	ck_assert_uint_eq(px->binds.v[1]->addrs[0].port_lo, 443);
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&px->binds.v[2]->addrs[0].ss;
	ck_assert(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
	ck_assert_uint_eq(ntohs(in6->sin6_port), 444);
	ck_assert_int_eq(px->binds.v[3]->addrs[0].kind, ADDR_UNIX);
	ck_assert_str_eq(px->binds.v[3]->addrs[0].path, "/tmp/x.sock");
	ck_assert_int_eq(px->binds.v[4]->addrs[0].kind, ADDR_ABNS);
	ck_assert_int_eq(px->binds.v[5]->addrs[0].kind, ADDR_FD);
	ck_assert_int_eq(px->binds.v[5]->addrs[0].fd, 3);
	ck_assert(px->binds.v[6]->addrs[0].any);
	char *s = addr_str(&b->addrs[0]);
	ck_assert_str_eq(s, "127.0.0.1:8000-8002");
	free(s);
	cfg_free(c);
}
END_TEST

START_TEST(bind_port_errors)
{
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:abc\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : invalid character 'a' in port number 'abc' in '127.0.0.1:abc'");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : missing port specification in '127.0.0.1:'");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : missing port specification in '127.0.0.1'");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:99999\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : invalid port '99999'");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:0\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : invalid port '0'");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:10-5\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : invalid port range '10-5'");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:10-\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : invalid port ''");
	ck_assert_ptr_null(bload(BFE " bind foo@1.2.3.4:80\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : invalid address: 'foo@1.2.3.4' in 'foo@1.2.3.4:80'");
	ck_assert_ptr_null(bload(BFE " bind fd@x\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : file descriptor 'x' is not a valid integer in 'fd@x'");
	ck_assert_ptr_null(bload(BFE " bind\n", false));
	bexpect(DIAG_ERROR, 6, 2, "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.");
}
END_TEST

START_TEST(env_expansion)
{
	setenv("SLUICE_T_PORT", "8123", 1);
	unsetenv("SLUICE_T_NOPE");
	struct cfg *c = bload(BFE " bind 127.0.0.1:${SLUICE_T_PORT}\n bind 127.0.0.1:$SLUICE_T_PORT\n", false);
	bclean(c);
	ck_assert_uint_eq(c->proxies.v[0]->binds.v[0]->addrs[0].port_lo, 8123);
	ck_assert_uint_eq(c->proxies.v[0]->binds.v[1]->addrs[0].port_lo, 8123);
	ck_assert_str_eq(c->proxies.v[0]->binds.v[0]->text, "127.0.0.1:${SLUICE_T_PORT}");
	cfg_free(c);
	ck_assert_ptr_null(bload(BFE " bind ${SLUICE_T_NOPE}\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : '${SLUICE_T_NOPE}' resolves to an empty address (environment variable missing?)");
	ck_assert_ptr_null(bload(BFE " bind 127.0.0.1:${SLUICE_T_NOPE}\n", false));
	bexpect(DIAG_ERROR, 6, 7, "'bind' : missing port specification in '127.0.0.1:${SLUICE_T_NOPE}'");
	/* setenv in global takes effect for the following lines */
	c = bload("global\n setenv SLUICE_T_P2 9001\n" BFE " bind 127.0.0.1:${SLUICE_T_P2}\n", false);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->proxies.v[0]->binds.v[0]->addrs[0].port_lo, 9001);
	cfg_free(c);
}
END_TEST

START_TEST(server_addresses)
{
	struct cfg *c = bload(BBE " server a 127.0.0.1\n server b 127.0.0.1:+5\n server c 127.0.0.1:-5\n"
	                      " server d 0.0.0.0\n server e *:80\n server f unix@/tmp/s.sock\n"
	                      " server g localhost:80\n", true);
	bclean(c);
	struct cfg_proxy *px = c->proxies.v[0];
	ck_assert_int_eq(px->servers.v[0]->addr.port_mode, ADDR_PORT_NONE);
	ck_assert_int_eq(px->servers.v[1]->addr.port_mode, ADDR_PORT_OFFSET);
	ck_assert_int_eq(px->servers.v[1]->addr.port_off, 5);
	ck_assert_int_eq(px->servers.v[2]->addr.port_off, -5);
	ck_assert(px->servers.v[3]->addr.any);
	ck_assert(px->servers.v[4]->addr.any);
	ck_assert_int_eq(px->servers.v[5]->addr.kind, ADDR_UNIX);
	/* resolved at resolve time */
	ck_assert_ptr_null(px->servers.v[6]->addr.host);
	ck_assert_uint_eq(px->servers.v[6]->addr.port_lo, 80);
	cfg_free(c);

	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:80-90\n", false));
	bexpect(DIAG_ERROR, 6, 11, "'server b/s' : port range not permitted here in '127.0.0.1:80-90'");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:abc\n", false));
	bexpect(DIAG_ERROR, 6, 11, "'server b/s' : invalid character 'a' in port number 'abc' in '127.0.0.1:abc'");
	ck_assert_ptr_null(bload(BBE " server s 127.0.0.1:99999\n", false));
	bexpect(DIAG_ERROR, 6, 11, "'server b/s' : invalid port '99999'");
}
END_TEST

START_TEST(server_resolution)
{
	ck_assert_ptr_null(bload(BBE " server s nosuchhost.invalid:80\n", true));
	bexpect(DIAG_ERROR, 6, 2, "'server b/s' : could not resolve address 'nosuchhost.invalid'.");
	struct cfg *c = bload(BBE " server s nosuchhost.invalid:80 init-addr last,libc,none\n", true);
	ck_assert_ptr_nonnull(c);
	bexpect(DIAG_WARNING, 6, 2, "'server b/s' : could not resolve address 'nosuchhost.invalid', disabling server.");
	ck_assert(c->proxies.v[0]->servers.v[0]->unresolved);
	cfg_free(c);
	c = bload(BBE " server s nosuchhost.invalid:80 init-addr libc,10.0.0.1\n", true);
	ck_assert_ptr_nonnull(c);
	struct sockaddr_in *in = (struct sockaddr_in *)&c->proxies.v[0]->servers.v[0]->addr.ss;
	ck_assert_uint_eq(ntohl(in->sin_addr.s_addr), 0x0a000001);
	ck_assert_uint_eq(ntohs(in->sin_port), 80);
	cfg_free(c);
}
END_TEST

Suite *suite_addr(void);

Suite *
suite_addr(void)
{
	Suite *s = suite_create("addr");
	TCase *t = tcase_create("addr");
	tcase_add_test(t, bind_forms);
	tcase_add_test(t, bind_port_errors);
	tcase_add_test(t, env_expansion);
	tcase_add_test(t, server_addresses);
	tcase_add_test(t, server_resolution);
	suite_add_tcase(s, t);
	return s;
}
