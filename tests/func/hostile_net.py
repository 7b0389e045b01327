"""Many-socket helpers for tests/func/test_hostile_conns*.py: one
single-threaded selector loop that drives thousands of non-blocking
clients and an in-process echo/sink backend at once, plus what a test
reads from the proxy under test (show info, show stat, /proc fd count and
RSS)."""

import contextlib
import errno
import os
import resource
import selectors
import socket
import struct
import threading
import time

import lib

IP_BIND_ADDRESS_NO_PORT = 24  # Linux: the port is picked at connect()


def raise_nofile(need):
    """Raises this process's RLIMIT_NOFILE soft limit to the hard limit
    (the proxy started afterwards inherits it); skips the test when the
    hard limit is below need, or without Linux's /proc (fd counts)."""
    if not os.path.isdir("/proc/self/fd"):
        lib.skip("no /proc/<pid>/fd to count descriptors")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        lib.skip("RLIMIT_NOFILE hard limit %d < %d" % (hard, need))
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def fds(pid):
    """(sockets and files, pipes) open in pid. Pipes are counted apart:
    sluice keeps a bounded per-thread cache of splice pipes."""
    other = pipes = 0
    for f in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, f))
        except OSError:
            continue
        if t.startswith("pipe:"):
            pipes += 1
        else:
            other += 1
    return other, pipes


def fd_count(pid):
    """Open fds of pid other than pipes (see fds())."""
    return fds(pid)[0]


def sanitized(pid):
    """True when pid runs with AddressSanitizer (its quarantine holds
    freed memory: RSS says nothing about leaks there)."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return "libasan" in f.read()
    except OSError:
        return False


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def info(sock):
    """show info as a dict."""
    out = {}
    for line in lib.cli(sock, "show info").splitlines():
        k, sep, v = line.partition(":")
        if sep:
            out[k.strip()] = v.strip()
    return out


def stat(sock):
    """show stat as {(pxname, svname): {column: value}}."""
    lines = lib.cli(sock, "show stat").splitlines()
    head = lines[0].lstrip("# ").split(",")
    out = {}
    for line in lines[1:]:
        if not line:
            continue
        row = dict(zip(head, line.split(",")))
        out[(row["pxname"], row["svname"])] = row
    return out


def num(v):
    return int(v) if v not in ("", None) else 0


def proxy(net, fe_port, be_port, glob="", fe="", be="", defaults="", bind_opts=""):
    """Starts the proxy with a stats socket; returns (proc, socket path).
    net (the loop that runs the backend) runs while it waits."""
    d = lib.tmpdir()
    sock = os.path.join(d, "stats.sock")
    cfg = lib.config("""\
global
    stats socket %s level admin
%s
defaults
    mode tcp
    timeout connect 30s
    timeout client 60s
    timeout server 60s
%s
frontend fe
    bind 127.0.0.1:%d %s
%s
    default_backend be
backend be
%s
    server s1 127.0.0.1:%d
""" % (sock, glob, defaults, fe_port, bind_opts, fe, be, be_port), directory=d)
    p = lib.start(cfg, ready_ports=[fe_port], timeout=20)
    # the probe above was a session: wait until it is gone
    lib.ok(lib.wait_unix(sock), "stats socket")
    settle(net, p, sock)
    return p, sock


def settle(net, p, sock, what="after start", fd0=None, timeout=30.0):
    """Runs net until CurrConns is 0 (and the fd count is fd0 when
    given); fails with the figures otherwise."""
    def done():
        net.run_for(0.1)
        if num(info(sock).get("CurrConns")) != 0:
            return False
        return fd0 is None or fd_count(p.pid) == fd0
    if not lib.wait_for(done, timeout, interval=0.1):
        lib.fail("%s: CurrConns %s, fds %d (start %s)" % (
            what, info(sock).get("CurrConns"), fd_count(p.pid), fd0))


class _Conn:
    __slots__ = ("sock", "role", "state", "buf", "want", "t_eof")


class Net:
    """One selector loop for clients and backends. Clients are counted by
    state: 'connecting', 'sent' (request written), 'served' (the whole
    echo came back), 'error' (refused, reset or closed before the echo),
    'closed' (closed by the test)."""

    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.clients = []
        self.counts = {}
        self.errors = []
        self.backends = []

    # ---------------------------------------------------------- backend
    def backend(self, mode="echo", backlog=4096):
        """A listening backend: 'echo' echoes and closes on EOF; 'sink'
        reads and discards, closes on EOF; 'hold' answers each read with
        its echo but never closes (ignores EOF); 'stream' writes forever.
        Returns an object with .port, .accepted, .active, .max_active."""
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((lib.LOOPBACK, 0))
        ls.listen(backlog)
        ls.setblocking(False)
        be = type("Backend", (), {})()
        be.port, be.mode = ls.getsockname()[1], mode
        be.accepted = be.active = be.max_active = 0
        be.sock = ls
        self.sel.register(ls, selectors.EVENT_READ, ("listen", be))
        self.backends.append(be)
        return be

    def _accept(self, be):
        for _ in range(2048):
            try:
                c, _ = be.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            c.setblocking(False)
            be.accepted += 1
            be.active += 1
            be.max_active = max(be.max_active, be.active)
            if be.mode == "stream":
                self.sel.register(c, selectors.EVENT_READ | selectors.EVENT_WRITE, ("srv", be))
            else:
                self.sel.register(c, selectors.EVENT_READ, ("srv", be))

    def _srv_close(self, c, be):
        self.sel.unregister(c)
        c.close()
        be.active -= 1

    def _srv_event(self, c, be, ev):
        if ev & selectors.EVENT_READ:
            try:
                d = c.recv(65536)
            except OSError:
                d = b""
            if not d:
                if be.mode == "hold":
                    self.sel.unregister(c)   # keeps it open, never reads again
                    be.held = getattr(be, "held", [])
                    be.held.append(c)
                    return
                self._srv_close(c, be)
                return
            if be.mode in ("echo", "hold"):
                try:
                    c.send(d)   # small lines: the socket buffer takes them
                except OSError:
                    self._srv_close(c, be)
                    return
        if ev & selectors.EVENT_WRITE and be.mode == "stream":
            try:
                c.send(b"x" * 16384)
            except BlockingIOError:
                pass
            except OSError:
                self._srv_close(c, be)

    def close_held(self, be):
        for c in getattr(be, "held", []):
            c.close()
            be.active -= 1
        be.held = []

    # ---------------------------------------------------------- clients
    def _set(self, cl, state):
        self.counts[cl.state] = self.counts.get(cl.state, 0) - 1
        cl.state = state
        self.counts[state] = self.counts.get(state, 0) + 1

    def count(self, state):
        return self.counts.get(state, 0)

    def connect(self, port, n, payload=b"", sources=1, on_connect=None):
        """Starts n non-blocking connects to 127.0.0.1:port, spread over
        127.0.0.<2..sources+1> when sources > 1 (more 4-tuples than one
        source address has ports). payload (may be empty) is sent once
        connected and waited for as the echo; on_connect, a role (see
        _role), instead decides what a connected client does."""
        out = []
        for i in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            if sources > 1:
                s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                s.bind(("127.0.0.%d" % (2 + i % sources), 0))
            cl = _Conn()
            cl.sock, cl.role, cl.state, cl.buf, cl.want = s, on_connect, "new", b"", payload
            self.counts["new"] = self.counts.get("new", 0) + 1
            self.clients.append(cl)
            out.append(cl)
            rc = s.connect_ex((lib.LOOPBACK, port))
            if rc not in (0, errno.EINPROGRESS):
                self._set(cl, "error")
                self.errors.append(os.strerror(rc))
                s.close()
                continue
            self._set(cl, "connecting")
            self.sel.register(s, selectors.EVENT_WRITE, ("cli", cl))
        return out

    def _cli_fail(self, cl, why):
        self.sel.unregister(cl.sock)
        cl.sock.close()
        self._set(cl, "error")
        self.errors.append(why)

    def _cli_event(self, cl, ev):
        s = cl.sock
        if cl.state == "connecting":
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self._cli_fail(cl, "connect: " + os.strerror(err))
                return
            if cl.role:
                self._set(cl, "connected")
                self._role(cl, None)
                return
            if cl.want:
                try:
                    s.send(cl.want)
                except OSError as e:
                    self._cli_fail(cl, "send: %s" % e)
                    return
            self._set(cl, "sent")
            self.sel.modify(s, selectors.EVENT_READ, ("cli", cl))
            return
        if cl.role:
            self._role(cl, ev)
            return
        if ev & selectors.EVENT_READ:
            try:
                d = s.recv(65536)
            except OSError as e:
                self._cli_fail(cl, "recv: %s" % e)
                return
            if not d:
                if cl.state == "served" or (not cl.want and cl.state == "sent"):
                    self.sel.unregister(s)
                    s.close()
                    self._set(cl, "eof")
                    return
                self._cli_fail(cl, "closed before the echo (%d bytes)" % len(cl.buf))
                return
            cl.buf += d
            if cl.state == "sent" and len(cl.buf) >= len(cl.want):
                self._set(cl, "served" if cl.buf[:len(cl.want)] == cl.want else "error")

    def _role(self, cl, ev):
        """What a scripted client does: 'close' (FIN once connected),
        'rst' (RST once connected), 'rst-data' (sends want, RST at its
        first byte of answer), 'half' (sends want, shuts its write side,
        reads until the proxy closes: state 'eof' with buf), 'vanish'
        (sends want and closes: FIN), 'vanish-rst' (sends want, RST),
        'idle' (sends want, reads, never closes: the proxy must)."""
        s, r = cl.sock, cl.role
        if ev is None:
            if r == "close":
                self.close(cl)
            elif r == "rst":
                self.close(cl, rst=True)
            else:
                try:
                    s.send(cl.want)
                    if r == "half":
                        s.shutdown(socket.SHUT_WR)
                except OSError as e:
                    self._cli_fail(cl, "send: %s" % e)
                    return
                if r == "vanish":
                    self.close(cl)
                elif r == "vanish-rst":
                    self.close(cl, rst=True)
                else:
                    self.sel.modify(s, selectors.EVENT_READ, ("cli", cl))
            return
        try:
            d = s.recv(65536)
        except OSError as e:
            self._cli_fail(cl, "recv: %s" % e)
            return
        if r == "idle" and d:
            cl.buf += d   # its echo, then it stays open, silent
            return
        if r == "rst-data":
            if d:
                self.close(cl, rst=True)
            else:
                self._cli_fail(cl, "closed before any data")
            return
        if d:
            cl.buf += d
            return
        self.sel.unregister(s)
        s.close()
        cl.t_eof = time.monotonic()
        self._set(cl, "eof")

    def storm(self, port, n, role, want=b"", window=1000, sources=8, timeout=120):
        """n clients playing role, at most window of them connecting or
        open at once; returns when every one has finished (closed, eof,
        error) or fails after timeout seconds."""
        done = ("closed", "eof", "error")
        base = sum(self.counts.get(k, 0) for k in done)
        launched = 0
        deadline = time.monotonic() + timeout
        first = len(self.clients)
        while True:
            busy = launched - (sum(self.counts.get(k, 0) for k in done) - base)
            if launched < n and busy < window:
                k = min(window - busy, n - launched, 200)
                self.connect(port, k, want, sources=sources, on_connect=role)
                launched += k
                continue
            if launched >= n and busy <= 0:
                break
            if time.monotonic() > deadline:
                lib.fail("storm '%s': %d of %d clients unfinished after %d s (%s)" % (
                    role, busy, n, timeout, self.counts))
            self.poll(0.02)
        out = self.clients[first:]
        return out

    def close(self, cl, rst=False):
        """Closes a client (RST with SO_LINGER 0 when rst)."""
        if cl.state in ("closed", "error", "eof", "new"):
            return
        if rst:
            cl.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            self.sel.unregister(cl.sock)
        except (KeyError, ValueError):
            pass
        cl.sock.close()
        self._set(cl, "closed")

    # ---------------------------------------------------------- the loop
    def poll(self, timeout=0.05):
        for key, ev in self.sel.select(timeout):
            kind, obj = key.data
            if kind == "listen":
                self._accept(obj)
            elif kind == "srv":
                self._srv_event(key.fileobj, obj, ev)
            else:
                self._cli_event(obj, ev)

    def run_until(self, pred, timeout):
        """Runs the loop until pred() is true (returns True) or timeout
        seconds pass (returns False)."""
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() >= deadline:
                return False
            self.poll()
        return True

    def run_for(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.poll(min(0.05, max(0.0, deadline - time.monotonic())))

    @contextlib.contextmanager
    def background(self):
        """Runs the loop in a thread (the backends answer) while the
        caller uses blocking clients; the caller must not touch net."""
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                self.poll(0.02)
        t = threading.Thread(target=loop, daemon=True)
        t.start()
        try:
            yield
        finally:
            stop.set()
            t.join()

    def shutdown(self):
        for cl in self.clients:
            if cl.state not in ("closed", "error", "eof", "new"):
                self.close(cl)
        for be in self.backends:
            self.close_held(be)
            for key in list(self.sel.get_map().values()):
                if key.data[0] == "srv" and key.data[1] is be:
                    self._srv_close(key.fileobj, be)
            self.sel.unregister(be.sock)
            be.sock.close()
        self.backends = []
        self.clients = []
        self.counts = {}
        self.sel.close()
