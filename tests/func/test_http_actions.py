#!/usr/bin/env python3
"""HTTP actions and answers beyond test_http_rules.py, byte for byte as
HAProxy 2.6 sends them: option forwardfor (frontend/backend, header,
if-none, except), del-header -m, replace-value blanks, \\xHH in
replacements, Host and the authority of an absolute URI, default ports
dropped, errorfile / errorloc302 / http-errors sections / http-error,
"hdr" without a payload, the connection header of local answers to
HTTP/1.0 clients, set-map / add-acl from rules."""

import http_lab as H
import lib


@lib.test
def forwardfor_names_and_conditions():
    with H.backend() as b:
        port, port2 = lib.free_port(), lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%(port)d
    option forwardfor
    use_backend b2 if { path /b2 }
    use_backend b3 if { path /b3 }
    use_backend b4 if { path /b4 }
    default_backend be
backend be
    server s1 127.0.0.1:%(b)d
backend b2
    option forwardfor header X-Real if-none
    server s1 127.0.0.1:%(b)d
backend b3
    option forwardfor except 127.0.0.0/8
    server s1 127.0.0.1:%(b)d
backend b4
    option forwardfor if-none
    server s1 127.0.0.1:%(b)d
frontend f2
    bind 127.0.0.1:%(port2)d
    option forwardfor if-none
    default_backend be
""" % {"port": port, "port2": port2, "b": b.port})
        cases = (
            (port, "/a", (), b"x-forwarded-for: 127.0.0.1\r\n"),
            (port, "/a", (("X-Forwarded-For", "1.2.3.4"),),
             b"x-forwarded-for: 1.2.3.4\r\nx-forwarded-for: 127.0.0.1\r\n"),
            # the backend's header name; its if-none loses to the frontend's option
            (port, "/b2", (), b"x-real: 127.0.0.1\r\n"),
            (port, "/b2", (("X-Real", "9.9.9.9"),), b"x-real: 9.9.9.9\r\nx-real: 127.0.0.1\r\n"),
            (port, "/b3", (), b""),
            (port, "/b4", (("X-Forwarded-For", "1.2.3.4"),),
             b"x-forwarded-for: 1.2.3.4\r\nx-forwarded-for: 127.0.0.1\r\n"),
            # if-none alone holds
            (port2, "/a", (("X-Forwarded-For", "1.2.3.4"),), b"x-forwarded-for: 1.2.3.4\r\n"),
            (port2, "/a", (), b"x-forwarded-for: 127.0.0.1\r\n"),
        )
        for i, (p, path, hdrs, want) in enumerate(cases):
            H.get(p, path, headers=(("Host", "h"),) + hdrs)
            lib.ok(b.wait_requests(i + 1), "request %d reached the server" % i)
            lib.eq(b.requests[i].raw, b"GET " + path.encode() + b" HTTP/1.1\r\nhost: h\r\n" + want + b"\r\n",
                   "case %d (%s %r)" % (i, path, hdrs))


@lib.test
def header_rewrites_with_names_blanks_and_host():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="""\
    http-request del-header x-p -m beg if { path /2 }
    http-request del-header -e -m end if { path /2 }
    http-request del-header mid -m sub if { path /2 }
    http-request del-header ^x-r[0-9]$ -m reg if { path /2 }
    http-request replace-value X-Forwarded-For ^192\\.168\\.(.*)$ 172.16.\\1 if { path /3 }
    http-request replace-header X-Hex ^a(.)c$ \\x41\\1\\\\z if { path /3 }
    http-request set-header host newhost if { path /7 }
    http-request replace-header host (.*) rh-\\1 if { path /8 }
    http-request set-uri http://other/p if { path /9 }
""")
        sent = (
            (b"GET /2 HTTP/1.1\r\nhost: h\r\nx-p1: 1\r\nX-P2: 2\r\nab-e: 3\r\nxmidy: 4\r\nx-r1: 5\r\n"
             b"x-r12: 6\r\nkeep: 7\r\n\r\n",
             b"GET /2 HTTP/1.1\r\nhost: h\r\nx-r12: 6\r\nkeep: 7\r\n\r\n"),
            (b"GET /3 HTTP/1.1\r\nhost: h\r\nX-Forwarded-For: a , 192.168.1.1 ,  b  ,c,192.168.2.2\t, 192.168.3.3 \r\n"
             b"x-hex: abc\r\nx-hex: nomatch\r\n\r\n",
             b"GET /3 HTTP/1.1\r\nhost: h\r\nx-forwarded-for: a ,172.16.1.1,  b  ,c,172.16.2.2,172.16.3.3\r\n"
             b"x-hex: Abz\r\nx-hex: nomatch\r\n\r\n"),
            (b"GET http://h/7 HTTP/1.1\r\nhost: h\r\n\r\n", b"GET http://newhost/7 HTTP/1.1\r\nhost: newhost\r\n\r\n"),
            (b"GET http://h/8 HTTP/1.1\r\nhost: h\r\n\r\n", b"GET http://rh-h/8 HTTP/1.1\r\nhost: rh-h\r\n\r\n"),
            (b"GET /9 HTTP/1.1\r\nhost: h\r\n\r\n", b"GET http://other/p HTTP/1.1\r\nhost: other\r\n\r\n"),
            # default ports go, from the URI and from a Host that repeats it
            (b"GET http://a:80/p HTTP/1.1\r\nHost: a:80\r\n\r\n", b"GET http://a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
            (b"GET https://a:443/p HTTP/1.1\r\nHost: a:443\r\n\r\n", b"GET https://a/p HTTP/1.1\r\nhost: a\r\n\r\n"),
            (b"GET http://a:81/p HTTP/1.1\r\nHost: a:81\r\n\r\n", b"GET http://a:81/p HTTP/1.1\r\nhost: a:81\r\n\r\n"),
            (b"GET / HTTP/1.1\r\nHost: a:80\r\n\r\n", b"GET / HTTP/1.1\r\nhost: a:80\r\n\r\n"),
        )
        for i, (req, want) in enumerate(sent):
            with H.Client(port) as c:
                c.send(req)
                r = c.response()
                lib.eq(r.status, 200, "answer to %r" % req)
            lib.ok(b.wait_requests(i + 1), "request %d reached the server" % i)
            lib.eq(b.requests[i].raw, want, "what the server received for %r" % req)


ERRFILES = {
    "e403.http": b"HTTP/1.1 403 Nope\r\nX-A: b\r\nContent-Length: 3\r\n\r\nno\n",
    "s404.http": b"HTTP/1.1 404 Sec\r\nContent-Length: 4\r\n\r\nsec\n",
    "s503.http": b"HTTP/1.1 503 X\r\nContent-Type: text/html\r\n\r\nbody-no-cl\n",
    "d503.http": b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\n"
                 b"Content-Type: text/html\r\n\r\n<html>custom 503</html>\n",
}


@lib.test
def error_files_sections_and_http_error_rules():
    port, port2 = lib.free_port(), lib.free_port()
    H.proxy("""\
http-errors myerrs
    errorfile 404 %(dir)s/s404.http
    errorfile 503 %(dir)s/s503.http
frontend fe
    bind 127.0.0.1:PORT
    errorfiles myerrs
    http-error status 403 content-type text/plain string "custom403" hdr x-e 1
    http-request deny if { path /d403 }
    http-request deny deny_status 404 if { path /d404 }
    http-request deny deny_status 503 if { path /d503 }
    http-request return status 404 errorfiles myerrs if { path /r404 }
    http-request return status 503 errorfile %(dir)s/d503.http if { path /ref }
    http-request deny hdr x-a b if { path /dh }
    http-request deny deny_status 400 hdr x-a b if { path /dh400 }
    use_backend none if { path /nb }
    default_backend none
backend none
frontend f2
    bind 127.0.0.1:PORT2
    errorfile 403 %(dir)s/e403.http
    errorloc302 503 http://err.example/503
    http-request deny if { path /deny }
    default_backend none
""".replace("PORT2", str(port2)).replace("PORT", str(port)), files=ERRFILES)
    keep, close = "kept", "closed"
    cases = (
        (port, "/d403", b"HTTP/1.1 403 Forbidden\r\nx-e: 1\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\ncustom403", keep),
        (port, "/d404", b"HTTP/1.1 404 Sec\r\ncontent-length: 4\r\n\r\nsec\n", keep),
        (port, "/d503", b"HTTP/1.1 503 X\r\ncontent-type: text/html\r\nconnection: close\r\n\r\nbody-no-cl\n", close),
        (port, "/r404", b"HTTP/1.1 404 Sec\r\ncontent-length: 4\r\n\r\nsec\n", keep),
        (port, "/ref", b"HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n"
                       b"<html>custom 503</html>\n", close),
        (port, "/dh", b"HTTP/1.1 403 Forbidden\r\nx-a: b\r\ncontent-length: 0\r\n\r\n", keep),
        (port, "/dh400", b"HTTP/1.1 400 Bad Request\r\nx-a: b\r\ncontent-length: 0\r\n\r\n", keep),
        # the engine's own 503 (no server) takes the section's page
        (port, "/nb", b"HTTP/1.1 503 X\r\ncontent-type: text/html\r\nconnection: close\r\n\r\nbody-no-cl\n", close),
        (port2, "/deny", b"HTTP/1.1 403 Nope\r\nx-a: b\r\ncontent-length: 3\r\n\r\nno\n", keep),
        (port2, "/other", b"HTTP/1.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\n"
                          b"location: http://err.example/503\r\n\r\n", keep),
    )
    for p, path, want, how in cases:
        with H.Client(p) as c:
            c.send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: ex.com\r\n\r\n")
            if how == close:
                lib.eq(c.read_until_close(), want, path)
            else:
                r = c.response()
                lib.eq(r.raw, want, path)
                lib.ok(not c.closed(0.3), "%s: the connection stays open" % path)


@lib.test
def local_answers_to_http_1_0_clients_say_what_happens_to_the_connection():
    port = lib.free_port()
    H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    http-request redirect location /new code 301 if { path /r }
    http-request deny deny_status 404 if { path /d }
""" % port)
    got = H.exchange(port, b"GET /r HTTP/1.0\r\n\r\n")
    lib.eq(got, b"HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /new\r\nconnection: close\r\n\r\n",
           "HTTP/1.0 without keep-alive")
    with H.Client(port) as c:
        c.send(b"GET /r HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.response()
        lib.eq(r.raw, b"HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /new\r\n"
               b"connection: keep-alive\r\n\r\n", "HTTP/1.0 with keep-alive")
        lib.ok(not c.closed(0.3), "kept open")
    got = H.exchange(port, b"GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    lib.eq(got, b"HTTP/1.1 404 Not Found\r\ncontent-length: 83\r\ncache-control: no-cache\r\n"
           b"content-type: text/html\r\nconnection: close\r\n\r\n" + H.err_body(404), "Connection: close")


@lib.test
def set_map_and_add_acl_from_rules_change_later_lookups():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="""\
    http-request set-map(%(dir)s/m.map) %[req.hdr(k)] %[req.hdr(v)] if { req.hdr(op) set }
    http-request del-map(%(dir)s/m.map) %[req.hdr(k)] if { req.hdr(op) del }
    http-request add-acl(%(dir)s/a.acl) %[req.hdr(k)] if { req.hdr(op) plus }
    http-request del-acl(%(dir)s/a.acl) %[req.hdr(k)] if { req.hdr(op) minus }
    http-request set-header x-map %[req.hdr(k),map(%(dir)s/m.map)]
    http-request set-header x-acl yes if { path -f %(dir)s/a.acl }
""", files={"m.map": b"k1 v1\n", "a.acl": b"/x\n"})
        steps = (
            ("/x", (("k", "k1"),), b"k: k1\r\nx-map: v1\r\nx-acl: yes\r\n"),
            ("/y", (("k", "k2"), ("v", "v2"), ("op", "set")), b"k: k2\r\nv: v2\r\nop: set\r\nx-map: v2\r\n"),
            ("/y", (("k", "k1"), ("v", "v9"), ("op", "set")), b"k: k1\r\nv: v9\r\nop: set\r\nx-map: v9\r\n"),
            ("/y", (("k", "k1"), ("op", "del")), b"k: k1\r\nop: del\r\nx-map: \r\n"),
            ("/y", (("k", "/y"), ("op", "plus")), b"k: /y\r\nop: plus\r\nx-map: \r\nx-acl: yes\r\n"),
            ("/x", (("k", "/x"), ("op", "minus")), b"k: /x\r\nop: minus\r\nx-map: \r\n"),
        )
        for i, (path, hdrs, want) in enumerate(steps):
            H.get(port, path, headers=(("Host", "h"),) + hdrs)
            lib.ok(b.wait_requests(i + 1), "request %d reached the server" % i)
            lib.eq(b.requests[i].raw, b"GET " + path.encode() + b" HTTP/1.1\r\nhost: h\r\n" + want + b"\r\n",
                   "step %d" % i)


lib.main()
