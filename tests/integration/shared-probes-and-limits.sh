#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Concurrent calls for one address share one probe; ProbesInFlight= queues
# the rest without losing any; CacheSize= bounds the cache.
source "$(dirname "$0")/common.sh"

retries=1
lab_up
# MemberProbes=0: this test counts echo requests exactly, and member
# discovery (flow-label probes for each anycast address) would add its own.
lab_start_daemon "ProbesInFlight=10" "CacheSize=100" "ProbeTimeout=500ms" "ProbeRetries=$retries" "MemberProbes=0"

out=$("$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" "$LAB_BURST_COUNT" "$LAB_MEMBER1_ADDR" 0x10000 4) ||
        fail "$LAB_BURST_COUNT addresses through ProbesInFlight=10: $out"
echo "  $out"
size=$(prop CacheSize)
[ "$size" -le 100 ] || fail "CacheSize=100 configured, but $size entries cached"
pass "$LAB_BURST_COUNT addresses with ProbesInFlight=10 all answered; cache bounded at $size"

p0=$(prop ProbesSent)
out=$(LAB_DBUS_SAME=1 "$LAB_DBUS_BIN" burst 2001:db8:dead:: 200 self 0x40000 4) ||
        fail "200 concurrent calls for one silent address: $out"
sent=$(($(prop ProbesSent) - p0))
[ "$sent" -eq $((1 + retries)) ] || fail "200 concurrent calls for one silent address sent $sent echo requests, expected $((1 + retries))"
pass "200 concurrent calls for one silent address: one probe ($sent echo requests)"

p0=$(prop ProbesSent)
out=$(LAB_DBUS_SAME=1 "$LAB_DBUS_BIN" burst 2001:db8:a:: 200 "$LAB_MEMBER1_ADDR" 0x10000 4) ||
        fail "200 concurrent calls for the anycast address: $out"
sent=$(($(prop ProbesSent) - p0))
[ "$sent" -eq 1 ] || fail "200 concurrent calls for the anycast address sent $sent probes, expected 1"
pass "200 concurrent calls for the anycast address: one probe"
daemon_alive
