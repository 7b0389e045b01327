/* Socket addresses as HAProxy writes them (reference §1.2 "Addresses",
 * §1.10, §1.11, §4.1): "[<prefix>@]<host>[:<port>[-<port>]]", "/path",
 * "unix@", "abns@", "fd@<n>", "sockpair@<n>", and for log targets
 * "stdout", "stderr", "ring@<name>", "udp@", "tcp@". The word is first
 * env-expanded a second time (${VAR} and $VAR, even unquoted), as
 * HAProxy's str2sa_range() does. A struct cfg_addr is embedded in its
 * owner (bind, server, log target); addr_clear() frees what it holds. */
#ifndef SLUICE_PARSER_ADDR_H
#define SLUICE_PARSER_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/socket.h>

#include "kw.h"

enum addr_kind {
	ADDR_NONE,     /* nothing parsed (default-server) */
	ADDR_INET,     /* IPv4/IPv6 (ss), or a hostname still to resolve */
	ADDR_UNIX,     /* path in ss (sockaddr_un) and in path */
	ADDR_ABNS,     /* Linux abstract namespace: path without the NUL */
	ADDR_FD,       /* fd@<n>: an inherited socket */
	ADDR_SOCKPAIR, /* sockpair@<n>: socketpair to receive fds from */
	ADDR_STDOUT,   /* log target stdout (fd 1) */
	ADDR_STDERR,   /* log target stderr (fd 2) */
	ADDR_RING,     /* log target ring@<name> */
};

enum addr_port {
	ADDR_PORT_NONE,   /* no port given: server uses the client's dst port */
	ADDR_PORT_FIXED,  /* port_lo..port_hi (equal unless a bind range) */
	ADDR_PORT_OFFSET, /* server "+N"/"-N": client's dst port + port_off */
};

struct cfg_addr {
	enum addr_kind kind;
	char *text;   /* the word after env expansion (owned) */
	int family;   /* AF_INET, AF_INET6, AF_UNIX, or AF_UNSPEC (hostname) */
	bool stream;  /* true unless a datagram target (log ip/udp@/unix log) */
	bool any;     /* 0.0.0.0, * or empty host: any / client's dst */
	struct sockaddr_storage ss; /* port set to port_lo when fixed */
	socklen_t sslen;
	enum addr_port port_mode;
	uint16_t port_lo, port_hi;
	int port_off;
	char *host;   /* hostname waiting for addr_resolve(), else NULL */
	char *path;   /* unix/abns path, ring name */
	int fd;       /* fd@ / sockpair@ / stdout / stderr */
};

/* What a caller accepts (addr_parse flags). */
#define ADDR_F_PORT_MAND   0x0001u /* port required (bind) */
#define ADDR_F_PORT_RANGE  0x0002u /* "lo-hi" allowed (bind) */
#define ADDR_F_PORT_OFFSET 0x0004u /* "+N"/"-N" allowed (server) */
#define ADDR_F_PORT_ZERO   0x0008u /* port 0 allowed (server) */
#define ADDR_F_HOST_LATER  0x0010u /* hostnames kept for addr_resolve() */
#define ADDR_F_UNIX        0x0020u /* unix@, abns@, /path */
#define ADDR_F_FD          0x0040u /* fd@ */
#define ADDR_F_SOCKPAIR    0x0080u /* sockpair@ */
#define ADDR_F_LOG         0x0100u /* stdout, stderr, ring@, udp@, tcp@ */
#define ADDR_F_DGRAM       0x0200u /* default to datagram sockets (log) */
#define ADDR_F_NO_PORT_OK  0x0400u /* port may be missing (server, log) */

/* Default port for a log target without one. */
#define ADDR_LOG_PORT 514

/* Expands ${NAME} and $NAME from the process environment (unset ->
 * empty), as HAProxy's env_expand(). Returns an allocated string. */
char *addr_env_expand(const char *in);

/* Parses one address (no comma lists: see addr_parse_list). ctx is the
 * message prefix HAProxy uses ("'bind' : ", "'server b/s' : ", "log : ")
 * and is put before every diagnostic, reported at word w. Returns 0, or
 * -1 with a diagnostic; *a is cleared first and always left freeable. */
int addr_parse(struct cfg_ctx *cx, const struct cfg_word *w, const char *ctx,
               unsigned flags, struct cfg_addr *a);

/* A bind address list "a,b,c": each element parsed with addr_parse. */
int addr_parse_list(struct cfg_ctx *cx, const struct cfg_word *w,
                    const char *ctx, unsigned flags, struct cfg_addr **out,
                    size_t *nout);

/* Resolves a->host with getaddrinfo (family kept if forced by a prefix).
 * Returns 0 or -1 (nothing reported: callers word their own message). */
/* When on, names are not looked up (only numeric addresses resolve):
 * the fuzzer and tests never query a DNS server. From cfg_opts.no_dns. */
void addr_set_numeric_only(bool on);
/* getaddrinfo() under that policy. */
int addr_lookup(const char *host, int family, struct addrinfo **res);
int addr_resolve(struct cfg_addr *a);

/* "1.2.3.4:80", "[::1]:443", "unix@/path"... for messages (caller frees). */
char *addr_str(const struct cfg_addr *a);

void addr_clear(struct cfg_addr *a);
void addr_copy(struct cfg_addr *dst, const struct cfg_addr *src);

#endif
