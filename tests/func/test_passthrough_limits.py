#!/usr/bin/env python3
"""Limits and recovery in TCP mode: frontend and global maxconn (extra
connections wait in the kernel backlog, unanswered, until a slot frees),
server maxconn with queueing in the backend, retries to a refusing server
and option redispatch to a second server. Every scenario runs with
nbthread 1 and 4."""

import time

import lib
import tls

QUIET = 0.5  # how long a waiting connection must stay unanswered (s)


def echo_proxy(n, be_port, fe_opts="", srv_opts="", glob="", be_opts=""):
    port = lib.free_port()
    p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
%s
    default_backend be
backend be
%s
    server s1 127.0.0.1:%d %s
""" % (port, fe_opts, be_opts, be_port, srv_opts), n, glob=glob + "\n" + tls.LOG_GLOBAL,
        defaults=tls.LOG_DEFAULTS)
    return p, port


def backlog_waits(port, be):
    a, b = tls.connect(port), tls.connect(port)
    try:
        lib.eq((tls.readline(a), tls.readline(b)), ("echo", "echo"), "first two sessions")
        with tls.connect(port) as c:
            c.sendall(b"third\n")
            lib.ok(tls.silent_for(c, QUIET), "third connection answered above maxconn")
            lib.eq((be.conns, be.max_active), (2, 2), "server connections: total, most at once")
            a.close()
            lib.eq(tls.readline(c), "echo", "third session banner once a slot is free")
            lib.eq(tls.readline(c), "third", "third session data")
            lib.eq(be.conns, 3, "connections the server accepted")
    finally:
        a.close()
        b.close()


@lib.test
@tls.threads
def frontend_maxconn_keeps_extra_connections_in_backlog(n):
    with tls.plain_backend("echo") as be:
        _, port = echo_proxy(n, be.port, fe_opts="    maxconn 2")
        backlog_waits(port, be)


@lib.test
@tls.threads
def global_maxconn_keeps_extra_connections_in_backlog(n):
    with tls.plain_backend("echo") as be:
        _, port = echo_proxy(n, be.port, glob="    maxconn 2")
        backlog_waits(port, be)


@lib.test
@tls.threads
def server_maxconn_queues_in_backend(n):
    with tls.plain_backend("echo") as be:
        p, port = echo_proxy(n, be.port, srv_opts="maxconn 1", be_opts="    timeout queue 10s")
        with tls.connect(port) as a:
            lib.eq(tls.readline(a), "echo", "first session")
            with tls.connect(port) as b:
                t0 = time.monotonic()
                b.sendall(b"second\n")
                lib.ok(tls.silent_for(b, QUIET), "queued session answered above server maxconn")
                lib.eq((be.conns, be.max_active), (1, 1), "server connections: total, most at once")
                a.close()
                lib.eq(tls.readline(b), "echo", "queued session served once the slot frees")
                waited = time.monotonic() - t0
                lib.eq(tls.readline(b), "second", "queued session data")
        # (no max_active check after the close: the server thread may see the
        # first connection's EOF after the queued one is already connected)
        lib.eq(be.conns, 2, "connections the server accepted")
        logs = tls.tcplog(p, n=2)
        second = max(logs, key=lambda l: int(l["Tw"]))
        lib.eq((second["s"], second["ts"]), ("s1", "--"), "queued session's server and state")
        lib.ok(QUIET * 1000 - 20 <= int(second["Tw"]) <= waited * 1000 + 50,
               "Tw %s ms, waited %.0f ms" % (second["Tw"], waited * 1000))


def refusing_backend(n, live_port, redispatch, dead):
    port = lib.free_port()
    p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    balance first
    retries 2
    timeout connect 200ms
%s
    server s1 127.0.0.1:%d maxconn 100
    server s2 127.0.0.1:%d maxconn 100
""" % (port, "    option redispatch" if redispatch else "", dead, live_port), n,
        glob=tls.LOG_GLOBAL, defaults=tls.LOG_DEFAULTS)
    return p, port


@lib.test
@tls.threads
def retries_without_redispatch_stay_on_refusing_server(n):
    with tls.plain_backend("s2") as live, tls.refused_port() as dead:
        p, port = refusing_backend(n, live.port, False, dead)
        with tls.connect(port) as s:
            s.sendall(b"hello\n")
            lib.eq(tls.recv_all(s), b"", "data received")
        lib.eq(live.conns, 0, "connections on the second server")
        log = tls.tcplog(p)[0]
        lib.eq((log["s"], log["Tc"], log["ts"], log["rc"]), ("s1", "-1", "SC", "2"),
               "server, Tc, state, retries")


@lib.test
@tls.threads
def redispatch_to_second_server_when_first_refuses(n):
    with tls.plain_backend("s2") as live, tls.refused_port() as dead:
        p, port = refusing_backend(n, live.port, True, dead)
        for i in range(3):
            with tls.connect(port) as s:
                lib.eq(tls.readline(s), "s2", "banner of connection %d" % i)
                s.sendall(b"ping\n")
                lib.eq(tls.readline(s), "ping", "echo")
        lib.eq(live.conns, 3, "connections on the second server")
        log = tls.tcplog(p)[0]
        # '+' on the retry count: the session was redispatched. HAProxy
        # redispatches at the first retry when the algorithm is not a hash
        # and more than one server is active, whatever 'retries' says.
        lib.eq((log["s"], log["ts"], log["rc"]), ("s2", "--", "+1"), "server, state, retries")


lib.main()
