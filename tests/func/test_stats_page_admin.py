#!/usr/bin/env python3
"""The stats page's admin form beyond ready/drain/maint (reference §5.1):
dhlth/ehlth (disable/enable health checks), hrunn/hnolb/hdown (force the
health up/NOLB/down), dagent/eagent, arunn/adown (agent) and shutdown
(kill the server's sessions), plus the older names stop/start. Checks
the st= code HAProxy 2.6 answers for each on a checked server, an
agent-checked one and one without check, and the effect seen on the
stats socket and on a live session."""

import contextlib
import http.client
import socket
import threading

import lib


@contextlib.contextmanager
def agent_server(reply=b"up\n"):
    """A TCP agent answering reply to each connection, then closing."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lib.LOOPBACK, 0))
    ls.listen(16)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                c, _ = ls.accept()
            except OSError:
                break
            with c:
                with contextlib.suppress(OSError):
                    c.sendall(reply)
    threading.Thread(target=loop, daemon=True).start()
    try:
        yield ls.getsockname()[1]
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            ls.shutdown(socket.SHUT_RDWR)
        ls.close()


@contextlib.contextmanager
def lab():
    """s1: check; s2: check and agent; s3: no check. Checks every 10s so
    a forced state stays long enough to be seen."""
    with lib.tcp_echo() as e1, lib.tcp_echo() as e2, lib.tcp_echo() as e3, \
            agent_server() as agent:
        port, fe = lib.free_ports(2)
        sock = lib.tmpdir() + "/admin.sock"
        cfg = lib.config("""\
global
    stats socket %s level admin
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen st
    mode http
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
    stats admin if TRUE
frontend fe
    mode tcp
    bind 127.0.0.1:%d
    default_backend be
backend be
    mode tcp
    balance first
    server s1 127.0.0.1:%d check inter 10s
    server s2 127.0.0.1:%d check inter 10s agent-check agent-port %d agent-inter 10s
    server s3 127.0.0.1:%d
""" % (sock, port, fe, e1.port, e2.port, agent, e3.port))
        p = lib.start(cfg, ready_ports=[port, fe])
        lib.wait_unix(sock)
        try:
            yield p, port, fe, sock
        finally:
            lib.stop(p)


def post(port, action, *servers):
    body = "&".join(["s=" + s for s in servers] + ["action=" + action, "b=be"])
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("POST", "/stats", body=body,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        lib.eq(r.status, 303, "status of POST %s" % body)
        loc = r.getheader("location") or ""
        return loc.rsplit("st=", 1)[-1]
    finally:
        c.close()


def status(sock, name):
    for line in lib.cli(sock, "show stat").splitlines():
        f = line.split(",")
        if len(f) > 17 and f[0] == "be" and f[1] == name:
            return f[17]
    lib.fail("no row for be/%s" % name)


@lib.test
def codes_of_each_action():
    """DONE where the action applies, NONE where it applies to none of the
    servers named, ERRP when only unknown names are left, PART for a mix."""
    want = {
        "dhlth": ("DONE", "DONE", "NONE"), "ehlth": ("DONE", "DONE", "NONE"),
        "hrunn": ("DONE", "DONE", "DONE"), "hnolb": ("DONE", "DONE", "DONE"),
        "hdown": ("DONE", "DONE", "DONE"), "dagent": ("NONE", "DONE", "NONE"),
        "eagent": ("NONE", "DONE", "NONE"), "arunn": ("NONE", "DONE", "NONE"),
        "adown": ("NONE", "DONE", "NONE"), "shutdown": ("DONE", "DONE", "DONE"),
        "stop": ("DONE", "DONE", "DONE"), "start": ("DONE", "DONE", "DONE"),
    }
    with lab() as (p, port, fe, sock):
        got = {a: tuple(post(port, a, s) for s in ("s1", "s2", "s3")) for a in want}
        lib.eq(got, want, "st= codes per action and server")
        lib.eq(post(port, "dagent", "s1", "s2", "s3", "nope"), "PART", "mixed")
        lib.eq(post(port, "dagent", "s1", "s3"), "NONE", "none applicable")
        lib.eq(post(port, "dhlth", "s3", "nope"), "ERRP", "no check and unknown")
        lib.eq(post(port, "dhlth", "s1", "nope"), "PART", "check and unknown")
        # the agent is disabled now: forcing it applies to no server
        lib.eq(post(port, "arunn", "s2"), "NONE", "arunn on a disabled agent")
        lib.eq(post(port, "eagent", "s2"), "DONE", "eagent")
        lib.eq(post(port, "arunn", "s2"), "DONE", "arunn on an enabled agent")


@lib.test
def forced_health_and_checks_change_the_status():
    with lab() as (p, port, fe, sock):
        post(port, "hdown", "s3")
        lib.eq(status(sock, "s3"), "DOWN", "s3 after hdown")
        post(port, "hnolb", "s3")
        lib.eq(status(sock, "s3"), "NOLB", "s3 after hnolb")
        post(port, "hrunn", "s3")
        lib.eq(status(sock, "s3"), "no check", "s3 after hrunn")
        post(port, "hdown", "s1")
        lib.ok(status(sock, "s1").startswith("DOWN"), "s1 after hdown: " + status(sock, "s1"))
        post(port, "hrunn", "s1")
        lib.ok(status(sock, "s1").startswith("UP"), "s1 after hrunn: " + status(sock, "s1"))
        post(port, "dhlth", "s1")
        lib.eq(status(sock, "s1"), "no check", "s1 with checks disabled")
        post(port, "ehlth", "s1")
        lib.ok(status(sock, "s1").startswith("UP"), "s1 with checks enabled again")
        post(port, "adown", "s2")
        lib.eq(status(sock, "s2"), "DOWN (agent)", "s2 after adown")
        post(port, "arunn", "s2")
        lib.ok(status(sock, "s2").startswith("UP"), "s2 after arunn: " + status(sock, "s2"))
        post(port, "stop", "s3")
        lib.eq(status(sock, "s3"), "DRAIN", "s3 after stop")
        post(port, "start", "s3")
        lib.eq(status(sock, "s3"), "no check", "s3 after start")


@lib.test
def shutdown_kills_the_servers_sessions():
    with lab() as (p, port, fe, sock):
        c = socket.create_connection(("127.0.0.1", fe), timeout=5)
        c.sendall(b"ping")
        lib.eq(c.recv(10), b"ping", "echo through s1")
        lib.eq(post(port, "shutdown", "s2"), "DONE", "shutdown s2")
        c.sendall(b"again")
        lib.eq(c.recv(10), b"again", "s1's session survives a shutdown of s2")
        lib.eq(post(port, "shutdown", "s1"), "DONE", "shutdown s1")
        data = b"x"
        with contextlib.suppress(OSError):
            data = c.recv(10)
        lib.eq(data, b"", "session closed by the proxy")
        c.close()


@lib.test
def form_offers_every_action():
    with lab() as (p, port, fe, sock):
        st, h, body = lib.http_get(port, "/stats")
        lib.eq(st, 200, "status")
        for a, label in (("dhlth", "Health: disable checks"), ("hrunn", "Health: force UP"),
                         ("hnolb", "Health: force NOLB"), ("adown", "Agent: force DOWN"),
                         ("shutdown", "Kill Sessions")):
            lib.contains(body.decode(), '<option value="%s">%s</option>' % (a, label))


lib.main()
