#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/probe-budget-refresh.sh: every echo request the daemon
# sends on a user's behalf comes out of that user's probe budget, including
# the background refreshes its cache hits start (refresh-ahead: a hit in the
# last tenth of an entry's life re-probes) and the member discovery that
# follows a probe finding anycast (MemberProbes=).
#
# The attack: nobody (uid 65534), with ProbeRateLimit=1, ProbeRateBurst=50
# and AnycastTTL=2s, resolves the same 50 anycast addresses over and over
# for 30 s, so that its cache hits keep landing in the entries' refresh
# window.  Its budget over that time is burst + rate * seconds; the echo
# requests sent meanwhile are counted twice, by the daemon (ProbesSent) and
# by the member's kernel (Icmp6InEchos in its namespace), and neither may
# exceed the budget: ratio <= 1.0.  Once with MemberProbes=0 (refreshes
# only), once with MemberProbes=8 (discovery too).  A user who can pay
# (root) still gets its entries refreshed ahead of expiry.  (That cached
# answers are served to a user with an empty bucket is limits.sh's.)
#
# The verdict is on counts: the elapsed time only widens the budget, so a
# slow machine makes the test more lenient, never flaky.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
BURST=50
RATE=1
SECONDS_UNDER_ATTACK=${AARP_ATTACK_SECONDS:-30}

lab_up

# member_echos: echo requests member1's kernel has received so far (every
# burst address routes to member1).
member_echos() {
        lab_ns member1 awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
}

# settle: wait (bounded) until ProbesSent stops moving for 3 s, so that
# discovery and refreshes started by the last requests are counted.
settle() {
        local last=-1 now stable=0 deadline=$((SECONDS + 60))
        while [ "$SECONDS" -lt "$deadline" ]; do
                now=$(prop ProbesSent)
                if [ "$now" = "$last" ]; then
                        stable=$((stable + 1))
                        [ "$stable" -ge 6 ] && return 0
                else
                        stable=0
                fi
                last=$now
                sleep 0.5
        done
        fail "ProbesSent still growing 60 s after the attack ended"
}

# attack MEMBER_PROBES: one run; sets RATIO_LINE.
attack() {
        local member_probes=$1 p0 e0 t0 t1 sent echos budget ok=0 errors=0 rounds=0 out n
        lab_start_daemon "ProbeRateLimit=$RATE" "ProbeRateBurst=$BURST" "AnycastTTL=2s" \
                "RequestsPerClient=0" "MemberProbes=$member_probes"
        p0=$(prop ProbesSent)
        e0=$(member_echos)
        t0=$(now_ms)
        while [ $(($(now_ms) - t0)) -lt $((SECONDS_UNDER_ATTACK * 1000)) ]; do
                out=$("${NOBODY[@]}" "$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" "$BURST" "$LAB_MEMBER1_ADDR" 0x10000 4 \
                        2>/dev/null) || true
                n=$(awk '{ for (i = 1; i < NF; i++) if ($i == "ok") print $(i + 1) }' <<<"$out")
                ok=$((ok + ${n:-0}))
                n=$(awk '{ for (i = 1; i < NF; i++) if ($i == "errors") print $(i + 1) }' <<<"$out")
                errors=$((errors + ${n:-0}))
                rounds=$((rounds + 1))
        done
        settle
        t1=$(now_ms)
        sent=$(($(prop ProbesSent) - p0))
        echos=$(($(member_echos) - e0))
        # Every token nobody can have spent: the burst, plus the refill
        # until the last probe was counted (rounded up).
        budget=$((BURST + RATE * ((t1 - t0 + 999) / 1000)))
        RATIO_LINE="MemberProbes=$member_probes: $rounds rounds of $BURST lookups by nobody in $(((t1 - t0) / 1000)) s ($ok answered, $errors LimitExceeded); ProbesSent $sent, member1 received $echos echo requests; budget $budget; ratio $(awk -v s="$sent" -v b="$budget" 'BEGIN { printf "%.2f", s / b }')"
        echo "  $RATIO_LINE"
        grep -c 'member discovery: uid 65534 paid for' "$LABDIR/daemon.log" |
                sed 's/^/  discovery rounds cut short for lack of budget (log): /' || true
        [ "$sent" -le "$budget" ] ||
                fail "nobody made the daemon send $sent echo requests with a budget of $budget (ProbeRateLimit=$RATE, ProbeRateBurst=$BURST): refreshes or member discovery are not charged"
        [ "$echos" -le "$budget" ] ||
                fail "member1 received $echos echo requests with a budget of $budget"
        # Without discovery the burst buys BURST fresh lookups; with it,
        # the discovery after the first answers spends tokens too, so
        # later fresh lookups may be refused: some answers, at least.
        if [ "$member_probes" -eq 0 ]; then
                [ "$ok" -ge "$BURST" ] || fail "nobody got only $ok answers: not even its burst was served"
        else
                [ "$ok" -ge 1 ] || fail "nobody got no answer at all"
        fi
        pass "$RATIO_LINE"
}

echo "# refresh-ahead charged to the user whose hit starts it (MemberProbes=0)"
attack 0
lab_stop_daemon || fail "the daemon did not stop cleanly"
echo "# member discovery charged too (MemberProbes=8)"
attack 8

# The refresh itself still works for a user who can pay: root (exempt)
# uses an entry late in its life and gets it refreshed, without waiting.
# One D-Bus connection polling every 10 ms (a busctl per call could miss
# the last 0.2 s of a 2 s entry on a loaded machine).
echo "# root's entries are still refreshed ahead of expiry"
r0=$(prop CacheRefreshes)
out=$(/usr/bin/python3 - "$LAB_ANYCAST" <<'PY'
import ipaddress, sys, time
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
address = ipaddress.ip_address(sys.argv[1]).packed
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    reply = bus.call_sync("org.aarp.Resolve1", "/org/aarp/Resolve1", "org.aarp.Resolve1.Manager",
                          "ResolveAddress", GLib.Variant("(iayt)", (0, address, 0)),
                          GLib.VariantType("(aytut)"), Gio.DBusCallFlags.NONE, 5000, None)
    unicast, flags, ttl, rtt = reply.unpack()
    if flags & 0x200000:
        print(ipaddress.ip_address(bytes(unicast)), hex(flags), ttl)
        sys.exit(0)
    time.sleep(0.01)
sys.exit(1)
PY
) || fail "root's cache hits late in an entry's life were never answered REFRESHING in 30 s"
[ "$(prop CacheRefreshes)" -gt "$r0" ] || fail "root got a REFRESHING answer ($out) but CacheRefreshes stayed $r0"
pass "root's hit late in the entry's life was answered at once from the cache ($out) and refreshed (CacheRefreshes $r0 -> $(prop CacheRefreshes))"
daemon_alive
lab_stop_daemon || fail "the daemon did not stop cleanly"
