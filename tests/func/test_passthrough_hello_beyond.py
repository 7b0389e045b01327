#!/usr/bin/env python3
"""What sluice does beyond HAProxy 2.6 in ClientHello inspection: a hello
split across several TLS records however the cut falls (HAProxy 2.6 reads
the extensions as if the hello were one record, so a record header inside
the SNI or ALPN extension breaks its parse and the session goes to the
default backend), and the req.ssl_ech fetch. Skipped by make check-oracle."""

import lib
import tls

BEYOND_HAPROXY = True


def setup(n, a, b, d):
    port = lib.free_port()
    tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend be_b if { req.ssl_alpn h2 }
    use_backend be_a if { req.ssl_sni a.demo.test }
    default_backend be_d
backend be_a
    server s1 127.0.0.1:%d
backend be_b
    server s1 127.0.0.1:%d
backend be_d
    server s1 127.0.0.1:%d
""" % (port, a.port, b.port, d.port), n)
    return port


def cut_inside(hello, needle, before=3):
    """Record payload sizes putting a record boundary <before> bytes
    before the end of <needle> in the hello (record header excluded)."""
    end = hello.find(needle) + len(needle) - 5
    first = end - before
    return [first, (len(hello) - 5 - first) // 2]


@lib.test
@tls.threads
def hello_in_three_records_sni_split_across_records(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("b.demo.test") as b, \
            tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, b, d)
        c = tls.Client(port, "a.demo.test")
        lib.eq(c.handshake(tls.send_sizes(cut_inside(c.hello, b"a.demo.test"))),
               "a.demo.test", "CN")
        c.close()


@lib.test
@tls.threads
def hello_in_three_records_alpn_in_a_later_record(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("b.demo.test") as b, \
            tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, b, d)
        c = tls.Client(port, "a.demo.test", alpn=["h2"])
        # first record ends right after the SNI; ALPN lies in the 2nd or 3rd
        sizes = cut_inside(c.hello, b"a.demo.test", before=0)
        lib.eq(c.handshake(tls.send_sizes(sizes)), "b.demo.test", "CN")
        c.close()


@lib.test
@tls.threads
def hello_in_tiny_records(n):
    """Every record carries 16 bytes of the hello."""
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("b.demo.test") as b, \
            tls.tls_backend("default.demo.test") as d:
        port = setup(n, a, b, d)
        c = tls.Client(port, "a.demo.test")
        lib.eq(c.handshake(tls.send_sizes([16] * (len(c.hello) // 16))), "a.demo.test", "CN")
        c.close()


@lib.test
@tls.threads
def ssl_ech_fetch_sees_encrypted_client_hello(n):
    with tls.tls_backend("b.demo.test") as b, tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend be_ech if { req.ssl_ech } { req.ssl_sni public.demo.test }
    default_backend be_d
backend be_ech
    server s1 127.0.0.1:%d
backend be_d
    server s1 127.0.0.1:%d
""" % (port, b.port, d.port), n)
        for ech, want in ((True, "b.demo.test"), (False, "default.demo.test")):
            hello = tls.tls12_hello("public.demo.test",
                                    extra=[tls.ech_outer_extension()] if ech else [])
            with tls.connect(port) as s:
                s.sendall(hello)
                lib.eq(tls.server_cert_cn(s), want, "CN with ECH=%s" % ech)


lib.main()
