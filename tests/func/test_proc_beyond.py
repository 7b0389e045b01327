#!/usr/bin/env python3
"""Process model, sluice only: refused uses of -S say why, reloads in
quick succession leave one worker and lose no connection, a broken
configuration is reported with file:line:col, a worker does not outlive
a killed master (doc/management.md)."""
import os
import signal
import socket

import lib
import procutil as pu

BEYOND_HAPROXY = True


def start_master(text):
    d = lib.tmpdir()
    cfg = lib.config(text, directory=d)
    m = pu.spawn(["-W", "-db", "-f", cfg])
    return m, cfg


@lib.test
def lone_master_cli_refused():
    port = lib.free_port()
    cfg = lib.config(pu.tcp_config(port, port + 1))
    for args, word in ((["-S", "/tmp/x.sock"], "needs the master-worker mode"),
                       (["-W", "-S", "/tmp/x.sock,level,admin"], "bind options are not supported")):
        r = lib.run(args + ["-f", cfg])
        lib.eq(r.rc, 1, "exit status of %s" % args)
        lib.contains(r.err, word, "stderr")
        lib.ok(not lib.port_open(port), "nothing started")


@lib.test
def reloads_in_quick_succession():
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        m, cfg = start_master(pu.tcp_config(port, echo.port))
        lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
        lib.ok(pu.wait_log(m, "Loading success."), pu.output(m))
        first = pu.children(m.pid)
        loop = pu.ClientLoop(port)
        for _ in range(4):
            m.send_signal(signal.SIGUSR2)
        lib.ok(lib.wait_for(lambda: len(pu.children(m.pid)) == 1 and pu.children(m.pid) != first, 20),
               "one new worker in the end: %r\n%s" % (pu.children(m.pid), pu.output(m)))
        before = loop.ok
        lib.ok(lib.wait_for(lambda: loop.ok > before + 20), "traffic")
        loop.stop()
        lib.eq(loop.errors, [], "client errors")
        m.send_signal(signal.SIGTERM)
        m.wait(10)


@lib.test
def broken_reload_reports_file_line_col():
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        text = pu.tcp_config(port, echo.port)
        m, cfg = start_master(text)
        lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
        lib.ok(pu.wait_log(m, "Loading success."), pu.output(m))
        with open(cfg, "a") as f:
            f.write("    balance nosuchalgo\n")
        m.send_signal(signal.SIGUSR2)
        lib.ok(pu.wait_log(m, "Loading failure!"), pu.output(m))
        lib.contains(pu.output(m), "%s:%d:13: error:" % (cfg, text.count("\n") + 1), "master log")
        lib.eq(pu.echo_once(port), b"ping\n", "the old worker serves")
        m.send_signal(signal.SIGTERM)
        m.wait(10)


@lib.test
def worker_does_not_outlive_a_killed_master():
    if not os.path.exists("/proc/self/status"):
        return
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        m, cfg = start_master(pu.tcp_config(port, echo.port))
        lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
        ws = lib.wait_for(lambda: pu.children(m.pid))
        m.kill()
        m.wait(5)
        lib.ok(pu.wait_dead(ws[0]), "the worker exits with its master")


def unit_commands():
    """ExecStartPre/ExecStart/ExecReload of the shipped systemd unit."""
    path = os.path.join(lib.ROOT, "packaging", "systemd", "sluice.service")
    cmds = {"ExecStartPre": [], "ExecStart": [], "ExecReload": []}
    typ = None
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k in cmds:
                cmds[k].append(v)
            if k == "Type":
                typ = v
    return typ, cmds


@lib.test
def systemd_unit_commands_work():
    typ, cmds = unit_commands()
    lib.eq(typ, "notify", "unit type")
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        d = lib.tmpdir()
        cfg = lib.config(pu.tcp_config(port, echo.port), directory=d)
        nsock = os.path.join(d, "notify")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(nsock)
        ns.settimeout(10)
        env = {"CONFIG": cfg, "PIDFILE": os.path.join(d, "pid"),
               "EXTRAOPTS": "-S " + os.path.join(d, "master.sock")}

        def argv(cmd, mainpid=None):
            words = []
            for w in cmd.split():
                if w == "/usr/sbin/sluice":
                    w = lib.BIN
                elif w == "$MAINPID":
                    w = str(mainpid)
                elif w.startswith("$"):
                    words += env[w[1:]].split()
                    continue
                words.append(w)
            return words

        import subprocess
        for c in cmds["ExecStartPre"]:
            lib.eq(subprocess.run(argv(c)).returncode, 0, c)
        main = subprocess.Popen(argv(cmds["ExecStart"][0]), env=dict(os.environ, NOTIFY_SOCKET=nsock),
                                stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pu.track(main.pid)

        def expect(state):
            while state not in ns.recv(4096).decode().split("\n"):
                pass
        expect("READY=1")
        lib.eq(pu.echo_once(port), b"ping\n", "serves")
        for c in cmds["ExecReload"]:
            lib.eq(subprocess.run(argv(c, main.pid)).returncode, 0, c)
        expect("RELOADING=1")
        expect("READY=1")
        lib.eq(pu.echo_once(port), b"ping\n", "serves after the reload")
        main.terminate()
        expect("STOPPING=1")
        main.wait(10)
        lib.eq(main.returncode, 0, "exit status")
        ns.close()


lib.main()
