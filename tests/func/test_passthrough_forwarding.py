#!/usr/bin/env python3
"""Forwarding in a passthrough session: 10 MiB echoed both ways intact
through the TLS session (splice off, splice-auto, splice-request/response;
HAProxy does not splice by default), and half-close propagated in both
directions. Every scenario runs with nbthread 1 and 4."""

import hashlib
import os
import socket

import lib
import tls

SIZE = 10 << 20


def passthrough(n, a, opts):
    port = lib.free_port()
    tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
%s
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend be_a if { req.ssl_sni a.demo.test }
backend be_a
%s
    server s1 127.0.0.1:%d
""" % (port, opts, opts, a.port), n)
    return port


def big_echo(n, opts):
    with tls.tls_backend("a.demo.test") as a:
        port = passthrough(n, a, opts)
        c = tls.Client(port, "a.demo.test", timeout=30)
        lib.eq(c.handshake(), "a.demo.test", "CN")
        lib.eq(c.readline(), "a.demo.test", "banner")
        data = os.urandom(SIZE)
        back = c.echo(data)
        lib.eq(len(back), SIZE, "bytes echoed")
        lib.ok(hashlib.sha256(back).digest() == hashlib.sha256(data).digest(),
               "echoed bytes differ from the bytes sent")
        lib.ok(c.bytes_out > SIZE and c.bytes_in > SIZE,
               "raw bytes %d out, %d in" % (c.bytes_out, c.bytes_in))
        c.close()


@lib.test
@tls.threads
def ten_mib_echo_without_splice(n):
    big_echo(n, "    no option splice-auto")


@lib.test
@tls.threads
def ten_mib_echo_with_splice_auto(n):
    big_echo(n, "    option splice-auto")


@lib.test
@tls.threads
def ten_mib_echo_with_splice_request_response(n):
    big_echo(n, "    option splice-request\n    option splice-response")


def plain_proxy(n, port_be):
    port = lib.free_port()
    tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, port_be), n)
    return port


@lib.test
@tls.threads
def client_half_close_still_receives_the_server_rest(n):
    """The client sends, shuts its write side; the server answers only
    after seeing that FIN, and the client receives the whole answer."""
    reply = os.urandom(1 << 20)
    with tls.plain_backend("r", mode="record", reply=reply) as be:
        port = plain_proxy(n, be.port)
        sent = os.urandom(100000)
        with tls.connect(port) as s:
            s.sendall(sent)
            s.shutdown(socket.SHUT_WR)
            got = bytearray()
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        lib.eq(len(got), len(reply), "bytes of the answer received")
        lib.ok(bytes(got) == reply, "answer corrupted")
        lib.wait_for(lambda: be.data, 5)
        lib.ok(be.data and be.data[0] == sent, "the server did not receive the request intact")


@lib.test
@tls.threads
def server_half_close_client_can_still_send(n):
    """The server sends a line and shuts its write side: the client sees
    EOF, yet what it sends afterwards still reaches the server."""
    with tls.plain_backend("srv", mode="finfirst") as be:
        port = plain_proxy(n, be.port)
        with tls.connect(port) as s:
            got = bytearray()
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
            lib.eq(bytes(got), b"srv\n", "data before the server's FIN")
            late = os.urandom(200000)
            s.sendall(late)
            s.shutdown(socket.SHUT_WR)
            lib.ok(lib.wait_for(lambda: be.data, 5), "server never saw the client's FIN")
            lib.ok(be.data[0] == late, "server received %d bytes, want %d" % (len(be.data[0]), len(late)))


lib.main()
