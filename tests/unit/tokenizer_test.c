/* The tokenizer: every row of reference §1.2, and the odd cases. Lines are
 * shown as words joined by '|', one line per '\n'. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "parser/cfgparse.h"

static void
collect(struct cfg_parser *p, struct cfg_line *l, void *arg)
{
	struct sbuf *b = arg;
	for (int i = 0; i < l->n; i++) {
		if (i)
			sbuf_addc(b, '|');
		sbuf_addn(b, l->w[i].s, l->w[i].len);
	}
	sbuf_addc(b, '\n');
	cfg_line_free(l);
}

/* Tokenizes text; returns the rendering (caller frees) and fills d. */
static char *
tok_d(const char *text, struct diag *d)
{
	struct cfg_parser p;
	struct sbuf b = { 0 };
	memset(&p, 0, sizeof(p));
	p.cx.diag = d;
	p.file = "t.cfg";
	p.lineno = p.col = 1;
	cfg_lex_lines(&p, text, strlen(text), collect, &b);
	free(p.words.v);
	free(p.word.s);
	return sbuf_take(&b);
}

static char *
tok(const char *text)
{
	struct diag d = { 0 };
	char *s = tok_d(text, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "unexpected diag: %s\n", d.msgs[i].text);
	ck_assert_int_eq((int)d.n, 0);
	diag_free(&d);
	return s;
}

#define TOK_EQ(in, out)                                                       \
	do {                                                                  \
		char *got_ = tok(in);                                         \
		ck_assert_str_eq(got_, out);                                  \
		free(got_);                                                   \
	} while (0)

/* Expects exactly one error at line:col whose text contains needle. */
#define TOK_ERR(in, ln_, co_, needle)                                        \
	do {                                                                  \
		struct diag d_ = { 0 };                                       \
		free(tok_d(in, &d_));                                         \
		ck_assert_int_eq(d_.nerrors, 1);                              \
		ck_assert_int_eq(d_.msgs[0].loc.line, ln_);                  \
		ck_assert_int_eq(d_.msgs[0].loc.col, co_);                    \
		ck_assert_ptr_nonnull(strstr(d_.msgs[0].text, needle));       \
		diag_free(&d_);                                               \
	} while (0)

START_TEST(blanks)
{
	TOK_EQ("a b\n", "a|b\n");
	TOK_EQ("  a \t  b  \n", "a|b\n");      /* runs collapse, no trailing empty word */
	TOK_EQ("a\r\n", "a\n");                /* CR is a blank */
	TOK_EQ("\n\n   \n", "");              /* blank lines give nothing */
}
END_TEST

START_TEST(comments)
{
	TOK_EQ("a # b c\n", "a\n");
	TOK_EQ("a#b\n", "a\n");                /* no blank needed before # */
	TOK_EQ("# whole line\nx\n", "x\n");
	TOK_EQ("\"a#b\" 'c#d'\n", "a#b|c#d\n"); /* literal inside quotes */
	TOK_EQ("a\\#b\n", "a#b\n");
}
END_TEST

START_TEST(double_quotes)
{
	TOK_EQ("\"a b\" c\n", "a b|c\n");
	TOK_EQ("ab\"cd\"ef\n", "abcdef\n");    /* quotes glue to text */
	TOK_EQ("\"it's\"\n", "it's\n");
	TOK_EQ("a \"\" b\n", "a||b\n");        /* "" is an empty word */
	TOK_EQ("\"a\\tb\\x41\\\\\\\\c\\$d\"\n", "a\tbA\\\\c$d\n");
	TOK_EQ("\"\\\"q\\\"\"\n", "\"q\"\n");
}
END_TEST

START_TEST(single_quotes)
{
	TOK_EQ("'a b' c\n", "a b|c\n");
	TOK_EQ("ab'c d'ef\n", "abc def\n");
	TOK_EQ("'a\\\\tb'\n", "a\\\\tb\n");     /* nothing interpreted */
	TOK_EQ("'$HOME ${HOME}'\n", "$HOME ${HOME}\n");
	TOK_EQ("'\"'\n", "\"\n");
}
END_TEST

START_TEST(backslashes)
{
	TOK_EQ("a\\ b\n", "a b\n");
	TOK_EQ("a\\\\b\n", "a\\b\n");
	TOK_EQ("\\t\\n\\r\n", "\t\n\r\n");
	TOK_EQ("\\x41\\x62\n", "Ab\n");
	TOK_EQ("a\\$b\n", "a\\$b\n");          /* \$ outside quotes stays */
	TOK_EQ("\\1\\d\n", "\\1\\d\n");        /* other escapes kept as is */
	TOK_EQ("\\'x\\\"\n", "'x\"\n");
	TOK_EQ("a \\\n", "a|\\\n");            /* no line continuation */
}
END_TEST

START_TEST(env_vars)
{
	setenv("SLUICE_T", "v1", 1);
	setenv("SLUICE_E", "", 1);
	setenv("SLUICE_W", "a b  c", 1);
	unsetenv("SLUICE_NOPE");
	TOK_EQ("\"$SLUICE_T\" \"${SLUICE_T}\"\n", "v1|v1\n");
	TOK_EQ("$SLUICE_T ${SLUICE_T}\n", "$SLUICE_T|${SLUICE_T}\n"); /* only in quotes */
	TOK_EQ("\"x${SLUICE_T}y\"\n", "xv1y\n");
	TOK_EQ("\"$SLUICE_Ty\"\n", "\n");      /* reads variable SLUICE_Ty: unset, empty word */
	TOK_EQ("\"${SLUICE_NOPE-def}\" \"${SLUICE_E-def}\"\n", "def|\n"); /* default only when unset */
	TOK_EQ("a \"${SLUICE_W[*]}\" z\n", "a|a|b|c|z\n");
	TOK_EQ("\"p${SLUICE_W[*]}q\"\n", "pa|b|cq\n");
	TOK_EQ("global\n\"${.LINE}\" \"${.FILE}\"\n", "global\n2|t.cfg\n");
	unsetenv("SLUICE_T");
	unsetenv("SLUICE_E");
	unsetenv("SLUICE_W");
}
END_TEST

START_TEST(errors)
{
	TOK_ERR("bind \"unterminated\n", 1, 6, "unmatched quote");
	TOK_ERR("x\nbind 'open\n", 2, 6, "unmatched quote");
	TOK_ERR("a \\x4g\n", 1, 3, "truncated or invalid hexadecimal sequence");
	TOK_ERR("a \"${1X}\"\n", 1, 4, "forbidden first char in environment variable name");
	TOK_ERR("a \"$\"\n", 1, 4, "forbidden first char in environment variable name");
	TOK_ERR("a \"${ABC\"\n", 1, 4, "unmatched brace in environment variable name");
	TOK_ERR("global\nmaxconn 1", 2, 10, "Missing LF on last line");
	/* the erroneous line is dropped, the others stay */
	struct diag d = { 0 };
	char *s = tok_d("a\nb \"c\nd\n", &d);
	ck_assert_str_eq(s, "a\nd\n");
	free(s);
	diag_free(&d);
}
END_TEST

START_TEST(too_many_words)
{
	struct sbuf b = { 0 };
	for (int i = 0; i < 65; i++)
		sbuf_addf(&b, "w%d ", i);
	sbuf_addc(&b, '\n');
	TOK_ERR(b.s, 1, 1 + 10 * 3 + 54 * 4, "too many words"); /* at w64 */
	free(b.s);
}
END_TEST

START_TEST(columns)
{
	struct diag d = { 0 };
	/* Check word locations through the .notice-free path: a bad escape
	 * on the second line reports the column of the backslash. */
	free(tok_d("global\n\t  x  \"a b\" \\x\n", &d));
	ck_assert_int_eq(d.msgs[0].loc.line, 2);
	ck_assert_int_eq(d.msgs[0].loc.col, 13);
	diag_free(&d);
}
END_TEST

Suite *suite_tokenizer(void);

Suite *
suite_tokenizer(void)
{
	Suite *s = suite_create("tokenizer");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, blanks);
	tcase_add_test(tc, comments);
	tcase_add_test(tc, double_quotes);
	tcase_add_test(tc, single_quotes);
	tcase_add_test(tc, backslashes);
	tcase_add_test(tc, env_vars);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, too_many_words);
	tcase_add_test(tc, columns);
	suite_add_tcase(s, tc);
	return s;
}
