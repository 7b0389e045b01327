#!/usr/bin/env python3
"""The stats socket's dynamic-cookie commands (reference §3.4): 'enable /
disable dynamic-cookie backend <bk>', 'set dynamic-cookie-key backend
<bk> <k>', and 'set server <bk>/<srv> addr' recomputing a dynamic cookie,
as HAProxy 2.6.12 runs them: the answers (level admin), the cookie a
client is given (Set-Cookie), where a request carrying a cookie goes, the
cookie column of show stat, and the warning on stderr when two servers
get the same value. The expected values are computed here (XXH64 of the
key, the IP and the port, as test_http_cookie_dates.py) and were checked
against haproxy; the script passes with both binaries (SLUICE_ORACLE=1)."""

import os

from cookie_hash import dyncookie
import http_lab as H
import lib

EXPIRED = "SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"
DUP = ("We generated two equal cookies for two different servers.\n"
       "Please change the secret key for 'b1'.")


def cookies(p):
    """{(backend, server): show stat's cookie column}."""
    rows = {}
    for line in lib.cli(p.sock, "show stat").splitlines()[1:]:
        f = line.split(",")
        if len(f) > 75 and f[1] not in ("FRONTEND", "BACKEND"):
            rows[(f[0], f[1])] = f[74]
    return rows


def ask(port, bk, cookie=None):
    """One request to backend bk: (server name, its Set-Cookie list)."""
    hs = [("Host", "h")] + ([("Cookie", "SRV=" + cookie)] if cookie else [])
    r = H.get(port, "/%s/" % bk, headers=hs)
    lib.eq(r.status, 200, "status of /%s/ %r" % (bk, cookie))
    return r.hdr("x-server")[0], r.hdr("set-cookie")


def admin(p, cmd, want=""):
    lib.eq(lib.cli(p.sock, cmd), want + "\n", cmd)


def lab(ports, glob=""):
    """b1: s1, s2 (dynamic, key 'k1'), s3 (own cookie), roundrobin; b2:
    dynamic without a key; b3: a key but no 'dynamic'; b4: no cookie; b5:
    mode tcp (the cookie is ignored, with a warning, but computed)."""
    fe = lib.free_port()
    p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    use_backend %%[path,field(2,/)]
backend b1
    balance roundrobin
    cookie SRV insert indirect dynamic
    dynamic-cookie-key k1
    server s1 127.0.0.1:%d
    server s2 127.0.0.1:%d
    server s3 127.0.0.1:%d cookie own
backend b2
    cookie SRV insert dynamic
    server s1 127.0.0.1:%d
backend b3
    cookie SRV insert
    dynamic-cookie-key k3
    server s1 127.0.0.1:%d
backend b4
    server s1 127.0.0.1:%d
backend b5
    mode tcp
    cookie SRV insert dynamic
    dynamic-cookie-key k5
    server s1 127.0.0.1:%d
""" % ((fe,) + tuple(ports[:3]) + (ports[0],) * 4), glob=glob, stats=True)
    return p, fe


@lib.test
def answers():
    """Level admin; "A backend name is expected.", "No such backend.",
    "String value expected."; an empty answer on success; a level
    operator or user socket gets "Permission denied" before any check."""
    d = lib.tmpdir()
    op, us = os.path.join(d, "op.sock"), os.path.join(d, "user.sock")
    with H.backend("s1") as s1:
        p, _ = lab([s1.port] * 3, glob="    stats socket %s level operator\n"
                                        "    stats socket %s level user\n" % (op, us))
        lib.ok(lib.wait_unix(op) and lib.wait_unix(us), "operator/user sockets")
        for verb in ("enable dynamic-cookie backend", "disable dynamic-cookie backend",
                     "set dynamic-cookie-key backend"):
            for sock in (op, us):
                lib.eq(lib.cli(sock, verb + " b1 x"), "Permission denied\n\n", verb + " (low level)")
                lib.eq(lib.cli(sock, verb + " nope x"), "Permission denied\n\n", verb + " (low level)")
            admin(p, verb, "A backend name is expected.\n")
            admin(p, verb + " nope x", "No such backend.\n")
            admin(p, verb + " fe x", "No such backend.\n")
        admin(p, "set dynamic-cookie-key backend b1", "String value expected.\n")
        admin(p, "set dynamic-cookie-key backend nope", "No such backend.\n")
        lib.eq(cookies(p)[("b1", "s1")], dyncookie("k1", "127.0.0.1", s1.port), "key unchanged")
        lib.stop(p)


@lib.test
def enable_disable_key():
    """disable drops every dynamic cookie (a server's own stays): a
    request carrying the old value is balanced and the client's cookie
    is expired; a key set while disabled gives nothing until enable,
    which recomputes with it; then the new value is sticky, the old not."""
    with H.backend("s1") as s1, H.backend("s2") as s2, H.backend("s3") as s3:
        p, fe = lab([s1.port, s2.port, s3.port])
        c1, c2 = (dyncookie("k1", "127.0.0.1", b.port) for b in (s1, s2))
        got = sorted(ask(fe, "b1") for _ in range(3))
        lib.eq(got, [("s1", ["SRV=%s; path=/" % c1]), ("s2", ["SRV=%s; path=/" % c2]),
                     ("s3", ["SRV=own; path=/"])], "Set-Cookie of each server")
        for _ in range(3):
            lib.eq(ask(fe, "b1", c2), ("s2", []), "sticky to s2")

        admin(p, "disable dynamic-cookie backend b1")
        cs = cookies(p)
        lib.eq((cs[("b1", "s1")], cs[("b1", "s2")], cs[("b1", "s3")]), ("", "", "own"),
               "show stat after disable")
        got = sorted(ask(fe, "b1", c2) for _ in range(3))
        lib.eq(got, [("s1", [EXPIRED]), ("s2", [EXPIRED]), ("s3", ["SRV=own; path=/"])],
               "old value after disable: balanced")
        lib.eq(ask(fe, "b1", "own"), ("s3", []), "own cookie still sticky")

        admin(p, "set dynamic-cookie-key backend b1 k1b")
        cs = cookies(p)
        lib.eq((cs[("b1", "s1")], cs[("b1", "s2")]), ("", ""), "key set while disabled")
        admin(p, "enable dynamic-cookie backend b1")
        n1, n2 = (dyncookie("k1b", "127.0.0.1", b.port) for b in (s1, s2))
        cs = cookies(p)
        lib.eq((cs[("b1", "s1")], cs[("b1", "s2")], cs[("b1", "s3")]), (n1, n2, "own"),
               "show stat after enable")
        for _ in range(3):
            lib.eq(ask(fe, "b1", n1), ("s1", []), "new value sticky to s1")
        got = sorted(ask(fe, "b1", c1)[0] for _ in range(3))
        lib.eq(got, ["s1", "s2", "s3"], "old key's value balanced")

        # the key changes while enabled: at once
        admin(p, "set dynamic-cookie-key backend b1 k1c")
        n2 = dyncookie("k1c", "127.0.0.1", s2.port)
        for _ in range(3):
            lib.eq(ask(fe, "b1", n2), ("s2", []), "key changed: sticky to s2")
        lib.stop(p)


@lib.test
def other_backends():
    """A backend whose cookie line lacks 'dynamic' becomes dynamic on
    enable (its key applies); one without a key gets cookies once a key
    is set; one without a cookie line shows the value in show stat but
    sends no Set-Cookie."""
    with H.backend("s1") as s1:
        p, fe = lab([s1.port] * 3)
        cs = cookies(p)
        lib.eq((cs[("b2", "s1")], cs[("b3", "s1")], cs[("b4", "s1")]), ("", "", ""), "at start")
        lib.eq(cs[("b5", "s1")], dyncookie("k5", "127.0.0.1", s1.port), "mode tcp")
        lib.contains(lib.logs(p), "ignoring cookie for server 's1' as HTTP mode is disabled", "stderr")
        lib.eq(ask(fe, "b3"), ("s1", [EXPIRED]), "b3 before enable")
        admin(p, "enable dynamic-cookie backend b3")
        k3 = dyncookie("k3", "127.0.0.1", s1.port)
        lib.eq(cookies(p)[("b3", "s1")], k3, "b3 after enable")
        lib.eq(ask(fe, "b3"), ("s1", ["SRV=%s; path=/" % k3]), "b3 Set-Cookie after enable")
        lib.eq(ask(fe, "b3", k3), ("s1", []), "b3 cookie known")

        lib.eq(ask(fe, "b2"), ("s1", [EXPIRED]), "b2 without a key")
        admin(p, "enable dynamic-cookie backend b2")
        lib.eq(cookies(p)[("b2", "s1")], "", "b2 enabled without a key")
        admin(p, "set dynamic-cookie-key backend b2 k2")
        k2 = dyncookie("k2", "127.0.0.1", s1.port)
        lib.eq(cookies(p)[("b2", "s1")], k2, "b2 with a key")
        lib.eq(ask(fe, "b2"), ("s1", ["SRV=%s; path=/" % k2]), "b2 Set-Cookie")

        admin(p, "set dynamic-cookie-key backend b4 k4")
        lib.eq(cookies(p)[("b4", "s1")], "", "b4 key without enable")
        admin(p, "enable dynamic-cookie backend b4")
        k4 = dyncookie("k4", "127.0.0.1", s1.port)
        lib.eq(cookies(p)[("b4", "s1")], k4, "b4 enabled")
        lib.eq(ask(fe, "b4"), ("s1", []), "b4 has no cookie persistence")
        admin(p, "disable dynamic-cookie backend b4")
        lib.eq(cookies(p)[("b4", "s1")], "", "b4 disabled")
        lib.stop(p)


@lib.test
def set_server_addr():
    """'set server ... addr' recomputes a dynamic cookie from the new IP
    and port (a server's own cookie stays, a backend without dynamic
    cookies gets none); two servers with the same value make HAProxy's
    warning on stderr, not for a server in forced maintenance."""
    with H.backend("s1") as s1, H.backend("s2") as s2, H.backend("s3") as s3, \
            H.backend("s2b") as s2b:
        p, fe = lab([s1.port, s2.port, s3.port])
        c2 = dyncookie("k1", "127.0.0.1", s2.port)
        admin(p, "set server b1/s2 addr 127.0.0.1 port %d" % s2b.port,
              "no need to change the addr, port changed from '%d' to '%d' by 'stats socket command'\n"
              % (s2.port, s2b.port))
        n2 = dyncookie("k1", "127.0.0.1", s2b.port)
        lib.eq(cookies(p)[("b1", "s2")], n2, "show stat after the port change")
        for _ in range(3):
            lib.eq(ask(fe, "b1", n2), ("s2b", []), "new value sticky to the new address")
        got = sorted(ask(fe, "b1", c2)[0] for _ in range(3))
        lib.eq(got, ["s1", "s2b", "s3"], "old value balanced")
        got = sorted(ask(fe, "b1") for _ in range(3))
        lib.eq(got[1], ("s2b", ["SRV=%s; path=/" % n2]), "Set-Cookie of s2")

        admin(p, "set server b1/s1 addr 127.0.0.2",
              "IP changed from '127.0.0.1' to '127.0.0.2' by 'stats socket command'\n")
        lib.eq(cookies(p)[("b1", "s1")], dyncookie("k1", "127.0.0.2", s1.port), "IP change")
        admin(p, "set server b1/s1 addr 127.0.0.1",
              "IP changed from '127.0.0.2' to '127.0.0.1' by 'stats socket command'\n")
        c1 = dyncookie("k1", "127.0.0.1", s1.port)
        lib.eq(cookies(p)[("b1", "s1")], c1, "IP back")
        lib.eq(ask(fe, "b1", c1), ("s1", []), "sticky to s1 again")
        admin(p, "set server b1/s3 addr 127.0.0.1 port %d" % s1.port,
              "no need to change the addr, port changed from '%d' to '%d' by 'stats socket command'\n"
              % (s3.port, s1.port))
        admin(p, "set server b3/s1 addr 127.0.0.2",
              "IP changed from '127.0.0.1' to '127.0.0.2' by 'stats socket command'\n")
        cs = cookies(p)
        lib.eq((cs[("b1", "s3")], cs[("b3", "s1")]), ("own", ""), "own cookie, no dynamic")
        lib.lacks(lib.logs(p), "equal cookies", "stderr")

        # s2 gets s1's address: the same cookie
        admin(p, "set server b1/s2 addr 127.0.0.1 port %d" % s1.port,
              "no need to change the addr, port changed from '%d' to '%d' by 'stats socket command'\n"
              % (s2b.port, s1.port))
        cs = cookies(p)
        lib.eq((cs[("b1", "s1")], cs[("b1", "s2")]), (c1, c1), "equal cookies")
        lib.ok(lib.wait_for(lambda: lib.logs(p).count(DUP) == 1, 5), "one warning\n" + lib.logs(p))
        admin(p, "set dynamic-cookie-key backend b1 kk")
        lib.ok(lib.wait_for(lambda: lib.logs(p).count(DUP) == 2, 5), "two warnings\n" + lib.logs(p))
        # a server in forced maintenance is not compared
        admin(p, "disable server b1/s1")
        admin(p, "set dynamic-cookie-key backend b1 kz")
        admin(p, "enable dynamic-cookie backend b1")
        lib.eq(cookies(p)[("b1", "s2")], dyncookie("kz", "127.0.0.1", s1.port), "key kz")
        lib.eq(lib.logs(p).count(DUP), 2, "warnings with s1 in maintenance")
        lib.stop(p)


lib.main()
