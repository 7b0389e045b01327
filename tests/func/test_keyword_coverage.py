#!/usr/bin/env python3
"""Every keyword haproxy 2.6 registers (haproxy -dKall) has a row in
sluice's tables with a status, so that `sluice -c` never meets a real
HAProxy keyword it does not know: it is supported, ignored with a warning,
or reported unsupported. Also checks that doc/keywords.md is the current
output of `sluice -dKall --markdown` (make docs). Needs haproxy installed
(make deps installs it); skipped without it."""

import os
import shutil
import subprocess

import lib

BEYOND_HAPROXY = True


def haproxy_keywords():
    """Returns {class: set(names)} from haproxy -dKall."""
    hap = shutil.which("haproxy")
    if hap is None:
        return None
    d = lib.tmpdir()
    cfg = lib.write(os.path.join(d, "e.cfg"), "global\n")
    out = subprocess.run([hap, "-dKall", "-q", "-c", "-f", cfg],
                         capture_output=True, text=True).stdout
    kws = {k: set() for k in ("global", "proxy", "bind", "server", "option",
                              "tcp-request", "tcp-response", "http-request",
                              "http-response", "http-after-response",
                              "smp", "cnv", "acl")}
    section = None
    for line in out.splitlines():
        if line.startswith("# List of registered "):
            section = line.split("registered ", 1)[1]
            sub = None
            continue
        if section is None or line.startswith("#") or not line.strip():
            continue
        if section.startswith("ACL"):
            kws["acl"].add(line.split(" = ")[0].strip())
        elif section.startswith("sample fetch"):
            # "[ Y . Y ... ] name(args): type"
            kws["smp"].add(line.split("]", 1)[1].split(":")[0].split("(")[0].strip())
        elif section.startswith("sample converter"):
            kws["cnv"].add(line.split(":")[0].split("(")[0].strip())
        elif section.startswith("configuration"):
            if not line.startswith("\t"):
                sub = line.strip()
                continue
            w = line.strip().split()
            if sub == "global":
                kws["global"].add(w[0])
            elif sub != "listen":
                continue
            elif len(w) == 1:
                kws["proxy"].add(w[0])
            elif w[0] == "bind":
                kws["bind"].add(w[3] if w[2] == "ssl" else w[2])
            elif w[0] == "server":
                kws["server"].add(w[3])
            elif w[0] == "option":
                kws["option"].add(w[1])
            elif w[0] in ("tcp-request", "tcp-response"):
                kws[w[0]].add(w[2])
            elif w[0] in ("http-request", "http-response", "http-after-response"):
                kws[w[0]].add(w[1])
            else:
                kws["proxy"].add(w[0])
    return kws


def sluice_rows(cls):
    r = lib.run(["-dK" + cls])
    lib.eq(r.rc, 0, "-dK%s exit status" % cls)
    rows = {}
    for line in r.out.splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        rows[f[1]] = f[0]
    return rows


HAP = haproxy_keywords()


def action_match(name, rows):
    """"set-var*" is a prefix (set-var(<name>)); "track-sc*" covers
    track-sc0..2."""
    if not name.endswith("*"):
        return name in rows
    p = name[:-1]
    return p in rows or any(r.startswith(p) for r in rows)


def missing(hap_class, sluice_class, match=action_match):
    if HAP is None:
        print("    (haproxy not installed: skipped)")
        return
    rows = sluice_rows(sluice_class)
    lost = sorted(n for n in HAP[hap_class] if not match(n, rows))
    lib.ok(not lost, "%d %s keyword(s) of haproxy missing from sluice -dK%s: %s"
           % (len(lost), hap_class, sluice_class, " ".join(lost)))


def first_word_of_a_row(name, rows):
    return name in rows or any(r.split(" ")[0] == name for r in rows)


@lib.test
def global_keywords():
    missing("global", "cfg", first_word_of_a_row)


@lib.test
def proxy_keywords():
    missing("proxy", "cfg", first_word_of_a_row)


@lib.test
def options():
    missing("option", "cfg", lambda n, rows: "option " + n in rows)


@lib.test
def bind_options():
    missing("bind", "bind")


@lib.test
def server_options():
    missing("server", "server")


@lib.test
def rule_actions():
    for cls in ("tcp-request", "tcp-response", "http-request", "http-response",
                "http-after-response"):
        missing(cls, cls)


@lib.test
def fetches_converters_acl_keywords():
    missing("smp", "smp")
    missing("cnv", "cnv")
    missing("acl", "acl")


@lib.test
def statuses_are_known():
    r = lib.run(["-dKall"])
    for line in r.out.splitlines():
        if line.startswith("#"):
            continue
        lib.ok(line.split("\t")[0] in ("supported", "ignored", "unsupported"),
               "bad status line: %r" % line)


@lib.test
def keywords_doc_is_current():
    r = lib.run(["-dKall", "--markdown"])
    with open(os.path.join(lib.ROOT, "doc", "keywords.md")) as f:
        doc = f.read()
    lib.ok(doc == r.out, "doc/keywords.md is stale: run 'make docs'")


lib.main()
