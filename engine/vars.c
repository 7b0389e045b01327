/* Variables (HAProxy's vars.c) and the non-final actions of tcp rules
 * (set-var, set-var-fmt, unset-var, set-src/dst[-port], set-mark,
 * set-tos, capture, set-log-level). Scopes: proc is shared by every
 * thread (one mutex); sess, txn, req and res belong to the session (a TCP
 * session is one transaction: they live as long as it); check is kept
 * per session too (health checks keep their own contexts). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/smp_eval.h"
#include "engine/smp_rt.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

struct smp_var {
	struct smp_var *next;
	char *name;               /* "txn.x" */
	enum smp_type type;       /* SMP_T_ANY: created but unset */
	long long sint;
	struct in_addr v4;
	struct in6_addr v6;
	char *data;               /* STR, BIN, METH (malloc'd) */
	size_t len;
};

enum { SC_PROC, SC_SESS, SC_TXN, SC_REQ, SC_RES, SC_CHECK, SC__N };

struct smp_vars {
	struct smp_var *head[SC__N];
};

static struct smp_var *proc_vars;
static pthread_mutex_t proc_lock = PTHREAD_MUTEX_INITIALIZER;

static int
var_scope(const char *name)
{
	static const char *const pfx[SC__N] = { "proc.", "sess.", "txn.",
	                                        "req.", "res.", "check." };
	if (!name)
		return -1;
	for (int i = 0; i < SC__N; i++)
		if (!strncmp(name, pfx[i], strlen(pfx[i])))
			return i;
	return -1;
}

/* The list head of a scope, or NULL when the session has none (and
 * create is false). */
static struct smp_var **
scope_head(struct smp_ctx *ctx, int sc, bool create)
{
	if (sc == SC_PROC)
		return &proc_vars;
	if (!ctx->vars) {
		if (!create)
			return NULL;
		ctx->vars = xcalloc(1, sizeof(*ctx->vars));
	}
	return &ctx->vars->head[sc];
}

static struct smp_var *
var_find(struct smp_var *head, const char *name)
{
	for (struct smp_var *v = head; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

static void
var_free(struct smp_var *v)
{
	free(v->name);
	free(v->data);
	free(v);
}

static void
list_free(struct smp_var *v)
{
	while (v) {
		struct smp_var *n = v->next;
		var_free(v);
		v = n;
	}
}

/* ctx->dry_run: proc-scope writes go to the context's own list. */
static bool
dry_proc(const struct smp_run *run, int sc)
{
	return sc == SC_PROC && run->ctx->dry_run;
}

static struct smp_var **
dry_head(struct smp_ctx *ctx)
{
	if (!ctx->vars)
		ctx->vars = xcalloc(1, sizeof(*ctx->vars));
	return &ctx->vars->head[SC_PROC];
}

bool
smp_var_get(struct smp_run *run, const char *name, struct smp_val *out,
            const struct smp_val *keep)
{
	int sc = var_scope(name);
	bool ok = false;
	if (sc < 0)
		return false;
	struct smp_var *v = NULL;
	if (dry_proc(run, sc) && run->ctx->vars) /* its own copy first */
		v = var_find(run->ctx->vars->head[SC_PROC], name);
	if (sc == SC_PROC)
		pthread_mutex_lock(&proc_lock);
	if (v == NULL) {
		struct smp_var **h = scope_head(run->ctx, sc, false);
		v = h ? var_find(*h, name) : NULL;
	}
	if (v && v->type != SMP_T_ANY) {
		unsigned flags = out->flags;
		memset(out, 0, sizeof(*out));
		out->flags = flags;
		out->type = v->type;
		out->sint = v->sint;
		out->v4 = v->v4;
		out->v6 = v->v6;
		if (v->type == SMP_T_STR || v->type == SMP_T_BIN ||
		    v->type == SMP_T_METH) {
			/* a copy: a later set-var may free v->data */
			struct smp_chunk *c = smp_run_out(run, keep, NULL);
			chunk_add(c, v->data, v->len);
			out->ptr = c->p;
			out->len = c->len;
		}
		ok = true;
	}
	if (sc == SC_PROC)
		pthread_mutex_unlock(&proc_lock);
	return ok;
}

unsigned
smp_var_conds(const char *csv)
{
	static const struct { const char *n; unsigned f; } names[] = {
		{ "ifexists", SMP_VC_IFEXISTS }, { "ifnotexists", SMP_VC_IFNOTEXISTS },
		{ "ifempty", SMP_VC_IFEMPTY }, { "ifnotempty", SMP_VC_IFNOTEMPTY },
		{ "ifset", SMP_VC_IFSET }, { "ifnotset", SMP_VC_IFNOTSET },
		{ "ifgt", SMP_VC_IFGT }, { "iflt", SMP_VC_IFLT },
	};
	unsigned f = 0;
	while (csv && *csv) {
		size_t l = strcspn(csv, ",");
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strlen(names[i].n) == l && !strncmp(csv, names[i].n, l))
				f |= names[i].f;
		csv += l;
		if (*csv == ',')
			csv++;
	}
	return f;
}

/* HAProxy 2.6 var_set(): the conditions are checked in its order. */
static void
var_store(struct smp_var **head, const char *name, unsigned cf,
          const struct smp_val *s)
{
	struct smp_var *v = var_find(*head, name);
	if (v) {
		if (cf & SMP_VC_IFNOTEXISTS)
			return;
	} else {
		if (cf & SMP_VC_IFEXISTS)
			return;
		v = xcalloc(1, sizeof(*v));
		v->name = xstrdup(name);
		v->type = SMP_T_ANY;
		v->next = *head;
		*head = v;
	}
	if (((cf & SMP_VC_IFSET) && v->type == SMP_T_ANY) ||
	    ((cf & SMP_VC_IFNOTSET) && v->type != SMP_T_ANY))
		return;
	bool str = s->type == SMP_T_STR || s->type == SMP_T_BIN ||
	           s->type == SMP_T_METH;
	if ((cf & SMP_VC_IFEMPTY) && !str)
		return;
	switch (s->type) {
	case SMP_T_BOOL:
	case SMP_T_SINT:
		if (v->type == s->type &&
		    (((cf & SMP_VC_IFGT) && !(v->sint > s->sint)) ||
		     ((cf & SMP_VC_IFLT) && !(v->sint < s->sint))))
			return;
		break;
	default:
		if (str && (((cf & SMP_VC_IFNOTEMPTY) && !s->len) ||
		            ((cf & SMP_VC_IFEMPTY) && s->len)))
			return;
		break;
	}
	char *data = NULL;
	if (str) {
		data = xmalloc(s->len + 1);
		memcpy(data, s->ptr, s->len);
		data[s->len] = '\0';
	}
	free(v->data);
	v->data = data;
	v->len = str ? s->len : 0;
	v->type = s->type;
	v->sint = s->sint;
	v->v4 = s->v4;
	v->v6 = s->v6;
}

void
smp_var_set(struct smp_run *run, const char *name, unsigned conds,
            const struct smp_val *v)
{
	int sc = var_scope(name);
	if (sc < 0)
		return;
	if (dry_proc(run, sc)) {
		var_store(dry_head(run->ctx), name, conds, v);
		return;
	}
	if (sc == SC_PROC)
		pthread_mutex_lock(&proc_lock);
	var_store(scope_head(run->ctx, sc, true), name, conds, v);
	if (sc == SC_PROC)
		pthread_mutex_unlock(&proc_lock);
}

void
smp_var_unset(struct smp_run *run, const char *name)
{
	int sc = var_scope(name);
	if (sc < 0)
		return;
	if (dry_proc(run, sc)) {
		/* a created-but-unset copy hides the shared one */
		struct smp_var **dh = dry_head(run->ctx);
		struct smp_var *t = var_find(*dh, name);
		if (t == NULL) {
			t = xcalloc(1, sizeof(*t));
			t->name = xstrdup(name);
			t->next = *dh;
			*dh = t;
		}
		FREE_NULL(t->data);
		t->len = 0;
		t->type = SMP_T_ANY;
		return;
	}
	if (sc == SC_PROC)
		pthread_mutex_lock(&proc_lock);
	struct smp_var **h = scope_head(run->ctx, sc, false);
	for (; h && *h; h = &(*h)->next) {
		if (!strcmp((*h)->name, name)) {
			struct smp_var *v = *h;
			*h = v->next;
			var_free(v);
			break;
		}
	}
	if (sc == SC_PROC)
		pthread_mutex_unlock(&proc_lock);
}

void
smp_vars_proc_free(void)
{
	pthread_mutex_lock(&proc_lock);
	list_free(proc_vars);
	proc_vars = NULL;
	pthread_mutex_unlock(&proc_lock);
}

void
smp_vars_free(struct smp_ctx *ctx)
{
	if (ctx->vars) {
		for (int i = 0; i < SC__N; i++)
			list_free(ctx->vars->head[i]);
		FREE_NULL(ctx->vars);
	}
	for (int i = 0; ctx->cap && i < SMP_CTX_CAPTURES; i++)
		free(ctx->cap[i]);
	FREE_NULL(ctx->cap);
}

char **
smp_cap_slot(struct smp_ctx *ctx, int i)
{
	if (ctx->cap == NULL)
		ctx->cap = xcalloc(SMP_CTX_CAPTURES, sizeof(*ctx->cap));
	return &ctx->cap[i];
}

void
smp_vars_txn_free(struct smp_ctx *ctx)
{
	if (ctx->vars) {
		list_free(ctx->vars->head[SC_TXN]);
		list_free(ctx->vars->head[SC_REQ]);
		list_free(ctx->vars->head[SC_RES]);
		ctx->vars->head[SC_TXN] = ctx->vars->head[SC_REQ] = ctx->vars->head[SC_RES] = NULL;
	}
	for (int i = 0; ctx->cap && i < SMP_CTX_CAPTURES; i++)
		FREE_NULL(ctx->cap[i]);
}

/* ---- actions --------------------------------------------------------------- */

/* The value of an action's expression, fetched as HAProxy's actions do
 * (SMP_OPT_FINAL: never waits), cast to t. */
static bool
action_value(struct smp_run *run, const struct px_rule *r, enum smp_type t,
             struct smp_val *v)
{
	run->final = true;
	return r->expr && smp_process(run, r->expr, 0, v) && smp_cast(run, v, t);
}

/* set-src / set-dst: the address of v (IPv4 or IPv6), the port kept. */
static void
set_addr(union sess_addr *a, const struct smp_val *v)
{
	in_port_t port = 0;
	if (a->sa.sa_family == AF_INET)
		port = a->in.sin_port;
	else if (a->sa.sa_family == AF_INET6)
		port = a->in6.sin6_port;
	if (v->type == SMP_T_IPV4) {
		struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = port,
		                          .sin_addr = v->v4 };
		sess_addr_set(a, (const struct sockaddr *)&in, sizeof(in));
	} else {
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = port,
		                            .sin6_addr = v->v6 };
		sess_addr_set(a, (const struct sockaddr *)&in6, sizeof(in6));
	}
}

/* set-src-port / set-dst-port: a non-IP address becomes 0.0.0.0 (as
 * HAProxy). */
static void
set_port(union sess_addr *a, long long port)
{
	if (a->sa.sa_family == AF_INET6) {
		a->in6.sin6_port = htons((uint16_t)port);
		return;
	}
	if (a->sa.sa_family != AF_INET) {
		struct sockaddr_in in = { .sin_family = AF_INET };
		sess_addr_set(a, (const struct sockaddr *)&in, sizeof(in));
	}
	a->in.sin_port = htons((uint16_t)port);
}

/* In tcp-request connection rules set-src/set-dst change the
 * connection's address too (fc_src, fc_dst), as in HAProxy 2.6 where
 * they rewrite the connection's; later (a PROXY header, content rules)
 * only the session's view changes (observed). a: the view just set. */
static void
conn_addr_follow(struct smp_ctx *ctx, bool src, const union sess_addr *a)
{
	union sess_addr *fc = src ? ctx->fc_src : ctx->fc_dst;
	if (ctx->conn_rules && fc && fc != a)
		*fc = *a;
}

static void
set_sockopt(const struct smp_ctx *ctx, const struct px_rule *r)
{
	if (ctx->cfd <= 0)
		return;
	int val = (int)r->ival;
	if (r->act == PX_ACT_SET_MARK) {
#ifdef SO_MARK
		/* needs CAP_NET_ADMIN; failures are ignored as in HAProxy */
		(void)setsockopt(ctx->cfd, SOL_SOCKET, SO_MARK, &val, sizeof(val));
#endif
		return;
	}
	/* the socket's family, whatever set-src made of the addresses */
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(ctx->cfd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET6)
		(void)setsockopt(ctx->cfd, IPPROTO_IPV6, IPV6_TCLASS, &val, sizeof(val));
	else
		(void)setsockopt(ctx->cfd, IPPROTO_IP, IP_TOS, &val, sizeof(val));
}

static void
capture(struct smp_run *run, const struct px_rule *r)
{
	struct smp_ctx *ctx = run->ctx;
	struct smp_val v;
	int slot = r->arg && !strcmp(r->arg, "id")
	               ? (int)r->ival : smp_rt_capture_slot(run->rt, r);
	if (slot < 0 || slot >= SMP_CTX_CAPTURES)
		return;
	if (!action_value(run, r, SMP_T_STR, &v))
		return;
	size_t n = v.len;
	if (r->arg && !strcmp(r->arg, "len") && r->ival > 0 && (long long)n > r->ival)
		n = (size_t)r->ival;
	char **cap = smp_cap_slot(ctx, slot);
	free(*cap);
	*cap = xstrndup(v.ptr, n);
}

enum smp_act_result
smp_action_exec(const struct px_rule *r, struct smp_ctx *ctx)
{
	struct smp_run run;
	struct smp_val v;

	smp_run_init(&run, ctx);
	switch (r->act) {
	case PX_ACT_SET_VAR:
		if (action_value(&run, r, SMP_T_ANY, &v))
			smp_var_set(&run, r->arg, smp_var_conds(r->arg2), &v);
		break;
	case PX_ACT_SET_VAR_FMT: {
		struct sbuf b = { 0 };
		lf_render(r->fmt, ctx, &b);
		memset(&v, 0, sizeof(v));
		v.type = SMP_T_STR;
		v.ptr = b.s ? b.s : "";
		v.len = b.len;
		smp_var_set(&run, r->arg, smp_var_conds(r->arg2), &v);
		free(b.s);
		break;
	}
	case PX_ACT_UNSET_VAR:
		smp_var_unset(&run, r->arg);
		break;
	case PX_ACT_SET_SRC:
	case PX_ACT_SET_DST: {
		bool src = r->act == PX_ACT_SET_SRC;
		union sess_addr *a = src ? ctx->src : ctx->dst;
		if (a && action_value(&run, r, SMP_T_ADDR, &v)) {
			set_addr(a, &v);
			conn_addr_follow(ctx, src, a);
		}
		break;
	}
	case PX_ACT_SET_SRC_PORT:
	case PX_ACT_SET_DST_PORT: {
		bool src = r->act == PX_ACT_SET_SRC_PORT;
		union sess_addr *a = src ? ctx->src : ctx->dst;
		if (a && action_value(&run, r, SMP_T_SINT, &v)) {
			set_port(a, v.sint);
			conn_addr_follow(ctx, src, a);
		}
		break;
	}
	case PX_ACT_SET_MARK:
	case PX_ACT_SET_TOS:
		set_sockopt(ctx, r);
		break;
	case PX_ACT_CAPTURE:
		capture(&run, r);
		break;
	case PX_ACT_SET_LOG_LEVEL:
		ctx->log_level = (int)r->ival + 1;
		break;
	default:
		/* not for TCP mode yet (see the report): nothing to do */
		break;
	}
	smp_run_done(&run);
	return SMP_ACT_CONT;
}
