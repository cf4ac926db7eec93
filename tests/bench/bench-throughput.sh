#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-throughput.sh: cached resolutions per
# second through the daemon with 2 client threads, over the peer-to-peer
# socket (io.socket, the fastest IPC path) and over the system bus
# (dbus-daemon in between), 1 thread alongside for scale.  The target is
# quoted against nss-resolve's ~14,000 lookups/s (measured earlier on
# this kind of machine; systemd-resolved is not part of the lab).
#   AARP_BUILD_ROOT=build bash tests/bench/bench-throughput.sh [SECONDS]
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/bench/bench-lib.sh"

SECONDS_PER_RUN=${1:-5}
NSS_RESOLVE_BASELINE=14000

bench_header "bench-throughput: cached ResolveAddress per second"
lab_up
bench_start_daemon
bench_client resolve "$LAB_ANYCAST" 1 >/dev/null || fail "first resolution failed"

# utime + stime of a process, in clock ticks.
cpu_ticks() {
        awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# Two rounds, transports alternating, so drift in the machine's load hits
# both alike.
for round in 1 2; do
        for transport in p2p bus; do
                for spec in "1 own" "2 own" "2 shared"; do
                        read -r threads conn <<<"$spec"
                        [ "$conn" = own ] && extra=() || extra=(shared)
                        d0=$(cpu_ticks "$BENCH_DAEMON_PID") b0=$(cpu_ticks "$LAB_BUS_PID")
                        out=$(AARP_BENCH_TRANSPORT=$transport bench_client throughput "$LAB_ANYCAST" \
                                "$threads" "$SECONDS_PER_RUN" "${extra[@]}") || fail "$transport $spec: $out"
                        echo "$out"
                        d1=$(cpu_ticks "$BENCH_DAEMON_PID") b1=$(cpu_ticks "$LAB_BUS_PID")
                        awk -v t="$transport" -v r="$round" -v base="$NSS_RESOLVE_BASELINE" \
                            -v dt=$((d1 - d0)) -v bt=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" '{
                                for (i = 1; i < NF; i++) {
                                        if ($i == "lookups_per_s") rate = $(i + 1)
                                        if ($i == "threads") th = $(i + 1)
                                        if ($i == "connections") c = $(i + 1)
                                        if ($i == "lookups") n = $(i + 1)
                                        if ($i == "client_cpu_us_per_lookup") ccpu = $(i + 1)
                                }
                                printf "RESULT round %d %-4s threads %d connections %-10s %8.0f lookups/s  vs nss-resolve %d/s: %.2fx  cpu us/lookup: daemon %.1f client %.1f dbus-daemon %.1f\n",
                                        r, t, th, c, rate, base, rate / base, dt * 1e6 / hz / n, ccpu, bt * 1e6 / hz / n
                        }' <<<"$out"
                done
        done
done
echo "## daemon: CacheHits $(bench_prop CacheHits) CacheMisses $(bench_prop CacheMisses)"
