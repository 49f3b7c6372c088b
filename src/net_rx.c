/*
 * net_rx: receiving: replies read up to RX_RING at a time (recvmmsg) into
 * a fixed ring, their control data (kernel stamps, TTL, extended errors),
 * the error queue, and the kernel send stamps handed to the engine first.
 */
#include "net_private.h"

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
void
net_ring_init(struct rxring *rg)
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

	net_spec_for(n, flow, 1, &ps);
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
		if (n->kind != KIND_RAW && net_pending_icmp_error(errno))
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
int
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
