#!/usr/bin/env bash
# Live-monitor benchmark, hoptop and mtr (curses) in the same run, each in a
# tmux session of 120x50 (TERM=xterm-256color) on a private tmux server:
#  1. time from the new-session command until the screen shows every hop row
#     (1..N, with the expected address) with a numeric Last and Avg; best
#     of 3. The screen is polled with capture-pane about every 2 ms through
#     one tmux control-mode client (no process per poll). Paths:
#     - the 16-hop, 10 ms-per-hop simulated path through the TUN front
#       (tunlab.sh chain16; target: at most 1.3 x destination RTT + 30 ms);
#     - a 10-hop namespace chain (lab.sh; target: under 100 ms).
#     Also shown: when the first screen was drawn, and a baseline (tmux +
#     sh + ip netns exec running `echo`) that every start pays.
#  2. idle CPU on a 30-hop namespace chain at the default one cycle per
#     second: (utime + stime) of the program and its children over 60 s,
#     after a 5 s warm-up, both tools running side by side. Target: under
#     0.5% of a core. (In a namespace lab the routers' forwarding runs as
#     softirq work charged to the sender, for both tools alike.)
# Needs root, tmux, /dev/net/tun. About 2.5 minutes.
# Usage: bench_ui.sh [HOPTOP_BINARY]   (tunsim: $TUNSIM, else next to it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
hoptop=${1:-${HOPTOP:-$src/build/hoptop}}
hoptop=$(cd "$(dirname "$hoptop")" && pwd)/$(basename "$hoptop")
tunlab=$src/tests/integration/tunlab.sh
lab=$src/tests/integration/lab.sh
scen=$src/tests/data/scenarios/chain16.json
[ "$(id -u)" = 0 ] || { echo "bench_ui: needs root"; exit 77; }
command -v tmux >/dev/null || { echo "bench_ui: no tmux"; exit 77; }
[ -c /dev/net/tun ] || { echo "bench_ui: no /dev/net/tun"; exit 77; }
TUNSIM=${TUNSIM:-$(dirname "$hoptop")/tests/integration/tunsim}
export TUNSIM
if [ ! -x "$hoptop" ] || [ ! -x "$TUNSIM" ]; then
	echo "bench_ui: need $hoptop and $TUNSIM (build first)"
	exit 1
fi
have_mtr=0
command -v mtr >/dev/null && have_mtr=1
tmp=$(mktemp -d /tmp/bench_ui.XXXXXX)
sock=$tmp/tmux.sock
tns=bu$$t
cpfx=bu$$c
ipfx=bu$$i
export LANG=C.UTF-8
unset LC_ALL TMUX NO_COLOR
cleanup() {
	tmux -S "$sock" kill-server >/dev/null 2>&1 || true
	bash "$tunlab" down "$tns" >/dev/null 2>&1 || true
	bash "$lab" down "$cpfx" >/dev/null 2>&1 || true
	bash "$lab" down "$ipfx" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ui.py: the tmux driver. Subcommands (one JSON result line each):
#   reach NAME NS TARGET REPS ADDR...  time to first draw / all hops, per tool
#   base NS                            baseline: time until `echo` shows
#   idle NS TARGET SECONDS NHOPS       CPU% of each tool over SECONDS
cat >"$tmp/ui.py" <<'PY'
import json, os, re, subprocess, sys, time

SOCK, HOPTOP, HAVE_MTR = os.environ["SOCK"], os.environ["HOPTOP"], os.environ["HAVE_MTR"] == "1"
ROW = re.compile(r"^\s*(\d+)\.\s+(?:\|--\s+)?(\S+)\s+\d+(?:\.\d+)?%\s+\d+\s+"
                 r"(\d+\.\d+)\s+(\d+\.\d+)")
ctl = subprocess.Popen(["tmux", "-S", SOCK, "-C", "attach", "-t", "base"],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       text=True, bufsize=1)
seq = [0]

def tmux(cmd):
    """One command through the control client: (ok, output lines)."""
    ctl.stdin.write(cmd + "\n")
    ctl.stdin.flush()
    out, inside = [], False
    while True:
        line = ctl.stdout.readline()
        if not line:
            sys.exit("bench_ui: tmux control client ended")
        line = line.rstrip("\n")
        if line.startswith("%begin"):
            # flag 1: the reply to a command of ours (0: the attach itself)
            inside, out = line.split()[-1] == "1", []
        elif inside and line.startswith(("%end", "%error")):
            return line.startswith("%end"), out
        elif inside:
            out.append(line)

def start(ns, argv):
    seq[0] += 1
    name = f"s{seq[0]}"
    cmd = ("exec env TERM=xterm-256color LANG=C.UTF-8 ip netns exec "
           + ns + " " + " ".join(argv))
    t0 = time.monotonic()
    ok, out = tmux(f"new-session -d -s {name} -x 120 -y 50 '{cmd}'")
    if not ok:
        sys.exit(f"bench_ui: new-session failed: {out}")
    _, pid = tmux(f"display-message -p -t ={name}: '#{{pane_pid}}'")
    return name, int(pid[0]), t0

def stop(name, pid):
    tmux(f"kill-session -t ={name}")
    for _ in range(500):
        if not os.path.exists(f"/proc/{pid}"):
            return
        time.sleep(0.01)
    os.kill(pid, 9)

def screen(name):
    return tmux(f"capture-pane -p -t ={name}:")[1]

def valued(lines, addrs):
    """Hop numbers whose row shows the expected address with Last and Avg."""
    got = set()
    for l in lines:
        m = ROW.match(l)
        if m and 1 <= int(m[1]) <= len(addrs) and m[2] == addrs[int(m[1]) - 1]:
            got.add(int(m[1]))
    return got

def reach_once(ns, argv, addrs, limit=10.0):
    name, pid, t0 = start(ns, argv)
    first = hop1 = full = None
    lines = []
    while time.monotonic() - t0 < limit:
        lines = screen(name)
        t = (time.monotonic() - t0) * 1000
        if first is None and any(l.strip() for l in lines):
            first = t
        got = valued(lines, addrs)
        if hop1 is None and got:
            hop1 = t
        if len(got) == len(addrs):
            full = t
            break
        time.sleep(0.002)
    stop(name, pid)
    if full is None:
        sys.stderr.write(f"bench_ui: {argv[0]} timed out; screen:\n"
                         + "\n".join(lines[:25]) + "\n")
    return {"first": first, "hop1": hop1, "full": full}

def tools(target):
    t = {"hoptop": [HOPTOP, "-n", target]}
    if HAVE_MTR:
        t["mtr"] = ["mtr", "-t", "-n", target]
    return t

def reach(ns, target, reps, addrs):
    res = {}
    for _ in range(reps):
        for tool, argv in tools(target).items():
            res.setdefault(tool, []).append(reach_once(ns, argv, addrs))
    return res

def base(ns):
    best = None
    for _ in range(3):
        name, pid, t0 = start(ns, ["sh", "-c", "\"echo ready; exec sleep 10\""])
        while time.monotonic() - t0 < 5:
            if any(l.strip() == "ready" for l in screen(name)):
                t = (time.monotonic() - t0) * 1000
                best = t if best is None else min(best, t)
                break
            time.sleep(0.002)
        stop(name, pid)
    return best

def tree_ticks(root):
    """utime+stime(+reaped children) of root and its live descendants."""
    procs = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            procs[int(p)] = (int(f[1]), sum(int(x) for x in f[11:15]))
    ticks, todo = 0, [root]
    while todo:
        p = todo.pop()
        ticks += procs.get(p, (0, 0))[1]
        todo += [c for c, v in procs.items() if v[0] == p]
    return ticks

def idle(ns, target, secs, nhops):
    run = {tool: start(ns, argv) for tool, argv in tools(target).items()}
    time.sleep(5)
    t0 = time.monotonic()
    before = {tool: tree_ticks(r[1]) for tool, r in run.items()}
    time.sleep(secs)
    dt = time.monotonic() - t0
    hz = os.sysconf("SC_CLK_TCK")
    res = {}
    for tool, (name, pid, _) in run.items():
        rows = sum(1 for l in screen(name) if ROW.match(l))
        res[tool] = {"cpu_pct": (tree_ticks(pid) - before[tool]) / hz / dt * 100,
                     "rows": rows}
        stop(name, pid)
    return res

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "reach":
    out = reach(a[1], a[2], int(a[3]), a[4:])
elif cmd == "base":
    out = base(a[0])
else:
    out = idle(a[0], a[1], float(a[2]), int(a[3]))
print(json.dumps(out))
PY
ui() { SOCK=$sock HOPTOP=$hoptop HAVE_MTR=$have_mtr python3 "$tmp/ui.py" "$@"; }

tmux -S "$sock" -f /dev/null new-session -d -s base -x 80 -y 24 "sleep 900"
tmux -S "$sock" set-option -wg remain-on-exit on

# 1a. The simulated 16-hop path through the TUN front.
bash "$tunlab" up "$tns" "$scen" "$tmp/tun.log"
target=$(bash "$tunlab" info "$scen" | awk '$1 == "target4" { print $2 }')
mapfile -t addrs < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
a = [[x for x in h["addrs"] if ":" not in x][0] for h in s["hops"][:-1]]
print("\n".join(a + [s["target"]["v4"]]))' "$scen")
ui base "$tns" >"$tmp/base"
ui reach tun "$tns" "$target" 3 "${addrs[@]}" >"$tmp/tun"
bash "$tunlab" down "$tns"

# 1b. The 10-hop namespace chain.
bash "$lab" up "$cpfx" 10 >/dev/null
mapfile -t addrs < <(bash "$lab" addrs "$cpfx" 10 4)
ui reach chain "$cpfx-src" "$(bash "$lab" target "$cpfx" 10 4)" 3 \
    "${addrs[@]}" >"$tmp/chain"
bash "$lab" down "$cpfx"

# 2. Idle CPU on a 30-hop chain.
bash "$lab" up "$ipfx" 30 >/dev/null
ui idle "$ipfx-src" "$(bash "$lab" target "$ipfx" 30 4)" 60 30 >"$tmp/idle"
bash "$lab" down "$ipfx"

python3 - "$tmp" "$scen" $have_mtr <<'PY'
import json, math, sys
tmp, scen, have_mtr = sys.argv[1], sys.argv[2], int(sys.argv[3])
dest_ms = sum(h.get("delay_ms", 0) for h in json.load(open(scen))["hops"])
base = json.load(open(f"{tmp}/base"))

def best(runs, key):
    v = [r[key] for r in runs if r[key] is not None]
    return min(v) if v else math.nan

def show(title, res, goal, goal_txt):
    print(f"  {title}")
    for tool, runs in res.items():
        full = [r["full"] for r in runs]
        print(f"    {tool:6}: all hops {best(runs, 'full'):7.1f} ms"
              f"  (first draw {best(runs, 'first'):6.1f}, first hop"
              f" {best(runs, 'hop1'):6.1f}; runs: "
              + " ".join("timeout" if x is None else f"{x:.1f}" for x in full)
              + ")")
    h = best(res["hoptop"], "full")
    line = f"    target {goal_txt}: " + ("met" if h <= goal else
                                        f"NOT met (+{h - goal:.1f} ms)")
    if "mtr" in res:
        line += f"; mtr/hoptop {best(res['mtr'], 'full') / h:.1f}x"
    print(line)

print("bench_ui: time until the tmux screen shows every hop with a value"
      " (120x50, best of 3), hoptop and mtr in the same run")
print(f"  baseline (tmux + sh + ip netns exec + echo shown): {base:.1f} ms")
show(f"16-hop TUN path, 10 ms/hop (destination RTT {dest_ms:.0f} ms):",
     json.load(open(f"{tmp}/tun")), 1.3 * dest_ms + 30,
     f"<= 1.3 x {dest_ms:.0f} + 30 = {1.3 * dest_ms + 30:.0f} ms")
show("10-hop namespace chain:", json.load(open(f"{tmp}/chain")), 100,
     "< 100 ms")
idle = json.load(open(f"{tmp}/idle"))
print("  idle CPU, 30-hop chain, 1 cycle/s, 60 s after 5 s warm-up:")
print("    " + "   ".join(f"{t} {r['cpu_pct']:.3f}% of a core ({r['rows']} rows"
                          " shown)" for t, r in idle.items()))
h = idle["hoptop"]["cpu_pct"]
print("    target < 0.5%:", "met" if h < 0.5 else f"NOT met (+{h - 0.5:.3f}%)")
PY
