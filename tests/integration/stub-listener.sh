#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/stub-listener.sh: the DNS stub listener
# (DNSStubListener=yes) for programs that speak DNS themselves.  The lab's
# only nameserver is the anycast address A, served by dnsmasq on each
# member bound to its unicast address only (tests/lab/lab-dns.sh), so dig
# aimed at A gets nothing.  Through the stub (DNS=A, mapped with AARP to
# member1) dig, host, getent with "hosts: files dns", TCP, a truncated
# answer and the cache all work; a loop attempt is answered SERVFAIL at
# once; garbage and a flood from an unprivileged user leave the daemon
# alive, its memory bounded, and root served.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

command -v dig >/dev/null || lab_die "dig is missing (dnsutils; run tests/setup.sh)"
command -v host >/dev/null || lab_die "host is missing (bind9-host; run tests/setup.sh)"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
S=127.0.0.153
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

lab_up
lab_dns_up
lab_start_daemon "DNSStubListener=yes" "DNS=$A"

sdig() { lab_ns client dig @"$S" +time=3 +tries=2 "$@"; }
# The answer section only, sorted.
answers() { sdig +short "$@" | sort; }
queries_seen() { grep -c "query\[$1\] $2 from" "$LABDIR/dns-member1.log" || true; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(lab_daemon_pid)/status"; }

lab_wait_for 10 sdig +short whoami.lab A || fail "the stub does not answer on $S:53: $(tail -n 20 "$LABDIR/daemon.log")"
grep -q "DNS stub listener on $S:53" "$LABDIR/daemon.log" || fail "no 'listener on' line in the daemon log"

echo "# the problem: dig straight at the anycast nameserver $A"
rc=0
out=$(lab_ns client dig @"$A" +time=1 +tries=1 svc.lab AAAA 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "dig @$A worked without the stub: $out"
pass "dig @$A svc.lab: exit $rc ($(grep -m1 -o 'no servers could be reached\|timed out' <<<"$out" || echo failed))"

echo "# dig and host through the stub"
got=$(answers svc.lab AAAA)
[ "$got" = "$A" ] || fail "dig @$S svc.lab AAAA gave '$got', expected $A (MapAnycastAnswers=no keeps it)"
pass "dig @$S svc.lab AAAA -> $got"
got=$(answers whoami.lab A)
[ "$got" = 192.0.2.11 ] || fail "dig @$S whoami.lab gave '$got': not member1's server (nearest member of $A)"
pass "dig @$S whoami.lab -> $got: the upstream $A was asked at its nearest member $U1"
got=$(answers v4only.lab A)
[ "$got" = 192.0.2.10 ] || fail "dig @$S v4only.lab gave '$got'"
out=$(lab_ns client host -W 3 uni.lab "$S") || fail "host uni.lab $S failed: $out"
grep -q "uni.lab has IPv6 address $LAB_MEMBER2_ADDR" <<<"$out" || fail "host uni.lab $S: $out"
pass "host uni.lab $S: $(grep -m1 'has IPv6' <<<"$out")"
status=$(sdig nosuch.lab A | grep -o 'status: [A-Z]*')
[ "$status" = "status: NXDOMAIN" ] || fail "dig @$S nosuch.lab: '$status', expected NXDOMAIN"
pass "dig @$S nosuch.lab: $status"

echo "# EDNS passes through: the DO bit and the buffer size reach the server"
out=$(sdig +dnssec +bufsize=1400 v4only.lab A)
grep -q 'EDNS: version: 0, flags: do;' <<<"$out" || fail "no OPT with DO in the reply: $out"
pass "dig +dnssec: reply carries OPT with DO"

echo "# cache: a second query is answered without asking upstream, TTL counting down"
before=$(queries_seen A v4only.lab)
ttl1=$(sdig +noall +answer v4only.lab A | awk '{ print $2 }')
sleep 1.2
ttl2=$(sdig +noall +answer v4only.lab A | awk '{ print $2 }')
after=$(queries_seen A v4only.lab)
[ "$after" -eq "$before" ] || fail "cached v4only.lab was asked upstream again ($before -> $after)"
[ "$ttl2" -lt 60 ] && [ "$ttl2" -le "$ttl1" ] || fail "cached TTL did not count down: $ttl1 then $ttl2"
pass "v4only.lab from the cache: upstream queries stay $after, TTL $ttl1 -> $ttl2"

echo "# TCP client: TCP upstream (to $A mapped to $U1; TCP to $A itself cannot connect)"
out=$(sdig +tcp uni.lab AAAA)
grep -q "SERVER: $S#53($S) (TCP)" <<<"$out" || fail "dig +tcp did not use TCP: $out"
grep -q "^uni.lab\..*AAAA[[:space:]]*$LAB_MEMBER2_ADDR" <<<"$out" || fail "dig +tcp uni.lab: $out"
grep -q "query\[AAAA\] uni.lab from $LAB_CLIENT_ADDR" "$LABDIR/dns-member1.log" ||
        fail "member1's server never saw uni.lab from the daemon"
pass "dig +tcp @$S uni.lab AAAA -> $LAB_MEMBER2_ADDR"

echo "# truncation: big.lab AAAA (> 512 bytes, the servers truncate UDP at 512)"
out=$(sdig +ignore +notcp big.lab AAAA)
grep -q 'flags: qr[a-z ]* tc' <<<"$out" || fail "the UDP answer for big.lab lacks TC: $out"
pass "dig +ignore big.lab AAAA over UDP: TC passed through to the client"
out=$(sdig big.lab AAAA)
grep -q 'Truncated, retrying in TCP mode' <<<"$out" || fail "dig did not retry big.lab over TCP: $out"
n=$(grep -c "^big.lab\..*AAAA" <<<"$out" || true)
[ "$n" -eq "$LAB_DNS_BIG_COUNT" ] || fail "big.lab over the TCP retry gave $n addresses, expected $LAB_DNS_BIG_COUNT"
pass "dig big.lab AAAA: truncated over UDP, retried over TCP, $n addresses"
# Now cached whole: a plain UDP client (512 bytes) gets TC from the cache.
out=$(sdig +ignore +noedns big.lab AAAA)
grep -q 'flags: qr[a-z ]* tc' <<<"$out" || fail "the cached big answer was not truncated for a 512-byte client: $out"
pass "cached big.lab to a client without EDNS: TC"

echo "# getent hosts with 'hosts: files dns' and resolv.conf naming the stub"
lab_dns_nsswitch 'files dns'
lab_dns_resolv "$S"
out=$(lab_ns client getent hosts whoami.lab) || fail "getent hosts whoami.lab through the stub failed"
[ "$(awk '{ print $1 }' <<<"$out")" = 192.0.2.11 ] || fail "getent hosts whoami.lab: '$out'"
pass "getent hosts whoami.lab (files dns, nameserver $S): $out"
out=$(lab_ns client getent ahosts svc.lab) || fail "getent ahosts svc.lab through the stub failed"
grep -q "^$A" <<<"$out" || fail "getent ahosts svc.lab: '$out'"
pass "getent ahosts svc.lab (files dns, nameserver $S): $A"
grep -q "nameserver $S" "$LABDIR/run/stub-resolv.conf" || fail "stub-resolv.conf does not name $S"
pass "the runtime dir holds stub-resolv.conf naming $S"

echo "# loop attempts: the stub as its own upstream"
lab_write_daemon_config "DNSStubListener=yes" "DNS=$S"
kill -HUP "$(lab_daemon_pid)"
lab_wait_for 10 grep -q "nameserver $S is the stub itself, skipped" "$LABDIR/daemon.log" ||
        fail "DNS=$S was not refused: $(tail -n 5 "$LABDIR/daemon.log")"
status=$(lab_ns client dig @"$S" +time=5 +tries=1 loop1.lab A | grep -o 'status: [A-Z]*' || true)
[ "$status" = "status: SERVFAIL" ] || fail "DNS=$S: '$status', expected SERVFAIL"
pass "DNS=$S (itself): skipped, queries answered $status at once"
# DNS= empty: resolv.conf's nameservers, which now name only the stub.
lab_write_daemon_config "DNSStubListener=yes"
kill -HUP "$(lab_daemon_pid)"
lab_wait_for 10 sh -c "[ \$(grep -c 'configuration reloaded' '$LABDIR/daemon.log') -ge 2 ]" || fail "second reload not seen"
status=$(lab_ns client dig @"$S" +time=5 +tries=1 loop2.lab A | grep -o 'status: [A-Z]*' || true)
[ "$status" = "status: SERVFAIL" ] || fail "resolv.conf naming only the stub: '$status', expected SERVFAIL"
pass "resolv.conf naming only $S: $status, no loop"
daemon_alive
lab_write_daemon_config "DNSStubListener=yes" "DNS=$A"
kill -HUP "$(lab_daemon_pid)"
lab_wait_for 10 sdig +short whoami.lab A || fail "the stub did not come back after DNS=$A"
lab_dns_resolv "$A"
lab_dns_nsswitch "$LAB_DNS_RECOMMENDED"

echo "# garbage from uid 65534 over UDP and TCP"
lab_ns client "${NOBODY[@]}" "$PY" - "$S" <<'EOF' || fail "the garbage sender failed"
import os, random, socket, struct, sys
addr = sys.argv[1]
rnd = random.Random(14)
def name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"
samples = [b"", b"\0", b"\xff" * 11, b"\0" * 12,
           struct.pack(">HHHHHH", 1, 0x8100, 1, 0, 0, 0) + name([b"a", b"lab"]) + b"\0\1\0\1",  # QR set
           struct.pack(">HHHHHH", 2, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1",              # pointer loop
           struct.pack(">HHHHHH", 3, 0x0100, 1, 0, 0, 0) + b"\x3f" + b"a" * 10,            # short label
           struct.pack(">HHHHHH", 4, 0x0100, 2, 0, 0, 0) + name([b"a"]) + b"\0\1\0\1",     # qdcount 2
           struct.pack(">HHHHHH", 5, 0x0100, 1, 0, 0, 2) + name([b"a"]) + b"\0\1\0\1"
           + (b"\0\0\x29\x10\0\0\0\0\0\0\0") * 2,                                          # two OPTs
           struct.pack(">HHHHHH", 6, 0x0100, 1, 0, 0, 0) + name([b"x"] * 130) + b"\0\1\0\1",# name > 255
           struct.pack(">HHHHHH", 7, 0x2900, 1, 0, 0, 0) + name([b"a"]) + b"\0\1\0\1",     # opcode 5
           struct.pack(">HHHHHH", 8, 0x0100, 1, 0, 0, 0) + name([b"a"]) + b"\0\xfc\0\1",   # AXFR
           ]
for _ in range(2000):
    samples.append(os.urandom(rnd.randrange(0, 600)))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for s in samples:
    u.sendto(s, (addr, 53))
for s in samples[:200]:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.settimeout(2)
    try:
        t.connect((addr, 53))
        mode = rnd.randrange(4)
        if mode == 0:
            t.sendall(struct.pack(">H", len(s)) + s)
        elif mode == 1:
            t.sendall(struct.pack(">H", 65535) + s)   # claims more than it sends
        elif mode == 2:
            t.sendall(s)                               # no length prefix
        else:
            t.sendall(b"\x00")                         # half a length
    except OSError:
        pass
    t.close()
print("sent %d UDP and 200 TCP garbage messages" % len(samples))
EOF
daemon_alive
got=$(answers whoami.lab A)
[ "$got" = 192.0.2.11 ] || fail "after the garbage, dig @$S whoami.lab gave '$got'"
pass "after garbage from uid 65534: daemon alive, whoami.lab -> $got"
# A malformed query gets FORMERR, not silence or a crash.
rc=$(lab_ns client "$PY" - "$S" <<'EOF'
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x7777, 0x0100, 2, 0, 0, 0) + b"\1a\0\0\1\0\1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(q, (sys.argv[1], 53))
r = s.recv(512)
print(struct.unpack(">H", r[0:2])[0] == 0x7777 and r[3] & 0xf)
EOF
)
[ "$rc" = 1 ] || fail "a query with two questions got rcode '$rc', expected FORMERR (1)"
pass "two questions: FORMERR"

echo "# a flood from uid 65534: memory bounded, root still served"
# Root's names in the cache first: what is measured is the stub, not how
# fast the upstream answers under the flood's load.
answers v4only.lab A >/dev/null
sdig +tcp +short uni.lab AAAA >/dev/null
rss0=$(rss_kb)
# Runs until killed below (at most 120 s), so root's checks happen during it.
lab_ns client "${NOBODY[@]}" timeout 120 "$PY" - "$S" >"$LABDIR/flood.out" 2>&1 <<'EOF' &
import os, socket, struct, sys
addr = sys.argv[1]
socks = []
# Many sockets (many source ports), each query a new name: no cache help.
for i in range(64):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    socks.append(s)
conns = []
for i in range(200):   # and TCP connections that never send
    try:
        t = socket.create_connection((addr, 53), timeout=1)
        conns.append(t)
    except OSError:
        break
n = 0
while True:
    name = b"\x10" + os.urandom(8).hex().encode() + b"\3lab\0"
    q = struct.pack(">HHHHHH", n & 0xffff, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1"
    try:
        socks[n % 64].sendto(q, (addr, 53))
    except OSError:
        pass
    n += 1
EOF
flood=$!
lab_wait_for 30 grep -q "DNS stub: .*limit reached for uid 65534" "$LABDIR/daemon.log" ||
        fail "no limit was applied to uid 65534: $(grep 'DNS stub' "$LABDIR/daemon.log" | tail -n 3)"
pass "limit applied: $(grep -m1 'DNS stub: .*limit reached for uid 65534' "$LABDIR/daemon.log" | sed 's/.*DNS stub: //')"
root_udp() { [ "$(lab_ns client dig @"$S" +time=2 +tries=1 +short v4only.lab A 2>/dev/null)" = 192.0.2.10 ]; }
root_tcp() { [ "$(lab_ns client dig @"$S" +tcp +time=2 +tries=1 +short uni.lab AAAA 2>/dev/null)" = "$LAB_MEMBER2_ADDR" ]; }
# Polled with generous deadlines: on loopback a full UDP buffer drops
# every user's datagrams alike, so a UDP query may need a retry.
for i in 1 2 3; do
        lab_wait_for 30 root_udp || fail "root got no UDP answer within 30 s during the flood (round $i)"
        lab_wait_for 30 root_tcp || fail "root got no TCP answer within 30 s during the flood (round $i)"
done
rss1=$(rss_kb)
kill -0 "$flood" 2>/dev/null || fail "the flood ended before root's checks did: $(tail -n 3 "$LABDIR/flood.out")"
kill "$flood"
wait "$flood" || true
daemon_alive
pass "during the flood root got answers over UDP and TCP, 3 rounds each"
growth=$((rss1 - rss0))
[ "$growth" -lt 32768 ] || fail "VmRSS grew by $growth kB during the flood ($rss0 -> $rss1 kB)"
pass "VmRSS $rss0 kB -> $rss1 kB during the flood (+$growth kB, bound 32 MB)"
got=$(answers whoami.lab A)
[ "$got" = 192.0.2.11 ] || fail "after the flood, dig @$S whoami.lab gave '$got'"
pass "after the flood: whoami.lab -> $got"

daemon_alive
pass "stub-listener"
