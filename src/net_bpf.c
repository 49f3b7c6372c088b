/*
 * net_bpf: classic BPF programs for raw sockets, so other pings and other
 * hoptops do not wake us.
 */
#include "net_private.h"

/* ---- kernel-side filters for raw sockets ---------------------------- */

/*
 * A raw socket gets a copy of every ICMP message (or TCP segment) the host
 * receives. A classic BPF program keeps only those that name our probes
 * (ident, source port range, destination port), so other pings and other
 * hoptops do not wake us. recv checks everything again: the filter only
 * spares wake-ups, a packet it lets through wrongly is still dropped.
 */
#define BPF_MAX    32
#define BPF_ACCEPT 0x40000 /* bytes kept: all of any packet */

enum { J_NEXT = -1, J_ACCEPT = -2, J_DROP = -3 };

struct bpf_buf {
	struct sock_filter f[BPF_MAX];
	int jt[BPF_MAX], jf[BPF_MAX]; /* jump targets, J_* or an index */
	unsigned n;
};

static void
op(struct bpf_buf *b, uint16_t code, uint32_t k)
{
	struct sock_filter ins = BPF_STMT(code, k);

	b->jt[b->n] = b->jf[b->n] = J_NEXT;
	b->f[b->n++] = ins;
}

/* A conditional jump on A against k: to jt if true, else jf. */
static void
jump(struct bpf_buf *b, uint16_t cond, uint32_t k, int jt, int jf)
{
	op(b, (uint16_t)(BPF_JMP | cond | BPF_K), k);
	b->jt[b->n - 1] = jt;
	b->jf[b->n - 1] = jf;
}

static uint8_t
jump_offset(int target, unsigned from, unsigned accept)
{
	unsigned to = target == J_NEXT     ? from + 1
	              : target == J_ACCEPT ? accept
	              : target == J_DROP   ? accept + 1
	                                   : (unsigned)target;

	return (uint8_t)(to - from - 1);
}

/* Appends the two returns and resolves the jumps. */
static void
finish(struct bpf_buf *b)
{
	unsigned accept = b->n, i;

	op(b, BPF_RET | BPF_K, BPF_ACCEPT);
	op(b, BPF_RET | BPF_K, 0);
	for (i = 0; i < accept; i++) {
		if (BPF_CLASS(b->f[i].code) != BPF_JMP)
			continue;
		b->f[i].jt = jump_offset(b->jt[i], i, accept);
		b->f[i].jf = jump_offset(b->jf[i], i, accept);
	}
}

/* X = offset of the transport header (IPv4 raw sockets see the IP one). */
static void
load_l4_offset(struct bpf_buf *b, int family)
{
	if (family == AF_INET)
		op(b, BPF_LDX | BPF_B | BPF_MSH, 0);
	else
		op(b, BPF_LDX | BPF_W | BPF_IMM, 0);
}

/* With X at a probe's transport header: is it one of ours? */
static void
match_probe(struct bpf_buf *b, const struct transport_params *tp)
{
	if (tp->proto == PROTO_ICMP) {
		op(b, BPF_LD | BPF_H | BPF_IND, 4);
		jump(b, BPF_JEQ, tp->ident, J_ACCEPT, J_DROP);
		return;
	}
	op(b, BPF_LD | BPF_H | BPF_IND, 2);
	jump(b, BPF_JEQ, tp->port, J_NEXT, J_DROP);
	op(b, BPF_LD | BPF_H | BPF_IND, 0);
	op(b, BPF_ALU | BPF_SUB | BPF_K, tp->ident);
	jump(b, BPF_JGE, tp->flows, J_DROP, J_ACCEPT);
}

/*
 * ICMP socket: an Echo Reply names the probe at X; an error quotes it
 * after 8 bytes of ICMP header and the quoted IP header.
 */
static void
icmp_program(struct bpf_buf *b, const struct transport_params *tp)
{
	bool v4 = tp->family == AF_INET;
	int probe_ip = tp->proto == PROTO_UDP   ? IPPROTO_UDP
	               : tp->proto == PROTO_TCP ? IPPROTO_TCP
	                                        : icmp_proto(tp->family);
	unsigned echo_at;

	load_l4_offset(b, tp->family);
	op(b, BPF_LD | BPF_B | BPF_IND, 0);
	echo_at = b->n;
	jump(b, BPF_JEQ, v4 ? 0 : ICMP6_ECHO_REPLY, J_DROP, J_NEXT);
	op(b, BPF_LD | BPF_B | BPF_IND, v4 ? 8 + 9 : 8 + 6);
	jump(b, BPF_JEQ, (uint32_t)probe_ip, J_NEXT, J_DROP);
	if (v4) {
		op(b, BPF_LD | BPF_B | BPF_IND, 8);
		op(b, BPF_ALU | BPF_AND | BPF_K, 0x0f);
		op(b, BPF_ALU | BPF_LSH | BPF_K, 2);
		op(b, BPF_ALU | BPF_ADD | BPF_X, 0);
		op(b, BPF_ALU | BPF_ADD | BPF_K, 8);
	} else {
		op(b, BPF_MISC | BPF_TXA, 0);
		op(b, BPF_ALU | BPF_ADD | BPF_K, 8 + 40);
	}
	op(b, BPF_MISC | BPF_TAX, 0);
	if (tp->proto == PROTO_ICMP)
		b->jt[echo_at] = (int)b->n; /* an Echo Reply: X is right */
	match_probe(b, tp);
}

/* TCP socket: a SYN-ACK or RST comes from dport to one of our ports. */
static void
tcp_program(struct bpf_buf *b, const struct transport_params *tp)
{
	load_l4_offset(b, tp->family);
	op(b, BPF_LD | BPF_H | BPF_IND, 0);
	jump(b, BPF_JEQ, tp->port, J_NEXT, J_DROP);
	op(b, BPF_LD | BPF_H | BPF_IND, 2);
	op(b, BPF_ALU | BPF_SUB | BPF_K, tp->ident);
	jump(b, BPF_JGE, tp->flows, J_DROP, J_ACCEPT);
}

void
net_attach_filter(int fd, const struct transport_params *tp, bool tcp)
{
	struct bpf_buf b;
	struct sock_fprog prog;

	memset(&b, 0, sizeof(b));
	if (tcp)
		tcp_program(&b, tp);
	else
		icmp_program(&b, tp);
	finish(&b);
	prog.len = (unsigned short)b.n;
	prog.filter = b.f;
	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}
