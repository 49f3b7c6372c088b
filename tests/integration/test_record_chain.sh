#!/usr/bin/env bash
# --record on a chain of 6 real Linux routers in network namespaces (raw
# sockets, kernel send and receive stamps, IPv4 and IPv6, ICMP, UDP and
# TCP), then --replay into a report: the two JSON reports must agree on
# every field but "ended" (the live report stamps when it was written,
# after the names grace; the replay the recorded time of its last record).
# Then a recording cut at random points, and one of a run killed with
# SIGKILL (it must replay, to within the last cycles). Needs root (exit
# 77 otherwise).
set -euo pipefail
[ "$(id -u)" = 0 ] || {
	echo "test_record_chain: needs root: skipped"
	exit 77
}
command -v python3 >/dev/null || {
	echo "test_record_chain: python3 missing: skipped"
	exit 77
}
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
pfx=trc$$
tmp=$(mktemp -d)
bg=
cleanup() {
	[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
	bash "$lab" down $pfx >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else
		echo "FAIL $name"
		fails=$((fails + 1))
	fi
}
same() { # same LIVE.json REPLAY.json: every field but "ended"
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("ended", None)
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("  differs:", k, str(a.get(k))[:200], "|", str(b.get(k))[:200],
                  file=sys.stderr)
    sys.exit(1)
assert len(a["hops"]) == 6 and a["cycles_done"] > 0
PY
}
run() { ip netns exec $pfx-src timeout 60 "$hoptop" "$@"; }

bash "$lab" up $pfx 6 >/dev/null
# some jitter on hop 3's link, so the RTTs differ (best effort)
ip netns exec $pfx-r3 tc qdisc add dev "$(ip netns exec $pfx-r3 ip -o link |
	awk -F': ' '$2 !~ /^lo/ { print $2; exit }' | cut -d@ -f1)" root netem \
	delay 2ms 1ms 2>/dev/null || echo "note: no netem jitter"

for fam in 4 6; do
	t=$(bash "$lab" target $pfx 6 $fam)
	for proto in "-I" "-u" "-T -q 2"; do
		name="ipv$fam ${proto// /}"
		# shellcheck disable=SC2086
		run -r -c 5 -i 0.2 -n --json $proto --record "$tmp/rec.gz" "$t" >"$tmp/live.json"
		run --replay "$tmp/rec.gz" --json >"$tmp/rep.json" 2>"$tmp/rep.err"
		check "$name: replayed JSON equals the live report" same "$tmp/live.json" "$tmp/rep.json"
		check "$name: the replay says nothing on stderr" test ! -s "$tmp/rep.err"
	done
done

# kernel send stamps were recorded (raw sockets give them)
t=$(bash "$lab" target $pfx 6 4)
run -r -c 3 -i 0.2 -n --record "$tmp/stamps.gz" "$t" >/dev/null
check "kernel send stamps recorded" test "$(zcat "$tmp/stamps.gz" | grep -c '"r":3')" -gt 0

# cut-off recordings: status 0 (fewer cycles) or one clear line
run -r -c 10 -i 0.1 -n --json --record "$tmp/cut.gz" "$t" >"$tmp/full.json"
size=$(stat -c %s "$tmp/cut.gz")
RANDOM=6
bad=0
for k in 1 2 3 4 5 6 7 8; do
	head -c $((RANDOM % size + 1)) "$tmp/cut.gz" >"$tmp/c.gz"
	rc=0
	"$hoptop" --replay "$tmp/c.gz" --json >"$tmp/c.json" 2>"$tmp/c.err" || rc=$?
	if [ $rc = 0 ]; then
		python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["cycles_done"] <= 10' "$tmp/c.json" || bad=$((bad + 1))
	elif [ $rc != 1 ] || [ -s "$tmp/c.json" ] || [ "$(wc -l <"$tmp/c.err")" != 1 ]; then
		bad=$((bad + 1))
	fi
done
check "8 cut recordings: no crash, status 0 or one line" test $bad = 0

# a run killed with SIGKILL after about 2 s at 10 cycles a second
ip netns exec $pfx-src "$hoptop" -r -c 1000 -i 0.1 -n --record "$tmp/kill.gz" "$t" >/dev/null 2>&1 &
bg=$!
sleep 2
kill -9 "$bg"
wait "$bg" 2>/dev/null || true
bg=
krc=0
"$hoptop" --replay "$tmp/kill.gz" --json >"$tmp/kill.json" 2>"$tmp/kill.err" || krc=$?
check "the replay of a killed run exits 0" test $krc = 0
check "a killed run replays (at least 10 of its ~20 cycles)" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["cycles_done"] >= 10' "$tmp/kill.json"
check "the replay of a killed run says it was cut off" grep -q 'cut off\|without its end' "$tmp/kill.err"

echo "test_record_chain: $fails failed"
[ $fails = 0 ]
