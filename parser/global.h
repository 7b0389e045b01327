/* The global section. One per cfg; owned by it; global_free() frees.
 * Zero means "not set, use the default" for every number unless noted;
 * the defaults HAProxy applies are given in comments. */
#ifndef SLUICE_PARSER_GLOBAL_H
#define SLUICE_PARSER_GLOBAL_H

#include <stdint.h>
#include <sys/types.h>

#include "cfg.h"
#include "kw.h"
#include "ssl_opts.h"

struct cfg_bind;     /* bind.h: stats sockets */
struct cfg_log_list; /* logtarget.h */

/* cpu-map <thread set> <cpu set>, kept as written for the engine. */
struct cfg_cpu_map {
	char *threads;
	char *cpus;
	struct cfg_loc loc;
};

/* h1-case-adjust <from> <to> */
struct cfg_h1_case {
	char *from, *to;
};

struct cfg_global {
	int nbthread;       /* 0 = number of CPUs the process may use */
	int maxconn;        /* 0 = derived from ulimit -n */
	bool daemon;
	bool master_worker;
	bool mworker_no_exit_on_failure;
	bool zero_warning;
	bool quiet;
	bool nosplice, noreuseport, nogetaddrinfo, noepoll, nopoll;

	/* process */
	uid_t uid; bool uid_set;
	gid_t gid; bool gid_set;
	char *chroot, *pidfile;
	char *localpeer;
	char *node, *description;
	int ulimit_n, fd_hard_limit;
	uint32_t hard_stop_after; bool hard_stop_after_set; /* ms */
	uint32_t grace;                                      /* ms */
	uint32_t close_spread_time;                          /* ms */
	int spread_checks;       /* percent, 0..50 */
	uint32_t max_spread_checks; /* ms, 0 = auto */
	int maxconnrate, maxsessrate, maxsslconn, maxsslrate, maxpipes;
	int maxcomprate, maxcompcpuusage, maxzlibmem;
	int mworker_max_reloads;
	bool busy_polling, set_dumpable, strict_limits, insecure_fork_wanted;
	bool insecure_setuid_wanted;
	bool numa_cpu_mapping;    /* on by default in HAProxy */
	bool pp2_never_send_local;
	bool h1_accept_payload_with_any_method;
	bool h2_workaround_bogus_websocket_clients;
	bool expose_experimental_directives;
	char *server_state_file, *server_state_base;
	char *default_path;
	VEC(struct cfg_cpu_map) cpu_maps;
	VEC(struct cfg_h1_case) h1_case;
	char *h1_case_file;
	/* unix-bind: defaults for UNIX listeners */
	char *unix_bind_prefix;
	int unix_bind_mode;       /* -1 unset */
	uid_t unix_bind_uid; bool unix_bind_uid_set;
	gid_t unix_bind_gid; bool unix_bind_gid_set;

	/* logs */
	struct cfg_log_list *logs; /* "log" lines of global (never NULL) */
	char *log_tag;             /* NULL = program name */
	char *log_send_hostname;   /* NULL = off; "" = use the hostname */
	bool log_send_hostname_set;

	/* stats socket / stats timeout / stats maxconn */
	VEC(struct cfg_bind *) stats_sockets;
	uint32_t stats_timeout;   /* ms, default 10000 */
	int stats_maxconn;        /* default 10 */

	/* TLS */
	struct sslo_opts ssl_bind_opts, ssl_server_opts;
	char *ssl_bind_ciphers, *ssl_bind_ciphersuites, *ssl_bind_curves;
	char *ssl_server_ciphers, *ssl_server_ciphersuites;
	bool ssl_server_verify_none; /* ssl-server-verify none */
	char *ssl_dh_param_file;
	char *ca_base, *crt_base, *issuers_chain_path;
	bool ssl_skip_self_issued_ca;
	char *ssl_load_extra_files;   /* kept as written */
	bool ssl_load_extra_del_ext;

	/* tune.* we use */
	int tune_bufsize;         /* 16384 */
	int tune_maxrewrite;      /* 1024, capped to bufsize/2 */
	int tune_http_maxhdr;     /* 101 */
	int tune_http_cookielen, tune_http_logurilen;
	int tune_maxaccept, tune_maxpollevents;
	int tune_pipesize;
	int tune_rcvbuf_client, tune_rcvbuf_server;
	int tune_sndbuf_client, tune_sndbuf_server;
	int tune_chksize;
	int tune_h2_header_table_size, tune_h2_initial_window_size;
	int tune_h2_max_concurrent_streams, tune_h2_max_frame_size;
	int tune_ssl_cachesize;   /* 20000; -1 unset */
	uint32_t tune_ssl_lifetime; /* seconds, 0 unset (OpenSSL's 7200) */
	int tune_ssl_maxrecord, tune_ssl_hard_maxrecord;
	int tune_ssl_default_dh_param;
	int tune_ssl_capture_buffer_size;
	int tune_ssl_ctx_cache_size;
	bool tune_ssl_force_private_cache;
	bool tune_ssl_keylog;
	uint32_t tune_idletimer;  /* ms */
	uint64_t tune_vars_max[6]; /* global, proc, sess, txn, reqres, check */
};

struct cfg_global *global_new(void);
void global_free(struct cfg_global *g);

extern const struct cfg_kw global_kws[];

#endif
