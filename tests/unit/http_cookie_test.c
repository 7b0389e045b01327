/* engine/http_cookie: Cookie and Set-Cookie field values edited byte
 * for byte as HAProxy 2.6.12 does (the expectations were read from
 * haproxy, tests/func/test_http_cookie.py checks them end to end). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/http_cookie.h"
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
	ck_insert_value("SRV", "c1", "a.example.com; domain=.b.example.com",
	                PX_CK_HTTPONLY | PX_CK_SECURE, "SameSite=Lax; Foo", &o);
	ck_assert_str_eq(o.s, "SRV=c1; path=/; domain=a.example.com; domain=.b.example.com; "
	                      "HttpOnly; Secure; SameSite=Lax; Foo");
	free(o.s);
	memset(&o, 0, sizeof(o));
	ck_insert_value("SRV", NULL, NULL, 0, NULL, &o);
	ck_assert_str_eq(o.s, "SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/");
	free(o.s);
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
	suite_add_tcase(s, tc);
	return s;
}
