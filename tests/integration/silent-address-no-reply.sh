#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An address that never answers comes back itself with NO_REPLY, after
# ProbeTimeout x (1 + ProbeRetries): no sooner (the wall clock, a floor),
# and the daemon gave up after exactly 1 + ProbeRetries attempts of
# ProbeTimeout each (its log and ProbesSent; a wall-clock ceiling would
# measure the client's start-up on a loaded machine); the negative answer
# is cached.
source "$(dirname "$0")/common.sh"

timeout_ms=300 retries=2
lab_up
lab_start_daemon "ProbeTimeout=${timeout_ms}ms" "ProbeRetries=$retries"

budget=$((timeout_ms * (1 + retries)))
probes0=$(prop ProbesSent)
timeouts0=$(prop ProbeTimeouts)
t0=$(now_ms)
expect_resolve "$LAB_SILENT" "$LAB_SILENT" NO_REPLY ANYCAST
elapsed=$(($(now_ms) - t0))
echo "  elapsed ${elapsed} ms for a budget of ${budget} ms"
[ "$elapsed" -ge $((budget - 50)) ] || fail "NO_REPLY after ${elapsed} ms, before the ${budget} ms of timeout x attempts"
grep -q "probe $LAB_SILENT%[0-9-]*: no reply to $((1 + retries)) attempts of $timeout_ms ms" "$LABDIR/daemon.log" ||
        fail "the daemon does not report giving up after $((1 + retries)) attempts of $timeout_ms ms: $(grep 'no reply' "$LABDIR/daemon.log" | tail -n 3)"
sent=$(($(prop ProbesSent) - probes0))
[ "$sent" -eq $((1 + retries)) ] || fail "ProbesSent grew by $sent, expected $((1 + retries)) (1 + ProbeRetries)"
[ "$(prop ProbeTimeouts)" -eq $((timeouts0 + 1)) ] || fail "ProbeTimeouts did not grow by 1"
pass "silent address: NO_REPLY in ${elapsed} ms (budget ${budget} ms), $sent echo requests"

t0=$(now_ms)
expect_resolve "$LAB_SILENT" "$LAB_SILENT" NO_REPLY
elapsed=$(($(now_ms) - t0))
lab_has_flag "$R_FLAGS" FROM_CACHE || fail "second query for the silent address was not FROM_CACHE"
[ "$R_TTL" -le 30 ] || fail "NO_REPLY answer has ttl $R_TTL > NoReplyTTL default 30"
pass "negative answer cached (${elapsed} ms)"
daemon_alive
