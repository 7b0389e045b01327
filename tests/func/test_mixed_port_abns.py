#!/usr/bin/env python3
"""One port for passthrough and termination through an abns@ socket
(issue #6): HAProxy's configuration

    backend to_term
        server t abns@<name> send-proxy-v2
    frontend term
        bind abns@<name> accept-proxy ssl crt ...

is run by haproxy through a socket pair and by sluice with an in-process
hand-off (engine/session_handoff.c). These tests hold both to the same
visible behaviour, so they pass with either binary (make check-oracle):

- the terminating frontend sees the real client (log %ci:%cp, the SNI),
  the passthrough frontend logs its own line for the same connection;
- the counters of the mode tcp side (to_term's bin/bout, the frontend's)
  are the bytes that crossed the client's socket, counted here on a raw
  socket under the TLS layer;
- a failed handshake on the terminating side: the alert reaches the
  client, term logs its connection error with the client's address,
  the passthrough line ends as it does in haproxy;
- a client that resets: the passthrough side logs CD;
- a plain HTTP client routed to a mode http frontend on abns@ with
  send-proxy: answered, logged with its address;
- a tcp-request connection rule of the terminating frontend sees the
  unix peer (src is not the client's before the PROXY header);
- without a PROXY header, a plain mode tcp target: its content rules see
  the bytes already read at once; killed from the passthrough side, the
  line counts the client's bytes;
- a request longer than a buffer, read whole by the passthrough side's
  inspection, reaches a plain mode http target whole.

Behaviour observed on haproxy 2.6.12."""

import os
import socket
import ssl
import struct
import time

import lib
import tls
import tls_term as tt

P = tt.pki()
A = P.leaf("a.test")


def abns(tag):
    """A name no other test (or run) uses at the same time."""
    return "sluice-test-%s-%d-%d" % (tag, os.getpid(), lib.free_port())


class RawTLS:
    """A TLS 1.3 client over a plain socket that counts the bytes its
    socket sends and receives (what a proxy in front of it relays)."""

    def __init__(self, port, sni, source=None, timeout=5.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout * lib.SLOW)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((lib.LOOPBACK, port))
        self.sent = self.received = 0
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        ctx = tt.context()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname=sni)
        self._io(self.tls.do_handshake)

    def _flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)
            self.sent += len(data)

    def _fill(self):
        data = self.sock.recv(65536)
        self.received += len(data)
        if not data:
            self.inc.write_eof()
        else:
            self.inc.write(data)
        return bool(data)

    def _io(self, op):
        while True:
            try:
                r = op()
                self._flush()
                return r
            except ssl.SSLWantReadError:
                self._flush()
                if not self._fill():
                    raise EOFError("closed")

    def readline(self):
        buf = b""
        while not buf.endswith(b"\n"):
            buf += self._io(lambda: self.tls.read(1))
        return buf

    def write(self, data):
        self._io(lambda: self.tls.write(data))

    def close(self):
        """close_notify, then everything the proxy still sends until it
        closes: afterwards sent/received are the socket's totals."""
        try:
            self._io(self.tls.unwrap)
        except (ssl.SSLError, EOFError, OSError):
            pass
        self.sock.shutdown(socket.SHUT_WR)
        while self._fill():
            pass
        self.sock.close()


def stat_rows(sock):
    out = lib.cli(sock, "show stat")
    rows = out.splitlines()
    hdr = rows[0].lstrip("# ").split(",")
    return {(f[0], f[1]): dict(zip(hdr, f)) for f in (r.split(",") for r in rows[1:] if r)}


MIX = """frontend mix
    bind 127.0.0.1:%(pm)d
    log-format "mix %%ci %%b/%%s %%ts %%U %%B"
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend passthru if { req.ssl_sni -i pass.test }
    default_backend to_term
backend passthru
    server p 127.0.0.1:%(pb)d
backend to_term
    server t abns@%(name)s send-proxy-v2
frontend term
    bind abns@%(name)s accept-proxy ssl crt %(crt)s%(bindopts)s
    log-format "term %%ci:%%cp %%ft %%b/%%s %%[ssl_fc_sni] %%ts"
    default_backend echo
backend echo
    server e 127.0.0.1:%(eb)d
"""


def mixed(pb, eb, name, bindopts="", nbthread=2, sock=None):
    pm = lib.free_port()
    glob = "    stats socket %s level admin" % sock if sock else ""
    p = tt.proxy(MIX % {"pm": pm, "pb": pb, "eb": eb, "name": name, "crt": A.pem,
                        "bindopts": bindopts}, nbthread, glob=glob)
    # the stats socket opens after the listeners the readiness poll saw
    lib.ok(not sock or lib.wait_for(lambda: os.path.exists(sock), 5 * lib.SLOW), "stats socket")
    return pm, p


@lib.test
def terminated_and_passed_through_on_one_port():
    sock = os.path.join(lib.tmpdir(), "stats.sock")
    with tls.tls_backend("passthru", cert="pass.test") as pb, tls.plain_backend("echo") as eb:
        pm, p = mixed(pb.port, eb.port, abns("mix"), sock=sock)
        c = RawTLS(pm, "a.test", source="127.0.0.2")
        cport = c.sock.getsockname()[1]
        lib.eq(c.readline(), b"echo\n", "a.test: terminated, the echo backend greets")
        c.write(b"x" * 5000 + b"\n")
        lib.eq(c.readline(), b"x" * 5000 + b"\n", "echoed through both frontends")
        c.close()
        lib.eq(tt.wait_lines(p, "term "), ["term 127.0.0.2:%d term~ echo/e a.test --" % cport],
               "term's line: the client's address and SNI")
        lib.eq(tt.wait_lines(p, "mix "), ["mix 127.0.0.2 to_term/t -- %d %d" % (c.sent, c.received)],
               "mix's line: the client socket's bytes, a normal end")
        rows = stat_rows(sock)
        for key in (("to_term", "BACKEND"), ("to_term", "t"), ("mix", "FRONTEND")):
            lib.eq((rows[key]["bin"], rows[key]["bout"]), (str(c.sent), str(c.received)),
                   "%s/%s bin, bout" % key)
        lib.eq((rows[("term", "FRONTEND")]["stot"], rows[("echo", "e")]["stot"]), ("1", "1"),
               "term's and echo's sessions")
        # the other SNI still passes through, untouched
        c = tt.dial(pm, "pass.test", verify=False, source="127.0.0.3")
        lib.eq((c.cn, c.banner), ("pass.test", "passthru"), "pass.test: passed through")
        c.close()
        lib.eq(pb.snis, ["pass.test"], "SNI the passthrough backend saw")


@lib.test
def refused_handshake_reaches_the_client_and_both_logs():
    with tls.plain_backend("echo") as eb:
        pm, p = mixed(1, eb.port, abns("sni"), bindopts=" strict-sni")
        s = tls.connect(pm, source="127.0.0.5")
        hello = tls.tls12_hello(sni="nobody.test")
        s.sendall(hello)
        lib.eq(tls.recv_all(s), b"\x15\x03\x03\x00\x02\x02\x70",
               "alert unrecognized_name through the hand-off")
        s.close()
        line = tt.wait_lines(p, " term/1: ")[0]
        lib.ok(line.endswith(": SSL handshake failure") and "127.0.0.5:" in line,
               "term's error line names the client:\n" + line)
        lib.eq(tt.wait_lines(p, "mix "), ["mix 127.0.0.5 to_term/t -- %d 7" % len(hello)],
               "mix's line: the hello in, the alert out")
        lib.eq(eb.conns, 0, "echo backend connections")


@lib.test
def client_reset_is_an_abort_on_the_passthrough_side():
    with tls.plain_backend("echo") as eb:
        pm, p = mixed(1, eb.port, abns("rst"))
        c = tt.dial(pm, "a.test", source="127.0.0.8")
        lib.eq(c.banner, "echo", "terminated")
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.sock.close()  # a reset, no close_notify
        # term's own state differs: "--" in the chain (its client is the
        # socket pair, closed normally), "CD" in sluice's hand-off (its
        # client is the real one): test_handoff_beyond.py
        tt.wait_lines(p, "term ")
        lib.eq([l.split()[3] for l in tt.wait_lines(p, "mix ")], ["CD"], "mix's state")


@lib.test
def plain_http_to_a_mode_http_frontend():
    with tls.plain_backend("unused") as eb:
        name = abns("web")
        pm = lib.free_port()
        p = tt.proxy("""frontend mix
    bind 127.0.0.1:%(pm)d
    log-format "mix %%ci %%b/%%s %%ts"
    tcp-request inspect-delay 5s
    tcp-request content accept if HTTP
    use_backend to_web if HTTP
    default_backend none
backend none
    server n 127.0.0.1:%(eb)d
backend to_web
    server w abns@%(name)s send-proxy
frontend web
    mode http
    bind abns@%(name)s accept-proxy
    log-format "web %%ci %%HM %%HU %%ST"
    http-request return status 200 content-type text/plain lf-string "hello %%[src]\\n"
""" % {"pm": pm, "eb": eb.port, "name": name}, 2)
        with socket.create_connection((lib.LOOPBACK, pm), source_address=("127.0.0.6", 0),
                                      timeout=5 * lib.SLOW) as s:
            s.sendall(b"GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            resp = tls.recv_all(s)
        lib.ok(resp.startswith(b"HTTP/1.1 200") and resp.endswith(b"hello 127.0.0.6\n"),
               "answered by web with the client's address: %r" % resp)
        lib.eq(tt.wait_lines(p, "web "), ["web 127.0.0.6 GET /x 200"], "web's line")
        lib.eq(tt.wait_lines(p, "mix "), ["mix 127.0.0.6 to_web/w --"], "mix's line")


PLAIN = """frontend mix
    bind 127.0.0.1:%(pm)d
    log-format "mix %%ts B=%%B U=%%U"
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.len ge %(want)d }
    default_backend to_term
backend to_term
    server t abns@%(name)s
frontend term
    bind abns@%(name)s
    log-format "term %%ts"
    tcp-request inspect-delay 3s
    tcp-request content accept if { req.len gt 0 }
    default_backend echo
backend echo
    server e 127.0.0.1:%(eb)d
"""


@lib.test
def plain_target_without_proxy_header_routes_at_once():
    """No PROXY pairing: the target's content rules see the bytes the
    passthrough side read at once, not after their inspect-delay."""
    with tls.plain_backend("echo", banner=False) as eb:
        name, pm = abns("plain"), lib.free_port()
        sock = os.path.join(lib.tmpdir(), "plain.sock")
        p = tt.proxy(PLAIN % {"pm": pm, "name": name, "eb": eb.port, "want": 1}, 1,
                     glob="    stats socket %s level admin" % sock)
        lib.ok(lib.wait_for(lambda: os.path.exists(sock), 5 * lib.SLOW), "stats socket")
        with tls.connect(pm) as s:
            t0 = time.monotonic()
            s.sendall(b"hello\n")
            f = s.makefile("rb")
            lib.eq(f.readline(), b"hello\n", "echoed")
            took = time.monotonic() - t0
            lib.ok(took < 2.5, "routed by term before its 3 s inspect-delay: %.2f s" % took)
            s.sendall(b"ping\n")
            lib.eq(f.readline(), b"ping\n", "echoed")
            # killed from the passthrough side while the target relays:
            # its line counts what crossed the client's socket so far
            mix = [l for l in lib.cli(sock, "show sess").splitlines() if " fe=mix " in l]
            lib.eq(len(mix), 1, "mix's session: %r" % mix)
            lib.cli(sock, "shutdown session %s" % mix[0].split(":")[0])
            lib.eq(tls.recv_all(s), b"", "closed")
        lib.eq(tt.wait_lines(p, "mix "), ["mix K- B=11 U=11"], "mix's line")


@lib.test
def a_long_inspected_request_reaches_a_mode_http_target_whole():
    """The passthrough side read 18,000 bytes (more than a 16 KiB buffer)
    before routing: the plain mode http target gets every one."""
    body = b"x" * 17900

    def backend(c):
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += c.recv(65536)
        head, _, got = buf.partition(b"\r\n\r\n")
        n = int([l.split(b":")[1] for l in head.split(b"\r\n")
                 if l.lower().startswith(b"content-length:")][0])
        while len(got) < n:
            d = c.recv(65536)
            if not d:
                break
            got += d
        r = b"got %d" % len(got)
        c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(r), r))

    with tls._running(tls._listener(), tls._State("web"), backend) as web:
        bp = web.port
        name, pm = abns("long"), lib.free_port()
        req = b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n" % len(body) + body
        tt.proxy("""frontend mix
    bind 127.0.0.1:%(pm)d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.len ge %(want)d }
    default_backend to_term
backend to_term
    server t abns@%(name)s send-proxy
frontend term
    mode http
    bind abns@%(name)s accept-proxy
    default_backend web
backend web
    mode http
    server w 127.0.0.1:%(bp)d
""" % {"pm": pm, "name": name, "bp": bp, "want": len(req)}, 1)
        with tls.connect(pm) as s:
            s.sendall(req)
            got = b""  # the answer (the connection stays open: keep-alive)
            s.settimeout(5 * lib.SLOW)
            while not got.endswith(b"got %d" % len(body)):
                d = s.recv(65536)
                if not d:
                    break
                got += d
        lib.ok(got.startswith(b"HTTP/1.1 200") and got.endswith(b"got %d" % len(body)),
               "the whole body reached the server: %r" % got[-80:])


@lib.test
def connection_rules_see_the_unix_peer():
    with tls.plain_backend("echo") as eb:
        name = abns("rule")
        pm = lib.free_port()
        p = tt.proxy("""frontend mix
    bind 127.0.0.1:%(pm)d
    log-format "mix %%ci %%b/%%s %%ts"
    default_backend to_term
backend to_term
    server t abns@%(name)s send-proxy-v2
frontend term
    bind abns@%(name)s accept-proxy ssl crt %(crt)s
    tcp-request connection reject if { src 127.0.0.0/8 }
    log-format "term %%ci %%ts"
    default_backend echo
backend echo
    server e 127.0.0.1:%(eb)d
""" % {"pm": pm, "eb": eb.port, "name": name, "crt": A.pem}, 1)
        c = tt.dial(pm, "a.test", source="127.0.0.7")
        lib.eq(c.banner, "echo", "not rejected: src was not the client's yet")
        c.close()
        lib.eq(tt.wait_lines(p, "term "), ["term 127.0.0.7 --"], "term's line")


lib.main()
