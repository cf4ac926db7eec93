#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/names-invalidate-scope.sh: when the members of one
# anycast address change, only the host names whose answers contain that
# address are dropped from the name cache and names.snapshot; every other
# user's cached names stay cached.  Here routing moves the anycast address
# to member2 (out of the daemon's sight) and an unprivileged user's
# InvalidateAddress(A, member1) - which anyone may send - makes the daemon
# re-probe A and find the new member.
# Seen from outside: the member nameservers' query logs (dnsmasq
# --log-queries) - root's cached v4only.lab and uni.lab are not asked
# again; svc.lab (AAAA = the anycast address) is.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
U2=$LAB_MEMBER2_ADDR
A_BYTES=$(lab_addr_bytes "$A" | cut -d' ' -f2- | sed 's/ /, /g')
U1_BYTES=$(lab_addr_bytes "$U1" | cut -d' ' -f2- | sed 's/ /, /g')

# queries NAME: how many queries for NAME both member nameservers logged.
queries() {
        cat "$LABDIR/dns-member1.log" "$LABDIR/dns-member2.log" |
                grep -c "query\[[A-Z]*\] $1 from" || true
}

lab_up
lab_dns_up
lab_start_daemon "AnycastTTL=60s"

echo "# root looks three names up: each reaches DNS once, then is cached"
expect_addrs svc.lab "$U1"
expect_addrs v4only.lab 192.0.2.10
expect_addrs uni.lab "$U2"
expect_addrs svc.lab "$U1"
expect_addrs v4only.lab 192.0.2.10
expect_addrs uni.lab "$U2"
declare -A before
for n in svc.lab v4only.lab uni.lab; do
        before[$n]=$(queries "$n")
        [ "${before[$n]}" -ge 1 ] || fail "no DNS query for $n logged: the test cannot see the cache"
        echo "  $n: ${before[$n]} queries"
done

echo "# routing moves A to member2; uid 65534 reports member1"
lab_route_to member2
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$LAB_DBUS_BIN" call InvalidateAddress \
        "(0, [byte $A_BYTES], [byte $U1_BYTES])") || fail "nobody's InvalidateAddress: $out"
[ "$out" = "(true,)" ] || fail "nobody's InvalidateAddress(A, member1) returned $out, expected (true,)"
pass "nobody: InvalidateAddress(A, member1) -> $out"
# The report starts a re-probe; wait until its result (member2) is cached.
a_is_member2() { [ "$(lab_resolve "$A" | cut -d' ' -f1)" = "$U2" ]; }
lab_wait_for 20 a_is_member2 || fail "the re-probe after nobody's report never found member2"
pass "the re-probe found member2: A's member set changed"

echo "# root's unrelated names are still cached"
expect_addrs v4only.lab 192.0.2.10
expect_addrs uni.lab "$U2"
for n in v4only.lab uni.lab; do
        now=$(queries "$n")
        [ "$now" -eq "${before[$n]}" ] ||
                fail "$n was asked again after an unrelated address was invalidated ($now queries, before ${before[$n]}): the whole name cache was flushed"
        pass "$n not asked again ($now queries)"
done
echo "# the name built from the anycast address is asked again, and follows A"
expect_addrs svc.lab "$U2"
now=$(queries svc.lab)
[ "$now" -gt "${before[svc.lab]}" ] ||
        fail "svc.lab was not asked again ($now queries): its cached answer survived the change of its address"
pass "svc.lab asked again ($now queries, before ${before[svc.lab]})"
daemon_alive
pass "names-invalidate-scope"
