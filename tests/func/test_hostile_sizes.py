#!/usr/bin/env python3
"""Oversized and lying inputs, peers that never read, and what a stats
socket below admin may not change (issue 9), as HAProxy 2.6.12 does them
(observed; the script passes with SLUICE_ORACLE=1):

- HTTP: a 1 MiB header line, 10,000 headers, a request line longer than
  tune.bufsize, a chunk size of 2^52 and one overflowing 64 bits, a
  Content-Length of 2^63: the raw 400 page, a close, ereq counted, a
  "<BADREQ>" PR-- log line, nothing reaches the server, the next client
  served. A chunk of 2 GiB (0x80000000) and a Content-Length of 2^63 - 1
  are valid: forwarded. A head takes at most tune.bufsize - 64 raw
  bytes, blanks included (16320): one longer, or not ended by then, is
  a 400. Response side: a server's chunk size or length beyond the
  limits, or a head beyond those sizes, becomes a 502 counted in eresp.
- TLS: a 64 KiB ClientHello (four records) on a passthrough bind with
  inspect-delay and SNI rules fills the buffer and goes to the default
  backend at once, whole; on a terminating bind OpenSSL answers it and
  the client's give-up is a "SSL handshake failure" counted in
  ssl_failed_handshake.
- PROXY protocol: a v1 line over 107 bytes, v2 headers whose lengths lie
  (an address length beyond what a buffer holds, one too short for the
  family, TLVs overrunning): closed at once, HAProxy's connection error
  line, no traffic log line, no ereq, nothing reaches the server.
- A server that never reads while the client pushes 100 MiB, and a
  client that never reads a 100 MiB answer, in TCP mode (plain and TLS
  passthrough) and HTTP mode: the proxy's RSS stays bounded by its
  buffers (printed), another session keeps flowing, the stuck session
  ends at its timeout (timeout server / client) with sD / cD.
- Stats socket at level user and operator: every state-changing command
  HAProxy keeps for admin answers "Permission denied" and nothing
  changes (reference §3.4). Map and ACL edits are allowed at level user
  in HAProxy 2.6 (test_cli_map.py)."""

import os
import re
import socket
import threading
import time

import lib
import tls
import hostile_sizes_lab as L
from hostile_sizes_lab import (CHUNKED, CLEN, OK200, PAGE502_START,
                               http_lab, refused_with_400, response_lab)


@lib.test
def oversized_heads_are_refused_counted_and_logged():
    with L.Server(reply=OK200) as srv:
        p = http_lab(srv)
        cases = [
            ("1 MiB header line",
             b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"),
            ("10,000 headers",
             b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(10000))
             + b"\r\n"),
            ("request line longer than tune.bufsize",
             b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: a\r\n\r\n"),
        ]
        for what, raw in cases:
            refused_with_400(p, srv, raw, what)
            lib.eq(L.http_ok(p.port), b"HTTP/1.1 200 OK", what + ": next client")
            srv.conns = 0
        lib.eq(L.stat(p.sock, "bh", "BACKEND", "stot"), str(len(cases)), "backend sessions")
        lib.eq(L.stat(p.sock, "fh", "FRONTEND", "ereq"), str(len(cases)), "ereq")
        lib.stop(p)


def padded(start, total, fill=b" "):
    """A head of total bytes: start (its first lines), then a field "a"
    whose value is "b" after blanks (which HAProxy's internal size leaves
    out) or, with fill b"v", "b" and as many value bytes."""
    pre, post = start + b"a:", b"b\r\n\r\n"
    if fill == b" ":
        return pre + fill * (total - len(pre) - len(post)) + post
    return pre + b"b" + fill * (total - len(pre) - len(post)) + post[1:]


REQ_START = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"


@lib.test
def heads_fill_the_buffer_less_64_bytes():
    """HAProxy reads at most tune.bufsize - 64 bytes of a head, blanks
    included: 16320 by default. A longer head is refused, and so is a
    head still incomplete at 16320 bytes, at once."""
    with L.Server(reply=OK200) as srv:
        p = http_lab(srv)
        ans, _ = L.exchange(p.port, padded(REQ_START, 16320))
        lib.eq(ans.split(b"\r\n", 1)[0], b"HTTP/1.1 200 OK", "a head of 16320 bytes")
        srv.conns = 0
        refused_with_400(p, srv, padded(REQ_START, 16321), "a head of 16321 bytes")
        refused_with_400(p, srv, padded(REQ_START, 17000)[:16320],
                         "16320 bytes of a head not ended")
        lib.stop(p)


@lib.test
def server_heads_beyond_the_buffer_are_a_502():
    """The same limits hold for a server's head: 16320 raw bytes, and
    HAProxy's internal size within tune.bufsize - tune.maxrewrite (15272
    bytes here when they are a value's). Beyond, or a head not ended at
    16320 bytes: a 502 at once, eresp counted."""
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
    srv, p = response_lab(b"")
    with srv:
        eresp = 0
        for what, reply, want in [
                ("16320 bytes with blanks", padded(resp, 16320), b"HTTP/1.1 200 OK"),
                ("16321 bytes with blanks", padded(resp, 16321), PAGE502_START[:-2]),
                ("a value of 15230 bytes", padded(resp, 15272, b"v"), b"HTTP/1.1 200 OK"),
                ("a value of 15231 bytes", padded(resp, 15273, b"v"), PAGE502_START[:-2]),
                ("16320 bytes of a head not ended", padded(resp, 17000, b"v")[:16320],
                 PAGE502_START[:-2])]:
            srv.reply = reply
            ans, took = L.exchange(p.port, REQ_START + b"\r\n")
            lib.eq(ans.split(b"\r\n", 1)[0], want, what)
            lib.ok(took < 5, "%s: answered after %.1fs" % (what, took))
            eresp += want != b"HTTP/1.1 200 OK"
            lib.eq(L.stat(p.sock, "bh", "s1", "eresp"), str(eresp), what + ": eresp")
        lib.stop(p)


@lib.test
def chunk_sizes_and_lengths_beyond_the_limits_are_refused():
    """HAProxy takes chunk sizes up to 2^52 - 1 (13 hex digits) and
    lengths up to 2^63 - 1; beyond, the request is invalid before any
    server is chosen."""
    with L.Server(reply=OK200) as srv:
        p = http_lab(srv)
        for what, raw in [
                ("chunk size 2^52", CHUNKED % b"10000000000000"),
                ("chunk size overflowing 64 bits", CHUNKED % b"ffffffffffffffffff"),
                ("chunk size 2^64 - 1", CHUNKED % b"ffffffffffffffff"),
                ("Content-Length 2^63", CLEN % b"9223372036854775808"),
                ("Content-Length of 26 digits", CLEN % (b"9" * 26))]:
            refused_with_400(p, srv, raw, what)
            lib.eq(L.http_ok(p.port), b"HTTP/1.1 200 OK", what + ": next client")
            srv.conns = 0
        lib.stop(p)


@lib.test
def the_largest_valid_sizes_are_forwarded():
    """A 2 GiB chunk, the largest chunk size (2^52 - 1) and the largest
    length (2^63 - 1) are valid: the server gets the head and the first
    body bytes; the client giving up is a client abort (CD--)."""
    with L.Server() as srv:
        p = http_lab(srv)
        tail = tls.log_tail(p)
        for i, (what, raw) in enumerate([
                ("2 GiB chunk", CHUNKED % b"80000000"),
                ("chunk size 2^52 - 1", CHUNKED % b"fffffffffffff"),
                ("Content-Length 2^63 - 1", CLEN % b"9223372036854775807")]):
            mark = tail.mark()
            with socket.create_connection((lib.LOOPBACK, p.port), timeout=10) as c:
                c.sendall(raw)
                # the head and the first body bytes (HAProxy re-frames
                # the chunk: only the data is compared)
                lib.ok(lib.wait_for(lambda: srv.conns > i and srv.data[i].startswith(b"POST / ")
                                    and srv.data[i].rstrip(b"\r\n").endswith(b"abc"), 10),
                       "%s: the server got %r" % (what, bytes(srv.data[i][-200:])
                                                  if srv.conns > i else None))
            _, line = tail.wait(lambda l: " fh " in l, start=mark, what=what)
            lib.ok(re.search(r' fh bh/s1 \S+ -?\d+ \d+ - - C\S\S\S .* "POST / HTTP/1.1"$', line),
                   "%s: log line %r" % (what, line))
        lib.eq(L.stat(p.sock, "fh", "FRONTEND", "ereq"), "0", "ereq")
        lib.eq(L.stat(p.sock, "bh", "BACKEND", "cli_abrt"), "3", "client aborts")
        lib.stop(p)


@lib.test
def server_chunk_sizes_and_lengths_beyond_the_limits_are_a_502():
    for what, reply, status in [
            ("chunk size overflowing 64 bits",
             b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc", 502),
            ("chunk size 2^52",
             b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000\r\nabc", 502),
            ("Content-Length 2^63",
             b"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\nabc", 502)]:
        srv, p = response_lab(reply)
        with srv:
            tail = tls.log_tail(p)
            with socket.create_connection((lib.LOOPBACK, p.port), timeout=10) as c:
                c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                got = bytearray()
                # the 502 page (HAProxy keeps the client connection)
                lib.ok(lib.wait_for(lambda: got.extend(c.recv(65536)) or
                                    got.endswith(b"</body></html>\n"), 10),
                       "%s: answer %r" % (what, bytes(got)))
                lib.ok(got.startswith(PAGE502_START), "%s: answer %r" % (what, bytes(got)))
            lib.eq(L.stat(p.sock, "bh", "s1", "eresp"), "1", what + ": eresp")
            lib.eq(L.stat(p.sock, "bh", "s1", "hrsp_2xx"), "0", what + ": no 2xx counted")
            _, line = tail.wait(lambda l: " fh " in l, what=what)
            lib.ok(re.search(r' fh bh/s1 \d+/\d+/\d+/-1/\d+ 502 \d+ - - PH-- .* "GET / HTTP/1.1"$', line),
                   "%s: log line %r" % (what, line))
            lib.eq(L.http_ok(p.port), b"HTTP/1.1 502 Bad Gateway", what + ": next client")
            lib.stop(p)


@lib.test
def server_2gib_chunk_is_relayed():
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80000000\r\nabc"
    srv, p = response_lab(reply)
    with srv:
        with socket.create_connection((lib.LOOPBACK, p.port), timeout=10) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            got = bytearray()
            # HAProxy re-frames the chunk: only its data is compared
            lib.ok(lib.wait_for(lambda: got.extend(c.recv(65536)) or
                                got.rstrip(b"\r\n").endswith(b"abc"), 10),
                   "client got %r" % bytes(got))
            lib.ok(got.startswith(b"HTTP/1.1 200 OK\r\n"), "client got %r" % bytes(got))
        lib.eq(L.stat(p.sock, "bh", "s1", "eresp"), "0", "eresp")
        lib.stop(p)


# ------------------------------------------------------------------ TLS

TLS_CFG = """\
frontend ft
    bind 127.0.0.1:%(pt)d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend be_a if { req.ssl_sni a.demo.test }
    default_backend be_d
frontend fs
    bind 127.0.0.1:%(term)d ssl crt %(pem)s
    default_backend be_d
backend be_a
    server a 127.0.0.1:%(a)d
backend be_d
    server d 127.0.0.1:%(d)d
"""


@lib.test
@tls.threads
def hello_of_64k(n):
    with L.Server() as a, L.Server() as d:
        pt, term = lib.free_ports(2)
        crt, key = tls.certs().leaf("t.demo.test")
        pem = os.path.join(lib.tmpdir(), "t.pem")
        with open(pem, "w") as f:
            f.write(open(crt).read() + open(key).read())
        sock = os.path.join(lib.tmpdir(), "admin.sock")
        p = tls.proxy(TLS_CFG % {"pt": pt, "term": term, "a": a.port, "d": d.port,
                                 "pem": pem},
                      n, glob="    stats socket %s level admin\n" % sock + tls.LOG_GLOBAL,
                      defaults=tls.LOG_DEFAULTS)
        lib.ok(lib.wait_unix(sock), "no stats socket")
        hello = tls.tls12_hello("a.demo.test", size=65536)
        lib.eq(len(hello), 65536, "hello size")
        # passthrough: the buffer fills, the SNI rule cannot match, the
        # default backend gets the whole hello without waiting 5 s
        t0 = time.monotonic()
        with tls.connect(pt) as s:
            s.sendall(hello)
            lib.ok(lib.wait_for(lambda: d.conns and len(d.data[0]) == len(hello), 10),
                   "default backend got %d bytes" % (len(d.data[0]) if d.conns else -1))
            lib.ok(time.monotonic() - t0 < 4, "took %.1fs" % (time.monotonic() - t0))
            lib.eq(bytes(d.data[0]), hello, "bytes relayed")
        lib.eq(a.conns, 0, "connections on the SNI backend")
        line = tls.tcplog(p, "ft")[0]
        lib.eq((line["b"], line["s"], line["ts"], line["B"]), ("be_d", "d", "--", "0"),
               "log line " + line["line"])
        # terminating: OpenSSL takes a hello of that size and answers; a
        # client that then goes away is a failed handshake
        failed = int(L.stat(sock, "fs", "FRONTEND", "ssl_failed_handshake"))
        with tls.connect(term) as s:
            s.sendall(hello)
            first = s.recv(5)
            lib.eq(first[:1], b"\x16", "the server's first record is a handshake")
            cport = s.getsockname()[1]
        tls.wait_log(p, lambda l: "fs/1: SSL handshake failure" in l and ":%d " % cport in l)
        lib.ok(lib.wait_for(lambda: int(L.stat(sock, "fs", "FRONTEND", "ssl_failed_handshake"))
                            == failed + 1, 5), "ssl_failed_handshake")
        lib.eq(d.conns, 1, "no session from the terminating bind")
        # both binds serve the next client at once
        with tls.connect(pt) as s:
            s.sendall(tls.tls12_hello("a.demo.test"))
            lib.ok(lib.wait_for(lambda: a.conns == 1, 5), "next client on the SNI backend")


# ------------------------------------------------------------------ PROXY

V2SIG = b"\r\n\r\n\x00\r\nQUIT\n"
PP_CFG = """\
frontend fp
    bind 127.0.0.1:%(port)d accept-proxy
    default_backend be
backend be
    server s 127.0.0.1:%(be)d
"""


@lib.test
@tls.threads
def proxy_headers_that_lie(n):
    import struct
    cases = [
        ("v1 line over 107 bytes",
         b"PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222" + b" " * 80 + b"\r\nhello",
         "Received an invalid PROXY protocol header"),
        ("v2 address length beyond any buffer",
         V2SIG + b"\x21\x11" + struct.pack("!H", 65535) + b"\x01\x02\x03\x04" * 3,
         "Truncated PROXY protocol header received"),
        ("v2 address length beyond any buffer, 64 KiB following",
         V2SIG + b"\x21\x11" + struct.pack("!H", 65535) + b"\x01" * 65536,
         "Truncated PROXY protocol header received"),
        ("v2 address length too short for TCP4",
         V2SIG + b"\x21\x11" + struct.pack("!H", 4) + b"\x01\x02\x03\x04" + b"hello",
         "Received an invalid PROXY protocol header"),
        ("v2 TLV overrunning the header",
         V2SIG + b"\x21\x11" + struct.pack("!H", 12 + 5)
         + b"\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00\x02" + b"\x04\x00\x20ab" + b"hello",
         "Received an invalid PROXY protocol header"),
    ]
    with L.Server() as be:
        port = lib.free_port()
        sock = os.path.join(lib.tmpdir(), "admin.sock")
        p = tls.proxy(PP_CFG % {"port": port, "be": be.port}, n,
                      glob="    stats socket %s level admin\n" % sock + tls.LOG_GLOBAL,
                      defaults=tls.LOG_DEFAULTS)
        lib.ok(lib.wait_unix(sock), "no stats socket")
        for what, raw, msg in cases:
            ans, took = L.exchange(port, raw)
            lib.eq(ans, b"", what + ": answer")
            lib.ok(took < 3, "%s: closed after %.1fs" % (what, took))
        lines = tls.wait_log(p, lambda l: " fp/1: " in l, len(cases))
        lib.eq([l.split(" fp/1: ", 1)[1] for l in lines], [c[2] for c in cases], "error lines")
        lib.eq(be.conns, 0, "connections on the server")
        lib.eq(L.stat(sock, "fp", "FRONTEND", "ereq"), "0", "ereq")
        # no traffic log line for them; a valid header is served at once
        with tls.connect(port) as s:
            s.sendall(tls.proxy_v1("10.0.0.1", "10.0.0.2", 1000, 2000) + b"hi")
            lib.ok(lib.wait_for(lambda: be.conns == 1 and be.data[0] == b"hi", 5), "next client")
        line = tls.tcplog(p, "fp")[0]
        lib.eq(line["ci"], "10.0.0.1", "the only traffic line is the valid client's")

# ------------------------------------------------------- peers that never read

STUCK_CFG = """\
global
    log stdout format raw local0
    stats socket %(dir)s/admin.sock level admin
defaults
    log global
    option tcplog
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend ready
    bind 127.0.0.1:%(ready)d
    tcp-request connection reject
frontend f_echo
    mode tcp
    bind 127.0.0.1:%(echo_fe)d
    default_backend b_echo
frontend f_tcp
    mode tcp
    bind 127.0.0.1:%(tcp)d
    default_backend b_deaf
frontend f_pt
    mode tcp
    bind 127.0.0.1:%(pt)d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend b_deaf if { req.ssl_sni a.demo.test }
frontend f_http
    mode http
    option httplog
    bind 127.0.0.1:%(http)d
    default_backend b_deaf_http
frontend f_tcp_rev
    mode tcp
    timeout client %(t)dms
    bind 127.0.0.1:%(tcp_rev)d
    default_backend b_flood
frontend f_http_rev
    mode http
    option httplog
    timeout client %(t)dms
    bind 127.0.0.1:%(http_rev)d
    default_backend b_flood_http
backend b_echo
    mode tcp
    server s 127.0.0.1:%(echo)d
backend b_deaf
    mode tcp
    timeout server %(t)dms
    server s 127.0.0.1:%(deaf)d
backend b_deaf_http
    mode http
    timeout server %(t)dms
    server s 127.0.0.1:%(deaf)d
backend b_flood
    mode tcp
    server s 127.0.0.1:%(flood)d
backend b_flood_http
    mode http
    server s 127.0.0.1:%(flood_http)d
"""

STUCK_T = 2.0            # timeout of the stuck side (s)
PUSH = 100 << 20         # what a client tries to push
RSS_BOUND_KIB = 16384    # growth allowed: a few 16 KiB buffers per session
                         # and allocator slack, far below the 100 MiB pushed


def term_state(line):
    """The termination state of a tcplog or httplog line ("" if none)."""
    m = tls.TCPLOG.match(line)
    if m:
        return m.group("ts")
    m = re.search(r" - - (\S{4}) \d+/\d+/\d+/\d+/\+?\d+ ", line)
    return m.group(1) if m else ""


class Pusher:
    """A client that tries to send PUSH bytes after head; .stalled_at is
    when a send last made no progress for 0.5 s, .ended_at when a send
    failed (the proxy closed)."""

    def __init__(self, port, head=b""):
        self.s = socket.create_connection((lib.LOOPBACK, port), timeout=10)
        self.s.sendall(head)
        self.sent, self.stalled_at, self.ended_at, self.err = 0, None, None, None
        self.t0 = time.monotonic()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        block = b"p" * 262144
        self.s.settimeout(0.5)
        try:
            while self.sent < PUSH:
                try:
                    self.sent += self.s.send(block)
                except socket.timeout:
                    if self.stalled_at is None:
                        self.stalled_at = time.monotonic()
        except OSError as e:
            self.err = e
        self.ended_at = time.monotonic()


class Sitter:
    """A client that sends head and never reads."""

    def __init__(self, port, head):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        self.s.connect((lib.LOOPBACK, port))
        self.s.sendall(head)
        self.t0 = time.monotonic()


@lib.test
def peers_that_never_read_cost_buffers_only():
    """Five stuck sessions at once: a client pushing 100 MiB towards a
    server that never reads (plain TCP, TLS passthrough after the hello,
    an HTTP POST), and a client that never reads a 100 MiB answer (TCP,
    HTTP). RSS stays within RSS_BOUND_KIB of its start, an echo session
    keeps answering, each stuck session ends at its 2 s timeout."""
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % PUSH
    with L.Server("deaf") as deaf, L.Server("flood") as flood, \
            L.Server("flood") as flood_http, lib.tcp_echo() as echo:
        flood_http.reply = reply
        d = lib.tmpdir()
        ports = dict(zip(("ready", "echo_fe", "tcp", "pt", "http", "tcp_rev", "http_rev"),
                         lib.free_ports(7)))
        cfg = STUCK_CFG % dict(ports, dir=d, t=STUCK_T * 1000, echo=echo.port,
                               deaf=deaf.port, flood=flood.port, flood_http=flood_http.port)
        p = lib.start(lib.config(cfg), ready_ports=[ports["ready"]])
        sock = os.path.join(d, "admin.sock")
        lib.ok(lib.wait_unix(sock), "no stats socket")
        tail = tls.log_tail(p)
        # warm-up: one echo session, then the baseline
        with socket.create_connection((lib.LOOPBACK, ports["echo_fe"]), timeout=5) as c:
            c.sendall(b"warm\n")
            lib.eq(c.recv(100), b"warm\n", "echo")
        rss0 = L.rss_kib(p.pid)
        peak = [rss0]
        sampling = [True]

        def sample():
            while sampling[0]:
                try:
                    peak[0] = max(peak[0], L.rss_kib(p.pid))
                except (OSError, lib.Failure):
                    return
                time.sleep(0.05)
        threading.Thread(target=sample, daemon=True).start()

        hello = tls.tls12_hello("a.demo.test")
        pushers = {
            "f_tcp": Pusher(ports["tcp"]),
            "f_pt": Pusher(ports["pt"], hello),
            "f_http": Pusher(ports["http"], b"POST / HTTP/1.1\r\nHost: a\r\n"
                             b"Content-Length: %d\r\n\r\n" % PUSH),
        }
        sitters = {
            "f_tcp_rev": Sitter(ports["tcp_rev"], b"x"),
            "f_http_rev": Sitter(ports["http_rev"], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        }
        # meanwhile an echo session keeps flowing
        with socket.create_connection((lib.LOOPBACK, ports["echo_fe"]), timeout=5) as c:
            for i in range(20):
                t = time.monotonic()
                c.sendall(b"ping %d\n" % i)
                lib.eq(c.recv(100), b"ping %d\n" % i, "echo while stuck")
                lib.ok(time.monotonic() - t < 2, "echo took %.1fs" % (time.monotonic() - t))
                time.sleep(0.05)
        # every stuck session ends by its timeout, with its log line
        ends = {}
        for fe in list(pushers) + list(sitters):
            ends[fe] = tail.wait(lambda l, fe=fe: (" %s " % fe) in l, timeout=STUCK_T + 20,
                                 what=fe)
        rss_peak = peak[0]
        sampling[0] = False
        rss1 = L.rss_kib(p.pid)
        print("    RSS: before %d KiB, peak %d KiB (+%d), after %d KiB; pushed: %s; flooded %d B"
              % (rss0, rss_peak, rss_peak - rss0, rss1,
                 ", ".join("%s %d KiB" % (k, v.sent >> 10) for k, v in pushers.items()),
                 flood.sent[0] if flood.sent else -1), flush=True)
        lib.ok(rss_peak - rss0 < RSS_BOUND_KIB, "RSS grew by %d KiB" % (rss_peak - rss0))
        for fe, pu in pushers.items():
            t, line = ends[fe]
            lib.ok(pu.sent < PUSH, "%s: the whole 100 MiB went through a deaf server" % fe)
            lib.ok(t - pu.t0 >= STUCK_T - 0.1, "%s: ended after %.1fs" % (fe, t - pu.t0))
            lib.ok(pu.stalled_at is not None and t - pu.stalled_at < STUCK_T + 8,
                   "%s: ended %.1fs after the stall" % (fe, t - (pu.stalled_at or 0)))
            ts = term_state(line)
            lib.ok(ts.startswith("sD"), "%s: termination state in %r" % (fe, line))
        for fe, si in sitters.items():
            t, line = ends[fe]
            lib.ok(t - si.t0 >= STUCK_T - 0.1, "%s: ended after %.1fs" % (fe, t - si.t0))
            lib.ok(t - si.t0 < STUCK_T + 10, "%s: ended after %.1fs" % (fe, t - si.t0))
            ts = term_state(line)
            lib.ok(ts.startswith("cD"), "%s: termination state in %r" % (fe, line))
        lib.ok(lib.wait_for(lambda: L.info(sock).get("CurrConns") == "0", 10),
               "sessions left: %s" % L.info(sock).get("CurrConns"))
        for si in sitters.values():
            si.s.close()
        for pu in pushers.values():
            pu.s.close()
        lib.stop(p)


# ------------------------------------------------------- stats socket levels

LEVELS_CFG = """\
global
    stats socket %(dir)s/admin.sock level admin
    stats socket %(dir)s/operator.sock level operator
    stats socket %(dir)s/user.sock level user
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend ready
    bind 127.0.0.1:%(ready)d
    tcp-request connection reject
frontend fe
    bind 127.0.0.1:%(fe)d
    maxconn 100
    default_backend be
frontend fs
    bind 127.0.0.1:%(fs)d ssl crt-list %(dir)s/list.txt
    default_backend be
backend be
    balance roundrobin
    cookie SRV insert
    server s1 127.0.0.1:%(echo)d weight 20 maxconn 50
    server s2 127.0.0.1:%(echo)d
"""

# what HAProxy 2.6 keeps for admin (reference §3.4); "clear counters"
# (maxima only) is allowed at operator
ADMIN_ONLY = [
    "set server be/s1 state maint", "set server be/s1 state drain",
    "set server be/s1 weight 10", "set server be/s1 addr 127.0.0.2 port 1",
    "set server be/s1 health down", "set server be/s1 agent down",
    "set server be/s1 check-port 1", "set server be/s1 check-addr 127.0.0.2",
    "set weight be/s1 10", "set weight be/s2 0%%",
    "disable server be/s1", "enable server be/s1", "disable health be/s1",
    "enable health be/s1", "disable agent be/s1", "enable agent be/s1",
    "disable frontend fe", "enable frontend fe", "shutdown frontend fe",
    "shutdown session %(sess)s", "shutdown sessions server be/s1", "clear counters all",
    "set maxconn frontend fe 1", "set maxconn server be/s1 1", "set maxconn global 1",
    "set rate-limit connections global 1", "set rate-limit sessions global 1",
    "add server be/s3 127.0.0.1:1", "del server be/s2",
    "new ssl cert %(dir)s/new.pem", "del ssl cert %(dir)s/crt.pem",
    "commit ssl cert %(dir)s/crt.pem", "abort ssl cert %(dir)s/crt.pem",
    "add ssl crt-list %(dir)s/list.txt %(dir)s/crt.pem",
    "del ssl crt-list %(dir)s/list.txt %(dir)s/crt.pem",
    "set dynamic-cookie-key backend be abc", "enable dynamic-cookie backend be",
    "set profiling tasks on",
]


def state_of(sock):
    """What the commands above could change, as the admin socket shows it."""
    rows = L.stat_rows(sock)
    keep = ("status", "weight", "act", "bck", "slim", "addr", "stot", "lbtot", "bin", "bout",
            "smax", "check_status", "agent_status", "cookie")
    stat = {k: {c: v.get(c) for c in keep} for k, v in rows.items()}
    servers = [l.split()[:9] + l.split()[10:] for l in  # not the time since a change
               lib.cli(sock, "show servers state be").splitlines()[2:] if l]
    inf = L.info(sock)
    info = {k: inf.get(k) for k in ("Maxconn", "Hard_maxconn", "ConnRateLimit",
                                    "SessRateLimit", "CurrConns")}
    return (stat, servers, info, lib.cli(sock, "show ssl cert"),
            lib.cli(sock, "show ssl crt-list %s" % os.path.join(os.path.dirname(sock),
                                                               "list.txt")))


@lib.test
def sockets_below_admin_change_nothing():
    with lib.tcp_echo() as echo:
        d = lib.tmpdir()
        crt, key = tls.certs().leaf("t.demo.test")
        with open(os.path.join(d, "crt.pem"), "w") as f:
            f.write(open(crt).read() + open(key).read())
        lib.write(os.path.join(d, "list.txt"), os.path.join(d, "crt.pem") + "\n")
        ready, fe, fs = lib.free_ports(3)
        p = lib.start(lib.config(LEVELS_CFG % {"dir": d, "ready": ready, "fe": fe, "fs": fs,
                                               "echo": echo.port}), ready_ports=[ready])
        admin = os.path.join(d, "admin.sock")
        for level in ("admin", "operator", "user"):
            lib.ok(lib.wait_unix(os.path.join(d, level + ".sock")), "no %s socket" % level)
        # one live session, to be kept by "shutdown session(s)"
        c = socket.create_connection((lib.LOOPBACK, fe), timeout=5)
        c.sendall(b"one\n")
        lib.eq(c.recv(100), b"one\n", "echo")
        sess = [l.split(":")[0] for l in lib.cli(admin, "show sess").splitlines()
                if "fe=fe " in l]
        lib.eq(len(sess), 1, "sessions of fe")
        before = state_of(admin)
        for level in ("operator", "user"):
            sock = os.path.join(d, level + ".sock")
            cmds = ADMIN_ONLY + (["clear counters"] if level == "user" else [])
            for cmd in cmds:
                cmd = cmd % {"dir": d, "sess": sess[0]}
                lib.eq(lib.cli(sock, cmd), "Permission denied\n\n", "%s at %s" % (cmd, level))
            # a payload command is refused too, its payload ignored
            pem = open(os.path.join(d, "crt.pem")).read().strip("\n")
            lib.eq(lib.cli(sock, "set ssl cert %s/crt.pem <<\n%s\n" % (d, pem)),
                   "Permission denied\n\n", "set ssl cert at " + level)
            # a session cannot raise its level
            lib.eq(lib.cli(sock, "show cli level"), level + "\n\n", "level")
        lib.eq(lib.cli(os.path.join(d, "user.sock"), "operator;show cli level"),
               "Permission denied\n\nuser\n\n", "user cannot become operator")
        lib.eq(state_of(admin), before, "state after the refused commands")
        c.sendall(b"two\n")
        lib.eq(c.recv(100), b"two\n", "the session still flows")
        c.close()
        lib.stop(p)


lib.main()
