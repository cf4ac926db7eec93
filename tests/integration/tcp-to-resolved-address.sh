#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The failure the project removes: TCP to the anycast address hangs, TCP to
# the address it resolves to works; UDP to it works too.
source "$(dirname "$0")/common.sh"

lab_up
lab_start_daemon

expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
u=$R_UNICAST

body=$(lab_client curl -sS -g --connect-timeout 2 --max-time 20 "http://[$u]:8080/") ||
        fail "curl to the resolved address [$u]:8080 failed"
[ "$body" = member1 ] || fail "curl http://[$u]:8080/ printed '$body', expected member1"
pass "TCP to the resolved address $u: '$body'"

t0=$(now_ms)
rc=0
lab_client curl -sS -g --connect-timeout 2 --max-time 5 "http://[$LAB_ANYCAST]:8080/" >/dev/null 2>&1 || rc=$?
elapsed=$(($(now_ms) - t0))
[ "$rc" -eq 28 ] || fail "curl to the anycast address exited $rc, expected 28 (connect timeout): anycast TCP should hang"
pass "TCP to the anycast address $LAB_ANYCAST times out (${elapsed} ms)"

reply=$(printf 'hello\n' | lab_client timeout 5 socat -T 2 - "UDP6:[$u]:7") || fail "UDP to [$u]:7 failed"
[ "$reply" = member1 ] || fail "UDP echo from [$u]:7 answered '$reply', expected member1"
pass "UDP to the resolved address: '$reply'"

lab_route_to member2
lab_flush
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER2_ADDR" ANYCAST
body=$(lab_client curl -sS -g --connect-timeout 2 --max-time 20 "http://[$R_UNICAST]:8080/") ||
        fail "curl to member2 failed"
[ "$body" = member2 ] || fail "member2 answered '$body'"
pass "after the route move the resolved address is member2: '$body'"
daemon_alive
