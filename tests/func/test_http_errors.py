#!/usr/bin/env python3
"""HTTP error answers byte for byte (reference §6.1): 400 (raw, closes),
403 (deny, connection kept), 503 (no backend, no server, refused
connection), 502 (garbage or nothing from the server), 504 (timeout
server), 408 (timeout http-request, also on an idle connection),
timeout http-keep-alive closing silently; errorfile and http-errors
replacing a page."""

import time

import http_lab as H
import lib


def garbage(req):
    return b"FOO BAR\r\n\r\n"


def hang_up(req):
    req.conn.close_after = True
    return None


def slow(req):
    time.sleep(2.5)
    return H.ok_response("late\n")


@lib.test
def each_error_page_byte_for_byte():
    with H.backend("ok") as ok, H.backend("g", garbage) as g, H.backend("h", hang_up) as hu, \
            H.backend("sl", slow) as sl, H.refused_port() as dead:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    http-request deny if { path /deny }
    use_backend be_garbage if { path /garbage }
    use_backend be_hangup if { path /hangup }
    use_backend be_slow if { path /slow }
    use_backend be_refused if { path /refused }
    use_backend be_empty if { path /empty }
    use_backend be_ok if { path /ok }
backend be_ok
    server s1 127.0.0.1:%d
backend be_garbage
    server s1 127.0.0.1:%d
backend be_hangup
    retries 0
    server s1 127.0.0.1:%d
backend be_slow
    timeout server 1s
    server s1 127.0.0.1:%d
backend be_refused
    retries 0
    server s1 127.0.0.1:%d
backend be_empty
""" % (port, ok.port, g.port, hu.port, sl.port, dead))
        with H.Client(port) as c:
            for path, code in (("/deny", 403), ("/nobackend", 503), ("/empty", 503),
                               ("/refused", 503), ("/garbage", 502)):
                lib.eq(c.request("GET", path).raw, H.ERR[code], path)
            t0 = time.monotonic()
            lib.eq(c.request("GET", "/slow").raw, H.ERR[504], "/slow")
            took = H.elapsed_ms(t0)
            lib.ok(900 <= took < 2400, "504 after %.0f ms, timeout server 1s" % took)
            # none of these closed the client connection
            lib.eq(c.request("GET", "/ok").status, 200, "after the errors")
        with H.Client(port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n")
            lib.eq(c.read_until_close(), H.ERR[400], "400 then close")


@lib.test
def server_closing_without_an_answer_502_first_request_silent_close_later():
    with H.backend("ok") as ok, H.backend("h", hang_up) as hu:
        port = lib.free_port()
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    use_backend be_hangup if { path /hangup }
    default_backend be_ok
backend be_ok
    server s1 127.0.0.1:%d
backend be_hangup
    retries 0
    server s1 127.0.0.1:%d
""" % (port, ok.port, hu.port))
        with H.Client(port) as c:
            lib.eq(c.request("GET", "/hangup").raw, H.ERR[502], "first request of a connection")
        with H.Client(port) as c:
            lib.eq(c.request("GET", "/ok").status, 200, "first request")
            # a later request of a keep-alive connection: the client may
            # retry it, so HAProxy closes without an answer
            c.send(b"GET /hangup HTTP/1.1\r\nHost: a\r\n\r\n")
            lib.eq(c.read_until_close(), b"", "bytes before the close")
        lib.eq(hu.accepts, 2, "connections to the server that hung up")


@lib.test
def a_rewrite_that_does_not_fit_answers_500():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="    http-request add-header X-Copy %[req.hdr(x-big)]\n")
        with H.Client(port) as c:
            r = c.request("GET", "/", (("Host", "a"), ("X-Big", "b" * 14000)))
            lib.eq(r.raw, H.ERR[500], "copy of a 14000-byte header")
            r = c.request("GET", "/", (("Host", "a"), ("X-Big", "b" * 100)))
            lib.eq(r.status, 200, "a copy that fits")
        lib.eq(len(b.requests), 1, "requests at the server")
        lib.eq(b.requests[0].hdr("x-copy"), ["b" * 100], "the copy")


@lib.test
def an_answer_before_the_whole_request_body_says_connection_close():
    # the body not yet received will not be read: "connection: close" and
    # a close after the 403; a body all there is skipped, the connection kept
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="    http-request deny if { path /deny }\n")
        for what, data, close in (
                ("Content-Length, 4 of 100000 bytes",
                 b"POST /deny HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nxxxx", True),
                ("chunked, no last chunk",
                 b"POST /deny HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nxxxx\r\n", True),
                ("Content-Length, whole",
                 b"POST /deny HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nxxxx", False),
                ("chunked, whole",
                 b"POST /deny HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nxxxx\r\n0\r\n\r\n",
                 False)):
            with H.Client(port) as c:
                c.send(data)
                r = c.response()
                lib.eq(r.status, 403, what)
                lib.eq(r.hdr("connection"), ["close"] if close else [], "%s: connection header" % what)
                if close:
                    lib.eq(c.read_until_close(), b"", "%s: closed after the answer" % what)
                else:
                    r = c.request("GET", "/", (("Host", "a"),))
                    lib.eq(r.status, 200, "%s: the connection serves the next request" % what)


@lib.test
def timeout_http_request_answers_408_and_closes():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="    timeout http-request 1s\n")
        for what, data in (("partial request line", b"GET / HTTP/1.1\r\n"),
                           ("headers without their end", b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n"),
                           ("nothing sent", b"")):
            with H.Client(port) as c:
                t0 = time.monotonic()
                c.send(data)
                got = c.read_until_close()
                took = H.elapsed_ms(t0)
            lib.eq(got, H.ERR[408], what)
            lib.ok(900 <= took < 2500, "%s: 408 after %.0f ms" % (what, took))
        lib.eq(len(b.requests), 0, "requests at the server")


@lib.test
def timeout_http_keep_alive_closes_an_idle_connection_silently():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="    timeout http-keep-alive 500ms\n    timeout http-request 5s\n")
        with H.Client(port) as c:
            lib.eq(c.request("GET", "/").status, 200, "first request")
            t0 = time.monotonic()
            lib.eq(c.read_until_close(), b"", "bytes sent before the close")
            took = H.elapsed_ms(t0)
            # measured from when the answer was read, a little after it was sent
            lib.ok(250 <= took < 2500, "closed after %.0f ms idle, keep-alive timeout 500ms" % took)


ERRFILE_503 = (b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\n"
               b"Content-Type: text/html\r\nX-Custom: Yes\r\n\r\n<html><body>custom 503</body></html>\n")
ERRFILE_403 = b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nnope"
ERRFILE_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nbad"


@lib.test
def errorfile_and_http_errors_replace_pages():
    with H.backend() as b:
        port, port2 = lib.free_ports(2)
        H.proxy("""\
http-errors myerrs
    errorfile 403 %%(dir)s/403.http
frontend fe
    bind 127.0.0.1:%d
    errorfile 503 %%(dir)s/503.http
    errorfile 400 %%(dir)s/400.http
    http-request deny if { path /deny }
    use_backend be_none if { path /none }
    default_backend be
frontend fe2
    bind 127.0.0.1:%d
    errorfiles myerrs
    http-request deny if { path /deny }
    http-request deny deny_status 400 if { path /d400 }
    use_backend be_none if { path /none }
    default_backend be
backend be
    server s1 127.0.0.1:%d
backend be_none
""" % (port, port2, b.port), files={"503.http": ERRFILE_503, "403.http": ERRFILE_403,
                                    "400.http": ERRFILE_400})
        with H.Client(port) as c:
            # the file goes through the message layer: names lower-cased, its
            # Connection header dropped, its version kept; no length, so the
            # end of the body is the close
            r = c.request("GET", "/none")
            lib.eq(r.raw, b"HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\n"
                   b"content-type: text/html\r\nx-custom: Yes\r\n\r\n<html><body>custom 503</body></html>\n",
                   "errorfile 503")
            lib.ok(c.eof, "closed after a close-delimited page")
        with H.Client(port) as c:
            lib.eq(c.request("GET", "/deny").raw, H.ERR[403], "403 not replaced in fe")
        with H.Client(port) as c:
            # HAProxy 2.6 writes its own 400 for a request it cannot parse,
            # whatever errorfile 400 says
            c.send(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n")
            lib.eq(c.read_until_close(), H.ERR[400], "unparsable request in fe")
        with H.Client(port2) as c:
            lib.eq(c.request("GET", "/deny").raw,
                   b"HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nnope",
                   "http-errors 403")
            lib.eq(c.request("GET", "/none").raw, H.ERR[503], "503 not replaced in fe2")
            r = c.request("GET", "/d400")
            lib.eq(r.raw, b"HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\n"
                   b"content-type: text/html\r\nconnection: close\r\n\r\n" + H.err_body(400),
                   "a 400 chosen by a rule")
            lib.ok(c.closed(), "closed after that 400")


lib.main()
