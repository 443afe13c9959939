#!/usr/bin/env python3
"""Traffic of known volume through the FRR lab, and what every collector of
tests/lab/checks/30-count-once.sh must then hold.  Standard library only;
shares no code with anemone: what it predicts comes from the routers'
own forwarding tables (the kernel's, as FRR installed them) and from the
generator's own counts.

usage:
  count-once-gen.py plan PREFIX DIR [options]      (root: reads every router)
      PREFIX: the lab's namespace prefix (anl-XXXX); writes into DIR:
        net.json       every router's interfaces (ifindex, MAC, addresses)
        flows          the flows to send, one a line:
                       ID SRC-ROUTER DST-ROUTER SRC DST SPORT DPORT PACKETS
                       IP-LENGTH PATH (a>b@iface,...: the routers the flow
                       crosses, as the kernels forward it, and the
                       interface it enters each by)
        want.json      what one probe at the sources sees (totals, pairs,
                       links, source hosts) and, per deployment, what the
                       routers measure on each link
        deployments    one line per deployment: NAME routers R,.. probes R,..
        collectors     NAME PORT CONF (the collectors' configurations)
        exporters      NAME ROUTER IFACE CONF PACKETS (one exporter each,
                       and the packets of the flows its interface receives)
        neigh          ROUTER ADDR MAC (the hosts' static neighbour entries)
      options: --lsdb DOC (the database document: the LANs' ids; required),
        --seed N (1), --hosts N per router with hosts (6),
        --host-routers r1,r2,r7,r8 (every ordered pair of them a group),
        --bundles N per such group (6), --extra-groups r3:r7,r4:r8,r7:r4,r8:r3
        (SRC:DST, more groups), --extra-bundles N per extra group (2),
        --mappings conf,snmp,infer, --direction (the exporters take
        input.direction = "in"; else a filter "ether dst MAC" stands in),
        --route-lookup (and export.route-lookup = true)
  count-once-gen.py send DIR ROUTER MAC     (in ROUTER's namespace) send
      ROUTER's flows from stub0p to MAC (stub0's), as its hosts would
  count-once-gen.py compare DIR REDIS-SOCKET [NAME,...]   compare every
      collector's (or those named) Redis keys with the ground truth
      collector's ("gt") and with want.json: totals, pairs, links, source
      hosts (bytes and packets), the measured loads and measured against
      placed; prints a table and what differs; exit 1 when anything does

The plan.  Hosts 10.100.N.H (H from 10) sit on the stub networks of the
routers with hosts; a group is the flows from one such router's hosts to
another's.  OSPF (and so the collector) divides what reaches a router
evenly among its equal-cost next hops; the kernel sends each flow whole
down one of them, by a hash of its addresses (fib_multipath_hash_policy 0).
So flows come in bundles: for a group whose OSPF paths have shares
p1..pk, a bundle is m flows of one size from one source host (m the common
denominator of the shares), pi*m of them to destination hosts the kernels
send along path i ("ip route get" hop by hop, for every host pair), so
that each link carries exactly its OSPF share of the bundle: placed equals
measured, to the byte, and so does what the collector counts where only
some routers export (a record first seen at an exporting router is
counted for the share of its flow observed nowhere before: anemone-
collector(8)), per source host too.  Every flow's packets are a multiple
of 36, all of one size, so that no share or split (a third, then 3 ways,
then a LAN's 2) leaves a remainder.  The plan refuses itself (exit 1)
when the kernels' paths are not OSPF's or a bundle cannot be made even.

The deployments (which routers export, on every interface, ingress;
which stub segments have a probe):
  d1   every router
  d2a  the edge: the routers with hosts, where every flow enters and
       leaves
  d2b  a random half of the routers (seeded), among the halves that see
       every path of every flow (a flow some of whose equal-cost paths no
       exporter sees has no exact answer: anemone-collector(8))
  d3   probes on the stubs of r1 and r7, routers r2, r5 and r8 exporting:
       a flow from r1 or r7 is counted by the probe and seen again,
       transit, by the exporting routers on its way
Each deployment under three mappings of its observation points: conf
(an exporters entry per interface: edge, core with the neighbour, core on
the LAN), snmp (the routers' snmpd), infer (role = "router"); probes are
entries without a role in each.  And "gt", the ground truth: the probes of
every stub with hosts, no entry (placed from the sources).
"""
import fractions
import json
import math
import os
import random
import socket
import struct
import subprocess
import sys
import time

HOST0 = 10
PORT0 = 4700
COMMUNITY = "anemone-lab"


def rid(r):
    return "10.255.0.%s" % r[1:]


def mgmt(r):
    """(router end, collector end) of r's management link, and of its probe's"""
    n = int(r[1:])
    return ("172.31.%d.2" % n, "172.31.%d.1" % n), ("172.31.%d.6" % n, "172.31.%d.5" % n)


def ipn(s):
    return struct.unpack("!I", socket.inet_aton(s))[0]


def ip_json(ns, *args, batch=None):
    cmd = ["ip", "-n", ns, "-j"] + (["-batch", "-"] if batch is not None else list(args))
    out = subprocess.run(cmd, input=batch, capture_output=True, text=True, check=True).stdout
    dec, i, res = json.JSONDecoder(), 0, []
    while True:
        while i < len(out) and out[i].isspace():
            i += 1
        if i >= len(out):
            return res
        o, i = dec.raw_decode(out, i)
        res.append(o)


# --- the lab as it is -------------------------------------------------------

MGMT_IFS = ("lo", "mgmt0", "probe0", "stub0p")


def discover(prefix):
    routers = sorted((l.split()[0][len(prefix) + 1:] for l in
                      subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                     check=True).stdout.splitlines()
                      if l.startswith(prefix + "-r")), key=lambda r: int(r[1:]))
    net = {}
    for r in routers:
        ns = "%s-%s" % (prefix, r)
        ifs = {}
        for l in ip_json(ns, "link", "show")[0]:
            ifs[l["ifname"]] = {"ifindex": l["ifindex"], "mac": l.get("address"), "addrs": []}
        for a in ip_json(ns, "addr", "show")[0]:
            for x in a.get("addr_info", []):
                if x.get("family") == "inet":
                    ifs[a["ifname"]]["addrs"].append("%s/%d" % (x["local"], x["prefixlen"]))
        routes = []
        for rt in ip_json(ns, "route", "show")[0]:
            d = rt["dst"]
            if d == "default":
                d = "0.0.0.0/0"
            elif "/" not in d:
                d += "/32"
            hops = rt.get("nexthops") or [{"gateway": rt.get("gateway"), "dev": rt.get("dev")}]
            routes.append((d, [(h.get("gateway"), h.get("dev")) for h in hops]))
        net[r] = {"ns": ns, "rid": rid(r), "ifs": ifs, "routes": routes}
    return net


def addr_owner(net):
    own = {}
    for r, x in net.items():
        for i, f in x["ifs"].items():
            if i in MGMT_IFS:
                continue
            for a in f["addrs"]:
                own[a.split("/")[0]] = (r, i)
    return own


def lpm(routes, dst):
    d, best = ipn(dst), None
    for p, hops in routes:
        a, n = p.split("/")
        n = int(n)
        m = (0xffffffff << (32 - n)) & 0xffffffff if n else 0
        if d & m == ipn(a) & m and (best is None or n > best[0]):
            best = (n, hops)
    return best[1] if best else None


def ospf_paths(net, own, src_router, dst):
    """every path the routers' tables give dst from src_router, with its
    share as OSPF divides it: [((a, b, iface-at-b), ...), Fraction]"""
    out = []

    def walk(r, path, share):
        if len(path) > 16:
            raise SystemExit("loop towards %s" % dst)
        hops = lpm(net[r]["routes"], dst)
        if hops is None:
            raise SystemExit("%s has no route to %s" % (r, dst))
        if all(g is None for g, _ in hops):
            out.append((tuple(path), share))
            return
        for g, _ in hops:
            nr, nif = own[g]
            walk(nr, path + [(r, nr, nif)], share / len(hops))
    walk(src_router, [], fractions.Fraction(1))
    return out


def trace_all(net, own, pairs):
    """the kernels' path for each (src_router, src, dst) of pairs, hop by
    hop ("ip route get DST from SRC iif IFACE" at each router), batched per
    namespace and round"""
    state = {k: (k[0], "stub0", []) for k in pairs}
    done = {}
    while state:
        by_ns = {}
        for k, (r, iif, path) in state.items():
            by_ns.setdefault(r, []).append(k)
        nxt = {}
        for r, keys in by_ns.items():
            lines = "".join("route get %s from %s iif %s\n" % (k[2], k[1], state[k][1]) for k in keys)
            res = ip_json(net[r]["ns"], batch=lines)
            if len(res) != len(keys):
                raise SystemExit("ip route get in %s: %d answers for %d" % (r, len(res), len(keys)))
            for k, rr in zip(keys, res):
                rr = rr[0]
                _, _, path = state[k]
                if not rr.get("gateway"):
                    done[k] = tuple(path)
                    continue
                nr, nif = own[rr["gateway"]]
                if len(path) > 16:
                    raise SystemExit("a loop: %s" % (k,))
                nxt[k] = (nr, nif, path + [(r, nr, nif)])
        state = nxt
    return done


def path_str(p):
    return ",".join("%s>%s@%s" % x for x in p) or "-"


# --- the plan ---------------------------------------------------------------

def plan(argv):
    prefix, d = argv[0], argv[1]
    opt = {"--seed": "1", "--hosts": "6", "--bundles": "6", "--host-routers": "r1,r2,r7,r8",
           "--extra-groups": "r3:r7,r4:r8,r7:r4,r8:r3", "--extra-bundles": "2",
           "--mappings": "conf,snmp,infer"}
    flags = set()
    i = 2
    while i < len(argv):
        if argv[i] in ("--direction", "--route-lookup"):
            flags.add(argv[i])
            i += 1
        else:
            opt[argv[i]] = argv[i + 1]
            i += 2
    seed, nh, nb = int(opt["--seed"]), int(opt["--hosts"]), int(opt["--bundles"])
    hrs = opt["--host-routers"].split(",")
    extra = [tuple(g.split(":")) for g in opt["--extra-groups"].split(",") if g]
    xb = int(opt["--extra-bundles"])
    mappings = opt["--mappings"].split(",") if opt["--mappings"] else []
    rng = random.Random(seed)
    net = discover(prefix)
    own = addr_owner(net)
    routers = list(net)
    groups = [(a, b, nb) for a in hrs for b in hrs if a != b] + [(a, b, xb) for a, b in extra]
    ends = sorted({r for g in groups for r in g[:2]}, key=lambda r: int(r[1:]))
    for r in ends:
        if r not in net:
            raise SystemExit("no router %s in lab %s" % (r, prefix))
    hosts = {r: ["10.100.%s.%d" % (r[1:], HOST0 + h) for h in range(nh)] for r in ends}
    dist = {g[:2]: ospf_paths(net, own, g[0], hosts[g[1]][0]) for g in groups}
    cands = [(g[0], s, t) for g in groups for s in hosts[g[0]] for t in hosts[g[1]]]
    phys = trace_all(net, own, cands)

    flows = []
    fid = 0
    for sr, dr, nbun in groups:
        shares = dict(dist[(sr, dr)])
        # per source host, the destination hosts of each path
        by_src = {}
        for s in hosts[sr]:
            for t in hosts[dr]:
                p = phys[(sr, s, t)]
                if p not in shares:
                    raise SystemExit("%s -> %s: the kernels forward on %s, not an OSPF path (%s)" %
                                     (s, t, path_str(p), " ".join(path_str(x) for x in shares)))
                by_src.setdefault(s, {}).setdefault(p, []).append(t)
        full = [s for s in hosts[sr] if len(by_src.get(s, {})) == len(shares)]
        if not full:
            raise SystemExit("%s -> %s: no host of %s reaches hosts on every path (%s)" %
                             (sr, dr, sr, " ".join(path_str(x) for x in shares)))
        m = 1
        for sh in shares.values():
            m = m * sh.denominator // math.gcd(m, sh.denominator)
        for b in range(nbun):
            # a bundle: one source host, m flows of one size, each path its
            # share of them
            s = full[b % len(full)] if b < len(full) else rng.choice(full)
            packets = 36 * rng.choice((1, 1, 2))
            iplen = 28 + rng.choice((36, 100, 172, 400, 972, 1372))
            for p, sh in sorted(shares.items()):
                for k in range(int(sh * m)):
                    t = by_src[s][p][(b + k) % len(by_src[s][p])]
                    fid += 1
                    flows.append({"id": fid, "sr": sr, "dr": dr, "src": s, "dst": t,
                                  "sport": 20000 + fid, "dport": 5000 + fid % 7,
                                  "packets": packets, "iplen": iplen, "path": p})
    hrs = ends

    # what one probe at the sources sees, and what OSPF places
    def add(t, k, b, p):
        x = t.setdefault(k, [0, 0, 0])
        x[0] += b
        x[1] += p
        x[2] += 1
    want = {"totals": [0, 0, 0], "pairs": {}, "links": {}, "talkers": {}, "model_links": {}}
    for f in flows:
        by, pk = f["packets"] * f["iplen"], f["packets"]
        want["totals"][0] += by
        want["totals"][1] += pk
        want["totals"][2] += 1
        add(want["pairs"], "%s-%s" % (rid(f["sr"]), rid(f["dr"])), by, pk)
        add(want["talkers"], f["src"], by, pk)
        for a, b, _ in f["path"]:
            add(want["links"], "%s-%s" % (rid(a), rid(b)), by, pk)
        for p, sh in dist[(f["sr"], f["dr"])]:
            for a, b, _ in p:
                x = want["model_links"].setdefault("%s-%s" % (rid(a), rid(b)), [0, 0])
                x[0] += by * sh
                x[1] += pk * sh
    for k, x in want["model_links"].items():
        if [x[0], x[1]] != want["links"].get(k, [0, 0, 0])[:2]:
            raise SystemExit("link %s: OSPF's shares give %s bytes, %s packets, the kernels' "
                             "paths %d, %d: the bundles are not even" %
                             (k, x[0], x[1], *want["links"].get(k, [0, 0])[:2]))
        want["model_links"][k] = [int(x[0]), int(x[1])]

    # the deployments
    def sees_all(exp, probes):
        for g in groups:
            for p, _ in dist[g[:2]]:
                if g[0] not in exp and g[0] not in probes and \
                        not any(b in exp for _, b, _ in p):
                    return False
        return True
    halves = [h for h in _combinations(routers, len(routers) // 2)]
    rng.shuffle(halves)
    half = next((h for h in halves if sees_all(set(h), set())), None)
    if half is None:
        raise SystemExit("no half of the routers sees every path of every flow")
    deps = [("d1", routers, []), ("d2a", hrs, []), ("d2b", sorted(half, key=lambda r: int(r[1:])), []),
            ("d3", ["r2", "r5", "r8"], ["r1", "r7"])]
    for name, exp, probes in deps:
        if not sees_all(set(exp), set(probes)):
            raise SystemExit("%s: a flow is not seen on every path" % name)
    want["deployments"] = {}
    for name, exp, probes in deps:
        meas = {}
        for f in flows:
            for a, b, _ in f["path"]:
                if b in exp:
                    add(meas, "%s-%s" % (rid(a), rid(b)), f["packets"] * f["iplen"], f["packets"])
        want["deployments"][name] = {"routers": exp, "probes": probes, "measured": meas}

    os.makedirs(d, exist_ok=True)
    os.makedirs(os.path.join(d, "conf"), exist_ok=True)
    json.dump(net, open(os.path.join(d, "net.json"), "w"), indent=1)
    json.dump(want, open(os.path.join(d, "want.json"), "w"), indent=1, sort_keys=True)
    with open(os.path.join(d, "flows"), "w") as w:
        for f in flows:
            print(f["id"], f["sr"], f["dr"], f["src"], f["dst"], f["sport"], f["dport"],
                  f["packets"], f["iplen"], path_str(f["path"]), file=w)
    with open(os.path.join(d, "deployments"), "w") as w:
        for name, exp, probes in deps:
            print(name, "routers", ",".join(exp), "probes", ",".join(probes) or "-", file=w)
    with open(os.path.join(d, "neigh"), "w") as w:
        for r in hrs:
            for h in hosts[r]:
                print(r, h, "02:00:0a:64:%02x:%02x" % (int(r[1:]), int(h.split(".")[3])), file=w)

    # the collectors: gt, then each deployment under each mapping
    lan_id = {}
    for r, x in net.items():
        for i, f in x["ifs"].items():
            for a in f["addrs"]:
                lan_id.setdefault(_subnet(a), []).append((r, i, a.split("/")[0]))
    dr_of = _lan_drs(opt["--lsdb"])

    def points(r):
        """(ifname, ifindex, role, neighbour, network) of r's interfaces"""
        out = []
        for i, f in sorted(net[r]["ifs"].items(), key=lambda x: x[1]["ifindex"]):
            if i in MGMT_IFS or not f["addrs"]:
                continue
            a = f["addrs"][0]
            others = [x for x in lan_id[_subnet(a)] if x[0] != r]
            if not others:
                out.append((i, f["ifindex"], "edge", None, None))
            elif len(others) == 1:
                out.append((i, f["ifindex"], "core", rid(others[0][0]), None))
            else:
                out.append((i, f["ifindex"], "core", None, dr_of[_subnet(a)]))
        return out
    colls = [("gt", "")]
    for name, exp, probes in deps:
        for mp in mappings:
            ent = []
            for r in probes:
                ent.append('  { address = "%s"; router = "%s"; }' % (mgmt(r)[1][0], rid(r)))
            snmp = ""
            for r in exp:
                a = mgmt(r)[0][0]
                if mp == "conf":
                    for i, k, role, nbr, lan in points(r):
                        e = '  { address = "%s"; interface = %d; router = "%s"; role = "%s";' % (
                            a, k, rid(r), role)
                        if nbr:
                            e += ' neighbour = "%s";' % nbr
                        if lan:
                            e += ' network = "%s";' % lan
                        ent.append(e + " }   # %s %s" % (r, i))
                elif mp == "infer":
                    ent.append('  { address = "%s"; router = "%s"; role = "router"; }' % (a, rid(r)))
            if mp == "snmp":
                snmp = ('snmp = {\n  community = "%s"; interval = "600s"; timeout = "1s"; retries = 2;\n'
                        '  agents = (\n%s\n  );\n};\n' % (COMMUNITY, ",\n".join(
                            '    { exporter = "%s"; }' % mgmt(r)[0][0] for r in exp)))
            text = snmp + ("exporters = (\n%s\n);\n" % "\n".join(_commas(ent)) if ent else "")
            colls.append(("%s-%s" % (name, mp), text))
    with open(os.path.join(d, "collectors"), "w") as w:
        for k, (name, text) in enumerate(colls):
            p = os.path.join(d, "conf", "%s.conf" % name)
            with open(p, "w") as c:
                c.write('redis = { prefix = "%s:"; top-n = 200; };\n%s' % (name, text))
            print(name, PORT0 + k, p, file=w)
    port = {name: PORT0 + k for k, (name, _) in enumerate(colls)}

    # the exporters: one per router interface (ingress), one probe per stub
    def exporter_conf(path, iface, filt, dests, direction):
        with open(path, "w") as c:
            c.write('input = { interface = "%s"; promiscuous = false; snaplen = 128;\n'
                    '  filter = "%s";%s };\n' % (iface, filt,
                                                 ' direction = "in";' if direction else ""))
            c.write('flows = { max-flows = 4096; huge-pages = false; idle-timeout = "1s"; '
                    'active-timeout = "10s"; };\n')
            c.write('export = { destinations = [ %s ]; max-hold = "200ms";%s };\n' % (
                ", ".join('"%s"' % x for x in dests),
                " route-lookup = true;" if "--route-lookup" in flags and direction else ""))
    seen = {}                      # packets each interface receives
    for f in flows:
        seen[(f["sr"], "stub0")] = seen.get((f["sr"], "stub0"), 0) + f["packets"]
        for _, b, i in f["path"]:
            seen[(b, i)] = seen.get((b, i), 0) + f["packets"]
    with open(os.path.join(d, "exporters"), "w") as w:
        for r in routers:
            (_, ca), (_, pca) = mgmt(r)
            mine = ["%s-%s" % (name, mp) for name, exp, _ in deps if r in exp for mp in mappings]
            if mine:
                for i, k, role, _, _ in points(r):
                    mac = net[r]["ifs"][i]["mac"]
                    if "--direction" in flags:
                        # (IPv4 only: the flows are; OSPF's, OSPFv3's and
                        # the neighbour discovery of a dual-stack lab are not)
                        filt, dirn = "ip and not ip proto 89", True
                    else:
                        # (a frame to this MAC is one received: the stand-in
                        # for direction "in", for unicast traffic.  Not
                        # libpcap's "inbound": libpcap 1.10 runs a new
                        # filter in user space over the ring block being
                        # filled, where that test fails every frame, so the
                        # first burst after the start would be lost)
                        filt, dirn = "ether dst %s and ip and not ip proto 89" % mac, False
                    p = os.path.join(d, "conf", "x-%s-%s.conf" % (r, i))
                    exporter_conf(p, i, filt, ["ipfix:%s:%d" % (ca, port[c]) for c in mine], dirn)
                    print("%s-%s" % (r, i), r, i, p, seen.get((r, i), 0), file=w)
            if r in hrs:
                mine = ["gt"] + ["%s-%s" % (name, mp) for name, _, probes in deps if r in probes
                                 for mp in mappings]
                p = os.path.join(d, "conf", "x-%s-probe.conf" % r)
                # a SPAN probe of the stub segment: the frames the hosts send
                # to their router (stub0p is the hosts' end of the segment)
                exporter_conf(p, "stub0p", "ether dst %s and ip and not ip proto 89" %
                              net[r]["ifs"]["stub0"]["mac"],
                              ["ipfix:%s:%d" % (pca, port[c]) for c in mine], False)
                print("%s-probe" % r, r, "stub0p", p, seen.get((r, "stub0"), 0), file=w)
    print("%d flows (%d packets, %d bytes) in %d groups; d2b: %s" % (
        len(flows), want["totals"][1], want["totals"][0], len(groups), " ".join(half)))


def _combinations(items, k):
    if k == 0:
        yield ()
        return
    for i in range(len(items) - k + 1):
        for rest in _combinations(items[i + 1:], k - 1):
            yield (items[i],) + rest


def _commas(ent):
    """entries joined as libconfig wants: a comma after each but the last,
    before its comment"""
    out = []
    for n, e in enumerate(ent):
        last = n == len(ent) - 1
        if "   #" in e:
            body, com = e.split("   #", 1)
            out.append(body + ("" if last else ",") + "   #" + com)
        else:
            out.append(e + ("" if last else ","))
    return out


def _subnet(cidr):
    a, n = cidr.split("/")
    n = int(n)
    m = (0xffffffff << (32 - n)) & 0xffffffff if n else 0
    return "%s/%d" % (socket.inet_ntoa(struct.pack("!I", ipn(a) & m)), n)


def _lan_drs(doc):
    """subnet -> the DR's interface address (the network-LSA's id), from
    the database document doc"""
    out = {}
    for l in json.load(open(doc))["lsas"]:
        b = bytes.fromhex(l["hex"])
        if b[3] == 2:
            lsid = socket.inet_ntoa(b[4:8])
            mask = struct.unpack("!I", b[20:24])[0]
            n = bin(mask).count("1")
            out[_subnet("%s/%d" % (lsid, n))] = lsid
    return out


# --- sending ----------------------------------------------------------------

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def send(argv):
    d, router, mac = argv[0], argv[1], argv[2]
    dst_mac = bytes.fromhex(mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("stub0p", 0))
    n = pk = by = 0
    for line in open(os.path.join(d, "flows")):
        f = line.split()
        if f[1] != router:
            continue
        src, dst, sport, dport, packets, iplen = f[3], f[4], int(f[5]), int(f[6]), int(f[7]), int(f[8])
        smac = bytes([2, 0, 10, 100, int(router[1:]), int(src.split(".")[3])])
        for k in range(packets):
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, iplen, (int(f[0]) * 64 + k) & 0xffff, 0, 64,
                             17, 0, socket.inet_aton(src), socket.inet_aton(dst))
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            udp = struct.pack("!HHHH", sport, dport, iplen - 20, 0)
            s.send(dst_mac + smac + b"\x08\x00" + ip + udp + bytes(iplen - 28))
            pk += 1
            by += iplen
            if pk % 64 == 0:
                time.sleep(0.002)        # (the receiving backlog holds 1000)
        n += 1
    print("%s: %d flows, %d packets, %d bytes sent" % (router, n, pk, by))


# --- comparing ----------------------------------------------------------------

class Redis:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("rb")

    def pipe(self, cmds):
        out = b""
        for c in cmds:
            out += b"*%d\r\n" % len(c)
            for a in c:
                a = a.encode() if isinstance(a, str) else a
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return [self.read() for _ in cmds]

    def read(self):
        l = self.f.readline()
        t, rest = l[:1], l[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            v = self.f.read(n + 2)[:-2]
            return v.decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("RESP: %r" % l)

    def cmd(self, *a):
        return self.pipe([a])[0]


def view(r, p):
    """what collector prefix p holds: totals, pairs, links, measured, talkers
    (summed over every hour bucket of top:src and toppkts:src)"""
    v = {}
    t = r.cmd("HGETALL", p + "totals") or []
    t = dict(zip(t[::2], t[1::2]))
    v["totals"] = [int(t.get("bytes", 0)), int(t.get("packets", 0)), int(t.get("flows", 0))]
    v["unrouted"] = {k: int(x) for k, x in t.items() if k.startswith("unrouted:")}
    for kind, idx in (("pairs", "pairs"), ("links", "links"), ("measured", "measureds")):
        ids = sorted(r.cmd("SMEMBERS", p + idx) or [])
        res = r.pipe([("HMGET", "%s%s:%s" % (p, "measured" if kind == "measured" else kind[:-1], i),
                       "bytes", "packets", "flows") for i in ids])
        v[kind] = {i: [int(x or 0) for x in y] for i, y in zip(ids, res)}
    keys = sorted(k for k in r.cmd("KEYS", p + "top:src:1h:*") or [] if not k.endswith(":last"))
    tk = {}
    for k in keys:
        z = r.cmd("ZRANGE", k, "0", "-1", "WITHSCORES")
        pk = r.cmd("HGETALL", k.replace(":top:src:", ":toppkts:src:")) or []
        pk = dict(zip(pk[::2], pk[1::2]))
        for m, sc in zip(z[::2], z[1::2]):
            x = tk.setdefault(m, [0, 0])
            x[0] += int(float(sc))
            x[1] += int(pk.get(m, 0))
    v["talkers"] = tk
    st = r.cmd("HGETALL", p + "collector:stats") or []
    v["stats"] = dict(zip(st[::2], st[1::2]))
    return v


def diff(what, got, want, n=2):
    """lines for every key whose first n numbers differ"""
    out = []
    for k in sorted(set(got) | set(want)):
        g, w = got.get(k, [0] * n)[:n], want.get(k, [0] * n)[:n]
        if list(g) != list(w):
            out.append("  %s %s: got %s, want %s" % (what, k, g, w))
    return out


def compare(argv):
    d, sock = argv[0], argv[1]
    want = json.load(open(os.path.join(d, "want.json")))
    names = [l.split()[0] for l in open(os.path.join(d, "collectors"))]
    if len(argv) > 2:
        names = [n for n in names if n in argv[2].split(",")]
    r = Redis(sock)
    gt = view(r, "gt:")
    bad = 0
    rows = []
    gtw = {"totals": {"t": want["totals"]}, "pairs": want["pairs"], "links": want["links"],
           "talkers": want["talkers"]}
    problems = []
    gt_ok = not any(diff(k, {"t": gt["totals"]} if k == "totals" else gt[k], gtw[k]) for k in gtw)
    for name in names:
        v = gt if name == "gt" else view(r, name + ":")
        dep = want["deployments"].get(name.split("-")[0])
        row = [name, "%d/%d/%d" % tuple(v["totals"])]
        mine = []
        # against the generator (want.json) and against the ground truth
        for kind in ("totals", "pairs", "links", "talkers"):
            got = {"t": v["totals"]} if kind == "totals" else v[kind]
            ref = {"t": gt["totals"]} if kind == "totals" else gt[kind]
            e = diff(kind, got, gtw[kind])
            if name != "gt" and not gt_ok:      # (else the same as the generator's)
                e += [x.replace("want", "gt has") for x in diff(kind, got, ref)]
            row.append("%d%s" % (len(got), "" if not e else "!"))
            mine += e
        if v["unrouted"]:
            mine.append("  unrouted: %s" % v["unrouted"])
        if dep is not None:
            e = diff("measured", v["measured"], dep["measured"])
            # measured equals placed, on every measured link
            e += [x.replace("want", "placed") for x in
                  diff("measured-vs-placed", v["measured"], {k: v["links"].get(k, [0, 0])
                                                              for k in v["measured"]})]
            row.append("%d%s" % (len(v["measured"]), "" if not e else "!"))
            mine += e
        else:
            row.append("-")
        st = v["stats"]
        row.append("%s/%s/%s/%s" % (st.get("records-counted", "?"), st.get("records-first", "?"),
                                   st.get("records-transit", "?"), st.get("records-unmapped", "?")))
        if mine:
            bad = 1
            more = "\n  ... %d more" % (len(mine) - 15) if len(mine) > 15 else ""
            problems.append("%s:\n%s%s" % (name, "\n".join(mine[:15]), more))
        row.append("ok" if not mine else "DIFFERS")
        rows.append(row)
    hdr = ["collector", "bytes/packets/flows", "totals", "pairs", "links", "talkers", "measured",
           "records counted/first/transit/unmapped", "result"]
    wd = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    for x in [hdr] + rows:
        print("  ".join(str(c).ljust(wd[i]) for i, c in enumerate(x)).rstrip())
    print("(totals ... measured: the entries compared, bytes and packets of each; \"!\": some "
          "differ from the generator's counts and the ground truth's (gt), or, measured, from "
          "what crossed the link or from the placed load; flows are shown, not compared)")
    for p in problems:
        print(p)
    sys.exit(bad)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, argv = sys.argv[1], sys.argv[2:]
    if cmd == "plan":
        plan(argv)
    elif cmd == "send":
        send(argv)
    elif cmd == "compare":
        compare(argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
