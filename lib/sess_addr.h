/* A connection's address as a session keeps it (client, peer, local
 * end): IPv4 or IPv6 in full, anything else by its family only. An idle
 * tunnel holds four of these, so they are 28 bytes instead of a
 * struct sockaddr_storage's 128: nothing reads a unix socket's path off
 * a session (logs print "unix", show sess "unix:1", PROXY headers send
 * UNSPEC for non-IP families), and other families are only told apart
 * by sa_family.
 *
 * Read it through its members (sa.sa_family first); pass &a->sa where a
 * function takes a struct sockaddr *, which then must not read past
 * sess_addr_len(a) bytes. Never copy it to or from a struct
 * sockaddr_storage as a whole: sess_addr_set() fills one, and
 * sess_addr_len() bounds a copy out of it. */
#ifndef SLUICE_LIB_SESS_ADDR_H
#define SLUICE_LIB_SESS_ADDR_H

#include <netinet/in.h>
#include <sys/socket.h>

union sess_addr {
	struct sockaddr sa;       /* the family; for AF_UNIX and others all
	                           * that is kept */
	struct sockaddr_in in;    /* AF_INET */
	struct sockaddr_in6 in6;  /* AF_INET6 */
};

/* Stores the address sa of length len (as accept(), getsockname() or a
 * configuration gives it) into a: an IPv4 or IPv6 address whole (at
 * most len bytes of it, the rest zero), any other family as its family
 * only; sa NULL or len too short for a family: AF_UNSPEC. Never reads
 * more than len bytes of sa. */
void sess_addr_set(union sess_addr *a, const struct sockaddr *sa, socklen_t len);

/* The length of a as a struct sockaddr: sizeof(struct sockaddr_in) or
 * sizeof(struct sockaddr_in6) for IP, sizeof(sa_family_t) otherwise. */
socklen_t sess_addr_len(const union sess_addr *a);

#endif
