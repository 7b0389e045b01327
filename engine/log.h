/* Logging: the targets of "log" lines (global and per proxy), syslog
 * framing (rfc3164, rfc5424, short, raw, local...), and the lines HAProxy
 * writes: the session line (option tcplog, log-format), connection errors
 * (PROXY header, SSL handshake) and server state changes. Thread-safe:
 * each line is formatted on the calling thread and sent with one
 * write/send. */
#ifndef SLUICE_ENGINE_LOG_H
#define SLUICE_ENGINE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <sys/time.h>

#include "lib/util.h"

struct cfg;
struct cfg_proxy;
struct diag;
struct session;
struct log_sink;
struct lf_expr;

/* Opens every log target of cfg (UDP/UNIX datagram sockets, stdout,
 * stderr, fd@). Problems go to d; NULL when a target cannot be opened. */
struct log_sink *log_open(const struct cfg *cfg, struct diag *d);
void log_close(struct log_sink *ls);

/* Writes log_proxy() messages of warning level and above also on stderr
 * ("[WARNING]  (pid) : text"), as HAProxy does in the foreground. Off
 * after log_open(). */
void log_set_stderr(struct log_sink *ls, bool on);

/* The line HAProxy sends at accept time for a frontend that has "log"
 * targets but no log format (no tcplog/httplog/log-format): "Connect from
 * <src>:<port> to <dst>:<port> (<fe>/TCP)". Call it once the client's
 * address is final (after a PROXY header); does nothing otherwise. */
void log_accept(struct log_sink *ls, const struct session *s);

/* The end-of-session line for s's frontend, in its format (tcplog,
 * log-format, or HAProxy's default format when only "log" is set), to
 * the frontend's targets; "option dontlognull" respected. */
void log_session(struct log_sink *ls, const struct session *s);

/* HAProxy's connection error line ("... : Received something which does
 * not look like a PROXY protocol header"), reference §4.7. */
void log_conn_error(struct log_sink *ls, const struct session *s, const char *msg);

/* A message about proxy px (NULL: global targets) at a syslog level
 * (0 emerg .. 7 debug), e.g. "Server be/s1 is DOWN ...". Also printed on
 * stderr at warning level and above when running in the foreground. */
void log_proxy(struct log_sink *ls, const struct cfg_proxy *px, int level,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* As log_proxy, for a message whose stderr copy HAProxy prints whatever
 * the level (ha_warning/ha_alert beside send_log) and sometimes words
 * differently: msg goes to px's targets at level; in the foreground, err
 * (NULL: nothing) is printed on stderr as "[WARNING]  (pid) : err", or
 * "[ALERT]    (pid) : err" when alert. Server state changes use it. */
void log_proxy_text(struct log_sink *ls, const struct cfg_proxy *px, int level,
                    const char *msg, const char *err, bool alert);

/* The pieces the functions above are made of, for tests and for the
 * "show" commands. Times are as the engine keeps them in struct session:
 * t0 (accept), t_connect (first connect attempt started, HAProxy's
 * t_queue: a server was assigned), t_established (connection to the
 * server established), all monotonic ms, -1 when not reached; now is the
 * monotonic time of the end of the session. */

/* Renders the end-of-session line of s (no syslog header, no newline) in
 * its frontend's format into out. Returns false when the frontend has no
 * line to send at session end (no format, dontlognull, dontlog-normal);
 * *level gets the syslog level of the line (info, or err with "option
 * log-separate-errors"). ls may be NULL (no %lc/%rt counters). */
bool log_format_session(struct log_sink *ls, const struct session *s,
                        long long now, struct sbuf *out, int *level);

/* A request the engine answered itself (engine/http_local.c: the stats
 * page, the exporter, a refusal, an error), for its tcplog or
 * log-format line: what its session (a stand-in with the addresses,
 * times, bytes and termination state) does not hold. */
struct log_http {
	const char *srv;             /* "<STATS>", "<PROMEX>", "<NOSRV>" */
	int status;
	const char *method, *uri;    /* method NULL: <BADREQ> */
	size_t method_len, uri_len;
	int major, minor;
	int tr;                      /* %TR, %Tq: 0 or -1 */
	int tw;                      /* %Tw, %Tc, %Tr (and %Td -1): 0 or -1 */
};
/* log_format_session for such a request (http NULL: the same). */
bool log_format_http(struct log_sink *ls, const struct session *s,
                     const struct log_http *http, long long now, struct sbuf *out,
                     int *level);

/* log_format_session for one HTTP mode transaction (engine/http.h):
 * "option httplog", "option httplog clf", "option httpslog" (reference
 * §4.3) or a log-format, with the HTTP variables (%r, %ST, %TR, %hr...)
 * from hi (NULL: http_log_info(s)). log_format_session() does the same
 * for a session with HTTP state. */
struct http_log_info;
bool log_format_txn(struct log_sink *ls, const struct session *s,
                    const struct http_log_info *hi, long long now,
                    struct sbuf *out, int *level);

/* "capture request header" (req) or "capture response header" of
 * frontend px on head m (before the rules, as HAProxy): *caps becomes an
 * array of px->req_caps.n (res_caps.n) entries, each the value of the
 * last field of that name cut to the capture's len (malloc'd), or NULL;
 * *n its size. What *caps held is freed first; nothing (NULL, 0) when px
 * has no captures. Fills struct http_log_info's req_caps / res_caps. */
struct hmsg;
void log_capture_headers(const struct cfg_proxy *px, bool req,
                         const struct hmsg *m, char ***caps, size_t *n);
/* "capture cookie <name> len <n>" of frontend px on head m: *out (freed
 * first) becomes the first "name=value" of a cookie whose name starts
 * with <name> (Cookie fields of a request, the first pair of each
 * Set-Cookie of a response), cut to len, or NULL. For %CC / %CS. */
void log_capture_cookie(const struct cfg_proxy *px, bool req,
                        const struct hmsg *m, char **out);

/* Renders a parsed log-format string for s (the %ID of unique-id-format
 * too); used by log_format_session. */
void log_render(struct log_sink *ls, const struct lf_expr *lf,
                const struct session *s, long long now, struct sbuf *out);

/* The syslog framing of one message for one target. */
struct log_hdr {
	int format;          /* enum log_format (parser/logtarget.h) */
	int facility, level;
	struct timeval tv;   /* when it is sent */
	const char *host;    /* log-send-hostname, or NULL */
	const char *tag;     /* log-tag or "haproxy" */
	int pid;
	const char *sd;      /* rfc5424 structured data, NULL: "-" */
	int maxlen;          /* "len": header + message are cut to this */
};

/* HAProxy's listener id of s's listener (its number in the frontend,
 * from 1, or the bind's "id"); 0 when unknown. Also so_id's answer. */
int log_luid(const struct session *s);

/* Appends header + msg (cut to maxlen) + "\n" to out. */
void log_frame(struct sbuf *out, const struct log_hdr *h, const char *msg,
               size_t len);

#endif
