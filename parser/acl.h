/* ACLs and conditions (reference §1.12). Named ACLs belong to their proxy
 * (px->acls); a condition belongs to the rule that holds it. Anonymous
 * and predefined ACLs a condition uses belong to the condition. */
#ifndef SLUICE_PARSER_ACL_H
#define SLUICE_PARSER_ACL_H

#include <netinet/in.h>

#include "kw.h"
#include "sample.h"

/* Matching methods (-m). */
enum acl_match {
	ACL_M_FOUND,
	ACL_M_BOOL,
	ACL_M_INT,
	ACL_M_IP,
	ACL_M_BIN,
	ACL_M_LEN,
	ACL_M_STR,
	ACL_M_SUB,
	ACL_M_REG,
	ACL_M_BEG,
	ACL_M_END,
	ACL_M_DIR,
	ACL_M_DOM,
	ACL_M_METH, /* HTTP method names ("method" keyword) */
	ACL_M_AUTH, /* group names of the user (ACL http_auth_group) */
	ACL_M__COUNT,
};
const char *acl_match_name(enum acl_match m);

/* One pattern, parsed for its method. */
struct acl_pattern {
	char *str;              /* as written; STR..DOM, REG, METH use it */
	size_t len;
	bool icase;             /* -i was in effect */
	unsigned char *bin;     /* BIN */
	size_t binlen;
	long long min, max;     /* INT, LEN (inclusive; see has_*) */
	bool has_min, has_max;
	int af;                 /* IP: AF_INET or AF_INET6 */
	struct in_addr v4, m4;  /* IP v4 address and mask */
	struct in6_addr v6;     /* IP v6 address */
	int plen6;              /* IP v6 prefix length */
};

/* One "acl" line or anonymous { ... }: fetch, method, patterns. */
struct acl_expr {
	struct smp_expr *smp;
	enum acl_match match;
	bool dotted;            /* int patterns are "maj.min" versions */
	VEC(struct acl_pattern) pats;
	VEC(char *) files;      /* -f files (already loaded into pats) */
	bool map;               /* -M */
	bool no_dns;            /* -n */
	long long unique_id;    /* -u, or -1 */
	char *kw;               /* ACL keyword or fetch name as written */
	struct cfg_loc loc;
};

/* A named ACL: lines of the same name are OR-ed. */
struct acl {
	char *name;             /* NULL for anonymous */
	VEC(struct acl_expr *) exprs;
	unsigned val;           /* SMP_STG_* where any of its fetches works */
	unsigned uses;          /* SMP_USES_* */
	bool predefined;
};

struct cfg_proxy;

struct acl_term {
	bool neg;
	struct acl *acl;
	bool owned;             /* anonymous or predefined copy: freed with cond */
};
struct acl_suite {              /* AND of terms */
	VEC(struct acl_term) terms;
};
struct acl_cond {
	bool unless;
	VEC(struct acl_suite) suites; /* OR of suites */
	struct cfg_loc loc;
	unsigned uses;
};

/* When w[argi] is "if" or "unless", parses the condition that runs to the
 * end of the line into *cond. Without one, *cond = NULL and 0 is returned.
 * Words after argi that are neither "if"/"unless" are an error naming the
 * unexpected word (kwname says whose). stages: where it is evaluated. */
int acl_cond_parse(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
                   unsigned stages, const char *kwname,
                   struct acl_cond **cond);
void acl_cond_free(struct acl_cond *c);
void acl_free(struct acl *a);
/* SMP_USES_* of every fetch the condition (named ACLs included) uses. */
unsigned acl_cond_uses(const struct acl_cond *c);
/* Named ACL of a proxy, or NULL. */
struct acl *acl_find(struct cfg_proxy *px, const char *name);

/* Parses the words of an ACL expression (criterion, flags, patterns) of
 * w[first..last] into a new expression. errpfx prefixes messages
 * ("error detected while parsing ACL 'a' : "). NULL on error (reported). */
struct acl_expr *acl_expr_parse(struct cfg_ctx *cx, struct cfg_word *w,
                                int first, int last, const char *errpfx);
void acl_expr_free(struct acl_expr *e);

/* The sample type match method m works on (HAProxy's pat_match_types);
 * the engine casts samples to it before matching. */
enum smp_type acl_match_input(enum acl_match m);

/* Pattern helpers (pattern.c), shared with map converters. */
/* Method by name and length ("beg"); -1 when unknown. */
int acl_match_by_name(const char *name, size_t len);
/* Parses one pattern for method m; message in *err (no final period).
 * no_dns (the ACL flag -n): an IP pattern must be an address, as it must
 * always once acl_pattern_freeze_names() was called. */
int acl_pattern_parse(enum acl_match m, bool dotted, const char *s,
                      bool icase, bool no_dns, struct acl_pattern *out,
                      char **err);
/* From now on (the engine runs) host names in IP patterns are not
 * resolved; those resolved before keep their address. */
void acl_pattern_freeze_names(void);
void acl_pattern_clear(struct acl_pattern *p);
/* HAProxy's parse_binary(): an even number of hex digits into *out
 * (malloc'd, with a NUL after the *len bytes); message in *err. Shared
 * with tcp-check's send-binary and expect binary. */
int acl_hex_decode(const char *s, unsigned char **out, size_t *len,
                   char **err);
/* Compile-checks a regex (PCRE2, as HAProxy). */
int acl_regex_check(const char *re, bool icase, char **err);
/* Loads file patterns for method m (keys only when map): appends to pats
 * when non-NULL. Errors: "failed to open pattern file <f>", "'x' is not
 * a number at line N of file 'f'". */
int acl_pattern_file_load(const char *file, enum acl_match m, bool dotted,
                          bool icase, bool no_dns, bool map, void *pats,
                          char **err);
/* Checks a map file's keys for a map converter of match mname. */
int acl_pattern_file_check(const char *file, const char *mname,
                           size_t mlen, bool map, char **err);

/* Syntax of a condition, from the grammar (grammar.y, START_COND). A
 * condition is an OR of AND-ed terms; a term is a named ACL or an
 * anonymous one { ... } whose words are w[first..last]. */
struct cond_term {
	bool neg;
	int first, last; /* word indexes; first == last for a named ACL */
	bool anon;
	int off;         /* named ACL: its name is w[first].s + off ("!name") */
};
struct cond_ast {
	bool unless;
	VEC(struct cond_term) terms;
	VEC(int) or_starts; /* index in terms where each OR branch starts */
};
/* Parses w[argi..n-1] ("if"/"unless" first). Reports syntax errors. */
int cond_syntax(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi,
                struct cond_ast *ast);
void cond_ast_free(struct cond_ast *ast);

#endif
