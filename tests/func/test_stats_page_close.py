#!/usr/bin/env python3
"""The stats page's refusals end the connection, as HAProxy 2.6.12: after
the 401 of 'stats auth' or 'stats http-request auth' and the 403 of
'stats http-request deny', a request pipelined behind is not answered and
the connection is closed at once; no 'connection: close' header says so
(an HTTP/1.0 keep-alive client is even told 'connection: keep-alive').
An authorized request keeps the connection, and an HTTP/1.0 keep-alive
client is told so where HAProxy says it (the page before
'transfer-encoding', the exporter after). Passes with both binaries
(SLUICE_ORACLE=1)."""

import base64
import socket
import time

import lib

OK_AUTH = "Authorization: Basic %s\r\n" % base64.b64encode(b"admin:pw").decode()

BODY_401 = (b"<html><body><h1>401 Unauthorized</h1>\n"
            b"You need a valid user and password to access this content.\n</body></html>\n")
BODY_403 = (b"<html><body><h1>403 Forbidden</h1>\n"
            b"Request forbidden by administrative rules.\n</body></html>\n")


def answer_401(realm, extra=b""):
    return (b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\n"
            b"content-type: text/html\r\nwww-authenticate: Basic realm=\"%s\"\r\n%s\r\n"
            % (realm.encode(), extra) + BODY_401)


ANSWER_403 = (b"HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\n"
              b"content-type: text/html\r\n\r\n" + BODY_403)


def start():
    ports = lib.free_ports(3)
    cfg = lib.config("""\
defaults
    mode http
    timeout client 30s
    timeout server 30s
    timeout connect 5s
userlist ul
    user admin insecure-password pw
frontend st
    bind 127.0.0.1:%d
    stats enable
    stats uri /st
    stats realm R
    stats auth admin:pw
frontend st2
    bind 127.0.0.1:%d
    stats enable
    stats uri /st
    acl ok http_auth(ul)
    stats http-request auth realm X unless ok
frontend st3
    bind 127.0.0.1:%d
    stats enable
    stats uri /st
    stats http-request deny if { src 127.0.0.1 }
""" % tuple(ports))
    return lib.start(cfg, ready_ports=ports), ports


def exchange(port, data, timeout=10.0):
    """Sends data, reads until the proxy closes: (bytes, seconds until
    the close, True if it closed within timeout)."""
    with socket.create_connection((lib.LOOPBACK, port), timeout=timeout) as s:
        t0 = time.monotonic()
        s.sendall(data)
        buf = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    return buf, time.monotonic() - t0, True
                buf += d
        except socket.timeout:
            return buf, time.monotonic() - t0, False
        except ConnectionResetError:
            return buf, time.monotonic() - t0, True


REQ = b"GET /st HTTP/1.1\r\nHost: x\r\n\r\n"


@lib.test
def refusals_close_the_connection():
    p, (p1, p2, p3) = start()
    for port, want, what in ((p1, answer_401("R"), "stats auth"),
                             (p2, answer_401("X"), "stats http-request auth"),
                             (p3, ANSWER_403, "stats http-request deny")):
        # a second request pipelined behind the refused one: not answered
        got, t, closed = exchange(port, REQ + REQ)
        lib.ok(closed, "%s: connection still open after %.1f s (timeout client 30 s)" % (what, t))
        lib.eq(got, want, what + ": the only answer")
        # HTTP/1.0 with keep-alive: said kept, closed all the same
        got, t, closed = exchange(port, b"GET /st HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        lib.ok(closed, "%s (HTTP/1.0 keep-alive): open after %.1f s" % (what, t))
        if port != p3:
            lib.eq(got, answer_401("R" if port == p1 else "X", b"connection: keep-alive\r\n"),
                   what + " (HTTP/1.0 keep-alive)")
        else:
            lib.eq(got, ANSWER_403.replace(b"text/html\r\n", b"text/html\r\nconnection: keep-alive\r\n"),
                   what + " (HTTP/1.0 keep-alive)")
    lib.stop(p)


@lib.test
def authorized_requests_keep_the_connection():
    p, (p1, p2, p3) = start()
    for port in (p1, p2):
        with socket.create_connection((lib.LOOPBACK, port), timeout=10) as s:
            f = s.makefile("rb")
            for i in range(2):
                s.sendall(("GET /st;csv HTTP/1.1\r\nHost: x\r\n%s\r\n" % OK_AUTH).encode())
                status = f.readline()
                lib.eq(status, b"HTTP/1.1 200 OK\r\n", "request %d on one connection" % (i + 1))
                hdrs = []
                while True:
                    line = f.readline()
                    if line in (b"\r\n", b""):
                        break
                    hdrs.append(line.lower())
                lib.ok(b"transfer-encoding: chunked\r\n" in hdrs, "chunked: %r" % hdrs)
                lib.ok(not any(h.startswith(b"connection:") for h in hdrs), "headers %r" % hdrs)
                while True:  # the chunks, to the last one
                    n = int(f.readline().strip(), 16)
                    f.read(n + 2)
                    if n == 0:
                        break
    lib.stop(p)


def head_of(f):
    lines = []
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            return lines
        lines.append(line)


def skip_chunks(f):
    while True:
        n = int(f.readline().strip(), 16)
        f.read(n + 2)
        if n == 0:
            return


@lib.test
def http10_keep_alive_is_said_and_kept():
    """An HTTP/1.0 client asking for keep-alive: the page says
    'connection: keep-alive' before 'transfer-encoding', the exporter
    after it, and both answer a second request on the connection."""
    ports = lib.free_ports(2)
    cfg = lib.config("""\
defaults
    mode http
    timeout client 30s
    timeout server 30s
    timeout connect 5s
frontend st
    bind 127.0.0.1:%d
    stats enable
    stats uri /st
frontend prom
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter
""" % tuple(ports))
    p = lib.start(cfg, ready_ports=ports)
    for port, path, want in (
            (ports[0], b"/st;csv", [b"HTTP/1.1 200 OK\r\n", b"cache-control: no-cache\r\n",
                                   b"content-type: text/plain\r\n", b"connection: keep-alive\r\n",
                                   b"transfer-encoding: chunked\r\n"]),
            (ports[1], b"/metrics", [b"HTTP/1.1 200 OK\r\n", b"cache-control: no-cache\r\n",
                                    b"content-type: text/plain; version=0.0.4\r\n",
                                    b"transfer-encoding: chunked\r\n",
                                    b"connection: keep-alive\r\n"])):
        with socket.create_connection((lib.LOOPBACK, port), timeout=10) as s:
            f = s.makefile("rb")
            for i in range(2):
                s.sendall(b"GET %s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" % path)
                lib.eq(head_of(f), want, "%s, request %d" % (path.decode(), i + 1))
                skip_chunks(f)
    lib.stop(p)


lib.main()
