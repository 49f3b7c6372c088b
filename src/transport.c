/* transport: the engine's view of a network. */
#include <stddef.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hoptop/transport.h"

void
transport_free(struct transport *t)
{
	if (t != NULL)
		t->ops->free(t);
}

/*
 * len random bytes from the kernel; should getrandom fail (very old
 * kernel, seccomp), a mix of the clock and the pid, better than nothing.
 */
static void
random_bytes(void *buf, size_t len)
{
	struct timespec ts;
	unsigned char *b = buf;
	uint64_t x;

	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec ^
	    (uint64_t)getpid() << 32;
	for (size_t i = 0; i < len; i++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ULL;
		b[i] = (unsigned char)(x >> 56);
	}
}

uint16_t
transport_random_ident(enum probe_proto proto, unsigned flows)
{
	unsigned span = TRANSPORT_PORT_HI - TRANSPORT_PORT_LO + 1;
	uint16_t r;

	do
		random_bytes(&r, sizeof(r));
	while (proto == PROTO_ICMP && r == 0);
	if (proto == PROTO_ICMP)
		return r;
	if (flows < 1)
		flows = 1;
	return (uint16_t)(TRANSPORT_PORT_LO + r % (span - flows + 1));
}

uint32_t
transport_random_cookie(void)
{
	uint32_t c;

	random_bytes(&c, sizeof(c));
	return c;
}

bool
transport_cookie_ok(
    const struct transport_params *tp, const struct pkt_reply *pr)
{
	size_t size = tp->size != 0 ? tp->size : PACKET_DEFAULT_SIZE;

	if (pr->has_cookie)
		return pr->cookie == tp->cookie;
	return pr->kind != PKT_ECHO_REPLY || size < PACKET_COOKIE_MIN_ICMP;
}
