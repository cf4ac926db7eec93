#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/client-aarp-run-signals.sh: aarp-run keeps sendto() and
# recvfrom() async-signal-safe.  POSIX lets a signal handler call them, also
# while the interrupted code is inside the same calls; through the shim
# (client/shim/shim.c) both look at the shim's state, and a lock held there by
# the interrupted flow must not be waited for by the handler on the same
# thread.  tests/lab/signal-sender.c sends to the anycast address (and reads
# the replies) in a loop while a 100 us interval timer's SIGALRM handler does
# the same; under aarp-run it must finish, three runs out of three, as it
# does without aarp-run, with the sends rewritten to member1 and its replies
# reported as coming from the anycast address.  Each run is bounded by timeout(1) far above its normal time.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/client-common.sh"

SIGNAL_SENDER=$LAB_BUILD_ROOT/tests/lab/signal-sender
[ -x "$SIGNAL_SENDER" ] || lab_die "$SIGNAL_SENDER is not built"
A=$LAB_ANYCAST
SIGNALS=20000

# Under tests/sanitize.sh signal-sender and the shim are both instrumented,
# and the shim is preloaded ahead of the ASan runtime the program links:
# that order is fine here (the runtime initialises from the program's
# preinit_array, before any constructor) but ASan refuses it by default.
[ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"

lab_up
lab_start_daemon

# from_address N: replies reported as coming from the address sent to.
from_address() { awk '{ for (i = 1; i < NF; i++) if ($i == "from_address") print $(i + 1) }' <<<"$1"; }

expect_rc 0 in_client timeout 60 "$SIGNAL_SENDER" "$A" 7 "$SIGNALS"
[ "$(from_address "$OUT")" -eq 0 ] || fail "without aarp-run replies came from $A: $OUT"
pass "without aarp-run: $OUT (the member answers from its own address)"
for run in 1 2 3; do
        rc=0
        OUT=$(in_client timeout -k 5 60 "$AARP_RUN" "$SIGNAL_SENDER" "$A" 7 "$SIGNALS" 2>"$LABDIR/stderr") || rc=$?
        [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] ||
                fail "run $run: aarp-run signal-sender hung (killed by timeout after 60 s): a signal handler's sendto() deadlocked in the shim"
        [ "$rc" -eq 0 ] || fail "run $run: aarp-run signal-sender exited $rc: $OUT $(cat "$LABDIR/stderr")"
        [ "$(from_address "$OUT")" -gt 0 ] ||
                fail "run $run: no reply reported from $A: the sends were not rewritten to member1 ($OUT)"
        pass "run $run under aarp-run: $OUT"
done
daemon_alive
