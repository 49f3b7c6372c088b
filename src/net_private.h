/*
 * net_private: what the socket transport's files share: net.c (the
 * transport, sending, kernel send stamps), net_open.c (opening sockets
 * before the privilege drop), net_rx.c (the receive ring, control
 * messages, the error queue) and net_bpf.c (kernel-side filters). Not a
 * public interface.
 */
#ifndef HOPTOP_NET_PRIVATE_H
#define HOPTOP_NET_PRIVATE_H

#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hoptop/clock.h"
#include "hoptop/net.h"
#include "hoptop/xmalloc.h"

#define RCVBUF_BYTES    (1 << 20)
#define RECV_BUDGET     64   /* packets looked at per recv call */
#define RX_BUF          4096 /* larger than any reply we want */
#define RX_RING         16   /* messages read per recvmmsg */
#define RX_CMSG         256  /* control data of one message */
#define MAX_UDP_FLOWS   64
#define UDP_HDR         8
#define RAW_ICMP_FILTER 1 /* SOL_RAW option of <linux/icmp.h> */

#define CAP_FIX                                                      \
	"run as root, or grant it with: sudo setcap cap_net_raw+ep " \
	"$(which hoptop)"

enum net_kind { KIND_RAW = 0, KIND_PING, KIND_UDP };

/* The prepared sockets of one family. */
struct fam {
	int rx;  /* raw ICMP / ICMPv6, or ping socket; -1 */
	int tx;  /* raw UDP / TCP socket; -1 */
	int err; /* errno of a failed open, 0 if none */
};

struct net_prep {
	enum probe_proto proto;
	enum net_kind kind;
	struct fam f[2]; /* [0] IPv4, [1] IPv6 */
};

/* What one receive queue holds and how to read it. */
enum q_kind {
	Q_TXTS,  /* error queue of a raw socket: kernel send stamps */
	Q_RAW,   /* raw socket: IPv4 with IP header, IPv6 without */
	Q_PING,  /* ping socket: Echo Replies, no IP header */
	Q_ERR,   /* error queue of a ping or UDP socket */
	Q_DRAIN, /* data on a UDP probe socket: read and drop */
};

struct rxq {
	int fd;
	enum q_kind kind;
	int ipproto; /* Q_RAW: what the socket carries */
	uint16_t flow;
	int pool; /* a socket of the per-probe pool (its index), or -1 */
};

/*
 * Unprivileged UDP learns a probe's sequence from the quoted payload (the
 * error queue hands out the payload, not the UDP header). A router that
 * quotes only the 8 bytes of UDP header RFC 792 asks for leaves nothing to
 * read: from the first such error on, each probe leaves by a socket of its
 * own from a pool of UDP_POOL (the socket names the probe, as in
 * traceroute), and Paris flows are given up: the source port changes.
 */
#define UDP_POOL 256

/*
 * Received messages not yet handed out: one recvmmsg fills the ring from
 * one queue, recv takes them one by one. Each slot has its own buffer,
 * name and control data (kernel stamp, TTL, extended error).
 */
struct rxring {
	struct mmsghdr mm[RX_RING];
	struct iovec iov[RX_RING];
	struct sockaddr_storage name[RX_RING];
	union {
		char b[RX_CMSG];
		struct cmsghdr align;
	} cm[RX_RING];
	uint8_t buf[RX_RING][RX_BUF];
	const struct rxq *q; /* the queue the held messages came from */
	unsigned pos, cnt;   /* next to hand out; how many are held */
	size_t drained;      /* queues found empty in a row this pass */
	/* both clocks, read once when the ring was filled: stamps convert */
	int64_t mono_ns, real_ns;
};

struct net_transport {
	struct transport base;
	enum net_kind kind;
	int rx, tx, epfd;
	int *flow_fd; /* one socket per flow: KIND_UDP's, or raw UDP/TCP's
	                 port holders (hold_raw_ports); may be NULL */
	struct rxq *q;
	size_t nq, next_q;
	struct haddr src;
	struct sockaddr_storage to;
	socklen_t tolen;
	bool txts;          /* kernel send stamps, ID = seq (SCM_TS_OPT_ID) */
	bool short_quote;   /* an error quoted too little to name its probe */
	int *pool_fd;       /* KIND_UDP per-probe sockets (NULL until needed) */
	uint16_t *pool_seq; /* the probe each pool socket sent last, 0 none */
	unsigned pool_next;
	struct rxring ring;
};

/* One received message and what its control data said. */
struct rxmsg {
	const uint8_t *data;
	size_t len;
	struct haddr from; /* msg_name: sender, or (error queue) probe dst */
	uint16_t from_port;
	int ttl; /* -1 unknown */
	int64_t rx_ns;
	int64_t real_ns; /* the kernel's receive stamp, 0 if none */
	/* a kernel send stamp (error queue): its ID and time */
	bool is_txts;
	uint32_t ts_key;
	int64_t tx_real_ns;
	bool has_ee;
	struct sock_extended_err ee;
	struct haddr offender;
};

static inline int
fam_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static inline int
icmp_proto(int family)
{
	return family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

static inline void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static inline int
setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

void net_setup_rx(int fd, int family, bool recverr);
int net_new_socket(int family, int type, int proto);
void net_spec_for(const struct net_transport *n, uint16_t flow, uint16_t seq,
    struct probe_spec *ps);
bool net_pending_icmp_error(int e);
void net_ring_init(struct rxring *rg);
int net_recv(struct transport *t, struct reply *r, int64_t now_ns);
void net_attach_filter(int fd, const struct transport_params *tp, bool tcp);

#endif
