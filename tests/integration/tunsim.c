/*
 * tunsim: the netsim simulator behind a TUN device, so the real socket code
 * of hoptop can be tested end to end against the same scenarios.
 *
 *   tunsim --scenario FILE --dev NAME [--log FILE] [--duration SECS]
 *          [--spin-us N] [--rt PRIO] [--no-tap]
 *   tunsim --scenario FILE --info
 *
 * Opens NAME (IFF_TUN | IFF_NO_PI) in the current network namespace, prints
 * "ready" and runs one loop: packets read from the device go to
 * netsim_input() with the CLOCK_MONOTONIC time they left the prober, and
 * each reply is written back when it is due. pselect() sleeps until spin_us
 * (default 1000) before the next due time; the rest is spent polling the
 * device (non-blocking reads) and the clock, so a reply is written within
 * a few microseconds of its due time. With --rt, tunsim runs SCHED_FIFO at
 * PRIO with its memory locked, so a busy machine does not delay its
 * wake-ups (it sleeps except in those short spins; the kernel's RT
 * throttling bounds it if replies are due back to back).
 *
 * When a probe left: the kernel's timestamp of the packet going to the
 * device (an AF_PACKET socket on it sees each outgoing packet, stamped in
 * dev_queue_xmit just before the TUN queue), moved onto CLOCK_MONOTONIC.
 * So the hold counts from the prober's send, and tunsim's own wake-up
 * delay is not added to the RTT. The read time is used when no stamp
 * matches (or with --no-tap).
 *
 * The wire RTT of each answered probe, the truth a prober is held to: the
 * same socket sees each reply tunsim wrote as it enters the stack, with
 * the kernel's receive stamp (the one the prober's socket reports too),
 * so wire = reply stamp - probe stamp, both CLOCK_REALTIME as the kernel
 * took them, no conversion (what tcpdump on the device would show). A
 * late write moves the truth and the prober's RTT alike. The prober's own
 * kernel send stamp (taken as the device gets the probe) lies between the
 * tap's stamp and tunsim's read of it, so an RTT from it lies between
 * reply stamp - read time (logged as wire_read) and the wire RTT.
 *
 * Measured: the lateness of every reply write (actual - due), the delay
 * from a probe's stamp to its read (tunsim's wake-up), and per TTL the
 * actual hold of each answered probe (reply written - probe arrived),
 * matched through the probe's identifier and sequence. On SIGTERM, SIGINT
 * or the end of --duration, a JSON log with those and netsim_counts() per
 * TTL is written (to FILE.tmp, then renamed) and tunsim exits 0.
 *
 * --info prints the scenario's name, sources and targets, one per line
 * ("source4 10.78.0.1"), for the wrapper script.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hoptop/addr.h"
#include "hoptop/netsim.h"
#include "hoptop/packet.h"

#define NS_PER_S    INT64_C(1000000000)
#define NS_PER_US   INT64_C(1000)
#define BUF_MAX     65536
#define TTL_MAX     255
#define PROBE_SLOTS 65536 /* probes read, indexed by sequence (16 bits) */
#define HIST_STEP   100   /* ns per lateness histogram bucket */
#define HIST_N      20000 /* buckets: 0 .. 2 ms */
#define DRAIN_MAX   256   /* packets read per pass, to keep writes on time */
#define WORST_N     8     /* the latest writes, kept for the log */
#define TAP_RCVBUF  (4 << 20) /* bytes: room for long probe bursts */
/*
 * Default --spin-us: under load (PREEMPT_NONE kernels) a timer wake-up can
 * come over 1 ms late even for SCHED_FIFO; spinning the last 1 ms keeps
 * writes within microseconds, for about 1 ms of CPU per distinct due time.
 */
#define SPIN_US 1000

struct options {
	const char *scenario, *dev, *log;
	double duration_s;
	int64_t spin_ns;
	int rt_prio; /* 0: normal scheduling */
	bool info, no_tap;
};

/* A probe read from the device, for matching its reply. */
struct probe_slot {
	bool used, answered;
	uint8_t proto, ttl;
	uint16_t ident, seq;
	struct haddr dst;
	int64_t sent_ns;   /* kernel stamp, else read time */
	int64_t tx_real;   /* the kernel stamp itself (realtime), 0 if none */
	int64_t read_real; /* realtime just after tunsim read it */
	bool wired;        /* its reply was seen entering the stack */
};

/* What tunsim measured at one TTL. */
struct ttl_meas {
	uint64_t n;      /* answered probes matched */
	int64_t hold_ns; /* sum of actual holds (sent -> write) */
	int64_t min_ns;  /* smallest and largest actual hold */
	int64_t max_ns;
	int64_t late_ns; /* sum of write lateness of those replies */
	uint64_t wire_n; /* answered probes with both kernel stamps */
	int64_t wire_ns; /* sum of their wire RTTs */
	int64_t read_ns; /* sum of (reply stamp - probe read): see below */
	int64_t wire_min_ns, wire_max_ns;
};

/* One late write, for the log. */
struct late_write {
	int64_t late_ns, at_ns; /* lateness; when (since start) */
	int ttl;                /* probe TTL, 0 if not matched */
};

/* A distribution of delays; the last bucket holds those beyond. */
struct hist {
	uint64_t n, b[HIST_N + 1];
	int64_t sum_ns, max_ns;
};

struct tunsim {
	struct netsim *ns;
	int fd, tap; /* tap: AF_PACKET socket on the device, or -1 */
	uint64_t packets_in, unparsable_in, read_errors;
	uint64_t replies_out, write_errors, unmatched, duplicates, evicted;
	uint64_t stamped, unstamped, tap_skipped, tap_in, tap_in_unmatched;
	struct hist late;       /* reply write - due */
	struct hist read_delay; /* probe read - its kernel stamp */
	int64_t start_ns;
	struct late_write worst[WORST_N]; /* largest first */
	struct ttl_meas meas[TTL_MAX + 1];
	struct probe_slot slots[PROBE_SLOTS];
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * Protocol, TTL and destination of an IPv4/IPv6 packet into s. Returns its
 * transport header (length in *l4len), or NULL (not IP, or a fragment).
 */
static const uint8_t *
probe_l4(const uint8_t *p, size_t len, struct probe_slot *s, size_t *l4len)
{
	size_t hl;

	if (len >= 20 && p[0] >> 4 == 4) {
		hl = (size_t)(p[0] & 0x0f) * 4;
		if (hl < 20 || len < hl || (rd16(p + 6) & 0x1fff) != 0)
			return NULL;
		s->proto = p[9];
		s->ttl = p[8];
		s->dst.family = AF_INET;
		memcpy(&s->dst.u.v4, p + 16, 4);
	} else if (len >= 40 && p[0] >> 4 == 6) {
		hl = 40;
		s->proto = p[6];
		s->ttl = p[7];
		s->dst.family = AF_INET6;
		memcpy(&s->dst.u.v6, p + 24, 16);
	} else {
		return NULL;
	}
	*l4len = len - hl;
	return p + hl;
}

/*
 * Fills s with the fields hoptop's replies are matched on (see packet.h):
 * ICMP identifier and sequence, UDP source port and checksum, TCP source
 * port and the sequence's top 16 bits. -1 if pkt is not a probe.
 */
static int
probe_key(const uint8_t *p, size_t len, struct probe_slot *s)
{
	size_t n;
	const uint8_t *l4 = probe_l4(p, len, s, &n);

	if (l4 == NULL || n < 8)
		return -1;
	switch (s->proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (l4[0] != (s->proto == IPPROTO_ICMP ? 8 : 128))
			return -1;
		s->ident = rd16(l4 + 4);
		s->seq = rd16(l4 + 6);
		s->proto = PROTO_ICMP;
		return 0;
	case IPPROTO_UDP:
		s->ident = rd16(l4);
		s->seq = rd16(l4 + 6);
		s->proto = PROTO_UDP;
		return 0;
	case IPPROTO_TCP:
		s->ident = rd16(l4);
		s->seq = (uint16_t)(rd32(l4 + 4) >> 16);
		s->proto = PROTO_TCP;
		return 0;
	default:
		return -1;
	}
}

/*
 * The sequence, xor a hash of the rest: one prober's probes (one ident,
 * sequences counting up) never collide until the sequence wraps.
 */
static size_t
slot_index(unsigned proto, unsigned ident, unsigned seq)
{
	uint32_t h = (ident * 2654435761u ^ proto * 40503u) >> 16;

	return (seq ^ h) % PROBE_SLOTS;
}

/*
 * Remembers a probe sent at now_ns (kernel stamp tx_real, or 0), read at
 * read_real.
 */
static void
probe_record(struct tunsim *t, const uint8_t *pkt, size_t len, int64_t now_ns,
    int64_t tx_real, int64_t read_real)
{
	struct probe_slot k = {
	    .sent_ns = now_ns, .tx_real = tx_real, .read_real = read_real};
	struct probe_slot *s;

	if (probe_key(pkt, len, &k) != 0)
		return;
	s = &t->slots[slot_index(k.proto, k.ident, k.seq)];
	if (s->used && !s->answered)
		t->evicted++;
	k.used = true;
	*s = k;
}

/* The slot of the probe a reply answers, or NULL. */
static struct probe_slot *
probe_match(struct tunsim *t, const uint8_t *pkt, size_t len)
{
	struct pkt_reply r;
	const char *why;
	struct probe_slot *s;

	if (packet_parse_ip(pkt, len, &r, &why) != 0 || r.kind == PKT_OTHER)
		return NULL;
	s = &t->slots[slot_index(r.proto, r.ident, r.seq)];
	if (!s->used || s->proto != r.proto || s->ident != r.ident ||
	    s->seq != r.seq)
		return NULL;
	if (addr_is_set(&r.probe_dst) && !addr_eq(&r.probe_dst, &s->dst))
		return NULL;
	return s;
}

/* Keeps the WORST_N most delayed writes, largest first. */
static void
worst_add(struct tunsim *t, int64_t late_ns, int64_t at_ns, int ttl)
{
	int i = WORST_N - 1;

	if (late_ns <= t->worst[i].late_ns)
		return;
	for (; i > 0 && t->worst[i - 1].late_ns < late_ns; i--)
		t->worst[i] = t->worst[i - 1];
	t->worst[i] = (struct late_write){late_ns, at_ns - t->start_ns, ttl};
}

static void
hist_add(struct hist *h, int64_t d_ns)
{
	int64_t b = d_ns / HIST_STEP;

	h->b[b < HIST_N ? b : HIST_N]++;
	h->n++;
	h->sum_ns += d_ns;
	if (d_ns > h->max_ns)
		h->max_ns = d_ns;
}

/* Books a reply written at write_ns, due at due_ns. */
static void
account_reply(struct tunsim *t, const uint8_t *pkt, size_t len, int64_t due_ns,
    int64_t write_ns)
{
	struct probe_slot *s = probe_match(t, pkt, len);
	struct ttl_meas *m;
	int64_t hold;

	hist_add(&t->late, write_ns - due_ns);
	worst_add(t, write_ns - due_ns, write_ns, s != NULL ? s->ttl : 0);
	if (s == NULL) {
		t->unmatched++;
		return;
	}
	if (s->answered) {
		t->duplicates++;
		return;
	}
	s->answered = true;
	m = &t->meas[s->ttl];
	hold = write_ns - s->sent_ns;
	if (m->n == 0 || hold < m->min_ns)
		m->min_ns = hold;
	if (m->n == 0 || hold > m->max_ns)
		m->max_ns = hold;
	m->n++;
	m->hold_ns += hold;
	m->late_ns += write_ns - due_ns;
}

/* Writes every reply due by now; the write is stamped just before it. */
static void
emit_due(struct tunsim *t)
{
	static uint8_t buf[BUF_MAX];
	int64_t due, now;
	ssize_t n;

	for (int i = 0; i < DRAIN_MAX; i++) {
		due = netsim_next_due(t->ns);
		now = mono_ns();
		if (due > now)
			return;
		n = netsim_output(t->ns, now, buf, sizeof(buf));
		if (n <= 0)
			return;
		now = mono_ns();
		if (write(t->fd, buf, (size_t)n) != n) {
			t->write_errors++;
			continue;
		}
		t->replies_out++;
		account_reply(t, buf, (size_t)n, due, now);
	}
}

/*
 * The realtime stamp of a received message (*real, 0 if none), moved onto
 * CLOCK_MONOTONIC.
 */
static int64_t
stamp_mono(struct msghdr *mh, int64_t *real_ns)
{
	struct cmsghdr *c;
	struct timespec ts, real;
	int64_t m0, m1;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_TIMESTAMPNS)
			break;
	*real_ns = 0;
	if (c == NULL)
		return -1;
	memcpy(&ts, CMSG_DATA(c), sizeof(ts));
	*real_ns = (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
	/* both clocks read close together (again if preempted between) */
	for (int i = 0; i < 3; i++) {
		m0 = mono_ns();
		clock_gettime(CLOCK_REALTIME, &real);
		m1 = mono_ns();
		if (m1 - m0 < 2 * NS_PER_US)
			break;
	}
	return m0 + (m1 - m0) / 2 -
	       ((int64_t)(real.tv_sec - ts.tv_sec) * NS_PER_S + real.tv_nsec -
	           ts.tv_nsec);
}

/*
 * A reply tunsim wrote, seen by the tap entering the stack with the
 * kernel's receive stamp: the wire RTT of the probe it answers.
 */
static void
tap_reply_in(struct tunsim *t, const uint8_t *pkt, size_t len, int64_t real)
{
	struct probe_slot *s = probe_match(t, pkt, len);
	struct ttl_meas *m;
	int64_t w;

	t->tap_in++;
	if (s == NULL || !s->answered || s->wired || s->tx_real == 0 ||
	    real == 0) {
		t->tap_in_unmatched++;
		return;
	}
	s->wired = true;
	m = &t->meas[s->ttl];
	w = real - s->tx_real;
	if (m->wire_n == 0 || w < m->wire_min_ns)
		m->wire_min_ns = w;
	if (m->wire_n == 0 || w > m->wire_max_ns)
		m->wire_max_ns = w;
	m->wire_n++;
	m->wire_ns += w;
	m->read_ns += real - s->read_real;
}

/*
 * The kernel stamp of pkt from the tap (*real: unconverted): its copy
 * there is queued before the TUN one, so older tap packets without a TUN
 * twin are skipped; replies coming in are booked on the way. pkt NULL:
 * read what the tap holds. Returns -1 if none matches.
 */
static int64_t
tap_stamp(struct tunsim *t, const uint8_t *pkt, size_t len, int64_t *real)
{
	static uint8_t buf[BUF_MAX];
	union {
		char b[CMSG_SPACE(sizeof(struct timespec)) + 64];
		struct cmsghdr align;
	} cm;
	struct iovec iov = {buf, sizeof(buf)};
	struct sockaddr_ll from;
	struct msghdr mh;
	ssize_t n;
	int64_t st;

	for (int i = 0; t->tap >= 0 && i < DRAIN_MAX; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		n = recvmsg(t->tap, &mh, MSG_DONTWAIT);
		/* a socket error (ENETDOWN: bound while down) is consumed */
		if (n < 0 && errno != EAGAIN)
			continue;
		if (n < 0)
			return -1;
		st = stamp_mono(&mh, real);
		if (from.sll_pkttype != PACKET_OUTGOING)
			tap_reply_in(t, buf, (size_t)n, *real);
		else if (pkt != NULL && (size_t)n == len &&
		         memcmp(buf, pkt, len) == 0)
			return st;
		else
			t->tap_skipped++;
	}
	return -1;
}

/* Reads what the tap holds: the copies of the last replies written. */
static void
tap_drain(struct tunsim *t)
{
	int64_t real;

	for (int i = 0; i < 64; i++)
		(void)tap_stamp(t, NULL, 0, &real);
}

/*
 * When pkt (read at read_ns) left for the device: its stamp if sane (and
 * in *real the stamp unconverted), else read_ns (*real 0).
 */
static int64_t
sent_time(struct tunsim *t, const uint8_t *pkt, size_t len, int64_t read_ns,
    int64_t *real)
{
	int64_t st = tap_stamp(t, pkt, len, real);

	if (st < 0 || st > read_ns || read_ns - st > NS_PER_S) {
		t->unstamped++;
		*real = 0;
		return read_ns;
	}
	t->stamped++;
	hist_add(&t->read_delay, read_ns - st);
	return st;
}

/* Reads what the device holds (non-blocking) into the simulator. */
static void
drain(struct tunsim *t)
{
	static uint8_t buf[BUF_MAX];
	ssize_t n;
	int64_t now, sent, real, read_real;
	struct timespec ts;

	for (int i = 0; i < DRAIN_MAX; i++) {
		n = read(t->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				t->read_errors++;
			return;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		read_real = (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
		now = mono_ns();
		t->packets_in++;
		sent = sent_time(t, buf, (size_t)n, now, &real);
		if (netsim_input(t->ns, buf, (size_t)n, sent) != 0)
			t->unparsable_in++;
		else
			probe_record(t, buf, (size_t)n, sent, real, read_real);
	}
}

/* Sleeps in pselect until the device is readable or wake_ns comes. */
static void
wait_readable(struct tunsim *t, int64_t wake_ns, const sigset_t *mask)
{
	int64_t d = wake_ns - mono_ns();
	struct timespec ts;
	fd_set rfds;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)(d / NS_PER_S);
	ts.tv_nsec = (long)(d % NS_PER_S);
	FD_ZERO(&rfds);
	FD_SET(t->fd, &rfds);
	if (pselect(t->fd + 1, &rfds, NULL, NULL, &ts, mask) > 0)
		drain(t);
}

/*
 * The loop: reply writes first, then either sleep (far from the next due
 * time) or one non-blocking read (within spin_ns of it).
 */
static void
run(struct tunsim *t, const struct options *o, const sigset_t *mask)
{
	int64_t end = INT64_MAX, due, now;

	if (o->duration_s > 0)
		end = mono_ns() + (int64_t)(o->duration_s * 1e9);
	while (!stop) {
		emit_due(t);
		now = mono_ns();
		if (now >= end)
			break;
		due = netsim_next_due(t->ns);
		if (due != INT64_MAX && due - now <= o->spin_ns)
			drain(t);
		else
			wait_readable(t,
			    due == INT64_MAX || due - o->spin_ns > end
			        ? end
			        : due - o->spin_ns,
			    mask);
	}
}

static int
tun_open(const char *dev)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Filter (outgoing probes, replies coming in), buffer, stamps and binding
 * of the tap socket.
 */
static int
tap_setup(int fd, int ifindex)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 1, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_HOST, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, BUF_MAX), BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL),
	    .sll_ifindex = ifindex};
	int on = 1, rcvbuf = TAP_RCVBUF;
	socklen_t len = sizeof(rcvbuf);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, len) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, len);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)))
		return -1;
	return bind(fd, (struct sockaddr *)&sll, sizeof(sll));
}

/*
 * A packet socket that sees what leaves through dev, with SO_TIMESTAMPNS
 * stamps. Returns the fd, or -1 with errno.
 */
static int
tap_open(const char *dev)
{
	unsigned ifindex = if_nametoindex(dev);
	int fd, e;

	if (ifindex == 0)
		return -1;
	/* protocol 0: nothing arrives before the filter and the bind */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (tap_setup(fd, (int)ifindex) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Percentile q (0..1) of h in microseconds: a bucket's upper edge. */
static double
hist_pct(const struct hist *h, double q)
{
	uint64_t acc = 0, want;

	if (h->n == 0)
		return 0;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want == 0)
		want = 1;
	for (int i = 0; i < HIST_N; i++) {
		acc += h->b[i];
		if (acc >= want)
			return (double)(i + 1) * HIST_STEP / 1e3;
	}
	return (double)h->max_ns / 1e3;
}

static void
set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static json_t *
hist_json(const struct hist *h)
{
	json_t *o = json_object();

	set(o, "n", json_integer((json_int_t)h->n));
	set(o, "mean_us",
	    json_real(h->n > 0 ? (double)h->sum_ns / (double)h->n / 1e3 : 0));
	set(o, "median_us", json_real(hist_pct(h, 0.5)));
	set(o, "p90_us", json_real(hist_pct(h, 0.9)));
	set(o, "p99_us", json_real(hist_pct(h, 0.99)));
	set(o, "max_us", json_real((double)h->max_ns / 1e3));
	set(o, "beyond_2ms", json_integer((json_int_t)h->b[HIST_N]));
	return o;
}

/* The write lateness, with the worst writes. */
static json_t *
lateness_json(const struct tunsim *t)
{
	json_t *o = hist_json(&t->late), *worst = json_array();

	set(o, "worst", worst);
	for (int i = 0; i < WORST_N && t->worst[i].late_ns > 0; i++)
		json_array_append_new(
		    worst, json_pack("{s:f, s:f, s:i}", "late_us",
		               (double)t->worst[i].late_ns / 1e3, "at_s",
		               (double)t->worst[i].at_ns / 1e9, "ttl",
		               t->worst[i].ttl));
	return o;
}

/* One TTL's counts (netsim's) and measurements (ours). */
static json_t *
ttl_json(const struct tunsim *t, int ttl, const struct netsim_counts *c)
{
	const struct ttl_meas *m = &t->meas[ttl];
	json_t *o = json_object();
	double n = (double)m->n;

	set(o, "ttl", json_integer(ttl));
	set(o, "probes", json_integer((json_int_t)c->probes));
	set(o, "answered", json_integer((json_int_t)c->answered));
	set(o, "dropped", json_integer((json_int_t)c->dropped));
	set(o, "fwd_lost", json_integer((json_int_t)c->fwd_lost));
	set(o, "hold_ns", json_integer((json_int_t)c->hold_ns));
	set(o, "hold_mean_ms",
	    json_real(c->answered > 0
	                  ? (double)c->hold_ns / (double)c->answered / 1e6
	                  : 0));
	set(o, "measured_n", json_integer((json_int_t)m->n));
	set(o, "measured_hold_ns", json_integer(m->hold_ns));
	set(o, "measured_mean_ms",
	    m->n > 0 ? json_real((double)m->hold_ns / n / 1e6) : json_null());
	set(o, "measured_min_ms",
	    m->n > 0 ? json_real((double)m->min_ns / 1e6) : json_null());
	set(o, "measured_max_ms",
	    m->n > 0 ? json_real((double)m->max_ns / 1e6) : json_null());
	set(o, "late_mean_us",
	    m->n > 0 ? json_real((double)m->late_ns / n / 1e3) : json_null());
	set(o, "wire_n", json_integer((json_int_t)m->wire_n));
	set(o, "wire_mean_ms",
	    m->wire_n > 0
	        ? json_real((double)m->wire_ns / (double)m->wire_n / 1e6)
	        : json_null());
	/* a kernel send stamp lies between the probe's tap stamp and its
	 * read: an RTT from it lies between wire_read_mean and wire_mean */
	set(o, "wire_read_mean_ms",
	    m->wire_n > 0
	        ? json_real((double)m->read_ns / (double)m->wire_n / 1e6)
	        : json_null());
	set(o, "wire_min_ms",
	    m->wire_n > 0 ? json_real((double)m->wire_min_ns / 1e6)
	                  : json_null());
	set(o, "wire_max_ms",
	    m->wire_n > 0 ? json_real((double)m->wire_max_ns / 1e6)
	                  : json_null());
	return o;
}

static json_t *
log_json(const struct tunsim *t, const struct options *o, double ran_s)
{
	json_t *root = json_object(), *ttls = json_array();
	struct netsim_counts c;

	set(root, "scenario", json_string(netsim_name(t->ns)));
	set(root, "hop_count", json_integer(netsim_hop_count(t->ns)));
	set(root, "dev", json_string(o->dev));
	set(root, "ran_s", json_real(ran_s));
	set(root, "spin_us", json_integer(o->spin_ns / NS_PER_US));
	set(root, "packets_in", json_integer((json_int_t)t->packets_in));
	set(root, "unparsable_in", json_integer((json_int_t)t->unparsable_in));
	set(root, "read_errors", json_integer((json_int_t)t->read_errors));
	set(root, "replies_out", json_integer((json_int_t)t->replies_out));
	set(root, "write_errors", json_integer((json_int_t)t->write_errors));
	set(root, "unmatched_replies", json_integer((json_int_t)t->unmatched));
	set(root, "duplicate_replies", json_integer((json_int_t)t->duplicates));
	set(root, "evicted_probes", json_integer((json_int_t)t->evicted));
	set(root, "probe_clock", json_string(t->tap >= 0 ? "kernel" : "read"));
	set(root, "stamped", json_integer((json_int_t)t->stamped));
	set(root, "unstamped", json_integer((json_int_t)t->unstamped));
	set(root, "tap_skipped", json_integer((json_int_t)t->tap_skipped));
	set(root, "tap_replies_in", json_integer((json_int_t)t->tap_in));
	set(root, "tap_replies_unmatched",
	    json_integer((json_int_t)t->tap_in_unmatched));
	set(root, "lateness", lateness_json(t));
	set(root, "read_delay", hist_json(&t->read_delay));
	for (int ttl = 1; ttl <= TTL_MAX; ttl++) {
		netsim_counts(t->ns, ttl, &c);
		if (c.probes > 0 || c.fwd_lost > 0 || t->meas[ttl].n > 0)
			json_array_append_new(ttls, ttl_json(t, ttl, &c));
	}
	set(root, "ttls", ttls);
	return root;
}

/* Writes the log to FILE.tmp and renames it, so readers see it whole. */
static int
write_log(const struct tunsim *t, const struct options *o, double ran_s)
{
	char tmp[4096];
	json_t *root;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", o->log) >= (int)sizeof(tmp))
		return -1;
	root = log_json(t, o, ran_s);
	rc = json_dump_file(root, tmp,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(root);
	if (rc == 0)
		rc = rename(tmp, o->log);
	return rc;
}

static int
print_info(const struct netsim *ns)
{
	static const struct {
		const char *key;
		int family;
		int (*get)(const struct netsim *, int, struct haddr *);
	} rows[] = {{"source4", AF_INET, netsim_source},
	    {"source6", AF_INET6, netsim_source},
	    {"target4", AF_INET, netsim_target},
	    {"target6", AF_INET6, netsim_target}};
	char buf[ADDR_STRLEN];
	struct haddr a;

	printf("name %s\n", netsim_name(ns));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].get(ns, rows[i].family, &a) == 0 && addr_is_set(&a))
			printf("%s %s\n", rows[i].key,
			    addr_str(&a, buf, sizeof(buf)));
	return fflush(stdout) == 0 ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: tunsim --scenario FILE --dev NAME [--log FILE] "
	    "[--duration SECS] [--spin-us N] [--rt PRIO] [--no-tap]\n"
	    "       tunsim --scenario FILE --info\n");
	exit(2);
}

static double
number(const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "tunsim: bad number '%s' (%g-%g)\n", s, lo, hi);
		exit(2);
	}
	return v;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {{"scenario", 1, NULL, 's'},
	    {"dev", 1, NULL, 'd'}, {"log", 1, NULL, 'l'},
	    {"duration", 1, NULL, 't'}, {"spin-us", 1, NULL, 'S'},
	    {"rt", 1, NULL, 'r'}, {"info", 0, NULL, 'i'},
	    {"no-tap", 0, NULL, 'T'}, {NULL, 0, NULL, 0}};
	int c;

	*o = (struct options){.spin_ns = SPIN_US * NS_PER_US};
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			o->scenario = optarg;
			break;
		case 'd':
			o->dev = optarg;
			break;
		case 'l':
			o->log = optarg;
			break;
		case 't':
			o->duration_s = number(optarg, 0, 86400);
			break;
		case 'S':
			o->spin_ns =
			    (int64_t)number(optarg, 0, 1e6) * NS_PER_US;
			break;
		case 'r':
			o->rt_prio = (int)number(optarg, 0, 99);
			break;
		case 'i':
			o->info = true;
			break;
		case 'T':
			o->no_tap = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->scenario == NULL ||
	    (!o->info && o->dev == NULL))
		usage();
}

/* Real-time scheduling and locked memory; a warning if refused. */
static void
go_realtime(int prio)
{
	struct sched_param sp = {.sched_priority = prio};

	if (prio <= 0)
		return;
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0 ||
	    sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		fprintf(stderr, "tunsim: --rt %d: %s (going on without)\n",
		    prio, strerror(errno));
}

/* SIGTERM and SIGINT set stop; blocked except inside pselect (old). */
static void
setup_signals(sigset_t *old)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, old);
}

int
main(int argc, char **argv)
{
	static struct tunsim t; /* large: the probe table */
	struct options o;
	char err[256] = "";
	sigset_t old;
	int64_t start;

	parse_args(argc, argv, &o);
	t.ns = netsim_load(o.scenario, err, sizeof(err));
	if (t.ns == NULL) {
		fprintf(stderr, "tunsim: %s\n", err);
		return 1;
	}
	if (o.info)
		return print_info(t.ns);
	setup_signals(&old);
	t.fd = tun_open(o.dev);
	if (t.fd < 0) {
		fprintf(stderr, "tunsim: /dev/net/tun %s: %s\n", o.dev,
		    strerror(errno));
		return 1;
	}
	t.tap = o.no_tap ? -1 : tap_open(o.dev);
	if (!o.no_tap && t.tap < 0)
		fprintf(stderr,
		    "tunsim: no kernel stamps (%s): using read times\n",
		    strerror(errno));
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	go_realtime(o.rt_prio);
	printf("ready\n");
	fflush(stdout);
	start = t.start_ns = mono_ns();
	run(&t, &o, &old);
	tap_drain(&t);
	if (o.log != NULL &&
	    write_log(&t, &o, (double)(mono_ns() - start) / 1e9) != 0) {
		fprintf(stderr, "tunsim: cannot write %s\n", o.log);
		return 1;
	}
	close(t.fd);
	if (t.tap >= 0)
		close(t.tap);
	netsim_free(t.ns);
	return 0;
}
