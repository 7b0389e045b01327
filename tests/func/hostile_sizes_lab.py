"""Helpers for tests/func/test_hostile_sizes*.py (Python 3 standard
library only): raw TCP servers that record, never read, or flood; a
stats-socket reader of show stat / show info; the RSS of a process."""

import contextlib
import os
import re
import socket
import threading
import time

import lib
import tls


class Server:
    """A TCP server on a 127.0.0.1 free port. mode:
    - "record": reads everything, keeps it per connection (.data[i]);
      reply (bytes) is sent once the first bytes arrived;
    - "deaf": accepts and never reads (its receive window fills);
    - "flood": sends reply then chunk after chunk until the peer stops
      taking them, never reads.
    .conns counts accepted connections, .closed_at[i] when connection i
    ended (peer's close seen, or our send failed)."""

    def __init__(self, mode="record", reply=b""):
        self.mode, self.reply = mode, reply
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((lib.LOOPBACK, 0))
        self.ls.listen(64)
        self.port = self.ls.getsockname()[1]
        self.conns, self.data, self.closed_at, self.socks = 0, [], [], []
        self.sent = []
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            i = self.conns
            self.data.append(bytearray())
            self.closed_at.append(None)
            self.sent.append(0)
            self.socks.append(c)
            self.conns += 1
            threading.Thread(target=self._serve, args=(c, i), daemon=True).start()

    def _serve(self, c, i):
        try:
            if self.mode == "deaf":
                # waits for the peer's close without reading: a zero-byte
                # poll would read; only a send error or the end tells
                while not self.stopping:
                    time.sleep(0.05)
                return
            if self.mode == "flood":
                block = b"r" * 65536
                c.settimeout(60)
                if self.reply:
                    c.sendall(self.reply)
                while not self.stopping:
                    self.sent[i] += c.send(block)
                return
            replied = False
            while True:
                d = c.recv(65536)
                if not d:
                    break
                self.data[i] += d
                if self.reply and not replied:
                    replied = True
                    c.sendall(self.reply)
        except OSError:
            pass
        finally:
            self.closed_at[i] = time.monotonic()
            with contextlib.suppress(OSError):
                c.close()

    def close(self):
        self.stopping = True
        with contextlib.suppress(OSError):
            self.ls.close()
        for c in self.socks:
            with contextlib.suppress(OSError):
                c.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def stat_rows(sock):
    """show stat as {(pxname, svname): {column: value}}."""
    out = lib.cli(sock, "show stat")
    lines = out.splitlines()
    if not lines or not lines[0].startswith("# "):
        lib.fail("show stat answered:\n" + out)
    hdr = lines[0][2:].split(",")
    rows = {}
    for l in lines[1:]:
        if l:
            f = l.split(",")
            rows[(f[0], f[1])] = dict(zip(hdr, f))
    return rows


def stat(sock, px, sv, col):
    return stat_rows(sock)[(px, sv)][col]


def info(sock):
    out = lib.cli(sock, "show info")
    return dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)


def rss_kib(pid):
    """VmRSS of pid in KiB (Linux /proc)."""
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    lib.fail("no VmRSS for pid %d" % pid)


def exchange(port, data, timeout=10.0):
    """Sends data (ignoring a send that fails because the proxy already
    answered and closed), then reads until the proxy closes. Returns
    (answer bytes, seconds until the close)."""
    s = socket.create_connection((lib.LOOPBACK, port), timeout=timeout)
    t0 = time.monotonic()
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        got = bytearray()
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        except (ConnectionResetError, socket.timeout):
            pass
        return bytes(got), time.monotonic() - t0
    finally:
        s.close()


def http_ok(port, path="/"):
    """Status line of one GET through the proxy (Connection: close)."""
    ans, _ = exchange(port, b"GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                      % path.encode())
    return ans.split(b"\r\n", 1)[0]


# ------------------------------------------------------------ HTTP lab

PAGE400 = (b"HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\n"
           b"Connection: close\r\nContent-Type: text/html\r\n\r\n"
           b"<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n"
           b"</body></html>\n")
PAGE502_START = b"HTTP/1.1 502 Bad Gateway\r\n"

HTTP_CFG = """\
global
    log stdout format raw local0
    stats socket %(dir)s/admin.sock level admin
defaults
    log global
    mode http
    option httplog
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend ready
    bind 127.0.0.1:%(ready)d
    tcp-request connection reject
frontend fh
    bind 127.0.0.1:%(port)d
    default_backend bh
backend bh
    server s1 127.0.0.1:%(be)d
"""

BADREQ = re.compile(r'^127\.0\.0\.1:(\d+) \[[^]]+\] fh fh/<NOSRV> -1/-1/-1/-1/\d+ 400 0 - - '
                    r'PR-- \d+/\d+/0/0/0 0/0 "<BADREQ>"$')


def http_lab(server):
    d = lib.tmpdir()
    port, ready = lib.free_ports(2)
    cfg = lib.config(HTTP_CFG % {"dir": d, "port": port, "ready": ready, "be": server.port})
    p = lib.start(cfg, ready_ports=[ready])
    p.sock = os.path.join(d, "admin.sock")
    lib.ok(lib.wait_unix(p.sock), "no stats socket")
    p.port = port
    return p


def refused_with_400(p, server, raw, what):
    """raw gets the 400 page and a close, counted in ereq and req_tot,
    logged as <BADREQ> PR--; nothing reaches the server."""
    ereq = int(stat(p.sock, "fh", "FRONTEND", "ereq"))
    # the previous client's line may still come: only <BADREQ> lines count
    tail = tls.log_tail(p)
    mark = tail.mark()
    ans, took = exchange(p.port, raw)
    lib.eq(ans, PAGE400, what + ": answer")
    lib.ok(took < 5, "%s: closed after %.1fs" % (what, took))
    lib.eq(int(stat(p.sock, "fh", "FRONTEND", "ereq")), ereq + 1, what + ": ereq")
    _, line = tail.wait(lambda l: "<BADREQ>" in l, start=mark, what=what)
    lib.ok(BADREQ.match(line), "%s: log line %r" % (what, line))
    lib.eq(server.conns, 0, what + ": connections on the server")


OK200 = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
CHUNKED = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n%s\r\nabc"
CLEN = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %s\r\n\r\nabc"


def response_lab(reply):
    srv = Server(reply=reply)
    return srv, http_lab(srv)
