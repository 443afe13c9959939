#!/usr/bin/env python3
"""The link-state database of FRR routers as an anemone database document.

usage: frr-lsdb-doc.py R.lsdb.json... > DOC

Each R.lsdb.json is what "ospf-lab.sh routes" writes (FRR's "show ip ospf
database <type> json" for router, network, summary, asbr-summary, external
and nssa-external, merged).  Every LSA of every file is encoded again as the
bytes it has on the wire (RFC 2328 A.4, RFC 3101 for type 7), and the union
(per area, type, id and advertising router the newest sequence number) is
printed as the document anemone-ospfmon writes with --lsdb-file and the
collector loads (redis/SCHEMA.md, "The database document"):
  {"version":1,"time_ms":NOW,"lsas":[{"area":"a.b.c.d"|null,"age":N,"hex":"..."},...]}
FRR prints each LSA's checksum: an LSA whose encoding here does not give
that same Fletcher checksum is refused (exit 1), so the bytes are FRR's
own, not an approximation of them.  Standard library only; shares no code
with anemone.

This is how a lab check gives the collector the whole database (every
area) at once, without making the routers flood it again where a passive
listener would hear it.
"""
import json
import socket
import struct
import sys
import time

TYPES = {"routerLinkStates": 1, "networkLinkStates": 2, "summaryLinkStates": 3,
         "asbrSummaryLinkStates": 4, "asExternalLinkStates": 5,
         "nssaExternalLinkStates": 7}
LINK_TYPES = {"another Router (point-to-point)": 1, "a Transit Network": 2,
              "Stub Network": 3, "a Virtual Link": 4}
# FRR prints the options "*|O|DC|EA|N/P|MC|E|M/T" ("-" for a bit clear; the
# first, DN, always "*")
OPTION_BITS = [None, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01]


def addr(s):
    return socket.inet_aton(s)


def masklen(n):
    return struct.pack("!I", (0xffffffff << (32 - n)) & 0xffffffff if n else 0)


def options(s):
    v = 0
    for bit, f in zip(OPTION_BITS, s.split("|")):
        if bit is not None and f != "-":
            v |= bit
    return v


def fletcher(b):
    """the LS checksum (RFC 2328 12.1.7, ISO 8473 Annex C) of LSA b, age
    excluded, checksum octets (16-17) taken as 0"""
    b = bytearray(b)
    b[16] = b[17] = 0
    c0 = c1 = 0
    for x in b[2:]:
        c0 = (c0 + x) % 255
        c1 = (c1 + c0) % 255
    n = len(b) - 2
    x = ((n - 15) * c0 - c1) % 255        # the checksum at octet 15 of the
    y = (c1 - (n - 15 + 1) * c0) % 255    # sums (octet 17 of the LSA)
    return (x or 255) << 8 | (y or 255)


def body(t, l):
    if t == 1:
        links = [l["routerLinks"]["link%d" % i] for i in range(l["numOfLinks"])]
        b = struct.pack("!BBH", l.get("flags", 0), 0, len(links))
        for k in links:
            lt = LINK_TYPES[k["linkType"]]
            if lt == 3:
                lid, data = k["networkAddress"], k["networkMask"]
            elif lt == 2:
                lid, data = k["designatedRouterAddress"], k["routerInterfaceAddress"]
            else:
                lid, data = k["neighborRouterId"], k["routerInterfaceAddress"]
            if k.get("numOfTosMetrics", 0):
                raise ValueError("TOS metrics")
            b += addr(lid) + addr(data) + struct.pack("!BBH", lt, 0, k["tos0Metric"])
        return b
    if t == 2:
        att = l.get("attchedRouters", l.get("attachedRouters"))    # (FRR 8.4's spelling first)
        return masklen(l["networkMask"]) + b"".join(
            addr(r["attachedRouterId"]) for r in att.values())
    if t in (3, 4):
        return masklen(l["networkMask"]) + struct.pack("!I", l["tos0Metric"] & 0xffffff)
    # 5 and 7
    e = 0x80 if l["metricType"].startswith(("E2", "N2")) else 0
    fwd = l.get("forwardAddress", l.get("nssaForwardAddress", "0.0.0.0"))
    return masklen(l["networkMask"]) + struct.pack("!I", e << 24 | (l["metric"] & 0xffffff)) + \
        addr(fwd) + struct.pack("!I", l["externalRouteTag"])


def encode(t, l):
    b = body(t, l)
    hdr = struct.pack("!HBB4s4sIHH", l["lsaAge"], options(l["options"]), t,
                      addr(l["linkStateId"]), addr(l["advertisingRouter"]),
                      int(l["lsaSeqNumber"], 16), 0, 20 + len(b))
    lsa = bytearray(hdr + b)
    if len(lsa) != l["length"]:
        raise ValueError("length %d, FRR says %d" % (len(lsa), l["length"]))
    c = fletcher(lsa)
    if c != int(l["checksum"], 16):
        raise ValueError("checksum %04x, FRR says %s" % (c, l["checksum"]))
    struct.pack_into("!H", lsa, 16, c)
    return bytes(lsa)


def seq(l):
    v = int(l["lsaSeqNumber"], 16)
    return v - (1 << 32) if v & 0x80000000 else v


def main():
    held = {}
    for path in sys.argv[1:]:
        d = json.load(open(path))
        for key, t in TYPES.items():
            block = d.get(key)
            if isinstance(block, list):
                groups = [(None, block)]
            elif isinstance(block, dict):
                groups = list(block.get("areas", {}).items())
            else:
                continue
            for area, lsas in groups:
                for l in lsas:
                    if l["lsaAge"] >= 3600:
                        continue                 # being flushed
                    k = (area, t, l["linkStateId"], l["advertisingRouter"])
                    try:
                        hexed = encode(t, l).hex()
                    except (ValueError, KeyError) as e:
                        sys.exit("%s: type %d %s from %s in %s: %s" % (path, t, l["linkStateId"],
                                 l["advertisingRouter"], area, e))
                    if k not in held or seq(l) > held[k][0]:
                        held[k] = (seq(l), l["lsaAge"], hexed)
    if not held:
        sys.exit("no LSA")
    order = sorted(held, key=lambda k: (k[0] is None, k[0] or "", k[1], k[2], k[3]))
    print(json.dumps({"version": 1, "time_ms": int(time.time() * 1000),
                      "lsas": [{"area": k[0], "age": held[k][1], "hex": held[k][2]}
                               for k in order]}, separators=(",", ":")))


if __name__ == "__main__":
    main()
