#!/usr/bin/env python3
"""The stats page (reference §5.1) on a mode http listener: Basic auth and
its 401 page, the HTML report's structure, ;csv (the 'show stat' CSV),
;json, scope=, the refresh header and ;norefresh, the admin form (POST
drain -> 303 See Other, server status DRAIN), built-in error answers
(503 for other URIs, 400 for a malformed request) and keep-alive."""

import base64
import http.client
import json
import re
import socket

import lib

CSV_HEADER = (
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,"
    "wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,"
    "sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,"
    "check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,"
    "req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,"
    "lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,"
    "agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,"
    "agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,"
    "intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,"
    "qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,"
    "used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,"
    "agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,"
    "h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,"
    "h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,"
    "h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,"
    "h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,"
    "h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,"
    "h1_spliced_bytes_in,h1_spliced_bytes_out,")

AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:secret").decode()}


def setup(extra="", refresh=True):
    port, fe_port, s1, s2 = lib.free_ports(4)
    cfg = lib.config("""\
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen stats
    mode http
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
    stats realm Sluice\\ Test
    %s
    stats auth admin:secret
    stats admin if TRUE
%s
frontend fe
    mode tcp
    bind 127.0.0.1:%d
    default_backend be
backend be
    mode tcp
    server s1 127.0.0.1:%d
    server s2 127.0.0.1:%d
""" % (port, "stats refresh 10s" if refresh else "", extra, fe_port, s1, s2))
    p = lib.start(cfg, ready_ports=[port])
    return p, port


def request(port, method, path, headers=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def csv_rows(port, path="/stats;csv"):
    st, h, body = lib.http_get(port, path, headers=AUTH)
    lib.eq(st, 200, "status of " + path)
    lines = body.decode().split("\n")
    lib.eq(lines[0], CSV_HEADER, "CSV header")
    return [l.split(",") for l in lines[1:] if l]


@lib.test
def unauthenticated_gets_401_with_realm():
    p, port = setup()
    st, h, body = lib.http_get(port, "/stats")
    lib.eq(st, 401, "status")
    lib.eq(h.get("www-authenticate"), 'Basic realm="Sluice Test"', "WWW-Authenticate")
    lib.eq(h.get("cache-control"), "no-cache", "cache-control")
    lib.eq(body, b"<html><body><h1>401 Unauthorized</h1>\n"
           b"You need a valid user and password to access this content.\n</body></html>\n", "body")
    bad = {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()}
    st, h, body = lib.http_get(port, "/stats", headers=bad)
    lib.eq(st, 401, "status with a wrong password")
    lib.stop(p)


@lib.test
def html_report_has_one_table_per_proxy():
    p, port = setup()
    st, h, body = lib.http_get(port, "/stats", headers=AUTH)
    lib.eq(st, 200, "status")
    lib.eq(h.get("content-type"), "text/html", "content-type")
    lib.eq(h.get("cache-control"), "no-cache", "cache-control")
    lib.eq(h.get("refresh"), "10", "refresh header")
    text = body.decode("latin-1")
    lib.contains(text, "<title>Statistics Report for ")
    for name in ("stats", "fe", "be"):
        lib.contains(text, '<a name="%s"></a>' % name)
    for col in ("Queue", "Session rate", "Sessions", "Bytes", "Denied", "Errors",
                "Warnings", "Server", "Status", "LastChk", "Wght", "Dwntme", "Thrtle"):
        lib.contains(text, "<th" , "header cells")
        lib.contains(text, ">%s</th>" % col)
    lib.contains(text, 'name="s" value="s1"', "admin checkbox of s1")
    lib.contains(text, 'class="active_no_check"', "server row class")
    st, h, body = lib.http_get(port, "/stats;norefresh", headers=AUTH)
    lib.eq(h.get("refresh"), None, "refresh header with ;norefresh")
    lib.stop(p)


@lib.test
def csv_is_the_show_stat_csv():
    p, port = setup()
    st, h, body = lib.http_get(port, "/stats;csv", headers=AUTH)
    lib.eq(h.get("content-type"), "text/plain", "content-type")
    rows = csv_rows(port)
    lib.eq([(r[0], r[1]) for r in rows],
           [("stats", "FRONTEND"), ("stats", "BACKEND"), ("fe", "FRONTEND"),
            ("be", "s1"), ("be", "s2"), ("be", "BACKEND")], "rows")
    hdr = CSV_HEADER[2:].split(",")
    for r in rows:
        lib.eq(len(r), len(hdr), "columns of %s/%s" % (r[0], r[1]))
        row = dict(zip(hdr, r))
        # without "stats show-legends", addresses are hidden (reference §5.1)
        lib.eq(row["addr"], "", "addr of %s/%s" % (r[0], r[1]))
    s1 = dict(zip(hdr, rows[3]))
    lib.eq(s1["status"], "no check", "s1 status")
    lib.eq(s1["type"], "2", "s1 type")
    fe = dict(zip(hdr, rows[0]))
    lib.eq(fe["mode"], "http", "stats frontend mode")
    lib.eq(fe["status"], "OPEN", "stats frontend status")
    lib.ok(int(fe["req_tot"]) >= 2, "the stats frontend counts its requests: %s" % fe["req_tot"])
    lib.stop(p)


@lib.test
def scope_restricts_the_rows():
    p, port = setup()
    rows = csv_rows(port, "/stats;csv?scope=be")
    lib.eq([(r[0], r[1]) for r in rows], [("be", "s1"), ("be", "s2"), ("be", "BACKEND")], "rows")
    rows = csv_rows(port, "/stats;csv;scope=fe")
    lib.eq([(r[0], r[1]) for r in rows], [("fe", "FRONTEND")], "rows")
    lib.stop(p)


@lib.test
def stats_scope_keyword_limits_the_proxies():
    p, port = setup(extra="    stats scope .\n    stats scope be", refresh=False)
    rows = csv_rows(port)
    lib.eq([(r[0], r[1]) for r in rows],
           [("stats", "FRONTEND"), ("stats", "BACKEND"), ("be", "s1"), ("be", "s2"), ("be", "BACKEND")], "rows")
    rows = csv_rows(port, "/stats;csv?scope=fe")
    lib.eq(rows, [], "rows of a proxy outside 'stats scope'")
    lib.stop(p)


@lib.test
def absolute_uri_and_methods():
    p, port = setup(refresh=False)
    st, h, body = lib.http_get(port, "http://127.0.0.1:%d/stats;csv" % port, headers=AUTH)
    lib.eq((st, h.get("content-type")), (200, "text/plain"), "absolute URI")
    st, h, body = request(port, "DELETE", "/stats;csv", AUTH)
    lib.eq(st, 503, "DELETE is not intercepted")
    st, h, body = request(port, "HEAD", "/stats;csv", AUTH)
    lib.eq((st, body), (200, b""), "HEAD")
    lib.stop(p)


@lib.test
def json_parses():
    p, port = setup()
    st, h, body = lib.http_get(port, "/stats;json", headers=AUTH)
    lib.eq(st, 200, "status")
    lib.eq(h.get("content-type"), "application/json", "content-type")
    doc = json.loads(body)
    lib.ok(isinstance(doc, list) and len(doc) == 6, "one entry per row: %d" % len(doc))
    names = []
    for row in doc:
        f = {x["field"]["name"]: x["value"]["value"] for x in row}
        names.append((f["pxname"], f["svname"]))
        lib.contains(("Frontend", "Backend", "Server"), row[0]["objType"], "objType")
    lib.contains(names, ("be", "s2"), "rows")
    lib.stop(p)


@lib.test
def admin_form_drains_a_server():
    p, port = setup()
    body = "s=s2&action=drain&b=be"
    st, h, _ = request(port, "POST", "/stats", dict(AUTH, **{
        "Content-Type": "application/x-www-form-urlencoded"}), body)
    lib.eq(st, 303, "status")
    lib.eq(h.get("location"), "/stats;st=DONE", "location")
    rows = {(r[0], r[1]): r for r in csv_rows(port)}
    lib.eq(rows[("be", "s2")][17], "DRAIN", "s2 status")
    lib.eq(rows[("be", "s1")][17], "no check", "s1 status")
    # back to ready, the backend named by its id as the form does it
    iid = rows[("be", "BACKEND")][27]
    st, h, _ = request(port, "POST", "/stats", AUTH, "s=s2&action=ready&b=%%23%s" % iid)
    lib.eq(h.get("location"), "/stats;st=DONE", "location with b=#iid")
    rows = {(r[0], r[1]): r for r in csv_rows(port)}
    lib.eq(rows[("be", "s2")][17], "no check", "s2 status after ready")
    # a backend that does not exist
    st, h, _ = request(port, "POST", "/stats", AUTH, "s=s2&action=drain&b=nosuch")
    lib.eq(st, 303, "status")
    lib.eq(h.get("location"), "/stats;st=ERRP", "location with a bad backend")
    # HAProxy's other answers
    for body, code in (("s=s1&action=bogus&b=be", "ERRP"), ("s=nosuch&action=drain&b=be", "ERRP"),
                       ("s=s1&s=nosuch&action=ready&b=be", "PART"), ("s=s1&b=be", "NONE")):
        st, h, _ = request(port, "POST", "/stats", AUTH, body)
        lib.eq(h.get("location"), "/stats;st=" + code, "location after " + body)
    lib.stop(p)


@lib.test
def admin_post_with_expect_100_continue():
    p, port = setup(refresh=False)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    body = b"s=s1&action=maint&b=be"
    s.sendall(b"POST /stats HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH["Authorization"].encode() +
              b"\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
    lib.eq(s.recv(100), b"HTTP/1.1 100 Continue\r\n\r\n", "interim answer before the body")
    s.sendall(body)
    answer = s.recv(1000)
    lib.ok(answer.startswith(b"HTTP/1.1 303 See Other\r\n"), "answer: %r" % answer)
    lib.contains(answer, b"location: /stats;st=DONE\r\n")
    s.close()
    rows = {(r[0], r[1]): r for r in csv_rows(port)}
    lib.eq(rows[("be", "s1")][17], "MAINT", "s1 status")
    lib.stop(p)


@lib.test
def admin_form_needs_stats_admin():
    port = lib.free_port()
    cfg = lib.config("""\
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen stats
    mode http
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
backend be
    server s1 127.0.0.1:9
""" % port)
    p = lib.start(cfg, ready_ports=[port])
    st, h, body = request(port, "POST", "/stats", {}, "s=s1&action=maint&b=be")
    lib.eq((st, h.get("location")), (303, "/stats;st=DENY"), "answer")
    st, h, body = lib.http_get(port, "/stats;csv")
    lib.contains(body.decode(), "\nbe,s1,", "s1 row")
    lib.lacks(body.decode(), "MAINT", "s1 status")
    lib.stop(p)


@lib.test
def other_uris_and_bad_requests():
    p, port = setup()
    st, h, body = lib.http_get(port, "/other")
    lib.eq(st, 503, "status of a URI outside the stats prefix")
    lib.contains(body, b"<h1>503 Service Unavailable</h1>")
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /stats\r\n\r\n")  # HTTP/0.9
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    lib.ok(data.startswith(b"HTTP/1.1 400 Bad request\r\n"), "400 for HTTP/0.9: %r" % data[:60])
    lib.contains(data.lower(), b"connection: close")
    lib.stop(p)


@lib.test
def keep_alive_serves_pipelined_requests():
    p, port = setup(refresh=False)
    auth = AUTH["Authorization"].encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /stats;csv HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + b"\r\n\r\n"
              b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
    f = s.makefile("rb")
    statuses = []
    for _ in range(2):
        line = f.readline()
        statuses.append(line.split()[1])
        hdrs = {}
        while True:
            l = f.readline()
            if l in (b"\r\n", b""):
                break
            k, v = l.decode().split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        if hdrs.get("transfer-encoding") == "chunked":
            while True:
                n = int(f.readline().strip(), 16)
                f.read(n + 2)
                if n == 0:
                    break
        else:
            f.read(int(hdrs["content-length"]))
    lib.eq(statuses, [b"200", b"503"], "two answers on one connection")
    s.close()
    lib.stop(p)


@lib.test
def httplog_line_of_an_intercepted_request():
    port = lib.free_port()
    cfg = lib.config("""\
global
    log stdout format raw local0
defaults
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen stats
    mode http
    option httplog
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
""" % port)
    p = lib.start(cfg, ready_ports=[port])
    st, h, body = lib.http_get(port, "/stats;csv")
    lib.eq(st, 200, "status")
    st, h, body = lib.http_get(port, "/elsewhere")
    lib.eq(st, 503, "status")
    pat = re.compile(r'^127\.0\.0\.1:\d+ \[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] '
                     r'stats stats/<STATS> \d+/0/0/0/\d+ 200 \d+ - - LR-- \d+/\d+/0/0/0 0/0 '
                     r'"GET /stats;csv HTTP/1\.1"$', re.M)
    lib.ok(lib.wait_for(lambda: pat.search(lib.logs(p))), "stats log line:\n" + lib.logs(p))
    pat = re.compile(r'stats stats/<NOSRV> \d+/-1/-1/-1/\d+ 503 \d+ - - SC-- .* "GET /elsewhere HTTP/1\.1"$', re.M)
    lib.ok(lib.wait_for(lambda: pat.search(lib.logs(p))), "503 log line:\n" + lib.logs(p))
    lib.stop(p)


lib.main()
