#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/privilege-caps.sh: aarp-resolved
# without root.  The daemon runs as the unprivileged system user "daemon"
# (uid/gid 1; stands in for the packaged aarp-resolve user, which this
# machine does not have: the restarted lab bus gets the same policy for
# it as data/org.aarp.Resolve1.conf gives aarp-resolve), through setpriv:
#   1. only CAP_NET_RAW (inheritable + ambient + bounding set, as the
#      unit's AmbientCapabilities=/CapabilityBoundingSet= give it):
#      CapEff is exactly CAP_NET_RAW, it probes with the raw socket, A ->
#      member1, member2 -> UNICAST, silent -> NO_REPLY;
#   2. no capability at all, its gid inside net.ipv4.ping_group_range:
#      CapEff 0, it falls back to a ping socket and still resolves;
#   3. neither: it does not start (exit 1) and says why, naming both the
#      raw socket and ping_group_range;  ProbeSocket=raw without the
#      capability: the same, naming the raw socket.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

DUSER=daemon
DUID=$(id -u "$DUSER" 2>/dev/null) || lab_die "no user '$DUSER' on this system"
DGID=$(id -g "$DUSER")
CAP_NET_RAW_MASK=0000000000002000

lab_up
faults_bus_restart "$(faults_bus_config_with "<policy user=\"$DUSER\">
    <allow own=\"org.aarp.Resolve1\"/>
    <allow send_destination=\"org.aarp.Resolve1\"/>
  </policy>")"
RUNDIR=$LABDIR/run-$DUSER
mkdir -p "$RUNDIR"
chown "$DUID:$DGID" "$RUNDIR"
AS_USER=(setpriv "--reuid=$DUID" "--regid=$DGID" --clear-groups)

check_resolves() {
        expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
        expect_resolve "$LAB_MEMBER2_ADDR" "$LAB_MEMBER2_ADDR" UNICAST
        expect_resolve "$LAB_SILENT" "$LAB_SILENT" NO_REPLY
}
daemon_uid() { awk '$1 == "Uid:" { print $2 }' "/proc/$LAB_DAEMON_PID/status"; }

echo "# 1. user $DUSER, CAP_NET_RAW only"
# No ping socket possible: whatever works, works through the raw socket.
lab_ns client sysctl -qw net.ipv4.ping_group_range="1 0"
faults_start_daemon_as "$RUNDIR" "${AS_USER[@]}" --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw \
        --bounding-set=-all,+net_raw -- "ProbeTimeout=300ms" "ProbeRetries=1" ||
        fail "the daemon did not start as $DUSER with CAP_NET_RAW (exit $FAULTS_DAEMON_RC): $(tail -n 5 "$LABDIR/daemon.log")"
capeff=$(faults_daemon_capeff)
[ "$(daemon_uid)" = "$DUID" ] || fail "the daemon runs as uid $(daemon_uid), expected $DUID"
[ "$capeff" = "$CAP_NET_RAW_MASK" ] || fail "CapEff $capeff, expected $CAP_NET_RAW_MASK (CAP_NET_RAW alone)"
check_resolves
tail -n 20 "$LABDIR/daemon.log" | grep -q 'probing with a raw ICMPv6 socket' || fail "no 'probing with a raw ICMPv6 socket' in the log"
[ -S "$RUNDIR/io.socket" ] || fail "no io.socket in the daemon's runtime directory"
pass "uid $DUID, CapEff $capeff (CAP_NET_RAW only): raw socket, A -> member1"
lab_stop_daemon || fail "the daemon did not stop cleanly"

echo "# 2. user $DUSER, no capabilities, gid $DGID in ping_group_range"
lab_ns client sysctl -qw net.ipv4.ping_group_range="$DGID $DGID"
faults_start_daemon_as "$RUNDIR" "${AS_USER[@]}" --inh-caps=-all --ambient-caps=-all --bounding-set=-all \
        -- "ProbeTimeout=300ms" "ProbeRetries=1" ||
        fail "the daemon did not start without capabilities (exit $FAULTS_DAEMON_RC): $(tail -n 5 "$LABDIR/daemon.log")"
capeff=$(faults_daemon_capeff)
[ "$capeff" = 0000000000000000 ] || fail "CapEff $capeff, expected none"
check_resolves
tail -n 20 "$LABDIR/daemon.log" | grep -q 'probing with a ping ICMPv6 socket' || fail "no 'probing with a ping ICMPv6 socket' in the log"
pass "uid $DUID, CapEff $capeff: ping socket, A -> member1"
lab_stop_daemon || fail "the daemon did not stop cleanly"

echo "# 3. neither"
lab_ns client sysctl -qw net.ipv4.ping_group_range="1 0"
if faults_start_daemon_as "$RUNDIR" "${AS_USER[@]}" --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- \
        "ProbeTimeout=300ms"; then
        fail "the daemon started with neither CAP_NET_RAW nor a ping socket"
fi
[ "$FAULTS_DAEMON_RC" -eq 1 ] || fail "with no way to probe the daemon exited $FAULTS_DAEMON_RC, expected 1"
msg=$(tail -n 3 "$LABDIR/daemon.log")
echo "  $msg"
grep -q 'raw' <<<"$msg" && grep -q 'ping_group_range' <<<"$msg" ||
        fail "the start failure does not name both the raw socket and ping_group_range: $msg"
pass "no CAP_NET_RAW, no ping socket: exit 1 with a clear message"
if faults_start_daemon_as "$RUNDIR" "${AS_USER[@]}" --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- \
        "ProbeSocket=raw"; then
        fail "ProbeSocket=raw started without CAP_NET_RAW"
fi
msg=$(tail -n 1 "$LABDIR/daemon.log")
echo "  $msg"
[ "$FAULTS_DAEMON_RC" -eq 1 ] && grep -qi 'raw' <<<"$msg" ||
        fail "ProbeSocket=raw without CAP_NET_RAW: exit $FAULTS_DAEMON_RC, '$msg'"
pass "ProbeSocket=raw without CAP_NET_RAW: exit 1 naming the raw socket"
