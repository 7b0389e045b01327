#!/usr/bin/env python3
"""Dated persistence cookies: 'cookie <name> insert ... maxidle <t>
maxlife <t>' as HAProxy 2.6.12 runs them (reference §1.9). The inserted
value is '<server cookie>|<last seen>[|<first seen>]', each date the
epoch in 4-second units (rounded up) in 5 base64 characters; a cookie
whose first date is older than maxlife (or over a day ahead) is ignored
with %tsc letter O, one whose last date is older than maxidle (or over a
day ahead) with E; a cookie that chose its server is sent again with a
fresh last date once the one it carries is past, and gets its first date
added (maxlife) or dropped (no maxlife). Also 'cookie ... dynamic'
(dynamic-cookie-key): the value of a server without a cookie of its own
is the XXH64 of key, address and port. Every expectation was read from
haproxy (same requests, same Set-Cookie bytes, same letters); the script
passes with both binaries (SLUICE_ORACLE=1)."""

import contextlib
import time

from cookie_hash import dyncookie
import http_lab as H
import lib

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def enc(t):
    """HAProxy's cookie date for the epoch second t (s30tob64(t >> 2))."""
    v = (t >> 2) & 0x3FFFFFFF
    return "".join(B64[(v >> (6 * (4 - i))) & 63] for i in range(5))


def dec(s):
    v = 0
    for c in s:
        v = v * 64 + B64.index(c)
    return v << 2


def handler(req):
    b = req.conn.backend
    return H.ok_response("%s\n" % b.name, headers=[("X-Server", b.name)])


@contextlib.contextmanager
def lab():
    """Backends b1 (insert indirect nocache maxidle 20s maxlife 60s), b2
    (insert maxidle 20s), b3 (insert indirect maxlife 60s), b4 (insert
    indirect secure httponly, no dates) over the same two servers s1 (cookie
    s1) and s2 (cookie s2); the path /bN picks backend bN."""
    with H.backend("s1", handler) as s1, H.backend("s2", handler) as s2:
        port = lib.free_port()
        be = ""
        for name, ck in (("b1", "insert indirect nocache maxidle 20s maxlife 60s"),
                         ("b2", "insert maxidle 20s"),
                         ("b3", "insert indirect maxlife 60s"),
                         ("b4", "insert indirect secure httponly")):
            be += ("backend %s\n    cookie SRV %s\n"
                   "    server s1 127.0.0.1:%d cookie s1\n"
                   "    server s2 127.0.0.1:%d cookie s2\n" % (name, ck, s1.port, s2.port))
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    log stdout format raw local0
    option httplog
    use_backend %%[path,field(2,/)] if { path_reg ^/b[1-4]/ }
%s""" % (port, be))
        try:
            yield p, port, (s1, s2)
        finally:
            lib.stop(p)


class Asker:
    def __init__(self, p, port, servers):
        self.p, self.port, self.servers, self.n = p, port, servers, 0

    def ask(self, path, cookie=None, raw=False):
        """One request: (Set-Cookie values with the date of now shown as
        <NOW> unless raw, the Cookie fields the server got, the server,
        the cookie letters of %tsc)."""
        before = [len(s.requests) for s in self.servers]
        hs = [("Host", "h")] + ([("Cookie", cookie)] if cookie is not None else [])
        t0 = int(time.time())
        r = H.get(self.port, path, headers=hs)
        t1 = int(time.time())
        self.n += 1
        lg = H.httplog(self.p, n=self.n)[-1]
        lib.eq(lg["r"].split(" ")[1], path, "log line of the request")
        got = [s for s, k in zip(self.servers, before) if len(s.requests) > k]
        lib.eq(len(got), 1, "servers reached by %s %r" % (path, cookie))
        sc = r.hdr("set-cookie")
        # the date of now: the proxy's clock read between t0 and t1 (a
        # loaded machine may take more than one 4-second unit)
        for t in (() if raw else range(t0, t1 + 1)):
            sc = [v.replace(enc(t + 3), "<NOW>") for v in sc]
        return sc, got[0].requests[-1].hdr("cookie"), got[0].name, lg["tsc"][2:]


def run_cases(a, cases):
    """Every case is run; the differences are reported together."""
    bad = []
    for path, cookie, want_sc, want_fwd, want_letters, want_srv in cases:
        got = a.ask(path, cookie)
        want = (want_sc, want_fwd, want_srv, want_letters)
        if got != want:
            bad.append("%s Cookie: %r\n    got  %r\n    want %r" % (path, cookie, got, want))
    if bad:
        lib.fail("(Set-Cookie, Cookie forwarded, server, %tsc letters):\n" + "\n".join(bad))


def dated(now, d1, d2=None):
    """'SRV=s1|<now+d1>[|<now+d2>]'-like suffix of dates."""
    return "|" + enc(now + d1) + ("" if d2 is None else "|" + enc(now + d2))


@lib.test
def inserted_and_checked_dates():
    """One request per case, the dates relative to now; margins keep
    every case clear of the 4-second rounding and of a slow run."""
    with lab() as (p, port, servers):
        a = Asker(p, port, servers)
        now = int(time.time())
        D = lambda d1, d2=None: dated(now, d1, d2)  # noqa: E731
        first = enc(now - 40)
        cases = [
            # no cookie: both dates, now (rounded up)
            ("/b1/", None, ["SRV=s1|<NOW>|<NOW>; path=/"], [], "NI", "s1"),
            ("/b2/", None, ["SRV=s1|<NOW>; path=/"], [], "NI", "s1"),
            ("/b3/", None, ["SRV=s1|<NOW>|<NOW>; path=/"], [], "NI", "s1"),
            # dates not yet due: nothing sent; indirect removes the cookie
            ("/b1/", "SRV=s2" + D(30, 3), [], [], "VN", "s2"),
            # the last date is past: refreshed, the first date kept
            ("/b1/", "SRV=s2" + D(-8, -40), ["SRV=s2|<NOW>|%s; path=/" % first], [], "VU", "s2"),
            ("/b1/", "SRV=s1" + D(-12, -12), ["SRV=s1|<NOW>|%s; path=/" % enc(now - 12)], [],
             "VU", "s1"),
            # idle longer than maxidle: E, balanced, new dates
            ("/b1/", "SRV=s1" + D(-30, -30), ["SRV=s2|<NOW>|<NOW>; path=/"], [], "EI", "s2"),
            # older than maxlife: O (before E)
            ("/b1/", "a=1; SRV=s2" + D(-30, -70) + "; b=2", ["SRV=s1|<NOW>|<NOW>; path=/"],
             ["a=1; b=2"], "OI", "s1"),
            # over a day ahead counts as expired, less than a day does not
            ("/b1/", "SRV=s1" + D(90000, 0), ["SRV=s2|<NOW>|<NOW>; path=/"], [], "EI", "s2"),
            ("/b1/", "SRV=s1" + D(3, 90000), ["SRV=s1|<NOW>|<NOW>; path=/"], [], "OI", "s1"),
            ("/b1/", "SRV=s1" + D(3000, 3000), [], [], "VN", "s1"),
            # dates are checked before the server is looked up
            ("/b1/", "SRV=s9" + D(-30, -30), ["SRV=s2|<NOW>|<NOW>; path=/"], [], "EI", "s2"),
            # no dates, one date, bad dates: valid, dates (re)set
            ("/b1/", "SRV=s2", ["SRV=s2|<NOW>|<NOW>; path=/"], [], "VU", "s2"),
            ("/b1/", "SRV=s2" + D(30), ["SRV=s2|<NOW>|<NOW>; path=/"], [], "VU", "s2"),
            ("/b1/", "SRV=s2|!!!!!|" + first,
             ["SRV=s2|<NOW>|%s; path=/" % first], [], "VU", "s2"),
            ("/b1/", "SRV=s2|AAAAA|AAAAA", ["SRV=s2|<NOW>|<NOW>; path=/"], [], "VU", "s2"),
            # a later occurrence may choose after an expired one ...
            ("/b1/", "SRV=s1" + D(-30, -30) + "; SRV=s2", ["SRV=s2|<NOW>|<NOW>; path=/"], [],
             "VU", "s2"),
            # ... and an expired one after the choice still says E
            ("/b1/", "SRV=s2; SRV=s1" + D(-30, -30), ["SRV=s2|<NOW>|<NOW>; path=/"], [],
             "EU", "s2"),
            # insert without indirect: the cookie reaches the server as sent;
            # a first date without maxlife is dropped
            ("/b2/", "SRV=s1" + D(30), [], ["SRV=s1" + D(30)], "VN", "s1"),
            ("/b2/", "SRV=s1" + D(30, 30), ["SRV=s1|<NOW>; path=/"], ["SRV=s1" + D(30, 30)],
             "VU", "s1"),
            ("/b2/", "SRV=s1" + D(-30), ["SRV=s2|<NOW>; path=/"], ["SRV=s1" + D(-30)], "EI", "s2"),
            # maxlife alone: the first date is added, a past last date refreshed
            ("/b3/", "SRV=s1" + D(30), ["SRV=s1|<NOW>|<NOW>; path=/"], [], "VU", "s1"),
            ("/b3/", "SRV=s1" + D(30, 3), [], [], "VN", "s1"),
            ("/b3/", "SRV=s1" + D(-8, -20), ["SRV=s1|<NOW>|%s; path=/" % enc(now - 20)], [],
             "VU", "s1"),
            ("/b3/", "SRV=s1" + D(-8, -70), ["SRV=s2|<NOW>|<NOW>; path=/"], [], "OI", "s2"),
            # no maxidle/maxlife: a past date is dropped by a plain cookie
            ("/b4/", "SRV=s1" + D(-8, -70), ["SRV=s1; path=/; HttpOnly; Secure"], [], "VU", "s1"),
            ("/b4/", "SRV=s1" + D(30), [], [], "VN", "s1"),
        ]
        run_cases(a, cases)


@lib.test
def attributes_follow_the_dates():
    with H.backend("s1", handler) as s1:
        port = lib.free_port()
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    cookie SRV insert indirect nocache maxlife 1h domain .example.com httponly secure attr SameSite=Lax
    server s1 127.0.0.1:%d cookie s1
""" % (port, s1.port))
        t0 = int(time.time())
        r = H.get(port, "/", headers=[("Host", "h")])
        t1 = int(time.time())
        got = r.hdr("set-cookie")
        lib.ok(got in ([("SRV=s1|%s|%s; path=/; domain=.example.com; HttpOnly; Secure; "
                         "SameSite=Lax") % (enc(t + 3), enc(t + 3))] for t in (t0, t1)),
               "Set-Cookie %r at %d..%d" % (got, t0, t1))
        lib.stop(p)


@lib.test
def a_browser_keeps_its_server_and_first_date():
    """A client that stores what it is sent and sends it back, for about
    9 s: the same server every time, the first date never changes, and
    the last date is refreshed exactly when the one it carried is past
    (never before: at most a few times in 9 s)."""
    with lab() as (p, port, servers):
        a = Asker(p, port, servers)
        sc, _, srv0, letters = a.ask("/b1/", raw=True)
        lib.eq(letters, "NI", "first request")
        val = sc[0].split(";")[0]
        first = val.split("|")[2]
        t_end = time.monotonic() + 9
        refreshed = 0
        while time.monotonic() < t_end:
            last = dec(val.split("|")[1])
            t0 = int(time.time())
            sc, fwd, srv, letters = a.ask("/b1/", val, raw=True)
            t1 = int(time.time())
            lib.eq(srv, srv0, "server of a stored cookie")
            lib.eq(fwd, [], "cookie removed (indirect)")
            if sc:
                refreshed += 1
                lib.eq(letters, "VU", "a refresh")
                lib.ok(last <= t1, "refreshed a last date %d not past at %d..%d" % (last, t0, t1))
                val = sc[0].split(";")[0]
                lib.eq(val.split("|")[2], first, "first date kept")
                lib.eq(val.split("|")[0], "SRV=" + srv0, "server part")
            else:
                lib.eq(letters, "VN", "no refresh")
                lib.ok(last >= t0, "a past last date %d not refreshed at %d..%d" % (last, t0, t1))
            time.sleep(0.5)  # pacing of a browser, not a wait for readiness
        lib.ok(1 <= refreshed <= 5, "refreshed %d times in 9 s" % refreshed)


@lib.test
def a_last_date_past_since_this_second_is_refreshed():
    """A last date one second before now is refreshed even in the first
    milliseconds of the second (the proxy reads the clock as
    gettimeofday() does, not as a coarse time() that lags by a tick).
    The request is sent just after a second S with S % 4 == 1, carrying
    the last date S - 1 (a whole 4-second unit); two such seconds."""
    with lab() as (p, port, servers):
        for _ in range(2):
            with H.Client(port) as c:
                s = int(time.time()) + 1
                while s % 4 != 1:
                    s += 1
                last = s - 1
                cookie = "SRV=s1|%s|%s" % (enc(last), enc(last - 8))
                time.sleep(max(0.0, s - time.time() - 0.005))
                while time.time() < s:
                    pass  # the request leaves within microseconds of S
                r = c.request("GET", "/b1/", (("Host", "h"), ("Cookie", cookie)))
                sc = r.hdr("set-cookie")
                lib.eq(len(sc), 1, "a refresh of last date %d sent at %.4f" % (last, time.time()))
                lib.ok(dec(sc[0].split(";")[0].split("|")[1]) > last, "new last date in %r" % sc)


@lib.test
def dynamic_cookies():
    """'cookie ... dynamic' with dynamic-cookie-key: a server without its
    own cookie gets the hash of the key, its address and its port (also
    in show stat's cookie column); its own cookie wins; without a key
    there is none (the client's is removed); dates follow as usual."""
    # values read from haproxy: key s3cr3t, 127.0.0.1:19431; other, [::1]:19432
    lib.eq(dyncookie("s3cr3t", "127.0.0.1", 19431), "49339ce832694329", "xxh64 (IPv4)")
    lib.eq(dyncookie("other", "::1", 19432), "7cd17b87bd9d4d18", "xxh64 (IPv6)")
    with H.backend("s1", handler) as s1, H.backend("s2", handler) as s2:
        port = lib.free_port()
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    use_backend %%[path,field(2,/)] if { path_reg ^/b[1-3]/ }
backend b1
    cookie SRV insert indirect dynamic
    dynamic-cookie-key s3cr3t
    server s1 127.0.0.1:%d
    server s2 127.0.0.1:%d cookie own
backend b2
    cookie SRV insert dynamic
    server s1 127.0.0.1:%d
backend b3
    cookie SRV insert indirect dynamic maxidle 30s
    dynamic-cookie-key k
    server s1 127.0.0.1:%d
""" % (port, s1.port, s2.port, s1.port, s1.port), stats=True)
        ck1 = dyncookie("s3cr3t", "127.0.0.1", s1.port)
        hs = [("Host", "h")]
        lib.eq(H.get(port, "/b1/", headers=hs).hdr("set-cookie"), ["SRV=%s; path=/" % ck1], "b1 s1")
        lib.eq(H.get(port, "/b1/", headers=hs).hdr("set-cookie"), ["SRV=own; path=/"], "b1 s2")
        # the dynamic value leads to its server, without a new cookie
        for _ in range(3):
            r = H.get(port, "/b1/", headers=hs + [("Cookie", "SRV=" + ck1)])
            lib.eq((r.hdr("x-server"), r.hdr("set-cookie")), (["s1"], []), "b1 by cookie")
        lib.eq(H.get(port, "/b2/", headers=hs).hdr("set-cookie"),
               ["SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"], "b2 without a key")
        t0 = int(time.time())
        got = H.get(port, "/b3/", headers=hs).hdr("set-cookie")
        t1 = int(time.time())
        ck3 = dyncookie("k", "127.0.0.1", s1.port)
        lib.ok(got in (["SRV=%s|%s; path=/" % (ck3, enc(t + 3))] for t in (t0, t1)),
               "b3 Set-Cookie %r" % got)
        rows = {}
        for line in lib.cli(p.sock, "show stat").splitlines()[1:]:
            f = line.split(",")
            if len(f) > 75:
                rows[(f[0], f[1])] = f[74]
        lib.eq((rows.get(("b1", "s1")), rows.get(("b1", "s2")), rows.get(("b2", "s1")),
                rows.get(("b3", "s1"))), (ck1, "own", "", ck3), "show stat cookie column")
        lib.stop(p)


lib.main()
