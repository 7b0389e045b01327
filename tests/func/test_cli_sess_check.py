#!/usr/bin/env python3
"""Details of the stats socket's answers (reference §3.6, §3.3): the CLI's
own line in "show sess" (proto=tcpv4 src=<ip:port> on a TCP stats socket,
src=unix:<n> naming the n-th stats socket), and the "* " prefix of
check_status / agent_status while a check is running, and the
"set severity-output" prefix of every message HAProxy prefixes (also
those it writes without a trailing newline). Passes against
haproxy 2.6 (SLUICE_ORACLE=1)."""

import os
import re
import socket
import time

import lib


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
