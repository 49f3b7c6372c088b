#!/usr/bin/env bash
# e2e: the keys of the live monitor on `hoptop --demo` in tmux: + - p space
# r s d j Down Enter Esc h, the redraw after a key, and s with a bad -o.
# No privilege needed. About 30 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_demo_facts

ROW_N="^ *$DEMO_N\\. "
EXPORT="$E2E_TMP/export"
mkdir -p "$EXPORT"

# Waits for the header's cycle number to move past $1; prints the new one.
next_cycle() {
	local from="$1" deadline c
	deadline=$(($(e2e_ms) + ${2:-3} * 1000))
	while [ "$(e2e_ms)" -lt "$deadline" ]; do
		E2E_SCREEN="$(e2e_capture)"
		c="$(e2e_cycle "$E2E_SCREEN")"
		if [ -n "$c" ] && [ "$c" -gt "$from" ]; then
			echo "$c"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# Snt of hop 1 (answers in 0.5 ms, so it is settled as soon as drawn) at
# the next cycle boundary after the current one; prints "CYCLE SNT".
snt_at_next_cycle() {
	local c
	c="$(e2e_cycle "$(e2e_capture)")"
	c="$(next_cycle "${c:-0}")" || return 1
	sleep 0.15 # one redraw after the cycle's sends
	E2E_SCREEN="$(e2e_capture)"
	echo "$(e2e_cycle "$E2E_SCREEN") $(e2e_snt "$E2E_SCREEN" 1)"
}

e2e_start 100 30 "$HOPTOP --demo -o $EXPORT"
e2e_wait_for "$ROW_N" 5 || e2e_fail "no table within 5 s"

# ---- + and - ----
e2e_keys +
e2e_check "+: the header shows 2 probes/hop" e2e_wait_for '2 probes/hop' 2
e2e_check "+: the status line says so" grep -q 'probes per hop' <<<"$(tail -n 1 <<<"$E2E_SCREEN")"
next_cycle "$(e2e_cycle "$E2E_SCREEN")" >/dev/null # the first cycle with 2
read -r c1 s1 <<<"$(snt_at_next_cycle)"
read -r c2 s2 <<<"$(snt_at_next_cycle)"
if [ -n "${s1:-}" ] && [ -n "${s2:-}" ] && [ "$c2" -gt "$c1" ]; then
	e2e_check "+: Snt grows by 2 per cycle (cycle $c1: $s1, cycle $c2: $s2)" [ $((s2 - s1)) -eq $((2 * (c2 - c1))) ]
else
	e2e_fail "+: could not read Snt at two cycles ($c1:$s1 $c2:$s2)"
fi
# ---- s writes a snapshot that matches the screen (at 2 probes/hop) ----
next_cycle "$(e2e_cycle "$(e2e_capture)")" >/dev/null
next_cycle "$(e2e_cycle "$(e2e_capture)")" >/dev/null
screen_a="$(e2e_capture)"
e2e_keys s
if e2e_wait_for 'snapshot saved to' 2; then
	screen_b="$E2E_SCREEN"
	file="$(tail -n 1 <<<"$screen_b" | sed -n 's/.*snapshot saved to \([^ ]*\).*/\1/p')"
	e2e_pass "s: the status line shows the path ($file)"
	case "$file" in
	"$EXPORT"/*) e2e_pass "s: the file is in the export dir" ;;
	*) e2e_fail "s: '$file' is not in the export dir $EXPORT" ;;
	esac
	if [ -f "$file" ]; then
		e2e_pass "s: the file exists"
		# "  N.|-- HOST  LOSS%  SNT ..." -> "TTL HOST LOSS SNT"
		awk '/^ *[0-9]+\.\|--/ {
			ttl = $1; sub(/\..*/, "", ttl); host = $2; i = 3
			if ($3 ~ /^\(/) { host = host "_" $3; i = 4 }
			loss = "-"; if ($i ~ /%$/) { loss = $i; i++ }
			print ttl, host, loss, $i }' "$file" >"$E2E_TMP/file.rows"
		e2e_rows "$screen_a" >"$E2E_TMP/a.rows"
		e2e_rows "$screen_b" >"$E2E_TMP/b.rows"
		# each row: same host; Snt between the screen before and after
		# (at most one cycle apart); Loss% one of the two screens'.
		if bad="$(awk '
			FILENAME ~ /a.rows$/ { ah[$1] = $2; al[$1] = $3; as[$1] = $4; next }
			FILENAME ~ /b.rows$/ { bh[$1] = $2; bl[$1] = $3; bs[$1] = $4; next }
			{ n++
			  if ($2 != ah[$1] || $2 != bh[$1]) print "hop " $1 ": host " $2 " vs screen " ah[$1] "/" bh[$1]
			  if ($4 + 0 < as[$1] + 0 || $4 + 0 > bs[$1] + 0) print "hop " $1 ": Snt " $4 " not in " as[$1] ".." bs[$1]
			  if (bs[$1] - as[$1] > probes) print "hop " $1 ": screens " as[$1] ".." bs[$1] " more than a cycle apart"
			  if ($3 != al[$1] && $3 != bl[$1]) print "hop " $1 ": Loss " $3 " vs screen " al[$1] "/" bl[$1] }
			END { if (n != cnt) print "file has " n " hop rows, expected " cnt }
		' cnt="$DEMO_N" probes=2 "$E2E_TMP/a.rows" "$E2E_TMP/b.rows" "$E2E_TMP/file.rows")" && [ -z "$bad" ]; then
			e2e_pass "s: the file's $DEMO_N hop rows match the screen (host, Snt, Loss%)"
			e2e_check "s: the file's header has the probes per hop of the screen (2 probes/hop)" \
				grep -q '2 probes/hop' "$file"
		else
			e2e_fail "s: the file does not match the screen: $bad"
			cat "$file" >&2
		fi
	else
		e2e_fail "s: no file at '$file'"
	fi
else
	e2e_fail "s: no 'snapshot saved to' message within 2 s"
fi

e2e_keys -
e2e_check "-: the header shows 1 probe/hop" e2e_wait_for '1 probe/hop' 2
next_cycle "$(e2e_cycle "$E2E_SCREEN")" >/dev/null
read -r c1 s1 <<<"$(snt_at_next_cycle)"
read -r c2 s2 <<<"$(snt_at_next_cycle)"
if [ -n "${s1:-}" ] && [ -n "${s2:-}" ] && [ "$c2" -gt "$c1" ]; then
	e2e_check "-: Snt grows by 1 per cycle (cycle $c1: $s1, cycle $c2: $s2)" [ $((s2 - s1)) -eq $((1 * (c2 - c1))) ]
else
	e2e_fail "-: could not read Snt at two cycles ($c1:$s1 $c2:$s2)"
fi

# ---- p stops, space resumes ----
e2e_keys p
e2e_check "p: the header shows Paused" e2e_wait_for 'Paused' 2
sleep 0.2
snt_p="$(e2e_snt "$(e2e_capture)" 1)"
cyc_p="$(e2e_cycle "$(e2e_capture)")"
sleep 2.5
snt_q="$(e2e_snt "$(e2e_capture)" 1)"
e2e_check "p: Snt unchanged over 2.5 s ($snt_p -> $snt_q)" [ "$snt_p" = "$snt_q" ]
e2e_check "p: the cycle count stays ($cyc_p)" [ "$cyc_p" = "$(e2e_cycle "$(e2e_capture)")" ]

# A view key must redraw at once. Paused and settled, nothing else makes
# the model dirty: press j just after the clock ticked, so a screen that
# waits for the next tick takes about 1 s.
clk="$(head -n 1 <<<"$(e2e_capture)" | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}')"
e2e_wait_gone "$clk" 2
t0=$(e2e_ms)
e2e_keys j
if e2e_wait_for 'Jttr' 3; then
	lat=$(($(e2e_ms) - t0))
	echo "TIMING key_to_redraw_ms=$lat"
	e2e_check "a view key (j) redraws within 500 ms (took $lat ms)" [ "$lat" -le 500 ]
else
	e2e_fail "j: no jitter columns within 3 s"
fi
e2e_keys j
e2e_wait_gone 'Jttr' 2

e2e_keys Space
e2e_check "space: the header shows Running" e2e_wait_for 'Running' 2
snt_moved() { [ "$(e2e_snt "$1" 1)" != "$snt_q" ]; }
e2e_poll_fn 3 snt_moved
snt_r="$(e2e_snt "$E2E_SCREEN" 1)"
e2e_check "space: Snt grows again ($snt_q -> $snt_r)" [ "${snt_r:-0}" -gt "${snt_q:-0}" ]

# ---- r resets ----
next_cycle "$(e2e_cycle "$(e2e_capture)")" >/dev/null
before="$(e2e_snt "$(e2e_capture)" 1)"
e2e_keys r
if e2e_wait_for 'statistics reset' 2; then
	after="$(e2e_snt "$E2E_SCREEN" 1)"
	e2e_check "r: Snt drops to 0 or 1 ($before -> ${after:-none})" [ "${after:-0}" -le 1 ]
	e2e_check "r: before the reset Snt was more than 1 ($before)" [ "${before:-0}" -gt 1 ]
else
	e2e_fail "r: no 'statistics reset' message within 2 s"
fi

# ---- d, j, details, Esc, help ----
e2e_keys d
e2e_check "d: the history view shows block characters" e2e_wait_for '[▁▂▃▄▅▆▇█]' 2
e2e_check "d: no statistics columns in the history view" e2e_wait_gone 'Loss%' 1
e2e_keys d
e2e_check "d again: the statistics table is back" e2e_wait_for 'Loss%.*Snt' 2
e2e_keys j
e2e_check "j: the jitter columns show (Jttr, Jint)" e2e_wait_for 'Jttr.*Jint' 2
e2e_keys j
e2e_check "j again: the jitter columns go" e2e_wait_gone 'Jttr' 2
e2e_keys Down Enter
if e2e_wait_for 'Hop 1 ' 2; then
	e2e_pass "Down Enter: the details panel of hop 1 opens"
	e2e_check "details: hop 1's responder is listed" e2e_wait_for '10\.78\.0\.1' 1
	e2e_check "details: the responder count shows" grep -Eq '1 responder' <<<"$E2E_SCREEN"
else
	e2e_fail "Down Enter: no details panel for hop 1 within 2 s"
fi
e2e_keys Escape
e2e_check "Esc: the details panel closes" e2e_wait_gone 'Hop 1 ' 2
e2e_check "Esc: the table is visible" e2e_wait_for "$ROW_N" 1
e2e_keys h
e2e_check "h: the help shows" e2e_wait_for 'hoptop keys' 2
e2e_keys x
e2e_check "any key closes the help" e2e_wait_for 'Loss%.*Snt' 2
e2e_kill

# ---- s with an export dir that does not exist ----
# Either refused at start (exit 2, one line) or s reports the failure.
e2e_start 100 30 "$HOPTOP --demo -o $E2E_TMP/nonexistent 2>$E2E_TMP/bad-o.err; echo EXIT=\$? >$E2E_TMP/bad-o.rc"
if e2e_wait_for "$ROW_N" 3; then
	e2e_keys s
	e2e_check "s with -o NONEXISTENT: the status line says the snapshot failed" \
		e2e_wait_for 'snapshot failed.*nonexistent' 2
	e2e_keys q
elif [ -f "$E2E_TMP/bad-o.rc" ]; then
	e2e_check "-o NONEXISTENT refused: exit 2" grep -q 'EXIT=2' "$E2E_TMP/bad-o.rc"
	e2e_check "-o NONEXISTENT refused: one line on stderr" [ "$(wc -l <"$E2E_TMP/bad-o.err")" -eq 1 ]
else
	e2e_fail "-o NONEXISTENT: neither a table nor an exit"
fi
e2e_kill

e2e_finish
