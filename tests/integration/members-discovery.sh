#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Member discovery behind ECMP: the router splits LAB_ANYCAST over
# member1, member2 and member3 by flow-label hash.  ResolveAddressMembers
# lists each member exactly once, nearest (lowest RTT) first;
# MemberProbesSent grows by exactly MemberProbes=; ResolveAddress still
# answers with one member, the nearest; a second call is served from the
# cache without probes; aarp-resolve shows every member with its RTT (text
# and --json) and the new counters.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/members-common.sh"

# 32 labels (the most): with 16 random labels over 3 equal paths some member
# would get none about once in 200 runs (3 * (2/3)^16); with 32, once in
# 130000.
PROBES=32
lab_up
lab_ecmp_up
lab_start_daemon "ProbeSocket=raw" "MemberProbes=$PROBES"
grep -q "raw ICMPv6 socket, $PROBES flow labels" "$LABDIR/daemon.log" ||
        fail "the daemon did not lease $PROBES flow labels: $(grep -m1 'flow labels' "$LABDIR/daemon.log")"

echo "# ResolveAddressMembers finds every member"
[ "$(prop MemberProbesSent)" = 0 ] || fail "MemberProbesSent is $(prop MemberProbesSent) before any lookup"
sent0=$(prop ProbesSent)
members "$LAB_ANYCAST"
lab_has_flag "$M_FLAGS" ANYCAST || fail "the answer lacks ANYCAST"
lab_has_flag "$M_FLAGS" FROM_CACHE && fail "the first answer came from the cache"
# shellcheck disable=SC2086
expect_member_set $ALL_MEMBERS
[ "$M_TTL" -gt 0 ] && [ "$M_TTL" -le 60 ] || fail "ttl $M_TTL, expected 1..60 (AnycastTTL default)"
for r in "${M_RTTS[@]}"; do [ "$r" -gt 0 ] || fail "a member has rtt $r: ${M_RTTS[*]}"; done
member_probes=$(prop MemberProbesSent)
[ "$member_probes" -eq "$PROBES" ] ||
        fail "MemberProbesSent is $member_probes after one discovery, expected $PROBES (ProbeTimeouts $(prop ProbeTimeouts))"
[ $(($(prop ProbesSent) - sent0)) -eq $((PROBES + 1)) ] ||
        fail "ProbesSent grew by $(($(prop ProbesSent) - sent0)), expected $((PROBES + 1)) (first probe + discovery)"
nearest=${M_ADDRS[0]}
pass "3 members, each once, nearest first: ${M_ADDRS[*]} (rtt ${M_RTTS[*]} us); MemberProbesSent $member_probes"

echo "# ResolveAddress answers with one member: the nearest"
expect_resolve "$LAB_ANYCAST" "$nearest" FROM_CACHE
lab_has_flag "$R_FLAGS" ANYCAST || fail "ResolveAddress lost ANYCAST"
pass "ResolveAddress -> $R_UNICAST ($(lab_member_name "$R_UNICAST"), members[0])"

echo "# a second ResolveAddressMembers comes from the cache, no probe"
sent0=$(prop ProbesSent)
order=("${M_ADDRS[@]}")
members "$LAB_ANYCAST"
lab_has_flag "$M_FLAGS" FROM_CACHE || fail "the second answer did not come from the cache"
[ "${M_ADDRS[*]}" = "${order[*]}" ] || fail "the cached order ${M_ADDRS[*]} differs from ${order[*]}"
[ "$(prop ProbesSent)" -eq "$sent0" ] || fail "a cached answer sent probes"
pass "cached: same members, same order, no probe"

echo "# NO_CACHE ResolveAddress (one member wanted) is answered after the first probe"
# Single-member callers never wait for discovery; the discovery it starts
# still runs (MemberProbesSent grows by MemberProbes= again).
resolve "$LAB_ANYCAST" 1
lab_has_flag "$R_FLAGS" ANYCAST || fail "NO_CACHE ResolveAddress lacks ANYCAST"
lab_has_flag "$R_FLAGS" FROM_CACHE && fail "NO_CACHE ResolveAddress came from the cache"
case " $ALL_MEMBERS " in *" $R_UNICAST "*) ;; *) fail "NO_CACHE ResolveAddress gave $R_UNICAST, not a member" ;; esac
member_probes_sent_is() { [ "$(prop MemberProbesSent)" -eq "$1" ]; }
lab_wait_for 10 member_probes_sent_is $((2 * PROBES)) ||
        fail "MemberProbesSent is $(prop MemberProbesSent) after a second discovery, expected $((2 * PROBES))"
pass "NO_CACHE ResolveAddress -> $R_UNICAST; MemberProbesSent $(prop MemberProbesSent)"

echo "# aarp-resolve shows every member with its RTT"
in_client() { lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "$@"; }
out=$(in_client "$AARP_RESOLVE" "$LAB_ANYCAST") || fail "aarp-resolve $LAB_ANYCAST failed: $out"
echo "  $out"
re="^$LAB_ANYCAST: ([0-9a-f:]+ \(rtt [0-9]+\.[0-9]{3}ms\), ){2}[0-9a-f:]+ \(rtt [0-9]+\.[0-9]{3}ms\) -- anycast, 3 members, cache, ttl [0-9]+s$"
[[ $out =~ $re ]] || fail "aarp-resolve printed '$out'"
for m in $ALL_MEMBERS; do [[ $out == *"$m (rtt"* ]] || fail "aarp-resolve does not show $m: '$out'"; done
json=$(in_client "$AARP_RESOLVE" --json "$LAB_ANYCAST") || fail "aarp-resolve --json failed: $json"
python3 -c '
import json, sys
a, = json.loads(sys.argv[1])
want = sys.argv[2].split()
m = a["members"]
assert sorted(x["address"] for x in m) == sorted(want), m
assert all(isinstance(x["rtt_usec"], int) and x["rtt_usec"] > 0 for x in m), m
assert [x["rtt_usec"] for x in m] == sorted(x["rtt_usec"] for x in m), m
assert [x["address"] for x in a["addresses"]] == [x["address"] for x in m], a
assert a["rtt_usec"] == m[0]["rtt_usec"] and a["kind"] == "anycast" and a["refreshing"] is False, a
' "$json" "$ALL_MEMBERS" || fail "aarp-resolve --json members: $json"
pass "aarp-resolve (text and --json) lists all 3 members with RTTs"
out=$(in_client "$AARP_RESOLVE" statistics) || fail "aarp-resolve statistics failed"
grep -Eq "Member Probes Sent: $((2 * PROBES))$" <<<"$out" || fail "statistics: '$out'"
grep -Eq "Cache Refreshes: [0-9]+$" <<<"$out" || fail "statistics: '$out'"
json=$(in_client "$AARP_RESOLVE" --json statistics) || fail "statistics --json failed"
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert s["member_probes_sent"] == int(sys.argv[2]) and "cache_refreshes" in s, s' \
        "$json" $((2 * PROBES)) || fail "statistics --json: $json"
# Discovery found the members beyond the first: counted and shown.
grep -Eq "Members Found: [1-9][0-9]*$" <<<"$out" || fail "statistics: no Members Found: '$out'"
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert s["members_found"] >= 1 and "invalidated_members" in s, s' \
        "$json" || fail "statistics --json: $json"
[ "$(prop MembersFound)" -ge 1 ] || fail "the MembersFound property is $(prop MembersFound)"
pass "statistics shows Member Probes Sent $((2 * PROBES)), Cache Refreshes and Members Found"

echo "# libaarp: aarp_resolv_members@AARP_1.1, AARP_1 unchanged"
lib=$LAB_BUILD_ROOT/client/libaarp/libaarp.so.1
syms=$(nm -D --defined-only "$lib" | awk '$3 ~ /^aarp_/ { print $3 }' | sort | tr '\n' ' ')
[ "$syms" = "aarp_resolv@@AARP_1 aarp_resolv_full@@AARP_1 aarp_resolv_members@@AARP_1.1 aarp_resolve_hostname@@AARP_1 aarp_strerror@@AARP_1 " ] ||
        fail "libaarp.so.1 exports '$syms'"
pc_dir=$LAB_BUILD_ROOT/meson-uninstalled
# shellcheck disable=SC2046
cc -o "$LABDIR/members-example" "$AARP_SOURCE_ROOT/tests/integration/aarp-members-example.c" \
        $(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs aarp-uninstalled) ||
        fail "cannot build a program using aarp_resolv_members() against aarp-uninstalled.pc"
out=$(in_client env LD_LIBRARY_PATH="$LAB_BUILD_ROOT/client/libaarp" "$LABDIR/members-example" "$LAB_ANYCAST") ||
        fail "aarp_resolv_members($LAB_ANYCAST) failed: $out"
sed 's/^/  /' <<<"$out"
got=$(head -n -1 <<<"$out" | awk '{ print $1 }' | sort | tr '\n' ' ')
# shellcheck disable=SC2086
[ "$got" = "$(sorted_words $ALL_MEMBERS) " ] || fail "aarp_resolv_members gave '$got'"
[ "$(tail -n 1 <<<"$out")" = "nearest=$(head -n 1 <<<"$out" | cut -d' ' -f1) anycast=1 ttl=$(tail -n 1 <<<"$out" | sed 's/.*ttl=//')" ] ||
        fail "aarp_resolv_members: the answer is not the first member: $(tail -n 1 <<<"$out")"
pass "aarp_resolv_members() from a pkg-config program: 3 members, nearest first"
daemon_alive
