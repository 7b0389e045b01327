#!/usr/bin/env python3
"""HTTP/1.1 message framing and connection management through the proxy:
keep-alive (100 requests on one client connection, one server
connection reused; nbthread 1 and 4), 40 concurrent keep-alive clients,
http-reuse never, safe, aggressive and always, option http-server-close
and httpclose (server connection counts, Connection headers), either
side's Connection: close, an HTTP/1.0 server, pipelining (answers in
order, a bad request in the middle), messages in 1-byte segments, 103
hints, a 10 MiB chunked upload (checksum at the server), chunked and
close-delimited responses, Expect: 100-continue, HEAD/204/304 without
bodies, and a WebSocket upgrade (101, then bytes both ways; an idle
tunnel closed by timeout tunnel)."""

import os
import threading
import time

import http_lab as H
import lib


@lib.test
def keep_alive_100_requests_on_one_connection_reuse_one_server_connection():
    for n in (1, 4):
        try:
            keep_alive_100(n)
        except lib.Failure as e:
            lib.fail("nbthread %d: %s" % (n, e))


def keep_alive_100(nbthread):
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, nbthread=nbthread)
        with H.Client(port) as c:
            for i in range(100):
                r = c.request("GET", "/r%d" % i)
                lib.eq(r.body, b"s1 GET /r%d\n" % i, "answer %d" % i)
                lib.eq(r.hdr("connection"), [], "connection header of answer %d" % i)
        lib.eq(len(b.requests), 100, "requests at the server")
        lib.eq(b.accepts, 1, "server connections")
        lib.eq([r.index for r in b.requests], list(range(100)), "rank of each request on its connection")
        lib.eq(b.requests[99].hdr("connection"), [], "connection header sent to the server")


def reuse_pattern(mode):
    """Three client connections one after the other (two requests each),
    then two interleaved; returns the backend."""
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, be_extra="    http-reuse %s\n" % mode)
        for _ in range(3):
            with H.Client(port) as c:
                c.request("GET", "/a")
                c.request("GET", "/b")
        with H.Client(port) as c1, H.Client(port) as c2:
            c1.request("GET", "/c1")
            c2.request("GET", "/c2")
            c1.request("GET", "/d1")
            c2.request("GET", "/d2")
        return b


@lib.test
def concurrent_keep_alive_clients_each_get_their_own_answers():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, nbthread=4)
        errors = []

        def client(n):
            try:
                with H.Client(port, timeout=20) as c:
                    for i in range(25):
                        path = "/c%d/r%d" % (n, i)
                        body = b"x" * (n * 37 % 3000) if i % 3 == 0 else None
                        r = c.request("POST" if body is not None else "GET", path, body=body)
                        want = ("s1 %s %s\n" % ("POST" if body is not None else "GET", path)).encode()
                        if r.body != want:
                            errors.append("client %d request %d: %r" % (n, i, r.raw[:200]))
                            return
            except Exception as e:  # reported below with the others
                errors.append("client %d: %r" % (n, e))
        ts = [threading.Thread(target=client, args=(n,)) for n in range(40)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        lib.ok(not errors, "\n".join(errors[:10]))
        lib.eq(len(b.requests), 40 * 25, "requests at the server")


@lib.test
def http_reuse_never_safe_aggressive_always():
    b = reuse_pattern("never")
    lib.eq(b.accepts, 5, "never: one server connection per client connection")
    lib.eq([len(c.requests) for c in b.conns], [2, 2, 2, 2, 2], "never: requests per server connection")
    b = reuse_pattern("safe")
    # safe: the first request of a client connection goes on a new server
    # connection; the later ones may use an idle one
    firsts = [r for r in b.requests if r.target in ("/a", "/c1", "/c2")]
    lib.eq([r.index for r in firsts], [0] * 5, "safe: first requests on fresh server connections")
    lib.eq(b.accepts, 5, "safe: server connections")
    for mode in ("aggressive", "always"):
        b = reuse_pattern(mode)
        lib.eq(b.accepts, 1, "%s: server connections" % mode)


@lib.test
def http_server_close_opens_one_server_connection_per_request():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="    option http-server-close\n")
        with H.Client(port) as c:
            for i in range(5):
                r = c.request("GET", "/%d" % i)
                lib.eq(r.status, 200, "status")
                lib.eq(r.hdr("connection"), [], "connection header to the client")
        lib.eq(b.accepts, 5, "server connections")
        lib.eq([r.hdr("connection") for r in b.requests], [["close"]] * 5,
               "connection header sent to the server")


@lib.test
def httpclose_closes_both_sides_after_each_exchange():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="    option httpclose\n")
        with H.Client(port) as c:
            r = c.request("GET", "/")
            lib.eq(r.status, 200, "status")
            lib.eq(r.hdr("connection"), ["close"], "connection header to the client")
            lib.ok(c.closed(), "client connection closed after the answer")
        lib.eq(b.requests[0].hdr("connection"), ["close"], "connection header sent to the server")


@lib.test
def http_1_0_client_gets_its_connection_closed_unless_keep_alive():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"GET /a HTTP/1.0\r\n\r\n")
            r = c.response()
            lib.eq((r.version, r.hdr("connection")), ("HTTP/1.1", ["close"]), "1.0 answer")
            lib.ok(c.closed(), "closed")
        with H.Client(port) as c:
            c.send(b"GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r = c.response()
            lib.eq(r.hdr("connection"), ["keep-alive"], "1.0 keep-alive answer")
            c.send(b"GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            lib.eq(c.response().body, b"s1 GET /c\n", "second request")
        # the server side stays keep-alive: HAProxy says so to a 1.0 server
        lib.eq(b.requests[0].head, b"GET /a HTTP/1.0\r\nconnection: keep-alive\r\n\r\n",
               "what the server got for 1.0")


@lib.test
def connection_close_from_either_side_stays_on_that_side():
    def handler(req):
        if req.target == "/srvclose":
            req.conn.close_after = True
            return b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
        return H.default_handler(req)
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            r = c.request("GET", "/srvclose")
            lib.eq(r.raw, b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", "server's close not passed on")
            lib.eq(c.request("GET", "/next").body, b"s1 GET /next\n", "client connection still usable")
        lib.eq(b.accepts, 2, "server connections (a new one after the server closed)")
        with H.Client(port) as c:
            c.send(b"GET /cli HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            r = c.response()
            lib.eq(r.hdr("connection"), ["close"], "client's close answered with close")
            lib.ok(c.closed(), "client connection closed")
        lib.eq(b.requests[-1].raw, b"GET /cli HTTP/1.1\r\nhost: a\r\n\r\n", "the server does not see it")


@lib.test
def an_http_1_0_server_answer_is_kept_alive_towards_the_client():
    def handler(req):
        return b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            for i in range(2):
                r = c.request("GET", "/%d" % i)
                lib.eq(r.raw, b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok",
                       "answer %d" % i)
            lib.ok(not c.closed(0.3), "client connection kept")


@lib.test
def pipelined_requests_are_answered_in_order():
    for n in (1, 4):
        try:
            pipelined(n)
        except lib.Failure as e:
            lib.fail("nbthread %d: %s" % (n, e))


def pipelined(nbthread):
    def slow_first(req):
        if req.target == "/0":
            time.sleep(0.3)  # the first answer is the slowest: order must still hold
        return H.default_handler(req)
    with H.backend(handler=slow_first) as b:
        port = lib.free_port()
        H.simple(port, b.port, nbthread=nbthread)
        with H.Client(port) as c:
            c.send(b"".join(b"GET /%d HTTP/1.1\r\nHost: p\r\n\r\n" % i for i in range(10)))
            for i in range(10):
                lib.eq(c.response().body, b"s1 GET /%d\n" % i, "answer %d" % i)
            c.send(b"POST /a HTTP/1.1\r\nHost: p\r\nContent-Length: 3\r\n\r\nabc"
                   b"GET /b HTTP/1.1\r\nHost: p\r\n\r\n")
            lib.eq(c.response().body, b"s1 POST /a\n", "POST then GET: first")
            lib.eq(c.response().body, b"s1 GET /b\n", "POST then GET: second")
        lib.eq([r.target for r in b.requests], ["/%d" % i for i in range(10)] + ["/a", "/b"],
               "order at the server")
        lib.eq(b.requests[10].body, b"abc", "pipelined body")


@lib.test
def a_bad_request_in_a_pipeline_is_answered_in_turn_then_closes():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost : a\r\n\r\n"
                   b"GET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
            lib.eq(c.response().body, b"s1 GET /1\n", "first answer")
            lib.eq(c.read_until_close(), H.ERR[400], "then the 400 and a close")
        lib.eq([r.target for r in b.requests], ["/1"], "requests at the server")


@lib.test
def messages_in_one_byte_segments_are_reassembled():
    def dribble(req):
        out = H.ok_response("slow body\n", headers=(("X-A", "1"),))
        for i in range(len(out)):
            req.conn.send(out[i:i + 1])
            time.sleep(0.002)
        return None
    with H.backend(handler=dribble) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            raw = (b"POST /bytes HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5\r\nhello\r\n0\r\n\r\n")
            for i in range(len(raw)):
                c.send(raw[i:i + 1])
                time.sleep(0.001)
            r = c.response()
            lib.eq(r.raw, b"HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 10\r\n\r\nslow body\n", "answer")
        # the body is streamed: it may reach the server re-chunked as it came
        req = b.requests[0]
        lib.eq((req.head, req.body), (b"POST /bytes HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n",
                                      b"hello"), "request at the server")


@lib.test
def informational_103_is_forwarded_before_the_answer():
    def hints(req):
        req.conn.send(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n")
        return H.default_handler(req)
    with H.backend(handler=hints) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"GET /h HTTP/1.1\r\nHost: a\r\n\r\n")
            lib.eq(c.response(interim=True).raw,
                   b"HTTP/1.1 103 Early Hints\r\nlink: </s.css>; rel=preload\r\n\r\n", "interim")
            lib.eq(c.response().body, b"s1 GET /h\n", "final")


@lib.test
def chunked_upload_of_10_mib_arrives_intact():
    def digest(req):
        return H.ok_response("%d %s" % (len(req.body), H.sha256(req.body)))
    with H.backend(handler=digest) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        data = os.urandom(10 * 1024 * 1024)
        with H.Client(port, timeout=30) as c:
            c.send(b"POST /up HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: chunked\r\n\r\n")
            off, sizes = 0, (1, 4096, 65536, 300000, 7)
            i = 0
            while off < len(data):
                n = min(sizes[i % len(sizes)], len(data) - off)
                c.send(b"%x\r\n" % n + data[off:off + n] + b"\r\n")
                off += n
                i += 1
            c.send(b"0\r\n\r\n")
            r = c.response()
            lib.eq(r.body.decode(), "%d %s" % (len(data), H.sha256(data)), "size and sha256 at the server")
        req = b.requests[0]
        lib.eq(req.hdr("transfer-encoding"), ["chunked"], "still chunked at the server")
        lib.eq(req.hdr("content-length"), [], "no content-length added")


@lib.test
def content_length_upload_and_chunked_download():
    big = os.urandom(3 * 1024 * 1024)

    def handler(req):
        if req.target == "/down":
            return H.chunked_response([b"a", big, b"b" * 10], headers=(("X-Sum", H.sha256(b"a" + big + b"b" * 10)),))
        return H.ok_response(H.sha256(req.body))
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port, timeout=30) as c:
            r = c.request("POST", "/up", body=big)
            lib.eq(r.body.decode(), H.sha256(big), "upload digest")
            lib.eq(b.requests[0].hdr("content-length"), [str(len(big))], "content-length kept")
            r = c.request("GET", "/down")
            lib.eq(r.hdr("transfer-encoding"), ["chunked"], "answer still chunked")
            lib.eq(H.sha256(r.body), r.hdr("x-sum")[0], "download digest")
            lib.ok(r.raw.endswith(b"\r\n0\r\n\r\n"), "last chunk")
            lib.eq(c.request("GET", "/after").status, 200, "connection reusable after a chunked answer")


@lib.test
def chunked_response_trailers_and_extensions_reach_the_client():
    def handler(req):
        return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n")
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            r = c.request("GET", "/")
            lib.eq(r.body, b"abc", "body")
            lib.eq(r.raw, b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                   b"3\r\nabc\r\n0\r\nx-trailer: t\r\n\r\n", "bytes the client received")


@lib.test
def close_delimited_response_is_relayed_then_the_client_connection_closes():
    def handler(req):
        req.conn.close_after = True
        return b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"x" * 100000
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: c\r\n\r\n")
            raw = c.read_until_close()
        head, _, body = raw.partition(b"\r\n\r\n")
        lib.eq(head, b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close", "head")
        lib.eq(body, b"x" * 100000, "body up to the close")


@lib.test
def expect_100_continue_gets_the_interim_answer_before_the_body():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"POST /e HTTP/1.1\r\nHost: e\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            r = c.response(interim=True)
            lib.eq(r.raw, b"HTTP/1.1 100 Continue\r\n\r\n", "interim answer")
            c.send(b"hello")
            r = c.response("POST")
            lib.eq(r.body, b"s1 POST /e\n", "final answer")
        lib.eq(b.requests[0].body, b"hello", "body at the server")
        lib.eq(b.requests[0].hdr("expect"), ["100-continue"], "expect forwarded")


@lib.test
def head_204_and_304_answers_have_no_body():
    def handler(req):
        if req.target == "/204":
            return b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"
        if req.target == "/304":
            return b"HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n"
        if req.method == "HEAD":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
        return H.ok_response("body\n")
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n")
            r = c.response("HEAD")
            lib.eq(r.raw, b"HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n", "HEAD")
            r = c.request("GET", "/204")
            lib.eq(r.raw, b"HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n", "204")
            r = c.request("GET", "/304")
            lib.eq(r.raw, b"HTTP/1.1 304 Not Modified\r\netag: \"e\"\r\n\r\n", "304")
            r = c.request("GET", "/x")
            lib.eq(r.body, b"body\n", "the next answer is framed right")
        lib.eq(b.accepts, 1, "server connections")


ws_handler = H.websocket_handler(b"hello from server\n")


@lib.test
def websocket_upgrade_becomes_a_tunnel_both_ways():
    with H.backend(handler=ws_handler) as b:
        port = lib.free_port()
        H.simple(port, b.port, defaults="    timeout tunnel 10s\n")
        with H.Client(port) as c:
            c.send(b"GET /chat HTTP/1.1\r\nHost: ws\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            r = c.response()
            lib.eq(r.raw, b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
                   b"sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", "101 answer")
            want = b"hello from server\n"
            got = c.buf
            while len(got) < len(want):
                got += c.sock.recv(100)
            c.buf = b""
            lib.eq(got, want, "server's first bytes")
            for msg in (b"abc", b"\x00\x01binary\xff" * 1000, b"GET / HTTP/1.1\r\n\r\n"):
                c.send(msg)
                got = b""
                while len(got) < len(msg):
                    got += c.sock.recv(65536)
                lib.eq(got, msg.upper(), "echo of %d bytes" % len(msg))
        req = b.requests[0]
        lib.eq(req.head, b"GET /chat HTTP/1.1\r\nhost: ws\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
               b"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
               "upgrade request at the server")
        lib.eq(len(b.requests), 1, "requests parsed by the server (the rest was tunnelled)")



@lib.test
def an_idle_tunnel_is_closed_by_timeout_tunnel():
    with H.backend(handler=ws_handler) as b:
        port = lib.free_port()
        H.simple(port, b.port, defaults="    timeout tunnel 1s\n")
        with H.Client(port, timeout=10) as c:
            c.send(b"GET /chat HTTP/1.1\r\nHost: ws\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            lib.eq(c.response().status, 101, "status")
            t0 = time.monotonic()
            rest = c.read_until_close()
            took = H.elapsed_ms(t0)
        lib.eq(rest, b"hello from server\n", "bytes before the close")
        # measured from when the 101 was read, a little after the last activity
        lib.ok(500 <= took < 5000, "tunnel closed after %.0f ms idle, timeout tunnel 1s" % took)


lib.main()
