/* Commands of the cli_cmds_proc table: "_getsocks", HAProxy's hidden
 * command through which a new process started with -x fetches the
 * listening sockets of the running one (engine/proc_ipc.c has the wire
 * format). Only on a stats socket with "expose-fd listeners"; elsewhere
 * the connection just closes, as HAProxy 2.6 does. */
#include <stdlib.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "engine/listener.h"
#include "engine/proc.h"
#include "lib/util.h"
#include "stats/cli.h"
#include "stats/cli_int.h"

static enum cli_ret
getsocks_parse(struct cli_ctx *c)
{
	struct cli_conn *cn = c->conn;
	if (cn == NULL || c->eng == NULL || cn->fd < 0 || !cli_conn_exposes_fds(cn))
		return CLI_DONE;
	VEC(int) fds = { 0 };
	for (int t = 0; t < c->eng->nthreads; t++) {
		struct worker *w = &c->eng->workers[t];
		for (size_t i = 0; i < w->listeners.n; i++) {
			const struct listener *l = w->listeners.v[i];
			if (l->fd >= 0 && l->addr.ss_family != AF_UNIX)
				VEC_PUSH(fds, l->fd);
		}
	}
	proc_getsocks_send(cn->fd, fds.v, fds.n);
	free(fds.v);
	return CLI_DONE;
}

const struct cli_cmd cli_cmds_proc[] = {
	/* no usage: hidden from help, as in HAProxy */
	{ .kw = { "_getsocks", NULL }, .usage = NULL, .level = CLI_LEVEL_USER, .parse = getsocks_parse },
	{ .kw = { NULL } },
};
