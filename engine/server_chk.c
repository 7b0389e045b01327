/* Health check and agent reports (server.h): HAProxy 2.6's
 * set_server_check_status and the agent reply parser, the passive
 * observation of traffic (observe layer4), check scheduling and the
 * status text. The state changes they cause are in server.c; what both
 * share is declared in server_int.h. */
#include "engine/server.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/backend.h"
#include "engine/log.h"
#include "engine/server_int.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

enum chk_res { RES_NEUTRAL, RES_FAILED, RES_PASSED, RES_CONDPASS };

/* The class of check status st. */
static enum chk_res
chk_result(int st)
{
	switch (st) {
	case CHK_ST_L4OK:
	case CHK_ST_L6OK:
	case CHK_ST_L7OK:
		return RES_PASSED;
	case CHK_ST_L7OKC:
		return RES_CONDPASS;
	case CHK_ST_UNKNOWN:
	case CHK_ST_INI:
	case CHK_ST_CHECKED:
		return RES_NEUTRAL;
	default:
		return RES_FAILED;
	}
}

/* ---- checks -------------------------------------------------------------------- */

/* HAProxy's set_server_check_status for c (srv->chk or srv->agt):
 * records the result, moves the health, logs with log-health-checks.
 * Returns the result class. */
static enum chk_res
set_check_status(struct engine *eng, struct backend *be, struct srv_state *srv,
                 struct srv_chk_state *c, int status, int code, long duration,
                 const char *desc)
{
	bool agent = c == &srv->agt;
	int prev = c->status;
	bool report = false;
	enum chk_res res = chk_result(status);

	str_copy(c->desc, sizeof(c->desc), desc ? desc : "");
	c->status = status;
	c->code = code < 0 ? 0 : code;
	c->duration_ms = status == CHK_ST_HANA ? -1 : duration;
	if (res == RES_NEUTRAL)
		return res;
	switch (res) {
	case RES_FAILED:
		if ((!agent || srv_is_l7data(status)) && c->health > 0) {
			c->failed++;
			report = true;
			if (--c->health < c->rise)
				c->health = 0;
		}
		break;
	case RES_PASSED:
	case RES_CONDPASS:
		/* a conditional pass cannot take the first step up */
		if (c->health < c->rise + c->fall - 1 &&
		    (res == RES_PASSED || c->health > 0)) {
			report = true;
			if (++c->health >= c->rise)
				c->health = c->rise + c->fall - 1;
		}
		if (!agent)
			atomic_store(&srv->consecutive_errors, 0);
		break;
	default:
		break;
	}
	if (!srv_log_hc(be) || (status == prev && !report))
		return res;
	struct sbuf b = { 0 };
	bool up = c->health >= c->rise;
	sbuf_addf(&b, "%s check for %sserver %s/%s %s%s", agent ? "Agent" : "Health",
	          srv_is_backup(srv) ? "backup " : "", be->px->name, srv_name(srv),
	          res == RES_CONDPASS ? "conditionally " : "",
	          res == RES_FAILED ? "failed" : "succeeded");
	srv_append_status(&b, be, srv, c, -1, false, false);
	sbuf_addf(&b, ", status: %d/%d %s", up ? c->health - c->rise + 1 : c->health,
	          up ? c->fall : c->rise,
	          up ? (atomic_load(&srv->uweight) ? "UP" : "DRAIN") : "DOWN");
	srv_finish(eng, be, &b, LVL_NOTICE);
	return res;
}

/* HAProxy's check_notify_failure / _success / _stopping. */
static void
notify(struct engine *eng, struct backend *be, struct srv_state *srv,
       struct srv_chk_state *c, enum chk_res res)
{
	bool agent = c == &srv->agt;
	const struct srv_state *tr = srv->tracked;

	if (res == RES_FAILED) {
		if (agent && c->status != CHK_ST_L7STS)
			return;
		if (c->health > 0)
			return;
		srv_set_stopped(eng, be, srv, srv_cite(be, srv, c));
		return;
	}
	if (res != RES_PASSED && res != RES_CONDPASS)
		return;
	if (srv->admf & SRV_ADMF_MAINT)
		return;
	if (tr && atomic_load(&tr->op) == SRV_OP_DOWN)
		return;
	if (srv->checked && srv->chk.health < srv->chk.rise)
		return;
	if (srv->agent && srv->agt.health < srv->agt.rise)
		return;
	if (res == RES_CONDPASS) {
		if (!agent)
			srv_set_stopping(eng, be, srv, srv_cite(be, srv, c));
		return;
	}
	if (agent && atomic_load(&srv->op) == SRV_OP_STOPPING)
		return;
	srv_set_running(eng, be, srv, srv_cite(be, srv, c));
}

void
srv_check_report(struct engine *eng, struct backend *be, struct srv_state *srv,
                 const struct chk_result *r)
{
	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	if (!(srv->admf & SRV_ADMF_MAINT)) {
		enum chk_res res = set_check_status(eng, be, srv, &srv->chk, r->status, r->code,
		                                    r->duration_ms, r->info);
		notify(eng, be, srv, &srv->chk, res);
	}
	pthread_mutex_unlock(&srv_g_lock);
}

static bool
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

void
srv_agent_report(struct engine *eng, struct backend *be, struct srv_state *srv,
                 const char *reply, const struct chk_result *r)
{
	long dur = r ? r->duration_ms : -1;

	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	if (reply == NULL) {
		/* could not talk to the agent: only its own status moves */
		if (r) {
			enum chk_res res = set_check_status(eng, be, srv, &srv->agt, r->status,
			                                    r->code, dur, r->info);
			notify(eng, be, srv, &srv->agt, res);
		}
		goto out;
	}
	/* the first line; the checker already refused an incomplete one */
	size_t len = strcspn(reply, "\r\n");
	char *line = xmalloc(len + 1);
	memcpy(line, reply, len);
	line[len] = '\0';

	const char *hs = NULL, *as = NULL, *ps = NULL, *cs = NULL, *err = NULL, *wrn = NULL;
	int status = CHK_ST_CHECKED;
	char *p = line;
	while (*p) {
		if (is_sep(*p)) {
			p++;
			continue;
		}
		if (*p == '#') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			break;
		}
		char *w = p;
		while (*p && !is_sep(*p))
			p++;
		if (*p)
			*p++ = '\0';
		if (strcasecmp(w, "up") == 0) {
			srv->chk.health = srv->chk.rise + srv->chk.fall - 1;
			status = CHK_ST_L7OK;
			hs = w;
		} else if (strcasecmp(w, "down") == 0 || strcasecmp(w, "stopped") == 0 ||
		           strcasecmp(w, "fail") == 0) {
			srv->chk.health = 0;
			status = CHK_ST_L7STS;
			hs = w;
		} else if (strcasecmp(w, "ready") == 0 || strcasecmp(w, "drain") == 0 ||
		           strcasecmp(w, "maint") == 0) {
			as = w;
		} else if (isdigit((unsigned char)*w) && strchr(w, '%')) {
			ps = w;
		} else if (strncasecmp(w, "maxconn:", 8) == 0) {
			cs = w + 8;
		} else if (err == NULL) {
			err = w;
		}
	}
	const char *desc = p;

	if (as) {
		if (strcasecmp(as, "drain") == 0)
			srv_change_admin(eng, be, srv, SRV_ADMF_FDRAIN, SRV_ADMF_FMAINT | SRV_ADMF_CMAINT, NULL);
		else if (strcasecmp(as, "maint") == 0)
			srv_change_admin(eng, be, srv, SRV_ADMF_FMAINT, SRV_ADMF_FDRAIN, NULL);
		else
			srv_change_admin(eng, be, srv, 0, SRV_ADMF_FMAINT | SRV_ADMF_CMAINT | SRV_ADMF_FDRAIN, NULL);
	}
	if (ps) {
		const char *m = srv_weight_change(be, srv, ps);
		if (wrn == NULL)
			wrn = m;
	}
	if (cs) {
		const char *m = srv_maxconn_change(srv, cs);
		if (wrn == NULL)
			wrn = m;
	}
	char *text;
	if (hs) {
		const char *msg = desc;
		if (!*msg || status == CHK_ST_L7OK) {
			if (err && *err)
				msg = err;
			else if (wrn && *wrn)
				msg = wrn;
		}
		text = xasprintf("via agent : %s%s%s%s", hs, *msg ? " (" : "", msg, *msg ? ")" : "");
	} else if (err && *err) {
		text = xasprintf("agent reports an error : %s", err);
	} else if (wrn && *wrn) {
		text = xasprintf("agent warns : %s", wrn);
	} else {
		text = xasprintf("%s", "");
	}
	enum chk_res res = set_check_status(eng, be, srv, &srv->agt, status, 0, dur, text);
	notify(eng, be, srv, &srv->agt, res);
	free(text);
	free(line);
out:
	pthread_mutex_unlock(&srv_g_lock);
}

/* ---- passive observation ---------------------------------------------------------- */

void
srv_observe(struct engine *eng, struct backend *be, struct srv_state *srv,
            bool failed, const char *info)
{
	const struct cfg_server *c = srv->cfg;
	if (c->observe == SRV_OBS_NONE)
		return;
	if (!failed) {
		/* layer7 ignores layer-4 successes (HAProxy's analyze table) */
		if (c->observe == SRV_OBS_LAYER4 && atomic_load(&srv->consecutive_errors))
			atomic_store(&srv->consecutive_errors, 0);
		return;
	}
	int limit = c->error_limit > 0 ? c->error_limit : 1;
	int n = atomic_fetch_add(&srv->consecutive_errors, 1) + 1;
	if (n < limit)
		return;

	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	n = atomic_load(&srv->consecutive_errors);
	if (n < limit)
		goto out; /* another thread acted already */
	char *desc = xasprintf("Detected %d consecutive errors, last one was: %s", n,
	                       info ? info : "L4 unsuccessful connection");
	struct srv_chk_state *ck = &srv->chk;
	enum chk_res res;
	switch (c->on_error) {
	case SRV_ONERR_FASTINTER:
		break;
	case SRV_ONERR_SUDDEN_DEATH:
		if (ck->health > ck->rise)
			ck->health = ck->rise + 1;
		/* fall through */
	case SRV_ONERR_FAIL_CHECK:
		res = set_check_status(eng, be, srv, ck, CHK_ST_HANA, 0, -1, desc);
		notify(eng, be, srv, ck, res);
		break;
	case SRV_ONERR_MARK_DOWN:
		ck->health = ck->rise;
		res = set_check_status(eng, be, srv, ck, CHK_ST_HANA, 0, -1, desc);
		notify(eng, be, srv, ck, res);
		break;
	}
	free(desc);
	atomic_store(&srv->consecutive_errors, 0);
	srv->failed_hana++;
	if (c->fastinter && srv_g_resched)
		srv_g_resched(be, srv, (long)c->fastinter);
out:
	pthread_mutex_unlock(&srv_g_lock);
}

/* ---- scheduling and display ---------------------------------------------------------- */

long
srv_next_check_interval(const struct srv_state *srv)
{
	const struct cfg_server *c = srv->cfg;
	int rise = c->rise > 0 ? c->rise : 1, fall = c->fall > 0 ? c->fall : 1;
	int health = srv->setup ? srv->chk.health : rise;
	long inter = c->inter ? (long)c->inter : 2000;
	if (health == rise + fall - 1)
		return inter;
	if (atomic_load(&srv->op) == SRV_OP_DOWN && health == 0)
		return c->downinter ? (long)c->downinter : inter;
	return c->fastinter ? (long)c->fastinter : inter;
}

long
srv_next_agent_interval(const struct srv_state *srv)
{
	const struct cfg_server *c = srv->cfg;
	if (c->agent_inter)
		return (long)c->agent_inter;
	return c->inter ? (long)c->inter : 2000;
}

bool
srv_checks_paused(const struct srv_state *srv)
{
	return atomic_load(&srv->admin) == SRV_ADMIN_MAINT;
}

const char *
srv_status_text(const struct srv_state *srv, char *buf, size_t n)
{
	int op = atomic_load(&srv->op);
	if (srv->admf & SRV_ADMF_RMAINT)
		snprintf(buf, n, "MAINT (resolution)");
	else if ((srv->admf & SRV_ADMF_IMAINT) && srv->tracked)
		snprintf(buf, n, "MAINT (via %s/%s)", srv->tracked->cfg->px->name,
		         srv_name(srv->tracked));
	else if (srv->admf & SRV_ADMF_MAINT)
		snprintf(buf, n, "MAINT");
	else {
		/* HAProxy's stats_fill_sv_stats(): the checks of the server
		 * tracked, if any; "disable health|agent" count as absent */
		const struct srv_state *ref = srv;
		while (ref->tracked && ref->tracked != srv)
			ref = ref->tracked;
		const struct srv_chk_state *rc = &ref->chk;
		bool chk = ref->checked && !atomic_load(&ref->chk_disabled);
		bool agt = ref->agent && !atomic_load(&ref->agt_disabled);
		int top = rc->rise + rc->fall - 1;
		if (op == SRV_OP_UP) {
			bool going_down = chk && rc->health < top;
			if (srv->admf & SRV_ADMF_DRAIN) {
				if (agt)
					snprintf(buf, n, "DRAIN (agent)");
				else if (going_down)
					snprintf(buf, n, "DRAIN %d/%d", rc->health - rc->rise + 1, rc->fall);
				else
					snprintf(buf, n, "DRAIN");
			} else if (going_down) {
				snprintf(buf, n, "UP %d/%d", rc->health - rc->rise + 1, rc->fall);
			} else {
				snprintf(buf, n, chk ? "UP" : "no check");
			}
		} else if (op == SRV_OP_STOPPING) {
			bool own = srv->checked && !atomic_load(&srv->chk_disabled);
			if ((!own && !srv->tracked) || rc->health == top)
				snprintf(buf, n, "NOLB");
			else
				snprintf(buf, n, "NOLB %d/%d", rc->health - rc->rise + 1, rc->fall);
		} else if (agt && ref->agt.health == 0) {
			snprintf(buf, n, "DOWN (agent)");
		} else if (chk && rc->health == 0) {
			snprintf(buf, n, "DOWN");
		} else if (agt || chk) {
			snprintf(buf, n, "DOWN %d/%d", rc->health, rc->rise);
		} else {
			snprintf(buf, n, "DOWN");
		}
	}
	return buf;
}

