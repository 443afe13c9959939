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


# --- OSPFv3 (IPv6), as FRR's ospf6d printed it -------------------------------
#
#   LSDB6    one router's "show ipv6 ospf6 database json" (R.lsdb6.json): the
#            headers of every LSA, one row per item of its body ("payload":
#            a router-LSA's "neighbour router id/neighbour interface id", a
#            network-LSA's attached router, a prefix-LSA's prefix, an
#            inter-area-router-LSA's ASBR)
#   routes6  every router's OSPFv3 routing table as tests/lab/ospf-lab.sh
#            normalised it (R.ospf6.json: {prefix: {type, area, cost,
#            type2_cost, nexthops: [[link-local, ifname], ...]}}), with its
#            interfaces (R.ifaces6.json: {ifname: {interface_id, link_local,
#            area, ...}})

def ip6(s):
    return int(ipaddress.IPv6Address(s.strip()))


def dotted6(n):
    return str(ipaddress.IPv6Address(n))


def mask6(plen):
    return ((1 << 128) - 1) ^ ((1 << (128 - plen)) - 1)


def prefix6(s):
    """(prefix, plen) of "fd00:1::/64", host bits cleared"""
    p, n = s.split("/")
    return ip6(p) & mask6(int(n)), int(n)


class Lsdb6:
    """The routers, networks and prefixes of an FRR OSPFv3 LSDB dump.

    routers   {rid: set of areas}: the routers with a router-LSA (the view's
              areas: those of the area-scoped LSAs; what a monitor on an
              area-0 segment hears, for r1 of the lab)
    rtr_links {rid: set of "nbr-rid/nbr-ifid"}: the interfaces its router-
              LSAs list (point to point: the neighbour and its interface id;
              transit: the network's DR and the DR's interface id)
    nets      {(dr, DR's interface id): set of attached routers}
    prefix_net {(prefix, plen): (dr, DR's interface id)}: the transit
              prefixes, with the network they are on
    link_ll   {(router, its interface id): link-local address (int)}: the
              link-LSAs of the dump (link scope: those of the dumping
              router's own links; the monitor hears those of its segment)
    owners    [(prefix, plen, router, kind)], kind stub, transit, summary,
              external or nssa:
                intra-area-prefix-LSA: its prefixes are the stubs of the
                  router it refers to, or the transit prefixes of the
                  network (the DR).  FRR's JSON has no referenced-LS-type:
                  an intra-area-prefix-LSA whose link state id and
                  advertising router are a network-LSA's refers to that
                  network (FRR takes the DR's interface id as the id of
                  both), any other to its router (id 0)
                inter-area-prefix-LSA: the ABR
                AS-external-LSA, NSSA-LSA (type 7, in an area of the view):
                  the ASBR; when it has no router-LSA in the view, the ABRs
                  with an inter-area-router-LSA for it
              LSAs at MaxAge are left out.  (The JSON has no prefix options:
              the NU bit cannot be seen; FRR sets it on none here.)
    """

    def __init__(self, path):
        with open(path) as f:
            doc = json.load(f)
        rows = []                               # (area or None, lsa row)
        for g in doc.get("areaScopedLinkStateDb", []):
            rows.extend((g["areaId"], l) for l in g.get("lsa", []) if l.get("age", 0) < MAXAGE)
        for g in doc.get("asScopedLinkStateDb", []):
            rows.extend((None, l) for l in g.get("lsa", []) if l.get("age", 0) < MAXAGE)
        self.areas = set(a for a, _ in rows if a is not None)
        self.link_ll = {}
        for g in doc.get("interfaceScopedLinkStateDb", []):
            for l in g.get("lsa", []):
                if l["type"] == "Lnk" and l.get("age", 0) < MAXAGE and "/" not in l.get("payload", "/") \
                        and ip6(l["payload"]) >> 118 == 0x3fa:          # fe80::/10
                    self.link_ll[(l["advRouter"], ip(l["lsId"]))] = ip6(l["payload"])
        self.routers, self.rtr_links, self.nets = {}, {}, {}
        for area, l in rows:
            if l["type"] == "Rtr":
                self.routers.setdefault(l["advRouter"], set()).add(area)
                if l.get("payload"):
                    self.rtr_links.setdefault(l["advRouter"], set()).add(l["payload"])
            elif l["type"] == "Net":
                self.nets.setdefault((l["advRouter"], ip(l["lsId"])), set()).add(l["payload"])
        for (dr, _), att in self.nets.items():
            att.add(dr)
        self.owners, self.prefix_net = [], {}
        iar = {}                                # ASBR -> ABRs with an inter-area-router-LSA for it
        for _, l in rows:
            if l["type"] == "IAR":
                iar.setdefault(l["payload"], set()).add(l["advRouter"])
        for _, l in rows:
            t, adv = l["type"], l["advRouter"]
            if t == "INP":
                p, n = prefix6(l["payload"])
                net = (adv, ip(l["lsId"]))
                if net in self.nets:
                    self.prefix_net[(p, n)] = net
                self.owners.append((p, n, adv, "transit" if net in self.nets else "stub"))
            elif t == "IAP":
                self.owners.append(prefix6(l["payload"]) + (adv, "summary"))
            elif t in ("ASE", "Type7"):
                kind = "external" if t == "ASE" else "nssa"
                who = [adv] if adv in self.routers else sorted(iar.get(adv, ()))
                for w in who:
                    self.owners.append(prefix6(l["payload"]) + (w, kind))


def load_routes6(d):
    """{router id: (name, routes, interfaces)} of every R.rid in directory d
    with an R.ospf6.json (R.ifaces6.json beside it)"""
    out = {}
    for name in sorted(os.listdir(d)):
        if not name.endswith(".rid"):
            continue
        stem = name[:-4]
        p = os.path.join(d, stem + ".ospf6.json")
        if not os.path.exists(p):
            continue
        with open(os.path.join(d, name)) as f:
            rid = f.read().strip()
        with open(p) as f:
            routes = json.load(f)
        with open(os.path.join(d, stem + ".ifaces6.json")) as f:
            ifaces = json.load(f)
        out[rid] = (stem, routes, ifaces)
    return out
