/* The local HTTP responder (http_local.h): one connection of a mode http
 * frontend, from accept to close, on the worker that accepted it.
 *   read head (proto/http1_req) -> read body (Content-Length/chunked,
 *   up to the buffer) -> http-request rules -> stats page, exporter or
 *   503 -> write -> next request (keep-alive, pipelining) or close. */
#include "engine/http_local.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "engine/engine.h"
#include "engine/log.h"
#include "engine/session.h"
#include "engine/smp_ctx.h"
#include "engine/smp_eval.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "proto/http1_req.h"

struct hl_conn {
	struct worker *w;
	struct listener *l;
	struct frontend *fe;
	int fd;
	struct event *rev, *wev, *tmr;
	char *in;
	size_t in_len, in_cap;
	struct sbuf out;
	size_t out_off;
	bool close_after;
	bool writing;
	bool sent_continue;       /* "100 Continue" sent for this request */
	int nreq;
	struct h1q_limits lim;
	struct h1q_req req;
	struct h1q_hdr *hdrs;
	struct sockaddr_storage src, dst;
	long long t_start;        /* this request began (monotonic ms) */
	long long t_start_wall;   /* the same, wall clock ms, for %tr */
	struct hl_conn *next, *prev; /* all connections (conns below) */
};

/* Every open connection, so that engine_free() can release those still
 * open at a hard stop. Rare (stats, scrapes): one lock is enough. */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hl_conn *conns;

/* The listener's own row ("option socket-stats"), or NULL. */
static struct listener *
li_stats(const struct hl_conn *c)
{
	return PX_OPT(c->fe->px, PXO_SOCKET_STATS) ? c->l : NULL;
}

static const struct {
	int code;
	const char *reason, *text;
} http_errs[] = {
	{ 200, "OK", "Service ready." },
	{ 400, "Bad request", "Your browser sent an invalid request." },
	{ 401, "Unauthorized", "You need a valid user and password to access this content." },
	{ 403, "Forbidden", "Request forbidden by administrative rules." },
	{ 404, "Not Found", "The resource could not be found." },
	{ 405, "Method Not Allowed", "A request was made of a resource using a request method not supported by that resource" },
	{ 407, "Unauthorized", "You need a valid user and password to access this content." },
	{ 408, "Request Time-out", "Your browser didn't send a complete request in time." },
	{ 410, "Gone", "The resource is no longer available and will not be available again." },
	{ 413, "Payload Too Large", "The request entity exceeds the maximum allowed." },
	{ 421, "Misdirected Request", "Request sent to a non-authoritative server." },
	{ 422, "Unprocessable Content", "The server cannot process the contained instructions." },
	{ 425, "Too Early", "Your browser sent early data." },
	{ 429, "Too Many Requests", "You have sent too many requests in a given amount of time." },
	{ 500, "Internal Server Error", "An internal server error occurred." },
	{ 501, "Not Implemented", ".The server does not support the functionality required to fulfill the request." },
	{ 502, "Bad Gateway", "The server returned an invalid or incomplete response." },
	{ 503, "Service Unavailable", "No server is available to handle this request." },
	{ 504, "Gateway Time-out", "The server didn't respond in time." },
};

const char *
http_reason(int status)
{
	switch (status) {
	case 302: return "Found";
	case 303: return "See Other";
	case 204: return "No Content";
	default: break;
	}
	for (size_t i = 0; i < ARRAY_SIZE(http_errs); i++)
		if (http_errs[i].code == status)
			return http_errs[i].reason;
	return "Unknown";
}

static const char *
err_text(int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(http_errs); i++)
		if (http_errs[i].code == status)
			return http_errs[i].text;
	return "";
}

void
http_txn_error(struct http_txn *t, int status)
{
	t->status = status;
	t->chunked = false;
	sbuf_reset(&t->out);
	sbuf_addf(&t->out, "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n",
	          status, http_reason(status), err_text(status));
	sbuf_reset(&t->hdrs);
	sbuf_addf(&t->hdrs, "content-length: %zu\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n",
	          t->out.len);
	/* HAProxy closes after the errors that mean the request was bad */
	if (status == 400)
		t->close = true;
}

static uint32_t
tmo(const struct cfg_proxy *px, enum px_timeout_id a, enum px_timeout_id b)
{
	if (px->timeout[a])
		return px->timeout[a];
	if (px->timeout[b])
		return px->timeout[b];
	return px->timeout[PX_TO_CLIENT];
}

static void
arm_timer(struct hl_conn *c, uint32_t ms)
{
	event_del(c->tmr);
	if (ms) {
		struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };
		event_add(c->tmr, &tv);
	}
}

static void
hl_free(struct hl_conn *c)
{
	pthread_mutex_lock(&conns_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&conns_lock);
	event_free(c->rev);
	event_free(c->wev);
	event_free(c->tmr);
	/* read what is left so that closing sends a FIN, not a reset that
	 * could discard the answer */
	char junk[4096];
	for (int i = 0; i < 4 && recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	close(c->fd);
	if (li_stats(c))
		atomic_fetch_sub(&c->l->cur_conn, 1);
	engine_conn_release(c->w->eng, c->fe);
	c->w->nsess--;
	free(c->in);
	free(c->out.s);
	free(c->hdrs);
	free(c);
}


static long long
wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
addr_port(const struct sockaddr_storage *ss, char *buf, size_t n, int *port)
{
	*port = 0;
	buf[0] = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)n);
		*port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in = (const void *)ss;
		inet_ntop(AF_INET6, &in->sin6_addr, buf, (socklen_t)n);
		*port = ntohs(in->sin6_port);
	} else {
		str_copy(buf, n, "unix");
	}
}

/* The log line of one answered request, as HAProxy writes it for
 * requests answered locally: the stats page (<STATS>), the exporter
 * (<PROMEX>), a refusal by a rule or the 503 of a frontend without
 * backend (<NOSRV>), a bad request (<BADREQ>). "option httplog" is
 * written here (reference §4.3); tcplog and log-format go through
 * engine/log_fmt.c with what the request adds (struct log_http).
 * timers: HAProxy's %TR and %Tw/%Tc/%Tr for such a request (observed:
 * 0/0 answered, 0/-1 refused after the request, -1/-1 not read). */
enum hl_timers { HLT_NONE, HLT_TR, HLT_ALL };

static void
log_request_fmt(struct hl_conn *c, int status, size_t bytes, size_t req_bytes,
                const char *srv, const char *term, enum hl_timers timers)
{
	struct engine *eng = c->w->eng;
	struct session fake = { 0 };
	fake.w = c->w;
	fake.l = c->l;
	fake.fe = c->fe;
	fake.src = c->src;
	fake.dst = c->dst;
	fake.t0 = c->t_start;
	fake.t_accept_wall_ms = c->t_start_wall;
	fake.t_queue = fake.t_connect = fake.t_established = -1;
	fake.bytes_in = req_bytes;
	fake.bytes_out = bytes;
	fake.term[0] = term[0];
	fake.term[1] = term[1];
	struct log_http h = { .srv = srv, .status = status };
	if (c->req.method && status != 400 && status != 408 && status != 422) {
		h.method = c->req.method;
		h.method_len = c->req.method_len;
		h.uri = c->req.uri;
		h.uri_len = c->req.uri_len;
		h.major = c->req.major;
		h.minor = c->req.minor;
	}
	h.tr = timers == HLT_NONE ? -1 : 0;
	h.tw = timers == HLT_ALL ? 0 : -1;
	struct sbuf line = { 0 };
	int level = 6;
	if (log_format_http(eng->logs, &fake, &h, now_ms(), &line, &level) && line.s)
		log_proxy_text(eng->logs, c->fe->px, level, line.s, NULL, false);
	free(line.s);
}

static void
log_request(struct hl_conn *c, int status, size_t bytes, size_t req_bytes, const char *srv,
            const char *term, enum hl_timers timers)
{
	const struct cfg_proxy *px = c->fe->px;
	struct engine *eng = c->w->eng;
	if (eng->logs == NULL)
		return;
	if (px->log_kind == PX_LOG_TCP || px->log_kind == PX_LOG_FORMAT) {
		log_request_fmt(c, status, bytes, req_bytes, srv, term, timers);
		return;
	}
	if (px->log_kind != PX_LOG_HTTP)
		return;
	char ip[INET6_ADDRSTRLEN + 8], date[64];
	int port;
	addr_port(&c->src, ip, sizeof(ip), &port);
	time_t sec = (time_t)(c->t_start_wall / 1000);
	struct tm tm;
	localtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S", &tm);
	long long now = now_ms();
	long long ta = now - c->t_start;
	struct sbuf line = { 0 };
	sbuf_addf(&line, "%s:%d [%s.%03d] %s %s/%s ", ip, port, date,
	          (int)(c->t_start_wall % 1000), px->name, px->name, srv);
	if (timers == HLT_ALL)
		sbuf_addf(&line, "0/0/0/0/%lld", ta);
	else if (timers == HLT_TR)
		sbuf_addf(&line, "0/-1/-1/-1/%lld", ta);
	else
		sbuf_addf(&line, "-1/-1/-1/-1/%lld", ta);
	sbuf_addf(&line, " %d %zu - - %s %d/%d/0/0/0 0/0 \"", status, bytes, term,
	          atomic_load(&eng->cur_conn), atomic_load(&c->fe->cur_conn));
	if (c->req.method && status != 400 && status != 408 && status != 422)
		sbuf_addf(&line, "%.*s %.*s HTTP/%d.%d", (int)c->req.method_len, c->req.method,
		          (int)c->req.uri_len, c->req.uri, c->req.major, c->req.minor);
	else
		sbuf_adds(&line, "<BADREQ>");
	sbuf_addc(&line, '"');
	log_proxy_text(eng->logs, px, 6, line.s, NULL, false);
	free(line.s);
}

static void on_read(evutil_socket_t fd, short what, void *arg);

/* Sends what is pending; true when all is out (or the connection died:
 * then c is freed and *gone set). */
static bool
flush(struct hl_conn *c, bool *gone)
{
	*gone = false;
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.s + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			atomic_fetch_add(&c->fe->bytes_out, (unsigned long long)n);
			if (li_stats(c))
				atomic_fetch_add(&c->l->bytes_out, (unsigned long long)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (!c->writing) {
				c->writing = true;
				event_del(c->rev);
				event_add(c->wev, NULL);
			}
			arm_timer(c, c->fe->px->timeout[PX_TO_CLIENT]);
			return false;
		}
		hl_free(c);
		*gone = true;
		return false;
	}
	sbuf_reset(&c->out);
	c->out_off = 0;
	return true;
}

/* Raw parser errors, as HAProxy's mux writes them (capitalised names). */
static void
raw_error(struct hl_conn *c, int status)
{
	char body[256];
	int bl = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n",
	                  status, http_reason(status), err_text(status));
	sbuf_addf(&c->out, "HTTP/1.1 %d %s\r\nContent-length: %d\r\nCache-Control: no-cache\r\n%sContent-Type: text/html\r\n\r\n%s",
	          status, http_reason(status), bl,
	          status == 400 || status == 408 ? "Connection: close\r\n" : "", body);
	c->close_after = true;
	int cls = status / 100;
	atomic_fetch_add(&c->fe->http_rsp[cls >= 1 && cls <= 5 ? cls - 1 : 5], 1);
	atomic_fetch_add(&c->fe->failed_req, 1);
	/* HAProxy counts no bytes for its mux's own errors (observed) */
	log_request(c, status, 0, 0, "<NOSRV>", status == 408 ? "cR--" : "PR--", HLT_NONE);
}

/* The frontend's http-request rules. Returns true when a rule answered
 * (t filled), false to go on (allow, or no rule applied). *service set
 * when use-service prometheus-exporter applies. */
static bool
run_rules(struct http_txn *t, bool *service)
{
	const struct cfg_proxy *px = t->px;
	*service = false;
	for (size_t i = 0; i < px->http_req.n; i++) {
		const struct px_rule *r = px->http_req.v[i];
		if (acl_cond_eval(r->cond, t->sctx) != ACL_PASS)
			continue;
		switch (r->act) {
		case PX_ACT_ALLOW:
			return false;
		case PX_ACT_DENY:
			atomic_fetch_add(&t->fe->denied_req, 1);
			http_txn_error(t, r->reply && r->reply->status ? r->reply->status : 403);
			return true;
		case PX_ACT_AUTH: {
			const char *realm = r->arg ? r->arg : px->name;
			http_txn_error(t, 401);
			sbuf_addf(&t->hdrs, "www-authenticate: Basic realm=\"%s\"\r\n", realm);
			return true;
		}
		case PX_ACT_USE_SERVICE:
			*service = true;
			return false;
		default:
			/* support.c refuses the others at start-up */
			continue;
		}
	}
	return false;
}

/* Answers the request in c->req (body: the decoded request body). */
static void
answer(struct hl_conn *c, const char *body, size_t blen)
{
	struct engine *eng = c->w->eng;
	struct frontend *fe = c->fe;
	struct smp_ctx sctx = { 0 };
	sctx.cfg = eng->cfg;
	sctx.eng = eng;
	sctx.fe = fe->px;
	sctx.src = &c->src;
	sctx.dst = &c->dst;
	sctx.cli_real = &c->src;
	sctx.thread = c->w->id;
	sctx.bind = c->l->bind;
	sctx.cfd = c->fd;
	sctx.final = true;
	sctx.http = &c->req;

	struct http_txn t = { 0 };
	t.eng = eng;
	t.fe = fe;
	t.px = fe->px;
	t.req = &c->req;
	t.body = body;
	t.body_len = blen;
	t.sctx = &sctx;
	t.close = !c->req.keep_alive || eng->stopping;

	atomic_fetch_add(&fe->http_req, 1);
	ctr_max(&fe->rps_max, ctr_freq_add(&fe->req_rate, 1, (uint32_t)now_ms()));

	bool service = false;
	const char *srv = "<NOSRV>", *term = "PR--";
	enum hl_timers timers = HLT_TR;
	if (run_rules(&t, &service)) {
		/* answered by a rule */
	} else if (service) {
		atomic_fetch_add(&fe->intercepted, 1);
		promex_serve(&t);
		srv = "<PROMEX>";
		term = "LR--";
		timers = HLT_ALL;
	} else if (stats_page_match(fe->px, &c->req)) {
		atomic_fetch_add(&fe->intercepted, 1);
		stats_page_serve(&t);
		srv = "<STATS>";
		term = "LR--";
		timers = HLT_ALL;
	} else {
		http_txn_error(&t, 503);
		term = "SC--";
		/* HAProxy: a listen section reaches its backend part (the
		 * request was read, %TR 0), a frontend refuses before */
		if (!(fe->px->cap & PX_CAP_BE))
			timers = HLT_NONE;
	}
	smp_vars_free(&sctx);

	bool head = c->req.method_len == 4 && memcmp(c->req.method, "HEAD", 4) == 0;
	size_t out0 = c->out.len;
	sbuf_addf(&c->out, "HTTP/1.1 %d %s\r\n", t.status, http_reason(t.status));
	sbuf_addn(&c->out, t.hdrs.s ? t.hdrs.s : "", t.hdrs.len);
	if (t.chunked)
		sbuf_adds(&c->out, "transfer-encoding: chunked\r\n");
	if (t.close)
		sbuf_adds(&c->out, "connection: close\r\n");
	sbuf_adds(&c->out, "\r\n");
	if (!head) {
		if (t.chunked) {
			if (t.out.len)
				sbuf_addf(&c->out, "%zX\r\n", t.out.len);
			sbuf_addn(&c->out, t.out.s ? t.out.s : "", t.out.len);
			sbuf_adds(&c->out, t.out.len ? "\r\n0\r\n\r\n" : "0\r\n\r\n");
		} else {
			sbuf_addn(&c->out, t.out.s ? t.out.s : "", t.out.len);
		}
	}
	int cls = t.status / 100;
	atomic_fetch_add(&fe->http_rsp[cls >= 1 && cls <= 5 ? cls - 1 : 5], 1);
	log_request(c, t.status, c->out.len - out0, c->req.head_len + t.body_len, srv, term,
	            timers);
	if (t.close)
		c->close_after = true;
	free(t.hdrs.s);
	free(t.out.s);
}

/* Parses what is buffered and answers complete requests. */
static void
process(struct hl_conn *c)
{
	bool gone;
	for (;;) {
		if (c->in_len == 0)
			break;
		c->req.hdrs = c->hdrs;
		c->req.hdrs_cap = c->lim.maxhdr;
		enum h1q_result rc = h1q_parse(c->in, c->in_len, &c->lim, &c->req);
		if (rc == H1Q_NEED_MORE)
			break;
		if (rc != H1Q_OK) {
			raw_error(c, rc == H1Q_UNPROCESSABLE ? 422 : 400);
			break;
		}
		size_t used = c->req.head_len;
		char *body = NULL;
		size_t blen = 0;
		bool need_more = false;
		if (c->req.body == H1Q_BODY_CLEN) {
			if (c->req.content_length > c->in_cap - used) {
				c->close_after = true; /* cannot skip it: close after */
			} else if (c->in_len - used < c->req.content_length) {
				need_more = true;
				/* a client waiting for it before sending its body */
				const struct h1q_hdr *e = h1q_header(&c->req, "expect", 0);
				if (e && !c->sent_continue && e->value_len == 12 &&
				    strncasecmp(e->value, "100-continue", 12) == 0) {
					sbuf_adds(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
					c->sent_continue = true;
				}
			} else {
				body = c->in + used;
				blen = (size_t)c->req.content_length;
				used += blen;
			}
		} else if (c->req.body == H1Q_BODY_CHUNKED) {
			size_t consumed = 0;
			body = xmalloc(c->in_cap);
			enum h1q_result b = h1q_chunked(c->in + used, c->in_len - used, body,
			                                c->in_cap, &blen, &consumed);
			if (b == H1Q_OK) {
				used += consumed;
			} else {
				free(body);
				body = NULL;
				blen = 0;
				if (b == H1Q_NEED_MORE && c->in_len < c->in_cap)
					need_more = true;
				else
					c->close_after = true;
			}
		}
		if (need_more)
			break;
		c->nreq++;
		c->sent_continue = false;
		answer(c, body, blen);
		c->t_start = now_ms();
		c->t_start_wall = wall_ms();
		if (c->req.body == H1Q_BODY_CHUNKED)
			free(body);
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		if (c->close_after)
			break;
	}
	if (c->out.len && !flush(c, &gone))
		return; /* waits for room, or gone */
	if (c->close_after) {
		hl_free(c);
		return;
	}
	/* waiting for (the rest of) a request */
	const struct cfg_proxy *px = c->fe->px;
	arm_timer(c, c->in_len || c->nreq == 0 ? tmo(px, PX_TO_HTTP_REQUEST, PX_TO_CLIENT)
	                                       : tmo(px, PX_TO_HTTP_KEEP_ALIVE, PX_TO_HTTP_REQUEST));
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct hl_conn *c = arg;
	(void)fd;
	(void)what;
	if (!c->writing && c->in_len > 0) {
		/* a partial request: HAProxy answers 408 */
		raw_error(c, 408);
		bool gone;
		if (!flush(c, &gone))
			return;
	}
	hl_free(c);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
	struct hl_conn *c = arg;
	bool gone;
	(void)fd;
	(void)what;
	if (!flush(c, &gone))
		return;
	c->writing = false;
	event_del(c->wev);
	if (c->close_after) {
		hl_free(c);
		return;
	}
	event_add(c->rev, NULL);
	process(c);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct hl_conn *c = arg;
	(void)what;
	if (c->in_len >= c->in_cap) {
		/* a full buffer the parser could not use: refused */
		raw_error(c, 400);
		process(c);
		return;
	}
	ssize_t n = recv(fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		/* a client gone before its (first) request: HAProxy logs it
		 * as a bad request unless "option dontlognull" */
		if ((c->in_len > 0 || c->nreq == 0) &&
		    !(c->in_len == 0 && PX_OPT(c->fe->px, PXO_DONTLOGNULL)))
			log_request(c, 400, 0, 0, "<NOSRV>", "CR--", HLT_NONE);
		hl_free(c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += (size_t)n;
	atomic_fetch_add(&c->fe->bytes_in, (unsigned long long)n);
	if (li_stats(c))
		atomic_fetch_add(&c->l->bytes_in, (unsigned long long)n);
	process(c);
}

void
http_local_accept(struct listener *l, int fd, const struct sockaddr *peer,
                  socklen_t peerlen)
{
	struct worker *w = l->w;
	struct engine *eng = w->eng;
	struct hl_conn *c = xcalloc(1, sizeof(*c));
	const struct cfg_global *g = eng->cfg->global;

	c->w = w;
	c->l = l;
	c->fe = l->fe;
	c->fd = fd;
	memcpy(&c->src, peer, peerlen < sizeof(c->src) ? peerlen : sizeof(c->src));
	socklen_t dl = sizeof(c->dst);
	if (getsockname(fd, (struct sockaddr *)&c->dst, &dl) < 0)
		memset(&c->dst, 0, sizeof(c->dst));
	h1q_limits_default(&c->lim);
	if (g->tune_bufsize > 0)
		c->lim.bufsize = (size_t)g->tune_bufsize;
	if (g->tune_maxrewrite >= 0 && (size_t)g->tune_maxrewrite < c->lim.bufsize)
		c->lim.maxrewrite = (size_t)g->tune_maxrewrite;
	if (g->tune_http_maxhdr > 0)
		c->lim.maxhdr = (size_t)g->tune_http_maxhdr;
	c->in_cap = c->lim.bufsize;
	c->in = xmalloc(c->in_cap);
	c->hdrs = xcalloc(c->lim.maxhdr, sizeof(*c->hdrs));
	c->rev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->tmr = evtimer_new(w->base, on_timeout, c);
	w->nsess++;

	struct frontend *fe = c->fe;
	atomic_fetch_add(&fe->cum_sess, 1);
	uint32_t tnow = (uint32_t)now_ms();
	ctr_max(&fe->sps_max, ctr_freq_add(&fe->sess_rate, 1, tnow));
	ctr_max(&eng->sps_max, ctr_freq_add(&eng->sess_rate, 1, tnow));
	ctr_max(&fe->conn_max, (unsigned)atomic_load(&fe->cur_conn));
	if (li_stats(c)) {
		atomic_fetch_add(&l->cum_sess, 1);
		ctr_max(&l->conn_max, (unsigned)atomic_fetch_add(&l->cur_conn, 1) + 1);
	}

	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	pthread_mutex_unlock(&conns_lock);
	c->t_start = now_ms();
	c->t_start_wall = wall_ms();
	/* HAProxy's "Connect from" line when the frontend logs without a
	 * format; log_accept() reads only these fields of a session */
	struct session fake = { 0 };
	fake.w = w;
	fake.l = l;
	fake.fe = fe;
	fake.src = c->src;
	fake.dst = c->dst;
	log_accept(eng->logs, &fake);

	event_add(c->rev, NULL);
	arm_timer(c, tmo(fe->px, PX_TO_HTTP_REQUEST, PX_TO_CLIENT));
}

void
http_local_close_all(struct worker *w)
{
	for (;;) {
		struct hl_conn *c;
		pthread_mutex_lock(&conns_lock);
		for (c = conns; c && c->w != w; c = c->next)
			;
		pthread_mutex_unlock(&conns_lock);
		if (c == NULL)
			break;
		hl_free(c);
	}
}
