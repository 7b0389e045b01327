/* Stats socket commands of the certificates (reference §3.4): show /
 * set / commit / abort / new / del ssl cert, show / add / del ssl
 * crt-list. The work is engine/tls_cert.c's and engine/tls_crtlist.c's
 * (engine/tls.h); here are the argument checks and HAProxy's way of
 * answering: errors and notices through cli_err()/cli_msg() (so "set
 * severity-output" prefixes them), data (show, and the streamed
 * "Committing..."/"Inserting..." answers) as they are. */
#include "stats/cli.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/tls.h"

#define SEV_NOTICE 5 /* HAProxy's LOG_NOTICE for cli_dynmsg() */

static const char *
arg(const struct cli_ctx *c, int i)
{
	return i < c->nargs && c->args[i] ? c->args[i] : "";
}

static struct tls_store *
store(const struct cli_ctx *c)
{
	return c->eng ? c->eng->tls : NULL;
}

/* Passes an engine answer on: rc < 0 as an error, else as a notice
 * (notice) or as data. The engine's text ends in '\n'; cli_err/cli_msg
 * add their own. */
static enum cli_ret
answer(struct cli_ctx *c, int rc, struct sbuf *text, bool notice)
{
	size_t n = text->len;

	if (n > 0 && text->s[n - 1] == '\n' && (rc < 0 || notice))
		text->s[--n] = 0;
	if (rc < 0)
		cli_err(c, "%s", n ? text->s : "");
	else if (notice)
		cli_msg(c, SEV_NOTICE, "%s", n ? text->s : "");
	else if (n)
		sbuf_addn(c->out, text->s, n);
	free(text->s);
	return CLI_DONE;
}

/* sluice builds no TLS store when nothing uses TLS only in tests that
 * run the commands without an engine: answer as an empty store. */
static enum cli_ret
no_store(struct cli_ctx *c, const char *what)
{
	cli_err(c, "%s", what);
	return CLI_DONE;
}

static enum cli_ret
cmd_show_cert(struct cli_ctx *c)
{
	struct sbuf t = { 0 };
	const char *name = arg(c, 3);

	/* sic: HAProxy's answer below operator level */
	if (c->level < CLI_LEVEL_OPERATOR)
		return no_store(c, "Can't allocate memory!");
	if (store(c) == NULL) {
		if (*name)
			return no_store(c, "Can't display the certificate: Not found or the certificate is a bundle!");
		sbuf_adds(c->out, "# filename\n");
		return CLI_DONE;
	}
	int rc = tls_cert_show(store(c), *name ? name : NULL, &t);
	return answer(c, rc, &t, false);
}

static enum cli_ret
cmd_set_cert(struct cli_ctx *c)
{
	struct sbuf t = { 0 };

	if (!*arg(c, 3) || c->payload == NULL)
		return no_store(c, "'set ssl cert expects a filename and a certificate as a payload");
	if (store(c) == NULL)
		return no_store(c, "Can't replace a certificate which is not referenced by the configuration!");
	int rc = tls_cert_set(store(c), arg(c, 3), c->payload, c->payload_len, &t);
	return answer(c, rc, &t, true);
}

static enum cli_ret
cmd_commit_cert(struct cli_ctx *c)
{
	struct sbuf t = { 0 };

	if (!*arg(c, 3))
		return no_store(c, "'commit ssl cert expects a filename");
	if (store(c) == NULL)
		return no_store(c, "No ongoing transaction! !");
	int rc = tls_cert_commit(store(c), arg(c, 3), &t);
	return answer(c, rc, &t, false);
}

static enum cli_ret
cmd_abort_cert(struct cli_ctx *c)
{
	struct sbuf t = { 0 };

	if (!*arg(c, 3))
		return no_store(c, "'abort ssl cert' expects a filename");
	if (store(c) == NULL)
		return no_store(c, "No ongoing transaction!");
	int rc = tls_cert_abort(store(c), arg(c, 3), &t);
	return answer(c, rc, &t, true);
}

static enum cli_ret
cmd_new_cert(struct cli_ctx *c)
{
	struct sbuf t = { 0 };

	if (!*arg(c, 3))
		return no_store(c, "'new ssl cert' expects a filename");
	if (store(c) == NULL)
		return no_store(c, "unable to allocate memory.");
	int rc = tls_cert_new(store(c), arg(c, 3), &t);
	return answer(c, rc, &t, true);
}

static enum cli_ret
cmd_del_cert(struct cli_ctx *c)
{
	struct sbuf t = { 0 };

	if (!*arg(c, 3))
		return no_store(c, "'del ssl cert' expects a certificate name");
	if (store(c) == NULL)
		return no_store(c, "Can't remove the certificate: certificate doesn't exist!");
	int rc = tls_cert_del(store(c), arg(c, 3), &t);
	return answer(c, rc, &t, true);
}

static enum cli_ret
cmd_show_crtlist(struct cli_ctx *c)
{
	struct sbuf t = { 0 };
	bool numbered = strcmp(arg(c, 3), "-n") == 0;
	const char *file = arg(c, numbered ? 4 : 3);

	if (numbered && !*file)
		return no_store(c, "'show ssl crt-list -n' expects a filename or a directory");
	if (store(c) == NULL)
		return *file ? no_store(c, "didn't find the specified filename") : CLI_DONE;
	int rc = tls_crtlist_show(store(c), *file ? file : NULL, numbered, &t);
	return answer(c, rc, &t, false);
}

static enum cli_ret
cmd_add_crtlist(struct cli_ctx *c)
{
	struct sbuf t = { 0 };
	const char *line;

	if (!*arg(c, 3) || (c->payload == NULL && !*arg(c, 4)))
		return no_store(c, "'add ssl crtlist' expects a filename and a certificate name");
	if (c->payload) {
		line = c->payload;
	} else {
		/* HAProxy 2.6 drops what follows the certificate here; sluice
		 * says so instead of ignoring options and filters */
		if (*arg(c, 5))
			return no_store(c, "Can't edit the crt-list: options and SNI filters must be given in a payload ('add ssl crt-list <list> <<').");
		line = arg(c, 4);
	}
	if (store(c) == NULL)
		return no_store(c, "Can't edit the crt-list: no crt-list is loaded!");
	int rc = tls_crtlist_add(store(c), arg(c, 3), line, &t);
	return answer(c, rc, &t, false);
}

static enum cli_ret
cmd_del_crtlist(struct cli_ctx *c)
{
	struct sbuf t = { 0 };

	if (!*arg(c, 3) || !*arg(c, 4))
		return no_store(c, "'del ssl crtlist' expects a filename and a certificate name");
	if (store(c) == NULL)
		return no_store(c, "Can't delete the entry: no crt-list is loaded!");
	int rc = tls_crtlist_del(store(c), arg(c, 3), arg(c, 4), &t);
	return answer(c, rc, &t, true);
}

#define U CLI_LEVEL_USER
#define A CLI_LEVEL_ADMIN

const struct cli_cmd cli_cmds_ssl[] = {
	/* level user: the handler answers below operator as HAProxy does */
	{ { "show", "ssl", "cert", NULL }, "show ssl cert [<certfile>]", "display the SSL certificates used in memory, or the details of a file", U, cmd_show_cert, NULL },
	{ { "set", "ssl", "cert", NULL }, "set ssl cert <certfile> <payload>", "replace a certificate file (in a transaction)", A, cmd_set_cert, NULL },
	{ { "commit", "ssl", "cert", NULL }, "commit ssl cert <certfile>", "commit a certificate file", A, cmd_commit_cert, NULL },
	{ { "abort", "ssl", "cert", NULL }, "abort ssl cert <certfile>", "abort a transaction for a certificate file", A, cmd_abort_cert, NULL },
	{ { "new", "ssl", "cert", NULL }, "new ssl cert <certfile>", "create a new certificate file to be used in a crt-list or a directory", A, cmd_new_cert, NULL },
	{ { "del", "ssl", "cert", NULL }, "del ssl cert <certfile>", "delete an unused certificate file", A, cmd_del_cert, NULL },
	{ { "show", "ssl", "crt-list", NULL }, "show ssl crt-list [-n] [<list>]", "show the list of crt-lists or the content of a crt-list file", A, cmd_show_crtlist, NULL },
	{ { "add", "ssl", "crt-list", NULL }, "add ssl crt-list <list> <cert> [opts]*", "add a line to a crt-list (options and filters in a payload)", A, cmd_add_crtlist, NULL },
	{ { "del", "ssl", "crt-list", NULL }, "del ssl crt-list <list> <cert[:line]>", "delete a line from a crt-list", A, cmd_del_crtlist, NULL },
	{ .kw = { NULL } },
};
