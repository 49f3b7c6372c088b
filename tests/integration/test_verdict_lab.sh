#!/usr/bin/env bash
# Loss verdicts and loss episodes on a real chain of 7 Linux routers in
# network namespaces (lab.sh), the real binary in JSON report mode:
#  1. router r3 drops 20% of the Echo Requests it forwards (nftables
#     numgen random) and router r5 rate-limits its ICMP (icmp_ratelimit,
#     icmp_msgs_per_sec): forwarding loss must begin at TTL 4, hop 5 must be
#     reply loss, hops 1-3 none, hops 4, 6, 7 forward; each probe lost at
#     hops 4, 6 and 7 must be one r3 dropped (nft counters per TTL, the
#     truth on the same packets; no statistical bound). --ping-hop 5 pings
#     r5 itself beside: its Echo Replies are not rate-limited, so its ping
#     loss is 0 while its Time Exceeded loss is high.
#  2. the link r4 -> r5 goes down and comes back: a loss_start and then a
#     loss_end event, in the JSON report and in the --log file alike.
# Needs root and nft (exit 77 otherwise). About 30 s.
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "test_verdict_lab: needs root: skipped"; exit 77; }
command -v nft >/dev/null || { echo "test_verdict_lab: no nft: skipped"; exit 77; }
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
pfx=tvl$$
n=7
tmp=$(mktemp -d)
hpid=""
cleanup() {
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null
	bash "$lab" down $pfx >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() { # check NAME COMMAND...: runs an assertion, counts failures
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
in_ns() { ip netns exec "$pfx-$1" "${@:2}"; }

bash "$lab" up $pfx $n >/dev/null || { echo "test_verdict_lab: lab up failed"; exit 1; }
t=$(bash "$lab" target $pfx $n 4)

# ---- 1. forwarding loss at r3, a rate limit at r5 ----
sed "s/TARGET/$t/" <<'NFT' | in_ns r3 nft -f - || { echo "FAIL nft rule"; exit 1; }
table inet hoptopi12 {
	chain drop20 {
		type filter hook forward priority 0; policy accept;
		ip daddr TARGET icmp type echo-request numgen random mod 100 < 20 jump lost
	}
	chain lost {
		ip ttl 1 counter drop
		ip ttl 2 counter drop
		ip ttl 3 counter drop
		ip ttl 4 counter drop
		counter drop
	}
}
NFT
# lab.sh turns the rate limits off; set them after up (r5 only)
in_ns r5 sh -c 'echo 1000 > /proc/sys/net/ipv4/icmp_ratelimit;
	echo 2 > /proc/sys/net/ipv4/icmp_msgs_per_sec;
	echo 2 > /proc/sys/net/ipv4/icmp_msgs_burst'
in_ns src timeout 60 "$hoptop" -n -r -j -c 200 -i 0.1 -w 1 --ping-hop 5 "$t" >"$tmp/v.json"
check "verdict run: exit 0" [ $? = 0 ]
# what r3 dropped, by the TTL a probe had left there (its hop - 3)
in_ns r3 nft -j list chain inet hoptopi12 lost >"$tmp/drops.json"
check "forward loss from TTL 4; hop 5 reply; 1-3 none; 4, 6, 7 forward" python3 - "$tmp/v.json" "$tmp/drops.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
drops = {}
for r in json.load(open(sys.argv[2]))["nftables"]:
    e = r.get("rule", {}).get("expr", [])
    ttl = [x["match"]["right"] for x in e if "match" in x and
           x["match"]["left"].get("payload", {}).get("field") == "ttl"]
    n = [x["counter"]["packets"] for x in e if "counter" in x]
    if n:
        drops[ttl[0] + 3 if ttl else "other"] = n[0]
lost = {h["ttl"]: h["sent"] - h["received"] for h in d["hops"]}
sent = {h["ttl"]: h["sent"] for h in d["hops"]}
print("  dropped at r3 by hop", drops, "lost", lost, file=sys.stderr)
causes = {h["ttl"]: h["loss_cause"] for h in d["hops"]}
loss = {h["ttl"]: h["loss_pct"] for h in d["hops"]}
fl = d["forward_loss"]
print("  causes", causes, "loss", loss, "forward_loss", fl, file=sys.stderr)
want = {1: "none", 2: "none", 3: "none", 4: "forward", 5: "reply",
        6: "forward", 7: "forward"}
ok = causes == want and fl is not None and fl["from_ttl"] == 4
# the truth on the same packets: every probe lost at hops 4, 6 and 7 is
# one r3 dropped (hop 5 also loses replies to r5's rate limit), and the
# rule drew about 20% of them (a check of the lab: 5-40% of 200 draws
# is more than 5 sigma either side, so it never fails by chance)
ok = ok and all(lost[k] == drops.get(k) for k in (4, 6, 7))
ok = ok and lost[5] >= drops.get(5, 0)
ok = ok and 0.05 < drops.get(7, 0) / sent[7] < 0.40
# the target's loss interval (99%) holds what was lost there
ok = ok and fl["low_pct"] <= 100.0 * lost[7] / sent[7] <= fl["high_pct"]
ok = ok and fl["low_pct"] < fl["loss_pct"] < fl["high_pct"] and fl["loss_pct"] == loss[7]
# ping-the-hop: r5 answers every ping while it limits its Time Exceeded
ping = {h["ttl"]: h.get("ping") for h in d["hops"]}
print("  ping", ping[5], file=sys.stderr)
ok = ok and ping[5] is not None and ping[5]["ip"] == "10.201.5.2"
ok = ok and ping[5]["sent"] >= 190 and ping[5]["loss_pct"] == 0.0
ok = ok and loss[5] > 60 and all(ping[k] is None for k in ping if k != 5)
sys.exit(0 if ok else 1)
PY
in_ns r3 nft delete table inet hoptopi12
in_ns r5 sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit;
	echo 1000000 > /proc/sys/net/ipv4/icmp_msgs_per_sec;
	echo 1000000 > /proc/sys/net/ipv4/icmp_msgs_burst'

# ---- 2. a link down and up: loss_start, loss_end ----
in_ns src timeout 60 "$hoptop" -n -r -j -c 100 -i 0.1 -w 0.5 \
	--log "$tmp/ev.jsonl" "$t" >"$tmp/l.json" &
hpid=$!
sleep 3
in_ns r4 ip link set v5a down
sleep 2.5
in_ns r4 ip link set v5a up
# link down flushed the routes through v5a: put them back
in_ns r4 ip route replace 10.201.6.0/24 via 10.201.5.2
in_ns r4 ip route replace 10.201.7.0/24 via 10.201.5.2
wait "$hpid"
rc=$?
hpid=""
check "link run: exit 0" [ $rc = 0 ]
check "loss_start then loss_end at TTL 7, JSON == --log" python3 - "$tmp/l.json" "$tmp/ev.jsonl" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
log = [json.loads(l) for l in open(sys.argv[2])]
ev = [(e["kind"], e["ttl"]) for e in d["events"]]
print("  events", d["events"], file=sys.stderr)
ok = ev == [("loss_start", 7), ("loss_end", 7)] and d["events"] == log
# about 2.5 s apart (the link was down that long; 0.5 s either way)
if ok:
    from datetime import datetime
    f = "%Y-%m-%dT%H:%M:%S.%fZ"
    a, b = (datetime.strptime(e["time"], f) for e in d["events"])
    gap = (b - a).total_seconds()
    print("  down for", gap, "s", file=sys.stderr)
    ok = 1.5 < gap < 3.5
sys.exit(0 if ok else 1)
PY
echo "test_verdict_lab: $fails failed"
[ $fails = 0 ]
