#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-lab-route-move.sh: the nearest member moves, and a
# new lookup by name follows it (libnss_aarp.so.2, anycast nameserver).
#   1. lab_client_uplink 2: the client's own route changes; the daemon sees
#      it on netlink and flushes; getent/curl reach member2, and the
#      nameserver A is re-resolved too (whoami.lab from member2's server).
#   2. lab_route_to member2 (the router: invisible to the client) +
#      FlushCaches over busctl: member2 at once.
#   3. lab_route_to member1 with no flush: member1 again once the mapping
#      expires (AnycastTTL=5s; a name's answer lives min(DNS TTL, mapping
#      TTL)).  Long enough that step 1 cannot pass by expiry.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"

U1=$LAB_MEMBER1_ADDR
U2=$LAB_MEMBER2_ADDR

lab_up
lab_dns_up
lab_start_daemon "AnycastTTL=5s"

# curl_reaches MEMBER: true once curl http://svc.lab:8080/ prints MEMBER.
curl_reaches() {
        http_get svc.lab
        [ "$HTTP_RC" -eq 0 ] && [ "$HTTP_BODY" = "$1" ]
}

expect_http svc.lab member1
expect_addrs svc.lab "$U1"
expect_addrs whoami.lab 192.0.2.11

echo "# the client's uplink moves to member2 (netlink)"
invalidated_since() { [ "$(prop CacheInvalidations)" -gt "$1" ]; }
inval=$(prop CacheInvalidations)
lab_client_uplink 2
lab_wait_for 5 invalidated_since "$inval" ||
        fail "the daemon did not notice the route change (CacheInvalidations stays $inval)"
expect_http svc.lab member2
expect_addrs svc.lab "$U2"
expect_addrs whoami.lab 192.0.2.12
pass "after the uplink change: curl and getent reach member2, DNS from member2's server"
lab_client_uplink 1
lab_wait_for 5 curl_reaches member1 || fail "after uplink 1, curl reaches '$HTTP_BODY', not member1"
pass "uplink back: member1"

echo "# the router moves A to member2 (invisible), FlushCaches"
lab_route_to member2
lab_flush || fail "FlushCaches failed"
expect_http svc.lab member2
expect_addrs svc.lab "$U2"
expect_addrs whoami.lab 192.0.2.12

echo "# the router moves A back to member1, no flush: after expiry (AnycastTTL=5s)"
lab_route_to member1
t0=$(now_ms)
lab_wait_for 15 curl_reaches member1 ||
        fail "15 s after the route moved back, curl still reaches '$HTTP_BODY' (AnycastTTL=5s)"
pass "after expiry ($(($(now_ms) - t0)) ms): curl -> member1"
expect_addrs svc.lab "$U1"
daemon_alive
pass "nss-lab-route-move"
