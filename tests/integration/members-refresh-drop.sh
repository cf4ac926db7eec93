#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Refresh-ahead drops a member that is gone.  AnycastTTL=4s: a
# lookup in the last tenth of the entry's life (0.4 s) is answered from the
# cache at once, flagged REFRESHING (stale-while-revalidate), and starts a
# background re-probe; the lookup after it gets the re-probed set.
#
#   one member's link goes down (no route change the daemon could see: the
#   router still hashes some flow labels to it, they are lost) -> after the
#   refresh it is no longer returned; the two others are
#   every member's link down -> after the refresh the anycast address
#   itself, NO_REPLY (fail-open, as for any silent address)
#
# No timing assertion: the test polls (bounded) until it sees a REFRESHING
# answer, and starts the cycle again (at most 8 times) if a slow machine
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

# poll_refreshing: call ResolveAddressMembers every 10 ms (one D-Bus
# connection, not a busctl per call, so the 0.4 s window is not missed on a
# loaded machine) until the answer says REFRESHING (exit 0) or no longer
# comes from the cache (exit 3: the entry expired between two calls) or
# 10 s pass (exit 4).  Prints the last answer's flags and members.
poll_refreshing() {
        /usr/bin/python3 - "$LAB_ANYCAST" <<'PY'
import ipaddress, sys, time
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
address = ipaddress.ip_address(sys.argv[1]).packed
deadline = time.monotonic() + 30
while True:
    reply = bus.call_sync("org.aarp.Resolve1", "/org/aarp/Resolve1", "org.aarp.Resolve1.Manager",
                          "ResolveAddressMembers",
                          GLib.Variant("(iayt)", (0, address, 0)),
                          GLib.VariantType("(a(ayt)tu)"), Gio.DBusCallFlags.NONE, 5000, None)
    members, flags, ttl = reply.unpack()
    print(hex(flags), ttl, " ".join(str(ipaddress.ip_address(bytes(m[0]))) for m in members))
    if flags & 0x200000:
        sys.exit(0)
    if not flags & 0x20000:
        sys.exit(3)
    if time.monotonic() > deadline:
        sys.exit(4)
    time.sleep(0.01)
PY
}

# await_refresh: wait for a REFRESHING answer (the stale set, answered at
# once; logged), then until an answer no longer says REFRESHING: that one,
# the re-probed set, is left in M_*.  If the entry expired unseen, the
# lookup that found it expired probed afresh; the cycle starts again (at
# most 8 times).
await_refresh() {
        local cycle rc out deadline refreshes0
        refreshes0=$(prop CacheRefreshes)
        for cycle in 1 2 3 4 5 6 7 8; do
                rc=0
                out=$(poll_refreshing | tail -n 1) || rc=$?
                [ "$rc" -ne 4 ] || fail "no REFRESHING answer within 30 s (AnycastTTL=4s): $out"
                [ "$rc" -ne 0 ] || break
                echo "  missed the last tenth of the entry's life (cycle $cycle: $out); again"
        done
        [ "$rc" -eq 0 ] || fail "8 cycles without seeing a REFRESHING answer"
        echo "  REFRESHING (cycle $cycle): answered at once from the cache: $out"
        [ "$(prop CacheRefreshes)" -gt "$refreshes0" ] ||
                fail "CacheRefreshes stayed $refreshes0 after a REFRESHING answer"
        deadline=$((SECONDS + 60))
        members "$LAB_ANYCAST" >/dev/null
        while is_refreshing "$M_FLAGS"; do
                [ "$SECONDS" -lt "$deadline" ] || fail "still REFRESHING after 60 s"
                sleep 0.05
                members "$LAB_ANYCAST" >/dev/null
        done
        members "$LAB_ANYCAST"
}

# The member to take away: not the one the default flow label reaches (the
# first probe's), so that a fresh probe after a missed window still finds
# the others.  (When the default-path member is gone and the entry expired
# instead of being refreshed, the daemon answers NO_REPLY without
# discovery; a known limit.)
resolve "$LAB_ANYCAST" 1
default_member=$(lab_member_name "$R_UNICAST")
[ -n "$default_member" ] || fail "the default path reaches $R_UNICAST, not a member"
for gone in member3 member2 member1; do [ "$gone" != "$default_member" ] && break; done
gone_addr=$(lab_member_addr "$gone")
mapfile -t rest < <(for m in $ALL_MEMBERS; do [ "$m" = "$gone_addr" ] || echo "$m"; done)
members "$LAB_ANYCAST"
# shellcheck disable=SC2086
expect_member_set $ALL_MEMBERS

echo "# $gone's link goes down (the default path reaches $default_member)"
inv0=$(prop CacheInvalidations)
ip -n "${LAB_PREFIX}$gone" link set eth0 down
await_refresh
[ "$(prop CacheInvalidations)" -eq "$inv0" ] ||
        fail "a cache invalidation happened: the drop below would not be the refresh's doing"
case " ${M_ADDRS[*]} " in *" $gone_addr "*) fail "after the refresh $gone is still returned: ${M_ADDRS[*]}" ;; esac
expect_member_set "${rest[@]}"
lab_has_flag "$M_FLAGS" ANYCAST || fail "the refreshed answer lacks ANYCAST"
pass "after the refresh: ${M_ADDRS[*]} ($gone dropped; CacheRefreshes $(prop CacheRefreshes))"

echo "# every member's link goes down"
for m in member1 member2 member3; do
        [ "$m" = "$gone" ] || ip -n "${LAB_PREFIX}$m" link set eth0 down
done
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
