/* The "show servers state" dump as read back at start-up
 * (engine/proc_state.c, reference §3.7): version line, comments, the
 * minimum of 20 fields, and HAProxy's "one short line rejects the whole
 * file" (observed with haproxy 2.6.12). */
#include <check.h>
#include <string.h>

#include "engine/proc_state.h"

Suite *suite_proc_state(void);

#define L1 "3 be 1 s1 127.0.0.1 2 1 5 1 17 1 0 0 6 0 0 0 - 8080 - 0 0 - - 0\n"
#define L2 "3 be 2 s2 127.0.0.1 0 8 7 10 17 1 0 0 0 0 0 0 - 8081 -\n"

static enum proc_state_res
parse(const char *text, struct proc_state_file *f, int *bad)
{
	return proc_state_parse(text, strlen(text), f, bad);
}

START_TEST(reads_the_dump_of_show_servers_state)
{
	struct proc_state_file f;
	int bad;
	ck_assert_int_eq(parse("1\n# be_id be_name ...\n" L1 "\n" L2 "\n", &f, &bad), PROC_STATE_OK);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_str_eq(f.v[0].be_name, "be");
	ck_assert_str_eq(f.v[0].srv_name, "s1");
	ck_assert_str_eq(f.v[0].op, "2");
	ck_assert_str_eq(f.v[0].admin, "1");
	ck_assert_str_eq(f.v[0].uweight, "5");
	ck_assert_str_eq(f.v[0].check_state, "6");
	ck_assert_str_eq(f.v[0].port, "8080");
	/* exactly 20 fields (up to srvrecord) is enough */
	ck_assert_str_eq(f.v[1].srv_name, "s2");
	ck_assert_str_eq(f.v[1].iweight, "10");
	ck_assert_int_eq(f.v[1].line, 2);
	proc_state_free(&f);
}
END_TEST

START_TEST(crlf_tabs_and_no_final_newline)
{
	struct proc_state_file f;
	int bad;
	ck_assert_int_eq(parse("1\r\n3\tbe 1 s1 127.0.0.1 2 1 5 1 17 1 0 0 6 0 0 0 - 8080 - 0 0 - - 0", &f, &bad),
	                 PROC_STATE_OK);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(f.v[0].agent_state, "0");
	ck_assert_str_eq(f.v[0].port, "8080");
	proc_state_free(&f);
}
END_TEST

START_TEST(version_must_be_1)
{
	struct proc_state_file f;
	int bad;
	ck_assert_int_eq(parse("", &f, &bad), PROC_STATE_NO_VERSION);
	proc_state_free(&f);
	ck_assert_int_eq(parse("2\n" L1, &f, &bad), PROC_STATE_NO_VERSION);
	proc_state_free(&f);
	ck_assert_int_eq(parse(L1, &f, &bad), PROC_STATE_NO_VERSION);
	proc_state_free(&f);
	ck_assert_int_eq(parse("1", &f, &bad), PROC_STATE_OK);
	ck_assert_uint_eq(f.n, 0);
	proc_state_free(&f);
}
END_TEST

START_TEST(a_short_line_rejects_the_file)
{
	struct proc_state_file f;
	int bad;
	ck_assert_int_eq(parse("1\n" L1 "# comment\n3 be 1 s1 127.0.0.1 2 1 5 1 17 1 0 0 6 0 0 0 - 8080\n", &f, &bad),
	                 PROC_STATE_CORRUPT);
	ck_assert_int_eq(bad, 2);
	proc_state_free(&f);
}
END_TEST

START_TEST(nul_bytes_end_the_text)
{
	struct proc_state_file f;
	int bad;
	static const char t[] = "1\n" L1 "\0garbage\n";
	ck_assert_int_eq(proc_state_parse(t, sizeof(t) - 1, &f, &bad), PROC_STATE_OK);
	ck_assert_uint_eq(f.n, 1);
	proc_state_free(&f);
}
END_TEST

Suite *
suite_proc_state(void)
{
	Suite *s = suite_create("proc_state");
	TCase *tc = tcase_create("proc_state");
	tcase_add_test(tc, reads_the_dump_of_show_servers_state);
	tcase_add_test(tc, crlf_tabs_and_no_final_newline);
	tcase_add_test(tc, version_must_be_1);
	tcase_add_test(tc, a_short_line_rejects_the_file);
	tcase_add_test(tc, nul_bytes_end_the_text);
	suite_add_tcase(s, tc);
	return s;
}
