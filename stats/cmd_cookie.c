/* Stats socket commands for dynamic cookies (reference §3.4): enable /
 * disable dynamic-cookie backend <bk>, set dynamic-cookie-key backend
 * <bk> <k>, with HAProxy 2.6.12's answers (level admin, "A backend name
 * is expected.", "No such backend.", "String value expected.", an empty
 * answer on success). A backend without "cookie ... dynamic" or without
 * a key is accepted as HAProxy does: enabling marks it dynamic and a key
 * then gives its servers a cookie (shown by show stat, used only where
 * the backend has cookie persistence). The values themselves are kept by
 * engine/srv_cookie.c; "set server ... addr" recomputes them there too
 * (stats/cmd_srv.c). */
#include <string.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/srv_cookie.h"
#include "stats/cli.h"
#include "stats/cmd_srv.h"

/* HAProxy's cli_find_backend(): the backend named by args[3] or NULL
 * after its error. */
static struct backend *
backend_arg(struct cli_ctx *c)
{
	const char *name = cmd_arg(c, 3);
	if (!*name) {
		cli_err(c, "A backend name is expected.");
		return NULL;
	}
	struct backend *be = c->eng ? engine_backend_by_name(c->eng, name) : NULL;
	if (be == NULL)
		cli_err(c, "No such backend.");
	return be;
}

static enum cli_ret
cmd_enable(struct cli_ctx *c)
{
	struct backend *be = backend_arg(c);
	if (be)
		srv_cookie_enable(be, strcmp(c->cmd->kw[0], "enable") == 0);
	return CLI_DONE;
}

static enum cli_ret
cmd_set_key(struct cli_ctx *c)
{
	struct backend *be = backend_arg(c);
	if (be == NULL)
		return CLI_DONE;
	const char *key = cmd_arg(c, 4);
	if (!*key)
		cli_err(c, "String value expected.");
	else
		srv_cookie_set_key(be, key);
	return CLI_DONE;
}

#define A CLI_LEVEL_ADMIN

const struct cli_cmd cli_cmds_cookie[] = {
	{ { "disable", "dynamic-cookie", "backend", NULL }, "disable dynamic-cookie backend <bk>",
	  "disable dynamic cookies on a specific backend", A, cmd_enable, NULL },
	{ { "enable", "dynamic-cookie", "backend", NULL }, "enable dynamic-cookie backend <bk>",
	  "enable dynamic cookies on a specific backend", A, cmd_enable, NULL },
	{ { "set", "dynamic-cookie-key", "backend", NULL }, "set dynamic-cookie-key backend <bk> <k>",
	  "change a backend secret key for dynamic cookies", A, cmd_set_key, NULL },
	{ .kw = { NULL } },
};
