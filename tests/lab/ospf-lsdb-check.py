#!/usr/bin/env python3
"""Check that captures hold a router's whole link-state database.

usage: ospf-lsdb-check.py LSDB.json AREA PCAP...

LSDB.json is what "ospf-lab.sh routes" writes as R.lsdb.json (FRR's
"show ip ospf database <type> json" for every type, merged).  Every LSA of
AREA (dotted, e.g. 0.0.0.0) and every AS-external LSA in it must have been
carried, in the same or a newer instance (sequence number), by some LS Update
in the captures, read in the order given (classic pcap, Ethernet, IPv4).
Prints one line per LSA that is missing or stale and a summary; exits 1 if
any is.  Standard library only.
"""
import json
import socket
import struct
import sys

TYPES = {  # FRR JSON key -> LSA type
    "routerLinkStates": 1, "networkLinkStates": 2, "summaryLinkStates": 3,
    "asbrSummaryLinkStates": 4, "asExternalLinkStates": 5,
    "nssaExternalLinkStates": 7,
}


def seq_of(hexstr):
    v = int(hexstr, 16)
    return v - (1 << 32) if v & 0x80000000 else v


def lsdb_wanted(path, area):
    db = json.load(open(path))
    want = {}
    for key, t in TYPES.items():
        part = db.get(key)
        if part is None:
            continue
        if isinstance(part, list):          # AS scope
            lsas = part
        else:
            lsas = part.get("areas", {}).get(area, [])
        for l in lsas:
            k = (t, l["linkStateId"], l["advertisingRouter"])
            want[k] = seq_of(l["lsaSeqNumber"])
    return want


def pcap_lsus(path):
    """Yield (lsa type, ls id, adv router, seq) of every LSA in every LSU."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("%s: not a classic pcap file" % path)
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("%s: link type %d, not Ethernet" % (path, linktype))
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 89:
            continue
        o = ip[ihl:]
        if len(o) < 28 or o[1] != 4:        # LS Update only
            continue
        n = struct.unpack(">I", o[24:28])[0]
        p = 28
        for _ in range(n):
            if p + 20 > len(o):
                break
            t = o[p + 3]
            lsid = socket.inet_ntoa(o[p + 4:p + 8])
            adv = socket.inet_ntoa(o[p + 8:p + 12])
            seq = struct.unpack(">i", o[p + 12:p + 16])[0]
            length = struct.unpack(">H", o[p + 18:p + 20])[0]
            yield t, lsid, adv, seq
            p += max(length, 20)


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    want = lsdb_wanted(sys.argv[1], sys.argv[2])
    seen = {}
    for pc in sys.argv[3:]:
        for t, lsid, adv, seq in pcap_lsus(pc):
            k = (t, lsid, adv)
            seen[k] = max(seen.get(k, seq), seq)
    bad = 0
    for k in sorted(want):
        if k not in seen:
            print("missing: type %d id %s adv %s seq %08x" % (k + (want[k] & 0xffffffff,)))
            bad += 1
        elif seen[k] < want[k]:
            print("stale: type %d id %s adv %s: captured %08x, LSDB %08x"
                  % (k + (seen[k] & 0xffffffff, want[k] & 0xffffffff)))
            bad += 1
    print("%d LSAs in the LSDB (area %s + AS-external), %d missing or stale in the captures"
          % (len(want), sys.argv[2], bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
