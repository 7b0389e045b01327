/* The answers HAProxy makes itself (http_act.h): built-in error pages
 * (reference §6.1), errorfile / errorloc / http-error messages, the
 * replies of deny/tarpit/return, and the files they name, loaded once by
 * http_act_init() into tables kept beside the configuration. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/http_act_int.h"
#include "engine/http_local.h"
#include "engine/http_msg.h"
#include "engine/smp_eval.h"
#include "parser/cfg.h"
#include "parser/http_errors.h"
#include "parser/kw.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/sample.h"
#include "proto/http1_resp.h"

/* HAProxy's http_err_msgs[] (src/http.c): the reasons of its built-in
 * pages differ from the standard ones ("Bad request"). */
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
	/* the stats page and the exporter answer with these too */
	switch (status) {
	case 302: return "Found";
	case 303: return "See Other";
	case 204: return "No Content";
	default: break;
	}
	for (size_t i = 0; i < ARRAY_SIZE(http_errs); i++)
		if (http_errs[i].code == status)
			return http_errs[i].reason;
	return hmsg_reason(status);
}

const char *
http_err_text(int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(http_errs); i++)
		if (http_errs[i].code == status)
			return http_errs[i].text;
	return "";
}

void
http_reply_free(struct http_reply *r)
{
	if (r == NULL)
		return;
	free(r->head.s);
	free(r->body.s);
	free(r->interim.s);
	memset(r, 0, sizeof(*r));
}

void
http_reply_start(struct http_reply *out, int status, const char *reason)
{
	sbuf_reset(&out->head);
	sbuf_reset(&out->body);
	out->status = status;
	out->close = false;
	out->denied = false;
	out->redirect = false;
	sbuf_addf(&out->head, "HTTP/1.1 %d %s\r\n", status, reason);
}

void
http_reply_hdr(struct http_reply *out, const char *name, const char *value,
               size_t vlen)
{
	/* HAProxy sends every header name in lower case */
	for (const char *c = name; *c; c++)
		sbuf_addc(&out->head, *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c);
	sbuf_adds(&out->head, ": ");
	sbuf_addn(&out->head, value, vlen);
	sbuf_adds(&out->head, "\r\n");
}

void
http_reply_set_close(struct http_reply *r)
{
	r->close = true;
	const char *h = r->head.s ? r->head.s : "";
	if (strncmp(h, "HTTP/1.1", 8) != 0 || strstr(h, "\r\nconnection: close\r\n"))
		return;
	if (r->head.len < 2)
		return;
	/* insert before the empty line */
	r->head.len -= 2;
	r->head.s[r->head.len] = '\0';
	sbuf_adds(&r->head, "connection: close\r\n\r\n");
}

void
http_reply_set_keepalive(struct http_reply *r)
{
	const char *h = r->head.s ? r->head.s : "";
	if (r->close || r->head.len < 2 || strstr(h, "\r\nconnection: "))
		return;
	r->head.len -= 2;
	r->head.s[r->head.len] = '\0';
	sbuf_adds(&r->head, "connection: keep-alive\r\n\r\n");
}

/* HAProxy's built-in page for status (reference §6.1): 400 and 408 also
 * close the connection. */
static void
builtin(int status, struct http_reply *out)
{
	http_reply_start(out, status, http_reason(status));
	sbuf_addf(&out->body, "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n",
	          status, http_reason(status), http_err_text(status));
	sbuf_addf(&out->head, "content-length: %zu\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n",
	          out->body.len);
	if (status == 400 || status == 408) {
		sbuf_adds(&out->head, "connection: close\r\n");
		out->close = true;
	}
	sbuf_adds(&out->head, "\r\n");
}

void
http_txn_error(struct http_txn *t, int status)
{
	struct http_reply r = { 0 };
	builtin(status, &r);
	t->status = status;
	t->chunked = false;
	sbuf_reset(&t->out);
	sbuf_addn(&t->out, r.body.s, r.body.len);
	sbuf_reset(&t->hdrs);
	/* the local responder writes its own status line and connection
	 * header: keep the header lines in between */
	const char *h = strstr(r.head.s, "\r\n") + 2;
	const char *e = strstr(h, "connection: close\r\n");
	if (e == NULL)
		e = r.head.s + r.head.len - 2;
	sbuf_addn(&t->hdrs, h, (size_t)(e - h));
	if (r.close)
		t->close = true;
	http_reply_free(&r);
}

/* ---- files loaded at start-up ----------------------------------------- */

/* An errorfile, parsed and reserialised as HAProxy sends it. */
struct herr_msg {
	char *path;
	int status;
	struct http_reply r;
};

/* A "file" or "lf-file" payload. */
struct herr_file {
	const struct px_reply *rep;
	char *data;
	size_t len;
	struct lf_expr *lf;        /* lf-file */
};

struct herr_tables {
	const struct cfg *cfg;
	VEC(struct herr_msg *) msgs;
	VEC(struct herr_file *) files;
};

#define HERR_SLOTS 16
static _Atomic(const struct cfg *) herr_cfg[HERR_SLOTS];
static struct herr_tables *herr_state[HERR_SLOTS];
static pthread_mutex_t herr_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct herr_tables *
tables(const struct cfg *cfg)
{
	if (cfg == NULL)
		return NULL;
	for (int i = 0; i < HERR_SLOTS; i++)
		if (atomic_load_explicit(&herr_cfg[i], memory_order_acquire) == cfg)
			return herr_state[i];
	return NULL;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct sbuf b = { 0 };
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		sbuf_addn(&b, tmp, n);
	bool err = ferror(f);
	fclose(f);
	if (err) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s ? b.s : xstrdup("");
}

/* Parses an errorfile into m->r: the head reserialised (lower-case names,
 * Connection fields dropped), the connection closed after it when the
 * file says so or its body ends with the connection (then an HTTP/1.1
 * head says "connection: close"), as HAProxy 2.6 sends it. */
static int
errfile_parse(struct herr_msg *m, const char *data, size_t len)
{
	static struct h1r_resp r;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int rc = -1;
	if (len == 0) {
		/* HAProxy closes without answering */
		m->r.close = true;
		return 0;
	}
	pthread_mutex_lock(&lock); /* r is large: one at a time */
	if (h1r_parse(data, len, &r) != H1R_OK)
		goto out;
	m->status = r.status;
	m->r.status = r.status;
	sbuf_addf(&m->r.head, "HTTP/%d.%d %03d ", r.major, r.minor, r.status);
	sbuf_addn(&m->r.head, r.reason, r.reason_len);
	sbuf_adds(&m->r.head, "\r\n");
	for (size_t i = 0; i < r.nhdrs; i++) {
		const struct h1r_hdr *h = &r.hdrs[i];
		if (h->name_len == 10 && strncasecmp(h->name, "connection", 10) == 0)
			continue;
		for (size_t k = 0; k < h->name_len; k++) {
			char c = h->name[k];
			sbuf_addc(&m->r.head, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
		}
		sbuf_adds(&m->r.head, ": ");
		sbuf_addn(&m->r.head, h->value, h->value_len);
		sbuf_adds(&m->r.head, "\r\n");
	}
	sbuf_adds(&m->r.head, "\r\n");
	m->r.close = r.conn_close || r.body == H1R_BODY_CLOSE;
	if (m->r.close)
		http_reply_set_close(&m->r);
	sbuf_addn(&m->r.body, data + r.head_len, len - r.head_len);
	rc = 0;
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

static const struct herr_msg *
find_msg(const struct herr_tables *t, const char *path)
{
	for (size_t i = 0; t && i < t->msgs.n; i++)
		if (strcmp(t->msgs.v[i]->path, path) == 0)
			return t->msgs.v[i];
	return NULL;
}

static void
load_errfile(struct herr_tables *t, const char *path, const struct cfg_loc *loc,
             struct diag *d)
{
	if (find_msg(t, path))
		return;
	size_t len;
	char *data = read_file(path, &len);
	if (data == NULL) {
		diag_error(d, loc, "error opening file '%s'.", path);
		return;
	}
	struct herr_msg *m = xcalloc(1, sizeof(*m));
	m->path = xstrdup(path);
	if (errfile_parse(m, data, len) < 0) {
		diag_error(d, loc, "Unable to parse error message from file '%s'.", path);
		http_reply_free(&m->r);
		free(m->path);
		free(m);
	} else {
		VEC_PUSH(t->msgs, m);
	}
	free(data);
}

static void
load_reply(struct herr_tables *t, const struct cfg *cfg, const struct cfg_proxy *px,
           const struct px_rule *r, const struct px_reply *rep, struct diag *d)
{
	if (rep == NULL)
		return;
	if (rep->kind == PX_PL_ERRORFILE && rep->arg) {
		load_errfile(t, rep->arg, &r->loc, d);
		return;
	}
	if ((rep->kind != PX_PL_FILE && rep->kind != PX_PL_LF_FILE) || !rep->arg)
		return;
	struct herr_file *f = xcalloc(1, sizeof(*f));
	f->rep = rep;
	f->data = read_file(rep->arg, &f->len);
	if (f->data == NULL) {
		diag_error(d, &r->loc, "failed to open file '%s'.", rep->arg);
		free(f);
		return;
	}
	if (rep->kind == PX_PL_LF_FILE) {
		/* the file's text is a log-format string */
		struct cfg_ctx cx = { 0 };
		cx.cfg = (struct cfg *)cfg;
		cx.diag = d;
		cx.sect = SEC_FRONTEND;
		cx.px = (struct cfg_proxy *)px;
		struct cfg_word w = { 0 };
		w.s = f->data;
		w.len = f->len;
		w.loc = r->loc;
		f->lf = lf_parse(&cx, &w, px_stages(px, r->set));
		if (f->lf == NULL) {
			free(f->data);
			free(f);
			return;
		}
	}
	VEC_PUSH(t->files, f);
}

static void
load_rules(struct herr_tables *t, const struct cfg *cfg, const struct cfg_proxy *px,
           struct px_rule *const *v, size_t n, struct diag *d)
{
	for (size_t i = 0; i < n; i++)
		load_reply(t, cfg, px, v[i], v[i]->reply, d);
}

static void
tables_free(struct herr_tables *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->msgs.n; i++) {
		http_reply_free(&t->msgs.v[i]->r);
		free(t->msgs.v[i]->path);
		free(t->msgs.v[i]);
	}
	free(t->msgs.v);
	for (size_t i = 0; i < t->files.n; i++) {
		free(t->files.v[i]->data);
		lf_free(t->files.v[i]->lf);
		free(t->files.v[i]);
	}
	free(t->files.v);
	free(t);
}

static void
check_reply_sections(const struct cfg *cfg, const struct cfg_proxy *px,
                     struct px_rule *const *v, size_t n, struct diag *d)
{
	for (size_t i = 0; i < n; i++) {
		const struct px_reply *rep = v[i]->reply;
		if (rep && rep->kind == PX_PL_ERRORFILES && !herrs_find(cfg, rep->arg))
			diag_error(d, &v[i]->loc, "Proxy '%s': unknown http-errors section '%s' referenced by an http reply .",
			           px->name ? px->name : "", rep->arg ? rep->arg : "");
	}
}

/* "errorfiles <name> [<code>...]" and "errorfiles" payloads must name
 * a section (HAProxy's words). */
static void
check_errorfiles(const struct cfg *cfg, const struct cfg_proxy *px, struct diag *d)
{
	for (size_t i = 0; i < px->errorfiles.n; i++) {
		const struct px_errfiles *e = px->errorfiles.v[i];
		const struct cfg_http_errors *sec = herrs_find(cfg, e->name);
		if (sec == NULL) {
			diag_error(d, &e->loc, "proxy '%s': unknown http-errors section '%s' (at %s:%d).",
			           px->name ? px->name : "", e->name, e->loc.file, e->loc.line);
			continue;
		}
		for (size_t k = 0; k < e->codes.n; k++)
			if (herrs_file(sec, e->codes.v[k]) == NULL)
				diag_warn(d, &e->loc, "config: proxy '%s' : status '%d' not declared in http-errors section '%s' (at %s:%d).",
				          px->name ? px->name : "", e->codes.v[k], e->name, e->loc.file, e->loc.line);
	}
	check_reply_sections(cfg, px, px->http_req.v, px->http_req.n, d);
	check_reply_sections(cfg, px, px->http_res.v, px->http_res.n, d);
	check_reply_sections(cfg, px, px->http_after.v, px->http_after.n, d);
	check_reply_sections(cfg, px, px->http_errors.v, px->http_errors.n, d);
}

int
http_act_init(const struct cfg *cfg, struct diag *d)
{
	int before = d->nerrors;
	struct herr_tables *t = xcalloc(1, sizeof(*t));
	t->cfg = cfg;
	for (size_t i = 0; i < cfg->http_errors.n; i++) {
		const struct cfg_http_errors *sec = cfg->http_errors.v[i];
		for (size_t k = 0; k < sec->files.n; k++)
			load_errfile(t, sec->files.v[k].path, &sec->files.v[k].loc, d);
	}
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (px->disabled)
			continue;
		check_errorfiles(cfg, px, d);
		for (size_t k = 0; k < px->errmsgs.n; k++) {
			const struct px_errmsg *e = px->errmsgs.v[k];
			if (e->kind == PX_ERR_FILE && e->arg)
				load_errfile(t, e->arg, &e->loc, d);
		}
		load_rules(t, cfg, px, px->http_req.v, px->http_req.n, d);
		load_rules(t, cfg, px, px->http_res.v, px->http_res.n, d);
		load_rules(t, cfg, px, px->http_after.v, px->http_after.n, d);
		load_rules(t, cfg, px, px->http_errors.v, px->http_errors.n, d);
	}
	if (d->nerrors > before) {
		tables_free(t);
		return -1;
	}
	pthread_mutex_lock(&herr_lock);
	int slot = -1;
	for (int i = 0; i < HERR_SLOTS && slot < 0; i++)
		if (atomic_load_explicit(&herr_cfg[i], memory_order_relaxed) == NULL)
			slot = i;
	if (slot >= 0) {
		herr_state[slot] = t;
		atomic_store_explicit(&herr_cfg[slot], cfg, memory_order_release);
	}
	pthread_mutex_unlock(&herr_lock);
	if (slot < 0) {
		diag_error(d, NULL, "too many configurations loaded at once.");
		tables_free(t);
		return -1;
	}
	return 0;
}

void
http_act_free(const struct cfg *cfg)
{
	struct herr_tables *t = NULL;
	pthread_mutex_lock(&herr_lock);
	for (int i = 0; i < HERR_SLOTS && !t; i++)
		if (atomic_load_explicit(&herr_cfg[i], memory_order_relaxed) == cfg) {
			atomic_store_explicit(&herr_cfg[i], NULL, memory_order_release);
			t = herr_state[i];
			herr_state[i] = NULL;
		}
	pthread_mutex_unlock(&herr_lock);
	tables_free(t);
}

/* ---- answers ------------------------------------------------------------ */

static void
copy_reply(struct http_reply *out, const struct http_reply *in)
{
	sbuf_reset(&out->head);
	sbuf_reset(&out->body);
	sbuf_addn(&out->head, in->head.s ? in->head.s : "", in->head.len);
	sbuf_addn(&out->body, in->body.s ? in->body.s : "", in->body.len);
	out->status = in->status;
	out->close = in->close;
	out->denied = false;
	out->redirect = in->redirect;
}

/* errorloc302/303: HAProxy builds "HTTP/1.1 302 Found" with
 * Cache-Control, Content-length and Location (in that order). */
static void
errorloc(int code, const char *url, struct http_reply *out)
{
	http_reply_start(out, code, code == 303 ? "See Other" : "Found");
	sbuf_addf(&out->head, "cache-control: no-cache\r\ncontent-length: 0\r\nlocation: %s\r\n\r\n", url);
	out->redirect = true;
}

/* The message px declares for status (the last of its errorfile,
 * errorloc, errorfiles and http-error lines, defaults' lines first), into
 * out; false when none. */
static bool
px_message(const struct cfg_proxy *px, int status, struct smp_ctx *ctx,
           struct http_reply *out)
{
	const struct cfg *cfg = ctx ? ctx->cfg : NULL;
	const struct px_errmsg *em = NULL;
	const struct px_rule *er = NULL;
	const struct cfg_http_errfile *ef = NULL;
	int em_line = -1, er_line = -1, ef_line = -1;
	for (size_t i = 0; i < px->errmsgs.n; i++)
		if (px->errmsgs.v[i]->status == status) {
			em = px->errmsgs.v[i];
			em_line = em->loc.line;
		}
	for (size_t i = 0; i < px->http_errors.n; i++)
		if (px->http_errors.v[i]->reply && px->http_errors.v[i]->reply->status == status) {
			er = px->http_errors.v[i];
			er_line = er->loc.line;
		}
	for (size_t i = 0; i < px->errorfiles.n; i++) {
		const struct px_errfiles *e = px->errorfiles.v[i];
		bool listed = e->codes.n == 0;
		for (size_t k = 0; k < e->codes.n && !listed; k++)
			listed = e->codes.v[k] == status;
		const struct cfg_http_errfile *f = listed ? herrs_file(herrs_find(cfg, e->name), status) : NULL;
		if (f) {
			ef = f;
			ef_line = e->loc.line;
		}
	}
	if (er && er_line >= em_line && er_line >= ef_line) {
		/* its default pages are the built-in ones (no loop back here) */
		const struct px_reply *rep = er->reply;
		const struct herr_msg *m = NULL;
		if (rep->kind == PX_PL_ERRORFILES) {
			const struct cfg_http_errfile *f = herrs_file(herrs_find(cfg, rep->arg), status);
			m = f ? find_msg(tables(cfg), f->path) : NULL;
		}
		if (m)
			copy_reply(out, &m->r);
		else if (rep->kind == PX_PL_DEFAULT_ERRORFILES || rep->kind == PX_PL_ERRORFILES)
			builtin(status, out);
		else
			http_reply_build(px, rep, status, ctx, out);
		return true;
	}
	if (ef && ef_line >= em_line) {
		const struct herr_msg *m = find_msg(tables(cfg), ef->path);
		if (m == NULL)
			return false;
		copy_reply(out, &m->r);
		return true;
	}
	if (em == NULL)
		return false;
	if (em->kind != PX_ERR_FILE) {
		errorloc(em->kind == PX_ERR_LOC303 ? 303 : 302, em->arg, out);
		return true;
	}
	const struct herr_msg *m = find_msg(tables(cfg), em->arg);
	if (m == NULL)
		return false;
	copy_reply(out, &m->r);
	return true;
}

void
http_error_reply(const struct cfg_proxy *px, int status, struct smp_ctx *ctx,
                 struct http_reply *reply)
{
	reply->denied = false;
	reply->redirect = false;
	/* HAProxy looks in the backend, then the frontend */
	if (px && px_message(px, status, ctx, reply))
		return;
	if (ctx && ctx->fe && ctx->fe != px && px_message(ctx->fe, status, ctx, reply))
		return;
	builtin(status, reply);
}

static const struct herr_file *
find_file(const struct cfg *cfg, const struct px_reply *rep)
{
	const struct herr_tables *t = tables(cfg);
	for (size_t i = 0; t && i < t->files.n; i++)
		if (t->files.v[i]->rep == rep)
			return t->files.v[i];
	return NULL;
}

void
http_reply_build(const struct cfg_proxy *px, const struct px_reply *rep,
                 int status, struct smp_ctx *ctx, struct http_reply *out)
{
	const struct cfg *cfg = ctx ? ctx->cfg : NULL;
	/* HAProxy's default pages come from the backend, then the frontend */
	const struct cfg_proxy *epx = ctx && ctx->be ? ctx->be : px;
	/* HAProxy: "hdr" lines without a payload make an empty answer
	 * (the default error page is not used then) */
	bool empty = rep->kind == PX_PL_DEFAULT_ERRORFILES && rep->hdrs.n > 0;
	switch (empty ? PX_PL_NONE : rep->kind) {
	case PX_PL_DEFAULT_ERRORFILES:
		http_error_reply(epx, status, ctx, out);
		return;
	case PX_PL_ERRORFILES: {
		const struct cfg_http_errfile *ef = herrs_file(herrs_find(cfg, rep->arg), status);
		const struct herr_msg *m = ef ? find_msg(tables(cfg), ef->path) : NULL;
		if (m)
			copy_reply(out, &m->r);
		else
			http_error_reply(epx, status, ctx, out);
		return;
	}
	case PX_PL_ERRORFILE: {
		const struct herr_msg *m = find_msg(tables(cfg), rep->arg);
		if (m)
			copy_reply(out, &m->r);
		else
			builtin(status, out);
		return;
	}
	default:
		break;
	}
	http_reply_start(out, status, hmsg_reason(status));
	/* the "hdr" lines first, then the framing and the type */
	struct sbuf v = { 0 };
	for (size_t i = 0; i < rep->hdrs.n; i++) {
		sbuf_reset(&v);
		if (ctx)
			lf_render(rep->hdrs.v[i].fmt, ctx, &v);
		http_reply_hdr(out, rep->hdrs.v[i].name, v.s ? v.s : "", v.len);
	}
	free(v.s);
	const struct herr_file *f;
	switch (rep->kind) {
	case PX_PL_STRING:
		sbuf_adds(&out->body, rep->arg ? rep->arg : "");
		break;
	case PX_PL_LF_STRING:
		if (ctx && rep->lf)
			lf_render(rep->lf, ctx, &out->body);
		break;
	case PX_PL_FILE:
		f = find_file(cfg, rep);
		if (f)
			sbuf_addn(&out->body, f->data, f->len);
		break;
	case PX_PL_LF_FILE:
		f = find_file(cfg, rep);
		if (f && f->lf && ctx)
			lf_render(f->lf, ctx, &out->body);
		break;
	default:
		break;
	}
	sbuf_addf(&out->head, "content-length: %zu\r\n", out->body.len);
	/* HAProxy ignores the type of a reply without payload (it warns) */
	if (rep->content_type && rep->kind != PX_PL_NONE && !empty)
		sbuf_addf(&out->head, "content-type: %s\r\n", rep->content_type);
	sbuf_adds(&out->head, "\r\n");
}
