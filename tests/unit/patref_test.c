/* Pattern references (engine/patref.c): loading, numbering and the
 * descriptions "show map"/"show acl" print (observed on HAProxy 2.6.12),
 * edits, versions, and lookups racing with edits (run it under ASan:
 * a reader must never see a freed snapshot). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/patref.h"
#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/cfg.h"

Suite *suite_patref(void);

static char tmpdir[64];

static char *
tmpfile_with(const char *name, const char *text)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/patrefXXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	char *p = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* The value v finds through u, or NULL (copied to out). */
static const char *
lookup(struct patref_user *u, const char *key, char *out, size_t outsz)
{
	struct smp_ctx ctx;
	struct smp_run run;
	struct smp_val v;
	memset(&ctx, 0, sizeof(ctx));
	memset(&v, 0, sizeof(v));
	smp_run_init(&run, &ctx);
	v.type = SMP_T_STR;
	v.ptr = key;
	v.len = strlen(key);
	const char *res = NULL;
	const struct smp_map *m = patref_acquire(u);
	const struct smp_map_entry *e = smp_map_lookup(m, &run, &v, NULL, 0);
	if (e) {
		snprintf(out, outsz, "%s", e->value ? e->value : e->key);
		res = out;
	}
	patref_release(u);
	smp_run_done(&run);
	return res;
}

static const struct smp_map_kind STR_MAP = { .m = ACL_M_STR, .values = true };

START_TEST(load_edit)
{
	char *f = tmpfile_with("a.map", "# comment\n\n  a.test   be_a  \nb.test be_b\r\nb.test dup\n");
	struct patref_reg *reg = xcalloc(1, sizeof(*reg));
	char *err = NULL;
	struct patref *r = patref_file(reg, f, true, -1, &err);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->id, 0);
	ck_assert_int_eq((int)r->elts.n, 3);
	ck_assert_str_eq(r->elts.v[0]->key, "a.test");
	ck_assert_str_eq(r->elts.v[0]->value, "be_a");
	ck_assert_str_eq(r->elts.v[1]->value, "be_b");
	ck_assert_int_eq(r->elts.v[2]->line, 5);
	/* one column: the whole line, leading blanks dropped */
	char *g = tmpfile_with("a.acl", "#c\n  x y \n\nz\n");
	struct patref *a = patref_file(reg, g, false, 7, &err);
	ck_assert_int_eq(a->id, 7);
	ck_assert_int_eq((int)a->elts.n, 2);
	ck_assert_str_eq(a->elts.v[0]->key, "x y ");
	ck_assert_ptr_null(a->elts.v[0]->value);
	/* a taken id is not given twice; the next free one follows */
	ck_assert_int_eq(patref_inline(reg, 7)->id, 8);
	ck_assert_ptr_eq(patref_file(reg, f, true, -1, &err), r);
	free(f);
	free(g);
	patref_reg_free(reg);
}
END_TEST

START_TEST(describe)
{
	char *f = tmpfile_with("d.map", "a b\n");
	struct patref_reg *reg = xcalloc(1, sizeof(*reg));
	char *err = NULL;
	struct patref *r = patref_file(reg, f, true, -1, &err);
	patref_describe(r, PATREF_MAP, NULL, "h.cfg", 12);
	patref_describe(r, PATREF_MAP, NULL, "h.cfg", 17);
	patref_describe(r, PATREF_MAP, NULL, "h.cfg", 12);
	char *want = xasprintf("pattern loaded from file '%s' used by map at file 'h.cfg' line 12, by map at file 'h.cfg' line 17", f);
	ck_assert_str_eq(r->desc.s, want);
	struct patref *in = patref_inline(reg, -1);
	ck_assert_int_eq(in->id, 1);
	patref_describe(in, PATREF_ACL, "req.ssl_sni", "h.cfg", 3);
	ck_assert_str_eq(in->desc.s, "acl 'req.ssl_sni' file 'h.cfg' line 3");
	/* kinds filter finds */
	ck_assert_ptr_eq(patref_find(reg, "#0", PATREF_MAP), r);
	ck_assert_ptr_eq(patref_find(reg, f, PATREF_MAP), r);
	ck_assert_ptr_null(patref_find(reg, "#0", PATREF_ACL));
	ck_assert_ptr_eq(patref_find(reg, "#1", PATREF_ACL), in);
	ck_assert_ptr_null(patref_find(reg, "#1x", PATREF_ACL));
	ck_assert_ptr_null(patref_find(reg, "#", PATREF_ACL));
	ck_assert_ptr_null(patref_find(reg, "/nonexistent", PATREF_MAP));
	/* the same file as one column is refused in HAProxy's words */
	ck_assert_ptr_null(patref_file(reg, f, false, -1, &err));
	ck_assert_ptr_nonnull(strstr(err, "is already used as two column file and cannot be used by as one column file"));
	free(err);
	err = NULL;
	ck_assert_ptr_null(patref_file(reg, "/nonexistent/x.map", true, -1, &err));
	ck_assert_ptr_nonnull(strstr(err, "failed to open pattern file </nonexistent/x.map>"));
	free(err);
	free(want);
	free(f);
	patref_reg_free(reg);
}
END_TEST

START_TEST(edits)
{
	char *f = tmpfile_with("e.map", "a.test be_a\nb.test be_b\nb.test dup\n");
	struct patref_reg *reg = xcalloc(1, sizeof(*reg));
	char *err = NULL;
	char buf[64];
	struct patref *r = patref_file(reg, f, true, -1, &err);
	ck_assert_ptr_nonnull(r);
	struct patref_user *u = patref_user_get(r, &STR_MAP, &err);
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_eq(patref_user_get(r, &STR_MAP, &err), u); /* shared */
	ck_assert_str_eq(lookup(u, "b.test", buf, sizeof(buf)), "be_b"); /* first wins */
	ck_assert_ptr_null(lookup(u, "c.test", buf, sizeof(buf)));

	patref_add(r, r->curr_ver, "c.test", "be_c");
	ck_assert_ptr_null(lookup(u, "c.test", buf, sizeof(buf))); /* not yet published */
	ck_assert_int_eq(patref_publish(r, &err), 0);
	ck_assert_str_eq(lookup(u, "c.test", buf, sizeof(buf)), "be_c");

	ck_assert_int_eq((int)patref_set(r, NULL, "b.test", "be_x"), 2);
	ck_assert_int_eq((int)patref_set(r, NULL, "zz", "be_x"), 0);
	patref_publish(r, &err);
	ck_assert_str_eq(lookup(u, "b.test", buf, sizeof(buf)), "be_x");

	/* "#0x..." names one entry */
	char ptr[32];
	snprintf(ptr, sizeof(ptr), "%p", (void *)r->elts.v[0]);
	ck_assert_ptr_eq(patref_elt_by_ptr(r, ptr), r->elts.v[0]);
	ck_assert_ptr_null(patref_elt_by_ptr(r, "0x1"));
	ck_assert_ptr_null(patref_elt_by_ptr(r, "zz"));
	ck_assert_int_eq((int)patref_del(r, patref_elt_by_ptr(r, ptr), NULL), 1);
	ck_assert_int_eq((int)patref_del(r, NULL, "b.test"), 2);
	ck_assert_int_eq((int)patref_del(r, NULL, "b.test"), 0);
	patref_publish(r, &err);
	ck_assert_ptr_null(lookup(u, "a.test", buf, sizeof(buf)));
	ck_assert_ptr_null(lookup(u, "b.test", buf, sizeof(buf)));
	ck_assert_int_eq((int)r->elts.n, 1);
	ck_assert_int_eq((int)r->entry_cnt, 1);

	/* values and keys are checked for every user, in HAProxy's words */
	struct smp_map_kind ipk = { .m = ACL_M_IP, .values = true,
	                            .out = MAP_OUT_INT };
	char *ipf = tmpfile_with("ip.map", "10.0.0.0/8 1\n");
	struct patref *r2 = patref_file(reg, ipf, true, -1, &err);
	ck_assert_ptr_nonnull(patref_user_get(r2, &ipk, &err));
	ck_assert_int_eq(patref_check(r2, "notip", "3", &err), -1);
	ck_assert_str_eq(err, "'notip' is not a valid IPv4 or IPv6 address");
	free(err);
	ck_assert_int_eq(patref_check(r2, "10.1.0.0/16", "x", &err), -1);
	ck_assert_str_eq(err, "unable to parse 'x'");
	free(err);
	ck_assert_int_eq(patref_check(r2, "10.1.0.0/16", "7", &err), 0);
	free(ipf);
	free(f);
	patref_reg_free(reg);
}
END_TEST

START_TEST(versions)
{
	char *f = tmpfile_with("v.map", "a.test be_a\n");
	struct patref_reg *reg = xcalloc(1, sizeof(*reg));
	char *err = NULL;
	char buf[64];
	struct patref *r = patref_file(reg, f, true, -1, &err);
	struct patref_user *u = patref_user_get(r, &STR_MAP, &err);
	ck_assert_uint_eq(patref_prepare(r), 1);
	ck_assert_uint_eq(patref_prepare(r), 2);
	ck_assert(!patref_future(r, 2));
	ck_assert(patref_future(r, 3));
	patref_add(r, 1, "n.test", "be_n");
	patref_add(r, 2, "m.test", "be_m");
	patref_publish(r, &err);
	ck_assert_ptr_null(lookup(u, "n.test", buf, sizeof(buf)));
	ck_assert_str_eq(lookup(u, "a.test", buf, sizeof(buf)), "be_a");
	ck_assert_int_eq(patref_commit(r, 5), -1);
	ck_assert_int_eq(patref_commit(r, 0), -1);
	ck_assert_int_eq(patref_commit(r, 1), 0);
	patref_publish(r, &err);
	/* older versions are gone, newer ones stay */
	ck_assert_str_eq(lookup(u, "n.test", buf, sizeof(buf)), "be_n");
	ck_assert_ptr_null(lookup(u, "a.test", buf, sizeof(buf)));
	ck_assert_int_eq((int)r->elts.n, 2);
	ck_assert_int_eq(patref_commit(r, 1), -1);
	patref_clear(r, 2);
	ck_assert_int_eq((int)r->elts.n, 1);
	ck_assert_int_eq(patref_commit(r, 2), 0);
	patref_publish(r, &err);
	ck_assert_ptr_null(lookup(u, "n.test", buf, sizeof(buf)));
	ck_assert_int_eq((int)r->elts.n, 0);
	ck_assert_uint_eq(r->curr_ver, 2);
	ck_assert_uint_eq(r->next_ver, 2);
	free(f);
	patref_reg_free(reg);
}
END_TEST

/* ---- readers racing with the CLI ---- */

static atomic_bool stop;
static atomic_long bad;

static void *
reader(void *arg)
{
	struct patref_user *u = arg;
	char buf[64];
	while (!atomic_load(&stop)) {
		const char *v = lookup(u, "k.test", buf, sizeof(buf));
		/* absent, or one of the values the writer sets: never torn */
		if (v && strcmp(v, "one") && strcmp(v, "two"))
			atomic_fetch_add(&bad, 1);
		if (!lookup(u, "fixed.test", buf, sizeof(buf)) || strcmp(buf, "always"))
			atomic_fetch_add(&bad, 1);
	}
	return NULL;
}

START_TEST(race)
{
	char *f = tmpfile_with("r.map", "fixed.test always\n");
	struct patref_reg *reg = xcalloc(1, sizeof(*reg));
	char *err = NULL;
	struct patref *r = patref_file(reg, f, true, -1, &err);
	struct patref_user *u = patref_user_get(r, &STR_MAP, &err);
	pthread_t t[2];
	atomic_store(&stop, false);
	atomic_store(&bad, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, u);
	for (int i = 0; i < 2000; i++) {
		patref_add(r, r->curr_ver, "k.test", (i & 1) ? "one" : "two");
		patref_publish(r, &err);
		patref_set(r, NULL, "k.test", (i & 1) ? "two" : "one");
		patref_publish(r, &err);
		patref_del(r, NULL, "k.test");
		patref_publish(r, &err);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq((int)atomic_load(&bad), 0);
	free(f);
	patref_reg_free(reg);
}
END_TEST

/* ---- numbering from a configuration (observed on HAProxy 2.6.12) ---- */

START_TEST(from_config)
{
	char *map = tmpfile_with("sni.map", "a.example.test be_a\n");
	char *acl = tmpfile_with("list.acl", "x.example.test\n");
	char *text = xasprintf(
	    "defaults\n"                                                   /* 1 */
	    "  mode tcp\n"                                                 /* 2 */
	    "frontend fe\n"                                                /* 3 */
	    "  bind 127.0.0.1:1\n"                                         /* 4 */
	    "  tcp-request content accept if { req.ssl_hello_type 1 }\n"   /* 5 */
	    "  acl x req.ssl_sni -f %s\n"                                  /* 6 */
	    "  use_backend %%[req.ssl_sni,map(%s,be_a)]\n"                 /* 7 */
	    "  use_backend be_a if { req.ssl_sni,map_beg(%s) -m found }\n" /* 8 */
	    "  use_backend be_a if x TRUE\n"                               /* 9 */
	    "backend be_a\n"
	    "  server s 127.0.0.1:2\n",
	    acl, map, map);
	struct cfg_opts o = { .check_files = true, .no_dns = true };
	struct diag d;
	memset(&d, 0, sizeof(d));
	struct cfg *cfg = cfg_load_string("h.cfg", text, strlen(text), &o, false, &d);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(smp_runtime_init(cfg, &d), 0);
	struct patref_reg *reg = smp_rt_patrefs(cfg);
	ck_assert_ptr_nonnull(reg);
	/* parse-time uses in line order, the dynamic use_backend last */
	struct { int id; const char *desc; } want[] = {
		{ 0, "acl 'req.ssl_hello_type' file 'h.cfg' line 5" },
		{ 1, NULL /* list.acl */ },
		{ 2, "acl 'req.ssl_sni' file 'h.cfg' line 6" },
		{ 3, NULL /* sni.map */ },
		{ 4, "acl 'req.ssl_sni' file 'h.cfg' line 8" },
		{ 5, "acl 'always_true' file 'h.cfg' line 9" },
	};
	ck_assert_int_eq((int)reg->refs.n, 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_int_eq(reg->refs.v[i]->id, want[i].id);
		if (want[i].desc)
			ck_assert_str_eq(reg->refs.v[i]->desc.s, want[i].desc);
	}
	char *d1 = xasprintf("pattern loaded from file '%s' used by acl at file 'h.cfg' line 6", acl);
	char *d3 = xasprintf("pattern loaded from file '%s' used by map at file 'h.cfg' line 8, by map at file 'h.cfg' line 7", map);
	ck_assert_str_eq(reg->refs.v[1]->desc.s, d1);
	ck_assert_str_eq(reg->refs.v[3]->desc.s, d3);
	ck_assert_uint_eq(reg->refs.v[1]->kinds, PATREF_ACL);
	ck_assert_uint_eq(reg->refs.v[3]->kinds, PATREF_MAP);
	/* map_beg and map: two compiled forms of one reference */
	ck_assert_int_eq((int)reg->refs.v[3]->users.n, 2);
	free(d1);
	free(d3);
	smp_runtime_free(cfg);
	cfg_free(cfg);
	diag_free(&d);
	free(text);
	free(map);
	free(acl);
}
END_TEST

Suite *
suite_patref(void)
{
	Suite *s = suite_create("patref");
	TCase *tc = tcase_create("patref");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, load_edit);
	tcase_add_test(tc, describe);
	tcase_add_test(tc, edits);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, race);
	tcase_add_test(tc, from_config);
	suite_add_tcase(s, tc);
	return s;
}
