#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-shim.sh: what aarp-run's shim adds per
# sendto() with the mapping cached in the shim.  udp-loop sends datagrams to
# member1's UDP service and waits for each answer:
#   baseline: no shim, straight to member1's unicast address U;
#   shim:     under aarp-run, to the anycast address A (rewritten to U on
#             sendto, the answer's source rewritten back to A on recvfrom);
#   shim-U:   under aarp-run, to U (a cached "unicast" mapping).
# Alternating in rounds; the figures are the sendto() call alone and the
# whole request/response.  Target: at most 1 us more per sendto().
# Then, if strace is installed, the system calls each case makes per
# exchange (a count, so immune to the machine's noise): the shim's hot path
# should add none.
#   AARP_BUILD_ROOT=build bash tests/bench/bench-shim.sh [COUNT] [ROUNDS]
source "${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/bench/bench-lib.sh"

COUNT=${1:-20000}
ROUNDS=${2:-5}
LOOP=$BENCH_BIN/udp-loop
AARP_RUN=$LAB_BUILD_ROOT/client/shim/aarp-run
for bin in "$LOOP" "$AARP_RUN" "$LAB_BUILD_ROOT/client/shim/libaarp-run.so"; do
        [ -x "$bin" ] || [ -f "$bin" ] || lab_die "$bin is not built"
done

bench_header "bench-shim: UDP request/response with and without aarp-run"
lab_up
bench_start_daemon

run() {
        local tag=$1
        shift
        lab_client env AARP_RUNTIME_DIR="$LABDIR/run" nice -n 5 "$@" 7 "$COUNT" | sed "s/^/$tag /"
}

all=""
for ((r = 1; r <= ROUNDS; r++)); do
        all+=$(run baseline "$LOOP" "$LAB_MEMBER1_ADDR")$'\n'
        all+=$(run shim "$AARP_RUN" "$LOOP" "$LAB_ANYCAST")$'\n'
        all+=$(run shim-U "$AARP_RUN" "$LOOP" "$LAB_MEMBER1_ADDR")$'\n'
done
echo -n "$all"
# Median over rounds of each p50 (ns), then the differences and ratios
# (mawk has no asort: sort in the shell first).
med=$(awk '{ for (i = 1; i < NF; i++) if ($i == "p50_ns") print $1 "_" $2, $(i + 1) }' <<<"$all" |
        sort -k1,1 -k2,2n | awk '{ v[$1, ++n[$1]] = $2 } END { for (k in n) print k, v[k, int((n[k] + 1) / 2)] }')
awk '
        { m[$1] = $2 }
        END {
                printf "RESULT sendto p50: baseline %d ns, shim (A->U) %d ns, shim (U) %d ns: %+d ns (%.2fx), %+d ns (%.2fx) per sendto\n",
                        m["baseline_sendto"], m["shim_sendto"], m["shim-U_sendto"],
                        m["shim_sendto"] - m["baseline_sendto"], m["shim_sendto"] / m["baseline_sendto"],
                        m["shim-U_sendto"] - m["baseline_sendto"], m["shim-U_sendto"] / m["baseline_sendto"]
                printf "RESULT request/response p50: baseline %d ns, shim (A->U) %d ns, shim (U) %d ns: %+d ns (%.2fx), %+d ns (%.2fx) per exchange (sendto + recvfrom)\n",
                        m["baseline_roundtrip"], m["shim_roundtrip"], m["shim-U_roundtrip"],
                        m["shim_roundtrip"] - m["baseline_roundtrip"], m["shim_roundtrip"] / m["baseline_roundtrip"],
                        m["shim-U_roundtrip"] - m["baseline_roundtrip"], m["shim-U_roundtrip"] / m["baseline_roundtrip"]
        }' <<<"$med"

# System calls per exchange, counted by strace -c over SYSCALL_COUNT
# exchanges (what the program does once - loading, the daemon lookup -
# adds well under 0.1 per exchange at this count).
SYSCALL_COUNT=5000
syscalls() { # TAG COMMAND...
        local out=$LABDIR/strace-$1.txt
        lab_client env AARP_RUNTIME_DIR="$LABDIR/run" strace -f -qq -c -o "$out" "${@:2}" 7 "$SYSCALL_COUNT" >/dev/null ||
                lab_die "strace $1 failed"
        awk -v tag="$1" -v n="$SYSCALL_COUNT" '
                $NF == "total" { total = $4 }
                $NF ~ /^(sendto|recvfrom|getsockopt|fstat|newfstatat|statx)$/ { c[$NF == "newfstatat" || $NF == "statx" ? "fstat" : $NF] += $4 }
                END {
                        printf "SYSCALLS %s: %.2f per exchange (sendto %.2f, recvfrom %.2f, getsockopt %.2f, fstat %.2f)\n",
                                tag, total / n, c["sendto"] / n, c["recvfrom"] / n, c["getsockopt"] / n, c["fstat"] / n
                }' "$out"
}
if command -v strace >/dev/null; then
        syscalls baseline "$LOOP" "$LAB_MEMBER1_ADDR"
        syscalls shim "$AARP_RUN" "$LOOP" "$LAB_ANYCAST"
        syscalls shim-U "$AARP_RUN" "$LOOP" "$LAB_MEMBER1_ADDR"
else
        echo "SYSCALLS: strace is not installed, not counted"
fi
