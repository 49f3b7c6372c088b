#!/usr/bin/env bash
# e2e: how `hoptop --demo` leaves the terminal: q and Ctrl-C exit 0,
# SIGTERM and SIGHUP exit 1, each restoring the terminal (tty modes as
# before, the alternate screen left, the shell usable); a terminal that
# goes away ends hoptop; no terminal
# (TERM=dumb, stdout not a tty) -> one line on stderr, nothing on stdout.
# No privilege needed. About 15 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_demo_facts

ROW_N="^ *$DEMO_N\\. "

# run_and_stop NAME HOW EXPECTED_STATUS: in an interactive shell in tmux,
# saves the tty modes, runs hoptop --demo, stops it by HOW (a key name for
# tmux, or TERM/HUP for a signal to its pid), then checks the exit status,
# the tty modes and the screen.
run_and_stop() {
	local name="$1" how="$2" want="$3" d="$E2E_TMP/$1" pid
	mkdir -p "$d"
	e2e_shell 100 30
	e2e_type "stty -g >$d/before; clear; sh -c 'echo \$\$ >$d/pid; exec \"\$0\" --demo' $HOPTOP; echo EXIT=\$? >$d/rc; stty -g >$d/after; echo DONE-\$((1 + 1))-$name"
	if ! e2e_wait_for "$ROW_N" 5; then
		e2e_fail "$name: no table within 5 s"
		e2e_kill
		return
	fi
	case "$how" in
	TERM | HUP)
		pid="$(cat "$d/pid")"
		kill -s "$how" "$pid"
		;;
	*) e2e_keys "$how" ;;
	esac
	if ! e2e_wait_for "^DONE-2-$name\$" 5; then
		e2e_fail "$name: hoptop did not exit within 5 s"
		[ -n "${pid:-}" ] && kill -s KILL "$pid" 2>/dev/null
		e2e_kill
		return
	fi
	e2e_check "$name: exit status $want ($(cat "$d/rc"))" grep -qx "EXIT=$want" "$d/rc"
	e2e_check "$name: the tty modes are as before" cmp -s "$d/before" "$d/after"
	e2e_check "$name: the table is gone (alternate screen left)" \
		e2e_wait_gone 'Loss%|SIMULATED' 1
	e2e_check "$name: the shell prompt is back" grep -q '^e2e>' <<<"$E2E_SCREEN"
	e2e_type "echo usable-\$((6 * 7))"
	e2e_check "$name: the shell is usable (a typed command echoes and runs)" \
		e2e_wait_for '^usable-42$' 3
	e2e_check "$name: the typed command line was echoed" grep -q 'echo usable-' <<<"$E2E_SCREEN"
	e2e_kill
}

run_and_stop quit q 0
run_and_stop ctrl-c C-c 0
run_and_stop sigterm TERM 1
run_and_stop sighup HUP 1

# ---- the terminal goes away (the pty hangs up: a closed window, a
# dropped ssh session). Here: tmux kill-session, no signal from us.
e2e_start 100 30 "$HOPTOP --demo"
if e2e_wait_for "$ROW_N" 5; then
	hpids="$(e2e_tree "$(e2e_pane_pid)" | tr '\n' ' ')"
	e2e_kill hangup
	if e2e_wait_cmd 3 eval '! e2e_alive '"$hpids"; then
		e2e_pass "hangup: hoptop exits when its terminal goes away"
	else
		E2E_FAILS=$((E2E_FAILS + 1))
		e2e_log "FAIL: hangup: hoptop still runs 3 s after its terminal went away:"
		# shellcheck disable=SC2086
		ps -o pid,stat,time,args -p "$(echo $hpids | tr " " ",")" >&2
		# shellcheck disable=SC2086
		kill -s KILL $hpids 2>/dev/null
	fi
else
	e2e_fail "hangup: no table within 5 s"
fi

# ---- no usable terminal ----
# no_terminal NAME CMD: CMD runs hoptop with stdout to $d/out, stderr to
# $d/err, status to $d/rc.
no_terminal_checks() {
	local name="$1" d="$2"
	e2e_check "$name: exits non-zero ($(cat "$d/rc" 2>/dev/null))" \
		grep -Eq '^EXIT=([1-9]|[1-9][0-9]+)$' "$d/rc"
	e2e_check "$name: not killed by the 5 s timeout" [ "$(cat "$d/rc")" != EXIT=124 ]
	e2e_check "$name: nothing on stdout" [ ! -s "$d/out" ]
	e2e_check "$name: one line on stderr" [ "$(wc -l <"$d/err")" -eq 1 ]
	e2e_check "$name: stderr suggests --report" grep -q -- '--report' "$d/err"
	e2e_log "   stderr: $(head -c 200 "$d/err")"
}

d="$E2E_TMP/notty"
mkdir -p "$d"
timeout 5 "$HOPTOP" --demo >"$d/out" 2>"$d/err" </dev/null
echo "EXIT=$?" >"$d/rc"
no_terminal_checks "stdout not a terminal" "$d"

# TERM=dumb on a real terminal (tmux): stdout is a tty here, so the
# check is that nothing reaches the screen between the two markers.
d="$E2E_TMP/dumb"
mkdir -p "$d"
: >"$d/out"
e2e_shell 100 30
e2e_type "clear; echo BEGIN-\$((1 + 1)); TERM=dumb timeout 5 $HOPTOP --demo 2>$d/err; echo EXIT=\$? >$d/rc; echo END-\$((1 + 1))"
if e2e_wait_for '^END-2$' 7; then
	# what the screen shows between the markers is hoptop's stdout
	sed -n '/^BEGIN-2$/,/^END-2$/p' <<<"$E2E_SCREEN" | sed '1d;$d' | grep -v '^$' >"$d/out"
	no_terminal_checks "TERM=dumb" "$d"
else
	e2e_fail "TERM=dumb: hoptop did not exit within 7 s"
fi
e2e_kill

e2e_finish
