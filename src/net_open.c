/*
 * net_open: the sockets that need privilege, opened at start-up before
 * priv_drop(), for both families; the message naming the fix when none
 * can be.
 */
#include "net_private.h"

/* ---- opening sockets ----------------------------------------------- */

/*
 * Options every receiving socket gets: a large buffer (forced past
 * rmem_max while we may), kernel timestamps, the TTL / hop limit of each
 * packet, and (ping, UDP) the error queue.
 */
void
net_setup_rx(int fd, int family, bool recverr)
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

int
net_new_socket(int family, int type, int proto)
{
	return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
}

/* Raw sockets of one family for proto. Returns 0, or -1 with f->err. */
static int
open_raw_family(struct fam *f, int family, enum probe_proto proto)
{
	f->rx = net_new_socket(family, SOCK_RAW, icmp_proto(family));
	if (f->rx >= 0 && proto != PROTO_ICMP)
		f->tx = net_new_socket(family, SOCK_RAW,
		    proto == PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP);
	if (f->rx < 0 || (proto != PROTO_ICMP && f->tx < 0)) {
		f->err = errno;
		close_fd(&f->rx);
		return -1;
	}
	net_setup_rx(f->rx, family, false);
	set_icmp_filter(f->rx, family);
	if (proto == PROTO_UDP)
		make_send_only(f->tx);
	else if (proto == PROTO_TCP)
		net_setup_rx(f->tx, family, false);
	return 0;
}

/* A ping socket of one family. Returns 0, or -1 with f->err. */
static int
open_ping_family(struct fam *f, int family)
{
	f->rx = net_new_socket(family, SOCK_DGRAM, icmp_proto(family));
	if (f->rx < 0) {
		f->err = errno;
		return -1;
	}
	net_setup_rx(f->rx, family, true);
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
