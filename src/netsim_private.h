/*
 * netsim_private: what the simulator's runtime (netsim.c) and its scenario
 * loader (netsim_scenario.c) share. Not a public interface: only those two
 * files include it.
 */
#ifndef HOPTOP_NETSIM_PRIVATE_H
#define HOPTOP_NETSIM_PRIVATE_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>

#include "hoptop/netsim.h"
#include "hoptop/packet.h"

#define MAX_HOPS    255
#define MAX_ECMP    16
#define MAX_CHANGES 32
#define QUEUE_START 64
#define QUEUE_MAX   16384
#define NS_MS       1000000LL
#define LATE_NS     (5000 * NS_MS) /* hostile: a copy of the reply this late */
#define V6_MIN_MTU  1280
#define EXT_QUOTE   128 /* quoted bytes when RFC 4884 extensions follow */
#define ROUTER_TTL  255
#define HOST_TTL    64
#define FOREIGN     0x5555 /* xor'd into the ident of a probe not ours */
#define PATH_LEN    256

#define IP4_HDR  20
#define IP6_HDR  40
#define ICMP_HDR 8
#define UDP_HDR  8
#define TCP_HDR  20

#define TCP_FLAGS (TH_SYN | TH_RST | TH_ACK)

/* Linux-style token bucket on the replies a hop generates. */
struct bucket {
	double pps;   /* refill rate; 0 = no limit */
	double burst; /* capacity, and the tokens at the start */
	double tokens;
	int64_t last_ns;
	bool primed;
};

struct hop {
	struct haddr addrs[MAX_ECMP];
	int n_addrs;
	int64_t delay_ns;  /* round-trip time this hop adds */
	int64_t jitter_ns; /* plus uniform [0, jitter_ns] per packet */
	double loss;       /* its own replies lost */
	double fwd_loss;   /* probes it forwards lost */
	bool silent, hostile, tcp_open;
	int reply_ttl; /* TTL its replies arrive with; -1 = default */
	struct bucket rl;
	struct mpls_stack mpls;
};

struct route {
	int64_t at_ns; /* in force from this long after the first probe */
	struct hop *hops;
	int n_hops;
};

/* Reply queue: a binary heap of keys; the bytes live in slots. */
struct qkey {
	int64_t due_ns;
	uint64_t order; /* ties leave in the order they were queued */
	uint32_t slot;
};

struct qslot {
	uint16_t len;
	uint8_t data[PACKET_MAX];
};

/* One entry of the scenario's "names" map. */
struct host_name {
	struct haddr addr;
	char name[64];
};

struct netsim {
	char name[64];
	uint64_t seed, rng;
	struct haddr src[2], dst[2]; /* [0] IPv4, [1] IPv6 */
	struct route routes[MAX_CHANGES + 1];
	int n_routes;
	bool started;
	int64_t start_ns;
	uint16_t ip_id;
	uint64_t order;
	struct netsim_counts counts[256];
	struct host_name *names; /* "names": what a PTR lookup would say */
	size_t n_names;
	struct qkey *heap;
	struct qslot *slots;
	uint32_t *free_slots;
	size_t n_queued, n_free, cap;
};

/* An outgoing probe, as netsim reads it. pkt is not owned. */
struct probe_in {
	int family;
	int fi; /* 0 IPv4, 1 IPv6 */
	uint8_t proto, ttl;
	struct haddr src, dst;
	const uint8_t *pkt; /* len bytes (as its IP header says) */
	size_t len, iphl;
};

/* A packet being built. */
struct pbuf {
	uint8_t b[PACKET_MAX];
	size_t len;
};

/* What an ICMP error says and carries. */
struct icmp_err {
	uint8_t type, code;
	uint8_t qttl;                  /* TTL the probe had on arrival */
	const struct mpls_stack *mpls; /* NULL or empty: no extension */
};

/* tests/data/scenarios/demo.json, built in at build time (NUL-terminated). */
extern const char netsim_demo_scenario[];

#endif
