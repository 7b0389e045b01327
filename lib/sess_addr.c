/* Compact session addresses (see sess_addr.h). */
#include "lib/sess_addr.h"

#include <stddef.h>
#include <string.h>

void
sess_addr_set(union sess_addr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	/* the family is the only field every sockaddr has at the same
	 * place; a shorter address (an unbound unix peer may be shorter
	 * still) has none */
	if (sa == NULL || len < offsetof(struct sockaddr, sa_family) + sizeof(sa_family_t))
		return;
	size_t n = 0;
	if (sa->sa_family == AF_INET)
		n = sizeof(a->in);
	else if (sa->sa_family == AF_INET6)
		n = sizeof(a->in6);
	if (n > 0) {
		memcpy(a, sa, (size_t)len < n ? (size_t)len : n);
		return;
	}
	a->sa.sa_family = sa->sa_family;
}

socklen_t
sess_addr_len(const union sess_addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return sizeof(a->in);
	if (a->sa.sa_family == AF_INET6)
		return sizeof(a->in6);
	return sizeof(sa_family_t);
}
