#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/introspect-monitor.sh: aarp-resolve monitor against
# the lab daemon on the lab's bus.  A monitor run by root sees a lookup
# made by uid 65534 and one made by root, with who asked, what, the answer,
# cache or probe and the RTT; a monitor run by uid 65534 sees its own
# lookup but not root's (the signals are unicast and filtered by uid, never
# broadcast: a match rule on Resolutions of uid 65534's own receives
# nothing either).  --json gives one object per line.  SIGTERM
# ends a monitor with exit 0; a fifth monitor of one user is refused
# (LimitExceeded, exit 1); Monitor over io.socket is NotSupported; stopping the daemon ends the rest with exit 3
# and a message.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/introspect-common.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
U2=$LAB_MEMBER2_ADDR

lab_up
lab_start_daemon

# start_monitor NAME [as_nobody] ARGS...: aarp-resolve monitor ARGS in the
# background, stdout in $LABDIR/NAME.out, stderr in NAME.err; waits until
# it is subscribed.  Its pid in MON_PID.
start_monitor() {
        local name=$1
        shift
        local -a who=()
        if [ "${1:-}" = as_nobody ]; then
                who=("${NOBODY[@]}")
                shift
        fi
        : >"$LABDIR/$name.err"
        # A simple command, so that $! is aarp-resolve itself (ip and env
        # exec it), not a subshell: signals must reach it.
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$LABDIR/run" "${who[@]}" "$AARP_RESOLVE" monitor "$@" \
                >"$LABDIR/$name.out" 2>"$LABDIR/$name.err" &
        MON_PID=$!
        LAB_PIDS+=("$MON_PID")
        lab_wait_for 10 grep -q "monitoring resolutions" "$LABDIR/$name.err" ||
                fail "monitor $name did not subscribe: $(cat "$LABDIR/$name.err")"
}

# wait_exit PID SECONDS: its exit status in RC (124: still running).
wait_exit() {
        local pid=$1 seconds=$2
        RC=124
        lab_wait_for "$seconds" lab_pid_gone "$pid" || return 0
        RC=0
        wait "$pid" || RC=$?
}

start_monitor root-json --json
ROOT_JSON=$MON_PID
start_monitor root-text
ROOT_TEXT=$MON_PID
start_monitor nobody-json as_nobody --json
NOBODY_JSON=$MON_PID
# A signal subscription of uid 65534's own on the Resolutions member: the
# daemon never broadcasts, so nothing may arrive here.
"${NOBODY[@]}" timeout 30 dbus-monitor --system \
        "type='signal',interface='$LAB_IFACE',member='Resolutions'" >"$LABDIR/snoop.out" 2>&1 &
SNOOP=$!
LAB_PIDS+=("$SNOOP")

echo "# root resolves $U2, then uid 65534 resolves $A"
expect_rc 0 in_client "$AARP_RESOLVE" "$U2"
expect_rc 0 as_nobody "$AARP_RESOLVE" "$A"
[[ $OUT == "$A: $U1 -- anycast, probe, "* ]] || fail "nobody's lookup of $A: $OUT"

lab_wait_for 10 grep -q "\"uid\": 65534" "$LABDIR/nobody-json.out" ||
        fail "nobody's monitor did not see its own lookup: $(cat "$LABDIR/nobody-json.out")"
lab_wait_for 10 grep -q "\"uid\": 65534" "$LABDIR/root-json.out" ||
        fail "root's monitor did not see nobody's lookup: $(cat "$LABDIR/root-json.out")"
lab_wait_for 10 grep -q " uid 65534 " "$LABDIR/root-text.out" ||
        fail "root's text monitor did not see nobody's lookup: $(cat "$LABDIR/root-text.out")"
sed 's/^/  root: /' "$LABDIR/root-json.out"
sed 's/^/  root (text): /' "$LABDIR/root-text.out"
sed 's/^/  nobody: /' "$LABDIR/nobody-json.out"

json_lines "$LABDIR/root-json.out" || fail "root's --json monitor output does not parse line by line"
json_lines "$LABDIR/nobody-json.out" || fail "nobody's --json monitor output does not parse line by line"
python3 - "$LABDIR/root-json.out" "$LABDIR/nobody-json.out" "$A" "$U1" "$U2" <<'PY' || fail "monitor events are not as expected"
import json, sys
root = [json.loads(l) for l in open(sys.argv[1])]
nobody = [json.loads(l) for l in open(sys.argv[2])]
a, u1, u2 = sys.argv[3:6]
mine = [e for e in root if e["uid"] == 0 and e["query"] == u2]
assert mine and mine[0]["method"] == "ResolveAddressMembers" and mine[0]["answers"] == [u2], root
assert mine[0]["source"] == "probe" and mine[0]["error"] is None and mine[0]["rtt_usec"] > 0, mine
theirs = [e for e in root if e["uid"] == 65534 and e["query"] == a]
assert theirs and theirs[0]["answers"][0] == u1 and theirs[0]["flags"] & 0x10000, root
assert theirs[0]["ttl_sec"] > 0 and theirs[0]["timestamp_usec"] > 0, theirs
assert all(e["uid"] == 65534 for e in nobody), nobody
assert [e["query"] for e in nobody] == [a], nobody
PY
pass "root saw uid 0 ($U2) and uid 65534 ($A -> $U1); uid 65534 saw only its own"
grep -Eq "^[0-9:.]+ uid 65534 ResolveAddressMembers $A -> $U1 \(probe, ttl [0-9]+s, anycast, rtt [0-9.]+ms\)$" \
        "$LABDIR/root-text.out" || fail "root's text monitor line: $(cat "$LABDIR/root-text.out")"
pass "text: $(grep ' uid 65534 ' "$LABDIR/root-text.out")"

echo "# a cache hit, a name and an error"
expect_rc 0 as_nobody "$AARP_RESOLVE" "$A"
expect_rc 1 as_nobody "$AARP_RESOLVE" nosuch.invalid
lab_wait_for 10 grep -q "nosuch.invalid" "$LABDIR/nobody-json.out" ||
        fail "nobody's monitor missed the failed name lookup"
python3 - "$LABDIR/nobody-json.out" "$A" <<'PY' || fail "cache hit or error not reported: $(cat "$LABDIR/nobody-json.out")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
hits = [e for e in ev if e["query"] == sys.argv[2] and e["source"] == "cache"]
assert hits and hits[0]["flags"] & 0x20000, ev
bad, = [e for e in ev if e["query"] == "nosuch.invalid"]
assert bad["method"] == "ResolveHostname" and bad["error"] in ("NoSuchName", "TemporaryFailure"), bad
assert bad["answers"] == [], bad
PY
pass "cache hits and failed lookups are reported"

sleep 0.5 # past one flush interval after the last event
sed 's/^/  uid 65534 dbus-monitor: /' "$LABDIR/snoop.out"
grep -q "member=NameAcquired" "$LABDIR/snoop.out" || fail "uid 65534's dbus-monitor did not run: $(cat "$LABDIR/snoop.out")"
! grep -q "Resolutions" "$LABDIR/snoop.out" || fail "uid 65534's match rule received Resolutions: $(cat "$LABDIR/snoop.out")"
pass "no Resolutions signal reached uid 65534's own match rule (not broadcast)"
kill "$SNOOP" 2>/dev/null || true

echo "# SIGTERM ends a monitor cleanly"
kill -TERM "$ROOT_TEXT"
wait_exit "$ROOT_TEXT" 10
[ "$RC" -eq 0 ] || fail "the monitor exited $RC on SIGTERM"
pass "SIGTERM: exit 0"

echo "# io.socket has no bus name to watch: Monitor is refused there"
rc=0
out=$(LAB_DBUS_PEER="unix:path=$LABDIR/run/io.socket" lab_call Monitor "()" 2>&1) || rc=$?
[ "$rc" -ne 0 ] && [[ $out == *org.freedesktop.DBus.Error.NotSupported* ]] || fail "Monitor over io.socket: $out"
pass "io.socket: $out"

echo "# at most 4 monitors per user"
extra=()
for i in 2 3 4; do
        start_monitor "nobody-$i" as_nobody
        extra+=("$MON_PID")
done
expect_rc 1 as_nobody "$AARP_RESOLVE" monitor
[ "$ERR" = "aarp-resolve: too many monitors running (see aarp-resolve(1))" ] || fail "fifth monitor: '$ERR'"
pass "a fifth monitor of uid 65534 is refused: $ERR"

echo "# stopping the daemon ends every monitor"
lab_stop_daemon || fail "the daemon did not exit cleanly"
for pid in "$ROOT_JSON" "$NOBODY_JSON" "${extra[@]}"; do
        wait_exit "$pid" 10
        [ "$RC" -eq 3 ] || fail "monitor $pid exited $RC after the daemon stopped, expected 3"
done
grep -qx "aarp-resolve: aarp-resolved went away: monitoring ended" "$LABDIR/root-json.err" ||
        fail "root's monitor said: $(cat "$LABDIR/root-json.err")"
pass "the daemon stopped: every monitor ended with exit 3 and '$(tail -n 1 "$LABDIR/root-json.err")'"
