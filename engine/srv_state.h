/* Runtime state of one server, beside the immutable config (DESIGN.md:
 * "runtime state lives beside it, not inside it"). The engine allocates
 * one array of these per backend, in declaration order, fills it with
 * lb_srv_init() and owns it; struct lb (engine/lb.h) only points into it.
 *
 * Fields are C11 atomics: health checks and the stats socket write op,
 * admin and uweight from any thread, then call lb_update() so the backend's
 * load-balancing structure follows; sessions on every worker thread read
 * them. cur_sess is changed only by lb_pick/lb_take/lb_release; queued
 * only by the engine's queues. Minimal on purpose: health checks will add
 * their own fields (rise/fall counters, last change, check status). */
#ifndef SLUICE_ENGINE_SRV_STATE_H
#define SLUICE_ENGINE_SRV_STATE_H

#include <stdatomic.h>

struct cfg_server;

/* Operational state, set by health checks (HAProxy's RUNNING/STOPPED;
 * STARTING and STOPPING will come with slowstart and drain-by-check). */
enum srv_op { SRV_OP_DOWN, SRV_OP_UP };

/* Administrative state, set by the configuration ("disabled") and the
 * stats socket ("set server ... state ready|drain|maint"). */
enum srv_admin { SRV_ADMIN_READY, SRV_ADMIN_DRAIN, SRV_ADMIN_MAINT };

struct srv_state {
	const struct cfg_server *cfg;
	int id;                   /* HAProxy's puid ("id" or first free from 1) */
	atomic_int op;            /* enum srv_op; UP at start, as HAProxy */
	atomic_int admin;         /* enum srv_admin; MAINT if "disabled" */
	atomic_int uweight;       /* 0..256: cfg weight, then "set weight" */
	atomic_uint cur_sess;     /* sessions holding a connection slot */
	atomic_uint queued;       /* sessions waiting in this server's queue */
};

#endif
