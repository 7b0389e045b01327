/* userlist sections (parser/userlist.c): parsing with HAProxy 2.6's
 * messages, group resolution, password checks (crypt(3) and insecure),
 * and the references from http_auth()/http_auth_group(). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/passwd.h"
#include "lib/util.h"
#include "parser/cfgparse.h"
#include "parser/userlist.h"

static struct diag d;

static struct cfg *
load(const char *text, bool resolve)
{
	struct cfg_opts o = { .check_files = false, .no_dns = true };
	diag_free(&d);
	return cfg_load_string("t.cfg", text, strlen(text), &o, resolve, &d);
}

/* A message of level lvl at line:col containing needle must exist. */
static void
expect(enum diag_level lvl, int line, int col, const char *needle)
{
	for (size_t i = 0; i < d.n; i++) {
		const struct diag_msg *m = &d.msgs[i];
		if (m->level == lvl && m->loc.line == line && m->loc.col == col &&
		    strstr(m->text, needle))
			return;
	}
	for (size_t i = 0; i < d.n; i++) {
		char *s = diag_format(&d.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
	ck_abort_msg("no %s at %d:%d containing \"%s\"",
	             lvl == DIAG_ERROR ? "error" : "warning", line, col, needle);
}

/* sha512-crypt of "secret" with salt "abcdefgh" (openssl passwd -6) */
#define SHA512_SECRET "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG."
/* md5-crypt of "secret" with salt "abcdefgh" (openssl passwd -1) */
#define MD5_SECRET "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"

START_TEST(parses_users_and_groups)
{
	struct cfg *c = load("userlist L\n"
	                     "  group admin users bob,,carol\n"
	                     "  group ops\n"
	                     "  user bob insecure-password pw1\n"
	                     "  user carol password " SHA512_SECRET " groups ops,\n"
	                     "  user dave password " MD5_SECRET "\n", true);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq((int)d.n, 0);
	const struct cfg_userlist *ul = ulist_find(c, "L");
	ck_assert_ptr_nonnull(ul);
	ck_assert_ptr_null(ulist_find(c, "M"));
	ck_assert_int_eq((int)ul->users.n, 3);
	ck_assert_int_eq((int)ul->groups.n, 2);
	ck_assert(ulist_check(ul, "bob", "pw1"));
	ck_assert(!ulist_check(ul, "bob", "pw"));
	ck_assert(!ulist_check(ul, "bob", "pw1 "));
	ck_assert(ulist_check(ul, "carol", "secret"));
	ck_assert(!ulist_check(ul, "carol", SHA512_SECRET)); /* hash is not a password */
	ck_assert(ulist_check(ul, "dave", "secret"));
	ck_assert(!ulist_check(ul, "dave", "Secret"));
	ck_assert(!ulist_check(ul, "eve", "pw1"));
	ck_assert(ulist_in_group(ul, "bob", "admin"));
	ck_assert(!ulist_in_group(ul, "bob", "ops"));
	ck_assert(ulist_in_group(ul, "carol", "admin"));
	ck_assert(ulist_in_group(ul, "carol", "ops"));
	ck_assert(!ulist_in_group(ul, "dave", "admin"));
	ck_assert(ulist_has_group(ul, "ops"));
	ck_assert(!ulist_has_group(ul, "nope"));
	cfg_free(c);
}
END_TEST

START_TEST(duplicates_are_warnings)
{
	struct cfg *c = load("userlist L\n"
	                     "  user bob insecure-password one\n"
	                     "  user bob insecure-password two\n"
	                     "  group g\n"
	                     "  group g\n"
	                     "userlist M\n"
	                     "userlist L\n"
	                     "  user zed insecure-password z\n", true);
	ck_assert_ptr_nonnull(c);
	expect(DIAG_WARNING, 3, 8, "ignoring duplicated user 'bob' in userlist 'L'.");
	expect(DIAG_WARNING, 5, 9, "ignoring duplicated group 'g' in userlist 'L'.");
	expect(DIAG_WARNING, 7, 10, "ignoring duplicated userlist 'L'.");
	const struct cfg_userlist *l = ulist_find(c, "L");
	ck_assert(ulist_check(l, "bob", "one"));
	ck_assert(!ulist_check(l, "bob", "two"));
	/* as HAProxy: lines after a duplicate go to the last list created */
	ck_assert(ulist_check(ulist_find(c, "M"), "zed", "z"));
	ck_assert(!ulist_check(l, "zed", "z"));
	cfg_free(c);
}
END_TEST

START_TEST(syntax_errors)
{
	ck_assert_ptr_null(load("userlist\n", false));
	expect(DIAG_ERROR, 1, 1, "'userlist' expects <name> as arguments.");
	ck_assert_ptr_null(load("userlist a b\n", false));
	expect(DIAG_ERROR, 1, 12, "'userlist' cannot handle unexpected argument 'b'.");
	ck_assert_ptr_null(load("userlist a/b\n", false));
	expect(DIAG_ERROR, 1, 10, "character '/' is not permitted in 'userlist' name 'a/b'.");
	ck_assert_ptr_null(load("userlist L\n  user\n  group\n", false));
	expect(DIAG_ERROR, 2, 3, "'user' expects <name> as arguments.");
	expect(DIAG_ERROR, 3, 3, "'group' expects <name> as arguments.");
	ck_assert_ptr_null(load("userlist L\n  group g*\n", false));
	expect(DIAG_ERROR, 2, 9, "character '*' is not permitted in 'group' name 'g*'.");
	ck_assert_ptr_null(load("userlist L\n  user a insecure-password x blah\n", false));
	expect(DIAG_ERROR, 2, 30, "'user' only supports 'password', 'insecure-password' and 'groups' options.");
	ck_assert_ptr_null(load("userlist L\n  group h blah\n", false));
	expect(DIAG_ERROR, 2, 11, "'group' only supports 'users' option.");
	ck_assert_ptr_null(load("userlist L\n  foo bar\n", false));
	expect(DIAG_ERROR, 2, 3, "unknown keyword 'foo' in 'users' section");
}
END_TEST

START_TEST(unknown_members_are_errors)
{
	ck_assert_ptr_null(load("userlist L\n"
	                        "  group g users a,zz\n"
	                        "  user a insecure-password x groups g,nope\n", true));
	expect(DIAG_ERROR, 3, 3, "userlist 'L': no such group 'nope' specified in user 'a'");
	expect(DIAG_ERROR, 2, 3, "userlist 'L': no such user 'zz' specified in group 'g'");
}
END_TEST

START_TEST(unsupported_hash_warns)
{
	/* accepted as HAProxy does on glibc, but nobody can log in */
	struct cfg *c = load("userlist L\n  user a password $99$x$y\n  user b password\n", true);
	ck_assert_ptr_nonnull(c);
	expect(DIAG_WARNING, 2, 19, "is not supported by crypt(3)");
	expect(DIAG_WARNING, 3, 10, "is not supported by crypt(3)");
	ck_assert(!ulist_check(ulist_find(c, "L"), "a", "$99$x$y"));
	ck_assert(!ulist_check(ulist_find(c, "L"), "b", ""));
	cfg_free(c);
	ck_assert(pw_hash_supported(SHA512_SECRET));
	ck_assert(!pw_hash_supported("$99$x$y"));
	ck_assert(!pw_check("x", NULL, false));
}
END_TEST

START_TEST(insecure_flag_is_sticky)
{
	/* HAProxy sets AU_O_INSECURE and never clears it: a later
	 * "password" is then compared as plain text */
	struct cfg *c = load("userlist L\n  user a insecure-password x password y\n", true);
	ck_assert_ptr_nonnull(c);
	ck_assert(ulist_check(ulist_find(c, "L"), "a", "y"));
	cfg_free(c);
}
END_TEST

#define FE "frontend f\n  mode http\n  bind 127.0.0.1:1\n  timeout client 1s\n"

START_TEST(references_from_rules)
{
	struct cfg *c = load("userlist L\n  group ops\n  user a insecure-password x groups ops\n" FE
	                     "  acl ops http_auth_group(L) ops\n"
	                     "  http-request auth realm X unless { http_auth(L) }\n"
	                     "  http-request deny unless ops\n", true);
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
	ck_assert_ptr_null(load("userlist L\n  user a insecure-password x\n" FE
	                        "  http-request auth unless { http_auth(M) }\n", true));
	expect(DIAG_ERROR, 7, 30, "unable to find userlist 'M' referenced in arg 1 of ACL keyword 'http_auth' in proxy 'f'.");
	ck_assert_ptr_null(load("userlist L\n  group ops\n" FE
	                        "  acl g1 http_auth_group(L) ops nog\n", true));
	expect(DIAG_ERROR, 7, 10, "proxy f: acl g1 http_auth_group(): invalid group 'nog'.");
	ck_assert_ptr_null(load("userlist L\n  group ops\n" FE
	                        "  http-request deny if { http_auth_group(L) }\n", true));
	expect(DIAG_ERROR, 7, 26, "proxy f: acl  http_auth_group(): no groups specified.");
	/* as HAProxy: "-m str" leaves the keyword no group to check */
	ck_assert_ptr_null(load("userlist L\n  group ops\n" FE
	                        "  acl x http_auth_group(L) -m str ops\n", true));
	expect(DIAG_ERROR, 7, 9, "proxy f: acl x http_auth_group(): no groups specified.");
}
END_TEST

static void
teardown(void)
{
	diag_free(&d);
}

Suite *suite_userlist(void);

Suite *
suite_userlist(void)
{
	Suite *s = suite_create("userlist");
	TCase *tc = tcase_create("userlist");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, parses_users_and_groups);
	tcase_add_test(tc, duplicates_are_warnings);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, unknown_members_are_errors);
	tcase_add_test(tc, unsupported_hash_warns);
	tcase_add_test(tc, insecure_flag_is_sticky);
	tcase_add_test(tc, references_from_rules);
	suite_add_tcase(s, tc);
	return s;
}
