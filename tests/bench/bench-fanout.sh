#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-fanout.sh: probe fan-out.  10,000
# distinct anycast addresses (2001:db8:c::1 .. ::2710, joined on member2 by
# anycast-join, their /112 routed there) are resolved at once with NO_CACHE
# (lab-dbus burst over the peer-to-peer socket), with tun-delay adding
# DELAY_USEC each way.  Target: every answer correct (member2's unicast
# address, ANYCAST) within 2 x RTT + 100 ms, no reply lost (ProbeTimeouts 0),
# and cached answers still served meanwhile: bench-client measures cached
# lookups of another address before (baseline) and during the burst.
# echo-flood gives the lab network's own floor for the same echo requests
# (its routers and members run on the same CPUs as the daemon).
# Run with MemberProbes=0 (first probes only) and the default 8 (each
# anycast answer triggers 8 discovery probes: 9x the echo traffic), and two
# ways of asking: "calls", one ResolveAddress call per address (4 p2p
# connections), and "batch", ResolveAddresses with 1024 addresses per call
# (the same 4 connections).
#   AARP_BUILD_ROOT=build bash tests/bench/bench-fanout.sh [DELAY_USEC] [COUNT]
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/bench/bench-lib.sh"

DELAY_USEC=${1:-10000}
COUNT=${2:-10000}
PREFIX=2001:db8:c::
JOIN=$BENCH_BIN/anycast-join
[ -x "$JOIN" ] || lab_die "$JOIN is not built"

bench_header "bench-fanout: $COUNT distinct anycast addresses probed at once"
lab_up
lab_spawn member2 "$LABDIR/join.log" "$LABDIR/join.log" "$JOIN" "$PREFIX" 1 "$COUNT" "$LABDIR/join.ready"
lab_wait_for 20 test -s "$LABDIR/join.ready" || lab_die "anycast-join failed: $(cat "$LABDIR/join.log")"
ip -n "${LAB_PREFIX}router" -6 route add "${PREFIX}/112" via "$LAB_MEMBER2_ADDR" dev r2
lab_ns client busybox ping -6 -q -c 1 -W 2 "${PREFIX}1" >/dev/null || lab_die "${PREFIX}1 does not answer"

for delay in 0 "$DELAY_USEC"; do
        [ "$delay" = 0 ] || bench_delay_up "$delay"
        rtt=$(bench_ping_rtt "$LAB_MEMBER2_ADDR" 20)
        for spec in "0 calls" "0 batch" "8 calls" "8 batch"; do
                read -r mp mode <<<"$spec"
                batch=0
                [ "$mode" = calls ] || batch=1024
                bench_start_daemon "MemberProbes=$mp"
                bench_client resolve "$LAB_ANYCAST" 1 >/dev/null || fail "first resolution failed"
                echo "## delay ${delay}us/way MemberProbes=$mp $mode: ping RTT $rtt ms; budget 2 x RTT + 100 ms"
                out=$(bench_client during "$LAB_ANYCAST" 1000 -- env LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" \
                        LAB_DBUS_BATCH=$batch "$LAB_DBUS_BIN" burst "$PREFIX" "$COUNT" "$LAB_MEMBER2_ADDR" 0x10000 4 1 2>&1) || true
                echo "$out"
                # Discovery probes may still be out: let them finish (the
                # probe timeout is 1 s) before the counters are read.
                sleep 3
                # The IPC floor, side by side: the same burst again, every
                # answer now from the cache (no probe at all).
                cached=$(lab_client env LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" LAB_DBUS_BATCH=$batch "$LAB_DBUS_BIN" \
                        burst "$PREFIX" "$COUNT" "$LAB_MEMBER2_ADDR" 0x30000 4 0 2>&1) || true
                echo "cached-burst $cached"
                out+=$'\n'"cached-burst $cached"
                sent=$(bench_prop ProbesSent) replies=$(bench_prop ProbeReplies) timeouts=$(bench_prop ProbeTimeouts)
                echo "## daemon: ProbesSent $sent ProbeReplies $replies ProbeTimeouts $timeouts RepliesRejected $(bench_prop RepliesRejected)"
                awk -v rtt="$rtt" -v mp="$mp" -v mode="$mode" -v d="$delay" -v timeouts="$timeouts" -v sent="$sent" -v replies="$replies" '
                        /^sent/ { ok = $4; wrong = $6; errors = $8; ms = $10; n = $2 }
                        /^cached-burst sent/ { cms = $11; cok = $5 }
                        /^cached_before/ { for (i = 1; i < NF; i++) if ($i == "p99_us") p99b = $(i + 1) }
                        /^cached_during/ { for (i = 1; i < NF; i++) if ($i == "p99_us") p99d = $(i + 1); for (i = 1; i < NF; i++) if ($i == "n") nd = $(i + 1) }
                        END {
                                budget = 2 * rtt + 100
                                printf "RESULT delay %5dus/way MemberProbes=%-2d %-5s %d addresses: ok %d wrong %d errors %d, all answered in %d ms (budget %.1f ms: %s), probes sent %d replies %d timeouts %d (%s); cached p99 %.1f us during (n %d) vs %.1f us before: %.1fx; the same %d calls all cached (IPC floor): %d ms (ok %d)\n",
                                        d, mp, mode, n, ok, wrong, errors, ms, budget, (ms <= budget && ok == n) ? "met" : "NOT met",
                                        sent, replies, timeouts, (timeouts == 0 && sent == replies) ? "none lost" : "LOST",
                                        p99d, nd, p99b, (p99b > 0 ? p99d / p99b : 0), n, cms, cok
                        }' <<<"$out"
                bench_stop_daemon
        done
        # The network's own floor, side by side: the same echo requests
        # from a bare raw socket (echo-flood), median of 3.
        floors=()
        for i in 1 2 3; do
                f=$(lab_ns client "$BENCH_BIN/echo-flood" "$PREFIX" 1 "$COUNT" 5000) || echo "echo-flood: $f"
                echo "echo-flood $f"
                floors+=("$(awk '{ print $6 }' <<<"$f")")
        done
        floor=$(printf '%s\n' "${floors[@]}" | sort -n | sed -n 2p)
        echo "RESULT delay ${delay}us/way network floor: echo-flood sends $COUNT echo requests and reads the replies in $floor ms (median of 3: ${floors[*]}); ping RTT $rtt ms"
        [ "$delay" = 0 ] || bench_delay_down
done
