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

/* HAProxy's listener id of s's listener (its number in the frontend,
 * from 1, or the bind's "id"); 0 when unknown. */
int log_luid(const struct session *s);

/* The entry of px (NULL or not found: NULL). */
struct log_px *log_px_find(struct log_sink *ls, const struct cfg_proxy *px);

#endif
