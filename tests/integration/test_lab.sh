#!/bin/bash
# test_lab: the router chain of lab.sh itself. For N = 1, 5 and 12 hops:
# `up` is fast (under 15 s even on a loaded machine; about 1 s idle),
# makes N+1 namespaces, and ping crosses the chain in IPv4 and IPv6; for
# N = 5 mtr (an independent tracer, when installed) sees exactly the hop
# addresses `lab.sh addrs` promises; `up` twice works; `down` removes this
# prefix's namespaces and nobody else's; a non-root caller gets 77. Needs
# root (exit 77 otherwise).
set -u

if (($(id -u) != 0)); then
	echo "test_lab: needs root" >&2
	exit 77
fi
if ! command -v ping >/dev/null; then
	echo "test_lab: needs ping (iputils-ping)" >&2
	exit 77
fi
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
LAB=$src/tests/integration/lab.sh
P=nl$(($$ % 100000))
decoys=("${P}9-src" "${P}-srcx" "x$P-dst")
tmp=$(mktemp -d)

cleanup() {
	"$LAB" down "$P"
	for d in "${decoys[@]}"; do ip netns del "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ns_count() {
	ip netns list | awk '{print $1}' | grep -cE "^$P-(src|dst|r[0-9]+)$"
}

# mtr's hop list (one report cycle) toward the target, family $2.
mtr_hops() {
	ip netns exec "$P-src" mtr -n -r -c 1 -i 0.2 "-$2" "$1" |
	    awk '/\|--/ {print $2}'
}

for n in 1 5 12; do
	t0=$(date +%s%N)
	"$LAB" up "$P" "$n" || fail "up $P $n"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "up $n hops: $ms ms"
	((ms < 15000)) || fail "up $n took $ms ms"
	(($(ns_count) == n + 1)) || fail "$(ns_count) namespaces for $n hops"
	for f in 4 6; do
		t=$("$LAB" target "$P" "$n" "$f")
		[[ $t == $("$LAB" addrs "$P" "$n" "$f" | tail -1) ]] ||
			fail "target is not the last hop"
		ip netns exec "$P-src" ping "-$f" -c 1 -W 2 "$t" >/dev/null ||
			fail "ping -$f $t over $n hops"
	done
	if ((n == 5)) && command -v mtr >/dev/null; then
		for f in 4 6; do
			mtr_hops "$("$LAB" target "$P" 5 "$f")" "$f" >"$tmp/mtr$f" &
		done
		wait
		for f in 4 6; do
			"$LAB" addrs "$P" 5 "$f" >"$tmp/want$f"
			diff -u "$tmp/want$f" "$tmp/mtr$f" ||
				fail "mtr -$f hops differ from lab.sh addrs"
		done
	fi
done

"$LAB" up "$P" 3 || fail "up again over an existing chain"
(($(ns_count) == 4)) || fail "up over 12 hops left $(ns_count) namespaces"
for d in "${decoys[@]}"; do ip netns add "$d" || fail "decoy $d"; done
"$LAB" down "$P" || fail "down"
(($(ns_count) == 0)) || fail "down left $(ns_count) namespaces"
for d in "${decoys[@]}"; do
	ip netns list | awk '{print $1}' | grep -qx "$d" ||
		fail "down removed $d, which is not its own"
done

setpriv --reuid=65534 --regid=65534 --clear-groups "$LAB" up "$P" 1 \
    2>/dev/null
rc=$?
((rc == 77)) || fail "non-root up exited $rc, not 77"
"$LAB" addrs "$P" 0 2>/dev/null && fail "addrs accepted 0 hops"
"$LAB" up "bad-prefix" 1 2>/dev/null && fail "up accepted a bad prefix"
echo "test_lab: ok"
