/*
 * dns: reverse names (PTR) and AS numbers (TXT, Team Cymru style) on
 * c-ares, driven by the select() loop, with a bounded cache.
 *
 * The cache is a fixed array of DNS_CACHE_MAX entries filled in FIFO order
 * (the oldest entry is evicted) and a chained hash index over it. Each entry
 * has two slots, name and AS, each with its own expiry and in-flight flag.
 * A query's callback finds its entry again by address, so an entry evicted
 * while its query was in flight is simply re-created by the answer.
 */
#include <ares.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/dns.h"
#include "hoptop/xmalloc.h"

#include "dns_test.h"

#define BUCKETS      8192 /* power of two, 2x the entries */
#define NAME_MAX_LEN 256

struct slot {
	int64_t expires_ns; /* due again from here on */
	bool asked;         /* an answer (positive or negative) is stored */
	bool pending;       /* a query is in flight */
	bool have;          /* the value is valid (possibly stale) */
};

struct entry {
	struct haddr addr;
	int next; /* hash chain, -1 ends it */
	bool used;
	struct slot name_s;
	struct slot asn_s;
	uint32_t asn;
	char name[NAME_MAX_LEN];
};

struct dns {
	const struct hclock *clk;
	ares_channel ch;       /* DNS queries */
	ares_channel hosts_ch; /* /etc/hosts only, answers synchronously */
	char *zone;
	char *zone6;
	struct entry *ents;
	int *heads;
	int cursor; /* next slot to fill; the oldest entry when full */
	unsigned long queries;
	int trouble; /* ares status of the last failed query; 0 after an answer
	              */
	bool changed;
	bool names_on; /* dns_want asks PTRs */
	bool asn_on;   /* dns_want asks TXTs (needs zone) */
};

enum qkind { Q_NAME, Q_ASN };

/* One in-flight query; owned by c-ares until its callback frees it. */
struct query {
	struct dns *d;
	struct haddr addr;
	enum qkind kind;
};

static int
bucket(const struct haddr *a)
{
	return (int)(addr_hash(a) & (BUCKETS - 1));
}

static struct entry *
find(struct dns *d, const struct haddr *a)
{
	for (int i = d->heads[bucket(a)]; i >= 0; i = d->ents[i].next)
		if (addr_eq(&d->ents[i].addr, a))
			return &d->ents[i];
	return NULL;
}

static void
unlink_entry(struct dns *d, int idx)
{
	int *p = &d->heads[bucket(&d->ents[idx].addr)];

	while (*p >= 0 && *p != idx)
		p = &d->ents[*p].next;
	if (*p == idx)
		*p = d->ents[idx].next;
}

/* Takes the next slot of the ring (evicting its entry) for a. */
static struct entry *
insert(struct dns *d, const struct haddr *a)
{
	int idx = d->cursor;
	struct entry *e = &d->ents[idx];
	int b = bucket(a);

	if (e->used)
		unlink_entry(d, idx);
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->addr = *a;
	e->next = d->heads[b];
	d->heads[b] = idx;
	d->cursor = (d->cursor + 1) % DNS_CACHE_MAX;
	return e;
}

static struct entry *
find_or_insert(struct dns *d, const struct haddr *a)
{
	struct entry *e = find(d, a);

	return e != NULL ? e : insert(d, a);
}

static int64_t
clamp_ttl_s(int64_t ttl_s)
{
	if (ttl_s < 0 || ttl_s > DNS_TTL_MAX_S)
		return DNS_TTL_MAX_S;
	return ttl_s < DNS_TTL_MIN_S ? DNS_TTL_MIN_S : ttl_s;
}

/* Records an answer in a slot: positive for clamp(ttl_s), else negative. */
static void
settle(struct dns *d, struct slot *s, bool positive, int64_t ttl_s)
{
	int64_t life_s = positive ? clamp_ttl_s(ttl_s) : DNS_NEGATIVE_TTL_S;

	s->asked = true;
	s->pending = false;
	s->have = positive;
	s->expires_ns = clock_now(d->clk) + life_s * NS_PER_S;
	d->changed = true;
}

/* Copies a host name for display: no trailing dot, odd bytes as '?'. */
static void
copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n > 0 && src[n - 1] == '.')
		n--;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		          c == '_';

		dst[i] = ok ? c : '?';
	}
	dst[n] = '\0';
}

static void
store_name(
    struct dns *d, const struct haddr *a, const char *name, int64_t ttl_s)
{
	struct entry *e = find_or_insert(d, a);

	if (name != NULL && *name != '\0')
		copy_name(e->name, sizeof(e->name), name);
	settle(d, &e->name_s, name != NULL && *name != '\0', ttl_s);
}

static void
store_asn(
    struct dns *d, const struct haddr *a, const uint32_t *asn, int64_t ttl_s)
{
	struct entry *e = find_or_insert(d, a);

	if (asn != NULL)
		e->asn = *asn;
	settle(d, &e->asn_s, asn != NULL, ttl_s);
}

static int
addr_len(const struct haddr *a)
{
	return a->family == AF_INET ? (int)sizeof(a->u.v4)
	                            : (int)sizeof(a->u.v6);
}

/* The PTR target of a reply, copied into buf; 0 or -1. */
static int
parse_ptr(const unsigned char *abuf, int alen, const struct haddr *a, char *buf,
    size_t len)
{
	struct hostent *h = NULL;
	int rc =
	    ares_parse_ptr_reply(abuf, alen, &a->u, addr_len(a), a->family, &h);

	if (rc != ARES_SUCCESS || h == NULL || h->h_name == NULL) {
		if (h != NULL)
			ares_free_hostent(h);
		return -1;
	}
	snprintf(buf, len, "%s", h->h_name);
	ares_free_hostent(h);
	return 0;
}

/* The AS number in the first TXT string of a reply; 0 or -1. */
static int
parse_txt(const unsigned char *abuf, int alen, uint32_t *asn)
{
	struct ares_txt_reply *txt = NULL;
	char buf[256];
	int rc = -1;

	if (ares_parse_txt_reply(abuf, alen, &txt) != ARES_SUCCESS)
		return -1;
	if (txt != NULL && txt->txt != NULL) {
		size_t n =
		    txt->length < sizeof(buf) ? txt->length : sizeof(buf) - 1;

		memcpy(buf, txt->txt, n);
		buf[n] = '\0';
		rc = dns_parse_asn_txt(buf, asn);
	}
	ares_free_data(txt);
	return rc;
}

/* Whether the servers answer at all: a timeout, refusal or server failure
 * sets the trouble; any answer (names or "no such name") clears it. */
static void
note_status(struct dns *d, int status)
{
	switch (status) {
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
		d->trouble = status;
		break;
	case ARES_SUCCESS:
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
		d->trouble = 0;
		break;
	default:
		break;
	}
}

const char *
dns_problem(const struct dns *d)
{
	if (d == NULL)
		return NULL;
	switch (d->trouble) {
	case 0:
		return NULL;
	case ARES_ETIMEOUT:
		return "the DNS server does not answer";
	case ARES_ECONNREFUSED:
		return "the DNS server cannot be reached";
	default:
		return "the DNS server refuses or fails";
	}
}

/* c-ares callback of every query: parse, store, free the query. */
static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	char name[NAME_MAX_LEN];
	uint32_t asn;
	bool ok = status == ARES_SUCCESS && abuf != NULL;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		free(q);
		return;
	}
	note_status(q->d, status);
	if (q->kind == Q_NAME) {
		ok = ok &&
		     parse_ptr(abuf, alen, &q->addr, name, sizeof(name)) == 0;
		store_name(q->d, &q->addr, ok ? name : NULL,
		    ok ? dns_answer_ttl(abuf, alen) : 0);
	} else {
		ok = ok && parse_txt(abuf, alen, &asn) == 0;
		store_asn(q->d, &q->addr, ok ? &asn : NULL,
		    ok ? dns_answer_ttl(abuf, alen) : 0);
	}
	free(q);
}

static void
on_hosts(void *arg, int status, int timeouts, struct hostent *h)
{
	char *out = arg;

	(void)timeouts;
	if (status == ARES_SUCCESS && h != NULL && h->h_name != NULL)
		snprintf(out, NAME_MAX_LEN, "%s", h->h_name);
}

/*
 * Looks a up in /etc/hosts (the files-only channel answers before
 * ares_gethostbyaddr returns); 0 and the name in buf, or -1.
 */
static int
hosts_lookup(struct dns *d, const struct haddr *a, char *buf)
{
	buf[0] = '\0';
	ares_gethostbyaddr(
	    d->hosts_ch, &a->u, addr_len(a), a->family, on_hosts, buf);
	return buf[0] != '\0' ? 0 : -1;
}

static bool
slot_due(const struct slot *s, int64_t now)
{
	return !s->pending && (!s->asked || now >= s->expires_ns);
}

static void
ask_name(struct dns *d, struct entry *e)
{
	char qname[NAME_MAX_LEN];
	struct query *q;

	if (hosts_lookup(d, &e->addr, qname) == 0) {
		store_name(d, &e->addr, qname, DNS_TTL_MAX_S);
		return;
	}
	if (dns_ptr_name(&e->addr, qname, sizeof(qname)) < 0) {
		settle(d, &e->name_s, false, 0);
		return;
	}
	q = xmalloc(sizeof(*q));
	*q = (struct query){d, e->addr, Q_NAME};
	e->name_s.pending = true; /* before: the callback may run at once */
	d->queries++;
	ares_query(d->ch, qname, C_IN, T_PTR, on_answer, q);
}

static void
ask_asn(struct dns *d, struct entry *e)
{
	char qname[NAME_MAX_LEN];
	const char *zone = e->addr.family == AF_INET6 ? d->zone6 : d->zone;
	struct query *q;

	if (dns_asn_qname(&e->addr, zone, qname, sizeof(qname)) < 0) {
		settle(d, &e->asn_s, false, 0);
		return;
	}
	q = xmalloc(sizeof(*q));
	*q = (struct query){d, e->addr, Q_ASN};
	e->asn_s.pending = true;
	d->queries++;
	ares_query(d->ch, qname, C_IN, T_TXT, on_answer, q);
}

void
dns_want(struct dns *d, const struct haddr *a)
{
	struct entry *e;
	int64_t now;

	if (d == NULL || a == NULL || !addr_is_set(a) ||
	    !(d->names_on || d->asn_on))
		return;
	now = clock_now(d->clk);
	e = find_or_insert(d, a);
	if (d->names_on && slot_due(&e->name_s, now))
		ask_name(d, e);
	/* ask_name may have stored: e still points at a's entry. */
	if (d->asn_on && slot_due(&e->asn_s, now))
		ask_asn(d, e);
}

void
dns_enable_names(struct dns *d, bool on)
{
	if (d != NULL)
		d->names_on = on;
}

int
dns_enable_asn(struct dns *d, bool on)
{
	if (d == NULL || (on && d->zone == NULL)) {
		errno = EINVAL;
		return -1;
	}
	d->asn_on = on;
	return 0;
}

/* A slot counts only when its kind is on: in flight, answered, or not. */
enum dns_state
dns_state(struct dns *d, const struct haddr *a)
{
	struct entry *e;
	bool known = true;

	if (d == NULL || a == NULL || (e = find(d, a)) == NULL)
		return DNS_STATE_NONE;
	if ((d->names_on && e->name_s.pending) ||
	    (d->asn_on && e->asn_s.pending))
		return DNS_STATE_PENDING;
	if (d->names_on)
		known = known && e->name_s.asked;
	if (d->asn_on)
		known = known && e->asn_s.asked;
	return known && (d->names_on || d->asn_on) ? DNS_STATE_KNOWN
	                                           : DNS_STATE_NONE;
}

static int
fail(char *err, size_t errlen, const char *what, int rc)
{
	if (err != NULL && errlen > 0)
		snprintf(
		    err, errlen, "resolver: %s: %s", what, ares_strerror(rc));
	return -1;
}

/* Opens both channels; 0, or -1 with a message (and nothing left open). */
static int
open_channels(struct dns *d, const char *servers, char *err, size_t errlen)
{
	struct ares_options o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.timeout = 1000; /* ms per try; 2 tries: a dead server costs ~3 s */
	o.tries = 2;
	rc = ares_init_options(&d->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS)
		return fail(err, errlen, "init", rc);
	if (servers != NULL && *servers != '\0') {
		rc = ares_set_servers_ports_csv(d->ch, servers);
		if (rc != ARES_SUCCESS) {
			ares_destroy(d->ch);
			return fail(err, errlen, servers, rc);
		}
	}
	o.lookups = (char *)"f";
	rc = ares_init_options(&d->hosts_ch, &o, ARES_OPT_LOOKUPS);
	if (rc != ARES_SUCCESS) {
		ares_destroy(d->ch);
		return fail(err, errlen, "init", rc);
	}
	return 0;
}

static char *
derive_zone6(const char *zone, const char *zone6)
{
	if (zone == NULL)
		return NULL;
	if (zone6 != NULL)
		return xstrdup(zone6);
	if (strcmp(zone, DNS_AS_ZONE) == 0)
		return xstrdup(DNS_AS_ZONE6);
	return xstrdup(zone);
}

struct dns *
dns_new_servers(const struct hclock *clk, const char *asn_zone,
    const char *asn_zone6, const char *servers, char *err, size_t errlen)
{
	struct dns *d;
	int rc = ares_library_init(ARES_LIB_INIT_ALL);

	if (rc != ARES_SUCCESS) {
		fail(err, errlen, "library init", rc);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	if (open_channels(d, servers, err, errlen) < 0) {
		free(d);
		ares_library_cleanup();
		return NULL;
	}
	d->clk = clk;
	d->names_on = true;
	if (asn_zone != NULL && *asn_zone != '\0') {
		d->zone = xstrdup(asn_zone);
		d->zone6 = derive_zone6(asn_zone, asn_zone6);
		d->asn_on = true;
	}
	d->ents = xcalloc(DNS_CACHE_MAX, sizeof(*d->ents));
	d->heads = xmalloc(BUCKETS * sizeof(*d->heads));
	for (int i = 0; i < BUCKETS; i++)
		d->heads[i] = -1;
	return d;
}

struct dns *
dns_new(const struct hclock *clk, const char *asn_zone, const char *asn_zone6,
    char *err, size_t errlen)
{
	return dns_new_servers(clk, asn_zone, asn_zone6, NULL, err, errlen);
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	/* Pending callbacks run now with ARES_EDESTRUCTION and free. */
	ares_destroy(d->ch);
	ares_destroy(d->hosts_ch);
	ares_library_cleanup();
	free(d->zone);
	free(d->zone6);
	free(d->ents);
	free(d->heads);
	free(d);
}

int
dns_fds(struct dns *d, fd_set *rfds, fd_set *wfds)
{
	if (d == NULL)
		return -1;
	return ares_fds(d->ch, rfds, wfds) - 1;
}

/*
 * c-ares keeps its own clock; its relative timeout is moved onto ours,
 * rounded up to the millisecond so the loop never wakes just too early.
 */
int64_t
dns_next_deadline(struct dns *d)
{
	struct timeval tv, *tp;
	int64_t wait_ns;

	if (d == NULL)
		return CLOCK_NEVER;
	tp = ares_timeout(d->ch, NULL, &tv);
	if (tp == NULL)
		return CLOCK_NEVER;
	wait_ns = (int64_t)tp->tv_sec * NS_PER_S + (int64_t)tp->tv_usec * 1000;
	wait_ns = (wait_ns + NS_PER_MS - 1) / NS_PER_MS * NS_PER_MS;
	return clock_now(d->clk) + wait_ns;
}

void
dns_process(struct dns *d, fd_set *rfds, fd_set *wfds)
{
	fd_set r, w;

	if (d == NULL)
		return;
	if (rfds == NULL) {
		FD_ZERO(&r);
		rfds = &r;
	}
	if (wfds == NULL) {
		FD_ZERO(&w);
		wfds = &w;
	}
	/* Reads the ready sockets, then expires overdue queries. */
	ares_process(d->ch, rfds, wfds);
}

bool
dns_changed(struct dns *d)
{
	bool c;

	if (d == NULL)
		return false;
	c = d->changed;
	d->changed = false;
	return c;
}

/* An expired name is still shown while its refresh is in flight. */
int
dns_name(struct dns *d, const struct haddr *a, char *buf, size_t len)
{
	struct entry *e;

	if (d == NULL || a == NULL || buf == NULL || len == 0)
		return 0;
	e = find(d, a);
	if (e == NULL || !e->name_s.have)
		return 0;
	snprintf(buf, len, "%s", e->name);
	return 1;
}

int
dns_asn(struct dns *d, const struct haddr *a, uint32_t *asn)
{
	struct entry *e;

	if (d == NULL || a == NULL || asn == NULL)
		return 0;
	e = find(d, a);
	if (e == NULL || !e->asn_s.have)
		return 0;
	*asn = e->asn;
	return 1;
}

static int
namer_name(void *ctx, const struct haddr *a, char *buf, size_t len)
{
	return dns_name(ctx, a, buf, len);
}

static int
namer_asn(void *ctx, const struct haddr *a, uint32_t *asn)
{
	return dns_asn(ctx, a, asn);
}

struct namer
dns_namer(struct dns *d)
{
	struct namer n = {namer_name, namer_asn, d};

	return n;
}

void
dns_cache_put(struct dns *d, const struct haddr *a, const char *name,
    int64_t ttl_s, bool negative)
{
	if (d == NULL || a == NULL || !addr_is_set(a))
		return;
	store_name(d, a, negative ? NULL : name, ttl_s);
}

unsigned long
dns_queries_sent(const struct dns *d)
{
	return d != NULL ? d->queries : 0;
}

/* Writes the 32 reversed nibbles of v6 as "f.e.d....0." (64 chars). */
static void
nibbles(const struct in6_addr *v6, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 15, o = 0; i >= 0; i--) {
		out[o++] = hex[v6->s6_addr[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[v6->s6_addr[i] >> 4];
		out[o++] = '.';
	}
	out[64] = '\0';
}

/* "d.c.b.a." or the nibbles, followed by suffix; 0 or -1 (too long). */
static int
reversed(const struct haddr *a, const char *suffix, char *buf, size_t len)
{
	char rev[65];
	const unsigned char *b = (const unsigned char *)&a->u.v4;
	int n;

	if (a == NULL || buf == NULL || suffix == NULL)
		return -1;
	if (a->family == AF_INET)
		snprintf(
		    rev, sizeof(rev), "%u.%u.%u.%u.", b[3], b[2], b[1], b[0]);
	else if (a->family == AF_INET6)
		nibbles(&a->u.v6, rev);
	else
		return -1;
	n = snprintf(buf, len, "%s%s", rev, suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
dns_ptr_name(const struct haddr *a, char *buf, size_t len)
{
	if (a == NULL)
		return -1;
	return reversed(
	    a, a->family == AF_INET6 ? "ip6.arpa" : "in-addr.arpa", buf, len);
}

int
dns_asn_qname(const struct haddr *a, const char *zone, char *buf, size_t len)
{
	if (zone == NULL || *zone == '\0' || *zone == '.')
		return -1;
	return reversed(a, zone, buf, len);
}

/*
 * The AS is the first number of the first field: "15169 | ...",
 * "15169 36040 | ..." (several origins: the first), "15169". Leading
 * blanks are skipped; anything but digits up to a blank or '|' fails.
 */
int
dns_parse_asn_txt(const char *txt, uint32_t *asn)
{
	const char *p = txt;
	uint64_t v = 0;

	if (txt == NULL || asn == NULL)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (*p != '\0' && *p != ' ' && *p != '\t' && *p != '|')
		return -1;
	*asn = (uint32_t)v;
	return 0;
}

static unsigned
rd16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Offset just past the (possibly compressed) name at off, or -1. */
static int
skip_name(const unsigned char *b, int len, int off)
{
	for (int labels = 0; labels < 128; labels++) {
		if (off < 0 || off >= len)
			return -1;
		if (b[off] == 0)
			return off + 1;
		if ((b[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : -1;
		if ((b[off] & 0xc0) != 0)
			return -1;
		off += 1 + b[off];
	}
	return -1;
}

int64_t
dns_answer_ttl(const unsigned char *abuf, int alen)
{
	int64_t min = -1;
	int off = 12;
	unsigned qd, an;

	if (abuf == NULL || alen < 12)
		return -1;
	qd = rd16(abuf + 4);
	an = rd16(abuf + 6);
	for (unsigned i = 0; i < qd; i++) {
		off = skip_name(abuf, alen, off);
		if (off < 0 || off + 4 > alen)
			return -1;
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		uint32_t ttl;

		off = skip_name(abuf, alen, off);
		if (off < 0 || off + 10 > alen)
			return -1;
		ttl =
		    (uint32_t)rd16(abuf + off + 4) << 16 | rd16(abuf + off + 6);
		if (ttl > INT32_MAX) /* RFC 2181 8: taken as zero */
			ttl = 0;
		off += 10 + (int)rd16(abuf + off + 8);
		if (off > alen)
			return -1;
		if (min < 0 || ttl < min)
			min = ttl;
	}
	return min;
}
