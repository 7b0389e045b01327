#!/usr/bin/env python3
"""Oversized inputs where sluice is stricter than HAProxy 2.6.12 (issue 9):
- a Content-Length of 2^64 or more: HAProxy 2.6.12 wraps 2^64 to 0 and
  takes the body as a second request (observed: "abc" after the head is
  answered as a "<BADREQ>" of its own, a request smuggled past the
  length). sluice refuses it as it refuses 2^63: the 400 page, a close,
  ereq, a PR-- "<BADREQ>" line, nothing at the server.
- the same in a server's answer: a 502 (HAProxy: the same wrap)."""

import re
import socket

import lib
import tls
import hostile_sizes_lab as L
from hostile_sizes_lab import CLEN, OK200, PAGE502_START, http_lab, refused_with_400, response_lab

BEYOND_HAPROXY = True


@lib.test
def content_length_of_2_64_and_beyond_is_refused():
    with L.Server(reply=OK200) as srv:
        p = http_lab(srv)
        for what, n in [("2^64", b"18446744073709551616"),
                        ("2^64 + 3", b"18446744073709551619"),
                        ("2^65", b"36893488147419103232")]:
            refused_with_400(p, srv, CLEN % n + b"GET /smuggled HTTP/1.1\r\n\r\n",
                               "Content-Length " + what)
            lib.eq(L.http_ok(p.port), b"HTTP/1.1 200 OK", what + ": next client")
            lib.eq(b"/smuggled" in b"".join(srv.data), False, what + ": smuggled request")
            srv.conns = 0
        lib.stop(p)


@lib.test
def server_content_length_of_2_64_is_a_502():
    srv, p = response_lab(b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\nabc")
    with srv:
        with socket.create_connection((lib.LOOPBACK, p.port), timeout=10) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            got = bytearray()
            lib.ok(lib.wait_for(lambda: got.extend(c.recv(65536)) or
                                got.endswith(b"</body></html>\n"), 10), "answer %r" % bytes(got))
            lib.ok(got.startswith(PAGE502_START), "answer %r" % bytes(got))
        lib.eq(L.stat(p.sock, "bh", "s1", "eresp"), "1", "eresp")
        _, line = tls.log_tail(p).wait(lambda l: " fh " in l)
        lib.ok(re.search(r' fh bh/s1 \d+/\d+/\d+/-1/\d+ 502 \d+ - - PH-- ', line), "log line %r" % line)
        lib.stop(p)


lib.main()
