/* Socket options set from the configuration (see sockopt.h). */
#include "lib/sockopt.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

int
sockopt_user_timeout(int fd, uint32_t ms)
{
	if (ms == 0)
		return 0;
#ifdef TCP_USER_TIMEOUT
	unsigned int v = ms;
	return setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
#else
	(void)fd;
	errno = ENOTSUP;
	return -1;
#endif
}

int
sockopt_bufsizes(int fd, int rcvbuf, int sndbuf)
{
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		return -1;
	if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
		return -1;
	return 0;
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static socklen_t
ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
	                                 : (socklen_t)sizeof(struct sockaddr_in);
}

int
sockopt_bind_source(int fd, const struct sockaddr_storage *ss, uint16_t port_lo,
                    uint16_t port_hi)
{
	struct sockaddr_storage a;

	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memcpy(&a, ss, sizeof(a));
	if (port_hi < port_lo)
		port_hi = port_lo;
	/* several connections from one source address need distinct ports
	 * for the same destination: let bind() pick them unless told */
	if (port_lo == 0) {
		int one = 1;
#ifdef IP_BIND_ADDRESS_NO_PORT
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#else
		(void)one;
#endif
		set_port(&a, 0);
		return bind(fd, (struct sockaddr *)&a, ss_len(&a));
	}
	for (uint32_t p = port_lo; p <= port_hi; p++) {
		set_port(&a, (uint16_t)p);
		if (bind(fd, (struct sockaddr *)&a, ss_len(&a)) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	errno = EADDRINUSE;
	return -1;
}

int
sockopt_bind_device(int fd, const char *ifname)
{
	if (ifname == NULL || ifname[0] == '\0')
		return 0;
#ifdef SO_BINDTODEVICE
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
#else
	(void)fd;
	errno = ENOTSUP;
	return -1;
#endif
}
