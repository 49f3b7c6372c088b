#!/bin/bash
# dnslab.sh: a real DNS server (dnsmasq) inside a network namespace, serving
# reverse names (PTR) and AS numbers (Team Cymru style TXT) of lab addresses,
# for the root integration tests. Needs root, ip(8) and /usr/sbin/dnsmasq.
#
# usage:
#   dnslab.sh start NS PORT RECORD...
#       Starts dnsmasq in netns NS on PORT (UDP and TCP, every address of
#       NS, lo brought up), waits until it answers, and prints the pid file
#       path (DNSLAB_DIR/dnslab-NS-PORT.pid) on stdout. Queries are logged
#       next to it (dnslab-NS-PORT.log). Exit 1 if it did not come up.
#   dnslab.sh stop PIDFILE
#       Stops that dnsmasq (only if the pid is still a dnsmasq), removes
#       the pid file. Safe to call twice.
#   dnslab.sh resolv NS ADDR       writes /etc/netns/NS/resolv.conf
#   dnslab.sh unresolv NS          removes it (and /etc/netns/NS if empty)
#   dnslab.sh revname ADDR         prints the PTR name of ADDR
#
# RECORD (any number):
#   ptr=ADDR,NAME        PTR for ADDR (IPv4 or IPv6): ptr=10.201.0.1,r1.lab.test
#   asn=ADDR,ZONE,TEXT   TXT at reversed-ADDR.ZONE, e.g.
#                        "asn=10.201.0.1,origin.asn.test,64512 | 10.201.0.0/16 | ZZ | lab | 2026-01-01"
#                        (hoptop: --asn-zone origin.asn.test; IPv6 with ZONE
#                        origin6.asn.test or whatever zone6 is in use)
#   txt=NAME,TEXT        TXT at NAME as is
#   --dnsmasq-option     passed to dnsmasq unchanged
# Names under in-addr.arpa, ip6.arpa and every asn= zone without a record
# answer NXDOMAIN (never forwarded: dnsmasq has no upstream server).
#
# environment: DNSLAB_DIR (pid and log files; default /tmp),
#              DNSLAB_TTL (TTL of every answer, seconds; default 60).
#
# Giving a namespace its own resolver (so the real binary is tested through
# the system configuration path, /etc/resolv.conf, not a --dns-server seam):
#   `ip netns exec NS CMD` runs CMD in a private mount namespace in which
#   every file /etc/netns/NS/FILE is bind-mounted over /etc/FILE. So
#       dnslab.sh resolv NS 127.0.0.1     # /etc/netns/NS/resolv.conf
#       dnslab.sh start NS 53 ptr=...     # resolv.conf has no port: use 53
#       ip netns exec NS hoptop ...       # reads "nameserver 127.0.0.1"
#   and an /etc/netns/NS/hosts file would likewise replace /etc/hosts. Port
#   53 inside NS does not collide with the host's. The simplest lab runs
#   dnsmasq in the same namespace as hoptop (nameserver 127.0.0.1); a server
#   in another namespace works too if it is routed (dnsmasq here answers
#   queries from any source). The bind mount needs /etc/resolv.conf to exist
#   on the host (a dangling symlink makes ip netns exec warn and skip it).
#   Only namespaces a test created itself; `dnslab.sh unresolv NS` after.
set -u

die() {
	echo "dnslab: $*" >&2
	exit 1
}

# The 32 hex digits of an IPv6 address (no embedded IPv4 form).
expand6() {
	local a=$1 head tail g out="" i n
	local -a h=() t=()

	if [[ $a == *::* ]]; then
		head=${a%%::*}
		tail=${a#*::}
		[[ $tail == *::* ]] && return 1
	else
		head=$a
		tail=
	fi
	[[ -n $head ]] && IFS=: read -ra h <<<"$head"
	[[ -n $tail ]] && IFS=: read -ra t <<<"$tail"
	n=$((8 - ${#h[@]} - ${#t[@]}))
	if [[ $a == *::* ]]; then
		((n >= 1)) || return 1
	else
		((n == 0)) || return 1
	fi
	for g in "${h[@]}"; do
		[[ $g =~ ^[0-9a-fA-F]{1,4}$ ]] || return 1
		out+=$(printf %04x "0x$g")
	done
	for ((i = 0; i < n; i++)); do out+=0000; done
	for g in "${t[@]}"; do
		[[ $g =~ ^[0-9a-fA-F]{1,4}$ ]] || return 1
		out+=$(printf %04x "0x$g")
	done
	echo "$out"
}

# "d.c.b.a." (IPv4) or the 32 reversed nibbles with dots (IPv6).
revbase() {
	local a=$1 x s="" i
	local -a o

	if [[ $a =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]]; then
		o=("${BASH_REMATCH[@]:1}")
		for i in 0 1 2 3; do ((10#${o[i]} <= 255)) || return 1; done
		echo "$((10#${o[3]})).$((10#${o[2]})).$((10#${o[1]})).$((10#${o[0]}))."
		return 0
	fi
	x=$(expand6 "$a") || return 1
	for ((i = 31; i >= 0; i--)); do s+="${x:i:1}."; done
	echo "$s"
}

revname() {
	local b

	b=$(revbase "$1") || die "not an address: $1"
	if [[ $1 == *:* ]]; then echo "${b}ip6.arpa"; else echo "${b}in-addr.arpa"; fi
}

# Turns RECORD arguments into dnsmasq options (one per line in OPTS).
records() {
	local r addr name zone text b
	local -A zones=()

	OPTS=()
	for r in "$@"; do
		case $r in
		ptr=*)
			IFS=, read -r addr name <<<"${r#ptr=}"
			[[ -n $name ]] || die "bad record: $r"
			OPTS+=("--ptr-record=$(revname "$addr"),$name")
			;;
		asn=*)
			IFS=, read -r addr zone text <<<"${r#asn=}"
			[[ -n $zone && -n $text ]] || die "bad record: $r"
			b=$(revbase "$addr") || die "not an address: $addr"
			OPTS+=("--txt-record=$b$zone,$text")
			zones[$zone]=1
			;;
		txt=*) OPTS+=("--txt-record=${r#txt=}") ;;
		--*) OPTS+=("$r") ;;
		*) die "unknown record: $r" ;;
		esac
	done
	for zone in "${!zones[@]}"; do OPTS+=("--local=/$zone/"); done
}

ns_ok() {
	[[ $1 =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad namespace name: $1"
	ip netns list | awk '{print $1}' | grep -qx -- "$1" ||
		die "no network namespace $1 (ip netns add $1)"
}

is_dnsmasq() {
	[[ $1 =~ ^[0-9]+$ ]] && [[ "$(cat /proc/"$1"/comm 2>/dev/null)" == dnsmasq ]]
}

cmd_start() {
	local ns=$1 port=$2 dir=${DNSLAB_DIR:-/tmp} pidf log pid i
	shift 2

	[[ $(id -u) == 0 ]] || die "needs root"
	[[ -x /usr/sbin/dnsmasq ]] || die "no /usr/sbin/dnsmasq (apt-get install dnsmasq-base)"
	if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
		die "bad port: $port"
	fi
	ns_ok "$ns"
	records "$@"
	pidf=$dir/dnslab-$ns-$port.pid
	log=$dir/dnslab-$ns-$port.log
	[[ -e $pidf ]] && is_dnsmasq "$(cat "$pidf")" && die "already running: $pidf"
	rm -f "$pidf"
	ip netns exec "$ns" ip link set lo up || die "cannot bring up lo in $ns"
	# ip netns exec execs in place: $! is dnsmasq itself.
	ip netns exec "$ns" /usr/sbin/dnsmasq -k -C /dev/null --no-resolv \
		--no-hosts --port="$port" --pid-file= --user=root \
		--local-ttl="${DNSLAB_TTL:-60}" --local=/in-addr.arpa/ \
		--local=/ip6.arpa/ --log-queries --log-facility="$log" \
		"${OPTS[@]}" </dev/null >>"$log" 2>&1 &
	pid=$!
	echo "$pid" >"$pidf"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		if ip netns exec "$ns" bash -c \
			"exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
			echo "$pidf"
			return 0
		fi
		sleep 0.05
	done
	cmd_stop "$pidf"
	die "dnsmasq did not start in $ns on port $port; see $log"
}

cmd_stop() {
	local pidf=$1 pid i

	[[ -f $pidf ]] || return 0
	pid=$(cat "$pidf")
	if is_dnsmasq "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 40; i++)); do
			is_dnsmasq "$pid" || break
			sleep 0.05
		done
		is_dnsmasq "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$pidf"
	return 0
}

cmd_resolv() {
	local ns=$1 addr=$2

	ns_ok "$ns"
	revbase "$addr" >/dev/null || die "not an address: $addr"
	mkdir -p "/etc/netns/$ns" || die "cannot create /etc/netns/$ns"
	printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$addr" \
		>"/etc/netns/$ns/resolv.conf"
}

cmd_unresolv() {
	[[ $1 =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad namespace name: $1"
	rm -f "/etc/netns/$1/resolv.conf"
	rmdir "/etc/netns/$1" 2>/dev/null
	return 0
}

case ${1:-} in
start) (($# >= 3)) || die "usage: dnslab.sh start NS PORT RECORD..."
	shift; cmd_start "$@" ;;
stop) (($# == 2)) || die "usage: dnslab.sh stop PIDFILE"
	cmd_stop "$2" ;;
resolv) (($# == 3)) || die "usage: dnslab.sh resolv NS ADDR"
	cmd_resolv "$2" "$3" ;;
unresolv) (($# == 2)) || die "usage: dnslab.sh unresolv NS"
	cmd_unresolv "$2" ;;
revname) (($# == 2)) || die "usage: dnslab.sh revname ADDR"
	revname "$2" ;;
*) die "usage: dnslab.sh start|stop|resolv|unresolv|revname ..." ;;
esac
