/* HAProxy's statistics fields (reference §3.6): one row per frontend,
 * listener, server and backend, in the column order of "show stat".
 * stats/stat.c fills rows from the engine's runtime state; stats/
 * stat_render.c writes them as CSV, typed or JSON. The stats socket
 * (stats/cmd_stat.c), the stats page (stats/page.c) and the Prometheus
 * exporter (stats/promex.c) all read rows through this interface, so
 * every output shows the same numbers. */
#ifndef SLUICE_STATS_STAT_H
#define SLUICE_STATS_STAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct engine;

/* The 128 columns of 2.6's "show stat", in order: 103 fixed fields, the
 * "-" marker, then the ssl, h2 and h1 module fields. */
#define ST_FIELDS(X) \
	X(PXNAME, "pxname") \
	X(SVNAME, "svname") \
	X(QCUR, "qcur") \
	X(QMAX, "qmax") \
	X(SCUR, "scur") \
	X(SMAX, "smax") \
	X(SLIM, "slim") \
	X(STOT, "stot") \
	X(BIN, "bin") \
	X(BOUT, "bout") \
	X(DREQ, "dreq") \
	X(DRESP, "dresp") \
	X(EREQ, "ereq") \
	X(ECON, "econ") \
	X(ERESP, "eresp") \
	X(WRETR, "wretr") \
	X(WREDIS, "wredis") \
	X(STATUS, "status") \
	X(WEIGHT, "weight") \
	X(ACT, "act") \
	X(BCK, "bck") \
	X(CHKFAIL, "chkfail") \
	X(CHKDOWN, "chkdown") \
	X(LASTCHG, "lastchg") \
	X(DOWNTIME, "downtime") \
	X(QLIMIT, "qlimit") \
	X(PID, "pid") \
	X(IID, "iid") \
	X(SID, "sid") \
	X(THROTTLE, "throttle") \
	X(LBTOT, "lbtot") \
	X(TRACKED, "tracked") \
	X(TYPE, "type") \
	X(RATE, "rate") \
	X(RATE_LIM, "rate_lim") \
	X(RATE_MAX, "rate_max") \
	X(CHECK_STATUS, "check_status") \
	X(CHECK_CODE, "check_code") \
	X(CHECK_DURATION, "check_duration") \
	X(HRSP_1XX, "hrsp_1xx") \
	X(HRSP_2XX, "hrsp_2xx") \
	X(HRSP_3XX, "hrsp_3xx") \
	X(HRSP_4XX, "hrsp_4xx") \
	X(HRSP_5XX, "hrsp_5xx") \
	X(HRSP_OTHER, "hrsp_other") \
	X(HANAFAIL, "hanafail") \
	X(REQ_RATE, "req_rate") \
	X(REQ_RATE_MAX, "req_rate_max") \
	X(REQ_TOT, "req_tot") \
	X(CLI_ABRT, "cli_abrt") \
	X(SRV_ABRT, "srv_abrt") \
	X(COMP_IN, "comp_in") \
	X(COMP_OUT, "comp_out") \
	X(COMP_BYP, "comp_byp") \
	X(COMP_RSP, "comp_rsp") \
	X(LASTSESS, "lastsess") \
	X(LAST_CHK, "last_chk") \
	X(LAST_AGT, "last_agt") \
	X(QTIME, "qtime") \
	X(CTIME, "ctime") \
	X(RTIME, "rtime") \
	X(TTIME, "ttime") \
	X(AGENT_STATUS, "agent_status") \
	X(AGENT_CODE, "agent_code") \
	X(AGENT_DURATION, "agent_duration") \
	X(CHECK_DESC, "check_desc") \
	X(AGENT_DESC, "agent_desc") \
	X(CHECK_RISE, "check_rise") \
	X(CHECK_FALL, "check_fall") \
	X(CHECK_HEALTH, "check_health") \
	X(AGENT_RISE, "agent_rise") \
	X(AGENT_FALL, "agent_fall") \
	X(AGENT_HEALTH, "agent_health") \
	X(ADDR, "addr") \
	X(COOKIE, "cookie") \
	X(MODE, "mode") \
	X(ALGO, "algo") \
	X(CONN_RATE, "conn_rate") \
	X(CONN_RATE_MAX, "conn_rate_max") \
	X(CONN_TOT, "conn_tot") \
	X(INTERCEPTED, "intercepted") \
	X(DCON, "dcon") \
	X(DSES, "dses") \
	X(WREW, "wrew") \
	X(CONNECT, "connect") \
	X(REUSE, "reuse") \
	X(CACHE_LOOKUPS, "cache_lookups") \
	X(CACHE_HITS, "cache_hits") \
	X(SRV_ICUR, "srv_icur") \
	X(SRC_ILIM, "src_ilim") \
	X(QTIME_MAX, "qtime_max") \
	X(CTIME_MAX, "ctime_max") \
	X(RTIME_MAX, "rtime_max") \
	X(TTIME_MAX, "ttime_max") \
	X(EINT, "eint") \
	X(IDLE_CONN_CUR, "idle_conn_cur") \
	X(SAFE_CONN_CUR, "safe_conn_cur") \
	X(USED_CONN_CUR, "used_conn_cur") \
	X(NEED_CONN_EST, "need_conn_est") \
	X(UWEIGHT, "uweight") \
	X(AGG_SERVER_STATUS, "agg_server_status") \
	X(AGG_SERVER_CHECK_STATUS, "agg_server_check_status") \
	X(AGG_CHECK_STATUS, "agg_check_status") \
	X(MARKER, "-") \
	X(SSL_SESS, "ssl_sess") \
	X(SSL_REUSED_SESS, "ssl_reused_sess") \
	X(SSL_FAILED_HANDSHAKE, "ssl_failed_handshake") \
	X(H2_HEADERS_RCVD, "h2_headers_rcvd") \
	X(H2_DATA_RCVD, "h2_data_rcvd") \
	X(H2_SETTINGS_RCVD, "h2_settings_rcvd") \
	X(H2_RST_STREAM_RCVD, "h2_rst_stream_rcvd") \
	X(H2_GOAWAY_RCVD, "h2_goaway_rcvd") \
	X(H2_DETECTED_CONN_PROTOCOL_ERRORS, "h2_detected_conn_protocol_errors") \
	X(H2_DETECTED_STRM_PROTOCOL_ERRORS, "h2_detected_strm_protocol_errors") \
	X(H2_RST_STREAM_RESP, "h2_rst_stream_resp") \
	X(H2_GOAWAY_RESP, "h2_goaway_resp") \
	X(H2_OPEN_CONNECTIONS, "h2_open_connections") \
	X(H2_BACKEND_OPEN_STREAMS, "h2_backend_open_streams") \
	X(H2_TOTAL_CONNECTIONS, "h2_total_connections") \
	X(H2_BACKEND_TOTAL_STREAMS, "h2_backend_total_streams") \
	X(H1_OPEN_CONNECTIONS, "h1_open_connections") \
	X(H1_OPEN_STREAMS, "h1_open_streams") \
	X(H1_TOTAL_CONNECTIONS, "h1_total_connections") \
	X(H1_TOTAL_STREAMS, "h1_total_streams") \
	X(H1_BYTES_IN, "h1_bytes_in") \
	X(H1_BYTES_OUT, "h1_bytes_out") \
	X(H1_SPLICED_BYTES_IN, "h1_spliced_bytes_in") \
	X(H1_SPLICED_BYTES_OUT, "h1_spliced_bytes_out") \

enum st_field {
#define ST_ENUM(id, name) ST_F_##id,
	ST_FIELDS(ST_ENUM)
#undef ST_ENUM
	ST_F_COUNT
};

/* Object types; their "type" column values and typed-output letters. */
enum st_obj { ST_OBJ_FE = 0, ST_OBJ_BE = 1, ST_OBJ_SRV = 2, ST_OBJ_LI = 3 };

/* A field's value. ST_V_EMPTY is an empty CSV cell (and absent from
 * typed/JSON output). Strings point into the row's own storage or to
 * static text. */
enum st_vtype { ST_V_EMPTY, ST_V_STR, ST_V_U32, ST_V_S32, ST_V_U64, ST_V_S64 };
struct st_val {
	enum st_vtype t;
	union {
		uint64_t u;
		int64_t s;
		const char *str;
	};
};

struct st_row {
	enum st_obj obj;
	int iid, sid;
	struct st_val f[ST_F_COUNT];
	char strbuf[1024];         /* storage for the row's strings */
	size_t strlen;
};

/* What a dump shows (show stat arguments, stats page modifiers). */
struct st_filter {
	int iid;                   /* proxy id, -1 = all */
	int types;                 /* bitmask 1 FE, 2 BE, 4 SRV; -1 = all */
	int sid;                   /* server id, -1 = all */
	bool up;                   /* only servers UP or "no check" */
	bool no_maint;             /* no servers in maintenance */
	bool hide_priv;            /* blank addr, cookie, algo (level user,
	                              stats page without show-legends) */
};

/* Walks every object in HAProxy's order (proxies by position, the
 * stats socket's GLOBAL proxy excluded; for each: FRONTEND row,
 * listener rows (option socket-stats), server rows, BACKEND row) and
 * fills *row with the next one the filter keeps. Returns false at the
 * end. Zero *cur before the first call. */
struct st_cursor { size_t px, sub; int phase; };
bool st_next(struct engine *eng, struct st_cursor *cur,
             const struct st_filter *flt, struct st_row *row);

/* Field metadata: name ("pxname"), HAProxy's tags ("KNS") and type
 * name ("str", "u32"...), description (for "desc" and the schema). */
const char *st_field_name(enum st_field f);
const char *st_field_desc(enum st_field f);
/* HAProxy's three tag letters (origin, nature, scope) of f on an object
 * of type o (a few differ on BACKEND rows), and the value type f has
 * when it is not empty. */
const char *st_field_tags(enum st_field f, enum st_obj o);
enum st_vtype st_field_type(enum st_field f);
/* Position in typed and JSON output (the "-" column is not counted). */
int st_field_pos(enum st_field f);
/* Sets field f of row: a number (of the field's type) or a string
 * (copied into row->strbuf; empty when it does not fit). */
void st_set_num(struct st_row *row, enum st_field f, uint64_t v);
void st_set_str(struct st_row *row, enum st_field f, const char *s);

/* A server's address as show stat prints it ("127.0.0.1:80", "[::1]:80",
 * "unix"), the runtime one after "set server ... addr"; ip/port (when not
 * NULL): the address alone ("-" when none) and the port (0 when none),
 * for show servers state|conn. */
struct srv_state;
void st_srv_addr(const struct srv_state *srv, char *text, size_t n, char *ip,
                 size_t ipn, unsigned *port);

/* Clears counters as "clear counters" (all == false: the maxima and
 * the rates' maxima) or "clear counters all" (every counter). */
void st_clear_counters(struct engine *eng, bool all);

/* Rendering (stats/stat_render.c). */
void st_csv_header(struct sbuf *out);
void st_csv_row(struct sbuf *out, const struct st_row *row);
void st_typed_row(struct sbuf *out, const struct st_row *row, bool desc);
/* JSON: the caller writes '[' and ']' around the rows and "," between
 * them (first: the row is the first of the array). */
void st_json_row(struct sbuf *out, const struct st_row *row, bool first);
/* "show schema json". */
void st_json_schema(struct sbuf *out);

/* "show info" fields (reference §3.5), in order. */
enum st_info_fmt { ST_INFO_TEXT, ST_INFO_TYPED, ST_INFO_JSON };
void st_info(struct engine *eng, struct sbuf *out, enum st_info_fmt fmt,
             bool desc);
/* The info fields themselves: ST_INFO_COUNT values in HAProxy's
 * positions (empty ones are omitted from every output). */
#define ST_INFO_COUNT 72
struct st_info_row {
	struct st_val f[ST_INFO_COUNT];
	char strbuf[1024];
	size_t strlen;
};
void st_info_fill(struct engine *eng, struct st_info_row *r);
void st_info_render(struct sbuf *out, const struct st_info_row *r,
                    enum st_info_fmt fmt, bool desc);
const char *st_info_name(int pos);

/* A single info value for the Prometheus exporter: by HAProxy's field
 * name ("CurrConns"); ST_V_EMPTY when unknown. */
struct st_val st_info_value(struct engine *eng, const char *name,
                            char *buf, size_t bufsz);

#endif
