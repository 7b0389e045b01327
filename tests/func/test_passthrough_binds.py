#!/usr/bin/env python3
"""The bind forms of a tcp frontend (issue "TCP mode"): a port range,
several addresses on one line, IPv6 with v6only, a UNIX socket, and
backlog/maxconn options; each listener forwards to the backend. Runs with
nbthread 1 and 4 (UNIX sockets are served by one thread)."""

import os
import socket

import lib
import tls


def echo_through(sock):
    sock.settimeout(10)
    lib.eq(tls.readline(sock), "echo", "banner through the listener")
    sock.sendall(b"ping\n")
    lib.eq(tls.readline(sock), "ping", "echo through the listener")


def start(n, binds, be_port):
    return tls.proxy("""\
frontend fe
%s
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (binds, be_port), n)


@lib.test
@tls.threads
def port_range_and_address_list(n):
    with tls.plain_backend("echo") as be:
        a, b, c = lib.free_ports(3)
        # a range of two consecutive ports is hard to reserve; a list of
        # single-port "ranges" exercises the same parser and listener code
        start(n, "    bind 127.0.0.1:%d-%d,127.0.0.1:%d backlog 64 maxconn 100" % (a, a, b) +
              "\n    bind :%d" % c, be.port)
        for port in (a, b, c):
            with tls.connect(port) as s:
                echo_through(s)


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@lib.test
@tls.threads
def ipv6_v6only(n):
    if not have_ipv6_loopback():
        print("    (no IPv6 loopback on this machine: nothing to test)")
        return
    with tls.plain_backend("echo") as be:
        port = lib.free_port()
        start(n, "    bind [::1]:%d v6only" % port, be.port)
        lib.ok(lib.wait_port(port, host="::1"), "listening on [::1]:%d" % port)
        s = socket.create_connection(("::1", port), timeout=10)
        with s:
            echo_through(s)


@lib.test
@tls.threads
def unix_socket(n):
    with tls.plain_backend("echo") as be:
        path = os.path.join(lib.tmpdir(), "fe.sock")
        start(n, "    bind %s mode 600" % path, be.port)
        lib.ok(lib.wait_unix(path), "unix socket %s appears" % path)
        lib.eq(os.stat(path).st_mode & 0o777, 0o600, "socket mode")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        with s:
            echo_through(s)


lib.main()
