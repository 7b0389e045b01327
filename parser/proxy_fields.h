/* Fields of struct cfg_proxy owned by the proxy keyword modules
 * (kw_proxy.c, options.c, rules.c, actions.c, checks.c, kw_stats.c).
 * Included inside the struct; the types they use are declared in
 * proxy_kw.h (which also frees them: proxy_fields_free()). Defaults are
 * applied by replaying lines, so every field starts zeroed (calloc) and a
 * field's "unset" value is 0/NULL unless said otherwise.
 *
 * Locations: each setting that the resolve pass may warn about keeps the
 * place of the line that set it (for a proxy using a defaults section,
 * that is the defaults' line). */

	/* kw_proxy.c: balance / hash-type */
	struct px_balance *lb;        /* NULL: roundrobin (HAProxy default) */
	enum px_hash_type { PX_HASH_MAP_BASED, PX_HASH_CONSISTENT } hash_type;
	enum px_hash_fn { PX_HASH_SDBM, PX_HASH_DJB2, PX_HASH_WT6,
	                  PX_HASH_CRC32, PX_HASH_NONE } hash_fn;
	bool hash_avalanche;          /* set by "consistent" without function */
	int hash_balance_factor;      /* 0 or > 100 */

	/* kw_proxy.c: timeouts in ms; 0 = unset (HAProxy: infinite) */
	uint32_t timeout[11];         /* indexed by enum px_timeout_id */
	struct cfg_loc timeout_loc[11];

	/* kw_proxy.c: limits and connection behaviour */
	long long maxconn;            /* 0: global maxconn */
	long long backlog;            /* 0: = maxconn */
	long long fullconn;           /* 0: computed (10% of FE maxconns) */
	long long retries;            /* -1 until set: 3 */
	bool retries_set;
	unsigned retry_on;            /* PX_RETRY_* bits; 0 until set (= conn-failure) */
	bool retry_on_set;
	VEC(int) retry_on_status;     /* HTTP statuses listed in retry-on */
	long long rate_limit_sessions;/* 0: none */
	enum px_reuse { PX_REUSE_SAFE, PX_REUSE_NEVER, PX_REUSE_AGGRESSIVE,
	                PX_REUSE_ALWAYS } http_reuse;
	int redispatch_after;         /* option redispatch [<interval>]: -1 last retry */
	enum px_srv_state_load { PX_SSL_UNSET, PX_SSL_GLOBAL, PX_SSL_LOCAL,
	                         PX_SSL_NONE } load_server_state;
	char *server_state_file_name;

	/* options.c: flag options ("option x"), bits are 1ull << enum px_opt */
	uint64_t opts;                /* enabled */
	uint64_t no_opts;             /* explicitly disabled ("no option x") */
	struct cfg_loc opt_loc[64];   /* line that last set/cleared each */
	enum px_http_conn { PX_HTTP_KAL, PX_HTTP_SCL, PX_HTTP_CLO } http_conn;
	bool http_conn_set;           /* an explicit httpclose/server-close/keep-alive */
	enum px_log_kind { PX_LOG_NONE, PX_LOG_TCP, PX_LOG_HTTP, PX_LOG_HTTP_CLF,
	                   PX_LOG_HTTPS, PX_LOG_FORMAT } log_kind;
	struct cfg_loc log_kind_loc;
	struct px_hdr_opt *forwardfor; /* option forwardfor, NULL if off */
	struct px_hdr_opt *originalto; /* option originalto, NULL if off */
	enum px_restrict_hdr { PX_RHN_DELETE, PX_RHN_PRESERVE, PX_RHN_REJECT } restrict_req_hdr_names;

	/* kw_proxy.c: logging formats (lf_parse) */
	char *log_format_str;         /* log-format text as written */
	struct lf_expr *log_format;
	struct cfg_loc log_format_loc;
	char *log_format_sd_str;
	struct lf_expr *log_format_sd;
	char *error_log_format_str;
	struct lf_expr *error_log_format;
	char *log_tag;
	char *unique_id_format_str;
	struct lf_expr *unique_id_format;
	char *unique_id_header;

	/* kw_proxy.c: HTTP error messages, captures, cookie, misc */
	VEC(struct px_errmsg *) errmsgs;    /* errorfile/errorloc*, last wins per code */
	VEC(struct px_errfiles *) errorfiles;/* errorfiles <name> [codes] */
	VEC(struct px_rule *) http_errors;  /* http-error status ... (return-like) */
	VEC(struct px_capture *) req_caps;  /* capture request header / declare capture request */
	VEC(struct px_capture *) res_caps;
	char *capture_cookie;               /* capture cookie <name> len <n> */
	long long capture_cookie_len;
	struct px_cookie *cookie;           /* "cookie" line, NULL if none */
	char *dyncookie_key;
	char *description;
	char *monitor_uri;
	struct cfg_loc monitor_uri_loc;
	VEC(struct acl_cond *) monitor_fail;
	char *default_backend;              /* name (2.6 has no dynamic form) */
	struct cfg_loc default_backend_loc;
	struct cfg_proxy *default_be;       /* resolved by proxies_resolve */
	char *http_send_name_header;
	struct cfg_loc source_loc;          /* "source" (unsupported, kept for notes) */

	/* rules.c: rule lists, in order of the lines (defaults' lines first) */
	VEC(struct px_rule *) tcp_req_conn;
	VEC(struct px_rule *) tcp_req_sess;
	VEC(struct px_rule *) tcp_req_cont;
	VEC(struct px_rule *) tcp_res_cont;
	VEC(struct px_rule *) http_req;
	VEC(struct px_rule *) http_res;
	VEC(struct px_rule *) http_after;
	VEC(struct px_rule *) redirects;    /* "redirect" lines (PX_ACT_REDIRECT) */
	VEC(struct px_switch *) use_backends;
	VEC(struct px_switch *) use_servers;
	uint32_t tcp_req_inspect_delay;     /* ms, 0 = none */
	bool tcp_req_inspect_delay_set;
	struct cfg_loc tcp_req_inspect_delay_loc;
	uint32_t tcp_res_inspect_delay;
	bool tcp_res_inspect_delay_set;

	/* checks.c: health-check configuration */
	enum px_chk_kind { PX_CHK_NONE, PX_CHK_TCP, PX_CHK_HTTP, PX_CHK_SSL_HELLO,
	                   PX_CHK_TCPCHK, PX_CHK_REDIS, PX_CHK_SMTP } chk_kind;
	struct cfg_loc chk_loc;
	struct px_httpchk *httpchk;         /* option httpchk [meth] [uri] [ver] */
	char *smtpchk_helo;                 /* option smtpchk <HELO|EHLO> <domain>: the command */
	char *smtpchk_domain;
	VEC(struct px_check_rule *) http_checks;
	VEC(struct px_check_rule *) tcp_checks;
	bool http_check_disable_on_404;
	bool http_check_send_state;

	/* kw_stats.c: "stats" keywords (NULL until one is used) */
	struct px_stats *stats;

	/* logtarget.c: "log" lines (NULL until one is seen; "log global"
	 * sets logs->global). Freed by logt_list_free() from proxy_free(). */
	struct cfg_log_list *logs;
