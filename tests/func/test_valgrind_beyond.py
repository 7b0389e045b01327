#!/usr/bin/env python3
"""The valgrind wrapper of lib.py (make check-valgrind, doc/testing.md):
a definite leak or an invalid read in a process it ran fails the test,
a clean process does not. Uses a tiny C program, not sluice, so that it
checks the wrapper itself; skipped without valgrind or a C compiler."""
import os
import subprocess

import lib

BEYOND_HAPROXY = True

LEAKY = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *p = malloc(100), *q = malloc(8);
	memset(p, 1, 100);
	if (argc > 1 && strcmp(argv[1], "leak") == 0)
		p = NULL;           /* definitely lost */
	free(q);
	if (argc > 1 && strcmp(argv[1], "uaf") == 0)
		printf("%d\n", q[0]);   /* invalid read */
	free(p);
	return 0;
}
"""


def program():
    cc = lib.tool("cc") or lib.tool("gcc") or lib.tool("clang")
    if not lib.tool("valgrind") or not cc:
        lib.skip("valgrind or a C compiler missing")
    d = lib.tmpdir()
    src = lib.write(os.path.join(d, "p.c"), LEAKY)
    exe = os.path.join(d, "p")
    subprocess.run([cc, "-g", "-O0", "-o", exe, src], check=True)
    return exe


def reports_of(exe, arg):
    """The reports lib queues for one valgrind run of exe arg."""
    was = lib.VALGRIND
    lib.VALGRIND = True
    try:
        r = lib.run([arg], binary=exe, timeout=60)
    finally:
        lib.VALGRIND = was
    got = list(lib._sanitizer_reports)
    del lib._sanitizer_reports[:]
    lib.eq(r.rc, 0, "exit status of %s %s" % (exe, arg))
    return "\n".join(got)


@lib.test
def a_clean_process_passes():
    lib.eq(reports_of(program(), "clean"), "", "valgrind reports")


@lib.test
def a_definite_leak_fails():
    rep = reports_of(program(), "leak")
    lib.contains(rep, "definitely lost in loss record", "valgrind report")


@lib.test
def an_invalid_read_fails():
    rep = reports_of(program(), "uaf")
    lib.contains(rep, "Invalid read of size 1", "valgrind report")


lib.main()
