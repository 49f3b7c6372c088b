#!/bin/bash
# tunlab.sh: a network namespace whose only way out is a TUN device served
# by tunsim (the netsim simulator), so real sockets meet a simulated path.
#
#   tunlab.sh up NAME SCENARIO [LOGFILE]  namespace NAME, tunsim on tun0
#   tunlab.sh down NAME                   stop tunsim (log written), delete NAME
#   tunlab.sh info SCENARIO               name, source4/6, target4/6 lines
#
# In NAME: lo up, tun0 up with the scenario's sources (from tunsim --info:
# 10.78.0.1/32 and fd00:78::1/128 style, no DAD), 10.78.0.0/16 and
# fd00:78::/32 routed via tun0 with those sources (and a host route to a
# target outside them), ping sockets allowed for every group. tunsim runs
# in the background: pid in /tmp/NAME.tunsim.pid, its stdout/stderr in
# /tmp/NAME.tunsim.out/.err, its JSON log in LOGFILE (default
# /tmp/NAME.tunsim.log), written when `down` stops it.
#
# The tunsim binary: $TUNSIM, else $HOPTOP_BUILD/tests/integration/tunsim;
# its extra options: $TUNSIM_ARGS (default "--rt 50": SCHED_FIFO, so its
# reply writes stay within microseconds of due on a busy machine).
# Exit 77 when not root, 2 on usage errors, 1 on failure (nothing left).
set -u

usage() {
	echo "usage: tunlab.sh up NAME SCENARIO [LOGFILE] | down NAME |" \
	    "info SCENARIO" >&2
	exit 2
}

check_name() {
	[[ $1 =~ ^[A-Za-z][A-Za-z0-9_-]{0,30}$ ]] ||
		{ echo "tunlab.sh: bad namespace name '$1'" >&2; exit 2; }
}

find_tunsim() {
	local t=${TUNSIM:-${HOPTOP_BUILD:+$HOPTOP_BUILD/tests/integration/tunsim}}
	if [[ -z $t || ! -x $t ]]; then
		echo "tunlab.sh: no tunsim binary; set TUNSIM or HOPTOP_BUILD" >&2
		exit 1
	fi
	echo "$t"
}

# The value of KEY in tunsim --info output (empty if absent).
info_get() {
	awk -v k="$2" '$1 == k { print $2 }' <<<"$1"
}

pid_file() { echo "/tmp/$1.tunsim.pid"; }

# True if PID is a live tunsim (never signal a recycled pid).
is_tunsim() {
	[[ -r /proc/$1/cmdline ]] &&
		tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'tunsim.*--dev'
}

stop_tunsim() {
	local pf pid i
	pf=$(pid_file "$1")
	[[ -r $pf ]] || return 0
	pid=$(<"$pf")
	if [[ $pid =~ ^[0-9]+$ ]] && is_tunsim "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			is_tunsim "$pid" || break
			sleep 0.1
		done
		if is_tunsim "$pid"; then
			echo "tunlab.sh: tunsim $pid did not stop; killing it" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	rm -f "$pf" "/tmp/$1.tunsim.out" "/tmp/$1.tunsim.err"
}

lab_down() {
	stop_tunsim "$1"
	if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$1"; then
		ip netns del "$1"
	fi
	return 0
}

# sysctls of the namespace, before tun0 exists (so it inherits them).
# shellcheck disable=SC2016 # expanded by the inner sh
ns_sysctls() {
	ip netns exec "$1" sh -ec '
		w() { echo "$2" > "/proc/sys/$1"; }
		w net/ipv4/ping_group_range "0 2147483647"
		for c in all default; do
			w net/ipv6/conf/$c/disable_ipv6 0
			w net/ipv6/conf/$c/accept_dad 0
			w net/ipv6/conf/$c/dad_transmits 0
			w net/ipv6/conf/$c/accept_ra 0
			w net/ipv6/conf/$c/router_solicitations 0
		done'
}

# Starts tunsim in NAME and waits (at most 10 s) for its "ready".
start_tunsim() {
	local name=$1 scen=$2 log=$3 tunsim=$4 pid i
	rm -f "/tmp/$name.tunsim.out" "/tmp/$name.tunsim.err" "$log"
	# shellcheck disable=SC2086 # TUNSIM_ARGS: words on purpose
	ip netns exec "$name" "$tunsim" --scenario "$scen" --dev tun0 \
	    --log "$log" ${TUNSIM_ARGS---rt 50} </dev/null \
	    >"/tmp/$name.tunsim.out" 2>"/tmp/$name.tunsim.err" &
	pid=$!
	echo "$pid" >"$(pid_file "$name")"
	for ((i = 0; i < 200; i++)); do
		grep -qx ready "/tmp/$name.tunsim.out" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "tunlab.sh: tunsim did not start:" \
	    "$(head -c 300 "/tmp/$name.tunsim.err")" >&2
	return 1
}

lab_up() {
	local name=$1 scen=$2 log=$3 tunsim info s4 s6 t4 t6
	tunsim=$(find_tunsim) || return 1
	info=$("$tunsim" --scenario "$scen" --info) || return 1
	s4=$(info_get "$info" source4) s6=$(info_get "$info" source6)
	t4=$(info_get "$info" target4) t6=$(info_get "$info" target6)
	ip netns add "$name" || return 1
	ip -n "$name" link set lo up || return 1
	ns_sysctls "$name" || return 1
	start_tunsim "$name" "$scen" "$log" "$tunsim" || return 1
	ip netns exec "$name" sh -c \
	    'echo 0 > /proc/sys/net/ipv6/conf/tun0/disable_ipv6' || return 1
	ip -n "$name" link set tun0 up || return 1
	if [[ -n $s4 ]]; then
		ip -n "$name" addr add "$s4/32" dev tun0 || return 1
		ip -n "$name" route add 10.78.0.0/16 dev tun0 src "$s4" ||
			return 1
		route_target "$name" "$t4" "$s4" || return 1
	fi
	if [[ -n $s6 ]]; then
		ip -n "$name" addr add "$s6/128" dev tun0 nodad || return 1
		ip -n "$name" -6 route add fd00:78::/32 dev tun0 src "$s6" ||
			return 1
		route_target "$name" "$t6" "$s6" || return 1
	fi
}

# A host route to a target the prefixes above do not cover.
route_target() {
	local name=$1 t=$2 src=$3
	[[ -n $t ]] || return 0
	ip -n "$name" route get "$t" 2>/dev/null | grep -q 'dev tun0' &&
		return 0
	ip -n "$name" route add "$t" dev tun0 src "$src"
}

(($# >= 2)) || usage
cmd=$1
case $cmd in
info)
	t=$(find_tunsim) || exit 1
	exec "$t" --scenario "$2" --info
	;;
up) (($# == 3 || $# == 4)) || usage ;;
down) (($# == 2)) || usage ;;
*) usage ;;
esac
check_name "$2"
if (($(id -u) != 0)); then
	echo "tunlab.sh: needs root (network namespaces, TUN)" >&2
	exit 77
fi
if [[ $cmd == down ]]; then
	lab_down "$2"
	exit 0
fi
if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$2"; then
	echo "tunlab.sh: namespace $2 exists; run: tunlab.sh down $2" >&2
	exit 1
fi
if ! lab_up "$2" "$3" "${4:-/tmp/$2.tunsim.log}"; then
	echo "tunlab.sh: setting up $2 failed; removed it" >&2
	lab_down "$2"
	exit 1
fi
