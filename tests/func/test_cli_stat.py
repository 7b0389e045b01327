#!/usr/bin/env python3
"""Statistics on the stats socket (reference §3.4-§3.7): the show stat CSV
header byte for byte, counters after real traffic through a passthrough
frontend (stot, bin/bout, lbtot, status, check columns of a failing
server), proxy ids with the GLOBAL proxy, filters and their errors, typed
and JSON output, show info fields, show servers state|conn, show backend,
clear counters and its levels, level user hiding addresses, a 2000-server
dump streamed whole. Passes against haproxy 2.6 (SLUICE_ORACLE=1)."""

import json
import os
import re
import socket
import struct
import threading
import time

import lib

HEADER = ("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,"
          "eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,"
          "qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,"
          "check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,"
          "hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,"
          "comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,"
          "rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,"
          "check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,"
          "cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,"
          "connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,"
          "rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,"
          "need_conn_est,uweight,agg_server_status,agg_server_check_status,"
          "agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,"
          "h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,"
          "h2_goaway_rcvd,h2_detected_conn_protocol_errors,"
          "h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,"
          "h2_open_connections,h2_backend_open_streams,h2_total_connections,"
          "h2_backend_total_streams,h1_open_connections,h1_open_streams,"
          "h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,"
          "h1_spliced_bytes_in,h1_spliced_bytes_out,")
COLS = HEADER[2:].rstrip(",").split(",")

INFO_FIELDS = [
    "Name", "Version", "Release_date", "Nbthread", "Nbproc", "Process_num", "Pid",
    "Uptime", "Uptime_sec", "Memmax_MB", "PoolAlloc_MB", "PoolUsed_MB", "PoolFailed",
    "Ulimit-n", "Maxsock", "Maxconn", "Hard_maxconn", "CurrConns", "CumConns", "CumReq",
    "MaxSslConns", "CurrSslConns", "CumSslConns", "Maxpipes", "PipesUsed", "PipesFree",
    "ConnRate", "ConnRateLimit", "MaxConnRate", "SessRate", "SessRateLimit",
    "MaxSessRate", "SslRate", "SslRateLimit", "MaxSslRate", "SslFrontendKeyRate",
    "SslFrontendMaxKeyRate", "SslFrontendSessionReuse_pct", "SslBackendKeyRate",
    "SslBackendMaxKeyRate", "SslCacheLookups", "SslCacheMisses", "CompressBpsIn",
    "CompressBpsOut", "CompressBpsRateLim", "Tasks", "Run_queue", "Idle_pct", "node",
    "Stopping", "Jobs", "Unstoppable Jobs", "Listeners", "ActivePeers",
    "ConnectedPeers", "DroppedLogs", "BusyPolling", "FailedResolutions",
    "TotalBytesOut", "TotalSplicdedBytesOut", "BytesOutRate", "DebugCommandsIssued",
    "CumRecvLogs", "Build info", "Memmax_bytes", "PoolAlloc_bytes", "PoolUsed_bytes",
    "Start_time_sec", "Tainted"]

STATE_HDR = ("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
             "srv_uweight srv_iweight srv_time_since_last_change srv_check_status "
             "srv_check_result srv_check_health srv_check_state srv_agent_state "
             "bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
             "srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n")

DEFAULTS = ("defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 10s\n"
            "    timeout server 10s\n")


cli = lib.cli


def rows(text):
    """The CSV answer as dicts (pxname,svname) -> {column: value}."""
    lines = text.split("\n")
    lib.eq(lines[0], HEADER, "CSV header")
    res = {}
    for line in lines[1:]:
        if not line:
            continue
        lib.ok(line.endswith(","), "row ends with a comma: %r" % line)
        cells = line[:-1].split(",")
        lib.eq(len(cells), len(COLS), "cells in %r" % line)
        d = dict(zip(COLS, cells))
        # "* " marks a check running at that instant (HAProxy): not
        # what these tests look at
        for k in ("check_status", "agent_status"):
            d[k] = d[k][2:] if d[k].startswith("* ") else d[k]
        res[(d["pxname"], d["svname"])] = d
    return res


def lab(extra_global="", body="", sockets=(("admin.sock", "admin"),)):
    """Starts the binary with stats sockets in a fresh directory; returns
    (process, {level: socket path})."""
    d = lib.tmpdir()
    paths = {}
    g = "global\n"
    for name, level in sockets:
        p = os.path.join(d, name)
        paths[level] = p
        g += "    stats socket %s level %s\n" % (p, level)
    g += extra_global
    cfg = lib.config(g + DEFAULTS + body, directory=d)
    proc = lib.start(cfg)
    for p in paths.values():
        if not lib.wait_unix(p):
            lib.fail("no stats socket %s\n%s" % (p, lib.logs(proc)))
    return proc, paths


def wait_rows(sock, pred, what, timeout=10.0):
    last = {}

    def probe():
        nonlocal last
        last = rows(cli(sock, "show stat"))
        return pred(last)
    if not lib.wait_for(probe, timeout=timeout):
        lib.fail("%s; last show stat:\n%s" % (what, json.dumps(last, indent=1)[:4000]))
    return last


def exchange(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(data)
        got = b""
        while len(got) < len(data):
            d = c.recv(65536)
            if not d:
                break
            got += d
        return got


@lib.test
def header_and_framing():
    fe = lib.free_port()
    p, socks = lab(body="frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
                        "backend b\n    server s1 127.0.0.1:%d\n" % (fe, lib.free_port()))
    out = cli(socks["admin"], "show stat")
    lib.ok(out.endswith(",\n\n"), "answer ends with the last row and an empty line")
    lib.eq(out.split("\n")[0], HEADER, "header")
    r = rows(out)
    lib.eq(sorted(r), [("b", "BACKEND"), ("b", "s1"), ("f", "FRONTEND")], "rows")
    # order: frontend, then the backend's servers, then BACKEND
    names = [l.split(",")[1] for l in out.split("\n")[1:] if l]
    lib.eq(names, ["FRONTEND", "s1", "BACKEND"], "row order")
    # ids: the stats socket's GLOBAL proxy takes 1 (reference §0 #19)
    lib.eq(r[("f", "FRONTEND")]["iid"], "2", "frontend iid")
    lib.eq(r[("b", "BACKEND")]["iid"], "3", "backend iid")
    lib.eq(r[("b", "s1")]["sid"], "1", "server sid")
    lib.eq([r[k]["type"] for k in (("f", "FRONTEND"), ("b", "BACKEND"), ("b", "s1"))],
           ["0", "1", "2"], "types")
    lib.eq(r[("f", "FRONTEND")]["status"], "OPEN", "frontend status")
    lib.eq(r[("b", "s1")]["status"], "no check", "unchecked server")
    lib.eq(r[("b", "s1")]["mode"], "tcp", "mode")
    lib.eq(r[("b", "BACKEND")]["algo"], "roundrobin", "algo")
    # TCP mode: HTTP columns empty, module columns as HAProxy leaves them
    for k in ("hrsp_2xx", "intercepted", "cache_lookups"):
        lib.eq(r[("f", "FRONTEND")][k], "", "frontend %s in tcp mode" % k)
    lib.eq(r[("f", "FRONTEND")]["-"], "-", "marker column")
    lib.eq(r[("b", "s1")]["h1_bytes_in"], "", "server h1 column")
    lib.eq(r[("b", "s1")]["ssl_sess"], "0", "server ssl column")
    lib.eq(r[("b", "s1")]["lastsess"], "-1", "never used server")
    lib.eq(cli(socks["admin"], "show stat desc").split("\n")[0], HEADER, "desc CSV")
    lib.stop(p)


@lib.test
def counters_after_traffic():
    fe = lib.free_port()
    dead = lib.free_port()
    with lib.tcp_echo() as e1, lib.tcp_echo() as e2:
        body = ("frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
                "backend b\n"
                "    server s1 127.0.0.1:%d check inter 200\n"
                "    server s2 127.0.0.1:%d check inter 200\n"
                "    server s3 127.0.0.1:%d check inter 200 rise 2 fall 3\n"
                % (fe, e1.port, e2.port, dead))
        p, socks = lab(body=body)
        sock = socks["admin"]
        r = wait_rows(sock, lambda r: r[("b", "s3")]["status"] == "DOWN" and
                      r[("b", "s1")]["check_status"] == "L4OK" and
                      r[("b", "s2")]["check_status"] == "L4OK", "checks ran")
        s3 = r[("b", "s3")]
        lib.eq(s3["check_status"], "L4CON", "failing server check_status")
        lib.eq(s3["last_chk"], "Connection refused", "last_chk")
        lib.eq(s3["check_desc"], "Layer4 connection problem", "check_desc")
        lib.eq(s3["check_health"], "0", "check_health")
        lib.eq((s3["check_rise"], s3["check_fall"]), ("2", "3"), "rise/fall")
        lib.eq(s3["chkdown"], "1", "chkdown")
        lib.ok(int(s3["chkfail"]) >= 1, "chkfail counted")
        lib.eq(r[("b", "s1")]["check_desc"], "Layer4 check passed", "passing check_desc")
        lib.eq(r[("b", "s1")]["last_chk"], "", "passing last_chk")
        lib.eq(r[("b", "s1")]["check_code"], "", "L4 check has no code")
        lib.eq(r[("b", "BACKEND")]["act"], "2", "active servers up")
        lib.eq(r[("b", "BACKEND")]["weight"], "2", "backend weight")

        n = 6
        for i in range(n):
            lib.eq(exchange(fe, b"hello %d\n" % i), b"hello %d\n" % i, "echo")
        r = wait_rows(sock, lambda r: r[("f", "FRONTEND")]["stot"] == str(n) and
                      r[("f", "FRONTEND")]["scur"] == "0" and
                      r[("b", "BACKEND")]["scur"] == "0" and
                      r[("b", "BACKEND")]["bout"] == str(8 * n), "sessions counted")
        f, b, s1, s2 = (r[("f", "FRONTEND")], r[("b", "BACKEND")], r[("b", "s1")],
                        r[("b", "s2")])
        lib.eq((f["bin"], f["bout"]), (str(8 * n), str(8 * n)), "frontend bytes")
        lib.eq((b["bin"], b["bout"]), (str(8 * n), str(8 * n)), "backend bytes")
        lib.eq(f["conn_tot"], str(n), "conn_tot")
        lib.ok(1 <= int(f["smax"]) <= n, "frontend smax %r" % f["smax"])
        lib.eq(b["stot"], str(n), "backend stot")
        lib.eq(b["lbtot"], str(n), "backend lbtot")
        lib.eq(b["connect"], str(n), "backend connect")
        lib.eq((s1["stot"], s2["stot"]), (str(n // 2), str(n // 2)), "roundrobin stot")
        lib.eq((s1["lbtot"], s2["lbtot"]), (str(n // 2), str(n // 2)), "lbtot")
        lib.eq(int(s1["bin"]) + int(s2["bin"]), 8 * n, "servers' bytes")
        lib.eq(s3["stot"], "0", "down server unused")
        lib.ok(int(f["rate_max"]) >= 1 and int(f["conn_rate_max"]) >= 1, "rate maxima")
        lib.ok(b["lastsess"] in ("0", "1", "2"), "backend lastsess: %r" % b["lastsess"])
        lib.eq(b["econ"], "0", "no connection error")
        lib.ok(int(b["qtime"]) < 100, "no queue: qtime %r" % b["qtime"])
        lib.stop(p)


# "show stat" of haproxy 2.6.12 for LAB_CFG (checks and agents settled, no
# traffic); cells that depend on time are masked when compared.
LAB_ROWS = [
    "fe1,FRONTEND,,,0,0,2000,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,0,,,,,,,,,,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,tcp,,0,0,0,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
    "li1,FRONTEND,,,0,0,2000,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,0,,,,0,0,0,0,,,,,,,,,,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,tcp,,0,0,0,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
    "li1,l1,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1,0,,,2,,,1,3,1,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:%(echo)d,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "li1,BACKEND,0,0,0,0,200,0,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,2,0,,1,3,0,,0,,1,0,,0,,,,,,,,,,,,,,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,leastconn,,,,,,,0,0,0,,,,,0,0,0,0,0,,,,,1,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
    "be1,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,2,0,,1,4,1,,0,,2,0,,0,L4OK,,0,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,Layer4 check passed,,2,3,4,,,,127.0.0.1:%(echo)d,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "be1,s2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,2,2,,1,4,2,,0,,2,0,,0,L4CON,,0,,,,,,,,,,,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,2,3,0,,,,127.0.0.1:%(dead)d,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "be1,s3,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,0,1,,,2,,,1,4,3,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:%(echo)d,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "be1,s4,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,,,2,,,1,4,4,,0,be1/s1,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:%(echo)d,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "be1,s5,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,,,2,,,1,4,5,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:%(echo)d,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "be1,s6,0,0,0,0,10,0,0,0,,0,,0,0,0,0,no check,15,1,0,,,2,,5,1,4,6,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,via agent : up,0,0,0,0,L7OK,0,0,,Layer7 check passed,,,,1,1,1,127.0.0.1:%(echo)d,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,15,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "be1,s7,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,0,1,0,0,0,2,0,,1,4,7,,0,,2,0,,0,L4OK,,0,,,,,,,,,,,0,0,,,,,-1,,via agent : up,0,0,0,0,L7OK,0,0,Layer4 check passed,Layer7 check passed,2,3,4,1,1,1,127.0.0.1:%(echo)d,abc,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,0,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
    "be1,BACKEND,0,0,0,0,200,0,0,0,0,0,,0,0,0,0,UP,17,3,1,,0,2,0,,1,4,0,,0,,1,0,,0,,,,,,,,,,,,,,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,roundrobin,,,,,,,0,0,0,,,,,0,0,0,0,0,,,,,17,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
]
LAB_CFG = """frontend fe1
    bind 127.0.0.1:%(fe1)d
    default_backend be1
listen li1
    bind 127.0.0.1:%(li1)d
    balance leastconn
    server l1 127.0.0.1:%(echo)d
backend be1
    server s1 127.0.0.1:%(echo)d check inter 300
    server s2 127.0.0.1:%(dead)d check inter 300 rise 2 fall 3
    server s3 127.0.0.1:%(echo)d backup
    server s4 127.0.0.1:%(echo)d track be1/s1
    server s5 127.0.0.1:%(echo)d disabled
    server s6 127.0.0.1:%(echo)d agent-check agent-port %(agent)d agent-inter 300 maxconn 10 maxqueue 5 weight 20
    server s7 127.0.0.1:%(echo)d check inter 300 agent-check agent-port %(agent)d agent-inter 300 slowstart 10s cookie abc
"""
TIMING = ("lastchg", "downtime", "check_duration", "agent_duration")


def agent_server(reply):
    """An agent that answers reply to every connection; returns its port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)

    def loop():
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            with c:
                try:
                    c.sendall(reply)
                except OSError:
                    pass
    threading.Thread(target=loop, daemon=True).start()
    return ls.getsockname()[1]


@lib.test
def whole_rows_as_haproxy():
    """Every cell of every row, for frontends, a listen, checked, failing,
    backup, tracking, disabled and agent-driven servers."""
    with lib.tcp_echo() as e1:
        ports = dict(fe1=lib.free_port(), li1=lib.free_port(), echo=e1.port,
                     dead=lib.free_port(), agent=agent_server(b"up 75%\n"))
        p, socks = lab(extra_global="    maxconn 2000\n", body=LAB_CFG % ports)
        r = wait_rows(socks["admin"], lambda r: r[("be1", "s2")]["status"] == "DOWN" and
                      r[("be1", "s1")]["check_health"] == "4" and
                      r[("be1", "s7")]["check_health"] == "4" and
                      r[("be1", "s6")]["agent_status"] == "L7OK" and
                      r[("be1", "s7")]["agent_status"] == "L7OK", "checks settled")
        out = cli(socks["admin"], "show stat")
        got = [l for l in out.split("\n")[1:] if l]
        lib.eq(len(got), len(LAB_ROWS), "rows")
        for g, w in zip(got, LAB_ROWS):
            gc, wc = g.split(","), (w % ports).split(",")
            gc = [x[2:] if x.startswith("* ") else x for x in gc]
            for i, name in enumerate(COLS):
                if name in TIMING:
                    continue
                lib.eq(gc[i], wc[i], "%s/%s %s" % (wc[0], wc[1], name))
        lib.stop(p)


def rst_server():
    """A server that reads a line then resets the connection; returns
    its port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)

    def loop():
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            with c:
                c.recv(100)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    threading.Thread(target=loop, daemon=True).start()
    return ls.getsockname()[1]


@lib.test
def errors_and_aborts():
    fd, fr, fc = lib.free_ports(3)
    with lib.tcp_echo() as e1:
        body = ("frontend f\n    bind 127.0.0.1:%d\n    default_backend dead\n"
                "frontend g\n    bind 127.0.0.1:%d\n    default_backend rst\n"
                "frontend h\n    bind 127.0.0.1:%d\n    default_backend cli\n"
                "backend dead\n    retries 1\n    server d1 127.0.0.1:%d\n"
                "backend rst\n    server r1 127.0.0.1:%d\n"
                "backend cli\n    server c1 127.0.0.1:%d\n"
                % (fd, fr, fc, lib.free_port(), rst_server(), e1.port))
        p, socks = lab(body=body)
        for port in (fd, fr):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"x\n")
                try:
                    c.recv(10)
                except OSError:
                    pass
        c = socket.create_connection(("127.0.0.1", fc), timeout=5)
        c.sendall(b"hi\n")
        c.recv(10)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        r = wait_rows(socks["admin"], lambda r: all(
            r[(b, "BACKEND")]["stot"] == "1" and r[(b, "BACKEND")]["scur"] == "0"
            for b in ("dead", "rst", "cli")), "three sessions over")
        want = {
            # a refused server, one retry: two attempts, one retry, one error
            ("dead", "d1"): dict(stot="2", econ="1", wretr="1", connect="2", eresp="0"),
            ("dead", "BACKEND"): dict(stot="1", econ="1", wretr="1", connect="2"),
            # a server reset while forwarding: an abort and a response error
            ("rst", "r1"): dict(srv_abrt="1", eresp="1", cli_abrt="0", econ="0"),
            ("rst", "BACKEND"): dict(srv_abrt="1", eresp="1", cli_abrt="0"),
            # a client reset while forwarding
            ("cli", "c1"): dict(cli_abrt="1", srv_abrt="0", eresp="0"),
            ("cli", "BACKEND"): dict(cli_abrt="1", srv_abrt="0"),
        }
        for k, cols in want.items():
            for col, v in cols.items():
                lib.eq(r[k][col], v, "%s/%s %s" % (k[0], k[1], col))
        lib.stop(p)


@lib.test
def runtime_changes_show():
    """What the admin commands change, show stat and show servers state
    show: disabled checks as "no check", a new address."""
    with lib.tcp_echo() as e1:
        agent = agent_server(b"up\n")
        body = ("backend b\n"
                "    server s1 127.0.0.1:%d check inter 300\n"
                "    server s2 127.0.0.1:%d track b/s1\n"
                "    server s3 127.0.0.1:%d check inter 300 agent-check agent-port %d agent-inter 300\n"
                "    server s4 127.0.0.1:%d\n"
                % (e1.port, e1.port, e1.port, agent, e1.port))
        p, socks = lab(body=body)
        sock = socks["admin"]
        wait_rows(sock, lambda r: r[("b", "s1")]["check_status"] == "L4OK" and
                  r[("b", "s3")]["agent_status"] == "L7OK", "checks ran")
        cli(sock, "disable health b/s1")
        cli(sock, "disable agent b/s3")
        cli(sock, "set server b/s4 addr 127.0.0.2 port %d" % e1.port)
        r = rows(cli(sock, "show stat"))
        s1, s2, s3, s4 = (r[("b", n)] for n in ("s1", "s2", "s3", "s4"))
        lib.eq((s1["status"], s2["status"]), ("no check", "no check"), "checks disabled")
        for col in ("chkfail", "chkdown", "downtime", "check_status", "check_desc",
                    "check_rise", "check_fall", "check_health"):
            lib.eq(s1[col], "", "s1 %s once disabled" % col)
        lib.eq(s3["check_status"], "L4OK", "s3 health check still on")
        for col in ("agent_status", "agent_desc", "last_agt", "agent_rise", "agent_health"):
            lib.eq(s3[col], "", "s3 %s once the agent is disabled" % col)
        lib.eq(s4["addr"], "127.0.0.2:%d" % e1.port, "new address")
        st = cli(sock, "show servers state b")
        lines = [l.split(" ") for l in st.split("\n")[2:] if l]
        lib.eq((lines[0][3], lines[0][13], lines[0][14]), ("s1", "2", "0"), "s1 check state")
        lib.eq((lines[2][3], lines[2][13], lines[2][14]), ("s3", "6", "18"), "s3 agent state")
        lib.eq((lines[3][4], lines[3][18]), ("127.0.0.2", str(e1.port)), "s4 address")
        cli(sock, "enable health b/s1")
        r = rows(cli(sock, "show stat"))
        lib.eq(r[("b", "s1")]["check_rise"], "2", "enabled again")
        lib.stop(p)


@lib.test
def frontend_status():
    body = ("frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
            "backend b\n    server s1 127.0.0.1:%d\n" % (lib.free_port(), lib.free_port()))
    p, socks = lab(body=body)
    sock = socks["admin"]

    def status():
        return rows(cli(sock, "show stat"))[("f", "FRONTEND")]["status"]
    lib.eq(status(), "OPEN", "open")
    cli(sock, "disable frontend f")
    lib.eq(status(), "PAUSED", "disable frontend (reference §0 #10)")
    cli(sock, "enable frontend f")
    lib.eq(status(), "OPEN", "enabled again")
    cli(sock, "shutdown frontend f")
    lib.eq(status(), "STOP", "shutdown frontend")
    lib.stop(p)


@lib.test
def filters_and_errors():
    fe = lib.free_port()
    body = ("frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
            "backend b\n    server s1 127.0.0.1:%d\n    server s2 127.0.0.1:%d disabled\n"
            "    server s3 127.0.0.1:%d\n"
            "listen l\n    bind 127.0.0.1:%d\n    server x 127.0.0.1:%d\n"
            % (fe, lib.free_port(), lib.free_port(), lib.free_port(), lib.free_port(),
               lib.free_port()))
    p, socks = lab(body=body)
    sock = socks["admin"]

    def names(cmd):
        out = cli(sock, cmd)
        return [tuple(l.split(",")[:2]) for l in out.split("\n")[1:] if l]
    lib.eq(names("show stat b 4 -1"), [("b", "s1"), ("b", "s2"), ("b", "s3")], "servers of b")
    lib.eq(names("show stat 3 4 -1"), [("b", "s1"), ("b", "s2"), ("b", "s3")], "by iid")
    lib.eq(names("show stat b 4 3"), [("b", "s3")], "one server")
    lib.eq(names("show stat b 2 -1"), [("b", "BACKEND")], "backend row")
    lib.eq(names("show stat -1 2 -1"), [("b", "BACKEND"), ("l", "BACKEND")], "all backends")
    lib.eq(names("show stat -1 1 -1"), [("f", "FRONTEND"), ("l", "FRONTEND")], "frontends")
    lib.eq(names("show stat b 1 -1"), [], "a backend has no frontend row")
    lib.eq(names("show stat 99 -1 -1"), [], "unknown id: nothing")
    lib.eq(names("show stat b 4 -1 no-maint"), [("b", "s1"), ("b", "s3")], "no-maint")
    lib.eq(names("show stat b 4 -1 up"), [("b", "s1"), ("b", "s3")], "up")
    lib.eq(len(names("show stat b")), 8, "incomplete filter is ignored")
    lib.eq(len(names("show stat domain proxy -1 2 -1")), 2, "domain proxy")
    lib.eq(cli(sock, "show stat nosuch 4 -1"), "No such proxy.\n\n", "unknown proxy")
    lib.eq(cli(sock, "show stat domain bogus"), "Invalid statistics domain.\n\n", "domain")
    lib.eq(rows(cli(sock, "show stat"))[("b", "s2")]["status"], "MAINT", "disabled server")
    lib.stop(p)


TYPED = re.compile(r"^([FBLS])\.(\d+)\.(\d+)\.(\d+)\.([a-z0-9_]+)\.1:([A-Za-z]{3}):"
                   r"(u32|s32|u64|s64|str):(.*)$")


@lib.test
def typed_and_json():
    fe = lib.free_port()
    body = ("frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
            "backend b\n    server s1 127.0.0.1:%d\n" % (fe, lib.free_port()))
    p, socks = lab(body=body)
    sock = socks["admin"]
    csv = rows(cli(sock, "show stat"))
    out = cli(sock, "show stat typed")
    lib.ok(out.endswith("\n\n"), "typed ends with an empty line")
    seen = {}
    for line in out.split("\n")[:-2]:
        m = TYPED.match(line)
        lib.ok(m, "typed line syntax: %r" % line)
        t, iid, sid, pos, name, tags, typ, val = m.groups()
        lib.eq(COLS[int(pos) + (1 if int(pos) >= 103 else 0)], name, "position of %s" % name)
        seen[(t, name)] = val
        if name in ("pxname", "svname") or t == "L":
            continue
    lib.eq(seen[("F", "pxname")], "f", "typed pxname")
    lib.eq(seen[("S", "svname")], "s1", "typed svname")
    lib.eq(seen[("B", "status")], csv[("b", "BACKEND")]["status"], "typed = CSV")
    lib.eq(seen[("S", "lastsess")], "-1", "s32 value")
    lib.ok(("S", "qlimit") not in seen, "empty cells are left out")
    lib.ok(("S", "-") not in seen, "no marker in typed output")
    lib.contains(out, "F.2.0.0.pxname.1:KNS:str:f\nF.2.0.1.svname.1:KNS:str:FRONTEND\n"
                      "F.2.0.4.scur.1:MGP:u32:0\n", "typed frontend start")
    lib.contains(out, "\nS.3.1.19.act.1:SGP:u32:1\n", "server act tags")
    lib.contains(out, "\nB.3.0.19.act.1:MGP:u32:1\n", "backend act tags")
    desc = cli(sock, "show stat typed desc")
    lib.contains(desc, 'F.2.0.0.pxname.1:KNS:str:f:"Proxy name"\n', "typed desc")

    js = cli(sock, "show stat json")
    lib.ok(js.endswith("]\n\n"), "json ends with ] and an empty line")
    doc = json.loads(js)
    lib.eq([o[0]["objType"] for o in doc], ["Frontend", "Server", "Backend"], "objTypes")
    first = doc[0][0]
    lib.eq(first, {"objType": "Frontend", "proxyId": 2, "id": 0,
                   "field": {"pos": 0, "name": "pxname"}, "processNum": 1,
                   "tags": {"origin": "Key", "nature": "Name", "scope": "Service"},
                   "value": {"type": "str", "value": "f"}}, "first JSON element")
    srv = {e["field"]["name"]: e["value"]["value"] for e in doc[1]}
    lib.eq(srv["lastsess"], -1, "JSON number")
    lib.eq(srv["addr"], csv[("b", "s1")]["addr"], "JSON = CSV")
    # the last format word wins
    lib.ok(cli(sock, "show stat json typed").startswith("F.2.0.0.pxname"), "json typed")
    lib.ok(cli(sock, "show stat typed json").startswith("[["), "typed json")
    schema = json.loads(cli(sock, "show schema json"))
    lib.eq(schema["$schema"], "http://json-schema.org/draft-04/schema#", "schema")
    lib.stop(p)


@lib.test
def show_info():
    p, socks = lab(body="frontend f\n    bind 127.0.0.1:%d\n" % lib.free_port())
    sock = socks["admin"]
    out = cli(sock, "show info")
    lib.ok(out.endswith("\n\n"), "ends with an empty line")
    lines = out.split("\n")[:-2]
    got = [l.split(": ", 1)[0] for l in lines]
    lib.eq(got, INFO_FIELDS, "field names and order")
    vals = dict(l.split(": ", 1) for l in lines)
    lib.ok(vals["Name"] != "", "a name")
    lib.eq(vals["Nbproc"], "1", "Nbproc")
    lib.eq(vals["Pid"], str(p.pid), "Pid")
    lib.ok(re.match(r"^\d+d \d+h\d\dm\d\ds$", vals["Uptime"]), "Uptime format")
    lib.eq(vals["Tainted"], "0", "Tainted")
    typed = cli(sock, "show info typed").split("\n")[:-2]
    lib.eq(len(typed), len(INFO_FIELDS), "typed lines")
    for line in typed:
        lib.ok(re.match(r"^\d+\.[A-Za-z_ -]+\.1:[A-Za-z]{3}:(u32|u64|s32|s64|str):", line),
               "typed info syntax: %r" % line)
    lib.contains("\n".join(typed), "\n17.CurrConns.1:MGP:u32:", "CurrConns position")
    lib.contains("\n".join(typed), "\n61.TotalBytesOut.1:MGP:u64:", "TotalBytesOut")
    doc = json.loads(cli(sock, "show info json"))
    lib.eq([e["field"]["name"] for e in doc], INFO_FIELDS, "json names")
    lib.eq(doc[6]["value"], {"type": "u32", "value": p.pid}, "json Pid")
    lib.contains(cli(sock, "show info desc"), 'Nbproc: 1:"Number of started worker processes '
                 '(historical, always 1)"\n', "desc")
    lib.stop(p)


@lib.test
def servers_state_conn_backend():
    dead = lib.free_port()
    with lib.tcp_echo() as e1:
        body = ("backend b\n    server s1 127.0.0.1:%d check inter 200\n"
                "    server s2 127.0.0.1:%d check inter 200\n"
                "    server s3 127.0.0.1:%d disabled\n"
                "    server s4 127.0.0.1:%d id 9 weight 20\n"
                "listen l\n    bind 127.0.0.1:%d\n    id 7\n    server x 127.0.0.1:%d\n"
                % (e1.port, dead, e1.port, e1.port, lib.free_port(), e1.port))
        p, socks = lab(body=body)
        sock = socks["admin"]
        wait_rows(sock, lambda r: r[("b", "s2")]["status"] == "DOWN" and
                  r[("b", "s1")]["check_status"] == "L4OK", "checks ran")
        out = cli(sock, "show servers state")
        lib.ok(out.startswith(STATE_HDR), "state header:\n" + out)
        lib.ok(out.endswith("\n\n"), "ends with an empty line")
        lines = out[len(STATE_HDR):-2].split("\n")
        f = [l.split(" ") for l in lines]
        for x in f:
            lib.eq(len(x), 25, "fields in %r" % x)
        lib.eq([(x[0], x[1], x[2], x[3]) for x in f],
               [("2", "b", "1", "s1"), ("2", "b", "2", "s2"), ("2", "b", "3", "s3"),
                ("2", "b", "9", "s4"), ("7", "l", "1", "x")], "ids and names")
        s1, s2, s3, s4, x = f
        lib.eq(s1[4:10][:5], ["127.0.0.1", "2", "0", "1", "1"], "s1 addr/op/admin/weights")
        lib.eq(s1[10:15], ["6", "3", "4", "6", "0"], "s1 check status/result/health/state")
        lib.eq(s2[5], "0", "s2 stopped")
        lib.eq(s2[10:13], ["8", "2", "0"], "s2 L4CON failed")
        lib.eq(s3[5:7], ["0", "5"], "disabled: stopped, CMAINT|FMAINT")
        lib.eq(s3[13], "8", "disabled: checks paused")
        lib.eq(s4[7:9], ["20", "20"], "weights")
        lib.eq(s4[15:17], ["0", "1"], "forced server id")
        lib.eq(x[15], "1", "forced backend id")
        lib.eq(s1[17:], ["-", str(e1.port), "-", "0", "0", "-", "-", "0"], "s1 tail")
        one = cli(sock, "show servers state l")
        lib.eq(one, STATE_HDR + " ".join(x) + "\n\n", "one backend")
        lib.eq(cli(sock, "show servers state nosuch"), "Can't find backend.\n\n", "unknown")

        conn = cli(sock, "show servers conn b")
        cl = conn.split("\n")
        lib.ok(re.match(r"^# bkname/svname bkid/svid addr port - purge_delay used_cur "
                        r"used_max need_est unsafe_nb safe_nb idle_lim idle_cur "
                        r"idle_per_thr\[\d+\]$", cl[0]), "conn header %r" % cl[0])
        lib.eq([l.split(" ")[:4] for l in cl[1:-2]],
               [["b/s1", "2/1", "127.0.0.1", str(e1.port)],
                ["b/s2", "2/2", "127.0.0.1", str(dead)],
                ["b/s3", "2/3", "127.0.0.1", str(e1.port)],
                ["b/s4", "2/9", "127.0.0.1", str(e1.port)]], "conn lines")
        lib.eq(cl[1].split(" ")[4:12], ["-", "5000", "0", "1", "1", "0", "0", "-1"],
               "checked server conn fields")
        lib.eq(cl[3].split(" ")[4:12], ["-", "5000", "0", "0", "0", "0", "0", "-1"],
               "unused server conn fields")
        lib.eq(cli(sock, "show servers conn nosuch"), "Can't find backend.\n\n", "unknown")
        lib.eq(cli(sock, "show backend"), "# name\nb\nl\n\n", "show backend")
        lib.stop(p)


@lib.test
def clear_counters_and_levels():
    fe = lib.free_port()
    with lib.tcp_echo() as e1:
        body = ("frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
                "backend b\n    cookie SRV insert\n    server s1 127.0.0.1:%d cookie c1\n"
                % (fe, e1.port))
        p, socks = lab(body=body, sockets=(("admin.sock", "admin"), ("op.sock", "operator"),
                                           ("user.sock", "user")))
        for _ in range(2):
            exchange(fe, b"x\n")
        r = wait_rows(socks["admin"], lambda r: r[("f", "FRONTEND")]["stot"] == "2" and
                      r[("f", "FRONTEND")]["scur"] == "0", "two sessions")
        lib.ok(int(r[("f", "FRONTEND")]["smax"]) >= 1, "smax before")
        lib.eq(r[("b", "s1")]["addr"], "127.0.0.1:%d" % e1.port, "addr at admin")
        lib.eq(r[("b", "BACKEND")]["algo"], "roundrobin", "algo at admin")
        u = rows(cli(socks["user"], "show stat"))
        lib.eq(u[("b", "s1")]["addr"], "", "addr hidden at user")
        lib.eq(u[("b", "BACKEND")]["algo"], "", "algo hidden at user")
        lib.eq(u[("b", "s1")]["cookie"], "", "cookie hidden at user")
        lib.eq(rows(cli(socks["operator"], "show stat"))[("b", "s1")]["addr"],
               "127.0.0.1:%d" % e1.port, "addr at operator")

        lib.eq(cli(socks["user"], "clear counters"), "Permission denied\n\n", "user")
        lib.eq(cli(socks["operator"], "clear counters all"), "Permission denied\n\n",
               "operator all")
        lib.eq(cli(socks["operator"], "clear counters"), "\n", "operator clears maxima")
        r = rows(cli(socks["admin"], "show stat"))
        lib.eq(r[("f", "FRONTEND")]["smax"], "0", "smax cleared")
        lib.eq(r[("f", "FRONTEND")]["rate_max"], "0", "rate_max cleared")
        lib.eq(r[("f", "FRONTEND")]["stot"], "2", "stot kept")
        lib.eq(r[("b", "s1")]["stot"], "2", "server stot kept")
        lib.eq(cli(socks["admin"], "clear counters all"), "\n", "admin clears all")
        r = rows(cli(socks["admin"], "show stat"))
        for k in (("f", "FRONTEND"), ("b", "BACKEND"), ("b", "s1")):
            lib.eq((r[k]["stot"], r[k]["bin"], r[k]["bout"]), ("0", "0", "0"),
                   "%s/%s cleared" % k)
        lib.eq(r[("f", "FRONTEND")]["conn_tot"], "0", "conn_tot cleared")
        lib.eq(r[("b", "s1")]["lbtot"], "0", "lbtot cleared")
        lib.stop(p)


@lib.test
def socket_stats_listener_rows():
    fe1, fe2 = lib.free_ports(2)
    with lib.tcp_echo() as e1:
        body = ("frontend f\n    option socket-stats\n    bind 127.0.0.1:%d\n"
                "    bind 127.0.0.1:%d name second\n    default_backend b\n"
                "backend b\n    server s1 127.0.0.1:%d\n" % (fe1, fe2, e1.port))
        p, socks = lab(body=body)
        sock = socks["admin"]
        for _ in range(3):
            exchange(fe2, b"abcd\n")
        r = wait_rows(sock, lambda r: r[("f", "second")]["stot"] == "3" and
                      r[("f", "second")]["scur"] == "0", "listener counts")
        out = cli(sock, "show stat")
        lib.eq([l.split(",")[1] for l in out.split("\n")[1:] if l],
               ["FRONTEND", "sock-1", "second", "s1", "BACKEND"], "row order")
        li1, li2 = r[("f", "sock-1")], r[("f", "second")]
        lib.eq((li1["type"], li1["sid"], li2["sid"]), ("3", "1", "2"), "listener type and ids")
        lib.eq((li1["stot"], li2["bin"], li2["bout"]), ("0", "15", "15"), "listener counters")
        lib.eq(li2["addr"], "127.0.0.1:%d" % fe2, "listener addr")
        lib.eq((li2["status"], li2["slim"], li2["mode"]), ("OPEN", "0", "tcp"), "status")
        lib.eq((li2["rate"], li2["lbtot"], li2["ssl_sess"], li2["h1_bytes_in"]),
               ("", "", "0", ""), "empty and zero cells")
        lib.eq([l.split(",")[1] for l in cli(sock, "show stat f 8 -1").split("\n")[1:] if l],
               ["sock-1", "second"], "type 8 is listeners")
        lib.eq([l.split(",")[1] for l in cli(sock, "show stat f 8 2").split("\n")[1:] if l],
               ["second"], "listener by id")
        lib.eq([l.split(",")[1] for l in cli(sock, "show stat f 1 -1").split("\n")[1:] if l],
               ["FRONTEND"], "type 1 has no listener")
        lib.contains(cli(sock, "show stat f 8 1 typed"),
                     "L.2.1.0.pxname.1:KNS:str:f\nL.2.1.1.svname.1:KNS:str:sock-1\n", "typed")
        lib.stop(p)


@lib.test
def large_dump_streams():
    n = 2000
    servers = "".join("    server s%d 127.0.0.1:%d\n" % (i, 10000 + i) for i in range(1, n + 1))
    p, socks = lab(body="backend big\n" + servers)
    out = cli(socks["admin"], "show stat", timeout=30)
    lib.ok(out.endswith(",\n\n"), "complete answer")
    r = rows(out)
    lib.eq(len(r), n + 1, "every server and the backend")
    lib.eq(r[("big", "s%d" % n)]["addr"], "127.0.0.1:%d" % (10000 + n), "last server")
    lib.eq(r[("big", "BACKEND")]["act"], str(n), "all active")
    doc = json.loads(cli(socks["admin"], "show stat json", timeout=30))
    lib.eq(len(doc), n + 1, "JSON objects")
    st = cli(socks["admin"], "show servers state", timeout=30)
    lib.eq(len(st.split("\n")), n + 4, "state lines")
    lib.stop(p)


lib.main()
