/* libFuzzer target for the stats socket's request handling without
 * sockets: cli_split() on the whole input, then a connection (the core
 * command table and a payload echo) fed the input in pieces whose sizes
 * come from the first byte, the client's EOF at the end. Checks that
 *  - the pending input never exceeds CLI_LINE_MAX (memory is bounded);
 *  - the output of one run step stays near CLI_CHUNK;
 *  - cli_split sees no more than CLI_MAX_WORDS words per command. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats/cli_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
count_words(void *arg, char **words, int n)
{
	(void)arg;
	if (n < 0 || n > CLI_MAX_WORDS || words[n] != NULL)
		abort();
	for (int i = 0; i < n; i++)
		if (words[i] == NULL)
			abort();
	return true;
}

static enum cli_ret
f_echo(struct cli_ctx *c)
{
	for (int i = 0; i < c->nargs; i++)
		sbuf_addf(c->out, "%s\n", c->args[i]);
	if (c->payload) {
		if (strlen(c->payload) > c->payload_len)
			abort();
		sbuf_addn(c->out, c->payload, c->payload_len);
	}
	return CLI_DONE;
}

static const struct cli_cmd f_cmds[] = {
	{ { "echo", NULL }, "echo", "echo", CLI_LEVEL_USER, f_echo, NULL },
	{ .kw = { NULL } },
};

static const struct cli_cmd *const f_tables[] = { cli_cmds_core, f_cmds, NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 100000)
		return 0;
	size_t step = (size_t)data[0] + 1;
	data++;
	size--;

	cli_split((const char *)data, size, count_words, NULL);

	struct cli_conn *c = cli_conn_new(NULL, f_tables, CLI_LEVEL_ADMIN);
	size_t off = 0;
	bool done = false;
	while (!done) {
		size_t n = size - off < step ? size - off : step;
		off += cli_conn_input(c, (const char *)data + off, n);
		if (c->in.len > CLI_LINE_MAX)
			abort();
		c->eof = off == size;
		done = cli_conn_run(c);
		if (c->out.len > CLI_CHUNK + 20000)
			abort();
		sbuf_reset(&c->out);
		if (c->stalled)
			break;
		/* no progress possible: the whole input was taken and the
		 * run asked for more */
		if (!done && off == size && !c->busy)
			break;
	}
	cli_conn_free(c);
	return 0;
}
