#!/usr/bin/env python3
"""Request-smuggling defences, as HAProxy 2.6 applies them (observed):
what is refused with the raw 400 page (byte-exact, connection closed,
nothing reaches the server, counted in ereq), and what is accepted but
normalized before the server sees it (Content-Length dropped next to
Transfer-Encoding, identical Content-Lengths merged, bare LF and
obsolete folding rewritten). Also the response side: a server answer
with conflicting framing or a bad header, or a WebSocket 101 without
Sec-WebSocket-Accept, becomes a 502."""

import http_lab as H
import lib

# (name, raw request) pairs HAProxy answers with its raw 400 page and a close
REFUSED = [
    ("two different content-lengths",
     b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
    ("content-length list of different values",
     b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\nab"),
    ("content-length not a number", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\na"),
    ("content-length negative", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\na"),
    ("content-length with a sign", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\na"),
    ("transfer-encoding twice",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("transfer-encoding not chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
    ("chunked not last", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
    ("bad chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    ("bare CR in a header value", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n"),
    ("bare CR ending a header", b"GET / HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n"),
    ("space before the colon", b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
    ("tab before the colon", b"GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n"),
    ("empty header name", b"GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n"),
    ("header without a colon", b"GET / HTTP/1.1\r\nHost: a\r\nX-A b\r\n\r\n"),
    ("control character in a name", b"GET / HTTP/1.1\r\nHost: a\r\nX\x01A: b\r\n\r\n"),
    ("separator in a name", b"GET / HTTP/1.1\r\nHost: a\r\nX(A: b\r\n\r\n"),
    ("slash in a name", b"GET / HTTP/1.1\r\nHost: a\r\nX/A: b\r\n\r\n"),
    ("8-bit byte in a name", b"GET / HTTP/1.1\r\nHost: a\r\nX\x80A: b\r\n\r\n"),
    ("space inside the URI", b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("DEL in the URI", b"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("invalid method character", b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("not an HTTP version", b"GET / FOO/1.1\r\nHost: a\r\n\r\n"),
    ("two Host headers", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    ("absolute URI and another Host", b"GET http://x.test/p HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("head larger than the buffer",
     b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"),
    ("request line larger than the buffer", b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("websocket upgrade without Sec-WebSocket-Key",
     b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
    ("websocket upgrade with a malformed Sec-WebSocket-Key",
     b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     b"Sec-WebSocket-Key: abc\r\n\r\n"),
    ("more than tune.http.maxhdr headers",
     b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"\r\n"),
]


@lib.test
def each_smuggling_shape_gets_the_400_page_and_a_close():
    with H.backend() as b:
        port = lib.free_port()
        p = H.simple(port, b.port, stats=True)
        wrong = []
        for name, raw in REFUSED:
            with H.Client(port, timeout=3) as c:
                c.send(raw)
                try:
                    got = c.read_until_close()
                except lib.Failure as e:
                    got = str(e).encode()
            if got != H.ERR[400]:
                wrong.append("%s: got %r" % (name, got[:300]))
        lib.ok(not wrong, "answers other than the raw 400 page and a close:\n" + "\n".join(wrong))
        lib.eq(len(b.requests), 0, "requests that reached the server")
        fe = H.stat_row(p, "fe", "FRONTEND")
        lib.eq((fe["ereq"], fe["hrsp_4xx"]), (str(len(REFUSED)), str(len(REFUSED))),
               "ereq and hrsp_4xx of the frontend")


@lib.test
def a_bad_request_after_a_good_one_on_the_same_connection_closes_it():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            lib.eq(c.request("GET", "/ok").status, 200, "first request")
            c.send(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n")
            lib.eq(c.read_until_close(), H.ERR[400], "second request")
        lib.eq([r.target for r in b.requests], ["/ok"], "requests at the server")


def forwarded(port, b, raw):
    """Sends raw, returns (response, connection closed after it?, the
    request the server received)."""
    n = len(b.requests)
    with H.Client(port) as c:
        c.send(raw)
        r = c.response()
        closed = c.closed(0.5)
    lib.eq(len(b.requests), n + 1, "requests at the server")
    return r, closed, b.requests[-1]


@lib.test
def content_length_next_to_transfer_encoding_is_dropped_and_the_connection_closed():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        r, closed, req = forwarded(port, b, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                                   b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        lib.eq(req.raw, b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n0\r\n\r\n", "what the server received")
        lib.eq((r.status, r.hdr("connection"), closed), (200, ["close"], True),
               "answer, then the client connection closed")


@lib.test
def a_head_just_under_the_buffer_limit_is_accepted():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        r, closed, req = forwarded(port, b, b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 15000 + b"\r\n\r\n")
        lib.eq((r.status, closed), (200, False), "answer")
        lib.eq(req.hdr("x-big"), ["b" * 15000], "the header at the server")


@lib.test
def identical_content_lengths_are_merged_into_one():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        for raw in (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
                    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  3 \r\n\r\nabc"):
            r, closed, req = forwarded(port, b, raw)
            lib.eq(req.raw, b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\n\r\nabc", repr(raw))
            lib.eq((r.status, closed), (200, False), "answer, connection kept")


@lib.test
def bare_lf_and_obsolete_folding_are_normalized():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        _, _, req = forwarded(port, b, b"GET / HTTP/1.1\nHost: a\nX-A: b\n\n")
        lib.eq(req.raw, b"GET / HTTP/1.1\r\nhost: a\r\nx-a: b\r\n\r\n", "bare LF line ends")
        _, _, req = forwarded(port, b, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\td\r\n\r\n")
        # the CR and LF of each fold become spaces, the blank after them is kept
        lib.eq(req.raw, b"GET / HTTP/1.1\r\nhost: a\r\nx-a: b   c  \td\r\n\r\n",
               "a fold becomes spaces inside one value")


@lib.test
def obs_text_and_controls_in_a_value_are_forwarded_as_is():
    # HAProxy 2.6 checks header names strictly but only CR and LF in values
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        _, _, req = forwarded(port, b, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9 \xff\r\n\r\n")
        lib.eq(req.hdr("x-a"), ["caf\xe9 \xff"], "8-bit value")
        for v in (b"b\x00c", b"b\x01c", b"b\x1fc", b"b\x7fc"):
            _, _, req = forwarded(port, b, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: " + v + b"\r\n\r\n")
            lib.eq(req.raw, b"GET / HTTP/1.1\r\nhost: a\r\nx-a: " + v + b"\r\n\r\n", repr(v))


@lib.test
def identical_content_lengths_in_an_answer_are_merged_into_one():
    def handler(req):
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            lib.eq(c.request("GET", "/").raw, b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", "answer")
            lib.eq(c.request("GET", "/").status, 200, "next answer")


@lib.test
def a_websocket_101_without_its_accept_key_becomes_502():
    def handler(req):
        req.conn.close_after = True
        return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            lib.eq(c.response().raw, H.ERR[502], "answer")


@lib.test
def server_answers_with_bad_framing_become_502():
    def handler(req):
        t = req.target
        if t == "/cl2":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"
        if t == "/sp":
            return b"HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 0\r\n\r\n"
        if t == "/cr":
            return b"HTTP/1.1 200 OK\r\nX-A: b\rc\r\nContent-Length: 0\r\n\r\n"
        if t == "/chunk":
            return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
        if t == "/clte":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
        return H.default_handler(req)
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        p = H.simple(port, b.port, stats=True)
        for path in ("/cl2", "/sp", "/cr", "/chunk"):
            with H.Client(port) as c:
                lib.eq(c.request("GET", path).raw, H.ERR[502], path)
        with H.Client(port) as c:
            r = c.request("GET", "/clte")
            lib.eq(r.raw, b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
                   "content-length dropped next to transfer-encoding")
        lib.eq(H.stat_row(p, "be", "s1")["eresp"], "4", "eresp of the server")


lib.main()
