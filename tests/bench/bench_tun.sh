#!/usr/bin/env bash
# Accuracy benchmark through the TUN front (tunlab.sh + tunsim) on chain16:
# 16 hops, 10 ms per hop, destination RTT 160 ms. hoptop and mtr are
# measured in the same run (mtr only when it is installed).
#  (a) time from start until every hop has a reply, best of 5:
#      hoptop: wall time of `hoptop -r -c 1 -n` (it ends when every hop
#      answered; process start and report included);
#      mtr: the moment its raw stream (`mtr -l -c 1 -n`) has printed a reply
#      for every hop (mtr is stopped then), and beside it the wall time of
#      `mtr -r -c 1 -n`, which also waits out mtr's grace time (-G, 5 s).
#      Target: at most 1.3 x destination RTT + 20 ms.
#  (b) mean over the hops of |tool's Avg - tunsim's measured hold| (probe
#      leaving the kernel -> reply written) after 20 cycles at 0.2 s. Each
#      tool gets its own lab instance (tunsim's log counts every probe it
#      answered). hoptop's Avg from --json (ns resolution); mtr's per-hop
#      mean from its raw output (-l: one line per reply, in us).
#      Target: at most 0.02 ms.
# Needs root and /dev/net/tun. About 1.5 minutes.
# Usage: bench_tun.sh [HOPTOP_BINARY]   (tunsim: $TUNSIM, else next to it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
hoptop=${1:-${HOPTOP:-$src/build/hoptop}}
hoptop=$(cd "$(dirname "$hoptop")" && pwd)/$(basename "$hoptop")
tunlab=$src/tests/integration/tunlab.sh
scen=$src/tests/data/scenarios/chain16.json
[ "$(id -u)" = 0 ] || { echo "bench_tun: needs root"; exit 77; }
[ -c /dev/net/tun ] || { echo "bench_tun: no /dev/net/tun"; exit 77; }
TUNSIM=${TUNSIM:-$(dirname "$hoptop")/tests/integration/tunsim}
export TUNSIM
if [ ! -x "$hoptop" ] || [ ! -x "$TUNSIM" ]; then
	echo "bench_tun: need $hoptop and $TUNSIM (build first)"
	exit 1
fi
tmp=$(mktemp -d /tmp/bench_tun.XXXXXX)
active=""
cleanup() {
	[ -n "$active" ] && bash "$tunlab" down "$active" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
cc -O2 -o "$tmp/rusage" "$here/rusage.c"
target=$(bash "$tunlab" info "$scen" | awk '$1 == "target4" { print $2 }')
hops=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["hops"]))' "$scen")
have_mtr=0
command -v mtr >/dev/null && have_mtr=1

# stream.py N TIMEOUT CMD...: ms from spawning CMD (mtr -l) until its raw
# output has a reply ("p HOP US SEQ") for every hop 0..N-1; then stops it.
cat >"$tmp/stream.py" <<'PY'
import os, select, signal, subprocess, sys, time
n, limit, cmd = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
seen, buf, done = set(), b"", None
while done is None and time.monotonic() - t0 < limit:
    r, _, _ = select.select([p.stdout], [], [], 0.05)
    if not r:
        continue
    chunk = os.read(p.stdout.fileno(), 65536)
    if not chunk:
        break
    buf += chunk
    *lines, buf = buf.split(b"\n")
    for f in (l.split() for l in lines):
        if len(f) == 4 and f[0] == b"p" and int(f[1]) < n:
            seen.add(int(f[1]))
    if len(seen) == n:
        done = (time.monotonic() - t0) * 1000
p.send_signal(signal.SIGTERM)
p.wait()
print("nan" if done is None else f"{done:.3f}")
PY

lab_up() { bash "$tunlab" up "$1" "$scen" "$2" && active=$1; }
lab_down() { bash "$tunlab" down "$1"; active=""; }
wall_ms() {
	ip netns exec "$ns" "$tmp/rusage" "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["wall_s"] * 1000 if r["status"] == 0 else "nan")'
}

# (a) one lab instance for all the timing runs.
ns=bt$$a
lab_up $ns "$tmp/a.log"
for _ in 1 2 3 4 5; do
	wall_ms "$hoptop" -r -c 1 -n "$target" >>"$tmp/a.hoptop"
	if [ $have_mtr = 1 ]; then
		ip netns exec $ns python3 "$tmp/stream.py" "$hops" 20 \
		    mtr -l -c 1 -n "$target" >>"$tmp/a.mtr"
		wall_ms timeout 30 mtr -r -c 1 -n "$target" >>"$tmp/a.mtrr"
	fi
done
lab_down $ns

# (b) a fresh lab instance (and tunsim log) per tool.
ns=bt$$h
lab_up $ns "$tmp/h.log"
ip netns exec $ns timeout 60 "$hoptop" -r -c 20 -i 0.2 -n --json "$target" \
    >"$tmp/h.json"
lab_down $ns
if [ $have_mtr = 1 ]; then
	ns=bt$$m
	lab_up $ns "$tmp/m.log"
	ip netns exec $ns timeout 60 mtr -l -c 20 -i 0.2 -n "$target" \
	    >"$tmp/m.raw"
	lab_down $ns
fi

python3 - "$tmp" "$scen" $have_mtr "$hops" <<'PY'
import json, math, sys
tmp, scen, have_mtr, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dest_ms = sum(h.get("delay_ms", 0) for h in json.load(open(scen))["hops"])
goal_a = 1.3 * dest_ms + 20

def best(name):
    try:
        v = [float(x) for x in open(f"{tmp}/{name}").read().split()]
    except FileNotFoundError:
        return math.nan, []
    ok = [x for x in v if not math.isnan(x)]
    return (min(ok) if ok else math.nan), v

def holds(log):
    ttls = {t["ttl"]: t for t in json.load(open(log))["ttls"]}
    return {k: ttls[k]["measured_mean_ms"] for k in range(1, n + 1)
            if k in ttls and ttls[k]["measured_n"] > 0}

def errors(avg, hold):
    d = [avg[k] - hold[k] for k in range(1, n + 1) if k in avg and k in hold]
    if not d:
        return None
    return (sum(abs(x) for x in d) / len(d), sum(d) / len(d),
            max(abs(x) for x in d), len(d))

h_a, h_all = best("a.hoptop")
print(f"bench_tun: {n}-hop TUN scenario, destination RTT {dest_ms:.1f} ms,"
      " hoptop and mtr in the same run")
line = f"  (a) every hop answered, best of 5: hoptop {h_a:8.1f} ms"
if have_mtr:
    m_a, m_all = best("a.mtr")
    line += f"   mtr {m_a:8.1f} ms (raw stream)   mtr/hoptop {m_a / h_a:.1f}x"
print(line)
print("      hoptop runs (ms): " + " ".join(f"{x:.1f}" for x in h_all))
if have_mtr:
    print("      mtr runs (ms):    " + " ".join(f"{x:.1f}" for x in m_all))
    r_a, _ = best("a.mtrr")
    print(f"      mtr -r -c 1 wall (incl. its 5 s grace time): {r_a:.1f} ms")
print(f"      target <= 1.3 x {dest_ms:.0f} + 20 = {goal_a:.1f} ms:",
      "met" if h_a <= goal_a else f"NOT met (+{h_a - goal_a:.1f} ms)")

rep = json.load(open(f"{tmp}/h.json"))
h_avg = {h["ttl"]: h["avg_ms"] for h in rep["hops"] if h["received"] > 0}
eh = errors(h_avg, holds(f"{tmp}/h.log"))
em = None
if have_mtr:
    per = {}
    for f in (l.split() for l in open(f"{tmp}/m.raw")):
        if len(f) == 4 and f[0] == "p" and int(f[1]) < n:
            per.setdefault(int(f[1]) + 1, []).append(int(f[2]) / 1000)
    em = errors({k: sum(v) / len(v) for k, v in per.items()},
                holds(f"{tmp}/m.log"))
def fmt(tool, e):
    if e is None:
        return f"{tool}: no data"
    return (f"{tool} {e[0]:.4f} ms (signed mean {e[1] * 1000:+.1f} us,"
            f" max {e[2] * 1000:.1f} us, {e[3]} hops)")
print("  (b) mean |Avg - tunsim measured hold|, 20 cycles at 0.2 s:")
print("      " + fmt("hoptop", eh))
if have_mtr:
    print("      " + fmt("mtr   ", em) +
          (f"   mtr/hoptop {em[0] / eh[0]:.0f}x" if em and eh and eh[0] else ""))
print("      target <= 0.0200 ms:", "met" if eh and eh[0] <= 0.02 else
      ("NOT met" + (f" (+{(eh[0] - 0.02) * 1000:.1f} us)" if eh else "")))
PY
