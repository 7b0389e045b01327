#!/usr/bin/env python3
"""make soak: a long run of mixed traffic through one master-worker
sluice, with reloads and backend flaps, watching for slow leaks.

Not a CI test (it takes SOAK_SECONDS, 10 minutes by default, and loads
the machine). Python 3 standard library only. What runs:

  traffic   TLS passthrough routed on SNI (a.example.test, b.example.test,
            each to its own pair of TLS echo servers that name themselves,
            so a wrong route is an error); TLS termination to two HTTP/1.1
            backends over keep-alive connections (20 requests each); plain
            TCP echo (4 KiB per connection).
  reloads   SIGUSR2 to the master every --reload-every s (30); the new
            worker must appear, the old one must exit within 30 s.
  flaps     every --flap-every s (20) one backend server process is killed
            and restarted --flap-down s (8) later; the health checks must
            mark it DOWN then UP again (show stat on the stats socket).
  samples   every --sample-every s (5): RSS and open fds of the master and
            of the current (newest) worker, the number of workers, the
            client operations and errors since the last sample.

Verdict (the run fails, exit 1, on any of these):
  * a client error that no flap explains: an error is explained when it
    hits the traffic kind of the flapped server between its kill (-1 s)
    and its restart + 6 s (sessions in flight to a killed server die);
    reloads explain nothing (they must be seamless);
  * not flat after warm-up: with W the warm-up (60 s, or a fifth of a
    short run), REF the W s after it and LAST the final W s,
      - RSS (master, current worker): max over LAST <= 1.05 * max over REF
        + 256 KiB;
      - fds: master max over LAST <= max over REF + 2; current worker
        median over LAST <= median over REF + 4 (in-flight sessions move
        the maximum, a leak moves the median);
  * a reload without a new worker, an old worker still alive 30 s after
    its replacement, a flap not seen DOWN and UP, a traffic kind with no
    successful operation in a window, sluice's master dying.
"""

import argparse
import http.client
import http.server
import os
import re
import shutil
import signal
import socket
import socketserver
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = os.path.join(ROOT, "tests", "configs", "files")
CA = os.path.join(FILES, "test-only-ca.crt")
HOST = "127.0.0.1"


# ---------------------------------------------------------------- backends
# Each backend server is a separate process (this script with --serve),
# so that a flap is a real process dying and its sockets closing.

def serve(kind, port, name, cert):
    """Runs one backend server until killed: 'http' (HTTP/1.1 keep-alive,
    body '<name> <path>'), 'tls' (TLS with cert, sends '<name>\\n' then
    echoes), 'echo' (plain TCP echo)."""
    if kind == "http":
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                body = ("%s %s\n" % (name, self.path)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        class S(http.server.ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a health check or a killed session: no traceback
        S((HOST, port), H).serve_forever()
        return

    ctx = None
    if kind == "tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert)

    class E(socketserver.BaseRequestHandler):
        def handle(self):
            c = self.request
            try:
                c.settimeout(60)
                if ctx:
                    c = ctx.wrap_socket(c, server_side=True)
                    c.sendall(name.encode() + b"\n")
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    c.sendall(d)
            except (OSError, ssl.SSLError):
                pass  # health checks connect and close without a handshake

    class S(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 128
    S((HOST, port), E).serve_forever()


class Backend:
    """One backend server process that can be killed and restarted on
    the same port."""

    def __init__(self, kind, name, port, cert=None, proxy="", server=""):
        self.kind, self.name, self.port, self.cert = kind, name, port, cert
        self.proxy, self.server = proxy, server
        self.p = None

    def start(self):
        argv = [sys.executable, os.path.abspath(__file__), "--serve", self.kind,
                str(self.port), self.name]
        if self.cert:
            argv.append(self.cert)
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("backend %s did not start on port %d" % (self.name, self.port))

    def kill(self):
        if self.p and self.p.poll() is None:
            self.p.kill()
            self.p.wait()


# ------------------------------------------------------------ measurements

def proc_rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def proc_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def children(pid):
    """[(starttime, pid)] of the live children of pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(st[1]) == pid and st[0] != "Z":
            out.append((int(st[19]), int(d)))
    return sorted(out)


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((HOST, 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def cli(path, cmd, timeout=10):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(cmd.encode() + b"\n")
        data = b""
        while True:
            c = s.recv(65536)
            if not c:
                return data.decode("utf-8", "replace")
            data += c


def server_status(sock, proxy, server):
    """'UP', 'DOWN', ... of proxy/server from show stat, or None."""
    try:
        out = cli(sock, "show stat")
    except OSError:
        return None
    for row in out.split("\n"):
        f = row.split(",")
        if len(f) > 17 and f[0] == proxy and f[1] == server:
            return f[17]
    return None


# ----------------------------------------------------------------- traffic

class Stats:
    """Client operations and errors, shared by the traffic threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}
        self.errors = []  # (time, kind, message)

    def ok(self, kind):
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + 1

    def error(self, kind, msg):
        with self.lock:
            self.errors.append((time.monotonic(), kind, msg))


def client_ctx():
    ctx = ssl.create_default_context(cafile=CA)
    ctx.check_hostname = False  # termination: we connect to 127.0.0.1
    return ctx


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += d
    return buf


def recv_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(1)
        if not d:
            raise ConnectionError("closed before a line: %r" % buf)
        buf += d
    return buf


def pt_loop(port, sni, stop, st, pause):
    """TLS passthrough: handshake with SNI (verified against the test
    CA), the server names itself (must be one of sni's pair), echo."""
    ctx = ssl.create_default_context(cafile=CA)
    prefix = sni.split(".")[0]
    n = 0
    while not stop.is_set():
        n += 1
        try:
            with socket.create_connection((HOST, port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname=sni) as s:
                    who = recv_line(s).decode().strip()
                    if not who.startswith(prefix):
                        raise RuntimeError("SNI %s routed to %s" % (sni, who))
                    msg = b"ping %d\n" % n
                    s.sendall(msg)
                    if recv_exact(s, len(msg)) != msg:
                        raise RuntimeError("echo mismatch")
            st.ok("pt")
        except Exception as e:  # every failure is a client error
            st.error("pt", "%s: %r" % (sni, e))
        stop.wait(pause)


def term_loop(port, stop, st, pause):
    """TLS termination + HTTP keep-alive: 20 GETs per connection. A
    keep-alive connection the server closed between two requests (soft
    stop of an old worker) is reopened, as any HTTP client does: only a
    second failure is an error."""
    ctx = client_ctx()
    while not stop.is_set():
        c = http.client.HTTPSConnection(HOST, port, timeout=10, context=ctx)
        try:
            for i in range(20):
                if stop.is_set():
                    break
                path = "/soak/%d" % i
                for attempt in (0, 1):
                    try:
                        c.request("GET", path)
                        r = c.getresponse()
                        body = r.read()
                        break
                    except (http.client.RemoteDisconnected, ConnectionResetError,
                            BrokenPipeError, ssl.SSLEOFError):
                        if attempt or i == 0:
                            raise
                        c.close()
                        c = http.client.HTTPSConnection(HOST, port, timeout=10, context=ctx)
                if r.status != 200 or not body.endswith((" %s\n" % path).encode()):
                    raise RuntimeError("status %d body %r" % (r.status, body[:80]))
                st.ok("term")
                stop.wait(pause)
        except Exception as e:
            st.error("term", repr(e))
        finally:
            c.close()
        stop.wait(pause)


def tcp_loop(port, stop, st, pause):
    """Plain TCP: 4 KiB echoed per connection."""
    data = os.urandom(4096)
    while not stop.is_set():
        try:
            with socket.create_connection((HOST, port), timeout=10) as s:
                s.sendall(data)
                if recv_exact(s, len(data)) != data:
                    raise RuntimeError("echo mismatch")
            st.ok("tcp")
        except Exception as e:
            st.error("tcp", repr(e))
        stop.wait(pause)


# -------------------------------------------------------------------- run

CONFIG = """global
    stats socket {sock} level admin
    maxconn 1000
defaults
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    default-server inter 1s fall 2 rise 2

frontend pt
    mode tcp
    bind {h}:{pt}
    tcp-request inspect-delay 5s
    tcp-request content accept if {{ req.ssl_hello_type 1 }}
    use_backend pt_a if {{ req.ssl_sni -i a.example.test }}
    use_backend pt_b if {{ req.ssl_sni -i b.example.test }}
backend pt_a
    mode tcp
    server a1 {h}:{a1} check
    server a2 {h}:{a2} check
backend pt_b
    mode tcp
    server b1 {h}:{b1} check
    server b2 {h}:{b2} check

frontend term
    mode http
    option http-keep-alive
    timeout http-keep-alive 10s
    bind {h}:{term} ssl crt {files}/test-only-default.pem
    default_backend web
backend web
    mode http
    balance roundrobin
    server w1 {h}:{w1} check
    server w2 {h}:{w2} check

frontend plain
    mode tcp
    bind {h}:{tcp}
    default_backend echo
backend echo
    mode tcp
    server e1 {h}:{e1} check
    server e2 {h}:{e2} check
"""


def windows(secs):
    w = min(60.0, secs / 5.0)
    return w, (w, 2 * w), (secs - w, secs + 1e9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sluice", default=os.path.join(ROOT, "build", "sluice"))
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("SOAK_SECONDS") or 600))
    ap.add_argument("--reload-every", type=float, default=30,
                    help="seconds between reloads; 0: none (one worker ages)")
    ap.add_argument("--flap-every", type=float, default=20)
    ap.add_argument("--flap-down", type=float, default=8)
    ap.add_argument("--sample-every", type=float, default=5)
    ap.add_argument("--pause", type=float, default=0.01,
                    help="sleep between two client operations of one thread")
    ap.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        kind, port, name = a.serve[0], int(a.serve[1]), a.serve[2]
        serve(kind, port, name, a.serve[3] if len(a.serve) > 3 else None)
        return 0

    d = tempfile.mkdtemp(prefix="sluice-soak-")
    sock = os.path.join(d, "admin.sock")
    names = ["pt", "term", "tcp", "a1", "a2", "b1", "b2", "w1", "w2", "e1", "e2"]
    ports = dict(zip(names, free_ports(len(names))))
    cfg = os.path.join(d, "soak.cfg")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(sock=sock, h=HOST, files=FILES, **ports))

    backends = {
        "a1": Backend("tls", "a1", ports["a1"], os.path.join(FILES, "test-only-a.pem"), "pt_a", "a1"),
        "a2": Backend("tls", "a2", ports["a2"], os.path.join(FILES, "test-only-a.pem"), "pt_a", "a2"),
        "b1": Backend("tls", "b1", ports["b1"], os.path.join(FILES, "test-only-b.pem"), "pt_b", "b1"),
        "b2": Backend("tls", "b2", ports["b2"], os.path.join(FILES, "test-only-b.pem"), "pt_b", "b2"),
        "w1": Backend("http", "w1", ports["w1"], None, "web", "w1"),
        "w2": Backend("http", "w2", ports["w2"], None, "web", "w2"),
        "e1": Backend("echo", "e1", ports["e1"], None, "echo", "e1"),
        "e2": Backend("echo", "e2", ports["e2"], None, "echo", "e2"),
    }
    traffic_of = {"tls": "pt", "http": "term", "echo": "tcp"}
    flap_order = ["a1", "w1", "e1", "b2", "w2", "e2", "a2", "b1"]

    master = None
    stop = threading.Event()
    threads = []
    failures = []
    try:
        for b in backends.values():
            b.start()
        # a private copy: the master re-executes its binary at each reload,
        # and a rebuild meanwhile must not change what is soaked
        exe = os.path.join(d, "sluice")
        shutil.copy2(a.sluice, exe)
        logf = open(os.path.join(d, "sluice.log"), "wb")
        master = subprocess.Popen([exe, "-W", "-db", "-f", cfg], stdin=subprocess.DEVNULL,
                                  stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
                children(master.pid) and os.path.exists(sock)
                and server_status(sock, "echo", "e1") == "UP"):
            if master.poll() is not None:
                raise RuntimeError("sluice exited: %s" % open(os.path.join(d, "sluice.log")).read())
            time.sleep(0.1)

        st = Stats()
        loops = [(pt_loop, (ports["pt"], "a.example.test")), (pt_loop, (ports["pt"], "b.example.test")),
                 (term_loop, (ports["term"],)), (term_loop, (ports["term"],)),
                 (tcp_loop, (ports["tcp"],)), (tcp_loop, (ports["tcp"],))]
        for fn, args in loops:
            t = threading.Thread(target=fn, args=args + (stop, st, a.pause), daemon=True)
            t.start()
            threads.append(t)

        t0 = time.monotonic()
        flaps = []    # dict(t_kill, t_start, name, kind, down, up)
        reloads = []  # dict(t, old, new, old_gone)
        samples = []
        lock = threading.Lock()

        def flapper():
            i = 0
            while not stop.wait(max(0.0, t0 + (i + 1) * a.flap_every - time.monotonic())):
                b = backends[flap_order[i % len(flap_order)]]
                i += 1
                rec = {"name": b.name, "kind": traffic_of[b.kind], "t_kill": time.monotonic(),
                       "t_start": None, "down": False, "up": False, "done": False}
                with lock:
                    flaps.append(rec)
                b.kill()
                end = time.monotonic() + a.flap_down
                while time.monotonic() < end:
                    if server_status(sock, b.proxy, b.server) == "DOWN":
                        rec["down"] = True
                    stop.wait(0.25)
                b.start()
                rec["t_start"] = time.monotonic()
                end = time.monotonic() + 15
                while time.monotonic() < end and not stop.is_set():
                    if server_status(sock, b.proxy, b.server) == "UP":
                        rec["up"] = True
                        break
                    stop.wait(0.25)
                # a flap the end of the run cut short is not judged
                rec["done"] = rec["up"] or not stop.is_set()

        def reloader():
            i = 0
            while not stop.wait(max(0.0, t0 + (i + 1) * a.reload_every - time.monotonic())):
                i += 1
                old = [p for _, p in children(master.pid)]
                rec = {"t": time.monotonic(), "old": old, "new": None}
                with lock:
                    reloads.append(rec)
                master.send_signal(signal.SIGUSR2)
                end = time.monotonic() + 20
                while time.monotonic() < end and not stop.is_set():
                    new = [p for _, p in children(master.pid) if p not in old]
                    if new:
                        rec["new"] = new[0]
                        break
                    stop.wait(0.1)

        for fn in (flapper, reloader):
            if fn is reloader and a.reload_every <= 0:
                continue  # one worker for the whole run: its own leaks show
            t = threading.Thread(target=fn, daemon=True)
            t.start()
            threads.append(t)

        print("soak: %s for %ds, %s; config and sluice log in %s" % (
            a.sluice, a.seconds, "reload every %gs, flap every %gs" % (a.reload_every, a.flap_every), d),
            flush=True)
        hdr = "%6s %9s %4s %7s %9s %4s %3s %6s %6s %6s %5s %5s" % (
            "t(s)", "mRSS(KiB)", "mFD", "worker", "wRSS(KiB)", "wFD", "nW",
            "pt", "term", "tcp", "err", "unexp")
        print(hdr, flush=True)
        last_ops = {}
        last_err = 0
        next_sample = t0
        while True:
            now = time.monotonic()
            if now - t0 >= a.seconds:
                break
            if master.poll() is not None:
                failures.append("the master died (status %s)" % master.returncode)
                break
            if now < next_sample:
                time.sleep(min(0.2, next_sample - now))
                continue
            next_sample += a.sample_every
            kids = children(master.pid)
            wpid = kids[-1][1] if kids else None
            with st.lock:
                ops = dict(st.ops)
                errs = list(st.errors)
            s = {"t": now - t0, "m_rss": proc_rss_kib(master.pid), "m_fd": proc_fds(master.pid),
                 "w": wpid, "w_rss": proc_rss_kib(wpid) if wpid else None,
                 "w_fd": proc_fds(wpid) if wpid else None, "nw": len(kids),
                 "kids": [p for _, p in kids],
                 "ops": {k: ops.get(k, 0) - last_ops.get(k, 0) for k in ("pt", "term", "tcp")},
                 "err": len(errs) - last_err}
            last_ops, last_err = ops, len(errs)
            samples.append(s)
            print("%6.0f %9s %4s %7s %9s %4s %3d %6d %6d %6d %5d %5s" % (
                s["t"], s["m_rss"], s["m_fd"], s["w"], s["w_rss"], s["w_fd"], s["nw"],
                s["ops"]["pt"], s["ops"]["term"], s["ops"]["tcp"], s["err"],
                "" if not s["err"] else len(unexplained(errs[len(errs) - s["err"]:], flaps, lock))),
                flush=True)
    finally:
        stop.set()
        for t in threads:
            t.join(20)
        if master is not None and master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(20)
            except subprocess.TimeoutExpired:
                master.kill()
                failures.append("the master did not stop within 20 s of SIGTERM")
        for b in backends.values():
            b.kill()

    rc = verdict(a, samples, st, flaps, reloads, failures, t0)
    if rc == 0:
        shutil.rmtree(d, ignore_errors=True)
    else:
        print("soak: kept %s" % d)
    return rc


def unexplained(errs, flaps, lock):
    """The errors no flap explains (see the module comment)."""
    with lock:
        fl = list(flaps)
    out = []
    for t, kind, msg in errs:
        if not any(f["kind"] == kind and f["t_kill"] - 1 <= t
                   and (f["t_start"] is None or t <= f["t_start"] + 6) for f in fl):
            out.append((t, kind, msg))
    return out


def verdict(a, samples, st, flaps, reloads, failures, t0):
    w, ref, last = windows(a.seconds)

    def series(key, win):
        return [s[key] for s in samples if win[0] <= s["t"] < win[1] and s[key] is not None]

    print("\nsoak: summary (warm-up %.0fs, REF = %.0f-%.0fs, LAST = %.0f-%.0fs)" % (
        w, ref[0], ref[1], last[0], a.seconds, ))
    for key, what in (("m_rss", "master RSS KiB"), ("w_rss", "worker RSS KiB"),
                      ("m_fd", "master fds"), ("w_fd", "worker fds"), ("nw", "workers")):
        r, l = series(key, ref), series(key, last)
        if not r or not l:
            failures.append("%s: no samples in REF or LAST" % what)
            continue
        print("  %-15s REF min/med/max %d/%d/%d   LAST min/med/max %d/%d/%d" % (
            what, min(r), statistics.median(r), max(r), min(l), statistics.median(l), max(l)))
        if key.endswith("rss") and max(l) > max(r) * 1.05 + 256:
            failures.append("%s grew: LAST max %d > 1.05 * REF max %d + 256" % (what, max(l), max(r)))
        if key == "m_fd" and max(l) > max(r) + 2:
            failures.append("%s grew: LAST max %d > REF max %d + 2" % (what, max(l), max(r)))
        if key == "w_fd" and statistics.median(l) > statistics.median(r) + 4:
            failures.append("%s grew: LAST median %g > REF median %g + 4" % (
                what, statistics.median(l), statistics.median(r)))

    total = dict(st.ops)
    dur = samples[-1]["t"] if samples else 0
    print("  client ops: %s (%.0f/s)" % (
        ", ".join("%s %d" % (k, total.get(k, 0)) for k in ("pt", "term", "tcp")),
        sum(total.values()) / dur if dur else 0))
    for kind in ("pt", "term", "tcp"):
        for win in (ref, last):
            if sum(s["ops"][kind] for s in samples if win[0] <= s["t"] < win[1]) == 0:
                failures.append("no successful %s operation in %.0f-%.0fs" % (kind, win[0], win[1]))

    lock = threading.Lock()
    bad = unexplained(st.errors, flaps, lock)
    print("  client errors: %d, explained by a flap: %d, unexplained: %d" % (
        len(st.errors), len(st.errors) - len(bad), len(bad)))
    for t, kind, msg in bad[:20]:
        print("    %.1fs %s %s" % (t - t0, kind, msg))
    if bad:
        failures.append("%d client errors no flap explains" % len(bad))

    ok_rel = [r for r in reloads if r["new"]]
    print("  reloads: %d, new worker seen: %d" % (len(reloads), len(ok_rel)))
    if len(ok_rel) != len(reloads):
        failures.append("%d reloads without a new worker" % (len(reloads) - len(ok_rel)))
    # an old worker must be gone 30 s after its replacement
    for r in ok_rel:
        for pid in r["old"]:
            later = [s for s in samples if s["t"] > r["t"] - t0 + 30]
            if any(pid in s["kids"] for s in later):
                failures.append("old worker %d still alive 30 s after a reload" % pid)
                break
    lingering = [s for s in samples if s["nw"] > 2]
    if lingering:
        failures.append("%d samples with more than 2 workers (max %d)" % (
            len(lingering), max(s["nw"] for s in lingering)))
    done = [f for f in flaps if f["done"]]
    print("  flaps: %d, seen DOWN: %d, back UP: %d" % (
        len(done), sum(f["down"] for f in done), sum(f["up"] for f in done)))
    for f in done:
        if not (f["down"] and f["up"]):
            failures.append("flap of %s at %.0fs: DOWN seen %s, UP seen %s" % (
                f["name"], f["t_kill"] - t0, f["down"], f["up"]))
    if failures:
        print("soak: FAIL")
        for f in failures:
            print("  " + f)
        return 1
    print("soak: PASS (RSS and fds flat after warm-up, no unexplained client error)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
