/* The check runner (chk_run.h): sockets, TLS and timers around the check
 * programs of chk.h. One event_base on one thread; a target is either
 * idle (its timer is the next check) or running one check (its timer is
 * the check's deadline, its io event waits on the socket).
 *
 * Timeouts follow HAProxy 2.6 (tcpcheck_eval_connect): each connect gets
 * inter, cut to "timeout connect" when "timeout check" is set; once the
 * connection (and its TLS handshake) is up, "timeout check" replaces it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "engine/smp_ctx.h"
#include "engine/smp_eval.h"
#include "health/chk_run.h"
#include "lib/log.h"
#include "lib/sockopt.h"
#include "parser/cfg.h"
#include "parser/global.h"
#include "parser/server.h"
#include "parser/tls_check.h"
#include "proto/proxyproto.h"

#define SRV_CHK_INTER_THRES 1000 /* HAProxy: intervals below do not spread */
#define DEF_CHKINTR 2000

struct chk_prog {
	const struct cfg_proxy *px;
	struct chk_ruleset rs;
};

struct chk_runner {
	const struct cfg *cfg;
	struct chk_hooks hooks;
	void *arg;
	struct event_base *base;
	pthread_t thr;
	bool started;
	VEC(struct chk_prog *) progs;
	VEC(struct chk_target *) targets;
};

enum phase { PH_IDLE, PH_L4, PH_L6, PH_EST };

struct chk_target {
	struct chk_runner *run;
	const struct cfg_proxy *px;
	const struct cfg_server *srv;
	bool agent;
	void *user;
	const struct chk_ruleset *rs;
	struct chk_ruleset own;          /* agent program */
	SSL_CTX *tls;                    /* built on first TLS connect */
	bool tls_failed;
	struct event *tev, *iev;
	int health, rise, fall;
	bool up;

	/* the running check */
	bool running;
	long long start, deadline;
	size_t cur, last;
	enum phase ph;
	int fd;
	SSL *ssl;
	size_t conn_step;
	bool linger;
	bool sending, must_read, eof;
	int err;
	struct sbuf in, out;
	size_t out_off;
	struct chk_env env;
	struct smp_ctx sctx;
	union sess_addr sa_src, sa_dst; /* what sctx shows of the connection */
	char *state_hdr;
	char *hello_sni;
	/* stats socket overrides for the running check (hooks.override);
	 * own_send: the agent-send the agent program was built with */
	struct chk_override ovr;
	char *own_send;
	bool own_rebuilt;
};

static long long
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void io_cb(evutil_socket_t fd, short what, void *arg);
static void timer_cb(evutil_socket_t fd, short what, void *arg);
static void run(struct chk_target *t);

void *
chk_target_user(const struct chk_target *t)
{
	return t->user;
}

const struct cfg_server *
chk_target_server(const struct chk_target *t)
{
	return t->srv;
}

const struct cfg_proxy *
chk_target_proxy(const struct chk_target *t)
{
	return t->px;
}

bool
chk_target_is_agent(const struct chk_target *t)
{
	return t->agent;
}

int
chk_target_health(const struct chk_target *t, bool *up)
{
	*up = t->up;
	return t->health;
}

/* ------------------------------------------------------------ scheduling */

static uint32_t
interval(struct chk_target *t)
{
	const struct cfg_server *s = t->srv;
	if (t->agent)
		return s->agent_inter ? s->agent_inter : DEF_CHKINTR;
	if (t->run->hooks.interval)
		return t->run->hooks.interval(t->run->arg, t);
	uint32_t inter = s->inter ? s->inter : DEF_CHKINTR;
	if (t->health == t->rise + t->fall - 1)
		return inter;
	if (!t->up && t->health == 0)
		return s->downinter ? s->downinter : inter;
	return s->fastinter ? s->fastinter : inter;
}

static void
arm_timer(struct chk_target *t, long long ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
	evtimer_add(t->tev, &tv);
}

/* The next check after inter, with spread-checks' jitter (HAProxy:
 * +/- inter * spread / 100). */
static void
schedule_next(struct chk_target *t)
{
	long long iv = interval(t);
	int spread = t->run->cfg->global ? t->run->cfg->global->spread_checks : 0;
	if (spread > 0) {
		long long rv = iv * spread / 100;
		rv -= (long long)(2.0 * (double)rv * ((double)random() / (double)RAND_MAX));
		iv += rv;
	}
	arm_timer(t, iv > 0 ? iv : 0);
}

/* The runner's copy of HAProxy's check->health arithmetic, for the
 * intervals and send-state (the server-state function keeps the real
 * state). */
static void
count_result(struct chk_target *t, const struct chk_result *r)
{
	if (t->agent || r->status == CHK_ST_UNKNOWN)
		return;
	if (chk_status_ok(r->status)) {
		if (t->health < t->rise + t->fall - 1) {
			t->health++;
			if (t->health >= t->rise) {
				t->health = t->rise + t->fall - 1;
				t->up = true;
			}
		}
	} else if (t->health > t->rise) {
		t->health--;
	} else {
		t->health = 0;
		t->up = false;
	}
}

/* ------------------------------------------------------------- the check */

static void
close_conn(struct chk_target *t)
{
	if (t->ssl) {
		SSL_free(t->ssl);
		t->ssl = NULL;
	}
	if (t->fd >= 0) {
		event_del(t->iev);
		if (!t->linger) {
			/* HAProxy resets check connections unless "linger" */
			struct linger l = { 1, 0 };
			setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		}
		close(t->fd);
		t->fd = -1;
	}
	t->ph = PH_IDLE;
	ERR_clear_error();
}

static void
finish(struct chk_target *t, struct chk_result *res, const char *agent_line)
{
	close_conn(t);
	t->running = false;
	evtimer_del(t->tev);
	res->duration_ms = mono_ms() - t->start;
	struct chk_runner *r = t->run;
	if (r->hooks.running)
		r->hooks.running(r->arg, t, false);
	if (t->agent) {
		if (r->hooks.agent)
			r->hooks.agent(r->arg, t, agent_line, res);
	} else {
		count_result(t, res);
		if (r->hooks.report)
			r->hooks.report(r->arg, t, res);
	}
	sbuf_reset(&t->in);
	sbuf_reset(&t->out);
	schedule_next(t);
}

static void
wait_io(struct chk_target *t, short what)
{
	event_del(t->iev);
	event_assign(t->iev, t->run->base, t->fd, what, io_cb, t);
	event_add(t->iev, NULL);
}

static void
conn_fail(struct chk_target *t, int err, const char *tls_err, bool expired)
{
	struct chk_result res = { 0 };
	enum chk_conn_phase ph = t->ph == PH_L4 ? CHK_PH_L4 : t->ph == PH_L6 ? CHK_PH_L6 : CHK_PH_EST;
	if (t->ph == PH_IDLE)
		ph = CHK_PH_L4;
	chk_conn_error(&t->env, t->cur, ph, err, tls_err, expired, &res);
	finish(t, &res, NULL);
}

static int
set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		return -1;
	return 0;
}

static int
get_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static socklen_t
ss_len(const struct sockaddr_storage *ss)
{
	switch (ss->ss_family) {
	case AF_INET: return sizeof(struct sockaddr_in);
	case AF_INET6: return sizeof(struct sockaddr_in6);
	case AF_UNIX: return sizeof(struct sockaddr_un);
	default: return 0;
	}
}

/* Does a default connect of this target carry the server's TLS / PROXY
 * settings? (HAProxy: only when neither "port" nor "addr" is set.) */
static bool
no_override(const struct cfg_server *s)
{
	return s->check_port == 0 && s->check_addr.kind == ADDR_NONE;
}

/* tcpcheck_eval_connect(): address and port of a connect step. */
static int
connect_dst(struct chk_target *t, const struct chk_step *st, struct sockaddr_storage *ss)
{
	const struct cfg_server *s = t->srv;
	const struct cfg_addr *chk_addr = t->agent ? &s->agent_addr : &s->check_addr;
	int chk_port = t->agent ? s->agent_port : s->check_port;
	const struct chk_override *o = &t->ovr;
	if (o->chk_port)
		chk_port = o->chk_port;
	if (st->c_addr.ss_family)
		*ss = st->c_addr;
	else if (o->chk_addr_set)
		memcpy(ss, &o->chk_addr, sizeof(*ss));
	else if (chk_addr->kind == ADDR_INET)
		memcpy(ss, &chk_addr->ss, sizeof(*ss));
	else if (o->addr_set)
		memcpy(ss, &o->addr, sizeof(*ss));
	else
		memcpy(ss, &s->addr.ss, sizeof(*ss));
	if (ss->ss_family == AF_UNIX)
		return 0;
	int port = st->c_port;
	if (!port && st->c_port_expr) {
		struct sbuf v = { 0 };
		if (smp_eval_str(st->c_port_expr, &t->sctx, &v) == SMP_RES_OK && v.s)
			port = atoi(v.s);
		free(v.s);
	}
	if (!port && st->c_addr.ss_family)
		port = get_port(&st->c_addr);
	if (!port)
		port = chk_port;
	if (!port && o->chk_addr_set)
		port = get_port(&o->chk_addr);
	if (!port && chk_addr->kind == ADDR_INET && !o->chk_addr_set)
		port = chk_addr->port_lo;
	if (!port && o->addr_set && o->port_set)
		port = get_port(&o->addr);
	if (!port && s->addr.port_mode == ADDR_PORT_FIXED)
		port = s->addr.port_lo;
	if (port <= 0 || port > 65535)
		return -1;
	return set_port(ss, port);
}

static bool
step_tls(const struct chk_target *t, const struct chk_step *st)
{
	if (st->c_ssl)
		return true;
	if (!st->c_default || t->agent)
		return false;
	return t->srv->check_ssl || (t->srv->ssl && no_override(t->srv));
}

static bool
step_proxy(const struct chk_target *t, const struct chk_step *st)
{
	if (st->c_send_proxy)
		return true;
	if (!st->c_default || t->agent)
		return false;
	return t->srv->check_send_proxy || (t->srv->send_proxy && no_override(t->srv));
}

static int
ossl_ver(enum sslo_ver v)
{
	switch (v) {
	case SSLO_VER_SSLV3: return SSL3_VERSION;
	case SSLO_VER_TLS10: return TLS1_VERSION;
	case SSLO_VER_TLS11: return TLS1_1_VERSION;
	case SSLO_VER_TLS12: return TLS1_2_VERSION;
	case SSLO_VER_TLS13: return TLS1_3_VERSION;
	default: return 0;
	}
}

/* "h2,http/1.1" in ALPN wire format. */
static size_t
alpn_wire(const char *list, unsigned char *out, size_t outsz)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		size_t l = strcspn(p, ",");
		if (l && l < 256 && n + 1 + l <= outsz) {
			out[n++] = (unsigned char)l;
			memcpy(out + n, p, l);
			n += l;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	return n;
}

static bool
verify_required(const struct chk_target *t)
{
	enum sslo_verify v = t->srv->verify;
	if (v == SSLO_VERIFY_UNSET)
		return !(t->run->cfg->global && t->run->cfg->global->ssl_server_verify_none);
	return v == SSLO_VERIFY_REQUIRED;
}

/* The TLS context of this target's checks, from the server's settings. */
static SSL_CTX *
tls_ctx(struct chk_target *t)
{
	if (t->tls || t->tls_failed)
		return t->tls;
	const struct cfg_server *s = t->srv;
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	if (c == NULL)
		goto fail;
	struct sslo_opts o = s->ssl_opts;
	if (t->run->cfg->global)
		sslo_opts_merge(&o, &t->run->cfg->global->ssl_server_opts);
	struct tlsc_vers v;
	tlsc_versions(&o, SSLO_VER_UNSET, SSLO_VER_UNSET, false, &v);
	if (!v.none) {
		if (ossl_ver(v.min))
			SSL_CTX_set_min_proto_version(c, ossl_ver(v.min));
		if (ossl_ver(v.max))
			SSL_CTX_set_max_proto_version(c, ossl_ver(v.max));
	}
	if (s->ciphers)
		SSL_CTX_set_cipher_list(c, s->ciphers);
	if (s->ciphersuites)
		SSL_CTX_set_ciphersuites(c, s->ciphersuites);
	if (verify_required(t)) {
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
		if (s->ca_file && strcmp(s->ca_file, "@system-ca") != 0) {
			if (SSL_CTX_load_verify_locations(c, s->ca_file, NULL) != 1)
				log_warnx("health check of %s/%s: cannot load CA file '%s'",
				          t->px->name, s->name, s->ca_file);
		} else
			SSL_CTX_set_default_verify_paths(c);
	} else
		SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	if (s->crt) {
		/* the key is in the same PEM or in <crt>.key, as for HAProxy */
		char *k = xasprintf("%s.key", s->crt);
		if (SSL_CTX_use_certificate_chain_file(c, s->crt) != 1 ||
		    (SSL_CTX_use_PrivateKey_file(c, s->crt, SSL_FILETYPE_PEM) != 1 &&
		     SSL_CTX_use_PrivateKey_file(c, k, SSL_FILETYPE_PEM) != 1))
			log_warnx("health check of %s/%s: cannot load certificate '%s'",
			          t->px->name, s->name, s->crt);
		free(k);
	}
	ERR_clear_error();
	t->tls = c;
	return c;
fail:
	t->tls_failed = true;
	return NULL;
}

static int
start_tls(struct chk_target *t, const struct chk_step *st)
{
	SSL_CTX *c = tls_ctx(t);
	if (c == NULL || (t->ssl = SSL_new(c)) == NULL)
		return -1;
	SSL_set_fd(t->ssl, t->fd);
	SSL_set_connect_state(t->ssl);
	const char *sni = st->c_sni ? st->c_sni : st->c_default ? t->srv->check_sni : NULL;
	const char *alpn = st->c_alpn ? st->c_alpn : st->c_default ? t->srv->check_alpn : NULL;
	if (sni && *sni)
		SSL_set_tlsext_host_name(t->ssl, sni);
	if (alpn && *alpn) {
		unsigned char w[256];
		size_t n = alpn_wire(alpn, w, sizeof(w));
		if (n)
			SSL_set_alpn_protos(t->ssl, w, (unsigned)n);
	}
	/* the certificate must match verifyhost, or else the SNI sent */
	const char *host = t->srv->verifyhost ? t->srv->verifyhost : sni;
	if (verify_required(t) && host && *host)
		SSL_set1_host(t->ssl, host);
	return 0;
}

/* Returns true once the handshake is done; otherwise it waits or the
 * check has ended. */
static bool
tls_handshake(struct chk_target *t)
{
	ERR_clear_error();
	int rc = SSL_connect(t->ssl);
	if (rc == 1) {
		t->ph = PH_EST;
		return true;
	}
	int e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ) {
		wait_io(t, EV_READ);
		return false;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		wait_io(t, EV_WRITE);
		return false;
	}
	int err = e == SSL_ERROR_SYSCALL ? errno : 0;
	long vr = SSL_get_verify_result(t->ssl);
	conn_fail(t, err, vr == X509_V_ERR_HOSTNAME_MISMATCH ?
	          "Server presented an SSL certificate different from the expected one" :
	          "SSL handshake failure", false);
	return false;
}

/* The PROXY header of a check connection: v2 LOCAL for send-proxy-v2
 * servers (with global pp2-never-send-local: a v2 PROXY header, no TLV),
 * else v1, with the connection's own addresses (observed). */
static int
send_proxy_hdr(struct chk_target *t, const struct sockaddr *dst)
{
	uint8_t buf[PP_V1_MAX + 64];
	int n;
	struct sockaddr_storage loc;
	socklen_t ll = sizeof(loc);
	bool never_local = t->run->cfg->global && t->run->cfg->global->pp2_never_send_local;

	memset(&loc, 0, sizeof(loc));
	getsockname(t->fd, (struct sockaddr *)&loc, &ll);
	if (t->srv->send_proxy == 2 && !never_local)
		n = pp_build_v2_local(buf, sizeof(buf));
	else if (t->srv->send_proxy == 2)
		n = pp_build_v2(buf, sizeof(buf), (const struct sockaddr *)&loc, dst, NULL);
	else
		n = pp_build_v1((char *)buf, sizeof(buf), (const struct sockaddr *)&loc, dst);
	if (n < 0)
		return -1;
	return send(t->fd, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

static void
do_connect(struct chk_target *t, const struct chk_step *st)
{
	struct sockaddr_storage dst;
	memset(&dst, 0, sizeof(dst));
	t->conn_step = t->cur;
	t->linger = st->c_linger;
	sbuf_reset(&t->in);
	sbuf_reset(&t->out);
	if (connect_dst(t, st, &dst) < 0) {
		struct chk_result res = { 0 };
		res.status = CHK_ST_SOCKERR;
		str_copy(res.info, sizeof(res.info), "No port available for the TCP connection");
		finish(t, &res, NULL);
		return;
	}
	sess_addr_set(&t->sa_dst, (const struct sockaddr *)&dst, sizeof(dst));
	t->fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		t->ph = PH_IDLE;
		conn_fail(t, errno, NULL, false);
		return;
	}
	if (dst.ss_family != AF_UNIX) {
		int one = 1;
		setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* checks leave from the server's "source" too, as HAProxy's */
		if (sockopt_bind_device(t->fd, t->srv->source_interface) < 0 ||
		    (t->srv->source.kind == ADDR_INET &&
		     sockopt_bind_source(t->fd, &t->srv->source.ss, t->srv->source.port_lo,
		                         t->srv->source.port_hi) < 0)) {
			struct chk_result res = { 0 };
			res.status = CHK_ST_SOCKERR;
			str_copy(res.info, sizeof(res.info), "Cannot bind to source address");
			finish(t, &res, NULL);
			return;
		}
	}
	t->ph = PH_L4;
	long long now = mono_ms();
	uint32_t inter = t->agent ? (t->srv->agent_inter ? t->srv->agent_inter : DEF_CHKINTR)
	                          : (t->srv->inter ? t->srv->inter : DEF_CHKINTR);
	t->deadline = now + inter;
	const uint32_t *to = t->px->timeout;
	if (to[PX_TO_CHECK] && to[PX_TO_CONNECT] && now + to[PX_TO_CONNECT] < t->deadline)
		t->deadline = now + to[PX_TO_CONNECT];
	evtimer_del(t->tev);
	arm_timer(t, t->deadline - now);
	if (connect(t->fd, (struct sockaddr *)&dst, ss_len(&dst)) < 0 && errno != EINPROGRESS) {
		conn_fail(t, errno, NULL, false);
		return;
	}
	wait_io(t, EV_WRITE);
}

/* A connect step: open, wait for L4, send PROXY, handshake TLS. Returns
 * true when the step is done (connection up). */
static bool
step_connect(struct chk_target *t, const struct chk_step *st)
{
	if (t->fd >= 0 && t->conn_step != t->cur)
		close_conn(t);
	if (t->fd < 0) {
		do_connect(t, st);
		return false;
	}
	if (t->ph == PH_L4) {
		int err = 0;
		socklen_t el = sizeof(err);
		if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err) {
			conn_fail(t, err, NULL, false);
			return false;
		}
		if (step_proxy(t, st) && send_proxy_hdr(t, &t->sa_dst.sa) < 0) {
			t->ph = PH_EST;
			conn_fail(t, errno, NULL, false);
			return false;
		}
		if (step_tls(t, st)) {
			t->ph = PH_L6;
			if (start_tls(t, st) < 0) {
				conn_fail(t, 0, "SSL handshake failure", false);
				return false;
			}
		} else
			t->ph = PH_EST;
	}
	if (t->ph == PH_L6 && !tls_handshake(t))
		return false;
	/* established: "timeout check" now bounds the rest */
	uint32_t tc = t->px->timeout[PX_TO_CHECK];
	if (tc) {
		long long now = mono_ms();
		t->deadline = now + tc;
		evtimer_del(t->tev);
		arm_timer(t, tc);
	}
	t->must_read = true;
	t->eof = false;
	t->err = 0;
	return true;
}

static ssize_t
io_write(struct chk_target *t, const char *p, size_t n, bool *again)
{
	*again = false;
	if (t->ssl) {
		ERR_clear_error();
		int rc = SSL_write(t->ssl, p, (int)n);
		if (rc > 0)
			return rc;
		int e = SSL_get_error(t->ssl, rc);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			*again = true;
			return 0;
		}
		if (e != SSL_ERROR_SYSCALL || errno == 0)
			errno = EPIPE;
		return -1;
	}
	ssize_t w = send(t->fd, p, n, MSG_NOSIGNAL);
	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		*again = true;
		return 0;
	}
	return w;
}

/* Returns true when the step is done. */
static bool
step_send(struct chk_target *t)
{
	if (!t->sending) {
		struct chk_result res = { 0 };
		sbuf_reset(&t->out);
		sbuf_reset(&t->in); /* a send starts a new exchange */
		if (chk_send_render(&t->env, t->cur, &t->out, &res) < 0) {
			finish(t, &res, NULL);
			return false;
		}
		t->out_off = 0;
		t->sending = true;
	}
	while (t->out_off < t->out.len) {
		bool again;
		ssize_t w = io_write(t, t->out.s + t->out_off, t->out.len - t->out_off, &again);
		if (again) {
			wait_io(t, EV_WRITE);
			return false;
		}
		if (w <= 0) {
			t->sending = false;
			conn_fail(t, errno, NULL, false);
			return false;
		}
		t->out_off += (size_t)w;
	}
	t->sending = false;
	t->must_read = true;
	return true;
}

/* Reads what is there (up to CHK_BUFSIZE in all). Returns the bytes read;
 * sets t->eof / t->err. */
static size_t
read_some(struct chk_target *t)
{
	size_t got = 0;
	char buf[4096];
	while (!t->eof && !t->err && t->in.len < CHK_BUFSIZE) {
		size_t room = CHK_BUFSIZE - t->in.len;
		if (room > sizeof(buf))
			room = sizeof(buf);
		ssize_t n;
		if (t->ssl) {
			ERR_clear_error();
			int rc = SSL_read(t->ssl, buf, (int)room);
			if (rc > 0)
				n = rc;
			else {
				int e = SSL_get_error(t->ssl, rc);
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					break;
				if (e == SSL_ERROR_ZERO_RETURN)
					n = 0;
				else {
					t->err = (e == SSL_ERROR_SYSCALL && errno) ? errno : EPIPE;
					break;
				}
			}
		} else {
			n = recv(t->fd, buf, room, 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				if (errno == EINTR)
					continue;
				t->err = errno;
				break;
			}
		}
		if (n == 0) {
			t->eof = true;
			break;
		}
		sbuf_addn(&t->in, buf, (size_t)n);
		got += (size_t)n;
	}
	return got;
}

/* Returns true when the step is done. */
static bool
step_expect(struct chk_target *t)
{
	struct chk_result res = { 0 };
	bool last_read = t->eof || t->err || t->in.len >= CHK_BUFSIZE;
	if (t->must_read) {
		size_t got = read_some(t);
		if (t->in.len == 0 && t->err) {
			conn_fail(t, t->err, NULL, false);
			return false;
		}
		if (got == 0 && !t->eof && !t->err) {
			wait_io(t, EV_READ);
			return false;
		}
		if (got == 0 && t->in.len == 0) {
			chk_empty_response(&t->env, t->cur, &res);
			finish(t, &res, NULL);
			return false;
		}
		last_read = t->eof || t->err;
		t->must_read = false;
	}
	enum chk_eval rc = chk_expect(&t->env, t->cur, t->in.s ? t->in.s : "",
	                              t->in.len, last_read, &res);
	if (rc == CHK_EVAL_WAIT) {
		t->cur = t->rs->steps.v[t->cur].head;
		t->must_read = true;
		wait_io(t, EV_READ);
		return false;
	}
	if (rc == CHK_EVAL_STOP) {
		finish(t, &res, NULL);
		return false;
	}
	if (t->rs->steps.v[t->cur].agent_reply) {
		char line[sizeof(res.info)];
		str_copy(line, sizeof(line), res.info);
		res.info[0] = 0;
		finish(t, &res, line);
		return false;
	}
	return true;
}

/* Runs steps until one has to wait or the check ends. */
static void
run(struct chk_target *t)
{
	while (t->running) {
		if (t->cur >= t->rs->steps.n) {
			struct chk_result res = { 0 };
			chk_success(&t->env, t->last, t->ssl != NULL, t->in.s ? t->in.s : "",
			            t->in.len, &res);
			finish(t, &res, NULL);
			return;
		}
		const struct chk_step *st = &t->rs->steps.v[t->cur];
		bool done = true;
		switch (st->act) {
		case CHK_CONNECT:
			done = step_connect(t, st);
			break;
		case CHK_SEND:
			done = step_send(t);
			break;
		case CHK_EXPECT:
			done = step_expect(t);
			break;
		default:
			break;
		}
		if (!done)
			return;
		t->last = t->cur;
		t->cur++;
	}
}

static void
io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chk_target *t = arg;
	if (t->running)
		run(t);
}

static void
fill_view(struct chk_target *t, struct chk_srv_view *v, char *addr, size_t addrsz)
{
	const struct cfg_server *s = t->srv;
	memset(v, 0, sizeof(*v));
	v->up = t->up;
	v->health = t->health;
	v->rise = t->rise;
	v->fall = t->fall;
	addr[0] = 0;
	if (s->addr.ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&s->addr.ss)->sin_addr, addr, (socklen_t)addrsz);
	else if (s->addr.ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&s->addr.ss)->sin6_addr, addr, (socklen_t)addrsz);
	v->addr = addr;
	if (s->addr.port_mode == ADDR_PORT_FIXED)
		v->port = s->addr.port_lo;
	v->be = t->px->name;
	v->srv = s->name;
	v->weight = s->weight;
	v->tot_weight = 0;
	for (size_t i = 0; i < t->px->servers.n; i++)
		if (!t->px->servers.v[i]->backup)
			v->tot_weight += t->px->servers.v[i]->weight;
	if (t->run->hooks.view)
		t->run->hooks.view(t->run->arg, t, v);
}

static char *
node_name(const struct cfg *cfg)
{
	if (cfg->global && cfg->global->node)
		return xstrdup(cfg->global->node);
	char h[256] = "";
	gethostname(h, sizeof(h) - 1);
	h[sizeof(h) - 1] = 0;
	return xstrdup(h);
}

/* Asks the stats socket's overrides (hooks.override); false when the
 * check is disabled now. An agent whose agent-send changed gets its
 * program rebuilt. */
static bool
apply_override(struct chk_target *t)
{
	free(t->ovr.agent_send);
	memset(&t->ovr, 0, sizeof(t->ovr));
	if (t->run->hooks.override == NULL)
		return true;
	t->run->hooks.override(t->run->arg, t, &t->ovr);
	if (t->ovr.disabled)
		return false;
	const char *want = t->ovr.agent_send;
	if (t->agent && want && (!t->own_rebuilt || strcmp(want, t->own_send ? t->own_send : "") != 0)) {
		struct cfg_server tmp = *t->srv;
		char *send = xstrdup(want);
		char *err = NULL;
		struct chk_ruleset rs;
		tmp.agent_send = send;
		if (chk_ruleset_build(t->px, &tmp, true, &rs, &err) == 0) {
			chk_ruleset_free(&t->own);
			t->own = rs;
			t->rs = &t->own;
			free(t->own_send);
			t->own_send = send; /* the program's send step points here */
			t->own_rebuilt = true;
		} else {
			free(send);
		}
		free(err);
	}
	return true;
}

static void
start_check(struct chk_target *t)
{
	if (!apply_override(t)) {
		schedule_next(t); /* "disable health|agent": try again later */
		return;
	}
	t->running = true;
	if (t->run->hooks.running)
		t->run->hooks.running(t->run->arg, t, true);
	t->start = mono_ms();
	t->cur = 0;
	t->last = 0;
	t->sending = false;
	t->must_read = true;
	t->eof = false;
	t->err = 0;
	t->fd = -1;
	t->ph = PH_IDLE;
	sbuf_reset(&t->in);
	sbuf_reset(&t->out);
	memset(&t->env, 0, sizeof(t->env));
	t->env.rs = t->rs;
	t->env.sctx = &t->sctx;
	t->env.disable_on_404 = t->px->http_check_disable_on_404;
	t->env.srv_up = t->up;
	t->env.hello_sni = t->hello_sni;
	FREE_NULL(t->state_hdr);
	if (!t->agent && t->px->http_check_send_state && t->rs->proto == CHK_P_HTTP) {
		struct chk_srv_view v;
		char addr[64];
		struct sbuf b = { 0 };
		char *node = node_name(t->run->cfg);
		fill_view(t, &v, addr, sizeof(addr));
		v.node = node;
		chk_state_header(&v, &b);
		t->state_hdr = sbuf_take(&b);
		free(node);
		t->env.state_hdr = t->state_hdr;
	}
	run(t);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chk_target *t = arg;
	if (!t->running) {
		start_check(t);
		return;
	}
	/* the check's deadline */
	conn_fail(t, 0, NULL, true);
}

/* --------------------------------------------------------------- runner */

struct chk_runner *
chk_runner_new(const struct cfg *cfg, const struct chk_hooks *h, void *arg)
{
	evthread_use_pthreads();
	struct chk_runner *r = xcalloc(1, sizeof(*r));
	r->cfg = cfg;
	if (h)
		r->hooks = *h;
	r->arg = arg;
	r->base = event_base_new();
	if (r->base == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static const struct chk_ruleset *
prog_of(struct chk_runner *r, const struct cfg_proxy *px, char **err)
{
	for (size_t i = 0; i < r->progs.n; i++)
		if (r->progs.v[i]->px == px)
			return &r->progs.v[i]->rs;
	struct chk_prog *p = xcalloc(1, sizeof(*p));
	p->px = px;
	if (chk_ruleset_build(px, NULL, false, &p->rs, err) < 0) {
		free(p);
		return NULL;
	}
	for (size_t i = 0; i < p->rs.ignored.n; i++)
		log_warnx("backend '%s': '%s' rules are not run by sluice's health checks",
		          px->name, p->rs.ignored.v[i]);
	VEC_PUSH(r->progs, p);
	return &p->rs;
}

/* The SNI of our ssl-hello-chk ClientHello: check-sni, else a constant
 * "sni str(...)" of the server. */
static char *
hello_sni(const struct cfg_server *s)
{
	if (s->check_sni && *s->check_sni)
		return xstrdup(s->check_sni);
	const char *t = s->sni_text;
	if (t && strncmp(t, "str(", 4) == 0 && t[strlen(t) - 1] == ')' && !strchr(t, ','))
		return xstrndup(t + 4, strlen(t) - 5);
	return NULL;
}

struct chk_target *
chk_runner_add(struct chk_runner *r, const struct cfg_proxy *px,
               const struct cfg_server *srv, bool agent, void *user, char **err)
{
	*err = NULL;
	struct chk_target *t = xcalloc(1, sizeof(*t));
	t->run = r;
	t->px = px;
	t->srv = srv;
	t->agent = agent;
	t->user = user;
	t->fd = -1;
	if (agent) {
		if (chk_ruleset_build(px, srv, true, &t->own, err) < 0)
			goto fail;
		t->rs = &t->own;
	} else if ((t->rs = prog_of(r, px, err)) == NULL)
		goto fail;
	t->rise = srv->rise > 0 ? srv->rise : 2;
	t->fall = srv->fall > 0 ? srv->fall : 3;
	/* HAProxy starts a checked server UP on the edge: health = rise */
	t->health = t->rise;
	t->up = true;
	if (agent) {
		t->rise = t->fall = 1;
		t->health = 1;
	}
	t->hello_sni = hello_sni(srv);
	t->tev = evtimer_new(r->base, timer_cb, t);
	t->iev = event_new(r->base, -1, 0, io_cb, t);
	t->sctx.cfg = r->cfg;
	t->sctx.be = px;
	t->sctx.srv = srv;
	t->sctx.src = &t->sa_src;
	t->sctx.dst = &t->sa_dst;
	t->sctx.fc_src = &t->sa_src;
	t->sctx.fc_dst = &t->sa_dst;
	t->sctx.final = true;
	VEC_PUSH(r->targets, t);
	return t;
fail:
	chk_ruleset_free(&t->own);
	free(t);
	return NULL;
}

static void *
runner_main(void *arg)
{
	struct chk_runner *r = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	event_base_dispatch(r->base);
	return NULL;
}

int
chk_runner_start(struct chk_runner *r)
{
	/* start_checks(): the first checks are spread over the smallest
	 * interval (of at least 1s), capped by max-spread-checks */
	long long mininter = 0;
	size_t n = r->targets.n;
	for (size_t i = 0; i < n; i++) {
		long long iv = interval(r->targets.v[i]);
		if (iv >= SRV_CHK_INTER_THRES && (!mininter || mininter > iv))
			mininter = iv;
	}
	if (r->cfg->global && r->cfg->global->max_spread_checks &&
	    mininter > r->cfg->global->max_spread_checks)
		mininter = r->cfg->global->max_spread_checks;
	for (size_t i = 0; i < n; i++)
		arm_timer(r->targets.v[i], n ? mininter * (long long)i / (long long)n : 0);
	if (pthread_create(&r->thr, NULL, runner_main, r) != 0)
		return -1;
	r->started = true;
	return 0;
}

void
chk_runner_free(struct chk_runner *r)
{
	if (r == NULL)
		return;
	if (r->started) {
		event_base_loopbreak(r->base);
		pthread_join(r->thr, NULL);
	}
	for (size_t i = 0; i < r->targets.n; i++) {
		struct chk_target *t = r->targets.v[i];
		close_conn(t);
		event_free(t->tev);
		event_free(t->iev);
		if (t->tls)
			SSL_CTX_free(t->tls);
		chk_ruleset_free(&t->own);
		smp_vars_free(&t->sctx);
		free(t->in.s);
		free(t->out.s);
		free(t->state_hdr);
		free(t->hello_sni);
		free(t->ovr.agent_send);
		free(t->own_send);
		free(t);
	}
	for (size_t i = 0; i < r->progs.n; i++) {
		chk_ruleset_free(&r->progs.v[i]->rs);
		free(r->progs.v[i]);
	}
	free(r->targets.v);
	free(r->progs.v);
	event_base_free(r->base);
	free(r);
}
