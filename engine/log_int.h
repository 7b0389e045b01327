/* Internals shared by engine/log.c (targets, framing, sending) and
 * engine/log_fmt.c (rendering of session lines). Not an API: use log.h. */
#ifndef SLUICE_ENGINE_LOG_INT_H
#define SLUICE_ENGINE_LOG_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "engine/log.h"

struct cfg_log;
struct cfg_proxy;

/* One "log" line opened: where and how to send. */
struct log_target {
	const struct cfg_log *cfg;
	int fd;                        /* -1: could not be opened */
	bool own_fd;                   /* a socket we close */
	bool use_sendto;               /* datagram target: sendto(sa) */
	struct sockaddr_storage sa;
	socklen_t salen;
	int format;                    /* effective enum log_format */
	atomic_uint smp_idx;           /* "sample": lines seen, modulo size */
};

/* The targets of one proxy (or of global), in the order HAProxy numbers
 * its loggers ("log global" first, then the proxy's own lines). */
struct log_px {
	const struct cfg_proxy *px;    /* NULL: global */
	struct log_target **t;
	size_t nt;
	const char *tag;
	atomic_uint lc;                /* %lc: lines logged by this frontend */
};

struct log_sink {
	const struct cfg *cfg;
	struct log_target **targets;   /* every target opened, owned */
	size_t ntargets;
	struct log_px glob;
	struct log_px *pxs;            /* sorted by px pointer */
	size_t npx;
	char hostname[256];            /* %H */
	const char *send_host;         /* log-send-hostname value, or NULL */
	int pid;
	bool to_stderr;
	atomic_bool err_reported;      /* the send failure alert, once */
	atomic_ullong rt;              /* %rt */
};

/* ---- rendering (log_fmt.c, log_http.c) ---- */

/* The log-format variables. */
enum lv {
	LV_NONE, LV_B, LV_CC, LV_CS, LV_H, LV_HM, LV_HP, LV_HPO, LV_HQ, LV_HU,
	LV_HV, LV_ID, LV_ST, LV_T, LV_Ta, LV_Tc, LV_Td, LV_Th, LV_Ti, LV_Tl,
	LV_Tq, LV_TR, LV_Tr, LV_Ts, LV_Tt, LV_Tu, LV_Tw, LV_U, LV_ac, LV_b,
	LV_bc, LV_bi, LV_bp, LV_bq, LV_ci, LV_cp, LV_f, LV_fc, LV_fi, LV_fp,
	LV_ft, LV_hr, LV_hrl, LV_hs, LV_hsl, LV_lc, LV_ms, LV_pid, LV_r, LV_rc,
	LV_rt, LV_s, LV_sc, LV_si, LV_sp, LV_sq, LV_sslc, LV_sslv, LV_t, LV_tr,
	LV_trg, LV_trl, LV_ts, LV_tsc,
	/* the samples of "option httpslog", as pseudo-variables of the
	 * predefined format (log_http.c) */
	LV_X_FC_ERR, LV_X_SSL_FC_ERR_HEX, LV_X_SSL_C_ERR, LV_X_SSL_C_CA_ERR,
	LV_X_SSL_RESUMED, LV_X_SSL_SNI,
};

struct http_log_info;
struct lf_node;
struct srv_state;

/* What one line is rendered from. */
struct log_run {
	struct log_sink *ls;
	const struct session *s;
	const struct cfg_proxy *fe, *be;
	const struct srv_state *srv;
	long long now;
	unsigned long long rt;
	unsigned lc;
	bool in_id;                    /* rendering %ID: no recursion */
	const struct log_http *http;   /* a locally answered request, or NULL */
	const struct http_log_info *hi;/* an HTTP mode transaction, or NULL */
};

/* Appends text with the node options: "-" (or "" with +Q) when empty. */
void log_put_text(struct sbuf *o, unsigned opts, const char *s, size_t n);

/* HTTP mode (log_http.c): renders variable id for r->hi's transaction
 * when it differs from the TCP rendering; false: render it as for TCP. */
bool log_http_var(struct log_run *r, const struct lf_node *n, enum lv id,
                  struct sbuf *o);
/* The predefined formats of "option httplog", "option httplog clf" and
 * "option httpslog". */
extern const struct lf_expr log_httplog_lf, log_clf_lf, log_httpslog_lf;

/* The entry of px (NULL or not found: NULL). */
struct log_px *log_px_find(struct log_sink *ls, const struct cfg_proxy *px);

#endif
