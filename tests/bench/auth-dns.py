#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tests/bench/auth-dns.py: a minimal authoritative DNS server over UDP for
bench-peers.sh: NAME AAAA ADDRESS, and NODATA (for other types) or NXDOMAIN
(for other names) with the zone's SOA in the authority section, which
systemd-resolved needs to cache a negative answer (without it, it asks again
on every lookup and the benchmark would measure that).

    auth-dns.py LISTEN_ADDRESS NAME ADDRESS [TTL]
"""
import socket
import struct
import sys

listen, name, address = sys.argv[1], sys.argv[2].rstrip(".").lower(), sys.argv[3]
ttl = int(sys.argv[4]) if len(sys.argv) > 4 else 3600
zone = name.split(".", 1)[1] if "." in name else name


def encode(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".") if p) + b"\0"


def soa():
    rdata = encode("ns." + zone) + encode("hostmaster." + zone) + struct.pack(">IIIII", 1, 3600, 600, 86400, ttl)
    return encode(zone) + struct.pack(">HHIH", 6, 1, ttl, len(rdata)) + rdata


def answer(query):
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", query[:6])
    if qd != 1 or flags & 0x8000:
        return None
    labels, i = [], 12
    while i < len(query) and query[i]:
        labels.append(query[i + 1:i + 1 + query[i]].decode(errors="replace"))
        i += 1 + query[i]
    if i + 5 > len(query):
        return None
    qtype, qclass = struct.unpack(">HH", query[i + 1:i + 5])
    question = query[12:i + 5]
    qname = ".".join(labels).lower()
    head = lambda rcode, an, ns: struct.pack(">HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1, an, ns, 0)
    if qname == name and qtype == 28 and qclass == 1:
        rr = encode(name) + struct.pack(">HHIH", 28, 1, ttl, 16) + socket.inet_pton(socket.AF_INET6, address)
        return head(0, 1, 0) + question + rr
    if qname == name or qname == zone:
        return head(0, 0, 1) + question + soa()  # NODATA
    return head(3, 0, 1) + question + soa()  # NXDOMAIN


s = socket.socket(socket.AF_INET6 if ":" in listen else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((listen, 53))
print("ready", flush=True)
while True:
    q, peer = s.recvfrom(4096)
    a = answer(q)
    if a:
        s.sendto(a, peer)
