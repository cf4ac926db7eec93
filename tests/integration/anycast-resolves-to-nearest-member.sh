#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The anycast address resolves to the nearest member's unicast address;
# answers are cached; NO_CACHE probes again; a member's own address
# resolves to itself; when the nearest member moves the answer follows,
# once through FlushCaches and once through the daemon's netlink
# invalidation alone.
source "$(dirname "$0")/common.sh"

lab_up
lab_start_daemon "ProbeTimeout=1s" "ProbeRetries=2"

echo "# anycast address -> nearest member (member1)"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE
[ "$R_RTT" -gt 0 ] || fail "a probed answer reports rtt_usec=$R_RTT"
[ "$R_TTL" -gt 0 ] && [ "$R_TTL" -le 60 ] || fail "anycast answer has ttl $R_TTL, expected 1..60 (AnycastTTL default)"
pass "$LAB_ANYCAST resolves to member1 $LAB_MEMBER1_ADDR with ANYCAST"

echo "# a second query is answered from the cache"
hits0=$(prop CacheHits)
probes0=$(prop ProbesSent)
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" FROM_CACHE
lab_has_flag "$R_FLAGS" ANYCAST || fail "cached answer lost the ANYCAST flag"
[ "$(prop CacheHits)" -gt "$hits0" ] || fail "CacheHits did not grow on a cached answer"
[ "$(prop ProbesSent)" -eq "$probes0" ] || fail "a cached answer sent a probe"
pass "second query is FROM_CACHE and sends no probe"

echo "# NO_CACHE forces a probe"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE 1
[ "$(prop ProbesSent)" -gt "$probes0" ] || fail "NO_CACHE did not send a probe (ProbesSent stayed $probes0)"
pass "NO_CACHE probes afresh"

echo "# a member's own unicast address resolves to itself"
expect_resolve "$LAB_MEMBER1_ADDR" "$LAB_MEMBER1_ADDR" UNICAST ANYCAST
pass "$LAB_MEMBER1_ADDR resolves to itself with UNICAST"

echo "# the router moves the anycast route to member2; FlushCaches"
lab_route_to member2
lab_flush
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER2_ADDR" ANYCAST FROM_CACHE
pass "after the route move and FlushCaches: member2"
lab_route_to member1
lab_flush
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE
[ "$(prop CacheSize)" -ge 1 ] || fail "CacheSize is $(prop CacheSize) after a cached answer"

echo "# the client's own route changes (netlink), no flush"
inv0=$(prop CacheInvalidations)
lab_client_uplink 2
deadline=$(($(now_ms) + 30000)) # a hang guard: a loaded machine is slow
while :; do
        resolve "$LAB_ANYCAST"
        [ "$R_UNICAST" != "$LAB_MEMBER2_ADDR" ] || break
        [ "$(now_ms)" -lt "$deadline" ] ||
                fail "30 s after a route change in the client namespace $LAB_ANYCAST still resolves to $R_UNICAST (CacheInvalidations $inv0 -> $(prop CacheInvalidations))"
        sleep 0.1
done
lab_has_flag "$R_FLAGS" ANYCAST || fail "member2 answer lacks ANYCAST"
lab_has_flag "$R_FLAGS" FROM_CACHE && fail "the answer after invalidation came from the cache"
[ "$(prop CacheInvalidations)" -gt "$inv0" ] || fail "CacheInvalidations did not grow"
pass "route change alone moved the answer to member2 (CacheInvalidations $inv0 -> $(prop CacheInvalidations))"
lab_client_uplink 1
deadline=$(($(now_ms) + 30000))
while :; do
        resolve "$LAB_ANYCAST"
        [ "$R_UNICAST" != "$LAB_MEMBER1_ADDR" ] || break
        [ "$(now_ms)" -lt "$deadline" ] || fail "after switching back the answer stays $R_UNICAST"
        sleep 0.1
done
pass "and back to member1"

echo "# a member with net.ipv6.anycast_src_echo_reply=1 answers from A itself"
lab_ns member1 sysctl -qw net.ipv6.anycast_src_echo_reply=1
expect_resolve "$LAB_ANYCAST" "$LAB_ANYCAST" UNICAST ANYCAST 1
lab_ns member1 sysctl -qw net.ipv6.anycast_src_echo_reply=0
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE 1
pass "anycast_src_echo_reply=1 hides the member (documented limitation): A comes back as UNICAST"

echo "# addresses that are never probed"
probes0=$(prop ProbesSent)
for a in ::1 ff02::1 ::ffff:c000:201; do  # the last is ::ffff:192.0.2.1
        expect_resolve "$a" "$a" NOT_PROBED
done
out=$(lab_call ResolveAddress "(0, [byte 192, 0, 2, 1], uint64 0)") || fail "IPv4 address refused: $out"
case $out in
"([byte 0xc0, 0x00, 0x02, 0x01], uint64 $((0x100000)),"*) ;;
*) fail "IPv4 192.0.2.1 not returned unchanged with NOT_PROBED: $out" ;;
esac
[ "$(prop ProbesSent)" -eq "$probes0" ] || fail "NOT_PROBED addresses sent probes"
pass "loopback, multicast, v4-mapped and IPv4 come back unchanged with NOT_PROBED, no probe"

echo "# the peer-to-peer socket serves the same object"
[ -S "$LABDIR/run/io.socket" ] || fail "no $LABDIR/run/io.socket"
out=$(LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" timeout 10 \
        "$LAB_DBUS_BIN" call ResolveAddress "(0, [byte $(lab_addr_bytes "$LAB_ANYCAST" | cut -d' ' -f2- | tr ' ' ',')], uint64 0)") ||
        fail "call over io.socket failed: $out"
echo "  io.socket: $out"
case $out in
"([byte 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02]"*) ;;
*) fail "io.socket answer is not member1: $out" ;;
esac
pass "io.socket answers member1"
daemon_alive
