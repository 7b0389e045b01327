/* stats/cli_split.c and stats/cli_conn.c: HAProxy 2.6's CLI request
 * cutting and framing (reference §3.2, §3.3), driven without sockets.
 * Expected bytes were observed on haproxy 2.6.12 (see
 * tests/func/test_cli_socket.py for the same against the real thing). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/cli_int.h"

/* ---- cli_split ------------------------------------------------------------- */

struct rec {
	struct sbuf s;
	int stop_after;
	int seen;
};

/* Records commands as "w1|w2|w3" joined by " ; ". */
static bool
rec_fn(void *arg, char **words, int n)
{
	struct rec *r = arg;
	if (r->seen)
		sbuf_adds(&r->s, " ; ");
	for (int i = 0; i < n; i++) {
		if (i)
			sbuf_addc(&r->s, '|');
		sbuf_adds(&r->s, words[i]);
	}
	ck_assert_ptr_null(words[n]);
	r->seen++;
	return r->stop_after == 0 || r->seen < r->stop_after;
}

static char *
split(const char *line, size_t *ncmd)
{
	struct rec r = { 0 };
	*ncmd = cli_split(line, strlen(line), rec_fn, &r);
	return r.s.s ? r.s.s : xstrdup("");
}

static const struct {
	const char *in, *out;
	size_t n;
} split_cases[] = {
	{ "show version", "show|version", 1 },
	{ "show version;show cli level", "show|version ; show|cli|level", 2 },
	{ "show version\r", "show|version", 1 },               /* trailing \r dropped */
	{ "show version\r;show info\r", "show|version ; show|info", 2 }, /* each piece */
	{ "show version\r\r", "show|version\r", 1 },           /* only one \r */
	{ "  a \t b  ", "a|b", 1 },                            /* spaces and tabs */
	{ "a\\;b", "a;b", 1 },                                 /* \; is a literal ; */
	{ "a\\\\;b", "a\\ ; b", 2 },                           /* \\ then a real ; */
	{ "a\\ b c", "a b|c", 1 },                             /* escaped space joins */
	{ "a\\xb", "axb", 1 },                                 /* \x is x */
	{ "a\\", "a", 1 },                                     /* lone trailing \ dropped */
	{ "", "", 1 },                                         /* an empty command */
	{ ";", " ; ", 2 },                                     /* two empty commands */
	{ "a;", "a ; ", 2 },
	{ "a;;b", "a ;  ; b", 3 },
};

START_TEST(split_annotated)
{
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		size_t n;
		char *got = split(split_cases[i].in, &n);
		ck_assert_msg(strcmp(got, split_cases[i].out) == 0, "case %zu: '%s' -> '%s'",
		              i, split_cases[i].in, got);
		ck_assert_uint_eq(n, split_cases[i].n);
		free(got);
	}
}
END_TEST

START_TEST(split_word_limit)
{
	struct sbuf in = { 0 };
	for (int i = 0; i < 100; i++)
		sbuf_addf(&in, "w%d ", i);
	size_t n;
	char *got = split(in.s, &n);
	/* 64 words kept (w0..w63), the rest dropped */
	ck_assert_ptr_nonnull(strstr(got, "|w63"));
	ck_assert_ptr_null(strstr(got, "w64"));
	free(got);
	free(in.s);
}
END_TEST

START_TEST(split_stops_early)
{
	struct rec r = { .stop_after = 2 };
	size_t n = cli_split("a;b;c;d", 7, rec_fn, &r);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(r.s.s, "a ; b");
	free(r.s.s);
}
END_TEST

START_TEST(piece_needs_lf)
{
	size_t used, n;
	ck_assert_int_eq(cli_piece("show ver", 8, false, &used, &n), CLI_PIECE_NEED_MORE);
	ck_assert_int_eq(cli_piece("a;b\n", 4, false, &used, &n), CLI_PIECE_OK);
	ck_assert_uint_eq(used, 2);
	ck_assert_uint_eq(n, 1);
	/* in a payload ';' is data */
	ck_assert_int_eq(cli_piece("a;b\r\n", 5, true, &used, &n), CLI_PIECE_OK);
	ck_assert_uint_eq(used, 5);
	ck_assert_uint_eq(n, 3);
	/* a ';' without an LF after it waits for the LF, as HAProxy */
	ck_assert_int_eq(cli_piece("a;b", 3, false, &used, &n), CLI_PIECE_NEED_MORE);
}
END_TEST

START_TEST(words_payload)
{
	char buf[] = "add map x <<\0a b\nc d\0";
	char *w[CLI_MAX_WORDS + 1];
	long pl;
	int n = cli_words(buf, sizeof(buf) - 2, w, &pl);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(w[2], "x");
	ck_assert_int_eq(pl, 13);
	ck_assert_str_eq(buf + pl, "a b\nc d");
}
END_TEST

/* ---- the framing core ------------------------------------------------------ */

static enum cli_ret
t_echo(struct cli_ctx *c)
{
	for (int i = 1; i < c->nargs; i++)
		sbuf_addf(c->out, "%s%s", i > 1 ? "," : "", c->args[i]);
	if (c->nargs > 1)
		sbuf_addc(c->out, '\n');
	if (c->payload)
		sbuf_addf(c->out, "payload=[%s]\n", c->payload);
	return CLI_DONE;
}

static enum cli_ret
t_admin(struct cli_ctx *c)
{
	sbuf_adds(c->out, "done\n");
	return CLI_DONE;
}

static enum cli_ret
t_err(struct cli_ctx *c)
{
	cli_err(c, "No such server.");
	return CLI_DONE;
}

/* streams pos[0] lines of 100 bytes */
static enum cli_ret
t_big_io(struct cli_ctx *c)
{
	while (c->pos[1] < c->pos[0]) {
		sbuf_addf(c->out, "%099ld\n", c->pos[1]++);
		if (c->out->len > CLI_CHUNK)
			return CLI_MORE;
	}
	return CLI_DONE;
}

static enum cli_ret
t_big(struct cli_ctx *c)
{
	c->pos[0] = atol(c->nargs > 1 ? c->args[1] : "0");
	return t_big_io(c);
}

static const struct cli_cmd t_cmds[] = {
	{ { "echo", NULL }, "echo <words>", "print the words", CLI_LEVEL_USER, t_echo, NULL },
	{ { "echo", "long", NULL }, "echo long", "longer match wins", CLI_LEVEL_USER, t_admin, NULL },
	{ { "adm", NULL }, "adm", "admin only", CLI_LEVEL_ADMIN, t_admin, NULL },
	{ { "err", NULL }, "err", "an error", CLI_LEVEL_USER, t_err, NULL },
	{ { "big", NULL }, "big <n>", "a large dump", CLI_LEVEL_USER, t_big, t_big_io },
	{ .kw = { NULL } },
};

static const struct cli_cmd *const t_tables[] = { cli_cmds_core, t_cmds, NULL };

/* Feeds in (all of it), runs, returns the output; *closed: run's answer. */
static char *
drive(enum cli_level lvl, const char *in, size_t len, bool eof, bool *closed)
{
	struct cli_conn *c = cli_conn_new(NULL, t_tables, lvl);
	bool done = false;
	struct sbuf all = { 0 };
	size_t off = 0;
	do {
		off += cli_conn_input(c, in + off, len - off);
		c->eof = eof && off == len;
		done = cli_conn_run(c);
		sbuf_addn(&all, c->out.s ? c->out.s : "", c->out.len);
		sbuf_reset(&c->out);
	} while (!done && (off < len || c->busy));
	if (closed)
		*closed = done;
	cli_conn_free(c);
	return all.s ? all.s : xstrdup("");
}

static void
expect(enum cli_level lvl, const char *in, const char *out, bool closes)
{
	bool closed;
	char *got = drive(lvl, in, strlen(in), false, &closed);
	ck_assert_msg(strcmp(got, out) == 0, "'%s': got '%s'", in, got);
	ck_assert_msg(closed == closes, "'%s': closed=%d", in, closed);
	free(got);
}

START_TEST(framing_basic)
{
	/* every answer ends with an empty line; closes after the last one */
	expect(CLI_LEVEL_ADMIN, "echo a b\n", "a,b\n\n", true);
	expect(CLI_LEVEL_ADMIN, "echo a;echo b\r\n", "a\n\nb\n\n", true);
	expect(CLI_LEVEL_ADMIN, "echo\n", "\n", true);
	/* two lines in one read: both answered */
	expect(CLI_LEVEL_ADMIN, "echo a\necho b\n", "a\n\nb\n\n", true);
	/* a partial line after a command keeps the connection open */
	expect(CLI_LEVEL_ADMIN, "echo a\necho b", "a\n\n", false);
	/* the longest keyword match wins */
	expect(CLI_LEVEL_ADMIN, "echo long\n", "done\n\n", true);
	/* quit: no output at all, the rest is ignored */
	expect(CLI_LEVEL_ADMIN, "echo a;quit;echo b\n", "a\n\n", true);
}
END_TEST

START_TEST(framing_prompt)
{
	expect(CLI_LEVEL_ADMIN, "prompt\n", "\n> ", false);
	expect(CLI_LEVEL_ADMIN, "prompt\necho a\nprompt\necho b\n", "\n> a\n\n> \nb\n\n", true);
	expect(CLI_LEVEL_ADMIN, "prompt;echo a\n", "\n> a\n\n> ", false);
	expect(CLI_LEVEL_ADMIN, "prompt\nquit\necho b\n", "\n> ", true);
	/* payload lines get "+ " in interactive mode */
	expect(CLI_LEVEL_ADMIN, "prompt\necho x <<\na b\n\necho c\n",
	       "\n> + + x\npayload=[a b]\n\n> c\n\n> ", false);
}
END_TEST

START_TEST(framing_payload)
{
	expect(CLI_LEVEL_ADMIN, "echo x <<\nl1\r\nl;2\n\necho c\n", "x\npayload=[l1\nl;2]\n\nc\n\n", true);
	/* waiting for the empty line keeps it open */
	expect(CLI_LEVEL_ADMIN, "echo x <<\nl1\n", "", false);
	expect(CLI_LEVEL_ADMIN, "echo x <<\n\n", "x\npayload=[]\n\n", true);
}
END_TEST

START_TEST(framing_eof)
{
	bool closed;
	/* a partial line when the client shut its side: nothing answered */
	char *got = drive(CLI_LEVEL_ADMIN, "echo a", 6, true, &closed);
	ck_assert_str_eq(got, "");
	ck_assert(closed);
	free(got);
}
END_TEST

START_TEST(levels)
{
	expect(CLI_LEVEL_USER, "adm\n", "Permission denied\n\n", true);
	expect(CLI_LEVEL_OPERATOR, "adm\n", "Permission denied\n\n", true);
	expect(CLI_LEVEL_ADMIN, "adm\n", "done\n\n", true);
	expect(CLI_LEVEL_ADMIN, "operator;show cli level;user;show cli level;operator\n",
	       "\noperator\n\n\nuser\n\nPermission denied\n\n", true);
	expect(CLI_LEVEL_ADMIN, "user;adm\n", "\nPermission denied\n\n", true);
}
END_TEST

START_TEST(severity)
{
	expect(CLI_LEVEL_ADMIN, "set severity-output number;err;set severity-output string;err;set severity-output x\n",
	       "\n[3]: No such server.\n\n\n[err]: No such server.\n\n"
	       "[err]: one of 'none', 'number', 'string' is a required argument\n\n", true);
	/* data is not prefixed */
	expect(CLI_LEVEL_ADMIN, "set severity-output number;echo a\n", "\na\n\n", true);
}
END_TEST

START_TEST(timeout_cmd)
{
	expect(CLI_LEVEL_USER, "set timeout cli\n", "Expects an integer value.\n\n", true);
	expect(CLI_LEVEL_USER, "set timeout cli x\n", "Invalid timeout value.\n\n", true);
	expect(CLI_LEVEL_USER, "set timeout foo 5\n", "'set timeout' only supports 'cli'.\n\n", true);
	expect(CLI_LEVEL_USER, "set timeout cli 0\n", "Invalid timeout value.\n\n", true);
}
END_TEST

START_TEST(usage_texts)
{
	bool closed;
	char *got = drive(CLI_LEVEL_USER, "\n", 1, false, &closed);
	ck_assert(strncmp(got, "Unknown command. Please enter one of the following commands only:\n", 66) == 0);
	/* every command listed whatever the level, help/prompt/quit last */
	ck_assert_ptr_nonnull(strstr(got, "\n  adm"));
	const char *tail = "  help [<command>]                        : list matching or all commands\n"
	                   "  prompt                                  : toggle interactive mode with prompt\n"
	                   "  quit                                    : disconnect\n\n";
	ck_assert_str_eq(got + strlen(got) - strlen(tail), tail);
	free(got);

	got = drive(CLI_LEVEL_USER, "help echo\n", 10, false, &closed);
	ck_assert_str_eq(got, "The following commands are valid at this level:\n"
	                 "  echo <words>                            : print the words\n"
	                 "  echo long                               : longer match wins\n"
	                 "  help [<command>]                        : list matching or all commands\n"
	                 "  prompt                                  : toggle interactive mode with prompt\n"
	                 "  quit                                    : disconnect\n\n");
	free(got);

	got = drive(CLI_LEVEL_USER, "show cli levl\n", 14, false, &closed);
	ck_assert(strncmp(got, "Unknown command, but maybe one of the following ones is a better match:\n"
	                  "  show cli level ", 89) == 0);
	free(got);
}
END_TEST

START_TEST(streaming_bounded)
{
	struct cli_conn *c = cli_conn_new(NULL, t_tables, CLI_LEVEL_USER);
	const char *in = "big 2000\necho after\n";
	cli_conn_input(c, in, strlen(in));
	size_t total = 0;
	int rounds = 0;
	bool done = false;
	while (!done) {
		done = cli_conn_run(c);
		/* never much more than a chunk per round */
		ck_assert_uint_le(c->out.len, CLI_CHUNK + 200);
		total += c->out.len;
		if (done)
			ck_assert_str_eq(c->out.s + c->out.len - 7, "after\n\n");
		sbuf_reset(&c->out);
		rounds++;
	}
	ck_assert_uint_eq(total, 2000 * 100 + 1 + 7);
	ck_assert_int_gt(rounds, 5);
	cli_conn_free(c);
}
END_TEST

START_TEST(line_limit)
{
	/* the input holds one line's worth: more is refused, not stored */
	struct cli_conn *c = cli_conn_new(NULL, t_tables, CLI_LEVEL_USER);
	char *big = malloc(CLI_LINE_MAX * 2);
	memset(big, 'x', CLI_LINE_MAX * 2);
	size_t took = cli_conn_input(c, big, CLI_LINE_MAX * 2);
	ck_assert_uint_eq(took, CLI_LINE_MAX);
	ck_assert(!cli_conn_run(c));
	ck_assert(c->stalled);
	ck_assert_uint_eq(c->out.len, 0);
	cli_conn_free(c);

	/* the longest line HAProxy always answers: 15360 bytes with its LF */
	memcpy(big, "echo ", 5);
	big[CLI_LINE_MAX - 1] = '\n';
	char *got = drive(CLI_LEVEL_USER, big, CLI_LINE_MAX, false, NULL);
	ck_assert_uint_eq(strlen(got), CLI_LINE_MAX - 5 + 1);
	free(got);
	free(big);
}
END_TEST

Suite *suite_cli(void);
Suite *
suite_cli(void)
{
	Suite *s = suite_create("cli");
	TCase *t = tcase_create("cli");
	tcase_add_test(t, split_annotated);
	tcase_add_test(t, split_word_limit);
	tcase_add_test(t, split_stops_early);
	tcase_add_test(t, piece_needs_lf);
	tcase_add_test(t, words_payload);
	tcase_add_test(t, framing_basic);
	tcase_add_test(t, framing_prompt);
	tcase_add_test(t, framing_payload);
	tcase_add_test(t, framing_eof);
	tcase_add_test(t, levels);
	tcase_add_test(t, severity);
	tcase_add_test(t, timeout_cmd);
	tcase_add_test(t, usage_texts);
	tcase_add_test(t, streaming_bounded);
	tcase_add_test(t, line_limit);
	suite_add_tcase(s, t);
	return s;
}
