#!/usr/bin/env bash
# A real Prometheus server (Debian's prometheus) scrapes hoptop probing a
# chain of 5 real routers: both run in the lab's source namespace (on its
# loopback). The test reads Prometheus' query API and checks the values
# against hoptop's own JSON report of the same state: sent, replies, loss,
# RTTs, the destination TTL and the responders; that the scrape parsed
# (up == 1, as many samples as hoptop serves: Prometheus asks for
# OpenMetrics); and that the alert rule of contrib/hoptop-rules.yml finds
# the destination's hop. Needs root (exit 77 otherwise); about 40 s.
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "test_prometheus: needs root: skipped"; exit 77; }
for tool in prometheus curl python3; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "test_prometheus: $tool is not installed: skipped"; exit 77; }
done
src=${HOPTOP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
hoptop=${HOPTOP:-$src/build/hoptop}
lab=$src/tests/integration/lab.sh
pfx=tprom$$
tmp=$(mktemp -d)
hpid="" ppid=""
cleanup() {
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null
	[ -n "$ppid" ] && kill "$ppid" 2>/dev/null
	[ -n "$ppid" ] && wait "$ppid" 2>/dev/null
	bash "$lab" down "$pfx" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
ms() { echo $(($(date +%s%N) / 1000000)); }
# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds
wait_for() {
	local end=$(($(ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(ms)" -ge "$end" ] && return 1
		sleep 0.1
	done
}
in_src() { ip netns exec "$pfx-src" "$@"; }

n=5
bash "$lab" up "$pfx" $n >/dev/null || { echo "FAIL lab up"; exit 1; }
target=$(bash "$lab" target "$pfx" $n 4)
bash "$lab" addrs "$pfx" $n 4 >"$tmp/addrs"
hport=19469
pport=19090

# hoptop: a report run (SIGINT prints the JSON of the state reached) with
# a 4 s interval, so the model stands still for most of each cycle.
ip netns exec "$pfx-src" "$hoptop" -n -r -j -c 1000 -i 4 -w 0.5 --metrics "127.0.0.1:$hport" "$target" \
	</dev/null >"$tmp/report.json" 2>"$tmp/hoptop.err" &
hpid=$!

cp "$src/contrib/hoptop-rules.yml" "$tmp/rules.yml"
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["$tmp/rules.yml"]
scrape_configs:
  - job_name: hoptop
    static_configs:
      - targets: ["127.0.0.1:$hport"]
EOF
ip netns exec "$pfx-src" prometheus --config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/tsdb" --web.listen-address="127.0.0.1:$pport" \
	>"$tmp/prometheus.log" 2>&1 &
ppid=$!

# query PROMQL [TIME]: the result vector of an instant query, as JSON
query() {
	in_src curl -s -m 3 "http://127.0.0.1:$pport/api/v1/query" \
		--data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"}
}
# value PROMQL: the first sample's value ("" if none)
value() {
	query "$1" | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}
up_ok() { [ "$(value 'up{job="hoptop"}')" = 1 ]; }
check "Prometheus scrapes hoptop (up == 1)" wait_for 30 up_ok
if ! up_ok; then
	tail -n 20 "$tmp/prometheus.log" "$tmp/hoptop.err"
	exit 1
fi

# Wait for cycle 3 to show, then 1.5 s more: a scrape after its replies
# settled (0.5 s) and before the next cycle (4 s) has come in. Then SIGINT.
cycle_ge() { c=$(value 'hoptop_cycles_total'); [ -n "$c" ] && [ "${c%.*}" -ge "$1" ]; }
check "cycles show up in Prometheus" wait_for 30 cycle_ge 3
c=$(value 'hoptop_cycles_total')
wait_for 6 eval '[ "$(value hoptop_cycles_total)" != "$c" ]'
sleep 1.5
t_stop=$(date +%s.%N)
kill -INT "$hpid"
wait "$hpid"
check "hoptop: exit 0 after SIGINT" [ $? = 0 ]
hpid=""
at=$(python3 -c "print($t_stop - 0.05)")
query '{__name__=~"hoptop_.*", job="hoptop"}' "$at" >"$tmp/series.json"
samples=$(query 'scrape_samples_scraped{job="hoptop"}' "$at" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")')

python3 - "$tmp/report.json" "$tmp/series.json" "$tmp/addrs" "$samples" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
res = json.load(open(sys.argv[2]))["data"]["result"]
want_addrs = open(sys.argv[3]).read().split()
samples = float(sys.argv[4] or 0)
m = {}
for s in res:
    lab = dict(s["metric"])
    name = lab.pop("__name__")
    for k in ("instance", "job"):
        lab.pop(k, None)
    m[(name, tuple(sorted(lab.items())))] = float(s["value"][1])
bad = 0
def get(name, **labels):
    return m.get((name, tuple(sorted(labels.items()))))
def check(what, got, want, tol=1e-9):
    global bad
    if got is None or abs(got - want) > tol + tol * abs(want):
        print("  mismatch", what, "prometheus", got, "json", want)
        bad = 1
t = rep["target"]["name"]
check("cycles", get("hoptop_cycles_total", target=t), rep["cycles_done"])
fl = rep["forward_loss"]
check("forward loss", get("hoptop_forward_loss_ratio", target=t),
      fl["loss_pct"] / 100 if fl else 0)
check("route changes", get("hoptop_route_changes_total", target=t),
      sum(1 for e in rep["events"] if e["kind"] in ("route_change", "destination_change")))
check("destination ttl", get("hoptop_destination_ttl", target=t),
      rep["destination_ttl"])
for h in rep["hops"]:
    ttl = str(h["ttl"])
    check("sent %s" % ttl, get("hoptop_hop_probes_sent_total", target=t, ttl=ttl), h["sent"])
    check("replies %s" % ttl, get("hoptop_hop_replies_total", target=t, ttl=ttl), h["received"])
    check("loss %s" % ttl, get("hoptop_hop_loss_ratio", target=t, ttl=ttl), h["loss_pct"] / 100)
    for stat, key in (("last", "last_ms"), ("avg", "avg_ms"), ("best", "best_ms"),
                      ("worst", "worst_ms"), ("stdev", "stdev_ms")):
        check("%s %s" % (stat, ttl),
              get("hoptop_hop_rtt_seconds", target=t, ttl=ttl, stat=stat),
              h[key] / 1000)
    if get("hoptop_hop_loss_cause_info", target=t, ttl=ttl, cause=h["loss_cause"]) != 1:
        print("  no loss cause", ttl, h["loss_cause"]); bad = 1
    if get("hoptop_hop_responder_info", target=t, ttl=ttl, responder=h["ip"]) != 1:
        print("  no responder", ttl, h["ip"]); bad = 1
if [h["ip"] for h in rep["hops"]] != want_addrs:
    print("  hops", [h["ip"] for h in rep["hops"]], "want", want_addrs); bad = 1
if rep["cycles_done"] < 3 or any(h["sent"] != rep["cycles_done"] for h in rep["hops"]):
    print("  sent per hop is not the cycles done"); bad = 1
served = sum(1 for k in m)
if samples != served:
    print("  Prometheus scraped", samples, "samples; hoptop series stored", served); bad = 1
print("  compared %d hops, %d cycles, %d series" % (len(rep["hops"]), rep["cycles_done"], served))
sys.exit(bad)
PY
check "Prometheus' values equal hoptop's JSON report" [ $? = 0 ]

# The recorded rule of contrib/hoptop-rules.yml: the destination's hop
# (TTL $n, where the target itself answers), with no loss in this lab.
rule=$(query 'hoptop:destination_loss_ratio:5m' "$at")
check "alert rule: the destination's hop found (ttl $n), loss 0" python3 -c '
import json, sys
r = json.loads(sys.argv[1])["data"]["result"]
sys.exit(not (len(r) == 1 and r[0]["metric"]["ttl"] == sys.argv[2]
              and float(r[0]["value"][1]) == 0))' "$rule" "$n"
check "alert rule: no DestinationUnreached" \
	[ "$(value 'ALERTS{alertname="HoptopDestinationUnreached"}')" = "" ]

[ "$fails" = 0 ] && echo "test_prometheus: all passed" || echo "test_prometheus: $fails failed"
[ "$fails" = 0 ]
