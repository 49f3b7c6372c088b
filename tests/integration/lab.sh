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
# usage errors. PREFIX must be short (letters, digits, at most 8).
set -u

usage() {
	echo "usage: lab.sh up|down|addrs|target PREFIX [N] [4|6]" >&2
	exit 2
}

check_prefix() {
	[[ $1 =~ ^[A-Za-z][A-Za-z0-9]{0,7}$ ]] ||
		{ echo "lab.sh: bad prefix '$1' (letters/digits, 1-8)" >&2; exit 2; }
}

check_n() {
	[[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 255)) ||
		{ echo "lab.sh: bad hop count '$1' (1-255)" >&2; exit 2; }
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
		[[ $ns =~ ^$p-(src|dst|r[0-9]+)$ ]] && ip netns del "$ns"
	done
	return 0
}

# sysctls of one namespace, written straight to /proc/sys inside it.
ns_sysctls() {
	ip netns exec "$1" sh -ec '
		w() { echo "$2" > "/proc/sys/$1"; }
		w net/ipv4/ip_forward 1
		w net/ipv4/icmp_ratelimit 0
		w net/ipv4/icmp_msgs_per_sec 1000000
		w net/ipv4/icmp_msgs_burst 1000000
		w net/ipv4/icmp_errors_use_inbound_ifaddr 1
		w net/ipv4/ping_group_range "0 2147483647"
		w net/ipv6/icmp/ratelimit 0
		for c in all default; do
			w net/ipv6/conf/$c/forwarding 1
			w net/ipv6/conf/$c/accept_dad 0
			w net/ipv6/conf/$c/dad_transmits 0
			w net/ipv6/conf/$c/accept_ra 0
		done'
}

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

# veth carrier comes up through the kernel's linkwatch, up to ~1 s late; until
# then the device drops what it is given. Waits (at most 10 s) for all 2N.
wait_carrier() {
	local p=$1 n=$2 i try up
	for ((try = 0; try < 200; try++)); do
		up=0
		for ((i = 0; i <= n; i++)); do
			up=$((up + $(ip -n "$(ns_name "$p" "$i" "$n")" -o link show |
			    grep -c 'state UP')))
		done
		((up >= 2 * n)) && return 0
		sleep 0.05
	done
	echo "lab.sh: links not up after 10 s" >&2
	return 1
}

lab_up() {
	local p=$1 n=$2 i k
	lab_down "$p"
	for ((i = 0; i <= n; i++)); do
		ip netns add "$(ns_name "$p" "$i" "$n")" || return 1
	done
	for ((i = 0; i <= n; i++)); do
		ns_sysctls "$(ns_name "$p" "$i" "$n")" || return 1
	done
	for ((k = 1; k <= n; k++)); do
		echo "link add v${k}a netns $(ns_name "$p" $((k - 1)) "$n")" \
		    "type veth peer name v${k}b netns $(ns_name "$p" "$k" "$n")"
	done | ip -batch - || return 1
	for ((i = 0; i <= n; i++)); do
		ns_batch "$i" "$n" |
		    ip -n "$(ns_name "$p" "$i" "$n")" -batch - || return 1
	done
	wait_carrier "$p" "$n"
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
