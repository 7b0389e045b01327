/* Internal interface between the lexer, the grammar and the line driver.
 * Not for other modules: they see struct cfg_ctx (kw.h). */
#ifndef SLUICE_PARSER_CFGPARSE_H
#define SLUICE_PARSER_CFGPARSE_H

#include "acl.h"
#include "cfg.h"
#include "kw.h"

#define CFG_MAX_WORDS 64      /* HAProxy's MAX_LINE_ARGS */
#define CFG_MAX_NESTED_IF 100 /* .if nesting depth (HAProxy's MAXNESTEDCONDS) */

struct pp_level {
	bool active;     /* lines of this branch are used */
	bool taken;      /* some branch of this .if was active */
	bool seen_else;
	bool parent_active;
	struct cfg_loc loc;
};

struct cfg_parser {
	struct cfg_ctx cx;
	const char *file;       /* interned name of the file being read */
	bool resolve;

	/* Lexer state for the line being read. */
	VEC(struct cfg_word) words;
	struct sbuf word;
	bool in_word, word_quoted;
	struct cfg_loc word_loc;
	int lineno, col;
	bool line_error;        /* a tokenizer error: the line is dropped */
	bool saw_text;          /* bytes after the last LF (missing-LF check) */
	bool eof;

	/* Tokens handed to the grammar: the words of one line, then EOL. */
	struct cfg_line out;
	int out_pos;
	bool out_active;

	/* .if/.elif/.else/.endif */
	struct pp_level pp[CFG_MAX_NESTED_IF];
	int pp_depth;

	/* Condition mode (cond_syntax): the words to parse. */
	int mode;               /* START_FILE or START_COND token */
	struct cfg_word *cw;
	int cn, ci, cbrace;
	int coff;               /* bytes of glued "!" already returned as NOT */
	struct cond_ast *ast;
	bool cond_error;
};

/* Called by the grammar for each complete line. */
void cfgp_section(struct cfg_parser *p, struct cfg_line *l);
void cfgp_keyword(struct cfg_parser *p, struct cfg_line *l);
void cfgp_out_of_section(struct cfg_parser *p, struct cfg_line *l);

/* Called by the lexer wrapper for each tokenized line: handles the .if
 * family and message directives. Returns true when the line is for the
 * grammar. */
bool cfgp_preprocess(struct cfg_parser *p, struct cfg_line *l);
/* Section keyword? Sets *sect. */
bool cfgp_is_section(const char *word, enum cfg_section *sect);
/* Current section name for ${.SECTION}. */
const char *cfgp_section_name(const struct cfg_parser *p);

/* lexer.l: tokenizes text line by line without the grammar; cb owns each
 * line it gets. p must be zeroed with file, lineno = col = 1 and cx.diag
 * set. */
void cfg_lex_lines(struct cfg_parser *p, const char *text, size_t len,
                   void (*cb)(struct cfg_parser *, struct cfg_line *, void *),
                   void *arg);

/* Evaluates a .if condition (reference §1.4). Returns 1 true, 0 false,
 * -1 error with *err set (caller frees). */
int pp_eval(const char *expr, char **err);

#endif
