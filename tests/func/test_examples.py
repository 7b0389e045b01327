#!/usr/bin/env python3
"""The shipped examples that are not plain .cfg files (those pass
`sluice -c` in the config corpus run): the Kubernetes ConfigMap carries
exactly examples/kubernetes/sluice.cfg, and the keepalived health script
is a valid executable shell script."""

import os
import subprocess

import lib

BEYOND_HAPROXY = True  # checks sluice's own files, not HAProxy behaviour
EX = os.path.join(lib.ROOT, "examples")


@lib.test
def kubernetes_configmap_is_the_config():
    with open(os.path.join(EX, "kubernetes", "sluice.cfg")) as f:
        cfg = f.read()
    with open(os.path.join(EX, "kubernetes", "configmap.yaml")) as f:
        yaml = f.read()
    head, sep, body = yaml.partition("  sluice.cfg: |\n")
    lib.ok(sep, "configmap.yaml has a 'sluice.cfg: |' block")
    text = "\n".join(l[4:] if l.startswith("    ") else l for l in body.rstrip("\n").split("\n"))
    lib.eq(text + "\n", cfg, "the ConfigMap's text")


@lib.test
def keepalived_check_script():
    path = os.path.join(EX, "keepalived", "check-sluice")
    lib.ok(os.access(path, os.X_OK), "check-sluice is executable")
    r = subprocess.run(["sh", "-n", path])
    lib.eq(r.returncode, 0, "sh -n check-sluice")
    # no sluice there: the script must say unhealthy
    r = subprocess.run([path, os.path.join(lib.tmpdir(), "none.sock")])
    lib.ok(r.returncode != 0, "unhealthy without a stats socket")


if __name__ == "__main__":
    lib.main()
