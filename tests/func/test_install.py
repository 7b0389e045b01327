#!/usr/bin/env python3
"""`make install` (issue 8): the tree it lays out under DESTDIR with PREFIX
and SYSCONFDIR, the installed binary checking the installed default
configuration, an operator's configuration never overwritten, and the man
pages (mandoc -Tlint clean, readable with man -l).

The install target is sluice's own, hence BEYOND_HAPROXY; the default
configuration must also pass `haproxy -c` (checked when haproxy is here)."""

import grp
import os
import pwd
import re
import shutil
import subprocess

import lib

BEYOND_HAPROXY = True

BUILD = os.environ.get("SLUICE_BUILD") or os.path.join(lib.ROOT, "build")


def make_install(destdir, *extra):
    """Runs `make install` for the build under test without rebuilding it
    (-o: the binary counts as up to date, whatever flags built it)."""
    b = os.path.relpath(BUILD, lib.ROOT)
    argv = ["make", "--no-print-directory", "-o", "%s/sluice" % b, "B=%s" % b,
            "DESTDIR=%s" % destdir] + list(extra) + ["install"]
    p = subprocess.run(argv, cwd=lib.ROOT, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    lib.eq(p.returncode, 0, "make install exit status\n" + out)
    return out


def plain(b):
    """Text of a formatted man page without its overstrike (bold, underline)."""
    return re.sub(".\x08", "", b.decode("utf-8", "replace"))


def files_under(root):
    got = set()
    for d, _, names in os.walk(root):
        for n in names:
            got.add(os.path.relpath(os.path.join(d, n), root))
    return got


@lib.test
def layout_with_prefix_and_sysconfdir():
    dest = os.path.join(lib.tmpdir(), "root")
    make_install(dest, "PREFIX=/opt/sl", "SYSCONFDIR=/opt/sl/etc")
    got = files_under(dest)
    for want in ("opt/sl/sbin/sluice",
                 "opt/sl/share/man/man8/sluice.8",
                 "opt/sl/share/man/man5/sluice.cfg.5",
                 "opt/sl/share/doc/sluice/README.md",
                 "opt/sl/share/doc/sluice/management.md",
                 "opt/sl/share/doc/sluice/keywords.md",
                 "opt/sl/share/doc/sluice/migrating-from-haproxy.md",
                 "opt/sl/share/sluice/examples/quickstart.cfg",
                 "opt/sl/share/sluice/examples/sni.map",
                 "opt/sl/etc/sluice/sluice.cfg"):
        lib.ok(want in got, "%s not installed; got:\n%s" % (want, "\n".join(sorted(got))))
    outside = [f for f in got if not f.startswith("opt/sl/")]
    lib.eq(outside, [], "files outside PREFIX")
    sbin = os.path.join(dest, "opt/sl/sbin/sluice")
    lib.ok(os.access(sbin, os.X_OK), "sbin/sluice is executable")
    lib.eq(oct(os.stat(os.path.join(dest, "opt/sl/etc/sluice/sluice.cfg")).st_mode & 0o777),
           "0o644", "config mode")
    # every example was copied, byte for byte
    for f in os.listdir(os.path.join(lib.ROOT, "examples")):
        src = os.path.join(lib.ROOT, "examples", f)
        if os.path.isfile(src) and not f.startswith("."):
            with open(src, "rb") as a, open(os.path.join(dest, "opt/sl/share/sluice/examples", f), "rb") as b:
                lib.ok(a.read() == b.read(), "example %s differs" % f)


@lib.test
def installed_binary_checks_installed_config():
    dest = os.path.join(lib.tmpdir(), "root")
    make_install(dest, "PREFIX=/usr", "SYSCONFDIR=/etc")
    sbin = os.path.join(dest, "usr/sbin/sluice")
    cfg = os.path.join(dest, "etc/sluice/sluice.cfg")
    r = lib.run(["-c", "-f", cfg], binary=sbin)
    lib.eq(r.rc, 0, "installed sluice -c on the installed config\n%r" % r)
    lib.contains(r.out, "Configuration file is valid")
    lib.eq(r.err, "", "no warning in the default configuration")
    r = lib.run(["-v"], binary=sbin)
    lib.contains(r.out, "sluice version")
    ha = shutil.which("haproxy")
    if ha:
        r = lib.run(["-c", "-f", cfg], binary=ha)
        lib.eq(r.rc, 0, "haproxy -c on the default config\n%r" % r)
    # an installed example runs from share/sluice (its map is relative)
    r = lib.run(["-C", os.path.join(dest, "usr/share/sluice"), "-c", "-f",
                 "examples/passthrough-map.cfg"], binary=sbin)
    lib.eq(r.rc, 0, "installed example\n%r" % r)


@lib.test
def runas_user_and_bsd_paths():
    dest = os.path.join(lib.tmpdir(), "root")
    group = grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name  # nogroup on Debian
    make_install(dest, "PREFIX=/usr/local", "RUNAS_USER=nobody", "RUNAS_GROUP=" + group,
                 "CHROOTDIR=/var/empty", "STATS_SOCKET=/var/run/sluice.sock")
    with open(os.path.join(dest, "usr/local/etc/sluice/sluice.cfg")) as f:
        text = f.read()
    lines = [l.strip() for l in text.splitlines()]
    for want in ("user nobody", "group " + group, "chroot /var/empty",
                 "stats socket /var/run/sluice.sock mode 660 level admin"):
        lib.ok(want in lines, "%r missing from\n%s" % (want, text))
    lib.lacks(text, "#user")
    lib.contains(text, "sluice -c -f /usr/local/etc/sluice/sluice.cfg")
    # the user exists here: the installed binary accepts the result
    sbin = os.path.join(dest, "usr/local/sbin/sluice")
    r = lib.run(["-c", "-f", os.path.join(dest, "usr/local/etc/sluice/sluice.cfg")], binary=sbin)
    lib.eq(r.rc, 0, "sluice -c\n%r" % r)


@lib.test
def existing_config_is_kept():
    dest = os.path.join(lib.tmpdir(), "root")
    mine = os.path.join(dest, "etc/sluice/sluice.cfg")
    os.makedirs(os.path.dirname(mine))
    lib.write(mine, "# the operator's own\n")
    out = make_install(dest, "PREFIX=/usr", "SYSCONFDIR=/etc")
    lib.contains(out, "keeping")
    with open(mine) as f:
        lib.eq(f.read(), "# the operator's own\n", "operator's config overwritten")


@lib.test
def man_pages_lint_and_render():
    mandoc = shutil.which("mandoc")
    lib.ok(mandoc, "mandoc is missing: make deps installs it")
    for page, title in (("sluice.8", "SLUICE(8)"), ("sluice.cfg.5", "SLUICE.CFG(5)")):
        path = os.path.join(lib.ROOT, "doc", page)
        p = subprocess.run([mandoc, "-Tlint", "-Wwarning", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        lib.eq(p.returncode, 0, "mandoc -Tlint %s:\n%s" % (page, p.stdout.decode()))
        p = subprocess.run([mandoc, "-Tutf8", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        text = plain(p.stdout)
        lib.contains(text, title)
        lib.contains(text, "SEE ALSO")
    text = subprocess.run([mandoc, "-Tascii", os.path.join(lib.ROOT, "doc", "sluice.8")],
                          stdout=subprocess.PIPE, timeout=30).stdout
    text = plain(text)
    for section in ("SYNOPSIS", "OPTIONS", "SIGNALS", "FILES", "EXIT STATUS", "EXAMPLES"):
        lib.contains(text, section)
    if shutil.which("man"):
        env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat")
        p = subprocess.run(["man", "-l", os.path.join(lib.ROOT, "doc", "sluice.cfg.5")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=30)
        lib.eq(p.returncode, 0, "man -l sluice.cfg.5: %s" % p.stderr.decode())
        lib.contains(plain(p.stdout), "KEYWORD STATUS")


@lib.test
def man_page_flags_match_usage():
    """Every flag of the usage text is documented in sluice(8)."""
    r = lib.run(["-h"])
    usage = r.out + r.err
    usage = usage[usage.find("Usage"):]
    with open(os.path.join(lib.ROOT, "doc", "sluice.8")) as f:
        man = f.read()
    flags = set(re.findall(r"(?<![\w-])-(d?[A-Za-z]{1,2})\b", usage))
    lib.ok(len(flags) > 10, "usage text parsed: %r" % usage)
    missing = sorted(fl for fl in flags if not re.search(r"\bFl %s\b" % re.escape(fl), man))
    lib.eq(missing, [], "flags in the usage text but not in sluice.8")


def plist_files(path, subst):
    """Files a port's packing list names, relative to PREFIX."""
    out = set()
    with open(path) as f:
        for l in f:
            l = l.strip()
            for k, v in subst.items():
                l = l.replace(k, v)
            if not l or l.endswith("/"):
                continue
            if l.startswith("@"):
                word, _, rest = l.partition(" ")
                if word in ("@bin", "@man"):
                    l = rest
                elif word == "@sample" and rest.endswith(".sample"):
                    l = rest[:-len(".sample")]  # FreeBSD: installed as the sample
                else:
                    continue
            out.add(l[:-3] if l.endswith(".gz") else l)
    return out


@lib.test
def freebsd_plist_matches_install():
    """packaging/freebsd/pkg-plist lists exactly what make install lays out
    with the port's MAKE_ARGS (a new doc or example must be added there)."""
    dest = os.path.join(lib.tmpdir(), "root")
    make_install(dest, "PREFIX=/usr/local", "SYSCONFDIR=/usr/local/etc",
                 "MANDIR=/usr/local/share/man", "DATADIR=/usr/local/share/sluice",
                 "DOCDIR=/usr/local/share/doc/sluice")
    got = files_under(os.path.join(dest, "usr/local"))
    want = plist_files(os.path.join(lib.ROOT, "packaging/freebsd/pkg-plist"),
                       {"%%DATADIR%%": "share/sluice", "%%DOCSDIR%%": "share/doc/sluice"})
    lib.eq(sorted(got - want), [], "installed but not in pkg-plist")
    lib.eq(sorted(want - got), [], "in pkg-plist but not installed")


@lib.test
def openbsd_plist_matches_install():
    """packaging/openbsd/pkg/PLIST lists exactly what make install lays out
    with the port's FAKE_FLAGS."""
    dest = os.path.join(lib.tmpdir(), "root")
    make_install(dest, "PREFIX=/usr/local", "SYSCONFDIR=/usr/local/share/examples",
                 "MANDIR=/usr/local/man", "DATADIR=/usr/local/share/sluice",
                 "DOCDIR=/usr/local/share/doc/sluice")
    got = files_under(os.path.join(dest, "usr/local"))
    want = plist_files(os.path.join(lib.ROOT, "packaging/openbsd/pkg/PLIST"), {})
    lib.eq(sorted(got - want), [], "installed but not in PLIST")
    lib.eq(sorted(want - got), [], "in PLIST but not installed")


lib.main()
