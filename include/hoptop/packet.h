/*
 * packet: pure probe building and reply parsing. No I/O, no clock, no
 * globals: every function here is a function of its arguments.
 *
 * Where the probe sequence lives (Paris-style: the fields load balancers hash
 * stay constant for a flow):
 *   ICMP / ICMPv6 Echo: identifier = ident, sequence = seq. The payload starts
 *     with two 16-bit words: ~seq (so the ones-complement sum, and hence the
 *     checksum, does not change with seq) and flow (so each flow has its own
 *     constant checksum).
 *   UDP: source port = ident + flow, destination port = dport, and the UDP
 *     checksum equals seq: two payload bytes are chosen so that it does.
 *   TCP SYN: source port = ident + flow, destination port = dport, sequence
 *     number = seq << 16 | ident. A SYN-ACK or RST answers with
 *     ack = that + 1.
 * The cookie (per process, random) is xor'd into the first four filler
 * bytes after those words (ICMP bytes 12-15, UDP bytes 10-13) when the probe
 * is long enough (PACKET_COOKIE_MIN_ICMP / _UDP): an Echo Reply carries it
 * back, and so does a quote that holds that much of the probe. Constant per
 * process, so a flow's checksum stays constant.
 * Sequences are 1..PACKET_SEQ_MAX (0 would be no UDP checksum).
 */
#ifndef HOPTOP_PACKET_H
#define HOPTOP_PACKET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hoptop/addr.h"

#define PACKET_SEQ_MAX   0xfffe
#define PACKET_MAX       1500 /* largest packet we build or read */
#define MPLS_MAX_LABELS  8
#define ICMP_EXT_MAX_OBJ 4

enum probe_proto { PROTO_ICMP = 0, PROTO_UDP, PROTO_TCP };

/* One RFC 4950 label stack entry. */
struct mpls_label {
	uint32_t label; /* 20 bits */
	uint8_t tc;     /* 3 bits */
	uint8_t s;      /* bottom of stack, 1 bit */
	uint8_t ttl;
};

struct mpls_stack {
	uint8_t n;
	struct mpls_label l[MPLS_MAX_LABELS];
};

/* An RFC 4884 extension object we do not interpret (kept as class/type). */
struct icmp_ext_obj {
	uint8_t class_num;
	uint8_t c_type;
	uint16_t len;
};

struct probe_spec {
	int family; /* AF_INET or AF_INET6 */
	enum probe_proto proto;
	struct haddr src; /* needed for UDP/TCP (and ICMPv6) checksums */
	struct haddr dst;
	uint16_t ident;  /* ICMP identifier; UDP/TCP source port of flow 0 */
	uint16_t dport;  /* UDP/TCP destination port */
	uint16_t seq;    /* 1..PACKET_SEQ_MAX */
	uint16_t flow;   /* 0.. */
	uint8_t tos;     /* for packet_build_ip */
	size_t size;     /* transport-layer bytes wanted; 0 = default */
	uint32_t cookie; /* xor'd into the payload filler (0: plain filler) */
};

/* Transport-layer probe sizes from which the payload holds the cookie. */
#define PACKET_COOKIE_MIN_ICMP 16
#define PACKET_COOKIE_MIN_UDP  14

/* Default transport-layer size (header + payload) of a probe. */
#define PACKET_DEFAULT_SIZE 36

enum pkt_kind {
	PKT_OTHER = 0,     /* parsed, but not an answer to any probe */
	PKT_ECHO_REPLY,    /* ICMP(v6) Echo Reply */
	PKT_TIME_EXCEEDED, /* quotes a probe */
	PKT_UNREACH,       /* Destination Unreachable, quotes a probe */
	PKT_TCP_REPLY,     /* SYN-ACK or RST answering a TCP probe */
};

struct pkt_reply {
	enum pkt_kind kind;
	uint8_t type, code;     /* ICMP type/code; 0 for TCP */
	enum probe_proto proto; /* protocol of the probe answered */
	uint16_t ident;         /* ICMP identifier or probe source port */
	uint16_t dport;         /* probe destination port (UDP/TCP) */
	uint16_t seq;           /* recovered probe sequence */
	struct haddr src;       /* sender (IP header, or as given) */
	struct haddr probe_dst; /* where the probe was going */
	int reply_ttl;          /* TTL / hop limit of the reply, -1 unknown */
	int quoted_ttl;         /* TTL left in the quoted probe, -1 unknown */
	uint8_t tcp_flags;      /* for PKT_TCP_REPLY */
	struct mpls_stack mpls; /* RFC 4950 labels, if any */
	bool has_cookie;        /* the payload (or its quote) held a cookie */
	uint32_t cookie;        /* ... this one */
	uint8_t n_ext;          /* other extension objects */
	struct icmp_ext_obj ext[ICMP_EXT_MAX_OBJ];
};

/*
 * Builds the transport-layer probe (ICMP, ICMPv6, UDP or TCP header plus
 * payload) into buf. Returns its length, or -1 with errno EINVAL (bad spec)
 * or ENOSPC (buf too small).
 * UDP and TCP need src and dst set (their checksums cover them); ICMPv6
 * gets a checksum only when both are set (0 otherwise). size must leave
 * room for the fixed fields (ICMP >= 12, UDP >= 10) and fit PACKET_MAX with
 * an IP header. TCP ignores size: a TCP probe is a bare 20-byte SYN.
 */
ssize_t packet_build(const struct probe_spec *ps, uint8_t *buf, size_t cap);
/*
 * Builds a whole IP packet: an IPv4 or IPv6 header (ttl, ip_id, ps->tos)
 * followed by packet_build()'s bytes. For the simulator and TUN tests.
 */
ssize_t packet_build_ip(const struct probe_spec *ps, uint8_t ttl,
    uint16_t ip_id, uint8_t *buf, size_t cap);

/*
 * Parses a whole IP packet (IPv4 or IPv6 header first), as an IPv4 raw
 * socket or a TUN device delivers it. Returns 0 and fills *out, or -1 with
 * *why set to a static reason (truncated, bad length, not ICMP, ...).
 * A well-formed packet that answers no probe kind returns 0 with PKT_OTHER.
 */
#define PACKET_MPLS_TEXT 64 /* enough for packet_mpls_text() */
/* "[MPLS: Lbl 16004 TC 0 S 1 TTL 1]" (mtr's form) into buf; returns buf. */
const char *packet_mpls_text(const struct mpls_label *l, char *buf, size_t len);

int packet_parse_ip(
    const uint8_t *pkt, size_t len, struct pkt_reply *out, const char **why);
/*
 * Parses a message that starts at the ICMP, ICMPv6 or TCP header (as IPv6
 * raw sockets deliver it). src is the sender (from recvfrom), dst our own
 * address if known (may be NULL); ipproto is IPPROTO_ICMP, IPPROTO_ICMPV6
 * or IPPROTO_TCP. Same returns as packet_parse_ip.
 */
int packet_parse_l4(int family, int ipproto, const struct haddr *src,
    const struct haddr *dst, const uint8_t *msg, size_t len,
    struct pkt_reply *out, const char **why);
/*
 * Parses RFC 4884 extensions (with RFC 4950 MPLS objects) in an ICMP error
 * body. quoted points at the quoted datagram; length_words is the RFC 4884
 * length field (0 = the older form: extensions after 128 bytes, if a valid
 * header is there). Returns 0, or -1 if an extension is present but
 * malformed (then *out is left with what was valid).
 */
int packet_parse_ext(const uint8_t *quoted, size_t len, unsigned length_words,
    int family, struct pkt_reply *out);

/* Internet checksum over data, continuing from a partial 32-bit sum. */
uint16_t packet_checksum(const void *data, size_t len, uint32_t sum);
/* Partial sum of the IPv4/IPv6 pseudo-header. */
uint32_t packet_pseudo_sum(const struct haddr *src, const struct haddr *dst,
    uint8_t proto, uint32_t len);

const char *packet_proto_name(enum probe_proto p); /* "ICMP", "UDP", "TCP" */

/* Network-order fields, for the builders and parsers here and in netsim. */
static inline uint16_t
packet_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
packet_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
packet_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
packet_put32(uint8_t *p, uint32_t v)
{
	packet_put16(p, (uint16_t)(v >> 16));
	packet_put16(p + 2, (uint16_t)v);
}

#endif
