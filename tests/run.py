#!/usr/bin/env python3
"""sluice test runner (Python 3 standard library only).

    python3 tests/run.py --build build --binary build/sluice
    python3 tests/run.py --build build --oracle --binary /usr/sbin/haproxy

Runs, in order:
  1. unless --oracle, the Check unit tests (<build>/unit-tests), one result
     per "unit: suite/test: ok|FAIL" line;
  2. the config corpus: tests/configs/valid/*.cfg must pass
     "<binary> -c -f <file>", tests/configs/invalid/*.cfg must fail with
     exit 1 and print the diagnostics their "# expect:" headers name;
  3. every tests/func/test_*.py, given the binary in $SLUICE_BIN.

The last line printed is always "N passed, N failed"; the exit status is 1
when anything failed. See doc/testing.md for the file formats.
"""

import argparse
import concurrent.futures
import fcntl
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "tests", "configs")
FUNC = os.path.join(ROOT, "tests", "func")

# Environment the corpus configs may use ("${PORT}" etc.). -c never binds,
# so fixed numbers are fine here; func tests pick free ports instead.
CONFIG_ENV = {
    "PORT": "18080",
    "TLS_PORT": "18443",
    "STATS_PORT": "18404",
    "BACKEND_ADDR": "127.0.0.1",
    "BACKEND_PORT": "18081",
    "SITE_NAME": "corpus.example.test",
    "EMPTY": "",
    "LOG_LEVEL": "info",
}

CONFIG_TIMEOUT = 60
# SLUICE_FUNC_TIMEOUT: longer for slow wrappers (make check-valgrind)
FUNC_TIMEOUT = int(os.environ.get("SLUICE_FUNC_TIMEOUT") or 600)
UNIT_TIMEOUT = 1200

VALID_MSG = "Configuration file is valid"
# "# expect: 12:5: error: text"  (location optional: "# expect: error: text")
EXPECT_RE = re.compile(r"^(?:(\d+):(\d+):\s*)?(error|warning|notice):\s?(.*)$")
# A sluice diagnostic: "file:line:col: level: text".
DIAG_RE = re.compile(r"^(.*?):(\d+):(\d+): (error|warning|notice): (.*)$")
FUNC_LINE_RE = re.compile(r"^func: (.+): (ok|FAIL|skipped)\b(.*)$")
UNIT_LINE_RE = re.compile(r"^unit: (.+?): (ok|FAIL)\b(.*)$")


class Result:
    def __init__(self, kind, name, ok, output="", skipped=None):
        self.kind = kind
        self.name = name
        self.ok = ok
        self.output = output
        self.skipped = skipped  # reason string when skipped

    def line(self):
        if self.skipped is not None:
            return "%s: %s: skipped (%s)" % (self.kind, self.name, self.skipped)
        return "%s: %s: %s" % (self.kind, self.name, "ok" if self.ok else "FAIL")


def indent(text, prefix="    | "):
    text = text.rstrip("\n")
    if not text:
        return prefix + "(no output)"
    return "\n".join(prefix + l for l in text.split("\n"))


def run_proc(argv, cwd=None, env=None, timeout=60):
    """Runs argv and returns (rc, stdout, stderr); rc is None on timeout and
    -127 when the program cannot be started."""
    try:
        p = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        err = (e.stderr or b"").decode("utf-8", "replace")
        return None, out, err + "\n(timed out after %ds)" % timeout
    except OSError as e:
        return -127, "", "cannot run %s: %s" % (argv[0], e)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


# ---------------------------------------------------------------- unit tests

def run_unit(build, only):
    exe = os.path.join(build, "unit-tests")
    if not os.access(exe, os.X_OK):
        if only:
            return []  # a filtered run need not have built the unit tests
        return [Result("unit", "unit-tests", False,
                       "%s not found: build it with 'make %s'" % (exe, exe))]
    rc, out, err = run_proc([exe], cwd=ROOT, timeout=UNIT_TIMEOUT)
    results = []
    nfail = 0  # over all tests, filtered or not: it explains the exit status
    for l in out.splitlines():
        m = UNIT_LINE_RE.match(l)
        if not m:
            continue
        name, status, rest = m.group(1), m.group(2), m.group(3)
        nfail += status != "ok"
        if only and only not in name:
            continue
        results.append(Result("unit", name, status == "ok", rest.strip()))
    # A crash, a sanitizer report or a leak shows up only in the exit code.
    if rc != 0 and (nfail == 0 or rc is None or rc < 0):
        results.append(Result("unit", "unit-tests", False,
                              "exit status %s\n%s\n%s" % (rc, out[-4000:], err[-8000:])))
    elif not only and not results:
        results.append(Result("unit", "unit-tests", False,
                              "no test result lines\n%s\n%s" % (out, err)))
    return results


# ------------------------------------------------------------ config corpus

def parse_headers(path):
    """Reads the leading comment block of a corpus file: '# expect:',
    '# expect-haproxy:' and '# requires:' lines (any order, stop at the
    first line that is not a comment or blank)."""
    expects, expects_ha, requires = [], [], []
    with open(path, "rb") as f:
        data = f.read()
    for raw in data.decode("utf-8", "replace").split("\n"):
        l = raw.strip()
        if not l:
            continue
        if not l.startswith("#"):
            break
        body = l[1:].strip()
        for key, dest in (("expect-haproxy:", expects_ha), ("expect:", expects),
                          ("requires:", requires)):
            if body.startswith(key):
                dest.append(body[len(key):].strip())
                break
    return expects, expects_ha, requires


def match_expect(expect, stderr, filename):
    """True when a sluice diagnostic on stderr satisfies one '# expect:'."""
    m = EXPECT_RE.match(expect)
    if not m:
        return False
    line, col, level, text = m.groups()
    if line is None:
        # Post-parse diagnostics may have no location: any line will do.
        return any(("%s: " % level) in l and text in l.split("%s: " % level, 1)[1]
                   for l in stderr.splitlines())
    for l in stderr.splitlines():
        d = DIAG_RE.match(l)
        if not d:
            continue
        if os.path.basename(d.group(1)) != filename:
            continue
        if d.group(2) != line or d.group(3) != col:
            continue
        if d.group(4) != level or text not in d.group(5):
            continue
        return True
    return False


def check_config(binary, rel, valid, oracle, env):
    """Runs '<binary> -c -f <rel>' in tests/configs and judges the result."""
    path = os.path.join(CONFIGS, rel)
    expects, expects_ha, requires = parse_headers(path)
    missing = [r for r in requires if not os.path.exists(r)]
    if missing:
        return Result("config", rel, True, skipped="needs " + ", ".join(missing))
    problems = []
    if not valid and not (expects_ha if oracle else expects):
        problems.append("no '# %s:' header in an invalid config"
                        % ("expect-haproxy" if oracle else "expect"))
    # examples name their files relative to the source tree, the corpus
    # relative to tests/configs
    cwd, arg = (ROOT, os.path.relpath(path, ROOT)) if rel.startswith("..") else (CONFIGS, rel)
    rc, out, err = run_proc([binary, "-c", "-f", arg], cwd=cwd, env=env,
                            timeout=CONFIG_TIMEOUT)
    if valid:
        if rc != 0:
            problems.append("exit status %s, want 0" % rc)
        if VALID_MSG not in out:
            problems.append("stdout lacks '%s'" % VALID_MSG)
    else:
        if rc != 1:
            problems.append("exit status %s, want 1" % rc)
        if VALID_MSG in out:
            problems.append("stdout says '%s'" % VALID_MSG)
    if oracle:
        for e in expects_ha:
            if e not in err:
                problems.append("stderr lacks: %s" % e)
    else:
        for e in expects:
            if not match_expect(e, err, os.path.basename(rel)):
                problems.append("stderr lacks: %s:%s" % (os.path.basename(rel), e))
    if problems:
        return Result("config", rel, False,
                      "\n".join(problems) + "\n--- stdout:\n" + out.rstrip("\n")
                      + "\n--- stderr:\n" + err.rstrip("\n"))
    return Result("config", rel, True)


def corpus_files(only):
    files = []
    for kind in ("valid", "invalid"):
        d = os.path.join(CONFIGS, kind)
        if not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            if not n.endswith(".cfg") or n.startswith("."):
                continue
            rel = kind + "/" + n
            if only and only not in rel:
                continue
            files.append((rel, kind == "valid"))
    # examples/ ship with sluice: each must pass -c as it is (DESIGN.md)
    ex = os.path.join(ROOT, "examples")
    for top, dirs, names in os.walk(ex):
        dirs.sort()
        for n in sorted(names):
            rel = os.path.relpath(os.path.join(top, n), CONFIGS)
            if n.endswith(".cfg") and not n.startswith(".") and not (only and only not in rel):
                files.append((rel, True))
    return files


# -------------------------------------------------------------- func tests

def is_beyond_haproxy(path):
    with open(path, encoding="utf-8") as f:
        return re.search(r"^BEYOND_HAPROXY\s*=\s*True\b", f.read(), re.M) is not None


def run_func(binary, script, oracle, build):
    results = run_func_once(binary, script, oracle, build)
    if oracle and any(not r.ok for r in results):
        # haproxy with nbthread 4 on a loaded 2-core machine has races of
        # its own (counters read while sessions close); the oracle run
        # validates the tests, so a script that fails there gets one more
        # try, and says so. sluice's own runs get none: a race in sluice
        # is a bug to find, not noise to hide.
        again = run_func_once(binary, script, oracle, build)
        if all(r.ok for r in again):
            for r in again:
                r.output = "passed on the second try (haproxy run)"
            return again
    return results


# Each script running gets a window of test ports of its own
# (tests/func/lib.py, _pick): proxies bind with SO_REUSEPORT, so two
# scripts that picked the same port would share each other's traffic.
# Windows chosen from the pid alone collided (two scripts whose pids
# were equal modulo the count walked the same ports). A window is held
# by a lock on its file for as long as its script runs, so two runs at
# once (check and check-oracle) never share one either.
PORT_WINDOWS = 110          # (PORT_HI - PORT_LO) / PORT_WINDOW in lib.py
WINDOW_DIR = os.path.join(tempfile.gettempdir(), "sluice-test-ports")


def take_port_window():
    """A free window and the descriptor holding it, or (None, None) when
    every window is held (the script then picks from its pid)."""
    os.makedirs(WINDOW_DIR, exist_ok=True)
    start = random.randrange(PORT_WINDOWS)
    for i in range(PORT_WINDOWS):
        w = (start + i) % PORT_WINDOWS
        fd = os.open(os.path.join(WINDOW_DIR, str(w)), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return w, fd
        except OSError:
            os.close(fd)
    return None, None


def run_func_once(binary, script, oracle, build):
    window, fd = take_port_window()
    try:
        return run_func_window(binary, script, oracle, build, window)
    finally:
        if fd is not None:
            os.close(fd)


def run_func_window(binary, script, oracle, build, window):
    name = os.path.basename(script)[:-3]
    env = dict(os.environ)
    if window is not None:
        env["SLUICE_PORT_WINDOW"] = str(window)
    env["SLUICE_BIN"] = binary
    env["SLUICE_ROOT"] = ROOT
    env["SLUICE_BUILD"] = os.path.abspath(build)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if oracle:
        env["SLUICE_ORACLE"] = "1"
    else:
        env.pop("SLUICE_ORACLE", None)
    rc, out, err = run_proc([sys.executable, script], cwd=ROOT, env=env,
                            timeout=FUNC_TIMEOUT)
    results = []
    for l in out.splitlines():
        m = FUNC_LINE_RE.match(l)
        if m:
            sub, status, rest = m.groups()
            if status == "skipped":
                results.append(Result("func", sub, True, skipped=rest.strip(" ()")))
            else:
                results.append(Result("func", sub, status != "FAIL", rest.strip()))
        elif results and l[:1] in (" ", "\t"):
            # Indented lines after a result line are its details.
            results[-1].output += ("\n" if results[-1].output else "") + l.strip("\n")
    failed = [r for r in results if not r.ok]
    both = "--- stdout:\n" + out.rstrip("\n") + "\n--- stderr:\n" + err.rstrip("\n")
    if err.strip():
        for r in failed:
            r.output += "\n--- stderr of %s:\n%s" % (name, err.rstrip("\n"))
    if rc != 0 and not failed:
        results.append(Result("func", name, False, "exit status %s\n%s" % (rc, both)))
    elif rc == 0 and not results:
        results.append(Result("func", name, True))
    return results


def func_scripts(only):
    if not os.path.isdir(FUNC):
        return []
    out = []
    for n in sorted(os.listdir(FUNC)):
        if n.startswith("test_") and n.endswith(".py"):
            if only and only not in n:
                continue
            out.append(os.path.join(FUNC, n))
    return out


# ------------------------------------------------------------------- main

def report(r, verbose):
    print(r.line(), flush=True)
    if (not r.ok and r.skipped is None) or (verbose and r.output):
        print(indent(r.output), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="build directory (unit-tests)")
    ap.add_argument("--binary", default=None, help="binary under test (default <build>/sluice)")
    ap.add_argument("--oracle", action="store_true",
                    help="binary is haproxy: skip unit tests and sluice-only checks")
    ap.add_argument("--only", default=None, help="run only tests whose name contains this")
    ap.add_argument("-j", "--jobs", type=int, default=max(2, os.cpu_count() or 2))
    ap.add_argument("-v", "--verbose", action="store_true", help="print output of passing tests")
    ap.add_argument("--no-unit", action="store_true", help="skip the unit tests")
    a = ap.parse_args()

    binary = a.binary or os.path.join(a.build, "sluice")
    if os.sep in binary:
        binary = os.path.abspath(binary)
    results = []

    def add(rs):
        for r in rs:
            results.append(r)
            report(r, a.verbose)

    if not a.oracle and not a.no_unit:
        add(run_unit(a.build, a.only))

    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        add([Result("setup", binary, False, "binary not found or not executable")])
    else:
        env = dict(os.environ)
        env.update(CONFIG_ENV)
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
            futs = [ex.submit(check_config, binary, rel, valid, a.oracle, env)
                    for rel, valid in corpus_files(a.only)]
            for f in futs:
                add([f.result()])

            scripts = []
            for s in func_scripts(a.only):
                if a.oracle and is_beyond_haproxy(s):
                    add([Result("func", os.path.basename(s)[:-3], True,
                                skipped="beyond HAProxy")])
                else:
                    scripts.append(s)
            futs = [ex.submit(run_func, binary, s, a.oracle, a.build) for s in scripts]
            for f in futs:
                add(f.result())

    counted = [r for r in results if r.skipped is None]
    npass = sum(1 for r in counted if r.ok)
    nfail = len(counted) - npass
    nskip = len(results) - len(counted)
    if nfail:
        print("\nFailed:")
        for r in counted:
            if not r.ok:
                print("  %s: %s" % (r.kind, r.name))
                # the first lines of why: a CI log is often read by its tail
                for l in r.output.splitlines()[:3]:
                    print("      %s" % l.strip()[:300])
    if nskip:
        print("%d skipped" % nskip)
    print("%d passed, %d failed" % (npass, nfail), flush=True)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
