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
#include "net_private.h"

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

void
net_spec_for(const struct net_transport *n, uint16_t flow, uint16_t seq,
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
bool
net_pending_icmp_error(int e)
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
		                          !net_pending_icmp_error(errno)))
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
	net_spec_for(n, p->flow, p->seq, &ps);
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
	net_spec_for(n, 0, seq, &ps);
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
	socklen_t len = addr_to_sockaddr(&tp->target, TRANSPORT_UDP_PORT, &ss);
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

	fd = net_new_socket(tp->family, SOCK_DGRAM, IPPROTO_UDP);
	if (fd < 0)
		return -1;
	net_setup_rx(fd, tp->family, true);
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

	fd = net_new_socket(
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
		net_attach_filter(n->tx, tp, true);
	}
	add_queue(n, n->rx, Q_RAW, icmp_proto(tp->family), 0);
	net_attach_filter(n->rx, tp, false);
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
	txts_set(n, !n->base.params.no_tx_stamps);
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
	net_ring_init(&n->ring);
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
