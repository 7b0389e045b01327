/* The CLI's line reader and word splitter, as HAProxy 2.6's
 * cli_io_handler() and cli_parse_request() cut requests (reference
 * §3.2). Pure functions: unit-tested and fuzzed. */
#include <stdlib.h>
#include <string.h>

#include "stats/cli_int.h"

enum cli_piece_res
cli_piece(const char *buf, size_t len, bool payload, size_t *consumed, size_t *plen)
{
	const char *lf = memchr(buf, '\n', len);
	if (lf == NULL)
		return CLI_PIECE_NEED_MORE;
	size_t reql = (size_t)(lf - buf) + 1;
	size_t n = reql - 1;
	if (!payload) {
		/* a ';' ends a command unless escaped; the backslash protects
		 * whatever follows it, the LF included */
		for (size_t i = 0; i < reql; i++) {
			if (buf[i] == '\\') {
				i++;
				continue;
			}
			if (buf[i] == ';') {
				reql = i + 1;
				n = i;
				break;
			}
		}
	}
	*consumed = reql;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	*plen = n;
	return CLI_PIECE_OK;
}

int
cli_words(char *s, size_t len, char **words, long *payload_at)
{
	char *p = s, *end = s + len;
	int i = 0;

	*payload_at = -1;
	while (i < CLI_MAX_WORDS && p < end) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		if (strcmp(p, "<<") == 0) {
			/* the payload starts after the NUL that ends "<<" */
			*payload_at = (long)(p + 3 - s);
			break;
		}
		words[i] = p;
		for (;;) {
			p += strcspn(p, " \t\\");
			if (*p != '\\')
				break;
			if (!*++p)
				break;
			if (!*++p)
				break;
		}
		/* HAProxy writes the word's NUL here even at the end of the
		 * string; the extra byte past it is s's terminator */
		*p++ = 0;
		size_t j = 0;
		for (size_t k = 0; words[i][k]; k++) {
			if (words[i][k] == '\\') {
				if (words[i][k + 1] == '\\')
					k++;
				else
					continue;
			}
			words[i][j++] = words[i][k];
		}
		words[i][j] = 0;
		i++;
	}
	return i;
}

size_t
cli_split(const char *line, size_t len, bool (*fn)(void *arg, char **words, int nwords),
          void *arg)
{
	size_t ncmd = 0, off = 0;
	struct sbuf tmp = { 0 };

	/* cli_piece wants an LF to end the last command */
	sbuf_addn(&tmp, line, len);
	sbuf_addc(&tmp, '\n');
	while (off < tmp.len) {
		size_t used, n;
		if (cli_piece(tmp.s + off, tmp.len - off, false, &used, &n) != CLI_PIECE_OK)
			break;
		struct sbuf w = { 0 };
		char *words[CLI_MAX_WORDS + 1];
		long pl;
		sbuf_addn(&w, tmp.s + off, n);
		sbuf_addc(&w, 0); /* room for the splitter's extra NUL */
		int nw = cli_words(w.s, n, words, &pl);
		words[nw] = NULL;
		off += used;
		ncmd++;
		bool go = fn(arg, words, nw);
		free(w.s);
		if (!go)
			break;
	}
	free(tmp.s);
	return ncmd;
}
