#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ProbeSocket=ping: an unprivileged ICMPv6 ping socket (allowed by
# net.ipv4.ping_group_range in the client namespace) resolves the anycast
# address too.
source "$(dirname "$0")/common.sh"

lab_up
lab_ns client sysctl -qw net.ipv4.ping_group_range="0 2147483647"
lab_start_daemon "ProbeSocket=ping" "ProbeTimeout=300ms" "ProbeRetries=1"

expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE
expect_resolve "$LAB_MEMBER2_ADDR" "$LAB_MEMBER2_ADDR" UNICAST ANYCAST
expect_resolve "$LAB_SILENT" "$LAB_SILENT" NO_REPLY ANYCAST
lab_route_to member2
lab_flush
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER2_ADDR" ANYCAST
pass "ping socket: anycast -> member, unicast -> itself, silent -> NO_REPLY"
daemon_alive
grep -q 'probing with a ping ICMPv6 socket' "$LABDIR/daemon.log" ||
        fail "ProbeSocket=ping did not log 'probing with a ping ICMPv6 socket': $(grep probing "$LABDIR/daemon.log")"
pass "the daemon used a ping socket"
