#!/usr/bin/env python3
"""Beyond HAProxy: what sluice promises on the stats socket where HAProxy
2.6 stalls (observed): an over-long line is answered or closed at once
(HAProxy sometimes leaves the client waiting), and a client that sends
half a line and then nothing is closed after "stats timeout" (HAProxy
keeps it, so ten of them, "stats maxconn", lock everyone out)."""
import os
import socket
import threading
import time

import lib

BEYOND_HAPROXY = True

CFG = """global
    stats socket %(dir)s/admin.sock level admin
    stats timeout 1s
defaults
    mode tcp
    timeout client 10s
    timeout server 10s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d
"""


def start():
    d = lib.tmpdir()
    port, srv = lib.free_ports(2)
    p = lib.start(lib.config(CFG % {"dir": d, "port": port, "srv": srv}), ready_ports=[port])
    sock = os.path.join(d, "admin.sock")
    lib.ok(lib.wait_unix(sock), "stats socket")
    return p, sock


connect = lib.unix_connect


read_all = lib.read_until_close


def alive(p, sock):
    lib.ok(p.poll() is None, "process alive\n" + lib.logs(p))
    s = connect(sock)
    s.sendall(b"show info\n")
    out = read_all(s)
    s.close()
    lib.ok(out.startswith(b"Name: "), "show info answers: %r" % out[:100])


@lib.test
def long_line_answered_or_closed_at_once():
    p, sock = start()
    s = connect(sock, timeout=5)

    def send():
        try:
            s.sendall(b"A" * (1 << 20) + b"\n")
        except OSError:
            pass
    t = threading.Thread(target=send, daemon=True)
    t.start()
    t0 = time.monotonic()
    try:
        out = read_all(s)
    except socket.timeout:
        lib.fail("a 1 MB line: no answer nor close after 5s")
    lib.ok(time.monotonic() - t0 < 5, "closed at once")
    lib.ok(not out.startswith(b"Name:"), "no command ran: %r" % out[:80])
    s.close()
    t.join(5)
    alive(p, sock)
    lib.stop(p)


@lib.test
def half_line_then_silence_is_closed():
    p, sock = start()
    s = connect(sock, timeout=10)
    s.sendall(b"show")
    t0 = time.monotonic()
    out = read_all(s)
    took = time.monotonic() - t0
    s.close()
    lib.eq(out, b"", "nothing answered")
    lib.ok(0.5 <= took <= 5.0, "closed after %.2fs (stats timeout 1s)" % took)
    alive(p, sock)
    lib.stop(p)


@lib.test
def half_lines_do_not_lock_the_cli_out():
    p, sock = start()
    held = []
    for _ in range(20):   # more than stats maxconn (10)
        s = connect(sock)
        s.sendall(b"show in")
        held.append(s)
    # once the stats timeout has closed them, the CLI answers again
    def answers():
        try:
            s = connect(sock, timeout=1)
            s.sendall(b"show info\n")
            out = read_all(s)
            s.close()
            return out.startswith(b"Name: ")
        except OSError:
            return False
    lib.ok(lib.wait_for(answers, timeout=8), "the CLI answers despite 20 half-written commands")
    for s in held:
        s.close()
    alive(p, sock)
    lib.stop(p)


lib.main()
