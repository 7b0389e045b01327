/* The Prometheus exporter (reference §5.2): "http-request use-service
 * prometheus-exporter". HAProxy 2.6's metric names, HELP texts, types,
 * labels and enumerated state series; values from stats/stat.h rows
 * (frontend, backend, server) and st_info_value() (process). Query
 * parameters: scope=<global|frontend|backend|server|listener|
 * sticktable|*|> (repeatable, OR-ed) and no-maint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/http_local.h"
#include "proto/http1_req.h"
#include "stats/stat.h"

enum pm_scope { PM_PROCESS, PM_FRONTEND, PM_BACKEND, PM_SERVER };
#define PM_S_LISTENER 0x10
#define PM_S_STICK 0x20

struct pm_metric {
	enum pm_scope scope;
	const char *name;          /* after haproxy_<scope>_ */
	bool counter;
	enum st_field f;           /* frontend/backend/server */
	const char *info;          /* process: show info field */
	const char *help;
};

/* Generated from HAProxy 2.6.12's output (names, order, HELP texts). */
static const struct pm_metric metrics[] = {
	{ PM_PROCESS, "nbthread", false, 0, "Nbthread", "Number of started threads (global.nbthread)" },
	{ PM_PROCESS, "nbproc", false, 0, "Nbproc", "Number of started worker processes (historical, always 1)" },
	{ PM_PROCESS, "relative_process_id", false, 0, "Process_num", "Relative worker process number (1)" },
	{ PM_PROCESS, "uptime_seconds", false, 0, "Uptime_sec", "How long ago this worker process was started (seconds)" },
	{ PM_PROCESS, "pool_failures_total", true, 0, "PoolFailed", "Number of failed pool allocations since this worker was started" },
	{ PM_PROCESS, "max_fds", false, 0, "Ulimit-n", "Hard limit on the number of per-process file descriptors" },
	{ PM_PROCESS, "max_sockets", false, 0, "Maxsock", "Hard limit on the number of per-process sockets" },
	{ PM_PROCESS, "max_connections", false, 0, "Maxconn", "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)" },
	{ PM_PROCESS, "hard_max_connections", false, 0, "Hard_maxconn", "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)" },
	{ PM_PROCESS, "current_connections", false, 0, "CurrConns", "Current number of connections on this worker process" },
	{ PM_PROCESS, "connections_total", true, 0, "CumConns", "Total number of connections on this worker process since started" },
	{ PM_PROCESS, "requests_total", true, 0, "CumReq", "Total number of requests on this worker process since started" },
	{ PM_PROCESS, "max_ssl_connections", false, 0, "MaxSslConns", "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited" },
	{ PM_PROCESS, "current_ssl_connections", false, 0, "CurrSslConns", "Current number of SSL endpoints on this worker process (front+back)" },
	{ PM_PROCESS, "ssl_connections_total", true, 0, "CumSslConns", "Total number of SSL endpoints on this worker process since started (front+back)" },
	{ PM_PROCESS, "max_pipes", false, 0, "Maxpipes", "Hard limit on the number of pipes for splicing, 0=unlimited" },
	{ PM_PROCESS, "pipes_used_total", true, 0, "PipesUsed", "Current number of pipes in use in this worker process" },
	{ PM_PROCESS, "pipes_free_total", true, 0, "PipesFree", "Current number of allocated and available pipes in this worker process" },
	{ PM_PROCESS, "current_connection_rate", false, 0, "ConnRate", "Number of front connections created on this worker process over the last second" },
	{ PM_PROCESS, "limit_connection_rate", false, 0, "ConnRateLimit", "Hard limit for ConnRate (global.maxconnrate)" },
	{ PM_PROCESS, "max_connection_rate", false, 0, "MaxConnRate", "Highest ConnRate reached on this worker process since started (in connections per second)" },
	{ PM_PROCESS, "current_session_rate", false, 0, "SessRate", "Number of sessions created on this worker process over the last second" },
	{ PM_PROCESS, "limit_session_rate", false, 0, "SessRateLimit", "Hard limit for SessRate (global.maxsessrate)" },
	{ PM_PROCESS, "max_session_rate", false, 0, "MaxSessRate", "Highest SessRate reached on this worker process since started (in sessions per second)" },
	{ PM_PROCESS, "current_ssl_rate", false, 0, "SslRate", "Number of SSL connections created on this worker process over the last second" },
	{ PM_PROCESS, "limit_ssl_rate", false, 0, "SslRateLimit", "Hard limit for SslRate (global.maxsslrate)" },
	{ PM_PROCESS, "max_ssl_rate", false, 0, "MaxSslRate", "Highest SslRate reached on this worker process since started (in connections per second)" },
	{ PM_PROCESS, "current_frontend_ssl_key_rate", false, 0, "SslFrontendKeyRate", "Number of SSL keys created on frontends in this worker process over the last second" },
	{ PM_PROCESS, "max_frontend_ssl_key_rate", false, 0, "SslFrontendMaxKeyRate", "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ PM_PROCESS, "frontend_ssl_reuse", false, 0, "SslFrontendSessionReuse_pct", "Percent of frontend SSL connections which did not require a new key" },
	{ PM_PROCESS, "current_backend_ssl_key_rate", false, 0, "SslBackendKeyRate", "Number of SSL keys created on backends in this worker process over the last second" },
	{ PM_PROCESS, "max_backend_ssl_key_rate", false, 0, "SslBackendMaxKeyRate", "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ PM_PROCESS, "ssl_cache_lookups_total", true, 0, "SslCacheLookups", "Total number of SSL session ID lookups in the SSL session cache on this worker since started" },
	{ PM_PROCESS, "ssl_cache_misses_total", true, 0, "SslCacheMisses", "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started" },
	{ PM_PROCESS, "http_comp_bytes_in_total", true, 0, "CompressBpsIn", "Number of bytes submitted to the HTTP compressor in this worker process over the last second" },
	{ PM_PROCESS, "http_comp_bytes_out_total", true, 0, "CompressBpsOut", "Number of bytes emitted by the HTTP compressor in this worker process over the last second" },
	{ PM_PROCESS, "limit_http_comp", false, 0, "CompressBpsRateLim", "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled" },
	{ PM_PROCESS, "current_zlib_memory", false, 0, "ZlibMemUsage", "Amount of memory currently used by HTTP compression on the current worker process (in bytes)" },
	{ PM_PROCESS, "max_zlib_memory", false, 0, "MaxZlibMemUsage", "Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)" },
	{ PM_PROCESS, "current_tasks", false, 0, "Tasks", "Total number of tasks in the current worker process (active + sleeping)" },
	{ PM_PROCESS, "current_run_queue", false, 0, "Run_queue", "Total number of active tasks+tasklets in the current worker process" },
	{ PM_PROCESS, "idle_time_percent", false, 0, "Idle_pct", "Percentage of last second spent waiting in the current worker thread" },
	{ PM_PROCESS, "stopping", false, 0, "Stopping", "1 if the worker process is currently stopping, otherwise zero" },
	{ PM_PROCESS, "jobs", false, 0, "Jobs", "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)" },
	{ PM_PROCESS, "unstoppable_jobs", false, 0, "Unstoppable Jobs", "Current number of unstoppable jobs on the current worker process (master connections)" },
	{ PM_PROCESS, "listeners", false, 0, "Listeners", "Current number of active listeners on the current worker process" },
	{ PM_PROCESS, "active_peers", false, 0, "ActivePeers", "Current number of verified active peers connections on the current worker process" },
	{ PM_PROCESS, "connected_peers", false, 0, "ConnectedPeers", "Current number of peers having passed the connection step on the current worker process" },
	{ PM_PROCESS, "dropped_logs_total", true, 0, "DroppedLogs", "Total number of dropped logs for current worker process since started" },
	{ PM_PROCESS, "busy_polling_enabled", false, 0, "BusyPolling", "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)" },
	{ PM_PROCESS, "failed_resolutions", true, 0, "FailedResolutions", "Total number of failed DNS resolutions in current worker process since started" },
	{ PM_PROCESS, "bytes_out_total", true, 0, "TotalBytesOut", "Total number of bytes emitted by current worker process since started" },
	{ PM_PROCESS, "spliced_bytes_out_total", true, 0, "TotalSplicdedBytesOut", "Total number of bytes emitted by current worker process through a kernel pipe since started" },
	{ PM_PROCESS, "bytes_out_rate", false, 0, "BytesOutRate", "Number of bytes emitted by current worker process over the last second" },
	{ PM_PROCESS, "recv_logs_total", true, 0, "CumRecvLogs", "Total number of log messages received by log-forwarding listeners on this worker process since started" },
	{ PM_PROCESS, "build_info", false, 0, "Build info", "Build info" },
	{ PM_PROCESS, "max_memory_bytes", false, 0, "Memmax_bytes", "Worker process's hard limit on memory usage in byes (-m on command line)" },
	{ PM_PROCESS, "pool_allocated_bytes", false, 0, "PoolAlloc_bytes", "Amount of memory allocated in pools (in bytes)" },
	{ PM_PROCESS, "pool_used_bytes", false, 0, "PoolUsed_bytes", "Amount of pool memory currently used (in bytes)" },
	{ PM_PROCESS, "start_time_seconds", false, 0, "Start_time_sec", "Start time in seconds" },
	{ PM_FRONTEND, "current_sessions", false, ST_F_SCUR, NULL, "Number of current sessions on the frontend, backend or server" },
	{ PM_FRONTEND, "max_sessions", false, ST_F_SMAX, NULL, "Highest value of current sessions encountered since process started" },
	{ PM_FRONTEND, "limit_sessions", false, ST_F_SLIM, NULL, "Frontend/listener/server's maxconn, backend's fullconn" },
	{ PM_FRONTEND, "sessions_total", true, ST_F_STOT, NULL, "Total number of sessions since process started" },
	{ PM_FRONTEND, "bytes_in_total", true, ST_F_BIN, NULL, "Total number of request bytes since process started" },
	{ PM_FRONTEND, "bytes_out_total", true, ST_F_BOUT, NULL, "Total number of response bytes since process started" },
	{ PM_FRONTEND, "requests_denied_total", true, ST_F_DREQ, NULL, "Total number of denied requests since process started" },
	{ PM_FRONTEND, "responses_denied_total", true, ST_F_DRESP, NULL, "Total number of denied responses since process started" },
	{ PM_FRONTEND, "request_errors_total", true, ST_F_EREQ, NULL, "Total number of invalid requests since process started" },
	{ PM_FRONTEND, "status", false, ST_F_STATUS, NULL, "Current status of the service, per state label value." },
	{ PM_FRONTEND, "limit_session_rate", false, ST_F_RATE_LIM, NULL, "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)" },
	{ PM_FRONTEND, "max_session_rate", false, ST_F_RATE_MAX, NULL, "Highest value of sessions per second observed since the worker process started" },
	{ PM_FRONTEND, "http_responses_total", true, ST_F_HRSP_1XX, NULL, "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ PM_FRONTEND, "http_requests_rate_max", false, ST_F_REQ_RATE_MAX, NULL, "Highest value of http requests observed since the worker process started" },
	{ PM_FRONTEND, "http_requests_total", true, ST_F_REQ_TOT, NULL, "Total number of HTTP requests processed by this object since the worker process started" },
	{ PM_FRONTEND, "http_comp_bytes_in_total", true, ST_F_COMP_IN, NULL, "Total number of bytes submitted to the HTTP compressor for this object since the worker process started" },
	{ PM_FRONTEND, "http_comp_bytes_out_total", true, ST_F_COMP_OUT, NULL, "Total number of bytes emitted by the HTTP compressor for this object since the worker process started" },
	{ PM_FRONTEND, "http_comp_bytes_bypassed_total", true, ST_F_COMP_BYP, NULL, "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)" },
	{ PM_FRONTEND, "http_comp_responses_total", true, ST_F_COMP_RSP, NULL, "Total number of HTTP responses that were compressed for this object since the worker process started" },
	{ PM_FRONTEND, "connections_rate_max", false, ST_F_CONN_RATE_MAX, NULL, "Highest value of connections per second observed since the worker process started" },
	{ PM_FRONTEND, "connections_total", true, ST_F_CONN_TOT, NULL, "Total number of new connections accepted on this frontend since the worker process started" },
	{ PM_FRONTEND, "intercepted_requests_total", true, ST_F_INTERCEPTED, NULL, "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started" },
	{ PM_FRONTEND, "denied_connections_total", true, ST_F_DCON, NULL, "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started" },
	{ PM_FRONTEND, "denied_sessions_total", true, ST_F_DSES, NULL, "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started" },
	{ PM_FRONTEND, "failed_header_rewriting_total", true, ST_F_WREW, NULL, "Total number of failed HTTP header rewrites since the worker process started" },
	{ PM_FRONTEND, "http_cache_lookups_total", true, ST_F_CACHE_LOOKUPS, NULL, "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started" },
	{ PM_FRONTEND, "http_cache_hits_total", true, ST_F_CACHE_HITS, NULL, "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started" },
	{ PM_FRONTEND, "internal_errors_total", true, ST_F_EINT, NULL, "Total number of internal errors since process started" },
	{ PM_BACKEND, "current_queue", false, ST_F_QCUR, NULL, "Number of current queued connections" },
	{ PM_BACKEND, "max_queue", false, ST_F_QMAX, NULL, "Highest value of queued connections encountered since process started" },
	{ PM_BACKEND, "current_sessions", false, ST_F_SCUR, NULL, "Number of current sessions on the frontend, backend or server" },
	{ PM_BACKEND, "max_sessions", false, ST_F_SMAX, NULL, "Highest value of current sessions encountered since process started" },
	{ PM_BACKEND, "limit_sessions", false, ST_F_SLIM, NULL, "Frontend/listener/server's maxconn, backend's fullconn" },
	{ PM_BACKEND, "sessions_total", true, ST_F_STOT, NULL, "Total number of sessions since process started" },
	{ PM_BACKEND, "bytes_in_total", true, ST_F_BIN, NULL, "Total number of request bytes since process started" },
	{ PM_BACKEND, "bytes_out_total", true, ST_F_BOUT, NULL, "Total number of response bytes since process started" },
	{ PM_BACKEND, "requests_denied_total", true, ST_F_DREQ, NULL, "Total number of denied requests since process started" },
	{ PM_BACKEND, "responses_denied_total", true, ST_F_DRESP, NULL, "Total number of denied responses since process started" },
	{ PM_BACKEND, "connection_errors_total", true, ST_F_ECON, NULL, "Total number of failed connections to server since the worker process started" },
	{ PM_BACKEND, "response_errors_total", true, ST_F_ERESP, NULL, "Total number of invalid responses since the worker process started" },
	{ PM_BACKEND, "retry_warnings_total", true, ST_F_WRETR, NULL, "Total number of server connection retries since the worker process started" },
	{ PM_BACKEND, "redispatch_warnings_total", true, ST_F_WREDIS, NULL, "Total number of server redispatches due to connection failures since the worker process started" },
	{ PM_BACKEND, "status", false, ST_F_STATUS, NULL, "Current status of the service, per state label value." },
	{ PM_BACKEND, "weight", false, ST_F_WEIGHT, NULL, "Server's effective weight, or sum of active servers' effective weights for a backend" },
	{ PM_BACKEND, "active_servers", false, ST_F_ACT, NULL, "Total number of active UP servers with a non-zero weight" },
	{ PM_BACKEND, "backup_servers", false, ST_F_BCK, NULL, "Total number of backup UP servers with a non-zero weight" },
	{ PM_BACKEND, "check_up_down_total", true, ST_F_CHKDOWN, NULL, "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started" },
	{ PM_BACKEND, "check_last_change_seconds", false, ST_F_LASTCHG, NULL, "How long ago the last server state changed, in seconds" },
	{ PM_BACKEND, "downtime_seconds_total", true, ST_F_DOWNTIME, NULL, "Total time spent in DOWN state, for server or backend" },
	{ PM_BACKEND, "loadbalanced_total", true, ST_F_LBTOT, NULL, "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)" },
	{ PM_BACKEND, "max_session_rate", false, ST_F_RATE_MAX, NULL, "Highest value of sessions per second observed since the worker process started" },
	{ PM_BACKEND, "http_responses_total", true, ST_F_HRSP_1XX, NULL, "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ PM_BACKEND, "http_requests_total", true, ST_F_REQ_TOT, NULL, "Total number of HTTP requests processed by this object since the worker process started" },
	{ PM_BACKEND, "client_aborts_total", true, ST_F_CLI_ABRT, NULL, "Total number of requests or connections aborted by the client since the worker process started" },
	{ PM_BACKEND, "server_aborts_total", true, ST_F_SRV_ABRT, NULL, "Total number of requests or connections aborted by the server since the worker process started" },
	{ PM_BACKEND, "http_comp_bytes_in_total", true, ST_F_COMP_IN, NULL, "Total number of bytes submitted to the HTTP compressor for this object since the worker process started" },
	{ PM_BACKEND, "http_comp_bytes_out_total", true, ST_F_COMP_OUT, NULL, "Total number of bytes emitted by the HTTP compressor for this object since the worker process started" },
	{ PM_BACKEND, "http_comp_bytes_bypassed_total", true, ST_F_COMP_BYP, NULL, "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)" },
	{ PM_BACKEND, "http_comp_responses_total", true, ST_F_COMP_RSP, NULL, "Total number of HTTP responses that were compressed for this object since the worker process started" },
	{ PM_BACKEND, "last_session_seconds", false, ST_F_LASTSESS, NULL, "How long ago some traffic was seen on this object on this worker process, in seconds" },
	{ PM_BACKEND, "queue_time_average_seconds", false, ST_F_QTIME, NULL, "Avg. queue time for last 1024 successful connections." },
	{ PM_BACKEND, "connect_time_average_seconds", false, ST_F_CTIME, NULL, "Avg. connect time for last 1024 successful connections." },
	{ PM_BACKEND, "response_time_average_seconds", false, ST_F_RTIME, NULL, "Avg. response time for last 1024 successful connections." },
	{ PM_BACKEND, "total_time_average_seconds", false, ST_F_TTIME, NULL, "Avg. total time for last 1024 successful connections." },
	{ PM_BACKEND, "failed_header_rewriting_total", true, ST_F_WREW, NULL, "Total number of failed HTTP header rewrites since the worker process started" },
	{ PM_BACKEND, "connection_attempts_total", true, ST_F_CONNECT, NULL, "Total number of outgoing connection attempts on this backend/server since the worker process started" },
	{ PM_BACKEND, "connection_reuses_total", true, ST_F_REUSE, NULL, "Total number of reused connection on this backend/server since the worker process started" },
	{ PM_BACKEND, "http_cache_lookups_total", true, ST_F_CACHE_LOOKUPS, NULL, "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started" },
	{ PM_BACKEND, "http_cache_hits_total", true, ST_F_CACHE_HITS, NULL, "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started" },
	{ PM_BACKEND, "max_queue_time_seconds", false, ST_F_QTIME_MAX, NULL, "Maximum observed time spent in the queue" },
	{ PM_BACKEND, "max_connect_time_seconds", false, ST_F_CTIME_MAX, NULL, "Maximum observed time spent waiting for a connection to complete" },
	{ PM_BACKEND, "max_response_time_seconds", false, ST_F_RTIME_MAX, NULL, "Maximum observed time spent waiting for a server response" },
	{ PM_BACKEND, "max_total_time_seconds", false, ST_F_TTIME_MAX, NULL, "Maximum observed total request+response time (request+queue+connect+response+processing)" },
	{ PM_BACKEND, "internal_errors_total", true, ST_F_EINT, NULL, "Total number of internal errors since process started" },
	{ PM_BACKEND, "uweight", false, ST_F_UWEIGHT, NULL, "Server's user weight, or sum of active servers' user weights for a backend" },
	{ PM_BACKEND, "agg_server_status", false, ST_F_AGG_SERVER_STATUS, NULL, "Backend's aggregated gauge of servers' status" },
	{ PM_BACKEND, "agg_server_check_status", false, ST_F_AGG_SERVER_CHECK_STATUS, NULL, "Backend's aggregated gauge of servers' state check status" },
	{ PM_BACKEND, "agg_check_status", false, ST_F_AGG_CHECK_STATUS, NULL, "Backend's aggregated gauge of servers' state check status" },
	{ PM_SERVER, "current_queue", false, ST_F_QCUR, NULL, "Number of current queued connections" },
	{ PM_SERVER, "max_queue", false, ST_F_QMAX, NULL, "Highest value of queued connections encountered since process started" },
	{ PM_SERVER, "current_sessions", false, ST_F_SCUR, NULL, "Number of current sessions on the frontend, backend or server" },
	{ PM_SERVER, "max_sessions", false, ST_F_SMAX, NULL, "Highest value of current sessions encountered since process started" },
	{ PM_SERVER, "limit_sessions", false, ST_F_SLIM, NULL, "Frontend/listener/server's maxconn, backend's fullconn" },
	{ PM_SERVER, "sessions_total", true, ST_F_STOT, NULL, "Total number of sessions since process started" },
	{ PM_SERVER, "bytes_in_total", true, ST_F_BIN, NULL, "Total number of request bytes since process started" },
	{ PM_SERVER, "bytes_out_total", true, ST_F_BOUT, NULL, "Total number of response bytes since process started" },
	{ PM_SERVER, "responses_denied_total", true, ST_F_DRESP, NULL, "Total number of denied responses since process started" },
	{ PM_SERVER, "connection_errors_total", true, ST_F_ECON, NULL, "Total number of failed connections to server since the worker process started" },
	{ PM_SERVER, "response_errors_total", true, ST_F_ERESP, NULL, "Total number of invalid responses since the worker process started" },
	{ PM_SERVER, "retry_warnings_total", true, ST_F_WRETR, NULL, "Total number of server connection retries since the worker process started" },
	{ PM_SERVER, "redispatch_warnings_total", true, ST_F_WREDIS, NULL, "Total number of server redispatches due to connection failures since the worker process started" },
	{ PM_SERVER, "status", false, ST_F_STATUS, NULL, "Current status of the service, per state label value." },
	{ PM_SERVER, "weight", false, ST_F_WEIGHT, NULL, "Server's effective weight, or sum of active servers' effective weights for a backend" },
	{ PM_SERVER, "check_failures_total", true, ST_F_CHKFAIL, NULL, "Total number of failed individual health checks per server/backend, since the worker process started" },
	{ PM_SERVER, "check_up_down_total", true, ST_F_CHKDOWN, NULL, "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started" },
	{ PM_SERVER, "check_last_change_seconds", false, ST_F_LASTCHG, NULL, "How long ago the last server state changed, in seconds" },
	{ PM_SERVER, "downtime_seconds_total", true, ST_F_DOWNTIME, NULL, "Total time spent in DOWN state, for server or backend" },
	{ PM_SERVER, "queue_limit", false, ST_F_QLIMIT, NULL, "Limit on the number of connections in queue, for servers only (maxqueue argument)" },
	{ PM_SERVER, "current_throttle", false, ST_F_THROTTLE, NULL, "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)" },
	{ PM_SERVER, "loadbalanced_total", true, ST_F_LBTOT, NULL, "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)" },
	{ PM_SERVER, "max_session_rate", false, ST_F_RATE_MAX, NULL, "Highest value of sessions per second observed since the worker process started" },
	{ PM_SERVER, "check_status", false, ST_F_CHECK_STATUS, NULL, "Status of last health check, per state label value." },
	{ PM_SERVER, "check_code", false, ST_F_CHECK_CODE, NULL, "layer5-7 code, if available of the last health check." },
	{ PM_SERVER, "check_duration_seconds", false, ST_F_CHECK_DURATION, NULL, "Total duration of the latest server health check, in seconds." },
	{ PM_SERVER, "http_responses_total", true, ST_F_HRSP_1XX, NULL, "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ PM_SERVER, "client_aborts_total", true, ST_F_CLI_ABRT, NULL, "Total number of requests or connections aborted by the client since the worker process started" },
	{ PM_SERVER, "server_aborts_total", true, ST_F_SRV_ABRT, NULL, "Total number of requests or connections aborted by the server since the worker process started" },
	{ PM_SERVER, "last_session_seconds", false, ST_F_LASTSESS, NULL, "How long ago some traffic was seen on this object on this worker process, in seconds" },
	{ PM_SERVER, "queue_time_average_seconds", false, ST_F_QTIME, NULL, "Avg. queue time for last 1024 successful connections." },
	{ PM_SERVER, "connect_time_average_seconds", false, ST_F_CTIME, NULL, "Avg. connect time for last 1024 successful connections." },
	{ PM_SERVER, "response_time_average_seconds", false, ST_F_RTIME, NULL, "Avg. response time for last 1024 successful connections." },
	{ PM_SERVER, "total_time_average_seconds", false, ST_F_TTIME, NULL, "Avg. total time for last 1024 successful connections." },
	{ PM_SERVER, "failed_header_rewriting_total", true, ST_F_WREW, NULL, "Total number of failed HTTP header rewrites since the worker process started" },
	{ PM_SERVER, "connection_attempts_total", true, ST_F_CONNECT, NULL, "Total number of outgoing connection attempts on this backend/server since the worker process started" },
	{ PM_SERVER, "connection_reuses_total", true, ST_F_REUSE, NULL, "Total number of reused connection on this backend/server since the worker process started" },
	{ PM_SERVER, "idle_connections_current", false, ST_F_SRV_ICUR, NULL, "Current number of idle connections available for reuse on this server" },
	{ PM_SERVER, "idle_connections_limit", false, ST_F_SRC_ILIM, NULL, "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)" },
	{ PM_SERVER, "max_queue_time_seconds", false, ST_F_QTIME_MAX, NULL, "Maximum observed time spent in the queue" },
	{ PM_SERVER, "max_connect_time_seconds", false, ST_F_CTIME_MAX, NULL, "Maximum observed time spent waiting for a connection to complete" },
	{ PM_SERVER, "max_response_time_seconds", false, ST_F_RTIME_MAX, NULL, "Maximum observed time spent waiting for a server response" },
	{ PM_SERVER, "max_total_time_seconds", false, ST_F_TTIME_MAX, NULL, "Maximum observed total request+response time (request+queue+connect+response+processing)" },
	{ PM_SERVER, "internal_errors_total", true, ST_F_EINT, NULL, "Total number of internal errors since process started" },
	{ PM_SERVER, "unsafe_idle_connections_current", false, ST_F_IDLE_CONN_CUR, NULL, "Current number of unsafe idle connections" },
	{ PM_SERVER, "safe_idle_connections_current", false, ST_F_SAFE_CONN_CUR, NULL, "Current number of safe idle connections" },
	{ PM_SERVER, "used_connections_current", false, ST_F_USED_CONN_CUR, NULL, "Current number of connections in use" },
	{ PM_SERVER, "need_connections_current", false, ST_F_NEED_CONN_EST, NULL, "Estimated needed number of connections" },
	{ PM_SERVER, "uweight", false, ST_F_UWEIGHT, NULL, "Server's user weight, or sum of active servers' user weights for a backend" },
};

static const char *const scope_names[] = { "process", "frontend", "backend", "server" };
static const char *const srv_states[] = { "DOWN", "UP", "MAINT", "DRAIN", "NOLB" };
static const char *const chk_states[] = { "HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK",
	"L6TOUT", "L6RSP", "L7TOUT", "L7RSP", "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK" };
static const char *const codes[] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };

/* Label values escaped as the exposition format wants. */
static void
lbl(struct sbuf *o, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			sbuf_addc(o, '\\');
		if (*s == '\n') {
			sbuf_adds(o, "\\n");
			continue;
		}
		sbuf_addc(o, *s);
	}
}

static const char *
sstr(const struct st_row *r, enum st_field f)
{
	return r->f[f].t == ST_V_STR && r->f[f].str ? r->f[f].str : "";
}

static bool
is_http(const struct st_row *r)
{
	return strcmp(sstr(r, ST_F_MODE), "http") == 0;
}

static bool
http_only(const char *name)
{
	return strstr(name, "http_") != NULL || strstr(name, "intercepted") != NULL;
}

/* The server's state for the status series. */
static const char *
srv_state(const struct st_row *r)
{
	const char *s = sstr(r, ST_F_STATUS);
	if (!strncmp(s, "MAINT", 5))
		return "MAINT";
	if (!strcmp(s, "DRAIN"))
		return "DRAIN";
	if (!strcmp(s, "NOLB"))
		return "NOLB";
	if (!strncmp(s, "DOWN", 4))
		return "DOWN";
	return "UP"; /* UP, UP 1/3, no check */
}

static const char *
chk_state(const struct st_row *r)
{
	const char *s = sstr(r, ST_F_CHECK_STATUS);
	if (s[0] == '*' && s[1] == ' ')
		s += 2;
	return s;
}

static void
labels(struct sbuf *o, const struct st_row *r, const char *extra_k, const char *extra_v)
{
	sbuf_adds(o, "{proxy=\"");
	lbl(o, sstr(r, ST_F_PXNAME));
	sbuf_addc(o, '"');
	if (r->obj == ST_OBJ_SRV) {
		sbuf_adds(o, ",server=\"");
		lbl(o, sstr(r, ST_F_SVNAME));
		sbuf_addc(o, '"');
	}
	if (extra_k)
		sbuf_addf(o, ",%s=\"%s\"", extra_k, extra_v);
	sbuf_addc(o, '}');
}

static void
value(struct sbuf *o, const struct st_val *v, bool ms)
{
	switch (v->t) {
	case ST_V_EMPTY:
	case ST_V_STR:
		sbuf_adds(o, "NaN");
		break;
	case ST_V_U32:
	case ST_V_U64:
		if (ms)
			sbuf_addf(o, "%.6f", (double)v->u / 1000.0);
		else
			sbuf_addf(o, "%llu", (unsigned long long)v->u);
		break;
	case ST_V_S32:
	case ST_V_S64:
		if (ms)
			sbuf_addf(o, "%.6f", (double)v->s / 1000.0);
		else
			sbuf_addf(o, "%lld", (long long)v->s);
		break;
	}
	sbuf_addc(o, '\n');
}

static void
header(struct sbuf *o, const struct pm_metric *m, bool *done)
{
	if (*done)
		return;
	*done = true;
	sbuf_addf(o, "# HELP haproxy_%s_%s %s\n# TYPE haproxy_%s_%s %s\n",
	          scope_names[m->scope], m->name, m->help, scope_names[m->scope], m->name,
	          m->counter ? "counter" : "gauge");
}

static void
dump_process(struct http_txn *t, const struct pm_metric *m)
{
	struct sbuf *o = &t->out;
	char buf[128];
	bool done = false;
	if (!strcmp(m->name, "build_info")) {
		header(o, m, &done);
		sbuf_adds(o, "haproxy_process_build_info{version=\"");
		lbl(o, SLUICE_VERSION);
		sbuf_adds(o, "\"} 1\n");
		return;
	}
	struct st_val v = st_info_value(t->eng, m->info, buf, sizeof(buf));
	header(o, m, &done);
	sbuf_addf(o, "haproxy_process_%s ", m->name);
	value(o, &v, false);
}

static void
samples(struct http_txn *t, const struct pm_metric *m, struct st_row *rows, size_t n,
        bool no_maint)
{
	struct sbuf *o = &t->out;
	bool done = false;
	enum st_obj want = m->scope == PM_FRONTEND ? ST_OBJ_FE : m->scope == PM_BACKEND ? ST_OBJ_BE : ST_OBJ_SRV;
	/* fields in ms shown in seconds (downtime, lastchg, lastsess are
	 * seconds already) */
	bool ms = strstr(m->name, "_time_") != NULL || !strcmp(m->name, "check_duration_seconds");
	const char *sc = scope_names[m->scope];

	if (!strcmp(m->name, "http_responses_total")) {
		for (size_t c = 0; c < 6; c++)
			for (size_t i = 0; i < n; i++) {
				struct st_row *r = &rows[i];
				if (r->obj != want || !is_http(r))
					continue;
				if (no_maint && r->obj == ST_OBJ_SRV && !strcmp(srv_state(r), "MAINT"))
					continue;
				header(o, m, &done);
				sbuf_addf(o, "haproxy_%s_%s", sc, m->name);
				labels(o, r, "code", codes[c]);
				sbuf_addc(o, ' ');
				value(o, &r->f[ST_F_HRSP_1XX + c], false);
			}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct st_row *r = &rows[i];
		if (r->obj != want)
			continue;
		if (http_only(m->name) && !is_http(r))
			continue;
		if (no_maint && r->obj == ST_OBJ_SRV && !strcmp(srv_state(r), "MAINT"))
			continue;
		if (!strcmp(m->name, "status")) {
			header(o, m, &done);
			if (r->obj == ST_OBJ_SRV) {
				const char *st = srv_state(r);
				for (size_t k = 0; k < ARRAY_SIZE(srv_states); k++) {
					sbuf_addf(o, "haproxy_%s_status", sc);
					labels(o, r, "state", srv_states[k]);
					sbuf_addf(o, " %d\n", !strcmp(st, srv_states[k]));
				}
			} else {
				const char *s = sstr(r, ST_F_STATUS);
				bool up = !strcmp(s, "UP") || !strcmp(s, "OPEN");
				sbuf_addf(o, "haproxy_%s_status", sc);
				labels(o, r, "state", "DOWN");
				sbuf_addf(o, " %d\n", !up);
				sbuf_addf(o, "haproxy_%s_status", sc);
				labels(o, r, "state", "UP");
				sbuf_addf(o, " %d\n", up);
			}
			continue;
		}
		if (r->obj == ST_OBJ_SRV && !strncmp(m->name, "check_", 6) &&
		    (m->f == ST_F_CHECK_STATUS || m->f == ST_F_CHECK_CODE || m->f == ST_F_CHECK_DURATION)) {
			if (r->f[ST_F_CHECK_STATUS].t == ST_V_EMPTY)
				continue; /* no check configured */
			header(o, m, &done);
			if (m->f == ST_F_CHECK_STATUS) {
				const char *cs = chk_state(r);
				for (size_t k = 0; k < ARRAY_SIZE(chk_states); k++) {
					sbuf_addf(o, "haproxy_%s_check_status", sc);
					labels(o, r, "state", chk_states[k]);
					sbuf_addf(o, " %d\n", !strcmp(cs, chk_states[k]));
				}
				continue;
			}
			sbuf_addf(o, "haproxy_%s_%s", sc, m->name);
			labels(o, r, NULL, NULL);
			sbuf_addc(o, ' ');
			if (r->f[m->f].t == ST_V_EMPTY)
				sbuf_adds(o, m->f == ST_F_CHECK_CODE ? "0\n" : "0.000000\n");
			else
				value(o, &r->f[m->f], ms);
			continue;
		}
		if (m->f == ST_F_AGG_SERVER_STATUS || m->f == ST_F_AGG_SERVER_CHECK_STATUS ||
		    m->f == ST_F_AGG_CHECK_STATUS) {
			/* counts of the backend's servers per state */
			bool chk = m->f == ST_F_AGG_CHECK_STATUS;
			const char *const *states = chk ? chk_states : srv_states;
			size_t ns = chk ? ARRAY_SIZE(chk_states) : ARRAY_SIZE(srv_states);
			size_t nsrv = 0;
			for (size_t j = 0; j < n; j++)
				if (rows[j].obj == ST_OBJ_SRV && rows[j].iid == r->iid)
					nsrv++;
			if (nsrv == 0)
				continue;
			header(o, m, &done);
			for (size_t k = 0; k < ns; k++) {
				unsigned cnt = 0;
				for (size_t j = 0; j < n; j++)
					if (rows[j].obj == ST_OBJ_SRV && rows[j].iid == r->iid &&
					    !strcmp(chk ? chk_state(&rows[j]) : srv_state(&rows[j]), states[k]))
						cnt++;
				sbuf_addf(o, "haproxy_%s_%s", sc, m->name);
				labels(o, r, "state", states[k]);
				sbuf_addf(o, " %u\n", cnt);
			}
			continue;
		}
		header(o, m, &done);
		sbuf_addf(o, "haproxy_%s_%s", sc, m->name);
		labels(o, r, NULL, NULL);
		sbuf_addc(o, ' ');
		value(o, &r->f[m->f], ms);
	}
}

/* A row's strings may point into its own storage: after copying src to
 * dst, make dst's point into dst's. */
static void
row_rebase(struct st_row *dst, const struct st_row *src)
{
	for (size_t i = 0; i < ST_F_COUNT; i++) {
		const char *p = src->f[i].str;
		if (src->f[i].t == ST_V_STR && p >= src->strbuf && p < src->strbuf + sizeof(src->strbuf))
			dst->f[i].str = dst->strbuf + (p - src->strbuf);
	}
}

/* Parses the query; -1 on an unknown scope (400). */
static int
parse_query(const struct h1q_req *req, unsigned *scopes, bool *no_maint)
{
	size_t n;
	const char *q = h1q_query(req, &n);
	bool any = false;
	*scopes = 0;
	*no_maint = false;
	while (q && n) {
		const char *amp = memchr(q, '&', n);
		size_t l = amp ? (size_t)(amp - q) : n;
		if (l >= 6 && !memcmp(q, "scope=", 6)) {
			const char *v = q + 6;
			size_t vl = l - 6;
			any = true;
#define IS(s) (vl == sizeof(s) - 1 && !memcmp(v, s, vl))
			if (IS("global")) *scopes |= 1u << PM_PROCESS;
			else if (IS("frontend")) *scopes |= 1u << PM_FRONTEND;
			else if (IS("backend")) *scopes |= 1u << PM_BACKEND;
			else if (IS("server")) *scopes |= 1u << PM_SERVER;
			else if (IS("listener")) *scopes |= PM_S_LISTENER;
			else if (IS("sticktable")) *scopes |= PM_S_STICK;
			else if (IS("*")) *scopes |= 0xff;
			else if (vl != 0)
				return -1;
#undef IS
		} else if (l == 8 && !memcmp(q, "no-maint", 8)) {
			*no_maint = true;
		}
		if (!amp)
			break;
		n -= l + 1;
		q = amp + 1;
	}
	if (!any)
		*scopes = 0xff;
	return 0;
}

void
promex_serve(struct http_txn *t)
{
	unsigned scopes;
	bool no_maint;
	if (parse_query(t->req, &scopes, &no_maint) < 0) {
		http_txn_error(t, 400);
		return;
	}
	t->status = 200;
	t->chunked = true;
	sbuf_adds(&t->hdrs, "cache-control: no-cache\r\ncontent-type: text/plain; version=0.0.4\r\n");

	VEC(struct st_row) rows = { 0 };
	if (scopes & ((1u << PM_FRONTEND) | (1u << PM_BACKEND) | (1u << PM_SERVER))) {
		struct st_cursor cur = { 0 };
		struct st_filter flt = { .iid = -1, .types = -1, .sid = -1 };
		struct st_row *r = xmalloc(sizeof(*r));
		while (st_next(t->eng, &cur, &flt, r)) {
			VEC_PUSH(rows, *r);
			row_rebase(&rows.v[rows.n - 1], r);
		}
		free(r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(metrics); i++) {
		const struct pm_metric *m = &metrics[i];
		if (!(scopes & (1u << m->scope)))
			continue;
		if (m->scope == PM_PROCESS)
			dump_process(t, m);
		else
			samples(t, m, rows.v, rows.n, no_maint);
	}
	free(rows.v);
}
