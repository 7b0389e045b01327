#!/usr/bin/env python3
"""The quickstart (make run, README): examples/demo/run.sh makes the demo
certificates, starts the two demo TLS backends and sluice on
examples/quickstart.cfg; the README's curl commands must reach backend A
for a.demo.test and backend B for b.demo.test, each with its own
certificate (passthrough), and Ctrl-C must stop everything. Ports are free
ones passed through QS_PORT, QS_A_PORT, QS_B_PORT. The demo scripts are
sluice's, not HAProxy's: skipped by make check-oracle."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys

import lib

BEYOND_HAPROXY = True

EXAMPLES = os.path.join(lib.ROOT, "examples")
RUN_SH = os.path.join(EXAMPLES, "demo", "run.sh")
DEMO_PY = os.path.join(EXAMPLES, "demo", "demo.py")
QUICKSTART = os.path.join(EXAMPLES, "quickstart.cfg")


class Demo:
    """One quickstart run in its own session (process group), as a terminal
    would run it; stop() sends SIGINT to the group like Ctrl-C."""

    def __init__(self, argv, certs=None):
        self.port, self.a_port, self.b_port = lib.free_ports(3)
        self.certs = certs or os.path.join(lib.tmpdir(), "demo")
        env = dict(os.environ, QS_PORT=str(self.port), QS_A_PORT=str(self.a_port),
                   QS_B_PORT=str(self.b_port), DEMO_DIR=self.certs)
        self.logdir = lib.tmpdir()
        self.out = open(os.path.join(self.logdir, "out"), "wb")
        self.p = subprocess.Popen(argv, cwd=lib.ROOT, env=env, stdin=subprocess.DEVNULL,
                                  stdout=self.out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        if not lib.wait_port(self.port, timeout=30, proc=self.p):
            self.kill()
            lib.fail("the quickstart is not listening on %d\n%s" % (self.port, self.output()))

    def output(self):
        with open(os.path.join(self.logdir, "out"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_output(self, pattern, what):
        """Waits until the output matches the regex pattern; returns it."""
        out = lib.wait_for(lambda: re.search(pattern, self.output()) and self.output(),
                           timeout=10)
        lib.ok(out, "%s: no match for %r in:\n%s" % (what, pattern, self.output()))
        return out

    def ports(self):
        return (self.port, self.a_port, self.b_port)

    def stop(self):
        """Ctrl-C: SIGINT to the whole process group. Returns the status."""
        os.killpg(self.p.pid, signal.SIGINT)
        try:
            return self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
            lib.fail("the quickstart did not stop on SIGINT\n" + self.output())

    def kill(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.kill()
        else:
            # the group may outlive its leader: leave nothing behind
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.out.close()


def curl(port, host, *extra):
    """The README's curl command for host; returns (rc, stdout, stderr)."""
    curl_bin = lib.tool("curl")
    lib.ok(curl_bin, "curl is missing (make deps installs it)")
    argv = [curl_bin, "-sS", "--max-time", "10",
            "--resolve", "%s:%d:127.0.0.1" % (host, port)] + list(extra) + \
        ["https://%s:%d/" % (host, port)]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def peer_cn(port, sni, cafile):
    """CN of the certificate presented on port for sni, verified by the
    demo CA."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.check_hostname = False  # an unknown SNI still gets backend A's cert
    with socket.create_connection((lib.LOOPBACK, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni) as s:
            return dict(x[0] for x in s.getpeercert()["subject"])["commonName"]


def expect_routes(d):
    ca = os.path.join(d.certs, "ca.crt")
    for host, name in (("a.demo.test", "A"), ("b.demo.test", "B")):
        # as in the README: -k
        rc, out, err = curl(d.port, host, "-k")
        lib.eq(rc, 0, "curl -k %s exit status (%s)" % (host, err.strip()))
        lib.ok(out.startswith("backend %s: " % name),
               "curl %s reached the wrong backend: %r\n%s" % (host, out, d.output()))
        lib.contains(out, "certificate CN=%s, SNI %s," % (host, host), "backend %s answer" % name)
        # verified by the demo CA: the certificate is the one for host
        rc, out, err = curl(d.port, host, "--cacert", ca)
        lib.eq(rc, 0, "curl --cacert %s exit status (%s)" % (host, err.strip()))
        lib.eq(peer_cn(d.port, host, ca), host, "certificate for SNI %s" % host)
    # anything else goes to A
    lib.eq(peer_cn(d.port, "other.demo.test", ca), "a.demo.test", "certificate for another SNI")
    lib.eq(peer_cn(d.port, None, ca), "a.demo.test", "certificate without SNI")


def expect_stopped(d, status):
    lib.eq(status, 0, "exit status after Ctrl-C\n" + d.output())
    for port in d.ports():
        lib.ok(lib.wait_for(lambda: not lib.port_open(port), timeout=5),
               "port %d still open after Ctrl-C\n%s" % (port, d.output()))


@lib.test
def make_run_script_routes_and_stops_on_ctrl_c():
    """examples/demo/run.sh, the command make run ends with."""
    with Demo(["sh", RUN_SH, lib.BIN]) as d:
        d.wait_output(re.escape("curl --resolve a.demo.test:%d:127.0.0.1 -k https://a.demo.test:%d/"
                                % (d.port, d.port)), "banner")
        expect_routes(d)
        # option tcplog: one line per connection, to the right backend
        d.wait_output(r"\] tls_in demo_a/a1 \d+/\d+/\d+ \d+ -- ", "tcplog line for A")
        d.wait_output(r"\] tls_in demo_b/b1 \d+/\d+/\d+ \d+ -- ", "tcplog line for B")
        expect_stopped(d, d.stop())


@lib.test
def certificates_are_reused_and_verify():
    """A second run keeps the certificates of the first (curl --cacert
    keeps working) and they chain to the demo CA."""
    certs = os.path.join(lib.tmpdir(), "demo")
    with Demo(["sh", RUN_SH, lib.BIN], certs=certs) as d:
        expect_stopped(d, d.stop())
    before = {n: os.path.getmtime(os.path.join(certs, n)) for n in os.listdir(certs)}
    lib.eq(sorted(before), ["a.demo.test.crt", "a.demo.test.key", "b.demo.test.crt",
                            "b.demo.test.key", "ca.crt", "ca.key"], "files in the demo dir")
    with Demo(["sh", RUN_SH, lib.BIN], certs=certs) as d:
        d.wait_output("sluice is routing TLS", "banner")
        lib.lacks(d.output(), "demo: made", "second run output")
        expect_routes(d)
        expect_stopped(d, d.stop())
    after = {n: os.path.getmtime(os.path.join(certs, n)) for n in os.listdir(certs)}
    lib.eq(after, before, "certificate files after a second run")


@lib.test
def quickstart_with_nbthread_1_and_4():
    """The same routes with the quickstart config pinned to 1 and 4 worker
    threads (demo.py takes the config to run)."""
    certs = os.path.join(lib.tmpdir(), "demo")
    subprocess.run(["sh", os.path.join(EXAMPLES, "demo", "certs.sh"), certs],
                   check=True, stdout=subprocess.DEVNULL)
    with open(QUICKSTART, encoding="utf-8") as f:
        text = f.read()
    for n in (1, 4):
        pinned = text.replace("\nglobal\n", "\nglobal\n    nbthread %d\n" % n, 1)
        lib.contains(pinned, "nbthread %d" % n, "config")
        cfg = lib.config(pinned)
        with Demo([sys.executable, DEMO_PY, "--quiet", "--sluice", lib.BIN,
                   "--certs", certs, "--config", cfg], certs=certs) as d:
            expect_routes(d)
            expect_stopped(d, d.stop())


@lib.test
def port_in_use_is_reported():
    """sluice cannot bind: the demo says so, exits non-zero and leaves no
    backend running."""
    certs = os.path.join(lib.tmpdir(), "demo")
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind((lib.LOOPBACK, 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    a_port, b_port = lib.free_ports(2)
    env = dict(os.environ, QS_PORT=str(port), QS_A_PORT=str(a_port),
               QS_B_PORT=str(b_port), DEMO_DIR=certs)
    try:
        p = subprocess.run(["sh", RUN_SH, lib.BIN], cwd=lib.ROOT, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
    finally:
        taken.close()
    out = p.stdout.decode("utf-8", "replace")
    lib.ok(p.returncode != 0, "exit status 0 with the port taken:\n" + out)
    lib.contains(out, "set QS_PORT", "output")
    for bp in (a_port, b_port):
        lib.ok(not lib.port_open(bp), "backend port %d left open" % bp)


@lib.test
def demo_files_are_in_place():
    for f in (RUN_SH, DEMO_PY, QUICKSTART, os.path.join(EXAMPLES, "demo", "certs.sh")):
        lib.ok(os.path.isfile(f), "%s missing" % f)
    lib.ok(shutil.which("openssl"), "openssl is missing (make deps installs it)")


lib.main()
