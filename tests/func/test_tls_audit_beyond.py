#!/usr/bin/env python3
"""Beyond HAProxy (doc/security.md): sluice -c, and the start-up, warn
with file:line:col when a bind or a server allows a protocol version
below TLSv1.2 because of what the configuration says (ssl-min-ver,
ssl-max-ver, force-*, no-tlsv12+no-tlsv13, on the line, in a crt-list
entry or in ssl-default-{bind,server}-options). HAProxy accepts these
silently; sluice accepts them too (they do what they say, see
test_tls_audit.py) and the warning is advice: zero-warning does not make
it fatal. allow-0rtt stays without effect (early data refused)."""
import os
import re

import lib
import tls_term as tt

BEYOND_HAPROXY = True

P = tt.pki()
LEAF = P.leaf("warn.test", kind="ec")

WARN = re.compile(r"^(?P<file>\S+):(?P<line>\d+):(?P<col>\d+): warning: "
                  r"(?P<what>bind '[^']+'|server '[^']+') allows (?P<ver>TLSv1\.[01]|SSLv3), "
                  r"a protocol version below TLSv1\.2", re.M)

HEAD = """defaults
    timeout connect 5s
    timeout client 5s
    timeout server 5s
"""


def cfg(glob="", bind="", server=None, crtlist=None):
    """A config whose frontend line 7 (8 with a global line) is the ssl
    bind "<addr> ssl crt <leaf> <bind>" and whose backend has one TLS
    server "<server>" when given. Returns (path, bind line, server line)."""
    d = lib.tmpdir()
    text = ""
    if glob:
        text += "global\n    %s\n" % glob
    text += HEAD
    text += "frontend f\n"
    bline = text.count("\n") + 1
    if crtlist is not None:
        lst = lib.write(os.path.join(d, "l.txt"), "%s %s\n" % (LEAF.pem, crtlist))
        text += "    bind 127.0.0.1:%d ssl crt-list %s %s\n" % (lib.free_port(), lst, bind)
    else:
        text += "    bind 127.0.0.1:%d ssl crt %s %s\n" % (lib.free_port(), LEAF.pem, bind)
    text += "    default_backend b\nbackend b\n"
    sline = text.count("\n") + 1
    text += "    server s 127.0.0.1:9 ssl verify none %s\n" % (server or "")
    return lib.config(text, directory=d), bline, sline


def warnings(r):
    return [(int(m["line"]), int(m["col"]), m["what"].split()[0], m["ver"])
            for m in WARN.finditer(r.err)]


DOWNGRADES = [
    # (what, cfg kwargs, expected (kind, version) list with the line key)
    ("bind ssl-min-ver TLSv1.0", dict(bind="ssl-min-ver TLSv1.0"), [("b", "bind", "TLSv1.0")]),
    ("bind ssl-min-ver TLSv1.1", dict(bind="ssl-min-ver TLSv1.1"), [("b", "bind", "TLSv1.1")]),
    ("bind ssl-max-ver TLSv1.1", dict(bind="ssl-max-ver TLSv1.1"), [("b", "bind", "TLSv1.1")]),
    ("bind force-tlsv10", dict(bind="force-tlsv10"), [("b", "bind", "TLSv1.0")]),
    ("bind force-tlsv11", dict(bind="force-tlsv11"), [("b", "bind", "TLSv1.1")]),
    ("crt-list ssl-min-ver TLSv1.0", dict(crtlist="[ssl-min-ver TLSv1.0]"),
     [("b", "bind", "TLSv1.0")]),
    ("ssl-default-bind-options", dict(glob="ssl-default-bind-options ssl-min-ver TLSv1.1"),
     [("b", "bind", "TLSv1.1")]),
    ("server ssl-min-ver TLSv1.0", dict(server="ssl-min-ver TLSv1.0"),
     [("s", "server", "TLSv1.0")]),
    ("server ssl-max-ver TLSv1.1", dict(server="ssl-max-ver TLSv1.1"),
     [("s", "server", "TLSv1.0")]),
    ("server force-tlsv11", dict(server="force-tlsv11"), [("s", "server", "TLSv1.1")]),
    ("server no-tlsv12 no-tlsv13", dict(server="no-tlsv12 no-tlsv13"),
     [("s", "server", "TLSv1.0")]),
    ("ssl-default-server-options", dict(glob="ssl-default-server-options ssl-min-ver TLSv1.0"),
     [("s", "server", "TLSv1.0")]),
]

CLEAN = [
    ("defaults", {}),
    ("bind ssl-min-ver TLSv1.2", dict(bind="ssl-min-ver TLSv1.2")),
    ("bind ssl-min-ver TLSv1.3", dict(bind="ssl-min-ver TLSv1.3")),
    ("bind ssl-max-ver TLSv1.2", dict(bind="ssl-max-ver TLSv1.2")),
    ("bind no-tlsv12 (TLS 1.3 only)", dict(bind="no-tlsv12")),
    ("bind force-tlsv12", dict(bind="force-tlsv12")),
    ("bind no-tlsv10 no-tlsv11", dict(bind="no-tlsv10 no-tlsv11")),
    ("server ssl-min-ver TLSv1.2", dict(server="ssl-min-ver TLSv1.2")),
    ("server no-tlsv10", dict(server="no-tlsv10")),
    ("server no-tlsv13", dict(server="no-tlsv13")),
    ("server force-tlsv13", dict(server="force-tlsv13")),
    ("ssl-default-bind-options ssl-min-ver TLSv1.2",
     dict(glob="ssl-default-bind-options ssl-min-ver TLSv1.2")),
    ("global downgrade overridden by the line",
     dict(glob="ssl-default-server-options ssl-min-ver TLSv1.0", server="ssl-min-ver TLSv1.2")),
]


@lib.test
def downgrade_warned_at_check():
    for what, kw, want in DOWNGRADES:
        path, bline, sline = cfg(**kw)
        r = lib.check(path)
        lib.eq(r.rc, 0, "%s: -c exit status\n%r" % (what, r))
        lib.contains(r.out, "Warnings were found.", what)
        lib.contains(r.out, "Configuration file is valid", what)
        got = warnings(r)
        exp = [((bline if k == "b" else sline), kind, ver) for k, kind, ver in want]
        lib.eq([(l, k, v) for l, c, k, v in got], exp, "%s: warnings\n%s" % (what, r.err))
        for line, col, kind, ver in got:
            # the bind's address / the server line's first word
            lib.eq(col, 10 if kind == "bind" else 5, "%s: column" % what)
            lib.ok(r.err.count("%s:%d:%d: warning:" % (path, line, col)) >= 1, what)


@lib.test
def no_warning_without_downgrade():
    for what, kw in CLEAN:
        path, _, _ = cfg(**kw)
        r = lib.check(path)
        lib.eq(r.rc, 0, "%s: -c exit status\n%r" % (what, r))
        lib.eq(warnings(r), [], "%s: no downgrade warning\n%s" % (what, r.err))
        lib.lacks(r.err, "below TLSv1.2", what)


@lib.test
def downgrade_warning_is_not_fatal_under_zero_warning():
    path, bline, _ = cfg(glob="zero-warning", bind="ssl-min-ver TLSv1.1")
    r = lib.check(path)
    lib.eq(r.rc, 0, "zero-warning\n%r" % r)
    lib.eq([w[0] for w in warnings(r)], [bline], "still printed")
    r = lib.check(path, args=["-dW"])
    lib.eq(r.rc, 0, "-dW\n%r" % r)


@lib.test
def downgrade_warned_at_startup():
    """The same warning on stderr when the proxy starts, and the bind
    then really serves TLS 1.1 (with its security level lowered)."""
    with tt.terminating("crt %s ssl-min-ver TLSv1.1 ciphers DEFAULT@SECLEVEL=0" % LEAF.pem) as (
            port, p, be):
        lib.eq(tt.served(port, min_ver="1.1", max_ver="1.1", verify=False).version, "TLSv1.1",
               "TLS 1.1 client")
        lib.ok(re.search(r":\d+:\d+: warning: bind '127\.0\.0\.1:%d' allows TLSv1\.1, a protocol "
                         r"version below TLSv1\.2" % port, lib.logs(p)),
               "start-up warning\n" + lib.logs(p))


@lib.test
def default_tls12_ciphers_aead_with_forward_secrecy():
    """sluice's default TLS 1.2 list drops OpenSSL's CBC and static-RSA
    suites (testssl.sh: LUCKY13, no forward secrecy); "ciphers DEFAULT"
    or ssl-default-bind-ciphers gives HAProxy's list back, and a bind
    allowing TLS 1.1 keeps OpenSSL's list (those versions need CBC)."""
    rsa = P.leaf("ciphers.test", kind="rsa")
    old = dict(max_ver="1.2", verify=False)
    with tt.terminating("crt %s" % rsa.pem) as (port, p, be):
        for c in ("ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256",
                  "AES256-SHA"):
            tt.refused(port, ciphers=c, **old)
        for c in ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"):
            lib.eq(tt.served(port, ciphers=c, **old).cipher, c, c)
        lib.eq(tt.served(port, **old).cipher, "ECDHE-RSA-AES256-GCM-SHA384", "server's choice")
        lib.eq(tt.served(port).version, "TLSv1.3", "TLS 1.3 untouched")
    with tt.terminating("crt %s ciphers DEFAULT" % rsa.pem) as (port, p, be):
        for c in ("ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256"):
            lib.eq(tt.served(port, ciphers=c, **old).cipher, c, "ciphers DEFAULT: " + c)
    with tt.terminating("crt %s" % rsa.pem, glob="    ssl-default-bind-ciphers DEFAULT\n") as (
            port, p, be):
        lib.eq(tt.served(port, ciphers="AES256-SHA", **old).cipher, "AES256-SHA",
               "ssl-default-bind-ciphers DEFAULT")
    with tt.terminating("crt %s ssl-min-ver TLSv1.1" % rsa.pem) as (port, p, be):
        lib.eq(tt.served(port, ciphers="ECDHE-RSA-AES128-SHA", **old).cipher,
               "ECDHE-RSA-AES128-SHA", "a bind allowing TLS 1.1 keeps OpenSSL's list")


@lib.test
def allow_0rtt_still_refuses_early_data():
    """sluice does not run TLS 1.3 early data: allow-0rtt is warned about
    and the tickets still allow none (haproxy would accept early data)."""
    port = lib.free_port()
    p = tt.proxy("""frontend web
    mode http
    bind 127.0.0.1:%d ssl crt %s allow-0rtt
    http-request return status 200 content-type text/plain string ok
""" % (port, LEAF.pem), log=False)
    d = lib.tmpdir()
    sess, req = os.path.join(d, "sess.pem"), os.path.join(d, "req.txt")
    lib.write(req, "GET / HTTP/1.0\r\n\r\n")
    try:
        lib.contains(lib.logs(p), "'allow-0rtt' is ignored", "start-up warning")
        rc, out = tt.s_client(port, "-tls1_3", "-sess_out", sess, "-ign_eof",
                              inp=b"GET / HTTP/1.0\r\n\r\n", timeout=20 * lib.SLOW)
        lib.contains(out, "Max Early Data: 0", "the ticket")
        rc, out = tt.s_client(port, "-tls1_3", "-sess_in", sess, "-early_data", req,
                              timeout=20 * lib.SLOW)
        lib.contains(out, "Reused, TLSv1.3", "resumed")
        lib.lacks(out, "Early data was accepted", "early data")
    finally:
        lib.stop(p)


lib.main()
