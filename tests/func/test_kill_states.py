#!/usr/bin/env python3
"""Termination states of a relayed mode tcp session ended from outside
(reference §4.6), as haproxy 2.6.12 logs them: a tunnel has no phase
letter.

- "shutdown session" and "shutdown sessions server": K-
- the server marked down with on-marked-down shutdown-sessions: D-"""

import os

import lib
import tls
import tls_term as tt


def lab(eb, extra=""):
    sock = os.path.join(lib.tmpdir(), "kill-%d.sock" % lib.free_port())
    pm = lib.free_port()
    p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d
    log-format "fe %%ts B=%%B U=%%U"
    default_backend be
backend be
    server s 127.0.0.1:%d%s
""" % (pm, eb, extra), 1, glob="    stats socket %s level admin" % sock)
    lib.ok(lib.wait_for(lambda: os.path.exists(sock), 5 * lib.SLOW), "stats socket")
    return pm, p, sock


def relayed(pm):
    """A client whose session relays (the echo backend answered)."""
    s = tls.connect(pm)
    f = s.makefile("rb")
    lib.eq(f.readline(), b"echo\n", "greeting")
    s.sendall(b"ping\n")
    lib.eq(f.readline(), b"ping\n", "echoed")
    return s


@lib.test
def shutdown_session_is_K_dash():
    with tls.plain_backend("echo") as eb:
        pm, p, sock = lab(eb.port)
        s = relayed(pm)
        ptr = [l for l in lib.cli(sock, "show sess").splitlines() if " fe=fe " in l][0]
        lib.cli(sock, "shutdown session %s" % ptr.split(":")[0])
        lib.eq(tls.recv_all(s), b"", "closed")
        s.close()
        lib.eq(tt.wait_lines(p, "fe "), ["fe K- B=10 U=5"], "log line")
        s = relayed(pm)
        lib.cli(sock, "shutdown sessions server be/s")
        lib.eq(tls.recv_all(s), b"", "closed")
        s.close()
        lib.eq(tt.wait_lines(p, "fe ", 2)[1:], ["fe K- B=10 U=5"], "log line")


@lib.test
def marked_down_is_D_dash():
    with tls.plain_backend("echo") as eb:
        pm, p, sock = lab(eb.port, " check inter 10s on-marked-down shutdown-sessions")
        s = relayed(pm)
        lib.cli(sock, "set server be/s health down")
        lib.eq(tls.recv_all(s), b"", "closed")
        s.close()
        lib.eq(tt.wait_lines(p, "fe "), ["fe D- B=10 U=5"], "log line")


lib.main()
