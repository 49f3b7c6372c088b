/* addr: a compact IPv4/IPv6 address value. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "hoptop/addr.h"

bool
addr_eq(const struct haddr *a, const struct haddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	if (a->family == AF_INET6)
		return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
	return true;
}

bool
addr_is_set(const struct haddr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

const char *
addr_str(const struct haddr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (!addr_is_set(a) ||
	    inet_ntop(a->family, &a->u, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "???");
	return buf;
}

int
addr_parse(const char *s, struct haddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->u.v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->u.v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	out->family = AF_UNSPEC;
	return -1;
}

socklen_t
addr_to_sockaddr(
    const struct haddr *a, unsigned port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr = a->u.v4;
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = a->u.v6;
		return sizeof(*sin6);
	}
	return 0;
}

int
addr_from_sockaddr(const struct sockaddr *sa, struct haddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		out->u.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		out->family = AF_INET6;
		out->u.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		return 0;
	}
	out->family = AF_UNSPEC;
	return -1;
}

void
addr_from_bytes(struct haddr *a, int family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = (sa_family_t)family;
	memcpy(&a->u, bytes, family == AF_INET6 ? 16 : 4);
}

unsigned
addr_hash(const struct haddr *a)
{
	const unsigned char *p = (const unsigned char *)&a->u;
	size_t n = a->family == AF_INET ? 4 : 16;
	unsigned h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}
