/* Private interface between rules.c (tables, rule keywords) and
 * actions.c (action argument parsers). See actions.c for the handler
 * contract: argi is the first word after the action word, cx->user is the
 * struct px_rule being filled, the return value is the index of the first
 * word not consumed (the condition) or -1. */
#ifndef SLUICE_PARSER_ACTIONS_H
#define SLUICE_PARSER_ACTIONS_H

#include "px_int.h"

#define ACT_HANDLER(fn) PX_HANDLER(fn)

void act_err(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt,
             ...) __attribute__((format(printf, 3, 4)));
const char *act_set_name(enum px_ruleset rs);
extern const char *act_cur_word; /* set by px_action_parse() */
int act_regex(struct cfg_ctx *cx, struct cfg_word *at, struct px_rule *r);
int act_reply_opts(struct cfg_ctx *cx, struct cfg_word *w, int n, int i,
                   struct px_reply *rep, bool status_kw_deny);
int act_redirect_args(struct cfg_ctx *cx, struct cfg_word *w, int n, int i,
                      struct px_redirect **out, bool lf_target);

ACT_HANDLER(act_none);
ACT_HANDLER(act_hdr_fmt);
ACT_HANDLER(act_del_header);
ACT_HANDLER(act_replace_hdr);
ACT_HANDLER(act_replace_path);
ACT_HANDLER(act_fmt1);
ACT_HANDLER(act_map);
ACT_HANDLER(act_var);
ACT_HANDLER(act_expr);
ACT_HANDLER(act_capture);
ACT_HANDLER(act_reply);
ACT_HANDLER(act_auth);
ACT_HANDLER(act_redirect);
ACT_HANDLER(act_int);
ACT_HANDLER(act_set_timeout);
ACT_HANDLER(act_strict_mode);
ACT_HANDLER(act_wait_for_body);
ACT_HANDLER(act_normalize_uri);
ACT_HANDLER(act_use_service);
ACT_HANDLER(act_switch_mode);
ACT_HANDLER(act_set_status);
ACT_HANDLER(act_expect_l4);

#endif
