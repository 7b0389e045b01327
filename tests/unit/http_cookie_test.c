/* engine/http_cookie: Cookie and Set-Cookie field values edited byte
 * for byte as HAProxy 2.6.12 does (the expectations were read from
 * haproxy, tests/func/test_http_cookie.py checks them end to end). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/http_cookie.h"
#include "lib/xxhash.h"
#include "parser/proxy_kw.h"

/* Servers "c1" (index 0, up), "c2" (1, up), "c3" (2, stopped). */
static int
lookup(void *arg, const char *val, size_t n, bool *down)
{
	(void)arg;
	static const char *const ck[] = { "c1", "c2", "c3" };
	for (int i = 0; i < 3; i++) {
		if (strlen(ck[i]) != n || memcmp(ck[i], val, n) != 0)
			continue;
		if (i == 2) {
			*down = true;
			continue;
		}
		return i;
	}
	return -1;
}

/* Runs one Cookie field through insert+indirect (or opts): the value
 * left (NULL: the field dropped), the server chosen, the letter. */
static void
req_case(unsigned opts, const char *in, const char *want, int srv, char cli)
{
	struct ck_req c = { .name = "SRV", .name_len = 3, .opts = opts,
	                    .lookup = lookup, .srv = -1, .cli = 'N' };
	if (opts & PX_CK_PREFIX) {
		c.name = "JS";
		c.name_len = 2;
	}
	size_t len = strlen(in);
	char *v = malloc(len + 1);
	memcpy(v, in, len);
	bool drop;
	size_t nl = ck_req_field(&c, v, len, &drop);
	if (want == NULL) {
		ck_assert_msg(drop, "'%s' should be dropped", in);
	} else {
		ck_assert_msg(!drop, "'%s' dropped", in);
		ck_assert_msg(nl == strlen(want) && memcmp(v, want, nl) == 0,
		              "'%s' -> '%.*s', want '%s'", in, (int)nl, v, want);
	}
	ck_assert_int_eq(c.srv, srv);
	ck_assert_int_eq(c.cli, cli);
	free(v);
}

#define II (PX_CK_INSERT | PX_CK_INDIRECT)

START_TEST(cookie_request_fields)
{
	req_case(II, "SRV=c2; other=1", "other=1", 1, 'V');
	req_case(II, "a=1; SRV=c1; b=2", "a=1; b=2", 0, 'V');
	req_case(II, "SRV=c1", NULL, 0, 'V');
	req_case(II, "SRV=zz", NULL, -1, 'I');
	req_case(II, "SRV=c3", NULL, -1, 'D');
	req_case(II, "SRV=", NULL, -1, 'I');
	req_case(II, "SRV=|c1", NULL, -1, 'I');
	req_case(II, "SRV=c1; SRV=c2", NULL, 0, 'V');
	req_case(II, "SRV=zz; SRV=c2", NULL, 1, 'V');
	req_case(II, "SRV=c3; SRV=zz", NULL, -1, 'D');
	req_case(II, "SRV=zz; SRV=c3", NULL, -1, 'D');
	req_case(II, "a=1;SRV=c2;b=2", "a=1; b=2", 1, 'V');
	req_case(II, "a=1 ; SRV=c2 ; b=2", "a=1; b=2", 1, 'V');
	req_case(II, "a=1,SRV=c2,b", "a=1, b", 1, 'V');
	req_case(II, "a=1; SRV=c2", "a=1", 1, 'V');
	req_case(II, "SRV = c2 ; x = 1", "x=1", 1, 'V');
	req_case(II, "SRV=\"c2\"", NULL, -1, 'I');
	req_case(II, "x; SRV=c2; y", "x; y", 1, 'V');
	req_case(II, "SRV=c2; x = \"a;b\" ; SRV=c1", "x=\"a;b\" ", 1, 'V');
	req_case(II, "$Version=1; SRV=c2; $Path=/; a=b", "$Version=1; a=b", 1, 'V');
	req_case(II, "SRV=c1, x=2", "x=2", 0, 'V');
	req_case(II, "SRV=c1|abcde; a=1", "a=1", 0, 'V');
	/* an empty element after a removal at the start: the delimiter
	 * that then begins the field is not taken for a name */
	req_case(II, "SRV=c1;;a=1", ";a=1", 0, 'V');
	/* not indirect: only the blanks around '=' change */
	req_case(PX_CK_INSERT, "SRV = c2 ; x=1", "SRV=c2 ; x=1", 1, 'V');
	req_case(PX_CK_INSERT, "x=1", "x=1", -1, 'N');
	/* prefix: the server part goes */
	req_case(PX_CK_PREFIX, "JS=c2~abc; x=1", "JS=abc; x=1", 1, 'V');
	req_case(PX_CK_PREFIX, "JS=abc", "JS=abc", -1, 'I');
	req_case(PX_CK_PREFIX, "JS=zz~abc", "JS=abc", -1, 'I');
	req_case(PX_CK_PREFIX, "x=1; JS=c2~q", "x=1; JS=q", 1, 'V');
}
END_TEST

START_TEST(cookie_dates)
{
	/* "abcde": 'a'=26 'b'=27 'c'=28 'd'=29 'e'=30 in base64 */
	ck_assert_int_eq(ck_b64tos30("abcde"), (((26 * 64 + 27) * 64 + 28) * 64 + 29) * 64 + 30);
	ck_assert_int_eq(ck_b64tos30("AAAAA"), 0);
	ck_assert_int_eq(ck_b64tos30("ab*de"), -1);
	ck_assert_int_eq(ck_b64tos30("ab"), -1);
	struct ck_req c = { .name = "SRV", .name_len = 3, .opts = PX_CK_INSERT,
	                    .lookup = lookup, .srv = -1, .cli = 'N' };
	char v[] = "SRV=c1|abcde|AAAAB";
	bool drop;
	ck_req_field(&c, v, strlen(v), &drop);
	ck_assert_int_eq(c.srv, 0);
	ck_assert_uint_eq(c.last_date, (uint32_t)ck_b64tos30("abcde") << 2);
	ck_assert_uint_eq(c.first_date, 4);
}
END_TEST

/* One Set-Cookie field: the result code, the new value, the letter. */
static void
res_case(unsigned opts, const char *srv, bool direct, const char *in, int code,
         const char *want, char sck)
{
	struct ck_res c = { .name = "SRV", .name_len = 3, .opts = opts,
	                    .srv_cookie = srv, .direct = direct };
	struct sbuf out = { 0 };
	char got = 'N';
	ck_assert_int_eq(ck_res_field(&c, in, strlen(in), &out, &got), code);
	if (code == 1)
		ck_assert_msg(out.len == strlen(want) && memcmp(out.s, want, out.len) == 0,
		              "'%s' -> '%.*s', want '%s'", in, (int)out.len, out.s, want);
	ck_assert_int_eq(got, sck);
	free(out.s);
}

START_TEST(cookie_response_fields)
{
	res_case(PX_CK_INSERT, "c1", false, "SRV=own; path=/x", 2, NULL, 'D');
	res_case(PX_CK_INSERT | PX_CK_PRESERVE, "c1", false, "SRV=mine", 0, NULL, 'P');
	res_case(PX_CK_INDIRECT, "c2", true, "SRV=x", 2, NULL, 'D');
	res_case(PX_CK_INDIRECT, "c2", false, "SRV=x", 0, NULL, 'P');
	res_case(PX_CK_REWRITE, "c2", false, "SRV=abc; path=/foo", 1, "SRV=c2; path=/foo", 'R');
	res_case(PX_CK_REWRITE, "c2", true, "SRV = abc ; path=/", 1, "SRV=c2 ; path=/", 'R');
	res_case(PX_CK_REWRITE, NULL, false, "SRV=abc", 0, NULL, 'P');
	res_case(PX_CK_PREFIX, "c1", false, "SRV=abc; path=/", 1, "SRV=c1~abc; path=/", 'R');
	res_case(PX_CK_PREFIX | PX_CK_INDIRECT, "c2", true, "SRV=new", 2, NULL, 'D');
	res_case(0, "c1", false, "SRV=x", 0, NULL, 'P');
	/* not ours: only the blanks around '=' go */
	res_case(PX_CK_INSERT, "c1", false, "a = b; path=/", 1, "a=b; path=/", 'N');
	res_case(PX_CK_INSERT, "c1", false, "a=b", 0, NULL, 'N');
	res_case(PX_CK_INSERT, "c1", false, "novalue; path=/", 0, NULL, 'N');
}
END_TEST

START_TEST(cookie_insert_text)
{
	struct sbuf o = { 0 };
	ck_insert_value("SRV", "c1", NULL, "a.example.com; domain=.b.example.com",
	                PX_CK_HTTPONLY | PX_CK_SECURE, "SameSite=Lax; Foo", &o);
	ck_assert_str_eq(o.s, "SRV=c1; path=/; domain=a.example.com; domain=.b.example.com; "
	                      "HttpOnly; Secure; SameSite=Lax; Foo");
	free(o.s);
	memset(&o, 0, sizeof(o));
	ck_insert_value("SRV", NULL, NULL, NULL, 0, NULL, &o);
	ck_assert_str_eq(o.s, "SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/");
	free(o.s);
	/* dates go between the server's cookie and the attributes */
	memset(&o, 0, sizeof(o));
	ck_insert_value("SRV", "s1", "|awolo|awolo", NULL, PX_CK_HTTPONLY, NULL, &o);
	ck_assert_str_eq(o.s, "SRV=s1|awolo|awolo; path=/; HttpOnly");
	free(o.s);
	/* a server without a cookie: no dates on the removal */
	memset(&o, 0, sizeof(o));
	ck_insert_value("SRV", NULL, "|awolo", NULL, 0, NULL, &o);
	ck_assert_str_eq(o.s, "SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/");
	free(o.s);
}
END_TEST

/* haproxy 2.6.12 at 1795827101 (its date) sent "SRV=s1|awolo|awolo"
 * with maxidle and maxlife, "SRV=s1|awolo" with maxidle only. */
#define T0 1795827101u

START_TEST(cookie_dates_emitted)
{
	char d[CK_DATES_MAX];
	ck_dates(T0, 20, 60, 0, d);
	ck_assert_str_eq(d, "|awolo|awolo");
	ck_dates(T0 + 2, 20, 60, 0, d); /* the same 4-second unit */
	ck_assert_str_eq(d, "|awolo|awolo");
	ck_dates(T0, 20, 0, 0, d);
	ck_assert_str_eq(d, "|awolo");
	ck_dates(T0, 0, 60, 0, d);
	ck_assert_str_eq(d, "|awolo|awolo");
	/* the client's first date is kept */
	ck_dates(T0, 20, 60, (uint32_t)ck_b64tos30("awolq") << 2, d);
	ck_assert_str_eq(d, "|awolo|awolq");
	ck_dates(T0, 0, 0, 0, d);
	ck_assert_str_eq(d, "");
	char b[6] = { 0 };
	ck_s30tob64((uint32_t)ck_b64tos30("Zz09+"), b);
	ck_assert_str_eq(b, "Zz09+");
}
END_TEST

/* One Cookie field of insert+indirect with maxidle 20 and maxlife 60 at
 * T0: what is left, the server, the letter. Dates as offsets from T0. */
static void
dated_case(const char *fmt, int d1, int d2, const char *want, int srv, char cli)
{
	char e1[6] = { 0 }, e2[6] = { 0 }, in[128];
	ck_s30tob64((T0 + (uint32_t)d1) >> 2, e1);
	ck_s30tob64((T0 + (uint32_t)d2) >> 2, e2);
	snprintf(in, sizeof(in), fmt, e1, e2);
	struct ck_req c = { .name = "SRV", .name_len = 3, .opts = PX_CK_INSERT | PX_CK_INDIRECT,
	                    .lookup = lookup, .srv = -1, .cli = 'N',
	                    .maxidle = 20, .maxlife = 60, .now = T0 };
	size_t len = strlen(in);
	bool drop;
	size_t nl = ck_req_field(&c, in, len, &drop);
	if (want == NULL)
		ck_assert_msg(drop, "'%s' should be dropped", in);
	else
		ck_assert_msg(!drop && nl == strlen(want) && memcmp(in, want, nl) == 0,
		              "'%s' -> '%.*s', want '%s'", in, (int)nl, in, want);
	ck_assert_msg(c.srv == srv && c.cli == cli, "'%s': server %d letter %c, want %d %c",
	              in, c.srv, c.cli, srv, cli);
	if (cli == 'E' || cli == 'O')
		ck_assert_msg(c.last_date == 0 && c.first_date == 0, "'%s': dates kept", in);
}

START_TEST(cookie_dates_checked)
{
	/* the letters haproxy logged (%tsc) for the same cookies */
	dated_case("SRV=c1|%s|%s", 3, 3, NULL, 0, 'V');
	dated_case("SRV=c1|%s|%s", -8, -8, NULL, 0, 'V');
	dated_case("SRV=c1|%s|%s", -16, -16, NULL, 0, 'V');
	dated_case("SRV=c1|%s|%s", -24, -24, NULL, -1, 'E');     /* idle > 20 s */
	dated_case("SRV=c1|%s|%s", -8, -56, NULL, 0, 'V');
	dated_case("SRV=c1|%s|%s", -8, -61, NULL, -1, 'O');      /* older than 60 s */
	dated_case("SRV=c1|%s|%s", -30, -100, NULL, -1, 'O');    /* O before E */
	dated_case("SRV=c1|%s|%s", 90000, 0, NULL, -1, 'E');     /* over a day ahead */
	dated_case("SRV=c1|%s|%s", 3, 90000, NULL, -1, 'O');
	dated_case("SRV=c1|%s|%s", 3000, 3000, NULL, 0, 'V');    /* ahead, less than a day */
	dated_case("SRV=c9|%s|%s", -30, -30, NULL, -1, 'E');     /* before the server is looked up */
	dated_case("a=1; SRV=c1|%s|%s; b=2", -30, -30, "a=1; b=2", -1, 'E');
	/* a later occurrence may still choose, or say why it cannot */
	dated_case("SRV=c1|%s|%s; SRV=c2", -30, -30, NULL, 1, 'V');
	dated_case("SRV=c1|%s|%s; SRV=c9", -30, -30, NULL, -1, 'E');
	dated_case("SRV=c9; SRV=c1|%s|%s", -30, -30, NULL, -1, 'E');
	dated_case("SRV=c2; SRV=c1|%s|%s", -30, -30, NULL, 1, 'E'); /* chosen, yet E */
	/* malformed or zero dates are no dates */
	dated_case("SRV=c1|AAAAA|AAAAA%.0s%.0s", 0, 0, NULL, 0, 'V');
	dated_case("SRV=c1|!!!!!|%s%.0s", -30, 0, NULL, 0, 'V');
	dated_case("SRV=c1|ab%.0s%.0s", 0, 0, NULL, 0, 'V');
	dated_case("SRV=|%s%.0s", 0, 0, NULL, -1, 'I');
}
END_TEST

/* XXH64 reference vectors, then HAProxy's dynamic cookie of 127.0.0.1:19431
 * with "dynamic-cookie-key s3cr3t" (read from haproxy 2.6.12's Set-Cookie
 * and show stat): key, IPv4 and port in network order. */
START_TEST(cookie_dynamic_hash)
{
	ck_assert_uint_eq(hash_xxh64("", 0, 0), 0xEF46DB3751D8E999ull);
	ck_assert_uint_eq(hash_xxh64("abc", 3, 0), 0x44BC2CF5AD770999ull);
	static const unsigned char in[] = {
		's', '3', 'c', 'r', '3', 't',  /* the key */
		127, 0, 0, 1,                  /* 127.0.0.1 */
		0, 0, 0x4B, 0xE7,              /* 19431 */
	};
	ck_assert_uint_eq(hash_xxh64(in, sizeof(in), 0), 0x49339ce832694329ull);
	/* 32 bytes and more take the 4-lane path */
	static const char l[] = "0123456789abcdef0123456789abcdefXYZ";
	ck_assert_uint_eq(hash_xxh64(l, 32, 0), 0x642a94958e71e6c5ull);
	ck_assert_uint_eq(hash_xxh64(l, 35, 0), 0x654f6a2b39e4d8c1ull);
}
END_TEST

START_TEST(cookie_refresh_rule)
{
	uint32_t now = T0, fresh = (T0 + 3) & ~3u, due = T0 - 8;
	ck_assert(ck_refresh(false, 0, 0, 0, 0, now));            /* not by its cookie */
	ck_assert(!ck_refresh(true, 0, 0, 0, 0, now));
	ck_assert(!ck_refresh(true, 20, 60, fresh + 4, fresh, now));
	ck_assert(ck_refresh(true, 20, 60, due, due, now));         /* last date past */
	ck_assert(ck_refresh(true, 20, 60, 0, fresh, now));         /* no last date */
	ck_assert(ck_refresh(true, 20, 60, fresh + 4, 0, now));     /* first date to add */
	ck_assert(ck_refresh(true, 20, 0, fresh + 4, fresh, now));  /* first date to drop */
	ck_assert(!ck_refresh(true, 20, 0, fresh + 4, 0, now));
	ck_assert(ck_refresh(true, 0, 0, due, 0, now));             /* a date without maxidle */
	ck_assert(!ck_refresh(true, 0, 60, fresh + 4, fresh, now));
	ck_assert(ck_refresh(true, 0, 60, due, fresh, now));
}
END_TEST

Suite *suite_http_cookie(void);
Suite *
suite_http_cookie(void)
{
	Suite *s = suite_create("http_cookie");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, cookie_request_fields);
	tcase_add_test(tc, cookie_dates);
	tcase_add_test(tc, cookie_response_fields);
	tcase_add_test(tc, cookie_insert_text);
	tcase_add_test(tc, cookie_dates_emitted);
	tcase_add_test(tc, cookie_dates_checked);
	tcase_add_test(tc, cookie_refresh_rule);
	tcase_add_test(tc, cookie_dynamic_hash);
	suite_add_tcase(s, tc);
	return s;
}
