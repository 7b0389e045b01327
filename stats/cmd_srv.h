/* Internal to stats/cmd_srv.c and stats/cmd_sess.c: the handlers of the
 * commands that change servers, frontends and sessions (cli_cmds_srv,
 * whose table lives in cmd_srv.c), and the lookups they share. */
#ifndef SLUICE_STATS_CMD_SRV_H
#define SLUICE_STATS_CMD_SRV_H

#include "stats/cli.h"

struct backend;
struct srv_state;
struct frontend;

/* HAProxy's get_backend_server() from "<be>/<srv>" (either may be
 * "#<id>"): 0 with *be and *srv, or -1 after writing HAProxy's error
 * ("Require 'backend/server'.", "No such backend.", "No such server."). */
int cmd_find_server(struct cli_ctx *c, const char *arg, struct backend **be,
                    struct srv_state **srv);
/* A frontend by name or "#<id>": NULL after "A frontend name is
 * expected." or "No such frontend.". */
struct frontend *cmd_find_frontend(struct cli_ctx *c, const char *arg);
/* The word at index i, or "" past the end (HAProxy's args are ""). */
const char *cmd_arg(const struct cli_ctx *c, int i);

/* cmd_sess.c */
enum cli_ret cmd_disable_frontend(struct cli_ctx *c);
enum cli_ret cmd_enable_frontend(struct cli_ctx *c);
enum cli_ret cmd_shutdown_frontend(struct cli_ctx *c);
enum cli_ret cmd_set_maxconn_frontend(struct cli_ctx *c);
enum cli_ret cmd_set_maxconn_global(struct cli_ctx *c);
enum cli_ret cmd_set_rate_limit(struct cli_ctx *c);
enum cli_ret cmd_show_sess(struct cli_ctx *c);
enum cli_ret cmd_show_sess_io(struct cli_ctx *c);
enum cli_ret cmd_shutdown_session(struct cli_ctx *c);

#endif
