#!/usr/bin/env python3
"""Log lines of requests the proxy answers itself (the stats page, the
Prometheus exporter, the 503 of a proxy without server, a bad request)
in every format (reference §4): "option tcplog", "log-format" with the
HTTP variables (%ST %r %HM %HU %HP %HQ %s %TR %Tw ...), "option httplog"
for a request HAProxy cannot parse. Passes against haproxy 2.6
(SLUICE_ORACLE=1)."""

import re
import socket

import lib

LF = ("LF %ci %ft %b %s %ST %B %ts %tsc TR=%TR Tw=%Tw Tc=%Tc Tr=%Tr Th=%Th "
      "r=%{+Q}r HM=%HM HU=%HU HV=%HV HP=%HP HQ=%HQ")


def raw_request(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    with s:
        while s.recv(65536):
            pass


@lib.test
def local_answers_are_logged_in_each_format():
    tcpl, lf, prom, promh = lib.free_ports(4)
    cfg = lib.config("""\
global
    log stdout format raw local0
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen tcpl
    bind 127.0.0.1:%d
    option tcplog
    stats enable
    stats uri /stats
listen lf
    bind 127.0.0.1:%d
    log-format "%s"
    stats enable
    stats uri /stats
frontend prom
    bind 127.0.0.1:%d
    log-format "%s"
    http-request use-service prometheus-exporter if { path /metrics }
frontend promh
    bind 127.0.0.1:%d
    option httplog
    http-request use-service prometheus-exporter if { path /metrics }
""" % (tcpl, lf, LF, prom, LF, promh))
    p = lib.start(cfg, ready_ports=[tcpl, lf, prom, promh])
    for port, path, status in ((tcpl, "/stats", 200), (tcpl, "/other", 503),
                               (lf, "/stats?x=1", 200), (lf, "/other", 503),
                               (prom, "/metrics", 200), (prom, "/x", 503)):
        st, _, _ = lib.http_get(port, path)
        lib.eq(st, status, "GET %s on %d" % (path, port))
    raw_request(promh, b"GARBAGE\r\n\r\n")
    ts = r"\[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]"
    # times are 0 or 1 ms (1 under load): the shape is what is checked
    want = [
        r"^127\.0\.0\.1:\d+ %s tcpl tcpl/<STATS> 0/0/\d+ \d+ LR \d+/\d+/0/0/0 0/0$" % ts,
        r"^127\.0\.0\.1:\d+ %s tcpl tcpl/<NOSRV> -1/-1/\d+ \d+ SC \d+/\d+/0/0/0 0/0$" % ts,
        r'^LF 127\.0\.0\.1 lf lf <STATS> 200 \d+ LR LR-- TR=\d+ Tw=\d+ Tc=\d+ Tr=\d+ Th=\d+ '
        r'r="GET /stats\?x=1 HTTP/1\.1" HM=GET HU=/stats\?x=1 HV=HTTP/1\.1 HP=/stats HQ=\?x=1$',
        r'^LF 127\.0\.0\.1 lf lf <NOSRV> 503 \d+ SC SC-- TR=\d+ Tw=-1 Tc=-1 Tr=-1 Th=\d+ '
        r'r="GET /other HTTP/1\.1" HM=GET HU=/other HV=HTTP/1\.1 HP=/other HQ=$',
        r'^LF 127\.0\.0\.1 prom prom <PROMEX> 200 \d+ LR LR-- TR=\d+ Tw=\d+ Tc=\d+ Tr=\d+ Th=\d+ '
        r'r="GET /metrics HTTP/1\.1" HM=GET HU=/metrics HV=HTTP/1\.1 HP=/metrics HQ=$',
        # a frontend refuses before reading into a backend: %TR -1
        r'^LF 127\.0\.0\.1 prom prom <NOSRV> 503 \d+ SC SC-- TR=-1 Tw=-1 Tc=-1 Tr=-1 Th=\d+ '
        r'r="GET /x HTTP/1\.1" HM=GET HU=/x HV=HTTP/1\.1 HP=/x HQ=$',
        # the mux's own error: no bytes counted
        r'^127\.0\.0\.1:\d+ %s promh promh/<NOSRV> -1/-1/-1/-1/\d+ 400 0 - - [CP]R-- '
        r'\d+/\d+/0/0/0 0/0 "<BADREQ>"$' % ts,
    ]
    for pat in want:
        rx = re.compile(pat, re.M)
        lib.ok(lib.wait_for(lambda: rx.search(lib.logs(p)), 5),
               "no line matching %s in:\n%s" % (pat, lib.logs(p)))
    lib.stop(p)


lib.main()
