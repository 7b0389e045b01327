#!/usr/bin/env python3
"""HTTP mode routing: use_backend with ACLs on hdr(host), path_beg,
path_end and method, default_backend, 503 when no backend or no server
(reference §6.1, lower-case header names as HAProxy sends them), what a
server receives for a plain request (names lower-cased, order kept) and
for each request-target form (absolute URIs normalized by scheme),
the HTTP fetches rules see (url_param, query, base, cook, req.ver,
hdr_cnt, req.fhdr, path_dir/dom/reg/sub...), balance uri, url_param and
hdr(), cookie insert persistence, the stats page and the Prometheus
exporter in a proxying frontend, and option forwardfor with except,
header and if-none."""

import contextlib

import http_lab as H
import lib


ROUTES = """\
frontend fe
    bind 127.0.0.1:%(port)d
    acl host_a hdr(host) -i a.test
    acl host_b hdr(host) -i b.test b.test:80
    acl api path_beg /api/
    acl img path_end .png .jpg
    acl write method POST PUT
    use_backend be_api if host_a api
    use_backend be_write if host_a write
    use_backend be_a if host_a
    use_backend be_b if host_b
    use_backend be_img if img
    default_backend be_def
backend be_a
    server a 127.0.0.1:%(a)d
backend be_b
    server b 127.0.0.1:%(b)d
backend be_api
    server api 127.0.0.1:%(api)d
backend be_write
    server w 127.0.0.1:%(w)d
backend be_img
    server img 127.0.0.1:%(img)d
backend be_def
    server d 127.0.0.1:%(d)d
"""


@contextlib.contextmanager
def routes():
    with contextlib.ExitStack() as st:
        bes = {n: st.enter_context(H.backend(n)) for n in ("a", "b", "api", "w", "img", "d")}
        port = lib.free_port()
        args = dict((n, b.port) for n, b in bes.items())
        args["port"] = port
        H.proxy(ROUTES % args)
        yield port, bes


def server_of(r):
    lib.eq(r.status, 200, "status of %r" % r)
    return r.hdr("x-server")[0]


@lib.test
def host_path_and_method_select_the_backend():
    with routes() as (port, bes):
        cases = [
            ("GET", "/", "a.test", "a"),
            ("GET", "/", "A.TEST", "a"),
            ("GET", "/api/v1", "a.test", "api"),
            ("GET", "/apix", "a.test", "a"),
            ("POST", "/form", "a.test", "w"),
            ("PUT", "/form", "a.test", "w"),
            ("DELETE", "/form", "a.test", "a"),
            ("GET", "/x", "b.test", "b"),
            ("GET", "/x", "b.test:80", "b"),
            ("GET", "/pic.png", "c.test", "img"),
            ("GET", "/pic.png?x=1", "c.test", "img"),
            ("GET", "/pic.gif", "c.test", "d"),
            ("GET", "/api/v1", "c.test", "d"),
        ]
        for method, path, host, want in cases:
            body = b"" if method in ("POST", "PUT") else None
            r = H.get(port, path, headers=(("Host", host),), method=method, body=body)
            lib.eq(server_of(r), want, "%s %s Host: %s" % (method, path, host))
            lib.eq(r.body, ("%s %s %s\n" % (want, method, path)).encode(), "body")


@lib.test
def use_backend_with_a_name_built_from_the_host():
    with H.backend("a") as a, H.backend("b") as bb:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    use_backend be_%%[req.hdr(host),lower,word(1,.)]
    default_backend be_a
backend be_a
    server a 127.0.0.1:%d
backend be_b
    server b 127.0.0.1:%d
""" % (port, a.port, bb.port))
        with H.Client(port) as c:
            for host, want in (("A.test", "a"), ("b.test", "b"), ("B.x", "b"), ("zzz.test", "a")):
                lib.eq(server_of(c.request("GET", "/", (("Host", host),))), want,
                       "Host %s (no such backend: the default)" % host)


@lib.test
def routing_is_decided_per_request_on_one_connection():
    with routes() as (port, bes):
        with H.Client(port) as c:
            seq = [("a.test", "/", "a"), ("b.test", "/", "b"), ("a.test", "/api/x", "api"),
                   ("z.test", "/", "d"), ("a.test", "/", "a")]
            for host, path, want in seq:
                lib.eq(server_of(c.request("GET", path, (("Host", host),))), want,
                       "Host %s %s" % (host, path))
        lib.eq(bes["a"].accepts, 1, "connections accepted by a (kept alive between requests)")


@lib.test
def request_reaches_the_server_with_names_lowercased_and_order_kept():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        r = H.get(port, "/p/a%20b?q=1&r=%2F", headers=(
            ("Host", "Example.TEST"), ("User-Agent", "lab/1"), ("X-Mixed-Case", "KeepMe"),
            ("accept", "*/*"), ("X-Empty", ""), ("X-Dup", "1"), ("X-Dup", "2")))
        lib.eq(r.status, 200, "status")
        got = b.requests[0]
        want = (b"GET /p/a%20b?q=1&r=%2F HTTP/1.1\r\nhost: Example.TEST\r\nuser-agent: lab/1\r\n"
                b"x-mixed-case: KeepMe\r\naccept: */*\r\nx-empty: \r\nx-dup: 1\r\nx-dup: 2\r\n\r\n")
        lib.eq(got.raw, want, "bytes the server received")
        lib.eq(r.raw, b"HTTP/1.1 200 OK\r\nx-server: s1\r\ncontent-type: text/plain\r\n"
               b"content-length: 26\r\n\r\ns1 GET /p/a%20b?q=1&r=%2F\n", "bytes the client received")


@lib.test
def request_target_forms_reach_the_server_as_sent():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        for raw, want in (
                (b"GET http://a/p?x HTTP/1.1\r\nHost: a\r\n\r\n", b"GET http://a/p?x HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET http://a/p HTTP/1.1\r\n\r\n", b"GET http://a/p HTTP/1.1\r\n\r\n"),
                (b"GET http://A.Test/p HTTP/1.1\r\nHost: A.Test\r\n\r\n",
                 b"GET http://A.Test/p HTTP/1.1\r\nhost: A.Test\r\n\r\n"),
                (b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", b"OPTIONS * HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET / HTTP/1.1\r\nHost: a:80\r\n\r\n", b"GET / HTTP/1.1\r\nhost: a:80\r\n\r\n"),
                (b"GET http://a:8080/p HTTP/1.1\r\nHost: a:8080\r\n\r\n",
                 b"GET http://a:8080/p HTTP/1.1\r\nhost: a:8080\r\n\r\n")):
            with H.Client(port) as c:
                c.send(raw)
                lib.eq(c.response().status, 200, repr(raw))
            lib.eq(b.requests[-1].raw, want, "what the server received for %r" % raw)


@lib.test
def absolute_uri_default_port_is_dropped_from_uri_and_host():
    # HAProxy 2.6 normalizes an absolute-form URI by its scheme: the
    # default port (80 for http, 443 for https) or an empty one goes, from
    # the URI and from the Host header
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        for raw, want in (
                (b"GET http://a:80/p HTTP/1.1\r\nHost: a:80\r\n\r\n", b"GET http://a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET https://a:443/p HTTP/1.1\r\nHost: a:443\r\n\r\n",
                 b"GET https://a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET http://a:/p HTTP/1.1\r\nHost: a:\r\n\r\n", b"GET http://a/p HTTP/1.1\r\nhost: a\r\n\r\n")):
            with H.Client(port) as c:
                c.send(raw)
                lib.eq(c.response().status, 200, repr(raw))
            lib.eq(b.requests[-1].raw, want, "what the server received for %r" % raw)


@lib.test
def host_and_authority_compared_as_haproxy_does():
    # an authority differing from Host only by the scheme's default port
    # (or an empty one) on either side passes; a repeated identical Host
    # (any case) is dropped; a CONNECT target needs a port and a matching
    # Host; anything else is a 400 (observed on 2.6.12)
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        for raw, want in (
                (b"GET http://a:80/p HTTP/1.1\r\nHost: a\r\n\r\n", b"GET http://a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET http://a/p HTTP/1.1\r\nHost: a:80\r\n\r\n", b"GET http://a/p HTTP/1.1\r\nhost: a:80\r\n\r\n"),
                (b"GET https://a:443/p HTTP/1.1\r\nHost: a\r\n\r\n", b"GET https://a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET http://a:80/p HTTP/1.1\r\nHost: a:\r\n\r\n", b"GET http://a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET HTTP://u@a:80/p HTTP/1.1\r\nHost: a\r\n\r\n", b"GET HTTP://u@a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
                (b"GET http://[::1]:80/p HTTP/1.1\r\nHost: [::1]\r\n\r\n",
                 b"GET http://[::1]/p HTTP/1.1\r\nhost: [::1]\r\n\r\n"),
                (b"GET /p HTTP/1.1\r\nHost: a\r\nX: 1\r\nhost: A\r\n\r\n", b"GET /p HTTP/1.1\r\nhost: a\r\nx: 1\r\n\r\n"),
                (b"GET http://a:80/p HTTP/1.1\r\nHost: a:80\r\nHost: a:80\r\n\r\n",
                 b"GET http://a/p HTTP/1.1\r\nhost: a\r\n\r\n")):
            with H.Client(port) as c:
                c.send(raw)
                lib.eq(c.response().status, 200, repr(raw))
            lib.eq(b.requests[-1].raw, want, "what the server received for %r" % raw)
        for raw in (b"GET http://a:8080/p HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET http://a:443/p HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET http://a:080/p HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET ftp://a:80/p HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET /p HTTP/1.1\r\nHost: a\r\nHost: a:80\r\n\r\n",
                    b"FOO a:443 HTTP/1.1\r\nHost: b\r\n\r\n",
                    b"CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"CONNECT a:443 HTTP/1.1\r\nHost: b\r\n\r\n",
                    b"CONNECT a:443 HTTP/1.1\r\nHost: a:80\r\n\r\n",
                    b"CONNECT a:8443 HTTP/1.1\r\nHost: a\r\n\r\n"):
            with H.Client(port) as c:
                c.send(raw)
                lib.eq(c.response().status, 400, repr(raw))


@lib.test
def no_backend_and_no_server_answer_503():
    with H.backend() as b, H.refused_port() as dead:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    use_backend be_empty if { path_beg /empty }
    use_backend be_dead if { path_beg /dead }
    use_backend be_maint if { path_beg /maint }
    use_backend be_ok if { path_beg /ok }
backend be_empty
backend be_dead
    retries 0
    server s1 127.0.0.1:%d
backend be_maint
    server s1 127.0.0.1:%d disabled
backend be_ok
    server s1 127.0.0.1:%d
""" % (port, dead, b.port, b.port))
        with H.Client(port) as c:
            for path in ("/none", "/empty", "/dead", "/maint"):
                r = c.request("GET", path)
                lib.eq(r.raw, H.ERR[503], "answer to %s" % path)
            # the connection survives a 503
            lib.eq(server_of(c.request("GET", "/ok")), "s1", "after the 503s")
        lib.eq(len(b.requests), 1, "requests that reached the server")


@lib.test
def http_fetches_seen_by_rules():
    with H.backend() as b:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain lf-string "%%[url_param(a)]|%%[query]|%%[base]|%%[cook(c)]|%%[req.ver]|%%[hdr_cnt(x)]|%%[req.fhdr(x)]|%%[hdr(x)]|%%[path]|%%[url]|%%[method]|%%[req.cook(d)]|%%[hdr(host)]" if { path_beg /f }
    use_backend be_dir if { path_dir sub }
    use_backend be_dom if { hdr_dom(host) -i example.test }
    use_backend be_reg if { path_reg ^/r[0-9]+$ }
    use_backend be_sub if { path_sub needle }
    use_backend be_param if { url_param(k) v }
    default_backend be
backend be
    http-request return status 200 content-type text/plain string be
backend be_dir
    http-request return status 200 content-type text/plain string dir
backend be_dom
    http-request return status 200 content-type text/plain string dom
backend be_reg
    http-request return status 200 content-type text/plain string reg
backend be_sub
    http-request return status 200 content-type text/plain string sub
backend be_param
    http-request return status 200 content-type text/plain string param
""" % port)
        with H.Client(port) as c:
            r = c.request("GET", "/f/x?a=1&b=2&a=3", (("Host", "h.test"), ("X", "p, q"), ("X", "r"),
                                                      ("Cookie", "c=v1; d=v2")))
            lib.eq(r.body, b"1|a=1&b=2&a=3|h.test/f/x|v1|1.1|3|r|r|/f/x|/f/x?a=1&b=2&a=3|GET|v2|h.test",
                   "url_param|query|base|cook|req.ver|hdr_cnt|req.fhdr|hdr|path|url|method|req.cook|host")
            for path, host, want in (("/a/sub/b", "x", b"dir"), ("/", "www.example.test", b"dom"),
                                     ("/", "example.test", b"dom"), ("/", "myexample.test", b"be"),
                                     ("/r42", "x", b"reg"), ("/r42x", "x", b"be"),
                                     ("/hay/needle/stack", "x", b"sub"), ("/p?z=1&k=v", "x", b"param"),
                                     ("/p?k=vv", "x", b"be")):
                lib.eq(c.request("GET", path, (("Host", host),)).body, want, "%s Host: %s" % (path, host))


@lib.test
def balance_uri_url_param_and_hdr_stick_a_key_to_a_server():
    with H.backend("s1") as b1, H.backend("s2") as b2, H.backend("s3") as b3:
        ports = lib.free_ports(3)
        servers = "".join("    server %s 127.0.0.1:%d\n" % (b.name, b.port) for b in (b1, b2, b3))
        H.proxy("""\
frontend f_uri
    bind 127.0.0.1:%d
    default_backend be_uri
frontend f_param
    bind 127.0.0.1:%d
    default_backend be_param
frontend f_hdr
    bind 127.0.0.1:%d
    default_backend be_hdr
backend be_uri
    balance uri
%sbackend be_param
    balance url_param id
%sbackend be_hdr
    balance hdr(X-Key)
%s""" % (ports[0], ports[1], ports[2], servers, servers, servers))
        for what, port, req in (
                ("uri", ports[0], lambda k: ("/item/%d" % k, ())),
                ("url_param", ports[1], lambda k: ("/p?x=1&id=%d" % k, ())),
                ("hdr", ports[2], lambda k: ("/same", (("X-Key", "key-%d" % k),)))):
            seen = {}
            with H.Client(port) as c:
                for rnd in range(3):
                    for k in range(30):
                        path, extra = req(k)
                        r = c.request("GET", path, (("Host", "h"),) + extra)
                        seen.setdefault(k, set()).add(r.hdr("x-server")[0])
            lib.ok(all(len(v) == 1 for v in seen.values()),
                   "balance %s: a key always reaches the same server: %r" % (what, seen))
            lib.eq(len(set().union(*seen.values())), 3, "balance %s: servers used by 30 keys" % what)


@lib.test
def cookie_insert_persistence():
    with H.backend("s1") as b1, H.backend("s2") as b2:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    balance roundrobin
    cookie SRV insert indirect nocache
    server s1 127.0.0.1:%d cookie c1
    server s2 127.0.0.1:%d cookie c2
""" % (port, b1.port, b2.port))
        with H.Client(port) as c:
            r = c.request("GET", "/")
            lib.eq(r.raw, b"HTTP/1.1 200 OK\r\nx-server: s1\r\ncontent-type: text/plain\r\n"
                   b"content-length: 9\r\nset-cookie: SRV=c1; path=/\r\n\r\ns1 GET /\n", "cookie inserted")
        for _ in range(3):
            r = H.get(port, "/", headers=(("Host", "h"), ("Cookie", "SRV=c2; other=1")))
            lib.eq((r.hdr("x-server"), r.hdr("set-cookie")), (["s2"], []), "persistent on s2")
        lib.eq(b2.requests[-1].raw, b"GET / HTTP/1.1\r\nhost: h\r\ncookie: other=1\r\n\r\n",
               "indirect: the cookie is removed before the server")


@lib.test
def stats_page_and_exporter_share_a_frontend_with_proxied_traffic():
    with H.backend() as b:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    stats enable
    stats uri /haproxy-stats
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port))
        with H.Client(port) as c:
            lib.eq(c.request("GET", "/").body, b"s1 GET /\n", "proxied")
            r = c.request("GET", "/haproxy-stats;csv")
            lib.eq((r.status, r.hdr("content-type")), (200, ["text/plain"]), "stats page")
            lib.ok(r.body.startswith(b"# pxname,svname,"), "CSV: %r" % r.body[:100])
            lib.eq(c.request("GET", "/x").body, b"s1 GET /x\n", "proxied after the stats page")
            r = c.request("GET", "/metrics")
            lib.eq((r.status, r.hdr("content-type")), (200, ["text/plain; version=0.0.4"]), "exporter")
            lib.eq(c.request("GET", "/y").body, b"s1 GET /y\n", "proxied after the exporter")
        lib.eq((b.accepts, len(b.requests)), (1, 3), "server connections and requests")


# ------------------------------------------------------------ forwardfor

@lib.test
def forwardfor_appends_the_client_address():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="    option forwardfor\n")
        H.get(port, "/", headers=(("Host", "a"),))
        H.get(port, "/", headers=(("Host", "a"), ("X-Forwarded-For", "10.1.1.1")))
        r0, r1 = b.requests
        lib.eq(r0.raw, b"GET / HTTP/1.1\r\nhost: a\r\nx-forwarded-for: 127.0.0.1\r\n\r\n", "no XFF sent")
        lib.eq(r1.hdr("x-forwarded-for"), ["10.1.1.1", "127.0.0.1"], "an existing XFF is kept, one more added")
        lib.eq(r1.names(), ["host", "x-forwarded-for", "x-forwarded-for"], "header order")


@lib.test
def forwardfor_header_if_none_and_except():
    with H.backend() as b:
        ports = lib.free_ports(3)
        H.proxy("""\
frontend f_hdr
    bind 127.0.0.1:%d
    option forwardfor header X-Client-IP
    default_backend be
frontend f_ifnone
    bind 127.0.0.1:%d
    option forwardfor if-none
    default_backend be
frontend f_except
    bind 127.0.0.1:%d
    option forwardfor except 127.0.0.0/8
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (ports[0], ports[1], ports[2], b.port))
        H.get(ports[0], "/", headers=(("Host", "a"),))
        lib.eq(b.requests[-1].raw, b"GET / HTTP/1.1\r\nhost: a\r\nx-client-ip: 127.0.0.1\r\n\r\n",
               "header X-Client-IP")
        H.get(ports[1], "/", headers=(("Host", "a"), ("X-Forwarded-For", "10.9.9.9")))
        lib.eq(b.requests[-1].hdr("x-forwarded-for"), ["10.9.9.9"], "if-none with an XFF")
        H.get(ports[1], "/", headers=(("Host", "a"),))
        lib.eq(b.requests[-1].hdr("x-forwarded-for"), ["127.0.0.1"], "if-none without one")
        H.get(ports[2], "/", headers=(("Host", "a"),))
        lib.eq(b.requests[-1].raw, b"GET / HTTP/1.1\r\nhost: a\r\n\r\n", "client in the except network")


@lib.test
def forwardfor_in_the_backend_applies_to_its_requests_only():
    with H.backend("x") as bx, H.backend("y") as by:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    use_backend be_x if { path_beg /x }
    default_backend be_y
backend be_x
    option forwardfor
    server x 127.0.0.1:%d
backend be_y
    server y 127.0.0.1:%d
""" % (port, bx.port, by.port))
        with H.Client(port) as c:
            c.request("GET", "/x")
            c.request("GET", "/y")
        lib.eq(bx.requests[0].hdr("x-forwarded-for"), ["127.0.0.1"], "be_x")
        lib.eq(by.requests[0].hdr("x-forwarded-for"), [], "be_y")


lib.main()
