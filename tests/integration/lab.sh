#!/bin/bash
# lab.sh: a chain of real Linux routers in network namespaces.
#
#   lab.sh up PREFIX N           build the chain (N hops: 1..255)
#   lab.sh down PREFIX           delete namespaces PREFIX-src|dst|rK only
#   lab.sh addrs PREFIX N [4|6]  expected hop addresses, hop 1 first
#   lab.sh target PREFIX N [4|6] the destination address
#
# Layout: PREFIX-src -- PREFIX-r1 -- ... -- PREFIX-r(N-1) -- PREFIX-dst,
# so the destination is N hops away from src. Link k (1..N) joins
# namespace k-1 (src = 0) and namespace k (dst = N); its veth ends are
# v<k>a (left, toward src) and v<k>b (right). Link k carries
# 10.201.k.0/24 and fd00:201:k::/64 with .1/::1 on the left and .2/::2 on
# the right. Hop k therefore answers from 10.201.k.2 / fd00:201:k::2 (its
# interface facing the source), and the destination is 10.201.N.2 /
# fd00:201:N::2 (k written in decimal digits in both).
#
# Every namespace forwards, has lo up, answers ICMP without rate limits,
# skips IPv6 DAD, and allows ping sockets for every group (all of this is
# per namespace: the host is not touched). Exit 77 when not root; 2 on
# usage errors. PREFIX: a letter, then letters or digits, 16 at most.
set -u

usage() {
	echo "usage: lab.sh up|down|addrs|target PREFIX [N] [4|6]" >&2
	exit 2
}

check_prefix() {
	[[ $1 =~ ^[A-Za-z][A-Za-z0-9]{0,15}$ ]] ||
		{ echo "lab.sh: bad prefix '$1' (letters/digits, 1-16)" >&2; exit 2; }
}

check_n() {
	if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > 255)); then
		echo "lab.sh: bad hop count '$1' (1-255)" >&2
		exit 2
	fi
}

# Namespace name for position i of the chain (0 = src, n = dst).
ns_name() {
	local p=$1 i=$2 n=$3
	if ((i == 0)); then echo "$p-src"
	elif ((i == n)); then echo "$p-dst"
	else echo "$p-r$i"
	fi
}

hop_addr() {
	local k=$1 fam=$2
	if [[ $fam == 6 ]]; then echo "fd00:201:$k::2"; else echo "10.201.$k.2"; fi
}

lab_down() {
	local p=$1 ns
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		[[ $ns =~ ^$p-(src|dst|r[0-9]+)$ ]] && echo "netns del $ns"
	done | ip -force -batch - 2>/dev/null
	return 0
}

# What runs inside each namespace (ip netns exec, which also mounts its
# /sys): sysctls (all, default and each veth, still down: no DAD on its
# link-local address either), then the ip -batch commands from stdin, then
# a wait for its veths to be up. Their carrier comes through the kernel's linkwatch;
# until then a device drops what it is given. At most 10 s.
# shellcheck disable=SC2016 # expanded by the sh inside the namespace
NS_SETUP='
set -e
w() { echo "$2" > "/proc/sys/$1"; }
w net/ipv4/ip_forward 1
w net/ipv4/icmp_ratelimit 0
w net/ipv4/icmp_msgs_per_sec 1000000
w net/ipv4/icmp_msgs_burst 1000000
w net/ipv4/icmp_errors_use_inbound_ifaddr 1
w net/ipv4/ping_group_range "0 2147483647"
w net/ipv6/icmp/ratelimit 0
for c in /proc/sys/net/ipv6/conf/*; do
	c=${c#/proc/sys/}
	w $c/forwarding 1
	w $c/accept_dad 0
	w $c/accept_ra 0
done
ip -batch -
tries=0
for d in /sys/class/net/v*; do
	while read -r state < "$d/operstate" && [ "$state" != up ]; do
		tries=$((tries + 1))
		[ $tries -le 200 ] || { echo "lab.sh: $d is $state" >&2; exit 1; }
		sleep 0.05
	done
done'

# ip -batch commands for the namespace at position i.
ns_batch() {
	local i=$1 n=$2 m
	echo "link set lo up"
	if ((i >= 1)); then
		echo "addr add 10.201.$i.2/24 dev v${i}b"
		echo "addr add fd00:201:$i::2/64 dev v${i}b nodad"
		echo "link set v${i}b up"
	fi
	if ((i < n)); then
		m=$((i + 1))
		echo "addr add 10.201.$m.1/24 dev v${m}a"
		echo "addr add fd00:201:$m::1/64 dev v${m}a nodad"
		echo "link set v${m}a up"
	fi
	for ((m = 1; m <= n; m++)); do
		if ((m < i)); then
			echo "route add 10.201.$m.0/24 via 10.201.$i.1"
			echo "route add fd00:201:$m::/64 via fd00:201:$i::1"
		elif ((m > i + 1)); then
			echo "route add 10.201.$m.0/24 via 10.201.$((i + 1)).2"
			echo "route add fd00:201:$m::/64 via fd00:201:$((i + 1))::2"
		fi
	done
}

# Link k: v<k>a in namespace k-1, v<k>b in namespace k. The two ends get
# different ifindexes: a veth whose ifindex equals its peer's (the first
# device of two fresh namespaces) has its carrier change queued by the
# kernel's linkwatch for up to a second instead of applied at once.
links_batch() {
	local p=$1 n=$2 k
	for ((k = 1; k <= n; k++)); do
		echo "link add v${k}a index $((100 + 2 * k))" \
		    "netns $(ns_name "$p" $((k - 1)) "$n") type veth" \
		    "peer name v${k}b index $((101 + 2 * k))" \
		    "netns $(ns_name "$p" "$k" "$n")"
	done
}

# Namespaces and links in two ip processes, then every namespace set up in
# parallel (one process each, few forks: this must be fast under load).
lab_up() {
	local p=$1 n=$2 i pid fail=0
	local -a pids=()
	lab_down "$p"
	for ((i = 0; i <= n; i++)); do
		echo "netns add $(ns_name "$p" "$i" "$n")"
	done | ip -batch - || return 1
	links_batch "$p" "$n" | ip -batch - || return 1
	for ((i = 0; i <= n; i++)); do
		ns_batch "$i" "$n" |
		    ip netns exec "$(ns_name "$p" "$i" "$n")" sh -c "$NS_SETUP" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || fail=1
	done
	return $fail
}

(($# >= 2)) || usage
cmd=$1 prefix=$2
check_prefix "$prefix"
case $cmd in
addrs | target)
	(($# >= 3)) || usage
	check_n "$3"
	fam=${4:-4}
	[[ $fam == 4 || $fam == 6 ]] || usage
	if [[ $cmd == target ]]; then
		hop_addr "$3" "$fam"
	else
		for ((k = 1; k <= $3; k++)); do hop_addr "$k" "$fam"; done
	fi
	exit 0
	;;
up | down) ;;
*) usage ;;
esac

if (($(id -u) != 0)); then
	echo "lab.sh: needs root (network namespaces)" >&2
	exit 77
fi
if [[ $cmd == down ]]; then
	lab_down "$prefix"
	exit 0
fi
(($# >= 3)) || usage
check_n "$3"
if ! lab_up "$prefix" "$3"; then
	echo "lab.sh: building the chain failed; removed it" >&2
	lab_down "$prefix"
	exit 1
fi
