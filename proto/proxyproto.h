/* proto/proxyproto: PROXY protocol v1 (text) and v2 (binary) headers, as
 * in HAProxy's doc/proxy-protocol.txt: a parser for accept-proxy and
 * builders for send-proxy / send-proxy-v2 / check-send-proxy.
 *
 * Pure functions: no I/O, no allocation. The parser is incremental: the
 * caller passes the whole buffered prefix of the connection each time bytes
 * arrive; every prefix of a valid header answers PP_NEED_MORE, and a header
 * is never read past len nor past the length it announces.
 *
 * Where HAProxy 2.6.12 (observed with accept-proxy) and the spec differ:
 *  - v1: HAProxy takes "01.2.3.4", "1.2.3" (as 1.2.3.0), ports "080" and
 *    65536; the spec forbids them and so do we (MALFORMED).
 *  - v1: HAProxy rejects "PROXY UNKNOWN <anything>\r\n"; the spec says the
 *    receiver must ignore what follows UNKNOWN, and we do.
 *  - v2 PROXY command: HAProxy only takes TCP over IPv4/IPv6 (0x11, 0x21)
 *    and drops UNSPEC, UDP and UNIX; we parse them all (family, socktype,
 *    local) and leave the choice to the caller.
 *  - v2 SSL TLV: HAProxy 2.6 never looks inside; we reject one whose
 *    sub-TLVs overrun it.
 * Port 0 is taken by both. */
#ifndef SLUICE_PROTO_PROXYPROTO_H
#define SLUICE_PROTO_PROXYPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PP_V1_MAX		107	/* longest v1 line, CRLF included */
#define PP_V2_HDR		16	/* signature, ver/cmd, fam, length */
#define PP_AUTHORITY_MAX	255	/* HAProxy rejects longer (PP2_AUTHORITY_MAX) */
#define PP_UNIQUE_ID_MAX	128	/* HAProxy rejects longer (UNIQUEID_LEN) */

/* v2 TLV types and SSL sub-types (spec §2.2) */
#define PP2_TYPE_ALPN		0x01
#define PP2_TYPE_AUTHORITY	0x02
#define PP2_TYPE_CRC32C		0x03
#define PP2_TYPE_NOOP		0x04
#define PP2_TYPE_UNIQUE_ID	0x05
#define PP2_TYPE_SSL		0x20
#define PP2_SUBTYPE_SSL_VERSION	0x21
#define PP2_SUBTYPE_SSL_CN	0x22
#define PP2_SUBTYPE_SSL_CIPHER	0x23
#define PP2_SUBTYPE_SSL_SIG_ALG	0x24
#define PP2_SUBTYPE_SSL_KEY_ALG	0x25
#define PP2_TYPE_NETNS		0x30
/* pp2_tlv_ssl.client bits */
#define PP2_CLIENT_SSL		0x01
#define PP2_CLIENT_CERT_CONN	0x02
#define PP2_CLIENT_CERT_SESS	0x04

enum pp_result {
	PP_NEED_MORE,	/* a prefix of something that may still be a valid header */
	PP_OK,		/* a complete, valid header of consumed bytes */
	PP_NOT_PROXY,	/* starts neither with "PROXY " nor with the v2 signature */
	PP_MALFORMED,	/* a PROXY header that breaks the spec: drop the connection */
};

/* A part of the parsed buffer: buf[off .. off + len). Valid while the
 * caller keeps those bytes. len 0: absent. */
struct pp_span {
	uint32_t off;
	uint32_t len;
};

/* Filled by pp_parse(); meaningful on PP_OK only. */
struct pp_info {
	int version;		/* 1 or 2 */
	bool local;		/* no addresses to use (v2 LOCAL, v1 UNKNOWN, v2
				   UNSPEC): keep the connection's own */
	int family;		/* AF_INET, AF_INET6, AF_UNIX or AF_UNSPEC */
	int socktype;		/* SOCK_STREAM, SOCK_DGRAM, or 0 */
	struct sockaddr_storage src, dst;	/* set unless local */
	size_t consumed;	/* header bytes; the payload starts there */

	/* v2 TLVs (a TLV seen twice: the last one counts). HAProxy does not
	 * read TLVs of LOCAL headers, nor do we (crc32c not checked there). */
	struct pp_span tlvs;	/* the whole TLV area, for pp_tlv_next() */
	bool has_crc32c;	/* present, hence verified */
	bool has_authority;	/* fc_pp_authority */
	size_t authority_len;
	char authority[PP_AUTHORITY_MAX + 1];	/* NUL-terminated copy */
	bool has_unique_id;	/* fc_pp_unique_id */
	size_t unique_id_len;
	uint8_t unique_id[PP_UNIQUE_ID_MAX];
	struct pp_span alpn, netns;
	bool has_ssl;
	uint8_t ssl_client;	/* PP2_CLIENT_* */
	uint32_t ssl_verify;	/* 0: client certificate verified */
	struct pp_span ssl_version, ssl_cn, ssl_cipher, ssl_sig_alg, ssl_key_alg;
};

/* Parses the PROXY header at the start of buf[0..len) (v1 or v2, as HAProxy's
 * accept-proxy). out is always reset first. */
enum pp_result pp_parse(const uint8_t *buf, size_t len, struct pp_info *out);

/* The whole length a v2 header at buf announces (signature and 16-byte
 * head included) once those 16 bytes are there; 0 otherwise (v1, not a
 * PROXY header, or too short to tell). */
size_t pp_v2_total(const uint8_t *buf, size_t len);

const char *pp_result_name(enum pp_result r);

/* Iterates over the TLVs in buf[area.off .. +area.len) (pp_info.tlvs of a
 * header that parsed OK). *pos starts at 0. Returns 1 and sets type and the
 * value's span, or 0 at the end. */
int pp_tlv_next(const uint8_t *buf, struct pp_span area, size_t *pos,
    uint8_t *type, struct pp_span *value);

/* What pp_build_v2() appends after the addresses, in HAProxy's order:
 * CRC32C, ALPN, AUTHORITY, UNIQUE_ID, SSL (VERSION, CN, KEY_ALG, SIG_ALG,
 * CIPHER), NETNS. NULL strings are left out. */
struct pp_tlvs {
	bool crc32c;			/* proxy-v2-options crc32c */
	const char *alpn;		/* negotiated protocol */
	const char *authority;		/* SNI; at most PP_AUTHORITY_MAX bytes */
	const uint8_t *unique_id;	/* at most PP_UNIQUE_ID_MAX bytes */
	size_t unique_id_len;
	bool ssl;			/* send a PP2_TYPE_SSL TLV */
	uint8_t ssl_client;		/* PP2_CLIENT_* */
	uint32_t ssl_verify;
	const char *ssl_version, *ssl_cn, *ssl_key_alg, *ssl_sig_alg, *ssl_cipher;
	const char *netns;
};

/* Builders write a header into buf (size bytes) and return its length, or
 * -1 when it does not fit (or a TLV value is over its limit). Nothing is
 * NUL-terminated. As HAProxy: both addresses IPv4 give TCP4 / 0x11, both
 * IPv6 give TCP6 / 0x21, one of each gives TCP6 with the IPv4 one mapped
 * (::ffff:a.b.c.d); anything else (NULL, AF_UNIX) gives "PROXY UNKNOWN\r\n"
 * for v1 and a LOCAL header for v2. */
int pp_build_v1(char *buf, size_t size, const struct sockaddr *src,
    const struct sockaddr *dst);
int pp_build_v2(uint8_t *buf, size_t size, const struct sockaddr *src,
    const struct sockaddr *dst, const struct pp_tlvs *tlvs);
/* The header of check-send-proxy health checks: 16 bytes, LOCAL, UNSPEC. */
int pp_build_v2_local(uint8_t *buf, size_t size);

/* CRC32C (Castagnoli, RFC 4960 appendix B) of p[0..n), as the CRC32C TLV. */
uint32_t pp_crc32c(const uint8_t *p, size_t n);

#endif
