#!/usr/bin/env python3
"""TLS records that arrive together in mode http (issue #6): a client
whose TLS records share TCP segments gets every answer without waiting
for more bytes: pipelined requests as one record each in one segment, a
request split over records, a body in records after its head, and bytes
for a websocket tunnel sent in the same segment as the upgrade request
(they reach the server once the tunnel is up). sluice reads TLS ahead in
mode http (one read(2) for several records, engine/http.c), so these
are the cases where records wait in OpenSSL and not in the socket.
Behaviour observed on haproxy 2.6.12."""

import socket
import ssl
import time

import http_lab as H
import lib
import tls_term as tt

P = tt.pki()
A = P.leaf("a.test")


class Records:
    """A TLS 1.3 client over a memory BIO: send() takes several plaintext
    pieces, makes one TLS record of each and writes them all in one
    sendall(), so that they reach the proxy in the same TCP segment."""

    def __init__(self, port, timeout=8.0):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        self.sock = socket.create_connection((lib.LOOPBACK, port), timeout=timeout)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname="a.test")
        self.buf = b""
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._feed()
        self._flush()

    def _flush(self):
        d = self.out.read()
        if d:
            self.sock.sendall(d)

    def _feed(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError("closed by the proxy; got %r" % self.buf[:300])
        self.inc.write(d)

    def send(self, *pieces):
        for p in pieces:
            self.tls.write(p)          # one record each, kept in the BIO
        self._flush()                  # all of them in one write

    def read_until(self, pred, what, timeout=8.0):
        end = time.monotonic() + timeout
        while not pred(self.buf):
            try:
                self.buf += self.tls.read(65536)
                continue
            except ssl.SSLWantReadError:
                pass
            if time.monotonic() > end:
                lib.fail("%s: not there after %.0fs; got %r" % (what, timeout, self.buf[:400]))
            try:
                self._feed()
            except socket.timeout:
                pass
        return self.buf

    def close(self):
        self.sock.close()


def proxy(port, be_port, extra=""):
    return H.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
%s    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, A.pem, extra, be_port))


def req(path, extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n" + extra + b"\r\n"


@lib.test
def pipelined_requests_in_records_of_one_segment():
    with H.backend() as b:
        port = lib.free_port()
        proxy(port, b.port)
        c = Records(port)
        try:
            c.send(req(b"/1"), req(b"/2"), req(b"/3"))
            c.read_until(lambda d: d.count(b"HTTP/1.1 200") == 3, "three answers")
            # a head split over three records, all in one segment
            c.buf = b""
            c.send(b"GET /4 HTT", b"P/1.1\r\nHost:", b" a\r\n\r\n")
            c.read_until(lambda d: b"HTTP/1.1 200" in d, "answer to a head in three records")
        finally:
            c.close()
        lib.eq([r.target for r in b.requests], ["/1", "/2", "/3", "/4"], "requests at the server")


@lib.test
def a_body_in_records_after_its_head():
    with H.backend() as b:
        port = lib.free_port()
        proxy(port, b.port)
        c = Records(port)
        try:
            body = b"x" * 3000
            c.send(b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3000\r\n\r\n",
                   body[:1000], body[1000:2000], body[2000:], req(b"/after"))
            c.read_until(lambda d: d.count(b"HTTP/1.1 200") == 2, "two answers")
        finally:
            c.close()
        lib.eq([(r.target, len(r.body or b"")) for r in b.requests], [("/p", 3000), ("/after", 0)],
               "requests and body at the server")


ws_handler = H.websocket_handler()


@lib.test
def tunnel_bytes_sent_with_the_upgrade_request():
    with H.backend(handler=ws_handler) as b:
        port = lib.free_port()
        proxy(port, b.port, "    timeout tunnel 10s\n")
        c = Records(port)
        try:
            c.send(b"GET /chat HTTP/1.1\r\nHost: ws\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   b"first", b"-second")
            c.read_until(lambda d: d.endswith(b"FIRST-SECOND"), "the echo of the early bytes")
            lib.ok(c.buf.startswith(b"HTTP/1.1 101"), "101 first: %r" % c.buf[:40])
            c.buf = b""
            c.send(b"more", b"-and-more")
            c.read_until(lambda d: d == b"MORE-AND-MORE", "the echo through the tunnel")
        finally:
            c.close()


if __name__ == "__main__":
    lib.main()
