/* In-process hand-off (beyond HAProxy, HAProxy issue #406): a session
 * whose server is a unix@/abns@ address that a frontend of this process
 * binds gives its client socket to that frontend instead of connecting
 * to it. HAProxy's own configuration for one port that passes some TLS
 * through and terminates the rest,
 *
 *     server term abns@term send-proxy-v2     (in the mode tcp backend)
 *     bind abns@term accept-proxy ssl crt ... (in the terminating frontend)
 *
 * then costs no socket pair, no second relay and no copy through the
 * kernel, and the ClientHello the passthrough side read goes to OpenSSL
 * from memory. The same file runs in haproxy, through the socket.
 *
 * The child session is what accept() on that listener would have made:
 * a unix peer, the listener's address, the limits and counters of its
 * frontend, and first bytes made of the PROXY header the server line
 * would have sent (parsed by the same code as a real one, so every fetch
 * and rule sees what it sees in the chain) and what the parent read. The
 * parent stays alive, in SS_HANDOFF, holding its server slot as the
 * chain's relay would, and ends when the child ends (or ends it): its
 * log line and counters carry the client socket's bytes, as the relay's
 * would. Both run on the parent's thread.
 *
 * No hand-off (a normal connect) when the pairing would not work through
 * a socket either (a PROXY header sent where none is expected, or the
 * reverse), for TLS to the server, for a parent that decrypted its
 * client itself or is in mode http, for a child handing off again, when
 * the target frontend is not open or at a limit (the socket's backlog
 * would make the client wait: the socket does it), and with -dH. */
#include "engine/session.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/listener.h"
#include "engine/relay.h"
#include "engine/server.h"
#include "engine/session_int.h"
#include "engine/sni_stats.h"
#include "lib/util.h"
#include "parser/addr.h"
#include "parser/bind.h"
#include "parser/server.h"

/* The listener (any worker's) that binds server address a, or NULL. */
static struct listener *
find_listener(struct engine *eng, const struct cfg_addr *a)
{
	for (int t = 0; t < eng->nthreads; t++) {
		struct worker *w = &eng->workers[t];
		for (size_t i = 0; i < w->listeners.n; i++) {
			struct listener *l = w->listeners.v[i];
			if (l->fd < 0 || l->addr.ss_family != AF_UNIX)
				continue;
			for (size_t k = 0; k < l->bind->naddrs; k++) {
				const struct cfg_addr *b = &l->bind->addrs[k];
				if (b->kind == a->kind && b->sslen == a->sslen &&
				    memcmp(&b->ss, &a->ss, a->sslen) == 0)
					return l;
			}
		}
	}
	return NULL;
}

void
sess_handoff_setup(struct engine *eng)
{
	for (size_t b = 0; b < eng->nbackends; b++) {
		struct backend *be = eng->backends[b];
		for (size_t i = 0; i < be->nsrv; i++) {
			const struct cfg_addr *a = &be->srvs[i].cfg->addr;
			if (a->kind == ADDR_UNIX || a->kind == ADDR_ABNS)
				be->srvs[i].inproc = find_listener(eng, a);
		}
	}
}

bool
sess_handoff(struct session *s, const struct sockaddr_storage *sa, socklen_t len)
{
	struct listener *l = s->srv->inproc;
	const struct cfg_server *c = s->srv->cfg;
	if (l == NULL || s->w->eng->opts.no_handoff || s->http || s->cli_ssl ||
	    s->handoff || c->ssl || (c->send_proxy != 0) != l->bind->accept_proxy ||
	    len != c->addr.sslen || memcmp(sa, &c->addr.ss, len) != 0)
		return false;
	if (!listener_take_inproc(l))
		return false;

	/* the parent lets go of its client socket (its events on it are
	 * freed below, before the child adds its own) */
	int fd = s->cfd;
	s->cfd = -1;
	/* an unbound unix peer, as accept() on the listener returns it */
	struct sockaddr_un peer = { .sun_family = AF_UNIX };
	struct session *k = sess_new(s->w, l, fd, (const struct sockaddr *)&peer,
	                             sizeof(sa_family_t), &l->addr);
	k->cli_eof = s->cli_eof;

	sni_stats_route(s); /* show sni: while the parent has the ClientHello */
	/* its first bytes: the PROXY header, then what the parent read (the
	 * parent's buffer moves over) */
	size_t n = s->pp_len + s->req_len;
	if (n > 0) {
		if (s->req_cap < n) {
			s->req = xrealloc(s->req, n);
			s->req_cap = n;
		}
		memmove(s->req + s->pp_len, s->req, s->req_len);
		if (s->pp_len > 0)
			memcpy(s->req, s->pp_hdr, s->pp_len);
		k->req = s->req;
		k->req_len = n;
		k->req_cap = s->req_cap;
		s->req = NULL;
		s->req_cap = 0;
	}
	/* the parent's counts start with what it read (the relay's c2s) */
	s->bytes_in = s->req_len;
	s->req_len = 0;
	FREE_NULL(s->pp_hdr);
	s->pp_len = 0;

	/* the parent, as a relay that connected: established, routed, and
	 * holding nothing it no longer needs */
	srv_observe(s->w->eng, s->be, s->srv, false, NULL);
	s->t_established = now_ms();
	sess_release_inspect(s);
	sess_free_setup_events(s);
	sess_set_state(s, SS_HANDOFF);
	s->handoff = k;
	k->handoff = s;
	/* last: the child may end at once (a tcp-request rule, a bad
	 * header), which tells the parent through its kill event */
	sess_begin(k);
	return true;
}

/* What crossed the client socket so far, into the parent p's counts:
 * OpenSSL's socket BIO counts it exactly when the child decrypts (the
 * case this is for); otherwise the child's own counts, exact for a mode
 * tcp child, the last transaction's for mode http. p->bytes_in holds
 * what p read. */
static void
count_client_bytes(struct session *p, const struct session *k)
{
	if (k->cli_ssl) {
		BIO *b = SSL_get_wbio(k->cli_ssl); /* the socket, also after a prefill */
		p->bytes_in = p->bytes_in + BIO_number_read(b);
		p->bytes_out = BIO_number_written(b);
		return;
	}
	uint64_t in = k->bytes_in, out = k->bytes_out;
	if (k->relay) { /* still relaying (the parent ends first) */
		struct relay_stats st;
		relay_stats(k->relay, &st);
		in = st.c2s > k->pp_len ? st.c2s - k->pp_len : 0;
		out = st.s2c;
	}
	p->bytes_in = in > p->bytes_in ? in : p->bytes_in;
	p->bytes_out = out;
}

void
sess_handoff_end(struct session *s, bool parent)
{
	struct session *o = s->handoff;
	if (o == NULL)
		return;
	s->handoff = NULL;
	o->handoff = NULL;
	if (parent) {
		/* the parent goes first (shutdown session, its server marked
		 * down, hard stop): in the chain the child would lose its
		 * client; here it is told as the admin would */
		count_client_bytes(s, o);
		sess_request_kill(o, 'K');
		return;
	}
	/* the child ends: for the parent its server closed, normally
	 * unless the client failed while data flowed (observed in the
	 * chain: a refused handshake is "--" on the passthrough side) */
	count_client_bytes(o, s);
	if (o->term[0] == 0) {
		bool cli = (s->term[0] == 'C' || s->term[0] == 'c') && s->term[1] == 'D';
		o->term[0] = cli ? s->term[0] : '-';
		o->term[1] = cli ? 'D' : '-';
	}
	sess_request_kill(o, 'H');
}
