#!/usr/bin/env python3
"""Logs of passthrough sessions: 'log stdout format raw' lines in the
option tcplog layout (reference §4.2) checked field by field against what
the client and server saw, termination states of refused/rejected
sessions (§4.6), a log-format with address and byte variables (§4.4),
option dontlognull, and UDP syslog framing (§4.1). Every scenario runs
with nbthread 1 and 4."""

import contextlib
import re
import socket
import time

import lib
import tls

INSPECT = """\
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
"""
HOLD = 0.2  # the client keeps its session this long, so Tt has a floor (s)


def accept_time(t):
    """Epoch seconds of a '%t' accept date (local time)."""
    st = time.strptime(t[:-4], "%d/%b/%Y:%H:%M:%S")
    return time.mktime(st) + int(t[-3:]) / 1000.0


@lib.test
@tls.threads
def tcplog_fields_of_a_passthrough_session(n):
    with tls.tls_backend("a.demo.test") as a:
        port = lib.free_port()
        p = tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n%s"
                      "    use_backend be_a if { req.ssl_sni a.demo.test }\n"
                      "backend be_a\n    server tls1 127.0.0.1:%d\n" % (port, INSPECT, a.port),
                      n, glob=tls.LOG_GLOBAL, defaults=tls.LOG_DEFAULTS)
        wall0, t0 = time.time(), time.monotonic()
        c = tls.Client(port, "a.demo.test")
        cport = c.local_port
        lib.eq(c.handshake(), "a.demo.test", "CN")
        lib.eq(c.readline(), "a.demo.test", "banner")
        lib.eq(c.echo(b"z" * 5000), b"z" * 5000, "echo")
        time.sleep(HOLD)  # a known floor for Tt, not a wait for readiness
        c.close()
        elapsed = (time.monotonic() - t0) * 1000
        log = tls.tcplog(p)[0]
        lib.eq((log["ci"], log["cp"]), ("127.0.0.1", str(cport)), "client ip:port")
        lib.ok(abs(accept_time(log["t"]) - wall0) < 2, "accept date %s" % log["t"])
        lib.eq((log["ft"], log["b"], log["s"]), ("fe", "be_a", "tls1"), "frontend, backend/server")
        tw, tc, tt = int(log["Tw"]), int(log["Tc"]), int(log["Tt"])
        lib.ok(0 <= tw < 1000 and 0 <= tc < 1000, "Tw/Tc %d/%d" % (tw, tc))
        lib.ok(HOLD * 1000 <= tt <= elapsed + 50, "Tt %d, session lasted %.0f ms" % (tt, elapsed))
        lib.eq(log["B"], str(c.bytes_in), "bytes server->client (all TLS bytes)")
        lib.eq(log["ts"], "--", "termination state")
        lib.eq("/".join(log[k] for k in ("ac", "fc", "bc", "sc", "rc")), "1/1/0/0/0", "counters")
        lib.eq((log["sq"], log["bq"]), ("0", "0"), "queues")


@lib.test
@tls.threads
def log_format_addresses_and_byte_counts(n):
    with tls.tls_backend("a.demo.test") as a:
        port = lib.free_port()
        p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    log-format "%%ci:%%cp %%ft %%b/%%s %%fi:%%fp %%bi:%%bp %%si:%%sp %%U %%B %%ts %%[src]"
%s    default_backend be_a
backend be_a
    server s1 127.0.0.1:%d
""" % (port, INSPECT, a.port), n, glob=tls.LOG_GLOBAL, defaults="    log global")
        c = tls.Client(port, "a.demo.test")
        cport = c.local_port
        c.handshake()
        c.readline()
        c.close()
        line = tls.wait_log(p, lambda l: " fe " in l)[0]
        bport = a.peers[0][1]
        want = "127.0.0.1:%d fe be_a/s1 127.0.0.1:%d 127.0.0.1:%d 127.0.0.1:%d %d %d -- 127.0.0.1" % (
            cport, port, bport, a.port, c.bytes_out, c.bytes_in)
        lib.eq(line, want, "log line")


@lib.test
@tls.threads
def tcplog_states_of_sessions_that_reach_no_server(n):
    with tls.plain_backend("b") as be, tls.refused_port() as dead:
        port = lib.free_port()
        p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 2s
    tcp-request content reject if { req.payload(0,3) -m str BAD }
    use_backend be_dead if { req.payload(0,4) -m str DEAD }
    use_backend be_dis if { req.payload(0,3) -m str DIS }
    default_backend be
backend be_dead
    retries 0
    server s1 127.0.0.1:%d
backend be_dis
    server s1 127.0.0.1:%d disabled
backend be
    server s1 127.0.0.1:%d
""" % (port, dead, be.port, be.port), n, glob=tls.LOG_GLOBAL, defaults=tls.LOG_DEFAULTS)
        want = {}
        for data, expect in ((b"BAD!", ("fe", "<NOSRV>", "-1", "-1", "0", "PR")),
                             (b"DEAD", ("be_dead", "s1", None, "-1", "0", "SC")),
                             (b"DIS!", ("be_dis", "<NOSRV>", "-1", "-1", "0", "SC"))):
            with tls.connect(port) as s:
                s.sendall(data)
                tls.time_to_eof(s, 5)
                want[str(s.getsockname()[1])] = expect
        logs = tls.tcplog(p, n=3)
        for log in logs:
            exp = want[log["cp"]]
            got = (log["b"], log["s"], exp[2] and log["Tw"], log["Tc"], log["B"], log["ts"])
            lib.eq(got, exp, "backend, server, Tw, Tc, bytes, state for %s" % log["line"])
        lib.eq(be.conns, 0, "connections on the default backend")


@lib.test
@tls.threads
def dontlognull_skips_sessions_without_data(n):
    with tls.plain_backend("b", banner=False) as be:
        port = lib.free_port()
        p = tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n    option dontlognull\n"
                      "    default_backend be\nbackend be\n    server s1 127.0.0.1:%d\n"
                      % (port, be.port), n, glob=tls.LOG_GLOBAL, defaults=tls.LOG_DEFAULTS)
        with tls.connect(port) as s:
            s.shutdown(socket.SHUT_WR)
            tls.time_to_eof(s, 5)
            null_port = s.getsockname()[1]
        with tls.connect(port) as s:
            s.sendall(b"hello")
            s.shutdown(socket.SHUT_WR)
            lib.eq(s.recv(100), b"hello", "echo")
            tls.time_to_eof(s, 5)
            data_port = s.getsockname()[1]
        log = tls.tcplog(p)[0]
        lib.eq((log["cp"], log["B"], log["ts"]), (str(data_port), "5", "--"), "the data session")
        lines = [l for l in tls.stdout_lines(p) if " fe " in l]
        lib.eq(len(lines), 1, "lines logged (null session on port %d)" % null_port)


@contextlib.contextmanager
def udp_sink():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((lib.LOOPBACK, 0))
    s.settimeout(5)
    try:
        yield s
    finally:
        s.close()


@lib.test
@tls.threads
def udp_syslog_local_and_rfc5424_framing(n):
    with tls.plain_backend("b") as be, udp_sink() as u1, udp_sink() as u2:
        port = lib.free_port()
        p = tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n    default_backend be\n"
                      "backend be\n    server s1 127.0.0.1:%d\n" % (port, be.port), n,
                      glob="    log-tag sltest\n    log 127.0.0.1:%d local0\n"
                           "    log 127.0.0.1:%d format rfc5424 local1"
                      % (u1.getsockname()[1], u2.getsockname()[1]),
                      defaults=tls.LOG_DEFAULTS)
        with tls.connect(port) as s:
            lib.eq(tls.readline(s), "b", "banner")
            cport = s.getsockname()[1]
        local = u1.recv(65536).decode()
        rfc = u2.recv(65536).decode()
        msg = r"127\.0\.0\.1:%d \[[^]]+\] fe be/s1 \S+ \d+ \S\S [\d/]+ \d+/\d+" % cport
        lib.ok(re.match(r"^<134>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d sltest\[%d\]: %s\n?$"
                        % (p.pid, msg), local), "local format: %r" % local)
        lib.ok(re.match(r"^<142>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d - sltest %d - - %s\n?$"
                        % (p.pid, msg), rfc), "rfc5424 format: %r" % rfc)


lib.main()
