#!/bin/bash
# fleetlab.sh: lab.sh's chain of N real routers, with many targets behind
# the last one: every address of 10.202.0.0/16 is local to PREFIX-dst
# (`ip route add local ... dev lo`), and every namespace before it routes
# that block toward it. So 10.202.A.B is N hops away from PREFIX-src, with
# hops 1..N-1 answering from 10.201.K.2 and the target itself last.
#
#   fleetlab.sh up PREFIX N     build it (needs root; exit 77 otherwise)
#   fleetlab.sh down PREFIX     remove PREFIX's namespaces only
set -u
lab=$(dirname "$0")/lab.sh
case ${1:-} in
up)
	(($# == 3)) || { echo "usage: fleetlab.sh up PREFIX N" >&2; exit 2; }
	bash "$lab" up "$2" "$3" || exit $?
	n=$3
	for ((i = 0; i < n; i++)); do
		if ((i == 0)); then ns=$2-src; else ns=$2-r$i; fi
		ip -n "$ns" route add 10.202.0.0/16 via "10.201.$((i + 1)).2" ||
			{ bash "$lab" down "$2"; exit 1; }
	done
	ip -n "$2-dst" route add local 10.202.0.0/16 dev lo ||
		{ bash "$lab" down "$2"; exit 1; }
	;;
down)
	(($# == 2)) || { echo "usage: fleetlab.sh down PREFIX" >&2; exit 2; }
	bash "$lab" down "$2"
	;;
*)
	echo "usage: fleetlab.sh up|down PREFIX [N]" >&2
	exit 2
	;;
esac
