/* health/: check programs compiled from configs, the bytes they send,
 * how responses are classified, and the runner against real sockets.
 * Expected texts were observed on haproxy 2.6.12 with the same configs
 * (option log-health-checks lines). */
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "health/chk.h"
#include "health/chk_run.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/server.h"

#define DEFS "defaults\n mode tcp\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n"

static struct cfg *hcfg;
static struct diag hd;
static struct chk_ruleset hrs;
static struct chk_env henv;

static const struct cfg_proxy *
hload(const char *text)
{
	struct cfg_opts o = { .no_dns = true };
	memset(&hd, 0, sizeof(hd));
	hcfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &hd);
	ck_assert_msg(hcfg != NULL, "config did not load");
	const struct cfg_proxy *px = proxy_find(hcfg, "b", PX_CAP_BE);
	ck_assert_ptr_nonnull(px);
	return px;
}

/* Loads text and compiles backend b's program into hrs/henv. */
static void
hprog(const char *text)
{
	const struct cfg_proxy *px = hload(text);
	char *err = NULL;
	ck_assert_int_eq(chk_ruleset_build(px, NULL, false, &hrs, &err), 0);
	memset(&henv, 0, sizeof(henv));
	henv.rs = &hrs;
	henv.disable_on_404 = px->http_check_disable_on_404;
	henv.srv_up = true;
}

static void
hdone(void)
{
	chk_ruleset_free(&hrs);
	cfg_free(hcfg);
	hcfg = NULL;
	diag_free(&hd);
}

/* The index of the n-th step of kind act. */
static size_t
nth(enum px_chk_act act, int n)
{
	for (size_t i = 0; i < hrs.steps.n; i++)
		if (hrs.steps.v[i].act == act && n-- == 0)
			return i;
	ck_abort_msg("no such step");
	return 0;
}

static char *
send_bytes(size_t i)
{
	struct sbuf b = { 0 };
	struct chk_result r = { 0 };
	ck_assert_int_eq(chk_send_render(&henv, i, &b, &r), 0);
	return sbuf_take(&b);
}

static enum chk_eval
expect_s(size_t i, const char *data, bool last, struct chk_result *r)
{
	memset(r, 0, sizeof(*r));
	return chk_expect(&henv, i, data, strlen(data), last, r);
}

START_TEST(http_request_bytes)
{
	hprog(DEFS "backend b\n option httpchk\n server s 127.0.0.1:80 check\n");
	ck_assert_int_eq(hrs.proto, CHK_P_HTTP);
	/* implicit connect, the option's send, implicit expect 200-399 */
	ck_assert_int_eq((int)hrs.steps.n, 3);
	ck_assert(hrs.steps.v[0].implicit);
	char *s = send_bytes(1);
	ck_assert_str_eq(s, "OPTIONS / HTTP/1.0\r\n\r\n");
	free(s);
	hdone();

	hprog(DEFS "backend b\n option httpchk GET /health HTTP/1.1\n http-check send hdr Host example.com\n"
	      " server s 127.0.0.1:80 check\n");
	s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_str_eq(s, "GET /health HTTP/1.1\r\nhost: example.com\r\nconnection: close\r\n\r\n");
	free(s);
	hdone();

	/* body: content-length before connection (observed over TLS) */
	hprog(DEFS "backend b\n option httpchk GET /x HTTP/1.1\n http-check send hdr Host h.test body hello-body\n"
	      " server s 127.0.0.1:80 check\n");
	s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_str_eq(s, "GET /x HTTP/1.1\r\nhost: h.test\r\ncontent-length: 10\r\nconnection: close\r\n\r\nhello-body");
	free(s);
	hdone();

	/* http-check send alone overrides the option's defaults; framing
	 * headers given by hand are dropped as by HAProxy's parser */
	hprog(DEFS "backend b\n option httpchk\n http-check send meth HEAD uri /ping hdr X-A 1 hdr Content-Length 5\n"
	      " server s 127.0.0.1:80 check\n");
	s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_str_eq(s, "HEAD /ping HTTP/1.0\r\nx-a: 1\r\n\r\n");
	free(s);
	hdone();

	/* the deprecated headers hidden in the version word */
	hprog(DEFS "backend b\n option httpchk GET / \"HTTP/1.1\\r\\nHost: www\"\n server s 127.0.0.1:80 check\n");
	s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_str_eq(s, "GET / HTTP/1.1\r\nhost: www\r\nconnection: close\r\n\r\n");
	free(s);
	hdone();

	/* send-state */
	hprog(DEFS "backend b\n option httpchk\n http-check send-state\n server s 127.0.0.1:80 check\n");
	struct chk_srv_view v = { .up = true, .health = 4, .rise = 2, .fall = 3, .addr = "127.0.0.1",
	                          .port = 22015, .be = "b_sendproxy", .srv = "s", .node = "vm",
	                          .weight = 1, .tot_weight = 1 };
	struct sbuf h = { 0 };
	chk_state_header(&v, &h);
	ck_assert_str_eq(h.s, "UP; address=127.0.0.1; port=22015; name=b_sendproxy/s; node=vm; weight=1/1; scur=0/0; qcur=0");
	henv.state_hdr = h.s;
	s = send_bytes(1);
	ck_assert_str_eq(s, "OPTIONS / HTTP/1.0\r\nx-haproxy-server-state: UP; address=127.0.0.1; port=22015; "
	                 "name=b_sendproxy/s; node=vm; weight=1/1; scur=0/0; qcur=0\r\n\r\n");
	free(s);
	sbuf_reset(&h);
	v.health = 3;
	chk_state_header(&v, &h);
	ck_assert(strncmp(h.s, "UP 2/3;", 7) == 0);
	sbuf_reset(&h);
	v.up = false;
	v.health = 1;
	chk_state_header(&v, &h);
	ck_assert(strncmp(h.s, "DOWN 1/2;", 9) == 0);
	free(h.s);
	hdone();
}
END_TEST

START_TEST(http_expect)
{
	struct chk_result r;
	hprog(DEFS "backend b\n option httpchk\n http-check disable-on-404\n server s 127.0.0.1:80 check\n");
	size_t e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", false, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7STS);
	ck_assert_int_eq(r.code, 500);
	ck_assert_str_eq(r.info, "Internal Server Error");
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 302 Found\r\n\r\n", false, &r), CHK_EVAL_CONT);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 O", false, &r), CHK_EVAL_WAIT);
	/* garbage: L7RSP without text */
	ck_assert_int_eq(expect_s(e, "hello world\r\n", true, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7RSP);
	ck_assert_str_eq(r.info, "");
	/* 404 with disable-on-404 on a server that is up: L7OKC */
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 404 Not Found\r\n\r\n", false, &r), CHK_EVAL_CONT);
	chk_success(&henv, e, false, "", 0, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7OKC);
	ck_assert_int_eq(r.code, 404);
	henv.srv_up = false;
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 404 Not Found\r\n\r\n", false, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7STS);
	ck_assert_str_eq(r.info, "Not Found");
	henv.srv_up = true;
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 OK\r\n\r\n", false, &r), CHK_EVAL_CONT);
	chk_success(&henv, e, false, "", 0, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7OK);
	ck_assert_int_eq(r.code, 200);
	ck_assert_str_eq(r.info, "");
	hdone();

	hprog(DEFS "backend b\n option httpchk\n http-check expect string hello\n server s 127.0.0.1:80 check\n");
	e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", false, &r), CHK_EVAL_CONT);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhel", false, &r), CHK_EVAL_WAIT);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nbye, world!", false, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7RSP);
	ck_assert_str_eq(r.info, "HTTP content check did not match");
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, &r), CHK_EVAL_STOP);
	ck_assert_str_eq(r.info, "HTTP content check could not find a response body");
	hdone();

	hprog(DEFS "backend b\n option httpchk\n http-check expect ! rstatus ^5\n server s 127.0.0.1:80 check\n");
	e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 404 Not Found\r\n\r\n", false, &r), CHK_EVAL_CONT);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 503 Busy\r\n\r\n", false, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7STS);
	ck_assert_str_eq(r.info, "Busy");
	hdone();

	hprog(DEFS "backend b\n option httpchk\n http-check expect hdr name x-state value ok comment c1\n"
	      " server s 127.0.0.1:80 check\n");
	e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 OK\r\nX-State: bad, ok\r\n\r\n", false, &r), CHK_EVAL_CONT);
	ck_assert_int_eq(expect_s(e, "HTTP/1.1 200 OK\r\nX-State: bad\r\n\r\n", false, &r), CHK_EVAL_STOP);
	ck_assert_str_eq(r.info, "OK comment: c1");
	hdone();
}
END_TEST

START_TEST(tcp_check_texts)
{
	struct chk_result r;
	hprog(DEFS "backend b\n option tcp-check\n tcp-check send PING\\r\\n\n tcp-check expect string +PONG\n"
	      " server s 127.0.0.1:80 check\n");
	ck_assert_int_eq(hrs.proto, CHK_P_TCPCHK);
	size_t e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(chk_step_id(&hrs, 0), 0);
	ck_assert_int_eq(chk_step_id(&hrs, e), 2);
	ck_assert_int_eq(expect_s(e, "+PO", false, &r), CHK_EVAL_WAIT);
	ck_assert_int_eq(expect_s(e, "-ERR nope\r\n", false, &r), CHK_EVAL_WAIT);
	ck_assert_int_eq(expect_s(e, "-ERR nope\r\n", true, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7RSP);
	ck_assert_str_eq(r.info, "TCPCHK did not match content '+PONG' at step 2");
	ck_assert_int_eq(expect_s(e, "+PONG\r\n", false, &r), CHK_EVAL_CONT);
	chk_success(&henv, e, false, "", 0, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7OK);
	ck_assert_str_eq(r.info, "(tcp-check)");
	/* connection problems are placed in the ruleset */
	chk_conn_error(&henv, 0, CHK_PH_L4, 111, NULL, false, &r);
	ck_assert_int_eq(r.status, CHK_ST_L4CON);
	ck_assert_str_eq(r.info, "Connection refused at initial connection step of tcp-check");
	chk_conn_error(&henv, e, CHK_PH_EST, 0, NULL, true, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7TOUT);
	ck_assert_str_eq(r.info, " at step 2 of tcp-check (expect string '+PONG')");
	hdone();

	/* a comment rule takes an index; comments follow the rule */
	hprog(DEFS "backend b\n option tcp-check\n tcp-check comment first\n tcp-check send hello\n"
	      " tcp-check expect string xyz comment myexp\n server s 127.0.0.1:80 check\n");
	e = nth(CHK_EXPECT, 0);
	chk_empty_response(&henv, e, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7RSP);
	ck_assert_str_eq(r.info, "TCPCHK got an empty response at step 3 comment: 'myexp'");
	ck_assert_str_eq(hrs.steps.v[nth(CHK_SEND, 0)].comment, "first");
	ck_assert_int_eq(expect_s(e, "abc", true, &r), CHK_EVAL_STOP);
	ck_assert_str_eq(r.info, "TCPCHK did not match content 'xyz' at step 3 comment: myexp");
	hdone();

	hprog(DEFS "backend b\n option tcp-check\n tcp-check connect port 22099 comment cport\n tcp-check send x\n"
	      " tcp-check expect ! binary 2d4552 min-recv 3\n tcp-check expect rbinary ^2B\n server s 127.0.0.1:80 check\n");
	chk_conn_error(&henv, 0, CHK_PH_L4, 111, NULL, false, &r);
	ck_assert_str_eq(r.info, "Connection refused at step 1 of tcp-check (connect port 22099) comment: 'cport'");
	e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(expect_s(e, "-ER", false, &r), CHK_EVAL_STOP);
	ck_assert_str_eq(r.info, "TCPCHK matched unwanted content (binary) at step 3");
	ck_assert_int_eq(expect_s(e, "+OK", false, &r), CHK_EVAL_CONT);
	size_t e2 = nth(CHK_EXPECT, 1);
	ck_assert_int_eq((int)hrs.steps.v[e2].head, (int)e); /* back to the inverted one */
	ck_assert_int_eq(expect_s(e2, "+OK", false, &r), CHK_EVAL_CONT);
	chk_success(&henv, e2, false, "", 0, &r);
	ck_assert_str_eq(r.info, "(tcp-check)");
	hdone();
}
END_TEST

START_TEST(protocol_checks)
{
	struct chk_result r;
	hprog(DEFS "backend b\n option redis-check\n server s 127.0.0.1:80 check\n");
	char *s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_str_eq(s, "*1\r\n$4\r\nPING\r\n");
	free(s);
	size_t e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(expect_s(e, "-ERR nope\r\n", true, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7STS);
	ck_assert_str_eq(r.info, "-ERR nope");
	ck_assert_int_eq(expect_s(e, "+PONG\r\n", false, &r), CHK_EVAL_CONT);
	chk_success(&henv, e, false, "+PONG\r\n", 7, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7OK);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.info, "Redis server is ok");
	hdone();

	hprog(DEFS "backend b\n option smtpchk EHLO me.test\n server s 127.0.0.1:80 check\n");
	ck_assert_int_eq((int)hrs.steps.n, 7);
	s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_str_eq(s, "EHLO me.test\r\n");
	free(s);
	s = send_bytes(nth(CHK_SEND, 1));
	ck_assert_str_eq(s, "QUIT\r\n");
	free(s);
	ck_assert_int_eq(expect_s(nth(CHK_EXPECT, 0), "554 no service\r\n", false, &r), CHK_EVAL_CONT);
	ck_assert_int_eq(expect_s(nth(CHK_EXPECT, 1), "554 no service\r\n", false, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L7STS);
	ck_assert_int_eq(r.code, 554);
	ck_assert_str_eq(r.info, "no service");
	e = nth(CHK_EXPECT, 3);
	chk_empty_response(&henv, e, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7STS);
	ck_assert_str_eq(r.info, "TCPCHK got an empty response at step 7");
	ck_assert_int_eq(expect_s(e, "221 2.0.0 Bye\r\n", false, &r), CHK_EVAL_CONT);
	chk_success(&henv, e, false, "221 2.0.0 Bye\r\n", 15, &r);
	ck_assert_int_eq(r.status, CHK_ST_L7OK);
	ck_assert_int_eq(r.code, 221);
	ck_assert_str_eq(r.info, "2.0.0 Bye");
	hdone();

	/* ssl-hello-chk: a modern ClientHello, a ServerHello back */
	hprog(DEFS "backend b\n option ssl-hello-chk\n server s 127.0.0.1:80 check\n");
	henv.hello_sni = "srv.test";
	s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_int_eq((unsigned char)s[0], 0x16);
	ck_assert_int_eq((unsigned char)s[1], 0x03);
	ck_assert_int_eq((unsigned char)s[5], 0x01);
	free(s);
	e = nth(CHK_EXPECT, 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(chk_expect(&henv, e, "\x16\x03\x03\x00\x7a\x02\x00", 7, false, &r), CHK_EVAL_CONT);
	chk_success(&henv, e, false, "", 0, &r);
	ck_assert_int_eq(r.status, CHK_ST_L6OK);
	ck_assert_int_eq(chk_expect(&henv, e, "\x15\x03\x03\x00\x02\x02\x28", 7, true, &r), CHK_EVAL_STOP);
	ck_assert_int_eq(r.status, CHK_ST_L6RSP);
	chk_empty_response(&henv, e, &r);
	ck_assert_str_eq(r.info, "TCPCHK got an empty response at step 2");
	ck_assert_int_eq(r.status, CHK_ST_L6RSP);
	hdone();

	/* plain check, TLS words */
	hprog(DEFS "backend b\n server s 127.0.0.1:80 check\n");
	ck_assert_int_eq((int)hrs.steps.n, 1);
	chk_success(&henv, 0, true, "", 0, &r);
	ck_assert_int_eq(r.status, CHK_ST_L6OK);
	ck_assert_str_eq(r.info, "");
	chk_conn_error(&henv, 0, CHK_PH_L6, 0, "SSL handshake failure", false, &r);
	ck_assert_int_eq(r.status, CHK_ST_L6RSP);
	ck_assert_str_eq(r.info, "SSL handshake failure");
	chk_conn_error(&henv, 0, CHK_PH_L4, 0, NULL, true, &r);
	ck_assert_int_eq(r.status, CHK_ST_L4TOUT);
	ck_assert_str_eq(r.info, "");
	chk_conn_error(&henv, 0, CHK_PH_EST, 104, NULL, false, &r);
	ck_assert_int_eq(r.status, CHK_ST_SOCKERR);
	ck_assert_str_eq(r.info, "Connection reset by peer");
	hdone();
}
END_TEST

START_TEST(agent_program)
{
	struct chk_result r;
	const struct cfg_proxy *px = hload(DEFS "backend b\n server s 127.0.0.1:80 agent-check agent-port 81 agent-send \"hello\\n\"\n");
	char *err = NULL;
	ck_assert_int_eq(chk_ruleset_build(px, px->servers.v[0], true, &hrs, &err), 0);
	memset(&henv, 0, sizeof(henv));
	henv.rs = &hrs;
	char *s = send_bytes(nth(CHK_SEND, 0));
	ck_assert_str_eq(s, "hello\n");
	free(s);
	size_t e = nth(CHK_EXPECT, 0);
	ck_assert_int_eq(expect_s(e, "drain 50%", false, &r), CHK_EVAL_WAIT);
	ck_assert_int_eq(expect_s(e, "drain 50%", true, &r), CHK_EVAL_STOP);
	ck_assert_str_eq(r.info, "Ignoring incomplete line from agent");
	ck_assert_int_eq(expect_s(e, "drain 50% # hi\r\nmore", false, &r), CHK_EVAL_CONT);
	ck_assert_str_eq(r.info, "drain 50% # hi");
	hdone();
}
END_TEST

/* ------------------------------------------------ the runner, real sockets */

struct lab {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n;
	struct chk_result last;
	char got[1024];            /* what the server received */
	size_t got_len;
	const char *reply;         /* what it answers (NULL: nothing, hang) */
	int lfd;
};

static void
lab_report(void *arg, struct chk_target *t, const struct chk_result *r)
{
	struct lab *l = arg;
	pthread_mutex_lock(&l->mu);
	l->last = *r;
	l->n++;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void *
lab_server(void *arg)
{
	struct lab *l = arg;
	int c = accept(l->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	struct timeval tv = { 0, 200000 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(c, l->got, sizeof(l->got), 0);
	l->got_len = n > 0 ? (size_t)n : 0;
	if (l->reply) {
		send(c, l->reply, strlen(l->reply), MSG_NOSIGNAL);
		close(c);
	} else {
		usleep(800000);
		close(c);
	}
	return NULL;
}

static int
lab_listen(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Runs backend b's first server check once against a lab server
 * answering reply (or a closed port when refused). */
static void
lab_run(struct lab *l, const char *backend_fmt, const char *reply, bool refused)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	int port;
	l->lfd = lab_listen(&port);
	l->reply = reply;
	pthread_t thr;
	if (refused)
		close(l->lfd);
	else
		pthread_create(&thr, NULL, lab_server, l);
	char *text = xasprintf(backend_fmt, port);
	const struct cfg_proxy *px = hload(text);
	free(text);
	struct chk_hooks h = { .report = lab_report };
	struct chk_runner *run = chk_runner_new(hcfg, &h, l);
	char *err = NULL;
	ck_assert_ptr_nonnull(chk_runner_add(run, px, px->servers.v[0], false, NULL, &err));
	ck_assert_int_eq(chk_runner_start(run), 0);
	pthread_mutex_lock(&l->mu);
	while (l->n == 0)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	chk_runner_free(run);
	if (!refused) {
		pthread_join(thr, NULL);
		close(l->lfd);
	}
	cfg_free(hcfg);
	hcfg = NULL;
	diag_free(&hd);
}

START_TEST(runner_wire)
{
	static struct lab l;
	lab_run(&l, DEFS "backend b\n server s 127.0.0.1:%d check inter 5s\n", NULL, true);
	ck_assert_int_eq(l.last.status, CHK_ST_L4CON);
	ck_assert_str_eq(l.last.info, "Connection refused");

	lab_run(&l, DEFS "backend b\n option httpchk GET /health HTTP/1.1\n http-check send hdr Host example.com\n"
	        " server s 127.0.0.1:%d check inter 5s\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false);
	ck_assert_int_eq(l.last.status, CHK_ST_L7OK);
	ck_assert_int_eq(l.last.code, 200);
	l.got[l.got_len] = 0;
	ck_assert_str_eq(l.got, "GET /health HTTP/1.1\r\nhost: example.com\r\nconnection: close\r\n\r\n");

	/* a server that never answers: cut at inter (no timeout check) */
	lab_run(&l, DEFS "backend b\n option httpchk\n server s 127.0.0.1:%d check inter 300\n", NULL, false);
	ck_assert_int_eq(l.last.status, CHK_ST_L7TOUT);
	ck_assert(l.last.duration_ms >= 290 && l.last.duration_ms < 700);

	/* timeout check cuts the read */
	lab_run(&l, DEFS " timeout check 150\nbackend b\n option httpchk\n server s 127.0.0.1:%d check inter 2s\n", NULL, false);
	ck_assert_int_eq(l.last.status, CHK_ST_L7TOUT);
	ck_assert(l.last.duration_ms >= 140 && l.last.duration_ms < 600);

	/* check-send-proxy of a send-proxy-v2 server: a LOCAL header */
	lab_run(&l, DEFS "backend b\n server s 127.0.0.1:%d check check-send-proxy send-proxy-v2 inter 5s\n", NULL, false);
	ck_assert_int_eq(l.last.status, CHK_ST_L4OK);
	ck_assert_int_eq((int)l.got_len, 16);
	ck_assert(memcmp(l.got, "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00", 16) == 0);

	/* tcp-check over the wire */
	lab_run(&l, DEFS "backend b\n option tcp-check\n tcp-check send PING\\r\\n\n tcp-check expect string +PONG\n"
	        " server s 127.0.0.1:%d check inter 5s\n", "-ERR\r\n", false);
	ck_assert_int_eq(l.last.status, CHK_ST_L7RSP);
	ck_assert_str_eq(l.last.info, "TCPCHK did not match content '+PONG' at step 2");
}
END_TEST

Suite *suite_health(void);
Suite *
suite_health(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, http_request_bytes);
	tcase_add_test(tc, http_expect);
	tcase_add_test(tc, tcp_check_texts);
	tcase_add_test(tc, protocol_checks);
	tcase_add_test(tc, agent_program);
	tcase_add_test(tc, runner_wire);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
