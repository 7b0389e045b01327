/* HTTP counters of the statistics (engine/counters.h): what HAProxy 2.6
 * counts per transaction on the frontend, the backend and the server,
 * checked column by column against its "show stat" (a server's req_tot
 * and hrsp_* count the responses it sent; the frontend's and the
 * backend's hrsp_* count every response sent to the client, the ones
 * made by the proxy included). */
#include "engine/backend.h"
#include "engine/counters.h"
#include "engine/engine.h"

static int
status_class(int status)
{
	int c = status / 100;
	return c >= 1 && c <= 5 ? c - 1 : 5;
}

struct srv_counters *
ctr_srv(struct backend *be, const struct srv_state *srv)
{
	int i = be && srv ? backend_srv_index(be, srv) : -1;
	return i >= 0 ? &be->sc[i] : NULL;
}

void
ctr_http_srv_response(struct srv_counters *sc, int status)
{
	if (!sc)
		return;
	atomic_fetch_add(&sc->http_req, 1);
	atomic_fetch_add(&sc->http_rsp[status_class(status)], 1);
}

void
ctr_http_status(struct frontend *fe, struct backend *be, int status)
{
	int i = status_class(status);
	if (fe)
		atomic_fetch_add(&fe->http_rsp[i], 1);
	if (be)
		atomic_fetch_add(&be->http_rsp[i], 1);
}

void
ctr_http_event(struct frontend *fe, struct backend *be, struct srv_counters *sc,
               enum ctr_http_ev ev)
{
	switch (ev) {
	case CTR_HTTP_INTERCEPTED:
		if (fe)
			atomic_fetch_add(&fe->intercepted, 1);
		if (be)
			atomic_fetch_add(&be->intercepted, 1);
		return;
	case CTR_HTTP_DENIED_RESP:
		if (fe)
			atomic_fetch_add(&fe->denied_resp, 1);
		if (be)
			atomic_fetch_add(&be->denied_resp, 1);
		if (sc)
			atomic_fetch_add(&sc->denied_resp, 1);
		return;
	case CTR_HTTP_FAILED_REWRITE:
		if (fe)
			atomic_fetch_add(&fe->failed_rewrites, 1);
		if (be)
			atomic_fetch_add(&be->failed_rewrites, 1);
		if (sc)
			atomic_fetch_add(&sc->failed_rewrites, 1);
		return;
	case CTR_HTTP_INTERNAL_ERR:
		if (fe)
			atomic_fetch_add(&fe->internal_errors, 1);
		if (be)
			atomic_fetch_add(&be->internal_errors, 1);
		if (sc)
			atomic_fetch_add(&sc->internal_errors, 1);
		return;
	case CTR_HTTP_REUSE:
		if (be)
			atomic_fetch_add(&be->reuse, 1);
		if (sc) {
			/* a request on a kept connection is still a session
			 * of the server for HAProxy (stot, rate, lastsess) */
			long long now = now_ms();
			atomic_fetch_add(&sc->reuse, 1);
			atomic_fetch_add(&sc->cum_sess, 1);
			ctr_max(&sc->sps_max, ctr_freq_add(&sc->sess_rate, 1, (uint32_t)now));
			atomic_store(&sc->last_sess_ms, now);
		}
		return;
	}
}
