#!/usr/bin/env python3
"""Portability (issue 8): tests/pkg/portability.sh lists every
#if/#ifdef of __linux__, __FreeBSD__ or __OpenBSD__ outside lib/compat*
as an error; the tree must have none. The script itself must find one
planted in a copy (so this test can fail)."""

import os
import shutil
import subprocess

import lib

BEYOND_HAPROXY = True  # about sluice's sources, not about a binary

SCRIPT = os.path.join(lib.ROOT, "tests", "pkg", "portability.sh")


def run(root):
    p = subprocess.run(["sh", SCRIPT, root], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


@lib.test
def no_os_ifdef_outside_compat():
    rc, out = run(lib.ROOT)
    lib.eq(rc, 0, "OS tests outside lib/compat*:\n" + out)


@lib.test
def planted_ifdef_is_found():
    root = lib.tmpdir()
    os.makedirs(os.path.join(root, "engine"))
    os.makedirs(os.path.join(root, "lib"))
    lib.write(os.path.join(root, "engine", "x.c"),
              "int a;\n#if defined(__OpenBSD__)\nint b;\n#endif\n#ifdef __linux__\n#endif\n")
    lib.write(os.path.join(root, "lib", "compat_bsd.c"), "#ifdef __FreeBSD__\n#endif\n")
    rc, out = run(root)
    lib.eq(rc, 1, "exit status\n" + out)
    lib.contains(out, "engine/x.c:2: error:")
    lib.contains(out, "engine/x.c:5: error:")
    lib.lacks(out, "compat_bsd.c")


lib.main()
