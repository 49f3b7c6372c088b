#!/usr/bin/env bash
# Two hoptops in separate PID namespaces (each is pid 1 there, as in two
# containers on the host network) probing one chain from one network
# namespace at the same time: their ICMP identifiers must differ (seen on
# the wire with tcpdump) and each must count exactly its own probes and
# replies. With identifier = pid they were both 1 and stole each other's
# replies. Needs root, unshare and tcpdump (exit 77 otherwise).
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "test_pidns: needs root: skipped"; exit 77; }
for t in unshare tcpdump python3; do
	command -v $t >/dev/null 2>&1 || { echo "test_pidns: no $t: skipped"; exit 77; }
done
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
# shellcheck source=tests/integration/capture.sh
. "$src/tests/integration/capture.sh"
pfx=pn$$
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	bash "$lab" down $pfx >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() {
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
inns() { ip netns exec $pfx-src "$@"; }

bash "$lab" up $pfx 4 >/dev/null || { echo "test_pidns: lab up failed"; exit 1; }
bash "$lab" addrs $pfx 4 4 >"$tmp/want"
t=$(bash "$lab" target $pfx 4 4)

capture_start $pfx-src v1a "$tmp/cap" icmp
pids+=("$capture_pid")

for x in a b; do
	inns unshare -p -f --mount-proc sh -c 'echo $$ >"$1"; exec timeout 30 "$2" -r -c 20 -q 2 -i 0.1 -n --json --record "$4" "$3"' \
		sh "$tmp/$x.pid" "$hoptop" "$t" "$tmp/$x.rec.gz" >"$tmp/$x" 2>"$tmp/$x.err" &
	pids+=($!)
done
wait "${pids[1]}" "${pids[2]}"
check "both started as pid 1 of a fresh PID namespace" \
	test "$(cat "$tmp/a.pid" "$tmp/b.pid" | tr '\n' ' ')" = "1 1 "
capture_stop
check "the capture ended with its statistics" grep -q "dropped by kernel" "$tmp/cap.err"

ids=$(tcpdump -r "$tmp/cap" -nn 'icmp[icmptype] == icmp-echo' 2>/dev/null | sed -n 's/.*echo request, id \([0-9]*\),.*/\1/p' | sort | uniq -c)
echo "  identifiers on the wire (count id):" $ids
# at least 20 cycles x 2 probes x 4 hops each
check "two distinct identifiers, each on 80 probes or more" \
	awk 'END { exit !(NR == 2 && min >= 80) } NR == 1 || $1 < min { min = $1 }' <<<"$ids"

# each hoptop's counts equal what the wire shows for its identifier
exact() { python3 "$src/tests/integration/wirecount.py" "$1" "$1.rec.gz" "$tmp/cap" "$tmp/want" 40; }
check "first hoptop counts exactly its own probes" exact "$tmp/a"
check "second hoptop counts exactly its own probes" exact "$tmp/b"

[ $fails -eq 0 ] || { echo "test_pidns: $fails failed"; exit 1; }
echo "test_pidns: all passed"
