#!/usr/bin/env python3
"""The stats socket's sockets, framing, levels and help (reference §3.1 to
§3.4, §0 #7 #8 #18), byte for byte where HAProxy 2.6 is deterministic,
by shape where it prints its own version. Passes with SLUICE_ORACLE=1.
What only sluice does is in test_cli_socket_beyond.py."""
import os
import re
import socket
import stat
import subprocess
import time

import lib

# HAProxy 2.6.12's "help" usage lines (reference §3.8), in its order.
HAPROXY_USAGES = [
    "abort ssl ca-file <cafile>", "abort ssl cert <certfile>", "abort ssl crl-file <crlfile>",
    "add acl [@<ver>] <acl> <pattern>", "add map [@<ver>] <map> <key> <val>",
    "add server <bk>/<srv>", "add ssl crt-list <list> <cert> [opts]*",
    "clear acl [@<ver>] <acl>", "clear counters [all]", "clear map [@<ver>] <map>",
    "clear table <table> [<filter>]*", "commit acl @<ver> <acl>", "commit map @<ver> <map>",
    "commit ssl ca-file <cafile>", "commit ssl cert <certfile>", "commit ssl crl-file <crlfile>",
    "del acl <acl> [<key>|#<ref>]", "del map <map> [<key>|#<ref>]", "del server <bk>/<srv>",
    "del ssl ca-file <cafile>", "del ssl cert <certfile>", "del ssl crl-file <crlfile>",
    "del ssl crt-list <list> <cert[:line]>", "disable agent",
    "disable dynamic-cookie backend <bk>", "disable frontend <frontend>", "disable health",
    "disable server (DEPRECATED)", "enable agent", "enable dynamic-cookie backend <bk>",
    "enable frontend <frontend>", "enable health", "enable server  (DEPRECATED)",
    "get acl <acl> <value>", "get map <acl> <value>", "get var <name>",
    "get weight <bk>/<srv>", "new ssl ca-file <cafile>", "new ssl cert <certfile>",
    "new ssl crlfile <crlfile>", "operator", "prepare acl <acl>", "prepare map <acl>",
    "set dynamic-cookie-key backend <bk> <k>", "set map <map> [<key>|#<ref>] <value>",
    "set maxconn frontend <frontend> <value>", "set maxconn global <value>",
    "set maxconn server <bk>/<srv>", "set profiling <what> {auto|on|off}",
    "set rate-limit <setting> <value>", "set server <bk>/<srv> [opts]",
    "set severity-output [none|number|string]", "set ssl ca-file <cafile> <payload>",
    "set ssl cert <certfile> <payload>", "set ssl crl-file <crlfile> <payload>",
    "set ssl ocsp-response <resp|payload>", "set ssl tls-key [id|file] <key>",
    "set table <table> key <k> [data.* <v>]*", "set timeout [cli] <delay>",
    "set weight <bk>/<srv>  (DEPRECATED)", "show acl [@<ver>] <acl>]", "show activity",
    "show backend", "show cache", "show cli level", "show cli sockets", "show env [var]",
    "show errors [<px>] [request|response]", "show events [<sink>] [-w] [-n]",
    "show fd [num]", "show info [desc|json|typed|float]*", "show libs",
    "show map [@ver] [map]", "show peers [dict|-] [section]", "show pools",
    "show profiling [<what>|<#lines>|byaddr]*", "show resolvers [id]", "show schema json",
    "show servers conn [<backend>]", "show servers state [<backend>]", "show sess [id]",
    "show ssl ca-file [<cafile>[:<index>]]", "show ssl cert [<certfile>]",
    "show ssl crl-file [<crlfile[:<index>>]]", "show ssl crt-list [-n] [<list>]",
    "show ssl ocsp-response [id]", "show ssl providers", "show startup-logs",
    "show stat [desc|json|no-maint|typed|up]*", "show table <table> [<filter>]*",
    "show tasks", "show threads", "show tls-keys [id|*]", "show trace [<module>]",
    "show version", "shutdown frontend <frontend>", "shutdown session [id]",
    "shutdown sessions server <bk>/<srv>", "trace [<module>|0] [cmd [args...]]", "user",
]
TAIL = [b"  help [<command>]                        : list matching or all commands",
        b"  prompt                                  : toggle interactive mode with prompt",
        b"  quit                                    : disconnect"]

CFG = """global
    stats socket %(d)s/admin.sock level admin mode 640
    stats socket %(d)s/op.sock
    stats socket %(d)s/user.sock level user
    stats socket ipv4@127.0.0.1:%(tcp)d level admin
    stats socket %(d)s/sev.sock level admin severity-output number
    stats timeout %(timeout)s
    stats maxconn %(maxconn)d
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
backend be
    server s1 127.0.0.1:%(srv)d
"""

_env = {}


def env(timeout="10s", maxconn=10):
    key = (timeout, maxconn)
    if key not in _env:
        d = lib.tmpdir()
        tcp, srv = lib.free_ports(2)
        # a stale file where the socket goes: it is replaced
        lib.write(os.path.join(d, "admin.sock"), "stale\n")
        p = lib.start(lib.config(CFG % {"d": d, "tcp": tcp, "srv": srv, "timeout": timeout,
                                        "maxconn": maxconn}), ready_ports=[tcp])
        for n in ("admin", "op", "user", "sev"):
            lib.ok(lib.wait_for(lambda: stat.S_ISSOCK(os.stat(os.path.join(d, n + ".sock")).st_mode)
                                if os.path.exists(os.path.join(d, n + ".sock")) else False),
                   "%s.sock is a socket\n%s" % (n, lib.logs(p)))
        _env[key] = {"d": d, "tcp": tcp, "p": p}
    return _env[key]


def connect(where, timeout=10.0):
    if isinstance(where, int):
        s = socket.create_connection(("127.0.0.1", where), timeout=timeout)
    else:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(where)
    return s


def read_until_eof(s):
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            return out
        out += d


def ask(where, data, shut=True):
    """Sends data, returns everything until the server closes."""
    s = connect(where)
    s.sendall(data)
    if shut:
        s.shutdown(socket.SHUT_WR)
    try:
        return read_until_eof(s)
    finally:
        s.close()


def read_exact(s, n):
    out = b""
    while len(out) < n:
        d = s.recv(n - len(out))
        if not d:
            break
        out += d
    return out


def sock(name, e=None):
    e = e or env()
    return os.path.join(e["d"], name + ".sock")


VERSION = re.compile(rb"^[0-9][^\n]*\n\n$")


@lib.test
def framing_one_line_chained():
    # reference §3.2: printf 'show version;show cli level\r\n' | socat ...
    out = ask(sock("admin"), b"show version;show cli level\r\n")
    lib.ok(re.match(rb"^[0-9][^\n]*\n\nadmin\n\n$", out), "got %r" % out)


@lib.test
def framing_with_socat():
    socat = lib.tool("socat")
    r = subprocess.run([socat, "stdio", "unix-connect:" + sock("admin")], input=b"show cli level\n",
                       stdout=subprocess.PIPE, timeout=10)
    lib.eq(r.stdout, b"admin\n\n", "socat output")
    r = subprocess.run([socat, "stdio", "unix-connect:" + sock("admin")], input=b"set timeout cli 5\n",
                       stdout=subprocess.PIPE, timeout=10)
    lib.eq(r.stdout, b"\n", "a body-less success is one empty line")


@lib.test
def framing_empty_command_between_semicolons():
    out = ask(sock("admin"), b"show cli level;;show cli level\n")
    lib.ok(out.startswith(b"admin\n\nUnknown command. Please enter one of the following commands only:\n"),
           "got %r" % out[:200])
    lib.ok(out.endswith(TAIL[2] + b"\n\nadmin\n\n"), "got %r" % out[-200:])


@lib.test
def framing_two_lines_one_write():
    lib.eq(ask(sock("admin"), b"show cli level\nshow cli level\n"), b"admin\n\nadmin\n\n")


@lib.test
def framing_closes_after_what_arrived():
    # the client keeps its write side open: the server closes anyway
    s = connect(sock("admin"), timeout=5)
    s.sendall(b"show cli level\n")
    lib.eq(read_until_eof(s), b"admin\n\n", "answer then close")
    s.close()


@lib.test
def framing_partial_line_waits():
    s = connect(sock("admin"), timeout=5)
    s.sendall(b"show cli level\nshow cli le")
    lib.eq(read_exact(s, 7), b"admin\n\n")
    # the rest of the line completes the second command
    s.sendall(b"vel\n")
    lib.eq(read_until_eof(s), b"admin\n\n")
    s.close()


@lib.test
def framing_partial_line_at_eof_dropped():
    lib.eq(ask(sock("admin"), b"show cli level\nshow cli le"), b"admin\n\n")
    lib.eq(ask(sock("admin"), b"show cli level"), b"")


@lib.test
def framing_only_one_cr_stripped():
    out = ask(sock("admin"), b"show cli level\r\r\n")
    lib.ok(out.startswith(b"Unknown command, but maybe one of the following ones is a better match:\n"),
           "got %r" % out[:100])


@lib.test
def escapes():
    # "\;" is a literal semicolon: one command "show cli level;" (unknown)
    out = ask(sock("admin"), b"show cli level\\;\n")
    lib.ok(out.startswith(b"Unknown command, but maybe"), "got %r" % out[:100])
    lib.contains(out.decode(), "  show cli level   ")
    # "\e" is "e", "\\" is a backslash
    lib.eq(ask(sock("admin"), b"show cli l\\evel\n"), b"admin\n\n")
    out = ask(sock("admin"), b"show cli\\\\ level\n")
    lib.ok(out.startswith(b"Unknown command"), "got %r" % out[:100])
    # an escaped space joins two words
    out = ask(sock("admin"), b"show\\ cli level\n")
    lib.ok(out.startswith(b"Unknown command"), "got %r" % out[:100])


@lib.test
def prompt_mode():
    lib.eq(ask(sock("admin"), b"prompt\n"), b"\n> ")
    lib.eq(ask(sock("admin"), b"prompt\nshow cli level\nprompt\nshow cli level\n"),
           b"\n> admin\n\n> \nadmin\n\n")
    lib.eq(ask(sock("admin"), b"prompt;show cli level\n"), b"\n> admin\n\n> ")
    # interactive: the connection stays open between commands
    s = connect(sock("admin"), timeout=5)
    s.sendall(b"prompt\n")
    lib.eq(read_exact(s, 3), b"\n> ")
    s.sendall(b"show cli level\n")
    lib.eq(read_exact(s, 9), b"admin\n\n> ")
    s.sendall(b"quit\n")
    lib.eq(read_until_eof(s), b"", "quit closes without output")
    s.close()


@lib.test
def prompt_payload():
    # lines after " <<" get "+ " until the empty line runs the command
    lib.eq(ask(sock("admin"), b"prompt\nshow cli level <<\na b\n\nshow cli level\n"),
           b"\n> + + admin\n\n> admin\n\n> ")
    lib.eq(ask(sock("admin"), b"show cli level <<\na b\n\nshow cli level\n"),
           b"admin\n\nadmin\n\n")


@lib.test
def quit_stops_the_line():
    lib.eq(ask(sock("admin"), b"show cli level;quit;show cli level\n"), b"admin\n\n")
    lib.eq(ask(sock("admin"), b"prompt\nquit\nshow cli level\n"), b"\n> ")


def usage_lines(out):
    return [l for l in out.split(b"\n")[1:] if l]


@lib.test
def help_lists_everything_sorted():
    for name in ("admin", "user"):   # the list does not depend on the level (§0 #7)
        out = ask(sock(name), b"help\n")
        lib.ok(out.startswith(b"The following commands are valid at this level:\n"), "first line")
        lib.ok(out.endswith(b"\n\n"), "ends with the empty line")
        lines = usage_lines(out)
        lib.eq(lines[-3:], TAIL, "help, prompt, quit last")
        body = lines[:-3]
        usages = [re.sub(r"\s*: .*$", "", l.decode()[2:]) for l in body]
        lib.eq(usages, sorted(usages), "sorted")
        for u in HAPROXY_USAGES:
            lib.ok(u in usages, "help lists %r" % u)
        for l in body:
            lib.ok(l.startswith(b"  "), "indented: %r" % l)
            u = l.decode()[2:]
            if len(re.sub(r"\s*: .*$", "", u)) < 40:
                lib.eq(u[40:42], ": ", "column of %r" % l)


@lib.test
def help_with_words():
    out = ask(sock("admin"), b"help show cli\n")
    lib.eq(out, b"The following commands are valid at this level:\n"
           b"  show cli level                          : display the level of the current CLI session\n"
           b"  show cli sockets                        : dump list of cli sockets\n" + b"\n".join(TAIL) + b"\n\n")
    out = ask(sock("admin"), b"help show version x\n")
    lines = usage_lines(out)
    lib.eq(len(lines), 4, "one match and the tail: %r" % out)
    lib.ok(lines[0].startswith(b"  show version "), "show version: %r" % lines[0])


@lib.test
def unknown_command_texts():
    out = ask(sock("user"), b"\n")
    lib.ok(out.startswith(b"Unknown command. Please enter one of the following commands only:\n"), "empty line")
    full = usage_lines(ask(sock("user"), b"help\n"))
    lib.eq(usage_lines(out), full, "same list as help")
    for cmd in (b"zzzz", b"foo bar", b"show foo"):
        out = ask(sock("user"), cmd + b"\n")
        lib.ok(out.startswith(b"Unknown command, but maybe one of the following ones is a better match:\n"),
               "%r: %r" % (cmd, out[:100]))
        lines = usage_lines(out)
        lib.eq(lines[-3:], TAIL, "tail")
        lib.ok(1 <= len(lines) - 3 <= 5, "%r: up to 5 proposals: %r" % (cmd, lines))
        body = [l.decode() for l in lines[:-3]]
        lib.eq(body, sorted(body), "sorted")
    out = ask(sock("user"), b"show cli levl\n")
    lib.contains(out.decode(), "\n  show cli level ")
    # a command with a valid prefix: the lines under that prefix
    out = ask(sock("user"), b"show cli\n")
    lib.eq(usage_lines(out)[:2], [b"  show cli level                          : display the level of the current CLI session",
                                  b"  show cli sockets                        : dump list of cli sockets"])


@lib.test
def levels_permission_denied():
    for name in ("user", "op"):
        lib.eq(ask(sock(name), b"set server be/s1 state drain\n"), b"Permission denied\n\n", name)
        lib.eq(ask(sock(name), b"disable server be/s1\n"), b"Permission denied\n\n", name)
    lib.eq(ask(sock("user"), b"show env\n"), b"Permission denied\n\n")
    lib.eq(ask(sock("user"), b"show cli level\n"), b"user\n\n")
    lib.eq(ask(sock("op"), b"show cli level\n"), b"operator\n\n")
    lib.eq(ask(sock("admin"), b"show cli level\n"), b"admin\n\n")
    lib.eq(ask(sock("admin"), b"operator;show cli level;user;show cli level;operator\n"),
           b"\noperator\n\n\nuser\n\nPermission denied\n\n")
    # lowered: admin-only commands refused for the rest of the connection
    lib.eq(ask(sock("admin"), b"user;set server be/s1 state drain\n"), b"\nPermission denied\n\n")


@lib.test
def severity_output():
    lib.eq(ask(sock("sev"), b"get weight be/nosuch\n"), b"[3]: No such server.\n\n")
    lib.eq(ask(sock("admin"), b"set severity-output string;get weight be/nosuch;set severity-output none;get weight be/nosuch\n"),
           b"\n[err]: No such server.\n\n\nNo such server.\n\n")
    lib.eq(ask(sock("admin"), b"set severity-output foo\n"),
           b"one of 'none', 'number', 'string' is a required argument\n\n")


@lib.test
def set_timeout_errors():
    lib.eq(ask(sock("user"), b"set timeout cli\n"), b"Expects an integer value.\n\n")
    lib.eq(ask(sock("user"), b"set timeout cli x\n"), b"Invalid timeout value.\n\n")
    lib.eq(ask(sock("user"), b"set timeout foo 5\n"), b"'set timeout' only supports 'cli'.\n\n")
    lib.eq(ask(sock("user"), b"set timeout\n"), b"'set timeout' only supports 'cli'.\n\n")


@lib.test
def show_cli_sockets():
    e = env()
    out = ask(sock("user"), b"show cli sockets\n")
    lib.eq(out, ("# socket lvl processes\n"
                 "unix@%(d)s/admin.sock admin all\n"
                 "unix@%(d)s/op.sock operator all\n"
                 "unix@%(d)s/user.sock user all\n"
                 "ipv4@127.0.0.1:%(tcp)d admin all\n"
                 "unix@%(d)s/sev.sock admin all\n\n" % e).encode())


@lib.test
def show_version_and_env():
    lib.ok(VERSION.match(ask(sock("user"), b"show version\n")), "a version line")
    lib.eq(ask(sock("op"), b"show env SLUICE_CLI_TEST_NOPE\n"), b"Variable not found\n\n")
    out = ask(sock("op"), b"show env PATH\n")
    lib.eq(out, ("PATH=%s\n\n" % os.environ["PATH"]).encode())
    out = ask(sock("op"), b"show env\n")
    lib.contains(out.decode(), "\nPATH=%s\n" % os.environ["PATH"])
    lib.ok(out.endswith(b"\n\n"), "ends with the empty line")


@lib.test
def show_activity_shape():
    out = ask(sock("user"), b"show activity\n").decode()
    lib.ok(re.match(r"thread_id: \d+ \(1\.\.\d+\)\ndate_now: \d+\.\d{6}\n", out), "head: %r" % out[:80])
    for f in ("ctxsw", "loops", "accepted"):
        lib.ok(re.search(r"\n%s: \d+" % f, out), "%s in %r" % (f, out))
    lib.ok(out.endswith("\n\n"), "empty line")


@lib.test
def tcp_socket_same_protocol():
    e = env()
    lib.eq(ask(e["tcp"], b"show cli level;set timeout cli 5\n"), b"admin\n\n\n")
    lib.eq(ask(e["tcp"], b"prompt\nshow cli level\n"), b"\n> admin\n\n> ")


@lib.test
def socket_file_mode_and_stale_file():
    st = os.stat(sock("admin"))
    lib.ok(stat.S_ISSOCK(st.st_mode), "the stale regular file was replaced by the socket")
    lib.eq(oct(st.st_mode & 0o777), oct(0o640), "mode 640")


@lib.test
def stats_timeout_closes_idle_client():
    e = env(timeout="1s")
    s = connect(sock("admin", e), timeout=8)
    t = time.time()
    lib.eq(read_until_eof(s), b"", "closed without output")
    lib.ok(0.5 < time.time() - t < 6, "closed after about 1s: %.2f" % (time.time() - t))
    s.close()


@lib.test
def set_timeout_cli_applies():
    s = connect(sock("admin"), timeout=8)
    s.sendall(b"prompt\nset timeout cli 1\n")
    t = time.time()
    lib.eq(read_until_eof(s), b"\n> \n> ")
    lib.ok(time.time() - t < 6, "closed after about 1s: %.2f" % (time.time() - t))
    s.close()


@lib.test
def maxconn_extra_clients_wait():
    e = env(maxconn=2)
    held = []
    for _ in range(2):
        s = connect(sock("admin", e), timeout=5)
        s.sendall(b"prompt\n")
        lib.eq(read_exact(s, 3), b"\n> ")
        held.append(s)
    third = connect(sock("admin", e), timeout=0.5)   # waits in the backlog
    third.sendall(b"show cli level\n")
    try:
        got = third.recv(100)
    except socket.timeout:
        got = None
    lib.eq(got, None, "no answer while 2 connections are served")
    held[0].sendall(b"quit\n")
    held[0].close()
    third.settimeout(5)
    lib.eq(read_until_eof(third), b"admin\n\n", "served once a slot is free")
    third.close()
    held[1].close()


@lib.test
def longest_line_answered():
    # HAProxy always answers a line of 15360 bytes (LF included)
    line = b"show cli level " + b"x" * (15360 - 16) + b"\n"
    lib.eq(len(line), 15360)
    lib.eq(ask(sock("admin"), line), b"admin\n\n")


@lib.test
def bind_errors_stop_start_up():
    d = lib.tmpdir()
    cfg = lib.config("global\n    stats socket %s/nodir/admin.sock level admin\n" % d)
    r = lib.run(["-db", "-f", cfg], timeout=10)
    lib.ok(r.rc != 0, "exit status %r" % r)
    lib.contains(r.err, "Binding [%s:2] for frontend GLOBAL: cannot bind UNIX socket "
                 "(No such file or directory) [%s/nodir/admin.sock]" % (cfg, d))
    lib.contains(r.err, "Some protocols failed to start their listeners! Exiting.")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    cfg = lib.config("global\n    stats socket ipv4@127.0.0.1:%d level admin\n" % port, name="tcp.cfg")
    r = lib.run(["-db", "-f", cfg], timeout=10)
    busy.close()
    lib.ok(r.rc != 0, "exit status %r" % r)
    lib.contains(r.err, "Binding [%s:2] for frontend GLOBAL: cannot bind socket "
                 "(Address already in use) for [127.0.0.1:%d]" % (cfg, port))


lib.main()
