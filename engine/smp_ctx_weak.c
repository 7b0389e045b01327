/* Weak default definitions of the runtime facts of smp_ctx.h, so that the
 * library links (unit tests, fuzzers, sluice -c) before the engine's own
 * definitions exist; the engine's strong definitions replace them. The
 * defaults answer "nothing": no server, no connection. */
#include <stdlib.h>

#include "engine/smp_ctx.h"
#include "lib/util.h"

__attribute__((weak)) const struct ch_info *
sctx_hello(struct smp_ctx *ctx, enum ch_result *rc)
{
	/* parsed once per buffer length into a ctx-owned info */
	if (!ctx->ch_parsed || ctx->ch_parsed_len != ctx->req_len) {
		if (ctx->ch == NULL)
			ctx->ch = xmalloc(sizeof(*ctx->ch));
		ctx->ch_rc = ch_parse(ctx->req, ctx->req_len, ctx->ch);
		ctx->ch_parsed = true;
		ctx->ch_parsed_len = ctx->req_len;
	}
	*rc = ctx->ch_rc;
	return ctx->ch_rc == CH_OK ? ctx->ch : NULL;
}

__attribute__((weak)) int
sctx_nbsrv(struct smp_ctx *ctx, const struct cfg_proxy *be)
{
	return 0;
}

__attribute__((weak)) int
sctx_be_conn(struct smp_ctx *ctx, const struct cfg_proxy *be)
{
	return 0;
}

__attribute__((weak)) int
sctx_be_queue(struct smp_ctx *ctx, const struct cfg_proxy *be)
{
	return 0;
}

__attribute__((weak)) int
sctx_connslots(struct smp_ctx *ctx, const struct cfg_proxy *be)
{
	return 0;
}

__attribute__((weak)) bool
sctx_srv_is_up(struct smp_ctx *ctx, const struct cfg_server *srv)
{
	return false;
}

__attribute__((weak)) int
sctx_srv_conn(struct smp_ctx *ctx, const struct cfg_server *srv)
{
	return 0;
}

__attribute__((weak)) int
sctx_fe_conn(struct smp_ctx *ctx, const struct cfg_proxy *fe)
{
	return 0;
}
