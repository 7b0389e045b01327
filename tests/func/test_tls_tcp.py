#!/usr/bin/env python3
"""TLS on the data path of "mode tcp" (issue #6): a terminated TCP echo
through "bind ... ssl" (big transfers both ways, half-closes carried as
close_notify + FIN both ways), handshake failures (garbage instead of a
ClientHello, a client gone mid-handshake, the handshake bounded by
"timeout client") with HAProxy's connection error lines (reference §4.7),
a PROXY header in the same segment as the ClientHello (accept-proxy on an
ssl bind), and bridging to "server ... ssl": verify required with the
right CA, verify none, a wrong CA refused as a connection failure ("SC",
econ), the sni expression (no SNI by default), send-proxy before the
server's handshake, and terminate + re-encrypt on one path.

Client certificates come from tls_term.PKI, server certificates of the
TLS backends from tls.certs() (another CA); behaviour observed on haproxy
2.6.12."""

import os
import re
import socket
import select
import ssl
import time

import lib
import tls
import tls_term as tt

P = tt.pki()


class Pump:
    """A TLS client over MemoryBIOs: every byte on the wire is chosen by
    the test (the ClientHello can share a segment with a PROXY header,
    close_notify is sent without waiting for the peer's)."""

    def __init__(self, port, sni=None, ctx=None, timeout=5.0):
        self.sock = socket.create_connection((lib.LOOPBACK, port), timeout=timeout)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        ctx = ctx or tt.context(verify=False)
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname=sni)
        self.eof = False

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(65536)
        if d:
            self.inc.write(d)
        else:
            self.inc.write_eof()
        return d

    def handshake(self, prefix=b""):
        first = True
        while True:
            try:
                self.obj.do_handshake()
                self.flush()
                return
            except ssl.SSLWantReadError:
                data = self.out.read()
                if first:
                    data = prefix + data
                    first = False
                if data:
                    self.sock.sendall(data)
                if not self._fill():
                    raise ConnectionError("EOF during the handshake")

    def send(self, data):
        self.obj.write(data)
        self.flush()

    def recv_until(self, n):
        """Reads until n bytes came or the stream ended (close_notify or
        EOF): (bytes, how it ended: None, "close_notify", "eof")."""
        buf = bytearray()
        while len(buf) < n:
            try:
                d = self.obj.read(65536)
                if not d:  # Python's SSLObject: b"" after close_notify
                    return bytes(buf), "close_notify"
                buf += d
                continue
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                return bytes(buf), "close_notify"
            except ssl.SSLEOFError:
                return bytes(buf), "eof"
            if not self._fill() and self.inc.pending == 0:
                try:
                    buf += self.obj.read(65536)
                except (ssl.SSLZeroReturnError, ssl.SSLError):
                    pass
                return bytes(buf), "eof"
        return bytes(buf), None

    def close_notify(self):
        """Sends close_notify and a FIN; the reading side stays open."""
        try:
            self.obj.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        self.flush()
        self.sock.shutdown(socket.SHUT_WR)

    def close(self):
        self.sock.close()


def leaf_pem(name="tcp.example.test"):
    d = lib.tmpdir()
    return tt.copy_pem(P.leaf(name), d + "/%s.pem" % name)


def wait_closed(s, timeout=5.0):
    """Reads raw bytes until the proxy closes: (bytes, seconds taken)."""
    t0 = time.monotonic()
    s.settimeout(timeout)
    buf = bytearray()
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except ConnectionResetError:
        pass
    return bytes(buf), time.monotonic() - t0


def duplex(s, data, timeout=30.0):
    """Sends data while reading the echo, on one thread (an SSLSocket is
    not for two threads at once): what came back."""
    s.setblocking(False)
    sent, got = 0, bytearray()
    end = time.monotonic() + timeout
    while len(got) < len(data) and time.monotonic() < end:
        rl, wl, _ = select.select([s], [s] if sent < len(data) else [], [], 1.0)
        if wl or (sent < len(data) and not rl):
            try:
                sent += s.send(data[sent:sent + (1 << 16)])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        while True:
            try:
                d = s.recv(1 << 16)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            if not d:
                return bytes(got)
            got += d
    s.setblocking(True)
    return bytes(got)


LINE = r"^127\.0\.0\.1:%d \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe/1: %s$"


@lib.test
def echo_through_terminated_tcp():
    with tt.terminating("crt " + leaf_pem()) as (port, p, be):
        c = tt.dial(port, sni="tcp.example.test")
        lib.eq(c.banner, "echo", "backend greeting")
        lib.eq(c.cn, "tcp.example.test", "certificate served")
        big = bytes(range(256)) * 4096  # 1 MiB: many records, backpressure
        got = duplex(c.sock, big)
        lib.ok(got == big, "1 MiB echoed intact (%d bytes back)" % len(got))
        cport = c.sock.getsockname()[1]
        c.close()
        line = tt.wait_lines(p, "fe~ be/s ")[0]
        lib.ok(re.match(r"^127\.0\.0\.1:%d \[[^]]+\] fe~ be/s \d+/\d+/\d+ %d -- "
                        % (cport, len(big) + 5), line), "tcplog line: %r" % line)
        lib.eq(len(be.data), 0, "plain backend saw plain bytes (echo mode)")


@lib.test
def many_sessions_in_parallel():
    @tls.threads
    def run(n):
        with tt.terminating("crt " + leaf_pem(), nbthread=n) as (port, p, be):
            conns = [tt.dial(port) for _ in range(20)]
            for i, c in enumerate(conns):
                msg = ("hello %d\n" % i).encode() * 100
                lib.eq(c.echo(msg), msg, "echo on connection %d" % i)
            for c in conns:
                c.close()
    run()


@lib.test
def client_half_close_is_carried():
    """The client's close_notify + FIN reaches the server as a FIN; the
    server's answer, sent after it, still comes back, then close_notify."""
    with tls.plain_backend("rec", mode="record", reply=b"got it\n") as be:
        port = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (port, leaf_pem(), be.port))
        c = Pump(port)
        c.handshake()
        c.send(b"request bytes")
        c.close_notify()
        data, how = c.recv_until(1 << 20)
        lib.eq(data, b"got it\n", "answer after the half-close")
        lib.eq(how, "close_notify", "how the proxy ended the stream")
        lib.wait_for(lambda: be.data, 5)
        lib.eq(be.data, [b"request bytes"], "what the server read before its EOF")
        c.close()
        lib.stop(p)


@lib.test
def client_fin_without_close_notify_is_an_end_of_stream():
    """A TLS client that shuts its side with a bare FIN (no close_notify)
    still ends its stream cleanly towards the server."""
    with tls.plain_backend("rec", mode="record", reply=b"still here\n") as be:
        port = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    option tcplog
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (port, leaf_pem(), be.port))
        c = Pump(port)
        c.handshake()
        c.send(b"truncated?")
        c.sock.shutdown(socket.SHUT_WR)
        data, how = c.recv_until(1 << 20)
        lib.eq(data, b"still here\n", "answer after the bare FIN")
        lib.wait_for(lambda: be.data, 5)
        lib.eq(be.data, [b"truncated?"], "what the server read before its EOF")
        c.close()
        line = tt.wait_lines(p, "fe~ be/s ")[0]
        lib.ok(" -- " in line, "clean termination state: %r" % line)
        lib.stop(p)


@lib.test
def server_half_close_is_carried():
    """The server's FIN reaches the client as close_notify; the client can
    still send, and the server reads it."""
    with tls.plain_backend("fin", mode="finfirst") as be:
        port = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (port, leaf_pem(), be.port))
        c = Pump(port)
        c.handshake()
        data, how = c.recv_until(1 << 20)
        lib.eq(data, b"fin\n", "server greeting")
        lib.eq(how, "close_notify", "server FIN seen by the client as")
        c.send(b"after the server's FIN")
        c.close_notify()
        lib.wait_for(lambda: be.data, 5)
        lib.eq(be.data, [b"after the server's FIN"], "bytes sent after the server's FIN")
        c.close()
        lib.stop(p)


@lib.test
def garbage_instead_of_a_client_hello():
    with tt.terminating("crt " + leaf_pem()) as (port, p, be):
        s = socket.create_connection((lib.LOOPBACK, port))
        cport = s.getsockname()[1]
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data, took = wait_closed(s)
        s.close()
        lib.ok(took < 3, "closed at once (%.1fs)" % took)
        lib.ok(b"echo" not in data, "nothing relayed: %r" % data)
        line = tt.wait_lines(p, " fe/1: ")[0]
        lib.ok(re.match(LINE % (cport, "SSL handshake failure"), line), "log: %r" % line)
        lib.eq(be.conns, 0, "backend connections")
        # the listener still works
        lib.eq(tt.dial(port).banner, "echo", "next client")


@lib.test
def client_vanishes_mid_handshake():
    with tt.terminating("crt " + leaf_pem()) as (port, p, be):
        s = socket.create_connection((lib.LOOPBACK, port))
        cport = s.getsockname()[1]
        s.sendall(b"\x16\x03\x01\x00\x50\x01")  # a ClientHello cut short
        s.close()
        line = tt.wait_lines(p, " fe/1: ")[0]
        lib.ok(re.match(LINE % (cport, "Connection closed during SSL handshake"), line),
               "log: %r" % line)
        s = socket.create_connection((lib.LOOPBACK, port))
        s.close()
        tt.wait_lines(p, "Connection closed during SSL handshake", 2)
        lib.eq(be.conns, 0, "backend connections")
        lib.eq(tt.dial(port).banner, "echo", "next client")


@lib.test
def dontlognull_hides_empty_handshakes_only():
    with tt.terminating("crt " + leaf_pem(), fe_extra="    option dontlognull\n") as (port, p, be):
        s = socket.create_connection((lib.LOOPBACK, port))
        s.close()
        s = socket.create_connection((lib.LOOPBACK, port))
        s.sendall(b"garbage\r\n")
        wait_closed(s)
        s.close()
        tt.wait_lines(p, "SSL handshake failure")
        c = tt.dial(port)
        lib.eq(c.echo(b"data\n"), b"data\n", "echo")  # not a null connection
        c.close()
        tt.wait_lines(p, "fe~ be/s ")
        lib.eq(tt.lines(p, "Connection closed during SSL handshake"), [], "empty connection lines")


@lib.test
def handshake_bounded_by_timeout_client():
    with tt.terminating("crt " + leaf_pem(), defaults="    timeout client 1s") as (port, p, be):
        s = socket.create_connection((lib.LOOPBACK, port))
        cport = s.getsockname()[1]
        data, took = wait_closed(s, timeout=10)
        s.close()
        lib.ok(0.8 < took < 4, "closed after timeout client (%.1fs)" % took)
        line = tt.wait_lines(p, " fe/1: ")[0]
        lib.ok(re.match(LINE % (cport, "Timeout during SSL handshake"), line), "log: %r" % line)


@lib.test
def proxy_header_then_client_hello_in_one_segment():
    with tls.plain_backend("pp") as be:
        port = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d accept-proxy ssl crt %s
    option tcplog
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (port, leaf_pem(), be.port))
        c = Pump(port)
        c.handshake(prefix=tls.proxy_v1("192.0.2.7", "127.0.0.1", 40000, port))
        data, _ = c.recv_until(3)
        lib.eq(data, b"pp\n", "backend greeting")
        c.send(b"ping")
        data, _ = c.recv_until(4)
        lib.eq(data, b"ping", "echo")
        c.close()
        line = tt.wait_lines(p, "fe~ be/s ")[0]
        lib.ok(line.startswith("192.0.2.7:40000 "), "client address from the header: %r" % line)
        lib.stop(p)


@lib.test
def content_rules_inspect_decrypted_bytes():
    """tcp-request content rules on an ssl bind see the decrypted data,
    and the inspected bytes reach the server first, untouched."""
    with tls.plain_backend("one") as one, tls.plain_backend("two") as two:
        port = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    option tcplog
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.len ge 5 }
    use_backend two if { req.payload(0,5) -m str HELLO }
    default_backend one
backend one
    server s 127.0.0.1:%d
backend two
    server s 127.0.0.1:%d
""" % (port, leaf_pem(), one.port, two.port))
        for first, want in ((b"HELLO there\n", "two"), (b"other bytes\n", "one")):
            c = tt.dial(port, banner=False)
            c.sock.sendall(first)
            lib.eq(c.readline(), want, "backend chosen by the decrypted payload")
            got = bytearray()
            while len(got) < len(first):
                got += c.sock.recv(65536)
            lib.eq(bytes(got), first, "inspected bytes relayed first")
            c.close()
        lib.stop(p)


@lib.test
def ssl_fc_sni_routes_a_terminated_session():
    with tls.plain_backend("a") as a, tls.plain_backend("b") as b:
        port = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    use_backend b if { ssl_fc_sni b.example.test }
    default_backend a
backend a
    server s 127.0.0.1:%d
backend b
    server s 127.0.0.1:%d
""" % (port, leaf_pem(), a.port, b.port))
        lib.eq(tt.served(port, sni="b.example.test").banner, "b", "SNI b")
        lib.eq(tt.served(port, sni="x.example.test").banner, "a", "other SNI")
        lib.eq(tt.served(port).banner, "a", "no SNI")
        lib.stop(p)


# ------------------------------------------------------------------ bridging

def bridge(server_opts, backend, fe_bind="", extra=""):
    port = lib.free_port()
    p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d %s
    option tcplog
    default_backend be
backend be
    retries 0
    server s 127.0.0.1:%d %s
%s""" % (port, fe_bind, backend.port, server_opts, extra))
    return port, p


@lib.test
def bridging_verify_required_with_the_right_ca():
    with tls.tls_backend("b.example.test") as be:
        port, p = bridge("ssl verify required ca-file %s sni str(b.example.test)"
                         % tls.certs().ca, be)
        s = socket.create_connection((lib.LOOPBACK, port), timeout=5)
        f = s.makefile("rwb")
        lib.eq(f.readline(), b"b.example.test\n", "TLS backend greeting")
        f.write(b"x" * 100000 + b"\n")
        f.flush()
        lib.eq(f.readline(), b"x" * 100000 + b"\n", "echo through the bridge")
        f.close()
        s.close()
        lib.eq(be.snis, ["b.example.test"], "SNI the server saw")
        lib.eq(be.alpns, [None], "no ALPN by default")
        tt.wait_lines(p, "fe be/s ")
        lib.stop(p)


@lib.test
def bridging_sends_no_sni_by_default():
    with tls.tls_backend("b.example.test") as be:
        port, p = bridge("ssl verify none", be)
        s = socket.create_connection((lib.LOOPBACK, port), timeout=5)
        f = s.makefile("rwb")
        lib.eq(f.readline(), b"b.example.test\n", "TLS backend greeting")
        f.close()
        s.close()
        lib.eq(be.snis, [None], "SNI the server saw (None: none sent)")
        lib.stop(p)


@lib.test
def bridging_wrong_ca_is_a_connection_failure():
    with tls.tls_backend("b.example.test") as be:
        port, p = bridge("ssl verify required ca-file %s sni str(b.example.test)"
                         % P.ca.crt, be)
        s = socket.create_connection((lib.LOOPBACK, port), timeout=5)
        cport = s.getsockname()[1]
        data, took = wait_closed(s)
        s.close()
        lib.eq(data, b"", "nothing relayed")
        line = tt.wait_lines(p, "fe be/s ")[0]
        lib.ok(re.match(r"^127\.0\.0\.1:%d \[[^]]+\] fe be/s \d+/-1/\d+ 0 SC " % cport, line),
               "log line: %r" % line)
        lib.stop(p)


@lib.test
def bridging_send_proxy_goes_before_the_handshake():
    with tls.tls_backend("pp.example.test", proxy_header=True) as be:
        port, p = bridge("ssl verify none send-proxy", be)
        s = socket.create_connection((lib.LOOPBACK, port), timeout=5)
        cport = s.getsockname()[1]
        f = s.makefile("rwb")
        lib.eq(f.readline(), b"pp.example.test\n", "TLS backend greeting")
        f.close()
        s.close()
        lib.eq(len(be.proxy), 1, "PROXY headers read in clear")
        lib.eq(be.proxy[0].get("sport"), cport, "client port in the header: %r" % be.proxy)
        lib.stop(p)


@lib.test
def terminate_and_reencrypt():
    with tls.tls_backend("b.example.test") as be:
        port, p = bridge("ssl verify required ca-file %s sni ssl_fc_sni"
                         % tls.certs().ca, be, fe_bind="ssl crt " + leaf_pem())
        c = tt.dial(port, sni="b.example.test")
        lib.eq(c.banner, "b.example.test", "TLS backend greeting")
        lib.eq(c.echo(b"both sides encrypted\n"), b"both sides encrypted\n", "echo")
        # 4 MiB both ways at once: records, partial writes and
        # backpressure on the two TLS sides
        big = os.urandom(1 << 20) * 4
        got = duplex(c.sock, big)
        lib.ok(got == big, "4 MiB echoed intact (%d bytes back)" % len(got))
        c.close()
        lib.eq(be.snis, ["b.example.test"], "client's SNI passed on (sni ssl_fc_sni)")
        tt.wait_lines(p, "fe~ be/s ")
        lib.stop(p)


lib.main()
