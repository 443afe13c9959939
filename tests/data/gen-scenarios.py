#!/usr/bin/env python3
"""Timestamped captures whose flow records are known in advance.

  gen-scenarios.py OUTDIR

For each scenario writes OUTDIR/NAME.pcap and OUTDIR/NAME.expected: one line
per record the exporter must produce with the default timeouts (idle 15 s,
active 60 s, TCP linger 2 s) unless the scenario's OUTDIR/NAME.conf says
otherwise, as

  proto sport dport packets octets start_ms end_ms end_reason

sorted.  The expected lines are written out by hand from the rules in
anemone-exporter(8), not computed by a model of the exporter.  Times are
milliseconds after T0 (2023-11-14 22:13:20 UTC); end reasons are IPFIX
flowEndReason: 1 idle, 2 active, 3 end of flow (FIN/RST), 4 forced (end of
file), 5 lack of resources.
"""
import os
import struct
import sys

T0 = 1700000000  # seconds

SRC = bytes([10, 1, 0, 1])
DST = bytes([10, 2, 0, 2])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, l4):
    total = 20 + len(l4)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, proto, 0, SRC, DST)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def udp(sport, dport, payload=20):
    return ipv4(17, struct.pack("!HHHH", sport, dport, 8 + payload, 0) + b"u" * payload)


def tcp(sport, dport, flags, payload=0):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)
    return ipv4(6, hdr + b"t" * payload)


def ether(ip):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip


def write_pcap(path, pkts):
    pkts = sorted(pkts, key=lambda p: p[0])
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ms, ip in pkts:
            frame = ether(ip)
            f.write(struct.pack("<IIII", T0 + ms // 1000, (ms % 1000) * 1000,
                                len(frame), len(frame)))
            f.write(frame)


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
UDP_LEN = 20 + 8 + 20      # udp(..) with the default payload: 48 octets
TCP_LEN = 40               # tcp(..) without payload


def scenario_idle():
    """A: three packets then silence -> idle at 2 s + 15 s.  B: a 10 s gap
    (under the idle timeout) stays one flow.  C: a 16 s gap splits the flow.
    D only moves time forward and ends with the file."""
    p = []
    p += [(t, udp(1001, 53)) for t in (0, 1000, 2000)]
    p += [(t, udp(1002, 53)) for t in (0, 10000, 20000)]
    p += [(t, udp(1003, 53)) for t in (1000, 17000)]
    p += [(40000, udp(1004, 53))]
    exp = [
        f"17 1001 53 3 {3 * UDP_LEN} 0 2000 1",
        f"17 1002 53 3 {3 * UDP_LEN} 0 20000 1",
        f"17 1003 53 1 {UDP_LEN} 1000 1000 1",
        f"17 1003 53 1 {UDP_LEN} 17000 17000 1",
        f"17 1004 53 1 {UDP_LEN} 40000 40000 4",
    ]
    return p, exp, None


def scenario_active():
    """One packet a second from 0 s to 150 s: records of 60 packets at 60 s
    and 120 s (active timeout), the last 31 packets at the end of the file."""
    p = [(t * 1000, udp(2001, 123)) for t in range(0, 151)]
    exp = [
        f"17 2001 123 60 {60 * UDP_LEN} 0 59000 2",
        f"17 2001 123 60 {60 * UDP_LEN} 60000 119000 2",
        f"17 2001 123 31 {31 * UDP_LEN} 120000 150000 4",
    ]
    return p, exp, None


def scenario_tcpend():
    """A: SYN, data, FIN, and a last ACK inside the 2 s linger -> one record
    ending at 3.5 s + 2 s with reason 3.  B: RST.  C: FIN, then a packet after
    the linger has expired starts a new flow.  D keeps time moving."""
    p = [
        (0, tcp(3001, 80, SYN)), (1000, tcp(3001, 80, ACK | PSH, 100)),
        (3000, tcp(3001, 80, FIN | ACK)), (3500, tcp(3001, 80, ACK)),
        (4000, tcp(3002, 80, RST)),
        (5000, tcp(3003, 80, FIN | ACK)), (9000, tcp(3003, 80, ACK)),
        (0, udp(3004, 514)), (12000, udp(3004, 514)),
    ]
    exp = [
        f"6 3001 80 4 {4 * TCP_LEN + 100} 0 3500 3",
        f"6 3002 80 1 {TCP_LEN} 4000 4000 3",
        f"6 3003 80 1 {TCP_LEN} 5000 5000 3",
        f"6 3003 80 1 {TCP_LEN} 9000 9000 4",
        f"17 3004 514 2 {2 * UDP_LEN} 0 12000 4",
    ]
    return p, exp, None


def scenario_evict():
    """max-flows 3.  Flows 1..3 start at 0, 1, 2 s; flow 1 is refreshed at
    2.5 s, so flow 4 at 3 s evicts flow 2 (least recently used) and flow 5 at
    4 s evicts flow 3.  Flows 1, 4, 5 end with the file."""
    p = [
        (0, udp(4001, 9)), (1000, udp(4002, 9)), (2000, udp(4003, 9)),
        (2500, udp(4001, 9)), (3000, udp(4004, 9)), (4000, udp(4005, 9)),
    ]
    exp = [
        f"17 4001 9 2 {2 * UDP_LEN} 0 2500 4",
        f"17 4002 9 1 {UDP_LEN} 1000 1000 5",
        f"17 4003 9 1 {UDP_LEN} 2000 2000 5",
        f"17 4004 9 1 {UDP_LEN} 3000 3000 4",
        f"17 4005 9 1 {UDP_LEN} 4000 4000 4",
    ]
    return p, exp, "flows = { max-flows = 3; };\n"


def scenario_sampling():
    """Deterministic 1-in-10: packets 0, 10, 20, ... of the whole capture are
    kept.  Flow A sends 100 packets at t = 0..99 ms (A is packets 0..99),
    flow B 55 packets at t = 100..154 ms (packets 100..154): A keeps 10
    (t = 0, 10, ..., 90), B keeps 6 (t = 100, 110, ..., 150)."""
    p = [(t, udp(5001, 161)) for t in range(0, 100)]
    p += [(t, udp(5002, 161)) for t in range(100, 155)]
    exp = [
        f"17 5001 161 10 {10 * UDP_LEN} 0 90 4",
        f"17 5002 161 6 {6 * UDP_LEN} 100 150 4",
    ]
    return p, exp, 'sampling = { rate = 10; mode = "deterministic"; };\n'


def scenario_upstream():
    """Upstream 1-in-10: what a 1-in-10 sampler before the capture passes on
    of the sampling scenario's flows, A's packets at t = 0, 10, ..., 90 ms
    and B's at t = 100, ..., 150.  The exporter meters every packet (records
    of 10 and 6 packets, as in the sampling scenario) and declares 1 in 10."""
    p = [(t, udp(5001, 161)) for t in range(0, 100, 10)]
    p += [(t, udp(5002, 161)) for t in range(100, 155, 10)]
    exp = [
        f"17 5001 161 10 {10 * UDP_LEN} 0 90 4",
        f"17 5002 161 6 {6 * UDP_LEN} 100 150 4",
    ]
    return p, exp, 'sampling = { rate = 10; mode = "upstream"; };\n'


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in sorted((k[9:], v) for k, v in globals().items()
                           if k.startswith("scenario_")):
        pkts, exp, conf = fn()
        write_pcap(os.path.join(out, name + ".pcap"), pkts)
        with open(os.path.join(out, name + ".expected"), "w") as f:
            f.write("".join(sorted(line + "\n" for line in exp)))
        path = os.path.join(out, name + ".conf")
        with open(path, "w") as f:
            f.write(conf or "# defaults\n")


if __name__ == "__main__":
    main()
