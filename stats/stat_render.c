/* Rendering of statistics rows and of "show info" (stat.h): CSV, typed
 * and JSON, byte for byte as HAProxy 2.6.12 writes them (reference
 * §3.5, §3.6; tags, types and descriptions as "show stat typed desc"
 * and "show info typed desc" print them). */
#include "stats/stat.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct st_meta {
	const char *name;
	const char *tags;
	enum st_vtype t;
	const char *desc;
};

static const struct st_meta st_meta[ST_F_COUNT] = {
	{ "pxname", "KNS", ST_V_STR, "Proxy name" },
	{ "svname", "KNS", ST_V_STR, "Server name" },
	{ "qcur", "MGP", ST_V_U32, "Number of current queued connections" },
	{ "qmax", "MMP", ST_V_U32, "Highest value of queued connections encountered since process started" },
	{ "scur", "MGP", ST_V_U32, "Number of current sessions on the frontend, backend or server" },
	{ "smax", "MMP", ST_V_U32, "Highest value of current sessions encountered since process started" },
	{ "slim", "CLP", ST_V_U32, "Frontend/listener/server's maxconn, backend's fullconn" },
	{ "stot", "MCP", ST_V_U64, "Total number of sessions since process started" },
	{ "bin", "MCP", ST_V_U64, "Total number of request bytes since process started" },
	{ "bout", "MCP", ST_V_U64, "Total number of response bytes since process started" },
	{ "dreq", "MCP", ST_V_U64, "Total number of denied requests since process started" },
	{ "dresp", "MCP", ST_V_U64, "Total number of denied responses since process started" },
	{ "ereq", "MCP", ST_V_U64, "Total number of invalid requests since process started" },
	{ "econ", "MCP", ST_V_U64, "Total number of failed connections to server since the worker process started" },
	{ "eresp", "MCP", ST_V_U64, "Total number of invalid responses since the worker process started" },
	{ "wretr", "MCP", ST_V_U64, "Total number of server connection retries since the worker process started" },
	{ "wredis", "MCP", ST_V_U64, "Total number of server redispatches due to connection failures since the worker process started" },
	{ "status", "SGP", ST_V_STR, "Frontend/listen status: OPEN/WAITING/FULL/STOP; backend: UP/DOWN; server: last check status" },
	{ "weight", "MaP", ST_V_U32, "Server's effective weight, or sum of active servers' effective weights for a backend" },
	{ "act", "SGP", ST_V_U32, "Total number of active UP servers with a non-zero weight" },
	{ "bck", "SGP", ST_V_U32, "Total number of backup UP servers with a non-zero weight" },
	{ "chkfail", "MCP", ST_V_U64, "Total number of failed individual health checks per server/backend, since the worker process started" },
	{ "chkdown", "MCP", ST_V_U64, "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started" },
	{ "lastchg", "MAP", ST_V_U32, "How long ago the last server state changed, in seconds" },
	{ "downtime", "MCP", ST_V_U32, "Total time spent in DOWN state, for server or backend" },
	{ "qlimit", "CGS", ST_V_U32, "Limit on the number of connections in queue, for servers only (maxqueue argument)" },
	{ "pid", "KGP", ST_V_U32, "Relative worker process number (1)" },
	{ "iid", "KGS", ST_V_U32, "Frontend or Backend numeric identifier ('id' setting)" },
	{ "sid", "KGS", ST_V_U32, "Server numeric identifier ('id' setting)" },
	{ "throttle", "MaP", ST_V_U32, "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)" },
	{ "lbtot", "MCP", ST_V_U64, "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)" },
	{ "tracked", "CNS", ST_V_STR, "Name of the other server this server tracks for its state" },
	{ "type", "CGS", ST_V_U32, "Type of the object (Listener, Frontend, Backend, Server)" },
	{ "rate", "MRP", ST_V_U32, "Total number of sessions processed by this object over the last second (sessions for listeners/frontends, requests for backends/servers)" },
	{ "rate_lim", "CLP", ST_V_U32, "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)" },
	{ "rate_max", "MMP", ST_V_U32, "Highest value of sessions per second observed since the worker process started" },
	{ "check_status", "MOP", ST_V_STR, "Status report of the server's latest health check, prefixed with '*' if a check is currently in progress" },
	{ "check_code", "MOP", ST_V_U32, "HTTP/SMTP/LDAP status code reported by the latest server health check" },
	{ "check_duration", "MDP", ST_V_U64, "Total duration of the latest server health check, in milliseconds" },
	{ "hrsp_1xx", "MCP", ST_V_U64, "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ "hrsp_2xx", "MCP", ST_V_U64, "Total number of HTTP responses with status 200-299 returned by this object since the worker process started" },
	{ "hrsp_3xx", "MCP", ST_V_U64, "Total number of HTTP responses with status 300-399 returned by this object since the worker process started" },
	{ "hrsp_4xx", "MCP", ST_V_U64, "Total number of HTTP responses with status 400-499 returned by this object since the worker process started" },
	{ "hrsp_5xx", "MCP", ST_V_U64, "Total number of HTTP responses with status 500-599 returned by this object since the worker process started" },
	{ "hrsp_other", "MCP", ST_V_U64, "Total number of HTTP responses with status <100, >599 returned by this object since the worker process started (error -1 included)" },
	{ "hanafail", "MCP", ST_V_U64, "Total number of failed checks caused by an 'on-error' directive after an 'observe' condition matched" },
	{ "req_rate", "MRP", ST_V_U32, "Number of HTTP requests processed over the last second on this object" },
	{ "req_rate_max", "MMP", ST_V_U32, "Highest value of http requests observed since the worker process started" },
	{ "req_tot", "MCP", ST_V_U64, "Total number of HTTP requests processed by this object since the worker process started" },
	{ "cli_abrt", "MCP", ST_V_U64, "Total number of requests or connections aborted by the client since the worker process started" },
	{ "srv_abrt", "MCP", ST_V_U64, "Total number of requests or connections aborted by the server since the worker process started" },
	{ "comp_in", "MCP", ST_V_U64, "Total number of bytes submitted to the HTTP compressor for this object since the worker process started" },
	{ "comp_out", "MCP", ST_V_U64, "Total number of bytes emitted by the HTTP compressor for this object since the worker process started" },
	{ "comp_byp", "MCP", ST_V_U64, "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)" },
	{ "comp_rsp", "MCP", ST_V_U64, "Total number of HTTP responses that were compressed for this object since the worker process started" },
	{ "lastsess", "MAP", ST_V_S32, "How long ago some traffic was seen on this object on this worker process, in seconds" },
	{ "last_chk", "MOP", ST_V_STR, "Short description of the latest health check report for this server (see also check_desc)" },
	{ "last_agt", "MOP", ST_V_STR, "Short description of the latest agent check report for this server (see also agent_desc)" },
	{ "qtime", "MaP", ST_V_U32, "Time spent in the queue, in milliseconds, averaged over the 1024 last requests (backend/server)" },
	{ "ctime", "MaP", ST_V_U32, "Time spent waiting for a connection to complete, in milliseconds, averaged over the 1024 last requests (backend/server)" },
	{ "rtime", "MaP", ST_V_U32, "Time spent waiting for a server response, in milliseconds, averaged over the 1024 last requests (backend/server)" },
	{ "ttime", "MaP", ST_V_U32, "Total request+response time (request+queue+connect+response+processing), in milliseconds, averaged over the 1024 last requests (backend/server)" },
	{ "agent_status", "MOP", ST_V_STR, "Status report of the server's latest agent check, prefixed with '*' if a check is currently in progress" },
	{ "agent_code", "MOP", ST_V_U32, "Status code reported by the latest server agent check" },
	{ "agent_duration", "MDP", ST_V_U64, "Total duration of the latest server agent check, in milliseconds" },
	{ "check_desc", "MOP", ST_V_STR, "Textual description of the latest health check report for this server" },
	{ "agent_desc", "MOP", ST_V_STR, "Textual description of the latest agent check report for this server" },
	{ "check_rise", "CGS", ST_V_U32, "Number of successful health checks before declaring a server UP (server 'rise' setting)" },
	{ "check_fall", "CGS", ST_V_U32, "Number of failed health checks before declaring a server DOWN (server 'fall' setting)" },
	{ "check_health", "CGS", ST_V_U32, "Current server health check level (0..fall-1=DOWN, fall..rise-1=UP)" },
	{ "agent_rise", "CGS", ST_V_U32, "Number of successful agent checks before declaring a server UP (server 'rise' setting)" },
	{ "agent_fall", "CGS", ST_V_U32, "Number of failed agent checks before declaring a server DOWN (server 'fall' setting)" },
	{ "agent_health", "CGS", ST_V_U32, "Current server agent check level (0..fall-1=DOWN, fall..rise-1=UP)" },
	{ "addr", "CGS", ST_V_STR, "Server's address:port, shown only if show-legends is set, or at levels oper/admin for the CLI" },
	{ "cookie", "CNS", ST_V_STR, "Backend's cookie name or Server's cookie value, shown only if show-legends is set, or at levels oper/admin for the CLI" },
	{ "mode", "CGS", ST_V_STR, "'mode' setting (tcp/http/health/cli)" },
	{ "algo", "CGS", ST_V_STR, "Backend's load balancing algorithm, shown only if show-legends is set, or at levels oper/admin for the CLI" },
	{ "conn_rate", "MRP", ST_V_U32, "Number of new connections accepted over the last second on the frontend for this worker process" },
	{ "conn_rate_max", "MMP", ST_V_U32, "Highest value of connections per second observed since the worker process started" },
	{ "conn_tot", "MCP", ST_V_U64, "Total number of new connections accepted on this frontend since the worker process started" },
	{ "intercepted", "MCP", ST_V_U64, "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started" },
	{ "dcon", "MCP", ST_V_U64, "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started" },
	{ "dses", "MCP", ST_V_U64, "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started" },
	{ "wrew", "MCP", ST_V_U64, "Total number of failed HTTP header rewrites since the worker process started" },
	{ "connect", "MCP", ST_V_U64, "Total number of outgoing connection attempts on this backend/server since the worker process started" },
	{ "reuse", "MCP", ST_V_U64, "Total number of reused connection on this backend/server since the worker process started" },
	{ "cache_lookups", "MCP", ST_V_U64, "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started" },
	{ "cache_hits", "MCP", ST_V_U64, "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started" },
	{ "srv_icur", "MGP", ST_V_U32, "Current number of idle connections available for reuse on this server" },
	{ "src_ilim", "CLP", ST_V_U32, "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)" },
	{ "qtime_max", "MMP", ST_V_U32, "Maximum observed time spent in the queue, in milliseconds (backend/server)" },
	{ "ctime_max", "MMP", ST_V_U32, "Maximum observed time spent waiting for a connection to complete, in milliseconds (backend/server)" },
	{ "rtime_max", "MMP", ST_V_U32, "Maximum observed time spent waiting for a server response, in milliseconds (backend/server)" },
	{ "ttime_max", "MMP", ST_V_U32, "Maximum observed total request+response time (request+queue+connect+response+processing), in milliseconds (backend/server)" },
	{ "eint", "MCP", ST_V_U64, "Total number of internal errors since process started" },
	{ "idle_conn_cur", "MGP", ST_V_U32, "Current number of unsafe idle connections" },
	{ "safe_conn_cur", "MGP", ST_V_U32, "Current number of safe idle connections" },
	{ "used_conn_cur", "MGP", ST_V_U32, "Current number of connections in use" },
	{ "need_conn_est", "MGP", ST_V_U32, "Estimated needed number of connections" },
	{ "uweight", "MaP", ST_V_U32, "Server's user weight, or sum of active servers' user weights for a backend" },
	{ "agg_server_status", "MGP", ST_V_U32, "Backend's aggregated gauge of servers' status" },
	{ "agg_server_check_status", "MGP", ST_V_U32, "Backend's aggregated gauge of servers' state check status" },
	{ "agg_check_status", "MGP", ST_V_U32, "Backend's aggregated gauge of servers' state check status" },
	{ "-", "", ST_V_EMPTY, "" },
	{ "ssl_sess", "MCP", ST_V_U64, "Total number of ssl sessions established" },
	{ "ssl_reused_sess", "MCP", ST_V_U64, "Total number of ssl sessions reused" },
	{ "ssl_failed_handshake", "MCP", ST_V_U64, "Total number of failed handshake" },
	{ "h2_headers_rcvd", "MCP", ST_V_U64, "Total number of received HEADERS frames" },
	{ "h2_data_rcvd", "MCP", ST_V_U64, "Total number of received DATA frames" },
	{ "h2_settings_rcvd", "MCP", ST_V_U64, "Total number of received SETTINGS frames" },
	{ "h2_rst_stream_rcvd", "MCP", ST_V_U64, "Total number of received RST_STREAM frames" },
	{ "h2_goaway_rcvd", "MCP", ST_V_U64, "Total number of received GOAWAY frames" },
	{ "h2_detected_conn_protocol_errors", "MCP", ST_V_U64, "Total number of connection protocol errors" },
	{ "h2_detected_strm_protocol_errors", "MCP", ST_V_U64, "Total number of stream protocol errors" },
	{ "h2_rst_stream_resp", "MCP", ST_V_U64, "Total number of RST_STREAM sent on detected error" },
	{ "h2_goaway_resp", "MCP", ST_V_U64, "Total number of GOAWAY sent on detected error" },
	{ "h2_open_connections", "MGP", ST_V_U64, "Count of currently open connections" },
	{ "h2_backend_open_streams", "MGP", ST_V_U64, "Count of currently open streams" },
	{ "h2_total_connections", "MCP", ST_V_U64, "Total number of connections" },
	{ "h2_backend_total_streams", "MCP", ST_V_U64, "Total number of streams" },
	{ "h1_open_connections", "MGP", ST_V_U64, "Count of currently open connections" },
	{ "h1_open_streams", "MGP", ST_V_U64, "Count of currently open streams" },
	{ "h1_total_connections", "MCP", ST_V_U64, "Total number of connections" },
	{ "h1_total_streams", "MCP", ST_V_U64, "Total number of streams" },
	{ "h1_bytes_in", "MCP", ST_V_U64, "Total number of bytes received" },
	{ "h1_bytes_out", "MCP", ST_V_U64, "Total number of bytes send" },
	{ "h1_spliced_bytes_in", "MCP", ST_V_U64, "Total number of bytes received using kernel splicing" },
	{ "h1_spliced_bytes_out", "MCP", ST_V_U64, "Total number of bytes sendusing kernel splicing" },
};

static const struct st_meta info_meta[ST_INFO_COUNT] = {
	{ "Name", "POS", ST_V_STR, "Product name" },
	{ "Version", "POS", ST_V_STR, "Product version" },
	{ "Release_date", "POS", ST_V_STR, "Date of latest source code update" },
	{ "Nbthread", "CGS", ST_V_U32, "Number of started threads (global.nbthread)" },
	{ "Nbproc", "CGS", ST_V_U32, "Number of started worker processes (historical, always 1)" },
	{ "Process_num", "KGP", ST_V_U32, "Relative worker process number (1)" },
	{ "Pid", "SGP", ST_V_U32, "This worker process identifier for the system" },
	{ "Uptime", "MDP", ST_V_STR, "How long ago this worker process was started (days+hours+minutes+seconds)" },
	{ "Uptime_sec", "MDP", ST_V_U32, "How long ago this worker process was started (seconds)" },
	{ "Memmax_MB", "CLP", ST_V_U32, "Worker process's hard limit on memory usage in MB (-m on command line)" },
	{ "PoolAlloc_MB", "MGP", ST_V_U32, "Amount of memory allocated in pools (in MB)" },
	{ "PoolUsed_MB", "MGP", ST_V_U32, "Amount of pool memory currently used (in MB)" },
	{ "PoolFailed", "MCP", ST_V_U32, "Number of failed pool allocations since this worker was started" },
	{ "Ulimit-n", "CLP", ST_V_U32, "Hard limit on the number of per-process file descriptors" },
	{ "Maxsock", "CLP", ST_V_U32, "Hard limit on the number of per-process sockets" },
	{ "Maxconn", "CLP", ST_V_U32, "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)" },
	{ "Hard_maxconn", "CLP", ST_V_U32, "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)" },
	{ "CurrConns", "MGP", ST_V_U32, "Current number of connections on this worker process" },
	{ "CumConns", "MCP", ST_V_U32, "Total number of connections on this worker process since started" },
	{ "CumReq", "MCP", ST_V_U32, "Total number of requests on this worker process since started" },
	{ "MaxSslConns", "MMP", ST_V_U32, "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited" },
	{ "CurrSslConns", "MGP", ST_V_U32, "Current number of SSL endpoints on this worker process (front+back)" },
	{ "CumSslConns", "MCP", ST_V_U32, "Total number of SSL endpoints on this worker process since started (front+back)" },
	{ "Maxpipes", "CLP", ST_V_U32, "Hard limit on the number of pipes for splicing, 0=unlimited" },
	{ "PipesUsed", "MGP", ST_V_U32, "Current number of pipes in use in this worker process" },
	{ "PipesFree", "MGP", ST_V_U32, "Current number of allocated and available pipes in this worker process" },
	{ "ConnRate", "MRP", ST_V_U32, "Number of front connections created on this worker process over the last second" },
	{ "ConnRateLimit", "CLP", ST_V_U32, "Hard limit for ConnRate (global.maxconnrate)" },
	{ "MaxConnRate", "MMP", ST_V_U32, "Highest ConnRate reached on this worker process since started (in connections per second)" },
	{ "SessRate", "MRP", ST_V_U32, "Number of sessions created on this worker process over the last second" },
	{ "SessRateLimit", "CLP", ST_V_U32, "Hard limit for SessRate (global.maxsessrate)" },
	{ "MaxSessRate", "MRP", ST_V_U32, "Highest SessRate reached on this worker process since started (in sessions per second)" },
	{ "SslRate", "MRP", ST_V_U32, "Number of SSL connections created on this worker process over the last second" },
	{ "SslRateLimit", "CLP", ST_V_U32, "Hard limit for SslRate (global.maxsslrate)" },
	{ "MaxSslRate", "MMP", ST_V_U32, "Highest SslRate reached on this worker process since started (in connections per second)" },
	{ "SslFrontendKeyRate", "MGP", ST_V_U32, "Number of SSL keys created on frontends in this worker process over the last second" },
	{ "SslFrontendMaxKeyRate", "MMP", ST_V_U32, "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ "SslFrontendSessionReuse_pct", "MGP", ST_V_U32, "Percent of frontend SSL connections which did not require a new key" },
	{ "SslBackendKeyRate", "MRP", ST_V_U32, "Number of SSL keys created on backends in this worker process over the last second" },
	{ "SslBackendMaxKeyRate", "MMP", ST_V_U32, "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ "SslCacheLookups", "MCP", ST_V_U32, "Total number of SSL session ID lookups in the SSL session cache on this worker since started" },
	{ "SslCacheMisses", "MCP", ST_V_U32, "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started" },
	{ "CompressBpsIn", "MRP", ST_V_U32, "Number of bytes submitted to the HTTP compressor in this worker process over the last second" },
	{ "CompressBpsOut", "MRP", ST_V_U32, "Number of bytes emitted by the HTTP compressor in this worker process over the last second" },
	{ "CompressBpsRateLim", "CLP", ST_V_U32, "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled" },
	{ "ZlibMemUsage", "MGP", ST_V_U32, "Current memory used for zlib in bytes" },
	{ "MaxZlibMemUsage", "CLP", ST_V_U32, "Limit on the memory used for zlib in bytes" },
	{ "Tasks", "MGP", ST_V_U32, "Total number of tasks in the current worker process (active + sleeping)" },
	{ "Run_queue", "MGP", ST_V_U32, "Total number of active tasks+tasklets in the current worker process" },
	{ "Idle_pct", "MaP", ST_V_U32, "Percentage of last second spent waiting in the current worker thread" },
	{ "node", "COS", ST_V_STR, "Node name (global.node)" },
	{ "description", "COS", ST_V_STR, "Node description (global.description)" },
	{ "Stopping", "MGP", ST_V_U32, "1 if the worker process is currently stopping, otherwise zero" },
	{ "Jobs", "MGP", ST_V_U32, "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)" },
	{ "Unstoppable Jobs", "MGP", ST_V_U32, "Current number of unstoppable jobs on the current worker process (master connections)" },
	{ "Listeners", "MGP", ST_V_U32, "Current number of active listeners on the current worker process" },
	{ "ActivePeers", "MGP", ST_V_U32, "Current number of verified active peers connections on the current worker process" },
	{ "ConnectedPeers", "MGP", ST_V_U32, "Current number of peers having passed the connection step on the current worker process" },
	{ "DroppedLogs", "MGP", ST_V_U32, "Total number of dropped logs for current worker process since started" },
	{ "BusyPolling", "MGP", ST_V_U32, "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)" },
	{ "FailedResolutions", "MGP", ST_V_U32, "Total number of failed DNS resolutions in current worker process since started" },
	{ "TotalBytesOut", "MGP", ST_V_U64, "Total number of bytes emitted by current worker process since started" },
	{ "TotalSplicdedBytesOut", "MGP", ST_V_U64, "Total number of bytes emitted by current worker process through a kernel pipe since started" },
	{ "BytesOutRate", "MRP", ST_V_U64, "Number of bytes emitted by current worker process over the last second" },
	{ "DebugCommandsIssued", "MGP", ST_V_U32, "Number of debug commands issued on this process (anything > 0 is unsafe)" },
	{ "CumRecvLogs", "MCP", ST_V_U32, "Total number of log messages received by log-forwarding listeners on this worker process since started" },
	{ "Build info", "POS", ST_V_STR, "Build info" },
	{ "Memmax_bytes", "CLP", ST_V_U32, "Worker process's hard limit on memory usage in byes (-m on command line)" },
	{ "PoolAlloc_bytes", "MGP", ST_V_U64, "Amount of memory allocated in pools (in bytes)" },
	{ "PoolUsed_bytes", "MGP", ST_V_U64, "Amount of pool memory currently used (in bytes)" },
	{ "Start_time_sec", "MDP", ST_V_U32, "Start time in seconds" },
	{ "Tainted", "SGP", ST_V_STR, "Experimental features used" },
};

static const char schema_json[] =
	"{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"oneOf\":[{\"title\":\"Info\",\"type\":\"arra"
	"y\",\"items\":{\"title\":\"InfoItem\",\"type\":\"object\",\"properties\":{\"field\":{\"$ref\":\"#/definition"
	"s/field\"},\"processNum\":{\"$ref\":\"#/definitions/processNum\"},\"tags\":{\"$ref\":\"#/definitions/t"
	"ags\"},\"value\":{\"$ref\":\"#/definitions/typedValue\"}},\"required\":[\"field\",\"processNum\",\"tags\""
	",\"value\"]}},{\"title\":\"Stat\",\"type\":\"array\",\"items\":{\"title\":\"InfoItem\",\"type\":\"object\",\"pr"
	"operties\":{\"objType\":{\"enum\":[\"Frontend\",\"Backend\",\"Listener\",\"Server\",\"Unknown\"]},\"proxyI"
	"d\":{\"type\":\"integer\",\"minimum\":0},\"id\":{\"type\":\"integer\",\"minimum\":0},\"field\":{\"$ref\":\"#/d"
	"efinitions/field\"},\"processNum\":{\"$ref\":\"#/definitions/processNum\"},\"tags\":{\"$ref\":\"#/defi"
	"nitions/tags\"},\"typedValue\":{\"$ref\":\"#/definitions/typedValue\"}},\"required\":[\"objType\",\"pr"
	"oxyId\",\"id\",\"field\",\"processNum\",\"tags\",\"value\"]}},{\"title\":\"Error\",\"type\":\"object\",\"prope"
	"rties\":{\"errorStr\":{\"type\":\"string\"}},\"required\":[\"errorStr\"]}],\"definitions\":{\"field\":{\"t"
	"ype\":\"object\",\"pos\":{\"type\":\"integer\",\"minimum\":0},\"name\":{\"type\":\"string\"},\"required\":[\"p"
	"os\",\"name\"]},\"processNum\":{\"type\":\"integer\",\"minimum\":1},\"tags\":{\"type\":\"object\",\"origin\":"
	"{\"type\":\"string\",\"enum\":[\"Metric\",\"Status\",\"Key\",\"Config\",\"Product\",\"Unknown\"]},\"nature\":{"
	"\"type\":\"string\",\"enum\":[\"Gauge\",\"Limit\",\"Min\",\"Max\",\"Rate\",\"Counter\",\"Duration\",\"Age\",\"Tim"
	"e\",\"Name\",\"Output\",\"Avg\", \"Unknown\"]},\"scope\":{\"type\":\"string\",\"enum\":[\"Cluster\",\"Process\""
	",\"Service\",\"System\",\"Unknown\"]},\"required\":[\"origin\",\"nature\",\"scope\"]},\"typedValue\":{\"typ"
	"e\":\"object\",\"oneOf\":[{\"$ref\":\"#/definitions/typedValue/definitions/s32Value\"},{\"$ref\":\"#/d"
	"efinitions/typedValue/definitions/s64Value\"},{\"$ref\":\"#/definitions/typedValue/definitions"
	"/u32Value\"},{\"$ref\":\"#/definitions/typedValue/definitions/u64Value\"},{\"$ref\":\"#/definition"
	"s/typedValue/definitions/strValue\"}],\"definitions\":{\"s32Value\":{\"properties\":{\"type\":{\"typ"
	"e\":\"string\",\"enum\":[\"s32\"]},\"value\":{\"type\":\"integer\",\"minimum\":-2147483648,\"maximum\":2147"
	"483647}},\"required\":[\"type\",\"value\"]},\"s64Value\":{\"properties\":{\"type\":{\"type\":\"string\",\"e"
	"num\":[\"s64\"]},\"value\":{\"type\":\"integer\",\"minimum\":-9007199254740991,\"maximum\":900719925474"
	"0991}},\"required\":[\"type\",\"value\"]},\"u32Value\":{\"properties\":{\"type\":{\"type\":\"string\",\"enu"
	"m\":[\"u32\"]},\"value\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":4294967295}},\"required\":[\"type"
	"\",\"value\"]},\"u64Value\":{\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"u64\"]},\"value\":{\"ty"
	"pe\":\"integer\",\"minimum\":0,\"maximum\":9007199254740991}},\"required\":[\"type\",\"value\"]},\"strVa"
	"lue\":{\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"str\"]},\"value\":{\"type\":\"string\"}},\"re"
	"quired\":[\"type\",\"value\"]},\"unknownValue\":{\"properties\":{\"type\":{\"type\":\"integer\",\"minimum\""
	":0},\"value\":{\"type\":\"string\",\"enum\":[\"unknown\"]}},\"required\":[\"type\",\"value\"]}}}}}";

const char *
st_field_name(enum st_field f)
{
	return f < ST_F_COUNT ? st_meta[f].name : "";
}

const char *
st_field_desc(enum st_field f)
{
	return f < ST_F_COUNT ? st_meta[f].desc : "";
}

const char *
st_field_tags(enum st_field f, enum st_obj o)
{
	/* BACKEND rows sum their servers: gauges where servers have
	 * status or rate tags (observed) */
	if (o == ST_OBJ_BE && (f == ST_F_ACT || f == ST_F_BCK || f == ST_F_RATE ||
	                       f == ST_F_RATE_MAX))
		return "MGP";
	return f < ST_F_COUNT ? st_meta[f].tags : "";
}

enum st_vtype
st_field_type(enum st_field f)
{
	return f < ST_F_COUNT ? st_meta[f].t : ST_V_EMPTY;
}

int
st_field_pos(enum st_field f)
{
	return f > ST_F_MARKER ? (int)f - 1 : (int)f;
}

const char *
st_info_name(int pos)
{
	return pos >= 0 && pos < ST_INFO_COUNT ? info_meta[pos].name : "";
}

static const char *
type_name(enum st_vtype t)
{
	switch (t) {
	case ST_V_STR: return "str";
	case ST_V_U32: return "u32";
	case ST_V_S32: return "s32";
	case ST_V_U64: return "u64";
	case ST_V_S64: return "s64";
	default: return "";
	}
}

static void
add_num(struct sbuf *out, const struct st_val *v)
{
	if (v->t == ST_V_S32 || v->t == ST_V_S64)
		sbuf_addf(out, "%" PRId64, v->s);
	else
		sbuf_addf(out, "%" PRIu64, v->u);
}

/* ---- CSV ------------------------------------------------------------- */

void
st_csv_header(struct sbuf *out)
{
	sbuf_adds(out, "# ");
	for (int f = 0; f < ST_F_COUNT; f++) {
		sbuf_adds(out, st_meta[f].name);
		sbuf_addc(out, ',');
	}
	sbuf_addc(out, '\n');
}

/* HAProxy's csv_enc(): quotes only when needed, doubling quotes. */
static void
csv_str(struct sbuf *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		sbuf_adds(out, s);
		return;
	}
	sbuf_addc(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			sbuf_addc(out, '"');
		sbuf_addc(out, *s);
	}
	sbuf_addc(out, '"');
}

void
st_csv_row(struct sbuf *out, const struct st_row *row)
{
	for (int f = 0; f < ST_F_COUNT; f++) {
		const struct st_val *v = &row->f[f];
		if (f == ST_F_MARKER)
			sbuf_addc(out, '-');
		else if (v->t == ST_V_STR)
			csv_str(out, v->str ? v->str : "");
		else if (v->t != ST_V_EMPTY)
			add_num(out, v);
		sbuf_addc(out, ',');
	}
	sbuf_addc(out, '\n');
}

/* ---- typed ------------------------------------------------------------- */

static const char obj_letter[] = { 'F', 'B', 'S', 'L' };

void
st_typed_row(struct sbuf *out, const struct st_row *row, bool desc)
{
	for (int f = 0; f < ST_F_COUNT; f++) {
		const struct st_val *v = &row->f[f];
		if (f == ST_F_MARKER || v->t == ST_V_EMPTY)
			continue;
		sbuf_addf(out, "%c.%d.%d.%d.%s.1:%s:%s:", obj_letter[row->obj & 3], row->iid,
		          row->sid, st_field_pos((enum st_field)f), st_meta[f].name,
		          st_field_tags((enum st_field)f, row->obj), type_name(v->t));
		if (v->t == ST_V_STR)
			sbuf_adds(out, v->str ? v->str : "");
		else
			add_num(out, v);
		if (desc)
			sbuf_addf(out, ":\"%s\"", st_meta[f].desc);
		sbuf_addc(out, '\n');
	}
}

/* ---- JSON ---------------------------------------------------------------- */

static void
json_str(struct sbuf *out, const char *s)
{
	sbuf_addc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			sbuf_addc(out, '\\');
			sbuf_addc(out, (char)*p);
		} else if (*p < 0x20) {
			sbuf_addf(out, "\\u%04x", *p);
		} else {
			sbuf_addc(out, (char)*p);
		}
	}
	sbuf_addc(out, '"');
}

static void
json_tags(struct sbuf *out, const char *t)
{
	const char *origin = "Unknown", *nature = "Unknown", *scope = "Unknown";
	switch (t[0]) {
	case 'M': origin = "Metric"; break;
	case 'S': origin = "Status"; break;
	case 'K': origin = "Key"; break;
	case 'C': origin = "Config"; break;
	case 'P': origin = "Product"; break;
	}
	if (t[0]) {
		switch (t[1]) {
		case 'A': nature = "Age"; break;
		case 'a': nature = "Avg"; break;
		case 'C': nature = "Counter"; break;
		case 'D': nature = "Duration"; break;
		case 'G': nature = "Gauge"; break;
		case 'L': nature = "Limit"; break;
		case 'M': nature = "Max"; break;
		case 'm': nature = "Min"; break;
		case 'N': nature = "Name"; break;
		case 'O': nature = "Output"; break;
		case 'R': nature = "Rate"; break;
		case 'T': nature = "Time"; break;
		}
		if (t[1]) {
			switch (t[2]) {
			case 'C': scope = "Cluster"; break;
			case 'P': scope = "Process"; break;
			case 'S': scope = "Service"; break;
			case 's': scope = "System"; break;
			}
		}
	}
	sbuf_addf(out, "\"tags\":{\"origin\":\"%s\",\"nature\":\"%s\",\"scope\":\"%s\"}",
	          origin, nature, scope);
}

static void
json_value(struct sbuf *out, const struct st_val *v)
{
	sbuf_addf(out, "\"value\":{\"type\":\"%s\",\"value\":", type_name(v->t));
	if (v->t == ST_V_STR)
		json_str(out, v->str ? v->str : "");
	else
		add_num(out, v);
	sbuf_adds(out, "}");
}

static const char *const obj_name[] = { "Frontend", "Backend", "Server", "Listener" };

void
st_json_row(struct sbuf *out, const struct st_row *row, bool first)
{
	bool any = false;
	if (!first)
		sbuf_addc(out, ',');
	sbuf_addc(out, '[');
	for (int f = 0; f < ST_F_COUNT; f++) {
		const struct st_val *v = &row->f[f];
		if (f == ST_F_MARKER || v->t == ST_V_EMPTY)
			continue;
		if (any)
			sbuf_addc(out, ',');
		any = true;
		sbuf_addf(out, "{\"objType\":\"%s\",\"proxyId\":%d,\"id\":%d,\"field\":{\"pos\":%d,\"name\":",
		          obj_name[row->obj & 3], row->iid, row->sid, st_field_pos((enum st_field)f));
		json_str(out, st_meta[f].name);
		sbuf_adds(out, "},\"processNum\":1,");
		json_tags(out, st_field_tags((enum st_field)f, row->obj));
		sbuf_addc(out, ',');
		json_value(out, v);
		sbuf_addc(out, '}');
	}
	sbuf_addc(out, ']');
}

void
st_json_schema(struct sbuf *out)
{
	sbuf_adds(out, schema_json);
	sbuf_addc(out, '\n');
}

/* ---- show info ------------------------------------------------------------ */

void
st_info_render(struct sbuf *out, const struct st_info_row *r, enum st_info_fmt fmt,
               bool desc)
{
	bool any = false;
	if (fmt == ST_INFO_JSON)
		sbuf_addc(out, '[');
	for (int i = 0; i < ST_INFO_COUNT; i++) {
		const struct st_val *v = &r->f[i];
		const struct st_meta *m = &info_meta[i];
		if (v->t == ST_V_EMPTY)
			continue;
		switch (fmt) {
		case ST_INFO_TEXT:
			sbuf_addf(out, "%s: ", m->name);
			break;
		case ST_INFO_TYPED:
			sbuf_addf(out, "%d.%s.1:%s:%s:", i, m->name, m->tags, type_name(v->t));
			break;
		case ST_INFO_JSON:
			if (any)
				sbuf_addc(out, ',');
			sbuf_addf(out, "{\"field\":{\"pos\":%d,\"name\":", i);
			json_str(out, m->name);
			sbuf_adds(out, "},\"processNum\":1,");
			json_tags(out, m->tags);
			sbuf_addc(out, ',');
			json_value(out, v);
			sbuf_addc(out, '}');
			any = true;
			continue;
		}
		any = true;
		if (v->t == ST_V_STR)
			sbuf_adds(out, v->str ? v->str : "");
		else
			add_num(out, v);
		if (desc)
			sbuf_addf(out, ":\"%s\"", m->desc);
		sbuf_addc(out, '\n');
	}
	if (fmt == ST_INFO_JSON)
		sbuf_adds(out, "]\n");
}
