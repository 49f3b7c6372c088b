/*
 * netsim: a simulated network. Given a scenario, an outgoing probe packet
 * (a whole IPv4/IPv6 packet) and the time, it decides the reply packet
 * (whole bytes, correct checksums) and when it is due. Seeded: a scenario
 * replays identically. Used by sim (in-process), by tests and by the TUN
 * front (tests/integration/tunsim).
 */
#ifndef HOPTOP_NETSIM_H
#define HOPTOP_NETSIM_H

#include <stdint.h>
#include <sys/types.h>

#include "hoptop/addr.h"

struct netsim;

/*
 * What the simulator saw and did at one TTL (for exact test assertions).
 * Every probe with this TTL is counted once: in fwd_lost, or in probes and
 * then in exactly one of answered / dropped. Hostile junk is not counted.
 */
struct netsim_counts {
	uint64_t probes;   /* probes that reached this TTL's hop */
	uint64_t answered; /* replies generated (queued) */
	uint64_t dropped;  /* lost, silent or rate-limited */
	uint64_t hold_ns;  /* sum of configured hold times of answered ones */
	uint64_t fwd_lost; /* dropped by forward_loss at an earlier hop */
};

/* The largest scenario file netsim_load reads (bytes). */
#define NETSIM_MAX_FILE (1024 * 1024)

/*
 * Loads a JSON scenario file (at most NETSIM_MAX_FILE bytes, read with a
 * bounded read: errno EFBIG past that); NULL with a message in err.
 */
struct netsim *netsim_load(const char *file, char *err, size_t errlen);
/* Parses a JSON scenario from a string. */
struct netsim *netsim_parse(const char *json, char *err, size_t errlen);
/* The built-in --demo scenario (about ten hops, lossy, silent, ECMP). */
struct netsim *netsim_demo(void);
/* The JSON text of the built-in scenario (tests/data/scenarios/demo.json). */
const char *netsim_demo_json(void);
void netsim_free(struct netsim *ns);

const char *netsim_name(const struct netsim *ns);
/* Number of hops (the target's TTL) on the scenario's initial path. */
int netsim_hop_count(const struct netsim *ns);
/* The scenario's target and source for a family (AF_INET / AF_INET6). */
int netsim_target(const struct netsim *ns, int family, struct haddr *out);
int netsim_source(const struct netsim *ns, int family, struct haddr *out);

/*
 * Takes one outgoing packet at now_ns. Returns 0 (a reply may be queued),
 * or -1 if the packet was not a parsable IP packet.
 */
int netsim_input(
    struct netsim *ns, const uint8_t *pkt, size_t len, int64_t now_ns);
/* Due time of the next queued reply, or INT64_MAX. */
int64_t netsim_next_due(const struct netsim *ns);
/* Pops the next reply due at or before now_ns into buf; 0 if none. */
ssize_t netsim_output(
    struct netsim *ns, int64_t now_ns, uint8_t *buf, size_t cap);
/*
 * The scenario's host name for an address (its "names" map: what a reverse
 * lookup would say on this path). Returns 1 with the name, 0 if none.
 */
int netsim_host_name(
    const struct netsim *ns, const struct haddr *a, char *buf, size_t len);
/* Counts per TTL (1..255). */
void netsim_counts(const struct netsim *ns, int ttl, struct netsim_counts *out);

#endif
