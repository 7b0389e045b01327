#!/usr/bin/env python3
"""What sluice's `-c` does beyond HAProxy: every diagnostic is
`file:line:col: error|warning: text`, keywords sluice does not implement are
reported as ignored (warning) or unsupported (error), and -dK lists the
keyword tables with their support status. Skipped by make check-oracle."""

import re

import lib

BEYOND_HAPROXY = True

DIAG = re.compile(r"^(.+?):(\d+):(\d+): (error|warning|notice): (.*)$")

BASE = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind 127.0.0.1:%d
    %s
    default_backend be

backend be
    %s
    server s1 127.0.0.1:9001
"""


def cfg(fe_line="", be_line=""):
    """A valid config with one extra line in the frontend (line 9) and one
    in the backend (line 13)."""
    return lib.config(BASE % (lib.free_port(), fe_line or "# -", be_line or "# -"))


def diags(err):
    return [DIAG.match(l).groups() for l in err.splitlines() if DIAG.match(l)]


@lib.test
def error_has_file_line_col():
    path = cfg(fe_line="defualt_backend be")
    r = lib.check(path)
    lib.eq(r.rc, 1, "exit status")
    want = (path, "9", "5", "error",
            "unknown keyword 'defualt_backend' in 'frontend' section; did you mean 'default_backend'?")
    lib.ok(want in diags(r.err), "no diagnostic %r in:\n%s" % (":".join(want[:4]) + ": " + want[4], r.err))


@lib.test
def column_points_at_the_offending_word():
    path = cfg(be_line="balance   round-robin")
    r = lib.check(path)
    lib.eq(r.rc, 1, "exit status")
    d = [x for x in diags(r.err) if x[3] == "error"]
    lib.ok(d, "no error diagnostic:\n" + r.err)
    lib.eq(d[0][:3], (path, "13", "15"), "location of 'round-robin'")
    lib.contains(d[0][4], "balance", "message")


@lib.test
def column_counts_tabs_as_one():
    path = cfg(be_line="server\ts2\t127.0.0.1:9002\tchek")
    r = lib.check(path)
    lib.eq(r.rc, 1, "exit status")
    d = [x for x in diags(r.err) if x[3] == "error"]
    lib.ok(d, "no error diagnostic:\n" + r.err)
    lib.eq(d[0][:3], (path, "13", "30"), "location of 'chek'")
    lib.contains(d[0][4], "unknown keyword 'chek'", "message")
    lib.contains(d[0][4], "did you mean 'check'", "message")


@lib.test
def warning_has_file_line_col():
    path = cfg(be_line="max-keep-alive-queue 10")
    r = lib.check(path)
    lib.eq(r.rc, 0, "exit status")
    lib.contains(r.out, "Warnings were found.", "stdout")
    d = [x for x in diags(r.err) if x[3] == "warning"]
    lib.ok(d, "no warning diagnostic:\n" + r.err)
    lib.eq(d[0][:3], (path, "13", "5"), "location")
    lib.contains(d[0][4], "'max-keep-alive-queue' is ignored by sluice", "message")


@lib.test
def every_diagnostic_line_is_formatted():
    path = cfg(fe_line="defualt_backend be", be_line="balance nope")
    r = lib.check(path)
    lib.eq(r.rc, 1, "exit status")
    for l in r.err.splitlines():
        if l.startswith(path):
            lib.ok(DIAG.match(l), "badly formatted diagnostic: %r" % l)
    lib.eq(len([x for x in diags(r.err) if x[3] == "error"]), 2, "error count")


@lib.test
def ignored_keyword_is_a_warning_and_dW_makes_it_fatal():
    path = cfg(be_line="max-keep-alive-queue 10")
    lib.eq(lib.check(path).rc, 0, "exit status")
    lib.eq(lib.check(path, args=["-dW"]).rc, 1, "exit status with -dW")


@lib.test
def keyword_dump_lists_statuses():
    r = lib.run(["-dKcfg"])
    lib.eq(r.rc, 0, "exit status")
    rows = [l.split("\t") for l in r.out.splitlines() if "\t" in l]
    status = {row[1]: row[0] for row in rows if len(row) >= 2}
    for kw in ("bind", "server", "default_backend", "use_backend", "balance"):
        lib.eq(status.get(kw), "supported", "status of '%s'" % kw)
    lib.eq(status.get("max-keep-alive-queue"), "ignored", "status of 'max-keep-alive-queue'")
    lib.ok(set(status.values()) <= {"supported", "ignored", "unsupported"},
           "unknown statuses: %r" % (set(status.values()),))


@lib.test
def keyword_dump_all_and_markdown():
    r = lib.run(["-dKall"])
    lib.eq(r.rc, 0, "exit status")
    for cls in ("req.ssl_sni", "ssl_fc_sni", "lower"):
        lib.ok(re.search(r"^\w+\t%s\b" % re.escape(cls), r.out, re.M),
               "-dKall lacks %s" % cls)
    r = lib.run(["-dKall", "--markdown"])
    lib.eq(r.rc, 0, "exit status")
    lib.ok(r.out.startswith("# sluice keyword compatibility"), "markdown title")
    lib.contains(r.out, "| `bind` | supported |", "markdown")


@lib.test
def keyword_dump_unknown_class():
    r = lib.run(["-dKnosuchclass"])
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "nosuchclass", "stderr")


lib.main()
