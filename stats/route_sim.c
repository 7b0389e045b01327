/* "show route" (route.h): the same steps as engine/session.c, in the same
 * order, on a synthetic connection:
 *   tcp-request connection -> tcp-request session -> frontend
 *   tcp-request content -> use_backend / default_backend -> backend
 *   tcp-request content -> use-server -> load balancing (peek).
 * No side effects: the sample context runs in dry-run mode (proc-scope
 * variables are copied, not written), has no socket (set-mark/set-tos do
 * nothing), no counter is touched, and the balancer is asked with
 * lb_peek(), which leaves its state as it was. */
#include "stats/route.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/lb.h"
#include "engine/smp_eval.h"
#include "parser/acl.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/sample.h"
#include "parser/server.h"

/* ---- arguments ------------------------------------------------------ */

static int
parse_src(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *port = NULL;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {              /* [v6]:port */
		const char *e = strchr(s, ']');
		if (e == NULL || (size_t)(e - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		if (e[1] == ':')
			port = e + 2;
		else if (e[1] != '\0')
			return -1;
	} else {
		const char *c = strchr(s, ':');
		bool v6 = c && strchr(c + 1, ':');
		size_t hl = c && !v6 ? (size_t)(c - s) : strlen(s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (c && !v6)
			port = c + 1;
	}
	long p = 0;
	if (port) {
		char *end;
		p = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || p < 0 || p > 65535)
			return -1;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		return 0;
	}
	return -1;
}

/* A name as it may appear in a ClientHello: 1..255 printable bytes. */
static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int
route_parse_args(char **w, int n, struct route_req *r, const char **err)
{
	memset(r, 0, sizeof(*r));
	if (n < 1 || w[0][0] == '\0') {
		*err = "Missing frontend name.";
		return -1;
	}
	r->fe = w[0];
	for (int i = 1; i < n; i++) {
		const char *a = w[i];
		if (a[0] == '\0')
			break;  /* HAProxy: an empty word ends the arguments */
		if (!strncmp(a, "sni=", 4)) {
			r->sni = a + 4;
			if (r->sni[0] && !name_ok(r->sni, strlen(r->sni))) {
				*err = "Invalid sni: 1 to 255 printable characters expected.";
				return -1;
			}
		} else if (!strncmp(a, "alpn=", 5)) {
			r->alpn = a + 5;
			const char *p = r->alpn;
			while (*p) {
				const char *e = strchr(p, ',');
				size_t l = e ? (size_t)(e - p) : strlen(p);
				if (!name_ok(p, l)) {
					*err = "Invalid alpn: a comma-separated list of 1 to 255 printable characters each expected.";
					return -1;
				}
				p += l + (e ? 1 : 0);
				if (e && *p == '\0') {
					*err = "Invalid alpn: a comma-separated list of 1 to 255 printable characters each expected.";
					return -1;
				}
			}
		} else if (!strncmp(a, "src=", 4)) {
			if (parse_src(a + 4, &r->src) < 0) {
				*err = "Invalid src: <ipv4>[:<port>] or [<ipv6>]:<port> expected.";
				return -1;
			}
			r->has_src = true;
		} else {
			*err = "Unknown argument.";
			return -1;
		}
	}
	if (r->sni == NULL) {
		*err = "Missing sni=<name> (sni= alone: a ClientHello without SNI).";
		return -1;
	}
	return 0;
}

/* ---- the synthetic ClientHello --------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static void
put(struct wbuf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void
put8(struct wbuf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}

static void
put16(struct wbuf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

/* Writes a 2- or 3-byte length at pos, for what follows it. */
static void
fix_len(struct wbuf *b, size_t pos, int bytes)
{
	if (b->overflow)
		return;
	size_t v = b->len - pos - (size_t)bytes;
	for (int i = bytes - 1; i >= 0; i--) {
		b->p[pos + (size_t)i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

size_t
route_hello_build(uint8_t *buf, size_t cap, const char *sni, const char *alpn)
{
	static const uint8_t zero[32];
	struct wbuf b = { buf, 0, cap, false };
	size_t rec, hs, ext, at;

	put8(&b, 22);                 /* handshake record, TLS 1.0 header */
	put16(&b, 0x0301);
	rec = b.len;
	put16(&b, 0);
	put8(&b, 1);                  /* ClientHello */
	hs = b.len;
	put8(&b, 0);
	put16(&b, 0);
	put16(&b, 0x0303);            /* legacy_version TLS 1.2 */
	put(&b, zero, 32);            /* random */
	put8(&b, 32);                 /* legacy_session_id, as browsers send */
	put(&b, zero, 32);
	put16(&b, 6);                 /* cipher suites */
	put16(&b, 0x1301);
	put16(&b, 0x1302);
	put16(&b, 0xc02f);
	put8(&b, 1);                  /* compression: null */
	put8(&b, 0);
	ext = b.len;
	put16(&b, 0);
	if (sni && *sni) {
		size_t l = strlen(sni);
		if (l > 255)
			return 0;
		put16(&b, 0);         /* server_name */
		put16(&b, (unsigned)(l + 5));
		put16(&b, (unsigned)(l + 3));
		put8(&b, 0);          /* host_name */
		put16(&b, (unsigned)l);
		put(&b, sni, l);
	}
	put16(&b, 10);                /* supported_groups: x25519, P-256 */
	put16(&b, 6);
	put16(&b, 4);
	put16(&b, 0x001d);
	put16(&b, 0x0017);
	put16(&b, 11);                /* ec_point_formats: uncompressed */
	put16(&b, 2);
	put8(&b, 1);
	put8(&b, 0);
	put16(&b, 13);                /* signature_algorithms */
	put16(&b, 8);
	put16(&b, 6);
	put16(&b, 0x0403);
	put16(&b, 0x0804);
	put16(&b, 0x0401);
	if (alpn && *alpn) {
		put16(&b, 16);        /* application_layer_protocol_negotiation */
		at = b.len;
		put16(&b, 0);
		put16(&b, 0);
		const char *p = alpn;
		while (*p) {
			const char *e = strchr(p, ',');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (l == 0 || l > 255)
				return 0;
			put8(&b, (unsigned)l);
			put(&b, p, l);
			p += l + (e ? 1 : 0);
		}
		fix_len(&b, at + 2, 2);
		fix_len(&b, at, 2);
	}
	put16(&b, 35);                /* session_ticket, empty */
	put16(&b, 0);
	put16(&b, 43);                /* supported_versions: 1.3, 1.2 */
	put16(&b, 5);
	put8(&b, 4);
	put16(&b, 0x0304);
	put16(&b, 0x0303);
	put16(&b, 51);                /* key_share: one x25519 share */
	put16(&b, 38);
	put16(&b, 36);
	put16(&b, 0x001d);
	put16(&b, 32);
	put(&b, zero, 32);
	fix_len(&b, ext, 2);
	fix_len(&b, hs, 3);
	fix_len(&b, rec, 2);
	return b.overflow ? 0 : b.len;
}

/* ---- rendering the configuration ----------------------------------- */

static const char *
route_addr_str(const union sess_addr *a, char *buf, size_t sz)
{
	char ip[INET6_ADDRSTRLEN];
	if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->in.sin_addr, ip, sizeof(ip));
		snprintf(buf, sz, "%s:%u", ip, ntohs(a->in.sin_port));
	} else if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, sz, "[%s]:%u", ip, ntohs(a->in6.sin6_port));
	} else if (a->sa.sa_family == AF_UNIX) {
		snprintf(buf, sz, "unix");
	} else {
		snprintf(buf, sz, "-");
	}
	return buf;
}

static void
anon_text(struct sbuf *b, const struct acl *a, bool brief)
{
	sbuf_adds(b, brief ? "{" : "{ ");
	for (size_t i = 0; i < a->exprs.n; i++) {
		const struct acl_expr *e = a->exprs.v[i];
		sbuf_adds(b, e->smp && e->smp->text ? e->smp->text : e->kw ? e->kw : "?");
		if (brief)
			break;
		bool icase = false;
		for (size_t k = 0; k < e->pats.n; k++)
			icase |= e->pats.v[k].icase;
		if (icase)
			sbuf_adds(b, " -i");
		/* a method other than a fetch's usual one was asked with -m
		 * (ACL keywords such as req.ssl_sni_end imply theirs) */
		bool implied = e->kw && e->smp && e->smp->text &&
		               strncmp(e->smp->text, e->kw, strlen(e->kw)) != 0;
		switch (e->match) {
		case ACL_M_SUB: case ACL_M_REG: case ACL_M_BEG: case ACL_M_END:
		case ACL_M_DIR: case ACL_M_DOM: case ACL_M_LEN: case ACL_M_BIN:
			if (!implied)
				sbuf_addf(b, " -m %s", acl_match_name(e->match));
			break;
		default:
			break;
		}
		for (size_t k = 0; k < e->files.n; k++)
			sbuf_addf(b, " -f %s", e->files.v[k]);
		for (size_t k = 0; e->files.n == 0 && k < e->pats.n; k++) {
			const struct acl_pattern *pt = &e->pats.v[k];
			if (e->match == ACL_M_INT || e->match == ACL_M_LEN) {
				/* as a range: "gt 1000" was parsed as 1001: */
				sbuf_addc(b, ' ');
				if (pt->has_min && pt->has_max && pt->min == pt->max)
					sbuf_addf(b, "%lld", pt->min);
				else {
					if (pt->has_min)
						sbuf_addf(b, "%lld", pt->min);
					sbuf_addc(b, ':');
					if (pt->has_max)
						sbuf_addf(b, "%lld", pt->max);
				}
			} else if (pt->str) {
				sbuf_addf(b, " %s", pt->str);
			}
		}
	}
	sbuf_adds(b, brief ? "}" : " }");
}

static void
term_text(struct sbuf *b, const struct acl_term *t, bool brief)
{
	if (t->neg)
		sbuf_addc(b, '!');
	if (t->acl->name)
		sbuf_adds(b, t->acl->name);
	else
		anon_text(b, t->acl, brief);
}

static void
cond_text(struct sbuf *b, const struct acl_cond *c)
{
	if (c == NULL)
		return;
	sbuf_adds(b, c->unless ? " unless" : " if");
	for (size_t i = 0; i < c->suites.n; i++) {
		if (i)
			sbuf_adds(b, " ||");
		for (size_t j = 0; j < c->suites.v[i].terms.n; j++) {
			sbuf_addc(b, ' ');
			term_text(b, &c->suites.v[i].terms.v[j], false);
		}
	}
}

static const char *
expr_text(const struct smp_expr *e)
{
	return e && e->text ? e->text : "...";
}

static void
rule_text(struct sbuf *b, const char *set, const struct px_rule *r)
{
	sbuf_addf(b, "%s %s", set, r->name ? r->name : "?");
	switch (r->act) {
	case PX_ACT_SET_VAR:
		sbuf_addf(b, "(%s) %s", r->arg ? r->arg : "", expr_text(r->expr));
		break;
	case PX_ACT_SET_VAR_FMT:
		sbuf_addf(b, "(%s) ...", r->arg ? r->arg : "");
		break;
	case PX_ACT_UNSET_VAR:
		sbuf_addf(b, "(%s)", r->arg ? r->arg : "");
		break;
	case PX_ACT_CAPTURE:
		sbuf_addf(b, " %s %s %lld", expr_text(r->expr), r->arg ? r->arg : "len", r->ival);
		break;
	case PX_ACT_SET_SRC: case PX_ACT_SET_DST:
	case PX_ACT_SET_SRC_PORT: case PX_ACT_SET_DST_PORT:
		sbuf_addf(b, " %s", expr_text(r->expr));
		break;
	case PX_ACT_SET_MARK: case PX_ACT_SET_TOS:
		sbuf_addf(b, " %lld", r->ival);
		break;
	default:
		break;
	}
	cond_text(b, r->cond);
}

/* ---- evaluation -------------------------------------------------------- */

struct sim {
	struct engine *eng;
	struct frontend *fe;
	struct smp_ctx ctx;
	union sess_addr src, dst, cli, fc_dst; /* as a session has them */
	uint8_t hello[2048];
	size_t hello_len;
	struct sbuf *out;
	bool seen;               /* an inspection waited for the hello */
};

static const char *
res_word(enum acl_result r)
{
	return r == ACL_PASS ? "yes" : r == ACL_FAIL ? "no" : "wait";
}

/* " [term=yes ...]": each term of c alone, as used (after '!'). */
static void
terms_text(struct sbuf *b, const struct acl_cond *c, struct smp_ctx *ctx)
{
	if (c == NULL)
		return;
	sbuf_adds(b, " [");
	bool first = true;
	for (size_t i = 0; i < c->suites.n; i++) {
		for (size_t j = 0; j < c->suites.v[i].terms.n; j++) {
			struct acl_term t = c->suites.v[i].terms.v[j];
			t.owned = false;
			struct acl_suite s = { 0 };
			s.terms.v = &t;
			s.terms.n = s.terms.cap = 1;
			struct acl_cond one = { 0 };
			one.suites.v = &s;
			one.suites.n = one.suites.cap = 1;
			enum acl_result r = acl_cond_eval(&one, ctx);
			if (!first)
				sbuf_addc(b, ' ');
			first = false;
			term_text(b, &t, true);
			sbuf_addf(b, "=%s", res_word(r));
		}
	}
	sbuf_addc(b, ']');
	if (c->unless)
		sbuf_adds(b, " (unless)");
}

static void
loc_text(struct sbuf *b, const struct cfg_loc *l)
{
	sbuf_addf(b, "%s:%d", l->file ? l->file : "?", l->line);
}

static void
set_data(struct sim *m, bool with_hello, bool final)
{
	m->ctx.req = with_hello ? m->hello : NULL;
	m->ctx.req_len = with_hello ? m->hello_len : 0;
	m->ctx.final = final;
	m->ctx.ch_parsed = false;
}

enum verdict { V_CONT, V_ACCEPT, V_REJECT, V_WAIT };

/* One tcp-request rule list, as session.c's run_rules(); prints a line
 * per rule when out is set. */
static enum verdict
run_list(struct sim *m, const char *set, const struct px_rule *const *rules,
         size_t n, struct sbuf *out)
{
	enum verdict v = V_CONT;
	for (size_t i = 0; i < n; i++) {
		const struct px_rule *r = rules[i];
		if (v != V_CONT) {
			if (out) {
				sbuf_adds(out, "not-reached ");
				loc_text(out, &r->loc);
				sbuf_addc(out, ' ');
				rule_text(out, set, r);
				sbuf_addc(out, '\n');
			}
			continue;
		}
		enum acl_result res = acl_cond_eval(r->cond, &m->ctx);
		if (res == ACL_MISS)
			return V_WAIT;
		/* the terms as the condition saw them, before the action */
		struct sbuf terms = { 0 };
		if (out)
			terms_text(&terms, r->cond, &m->ctx);
		const char *what = res == ACL_PASS ? "match" : "no-match";
		const char *note = "";
		if (res == ACL_PASS) {
			switch (r->act) {
			case PX_ACT_ACCEPT:
				v = V_ACCEPT;
				note = " => accept: stops this rule list";
				break;
			case PX_ACT_REJECT:
			case PX_ACT_SILENT_DROP:
				v = V_REJECT;
				note = " => connection closed";
				break;
			case PX_ACT_EXPECT_PROXY:
				what = "skipped";
				note = " => a PROXY header is read first (src= stands for the address it carries)";
				break;
			default:
				smp_action_exec(r, &m->ctx);
				break;
			}
		}
		if (out) {
			sbuf_addf(out, "%s ", what);
			loc_text(out, &r->loc);
			sbuf_addc(out, ' ');
			rule_text(out, set, r);
			if (terms.s)
				sbuf_adds(out, terms.s);
			sbuf_adds(out, note);
			sbuf_addc(out, '\n');
		}
		free(terms.s);
	}
	return v;
}

/* Content rules of px, as inspect_step() would finally run them. */
static enum verdict
run_content(struct sim *m, const struct cfg_proxy *px, const char *kind)
{
	const struct px_rule *const *rules = (const struct px_rule *const *)px->tcp_req_cont.v;
	size_t n = px->tcp_req_cont.n;
	bool waits = px->tcp_req_inspect_delay > 0 && n > 0;

	if (n > 0 && waits) {
		/* would the rules decide on the hello alone, or wait for the
		 * inspect-delay? a scratch context, so actions do not run twice */
		struct smp_ctx keep = m->ctx;
		m->ctx.vars = NULL;
		m->ctx.cap = NULL;
		m->ctx.ch = NULL;
		set_data(m, true, false);
		enum verdict v = run_list(m, "tcp-request content", rules, n, NULL);
		smp_vars_free(&m->ctx);
		free(m->ctx.ch);
		m->ctx = keep;
		if (v == V_WAIT)
			sbuf_addf(m->out, "note: %s %s: the rules cannot decide on the ClientHello alone: a real connection waits until tcp-request inspect-delay (%u ms) expires, then they run as shown\n",
			          kind, px->name, px->tcp_req_inspect_delay);
	}
	if (waits)
		m->seen = true;
	set_data(m, m->seen, true);
	return run_list(m, "tcp-request content", rules, n, m->out);
}

static void
switch_line(struct sbuf *b, const char *what, const struct px_switch *sw,
            const char *kw, struct smp_ctx *ctx, const char *note)
{
	sbuf_addf(b, "%s ", what);
	loc_text(b, &sw->loc);
	sbuf_addf(b, " %s %s", kw, sw->name ? sw->name : "?");
	cond_text(b, sw->cond);
	if (ctx)
		terms_text(b, sw->cond, ctx);
	sbuf_adds(b, note);
	sbuf_addc(b, '\n');
}

/* use_backend / default_backend, as choose_backend(). NULL: none. */
static const struct cfg_proxy *
pick_backend(struct sim *m)
{
	const struct cfg_proxy *fe = m->fe->px, *be = NULL;
	struct sbuf *out = m->out;
	size_t i;
	bool done = false;

	for (i = 0; i < fe->use_backends.n; i++) {
		const struct px_switch *sw = fe->use_backends.v[i];
		if (done) {
			switch_line(out, "not-reached", sw, "use_backend", NULL, "");
			continue;
		}
		if (acl_cond_eval(sw->cond, &m->ctx) != ACL_PASS) {
			switch_line(out, "no-match", sw, "use_backend", &m->ctx, "");
			continue;
		}
		done = true;
		if (sw->dyn == NULL) {
			be = sw->be;
			switch_line(out, "match", sw, "use_backend", &m->ctx, "");
			continue;
		}
		struct sbuf name = { 0 };
		if (lf_render(sw->dyn, &m->ctx, &name) == 0 && name.len > 0) {
			struct backend *b = engine_backend_by_name(m->eng, name.s);
			be = b ? b->px : NULL;
		}
		char *note = be ? xasprintf(" => '%s'", be->name)
		                : xasprintf(" => '%s': no such backend, default_backend is used", name.s ? name.s : "");
		switch_line(out, "match", sw, "use_backend", &m->ctx, note);
		free(note);
		free(name.s);
	}
	if (fe->default_be && be) {
		sbuf_addf(out, "not-reached %s:%d default_backend %s\n",
		          fe->default_backend_loc.file ? fe->default_backend_loc.file : "?",
		          fe->default_backend_loc.line, fe->default_be->name);
	}
	if (be) {
		sbuf_addf(out, "backend %s: use_backend\n", be->name);
		return be;
	}
	if (fe->default_be) {
		sbuf_addf(out, "match %s:%d default_backend %s\n",
		          fe->default_backend_loc.file ? fe->default_backend_loc.file : "?",
		          fe->default_backend_loc.line, fe->default_be->name);
		sbuf_addf(out, "backend %s: default_backend\n", fe->default_be->name);
		return fe->default_be;
	}
	if (fe->cap & PX_CAP_BE) {
		sbuf_addf(out, "backend %s: the listen section's own servers\n", fe->name);
		return fe;
	}
	sbuf_adds(out, "backend (none): no rule matched and there is no default_backend\n");
	return NULL;
}

static const char *
srv_state_text(const struct srv_state *st, char *buf, size_t sz)
{
	int op = atomic_load(&st->op), adm = atomic_load(&st->admin);
	const char *s = adm == SRV_ADMIN_MAINT ? "MAINT" : op == SRV_OP_DOWN ? "DOWN"
	              : op == SRV_OP_STOPPING ? "NOLB" : adm == SRV_ADMIN_DRAIN ? "DRAIN" : "UP";
	snprintf(buf, sz, "%s, weight %d, %u current sessions", s,
	         atomic_load(&st->uweight), atomic_load(&st->cur_sess));
	return buf;
}

/* use-server rules, then the balancer's next choice. Returns the name of
 * the server, or NULL. */
static const char *
pick_server(struct sim *m, struct backend *be)
{
	const struct cfg_proxy *px = be->px;
	struct sbuf *out = m->out;
	char sbuf[128];
	bool done = false;
	const char *chosen = NULL;

	for (size_t i = 0; i < px->use_servers.n; i++) {
		const struct px_switch *sw = px->use_servers.v[i];
		if (done) {
			switch_line(out, "not-reached", sw, "use-server", NULL, "");
			continue;
		}
		if (sw->srv == NULL || acl_cond_eval(sw->cond, &m->ctx) != ACL_PASS) {
			switch_line(out, "no-match", sw, "use-server", &m->ctx, "");
			continue;
		}
		struct srv_state *st = NULL;
		for (size_t k = 0; k < be->nsrv; k++)
			if (be->srvs[k].cfg == sw->srv)
				st = &be->srvs[k];
		if (st == NULL || atomic_load(&st->op) != SRV_OP_UP ||
		    atomic_load(&st->admin) == SRV_ADMIN_MAINT) {
			switch_line(out, "skipped", sw, "use-server", &m->ctx,
			            " => the server is not UP: rule ignored");
			continue;
		}
		switch_line(out, "match", sw, "use-server", &m->ctx, "");
		sbuf_addf(out, "server %s: use-server (%s)\n", sw->srv->name,
		          srv_state_text(st, sbuf, sizeof(sbuf)));
		done = true;
		chosen = sw->srv->name;
	}
	if (done)
		return chosen;

	struct lb_key key = { 0 };
	struct sbuf hk = { 0 };
	const struct px_balance *bal = px->lb;
	unsigned needs = lb_needs(be->lb);
	bool keyed = false;
	key.src = m->ctx.src->sa.sa_family ? &m->ctx.src->sa : NULL;
	if (bal && bal->hash_expr) {
		if (smp_eval_str(bal->hash_expr, &m->ctx, &hk) == SMP_RES_OK) {
			key.data = hk.s ? hk.s : "";
			key.len = hk.len;
			keyed = true;
		}
	}
	bool full = false;
	struct srv_state *st = lb_peek(be->lb, &key, &full);
	const char *algo = lb_algo_name(be->lb);
	char how[512];
	char ab[80];
	if ((needs & LB_NEED_SRC) && key.src)
		snprintf(how, sizeof(how), "balance %s: hash of the client address %s", algo,
		         route_addr_str(m->ctx.src, ab, sizeof(ab)));
	else if (needs & LB_NEED_SRC)
		snprintf(how, sizeof(how), "balance %s: depends on the client address (no src= given): shown is the round-robin fallback", algo);
	else if ((needs & LB_NEED_DATA) && keyed)
		snprintf(how, sizeof(how), "balance %s: hash of %s = \"%.*s\"", algo,
		         expr_text(bal->hash_expr), (int)(hk.len > 200 ? 200 : hk.len), hk.s ? hk.s : "");
	else if (needs & LB_NEED_DATA)
		snprintf(how, sizeof(how), "balance %s: no hash key for this connection: shown is the round-robin fallback, which changes with every connection", algo);
	else if (!strcmp(algo, "random"))
		snprintf(how, sizeof(how), "balance random: depends on the next random draw: shown is the next one now");
	else
		snprintf(how, sizeof(how), "balance %s: the next pick now, which changes with every connection", algo);
	free(hk.s);
	if (st) {
		sbuf_addf(out, "server %s: %s (%s)\n", st->cfg->name, how,
		          srv_state_text(st, sbuf, sizeof(sbuf)));
		return st->cfg->name;
	}
	if (full)
		sbuf_addf(out, "server (queue): every usable server is full: the connection waits in the backend queue (%s)\n", how);
	else
		sbuf_adds(out, "server (none): no usable server: the connection is closed\n");
	return full ? "(queue)" : NULL;
}

static struct frontend *
find_fe(struct engine *eng, const char *name)
{
	for (size_t i = 0; i < eng->nfrontends; i++) {
		const struct cfg_proxy *px = eng->frontends[i].px;
		if (px->name && !strcmp(px->name, name))
			return &eng->frontends[i];
		if (name[0] == '#' && name[1] && atoi(name + 1) == px->id)
			return &eng->frontends[i];
	}
	return NULL;
}

static const struct listener *
first_listener(struct engine *eng, const struct frontend *fe)
{
	for (int t = 0; eng->workers && t < eng->nthreads; t++)
		for (size_t i = 0; i < eng->workers[t].listeners.n; i++)
			if (eng->workers[t].listeners.v[i]->fe == fe)
				return eng->workers[t].listeners.v[i];
	return NULL;
}

int
route_explain(struct engine *eng, const struct route_req *r, struct sbuf *out,
              const char **err)
{
	struct sim *m;
	char a1[80], a2[80];
	const struct cfg_proxy *fe;

	struct frontend *f = find_fe(eng, r->fe);
	if (f == NULL) {
		*err = "No such frontend.";
		return -1;
	}
	fe = f->px;
	if (fe->mode != PX_MODE_TCP) {
		*err = "Not a TCP frontend: show route explains TLS passthrough (mode tcp) routing.";
		return -1;
	}
	m = xcalloc(1, sizeof(*m));
	m->eng = eng;
	m->fe = f;
	m->out = out;
	m->hello_len = route_hello_build(m->hello, sizeof(m->hello), r->sni, r->alpn);
	if (m->hello_len == 0) {
		free(m);
		*err = "The ClientHello would not fit in 2048 bytes: shorten the alpn list.";
		return -1;
	}
	if (r->has_src)
		sess_addr_set(&m->src, (const struct sockaddr *)&r->src, sizeof(r->src));
	m->cli = m->src;
	const struct listener *l = first_listener(eng, f);
	if (l)
		sess_addr_set(&m->dst, (const struct sockaddr *)&l->addr, sizeof(l->addr));
	m->fc_dst = m->dst;

	struct smp_ctx *c = &m->ctx;
	c->cfg = eng->cfg;
	c->eng = eng;
	c->fe = fe;
	c->bind = l ? l->bind : NULL;
	c->src = &m->src;
	c->dst = &m->dst;
	c->fc_src = &m->cli;
	c->fc_dst = &m->fc_dst;
	c->cfd = -1;
	c->dry_run = true;

	sbuf_addf(out, "frontend %s: sni=%s alpn=%s src=%s dst=%s\n", fe->name,
	          r->sni[0] ? r->sni : "(none)", r->alpn && r->alpn[0] ? r->alpn : "(none)",
	          route_addr_str(&m->src, a1, sizeof(a1)), route_addr_str(&m->dst, a2, sizeof(a2)));
	if (!r->has_src)
		sbuf_adds(out, "note: no src= given: src fetches find nothing\n");
	bool sees_hello = fe->tcp_req_inspect_delay > 0 && fe->tcp_req_cont.n > 0;
	if (!sees_hello)
		sbuf_addf(out, "note: frontend %s has %s: its rules run as the connection opens, usually before the ClientHello arrives, so they are shown without it\n",
		          fe->name, fe->tcp_req_inspect_delay == 0 ? "no tcp-request inspect-delay" : "no tcp-request content rule");

	const char *result_be = NULL, *result_srv = NULL, *rejected = NULL;
	set_data(m, false, true);
	if (run_list(m, "tcp-request connection", (const struct px_rule *const *)fe->tcp_req_conn.v,
	             fe->tcp_req_conn.n, out) == V_REJECT)
		rejected = "tcp-request connection";
	if (!rejected && run_list(m, "tcp-request session", (const struct px_rule *const *)fe->tcp_req_sess.v,
	                          fe->tcp_req_sess.n, out) == V_REJECT)
		rejected = "tcp-request session";
	if (!rejected && run_content(m, fe, "frontend") == V_REJECT)
		rejected = "tcp-request content";
	const struct cfg_proxy *bpx = NULL;
	if (!rejected) {
		set_data(m, m->seen, true);
		bpx = pick_backend(m);
	}
	if (bpx) {
		struct backend *be = engine_backend(eng, bpx);
		c->be = bpx;
		result_be = bpx->name;
		if (bpx != fe && bpx->tcp_req_cont.n > 0 &&
		    run_content(m, bpx, "backend") == V_REJECT)
			rejected = "backend tcp-request content";
		if (!rejected && be) {
			set_data(m, m->seen, true);
			result_srv = pick_server(m, be);
		}
	}
	if (rejected)
		sbuf_addf(out, "result: rejected by %s\n", rejected);
	else if (result_be == NULL)
		sbuf_adds(out, "result: connection closed (no backend)\n");
	else if (result_srv == NULL)
		sbuf_addf(out, "result: backend %s, no server: connection closed\n", result_be);
	else
		sbuf_addf(out, "result: backend %s server %s\n", result_be, result_srv);

	smp_vars_free(c);
	free(c->ch);
	free(m);
	return 0;
}
