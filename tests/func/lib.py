"""Helpers for sluice functional tests (Python 3 standard library only).

A test script looks like:

    import lib

    @lib.test
    def valid_config_exits_0():
        r = lib.check(lib.config("frontend f\\n    bind 127.0.0.1:%d\\n" % lib.free_port()))
        lib.eq(r.rc, 0)

    lib.main()

lib.main() runs every @lib.test function in definition order, prints one
"func: <script>/<test>: ok|FAIL" line each, and exits 1 if one failed.

The binary comes from $SLUICE_BIN (tests/run.py sets it; default
build/sluice). $SLUICE_ORACLE=1 means the binary is haproxy: tests that
go beyond HAProxy declare BEYOND_HAPROXY = True at module level and are
skipped by run.py in that mode. Servers bind 127.0.0.1 only, on ports
picked free; readiness is polled, never slept on.
"""

import atexit
import contextlib
import http.client
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ROOT = os.environ.get("SLUICE_ROOT") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(os.environ.get("SLUICE_BIN") or os.path.join(ROOT, "build", "sluice"))
ORACLE = os.environ.get("SLUICE_ORACLE") == "1"
LOOPBACK = "127.0.0.1"
CONFIG_FILES = os.path.join(ROOT, "tests", "configs", "files")
# SLUICE_VALGRIND=1 (make check-valgrind) runs every binary started by
# start(), run() and procutil.spawn() under memcheck; SLUICE_WRAP="cmd
# args" prefixes it with any other command. Both make it slower: start,
# run and stop timeouts are multiplied by SLOW.
VALGRIND = os.environ.get("SLUICE_VALGRIND") == "1"
WRAP = os.environ.get("SLUICE_WRAP", "").split()
SLOW = float(os.environ.get("SLUICE_SLOW") or (8 if VALGRIND else 1))
VALGRIND_SUPP = os.path.join(ROOT, "tests", "valgrind.supp")


class Failure(AssertionError):
    pass


class Skip(Exception):
    """Raised by skip(): the test cannot run here (a tool or a kernel
    feature is missing); reported as skipped with the reason, never as
    passed."""


# ------------------------------------------------------------ test registry

_tests = []


def test(fn):
    """Registers fn as a sub-test of this script."""
    _tests.append(fn)
    return fn


def main():
    """Runs the registered tests and exits with 0 only if all passed.
    A name given on the command line runs only tests containing it."""
    script = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    want = sys.argv[1] if len(sys.argv) > 1 else None
    failed = 0
    for fn in _tests:
        if want and want not in fn.__name__:
            continue
        name = "%s/%s" % (script, fn.__name__)
        try:
            fn()
            _sanitizer_check()
        except Skip as e:
            print("func: %s: skipped (%s)" % (name, e), flush=True)
            continue
        except Exception as e:  # report every kind of failure the same way
            failed += 1
            print("func: %s: FAIL" % name, flush=True)
            detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
            for l in detail.rstrip("\n").split("\n"):
                print("    " + l, flush=True)
        else:
            print("func: %s: ok" % name, flush=True)
    _cleanup()
    try:
        _sanitizer_check()
    except Failure as e:
        failed += 1
        print("func: %s/(processes stopped at exit): FAIL" % script, flush=True)
        for l in str(e).rstrip("\n").split("\n"):
            print("    " + l, flush=True)
    sys.exit(1 if failed else 0)


# A sanitizer build reports on stderr and may still exit as asked: a
# test passes only if no process it stopped printed such a report.
_SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                    "runtime error:", "WARNING: ThreadSanitizer")
_sanitizer_reports = []
_CRASH_SIGNALS = (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGFPE, signal.SIGILL)


def _sanitizer_scan(p):
    text = logs(p)
    for m in _SANITIZER_MARKS:
        i = text.find(m)
        if i >= 0:
            _sanitizer_reports.append(text[max(0, i - 200):i + 3000])
            return


def wrap_argv(argv, logdir):
    """argv prefixed with $SLUICE_WRAP and, under SLUICE_VALGRIND=1,
    with valgrind writing one log per process (forked workers and
    re-executed masters included) into logdir, scanned by stop()."""
    pre = list(WRAP)
    if VALGRIND:
        pre = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite",
               "--errors-for-leak-kinds=definite", "--trace-children=yes",
               "--child-silent-after-fork=no", "--num-callers=30",
               "--log-file=" + os.path.join(logdir, "valgrind.%p.%n.log")]
        if os.path.isfile(VALGRIND_SUPP):
            pre.append("--suppressions=" + VALGRIND_SUPP)
        pre += list(WRAP)
    return pre + list(argv)


def _valgrind_scan(logdir):
    """Queues a report for every valgrind log in logdir whose process
    ended with errors: an invalid access, an uninitialised value, a
    definite leak (possible leaks and reachable blocks are not errors)."""
    try:
        names = sorted(n for n in os.listdir(logdir) if n.startswith("valgrind."))
    except OSError:
        return
    for n in names:
        with open(os.path.join(logdir, n), "rb") as f:
            text = f.read().decode("utf-8", "replace")
        for line in text.splitlines():
            if "ERROR SUMMARY:" in line and "ERROR SUMMARY: 0 errors" not in line:
                _sanitizer_reports.append("valgrind (%s):\n%s" % (n, text[:20000]))
                break


def _sanitizer_check():
    if _sanitizer_reports:
        r = list(_sanitizer_reports)
        del _sanitizer_reports[:]
        fail("sanitizer report from a stopped process:\n" + "\n".join(r))


def skip(reason):
    raise Skip(reason)


def fail(msg):
    raise Failure(msg)


def eq(got, want, what=""):
    if got != want:
        fail("%sgot %r, want %r" % (what + ": " if what else "", got, want))


def contains(haystack, needle, what="output"):
    if needle not in haystack:
        fail("%s lacks %r:\n%s" % (what, needle, haystack))


def lacks(haystack, needle, what="output"):
    if needle in haystack:
        fail("%s contains %r:\n%s" % (what, needle, haystack))


def ok(cond, msg):
    if not cond:
        fail(msg)


# ------------------------------------------------------------ temp files

_tmpdirs = []
_procs = []


def tmpdir():
    """A fresh directory removed when the script ends."""
    d = tempfile.mkdtemp(prefix="sluice-func-")
    _tmpdirs.append(d)
    return d


def write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def config(text, name="t.cfg", directory=None):
    """Writes a config file (a final LF is added when missing) and returns
    its path."""
    if not text.endswith("\n"):
        text += "\n"
    return write(os.path.join(directory or tmpdir(), name), text)


def _cleanup():
    for p in list(_procs):
        stop(p)
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


# --------------------------------------------------------- running the binary

class Run:
    """Outcome of one run: rc, out (stdout), err (stderr)."""

    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def __repr__(self):
        return "Run(%s) rc=%s\n--- stdout:\n%s--- stderr:\n%s" % (
            " ".join(self.argv), self.rc, self.out, self.err)


def run(args, cwd=None, env=None, timeout=30, binary=None):
    """Runs the binary under test with args; never raises on exit status."""
    argv = [binary or BIN] + list(args)
    e = dict(os.environ)
    if env:
        e.update(env)
    logdir = tmpdir() if VALGRIND else None
    p = subprocess.run(wrap_argv(argv, logdir), cwd=cwd, env=e, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout * SLOW)
    if logdir:
        _valgrind_scan(logdir)
    return Run(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"))


def check(*files, args=(), cwd=None, env=None):
    """'<bin> -c [args] -f f1 -f f2 ...'."""
    a = ["-c"] + list(args)
    for f in files:
        a += ["-f", f]
    return run(a, cwd=cwd, env=env)


def start(cfg, args=(), env=None, cwd=None, ready_ports=(), timeout=10.0, prefix=()):
    """Starts the binary in the foreground on config file cfg and waits
    until every (host, port) or port in ready_ports accepts connections.
    prefix: a command that execs the rest (e.g. "ip netns exec ns").
    Returns the Popen; stop() (or the end of the script) stops it."""
    e = dict(os.environ)
    if env:
        e.update(env)
    logdir = tmpdir()
    argv = list(prefix) + wrap_argv([BIN, "-db", "-f", cfg] + list(args), logdir)
    timeout *= SLOW
    out = open(os.path.join(logdir, "stdout"), "wb")
    err = open(os.path.join(logdir, "stderr"), "wb")
    p = subprocess.Popen(argv, cwd=cwd, env=e, stdin=subprocess.DEVNULL,
                         stdout=out, stderr=err, start_new_session=True)
    p.logdir = logdir
    _procs.append(p)
    for rp in ready_ports:
        host, port = rp if isinstance(rp, tuple) else (LOOPBACK, rp)
        if not wait_port(port, host=host, timeout=timeout, proc=p):
            stop(p)
            fail("%s not listening on %s:%d after %.1fs\n%s" % (
                argv[0], host, port, timeout, logs(p)))
    if ready_ports:
        # listeners open one after the other: the one polled may listen
        # before the others do (a test connecting to those at once was
        # refused). Wait, without connecting, until every TCP port the
        # config binds listens; a bind that never listens (a disabled
        # proxy, a paused frontend) only costs this short grace.
        want = set(config_bind_ports(cfg))

        def all_listen():
            have = listening_ports(p.pid)
            return p.poll() is not None or have is None or want <= have
        wait_for(all_listen, min(timeout, 3.0))
    return p


def config_bind_ports(cfg):
    """The TCP ports of the 'bind' lines in config file cfg (not of a
    proxy marked disabled; no ranges, no unix/abns/fd addresses)."""
    ports, section, disabled = {}, None, set()
    try:
        with open(cfg) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    for line in lines:
        w = line.split("#", 1)[0].split()
        if not w:
            continue
        if not line[0].isspace():
            section = w[0] + " " + (w[1] if len(w) > 1 else "")
        elif w[0] == "disabled":
            disabled.add(section)
        elif w[0] == "bind" and len(w) > 1 and section is not None:
            for a in w[1].split(","):
                a = a.split("@", 1)[1] if a.split("@", 1)[0] in ("ipv4", "ipv6", "tcp", "tcp4", "tcp6") else a
                port = a.rsplit(":", 1)[-1] if ":" in a else ""
                if port.isdigit() and not a.startswith(("/", "unix@", "abns@", "fd@")):
                    ports.setdefault(section, []).append(int(port))
    return [n for sec, v in ports.items() if sec not in disabled for n in v]


def logs(p):
    """stdout and stderr a started process has written so far."""
    parts = []
    for n in ("stdout", "stderr"):
        try:
            with open(os.path.join(p.logdir, n), "rb") as f:
                parts.append("--- %s:\n%s" % (n, f.read().decode("utf-8", "replace")))
        except OSError:
            pass
    return "\n".join(parts)


def stop(p, sig=signal.SIGTERM, timeout=5.0):
    """Stops a process started by start() (SIGTERM, then SIGKILL); returns
    its exit status."""
    if p in _procs:
        _procs.remove(p)
    if p.poll() is not None and -p.returncode in _CRASH_SIGNALS:
        # it died on its own: a crash even without a sanitizer report
        _sanitizer_reports.append("%s died of signal %d before it was stopped\n%s" % (
            getattr(p, "args", ["?"])[0], -p.returncode, logs(p)[-3000:]))
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if getattr(p, "logdir", None):
        _sanitizer_scan(p)
        if VALGRIND:
            _valgrind_scan(p.logdir)
    return p.returncode


# ------------------------------------------------------------- networking

# Ports for test listeners come from below Linux's ephemeral range
# (32768-60999), where no client socket of another test takes them between
# the pick and the bind, and each test process walks its own window of it:
# proxies bind with SO_REUSEPORT, so two scripts running at once that
# picked the same port would share each other's traffic. tests/run.py
# gives each script it runs a window no other running script has
# (SLUICE_PORT_WINDOW); a script run alone takes one from its pid.
PORT_LO, PORT_HI, PORT_WINDOW = 10000, 32000, 200
_port_next = None


def _bindable(port, kind):
    """True when port is free on every address (a listener there, or a
    socket using it, makes a wildcard bind fail)."""
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("", port))
        except OSError:
            return False
    return True


def _pick(kind, taken=()):
    global _port_next
    nwin = (PORT_HI - PORT_LO) // PORT_WINDOW
    win = os.environ.get("SLUICE_PORT_WINDOW")
    base = PORT_LO + (int(win) if win else os.getpid()) % nwin * PORT_WINDOW
    if _port_next is None:
        _port_next = 0
    for _ in range(PORT_WINDOW):
        port = base + _port_next
        _port_next = (_port_next + 1) % PORT_WINDOW
        if port not in taken and _bindable(port, kind):
            return port
    # the window is busy: let the kernel choose
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def free_port(host=LOOPBACK, kind=socket.SOCK_STREAM):
    """A port that was free a moment ago (on every address, so on host)."""
    return _pick(kind)


def free_ports(n, host=LOOPBACK):
    """n distinct free ports."""
    ports = []
    for _ in range(n):
        ports.append(_pick(socket.SOCK_STREAM, ports))
    return ports


def wait_for(pred, timeout=10.0, interval=0.02):
    """Polls pred() until it returns a true value (returned) or timeout
    passes (returns None)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def port_open(port, host=LOOPBACK):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def port_listening(port):
    """True when a TCP socket listens on port (Linux: /proc/net/tcp*,
    without connecting to it); True where that cannot be read."""
    ports = listening_ports()
    return ports is None or port in ports


def listening_ports(pid="self"):
    """The TCP ports listening in the network namespace of process pid
    (/proc/<pid>/net/tcp*), or None where that cannot be read."""
    ports, found = set(), False
    for f in ("tcp", "tcp6"):
        try:
            with open("/proc/%s/net/%s" % (pid, f)) as fh:
                next(fh)
                found = True
                for line in fh:
                    w = line.split()
                    if w[3] == "0A":
                        ports.add(int(w[1].rsplit(":", 1)[1], 16))
        except (OSError, StopIteration, IndexError, ValueError):
            continue
    return ports if found else None


def wait_port(port, host=LOOPBACK, timeout=10.0, proc=None):
    """Waits until host:port accepts a TCP connection. Gives up early when
    proc (a Popen) has exited."""
    def ready():
        if proc is not None and proc.poll() is not None:
            return "exited"
        return port_open(port, host)
    return wait_for(ready, timeout) is True


def wait_unix(path, timeout=10.0):
    """Waits until the unix socket at path accepts a connection."""
    def ready():
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                s.connect(path)
                return True
        except OSError:
            return False
    return wait_for(ready, timeout) is True


# --------------------------------------------------------- helper servers

class _NamedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        # recorded before answering: a client that has its answer can
        # rely on the request being listed
        self.server.requests.append((self.command, self.path, dict(self.headers)))
        body = ("%s %s\n" % (self.server.name, self.path)).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Server", self.server.name)
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET
    do_POST = do_GET

    def log_message(self, *a):
        pass


@contextlib.contextmanager
def http_backend(name="s1", status=200, host=LOOPBACK, port=0):
    """A threaded HTTP/1.1 server answering '<name> <path>' with header
    X-Server: <name>. Yields the server; .port, .requests (method, path,
    headers) are available."""
    srv = http.server.ThreadingHTTPServer((host, port), _NamedHandler)
    srv.daemon_threads = True
    srv.name, srv.status, srv.requests = name, status, []
    srv.port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


@contextlib.contextmanager
def tcp_echo(host=LOOPBACK, port=0, banner=b""):
    """A TCP server that sends banner then echoes; yields an object with
    .port and .conns (count of accepted connections)."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(64)
    state = type("Echo", (), {})()
    state.port, state.conns, state.stopping = ls.getsockname()[1], 0, False

    def serve(c):
        with c:
            try:
                if banner:
                    c.sendall(banner)
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    c.sendall(d)
            except OSError:
                pass

    def accept_loop():
        while not state.stopping:
            try:
                c, _ = ls.accept()
            except OSError:
                break
            state.conns += 1
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    t = threading.Thread(target=accept_loop, daemon=True)
    t.start()
    try:
        yield state
    finally:
        state.stopping = True
        with contextlib.suppress(OSError):
            ls.shutdown(socket.SHUT_RDWR)
        ls.close()


def unix_connect(path, timeout=10.0):
    """A connected UNIX stream socket with a timeout. A full listen
    backlog makes a connect with a timeout fail at once with EAGAIN on
    Linux, where a blocking client (socat) would wait: retried until
    timeout, as that client sees it."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)
        except OSError:
            s.close()
            raise


def read_until_close(s, allow_reset=True):
    """Every byte until the peer closes; a reset ends it too unless
    allow_reset is false (then it raises)."""
    buf = bytearray()
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except ConnectionResetError:
        if not allow_reset:
            raise
    return bytes(buf)


def cli(path, cmd, timeout=10.0):
    """Sends one command line (or a command and its payload) to the stats
    socket at path and returns the whole answer, read until the server
    closes (HAProxy's non-interactive mode)."""
    with unix_connect(path, timeout) as s:
        s.sendall((cmd + "\n").encode())
        return read_until_close(s, allow_reset=False).decode("utf-8", "replace")


def http_get(port, path="/", host=LOOPBACK, headers=None, timeout=5.0):
    """GET http://host:port/path; returns (status, headers, body bytes).
    headers is an http.client.HTTPMessage: .get() ignores case (HAProxy
    sends header names in lower case)."""
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def tool(name):
    """Path of an external tool (openssl, curl, socat) or None."""
    return shutil.which(name)
