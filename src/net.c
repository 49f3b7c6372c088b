/*
 * net: real sockets.
 *
 * Three ways to probe, tried in this order by METHOD_AUTO:
 *   raw      CAP_NET_RAW: a raw ICMP / ICMPv6 socket receives every answer
 *            (and sends ICMP probes); UDP and TCP probes go out on a raw
 *            UDP / TCP socket, and TCP answers (SYN-ACK, RST) come back on
 *            that same socket.
 *   ping     ICMP without privilege (net.ipv4.ping_group_range): a ping
 *            socket; the kernel sets the identifier to the socket's port
 *            and only hands us our own Echo Replies; Time Exceeded and
 *            Unreachable arrive on the error queue (IP_RECVERR).
 *   udp      UDP without privilege: one connected UDP socket per flow,
 *            bound to source port ident + flow; errors from the error
 *            queue. The kernel computes the UDP checksum itself, over the
 *            same fields packet_build() used, so it still equals seq.
 *
 * Receive times come from the kernel (SO_TIMESTAMPNS: the stamp itself,
 * and moved onto the monotonic clock). Send times too where the kernel
 * gives them: SO_TIMESTAMPING software TX stamps on the error queue of the
 * sending socket, each carrying the probe's sequence as its ID
 * (SCM_TS_OPT_ID), handed to the engine as REPLY_TX_STAMP before the
 * replies (see "kernel send stamps" below). Replies are read up to RX_RING
 * at a time (recvmmsg) into a fixed ring and handed out one by one. A
 * transport with several receive sockets hands the loop one epoll fd that
 * is readable when any of them is.
 *
 * Running as root keeps uid 0 after priv_drop() (priv.c), but with no
 * capability left: the sockets already open keep working, nothing new
 * that needs privilege can be opened.
 */
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

static int
fam_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static int
icmp_proto(int family)
{
	return family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int
setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* ---- opening sockets ----------------------------------------------- */

/*
 * Options every receiving socket gets: a large buffer (forced past
 * rmem_max while we may), kernel timestamps, the TTL / hop limit of each
 * packet, and (ping, UDP) the error queue.
 */
static void
setup_rx(int fd, int family, bool recverr)
{
	if (setint(fd, SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF_BYTES) == -1)
		(void)setint(fd, SOL_SOCKET, SO_RCVBUF, RCVBUF_BYTES);
	(void)setint(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	if (family == AF_INET) {
		(void)setint(fd, IPPROTO_IP, IP_RECVTTL, 1);
		if (recverr)
			(void)setint(fd, IPPROTO_IP, IP_RECVERR, 1);
	} else {
		(void)setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
		if (recverr)
			(void)setint(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
	}
}

/* Lets only Echo Reply, Time Exceeded and Unreachable reach a raw socket. */
static void
set_icmp_filter(int fd, int family)
{
	if (family == AF_INET) {
		uint32_t block = ~(uint32_t)(1u << 0 | 1u << 3 | 1u << 11);

		(void)setsockopt(
		    fd, SOL_RAW, RAW_ICMP_FILTER, &block, sizeof(block));
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		(void)setsockopt(
		    fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
}

/*
 * A raw UDP socket would get a copy of every UDP packet the host receives;
 * we only send on it, so a filter drops them all in the kernel (and what
 * arrived before the filter is drained).
 */
static void
make_send_only(int fd)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {1, &drop};
	uint8_t b[64];
	int i;

	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	(void)setint(fd, SOL_SOCKET, SO_RCVBUF, 0);
	for (i = 0; i < 1024 && recv(fd, b, sizeof(b), MSG_DONTWAIT) >= 0; i++)
		;
}

static int
new_socket(int family, int type, int proto)
{
	return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
}

/* Raw sockets of one family for proto. Returns 0, or -1 with f->err. */
static int
open_raw_family(struct fam *f, int family, enum probe_proto proto)
{
	f->rx = new_socket(family, SOCK_RAW, icmp_proto(family));
	if (f->rx >= 0 && proto != PROTO_ICMP)
		f->tx = new_socket(family, SOCK_RAW,
		    proto == PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP);
	if (f->rx < 0 || (proto != PROTO_ICMP && f->tx < 0)) {
		f->err = errno;
		close_fd(&f->rx);
		return -1;
	}
	setup_rx(f->rx, family, false);
	set_icmp_filter(f->rx, family);
	if (proto == PROTO_UDP)
		make_send_only(f->tx);
	else if (proto == PROTO_TCP)
		setup_rx(f->tx, family, false);
	return 0;
}

/* A ping socket of one family. Returns 0, or -1 with f->err. */
static int
open_ping_family(struct fam *f, int family)
{
	f->rx = new_socket(family, SOCK_DGRAM, icmp_proto(family));
	if (f->rx < 0) {
		f->err = errno;
		return -1;
	}
	setup_rx(f->rx, family, true);
	return 0;
}

static bool
perm_error(int e)
{
	return e == EPERM || e == EACCES;
}

/*
 * Opens one family or both with open_one. Succeeds if either family did;
 * *e is then 0, else the first family's errno (a permission error wins).
 */
static int
open_both(struct net_prep *np, int *e)
{
	int r4, r6;

	if (np->kind == KIND_RAW) {
		r4 = open_raw_family(&np->f[0], AF_INET, np->proto);
		r6 = open_raw_family(&np->f[1], AF_INET6, np->proto);
	} else {
		r4 = open_ping_family(&np->f[0], AF_INET);
		r6 = open_ping_family(&np->f[1], AF_INET6);
	}
	*e = 0;
	if (r4 == 0 || r6 == 0)
		return 0;
	*e = perm_error(np->f[1].err) ? np->f[1].err : np->f[0].err;
	return -1;
}

#define PING_RANGE                                             \
	"ping sockets are not allowed for this group (sysctl " \
	"net.ipv4.ping_group_range)"

static void
no_raw_message(int e, bool tried_ping, char *err, size_t errlen)
{
	if (!perm_error(e))
		snprintf(
		    err, errlen, "cannot open a raw socket: %s", strerror(e));
	else if (tried_ping)
		snprintf(err, errlen,
		    "cannot open a raw socket (%s), and " PING_RANGE
		    ": %s; or probe with UDP (-u)",
		    strerror(e), CAP_FIX);
	else
		snprintf(err, errlen,
		    "cannot open a raw socket (%s): %s; or use --unprivileged",
		    strerror(e), CAP_FIX);
}

/*
 * The unprivileged kind for proto, or -1 with a message. raw_err is why
 * raw sockets failed, 0 if they were not tried.
 */
static int
open_unprivileged(struct net_prep *np, int raw_err, char *err, size_t errlen)
{
	int e;

	if (np->proto == PROTO_TCP) {
		snprintf(err, errlen,
		    "TCP probes need raw sockets: run as root or setcap "
		    "cap_net_raw+ep hoptop");
		return -1;
	}
	/* UDP sockets are opened per flow, once the target is known */
	np->kind = np->proto == PROTO_UDP ? KIND_UDP : KIND_PING;
	if (np->kind == KIND_UDP || open_both(np, &e) == 0)
		return 0;
	if (raw_err != 0 && perm_error(e))
		no_raw_message(raw_err, true, err, errlen);
	else if (perm_error(e))
		snprintf(err, errlen,
		    PING_RANGE ": widen it, or probe with UDP (-u)");
	else
		snprintf(
		    err, errlen, "cannot open a ping socket: %s", strerror(e));
	errno = perm_error(e) ? EACCES : e; /* EACCES: ping sockets denied */
	return -1;
}

struct net_prep *
net_prepare(
    enum probe_proto proto, enum net_method method, char *err, size_t errlen)
{
	struct net_prep *np = xcalloc(1, sizeof(*np));
	int e = 0, i;

	np->proto = proto;
	for (i = 0; i < 2; i++)
		np->f[i].rx = np->f[i].tx = -1;
	if (method != METHOD_UNPRIV) {
		np->kind = KIND_RAW;
		if (open_both(np, &e) == 0)
			return np;
		if (!perm_error(e) ||
		    (method == METHOD_RAW && proto != PROTO_TCP)) {
			no_raw_message(e, false, err, errlen);
			net_prep_free(np);
			return NULL;
		}
	}
	if (open_unprivileged(np, e, err, errlen) == -1) {
		e = errno;
		net_prep_free(np);
		errno = e;
		return NULL;
	}
	return np;
}

void
net_prep_free(struct net_prep *np)
{
	int i;

	if (np == NULL)
		return;
	for (i = 0; i < 2; i++) {
		close_fd(&np->f[i].rx);
		close_fd(&np->f[i].tx);
	}
	free(np);
}

/* ---- kernel send stamps -------------------------------------------- */

/*
 * Software TX stamps (taken when the driver gets the packet: for TUN and
 * veth inside dev_queue_xmit, so during the sendmsg) without the packet
 * (TSONLY), each with the ID the send gave it: the probe's sequence
 * (SCM_TS_OPT_ID, Linux 6.13). They are queued on the sending socket's
 * error queue before the probe can be answered, and recv reads the error
 * queues first on every pass, so a probe's stamp reaches the engine before
 * its reply. A kernel that refuses the ID gets the stamps turned off at
 * the first send, and the user-space send time is used.
 */
#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID 81 /* <asm-generic/socket.h> of Linux 6.13 */
#endif
#define TXTS_FLAGS                                                  \
	(SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | \
	    SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY)
#define TXTS_CMSG (CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(uint32_t)))

/* Asks for send stamps on the socket(s) probes leave by, or stops them. */
static void
txts_set(struct net_transport *n, bool on)
{
	int fd = n->tx >= 0 ? n->tx : n->rx, i, cnt = 1, *fds = &fd;
	bool ok = true;

	if (n->kind == KIND_UDP) {
		fds = n->flow_fd;
		cnt = n->base.params.flows;
	}
	for (i = 0; i < cnt; i++) {
		if (fds[i] < 0)
			continue;
		/* a raw UDP send socket had its buffer shrunk to nothing */
		if (on && setint(fds[i], SOL_SOCKET, SO_RCVBUFFORCE,
		              RCVBUF_BYTES) == -1)
			(void)setint(
			    fds[i], SOL_SOCKET, SO_RCVBUF, RCVBUF_BYTES);
		if (setint(fds[i], SOL_SOCKET, SO_TIMESTAMPING,
		        on ? TXTS_FLAGS : 0) == -1)
			ok = false;
	}
	n->txts = on && ok;
	if (on && !ok)
		txts_set(n, false);
}

/*
 * The control data of a probe in b (TXTS_CMSG bytes, zeroed): its TTL or
 * hop limit, and with send stamps on its sequence as the stamp's ID.
 * Returns the length used.
 */
static size_t
probe_cmsg(const struct net_transport *n, char *b, int ttl, uint16_t seq)
{
	struct cmsghdr *c = (struct cmsghdr *)(void *)b;
	uint32_t key = seq;
	bool v4 = n->base.params.family == AF_INET;

	c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = v4 ? IP_TTL : IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(int));
	if (!n->txts)
		return CMSG_SPACE(sizeof(int));
	c = (struct cmsghdr *)(void *)(b + CMSG_SPACE(sizeof(int)));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_TS_OPT_ID;
	c->cmsg_len = CMSG_LEN(sizeof(key));
	memcpy(CMSG_DATA(c), &key, sizeof(key));
	return TXTS_CMSG;
}

/* ---- sending ------------------------------------------------------- */

static void
spec_for(const struct net_transport *n, uint16_t flow, uint16_t seq,
    struct probe_spec *ps)
{
	const struct transport_params *tp = &n->base.params;

	memset(ps, 0, sizeof(*ps));
	ps->family = tp->family;
	ps->proto = tp->proto;
	ps->src = n->src;
	ps->dst = tp->target;
	ps->ident = tp->ident;
	ps->dport = tp->port;
	ps->seq = seq;
	ps->flow = flow;
	ps->tos = tp->tos;
	ps->size = tp->size;
	ps->cookie = tp->cookie;
}

/* An error a ping / UDP socket reports once for an earlier ICMP error. */
static bool
pending_icmp_error(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EPROTO || e == EACCES;
}

/*
 * Sends len bytes with the TTL / hop limit (and the stamp ID) in control
 * messages, to `to` (NULL: connected, to the peer). *sent_ns is read
 * right before sendmsg.
 * On a ping or UDP socket a send can fail once with the error of an
 * earlier ICMP message (sk_err); that send is retried once.
 */
static int
send_ttl(struct net_transport *n, int fd, const void *buf, size_t len,
    const struct sockaddr_storage *to, socklen_t tolen, const struct probe *p,
    int64_t *sent_ns)
{
	union {
		char b[TXTS_CMSG];
		struct cmsghdr align;
	} cm;
	struct iovec iov = {(void *)(uintptr_t)buf, len};
	struct msghdr mh = {0};
	int tries;

	memset(&cm, 0, sizeof(cm));
	if (to != NULL) {
		mh.msg_name = (void *)(uintptr_t)to;
		mh.msg_namelen = tolen;
	}
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	for (tries = 0; tries < 3; tries++) {
		mh.msg_controllen = probe_cmsg(n, cm.b, p->ttl, p->seq);
		*sent_ns = clock_mono_ns();
		if (sendmsg(fd, &mh, 0) >= 0)
			return 0;
		if (errno == EINVAL && n->txts) {
			/* no SCM_TS_OPT_ID here: user-space send times */
			txts_set(n, false);
			continue;
		}
		if (errno != EINTR && (n->kind == KIND_RAW || tries > 0 ||
		                          !pending_icmp_error(errno)))
			return -1;
	}
	return -1;
}

static int open_pool(struct net_transport *n);
static void close_pool(struct net_transport *n);

/*
 * The socket a UDP probe leaves by: its flow's, or once a hop quoted too
 * little, the next socket of the pool (opened then), which remembers it.
 */
static int
udp_send_fd(struct net_transport *n, const struct probe *p)
{
	unsigned k;

	if (n->short_quote && n->pool_fd == NULL && open_pool(n) == -1)
		n->short_quote = false; /* keep the flows; try again later */
	if (n->pool_fd == NULL)
		return n->flow_fd[p->flow];
	k = n->pool_next++ % UDP_POOL;
	n->pool_seq[k] = p->seq;
	return n->pool_fd[k];
}

/* Sends probe p to dst (the target, or with send_to another one). */
static int
send_probe(struct net_transport *n, const struct probe *p,
    const struct haddr *dst, int64_t *sent_ns)
{
	uint8_t b[PACKET_MAX];
	struct probe_spec ps;
	struct sockaddr_storage to;
	socklen_t tolen;
	ssize_t len;

	if (p->flow >= n->base.params.flows || p->ttl == 0) {
		errno = EINVAL;
		return -1;
	}
	spec_for(n, p->flow, p->seq, &ps);
	ps.dst = *dst;
	len = packet_build(&ps, b, sizeof(b));
	if (len < 0)
		return -1;
	if (n->kind == KIND_UDP)
		return send_ttl(n, udp_send_fd(n, p), b + UDP_HDR,
		    (size_t)len - UDP_HDR, NULL, 0, p, sent_ns);
	if (dst == &n->base.params.target)
		return send_ttl(n, n->tx >= 0 ? n->tx : n->rx, b, (size_t)len,
		    &n->to, n->tolen, p, sent_ns);
	tolen = addr_to_sockaddr(dst, 0, &to);
	return send_ttl(n, n->tx >= 0 ? n->tx : n->rx, b, (size_t)len, &to,
	    tolen, p, sent_ns);
}

static int
net_send(struct transport *t, const struct probe *p, int64_t *sent_ns)
{
	struct net_transport *n = (struct net_transport *)t;

	return send_probe(n, p, &n->base.params.target, sent_ns);
}

/*
 * Several targets on these sockets: raw and ping sockets send anywhere;
 * unprivileged UDP's sockets are connected to the one target.
 */
static int
net_send_to(struct transport *t, const struct probe *p, const struct haddr *dst,
    int64_t *sent_ns)
{
	struct net_transport *n = (struct net_transport *)t;

	if (n->kind == KIND_UDP || dst->family != t->params.family) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return send_probe(n, p, dst, sent_ns);
}

/*
 * Ping-the-hop: an Echo Request to dst with TTL 64 on the ICMP socket (raw
 * or ping). Its own sendmsg rather than send_ttl's: the destination is not
 * the target, and it needs no send stamp beyond *sent_ns.
 */
static int
net_send_ping(struct transport *t, const struct haddr *dst, uint16_t seq,
    int64_t *sent_ns)
{
	struct net_transport *n = (struct net_transport *)t;
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss;
	uint8_t b[PACKET_MAX];
	struct probe_spec ps;
	struct iovec iov;
	struct msghdr mh = {0};
	struct cmsghdr *c;
	int ttl = 64, v6 = t->params.family == AF_INET6;
	ssize_t len;

	*sent_ns = clock_mono_ns();
	if (t->params.proto != PROTO_ICMP || dst->family != t->params.family) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	spec_for(n, 0, seq, &ps);
	ps.dst = *dst;
	len = packet_build(&ps, b, sizeof(b));
	if (len < 0)
		return -1;
	t->params.ping_to = *dst;
	iov = (struct iovec){b, (size_t)len};
	mh.msg_name = &ss;
	mh.msg_namelen = addr_to_sockaddr(dst, 0, &ss);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	memset(&cm, 0, sizeof(cm));
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof(cm.b);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	c->cmsg_type = v6 ? IPV6_HOPLIMIT : IP_TTL;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(int));
	*sent_ns = clock_mono_ns();
	return sendmsg(n->tx >= 0 ? n->tx : n->rx, &mh, 0) >= 0 ? 0 : -1;
}

/* ---- receiving ----------------------------------------------------- */

/* An IPv4 control message of type4 or an IPv6 one of type6. */
static bool
cmsg_is(const struct cmsghdr *c, int type4, int type6)
{
	return (c->cmsg_level == IPPROTO_IP && c->cmsg_type == type4) ||
	       (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == type6);
}

/* The extended error of an error-queue message and its offender. */
static void
read_ee(const struct cmsghdr *c, size_t dlen, struct rxmsg *m)
{
	struct sockaddr_storage off;
	size_t olen = dlen - sizeof(m->ee);

	memcpy(&m->ee, CMSG_DATA(c), sizeof(m->ee));
	if (m->ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
		m->is_txts = m->ee.ee_info == SCM_TSTAMP_SND;
		m->ts_key = m->ee.ee_data;
	}
	memset(&off, 0, sizeof(off));
	memcpy(&off, CMSG_DATA(c) + sizeof(m->ee),
	    olen < sizeof(off) ? olen : sizeof(off));
	(void)addr_from_sockaddr((struct sockaddr *)&off, &m->offender);
	m->has_ee = true;
}

/*
 * A kernel CLOCK_REALTIME stamp on the monotonic clock: its age at the
 * moment the ring was filled (both clocks read once for the whole batch).
 */
static int64_t
stamp_to_mono(const struct rxring *rg, const struct timespec *ts)
{
	int64_t age =
	    rg->real_ns - ((int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec);

	/* A stamp from the future (clock stepped) is taken as "now". */
	return rg->mono_ns - (age < 0 ? 0 : age);
}

static void
read_cmsg(const struct rxring *rg, const struct cmsghdr *c, struct rxmsg *m)
{
	struct timespec ts;
	struct scm_timestamping tss;
	size_t dlen = c->cmsg_len - CMSG_LEN(0);

	if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
	    dlen >= sizeof(ts)) {
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		m->rx_ns = stamp_to_mono(rg, &ts);
		m->real_ns = (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
	} else if (c->cmsg_level == SOL_SOCKET &&
	           c->cmsg_type == SCM_TIMESTAMPING && dlen >= sizeof(tss)) {
		/* ts[0]: the software stamp (of a send, on the error queue) */
		memcpy(&tss, CMSG_DATA(c), sizeof(tss));
		m->tx_real_ns =
		    (int64_t)tss.ts[0].tv_sec * NS_PER_S + tss.ts[0].tv_nsec;
	} else if (cmsg_is(c, IP_TTL, IPV6_HOPLIMIT) && dlen >= sizeof(int)) {
		memcpy(&m->ttl, CMSG_DATA(c), sizeof(int));
	} else if (cmsg_is(c, IP_RECVERR, IPV6_RECVERR) &&
	           dlen >= sizeof(m->ee)) {
		read_ee(c, dlen, m);
	}
}

/* Points every slot of the ring at its own buffer, name and control. */
static void
ring_init(struct rxring *rg)
{
	struct msghdr *mh;
	unsigned i;

	for (i = 0; i < RX_RING; i++) {
		rg->iov[i].iov_base = rg->buf[i];
		rg->iov[i].iov_len = sizeof(rg->buf[i]);
		mh = &rg->mm[i].msg_hdr;
		mh->msg_name = &rg->name[i];
		mh->msg_iov = &rg->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = rg->cm[i].b;
	}
}

/*
 * One non-blocking recvmmsg of up to RX_RING messages from fd into the
 * ring. Returns how many, or -1 with errno (EAGAIN: the queue is empty).
 */
static int
ring_fill(struct rxring *rg, int fd, int flags)
{
	struct msghdr *mh;
	unsigned i;
	int k;

	for (i = 0; i < RX_RING; i++) {
		mh = &rg->mm[i].msg_hdr;
		mh->msg_namelen = sizeof(rg->name[i]);
		mh->msg_controllen = sizeof(rg->cm[i].b);
		mh->msg_flags = 0;
		rg->name[i].ss_family = AF_UNSPEC;
	}
	do
		k = recvmmsg(fd, rg->mm, RX_RING, flags | MSG_DONTWAIT, NULL);
	while (k < 0 && errno == EINTR);
	if (k > 0) {
		rg->mono_ns = clock_mono_ns();
		rg->real_ns = clock_real_ns();
	}
	return k;
}

/* Message i of the ring: data, sender, and what its control data said. */
static void
ring_decode(struct rxring *rg, unsigned i, struct rxmsg *m)
{
	struct msghdr *mh = &rg->mm[i].msg_hdr;
	const struct sockaddr_storage *ss = &rg->name[i];
	struct cmsghdr *c;

	memset(m, 0, sizeof(*m));
	m->data = rg->buf[i];
	m->len = rg->mm[i].msg_len < RX_BUF ? rg->mm[i].msg_len : RX_BUF;
	m->ttl = -1;
	if (mh->msg_namelen > 0)
		(void)addr_from_sockaddr((const struct sockaddr *)ss, &m->from);
	if (mh->msg_namelen > 0 && ss->ss_family == AF_INET)
		m->from_port =
		    ntohs(((const struct sockaddr_in *)ss)->sin_port);
	else if (mh->msg_namelen > 0 && ss->ss_family == AF_INET6)
		m->from_port =
		    ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
		read_cmsg(rg, c, m);
	if (m->rx_ns == 0)
		m->rx_ns = rg->mono_ns;
}

/* Fills *r from a parsed packet if it answers one of our probes. */
static int
accept_reply(const struct net_transport *n, const struct pkt_reply *pr,
    const struct rxmsg *m, struct reply *r)
{
	/* a ping socket's id is the kernel's, and the kernel checked it */
	if (!transport_check_reply(
	        &n->base.params, pr, n->kind == KIND_PING, r))
		return 0;
	if (m->ttl >= 0)
		r->reply_ttl = m->ttl;
	r->rx_ns = m->rx_ns;
	r->rx_real_ns = m->real_ns;
	return 1;
}

/*
 * The sequence of a UDP probe of this flow whose payload starts with the
 * word w: every other byte of the probe is fixed, so the checksum the
 * probe carried (its seq) follows from w alone.
 */
static uint16_t
udp_seq_of_word(const struct net_transport *n, uint16_t flow, const uint8_t *w)
{
	uint8_t b[PACKET_MAX];
	struct probe_spec ps;
	ssize_t len;

	spec_for(n, flow, 1, &ps);
	len = packet_build(&ps, b, sizeof(b));
	if (len < UDP_HDR + 2)
		return 0;
	memset(b + 6, 0, 2);
	memcpy(b + UDP_HDR, w, 2);
	return packet_checksum(b, (size_t)len,
	    packet_pseudo_sum(&ps.src, &ps.dst, IPPROTO_UDP, (uint32_t)len));
}

/*
 * An error-queue message: ICMP type / code and offender from the
 * extended error, the probe's destination in msg_name, and our probe's
 * payload (UDP) or ICMP Echo header (ping) as data.
 */
static int
errqueue_parse(const struct net_transport *n, const struct rxq *q,
    const struct rxmsg *m, struct pkt_reply *pr)
{
	int v6 = n->base.params.family == AF_INET6;

	memset(pr, 0, sizeof(*pr));
	if (!m->has_ee ||
	    m->ee.ee_origin != (v6 ? SO_EE_ORIGIN_ICMP6 : SO_EE_ORIGIN_ICMP))
		return -1;
	pr->type = m->ee.ee_type;
	pr->code = m->ee.ee_code;
	if (pr->type == (v6 ? ICMP6_TIME_EXCEEDED : 11))
		pr->kind = PKT_TIME_EXCEEDED;
	else if (pr->type == (v6 ? ICMP6_DST_UNREACH : 3))
		pr->kind = PKT_UNREACH;
	else
		return -1;
	pr->proto = n->base.params.proto;
	pr->src = m->offender;
	pr->probe_dst = m->from;
	pr->reply_ttl = -1;
	if (pr->proto == PROTO_UDP) {
		pr->dport = m->from_port;
		if (q->pool >= 0) { /* the socket is the probe's own */
			pr->ident = n->base.params.ident;
			pr->seq = n->pool_seq[q->pool];
			return pr->seq != 0 ? 0 : -1;
		}
		if (m->len < 2)
			return -2; /* quoted too little: see UDP_POOL */
		pr->ident = (uint16_t)(n->base.params.ident + q->flow);
		pr->seq = udp_seq_of_word(n, q->flow, m->data);
		return 0;
	}
	if (m->len < 8 || m->data[0] != (v6 ? ICMP6_ECHO_REQUEST : 8))
		return -1;
	pr->ident = (uint16_t)(m->data[4] << 8 | m->data[5]);
	pr->seq = (uint16_t)(m->data[6] << 8 | m->data[7]);
	return 0;
}

/* Parses what queue q delivered into *pr. Returns 0, or -1 to skip (-2:
 * a UDP error that quoted too little to name its probe). */
static int
parse_msg(const struct net_transport *n, const struct rxq *q,
    const struct rxmsg *m, struct pkt_reply *pr)
{
	int family = n->base.params.family;
	const char *why;

	switch (q->kind) {
	case Q_RAW:
		if (family == AF_INET)
			return packet_parse_ip(m->data, m->len, pr, &why);
		return packet_parse_l4(family, q->ipproto, &m->from, &n->src,
		    m->data, m->len, pr, &why);
	case Q_PING:
		return packet_parse_l4(family, icmp_proto(family), &m->from,
		    &n->src, m->data, m->len, pr, &why);
	case Q_ERR:
		return errqueue_parse(n, q, m, pr);
	case Q_TXTS:
	case Q_DRAIN:
		break;
	}
	return -1;
}

/* A kernel send stamp from an error queue as a REPLY_TX_STAMP, or 0. */
static int
txts_reply(
    const struct net_transport *n, const struct rxmsg *m, struct reply *r)
{
	if (!n->txts || m->tx_real_ns <= 0 || m->ts_key == 0 ||
	    m->ts_key > PACKET_SEQ_MAX)
		return 0;
	memset(r, 0, sizeof(*r));
	r->kind = REPLY_TX_STAMP;
	r->seq = (uint16_t)m->ts_key;
	r->tx_real_ns = m->tx_real_ns;
	return 1;
}

/*
 * Hands out the next message of the ring. Returns 1 with *r filled, or 0
 * if it was not ours.
 */
static int
take_held(struct net_transport *n, struct reply *r)
{
	struct rxring *rg = &n->ring;
	struct pkt_reply pr;
	struct rxmsg m;

	ring_decode(rg, rg->pos++, &m);
	if (m.is_txts)
		return txts_reply(n, &m, r);
	switch (parse_msg(n, rg->q, &m, &pr)) {
	case 0:
		return accept_reply(n, &pr, &m, r);
	case -2:
		n->short_quote = true; /* the next send opens the pool */
		return 0;
	default:
		return 0;
	}
}

/*
 * Refills the empty ring from queue next_q with one recvmmsg. A queue that
 * gave less than a full ring (or nothing) was drained: the next refill
 * moves on to the next queue. Returns 0, 1 if a pending ICMP error was
 * consumed instead (it counts as a packet looked at), or -1 with errno.
 */
static int
refill(struct net_transport *n)
{
	struct rxring *rg = &n->ring;
	const struct rxq *q = &n->q[n->next_q];
	int k = ring_fill(rg, q->fd,
	    q->kind == Q_ERR || q->kind == Q_TXTS ? MSG_ERRQUEUE : 0);

	rg->q = q;
	rg->pos = 0;
	rg->cnt = k > 0 ? (unsigned)k : 0;
	if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		/* a ping / UDP socket reports an ICMP error once, as errno */
		if (n->kind != KIND_RAW && pending_icmp_error(errno))
			return 1;
		return -1;
	}
	if (k == RX_RING) {
		rg->drained = 0;
		return 0;
	}
	rg->drained++;
	n->next_q = (n->next_q + 1) % n->nq;
	return 0;
}

/*
 * Takes the next reply that is ours: from the ring, refilled from the
 * queues round robin with one recvmmsg each, looking at no more than
 * RECV_BUDGET packets (a flood of foreign ICMP cannot hold the loop; what
 * is held or waiting is read on the next call). Once every queue was
 * found drained, returns 0 without asking again: what arrives later makes
 * the fd readable, and the next call reads it.
 */
static int
net_recv(struct transport *t, struct reply *r, int64_t now_ns)
{
	struct net_transport *n = (struct net_transport *)t;
	struct rxring *rg = &n->ring;
	int budget, rc;

	(void)now_ns;
	for (budget = RECV_BUDGET; budget > 0;) {
		if (rg->pos < rg->cnt) {
			if (take_held(n, r) == 1)
				return 1;
			budget--;
			continue;
		}
		if (rg->drained >= n->nq) {
			/* the next pass starts with the send stamps */
			rg->drained = 0;
			n->next_q = 0;
			return 0;
		}
		if ((rc = refill(n)) == -1)
			return -1;
		budget -= rc;
	}
	return 0;
}

/* ---- the transport ------------------------------------------------- */

static int
net_fd(struct transport *t)
{
	struct net_transport *n = (struct net_transport *)t;

	return n->epfd >= 0 ? n->epfd : n->q[0].fd;
}

/* Messages still held in the ring (budget spent) are due at once. */
static int64_t
net_next_deadline(struct transport *t)
{
	const struct net_transport *n = (const struct net_transport *)t;

	return n->ring.pos < n->ring.cnt ? 0 : CLOCK_NEVER;
}

static const char *
net_method(const struct transport *t)
{
	const struct net_transport *n = (const struct net_transport *)t;

	switch (n->kind) {
	case KIND_RAW:
		return "raw socket";
	case KIND_PING:
		return "ping socket";
	case KIND_UDP:
		break;
	}
	if (n->pool_fd != NULL)
		return "UDP socket per probe (IP_RECVERR; a hop quotes too "
		       "little for Paris flows)";
	return "UDP socket (IP_RECVERR)";
}

static void
net_source(const struct transport *t, struct haddr *out)
{
	*out = ((const struct net_transport *)t)->src;
}

static void
net_free(struct transport *t)
{
	struct net_transport *n = (struct net_transport *)t;
	uint16_t i;

	if (n->flow_fd != NULL)
		for (i = 0; i < n->base.params.flows; i++)
			close_fd(&n->flow_fd[i]);
	close_fd(&n->rx);
	close_fd(&n->tx);
	close_fd(&n->epfd);
	close_pool(n);
	free(n->flow_fd);
	free(n->q);
	free(n);
}

static const struct transport_ops net_ops = {
    .fd = net_fd,
    .send = net_send,
    .recv = net_recv,
    .next_deadline = net_next_deadline,
    .method = net_method,
    .source = net_source,
    .free = net_free,
    .send_ping = net_send_ping,
    .send_to = net_send_to,
};

bool
net_transport_shareable(const struct transport *t)
{
	return t->ops == &net_ops &&
	       ((const struct net_transport *)(const void *)t)->kind !=
	           KIND_UDP;
}

/* Our address toward the target: what a connected UDP socket would use. */
static int
source_toward(const struct transport_params *tp, struct haddr *src)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_to_sockaddr(&tp->target, 33434, &ss);
	int fd, e;

	fd = socket(tp->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return addr_from_sockaddr((struct sockaddr *)&ss, src);
}

static void
add_queue(struct net_transport *n, int fd, enum q_kind kind, int ipproto,
    uint16_t flow)
{
	struct rxq *q = &n->q[n->nq++];

	q->fd = fd;
	q->kind = kind;
	q->ipproto = ipproto;
	q->flow = flow;
	q->pool = -1;
}

/* A UDP socket bound to port (0: any), connected to the target, or -1. */
static int
open_udp_socket(struct net_transport *n, uint16_t port)
{
	const struct transport_params *tp = &n->base.params;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, e;

	fd = new_socket(tp->family, SOCK_DGRAM, IPPROTO_UDP);
	if (fd < 0)
		return -1;
	setup_rx(fd, tp->family, true);
	len = addr_to_sockaddr(&n->src, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) == -1)
		goto fail;
	len = addr_to_sockaddr(&tp->target, tp->port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len) == -1)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Tries for source ports no other socket holds before giving up. */
#define PORT_TRIES 8

/*
 * An ordinary socket of the probes' protocol bound to a raw probe's source
 * port, never read: it only holds the port. Or -1.
 */
static int
open_port_holder(struct net_transport *n, uint16_t flow)
{
	const struct transport_params *tp = &n->base.params;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, e;

	fd = new_socket(
	    tp->family, tp->proto == PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	len = addr_to_sockaddr(&n->src, (uint16_t)(tp->ident + flow), &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The bound, connected UDP socket of one flow (port ident + flow), or -1. */
static int
open_flow_socket(struct net_transport *n, uint16_t flow)
{
	return open_udp_socket(n, (uint16_t)(n->base.params.ident + flow));
}

/*
 * One socket per flow (from open_one) on ports ident.. ; when a port is
 * taken, every socket is closed and another random range is tried (the
 * ident changes). Returns flows, or the flow that failed with errno set.
 */
static uint16_t
open_flow_sockets(
    struct net_transport *n, int (*open_one)(struct net_transport *, uint16_t))
{
	struct transport_params *tp = &n->base.params;
	uint16_t i = 0;

	for (i = 0; i < tp->flows; i++)
		n->flow_fd[i] = -1;
	for (int t = 0; t < PORT_TRIES; t++) {
		for (i = 0; i < tp->flows; i++)
			if ((n->flow_fd[i] = open_one(n, i)) < 0)
				break;
		if (i == tp->flows || errno != EADDRINUSE)
			return i;
		while (i > 0)
			close_fd(&n->flow_fd[--i]);
		tp->ident = transport_random_ident(tp->proto, tp->flows);
	}
	errno = EADDRINUSE;
	return 0;
}

/*
 * Raw UDP/TCP probes: their source ports are held by ordinary sockets
 * (open_port_holder) for as long as we probe, so no other local socket, a
 * second hoptop's included, can use them; a taken range moves to another
 * random one. Best effort: without holders the probes work as before.
 * Runs before the kernel filter is built from the ident.
 */
static void
hold_raw_ports(struct net_transport *n)
{
	const struct transport_params *tp = &n->base.params;
	uint16_t i;

	if (tp->proto == PROTO_ICMP)
		return;
	n->flow_fd = xcalloc(tp->flows, sizeof(int));
	if (open_flow_sockets(n, open_port_holder) == tp->flows)
		return;
	for (i = 0; i < tp->flows; i++)
		close_fd(&n->flow_fd[i]);
	free(n->flow_fd);
	n->flow_fd = NULL;
}

static int
setup_udp(struct net_transport *n, char *err, size_t errlen)
{
	const struct transport_params *tp = &n->base.params;
	uint16_t i;

	if (tp->flows > MAX_UDP_FLOWS || tp->ident == 0 ||
	    tp->ident + tp->flows - 1 > 0xffff) {
		snprintf(err, errlen,
		    "bad UDP source ports %u..%u (at most %d)", tp->ident,
		    tp->ident + tp->flows - 1, MAX_UDP_FLOWS);
		return -1;
	}
	n->flow_fd = xcalloc(tp->flows, sizeof(int));
	/* room for the pool's queues, should it be opened (see UDP_POOL) */
	n->q = xcalloc(2 * ((size_t)tp->flows + UDP_POOL), sizeof(*n->q));
	if ((i = open_flow_sockets(n, open_flow_socket)) < tp->flows) {
		snprintf(err, errlen,
		    "cannot open a UDP socket on source port %u: %s",
		    tp->ident + i, strerror(errno));
		return -1;
	}
	for (i = 0; i < tp->flows; i++) {
		add_queue(n, n->flow_fd[i], Q_ERR, IPPROTO_UDP, i);
		add_queue(n, n->flow_fd[i], Q_DRAIN, IPPROTO_UDP, i);
	}
	return 0;
}

/*
 * A ping socket's identifier is its port: bind to ident so ours is the
 * one asked for; if another socket has it, the kernel picks one.
 */
static void
setup_ping(struct net_transport *n)
{
	const struct transport_params *tp = &n->base.params;
	struct haddr any;
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&any, 0, sizeof(any));
	any.family = (sa_family_t)tp->family;
	len = addr_to_sockaddr(&any, tp->ident, &ss);
	if (bind(n->rx, (struct sockaddr *)&ss, len) == -1) {
		len = addr_to_sockaddr(&any, 0, &ss);
		(void)bind(n->rx, (struct sockaddr *)&ss, len);
	}
	n->q = xcalloc(2, sizeof(*n->q));
	add_queue(n, n->rx, Q_ERR, icmp_proto(tp->family), 0);
	add_queue(n, n->rx, Q_PING, icmp_proto(tp->family), 0);
}

/* ---- kernel-side filters for raw sockets ---------------------------- */

/*
 * A raw socket gets a copy of every ICMP message (or TCP segment) the host
 * receives. A classic BPF program keeps only those that name our probes
 * (ident, source port range, destination port), so other pings and other
 * hoptops do not wake us. recv checks everything again: the filter only
 * spares wake-ups, a packet it lets through wrongly is still dropped.
 */
#define BPF_MAX    32
#define BPF_ACCEPT 0x40000 /* bytes kept: all of any packet */

enum { J_NEXT = -1, J_ACCEPT = -2, J_DROP = -3 };

struct bpf_buf {
	struct sock_filter f[BPF_MAX];
	int jt[BPF_MAX], jf[BPF_MAX]; /* jump targets, J_* or an index */
	unsigned n;
};

static void
op(struct bpf_buf *b, uint16_t code, uint32_t k)
{
	struct sock_filter ins = BPF_STMT(code, k);

	b->jt[b->n] = b->jf[b->n] = J_NEXT;
	b->f[b->n++] = ins;
}

/* A conditional jump on A against k: to jt if true, else jf. */
static void
jump(struct bpf_buf *b, uint16_t cond, uint32_t k, int jt, int jf)
{
	op(b, (uint16_t)(BPF_JMP | cond | BPF_K), k);
	b->jt[b->n - 1] = jt;
	b->jf[b->n - 1] = jf;
}

static uint8_t
jump_offset(int target, unsigned from, unsigned accept)
{
	unsigned to = target == J_NEXT     ? from + 1
	              : target == J_ACCEPT ? accept
	              : target == J_DROP   ? accept + 1
	                                   : (unsigned)target;

	return (uint8_t)(to - from - 1);
}

/* Appends the two returns and resolves the jumps. */
static void
finish(struct bpf_buf *b)
{
	unsigned accept = b->n, i;

	op(b, BPF_RET | BPF_K, BPF_ACCEPT);
	op(b, BPF_RET | BPF_K, 0);
	for (i = 0; i < accept; i++) {
		if (BPF_CLASS(b->f[i].code) != BPF_JMP)
			continue;
		b->f[i].jt = jump_offset(b->jt[i], i, accept);
		b->f[i].jf = jump_offset(b->jf[i], i, accept);
	}
}

/* X = offset of the transport header (IPv4 raw sockets see the IP one). */
static void
load_l4_offset(struct bpf_buf *b, int family)
{
	if (family == AF_INET)
		op(b, BPF_LDX | BPF_B | BPF_MSH, 0);
	else
		op(b, BPF_LDX | BPF_W | BPF_IMM, 0);
}

/* With X at a probe's transport header: is it one of ours? */
static void
match_probe(struct bpf_buf *b, const struct transport_params *tp)
{
	if (tp->proto == PROTO_ICMP) {
		op(b, BPF_LD | BPF_H | BPF_IND, 4);
		jump(b, BPF_JEQ, tp->ident, J_ACCEPT, J_DROP);
		return;
	}
	op(b, BPF_LD | BPF_H | BPF_IND, 2);
	jump(b, BPF_JEQ, tp->port, J_NEXT, J_DROP);
	op(b, BPF_LD | BPF_H | BPF_IND, 0);
	op(b, BPF_ALU | BPF_SUB | BPF_K, tp->ident);
	jump(b, BPF_JGE, tp->flows, J_DROP, J_ACCEPT);
}

/*
 * ICMP socket: an Echo Reply names the probe at X; an error quotes it
 * after 8 bytes of ICMP header and the quoted IP header.
 */
static void
icmp_program(struct bpf_buf *b, const struct transport_params *tp)
{
	bool v4 = tp->family == AF_INET;
	int probe_ip = tp->proto == PROTO_UDP   ? IPPROTO_UDP
	               : tp->proto == PROTO_TCP ? IPPROTO_TCP
	                                        : icmp_proto(tp->family);
	unsigned echo_at;

	load_l4_offset(b, tp->family);
	op(b, BPF_LD | BPF_B | BPF_IND, 0);
	echo_at = b->n;
	jump(b, BPF_JEQ, v4 ? 0 : ICMP6_ECHO_REPLY, J_DROP, J_NEXT);
	op(b, BPF_LD | BPF_B | BPF_IND, v4 ? 8 + 9 : 8 + 6);
	jump(b, BPF_JEQ, (uint32_t)probe_ip, J_NEXT, J_DROP);
	if (v4) {
		op(b, BPF_LD | BPF_B | BPF_IND, 8);
		op(b, BPF_ALU | BPF_AND | BPF_K, 0x0f);
		op(b, BPF_ALU | BPF_LSH | BPF_K, 2);
		op(b, BPF_ALU | BPF_ADD | BPF_X, 0);
		op(b, BPF_ALU | BPF_ADD | BPF_K, 8);
	} else {
		op(b, BPF_MISC | BPF_TXA, 0);
		op(b, BPF_ALU | BPF_ADD | BPF_K, 8 + 40);
	}
	op(b, BPF_MISC | BPF_TAX, 0);
	if (tp->proto == PROTO_ICMP)
		b->jt[echo_at] = (int)b->n; /* an Echo Reply: X is right */
	match_probe(b, tp);
}

/* TCP socket: a SYN-ACK or RST comes from dport to one of our ports. */
static void
tcp_program(struct bpf_buf *b, const struct transport_params *tp)
{
	load_l4_offset(b, tp->family);
	op(b, BPF_LD | BPF_H | BPF_IND, 0);
	jump(b, BPF_JEQ, tp->port, J_NEXT, J_DROP);
	op(b, BPF_LD | BPF_H | BPF_IND, 2);
	op(b, BPF_ALU | BPF_SUB | BPF_K, tp->ident);
	jump(b, BPF_JGE, tp->flows, J_DROP, J_ACCEPT);
}

static void
attach_filter(int fd, const struct transport_params *tp, bool tcp)
{
	struct bpf_buf b;
	struct sock_fprog prog;

	memset(&b, 0, sizeof(b));
	if (tcp)
		tcp_program(&b, tp);
	else
		icmp_program(&b, tp);
	finish(&b);
	prog.len = (unsigned short)b.n;
	prog.filter = b.f;
	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/*
 * Raw: the send socket is bound to our source address so the kernel uses
 * the one our checksums were computed with.
 */
static void
setup_raw(struct net_transport *n)
{
	const struct transport_params *tp = &n->base.params;
	struct sockaddr_storage ss;
	socklen_t len;

	hold_raw_ports(n); /* may change the ident: before any filter */
	/* send stamps first: each pass reads them before the replies */
	n->q = xcalloc(3, sizeof(*n->q));
	add_queue(n, n->tx >= 0 ? n->tx : n->rx, Q_TXTS, 0, 0);
	if (tp->proto == PROTO_TCP) {
		add_queue(n, n->tx, Q_RAW, IPPROTO_TCP, 0);
		attach_filter(n->tx, tp, true);
	}
	add_queue(n, n->rx, Q_RAW, icmp_proto(tp->family), 0);
	attach_filter(n->rx, tp, false);
	if (n->tx < 0)
		return;
	len = addr_to_sockaddr(&n->src, 0, &ss);
	(void)bind(n->tx, (struct sockaddr *)&ss, len);
}

/* Adds the sockets of queues from.. to the epoll set (made if need be). */
static int
epoll_add_from(struct net_transport *n, size_t from)
{
	struct epoll_event ev;
	size_t i;

	if (n->epfd < 0) {
		n->epfd = epoll_create1(EPOLL_CLOEXEC);
		from = 0;
	}
	if (n->epfd < 0)
		return -1;
	for (i = from; i < n->nq; i++) {
		if (i > 0 && n->q[i].fd == n->q[i - 1].fd)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = n->q[i].fd;
		if (epoll_ctl(n->epfd, EPOLL_CTL_ADD, n->q[i].fd, &ev) == -1)
			return -1;
	}
	return 0;
}

/* One fd for the loop: an epoll set when there are several sockets. */
static int
setup_epoll(struct net_transport *n)
{
	if (n->nq == 1 || (n->nq == 2 && n->q[0].fd == n->q[1].fd))
		return 0;
	return epoll_add_from(n, 0);
}

static void
close_pool(struct net_transport *n)
{
	for (int i = 0; n->pool_fd != NULL && i < UDP_POOL; i++)
		close_fd(&n->pool_fd[i]);
	free(n->pool_fd);
	free(n->pool_seq);
	n->pool_fd = NULL;
	n->pool_seq = NULL;
}

/*
 * Opens the per-probe pool (see UDP_POOL): sockets on ports the kernel
 * picks, each with its error and data queues, in the loop's epoll set,
 * with send stamps if the flows have them. Returns 0, or -1 with nothing
 * changed (the flows go on).
 */
static int
open_pool(struct net_transport *n)
{
	size_t nq = n->nq;
	int i;

	n->pool_fd = xcalloc(UDP_POOL, sizeof(int));
	n->pool_seq = xcalloc(UDP_POOL, sizeof(uint16_t));
	for (i = 0; i < UDP_POOL; i++)
		n->pool_fd[i] = -1;
	for (i = 0; i < UDP_POOL; i++) {
		if ((n->pool_fd[i] = open_udp_socket(n, 0)) < 0)
			break;
		if (n->txts)
			(void)setint(n->pool_fd[i], SOL_SOCKET, SO_TIMESTAMPING,
			    TXTS_FLAGS);
		add_queue(n, n->pool_fd[i], Q_ERR, IPPROTO_UDP, 0);
		n->q[n->nq - 1].pool = i;
		add_queue(n, n->pool_fd[i], Q_DRAIN, IPPROTO_UDP, 0);
		n->q[n->nq - 1].pool = i;
	}
	if (i == UDP_POOL && epoll_add_from(n, nq) == 0)
		return 0;
	n->nq = nq;
	n->next_q %= nq;
	close_pool(n);
	return -1;
}

static void
set_tos(const struct net_transport *n)
{
	const struct transport_params *tp = &n->base.params;
	int fd = n->tx >= 0 ? n->tx : n->rx;
	uint16_t i;

	if (tp->tos == 0)
		return;
	if (n->kind == KIND_UDP) {
		for (i = 0; i < tp->flows; i++)
			(void)setint(n->flow_fd[i],
			    tp->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			    tp->family == AF_INET ? IP_TOS : IPV6_TCLASS,
			    tp->tos);
		return;
	}
	(void)setint(fd, tp->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
	    tp->family == AF_INET ? IP_TOS : IPV6_TCLASS, tp->tos);
}

/* Checks tp against np; moves the family's sockets into n. */
static int
take_sockets(struct net_prep *np, const struct transport_params *tp,
    struct net_transport *n, char *err, size_t errlen)
{
	struct fam *f = &np->f[fam_index(tp->family)];

	if (tp->proto != np->proto) {
		snprintf(err, errlen, "sockets were prepared for %s, not %s",
		    packet_proto_name(np->proto), packet_proto_name(tp->proto));
		return -1;
	}
	if (np->kind != KIND_UDP && f->rx < 0) {
		snprintf(err, errlen, "IPv%c is not available here: %s",
		    tp->family == AF_INET6 ? '6' : '4',
		    f->err != 0 ? strerror(f->err) : "sockets already in use");
		return -1;
	}
	n->kind = np->kind;
	n->rx = f->rx;
	n->tx = f->tx;
	f->rx = f->tx = -1;
	f = &np->f[1 - fam_index(tp->family)];
	close_fd(&f->rx);
	close_fd(&f->tx);
	return 0;
}

static int
setup_kind(struct net_transport *n, char *err, size_t errlen)
{
	if (n->kind == KIND_UDP) {
		if (setup_udp(n, err, errlen) == -1)
			return -1;
	} else if (n->kind == KIND_PING) {
		setup_ping(n);
	} else {
		setup_raw(n);
	}
	txts_set(n, true);
	if (setup_epoll(n) == -1) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	set_tos(n);
	return 0;
}

struct transport *
net_transport_new(struct net_prep *np, const struct transport_params *tp,
    char *err, size_t errlen)
{
	struct net_transport *n;
	char a[ADDR_STRLEN];

	if ((tp->family != AF_INET && tp->family != AF_INET6) ||
	    tp->target.family != tp->family) {
		snprintf(err, errlen, "bad target address family");
		return NULL;
	}
	n = xcalloc(1, sizeof(*n));
	n->base.ops = &net_ops;
	n->base.params = *tp;
	if (n->base.params.flows == 0)
		n->base.params.flows = 1;
	n->rx = n->tx = n->epfd = -1;
	ring_init(&n->ring);
	n->tolen = addr_to_sockaddr(&tp->target, 0, &n->to);
	if (take_sockets(np, tp, n, err, errlen) == -1)
		goto fail;
	if (source_toward(tp, &n->src) == -1) {
		snprintf(err, errlen, "no route to %s: %s",
		    addr_str(&tp->target, a, sizeof(a)), strerror(errno));
		goto fail;
	}
	if (setup_kind(n, err, errlen) == -1)
		goto fail;
	return &n->base;
fail:
	net_free(&n->base);
	return NULL;
}
