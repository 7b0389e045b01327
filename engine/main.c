/* sluice: command line (HAProxy's flags, reference §2.1) and the order
 * of startup: check, or load, limits, daemon/master, bind, privileges,
 * run (engine/proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lib/log.h"
#include "lib/util.h"
#include "engine/engine.h"
#include "engine/support.h"
#include "engine/http_act.h"
#include "engine/proc.h"
#include "engine/proc_state.h"
#include "engine/tls.h"
#include "stats/cli.h"
#include "parser/bind.h"
#include "parser/cfg.h"
#include "parser/cfgparse.h"
#include "parser/diag.h"
#include "parser/global.h"
#include "parser/kw.h"
#include "parser/proxy.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

struct opts {
	VEC(const char *) files;
	bool check, quiet, verbose, zero_warning, markdown, tsv;
	bool daemon, master_worker, systemd, foreground, debug;
	const char *dump_kw;   /* -dK<class> */
	const char *cond;      /* -cc <cond> */
	const char *pidfile;
	const char *chdir_to;
	bool no_resolve_fail;
	struct engine_opts eo;  /* -dS -dH -dR -de -dp -dk -n -N */
	long mem_mb;            /* -m */
	int version;           /* -v: 1, -vv: 2 */
	VEC(pid_t) old_pids;   /* -sf / -st */
	int old_sig;           /* SIGUSR1 (-sf) or SIGTERM (-st) */
	const char *getsocks;    /* -x: the old process's stats socket */
	const char *mcli;      /* -S */
	char *exe;             /* absolute path, for the master's re-exec */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage : sluice [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n"
	    "        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]\n"
	    "        -v displays version ; -vv shows known build options.\n"
	    "        -d enters debug mode ; -db only disables background mode.\n"
	    "        -dM[<byte>,help,...] debug memory (not supported by sluice)\n"
	    "        -V enters verbose mode (disables quiet mode)\n"
	    "        -D goes daemon ; -C changes to <dir> before loading files.\n"
	    "        -W master-worker mode ; -Ws master-worker with systemd notify.\n"
	    "        -q quiet mode : don't display messages\n"
	    "        -c check mode : only check config files and exit\n"
	    "        -cc check condition : evaluate a condition and exit\n"
	    "        -n sets the maximum total # of connections (uses ulimit -n)\n"
	    "        -N sets the default, per-proxy maximum # of connections (0)\n"
	    "        -L set local peer name (default to hostname)\n"
	    "        -p writes pids of all children to this file\n"
	    "        -dW fails if any warning is emitted\n"
	    "        -dr ignores server address resolution failures\n"
	    "        -dH no in-process hand-off to own unix@/abns@ binds\n"
	    "        -dK[<class>] lists keywords with their sluice support status\n"
	    "           (classes: all cfg bind server http-request http-response\n"
	    "           http-after-response tcp-request tcp-response smp cnv acl;\n"
	    "           add --markdown for doc/keywords.md, --tsv for tools)\n"
	    "        -sf/-st [pid ]* finishes/terminates old pids.\n"
	    "        -x <unix_socket> get listening sockets from a unix socket\n"
	    "        -S <bind>[,<bind options>...] new master CLI\n");
}

static void
print_version(bool verbose)
{
	printf("sluice version %s - HAProxy 2.6 configuration compatible\n", SLUICE_VERSION);
	if (!verbose)
		return;
	struct utsname u;
	if (uname(&u) == 0)
		printf("Running on: %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	printf("Build options :\n  CC = %s\n",
#ifdef __clang__
	       "clang"
#else
	       "gcc"
#endif
	);
	printf("Feature list : +OPENSSL +PROMEX +THREAD +GETADDRINFO");
#ifdef HAVE_SPLICE
	printf(" +LINUX_SPLICE");
#else
	printf(" -LINUX_SPLICE");
#endif
#ifdef HAVE_ACCEPT4
	printf(" +ACCEPT4");
#endif
	printf(" -LUA\n");
	printf("Built with libevent version : %s (compiled with %s)\n",
	       event_get_version(), LIBEVENT_VERSION);
	printf("Built with OpenSSL version : %s\n", OPENSSL_VERSION_TEXT);
	printf("Running on OpenSSL version : %s\n", OpenSSL_version(OPENSSL_VERSION));
	char pv[32];
	if (pcre2_config(PCRE2_CONFIG_VERSION, pv) > 0)
		printf("Built with PCRE2 version : %s\n", pv);
	struct event_base *b = event_base_new();
	if (b) {
		printf("Event method : %s\n", event_base_get_method(b));
		event_base_free(b);
	}
	const char **m = event_get_supported_methods();
	printf("Available event methods :");
	for (int i = 0; m && m[i]; i++)
		printf(" %s", m[i]);
	printf("\n");
#ifdef HAVE_SPLICE
	printf("Splice : available (splice(2))\n");
#else
	printf("Splice : not available (buffered copy)\n");
#endif
	printf("Compatible with HAProxy configuration version : 2.6\n");
}

/* Takes the pid list of -sf/-st: numbers up to the next option. */
static int
take_pids(int argc, char **argv, int i, struct opts *o)
{
	while (i + 1 < argc && argv[i + 1][0] != '-') {
		char *end;
		long pid = strtol(argv[++i], &end, 10);
		if (*end == '\0' && pid > 0 && pid < INT_MAX)
			VEC_PUSH(o->old_pids, (pid_t)pid);
	}
	return i;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				VEC_PUSH(o->files, argv[i]);
			break;
		}
		if (a[0] != '-') {
			fprintf(stderr, "sluice: unexpected argument '%s' (config files go after -f)\n", a);
			return -1;
		}
#define NEXT() do { if (++i >= argc) { fprintf(stderr, "sluice: option '%s' needs an argument\n", a); return -1; } } while (0)
		if (strcmp(a, "-f") == 0) {
			NEXT();
			VEC_PUSH(o->files, argv[i]);
		} else if (strcmp(a, "-c") == 0) {
			o->check = true;
		} else if (strcmp(a, "-cc") == 0) {
			NEXT();
			o->cond = argv[i];
		} else if (strcmp(a, "-q") == 0) {
			o->quiet = true;
		} else if (strcmp(a, "-V") == 0) {
			o->verbose = true;
			o->quiet = false;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "-vv") == 0) {
			o->version = a[2] ? 2 : 1;
		} else if (strcmp(a, "-C") == 0) {
			NEXT();
			o->chdir_to = argv[i];
		} else if (strcmp(a, "-p") == 0) {
			NEXT();
			o->pidfile = argv[i];
		} else if (strcmp(a, "-D") == 0) {
			o->daemon = true;
		} else if (strcmp(a, "-W") == 0) {
			o->master_worker = true;
		} else if (strcmp(a, "-Ws") == 0) {
			o->master_worker = o->systemd = true;
		} else if (strcmp(a, "-d") == 0) {
			o->debug = o->foreground = true;
		} else if (strcmp(a, "-db") == 0) {
			o->foreground = true;
		} else if (strcmp(a, "-dW") == 0) {
			o->zero_warning = true;
		} else if (strcmp(a, "-dr") == 0) {
			o->no_resolve_fail = true;
		} else if (strncmp(a, "-dK", 3) == 0) {
			o->dump_kw = a[3] ? a + 3 : "all";
		} else if (strcmp(a, "--markdown") == 0) {
			o->markdown = true;
		} else if (strcmp(a, "--tsv") == 0) {
			o->tsv = true;
		} else if (strcmp(a, "-dS") == 0) {
			o->eo.no_splice = true;
		} else if (strcmp(a, "-dH") == 0) {
			o->eo.no_handoff = true;
		} else if (strcmp(a, "-dR") == 0) {
			o->eo.no_reuseport = true;
		} else if (strcmp(a, "-de") == 0 || strcmp(a, "-dp") == 0 ||
		           strcmp(a, "-dk") == 0) {
			/* disable one event method, as HAProxy's pollers */
			const char *m = a[2] == 'e' ? "epoll" : a[2] == 'p' ? "poll" : "kqueue";
			if (o->eo.navoid < ENGINE_MAX_AVOID)
				o->eo.avoid[o->eo.navoid++] = m;
		} else if (strcmp(a, "-dD") == 0 || strcmp(a, "-dV") == 0 ||
		           strcmp(a, "-dG") == 0) {
			fprintf(stderr, "sluice: note: '%s' has no effect in sluice (%s)\n", a,
			        a[2] == 'D' ? "no diagnostic mode" :
			        a[2] == 'V' ? "TLS to servers is not run by this version" :
			        "names are always resolved with getaddrinfo()");
		} else if (strcmp(a, "-n") == 0 || strcmp(a, "-N") == 0) {
			NEXT();
			char *end;
			long v = strtol(argv[i], &end, 10);
			if (*end || v <= 0 || v > 0x7fffffff) {
				fprintf(stderr, "sluice: '%s' expects a positive number, not '%s'\n", a, argv[i]);
				return -1;
			}
			if (a[1] == 'n')
				o->eo.maxconn = (int)v;
			else
				o->eo.default_proxy_maxconn = (int)v;
		} else if (strcmp(a, "-m") == 0) {
			NEXT();
			char *end;
			long v = strtol(argv[i], &end, 10);
			if (*end || v <= 0) {
				fprintf(stderr, "sluice: '-m' expects a size in megabytes, not '%s'\n", argv[i]);
				return -1;
			}
			o->mem_mb = v;
		} else if (strcmp(a, "-L") == 0) {
			NEXT();
			fprintf(stderr, "sluice: note: '-L' has no effect: peers sections are not supported\n");
		} else if (strcmp(a, "-sf") == 0 || strcmp(a, "-st") == 0) {
			o->old_sig = a[2] == 'f' ? SIGUSR1 : SIGTERM;
			i = take_pids(argc, argv, i, o);
		} else if (strcmp(a, "-S") == 0) {
			NEXT();
			o->mcli = argv[i];
		} else if (strcmp(a, "-x") == 0) {
			NEXT();
			o->getsocks = argv[i];
		} else {
			fprintf(stderr, "sluice: unknown option '%s'\n", a);
			usage(stderr);
			return -1;
		}
#undef NEXT
	}
	return 0;
}

/* A stats socket, or a frontend-capable proxy with a bind line, listens. */
static bool
has_listener(const struct cfg *cfg)
{
	if (cfg->global->stats_sockets.n > 0)
		return true;
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if ((px->cap & PX_CAP_FE) && !px->disabled && px->binds.n > 0)
			return true;
	}
	return false;
}

/* The binary's absolute path, found before -C changes directory: the
 * master re-executes it on reload (a new binary after an upgrade). */
static char *
find_exe(const char *argv0)
{
	char buf[PATH_MAX];
	if (strchr(argv0, '/'))
		return realpath(argv0, buf) ? xstrdup(buf) : xstrdup(argv0);
	const char *path = getenv("PATH");
	for (const char *p = path; p && *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *cand = xasprintf("%.*s/%s", (int)n, p, argv0);
		if (access(cand, X_OK) == 0 && realpath(cand, buf)) {
			free(cand);
			return xstrdup(buf);
		}
		free(cand);
		p = e ? e + 1 : p + n;
	}
	ssize_t r = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (r > 0) {
		buf[r] = '\0';
		return xstrdup(buf);
	}
	return xstrdup(argv0);
}

/* -sf/-st: binding next to the old processes normally works
 * (SO_REUSEPORT). When it does not (noreuseport, another OS), HAProxy's
 * way: ask them to pause (SIGTTOU), retry for up to a second, and let
 * them resume (SIGTTIN) if it still fails. Only the last attempt prints
 * its errors. */
static struct engine *
start_beside_old(struct opts *o, struct cfg *cfg, const struct engine_opts *eo)
{
	enum { TRIES = 100 };
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	struct engine *eng = NULL;

	for (int i = 0; i < TRIES && eng == NULL; i++) {
		bool last = i == TRIES - 1 || saved < 0 || null < 0;
		fflush(stderr);
		dup2(last ? saved : null, 2);
		eng = engine_new(cfg, eo);
		fflush(stderr);
		if (eng == NULL && last)
			break;
		if (eng == NULL) {
			if (i == 0)
				proc_signal_pids(o->old_pids.v, o->old_pids.n, SIGTTOU);
			struct timespec ts = { 0, 10 * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (null >= 0)
		close(null);
	if (eng == NULL)
		proc_signal_pids(o->old_pids.v, o->old_pids.n, SIGTTIN);
	return eng;
}

/* Runs the configuration: standalone (foreground or daemon) or as the
 * master of workers (engine/proc.h gives the order). cfg is NULL only
 * for a master reloading with a broken configuration. Returns the exit
 * status. */
static int
start(struct opts *o, struct cfg *cfg, char **argv)
{
	bool reloading = proc_master_reloading();
	const struct cfg_global *g = cfg ? cfg->global : NULL;
	bool mw = reloading || o->master_worker || (g && g->master_worker);
	/* -Ws: systemd supervises a foreground master; -d/-db: foreground */
	bool daemon = (o->daemon || (g && g->daemon)) && !o->foreground && !o->systemd;
	const char *pidfile = o->pidfile ? o->pidfile : g ? g->pidfile : NULL;
	struct engine_opts eo = o->eo;
	int rc = 1;

	if (o->mcli && !mw) {
		fprintf(stderr, "sluice: '-S' (master CLI) needs the master-worker mode (-W, -Ws or 'master-worker')\n");
		return 1;
	}
	if (cfg) {
		eo.maxconn = proc_set_limits(cfg, o->eo.maxconn);
		if (eo.maxconn < 0)
			return 1;
	}
	/* -x: the old process's listening sockets, adopted instead of
	 * binding (a master re-executed for a reload has its own) */
	if (cfg && o->getsocks && !reloading && proc_getsocks_fetch(o->getsocks) < 0)
		return 1;
	if (daemon && !reloading && proc_daemon_start() < 0)
		return 1;
	if (mw) {
		struct proc_master_opts mo = {
			.argv = argv,
			.exe = o->exe,
			.pidfile = pidfile,
			.daemon = daemon,
			.systemd = o->systemd,
			.no_exit_on_failure = g && g->mworker_no_exit_on_failure,
			.eo = &eo,
			.maxconn = eo.maxconn,
			.mcli = o->mcli,
		};
		int r = proc_master_run(&mo, cfg);
		if (r != PROC_WORKER)
			return r;
	}
	/* a standalone process, or a worker freshly forked by the master */
	eo.foreground = !daemon;
	eo.debug = o->debug;
	if (o->debug)
		log_init("sluice", 2);
	if (o->mem_mb > 0) {
		/* -m: HAProxy caps its memory; a data-size limit does it here */
		struct rlimit rl = { (rlim_t)o->mem_mb << 20, (rlim_t)o->mem_mb << 20 };
		if (setrlimit(RLIMIT_DATA, &rl) < 0)
			log_warn("cannot limit memory to %ld MB", o->mem_mb);
	}
	/* a worker serves its master's CLI channel ("@1 <command>") */
	cli_set_master_fd(proc_worker_cli_fd());
	struct engine *eng = !mw && o->old_pids.n ? start_beside_old(o, cfg, &eo) : engine_new(cfg, &eo);
	if (eng == NULL)
		return 1;
	/* a worker owns the sockets it took from the master's pool */
	proc_fds_close_unused();
	proc_fds_forget();
	/* server states of the previous process (a file, as HAProxy, or
	 * what the master carried from the previous worker), read while
	 * still privileged */
	size_t carried_len = 0;
	char *carried = proc_master_take_state(&carried_len);
	proc_state_load(eng, carried, carried_len);
	free(carried);
	/* as HAProxy: the pidfile of a daemon, the master's of a worker */
	if (!mw && daemon && pidfile && proc_write_pidfile(pidfile, getpid()) < 0)
		goto out;
	if (proc_drop_privileges(cfg->global) < 0)
		goto out;
	if (!mw && o->old_pids.n)
		proc_signal_pids(o->old_pids.v, o->old_pids.n, o->old_sig);
	if (proc_sandbox(cfg) < 0)
		goto out;
	proc_daemon_ready();
	proc_worker_ready();
	rc = engine_run(eng);
out:
	engine_free(eng);
	return rc;
}

/* -c builds every TLS context as the engine would (haproxy -c loads the
 * certificates and fails on a bad one). False after reporting. */
static bool
check_tls(const struct cfg *cfg, bool quiet)
{
	struct diag td = { 0 };
	struct tls_store *ts = tls_store_new(cfg, &td);
	bool ok = ts != NULL;

	if (!quiet) {
		diag_print(&td, stderr);
		if (!ok)
			fprintf(stderr, "sluice: configuration has %d error(s) and %d warning(s).\n",
			        td.nerrors, td.nwarnings);
	}
	diag_free(&td);
	tls_store_free(ts);
	return ok;
}

/* -c says what this engine would refuse or skip at start-up
 * (engine/support.h), and loads the errorfiles and reply files as the
 * engine would (engine/http_act.h). False after reporting. */
static bool
check_http(const struct cfg *cfg, bool quiet, struct diag *d)
{
	struct diag hd = { 0 };
	bool ok = engine_check_support(cfg, &hd) == 0 && http_act_init(cfg, &hd) == 0;
	d->nwarnings += hd.nwarnings; /* for "Warnings were found." */

	if (!quiet) {
		diag_print(&hd, stderr);
		if (!ok)
			fprintf(stderr, "sluice: configuration has %d error(s) and %d warning(s).\n",
			        hd.nerrors, hd.nwarnings);
	}
	diag_free(&hd);
	if (ok)
		http_act_free(cfg);
	return ok;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct diag d = { 0 };
	struct cfg *cfg = NULL;
	int rc = 1;

	memset(&o, 0, sizeof(o));
	o.exe = find_exe(argv[0]);
	if (argc < 2) {
		usage(stderr);
		goto out;
	}
	if (parse_args(argc, argv, &o) < 0)
		goto out;
	if (o.version) {
		print_version(o.version == 2);
		rc = 0;
		goto out;
	}
	if (o.dump_kw) {
		rc = (o.tsv ? kw_dump_tsv(stdout, o.dump_kw)
		            : kw_dump(stdout, o.dump_kw, o.markdown)) < 0 ? 1 : 0;
		if (rc)
			fprintf(stderr, "sluice: unknown keyword class '%s'\n", o.dump_kw);
		goto out;
	}
	if (o.cond) {
		char *err = NULL;
		int r = pp_eval(o.cond, &err);
		if (r < 0) {
			fprintf(stderr, "Failed to evaluate condition: %s\n", err);
			free(err);
			rc = 2;
		} else {
			rc = r ? 0 : 1;
		}
		goto out;
	}
	if (o.chdir_to && chdir(o.chdir_to) < 0) {
		fprintf(stderr, "sluice: cannot change directory to '%s': %s\n", o.chdir_to, strerror(errno));
		goto out;
	}
	if (o.files.n == 0) {
		usage(stderr);
		goto out;
	}

	struct cfg_opts copts = {
		.zero_warning = o.zero_warning,
		.no_resolve_fail = o.no_resolve_fail,
		.check_files = true,
	};
	cfg = cfg_load(o.files.v, (int)o.files.n, &copts, &d);
	if (!o.quiet)
		diag_print(&d, stderr);

	if (cfg == NULL && !o.check && proc_master_reloading()) {
		/* a reload with a broken configuration: the master keeps the
		 * old workers serving */
		rc = start(&o, NULL, argv);
	} else if (cfg && cfg->nparsed == 0) {
		/* -f named only empty directories: nothing to run, as HAProxy */
		usage(stderr);
	} else if (cfg == NULL) {
		if (!o.quiet)
			fprintf(stderr, "sluice: configuration has %d error(s) and %d warning(s).\n",
			        d.nerrors, d.nwarnings);
	} else if (o.check && !check_tls(cfg, o.quiet)) {
		rc = 1;
	} else if (o.check && !check_http(cfg, o.quiet, &d)) {
		rc = 1;
	} else if (o.check) {
		if (!o.quiet && d.nwarnings)
			printf("Warnings were found.\n");
		if (!has_listener(cfg)) {
			if (!o.quiet)
				printf("Configuration file has no error but will not start (no listener) => exit(2).\n");
			rc = 2;
		} else {
			if (!o.quiet)
				printf("Configuration file is valid\n");
			rc = 0;
		}
	} else {
		rc = start(&o, cfg, argv);
	}
out:
	cfg_free(cfg);
	diag_free(&d);
	free(o.files.v);
	free(o.old_pids.v);
	free(o.exe);
	return rc;
}
