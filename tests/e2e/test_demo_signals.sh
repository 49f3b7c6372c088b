#!/usr/bin/env bash
# e2e: every signal whose default action ends the process (and that can be
# caught) ends `hoptop --demo` cleanly with the terminal restored: SIGQUIT,
# SIGUSR1, SIGUSR2, SIGALRM and the rest (not only INT/TERM/HUP, which
# test_demo_terminal covers). For each: exit status 1, tty modes as before
# (icrnl, opost back), the shell usable. No privilege needed. About 30 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_demo_facts

ROW_N="^ *$DEMO_N\\. "

# stop_with SIG: in an interactive shell in tmux, runs hoptop --demo, sends
# SIG to its pid, then checks the exit status and the tty modes.
stop_with() {
	local sig="$1" d="$E2E_TMP/$1" pid
	mkdir -p "$d"
	e2e_shell 100 30
	# sh (not the interactive bash, which would restore the modes of a
	# job killed by a signal) reads the modes right after hoptop ends
	e2e_type "stty -g >$d/before; clear; sh -c 'echo \$\$ >$d/shpid; \"\$0\" --demo; echo EXIT=\$? >$d/rc; stty -g >$d/after; stty -a >$d/modes' $HOPTOP; echo DONE-\$((1 + 1))-$sig"
	if ! e2e_wait_for "$ROW_N" 5; then
		e2e_fail "$sig: no table within 5 s"
		e2e_kill
		return
	fi
	pid="$(ps -o pid= --ppid "$(cat "$d/shpid")" | tr -d ' ')"
	kill -s "$sig" "$pid"
	if ! e2e_wait_for "DONE-2-$sig\$" 5; then
		e2e_fail "$sig: hoptop did not exit within 5 s"
		kill -s KILL "$pid" 2>/dev/null
		e2e_kill
		return
	fi
	e2e_check "$sig: output starts lines again (onlcr)" grep -q "^DONE-2-$sig\$" <<<"$E2E_SCREEN"
	e2e_check "$sig: exit status 1 ($(cat "$d/rc"))" grep -qx "EXIT=1" "$d/rc"
	e2e_check "$sig: the tty modes are as before" cmp -s "$d/before" "$d/after"
	e2e_check "$sig: icrnl is back" grep -Eq '(^| )icrnl( |$)' "$d/modes"
	e2e_check "$sig: opost is back" grep -Eq '(^| )opost( |$)' "$d/modes"
	e2e_check "$sig: the table is gone" e2e_wait_gone 'Loss%|SIMULATED' 1
	e2e_type "echo usable-\$((6 * 7))"
	e2e_check "$sig: the shell is usable" e2e_wait_for '^usable-42$' 3
	e2e_kill
}

for sig in ${SIGS:-QUIT USR1 USR2 ALRM VTALRM PROF XCPU XFSZ IO PWR RTMIN RTMAX}; do
	stop_with $sig
done

e2e_finish
