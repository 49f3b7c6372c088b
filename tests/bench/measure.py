#!/usr/bin/env python3
"""Runs a command and prints one JSON line: wall seconds, user+sys CPU seconds
and peak RSS (KiB) of the command and its children, and its exit status.

usage: measure.py [--stdout FILE] -- CMD ARGS...
"""
import json
import os
import resource
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    out = subprocess.DEVNULL
    if args[:1] == ["--stdout"]:
        out = open(args[1], "wb")
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE)
    _, err = p.communicate(timeout=600)
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "maxrss_kib": ru.ru_maxrss,
        "status": p.returncode,
        "stderr": err.decode(errors="replace")[-300:],
    }))


if __name__ == "__main__":
    main()
