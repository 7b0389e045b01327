#!/usr/bin/env python3
"""The `-c` contract shared by sluice and HAProxy 2.6 (reference §2.1, §2.4):
exit codes, what goes to stdout and stderr, -q, -dW, and how -f, several -f,
directories and `--` load files. Only wording HAProxy also prints is
checked, so this passes against both binaries (make check-oracle)."""

import os

import lib

VALID = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind 127.0.0.1:%d
    default_backend be

backend be
    server s1 127.0.0.1:9001
"""

# Valid but without timeouts: HAProxy warns (reference §0 #5).
NO_TIMEOUTS = """\
frontend fe
    bind 127.0.0.1:%d
    default_backend be

backend be
    server s1 127.0.0.1:9001
"""

NO_LISTENER = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

backend be
    server s1 127.0.0.1:9001
"""

TWO_ERRORS = """\
global
    maxconn 100
    wibble 1

defaults
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind 127.0.0.1:%d
    defualt_backend be

backend be
    server s1 127.0.0.1:9001
"""

VALID_MSG = "Configuration file is valid"
WARN_MSG = "Warnings were found."
NO_LISTENER_MSG = "Configuration file has no error but will not start (no listener) => exit(2)."


def lines(text):
    return [l for l in text.split("\n") if l]


def valid_cfg():
    return lib.config(VALID % lib.free_port())


@lib.test
def valid_config_exit_0_stdout_only():
    r = lib.check(valid_cfg())
    lib.eq(r.rc, 0, "exit status")
    lib.eq(lines(r.out), [VALID_MSG], "stdout")
    lib.eq(r.err, "", "stderr (nothing to report)")


@lib.test
def warnings_exit_0_and_say_so_on_stdout():
    r = lib.check(lib.config(NO_TIMEOUTS % lib.free_port()))
    lib.eq(r.rc, 0, "exit status")
    lib.eq(lines(r.out), [WARN_MSG, VALID_MSG], "stdout")
    lib.contains(r.err, "missing timeouts for frontend 'fe'", "stderr")
    lib.contains(r.err, "missing timeouts for backend 'be'", "stderr")


@lib.test
def error_exit_1_diagnostics_on_stderr():
    r = lib.check(lib.config(TWO_ERRORS % lib.free_port()))
    lib.eq(r.rc, 1, "exit status")
    lib.lacks(r.out, VALID_MSG, "stdout")
    lib.lacks(r.out, "wibble", "stdout")
    lib.contains(r.err, "unknown keyword 'wibble' in 'global' section", "stderr")


@lib.test
def errors_accumulate():
    # Both mistakes are reported in one run, in file order.
    r = lib.check(lib.config(TWO_ERRORS % lib.free_port()))
    lib.eq(r.rc, 1, "exit status")
    a = r.err.find("'wibble'")
    b = r.err.find("'defualt_backend'")
    lib.ok(a >= 0 and b >= 0, "both errors reported:\n" + r.err)
    lib.ok(a < b, "errors in file order:\n" + r.err)
    lib.contains(r.err, "did you mean 'default_backend'", "stderr")


@lib.test
def no_listener_exit_2():
    r = lib.check(lib.config(NO_LISTENER))
    lib.eq(r.rc, 2, "exit status")
    lib.contains(r.out, NO_LISTENER_MSG, "stdout")
    lib.lacks(r.out, VALID_MSG, "stdout")


@lib.test
def quiet_silences_warnings_and_success():
    r = lib.check(lib.config(NO_TIMEOUTS % lib.free_port()), args=["-q"])
    lib.eq(r.rc, 0, "exit status")
    lib.eq(r.out, "", "stdout")
    lib.eq(r.err, "", "stderr")


@lib.test
def quiet_silences_errors_too():
    r = lib.check(lib.config(TWO_ERRORS % lib.free_port()), args=["-q"])
    lib.eq(r.rc, 1, "exit status")
    lib.eq(r.out, "", "stdout")
    lib.eq(r.err, "", "stderr")


@lib.test
def zero_warning_flag_turns_warnings_fatal():
    r = lib.check(lib.config(NO_TIMEOUTS % lib.free_port()), args=["-dW"])
    lib.eq(r.rc, 1, "exit status")
    lib.lacks(r.out, VALID_MSG, "stdout")
    lib.contains(r.err, "missing timeouts for frontend 'fe'", "stderr")


@lib.test
def zero_warning_keyword_turns_warnings_fatal():
    r = lib.check(lib.config("global\n    zero-warning\n\n" + NO_TIMEOUTS % lib.free_port()))
    lib.eq(r.rc, 1, "exit status")
    lib.lacks(r.out, VALID_MSG, "stdout")


def warning_file(directory, name, tag):
    return lib.config('global\n.warning "%s"\n' % tag, name=name, directory=directory)


@lib.test
def directory_loads_cfg_files_in_c_order():
    d = lib.tmpdir()
    warning_file(d, "B.cfg", "tag-B")
    warning_file(d, "a.cfg", "tag-a")
    warning_file(d, "10.cfg", "tag-10")
    warning_file(d, ".hidden.cfg", "tag-hidden")
    warning_file(d, "other.conf", "tag-conf")
    warning_file(d, "cfg", "tag-bare")
    lib.config(VALID % lib.free_port(), name="zz-main.cfg", directory=d)
    r = lib.check(d)
    lib.eq(r.rc, 0, "exit status")
    lib.eq(lines(r.out), [WARN_MSG, VALID_MSG], "stdout")
    pos = [r.err.find(t) for t in ("tag-10", "tag-B", "tag-a")]
    lib.ok(all(p >= 0 for p in pos), "all *.cfg loaded:\n" + r.err)
    lib.ok(pos == sorted(pos), "LC_COLLATE=C order 10, B, a:\n" + r.err)
    for t in ("tag-hidden", "tag-conf", "tag-bare"):
        lib.lacks(r.err, t, "stderr (file must not be loaded)")


@lib.test
def several_f_keep_command_line_order():
    d = lib.tmpdir()
    first = warning_file(d, "z-first.cfg", "tag-first")
    second = warning_file(d, "a-second.cfg", "tag-second")
    main = lib.config(VALID % lib.free_port(), name="main.cfg", directory=d)
    r = lib.check(first, main, second)
    lib.eq(r.rc, 0, "exit status")
    a, b = r.err.find("tag-first"), r.err.find("tag-second")
    lib.ok(0 <= a < b, "command-line order:\n" + r.err)


@lib.test
def double_dash_takes_file_list():
    d = lib.tmpdir()
    first = warning_file(d, "one.cfg", "tag-one")
    main = lib.config(VALID % lib.free_port(), name="main.cfg", directory=d)
    second = warning_file(d, "two.cfg", "tag-two")
    r = lib.run(["-c", "--", first, main, second])
    lib.eq(r.rc, 0, "exit status")
    lib.contains(r.out, VALID_MSG, "stdout")
    a, b = r.err.find("tag-one"), r.err.find("tag-two")
    lib.ok(0 <= a < b, "both files, in order:\n" + r.err)


@lib.test
def each_file_starts_out_of_section():
    # A file ends the current section: a continuation file fails.
    d = lib.tmpdir()
    main = lib.config(VALID % lib.free_port(), name="main.cfg", directory=d)
    cont = lib.config("    maxconn 10\n", name="cont.cfg", directory=d)
    r = lib.check(main, cont)
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "unknown keyword 'maxconn' out of section.", "stderr")


@lib.test
def missing_file_is_an_error():
    path = os.path.join(lib.tmpdir(), "nonexistent.cfg")
    r = lib.check(path)
    lib.eq(r.rc, 1, "exit status")
    lib.lacks(r.out, VALID_MSG, "stdout")
    lib.contains(r.err, "Cannot open configuration file/directory %s : No such file or directory"
                 % path, "stderr")


@lib.test
def missing_file_among_good_ones_still_fails():
    path = os.path.join(lib.tmpdir(), "nonexistent.cfg")
    r = lib.check(valid_cfg(), path)
    lib.eq(r.rc, 1, "exit status")
    lib.lacks(r.out, VALID_MSG, "stdout")


@lib.test
def no_config_file_is_an_error():
    r = lib.run(["-c"])
    lib.eq(r.rc, 1, "exit status")
    lib.lacks(r.out, VALID_MSG, "stdout")
    lib.contains(r.err, "Usage :", "stderr")


@lib.test
def empty_directory_is_no_config():
    r = lib.check(lib.tmpdir())
    lib.eq(r.rc, 1, "exit status")
    lib.lacks(r.out, VALID_MSG, "stdout")


@lib.test
def missing_lf_on_last_line_is_fatal():
    path = lib.write(os.path.join(lib.tmpdir(), "nolf.cfg"), (VALID % lib.free_port()).rstrip("\n"))
    r = lib.check(path)
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "Missing LF on last line, file might have been truncated at position 29.",
                 "stderr")


@lib.test
def notice_directive_is_not_a_warning():
    r = lib.check(lib.config('.notice "hello-notice"\n' + VALID % lib.free_port()))
    lib.eq(r.rc, 0, "exit status")
    lib.eq(lines(r.out), [VALID_MSG], "stdout")
    lib.contains(r.err, "hello-notice", "stderr")


@lib.test
def warning_directive_counts_as_warning():
    r = lib.check(lib.config('.warning "hello-warning"\n' + VALID % lib.free_port()))
    lib.eq(r.rc, 0, "exit status")
    lib.eq(lines(r.out), [WARN_MSG, VALID_MSG], "stdout")
    lib.contains(r.err, "hello-warning", "stderr")


@lib.test
def alert_directive_is_fatal():
    r = lib.check(lib.config('.alert "hello-alert"\n' + VALID % lib.free_port()))
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "hello-alert", "stderr")


ENV_CFG = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind 127.0.0.1:%s
    http-request set-header X-Host "${SLUICE_T_HOST}"
    default_backend be

backend be
    server s1 127.0.0.1:9001
"""


@lib.test
def env_expands_in_quotes_and_addresses():
    # Unquoted ${VAR} works in an address (reference §0 #2).
    env = {"SLUICE_T_PORT": str(lib.free_port()), "SLUICE_T_HOST": "h"}
    r = lib.check(lib.config(ENV_CFG % "${SLUICE_T_PORT}"), env=env)
    lib.eq(r.rc, 0, "exit status")
    lib.eq(lines(r.out), [VALID_MSG], "stdout")
    r = lib.check(lib.config(ENV_CFG % '"${SLUICE_T_UNSET}"'), env=env)
    lib.eq(r.rc, 1, "exit status with the port variable unset")
    lib.contains(r.err, "missing port specification in '127.0.0.1:'", "stderr")


@lib.test
def cc_evaluates_conditions():
    lib.eq(lib.run(["-cc", "1"]).rc, 0, "-cc 1")
    lib.eq(lib.run(["-cc", "0"]).rc, 1, "-cc 0")
    lib.eq(lib.run(["-cc", "defined(PATH)"]).rc, 0, "-cc defined(PATH)")
    lib.eq(lib.run(["-cc", "streq(a,b)"]).rc, 1, "-cc streq(a,b)")
    r = lib.run(["-cc", "foo(1)"])
    lib.eq(r.rc, 2, "-cc foo(1)")
    lib.contains(r.err, "Failed to evaluate condition", "stderr")


lib.main()
