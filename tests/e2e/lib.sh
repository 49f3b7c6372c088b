# shellcheck shell=bash
#
# Shared helpers for the end-to-end tests: the real hoptop binary driven in
# tmux. Source it, then call e2e_init. Every session gets a unique name
# (hte2e-PID-N) on a private tmux server socket and is killed by its own
# name on exit. Every wait is bounded.
#
# Environment (set by ctest): HOPTOP (the binary), HOPTOP_SRC, HOPTOP_BUILD.

E2E_PREFIX="hte2e-$$"
E2E_SOCK="$E2E_PREFIX"
E2E_N=0
E2E_SESSIONS=()
E2E_FAILS=0
E2E_PASSES=0
E2E_TMP=""
S="" # the current session

e2e_log() { printf '%s\n' "$*" >&2; }

# Kills every session this script started (by name), with what runs in
# it, and removes the temp dir.
e2e_cleanup() {
	local s
	for s in "${E2E_SESSIONS[@]}"; do
		e2e_kill_session "$s"
	done
	# the server is gone with its last session; its socket file stays
	s="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$E2E_SOCK"
	if [ -S "$s" ] && ! tmux -L "$E2E_SOCK" list-sessions >/dev/null 2>&1; then
		rm -f -- "$s"
	fi
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		rm -rf -- "$E2E_TMP"
	fi
}

# e2e_tree PID: PID and all its descendants, parents first.
e2e_tree() {
	ps -eo pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END {
			n = split(root, q, " ")
			for (i = 1; i <= n; i++) {
				print q[i]
				m = split(kids[q[i]], k, " ")
				for (j = 1; j <= m; j++) q[++n] = k[j]
			}
		}'
}

# e2e_alive PID...: 0 if any of them still runs (a zombie does not).
e2e_alive() {
	local list="$*"
	[ -n "$list" ] || return 1
	ps -o stat= -p "${list// /,}" 2>/dev/null | grep -qv '^Z'
}

# e2e_not_bash PID...: those of the pids that are not bash.
e2e_not_bash() {
	local list="$*"
	[ -n "$list" ] || return 0
	ps -o pid=,comm= -p "${list// /,}" 2>/dev/null | awk '$2 != "bash" { print $1 }' | tr '\n' ' '
}

# e2e_kill_session NAME [hangup]: ends a session and every process in its
# pane, each by its pid: SIGTERM first (so hoptop restores the terminal it
# still has), then the session; whatever survives a second gets SIGKILL.
# "hangup": no SIGTERM, the session just goes (the terminal hangs up).
e2e_kill_session() {
	local name="$1" mode="${2:-}" pane pids busy
	pane="$(tmux -L "$E2E_SOCK" display-message -p -t "=$name:" '#{pane_pid}' 2>/dev/null)"
	pids=""
	[ -n "$pane" ] && pids="$(e2e_tree "$pane" | tr '\n' ' ')"
	pids="${pids% }"
	if [ -n "$pids" ] && [ "$mode" != hangup ]; then
		# an interactive shell ignores SIGTERM: wait for the others
		# shellcheck disable=SC2086 # a list of pids
		busy="$(e2e_not_bash $pids)"
		# shellcheck disable=SC2086
		kill -s TERM $pids 2>/dev/null
		[ -n "$busy" ] && e2e_wait_cmd 1 eval '! e2e_alive '"$busy"
	fi
	tmux -L "$E2E_SOCK" kill-session -t "=$name" 2>/dev/null
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	if [ "$mode" != hangup ] && ! e2e_wait_cmd 1 eval '! e2e_alive '"$pids"; then
		# shellcheck disable=SC2086
		kill -s KILL $pids 2>/dev/null
	fi
	return 0
}

# e2e_init [notmux]: checks the tools, finds the binary, makes a temp dir
# (E2E_TMP, removed on exit), sets the trap. Without tmux: exit 77 (skip),
# unless the script needs no tmux ("notmux").
e2e_init() {
	local here
	here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
	if [ "${1:-}" != notmux ] && ! command -v tmux >/dev/null 2>&1; then
		e2e_log "SKIP: tmux is not installed"
		exit 77
	fi
	HOPTOP_SRC="${HOPTOP_SRC:-$here}"
	HOPTOP="${HOPTOP:-${HOPTOP_BUILD:-$here/build}/hoptop}"
	if [ ! -x "$HOPTOP" ]; then
		e2e_log "FAIL: no hoptop binary at '$HOPTOP' (set HOPTOP)"
		exit 1
	fi
	HOPTOP="$(cd "$(dirname "$HOPTOP")" && pwd)/$(basename "$HOPTOP")"
	# the tmux server takes its UTF-8 handling from the first client
	export LANG=C.UTF-8
	unset LC_ALL TMUX NO_COLOR
	E2E_TMP="$(mktemp -d /tmp/hte2e.XXXXXX)"
	chmod 755 "$E2E_TMP"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
	if [ "${1:-}" != notmux ]; then
		# A session that lives as long as the script: the private server
		# must not exit (and race a new session) when a test session ends.
		E2E_SESSIONS+=("$E2E_PREFIX-0")
		tmux -L "$E2E_SOCK" -f /dev/null new-session -d -s "$E2E_PREFIX-0" \
			-x 80 -y 24 "sleep 900"
	fi
}

# e2e_start W H CMD...: starts CMD in a new detached session of size WxH
# (TERM=xterm-256color, LANG=C.UTF-8) and makes it the current session S.
e2e_start() {
	local w="$1" h="$2"
	shift 2
	E2E_N=$((E2E_N + 1))
	S="$E2E_PREFIX-$E2E_N"
	E2E_SESSIONS+=("$S")
	# remain-on-exit in the same command queue: set before the command can
	# end, so the pane stays to show what the command left
	tmux -L "$E2E_SOCK" -f /dev/null new-session -d -s "$S" -x "$w" -y "$h" \
		"env TERM=xterm-256color LANG=C.UTF-8 LC_ALL= $*" \; \
		set-option -w -t "=$S:" remain-on-exit on >/dev/null
}

# e2e_shell W H: an interactive bash (no rc files) with prompt "e2e> ".
e2e_shell() {
	e2e_start "$1" "$2" "PS1='e2e> ' HOME=$E2E_TMP bash --norc --noprofile -i"
	e2e_wait_for '^e2e>' 5 || e2e_fail "the shell prompt did not appear"
}

# The visible screen of the current session (plain text).
e2e_capture() {
	tmux -L "$E2E_SOCK" capture-pane -p -t "=$S:"
}

# The screen with attributes and colours as escape sequences.
e2e_capture_e() {
	tmux -L "$E2E_SOCK" capture-pane -e -p -t "=$S:"
}

# e2e_keys KEY...: tmux key names (Down, Enter, Escape, C-c, q).
e2e_keys() {
	tmux -L "$E2E_SOCK" send-keys -t "=$S:" "$@"
}

# e2e_type TEXT: literal text, then Enter.
e2e_type() {
	tmux -L "$E2E_SOCK" send-keys -t "=$S:" -l "$1"
	tmux -L "$E2E_SOCK" send-keys -t "=$S:" Enter
}

e2e_resize() {
	tmux -L "$E2E_SOCK" resize-window -t "=$S" -x "$1" -y "$2"
}

# The pid of the process running in the pane (the command tmux started).
e2e_pane_pid() {
	tmux -L "$E2E_SOCK" display-message -p -t "=$S:" '#{pane_pid}'
}

# 1 if the pane's command has exited (remain-on-exit keeps the pane).
e2e_pane_dead() {
	tmux -L "$E2E_SOCK" display-message -p -t "=$S:" '#{pane_dead}'
}

# Ends the current session and what runs in it (see e2e_kill_session).
e2e_kill() {
	e2e_kill_session "$S" "${1:-}"
}

# Milliseconds since the epoch.
e2e_ms() {
	local t
	t="$(date +%s%N)"
	echo $((t / 1000000))
}

# e2e_wait_for REGEX TIMEOUT_S: polls the screen every 50 ms until an
# extended regex matches; 0 if it did, 1 on timeout. The last screen is
# left in E2E_SCREEN.
e2e_wait_for() {
	local re="$1" deadline
	deadline=$(($(e2e_ms) + ${2%.*} * 1000))
	while :; do
		E2E_SCREEN="$(e2e_capture)"
		if grep -Eq -- "$re" <<<"$E2E_SCREEN"; then
			return 0
		fi
		[ "$(e2e_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# e2e_wait_gone REGEX TIMEOUT_S: waits until REGEX no longer matches.
e2e_wait_gone() {
	local re="$1" deadline
	deadline=$(($(e2e_ms) + ${2%.*} * 1000))
	while :; do
		E2E_SCREEN="$(e2e_capture)"
		if ! grep -Eq -- "$re" <<<"$E2E_SCREEN"; then
			return 0
		fi
		[ "$(e2e_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# e2e_wait_cmd TIMEOUT_S CMD...: polls a shell command until it succeeds.
e2e_wait_cmd() {
	local deadline
	deadline=$(($(e2e_ms) + ${1%.*} * 1000))
	shift
	while :; do
		"$@" && return 0
		[ "$(e2e_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# e2e_fail MESSAGE: records a failure and prints the last screen.
e2e_fail() {
	E2E_FAILS=$((E2E_FAILS + 1))
	e2e_log "FAIL: $*"
	if [ -n "$S" ]; then
		e2e_log "---- screen of $S ----"
		e2e_capture >&2 2>/dev/null || e2e_log "(no screen)"
		e2e_log "----------------------"
	fi
}

e2e_pass() {
	E2E_PASSES=$((E2E_PASSES + 1))
	e2e_log "ok: $*"
}

# e2e_check DESCRIPTION CMD...: pass if CMD succeeds, else fail.
e2e_check() {
	local what="$1"
	shift
	if "$@"; then
		e2e_pass "$what"
	else
		e2e_fail "$what"
	fi
}

# Prints a summary; exits 1 if anything failed.
e2e_finish() {
	e2e_log "== $(basename "$0"): $E2E_PASSES passed, $E2E_FAILS failed"
	[ "$E2E_FAILS" -eq 0 ] || exit 1
	exit 0
}

# ---- reading the hoptop screen ----

# The table rows of a screen, one line per hop row: "TTL HOST LOSS SNT LAST"
# ("-" for an empty cell). Hop rows start with "NN."; the lines of further
# responders of a hop are skipped. HOST may be "name (addr)", one word here.
e2e_rows() {
	awk '/^ *[0-9]+\. / {
		ttl = $1; sub(/\./, "", ttl)
		host = $2; i = 3
		if ($3 ~ /^\(/) { host = host "_" $3; i = 4 }
		loss = "-"
		# Loss% may carry the loss-cause marker (R, F, ?) after the %
		if ($i ~ /%[RF?]?$/) { loss = $i; sub(/[RF?]$/, "", loss); i++ }
		snt = ($i ~ /^[0-9]+$/) ? $i : "-"
		last = ($(i + 1) ~ /^[0-9.]+$/) ? $(i + 1) : "-"
		print ttl, host, loss, snt, last
	}' <<<"$1"
}

# The Snt of hop TTL on a screen (empty if there is no such row).
e2e_snt() {
	e2e_rows "$1" | awk -v t="$2" '$1 == t { print $4; exit }'
}

# The "cycle N" number in the header.
e2e_cycle() {
	sed -n 's/.*cycle \([0-9][0-9]*\).*/\1/p' <<<"$1" | head -n 1
}

# Facts about the built-in demo path, read from its scenario file
# (tests/data/scenarios/demo.json, which netsim embeds byte for byte):
# DEMO_N hops (the target's TTL), DEMO_SILENT / DEMO_LOSSY / DEMO_ECMP (the
# TTL of the first such hop), DEMO_TARGET (IPv4 address).
e2e_demo_facts() {
	local f="$HOPTOP_SRC/tests/data/scenarios/demo.json" facts
	if [ ! -r "$f" ] || ! command -v python3 >/dev/null 2>&1; then
		e2e_log "FAIL: cannot read the demo scenario $f (or no python3)"
		exit 1
	fi
	facts="$(python3 - "$f" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
hops = s["hops"]
def first(pred):
    return next((i + 1 for i, h in enumerate(hops) if pred(h)), 0)
v4 = lambda h: [a for a in h.get("addrs", []) if ":" not in a]
print(len(hops), first(lambda h: h.get("silent")),
      first(lambda h: h.get("loss", 0) > 0),
      first(lambda h: len(v4(h)) > 1), s["target"]["v4"],
      s.get("names", {}).get(s["target"]["v4"], s["target"]["v4"]))
PY
)" || exit 1
	# shellcheck disable=SC2034 # used by the scripts that source this
	read -r DEMO_N DEMO_SILENT DEMO_LOSSY DEMO_ECMP DEMO_TARGET \
		DEMO_TARGET_NAME <<<"$facts"
}

# e2e_poll_fn TIMEOUT_S FN: polls the screen every 50 ms until FN SCREEN
# succeeds; the last screen is left in E2E_SCREEN.
e2e_poll_fn() {
	local fn="$2" deadline
	deadline=$(($(e2e_ms) + ${1%.*} * 1000))
	while :; do
		E2E_SCREEN="$(e2e_capture)"
		"$fn" "$E2E_SCREEN" && return 0
		[ "$(e2e_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# e2e_one_line STATUS REGEX ARGS...: hoptop ARGS exits STATUS, prints
# nothing on stdout and one line on stderr matching REGEX.
e2e_one_line() {
	local want="$1" re="$2" rc out="$E2E_TMP/one_line.out" err="$E2E_TMP/one_line.err"
	shift 2
	timeout 10 "$HOPTOP" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	e2e_check "'$*': exit $want ($rc)" [ "$rc" = "$want" ]
	e2e_check "'$*': nothing on stdout" [ ! -s "$out" ]
	e2e_check "'$*': one line on stderr" [ "$(wc -l <"$err")" = 1 ]
	e2e_check "'$*': says /$re/" grep -Eq -- "$re" "$err"
	e2e_log "   stderr: $(head -c 200 "$err")"
}

# e2e_as_user CMD...: runs CMD without privilege (as nobody under root).
e2e_as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# e2e_need_setpriv: exit 77 (skipped) when root has no setpriv to drop to.
e2e_need_setpriv() {
	if [ "$(id -u)" -eq 0 ] && ! command -v setpriv >/dev/null 2>&1; then
		e2e_log "SKIP: running as root and setpriv is missing"
		exit 77
	fi
}
