/*
 * dns_test: what only the tests call (tests/test_dns.c): the pure helpers
 * behind the lookups, a resolver with servers of its own, and the cache
 * without the network. Not part of the module's interface (dns.h).
 */
#ifndef HOPTOP_DNS_TEST_H
#define HOPTOP_DNS_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "hoptop/dns.h"

/* Pure helpers. */
/* "4.3.2.1.in-addr.arpa" / nibble ip6.arpa name; returns 0 or -1. */
int dns_ptr_name(const struct haddr *a, char *buf, size_t len);
/* "1.0.0.10.origin.asn.cymru.com" style TXT query name for a zone. */
int dns_asn_qname(
    const struct haddr *a, const char *zone, char *buf, size_t len);
/* Parses "15169 | 8.8.8.0/24 | US | arin | 2000-03-30"; 0 or -1. */
int dns_parse_asn_txt(const char *txt, uint32_t *asn);

/*
 * Like dns_new, but queries the given servers instead of those of
 * /etc/resolv.conf: "127.0.0.1:5353,[::1]:53" (ares_set_servers_ports_csv
 * syntax). servers NULL or "" = the system configuration.
 */
struct dns *dns_new_servers(const struct hclock *clk, const char *asn_zone,
    const char *asn_zone6, const char *servers, char *err, size_t errlen);

/* The cache without the network. */
/*
 * Stores a name answer for a as if it had arrived from the network: a name
 * kept for clamp(ttl_s), or (negative) no name for DNS_NEGATIVE_TTL_S.
 */
void dns_cache_put(struct dns *d, const struct haddr *a, const char *name,
    int64_t ttl_s, bool negative);
/* Queries issued since dns_new (PTR and TXT). */
unsigned long dns_queries_sent(const struct dns *d);
/*
 * The smallest TTL (seconds) of the answer records of a raw DNS reply, or -1
 * if it has none or is malformed.
 */
int64_t dns_answer_ttl(const unsigned char *abuf, int alen);

#endif
