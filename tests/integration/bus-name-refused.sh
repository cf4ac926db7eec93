#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# When the bus refuses org.aarp.Resolve1 the daemon exits 1 and says why in
# words an administrator can act on: the policy does not let its user own
# the name (the first start after a package install when dbus-daemon read
# the policy before the user existed), or another process owns it.
source "$(dirname "$0")/common.sh"

lab_up
lab_write_daemon_config

# run_second LOG [SETPRIV-ARGS...]: a daemon beside the lab's, on the lab's
# bus, with a runtime directory of its own; sets RC.
run_second() {
        local log=$1 run
        shift
        run=$(mktemp -d "$LABDIR/run2.XXXXXX")
        chmod 0777 "$run"
        RC=0
        ip netns exec "${LAB_PREFIX}client" env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
                AARP_RUNTIME_DIR="$run" timeout 20 "$@" "$LAB_DAEMON" --config "$LABDIR/resolved.conf" \
                >"$log" 2>&1 || RC=$?
}

# The lab's policy (data/org.aarp.Resolve1.conf) lets root and aarp-resolve
# own the name; nobody is refused by the bus.
chmod 0644 "$LABDIR/resolved.conf"
chmod 0755 "$LABDIR"
run_second "$LABDIR/nobody.log" setpriv --reuid=65534 --regid=65534 --clear-groups \
        --inh-caps=+net_raw --ambient-caps=+net_raw
cat "$LABDIR/nobody.log"
[ "$RC" -eq 1 ] || fail "daemon as nobody: exit status $RC, expected 1"
grep -q "the D-Bus policy does not allow user nobody to own org.aarp.Resolve1; reload the bus" "$LABDIR/nobody.log" ||
        fail "the refusal by policy is not named: $(cat "$LABDIR/nobody.log")"
grep -q "another instance" "$LABDIR/nobody.log" && fail "a policy refusal is blamed on another instance"
pass "refused by the bus policy: exit 1, the message names the policy, the user and the reload"

# The name held by the lab's daemon: a second one says so.
lab_start_daemon
run_second "$LABDIR/second.log"
cat "$LABDIR/second.log"
[ "$RC" -eq 1 ] || fail "second daemon: exit status $RC, expected 1"
grep -q "the bus name org.aarp.Resolve1 is owned by another process" "$LABDIR/second.log" ||
        fail "the name taken by another process is not named: $(cat "$LABDIR/second.log")"
grep -q "D-Bus policy" "$LABDIR/second.log" && fail "a taken name is blamed on the policy"
daemon_alive
pass "name owned by another daemon: exit 1, the message says so; the first daemon keeps serving"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
