#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-daemon-stop.sh: aarp-resolved
# SIGSTOPped under load (hung: its sockets still accept, nobody answers).
# Client loops as in faults-daemon-kill.sh, hosts line
# "aarp [!UNAVAIL=return] files":
#   gai-snap  python getaddrinfo("anycast-hosts.lab") through libnss_aarp:
#             a positive answer, which the module reads from the daemon's
#             names.snapshot while the (stopped) daemon still holds its
#             lock - member1 with no round trip - or, without it, TRYAGAIN
#             after the bound;
#   gai-miss  getaddrinfo of a name that does not exist (EAI_NONAME; not in
#             the snapshot, so every lookup goes to the daemon): TRYAGAIN
#             (EAI_AGAIN, final) after the bound while the daemon is stopped;
#   resolve   aarp-resolve A: exit 3 after the bound.
# Checked: every lookup returns with only those outcomes; gai-miss and
# resolve did hit the stopped daemon; a lookup against the stopped daemon
# waits one client bound (AARP_CLIENT_TIMEOUT_MSEC, 5 s), not two: under
# strace, aarp-resolve's and getaddrinfo()'s poll() timeouts that expired
# add up to at most the bound (the syscalls' arguments, which load cannot
# stretch, unlike a wall clock around a client process), and in the
# getaddrinfo loops (one process each, timed inside it) no lookup took two
# bounds; after SIGCONT every loop gets its normal answer again; no loop
# hangs.  (The GIO client lab-dbus is left out: its call timeout is GIO's,
# not ours.)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
BOUND_MS=5000
# Deadlines for "eventually" (a hung client is one that never returns);
# far above the expected few seconds even on a loaded machine.
WAIT_S=60
LOOPS=(gai-snap gai-miss resolve)
# Per loop: the normal answer, and what the stopped daemon may give.
declare -A UP=([gai-snap]="^0 $U1\$" [gai-miss]='^EAI_NONAME -$' [resolve]="^0 $U1\$")
declare -A HUNG=([gai-snap]="^0 $U1\$|^EAI_AGAIN -$" [gai-miss]='^EAI_AGAIN -$' [resolve]='^3 ')

lab_up
lab_dns_up
printf '%s anycast-hosts.lab\n' "$A" >>"$LAB_NETNS_ETC/hosts"
lab_dns_nsswitch 'aarp [!UNAVAIL=return] files'
lab_start_daemon

faults_loop_start gai-snap gai anycast-hosts.lab
faults_loop_start gai-miss gai nx-stop.lab
faults_loop_start resolve resolve "$A"

# loops_answered up|hung [LOOP...]: each loop has an answer of that kind.
loops_answered() {
        local kind=$1 n re
        shift
        for n in "$@"; do
                if [ "$kind" = up ]; then re=${UP[$n]}; else re=${HUNG[$n]}; fi
                [ "$(faults_loop_count "$n" "(\$3 \" \" \$4) ~ /$re/ && \$2 >= 0")" -gt 0 ] || return 1
        done
}
lab_wait_for "$WAIT_S" loops_answered up "${LOOPS[@]}" || fail "not every loop got its normal answer before the stop"
pass "client loops running: anycast-hosts.lab and A -> $U1, nx-stop.lab -> EAI_NONAME"

kill -STOP "$LAB_DAEMON_PID"
echo "  daemon SIGSTOPped"
# The loops that must reach the daemon see the bound expire at least once.
if ! lab_wait_for "$WAIT_S" loops_answered hung gai-miss resolve; then
        kill -CONT "$LAB_DAEMON_PID"
        fail "not every loop returned TRYAGAIN while the daemon was stopped"
fi
# One lookup of each kind under strace: one bound of waiting, not two.
trace_checked() {
        local what=$1 want_re=$2
        shift 2
        trace_waits "$LABDIR/trace" "$@"
        if ! [[ $TRACE_OUT =~ $want_re ]] || [ "$TRACE_TIMEOUTS" -lt 1 ] ||
                [ "$TRACE_WAITED_MS" -gt $((BOUND_MS + TRACE_POLLS)) ] ||
                [ "$TRACE_MAX_TIMEOUT_MS" -gt "$BOUND_MS" ]; then
                kill -CONT "$LAB_DAEMON_PID"
                fail "$what against the stopped daemon: exit $TRACE_RC, '$TRACE_OUT'; $TRACE_TIMEOUTS poll() timed out, waiting $TRACE_WAITED_MS ms by their timeouts (expected: one bound, $BOUND_MS ms)"
        fi
}
faults_write_gai_once
trace_checked "aarp-resolve A" '.*' lab_client env AARP_RUNTIME_DIR="$LABDIR/run" -- \
        "$LAB_BUILD_ROOT/client/cli/aarp-resolve" "$A"
[ "$TRACE_RC" -eq 3 ] || { kill -CONT "$LAB_DAEMON_PID"; fail "aarp-resolve A against the stopped daemon exited $TRACE_RC: $TRACE_OUT"; }
trace_checked "getaddrinfo(nx-stop.lab)" '^EAI_AGAIN -$' lab_nss -- "$FAULTS_PY" "$LABDIR/gai-once.py" nx-stop.lab
pass "stopped daemon: aarp-resolve (exit 3) and getaddrinfo (EAI_AGAIN) each waited one bound of $BOUND_MS ms (poll() timeouts)"
kill -CONT "$LAB_DAEMON_PID"
echo "  daemon SIGCONTinued"
n_before=()
for n in "${LOOPS[@]}"; do
        n_before+=("$(wc -l <"$LABDIR/loop-$n.log")")
done
served_again() {
        local i=0 n
        for n in "${LOOPS[@]}"; do
                awk -v skip="${n_before[$i]}" -v re="${UP[$n]}" 'NR > skip && ($3 " " $4) ~ re { ok = 1 } END { exit !ok }' \
                        "$LABDIR/loop-$n.log" || return 1
                i=$((i + 1))
        done
}
lab_wait_for "$WAIT_S" served_again || fail "the continued daemon did not serve every loop within $WAIT_S s"
pass "after SIGCONT every loop gets its normal answer again"
faults_loops_stop "$WAIT_S" || fail "a client process hung"
pass "every client loop stopped when asked (no hung process)"

check_loop() {
        local name=$1 up_re=${UP[$1]} hung_re=${HUNG[$1]} bad maxms hung
        bad=$(awk -v up="$up_re" -v re="$hung_re" '!(($3 " " $4) ~ up) && !(($3 " " $4) ~ re)' "$LABDIR/loop-$name.log")
        [ -z "$bad" ] || fail "$name: unexpected answers: $(head -n 5 <<<"$bad")"
        maxms=$(faults_loop_max_ms "$name")
        # Timed inside one running process (the getaddrinfo loops): a second
        # wait for the bound would make a lookup last two bounds at least.
        # The resolve loop times a new process each time (start-up
        # included), so its waits are checked under strace above instead.
        if [[ $name == gai-* ]]; then
                [ "$maxms" -lt $((2 * BOUND_MS)) ] ||
                        fail "$name: a lookup took $maxms ms: two client bounds ($BOUND_MS ms each)"
        fi
        hung=$(awk '$3 == "EAI_AGAIN" || $3 == 3 { n++ } END { print n + 0 }' "$LABDIR/loop-$name.log")
        pass "$name: $(wc -l <"$LABDIR/loop-$name.log") lookups, $hung timed out on the stopped daemon, longest $maxms ms"
}
check_loop gai-snap
check_loop gai-miss
check_loop resolve
daemon_alive
