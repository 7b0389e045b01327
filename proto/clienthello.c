/* TLS ClientHello parser: see clienthello.h for the contract.
 *
 * Two passes over the caller's buffer, no copy of the message:
 *  1. walk the record headers until the handshake message announced by its
 *     4-byte header is complete (or something is wrong);
 *  2. parse the message through a cursor that steps over the record
 *     headers, so a hello fragmented over many records reads as one.
 * Pass 2 only runs on a complete message, which is what makes every prefix
 * of a valid hello answer CH_NEED_MORE. */
#include <string.h>

#include "proto/clienthello.h"

#define REC_HANDSHAKE	22
#define HS_CLIENT_HELLO	1
/* legacy_version + random + session id length + cipher suites length + one
 * suite + compression length + one method */
#define HELLO_MIN_BODY	(2 + 32 + 1 + 2 + 2 + 1 + 1)

#define EXT_SERVER_NAME		0
#define EXT_SUPPORTED_GROUPS	10
#define EXT_ALPN		16
#define EXT_SESSION_TICKET	35
#define EXT_PRE_SHARED_KEY	41
#define EXT_EARLY_DATA		42
#define EXT_SUPPORTED_VERSIONS	43
#define EXT_KEY_SHARE		51
#define EXT_ECH			0xfe0d

static size_t
load16(const uint8_t *p)
{
	return ((size_t)p[0] << 8) | p[1];
}

/* Checks the n (<= 5) bytes present of a record header. The first record
 * decides whether the stream is TLS at all; later ones must be handshake
 * records too (RFC 8446 §5.1: no interleaving). */
static enum ch_result
rec_check(const uint8_t *p, size_t n, int first)
{
	enum ch_result bad = first ? CH_NOT_TLS : CH_MALFORMED;
	size_t rl;

	if (n >= 1 && p[0] != REC_HANDSHAKE)
		return bad;
	if (n >= 2 && p[1] != 3)
		return bad;
	if (n < 5)
		return CH_OK;
	rl = load16(p + 3);
	if (rl == 0)		/* §5.1: no zero-length handshake fragments */
		return CH_MALFORMED;
	if (rl > CH_MAX_RECORD)
		return CH_TOO_LARGE;
	return CH_OK;
}

/* Pass 1: finds the records holding the handshake message. On CH_OK sets
 * out->hello_len, consumed and nrecords. A record may not carry bytes past
 * the hello: nothing else may follow it before the server answers. */
static enum ch_result
scan_records(const uint8_t *buf, size_t len, struct ch_info *out)
{
	uint8_t hdr[4];
	size_t pos = 0, logical = 0, need = 0;
	int nrec = 0;

	for (;;) {
		size_t avail = len - pos, rl, got, i;
		enum ch_result r;

		r = rec_check(buf + pos, avail < 5 ? avail : 5, nrec == 0);
		if (r != CH_OK)
			return r;
		if (nrec == 0 && avail >= 3)
			out->record_version = (uint16_t)load16(buf + 1);
		if (avail < 5)
			return CH_NEED_MORE;
		rl = load16(buf + pos + 3);
		got = avail - 5 < rl ? avail - 5 : rl;
		for (i = 0; logical + i < 4 && i < got; i++)
			hdr[logical + i] = buf[pos + 5 + i];
		if (logical + got >= 1 && out->hs_type < 0) {
			out->hs_type = hdr[0];
			if (hdr[0] != HS_CLIENT_HELLO)
				return CH_MALFORMED;
		}
		if (logical + got >= 4 && need == 0) {
			size_t body = ((size_t)hdr[1] << 16) | load16(hdr + 2);
			if (body > CH_MAX_HELLO)
				return CH_TOO_LARGE;
			if (body < HELLO_MIN_BODY)
				return CH_MALFORMED;
			need = 4 + body;
		}
		if (need && logical + rl > need)
			return CH_MALFORMED;
		if (got < rl)
			return CH_NEED_MORE;
		logical += rl;
		pos += 5 + rl;
		nrec++;
		if (need && logical == need) {
			out->hello_len = need;
			out->consumed = pos;
			out->nrecords = nrec;
			return CH_OK;
		}
	}
}

/* Pass 2 cursor over the message bytes, stepping over record headers that
 * pass 1 validated (non-empty records, all inside the buffer). Callers check
 * rd_left() before every read, so reads stay inside the message. */
struct rd {
	const uint8_t *buf;
	size_t pos;	/* buffer offset of the next message byte */
	size_t rend;	/* buffer offset where the current record ends */
	size_t off;	/* offset in the handshake message */
	size_t end;	/* message length */
};

static size_t
rd_left(const struct rd *r)
{
	return r->end - r->off;
}

static void
rd_step(struct rd *r)
{
	if (r->pos == r->rend) {
		r->pos += 5;
		r->rend = r->pos + load16(r->buf + r->pos - 2);
	}
}

static unsigned
rd_u8(struct rd *r)
{
	rd_step(r);
	r->off++;
	return r->buf[r->pos++];
}

static unsigned
rd_u16(struct rd *r)
{
	unsigned v = rd_u8(r) << 8;
	return v | rd_u8(r);
}

/* Copies n bytes to dst (NULL: skips them). */
static void
rd_copy(struct rd *r, uint8_t *dst, size_t n)
{
	while (n > 0) {
		size_t k;

		rd_step(r);
		k = r->rend - r->pos < n ? r->rend - r->pos : n;
		if (dst) {
			memcpy(dst, r->buf + r->pos, k);
			dst += k;
		}
		r->pos += k;
		r->off += k;
		n -= k;
	}
}

/* Each extension parser gets the cursor at the start of the extension's
 * data (l bytes, already known to be present) and returns 0 or -1
 * (malformed); the caller skips whatever the parser did not read. */

/* RFC 6066 §3: ServerNameList server_name_list<1..2^16-1>, HostName
 * <1..2^16-1>, at most one name per type. Names longer than 255 bytes are
 * no DNS names (RFC 1035), so they are rejected rather than truncated. */
static int
ext_sni(struct rd *r, size_t l, struct ch_info *out)
{
	size_t end = r->off + l;

	if (l < 2 || rd_u16(r) != l - 2 || l == 2)
		return -1;
	while (r->off < end) {
		unsigned type;
		size_t nl;

		if (end - r->off < 3)
			return -1;
		type = rd_u8(r);
		nl = rd_u16(r);
		if (nl == 0 || nl > end - r->off)
			return -1;
		if (type != 0) {
			rd_copy(r, NULL, nl);
			continue;
		}
		if (out->has_sni || nl > sizeof(out->sni) - 1)
			return -1;
		rd_copy(r, (uint8_t *)out->sni, nl);
		out->sni[nl] = '\0';
		out->sni_len = nl;
		out->has_sni = true;
	}
	return 0;
}

/* RFC 7301 §3.1: ProtocolNameList protocol_name_list<2..2^16-1>,
 * ProtocolName<1..2^8-1>. */
static int
ext_alpn(struct rd *r, size_t l, struct ch_info *out)
{
	size_t end = r->off + l, used = 0;

	if (l < 2 || rd_u16(r) != l - 2 || l == 2)
		return -1;
	out->has_alpn = true;
	while (r->off < end) {
		size_t pl = rd_u8(r);

		if (pl == 0 || pl > end - r->off)
			return -1;
		if (out->nalpn == CH_MAX_ALPN) {
			out->alpn_truncated = true;
			rd_copy(r, NULL, pl);
			continue;
		}
		out->alpn_off[out->nalpn] = (uint16_t)used;
		out->alpn_len[out->nalpn] = (uint8_t)pl;
		rd_copy(r, out->alpn_buf + used, pl);
		used += pl;
		out->nalpn++;
	}
	return 0;
}

/* RFC 8446 §4.2.1: ProtocolVersion versions<2..254>. */
static int
ext_versions(struct rd *r, size_t l, struct ch_info *out)
{
	size_t n;

	if (l < 1 || (n = rd_u8(r)) != l - 1 || n < 2 || n % 2)
		return -1;
	out->has_versions = true;
	for (; n > 0; n -= 2) {
		unsigned v = rd_u16(r);
		if (out->nversions < CH_MAX_VERSIONS)
			out->versions[out->nversions++] = (uint16_t)v;
	}
	return 0;
}

/* RFC 8446 §4.2.7: NamedGroup named_group_list<2..2^16-1>. */
static int
ext_groups(struct rd *r, size_t l, struct ch_info *out)
{
	size_t n;

	if (l < 2 || (n = rd_u16(r)) != l - 2 || n < 2 || n % 2)
		return -1;
	out->has_ec_ext = true;
	return 0;
}

/* RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>, each
 * key_exchange<1..2^16-1>. */
static int
ext_key_share(struct rd *r, size_t l, struct ch_info *out)
{
	size_t end = r->off + l;

	if (l < 2 || rd_u16(r) != l - 2)
		return -1;
	while (r->off < end) {
		unsigned group;
		size_t kl;

		if (end - r->off < 4)
			return -1;
		group = rd_u16(r);
		kl = rd_u16(r);
		if (kl == 0 || kl > end - r->off)
			return -1;
		if (out->nkey_shares < CH_MAX_SHARES)
			out->key_shares[out->nkey_shares++] = (uint16_t)group;
		rd_copy(r, NULL, kl);
	}
	return 0;
}

/* Pass 2: the message is complete in the records that pass 1 found. */
static enum ch_result
parse_hello(const uint8_t *buf, struct ch_info *out)
{
	/* one bit per extension type, for RFC 8446 §4.2's "no duplicates" */
	uint8_t seen[65536 / 8];
	struct rd r = { buf, 5, 5 + load16(buf + 3), 0, out->hello_len };
	size_t n;
	int psk_seen = 0;

	rd_copy(&r, NULL, 4);	/* handshake header, checked by pass 1 */
	out->hello_version = (uint16_t)rd_u16(&r);
	if ((out->hello_version >> 8) != 3)
		return CH_MALFORMED;
	rd_copy(&r, NULL, 32);	/* random */
	n = rd_u8(&r);		/* legacy_session_id<0..32> */
	if (n > 32 || rd_left(&r) < n)
		return CH_MALFORMED;
	rd_copy(&r, NULL, n);
	if (rd_left(&r) < 2)
		return CH_MALFORMED;
	n = rd_u16(&r);		/* cipher_suites<2..2^16-2> */
	if (n < 2 || n % 2 || rd_left(&r) < n)
		return CH_MALFORMED;
	out->ncipher_suites = (int)(n / 2);
	rd_copy(&r, NULL, n);
	if (rd_left(&r) < 1)
		return CH_MALFORMED;
	n = rd_u8(&r);		/* legacy_compression_methods<1..2^8-1> */
	if (n < 1 || rd_left(&r) < n)
		return CH_MALFORMED;
	rd_copy(&r, NULL, n);
	if (rd_left(&r) == 0)	/* no extensions: a valid TLS 1.0-1.2 hello */
		return CH_OK;
	if (rd_left(&r) < 2)
		return CH_MALFORMED;
	n = rd_u16(&r);		/* extensions<8..2^16-1>: the rest, exactly */
	if (n != rd_left(&r))
		return CH_MALFORMED;

	memset(seen, 0, sizeof(seen));
	while (rd_left(&r) > 0) {
		unsigned type;
		size_t l, start;
		int rc = 0;

		if (rd_left(&r) < 4)
			return CH_MALFORMED;
		type = rd_u16(&r);
		l = rd_u16(&r);
		if (l > rd_left(&r) || (seen[type / 8] & (1u << (type % 8))))
			return CH_MALFORMED;
		/* §4.2.11: pre_shared_key MUST be the last extension */
		if (psk_seen)
			return CH_MALFORMED;
		seen[type / 8] |= (uint8_t)(1u << (type % 8));
		out->nextensions++;
		start = r.off;
		switch (type) {
		case EXT_SERVER_NAME:
			rc = ext_sni(&r, l, out);
			break;
		case EXT_ALPN:
			rc = ext_alpn(&r, l, out);
			break;
		case EXT_SUPPORTED_VERSIONS:
			rc = ext_versions(&r, l, out);
			break;
		case EXT_SUPPORTED_GROUPS:
			rc = ext_groups(&r, l, out);
			break;
		case EXT_KEY_SHARE:
			rc = ext_key_share(&r, l, out);
			break;
		case EXT_EARLY_DATA:	/* §4.2.10: empty in a ClientHello */
			rc = l == 0 ? 0 : -1;
			out->has_early_data = true;
			break;
		case EXT_SESSION_TICKET:
			out->session_ticket = l ? 2 : 1;
			break;
		case EXT_ECH:
			out->has_ech = true;
			break;
		case EXT_PRE_SHARED_KEY:
			psk_seen = 1;
			break;
		default:
			break;
		}
		/* a parser that read past its extension's data failed its own
		 * length checks; those reads stayed inside the message */
		if (rc < 0 || r.off - start > l)
			return CH_MALFORMED;
		rd_copy(&r, NULL, l - (r.off - start));
	}
	return CH_OK;
}

/* SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2, 2-byte header),
 * with the checks of HAProxy's req.ssl_ver. */
static enum ch_result
parse_sslv2(const uint8_t *buf, size_t len, struct ch_info *out)
{
	size_t rlen, cilen, silen, chlen;

	if (len < 3)
		return CH_NEED_MORE;
	if (buf[2] != HS_CLIENT_HELLO)
		return CH_NOT_TLS;
	out->hs_type = HS_CLIENT_HELLO;
	if (len < 11)
		return CH_NEED_MORE;
	rlen = ((size_t)(buf[0] & 0x7f) << 8) | buf[1];
	cilen = load16(buf + 5);
	silen = load16(buf + 7);
	chlen = load16(buf + 9);
	if (cilen == 0 || cilen % 3 || (silen && silen != 16) || chlen < 16 || chlen > 32 ||
	    rlen != 9 + cilen + silen + chlen)
		return CH_MALFORMED;
	if (len < 2 + rlen)
		return CH_NEED_MORE;
	out->sslv2 = true;
	out->hello_version = (uint16_t)load16(buf + 3);
	out->ncipher_suites = (int)(cilen / 3);
	out->hello_len = rlen;
	out->consumed = 2 + rlen;
	return CH_OK;
}

enum ch_result
ch_parse(const uint8_t *buf, size_t len, struct ch_info *out)
{
	enum ch_result r;

	memset(out, 0, sizeof(*out));
	out->hs_type = -1;
	if (len == 0)
		return CH_NEED_MORE;
	if (buf[0] & 0x80)
		return parse_sslv2(buf, len, out);
	r = scan_records(buf, len, out);
	if (r != CH_OK)
		return r;
	r = parse_hello(buf, out);
	if (r != CH_OK) {
		/* keep only what the header says, as documented */
		uint16_t rv = out->record_version;
		memset(out, 0, sizeof(*out));
		out->record_version = rv;
		out->hs_type = HS_CLIENT_HELLO;
	}
	return r;
}

const char *
ch_result_name(enum ch_result r)
{
	switch (r) {
	case CH_NEED_MORE:
		return "NEED_MORE";
	case CH_OK:
		return "OK";
	case CH_NOT_TLS:
		return "NOT_TLS";
	case CH_MALFORMED:
		return "MALFORMED";
	case CH_TOO_LARGE:
		return "TOO_LARGE";
	}
	return "?";
}

bool
ch_has_alpn(const struct ch_info *ci, const char *p, size_t len)
{
	for (int i = 0; i < ci->nalpn; i++)
		if (ci->alpn_len[i] == len && memcmp(ci->alpn_buf + ci->alpn_off[i], p, len) == 0)
			return true;
	return false;
}
