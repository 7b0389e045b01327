/* proto/http1_chunk: incremental chunked-body framing (http1_chunk.h). */
#include "proto/http1_chunk.h"

#include <stdbool.h>

enum {
	ST_SIZE0,     /* first hex digit of a size */
	ST_SIZE,      /* more hex digits */
	ST_SIZE_WS,   /* blanks after the size */
	ST_EXT,       /* chunk extension, up to the line end */
	ST_SIZE_LF,   /* CR seen at the end of a size line */
	ST_DATA,      /* chunk data */
	ST_DATA_CR,   /* line end after the data */
	ST_DATA_LF,   /* CR seen after the data */
	ST_TRL0,      /* start of a trailer line (or the final empty line) */
	ST_TRL,       /* inside a trailer line */
	ST_TRL_LF,    /* CR seen at the end of a trailer line */
	ST_END_LF,    /* CR seen on the final empty line */
	ST_DONE,
};

/* HAProxy refuses a chunk size of 2^52 or more (13 hex digits at most:
 * values a float-based peer could not represent exactly) */
#define SIZE_MAX_BITS 52

void
h1c_init(struct h1c *c, size_t max_line)
{
	c->st = ST_SIZE0;
	c->left = 0;
	c->line = 0;
	c->max_line = max_line ? max_line : 16384;
	c->payload = 0;
}

static int
hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The end of a size line: the data follows, or the trailers after the
 * last (zero) chunk. */
static void
size_line_done(struct h1c *c)
{
	c->line = 0;
	c->st = c->left ? ST_DATA : ST_TRL0;
}

/* The walk of h1c_feed and h1c_step: stop says to return at each run
 * of data (H1C_DATA) and at the start of the trailers (H1C_TRAILERS). */
static enum h1c_result
walk(struct h1c *c, const char *buf, size_t len, size_t *used, size_t *data, bool stop)
{
	size_t i = 0;
	while (i < len) {
		unsigned char ch = (unsigned char)buf[i];
		int h;
		switch (c->st) {
		case ST_DATA: {
			/* the bulk of a body: skipped without a look */
			size_t n = len - i;
			if ((unsigned long long)n > c->left)
				n = (size_t)c->left;
			c->left -= n;
			c->payload += n;
			if (c->left == 0)
				c->st = ST_DATA_CR;
			if (stop) {
				*used = i;
				*data = n;
				return H1C_DATA;
			}
			i += n;
			continue;
		}
		case ST_SIZE0:
		case ST_SIZE:
			h = hexval(ch);
			if (h >= 0) {
				if (c->left >> (SIZE_MAX_BITS - 4))
					goto bad;
				c->left = c->left * 16 + (unsigned)h;
				c->st = ST_SIZE;
				break;
			}
			if (c->st == ST_SIZE0)
				goto bad;
			/* fall through: the end of the digits */
			c->st = ST_SIZE_WS;
			/* FALLTHROUGH */
		case ST_SIZE_WS:
			if (ch == ' ' || ch == '\t')
				break;
			if (ch == ';') {
				c->st = ST_EXT;
				break;
			}
			if (ch == '\r') {
				c->st = ST_SIZE_LF;
				break;
			}
			if (ch == '\n') {
				size_line_done(c);
				if (stop && c->st == ST_TRL0) {
					*used = i + 1;
					return H1C_TRAILERS;
				}
				break;
			}
			goto bad;
		case ST_EXT:
			if (ch == '\r')
				c->st = ST_SIZE_LF;
			else if (ch == '\n') {
				size_line_done(c);
				if (stop && c->st == ST_TRL0) {
					*used = i + 1;
					return H1C_TRAILERS;
				}
			} else if (ch < 0x20 && ch != '\t')
				goto bad;
			break;
		case ST_SIZE_LF:
			if (ch != '\n')
				goto bad;
			size_line_done(c);
			if (stop && c->st == ST_TRL0) {
				*used = i + 1;
				return H1C_TRAILERS;
			}
			break;
		case ST_DATA_CR:
			if (ch == '\r')
				c->st = ST_DATA_LF;
			else if (ch == '\n')
				c->st = ST_SIZE0;
			else
				goto bad;
			break;
		case ST_DATA_LF:
			if (ch != '\n')
				goto bad;
			c->st = ST_SIZE0;
			break;
		case ST_TRL0:
			if (ch == '\r') {
				c->st = ST_END_LF;
				break;
			}
			if (ch == '\n') {
				c->st = ST_DONE;
				*used = i + 1;
				return H1C_DONE;
			}
			c->st = ST_TRL;
			c->line = 0;
			/* FALLTHROUGH */
		case ST_TRL:
			if (ch == '\r')
				c->st = ST_TRL_LF;
			else if (ch == '\n')
				c->st = ST_TRL0;
			break;
		case ST_TRL_LF:
			if (ch != '\n')
				goto bad;
			c->st = ST_TRL0;
			c->line = 0;
			break;
		case ST_END_LF:
			if (ch != '\n')
				goto bad;
			c->st = ST_DONE;
			*used = i + 1;
			return H1C_DONE;
		default:
			goto bad;
		}
		/* a line that never ends is refused rather than followed */
		if (c->st != ST_DATA && c->st != ST_TRL0 && c->st != ST_SIZE0 &&
		    ++c->line > c->max_line)
			goto bad;
		i++;
	}
	*used = len;
	return H1C_NEED_MORE;
bad:
	*used = i;
	return H1C_BAD;
}

enum h1c_result
h1c_feed(struct h1c *c, const char *buf, size_t len, size_t *used)
{
	size_t data;
	return walk(c, buf, len, used, &data, false);
}

enum h1c_result
h1c_step(struct h1c *c, const char *buf, size_t len, size_t *used, size_t *data)
{
	*data = 0;
	return walk(c, buf, len, used, data, true);
}
