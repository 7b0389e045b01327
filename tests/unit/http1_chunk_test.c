/* proto/http1_chunk: chunked framing fed whole, byte by byte and in
 * random splits must agree; each malformed form is refused where the
 * fault is. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1_chunk.h"

/* Feeds s in pieces of step bytes (0: whole); the result and the total
 * of body bytes used. */
static enum h1c_result
feed(const char *s, size_t len, size_t step, size_t *total)
{
	struct h1c c;
	h1c_init(&c, 64);
	size_t off = 0;
	*total = 0;
	for (;;) {
		size_t n = step && len - off > step ? step : len - off;
		size_t used = 0;
		enum h1c_result rc = h1c_feed(&c, s + off, n, &used);
		*total += used;
		off += n;
		if (rc != H1C_NEED_MORE || off >= len)
			return rc;
	}
}

static void
check_done(const char *s, size_t body_len)
{
	size_t len = strlen(s);
	for (size_t step = 0; step < 8; step++) {
		size_t total;
		ck_assert_int_eq(feed(s, len, step, &total), H1C_DONE);
		ck_assert_uint_eq(total, body_len);
	}
}

START_TEST(chunk_ok)
{
	check_done("0\r\n\r\n", 5);
	check_done("5\r\nhello\r\n0\r\n\r\n", 15);
	check_done("5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 15);
	check_done("A;ext=1\r\n0123456789\r\n00\r\n\r\n", 27);
	check_done("a  \r\n0123456789\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n", 36);
	check_done("3\nabc\n0\n\n", 9);
	check_done("1f\r\n0123456789012345678901234567890\r\n0\r\n\r\n", 42);
}
END_TEST

START_TEST(chunk_payload_counted)
{
	struct h1c c;
	h1c_init(&c, 0);
	size_t used;
	const char *s = "4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n";
	ck_assert_int_eq(h1c_feed(&c, s, strlen(s), &used), H1C_DONE);
	ck_assert_uint_eq(c.payload, 9);
}
END_TEST

START_TEST(chunk_need_more)
{
	size_t total;
	const char *s = "5\r\nhel";
	ck_assert_int_eq(feed(s, strlen(s), 0, &total), H1C_NEED_MORE);
	ck_assert_uint_eq(total, strlen(s));
	s = "5\r\nhello\r\n0\r\nX: y\r\n";
	ck_assert_int_eq(feed(s, strlen(s), 1, &total), H1C_NEED_MORE);
}
END_TEST

static void
check_bad(const char *s, size_t at)
{
	size_t len = strlen(s);
	struct h1c c;
	h1c_init(&c, 64);
	size_t used = 0;
	ck_assert_int_eq(h1c_feed(&c, s, len, &used), H1C_BAD);
	ck_assert_uint_eq(used, at);
	for (size_t step = 1; step < 4; step++) {
		size_t total;
		ck_assert_int_eq(feed(s, len, step, &total), H1C_BAD);
		ck_assert_uint_eq(total, at);
	}
}

START_TEST(chunk_bad)
{
	check_bad("\r\n", 0);                   /* no digit */
	check_bad("x\r\n", 0);
	check_bad("5\rhello", 2);               /* CR without LF */
	check_bad("5\r\nhelloX\r\n", 8);        /* data not followed by CRLF */
	check_bad("5 x\r\n", 2);                /* junk after the size */
	check_bad("5;a\x01\r\n", 3);            /* control byte in an extension */
	check_bad("10000000000000\r\n", 13);    /* 2^52: beyond HAProxy's limit */
	check_bad("80000000000000000\r\n", 13); /* 2^67 */
	check_bad("ffffffffffffffffff\r\n", 13); /* overflows 64 bits */
	check_bad("0\r\nX: 1\rY\r\n", 8);
	/* the largest size HAProxy takes, 2^52 - 1, leading zeros or not:
	 * only data is missing */
	size_t total;
	ck_assert_int_eq(feed("fffffffffffff\r\nab", 17, 0, &total), H1C_NEED_MORE);
	ck_assert_int_eq(feed("000000fffffffffffff\r\nab", 23, 0, &total), H1C_NEED_MORE);
	ck_assert_int_eq(feed("80000000\r\nab", 12, 0, &total), H1C_NEED_MORE); /* 2 GiB */       /* bare CR in a trailer */
	/* a line longer than the limit (64 in these tests) */
	char big[200];
	memset(big, '0', 100);
	memcpy(big + 100, "\r\n", 3);
	check_bad(big, 64);
}
END_TEST

/* h1c_step gives each run of data and the start of the trailers. */
START_TEST(chunk_step)
{
	const char *s = "3;x\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\nNEXT";
	size_t len = strlen(s), off = 0, used, data;
	struct h1c c;
	h1c_init(&c, 0);
	char payload[16] = { 0 };
	size_t pl = 0;
	enum h1c_result r;
	int trailers = 0;
	while ((r = h1c_step(&c, s + off, len - off, &used, &data)) == H1C_DATA ||
	       r == H1C_TRAILERS) {
		if (r == H1C_DATA) {
			memcpy(payload + pl, s + off + used, data);
			pl += data;
		} else {
			trailers++;
		}
		off += used + data;
	}
	ck_assert_int_eq(r, H1C_DONE);
	off += used;
	ck_assert_str_eq(payload, "abcde");
	ck_assert_int_eq(trailers, 1);
	ck_assert_str_eq(s + off, "NEXT");
	/* data split across calls */
	h1c_init(&c, 0);
	ck_assert_int_eq(h1c_step(&c, "5\r\nhe", 5, &used, &data), H1C_DATA);
	ck_assert_uint_eq(used, 3);
	ck_assert_uint_eq(data, 2);
	ck_assert_int_eq(h1c_step(&c, "llo\r\n", 5, &used, &data), H1C_DATA);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(data, 3);
	ck_assert_int_eq(h1c_step(&c, "\r\n", 2, &used, &data), H1C_NEED_MORE);
}
END_TEST

Suite *suite_http1_chunk(void);
Suite *
suite_http1_chunk(void)
{
	Suite *s = suite_create("http1_chunk");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, chunk_ok);
	tcase_add_test(tc, chunk_payload_counted);
	tcase_add_test(tc, chunk_need_more);
	tcase_add_test(tc, chunk_bad);
	tcase_add_test(tc, chunk_step);
	suite_add_tcase(s, tc);
	return s;
}
