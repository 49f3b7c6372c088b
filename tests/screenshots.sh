#!/usr/bin/env bash
# screenshots.sh: renders the real hoptop UI to PNG files in screenshots/.
#
#   tests/screenshots.sh [HOPTOP_BINARY]
#
# Runs `hoptop --demo` in tmux at 110x32, captures the screen with its
# colours (tmux capture-pane -e), turns it into HTML (aha --black, in a page
# with DejaVu Sans Mono on a dark background) and renders that with headless
# chromium. Shots: demo-table, demo-jitter, demo-help, demo-details (the
# ECMP hop, with --flows 8 so its responders show), demo-history,
# demo-verdict (tests/data/scenarios/fwdloss.json: both kinds of loss),
# demo-targets (four scenarios at once), demo-replay (a recorded run).
# As root, with tests/integration/lab.sh: chain-table too (a real chain of
# namespaces, prefix "e2eshot"; removed afterwards). Needs tmux, aha,
# chromium, python3. Nothing leaves the machine.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
HOPTOP_SRC="${HOPTOP_SRC:-$(cd "$here/.." && pwd)}"
[ $# -ge 1 ] && HOPTOP="$1"
# shellcheck source=tests/e2e/lib.sh
. "$here/e2e/lib.sh"
e2e_init
OUT="$HOPTOP_SRC/screenshots"
mkdir -p "$OUT"
for tool in aha chromium python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		e2e_log "screenshots: $tool is missing"
		exit 1
	}
done
COLS=110
ROWS=32

# to_html IN OUT TITLE: the captured screen (with escapes) as a page.
# The line-drawing characters that curses sends in the alternate character
# set (tmux marks them with SO ... SI) become their Unicode forms first.
to_html() {
	python3 - "$1" "$E2E_TMP/acs.txt" <<'PY'
import sys
acs = dict(zip("jklmnopqrstuvwx`afg~,+.-0hiyz{|}",
               "┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│◆▒°±·←→↓↑█␤␋≤≥π≠£"))
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
out, alt, i = [], False, 0
while i < len(text):
    ch = text[i]
    if ch == "\x1b" and text[i + 1:i + 2] == "[":
        # an escape sequence passes whole: CSI, parameters, final byte
        j = i + 2
        while j < len(text) and not "\x40" <= text[j] <= "\x7e":
            j += 1
        out.append(text[i:j + 1])
        i = j + 1
        continue
    if ch == "\x0e":
        alt = True
    elif ch == "\x0f":
        alt = False
    else:
        out.append(acs.get(ch, ch) if alt else ch)
    i += 1
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
	{
		cat <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>$3</title>
<style>
html, body { margin: 0; background: #101214; }
pre { margin: 0; padding: 14px 16px; color: #e6e6e6; background: #101214;
  font-family: "DejaVu Sans Mono", monospace; font-size: 14px;
  line-height: 17px; white-space: pre; }
</style></head><body><pre>
EOF
		aha --black --no-header <"$E2E_TMP/acs.txt"
		echo '</pre></body></html>'
	} >"$2"
}

# render HTML PNG: headless chromium, no network, a throwaway profile.
render() {
	local profile
	profile="$(mktemp -d "$E2E_TMP/chromium.XXXXXX")"
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars \
		--window-size=1100,700 --screenshot="$2" "file://$1" \
		>"$E2E_TMP/chromium.log" 2>&1
	if [ ! -s "$2" ]; then
		e2e_log "screenshots: chromium made no $2"
		tail -n 5 "$E2E_TMP/chromium.log" >&2
		return 1
	fi
}

# shot NAME: captures the current session's screen now; render_all makes
# the PNGs at the end (chromium is slow; the captures are not).
SHOTS=()
shot() {
	e2e_capture_e >"$E2E_TMP/$1.ansi"
	SHOTS+=("$1")
}

render_all() {
	local n
	for n in "${SHOTS[@]}"; do
		to_html "$E2E_TMP/$n.ansi" "$E2E_TMP/$n.html" "hoptop: $n"
		if render "$E2E_TMP/$n.html" "$OUT/$n.png"; then
			e2e_pass "wrote $OUT/$n.png"
		else
			e2e_fail "no $OUT/$n.png"
		fi
	done
}

ROW_LAST='^ *10\. '

# The details shot runs beside the main one (its own session).
e2e_start $COLS $ROWS "$HOPTOP --demo --flows 8"
details="$S"
e2e_start $COLS $ROWS "$HOPTOP --demo"
main="$S"
e2e_wait_for "$ROW_LAST" 10 || e2e_fail "no table"
# n n: addresses -> both -> the scenario's host names
e2e_keys n
sleep 0.3
e2e_keys n
sleep 8 # a few cycles, so the numbers and the lossy hop mean something
shot demo-table
S="$details"
# the ECMP hop is hop 7 of the demo path: the first Down selects hop 1
e2e_keys n
e2e_keys Down Down Down Down Down Down Down Enter
e2e_wait_for 'Hop 7' 3 && sleep 0.5 && shot demo-details
e2e_kill
S="$main"
e2e_keys j
e2e_wait_for 'Jttr' 3 && sleep 0.3 && shot demo-jitter
e2e_keys j
e2e_wait_gone 'Jttr' 3
e2e_keys h
e2e_wait_for 'hoptop keys' 3 && sleep 0.3 && shot demo-help
e2e_keys x
e2e_wait_gone 'hoptop keys' 3

sleep 12 # more history
e2e_keys d
e2e_wait_for '[▁▂▃▄▅▆▇█]' 3 && sleep 0.3 && shot demo-history
e2e_kill

# ---- loss verdicts: forwarding loss from hop 6, reply loss at hop 7 ----
e2e_start $COLS $ROWS "$HOPTOP --demo $HOPTOP_SRC/tests/data/scenarios/fwdloss.json -i 0.1"
if e2e_wait_for '^Loss: forwarding loss .* from hop 6' 30; then
	sleep 3
	shot demo-verdict
else
	e2e_fail "verdict: no forwarding-loss verdict"
fi
e2e_kill

# ---- several targets: the target list over the selected target's hops ----
sc=$HOPTOP_SRC/tests/data/scenarios
e2e_start $COLS $ROWS "$HOPTOP --demo $sc/demo.json $sc/fwdloss.json $sc/ecmp.json $sc/v6.json -i 0.2"
if e2e_wait_for 'fwdloss' 10; then
	sleep 6
	e2e_keys Tab
	sleep 1
	shot demo-targets
else
	e2e_fail "targets: no target list"
fi
e2e_kill

# ---- a replay of a recorded run: REPLAY and the recorded clock ----
"$HOPTOP" --demo -r -c 30 -i 0.2 --record "$E2E_TMP/shot.rec" >/dev/null 2>&1
e2e_start $COLS $ROWS "$HOPTOP --replay $E2E_TMP/shot.rec"
if e2e_wait_for 'REPLAY' 10; then
	sleep 3
	shot demo-replay
else
	e2e_fail "replay: no REPLAY header"
fi
e2e_kill

# ---- optional: a real chain of namespaces (root only) ----
LAB="$HOPTOP_SRC/tests/integration/lab.sh"
if [ "$(id -u)" -eq 0 ] && [ -x "$LAB" ] && command -v ip >/dev/null 2>&1; then
	P=e2eshot
	N=6
	if "$LAB" up "$P" "$N" >"$E2E_TMP/lab.log" 2>&1; then
		target="$("$LAB" target "$P" "$N")"
		e2e_start $COLS $ROWS "ip netns exec $P-src $HOPTOP -n $target"
		if e2e_wait_for "^ *$N\\. " 10; then
			sleep 6
			shot chain-table
		else
			e2e_fail "chain: no table"
		fi
		e2e_kill
	else
		e2e_log "chain: lab.sh up failed:"
		tail -n 5 "$E2E_TMP/lab.log" >&2
	fi
	"$LAB" down "$P"
else
	e2e_log "chain-table skipped (needs root and $LAB)"
fi

render_all
e2e_finish
