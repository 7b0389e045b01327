/* Address parsing with HAProxy's str2sa_range() rules and messages. */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "../lib/util.h"

char *
addr_env_expand(const char *in)
{
	struct sbuf b = { 0 };

	sbuf_adds(&b, "");
	while (*in) {
		if (in[0] == '$' && in[1] == '{') {
			const char *end = strchr(in + 2, '}');
			if (end == NULL) {
				/* HAProxy copies an unterminated "${" as is. */
				sbuf_adds(&b, in);
				break;
			}
			char *name = xstrndup(in + 2, (size_t)(end - in - 2));
			const char *v = getenv(name);
			free(name);
			if (v)
				sbuf_adds(&b, v);
			in = end + 1;
		} else if (in[0] == '$' && (isalpha((unsigned char)in[1]) ||
		                            in[1] == '_')) {
			const char *p = in + 1;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			char *name = xstrndup(in + 1, (size_t)(p - in - 1));
			const char *v = getenv(name);
			free(name);
			if (v)
				sbuf_adds(&b, v);
			in = p;
		} else {
			sbuf_addc(&b, *in++);
		}
	}
	return sbuf_take(&b);
}

void
addr_clear(struct cfg_addr *a)
{
	free(a->text);
	free(a->host);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

void
addr_copy(struct cfg_addr *dst, const struct cfg_addr *src)
{
	*dst = *src;
	dst->text = src->text ? xstrdup(src->text) : NULL;
	dst->host = src->host ? xstrdup(src->host) : NULL;
	dst->path = src->path ? xstrdup(src->path) : NULL;
}

/* Parses a decimal fd number for fd@/sockpair@. */
static int
parse_fd(struct cfg_ctx *cx, const struct cfg_word *w, const char *ctx,
         const char *num, struct cfg_addr *a)
{
	char *end;
	long v = strtol(num, &end, 10);

	if (*num == '\0' || *end != '\0' || v < 0 || v > 1000000) {
		cx_error(cx, w, "%sfile descriptor '%s' is not a valid integer in '%s'",
		         ctx, num, w->s);
		return -1;
	}
	a->fd = (int)v;
	return 0;
}

static int
set_unix(struct cfg_ctx *cx, const struct cfg_word *w, const char *ctx,
         const char *path, bool abns, struct cfg_addr *a)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
	size_t len = strlen(path);
	size_t max = sizeof(sun->sun_path) - 1 - (abns ? 1 : 0);

	if (len > max) {
		cx_error(cx, w, "%sunix socket path '%s' too long (max %zu)",
		         ctx, path, max);
		return -1;
	}
	a->kind = abns ? ADDR_ABNS : ADDR_UNIX;
	a->family = AF_UNIX;
	a->path = xstrdup(path);
	sun->sun_family = AF_UNIX;
	/* abstract sockets start with a NUL byte */
	memcpy(sun->sun_path + (abns ? 1 : 0), path, len);
	/* path + its NUL; an abstract name is the whole zero-padded
	 * sun_path, as HAProxy binds and connects it (a shorter length
	 * would be another name, and no haproxy would answer on it) */
	a->sslen = abns ? (socklen_t)sizeof(struct sockaddr_un)
	                : (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	return 0;
}

/* Reads "digits" into *v; returns the first non-digit. */
static const char *
read_port(const char *s, long *v)
{
	*v = 0;
	while (isdigit((unsigned char)*s)) {
		if (*v < 1000000)
			*v = *v * 10 + (*s - '0');
		s++;
	}
	return s;
}

static int
parse_port(struct cfg_ctx *cx, const struct cfg_word *w, const char *ctx,
           unsigned flags, const char *port, struct cfg_addr *a)
{
	long lo, hi;
	const char *p;

	if ((port[0] == '+' || port[0] == '-') && (flags & ADDR_F_PORT_OFFSET)) {
		p = read_port(port + 1, &lo);
		if (*p || p == port + 1) {
			cx_error(cx, w, "%sinvalid character '%c' in port number '%s' in '%s'",
			         ctx, *p ? *p : port[0], port, w->s);
			return -1;
		}
		if (lo > 65535) {
			cx_error(cx, w, "%sinvalid port '%s'", ctx, port);
			return -1;
		}
		a->port_mode = ADDR_PORT_OFFSET;
		a->port_off = port[0] == '-' ? -(int)lo : (int)lo;
		return 0;
	}
	p = read_port(port, &lo);
	if (*p && *p != '-') {
		cx_error(cx, w, "%sinvalid character '%c' in port number '%s' in '%s'",
		         ctx, *p, port, w->s);
		return -1;
	}
	if (p == port) {
		cx_error(cx, w, "%sinvalid port '%s'", ctx, "");
		return -1;
	}
	hi = lo;
	if (*p == '-') {
		if (!(flags & ADDR_F_PORT_RANGE)) {
			cx_error(cx, w, "%sport range not permitted here in '%s'",
			         ctx, w->s);
			return -1;
		}
		const char *q = read_port(p + 1, &hi);
		if (*q) {
			cx_error(cx, w, "%sinvalid character '%c' in port number '%s' in '%s'",
			         ctx, *q, port, w->s);
			return -1;
		}
		if (q == p + 1) {
			cx_error(cx, w, "%sinvalid port '%s'", ctx, "");
			return -1;
		}
	}
	if ((lo == 0 && !(flags & ADDR_F_PORT_ZERO)) || lo > 65535) {
		char *s = xstrndup(port, (size_t)(p - port));
		cx_error(cx, w, "%sinvalid port '%s'", ctx, s);
		free(s);
		return -1;
	}
	if (hi == 0 || hi > 65535) {
		cx_error(cx, w, "%sinvalid port '%s'", ctx, p + 1);
		return -1;
	}
	if (hi < lo) {
		cx_error(cx, w, "%sinvalid port range '%s'", ctx, port);
		return -1;
	}
	a->port_mode = lo == 0 ? ADDR_PORT_NONE : ADDR_PORT_FIXED;
	a->port_lo = (uint16_t)lo;
	a->port_hi = (uint16_t)hi;
	return 0;
}

static void
set_port(struct cfg_addr *a)
{
	uint16_t p = a->port_mode == ADDR_PORT_FIXED ? a->port_lo : 0;

	if (a->family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(p);
	else if (a->family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(p);
}

/* Numeric host (or any) into a->ss; returns false when host is a name. */
static bool
numeric_host(const char *host, int family, struct cfg_addr *a)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	if (*host == '\0' || strcmp(host, "*") == 0) {
		a->any = true;
		if (family == AF_INET6) {
			in6->sin6_family = AF_INET6;
			in6->sin6_addr = in6addr_any;
			a->family = AF_INET6;
			a->sslen = sizeof(*in6);
		} else {
			in4->sin_family = AF_INET;
			in4->sin_addr.s_addr = htonl(INADDR_ANY);
			a->family = AF_INET;
			a->sslen = sizeof(*in4);
		}
		return true;
	}
	if (family != AF_INET6 && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		a->family = AF_INET;
		a->sslen = sizeof(*in4);
		a->any = in4->sin_addr.s_addr == htonl(INADDR_ANY);
		return true;
	}
	if (family != AF_INET && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		a->family = AF_INET6;
		a->sslen = sizeof(*in6);
		a->any = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		return true;
	}
	return false;
}

static bool numeric_only;

void
addr_set_numeric_only(bool on)
{
	numeric_only = on;
}

int
addr_lookup(const char *host, int family, struct addrinfo **res)
{
	struct addrinfo hints = { 0 };
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = numeric_only ? AI_NUMERICHOST : 0;
	*res = NULL;
	int rc = getaddrinfo(host, NULL, &hints, res);
	if (rc != 0 || *res == NULL) {
		if (*res)
			freeaddrinfo(*res);
		*res = NULL;
		return -1;
	}
	return 0;
}

int
addr_resolve(struct cfg_addr *a)
{
	struct addrinfo *res = NULL;
	int ret = -1;

	if (a->host == NULL)
		return 0;
	if (addr_lookup(a->host, a->family, &res) < 0)
		goto out;
	/* libc orders the results by preference (RFC 6724): take the first */
	memset(&a->ss, 0, sizeof(a->ss));
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->sslen = (socklen_t)res->ai_addrlen;
	a->family = res->ai_family;
	set_port(a);
	FREE_NULL(a->host);
	ret = 0;
out:
	if (res)
		freeaddrinfo(res);
	return ret;
}

static const struct {
	const char *pfx;
	int family;
	int dgram; /* -1 keep default, 0 stream, 1 datagram */
	bool log_only;
} inet_prefixes[] = {
	{ "ipv4@", AF_INET, -1, false },
	{ "ipv6@", AF_INET6, -1, false },
	{ "tcp@", AF_UNSPEC, 0, true },
	{ "tcp4@", AF_INET, 0, true },
	{ "tcp6@", AF_INET6, 0, true },
	{ "udp@", AF_UNSPEC, 1, true },
	{ "udp4@", AF_INET, 1, true },
	{ "udp6@", AF_INET6, 1, true },
};

int
addr_parse(struct cfg_ctx *cx, const struct cfg_word *w, const char *ctx,
           unsigned flags, struct cfg_addr *a)
{
	const char *s;
	int family = AF_UNSPEC;
	char *host = NULL;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->text = addr_env_expand(w->s);
	a->stream = !(flags & ADDR_F_DGRAM);
	s = a->text;
	if (*s == '\0') {
		cx_error(cx, w, "%s'%s' resolves to an empty address (environment variable missing?)",
		         ctx, w->s);
		goto out;
	}

	if (flags & ADDR_F_LOG) {
		if (strcmp(s, "stdout") == 0 || strcmp(s, "stderr") == 0) {
			a->kind = s[3] == 'o' ? ADDR_STDOUT : ADDR_STDERR;
			a->fd = a->kind == ADDR_STDOUT ? 1 : 2;
			ret = 0;
			goto out;
		}
		if (strncmp(s, "ring@", 5) == 0) {
			a->kind = ADDR_RING;
			a->path = xstrdup(s + 5);
			ret = 0;
			goto out;
		}
	}
	if (strncmp(s, "fd@", 3) == 0 && (flags & (ADDR_F_FD | ADDR_F_LOG))) {
		a->kind = ADDR_FD;
		ret = parse_fd(cx, w, ctx, s + 3, a);
		goto out;
	}
	if (strncmp(s, "sockpair@", 9) == 0 && (flags & ADDR_F_SOCKPAIR)) {
		a->kind = ADDR_SOCKPAIR;
		ret = parse_fd(cx, w, ctx, s + 9, a);
		goto out;
	}
	if (flags & ADDR_F_UNIX) {
		if (strncmp(s, "unix@", 5) == 0) {
			ret = set_unix(cx, w, ctx, s + 5, false, a);
			goto out;
		}
		if (strncmp(s, "abns@", 5) == 0) {
			ret = set_unix(cx, w, ctx, s + 5, true, a);
			goto out;
		}
		if (*s == '/') {
			ret = set_unix(cx, w, ctx, s, false, a);
			goto out;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(inet_prefixes); i++) {
		size_t l = strlen(inet_prefixes[i].pfx);
		if (strncmp(s, inet_prefixes[i].pfx, l) != 0)
			continue;
		if (inet_prefixes[i].log_only && !(flags & ADDR_F_LOG))
			break;
		family = inet_prefixes[i].family;
		if (inet_prefixes[i].dgram >= 0)
			a->stream = inet_prefixes[i].dgram == 0;
		s += l;
		break;
	}

	a->kind = ADDR_INET;
	const char *port = NULL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':')) {
			cx_error(cx, w, "%sinvalid address: '%s' in '%s'", ctx, s, w->s);
			goto out;
		}
		host = xstrndup(s + 1, (size_t)(rb - s - 1));
		port = rb[1] == ':' ? rb + 2 : NULL;
	} else {
		const char *colon = strrchr(s, ':');
		host = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
		port = colon ? colon + 1 : NULL;
	}
	if (port == NULL || *port == '\0') {
		if (flags & ADDR_F_PORT_MAND) {
			cx_error(cx, w, "%smissing port specification in '%s'", ctx, w->s);
			goto out;
		}
		a->port_mode = ADDR_PORT_NONE;
		if (flags & ADDR_F_LOG) {
			a->port_mode = ADDR_PORT_FIXED;
			a->port_lo = a->port_hi = ADDR_LOG_PORT;
		}
	} else if (parse_port(cx, w, ctx, flags, port, a) < 0) {
		goto out;
	}

	if (!numeric_host(host, family, a)) {
		if (!(flags & ADDR_F_HOST_LATER)) {
			/* bind and log: hostnames are resolved now */
			a->host = xstrdup(host);
			a->family = family;
			if (addr_resolve(a) < 0) {
				cx_error(cx, w, "%sinvalid address: '%s' in '%s'",
				         ctx, host, w->s);
				goto out;
			}
		} else {
			a->host = xstrdup(host);
			a->family = family;
		}
	}
	set_port(a);
	ret = 0;
out:
	free(host);
	return ret;
}

int
addr_parse_list(struct cfg_ctx *cx, const struct cfg_word *w, const char *ctx,
                unsigned flags, struct cfg_addr **out, size_t *nout)
{
	char *all = xstrdup(w->s);
	VEC(struct cfg_addr) v = { 0 };
	int ret = -1;

	/* As HAProxy's str2listener(): split the raw word on commas, then
	 * expand each element. Unix paths may hold commas: not split. */
	bool split = all[0] != '/' && strncmp(all, "unix@", 5) != 0 &&
	             strncmp(all, "abns@", 5) != 0;
	char *p = all;
	for (;;) {
		char *comma = split ? strchr(p, ',') : NULL;
		if (comma)
			*comma = '\0';
		struct cfg_word one = *w;
		struct cfg_addr a;
		one.s = p;
		one.len = strlen(p);
		if (addr_parse(cx, &one, ctx, flags, &a) < 0) {
			addr_clear(&a);
			goto out;
		}
		VEC_PUSH(v, a);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	ret = 0;
out:
	if (ret < 0) {
		for (size_t i = 0; i < v.n; i++)
			addr_clear(&v.v[i]);
		FREE_NULL(v.v);
		v.n = 0;
	}
	*out = v.v;
	*nout = v.n;
	free(all);
	return ret;
}

char *
addr_str(const struct cfg_addr *a)
{
	char buf[INET6_ADDRSTRLEN] = "";

	switch (a->kind) {
	case ADDR_NONE: return xstrdup("");
	case ADDR_UNIX: return xasprintf("unix@%s", a->path);
	case ADDR_ABNS: return xasprintf("abns@%s", a->path);
	case ADDR_FD: return xasprintf("fd@%d", a->fd);
	case ADDR_SOCKPAIR: return xasprintf("sockpair@%d", a->fd);
	case ADDR_STDOUT: return xstrdup("stdout");
	case ADDR_STDERR: return xstrdup("stderr");
	case ADDR_RING: return xasprintf("ring@%s", a->path);
	case ADDR_INET: break;
	}
	const char *h = a->host;
	if (h == NULL) {
		if (a->family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			          buf, sizeof(buf));
		else
			inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr,
			          buf, sizeof(buf));
		h = buf;
	}
	bool br = a->family == AF_INET6 && a->host == NULL;
	switch (a->port_mode) {
	case ADDR_PORT_NONE:
		return xasprintf(br ? "[%s]" : "%s", h);
	case ADDR_PORT_OFFSET:
		return xasprintf(br ? "[%s]:%+d" : "%s:%+d", h, a->port_off);
	case ADDR_PORT_FIXED:
		if (a->port_hi != a->port_lo)
			return xasprintf(br ? "[%s]:%u-%u" : "%s:%u-%u", h,
			                 a->port_lo, a->port_hi);
		return xasprintf(br ? "[%s]:%u" : "%s:%u", h, a->port_lo);
	}
	return xstrdup(h);
}
