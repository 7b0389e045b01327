/* proto/clienthello: incremental parser of a TLS ClientHello at the start of
 * a byte stream (passthrough inspection: req.ssl_sni, req.ssl_alpn,
 * req.ssl_ver, req.ssl_hello_type, req.ssl_ec_ext, req.ssl_st_ext).
 *
 * The caller hands the whole buffered prefix of the connection each time
 * bytes arrive. The hello may be split across TCP segments (any prefix of a
 * valid hello answers CH_NEED_MORE) and across several TLS records of type
 * 22 (reassembled on the fly, without allocation or scratch buffer; HAProxy
 * 2.6 only looks at the first record). Nothing is allocated, the input is
 * never written and never read past len; everything the caller needs is
 * copied into struct ch_info, which the caller owns (it is ~4.5 KiB: keep
 * it in the session, not on a small stack). ch_parse() itself uses ~8.5 KiB
 * of stack (a bitmap of the extension types seen, for duplicates).
 *
 * Decisions only depend on the bytes already seen: once a length gives a
 * result other than CH_NEED_MORE, every longer buffer with the same prefix
 * gives the same result (and, for CH_OK, the same info and consumed). */
#ifndef SLUICE_PROTO_CLIENTHELLO_H
#define SLUICE_PROTO_CLIENTHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_MAX_HELLO	16384		/* largest handshake body (announced length) */
#define CH_MAX_RECORD	(16384 + 2048)	/* largest record payload, as HAProxy's req.ssl_ver */
#define CH_MAX_ALPN	16		/* ALPN protocols kept (more: alpn_truncated) */
#define CH_MAX_VERSIONS	16		/* supported_versions entries kept */
#define CH_MAX_SHARES	16		/* key_share groups kept */

enum ch_result {
	CH_NEED_MORE,	/* a prefix of something that may still be a valid hello */
	CH_OK,		/* a complete ClientHello; info filled */
	CH_NOT_TLS,	/* the first bytes cannot start a TLS record or SSLv2 hello */
	CH_MALFORMED,	/* TLS, but lengths or contents violate RFC 8446/6066/7301 */
	CH_TOO_LARGE,	/* hello > CH_MAX_HELLO or a record > CH_MAX_RECORD */
};

/* Filled by ch_parse(). On CH_OK every field is meaningful. On other
 * results only record_version and hs_type may be set (both are kept as soon
 * as their bytes are seen, so req.ssl_hello_type can report 2 for a
 * ServerHello, which ch_parse() answers CH_MALFORMED). */
struct ch_info {
	uint16_t record_version;	/* of the first record (0x0301 ...) */
	int hs_type;			/* handshake type, -1 while unknown */
	uint16_t hello_version;		/* legacy_version (client_version) */
	bool sslv2;			/* SSLv2-compatible hello: only hello_version,
					   consumed and hello_len are set */

	bool has_sni;			/* a host_name entry in server_name */
	size_t sni_len;
	char sni[256];			/* as sent (case kept), NUL-terminated */

	bool has_alpn;			/* application_layer_protocol_negotiation */
	bool alpn_truncated;		/* more than CH_MAX_ALPN protocols sent */
	int nalpn;
	uint16_t alpn_off[CH_MAX_ALPN];	/* protocol i is alpn_buf[off[i]], len[i] bytes */
	uint8_t alpn_len[CH_MAX_ALPN];
	uint8_t alpn_buf[CH_MAX_ALPN * 255];

	bool has_versions;		/* supported_versions (43) */
	int nversions;			/* entries kept, in client order */
	uint16_t versions[CH_MAX_VERSIONS];

	int nkey_shares;		/* key_share (51) groups kept, in order */
	uint16_t key_shares[CH_MAX_SHARES];

	bool has_ech;			/* encrypted_client_hello (0xfe0d) */
	bool has_early_data;		/* early_data (42) */
	bool has_ec_ext;		/* supported_groups (10), req.ssl_ec_ext */
	int session_ticket;		/* 0 none, 1 empty ext, 2 non-empty: req.ssl_st_ext */

	int ncipher_suites;
	int nextensions;
	size_t hello_len;		/* bytes of the handshake message, 4-byte header included */
	size_t consumed;		/* bytes of the stream holding the hello (all records) */
	int nrecords;			/* TLS records the hello spans (0 for SSLv2) */
};

/* Parses the ClientHello at the start of buf[0..len). len may be 0. out is
 * always reset first. See the result enum for the meaning of each answer. */
enum ch_result ch_parse(const uint8_t *buf, size_t len, struct ch_info *out);

/* "NEED_MORE", "OK", ... for logs and tests. */
const char *ch_result_name(enum ch_result r);

/* True when the client offered ALPN protocol p (len bytes, exact match). */
bool ch_has_alpn(const struct ch_info *ci, const char *p, size_t len);

#endif
