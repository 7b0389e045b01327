#!/usr/bin/env python3
"""What sluice's stats socket does that HAProxy 2.6 does not (see
doc/runtime-api.md, "Sockets, levels and framing"): HAProxy commands of
features sluice lacks answer that they are not supported; a line longer
than HAProxy's buffer closes the connection at once; the idle timeout
applies after the first command too; show activity's fields."""
import os
import re
import socket
import time

import lib

BEYOND_HAPROXY = True

CFG = """global
    stats socket %(d)s/admin.sock level admin
    stats socket %(d)s/user.sock level user
    stats timeout %(timeout)s
    stats maxconn 2
"""

_env = {}


def env(timeout="10s"):
    if timeout not in _env:
        d = lib.tmpdir()
        p = lib.start(lib.config(CFG % {"d": d, "timeout": timeout}))
        lib.ok(lib.wait_unix(os.path.join(d, "admin.sock")), "socket\n" + lib.logs(p))
        _env[timeout] = {"d": d, "p": p}
    return _env[timeout]


def connect(path, timeout=10.0):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_until_eof(s):
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            return out
        out += d


def ask(path, data):
    s = connect(path)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    try:
        return read_until_eof(s)
    finally:
        s.close()


def sock(name, e=None):
    return os.path.join((e or env())["d"], name + ".sock")


@lib.test
def unsupported_commands_say_so():
    cases = {
        b"show table": b"'show table' is not supported by sluice (no stick tables).\n\n",
        b"show table t1": b"'show table' is not supported by sluice (no stick tables).\n\n",
        b"show ssl ca-file": b"'show ssl ca-file' is not supported by sluice (no CA or CRL file changes at run time).\n\n",
        b"show peers": b"'show peers' is not supported by sluice (no peers).\n\n",
        b"show resolvers": b"'show resolvers' is not supported by sluice (no resolvers).\n\n",
        b"trace": b"'trace' is not supported by sluice (no traces).\n\n",
        b"show pools": b"'show pools' is not supported by sluice (no HAProxy internals to inspect).\n\n",
        b"add server be/s3 127.0.0.1:1": b"'add server' is not supported by sluice (no dynamic servers).\n\n",
        b"get var txn.x": b"'get var' is not supported by sluice (no variables at run time).\n\n",
    }
    for cmd, want in cases.items():
        lib.eq(ask(sock("admin"), cmd + b"\n"), want, cmd.decode())
    # the level is checked first, as HAProxy would
    lib.eq(ask(sock("user"), b"add server be/s3 127.0.0.1:1\n"), b"Permission denied\n\n")
    # error feedback takes the severity prefix
    lib.eq(ask(sock("admin"), b"set severity-output number;show cache\n"),
           b"\n[3]: 'show cache' is not supported by sluice (no cache).\n\n")


@lib.test
def over_long_line_closes_at_once():
    s = connect(sock("admin"), timeout=5)
    t = time.time()
    try:
        s.sendall(b"show cli level " + b"x" * 20000 + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        out = read_until_eof(s)
    except ConnectionResetError:
        out = b""
    lib.eq(out, b"", "no answer")
    lib.ok(time.time() - t < 3, "closed at once, not after the timeout")
    s.close()
    # the slot is free again (stats maxconn 2): two more are served
    lib.eq(ask(sock("admin"), b"show cli level\n"), b"admin\n\n")
    lib.eq(ask(sock("admin"), b"show cli level\n"), b"admin\n\n")


@lib.test
def idle_timeout_after_a_command():
    e = env(timeout="1s")
    s = connect(sock("admin", e), timeout=8)
    s.sendall(b"prompt\n")
    t = time.time()
    lib.eq(read_until_eof(s), b"\n> ", "prompt, then closed when idle")
    lib.ok(time.time() - t < 6, "closed after about 1s: %.2f" % (time.time() - t))
    s.close()
    # a partial line does not hold the connection either
    s = connect(sock("admin", e), timeout=8)
    s.sendall(b"show cli lev")
    lib.eq(read_until_eof(s), b"")
    s.close()


@lib.test
def show_activity_fields():
    out = ask(sock("user"), b"show activity\n").decode()
    names = re.findall(r"^([a-z_]+): ", out, re.M)
    lib.eq(names, ["thread_id", "date_now", "ctxsw", "loops", "cli_commands", "accepted"])
    lib.ok(re.match(r"thread_id: 0 \(1\.\.\d+\)\n", out), out)


@lib.test
def version_is_sluices():
    with open(os.path.join(os.environ.get("SLUICE_ROOT", "."), "VERSION")) as f:
        v = f.read().strip()
    lib.eq(ask(sock("user"), b"show version\n"), (v + "\n\n").encode())


lib.main()
