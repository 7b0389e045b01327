#!/usr/bin/env python3
"""Bad input on the stats socket (issue 5, reference §3.2): binary junk, a
1 MB line, 1000 chained commands, half-written commands, 200 concurrent
clients, a client that asks for dumps and never reads while traffic
flows, idle clients. After each, the process is alive and answers
"show info". Everything here is what HAProxy 2.6 does too (the script
passes with SLUICE_ORACLE=1); what only sluice promises (a prompt close
of an over-long line) is in test_cli_hostile_beyond.py."""
import contextlib
import os
import random
import socket
import threading
import time

import lib

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
    server echo 127.0.0.1:%(echo)d
"""


@contextlib.contextmanager
def setup():
    with lib.tcp_echo() as echo:
        d = lib.tmpdir()
        port = lib.free_port()
        p = lib.start(lib.config(CFG % {"dir": d, "port": port, "echo": echo.port}),
                      ready_ports=[port])
        sock = os.path.join(d, "admin.sock")
        lib.ok(lib.wait_unix(sock), "stats socket listening")
        env = type("Env", (), {})()
        env.p, env.port, env.sock = p, port, sock
        try:
            yield env
            alive(env)
        finally:
            lib.stop(env.p)


connect = lib.unix_connect


read_all = lib.read_until_close


def ask(path, data, timeout=10.0):
    s = connect(path, timeout)
    try:
        s.sendall(data)
        return read_all(s)
    finally:
        s.close()


def alive(env):
    """The process runs and answers show info."""
    lib.ok(env.p.poll() is None, "process alive\n" + lib.logs(env.p))
    out = ask(env.sock, b"show info\n").decode("utf-8", "replace")
    lib.ok(out.startswith("Name: ") and "\nPid: " in out and out.endswith("\n\n"),
           "show info answers: %r" % out[:200])


def echo_rtt(port, n=20):
    """Worst round trip of n small messages through the proxy."""
    s = socket.create_connection((lib.LOOPBACK, port), timeout=10)
    worst = 0.0
    try:
        for i in range(n):
            msg = b"ping %d\n" % i
            t0 = time.monotonic()
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                d = s.recv(65536)
                lib.ok(d, "echo connection closed")
                got += d
            worst = max(worst, time.monotonic() - t0)
            lib.eq(got, msg, "echoed")
    finally:
        s.close()
    return worst


@lib.test
def binary_junk():
    with setup() as env:
        rnd = random.Random(5)
        for _ in range(20):
            junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
            junk = junk.replace(b"\n", b"\x00")
            out = ask(env.sock, junk + b"\n")
            # HAProxy: an "Unknown command" answer per command (junk may
            # hold ';'), or the connection closed
            lib.ok(out == b"" or out.startswith(b"Unknown command"),
                   "junk %r got %r" % (junk[:40], out[:100]))
        out = ask(env.sock, b"\x00\x01\x02\xff\xfe\n")
        lib.ok(out.startswith(b"Unknown command"), "NUL and high bytes: %r" % out[:80])


@lib.test
def one_megabyte_line():
    with setup() as env:
        s = connect(env.sock)
        state = {}

        def send():
            try:
                s.sendall(b"A" * (1 << 20) + b"\n")
                state["sent"] = True
            except OSError as e:
                state["err"] = e
        t = threading.Thread(target=send, daemon=True)
        t.start()
        # others are served while it is being sent
        for _ in range(3):
            alive(env)
        lib.ok(echo_rtt(env.port, 5) < 1.0, "traffic flows")
        # its answer: nothing useful (HAProxy closes, resets, or waits)
        s.settimeout(3)
        try:
            out = read_all(s)
            lib.ok(not out.startswith(b"Name:"), "no command ran: %r" % out[:80])
        except (socket.timeout, OSError):
            pass
        s.close()
        t.join(5)


@lib.test
def thousand_chained_commands():
    with setup() as env:
        out = ask(env.sock, b";".join([b"show cli level"] * 1000) + b"\n")
        lib.ok(out == b"admin\n\n" * 1000, "1000 answers: got %d bytes, %d answers, ends %r"
               % (len(out), out.count(b"admin\n\n"), out[-80:]))
        # a trailing ';' is one more (empty) command: HAProxy answers it
        out = ask(env.sock, b"show cli level;" * 3 + b"\n")
        lib.ok(out.startswith(b"admin\n\n" * 3 + b"Unknown command"), "empty last command: %r" % out[:100])
        # chained unknown ones: one answer each
        out = ask(env.sock, b";".join([b"nope"] * 50) + b"\n")
        lib.eq(out.count(b"Unknown command"), 50, "50 unknown commands answered")


@lib.test
def half_written_commands():
    with setup() as env:
        for partial in (b"show in", b"show stat", b"show cli lev", b"set server", b"s"):
            s = connect(env.sock)
            s.sendall(partial)
            s.close()
        # the write side shut mid-command: closed without running it
        s = connect(env.sock, timeout=5)
        s.sendall(b"show cli level")
        s.shutdown(socket.SHUT_WR)
        lib.eq(read_all(s), b"", "an unfinished command does not run")
        s.close()
        # a command cut by a reset
        s = connect(env.sock)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(b"show inf")
        s.close()


@lib.test
def two_hundred_clients():
    with setup() as env:
        res = [None] * 200

        def one(i):
            try:
                res[i] = ask(env.sock, b"show info\n", timeout=30)
            except OSError as e:
                res[i] = repr(e).encode()
        ths = [threading.Thread(target=one, args=(i,)) for i in range(200)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(60)
        bad = [r[:60] for r in res if not (r and r.startswith(b"Name: "))]
        lib.eq(bad, [], "every client answered")


@lib.test
def client_that_never_reads():
    with setup() as env:
        base = echo_rtt(env.port, 5)
        s = connect(env.sock)
        stop = threading.Event()

        def flood():
            # interactive mode: every line is a command; never read
            try:
                s.sendall(b"prompt\n")
                while not stop.is_set():
                    s.sendall(b"show stat\n" * 100)
            except OSError:
                pass
        t = threading.Thread(target=flood, daemon=True)
        t.start()
        time.sleep(0)  # let it start; what follows polls, never waits
        worst = 0.0
        t_end = time.monotonic() + 2.0
        while time.monotonic() < t_end:
            worst = max(worst, echo_rtt(env.port, 10))
            alive(env)
        lib.ok(worst < 0.5, "echo round trip %.3fs with a stuck CLI reader (before: %.3fs)"
               % (worst, base))
        stop.set()
        s.close()
        t.join(5)


@lib.test
def idle_client_closed_after_stats_timeout():
    with setup() as env:
        s = connect(env.sock, timeout=10)
        t0 = time.monotonic()
        out = read_all(s)
        took = time.monotonic() - t0
        s.close()
        lib.eq(out, b"", "nothing sent")
        lib.ok(0.5 <= took <= 5.0, "closed after %.2fs (stats timeout 1s)" % took)


lib.main()
