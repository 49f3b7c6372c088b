#!/usr/bin/env bash
# Benchmark: a slow resolver must not slow the table. A 30-hop namespace
# chain whose source namespace uses a resolver (slowdns.py, through
# /etc/netns/NS/resolv.conf) that answers every PTR query only after 2 s.
# The real binary runs in tmux; the screen is polled every 10 ms and we time,
# from the start of the session:
#   table  - until all 30 rows show a Last value (the first full table),
#   names  - until all 30 rows show their name (about the resolver's delay),
# with names on and with -n, alternating, in the same run (median of REPS).
# mtr (-t, curses) on the same chain is timed alike when installed.
# Needs root, tmux, python3. Usage: bench_dns.sh [HOPTOP_BINARY] [REPS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
hoptop=${1:-${HOPTOP:-$src/build/hoptop}}
reps=${2:-3}
lab=$src/tests/integration/lab.sh
dnslab=$src/tests/integration/dnslab.sh
[ "$(id -u)" = 0 ] || { echo "bench_dns: needs root"; exit 77; }
command -v tmux >/dev/null || { echo "bench_dns: needs tmux"; exit 77; }
hops=30
delay=2.0
pfx=dnsintB$(($$ % 10))
ns=$pfx-src
sock=dnsintb-$$
tmp=$(mktemp -d /tmp/dnsintb.XXXXXX)
dpid=
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null || true
	bash "$dnslab" unresolv "$ns" 2>/dev/null || true
	bash "$lab" down "$pfx" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
bash "$lab" up "$pfx" $hops >/dev/null
bash "$dnslab" resolv "$ns" 127.0.0.1
ip netns exec "$ns" python3 "$here/slowdns.py" --delay $delay --port 53 \
	--limit 1200 --ready "$tmp/ready" --count "$tmp/count" &
dpid=$!
for _ in $(seq 100); do [ -f "$tmp/ready" ] && break; sleep 0.05; done
[ -f "$tmp/ready" ] || { echo "bench_dns: slowdns did not start"; exit 1; }
target=$(bash "$lab" target "$pfx" $hops 4)
have_mtr=0
command -v mtr >/dev/null && have_mtr=1

# time_screen.py SOCK NAME HOPS LIMIT_S NAMES CMD: starts CMD in a 150x48
# session, polls the screen every 10 ms; prints "table_ms names_ms" ("-" if
# not within LIMIT_S; a name is any host that is not an IPv4 address; with
# NAMES 0 it stops at the full table).
cat >"$tmp/time_screen.py" <<'PY'
import re, subprocess, sys, time
sock, name, hops, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    float(sys.argv[4])
want_names, cmd = sys.argv[5] == "1", sys.argv[6]
tm = ["tmux", "-L", sock]
row = re.compile(r"^\s*(\d+)\.\s+(?:AS\S+\s+)?(\S+).*?\s(\d+\.\d)%\s+(\d+)\s+(\d+\.\d)")
t0 = time.monotonic()
subprocess.run(tm + ["-f", "/dev/null", "new-session", "-d", "-s", name,
                     "-x", "150", "-y", "48", cmd], check=True)
table = names = None
while time.monotonic() - t0 < limit and names is None and \
        (want_names or table is None):
    scr = subprocess.run(tm + ["capture-pane", "-p", "-t", "=" + name + ":"],
                         capture_output=True, text=True).stdout
    rows = {}
    for l in scr.splitlines():
        m = row.match(l)
        if m:
            rows[int(m.group(1))] = m.group(2)
    now = (time.monotonic() - t0) * 1000
    if table is None and all(k in rows for k in range(1, hops + 1)):
        table = now
    if table is not None and all(
            not re.match(r"^\d+\.\d+\.\d+\.\d+$", rows.get(k, "0.0.0.0"))
            for k in range(1, hops + 1)):
        names = now
    time.sleep(0.01)
subprocess.run(tm + ["kill-session", "-t", "=" + name], check=False)
fmt = lambda v: "-" if v is None else "%.0f" % v
print(fmt(table), fmt(names))
PY

queries() { cat "$tmp/count" 2>/dev/null || echo 0; }
# run LABEL NAMES CMD: one timed session; appends "table names queries" to
# LABEL (queries: what the resolver received during the session).
n=0
run() {
	local label=$1 names=$2 cmd=$3 q0 t
	n=$((n + 1))
	q0=$(queries)
	t=$(python3 "$tmp/time_screen.py" "$sock" "b$n" $hops 8 "$names" \
		"env TERM=xterm-256color LANG=C.UTF-8 ip netns exec $ns $cmd")
	sleep 0.3 # the killed session's process is gone before the next
	echo "$t $(($(queries) - q0))" >>"$tmp/$label"
}
for ((i = 0; i < reps; i++)); do
	run names 1 "$hoptop $target"
	run nodns 0 "$hoptop -n $target"
	if [ $have_mtr = 1 ]; then
		run mtr 1 "mtr -t $target"
		run mtrn 0 "mtr -t -n $target"
	fi
done

python3 - "$tmp" $have_mtr "$reps" "$delay" <<'PY'
import statistics, sys
tmp, have_mtr, reps, delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    sys.argv[4]
def col(label, i):
    v = [l.split()[i] for l in open(f"{tmp}/{label}")]
    ok = [float(x) for x in v if x != "-"]
    med = "%6.0f ms" % statistics.median(ok) if ok else "     never"
    return med + "  (" + " ".join(v) + ")"
print(f"bench_dns: 30-hop chain, resolver answers PTR after {delay} s; "
      f"median of {reps}, times from session start")
rows = [("hoptop, names on", "names"), ("hoptop -n", "nodns")]
if have_mtr:
    rows += [("mtr -t, names on", "mtr"), ("mtr -t -n", "mtrn")]
for title, label in rows:
    print(f"  {title:18s} full table {col(label, 0)}")
    if label in ("names", "mtr"):
        print(f"  {'':18s} all names  {col(label, 1)}")
        q = " ".join(l.split()[2] for l in open(f"{tmp}/{label}"))
        print(f"  {'':18s} queries    {q} (per session)")
PY
