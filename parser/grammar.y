/* The structure of a config: sections and lines (START_FILE), and the
 * conditions of rules (START_COND: "if|unless" terms with "!", "||"/"or",
 * juxtaposition as AND and "{ ... }" anonymous ACLs). Keywords and their
 * arguments are not the grammar's business: each line goes to the driver
 * (cfgparse.c), which finds the keyword's table row. */
%define api.pure full
%define api.prefix {cfgyy}
%define parse.error verbose
%locations
%param {void *scanner}
%param {struct cfg_parser *p}

%code requires {
#include "parser/cfgparse.h"
}

%code {
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"

int cfgyylex(CFGYYSTYPE *lval, CFGYYLTYPE *lloc, void *scanner,
             struct cfg_parser *p);
static void cfgyyerror(CFGYYLTYPE *loc, void *scanner, struct cfg_parser *p,
                       const char *msg);
static void add_term(struct cfg_parser *p, bool neg, int first, int last,
                     bool anon);
}

%union {
	int idx;             /* index of a word in the current line */
	struct { int first, last; } range;
	bool neg;
}

%token START_FILE START_COND
%token <idx> WORD SECTION
%token EOL
%token <idx> IF UNLESS NOT OR LBRACE RBRACE
%type <range> anon_words
%type <neg> nots

%%

start
	: START_FILE config
	| START_COND cond
	;

/* Lines before the first section are errors; a section runs until the next
 * section line or the end of the file. */
config
	: preamble sections
	;

preamble
	: %empty
	| preamble WORD args EOL        { cfgp_out_of_section(p, &p->out); }
	;

sections
	: %empty
	| sections section
	;

section
	: SECTION args EOL               { cfgp_section(p, &p->out); }
	  body
	;

body
	: %empty
	| body WORD args EOL            { cfgp_keyword(p, &p->out); }
	;

args
	: %empty
	| args WORD
	;

cond
	: IF                             { p->ast->unless = false; } or_expr
	| UNLESS                         { p->ast->unless = true; } or_expr
	;

/* HAProxy builds one suite of AND-ed terms per "||"/"or" branch; an empty
 * branch ("if a ||", "if" alone) adds no suite, and each "!" toggles. */
or_expr
	: and_expr
	| or_expr OR                     { VEC_PUSH(p->ast->or_starts, (int)p->ast->terms.n); }
	  and_expr
	;

and_expr
	: %empty
	| and_expr term
	;

term
	: nots WORD                      { add_term(p, $1, $2, $2, false); }
	| nots LBRACE anon_words RBRACE  { add_term(p, $1, $3.first, $3.last, true); }
	;

nots
	: %empty                         { $$ = false; }
	| nots NOT                       { $$ = !$1; }
	;

anon_words
	: WORD                           { $$.first = $$.last = $1; }
	| anon_words WORD                { $$.first = $1.first; $$.last = $2; }
	;

%%

static void
add_term(struct cfg_parser *p, bool neg, int first, int last, bool anon)
{
	struct cond_term t = { .neg = neg, .first = first, .last = last,
	                       .anon = anon };
	if (!anon) /* glued "!name": the lexer returned each '!' as NOT */
		t.off = (int)strspn(p->cw[first].s, "!");
	VEC_PUSH(p->ast->terms, t);
}

static void
cfgyyerror(CFGYYLTYPE *loc, void *scanner, struct cfg_parser *p,
           const char *msg)
{
	(void)scanner;
	if (p->cw == NULL) {
		/* Every token sequence of a file is a valid one; this would be
		 * a bug in the lexer wrapper. */
		struct cfg_loc l = { p->file, loc->first_line, loc->first_column };
		diag_error(p->cx.diag, &l, "internal parser error: %s", msg);
		return;
	}
	p->cond_error = true;
	/* Condition errors, phrased for operators. */
	const struct cfg_word *w = p->ci > 0 ? &p->cw[p->ci - 1] : &p->cw[0];
	const struct cfg_word *last = &p->cw[p->cn - 1];
	if (p->cbrace)
		cx_error(&p->cx, last, "missing closing '}' in condition");
	else if (p->ci >= p->cn && strstr(msg, "end of file"))
		cx_error(&p->cx, last, "missing ACL name or '{ ... }' after '%s' in condition", last->s);
	else if (strcmp(w->s, "}") == 0)
		cx_error(&p->cx, w, "unexpected '}' in condition");
	else
		cx_error(&p->cx, w, "unexpected '%s' in condition", w->s);
}

/* Parses w[argi..n-1] as a condition into *ast (see acl.h). */
int
cond_syntax(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
            struct cond_ast *ast)
{
	struct cfg_parser p;
	memset(&p, 0, sizeof(p));
	memset(ast, 0, sizeof(*ast));
	p.cx = *cx;
	p.mode = START_COND;
	p.cw = w;
	p.cn = n;
	p.ci = argi;
	p.ast = ast;
	VEC_PUSH(ast->or_starts, 0);
	int rc = cfgyyparse(NULL, &p);
	if (rc != 0 || p.cond_error) {
		if (!p.cond_error)
			cx_error(cx, &w[argi], "invalid condition");
		cond_ast_free(ast);
		return -1;
	}
	/* Drop empty branches: or_starts keeps only starts of non-empty
	 * suites (none at all for a condition without terms). */
	size_t k = 0;
	for (size_t i = 0; i < ast->or_starts.n; i++) {
		int start = ast->or_starts.v[i];
		int next = i + 1 < ast->or_starts.n ? ast->or_starts.v[i + 1] : (int)ast->terms.n;
		if (next > start)
			ast->or_starts.v[k++] = start;
	}
	ast->or_starts.n = k;
	return 0;
}

void
cond_ast_free(struct cond_ast *ast)
{
	free(ast->terms.v);
	free(ast->or_starts.v);
	memset(ast, 0, sizeof(*ast));
}
