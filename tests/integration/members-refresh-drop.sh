#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Refresh-ahead drops a member that is gone (issue 7).  AnycastTTL=4s: a
# lookup in the last tenth of the entry's life (0.4 s) is answered from the
# cache at once, flagged REFRESHING (stale-while-revalidate), and starts a
# background re-probe; the lookup after it gets the re-probed set.
#
#   member3's link goes down (no route change the daemon could see: the
#   router still hashes some flow labels to it, they are lost) -> after the
#   refresh member3 is no longer returned; member1 and member2 are
#   every member's link down -> after the refresh the anycast address
#   itself, NO_REPLY (fail-open, as for any silent address)
#
# No timing assertion: the test polls (bounded) until it sees a REFRESHING
# answer, and starts the cycle again (at most 3 times) if a slow machine
# let the entry expire between two polls.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/members-common.sh"

lab_up
lab_ecmp_up
# Short probe timeouts: the discovery probes hashed to a gone member wait
# for them (2 x 300 ms) before the refresh completes.
lab_start_daemon "ProbeSocket=raw" "MemberProbes=32" "AnycastTTL=4s" "ProbeTimeout=300ms" "ProbeRetries=1"

echo "# all three members"
members "$LAB_ANYCAST"
# shellcheck disable=SC2086
expect_member_set $ALL_MEMBERS
pass "3 members: ${M_ADDRS[*]}"

# await_refresh: poll the cached answer until it says REFRESHING (that
# answer is the stale set, logged), then until an answer no longer does:
# that one, the re-probed set, is left in M_*.
await_refresh() {
        local cycle deadline refreshes0
        refreshes0=$(prop CacheRefreshes)
        for cycle in 1 2 3; do
                deadline=$((SECONDS + 10))
                while :; do
                        members "$LAB_ANYCAST" >/dev/null
                        if is_refreshing "$M_FLAGS"; then
                                lab_has_flag "$M_FLAGS" FROM_CACHE || fail "a REFRESHING answer lacks FROM_CACHE"
                                echo "  REFRESHING (cycle $cycle, ttl $M_TTL): answered at once with the cached ${M_ADDRS[*]}"
                                break 2
                        fi
                        # Expired between two polls: probed afresh, not refreshed.
                        lab_has_flag "$M_FLAGS" FROM_CACHE || break
                        [ "$SECONDS" -lt "$deadline" ] || fail "no REFRESHING answer within 10 s (AnycastTTL=4s)"
                        sleep 0.05
                done
                echo "  missed the last tenth of the entry's life (cycle $cycle); again"
        done
        is_refreshing "$M_FLAGS" || fail "3 cycles without seeing a REFRESHING answer"
        [ "$(prop CacheRefreshes)" -gt "$refreshes0" ] ||
                fail "CacheRefreshes stayed $refreshes0 after a REFRESHING answer"
        deadline=$((SECONDS + 10))
        while is_refreshing "$M_FLAGS"; do
                [ "$SECONDS" -lt "$deadline" ] || fail "still REFRESHING after 10 s"
                sleep 0.05
                members "$LAB_ANYCAST" >/dev/null
        done
        members "$LAB_ANYCAST"
}

echo "# member3's link goes down"
inv0=$(prop CacheInvalidations)
ip -n "${LAB_PREFIX}member3" link set eth0 down
await_refresh
[ "$(prop CacheInvalidations)" -eq "$inv0" ] ||
        fail "a cache invalidation happened: the drop below would not be the refresh's doing"
case " ${M_ADDRS[*]} " in *" $LAB_MEMBER3_ADDR "*) fail "after the refresh member3 is still returned: ${M_ADDRS[*]}" ;; esac
expect_member_set "$LAB_MEMBER1_ADDR" "$LAB_MEMBER2_ADDR"
lab_has_flag "$M_FLAGS" ANYCAST || fail "the refreshed answer lacks ANYCAST"
pass "after the refresh: ${M_ADDRS[*]} (member3 dropped; CacheRefreshes $(prop CacheRefreshes))"

echo "# every member's link goes down"
ip -n "${LAB_PREFIX}member1" link set eth0 down
ip -n "${LAB_PREFIX}member2" link set eth0 down
await_refresh
[ "${#M_ADDRS[@]}" -eq 1 ] && [ "${M_ADDRS[0]}" = "$LAB_ANYCAST" ] ||
        fail "with every member gone the answer is ${M_ADDRS[*]}, expected $LAB_ANYCAST itself"
lab_has_flag "$M_FLAGS" NO_REPLY || fail "with every member gone the answer lacks NO_REPLY"
lab_has_flag "$M_FLAGS" ANYCAST && fail "with every member gone the answer still says ANYCAST"
resolve "$LAB_ANYCAST"
[ "$R_UNICAST" = "$LAB_ANYCAST" ] && lab_has_flag "$R_FLAGS" NO_REPLY ||
        fail "ResolveAddress with every member gone: $R_UNICAST [$(lab_flag_names "$R_FLAGS")]"
pass "after the refresh: $LAB_ANYCAST itself with NO_REPLY (ResolveAddress agrees)"
daemon_alive
