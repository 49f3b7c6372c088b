#!/usr/bin/env bash
# e2e: --metrics on the built-in demo path, headless (stdin is not a
# terminal), no privilege: the exposition passes promtool; its values equal
# hoptop's own JSON report of the same run; OpenMetrics on request; 404,
# 405; and hostile clients (garbage, an oversized URL and headers, 200 idle
# connections, a client that never reads its large responses) while cycles
# keep their pace and scrapes from another address keep working. SIGTERM
# ends it with status 0. Needs curl and python3; about 40 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init notmux
for tool in curl python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		e2e_log "SKIP: $tool is not installed"
		exit 77
	fi
done
cd "$E2E_TMP" || exit 1
PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	e2e_cleanup
}
trap stop_all EXIT

# start NAME ARGS...: hoptop ARGS in the background, stdin /dev/null; sets
# PID and PORT (read from its "metrics at" line, bounded wait).
start() {
	local name="$1"
	shift
	"$HOPTOP" "$@" </dev/null >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" &
	PID=$!
	PIDS+=("$PID")
	PORT=""
	e2e_wait_cmd 5 grep -q 'metrics at http' "$E2E_TMP/$name.err" || true
	PORT="$(sed -n 's|.*metrics at http://127\.0\.0\.1:\([0-9]*\)/metrics|\1|p' "$E2E_TMP/$name.err")"
}

scrape() { curl -s -m 2 "http://127.0.0.1:$PORT/metrics" "$@"; }
# metric NAME{LABELS}: its value in a fresh scrape ("" if absent)
metric() {
	scrape | awk -v k="$1" 'index($0, k " ") == 1 { print $2; exit }'
}
cycles() { metric 'hoptop_cycles_total{target="demo"}'; }
code() { curl -s -m 2 -o /dev/null -w '%{http_code}' "$@"; }

# ---- a headless monitor ----
start mon --demo -i 0.1 --metrics 127.0.0.1:0
e2e_check "headless: says where the metrics are" [ -n "$PORT" ]
[ -n "$PORT" ] || e2e_finish
e2e_wait_cmd 5 eval '[ "$(metric "hoptop_destination_ttl{target=\"demo\"}")" != "" ]' || true
scrape -D "$E2E_TMP/h.txt" >"$E2E_TMP/m.txt"
e2e_check "text format: Content-Type 0.0.4" \
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$E2E_TMP/h.txt"
if command -v promtool >/dev/null 2>&1; then
	e2e_check "promtool check metrics: clean" \
		sh -c "promtool check metrics <'$E2E_TMP/m.txt' >'$E2E_TMP/promtool.out' 2>&1"
	[ -s "$E2E_TMP/promtool.out" ] && cat "$E2E_TMP/promtool.out" >&2
else
	e2e_log "(promtool not installed: format check skipped)"
fi
e2e_check "the demo's hops are all there (TTL 1..10 sent)" \
	[ "$(grep -c '^hoptop_hop_probes_sent_total{target="demo",ttl="' "$E2E_TMP/m.txt")" = 10 ]
e2e_check "the demo's names as responder names" \
	grep -q '^hoptop_hop_responder_info{target="demo",ttl="1",responder="10.78.0.1",name="gw.home.sim"} 1$' "$E2E_TMP/m.txt"
curl -s -m 2 -D "$E2E_TMP/oh.txt" -H 'Accept: application/openmetrics-text; version=1.0.0' \
	"http://127.0.0.1:$PORT/metrics" >"$E2E_TMP/om.txt"
e2e_check "OpenMetrics: Content-Type" \
	grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0' "$E2E_TMP/oh.txt"
e2e_check "OpenMetrics: ends in # EOF" [ "$(tail -n 1 "$E2E_TMP/om.txt")" = "# EOF" ]
e2e_check "OpenMetrics: counter family without _total" \
	grep -q '^# TYPE hoptop_hop_probes_sent counter$' "$E2E_TMP/om.txt"
e2e_check "404 for another path" [ "$(code "http://127.0.0.1:$PORT/")" = 404 ]
e2e_check "405 for POST" [ "$(code -X POST "http://127.0.0.1:$PORT/metrics")" = 405 ]
e2e_check "HEAD: 200" [ "$(code -I "http://127.0.0.1:$PORT/metrics")" = 200 ]

# ---- hostile clients (each from its own loopback address) ----
# hostile KIND: garbage | longurl | bigheaders -> the status line, or "closed"
hostile() {
	python3 - "$PORT" "$1" <<'PY'
import socket, sys
port, kind = int(sys.argv[1]), sys.argv[2]
req = {"garbage": b"\x00\xff garbage\r\n\r\n",
       "longurl": b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
       "bigheaders": b"GET /metrics HTTP/1.1\r\nHost: x\r\n" +
                     b"X-A: " + b"b" * 100000 + b"\r\n\r\n"}[kind]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
try:
    s.sendall(req)
except OSError:
    pass
try:
    line = s.recv(4096).split(b"\r\n")[0].decode(errors="replace")
except OSError:
    line = ""
print(line or "closed")
PY
}
for k in garbage longurl bigheaders; do
	ans="$(hostile "$k")"
	e2e_log "   $k -> $ans"
	e2e_check "$k: not answered 200" eval '! grep -q " 200 " <<<"$ans"'
done
e2e_check "still serving after them" [ "$(code "http://127.0.0.1:$PORT/metrics")" = 200 ]

# rate SECONDS: cycles started per second over SECONDS, by the scrapes;
# each scrape is timed at the middle of its request (curl's start-up on a
# loaded machine is not counted as time between the two counts)
rate() {
	local c0 c1 a b t0 t1
	a="$(e2e_ms)"
	c0="$(cycles)"
	b="$(e2e_ms)"
	t0=$(((a + b) / 2))
	sleep "$1"
	a="$(e2e_ms)"
	c1="$(cycles)"
	b="$(e2e_ms)"
	t1=$(((a + b) / 2))
	echo $(((c1 - c0) * 1000000 / (t1 - t0)))
}
# within 10% of the 0.1 s interval (10 cycles/s = 10000 milli-cycles/s)
on_pace() { [ "$1" -ge 9000 ] && [ "$1" -le 11000 ]; }
base="$(rate 2)"
e2e_log "   cycles: $base mcycles/s before"
e2e_check "cycles at the interval before (10/s)" on_pace "$base"

# 200 idle connections from 127.0.0.2, held for 5 s
python3 - "$PORT" <<'PY' &
import socket, sys, time
port, held = int(sys.argv[1]), []
for _ in range(200):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        pass
time.sleep(5)
PY
IDLE=$!
PIDS+=("$IDLE")
# a client from 127.0.0.3 that asks for 2000 responses and never reads
python3 - "$PORT" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.bind(("127.0.0.3", 0))
s.connect(("127.0.0.1", port))
s.setblocking(False)
req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 2000
try:
    s.send(req)
except OSError:
    pass
time.sleep(8)
PY
STUCK=$!
PIDS+=("$STUCK")
sleep 1
sendq="$(ss -Htn state established "( sport = :$PORT and dst 127.0.0.3 )" | awk '{ print $2; exit }')"
e2e_log "   bytes waiting for the reader that never reads: ${sendq:-none}"
e2e_check "the reader that never reads has responses piled up (it is stuck)" \
	[ "${sendq:-0}" -gt 100000 ]
during="$(rate 3)"
e2e_log "   cycles: $during mcycles/s with 200 idle connections and a reader that never reads"
e2e_check "cycles keep their pace under the hostile clients" on_pace "$during"
e2e_check "scrapes from 127.0.0.1 still answered meanwhile" \
	[ "$(code "http://127.0.0.1:$PORT/metrics")" = 200 ]
held="$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l)"
e2e_log "   connections held by the server: $held (per-address limit 8)"
e2e_check "the per-address limit holds (at most 8 + 1 from 127.0.0.2, 127.0.0.3)" \
	[ "$held" -le 10 ]
# the server's idle timeout (5 s) ends the reader that never reads
e2e_check "the stuck reader's connection is closed by the idle timeout" \
	e2e_wait_cmd 10 eval '[ "$(ss -Htn state established "( sport = :$PORT and dst 127.0.0.3 )" | wc -l)" = 0 ]'
e2e_check "hoptop is still running" kill -0 "$PID"
kill -TERM "$PID"
e2e_wait_cmd 5 eval '! kill -0 '"$PID"' 2>/dev/null'
wait "$PID"
e2e_check "SIGTERM: exit status 0" [ $? = 0 ]
e2e_check "headless: a stable path logs no route change on stderr" \
	bash -c '! grep -q "route_change\|destination_change" "$1"' _ "$E2E_TMP/mon.err"

# ---- the same numbers as hoptop's own JSON report ----
# A report run with a 2 s interval: the model is still between about 0.6 s
# after a cycle starts (replies in, losses settled by -w 0.5) and the next
# one; scrape in that window, then SIGINT prints the report of that state.
# cycles_total and cycles_done tell whether a cycle slipped in between.
compare_once() {
	local c0 c
	start rep --demo -r -j -c 1000 -i 2 -w 0.5 --metrics 127.0.0.1:0
	[ -n "$PORT" ] || return 1
	e2e_wait_cmd 5 eval '[ "$(cycles)" -ge 2 ]' || return 1
	c0="$(cycles)"
	e2e_wait_cmd 3 eval '[ "$(cycles)" != "$c0" ]' || return 1
	sleep 0.9
	scrape >"$E2E_TMP/r.txt"
	kill -INT "$PID"
	wait "$PID"
	c="$(awk '/^hoptop_cycles_total/ { print $2 }' "$E2E_TMP/r.txt")"
	python3 - "$E2E_TMP/rep.out" "$E2E_TMP/r.txt" "$c" <<'PY'
import json, re, sys
rep = json.load(open(sys.argv[1]))
if rep["cycles_done"] != int(sys.argv[3]):
    sys.exit(3)  # a cycle started in between: try again
m = {}
for line in open(sys.argv[2]):
    if line.startswith("#"):
        continue
    k, v = line.rsplit(" ", 1)
    m[k] = float(v)
bad = 0
def check(key, want):
    global bad
    got = m.get(key)
    if want is None:
        if got is not None:
            print("unexpected", key, got); bad = 1
    elif got is None or abs(got - want) > 1e-9 + 1e-9 * abs(want):
        print("mismatch", key, "metrics", got, "json", want); bad = 1
check('hoptop_destination_ttl{target="demo"}', rep["destination_ttl"])
for h in rep["hops"]:
    lab = '{target="demo",ttl="%d"}' % h["ttl"]
    check("hoptop_hop_probes_sent_total" + lab, h["sent"])
    check("hoptop_hop_replies_total" + lab, h["received"])
    lp = h["loss_pct"]
    check("hoptop_hop_loss_ratio" + lab, None if lp is None else lp / 100)
    for stat, key in (("last", "last_ms"), ("avg", "avg_ms"),
                      ("best", "best_ms"), ("worst", "worst_ms"),
                      ("stdev", "stdev_ms")):
        v = h[key]
        check('hoptop_hop_rtt_seconds{target="demo",ttl="%d",stat="%s"}'
              % (h["ttl"], stat), None if v is None else v / 1000)
    for r in h.get("responders", [])[:4]:
        k = 'hoptop_hop_responder_info{target="demo",ttl="%d",responder="%s"' % (h["ttl"], r["ip"])
        if not any(x.startswith(k) for x in m):
            print("no responder", k); bad = 1
print("compared", len(rep["hops"]), "hops over", rep["cycles_done"], "cycles")
sys.exit(bad)
PY
}
for try in 1 2 3; do
	compare_once
	rc=$?
	[ "$rc" = 3 ] || break
	e2e_log "   (a cycle started between the scrape and the report: again)"
done
e2e_check "metrics equal the JSON report (sent, replies, loss, RTTs, destination)" [ "$rc" = 0 ]

e2e_finish
