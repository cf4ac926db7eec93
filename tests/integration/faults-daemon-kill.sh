#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-daemon-kill.sh: aarp-resolved
# SIGKILLed under load.  Clients keep resolving in loops the whole time:
#   gai1, gai2   python getaddrinfo("anycast-hosts.lab") through
#                libnss_aarp.so.2, one process each (kept connection),
#                hosts line "aarp [!UNAVAIL=return] files": the daemon maps
#                the hosts-file entry to member1; with the daemon gone the
#                module says UNAVAIL and files answer the anycast address
#   resolve      aarp-resolve A, a new process per lookup (exit 3: daemon
#                unreachable)
#   dbus         lab-dbus call ResolveAddress A over the bus (GIO)
# and, as the load, lab-load: 50 clients with the checked request mix of
# load-mixed.sh, each stopping at its first failure (-x).
# Checked: every lookup of every loop returned; each answer is the member
# (daemon up) or the documented fall-through (daemon down), never anything
# else; the daemon-down answers came at once (SIGKILL closes the sockets:
# UNAVAIL without waiting for the client bound, AARP_CLIENT_TIMEOUT_MSEC):
# under strace, aarp-resolve and getaddrinfo() with the daemon gone have
# no poll() that timed out (syscall evidence, which load cannot stretch,
# unlike a wall clock around a client process), and in the getaddrinfo
# loops (timed inside one running process) no daemon-down lookup lasted a
# bound and none two bounds; every loop stops when asked (no hung client);
# the restarted daemon (stale io.socket left behind by the kill) serves
# every loop again.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
BOUND_MS=5000
# Deadlines for "eventually" (a hung client is one that never returns);
# far above the expected few seconds even on a loaded machine.
WAIT_S=60

lab_up
lab_dns_up
printf '%s anycast-hosts.lab\n' "$A" >>"$LAB_NETNS_ETC/hosts"
lab_dns_nsswitch 'aarp [!UNAVAIL=return] files'
lab_start_daemon

faults_loop_start gai1 gai anycast-hosts.lab
faults_loop_start gai2 gai anycast-hosts.lab
faults_loop_start resolve resolve "$A"
faults_loop_start dbus dbus "$A"

# loops_answered AWK-CONDITION: every loop has a lookup matching it.
loops_answered() {
        local n
        for n in gai1 gai2 resolve dbus; do
                [ "$(faults_loop_count "$n" "$1")" -gt 0 ] || return 1
        done
}
lab_wait_for "$WAIT_S" loops_answered "\$4 == \"$U1\"" || fail "not every loop got member1 before the kill"
pass "four client loops resolving A -> $U1"
lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "$LAB_BUILD_ROOT/tests/lab/lab-load" -c 50 -n 1000000 -f 0 -x \
        >"$LABDIR/load.out" 2>"$LABDIR/load.err" &
load_pid=$!
LAB_PIDS+=("$load_pid")
# Kill under load: once the daemon has served lab-load (its counters; the
# four loops alone make a few lookups a second).
lookups() { echo $(($(prop CacheHits) + $(prop CacheMisses))); }
lookups0=$(lookups)
load_served() { [ $(($(lookups) - lookups0)) -ge 500 ]; }
lab_wait_for "$WAIT_S" load_served || fail "lab-load was not served: $(cat "$LABDIR/load.out" "$LABDIR/load.err")"
lab_pid_gone "$load_pid" && fail "lab-load ended before the kill: $(cat "$LABDIR/load.out" "$LABDIR/load.err")"

t_kill=$(now_ms)
kill -KILL "$LAB_DAEMON_PID"
wait "$LAB_DAEMON_PID" 2>/dev/null || true
LAB_DAEMON_PID=
echo "  daemon SIGKILLed"
lab_wait_for "$WAIT_S" lab_pid_gone "$load_pid" ||
        fail "lab-load's 50 clients did not all return within $WAIT_S s of the kill (hung)"
rc=0
wait "$load_pid" || rc=$?
echo "  lab-load, killed under it ($(($(now_ms) - t_kill)) ms): $(cat "$LABDIR/load.out")"
read -r _ _ _ _ _ load_ok _ load_wrong _ load_errors _ <"$LABDIR/load.out" || fail "no summary from lab-load: $(cat "$LABDIR/load.err")"
[ "$load_wrong" -eq 0 ] || fail "lab-load got $load_wrong wrong answers around the kill: $(head -n 5 "$LABDIR/load.err")"
[ "$load_ok" -gt 0 ] && [ "$load_errors" -gt 0 ] || fail "lab-load: $load_ok ok, $load_errors errors: the kill did not happen under load"
bad=$(grep 'failed' "$LABDIR/load.err" | grep -v 'aarp-resolved is not reachable' || true)
pass "under load: every client returned after the kill, no wrong answer ($load_ok ok before it)"
[ -z "$bad" ] || echo "  note: failures other than 'unreachable': $(head -n 3 <<<"$bad")"
# Lookups with the daemon down: the fall-through, fast.
lab_wait_for "$WAIT_S" loops_answered "\$1 > 0 && \$4 != \"$U1\"" || fail "not every loop saw the daemon gone within $WAIT_S s"
# One lookup of each kind under strace, daemon gone: no wait at all.
faults_write_gai_once
trace_waits "$LABDIR/trace" lab_client env AARP_RUNTIME_DIR="$LABDIR/run" -- "$LAB_BUILD_ROOT/client/cli/aarp-resolve" "$A"
[ "$TRACE_RC" -eq 3 ] && [ "$TRACE_TIMEOUTS" -eq 0 ] ||
        fail "aarp-resolve A, daemon killed: exit $TRACE_RC, $TRACE_TIMEOUTS poll() timed out ($TRACE_WAITED_MS ms): $TRACE_OUT"
trace_waits "$LABDIR/trace" lab_nss -- "$FAULTS_PY" "$LABDIR/gai-once.py" anycast-hosts.lab
# (The files answer, or member1 if the module still read it from the
# names.snapshot the killed daemon left: both are the loops' allowed answers.)
[[ $TRACE_OUT == "0 $A" || $TRACE_OUT == "0 $U1" ]] && [ "$TRACE_TIMEOUTS" -eq 0 ] ||
        fail "getaddrinfo(anycast-hosts.lab), daemon killed: '$TRACE_OUT', $TRACE_TIMEOUTS poll() timed out ($TRACE_WAITED_MS ms)"
pass "daemon killed: aarp-resolve (exit 3) and getaddrinfo ('$TRACE_OUT') returned without waiting (no poll() timed out)"
sleep 1
[ -S "$LABDIR/run/io.socket" ] && echo "  stale io.socket left behind by the kill"
lab_start_daemon
t_restart=$(now_ms)
echo "  daemon restarted $((t_restart - t_kill)) ms after the kill"
n_before=()
for n in gai1 gai2 resolve dbus; do
        n_before+=("$(wc -l <"$LABDIR/loop-$n.log")")
done
# Every loop gets member1 again from the restarted daemon.
served_again() {
        local i=0 n
        for n in gai1 gai2 resolve dbus; do
                awk -v skip="${n_before[$i]}" -v u="$U1" 'NR > skip && $4 == u { ok = 1 } END { exit !ok }' \
                        "$LABDIR/loop-$n.log" || return 1
                i=$((i + 1))
        done
}
lab_wait_for "$WAIT_S" served_again || fail "the restarted daemon did not serve every loop within $WAIT_S s"
pass "the restarted daemon serves every loop again"
faults_loops_stop "$WAIT_S" || fail "a client process hung"
pass "every client loop stopped when asked (no hung process)"

# What each loop saw.  Allowed answers: member1 (daemon up) or the
# documented daemon-down outcome of that client.
check_loop() {
        local name=$1 down_re=$2 total bad maxms down slow
        total=$(wc -l <"$LABDIR/loop-$name.log")
        bad=$(awk -v u="$U1" -v re="$down_re" '!($3 == 0 && $4 == u) && !(($3 " " $4) ~ re)' "$LABDIR/loop-$name.log")
        [ -z "$bad" ] || fail "$name: unexpected answers: $(head -n 5 <<<"$bad")"
        maxms=$(faults_loop_max_ms "$name")
        down=$(awk -v re="$down_re" '($3 " " $4) ~ re { n++ } END { print n + 0 }' "$LABDIR/loop-$name.log")
        [ "$down" -gt 0 ] || fail "$name: no lookup saw the daemon down"
        # Durations of the getaddrinfo loops are taken inside one running
        # process.  A wait for the bound lasts at least the bound (a timer
        # never fires early), so a daemon-down lookup that took less did not
        # wait for it, and no lookup may have waited twice.  The other loops
        # time a new process each (start-up included): their waits are
        # checked under strace above.
        if [[ $name == gai* ]]; then
                slow=$(awk -v re="$down_re" -v b="$BOUND_MS" '($3 " " $4) ~ re && $2 >= b { n++ } END { print n + 0 }' "$LABDIR/loop-$name.log")
                [ "$slow" -eq 0 ] || fail "$name: $slow daemon-down lookups waited for the $BOUND_MS ms bound (expected UNAVAIL at once)"
                [ "$maxms" -lt $((2 * BOUND_MS)) ] || fail "$name: a lookup took $maxms ms: two client bounds"
        fi
        pass "$name: $total lookups, $down with the daemon down, longest $maxms ms"
}
check_loop gai1 "^0 $A\$"
check_loop gai2 "^0 $A\$"
check_loop resolve '^3 '
check_loop dbus '^1 org.freedesktop.DBus.Error.(ServiceUnknown|NoReply|NameHasNoOwner)$'
daemon_alive
