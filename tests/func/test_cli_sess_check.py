#!/usr/bin/env python3
"""Details of the stats socket's answers (reference §3.6, §3.3): the CLI's
own line in "show sess" (proto=tcpv4 src=<ip:port> on a TCP stats socket,
src=unix:<n> naming the n-th stats socket), which connections "show sess"
lists (those HAProxy has a stream for), and the "* " prefix of
check_status / agent_status while a check is running, and the
"set severity-output" prefix of every message HAProxy prefixes (also
those it writes without a trailing newline). Passes against
haproxy 2.6 (SLUICE_ORACLE=1)."""

import os
import re
import socket
import time

import lib
import tls_term as tt


def ask(sock, cmd):
    """One command on a connected socket; the answer up to the empty line."""
    sock.sendall(cmd.encode() + b"\n")
    out = b""
    while not out.endswith(b"\n\n"):
        d = sock.recv(65536)
        if not d:
            break
        out += d
    return out.decode()


@lib.test
def show_sess_names_the_cli_client():
    d = lib.tmpdir()
    first, second = os.path.join(d, "a.sock"), os.path.join(d, "b.sock")
    tcp = lib.free_port()
    cfg = lib.config("""\
global
    stats socket %s level admin
    stats socket %s level operator
    stats socket ipv4@127.0.0.1:%d level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 5s
    timeout server 5s
""" % (first, second, tcp), directory=d)
    p = lib.start(cfg, ready_ports=[tcp])
    lib.wait_unix(second)
    c = socket.create_connection(("127.0.0.1", tcp), timeout=5)
    me = c.getsockname()[1]
    out = ask(c, "show sess")
    c.close()
    own = re.compile(r"^0x[0-9a-f]+: proto=tcpv4 src=127\.0\.0\.1:%d fe=GLOBAL be=<NONE> "
                     r"srv=<none> ts=[0-9a-f]+ " % me, re.M)
    lib.ok(own.search(out), "TCP CLI line:\n" + out)
    lib.lacks(out, "unix_stream", "show sess on TCP")
    for path, n in ((first, 1), (second, 2)):
        out = lib.cli(path, "show sess")
        lib.ok(re.search(r"^0x[0-9a-f]+: proto=unix_stream src=unix:%d fe=GLOBAL be=<NONE> "
                         r"srv=<none> ts=[0-9a-f]+ " % n, out, re.M),
               "line on stats socket %d:\n%s" % (n, out))
    lib.stop(p)


def fronts(path):
    """The frontends of the sessions "show sess" lists, the CLI's aside."""
    out = lib.cli(path, "show sess")
    return sorted(m.group(1) for m in re.finditer(r" fe=(\S+) ", out) if m.group(1) != "GLOBAL")


@lib.test
def show_sess_lists_connections_with_a_stream():
    """HAProxy lists a connection once it has a stream: not while a PROXY
    header or a TLS handshake is awaited, and in mode http only from a
    whole request head to its answer (not a partial head, not between
    keep-alive requests)."""
    d = lib.tmpdir()
    sock = os.path.join(d, "admin.sock")
    crt = tt.copy_pem(tt.pki().leaf("sess.example.test"), os.path.join(d, "sess.pem"))
    tsrv, hsrv = socket.socket(), socket.socket()   # mode tcp, mode http servers
    for srv in (tsrv, hsrv):
        srv.bind((lib.LOOPBACK, 0))
        srv.listen(16)
    ports = dict(zip(("tls", "pp", "insp", "web", "webtls"), lib.free_ports(5)))
    cfg = lib.config("""\
global
    stats socket %s level admin
defaults
    timeout connect 2s
    timeout client 20s
    timeout server 20s
frontend tls
    mode tcp
    bind 127.0.0.1:%d ssl crt %s
    default_backend be
frontend pp
    mode tcp
    bind 127.0.0.1:%d accept-proxy
    default_backend be
frontend insp
    mode tcp
    bind 127.0.0.1:%d
    tcp-request inspect-delay 20s
    tcp-request content accept if { req.len gt 10 }
    default_backend be
frontend web
    mode http
    bind 127.0.0.1:%d
    default_backend hbe
frontend webtls
    mode http
    bind 127.0.0.1:%d ssl crt %s
    default_backend hbe
backend be
    mode tcp
    server s1 127.0.0.1:%d
backend hbe
    mode http
    server s1 127.0.0.1:%d
""" % (sock, ports["tls"], crt, ports["pp"], ports["insp"], ports["web"], ports["webtls"], crt,
       tsrv.getsockname()[1], hsrv.getsockname()[1]), directory=d)
    # a probe of insp would stay, sent to the server once it closed
    # (start() waits for it to listen without connecting)
    p = lib.start(cfg, ready_ports=[ports[n] for n in ports if n != "insp"])
    lib.wait_unix(sock)
    keep = [tsrv, hsrv]

    def connect(name, data=b""):
        c = socket.create_connection((lib.LOOPBACK, ports[name]), timeout=10)
        if data:
            c.sendall(data)
        keep.append(c)
        return c

    def expect(want, what):
        lib.ok(lib.wait_for(lambda: fronts(sock) == sorted(want)),
               "%s: listed %s, want %s" % (what, fronts(sock), sorted(want)))

    try:
        # (the readiness probes' sessions end at once)
        expect([], "after the readiness probes")
        connect("tls")
        connect("pp")
        connect("insp", b"abc")
        web = connect("web", b"GET / HT")
        ctx = tt.context(verify=False)
        keep.append(ctx.wrap_socket(connect("webtls"), server_hostname="sess.example.test"))
        # content being inspected has a stream; a handshake, a PROXY
        # header and a request head awaited have none
        expect(["insp"], "awaiting a hello, a header, data, request heads")
        keep.append(ctx.wrap_socket(connect("tls"), server_hostname="sess.example.test"))
        connect("pp", b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n")
        expect(["insp", "pp", "tls"], "a handshake and a header done")
        web.sendall(b"TP/1.1\r\nHost: x\r\n\r\n")
        expect(["insp", "pp", "tls", "web"], "a whole head at a silent server")
        hsrv.settimeout(10)
        sc, _ = hsrv.accept()
        keep.append(sc)
        sc.settimeout(10)
        req = b""
        while b"\r\n\r\n" not in req:
            chunk = sc.recv(4096)
            lib.ok(chunk, "the request reaches the server")
            req += chunk
        sc.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        web.settimeout(10)
        resp = b""
        while not resp.endswith(b"ok"):
            chunk = web.recv(4096)
            lib.ok(chunk, "the answer reaches the client")
            resp += chunk
        lib.ok(resp.startswith(b"HTTP/1.1 200"), "answered: %r" % resp[:40])
        expect(["insp", "pp", "tls"], "keep-alive between requests")
    finally:
        for c in keep:
            c.close()
        lib.stop(p)


@lib.test
def check_status_marks_a_running_check():
    # a server that never answers: each check runs for "timeout check"
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(128)
    port = mute.getsockname()[1]
    d = lib.tmpdir()
    path = os.path.join(d, "a.sock")
    cfg = lib.config("""\
global
    stats socket %s level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout check 600ms
backend be
    option httpchk
    server s1 127.0.0.1:%d check inter 600ms agent-check agent-port %d agent-inter 600ms
""" % (path, port, port), directory=d)
    p = lib.start(cfg)
    lib.wait_unix(path)
    seen_chk, seen_agt = set(), set()
    deadline = time.time() + 15
    while time.time() < deadline:
        for line in lib.cli(path, "show stat").splitlines():
            f = line.split(",")
            if len(f) > 62 and f[0] == "be" and f[1] == "s1":
                seen_chk.add(f[36])
                seen_agt.add(f[62])
                lib.eq(f[65], "Layer7 timeout" if "L7TOUT" in f[36] else f[65],
                       "check_desc has no prefix")
        if {"* L7TOUT", "L7TOUT"} <= seen_chk and any(s.startswith("* ") for s in seen_agt):
            break
        time.sleep(0.05)
    lib.ok({"* L7TOUT", "L7TOUT"} <= seen_chk, "check_status values seen: %s" % sorted(seen_chk))
    lib.ok(any(s.startswith("* ") for s in seen_agt) and any(s and not s.startswith("* ") for s in seen_agt),
           "agent_status values seen: %s" % sorted(seen_agt))
    lib.stop(p)
    mute.close()


@lib.test
def severity_prefixes():
    d = lib.tmpdir()
    path = os.path.join(d, "a.sock")
    fe = lib.free_port()
    cfg = lib.config("""\
global
    stats socket %s level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 5s
    timeout server 5s
backend be
    server s1 127.0.0.1:9 check inter 60s
    server s2 127.0.0.1:9
frontend fe
    bind 127.0.0.1:%d
    default_backend be
""" % (path, fe), directory=d)
    p = lib.start(cfg, ready_ports=[fe])
    lib.wait_unix(path)
    want = [
        ("set server be/s1 weight abc", "[3]: Empty weight string empty or preceded by garbage\n"),
        ("set server be/s1 weight 300",
         "[3]: Absolute weight can only be between 0 and 256 inclusive.\n\n"),
        ("set weight be/s1 abc", "[3]: Empty weight string empty or preceded by garbage\n"),
        ("set server be/s2 check-port 80", "[4]: health checks are not enabled on this server\n"),
        ("set server be/s2 agent-port 80", "[4]: agent checks are not enabled on this server\n"),
        ("set server be/s1 check-port abc", "[4]: provided port is not an integer\n"),
        ("set server be/s1 check-port 70000", "[4]: provided port is invalid\n"),
        ("set server be/s1 check-addr bogus", "[4]: invalid addr 'bogus'\n"),
        ("set maxconn server be/s1 abc", "[3]: maxconn string empty or preceded by garbage\n"),
        ("set maxconn server be/s1 10x", "[3]: Trailing garbage in maxconn string\n"),
        ("show sess 0x1", "Session not found.\n\n"),
        ("disable frontend fe", "\n"),
        ("disable frontend fe", "[5]: All sockets are already disabled.\n\n"),
        ("enable frontend fe", "\n"),
        ("enable frontend fe", "[5]: All sockets are already enabled.\n\n"),
        ("shutdown frontend fe", "\n"),
        ("shutdown frontend fe", "[5]: Frontend was already shut down.\n\n"),
        ("disable frontend fe", "[5]: Frontend was previously shut down, cannot disable.\n\n"),
    ]
    for cmd, answer in want:
        lib.eq(lib.cli(path, "set severity-output number; " + cmd), "\n" + answer, cmd)
    lib.eq(lib.cli(path, "set severity-output string; set server be/s1 check-port abc"),
           "\n[warning]: provided port is not an integer\n", "string form")
    for cmd, first in (("help bogus", "[6]: The following commands are valid at this level:\n"),
                       ("foo", "[6]: Unknown command, but maybe one of the following ones is "
                               "a better match:\n")):
        out = lib.cli(path, "set severity-output number; " + cmd)
        lib.ok(out.startswith("\n" + first), "%s: %r" % (cmd, out[:120]))
    lib.stop(p)


lib.main()
