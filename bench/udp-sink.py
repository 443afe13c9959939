#!/usr/bin/env python3
"""udp-sink: receive UDP datagrams on 127.0.0.1 and throw them away.

    udp-sink.py PORTFILE COUNTFILE

Binds an ephemeral port and writes its number to PORTFILE.  On SIGUSR1 it
writes "datagrams=N bytes=N v5-records=N" (v5-records adds up the count
field of the datagrams that look like NetFlow v5) to COUNTFILE, atomically,
and resets the counters.  SIGTERM or SIGINT ends it.
"""
import os
import signal
import socket
import sys

counts = {"datagrams": 0, "bytes": 0, "v5-records": 0}


def snapshot(_sig, _frm):
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(" ".join("%s=%d" % kv for kv in counts.items()) + "\n")
    os.rename(tmp, sys.argv[2])
    for k in counts:
        counts[k] = 0


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("127.0.0.1", 0))
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, sys.argv[1])
    signal.signal(signal.SIGTERM, lambda _s, _f: os._exit(0))
    signal.signal(signal.SIGINT, lambda _s, _f: os._exit(0))
    signal.signal(signal.SIGUSR1, snapshot)
    while True:
        d = s.recv(65536)
        counts["datagrams"] += 1
        counts["bytes"] += len(d)
        if len(d) >= 24 and d[0] == 0 and d[1] == 5:
            counts["v5-records"] += (d[2] << 8) | d[3]


main()
