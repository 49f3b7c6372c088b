/*
 * fuzz_packet: libFuzzer target for the packet module.
 *
 * The first input byte picks the mode (mod 7), the rest is the data:
 *   0  packet_parse_ip (a whole IPv4/IPv6 packet, raw socket or TUN)
 *   1  packet_parse_l4 AF_INET  IPPROTO_ICMP  (ping socket)
 *   2  packet_parse_l4 AF_INET6 IPPROTO_ICMPV6 (IPv6 raw socket)
 *   3  packet_parse_l4 AF_INET  IPPROTO_TCP
 *   4  packet_parse_l4 AF_INET6 IPPROTO_TCP
 *   5  packet_parse_ext: data[0] = RFC 4884 length, data[1] & 1 = IPv6
 *   6  packet_build/packet_build_ip from a spec made of the data, then
 *      the built probe checked (UDP checksum == seq) and parsed back
 * Besides ASan/UBSan, the target aborts when a result breaks an invariant
 * of struct pkt_reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hoptop/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_reply(int rc, const struct pkt_reply *r, const char *why)
{
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && why == NULL)
		abort();
	if (r->mpls.n > MPLS_MAX_LABELS || r->n_ext > ICMP_EXT_MAX_OBJ)
		abort();
	if (rc == 0 && (r->kind < PKT_OTHER || r->kind > PKT_TCP_REPLY))
		abort();
	if (r->reply_ttl < -1 || r->reply_ttl > 255 || r->quoted_ttl < -1 ||
	    r->quoted_ttl > 255)
		abort();
}

static void
fuzz_parse(unsigned mode, const uint8_t *d, size_t n)
{
	static const int fam[] = {AF_INET, AF_INET6, AF_INET, AF_INET6};
	static const int proto[] = {
	    IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_TCP};
	struct haddr src;
	struct pkt_reply r;
	const char *why = NULL;
	int rc;

	if (mode == 0) {
		rc = packet_parse_ip(d, n, &r, &why);
	} else {
		memset(&src, 0, sizeof(src));
		src.family = (sa_family_t)fam[mode - 1];
		rc = packet_parse_l4(
		    fam[mode - 1], proto[mode - 1], &src, NULL, d, n, &r, &why);
	}
	check_reply(rc, &r, why);
}

static void
fuzz_ext(const uint8_t *d, size_t n)
{
	struct pkt_reply r;

	if (n < 2)
		return;
	memset(&r, 0, sizeof(r));
	(void)packet_parse_ext(
	    d + 2, n - 2, d[0], d[1] & 1 ? AF_INET6 : AF_INET, &r);
	if (r.mpls.n > MPLS_MAX_LABELS || r.n_ext > ICMP_EXT_MAX_OBJ)
		abort();
}

/* Spec bytes: fam/proto, ident(2), dport(2), seq(2), flow(2), size(2),
 * tos, cap(2), then address bytes. */
static void
fuzz_build(const uint8_t *d, size_t n)
{
	uint8_t buf[PACKET_MAX + 64];
	struct probe_spec ps;
	struct pkt_reply r;
	const char *why = NULL;
	size_t cap;
	ssize_t len;

	if (n < 14 + 32)
		return;
	memset(&ps, 0, sizeof(ps));
	ps.family = d[0] & 1 ? AF_INET6 : AF_INET;
	ps.proto = (enum probe_proto)((d[0] >> 1) % 3);
	ps.ident = (uint16_t)(d[1] << 8 | d[2]);
	ps.dport = (uint16_t)(d[3] << 8 | d[4]);
	ps.seq = (uint16_t)(d[5] << 8 | d[6]);
	ps.flow = (uint16_t)(d[7] << 8 | d[8]);
	ps.size = (size_t)((d[9] << 8 | d[10]) % 1600);
	ps.tos = d[11];
	cap = (size_t)((d[12] << 8 | d[13]) % sizeof(buf));
	ps.src.family = ps.dst.family = (sa_family_t)ps.family;
	memcpy(&ps.src.u, d + 14, 16);
	memcpy(&ps.dst.u, d + 30, 16);
	len = packet_build(&ps, buf, cap);
	if (len > (ssize_t)cap)
		abort();
	if (len > 0 && ps.proto == PROTO_UDP &&
	    (buf[6] << 8 | buf[7]) != ps.seq)
		abort();
	len = packet_build_ip(&ps, d[11], ps.ident, buf, cap);
	if (len > (ssize_t)cap)
		abort();
	if (len > 0) {
		int rc = packet_parse_ip(buf, (size_t)len, &r, &why);

		/* A probe is never mistaken for an answer. */
		if (rc != 0 || r.kind != PKT_OTHER)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode;

	if (size < 1)
		return 0;
	mode = data[0] % 7;
	if (mode <= 4)
		fuzz_parse(mode, data + 1, size - 1);
	else if (mode == 5)
		fuzz_ext(data + 1, size - 1);
	else
		fuzz_build(data + 1, size - 1);
	return 0;
}
