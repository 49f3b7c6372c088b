#!/usr/bin/env bash
# e2e: the monitor with stdin that is not a terminal (</dev/null, or a
# background job of a script, which bash gives /dev/null): hoptop refuses
# with one line on stderr and exit 2, and never spins. Whatever still runs
# after 2 s must have used (almost) no CPU. No privilege needed. About 10 s.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init

# cpu_ticks PID: utime + stime of PID in clock ticks (empty if gone).
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null
}

# stdin_case NAME CMD: runs CMD (which must write hoptop's pid to $d/pid and
# its stderr to $d/err) in a tmux shell, where stdout is a terminal.
stdin_case() {
	local name="$1" cmd="$2" d="$E2E_TMP/$1" pid ticks
	mkdir -p "$d"
	e2e_shell 100 30
	e2e_type "${cmd//@D@/$d}; echo EXIT=\$? >$d/rc; echo DONE-\$((1 + 1))"
	e2e_wait_for '^DONE-2$' 3
	if [ -s "$d/rc" ]; then
		e2e_check "$name: exit status 2 ($(cat "$d/rc"))" grep -qx "EXIT=2" "$d/rc"
		e2e_check "$name: one line on stderr" [ "$(wc -l <"$d/err")" -eq 1 ]
		e2e_check "$name: says stdin is not a terminal" \
			grep -q 'input is not a terminal' "$d/err"
		e2e_check "$name: suggests --report" grep -q -- '--report' "$d/err"
		e2e_log "   stderr: $(head -c 200 "$d/err")"
	else
		pid="$(cat "$d/pid" 2>/dev/null)"
		ticks="$(cpu_ticks "$pid")"
		e2e_fail "$name: still running after 3 s, CPU ${ticks:-?} ticks"
		[ -n "$pid" ] && kill -s KILL "$pid" 2>/dev/null
	fi
	e2e_kill
}

stdin_case devnull "sh -c 'echo \$\$ >@D@/pid; exec \"\$0\" --demo 2>@D@/err </dev/null' $HOPTOP"
# A script's background job: bash points its stdin at /dev/null.
stdin_case background "bash -c '\"\$0\" --demo 2>@D@/err & echo \$! >@D@/pid; wait \$!' $HOPTOP"

e2e_finish
