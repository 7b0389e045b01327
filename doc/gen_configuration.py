#!/usr/bin/env python3
"""Generates doc/configuration.md from the binary's keyword tables and the
prose in doc/configuration.in, so the reference cannot drift from the code.

    gen_configuration.py [--sluice build/sluice] [--in doc/configuration.in]
                         [--out doc/configuration.md] [--check]

The tables (`sluice -dKall --tsv`: class, name, status, sections, usage,
note) give each keyword's status, sections, usage and note; configuration.in
gives, for every supported or ignored keyword, a description, its default and
an example. Without --check the result is written to --out (or stdout with
--out -). With --check nothing is written: the exit status is 1 when --out
differs from what would be generated. Either way, a supported/ignored keyword
without an entry in configuration.in, or an entry naming a keyword the binary
does not list, is an error (exit 1, one line each on stderr).

configuration.in format (one block per keyword or explicit group):

    # comment (a line starting with '#')
    @class <class>            global proxy bind server http-request ...
    == <name> [| <name>...]   the keyword(s) this block documents
    usage: <name> <args>      optional, may repeat: the synopsis of a keyword
                              whose table row has none (one line per name)
    default: <text>           optional
    example: <line>           optional, may repeat
    <description lines>       joined into one paragraph

Class "cfg" of the tables is split in two: "global" (keywords allowed only in
the global section) and "proxy" (defaults/frontend/listen/backend), because
some names (maxconn, log-tag...) exist in both with different meanings.
Unsupported keywords need no entry: their note from the tables is listed.
"""

import argparse
import os
import subprocess
import sys

CLASSES = [
    ("global", "Global section keywords", "`global` section."),
    ("proxy", "Proxy keywords",
     "`defaults`, `frontend`, `listen` and `backend` sections; the sections "
     "column says where each is allowed."),
    ("bind", "Bind options", "Options after `bind <address>` (and in `crt-list` lines "
     "where HAProxy allows them)."),
    ("server", "Server and default-server options",
     "Options after `server <name> <address>` and `default-server`."),
    ("http-request", "http-request actions", "`http-request <action> [if|unless <cond>]`."),
    ("http-response", "http-response actions", "`http-response <action> [if|unless <cond>]`."),
    ("http-after-response", "http-after-response actions",
     "`http-after-response <action> [if|unless <cond>]`: applied to every response, "
     "including those sluice generates."),
    ("tcp-request", "tcp-request actions",
     "`tcp-request connection|session|content <action> [if|unless <cond>]`."),
    ("tcp-response", "tcp-response actions", "`tcp-response content <action> [if|unless <cond>]`."),
    ("smp", "Sample fetches", "Used in ACLs, log formats, `%[...]` expressions and actions."),
    ("cnv", "Converters", "Applied to a sample: `fetch,converter(args),...`."),
    ("acl", "ACL keywords", "`acl <name> <criterion> [flags] <patterns>`: a fetch with a "
     "default match method."),
]
CLASS_NAMES = [c[0] for c in CLASSES]

STATUS_TEXT = (
    "Statuses: **supported** (parsed and applied as HAProxy 2.6 does, except where "
    "[compatibility.md](compatibility.md) says otherwise), **ignored** (accepted with a "
    "warning from `sluice -c`: it only tunes HAProxy internals), **unsupported** "
    "(`sluice -c` reports an error naming the line). A few supported keywords whose "
    "engine part is not finished are refused when the configuration is started, naming the "
    "line; [compatibility.md](compatibility.md) lists them.")


def table_rows(sluice):
    """[(class, name, status, sections, usage, note)] from the binary."""
    out = subprocess.run([sluice, "-dKall", "--tsv"], check=True,
                         stdout=subprocess.PIPE).stdout.decode("utf-8")
    rows = []
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) != 6:
            raise SystemExit("bad -dKall --tsv line: %r" % line)
        if f[0] == "cfg":
            f[0] = "global" if f[3] == "global" else "proxy"
        rows.append(tuple(f))
    return rows


class Entry:
    def __init__(self, cls, names, lineno):
        self.cls = cls
        self.names = names
        self.lineno = lineno
        self.default = None
        self.usage = {}
        self.examples = []
        self.text = []


def parse_in(path):
    """[Entry] from configuration.in; raises SystemExit on syntax errors."""
    entries = []
    cls = None
    cur = None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if line.startswith("@class "):
                cls = line[7:].strip()
                if cls not in CLASS_NAMES:
                    raise SystemExit("%s:%d: unknown class %r" % (path, n, cls))
                cur = None
            elif line.startswith("== "):
                if cls is None:
                    raise SystemExit("%s:%d: entry before any @class" % (path, n))
                names = [x.strip() for x in line[3:].split("|") if x.strip()]
                cur = Entry(cls, names, n)
                entries.append(cur)
            elif not line.strip():
                continue
            elif cur is None:
                raise SystemExit("%s:%d: text outside an entry" % (path, n))
            elif line.startswith("usage:"):
                u = line[6:].strip()
                # the longest name of the entry that starts the line
                names = sorted((x for x in cur.names if u == x or u.startswith(x + " ")),
                               key=len, reverse=True)
                if not names:
                    raise SystemExit("%s:%d: usage line names no keyword of its entry"
                                     % (path, n))
                cur.usage[names[0]] = u[len(names[0]):].strip()
            elif line.startswith("default:"):
                cur.default = line[8:].strip()
            elif line.startswith("example:"):
                cur.examples.append(line[8:].strip())
            else:
                cur.text.append(line.strip())
    return entries


def anchor(cls, name):
    a = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return "%s-%s" % (cls, a)


def cell(s):
    return (s or "").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def generate(rows, entries):
    """(markdown text, [error lines])."""
    errors = []
    by_key = {}
    for r in rows:
        by_key.setdefault((r[0], r[1]), []).append(r)
    documented = {}
    for e in entries:
        for name in e.names:
            key = (e.cls, name)
            if key in documented:
                errors.append("configuration.in:%d: %s %r already documented at line %d"
                              % (e.lineno, e.cls, name, documented[key].lineno))
            elif key not in by_key:
                errors.append("configuration.in:%d: %s %r is not a keyword sluice lists "
                              "(sluice -dKall --tsv)" % (e.lineno, e.cls, name))
            else:
                documented[key] = e
                if name in e.usage and any(r[4] for r in by_key[key]):
                    errors.append("configuration.in:%d: %s %r has a usage in the keyword "
                                  "table now: remove its usage: line"
                                  % (e.lineno, e.cls, name))
    for r in rows:
        if r[2] != "unsupported" and (r[0], r[1]) not in documented:
            errors.append("configuration.in: no entry for %s keyword %r (%s)"
                          % (r[0], r[1], r[2]))

    out = ["# sluice configuration reference", "",
           "Generated by `doc/gen_configuration.py` (`make docs`) from the keyword tables "
           "(`sluice -dKall --tsv`) and the descriptions in `doc/configuration.in`: do not "
           "edit it, edit those. A test fails when it is stale or when a keyword sluice "
           "accepts has no description. The one-line summary of every keyword is in "
           "[keywords.md](keywords.md); migrating a HAProxy configuration is covered in "
           "[migrating-from-haproxy.md](migrating-from-haproxy.md).", "",
           STATUS_TEXT, "", "## Contents", ""]
    for cls, title, _ in CLASSES:
        crow = [r for r in rows if r[0] == cls]
        nacc = sum(1 for r in crow if r[2] != "unsupported")
        out.append("- [%s](#%s) (%d accepted, %d unsupported)"
                   % (title, "class-" + cls, nacc, len(crow) - nacc))
    out.append("")

    for cls, title, intro in CLASSES:
        crow = [r for r in rows if r[0] == cls]
        out += ['<a id="class-%s"></a>' % cls, "", "## " + title, "", intro, ""]
        # Entries in alphabetical order of their first listed name; each
        # group once, at its first name.
        groups = []
        seen = set()
        for r in sorted(crow, key=lambda r: r[1]):
            e = documented.get((cls, r[1]))
            if e is None or id(e) in seen:
                continue
            seen.add(id(e))
            groups.append(e)
        if groups:
            out.append("Index: " + ", ".join(
                "[`%s`](#%s)" % (n, anchor(cls, n))
                for n in sorted({n for g in groups for n in g.names})))
            out.append("")
        for e in groups:
            for n in e.names:
                out.append('<a id="%s"></a>' % anchor(cls, n))
            out += ["", "### " + ", ".join("`%s`" % n for n in e.names), ""]
            if cls in ("global", "proxy"):
                out += ["| keyword | status | sections | usage |", "|---|---|---|---|"]
            else:
                out += ["| keyword | status | usage |", "|---|---|---|"]
            notes = []
            for n in e.names:
                for r in by_key[(cls, n)]:
                    line = "| `%s` | %s | " % (n, r[2])
                    if cls in ("global", "proxy"):
                        line += cell(r[3]) + " | "
                    out.append(line + cell(r[4] or e.usage.get(n, "")) + " |")
                    if r[5]:
                        notes.append("`%s`: %s" % (n, r[5]))
            out.append("")
            if e.text:
                out += [" ".join(e.text), ""]
            for nt in notes:
                out += ["Note: " + nt, ""]
            if e.default:
                out += ["Default: " + e.default, ""]
            if e.examples:
                out += ["Example:", "", "```"] + e.examples + ["```", ""]
        # (an unsupported keyword with an entry is shown above instead)
        unsup = [r for r in crow if r[2] == "unsupported" and (cls, r[1]) not in documented]
        if unsup:
            out += ["### Unsupported %s" % title.lower(), "",
                    "| keyword | usage | note |", "|---|---|---|"]
            for r in sorted(unsup, key=lambda r: r[1]):
                out.append("| `%s` | %s | %s |" % (r[1], cell(r[4]), cell(r[5])))
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n", errors


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", default=os.path.join(root, "build", "sluice"))
    ap.add_argument("--in", dest="src", default=os.path.join(root, "doc", "configuration.in"))
    ap.add_argument("--out", default=os.path.join(root, "doc", "configuration.md"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    text, errors = generate(table_rows(a.sluice), parse_in(a.src))
    for e in errors:
        print(e, file=sys.stderr)
    if a.check:
        try:
            with open(a.out, encoding="utf-8") as f:
                cur = f.read()
        except OSError:
            cur = None
        if cur != text:
            print("%s is stale: run 'make docs'" % a.out, file=sys.stderr)
            return 1
        return 1 if errors else 0
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
