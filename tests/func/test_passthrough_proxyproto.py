#!/usr/bin/env python3
"""PROXY protocol in TCP mode, as a backend parses it: send-proxy (v1
line), send-proxy-v2 (byte layout, TLVs of proxy-v2-options), a TLS
backend that reads the header then completes the passthrough handshake,
and accept-proxy on a bind (v1, v2, garbage; a header split across TCP
segments is in the _beyond file: HAProxy 2.6 drops it):
the address the client advertises is what the backend receives and what
the log shows. Every scenario runs with nbthread 1 and 4."""

import re
import struct

import lib
import tls

INSPECT = """\
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
"""


def setup(n, be_port, srv_opts, bind_opts="", fe_lines="", log=False):
    port = lib.free_port()
    p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d %s
%s
    default_backend be
backend be
    server s1 127.0.0.1:%d %s
""" % (port, bind_opts, fe_lines, be_port, srv_opts), n,
        glob=tls.LOG_GLOBAL if log else "", defaults=tls.LOG_DEFAULTS if log else "")
    return p, port


def header_of_one_session(port, be, payload=b"hello\n"):
    with tls.connect(port) as s:
        s.sendall(payload)
        lib.eq(tls.readline(s), "b", "banner")
        lib.eq(tls.readline(s), payload.decode().rstrip("\n"), "data after the header")
        sport = s.getsockname()[1]
    lib.ok(lib.wait_for(lambda: be.proxy, 5), "no PROXY header parsed: %s" % be.errors)
    return be.proxy[0], sport


@lib.test
@tls.threads
def send_proxy_v1_line(n):
    with tls.plain_backend("b", proxy_header=True) as be:
        _, port = setup(n, be.port, "send-proxy")
        h, sport = header_of_one_session(port, be)
        lib.eq(h["raw"], ("PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\n" % (sport, port)).encode(),
               "PROXY v1 line")


@lib.test
@tls.threads
def send_proxy_v2_byte_layout(n):
    with tls.plain_backend("b", proxy_header=True) as be:
        _, port = setup(n, be.port, "send-proxy-v2")
        h, sport = header_of_one_session(port, be)
        want = (b"\r\n\r\n\x00\r\nQUIT\n" + b"\x21\x11\x00\x0c" + b"\x7f\x00\x00\x01" * 2
                + struct.pack("!HH", sport, port))
        lib.eq(h["raw"], want, "PROXY v2 header (no TLV without proxy-v2-options)")


@lib.test
@tls.threads
def send_proxy_v2_options_crc32c_unique_id_ssl(n):
    """In passthrough the session is not TLS for the proxy: the SSL TLV says
    so (client flags 0, verify 0) and no AUTHORITY TLV is sent."""
    with tls.plain_backend("b", proxy_header=True) as be:
        _, port = setup(n, be.port, "send-proxy-v2 proxy-v2-options authority,crc32c,unique-id,ssl",
                        fe_lines="    unique-id-format %ci:%cp")
        h, sport = header_of_one_session(port, be)
        lib.eq([t for t, _ in h["tlvs"]], [0x03, 0x05, 0x20], "TLV types in order")
        tlv = dict(h["tlvs"])
        lib.eq(tlv[0x05], ("127.0.0.1:%d" % sport).encode(), "UNIQUE_ID")
        lib.eq(tlv[0x20], b"\x00\x00\x00\x00\x00", "SSL TLV (client 0, verify 0)")
        raw = h["raw"]
        i = raw.index(b"\x03\x00\x04", 28)
        zeroed = raw[:i + 3] + b"\x00" * 4 + raw[i + 7:]
        lib.eq(struct.unpack("!I", tlv[0x03])[0], tls.crc32c(zeroed), "CRC32C")
        lib.eq(h["length"], len(raw) - 16, "length field")


@lib.test
@tls.threads
def send_proxy_v2_to_tls_backend_with_sni_routing(n):
    with tls.tls_backend("a.demo.test", proxy_header=True) as a:
        port = lib.free_port()
        tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
%s    use_backend be_a if { req.ssl_sni a.demo.test }
backend be_a
    server s1 127.0.0.1:%d send-proxy-v2
""" % (port, INSPECT, a.port), n)
        c = tls.Client(port, "a.demo.test")
        lib.eq(c.handshake(), "a.demo.test", "CN")
        lib.eq(c.readline(), "a.demo.test", "banner")
        lib.eq(c.echo(b"x" * 1000), b"x" * 1000, "echo")
        sport = c.local_port
        c.close()
        h = a.proxy[0]
        lib.eq((h["version"], h["src"], h["sport"], h["dst"], h["dport"]),
               (2, "127.0.0.1", sport, "127.0.0.1", port), "PROXY v2 addresses")


def accept_proxy_session(port, header, send=None, payload=b"hello\n"):
    with tls.connect(port) as s:
        if send:
            send(s, header)
        else:
            s.sendall(header)
        s.sendall(payload)
        lib.eq(tls.readline(s), "b", "banner")
        lib.eq(tls.readline(s), payload.decode().rstrip("\n"), "data after the header")


@lib.test
@tls.threads
def accept_proxy_v1_then_send_proxy_v1(n):
    with tls.plain_backend("b", proxy_header=True) as be:
        p, port = setup(n, be.port, "send-proxy", "accept-proxy", log=True)
        accept_proxy_session(port, tls.proxy_v1("192.0.2.10", "198.51.100.7", 5555, 443))
        lib.ok(lib.wait_for(lambda: be.proxy, 5), "no header: %s" % be.errors)
        lib.eq(be.proxy[0]["raw"], b"PROXY TCP4 192.0.2.10 198.51.100.7 5555 443\r\n",
               "header the backend received")
        log = tls.tcplog(p)[0]
        lib.eq((log["ci"], log["cp"]), ("192.0.2.10", "5555"), "client in the log")


@lib.test
@tls.threads
def accept_proxy_v2_then_send_proxy_v2(n):
    with tls.plain_backend("b", proxy_header=True) as be:
        _, port = setup(n, be.port, "send-proxy-v2", "accept-proxy")
        accept_proxy_session(port, tls.proxy_v2("192.0.2.10", "198.51.100.7", 5555, 443))
        lib.ok(lib.wait_for(lambda: be.proxy, 5), "no header: %s" % be.errors)
        h = be.proxy[0]
        lib.eq((h["src"], h["sport"], h["dst"], h["dport"]),
               ("192.0.2.10", 5555, "198.51.100.7", 443), "addresses the backend received")


@lib.test
@tls.threads
def accept_proxy_then_tls_hello_routed_by_sni(n):
    with tls.tls_backend("a.demo.test", proxy_header=True) as a, \
            tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d accept-proxy
%s    use_backend be_a if { req.ssl_sni a.demo.test }
    default_backend be_d
backend be_a
    server s1 127.0.0.1:%d send-proxy-v2
backend be_d
    server s1 127.0.0.1:%d
""" % (port, INSPECT, a.port, d.port), n)
        c = tls.Client(port, "a.demo.test")
        c.sock.sendall(tls.proxy_v1("203.0.113.5", "198.51.100.7", 40000, 443))
        lib.eq(c.handshake(), "a.demo.test", "CN")
        c.close()
        h = a.proxy[0]
        lib.eq((h["src"], h["sport"]), ("203.0.113.5", 40000), "advertised client")


@lib.test
@tls.threads
def tcp_request_connection_expect_proxy_for_trusted_sources(n):
    """expect-proxy layer4 only for 127.0.0.1: it must send a header,
    127.0.0.2 connects directly."""
    with tls.plain_backend("b", proxy_header=True) as be:
        _, port = setup(n, be.port, "send-proxy",
                        fe_lines="    tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }")
        accept_proxy_session(port, tls.proxy_v1("192.0.2.20", "198.51.100.7", 1234, 443))
        with tls.connect(port, source="127.0.0.2") as s:
            s.sendall(b"direct\n")
            lib.eq(tls.readline(s), "b", "banner")
            lib.eq(tls.readline(s), "direct", "echo")
            sport = s.getsockname()[1]
        lib.ok(lib.wait_for(lambda: len(be.proxy) == 2, 5), "headers: %s" % be.errors)
        lib.eq(sorted(h["line"] for h in be.proxy),
               ["PROXY TCP4 127.0.0.2 127.0.0.1 %d %d" % (sport, port),
                "PROXY TCP4 192.0.2.20 198.51.100.7 1234 443"], "headers the backend received")


@lib.test
@tls.threads
def accept_proxy_rejects_garbage(n):
    """Closed at once, never reaches a backend, and logged in the
    connection error format of reference §4.7 (bind named by number)."""
    with tls.plain_backend("b") as be:
        p, port = setup(n, be.port, "", "accept-proxy", log=True)
        with tls.connect(port) as s:
            s.sendall(b"GET / HTTP/1.1\r\n\r\n")
            lib.ok(tls.time_to_eof(s, 5) < 2, "closed late")
            cport = s.getsockname()[1]
        lib.eq(be.conns, 0, "connections on the backend")
        line = tls.wait_log(p, lambda l: " fe/" in l)[0]
        lib.ok(re.match(r"^127\.0\.0\.1:%d \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe/1: "
                        r"Received something which does not look like a PROXY protocol header$"
                        % cport, line), "log line: %r" % line)


lib.main()
