/*
 * test_net: the real-socket transport against a chain of Linux routers in
 * network namespaces (tests/integration/lab.sh). Needs root: exits 77
 * (skipped) otherwise.
 *
 * The lab is a 5-hop chain PREFIX-src -- r1 -- r2 -- r3 -- r4 -- dst; the
 * sockets are opened inside PREFIX-src (setns) and the test process
 * returns to its own namespace at once, so lab.sh and the clean-up run
 * where they were started.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <cmocka.h>

#include "hoptop/clock.h"
#include "hoptop/net.h"
#include "hoptop/priv.h"

#define HOPS      5
#define MAX_TTL   (HOPS + 1)
#define IDENT_A   0x4a31
#define IDENT_B   0x4a32
#define UDP_SPORT 41000
#define PORT      33434
#define TCP_PORT  80

static char prefix[16];
static char lab[PATH_MAX];
static int host_ns = -1;
static int lab_is_up;
static int stamp_keeper = -1;
static struct haddr hop_addr[2][HOPS], target[2];
static uint16_t next_seq = 100;

struct trace {
	int n;     /* replies that matched a probe */
	int extra; /* replies that did not (duplicates, strays) */
	int late;  /* rx_ns not before the recv call: no kernel stamp */
	bool got[MAX_TTL + 1];
	int64_t tx_real[MAX_TTL + 1]; /* kernel send stamp, before the reply */
	struct reply r[MAX_TTL + 1];
	int64_t sent_ns[MAX_TTL + 1];
};

/* ---- the lab ---------------------------------------------------------- */

static int lab_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
lab_run(const char *fmt, ...)
{
	char cmd[PATH_MAX + 128];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void
lab_down(void)
{
	if (lab_is_up) {
		lab_run("%s down %s", lab, prefix);
		lab_is_up = 0;
	}
}

/*
 * Reads `lab.sh addrs|target` for family 4 or 6 into out (n lines).
 * Returns 0, or -1 if the script said something else.
 */
static int
lab_read(const char *what, int fam, struct haddr *out, int n)
{
	char cmd[PATH_MAX + 64], line[128];
	FILE *f;
	int i, bad = 0;

	snprintf(
	    cmd, sizeof(cmd), "%s %s %s %d %d", lab, what, prefix, HOPS, fam);
	f = popen(cmd, "r");
	if (f == NULL)
		return -1;
	for (i = 0; i < n && !bad; i++) {
		bad = fgets(line, sizeof(line), f) == NULL;
		line[strcspn(line, "\n")] = '\0';
		bad = bad || addr_parse(line, &out[i]) != 0;
	}
	return pclose(f) == 0 && !bad ? 0 : -1;
}

/* Expected hop addresses and the target, [0] IPv4, [1] IPv6. */
static int
lab_learn(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (lab_read("addrs", i == 0 ? 4 : 6, hop_addr[i], HOPS) != 0 ||
		    lab_read("target", i == 0 ? 4 : 6, &target[i], 1) != 0)
			return -1;
	return 0;
}

static int
group_setup(void **state)
{
	int on = 1;

	(void)state;
	snprintf(
	    lab, sizeof(lab), "%s/tests/integration/lab.sh", HOPTOP_SOURCE_DIR);
	snprintf(prefix, sizeof(prefix), "net%d", (int)(getpid() % 100000));
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_ns < 0)
		return -1;
	/*
	 * The kernel turns receive stamping on for the whole system a moment
	 * after the first socket asks (deferred work), and off after the last
	 * one closes: keep one asking, so every test sees real stamps.
	 */
	stamp_keeper = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (stamp_keeper < 0 || setsockopt(stamp_keeper, SOL_SOCKET,
	                            SO_TIMESTAMPNS, &on, sizeof(on)) != 0)
		return -1;
	lab_is_up = 1; /* a half-built lab is removed too */
	if (lab_run("%s up %s %d", lab, prefix, HOPS) != 0)
		return -1;
	return lab_learn();
}

static int
group_teardown(void **state)
{
	(void)state;
	lab_down();
	if (stamp_keeper >= 0)
		close(stamp_keeper);
	return 0;
}

/* setns() into PREFIX-which; 0 or -1 (usable in a forked child). */
static int
setns_to(const char *which)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "/var/run/netns/%s-%s", prefix, which);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

static void
enter_ns(const char *which)
{
	assert_int_equal(setns_to(which), 0);
}

static void
leave_ns(void)
{
	assert_int_equal(setns(host_ns, CLONE_NEWNET), 0);
}

/* ---- transports and traces -------------------------------------------- */

static void
params(int fam, enum probe_proto proto, uint16_t ident, uint16_t flows,
    struct transport_params *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->family = fam == 6 ? AF_INET6 : AF_INET;
	tp->proto = proto;
	tp->port = proto == PROTO_TCP ? TCP_PORT : PORT;
	tp->ident = ident;
	tp->flows = flows;
	tp->target = target[fam == 6];
}

/* A transport in the current namespace; NULL (with err) if refused. */
static struct transport *
open_here(const struct transport_params *tp, enum net_method m, char *err,
    size_t errlen)
{
	struct transport *t = NULL;
	struct net_prep *np;

	np = net_prepare(tp->proto, m, err, errlen);
	if (np != NULL)
		t = net_transport_new(np, tp, err, errlen);
	net_prep_free(np);
	return t;
}

/*
 * A transport opened inside PREFIX-src; NULL (with err) if refused. Usable
 * in a forked child.
 */
static struct transport *
open_in_src(const struct transport_params *tp, enum net_method m, char *err,
    size_t errlen)
{
	struct transport *t;

	if (setns_to("src") != 0) {
		snprintf(err, errlen, "setns: %s", strerror(errno));
		return NULL;
	}
	t = open_here(tp, m, err, errlen);
	if (setns(host_ns, CLONE_NEWNET) != 0)
		abort(); /* tests must not go on in the wrong namespace */
	return t;
}

static struct transport *
open_ok(const struct transport_params *tp, enum net_method m)
{
	char err[256] = "";
	struct transport *t = open_in_src(tp, m, err, sizeof(err));

	if (t == NULL)
		fail_msg("transport: %s", err);
	return t;
}

/*
 * Sends TTL 1..MAX_TTL (flow = ttl % flows) and collects replies for up to
 * a second, or until every probe has one. Returns 0, or -1 on a transport
 * error (so it can run in a child without cmocka).
 */
static int
run_trace(struct transport *t, struct trace *tr)
{
	uint16_t flows = t->params.flows, base = next_seq;
	int64_t end = clock_mono_ns() + NS_PER_S;
	struct pollfd pfd = {t->ops->fd(t), POLLIN, 0};
	struct probe p;
	struct reply r;
	int64_t before_ns;
	int ttl, rc;

	memset(tr, 0, sizeof(*tr));
	next_seq = (uint16_t)(next_seq + 16);
	for (ttl = 1; ttl <= MAX_TTL; ttl++) {
		p.seq = (uint16_t)(base + ttl);
		p.flow = (uint16_t)(ttl % flows);
		p.ttl = (uint8_t)ttl;
		if (t->ops->send(t, &p, &tr->sent_ns[ttl]) != 0)
			return -1;
	}
	while (tr->n < MAX_TTL && clock_mono_ns() < end) {
		(void)poll(&pfd, 1, 50);
		for (;;) {
			before_ns = clock_mono_ns();
			if ((rc = t->ops->recv(t, &r, before_ns)) != 1)
				break;
			ttl = r.seq - base;
			if (r.kind == REPLY_TX_STAMP) {
				if (ttl < 1 || ttl > MAX_TTL || tr->got[ttl] ||
				    tr->tx_real[ttl] != 0)
					tr->extra++;
				else
					tr->tx_real[ttl] = r.tx_real_ns;
				continue;
			}
			/* a kernel stamp is taken on arrival, before we ask */
			if (r.rx_ns >= before_ns)
				tr->late++;
			if (ttl < 1 || ttl > MAX_TTL || tr->got[ttl]) {
				tr->extra++;
				continue;
			}
			tr->got[ttl] = true;
			tr->r[ttl] = r;
			tr->n++;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The median over the replies of (RTT from the user-space send stamp and
 * the receive stamp moved onto the monotonic clock) - (RTT from the two
 * kernel stamps, no conversion). The user stamp is taken before the
 * kernel's, so this is >= 0 unless the conversion is biased.
 */
static int64_t
clock_bias_median(const struct trace *tr)
{
	int64_t d[MAX_TTL];
	int ttl;

	for (ttl = 1; ttl <= MAX_TTL; ttl++)
		d[ttl - 1] = (tr->r[ttl].rx_ns - tr->sent_ns[ttl]) -
		             (tr->r[ttl].rx_real_ns - tr->tx_real[ttl]);
	qsort(d, MAX_TTL, sizeof(d[0]), cmp_i64);
	return d[MAX_TTL / 2];
}

/*
 * What a 5-hop chain must answer: routers 1..4 Time Exceeded from their
 * address facing us, TTL 5 and 6 the destination; each reply TTL is 64
 * less the hops it crossed; kernel stamps after the send, RTT < 50 ms; a
 * kernel send stamp before each reply; no bias from the receive stamp's
 * move onto the monotonic clock.
 * Returns NULL, or what is wrong (usable in a forked child).
 */
static const char *
trace_problem(const struct trace *tr, const struct transport_params *tp,
    uint8_t dest_type, uint8_t dest_code)
{
	static char why[160];
	const struct haddr *hops = hop_addr[tp->family == AF_INET6];
	bool v6 = tp->family == AF_INET6;
	int ttl, hop;

	if (tr->n != MAX_TTL || tr->extra != 0 || tr->late != 0) {
		snprintf(why, sizeof(why), "%d replies, %d extra, %d late",
		    tr->n, tr->extra, tr->late);
		return why;
	}
	for (ttl = 1; ttl <= MAX_TTL; ttl++) {
		const struct reply *r = &tr->r[ttl];
		int64_t rtt_ns = r->rx_ns - tr->sent_ns[ttl];
		int64_t k_ns = r->rx_real_ns - tr->tx_real[ttl];

		hop = ttl < HOPS ? ttl : HOPS;
		snprintf(why, sizeof(why), "ttl %d: ", ttl);
		if (!addr_eq(&r->from, &hops[hop - 1]))
			strcat(why, "wrong responder");
		else if (!addr_eq(&r->probe_dst, &tp->target))
			strcat(why, "wrong probe_dst");
		else if (ttl < HOPS && (r->kind != REPLY_TIME_EXCEEDED ||
		                           r->icmp_type != (v6 ? 3 : 11) ||
		                           r->icmp_code != 0))
			strcat(why, "not Time Exceeded");
		else if (ttl >= HOPS &&
		         (r->kind != REPLY_DEST || r->icmp_type != dest_type ||
		             r->icmp_code != dest_code))
			strcat(why, "not the destination's answer");
		else if (r->reply_ttl != 65 - hop)
			strcat(why, "wrong reply TTL");
		else if (rtt_ns < 0 || rtt_ns >= 50 * NS_PER_MS)
			strcat(why, "RTT out of range");
		else if (tr->tx_real[ttl] == 0 || r->rx_real_ns == 0)
			strcat(why, "no kernel send stamp before the reply");
		else if (k_ns < 0 || k_ns >= 50 * NS_PER_MS)
			strcat(why, "kernel RTT out of range");
		else
			continue;
		return why;
	}
	if (clock_bias_median(tr) < -NS_PER_US ||
	    clock_bias_median(tr) > NS_PER_MS) {
		snprintf(why, sizeof(why),
		    "user-space RTT - kernel RTT: median %lld ns",
		    (long long)clock_bias_median(tr));
		return why;
	}
	return NULL;
}

static void
check_chain(int fam, enum probe_proto proto, enum net_method m, uint16_t ident,
    uint16_t flows, uint8_t dest_type, uint8_t dest_code)
{
	struct transport_params tp;
	struct transport *t;
	struct trace tr;
	const char *why, *method;

	params(fam, proto, ident, flows, &tp);
	t = open_ok(&tp, m);
	assert_int_equal(run_trace(t, &tr), 0);
	why = trace_problem(&tr, &tp, dest_type, dest_code);
	method = t->ops->method(t); /* a static string */
	transport_free(t);
	if (why != NULL)
		fail_msg("IPv%d %s via %s: %s", fam, packet_proto_name(proto),
		    method, why);
}

/* ---- raw sockets ------------------------------------------------------ */

static void
test_net_transport_icmp4_chain(void **state)
{
	(void)state;
	check_chain(4, PROTO_ICMP, METHOD_RAW, IDENT_A, 1, 0, 0);
}

static void
test_net_transport_icmp6_chain(void **state)
{
	(void)state;
	check_chain(6, PROTO_ICMP, METHOD_RAW, IDENT_A, 1, 129, 0);
}

static void
test_net_transport_udp4_chain(void **state)
{
	(void)state;
	check_chain(4, PROTO_UDP, METHOD_RAW, UDP_SPORT, 4, 3, 3);
}

static void
test_net_transport_udp6_chain(void **state)
{
	(void)state;
	check_chain(6, PROTO_UDP, METHOD_RAW, UDP_SPORT, 4, 1, 4);
}

static void
test_net_transport_tcp4_chain_rst(void **state)
{
	(void)state;
	check_chain(4, PROTO_TCP, METHOD_RAW, UDP_SPORT, 2, 0, 0);
}

static void
test_net_transport_tcp6_chain_rst(void **state)
{
	(void)state;
	check_chain(6, PROTO_TCP, METHOD_RAW, UDP_SPORT, 2, 0, 0);
}

static void
test_net_transport_method_names(void **state)
{
	struct transport_params tp;
	struct transport *t;
	struct haddr src, want;

	(void)state;
	params(4, PROTO_ICMP, IDENT_A, 1, &tp);
	t = open_ok(&tp, METHOD_AUTO);
	assert_string_equal(t->ops->method(t), "raw socket");
	assert_int_equal(t->ops->next_deadline(t), CLOCK_NEVER);
	t->ops->source(t, &src);
	assert_int_equal(addr_parse("10.201.1.1", &want), 0);
	assert_true(addr_eq(&src, &want));
	transport_free(t);
}

/* The destination's answer to proto: ICMP type and code. */
static void
dest_answer(int fam, enum probe_proto proto, uint8_t *type, uint8_t *code)
{
	*type = *code = 0;
	if (proto == PROTO_ICMP && fam == 6)
		*type = 129;
	else if (proto == PROTO_UDP)
		*type = fam == 6 ? 1 : 3, *code = fam == 6 ? 4 : 3;
}

/*
 * Every raw socket sees every ICMP message (and every TCP segment): a
 * second transport whose ident, source port range or destination port
 * differs must pass none of the first one's replies on.
 */
static void
test_net_recv_foreign_ident_dropped(void **state)
{
	static const struct {
		enum probe_proto proto;
		uint16_t ident_b, port_b; /* 0: as A's */
	} cases[] = {
	    {PROTO_ICMP, IDENT_B, 0},
	    {PROTO_UDP, UDP_SPORT + 4, 0}, /* the next range of 4 */
	    {PROTO_UDP, UDP_SPORT - 4, 0}, /* the range before */
	    {PROTO_UDP, UDP_SPORT, PORT + 1},
	    {PROTO_TCP, UDP_SPORT + 4, 0},
	    {PROTO_TCP, UDP_SPORT, TCP_PORT + 1},
	};
	struct transport_params ta, tb;
	struct transport *a, *b;
	struct trace tr;
	struct reply r;
	uint8_t type, code;
	size_t i;
	int fam;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (fam = 4; fam <= 6; fam += 2) {
			uint16_t ident =
			    cases[i].proto == PROTO_ICMP ? IDENT_A : UDP_SPORT;

			params(fam, cases[i].proto, ident, 4, &ta);
			params(fam, cases[i].proto, cases[i].ident_b, 4, &tb);
			if (cases[i].port_b != 0)
				tb.port = cases[i].port_b;
			a = open_ok(&ta, METHOD_RAW);
			b = open_ok(&tb, METHOD_RAW);
			/* A holds its source ports: B cannot share them */
			if (cases[i].proto != PROTO_ICMP &&
			    cases[i].ident_b == ident)
				assert_int_not_equal(
				    b->params.ident, a->params.ident);
			assert_int_equal(run_trace(a, &tr), 0);
			dest_answer(fam, cases[i].proto, &type, &code);
			assert_null(trace_problem(&tr, &ta, type, code));
			usleep(50 * 1000);
			if (b->ops->recv(b, &r, clock_mono_ns()) != 0)
				fail_msg("case %zu IPv%d: B got seq %u", i, fam,
				    r.seq);
			transport_free(a);
			transport_free(b);
		}
	}
}

/* ---- batched receive -------------------------------------------------- */

#define BURST_ROUNDS 8 /* rounds of TTL 1..HOPS: more than one read batch */
#define BURST        (BURST_ROUNDS * HOPS)

/*
 * Sends BURST probes (TTL 1..HOPS over and over) and, once every answer
 * had time to arrive, takes them all in one pass: several batched reads,
 * of one queue or more. Returns how many replies were right (one per
 * probe, after its kernel send stamp, the hop's address, a kernel stamp
 * between the send and the pass) and counts the others in *bad; -1 on a
 * transport error.
 */
static int
burst_pass(struct transport *t, int fam, int *bad)
{
	const struct haddr *hops = hop_addr[fam == 6];
	uint16_t base = next_seq;
	int64_t sent[BURST], before;
	bool got[BURST], stamped[BURST];
	struct probe p;
	struct reply r;
	int i, rc, good = 0;

	memset(got, 0, sizeof(got));
	memset(stamped, 0, sizeof(stamped));
	next_seq = (uint16_t)(next_seq + BURST + 16);
	for (i = 0; i < BURST; i++) {
		p.seq = (uint16_t)(base + i);
		p.flow = (uint16_t)(i % t->params.flows);
		p.ttl = (uint8_t)(i % HOPS + 1);
		if (t->ops->send(t, &p, &sent[i]) != 0)
			return -1;
	}
	usleep(100 * 1000);
	before = clock_mono_ns();
	while ((rc = t->ops->recv(t, &r, before)) == 1) {
		i = r.seq - base;
		if (r.kind == REPLY_TX_STAMP && i >= 0 && i < BURST &&
		    !got[i] && !stamped[i]) {
			stamped[i] = true;
			continue;
		}
		if (i < 0 || i >= BURST || got[i] || !stamped[i] ||
		    r.kind == REPLY_TX_STAMP || r.rx_ns < sent[i] ||
		    r.rx_ns >= before || !addr_eq(&r.from, &hops[i % HOPS])) {
			(*bad)++;
			continue;
		}
		got[i] = true;
		good++;
	}
	return rc < 0 ? -1 : good;
}

/* Polls t until recv gives a reply (1 s at most); its seq, or -1. */
static int
next_reply_seq(struct transport *t)
{
	struct pollfd pfd = {t->ops->fd(t), POLLIN, 0};
	int64_t end = clock_mono_ns() + NS_PER_S;
	struct reply r;

	while (clock_mono_ns() < end) {
		(void)poll(&pfd, 1, 50);
		if (t->ops->recv(t, &r, clock_mono_ns()) == 1 &&
		    r.kind != REPLY_TX_STAMP)
			return r.seq;
	}
	return -1;
}

/*
 * Replies are read many at a time: a burst larger than one read batch,
 * spread over one queue (raw), the error queue and the data queue of one
 * socket (ping), or several sockets (TCP, UDP flows), comes out whole,
 * each reply with its own sender and kernel stamp. A pass that found every
 * queue empty leaves nothing behind: the next reply is read next time.
 */
static void
test_net_recv_burst_in_batches(void **state)
{
	static const struct {
		int fam;
		enum probe_proto proto;
		enum net_method m;
		uint16_t ident, flows;
	} cases[] = {
	    {4, PROTO_ICMP, METHOD_RAW, IDENT_A, 1},
	    {6, PROTO_UDP, METHOD_RAW, UDP_SPORT, 4},
	    {4, PROTO_TCP, METHOD_RAW, UDP_SPORT, 2},
	    {4, PROTO_ICMP, METHOD_UNPRIV, IDENT_A, 1},
	    {6, PROTO_ICMP, METHOD_UNPRIV, IDENT_A, 1},
	    {4, PROTO_UDP, METHOD_UNPRIV, UDP_SPORT, 3},
	};
	struct transport_params tp;
	struct transport *t;
	struct probe p;
	int64_t sent;
	size_t i;
	int good, bad;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		params(cases[i].fam, cases[i].proto, cases[i].ident,
		    cases[i].flows, &tp);
		t = open_ok(&tp, cases[i].m);
		bad = 0;
		good = burst_pass(t, cases[i].fam, &bad);
		if (good != BURST || bad != 0)
			fail_msg("case %zu (%s): %d of %d right, %d wrong", i,
			    t->ops->method(t), good, BURST, bad);
		assert_int_equal(t->ops->next_deadline(t), CLOCK_NEVER);
		p.seq = next_seq++;
		p.flow = 0;
		p.ttl = HOPS;
		assert_int_equal(t->ops->send(t, &p, &sent), 0);
		assert_int_equal(next_reply_seq(t), p.seq);
		transport_free(t);
	}
}

/* Sends n ICMP Echo Requests with identifier ident to dst, from src. */
static void
echo_flood(const struct haddr *dst, uint16_t ident, int n)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_to_sockaddr(dst, 0, &ss);
	uint8_t b[16];
	uint16_t sum;
	int fd, i;

	enter_ns("src");
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	leave_ns();
	assert_true(fd >= 0);
	for (i = 0; i < n; i++) {
		memset(b, 0, sizeof(b));
		b[0] = 8; /* Echo Request */
		b[4] = (uint8_t)(ident >> 8);
		b[5] = (uint8_t)ident;
		b[7] = (uint8_t)i;
		sum = packet_checksum(b, sizeof(b), 0);
		b[2] = (uint8_t)(sum >> 8);
		b[3] = (uint8_t)sum;
		assert_int_equal(
		    sendto(fd, b, sizeof(b), 0, (struct sockaddr *)&ss, len),
		    (ssize_t)sizeof(b));
	}
	close(fd);
}

/*
 * Echo Replies from hop 1 carry our identifier, so the kernel filter lets
 * them through, but they answer no probe to the target. A flood of them
 * queued before our reply: one recv call gives up after its budget
 * (returns 0) and says it must be called again (held messages due now, or
 * the fd still readable); a later call finds our reply.
 */
static void
test_net_recv_budget_bounds_a_foreign_flood(void **state)
{
	struct transport_params tp;
	struct transport *t;
	struct pollfd pfd;
	struct probe p = {0, 0, HOPS};
	struct reply r;
	int64_t sent;
	int calls, rc;

	(void)state;
	params(4, PROTO_ICMP, IDENT_A, 1, &tp);
	t = open_ok(&tp, METHOD_RAW);
	echo_flood(&hop_addr[0][0], IDENT_A, 200);
	usleep(50 * 1000);
	p.seq = next_seq++;
	assert_int_equal(t->ops->send(t, &p, &sent), 0);
	usleep(50 * 1000);
	/* the send stamp comes first: its queue is read before the replies */
	assert_int_equal(t->ops->recv(t, &r, clock_mono_ns()), 1);
	assert_int_equal(r.kind, REPLY_TX_STAMP);
	assert_int_equal(r.seq, p.seq);
	assert_int_equal(t->ops->recv(t, &r, clock_mono_ns()), 0);
	for (calls = 1; calls < 20; calls++) {
		pfd.fd = t->ops->fd(t);
		pfd.events = POLLIN;
		pfd.revents = 0;
		assert_true(
		    t->ops->next_deadline(t) == 0 || poll(&pfd, 1, 0) == 1);
		if ((rc = t->ops->recv(t, &r, clock_mono_ns())) == 1)
			break;
		assert_int_equal(rc, 0);
	}
	assert_true(calls < 20);
	assert_int_equal(r.seq, p.seq);
	assert_true(addr_eq(&r.from, &target[0]));
	assert_int_equal(t->ops->recv(t, &r, clock_mono_ns()), 0);
	transport_free(t);
}

/* ---- unprivileged kinds ----------------------------------------------- */

static void
test_net_transport_ping_socket_chain(void **state)
{
	(void)state;
	check_chain(4, PROTO_ICMP, METHOD_UNPRIV, IDENT_A, 1, 0, 0);
	check_chain(6, PROTO_ICMP, METHOD_UNPRIV, IDENT_A, 1, 129, 0);
}

static void
test_net_transport_udp_socket_chain(void **state)
{
	(void)state;
	check_chain(4, PROTO_UDP, METHOD_UNPRIV, UDP_SPORT, 3, 3, 3);
	check_chain(6, PROTO_UDP, METHOD_UNPRIV, UDP_SPORT, 3, 1, 4);
}

/* A UDP or TCP socket on port in PREFIX-src (any address), or -1. */
static int
hold_port_in_src(int fam, enum probe_proto proto, uint16_t port)
{
	struct sockaddr_storage ss;
	struct haddr any;
	socklen_t len;
	int fd;

	if (setns_to("src") != 0)
		return -1;
	memset(&any, 0, sizeof(any));
	any.family = fam == 6 ? AF_INET6 : AF_INET;
	fd = socket(
	    any.family, proto == PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, 0);
	len = addr_to_sockaddr(&any, port, &ss);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		fd = -1;
	}
	if (setns(host_ns, CLONE_NEWNET) != 0)
		abort();
	return fd;
}

/*
 * A source port another socket holds: the UDP sockets move to another
 * random range (and still trace) instead of failing.
 */
static void
test_net_udp_socket_taken_port_moves(void **state)
{
	struct transport_params tp;
	struct transport *t;
	struct trace tr;
	const char *why;
	int fd;

	(void)state;
	fd = hold_port_in_src(4, PROTO_UDP, UDP_SPORT + 1);
	assert_true(fd >= 0);
	params(4, PROTO_UDP, UDP_SPORT, 3, &tp);
	t = open_ok(&tp, METHOD_UNPRIV);
	assert_int_not_equal(t->params.ident, UDP_SPORT);
	assert_true(t->params.ident >= TRANSPORT_PORT_LO);
	assert_true(t->params.ident + 2 <= TRANSPORT_PORT_HI);
	tp.ident = t->params.ident;
	assert_int_equal(run_trace(t, &tr), 0);
	why = trace_problem(&tr, &tp, 3, 3);
	transport_free(t);
	close(fd);
	if (why != NULL)
		fail_msg("UDP after a taken port: %s", why);
}

/*
 * Raw UDP and TCP probes hold their source ports with ordinary sockets:
 * nothing else can bind them while the transport lives, and a port that
 * is already taken moves the range (the trace still works).
 */
static void
test_net_raw_source_ports_are_held(void **state)
{
	static const enum probe_proto protos[] = {PROTO_UDP, PROTO_TCP};
	struct transport_params tp;
	struct transport *t;
	struct trace tr;
	uint8_t type, code;
	int fd;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		params(4, protos[i], UDP_SPORT, 4, &tp);
		t = open_ok(&tp, METHOD_RAW);
		assert_int_equal(t->params.ident, UDP_SPORT);
		fd = hold_port_in_src(4, protos[i], UDP_SPORT + 2);
		assert_int_equal(fd, -1); /* held */
		transport_free(t);
		fd = hold_port_in_src(4, protos[i], UDP_SPORT + 2);
		assert_true(fd >= 0); /* free again */
		t = open_ok(&tp, METHOD_RAW);
		assert_int_not_equal(t->params.ident, UDP_SPORT);
		tp.ident = t->params.ident;
		assert_int_equal(run_trace(t, &tr), 0);
		dest_answer(4, protos[i], &type, &code);
		if (trace_problem(&tr, &tp, type, code) != NULL)
			fail_msg("%s after a taken port: %s",
			    packet_proto_name(protos[i]),
			    trace_problem(&tr, &tp, type, code));
		transport_free(t);
		close(fd);
	}
}

static void
test_net_transport_unpriv_method_names(void **state)
{
	struct transport_params tp;
	struct transport *t;

	(void)state;
	params(4, PROTO_ICMP, IDENT_A, 1, &tp);
	t = open_ok(&tp, METHOD_UNPRIV);
	assert_string_equal(t->ops->method(t), "ping socket");
	transport_free(t);
	params(6, PROTO_UDP, UDP_SPORT, 2, &tp);
	t = open_ok(&tp, METHOD_UNPRIV);
	assert_string_equal(t->ops->method(t), "UDP socket (IP_RECVERR)");
	transport_free(t);
}

/* Turns off transmit checksum offload on a veth, so the wire has it. */
static void
veth_tx_csum_off(const char *ifname)
{
	struct ethtool_value ev = {ETHTOOL_STXCSUM, 0};
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	assert_int_equal(ioctl(fd, SIOCETHTOOL, &ifr), 0);
	close(fd);
}

/* The UDP checksum of the first datagram from sport seen by raw fd. */
static int
captured_udp_csum(int fd, int family, uint16_t sport)
{
	uint8_t b[2048];
	int64_t end = clock_mono_ns() + NS_PER_S;
	struct pollfd pfd = {fd, POLLIN, 0};
	ssize_t n;
	size_t off;

	while (clock_mono_ns() < end) {
		(void)poll(&pfd, 1, 50);
		while ((n = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0) {
			off = family == AF_INET ? (size_t)(b[0] & 15) * 4 : 0;
			if ((size_t)n >= off + 8 &&
			    (b[off] << 8 | b[off + 1]) == sport)
				return b[off + 6] << 8 | b[off + 7];
		}
	}
	return -1;
}

/*
 * Unprivileged UDP: we send only the payload, the kernel writes the
 * header and checksum. On the wire (captured in the destination with
 * offload off at the source) that checksum must be the sequence.
 */
static void
test_net_udp_socket_wire_checksum_is_seq(void **state)
{
	struct transport_params tp;
	struct transport *t;
	struct probe p = {0, 0, 64};
	int64_t sent;
	int fam, cap;

	(void)state;
	enter_ns("src");
	veth_tx_csum_off("v1a");
	leave_ns();
	for (fam = 4; fam <= 6; fam += 2) {
		params(fam, PROTO_UDP, UDP_SPORT, 1, &tp);
		enter_ns("dst");
		cap = socket(tp.family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
		leave_ns();
		assert_true(cap >= 0);
		t = open_ok(&tp, METHOD_UNPRIV);
		p.seq = (uint16_t)(0xbeef + fam);
		assert_int_equal(t->ops->send(t, &p, &sent), 0);
		assert_int_equal(
		    captured_udp_csum(cap, tp.family, UDP_SPORT), p.seq);
		close(cap);
		transport_free(t);
	}
}

/* ---- privileges ------------------------------------------------------- */

/* CapEff and CapPrm of this process, or -1. */
static long long
cap_field(const char *name)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtoll(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

/* Child: open, drop, check the capabilities, trace. Exit code = verdict. */
static int
child_drop_then_trace(void)
{
	struct transport_params tp;
	struct transport *t;
	struct trace tr;
	char err[256];
	const char *why;

	params(4, PROTO_ICMP, IDENT_A, 1, &tp);
	t = open_in_src(&tp, METHOD_RAW, err, sizeof(err));
	if (t == NULL)
		return 2;
	if (priv_drop(err, sizeof(err)) != 0)
		return 3;
	if (cap_field("CapEff") != 0 || cap_field("CapPrm") != 0 ||
	    cap_field("CapBnd") != 0 || cap_field("NoNewPrivs") != 1)
		return 4;
	if (run_trace(t, &tr) != 0)
		return 5;
	why = trace_problem(&tr, &tp, 0, 0);
	if (why != NULL) {
		fprintf(stderr, "after the drop: %s\n", why);
		return 6;
	}
	transport_free(t);
	return 0;
}

static int
run_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		lab_is_up = 0; /* the parent owns the lab */
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_net_drop_privileges_keeps_open_transport(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_drop_then_trace), 0);
}

/*
 * Child: without capabilities and with ping sockets off, net_prepare must
 * refuse raw, TCP and ICMP with one line naming the fix, and fall back to
 * UDP sockets for UDP.
 */
static int
child_prepare_without_privilege(void)
{
	static const struct {
		enum probe_proto proto;
		enum net_method method;
		const char *want; /* NULL: must succeed */
	} cases[] = {
	    {PROTO_ICMP, METHOD_RAW, "sudo setcap cap_net_raw+ep"},
	    {PROTO_TCP, METHOD_AUTO, "TCP probes need raw sockets"},
	    {PROTO_TCP, METHOD_RAW, "TCP probes need raw sockets"},
	    {PROTO_ICMP, METHOD_AUTO, "ping_group_range"},
	    {PROTO_ICMP, METHOD_UNPRIV, "ping_group_range"},
	    {PROTO_UDP, METHOD_AUTO, NULL},
	};
	struct net_prep *np;
	char err[512];
	size_t i;
	bool ok;
	FILE *f;

	/* a namespace of its own, where ping sockets are surely off */
	if (unshare(CLONE_NEWNET) != 0 ||
	    (f = fopen("/proc/sys/net/ipv4/ping_group_range", "w")) == NULL)
		return 2;
	fputs("1 0\n", f);
	if (fclose(f) != 0 || priv_drop(err, sizeof(err)) != 0)
		return 3;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		np = net_prepare(
		    cases[i].proto, cases[i].method, err, sizeof(err));
		if (cases[i].want == NULL)
			ok = np != NULL;
		else
			ok = np == NULL && strstr(err, cases[i].want) != NULL &&
			     strchr(err, '\n') == NULL;
		if (!ok) {
			fprintf(stderr, "case %zu: %s\n", i, err);
			return 10 + (int)i;
		}
		net_prep_free(np);
	}
	return 0;
}

static void
test_net_prepare_without_privilege_names_the_fix(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_prepare_without_privilege), 0);
}

/*
 * Child: a real unprivileged user (nobody) inside the lab, where
 * ping_group_range admits every group: METHOD_AUTO falls back to ping
 * sockets for ICMP and UDP sockets for UDP, and both trace the chain.
 */
static int
child_nobody_traces(void)
{
	static const enum probe_proto protos[] = {PROTO_ICMP, PROTO_UDP};
	struct transport_params tp;
	struct transport *t;
	struct trace tr;
	char err[256];
	const char *why;
	int i, fam;
	uint8_t type, code;

	if (setns_to("src") != 0 || setgroups(0, NULL) != 0 ||
	    setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(65534, 65534, 65534) != 0)
		return 2;
	for (i = 0; i < 2; i++) {
		for (fam = 4; fam <= 6; fam += 2) {
			params(fam, protos[i],
			    protos[i] == PROTO_ICMP ? IDENT_A : UDP_SPORT, 2,
			    &tp);
			if ((t = open_here(
			         &tp, METHOD_AUTO, err, sizeof(err))) == NULL) {
				fprintf(stderr, "nobody: %s\n", err);
				return 3;
			}
			dest_answer(fam, protos[i], &type, &code);
			why = run_trace(t, &tr) != 0
			          ? "send/recv failed"
			          : trace_problem(&tr, &tp, type, code);
			if (why == NULL &&
			    strcmp(t->ops->method(t),
			        i == 0 ? "ping socket"
			               : "UDP socket (IP_RECVERR)"))
				why = "wrong method";
			transport_free(t);
			if (why != NULL) {
				fprintf(stderr, "nobody IPv%d %s: %s\n", fam,
				    packet_proto_name(protos[i]), why);
				return 4;
			}
		}
	}
	return 0;
}

static void
test_net_transport_as_nobody_falls_back(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_nobody_traces), 0);
}

/*
 * A run cut short (Ctrl-C, a kill) still removes its lab. system() is not
 * async-signal-safe; the process ends right after, so that is acceptable.
 */
static void
on_signal(int sig)
{
	lab_down();
	_exit(128 + sig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_net_transport_icmp4_chain),
	    cmocka_unit_test(test_net_transport_icmp6_chain),
	    cmocka_unit_test(test_net_transport_udp4_chain),
	    cmocka_unit_test(test_net_transport_udp6_chain),
	    cmocka_unit_test(test_net_transport_tcp4_chain_rst),
	    cmocka_unit_test(test_net_transport_tcp6_chain_rst),
	    cmocka_unit_test(test_net_transport_method_names),
	    cmocka_unit_test(test_net_recv_foreign_ident_dropped),
	    cmocka_unit_test(test_net_udp_socket_taken_port_moves),
	    cmocka_unit_test(test_net_raw_source_ports_are_held),
	    cmocka_unit_test(test_net_recv_burst_in_batches),
	    cmocka_unit_test(test_net_recv_budget_bounds_a_foreign_flood),
	    cmocka_unit_test(test_net_transport_ping_socket_chain),
	    cmocka_unit_test(test_net_transport_udp_socket_chain),
	    cmocka_unit_test(test_net_transport_unpriv_method_names),
	    cmocka_unit_test(test_net_udp_socket_wire_checksum_is_seq),
	    cmocka_unit_test(test_net_drop_privileges_keeps_open_transport),
	    cmocka_unit_test(test_net_prepare_without_privilege_names_the_fix),
	    cmocka_unit_test(test_net_transport_as_nobody_falls_back),
	};
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "test_net: needs root (network namespaces)\n");
		return 77;
	}
	atexit(lab_down);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	lab_down();
	return rc;
}
