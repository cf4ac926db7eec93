#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/bench-replay.sh: how much probe traffic AARP causes and how
# long to cache (the trade-off AnycastTTL sets).  Runs tests/bench/replay (the real
# resolverd/anycast/cache.c under a simulated workload) sweeping AnycastTTL for
# three rates of member change, then NoReplyTTL and UnicastTTL at the
# default workload, and draws tests/bench/plot-replay.py's SVG.  No lab,
# no root.  Output: stdout, plus $AARP_BENCH_RESULTS/replay-*.dat and
# replay-ttl.svg (default: the build tree's tests/bench/results).
#   AARP_BUILD_ROOT=build bash tests/bench/bench-replay.sh
set -euo pipefail
SRC=${AARP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${AARP_BUILD_ROOT:-$SRC/build}
OUT=${AARP_BENCH_RESULTS:-$BUILD/tests/bench/results}
REPLAY=$BUILD/tests/bench/replay
[ -x "$REPLAY" ] || { echo "bench-replay: $REPLAY is not built" >&2; exit 1; }
mkdir -p "$OUT"

# The default workload: 10k destinations, Zipf 1, 10 lookups/s, 20 %
# anycast with 3 members, 5 % silent, one simulated day.  Rows differ only
# by the TTL swept (same seed, same lookup sequence).
echo "# bench-replay: probes per lookup and stale answers per TTL"
for interval in 600 3600 21600; do
        nice -n 5 "$REPLAY" --change-interval "$interval" --sweep anycast | tee "$OUT/replay-anycast-$interval.dat"
done
nice -n 5 "$REPLAY" --sweep noreply --ttls 0,5,10,30,60,120,300,600 | tee "$OUT/replay-noreply.dat"
nice -n 5 "$REPLAY" --sweep unicast --ttls 0,30,60,300,900,1800,3600 | tee "$OUT/replay-unicast.dat"
# And the probe traffic without member discovery (MemberProbes=0).
nice -n 5 "$REPLAY" --member-probes 0 --sweep anycast | tee "$OUT/replay-anycast-3600-mp0.dat"
python3 "$SRC/tests/bench/plot-replay.py" "$OUT" "$OUT/replay-ttl.svg"
echo "# plot: $OUT/replay-ttl.svg"
