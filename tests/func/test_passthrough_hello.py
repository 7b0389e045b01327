#!/usr/bin/env python3
"""ClientHello shapes a passthrough frontend must route by SNI: the hello
whole, in 1-byte TCP segments, in several TLS records (SNI inside the first
one: what HAProxy 2.6 handles), about 1.8 KB (post-quantum sized), larger
than 16 KiB (HAProxy: the buffer fills, SNI rules fail, default backend at
once), and a hello that stops half way (routed to the default backend when
the inspect-delay expires). Every scenario runs with nbthread 1 and 4."""

import time

import lib
import tls

DELAY = 1.0  # inspect-delay (s) of the delay-expiry test


def setup(n, a, d, delay="5s"):
    port = lib.free_port()
    tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay %s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend be_a if { req.ssl_sni a.demo.test }
    default_backend be_d
backend be_a
    server s1 127.0.0.1:%d
backend be_d
    server s1 127.0.0.1:%d
""" % (port, delay, a.port, d.port), n)
    return port


@lib.test
@tls.threads
def hello_whole(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, d)
        lib.eq(tls.tls_cn(port, "a.demo.test")[0], "a.demo.test", "CN")


@lib.test
@tls.threads
def hello_in_one_byte_tcp_segments(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, d)
        c = tls.Client(port, "a.demo.test")
        lib.ok(len(c.hello) > 200, "hello of %d bytes" % len(c.hello))
        lib.eq(c.handshake(tls.send_bytewise), "a.demo.test", "CN")
        lib.eq(c.readline(), "a.demo.test", "backend banner")
        lib.eq(c.echo(b"ping\n"), b"ping\n", "data after the handshake")
        c.close()


@lib.test
@tls.threads
def hello_in_three_records_sni_in_first(n):
    """The hello re-framed into 3 handshake records, the SNI extension
    lying whole inside the first one."""
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, d)
        c = tls.Client(port, "a.demo.test")
        sni_end = c.hello.find(b"a.demo.test") + len(b"a.demo.test") - 5
        first = sni_end + 8
        lib.ok(first < len(c.hello) - 100, "hello too small to split")
        cut = tls.send_sizes([first, (len(c.hello) - 5 - first) // 2])
        lib.eq(c.handshake(cut), "a.demo.test", "CN")
        c.close()


@lib.test
@tls.threads
def hello_of_1800_bytes(n):
    """About the size of a browser hello with a post-quantum key share: a
    hand-built TLS 1.2 hello padded to 1800 bytes (the backend answers
    with its certificate in clear), and a real TLS 1.3 handshake whose
    hello is enlarged by a long ALPN list."""
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, d)
        hello = tls.tls12_hello("a.demo.test", size=1800)
        lib.eq(len(hello), 1800, "hello size")
        with tls.connect(port) as s:
            s.sendall(hello)
            lib.eq(tls.server_cert_cn(s), "a.demo.test", "CN (TLS 1.2 padded hello)")
        alpn = ["x-%03d-%s" % (i, "p" * 200) for i in range(7)] + ["http/1.1"]
        c = tls.Client(port, "a.demo.test", alpn=alpn)
        lib.ok(1700 < len(c.hello) < 2000, "hello of %d bytes" % len(c.hello))
        lib.eq(c.handshake(), "a.demo.test", "CN (TLS 1.3 hello with a long ALPN list)")
        lib.eq(c.alpn, "http/1.1", "ALPN")
        c.close()


@lib.test
@tls.threads
def hello_larger_than_16k_goes_to_default_at_once(n):
    """A 17000-byte hello (two records) cannot fit HAProxy's 16 KiB buffer:
    the content rules are evaluated on a full buffer, req.ssl_sni fails
    and the session goes to the default backend without waiting for the
    5 s inspect-delay; the backend receives the whole hello intact."""
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, d)
        hello = tls.tls12_hello("a.demo.test", size=17000)
        t0 = time.monotonic()
        with tls.connect(port) as s:
            s.sendall(hello)
            lib.eq(tls.server_cert_cn(s), "default.demo.test", "CN")
        lib.ok(time.monotonic() - t0 < 2.5, "took %.2fs" % (time.monotonic() - t0))
        lib.eq(d.snis, ["a.demo.test"], "SNI the default backend parsed")
        lib.eq(a.conns, 0, "connections on the SNI backend")


@lib.test
@tls.threads
def half_hello_routed_to_default_when_inspect_delay_expires(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, d, delay="%dms" % int(DELAY * 1000))
        c = tls.Client(port, "a.demo.test")
        half = len(c.hello) // 2
        t0 = time.monotonic()
        c.sock.sendall(c.hello[:half])
        lib.ok(lib.wait_for(lambda: d.conns, timeout=DELAY + 3), "default backend never reached")
        dt = d.accepted_at[0] - t0
        lib.ok(DELAY - 0.05 <= dt < DELAY + 2, "routed after %.2fs, inspect-delay %.1fs" % (dt, DELAY))
        c.sock.sendall(c.hello[half:])
        lib.eq(c.finish(), "default.demo.test", "CN")
        lib.eq(a.conns, 0, "connections on the SNI backend")
        c.close()


lib.main()
