#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/client-setuid-limits.sh: privilege is not carried across
# setuid().  The daemon exempts root from its per-user limits and knows a
# client by the credentials its connection was made with (SO_PEERCRED), and
# the client library keeps its connections between calls.  A program that
# resolves as root, drops to nobody with setuid() and goes on resolving in
# the same process (tests/lab/setuid-lookups.c, through libaarp) must be
# held to nobody's fresh-probe limit (ProbeRateLimit=1, ProbeRateBurst=20):
# of 100 fresh addresses after the drop some are refused with
# LimitExceeded, as they are for a process that was nobody from the start
# - not all served on root's kept connection.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/client-common.sh"

SETUID_LOOKUPS=$LAB_BUILD_ROOT/tests/lab/setuid-lookups
[ -x "$SETUID_LOOKUPS" ] || lab_die "$SETUID_LOOKUPS is not built"
N=100
BURST=20

lab_up
lab_start_daemon "ProbeRateLimit=1" "ProbeRateBurst=$BURST" "RequestsPerClient=0" "MemberProbes=0"

field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) v = $(i + 1) } END { print v }' <<<"$1"; }

p0=$(prop ProbesSent)
expect_rc 0 in_client "$SETUID_LOOKUPS" "$LAB_ANYCAST" "$LAB_BURST_PREFIX" "$N" 65534
echo "  root lookup, setuid(65534), $N fresh addresses: $OUT${ERR:+ ($ERR)}; ProbesSent +$(($(prop ProbesSent) - p0))"
ok=$(field "$OUT" ok)
limited=$(field "$OUT" limited)
other=$(field "$OUT" other)
[ "$other" -eq 0 ] || fail "after setuid(65534): $other lookups failed otherwise than LimitExceeded: $ERR"
[ "$limited" -gt 0 ] ||
        fail "after setuid(65534) all $ok of $N fresh probes were served: the process kept root's exemption from ProbeRateLimit= (burst $BURST)"
[ "$ok" -ge 1 ] || fail "after setuid(65534) no lookup was served at all"
pass "after setuid(65534): $ok served, $limited refused with LimitExceeded (nobody's limit, not root's exemption)"
daemon_alive
