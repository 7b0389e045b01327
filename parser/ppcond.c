/* Evaluation of ".if" conditions (reference §1.4): integers, predicates
 * defined() feature() streq() strneq() version_atleast() version_before(),
 * "!", "&&" (tighter), "||" and parentheses. */
#include "cfgparse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

/* The HAProxy version whose behaviour we follow: configs gate features on
 * it with version_atleast(). */
#define COMPAT_VERSION "2.6.12"

/* Deeper "!" or "(" nesting is refused rather than recursed into. */
#define PP_MAX_DEPTH 64

/* Features as HAProxy's -vv lists them; configs test these. */
static const char *const features[] = {
	"OPENSSL", "PROMEX", "LINUX_SPLICE", "THREAD", "TPROXY", "CRYPT_H",
	"GETADDRINFO", "ZLIB", "SLZ", "PCRE2", "LIBCRYPT", "ACCEPT4", "EPOLL",
	"POLL", "RT", "NETFILTER", "CPU_AFFINITY", "DL", "PRCTL",
	"THREAD_DUMP", "SYSTEMD", "NS", "TFO",
};

struct pp {
	const char *s;
	char *err;
	int depth;
};

/* A predicate argument: a slice of the expression, blanks trimmed. */
struct pp_arg {
	const char *s;
	size_t len;
};

static void
skip_blanks(struct pp *p)
{
	while (isspace((unsigned char)*p->s))
		p->s++;
}

static int
fail(struct pp *p, const char *fmt, const char *arg)
{
	if (p->err == NULL)
		p->err = xasprintf(fmt, arg);
	return -1;
}

static bool
arg_is(const struct pp_arg *a, const char *s)
{
	return strlen(s) == a->len && memcmp(a->s, s, a->len) == 0;
}

/* Compares dotted versions "2.6.12" (a missing part counts as 0). */
static int
version_cmp(const char *a, const struct pp_arg *bv)
{
	char *bs = xstrndup(bv->s, bv->len);
	const char *b = bs;
	int r = 0;
	while ((*a || *b) && r == 0) {
		char *ea, *eb;
		long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
		a = ea;
		b = eb;
		if (x != y)
			r = x < y ? -1 : 1;
		else if ((*a && *a != '.') || (*b && *b != '.'))
			break;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	free(bs);
	return r;
}

/* Reads "(a,b,...)" into args; returns the count (up to max are kept). */
static int
read_args(struct pp *p, struct pp_arg *args, int max)
{
	int n = 0;
	skip_blanks(p);
	if (*p->s != '(')
		return fail(p, "missing '(' in '%s'", p->s);
	p->s++;
	for (;;) {
		skip_blanks(p);
		size_t len = strcspn(p->s, ",)");
		if (p->s[len] == '\0')
			return fail(p, "missing ')' in '%s'", p->s);
		size_t l = len;
		while (l > 0 && isspace((unsigned char)p->s[l - 1]))
			l--;
		if (n < max) {
			args[n].s = p->s;
			args[n].len = l;
		}
		n++;
		p->s += len;
		if (*p->s++ == ')')
			break;
	}
	if (n == 1 && args[0].len == 0)
		n = 0;
	return n;
}

static int eval_or(struct pp *p);

static int
eval_predicate(struct pp *p)
{
	struct pp_arg args[2];
	const char *name = p->s;
	while (isalnum((unsigned char)*p->s) || *p->s == '_')
		p->s++;
	size_t nlen = (size_t)(p->s - name);
	char fn[32];
	if (nlen == 0 || nlen >= sizeof(fn))
		return fail(p, "unparsable conditional expression '%s'", name);
	memcpy(fn, name, nlen);
	fn[nlen] = '\0';

	int want = strcmp(fn, "streq") == 0 || strcmp(fn, "strneq") == 0 ? 2 : 1;
	if (strcmp(fn, "defined") && strcmp(fn, "feature") && want == 1 &&
	    strcmp(fn, "version_atleast") && strcmp(fn, "version_before"))
		return fail(p, "unparsable conditional expression '%s'", name);
	int na = read_args(p, args, 2);
	if (na < 0)
		return -1;
	if (na != want)
		return fail(p, "wrong number of arguments for '%s'", fn);

	if (strcmp(fn, "defined") == 0) {
		char *v = xstrndup(args[0].s, args[0].len);
		int r = getenv(v) != NULL;
		free(v);
		return r;
	}
	if (strcmp(fn, "feature") == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(features); i++)
			if (arg_is(&args[0], features[i]))
				return 1;
		return 0;
	}
	if (want == 2) {
		int eq = args[0].len == args[1].len &&
		         memcmp(args[0].s, args[1].s, args[0].len) == 0;
		return fn[3] == 'n' ? !eq : eq;
	}
	int c = version_cmp(COMPAT_VERSION, &args[0]);
	return fn[8] == 'a' ? c >= 0 : c < 0;
}

static int
eval_term(struct pp *p)
{
	bool neg = false;
	skip_blanks(p);
	/* a run of "!" toggles; a loop, not a recursion */
	while (*p->s == '!') {
		neg = !neg;
		p->s++;
		skip_blanks(p);
	}
	int v;
	if (*p->s == '(') {
		if (++p->depth > PP_MAX_DEPTH)
			return fail(p, "too deeply nested expression at '%s'", p->s);
		p->s++;
		v = eval_or(p);
		p->depth--;
		if (v < 0)
			return v;
		skip_blanks(p);
		if (*p->s != ')')
			return fail(p, "missing ')' in '%s'", p->s);
		p->s++;
	} else if (isdigit((unsigned char)*p->s) || *p->s == '-') {
		char *end;
		v = strtol(p->s, &end, 10) != 0;
		p->s = end;
	} else {
		v = eval_predicate(p);
		if (v < 0)
			return v;
	}
	return neg ? !v : v;
}

static int
eval_and(struct pp *p)
{
	int v = eval_term(p);
	for (;;) {
		if (v < 0)
			return v;
		skip_blanks(p);
		if (strncmp(p->s, "&&", 2) != 0)
			return v;
		p->s += 2;
		int r = eval_term(p);
		if (r < 0)
			return r;
		v = v && r;
	}
}

static int
eval_or(struct pp *p)
{
	int v = eval_and(p);
	for (;;) {
		if (v < 0)
			return v;
		skip_blanks(p);
		if (strncmp(p->s, "||", 2) != 0)
			return v;
		p->s += 2;
		int r = eval_and(p);
		if (r < 0)
			return r;
		v = v || r;
	}
}

int
pp_eval(const char *expr, char **err)
{
	struct pp p = { expr, NULL, 0 };
	skip_blanks(&p);
	if (*p.s == '\0')
		return 0;
	int v = eval_or(&p);
	if (v >= 0) {
		skip_blanks(&p);
		if (*p.s != '\0')
			v = fail(&p, "unparsable conditional expression '%s'", p.s);
	}
	if (v < 0) {
		if (p.err == NULL)
			p.err = xstrdup("unparsable conditional expression");
		*err = p.err;
		return -1;
	}
	return v;
}
