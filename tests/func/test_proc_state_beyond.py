#!/usr/bin/env python3
"""sluice's default beyond HAProxy: a master-worker reload carries the
server states of the old worker (admin state, weights, "disable health")
to the new one without a server-state-file; a backend with
"load-server-state-from-file" (none, global, local) keeps HAProxy's
behaviour."""
import os
import signal

import lib
import procutil as pu
from procutil import state_config as config, stat, start_master, reload, worker_is_new, worker_pid

BEYOND_HAPROXY = True


def two_backends(port, sock, ports):
    # "be" as in test_proc_state, plus "be2" that opts out
    return config(port, sock, ports) + """backend be2
    load-server-state-from-file none
    server t1 127.0.0.1:%d
""" % ports[0]


@lib.test
def master_worker_reload_carries_states_without_a_file():
    d = lib.tmpdir()
    ports = lib.free_ports(4)
    port = lib.free_port()
    sock = os.path.join(d, "admin.sock")
    m, cfg = start_master(two_backends(port, sock, ports), d, ("-W",))
    lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
    lib.ok(lib.wait_unix(sock), "stats socket")
    pids = [worker_pid(sock)]
    lib.cli(sock, "set server be/s1 state maint")
    lib.cli(sock, "set server be/s3 state drain")
    lib.cli(sock, "set weight be/s4 9")
    lib.cli(sock, "set server be2/t1 state maint")
    for i in range(2):
        lib.ok(reload(m, lambda: worker_is_new(sock, pids)), "reload %d:\n%s" % (i, pu.output(m)))
        pids.append(worker_pid(sock))
        st = stat(sock)
        lib.eq(st["s1"][0], "MAINT", "s1 stays in maintenance (reload %d)" % i)
        lib.eq(st["s3"][0], "DRAIN", "s3 stays in drain (reload %d)" % i)
        lib.eq(st["s4"][1], "9", "s4 keeps its weight (reload %d)" % i)
        lib.eq(st["s2"][:2], ("no check", "10"), "s2 as configured (reload %d)" % i)
        out = lib.cli(sock, "show stat")
        t1 = [r.split(",") for r in out.split("\n") if r.startswith("be2,t1,")][0]
        lib.eq(t1[17], "no check", "be2 opted out with load-server-state-from-file none")
    # a weight changed in the configuration wins, as with a file
    with open(cfg) as f:
        text = f.read()
    lib.write(cfg, text.replace("server s4 127.0.0.1:%d" % ports[3],
                                "server s4 127.0.0.1:%d weight 3" % ports[3]))
    lib.ok(reload(m, lambda: worker_is_new(sock, pids)), "reload:\n" + pu.output(m))
    st = stat(sock)
    lib.eq(st["s4"][1], "3", "the new configured weight")
    lib.eq(st["s1"][0], "MAINT", "s1 still in maintenance")
    m.send_signal(signal.SIGTERM)
    m.wait(10)


lib.main()
