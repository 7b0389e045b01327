/* Socket options set from the configuration, in one place so the data
 * path carries no OS #ifdefs (DESIGN.md, portability): TCP user timeout
 * (tcp-ut), buffer sizes (tune.rcvbuf.* / tune.sndbuf.*), a source address
 * for outgoing connections (server "source") and a device
 * (SO_BINDTODEVICE: bind/server "interface"). */
#ifndef SLUICE_LIB_SOCKOPT_H
#define SLUICE_LIB_SOCKOPT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* TCP_USER_TIMEOUT in ms (0: leave the system default). Returns 0, or -1
 * with errno set (ENOTSUP where the system has no such option). */
int sockopt_user_timeout(int fd, uint32_t ms);

/* SO_RCVBUF / SO_SNDBUF when > 0. Returns 0 or -1 (errno). */
int sockopt_bufsizes(int fd, int rcvbuf, int sndbuf);

/* Binds fd to a source address before connect(): ss's address, and a
 * port from port_lo..port_hi (both 0: any port chosen by the system).
 * Returns 0 or -1 (errno; EADDRINUSE when every port of the range is
 * taken). */
int sockopt_bind_source(int fd, const struct sockaddr_storage *ss,
                        uint16_t port_lo, uint16_t port_hi);

/* SO_BINDTODEVICE. Returns 0 or -1 (errno; ENOTSUP where missing). */
int sockopt_bind_device(int fd, const char *ifname);

#endif
