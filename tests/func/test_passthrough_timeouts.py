#!/usr/bin/env python3
"""Timeouts of a TCP session with HAProxy's meaning, measured coarsely
(>= the timeout, < the timeout + 1.5 s) against idle peers, each checked
with the termination state of its tcplog line (reference §4.6):
connect (a backend whose accept queue is full: SYNs are dropped), server,
client, tunnel (supersedes client/server once connected), client-fin (the
server has finished, the client keeps its side open), server-fin (the
client has finished, the server keeps its side open), queue. Every scenario
runs with nbthread 1 and 4."""

import socket
import time

import lib
import tls

T = 0.5      # the timeout under test, seconds
SLACK = 1.5  # upper bound past it


def setup(n, server_port, timeouts, server_opts=""):
    port = lib.free_port()
    p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
%s
    default_backend be
backend be
    retries 0
%s
    server s1 127.0.0.1:%d %s
""" % (port, timeouts, timeouts, server_port, server_opts), n,
        glob=tls.LOG_GLOBAL, defaults=tls.LOG_DEFAULTS)
    return p, port


def within(dt, lo, what):
    # a timer armed from the event loop's cached clock may start up to one
    # loop iteration before the event the client times from: tens of ms
    # on a loaded machine (observed 0.97 s for 1 s, sluice and haproxy)
    lib.ok(lo - 0.1 <= dt < lo + SLACK, "%s after %.2fs, want %.1fs" % (what, dt, lo))


def closed_after(port, lo, before=None, what="connection closed"):
    """Connects, runs before(sock), returns once the proxy closes the
    connection, checking when."""
    with tls.connect(port) as s:
        if before:
            before(s)
        within(tls.time_to_eof(s, lo + SLACK + 1), lo, what)


@lib.test
@tls.threads
def timeout_connect(n):
    with tls.blackhole() as hole:
        p, port = setup(n, hole, "    timeout connect %dms" % (T * 1000))
        closed_after(port, T, lambda s: s.sendall(b"hello"))
        log = tls.tcplog(p)[0]
        lib.eq((log["s"], log["Tc"], log["ts"]), ("s1", "-1", "sC"), "server, Tc, state")


@lib.test
@tls.threads
def timeout_server(n):
    with tls.plain_backend("idle", mode="idle") as be:
        p, port = setup(n, be.port, "    timeout server %dms" % (T * 1000))
        closed_after(port, T, lambda s: s.sendall(b"hello"))
        lib.eq(tls.tcplog(p)[0]["ts"], "sD", "termination state")


@lib.test
@tls.threads
def timeout_client(n):
    with tls.plain_backend("idle", mode="idle") as be:
        p, port = setup(n, be.port, "    timeout client %dms" % (T * 1000))
        closed_after(port, T, lambda s: s.sendall(b"hello"))
        lib.eq(tls.tcplog(p)[0]["ts"], "cD", "termination state")


@lib.test
@tls.threads
def timeout_tunnel_supersedes_client_and_server(n):
    tunnel = 3 * T
    with tls.plain_backend("idle", mode="idle") as be:
        p, port = setup(n, be.port, "    timeout client %dms\n    timeout server %dms\n"
                        "    timeout tunnel %dms" % (T * 1000, T * 1000, tunnel * 1000))
        closed_after(port, tunnel, lambda s: s.sendall(b"hello"))
        lib.eq(tls.tcplog(p)[0]["ts"], "cD", "termination state")


@lib.test
@tls.threads
def timeout_tunnel_reset_by_traffic(n):
    """Traffic in either direction rearms the tunnel timeout."""
    tunnel = 3 * T
    with tls.plain_backend("echo") as be:
        p, port = setup(n, be.port, "    timeout tunnel %dms" % (tunnel * 1000))
        with tls.connect(port) as s:
            lib.eq(tls.readline(s), "echo", "banner")
            t0 = time.monotonic()
            while True:
                s.sendall(b"x\n")
                lib.eq(tls.readline(s), "x", "echo")
                last = time.monotonic()
                if last - t0 > 2 * tunnel:
                    break
                time.sleep(T / 2)  # pacing the traffic, below the timeout
            tls.time_to_eof(s, tunnel + SLACK + 1)
            within(time.monotonic() - last, tunnel, "idle tunnel closed")


@lib.test
@tls.threads
def staggered_tunnels_each_time_out_on_their_own(n):
    """Many idle tunnels opened at different moments, some with traffic
    later on: each closes one timeout after its own last activity, not
    with another's (the deadlines of all tunnels are kept together)."""
    import threading
    tunnel = 2 * T
    with tls.plain_backend("echo") as be:
        p, port = setup(n, be.port, "    timeout tunnel %dms" % (tunnel * 1000))
        idle = []

        def one(i):
            time.sleep(i * 0.07)
            with tls.connect(port) as s:
                tls.readline(s)  # banner
                last = time.monotonic()
                if i % 3 == 0:
                    time.sleep(tunnel / 2)
                    s.sendall(b"x\n")
                    tls.readline(s)
                    last = time.monotonic()
                tls.time_to_eof(s, tunnel + SLACK + 1)
                idle.append(time.monotonic() - last)

        ts = [threading.Thread(target=one, args=(i,)) for i in range(12)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
        lib.eq(len(idle), 12, "tunnels closed")
        for dt in idle:
            lib.ok(tunnel - 0.02 <= dt < tunnel + 0.5,
                   "idle tunnel closed after %.2fs, want %.1fs" % (dt, tunnel))


@lib.test
@tls.threads
def timeout_client_fin(n):
    """The server sends a line and its FIN; the client, which has seen
    the EOF, keeps its own side open: closed after client-fin."""
    with tls.plain_backend("srv", mode="finfirst") as be:
        p, port = setup(n, be.port, "    timeout client-fin %dms" % (T * 1000))
        with tls.connect(port) as s:
            t0 = time.monotonic()
            lib.eq(tls.readline(s), "srv", "line before the server's FIN")
            lib.eq(s.recv(10), b"", "EOF after the server's FIN")
            log = tls.tcplog(p, timeout=T + SLACK + 1)[0]
            within(time.monotonic() - t0, T, "session logged")
            lib.eq(log["ts"], "cD", "termination state")
            lib.ok(T * 1000 - 20 <= int(log["Tt"]) < (T + SLACK) * 1000, "Tt %s" % log["Tt"])


@lib.test
@tls.threads
def timeout_server_fin(n):
    """The client shuts its write side; the server, which has seen the
    EOF, keeps its side open without answering: closed after server-fin."""
    with tls.plain_backend("srv", mode="hold") as be:
        p, port = setup(n, be.port, "    timeout server-fin %dms" % (T * 1000))

        def shut_once_connected(s):
            # a client that leaves before the server connection is up has
            # nothing to wait for (haproxy closes at once then)
            lib.ok(lib.wait_for(lambda: be.conns >= 1, 5), "server connection")
            s.shutdown(socket.SHUT_WR)
        closed_after(port, T, shut_once_connected)
        lib.eq(tls.tcplog(p)[0]["ts"], "sD", "termination state")


@lib.test
@tls.threads
def timeout_queue(n):
    """Server maxconn 1 is taken: the next session waits in the queue and
    is dropped after timeout queue."""
    with tls.plain_backend("echo") as be:
        p, port = setup(n, be.port, "    timeout queue %dms" % (T * 1000), "maxconn 1")
        with tls.connect(port) as first:
            lib.eq(tls.readline(first), "echo", "first session banner")
            closed_after(port, T, lambda s: s.sendall(b"hello"), "queued connection closed")
            lib.eq(be.conns, 1, "connections the server accepted")
            log = tls.tcplog(p)[0]
            # queued in the backend (every server full): no server in the log
            lib.eq((log["s"], log["Tc"], log["ts"]), ("<NOSRV>", "-1", "sQ"), "server, Tc, state")
            lib.ok(int(log["Tw"]) >= T * 1000 - 20, "Tw %s" % log["Tw"])


lib.main()
