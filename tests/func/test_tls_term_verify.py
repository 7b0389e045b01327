#!/usr/bin/env python3
"""TLS termination (issue #6), client certificates, revocation, OCSP
stapling and session resumption on "bind ... ssl":

- verify required / optional with ca-file: refused without a certificate
  or with one from another CA, accepted with one from ca-file; crl-file
  revokes; crt-ignore-err lets a chosen error through; what the
  ssl_c_* fetches report in a log-format line; HAProxy's connection error
  lines for each refusal ("SSL handshake failure", "SSL client
  certificate not trusted", reference §4.7).
- OCSP: a ".ocsp" response beside the certificate is stapled (seen with
  "openssl s_client -status": Python's ssl cannot read staples).
- resumption: TLS 1.2 and 1.3 sessions resumed (ssl_fc_is_resumed in the
  log, ssl_sess/ssl_reused_sess in "show stat"), no-tls-tickets (no ticket,
  the session cache still resumes), tune.ssl.cachesize 0, tls-ticket-keys
  shared by two processes.

Every frontend is "mode tcp" relaying to a plain echo backend; behaviour
observed on haproxy 2.6.12."""

import base64
import os
import re
import shutil
import time

import lib
import tls_term as tt

P = tt.pki()
A = P.leaf("a.test")
ALICE = P.leaf("alice", client=True)
MALLORY = P.leaf("mallory", client=True, ca=P.other)   # signed by an untrusted CA
REVOKED = P.leaf("revoked", client=True)

# one line per session, fields that say what the handshake established
LF = ('    log-format "%ci %ft %[ssl_c_used] %[ssl_c_verify] %{+Q}[ssl_c_s_dn] '
      '%{+Q}[ssl_c_i_dn] %[ssl_fc_has_crt] %[ssl_fc_is_resumed] %sslv %ts"\n')
ERRLINE = re.compile(r"^127\.0\.0\.1:\d+ \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] "
                     r"fe/1: (?P<msg>.*)$")


def session_lines(p, n):
    """The first n log-format lines (sessions that reached the backend),
    sorted: a session is logged when both sides have closed, so the next
    client may be logged first."""
    return sorted(tt.wait_lines(p, " fe~ ", n)[:n])


def error_messages(p, n):
    """The messages of the first n connection error lines of fe (exact
    layout: "<ip>:<port> [<date>] fe/1: <message>")."""
    got = tt.wait_lines(p, " fe/1: ", n)[:n]
    out = []
    for l in got:
        m = ERRLINE.match(l)
        lib.ok(m, "connection error line layout:\n" + l)
        out.append(m.group("msg"))
    return out


@lib.test
def verify_required_refuses_a_client_without_certificate():
    with tt.terminating("crt %s verify required ca-file %s" % (A.pem, P.ca.crt),
                        fe_extra=LF) as (port, p, be):
        # TLS 1.3: the client's handshake ends first, the alert comes after
        lib.contains(tt.refused(port), "CERTIFICATE_REQUIRED", "TLS 1.3 without certificate")
        lib.contains(tt.refused(port, max_ver="1.2"), "HANDSHAKE_FAILURE",
                     "TLS 1.2 without certificate")
        lib.eq(error_messages(p, 2), ["SSL handshake failure"] * 2, "error lines")
        lib.eq(be.conns, 0, "backend connections")


@lib.test
def verify_required_accepts_a_certificate_from_ca_file():
    with tt.terminating("crt %s verify required ca-file %s" % (A.pem, P.ca.crt),
                        fe_extra=LF) as (port, p, be):
        for kw in (dict(cert=ALICE), dict(cert=ALICE, max_ver="1.2")):
            with tt.dial(port, **kw) as c:
                lib.eq(c.echo(b"mtls\n"), b"mtls\n", "echo with a client certificate")
        lib.eq(session_lines(p, 2), sorted([
            '127.0.0.1 fe~ 1 0 "/CN=alice" "/CN=sluice tls-term test CA" 1 0 TLSv1.3 --',
            '127.0.0.1 fe~ 1 0 "/CN=alice" "/CN=sluice tls-term test CA" 1 0 TLSv1.2 --']),
            "session lines")


@lib.test
def verify_required_refuses_another_ca():
    with tt.terminating("crt %s verify required ca-file %s" % (A.pem, P.ca.crt),
                        fe_extra=LF) as (port, p, be):
        lib.contains(tt.refused(port, cert=MALLORY), "UNKNOWN_CA", "TLS 1.3")
        lib.contains(tt.refused(port, cert=MALLORY, max_ver="1.2"), "UNKNOWN_CA", "TLS 1.2")
        lib.eq(error_messages(p, 2), ["SSL client certificate not trusted"] * 2, "error lines")
        lib.eq(be.conns, 0, "backend connections")


@lib.test
def verify_optional():
    with tt.terminating("crt %s verify optional ca-file %s" % (A.pem, P.ca.crt),
                        fe_extra=LF) as (port, p, be):
        lib.eq(tt.served(port).banner, "echo", "TLS 1.3 without certificate")
        lib.eq(tt.served(port, max_ver="1.2").banner, "echo", "TLS 1.2 without certificate")
        lib.eq(tt.served(port, cert=ALICE).banner, "echo", "with a good certificate")
        lib.contains(tt.refused(port, cert=MALLORY), "UNKNOWN_CA", "another CA's certificate")
        lib.eq(session_lines(p, 3), sorted([
            '127.0.0.1 fe~ 0 0 "" "" 0 0 TLSv1.3 --',
            '127.0.0.1 fe~ 0 0 "" "" 0 0 TLSv1.2 --',
            '127.0.0.1 fe~ 1 0 "/CN=alice" "/CN=sluice tls-term test CA" 1 0 TLSv1.3 --']),
            "session lines")
        lib.eq(error_messages(p, 1), ["SSL client certificate not trusted"], "error line")


@lib.test
def verify_none_asks_no_certificate():
    with tt.terminating("crt %s" % A.pem, fe_extra=LF) as (port, p, be):
        lib.eq(tt.served(port, cert=MALLORY).banner, "echo", "a certificate nobody asked for")
        lib.eq(session_lines(p, 1), sorted(['127.0.0.1 fe~ 0 0 "" "" 0 0 TLSv1.3 --']), "session line")


@lib.test
def crl_file_revokes():
    d = lib.tmpdir()
    P.ca.revoke(REVOKED)
    crl = P.ca.crl(os.path.join(d, "crl.pem"))
    with tt.terminating("crt %s verify required ca-file %s crl-file %s" % (A.pem, P.ca.crt, crl),
                        fe_extra=LF) as (port, p, be):
        lib.contains(tt.refused(port, cert=REVOKED), "CERTIFICATE_REVOKED", "TLS 1.3")
        lib.contains(tt.refused(port, cert=REVOKED, max_ver="1.2"), "CERTIFICATE_REVOKED", "TLS 1.2")
        lib.eq(tt.served(port, cert=ALICE).banner, "echo", "a certificate not revoked")
        lib.eq(error_messages(p, 2), ["SSL client certificate not trusted"] * 2, "error lines")
    # the control: the same certificate passes without the CRL
    with tt.terminating("crt %s verify required ca-file %s" % (A.pem, P.ca.crt)) as (port, p, be):
        lib.eq(tt.served(port, cert=REVOKED).banner, "echo", "revoked certificate, no crl-file")


@lib.test
def crt_ignore_err_lets_chosen_errors_through():
    d = lib.tmpdir()
    P.ca.revoke(REVOKED)
    crl = P.ca.crl(os.path.join(d, "crl.pem"))
    # 23 is X509_V_ERR_CERT_REVOKED
    with tt.terminating("crt %s verify required ca-file %s crl-file %s crt-ignore-err 23"
                        % (A.pem, P.ca.crt, crl), fe_extra=LF) as (port, p, be):
        lib.eq(tt.served(port, cert=REVOKED).banner, "echo", "revoked, error 23 ignored")
        lib.contains(tt.refused(port, cert=MALLORY), "UNKNOWN_CA", "another error")
        lib.eq(session_lines(p, 1), sorted([
            '127.0.0.1 fe~ 1 23 "/CN=revoked" "/CN=sluice tls-term test CA" 1 0 TLSv1.3 --']),
            "ssl_c_verify says 23")
    with tt.terminating("crt %s verify required ca-file %s crt-ignore-err all"
                        % (A.pem, P.ca.crt), fe_extra=LF) as (port, p, be):
        lib.eq(tt.served(port, cert=MALLORY).banner, "echo", "another CA, every error ignored")
        lib.eq(session_lines(p, 1), sorted([
            '127.0.0.1 fe~ 1 21 "/CN=mallory" "/CN=sluice tls-term untrusted CA" 1 0 TLSv1.3 --']),
            "ssl_c_verify says 21")


def status_lines(out):
    return [l.strip() for l in out.splitlines()
            if l.strip().startswith(("OCSP response:", "OCSP Response Status:", "Cert Status:"))]


@lib.test
def ocsp_response_is_stapled():
    d = lib.tmpdir()
    b = P.leaf("b.test")
    a_pem = tt.copy_pem(A, os.path.join(d, "a.pem"))
    b_pem = tt.copy_pem(b, os.path.join(d, "b.pem"))
    shutil.copy(P.ca.crt, a_pem + ".issuer")
    P.ca.ocsp(A, a_pem + ".ocsp")
    with tt.terminating("crt %s crt %s" % (a_pem, b_pem)) as (port, p, be):
        for v in ("-tls1_3", "-tls1_2"):
            rc, out = tt.s_client(port, "-status", v, sni="a.test")
            lib.eq(status_lines(out), ["OCSP response:", "OCSP Response Status: successful (0x0)",
                                       "Cert Status: good"], "a.test, s_client -status " + v)
        rc, out = tt.s_client(port, "-status", sni="b.test")
        lib.eq(status_lines(out), ["OCSP response: no response sent"], "b.test (no .ocsp)")
        rc, out = tt.s_client(port, sni="a.test")
        lib.eq(status_lines(out), [], "a client that asks no status")


def resumed(port, max_ver):
    """(first, second) reuse flags of two connections, the second offering
    the first's session."""
    ctx = tt.context(max_ver=max_ver)
    c1 = tt.served(port, "a.test", ctx=ctx)
    c2 = tt.served(port, "a.test", ctx=ctx, session=c1.session)
    return c1.reused, c2.reused


def fe_stat(sock, fields):
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
def sessions_resumed_and_counted():
    sock = os.path.join(lib.tmpdir(), "stats.sock")
    with tt.terminating("crt %s" % A.pem, fe_extra=LF,
                        glob="    stats socket %s level admin" % sock) as (port, p, be):
        lib.eq(resumed(port, "1.3"), (False, True), "TLS 1.3: new, then resumed")
        lib.eq(resumed(port, "1.2"), (False, True), "TLS 1.2: new, then resumed")
        rc, out = tt.s_client(port, "-tls1_2", "-reconnect", sni="a.test")
        lib.eq([l.split(",")[0] for l in out.splitlines() if l.startswith(("New,", "Reused,"))],
               ["New"] + ["Reused"] * 5, "s_client -reconnect")
        got = sorted(" ".join(l.split()[-3:-1]) for l in session_lines(p, 10))
        lib.eq(got, sorted(["0 TLSv1.3", "1 TLSv1.3", "0 TLSv1.2", "1 TLSv1.2", "0 TLSv1.2"]
                           + ["1 TLSv1.2"] * 5), "ssl_fc_is_resumed in the log")
        lib.eq(fe_stat(sock, ["stot", "ssl_sess", "ssl_reused_sess", "ssl_failed_handshake"]),
               ["10", "3", "7", "0"], "show stat: full handshakes, resumed ones")


@lib.test
def no_tls_tickets_still_resumes_from_the_cache():
    with tt.terminating("crt %s no-tls-tickets" % A.pem) as (port, p, be):
        rc, out = tt.s_client(port, "-tls1_2", sni="a.test")
        lib.lacks(out, "TLS session ticket lifetime hint", "s_client -tls1_2 (no-tls-tickets)")
        lib.eq(resumed(port, "1.2"), (False, True), "TLS 1.2, session id")
        lib.eq(resumed(port, "1.3"), (False, True), "TLS 1.3")
    with tt.terminating("crt %s" % A.pem) as (port, p, be):
        rc, out = tt.s_client(port, "-tls1_2", sni="a.test")
        lib.contains(out, "TLS session ticket lifetime hint", "s_client -tls1_2 (tickets on)")


@lib.test
def no_cache_and_no_tickets_never_resume():
    with tt.terminating("crt %s no-tls-tickets" % A.pem, glob="    tune.ssl.cachesize 0") as (
            port, p, be):
        lib.eq(resumed(port, "1.2"), (False, False), "TLS 1.2")
        lib.eq(resumed(port, "1.3"), (False, False), "TLS 1.3")
    with tt.terminating("crt %s" % A.pem, glob="    tune.ssl.cachesize 0") as (port, p, be):
        lib.eq(resumed(port, "1.2"), (False, True), "TLS 1.2, tickets without a cache")
        lib.eq(resumed(port, "1.3"), (False, True), "TLS 1.3, tickets without a cache")


@lib.test
def tune_ssl_lifetime_expires_sessions():
    with tt.terminating("crt %s" % A.pem, glob="    tune.ssl.lifetime 1") as (port1, p1, be1), \
            tt.terminating("crt %s no-tls-tickets" % A.pem, glob="    tune.ssl.lifetime 1") as (
                port2, p2, be2):
        old = {}
        for port in (port1, port2):
            for mv in ("1.2", "1.3"):
                what = "%s, TLS %s" % ("tickets" if port == port1 else "no-tls-tickets", mv)
                lib.eq(resumed(port, mv), (False, True), what + ": resumed at once")
                ctx = tt.context(max_ver=mv)
                old[what] = (port, ctx, tt.served(port, "a.test", ctx=ctx).session)
        # the lifetime is the property under test: wait past it
        time.sleep(2.2)
        for what, (port, ctx, sess) in sorted(old.items()):
            lib.eq(tt.served(port, "a.test", ctx=ctx, session=sess).reused, False,
                   what + ": a 2s old session with tune.ssl.lifetime 1")


@lib.test
def tls_ticket_keys_shared_by_two_processes():
    keys = lib.write(os.path.join(lib.tmpdir(), "ticket.keys"), "".join(
        base64.b64encode(os.urandom(48)).decode() + "\n" for _ in range(3)))
    for mv in ("1.3", "1.2"):
        ctx = tt.context(max_ver=mv)
        with tt.terminating("crt %s tls-ticket-keys %s" % (A.pem, keys)) as (port, p, be):
            sess = tt.served(port, "a.test", ctx=ctx).session
        with tt.terminating("crt %s tls-ticket-keys %s" % (A.pem, keys)) as (port, p, be):
            lib.eq(tt.served(port, "a.test", ctx=ctx, session=sess).reused, True,
                   "TLS %s: another process with the same keys resumes" % mv)
        with tt.terminating("crt %s" % A.pem) as (port, p, be):
            lib.eq(tt.served(port, "a.test", ctx=ctx, session=sess).reused, False,
                   "TLS %s: a process with its own keys does not" % mv)


lib.main()
