"""Shared by test_cli_server.py and test_cli_server_beyond.py: a sluice
(or haproxy) with an admin and an operator stats socket, a TCP frontend
and servers that announce their name, and small client helpers."""

import os
import socket

import lib

DEFAULTS = ("defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 20s\n"
            "    timeout server 20s\n    timeout queue 10s\n")


def cli(path, cmd, timeout=10.0):
    """One command line on the stats socket; the whole answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall(cmd.encode() + b"\n")
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    return out.decode()


def status(sock, px, sv):
    for line in cli(sock, "show stat").split("\n"):
        f = line.split(",")
        if len(f) > 18 and f[0] == px and f[1] == sv:
            return f[17]
    return None


class Lab:
    """A sluice (or haproxy) with an admin and an operator socket, a
    frontend fe on be (roundrobin over s1, s2) and servers that send
    their name then echo."""

    def __init__(self, stack, backend_opts="", servers=None, extra="", global_extra=""):
        self.d = lib.tmpdir()
        self.admin = os.path.join(self.d, "admin.sock")
        self.oper = os.path.join(self.d, "oper.sock")
        names = servers or ["s1", "s2"]
        self.srv = {}
        for n in names:
            self.srv[n] = stack.enter_context(lib.tcp_echo(banner=n.encode() + b"\n"))
        self.port = lib.free_port()
        body = "frontend fe\n    bind 127.0.0.1:%d\n    default_backend be\n" % self.port
        body += "backend be\n    balance roundrobin\n" + backend_opts
        for n in names:
            body += "    server %s 127.0.0.1:%d\n" % (n, self.srv[n].port)
        cfg = lib.config("global\n    stats socket %s level admin\n"
                         "    stats socket %s level operator\n%s" % (
                             self.admin, self.oper, global_extra)
                         + DEFAULTS + body + extra, directory=self.d)
        self.p = lib.start(cfg, ready_ports=[self.port])
        for s in (self.admin, self.oper):
            if not lib.wait_unix(s):
                lib.fail("no stats socket\n" + lib.logs(self.p))

    def a(self, cmd):
        return cli(self.admin, cmd)

    def o(self, cmd):
        return cli(self.oper, cmd)

    def connect(self, timeout=5.0):
        """A client connection and the name of the server that answered."""
        c = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return c, read_line(c)

    def who(self):
        c, name = self.connect()
        c.close()
        return name

    def whos(self, n):
        return [self.who() for _ in range(n)]


def read_line(c):
    got = b""
    while not got.endswith(b"\n"):
        d = c.recv(1)
        if not d:
            break
        got += d
    return got.decode().strip()


def closed(c, timeout=5.0):
    """True when the peer closes c (EOF or reset) within timeout."""
    c.settimeout(timeout)
    try:
        return c.recv(100) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def alive(c):
    c.sendall(b"ping\n")
    return read_line(c) == "ping"


def refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
            c.settimeout(1)
            # accepted by the kernel but never served would read nothing
            try:
                return c.recv(10) == b""
            except (socket.timeout, ConnectionResetError):
                return True
    except OSError:
        return True


def agent(stack, reply_for):
    """An agent-check server: reads what the check sends (for a short
    while: HAProxy sends nothing without agent-send) and answers
    reply_for(bytes received) + newline. Returns its port."""
    import threading
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    stop = []

    def serve(c):
        with c:
            c.settimeout(0.1)
            got = b""
            try:
                while not got.endswith(b"\n"):
                    d = c.recv(100)
                    if not d:
                        break
                    got += d
            except OSError:
                pass
            try:
                c.sendall(reply_for(got).encode() + b"\n")
            except OSError:
                pass

    def loop():
        while not stop:
            try:
                c, _ = ls.accept()
            except OSError:
                break
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()

    def close():
        stop.append(1)
        try:
            ls.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        ls.close()
    stack.callback(close)
    return ls.getsockname()[1]
