"""An OSPF network as FRR itself printed it: the ground truth of the test
oracles (tests/place-oracle, tests/whatif-oracle).

Reads only what the FRR routers of a lab said, recorded by tests/lab
(tests/data/ospf/README, tests/data/enterprise/README):

  LSDB     one router's "show ip ospf database <type> json" for router,
           network, summary, asbr-summary, external and nssa-external,
           merged into one object (R.lsdb.json); the areas in it are the
           "view" (for r1 of the lab: area 0 and the AS-external LSAs, what
           a monitor on an area-0 segment hears)
  routes   every router's "show ip ospf route json" (R.json or
           R.ospf-route.json next to R.rid, the router's id): the routes
           FRR's own SPF computed

Nothing here reads an anemone document or runs project code.
"""
import ipaddress
import json
import os

MAXAGE = 3600


def ip(s):
    return int(ipaddress.IPv4Address(s.strip()))


def dotted(n):
    return str(ipaddress.IPv4Address(n))


def mask(plen):
    return (0xffffffff << (32 - plen)) & 0xffffffff if plen else 0


def plen_of(m):
    """FRR prints a mask as a length (network, summary, external LSAs) or
    dotted (stub links)"""
    if isinstance(m, int):
        return m
    return bin(ip(m)).count("1")


def lsas(doc, key):
    """[(area or None, lsa)] of one type, MaxAge ones left out"""
    part = doc.get(key) or {}
    if isinstance(part, list):                 # AS-external: no areas
        return [(None, l) for l in part if l.get("lsaAge", 0) < MAXAGE]
    out = []
    for area, lst in (part.get("areas") or {}).items():
        out.extend((area, l) for l in lst if l.get("lsaAge", 0) < MAXAGE)
    return out


class Lsdb:
    """The routers, links, networks and prefixes of an FRR LSDB dump.

    routers   {rid: set of areas}        (rids as dotted strings)
    p2p       [[a, b, a_addr, b_addr, cost_ab, cost_ba]]: the point-to-point
              (and virtual) links that pass the two-way check (RFC 2328
              16.1: each end lists the other); parallel links paired by
              the stub subnet holding both addresses
    att       {network id: {router: [addr, cost]}}: attachments to transit
              networks that pass the two-way check (the router lists the
              network, the network-LSA lists the router)
    networks  {network id: (prefix, plen, dr)}
    owners    [(prefix, plen, router, kind, cost)]: kind stub, transit (the
              DR), summary (the ABR), external or nssa (the ASBR; when it
              has no router-LSA in the view, the ABRs originating an
              ASBR-summary for it)
    """

    def __init__(self, path):
        with open(path) as f:
            doc = json.load(f)
        self.routers = {}
        links = {}                              # rid -> [(type, lsa link)]
        for area, l in lsas(doc, "routerLinkStates"):
            rid = l["advertisingRouter"]
            self.routers.setdefault(rid, set()).add(area)
            links.setdefault(rid, []).extend(
                (area, v) for _, v in sorted(l.get("routerLinks", {}).items(),
                                             key=lambda kv: int(kv[0][4:])))
        self.areas = set(a for s in self.routers.values() for a in s)
        self.owners = []
        stubs = {}                              # rid -> [(prefix, plen)]
        for rid, lst in links.items():
            for _, v in lst:
                if v["linkType"] == "Stub Network":
                    p, n = ip(v["networkAddress"]), plen_of(v["networkMask"])
                    stubs.setdefault(rid, []).append((p & mask(n), n))
                    self.owners.append((p & mask(n), n, rid, "stub", v["tos0Metric"]))

        self.networks = {}
        members = {}
        for area, l in lsas(doc, "networkLinkStates"):
            nid, n = l["linkStateId"], plen_of(l["networkMask"])
            self.networks[nid] = (ip(nid) & mask(n), n, l["advertisingRouter"])
            members[nid] = set(l.get("attchedRouters", l.get("attachedRouters", {})))
            self.owners.append((ip(nid) & mask(n), n, l["advertisingRouter"], "transit", 0))
        self.att = {}
        for rid, lst in links.items():
            for _, v in lst:
                if v["linkType"] != "a Transit Network":
                    continue
                nid = v["designatedRouterAddress"]
                if rid in members.get(nid, ()):
                    self.att.setdefault(nid, {})[rid] = [v["routerInterfaceAddress"], v["tos0Metric"]]

        def ends(a, b):
            return [v for _, v in links.get(a, [])
                    if v["linkType"] in ("another Router (point-to-point)", "a Virtual Link")
                    and v["neighborRouterId"] == b]

        def same_subnet(x, y, rids):
            for r in rids:
                for p, n in stubs.get(r, []):
                    if ip(x) & mask(n) == p and ip(y) & mask(n) == p:
                        return True
            return False

        self.p2p = []
        for a in sorted(links):
            for b in sorted(links):
                if a >= b:
                    continue
                mine, theirs = ends(a, b), ends(b, a)
                for x in mine:
                    pick = [y for y in theirs if same_subnet(x["routerInterfaceAddress"],
                                                             y["routerInterfaceAddress"], (a, b))]
                    if not pick and len(mine) == 1 and len(theirs) == 1:
                        pick = theirs           # unnumbered: the only pair
                    if pick:
                        y = pick[0]
                        theirs.remove(y)
                        self.p2p.append([a, b, x["routerInterfaceAddress"], y["routerInterfaceAddress"],
                                         x["tos0Metric"], y["tos0Metric"]])

        for _, l in lsas(doc, "summaryLinkStates"):
            n = plen_of(l["networkMask"])
            self.owners.append((ip(l["linkStateId"]) & mask(n), n, l["advertisingRouter"],
                                "summary", l["tos0Metric"]))
        asbr_abrs = {}
        for _, l in lsas(doc, "asbrSummaryLinkStates"):
            asbr_abrs.setdefault(l["linkStateId"], set()).add(l["advertisingRouter"])
        for key, kind in (("asExternalLinkStates", "external"), ("nssaExternalLinkStates", "nssa")):
            for _, l in lsas(doc, key):
                n = plen_of(l["networkMask"])
                asbr = l["advertisingRouter"]
                who = [asbr] if asbr in self.routers else sorted(asbr_abrs.get(asbr, ()))
                for w in who:
                    self.owners.append((ip(l["linkStateId"]) & mask(n), n, w, kind, 0))

    def iface_map(self):
        """{interface address (int): router}: p2p and transit interfaces"""
        m = {}
        for a, b, aa, ba, _, _ in self.p2p:
            m[ip(aa)] = a
            m[ip(ba)] = b
        for rs in self.att.values():
            for r, (addr, _) in rs.items():
                m[ip(addr)] = r
        return m


def load_routes(d):
    """{router id: {prefix: route}} of every R.rid in directory d, from R.json
    or R.ospf-route.json ("show ip ospf route json")"""
    out = {}
    for name in sorted(os.listdir(d)):
        if not name.endswith(".rid"):
            continue
        stem = name[:-4]
        with open(os.path.join(d, name)) as f:
            rid = f.read().strip()
        for cand in (stem + ".json", stem + ".ospf-route.json"):
            p = os.path.join(d, cand)
            if os.path.exists(p):
                with open(p) as f:
                    out[rid] = json.load(f)
                break
    return out


def nexthop_addrs(route):
    """sorted next-hop addresses of an FRR route; [] when directly attached"""
    return sorted(ip(h["ip"]) for h in route.get("nexthops", []) if h.get("ip", "").strip())


def attached(route):
    return any("directlyAttachedTo" in h or "directly attached to" in h
               for h in route.get("nexthops", []))
