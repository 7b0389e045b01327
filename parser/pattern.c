/* ACL and map patterns: parsing per matching method (HAProxy's pat_parse_*
 * of pattern.c) and pattern files. Messages keep HAProxy 2.6's wording,
 * without the final period (callers add context and the period). */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/regex.h"
#include "acl.h"
#include "addr.h"

static const char *const match_names[ACL_M__COUNT] = {
	[ACL_M_FOUND] = "found", [ACL_M_BOOL] = "bool", [ACL_M_INT] = "int",
	[ACL_M_IP] = "ip", [ACL_M_BIN] = "bin", [ACL_M_LEN] = "len",
	[ACL_M_STR] = "str", [ACL_M_SUB] = "sub", [ACL_M_REG] = "reg",
	[ACL_M_BEG] = "beg", [ACL_M_END] = "end", [ACL_M_DIR] = "dir",
	[ACL_M_DOM] = "dom", [ACL_M_METH] = "meth", [ACL_M_AUTH] = "auth",
};

const char *
acl_match_name(enum acl_match m)
{
	return (unsigned)m < ACL_M__COUNT ? match_names[m] : "?";
}

int
acl_match_by_name(const char *name, size_t len)
{
	/* "meth" and "auth" are internal: -m cannot select them */
	for (int i = 0; i < ACL_M_METH; i++)
		if (strlen(match_names[i]) == len &&
		    strncmp(match_names[i], name, len) == 0)
			return i;
	return -1;
}

void
acl_pattern_clear(struct acl_pattern *p)
{
	free(p->str);
	free(p->bin);
	memset(p, 0, sizeof(*p));
}

int
acl_regex_check(const char *re, bool icase, char **err)
{
	struct rx *r = rx_compile(re ? re : "", icase, err);
	if (r == NULL)
		return -1;
	rx_free(r);
	return 0;
}

static bool
all_digits(const char *s, const char *e)
{
	if (s == e)
		return false;
	for (; s < e; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* "maj[.min]" -> (maj << 16) + min, as pat_parse_dotted_ver(). */
static bool
dotted(const char *s, const char *e, long long *out)
{
	const char *dot = memchr(s, '.', (size_t)(e - s));
	long long maj, min = 0;
	if (!dot)
		dot = e;
	if (!all_digits(s, dot))
		return false;
	maj = strtoll(s, NULL, 10);
	if (dot < e) {
		if (!all_digits(dot + 1, e))
			return false;
		min = strtoll(dot + 1, NULL, 10);
	}
	if (maj > 65535 || min > 65535)
		return false;
	*out = (maj << 16) + min;
	return true;
}

static bool
num(bool dot, const char *s, const char *e, long long *out)
{
	if (dot)
		return dotted(s, e, out);
	if (!all_digits(s, e) || e - s > 18)
		return false;
	*out = strtoll(s, NULL, 10);
	return true;
}

static int
parse_range(bool dot, const char *s, struct acl_pattern *p, char **err)
{
	const char *colon = strchr(s, ':'), *end = s + strlen(s);
	if (!colon) {
		if (!num(dot, s, end, &p->min)) {
			*err = xasprintf(dot ? "'%s' is not a dotted number"
			                     : "'%s' is not a number", s);
			return -1;
		}
		p->max = p->min;
		p->has_min = p->has_max = true;
		return 0;
	}
	if (colon > s) {
		if (!num(dot, s, colon, &p->min))
			goto range;
		p->has_min = true;
	}
	if (colon[1]) {
		if (!num(dot, colon + 1, end, &p->max))
			goto range;
		p->has_max = true;
	}
	if ((!p->has_min && !p->has_max) ||
	    (p->has_min && p->has_max && p->min > p->max))
		goto range;
	return 0;
range:
	*err = xasprintf(dot ? "'%s' is not a valid dotted number range"
	                     : "'%s' is not a valid number range", s);
	return -1;
}

/* Host names in IP patterns. HAProxy resolves them only while it starts
 * (pat_parse_ip(): MODE_STARTING), so a pattern added at run time (CLI
 * "add acl", "http-request add-acl") must be an address, and the event
 * loop never waits for a resolver. The addresses found while starting
 * are kept: a set rebuilt at run time (patref_publish()) gets the same
 * ones without a lookup. Written only before the engine runs. */
static VEC(struct ip_name { char *name; struct in_addr a; }) ip_names;
static bool ip_names_frozen;

void
acl_pattern_freeze_names(void)
{
	ip_names_frozen = true;
}

static bool
ip_name_lookup(const char *name, struct in_addr *out)
{
	for (size_t i = 0; i < ip_names.n; i++)
		if (strcmp(ip_names.v[i].name, name) == 0) {
			*out = ip_names.v[i].a;
			return true;
		}
	struct addrinfo *res;
	if (ip_names_frozen || addr_lookup(name, AF_INET, &res) < 0)
		return false;
	*out = ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	struct ip_name n = { xstrdup(name), *out };
	VEC_PUSH(ip_names, n);
	return true;
}

static int
parse_ip(const char *s, bool resolve, struct acl_pattern *p, char **err)
{
	char addr[256];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	long long bits;

	if (al >= sizeof(addr))
		goto bad;
	memcpy(addr, s, al);
	addr[al] = '\0';
	if (!strchr(addr, ':')) {
		/* IPv4: inet_aton() accepts HAProxy's abbreviated forms */
		if (inet_aton(addr, &p->v4) == 0 &&
		    (!resolve || !*addr || !ip_name_lookup(addr, &p->v4)))
			goto bad;
		p->af = AF_INET;
		p->m4.s_addr = 0xffffffffu;
		if (slash) {
			if (strchr(slash + 1, '.')) {
				if (inet_pton(AF_INET, slash + 1, &p->m4) != 1)
					goto bad;
			} else {
				if (!all_digits(slash + 1, slash + 1 + strlen(slash + 1)))
					goto bad;
				bits = strtoll(slash + 1, NULL, 10);
				if (bits > 32)
					goto bad;
				p->m4.s_addr = bits ? htonl(~0u << (32 - bits)) : 0;
			}
		}
		p->v4.s_addr &= p->m4.s_addr;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &p->v6) != 1)
		goto bad;
	p->af = AF_INET6;
	p->plen6 = 128;
	if (slash) {
		if (!all_digits(slash + 1, slash + 1 + strlen(slash + 1)))
			goto bad;
		bits = strtoll(slash + 1, NULL, 10);
		if (bits > 128)
			goto bad;
		p->plen6 = (int)bits;
	}
	return 0;
bad:
	*err = xasprintf("'%s' is not a valid IPv4 or IPv6 address", s);
	return -1;
}

static int
hex_val(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

int
acl_hex_decode(const char *s, unsigned char **out, size_t *len, char **err)
{
	size_t l = strlen(s);
	/* parse_binary() checks the length before the digits */
	if (l % 2) {
		*err = xstrdup("an even number of hex digit is expected");
		return -1;
	}
	for (size_t i = 0; i < l; i++) {
		if (!isxdigit((unsigned char)s[i])) {
			*err = xasprintf("an hex digit is expected (found '%c')", s[i]);
			return -1;
		}
	}
	unsigned char *b = xmalloc(l / 2 + 1);
	for (size_t i = 0; i < l / 2; i++)
		b[i] = (unsigned char)(hex_val(s[2 * i]) << 4 | hex_val(s[2 * i + 1]));
	b[l / 2] = '\0';
	*out = b;
	*len = l / 2;
	return 0;
}

static int
parse_bin(const char *s, struct acl_pattern *p, char **err)
{
	return acl_hex_decode(s, &p->bin, &p->binlen, err);
}

int
acl_pattern_parse(enum acl_match m, bool dot, const char *s, bool icase,
                  bool no_dns, struct acl_pattern *out, char **err)
{
	memset(out, 0, sizeof(*out));
	out->icase = icase;
	int rc = 0;
	switch (m) {
	case ACL_M_INT:
		rc = parse_range(dot, s, out, err);
		break;
	case ACL_M_LEN:
		rc = parse_range(false, s, out, err);
		break;
	case ACL_M_IP:
		rc = parse_ip(s, !no_dns, out, err);
		break;
	case ACL_M_BIN:
		rc = parse_bin(s, out, err);
		break;
	case ACL_M_REG:
		rc = acl_regex_check(s, icase, err);
		break;
	default:
		break;
	}
	if (rc < 0) {
		acl_pattern_clear(out);
		return -1;
	}
	out->str = xstrdup(s);
	out->len = strlen(s);
	return 0;
}

typedef VEC(struct acl_pattern) pat_vec;

int
acl_pattern_file_load(const char *file, enum acl_match m, bool dot,
                      bool icase, bool no_dns, bool map, void *pats,
                      char **err)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	pat_vec *v = pats;

	if (!f) {
		*err = xasprintf("failed to open pattern file <%s>", file);
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		char *c = line, *key;
		lineno++;
		if (!map && *c == '#')
			continue;
		while (*c == ' ' || *c == '\t')
			c++;
		if (map && *c == '#')
			continue;
		key = c;
		if (map)
			while (*c && *c != ' ' && *c != '\t' && *c != '\n' &&
			       *c != '\r')
				c++;
		else
			while (*c && *c != '\n' && *c != '\r')
				c++;
		*c = '\0';
		if (c == key)
			continue;
		struct acl_pattern p;
		char *e = NULL;
		if (acl_pattern_parse(m, dot, key, icase, no_dns, &p, &e) < 0) {
			*err = xasprintf("%s at line %d of file '%s'", e, lineno, file);
			free(e);
			rc = -1;
			break;
		}
		if (v)
			VEC_PUSH(*v, p);
		else
			acl_pattern_clear(&p);
	}
	free(line);
	fclose(f);
	return rc;
}

int
acl_pattern_file_check(const char *file, const char *mname, size_t mlen,
                       bool map, char **err)
{
	int m = acl_match_by_name(mname, mlen);
	if (m < 0 || (mlen == 4 && strncmp(mname, "regm", 4) == 0))
		m = mlen == 4 && strncmp(mname, "regm", 4) == 0 ? ACL_M_REG
		                                               : ACL_M_STR;
	return acl_pattern_file_load(file, (enum acl_match)m, false, false,
	                             false, map, NULL, err);
}
