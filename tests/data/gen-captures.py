#!/usr/bin/env python3
"""Deterministic generator of the exporter's test captures.

Usage: gen-captures.py OUTDIR

Every packet is built here with struct packing (no third-party modules), with
fixed timestamps and no randomness, so running it twice gives byte-identical
files.  Besides the captures it writes:

  OUTDIR/MANIFEST  one line per file: name and what it holds
  OUTDIR/EXPECTED  per file, the flow totals the generator itself recorded
                   while building the packets ("all" and "ipv4-only"):
                       FILE all flows=N packets=N octets=N
                       FILE ipv4-only flows=N packets=N octets=N

Flow key (what makes two packets the same flow): source and destination
address, source and destination port, IP protocol (after IPv6 extension
headers), ToS byte / IPv6 traffic class (all 8 bits, ECN included), outer
VLAN id, inner VLAN id, input interface (always 0 here).  ICMP and ICMPv6 use
sport 0 and dport type*256+code.  Fragments after the first carry the ports
of their first fragment.  Octets are IP-layer bytes: IPv4 total length, IPv6
payload length + 40.  Frames that are not IP, or that the exporter must
reject (see bad.pcap), are not counted.
"""

import os
import struct
import sys

BASE_S = 1700000000          # 2023-11-14 22:13:20 UTC: every file starts here
ETH_IPV4, ETH_IPV6, ETH_ARP = 0x0800, 0x86DD, 0x0806
ETH_8021Q, ETH_8021AD, ETH_MPLS = 0x8100, 0x88A8, 0x8847
P_ICMP, P_IGMP, P_TCP, P_UDP, P_ICMP6 = 1, 2, 6, 17, 58
H_HBH, H_ROUTING, H_FRAG, H_DSTOPTS = 0, 43, 44, 60
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10

LINKTYPE_ETHERNET, LINKTYPE_RAW = 1, 101
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_USER0 = 113, 276, 147


# --------------------------------------------------------------------------
# addresses and checksums

def ip4(s):
    return bytes(int(x) for x in s.split('.'))


def ip6(s):
    """Parse an IPv6 address (with :: compression; no embedded IPv4)."""
    if '::' in s:
        head, tail = s.split('::')
        h = [x for x in head.split(':') if x]
        t = [x for x in tail.split(':') if x]
        groups = h + ['0'] * (8 - len(h) - len(t)) + t
    else:
        groups = s.split(':')
    assert len(groups) == 8, s
    return b''.join(struct.pack('!H', int(g, 16)) for g in groups)


def addr(s):
    return ip6(s) if ':' in s else ip4(s)


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack('!BBH', 0, proto, length)
    return src + dst + struct.pack('!IxxxB', length, proto)


def mac_for(a):
    """Deterministic locally administered MAC for an address string."""
    b = addr(a)
    return bytes([0x02, 0x00]) + b[-4:]


# --------------------------------------------------------------------------
# layer 4

def tcp_seg(src, dst, sport, dport, seq, ack, flags, payload=b'', win=64240,
            opts=b'', final_dst=None):
    off = (20 + len(opts)) // 4
    assert (20 + len(opts)) % 4 == 0
    hdr = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, off << 4, flags, win, 0, 0) + opts
    seg = hdr + payload
    c = csum(pseudo(src, final_dst or dst, P_TCP, len(seg)) + seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def udp_dgram(src, dst, sport, dport, payload, final_dst=None):
    ln = 8 + len(payload)
    d = struct.pack('!HHHH', sport, dport, ln, 0) + payload
    c = csum(pseudo(src, final_dst or dst, P_UDP, ln) + d) or 0xFFFF
    return d[:6] + struct.pack('!H', c) + d[8:]


def icmp4_msg(typ, code, rest):
    m = struct.pack('!BBH', typ, code, 0) + rest
    return m[:2] + struct.pack('!H', csum(m)) + m[4:]


def icmp6_msg(src, dst, typ, code, rest):
    m = struct.pack('!BBH', typ, code, 0) + rest
    c = csum(pseudo(src, dst, P_ICMP6, len(m)) + m)
    return m[:2] + struct.pack('!H', c) + m[4:]


def igmp_msg(typ, group):
    m = struct.pack('!BBH4s', typ, 0, 0, ip4(group))
    return m[:2] + struct.pack('!H', csum(m)) + m[4:]


# --------------------------------------------------------------------------
# layer 3

_ipid = {}


def next_ipid(src):
    v = _ipid.get(src, (sum(src) * 977) & 0xFFFF)
    _ipid[src] = (v + 1) & 0xFFFF
    return v


def ipv4_hdr(src, dst, proto, paylen, tos=0, ident=None, df=True, mf=False,
             frag_off=0, ttl=64, opts=b''):
    assert len(opts) % 4 == 0
    ihl = 5 + len(opts) // 4
    if ident is None:
        ident = next_ipid(src)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off >> 3)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, tos, ihl * 4 + paylen, ident,
                    flags, ttl, proto, 0, src, dst) + opts
    return h[:10] + struct.pack('!H', csum(h)) + h[12:]


def ipv6_hdr(src, dst, nxt, paylen, tclass=0, flow=0, hlim=64):
    return struct.pack('!IHBB16s16s', (6 << 28) | (tclass << 20) | flow,
                       paylen, nxt, hlim, src, dst)


def ext_opts(nxt, options):
    """Hop-by-hop or destination options header, padded to 8 octets."""
    body = options
    need = (-(2 + len(body))) % 8
    if need == 1:
        body += b'\x00'                       # Pad1
    elif need:
        body += bytes([1, need - 2]) + bytes(need - 2)   # PadN
    return bytes([nxt, (2 + len(body)) // 8 - 1]) + body


def ext_srh(nxt, segments, left):
    """Segment Routing Header (routing type 4); segments[0] is the last."""
    n = len(segments)
    return (struct.pack('!BBBBBBH', nxt, 2 * n, 4, left, n - 1, 0, 0)
            + b''.join(segments))


def ext_frag(nxt, offset, more, ident):
    return struct.pack('!BBHI', nxt, 0, (offset & 0xFFF8) | (1 if more else 0),
                       ident)


# --------------------------------------------------------------------------
# link layers: each returns the frame for an IP datagram

class Link:
    """kind: eth | sll | sll2 | raw.  tags: list of (tpid, vid, pcp) outer
    first; labels: MPLS label values, top first (Ethernet only)."""

    def __init__(self, kind='eth', tags=(), labels=(), local=(), ifindex=3):
        self.kind, self.tags, self.labels = kind, list(tags), list(labels)
        self.local = set(local)      # addresses "of this host" (SLL direction)
        self.ifindex = ifindex

    @property
    def vlan(self):
        return self.tags[0][1] if self.tags else 0

    @property
    def ivlan(self):
        return self.tags[1][1] if len(self.tags) > 1 else 0

    def frame(self, ip, src, dst):
        ethertype = ETH_IPV6 if (ip[0] >> 4) == 6 else ETH_IPV4
        if self.kind == 'raw':
            return ip
        if self.kind in ('sll', 'sll2'):
            outgoing = src in self.local
            return sll_frame(self.kind, ethertype, ip, mac_for(src),
                             4 if outgoing else 0, self.ifindex)
        payload = ip
        if self.labels:
            n = len(self.labels)
            stack = b''
            for i, lab in enumerate(self.labels):
                s = 1 if i == n - 1 else 0
                stack += struct.pack('!I', (lab << 12) | (s << 8) | 64 - i)
            payload, ethertype = stack + ip, ETH_MPLS
        return eth_frame(mac_for(dst), mac_for(src), ethertype, payload,
                         self.tags)


def eth_frame(dmac, smac, ethertype, payload, tags=(), pad=True):
    f = dmac + smac
    for tpid, vid, pcp in tags:
        f += struct.pack('!HH', tpid, (pcp << 13) | vid)
    f += struct.pack('!H', ethertype) + payload
    if pad and len(f) < 60:
        f += bytes(60 - len(f))
    return f


def sll_frame(kind, proto, payload, smac, pkttype, ifindex):
    if kind == 'sll':
        return struct.pack('!HHH8sH', pkttype, 1, 6, smac + b'\0\0',
                           proto) + payload
    return struct.pack('!HHIHBB8s', proto, 0, ifindex, 1, pkttype, 6,
                       smac + b'\0\0') + payload


# --------------------------------------------------------------------------
# capture files and bookkeeping

class Capture:
    def __init__(self, name, linktype=LINKTYPE_ETHERNET, desc='',
                 endian='<', nsec=False):
        self.name, self.linktype, self.desc = name, linktype, desc
        self.endian, self.nsec = endian, nsec
        self.frames = []     # (t_ns, seq, data, wirelen)
        self.counted = []    # (key, octets, af) for each counted packet
        self.seq = 0
        self.status = []     # bad.pcap: (decoder status, note) per frame

    def raw(self, t_us, data, wirelen=None, flow=None):
        """Add a frame; flow = (key, octets, af) if the exporter counts it."""
        self.frames.append((t_us * 1000, self.seq, data,
                            len(data) if wirelen is None else wirelen))
        self.seq += 1
        if flow is not None:
            self.counted.append(flow)

    def ip(self, t_us, link, src, dst, proto, l4, tos=0, sport=0, dport=0,
           exts=(), **kw):
        """Send one IP datagram: src/dst strings, l4 bytes after the
        extension headers, exts = [(type, bytes)] IPv6 extension headers."""
        s, d = addr(src), addr(dst)
        if len(s) == 4:
            ipb = ipv4_hdr(s, d, proto, len(l4), tos=tos, **kw) + l4
            af, octets = 4, len(ipb)
        else:
            chain = b''
            types = [t for t, _ in exts] + [proto]
            for i, (_, eb) in enumerate(exts):
                chain += bytes([types[i + 1]]) + eb[1:]
            nxt = types[0]
            ipb = ipv6_hdr(s, d, nxt, len(chain) + len(l4), tclass=tos,
                           **kw) + chain + l4
            af, octets = 6, len(ipb)
        key = (af, src, dst, sport, dport, proto, tos, link.vlan, link.ivlan, 0)
        self.raw(t_us, link.frame(ipb, src, dst), flow=(key, octets, af))
        return ipb

    def clone(self, name, endian='<', nsec=False):
        c = Capture(name, self.linktype, self.desc, endian, nsec)
        c.frames, c.counted, c.seq = self.frames, self.counted, self.seq
        return c

    def sorted_frames(self):
        return sorted(self.frames, key=lambda f: (f[0], f[1]))

    def totals(self, v4only=False):
        rec = [r for r in self.counted if not v4only or r[2] == 4]
        return (len({r[0] for r in rec}), len(rec), sum(r[1] for r in rec))

    # ---- writers
    def pcap_bytes(self):
        e = self.endian
        magic = 0xA1B23C4D if self.nsec else 0xA1B2C3D4
        out = [struct.pack(e + 'IHHiIII', magic, 2, 4, 0, 0, 262144,
                           self.linktype)]
        div = 1 if self.nsec else 1000
        for t_ns, _, data, wl in self.sorted_frames():
            sec, frac = divmod(t_ns, 1000000000)
            out.append(struct.pack(e + 'IIII', sec, frac // div, len(data), wl))
            out.append(data)
        return b''.join(out)

    def pcapng_bytes(self):
        def block(btype, body):
            body += bytes((-len(body)) % 4)
            ln = 12 + len(body)
            return struct.pack('<II', btype, ln) + body + struct.pack('<I', ln)

        def opt(code, val):
            return (struct.pack('<HH', code, len(val)) + val
                    + bytes((-len(val)) % 4))

        shb = block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)
                    + opt(4, b'anemone gen-captures.py') + opt(0, b''))
        idb = block(1, struct.pack('<HHI', self.linktype, 0, 262144)
                    + opt(2, b'eth0') + opt(9, b'\x06') + opt(0, b''))
        out = [shb, idb]
        for t_ns, _, data, wl in self.sorted_frames():
            t_us = t_ns // 1000
            out.append(block(6, struct.pack('<IIIII', 0, t_us >> 32,
                                            t_us & 0xFFFFFFFF, len(data), wl)
                             + data))
        return b''.join(out)


# --------------------------------------------------------------------------
# traffic helpers

def T(sec, us=0):
    """Microseconds since the start of the file."""
    return BASE_S * 1000000 + int(sec * 1000000) + us


def chunks(data, n):
    return [data[i:i + n] for i in range(0, len(data), n)] or [b'']


def body_text(n, seed):
    line = ('anemone test body %d: the quick brown fox jumps over the lazy '
            'dog 0123456789\n' % seed).encode()
    return (line * (n // len(line) + 1))[:n]


def http_exchange(path, size, seed, host='example.test'):
    req = ('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: anemone-gen/1\r\n'
           'Accept: */*\r\nConnection: close\r\n\r\n' % (path, host)).encode()
    body = body_text(size, seed)
    resp = ('HTTP/1.1 200 OK\r\nServer: anemone-gen\r\nContent-Type: '
            'text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n'
            % size).encode() + body
    return req, resp


class TcpSession:
    """One TCP connection; send() builds a segment with the right sequence
    numbers and records it.  tos_data: ToS used on segments carrying data
    (ECN style: SYN and pure ACKs keep tos)."""

    def __init__(self, cap, link, cli, srv, cport, sport, tos=0,
                 tos_data=None, mss=1460):
        self.cap, self.link, self.mss = cap, link, mss
        self.ends = {'c': (cli, cport), 's': (srv, sport)}
        self.seq = {'c': 1000000 + cport * 7, 's': 3000000 + sport * 11}
        self.tos, self.tos_data = tos, tos_data
        self.synopt = struct.pack('!BBH', 2, 4, mss) + b'\x01\x03\x03\x07' + \
            b'\x01\x01\x04\x02'

    def send(self, t, frm, flags, payload=b'', opts=b''):
        to = 's' if frm == 'c' else 'c'
        (a, ap), (b, bp) = self.ends[frm], self.ends[to]
        seg = tcp_seg(addr(a), addr(b), ap, bp, self.seq[frm],
                      self.seq[to] if flags & TCP_ACK else 0, flags, payload,
                      opts=opts)
        tos = self.tos_data if (payload and self.tos_data is not None) \
            else self.tos
        self.cap.ip(t, self.link, a, b, P_TCP, seg, tos=tos, sport=ap,
                    dport=bp)
        self.seq[frm] += len(payload) + \
            (1 if flags & (TCP_SYN | TCP_FIN) else 0)

    def connect(self, t, rtt):
        self.send(t, 'c', TCP_SYN, opts=self.synopt)
        self.send(t + rtt // 2, 's', TCP_SYN | TCP_ACK, opts=self.synopt)
        self.send(t + rtt, 'c', TCP_ACK)
        return t + rtt

    def close(self, t, rtt):
        self.send(t, 'c', TCP_FIN | TCP_ACK)
        self.send(t + rtt // 2, 's', TCP_FIN | TCP_ACK)
        self.send(t + rtt, 'c', TCP_ACK)
        return t + rtt


def tcp_conv(cap, t, link, cli, srv, cport, sport, req=b'', resp=b'', tos=0,
             tos_data=None, end='fin', mss=1460, rtt=900):
    """A request/response TCP conversation starting at t (us).  end: 'fin'
    (client closes first), 'rst' (server resets after part of the
    response), 'refused' (SYN answered by RST|ACK).  Returns end time."""
    ss = TcpSession(cap, link, cli, srv, cport, sport, tos, tos_data, mss)
    half = rtt // 2
    if end == 'refused':
        ss.send(t, 'c', TCP_SYN, opts=ss.synopt)
        ss.seq['s'] = 0
        ss.send(t + half, 's', TCP_RST | TCP_ACK)
        return t + half
    t = ss.connect(t, rtt)
    for part in chunks(req, mss) if req else []:
        t += 40
        ss.send(t, 'c', TCP_PSH | TCP_ACK, part)
    t += half
    ss.send(t, 's', TCP_ACK)
    segs = chunks(resp, mss) if resp else []
    if end == 'rst':
        segs = segs[:max(1, len(segs) // 2)]
    for i, part in enumerate(segs):
        t += 120
        last = i == len(segs) - 1
        ss.send(t, 's', (TCP_PSH if last else 0) | TCP_ACK, part)
        if i % 2 == 1 or last:
            t += half
            ss.send(t, 'c', TCP_ACK)
    t += 200
    if end == 'rst':
        ss.send(t, 's', TCP_RST | TCP_ACK)
        return t
    return ss.close(t, rtt)


def tcp_interactive(cap, t, link, cli, srv, cport, sport, n, interval,
                    tos=0, rtt=2000):
    """Keystroke-like session on the echo port: n short lines, each echoed
    by the server and acknowledged by the client."""
    ss = TcpSession(cap, link, cli, srv, cport, sport, tos)
    t = ss.connect(t, rtt)
    for i in range(n):
        t += interval
        line = ('line %d of an interactive session\r\n' % i).encode()
        ss.send(t, 'c', TCP_PSH | TCP_ACK, line)
        ss.send(t + rtt // 2, 's', TCP_PSH | TCP_ACK, line)
        ss.send(t + rtt, 'c', TCP_ACK)
    return ss.close(t + interval, rtt)


def dns_name(name):
    return b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) \
        + b'\0'


def dns_query(qid, name, qtype):
    return struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0) + dns_name(name) \
        + struct.pack('!HH', qtype, 1)


def dns_answer(qid, name, qtype, rdata):
    return (struct.pack('!HHHHHH', qid, 0x8180, 1, 1, 0, 0) + dns_name(name)
            + struct.pack('!HH', qtype, 1)
            + struct.pack('!HHHIH', 0xC00C, qtype, 1, 300, len(rdata)) + rdata)


def dns_pair(cap, t, link, cli, srv, cport, qid, name, qtype=1, tos=0):
    rdata = ip4('203.0.113.%d' % (qid % 200 + 1)) if qtype == 1 else \
        ip6('2001:db8:ffff::%x' % qid)
    q = dns_query(qid, name, qtype)
    a = dns_answer(qid, name, qtype, rdata)
    cap.ip(t, link, cli, srv, P_UDP, udp_dgram(addr(cli), addr(srv), cport, 53,
                                                q), tos=tos, sport=cport,
           dport=53)
    cap.ip(t + 1800, link, srv, cli, P_UDP,
           udp_dgram(addr(srv), addr(cli), 53, cport, a), tos=tos, sport=53,
           dport=cport)


def ntp_msg(mode, n):
    ts = ((BASE_S + 2208988800 + n) << 32) | (n * 0x10000000 & 0xFFFFFFFF)
    return struct.pack('!BBbbII4sQQQQ', (4 << 3) | mode,
                       0 if mode == 3 else 2, 6, -20, 0x100, 0x200,
                       b'\0\0\0\0' if mode == 3 else ip4('192.0.2.123'),
                       0, ts if mode == 4 else 0, ts if mode == 4 else 0, ts)


def echo_pairs(cap, t, link, a, b, n, ident, size=56, tos=0, gap=1000000):
    v6 = ':' in a
    for i in range(1, n + 1):
        data = body_text(size, ident + i)
        rest = struct.pack('!HH', ident, i) + data
        for (x, y, typ) in ((a, b, 128 if v6 else 8), (b, a, 129 if v6 else 0)):
            if v6:
                m = icmp6_msg(addr(x), addr(y), typ, 0, rest)
                cap.ip(t, link, x, y, P_ICMP6, m, tos=tos, dport=typ << 8)
            else:
                m = icmp4_msg(typ, 0, rest)
                cap.ip(t, link, x, y, P_ICMP, m, tos=tos, dport=typ << 8)
            t += 350
        t += gap
    return t


def udp_pkt(cap, t, link, a, b, sp, dp, payload, tos=0, **kw):
    return cap.ip(t, link, a, b, P_UDP, udp_dgram(addr(a), addr(b), sp, dp,
                                                    payload),
                  tos=tos, sport=sp, dport=dp, **kw)


# --------------------------------------------------------------------------
# the captures

def build_v4_mixed():
    cap = Capture('v4-mixed.pcap', desc='IPv4 over Ethernet: 8 TCP '
                  'conversations (FIN, RST mid-response, refused SYN, ECN '
                  'data segments with ToS 0x02, an interactive echo '
                  'session), DNS and NTP over UDP, ICMP '
                  'echo, port/host unreachable and time exceeded, IGMP with '
                  'IPv4 Router Alert option; ToS 0x00/0x02/0x10/0x28/0xb8/0xc0;'
                  ' ~10 s')
    L = Link('eth')
    C1, C2, S1, S2 = '192.0.2.10', '192.0.2.11', '198.51.100.80', \
        '198.51.100.53'
    r1, p1 = http_exchange('/index.html', 3000, 1)
    tcp_conv(cap, T(0.10), L, C1, S1, 40001, 80, r1, p1)
    r2, p2 = http_exchange('/big.bin', 42000, 2)
    tcp_conv(cap, T(0.80), L, C2, S1, 40002, 80, r2, p2)
    r3, p3 = http_exchange('/alt', 9000, 3, host='alt.example.test')
    tcp_conv(cap, T(2.20), L, C1, S1, 40003, 8080, r3, p3, tos=0x28)
    r4, p4 = http_exchange('/ecn', 12000, 4)
    tcp_conv(cap, T(3.50), L, C2, S1, 40004, 80, r4, p4, tos=0x00,
             tos_data=0x02)
    r5, p5 = http_exchange('/reset', 16000, 5)
    tcp_conv(cap, T(5.00), L, C1, S1, 40005, 80, r5, p5, tos=0x10, end='rst')
    tcp_conv(cap, T(6.10), L, C2, S1, 40006, 81, end='refused')
    r7, p7 = http_exchange('/', 600, 7)
    tcp_conv(cap, T(8.40), L, C2, S1, 40007, 80, r7, p7)
    tcp_interactive(cap, T(0.30), L, C1, '198.51.100.7', 40008, 7, 30, 300000,
                    tos=0x10)

    for i in range(6):      # DNS: each query from a new source port
        dns_pair(cap, T(0.05 + i * 1.5), L, C1, S2, 53000 + i * 17, 0x1000 + i,
                 'host%d.example.test' % i, 1 if i % 2 == 0 else 28)
    for i in range(5):      # NTP, EF marked, same flow each time
        t = T(1.0 + i * 2.0)
        udp_pkt(cap, t, L, C2, '192.0.2.123', 123, 123, ntp_msg(3, i),
                tos=0xB8)
        udp_pkt(cap, t + 2500, L, '192.0.2.123', C2, 123, 123, ntp_msg(4, i),
                tos=0xB8)

    echo_pairs(cap, T(1.3), L, C1, S2, 4, 0x4242)
    echo_pairs(cap, T(4.2), L, C2, '203.0.113.1', 3, 0x0707, size=1000,
               tos=0x10)

    # UDP to a closed port, answered by ICMP port unreachable (ToS 0xc0)
    for i in range(2):
        t = T(7.0 + i * 0.5)
        orig = udp_pkt(cap, t, L, C1, S2, 50123, 9999, body_text(32, 9))
        cap.ip(t + 300, L, S2, C1, P_ICMP,
               icmp4_msg(3, 3, b'\0\0\0\0' + orig[:28]), tos=0xC0,
               dport=0x0303, df=False)
    # host unreachable and time exceeded from a router
    orig = udp_pkt(cap, T(7.7), L, C2, '203.0.113.99', 33434, 33435,
                   body_text(24, 10), ttl=1)
    cap.ip(T(7.7, 500), L, '192.0.2.1', C2, P_ICMP,
           icmp4_msg(11, 0, b'\0\0\0\0' + orig[:28]), tos=0xC0, dport=0x0B00,
           df=False)
    orig = udp_pkt(cap, T(7.9), L, C2, '203.0.113.98', 33435, 33436,
                   body_text(24, 11))
    cap.ip(T(7.9, 800), L, '192.0.2.1', C2, P_ICMP,
           icmp4_msg(3, 1, b'\0\0\0\0' + orig[:28]), tos=0xC0, dport=0x0301,
           df=False)
    # IGMPv2 membership reports with Router Alert (IHL 6)
    for i in range(3):
        cap.ip(T(0.5 + i * 3.0), L, C1, '224.0.0.251', P_IGMP,
               igmp_msg(0x16, '224.0.0.251'), tos=0xC0, ttl=1, df=False,
               opts=b'\x94\x04\x00\x00')
    return cap


def build_v6():
    cap = Capture('v6.pcap', desc='IPv6 over Ethernet: TCP (HTTP), DNS, '
                  'ICMPv6 echo, NS/NA, port unreachable (inner IPv6+UDP), '
                  'MLDv2 with hop-by-hop Router Alert, UDP with hop-by-hop + '
                  'destination options, UDP with a segment routing header '
                  '(flow dst = next segment); '
                  'traffic classes 0x00/0x20/0xb8')
    L = Link('eth')
    A, B, D = '2001:db8:1::10', '2001:db8:2::80', '2001:db8:2::53'
    r, p = http_exchange('/v6.html', 7000, 21)
    tcp_conv(cap, T(0.2), L, A, B, 41001, 80, r, p, mss=1440)
    for i in range(3):
        dns_pair(cap, T(0.1 + i), L, A, D, 54000 + i, 0x2000 + i,
                 'v6host%d.example.test' % i, 28)
    echo_pairs(cap, T(1.5), L, A, B, 4, 0x6666)
    # neighbour discovery
    lla, llb = 'fe80::200:1', 'fe80::200:2'
    ns = struct.pack('!I16s', 0, addr(llb)) + bytes([1, 1]) + mac_for(lla)
    snm = 'ff02::1:ff00:2'
    cap.ip(T(0.01), L, lla, snm, P_ICMP6, icmp6_msg(addr(lla), addr(snm), 135,
                                                    0, ns),
           dport=135 << 8, hlim=255)
    na = struct.pack('!I16s', 0x60000000, addr(llb)) + bytes([2, 1]) + \
        mac_for(llb)
    cap.ip(T(0.01, 200), L, llb, lla, P_ICMP6,
           icmp6_msg(addr(llb), addr(lla), 136, 0, na), dport=136 << 8,
           hlim=255)
    # port unreachable quoting the offending packet
    orig = udp_pkt(cap, T(3.0), L, A, D, 55555, 7777, body_text(20, 22))
    cap.ip(T(3.0, 400), L, D, A, P_ICMP6,
           icmp6_msg(addr(D), addr(A), 1, 4, b'\0\0\0\0' + orig),
           dport=0x0104)
    # MLDv2 report: hop-by-hop with Router Alert (MLD)
    mld = 'ff02::16'
    rec = struct.pack('!BBH16s', 4, 0, 0, ip6('ff02::fb'))
    rep = struct.pack('!HH', 0, 1) + rec
    hbh = ext_opts(0, b'\x05\x02\x00\x00')
    for i in range(2):
        cap.ip(T(0.3 + i * 4), L, lla, mld, P_ICMP6,
               icmp6_msg(addr(lla), addr(mld), 143, 0, rep), dport=143 << 8,
               exts=[(H_HBH, hbh)], hlim=1)
    # a UDP flow whose packets carry hop-by-hop + destination options
    dst = ext_opts(0, b'')
    hbh2 = ext_opts(0, b'\x1e\x02\xbe\xef')   # experimental option type 0x1e
    for i in range(4):
        udp_pkt(cap, T(2.0 + i * 0.25), L, A, B, 46000, 9000,
                body_text(100 + i * 10, 23), tos=0xB8,
                exts=[(H_HBH, hbh2), (H_DSTOPTS, dst)])
    # UDP through a segment routing header (segments left 1): the header's
    # destination is the next segment, the checksum uses the final one; the
    # answers come back from the final destination without a routing header
    final, nxt_seg = '2001:db8:2::80', '2001:db8:3::1'
    srh = ext_srh(0, [ip6(final), ip6(nxt_seg)], 1)
    for i in range(3):
        t = T(5.0 + i * 0.2)
        pl = body_text(200, 24 + i)
        cap.ip(t, L, A, nxt_seg, P_UDP,
               udp_dgram(addr(A), addr(nxt_seg), 47000, 4790, pl,
                         final_dst=addr(final)),
               tos=0x20, sport=47000, dport=4790, exts=[(H_ROUTING, srh)])
        udp_pkt(cap, t + 500, L, final, A, 4790, 47000, pl, tos=0x20)
    return cap


def build_vlan():
    cap = Capture('vlan.pcap', desc='802.1Q: same UDP 5-tuple in VLAN 10, '
                  'VLAN 20 (PCP 5) and untagged = 3 flows; TCP in VLAN 10, '
                  'IPv6 UDP and ICMPv6 echo in VLAN 20')
    V10 = Link('eth', tags=[(ETH_8021Q, 10, 0)])
    V20 = Link('eth', tags=[(ETH_8021Q, 20, 5)])
    U = Link('eth')
    for i in range(5):
        for k, L in enumerate((V10, V20, U)):
            if L is U and i > 1:
                continue
            udp_pkt(cap, T(i * 0.5, k * 100), L, '10.1.0.1', '10.1.0.2', 4000,
                    5000, body_text(64 + 8 * i, 30 + i))
            udp_pkt(cap, T(i * 0.5, k * 100 + 50), L, '10.1.0.2', '10.1.0.1',
                    5000, 4000, body_text(200, 40 + i))
    r, p = http_exchange('/vlan', 4000, 31)
    tcp_conv(cap, T(1.0), V10, '10.1.0.1', '10.1.0.3', 42000, 80, r, p)
    udp_pkt(cap, T(2.5), V20, '2001:db8:20::1', '2001:db8:20::2', 4000, 5000,
            body_text(300, 32))
    echo_pairs(cap, T(2.6), V20, '2001:db8:20::1', '2001:db8:20::2', 2, 0x20,
               gap=1000)
    return cap


def build_qinq():
    cap = Capture('qinq.pcap', desc='QinQ: 0x88a8 S-tag 100 + 0x8100 C-tag '
                  '10 and 20, S-tag 200 + C-tag 10, and 0x8100+0x8100 '
                  '(300/30); same UDP 5-tuple in each = 4 flows per '
                  'direction; IPv6 ICMPv6 echo in 100/10')
    tags = [[(ETH_8021AD, 100, 0), (ETH_8021Q, 10, 0)],
            [(ETH_8021AD, 100, 3), (ETH_8021Q, 20, 0)],
            [(ETH_8021AD, 200, 0), (ETH_8021Q, 10, 2)],
            [(ETH_8021Q, 300, 0), (ETH_8021Q, 30, 0)]]
    links = [Link('eth', tags=t) for t in tags]
    for i in range(4):
        for k, L in enumerate(links):
            udp_pkt(cap, T(i * 0.3, k * 100), L, '10.2.0.1', '10.2.0.2', 6000,
                    7000, body_text(80, 50 + i))
            udp_pkt(cap, T(i * 0.3, k * 100 + 40), L, '10.2.0.2', '10.2.0.1',
                    7000, 6000, body_text(400, 60 + i))
    echo_pairs(cap, T(1.5), links[0], '2001:db8:100::1', '2001:db8:100::2', 2,
               0x100, gap=1000)
    return cap


def build_mpls():
    cap = Capture('mpls.pcap', desc='MPLS unicast (0x8847): 1 label and 2 '
                  'labels over IPv4 and IPv6, IPv4 explicit null (label 0), '
                  'IPv6 explicit null (label 2), VLAN 30 + 1 label; UDP, TCP '
                  'and ICMP inside')
    L1 = Link('eth', labels=[16001])
    L2 = Link('eth', labels=[16002, 24000])
    N4 = Link('eth', labels=[16003, 0])
    N6 = Link('eth', labels=[2])
    VL = Link('eth', tags=[(ETH_8021Q, 30, 0)], labels=[17000])
    for i in range(3):
        t = T(i * 0.4)
        udp_pkt(cap, t, L1, '10.3.0.1', '10.3.0.2', 31111, 32222,
                body_text(100, 70 + i))
        udp_pkt(cap, t + 100, L2, '10.3.0.1', '10.3.0.2', 31111, 32222,
                body_text(100, 70 + i))
        udp_pkt(cap, t + 200, L1, '2001:db8:30::1', '2001:db8:30::2', 31111,
                32222, body_text(150, 80 + i))
        udp_pkt(cap, t + 300, L2, '2001:db8:30::1', '2001:db8:30::2', 31111,
                32222, body_text(150, 80 + i))
        udp_pkt(cap, t + 400, N4, '10.3.0.5', '10.3.0.6', 33333, 34444,
                body_text(60, 90 + i))
        udp_pkt(cap, t + 500, N6, '2001:db8:30::5', '2001:db8:30::6', 33333,
                34444, body_text(60, 90 + i))
        udp_pkt(cap, t + 600, VL, '10.3.0.7', '10.3.0.8', 35555, 36666,
                body_text(90, 95 + i))
    r, p = http_exchange('/mpls', 3000, 33)
    tcp_conv(cap, T(1.5), L2, '10.3.0.1', '10.3.0.9', 43000, 80, r, p)
    echo_pairs(cap, T(2.5), L1, '10.3.0.1', '10.3.0.2', 2, 0x30, gap=1000)
    return cap


def frag4(cap, t, link, src, dst, proto, l4, key_sport, key_dport, tos=0,
          fsize=1480):
    """Fragment an IPv4 datagram carrying l4 (already checksummed) in
    pieces of fsize bytes (multiple of 8), in order."""
    s, d = addr(src), addr(dst)
    ident = next_ipid(s)
    key = (4, src, dst, key_sport, key_dport, proto, tos, link.vlan,
           link.ivlan, 0)
    pieces = chunks(l4, fsize)
    for i, part in enumerate(pieces):
        more = i < len(pieces) - 1
        ipb = ipv4_hdr(s, d, proto, len(part), tos=tos, ident=ident, df=False,
                       mf=more, frag_off=i * fsize) + part
        cap.raw(t + i * 30, link.frame(ipb, src, dst), flow=(key, len(ipb), 4))
    return len(pieces)


def frag6(cap, t, link, src, dst, proto, l4, key_sport, key_dport, ident,
          tclass=0, fsize=1448):
    s, d = addr(src), addr(dst)
    key = (6, src, dst, key_sport, key_dport, proto, tclass, link.vlan,
           link.ivlan, 0)
    pieces = chunks(l4, fsize)
    for i, part in enumerate(pieces):
        more = i < len(pieces) - 1
        fh = ext_frag(proto, i * fsize, more, ident)
        ipb = ipv6_hdr(s, d, H_FRAG, len(fh) + len(part), tclass=tclass) + \
            fh + part
        cap.raw(t + i * 30, link.frame(ipb, src, dst), flow=(key, len(ipb), 6))
    return len(pieces)


def build_frags():
    cap = Capture('frags.pcap', desc='Fragments, in order: IPv4 UDP '
                  'datagrams in 3 fragments (2 flows, one with ToS 0x28), a '
                  'whole UDP datagram on the same 5-tuple, a fragmented ICMP '
                  'echo (later fragments carry dport 0x0800), IPv6 UDP in 3 '
                  'fragments (fragment header) and its unfragmented sibling')
    L = Link('eth')
    A, B, C = '10.4.0.1', '10.4.0.2', '10.4.0.3'
    for i in range(3):
        pl = body_text(3600 + i * 8, 100 + i)
        u = udp_dgram(addr(A), addr(B), 7001, 7002, pl)
        frag4(cap, T(i * 0.5), L, A, B, P_UDP, u, 7001, 7002)
        u = udp_dgram(addr(B), addr(C), 7003, 7004, pl)
        frag4(cap, T(i * 0.5, 300), L, B, C, P_UDP, u, 7003, 7004, tos=0x28)
    udp_pkt(cap, T(1.8), L, A, B, 7001, 7002, body_text(500, 110), df=False)
    # fragmented ping request and its fragmented reply
    data = struct.pack('!HH', 0x77, 1) + body_text(3200, 111)
    frag4(cap, T(2.0), L, A, B, P_ICMP, icmp4_msg(8, 0, data), 0, 0x0800)
    frag4(cap, T(2.0, 800), L, B, A, P_ICMP, icmp4_msg(0, 0, data), 0, 0x0000)
    X, Y = '2001:db8:40::1', '2001:db8:40::2'
    for i in range(3):
        pl = body_text(3400 + i * 16, 120 + i)
        u = udp_dgram(addr(X), addr(Y), 8001, 8002, pl)
        frag6(cap, T(3.0 + i * 0.5), L, X, Y, P_UDP, u, 8001, 8002,
              0xABC00 + i)
    udp_pkt(cap, T(4.8), L, X, Y, 8001, 8002, body_text(700, 130))
    return cap


def small_mix(cap, link, local_v4, peer_v4, local_v6, peer_v6):
    r, p = http_exchange('/small', 2500, 140)
    tcp_conv(cap, T(0.1), link, local_v4, peer_v4, 44000, 80, r, p)
    dns_pair(cap, T(0.05), link, local_v4, peer_v4, 44100, 0x4400, 'lt.test')
    echo_pairs(cap, T(0.5), link, local_v4, peer_v4, 2, 0x44, gap=5000)
    r, p = http_exchange('/small6', 1800, 141)
    tcp_conv(cap, T(1.0), link, local_v6, peer_v6, 44001, 80, r, p,
             mss=1440, tos=0x20)
    udp_pkt(cap, T(1.5), link, local_v6, peer_v6, 44200, 9001,
            body_text(400, 142))
    echo_pairs(cap, T(1.6), link, local_v6, peer_v6, 2, 0x45, gap=5000)


def build_linktypes():
    lv4, pv4, lv6, pv6 = '10.5.0.1', '10.5.0.2', '2001:db8:50::1', \
        '2001:db8:50::2'
    loc = (lv4, lv6)
    sll = Capture('sll.pcap', LINKTYPE_LINUX_SLL, desc='Linux cooked v1 '
                  '(linktype 113): IPv4 TCP/UDP/ICMP, IPv6 TCP/UDP/ICMPv6, '
                  'one ARP frame (not counted)')
    small_mix(sll, Link('sll', local=loc), lv4, pv4, lv6, pv6)
    arp = struct.pack('!HHBBH6s4s6s4s', 1, ETH_IPV4, 6, 4, 1, mac_for(lv4),
                      ip4(lv4), bytes(6), ip4(pv4))
    sll.raw(T(0.0), sll_frame('sll', ETH_ARP, arp, mac_for(lv4), 4, 3))
    sll2 = Capture('sll2.pcap', LINKTYPE_LINUX_SLL2, desc='Linux cooked v2 '
                   '(linktype 276), interface index 3 on every frame: same '
                   'traffic as sll.pcap')
    small_mix(sll2, Link('sll2', local=loc), lv4, pv4, lv6, pv6)
    sll2.raw(T(0.0), sll_frame('sll2', ETH_ARP, arp, mac_for(lv4), 4, 3))
    raw = Capture('rawip.pcap', LINKTYPE_RAW, desc='raw IP (LINKTYPE_RAW '
                  '101 in the file header; libpcap reports DLT_RAW): same '
                  'IP traffic as sll.pcap plus one frame with IP version 5 '
                  '(not counted)')
    small_mix(raw, Link('raw'), lv4, pv4, lv6, pv6)
    bogus = bytearray(ipv4_hdr(ip4(lv4), ip4(pv4), P_UDP, 8) +
                      udp_dgram(ip4(lv4), ip4(pv4), 1, 2, b''))
    bogus[0] = 0x55
    raw.raw(T(2.5), bytes(bogus))
    return [sll, sll2, raw]


def build_bad():
    cap = Capture('bad.pcap', desc='Broken frames between good UDP packets '
                  '(flow 10.6.0.1:1000 -> 10.6.0.2:2000, plus one IPv4 packet '
                  'with snaplen-cut payload that counts its full length): '
                  'truncated Ethernet/VLAN/MPLS/IPv4/IPv6/TCP/UDP/ICMP '
                  'headers, IHL 3, IHL past total length, total length past '
                  'the frame and below the header, IPv6 payload length past '
                  'the frame, 12 IPv6 extension headers, a truncated '
                  'extension header, wrong IP version, 5 VLAN tags, 9 MPLS '
                  'labels, ARP, LLC/STP, unknown ethertype, 0-length frame')
    L = Link('eth')
    A, B = '10.6.0.1', '10.6.0.2'
    a, b = ip4(A), ip4(B)
    A6, B6 = '2001:db8:60::1', '2001:db8:60::2'
    ea, eb = mac_for(A), mac_for(B)
    t = [0]

    def tick():
        t[0] += 1
        return T(t[0] * 0.05)

    def good():
        udp_pkt(cap, tick(), L, A, B, 1000, 2000, body_text(48, t[0]))
        cap.status.append(('ok', 'good UDP 10.6.0.1:1000 > 10.6.0.2:2000'))

    def bad(status, note, frame, wirelen=None):
        cap.raw(tick(), frame, wirelen)
        cap.status.append((status, note))

    def ipv4_full(proto, l4, **kw):
        return ipv4_hdr(a, b, proto, len(l4), **kw) + l4

    udp_full = ipv4_full(P_UDP, udp_dgram(a, b, 1000, 2000,
                                          body_text(48, 0)))
    tcp_full = ipv4_full(P_TCP, tcp_seg(a, b, 1000, 80, 1, 1, TCP_ACK,
                                        body_text(100, 0)))
    good()
    f = eth_frame(eb, ea, ETH_IPV4, udp_full)
    bad('trunc-l2', 'Ethernet header cut (10 of 14 bytes captured)',
        f[:10], len(f))
    good()
    f = eth_frame(eb, ea, ETH_IPV4, udp_full, tags=[(ETH_8021Q, 10, 0)])
    bad('trunc-l2', 'VLAN tag cut after the TPID',
        f[:16], len(f))
    f = eth_frame(eb, ea, ETH_MPLS, struct.pack('!I', (16 << 12) | 0x1FF) +
                  udp_full)
    bad('trunc-l2', 'MPLS label stack cut after 2 bytes',
        f[:16], len(f))
    good()
    f = eth_frame(eb, ea, ETH_IPV4, udp_full)
    bad('trunc-l3', 'IPv4 header cut at 12 bytes (snaplen-style, wire length intact)',
        f[:14 + 12], len(f))
    v6 = ipv6_hdr(ip6(A6), ip6(B6), P_UDP, 16) + \
        udp_dgram(ip6(A6), ip6(B6), 1000, 2000, body_text(8, 0))
    f = eth_frame(eb, ea, ETH_IPV6, v6)
    bad('trunc-l3', 'IPv6 header cut at 30 bytes',
        f[:14 + 30], len(f))
    good()
    f = eth_frame(eb, ea, ETH_IPV4, tcp_full)
    bad('trunc-l4', 'TCP header cut after the ports: no flags byte',
        f[:14 + 20 + 4], len(f))
    f = eth_frame(eb, ea, ETH_IPV4, udp_full)
    bad('trunc-l4', 'UDP header cut after 2 bytes',
        f[:14 + 20 + 2], len(f))
    f = eth_frame(eb, ea, ETH_IPV4,
                  ipv4_full(P_ICMP, icmp4_msg(8, 0, b'\0\x01\0\x01abcd')))
    bad('trunc-l4', 'ICMP: IP header only',
        f[:14 + 20], len(f))
    good()
    h = bytearray(udp_full)
    h[0] = 0x43
    h[10:12] = b'\0\0'
    h[10:12] = struct.pack('!H', csum(bytes(h[:20])))
    bad('bad-ip-hlen', 'IHL 3 (valid checksum over the 20 bytes)',
        eth_frame(eb, ea, ETH_IPV4, bytes(h)))
    h = bytearray(ipv4_hdr(a, b, P_UDP, 20) + udp_dgram(a, b, 1000, 2000,
                                                         bytes(12)))
    h[0] = 0x4F
    h[10:12] = b'\0\0'
    h[10:12] = struct.pack('!H', csum(bytes(h[:20])))
    bad('bad-ip-hlen|trunc-l3', 'IHL 15 (60-byte header) but total length 40',
        eth_frame(eb, ea, ETH_IPV4, bytes(h)))
    good()
    h = bytearray(udp_full)
    h[2:4] = struct.pack('!H', 1000)
    h[10:12] = b'\0\0'
    h[10:12] = struct.pack('!H', csum(bytes(h[:20])))
    bad('bad-ip-len', 'total length 1000, frame carries 76 bytes of IP (caplen = wirelen)',
        eth_frame(eb, ea, ETH_IPV4, bytes(h)))
    h = bytearray(udp_full)
    h[2:4] = struct.pack('!H', 16)
    h[10:12] = b'\0\0'
    h[10:12] = struct.pack('!H', csum(bytes(h[:20])))
    bad('bad-ip-len', 'total length 16, below the 20-byte header',
        eth_frame(eb, ea, ETH_IPV4, bytes(h)))
    good()
    h = bytearray(v6)
    h[4:6] = struct.pack('!H', 1200)
    bad('bad-ip-len', 'IPv6 payload length 1200, 16 bytes present',
        eth_frame(eb, ea, ETH_IPV6, bytes(h)))
    chain = ext_opts(H_DSTOPTS, b'')
    for i in range(11):
        chain += ext_opts(H_DSTOPTS if i < 10 else P_UDP, b'')
    u = udp_dgram(ip6(A6), ip6(B6), 1000, 2000, body_text(16, 1))
    bad('bad-v6ext', '12 extension headers (hop-by-hop + 11 destination options)',
        eth_frame(eb, ea, ETH_IPV6,
                  ipv6_hdr(ip6(A6), ip6(B6), H_HBH, len(chain) + len(u))
                  + chain + u))
    hbh = bytes([P_UDP, 7]) + bytes(6)
    bad('bad-v6ext', 'hop-by-hop header claiming 64 bytes, only 8 left in the packet',
        eth_frame(eb, ea, ETH_IPV6,
                  ipv6_hdr(ip6(A6), ip6(B6), H_HBH, len(hbh)) + hbh))
    good()
    h = bytearray(udp_full)
    h[0] = 0x65
    bad('bad-ip-version', 'ethertype IPv4, version nibble 6',
        eth_frame(eb, ea, ETH_IPV4, bytes(h)))
    bad('vlan-depth', 'five 802.1Q tags (the decoder accepts 4)',
        eth_frame(eb, ea, ETH_IPV4, udp_full,
                  tags=[(ETH_8021Q, 11 + i, 0) for i in range(5)]))
    stack = b''.join(struct.pack('!I', ((100 + i) << 12) |
                                 (0x100 if i == 8 else 0) | 64)
                     for i in range(9))
    bad('mpls-depth', 'nine MPLS labels (the decoder accepts 8)',
        eth_frame(eb, ea, ETH_MPLS, stack + udp_full))
    good()
    arp = struct.pack('!HHBBH6s4s6s4s', 1, ETH_IPV4, 6, 4, 1, ea, a,
                      bytes(6), b)
    bad('not-ip', 'ARP request',
        eth_frame(b'\xff' * 6, ea, ETH_ARP, arp))
    bpdu = bytes([0x42, 0x42, 0x03]) + struct.pack(
        '!HBBB8sI8sHHHHH', 0, 0, 0, 0, b'\x80\x00' + ea, 0, b'\x80\x00' + ea,
        0x8001, 0, 20 * 256, 2 * 256, 15 * 256)
    f = b'\x01\x80\xc2\x00\x00\x00' + ea + struct.pack('!H', len(bpdu)) + bpdu
    bad('not-ip', '802.3 length + LLC (STP configuration BPDU)',
        f + bytes(60 - len(f)))
    bad('not-ip', 'unknown ethertype (local experimental 0x88b5)',
        eth_frame(eb, ea, 0x88B5, b'anemone test payload, not IP'))
    bad('not-ip', 'MPLS whose payload is neither IPv4 nor IPv6 (first nibble 0)',
        eth_frame(eb, ea, ETH_MPLS, struct.pack('!I', (16 << 12) | 0x1FF) +
                  bytes(46)))
    good()
    bad('trunc-l2', 'a zero-length frame',
        b'', 0)
    good()
    #     with the full IPv4 total length (1500)
    big = ipv4_full(P_TCP, tcp_seg(a, b, 1000, 80, 1, 1, TCP_ACK,
                                   body_text(1460, 2)))
    f = eth_frame(eb, ea, ETH_IPV4, big)
    cap.raw(tick(), f[:14 + 40], len(f),
            flow=((4, A, B, 1000, 80, P_TCP, 0, 0, 0, 0), 1500, 4))
    cap.status.append(('ok', 'TCP cut by snaplen after its header: counts '
                       'the IPv4 total length, 1500'))
    good()
    return cap


def build_unknown():
    cap = Capture('unknown-linktype.pcap', LINKTYPE_USER0,
                  desc='linktype 147 (USER0) holding Ethernet/IPv4/UDP bytes:'
                  ' nothing may be counted')
    a, b = ip4('10.7.0.1'), ip4('10.7.0.2')
    for i in range(4):
        ipb = ipv4_hdr(a, b, P_UDP, 8 + 32) + udp_dgram(a, b, 1, 2,
                                                        body_text(32, i))
        cap.raw(T(i * 0.1), eth_frame(mac_for('10.7.0.2'),
                                      mac_for('10.7.0.1'), ETH_IPV4, ipb))
    return cap


# --------------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        sys.stderr.write('usage: gen-captures.py OUTDIR\n')
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    v4 = build_v4_mixed()
    v6 = build_v6()
    caps = [v4, v6, build_vlan(), build_qinq(), build_mpls(), build_frags()]
    caps += build_linktypes()
    bad = build_bad()
    caps += [bad, build_unknown()]
    files = []                       # (name, bytes, capture, desc)
    for c in caps:
        files.append((c.name, c.pcap_bytes(), c, c.desc))
    files.append(('v4-mixed.pcapng', v4.pcapng_bytes(), v4,
                  'same packets as v4-mixed.pcap in pcapng (SHB, one IDB '
                  'with if_name and if_tsresol=6, EPBs)'))
    be = v6.clone('v6-be.pcap', endian='>')
    files.append(('v6-be.pcap', be.pcap_bytes(), v6, 'same packets as '
                  'v6.pcap in a big-endian classic pcap (magic a1b2c3d4 '
                  'written big-endian)'))
    ns = v6.clone('v6-nsec.pcap', nsec=True)
    files.append(('v6-nsec.pcap', ns.pcap_bytes(), v6, 'same packets as '
                  'v6.pcap with nanosecond timestamps (magic a1b23c4d)'))
    manifest, expected = [], []
    expected.append('# generated by tests/data/gen-captures.py from its own '
                    'bookkeeping; input interface 0, ToS = full byte')
    for name, data, c, desc in files:
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
        manifest.append('%-22s %s' % (name, desc))
        for mode, v4only in (('all', False), ('ipv4-only', True)):
            fl, pk, oc = c.totals(v4only)
            expected.append('%s %s flows=%d packets=%d octets=%d'
                            % (name, mode, fl, pk, oc))
    with open(os.path.join(out, 'MANIFEST'), 'w') as f:
        f.write('# test captures; regenerate with: tests/data/gen-captures.py '
                'tests/data/captures\n')
        f.write('# real-veth.pcap comes from tests/data/record-real.sh '
                '(real traffic between two network namespaces)\n')
        f.write('\n'.join(manifest) + '\n')
        f.write('%-22s %s\n' % ('bad.status', 'expected decoder status '
                                'of every bad.pcap frame'))
        f.write('%-22s %s\n' % ('EXPECTED', 'per-file flow totals from the '
                                'generator (check: tests/pcap-totals --check '
                                'EXPECTED)'))
        f.write('%-22s %s\n' % ('real-veth.pcap', 'real traffic over a veth '
                                'pair (tests/data/record-real.sh): HTTP over '
                                'IPv4/IPv6, ping v4/v6, UDP, refused TCP; no '
                                'EXPECTED line: tests/pcap-totals is the '
                                'reference'))
    with open(os.path.join(out, 'bad.status'), 'w') as f:
        f.write('# bad.pcap frame by frame: the decoder status each frame '
                'should get\n# (names after enum pkt_status in '
                'capture/decode.h; a|b: either is right)\n')
        for i, (st, note) in enumerate(bad.status):
            f.write('%d %s %s\n' % (i + 1, st, note))
    with open(os.path.join(out, 'EXPECTED'), 'w') as f:
        f.write('\n'.join(expected) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
