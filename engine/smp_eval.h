/* Run-time evaluation of what the parser built: sample expressions
 * (fetch + converters), ACL conditions and log-format strings, against a
 * session's struct smp_ctx. Pure: no I/O; thread-safe (the parsed model
 * is shared read-only; per-call scratch lives in the caller's sbuf or on
 * the stack). */
#ifndef SLUICE_ENGINE_SMP_EVAL_H
#define SLUICE_ENGINE_SMP_EVAL_H

#include "engine/smp_ctx.h"
#include "lib/util.h"

struct cfg;
struct diag;
struct smp_expr;
struct acl_cond;
struct lf_expr;

enum acl_result {
	ACL_FAIL,  /* condition false */
	ACL_PASS,  /* condition true */
	ACL_MISS,  /* cannot decide yet: a fetch may change with more data
	              (only when !ctx->final); the caller waits */
};

/* if/unless included: the result is the rule's verdict. A NULL condition
 * passes. */
enum acl_result acl_cond_eval(const struct acl_cond *c, struct smp_ctx *ctx);

enum smp_result {
	SMP_RES_OK,
	SMP_RES_ABSENT, /* no value (fetch found nothing, converter failed) */
	SMP_RES_WAIT,   /* not final yet (only when !ctx->final) */
};

/* Evaluates e and appends its value as bytes to out (strings as is,
 * integers in decimal, addresses in text form, booleans "0"/"1"). Used
 * for hash keys, dynamic names and sni expressions. */
enum smp_result smp_eval_str(const struct smp_expr *e, struct smp_ctx *ctx,
                             struct sbuf *out);

/* Appends the rendering of a log-format string to out. Returns 0, or -1
 * when nothing could be rendered. */
int lf_render(const struct lf_expr *lf, struct smp_ctx *ctx, struct sbuf *out);

struct px_rule;
enum smp_act_result {
	SMP_ACT_CONT,  /* done (or nothing to do): go on with the next rule */
	SMP_ACT_WAIT,  /* needs data that may still come (only when !final) */
};
/* Runs a non-final action of a tcp-request/tcp-response rule whose
 * condition matched: set-var, set-var-fmt, unset-var, set-src/dst[-port],
 * set-mark, set-tos, set-log-level, capture... (the engine handles accept,
 * reject, silent-drop and expect-proxy itself). */
enum smp_act_result smp_action_exec(const struct px_rule *r, struct smp_ctx *ctx);

/* Frees what evaluation stored in ctx for the session (variables of the
 * sess/txn/req/res scopes, captures) and resets those fields. The engine
 * calls it when the session ends; safe to call twice. */
void smp_vars_free(struct smp_ctx *ctx);
/* Releases the variables of one HTTP transaction (txn., req., res.
 * scopes) and the capture slots; sess. ones stay (engine/http.c, between
 * the transactions of a connection). */
void smp_vars_txn_free(struct smp_ctx *ctx);

/* Loads what evaluation needs from files named by the config (map files,
 * ACL pattern files) and builds fast matchers; called once before the
 * engine starts. Problems go to d. 0 or -1. */
int smp_runtime_init(const struct cfg *cfg, struct diag *d);
void smp_runtime_free(const struct cfg *cfg);

#endif
