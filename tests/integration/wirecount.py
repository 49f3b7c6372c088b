#!/usr/bin/env python3
"""wirecount.py JSON REC PCAP WANT SENT: whether a hoptop run counted
exactly what the wire shows. PCAP: a capture on the prober's own link (each
probe with the TTL it was sent with), written by capture.sh; PCAP.err its
tcpdump's statistics. The probes with hoptop's identifier (its recording
REC names it) are counted per TTL, and how many of them an ICMP reply came
back for (an Echo Reply, or a Time Exceeded / Unreachable quoting the
probe), paired by identifier and sequence. The report (JSON, --json) must
have one hop per address in the file WANT, each with one responder, SENT
probes sent and as many received as the wire answered. Each packet the
capture reported dropped ("dropped by kernel") is one the wire count may
lack: received may exceed the wire's answers by at most that many, and
more than 4 (or no statistics) leave nothing to judge by. The wire itself
must have answered at least SENT - 2 at every hop (a reply the kernel lost
now and then is not hoptop's to count).
Exit 0 when all holds, else 1 with what differed on stderr.

IPv4 over Ethernet or raw IP (libpcap link types 1 and 101 / 12)."""
import gzip
import json
import re
import struct
import sys


def packets(path):
    b = open(path, "rb").read()
    magic = struct.unpack("<I", b[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(f"wirecount: {path}: not a little-endian pcap")
    link = struct.unpack("<I", b[20:24])[0]
    skip = {1: 14, 101: 0, 12: 0}.get(link)
    if skip is None:
        sys.exit(f"wirecount: {path}: link type {link} not handled")
    off = 24
    while off + 16 <= len(b):
        incl = struct.unpack("<I", b[off + 8:off + 12])[0]
        p = b[off + 16 + skip:off + 16 + incl]
        off += 16 + incl
        if len(p) >= 28 and p[0] >> 4 == 4 and p[9] == 1:
            yield p


def count(pcap, ident):
    """{ttl: (sent, answered)} of the probes with identifier ident."""
    ttl_of, answered = {}, set()
    for p in packets(pcap):
        icmp = p[(p[0] & 15) * 4:]
        if len(icmp) < 8:
            continue
        if icmp[0] == 8:
            i, sq = struct.unpack(">HH", icmp[4:8])
            if i == ident:
                ttl_of.setdefault(sq, p[8])
            continue
        if icmp[0] in (3, 11) and len(icmp) >= 8 + 20 + 8:
            q = icmp[8:]
            icmp = q[(q[0] & 15) * 4:]
            if len(icmp) < 8 or icmp[0] != 8:
                continue
        elif icmp[0] != 0:
            continue
        i, sq = struct.unpack(">HH", icmp[4:8])
        if i == ident and sq in ttl_of:
            answered.add(sq)
    per = {}
    for sq, ttl in ttl_of.items():
        s, a = per.get(ttl, (0, 0))
        per[ttl] = (s + 1, a + (sq in answered))
    return per


def dropped_by(err):
    """The capture's own drops, from tcpdump's statistics (99: none)."""
    m = re.search(r"^(\d+) packets? dropped by kernel", open(err).read(), re.M)
    return int(m.group(1)) if m else 99


def exact(js, rec, pcap, want, sent):
    dropped = dropped_by(pcap + ".err")
    d = json.load(open(js))
    with gzip.open(rec, "rt") as f:
        ident = json.loads(f.readline())["ident"]
    wire = count(pcap, ident)
    addrs = open(want).read().split()
    got = [(h["ip"], len(h["responders"]), h["sent"]) for h in d["hops"]]
    ok = True
    if got != [(a, 1, sent) for a in addrs]:
        print(f"  ident {ident}: got (ip, responders, sent) {got},"
              f" want {[(a, 1, sent) for a in addrs]}", file=sys.stderr)
        ok = False
    if dropped > 4:
        print(f"  the capture dropped {dropped} packets: no verdict",
              file=sys.stderr)
        return False
    for k, h in enumerate(d["hops"], 1):
        s, a = wire.get(k, (0, 0))
        r = h["received"]
        if not a <= r <= a + dropped:
            print(f"  ident {ident}: ttl {k}: hoptop received {r}, the wire"
                  f" answered {a} (capture dropped {dropped})",
                  file=sys.stderr)
            ok = False
        if s < sent - dropped or a < sent - 2 - dropped:
            print(f"  ident {ident}: the wire at ttl {k}: {s} probes,"
                  f" {a} answered (want {sent}, >= {sent - 2})",
                  file=sys.stderr)
            ok = False
        elif a + dropped < sent:
            print(f"  ident {ident}: the wire at ttl {k}: {sent - a} of"
                  f" {sent} replies never came back (counted as lost)",
                  file=sys.stderr)
    return ok


def main():
    a = sys.argv[1:]
    if len(a) != 5:
        sys.exit("usage: wirecount.py JSON REC PCAP WANT SENT")
    sys.exit(0 if exact(a[0], a[1], a[2], a[3], int(a[4])) else 1)


main()
