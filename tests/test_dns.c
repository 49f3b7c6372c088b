/*
 * test_dns: pure helpers, the cache on a fake clock (queries go to a local
 * UDP socket that never answers), and real answers from a dnsmasq started
 * on 127.0.0.1 at a free port. No packet leaves the machine: every resolver
 * here is pointed at 127.0.0.1; the system configuration is only loaded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hoptop/dns.h"
#include "dns_test.h"

#define DNSMASQ "/usr/sbin/dnsmasq"

static int64_t
fake_now(const struct hclock *c)
{
	return *(const int64_t *)c->ctx;
}

static struct haddr
mkaddr(const char *s)
{
	struct haddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

/* A UDP socket on 127.0.0.1 that the test reads and discards. */
static int
blackhole_open(unsigned *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
drain(int fd)
{
	char buf[1500];
	int n = 0;

	while (recv(fd, buf, sizeof(buf), 0) >= 0)
		n++;
	return n;
}

/* ---- pure helpers ---- */

static void
test_dns_ptr_name_exact(void **state)
{
	static const struct {
		const char *addr;
		const char *want;
	} cases[] = {
	    {"10.201.0.1", "1.0.201.10.in-addr.arpa"},
	    {"192.0.2.254", "254.2.0.192.in-addr.arpa"},
	    {"0.0.0.0", "0.0.0.0.in-addr.arpa"},
	    {"2001:db8::567:89ab",
	        "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1."
	        "0.0.2.ip6.arpa"},
	    {"fd00:201::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	                    "1.0.2.0.0.0.d.f.ip6.arpa"},
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct haddr a = mkaddr(cases[i].addr);

		assert_int_equal(dns_ptr_name(&a, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_dns_ptr_name_errors(void **state)
{
	struct haddr a = mkaddr("10.201.0.1");
	struct haddr none = {.family = AF_UNSPEC};
	char buf[128];

	(void)state;
	/* "1.0.201.10.in-addr.arpa" is 23 characters: 24 bytes fit. */
	assert_int_equal(dns_ptr_name(&a, buf, 23), -1);
	assert_int_equal(dns_ptr_name(&a, buf, 24), 0);
	assert_int_equal(dns_ptr_name(&none, buf, sizeof(buf)), -1);
}

static void
test_dns_asn_qname_zones(void **state)
{
	char buf[128];
	struct haddr v4 = mkaddr("10.201.4.4");
	struct haddr v6 = mkaddr("fd00:201::4242");

	(void)state;
	assert_int_equal(
	    dns_asn_qname(&v4, "origin.asn.cymru.com", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4.4.201.10.origin.asn.cymru.com");
	assert_int_equal(
	    dns_asn_qname(&v6, "origin6.asn.cymru.com", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2.4.2.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	                         "0.0.0.0.1.0.2.0.0.0.d.f."
	                         "origin6.asn.cymru.com");
	assert_int_equal(dns_asn_qname(&v4, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(dns_asn_qname(&v4, "", buf, sizeof(buf)), -1);
	assert_int_equal(dns_asn_qname(&v4, "zone", buf, 8), -1);
}

static void
test_dns_parse_asn_txt_table(void **state)
{
	static const struct {
		const char *txt;
		int rc;
		uint32_t asn;
	} cases[] = {
	    {"15169 | 8.8.8.0/24 | US | arin | 2000-03-30", 0, 15169},
	    {"15169 36040 | 8.8.8.0/24 | US | arin | 2000-03-30", 0, 15169},
	    {"15169 |", 0, 15169},
	    {"15169", 0, 15169},
	    {"15169|x", 0, 15169},
	    {"   64512 | 10.0.0.0/8", 0, 64512},
	    {"\t7 | x", 0, 7},
	    {"0 | x", 0, 0},
	    {"4294967295 | x", 0, 4294967295u},
	    {"4294967296 | x", -1, 0},
	    {"99999999999999999999999 | x", -1, 0},
	    {"abc | 8.8.8.0/24", -1, 0},
	    {"15169abc | x", -1, 0},
	    {"-1 | x", -1, 0},
	    {"| 8.8.8.0/24", -1, 0},
	    {"", -1, 0},
	    {"   ", -1, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t asn = 12345;

		assert_int_equal(
		    dns_parse_asn_txt(cases[i].txt, &asn), cases[i].rc);
		assert_int_equal(asn, cases[i].rc == 0 ? cases[i].asn : 12345);
	}
	assert_int_equal(dns_parse_asn_txt(NULL, &(uint32_t){0}), -1);
}

/* A reply to 1.0.201.10.in-addr.arpa PTR with one answer per ttl. */
static size_t
build_reply(unsigned char *p, const uint32_t *ttls, int n)
{
	static const unsigned char head[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0,
	    0, 0, 0, 0, 1, '1', 1, '0', 3, '2', '0', '1', 2, '1', '0', 7, 'i',
	    'n', '-', 'a', 'd', 'd', 'r', 4, 'a', 'r', 'p', 'a', 0, 0, 12, 0,
	    1};
	size_t off = sizeof(head);

	memcpy(p, head, sizeof(head));
	p[7] = (unsigned char)n;
	for (int i = 0; i < n; i++) {
		static const unsigned char rdata[] = {2, 'r', '1', 0};
		unsigned char rr[] = {0xc0, 12, 0, 12, 0, 1,
		    (unsigned char)(ttls[i] >> 24),
		    (unsigned char)(ttls[i] >> 16),
		    (unsigned char)(ttls[i] >> 8), (unsigned char)ttls[i], 0,
		    sizeof(rdata)};

		memcpy(p + off, rr, sizeof(rr));
		off += sizeof(rr);
		memcpy(p + off, rdata, sizeof(rdata));
		off += sizeof(rdata);
	}
	return off;
}

static void
test_dns_answer_ttl_walks_answers(void **state)
{
	unsigned char p[512];
	size_t n;

	(void)state;
	n = build_reply(p, (const uint32_t[]){1234}, 1);
	assert_int_equal(dns_answer_ttl(p, (int)n), 1234);
	n = build_reply(p, (const uint32_t[]){70, 50, 90}, 3);
	assert_int_equal(dns_answer_ttl(p, (int)n), 50);
	/* RFC 2181: a TTL with the top bit set counts as zero. */
	n = build_reply(p, (const uint32_t[]){0x80000000u}, 1);
	assert_int_equal(dns_answer_ttl(p, (int)n), 0);
	/* No answers, truncated answers, a short header. */
	n = build_reply(p, NULL, 0);
	assert_int_equal(dns_answer_ttl(p, (int)n), -1);
	n = build_reply(p, (const uint32_t[]){60}, 1);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(dns_answer_ttl(p, (int)cut), -1);
	assert_int_equal(dns_answer_ttl(NULL, 100), -1);
	/* A label running past the end. */
	n = build_reply(p, (const uint32_t[]){60}, 1);
	p[12] = 63;
	assert_int_equal(dns_answer_ttl(p, (int)n), -1);
}

/* ---- cache on a fake clock ---- */

struct cache_fx {
	int64_t now;
	struct hclock clk;
	int bh;
	struct dns *d;
};

static int
cache_setup(void **state)
{
	struct cache_fx *fx = calloc(1, sizeof(*fx));
	char servers[64], err[128];
	unsigned port;

	fx->now = 1000 * NS_PER_S;
	fx->clk = (struct hclock){fake_now, &fx->now, NULL};
	fx->bh = blackhole_open(&port);
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", port);
	fx->d =
	    dns_new_servers(&fx->clk, NULL, NULL, servers, err, sizeof(err));
	assert_non_null(fx->d);
	*state = fx;
	return 0;
}

static int
cache_teardown(void **state)
{
	struct cache_fx *fx = *state;

	dns_free(fx->d);
	close(fx->bh);
	free(fx);
	return 0;
}

/* Advances the fake clock to t0 + s seconds (+ ns) and asks. */
static unsigned long
want_at(struct cache_fx *fx, int64_t t0, int64_t s, int64_t ns,
    const struct haddr *a)
{
	fx->now = t0 + s * NS_PER_S + ns;
	dns_want(fx->d, a);
	return dns_queries_sent(fx->d);
}

static void
test_dns_cache_positive_until_ttl(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr a = mkaddr("10.201.0.1");
	int64_t t0 = fx->now;
	char buf[64];

	dns_cache_put(fx->d, &a, "r1.lab.test.", 100, false);
	assert_true(dns_changed(fx->d));
	assert_false(dns_changed(fx->d));
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "r1.lab.test");
	assert_int_equal(want_at(fx, t0, 0, 0, &a), 0);
	assert_int_equal(want_at(fx, t0, 99, 999999999, &a), 0);
	assert_int_equal(want_at(fx, t0, 100, 0, &a), 1);
	/* Stale name shown while the refresh is in flight; no second ask. */
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "r1.lab.test");
	assert_int_equal(want_at(fx, t0, 200, 0, &a), 1);
	assert_true(dns_next_deadline(fx->d) != CLOCK_NEVER);
	assert_true(dns_next_deadline(fx->d) <= fx->now + 1000 * NS_PER_MS);
	assert_true(dns_next_deadline(fx->d) > fx->now + 900 * NS_PER_MS);
}

static void
test_dns_cache_ttl_capped_and_floored(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr big = mkaddr("10.201.0.2");
	struct haddr zero = mkaddr("10.201.0.3");
	int64_t t0 = fx->now;

	dns_cache_put(fx->d, &big, "big", 86400, false);
	dns_cache_put(fx->d, &zero, "zero", 0, false);
	assert_int_equal(want_at(fx, t0, DNS_TTL_MIN_S - 1, 0, &zero), 0);
	assert_int_equal(want_at(fx, t0, DNS_TTL_MIN_S, 0, &zero), 1);
	assert_int_equal(want_at(fx, t0, DNS_TTL_MAX_S - 1, 0, &big), 1);
	assert_int_equal(want_at(fx, t0, DNS_TTL_MAX_S, 0, &big), 2);
}

static void
test_dns_cache_negative_expires_after_60s(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr a = mkaddr("fd00:201::7");
	int64_t t0 = fx->now;
	char buf[64] = "untouched";

	dns_cache_put(fx->d, &a, NULL, 0, true);
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "untouched");
	assert_int_equal(want_at(fx, t0, 59, 999999999, &a), 0);
	assert_int_equal(want_at(fx, t0, DNS_NEGATIVE_TTL_S, 0, &a), 1);
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 0);
}

static void
test_dns_cache_negative_replaces_positive(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr a = mkaddr("10.201.0.4");
	char buf[64];

	dns_cache_put(fx->d, &a, "r4", 100, false);
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 1);
	dns_cache_put(fx->d, &a, "ignored", 100, true);
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 0);
}

static void
test_dns_want_unknown_asks_once(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr a = mkaddr("10.201.0.5");
	struct haddr none = {.family = AF_UNSPEC};
	char buf[64];

	assert_int_equal(dns_next_deadline(fx->d), CLOCK_NEVER);
	assert_int_equal(dns_fds(fx->d, &(fd_set){0}, &(fd_set){0}), -1);
	dns_want(fx->d, &a);
	dns_want(fx->d, &a);
	dns_want(fx->d, &none);
	assert_int_equal(dns_queries_sent(fx->d), 1);
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 0);
	assert_true(dns_next_deadline(fx->d) != CLOCK_NEVER);
}

static void
test_dns_cache_bounded_evicts_oldest(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr a = {.family = AF_INET};
	char buf[64], want[64];

	for (uint32_t i = 0; i <= DNS_CACHE_MAX; i++) {
		a.u.v4.s_addr = htonl(0x0ac90000u + i);
		snprintf(want, sizeof(want), "h%u", i);
		dns_cache_put(fx->d, &a, want, 100, false);
	}
	a.u.v4.s_addr = htonl(0x0ac90000u);
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 0);
	for (uint32_t i = 1; i <= DNS_CACHE_MAX; i++) {
		a.u.v4.s_addr = htonl(0x0ac90000u + i);
		snprintf(want, sizeof(want), "h%u", i);
		assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 1);
		assert_string_equal(buf, want);
	}
}

static void
test_dns_name_copies_and_sanitizes(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr a = mkaddr("10.201.0.6");
	struct namer n = dns_namer(fx->d);
	char buf[64], small[5];
	uint32_t asn = 7;

	dns_cache_put(fx->d, &a, "bad\033[2Jname.test", 100, false);
	assert_int_equal(n.name(n.ctx, &a, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "bad??2Jname.test");
	assert_int_equal(dns_name(fx->d, &a, small, sizeof(small)), 1);
	assert_string_equal(small, "bad?");
	assert_int_equal(n.asn(n.ctx, &a, &asn), 0);
	assert_int_equal(asn, 7);
}

/* The first name of the first "127.0.0.1" line of /etc/hosts: true if
 * there is one (main runs the hosts group only then, else exits 77). */
static bool
hosts_localhost(char name[256])
{
	FILE *f = fopen("/etc/hosts", "r");
	char line[512];
	bool found = false;

	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		found = sscanf(line, "127.0.0.1 %255s", name) == 1;
	if (f != NULL)
		fclose(f);
	return found;
}

static void
test_dns_want_hosts_file_first(void **state)
{
	struct cache_fx *fx = *state;
	struct haddr a = mkaddr("127.0.0.1");
	char want[256], buf[256];

	assert_true(hosts_localhost(want));
	dns_want(fx->d, &a);
	assert_int_equal(dns_queries_sent(fx->d), 0);
	assert_int_equal(dns_name(fx->d, &a, buf, sizeof(buf)), 1);
	assert_string_equal(buf, want);
	assert_true(dns_changed(fx->d));
	assert_int_equal(dns_next_deadline(fx->d), CLOCK_NEVER);
}

static void
test_dns_new_system_config_loads(void **state)
{
	char err[128] = "";
	struct dns *d1, *d2;

	(void)state;
	/* Loads /etc/resolv.conf and /etc/hosts; asks nothing. */
	d1 = dns_new(
	    &clock_monotonic, "origin.asn.cymru.com", NULL, err, sizeof(err));
	assert_non_null(d1);
	d2 = dns_new(&clock_monotonic, NULL, NULL, err, sizeof(err));
	assert_non_null(d2);
	dns_free(d1);
	assert_int_equal(dns_next_deadline(d2), CLOCK_NEVER);
	assert_false(dns_changed(d2));
	dns_free(d2);
	dns_free(NULL);
	assert_null(dns_new_servers(
	    &clock_monotonic, NULL, NULL, "not an address", err, sizeof(err)));
	assert_non_null(strstr(err, "not an address"));
}

/* ---- the select loop ---- */

typedef bool (*done_fn)(struct dns *d, void *arg);

static bool
idle(struct dns *d, void *arg)
{
	(void)arg;
	return dns_next_deadline(d) == CLOCK_NEVER;
}

/*
 * How late a wakeup may be before we call it blocking: far below the
 * resolver's 1 s timeout (a blocking lookup would show up as whole
 * seconds), and above what a loaded 2-core CI machine schedules late.
 */
#define SCHED_SLACK_NS (100 * NS_PER_MS)

/*
 * Runs a select() loop (the one the program runs) until done() or limit_ms
 * of real time. Each select must return by its deadline + SCHED_SLACK_NS, and
 * the deadline must be finite while queries are in flight. sink (>= 0) is
 * drained; *sunk counts its datagrams. Returns done().
 */
static bool
run_loop(struct dns *d, const struct hclock *clk, done_fn done, void *arg,
    int limit_ms, int sink, int *sunk)
{
	int64_t end = clock_mono_ns() + limit_ms * NS_PER_MS;
	int passes = 0;

	while (!done(d, arg) && clock_mono_ns() < end) {
		fd_set r, w;
		int64_t deadline = dns_next_deadline(d), wait_ns, t;
		int maxfd;
		struct timeval tv;

		FD_ZERO(&r);
		FD_ZERO(&w);
		maxfd = dns_fds(d, &r, &w);
		assert_true(deadline != CLOCK_NEVER);
		/* sleeps, never spins: a few passes per timeout (1 s, 2 s) */
		if (++passes >= 100)
			fail_msg("%d passes in %d ms: the loop spins (deadline "
			         "%lld ns ahead)",
			    passes, limit_ms,
			    (long long)(deadline - clock_now(clk)));
		wait_ns = deadline - clock_now(clk);
		if (wait_ns > end - clock_mono_ns())
			wait_ns = end - clock_mono_ns();
		if (wait_ns < 0)
			wait_ns = 0;
		if (sink >= 0) {
			FD_SET(sink, &r);
			maxfd = maxfd > sink ? maxfd : sink;
		}
		tv.tv_sec = wait_ns / NS_PER_S;
		tv.tv_usec = wait_ns % NS_PER_S / 1000;
		t = clock_mono_ns();
		if (select(maxfd + 1, &r, &w, NULL, &tv) < 0)
			assert_int_equal(errno, EINTR);
		assert_true(clock_mono_ns() - t <= wait_ns + SCHED_SLACK_NS);
		if (sink >= 0 && FD_ISSET(sink, &r))
			*sunk += drain(sink);
		t = clock_mono_ns();
		dns_process(d, &r, &w);
		assert_true(clock_mono_ns() - t <= SCHED_SLACK_NS);
	}
	return done(d, arg);
}

static void
test_dns_dead_server_never_blocks(void **state)
{
	struct haddr a = mkaddr("10.201.0.8");
	char servers[64], err[128], buf[64];
	unsigned port;
	int bh = blackhole_open(&port), sunk = 0;
	struct dns *d, *other;
	int64_t t0 = clock_mono_ns();

	(void)state;
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", port);
	/* A second resolver, freed first: library refcount stays sane. */
	other = dns_new_servers(
	    &clock_monotonic, NULL, NULL, servers, err, sizeof(err));
	d = dns_new_servers(&clock_monotonic, "origin.asn.test", NULL, servers,
	    err, sizeof(err));
	assert_non_null(other);
	assert_non_null(d);
	dns_free(other);
	dns_want(d, &a);
	assert_int_equal(dns_queries_sent(d), 2); /* PTR and TXT */
	/* In flight for a while: no name, a finite deadline, no blocking. */
	assert_false(
	    run_loop(d, &clock_monotonic, idle, NULL, 1500, bh, &sunk));
	assert_int_equal(dns_name(d, &a, buf, sizeof(buf)), 0);
	assert_null(dns_problem(d)); /* in flight: nothing known yet */
	/* Two tries of 1 s then 2 s: given up after ~3 s, cached negative. */
	assert_true(run_loop(d, &clock_monotonic, idle, NULL, 3000, bh, &sunk));
	assert_string_equal(dns_problem(d), "the DNS server does not answer");
	assert_true(clock_mono_ns() - t0 < 4 * NS_PER_S);
	assert_int_equal(sunk, 4); /* 2 queries x 2 tries */
	assert_true(dns_changed(d));
	assert_int_equal(dns_name(d, &a, buf, sizeof(buf)), 0);
	assert_int_equal(dns_asn(d, &a, &(uint32_t){0}), 0);
	dns_want(d, &a);
	assert_int_equal(dns_queries_sent(d), 2);
	dns_free(d);
	close(bh);
}

/* ---- a real server: dnsmasq on 127.0.0.1 ---- */

struct lab {
	pid_t pid;
	unsigned port;
	int64_t now;
	struct hclock clk;
	struct dns *d;
};

static bool
port_free(unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	ok = bind(u, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	     bind(t, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(u);
	close(t);
	return ok;
}

static bool
tcp_accepts(unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/* "<nibbles>." of an IPv6 address (its PTR name without "ip6.arpa"). */
static const char *
nib(const char *addr, char *buf)
{
	struct haddr a = mkaddr(addr);

	assert_int_equal(dns_ptr_name(&a, buf, 128), 0);
	buf[strlen(buf) - strlen("ip6.arpa")] = '\0';
	return buf;
}

static pid_t
dnsmasq_spawn(unsigned port)
{
	char nibs[128], port_a[32], ptr6[256], txt6[256];
	const char *argv[] = {DNSMASQ, "-k", "-C", "/dev/null", "--no-resolv",
	    "--no-hosts", port_a, "--listen-address=127.0.0.1",
	    "--bind-interfaces", "--pid-file=", "--local-ttl=120",
	    "--local=/in-addr.arpa/", "--local=/ip6.arpa/",
	    "--local=/asn.test/", geteuid() == 0 ? "--user=root" : "--no-poll",
	    "--ptr-record=1.0.201.10.in-addr.arpa,r1.lab.test",
	    "--ptr-record=2.0.201.10.in-addr.arpa,r2.lab.test", ptr6,
	    "--txt-record=1.0.201.10.origin.asn.test,"
	    "64512 | 10.201.0.0/16 | ZZ | lab | 2026-01-01",
	    "--txt-record=2.0.201.10.origin.asn.test,"
	    "64513 64514 | 10.201.0.0/16 | ZZ | lab | 2026-01-01",
	    txt6, NULL};
	pid_t pid;

	nib("fd00:201::1", nibs);
	snprintf(port_a, sizeof(port_a), "--port=%u", port);
	snprintf(
	    ptr6, sizeof(ptr6), "--ptr-record=%sip6.arpa,r6.lab.test", nibs);
	snprintf(txt6, sizeof(txt6),
	    "--txt-record=%sorigin6.asn.test,64515 | fd00:201::/32 | ZZ", nibs);
	pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (getenv("HOPTOP_TEST_VERBOSE") == NULL) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(DNSMASQ, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Starts dnsmasq at a free port; waits (<= 2 s) until it accepts. */
static bool
dnsmasq_start(struct lab *lab)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		unsigned port = 20000 + (unsigned)(rand() % 40000);

		if (!port_free(port))
			continue;
		lab->pid = dnsmasq_spawn(port);
		for (int i = 0; i < 200; i++) {
			if (waitpid(lab->pid, NULL, WNOHANG) == lab->pid)
				break; /* died: port taken, try another */
			if (tcp_accepts(port)) {
				lab->port = port;
				return true;
			}
			usleep(10000);
		}
		kill(lab->pid, SIGKILL);
		waitpid(lab->pid, NULL, 0);
	}
	lab->pid = -1;
	return false;
}

static int
lab_setup(void **state)
{
	struct lab *lab = calloc(1, sizeof(*lab));
	char servers[64], err[128];

	*state = lab;
	srand((unsigned)getpid());
	if (access(DNSMASQ, X_OK) != 0 || !dnsmasq_start(lab)) {
		lab->pid = -1;
		return -1; /* dnsmasq did not start: the group fails */
	}
	lab->now = 5000 * NS_PER_S;
	lab->clk = (struct hclock){fake_now, &lab->now, NULL};
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", lab->port);
	lab->d = dns_new_servers(&lab->clk, "origin.asn.test",
	    "origin6.asn.test", servers, err, sizeof(err));
	return lab->d != NULL ? 0 : -1;
}

static int
lab_teardown(void **state)
{
	struct lab *lab = *state;

	dns_free(lab->d);
	if (lab->pid > 0) {
		kill(lab->pid, SIGTERM);
		waitpid(lab->pid, NULL, 0);
	}
	free(lab);
	return 0;
}

static struct lab *
lab_get(void **state)
{
	struct lab *lab = *state;

	assert_true(lab->pid > 0); /* main checked dnsmasq is there */
	return lab;
}

static void
test_dns_lab_name_and_asn_arrive(void **state)
{
	struct lab *lab = lab_get(state);
	static const struct {
		const char *addr, *name;
		uint32_t asn;
	} cases[] = {
	    {"10.201.0.1", "r1.lab.test", 64512},
	    {"10.201.0.2", "r2.lab.test", 64513},
	    {"fd00:201::1", "r6.lab.test", 64515},
	};
	char buf[64];
	uint32_t asn = 0;

	for (size_t i = 0; i < 3; i++) {
		struct haddr a = mkaddr(cases[i].addr);

		dns_want(lab->d, &a);
	}
	assert_true(run_loop(lab->d, &lab->clk, idle, NULL, 3000, -1, NULL));
	assert_true(dns_changed(lab->d));
	assert_null(dns_problem(lab->d)); /* dnsmasq answers */
	for (size_t i = 0; i < 3; i++) {
		struct haddr a = mkaddr(cases[i].addr);

		assert_int_equal(dns_name(lab->d, &a, buf, sizeof(buf)), 1);
		assert_string_equal(buf, cases[i].name);
		assert_int_equal(dns_asn(lab->d, &a, &asn), 1);
		assert_int_equal(asn, cases[i].asn);
	}
}

static void
test_dns_lab_ttl_from_answer(void **state)
{
	struct lab *lab = lab_get(state);
	struct haddr a = mkaddr("10.201.0.1");
	int64_t t0;
	unsigned long q;

	/* Answered above at lab->now with --local-ttl=120. */
	dns_want(lab->d, &a);
	assert_true(run_loop(lab->d, &lab->clk, idle, NULL, 3000, -1, NULL));
	t0 = lab->now;
	q = dns_queries_sent(lab->d);
	lab->now = t0 + 119 * NS_PER_S;
	dns_want(lab->d, &a);
	assert_int_equal(dns_queries_sent(lab->d), q);
	lab->now = t0 + 120 * NS_PER_S;
	dns_want(lab->d, &a);
	assert_int_equal(dns_queries_sent(lab->d), q + 2); /* PTR and TXT */
	assert_true(run_loop(lab->d, &lab->clk, idle, NULL, 3000, -1, NULL));
}

static void
test_dns_lab_nxdomain_cached_negative(void **state)
{
	struct lab *lab = lab_get(state);
	struct haddr a = mkaddr("10.201.0.99");
	char buf[64];
	uint32_t asn;
	unsigned long q;
	int64_t t0;

	dns_changed(lab->d);
	dns_want(lab->d, &a);
	q = dns_queries_sent(lab->d);
	assert_true(run_loop(lab->d, &lab->clk, idle, NULL, 3000, -1, NULL));
	assert_true(dns_changed(lab->d));
	assert_false(dns_changed(lab->d));
	assert_int_equal(dns_name(lab->d, &a, buf, sizeof(buf)), 0);
	assert_int_equal(dns_asn(lab->d, &a, &asn), 0);
	t0 = lab->now;
	lab->now = t0 + 59 * NS_PER_S;
	dns_want(lab->d, &a);
	assert_int_equal(dns_queries_sent(lab->d), q);
	lab->now = t0 + 60 * NS_PER_S;
	dns_want(lab->d, &a);
	assert_int_equal(dns_queries_sent(lab->d), q + 2);
	assert_true(run_loop(lab->d, &lab->clk, idle, NULL, 3000, -1, NULL));
}

/*
 * test_dns: the pure and cache groups. test_dns hosts: the hosts-file test
 * (exit 77, skipped, when /etc/hosts has no 127.0.0.1 line). test_dns lab:
 * the dnsmasq group (exit 77 when dnsmasq is not installed). ctest runs
 * each as its own test, so a skip shows as skipped, never as passed.
 */
int
main(int argc, char **argv)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_dns_ptr_name_exact),
	    cmocka_unit_test(test_dns_ptr_name_errors),
	    cmocka_unit_test(test_dns_asn_qname_zones),
	    cmocka_unit_test(test_dns_parse_asn_txt_table),
	    cmocka_unit_test(test_dns_answer_ttl_walks_answers),
	    cmocka_unit_test(test_dns_new_system_config_loads),
	    cmocka_unit_test(test_dns_dead_server_never_blocks),
	};
#define CACHE(t) cmocka_unit_test_setup_teardown(t, cache_setup, cache_teardown)
	const struct CMUnitTest cache[] = {
	    CACHE(test_dns_cache_positive_until_ttl),
	    CACHE(test_dns_cache_ttl_capped_and_floored),
	    CACHE(test_dns_cache_negative_expires_after_60s),
	    CACHE(test_dns_cache_negative_replaces_positive),
	    CACHE(test_dns_want_unknown_asks_once),
	    CACHE(test_dns_cache_bounded_evicts_oldest),
	    CACHE(test_dns_name_copies_and_sanitizes),
	};
	const struct CMUnitTest hosts[] = {
	    CACHE(test_dns_want_hosts_file_first),
	};
	const struct CMUnitTest lab[] = {
	    cmocka_unit_test(test_dns_lab_name_and_asn_arrive),
	    cmocka_unit_test(test_dns_lab_ttl_from_answer),
	    cmocka_unit_test(test_dns_lab_nxdomain_cached_negative),
	};
	const char *group = argc > 1 ? argv[1] : "";
	char name[256];
	int fails = 0;

	signal(SIGPIPE, SIG_IGN);
	if (strcmp(group, "hosts") == 0) {
		if (!hosts_localhost(name)) {
			fprintf(stderr, "SKIP: /etc/hosts has no 127.0.0.1\n");
			return 77;
		}
		return cmocka_run_group_tests_name(
		           "dns_hosts", hosts, NULL, NULL) != 0;
	}
	if (strcmp(group, "lab") == 0) {
		if (access(DNSMASQ, X_OK) != 0) {
			fprintf(stderr, "SKIP: %s is not installed\n", DNSMASQ);
			return 77;
		}
		return cmocka_run_group_tests_name(
		           "dns_lab", lab, lab_setup, lab_teardown) != 0;
	}
	fails += cmocka_run_group_tests_name("dns_pure", pure, NULL, NULL);
	fails += cmocka_run_group_tests_name("dns_cache", cache, NULL, NULL);
	return fails != 0;
}
