#!/usr/bin/env python3
"""slowdns.py: a tiny DNS server over UDP for hoptop's tests and benchmarks.

It answers every PTR query (in-addr.arpa and ip6.arpa) with a made-up name
after a fixed delay, or never (--drop: a dead resolver that reads and drops).
Anything else gets NXDOMAIN after the same delay. Each query is delayed on
its own (a timer heap), so many queries in flight are answered together.

    slowdns.py [--addr 127.0.0.1] [--port 53] [--delay 2.0] [--drop]
               [--suffix slow.test] [--ready FILE] [--count FILE]
               [--limit 600]

The PTR name of 10.201.3.2 is "ip-10-201-3-2.SUFFIX" (IPv6: the 32 nibbles
joined, "ip-fd00...0002.SUFFIX"). --ready FILE is written once the socket is
bound; --count FILE holds the number of queries received, rewritten as they
come. The server exits on SIGTERM/SIGINT, or by itself after --limit seconds
(a bound, so a forgotten server cannot live on).
"""
import argparse
import heapq
import os
import select
import signal
import socket
import struct
import sys
import time


def parse_question(msg):
    """(id, flags, qname labels, qtype, end offset of the question) or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1 or flags & 0x8000:
        return None
    labels, off = [], 12
    while off < len(msg):
        n = msg[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 or off + 1 + n > len(msg):
            return None
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    if off + 4 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[off:off + 2])[0]
    return qid, flags, labels, qtype, off + 4


def ptr_target(labels, suffix):
    """The made-up name for a reverse query name, or None."""
    low = [x.lower() for x in labels]
    if low[-2:] == ["in-addr", "arpa"] and len(low) == 6:
        return "ip-" + "-".join(reversed(low[:4])) + "." + suffix
    if low[-2:] == ["ip6", "arpa"] and len(low) == 34:
        return "ip-" + "".join(reversed(low[:32])) + "." + suffix
    return None


def encode_name(name):
    out = b""
    for part in name.split("."):
        out += bytes([len(part)]) + part.encode()
    return out + b"\0"


def answer(msg, suffix):
    """The reply to a query: a PTR answer, or NXDOMAIN; None to ignore."""
    q = parse_question(msg)
    if q is None:
        return None
    qid, flags, labels, qtype, end = q
    rd = flags & 0x0100
    target = ptr_target(labels, suffix) if qtype == 12 else None
    if target is None:
        hdr = struct.pack("!HHHHHH", qid, 0x8483 | rd, 1, 0, 0, 0)
        return hdr + msg[12:end]
    rdata = encode_name(target)
    hdr = struct.pack("!HHHHHH", qid, 0x8480 | rd, 1, 1, 0, 0)
    rr = struct.pack("!HHHIH", 0xC00C, 12, 1, 60, len(rdata)) + rdata
    return hdr + msg[12:end] + rr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--delay", type=float, default=2.0)
    ap.add_argument("--drop", action="store_true")
    ap.add_argument("--suffix", default="slow.test")
    ap.add_argument("--ready")
    ap.add_argument("--count")
    ap.add_argument("--limit", type=float, default=600.0)
    a = ap.parse_args()

    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a.addr, a.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.ready:
        open(a.ready, "w").write("ready\n")
    due, seq, count = [], 0, 0
    end = time.monotonic() + a.limit
    while time.monotonic() < end:
        now = time.monotonic()
        wait = min(end - now, due[0][0] - now if due else 1.0)
        r, _, _ = select.select([s], [], [], max(0.0, wait))
        if r:
            msg, peer = s.recvfrom(4096)
            count += 1
            if a.count:  # whole or not at all: readers never see ""
                open(a.count + ".tmp", "w").write("%d\n" % count)
                os.replace(a.count + ".tmp", a.count)
            reply = None if a.drop else answer(msg, a.suffix)
            if reply is not None:
                seq += 1
                heapq.heappush(due, (time.monotonic() + a.delay, seq, reply,
                                     peer))
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, reply, peer = heapq.heappop(due)
            s.sendto(reply, peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
