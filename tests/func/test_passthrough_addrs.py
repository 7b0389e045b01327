#!/usr/bin/env python3
"""The addresses a TCP-mode session shows, end to end: what the log line
(%ci %cp %fi %fp, hexadecimal), the fetches (src, dst, src_port,
dst_port, src_is_local, dst_is_local, fc_src) and the PROXY header sent
to the server (v1, v2) say for an IPv4 client, an IPv6 client, a client
on a wildcard bind, a unix socket client (a session keeps no path: logs
"unix:<listener id>", PROXY UNKNOWN / v2 LOCAL, show sess "unix_stream"),
and after set-src / set-dst / set-src-port / set-dst-port in tcp-request
connection and content rules. Observed on HAProxy 2.6.12."""

import os
import socket

import lib
import tls

LOG = tls.LOG_GLOBAL
DEFS = "    log global"


def session(connect, payload=b"hello\n"):
    """One session through the proxy: sends payload, reads the banner and
    the echo, closes. connect() returns a connected socket."""
    with connect() as s:
        s.sendall(payload)
        lib.eq(tls.readline(s), "b", "banner")
        lib.eq(tls.readline(s), payload.decode().rstrip("\n"), "echo")
        return s.getsockname()


def unix_socket(path):
    def connect():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        return s
    return connect


def tcp6(port):
    def connect():
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(("::1", port))
        return s
    return connect


def tcp4(port, host=lib.LOOPBACK):
    def connect():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((host, port))
        return s
    return connect


def unix_listening(path):
    """Waits until a unix socket listens at path, without connecting (a
    probe would be a session): the file is there and Linux's
    /proc/net/unix has a listening socket bound to it (HAProxy binds a
    temporary name, "<path>.<pid>.tmp", and renames it)."""
    def ready():
        if not os.path.exists(path):
            return False
        try:
            with open("/proc/net/unix") as f:
                next(f)
                for line in f:
                    w = line.split()
                    # Flags 00010000: accepting connections
                    if len(w) >= 8 and (w[7] == path or w[7].startswith(path + ".")) \
                            and int(w[3], 16) & 0x10000:
                        return True
            return False
        except (OSError, StopIteration, ValueError):
            return True
    lib.ok(lib.wait_for(ready, 10), "%s not listening" % path)


def log_line(p, tag):
    return tls.wait_log(p, lambda l: l.startswith(tag + " "))[0]


def one_frontend(n, be, bind, rules):
    """The proxy with frontend fe on bind, rules (lines, each ending in a
    newline) and a backend sending a PROXY v1 header to be."""
    return tls.proxy("""\
frontend fe
    bind %s
%s    default_backend be
backend be
    server s1 127.0.0.1:%d send-proxy
""" % (bind, rules, be.port), n, glob=LOG, defaults=DEFS)


def header(be, i=0):
    lib.ok(lib.wait_for(lambda: len(be.proxy) > i, 5), "no PROXY header parsed: %s" % be.errors)
    return be.proxy[i]


@lib.test
@tls.threads
def connection_set_src_dst_reach_logs_fetches_and_proxy_header(n):
    """set-src (IPv4) and set-dst (IPv6) with their ports: the families
    differ, so the PROXY header carries both as IPv6 (IPv4 mapped). At
    this level they rewrite the connection's addresses: fc_src, fc_dst
    show them too."""
    with tls.plain_backend("b", proxy_header=True) as v1, \
            tls.plain_backend("b", proxy_header=True) as v2:
        p1, p2 = lib.free_ports(2)
        p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    bind 127.0.0.1:%d
    tcp-request connection set-src ipv4(192.0.2.7)
    tcp-request connection set-src-port int(4242)
    tcp-request connection set-dst ipv6(2001:db8::80)
    tcp-request connection set-dst-port int(8080)
    log-format "A %%ci:%%cp %%fi:%%fp S=%%[src]:%%[src_port] D=%%[dst]:%%[dst_port] L=%%[src_is_local]/%%[dst_is_local] X=%%{+X}o%%ci:%%cp FC=%%[fc_src]:%%[fc_src_port]/%%[fc_dst]:%%[fc_dst_port]"
    use_backend be2 if { so_id 2 }
    default_backend be1
backend be1
    server s1 127.0.0.1:%d send-proxy
backend be2
    server s1 127.0.0.1:%d send-proxy-v2
""" % (p1, p2, v1.port, v2.port), n, glob=LOG, defaults=DEFS)
        session(tcp4(p1))
        lib.eq(log_line(p, "A"), "A 192.0.2.7:4242 2001:db8::80:8080 S=192.0.2.7:4242 "
               "D=2001:db8::80:8080 L=0/0 X=C0000207:1092 "
               "FC=192.0.2.7:4242/2001:db8::80:8080", "log line")
        lib.eq(header(v1)["raw"], b"PROXY TCP6 ::ffff:192.0.2.7 2001:db8::80 4242 8080\r\n",
               "PROXY v1")
        session(tcp4(p2))
        h = header(v2)
        lib.eq((h["version"], h["src"], h["sport"], h["dst"], h["dport"]),
               (2, "::ffff:192.0.2.7", 4242, "2001:db8::80", 8080), "PROXY v2")


@lib.test
@tls.threads
def content_set_src_keeps_fc_src(n):
    """In tcp-request content rules, set-src changes src but not fc_src
    (the connection's own address), set-dst/set-dst-port change dst but
    not fc_dst; set-dst-port keeps the address."""
    with tls.plain_backend("b", proxy_header=True) as be:
        port = lib.free_port()
        p = one_frontend(n, be, "127.0.0.1:%d" % port, """\
    tcp-request content set-src ipv4(192.0.2.9)
    tcp-request content set-dst-port int(99)
    log-format "C %ci:%cp %fi:%fp F=%[fc_src]:%[fc_src_port] D=%[dst]:%[dst_port] FD=%[fc_dst]:%[fc_dst_port]"
""")
        cport = session(tcp4(port))[1]
        lib.eq(log_line(p, "C"), "C 192.0.2.9:%d 127.0.0.1:99 F=127.0.0.1:%d D=127.0.0.1:99 "
               "FD=127.0.0.1:%d" % (cport, cport, port), "log line")
        lib.eq(header(be)["raw"], ("PROXY TCP4 192.0.2.9 127.0.0.1 %d 99\r\n" % cport).encode(),
               "PROXY v1")


@lib.test
@tls.threads
def proxy_header_leaves_the_connection_addresses(n):
    """accept-proxy: src/dst (%ci, %fi) are the header's, fc_src/fc_dst
    the socket's; a connection-level set-src runs before the header is
    read, so fc_src keeps it and the header replaces src."""
    p1, p2 = lib.free_ports(2)
    p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d accept-proxy
    bind 127.0.0.1:%d accept-proxy
    tcp-request connection set-src ipv4(192.0.2.10) if { so_id 2 }
    log-format "P%%[so_id] %%ci:%%cp %%fi:%%fp S=%%[src] FC=%%[fc_src]/%%[fc_dst]:%%[fc_dst_port]"
    tcp-request content reject
""" % (p1, p2), n, glob=LOG, defaults=DEFS)
    for port in (p1, p2):
        with tcp4(port)() as s:
            s.sendall(b"PROXY TCP4 198.51.100.1 203.0.113.5 1234 8443\r\nx")
            lib.ok(lib.wait_for(lambda: s.recv(100) == b"", 5), "closed")
    lib.eq(log_line(p, "P1"), "P1 198.51.100.1:1234 203.0.113.5:8443 S=198.51.100.1 "
           "FC=127.0.0.1/127.0.0.1:%d" % p1, "log line, no connection rule")
    lib.eq(log_line(p, "P2"), "P2 198.51.100.1:1234 203.0.113.5:8443 S=198.51.100.1 "
           "FC=192.0.2.10/127.0.0.1:%d" % p2, "log line, connection set-src")


@lib.test
@tls.threads
def ipv6_client(n):
    with tls.plain_backend("b", proxy_header=True) as be:
        port = lib.free_port()
        p = one_frontend(n, be, "[::1]:%d" % port, """\
    log-format "S %ci:%cp %fi:%fp %[src] %[src_is_local] X=%{+X}o%ci:%cp"
""")
        lib.ok(lib.wait_for(lambda: lib.port_listening(port), 5), "[::1]:%d not listening" % port)
        cport = session(tcp6(port))[1]
        lib.eq(log_line(p, "S"), "S ::1:%d ::1:%d ::1 1 X=%s:%04X"
               % (cport, port, "0" * 31 + "1", cport), "log line")
        lib.eq(header(be)["raw"], ("PROXY TCP6 ::1 ::1 %d %d\r\n" % (cport, port)).encode(),
               "PROXY v1")


@lib.test
@tls.threads
def wildcard_bind_reports_the_address_connected_to(n):
    """A wildcard bind asks the socket where the client connected."""
    with tls.plain_backend("b", proxy_header=True) as be:
        port = lib.free_port()
        p = one_frontend(n, be, ":%d" % port, """\
    log-format "W %ci %fi:%fp %[dst] %[dst_is_local]"
""")
        lib.ok(lib.wait_for(lambda: lib.port_listening(port), 5), "*:%d not listening" % port)
        cport = session(tcp4(port, "127.0.0.2"))[1]
        lib.eq(log_line(p, "W"), "W 127.0.0.1 127.0.0.2:%d 127.0.0.2 1" % port, "log line")
        lib.eq(header(be)["raw"], ("PROXY TCP4 127.0.0.1 127.0.0.2 %d %d\r\n" % (cport, port)).encode(),
               "PROXY v1")


@lib.test
@tls.threads
def unix_client(n):
    """A unix socket client: no address, so "unix" and the listener's id in
    the log, no src, PROXY v1 UNKNOWN and a v2 LOCAL header; such a client
    is local. show sess lists it as unix_stream."""
    d = lib.tmpdir()
    u1, u2, sock = (os.path.join(d, x) for x in ("u1.sock", "u2.sock", "cli.sock"))
    with tls.plain_backend("b", proxy_header=True) as v1, \
            tls.plain_backend("b", proxy_header=True) as v2:
        p = tls.proxy("""\
frontend fe
    bind unix@%s
    bind unix@%s
    log-format "U %%ci:%%cp %%fi:%%fp S=%%[src] P=%%[src_port] L=%%[src_is_local]/%%[dst_is_local]"
    use_backend be2 if { so_id 2 }
    default_backend be1
backend be1
    server s1 127.0.0.1:%d send-proxy
backend be2
    server s1 127.0.0.1:%d send-proxy-v2
""" % (u1, u2, v1.port, v2.port), n, glob=LOG + "\n    stats socket %s level admin" % sock,
            defaults=DEFS)
        unix_listening(u1)
        unix_listening(u2)
        lib.wait_unix(sock)  # not a session of fe
        session(unix_socket(u1))
        lib.eq(log_line(p, "U"), "U unix:1 unix:1 S=- P=- L=1/1", "log line (first bind)")
        lib.eq(header(v1)["raw"], b"PROXY UNKNOWN\r\n", "PROXY v1")
        session(unix_socket(u2))
        lines = tls.wait_log(p, lambda l: l.startswith("U "), n=2)
        lib.eq(lines[1], "U unix:2 unix:2 S=- P=- L=1/1", "log line (second bind)")
        lib.eq(header(v2)["raw"], b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00", "PROXY v2 LOCAL")
        # an established session as show sess lists it
        with unix_socket(u1)() as s:
            s.sendall(b"x\n")
            lib.eq(tls.readline(s), "b", "banner")
            lib.eq(tls.readline(s), "x", "echo")
            out = lib.cli(sock, "show sess")
            lib.contains(out, "proto=unix_stream src=unix:1 fe=fe be=be1 srv=s1", "show sess")


@lib.test
@tls.threads
def unix_client_set_src(n):
    """set-src gives a unix client an IPv4 address with port 0, which
    src_port does not answer; the destination stays unix, so the PROXY
    header is UNKNOWN."""
    d = lib.tmpdir()
    u = os.path.join(d, "u.sock")
    with tls.plain_backend("b", proxy_header=True) as be:
        p = one_frontend(n, be, "unix@" + u, """\
    tcp-request connection set-src ipv4(198.51.100.5)
    log-format "V %ci:%cp %fi:%fp S=%[src]:%[src_port] L=%[src_is_local]"
""")
        unix_listening(u)
        session(unix_socket(u))
        lib.eq(log_line(p, "V"), "V 198.51.100.5:0 unix:1 S=198.51.100.5:- L=0", "log line")
        lib.eq(header(be)["raw"], b"PROXY UNKNOWN\r\n", "PROXY v1")


if __name__ == "__main__":
    lib.main()
