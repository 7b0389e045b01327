"""Slow clients for test_hostile_slow*.py: sockets that trickle their
bytes (one every STEP seconds, faster than any idle timeout under test),
many at once from one thread, and a normal client looping beside them
whose round trips are measured."""

import os
import selectors
import socket
import ssl
import threading
import time

import lib

STEP = 0.25   # seconds between two trickled bytes
SLACK = 2.5   # upper bound past a timeout (the machine is shared and loaded)


class Slow:
    """One trickling connection: .sent bytes sent (the last at .last_at,
    monotonic), .got bytes received,
    .closed_at seconds from connect to the proxy's close (None: still
    open), .how "eof"/"rst"/"open", .local_port."""

    def __init__(self, port, data, prefix=b"", step=STEP, host=lib.LOOPBACK):
        self.data, self.prefix, self.step = data, prefix, step
        self.sock = socket.create_connection((host, port), timeout=10)
        self.local_port = self.sock.getsockname()[1]
        self.t0 = time.monotonic()
        if prefix:
            self.sock.sendall(prefix)
        self.sock.setblocking(False)
        self.sent, self.got = 0, b""
        self.next_at = self.t0
        self.closed_at, self.how = None, "open"
        self.last_at = self.t0   # time.monotonic() of the last byte sent

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def trickle(slows, limit):
    """Drives every Slow of slows until the proxy closes each one or
    limit seconds pass (still-open ones keep how == "open"); a Slow
    that has sent all its data just waits. Returns slows."""
    sel = selectors.DefaultSelector()
    for s in slows:
        sel.register(s.sock, selectors.EVENT_READ, s)
    live = set(slows)
    end = time.monotonic() + limit
    try:
        while live and time.monotonic() < end:
            now = time.monotonic()
            for s in list(live):
                if s.sent < len(s.data) and now >= s.next_at:
                    try:
                        s.sock.send(s.data[s.sent:s.sent + 1])
                        s.sent += 1
                        s.last_at = time.monotonic()
                    except BlockingIOError:
                        pass
                    except OSError:
                        pass  # the proxy closed: the read side says how
                    s.next_at += s.step
            waits = [s.next_at for s in live if s.sent < len(s.data)]
            tmo = max(0.0, min(waits + [end]) - time.monotonic())
            for key, _ in sel.select(min(tmo, 0.05)):
                s = key.data
                try:
                    d = s.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    d, s.how = b"", "rst"
                if d:
                    s.got += d
                    continue
                if s.how == "open":
                    s.how = "eof"
                s.closed_at = time.monotonic() - s.t0
                sel.unregister(s.sock)
                live.discard(s)
    finally:
        sel.close()
    return slows


def in_background(fn):
    """Runs fn() in a thread; returns a join() that gives its result
    (or raises its exception)."""
    box = {}

    def run():
        try:
            box["r"] = fn()
        except BaseException as e:  # handed to the caller
            box["e"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()

    def join(timeout=120):
        t.join(timeout)
        if t.is_alive():
            lib.fail("background work still running after %ds" % timeout)
        if "e" in box:
            raise box["e"]
        return box.get("r")
    return join


def while_running(join_probe, normal, min_rounds=5):
    """Calls normal() in a loop until the background work behind
    join_probe (a callable: True once done) ends; returns the list of
    round-trip times (s). Fails when fewer than min_rounds ran."""
    rtts = []
    while not join_probe():
        t0 = time.monotonic()
        normal()
        rtts.append(time.monotonic() - t0)
    lib.ok(len(rtts) >= min_rounds, "only %d normal round trips during the trickle" % len(rtts))
    return rtts


def with_normal_clients(slow_fn, normal, max_rtt=1.5):
    """Runs slow_fn() in the background and normal() in a loop beside it;
    the normal round trips must each stay under max_rtt seconds (slow
    clients hold no worker: served "at normal speed"). Returns
    (slow_fn's result, the round-trip times)."""
    done = threading.Event()

    def bg():
        try:
            return slow_fn()
        finally:
            done.set()
    join = in_background(bg)
    rtts = while_running(done.is_set, normal)
    res = join()
    worst = max(rtts)
    lib.ok(worst < max_rtt, "a normal round trip took %.2fs during the trickle (%d rounds)" % (
        worst, len(rtts)))
    return res, rtts


def hello_bytes(sni):
    """The ClientHello Python's ssl module sends for sni (not sent)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    t = ctx.wrap_bio(i, o, server_hostname=sni)
    try:
        t.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()


def cut_within(s, lo, what, slack=SLACK):
    """s (a Slow) was closed by the proxy between lo and lo+slack seconds
    after it connected, while it was still trickling."""
    lib.ok(s.closed_at is not None, "%s: still open after the trickle (%d bytes sent)" % (what, s.sent))
    # a timer armed from the event loop's cached clock may start up to one
    # loop iteration before the accept: tens of ms on a loaded machine
    lib.ok(lo - 0.25 <= s.closed_at < lo + slack, "%s: cut after %.2fs, want %.1fs" % (
        what, s.closed_at, lo))


def info(sock, field):
    """One field of "show info" (string)."""
    for l in lib.cli(sock, "show info").splitlines():
        k, _, v = l.partition(": ")
        if k == field:
            return v
    lib.fail("no %s in show info" % field)


def wait_info(sock, field, want, timeout=10.0):
    """Waits until "show info" shows field == want (a string), failing
    with the last value seen (the last client's close may still be on
    its way to the proxy)."""
    got = [None]

    def same():
        got[0] = info(sock, field)
        return got[0] == want
    lib.ok(lib.wait_for(same, timeout, 0.1), "show info %s: %s, want %s" % (field, got[0], want))


def stat(sock, px, sv):
    """The "show stat" row of px/sv as a dict."""
    out = lib.cli(sock, "show stat")
    lines = out.split("\n")
    cols = lines[0].lstrip("# ").split(",")
    for l in lines[1:]:
        f = l.split(",")
        if len(f) > 2 and f[0] == px and f[1] == sv:
            return dict(zip(cols, f))
    lib.fail("no show stat row %s/%s:\n%s" % (px, sv, out))


def stats_socket():
    """A path for a stats socket in a fresh temp dir."""
    return os.path.join(lib.tmpdir(), "admin.sock")
