/* proto/http1_chunk: the framing of a chunked HTTP/1.1 body (RFC 9112
 * §7.1), walked incrementally so that a proxy can forward the bytes as
 * they come, unchanged, and know where the message ends (the last
 * chunk and its trailer section).
 *
 * Pure: no I/O, no allocation; the state is a small struct the caller
 * keeps between calls. Accepted as HAProxy 2.6 does: hexadecimal sizes
 * (either case, leading zeros), blanks after the size, extensions after
 * ';' (skipped), CRLF or a bare LF as line end, trailer fields. Refused:
 * no digit, a size of 2^52 or more, a CR not followed by LF, data not
 * followed by its line end, a control byte in a size line, a size line
 * or trailer line longer than the limit. */
#ifndef SLUICE_PROTO_HTTP1_CHUNK_H
#define SLUICE_PROTO_HTTP1_CHUNK_H

#include <stdbool.h>
#include <stddef.h>

enum h1c_result {
	H1C_NEED_MORE, /* every byte given is part of the body: give more */
	H1C_DONE,      /* the body ended at *used */
	H1C_BAD,       /* malformed at *used */
	H1C_DATA,      /* h1c_step: chunk data follows the framing */
	H1C_TRAILERS,  /* h1c_step: the last chunk's line ended */
};

struct h1c {
	int st;                   /* internal state */
	unsigned long long left;  /* data bytes left in the current chunk */
	size_t line;              /* bytes of the current size/trailer line */
	size_t max_line;          /* longest size or trailer line accepted */
	unsigned long long payload; /* data bytes seen (all chunks) */
};

/* Starts a body; max_line 0 takes 16384. */
void h1c_init(struct h1c *c, size_t max_line);

/* Walks buf[0..len), the next bytes of the body. *used: how many of
 * them belong to the body (len on NEED_MORE; up to and including the
 * empty line that ends the trailers on DONE; the offset of the fault on
 * BAD). After DONE or BAD, h1c_init() before the next body. */
enum h1c_result h1c_feed(struct h1c *c, const char *buf, size_t len, size_t *used);

/* As h1c_feed, stopping where a proxy that re-frames the body needs
 * to: H1C_DATA: *used framing bytes, then *data bytes of payload at
 * buf + *used (already counted: consume *used + *data); H1C_TRAILERS:
 * the size line of the last chunk ends at *used, the trailer section
 * (fields, then the empty line) follows; NEED_MORE, DONE, BAD as
 * h1c_feed. */
enum h1c_result h1c_step(struct h1c *c, const char *buf, size_t len, size_t *used,
                         size_t *data);

#endif
