/* addr: a compact IPv4/IPv6 address value, pure helpers. */
#ifndef HOPTOP_ADDR_H
#define HOPTOP_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Longest text form of an address, with the NUL. */
#define ADDR_STRLEN INET6_ADDRSTRLEN

struct haddr {
	sa_family_t family; /* AF_INET, AF_INET6, or AF_UNSPEC for none */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

bool addr_eq(const struct haddr *a, const struct haddr *b);
bool addr_is_set(const struct haddr *a);
/* Writes the numeric text form into buf (at least ADDR_STRLEN); returns buf. */
const char *addr_str(const struct haddr *a, char *buf, size_t len);
/* Parses a numeric IPv4 or IPv6 address; 0 on success, -1 if not one. */
int addr_parse(const char *s, struct haddr *out);
/* Conversions to and from sockaddr; port in host order. */
socklen_t addr_to_sockaddr(
    const struct haddr *a, unsigned port, struct sockaddr_storage *ss);
int addr_from_sockaddr(const struct sockaddr *sa, struct haddr *out);
/* An address from raw network bytes (4 for AF_INET, 16 for AF_INET6). */
void addr_from_bytes(struct haddr *a, int family, const void *bytes);
/* A stable 32-bit hash of the address (for small hash tables). */
unsigned addr_hash(const struct haddr *a);

#endif
