/* engine/log.c and log_fmt.c: session lines (tcplog, log-format), syslog
 * framing, targets (level filtering, len, sample) and the other lines.
 * Expected strings were captured from haproxy 2.6.12 (TZ=UTC) with
 * sessions built by hand to match the observed ones. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/log.h"
#include "engine/session.h"
#include "lib/util.h"
#include "parser/bind.h"
#include "parser/cfg.h"
#include "parser/logtarget.h"
#include "parser/proxy.h"
#include "parser/server.h"

static char *old_tz;

static void
tz_utc(void)
{
	const char *tz = getenv("TZ");
	old_tz = tz ? xstrdup(tz) : NULL;
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
tz_restore(void)
{
	if (old_tz)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	free(old_tz);
	old_tz = NULL;
	tzset();
}

static struct cfg *
load(const char *text)
{
	struct cfg_opts o = { .no_dns = true };
	struct diag d = { 0 };
	struct cfg *c = cfg_load_string("t.cfg", text, strlen(text), &o, true, &d);
	for (size_t i = 0; i < d.n; i++)
		if (d.msgs[i].level == DIAG_ERROR)
			fprintf(stderr, "unexpected: %s\n", d.msgs[i].text);
	diag_free(&d);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* A hand-made runtime around one session of frontend fe_name. */
struct rig {
	struct cfg *cfg;
	struct engine eng;
	struct worker w;
	struct frontend fe;
	struct backend be;
	struct srv_state srv;
	struct listener l;
	struct session s;
};

static void
set_in(union sess_addr *sa, const char *ip, int port)
{
	struct sockaddr_storage st;
	struct sockaddr_storage *ss = &st;
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		a->sin6_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &a->sin_addr);
		a->sin_port = htons((uint16_t)port);
	}
	sess_addr_set(sa, (const struct sockaddr *)ss, sizeof(*ss));
}

/* The session of a normal TCP connection: accepted at accept_ms (wall),
 * connected at once, ended now = t0 + tt. */
static void
rig_init(struct rig *r, struct cfg *cfg, const char *fe_name, const char *be_name,
         int srv_idx)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->w.eng = &r->eng;
	r->fe.px = proxy_find(cfg, fe_name, PX_CAP_FE);
	ck_assert_ptr_nonnull(r->fe.px);
	r->l.fe = &r->fe;
	r->l.bind = r->fe.px->binds.v[0];
	memcpy(&r->l.addr, &r->l.bind->addrs[0].ss, sizeof(r->l.addr));
	r->s.w = &r->w;
	r->s.l = &r->l;
	r->s.fe = &r->fe;
	r->s.cfd = r->s.sfd = -1;
	r->s.sctx.cfg = cfg;
	r->s.sctx.fe = r->fe.px;
	r->s.sctx.src = &r->s.src;
	r->s.sctx.dst = &r->s.dst;
	r->s.sctx.fc_src = &r->s.cli;
	atomic_store(&r->eng.cur_conn, 1);
	atomic_store(&r->fe.cur_conn, 1);
	r->s.t0 = 1000;
	r->s.t_connect = r->s.t_established = -1;
	r->s.term[0] = r->s.term[1] = '-';
	if (be_name) {
		r->be.px = proxy_find(cfg, be_name, PX_CAP_BE);
		ck_assert_ptr_nonnull(r->be.px);
		r->s.be = &r->be;
		r->s.sctx.be = r->be.px;
		/* the engine logs once the backend and the server released the
		 * session (HAProxy's order): they do not count it any more */
		atomic_store(&r->be.cur_conn, 0);
		if (srv_idx >= 0) {
			r->srv.cfg = r->be.px->servers.v[srv_idx];
			atomic_store(&r->srv.cur_sess, 0);
			r->s.srv = &r->srv;
			r->s.sctx.srv = r->srv.cfg;
			r->s.srv_addr = &r->srv.cfg->addr.ss;
		}
	}
	sess_addr_set(&r->s.dst, (const struct sockaddr *)&r->l.addr, sizeof(r->l.addr));
}

static char *
line_of(struct log_sink *ls, struct rig *r, long long tt, int *level)
{
	struct sbuf b = { 0 };
	int lvl = -1;
	bool ok = log_format_session(ls, &r->s, r->s.t0 + tt, &b, &lvl);
	if (level)
		*level = lvl;
	if (!ok) {
		free(b.s);
		return NULL;
	}
	return sbuf_take(&b);
}

#define LINE_EQ(ls, r, tt, want)                                              \
	do {                                                                  \
		char *got_ = line_of((ls), (r), (tt), NULL);                  \
		ck_assert_ptr_nonnull(got_);                                  \
		ck_assert_str_eq(got_, (want));                               \
		free(got_);                                                   \
	} while (0)

static const char *const base_cfg =
	"global\n"
	"    log stdout format raw local0\n"
	"defaults\n"
	"    mode tcp\n"
	"    timeout connect 1s\n"
	"    timeout client 5s\n"
	"    timeout server 5s\n"
	"frontend f1\n"
	"    bind 127.0.0.1:15601\n"
	"    log global\n"
	"    option tcplog\n"
	"    default_backend b1\n"
	"frontend f3\n"
	"    bind 127.0.0.1:15603\n"
	"    log global\n"
	"    log-format \"%bi|%bp|%si|%sp|%s|%b|%Tw|%Tc|%Td|%ts\"\n"
	"    default_backend b1\n"
	"frontend f4\n"
	"    bind 127.0.0.1:15604\n"
	"    log global\n"
	"    option tcplog\n"
	"    default_backend b2\n"
	"frontend f5\n"
	"    bind 127.0.0.1:15605\n"
	"    bind ::1:15605\n"
	"    log global\n"
	"    log-format \"  %{+X}ci|%{+X}Ts|%{+X}pid|%{+X}ms|%{+X}rt|%{+X}B|%{+X}Tt|%{+Q}t|%{+Q}ts|%{+Q}ft|%{+X}ac|%{+X}Tw|%{+X}cp|%{+X}fp   x  %{+Q}ID|%{+X}U|%lc|%{+Q}T|%{+Q}Ts|%{+X}tsc|%{+Q}rc  \"\n"
	"    default_backend b2\n"
	"frontend f6\n"
	"    bind 127.0.0.1:15606\n"
	"    log global\n"
	"    option dontlognull\n"
	"    option dontlog-normal\n"
	"    option log-separate-errors\n"
	"    option httplog\n"
	"    default_backend b1\n"
	"frontend f7\n"
	"    bind 127.0.0.1:15607\n"
	"    log global\n"
	"    default_backend b1\n"
	"frontend f8\n"
	"    bind 127.0.0.1:15608\n"
	"    log-format \"%ci\"\n"
	"    default_backend b1\n"
	"backend b1\n"
	"    server s1 127.0.0.1:15600\n"
	"backend b2\n"
	"    server s2 127.0.0.1:15699\n";

/* 127.0.0.1:47118 [27/Nov/2026:13:14:43.673] f1 b1/s1 1/0/54 5 -- 1/1/0/0/0 0/0 */
START_TEST(tcplog_normal)
{
	struct cfg *cfg = load(base_cfg);
	struct rig r;
	tz_utc();
	rig_init(&r, cfg, "f1", "b1", 0);
	set_in(&r.s.src, "127.0.0.1", 47118);
	r.s.t_accept_wall_ms = 1795785283673LL;
	r.s.t_connect = r.s.t0;
	r.s.t_established = r.s.t0;
	r.s.bytes_in = r.s.bytes_out = 5;
	LINE_EQ(NULL, &r, 54,
	        "127.0.0.1:47118 [27/Nov/2026:13:14:43.673] f1 b1/s1 1/0/54 5 -- 1/1/0/0/0 0/0");
	/* two other sessions on the backend, one on the server (ours is
	 * already released from both) */
	atomic_store(&r.eng.cur_conn, 3);
	atomic_store(&r.fe.cur_conn, 2);
	atomic_store(&r.be.cur_conn, 2);
	atomic_store(&r.srv.cur_sess, 1);
	r.s.t_connect = r.s.t0 + 302;
	r.s.t_established = r.s.t0 + 303;
	r.s.term[0] = 'C';
	r.s.term[1] = 'D';
	LINE_EQ(NULL, &r, 401,
	        "127.0.0.1:47118 [27/Nov/2026:13:14:43.673] f1 b1/s1 303/1/401 5 CD 3/2/2/1/0 0/0");
	tz_restore();
	cfg_free(cfg);
}
END_TEST

/* 127.0.0.1:52576 [27/Nov/2026:13:14:44.434] f4 b2/s2 1/-1/3009 0 SC 1/1/0/0/3 0/0 */
START_TEST(tcplog_server_refused)
{
	struct cfg *cfg = load(base_cfg);
	struct rig r;
	tz_utc();
	rig_init(&r, cfg, "f4", "b2", 0);
	set_in(&r.s.src, "127.0.0.1", 52576);
	r.s.t_accept_wall_ms = 1795785284434LL;
	r.s.t_connect = r.s.t0;  /* the first attempt started at once */
	r.s.retries_done = 3;
	r.s.term[0] = 'S';
	r.s.term[1] = 'C';
	LINE_EQ(NULL, &r, 3009,
	        "127.0.0.1:52576 [27/Nov/2026:13:14:44.434] f4 b2/s2 1/-1/3009 0 SC 1/1/0/0/3 0/0");
	/* redispatched: '+' before the retries */
	struct srv_state other = { 0 };
	r.s.prev_srv = &other;
	LINE_EQ(NULL, &r, 3009,
	        "127.0.0.1:52576 [27/Nov/2026:13:14:44.434] f4 b2/s2 1/-1/3009 0 SC 1/1/0/0/+3 0/0");
	tz_restore();
	cfg_free(cfg);
}
END_TEST

/* rejected before a backend: -|-|-|-|<NOSRV>|f3|-1|-1|-1|PR */
START_TEST(logformat_nosrv)
{
	struct cfg *cfg = load(base_cfg);
	struct rig r;
	rig_init(&r, cfg, "f3", NULL, -1);
	set_in(&r.s.src, "127.0.0.1", 40000);
	r.s.bytes_in = 1;
	r.s.term[0] = 'P';
	r.s.term[1] = 'R';
	LINE_EQ(NULL, &r, 0, "-|-|-|-|<NOSRV>|f3|-1|-1|-1|PR");
	/* with a server: its address */
	rig_init(&r, cfg, "f3", "b1", 0);
	r.s.t_connect = r.s.t0;
	r.s.t_established = r.s.t0 + 2;
	LINE_EQ(NULL, &r, 50, "-|-|127.0.0.1|15600|s1|b1|1|2|48|--");
	cfg_free(cfg);
}
END_TEST

/* A request the engine answered itself (engine/http_local.c): the
 * values HAProxy 2.6.12 logged for the stats page and a 503 (observed). */
START_TEST(logformat_local_http)
{
	static const char text[] =
		"defaults\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
		"frontend h\n    mode http\n    bind 127.0.0.1:8404\n    stats enable\n"
		"    log-format \"%s %ST %B %U %ts %tsc %TR/%Tw/%Tc/%Tr/%Td/%Ta %{+Q}r %HM %HU %HV %HP %HQ\"\n";
	struct cfg *cfg = load(text);
	struct rig r;
	rig_init(&r, cfg, "h", NULL, -1);
	set_in(&r.s.src, "127.0.0.1", 40000);
	r.s.bytes_in = 91;
	r.s.bytes_out = 16059;
	r.s.term[0] = 'L';
	r.s.term[1] = 'R';
	static const char uri[] = "/stats?x=1";
	struct log_http h = { .srv = "<STATS>", .status = 200, .method = "GET", .method_len = 3,
	                      .uri = uri, .uri_len = sizeof(uri) - 1, .major = 1, .minor = 1 };
	struct sbuf b = { 0 };
	ck_assert(log_format_http(NULL, &r.s, &h, r.s.t0 + 2, &b, NULL));
	ck_assert_str_eq(b.s, "<STATS> 200 16059 91 LR LR-- 0/0/0/0/2/2 \"GET /stats?x=1 HTTP/1.1\" "
	                      "GET /stats?x=1 HTTP/1.1 /stats ?x=1");
	sbuf_reset(&b);
	/* a frontend's 503: nothing read into a backend; no query */
	h.srv = "<NOSRV>";
	h.status = 503;
	h.uri = "/x";
	h.uri_len = 2;
	h.tr = h.tw = -1;
	r.s.term[0] = 'S';
	r.s.term[1] = 'C';
	ck_assert(log_format_http(NULL, &r.s, &h, r.s.t0, &b, NULL));
	ck_assert_str_eq(b.s, "<NOSRV> 503 16059 91 SC SC-- -1/-1/-1/-1/-1/0 \"GET /x HTTP/1.1\" "
	                      "GET /x HTTP/1.1 /x ");
	sbuf_reset(&b);
	/* a request that could not be parsed */
	h.method = NULL;
	h.status = 400;
	ck_assert(log_format_http(NULL, &r.s, &h, r.s.t0, &b, NULL));
	ck_assert_str_eq(b.s, "<NOSRV> 400 16059 91 SC SC-- -1/-1/-1/-1/-1/0 \"<BADREQ>\" "
	                      "<BADREQ> <BADREQ> <BADREQ> <BADREQ> <BADREQ>");
	free(b.s);
	cfg_free(cfg);
}
END_TEST

/* Observed with haproxy (pid 0x09B5, hostname irrelevant here):
 * 7F000001|6B0982D7|09B5|140|0000|0|3004|27/Nov/2026:13:17:11.320|SC|"f1"|1|1|A6B8|3CF1 x ""|1|0|27/Nov/2026:13:17:11 +0000|1795785431|SC--|3 */
START_TEST(logformat_options_and_separators)
{
	struct cfg *cfg = load(base_cfg);
	struct diag d = { 0 };
	struct log_sink *ls = log_open(cfg, &d);
	ck_assert_ptr_nonnull(ls);
	struct rig r;
	tz_utc();
	rig_init(&r, cfg, "f5", "b2", 0);
	set_in(&r.s.src, "127.0.0.1", 0xA6B8);
	r.s.t_accept_wall_ms = 1795785431320LL;
	r.s.t_connect = r.s.t0;
	r.s.bytes_in = 1;
	r.s.retries_done = 3;
	r.s.term[0] = 'S';
	r.s.term[1] = 'C';
	char *want = xasprintf("7F000001|6B0982D7|%04X|140|0000|0|3004|27/Nov/2026:13:17:11.320|SC|\"f5\"|1|1|A6B8|3CF5 x \"\"|1|0|27/Nov/2026:13:17:11 +0000|1795785431|SC--|3 ",
	                       (unsigned)getpid());
	LINE_EQ(ls, &r, 3004, want);
	free(want);
	/* second line: %lc and %rt count; IPv6 in hexadecimal */
	set_in(&r.s.src, "::1", 0xB5F6);
	r.l.bind = r.fe.px->binds.v[1];
	memcpy(&r.l.addr, &r.l.bind->addrs[0].ss, sizeof(r.l.addr));
	sess_addr_set(&r.s.dst, (const struct sockaddr *)&r.l.addr, sizeof(r.l.addr));
	r.s.t_accept_wall_ms = 1795785434426LL;
	want = xasprintf("00000000000000000000000000000001|6B0982DA|%04X|1AA|0001|0|3008|27/Nov/2026:13:17:14.426|SC|\"f5\"|1|1|B5F6|3CF5 x \"\"|1|1|27/Nov/2026:13:17:14 +0000|1795785434|SC--|3 ",
	                 (unsigned)getpid());
	LINE_EQ(ls, &r, 3008, want);
	free(want);
	tz_restore();
	log_close(ls);
	diag_free(&d);
	cfg_free(cfg);
}
END_TEST

/* Observed: x "127.0.0.1" "b1" s1 "a\\b" "a"b" and 127.0.0.1 - s1 "" end */
START_TEST(logformat_samples)
{
	struct cfg *cfg = load(
		"frontend f\n"
		"    mode tcp\n"
		"    bind 127.0.0.1:15601\n"
		"    log stdout format raw local0\n"
		"    log-format \"x %{+Q}o %ci %b %{-Q}s %{+E}[str(a\\\\\\\\b)] %{+Q}[str(a\\\\\\\"b)]\"\n"
		"    timeout client 1s\n"
		"    default_backend b1\n"
		"frontend g\n"
		"    mode tcp\n"
		"    bind 127.0.0.1:15602\n"
		"    log stdout format raw local0\n"
		"    log-format \"%ci %[str()] %s %{+Q}[str()] end\"\n"
		"    timeout client 1s\n"
		"    default_backend b1\n"
		"backend b1\n"
		"    mode tcp\n"
		"    timeout connect 1s\n"
		"    timeout server 1s\n"
		"    server s1 127.0.0.1:15600\n");
	struct rig r;
	rig_init(&r, cfg, "f", "b1", 0);
	set_in(&r.s.src, "127.0.0.1", 1234);
	r.s.bytes_in = 1;
	LINE_EQ(NULL, &r, 1, "x \"127.0.0.1\" \"b1\" s1 \"a\\\\b\" \"a\"b\"");
	rig_init(&r, cfg, "g", "b1", 0);
	set_in(&r.s.src, "127.0.0.1", 1234);
	r.s.bytes_in = 1;
	LINE_EQ(NULL, &r, 1, "127.0.0.1 - s1 \"\" end");
	cfg_free(cfg);
}
END_TEST

START_TEST(filters_and_levels)
{
	struct cfg *cfg = load(base_cfg);
	struct rig r;
	int lvl;
	char *l;
	rig_init(&r, cfg, "f6", "b1", 0);
	set_in(&r.s.src, "127.0.0.1", 1234);
	r.s.t_connect = r.s.t_established = r.s.t0;
	/* dontlognull: nothing received */
	ck_assert_ptr_null(line_of(NULL, &r, 10, NULL));
	/* dontlog-normal: a normal session */
	r.s.bytes_in = 10;
	ck_assert_ptr_null(line_of(NULL, &r, 10, NULL));
	/* an error: logged at err (log-separate-errors), httplog -> tcplog */
	r.s.term[0] = 'S';
	r.s.term[1] = 'D';
	l = line_of(NULL, &r, 10, &lvl);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(lvl, 3);
	ck_assert_ptr_nonnull(strstr(l, " f6 b1/s1 1/0/10 0 SD 1/1/0/0/0 0/0"));
	free(l);
	/* a normal session with retries counts as an error */
	r.s.term[0] = r.s.term[1] = '-';
	r.s.retries_done = 1;
	l = line_of(NULL, &r, 10, &lvl);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(lvl, 3);
	free(l);
	/* no format: the line was the "Connect from" at accept */
	rig_init(&r, cfg, "f7", "b1", 0);
	r.s.bytes_in = 1;
	ck_assert_ptr_null(line_of(NULL, &r, 10, NULL));
	cfg_free(cfg);
}
END_TEST

static char *
frame(int fmt, int fac, int lvl, long sec, long usec, const char *host,
      int maxlen, const char *msg)
{
	struct sbuf b = { 0 };
	struct log_hdr h = {
		.format = fmt, .facility = fac, .level = lvl,
		.tv = { sec, usec }, .host = host, .tag = "haproxy",
		.pid = 29339, .maxlen = maxlen,
	};
	log_frame(&b, &h, msg, strlen(msg));
	return sbuf_take(&b);
}

#define FRAME_EQ(want, ...)                                                   \
	do {                                                                  \
		char *got_ = frame(__VA_ARGS__);                              \
		ck_assert_str_eq(got_, (want));                               \
		free(got_);                                                   \
	} while (0)

START_TEST(framing)
{
	const long t = 1795785283; /* 27/Nov/2026:13:14:43 UTC */
	tz_utc();
	FRAME_EQ("<134>Nov 27 13:14:43 haproxy[29339]: m\n",
	         LOG_FMT_LOCAL, 16, 6, t, 728781, NULL, 1024, "m");
	FRAME_EQ("<142>Nov 27 13:14:43 localhost haproxy[29339]: m\n",
	         LOG_FMT_RFC3164, 17, 6, t, 728781, NULL, 1024, "m");
	FRAME_EQ("<142>Nov 27 13:14:43 vm haproxy[29339]: m\n",
	         LOG_FMT_RFC3164, 17, 6, t, 728781, "vm", 1024, "m");
	FRAME_EQ("<150>1 2026-11-27T13:14:43.728781+00:00 - haproxy 29339 - - m\n",
	         LOG_FMT_RFC5424, 18, 6, t, 728781, NULL, 1024, "m");
	FRAME_EQ("<150>1 2026-11-27T13:14:43.000042+00:00 foo haproxy 29339 - - m\n",
	         LOG_FMT_RFC5424, 18, 6, t, 42, "foo", 1024, "m");
	FRAME_EQ("<6>m\n", LOG_FMT_SHORT, 19, 6, t, 0, NULL, 1024, "m");
	FRAME_EQ("<166>m\n", LOG_FMT_PRIORITY, 20, 6, t, 0, NULL, 1024, "m");
	FRAME_EQ("<6>2026-11-27T13:14:43.728798+00:00 m\n",
	         LOG_FMT_TIMED, 21, 6, t, 728798, NULL, 1024, "m");
	FRAME_EQ("2026-11-27T13:14:43.728802+00:00 m\n",
	         LOG_FMT_ISO, 22, 6, t, 728802, NULL, 1024, "m");
	FRAME_EQ("m\n", LOG_FMT_RAW, 23, 6, t, 0, NULL, 1024, "m");
	/* day of month padded with a space */
	FRAME_EQ("<134>Nov  7 13:14:43 haproxy[29339]: m\n",
	         LOG_FMT_LOCAL, 16, 6, t - 20 * 86400, 0, NULL, 1024, "m");
	/* len: header and message cut to len, newline on top (observed) */
	const char *msg = "127.0.0.1:60150 [27/Nov/2026:13:15:28.744] f1/1: Truncated PROXY protocol header received";
	FRAME_EQ("<134>Nov 27 13:14:43 haproxy[29339]: 127.0.0.1:60150 [27/Nov/2026:13:15:28.744] f\n",
	         LOG_FMT_LOCAL, 16, 6, t, 0, NULL, 81, msg);
	FRAME_EQ("127.0.0.1:60150 [27/Nov/2026:13:15:28.744] f1/1: Truncated PROXY protocol header\n",
	         LOG_FMT_RAW, 16, 6, t, 0, NULL, 80, msg);
	tz_restore();
}
END_TEST

/* A UDP socket on 127.0.0.1 standing for a syslog server. */
static int
udp_server(int *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	struct timeval tv = { 0, 200000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* The next datagram, or NULL when none came. */
static char *
recv_line(int fd)
{
	char buf[70000];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return NULL;
	return xstrndup(buf, (size_t)n);
}

#define RECV_EQ(fd, want)                                                     \
	do {                                                                  \
		char *got_ = recv_line(fd);                                   \
		ck_assert_ptr_nonnull(got_);                                  \
		ck_assert_str_eq(got_, (want));                               \
		free(got_);                                                   \
	} while (0)

START_TEST(targets_udp)
{
	int p1, p2, p3;
	int u1 = udp_server(&p1), u2 = udp_server(&p2), u3 = udp_server(&p3);
	char *text = xasprintf(
		"global\n"
		"    log 127.0.0.1:%d format raw local0 notice\n"
		"    log 127.0.0.1:%d format short local0 debug err\n"
		"    log 127.0.0.1:%d format raw sample 1,3:3 local0\n"
		"frontend f7\n"
		"    mode tcp\n"
		"    bind 127.0.0.1:15607\n"
		"    log global\n"
		"    log-tag ftag\n"
		"    timeout client 1s\n"
		"    default_backend b1\n"
		"frontend f8\n"
		"    mode tcp\n"
		"    bind 127.0.0.1:15608\n"
		"    log 127.0.0.1:%d len 80 local1\n"
		"    log-tag ftag\n"
		"    option tcplog\n"
		"    timeout client 1s\n"
		"    default_backend b1\n"
		"backend b1\n"
		"    mode tcp\n"
		"    timeout connect 1s\n"
		"    timeout server 1s\n"
		"    server s1 127.0.0.1:15600\n",
		p1, p2, p3, p1);
	struct cfg *cfg = load(text);
	free(text);
	struct diag d = { 0 };
	struct log_sink *ls = log_open(cfg, &d);
	ck_assert_ptr_nonnull(ls);
	ck_assert_int_eq((int)d.n, 0);

	/* info: filtered by the "notice" target, sent to the others */
	log_proxy(ls, NULL, 6, "hello %d", 1);
	RECV_EQ(u2, "<6>hello 1\n");
	RECV_EQ(u3, "hello 1\n");
	ck_assert_ptr_null(recv_line(u1));
	/* alert: raised to err by the min level of the short target */
	log_proxy(ls, NULL, 1, "Server b1/s1 is DOWN");
	RECV_EQ(u1, "Server b1/s1 is DOWN\n");
	RECV_EQ(u2, "<3>Server b1/s1 is DOWN\n");
	/* sample 1,3:3 -> lines 1, 3, 4, 6... of the target; 2 was sent */
	ck_assert_ptr_null(recv_line(u3));
	log_proxy(ls, NULL, 6, "three");
	RECV_EQ(u3, "three\n");
	log_proxy(ls, NULL, 6, "four");
	RECV_EQ(u3, "four\n");
	log_proxy(ls, NULL, 6, "five");
	ck_assert_ptr_null(recv_line(u3));
	for (char *x; (x = recv_line(u2)) != NULL;)
		free(x);

	/* "Connect from" for a frontend without a format, with its tag */
	struct rig r;
	rig_init(&r, cfg, "f7", "b1", 0);
	set_in(&r.s.src, "1.2.3.4", 1111);
	set_in(&r.s.dst, "5.6.7.8", 2222);
	log_accept(ls, &r.s);
	RECV_EQ(u3, "Connect from 1.2.3.4:1111 to 5.6.7.8:2222 (f7/TCP)\n");
	char *l2 = recv_line(u2);
	ck_assert_ptr_nonnull(l2);
	ck_assert_str_eq(l2, "<6>Connect from 1.2.3.4:1111 to 5.6.7.8:2222 (f7/TCP)\n");
	free(l2);

	/* a connection error, then a session line (len 80, local format) */
	tz_utc();
	rig_init(&r, cfg, "f8", "b1", 0);
	set_in(&r.s.src, "127.0.0.1", 60150);
	r.s.t_accept_wall_ms = 1795785328744LL;
	log_conn_error(ls, &r.s, "Truncated PROXY protocol header received");
	char *got = recv_line(u1);
	ck_assert_ptr_nonnull(got);
	/* <142>Nov 27 13:15:28 ftag[pid]: <message>, cut to 80 */
	ck_assert_int_eq((int)strlen(got), 81);
	ck_assert_ptr_nonnull(strstr(got, " ftag["));
	ck_assert_ptr_nonnull(strstr(got, "]: 127.0.0.1:60150 [27/Nov/2026:13:15:28.744] f"));
	ck_assert_int_eq(strncmp(got, "<142>", 5), 0);
	free(got);
	tz_restore();

	log_close(ls);
	diag_free(&d);
	cfg_free(cfg);
	close(u1);
	close(u2);
	close(u3);
}
END_TEST

START_TEST(conn_error_line)
{
	int p;
	int u = udp_server(&p);
	char *text = xasprintf(
		"global\n"
		"    log 127.0.0.1:%d format raw local0\n"
		"defaults\n"
		"    mode tcp\n"
		"    log global\n"
		"    timeout client 1s\n"
		"    timeout connect 1s\n"
		"    timeout server 1s\n"
		"frontend f1\n"
		"    bind 127.0.0.1:15601 accept-proxy\n"
		"    default_backend b1\n"
		"frontend f2\n"
		"    bind 127.0.0.1:15602 accept-proxy name mybind\n"
		"    option dontlognull\n"
		"    default_backend b1\n"
		"backend b1\n"
		"    server s1 127.0.0.1:15600\n", p);
	struct cfg *cfg = load(text);
	free(text);
	struct diag d = { 0 };
	struct log_sink *ls = log_open(cfg, &d);
	ck_assert_ptr_nonnull(ls);
	struct rig r;
	tz_utc();
	rig_init(&r, cfg, "f1", NULL, -1);
	set_in(&r.s.src, "127.0.0.1", 60150);
	r.s.t_accept_wall_ms = 1795785328744LL;
	r.s.req_len = 9;
	log_conn_error(ls, &r.s, "Truncated PROXY protocol header received");
	RECV_EQ(u, "127.0.0.1:60150 [27/Nov/2026:13:15:28.744] f1/1: Truncated PROXY protocol header received\n");
	rig_init(&r, cfg, "f2", NULL, -1);
	set_in(&r.s.src, "127.0.0.1", 34558);
	r.s.t_accept_wall_ms = 1795785329245LL;
	/* dontlognull: nothing received, no line */
	log_conn_error(ls, &r.s, "Connection closed while waiting for PROXY protocol header");
	ck_assert_ptr_null(recv_line(u));
	r.s.req_len = 9;
	log_conn_error(ls, &r.s, "Truncated PROXY protocol header received");
	RECV_EQ(u, "127.0.0.1:34558 [27/Nov/2026:13:15:29.245] f2/mybind: Truncated PROXY protocol header received\n");
	tz_restore();
	log_close(ls);
	diag_free(&d);
	cfg_free(cfg);
	close(u);
}
END_TEST

START_TEST(open_errors)
{
	struct cfg *cfg = load("global\n"
	                       "    log tcp@127.0.0.1:514 local0\n"
	                       "frontend f\n"
	                       "    mode tcp\n"
	                       "    bind 127.0.0.1:15601\n"
	                       "    log global\n"
	                       "    timeout client 1s\n"
	                       "    default_backend b\n"
	                       "backend b\n"
	                       "    mode tcp\n"
	                       "    timeout connect 1s\n"
	                       "    timeout server 1s\n"
	                       "    server s 127.0.0.1:15600\n");
	struct diag d = { 0 };
	ck_assert_ptr_null(log_open(cfg, &d));
	ck_assert_int_eq(d.nerrors, 1);
	ck_assert_int_eq(d.msgs[0].loc.line, 2);
	ck_assert_str_eq(d.msgs[0].text,
	                 "log : TCP targets (tcp@127.0.0.1:514) are not supported by sluice yet");
	diag_free(&d);
	cfg_free(cfg);
}
END_TEST

Suite *suite_log(void);
Suite *
suite_log(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, tcplog_normal);
	tcase_add_test(tc, tcplog_server_refused);
	tcase_add_test(tc, logformat_nosrv);
	tcase_add_test(tc, logformat_local_http);
	tcase_add_test(tc, logformat_options_and_separators);
	tcase_add_test(tc, logformat_samples);
	tcase_add_test(tc, filters_and_levels);
	tcase_add_test(tc, framing);
	tcase_add_test(tc, targets_udp);
	tcase_add_test(tc, conn_error_line);
	tcase_add_test(tc, open_errors);
	suite_add_tcase(s, tc);
	return s;
}
