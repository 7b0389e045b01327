#!/usr/bin/env python3
"""The quickstart's moving parts (Python 3 standard library only).

    python3 examples/demo/demo.py --sluice build/sluice --certs build/demo

starts two demo TLS backends on 127.0.0.1 (backend A with the certificate
of a.demo.test on $QS_A_PORT, default 9443; backend B with b.demo.test on
$QS_B_PORT, default 9444), then sluice in the foreground on
examples/quickstart.cfg, which listens on $QS_PORT (default 8443). It prints
how to reach them and runs until Ctrl-C (SIGINT) or SIGTERM, then stops
sluice and the backends together. examples/demo/run.sh (make run) makes the
certificates first and calls this.

Each backend answers any HTTP/1.x request with a short text naming itself
and what it saw of the TLS connection (SNI, version, ALPN), so a curl
through sluice shows where the traffic went; curl -v shows the backend's
certificate, which proves sluice did not decrypt.

    python3 examples/demo/demo.py --backends-only   just the two backends
"""

import argparse
import http.server
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOOPBACK = "127.0.0.1"


def env_port(name, default):
    v = os.environ.get(name)
    if v is None:
        return default
    try:
        p = int(v)
    except ValueError:
        p = -1
    if not 0 < p < 65536:
        sys.exit("demo: %s=%r is not a port number" % (name, v))
    return p


# ------------------------------------------------------------ backends

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sluice-demo"
    sys_version = ""

    def do_GET(self):
        srv = self.server
        tls = self.connection
        text = ("backend %s: hello from %s:%d\n"
                "  certificate CN=%s, SNI %s, %s, ALPN %s\n") % (
            srv.name, LOOPBACK, srv.server_address[1], srv.cn,
            getattr(tls, "demo_sni", None) or "(none)", tls.version(),
            tls.selected_alpn_protocol() or "(none)")
        body = text.encode() if self.command != "HEAD" else b""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text.encode())))
        self.send_header("X-Backend", srv.name)
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET
    do_POST = do_GET

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("[backend %s] %s %s\n" % (
                self.server.name, "%s:%d" % self.client_address[:2], fmt % args))


class TLSServer(http.server.ThreadingHTTPServer):
    """An HTTPS server doing each TLS handshake in the connection's own
    thread, so a slow or silent client never blocks the others."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, name, cn, cert, key, port, quiet=False):
        self.name, self.cn, self.quiet = name, cn, quiet
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["http/1.1"])

        def on_sni(sock, server_name, _ctx):
            sock.demo_sni = server_name  # shown in the answer

        ctx.sni_callback = on_sni
        self.ctx = ctx
        super().__init__((LOOPBACK, port), Handler)

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as e:
            # readiness probes and plain-text clients end here
            if not self.quiet and not isinstance(e, (ConnectionError, ssl.SSLEOFError)):
                sys.stderr.write("[backend %s] %s:%d TLS handshake failed: %s\n" % (
                    self.name, client_address[0], client_address[1], e))
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        pass  # a client that goes away mid-request is not news


def start_backends(certs, quiet=False):
    """Starts backends A and B in threads; returns the servers."""
    servers = []
    for name, cn, var, default in (("A", "a.demo.test", "QS_A_PORT", 9443),
                                   ("B", "b.demo.test", "QS_B_PORT", 9444)):
        crt, key = (os.path.join(certs, cn + ext) for ext in (".crt", ".key"))
        port = env_port(var, default)
        try:
            srv = TLSServer(name, cn, crt, key, port, quiet)
        except OSError as e:
            for s in servers:
                s.server_close()
            sys.exit("demo: backend %s cannot listen on %s:%d: %s (set %s to another port)"
                     % (name, LOOPBACK, port, e.strerror or e, var))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    return servers


# ------------------------------------------------------------- sluice

def port_open(port):
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_listening(proc, port, timeout):
    """True once sluice accepts on port; False if it exited or timed out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if port_open(port):
            return True
        time.sleep(0.05)
    return False


def banner(port, servers, certs):
    a, b = servers
    ca = os.path.abspath(os.path.join(certs, "ca.crt"))
    if os.path.relpath(ca).split(os.sep)[0] != os.pardir:
        ca = os.path.relpath(ca)
    print("""
sluice is routing TLS on 127.0.0.1:{p} without decrypting it:
  SNI a.demo.test -> backend A on 127.0.0.1:{pa} (certificate CN=a.demo.test)
  SNI b.demo.test -> backend B on 127.0.0.1:{pb} (certificate CN=b.demo.test)
  anything else   -> backend A

Try, from another terminal:
  curl --resolve a.demo.test:{p}:127.0.0.1 -k https://a.demo.test:{p}/
  curl --resolve b.demo.test:{p}:127.0.0.1 -k https://b.demo.test:{p}/
  curl --resolve b.demo.test:{p}:127.0.0.1 --cacert {ca} -v https://b.demo.test:{p}/ 2>&1 | grep subject:

One log line per connection follows (option tcplog). Ctrl-C stops sluice
and the backends.
""".format(p=port, pa=a.server_address[1], pb=b.server_address[1], ca=ca), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sluice", default=os.path.join(ROOT, "build", "sluice"),
                    help="the sluice binary (default build/sluice)")
    ap.add_argument("--config", default=os.path.join(ROOT, "examples", "quickstart.cfg"))
    ap.add_argument("--certs", default=os.path.join(ROOT, "build", "demo"),
                    help="directory made by examples/demo/certs.sh")
    ap.add_argument("--backends-only", action="store_true",
                    help="run only the two demo backends")
    ap.add_argument("--quiet", action="store_true",
                    help="backends do not log requests, no banner")
    a = ap.parse_args()

    stopping = threading.Event()

    def on_term(signo, frame):
        if not stopping.is_set():  # once: never interrupt the cleanup
            stopping.set()
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    servers = start_backends(a.certs, a.quiet)
    proc = None
    rc = 0
    try:
        if a.backends_only:
            if not a.quiet:
                print("demo: backend A on 127.0.0.1:%d, backend B on 127.0.0.1:%d; Ctrl-C stops"
                      % (servers[0].server_address[1], servers[1].server_address[1]), flush=True)
            while True:
                time.sleep(3600)
        port = env_port("QS_PORT", 8443)
        # someone else answering there would pass for sluice below
        if port_open(port):
            print("demo: 127.0.0.1:%d is taken (set QS_PORT to another port)" % port,
                  file=sys.stderr)
            return 1
        # sluice shares the terminal: Ctrl-C reaches it as well as us
        proc = subprocess.Popen([a.sluice, "-db", "-f", a.config], stdin=subprocess.DEVNULL)
        if not wait_listening(proc, port, 10.0):
            if proc.poll() is None:
                print("demo: sluice is not listening on 127.0.0.1:%d after 10s" % port,
                      file=sys.stderr)
                rc = 1
            else:
                rc = proc.returncode or 1
                print("demo: sluice exited with status %s (port %d taken? set QS_PORT)"
                      % (proc.returncode, port), file=sys.stderr)
            return rc
        if not a.quiet:
            banner(port, servers, a.certs)
        rc = proc.wait()
        if not stopping.is_set():
            print("demo: sluice exited with status %d" % rc, file=sys.stderr)
    except KeyboardInterrupt:
        stopping.set()
        rc = 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for s in servers:
            s.shutdown()
            s.server_close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
