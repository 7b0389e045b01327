/* server / default-server / server-template lines (reference §1.11).
 * Owned by the proxy (px->servers, px->defsrv); server_free() frees.
 * Times are in ms. A new server starts as a copy of px->defsrv. */
#ifndef SLUICE_PARSER_SERVER_H
#define SLUICE_PARSER_SERVER_H

#include "addr.h"
#include "cfg.h"
#include "kw.h"
#include "ssl_opts.h"

struct cfg_proxy;
struct smp_expr;

enum srv_observe { SRV_OBS_NONE, SRV_OBS_LAYER4, SRV_OBS_LAYER7 };
enum srv_on_error { SRV_ONERR_FASTINTER, SRV_ONERR_FAIL_CHECK,
                    SRV_ONERR_SUDDEN_DEATH, SRV_ONERR_MARK_DOWN };
enum srv_ws { SRV_WS_AUTO, SRV_WS_H1, SRV_WS_H2 };
enum srv_proto { SRV_PROTO_AUTO, SRV_PROTO_H1, SRV_PROTO_H2, SRV_PROTO_FCGI,
                 SRV_PROTO_NONE };

/* init-addr methods, tried in order */
enum srv_init_addr { SRV_IA_LAST, SRV_IA_LIBC, SRV_IA_NONE, SRV_IA_IP };
#define SRV_IA_MAX 4

/* proxy-v2-options bits */
#define SRV_PP2_SSL        0x01u
#define SRV_PP2_CERT_CN    0x02u
#define SRV_PP2_SSL_CIPHER 0x04u
#define SRV_PP2_CERT_SIG   0x08u
#define SRV_PP2_CERT_KEY   0x10u
#define SRV_PP2_AUTHORITY  0x20u
#define SRV_PP2_CRC32C     0x40u
#define SRV_PP2_UNIQUE_ID  0x80u

struct cfg_server {
	char *name;               /* NULL for default-server */
	struct cfg_loc loc;       /* the "server" word of the line */
	struct cfg_proxy *px;
	bool is_default;

	/* address */
	struct cfg_addr addr;     /* ADDR_NONE for default-server */
	enum srv_init_addr init_addr[SRV_IA_MAX];
	int n_init_addr;          /* 0 = "last,libc" */
	struct cfg_addr init_addr_ip;
	bool unresolved;          /* init-addr none applied: starts in MAINT */
	char *tmpl_prefix;        /* server-template: prefix; name = prefix + N */

	/* load balancing */
	int weight;               /* 0..256, default 1 */
	bool backup;
	int maxconn, maxqueue, minconn;
	uint32_t slowstart;
	char *cookie;
	int id;                   /* 0 = auto */
	bool disabled;            /* start in maintenance */
	bool non_stick;
	char *redir;

	/* health checks */
	bool check;
	uint32_t inter, fastinter, downinter; /* fastinter/downinter 0 = inter */
	int rise, fall;
	int check_port;           /* 0 = server port */
	struct cfg_addr check_addr; /* ADDR_NONE = server address */
	bool check_ssl, check_send_proxy, check_via_socks4;
	char *check_sni, *check_alpn, *check_proto;
	bool agent_check;
	int agent_port;
	struct cfg_addr agent_addr;
	uint32_t agent_inter;
	char *agent_send;
	enum srv_observe observe;
	int error_limit;
	enum srv_on_error on_error;
	bool on_marked_down_shutdown;       /* shutdown-sessions */
	bool on_marked_up_shutdown_backup;  /* shutdown-backup-sessions */
	char *track;              /* "[proxy/]server" as written */
	struct cfg_loc track_loc;
	struct cfg_server *tracked; /* servers_resolve() */

	/* connection to the server */
	int send_proxy;           /* 0, 1 (v1) or 2 (v2) */
	unsigned pp2_opts;        /* SRV_PP2_* */
	bool tfo;
	uint32_t tcp_ut;
	enum srv_proto proto;
	enum srv_ws ws;
	struct cfg_addr source;   /* ADDR_NONE = let the kernel choose */
	char *source_interface;
	int pool_max_conn;        /* -1 = unlimited */
	int pool_low_conn;
	uint32_t pool_purge_delay;/* 5000 */
	int max_reuse;            /* -1 = unlimited */

	/* TLS to the server */
	bool ssl;
	enum sslo_verify verify;   /* UNSET: required unless ssl-server-verify none */
	char *verifyhost;
	char *sni_text;           /* sni <expr> as written */
	struct cfg_loc sni_loc;
	struct smp_expr *sni;
	char *ca_file, *crl_file, *crt;
	char *alpn, *npn, *ciphers, *ciphersuites;
	struct sslo_opts ssl_opts;
	bool ssl_reuse;           /* default true */
	bool allow_0rtt;
};

struct cfg_server *server_new_default(void);
void server_free(struct cfg_server *s);
/* Makes dst a copy of src's settings (a default-server), except name,
 * place and the parsed sni expression (the caller re-parses sni_text). */
void server_copy_defaults(struct cfg_server *dst, const struct cfg_server *src);
/* The server of px named name, or NULL. */
struct cfg_server *server_find(const struct cfg_proxy *px, const char *name);

#endif
