#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# MemberProbes=0: discovery is off, and behind the same ECMP route
# over three members the daemon behaves exactly as before discovery: one
# probe per resolution, one member (the one the default path reaches) from
# ResolveAddress, ResolveAddressMembers, ResolveHostname and getent, no
# flow-label probe (MemberProbesSent stays 0), aarp-resolve's one-member line.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/members-common.sh"

NAME=svc.lab
lab_up
lab_ecmp_up
members_nss_up "$NAME"
lab_start_daemon "ProbeSocket=raw" "MemberProbes=0"

echo "# ResolveAddressMembers: one probe, one member"
sent0=$(prop ProbesSent)
members "$LAB_ANYCAST"
[ "${#M_ADDRS[@]}" -eq 1 ] || fail "MemberProbes=0 gave ${#M_ADDRS[@]} members: ${M_ADDRS[*]}"
member=${M_ADDRS[0]}
case " $ALL_MEMBERS " in *" $member "*) ;; *) fail "the one answer $member is not a member" ;; esac
lab_has_flag "$M_FLAGS" ANYCAST || fail "the answer lacks ANYCAST"
lab_has_flag "$M_FLAGS" FROM_CACHE && fail "the first answer came from the cache"
[ "$M_TTL" -gt 0 ] && [ "$M_TTL" -le 60 ] || fail "ttl $M_TTL, expected 1..60 (AnycastTTL default)"
[ $(($(prop ProbesSent) - sent0)) -eq 1 ] || fail "ProbesSent grew by $(($(prop ProbesSent) - sent0)), expected 1"
pass "one member: $member ($(lab_member_name "$member")), one probe"

echo "# ResolveAddress: the same member, from the cache"
expect_resolve "$LAB_ANYCAST" "$member" FROM_CACHE
lab_has_flag "$R_FLAGS" ANYCAST || fail "ResolveAddress lacks ANYCAST"
pass "ResolveAddress -> $R_UNICAST"

echo "# NO_CACHE: one probe again, still one member"
sent0=$(prop ProbesSent)
members "$LAB_ANYCAST" 1
[ "${#M_ADDRS[@]}" -eq 1 ] || fail "NO_CACHE with MemberProbes=0 gave ${#M_ADDRS[@]} members: ${M_ADDRS[*]}"
# The default path does not change between two probes from one socket.
[ "${M_ADDRS[0]}" = "$member" ] || fail "NO_CACHE gave ${M_ADDRS[0]}, before $member"
[ $(($(prop ProbesSent) - sent0)) -eq 1 ] || fail "NO_CACHE: ProbesSent grew by $(($(prop ProbesSent) - sent0)), expected 1"
pass "NO_CACHE: ${M_ADDRS[0]}, one probe"

echo "# by name: one address"
out=$(lab_resolve_hostname "$NAME" 10) || fail "ResolveHostname $NAME failed"
[ "$(tail -n +2 <<<"$out")" = "$member" ] || fail "ResolveHostname $NAME gave '$(tail -n +2 <<<"$out" | tr '\n' ' ')', expected $member"
got=$(ahosts "$NAME") || fail "getent ahosts $NAME failed"
[ "$got" = "$member" ] || fail "getent ahosts $NAME gave '$(tr '\n' ' ' <<<"$got")', expected $member only"
pass "ResolveHostname and getent ahosts $NAME -> $member only"

echo "# aarp-resolve: the one-member line; counters"
out=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "$AARP_RESOLVE" "$LAB_ANYCAST") || fail "aarp-resolve: $out"
echo "  $out"
[[ $out =~ ^"$LAB_ANYCAST: $member -- anycast, cache, ttl "[0-9]+"s, rtt "[0-9]+\.[0-9]{3}ms$ ]] ||
        fail "aarp-resolve printed '$out'"
[ "$(prop MemberProbesSent)" = 0 ] || fail "MemberProbesSent is $(prop MemberProbesSent) with MemberProbes=0"
[ "$(prop AnycastFound)" -ge 1 ] || fail "AnycastFound is $(prop AnycastFound)"
pass "aarp-resolve one-member line; MemberProbesSent 0, ProbesSent $(prop ProbesSent)"
daemon_alive
