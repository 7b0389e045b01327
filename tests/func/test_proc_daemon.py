#!/usr/bin/env python3
"""Daemon mode and pidfile (reference §2.1, §1.8): -D / 'daemon' forks,
the caller gets 0 once the child listens, or 1 with the bind error on
its terminal; -p / 'pidfile' hold "<pid>\\n", written only when not in
the foreground; -db wins over 'daemon'. File-descriptor limits: ulimit-n
follows maxconn (2 * maxconn + overhead, only ever raised)."""
import os
import signal
import socket

import lib
import procutil as pu


def kill_daemon(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    pu.wait_dead(pid)


@lib.test
def daemon_flag_detaches_after_binding():
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        d = lib.tmpdir()
        pidfile = os.path.join(d, "pid")
        cfg = lib.config(pu.tcp_config(port, echo.port))
        r = lib.run(["-D", "-f", cfg, "-p", pidfile])
        lib.eq(r.rc, 0, "exit status of the caller")
        with open(pidfile) as f:
            text = f.read()
        lib.ok(text.endswith("\n") and text[:-1].isdigit(), "pidfile is '<pid>\\n': %r" % text)
        pid = int(text)
        pu.track(pid)
        try:
            # bound before the caller returned: no polling needed
            lib.eq(pu.echo_once(port), b"ping\n", "echo through the daemon")
            lib.eq(os.getsid(pid), pid, "the daemon leads its own session")
            lib.ok(pid != os.getpid(), "a different process")
            lib.eq(os.readlink("/proc/%d/fd/1" % pid), "/dev/null", "stdout of the daemon")
            lib.eq(os.readlink("/proc/%d/fd/2" % pid), "/dev/null", "stderr of the daemon")
        finally:
            kill_daemon(pid)


@lib.test
def daemon_keyword_and_pidfile_keyword():
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        d = lib.tmpdir()
        pidfile = os.path.join(d, "p.pid")
        cfg = lib.config(pu.tcp_config(port, echo.port, "    daemon\n    pidfile %s" % pidfile))
        r = lib.run(["-f", cfg])
        lib.eq(r.rc, 0, "exit status")
        pid = pu.read_pid(pidfile)
        lib.ok(pid, "pidfile written")
        pu.track(pid)
        try:
            lib.eq(pu.echo_once(port), b"ping\n", "echo")
        finally:
            kill_daemon(pid)


@lib.test
def daemon_bind_error_reaches_the_terminal():
    # a socket without SO_REUSEPORT keeps the port for itself
    with socket.socket() as busy:
        busy.bind((lib.LOOPBACK, 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        d = lib.tmpdir()
        cfg = lib.config(pu.tcp_config(port, port + 1))
        r = lib.run(["-D", "-f", cfg, "-p", os.path.join(d, "pid")])
        lib.eq(r.rc, 1, "exit status")
        lib.contains(r.err, "cannot bind socket", "stderr")
        lib.contains(r.err, "Address already in use", "stderr")
        lib.contains(r.err, "127.0.0.1:%d" % port, "stderr")


@lib.test
def foreground_wins_over_daemon_and_writes_no_pidfile():
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        d = lib.tmpdir()
        pidfile = os.path.join(d, "p.pid")
        cfg = lib.config(pu.tcp_config(port, echo.port, "    daemon\n    pidfile %s" % pidfile))
        p = lib.start(cfg, ready_ports=[port])  # -db
        lib.eq(p.poll(), None, "still in the foreground")
        lib.eq(pu.echo_once(port), b"ping\n", "echo")
        lib.ok(not os.path.exists(pidfile), "no pidfile in the foreground")
        lib.stop(p)


@lib.test
def master_worker_daemon():
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        d = lib.tmpdir()
        pidfile = os.path.join(d, "pid")
        cfg = lib.config(pu.tcp_config(port, echo.port))
        r = lib.run(["-W", "-D", "-f", cfg, "-p", pidfile])
        lib.eq(r.rc, 0, "exit status of the caller:\n%r" % r)
        master = pu.read_pid(pidfile)
        lib.ok(master, "pidfile written")
        pu.track(master)
        try:
            lib.eq(pu.echo_once(port), b"ping\n", "echo through the worker")
            ws = lib.wait_for(lambda: pu.children(master))
            lib.ok(ws, "the master has a worker")
            lib.eq(os.getsid(master), master, "the master leads its own session")
            for pid in [master] + ws:
                lib.eq(os.readlink("/proc/%d/fd/2" % pid), "/dev/null", "stderr of %d" % pid)
            os.kill(master, signal.SIGTERM)
            lib.ok(pu.wait_dead(master), "the master stops")
            lib.ok(pu.wait_dead(ws[0]), "its worker too")
        finally:
            kill_daemon(master)


def nofile(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3]), int(line.split()[4])
    return None


@lib.test
def ulimit_raised_from_maxconn():
    port = lib.free_port()
    cfg = lib.config(pu.tcp_config(port, port + 1, "    maxconn 1000"))
    # start with a soft limit below 2 * maxconn: it must be raised
    p = lib.start(cfg, ready_ports=[port], args=())
    soft, hard = nofile(p.pid)
    lib.stop(p)
    lib.ok(soft >= 2000, "soft limit %d covers 2 * maxconn" % soft)
    try:
        import resource
    except ImportError:
        return
    old = resource.getrlimit(resource.RLIMIT_NOFILE)
    if old[1] < 3000:
        return
    def low():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, old[1]))
    e = dict(os.environ)
    import subprocess
    q = subprocess.Popen([lib.BIN, "-db", "-f", cfg], preexec_fn=low, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=e,
                         start_new_session=True)
    pu.track(q.pid)
    try:
        lib.ok(lib.wait_port(port, proc=q), "listening")
        soft, _ = nofile(q.pid)
        # 2 * maxconn plus a little overhead (HAProxy: 2017 here)
        lib.ok(2000 < soft < 2100, "soft limit raised to about 2 * maxconn: %d" % soft)
    finally:
        q.terminate()
        q.wait(5)


@lib.test
def maxconn_beyond_hard_limit_is_refused():
    try:
        import resource
    except ImportError:
        return
    port = lib.free_port()
    cfg = lib.config(pu.tcp_config(port, port + 1, "    maxconn 100000"))
    import subprocess
    def low():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    q = subprocess.run([lib.BIN, "-db", "-f", cfg], preexec_fn=low, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    lib.eq(q.returncode, 1, "exit status")
    lib.contains(q.stderr.decode(), "Cannot raise FD limit to 2000", "stderr")
    lib.contains(q.stderr.decode(), "limit is 1024.", "stderr")


lib.main()
