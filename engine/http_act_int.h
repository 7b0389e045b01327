/* Private interface between engine/http_act.c (rules) and
 * engine/http_err.c (error pages, replies and the files they load). */
#ifndef SLUICE_ENGINE_HTTP_ACT_INT_H
#define SLUICE_ENGINE_HTTP_ACT_INT_H

#include "engine/http_act.h"

struct px_reply;

/* The answer of a deny/tarpit/return/http-error rule of px (its reply
 * options rep) with the given status. */
void http_reply_build(const struct cfg_proxy *px, const struct px_reply *rep,
                      int status, struct smp_ctx *ctx, struct http_reply *out);

/* Starts out->head with a status line and the header lines of hdrs
 * rendered in ctx. */
void http_reply_start(struct http_reply *out, int status, const char *reason);

/* Appends "name: value\r\n" to the head being built. */
void http_reply_hdr(struct http_reply *out, const char *name, const char *value,
                    size_t vlen);

#endif
