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

/* Which kind of socket a real transport uses (net.h; -u/--unprivileged). */
enum net_method { METHOD_AUTO = 0, METHOD_RAW, METHOD_UNPRIV };

struct probe {
	uint16_t seq;  /* 1..PACKET_SEQ_MAX */
	uint16_t flow; /* 0..flows-1 */
	uint8_t ttl;
};

enum reply_kind {
	REPLY_TIME_EXCEEDED = 0, /* an intermediate hop */
	REPLY_DEST,              /* Echo Reply / Port Unreach / SYN-ACK / RST */
	REPLY_UNREACH,           /* other Destination Unreachable */
	/*
	 * Not a reply: the kernel's send time of our probe seq, tx_real_ns
	 * (CLOCK_REALTIME, the clock of rx_real_ns). Only seq and
	 * tx_real_ns are set. A transport hands out a probe's stamp before
	 * any reply to it that it read in the same or a later recv.
	 */
	REPLY_TX_STAMP,
};

struct reply {
	enum reply_kind kind;
	uint16_t seq;
	struct haddr from;      /* who answered */
	struct haddr probe_dst; /* where the answered probe was going */
	uint8_t icmp_type, icmp_code;
	int reply_ttl; /* -1 unknown */
	int64_t rx_ns; /* monotonic receive time (kernel stamp) */
	/* The kernel's receive stamp itself (CLOCK_REALTIME), 0 if none. */
	int64_t rx_real_ns;
	int64_t tx_real_ns; /* REPLY_TX_STAMP only */
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
	size_t size;     /* probe size; 0 = default */
	uint32_t cookie; /* in every probe's payload (packet.h) */
	/* ping-the-hop: Echo Replies from this address answer our pings too
	 * (set by send_ping; unset: none) */
	struct haddr ping_to;
	/* Several targets share these sockets (mux): replies about any
	 * destination pass the checker; the mux routes them. */
	bool any_target;
	/* No kernel send stamps (a large fleet: they would double what the
	 * socket reads); RTTs from the user-space send time. */
	bool no_tx_stamps;
};

struct transport;

/* What the engine did besides sending (recorded, and replayed). */
enum transport_note_kind {
	NOTE_TICK = 0, /* probes expired */
	NOTE_RESET,    /* statistics reset */
	NOTE_PROBES,   /* probes per hop from the next cycle: value */
	NOTE_PAUSE,    /* paused (value 1) or resumed (value 0) */
	NOTE_PING,     /* ping-the-hop: value the TTL, 0 = off */
};

struct transport_note {
	enum transport_note_kind kind;
	int value;
	int64_t now_ns;
};

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
	 * *r may instead be a REPLY_TX_STAMP (the kernel's send time of one
	 * of our probes); transports without kernel send stamps (sim) never
	 * give one, and the engine then times from *sent_ns of send.
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
	/*
	 * Optional (NULL: the sockets cannot be shared): send like send,
	 * but to dst instead of the target (the mux's targets share one
	 * transport). Returns 0, or -1 with errno.
	 */
	int (*send_to)(struct transport *t, const struct probe *p,
	    const struct haddr *dst, int64_t *sent_ns);
	/*
	 * Optional, for a recording and a replay (record, replay; NULL
	 * elsewhere). note: the engine acted at n->now_ns (expired probes,
	 * or applied a control: reset, probes per hop, pause); a recording
	 * writes it down. control: a recorded control due at now_ns (1 with
	 * *n filled, else 0), which the engine applies. engine_time: the
	 * time the engine acts at, given the clock's now (a replay: the
	 * recorded time of the next engine action, or of the last one).
	 * engine_deadline: the engine's next deadline, given its own (a
	 * replay: the next recorded time).
	 */
	void (*note)(struct transport *t, const struct transport_note *n);
	int (*control)(
	    struct transport *t, int64_t now_ns, struct transport_note *n);
	int64_t (*engine_time)(struct transport *t, int64_t now_ns);
	int64_t (*engine_deadline)(struct transport *t, int64_t engine_ns);
};

/* Implementations embed this as their first member. */
struct transport {
	const struct transport_ops *ops;
	struct transport_params params;
};

void transport_free(struct transport *t); /* NULL is a no-op */

/*
 * Random identity for one process: an ICMP identifier (proto PROTO_ICMP),
 * or a first source port for UDP/TCP such that the flows' ports stay in
 * TRANSPORT_PORT_LO..TRANSPORT_PORT_HI; and a payload cookie. From
 * getrandom(2), so two instances (even in separate PID namespaces) differ.
 */
#define TRANSPORT_PORT_LO 33000
#define TRANSPORT_PORT_HI 60999
uint16_t transport_random_ident(enum probe_proto proto, unsigned flows);
uint32_t transport_random_cookie(void);
/* The destination port of UDP and TCP probes when none is given (-P). */
#define TRANSPORT_UDP_PORT 33434
#define TRANSPORT_TCP_PORT 80
/*
 * Clears *tp and sets the probes' protocol, destination port (port 0: the
 * protocol's default above), flows and a fresh random identifier and
 * cookie. Family and target are the caller's to fill in.
 */
void transport_params_init(struct transport_params *tp, enum probe_proto proto,
    unsigned port, unsigned flows);
/*
 * Whether a parsed reply's cookie fits tp: a reply that holds one must
 * hold ours, and an Echo Reply to a probe long enough to carry it must
 * hold it.
 */
bool transport_cookie_ok(
    const struct transport_params *tp, const struct pkt_reply *pr);
/*
 * The one reply checker (net and sim both call it): whether a parsed
 * packet answers one of tp's probes, and as what. Ours means: a probe
 * kind (not PKT_OTHER) of tp's protocol; the ICMP identifier (unless
 * any_ident: a ping socket, whose identifier the kernel chose and checked),
 * or a source port of the flows and the destination port; a probe that
 * was going to the target (or an Echo Reply from tp->ping_to, the hop
 * pinged by send_ping); the cookie (transport_cookie_ok). Kind: Time
 * Exceeded; Echo Reply, SYN-ACK or RST, or a UDP Port Unreachable sent by
 * the target itself, is REPLY_DEST; every other Destination Unreachable
 * (a Port Unreachable from another host included) is REPLY_UNREACH.
 * With tp->any_target, a probe to any destination passes (the mux
 * checks it), and a UDP Port Unreachable is REPLY_DEST when the probe's
 * destination sent it.
 * Returns true with *r filled (rx_ns 0: the caller's), false to drop.
 */
bool transport_check_reply(const struct transport_params *tp,
    const struct pkt_reply *pr, bool any_ident, struct reply *r);

#endif
