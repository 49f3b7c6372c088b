#!/usr/bin/env bash
# e2e: a monitor run on `hoptop --demo` recorded in tmux (with + pressed
# and a pause on the way), then replayed into the monitor: the header
# says REPLAY and shows the recorded clock; p pauses the replay (the cycle
# stands still), > makes it faster, r only says it is the recording's,
# G runs it to the end; the final table then shows the recorded run's Snt
# per hop, as the replay's JSON report does (the + re-applied, the pause
# kept). No privilege needed. About 30 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_demo_facts
command -v python3 >/dev/null 2>&1 || {
	e2e_log "SKIP: python3 is not installed"
	exit 77
}
ROW_N="^ *$DEMO_N\\. "
dead() { [ "$(e2e_pane_dead)" = 1 ]; }
rec="$E2E_TMP/run.gz"

# ---- record: 16 cycles at 0.25 s, + after a few, a pause of ~1 s ----
e2e_start 100 30 "TZ=UTC $HOPTOP --demo -i 0.25 -c 16 --record $rec"
e2e_wait_for "$ROW_N" 5 || e2e_fail "no table within 5 s"
e2e_wait_for 'cycle [3-9]' 5 || e2e_fail "the run did not reach cycle 3"
e2e_keys +
e2e_wait_for '2 probes/hop' 2 || e2e_fail "+ was not taken"
e2e_wait_for 'cycle ([6-9]|1[0-9])' 5 || e2e_fail "the run did not reach cycle 6"
e2e_keys p
e2e_wait_for 'Paused' 2 || e2e_fail "p did not pause the run"
sleep 1
e2e_keys p
# the monitor stays on screen after its 16 cycles; q ends it
e2e_wait_for 'cycle 16' 10 || e2e_fail "the recorded run did not reach cycle 16"
sleep 0.5
e2e_keys q
e2e_wait_cmd 5 dead || e2e_fail "q did not end the recorded run"
e2e_kill
if [ ! -s "$rec" ]; then
	e2e_fail "no recording"
	e2e_finish
fi
# the expected numbers: the replay's own report (test_record_replay.sh
# holds reports from a replay equal to the run's)
"$HOPTOP" --replay "$rec" --json >"$E2E_TMP/rep.json" 2>"$E2E_TMP/rep.err" ||
	e2e_fail "--replay --json: $(cat "$E2E_TMP/rep.err")"
read -r cycles snt1 started <<<"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["cycles_done"], d["hops"][0]["sent"], d["started"][11:19])' "$E2E_TMP/rep.json")"
e2e_check "the recording has 16 cycles, the + re-applied (hop 1 Snt $snt1 > 16)" \
	[ "$cycles" = 16 -a "$snt1" -gt 16 ]

# ---- replay in the monitor ----
mkdir -p "$E2E_TMP/snap"
e2e_start 100 30 "TZ=UTC $HOPTOP --replay $rec -o $E2E_TMP/snap"
e2e_check "the header says REPLAY x1" e2e_wait_for 'REPLAY x1' 5
clock=$(head -n 1 <<<"$E2E_SCREEN" | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2}' | tail -n 1)
# the recorded clock: within a few seconds after the recorded start
to_s() { awk -F: '{ print $1 * 3600 + $2 * 60 + $3 }' <<<"$1"; }
if [ -n "$clock" ] && [ $(($(to_s "$clock") - $(to_s "$started"))) -ge 0 ] &&
	[ $(($(to_s "$clock") - $(to_s "$started"))) -le 5 ]; then
	e2e_pass "the header shows the recorded clock ($clock, run started $started)"
else
	e2e_fail "the header clock '$clock' is not the recorded one ($started)"
fi
e2e_wait_for "$ROW_N" 5 || e2e_fail "no table in the replay"
e2e_keys p
e2e_check "p: REPLAY paused" e2e_wait_for 'REPLAY paused' 2
c1=$(e2e_cycle "$E2E_SCREEN")
sleep 1
c2=$(e2e_cycle "$(e2e_capture)")
e2e_check "paused: the cycle stands still ($c1, then $c2)" [ -n "$c1" -a "$c1" = "$c2" ]
e2e_keys s
e2e_check "s: a snapshot of the replay" e2e_wait_for 'snapshot saved to' 2
snap=$(ls "$E2E_TMP"/snap/hoptop-*.txt 2>/dev/null | head -n 1)
# named by the recorded clock (HHMMSS within a few seconds of the start)
stamp=$(basename "${snap:-x}" .txt | sed -n 's/.*-\([0-9]\{6\}\)$/\1/p')
if [ -n "$stamp" ] && [ $(($(to_s "${stamp:0:2}:${stamp:2:2}:${stamp:4:2}") - $(to_s "$started"))) -ge 0 ] &&
	[ $(($(to_s "${stamp:0:2}:${stamp:2:2}:${stamp:4:2}") - $(to_s "$started"))) -le 5 ] &&
	grep -q '^ *1\.' "$snap"; then
	e2e_pass "the snapshot carries the recorded time ($stamp) and the table"
else
	e2e_fail "snapshot '$snap' (stamp '$stamp', run started $started)"
fi
e2e_keys n
e2e_keys n
e2e_check "n n: names and addresses, as recorded" e2e_wait_for 'as recorded' 2
e2e_keys p
e2e_check "p again: REPLAY x1" e2e_wait_for 'REPLAY x1' 2
e2e_keys '>'
e2e_check ">: REPLAY x2" e2e_wait_for 'REPLAY x2' 2
e2e_keys r
e2e_check "r: the recording's own keys are re-applied" e2e_wait_for 're-applies the recording' 2
e2e_keys G
e2e_check "G: REPLAY ended" e2e_wait_for 'REPLAY ended' 5
sleep 0.3
E2E_SCREEN="$(e2e_capture)"
e2e_check "the end: cycle 16" [ "$(e2e_cycle "$E2E_SCREEN")" = 16 ]
e2e_check "the end: hop 1 Snt $snt1, as the replay's report" [ "$(e2e_snt "$E2E_SCREEN" 1)" = "$snt1" ]
e2e_keys q
e2e_wait_cmd 5 dead || e2e_fail "q did not end the replay"
e2e_finish
