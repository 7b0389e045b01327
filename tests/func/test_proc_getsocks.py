#!/usr/bin/env python3
"""-x <stats socket> and "stats socket ... expose-fd listeners"
(reference §2.1): a new process fetches the listening sockets of the
running one over its stats socket (HAProxy's _getsocks) instead of
binding, so a standalone -sf reload never has a moment without a
listening socket; without expose-fd the fetch fails and the new process
stops, as HAProxy does."""
import os

import lib
import procutil as pu


def sockets_of(pid, port):
    """Inodes of the sockets pid holds that listen on 127.0.0.1:port."""
    want = "0100007F:%04X" % port
    listening = set()
    with open("/proc/net/tcp") as f:
        for ln in f.readlines()[1:]:
            w = ln.split()
            if w[1] == want and w[3] == "0A":
                listening.add(w[9])
    held = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            held.add(t[8:-1])
    return held & listening


def config(port, echo_port, sock, expose=True):
    return pu.tcp_config(port, echo_port, "    stats socket %s level admin%s" % (
        sock, " expose-fd listeners" if expose else ""))


@lib.test
def x_takes_the_listening_sockets_of_the_old_process():
    with lib.tcp_echo() as echo:
        d = lib.tmpdir()
        port = lib.free_port()
        sock = os.path.join(d, "admin.sock")
        cfg = lib.config(config(port, echo.port, sock), directory=d)
        a = lib.start(cfg, ready_ports=[port])
        lib.ok(lib.wait_unix(sock), "stats socket")
        old = sockets_of(a.pid, port)
        lib.ok(old, "the old process listens")
        loop = pu.ClientLoop(port)
        lib.ok(lib.wait_for(lambda: loop.ok > 20), "client loop running")
        t = pu.Tunnel(port)
        lib.ok(t.pump(), "tunnel through the old process")
        b = lib.start(cfg, args=["-x", sock, "-sf", str(a.pid)], ready_ports=[port])
        lib.ok(lib.wait_for(lambda: sockets_of(b.pid, port) & old),
               "the new process holds the old listening socket:\n" + lib.logs(b))
        before = loop.ok
        lib.ok(lib.wait_for(lambda: loop.ok > before + 50), "client loop served by the new process")
        lib.ok(t.pump(), "the old process keeps its tunnel: %s" % t.error)
        t.close()
        lib.ok(pu.wait_dead(a.pid), "the old process exits when its session ends")
        loop.stop()
        lib.eq(loop.errors, [], "client errors across the reload")
        lib.eq(pu.echo_once(port), b"ping\n", "the new process serves")
        lib.stop(b)


@lib.test
def x_without_expose_fd_fails():
    with lib.tcp_echo() as echo:
        d = lib.tmpdir()
        port = lib.free_port()
        sock = os.path.join(d, "admin.sock")
        cfg = lib.config(config(port, echo.port, sock, expose=False), directory=d)
        a = lib.start(cfg, ready_ports=[port])
        lib.ok(lib.wait_unix(sock), "stats socket")
        r = lib.run(["-db", "-x", sock, "-f", cfg], timeout=10)
        lib.eq(r.rc, 1, "the new process stops")
        lib.contains(r.err, "Failed to get the number of sockets to be transferred !")
        lib.contains(r.err, "Failed to get the sockets from the old process!")
        r = lib.run(["-db", "-x", os.path.join(d, "nothing.sock"), "-f", cfg], timeout=10)
        lib.eq(r.rc, 1, "no old process: the new one stops")
        lib.contains(r.err, "Failed to connect to the old process socket '%s'" % os.path.join(d, "nothing.sock"))
        lib.eq(pu.echo_once(port), b"ping\n", "the old process still serves")
        lib.stop(a)


lib.main()
