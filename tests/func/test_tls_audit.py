#!/usr/bin/env python3
"""TLS audit of a terminating bind with the default settings (issue #9,
doc/security.md): what sslscan finds (protocols, cipher strength, weak
families, renegotiation), compression refused on the wire, client-
initiated renegotiation refused, no TLS 1.3 early data without
allow-0rtt, and what an explicit downgrade really gives (ssl-min-ver
TLSv1.1 against OpenSSL 3's security level). Everything here is what
haproxy 2.6 does too (SLUICE_ORACLE=1); the -c warnings sluice adds for
downgrades are in test_tls_audit_beyond.py.

The sslscan sub-tests are skipped when sslscan is not installed
(Debian: apt-get install sslscan)."""
import os
import re
import shutil
import socket
import struct
import subprocess
import time

import lib
import tls_term as tt

P = tt.pki()


def http_term(bind_opts, leaf):
    """A mode http frontend answering 200 "ok" itself behind
    "bind 127.0.0.1:<port> ssl crt <leaf> <bind_opts>"; returns (port, p)."""
    port = lib.free_port()
    p = tt.proxy("""frontend web
    mode http
    bind 127.0.0.1:%d ssl crt %s %s
    http-request return status 200 content-type text/plain string ok
""" % (port, leaf.pem, bind_opts), log=False)
    return port, p


# ------------------------------------------------------------------ sslscan

WEAK = re.compile(r"NULL|EXP|RC4|DES-CBC3|3DES|DES-CBC-|MD5|ADH|AECDH|anon|IDEA|SEED|PSK",
                  re.I)


def sslscan(port):
    """sslscan's text report on 127.0.0.1:port (no colours)."""
    exe = shutil.which("sslscan")
    if exe is None:
        lib.skip("sslscan not installed")
    r = subprocess.run([exe, "--no-colour", "--no-groups", "127.0.0.1:%d" % port],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    return r.stdout.decode("utf-8", "replace")


def audit_sslscan(kind):
    leaf = P.leaf("audit-%s.test" % kind, kind=kind)
    port, p = http_term("", leaf)
    try:
        out = sslscan(port)
    finally:
        lib.stop(p)
    protos = dict(re.findall(r"^(SSLv2|SSLv3|TLSv1\.[0-3])\s+(enabled|disabled)\s*$", out, re.M))
    for v in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"):
        lib.eq(protos.get(v), "disabled", "%s in sslscan's report\n%s" % (v, out))
    lib.eq(protos.get("TLSv1.2"), "enabled", "TLSv1.2\n" + out)
    lib.eq(protos.get("TLSv1.3"), "enabled", "TLSv1.3\n" + out)
    ciphers = re.findall(r"^(?:Preferred|Accepted)\s+(\S+)\s+(\d+) bits\s+(\S+)", out, re.M)
    lib.ok(len(ciphers) >= 4, "sslscan lists the accepted ciphers\n" + out)
    for ver, bits, name in ciphers:
        lib.ok(ver in ("TLSv1.2", "TLSv1.3"), "%s accepted with %s" % (name, ver))
        lib.ok(int(bits) >= 128, "%s: %s bits" % (name, bits))
        lib.ok(not WEAK.search(name), "weak cipher %s accepted" % name)
    # forward secrecy is the preference, not a requirement (OpenSSL's
    # default list keeps the RSA key exchange suites last)
    pref12 = [n for v, b, n in ciphers if v == "TLSv1.2"][:1]
    lib.ok(pref12 and pref12[0].startswith("ECDHE-"),
           "the preferred TLS 1.2 cipher has forward secrecy: %s" % pref12)
    lib.lacks(out, "Insecure session renegotiation supported", "sslscan")
    lib.lacks(out, "Compression enabled", "sslscan")
    lib.ok(not re.search(r"^TLSv\S+ vulnerable to heartbleed", out, re.M), "heartbleed\n" + out)
    lib.contains(out, "Server supports TLS Fallback SCSV", "sslscan")


@lib.test
def sslscan_default_bind_rsa():
    audit_sslscan("rsa")


@lib.test
def sslscan_default_bind_ecdsa():
    audit_sslscan("ec")


# --------------------------------------------- a hand-made TLS 1.2 ClientHello

def _ext(typ, body):
    return struct.pack("!HH", typ, len(body)) + body


def client_hello(compressions=b"\x01\x00"):
    """A TLS 1.2 ClientHello offering the given compression methods
    (default DEFLATE then null), the renegotiation_info extension and
    ECDHE/RSA AES-GCM suites for both key types."""
    suites = bytes.fromhex("c02b c02f c02c c030 009c 009d".replace(" ", ""))
    exts = b"".join([
        _ext(0x000a, struct.pack("!H", 4) + bytes.fromhex("001d0017")),   # groups
        _ext(0x000b, b"\x01\x00"),                                        # point formats
        _ext(0x000d, struct.pack("!H", 8) + bytes.fromhex("0403080404010201")),  # sig algs
        _ext(0xff01, b"\x00"),                                            # renegotiation_info
    ])
    body = (b"\x03\x03" + os.urandom(32) + b"\x00" + struct.pack("!H", len(suites)) + suites +
            bytes([len(compressions)]) + compressions + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def _read_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += d
    return buf


def server_hello(port, hello):
    """Sends hello and returns the ServerHello's fields as a dict
    (version, cipher, compression, extensions: {type: body}), or
    {"alert": (level, description)}."""
    with socket.create_connection((lib.LOOPBACK, port), timeout=10) as s:
        s.sendall(hello)
        head = _read_exact(s, 5)
        rec = _read_exact(s, struct.unpack("!H", head[3:5])[0])
        if head[0] == 0x15:
            return {"alert": (rec[0], rec[1])}
        lib.eq(head[0], 0x16, "record type of the answer")
        lib.eq(rec[0], 2, "first handshake message is a ServerHello")
        b = rec[4:]
        sid = b[34]
        off = 35 + sid
        r = {"version": b[0:2].hex(), "cipher": b[off:off + 2].hex(), "compression": b[off + 2]}
        off += 3
        exts = {}
        if off + 2 <= len(b):
            end = off + 2 + struct.unpack("!H", b[off:off + 2])[0]
            off += 2
            while off + 4 <= end:
                t, n = struct.unpack("!HH", b[off:off + 4])
                exts[t] = b[off + 4:off + 4 + n]
                off += 4 + n
        r["extensions"] = exts
        return r


@lib.test
def compression_refused_secure_renegotiation_indicated():
    """The client offers DEFLATE first: the server picks null (0). The
    ServerHello carries an empty renegotiation_info (RFC 5746): were
    renegotiation ever allowed, it would be the secure kind only."""
    for kind in ("rsa", "ec"):
        leaf = P.leaf("hello-%s.test" % kind, kind=kind)
        port, p = http_term("", leaf)
        try:
            sh = server_hello(port, client_hello())
        finally:
            lib.stop(p)
        lib.ok("alert" not in sh, "%s: handshake answered with an alert %s" % (kind, sh))
        lib.eq(sh["version"], "0303", kind + ": TLS 1.2")
        lib.eq(sh["compression"], 0, kind + ": compression method chosen")
        lib.eq(sh["extensions"].get(0xff01), b"\x00", kind + ": renegotiation_info")


@lib.test
def only_deflate_offered_is_refused():
    """A client offering DEFLATE without null gets an alert, not a
    compressed session (the control of the test above)."""
    leaf = P.leaf("deflate.test", kind="ec")
    port, p = http_term("", leaf)
    try:
        sh = server_hello(port, client_hello(b"\x01"))
    except (EOFError, ConnectionError):
        sh = {"alert": "closed"}
    finally:
        lib.stop(p)
    lib.ok("alert" in sh, "DEFLATE-only hello answered %s" % sh)


# ------------------------------------------------------------- renegotiation

def renegotiate(port):
    """openssl s_client in TLS 1.2 asks for a renegotiation ("R") after the
    handshake; returns (exit status, output)."""
    p = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_2"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    try:
        # wait for the handshake before asking (polling the output)
        os.set_blocking(p.stdout.fileno(), False)
        deadline = time.monotonic() + 20 * lib.SLOW
        while b"Verify return code" not in out and time.monotonic() < deadline:
            try:
                d = os.read(p.stdout.fileno(), 65536)
            except BlockingIOError:
                time.sleep(0.05)
                continue
            if not d:
                break
            out += d
        p.stdin.write(b"R\n")
        p.stdin.flush()
        os.set_blocking(p.stdout.fileno(), True)
        rest, _ = p.communicate(timeout=20 * lib.SLOW)
        out += rest
    except (BrokenPipeError, subprocess.TimeoutExpired):
        p.kill()
        rest, _ = p.communicate()
        out += rest or b""
    return p.returncode, out.decode("utf-8", "replace")


@lib.test
def client_renegotiation_refused():
    leaf = P.leaf("reneg.test", kind="rsa")
    port, p = http_term("", leaf)
    try:
        rc, out = renegotiate(port)
        lib.contains(out, "RENEGOTIATING", "s_client asked")
        lib.contains(out, "no renegotiation", "the server's no_renegotiation alert")
        lib.ok(rc != 0, "s_client gave up the connection (rc %s)" % rc)
        # the listener still serves
        lib.eq(tt.served(port, banner=False).version, "TLSv1.3", "next client")
    finally:
        lib.stop(p)


# ---------------------------------------------------------------- early data

@lib.test
def no_early_data_by_default():
    """Without allow-0rtt the session tickets allow no early data and a
    resuming client sends none."""
    leaf = P.leaf("zrtt.test", kind="ec")
    port, p = http_term("", leaf)
    d = lib.tmpdir()
    sess, req = os.path.join(d, "sess.pem"), os.path.join(d, "req.txt")
    lib.write(req, "GET / HTTP/1.0\r\n\r\n")
    try:
        rc, out = tt.s_client(port, "-tls1_3", "-sess_out", sess, "-ign_eof",
                              inp=b"GET / HTTP/1.0\r\n\r\n", timeout=20 * lib.SLOW)
        lib.contains(out, "HTTP/1.1 200", "first request")
        lib.contains(out, "Max Early Data: 0", "the ticket")
        lib.ok(os.path.exists(sess), "a session was kept")
        rc, out = tt.s_client(port, "-tls1_3", "-sess_in", sess, "-early_data", req,
                              timeout=20 * lib.SLOW)
        lib.contains(out, "Reused, TLSv1.3", "resumed")
        lib.lacks(out, "Early data was accepted", "early data")
    finally:
        lib.stop(p)


# ------------------------------------------------------------- downgrades

@lib.test
def tls11_needs_seclevel_0():
    """ssl-min-ver TLSv1.1 is valid, but OpenSSL 3 at Debian's default
    security level (2) cannot sign a TLS 1.1 handshake (MD5+SHA1): the
    TLS 1.1 client gets an internal_error alert, as from haproxy. Only
    with ciphers ...@SECLEVEL=0 as well does TLS 1.1 really work."""
    leaf = P.leaf("old.test", kind="rsa")
    r = lib.check(lib.config("""defaults
    mode tcp
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend f
    bind 127.0.0.1:%d ssl crt %s ssl-min-ver TLSv1.1
    default_backend b
backend b
    server s 127.0.0.1:9
""" % (lib.free_port(), leaf.pem)))
    lib.eq(r.rc, 0, "-c exit status\n%r" % r)
    lib.contains(r.out, "Configuration file is valid")
    with tt.terminating("crt %s ssl-min-ver TLSv1.1" % leaf.pem) as (port, p, be):
        why = tt.refused(port, min_ver="1.1", max_ver="1.1")
        lib.contains(why, "INTERNAL_ERROR", "TLS 1.1 at security level 2")
        lib.eq(tt.served(port, max_ver="1.2").version, "TLSv1.2", "TLS 1.2 client")
    with tt.terminating("crt %s ssl-min-ver TLSv1.1 ciphers DEFAULT@SECLEVEL=0" % leaf.pem) as (
            port, p, be):
        lib.eq(tt.served(port, min_ver="1.1", max_ver="1.1").version, "TLSv1.1", "TLS 1.1")
        lib.contains(tt.refused(port, min_ver="1.0", max_ver="1.0"), "PROTOCOL_VERSION",
                     "TLS 1.0 stays below the minimum")


@lib.test
def ssl_default_bind_options_downgrade_applies():
    """ssl-default-bind-options ssl-min-ver TLSv1.0 reaches the binds."""
    leaf = P.leaf("gdef.test", kind="rsa")
    with tt.terminating("crt %s ciphers DEFAULT@SECLEVEL=0" % leaf.pem,
                        glob="    ssl-default-bind-options ssl-min-ver TLSv1.0\n") as (
            port, p, be):
        lib.eq(tt.served(port, min_ver="1.0", max_ver="1.0").version, "TLSv1", "TLS 1.0")


lib.main()
