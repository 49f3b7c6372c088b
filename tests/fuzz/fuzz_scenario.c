/*
 * fuzz_scenario: libFuzzer target for the scenario loader (netsim_parse,
 * the code behind --demo FILE). The input is the JSON text. A scenario that
 * loads is then run a little: a few probes of each protocol toward its
 * target, every reply drained (time jumps past any delay), each reply
 * parsed. Besides ASan/UBSan, the target aborts when a result breaks an
 * invariant: a refused scenario names the problem in one non-empty line;
 * a loaded one has a name of 1-63 bytes and a target for a family it has
 * a source for; no reply is longer than the buffer or unparsable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/netsim.h"
#include "hoptop/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replies drained per probe at most: a hostile hop sends a handful. */
#define MAX_REPLIES 64

static void
drain(struct netsim *ns, int64_t now)
{
	uint8_t buf[PACKET_MAX];
	struct pkt_reply r;
	const char *why;
	ssize_t n;

	for (int i = 0; i < MAX_REPLIES; i++) {
		n = netsim_output(ns, now, buf, sizeof(buf));
		if (n <= 0)
			return;
		if ((size_t)n > sizeof(buf))
			abort();
		/* a malformed reply is the hostile hop's junk: fine, but
		 * the parser must say why */
		why = NULL;
		if (packet_parse_ip(buf, (size_t)n, &r, &why) != 0 &&
		    why == NULL)
			abort();
	}
}

/* A few probes of each protocol and TTL 1..4 from the scenario's source. */
static void
run_a_little(struct netsim *ns, int family)
{
	struct probe_spec ps;
	uint8_t pkt[PACKET_MAX];
	int64_t now = 1000000000;
	uint16_t seq = 1;

	memset(&ps, 0, sizeof(ps));
	ps.family = family;
	if (netsim_source(ns, family, &ps.src) != 0 ||
	    netsim_target(ns, family, &ps.dst) != 0)
		abort(); /* netsim_name's caller relies on both */
	ps.ident = 0x4a31;
	ps.dport = 33434;
	ps.cookie = 0x5eedc0de;
	for (int proto = PROTO_ICMP; proto <= PROTO_TCP; proto++) {
		ps.proto = (enum probe_proto)proto;
		for (uint8_t ttl = 1; ttl <= 4; ttl++) {
			ssize_t n;

			ps.seq = seq++;
			n = packet_build_ip(&ps, ttl, ps.seq, pkt, sizeof(pkt));
			if (n < 0)
				abort();
			(void)netsim_input(ns, pkt, (size_t)n, now);
			now += 1000000;
		}
	}
	drain(ns, INT64_MAX / 2); /* past every delay, jitter, late copy */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct netsim *ns;
	struct haddr a;
	char *json;
	size_t len;

	if (size > NETSIM_MAX_FILE)
		return 0;
	json = malloc(size + 1);
	if (json == NULL)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	ns = netsim_parse(json, err, sizeof(err));
	free(json);
	if (ns == NULL) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	len = strlen(netsim_name(ns));
	if (len < 1 || len > 63)
		abort();
	if (netsim_target(ns, AF_INET, &a) == 0)
		run_a_little(ns, AF_INET);
	if (netsim_target(ns, AF_INET6, &a) == 0)
		run_a_little(ns, AF_INET6);
	netsim_free(ns);
	return 0;
}
