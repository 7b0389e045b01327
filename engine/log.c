/* Log targets and syslog framing (reference §4.1), and the lines sent
 * through them: session lines (rendered by log_fmt.c), "Connect from"
 * lines, connection errors (§4.7) and proxy messages (§4.8).
 *
 * Like HAProxy, datagram targets (UDP, UNIX) use an unconnected socket and
 * sendto() for every line: a syslog daemon that starts or restarts later
 * is reached without reopening anything, and ICMP errors of earlier lines
 * do not fail later sends. A failed send is reported once per process on
 * stderr with HAProxy's words; lines that would block are dropped. */
#include "engine/log_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/session.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "parser/logtarget.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

#define LOG_INFO_LVL 6
#define LOG_WARNING_LVL 4
#define LOG_EMERG_LVL 0

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static long long
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- framing ------------------------------------------------------------- */

/* rfc5424 / timed / iso date: 2026-11-27T11:48:10.433427+00:00 */
static void
add_iso_date(struct sbuf *o, const struct timeval *tv)
{
	struct tm tm;
	time_t sec = tv->tv_sec;
	localtime_r(&sec, &tm);
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	sbuf_addf(o, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld%c%02ld:%02ld",
	          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	          tm.tm_min, tm.tm_sec, (long)tv->tv_usec, sign, off / 3600,
	          (off / 60) % 60);
}

void
log_frame(struct sbuf *out, const struct log_hdr *h, const char *msg,
          size_t len)
{
	size_t start = out->len;
	int pri = h->facility * 8 + h->level;
	struct tm tm;
	time_t sec = h->tv.tv_sec;

	switch ((enum log_format)h->format) {
	case LOG_FMT_LOCAL:
	case LOG_FMT_RFC3164:
		localtime_r(&sec, &tm);
		sbuf_addf(out, "<%d>%s %2d %02d:%02d:%02d ", pri, months[tm.tm_mon],
		          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (h->format == LOG_FMT_RFC3164)
			sbuf_addf(out, "%s ", h->host ? h->host : "localhost");
		sbuf_addf(out, "%s[%d]: ", h->tag, h->pid);
		break;
	case LOG_FMT_RFC5424:
		sbuf_addf(out, "<%d>1 ", pri);
		add_iso_date(out, &h->tv);
		sbuf_addf(out, " %s %s %d - %s ", h->host ? h->host : "-", h->tag,
		          h->pid, h->sd ? h->sd : "-");
		break;
	case LOG_FMT_PRIORITY:
		sbuf_addf(out, "<%d>", pri);
		break;
	case LOG_FMT_SHORT:
		sbuf_addf(out, "<%d>", h->level);
		break;
	case LOG_FMT_TIMED:
		sbuf_addf(out, "<%d>", h->level);
		add_iso_date(out, &h->tv);
		sbuf_addc(out, ' ');
		break;
	case LOG_FMT_ISO:
		add_iso_date(out, &h->tv);
		sbuf_addc(out, ' ');
		break;
	case LOG_FMT_RAW:
		break;
	}
	sbuf_addn(out, msg, len);
	/* "len" counts the header and the message, the newline comes on top */
	if (h->maxlen > 0 && out->len - start > (size_t)h->maxlen) {
		out->len = start + (size_t)h->maxlen;
		out->s[out->len] = '\0';
	}
	sbuf_addc(out, '\n');
}

/* ---- targets ------------------------------------------------------------- */

static struct log_target *
target_open(const struct cfg *cfg, const struct cfg_log *c, struct diag *d)
{
	const struct cfg_addr *a = &c->addr;
	struct log_target *t = xcalloc(1, sizeof(*t));
	const struct cfg_global *g = cfg->global;

	t->cfg = c;
	t->fd = -1;
	t->format = c->format;
	if (c->format == LOG_FMT_LOCAL && !c->format_set && g->log_send_hostname_set)
		t->format = LOG_FMT_RFC3164;

	switch (a->kind) {
	case ADDR_STDOUT:
		t->fd = 1;
		break;
	case ADDR_STDERR:
		t->fd = 2;
		break;
	case ADDR_FD:
		t->fd = a->fd;
		break;
	case ADDR_UNIX:
	case ADDR_ABNS:
		memcpy(&t->sa, &a->ss, sizeof(t->sa));
		t->salen = a->sslen;
		break;
	case ADDR_INET:
		if (a->stream) {
			diag_error(d, &c->loc, "log : TCP targets (%s) are not supported by sluice yet",
			           a->text ? a->text : "");
			goto fail;
		}
		if (a->host) {
			struct addrinfo *res = NULL;
			if (addr_lookup(a->host, a->family, &res) != 0 || res == NULL) {
				diag_error(d, &c->loc, "log : could not resolve address '%s'", a->host);
				goto fail;
			}
			memcpy(&t->sa, res->ai_addr, res->ai_addrlen);
			t->salen = (socklen_t)res->ai_addrlen;
			freeaddrinfo(res);
		} else {
			memcpy(&t->sa, &a->ss, sizeof(t->sa));
			t->salen = a->sslen;
		}
		{
			uint16_t port = a->port_mode == ADDR_PORT_FIXED ? a->port_lo : ADDR_LOG_PORT;
			if (t->sa.ss_family == AF_INET)
				((struct sockaddr_in *)&t->sa)->sin_port = htons(port);
			else if (t->sa.ss_family == AF_INET6)
				((struct sockaddr_in6 *)&t->sa)->sin6_port = htons(port);
		}
		break;
	default:
		diag_error(d, &c->loc, "log : target '%s' is not supported by sluice yet",
		           a->text ? a->text : "");
		goto fail;
	}
	if (t->fd < 0) {
		t->fd = socket(t->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (t->fd < 0) {
			diag_error(d, &c->loc, "log : cannot create a socket for '%s': %s",
			           a->text ? a->text : "", strerror(errno));
			goto fail;
		}
		t->own_fd = true;
		t->use_sendto = true;
		if (t->sa.ss_family != AF_UNIX) {
			/* large lines (len up to 65535) in one datagram */
			int sz = 65536 * 4;
			setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		}
	}
	return t;
fail:
	free(t);
	return NULL;
}

static void
target_free(struct log_target *t)
{
	if (t == NULL)
		return;
	if (t->own_fd && t->fd >= 0)
		close(t->fd);
	free(t);
}

/* The opened target of c (global targets are shared by the proxies
 * using "log global"). */
static struct log_target *
target_get(struct log_sink *ls, const struct cfg_log *c, struct diag *d)
{
	for (size_t i = 0; i < ls->ntargets; i++)
		if (ls->targets[i]->cfg == c)
			return ls->targets[i]->fd >= 0 ? ls->targets[i] : NULL;
	struct log_target *t = target_open(ls->cfg, c, d);
	if (t == NULL) {
		/* remembered so that "log global" users do not report it again */
		t = xcalloc(1, sizeof(*t));
		t->cfg = c;
		t->fd = -1;
	}
	ls->targets = xrealloc(ls->targets, (ls->ntargets + 1) * sizeof(*ls->targets));
	ls->targets[ls->ntargets++] = t;
	return t->fd >= 0 ? t : NULL;
}

static int
add_list(struct log_sink *ls, struct log_px *lp, const struct cfg_log_list *l,
         struct diag *d)
{
	int ret = 0;
	for (size_t i = 0; l && i < l->v.n; i++) {
		struct log_target *t = target_get(ls, l->v.v[i], d);
		if (t == NULL) {
			ret = -1;
			continue;
		}
		lp->t = xrealloc(lp->t, (lp->nt + 1) * sizeof(*lp->t));
		lp->t[lp->nt++] = t;
	}
	return ret;
}

static int
px_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct log_px *)a)->px;
	uintptr_t y = (uintptr_t)((const struct log_px *)b)->px;
	return x < y ? -1 : x > y;
}

struct log_px *
log_px_find(struct log_sink *ls, const struct cfg_proxy *px)
{
	if (ls == NULL || px == NULL || ls->npx == 0)
		return NULL;
	struct log_px key = { .px = px };
	return bsearch(&key, ls->pxs, ls->npx, sizeof(*ls->pxs), px_cmp);
}

struct log_sink *
log_open(const struct cfg *cfg, struct diag *d)
{
	struct log_sink *ls = xcalloc(1, sizeof(*ls));
	const struct cfg_global *g = cfg->global;
	int ret = 0;

	tzset();
	ls->cfg = cfg;
	ls->pid = (int)getpid();
	if (gethostname(ls->hostname, sizeof(ls->hostname) - 1) < 0)
		str_copy(ls->hostname, sizeof(ls->hostname), "localhost");
	if (g->log_send_hostname_set)
		ls->send_host = g->log_send_hostname && *g->log_send_hostname
		                    ? g->log_send_hostname : ls->hostname;
	const char *gtag = g->log_tag ? g->log_tag : "haproxy";

	ls->glob.tag = gtag;
	if (add_list(ls, &ls->glob, g->logs, d) < 0)
		ret = -1;
	ls->pxs = xcalloc(cfg->proxies.n + 1, sizeof(*ls->pxs));
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		struct log_px *lp = &ls->pxs[ls->npx++];
		lp->px = px;
		lp->tag = px->log_tag ? px->log_tag : gtag;
		if (px->logs == NULL)
			continue;
		if (px->logs->global && add_list(ls, lp, g->logs, d) < 0)
			ret = -1;
		if (add_list(ls, lp, px->logs, d) < 0)
			ret = -1;
	}
	qsort(ls->pxs, ls->npx, sizeof(*ls->pxs), px_cmp);
	if (ret < 0) {
		log_close(ls);
		return NULL;
	}
	return ls;
}

void
log_close(struct log_sink *ls)
{
	if (ls == NULL)
		return;
	for (size_t i = 0; i < ls->ntargets; i++)
		target_free(ls->targets[i]);
	free(ls->targets);
	for (size_t i = 0; i < ls->npx; i++)
		free(ls->pxs[i].t);
	free(ls->pxs);
	free(ls->glob.t);
	free(ls);
}

void
log_set_stderr(struct log_sink *ls, bool on)
{
	if (ls)
		ls->to_stderr = on;
}

/* ---- sending ------------------------------------------------------------- */

/* "sample <ranges>:<size>": is this line (1-based, modulo size) one of
 * those to send? */
static bool
sample_take(struct log_target *t)
{
	const struct cfg_log *c = t->cfg;
	if (c->nranges == 0 || c->sample_size == 0)
		return true;
	unsigned idx = atomic_fetch_add(&t->smp_idx, 1) % c->sample_size + 1;
	for (size_t i = 0; i < c->nranges; i++)
		if (c->ranges[i].lo <= idx && idx <= c->ranges[i].hi)
			return true;
	return false;
}

static void
send_failed(struct log_sink *ls, int idx, int err)
{
	bool was = false;
	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
		return; /* dropped, as HAProxy does */
	if (!atomic_compare_exchange_strong(&ls->err_reported, &was, true))
		return;
	fprintf(stderr, "[ALERT]    (%d) : sendmsg()/writev() failed in logger #%d: %s (errno=%d)\n",
	        ls->pid, idx, strerror(err), err);
}

/* Sends msg at level to every target of lp that takes it. */
static void
send_px(struct log_sink *ls, const struct log_px *lp, int level,
        const char *msg, size_t len, const char *sd)
{
	struct sbuf b = { 0 };
	struct timeval tv;

	if (lp == NULL || lp->nt == 0 || len == 0)
		return;
	gettimeofday(&tv, NULL);
	for (size_t i = 0; i < lp->nt; i++) {
		struct log_target *t = lp->t[i];
		const struct cfg_log *c = t->cfg;
		if (level > c->level_max || !sample_take(t))
			continue;
		struct log_hdr h = {
			.format = t->format,
			.facility = c->facility,
			.level = level < c->level_min ? c->level_min : level,
			.tv = tv,
			.host = ls->send_host,
			.tag = lp->tag,
			.pid = ls->pid,
			.maxlen = c->maxlen,
			.sd = sd,
		};
		sbuf_reset(&b);
		log_frame(&b, &h, msg, len);
		ssize_t n;
		if (t->use_sendto)
			n = sendto(t->fd, b.s, b.len, MSG_DONTWAIT | MSG_NOSIGNAL,
			           (const struct sockaddr *)&t->sa, t->salen);
		else
			n = write(t->fd, b.s, b.len);
		if (n < 0)
			send_failed(ls, (int)i, errno);
	}
	free(b.s);
}

static const struct log_px *
px_targets(struct log_sink *ls, const struct cfg_proxy *px)
{
	if (px == NULL)
		return &ls->glob;
	return log_px_find(ls, px);
}

/* The frontend's log-format-sd for s (the RFC 5424 structured data of its
 * traffic logs); empty when none is set or it renders empty ("-"). */
static void
session_sd(struct log_sink *ls, const struct session *s, long long now, struct sbuf *out)
{
	const struct cfg_proxy *fe = s->fe->px;
	if (fe->log_format_sd != NULL)
		log_render(ls, fe->log_format_sd, s, now, out);
}

void
log_session(struct log_sink *ls, const struct session *s)
{
	struct sbuf line = { 0 };
	int level = LOG_INFO_LVL;

	if (ls == NULL || s == NULL || s->fe == NULL)
		return;
	const struct log_px *lp = px_targets(ls, s->fe->px);
	if (lp == NULL || lp->nt == 0)
		return;
	long long now = mono_ms();
	if (log_format_session(ls, s, now, &line, &level)) {
		struct sbuf sd = { 0 };
		session_sd(ls, s, now, &sd);
		send_px(ls, lp, level, line.s, line.len, sd.len ? sd.s : NULL);
		free(sd.s);
	}
	free(line.s);
}

/* "127.0.0.1:1234" / "[::1]" style pieces as HAProxy's addr_to_str():
 * no brackets. Returns the family, 0 when unknown. */
static int
addr_text(const union sess_addr *a, char *buf, size_t n, int *port)
{
	*port = 0;
	if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->in.sin_addr, buf, (socklen_t)n);
		*port = ntohs(a->in.sin_port);
	} else if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, buf, (socklen_t)n);
		*port = ntohs(a->in6.sin6_port);
	} else if (a->sa.sa_family == AF_UNIX) {
		str_copy(buf, n, "unix");
	} else {
		return 0;
	}
	return a->sa.sa_family;
}

void
log_accept(struct log_sink *ls, const struct session *s)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int sport, dport;
	char *msg = NULL;

	if (ls == NULL || s == NULL || s->fe == NULL)
		return;
	const struct cfg_proxy *fe = s->fe->px;
	if (fe->log_kind != PX_LOG_NONE)
		return;
	const struct log_px *lp = px_targets(ls, fe);
	if (lp == NULL || lp->nt == 0)
		return;
	const char *mode = fe->mode == PX_MODE_HTTP ? "HTTP" : "TCP";
	switch (addr_text(&s->src, src, sizeof(src), &sport)) {
	case AF_INET:
	case AF_INET6:
		if (!addr_text(&s->dst, dst, sizeof(dst), &dport)) {
			str_copy(dst, sizeof(dst), "undetermined address");
			dport = 0;
		}
		msg = xasprintf("Connect from %s:%d to %s:%d (%s/%s)", src, sport,
		                dst, dport, fe->name, mode);
		break;
	case AF_UNIX:
		msg = xasprintf("Connect to unix:%d (%s/%s)", log_luid(s), fe->name, mode);
		break;
	default:
		msg = xasprintf("Connect from unknown source to listener %d (%s/%s)",
		                log_luid(s), fe->name, mode);
		break;
	}
	send_px(ls, lp, LOG_INFO_LVL, msg, strlen(msg), NULL);
	free(msg);
}

void
log_conn_error(struct log_sink *ls, const struct session *s, const char *msg)
{
	struct sbuf line = { 0 };
	char src[INET6_ADDRSTRLEN];
	int port;

	if (ls == NULL || s == NULL || s->fe == NULL)
		return;
	const struct cfg_proxy *fe = s->fe->px;
	const struct log_px *lp = px_targets(ls, fe);
	if (lp == NULL || lp->nt == 0)
		return;
	/* dontlognull: nothing received at all (an empty or aborted
	 * handshake) is not worth a line */
	if (PX_OPT(fe, PXO_DONTLOGNULL) && s->req_len == 0 && s->bytes_in == 0)
		return;
	int level = PX_OPT(fe, PXO_LOG_SEPARATE_ERRORS) ? 3 : LOG_INFO_LVL;
	if (fe->error_log_format) {
		log_render(ls, fe->error_log_format, s, mono_ms(), &line);
	} else {
		switch (addr_text(&s->src, src, sizeof(src), &port)) {
		case AF_INET:
		case AF_INET6:
			sbuf_addf(&line, "%s:%d [", src, port);
			break;
		case AF_UNIX:
			sbuf_addf(&line, "unix:%d [", log_luid(s));
			break;
		default:
			sbuf_adds(&line, "- [");
			break;
		}
		time_t sec = (time_t)(s->t_accept_wall_ms / 1000);
		struct tm tm;
		localtime_r(&sec, &tm);
		sbuf_addf(&line, "%02d/%s/%04d:%02d:%02d:%02d.%03d] %s/", tm.tm_mday,
		          months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		          tm.tm_sec, (int)(s->t_accept_wall_ms % 1000), fe->name);
		if (s->l && s->l->bind && s->l->bind->name)
			sbuf_adds(&line, s->l->bind->name);
		else
			sbuf_addf(&line, "%d", log_luid(s));
		sbuf_addf(&line, ": %s", msg);
	}
	struct sbuf sd = { 0 };
	session_sd(ls, s, mono_ms(), &sd);
	send_px(ls, lp, level, line.s, line.len, sd.len ? sd.s : NULL);
	free(sd.s);
	free(line.s);
}

void
log_proxy(struct log_sink *ls, const struct cfg_proxy *px, int level,
          const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);

	if (ls == NULL)
		goto out;
	if (ls->to_stderr && level <= LOG_WARNING_LVL)
		fprintf(stderr, "%s(%d) : %s\n",
		        level == LOG_EMERG_LVL ? "[ALERT]    " : "[WARNING]  ",
		        ls->pid, msg);
	send_px(ls, px_targets(ls, px), level, msg, strlen(msg), NULL);
out:
	free(msg);
}

void
log_proxy_text(struct log_sink *ls, const struct cfg_proxy *px, int level,
               const char *msg, const char *err, bool alert)
{
	if (ls == NULL)
		return;
	if (ls->to_stderr && err != NULL)
		fprintf(stderr, "%s(%d) : %s\n", alert ? "[ALERT]    " : "[WARNING]  ",
		        ls->pid, err);
	send_px(ls, px_targets(ls, px), level, msg, strlen(msg), NULL);
}
