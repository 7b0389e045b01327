/* Server state changes: the one place where a server goes UP, DOWN,
 * MAINT, DRAIN, changes weight or ramps up after slowstart (DESIGN.md).
 * Health checks (health/), passive observation (sessions) and the stats
 * socket (later) all call these; they log transitions in HAProxy's
 * wording (reference §4.8), update the load-balancing structure
 * (lb_update) and act on live sessions (on-marked-down/up). Thread-safe:
 * callable from any thread (one process-wide lock serialises changes, as
 * they are rare and "track" links servers across backends).
 *
 * eng may be NULL (unit tests): then "track" is not followed, no timer
 * drives slowstart (call srv_slowstart_step) and lines go only to the
 * log hook. be must be the backend owning srv. */
#ifndef SLUICE_ENGINE_SERVER_H
#define SLUICE_ENGINE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct engine;
struct backend;
struct cfg_proxy;
struct session;
struct srv_state;

/* HAProxy's check status codes (show stat check_status, logs). */
enum chk_status {
	CHK_ST_UNKNOWN, /* no check yet */
	CHK_ST_INI,     /* initializing */
	CHK_ST_SOCKERR, /* socket error */
	CHK_ST_L4OK,    /* layer 4 check passed */
	CHK_ST_L4TOUT,  /* layer 4 timeout */
	CHK_ST_L4CON,   /* layer 4 connection problem (refused, reset...) */
	CHK_ST_L6OK,    /* layer 6 (TLS) check passed */
	CHK_ST_L6TOUT,  /* layer 6 timeout */
	CHK_ST_L6RSP,   /* layer 6 invalid response (handshake error) */
	CHK_ST_L7OK,    /* layer 7 check passed */
	CHK_ST_L7OKC,   /* layer 7 passed conditionally (disable-on-404) */
	CHK_ST_L7TOUT,  /* layer 7 timeout */
	CHK_ST_L7RSP,   /* layer 7 invalid response */
	CHK_ST_L7STS,   /* layer 7 wrong status */
	CHK_ST_HANA,    /* health analyze: observe's error-limit reached */
	CHK_ST_CHECKED, /* agent: no status change ("No status change") */
};

/* "L4OK", ... as show stat prints them. */
const char *chk_status_name(enum chk_status st);
/* HAProxy's reason text: "Layer4 connection problem", "Layer7 wrong
 * status", ... (used in the DOWN/UP log lines). */
const char *chk_status_reason(enum chk_status st);
/* Passed (L4OK, L6OK, L7OK, L7OKC)? */
bool chk_status_ok(enum chk_status st);

struct chk_result {
	enum chk_status status;
	int code;               /* L7: HTTP status; else 0 (-1: none) */
	long duration_ms;       /* -1 when unknown */
	char info[256];         /* "Connection refused", "HTTP status check
	                           returned code <500>"... (quoted in logs) */
};

/* Sets up the health part of every server state of be (srv_state.h):
 * checks start UP on the edge (health = rise, reference §0 #17), agent
 * UP, admin flags from the configuration, "track" links (needs eng).
 * Idempotent; every call below also does it on first use. */
void srv_states_setup(struct engine *eng, struct backend *be);

/* Releases what server.c attached to the engine (slowstart timers).
 * Call before the worker event bases are freed. eng may be NULL. */
void srv_engine_stop(struct engine *eng);

/* A health check finished for srv of be: applies rise/fall, logs and
 * updates traffic. Ignored while srv is in maintenance (checks are
 * paused there, as HAProxy does). */
void srv_check_report(struct engine *eng, struct backend *be,
                      struct srv_state *srv, const struct chk_result *r);

/* The agent answered (agent-check). reply is the agent's line, with or
 * without its CR/LF (only what precedes the first CR or LF is read); NULL
 * when the check failed (no connection, incomplete line...): then r says
 * why and only the agent's own status changes. Words, as
 * HAProxy: up, down, stopped, fail, ready, drain, maint, N%,
 * maxconn:N, separated by spaces, tabs or commas; "# text" ends the
 * words and describes the state. r: duration (status/info ignored when
 * reply != NULL). */
void srv_agent_report(struct engine *eng, struct backend *be,
                      struct srv_state *srv, const char *reply,
                      const struct chk_result *r);

/* Passive observation ("observe layer4|layer7"): a connection to srv
 * failed or succeeded. info: HAProxy's analyze status text for the
 * failure, NULL for "L4 unsuccessful connection". After error-limit
 * errors in a row, on-error acts (fastinter, fail-check, sudden-death,
 * mark-down). Does nothing without "observe". */
void srv_observe(struct engine *eng, struct backend *be,
                 struct srv_state *srv, bool failed, const char *info);

/* Administrative changes (stats socket "set server ... state", agent):
 * READY clears forced maintenance and drain, DRAIN sets forced drain
 * (and leaves forced maintenance), MAINT sets forced maintenance (and
 * leaves forced drain). why: HAProxy's cause in parentheses, or NULL. */
void srv_set_admin(struct engine *eng, struct backend *be,
                   struct srv_state *srv, int admin /* enum srv_admin */,
                   const char *why);
/* "set weight": absolute 0..256, or "N%" of the configured weight.
 * 0 / -1 with *err set to HAProxy's message. */
int srv_set_weight(struct engine *eng, struct backend *be,
                   struct srv_state *srv, int weight, const char **err);
int srv_set_weight_str(struct engine *eng, struct backend *be,
                       struct srv_state *srv, const char *text,
                       const char **err);

/* The effective weight now (slowstart ramp applied), as the lb uses it. */
int srv_eff_weight(const struct srv_state *srv);

/* Advances srv's slowstart ramp to now (monotonic ms): updates ramp_pm
 * and the lb; returns the delay before the next step, or 0 when the ramp
 * is over. The engine's timer calls it; tests call it directly. */
long srv_slowstart_step(struct backend *be, struct srv_state *srv, long long now);

/* Delay before srv's next health check, in ms, as HAProxy's
 * srv_getinter(): inter when fully UP, downinter (or inter) when fully
 * DOWN, fastinter (or inter) while transitioning and before the first
 * result. srv_next_agent_interval: agent-inter. */
long srv_next_check_interval(const struct srv_state *srv);
long srv_next_agent_interval(const struct srv_state *srv);
/* True while checks of srv are paused (maintenance). */
bool srv_checks_paused(const struct srv_state *srv);

/* "on-error fastinter" and the other on-error modes ask the scheduler
 * to run the next check of srv within ms (when sooner than planned).
 * health/ registers its function here; NULL: nobody. */
typedef void (*srv_resched_fn)(struct backend *be, struct srv_state *srv, long ms);
void srv_set_resched_hook(srv_resched_fn fn);

/* "UP", "UP 1/3", "DOWN 1/2", "NOLB", "MAINT", "DRAIN", "no check"...
 * as HAProxy's stats "status" column. */
const char *srv_status_text(const struct srv_state *srv, char *buf, size_t n);

/* Sessions holding a connection slot on srv (session.c): attach when
 * the server is chosen, detach when the slot is released. */
void srv_sess_attach(struct srv_state *srv, struct session *s);
void srv_sess_detach(struct srv_state *srv, struct session *s);

/* ---- the stats socket (stats/cmd_srv.c) ---- */

/* "set server ... health|agent up|stopping|down": the check's health
 * jumps to the edge and the server changes state with the reason
 * "changed from CLI" (op: enum srv_op; agent: the agent's health). */
void srv_force_op(struct engine *eng, struct backend *be, struct srv_state *srv, int op,
                  bool agent);
/* The same with the reason the log line gives (the stats page's
 * "changed from Web interface"). */
void srv_force_op_why(struct engine *eng, struct backend *be, struct srv_state *srv, int op,
                      bool agent, const char *reason);
/* Asks every session holding a slot on srv to close, on its own thread,
 * with termination cause why ('K': "shutdown sessions server"). */
void srv_kill_all(struct srv_state *srv, char why);
/* "set maxconn server": maxconn <= 0 means no limit; queued sessions
 * pick again when there is more room. */
void srv_set_maxconn(struct backend *be, struct srv_state *srv, int maxconn);
/* "set server ... addr" ends a failed-resolution maintenance. */
void srv_clear_rmaint(struct engine *eng, struct backend *be, struct srv_state *srv);

/* Runtime addresses (srv_state.h struct srv_rt), any thread. srv_rt_addr:
 * true and *out (and *port_set) when "set server ... addr" replaced the
 * configured address (cheap when it never did). srv_rt_get copies all of
 * it (out->agent_send allocated, the caller frees); srv_rt_set replaces
 * it (in->agent_send copied). */
struct srv_rt;
struct sockaddr_storage;
bool srv_rt_addr(const struct srv_state *srv, struct sockaddr_storage *out, bool *port_set);
void srv_rt_get(const struct srv_state *srv, struct srv_rt *out);
void srv_rt_set(struct srv_state *srv, const struct srv_rt *in);

/* "clear counters all" (stats socket): zeroes the check counters of
 * every server of be (chkfail, chkdown, hanafail) and the backend's
 * chkdown, under the state lock. */
void srv_clear_counters(struct backend *be);

/* Where the lines go. Default: the backend's log targets via the log
 * sink, and stderr in the foreground. Tests install a hook; msg is the
 * log text, err the stderr line without its "[WARNING]  (pid) : "
 * prefix, alert true for an [ALERT]. */
typedef void (*srv_log_fn)(void *arg, const struct cfg_proxy *px, int level,
                           const char *msg, const char *err, bool alert);
void srv_set_log_hook(srv_log_fn fn, void *arg);

#endif
