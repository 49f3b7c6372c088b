#!/usr/bin/env bash
# Benchmark (issue 15): many targets in one process. A chain of 10 real
# routers in network namespaces with 10.202.0.0/16 local behind the last
# one (tests/integration/fleetlab.sh), so every 10.202.A.B is 10 hops away.
#  1. first cycle: 1,000 targets, one cycle (-c 1, JSON): how many paths
#     are complete (destination at TTL 10, every hop answered once);
#  2. load: 1,000 targets at 1 cycle/s for CYCLES cycles: CPU as a share of
#     one core, counting what the kernel charged hoptop (user + sys, which
#     holds the routers' forwarding and ICMP work run as softirq inside its
#     sendmsg) plus what the ksoftirqd threads spent meanwhile (softirq work
#     the kernel deferred); peak RSS;
#  3. mtr beside it: 50 concurrent `mtr -r -n -c CYCLES` to 50 of the same
#     targets, measured the same way; CPU per target for both.
# Not a timed test. Needs root. Usage: bench_targets.sh [HOPTOP] [CYCLES]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
hoptop=${1:-${HOPTOP:-$src/build/hoptop}}
cycles=${2:-30}
lab=$src/tests/integration/fleetlab.sh
[ "$(id -u)" = 0 ] || { echo "bench_targets: needs root"; exit 77; }
hops=10
ntargets=1000
nmtr=50
pfx=hbt$$
tmp=$(mktemp -d)
trap 'bash "$lab" down $pfx >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/rusage" "$here/rusage.c"
bash "$lab" up $pfx $hops >/dev/null
inns() { ip netns exec $pfx-src "$@"; }
python3 -c "
for i in range($ntargets): print('10.202.%d.%d' % (i // 200, i % 200 + 1))" >"$tmp/targets"
head -$nmtr "$tmp/targets" >"$tmp/mtr_targets"

# CPU seconds the ksoftirqd threads have used so far.
ksoftirqd_s() {
	local t=0 pid
	for pid in $(pgrep -x 'ksoftirqd/[0-9]*' || true); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
	done
	python3 -c "print($t / $(getconf CLK_TCK))"
}

# measure NAME CMD...: rusage of CMD plus the ksoftirqd time meanwhile.
measure() {
	local name=$1 k0 k1
	shift
	k0=$(ksoftirqd_s)
	inns "$tmp/rusage" "$@" >"$tmp/$name.ru"
	k1=$(ksoftirqd_s)
	python3 -c "print($k1 - $k0)" >"$tmp/$name.ksoft"
}

# 1. the first cycle
inns "$hoptop" -n -j -c 1 -F "$tmp/targets" >"$tmp/first.json"
# 2. the load
measure hoptop "$hoptop" -n -r -c "$cycles" -F "$tmp/targets"
# 3. mtr, 50 at once
have_mtr=0
if command -v mtr >/dev/null; then
	have_mtr=1
	# shellcheck disable=SC2016 # expanded by that sh
	measure mtr sh -c 'while read -r t; do mtr -r -n -c "$1" "$t" >/dev/null & done <"$2"; wait' \
		sh "$cycles" "$tmp/mtr_targets"
fi

python3 - "$tmp" "$hops" "$ntargets" "$nmtr" "$have_mtr" "$cycles" <<'PY'
import json, sys
tmp, hops, n, nm, have_mtr, cycles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
d = json.load(open(f"{tmp}/first.json"))
complete = sum(1 for t in d["targets"]
               if t["destination_ttl"] == hops and len(t["hops"]) == hops
               and all(h["received"] == 1 for h in t["hops"])
               and t["hops"][-1]["ip"] == t["target"]["ip"])
def load(name):
    ru = json.load(open(f"{tmp}/{name}.ru"))
    ks = float(open(f"{tmp}/{name}.ksoft").read())
    return ru, ks, (ru["cpu_s"] + ks) / ru["wall_s"] * 100
h, hks, hpct = load("hoptop")
print(f"bench_targets: {n} targets, {hops} hops each (namespace chain), 1 cycle/s, {cycles} cycles")
print(f"  first cycle complete    : {complete} of {len(d['targets'])} paths")
print(f"  CPU, hoptop + ksoftirqd : {hpct:6.1f}% of a core  (hoptop {h['cpu_s']:.2f} s"
      f" = user {h['user_s']:.2f} + sys {h['sys_s']:.2f}, ksoftirqd {hks:.2f} s, wall {h['wall_s']:.1f} s)")
print(f"  peak RSS                : {h['maxrss_kib'] / 1024:6.1f} MB")
hper = (h["cpu_s"] + hks) / h["wall_s"] * 100 / n
print(f"  per target              : {hper * 1000:6.2f} milli-% of a core, {h['maxrss_kib'] / n:.1f} KiB")
if have_mtr:
    m, mks, mpct = load("mtr")
    mper = mpct / nm
    print(f"  {nm} mtr processes        : {mpct:6.1f}% of a core  (mtr {m['cpu_s']:.2f} s, ksoftirqd {mks:.2f} s,"
          f" wall {m['wall_s']:.1f} s)")
    print(f"  mtr per target          : {mper * 1000:6.2f} milli-% of a core  (mtr/hoptop {mper / hper:.1f}x)")
    print(f"  1,000 targets with mtr  : ~{mper * n:.0f}% of a core (extrapolated)")
print("  targets: every path complete in the first cycle:", "met" if complete == n else "NOT met",
      "| CPU <= 25%:", "met" if hpct <= 25 else "NOT met",
      "| RSS <= 64 MB:", "met" if h["maxrss_kib"] <= 64 * 1024 else "NOT met")
PY
