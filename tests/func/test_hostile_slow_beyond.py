#!/usr/bin/env python3
"""Slow clients beyond HAProxy 2.6: sluice accepts a PROXY header split
over several reads (test_passthrough_proxyproto_beyond.py), where HAProxy
2.6.12 resets at once ("Truncated PROXY protocol header received"). So a
PROXY v1 or v2 header trickled a byte every 0.25 s must still be bounded:
cut at "timeout client" counted from the accept (what HAProxy applies to
a client that sends no header), logged as the connection error
"Timeout while waiting for PROXY protocol header" (reference §4.7), while
normal clients are served; the same on an accept-proxy bind that
terminates TLS and in mode http. Skipped by make check-oracle."""

import socket

import http_lab as H
import lib
import slow_lab as S
import tls
import tls_term

BEYOND_HAPROXY = True

T = 2.0

V1 = tls.proxy_v1("192.0.2.11", "198.51.100.7", 6666, 443)
V2 = tls.proxy_v2("192.0.2.12", "198.51.100.7", 7777, 443)


def port_of(line):
    return int(line.split(" ")[0].rsplit(":", 1)[1])


@lib.test
def accept_proxy_trickled_v1_and_v2_cut_at_timeout_client():
    sock = S.stats_socket()
    with tls.plain_backend("d", mode="echo") as d:
        port = lib.free_port()
        p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d accept-proxy
    timeout client %dms
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, T * 1000, d.port), 1, glob=tls.LOG_GLOBAL + "\n    stats socket %s level admin" % sock,
            defaults=tls.LOG_DEFAULTS)
        slows = [S.Slow(port, V1), S.Slow(port, V2)]

        def normal():
            with tls.connect(port) as c:
                c.sendall(V2 + b"ping\n")
                lib.eq(tls.readline(c), "d", "banner")
                lib.eq(tls.readline(c), "ping", "echo")
        _, rtts = S.with_normal_clients(lambda: S.trickle(slows, T + S.SLACK + 1), normal)
        for s, what in zip(slows, ("v1", "v2")):
            S.cut_within(s, T, "PROXY %s header trickled" % what)
            lib.ok(s.sent < len(s.data), "%s: the whole header went (%d bytes)" % (what, s.sent))
        lib.eq(d.conns, len(rtts), "backend connections (the normal clients only)")
        lines = tls_term.wait_lines(p, "fe/1: Timeout while waiting for PROXY protocol header", n=2)
        lib.eq(sorted(port_of(l) for l in lines), sorted(s.local_port for s in slows),
               "client ports of the PROXY timeouts")
        row = S.stat(sock, "fe", "FRONTEND")
        lib.eq((row["ereq"], row["stot"]), ("0", str(len(rtts))), "fe ereq, stot")
        S.wait_info(sock, "CurrConns", "0")


@lib.test
def accept_proxy_trickled_before_tls_and_http():
    """accept-proxy on a TLS bind (the header comes before the handshake)
    and on an HTTP frontend: the same bound."""
    pki = tls_term.pki()
    leaf = pki.leaf("a.example.test", sans=["a.example.test"])
    with tls.plain_backend("d", mode="echo") as d, H.backend() as b:
        pt, ph = lib.free_ports(2)
        p = tls_term.proxy("""\
frontend fe
    bind 127.0.0.1:%d accept-proxy ssl crt %s
    timeout client %dms
    default_backend be
frontend feh
    mode http
    bind 127.0.0.1:%d accept-proxy
    timeout client %dms
    timeout http-request 10s
    default_backend beh
backend be
    server s1 127.0.0.1:%d
backend beh
    mode http
    server s1 127.0.0.1:%d
""" % (pt, leaf.pem, T * 1000, ph, T * 1000, d.port, b.port))
        slows = [S.Slow(pt, V1), S.Slow(pt, V2), S.Slow(ph, V1), S.Slow(ph, V2)]
        ctx = tls_term.context()

        def normal():
            # the PROXY header, then the handshake over the same socket
            raw = socket.create_connection((lib.LOOPBACK, pt), timeout=5)
            raw.sendall(V2)
            s = ctx.wrap_socket(raw, server_hostname="a.example.test")
            try:
                lib.eq(s.recv(2), b"d\n", "banner through TLS")
            finally:
                s.close()
            with H.Client(ph) as c:
                c.send(V1)
                lib.eq(c.request("GET", "/n").status, 200, "HTTP after a PROXY header")
        S.with_normal_clients(lambda: S.trickle(slows, T + S.SLACK + 1), normal)
        for i, s in enumerate(slows):
            S.cut_within(s, T, "trickled PROXY header #%d" % i)
        tls_term.wait_lines(p, "fe/1: Timeout while waiting for PROXY protocol header", n=2)
        tls_term.wait_lines(p, "feh/1: Timeout while waiting for PROXY protocol header", n=2)


lib.main()
