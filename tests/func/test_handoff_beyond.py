#!/usr/bin/env python3
"""The in-process hand-off (beyond HAProxy: engine/session_handoff.c,
doc/configuration.md "One port for passthrough and termination"): what
differs from haproxy's socket pair, which test_mixed_port_abns.py holds
both to.

- no socket pair: while a terminated client talks, the passthrough
  session is listed by show sess in state "handoff" without descriptors,
  and the process holds two sockets for the connection (client, echo
  backend), not four; with -dH it connects through the socket again;
- the terminating frontend's client is the real one: a reset is "CD" in
  its log (the chain says "--": its client was the socket pair);
- "shutdown session" of the passthrough side ends the terminated one;
- a hard stop with hand-offs alive frees both sides once;
- a terminating frontend that is disabled takes no hand-off: the
  connection goes to the socket, as in the chain; enabled, it does."""

import os
import socket
import struct

import lib
import tls
import tls_term as tt

BEYOND_HAPROXY = True

P = tt.pki()
A = P.leaf("a.test")


def config(pm, eb, name, sock):
    return """frontend mix
    bind 127.0.0.1:%(pm)d
    log-format "mix %%ci %%b/%%s %%ts"
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    default_backend to_term
backend to_term
    retries 0
    server t abns@%(name)s send-proxy-v2
frontend term
    bind abns@%(name)s accept-proxy ssl crt %(crt)s
    log-format "term %%ci %%ts"
    default_backend echo
backend echo
    server e 127.0.0.1:%(eb)d
""" % {"pm": pm, "eb": eb, "name": name, "crt": A.pem}


def start(eb, args=()):
    name = "sluice-test-handoff-%d-%d" % (os.getpid(), lib.free_port())
    sock = os.path.join(lib.tmpdir(), "stats-%s.sock" % name[-5:])
    pm = lib.free_port()
    glob = "    stats socket %s level admin" % sock
    p = tt.proxy(config(pm, eb, name, sock), 1, glob=glob, args=args)
    # the stats socket opens after the listeners the readiness poll saw
    lib.ok(lib.wait_for(lambda: os.path.exists(sock), 5 * lib.SLOW), "stats socket")
    return pm, p, sock


def sess_lines(sock):
    """show sess lines of the test's frontends (not the CLI's own)."""
    return [l for l in lib.cli(sock, "show sess").splitlines()
            if " fe=mix " in l or " fe=term " in l]


def sockets(pid):
    d = "/proc/%d/fd" % pid
    n = 0
    for f in os.listdir(d):
        try:
            if os.readlink(os.path.join(d, f)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


@lib.test
def no_socket_pair_and_dH_restores_it():
    with tls.plain_backend("echo") as eb:
        for args, state, extra in (((), "handoff", 2), (("-dH",), "forward", 4)):
            pm, p, sock = start(eb.port, args)
            base = sockets(p.pid)
            c = tt.dial(pm, "a.test")
            lib.eq(c.banner, "echo", "terminated %s" % (args,))
            mix = [l for l in sess_lines(sock) if "fe=mix" in l]
            lib.eq(len(mix), 1, "mix's session: %r" % mix)
            lib.ok(" state=%s " % state in mix[0], "mix's session %s: %s" % (args, mix[0]))
            if state == "handoff":
                lib.ok("scf=[fd=-1] scb=[fd=-1]" in mix[0], "no descriptors: " + mix[0])
            lib.eq(sockets(p.pid) - base, extra, "sockets for one connection %s" % (args,))
            c.close()
            lib.eq([l.split()[-1] for l in tt.wait_lines(p, "mix ")], ["--"], "mix's end")
            lib.stop(p)


@lib.test
def terminating_side_sees_the_client_reset():
    with tls.plain_backend("echo") as eb:
        pm, p, sock = start(eb.port)
        c = tt.dial(pm, "a.test", source="127.0.0.9")
        lib.eq(c.banner, "echo", "terminated")
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.sock.close()
        lib.eq(tt.wait_lines(p, "term "), ["term 127.0.0.9 CD"], "term's line")
        lib.eq(tt.wait_lines(p, "mix "), ["mix 127.0.0.9 to_term/t CD"], "mix's line")
        sni = [l.split()[:3] for l in lib.cli(sock, "show sni mix").splitlines()
               if l and not l.startswith("#")]
        lib.eq(sni, [["mix", "a.test", "1"]], "show sni: the handed-off connection's name")


@lib.test
def shutdown_session_of_the_passthrough_side_ends_both():
    with tls.plain_backend("echo") as eb:
        pm, p, sock = start(eb.port)
        c = tt.dial(pm, "a.test")
        mix = [l for l in sess_lines(sock) if "fe=mix" in l][0]
        lib.cli(sock, "shutdown session %s" % mix.split(":")[0])
        lib.eq(tls.recv_all(c.sock), b"", "the client's connection closes")
        c.close()
        lib.eq([l.split()[-1] for l in tt.wait_lines(p, "mix ")], ["K-"], "mix: killed")
        lib.eq([l.split()[-1] for l in tt.wait_lines(p, "term ")], ["K-"], "term: killed with it")
        lib.ok(lib.wait_for(lambda: sess_lines(sock) == [], 3), "no session left")


@lib.test
def disabled_terminating_frontend_takes_no_hand_off():
    with tls.plain_backend("echo") as eb:
        pm, p, sock = start(eb.port)
        lib.cli(sock, "disable frontend term")
        s = tls.connect(pm)
        s.sendall(tls.tls12_hello(sni="a.test"))
        lib.ok(lib.wait_for(lambda: any(" fe=mix " in l and " state=handoff " not in l
                                        for l in sess_lines(sock)), 3),
               "mix connects through the socket: %r" % sess_lines(sock))
        s.close()
        # enabled: the listener takes the connection waiting in its
        # backlog, which ends (the client is gone)
        lib.cli(sock, "enable frontend term")
        lib.ok(lib.wait_for(lambda: sess_lines(sock) == [], 5), "closed: %r" % sess_lines(sock))
        c = tt.dial(pm, "a.test")
        lib.eq(c.banner, "echo", "enabled again: terminated")
        lib.ok(any(" state=handoff " in l for l in sess_lines(sock)), "handed off again")
        c.close()


@lib.test
def hard_stop_with_live_hand_offs():
    """Both sides freed once (ASan/LSan builds report otherwise)."""
    with tls.plain_backend("echo") as eb:
        pm, p, sock = start(eb.port)
        cs = [tt.dial(pm, "a.test") for _ in range(3)]
        lib.eq(len([l for l in sess_lines(sock) if "state=handoff" in l]), 3, "handed off")
        lib.stop(p)
        for c in cs:
            lib.eq(tls.recv_all(c.sock), b"", "closed by the stop")
            c.close()


lib.main()
