#!/usr/bin/env bash
# Names and AS numbers end to end: the real binary in a 5-hop namespace chain
# whose source namespace runs dnsmasq on 127.0.0.1:53 and reads it through the
# normal system configuration (/etc/netns/NS/resolv.conf -> /etc/resolv.conf).
#  - target resolution: -4 / -6 / first answer (stderr names the address
#    traced), unknown names and wrong families fail in one line, exit 1;
#  - reverse names (PTR; hop 3 has none: NXDOMAIN shows the address) and AS
#    numbers (Team Cymru style TXT under --as-zone) in -r text, --json,
#    --csv, --markdown and --once, IPv4 and IPv6; -n and "no -z" ask nothing;
#  - the screen (tmux): n cycles names -> addresses -> both, z toggles the AS
#    column (also without -z), the details panel shows the AS, -n asks
#    nothing until n;
#  - a dead resolver (reads and drops) changes nothing in probing: cycle start
#    times (captured in PREFIX-r1 with tcpdump) and Snt match a -n run, the
#    report ends within the 3 s DNS grace after the last probe, and keys
#    still answer at once on the screen (p -> Paused within 200 ms).
# Needs root, dnsmasq, tmux, tcpdump and python3 (exit 77 otherwise).
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "test_dns_lab: needs root: skipped"; exit 77; }
for t in tmux tcpdump python3 /usr/sbin/dnsmasq; do
	command -v "$t" >/dev/null ||
		{ echo "test_dns_lab: no $t: skipped"; exit 77; }
done
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
dnslab=$src/tests/integration/dnslab.sh
slowdns=$src/tests/bench/slowdns.py
pfx=dnsintL$(($$ % 10))
ns=$pfx-src
sock=dnsint-$$ # private tmux server: sessions dnsint-$$-N
zone=asn.lab.test
tmp=$(mktemp -d /tmp/dnsint.XXXXXX)
export DNSLAB_DIR=$tmp LANG=C.UTF-8
unset TMUX NO_COLOR LC_ALL
sessions=() pids=()
fails=0
# Timing checks run hoptop, tmux and the poller at a real-time priority when
# chrt works, so unrelated load on the machine does not decide them.
rt=()
chrt -f 10 true 2>/dev/null && rt=(chrt -f 10)

cleanup() {
	local s p
	for s in "${sessions[@]}"; do
		tmux -L "$sock" kill-session -t "=$s" 2>/dev/null
	done
	tmux -L "$sock" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -f "$tmp/dns.pid" ] && bash "$dnslab" stop "$(cat "$tmp/dns.pid")"
	bash "$dnslab" unresolv "$ns" 2>/dev/null
	bash "$lab" down "$pfx" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check() { # check NAME COMMAND...: runs an assertion, counts failures
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
inns() { ip netns exec "$ns" timeout 30 "$@"; }
ht() { inns "$hoptop" "$@"; }
py() { python3 - "$@"; }

# ---- the lab: 5 hops, dnsmasq in src --------------------------------------
bash "$lab" up "$pfx" 5 >/dev/null || { echo "FAIL lab up"; exit 1; }
bash "$dnslab" resolv "$ns" 127.0.0.1
as_text() { echo "$1 | 10.201.$2.0/24 | ZZ | lab | 2026-01-01"; }
records=(--local=/lab.test/
	--address=/target.lab.test/10.201.5.2
	--address=/target.lab.test/fd00:201:5::2
	--address=/v4only.lab.test/10.201.5.2)
for k in 1 2 3 4 5; do
	name=r$k.lab.test
	[ $k = 5 ] && name=target.lab.test
	if [ $k != 3 ]; then # hop 3 has no PTR: NXDOMAIN
		records+=("ptr=10.201.$k.2,$name" "ptr=fd00:201:$k::2,$name")
	fi
	records+=("asn=10.201.$k.2,$zone,$(as_text 6450$k $k)"
		"asn=fd00:201:$k::2,$zone,$(as_text 6460$k $k)"
		"asn=10.201.$k.2,origin.asn.cymru.com,$(as_text 6470$k $k)")
done
start_dnsmasq() {
	bash "$dnslab" start "$ns" 53 "${records[@]}" >"$tmp/dns.pid" ||
		{ echo "FAIL dnsmasq"; exit 1; }
	dnslog=$(sed 's/\.pid$/.log/' "$tmp/dns.pid")
}
start_dnsmasq
# Lines of the dnsmasq log from line $1 on that are queries of type $2.
queries_since() { tail -n +"$1" "$dnslog" | grep -c "query\[$2\]"; }
loglen() { echo $(($(wc -l <"$dnslog") + 1)); }

# ---- target resolution ----------------------------------------------------
ht -r -c 1 -i 0.2 --json target.lab.test >"$tmp/t.json" 2>"$tmp/t.err"
check "target: first answer traced, stderr says which of 2" py "$tmp/t.json" "$tmp/t.err" <<'PY'
import json, sys
ip = json.load(open(sys.argv[1]))["target"]["ip"]
err = open(sys.argv[2]).read()
want = "hoptop: target.lab.test has 2 addresses, tracing %s\n" % ip
ok = ip in ("10.201.5.2", "fd00:201:5::2") and err == want
if not ok: print("  ip", ip, "stderr", repr(err), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
for fam in 4 6; do
	want=10.201.5.2
	[ $fam = 6 ] && want=fd00:201:5::2
	ht -$fam -r -c 1 -i 0.2 --json target.lab.test >"$tmp/t.json" 2>"$tmp/t.err"
	check "target: -$fam traces $want" py "$tmp/t.json" "$want" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["target"]["ip"] == sys.argv[2] and d["hops"][-1]["ip"] == sys.argv[2]
sys.exit(0 if ok else 1)
PY
	check "target: -$fam one address, stderr silent" test ! -s "$tmp/t.err"
done
one_line_error() { # RC_FILE OUT ERR PATTERN
	[ "$(cat "$1")" = 1 ] && [ ! -s "$2" ] && [ "$(wc -l <"$3")" = 1 ] &&
		grep -q "$4" "$3" || { echo "  rc $(cat "$1"): $(cat "$3")" >&2; false; }
}
ht -r -c 1 nosuch.lab.test >"$tmp/e.out" 2>"$tmp/e.err"
echo $? >"$tmp/e.rc"
check "target: unknown name: one line, exit 1" one_line_error "$tmp/e.rc" \
	"$tmp/e.out" "$tmp/e.err" "^hoptop: cannot resolve 'nosuch.lab.test'"
ht -6 -r -c 1 v4only.lab.test >"$tmp/e.out" 2>"$tmp/e.err"
echo $? >"$tmp/e.rc"
check "target: -6 for an IPv4-only name: one line, exit 1" one_line_error \
	"$tmp/e.rc" "$tmp/e.out" "$tmp/e.err" "cannot resolve 'v4only.lab.test'.*-4/-6"

# ---- names and AS numbers in every report format --------------------------
# expected host, ip and AS per hop, for a family
expect() { # FAM
	local k name ip as
	for k in 1 2 3 4 5; do
		name=r$k.lab.test
		[ $k = 5 ] && name=target.lab.test
		[ $k = 3 ] && name=-
		if [ "$1" = 6 ]; then ip=fd00:201:$k::2 as=6460$k; else ip=10.201.$k.2 as=6450$k; fi
		echo "$name $ip $as"
	done
}
for fam in 4 6; do
	expect $fam >"$tmp/want$fam"
	t=target.lab.test
	ht -$fam -r -c 2 -i 0.2 -z --as-zone $zone $t >"$tmp/r.txt"
	check "report ipv$fam: text rows 'ASn name' (address without PTR)" py "$tmp/r.txt" "$tmp/want$fam" <<'PY'
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if re.match(r"\s*\d+\.\|--", l)]
want = [l.split() for l in open(sys.argv[2])]
got = [(r[1], r[2]) for r in rows]  # "1.|--" AS host ...
exp = [("AS" + a, n if n != "-" else ip) for n, ip, a in want]
if got != exp: print("  got", got, "want", exp, file=sys.stderr)
sys.exit(0 if got == exp else 1)
PY
	ht -$fam -r -c 2 -i 0.2 -z --as-zone $zone --json $t >"$tmp/r.json"
	check "report ipv$fam: JSON hostname/ip/asn per hop and responder" py "$tmp/r.json" "$tmp/want$fam" <<'PY'
import json, sys
hops = json.load(open(sys.argv[1]))["hops"]
want = [l.split() for l in open(sys.argv[2])]
exp = [(None if n == "-" else n, ip, int(a)) for n, ip, a in want]
got = [(h["hostname"], h["ip"], h["asn"]) for h in hops]
resp = [(r["hostname"], r["ip"], r["asn"]) for h in hops for r in h["responders"]]
ok = got == exp and resp == exp
if not ok: print("  hops", got, "resp", resp, "want", exp, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
	ht -$fam -r -c 2 -i 0.2 -z --as-zone $zone --csv $t >"$tmp/r.csv"
	check "report ipv$fam: CSV ip, hostname and asn columns" py "$tmp/r.csv" "$tmp/want$fam" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = [l.split() for l in open(sys.argv[2])]
exp = [("" if n == "-" else n, ip, a) for n, ip, a in want]
got = [(r["hostname"], r["ip"], r["asn"]) for r in rows]
if got != exp: print("  got", got, "want", exp, file=sys.stderr)
sys.exit(0 if got == exp else 1)
PY
	ht -$fam -r -c 2 -i 0.2 -z --as-zone $zone --markdown $t >"$tmp/r.md"
	check "report ipv$fam: Markdown AS and Host cells" py "$tmp/r.md" "$tmp/want$fam" <<'PY'
import re, sys
rows = [[c.strip() for c in l.split("|")[1:-1]] for l in open(sys.argv[1])
        if re.match(r"\| \d+ \|", l)]
want = [l.split() for l in open(sys.argv[2])]
exp = [(str(k), "AS" + a, n if n != "-" else ip)
       for k, (n, ip, a) in enumerate(want, 1)]
got = [tuple(r[:3]) for r in rows]
if got != exp: print("  got", got, "want", exp, file=sys.stderr)
sys.exit(0 if got == exp else 1)
PY
	ht -$fam --once $t >"$tmp/once"
	check "--once ipv$fam: 'name (ip)' on every hop line" py "$tmp/once" "$tmp/want$fam" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
want = [l.split() for l in open(sys.argv[2])]
exp = ["%d  %s (%s)" % (k, n if n != "-" else ip, ip)
       for k, (n, ip, a) in enumerate(want, 1)]
got = [re.sub(r"(\s+\d+\.\d{3} ms)+$", "", l).strip() for l in lines]
if got != exp: print("  got", got, "want", exp, file=sys.stderr)
sys.exit(0 if got == exp else 1)
PY
done

# -n: no resolver at all in report modes (no PTR query reaches the server)
n0=$(loglen)
ht -4 -r -c 2 -i 0.2 -n --json target.lab.test >"$tmp/n.json"
ht -4 --once -n target.lab.test >"$tmp/n.once"
check "-n: report and --once send no PTR query" test "$(queries_since "$n0" PTR)" = 0
check "-n: JSON hostname null, --once plain addresses" py "$tmp/n.json" "$tmp/n.once" <<'PY'
import json, re, sys
hops = json.load(open(sys.argv[1]))["hops"]
once = open(sys.argv[2]).read().splitlines()[1:]
ok = [h["hostname"] for h in hops] == [None] * 5
ok = ok and [l.split()[1] for l in once] == ["10.201.%d.2" % k for k in range(1, 6)]
ok = ok and not any("(" in l for l in once)
sys.exit(0 if ok else 1)
PY
# no -z: names but no TXT query (AS lookups stay off)
n0=$(loglen)
ht -4 -r -c 1 -i 0.2 --json target.lab.test >"$tmp/noz.json"
check "no -z: no TXT query, asn null, names present" py "$tmp/noz.json" \
	"$(queries_since "$n0" TXT)" <<'PY'
import json, sys
hops = json.load(open(sys.argv[1]))["hops"]
ok = sys.argv[2] == "0" and [h["asn"] for h in hops] == [None] * 5
ok = ok and hops[0]["hostname"] == "r1.lab.test"
sys.exit(0 if ok else 1)
PY
# -n -z: AS numbers without names
n0=$(loglen)
ht -4 -r -c 1 -i 0.2 -n -z --as-zone $zone --json target.lab.test >"$tmp/nz.json"
check "-n -z: AS numbers, no PTR query" py "$tmp/nz.json" \
	"$(queries_since "$n0" PTR)" <<'PY'
import json, sys
hops = json.load(open(sys.argv[1]))["hops"]
ok = sys.argv[2] == "0" and [h["asn"] for h in hops] == [64501 + k for k in range(5)]
sys.exit(0 if ok else 1)
PY

# ---- the screen (tmux) ----------------------------------------------------
# scr.py SOCK SESSION [KEY] REGEX TIMEOUT_S: sends KEY (unless "-"), then
# polls the screen every 10 ms until REGEX (multiline) matches; prints the
# milliseconds it took, or the screen and exit 1 on timeout.
cat >"$tmp/scr.py" <<'PY'
import re, subprocess, sys, time
sock, sess, key, rx, limit = sys.argv[1:6]
tm = ["tmux", "-L", sock]
t0 = time.monotonic()
if key != "-":
    subprocess.run(tm + ["send-keys", "-t", "=" + sess + ":", key], check=True)
scr = ""
while time.monotonic() - t0 < float(limit):
    scr = subprocess.run(tm + ["capture-pane", "-p", "-t", "=" + sess + ":"],
                         capture_output=True, text=True).stdout
    if re.search(rx, scr, re.M):
        print("%.1f" % ((time.monotonic() - t0) * 1000))
        sys.exit(0)
    time.sleep(0.01)
print("  timeout waiting for /%s/; screen:\n%s" % (rx, scr), file=sys.stderr)
sys.exit(1)
PY
tstart() { # tstart ARGS...: hoptop ARGS in a new 120x32 session (sets S, P)
	S=$sock-$((${#sessions[@]} + 1))
	sessions+=("$S")
	"${rt[@]}" tmux -L "$sock" -f /dev/null new-session -d -s "$S" -x 120 -y 32 \
		"env TERM=xterm-256color LANG=C.UTF-8 ip netns exec $ns $hoptop $*" \; \
		set-option -w -t "=$S:" remain-on-exit on >/dev/null
	P=$(tmux -L "$sock" display -p -t "=$S:" '#{pane_pid}')
}
alive() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = hoptop ]; }
# Kills the session; hoptop must then end by itself (hang-up), within 2 s.
tkill() {
	tmux -L "$sock" kill-session -t "=$S" 2>/dev/null
	for _ in $(seq 40); do alive "$P" || break; sleep 0.05; done
	if alive "$P"; then
		echo "FAIL hoptop $P outlived its terminal: killed"
		fails=$((fails + 1))
		kill -KILL "$P"
	fi
}
scr() { "${rt[@]}" python3 "$tmp/scr.py" "$sock" "$S" "$@" >/dev/null; } # KEY RX SECS
row() { echo "^ +$1\. +$2 "; } # a table row: "  1. HOST ..."

tstart -4 -z --as-zone $zone target.lab.test
check "tui: -z: AS column and names" scr - \
	"$(row 1 'AS64501 +r1\.lab\.test')(.|\n)*$(row 3 'AS64503 +10\.201\.3\.2')(.|\n)*$(row 5 'AS64505 +target\.lab\.test')" 5
check "tui: n: addresses" scr n "$(row 1 'AS64501 +10\.201\.1\.2')(.|\n)*$(row 5 'AS64505 +10\.201\.5\.2')" 2
check "tui: n: both" scr n "$(row 1 'AS64501 +r1\.lab\.test \(10\.201\.1\.2\)')(.|\n)*$(row 3 'AS64503 +10\.201\.3\.2')" 2
check "tui: n: names again" scr n "$(row 1 'AS64501 +r1\.lab\.test')" 2
check "tui: z: AS column off" scr z "^ +#  Host(.|\n)*$(row 1 'r1\.lab\.test')" 2
tmux -L "$sock" send-keys -t "=$S:" Down Enter
check "tui: details panel: name, address and AS" scr - \
	"r1\.lab\.test \(10\.201\.1\.2\)(.|\n)*flows 0 +AS64501" 2
tkill

# no -z: z must still work (the default zone, served locally by dnsmasq)
n0=$(loglen)
tstart -4 target.lab.test
check "tui: no -z: names, no AS column" scr - "^ +#  Host(.|\n)*$(row 1 'r1\.lab\.test')" 5
check "tui: no -z: no TXT query before z" test "$(queries_since "$n0" TXT)" = 0
check "tui: no -z: z shows AS numbers (origin.asn.cymru.com)" scr z \
	"$(row 1 'AS64701 +r1\.lab\.test')(.|\n)*$(row 5 'AS64705 +target\.lab\.test')" 3
tkill

# -n: nothing asked until n turns names on
n0=$(loglen)
tstart -4 -n target.lab.test
check "tui: -n: addresses" scr - "$(row 5 '10\.201\.5\.2')" 5
sleep 1.2
check "tui: -n: no PTR query" test "$(queries_since "$n0" PTR)" = 0
check "tui: -n: n turns names on (both)" scr n \
	"$(row 1 'r1\.lab\.test \(10\.201\.1\.2\)')(.|\n)*$(row 5 'target\.lab\.test \(10\.201\.5\.2\)')" 3
check "tui: -n: PTR queries after n" test "$(queries_since "$n0" PTR)" -ge 4
tkill

# ---- a dead resolver ------------------------------------------------------
bash "$dnslab" stop "$(cat "$tmp/dns.pid")"
rm -f "$tmp/dns.pid"
ip netns exec "$ns" python3 "$slowdns" --drop --port 53 --limit 300 \
	--ready "$tmp/dead.ready" --count "$tmp/dead.count" &
pids+=($!)
for _ in $(seq 100); do [ -f "$tmp/dead.ready" ] && break; sleep 0.05; done
check "dead resolver: listening" test -f "$tmp/dead.ready"

# run NAME ARGS...: hoptop -r in src while tcpdump in r1 captures the probes;
# writes NAME.json, NAME.pcap, NAME.end (wall clock at exit).
capture_run() {
	local name=$1 tp
	shift
	: >"$tmp/$name.tcpdump"
	ip netns exec "$pfx-r1" tcpdump -i v1b -n -U --immediate-mode -w "$tmp/$name.pcap" \
		--time-stamp-precision=micro \
		'icmp[icmptype] == icmp-echo and src host 10.201.1.1' \
		2>"$tmp/$name.tcpdump" &
	tp=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$tmp/$name.tcpdump" && break
		sleep 0.05
	done
	inns "${rt[@]}" "$hoptop" "$@" >"$tmp/$name.json"
	date +%s.%N >"$tmp/$name.end"
	sleep 0.3
	kill -INT "$tp"
	wait "$tp"
}
q0=$(cat "$tmp/dead.count" 2>/dev/null || echo 0)
capture_run dead -4 -r -c 10 -i 0.2 -z --as-zone $zone --json 10.201.5.2
q1=$(cat "$tmp/dead.count" 2>/dev/null || echo 0)
capture_run nodns -4 -r -c 10 -i 0.2 -n --json 10.201.5.2
check "dead resolver: hoptop asked it ($((q1 - q0)) queries)" test $((q1 - q0)) -ge 5
for name in dead nodns; do
	tcpdump -r "$tmp/$name.pcap" -n -tt 2>/dev/null | awk '{print $1}' >"$tmp/$name.times"
done
check "dead resolver: cycle starts within 5 ms of a -n run, same Snt, ends in grace" \
	py "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
def cycles(name):
    t = [float(x) for x in open(f"{tmp}/{name}.times")]
    starts = [x for i, x in enumerate(t) if i == 0 or x - t[i - 1] > 0.1]
    return t, starts
td, sd = cycles("dead")
tn, sn = cycles("nodns")
ok = len(sd) == len(sn) == 10
rel = lambda s: [(x - s[0]) * 1000 for x in s]
dev = [abs(a - b) for a, b in zip(rel(sd), rel(sn))]
sched = [abs(x - 200 * i) for i, x in enumerate(rel(sd))]
snt = lambda n: [h["sent"] for h in json.load(open(f"{tmp}/{n}.json"))["hops"]]
ok = ok and max(dev) < 5 and snt("dead") == snt("nodns") == [10] * 5
end = float(open(f"{tmp}/dead.end").read())
after = end - td[-1]
ok = ok and 0 <= after <= 3.0 + 0.3
endn = float(open(f"{tmp}/nodns.end").read()) - tn[-1]
print("  cycles %d/%d, max |start delta| %.3f ms, max drift from schedule %.3f ms;"
      " report ended %.2f s after the last probe (-n: %.2f s); probes %d/%d"
      % (len(sd), len(sn), max(dev or [0]), max(sched or [0]), after, endn,
         len(td), len(tn)))
sys.exit(0 if ok else 1)
PY
check "dead resolver: report lists addresses, no names" py "$tmp/dead.json" <<'PY'
import json, sys
hops = json.load(open(sys.argv[1]))["hops"]
ok = [(h["ip"], h["hostname"], h["asn"]) for h in hops] == \
     [("10.201.%d.2" % k, None, None) for k in range(1, 6)]
sys.exit(0 if ok else 1)
PY

# --once waits for names, but no longer than the resolver's timeout (~3 s)
t0=$(date +%s.%N)
ht -4 --once 10.201.5.2 >"$tmp/dead.once"
t1=$(date +%s.%N)
check "dead resolver: --once ends within 4 s, addresses shown" py "$tmp/dead.once" "$t0" "$t1" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
took = float(sys.argv[3]) - float(sys.argv[2])
hosts = [re.sub(r"(\s+\d+\.\d{3} ms)+$", "", l).strip() for l in lines]
exp = ["%d  10.201.%d.2 (10.201.%d.2)" % (k, k, k) for k in range(1, 6)]
print("  --once with a dead resolver took %.2f s" % took)
sys.exit(0 if hosts == exp and took < 4.0 else 1)
PY

# keys answer at once while every query hangs
[ ${#rt[@]} -gt 0 ] && echo "  (timing runs at real-time priority: ${rt[*]})"
q0=$(cat "$tmp/dead.count")
tstart -4 -z --as-zone $zone 10.201.5.2
check "tui dead: table up" scr - "$(row 5 'AS\?\?\? +10\.201\.5\.2')" 5
worst=0
for _ in 1 2 3; do
	ms=$("${rt[@]}" python3 "$tmp/scr.py" "$sock" "$S" p ' Paused *$' 2) || ms=9999
	[ "${ms%.*}" -gt "$worst" ] && worst=${ms%.*}
	ms=$("${rt[@]}" python3 "$tmp/scr.py" "$sock" "$S" p ' Running *$' 2) || ms=9999
	[ "${ms%.*}" -gt "$worst" ] && worst=${ms%.*}
done
echo "  p -> Paused/Running on screen: worst ${worst} ms (6 presses, queries in flight)"
check "tui dead: p answers within 200 ms" test "$worst" -lt 200
check "tui dead: queries were in flight" test "$(cat "$tmp/dead.count")" -gt "$q0"
tkill

echo "test_dns_lab: $fails failed"
[ $fails = 0 ]
