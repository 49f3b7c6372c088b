#!/bin/bash
# test_tun_verdict.sh: loss verdicts, ping-the-hop and the timeline from the
# real binary (raw sockets) behind the TUN-fronted simulator (tunlab.sh):
# the same scenarios as tests/test_sim.c's verdict tests, the same answers.
#   fwdloss    forwarding loss from TTL 6, hop 7 reply (rate limit on top)
#   replyloss  (IPv6, --ping-hop 3) only reply loss at hops 3 and 5; hop 3
#              answers every ping while it limits its Time Exceeded
#   pathchange route changes at hops 3-5 and destination 5 -> 6, no loss
# Exit 77 when not root (or no /dev/net/tun); 0 pass; 1 fail. About 50 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${HOPTOP_SRC:-$(cd "$here/../.." && pwd)}
build=${HOPTOP_BUILD:-$src/build}
hoptop=${HOPTOP:-$build/hoptop}
scen_dir=$src/tests/data/scenarios
tunlab=$here/tunlab.sh
(($(id -u) == 0)) || { echo "SKIP: needs root"; exit 77; }
[[ -c /dev/net/tun ]] || { echo "SKIP: no /dev/net/tun"; exit 77; }
export TUNSIM=${TUNSIM:-$build/tests/integration/tunsim}
[[ -x $TUNSIM ]] || { echo "FAIL: no tunsim at $TUNSIM"; exit 1; }
work=$(mktemp -d /tmp/tunverdict.XXXXXX) || exit 1
active_ns=""
cleanup() {
	[[ -n $active_ns ]] && "$tunlab" down "$active_ns" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fails=0

# run SCENARIO FAMILY OUT hoptop-options...: hoptop -r --json in the lab.
run() {
	local scen=$1 fam=$2 out=$3 ns=tv$$ tgt rc
	shift 3
	tgt=$("$TUNSIM" --scenario "$scen_dir/$scen.json" --info |
	    awk -v k="target$fam" '$1 == k { print $2 }')
	active_ns=$ns
	"$tunlab" up "$ns" "$scen_dir/$scen.json" "$work/$scen.log" || return 1
	timeout 120 ip netns exec "$ns" "$hoptop" -r -n --json "$@" "$tgt" \
	    >"$out" 2>"$work/err"
	rc=$?
	"$tunlab" down "$ns"
	active_ns=""
	((rc == 0)) || { echo "  hoptop exited $rc: $(head -c 300 "$work/err")"; return 1; }
}

# check NAME JSON PYTHON: the python code gets d (the report) and sets ok.
check() {
	if python3 - "$2" "$3" <<'PY'; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
import json, sys
d = json.load(open(sys.argv[1]))
c = {h["ttl"]: h["loss_cause"] for h in d["hops"]}
print("  causes", c, "forward_loss", d["forward_loss"], file=sys.stderr)
ok = False
exec(sys.argv[2])
sys.exit(0 if ok else 1)
PY
}

run fwdloss 4 "$work/f.json" -c 150 -i 0.1 || fails=$((fails + 1))
check "fwdloss: forward from TTL 6, hop 7 reply" "$work/f.json" '
ok = (c == {1: "none", 2: "none", 3: "none", 4: "none", 5: "none",
            6: "forward", 7: "reply", 8: "forward", 9: "forward"}
      and d["forward_loss"]["from_ttl"] == 6 and d["events"] == [])'

run replyloss 6 "$work/r.json" -6 -c 150 -i 0.1 --ping-hop 3 || fails=$((fails + 1))
check "replyloss v6: reply at 3 and 5, no forwarding loss; hop 3 pings all answered" "$work/r.json" '
h3 = d["hops"][2]
print("  ping", h3.get("ping"), "TE loss", h3["loss_pct"], file=sys.stderr)
ok = (c == {1: "none", 2: "none", 3: "reply", 4: "none", 5: "reply",
            6: "none", 7: "none"} and d["forward_loss"] is None
      and h3["ping"]["ip"] == "fd00:78:3::1" and h3["ping"]["sent"] >= 140
      and h3["ping"]["loss_pct"] == 0.0 and h3["loss_pct"] > 50)'

run pathchange 4 "$work/p.json" -c 40 -i 0.25 || fails=$((fails + 1))
check "pathchange: route changes at 3-5, destination 5 -> 6, no loss" "$work/p.json" '
ev = [(e["kind"], e["ttl"], e["from"], e["to"]) for e in d["events"]]
print("  events", ev, file=sys.stderr)
ok = (ev == [("route_change", 3, "10.78.3.1", "10.78.33.1"),
             ("route_change", 4, "10.78.4.1", "10.78.34.1"),
             ("route_change", 5, "10.78.9.1", "10.78.35.1"),
             ("destination_change", 6, 5, 6)]
      and all(h["loss_pct"] == 0 for h in d["hops"])
      and d["destination_ttl"] == 6)'
echo "test_tun_verdict: $fails failed"
((fails == 0))
