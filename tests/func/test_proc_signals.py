#!/usr/bin/env python3
"""Signals of a standalone process (reference §2.2): SIGHUP dumps the
server states, SIGTTOU pauses the listeners (connections refused) and
SIGTTIN resumes them, SIGUSR1 stops accepting and exits when the live
sessions end (or at hard-stop-after), SIGTERM cuts them."""
import re
import signal
import time

import lib
import procutil as pu


def start(extra_global="", extra_be=""):
    echo = lib.tcp_echo()
    e = echo.__enter__()
    port = lib.free_port()
    text = pu.tcp_config(port, e.port, extra_global) + extra_be
    p = lib.start(lib.config(text), ready_ports=[port])
    return p, port, echo


@lib.test
def sighup_dumps_server_states():
    closed = lib.free_port()
    p, port, echo = start(extra_be="    server s2 127.0.0.1:%d check inter 60s\n"
                                    "    server s3 127.0.0.1:%d backup\n" % (closed, closed))
    try:
        lib.ok(pu.wait_log(p, "Server be/s2 is DOWN"), "s2 checked DOWN:\n" + lib.logs(p))
        lib.eq(pu.echo_once(port), b"ping\n", "one session")
        p.send_signal(signal.SIGHUP)
        last = "SIGHUP: Proxy be has 1 active servers and 1 backup servers available."
        lib.ok(pu.wait_log(p, last), "dump ends:\n" + lib.logs(p))
        out = pu.output(p)
        # the readiness probe of lib.start() is the first connection; the
        # sessions may still be closing (act counts vary)
        lib.contains(out, "SIGHUP received, dumping servers states.")
        expect = [
            r"SIGHUP: Proxy fe has no servers\. Conn: act\(FE\+BE\): \d+\+0, 0 pend \(0 unass\), tot\(FE\+BE\): 2\+0\.",
            r"SIGHUP: Server be/s1 is UP\. Conn: \d+ act, 0 pend, 2 tot\.",
            r"SIGHUP: Server be/s2 is DOWN\. Conn: 0 act, 0 pend, 0 tot\.",
            r"SIGHUP: Server be/s3 is UP\. Conn: 0 act, 0 pend, 0 tot\.",
            re.escape(last) + r" Conn: act\(FE\+BE\): 0\+\d+, 0 pend \(0 unass\), tot\(FE\+BE\): 0\+2\.",
        ]
        for e in expect:
            lib.ok(re.search(e, out), "dump lacks /%s/:\n%s" % (e, out))
        lib.eq(p.poll(), None, "still running after SIGHUP")
    finally:
        lib.stop(p)
        echo.__exit__(None, None, None)


@lib.test
def sigttou_pauses_and_sigttin_resumes():
    p, port, echo = start()
    try:
        p.send_signal(signal.SIGTTOU)
        lib.ok(lib.wait_for(lambda: not lib.port_open(port)), "connections refused while paused")
        lib.ok(pu.wait_log(p, "Paused frontend fe."), "pause logged:\n" + lib.logs(p))
        p.send_signal(signal.SIGTTIN)
        lib.ok(lib.wait_for(lambda: lib.port_open(port)), "accepting again")
        lib.ok(pu.wait_log(p, "Resumed frontend fe."), "resume logged:\n" + lib.logs(p))
        lib.eq(pu.echo_once(port), b"ping\n", "traffic after resume")
    finally:
        lib.stop(p)
        echo.__exit__(None, None, None)


@lib.test
def sigusr1_finishes_live_sessions_then_exits():
    p, port, echo = start()
    try:
        t = pu.Tunnel(port)
        lib.ok(t.pump(), "tunnel flows")
        p.send_signal(signal.SIGUSR1)
        lib.ok(lib.wait_for(lambda: not lib.port_open(port)), "no longer accepting")
        lib.ok(lib.wait_for(lambda: re.search(r"Proxy fe stopped \(cumulated conns: FE: \d+, BE: 0\)\.", pu.output(p))), lib.logs(p))
        lib.ok(lib.wait_for(lambda: re.search(r"Proxy be stopped \(cumulated conns: FE: 0, BE: \d+\)\.", pu.output(p))), lib.logs(p))
        for _ in range(5):
            lib.ok(t.pump(), "the live session keeps flowing: %s" % t.error)
        lib.eq(p.poll(), None, "still running while a session is live")
        t.close()
        p.wait(10)
        lib.eq(p.returncode, 0, "exit status after the last session")
    finally:
        lib.stop(p)
        echo.__exit__(None, None, None)


@lib.test
def hard_stop_after_bounds_the_soft_stop():
    p, port, echo = start("    hard-stop-after 1s")
    try:
        t = pu.Tunnel(port)
        lib.ok(t.pump(), "tunnel flows")
        t0 = time.monotonic()
        p.send_signal(signal.SIGUSR1)
        lib.ok(t.closed_by_peer(10), "the live session is cut at hard-stop-after")
        p.wait(10)
        lib.ok(time.monotonic() - t0 >= 0.9, "not before hard-stop-after")
        t.close()
    finally:
        lib.stop(p)
        echo.__exit__(None, None, None)


@lib.test
def sigterm_cuts_live_sessions():
    p, port, echo = start()
    try:
        t = pu.Tunnel(port)
        lib.ok(t.pump(), "tunnel flows")
        p.send_signal(signal.SIGTERM)
        lib.ok(t.closed_by_peer(5), "the session is cut")
        p.wait(10)
        t.close()
    finally:
        lib.stop(p)
        echo.__exit__(None, None, None)


lib.main()
