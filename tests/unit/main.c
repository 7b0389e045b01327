/* Runs every Check suite of tests/unit. Each test file defines one or more
 * "Suite *suite_<name>(void)"; the build collects them into suites.inc.
 * Prints one "unit: <suite>/<test>: ok|FAIL" line per test for tests/run.py.
 * An optional argument limits the run to suites whose name contains it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(n) Suite *suite_##n(void);
#include "tests/unit/suites.inc"
#undef SUITE

struct entry {
	const char *name;
	Suite *(*make)(void);
};

#define SUITE(n) { #n, suite_##n },
static const struct entry suites[] = {
#include "tests/unit/suites.inc"
	{ NULL, NULL },
};
#undef SUITE

int
main(int argc, char **argv)
{
	int failed = 0, run = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (const struct entry *e = suites; e->name; e++) {
		if (argc > 1 && strstr(e->name, argv[1]) == NULL)
			continue;
		SRunner *sr = srunner_create(e->make());
		srunner_set_fork_status(sr, CK_NOFORK);
		srunner_run_all(sr, CK_SILENT);
		TestResult **r = srunner_results(sr);
		int n = srunner_ntests_run(sr);
		for (int i = 0; i < n; i++) {
			int ok = tr_rtype(r[i]) == CK_PASS;
			printf("unit: %s/%s: %s", e->name, tr_tcname(r[i]),
			       ok ? "ok\n" : "FAIL");
			if (!ok) {
				printf(" (%s:%d: %s)\n", tr_lfile(r[i]),
				       tr_lno(r[i]), tr_msg(r[i]));
				failed++;
			}
			run++;
		}
		free(r);
		srunner_free(sr);
	}
	printf("unit: %d run, %d failed\n", run, failed);
	return failed ? 1 : 0;
}
