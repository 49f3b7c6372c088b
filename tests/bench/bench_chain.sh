#!/usr/bin/env bash
# Benchmark (issue 2) on a 10-hop namespace chain, hoptop and mtr in the same run:
#  1. time from start until every hop has a reply (report mode, one cycle);
#  2. CPU time per probe at about 1000 probes/s;
#  3. peak RSS.
# Needs root. Usage: bench_chain.sh [HOPTOP_BINARY]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
hoptop=${1:-${HOPTOP:-$src/build/hoptop}}
lab=$src/tests/integration/lab.sh
[ "$(id -u)" = 0 ] || { echo "bench_chain: needs root"; exit 77; }
hops=10
pfx=hbc$$
trap 'bash "$lab" down $pfx >/dev/null 2>&1 || true' EXIT
bash "$lab" up $pfx $hops >/dev/null
target=$(bash "$lab" target $pfx $hops 4)
inns() { ip netns exec $pfx-src "$@"; }
measure() { inns python3 "$here/measure.py" -- "$@"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$2"; }
have_mtr=0
command -v mtr >/dev/null && have_mtr=1

# 1. Full path: wall time of a one-cycle report (it ends when every hop answered).
best_h=999; best_m=999
for i in 1 2 3 4 5; do
	r=$(measure "$hoptop" -r -c 1 -n "$target")
	w=$(field wall_s "$r")
	best_h=$(python3 -c "print(min($best_h, $w))")
	if [ $have_mtr = 1 ]; then
		r=$(measure mtr -r -c 1 -n "$target")
		w=$(field wall_s "$r")
		best_m=$(python3 -c "print(min($best_m, $w))")
	fi
done

# 2 and 3. About 1000 probes/s: 10 hops every 10 ms for 10 s.
cycles=1000
r=$(measure "$hoptop" -r -c $cycles -i 0.01 -n "$target")
cpu_h=$(field cpu_s "$r"); rss_h=$(field maxrss_kib "$r"); wall_h=$(field wall_s "$r")
if [ $have_mtr = 1 ]; then
	r=$(measure mtr -r -c $cycles -i 0.01 -n "$target")
	cpu_m=$(field cpu_s "$r"); rss_m=$(field maxrss_kib "$r"); wall_m=$(field wall_s "$r")
fi
probes=$((cycles * hops))
python3 - "$best_h" "$best_m" "$cpu_h" "$rss_h" "$wall_h" "${cpu_m:-0}" "${rss_m:-0}" "${wall_m:-0}" "$probes" "$have_mtr" <<'PY'
import sys
bh, bm, ch, rh, wh, cm, rm, wm, n, have = sys.argv[1:]
bh, bm, ch, wh, cm, wm = map(float, (bh, bm, ch, wh, cm, wm))
rh, rm, n, have = int(rh), int(rm), int(n), int(have)
print("bench_chain: 10-hop namespace chain (best of 5 for the full-path time)")
print(f"  full path, one cycle : hoptop {bh*1000:8.1f} ms" + (f"   mtr {bm*1000:8.1f} ms   ratio {bm/bh:6.1f}x" if have else ""))
print(f"  CPU per probe @~1k/s : hoptop {ch/n*1e6:8.2f} us" + (f"   mtr {cm/n*1e6:8.2f} us   ratio {cm/max(ch,1e-9):6.1f}x" if have else "") + f"   ({n} probes; hoptop {wh:.1f} s" + (f", mtr {wm:.1f} s)" if have else ")"))
print(f"  peak RSS             : hoptop {rh/1024:8.2f} MB" + (f"   mtr {rm/1024:8.2f} MB" if have else ""))
ok = bh < 0.050 and ch / n * 1e6 <= 10 and rh <= 4096
print("  targets (<50 ms, <=10 us/probe, <=4 MB):", "met" if ok else "NOT met")
PY
