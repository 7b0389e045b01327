/* libFuzzer target: the HTTP sample fetches (engine/fetch_http.c,
 * fetch_cook.c) on untrusted heads. The input is parsed as a request
 * head (and as a response head); when it parses, every HTTP fetch of a
 * fixed configuration (headers with comma splitting and occurrences,
 * cookies, url_param, body_param on the bytes after the head, base32,
 * Authorization) is evaluated, as a sample and as an ACL. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/acl.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "proto/http1_req.h"
#include "proto/http1_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const req_exprs[] = {
	"hdr(x-a)", "hdr(x-a,2)", "hdr(x-a,-2)", "req.fhdr(x-a)", "hdr_cnt",
	"req.fhdr_cnt", "hdr_val(x-a)", "req.hdr_ip(x-a)", "req.hdr_names",
	"req.hdrs", "req.hdrs_bin", "cook(s)", "cook", "cook_cnt", "cook_val(s)",
	"urlp(a)", "urlp", "url_param(a,;)", "urlp_val(a)", "req.body_param(a)",
	"base", "baseq", "base32", "url32", "path", "pathq", "query", "url",
	"url_ip", "url_port", "req.ver", "method", "http_auth_type",
	"http_auth_user", "http_auth_pass", "http_auth_bearer", "req.body",
	"req.body_size",
};
static const char *const res_exprs[] = {
	"status", "res.ver", "res.hdr(set-cookie)", "res.fhdr(x-a,-1)",
	"res.hdr_cnt", "res.cook(s)", "res.cook_cnt", "scook_val(s)",
	"res.hdr_names(;)", "res.hdrs_bin",
};

static struct cfg *cfg;

static void
setup(void)
{
	struct sbuf t = { 0 };
	sbuf_adds(&t, "frontend f\n  mode http\n  bind 127.0.0.1:1\n");
	for (size_t i = 0; i < ARRAY_SIZE(req_exprs); i++)
		sbuf_addf(&t, "  http-request set-var(txn.x) %s\n", req_exprs[i]);
	sbuf_adds(&t, "  http-request deny if { hdr(x-a) -m sub a } || { cook(s) 1 } || "
	              "{ urlp(a) -m beg x } || { path_dir y }\n");
	for (size_t i = 0; i < ARRAY_SIZE(res_exprs); i++)
		sbuf_addf(&t, "  http-response set-var(txn.x) %s\n", res_exprs[i]);
	sbuf_adds(&t, "  default_backend b\nbackend b\n  mode http\n  server s 127.0.0.1:2\n");
	struct cfg_opts o = { .no_dns = true };
	struct diag d = { 0 };
	cfg = cfg_load_string("fuzz.cfg", t.s, t.len, &o, true, &d);
	diag_free(&d);
	free(t.s);
	if (!cfg || smp_runtime_init(cfg, &d) < 0)
		abort();
	diag_free(&d);
}

static void
eval_rules(struct smp_ctx *ctx, const struct cfg_proxy *px, bool res)
{
	struct sbuf out = { 0 };
	size_t n = res ? px->http_res.n : px->http_req.n;
	for (size_t i = 0; i < n; i++) {
		const struct px_rule *r = res ? px->http_res.v[i] : px->http_req.v[i];
		if (r->expr) {
			sbuf_reset(&out);
			smp_eval_str(r->expr, ctx, &out);
		}
		if (r->cond)
			acl_cond_eval(r->cond, ctx);
	}
	free(out.s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cfg)
		setup();
	const struct cfg_proxy *px = cfg->proxies.v[0];
	struct smp_ctx ctx;
	union sess_addr src = { .in.sin_family = AF_INET };
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.fe = px;
	ctx.src = &src;
	ctx.final = true;

	char *buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	struct h1q_hdr hdrs[H1Q_DEF_MAXHDR];
	struct h1q_req q = { .hdrs = hdrs, .hdrs_cap = H1Q_DEF_MAXHDR };
	struct h1q_limits l;
	h1q_limits_default(&l);
	if (h1q_parse(buf, size, &l, &q) == H1Q_OK) {
		ctx.http = &q;
		ctx.http_body = buf + q.head_len;
		ctx.http_body_len = size - q.head_len;
		eval_rules(&ctx, px, false);
	}
	struct h1r_resp *r = xmalloc(sizeof(*r));
	if (h1r_parse((const char *)data, size, r) == H1R_OK) {
		ctx.http_res = r;
		eval_rules(&ctx, px, true);
	}
	free(r);
	smp_vars_free(&ctx);
	free(buf);
	return 0;
}
