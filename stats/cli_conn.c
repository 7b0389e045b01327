/* The framing of one CLI connection (reference §3.2): lines and ';'
 * commands out of the received bytes, payloads after " <<", the prompt,
 * the empty line that ends each answer; command lookup, the level check
 * (§3.4) and the help / unknown-command texts (§3.3). No sockets here:
 * cli.c feeds c->in and sends c->out. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/cli_int.h"

/* ---- feedback -------------------------------------------------------------- */

static const char *const sev_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/* The "[3]: " / "[err]: " of "set severity-output". */
static void
sev_prefix(struct cli_ctx *c, int sev)
{
	enum cli_severity so = c->conn ? c->conn->sev : CLI_SEV_NONE;
	if (sev < 0 || sev > 7)
		sev = 3;
	if (so == CLI_SEV_NUMBER)
		sbuf_addf(c->out, "[%d]: ", sev);
	else if (so == CLI_SEV_STRING)
		sbuf_addf(c->out, "[%s]: ", sev_names[sev]);
}

static void
feedback(struct cli_ctx *c, int sev, const char *fmt, va_list ap)
{
	sev_prefix(c, sev);
	char *s = xvasprintf(fmt, ap);
	sbuf_adds(c->out, s);
	free(s);
	sbuf_addc(c->out, '\n');
}

void
cli_msg_raw(struct cli_ctx *c, int sev, const char *text)
{
	sev_prefix(c, sev);
	sbuf_adds(c->out, text);
}

void
cli_err(struct cli_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	feedback(c, 3, fmt, ap);
	va_end(ap);
}

void
cli_msg(struct cli_ctx *c, int sev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	feedback(c, sev, fmt, ap);
	va_end(ap);
}

bool
cli_has_level(struct cli_ctx *c, enum cli_level lvl)
{
	if (c->level >= lvl)
		return true;
	cli_err(c, "Permission denied");
	return false;
}

/* ---- lookup and usage ------------------------------------------------------ */

static int
kw_count(const struct cli_cmd *k)
{
	int n = 0;
	while (n < 5 && k->kw[n])
		n++;
	return n;
}

/* The command whose keywords all lead args, the longest such. */
static const struct cli_cmd *
cmd_find(const struct cli_cmd *const *tables, char **args, int nargs)
{
	const struct cli_cmd *best = NULL;
	int bestn = 0;
	for (size_t t = 0; tables[t]; t++) {
		for (const struct cli_cmd *k = tables[t]; k->kw[0]; k++) {
			int n = kw_count(k);
			if (n > nargs || n <= bestn)
				continue;
			int i = 0;
			while (i < n && strcmp(k->kw[i], args[i]) == 0)
				i++;
			if (i == n) {
				best = k;
				bestn = n;
			}
		}
	}
	return best;
}

/* help, prompt and quit close every list, in this order */
static bool
is_tail_cmd(const struct cli_cmd *k)
{
	return k->kw[1] == NULL && (strcmp(k->kw[0], "help") == 0 ||
	                            strcmp(k->kw[0], "prompt") == 0 ||
	                            strcmp(k->kw[0], "quit") == 0);
}

/* HAProxy's update_word_fingerprint(): counts of consecutive character
 * classes (letters, digit, other, begin/end) in a 32x32 table. */
static void
fingerprint(unsigned char *fp, const char *word)
{
	int from = 28, to;
	for (const char *p = word; *p; p++) {
		int ch = tolower((unsigned char)*p);
		if (ch >= 'a' && ch <= 'z')
			to = ch - 'a' + 1;
		else if (ch >= '0' && ch <= '9')
			to = 27;
		else
			to = 28;
		fp[32 * from + to]++;
		from = to;
	}
	fp[32 * from + 28]++;
}

static int
fp_distance(const unsigned char *a, const unsigned char *b)
{
	int d = 0;
	for (int i = 0; i < 1024; i++)
		d += abs((int)a[i] - (int)b[i]);
	return d;
}

static void
usage_line(struct sbuf *out, const struct cli_cmd *k)
{
	if (k->desc)
		sbuf_addf(out, "  %-40s: %s\n", k->usage, k->desc);
	else
		sbuf_addf(out, "  %s\n", k->usage);
}

static int
cmp_usage(const void *a, const void *b)
{
	const struct cli_cmd *x = *(const struct cli_cmd *const *)a;
	const struct cli_cmd *y = *(const struct cli_cmd *const *)b;
	return strcmp(x->usage, y->usage);
}

#define CLI_MAX_MATCHES 5

/* HAProxy 2.6's cli_gen_usage_msg(): the words that match exactly set a
 * prefix; words after it are compared by fingerprint and the 5 closest
 * commands (not much worse than the best) are proposed; without any,
 * every command under the prefix is. Lists are sorted, help/prompt/quit
 * last. */
void
cli_usage(struct cli_ctx *c, char **args, int nargs, bool ishelp)
{
	const struct cli_cmd *const *tables = c->conn && c->conn->tables ? c->conn->tables : cli_tables;
	struct { const struct cli_cmd *k; int dist; } m[CLI_MAX_MATCHES];
	VEC(const struct cli_cmd *) list = { 0 };
	int length = 0;

	if (ishelp) {
		args++;
		nargs--;
	}
	for (size_t t = 0; tables[t]; t++)
		for (const struct cli_cmd *k = tables[t]; k->kw[0]; k++)
			for (int i = 0; i < 5 && k->kw[i] && i < nargs && *args[i]; i++) {
				if (strcmp(k->kw[i], args[i]) != 0)
					break;
				if (i + 1 > length)
					length = i + 1;
			}

	for (int i = 0; i < CLI_MAX_MATCHES; i++) {
		m[i].k = NULL;
		m[i].dist = INT_MAX;
	}
	if (length < nargs && *args[length]) {
		unsigned char *wsig = xmalloc(1024), *lsig = xmalloc(1024);
		for (size_t t = 0; tables[t]; t++) {
			for (const struct cli_cmd *k = tables[t]; k->kw[0]; k++) {
				int idx = 0;
				while (idx < length && k->kw[idx] && strcmp(k->kw[idx], args[idx]) == 0)
					idx++;
				/* help, prompt and quit are always listed anyway */
				if (!k->usage || idx != length || is_tail_cmd(k))
					continue;
				int totlen = 0;
				memset(wsig, 0, 1024);
				for (int i = idx; i < 5 && i < nargs && *args[i]; i++) {
					fingerprint(wsig, args[i]);
					totlen += (int)strlen(args[i]);
				}
				memset(lsig, 0, 1024);
				for (int i = idx; i < 5 && k->kw[i]; i++) {
					fingerprint(lsig, k->kw[i]);
					totlen += (int)strlen(k->kw[i]);
				}
				int dist = fp_distance(wsig, lsig);
				/* observed: no cut-off against the words' length */
				(void)totlen;
				if (dist < m[CLI_MAX_MATCHES - 1].dist) {
					m[CLI_MAX_MATCHES - 1].k = k;
					m[CLI_MAX_MATCHES - 1].dist = dist;
					for (int i = CLI_MAX_MATCHES - 1; --i >= 0;) {
						if (m[i + 1].dist >= m[i].dist)
							break;
						int d = m[i].dist;
						const struct cli_cmd *kk = m[i].k;
						m[i] = m[i + 1];
						m[i + 1].k = kk;
						m[i + 1].dist = d;
					}
				}
			}
		}
		free(wsig);
		free(lsig);
	}

	/* HAProxy sends these as an info message (observed) */
	sev_prefix(c, 6);
	if (ishelp)
		sbuf_adds(c->out, "The following commands are valid at this level:\n");
	else if (!length && (nargs == 0 || !*args[0]))
		sbuf_adds(c->out, "Unknown command. Please enter one of the following commands only:\n");
	else
		sbuf_adds(c->out, "Unknown command, but maybe one of the following ones is a better match:\n");

	if (m[0].k) {
		for (int i = 0; i < CLI_MAX_MATCHES && m[i].k; i++) {
			if (m[i].dist > 5 * m[0].dist / 2)
				break;
			if (!is_tail_cmd(m[i].k))
				VEC_PUSH(list, m[i].k);
		}
	} else {
		for (size_t t = 0; tables[t]; t++)
			for (const struct cli_cmd *k = tables[t]; k->kw[0]; k++) {
				int idx = 0;
				while (idx < length && k->kw[idx] && idx < nargs &&
				       strcmp(k->kw[idx], args[idx]) == 0)
					idx++;
				if (k->usage && idx == length && !is_tail_cmd(k))
					VEC_PUSH(list, k);
			}
	}
	if (list.n)
		qsort(list.v, list.n, sizeof(*list.v), cmp_usage);
	for (size_t i = 0; i < list.n; i++)
		usage_line(c->out, list.v[i]);
	free(list.v);
	for (size_t t = 0; tables[t]; t++)
		for (const struct cli_cmd *k = tables[t]; k->kw[0]; k++)
			if (is_tail_cmd(k) && strcmp(k->kw[0], "help") == 0)
				usage_line(c->out, k);
	for (size_t t = 0; tables[t]; t++)
		for (const struct cli_cmd *k = tables[t]; k->kw[0]; k++)
			if (is_tail_cmd(k) && strcmp(k->kw[0], "prompt") == 0)
				usage_line(c->out, k);
	for (size_t t = 0; tables[t]; t++)
		for (const struct cli_cmd *k = tables[t]; k->kw[0]; k++)
			if (is_tail_cmd(k) && strcmp(k->kw[0], "quit") == 0)
				usage_line(c->out, k);
}

/* ---- the connection -------------------------------------------------------- */

struct cli_conn *
cli_conn_new(struct engine *eng, const struct cli_cmd *const *tables, enum cli_level level)
{
	struct cli_conn *c = xcalloc(1, sizeof(*c));
	c->eng = eng;
	c->tables = tables ? tables : cli_tables;
	c->level = level;
	c->fd = -1;
	c->timeout_ms = 10000;
	return c;
}

static void
ctx_release(struct cli_conn *c)
{
	if (c->busy && c->ctx.release)
		c->ctx.release(&c->ctx);
	c->busy = false;
	memset(&c->ctx, 0, sizeof(c->ctx));
}

void
cli_conn_free(struct cli_conn *c)
{
	if (c == NULL)
		return;
	ctx_release(c);
	free(c->in.s);
	free(c->out.s);
	free(c->cmd.s);
	free(c);
}

size_t
cli_conn_input(struct cli_conn *c, const char *data, size_t len)
{
	/* Like HAProxy's request channel, hold at most one line's worth:
	 * a line that does not fit stalls the connection until the idle
	 * timeout closes it. Memory stays bounded either way. */
	size_t room = c->in.len < CLI_LINE_MAX ? CLI_LINE_MAX - c->in.len : 0;
	if (len > room)
		len = room;
	sbuf_addn(&c->in, data, len);
	return len;
}

static void
in_consume(struct cli_conn *c, size_t n)
{
	memmove(c->in.s, c->in.s + n, c->in.len - n);
	c->in.len -= n;
	c->in.s[c->in.len] = 0;
}

/* What follows every answer: the empty line, or the prompt. */
static void
end_answer(struct cli_conn *c)
{
	if (c->prompt)
		sbuf_adds(&c->out, c->payload ? "+ " : "\n> ");
	else if (!c->payload)
		sbuf_addc(&c->out, '\n');
}

/* Runs the command in buf (words + payload, NUL-separated, buf[len] and
 * buf[len+1] accessible): lookup, level check, parse(). */
static void
run_command(struct cli_conn *c, char *buf, size_t len)
{
	char *args[CLI_MAX_WORDS + 1];
	long pl;
	int nargs = cli_words(buf, len, args, &pl);
	args[nargs] = NULL;

	memset(&c->ctx, 0, sizeof(c->ctx));
	c->ctx.eng = c->eng;
	c->ctx.level = c->level;
	c->ctx.out = &c->out;
	c->ctx.args = args;
	c->ctx.nargs = nargs;
	c->ctx.conn = c;
	if (pl >= 0) {
		c->ctx.payload = (size_t)pl <= len ? buf + pl : "";
		c->ctx.payload_len = (size_t)pl <= len ? len - (size_t)pl : 0;
	}
	cli_activity.commands++;

	const struct cli_cmd *k = nargs > 0 ? cmd_find(c->tables, args, nargs) : NULL;
	if (k == NULL) {
		cli_usage(&c->ctx, args, nargs, false);
		goto done;
	}
	c->ctx.cmd = k;
	if (c->level < k->level) {
		cli_err(&c->ctx, "Permission denied");
		goto done;
	}
	if (k->parse(&c->ctx) == CLI_MORE && k->io) {
		/* args point into buf, which the caller frees: streamed
		 * dumps keep their state in pos/priv */
		c->ctx.args = NULL;
		c->ctx.nargs = 0;
		c->ctx.payload = NULL;
		c->busy = true;
		return;
	}
done:
	c->level = c->ctx.level;
	memset(&c->ctx, 0, sizeof(c->ctx));
}

static size_t
pending(const struct cli_conn *c)
{
	return c->out.len + c->ext_pending;
}

bool
cli_conn_run(struct cli_conn *c)
{
	for (;;) {
		if (c->quit)
			return true;
		if (c->busy) {
			if (pending(c) > CLI_CHUNK)
				return false;
			c->ctx.out = &c->out;
			if (c->ctx.cmd->io(&c->ctx) == CLI_MORE)
				continue;
			c->level = c->ctx.level;
			ctx_release(c);
			end_answer(c);
			goto after_command;
		}
		if (pending(c) > CLI_CHUNK)
			return false;

		size_t used, n;
		if (cli_piece(c->in.s ? c->in.s : "", c->in.len, c->payload, &used, &n) != CLI_PIECE_OK) {
			/* a partial line when the client is gone, or one too
			 * long to ever end: HAProxy answers nothing */
			if (c->eof)
				return true;
			if (c->in.len >= CLI_LINE_MAX)
				c->stalled = true;
			return false;
		}
		if (c->payload) {
			if (n == 0) {
				/* the empty line ends the payload: run it */
				c->payload = false;
				sbuf_addc(&c->cmd, 0);
				size_t clen = c->cmd.len - 2;
				c->cmd.s[clen] = 0;
				in_consume(c, used);
				run_command(c, c->cmd.s, clen);
				sbuf_reset(&c->cmd);
				if (c->busy)
					continue;
				if (c->quit)
					return true;
				end_answer(c);
				goto after_command;
			}
			if (c->cmd.len + n + 1 > CLI_PAYLOAD_MAX) {
				/* HAProxy's request chunk is full: it closes */
				c->stalled = true;
				return false;
			}
			sbuf_addn(&c->cmd, c->in.s, n);
			sbuf_addc(&c->cmd, '\n');
			in_consume(c, used);
			end_answer(c);
			continue;
		}

		struct sbuf line = { 0 };
		sbuf_addn(&line, c->in.s ? c->in.s : "", n);
		in_consume(c, used);
		if (n >= 2 && memcmp(line.s + n - 2, "<<", 2) == 0) {
			/* gather the payload; the command runs at the empty line */
			c->payload = true;
			sbuf_reset(&c->cmd);
			sbuf_addn(&c->cmd, line.s, n);
			sbuf_addc(&c->cmd, 0);
			free(line.s);
			end_answer(c);
			continue;
		}
		sbuf_addc(&line, 0); /* room for the splitter's extra NUL */
		run_command(c, line.s, n);
		free(line.s);
		if (c->busy)
			continue;
		if (c->quit)
			return true;
		end_answer(c);
after_command:
		/* non-interactive: close once what arrived is answered */
		if (c->quit)
			return true;
		if (!c->prompt && !c->payload && c->in.len == 0)
			return true;
	}
}
