#!/usr/bin/env python3
"""doc/configuration.md cannot drift from the keyword tables: it must be
exactly what doc/gen_configuration.py makes from `sluice -dKall --tsv` and
doc/configuration.in, every supported or ignored keyword must have a
description there, and configuration.in must not describe keywords the
binary does not list. Also checks the --tsv listing itself against the
plain -dKall listing, and that the generator really reports a missing or an
unknown entry (so that the checks above can fail)."""

import importlib.util
import os
import subprocess
import sys

import lib

BEYOND_HAPROXY = True

DOC = os.path.join(lib.ROOT, "doc")


def gen():
    spec = importlib.util.spec_from_file_location(
        "gen_configuration", os.path.join(DOC, "gen_configuration.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


@lib.test
def tsv_listing_matches_plain_listing():
    tsv = lib.run(["-dKall", "--tsv"])
    lib.eq(tsv.rc, 0, "sluice -dKall --tsv exit status")
    plain = lib.run(["-dKall"])
    want = []
    for line in plain.out.splitlines():
        if not line.startswith("#"):
            f = line.split("\t")
            want.append((f[1], f[0], f[2] if len(f) > 2 else ""))
    got = []
    for line in tsv.out.splitlines():
        f = line.split("\t")
        lib.eq(len(f), 6, "fields in %r" % line)
        lib.ok(f[2] in ("supported", "ignored", "unsupported"), "bad status: %r" % line)
        got.append((f[1], f[2], f[4]))
    lib.eq(got, want, "--tsv rows (name, status, usage) vs -dKall")
    cfg = [l.split("\t") for l in tsv.out.splitlines() if l.startswith("cfg\t")]
    lib.ok(cfg and all(f[3] for f in cfg), "every cfg row has its sections")


@lib.test
def configuration_md_is_current_and_complete():
    g = gen()
    text, errors = g.generate(g.table_rows(lib.BIN),
                              g.parse_in(os.path.join(DOC, "configuration.in")))
    lib.eq(errors, [], "doc/configuration.in problems (fix them, then 'make docs')")
    with open(os.path.join(DOC, "configuration.md"), encoding="utf-8") as f:
        cur = f.read()
    lib.ok(cur == text, "doc/configuration.md is stale: run 'make docs'")


@lib.test
def every_accepted_keyword_is_in_the_document():
    with open(os.path.join(DOC, "configuration.md"), encoding="utf-8") as f:
        doc = f.read()
    for line in lib.run(["-dKall", "--tsv"]).out.splitlines():
        cls, name, status = line.split("\t")[:3]
        if cls == "cfg":
            cls = "global" if line.split("\t")[3] == "global" else "proxy"
        if status != "unsupported":
            lib.contains(doc, '<a id="%s"></a>' % gen().anchor(cls, name),
                         "configuration.md")


@lib.test
def generator_reports_missing_and_unknown_entries():
    g = gen()
    rows = g.table_rows(lib.BIN)
    accepted = [r[1] for r in rows if r[2] != "unsupported" and r[0] == "global"]
    d = lib.tmpdir()
    # Documents only the first accepted global keyword, plus a made-up one.
    src = lib.write(os.path.join(d, "c.in"),
                    "@class global\n== %s\nexample: x\nText.\n"
                    "== no-such-keyword-here\nText.\n" % accepted[0])
    _, errors = g.generate(rows, g.parse_in(src))
    text = "\n".join(errors)
    lib.contains(text, "'no-such-keyword-here' is not a keyword", "generator errors")
    lib.contains(text, "no entry for global keyword %r" % accepted[1], "generator errors")
    lib.lacks(text, "no entry for global keyword %r" % accepted[0], "generator errors")
    # A usage: line for a keyword whose table row has a usage is stale.
    with_usage = [r[1] for r in rows if r[0] == "global" and r[2] != "unsupported" and r[4]]
    src = lib.write(os.path.join(d, "u.in"),
                    "@class global\n== %s\nusage: %s <x>\nText.\n" % (with_usage[0], with_usage[0]))
    _, errors = g.generate(rows, g.parse_in(src))
    lib.contains("\n".join(errors), "has a usage in the keyword table now", "generator errors")
    # --check (what a CI step would run) fails on a stale output file.
    out = lib.write(os.path.join(d, "c.md"), "stale\n")
    p = subprocess.run([sys.executable, os.path.join(DOC, "gen_configuration.py"),
                        "--sluice", lib.BIN, "--out", out, "--check"],
                       capture_output=True, text=True)
    lib.eq(p.returncode, 1, "--check exit status on a stale file")
    lib.contains(p.stderr, "is stale", "--check stderr")


lib.main()
