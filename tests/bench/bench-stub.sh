#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-stub.sh: the DNS stub listener's cached query latency
# against a forwarding, caching resolver on the same host in the same run:
# dnsmasq on 127.0.0.2 (--cache-size=1000, forwarding to member1's unicast
# address, since it cannot use the anycast nameserver).  One client (Python,
# a connected UDP socket, one query at a time, the same for both) asks
# whoami.lab A; after a warm-up query both answer from their caches.  Rounds
# alternate between the two so that load on the shared machine hits both.
#   AARP_BUILD_ROOT=build bash tests/bench/bench-stub.sh [COUNT]
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/bench/bench-lib.sh"
# shellcheck source=../lab/lab-dns.sh
source "$LAB_SOURCE_ROOT/tests/lab/lab-dns.sh"

COUNT=${1:-20000}
STUB=127.0.0.153
PEER=127.0.0.2

bench_header "bench-stub: cached DNS query latency, aarp-resolved's stub vs dnsmasq (cache)"
lab_up
lab_dns_up
bench_start_daemon "DNSStubListener=yes" "DNS=$LAB_ANYCAST"
lab_spawn client "$LABDIR/peer.log" "$LABDIR/peer.log" \
        dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
        --server="$LAB_MEMBER1_ADDR" --cache-size=1000 --bind-interfaces --listen-address="$PEER" \
        --port=53 --user=root --pid-file=
lab_wait_for 5 lab_ns client dig @"$PEER" +time=1 +tries=1 +short whoami.lab A ||
        lab_die "the dnsmasq peer does not answer: $(cat "$LABDIR/peer.log")"
lab_wait_for 5 lab_ns client dig @"$STUB" +time=1 +tries=1 +short whoami.lab A ||
        lab_die "the stub does not answer: $(tail -n 20 "$LABDIR/daemon.log")"

lab_ns client python3 - "$COUNT" "$STUB" "$PEER" <<'PY'
import socket, struct, sys, time
count, servers = int(sys.argv[1]), {"stub": sys.argv[2], "dnsmasq": sys.argv[3]}
name = b"\x06whoami\x03lab\x00"
def query(i):
    return struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 1) + name + b"\0\1\0\1" \
        + b"\0\0\x29\x04\xd0\0\0\0\0\0\0"
socks = {}
for label, addr in servers.items():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((addr, 53))
    s.send(query(0)); s.recv(4096)          # warm-up: now cached
    socks[label] = s
times = {label: [] for label in servers}
rounds, lost = 20, {label: 0 for label in servers}
for r in range(rounds):
    for label, s in socks.items():
        for i in range(count // rounds):
            q = query(i)
            t0 = time.perf_counter_ns()
            s.send(q)
            try:
                a = s.recv(4096)
            except socket.timeout:
                lost[label] += 1
                continue
            times[label].append((time.perf_counter_ns() - t0) / 1000)
            assert a[:2] == q[:2] and a[3] & 0xf == 0
for label, t in times.items():
    t.sort()
    pct = lambda p: t[min(len(t) - 1, int(len(t) * p))]
    print("RESULT %s_cached n=%d lost=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f mean_us=%.1f"
          % (label, len(t), lost[label], pct(.5), pct(.9), pct(.99), sum(t) / len(t)))
PY
bench_stop_daemon
