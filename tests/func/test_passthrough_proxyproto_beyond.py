#!/usr/bin/env python3
"""PROXY protocol beyond HAProxy 2.6: accept-proxy tolerates a header
split across TCP segments (HAProxy 2.6.12 logs "Truncated PROXY protocol
header received" and resets, which the PROXY spec allows), and
proxy-v2-options authority carries the SNI of a passthrough session
(HAProxy sends AUTHORITY only for sessions it deciphers). Skipped by
make check-oracle."""

import lib
import tls

BEYOND_HAPROXY = True


def accept_proxy_session(port, header, send):
    with tls.connect(port) as s:
        send(s, header)
        s.sendall(b"hello\n")
        lib.eq(tls.readline(s), "b", "banner")
        lib.eq(tls.readline(s), "hello", "data after the header")


@lib.test
@tls.threads
def accept_proxy_header_split_across_segments(n):
    with tls.plain_backend("b", proxy_header=True) as be:
        port = lib.free_port()
        tls.proxy("frontend fe\n    bind 127.0.0.1:%d accept-proxy\n    default_backend be\n"
                  "backend be\n    server s1 127.0.0.1:%d send-proxy\n" % (port, be.port), n)
        accept_proxy_session(port, tls.proxy_v1("192.0.2.11", "198.51.100.7", 6666, 443),
                             tls.send_bytewise)
        accept_proxy_session(port, tls.proxy_v2("192.0.2.12", "198.51.100.7", 7777, 443),
                             tls.send_bytewise)
        lib.ok(lib.wait_for(lambda: len(be.proxy) == 2, 5), "headers: %s" % be.errors)
        lib.eq(sorted(h["line"] for h in be.proxy),
               ["PROXY TCP4 192.0.2.11 198.51.100.7 6666 443",
                "PROXY TCP4 192.0.2.12 198.51.100.7 7777 443"], "lines the backend received")


@lib.test
@tls.threads
def proxy_v2_authority_carries_the_sni(n):
    with tls.tls_backend("a.demo.test", proxy_header=True) as a:
        port = lib.free_port()
        tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    default_backend be
backend be
    server s1 127.0.0.1:%d send-proxy-v2 proxy-v2-options authority
""" % (port, a.port), n)
        lib.eq(tls.tls_cn(port, "a.demo.test")[0], "a.demo.test", "CN")
        lib.eq(dict(a.proxy[0]["tlvs"]).get(0x02), b"a.demo.test", "AUTHORITY TLV")


lib.main()
