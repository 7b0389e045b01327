#!/usr/bin/env python3
"""TLS to servers (SSL bridging), the mixed passthrough/termination port
the HAProxy way, bad handshakes and the log lines of TLS sessions
(issue #6; reference §1.11, §4.2, §4.7):

- "server ... ssl verify required ca-file" to a TLS backend works and a
  wrong CA, a wrong name (sni, verifyhost) is refused: the client's
  connection closes, the log says SC with Tc -1; "verify none" works;
  "sni" (a constant, ssl_fc_sni) reaches the backend; "alpn" is offered.
- one port for both: a mode tcp frontend routes by req.ssl_sni to a
  passthrough backend, the rest to "server ... send-proxy-v2" whose
  frontend terminates with "accept-proxy": the client's address
  survives (log %ci/%cp).
- garbage instead of a ClientHello, a client that vanishes mid-handshake:
  closed, logged ("SSL handshake failure", "Connection closed during SSL
  handshake"), counted (ssl_failed_handshake), others unaffected.
- option tcplog lines of terminated sessions (frontend "fe~") and the
  connection error line, with its bind name.

Backends: tls.tls_backend (certificates of tls.certs(), another CA than
tls_term's), tls.plain_backend. Behaviour observed on haproxy 2.6.12."""

import os
import re
import socket
import time

import lib
import tls
import tls_term as tt

P = tt.pki()
A = P.leaf("a.test")
GOOD_CA = tls.certs().ca       # signed the tls_backend certificates
WRONG_CA = P.ca.crt            # did not


def bridge(srv_opts, be_port, nbthread=1, tls_bind=True):
    """A frontend fe with a plain bind and (tls_bind) a terminating one
    towards "server s 127.0.0.1:<be_port> <srv_opts>", retries 0 (a
    refused handshake is not retried: one log line, no wait). Returns
    (plain port, tls port, proc). Without tls_bind, only TLS to servers
    is needed (the first part of it a build may have)."""
    pp, pt = lib.free_ports(2)
    tb = "    bind 127.0.0.1:%d ssl crt %s\n" % (pt, A.pem) if tls_bind else ""
    p = tt.proxy("""frontend fe
    bind 127.0.0.1:%d
%s    option tcplog
    default_backend be
backend be
    retries 0
    server s 127.0.0.1:%d %s
""" % (pp, tb, be_port, srv_opts), nbthread)
    return pp, pt, p


def plain_session(port, data=b"ping\n"):
    """Connects in clear, reads the greeting line, echoes data, closes.
    Returns (greeting, echoed) or (None, None) when the proxy closed."""
    with socket.create_connection((lib.LOOPBACK, port), timeout=5) as s:
        greet = tls.readline(s)
        if not greet:
            return None, None
        s.sendall(data)
        got = b""
        while len(got) < len(data):
            d = s.recv(4096)
            if not d:
                break
            got += d
        s.shutdown(socket.SHUT_WR)
        tls.recv_all(s)
        return greet, got


def tls_session(port, sni="a.test"):
    """Through the terminating bind: the greeting, or None if closed."""
    try:
        c = tt.dial(port, sni)
    except tt.Refused:
        return None
    c.close()
    return c.banner


def fe_lines(p, n, fe="fe"):
    return tls.tcplog(p, frontend=fe, n=n)


@lib.test
def bridging_verifies_the_server_certificate():
    with tls.tls_backend("srv") as be:
        pp, pt, p = bridge("ssl verify required ca-file %s" % GOOD_CA, be.port)
        lib.eq(plain_session(pp), ("srv", b"ping\n"), "plain client, TLS server")
        lib.eq(tls_session(pt), "srv", "TLS client, TLS server")
        logs = sorted(fe_lines(p, 1, "fe") + fe_lines(p, 1, "fe~"), key=lambda d: d["ft"])
        lib.eq([(d["ft"], d["b"], d["s"], d["ts"]) for d in logs],
               [("fe", "be", "s", "--"), ("fe~", "be", "s", "--")], "log lines")
        lib.eq(be.conns, 2, "server connections")


@lib.test
def plain_client_to_tls_server():
    """TLS to servers alone (no terminating bind)."""
    with tls.tls_backend("srv") as be:
        pp, pt, p = bridge("ssl verify required ca-file %s" % GOOD_CA, be.port, tls_bind=False)
        lib.eq(plain_session(pp, b"x" * 100000), ("srv", b"x" * 100000), "verified, 100 kB echo")
        lib.stop(p)
        pp, pt, p = bridge("ssl verify required ca-file %s" % WRONG_CA, be.port, tls_bind=False)
        lib.eq(plain_session(pp), (None, None), "another CA: closed")
        d = fe_lines(p, 1)[0]
        lib.eq((d["s"], d["Tc"], d["ts"]), ("s", "-1", "SC"), "log line: " + d["line"])


@lib.test
def bridging_refuses_a_server_of_another_ca():
    with tls.tls_backend("srv") as be:
        pp, pt, p = bridge("ssl verify required ca-file %s" % WRONG_CA, be.port)
        lib.eq(plain_session(pp), (None, None), "plain client: closed")
        lib.eq(tls_session(pt), None, "TLS client: closed after its handshake")
        for fe in ("fe", "fe~"):
            d = fe_lines(p, 1, fe)[0]
            lib.eq((d["b"], d["s"], d["Tc"], d["B"], d["ts"], d["rc"]),
                   ("be", "s", "-1", "0", "SC", "0"), "log line of %s: %s" % (fe, d["line"]))
        lib.wait_for(lambda: len(be.errors) >= 2, 3)
        lib.ok(all("UNKNOWN_CA" in e for e in be.errors),
               "the server saw an unknown_ca alert: %r" % be.errors)


@lib.test
def bridging_verify_none_accepts_any_certificate():
    with tls.tls_backend("srv") as be:
        pp, pt, p = bridge("ssl verify none", be.port)
        lib.eq(plain_session(pp), ("srv", b"ping\n"), "plain client")
        lib.eq(tls_session(pt), "srv", "TLS client")


@lib.test
def bridging_checks_the_name_with_sni_or_verifyhost():
    # observed: with "verify required" HAProxy checks the server's
    # certificate against the SNI it sent when it sent one, else against
    # verifyhost (so "sni" + another "verifyhost" is refused)
    req = "ssl verify required ca-file %s " % GOOD_CA
    with tls.tls_backend("srv") as be:
        for opts, want, what in (
                (req + "sni str(srv)", "srv", "sni matching the certificate"),
                (req + "sni str(other.test)", None, "sni not matching the certificate"),
                (req + "verifyhost nope.test", None, "verifyhost not matching"),
                (req + "sni str(other.test) verifyhost srv", None,
                 "the sni is checked, not verifyhost"),
                ("ssl verify none sni str(other.test)", "srv", "verify none: no name check")):
            pp, pt, p = bridge(opts, be.port, tls_bind=False)
            lib.eq(plain_session(pp)[0], want, what)
            lib.eq(fe_lines(p, 1)[0]["ts"], "--" if want else "SC", what + ": log")
            lib.stop(p)


@lib.test
def server_sni_reaches_the_backend():
    with tls.tls_backend("srv") as be:
        pp, pt, p = bridge("ssl verify none sni str(backend.test)", be.port)
        plain_session(pp)
        lib.eq(be.snis, ["backend.test"], "SNI the server saw (constant)")
        lib.stop(p)
        del be.snis[:]
        pp, pt, p = bridge("ssl verify none sni ssl_fc_sni", be.port)
        lib.eq(tls_session(pt, "a.test"), "srv", "TLS client with SNI a.test")
        lib.eq(tls_session(pt, "other.test"), "srv", "TLS client with SNI other.test")
        lib.eq(plain_session(pp)[0], "srv", "plain client (no ssl_fc_sni)")
        lib.eq(be.snis, ["a.test", "other.test", None], "SNI the server saw (ssl_fc_sni)")
        lib.stop(p)
        del be.snis[:]
        pp, pt, p = bridge("ssl verify none", be.port)
        plain_session(pp)
        lib.eq(be.snis, [None], "no sni keyword: none sent")


@lib.test
def server_alpn_is_offered():
    with tls.tls_backend("srv", alpn=("h2", "http/1.1")) as be:
        pp, pt, p = bridge("ssl verify none alpn http/1.1", be.port, tls_bind=False)
        lib.eq(plain_session(pp)[0], "srv", "session")
        lib.stop(p)
        pp, pt, p = bridge("ssl verify none", be.port, tls_bind=False)
        lib.eq(plain_session(pp)[0], "srv", "session")
        lib.eq(be.alpns, ["http/1.1", None], "protocol the server selected")


@lib.test
def server_tls_versions_ciphers_and_global_defaults():
    """ssl-default-server-options/-ciphers and ssl-server-verify in global,
    ssl-max-ver/ciphers on the server line, against a TLS 1.2-only and a
    TLS 1.3 server."""
    def run(glob, srv):
        with tt.tls_echo_backend("srv12", max_ver="1.2") as b2, \
                tt.tls_echo_backend("srv13") as b3:
            p2, p3 = lib.free_ports(2)
            p = tt.proxy("""frontend f2
    bind 127.0.0.1:%d
    default_backend b2
frontend f3
    bind 127.0.0.1:%d
    default_backend b3
backend b2
    retries 0
    server s 127.0.0.1:%d %s
backend b3
    retries 0
    server s 127.0.0.1:%d %s
""" % (p2, p3, b2.port, srv, b3.port, srv), glob=glob)
            got = (plain_session(p2)[0], b2.versions, b2.ciphers,
                   plain_session(p3)[0], b3.versions, b3.ciphers)
            lib.stop(p)
            return got
    lib.eq(run("    ssl-default-server-options ssl-min-ver TLSv1.3", "ssl verify none"),
           (None, [], [], "srv13", ["TLSv1.3"], ["TLS_AES_256_GCM_SHA384"]),
           "ssl-default-server-options ssl-min-ver TLSv1.3")
    chacha = "ECDHE-ECDSA-CHACHA20-POLY1305"
    lib.eq(run("    ssl-default-server-ciphers " + chacha, "ssl verify none ssl-max-ver TLSv1.2"),
           ("srv12", ["TLSv1.2"], [chacha], "srv13", ["TLSv1.2"], [chacha]),
           "ssl-default-server-ciphers, server ssl-max-ver TLSv1.2")
    aes = "ECDHE-ECDSA-AES128-GCM-SHA256"
    lib.eq(run("", "ssl verify none ssl-max-ver TLSv1.2 ciphers " + aes),
           ("srv12", ["TLSv1.2"], [aes], "srv13", ["TLSv1.2"], [aes]), "server ciphers")
    lib.eq(run("    ssl-server-verify none", "ssl"),
           ("srv12", ["TLSv1.2"], ["ECDHE-ECDSA-AES256-GCM-SHA384"],
            "srv13", ["TLSv1.3"], ["TLS_AES_256_GCM_SHA384"]), "ssl-server-verify none")
    # verify required is the default: without a ca-file the config is refused
    r = lib.check(lib.config("""defaults
    mode tcp
    timeout connect 1s
    timeout client 1s
    timeout server 1s
backend b
    server s 127.0.0.1:1 ssl
"""))
    lib.eq(r.rc, 1, "-c exit status")
    lib.contains(r.err, "'server b/s' : verify is enabled by default but no CA file specified. "
                 "If you're running on a LAN where you're certain to trust the server's "
                 "certificate, please set an explicit 'verify none' statement on the 'server' "
                 "line, or use 'ssl-server-verify none' in the global section to disable "
                 "server-side verifications by default.", "-c")


def tls_server_sessions(srv_opts, n=4, **backend):
    """n plain sessions through "server s <tls_echo_backend> <srv_opts>";
    returns (greetings, backend state)."""
    with tt.tls_echo_backend("srv", **backend) as be:
        pp, pt, p = bridge(srv_opts, be.port, tls_bind=False)
        got = [plain_session(pp)[0] for _ in range(n)]
        lib.stop(p)
        return got, be


@lib.test
def server_session_reuse():
    for mv in ("1.2", "1.3"):
        got, be = tls_server_sessions("ssl verify none", max_ver=mv)
        lib.eq((got, be.reused), (["srv"] * 4, [False, True, True, True]),
               "TLS %s: sessions resumed by the next connections" % mv)
        got, be = tls_server_sessions("ssl verify none no-ssl-reuse", max_ver=mv)
        lib.eq((got, be.reused), (["srv"] * 4, [False] * 4), "TLS %s, no-ssl-reuse" % mv)


@lib.test
def server_client_certificate():
    alice = P.leaf("alice", client=True)
    got, be = tls_server_sessions("ssl verify none crt %s" % alice.pem, n=2, client_ca=P.ca.crt)
    lib.eq((got, be.peers_cn), (["srv"] * 2, ["alice"] * 2), "crt: the server saw alice")
    got, be = tls_server_sessions("ssl verify none", n=1, client_ca=P.ca.crt)
    lib.eq(got, [None], "no crt, a server that requires one: closed")


@lib.test
def check_ssl_shares_the_server_tls_settings():
    sock = os.path.join(lib.tmpdir(), "stats.sock")
    with tls.tls_backend("srv") as be:
        pp = lib.free_port()
        p = tt.proxy("""frontend fe
    bind 127.0.0.1:%(pp)d
    default_backend be
backend be
    server good 127.0.0.1:%(port)d ssl verify required ca-file %(good)s %(chk)s
    server bad 127.0.0.1:%(port)d ssl verify required ca-file %(wrong)s %(chk)s
    server chk 127.0.0.1:%(port)d check-ssl verify none %(chk)s
""" % {"pp": pp, "port": be.port, "good": GOOD_CA, "wrong": WRONG_CA,
       "chk": tls.HEALTH_CHECK}, glob="    stats socket %s level admin" % sock)
        tail = tls.log_tail(p)
        _, line = tail.wait("Server be/bad is DOWN", timeout=5)
        tls.expect_line(line, 'Server be/bad is DOWN, reason: Layer6 invalid response, info: '
                        '"SSL handshake failure", check duration: <D>ms. 2 active and 0 backup '
                        'servers left. 0 sessions active, 0 requeued, 0 remaining in queue.')
        # the others pass their TLS checks: still UP (op_state 2), check
        # status L6OK (9); "chk" speaks TLS to checks only (use_ssl 0)
        def state():
            rows = [l.split() for l in lib.cli(sock, "show servers state be").splitlines()
                    if len(l.split()) > 20 and l[:1].isdigit()]
            return {r[3]: (r[5], r[10], r[20]) for r in rows}
        lib.ok(lib.wait_for(lambda: state()["chk"][1] == "9", 3), "checks ran: %r" % state())
        lib.eq(state(), {"good": ("2", "9", "1"), "bad": ("0", "11", "1"),
                         "chk": ("2", "9", "0")}, "op_state, check_status, use_ssl")
        lib.eq(tail.all(lambda l: "is DOWN" in l and "bad" not in l), [], "other servers DOWN")


@lib.test
def mixed_port_passthrough_or_termination():
    with tls.tls_backend("passthru", cert="pass.test") as pb, tls.plain_backend("echo") as eb:
        pm, pt = lib.free_ports(2)
        p = tt.proxy("""frontend mix
    bind 127.0.0.1:%(pm)d
    option tcplog
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend passthru if { req.ssl_sni -i pass.test }
    default_backend to_term
backend passthru
    server p 127.0.0.1:%(pb)d
backend to_term
    server t 127.0.0.1:%(pt)d send-proxy-v2
frontend term
    bind 127.0.0.1:%(pt)d ssl crt %(crt)s accept-proxy
    log-format "%%ci:%%cp %%ft %%b/%%s %%[ssl_fc_sni]"
    default_backend echo
backend echo
    server e 127.0.0.1:%(eb)d
""" % {"pm": pm, "pt": pt, "pb": pb.port, "eb": eb.port, "crt": A.pem}, 2)
        # terminated here, from another loopback address
        c = tt.dial(pm, "a.test", source="127.0.0.2")
        lib.eq((c.fp, c.banner), (A.fp, "echo"), "a.test: terminated by term")
        cport = c.sock.getsockname()[1]
        c.close()
        lib.eq(tt.wait_lines(p, " term~ "),
               ["127.0.0.2:%d term~ echo/e a.test" % cport], "term's log: the client's address")
        # passed through to the TLS backend, untouched
        c = tt.dial(pm, "pass.test", verify=False, source="127.0.0.3")
        lib.eq((c.cn, c.banner), ("pass.test", "passthru"), "pass.test: passed through")
        c.close()
        lib.eq(pb.snis, ["pass.test"], "SNI the passthrough backend saw")
        lib.eq(pb.peers[0][0], "127.0.0.1", "the passthrough backend sees the proxy")
        got = sorted((d["ci"], d["b"], d["s"]) for d in tls.tcplog(p, "mix", 2))
        lib.eq(got, [("127.0.0.2", "to_term", "t"), ("127.0.0.3", "passthru", "p")],
               "mix's log")


@lib.test
def mixed_port_failed_handshake_names_the_real_client():
    with tls.plain_backend("echo") as eb:
        pm, pt = lib.free_ports(2)
        p = tt.proxy("""frontend mix
    bind 127.0.0.1:%(pm)d
    option tcplog
    default_backend to_term
backend to_term
    server t 127.0.0.1:%(pt)d send-proxy-v2
frontend term
    bind 127.0.0.1:%(pt)d ssl crt %(crt)s accept-proxy strict-sni
    option tcplog
    default_backend echo
backend echo
    server e 127.0.0.1:%(eb)d
""" % {"pm": pm, "pt": pt, "eb": eb.port, "crt": A.pem})
        s = tls.connect(pm, source="127.0.0.5")
        cport = s.getsockname()[1]
        s.sendall(tls.tls12_hello(sni="nobody.test"))
        lib.eq(tls.recv_all(s), b"\x15\x03\x03\x00\x02\x02\x70",
               "alert unrecognized_name through the chain")
        s.close()
        line = tt.wait_lines(p, " term/1: ")[0]
        lib.ok(re.match(errline(cport, "term/1", "SSL handshake failure", "127.0.0.5"), line),
               "term's error line names the client from the PROXY header:\n" + line)
        lib.eq(eb.conns, 0, "echo backend connections")


@lib.test
def garbage_instead_of_a_hello_is_closed_and_counted():
    sock = os.path.join(lib.tmpdir(), "stats.sock")
    with tt.terminating("crt %s" % A.pem, glob="    stats socket %s level admin" % sock) as (
            port, p, be):
        s = tls.connect(port)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        lib.eq(tls.recv_all(s), b"", "plain HTTP on the TLS port: closed, nothing sent")
        s.close()
        s = tls.connect(port)
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        lib.eq(tls.recv_all(s), b"\x15\x03\x03\x00\x02\x02\x0a",
               "a broken handshake record: alert unexpected_message, closed")
        s.close()
        lib.eq(tt.served(port, "a.test").banner, "echo", "a good client after them")
        msgs = [l.split(": ", 1)[1] for l in tt.wait_lines(p, " fe/1: ", 2)]
        lib.eq(msgs, ["SSL handshake failure"] * 2, "connection error lines")
        lib.eq(tt_stat(sock, ["ssl_failed_handshake", "ssl_sess", "stot"]), ["2", "1", "1"],
               "show stat: failed handshakes, sessions")
        lib.eq(be.conns, 1, "backend connections")


def tt_stat(sock, fields):
    out = lib.cli(sock, "show stat")
    rows = out.splitlines()
    hdr = rows[0].lstrip("# ").split(",")
    for r in rows[1:]:
        f = r.split(",")
        if f[:2] == ["fe", "FRONTEND"]:
            d = dict(zip(hdr, f))
            return [d[k] for k in fields]
    lib.fail("no fe FRONTEND row:\n" + out)


@lib.test
def client_vanishing_mid_handshake_leaves_others_alone():
    sock = os.path.join(lib.tmpdir(), "stats.sock")
    with tt.terminating("crt %s" % A.pem, nbthread=2,
                        glob="    stats socket %s level admin" % sock) as (port, p, be):
        # a good client in the middle of a long session
        good = tt.dial(port, "a.test")
        # 20 clients that send part of a hello and vanish, 20 that send
        # nothing, while the good one keeps talking
        for i in range(20):
            c = tls.Client(port, sni="a.test")
            c.sock.sendall(c.hello[:40])
            c.sock.close()
            tls.connect(port).close()
            lib.eq(good.echo(b"still here %d\n" % i), b"still here %d\n" % i, "good client")
        lib.eq(tt.served(port, "a.test").banner, "echo", "a new client afterwards")
        good.close()
        msgs = [l.split(": ", 1)[1] for l in tt.wait_lines(p, " fe/1: ", 40)]
        lib.eq(sorted(set(msgs)), ["Connection closed during SSL handshake"], "error lines")
        # the last sessions end a moment after their clients close
        lib.wait_for(lambda: tt_stat(sock, ["ssl_failed_handshake", "scur"]) == ["40", "0"], 3)
        lib.eq(tt_stat(sock, ["ssl_failed_handshake", "ssl_sess", "scur"]), ["40", "2", "0"],
               "show stat")


@lib.test
def dontlognull_hides_empty_failed_handshakes():
    with tt.terminating("crt %s" % A.pem, fe_extra="    option dontlognull\n") as (port, p, be):
        c = tls.Client(port, sni="a.test")
        c.sock.sendall(c.hello[:20])
        c.sock.close()
        tls.connect(port).close()
        s = tls.connect(port)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        tls.recv_all(s)
        s.close()
        tt.wait_lines(p, " fe/1: ", 1)
        # dontlognull counts what the client sent: this one sends
        with tt.dial(port, "a.test") as c:
            lib.eq(c.echo(b"data\n"), b"data\n", "a good client")
        tls.tcplog(p, "fe~", 1)
        lib.eq([l.split(": ", 1)[1] for l in tt.lines(p, " fe/1: ")], ["SSL handshake failure"],
               "only the connection that sent bytes is logged")


TCPLOG_TLS = re.compile(r"^127\.0\.0\.1:(\d+) \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] "
                        r"fe~ be/s \d+/\d+/\d+ (\d+) (\S\S) \d+/\d+/\d+/\d+/0 0/0$")
def errline(port, who, msg, ip="127.0.0.1"):
    """The regex of a connection error line (reference §4.7)."""
    return (r"^%s:%d \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] %s: %s$"
            % (re.escape(ip), port, re.escape(who), re.escape(msg)))


@lib.test
def tcplog_lines_of_terminated_sessions():
    with tt.terminating("crt %s" % A.pem) as (port, p, be):
        c = tt.dial(port, "a.test")
        cport = c.sock.getsockname()[1]
        lib.eq(c.echo(b"x" * 1000), b"x" * 1000, "echo")
        c.close()
        line = tt.wait_lines(p, " fe~ ")[0]
        m = TCPLOG_TLS.match(line)
        lib.ok(m, "tcplog line of a terminated session:\n" + line)
        # %B counts the bytes sent to the client in clear: greeting + echo
        lib.eq(m.groups(), (str(cport), str(len("echo\n") + 1000), "--"), "client port, %B, %ts")


@lib.test
def handshake_failure_line_is_exact():
    with tt.terminating("crt %s strict-sni" % A.pem) as (port, p, be):
        s = tls.connect(port)
        cport = s.getsockname()[1]
        s.sendall(tls.tls12_hello(sni="nobody.test"))
        tls.recv_all(s)
        s.close()
        line = tt.wait_lines(p, " fe/1: ")[0]
        lib.ok(re.match(errline(cport, "fe/1", "SSL handshake failure"), line),
               "error line:\n" + line)
    with tt.terminating("name tls443 crt %s strict-sni" % A.pem) as (port, p, be):
        s = tls.connect(port)
        cport = s.getsockname()[1]
        s.sendall(tls.tls12_hello(sni="nobody.test"))
        tls.recv_all(s)
        s.close()
        line = tt.wait_lines(p, " fe/tls443: ")[0]
        lib.ok(re.match(errline(cport, "fe/tls443", "SSL handshake failure"), line),
               "error line with a bind name:\n" + line)


@lib.test
def handshake_timeout_is_logged():
    with tt.terminating("crt %s" % A.pem, defaults="    timeout client 500ms") as (port, p, be):
        s = tls.connect(port)
        cport = s.getsockname()[1]
        t0 = time.monotonic()
        s.sendall(tls.tls12_hello(sni="a.test")[:30])
        lib.eq(tls.recv_all(s), b"", "nothing sent back")
        took = time.monotonic() - t0
        s.close()
        lib.ok(0.4 <= took < 3, "closed after timeout client (500ms), took %.2fs" % took)
        line = tt.wait_lines(p, " fe/1: ")[0]
        lib.ok(re.match(errline(cport, "fe/1", "Timeout during SSL handshake"), line),
               "error line:\n" + line)


lib.main()
