#!/usr/bin/env python3
"""Server states across reloads (reference §3.7): server-state-file,
server-state-base, load-server-state-from-file global|local, read at
start-up from a "show servers state" dump as HAProxy 2.6 applies it;
the HAProxy recipe (dump before reload) for -sf and master-worker
reloads; the master CLI's "@1 <command>" / "@!<pid> <command>"."""
import os
import re
import signal
import socket

import lib
import procutil as pu
from procutil import (HEADER, line, state_config as config, stat, start_master, reload,
                      worker_pid, worker_is_new, mcli)

@lib.test
def global_state_file_applied_at_start():
    d = lib.tmpdir()
    ports = lib.free_ports(4)
    state = "\n".join(["1", HEADER,
                       line("be", 1, "s1", ports[0], admin=1),            # forced maintenance
                       line("be", 2, "s2", ports[3] + 1, admin=8, uw=5, iw=10),  # drain, weight, port
                       line("be", 3, "s3", ports[2], op=0, addr="127.0.0.2"),   # down; address ignored
                       line("be", 4, "s4", ports[3], uw=7),               # weight
                       line("be", 9, "gone", 1),                          # no such server
                       line("other", 1, "s1", 1, admin=1)]) + "\n"        # no such backend
    lib.write(os.path.join(d, "state"), state)
    port = lib.free_port()
    sock = os.path.join(d, "admin.sock")
    cfg = lib.config(config(port, sock, ports, "    server-state-file %s/state" % d,
                            "    load-server-state-from-file global"), directory=d)
    p = lib.start(cfg, ready_ports=[port])
    lib.ok(lib.wait_unix(sock), "stats socket")
    st = stat(sock)
    lib.eq(st["s1"][0], "MAINT", "s1 forced maintenance")
    lib.eq(st["s2"][:2], ("DRAIN", "5"), "s2 drain and weight")
    lib.eq(st["s2"][2], "127.0.0.1:%d" % (ports[3] + 1), "s2 port from the file")
    lib.eq(st["s3"][0], "DOWN", "s3 operational state")
    lib.eq(st["s3"][2], "127.0.0.1:%d" % ports[2], "s3 keeps its configured address")
    lib.eq(st["s4"][:2], ("no check", "7"), "s4 weight")
    lib.stop(p)
    lib.contains(lib.logs(p), "Server be/s3 is DOWN, changed from server-state after a reload.")


@lib.test
def configuration_changes_win():
    # a weight changed in the configuration, "disabled" added or removed:
    # the configuration wins over the file (HAProxy's rules)
    ports = lib.free_ports(4)
    state = "\n".join(["1", HEADER,
                       line("be", 1, "s1", ports[0]),                # was ready, now disabled
                       line("be", 2, "s2", ports[1], uw=5, iw=3),    # configured weight was 3
                       line("be", 3, "s3", ports[2], admin=4 | 1),   # was disabled, no longer
                       line("be", 4, "s4", ports[3])]) + "\n"
    d = lib.tmpdir()
    lib.write(os.path.join(d, "state"), state)
    port = lib.free_port()
    sock = os.path.join(d, "admin.sock")
    cfg = lib.config(config(port, sock, ports, "    server-state-file %s/state" % d,
                            "    load-server-state-from-file global", " disabled"), directory=d)
    p = lib.start(cfg, ready_ports=[port])
    lib.ok(lib.wait_unix(sock), "stats socket")
    st = stat(sock)
    lib.eq(st["s1"][0], "MAINT", "disabled in the configuration")
    lib.eq(st["s2"][1], "10", "the configured weight changed: it wins")
    lib.eq(st["s3"][0], "no check", "no longer disabled in the configuration")
    lib.stop(p)


@lib.test
def local_state_files_under_server_state_base():
    d = lib.tmpdir()
    ports = lib.free_ports(4)
    os.mkdir(os.path.join(d, "states"))
    # a backend's own file is named after it; lines of other backends are ignored
    lib.write(os.path.join(d, "states", "be"), "\n".join(
        ["1", line("be", 1, "s1", ports[0], admin=1), line("xx", 2, "s2", ports[1], admin=1)]) + "\n")
    port = lib.free_port()
    sock = os.path.join(d, "admin.sock")
    cfg = lib.config(config(port, sock, ports, "    server-state-base %s/states" % d,
                            "    load-server-state-from-file local"), directory=d)
    p = lib.start(cfg, ready_ports=[port])
    lib.ok(lib.wait_unix(sock), "stats socket")
    st = stat(sock)
    lib.eq(st["s1"][0], "MAINT", "s1 from the backend's file")
    lib.eq(st["s2"][0], "no check", "s2 untouched")
    lib.stop(p)


@lib.test
def unreadable_or_broken_files_are_warnings():
    ports = lib.free_ports(4)
    cases = [
        (None, "config: Can't open global server state file '%s/state': No such file or directory"),
        ("2\n" + line("be", 1, "s1", ports[0], admin=1) + "\n",
         "config: Can't get version of the global server state file '%s/state'."),
        # one short line rejects the whole file
        ("1\n" + line("be", 2, "s2", ports[1], admin=1) + "\n3 be 1 s1 127.0.0.1 2 1\n",
         "config: corrupted global server state file '%s/state' at line 2."),
        ("1\n" + line("be", 1, "s1", ports[0], op=9) + "\n",
         "server-state application failed for server 'be/s1', invalid srv_op_state value '9'"),
    ]
    for text, msg in cases:
        d = lib.tmpdir()
        if text is not None:
            lib.write(os.path.join(d, "state"), text)
        port = lib.free_port()
        sock = os.path.join(d, "admin.sock")
        cfg = lib.config(config(port, sock, ports, "    server-state-file %s/state" % d,
                                "    load-server-state-from-file global"), directory=d)
        p = lib.start(cfg, ready_ports=[port])
        lib.ok(lib.wait_unix(sock), "stats socket")
        st = stat(sock)
        lib.eq([v[0] for v in st.values()], ["no check"] * 4, "nothing applied")
        lib.stop(p)
        lib.contains(lib.logs(p), msg % d if "%s" in msg else msg)


@lib.test
def sf_reload_with_the_haproxy_recipe_keeps_maint():
    d = lib.tmpdir()
    ports = lib.free_ports(4)
    port = lib.free_port()
    sock = os.path.join(d, "admin.sock")
    cfg = lib.config(config(port, sock, ports, "    server-state-file %s/state" % d,
                            "    load-server-state-from-file global"), directory=d)
    a = lib.start(cfg, ready_ports=[port])
    lib.ok(lib.wait_unix(sock), "stats socket")
    lib.cli(sock, "set server be/s2 state maint")
    lib.cli(sock, "set weight be/s4 9")
    # the recipe: echo "show servers state" | socat ... > file
    lib.write(os.path.join(d, "state"), lib.cli(sock, "show servers state"))
    b = lib.start(cfg, args=["-sf", str(a.pid)], ready_ports=[port])
    lib.ok(pu.wait_dead(a.pid), "the old process exits")
    lib.ok(lib.wait_unix(sock), "the new stats socket")
    st = stat(sock)
    lib.eq(st["s2"][0], "MAINT", "s2 stays in maintenance")
    lib.eq(st["s4"][1], "9", "s4 keeps its weight")
    lib.eq(st["s1"][0], "no check", "s1 untouched")
    lib.stop(b)


@lib.test
def master_worker_reload_with_the_recipe_keeps_maint():
    d = lib.tmpdir()
    ports = lib.free_ports(4)
    port = lib.free_port()
    sock = os.path.join(d, "admin.sock")
    text = config(port, sock, ports, "    server-state-file %s/state" % d,
                  "    load-server-state-from-file global")
    m, cfg = start_master(text, d, ("-W",))
    lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
    lib.ok(lib.wait_unix(sock), "stats socket")
    w1 = worker_pid(sock)
    lib.cli(sock, "set server be/s1 state maint")
    lib.cli(sock, "set server be/s3 state drain")
    lib.write(os.path.join(d, "state"), lib.cli(sock, "show servers state"))
    lib.ok(reload(m, lambda: worker_is_new(sock, [w1])), "a new worker:\n" + pu.output(m))
    st = stat(sock)
    lib.eq(st["s1"][0], "MAINT", "s1 stays in maintenance")
    lib.eq(st["s3"][0], "DRAIN", "s3 stays in drain")
    m.send_signal(signal.SIGTERM)
    m.wait(10)


@lib.test
def master_cli_forwards_to_a_worker():
    d = lib.tmpdir()
    ports = lib.free_ports(4)
    port = lib.free_port()
    sock = os.path.join(d, "admin.sock")
    msock = os.path.join(d, "master.sock")
    m, cfg = start_master(config(port, sock, ports), d, ("-W", "-S", msock))
    lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
    lib.ok(lib.wait_unix(msock), "master CLI")
    lib.ok(lib.wait_unix(sock), "stats socket")
    w = worker_pid(sock)
    out = mcli(msock, "@1 show servers state be")
    lib.eq(out.split("\n")[0], "1", "the worker's dump, version line")
    lib.eq(len([x for x in out.split("\n") if re.match(r"\d+ be ", x)]), 4,
           "four servers:\n" + out)
    out = mcli(msock, "@!%d show info" % w)
    lib.contains(out, "Pid: %d\n" % w, "@!<pid> reaches that worker")
    # a change made through the master reaches the worker
    mcli(msock, "@1 set server be/s2 state maint")
    lib.eq(stat(sock)["s2"][0], "MAINT", "set through @1")
    lib.eq(mcli(msock, "@!1 show info"), "Can't find the target PID matching the prefix '@!1'\n",
           "unknown pid")
    lib.eq(mcli(msock, "@2 show info"), "Can't find the target PID matching the prefix '@2'\n",
           "unknown relative pid")
    out = mcli(msock, "@0 show proc")
    lib.contains(out, "# workers\n%d " % w, "@0 is the master")
    m.send_signal(signal.SIGTERM)
    m.wait(10)


@lib.test
def master_cli_reaches_a_worker_without_stats_socket():
    # the master's own channel to each worker (HAProxy's sockpair@)
    with lib.tcp_echo() as echo:
        d = lib.tmpdir()
        port = lib.free_port()
        msock = os.path.join(d, "master.sock")
        m, cfg = start_master(pu.tcp_config(port, echo.port), d, ("-W", "-S", msock))
        lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
        ws = lib.wait_for(lambda: pu.children(m.pid) if len(pu.children(m.pid)) == 1 else None)
        lib.ok(ws, "one worker")
        out = mcli(msock, "@1 show info")
        lib.contains(out, "Pid: %d\n" % ws[0], "@1 reaches the worker")
        lib.ok(reload(m, lambda: [w for w in pu.children(m.pid) if w != ws[0]]),
               "a new worker:\n" + pu.output(m))
        new = lib.wait_for(lambda: [w for w in pu.children(m.pid) if w != ws[0]])
        lib.ok(lib.wait_for(lambda: ("Pid: %d\n" % new[0]) in (mcli(msock, "@1 show info") or "")),
               "@1 is the new worker")
        m.send_signal(signal.SIGTERM)
        m.wait(10)


def mcli_session(path, lines, expect_end):
    """Sends lines one at a time on one connection, each once the answer
    so far ends with its expect_end; after the last, reads until the
    server closes."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        data = b""
        for ln, end in zip(lines, expect_end):
            s.sendall(ln.encode() + b"\n")
            while not data.endswith(end.encode()):
                c = s.recv(65536)
                if not c:
                    return data.decode()
                data += c
        while True:
            c = s.recv(65536)
            if not c:
                return data.decode()
            data += c


@lib.test
def master_cli_prompt_mode():
    with lib.tcp_echo() as echo:
        d = lib.tmpdir()
        port = lib.free_port()
        msock = os.path.join(d, "master.sock")
        m, cfg = start_master(pu.tcp_config(port, echo.port), d, ("-W", "-S", msock))
        lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
        ws = lib.wait_for(lambda: pu.children(m.pid) if len(pu.children(m.pid)) == 1 else None)
        lib.ok(ws and mcli(msock, "show proc"), "master CLI")
        w = ws[0]
        info = "Pid: %d\n" % w
        lines = ["prompt", "@1", "show info", "@master", "quit"]  # quit: read to the end
        ends = ["master> ", "%d> " % w, "\n\n%d> " % w, "master> ", ""]
        out = mcli_session(msock, lines, ends)
        lib.ok(out.startswith("master> %d> " % w), "prompt, then the worker's prompt:\n" + out)
        lib.contains(out, info, "a command in the worker's mode")
        lib.ok(out.endswith("%d> master> master> " % w), "back to the master, prompt after quit:\n" + out)
        m.send_signal(signal.SIGTERM)
        m.wait(10)


lib.main()
