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
};

static void
skip_blanks(struct pp *p)
{
	while (isspace((unsigned char)*p->s))
		p->s++;
}

static void
set_err(struct pp *p, const char *fmt, const char *arg)
{
	if (p->err == NULL)
		p->err = xasprintf(fmt, arg);
}

/* Compares dotted versions "2.6.12" (a missing part counts as 0). */
static int
version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		else if (*a)
			break;
		if (*b == '.')
			b++;
		else if (*b)
			break;
	}
	return 0;
}

/* Reads "(a,b,...)" into args (blanks trimmed); returns the count. */
static int
read_args(struct pp *p, char args[][256], int max)
{
	int n = 0;
	skip_blanks(p);
	if (*p->s != '(') {
		set_err(p, "missing '(' in '%s'", p->s);
		return -1;
	}
	p->s++;
	for (;;) {
		skip_blanks(p);
		size_t len = strcspn(p->s, ",)");
		if (p->s[len] == '\0') {
			set_err(p, "missing ')' in '%s'", p->s);
			return -1;
		}
		if (n < max) {
			size_t l = len;
			while (l > 0 && isspace((unsigned char)p->s[l - 1]))
				l--;
			if (l >= 256)
				l = 255;
			memcpy(args[n], p->s, l);
			args[n][l] = '\0';
		}
		n++;
		p->s += len;
		if (*p->s++ == ')')
			break;
	}
	if (n == 1 && args[0][0] == '\0')
		n = 0;
	return n;
}

static int eval_or(struct pp *p);

static int
eval_term(struct pp *p)
{
	char args[4][256];
	skip_blanks(p);
	if (*p->s == '!') {
		p->s++;
		int v = eval_term(p);
		return v < 0 ? v : !v;
	}
	if (*p->s == '(') {
		p->s++;
		int v = eval_or(p);
		skip_blanks(p);
		if (v >= 0 && *p->s != ')') {
			set_err(p, "missing ')' in '%s'", p->s);
			return -1;
		}
		p->s++;
		return v;
	}
	if (isdigit((unsigned char)*p->s) || *p->s == '-') {
		long v = strtol(p->s, (char **)&p->s, 10);
		return v != 0;
	}
	const char *name = p->s;
	while (isalnum((unsigned char)*p->s) || *p->s == '_')
		p->s++;
	size_t nlen = (size_t)(p->s - name);
	char fn[32];
	if (nlen == 0 || nlen >= sizeof(fn)) {
		set_err(p, "unparsable conditional expression '%s'", name);
		return -1;
	}
	memcpy(fn, name, nlen);
	fn[nlen] = '\0';
	int na;
	if (strcmp(fn, "defined") == 0) {
		if ((na = read_args(p, args, 4)) != 1)
			goto bad_args;
		return getenv(args[0]) != NULL;
	}
	if (strcmp(fn, "feature") == 0) {
		if ((na = read_args(p, args, 4)) != 1)
			goto bad_args;
		for (size_t i = 0; i < ARRAY_SIZE(features); i++)
			if (strcmp(features[i], args[0]) == 0)
				return 1;
		return 0;
	}
	if (strcmp(fn, "streq") == 0 || strcmp(fn, "strneq") == 0) {
		if ((na = read_args(p, args, 4)) != 2)
			goto bad_args;
		int eq = strcmp(args[0], args[1]) == 0;
		return fn[3] == 'n' ? !eq : eq;
	}
	if (strcmp(fn, "version_atleast") == 0 || strcmp(fn, "version_before") == 0) {
		if ((na = read_args(p, args, 4)) != 1)
			goto bad_args;
		int c = version_cmp(COMPAT_VERSION, args[0]);
		return fn[8] == 'a' ? c >= 0 : c < 0;
	}
	set_err(p, "unparsable conditional expression '%s'", name);
	return -1;
bad_args:
	set_err(p, "wrong number of arguments for '%s'", fn);
	return -1;
}

static int
eval_and(struct pp *p)
{
	int v = eval_term(p);
	for (;;) {
		skip_blanks(p);
		if (v < 0 || strncmp(p->s, "&&", 2) != 0)
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
		skip_blanks(p);
		if (v < 0 || strncmp(p->s, "||", 2) != 0)
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
	struct pp p = { expr, NULL };
	skip_blanks(&p);
	if (*p.s == '\0')
		return 0;
	int v = eval_or(&p);
	skip_blanks(&p);
	if (v >= 0 && *p.s != '\0') {
		set_err(&p, "unparsable conditional expression '%s'", p.s);
		v = -1;
	}
	if (v < 0) {
		if (p.err == NULL)
			p.err = xstrdup("unparsable conditional expression");
		*err = p.err;
		return -1;
	}
	return v;
}
