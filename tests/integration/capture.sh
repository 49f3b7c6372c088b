# shellcheck shell=bash
# capture.sh: sourced by integration tests that hold hoptop's counts to the
# wire (wirecount.py reads what this writes).
# capture_start NS IFACE PCAP FILTER: tcpdump on IFACE inside namespace NS
#   into PCAP (headers only, each packet handed over as it comes), its
#   stderr in PCAP.err; returns once it listens (5 s at most). Sets
#   capture_pid: tcpdump itself (ip netns exec execs it), for cleanups.
# capture_stop: half a second for the last packets to come in, SIGINT, then up to 5 s to write its statistics (the
#   "dropped by kernel" line wirecount.py reads), then SIGTERM.
capture_start() {
	: >"$3.err"
	ip netns exec "$1" tcpdump -i "$2" -nn -U --immediate-mode -s 256 -B 8192 \
		-w "$3" "$4" >/dev/null 2>"$3.err" &
	capture_pid=$!
	for _ in $(seq 50); do grep -q listening "$3.err" && break; sleep 0.1; done
}
capture_stop() {
	sleep 0.5
	kill -INT "$capture_pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$capture_pid" 2>/dev/null || break; sleep 0.1; done
	kill "$capture_pid" 2>/dev/null || true
	wait "$capture_pid" 2>/dev/null || true
}
