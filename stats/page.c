/* The stats page (reference §5.1): "stats uri" on a mode http frontend.
 * Access rules ("stats http-request", "stats auth"), the URI modifiers
 * (;csv ;json ;typed ;up ;no-maint ;norefresh ;st=CODE scope=<name>),
 * the admin form (POST, "stats admin if <cond>") and the HTML report.
 * Numbers come from stats/stat.h rows, as for "show stat". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http_local.h"
#include "engine/server.h"
#include "engine/smp_eval.h"
#include "engine/srv_state.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"
#include "proto/http1_req.h"
#include "stats/stat.h"

/* The URI from its path on ("http://h/p?q" -> "/p?q"). */
static const char *
rel_uri(const struct h1q_req *r, size_t *len)
{
	size_t n;
	const char *p = h1q_path(r, &n);
	*len = (size_t)(r->uri + r->uri_len - p);
	return p;
}

static bool
is_meth(const struct h1q_req *r, const char *m)
{
	size_t n = strlen(m);
	return r->method_len == n && memcmp(r->method, m, n) == 0;
}

/* As HAProxy: GET, HEAD or POST whose URI (absolute or not) starts with
 * the prefix. */
bool
stats_page_match(const struct cfg_proxy *px, const struct h1q_req *r)
{
	const struct px_stats *st = px->stats;
	size_t ul;
	if (st == NULL || !st->enabled || st->uri == NULL)
		return false;
	if (!is_meth(r, "GET") && !is_meth(r, "HEAD") && !is_meth(r, "POST"))
		return false;
	const char *u = rel_uri(r, &ul);
	size_t n = strlen(st->uri);
	return ul >= n && memcmp(u, st->uri, n) == 0;
}

/* ---- request ------------------------------------------------------------ */

struct page_req {
	bool csv, json, typed, schema, up, no_maint, norefresh;
	char st[8];                 /* ;st=CODE */
	char scope[64];             /* scope=<name>, "" for none */
	bool scope_set;
};

/* Whether the text after the prefix holds word (";csv"...). */
static bool
has(const char *p, size_t n, const char *word)
{
	size_t wl = strlen(word);
	for (size_t i = 0; i + wl <= n; i++)
		if (memcmp(p + i, word, wl) == 0)
			return true;
	return false;
}

static void
parse_modifiers(const struct h1q_req *r, size_t plen, struct page_req *q)
{
	size_t ul;
	const char *u = rel_uri(r, &ul);
	const char *p = u + plen;
	size_t n = ul - plen;
	memset(q, 0, sizeof(*q));
	q->csv = has(p, n, ";csv");
	q->json = has(p, n, ";json");
	q->schema = has(p, n, ";json-schema");
	q->typed = has(p, n, ";typed");
	q->up = has(p, n, ";up");
	q->no_maint = has(p, n, ";no-maint");
	q->norefresh = has(p, n, ";norefresh");
	for (size_t i = 0; i + 4 <= n; i++) {
		if (memcmp(p + i, ";st=", 4) == 0) {
			size_t k = 0;
			for (i += 4; i < n && k + 1 < sizeof(q->st) && p[i] >= 'A' && p[i] <= 'Z'; i++)
				q->st[k++] = p[i];
			q->st[k] = 0;
			break;
		}
	}
	for (size_t i = 0; i + 6 <= n; i++) {
		if (memcmp(p + i, "scope=", 6) == 0) {
			size_t k = 0;
			q->scope_set = true;
			for (i += 6; i < n && p[i] != '&' && p[i] != ';' && k + 1 < sizeof(q->scope); i++)
				q->scope[k++] = p[i];
			q->scope[k] = 0;
			break;
		}
	}
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decodes base64 into out (NUL-terminated); false when invalid. */
static bool
b64dec(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		int v = b64val(s[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outsz)
				return false;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = 0;
	return true;
}

/* "stats auth": Basic credentials matching one of the accounts. */
static bool
auth_ok(const struct px_stats *st, const struct h1q_req *r)
{
	const struct h1q_hdr *h = h1q_header(r, "authorization", 0);
	char cred[512];
	if (h == NULL || h->value_len < 6 || strncasecmp(h->value, "Basic ", 6) != 0)
		return false;
	const char *v = h->value + 6;
	size_t n = h->value_len - 6;
	while (n && *v == ' ')
		v++, n--;
	if (!b64dec(v, n, cred, sizeof(cred)))
		return false;
	for (size_t i = 0; i < st->auth.n; i++)
		if (strcmp(st->auth.v[i], cred) == 0)
			return true;
	return false;
}

/* ---- admin form --------------------------------------------------------- */

static int
hexv(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* URL-decodes p[0..n) into out (NUL-terminated, cut at outsz). */
static void
urldec(const char *p, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < outsz; i++) {
		if (p[i] == '+')
			out[o++] = ' ';
		else if (p[i] == '%' && i + 2 < n && hexv(p[i + 1]) >= 0 && hexv(p[i + 2]) >= 0) {
			out[o++] = (char)(hexv(p[i + 1]) * 16 + hexv(p[i + 2]));
			i += 2;
		} else
			out[o++] = p[i];
	}
	out[o] = 0;
}

static struct backend *
find_backend(struct engine *eng, const char *b)
{
	if (b[0] == '#') {
		int id = atoi(b + 1);
		for (size_t i = 0; i < eng->nbackends; i++)
			if (eng->backends[i]->px->id == id)
				return eng->backends[i];
		return NULL;
	}
	return engine_backend_by_name(eng, b);
}

/* The admin form's actions (HAProxy 2.6's st_adm_action names). */
enum page_act {
	PA_UNKNOWN, PA_READY, PA_DRAIN, PA_MAINT, PA_DHLTH, PA_EHLTH, PA_HRUNN, PA_HNOLB,
	PA_HDOWN, PA_DAGENT, PA_EAGENT, PA_ARUNN, PA_ADOWN, PA_SHUTDOWN,
};

static enum page_act
page_action(const char *a)
{
	static const struct { const char *name; enum page_act act; } m[] = {
		/* "enable"/"disable" and "start"/"stop" are HAProxy's older
		 * names, still accepted by 2.6 (observed) */
		{ "ready", PA_READY }, { "enable", PA_READY }, { "start", PA_READY },
		{ "drain", PA_DRAIN }, { "stop", PA_DRAIN },
		{ "maint", PA_MAINT }, { "disable", PA_MAINT },
		{ "dhlth", PA_DHLTH }, { "ehlth", PA_EHLTH }, { "hrunn", PA_HRUNN },
		{ "hnolb", PA_HNOLB }, { "hdown", PA_HDOWN }, { "dagent", PA_DAGENT },
		{ "eagent", PA_EAGENT }, { "arunn", PA_ARUNN }, { "adown", PA_ADOWN },
		{ "shutdown", PA_SHUTDOWN },
	};
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		if (!strcmp(a, m[i].name))
			return m[i].act;
	return PA_UNKNOWN;
}

#define WEB_REASON "changed from Web interface"

/* Runs one action on one server through the calls the stats socket
 * uses (stats/cmd_srv.c); false when it does not apply to that server
 * (HAProxy then leaves it out of the count): health actions need a
 * configured check, agent ones an agent (enabled for arunn/adown), and
 * forced health is refused on a tracking server. */
static bool
page_apply(struct engine *eng, struct backend *be, struct srv_state *sv, enum page_act a)
{
	switch (a) {
	case PA_READY: srv_set_admin(eng, be, sv, SRV_ADMIN_READY, NULL); return true;
	case PA_DRAIN: srv_set_admin(eng, be, sv, SRV_ADMIN_DRAIN, NULL); return true;
	case PA_MAINT: srv_set_admin(eng, be, sv, SRV_ADMIN_MAINT, NULL); return true;
	case PA_DHLTH:
	case PA_EHLTH:
		if (!sv->checked)
			return false;
		atomic_store(&sv->chk_disabled, a == PA_DHLTH);
		return true;
	case PA_DAGENT:
	case PA_EAGENT:
		if (!sv->agent)
			return false;
		atomic_store(&sv->agt_disabled, a == PA_DAGENT);
		return true;
	case PA_HRUNN:
	case PA_HNOLB:
	case PA_HDOWN:
		if (sv->tracked)
			return false;
		srv_force_op_why(eng, be, sv,
		                 a == PA_HRUNN ? SRV_OP_UP : a == PA_HNOLB ? SRV_OP_STOPPING : SRV_OP_DOWN,
		                 false, WEB_REASON);
		return true;
	case PA_ARUNN:
	case PA_ADOWN:
		if (!sv->agent || atomic_load(&sv->agt_disabled))
			return false;
		srv_force_op_why(eng, be, sv, a == PA_ARUNN ? SRV_OP_UP : SRV_OP_DOWN, true, WEB_REASON);
		return true;
	case PA_SHUTDOWN:
		srv_kill_all(sv, 'K');
		return true;
	case PA_UNKNOWN:
		break;
	}
	return false;
}

/* Applies the POSTed form; returns HAProxy's status code. */
static const char *
admin_post(struct http_txn *t)
{
	char backend[128] = "", action[32] = "";
	VEC(char *) srvs = { 0 };
	const char *p = t->body, *end = t->body ? t->body + t->body_len : NULL;
	const char *code = "NONE";
	bool too_long = false;

	while (p && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (eq) {
			char val[256];
			if ((size_t)(e - eq - 1) >= sizeof(val))
				too_long = true;
			urldec(eq + 1, (size_t)(e - eq - 1), val, sizeof(val));
			size_t kl = (size_t)(eq - p);
			if (kl == 1 && *p == 's')
				VEC_PUSH(srvs, xstrdup(val));
			else if (kl == 1 && *p == 'b')
				str_copy(backend, sizeof(backend), val);
			else if (kl == 6 && memcmp(p, "action", 6) == 0)
				str_copy(action, sizeof(action), val);
		}
		p = amp ? amp + 1 : end;
	}
	struct backend *be = backend[0] ? find_backend(t->eng, backend) : NULL;
	/* HAProxy's order of checks (observed on 2.6.12) */
	if (too_long) {
		code = "EXCD";
	} else if (be == NULL) {
		code = "ERRP";
	} else if (!action[0]) {
		code = "NONE";
	} else if (page_action(action) == PA_UNKNOWN) {
		code = "ERRP";
	} else {
		/* As HAProxy: a server the action applies to counts as altered,
		 * an unknown name counts against the total only, a server the
		 * action does not apply to (no check, tracking) not at all. */
		size_t altered = 0, total = 0;
		srv_states_setup(t->eng, be);
		for (size_t i = 0; i < srvs.n; i++) {
			struct srv_state *sv = NULL;
			for (size_t k = 0; k < be->nsrv && sv == NULL; k++)
				if (be->srvs[k].cfg->name && !strcmp(be->srvs[k].cfg->name, srvs.v[i]))
					sv = &be->srvs[k];
			if (sv == NULL) {
				total++;
			} else if (page_apply(t->eng, be, sv, page_action(action))) {
				altered++;
				total++;
			}
		}
		code = total == 0 ? "NONE" : altered == 0 ? "ERRP" : altered == total ? "DONE" : "PART";
	}
	for (size_t i = 0; i < srvs.n; i++)
		free(srvs.v[i]);
	free(srvs.v);
	return code;
}

/* "stats scope": the proxies the page may show ("." is its own); all
 * when none is listed. */
static bool
in_scope(const struct http_txn *t, const struct page_req *q, const char *pxname)
{
	const struct px_stats *st = t->px->stats;
	if (q->scope_set && strcmp(pxname, q->scope) != 0)
		return false;
	if (st->scope.n == 0)
		return true;
	for (size_t i = 0; i < st->scope.n; i++) {
		const char *sc = st->scope.v[i];
		if (!strcmp(sc, ".") ? !strcmp(pxname, t->px->name) : !strcmp(pxname, sc))
			return true;
	}
	return false;
}

static bool
admin_allowed(struct http_txn *t)
{
	const struct px_stats *st = t->px->stats;
	for (size_t i = 0; i < st->admin.n; i++)
		if (acl_cond_eval(st->admin.v[i], t->sctx) == ACL_PASS)
			return true;
	return false;
}

/* ---- rendering ---------------------------------------------------------- */

static void
val(struct sbuf *o, const struct st_val *v)
{
	switch (v->t) {
	case ST_V_EMPTY: break;
	case ST_V_STR: sbuf_adds(o, v->str ? v->str : ""); break;
	case ST_V_U32: case ST_V_U64: sbuf_addf(o, "%llu", (unsigned long long)v->u); break;
	case ST_V_S32: case ST_V_S64: sbuf_addf(o, "%lld", (long long)v->s); break;
	}
}

static void
html_esc(struct sbuf *o, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': sbuf_adds(o, "&lt;"); break;
		case '>': sbuf_adds(o, "&gt;"); break;
		case '&': sbuf_adds(o, "&amp;"); break;
		case '"': sbuf_adds(o, "&quot;"); break;
		default: sbuf_addc(o, *s);
		}
	}
}

static void
td(struct sbuf *o, const struct st_row *r, enum st_field f)
{
	sbuf_adds(o, "<td>");
	val(o, &r->f[f]);
	sbuf_adds(o, "</td>");
}

static const char *
row_class(const struct st_row *r)
{
	if (r->obj == ST_OBJ_FE)
		return "frontend";
	if (r->obj == ST_OBJ_BE)
		return "backend";
	if (r->obj == ST_OBJ_LI)
		return "socket";
	const char *s = r->f[ST_F_STATUS].t == ST_V_STR ? r->f[ST_F_STATUS].str : "";
	bool bck = r->f[ST_F_BCK].t != ST_V_EMPTY && r->f[ST_F_BCK].u;
	if (!strncmp(s, "MAINT", 5))
		return "maintain";
	if (!strcmp(s, "DRAIN"))
		return bck ? "backup_draining" : "active_draining";
	if (!strcmp(s, "no check"))
		return bck ? "backup_no_check" : "active_no_check";
	if (!strcmp(s, "NOLB"))
		return bck ? "backup_nolb" : "active_nolb";
	if (!strncmp(s, "UP ", 3))
		return bck ? "backup_going_down" : "active_going_down";
	if (!strncmp(s, "DOWN ", 5))
		return bck ? "backup_going_up" : "active_going_up";
	if (!strncmp(s, "UP", 2))
		return bck ? "backup_up" : "active_up";
	return bck ? "backup_down" : "active_down";
}

static const char css[] =
	"body { font-family: arial, helvetica, sans-serif; font-size: 12px; background: white;}\n"
	"th,td { font-size: 10px;}\n"
	"table.tbl { border-collapse: collapse; border-style: none;}\n"
	"table.tbl td { text-align: right; border: 1px solid gray; padding: 2px 3px; white-space: nowrap;}\n"
	"table.tbl th { border: 1px solid gray;}\n"
	"table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; padding: 2px 3px; white-space: nowrap;}\n"
	".titre {background: #20D0D0;color: #000000; font-weight: bold; text-align: center;}\n"
	".frontend {background: #e8e8d0;}\n.socket {background: #d0d0d0;}\n.backend {background: #e8e8d0;}\n"
	".active_down {background: #ff9090;}\n.active_going_up {background: #ffd020;}\n"
	".active_going_down {background: #ffffa0;}\n.active_up {background: #c0ffc0;}\n"
	".active_nolb {background: #20a0ff;}\n.active_draining {background: #20a0FF;}\n"
	".active_no_check {background: #e0e0e0;}\n.backup_down {background: #ff9090;}\n"
	".backup_going_up {background: #ff80ff;}\n.backup_going_down {background: #c060ff;}\n"
	".backup_up {background: #b0d0ff;}\n.backup_nolb {background: #90b0e0;}\n"
	".backup_draining {background: #cc9900;}\n.backup_no_check {background: #e0e0e0;}\n"
	".maintain {background: #c07820;}\n";

static const char thead[] =
	"<tr class=\"titre\"><th rowspan=2></th><th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th>"
	"<th colspan=6>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th><th colspan=3>Errors</th>"
	"<th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n"
	"<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th>"
	"<th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th><th>In</th><th>Out</th><th>Req</th>"
	"<th>Resp</th><th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th>"
	"<th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th>\n</tr>";

static void
html_row(struct sbuf *o, const struct st_row *r, bool admin, const char *pxname)
{
	sbuf_addf(o, "<tr class=\"%s\"><td>", row_class(r));
	const char *sv = r->f[ST_F_SVNAME].t == ST_V_STR ? r->f[ST_F_SVNAME].str : "";
	if (admin && r->obj == ST_OBJ_SRV) {
		sbuf_addf(o, "<input class='%s-checkbox' type=\"checkbox\" name=\"s\" value=\"", pxname);
		html_esc(o, sv);
		sbuf_adds(o, "\">");
	}
	const char *label = r->obj == ST_OBJ_FE ? "Frontend" : r->obj == ST_OBJ_BE ? "Backend" : sv;
	sbuf_adds(o, "</td><td class=ac><a name=\"");
	html_esc(o, pxname);
	sbuf_addc(o, '/');
	html_esc(o, label);
	sbuf_adds(o, "\"></a>");
	html_esc(o, label);
	sbuf_adds(o, "</td>");
	static const enum st_field cols[] = {
		ST_F_QCUR, ST_F_QMAX, ST_F_QLIMIT, ST_F_RATE, ST_F_RATE_MAX, ST_F_RATE_LIM,
		ST_F_SCUR, ST_F_SMAX, ST_F_SLIM, ST_F_STOT, ST_F_LBTOT, ST_F_LASTSESS,
		ST_F_BIN, ST_F_BOUT, ST_F_DREQ, ST_F_DRESP, ST_F_EREQ, ST_F_ECON, ST_F_ERESP,
		ST_F_WRETR, ST_F_WREDIS,
	};
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		td(o, r, cols[i]);
	sbuf_adds(o, "<td class=ac>");
	val(o, &r->f[ST_F_STATUS]);
	sbuf_adds(o, "</td><td class=ac>");
	val(o, &r->f[ST_F_CHECK_STATUS]);
	sbuf_adds(o, "</td>");
	static const enum st_field tail[] = {
		ST_F_WEIGHT, ST_F_ACT, ST_F_BCK, ST_F_CHKFAIL, ST_F_CHKDOWN, ST_F_DOWNTIME, ST_F_THROTTLE,
	};
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		td(o, r, tail[i]);
	sbuf_adds(o, "</tr>\n");
}

static void
html_proxy_end(struct sbuf *o, bool admin_form, const char *pxname, int iid)
{
	sbuf_adds(o, "</table>");
	if (admin_form)
		sbuf_addf(o, "Choose the action to perform on the checked servers : <select name=action>"
		             "<option value=\"\"></option><option value=\"ready\">Set state to READY</option>"
		             "<option value=\"drain\">Set state to DRAIN</option>"
		             "<option value=\"maint\">Set state to MAINT</option>"
		             "<option value=\"dhlth\">Health: disable checks</option>"
		             "<option value=\"ehlth\">Health: enable checks</option>"
		             "<option value=\"hrunn\">Health: force UP</option>"
		             "<option value=\"hnolb\">Health: force NOLB</option>"
		             "<option value=\"hdown\">Health: force DOWN</option>"
		             "<option value=\"dagent\">Agent: disable checks</option>"
		             "<option value=\"eagent\">Agent: enable checks</option>"
		             "<option value=\"arunn\">Agent: force UP</option>"
		             "<option value=\"adown\">Agent: force DOWN</option>"
		             "<option value=\"shutdown\">Kill Sessions</option></select>"
		             "<input type=\"hidden\" name=\"b\" value=\"#%d\">&nbsp;"
		             "<input type=\"submit\" value=\"Apply\"></form>", iid);
	(void)pxname;
	sbuf_adds(o, "<p>\n");
}

static const char *
st_banner(const char *code)
{
	static const struct { const char *c, *m; } m[] = {
		{ "DONE", "Action processed successfully." },
		{ "PART", "Action not processed for some servers." },
		{ "NONE", "Nothing has been changed." },
		{ "DENY", "Action denied." },
		{ "ERRP", "Action not processed because of invalid parameters." },
		{ "EXCD", "Action not processed: the buffer couldn't store all the data." },
		{ "UNKN", "Unexpected error." },
		{ "IVAL", "Invalid requested action." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		if (!strcmp(code, m[i].c))
			return m[i].m;
	return NULL;
}

/* A show info value as text ("" when unknown). */
static const char *
info(struct engine *eng, const char *name, char *buf, size_t n)
{
	char tmp[128];
	struct st_val v = st_info_value(eng, name, tmp, sizeof(tmp));
	switch (v.t) {
	case ST_V_STR: snprintf(buf, n, "%s", v.str ? v.str : ""); break;
	case ST_V_U32: case ST_V_U64: snprintf(buf, n, "%llu", (unsigned long long)v.u); break;
	case ST_V_S32: case ST_V_S64: snprintf(buf, n, "%lld", (long long)v.s); break;
	default: buf[0] = 0;
	}
	return buf;
}

/* HAProxy's "General process information" block. */
static void
html_process(struct sbuf *o, struct engine *eng)
{
	char a[64], b[64], c[64];
	char up[64];
	unsigned long long u = strtoull(info(eng, "Uptime_sec", up, sizeof(up)), NULL, 10);
	sbuf_adds(o, "<hr width=\"100%\" class=\"hr\">\n<h3>&gt; General process information</h3>\n"
	             "<table border=0><tr><td align=\"left\" nowrap width=\"1%\">\n");
	sbuf_addf(o, "<p><b>pid = </b> %s (process #1, nbproc = 1, nbthread = %s)<br>\n",
	          info(eng, "Pid", a, sizeof(a)), info(eng, "Nbthread", b, sizeof(b)));
	sbuf_addf(o, "<b>uptime = </b> %llud %lluh%02llum%02llus<br>\n",
	          u / 86400, u % 86400 / 3600, u % 3600 / 60, u % 60);
	sbuf_addf(o, "<b>system limits:</b> memmax = unlimited; ulimit-n = %s<br>\n",
	          info(eng, "Ulimit-n", a, sizeof(a)));
	sbuf_addf(o, "<b>maxsock = </b> %s; <b>maxconn = </b> %s; <b>maxpipes = </b> %s<br>\n",
	          info(eng, "Maxsock", a, sizeof(a)), info(eng, "Maxconn", b, sizeof(b)),
	          info(eng, "Maxpipes", c, sizeof(c)));
	sbuf_addf(o, "current conns = %s; ", info(eng, "CurrConns", a, sizeof(a)));
	sbuf_addf(o, "current pipes = %s/%s; ", info(eng, "PipesUsed", a, sizeof(a)),
	          info(eng, "PipesFree", b, sizeof(b)));
	sbuf_addf(o, "conn rate = %s/sec<br>\n", info(eng, "ConnRate", a, sizeof(a)));
	sbuf_addf(o, "Running tasks: %s/%s; idle = %s %%<br>\n</td></tr></table>\n",
	          info(eng, "Run_queue", a, sizeof(a)), info(eng, "Tasks", b, sizeof(b)),
	          info(eng, "Idle_pct", c, sizeof(c)));
}

static void
html_page(struct http_txn *t, const struct page_req *q, const struct st_filter *flt,
          bool admin)
{
	struct sbuf *o = &t->out;
	const struct px_stats *st = t->px->stats;
	const char *uri = st->uri;
	sbuf_adds(o, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"\n"
	             "\"http://www.w3.org/TR/html4/loose.dtd\">\n"
	             "<html><head><title>Statistics Report for sluice");
	if (st->flags & PX_STATS_SHNODE) {
		sbuf_adds(o, " on ");
		html_esc(o, st->node ? st->node : "");
	}
	sbuf_adds(o, "</title>\n<meta http-equiv=\"content-type\" content=\"text/html; charset=iso-8859-1\">\n"
	             "<style type=\"text/css\"><!--\n");
	sbuf_adds(o, css);
	sbuf_adds(o, "--></style></head>\n<body><h1>sluice");
	if (!(st->flags & PX_STATS_HIDEVER))
		sbuf_addf(o, " version %s", SLUICE_VERSION);
	sbuf_addf(o, "</h1>\n<h2>Statistics Report for pid %d</h2>\n", (int)getpid());
	if ((st->flags & PX_STATS_SHDESC) && st->desc) {
		sbuf_adds(o, "<h2>");
		html_esc(o, st->desc);
		sbuf_adds(o, "</h2>\n");
	}
	html_process(o, t->eng);
	const char *banner = q->st[0] ? st_banner(q->st) : NULL;
	if (banner)
		sbuf_addf(o, "<p><div class=active_up><b>%s</b></div>\n", banner);
	sbuf_addf(o, "<ul>"
	             "<li><a href=\"%s;up\">Hide 'DOWN' servers</a>\n"
	             "<li><a href=\"%s;norefresh\">Disable refresh</a>\n"
	             "<li><a href=\"%s\">Refresh now</a>\n"
	             "<li><a href=\"%s;csv;norefresh\">CSV export</a>\n"
	             "<li><a href=\"%s;json;norefresh\">JSON export</a>\n</ul>\n",
	          uri, uri, uri, uri, uri);

	struct st_cursor cur = { 0 };
	struct st_row *r = xmalloc(sizeof(*r));
	int last_iid = -1;
	bool form = false;
	char pxname[256] = "";
	while (st_next(t->eng, &cur, flt, r)) {
		const char *pn = r->f[ST_F_PXNAME].t == ST_V_STR ? r->f[ST_F_PXNAME].str : "";
		if (!in_scope(t, q, pn))
			continue;
		if (r->iid != last_iid) {
			if (last_iid >= 0)
				html_proxy_end(o, form, pxname, last_iid);
			str_copy(pxname, sizeof(pxname), pn);
			struct backend *be = engine_backend_by_name(t->eng, pn);
			form = admin && be != NULL && be->nsrv > 0;
			if (form)
				sbuf_adds(o, "<form method=\"post\">");
			sbuf_adds(o, "<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\"><th class=\"pxname\" width=\"10%\"><a name=\"");
			html_esc(o, pn);
			sbuf_adds(o, "\"></a>");
			html_esc(o, pn);
			sbuf_adds(o, "</th><th class=\"empty\" width=\"90%\"></th></tr>\n</table>\n<table class=\"tbl\" width=\"100%\">\n");
			sbuf_adds(o, thead);
			last_iid = r->iid;
		}
		html_row(o, r, form, pxname);
	}
	if (last_iid >= 0)
		html_proxy_end(o, form, pxname, last_iid);
	free(r);
	sbuf_adds(o, "</body></html>\n");
}

void
stats_page_serve(struct http_txn *t)
{
	const struct px_stats *st = t->px->stats;
	const struct h1q_req *r = t->req;

	/* stats http-request allow|deny|auth, first match */
	bool allowed = false;
	for (size_t i = 0; i < st->http_req.n; i++) {
		const struct px_rule *rule = st->http_req.v[i];
		if (acl_cond_eval(rule->cond, t->sctx) != ACL_PASS)
			continue;
		if (rule->act == PX_ACT_DENY) {
			atomic_fetch_add(&t->fe->denied_req, 1);
			http_txn_error(t, 403);
			t->hangup = true;
			return;
		}
		if (rule->act == PX_ACT_AUTH) {
			http_txn_error(t, 401);
			sbuf_addf(&t->hdrs, "www-authenticate: Basic realm=\"%s\"\r\n",
			          rule->arg ? rule->arg : st->realm);
			t->hangup = true;
			return;
		}
		allowed = true;
		break;
	}
	if (!allowed && st->auth.n && !auth_ok(st, r)) {
		http_txn_error(t, 401);
		sbuf_addf(&t->hdrs, "www-authenticate: Basic realm=\"%s\"\r\n", st->realm);
		t->hangup = true;
		return;
	}

	size_t plen = strlen(st->uri);
	struct page_req q;
	parse_modifiers(r, plen, &q);
	bool admin = admin_allowed(t);

	if (is_meth(r, "POST")) {
		const char *code = admin ? admin_post(t) : "DENY";
		t->status = 303;
		sbuf_addf(&t->hdrs, "cache-control: no-cache\r\ncontent-type: text/plain\r\ncontent-length: 0\r\nlocation: %s;st=%s\r\n",
		          st->uri, code);
		return;
	}

	struct st_filter flt = { .iid = -1, .types = -1, .sid = -1 };
	flt.up = q.up;
	flt.no_maint = q.no_maint;
	flt.hide_priv = !(st->flags & PX_STATS_SHLGNDS);

	t->status = 200;
	t->chunked = true;
	const char *ctype = q.csv || q.typed ? "text/plain" : q.json || q.schema ? "application/json" : "text/html";
	sbuf_addf(&t->hdrs, "cache-control: no-cache\r\ncontent-type: %s\r\n", ctype);
	if (st->refresh && !q.norefresh)
		sbuf_addf(&t->hdrs, "refresh: %u\r\n", st->refresh);

	if (q.schema) {
		st_json_schema(&t->out);
		return;
	}
	if (q.csv || q.json || q.typed) {
		struct st_cursor cur = { 0 };
		struct st_row *row = xmalloc(sizeof(*row));
		bool first = true;
		if (q.csv)
			st_csv_header(&t->out);
		if (q.json)
			sbuf_addc(&t->out, '[');
		while (st_next(t->eng, &cur, &flt, row)) {
			const char *pn = row->f[ST_F_PXNAME].t == ST_V_STR ? row->f[ST_F_PXNAME].str : "";
			if (!in_scope(t, &q, pn))
				continue;
			if (q.csv)
				st_csv_row(&t->out, row);
			else if (q.json)
				st_json_row(&t->out, row, first);
			else
				st_typed_row(&t->out, row, false);
			first = false;
		}
		if (q.json)
			sbuf_adds(&t->out, "]\n");
		free(row);
		return;
	}
	html_page(t, &q, &flt, admin);
}
