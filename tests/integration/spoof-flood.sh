#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/spoof-flood.sh: an on-path attacker
# in the router's namespace floods the client with forged echo replies
# while the daemon probes (tests/lab/forge-replies.c in flood mode, -F):
# for every request seen, wrong nonce / identifier / sequence / code,
# truncated and oversized payloads, each from the attacker's address and
# from the target itself; perfect copies of the reply from ::, ff02::1,
# ::1, ::ffff:192.0.2.66 and unscoped fe80::66; a packet whose IPv6
# length lies; a 1 KiB payload; and AARP_SPOOF_RATE (default 5000) per
# second unsolicited replies with random identifiers and sequences and
# guessed ones (the identifier in use with the next 16 sequences).
# Meanwhile: repeated fresh probes (NO_CACHE) of the anycast address, a
# unicast address, a silent one, and bursts of 200 anycast addresses.
# Checked: every result exactly what it is without an attacker (zero
# forgeries accepted); ProbeReplies grew by exactly the number of answered
# probes (MemberProbes=0, so each answered probe accepts one reply, the
# genuine one); every forgery that reached the daemon's socket is counted
# in RepliesRejected (v4-mapped and link-local sources included: the
# kernel lets them through), and the ones the kernel drops first
# (multicast and loopback sources; a lying IPv6 length) show in the client
# namespace's Ip6InHdrErrors / Ip6InTruncatedPkts.  Twice: probing with the
# raw socket (the exact accounting) and with a ping socket (the kernel
# passes it only replies with its identifier; nothing may be accepted).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RATE=${AARP_SPOOF_RATE:-5000}
ROUNDS=${AARP_SPOOF_ROUNDS:-8}
BURST=200

lab_up
# The ping socket: the daemon's group must be in ping_group_range.
lab_ns client sysctl -qw net.ipv4.ping_group_range="0 2147483647"

snmp6() { lab_ns client awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6; }
# Drops on the daemon's raw ICMPv6 socket (socket buffer full): the last
# column of /proc/net/raw6 in the client namespace.
raw_drops() { lab_ns client awk 'NR > 1 { d += $NF } END { print d + 0 }' /proc/net/raw6; }

# flood SOCKET: one daemon probing with a SOCKET (raw or ping) ICMPv6 socket
# under the flood.  A ping socket only ever sees replies with its own
# identifier (the kernel matches them), so for it the forgeries with
# other identifiers are nobody's: only "nothing accepted" and "rejected
# some" are checked there, the exact accounting for the raw socket.
flood() {
        local socket=$1
        echo "# ProbeSocket=$socket"
        lab_start_daemon "ProbeSocket=$socket" "ProbeTimeout=300ms" "ProbeRetries=1" "MemberProbes=0"
        expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
        rejected0=$(prop RepliesRejected)
        replies0=$(prop ProbeReplies)
        hdrerr0=$(snmp6 Ip6InHdrErrors)
        trunc0=$(snmp6 Ip6InTruncatedPkts)
        drops0=$(raw_drops)

        rm -f "$LABDIR/forge.out" "$LABDIR/forge.err" "$LABDIR/forge.ready"
        lab_spawn router "$LABDIR/forge.out" "$LABDIR/forge.err" "$LAB_FORGE_BIN" -i "$LAB_ROUTER_CLIENT_IF" \
                -c "$LAB_CLIENT_ADDR" -a "$LAB_ATTACKER" -t 1200 -r "$LABDIR/forge.ready" -F "$RATE" -T "$LAB_ANYCAST"
        forge_pid=$LAB_SPAWNED
        lab_wait_for 5 test -s "$LABDIR/forge.ready" || fail "forge-replies did not start: $(cat "$LABDIR/forge.err")"

        answered=0
        for ((i = 1; i <= ROUNDS; i++)); do
                expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST UNICAST 1
                expect_resolve "$LAB_MEMBER2_ADDR" "$LAB_MEMBER2_ADDR" UNICAST ANYCAST 1
                expect_resolve "$LAB_SILENT" "$LAB_SILENT" NO_REPLY ANYCAST 1
                out=$("$LAB_DBUS_BIN" burst "$LAB_BURST_PREFIX" "$BURST" "$LAB_MEMBER1_ADDR" 0x10000 4 1) ||
                        fail "round $i: $BURST anycast addresses under the flood: $out"
                echo "  round $i: burst of $BURST: $out"
                answered=$((answered + 2 + BURST))
        done
        # The cache keeps the genuine answer.
        lab_flush
        expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE
        expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" FROM_CACHE
        answered=$((answered + 1))

        kill -TERM "$forge_pid"
        wait "$forge_pid" || fail "forge-replies failed: $(cat "$LABDIR/forge.err")"
        { read -r _ requests _ forged; read -r _ flood _ bogus _ iptrunc; } <"$LABDIR/forge.out" ||
                fail "no summary from forge-replies: $(cat "$LABDIR/forge.out")"
        rejected=$(($(prop RepliesRejected) - rejected0))
        replies=$(($(prop ProbeReplies) - replies0))
        hdrerr=$(($(snmp6 Ip6InHdrErrors) - hdrerr0))
        trunc=$(($(snmp6 Ip6InTruncatedPkts) - trunc0))
        drops=$(($(raw_drops) - drops0))
        kernel=$((bogus + iptrunc))
        delivered=$((forged - kernel))
        echo "  attacker: $requests requests seen, $forged forged replies ($flood unsolicited, $bogus from multicast/loopback sources, $iptrunc with a lying length)"
        echo "  daemon: RepliesRejected +$rejected, ProbeReplies +$replies for $answered answered probes, raw socket drops +$drops"
        echo "  kernel: Ip6InHdrErrors +$hdrerr, Ip6InTruncatedPkts +$trunc"

        [ "$requests" -ge $((ROUNDS * BURST)) ] || fail "the attacker saw only $requests requests; the flood did not meet the probes"
        [ "$flood" -gt 0 ] || fail "no unsolicited forgeries were sent"
        [ "$replies" -eq "$answered" ] ||
                fail "ProbeReplies grew by $replies for $answered answered probes: a forgery was accepted (or a genuine reply counted twice)"
        pass "zero forgeries accepted: ProbeReplies +$replies = $answered answered probes, every result unchanged"
        [ "$hdrerr" -ge "$bogus" ] || fail "Ip6InHdrErrors grew by $hdrerr for $bogus multicast/loopback sources"
        [ "$trunc" -ge "$iptrunc" ] || fail "Ip6InTruncatedPkts grew by $trunc for $iptrunc lying lengths"
        if [ "$socket" = raw ]; then
                [ $((rejected + drops)) -ge "$delivered" ] ||
                        fail "RepliesRejected grew by $rejected (+ $drops socket drops) for $delivered forgeries delivered to the daemon's socket"
                pass "all $forged forgeries accounted for: $rejected rejected by the daemon, $drops dropped at its socket, $((hdrerr < bogus ? hdrerr : bogus)) + $iptrunc by the kernel"
        else
                [ "$rejected" -gt 0 ] || fail "the ping socket saw forgeries with its identifier, but RepliesRejected did not grow"
                pass "ping socket: $rejected forgeries with its identifier rejected by the daemon, the rest filtered by the kernel"
        fi
        daemon_alive
        lab_stop_daemon || fail "the daemon did not stop cleanly"
}

flood raw
flood ping
