/* Runtime state of one server, beside the immutable config (DESIGN.md:
 * "runtime state lives beside it, not inside it"). The engine allocates
 * one array of these per backend, in declaration order, fills it with
 * lb_srv_init() and owns it; struct lb (engine/lb.h) only points into it.
 *
 * Fields are C11 atomics: health checks and the stats socket write op,
 * admin and uweight from any thread, then call lb_update() so the backend's
 * load-balancing structure follows; sessions on every worker thread read
 * them. cur_sess is changed only by lb_pick/lb_take/lb_release; queued
 * only by the engine's queues.
 *
 * The health part (below "state history") belongs to engine/server.c:
 * it is written only there, under its lock, and read by anyone (stats)
 * as a racy snapshot. Zero-initialised memory is a valid "not set up
 * yet" state: server.c sets it up on first use (srv_states_setup). */
#ifndef SLUICE_ENGINE_SRV_STATE_H
#define SLUICE_ENGINE_SRV_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

struct cfg_server;
struct session;
struct listener;

/* Operational state, set by engine/server.c: HAProxy's STOPPED, RUNNING
 * (and STARTING: UP during slowstart, see ramp_pm) and STOPPING (a check
 * passed "conditionally", disable-on-404: no new sessions but, unlike
 * DOWN, not counted as a failure). Only UP takes new sessions. */
enum srv_op { SRV_OP_DOWN, SRV_OP_UP, SRV_OP_STOPPING };

/* HAProxy's administrative flags (SRV_ADMF_*): forced by the CLI or the
 * agent, inherited from a tracked server, from the configuration
 * ("disabled"), or from a failed resolution. admin (below) summarises
 * them: MAINT if any *MAINT flag, else DRAIN if any *DRAIN flag. */
#define SRV_ADMF_FMAINT 0x01
#define SRV_ADMF_IMAINT 0x02
#define SRV_ADMF_CMAINT 0x04
#define SRV_ADMF_RMAINT 0x08
#define SRV_ADMF_FDRAIN 0x10
#define SRV_ADMF_IDRAIN 0x20
#define SRV_ADMF_MAINT  (SRV_ADMF_FMAINT | SRV_ADMF_IMAINT | SRV_ADMF_CMAINT | SRV_ADMF_RMAINT)
#define SRV_ADMF_DRAIN  (SRV_ADMF_FDRAIN | SRV_ADMF_IDRAIN)

/* The last result of one check (the health check or the agent). */
struct srv_chk_state {
	int status;               /* enum chk_status (engine/server.h) */
	int code;                 /* L7 status code, 0 when none */
	long duration_ms;         /* -1 when unknown */
	char desc[256];           /* HAProxy's check_desc / "info" */
	int health;               /* 0..rise+fall-1; >= rise: UP side */
	int rise, fall;
	unsigned failed;          /* chkfail: failed checks */
};

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

	/* Slowstart: 0 = full weight; 1..999 = per mille of uweight the lb
	 * gives it now (at least 1), ramped by engine/server.c. */
	atomic_int ramp_pm;
	/* maxconn set at run time by an agent ("maxconn:N"): 0 = the
	 * configured one, N > 0 = N, -1 = 0 (unlimited). */
	atomic_int maxconn_rt;
	/* the listener of this process the server's unix@/abns@ address
	 * names, or NULL: connections to it are handed over in-process
	 * (engine/session_handoff.c) */
	struct listener *inproc;

	/* ---- state history, engine/server.c (see above) ---- */
	bool setup;               /* fields below initialised */
	int admf;                 /* SRV_ADMF_* */
	struct srv_chk_state chk; /* health check ("check") */
	struct srv_chk_state agt; /* agent check (rise = fall = 1) */
	bool checked, agent;      /* "check" / "agent-check" configured */
	long long last_change_ms; /* monotonic; engine start at first */
	long long ss_start_ms;    /* slowstart began (monotonic), 0 none */
	void *ss_timer;           /* server.c's slowstart timer, or NULL */
	struct srv_state *tracked;/* "track": the state it mirrors */
	atomic_int consecutive_errors; /* observe: errors in a row */
	unsigned failed_hana;     /* observe: times error-limit was hit */
	unsigned down_trans;      /* UP -> DOWN transitions (chkdown) */
	long long down_ms;        /* time spent DOWN before last_change_ms (downtime) */

	/* Runtime overrides from the stats socket (engine/server.c
	 * srv_rt_get/srv_rt_*): rt_gen counts changes (0: none ever, the
	 * data path then reads only the config); rt under rt_lock. */
	atomic_uint rt_gen;
	atomic_flag rt_lock;
	struct srv_rt {
		bool addr_set;                /* "set server ... addr" */
		struct sockaddr_storage addr; /* with its port when port_set */
		bool port_set;
		int check_port;               /* 0: the configuration's */
		bool check_addr_set;
		struct sockaddr_storage check_addr;
		int agent_port;               /* 0: the configuration's */
		bool agent_addr_set;
		struct sockaddr_storage agent_addr;
		char *agent_send;             /* NULL: the configuration's */
	} rt;
	/* "disable health" / "disable agent": the check stops running */
	atomic_bool chk_disabled, agt_disabled;
	/* a health / agent check is running now (health/, for the "* "
	 * prefix of show stat's check_status) */
	atomic_bool chk_running, agt_running;

	/* The cookie value in effect (HAProxy's srv->cookie), NULL for none:
	 * the configured one, or the dynamic one, which the stats socket
	 * changes (engine/srv_cookie.h). Read with srv_cookie_get(). */
	_Atomic(const char *) cookie;

	/* Sessions holding a slot on this server, for on-marked-down /
	 * on-marked-up (engine/server.c srv_sess_attach); spin lock. */
	atomic_flag sess_lock;
	struct session *sess_head;
};

#endif
