#!/usr/bin/env bash
# The real binary against chains of 1, 5 and 12 real Linux routers in network
# namespaces, IPv4 and IPv6: report, JSON and --once modes must list the exact
# hop addresses in order, 0% loss, Snt = cycles x probes and sane RTTs.
# Needs root (exit 77 otherwise).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "test_chain: needs root: skipped"; exit 77; }
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
pfx=tc$$
tmp=$(mktemp -d)
trap 'bash "$lab" down $pfx >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME COMMAND...: runs an assertion, counts failures
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

# Text report: hop k's row names the k-th expected address, 0.0%, Snt = n.
text_ok() { # FILE EXPECTED_ADDRS_FILE SNT
	python3 - "$@" <<'PY'
import re, sys
rows = [l for l in open(sys.argv[1]) if re.match(r"\s*\d+\.\|--", l)]
want = open(sys.argv[2]).read().split()
snt = sys.argv[3]
ok = len(rows) == len(want)
for r, w in zip(rows, want):
    f = r.split()
    # "1.|--" host loss snt last avg best wrst stdev
    if f[1] != w or f[2] != "0.0%" or f[3] != snt or not 0 <= float(f[5]) < 50:
        ok = False
        print("  bad row:", r.rstrip(), "want", w, file=sys.stderr)
if len(rows) != len(want):
    print("  rows", len(rows), "want", len(want), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

json_ok() { # FILE EXPECTED_ADDRS_FILE SNT
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = open(sys.argv[2]).read().split()
snt = int(sys.argv[3])
hops = d["hops"]
ok = [h["ip"] for h in hops] == want and d["destination_ttl"] == len(want)
for h in hops:
    if (h["sent"], h["received"], h["loss_pct"]) != (snt, snt, 0.0):
        ok = False
    if not (isinstance(h["avg_ms"], float) and 0 < h["avg_ms"] < 50
            and h["best_ms"] <= h["avg_ms"] <= h["worst_ms"]):
        ok = False
    if len(h["responders"]) != 1:
        ok = False
if not ok:
    print("  json:", [(h["ip"], h["sent"], h["received"], h["avg_ms"]) for h in hops],
          "want", want, snt, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

once_ok() { # FILE EXPECTED_ADDRS_FILE
	python3 - "$@" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
want = open(sys.argv[2]).read().split()
ok = lines[0].startswith("traceroute to ") and len(lines) == len(want) + 1
for k, (l, w) in enumerate(zip(lines[1:], want), 1):
    m = re.match(r"^\s*(\d+)\s+(\S+)((?:\s+\d+\.\d{3} ms){3})$", l)
    if not m or int(m.group(1)) != k or m.group(2) != w:
        ok = False
        print("  bad line:", l, "want", k, w, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

for n in 1 5 12; do
	bash "$lab" down $pfx >/dev/null 2>&1 || true
	bash "$lab" up $pfx $n >/dev/null
	for fam in 4 6; do
		bash "$lab" addrs $pfx $n $fam >"$tmp/want"
		t=$(bash "$lab" target $pfx $n $fam)
		run() { ip netns exec $pfx-src timeout 30 "$hoptop" "$@"; }
		run -r -c 3 -n "$t" >"$tmp/text"
		check "report ipv$fam $n hops" text_ok "$tmp/text" "$tmp/want" 3
		run -r -c 2 -q 2 -i 0.2 -n --json "$t" >"$tmp/json"
		check "json ipv$fam $n hops" json_ok "$tmp/json" "$tmp/want" 4
		run --once -n "$t" >"$tmp/once"
		check "once ipv$fam $n hops" once_ok "$tmp/once" "$tmp/want"
	done
done

# Done means: -r -c 5 -n against 12 hops lists the 12 addresses, 0.0% loss.
for fam in 4 6; do
	bash "$lab" addrs $pfx 12 $fam >"$tmp/want"
	t=$(bash "$lab" target $pfx 12 $fam)
	ip netns exec $pfx-src timeout 30 "$hoptop" -r -c 5 -n "$t" >"$tmp/text"
	check "report -c 5 ipv$fam 12 hops" text_ok "$tmp/text" "$tmp/want" 5
done

echo "test_chain: $fails failed"
[ $fails = 0 ]
