#!/usr/bin/env bash
# Two hoptops and a fast ping against the same 5-hop chain at the same time:
# each hoptop must count exactly its own probes and replies (raw ICMP sockets
# see everybody's ICMP; the identifier filter keeps them apart). Also: a
# running hoptop has no capabilities left (CapEff 0), and bad privilege or
# target input gives one clear line. Needs root, tcpdump and python3 (exit
# 77 otherwise).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "test_crosstalk: needs root: skipped"; exit 77; }
for x in tcpdump python3; do
	command -v $x >/dev/null 2>&1 || { echo "test_crosstalk: no $x: skipped"; exit 77; }
done
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
# shellcheck source=tests/integration/capture.sh
. "$src/tests/integration/capture.sh"
pfx=tx$$
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

bash "$lab" up $pfx 5 >/dev/null
bash "$lab" addrs $pfx 5 4 >"$tmp/want"
t=$(bash "$lab" target $pfx 5 4)

# 1. Cross-talk: ping floods while two hoptops run 20 cycles of 2 probes.
# The truth is a capture on the source's link (v1a): each hoptop's counts
# must equal what the wire shows for its identifier (a reply the kernel
# lost is lost for hoptop too; 1 in ~100 loaded runs lost one).
# The flood's own packets (-s 100: 128-byte IP) are left out of it.
capture_start $pfx-src v1a "$tmp/cap" 'icmp and ip[2:2] != 128'
pids+=("$capture_pid")
inns timeout 20 ping -q -s 100 -i 0.005 -c 1500 "$t" >"$tmp/ping" 2>&1 &
pids+=($!)
inns timeout 30 "$hoptop" -r -c 20 -q 2 -i 0.1 -n --json \
	--record "$tmp/a.rec.gz" "$t" >"$tmp/a" &
a=$!
inns timeout 30 "$hoptop" -r -c 20 -q 2 -i 0.1 -n --json \
	--record "$tmp/b.rec.gz" "$t" >"$tmp/b" &
b=$!
wait "$a"
wait "$b"
capture_stop
check "the capture ended with its statistics" grep -q "dropped by kernel" "$tmp/cap.err"
exact() { python3 "$src/tests/integration/wirecount.py" "$1" "$1.rec.gz" "$tmp/cap" "$tmp/want" 40; }
check "first hoptop counts exactly its own probes" exact "$tmp/a"
check "second hoptop counts exactly its own probes" exact "$tmp/b"

# 2. Privilege drop: a running hoptop keeps no capabilities.
ip netns exec $pfx-src "$hoptop" -r -c 30 -i 0.1 -n "$t" >/dev/null &
h=$! # ip netns exec execs hoptop: same pid
pids+=("$h")
capeff=""
for _ in $(seq 1 50); do
	capeff=$(awk '/^CapEff/ {print $2}' /proc/$h/status 2>/dev/null || true)
	[ -n "$capeff" ] && [ "$capeff" = 0000000000000000 ] && break
	sleep 0.05
done
check "CapEff is 0 while probing (was $capeff)" [ "$capeff" = 0000000000000000 ]
capprm=$(awk '/^CapPrm/ {print $2}' /proc/$h/status 2>/dev/null || echo gone)
check "CapPrm is 0 while probing (was $capprm)" [ "$capprm" = 0000000000000000 ]
kill $h 2>/dev/null || true

# 3. Bad input: one line on stderr, nothing on stdout, the right status.
one_line_error() { # STATUS ARGS...: exit status and exactly one stderr line
	local want=$1 rc=0
	shift
	inns timeout 10 "$hoptop" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != "$want" ] || [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" != 1 ]; then
		echo "  status $rc (want $want); stdout $(wc -c <"$tmp/out") bytes; stderr:" >&2
		cat "$tmp/err" >&2
		return 1
	fi
}
check "unresolvable target -> 1" one_line_error 1 -r -c 1 no-such-host.invalid
check "-c 1x -> 2" one_line_error 2 -r -c 1x "$t"
check "-m 0 -> 2" one_line_error 2 -r -m 0 "$t"
check "-m 300 -> 2" one_line_error 2 -r -m 300 "$t"
check "unknown option -> 2" one_line_error 2 --bogus "$t"
check "missing target -> 2" one_line_error 2 -r
if getent passwd nobody >/dev/null; then
	# TCP needs raw sockets; as nobody it must say how to grant them.
	rc=0
	inns setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$hoptop" -T -r -c 1 -n "$t" >"$tmp/out" 2>"$tmp/err" || rc=$?
	check "TCP as nobody: exit 1 naming setcap" \
		bash -c "[ $rc = 1 ] && grep -q 'setcap cap_net_raw' '$tmp/err' && [ ! -s '$tmp/out' ]"
fi

echo "test_crosstalk: $fails failed"
[ $fails = 0 ]
