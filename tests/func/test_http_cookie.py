#!/usr/bin/env python3
"""Cookie-based persistence in mode http ('cookie' in a backend,
'server ... cookie', reference §1.9 / §1.11), byte for byte as HAProxy
2.6.12 does it: which server a request reaches (a valid cookie bypasses
the balancing, a stopped or unknown one is balanced again), what the
server receives (insert+indirect removes the cookie, prefix strips the
server part), what the client receives (the inserted Set-Cookie and its
attributes in HAProxy's order, 'Cache-control: private' with nocache on
a cacheable response only, the server's own Set-Cookie removed,
rewritten or prefixed) and the cookie letters of %tsc in the httplog
line (reference §4.6). Every expectation was read from haproxy; the
script passes with both binaries (SLUICE_ORACLE=1)."""

import contextlib

import http_lab as H
import lib


def handler(req):
    """'<name>\\n' with X-Server; the request asks for what the server
    answers: X-Set: a Set-Cookie value, X-Hdr: 'Name:value' headers,
    X-Status: the status."""
    b = req.conn.backend
    hs = [("X-Server", b.name)]
    for v in req.hdr("x-set"):
        hs.append(("Set-Cookie", v))
    for v in req.hdr("x-hdr"):
        k, _, val = v.partition(":")
        hs.append((k, val))
    st = int((req.hdr("x-status") or ["200"])[0])
    return H.ok_response("%s\n" % b.name, status=st, reason="X", headers=hs)


class Lab:
    """A proxy whose backend 'be' has s1 (cookie c1), s2 (cookie c2) and
    s3 (cookie c3, disabled: in maintenance), balanced round robin, and
    logs httplog lines on stdout."""

    def __init__(self, p, port, backends):
        self.p, self.port, self.backends = p, port, backends
        self.n = 0

    def ask(self, headers=(), method="GET", client=None):
        """One request: (raw response, server name, request head the
        server got, the 3rd and 4th letters of %tsc)."""
        before = [len(b.requests) for b in self.backends]
        hs = [("Host", "h")] + list(headers)
        body = b"" if method == "POST" else None
        if client:
            r = client.request(method, "/", hs, body)
        else:
            r = H.get(self.port, "/", headers=hs, method=method, body=body)
        self.n += 1
        lg = H.httplog(self.p, n=self.n)[-1]
        got = [(b.name, b.requests[-1].head) for b, k in zip(self.backends, before)
               if len(b.requests) > k]
        lib.eq(len(got), 1, "servers reached by %r" % (headers,))
        lib.eq(lg["s"], got[0][0], "server logged")
        return r.raw, got[0][0], got[0][1], lg["tsc"][2:]


@contextlib.contextmanager
def lab(cookie, servers=None, be_extra="", stats=False):
    with H.backend("s1", handler) as b1, H.backend("s2", handler) as b2, \
            H.backend("s3", handler) as b3:
        port = lib.free_port()
        if servers is None:
            servers = ("    server s1 127.0.0.1:%d cookie c1\n"
                       "    server s2 127.0.0.1:%d cookie c2\n"
                       "    server s3 127.0.0.1:%d cookie c3 disabled\n")
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    log stdout format raw local0
    option httplog
    default_backend be
backend be
    balance roundrobin
    %s
%s%s""" % (port, cookie, be_extra, servers % (b1.port, b2.port, b3.port)), stats=stats)
        yield Lab(p, port, (b1, b2, b3))
        lib.stop(p)


def resp(server, *headers, body=None):
    """The response the client gets from the lab's server, headers as
    HAProxy sends them after the server's own."""
    out = b"HTTP/1.1 200 X\r\nx-server: %s\r\n" % server.encode()
    for h in headers:
        out += h.encode() + b"\r\n"
    return out + b"\r\n" + (body if body is not None else server.encode() + b"\n")


def head(method="GET", *headers):
    out = b"%s / HTTP/1.1\r\nhost: h\r\n" % method.encode()
    for h in headers:
        out += h.encode() + b"\r\n"
    return out + b"\r\n"


CL = "content-length: 3"


def check(l, cases):
    """cases: (request headers, method, (response, server, head, letters))."""
    for hs, method, want in cases:
        lib.eq(l.ask(hs, method), want, "%s %r" % (method, hs))


@lib.test
def insert_indirect_nocache():
    with lab("cookie SRV insert indirect nocache") as l:
        check(l, [
            # no cookie: balanced, the cookie inserted after the head
            ((), "GET", (resp("s1", CL, "set-cookie: SRV=c1; path=/"), "s1", head(), "NI")),
            # a valid cookie: its server, not balanced; removed before it
            ((("Cookie", "SRV=c2; other=1"),), "GET",
             (resp("s2", CL), "s2", head("GET", "cookie: other=1"), "VN")),
            ((("Cookie", "a=1; SRV=c1; b=2"),), "GET",
             (resp("s1", CL), "s1", head("GET", "cookie: a=1; b=2"), "VN")),
            # unknown value: balanced (s2: the valid ones did not turn
            # the round robin) and a new cookie
            ((("Cookie", "SRV=zz"),), "GET",
             (resp("s2", CL, "set-cookie: SRV=c2; path=/"), "s2", head(), "II")),
            # a server in maintenance: D, balanced, a new cookie
            ((("Cookie", "SRV=c3"),), "GET",
             (resp("s1", CL, "set-cookie: SRV=c1; path=/"), "s1", head(), "DI")),
            # the server's own cookie of that name is replaced by ours
            ((("X-Set", "SRV=own; path=/x"),), "GET",
             (resp("s2", CL, "set-cookie: SRV=c2; path=/"), "s2",
              head("GET", "x-set: SRV=own; path=/x"), "NI")),
            # ... or removed when the client came with a valid one
            ((("Cookie", "SRV=c1"), ("X-Set", "SRV=own")), "GET",
             (resp("s1", CL), "s1", head("GET", "x-set: SRV=own"), "VD")),
            # nocache: 'private' only on a cacheable response
            ((("X-Hdr", "Cache-Control:max-age=10"),), "GET",
             (resp("s1", "cache-control: max-age=10", CL, "set-cookie: SRV=c1; path=/",
                   "cache-control: private"), "s1",
              head("GET", "x-hdr: Cache-Control:max-age=10"), "NI")),
            ((("X-Hdr", "Cache-Control:max-age=10"),), "POST",
             (resp("s2", "cache-control: max-age=10", CL, "set-cookie: SRV=c2; path=/"), "s2",
              head("POST", "x-hdr: Cache-Control:max-age=10", "content-length: 0"), "NI")),
            ((), "HEAD", (resp("s1", CL, "set-cookie: SRV=c1; path=/", body=b""), "s1",
                          head("HEAD"), "NI")),
            # an empty value is invalid
            ((("Cookie", "SRV="),), "GET",
             (resp("s2", CL, "set-cookie: SRV=c2; path=/"), "s2", head(), "II")),
        ])


@lib.test
def cookie_fields_are_parsed_as_haproxy():
    """Delimiters ';' and ',', blanks, '$' attributes, quotes, several
    occurrences: what reaches the server and which one."""
    with lab("cookie SRV insert indirect") as l:
        for cookie, server, sent, letters in (
                ("SRV=c1; SRV=c2", "s1", None, "VN"),
                ("SRV=zz; SRV=c2", "s2", None, "VN"),
                ("SRV=c2; SRV=zz", "s2", None, "VN"),
                ("SRV=c3; SRV=c2", "s2", None, "VN"),
                ("SRV=c2; SRV=c3", "s2", None, "VN"),
                ("SRV=c3; SRV=zz", "s1", None, "DI"),
                ("SRV=zz; SRV=c3", "s2", None, "DI"),
                ("SRV=|c1", "s1", None, "II"),
                ("a=1;SRV=c2;b=2", "s2", "a=1; b=2", "VN"),
                ("a=1 ; SRV=c2 ; b=2", "s2", "a=1; b=2", "VN"),
                ("a=1,SRV=c2,b", "s2", "a=1, b", "VN"),
                ("a=1; SRV=c2", "s2", "a=1", "VN"),
                ("SRV = c2 ; x = 1", "s2", "x=1", "VN"),
                ('SRV="c2"', "s2", None, "II"),
                ("x; SRV=c2; y", "s2", "x; y", "VN"),
                ('SRV=c2; x = "a;b" ; SRV=c1', "s2", 'x="a;b" ', "VN"),
                ("$Version=1; SRV=c2; $Path=/; a=b", "s2", "$Version=1; a=b", "VN"),
                ("SRV=c1, x=2", "s1", "x=2", "VN"),
                ("SRV=c1;;a=1", "s1", ";a=1", "VN"),
                (";SRV=c2", "s2", None, "VN"),
                ("a=1; SRV=c2;", "s2", "a=1; ", "VN"),
                ("SRV=c1; ", "s1", None, "VN"),
                ("a;SRV=c2", "s2", "a", "VN")):
            _, srv, got, lt = l.ask((("Cookie", cookie),))
            want = head("GET", "cookie: " + sent) if sent is not None else head()
            lib.eq((srv, got, lt), (server, want, letters), "Cookie: %s" % cookie)
        # two Cookie fields: the first valid one wins, both are removed
        _, srv, got, lt = l.ask((("Cookie", "SRV=c1"), ("Cookie", "SRV=c2")))
        lib.eq((srv, got, lt), ("s1", head(), "VN"), "two Cookie fields")
        # a date after '|': the server part still counts, and a cookie
        # without the date replaces it (U: updated)
        r, srv, got, lt = l.ask((("Cookie", "SRV=c1|abcde; a=1"),))
        lib.eq((r, srv, got, lt), (resp("s1", CL, "set-cookie: SRV=c1; path=/"), "s1",
                                   head("GET", "cookie: a=1"), "VU"), "dated cookie")


@lib.test
def insert_attributes_in_haproxy_order():
    with lab("cookie SRV insert httponly secure domain a.example.com domain .b.example.com "
             "attr SameSite=Lax attr Foo") as l:
        check(l, [
            ((), "GET", (resp("s1", CL, "set-cookie: SRV=c1; path=/; domain=a.example.com; "
                              "domain=.b.example.com; HttpOnly; Secure; SameSite=Lax; Foo"),
                         "s1", head(), "NI")),
            # not indirect: the server sees the cookie; its own is removed
            ((("Cookie", "SRV=c1"), ("X-Set", "SRV=x")), "GET",
             (resp("s1", CL), "s1", head("GET", "cookie: SRV=c1", "x-set: SRV=x"), "VD")),
        ])


@lib.test
def postonly_and_preserve():
    with lab("cookie SRV insert postonly") as l:
        check(l, [
            ((), "GET", (resp("s1", CL), "s1", head(), "NN")),
            ((), "POST", (resp("s2", CL, "set-cookie: SRV=c2; path=/"), "s2",
                          head("POST", "content-length: 0"), "NI")),
        ])
    with lab("cookie SRV insert preserve") as l:
        check(l, [
            # the server set it: left alone, nothing inserted (P)
            ((("X-Set", "SRV=mine"),), "GET",
             (resp("s1", "set-cookie: SRV=mine", CL), "s1", head("GET", "x-set: SRV=mine"), "NP")),
            ((), "GET", (resp("s2", CL, "set-cookie: SRV=c2; path=/"), "s2", head(), "NI")),
            ((("Cookie", "SRV=c2"),), "GET", (resp("s2", CL), "s2", head("GET", "cookie: SRV=c2"), "VN")),
        ])
    with lab("cookie SRV indirect preserve") as l:
        check(l, [
            ((("X-Set", "SRV=mine"),), "GET",
             (resp("s1", "set-cookie: SRV=mine", CL), "s1", head("GET", "x-set: SRV=mine"), "NP")),
        ])


@lib.test
def rewrite_mode():
    with lab("cookie SRV rewrite") as l:
        check(l, [
            ((), "GET", (resp("s1", CL), "s1", head(), "NN")),
            ((("X-Set", "SRV=abc; path=/foo"),), "GET",
             (resp("s2", "set-cookie: SRV=c2; path=/foo", CL), "s2",
              head("GET", "x-set: SRV=abc; path=/foo"), "NR")),
            ((("Cookie", "SRV=c2; x=1"),), "GET",
             (resp("s2", CL), "s2", head("GET", "cookie: SRV=c2; x=1"), "VN")),
            # blanks around '=' go, the one before ';' stays
            ((("Cookie", "SRV=c2"), ("X-Set", "SRV = abc ; path=/")), "GET",
             (resp("s2", "set-cookie: SRV=c2 ; path=/", CL), "s2",
              head("GET", "cookie: SRV=c2", "x-set: SRV = abc ; path=/"), "VR")),
        ])


@lib.test
def prefix_mode():
    with lab("cookie JS prefix") as l:
        check(l, [
            ((("X-Set", "JS=abc; path=/"),), "GET",
             (resp("s1", "set-cookie: JS=c1~abc; path=/", CL), "s1",
              head("GET", "x-set: JS=abc; path=/"), "NR")),
            # the server gets its own value back
            ((("Cookie", "JS=c2~abc; x=1"),), "GET",
             (resp("s2", CL), "s2", head("GET", "cookie: JS=abc; x=1"), "VN")),
            ((("Cookie", "JS=abc"),), "GET", (resp("s2", CL), "s2", head("GET", "cookie: JS=abc"), "IN")),
            ((("Cookie", "JS=zz~abc"),), "GET", (resp("s1", CL), "s1", head("GET", "cookie: JS=abc"), "IN")),
            ((("Cookie", "x=1; JS=c2~q"), ("X-Set", "JS=new")), "GET",
             (resp("s2", "set-cookie: JS=c2~new", CL), "s2",
              head("GET", "cookie: x=1; JS=q", "x-set: JS=new"), "VR")),
        ])
    with lab("cookie JS prefix indirect") as l:
        check(l, [
            ((("X-Set", "JS=abc"),), "GET",
             (resp("s1", "set-cookie: JS=c1~abc", CL), "s1", head("GET", "x-set: JS=abc"), "NR")),
            # indirect: a client that came by its cookie keeps it
            ((("Cookie", "JS=c2~abc"), ("X-Set", "JS=new")), "GET",
             (resp("s2", CL), "s2", head("GET", "cookie: JS=abc", "x-set: JS=new"), "VD")),
        ])


@lib.test
def passive_and_indirect_modes():
    # no mode: the cookie still chooses the server; no letters in the log
    with lab("cookie SRV") as l:
        check(l, [
            ((), "GET", (resp("s1", CL), "s1", head(), "--")),
            ((("Cookie", "SRV=c2"),), "GET", (resp("s2", CL), "s2", head("GET", "cookie: SRV=c2"), "--")),
            ((("X-Set", "SRV=x"),), "GET",
             (resp("s2", "set-cookie: SRV=x", CL), "s2", head("GET", "x-set: SRV=x"), "--")),
        ])
    with lab("cookie SRV indirect") as l:
        check(l, [
            ((("Cookie", "SRV=c2; a=1"),), "GET",
             (resp("s2", CL), "s2", head("GET", "cookie: SRV=c2; a=1"), "VN")),
            ((("Cookie", "SRV=c2"), ("X-Set", "SRV=x")), "GET",
             (resp("s2", CL), "s2", head("GET", "cookie: SRV=c2", "x-set: SRV=x"), "VD")),
        ])


@lib.test
def nocache_follows_cacheability():
    """'Cache-control: private' is added only when HAProxy holds the
    response cacheable: a safe method, a cacheable status, a freshness
    or validator header, no private/no-cache/no-store/max-age=0."""
    with lab("cookie SRV insert nocache") as l:
        for hs, method, private in (
                ((("Authorization", "Basic eDp5"),), "GET", True),
                ((("Cache-Control", "no-store"),), "GET", True),
                ((), "OPTIONS", True),
                ((), "POST", False),
                ((("X-Status", "302"),), "GET", False),
                ((("X-Status", "404"),), "GET", True),
                ((("X-Status", "500"),), "GET", False)):
            r = l.ask(hs + (("X-Hdr", "Cache-Control:max-age=10"),), method)[0]
            lib.eq(b"path=/\r\ncache-control: private\r\n" in r, private, "private for %s %r: %r" % (method, hs, r))
        for hdrs, private in (
                (("ETag:\"x\"",), True),
                (("Expires:Thu, 01 Jan 2037 00:00:00 GMT",), True),
                (("Cache-Control:public",), False),
                (("Cache-Control:max-age=10, private",), False),
                (("Cache-Control:private",), False),
                (("Cache-Control:max-age=0",), False),
                (("Last-Modified:Thu, 01 Jan 2037 00:00:00 GMT", "Pragma:no-cache"), False),
                (("Last-Modified:Thu, 01 Jan 2037 00:00:00 GMT",), True)):
            r = l.ask(tuple(("X-Hdr", h) for h in hdrs))[0]
            lib.eq(b"path=/\r\ncache-control: private\r\n" in r, private, "private with %r: %r" % (hdrs, r))
        # after the cookie headers, before 'connection: close'
        r = l.ask((("Connection", "close"), ("X-Hdr", "Cache-Control:max-age=10")))[0]
        lib.contains(r, b"; path=/\r\ncache-control: private\r\nconnection: close\r\n\r\n",
                     "order")


@lib.test
def server_without_cookie_and_server_states():
    """A server without 'cookie' gets a removal cookie; a server put in
    maintenance from the stats socket loses its clients (D), a draining
    one keeps them; keep-alive requests are each routed by their own
    cookie."""
    servers = ("    server s1 127.0.0.1:%d cookie c1\n"
               "    server s2 127.0.0.1:%d cookie c2\n"
               "    server s3 127.0.0.1:%d\n")
    with lab("cookie SRV insert indirect", servers=servers, stats=True) as l:
        lib.eq(l.ask(), (resp("s1", CL, "set-cookie: SRV=c1; path=/"), "s1", head(), "NI"), "s1")
        lib.eq(l.ask(), (resp("s2", CL, "set-cookie: SRV=c2; path=/"), "s2", head(), "NI"), "s2")
        lib.eq(l.ask(), (resp("s3", CL, "set-cookie: SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"),
                         "s3", head(), "NI"), "s3 has no cookie")
        with H.Client(l.port) as c:
            lib.eq(l.ask((("Cookie", "SRV=c2"),), client=c)[1:], ("s2", head(), "VN"), "ka 1")
            lib.eq(l.ask((("Cookie", "SRV=c1"),), client=c)[1:], ("s1", head(), "VN"), "ka 2")
            lib.eq(l.ask((("Cookie", "SRV=c2"),), client=c)[1:], ("s2", head(), "VN"), "ka 3")
        # show stat: the backend's cookie name, each server's value
        lib.eq([H.stat_row(l.p, "be", sv)["cookie"] for sv in ("s1", "s2", "s3", "BACKEND")],
               ["c1", "c2", "", "SRV"], "show stat cookie column")
        lib.cli(l.p.sock, "set server be/s2 state drain")
        lib.eq(l.ask((("Cookie", "SRV=c2"),))[1:], ("s2", head(), "VN"), "draining: kept")
        lib.cli(l.p.sock, "set server be/s2 state maint")
        r, srv, _, lt = l.ask((("Cookie", "SRV=c2"),))
        lib.eq((srv, lt), ("s1", "DI"), "in maintenance: balanced")
        lib.contains(r, b"set-cookie: SRV=c1; path=/\r\n", "new cookie")
        lib.cli(l.p.sock, "set server be/s2 state ready")
        lib.eq(l.ask((("Cookie", "SRV=c2"),))[1:], ("s2", head(), "VN"), "back")


@lib.test
def letters_of_requests_without_server():
    """No usable server (503 SC) and a request denied by the backend's
    rules (403 PR) are logged with the cookie letters too (HAProxy reads
    the cookie of a denied request for the log)."""
    with H.backend("s1", handler) as b1:
        port = lib.free_port()
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    log stdout format raw local0
    option httplog
    use_backend none if { path /none }
    default_backend be
backend be
    http-request deny if { path /deny }
    cookie SRV insert indirect nocache
    server s1 127.0.0.1:%d cookie c1
    server s2 127.0.0.1:%d cookie c2 disabled
backend none
    cookie SRV insert indirect nocache
    server s1 127.0.0.1:%d cookie c1 disabled
""" % (port, b1.port, b1.port, b1.port))
        for path, cookie, status in (("/none", None, 503), ("/none", "SRV=c1", 503),
                                     ("/deny", "SRV=c2", 403), ("/deny", "SRV=c1", 403),
                                     ("/deny", None, 403)):
            hs = (("Host", "h"),) + ((("Cookie", cookie),) if cookie else ())
            lib.eq(H.get(port, path, headers=hs).status, status, "%s %s" % (path, cookie))
        lib.eq([l["tsc"] for l in H.httplog(p, n=5)], ["SCNN", "SCDN", "PRDN", "PRVN", "PRNN"],
               "letters")
        lib.eq(len(b1.requests), 0, "no request reached a server")
        lib.stop(p)


@lib.test
def redispatch_from_a_failing_cookie_server():
    """The cookie's server refuses the connection: option redispatch
    sends the request to another server, which sets its own cookie, and
    the log says the cookie's server was down (D) after one retry."""
    with H.backend("s1", handler) as b1, H.refused_port() as dead:
        port = lib.free_port()
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    log stdout format raw local0
    option httplog
    default_backend be
backend be
    option redispatch
    retries 1
    cookie SRV insert indirect nocache
    server s1 127.0.0.1:%d cookie c1
    server s2 127.0.0.1:%d cookie c2
""" % (port, b1.port, dead))
        r = H.get(port, "/", headers=(("Host", "h"), ("Cookie", "SRV=c2")))
        lib.eq(r.raw, resp("s1", CL, "set-cookie: SRV=c1; path=/"), "answered by s1")
        lg = H.httplog(p)[0]
        lib.eq((lg["s"], lg["tsc"], lg["rc"]), ("s1", "--DI", "+1"), "log")
        lib.stop(p)


if __name__ == "__main__":
    lib.main()
