#!/usr/bin/env python3
"""TLS termination on "bind ... ssl" (issue #6), certificate selection and
handshake parameters: SNI picks each certificate (proved by its SHA-256
fingerprint), no or unknown SNI gets the first crt, wildcards, strict-sni,
crt directories and keys in a ".key" file beside, crt-list per-line
options and SNI filters with "!" exclusions, ECDSA and RSA for one name
served by client capability (two crt lines, or HAProxy's .ecdsa/.rsa
bundle), ALPN, ssl-min-ver/ssl-max-ver (TLS 1.2+ by default), ciphers,
ciphersuites and curves. Every frontend is "mode tcp" relaying the
decrypted bytes to a plain echo backend (reference §1.10).

Certificates come from tls_term.PKI (a CA made at run time by the openssl
CLI); behaviour observed on haproxy 2.6.12."""

import os
import socket
import threading

import lib
import tls
import tls_term as tt

P = tt.pki()
H2_H1 = dict(alpn=["h2", "http/1.1"])


def fp_of(port, sni=None, **kw):
    """The fingerprint of the certificate served (fails on a refusal)."""
    try:
        c = tt.served(port, sni, **kw)
    except tt.Refused as e:
        lib.fail("SNI %r, client %r: refused (%s)" % (sni, {k: v for k, v in kw.items()}, e))
    lib.eq(c.banner, "echo", "backend greeting through the terminated session")
    return c.fp


@lib.test
def sni_selects_each_certificate():
    a, b, c = P.leaf("a.test"), P.leaf("b.test", kind="rsa"), P.leaf("c.test")
    with tt.terminating("crt %s crt %s crt %s" % (a.pem, b.pem, c.pem)) as (port, p, be):
        for leaf in (a, b, c):
            lib.eq(fp_of(port, leaf.name), leaf.fp, "certificate for SNI %s" % leaf.name)
        # data flows both ways once terminated
        with tt.dial(port, "b.test") as conn:
            lib.eq(conn.echo(b"hello through tls\n"), b"hello through tls\n", "echo")
        lib.eq(be.conns, 4, "backend connections (one per client)")


@lib.test
def large_transfer_both_ways():
    a = P.leaf("a.test")
    data = os.urandom(4 << 20)
    with tt.terminating("crt %s" % a.pem) as (port, p, be):
        for kw in ({}, {"max_ver": "1.2"}):
            with tt.dial(port, "a.test", **kw) as c:
                back = c.echo_big(data)
            lib.ok(back == data, "4 MiB echoed through %s: %d bytes back, equal: %s" % (
                c.version, len(back), back == data))
        line = tt.wait_lines(p, " fe~ ", 2)
        lib.eq(sorted(l.split()[5] for l in line), [str(len(data) + 5)] * 2,
               "%B of each session (greeting + 4 MiB)")


@lib.test
def routing_on_the_decrypted_sni():
    a, b = P.leaf("a.test"), P.leaf("b.test")
    with tls.plain_backend("for-b") as bb, tls.plain_backend("other") as bo:
        port = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s crt %s
    option tcplog
    use_backend be_b if { ssl_fc_sni -i b.test }
    default_backend be_o
backend be_b
    server sb 127.0.0.1:%d
backend be_o
    server so 127.0.0.1:%d
""" % (port, a.pem, b.pem, bb.port, bo.port))
        lib.eq(tt.served(port, "B.test").banner, "for-b", "SNI b.test")
        lib.eq(tt.served(port, "a.test").banner, "other", "SNI a.test")
        lib.eq(tt.served(port).banner, "other", "no SNI")


@lib.test
def fragmented_client_hellos():
    # tls.Client builds the hello itself and sends it in chosen shapes; it
    # trusts tls.certs()' CA, so the bind serves one of its certificates
    crt, key = tls.certs().leaf("frag.test")
    pem = os.path.join(lib.tmpdir(), "frag.pem")
    with open(pem, "w") as f, open(crt) as c, open(key) as k:
        f.write(c.read() + k.read())
    with tt.terminating("crt %s" % pem) as (port, p, be):
        for what, send in (("whole", tls.send_whole), ("one byte per segment", tls.send_bytewise),
                           ("three records", tls.send_records(3)),
                           ("records of 1, 2, 3 bytes", tls.send_sizes([1, 2, 3]))):
            c = tls.Client(port, sni="frag.test")
            try:
                lib.eq((c.handshake(send), c.readline()), ("frag.test", "echo"), what)
            finally:
                c.close()


@lib.test
def client_half_close_gets_the_answer():
    a = P.leaf("a.test")
    with tls.plain_backend("rec", mode="record", reply=b"bye\n") as be:
        port = lib.free_port()
        tt.proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (port, a.pem, be.port))
        c = tt.dial(port, "a.test", banner=False)
        c.sock.sendall(b"request\n")
        # FIN without close_notify: the backend sees its EOF and answers
        dup = socket.fromfd(c.sock.fileno(), socket.AF_INET, socket.SOCK_STREAM)
        dup.shutdown(socket.SHUT_WR)
        dup.close()
        lib.eq(c.readline(), "bye", "the answer after the client's FIN")
        c.close()
        lib.wait_for(lambda: be.data, 3)
        lib.eq(be.data, [b"request\n"], "what the backend read before its EOF")


@lib.test
def concurrent_handshakes_on_four_threads():
    leaves = [P.leaf("c%d.test" % i, kind="rsa" if i % 2 else "ec") for i in range(6)]
    opts = " ".join("crt %s" % l.pem for l in leaves)
    with tt.terminating(opts, nbthread=4) as (port, p, be):
        errors = []

        def client(k):
            try:
                for j in range(8):
                    leaf = leaves[(k + j) % len(leaves)]
                    with tt.dial(port, leaf.name) as c:
                        if c.fp != leaf.fp:
                            errors.append("%s: got %s" % (leaf.name, c.cn))
                        msg = b"%d-%d\n" % (k, j)
                        if c.echo(msg) != msg:
                            errors.append("%s: echo" % leaf.name)
            except Exception as e:  # collected: reported below
                errors.append(repr(e))
        ts = [threading.Thread(target=client, args=(k,)) for k in range(12)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        lib.eq(errors, [], "12 clients x 8 connections, 4 threads")
        lib.eq(be.conns, 96, "backend connections")


@lib.test
def no_or_unknown_sni_gets_the_first_crt():
    a, b = P.leaf("a.test"), P.leaf("b.test", kind="rsa")
    with tt.terminating("crt %s crt %s" % (b.pem, a.pem)) as (port, p, be):
        lib.eq(fp_of(port, None), b.fp, "no SNI")
        lib.eq(fp_of(port, "unknown.test"), b.fp, "unknown SNI")
        lib.eq(fp_of(port, "a.test"), a.fp, "known SNI")
    with tt.terminating("crt %s crt %s" % (a.pem, b.pem)) as (port, p, be):
        lib.eq(fp_of(port, None), a.fp, "no SNI, order swapped")


@lib.test
def wildcard_matches_one_label():
    d, x, w = P.leaf("d.test"), P.leaf("x.w.test"), P.leaf("w", sans=["*.w.test"], cn="*.w.test")
    with tt.terminating("crt %s crt %s crt %s" % (d.pem, w.pem, x.pem)) as (port, p, be):
        lib.eq(fp_of(port, "y.w.test"), w.fp, "y.w.test: the wildcard")
        lib.eq(fp_of(port, "Y.W.TEST"), w.fp, "SNI in upper case")
        lib.eq(fp_of(port, "x.w.test"), x.fp, "x.w.test: the exact name beats the wildcard")
        lib.eq(fp_of(port, "a.y.w.test"), d.fp, "two labels below: the default")
        lib.eq(fp_of(port, "w.test"), d.fp, "the bare domain: the default")


@lib.test
def strict_sni_refuses_no_and_unknown_names():
    a, b = P.leaf("a.test"), P.leaf("b.test")
    with tt.terminating("crt %s crt %s strict-sni" % (a.pem, b.pem)) as (port, p, be):
        lib.contains(tt.refused(port, None), "UNRECOGNIZED_NAME", "no SNI")
        lib.contains(tt.refused(port, "zz.test"), "UNRECOGNIZED_NAME", "unknown SNI")
        lib.eq(fp_of(port, "b.test"), b.fp, "known SNI")
        lib.eq(fp_of(port, "a.test"), a.fp, "known SNI (the first crt)")
        lib.eq(be.conns, 2, "backend connections (refused clients never reach it)")


@lib.test
def crt_directory_loads_every_certificate():
    d = lib.tmpdir()
    a, b, c = P.leaf("a.test"), P.leaf("b.test", kind="rsa"), P.leaf("c.test")
    tt.copy_pem(b, os.path.join(d, "10-b.pem"))
    tt.copy_pem(a, os.path.join(d, "20-a.pem"), key_beside=True)   # 20-a.pem.key is skipped
    tt.copy_pem(c, os.path.join(d, "30-c.pem"))
    with tt.terminating("crt %s" % d) as (port, p, be):
        lib.eq(fp_of(port, None), b.fp, "no SNI: the first file in alphabetical order")
        for leaf in (a, b, c):
            lib.eq(fp_of(port, leaf.name), leaf.fp, "SNI %s" % leaf.name)


@lib.test
def key_in_a_key_file_beside_the_certificate():
    d = lib.tmpdir()
    k = P.leaf("k.test")
    path = tt.copy_pem(k, os.path.join(d, "site.pem"), key_beside=True)
    with open(path, "rb") as f:
        lib.lacks(f.read().decode(), "PRIVATE KEY", "site.pem")
    with tt.terminating("crt %s" % path) as (port, p, be):
        lib.eq(fp_of(port, "k.test"), k.fp, "certificate with its key from site.pem.key")


def crt_list_fixture():
    d = lib.tmpdir()
    leaves = dict(dflt=P.leaf("default.test"), a=P.leaf("a.test"), b=P.leaf("b.test"),
                  w=P.leaf("w", sans=["*.w.test"], cn="*.w.test"), al=P.leaf("al.test"))
    path = lib.write(os.path.join(d, "list.txt"), """\
# comments and empty lines are ignored

%(dflt)s
%(a)s [alpn h2] a.test
%(b)s [ssl-min-ver TLSv1.3 alpn http/1.1] b.test
%(w)s *.w.test !x.w.test
%(al)s alias.test
""" % {k: v.pem for k, v in leaves.items()})
    return path, leaves


@lib.test
def crt_list_filters_and_exclusions():
    path, L = crt_list_fixture()
    with tt.terminating("crt-list %s" % path) as (port, p, be):
        lib.eq(fp_of(port, None), L["dflt"].fp, "no SNI: the first line")
        lib.eq(fp_of(port, "a.test"), L["a"].fp, "a.test")
        lib.eq(fp_of(port, "y.w.test"), L["w"].fp, "y.w.test: *.w.test filter")
        lib.eq(fp_of(port, "x.w.test"), L["dflt"].fp, "x.w.test: excluded by !x.w.test")
        lib.eq(fp_of(port, "alias.test"), L["al"].fp, "alias.test: the filter name")
        lib.eq(fp_of(port, "al.test"), L["dflt"].fp,
               "al.test: a line's filters replace its certificate's own names")
        lib.eq(fp_of(port, "default.test"), L["dflt"].fp, "a line without filters: its CN")
    with tt.terminating("crt-list %s strict-sni" % path) as (port, p, be):
        lib.contains(tt.refused(port, "x.w.test"), "UNRECOGNIZED_NAME", "excluded, strict-sni")
        lib.contains(tt.refused(port, "al.test"), "UNRECOGNIZED_NAME", "replaced name, strict-sni")
        lib.eq(fp_of(port, "y.w.test"), L["w"].fp, "y.w.test, strict-sni")


@lib.test
def crt_list_line_options_apply_to_their_line():
    path, L = crt_list_fixture()
    with tt.terminating("crt-list %s alpn http/1.1,h2" % path) as (port, p, be):
        lib.eq(tt.served(port, None, **H2_H1).alpn, "http/1.1", "bind alpn (default line)")
        lib.eq(tt.served(port, "a.test", **H2_H1).alpn, "h2", "line [alpn h2]")
        lib.eq(tt.served(port, "y.w.test", **H2_H1).alpn, "http/1.1", "line without options")
        c = tt.served(port, "b.test", **H2_H1)
        lib.eq((c.version, c.alpn), ("TLSv1.3", "http/1.1"), "line [ssl-min-ver TLSv1.3 alpn http/1.1]")
        lib.contains(tt.refused(port, "b.test", max_ver="1.2"), "PROTOCOL_VERSION",
                     "TLS 1.2 client on the [ssl-min-ver TLSv1.3] line")
        lib.eq(tt.served(port, "a.test", max_ver="1.2").version, "TLSv1.2",
               "TLS 1.2 client on another line")


@lib.test
def ecdsa_and_rsa_for_one_name_by_client_capability():
    ec, rsa = P.leaf("dual.test"), P.leaf("dual.test", kind="rsa")
    only_rsa = dict(max_ver="1.2", ciphers="ECDHE-RSA-AES128-GCM-SHA256")
    only_ec = dict(max_ver="1.2", ciphers="ECDHE-ECDSA-AES128-GCM-SHA256")
    for order in ((rsa, ec), (ec, rsa)):
        opts = "crt %s crt %s" % (order[0].pem, order[1].pem)
        with tt.terminating(opts) as (port, p, be):
            what = "%s first: " % order[0].kind
            lib.eq(fp_of(port, "dual.test", **only_rsa), rsa.fp, what + "RSA-only client")
            lib.eq(fp_of(port, "dual.test", **only_ec), ec.fp, what + "ECDSA-only client")
            lib.eq(fp_of(port, "dual.test"), ec.fp, what + "client with both: ECDSA")
            lib.eq(fp_of(port, None), order[0].fp, what + "no SNI: the first crt")
    # HAProxy's bundle naming: "crt site.pem" loads site.pem.ecdsa and site.pem.rsa
    d = lib.tmpdir()
    tt.copy_pem(ec, os.path.join(d, "site.pem.ecdsa"))
    tt.copy_pem(rsa, os.path.join(d, "site.pem.rsa"))
    with tt.terminating("crt %s" % os.path.join(d, "site.pem")) as (port, p, be):
        lib.eq(fp_of(port, "dual.test", **only_rsa), rsa.fp, "bundle: RSA-only client")
        lib.eq(fp_of(port, "dual.test", **only_ec), ec.fp, "bundle: ECDSA-only client")
        lib.eq(fp_of(port, "dual.test"), ec.fp, "bundle: client with both")


@lib.test
def alpn_server_preference():
    a = P.leaf("a.test")
    with tt.terminating("crt %s alpn h2,http/1.1" % a.pem) as (port, p, be):
        lib.eq(tt.served(port, alpn=["h2", "http/1.1"]).alpn, "h2", "h2,http/1.1 offered")
        lib.eq(tt.served(port, alpn=["http/1.1", "h2"]).alpn, "h2",
               "http/1.1,h2 offered: the bind's order wins")
        lib.eq(tt.served(port, alpn=["http/1.1"]).alpn, "http/1.1", "http/1.1 offered")
        lib.eq(tt.served(port, alpn=["foo"]).alpn, None, "no common protocol: none, no alert")
        lib.eq(tt.served(port).alpn, None, "nothing offered")
    with tt.terminating("crt %s" % a.pem) as (port, p, be):
        lib.eq(tt.served(port, **H2_H1).alpn, None, "bind without alpn")


@lib.test
def tls12_minimum_by_default():
    a = P.leaf("a.test")
    with tt.terminating("crt %s" % a.pem) as (port, p, be):
        lib.contains(tt.refused(port, min_ver="1.1", max_ver="1.1"), "PROTOCOL_VERSION", "TLS 1.1")
        lib.contains(tt.refused(port, min_ver="1.0", max_ver="1.0"), "PROTOCOL_VERSION", "TLS 1.0")
        lib.eq(tt.served(port, max_ver="1.2").version, "TLSv1.2", "TLS 1.2 client")
        lib.eq(tt.served(port).version, "TLSv1.3", "modern client")
    # the control: the same clients do get through when the bind allows them
    with tt.terminating("crt %s ssl-min-ver TLSv1.0 ciphers DEFAULT@SECLEVEL=0" % a.pem) as (
            port, p, be):
        lib.eq(tt.served(port, min_ver="1.1", max_ver="1.1").version, "TLSv1.1", "TLS 1.1 allowed")
        lib.eq(tt.served(port, min_ver="1.0", max_ver="1.0").version, "TLSv1", "TLS 1.0 allowed")


@lib.test
def ssl_min_and_max_ver():
    a = P.leaf("a.test")
    with tt.terminating("crt %s ssl-min-ver TLSv1.3" % a.pem) as (port, p, be):
        lib.contains(tt.refused(port, max_ver="1.2"), "PROTOCOL_VERSION", "TLS 1.2 client")
        lib.eq(tt.served(port).version, "TLSv1.3", "TLS 1.3 client")
    with tt.terminating("crt %s ssl-max-ver TLSv1.2" % a.pem) as (port, p, be):
        lib.eq(tt.served(port).version, "TLSv1.2", "modern client, ssl-max-ver TLSv1.2")
        lib.contains(tt.refused(port, min_ver="1.3"), "PROTOCOL_VERSION", "TLS 1.3-only client")
    # the global default applies to every ssl bind
    with tt.terminating("crt %s" % a.pem, glob="    ssl-default-bind-options ssl-min-ver TLSv1.3") as (
            port, p, be):
        lib.contains(tt.refused(port, max_ver="1.2"), "PROTOCOL_VERSION",
                     "TLS 1.2 client, ssl-default-bind-options ssl-min-ver TLSv1.3")


@lib.test
def ciphers_for_tls12():
    a = P.leaf("a.test")
    with tt.terminating("crt %s ssl-max-ver TLSv1.2 ciphers ECDHE-ECDSA-CHACHA20-POLY1305" % a.pem) as (
            port, p, be):
        lib.eq(tt.served(port).cipher, "ECDHE-ECDSA-CHACHA20-POLY1305", "the only cipher allowed")
        lib.contains(tt.refused(port, ciphers="ECDHE-ECDSA-AES128-GCM-SHA256"),
                     "HANDSHAKE_FAILURE", "a client without it")
    with tt.terminating("crt %s ssl-max-ver TLSv1.2" % a.pem,
                        glob="    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256") as (
            port, p, be):
        lib.eq(tt.served(port).cipher, "ECDHE-ECDSA-AES128-GCM-SHA256", "ssl-default-bind-ciphers")


@lib.test
def ciphersuites_for_tls13():
    a = P.leaf("a.test")
    with tt.terminating("crt %s ciphersuites TLS_CHACHA20_POLY1305_SHA256" % a.pem) as (port, p, be):
        c = tt.served(port)
        lib.eq((c.version, c.cipher), ("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"), "negotiated")
        rc, out = tt.s_client(port, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
        lib.ok(rc != 0, "a TLS 1.3 client without that suite is refused:\n" + out)
        lib.contains(out, "handshake failure", "s_client")
        rc, out = tt.s_client(port, "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
        lib.contains(out, "New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256", "s_client")


@lib.test
def curves_choose_the_key_exchange_group():
    a = P.leaf("a.test")
    with tt.terminating("crt %s curves secp384r1" % a.pem) as (port, p, be):
        for v in ("-tls1_3", "-tls1_2"):
            rc, out = tt.s_client(port, v)
            lib.contains(out, "Server Temp Key: ECDH, secp384r1, 384 bits", "s_client " + v)
        rc, out = tt.s_client(port, "-tls1_3", "-groups", "X25519")
        lib.ok(rc != 0, "a client without secp384r1 is refused:\n" + out)
    with tt.terminating("crt %s ecdhe secp384r1" % a.pem) as (port, p, be):
        for v in ("-tls1_3", "-tls1_2"):
            rc, out = tt.s_client(port, v)
            lib.contains(out, "Server Temp Key: ECDH, secp384r1, 384 bits", "ecdhe, s_client " + v)
    with tt.terminating("crt %s" % a.pem) as (port, p, be):
        rc, out = tt.s_client(port, "-tls1_3")
        lib.contains(out, "Server Temp Key: X25519, 253 bits", "default groups")


lib.main()
