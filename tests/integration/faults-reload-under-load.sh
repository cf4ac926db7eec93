#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-reload-under-load.sh:
# SIGHUP every 100 ms while 200 clients send the checked request mix of
# load-mixed.sh (tests/lab/lab-load.c), the configuration alternating
# between two valid ones (probe timeout and retries, CacheSize=500, a 1 s
# AnycastTTL) and, every fifth time, an invalid one (which must be refused,
# keeping the old).  Checked: no wrong answer, no failed request, the
# invalid file reported as a warning and nothing else logged at warning or
# above, the daemon still serving.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

CLIENTS=${AARP_LOAD_CLIENTS:-200}
REQUESTS=${AARP_RELOAD_REQUESTS:-200}
LAB_LOAD_BIN=$LAB_BUILD_ROOT/tests/lab/lab-load

lab_up
lab_dns_up
printf '%s anycast-hosts.lab\n' "$LAB_ANYCAST" >>"$LAB_NETNS_ETC/hosts"
lab_start_daemon "ProbeTimeout=200ms" "ProbeRetries=1"

lab_client env AARP_RUNTIME_DIR="$LABDIR/run" timeout -k 5 600 "$LAB_LOAD_BIN" -c "$CLIENTS" -n "$REQUESTS" -f 50 \
        >"$LABDIR/load.out" 2>"$LABDIR/load.err" &
load_pid=$!
LAB_PIDS+=("$load_pid")
hups=0
invalid=0
while ! lab_pid_gone "$load_pid"; do
        hups=$((hups + 1))
        if ((hups % 5 == 0)); then
                lab_write_daemon_config "ProbeTimout=1s"
                invalid=$((invalid + 1))
        elif ((hups % 2)); then
                lab_write_daemon_config "ProbeTimeout=300ms" "ProbeRetries=2" "CacheSize=500" "AnycastTTL=1s"
        else
                lab_write_daemon_config "ProbeTimeout=200ms" "ProbeRetries=1"
        fi
        kill -HUP "$LAB_DAEMON_PID"
        sleep 0.1
done
rc=0
wait "$load_pid" || rc=$?
echo "  $(cat "$LABDIR/load.out") with $hups reloads ($invalid invalid)"
[ "$rc" -eq 0 ] || fail "under reloads: $(cat "$LABDIR/load.out"); $(head -n 5 "$LABDIR/load.err")"
[ "$hups" -ge 10 ] || fail "only $hups reloads happened during the load"
pass "$CLIENTS clients x $REQUESTS requests through $hups reloads: no wrong answer, no failed request"
bad=$(grep -E 'aarp-resolved: (error|critical|warning):' "$LABDIR/daemon.log" | grep -v 'reload failed, keeping the old configuration' || true)
[ -z "$bad" ] || fail "the daemon logged under reloads: $(head -n 5 <<<"$bad")"
refused=$(grep -c 'reload failed, keeping the old configuration' "$LABDIR/daemon.log" || true)
[ "$refused" -ge 1 ] || fail "no invalid configuration was reported"
pass "$refused invalid configurations refused (old one kept), nothing else logged at warning or above"
lab_write_daemon_config "ProbeTimeout=200ms" "ProbeRetries=1"
kill -HUP "$LAB_DAEMON_PID"
expect_resolve "$LAB_ANYCAST" "$LAB_MEMBER1_ADDR" ANYCAST
daemon_alive
