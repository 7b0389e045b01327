#!/usr/bin/env python3
"""HTTP mode engine (engine/http.c): bodies larger than a buffer in many
chunks, request trailers, a client that half-closes after its request, a
slow reader of a large answer, and per-transaction variables. Each
behaviour is HAProxy 2.6's (SLUICE_ORACLE=1 runs it against haproxy)."""

import random
import socket
import time

import http_lab as H
import lib


def chunks_of(data, rnd):
    out, i = [], 0
    while i < len(data):
        n = rnd.randint(1, 70000)
        out.append(data[i:i + n])
        i += n
    return out


@lib.test
def large_chunked_answer_in_random_chunks_arrives_intact():
    rnd = random.Random(6)
    data = bytes(rnd.getrandbits(8) for _ in range(1 << 20))

    def handler(req):
        return H.chunked_response(chunks_of(data, rnd), headers=(("X-T", "1"),))
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port, timeout=20) as c:
            for i in range(2):
                r = c.request("GET", "/big%d" % i)
                lib.eq((r.status, len(r.body), H.sha256(r.body)), (200, len(data), H.sha256(data)),
                       "answer %d: status, size, digest" % i)
                lib.eq(r.hdr("transfer-encoding"), ["chunked"], "framing of answer %d" % i)
        lib.eq(b.accepts, 1, "one server connection for both")


@lib.test
def chunked_upload_with_trailers_reaches_the_server_decoded_the_same():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port)
        body = b"5\r\nhello\r\n6;name=v\r\n world\r\n0\r\nX-Sum: Abc \r\n\r\n"
        with H.Client(port) as c:
            c.send(b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
            r = c.response()
            lib.eq(r.status, 200, "status")
            c.send(b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
            lib.eq(c.response().status, 200, "the next request on the connection")
        req = b.wait_requests(2)[0]
        lib.eq(req.body, b"hello world", "body the server decoded")
        lib.ok(b"x-sum: Abc\r\n" in req.raw_body, "trailer the server received: %r" % req.raw_body)
        lib.ok(b"name=v" not in req.raw_body, "chunk extension dropped: %r" % req.raw_body)


@lib.test
def client_half_close_after_its_request_still_gets_the_answer():
    def slow(req):
        time.sleep(0.3)
        return H.ok_response("late\n")
    with H.backend(handler=slow) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            c.sock.shutdown(socket.SHUT_WR)
            got = c.read_until_close()
        lib.ok(got.startswith(b"HTTP/1.1 200 OK\r\n") and got.endswith(b"\r\n\r\nlate\n"),
               "answer before the close: %r" % got[:200])


@lib.test
def a_slow_reader_gets_a_large_answer_whole():
    data = b"0123456789abcdef" * (1 << 20)   # 16 MiB

    def handler(req):
        return H.ok_response(data)
    with H.backend(handler=handler) as b:
        port = lib.free_port()
        H.simple(port, b.port)
        with H.Client(port, timeout=30) as c:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            c.send(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
            time.sleep(0.5)   # the proxy meets a full socket and must wait
            r = c.response()
            lib.eq((r.status, len(r.body), H.sha256(r.body)), (200, len(data), H.sha256(data)),
                   "status, size, digest")


@lib.test
def transaction_variables_do_not_outlive_their_request():
    with H.backend() as b:
        port = lib.free_port()
        H.simple(port, b.port, fe_extra="""\
    http-request set-var(txn.seen) str(yes) if { path /set }
    http-request set-var(sess.kept) str(k) if { path /set }
    http-response set-header X-Txn "%[var(txn.seen)]"
    http-response set-header X-Sess "%[var(sess.kept)]"
""")
        with H.Client(port) as c:
            r1 = c.request("GET", "/set")
            r2 = c.request("GET", "/other")
        lib.eq((r1.hdr("x-txn"), r1.hdr("x-sess")), (["yes"], ["k"]), "first request")
        lib.eq((r2.hdr("x-txn"), r2.hdr("x-sess")), ([""], ["k"]), "next request, same connection")


lib.main()
