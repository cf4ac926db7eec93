#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An on-path attacker in the router's namespace answers every probe at once
# with forged echo replies (wrong nonce, identifier, sequence, code, length;
# from its own address, from the target, from ::).  No result changes, and
# the daemon counts what it rejected.
source "$(dirname "$0")/common.sh"

lab_up
lab_start_daemon "ProbeTimeout=300ms" "ProbeRetries=1"

lab_spawn router "$LABDIR/forge.out" "$LABDIR/forge.err" "$LAB_FORGE_BIN" -i "$LAB_ROUTER_CLIENT_IF" \
        -c "$LAB_CLIENT_ADDR" -a "$LAB_ATTACKER" -t 900 -r "$LABDIR/forge.ready"
forge_pid=$LAB_SPAWNED
lab_wait_for 5 test -s "$LABDIR/forge.ready" || fail "forge-replies did not start: $(cat "$LABDIR/forge.err")"

rejected0=$(prop RepliesRejected)
for _ in 1 2 3 4 5; do
        expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE 1
        expect_resolve "$LAB_MEMBER2_ADDR" "$LAB_MEMBER2_ADDR" UNICAST ANYCAST 1
        expect_resolve "$LAB_SILENT" "$LAB_SILENT" NO_REPLY ANYCAST 1
done
# The same with the cache in use: the first answer is the one cached.
lab_flush
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST FROM_CACHE
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" FROM_CACHE

kill -TERM "$forge_pid"
wait "$forge_pid" || fail "forge-replies failed: $(cat "$LABDIR/forge.err")"
read -r _ requests _ forged <"$LABDIR/forge.out" || fail "no summary from forge-replies"
rejected=$(($(prop RepliesRejected) - rejected0))
echo "  attacker saw $requests echo requests and sent $forged forged replies; RepliesRejected grew by $rejected"
[ "$requests" -ge 16 ] || fail "the attacker saw only $requests requests; the test did not exercise it"
[ "$rejected" -ge "$requests" ] ||
        fail "RepliesRejected grew by $rejected for $forged forged replies to $requests probes"
if [ "$rejected" -lt "$forged" ]; then
        echo "  note: $((forged - rejected)) forged replies were not counted as rejected"
fi
pass "forged replies never changed a result; $rejected rejected"
daemon_alive
