/* The global section (reference §1.8). Every keyword HAProxy 2.6.12
 * accepts in "global" has a row here; "log" is in logtarget.c. */
#include "global.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bind.h"
#include "logtarget.h"
#include "optutil.h"
#include "resolve.h"
#include "tables.h"

extern char **environ;

struct cfg_global *
global_new(void)
{
	struct cfg_global *g = xcalloc(1, sizeof(*g));

	g->logs = logt_list_new();
	g->numa_cpu_mapping = true;
	g->strict_limits = true; /* HAProxy 2.6's default */
	g->unix_bind_mode = -1;
	g->stats_timeout = 10000;
	g->stats_maxconn = 10;
	g->tune_bufsize = 16384;
	g->tune_maxrewrite = 1024;
	g->tune_http_maxhdr = 101;
	g->tune_ssl_cachesize = 20000;
	/* unset: OpenSSL's 7200 s, as HAProxy leaves it (not the 300 s its
	 * manual says) */
	g->tune_ssl_lifetime = 0;
	g->tune_ssl_capture_buffer_size = 0;
	return g;
}

void
global_free(struct cfg_global *g)
{
	if (g == NULL)
		return;
	free(g->chroot);
	free(g->pidfile);
	free(g->localpeer);
	free(g->node);
	free(g->description);
	free(g->server_state_file);
	free(g->server_state_base);
	free(g->default_path);
	for (size_t i = 0; i < g->cpu_maps.n; i++) {
		free(g->cpu_maps.v[i].threads);
		free(g->cpu_maps.v[i].cpus);
	}
	free(g->cpu_maps.v);
	for (size_t i = 0; i < g->h1_case.n; i++) {
		free(g->h1_case.v[i].from);
		free(g->h1_case.v[i].to);
	}
	free(g->h1_case.v);
	free(g->h1_case_file);
	free(g->unix_bind_prefix);
	logt_list_free(g->logs);
	free(g->log_tag);
	free(g->log_send_hostname);
	for (size_t i = 0; i < g->stats_sockets.n; i++)
		bind_free(g->stats_sockets.v[i]);
	free(g->stats_sockets.v);
	free(g->ssl_bind_ciphers);
	free(g->ssl_bind_ciphersuites);
	free(g->ssl_bind_curves);
	free(g->ssl_server_ciphers);
	free(g->ssl_server_ciphersuites);
	free(g->ssl_dh_param_file);
	free(g->ca_base);
	free(g->crt_base);
	free(g->issuers_chain_path);
	free(g->ssl_load_extra_files);
	free(g);
}

#define G (cx->cfg->global)

/* ---- integers ------------------------------------------------------------ */

#define I_ATOL 0x1u /* junk read as atol() with a warning, like HAProxy */
#define I_DUP  0x2u /* "already specified. Continuing." and keep the first */

struct int_spec {
	const char *name;
	size_t off;
	long long min, max;
	unsigned flags;
	const char *bad; /* message when missing or out of range; %s = name */
};

#define GI(f) offsetof(struct cfg_global, f)
static const struct int_spec int_specs[] = {
	{ "maxconn", GI(maxconn), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "maxsslconn", GI(maxsslconn), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "maxconnrate", GI(maxconnrate), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "maxsessrate", GI(maxsessrate), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "maxsslrate", GI(maxsslrate), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "maxpipes", GI(maxpipes), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "ulimit-n", GI(ulimit_n), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "fd-hard-limit", GI(fd_hard_limit), 0, 0x7fffffff, I_ATOL | I_DUP, "'%s' expects an integer argument." },
	{ "mworker-max-reloads", GI(mworker_max_reloads), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.bufsize", GI(tune_bufsize), 1, 0x7fffffff - 16, 0, "'%s' expects a positive integer argument." },
	{ "tune.maxrewrite", GI(tune_maxrewrite), 0, 0x7fffffff, 0, "'%s' expects a positive integer argument." },
	{ "tune.http.maxhdr", GI(tune_http_maxhdr), 1, 32767, 0, "'%s' expects a numeric value between 1 and 32767" },
	{ "tune.http.cookielen", GI(tune_http_cookielen), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.http.logurilen", GI(tune_http_logurilen), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.maxaccept", GI(tune_maxaccept), -1, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.pipesize", GI(tune_pipesize), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.rcvbuf.client", GI(tune_rcvbuf_client), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.rcvbuf.server", GI(tune_rcvbuf_server), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.sndbuf.client", GI(tune_sndbuf_client), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.sndbuf.server", GI(tune_sndbuf_server), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.chksize", GI(tune_chksize), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.ssl.cachesize", GI(tune_ssl_cachesize), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.ssl.maxrecord", GI(tune_ssl_maxrecord), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.ssl.hard-maxrecord", GI(tune_ssl_hard_maxrecord), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.ssl.default-dh-param", GI(tune_ssl_default_dh_param), 1024, 0x7fffffff, I_ATOL, "'%s' expects a value >= 1024." },
	{ "tune.ssl.ssl-ctx-cache-size", GI(tune_ssl_ctx_cache_size), 0, 0x7fffffff, I_ATOL, "'%s' expects an integer argument." },
	{ "tune.ssl.capture-buffer-size", GI(tune_ssl_capture_buffer_size), 0, 255, I_ATOL, "'%s' expects an integer argument between 0 and 255." },
	{ "tune.ssl.capture-cipherlist-size", GI(tune_ssl_capture_buffer_size), 0, 255, I_ATOL, "'%s' expects an integer argument between 0 and 255." },
	{ NULL, 0, 0, 0, 0, NULL },
};

static int
kw_int(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const struct int_spec *sp;
	const char *name = kw->h.name;

	for (sp = int_specs; sp->name && strcmp(sp->name, name) != 0; sp++)
		;
	if (sp->name == NULL)
		return -1;
	int *dst = (int *)((char *)G + sp->off);
	if (argi >= n) {
		cx_error(cx, &w[0], sp->bad, name);
		return -1;
	}
	if (arg_no_more(cx, w, n, argi + 1, kw->h.name) < 0)
		return -1;
	if ((sp->flags & I_DUP) && *dst != 0) {
		cx_warn(cx, &w[0], "'%s' already specified. Continuing.", name);
		return 0;
	}
	bool strict;
	long long v = ou_atol(w[argi].s, &strict);
	if (!strict && !(sp->flags & I_ATOL)) {
		cx_error(cx, &w[argi], sp->bad, name);
		return -1;
	}
	if (v < sp->min || v > sp->max) {
		cx_error(cx, &w[argi], sp->bad, name);
		return -1;
	}
	if (!strict)
		cx_warn(cx, &w[argi], "'%s' : '%s' is not a number: read as %lld, as HAProxy does",
		        name, w[argi].s, v);
	*dst = (int)v;
	return 0;
}

static int
kw_nbthread(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	long long v;

	if (argi >= n) {
		cx_error(cx, &w[0], "'nbthread' expects an integer argument.");
		return -1;
	}
	if (arg_no_more(cx, w, n, argi + 1, kw->h.name) < 0)
		return -1;
	if (!ou_int(w[argi].s, &v)) {
		cx_error(cx, &w[argi], "'nbthread' passed a missing or unparsable integer value in '%s'",
		         w[argi].s);
		return -1;
	}
	if (v < 1 || v > 64) {
		cx_error(cx, &w[argi], "'nbthread' value must be between 1 and 64 (was %lld)", v);
		return -1;
	}
	G->nbthread = (int)v;
	return 0;
}

/* thread-groups: this build of HAProxy allows only 1. */
static int
kw_thread_groups(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	long long v;
	if (argi >= n || !ou_int(w[argi].s, &v)) {
		cx_error(cx, &w[argi < n ? argi : 0], "'thread-groups' passed a missing or unparsable integer value in '%s'",
		         argi < n ? w[argi].s : "");
		return -1;
	}
	if (v != 1) {
		cx_error(cx, &w[argi], "'thread-groups' value must be between 1 and 1 (was %lld)", v);
		return -1;
	}
	return arg_no_more(cx, w, n, argi + 1, kw->h.name);
}

/* ---- flags ----------------------------------------------------------------- */

static int
kw_flag(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	static const struct { const char *name; size_t off; } t[] = {
		{ "daemon", GI(daemon) }, { "quiet", GI(quiet) },
		{ "nosplice", GI(nosplice) }, { "noreuseport", GI(noreuseport) },
		{ "zero-warning", GI(zero_warning) },
		{ "busy-polling", GI(busy_polling) }, { "set-dumpable", GI(set_dumpable) },
		{ "strict-limits", GI(strict_limits) },
		{ "insecure-fork-wanted", GI(insecure_fork_wanted) },
		{ "insecure-setuid-wanted", GI(insecure_setuid_wanted) },
		{ "numa-cpu-mapping", GI(numa_cpu_mapping) },
		{ "pp2-never-send-local", GI(pp2_never_send_local) },
		{ "h1-accept-payload-with-any-method", GI(h1_accept_payload_with_any_method) },
		{ "h2-workaround-bogus-websocket-clients", GI(h2_workaround_bogus_websocket_clients) },
		{ "expose-experimental-directives", GI(expose_experimental_directives) },
		{ "ssl-skip-self-issued-ca", GI(ssl_skip_self_issued_ca) },
		{ "tune.ssl.force-private-cache", GI(tune_ssl_force_private_cache) },
	};
	/* HAProxy checks extra words only without a "no"/"default" prefix */
	if (!cx->negate && arg_no_more(cx, w, n, argi, kw->h.name) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (strcmp(t[i].name, kw->h.name) != 0)
			continue;
		bool *b = (bool *)((char *)G + t[i].off);
		*b = cx->negate != KW_PFX_NO;
		if (cx->negate == KW_PFX_DEFAULT)
			*b = strcmp(kw->h.name, "numa-cpu-mapping") == 0; /* built-in default */
		if (strcmp(kw->h.name, "zero-warning") == 0)
			cx->cfg->opts.zero_warning = true;
		return 0;
	}
	return -1;
}

static int
kw_master_worker(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	if (argi < n) {
		if (strcmp(w[argi].s, "no-exit-on-failure") != 0) {
			cx_error(cx, &w[argi], "'master-worker' only supports 'no-exit-on-failure' option.");
			return -1;
		}
		if (arg_no_more(cx, w, n, argi + 1, kw->h.name) < 0)
			return -1;
		G->mworker_no_exit_on_failure = true;
	}
	G->master_worker = true;
	return 0;
}

/* on|off keywords */
static int
kw_onoff(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	bool on;
	if (strcmp(v, "on") == 0)
		on = true;
	else if (strcmp(v, "off") == 0)
		on = false;
	else {
		cx_error(cx, &w[argi < n ? argi : 0], "'%s' expects either 'on' or 'off' but got '%s'.",
		         kw->h.name, v);
		return -1;
	}
	if (strcmp(kw->h.name, "tune.ssl.keylog") == 0)
		G->tune_ssl_keylog = on;
	return arg_no_more(cx, w, n, argi + 1, kw->h.name);
}

/* ---- strings --------------------------------------------------------------- */

static int
kw_str(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	static const struct {
		const char *name;
		size_t off;
		bool dup; /* "already specified": warning keeps the first */
		const char *dupmsg;
		const char *missing;
	} t[] = {
		{ "chroot", GI(chroot), true, "'chroot' already specified. Continuing.", "'chroot' expects a directory as an argument." },
		{ "pidfile", GI(pidfile), true, "'pidfile' already specified. Continuing.", "'pidfile' expects a file name as an argument." },
		{ "localpeer", GI(localpeer), false, NULL, "'localpeer' expects a name as an argument." },
		{ "log-tag", GI(log_tag), false, NULL, "'log-tag' expects a tag for use in syslog." },
		{ "server-state-file", GI(server_state_file), true, "'server-state-file' already specified. Continuing.", "'server-state-file' expect one argument: a file path." },
		{ "server-state-base", GI(server_state_base), true, "'server-state-base' already specified. Continuing.", "'server-state-base' expects one argument: a directory path." },
		{ "ca-base", GI(ca_base), true, NULL, "global statement 'ca-base' expects a directory path as an argument." },
		{ "crt-base", GI(crt_base), true, NULL, "global statement 'crt-base' expects a directory path as an argument." },
		{ "issuers-chain-path", GI(issuers_chain_path), true, NULL, "global statement 'issuers-chain-path' expects a directory path as an argument." },
		{ "ssl-default-bind-ciphers", GI(ssl_bind_ciphers), false, NULL, "global statement 'ssl-default-bind-ciphers' expects a cipher suite as an argument." },
		{ "ssl-default-bind-ciphersuites", GI(ssl_bind_ciphersuites), false, NULL, "global statement 'ssl-default-bind-ciphersuites' expects a cipher suite as an argument." },
		{ "ssl-default-bind-curves", GI(ssl_bind_curves), false, NULL, "global statement 'ssl-default-bind-curves' expects a curves suite as an arguments." },
		{ "ssl-default-server-ciphers", GI(ssl_server_ciphers), false, NULL, "global statement 'ssl-default-server-ciphers' expects a cipher suite as an argument." },
		{ "ssl-default-server-ciphersuites", GI(ssl_server_ciphersuites), false, NULL, "global statement 'ssl-default-server-ciphersuites' expects a cipher suite as an argument." },
		{ "h1-case-adjust-file", GI(h1_case_file), false, NULL, "'h1-case-adjust-file' expects <file> as argument." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (strcmp(t[i].name, kw->h.name) != 0)
			continue;
		char **dst = (char **)((char *)G + t[i].off);
		if (argi >= n) {
			cx_error(cx, &w[0], "%s", t[i].missing);
			return -1;
		}
		if (arg_no_more(cx, w, n, argi + 1, kw->h.name) < 0)
			return -1;
		if (t[i].dup && *dst) {
			if (t[i].dupmsg) {
				cx_warn(cx, &w[0], "%s", t[i].dupmsg);
				return 0;
			}
			cx_error(cx, &w[0], "'%s' already specified.", kw->h.name);
			return -1;
		}
		if (strcmp(kw->h.name, "h1-case-adjust-file") == 0 &&
		    cx->cfg->opts.check_files) {
			struct stat st;
			if (stat(w[argi].s, &st) < 0) {
				cx_error(cx, &w[argi], "h1-headers-case-adjust-file '%s': failed to open file.",
				         w[argi].s);
				return -1;
			}
		}
		/* ca-base/crt-base strip a trailing '/' (joined with one later) */
		arg_set_str(dst, w[argi].s);
		size_t l = strlen(*dst);
		if (t[i].off == GI(ca_base) || t[i].off == GI(crt_base))
			while (l > 1 && (*dst)[l - 1] == '/')
				(*dst)[--l] = '\0';
		return 0;
	}
	return -1;
}

/* node [<name>]: letters, digits, '.', '-', '_' */
static int
kw_node(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	bool ok = *v != '\0';
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
			ok = false;
	if (!ok) {
		cx_error(cx, &w[argi < n ? argi : 0], "'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_).");
		return -1;
	}
	arg_set_str(&G->node, v);
	return 0;
}

/* description <text...>: words joined with spaces, as HAProxy. */
static int
kw_description(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct sbuf b = { 0 };
	if (argi >= n) {
		cx_error(cx, &w[0], "'description' expects a string argument.");
		return -1;
	}
	for (int i = argi; i < n; i++) {
		if (i > argi)
			sbuf_addc(&b, ' ');
		sbuf_adds(&b, w[i].s);
	}
	free(G->description);
	G->description = sbuf_take(&b);
	return 0;
}

/* log-send-hostname [<name>] */
static int
kw_log_send_hostname(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	arg_set_str(&G->log_send_hostname, argi < n ? w[argi].s : "");
	G->log_send_hostname_set = true;
	return 0;
}

/* ---- users, groups ---------------------------------------------------------- */

static int
kw_uidgid(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *k = kw->h.name;
	bool user = k[0] == 'u';
	const char *v = argi < n ? w[argi].s : "";

	if (user ? G->uid_set : G->gid_set) {
		cx_warn(cx, &w[0], "%s already specified. Continuing.", user ? "user/uid" : "group/gid");
		return 0;
	}
	if (strcmp(k, "uid") == 0 || strcmp(k, "gid") == 0) {
		long long x;
		if (argi >= n) {
			cx_error(cx, &w[0], "'%s' expects an integer argument.", k);
			return -1;
		}
		if (!ou_int(v, &x) || x < 0) {
			cx_warn(cx, &w[argi], " %s: string '%s' is not a number. You might want to use the '%s' parameter to use a system %s name.",
			        k, v, user ? "user" : "group", user ? "user" : "group");
			x = atoll(v);
		}
		if (user)
			G->uid = (uid_t)x;
		else
			G->gid = (gid_t)x;
	} else if (user) {
		if (!ou_user(v, &G->uid)) {
			cx_error(cx, &w[argi < n ? argi : 0], "cannot find user id for '%s' (0:Success)", v);
			return -1;
		}
	} else if (!ou_group(v, &G->gid)) {
		cx_error(cx, &w[argi < n ? argi : 0], "cannot find group id for '%s' (0:Success)", v);
		return -1;
	}
	if (user)
		G->uid_set = true;
	else
		G->gid_set = true;
	return arg_no_more(cx, w, n, argi + 1, kw->h.name);
}

/* ---- times ------------------------------------------------------------------ */

/* HAProxy words the errors of its global time keywords in four ways. */
enum g_time_msgs {
	GTM_STD,      /* grace, hard-stop-after, close-spread-time */
	GTM_SPREAD,   /* max-spread-checks */
	GTM_IDLE,     /* tune.idletimer: at most 65535 ms */
	GTM_LIFETIME, /* tune.ssl.lifetime: seconds */
};

static const struct {
	const char *name;
	size_t off;
	enum g_time_msgs msgs;
	bool no_extra; /* HAProxy refuses more words (not all keywords do) */
} time_kws[] = {
	{ "grace", GI(grace), GTM_STD, false },
	{ "hard-stop-after", GI(hard_stop_after), GTM_STD, false },
	{ "close-spread-time", GI(close_spread_time), GTM_STD, false },
	{ "max-spread-checks", GI(max_spread_checks), GTM_SPREAD, true },
	{ "tune.idletimer", GI(tune_idletimer), GTM_IDLE, true },
	{ "tune.ssl.lifetime", GI(tune_ssl_lifetime), GTM_LIFETIME, true },
};

/* tune.ssl.lifetime counts seconds and may go beyond the millisecond
 * range of arg_time_parse(): HAProxy's limit is 2147483647 s. v parsed
 * but overflowed there; false when it overflows in seconds too. */
static bool
lifetime_secs(const char *v, uint32_t *secs)
{
	static const struct { const char *u; unsigned long long mul, div; } units[] = {
		{ "us", 1, 1000000 }, { "ms", 1, 1000 }, { "s", 1, 1 }, { "m", 60, 1 },
		{ "h", 3600, 1 }, { "d", 86400, 1 }, { "", 1, 1 },
	};
	unsigned long long x = 0;
	const char *p = v;

	for (; *p >= '0' && *p <= '9'; p++) {
		x = x * 10 + (unsigned long long)(*p - '0');
		if (x > 1ull << 40)
			return false;
	}
	size_t i = 0;
	while (i < ARRAY_SIZE(units) - 1 && strncmp(p, units[i].u, strlen(units[i].u)) != 0)
		i++;
	unsigned long long r = (x * units[i].mul + units[i].div - 1) / units[i].div;
	if (r > 2147483647ull)
		return false;
	*secs = (uint32_t)r;
	return true;
}

static int
kw_time(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *k = kw->h.name;
	size_t i = 0;
	const char *end;
	uint32_t ms = 0, secs = 0;
	bool in_secs = false; /* secs holds a lifetime too long in ms */

	while (i < ARRAY_SIZE(time_kws) - 1 && strcmp(time_kws[i].name, k) != 0)
		i++;
	enum g_time_msgs m = time_kws[i].msgs;
	if (argi >= n) {
		if (m == GTM_LIFETIME)
			cx_error(cx, &w[0], "'%s' expects ssl sessions <lifetime> in seconds as argument.", k);
		else if (m == GTM_SPREAD)
			cx_error(cx, &w[0], "'%s' expects an integer argument (0..50).", k);
		else if (m == GTM_IDLE)
			cx_error(cx, &w[0], "'%s' expects a timer value between 0 and 65535 ms.", k);
		else
			cx_error(cx, &w[0], "'%s' expects <time> as argument.", k);
		return -1;
	}
	const char *v = w[argi].s;
	enum arg_time_rc rc = arg_time_parse(v, m == GTM_LIFETIME ? TIME_UNIT_S : TIME_UNIT_MS,
	                                     &ms, &end);
	switch (rc) {
	case ARG_TIME_OK:
		break;
	case ARG_TIME_TRAILING:
		arg_time_warn_trailing(cx, &w[argi], end);
		break;
	case ARG_TIME_OVERFLOW:
		if (m == GTM_LIFETIME && lifetime_secs(v, &secs)) {
			in_secs = true;
			break;
		}
		if (m == GTM_LIFETIME)
			cx_error(cx, &w[argi], "timer overflow in argument '%s' to <%s> (maximum value is 2147483647 s or ~68 years).", v, k);
		else if (m == GTM_STD)
			cx_error(cx, &w[argi], "timer overflow in argument '%s' to '%s' (maximum value is 2147483647 ms or ~24.8 days)", v, k);
		else
			cx_error(cx, &w[argi], "timer overflow in argument <%s> to <%s>, maximum value is %s.", v, k,
			         m == GTM_IDLE ? "65535 ms" : "2147483647 ms (~24.8 days)");
		return -1;
	default:
		if (m == GTM_SPREAD)
			cx_error(cx, &w[argi], "unsupported character '%c' in '%s' (wants an integer delay).", *end, k);
		else
			cx_error(cx, &w[argi], "unexpected character '%c' in argument to <%s>.", *end, k);
		return -1;
	}
	if (time_kws[i].no_extra && arg_no_more(cx, w, n, argi + 1, k) < 0)
		return -1;
	if (m == GTM_IDLE && ms > 65535) {
		cx_error(cx, &w[argi], "'tune.idletimer' expects a timer value between 0 and 65535 ms.");
		return -1;
	}
	uint32_t *dst = (uint32_t *)((char *)G + time_kws[i].off);
	if (m == GTM_LIFETIME)
		*dst = in_secs ? secs : (ms + 999) / 1000; /* HAProxy rounds up */
	else
		*dst = ms;
	if (time_kws[i].off == GI(hard_stop_after))
		G->hard_stop_after_set = true;
	return 0;
}

static int
kw_spread_checks(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	long long v;
	if (argi >= n) {
		cx_error(cx, &w[0], "'spread-checks' expects an integer argument (0..50).");
		return -1;
	}
	bool strict;
	v = ou_atol(w[argi].s, &strict);
	if (v < 0 || v > 50) {
		cx_error(cx, &w[argi], "'spread-checks' needs a positive value in range 0..50.");
		return -1;
	}
	G->spread_checks = (int)v;
	return arg_no_more(cx, w, n, argi + 1, kw->h.name);
}

/* tune.vars.<scope>-max-size <size> */
static int
kw_vars_size(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	static const char *const scopes[] = { "global", "proc", "sess", "txn", "reqres", "check" };
	long long v;
	const char *v0 = argi < n ? w[argi].s : "";
	/* HAProxy 2.6 takes a plain number here ("1k" is refused) */
	if (!ou_int(v0, &v) || v < 0 || v > 0x7fffffff) {
		cx_error(cx, &w[argi < n ? argi : 0], "%s: '%s' is an invalid size", kw->h.name, v0);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++)
		if (strncmp(kw->h.name + 10, scopes[i], strlen(scopes[i])) == 0 &&
		    kw->h.name[10 + strlen(scopes[i])] == '-')
			G->tune_vars_max[i] = (uint64_t)v;
	return 0; /* HAProxy ignores words after the value */
}

/* ---- environment -------------------------------------------------------------- */

/* setenv/presetenv/unsetenv/resetenv change the process environment at
 * once: later lines (and addresses) expand variables. */
static int
kw_env(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *k = kw->h.name;

	if (strcmp(k, "setenv") == 0 || strcmp(k, "presetenv") == 0) {
		if (argi + 1 >= n) {
			cx_error(cx, &w[0], "'%s' expects a name and a value.", k);
			return -1;
		}
		/* HAProxy ignores words after the value */
		if (setenv(w[argi].s, w[argi + 1].s, k[0] == 's') != 0) {
			cx_error(cx, &w[argi], "'%s': failed to set environment variable '%s'.", k, w[argi].s);
			return -1;
		}
		return 0;
	}
	if (strcmp(k, "unsetenv") == 0) {
		if (argi >= n) {
			cx_error(cx, &w[0], "'unsetenv' expects at least one variable name.");
			return -1;
		}
		for (int i = argi; i < n; i++)
			unsetenv(w[i].s);
		return 0;
	}
	/* resetenv [<name>...]: keep only the listed variables */
	for (;;) {
		bool removed = false;
		for (char **e = environ; e && *e; e++) {
			const char *eq = strchr(*e, '=');
			size_t l = eq ? (size_t)(eq - *e) : strlen(*e);
			bool keep = false;
			for (int i = argi; i < n; i++)
				if (strlen(w[i].s) == l && strncmp(w[i].s, *e, l) == 0)
					keep = true;
			if (!keep) {
				char *name = xstrndup(*e, l);
				unsetenv(name);
				free(name);
				removed = true;
				break; /* environ changed: restart */
			}
		}
		if (!removed)
			break;
	}
	return 0;
}

/* ---- TLS defaults ------------------------------------------------------------- */

static int
kw_ssl_default_options(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	bool bind = strstr(kw->h.name, "-bind-") != NULL;
	struct sslo_opts *o = bind ? &G->ssl_bind_opts : &G->ssl_server_opts;

	if (argi >= n) {
		cx_error(cx, &w[0], "global statement '%s' expects an option as an argument.", kw->h.name);
		return -1;
	}
	for (int i = argi; i < n; i++) {
		switch (sslo_opts_word(o, w[i].s, i + 1 < n ? w[i + 1].s : NULL, bind)) {
		case SSLO_WORD_UNKNOWN:
			cx_error(cx, &w[i], "unknown option '%s' on global statement '%s'.", w[i].s, kw->h.name);
			return -1;
		case SSLO_WORD_NO_VERSION:
			cx_error(cx, &w[i], "'%s' : missing the ssl/tls version on global statement '%s'.",
			         w[i].s, kw->h.name);
			return -1;
		case SSLO_WORD_BAD_VERSION:
			cx_error(cx, &w[i + 1], "'%s' : unknown ssl/tls version on global statement '%s'.",
			         w[i + 1].s, kw->h.name);
			return -1;
		case SSLO_WORD_OK_ARG:
			i++;
			break;
		case SSLO_WORD_OK:
			break;
		}
	}
	return 0;
}

static int
kw_ssl_server_verify(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	if (strcmp(v, "none") == 0)
		G->ssl_server_verify_none = true;
	else if (strcmp(v, "required") == 0)
		G->ssl_server_verify_none = false;
	else {
		cx_error(cx, &w[argi < n ? argi : 0], "'ssl-server-verify' expects 'none' or 'required' as argument.");
		return -1;
	}
	return arg_no_more(cx, w, n, argi + 1, kw->h.name);
}

static int
kw_ssl_dh_param_file(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	struct stat st;
	if (argi >= n) {
		cx_error(cx, &w[0], "'ssl-dh-param-file' expects a file path as an argument.");
		return -1;
	}
	if (cx->cfg->opts.check_files && stat(w[argi].s, &st) < 0) {
		cx_error(cx, &w[argi], "'ssl-dh-param-file': unable to load DH parameters from file <%s>.",
		         w[argi].s);
		return -1;
	}
	arg_set_str(&G->ssl_dh_param_file, w[argi].s);
	return arg_no_more(cx, w, n, argi + 1, kw->h.name);
}

/* ssl-load-extra-files: only HAProxy's default ("all") is what sluice does. */
static int
kw_ssl_load_extra_files(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	if (argi >= n) {
		cx_error(cx, &w[0], "'ssl-load-extra-files' : missing argument.");
		return -1;
	}
	for (int i = argi; i < n; i++)
		if (strcmp(w[i].s, "all") != 0) {
			cx_error(cx, &w[i], "'ssl-load-extra-files %s' is not supported by sluice: it always loads the extra files (.key, .ocsp, .issuer, .sctl) as HAProxy's default 'all'.",
			         w[i].s);
			return -1;
		}
	arg_set_str(&G->ssl_load_extra_files, "all");
	return 0;
}

/* default-path: only "current" (HAProxy's default) is implemented. */
static int
kw_default_path(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	if (argi >= n) {
		cx_error(cx, &w[0], "'default-path' expects one of 'current', 'config', 'parent', 'origin' <path>.");
		return -1;
	}
	if (strcmp(w[argi].s, "current") != 0) {
		cx_error(cx, &w[argi], "'default-path %s' is not supported by sluice: relative paths are relative to the current directory ('current').",
		         w[argi].s);
		return -1;
	}
	arg_set_str(&G->default_path, "current");
	return 0; /* HAProxy ignores words after "current" */
}

/* ---- misc --------------------------------------------------------------------- */

static int
kw_nbproc(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	cx_error(cx, &w[0], "nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.");
	return -1;
}

/* cpu-map [auto:]<thread set> <cpu set> */
static int
kw_cpu_map(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	if (argi + 1 >= n) {
		cx_error(cx, &w[0], "cpu-map expects a process number  ('all', 'odd', 'even', a number from 1 to 64 or a range),  followed by a list of CPU ranges with numbers from 0 to 63.");
		return -1;
	}
	struct cfg_cpu_map m = { xstrdup(w[argi].s), NULL, w[0].loc };
	struct sbuf b = { 0 };
	for (int i = argi + 1; i < n; i++) {
		if (i > argi + 1)
			sbuf_addc(&b, ' ');
		sbuf_adds(&b, w[i].s);
	}
	m.cpus = sbuf_take(&b);
	VEC_PUSH(G->cpu_maps, m);
	return 0;
}

static int
kw_h1_case_adjust(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	if (argi + 1 >= n) {
		cx_error(cx, &w[0], "'h1-case-adjust' expects <from> and <to> as argument.");
		return -1;
	}
	if (strcasecmp(w[argi].s, w[argi + 1].s) != 0) {
		cx_error(cx, &w[argi + 1], "'h1-case-adjust' : header '%s' and its case-adjusted value '%s' must differ only by case.",
		         w[argi].s, w[argi + 1].s);
		return -1;
	}
	struct cfg_h1_case c = { xstrdup(w[argi].s), xstrdup(w[argi + 1].s) };
	VEC_PUSH(G->h1_case, c);
	return arg_no_more(cx, w, n, argi + 2, kw->h.name);
}

/* unix-bind [prefix <p>] [mode <m>] [user <u>] [uid <n>] [group <g>] [gid <n>] */
static int
kw_unix_bind(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	for (int i = argi; i < n; i += 2) {
		const char *o = w[i].s;
		const char *v = i + 1 < n ? w[i + 1].s : "";
		long long x;
		if (strcmp(o, "prefix") == 0) {
			arg_set_str(&G->unix_bind_prefix, v);
		} else if (strcmp(o, "mode") == 0) {
			char *end;
			long m = strtol(v, &end, 8);
			if (*v == '\0' || *end) {
				cx_error(cx, &w[i], "'unix-bind' : invalid mode '%s' (octal expected).", v);
				return -1;
			}
			G->unix_bind_mode = (int)m;
		} else if (strcmp(o, "uid") == 0 || strcmp(o, "gid") == 0) {
			if (!ou_int(v, &x) || x < 0) {
				cx_error(cx, &w[i], "'unix-bind' : invalid %s '%s'.", o, v);
				return -1;
			}
			if (o[0] == 'u')
				G->unix_bind_uid = (uid_t)x, G->unix_bind_uid_set = true;
			else
				G->unix_bind_gid = (gid_t)x, G->unix_bind_gid_set = true;
		} else if (strcmp(o, "user") == 0) {
			if (!ou_user(v, &G->unix_bind_uid)) {
				cx_error(cx, &w[i], "'unix-bind' : unknown user '%s'.", v);
				return -1;
			}
			G->unix_bind_uid_set = true;
		} else if (strcmp(o, "group") == 0) {
			if (!ou_group(v, &G->unix_bind_gid)) {
				cx_error(cx, &w[i], "'unix-bind' : unknown group '%s'.", v);
				return -1;
			}
			G->unix_bind_gid_set = true;
		} else {
			cx_error(cx, &w[i], "'unix-bind' only supports the 'prefix', 'mode', 'uid', 'gid', 'user' and 'group' options.");
			return -1;
		}
	}
	return 0;
}

/* ---- stats ---------------------------------------------------------------------- */

static int
kw_stats_socket(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	if (argi >= n) {
		cx_error(cx, &w[0], "'stats socket' in global section expects an address or a path to a UNIX socket");
		return -1;
	}
	struct cfg_bind *b = bind_parse(cx, NULL, w, n, argi);
	if (b == NULL)
		return -1;
	VEC_PUSH(G->stats_sockets, b);
	return 0;
}

/* stats timeout <time>: HAProxy ignores words after the value. */
static int
kw_stats_timeout(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	uint32_t ms = 0;
	const char *end;
	const char *v = argi < n ? w[argi].s : "";
	const struct cfg_word *at = &w[argi < n ? argi : 0];

	switch (arg_time_parse(v, TIME_UNIT_MS, &ms, &end)) {
	case ARG_TIME_OK:
		break;
	case ARG_TIME_TRAILING:
		arg_time_warn_trailing(cx, at, end);
		break;
	case ARG_TIME_OVERFLOW:
		cx_error(cx, at, "timer overflow in argument '%s' to 'stats timeout' (maximum value is 2147483647 ms or ~24.8 days)", v);
		return -1;
	default: /* an empty word reads as a NUL character, as in HAProxy */
		cx_error(cx, at, "'stats timeout' : unexpected character '%c'", *end);
		return -1;
	}
	if (ms == 0) {
		cx_error(cx, at, "'stats timeout' expects a positive value");
		return -1;
	}
	G->stats_timeout = ms;
	return 0;
}

static int
kw_stats_maxconn(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	bool strict;
	long long v = ou_atol(argi < n ? w[argi].s : "", &strict);
	if (v <= 0 || v > 0x7fffffff) {
		cx_error(cx, &w[argi < n ? argi : 0], "'stats maxconn' expects a positive value");
		return -1;
	}
	G->stats_maxconn = (int)v;
	return 0; /* HAProxy ignores words after the value */
}

static int
kw_stats_bind_process(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	const char *v = argi < n ? w[argi].s : "";
	if (strcmp(v, "all") != 0 && strcmp(v, "odd") != 0 && strcmp(v, "1") != 0) {
		cx_error(cx, &w[argi < n ? argi : 0], "'stats bind-process' only supports 'all', 'odd' and '1' with a single process (got '%s')", v);
		return -1;
	}
	cx_warn(cx, &w[0], "'stats bind-process' has no effect: sluice runs one process, as HAProxy 2.6 does");
	return 0;
}

/* "stats <unknown>" */
static int
kw_stats_other(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n, int argi)
{
	cx_error(cx, &w[argi < n ? argi : 0], "'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '%s')",
	         argi < n ? w[argi].s : "");
	return -1;
}

/* ---- the table ------------------------------------------------------------------- */

#define S(name, usage, fn) { { name, KW_SUPPORTED, usage, NULL }, KW_GLOBAL, fn }
#define SN(name, usage, fn) { { name, KW_SUPPORTED, usage, NULL }, KW_GLOBAL | KW_NEG, fn }
#define IG(name, usage, note) { { name, KW_IGNORED, usage, note }, KW_GLOBAL, NULL }
#define UN(name, usage, note) { { name, KW_UNSUPPORTED, usage, note }, KW_GLOBAL, NULL }
/* ignored with a warning, but the arguments are still checked as HAProxy does */
#define IGP(name, usage, fn, note) { { name, KW_IGNORED, usage, note }, KW_GLOBAL, fn }
#define IGPN(name, usage, fn, note) { { name, KW_IGNORED, usage, note }, KW_GLOBAL | KW_NEG, fn }

#define N_POLLER "sluice uses libevent, which picks the best poller itself"
#define N_POOLS "HAProxy memory pool/scheduler internals; sluice has no equivalent"
#define N_COMP "sluice does not compress HTTP responses"
#define N_LUA "Lua scripting is not implemented"
#define N_H2 "HTTP/2 tuning of HAProxy's own H2 multiplexer"
#define N_CPU "threads are not pinned to CPUs: the system scheduler places them"
#define N_VARS "the size of variables is not limited"

const struct cfg_kw global_kws[] = {
	IGPN("busy-polling", "", kw_flag, "the event loop sleeps until an event arrives; it never busy-polls"),
	S("ca-base", "<dir>", kw_str),
	S("chroot", "<dir>", kw_str),
	IGP("close-spread-time", "<time>", kw_time, "on a soft stop, idle keep-alive connections are not closed gradually over a window"),
	IG("cluster-secret", "<secret>", "used by HAProxy's QUIC stack only"),
	IGP("cpu-map", "[auto:]<thread set> <cpu set>", kw_cpu_map, N_CPU),
	S("crt-base", "<dir>", kw_str),
	S("daemon", "", kw_flag),
	S("default-path", "current|config|parent|origin <path>", kw_default_path),
	S("description", "<text>", kw_description),
	S("expose-experimental-directives", "", kw_flag),
	UN("external-check", "[preserve-env]", "external check programs are not implemented"),
	S("fd-hard-limit", "<n>", kw_int),
	S("gid", "<gid>", kw_uidgid),
	S("grace", "<time>", kw_time),
	S("group", "<name>", kw_uidgid),
	S("h1-accept-payload-with-any-method", "", kw_flag),
	S("h1-case-adjust", "<from> <to>", kw_h1_case_adjust),
	S("h1-case-adjust-file", "<file>", kw_str),
	S("h2-workaround-bogus-websocket-clients", "", kw_flag),
	S("hard-stop-after", "<time>", kw_time),
	UN("httpclient.resolvers.id", "<id>", "HAProxy's internal HTTP client is not implemented"),
	UN("httpclient.resolvers.prefer", "ipv4|ipv6", "HAProxy's internal HTTP client is not implemented"),
	UN("httpclient.ssl.ca-file", "<file>", "HAProxy's internal HTTP client is not implemented"),
	UN("httpclient.ssl.verify", "none|required", "HAProxy's internal HTTP client is not implemented"),
	SN("insecure-fork-wanted", "", kw_flag),
	S("insecure-setuid-wanted", "", kw_flag),
	IGP("issuers-chain-path", "<dir>", kw_str, "issuer certificates are not looked up in a directory: put the whole chain in the certificate file"),
	IGP("localpeer", "<name>", kw_str, "peers (stick-table replication) are not implemented"),
	S("log-send-hostname", "[<name>]", kw_log_send_hostname),
	S("log-tag", "<tag>", kw_str),
	UN("lua-load", "<file>", N_LUA),
	UN("lua-load-per-thread", "<file>", N_LUA),
	UN("lua-prepend-path", "<path> [path|cpath]", N_LUA),
	S("master-worker", "[no-exit-on-failure]", kw_master_worker),
	S("max-spread-checks", "<time>", kw_time),
	IG("maxcompcpuusage", "<n>", N_COMP),
	IG("maxcomprate", "<n>", N_COMP),
	S("maxconn", "<n>", kw_int),
	S("maxconnrate", "<n>", kw_int),
	S("maxpipes", "<n>", kw_int),
	S("maxsessrate", "<n>", kw_int),
	S("maxsslconn", "<n>", kw_int),
	S("maxsslrate", "<n>", kw_int),
	IG("maxzlibmem", "<MB>", N_COMP),
	S("mworker-max-reloads", "<n>", kw_int),
	S("nbproc", "<n>", kw_nbproc),
	S("nbthread", "<n>", kw_nbthread),
	IG("no-memory-trimming", "", N_POOLS),
	S("node", "<name>", kw_node),
	IG("noepoll", "", N_POLLER),
	IG("noevports", "", N_POLLER),
	IG("nogetaddrinfo", "", "sluice always resolves names with getaddrinfo()"),
	IG("nokqueue", "", N_POLLER),
	IG("nopoll", "", N_POLLER),
	S("noreuseport", "", kw_flag),
	S("nosplice", "", kw_flag),
	IGPN("numa-cpu-mapping", "", kw_flag, N_CPU),
	S("pidfile", "<file>", kw_str),
	S("pp2-never-send-local", "", kw_flag),
	S("presetenv", "<name> <value>", kw_env),
	IG("profiling.tasks", "on|off|auto", "HAProxy task profiling; sluice has no task scheduler"),
	S("quiet", "", kw_flag),
	S("resetenv", "[<name>...]", kw_env),
	S("server-state-base", "<dir>", kw_str),
	S("server-state-file", "<file>", kw_str),
	SN("set-dumpable", "", kw_flag),
	UN("set-var", "<name> <expr>", "process-wide variables are not implemented"),
	UN("set-var-fmt", "<name> <fmt>", "process-wide variables are not implemented"),
	S("setenv", "<name> <value>", kw_env),
	S("spread-checks", "<0..50>", kw_spread_checks),
	S("ssl-default-bind-ciphers", "<ciphers>", kw_str),
	S("ssl-default-bind-ciphersuites", "<suites>", kw_str),
	S("ssl-default-bind-curves", "<curves>", kw_str),
	S("ssl-default-bind-options", "[<option>]...", kw_ssl_default_options),
	S("ssl-default-server-ciphers", "<ciphers>", kw_str),
	S("ssl-default-server-ciphersuites", "<suites>", kw_str),
	S("ssl-default-server-options", "[<option>]...", kw_ssl_default_options),
	S("ssl-dh-param-file", "<file>", kw_ssl_dh_param_file),
	UN("ssl-engine", "<name> [algos]", "OpenSSL engines are not supported"),
	UN("ssl-load-extra-del-ext", "", "certificate file naming variants are not implemented"),
	S("ssl-load-extra-files", "all", kw_ssl_load_extra_files),
	UN("ssl-mode-async", "", "asynchronous OpenSSL engines are not supported"),
	UN("ssl-propquery", "<query>", "OpenSSL 3 provider queries are not supported"),
	UN("ssl-provider", "<name>", "OpenSSL 3 providers are not supported"),
	UN("ssl-provider-path", "<path>", "OpenSSL 3 providers are not supported"),
	S("ssl-server-verify", "none|required", kw_ssl_server_verify),
	S("ssl-skip-self-issued-ca", "", kw_flag),
	S("stats bind-process", "all|odd|1", kw_stats_bind_process),
	S("stats maxconn", "<n>", kw_stats_maxconn),
	S("stats socket", "<path|addr> [bind options]", kw_stats_socket),
	S("stats timeout", "<time>", kw_stats_timeout),
	S("stats", "socket|timeout|maxconn|bind-process ...", kw_stats_other),
	SN("strict-limits", "", kw_flag),
	IG("thread-group", "<group> [<thread range>...]", "sluice has no thread groups; threads are set with nbthread"),
	S("thread-groups", "1", kw_thread_groups),
	IG("tune.buffers.limit", "<n>", N_POOLS),
	IG("tune.buffers.reserve", "<n>", N_POOLS),
	S("tune.bufsize", "<bytes>", kw_int),
	IGP("tune.chksize", "<bytes>", kw_int, "health checks read the response into a buffer of tune.bufsize"),
	IG("tune.comp.maxlevel", "<1..9>", N_COMP),
	UN("tune.fail-alloc", "<percent>", "HAProxy memory-failure testing knob"),
	IG("tune.fd.edge-triggered", "on|off", N_POLLER),
	IG("tune.h2.header-table-size", "<n>", N_H2),
	IG("tune.h2.initial-window-size", "<n>", N_H2),
	IG("tune.h2.max-concurrent-streams", "<n>", N_H2),
	IG("tune.h2.max-frame-size", "<n>", N_H2),
	IGP("tune.http.cookielen", "<n>", kw_int, "a captured cookie is limited by the 'len' of its 'capture cookie' line only"),
	S("tune.http.logurilen", "<n>", kw_int),
	S("tune.http.maxhdr", "<1..32767>", kw_int),
	IG("tune.idle-pool.shared", "on|off", N_POOLS),
	IGP("tune.idletimer", "<time>", kw_time, "tunes when HAProxy's splice/buffer forwarding considers a stream idle"),
	IG("tune.listener.multi-queue", "on|off", "HAProxy's accept queue dispatching between threads"),
	UN("tune.lua.forced-yield", "<n>", N_LUA),
	UN("tune.lua.maxmem", "<MB>", N_LUA),
	UN("tune.lua.service-timeout", "<time>", N_LUA),
	UN("tune.lua.session-timeout", "<time>", N_LUA),
	UN("tune.lua.task-timeout", "<time>", N_LUA),
	IGP("tune.maxaccept", "<n>", kw_int, "libevent decides how many connections a listener accepts per wake-up"),
	IG("tune.maxpollevents", "<n>", N_POLLER),
	S("tune.maxrewrite", "<bytes>", kw_int),
	IG("tune.pattern.cache-size", "<n>", "HAProxy's pattern matching LRU cache"),
	IG("tune.peers.max-updates-at-once", "<n>", "peers (stick-table replication) are not implemented"),
	IGP("tune.pipesize", "<bytes>", kw_int, "splice pipes keep the system's default size"),
	IG("tune.pool-high-fd-ratio", "<percent>", N_POOLS),
	IG("tune.pool-low-fd-ratio", "<percent>", N_POOLS),
	S("tune.rcvbuf.client", "<bytes>", kw_int),
	S("tune.rcvbuf.server", "<bytes>", kw_int),
	IG("tune.runqueue-depth", "<n>", N_POOLS),
	IG("tune.sched.low-latency", "on|off", N_POOLS),
	S("tune.sndbuf.client", "<bytes>", kw_int),
	S("tune.sndbuf.server", "<bytes>", kw_int),
	S("tune.ssl.cachesize", "<blocks>", kw_int),
	IGP("tune.ssl.capture-buffer-size", "<0..255>", kw_int, "it only feeds the ssl_fc_cipherlist_* and TLS key-log fetches, which sluice refuses"),
	IGP("tune.ssl.capture-cipherlist-size", "<0..255>", kw_int, "it only feeds the ssl_fc_cipherlist_* and TLS key-log fetches, which sluice refuses"),
	S("tune.ssl.default-dh-param", "<bits>", kw_int),
	IGP("tune.ssl.force-private-cache", "", kw_flag, "each worker has its own TLS session cache anyway"),
	S("tune.ssl.hard-maxrecord", "<bytes>", kw_int),
	IGP("tune.ssl.keylog", "on|off", kw_onoff, "it only feeds the ssl_fc_cipherlist_* and TLS key-log fetches, which sluice refuses"),
	S("tune.ssl.lifetime", "<time>", kw_time),
	S("tune.ssl.maxrecord", "<bytes>", kw_int),
	IGP("tune.ssl.ssl-ctx-cache-size", "<n>", kw_int, "sluice does not generate certificates on the fly, so it keeps no cache of them"),
	IGP("tune.vars.check-max-size", "<size>", kw_vars_size, N_VARS),
	IGP("tune.vars.global-max-size", "<size>", kw_vars_size, N_VARS),
	IGP("tune.vars.proc-max-size", "<size>", kw_vars_size, N_VARS),
	IGP("tune.vars.reqres-max-size", "<size>", kw_vars_size, N_VARS),
	IGP("tune.vars.sess-max-size", "<size>", kw_vars_size, N_VARS),
	IGP("tune.vars.txn-max-size", "<size>", kw_vars_size, N_VARS),
	S("uid", "<uid>", kw_uidgid),
	S("ulimit-n", "<n>", kw_int),
	S("unix-bind", "[prefix <p>] [mode <m>] [user <u>] [uid <n>] [group <g>] [gid <n>]", kw_unix_bind),
	S("unsetenv", "<name>...", kw_env),
	S("user", "<name>", kw_uidgid),
	S("zero-warning", "", kw_flag),
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};

/* ---- resolve --------------------------------------------------------------------- */

int
global_resolve(struct cfg *cfg, struct diag *d)
{
	struct cfg_global *g = cfg->global;

	if (g == NULL)
		return 0;
	/* HAProxy caps maxrewrite to half a buffer */
	if (g->tune_maxrewrite > g->tune_bufsize / 2)
		g->tune_maxrewrite = g->tune_bufsize / 2;
	if (g->log_send_hostname_set && g->logs) {
		for (size_t i = 0; i < g->logs->v.n; i++)
			if (!g->logs->v.v[i]->format_set)
				g->logs->v.v[i]->format = LOG_FMT_RFC3164;
	}
	return 0;
}
