#!/usr/bin/env bash
# e2e: loss verdicts and the timeline on the real binary: `hoptop --demo
# SCENARIO` in tmux shows each hop's loss cause (a letter after Loss%, also
# with NO_COLOR; colour otherwise), the path verdict in words, the newest
# event on the status line and the events panel (l), ping-the-hop (P); the
# JSON report and --log agree on the events. No privilege needed. About
# 40 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
SC="$HOPTOP_SRC/tests/data/scenarios"

# The Loss% cell of hop TTL on the last screen (with its marker).
loss_cell() {
	awk -v t="$1" '$1 == t "." { for (i = 2; i <= NF; i++) if ($i ~ /%/) { print $i; exit } }' <<<"$E2E_SCREEN"
}

# ---- forwarding loss from hop 6, a rate-limited hop 7 on top (NO_COLOR) ----
e2e_start 100 30 "NO_COLOR=1 $HOPTOP --demo $SC/fwdloss.json -i 0.1"
if e2e_wait_for '^Loss: forwarding loss [0-9.]+% from hop 6 \(10\.78\.6\.1\)' 30; then
	e2e_pass "NO_COLOR: the summary names hop 6 ($(grep '^Loss:' <<<"$E2E_SCREEN"))"
else
	e2e_fail "NO_COLOR: no forwarding-loss verdict from hop 6 within 30 s"
fi
e2e_check "NO_COLOR: hop 6's loss is marked F ($(loss_cell 6))" grep -q '%F$' <<<"$(loss_cell 6)"
e2e_check "NO_COLOR: hop 7 (rate-limited) is marked R ($(loss_cell 7))" grep -q '%R$' <<<"$(loss_cell 7)"
e2e_check "NO_COLOR: the target is marked F ($(loss_cell 9))" grep -q '%F$' <<<"$(loss_cell 9)"
e2e_check "NO_COLOR: hop 2 has no marker ($(loss_cell 2))" [ "$(loss_cell 2)" = "0.0%" ]
e2e_check "the summary says hop 7 limits its replies" grep -q '^Loss: .*; hop 7 limits its replies' <<<"$E2E_SCREEN"
screen_e="$(e2e_capture_e)"
e2e_check "NO_COLOR: no colour escapes on the screen" bash -c '! grep -Eq $'"'"'\e\\[([0-9]+;)*3[0-7](;[0-9]+)*m'"'"' <<<"$1"' _ "$screen_e"
e2e_keys q
e2e_kill

# ---- the same in colour: forward red, reply cyan ----
e2e_start 100 30 "$HOPTOP --demo $SC/fwdloss.json -i 0.1"
e2e_wait_for '^Loss: forwarding loss' 30 || e2e_fail "colour: no verdict within 30 s"
screen_e="$(e2e_capture_e)"
# tmux writes the colour as an SGR before the cell: red 31, cyan 36
e2e_check "colour: hop 6's loss is red" grep -Eq '^ *6\. .*\[(1;)?31m[^%]*%F' <<<"$screen_e"
e2e_check "colour: hop 7's loss is cyan" grep -Eq '^ *7\. .*\[36m[^%]*%R' <<<"$screen_e"
e2e_keys q
e2e_kill

# ---- only reply loss: no forwarding loss ----
e2e_start 100 30 "NO_COLOR=1 $HOPTOP --demo $SC/replyloss.json -i 0.1"
if e2e_wait_for '^Loss: no forwarding loss; hops 3, 5 limit their replies' 30; then
	e2e_pass "reply loss only: no forwarding loss; hops 3, 5 limit their replies"
else
	e2e_fail "reply loss only: the verdict did not settle within 30 s"
fi
e2e_check "hop 3 marked R ($(loss_cell 3))" grep -q '%R$' <<<"$(loss_cell 3)"
e2e_check "hop 5 marked R ($(loss_cell 5))" grep -q '%R$' <<<"$(loss_cell 5)"
e2e_check "the target has no loss ($(loss_cell 7))" [ "$(loss_cell 7)" = "0.0%" ]
# P on hop 3: its pings come back (the rate limit is on Time Exceeded)
e2e_keys Down Down Down P
if e2e_wait_for '^ *3\. 10\.78\.3\.1 +\[ping 0\.0% 8\.0ms\] +[0-9.]+%R' 5; then
	e2e_pass "P: hop 3 shows [ping 0.0% 8.0ms] beside its reply loss"
else
	e2e_fail "P: no ping tag on hop 3"
fi
e2e_check "P: the status line says so" grep -q 'pinging hop 3 from the next cycle' <<<"$E2E_SCREEN"
e2e_keys Enter
e2e_wait_for 'ping 10\.78\.3\.1: 0\.0% of [0-9]+ lost, avg 8\.0 ms \(Time Exceeded: [0-9.]+% lost\)' 3 ||
	e2e_fail "details: no ping line for hop 3"
e2e_keys q
e2e_keys q
e2e_kill

# ---- a route change that lengthens the path: status line, events panel ----
# (out at 5 s, back at 15 s after the first probe)
e2e_start 100 30 "NO_COLOR=1 $HOPTOP --demo $SC/pathchange.json -i 0.25"
if e2e_wait_for 'route changed [0-9]{2}:[0-9]{2}:[0-9]{2} at hops 3-5; path grew to 6 hops at [0-9:]{8}   l events' 12; then
	e2e_pass "the status line says the route changed at hops 3-5"
else
	e2e_fail "no route change on the status line within 15 s"
fi
e2e_check "the row of hop 3 shows the new responder" grep -Eq '^ *3\. 10\.78\.33\.1 ' <<<"$E2E_SCREEN"
e2e_check "a route change is not loss: the new target row (hop 6) shows 0.0% ($(loss_cell 6))" [ "$(loss_cell 6)" = "0.0%" ]
e2e_check "the old responder stays below it" grep -Eq '^ +[`↳]-? ?10\.78\.3\.1 ' <<<"$E2E_SCREEN"
e2e_keys l
if e2e_wait_for ' Events ' 3; then
	e2e_check "events panel: route_change at hop 3" grep -Eq 'Z route_change ttl 3: 10\.78\.3\.1 -> 10\.78\.33\.1' <<<"$E2E_SCREEN"
	e2e_check "events panel: destination_change 5 -> 6" grep -Eq 'Z destination_change ttl 6: 5 -> 6' <<<"$E2E_SCREEN"
	e2e_check "events panel: RFC 3339 UTC with ms" grep -Eq '20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z' <<<"$E2E_SCREEN"
else
	e2e_fail "l did not open the events panel"
fi
e2e_keys l
e2e_wait_gone ' Events ' 3 || e2e_fail "l did not close the events panel"
e2e_keys q
e2e_kill

# ---- JSON report and --log agree ----
"$HOPTOP" --demo "$SC/pathchange.json" -r -j -c 36 -i 0.25 --log "$E2E_TMP/ev.jsonl" >"$E2E_TMP/pc.json" 2>"$E2E_TMP/pc.err"
e2e_check "report with --log: exit 0" [ $? -eq 0 ]
e2e_check "JSON events == --log lines, route changes at 3, 4, 5 and 5 -> 6" python3 - "$E2E_TMP/pc.json" "$E2E_TMP/ev.jsonl" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
log = [json.loads(l) for l in open(sys.argv[2])]
ev = rep["events"]
assert ev == log, (ev, log)
kinds = [(e["kind"], e["ttl"]) for e in ev]
assert kinds == [("route_change", 3), ("route_change", 4), ("route_change", 5),
                 ("destination_change", 6)], kinds
assert ev[3]["from"] == 5 and ev[3]["to"] == 6
assert all(h["loss_pct"] == 0 for h in rep["hops"]), "a route change showed as loss"
assert rep["forward_loss"] is None
assert all("loss_cause" in h for h in rep["hops"])
PY
e2e_finish
