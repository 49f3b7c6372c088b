#!/usr/bin/env bash
# Many targets in one process against real routers: a chain of 5 namespaces
# with 10.202.0.0/16 local behind the last one (fleetlab.sh), 20 targets
# (10 on the command line, 10 from -F FILE) probed on shared sockets with
# raw ICMP, the ping socket, raw UDP and raw TCP. Every target's report
# must list the exact hops and end at its own address with 0% loss and
# Snt = cycles (no reply counted at another target: no crosstalk); --once
# prints every target in turn; CSV has a row per hop per target.
# Needs root (exit 77 otherwise).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "test_targets: needs root: skipped"; exit 77; }
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/fleetlab.sh
pfx=tt$$
n=5
tmp=$(mktemp -d)
trap 'bash "$lab" down $pfx >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
bash "$lab" up $pfx $n

targets=()
for i in $(seq 1 10); do targets+=("10.202.$i.$((i * 7))"); done
{
	echo "# ten more, with comments"
	for i in $(seq 11 20); do echo "10.202.$i.$((i * 3))   # target $i"; echo; done
} >"$tmp/list"
all=("${targets[@]}")
for i in $(seq 11 20); do all+=("10.202.$i.$((i * 3))"); done
printf '%s\n' "${all[@]}" >"$tmp/want"

json_ok() { # FILE CYCLES
	python3 - "$1" "$2" "$tmp/want" "$n" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cycles, want, n = int(sys.argv[2]), open(sys.argv[3]).read().split(), int(sys.argv[4])
hops = ["10.201.%d.2" % k for k in range(1, n)]
ok = [t["target"]["name"] for t in d["targets"]] == want
for t, w in zip(d["targets"], want):
    got = [h["ip"] for h in t["hops"]]
    sr = [(h["sent"], h["received"]) for h in t["hops"]]
    if (got != hops + [w] or t["destination_ttl"] != n or t["target"]["ip"] != w
            or sr != [(cycles, cycles)] * n
            or any(len(h["responders"]) != 1 for h in t["hops"])):
        ok = False
        print("  bad:", w, got, sr, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

for proto in "-I" "-I --unprivileged" "-u" "-T"; do
	# shellcheck disable=SC2086 # proto holds the options
	ip netns exec $pfx-src "$hoptop" -n -j -c 3 -i 0.2 $proto "${targets[@]}" \
		-F "$tmp/list" >"$tmp/out.json" 2>"$tmp/err" || true
	check "$proto: 20 targets, each its own exact path, Snt = Rcv = 3" \
		json_ok "$tmp/out.json" 3
	check "$proto: nothing on stderr" test ! -s "$tmp/err"
done

ip netns exec $pfx-src "$hoptop" -n --once "${targets[@]:0:5}" >"$tmp/once"
check "--once: 5 traceroutes in turn" \
	test "$(grep -c '^traceroute to 10.202.' "$tmp/once")" = 5
check "--once: each ends at its own target" python3 - "$tmp/once" "${targets[@]:0:5}" <<'PY'
import sys
blocks = open(sys.argv[1]).read().strip().split("\n\n")
ok = len(blocks) == 5
for b, t in zip(blocks, sys.argv[2:]):
    lines = b.splitlines()
    ok = ok and lines[0].startswith("traceroute to %s " % t)
    ok = ok and lines[-1].split()[1] == t and len(lines) == 1 + 5
sys.exit(0 if ok else 1)
PY

ip netns exec $pfx-src "$hoptop" -n -C -c 2 -i 0.2 -F "$tmp/list" >"$tmp/out.csv"
check "CSV: a target column, 5 rows per target" python3 - "$tmp/out.csv" <<'PY'
import csv, sys, collections
rows = list(csv.reader(open(sys.argv[1])))
ok = rows[0][0] == "target" and rows[0][1] == "ttl"
c = collections.Counter(r[0] for r in rows[1:])
ok = ok and len(c) == 10 and set(c.values()) == {5}
ok = ok and all(r[3] == r[0] for r in rows[1:] if r[1] == "5")
sys.exit(0 if ok else 1)
PY

# text: one section per target, in order
ip netns exec $pfx-src "$hoptop" -n -r -c 2 -i 0.2 "${targets[@]:0:3}" >"$tmp/out.txt"
check "text: 3 sections in order" test "$(sed -n 's/^hoptop [^ ]*: ICMP ([^)]*) to \([^ ]*\),.*/\1/p' "$tmp/out.txt" | tr '\n' ' ')" = "${targets[*]:0:3} "

echo "test_targets: $fails failed"
[ "$fails" = 0 ]
