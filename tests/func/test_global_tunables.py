#!/usr/bin/env python3
"""Global and server keywords that change sockets (issue "no keyword
accepted and silently ignored"): unix-bind (prefix, mode, owner of a
proxy's UNIX binds), strict-limits and "no strict-limits" when the fd limit
cannot be raised, pp2-never-send-local (the PROXY v2 header of health
checks), the server "source" address, tune.rcvbuf.server,
tune.http.logurilen, grace, h1-accept-payload-with-any-method, and the
proxy keyword log-format-sd. Each behaviour was
observed with haproxy 2.6.12 and passes with it (SLUICE_ORACLE=1)."""

import os
import signal
import socket
import subprocess
import time

import lib
import tls


def echo_through(sock):
    sock.settimeout(10)
    lib.eq(tls.readline(sock), "echo", "banner through the listener")
    sock.sendall(b"ping\n")
    lib.eq(tls.readline(sock), "ping", "echo through the listener")


@lib.test
def unix_bind_prefix_and_mode():
    with tls.plain_backend("echo") as be:
        d = lib.tmpdir()
        # the prefix is prepended as a string; the stats socket is left alone
        tls.proxy("""\
frontend fe
    bind unix@fe.sock
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % be.port, 1, glob="    unix-bind prefix %s/ mode 600\n" % d)
        path = os.path.join(d, "fe.sock")
        lib.ok(lib.wait_unix(path), "unix socket %s appears under the prefix" % path)
        lib.eq(os.stat(path).st_mode & 0o777, 0o600, "socket mode from unix-bind")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        with s:
            echo_through(s)


@lib.test
def unix_bind_mode_overridden_by_bind():
    with tls.plain_backend("echo") as be:
        d = lib.tmpdir()
        path = os.path.join(d, "fe.sock")
        tls.proxy("""\
frontend fe
    bind %s mode 644
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (path, be.port), 1, glob="    unix-bind mode 600\n")
        lib.ok(lib.wait_unix(path), "unix socket %s appears" % path)
        lib.eq(os.stat(path).st_mode & 0o777, 0o644, "the bind's own mode wins")


def fd_limit_is_hard():
    """True when a process under 'prlimit --nofile=200:200' cannot raise
    its limit (no CAP_SYS_RESOURCE): the case strict-limits is about."""
    if not lib.tool("prlimit"):
        return False
    r = subprocess.run(["prlimit", "--nofile=200:200", "python3", "-c",
                        "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode != 0


DEFAULTS = """\
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""
LIMITS_BODY = """\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
"""


@lib.test
def strict_limits_default_is_fatal():
    if not fd_limit_is_hard():
        lib.skip("the fd limit can be raised here (or no prlimit)")
    port = lib.free_port()
    cfg = lib.config("global\n    maxconn 5000\n" + DEFAULTS +
                     LIMITS_BODY % (port, lib.free_port()))
    r = subprocess.run(["prlimit", "--nofile=200:200", lib.BIN, "-db", "-f", cfg],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    err = r.stderr.decode("utf-8", "replace")
    lib.eq(r.returncode, 1, "exit status with the default strict-limits\n" + err)
    lib.contains(err, "Cannot raise FD limit to", "stderr")


@lib.test
def no_strict_limits_warns_and_runs():
    if not fd_limit_is_hard():
        lib.skip("the fd limit can be raised here (or no prlimit)")
    with tls.plain_backend("echo") as be:
        port = lib.free_port()
        cfg = lib.config("global\n    maxconn 5000\n    no strict-limits\n" + DEFAULTS +
                         LIMITS_BODY % (port, be.port))
        p = lib.start(cfg, prefix=("prlimit", "--nofile=200:200"), ready_ports=[port])
        with tls.connect(port) as s:
            echo_through(s)
        lib.contains(lib.logs(p), "Cannot raise FD limit to", "stderr")


def pp_check_header(glob):
    with tls.plain_backend("echo", proxy_header=True) as be:
        tls.proxy("""\
backend be
    server s1 127.0.0.1:%d send-proxy-v2 check inter 200
""" % be.port, 1, glob=glob)
        lib.ok(lib.wait_for(lambda: len(be.proxy) >= 1, 10), "a health check reached the server")
        return be.proxy[0], be.port


@lib.test
def health_check_proxy_v2_is_local_by_default():
    h, _ = pp_check_header("")
    lib.eq(h["version"], 2, "PROXY version")
    lib.eq(h["command"], 0, "LOCAL command")


@lib.test
def pp2_never_send_local():
    h, port = pp_check_header("    pp2-never-send-local\n")
    lib.eq(h["version"], 2, "PROXY version")
    lib.eq(h["command"], 1, "PROXY command instead of LOCAL")
    lib.eq(h["family"], 0x11, "TCP over IPv4")
    lib.eq(h["dst"], "127.0.0.1", "destination: the server")
    lib.eq(h["dport"], port, "destination port: the server's")
    lib.eq(h["src"], "127.0.0.1", "source: the check connection's own address")
    lib.eq(h["tlvs"], [], "no TLV")


@lib.test
def server_source_address():
    with tls.plain_backend("echo") as be:
        port = lib.free_port()
        tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d source 127.0.0.2
""" % (port, be.port), 1)
        with tls.connect(port) as s:
            echo_through(s)
        lib.eq(be.peers[-1][0], "127.0.0.2", "the server sees the source address")


def skmem(peer_port):
    """rb (receive buffer) of the established TCP sockets to peer_port."""
    r = subprocess.run(["ss", "-tnmH", "state", "established", "dport = :%d" % peer_port],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = r.stdout.decode()
    return [int(x.split("rb")[1].split(",")[0]) for x in out.split("skmem:(")[1:]]


@lib.test
def tune_rcvbuf_server():
    if not lib.tool("ss"):
        lib.skip("no ss")
    with tls.plain_backend("echo") as be:
        port = lib.free_port()
        tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, be.port), 1, glob="    tune.rcvbuf.server 32768\n")
        with tls.connect(port) as s:
            echo_through(s)
            # Linux doubles SO_RCVBUF for its bookkeeping
            lib.ok(65536 in skmem(peer_port=be.port),
                   "a connection to the server has rb65536: %s" % skmem(peer_port=be.port))


def logged_request_line(glob, uri):
    port = lib.free_port()
    p = tls.proxy("""\
frontend fe
    mode http
    log stdout len 8192 format raw local0
    log-format "r=%%r"
    bind 127.0.0.1:%d
    http-request return status 200
""" % port, 1, glob=glob)
    lib.http_get(port, uri)
    return tls.wait_log(p, lambda l: l.startswith("r="))[0][2:]


@lib.test
def tune_http_logurilen():
    uri = "/" + "a" * 1100
    lib.eq(logged_request_line("    tune.http.logurilen 10\n", uri), "GET /aaaaa",
           "request line cut to tune.http.logurilen bytes")
    got = logged_request_line("", uri)
    lib.ok(got == ("GET " + uri)[:1023],
           "request line cut to 1023 bytes by default (got %d bytes)" % len(got))
    got = logged_request_line("    tune.http.logurilen 2000\n", uri)
    lib.ok(got == "GET " + uri + " HTTP/1.1",
           "a longer limit keeps the whole line (got %d bytes)" % len(got))


def raw_status(port, req):
    with tls.connect(port) as s:
        s.sendall(req)
        return tls.readline(s).rstrip("\r")


@lib.test
def h1_payload_with_get_in_http_1_0():
    body = """\
frontend fe
    mode http
    bind 127.0.0.1:%d
    http-request return status 200
"""
    port = lib.free_port()
    tls.proxy(body % port, 1)
    get10 = b"GET / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"
    lib.eq(raw_status(port, get10), "HTTP/1.1 413 Payload Too Large", "HTTP/1.0 GET with a body")
    lib.eq(raw_status(port, b"HEAD / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
           "HTTP/1.1 413 Payload Too Large", "HTTP/1.0 HEAD with a chunked body")
    lib.eq(raw_status(port, b"POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"),
           "HTTP/1.1 200 OK", "HTTP/1.0 POST with a body")
    lib.eq(raw_status(port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
           "HTTP/1.1 200 OK", "HTTP/1.1 GET with a body")
    port = lib.free_port()
    tls.proxy(body % port, 1, glob="    h1-accept-payload-with-any-method\n")
    lib.eq(raw_status(port, get10), "HTTP/1.1 200 OK", "accepted with h1-accept-payload-with-any-method")


@lib.test
def log_format_sd_in_rfc5424_logs():
    with tls.plain_backend("echo") as be:
        port = lib.free_port()
        p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    log stdout format rfc5424 local0
    log-format "msg %%ci"
    log-format-sd "[ex@1234 src=\\"%%ci\\"]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, be.port), 1)
        with tls.connect(port) as s:
            echo_through(s)
        line = tls.wait_log(p, lambda l: l.endswith(" msg 127.0.0.1"))[0]
        lib.contains(line, ' - [ex@1234 src="127.0.0.1"] msg 127.0.0.1', "structured data of the log line")


@lib.test
def grace_keeps_listening_after_soft_stop():
    with tls.plain_backend("echo") as be:
        port = lib.free_port()
        p = tls.proxy(LIMITS_BODY % (port, be.port), 1, glob="    grace 1500ms\n")
        t0 = time.monotonic()
        p.send_signal(signal.SIGUSR1)
        # well inside the grace delay, a new connection is still served
        time.sleep(0.3)  # not a readiness wait: the point is to be after the signal
        with tls.connect(port) as s:
            echo_through(s)
        p.wait(timeout=10)
        lib.ok(time.monotonic() - t0 >= 1.4, "the process stopped after the grace delay")


@lib.test
def no_grace_stops_listening_at_once():
    with tls.plain_backend("echo") as be:
        port = lib.free_port()
        p = tls.proxy(LIMITS_BODY % (port, be.port), 1)
        p.send_signal(signal.SIGUSR1)
        lib.ok(lib.wait_for(lambda: not lib.port_open(port), 3), "listener closed on soft stop")
        p.wait(timeout=10)


lib.main()
