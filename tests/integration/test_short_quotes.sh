#!/usr/bin/env bash
# Unprivileged UDP (IP_RECVERR, as user nobody) behind routers that quote
# only the 8 bytes of UDP header RFC 792 requires: the TUN simulator's
# IPv4 hops without MPLS quote exactly that, the MPLS hops 128 bytes
# (RFC 4884), and so does the destination's Port Unreachable. The error
# queue then hands out no payload to read the probe's sequence from:
# hoptop must switch to a socket per probe and still find every hop and
# the destination, and say in the report that Paris flows are off. On the
# namespace chain (Linux routers quote up to 576 bytes) the flows stay
# (test_protocols checks that). Needs root (exit 77 otherwise).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "test_short_quotes: needs root: skipped"; exit 77; }
command -v setpriv >/dev/null || { echo "test_short_quotes: no setpriv: skipped"; exit 77; }
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
export TUNSIM=${TUNSIM:-${HOPTOP_BUILD:-$src/build}/tests/integration/tunsim}
tunlab=$src/tests/integration/tunlab.sh
scen=$src/tests/data/scenarios/mpls.json
ns=tq$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap '"$tunlab" down $ns >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fails=0
check() {
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
tgt=$("$TUNSIM" --scenario "$scen" --info | awk '$1 == "target4" { print $2 }')
"$tunlab" up $ns "$scen" "$tmp/tunsim.log" >/dev/null
rc=0
ip netns exec $ns timeout 60 setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$hoptop" -u -r -c 6 -i 0.3 -w 1 -n --json "$tgt" \
	>"$tmp/out" 2>"$tmp/err" || rc=$?
check "nobody -u behind short quotes: exit 0 (got $rc: $(head -c 200 "$tmp/err"))" [ "$rc" = 0 ]
check "every hop and the destination answer, after the first cycle" \
	/usr/bin/python3 - "$tmp/out" "$scen" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
n = len(s["hops"])
want = [a for h in s["hops"][:-1] for a in h["addrs"] if ":" not in a] + [s["target"]["v4"]]
got = [(h["ttl"], h["ip"], h["received"]) for h in d["hops"]]
ok = d["destination_ttl"] == n and [g[1] for g in got] == want
# the first cycle's replies at the short-quoting hops cannot be matched;
# from the next cycle on every probe is answered
ok = ok and all(g[2] >= 5 for g in got)
if not ok:
    print("  got", got, "dest", d["destination_ttl"], "want", want, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
check "the report says Paris flows are off" \
	grep -q '"method": "UDP socket per probe' "$tmp/out"
echo "test_short_quotes: $fails failed"
[ "$fails" = 0 ]
