#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/client-stopped-daemon.sh: one process, several lookups,
# a stopped daemon: the client bound (AARP_CLIENT_TIMEOUT_MSEC, 5 s) is
# waited once, not once per lookup.  tests/lab/lookup-names.c resolves names
# in turn through libaarp and the shared client code (client/transport/bus-conn.c),
# going on after a failure; with the daemon SIGSTOPped the first lookup
# waits the bound on its connection and the others must fail at once on
# that same connection instead of opening a new one and waiting again.
# Evidence: the number of connect() calls to io.socket (strace), not
# wall-clock time.  After SIGCONT the daemon answers the next run as usual.
# (faults-daemon-stop-bound checks the same through getent and the NSS
# module; this one runs only programs built here, so it also runs under
# tests/sanitize.sh.)
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/client-common.sh"

LOOKUP_NAMES=$LAB_BUILD_ROOT/tests/lab/lookup-names
[ -x "$LOOKUP_NAMES" ] || lab_die "$LOOKUP_NAMES is not built"

command -v strace >/dev/null || lab_die "strace is missing (run tests/setup.sh)"

lab_up
lab_start_daemon
expect_rc 0 in_client "$AARP_RESOLVE" "$LAB_ANYCAST"
pass "daemon up: aarp-resolve $LAB_ANYCAST: $OUT"

kill -STOP "$LAB_DAEMON_PID"
rc=0
t0=$(now_ms)
# LeakSanitizer cannot run under ptrace: no leak check in the traced run
# (the run after it checks the same path untraced).
in_client env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -o "$LABDIR/resolve.strace" -e trace=connect \
        "$LOOKUP_NAMES" nx-one.lab nx-two.lab nx-three.lab >"$LABDIR/resolve.out" 2>&1 || rc=$?
ms=$(($(now_ms) - t0))
kill -CONT "$LAB_DAEMON_PID"
connects=$(grep -c 'io\.socket' "$LABDIR/resolve.strace" || true)
echo "  lookup-names of 3 names, daemon stopped: exit $rc after $ms ms, $connects connect(s) to io.socket"
sed 's/^/    /' "$LABDIR/resolve.out"
[ "$rc" -eq 0 ] || fail "lookup-names exited $rc: $(cat "$LABDIR/resolve.out")"
[ "$(grep -c '^nx-[a-z]*\.lab ETIMEDOUT ' "$LABDIR/resolve.out")" -eq 3 ] ||
        fail "not every name timed out: $(cat "$LABDIR/resolve.out")"
[ "$connects" -eq 1 ] ||
        fail "3 lookups on a stopped daemon made $connects connections to io.socket, expected 1: each new one waits the whole bound"
pass "stopped daemon: 3 lookups in one process, 1 connection, one bound ($ms ms)"

# Untraced, still stopped: the same outcome (and, under tests/sanitize.sh,
# the leak check of the timed-out and stalled connections).
kill -STOP "$LAB_DAEMON_PID"
rc=0
in_client "$LOOKUP_NAMES" nx-four.lab nx-five.lab >"$LABDIR/resolve.out" 2>&1 || rc=$?
kill -CONT "$LAB_DAEMON_PID"
[ "$rc" -eq 0 ] && [ "$(grep -c '^nx-[a-z]*\.lab ETIMEDOUT ' "$LABDIR/resolve.out")" -eq 2 ] ||
        fail "untraced lookup-names on the stopped daemon: exit $rc: $(cat "$LABDIR/resolve.out")"
pass "untraced: both lookups timed out ($(tr '\n' ';' <"$LABDIR/resolve.out"))"

expect_rc 0 in_client "$AARP_RESOLVE" "$LAB_ANYCAST"
pass "continued daemon: aarp-resolve $LAB_ANYCAST: $OUT"
daemon_alive
