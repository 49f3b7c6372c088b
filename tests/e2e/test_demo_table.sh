#!/usr/bin/env bash
# e2e: `hoptop --demo` in tmux: the whole path shows at once, the name mode
# key, resizing (reflow, too small, back), NO_COLOR.
# No privilege needed. About 15 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_demo_facts

# 0 if the screen shows every hop 1..DEMO_N with a value (the silent hop as
# ???), the target as the last row and the SIMULATED tag.
table_full() {
	local rows ttl host last
	grep -q 'SIMULATED' <<<"$1" || return 1
	rows="$(e2e_rows "$1")"
	for ((ttl = 1; ttl <= DEMO_N; ttl++)); do
		read -r host last < <(awk -v t=$ttl '$1 == t { print $2, $5 }' <<<"$rows")
		[ -n "${host:-}" ] || return 1
		if [ "$ttl" -eq "$DEMO_SILENT" ]; then
			[ "$host" = "???" ] || return 1
		else
			[ "$host" != "???" ] && [ "$last" != "-" ] || return 1
		fi
	done
	awk -v n="$DEMO_N" -v t="$DEMO_TARGET" \
		'$1 == n && $2 == t { ok = 1 } $1 > n { bad = 1 } END { exit !(ok && !bad) }' <<<"$rows"
}

# 0 if no line of the screen (wrapped lines joined) is wider than $2.
fits_width() {
	local line
	while IFS= read -r line; do
		[ "${#line}" -le "$2" ] || return 1
	done <<<"$1"
}

# ---- the full path, and how long it takes to show ----
t0=$(e2e_ms)
e2e_start 100 30 "$HOPTOP --demo"
deadline=$((t0 + 5000))
full=0
t_first=""
while [ "$(e2e_ms)" -lt "$deadline" ]; do
	E2E_SCREEN="$(e2e_capture)"
	if [ -z "$t_first" ] && grep -q 'SIMULATED' <<<"$E2E_SCREEN"; then
		t_first=$(e2e_ms)
	fi
	# the cheap test first (the target's row has numbers), to poll fast
	if grep -Eq "^ *$DEMO_N\\. .*[0-9]\\.[0-9]+ *\$" <<<"$E2E_SCREEN" &&
		table_full "$E2E_SCREEN"; then
		full=1
		break
	fi
	sleep 0.005
done
t_full=$(($(e2e_ms) - t0))
if [ "$full" -eq 1 ]; then
	e2e_pass "full path (hops 1..$DEMO_N, hop $DEMO_SILENT ???, SIMULATED) after ${t_full} ms"
	t_frame=$(($(e2e_ms) - t_first))
	echo "TIMING time_to_full_table_ms=$t_full (from the first frame: $t_frame ms)"
	# All TTLs are probed at once: the path shows in the first cycle
	# (replies within 50 ms, a redraw 100 ms later), not hop by hop (a
	# second per hop: 10 s). 2 s leaves room for a loaded machine, where
	# one capture of the screen can take 100 ms.
	if [ "$t_frame" -le 2000 ]; then
		e2e_pass "the whole path shows $t_frame ms after the first frame (<= 2000)"
	else
		e2e_fail "the whole path took $t_frame ms after the first frame (> 2000: hop by hop?)"
	fi
else
	e2e_fail "the full table did not show within 5 s"
fi
rows_addr="$(e2e_rows "$(e2e_capture)" | awk '{ print $1, $2 }')"

# ---- n: names -> addresses -> both ----
# --demo starts with addresses (no resolver). The mode must be visible:
# either the host column changes form ("name (addr)" in "both") or the
# status line says which mode is on.
# 0 if the host column shows "name (addr)" or the status line (the last
# line) names a mode.
mode_shown() {
	e2e_rows "$1" | awk '$2 ~ /_[(]/ { f = 1 } END { exit !f }' && return 0
	tail -n 1 <<<"$1" | grep -Eqi 'names?:|host ?names|addresses|both'
}
seen_mode=0
for _ in 1 2 3; do
	e2e_keys n
	if e2e_poll_fn 2 mode_shown; then
		seen_mode=$((seen_mode + 1))
	fi
done
e2e_check "n shows the name mode on each press ($seen_mode of 3 presses)" [ "$seen_mode" -eq 3 ]
sleep 0.3
e2e_wait_for "^ *$DEMO_N\\. " 2
rows_after="$(e2e_rows "$E2E_SCREEN" | awk '{ print $1, $2 }')"
e2e_check "three n presses come back to the same host column" [ "$rows_after" = "$rows_addr" ]

# ---- resize: reflow, too small, back ----
e2e_resize 60 20
table_shown() { grep -q 'Host' <<<"$1" && ! grep -q 'too small' <<<"$1"; }
if e2e_poll_fn 3 table_shown; then
	# -J joins wrapped lines: a line wider than the pane was wrapped
	wide="$(tmux -L "$E2E_SOCK" capture-pane -p -J -t "=$S:")"
	e2e_check "60x20: no line is wider than 60 (no wraps)" fits_width "$wide" 60
	e2e_check "60x20: the table header and hop $DEMO_N are visible" \
		grep -Eq "^ *$DEMO_N\\. " <<<"$wide"
else
	e2e_fail "60x20: no table header after the resize"
fi
e2e_resize 30 8
e2e_check "30x8: the too-small message shows" e2e_wait_for 'too small' 3
e2e_resize 100 30
e2e_check "100x30 again: the table is back" e2e_wait_for "Loss%.*Snt" 3
e2e_check "100x30 again: all $DEMO_N hops are back" e2e_wait_for "^ *$DEMO_N\\. " 3
e2e_kill

# ---- colours, and NO_COLOR ----
# SGR parameters that set a colour: 30-38, 40-48, 90-97, 100-107.
has_colour() {
	python3 -c '
import re, sys
text = sys.stdin.read()
for m in re.finditer(r"\x1b\[([0-9;:]*)m", text):
    for p in m.group(1).replace(":", ";").split(";"):
        # 39 and 49 are "default colour": not a colour
        if p and int(p) not in (39, 49) and (30 <= int(p) <= 48 or 90 <= int(p) <= 107):
            sys.exit(0)
sys.exit(1)'
}
e2e_start 100 30 "$HOPTOP --demo"
e2e_wait_for "^ *$DEMO_N\\. " 5
sleep 1.2 # the lossy hop has had a chance to lose a probe
e2e_check "colours on by default (control: SGR colour codes on screen)" \
	has_colour <<<"$(e2e_capture_e)"
e2e_kill
e2e_start 100 30 "NO_COLOR=1 $HOPTOP --demo"
e2e_wait_for "^ *$DEMO_N\\. " 5
sleep 1.2
if has_colour <<<"$(e2e_capture_e)"; then
	e2e_fail "NO_COLOR=1: colour escape sequences on the screen"
	e2e_capture_e | cat -v | grep -E '\^\[\[[0-9;]*m' | head -n 5 >&2
else
	e2e_pass "NO_COLOR=1: no colour escape sequences on the screen"
fi
e2e_kill

e2e_finish
