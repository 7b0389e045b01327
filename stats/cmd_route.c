/* Commands of the cli_cmds_beyond table: "show route" and "show sni"
 * (beyond HAProxy, doc/runtime-api.md), and HAProxy's "show errors"
 * (TCP mode captures nothing: it prints the empty report). */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/sni_stats.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "stats/cli.h"
#include "stats/route.h"

/* ---- show route ------------------------------------------------------ */

static enum cli_ret
show_route(struct cli_ctx *c)
{
	struct route_req r;
	const char *err = NULL;

	if (route_parse_args(c->args + 2, c->nargs - 2, &r, &err) < 0) {
		cli_err(c, "%s\n%s", err, ROUTE_USAGE);
		return CLI_DONE;
	}
	if (route_explain(c->eng, &r, c->out, &err) < 0)
		cli_err(c, "%s", err);
	return CLI_DONE;
}

/* ---- show sni --------------------------------------------------------- */

struct sni_dump {
	struct sni_row *rows;
	size_t n, next;
};

static void
sni_release(struct cli_ctx *c)
{
	struct sni_dump *d = c->priv;
	if (d) {
		free(d->rows);
		free(d);
		c->priv = NULL;
	}
}

static struct frontend *
sni_find_fe(struct engine *eng, const char *name)
{
	for (size_t i = 0; i < eng->nfrontends; i++) {
		const struct cfg_proxy *px = eng->frontends[i].px;
		if (px->name && !strcmp(px->name, name))
			return &eng->frontends[i];
	}
	return NULL;
}

/* Names are the client's bytes: anything but printable ASCII (and the
 * backslash) is written \xNN, so a line stays one line of words. */
static void
add_name(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f || ch == '\\')
			sbuf_addf(out, "\\x%02x", ch);
		else
			sbuf_addc(out, (char)ch);
	}
}

/* pos[0]: next frontend; pos[1]: 1 for one frontend only. priv: the
 * snapshot of the frontend being written. */
static enum cli_ret
sni_io(struct cli_ctx *c)
{
	struct engine *eng = c->eng;
	for (;;) {
		struct sni_dump *d = c->priv;
		if (d == NULL) {
			size_t i = (size_t)c->pos[0];
			while (i < eng->nfrontends &&
			       (eng->frontends[i].sni == NULL || eng->frontends[i].px->mode != PX_MODE_TCP))
				i++;
			if (i >= eng->nfrontends)
				return CLI_DONE;
			d = xcalloc(1, sizeof(*d));
			d->n = sni_stats_snapshot(eng->frontends[i].sni, &d->rows);
			c->priv = d;
			c->pos[0] = (long)i + 1;
		}
		const char *fe = eng->frontends[c->pos[0] - 1].px->name;
		while (d->next < d->n) {
			const struct sni_row *r = &d->rows[d->next++];
			sbuf_addf(c->out, "%s ", fe);
			if (r->kind == SNI_NAME)
				add_name(c->out, r->name);
			else
				sbuf_adds(c->out, sni_kind_label(r->kind));
			sbuf_addf(c->out, " %llu %llu %llu\n", (unsigned long long)r->conns,
			          (unsigned long long)r->bytes_in, (unsigned long long)r->bytes_out);
			if (c->out->len > CLI_CHUNK)
				return CLI_MORE;
		}
		sni_release(c);
		if (c->pos[1])
			return CLI_DONE;
	}
}

static enum cli_ret
show_sni(struct cli_ctx *c)
{
	if (c->nargs > 2 && c->args[2][0]) {
		struct frontend *f = sni_find_fe(c->eng, c->args[2]);
		if (f == NULL) {
			cli_err(c, "No such frontend.");
			return CLI_DONE;
		}
		if (f->px->mode != PX_MODE_TCP || f->sni == NULL) {
			cli_err(c, "Not a TCP frontend: per-SNI counters exist for TLS passthrough (mode tcp) frontends.");
			return CLI_DONE;
		}
		c->pos[0] = f - c->eng->frontends;
		c->pos[1] = 1;
	}
	sbuf_adds(c->out, "# frontend sni conns bytes_in bytes_out\n");
	c->release = sni_release;
	return sni_io(c);
}

/* ---- show errors ------------------------------------------------------ */

/* HAProxy's cli_parse_show_errors(): a name (or #<id>) first, else the
 * number atoi() reads; 0 is "No such proxy.", an unknown number is not.
 * The GLOBAL proxy of the stats socket has no name here. */
static bool
errors_px_ok(struct engine *eng, const char *a)
{
	const struct cfg *cfg = eng->cfg;
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (!(px->cap & (PX_CAP_FE | PX_CAP_BE)) || px->name == NULL)
			continue;
		if (!strcmp(px->name, a))
			return true;
		if (a[0] == '#' && a[1] && atoi(a + 1) == px->id)
			return true;
	}
	return atoi(a) != 0;
}

static enum cli_ret
show_errors(struct cli_ctx *c)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	if (c->nargs > 2 && c->args[2][0] && !errors_px_ok(c->eng, c->args[2])) {
		cli_err(c, "No such proxy.");
		return CLI_DONE;
	}
	/* Only HTTP protocol errors are captured by HAProxy; in TCP mode there
	 * is never an event (a bad ClientHello is counted and logged). */
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	time_t t = tv.tv_sec;
	localtime_r(&t, &tm);
	sbuf_addf(c->out, "Total events captured on [%02d/%s/%04d:%02d:%02d:%02d.%03d] : 0\n",
	          tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	          tm.tm_sec, (int)(tv.tv_usec / 1000));
	return CLI_DONE;
}

const struct cli_cmd cli_cmds_beyond[] = {
	{ .kw = { "show", "errors", NULL },
	  .usage = "show errors [<px>] [request|response]",
	  .desc = "report last request and/or response errors for each proxy",
	  .level = CLI_LEVEL_OPERATOR, .parse = show_errors },
	{ .kw = { "show", "route", NULL },
	  .usage = "show route <frontend> sni=<name> [alpn=<a>] [src=<ip>]",
	  .desc = "explain where a passthrough connection would go (sluice)",
	  .level = CLI_LEVEL_OPERATOR, .parse = show_route },
	{ .kw = { "show", "sni", NULL },
	  .usage = "show sni [<frontend>]",
	  .desc = "connections and bytes per TLS server name (sluice)",
	  .level = CLI_LEVEL_OPERATOR, .parse = show_sni, .io = sni_io },
	{ .kw = { NULL } },
};
