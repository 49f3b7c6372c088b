/*
 * transport: what the engine talks to. The engine does not know whether its
 * packets cross a kernel (net) or the simulator (sim).
 *
 * A transport is created knowing the family, protocol, target, port, ident
 * and flow count; it builds probes with packet_build() and gives back only
 * replies whose identity (ICMP identifier / source port range) is ours.
 * Matching the sequence to a live probe is the engine's job.
 */
#ifndef HOPTOP_TRANSPORT_H
#define HOPTOP_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hoptop/addr.h"
#include "hoptop/packet.h"

struct probe {
	uint16_t seq;  /* 1..PACKET_SEQ_MAX */
	uint16_t flow; /* 0..flows-1 */
	uint8_t ttl;
};

enum reply_kind {
	REPLY_TIME_EXCEEDED = 0, /* an intermediate hop */
	REPLY_DEST,              /* Echo Reply / Port Unreach / SYN-ACK / RST */
	REPLY_UNREACH,           /* other Destination Unreachable */
};

struct reply {
	enum reply_kind kind;
	uint16_t seq;
	struct haddr from;      /* who answered */
	struct haddr probe_dst; /* where the answered probe was going */
	uint8_t icmp_type, icmp_code;
	int reply_ttl; /* -1 unknown */
	int64_t rx_ns; /* monotonic receive time (kernel stamp) */
	struct mpls_stack mpls;
};

struct transport_params {
	int family;
	enum probe_proto proto;
	struct haddr target;
	uint16_t port;  /* UDP/TCP destination port */
	uint16_t ident; /* ICMP identifier / first source port */
	uint16_t flows; /* source ports ident .. ident+flows-1 are ours */
	uint8_t tos;
	size_t size; /* probe size; 0 = default */
};

struct transport;

struct transport_ops {
	/* The fd to select() for reading, or -1 (the simulator has none). */
	int (*fd)(struct transport *t);
	/*
	 * Sends one probe with the given TTL. *sent_ns is the monotonic time
	 * read right at the send. Returns 0, or -1 with errno (ENOBUFS,
	 * EHOSTUNREACH, ...: the engine counts the probe as lost).
	 */
	int (*send)(
	    struct transport *t, const struct probe *p, int64_t *sent_ns);
	/*
	 * Takes the next reply that is ours. Returns 1 with *r filled, 0 when
	 * nothing is waiting (EAGAIN, or nothing due before now_ns), -1 with
	 * errno on a real error. Foreign and malformed packets are skipped.
	 */
	int (*recv)(struct transport *t, struct reply *r, int64_t now_ns);
	/* When recv next has something without a readable fd, or CLOCK_NEVER.
	 */
	int64_t (*next_deadline)(struct transport *t);
	/* Short description for headers: "raw ICMP", "ping socket", ... */
	const char *(*method)(const struct transport *t);
	/* Our source address toward the target (may be unset). */
	void (*source)(const struct transport *t, struct haddr *out);
	void (*free)(struct transport *t);
	/*
	 * Optional (NULL: not supported): ping-the-hop. Sends an ICMP Echo
	 * Request with sequence seq and a full TTL to dst (a hop's own
	 * address) on an ICMP transport; its Echo Reply comes back from recv
	 * as REPLY_DEST with probe_dst = dst. Returns 0, or -1 with errno
	 * (EPROTONOSUPPORT on a UDP or TCP transport).
	 */
	int (*send_ping)(struct transport *t, const struct haddr *dst,
	    uint16_t seq, int64_t *sent_ns);
};

/* Implementations embed this as their first member. */
struct transport {
	const struct transport_ops *ops;
	struct transport_params params;
};

void transport_free(struct transport *t); /* NULL is a no-op */

#endif
