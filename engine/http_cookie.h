/* Cookie-based persistence in mode http ("cookie" in a backend,
 * "server ... cookie", reference §1.9 / §1.11): the pure part that edits
 * Cookie and Set-Cookie field values as HAProxy 2.6 does (unit-tested
 * byte for byte), and the engine's hooks (engine/http_req.c,
 * engine/http_res.c). What HAProxy 2.6.12 was seen doing:
 * - Cookie fields: cookies are split on ';' and ',' (outside quotes);
 *   blanks around '=' are removed; names beginning with '$' are skipped.
 *   The persistence cookie's value is "<server cookie>[|<date>[|<date>]]"
 *   ("<server cookie>~<application value>" in prefix mode). The first
 *   occurrence naming a usable server chooses it (V); one naming only a
 *   stopped server says D (then balancing), an unknown or empty value I.
 *   Once a server is chosen, later occurrences change nothing but are
 *   still edited. insert+indirect removes every occurrence (and a field
 *   left empty); prefix removes "<server cookie>~".
 * - Set-Cookie fields: only the first cookie of a field is looked at.
 *   Ours is left alone with preserve; removed in insert mode, or with
 *   indirect when the request came by its cookie; its value replaced by
 *   the server's cookie in rewrite mode; prefixed with "<cookie>~" in
 *   prefix mode.
 * - Insert mode adds "Set-Cookie: NAME=VAL; path=/[; domain=D]...
 *   [; HttpOnly][; Secure][; attr]" at the end of the response head
 *   unless the request came by a valid cookie, and then with nocache
 *   "Cache-control: private" when the response is cacheable.
 * - maxidle/maxlife: VAL is "<server cookie>|<last>[|<first>]", dates
 *   in 4-second units (ck_dates()). A client's cookie whose first date
 *   is older than maxlife (or over a day ahead) says O, else whose last
 *   date is older than maxidle (or over a day ahead) says E: it chooses
 *   no server. A cookie that chose its server is sent again with a new
 *   last date once the one it carries is past (ck_refresh()). */
#ifndef SLUICE_ENGINE_HTTP_COOKIE_H
#define SLUICE_ENGINE_HTTP_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* The request side of one transaction, over all its Cookie fields. */
struct ck_req {
	const char *name;       /* the backend's cookie name */
	size_t name_len;
	unsigned opts;          /* PX_CK_* */
	/* Index of the first server whose cookie is val[0..n) and that
	 * may take the request, or -1; *down is set when one matched but
	 * was stopped. */
	int (*lookup)(void *arg, const char *val, size_t n, bool *down);
	void *arg;
	uint32_t maxidle, maxlife; /* seconds, 0: not checked */
	uint32_t now;           /* the date the dates are checked against */
	/* results */
	int srv;                /* chosen server index, -1: none (start so) */
	char cli;               /* %tsc 3rd letter: 'N' (start so), I, D, V,
	                         * E (idle too long), O (too old) */
	uint32_t last_date, first_date; /* "|date" suffixes (s), 0: none */
};

/* Edits Cookie field value v[0..len) in place (it only shrinks) for c;
 * returns the new length, *drop true when the field must go. */
size_t ck_req_field(struct ck_req *c, char *v, size_t len, bool *drop);

/* What the response side knows. */
struct ck_res {
	const char *name;
	size_t name_len;
	unsigned opts;          /* PX_CK_* */
	const char *srv_cookie; /* the responding server's cookie, or NULL */
	bool direct;            /* the request reached it by its cookie */
};

/* Set-Cookie field value v[0..len): 0 unchanged, 1 replaced by *out
 * (appended to it), 2 the field must go. *sck (%tsc 4th letter) is set
 * to P, D or R when the field is the persistence cookie. */
int ck_res_field(const struct ck_res *c, const char *v, size_t len,
                 struct sbuf *out, char *sck);

/* The Set-Cookie value HAProxy inserts for a server (cookie NULL: a
 * removal), appended to out; dates (NULL: none) is the "|last[|first]"
 * suffix of ck_dates() put after the server's cookie. */
void ck_insert_value(const char *name, const char *cookie, const char *dates,
                     const char *domain, unsigned opts, const char *attrs,
                     struct sbuf *out);

/* HAProxy's 5-character date of a cookie (base64, 4-second units since
 * the epoch: its b64tos30), -1 when malformed. */
int ck_b64tos30(const char *in);
/* The reverse: the low 30 bits of v in 5 characters (no NUL). */
void ck_s30tob64(uint32_t v, char *out);

/* The dates an inserted cookie carries with maxidle or maxlife: the
 * last-seen date (now, rounded up to the next 4-second unit) and, with
 * maxlife, the first-seen date (first, the client's, or now when 0),
 * as "|last[|first]" in out (NUL-terminated, "" without either). */
#define CK_DATES_MAX 13
void ck_dates(uint32_t now, uint32_t maxidle, uint32_t maxlife, uint32_t first,
              char out[CK_DATES_MAX]);

/* Whether the response must carry a new persistence cookie (insert
 * mode) for the server the request reached: not by its cookie
 * (!direct), or its last date is due (when maxidle is set or the client
 * sent one), or the first date must be added (maxlife) or dropped. */
bool ck_refresh(bool direct, uint32_t maxidle, uint32_t maxlife,
                uint32_t last, uint32_t first, uint32_t now);

struct http_sess;

/* engine/http_req.c, once the backend is known: reads and edits the
 * request's Cookie fields, sets s->persist_srv (the server the cookie
 * chose) and the log's cookie letter. */
void http_cookie_request(struct http_sess *h);

/* engine/http_res.c, after the http-response rules of a final response:
 * edits the server's Set-Cookie fields and inserts ours. -1 when the
 * head outgrew its limit (HAProxy: 500, failed rewrite). */
int http_cookie_response(struct http_sess *h);

#endif
