/*
 * dns: asynchronous reverse names and AS numbers on c-ares, driven from the
 * select() loop. No threads, no blocking calls. Implements struct namer.
 */
#ifndef HOPTOP_DNS_H
#define HOPTOP_DNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/select.h>

#include "hoptop/addr.h"
#include "hoptop/clock.h"
#include "hoptop/names.h"

struct dns;

/* Team Cymru's origin AS zones: the default (--as-zone changes it). */
#define DNS_AS_ZONE  "origin.asn.cymru.com"
#define DNS_AS_ZONE6 "origin6.asn.cymru.com"

/*
 * Creates a resolver using the system configuration (/etc/resolv.conf,
 * /etc/hosts). asn_zone: NULL for no AS lookups, else the IPv4 zone
 * (DNS_AS_ZONE); the IPv6 zone is derived (DNS_AS_ZONE6 for DNS_AS_ZONE,
 * else the same) unless asn_zone6 is given. Returns NULL with a message
 * in err.
 */
struct dns *dns_new(const struct hclock *clk, const char *asn_zone,
    const char *asn_zone6, char *err, size_t errlen);
void dns_free(struct dns *d);
/* Asks for the name (and AS) of a responder; cheap when already known. */
void dns_want(struct dns *d, const struct haddr *a);
/* Adds the resolver's sockets; returns the highest fd or -1. */
int dns_fds(struct dns *d, fd_set *rfds, fd_set *wfds);
/* When c-ares next needs to run, or CLOCK_NEVER. */
int64_t dns_next_deadline(struct dns *d);
/* Processes ready sockets and timeouts. */
void dns_process(struct dns *d, fd_set *rfds, fd_set *wfds);
/* True once if results arrived since the last call (redraw). */
bool dns_changed(struct dns *d);
/*
 * 1 and the name, 0 if none (yet, or a negative answer). A name whose TTL
 * ran out is still given while its refresh is in flight.
 */
int dns_name(struct dns *d, const struct haddr *a, char *buf, size_t len);
/* 1 and the AS number, 0 if none (yet). */
int dns_asn(struct dns *d, const struct haddr *a, uint32_t *asn);
/*
 * Why names may not come: NULL while the servers answer (or nothing was
 * asked), else a short phrase ("the DNS server does not answer") from the
 * last query that failed with no answer since. The string is static.
 */
const char *dns_problem(const struct dns *d);
/* A namer over this resolver. */
struct namer dns_namer(struct dns *d);

/*
 * Which lookups dns_want starts. After dns_new names are on, and AS numbers
 * are on when a zone was given. Turning a kind on does not ask by itself:
 * call dns_want again. Turning it off keeps what is cached.
 */
void dns_enable_names(struct dns *d, bool on);
/* Returns 0, or -1 (EINVAL) to turn AS lookups on without a zone. */
int dns_enable_asn(struct dns *d, bool on);

enum dns_state {
	DNS_STATE_NONE = 0, /* nothing asked about a (or nothing enabled) */
	DNS_STATE_PENDING,  /* an enabled lookup of a is in flight */
	DNS_STATE_KNOWN,    /* every enabled lookup answered (maybe "none") */
};
/* Where the enabled lookups of a stand; --once waits while PENDING. */
enum dns_state dns_state(struct dns *d, const struct haddr *a);

/* Cache limits. Positive TTLs are clamped to [MIN, MAX]. */
#define DNS_CACHE_MAX      4096
#define DNS_TTL_MAX_S      300
#define DNS_TTL_MIN_S      30
#define DNS_NEGATIVE_TTL_S 60

#endif
