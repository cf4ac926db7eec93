#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/nss-dlopen-entry-points.sh: the built libnss_aarp.so.2, dlopen()ed
# by tests/nss/test-nss-hosts, against the real daemon in the lab: every
# entry point and family with buffers from 0 bytes up (peer-to-peer socket
# and system-bus fallback), threads and fork, a daemon restart under a kept
# connection, a stopped daemon (bounded wait), a stopped-for-good daemon
# (UNAVAIL at once) and AARP_NSS_BYPASS.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TEST_BIN=$LAB_BUILD_ROOT/tests/nss/test-nss-hosts
[ -x "$LAB_BUILD_ROOT/tests/nss/test-nss-self-marker" ] || lab_die "test-nss-self-marker is not built"
MODULE=$LAB_BUILD_ROOT/nss/libnss_aarp.so.2
[ -x "$TEST_BIN" ] && [ -f "$MODULE" ] || lab_die "test-nss-hosts or the module is not built"

lab_up
# The daemon reads /etc/hosts; 'ip netns exec' mounts this one over it.
NETNS_ETC=/etc/netns/${LAB_PREFIX}client
DNSMASQ_PID=
cleanup_netns_etc() {
        [ -z "$DNSMASQ_PID" ] || kill "$DNSMASQ_PID" 2>/dev/null || true
        rm -rf "$NETNS_ETC"
}
trap 'cleanup_netns_etc; lab_down' EXIT
trap 'cleanup_netns_etc; lab_down; exit 130' INT
trap 'cleanup_netns_etc; lab_down; exit 143' TERM
mkdir -p "$NETNS_ETC"
cat >"$NETNS_ETC/hosts" <<HOSTS
127.0.0.1 localhost
192.0.2.1 dual.test
$LAB_MEMBER1_ADDR dual.test
198.51.100.7 v4only.test
$LAB_MEMBER2_ADDR v6only.test v6alias.test
$LAB_ANYCAST anycast.test
192.0.2.99 hung-only.test
HOSTS
# A nameserver that knows .test is local and answers NXDOMAIN for the rest
# of it, so a missing name is NoSuchName, not TemporaryFailure.
echo "nameserver ::1" >"$NETNS_ETC/resolv.conf"
lab_ns client dnsmasq -k --port 53 --listen-address=::1 --bind-interfaces --no-resolv --no-hosts \
        --local=/test/ --user=root --pid-file= --log-facility=- 2>"$LABDIR/dnsmasq.log" &
DNSMASQ_PID=$!

lab_start_daemon

# Expectations: IPv4 unchanged, unicast IPv6 unchanged, the anycast address
# replaced by member1's unicast address; canonical name from the hosts line.
EXPECT=(
        "dual.test@dual.test=192.0.2.1,$LAB_MEMBER1_ADDR"
        "v4only.test=198.51.100.7"
        "v6alias.test@v6only.test=$LAB_MEMBER2_ADDR"
        "anycast.test@anycast.test=$LAB_MEMBER1_ADDR"
        "no-such-name.test=!"
)
p2p=(env AARP_RUNTIME_DIR="$LABDIR/run")
bus=(env AARP_RUNTIME_DIR="$LABDIR/no-such-dir")

echo "# peer-to-peer socket"
lab_client "${p2p[@]}" "$TEST_BIN" "$MODULE" up "${EXPECT[@]}" || fail "dlopen test over the peer socket"
echo "# system bus fallback"
lab_client "${bus[@]}" "$TEST_BIN" "$MODULE" up "${EXPECT[@]}" || fail "dlopen test over the system bus"

echo "# AARP_NSS_BYPASS=1: UNAVAIL at once with the daemon up"
lab_client "${p2p[@]}" AARP_NSS_BYPASS=1 "$TEST_BIN" "$MODULE" down dual.test ||
        fail "AARP_NSS_BYPASS=1 did not make the module step aside"

echo "# inside the daemon (aarp_resolved_self_marker exported): UNAVAIL at once"
lab_client "${p2p[@]}" "$LAB_BUILD_ROOT/tests/nss/test-nss-self-marker" "$MODULE" down dual.test ||
        fail "the module did not step aside in a process exporting aarp_resolved_self_marker"

echo "# daemon restarted under a kept connection"
mkfifo "$LABDIR/restart-req" "$LABDIR/restart-ack"
lab_client "${p2p[@]}" "$TEST_BIN" "$MODULE" restart "${EXPECT[0]}" "${EXPECT[3]}" -- \
        "echo go >$LABDIR/restart-req; cat $LABDIR/restart-ack >/dev/null" &
tester=$!
read -r _ <"$LABDIR/restart-req"
lab_stop_daemon || fail "daemon did not stop cleanly"
lab_start_daemon
echo done >"$LABDIR/restart-ack"
wait "$tester" || fail "lookups after a daemon restart failed (or SIGPIPE killed the process)"

echo "# daemon stopped (SIGSTOP): bounded wait"
# A name never looked up before: names the daemon answered are still served
# from its published snapshot while it is stopped (it is alive, and they
# are valid); a new one must wait for the daemon, at most the bound.
kill -STOP "$(lab_daemon_pid)"
rc=0
lab_client "${p2p[@]}" "$TEST_BIN" "$MODULE" hung hung-only.test || rc=$?
kill -CONT "$(lab_daemon_pid)"
[ "$rc" = 0 ] || fail "a stopped daemon was not bounded by the client timeout"

echo "# daemon not running: UNAVAIL at once (peer socket gone, bus without the name)"
lab_stop_daemon || fail "daemon did not stop cleanly"
lab_client "${p2p[@]}" "$TEST_BIN" "$MODULE" down dual.test || fail "daemon down over the peer socket"
lab_client "${bus[@]}" "$TEST_BIN" "$MODULE" down dual.test || fail "daemon down over the bus"
echo "# no bus either"
lab_client env AARP_RUNTIME_DIR="$LABDIR/no-such-dir" DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent \
        "$TEST_BIN" "$MODULE" down dual.test || fail "daemon and bus down"

pass "libnss_aarp.so.2 dlopen test"
