#!/usr/bin/env bash
# Benchmark (issue 6): sustained probe rate on a 10-hop namespace chain with
# 0.0% loss reported, and CPU per probe for each probing method; mtr beside it.
# hoptop: 10 probes per hop every 5 ms (20,000 probes/s) for 2 s, per method.
# CPU is user+sys charged to the process, which in a namespace lab includes
# the routers' forwarding (softirq) done inside our sendmsg().
# Needs root. Usage: bench_rate.sh [HOPTOP_BINARY]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
hoptop=${1:-${HOPTOP:-$src/build/hoptop}}
lab=$src/tests/integration/lab.sh
[ "$(id -u)" = 0 ] || { echo "bench_rate: needs root"; exit 77; }
hops=10
pfx=hbr$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'bash "$lab" down $pfx >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/rusage" "$here/rusage.c"
bash "$lab" up $pfx $hops >/dev/null
target=$(bash "$lab" target $pfx $hops 4)
cycles=400

run() { # NAME ARGS...: one hoptop run, JSON to $tmp/NAME.json
	local name=$1
	shift
	ip netns exec $pfx-src "$tmp/rusage" "$hoptop" "$@" -r -q 10 \
		-i 0.005 -c $cycles -n --json -o "$tmp" "$target" >"$tmp/$name.ru"
	# rusage sends the command's stdout to /dev/null: run once more for JSON
	ip netns exec $pfx-src "$hoptop" "$@" -r -q 10 -i 0.005 \
		-c $cycles -n --json "$target" >"$tmp/$name.json"
}
run icmp-raw -I
run udp-raw -u
run tcp-raw -T
# The unprivileged methods, forced with --unprivileged (intervals below 0.1 s
# need root, as in mtr, so these runs are root using the same sockets).
run icmp-ping --unprivileged -I
run udp-recverr --unprivileged -u

mtr_line=""
if command -v mtr >/dev/null; then
	# mtr at its fastest interval (root: 0.001 s is refused below 1 ms).
	ip netns exec $pfx-src "$tmp/rusage" mtr -r -n -i 0.001 -c 300 "$target" >"$tmp/mtr.ru"
	ip netns exec $pfx-src mtr -r -n -i 0.001 -c 300 "$target" >"$tmp/mtr.txt" || true
	mtr_line=yes
fi

python3 - "$tmp" $hops $cycles "$mtr_line" <<'PY'
import json, re, sys
tmp, hops, cycles, have_mtr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print("bench_rate: 10-hop namespace chain, 10 probes/hop every 5 ms (target 20,000 probes/s, 0.0% loss)")
print(f"  {'method':<22}{'probes':>8}{'wall s':>8}{'probes/s':>10}{'max loss':>10}{'CPU us/probe':>14}")
for name in ("icmp-raw", "udp-raw", "tcp-raw", "icmp-ping", "udp-recverr"):
    ru = json.load(open(f"{tmp}/{name}.ru"))
    d = json.load(open(f"{tmp}/{name}.json"))
    sent = sum(h["sent"] for h in d["hops"])
    loss = max(h["loss_pct"] for h in d["hops"])
    label = name
    print(f"  {label:<22}{sent:>8}{ru['wall_s']:>8.2f}{sent/ru['wall_s']:>10.0f}{loss:>9.1f}%{ru['cpu_s']/sent*1e6:>14.2f}")
if have_mtr:
    ru = json.load(open(f"{tmp}/mtr.ru"))
    rows = [l for l in open(f"{tmp}/mtr.txt") if re.match(r"\s*\d+\.\|--", l)]
    sent = sum(int(l.split()[3]) for l in rows)
    loss = max(float(l.split()[2].rstrip("%")) for l in rows) if rows else 100.0
    print(f"  {'mtr (raw ICMP, -i 0.001)':<22}{sent:>8}{ru['wall_s']:>8.2f}{sent/ru['wall_s']:>10.0f}{loss:>9.1f}%{ru['cpu_s']/max(sent,1)*1e6:>14.2f}")
PY
