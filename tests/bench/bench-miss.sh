#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-miss.sh: the miss path.  The first
# resolution of an anycast address should cost one probe round trip plus at
# most 0.3 ms.  Measured in the lab with no added delay and with
# tun-delay adding DELAY_USEC each way (default 10 ms: RTT 20 ms), side by
# side with the RTT ping measures on the same path:
#   - ResolveAddress(A, NO_CACHE), and the first ResolveAddress(A) after
#     FlushCaches (p2p socket, the fastest client path);
#   - ResolveHostname of a hosts-file name that maps to A (waits for member
#     discovery: MemberProbes=16, the default, vs MemberProbes=0);
#   - ResolveHostname of a DNS name (AAAA = another anycast address) whose
#     only nameserver is itself the anycast address A (tests/lab/lab-dns.sh):
#     cold (A unknown) and with A's mapping already cached.
# Each is reported in RTTs: time / RTT, and time - n x RTT.
#   AARP_BUILD_ROOT=build bash tests/bench/bench-miss.sh [DELAY_USEC] [COUNT]
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/bench/bench-lib.sh"
# shellcheck source=../lab/lab-dns.sh
source "$LAB_SOURCE_ROOT/tests/lab/lab-dns.sh"

DELAY_USEC=${1:-10000}
COUNT=${2:-15}
FAR_NAME=far.lab
FAR_ADDR=${LAB_BURST_ADDRS[0]}   # anycast, on member1, not the DNS server
HOSTS_NAME=anyhost.lab

bench_header "bench-miss: first resolution vs the probe RTT"
lab_up
lab_dns_up
# far.lab on both members' DNS servers: an anycast answer other than the
# server's own address, so its probe is a real second probe.
for m in member1 member2; do
        echo "$FAR_ADDR $FAR_NAME" >>"$LABDIR/dns-$m.hosts"
        for pid in $(ip netns pids "$LAB_PREFIX$m"); do
                [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dnsmasq ] || kill -HUP "$pid"
        done
done
echo "$LAB_ANYCAST $HOSTS_NAME" >>"$LAB_NETNS_ETC/hosts"
lab_dns_nsswitch 'files aarp [!UNAVAIL=return] dns'

# summary LABEL RTT_MS N_RTT OUTPUT: p50 in RTTs and the overhead over N
# RTTs, both against ping's RTT and against the RTT the daemon measured for
# its own probe (daemon_rtt; ping adds its own userspace time).
summary() {
        local label=$1 rtt=$2 n=$3 out=$4
        awk -v label="$label" -v rtt="$rtt" -v n="$n" '
                /^(resolve|hostname)_time/ { for (i = 1; i < NF; i++) if ($i == "p50_us") p50 = $(i + 1) / 1000 }
                /^daemon_rtt/ { for (i = 1; i < NF; i++) if ($i == "p50_us") drtt = $(i + 1) / 1000 }
                END {
                        printf "RESULT %-50s p50 %8.3f ms  ping_rtt %7.3f ms  p50/rtt %5.2f  expected %d rtt  overhead %+7.3f ms",
                                label, p50, rtt, p50 / rtt, n, p50 - n * rtt
                        if (drtt > 0 && n > 0) printf "  (vs daemon_rtt %.3f ms: %+7.3f ms)", drtt, p50 - n * drtt
                        printf "\n"
                }' <<<"$out"
}

measure() {
        local tag=$1 probes=$2 rtt out
        rtt=$(bench_ping_rtt "$LAB_MEMBER1_ADDR" 20)
        [ -n "$rtt" ] || fail "ping measured no RTT"
        echo "## $tag: ping RTT client -> member1: $rtt ms (mean of 20)"
        bench_client resolve "$LAB_ANYCAST" 200 >/dev/null || fail "warm-up failed"
        out=$(bench_client resolve "$LAB_ANYCAST" 2000) || fail "cached resolve failed"
        echo "$out"
        summary "$tag cached ResolveAddress (IPC only)" "$rtt" 0 "$out"
        # Back to back (no gap): a sample may join the previous one's member
        # discovery still in flight (see BENCHMARKS.md).
        out=$(BENCH_GAP_MS=0 bench_client resolve "$LAB_ANYCAST" "$COUNT" nocache) || fail "NO_CACHE resolve failed"
        echo "$out"
        summary "$tag ResolveAddress NO_CACHE back-to-back" "$rtt" 1 "$out"
        out=$(bench_client resolve "$LAB_ANYCAST" "$COUNT" nocache) || fail "NO_CACHE resolve failed"
        echo "$out"
        summary "$tag ResolveAddress NO_CACHE" "$rtt" 1 "$out"
        out=$(bench_client resolve "$LAB_ANYCAST" "$COUNT" flush) || fail "resolve after flush failed"
        echo "$out"
        summary "$tag ResolveAddress after FlushCaches" "$rtt" 1 "$out"
        out=$(bench_client hostname "$HOSTS_NAME" "$COUNT") || fail "hosts name failed"
        echo "$out"
        summary "$tag ResolveHostname hosts-file name -> A" "$rtt" $((1 + probes)) "$out"
        out=$(bench_client hostname "$FAR_NAME" "$COUNT" "$LAB_ANYCAST") || fail "DNS name (server cached) failed"
        echo "$out"
        summary "$tag ResolveHostname DNS, server mapping cached" "$rtt" $((2 + probes)) "$out"
        out=$(bench_client hostname "$FAR_NAME" "$COUNT") || fail "DNS name (cold) failed"
        echo "$out"
        summary "$tag ResolveHostname DNS, cold (server anycast)" "$rtt" $((3 + probes)) "$out"
}

for delay in 0 "$DELAY_USEC"; do
        # Between samples: longer than a probe and its member discovery.
        export BENCH_GAP_MS=$((4 * delay / 1000 + 5))
        [ "$delay" = 0 ] || bench_delay_up "$delay"
        for mp in 16 0; do
                bench_start_daemon "MemberProbes=$mp"
                # Discovery adds one round of labelled probes (sent together).
                measure "delay ${delay}us/way MemberProbes=$mp" $((mp > 0 ? 1 : 0))
                echo "## daemon: ProbesSent $(bench_prop ProbesSent) ProbeReplies $(bench_prop ProbeReplies) ProbeTimeouts $(bench_prop ProbeTimeouts)"
                bench_stop_daemon
        done
        [ "$delay" = 0 ] || bench_delay_down
done
