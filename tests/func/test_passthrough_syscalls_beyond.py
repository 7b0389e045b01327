#!/usr/bin/env python3
"""The system calls a passthrough connection costs sluice (engine/relay.c,
bench/README.md): a budget of epoll_ctl calls per connection, counted by
strace on connections made one at a time. HAProxy has its own poller and
other counts: skipped by make check-oracle. Skipped without strace, under
valgrind or a wrapper (their own system calls), and where ptrace is not
allowed."""

import os
import re
import shutil
import signal
import subprocess

import lib
import tls

BEYOND_HAPROXY = True

CONNS = 6
# epoll_ctl per connection with libevent's changelist: ADD of the client
# socket, ADD of the server socket (connecting), MOD of it (connected:
# writable -> readable), a DEL at each side's end (the last one after
# close, EBADF: libevent cannot drop a change of a closed fd)
BUDGET = 5


def strace_attach(pid, out):
    """strace -f on pid (epoll_ctl only) writing to out; None when ptrace is
    refused."""
    st = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=epoll_ctl", "-o", out,
                           "-p", str(pid)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # attached once it writes its first line or once the process's threads
    # show it as their tracer
    def attached():
        if st.poll() is not None:
            return "exited"
        with open("/proc/%d/status" % pid) as f:
            return "attached" if "TracerPid:\t%d" % st.pid in f.read() else None
    if lib.wait_for(attached, 10 * lib.SLOW) != "attached":
        st.kill()
        st.wait()
        return None
    return st


EPOLL_FD = re.compile(r"epoll_ctl\(\d+, EPOLL_CTL_[A-Z]+, (\d+),")


def lines(path, what, skip_fds=()):
    """The lines of path with what, leaving out epoll_ctl calls on
    skip_fds (the listeners and the threads' own descriptors: a thread
    still starting registers them once strace is attached)."""
    try:
        with open(path) as f:
            out = []
            for l in f:
                m = EPOLL_FD.search(l)
                if what in l and not (m and int(m.group(1)) in skip_fds):
                    out.append(l)
            return out
    except OSError:
        return []


@lib.test
@tls.threads
def epoll_ctl_per_connection_within_budget(n):
    """Each connection waits to be polled before it sends its hello (the
    case where inspection watches the client): moving from inspection to
    waiting for the server, and from there to the relay, re-registers
    nothing."""
    if lib.VALGRIND or lib.WRAP:
        lib.skip("strace counts would include the wrapper's calls")
    if not shutil.which("strace"):
        lib.skip("strace is not installed")
    with tls.plain_backend("e", mode="echo", banner=False) as be:
        port = lib.free_port()
        p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, be.port), n)
        out = os.path.join(lib.tmpdir(), "strace.txt")
        # the descriptors the process opened before serving
        startup = {int(fd) for fd in os.listdir("/proc/%d/fd" % p.pid)}
        st = strace_attach(p.pid, out)
        if st is None:
            lib.skip("strace cannot attach (ptrace not allowed)")
        try:
            hello = tls.tls12_hello(sni="a.demo.test")
            for i in range(CONNS):
                with tls.connect(port) as s:
                    # the proxy polls the client socket: then the hello
                    lib.ok(lib.wait_for(lambda: len(lines(out, "EPOLL_CTL_ADD", startup)) >= 2 * i + 1,
                                        10 * lib.SLOW),
                           "connection %d never polled:\n%s" % (i, "".join(lines(out, ""))))
                    s.sendall(hello)
                    got = tls._recv_exact(s, len(hello))
                    lib.eq(got, hello, "echoed hello")
                # both ends closed: each side's DEL
                lib.ok(lib.wait_for(lambda: len(lines(out, "EPOLL_CTL_DEL", startup)) >= 2 * (i + 1),
                                    10 * lib.SLOW),
                       "connection %d not ended:\n%s" % (i, "".join(lines(out, ""))))
        finally:
            st.send_signal(signal.SIGINT)
            st.wait(10)
        # and those still open now that every connection has ended (a
        # thread may open its own after the first listener serves)
        kept = startup | {int(fd) for fd in os.listdir("/proc/%d/fd" % p.pid)}
        calls = lines(out, "epoll_ctl(", kept)
        lib.ok(len(calls) <= BUDGET * CONNS,
               "%d epoll_ctl for %d connections, budget %d each:\n%s" % (
                   len(calls), CONNS, BUDGET, "".join(calls)))


lib.main()
