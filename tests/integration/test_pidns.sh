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

inns tcpdump -i v1a -nn -l -U -w "$tmp/cap" 'icmp[icmptype] == icmp-echo' \
	>/dev/null 2>"$tmp/tcpdump.err" &
pids+=($!)
for _ in $(seq 50); do grep -q listening "$tmp/tcpdump.err" && break; sleep 0.1; done

for x in a b; do
	inns unshare -p -f --mount-proc sh -c 'echo $$ >"$1"; exec timeout 30 "$2" -r -c 20 -q 2 -i 0.1 -n --json "$3"' \
		sh "$tmp/$x.pid" "$hoptop" "$t" >"$tmp/$x" 2>"$tmp/$x.err" &
	pids+=($!)
done
wait "${pids[1]}" "${pids[2]}"
check "both started as pid 1 of a fresh PID namespace" \
	test "$(cat "$tmp/a.pid" "$tmp/b.pid" | tr '\n' ' ')" = "1 1 "
sleep 0.3
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null

ids=$(tcpdump -r "$tmp/cap" -nn 2>/dev/null | sed -n 's/.*echo request, id \([0-9]*\),.*/\1/p' | sort | uniq -c)
echo "  identifiers on the wire (count id):" $ids
# at least 20 cycles x 2 probes x 4 hops each
check "two distinct identifiers, each on 80 probes or more" \
	awk 'END { exit !(NR == 2 && min >= 80) } NR == 1 || $1 < min { min = $1 }' <<<"$ids"

exact() {
	python3 - "$1" "$tmp/want" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = open(sys.argv[2]).read().split()
got = [(h["ip"], h["sent"], h["received"], len(h["responders"])) for h in d["hops"]]
exp = [(w, 40, 40, 1) for w in want]
if got != exp:
    print("  got", got, "\n  want", exp, file=sys.stderr)
sys.exit(0 if got == exp else 1)
PY
}
check "first hoptop counts exactly its own probes" exact "$tmp/a"
check "second hoptop counts exactly its own probes" exact "$tmp/b"

[ $fails -eq 0 ] || { echo "test_pidns: $fails failed"; exit 1; }
echo "test_pidns: all passed"
