/* PROXY protocol v1/v2: see proxyproto.h for the contract. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "proto/proxyproto.h"

static const uint8_t v2sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};
static const char v1sig[6] = "PROXY ";

static size_t
load16(const uint8_t *p)
{
	return ((size_t)p[0] << 8) | p[1];
}

static uint32_t
load32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
store16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
store32(uint8_t *p, uint32_t v)
{
	store16(p, v >> 16);
	store16(p + 2, v & 0xffff);
}

/* Bitwise CRC32C update: headers are short, and this keeps the code
 * table-free. */
static uint32_t
crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return crc;
}

uint32_t
pp_crc32c(const uint8_t *p, size_t n)
{
	return ~crc_update(0xffffffffu, p, n);
}

/* ---- v1 ---------------------------------------------------------------- */

/* Parses a decimal in [0..max] without leading zeros at s[0..n); the whole
 * field must be digits. Returns the value or -1. */
static long
v1_number(const char *s, size_t n, long max)
{
	long v = 0;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Strict dotted quad (spec §2.1): 4 decimals 0..255, no leading zeros. */
static int
v1_ipv4(const char *s, size_t n, struct in_addr *a)
{
	uint8_t b[4];
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		size_t j = i;
		long v;

		while (j < n && s[j] != '.')
			j++;
		if ((k < 3) != (j < n))
			return -1;
		if ((v = v1_number(s + i, j - i, 255)) < 0)
			return -1;
		b[k] = (uint8_t)v;
		i = j + 1;
	}
	memcpy(&a->s_addr, b, 4);
	return 0;
}

static int
v1_ipv6(const char *s, size_t n, struct in6_addr *a)
{
	char tmp[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == ':' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, a) == 1 ? 0 : -1;
}

/* Splits line[0..n) into exactly 4 fields separated by single spaces. */
static int
v1_fields(const char *line, size_t n, const char *f[4], size_t fl[4])
{
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		size_t j = i;

		while (j < n && line[j] != ' ')
			j++;
		if ((k < 3) != (j < n) || j == i)
			return -1;
		f[k] = line + i;
		fl[k] = j - i;
		i = j + 1;
	}
	return 0;
}

static enum pp_result
parse_v1(const uint8_t *buf, size_t len, struct pp_info *out)
{
	const char *line = (const char *)buf + 6, *f[4];
	size_t n, fl[4], lim = len < PP_V1_MAX ? len : PP_V1_MAX, cr;
	long sport, dport;

	/* The line ends at the first CR, which must be followed by LF; a bare
	 * LF or a line over 107 bytes is malformed. */
	for (cr = 6; cr < lim; cr++)
		if (buf[cr] == '\r' || buf[cr] == '\n')
			break;
	if (cr == lim)
		return len >= PP_V1_MAX ? PP_MALFORMED : PP_NEED_MORE;
	if (buf[cr] == '\n' || cr + 1 >= PP_V1_MAX)
		return PP_MALFORMED;
	if (cr + 1 == len)
		return PP_NEED_MORE;
	if (buf[cr + 1] != '\n')
		return PP_MALFORMED;
	n = cr - 6;
	out->version = 1;
	out->consumed = cr + 2;

	/* UNKNOWN: the rest of the line is ignored (spec §2.1) */
	if (n >= 7 && memcmp(line, "UNKNOWN", 7) == 0 && (n == 7 || line[7] == ' ')) {
		out->local = true;
		out->family = AF_UNSPEC;
		return PP_OK;
	}
	if (n < 5 || line[4] != ' ' || v1_fields(line + 5, n - 5, f, fl) < 0)
		return PP_MALFORMED;
	if ((sport = v1_number(f[2], fl[2], 65535)) < 0 ||
	    (dport = v1_number(f[3], fl[3], 65535)) < 0)
		return PP_MALFORMED;
	out->socktype = SOCK_STREAM;
	if (memcmp(line, "TCP4", 4) == 0) {
		struct sockaddr_in *s = (struct sockaddr_in *)&out->src;
		struct sockaddr_in *d = (struct sockaddr_in *)&out->dst;

		if (v1_ipv4(f[0], fl[0], &s->sin_addr) < 0 || v1_ipv4(f[1], fl[1], &d->sin_addr) < 0)
			return PP_MALFORMED;
		s->sin_family = d->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)sport);
		d->sin_port = htons((uint16_t)dport);
		out->family = AF_INET;
	} else if (memcmp(line, "TCP6", 4) == 0) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&out->src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&out->dst;

		if (v1_ipv6(f[0], fl[0], &s->sin6_addr) < 0 || v1_ipv6(f[1], fl[1], &d->sin6_addr) < 0)
			return PP_MALFORMED;
		s->sin6_family = d->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)sport);
		d->sin6_port = htons((uint16_t)dport);
		out->family = AF_INET6;
	} else {
		return PP_MALFORMED;
	}
	return PP_OK;
}

/* ---- v2 ---------------------------------------------------------------- */

int
pp_tlv_next(const uint8_t *buf, struct pp_span area, size_t *pos, uint8_t *type,
    struct pp_span *value)
{
	const uint8_t *p = buf + area.off;
	size_t l;

	if (*pos + 3 > area.len)
		return 0;
	l = load16(p + *pos + 1);
	if (*pos + 3 + l > area.len)
		return 0;
	*type = p[*pos];
	value->off = (uint32_t)(area.off + *pos + 3);
	value->len = (uint32_t)l;
	*pos += 3 + l;
	return 1;
}

/* The SSL TLV: client(1) verify(4) then sub-TLVs filling it exactly. */
static int
v2_ssl(const uint8_t *buf, struct pp_span v, struct pp_info *out)
{
	struct pp_span sub = { v.off + 5, v.len - 5 }, val;
	size_t pos = 0;
	uint8_t t;

	if (v.len < 5)
		return -1;
	out->has_ssl = true;
	out->ssl_client = buf[v.off];
	out->ssl_verify = load32(buf + v.off + 1);
	while (pp_tlv_next(buf, sub, &pos, &t, &val)) {
		switch (t) {
		case PP2_SUBTYPE_SSL_VERSION:
			out->ssl_version = val;
			break;
		case PP2_SUBTYPE_SSL_CN:
			out->ssl_cn = val;
			break;
		case PP2_SUBTYPE_SSL_CIPHER:
			out->ssl_cipher = val;
			break;
		case PP2_SUBTYPE_SSL_SIG_ALG:
			out->ssl_sig_alg = val;
			break;
		case PP2_SUBTYPE_SSL_KEY_ALG:
			out->ssl_key_alg = val;
			break;
		default:
			break;
		}
	}
	return pos == sub.len ? 0 : -1;
}

/* Walks the TLVs of a complete header buf[0..total); they must fill the
 * area exactly (as HAProxy's conn_recv_proxy()). */
static enum pp_result
v2_tlvs(const uint8_t *buf, size_t start, size_t total, struct pp_info *out)
{
	struct pp_span area = { (uint32_t)start, (uint32_t)(total - start) }, v;
	size_t pos = 0;
	uint8_t t;

	out->tlvs = area;
	while (pp_tlv_next(buf, area, &pos, &t, &v)) {
		switch (t) {
		case PP2_TYPE_CRC32C: {
			static const uint8_t zero[4];
			uint32_t crc, want;

			if (v.len != 4)
				return PP_MALFORMED;
			want = load32(buf + v.off);
			/* the CRC of the header with this field zeroed, in
			 * three runs: the buffer is read-only */
			crc = crc_update(0xffffffffu, buf, v.off);
			crc = crc_update(crc, zero, 4);
			crc = crc_update(crc, buf + v.off + 4, total - v.off - 4);
			if (~crc != want)
				return PP_MALFORMED;
			out->has_crc32c = true;
			break;
		}
		case PP2_TYPE_AUTHORITY:
			if (v.len > PP_AUTHORITY_MAX)
				return PP_MALFORMED;
			memcpy(out->authority, buf + v.off, v.len);
			out->authority[v.len] = '\0';
			out->authority_len = v.len;
			out->has_authority = true;
			break;
		case PP2_TYPE_UNIQUE_ID:
			if (v.len > PP_UNIQUE_ID_MAX)
				return PP_MALFORMED;
			memcpy(out->unique_id, buf + v.off, v.len);
			out->unique_id_len = v.len;
			out->has_unique_id = true;
			break;
		case PP2_TYPE_ALPN:
			out->alpn = v;
			break;
		case PP2_TYPE_NETNS:
			out->netns = v;
			break;
		case PP2_TYPE_SSL:
			if (v2_ssl(buf, v, out) < 0)
				return PP_MALFORMED;
			break;
		default:	/* NOOP, custom, experimental: skipped */
			break;
		}
	}
	return pos == area.len ? PP_OK : PP_MALFORMED;
}

static enum pp_result
parse_v2(const uint8_t *buf, size_t len, struct pp_info *out)
{
	size_t total, alen, need;
	unsigned fam, proto;

	if (len < PP_V2_HDR)
		return PP_NEED_MORE;
	if ((buf[12] >> 4) != 2 || (buf[12] & 0x0f) > 1)
		return PP_MALFORMED;
	total = PP_V2_HDR + load16(buf + 14);
	if (len < total)
		return PP_NEED_MORE;
	out->version = 2;
	out->consumed = total;
	alen = total - PP_V2_HDR;
	if ((buf[12] & 0x0f) == 0) {
		/* LOCAL: addresses, family and TLVs ignored (spec, HAProxy) */
		out->local = true;
		out->family = AF_UNSPEC;
		return PP_OK;
	}
	fam = buf[13] >> 4;
	proto = buf[13] & 0x0f;
	if (fam > 3 || proto > 2)
		return PP_MALFORMED;
	if (fam == 0 || proto == 0) {
		/* UNSPEC: the address length is unknown, so are the TLVs */
		out->local = true;
		out->family = AF_UNSPEC;
		return PP_OK;
	}
	out->socktype = proto == 1 ? SOCK_STREAM : SOCK_DGRAM;
	need = fam == 1 ? 12 : fam == 2 ? 36 : 216;
	if (alen < need)
		return PP_MALFORMED;
	if (fam == 1) {
		struct sockaddr_in *s = (struct sockaddr_in *)&out->src;
		struct sockaddr_in *d = (struct sockaddr_in *)&out->dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, buf + 16, 4);
		memcpy(&d->sin_addr, buf + 20, 4);
		memcpy(&s->sin_port, buf + 24, 2);
		memcpy(&d->sin_port, buf + 26, 2);
		out->family = AF_INET;
	} else if (fam == 2) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&out->src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&out->dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, buf + 16, 16);
		memcpy(&d->sin6_addr, buf + 32, 16);
		memcpy(&s->sin6_port, buf + 48, 2);
		memcpy(&d->sin6_port, buf + 50, 2);
		out->family = AF_INET6;
	} else {
		struct sockaddr_un *s = (struct sockaddr_un *)&out->src;
		struct sockaddr_un *d = (struct sockaddr_un *)&out->dst;
		size_t max = sizeof(s->sun_path) < 108 ? sizeof(s->sun_path) : 108;

		/* 108 bytes each, NUL-padded; a path filling them all is
		 * cut to what sun_path holds (the BSDs have 104) */
		s->sun_family = d->sun_family = AF_UNIX;
		memcpy(s->sun_path, buf + 16, max);
		memcpy(d->sun_path, buf + 16 + 108, max);
		s->sun_path[max - 1] = d->sun_path[max - 1] = '\0';
		out->family = AF_UNIX;
	}
	return v2_tlvs(buf, PP_V2_HDR + need, total, out);
}

enum pp_result
pp_parse(const uint8_t *buf, size_t len, struct pp_info *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return PP_NEED_MORE;
	n = len < sizeof(v1sig) ? len : sizeof(v1sig);
	if (memcmp(buf, v1sig, n) == 0)
		return len < sizeof(v1sig) ? PP_NEED_MORE : parse_v1(buf, len, out);
	n = len < sizeof(v2sig) ? len : sizeof(v2sig);
	if (memcmp(buf, v2sig, n) == 0)
		return len < sizeof(v2sig) ? PP_NEED_MORE : parse_v2(buf, len, out);
	return PP_NOT_PROXY;
}

size_t
pp_v2_total(const uint8_t *buf, size_t len)
{
	if (len < PP_V2_HDR || memcmp(buf, v2sig, sizeof(v2sig)) != 0)
		return 0;
	return PP_V2_HDR + (((size_t)buf[14] << 8) | buf[15]);
}

const char *
pp_result_name(enum pp_result r)
{
	switch (r) {
	case PP_NEED_MORE:
		return "NEED_MORE";
	case PP_OK:
		return "OK";
	case PP_NOT_PROXY:
		return "NOT_PROXY";
	case PP_MALFORMED:
		return "MALFORMED";
	}
	return "?";
}

/* ---- builders ---------------------------------------------------------- */

/* Both addresses as IPv6 (IPv4 mapped) when the families differ, as
 * HAProxy >= 2.2 does. Returns 4, 6, or 0 (no IP pair). */
static int
ip_pair(const struct sockaddr *src, const struct sockaddr *dst, struct in6_addr a[2],
    uint16_t port[2])
{
	const struct sockaddr *sa[2] = { src, dst };
	int v4 = 0;

	for (int i = 0; i < 2; i++) {
		if (sa[i] == NULL)
			return 0;
		if (sa[i]->sa_family == AF_INET) {
			const struct sockaddr_in *s = (const struct sockaddr_in *)sa[i];

			memset(&a[i], 0, sizeof(a[i]));
			a[i].s6_addr[10] = a[i].s6_addr[11] = 0xff;
			memcpy(&a[i].s6_addr[12], &s->sin_addr, 4);
			port[i] = ntohs(s->sin_port);
			v4++;
		} else if (sa[i]->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa[i];

			a[i] = s->sin6_addr;
			port[i] = ntohs(s->sin6_port);
		} else {
			return 0;
		}
	}
	return v4 == 2 ? 4 : 6;
}

int
pp_build_v1(char *buf, size_t size, const struct sockaddr *src, const struct sockaddr *dst)
{
	char line[PP_V1_MAX + 1], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	struct in6_addr a[2];
	uint16_t port[2];
	int kind = ip_pair(src, dst, a, port), n;

	if (kind == 4) {
		inet_ntop(AF_INET, &a[0].s6_addr[12], s, sizeof(s));
		inet_ntop(AF_INET, &a[1].s6_addr[12], d, sizeof(d));
	} else if (kind == 6) {
		inet_ntop(AF_INET6, &a[0], s, sizeof(s));
		inet_ntop(AF_INET6, &a[1], d, sizeof(d));
	}
	if (kind)
		n = snprintf(line, sizeof(line), "PROXY TCP%d %s %s %u %u\r\n", kind, s, d,
		    (unsigned)port[0], (unsigned)port[1]);
	else
		n = snprintf(line, sizeof(line), "PROXY UNKNOWN\r\n");
	if (n < 0 || (size_t)n >= sizeof(line) || (size_t)n > size)
		return -1;
	memcpy(buf, line, (size_t)n);
	return n;
}

/* Appends one TLV at buf[*at]; -1 when it does not fit. */
static int
put_tlv(uint8_t *buf, size_t size, size_t *at, uint8_t type, const void *v, size_t l)
{
	if (l > 0xffff || size - *at < 3 + l)
		return -1;
	buf[*at] = type;
	store16(buf + *at + 1, l);
	if (l)
		memcpy(buf + *at + 3, v, l);
	*at += 3 + l;
	return 0;
}

static int
put_str(uint8_t *buf, size_t size, size_t *at, uint8_t type, const char *s)
{
	return s ? put_tlv(buf, size, at, type, s, strlen(s)) : 0;
}

/* The SSL TLV and its sub-TLVs, in HAProxy's order. */
static int
put_ssl(uint8_t *buf, size_t size, size_t *at, const struct pp_tlvs *t)
{
	size_t start = *at;

	if (size - *at < 8)
		return -1;
	buf[*at] = PP2_TYPE_SSL;
	buf[*at + 3] = t->ssl_client;
	store32(buf + *at + 4, t->ssl_verify);
	*at += 8;
	if (put_str(buf, size, at, PP2_SUBTYPE_SSL_VERSION, t->ssl_version) < 0 ||
	    put_str(buf, size, at, PP2_SUBTYPE_SSL_CN, t->ssl_cn) < 0 ||
	    put_str(buf, size, at, PP2_SUBTYPE_SSL_KEY_ALG, t->ssl_key_alg) < 0 ||
	    put_str(buf, size, at, PP2_SUBTYPE_SSL_SIG_ALG, t->ssl_sig_alg) < 0 ||
	    put_str(buf, size, at, PP2_SUBTYPE_SSL_CIPHER, t->ssl_cipher) < 0 ||
	    *at - start - 3 > 0xffff)
		return -1;
	store16(buf + start + 1, *at - start - 3);
	return 0;
}

int
pp_build_v2(uint8_t *buf, size_t size, const struct sockaddr *src, const struct sockaddr *dst,
    const struct pp_tlvs *t)
{
	struct in6_addr a[2];
	uint16_t port[2];
	int kind = ip_pair(src, dst, a, port);
	size_t at = PP_V2_HDR, crc_at = 0;

	if (size < PP_V2_HDR)
		return -1;
	memcpy(buf, v2sig, sizeof(v2sig));
	if (kind == 4) {
		if (size < PP_V2_HDR + 12)
			return -1;
		buf[12] = 0x21;
		buf[13] = 0x11;
		memcpy(buf + 16, &a[0].s6_addr[12], 4);
		memcpy(buf + 20, &a[1].s6_addr[12], 4);
		store16(buf + 24, port[0]);
		store16(buf + 26, port[1]);
		at += 12;
	} else if (kind == 6) {
		if (size < PP_V2_HDR + 36)
			return -1;
		buf[12] = 0x21;
		buf[13] = 0x21;
		memcpy(buf + 16, &a[0], 16);
		memcpy(buf + 32, &a[1], 16);
		store16(buf + 48, port[0]);
		store16(buf + 50, port[1]);
		at += 36;
	} else {
		buf[12] = 0x20;
		buf[13] = 0x00;
	}
	if (t) {
		static const uint8_t zero[4];

		if (t->authority && strlen(t->authority) > PP_AUTHORITY_MAX)
			return -1;
		if (t->unique_id_len > PP_UNIQUE_ID_MAX)
			return -1;
		crc_at = at + 3;
		if ((t->crc32c && put_tlv(buf, size, &at, PP2_TYPE_CRC32C, zero, 4) < 0) ||
		    put_str(buf, size, &at, PP2_TYPE_ALPN, t->alpn) < 0 ||
		    put_str(buf, size, &at, PP2_TYPE_AUTHORITY, t->authority) < 0 ||
		    (t->unique_id && put_tlv(buf, size, &at, PP2_TYPE_UNIQUE_ID, t->unique_id,
			t->unique_id_len) < 0) ||
		    (t->ssl && put_ssl(buf, size, &at, t) < 0) ||
		    put_str(buf, size, &at, PP2_TYPE_NETNS, t->netns) < 0)
			return -1;
	}
	if (at - PP_V2_HDR > 0xffff)
		return -1;
	store16(buf + 14, at - PP_V2_HDR);
	if (t && t->crc32c)
		store32(buf + crc_at, pp_crc32c(buf, at));
	return (int)at;
}

int
pp_build_v2_local(uint8_t *buf, size_t size)
{
	return pp_build_v2(buf, size, NULL, NULL, NULL);
}
