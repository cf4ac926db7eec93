#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-daemon-stop.sh (issue 6, item 4): aarp-resolved
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
# Checked: every lookup returns within the documented bound
# (AARP_CLIENT_TIMEOUT_MSEC, 5 s) plus slack, with only those outcomes;
# gai-miss and resolve did hit the stopped daemon; after SIGCONT every loop
# gets its normal answer again; no loop hangs.  (The GIO client lab-dbus is
# left out: its call timeout is GIO's, not ours.)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
BOUND_MS=5000
SLACK_MS=2000
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
lab_wait_for 20 loops_answered up "${LOOPS[@]}" || fail "not every loop got its normal answer before the stop"
pass "client loops running: anycast-hosts.lab and A -> $U1, nx-stop.lab -> EAI_NONAME"

kill -STOP "$LAB_DAEMON_PID"
echo "  daemon SIGSTOPped"
# The loops that must reach the daemon see the bound expire at least once.
if ! lab_wait_for $(((BOUND_MS + SLACK_MS) / 1000 + 5)) loops_answered hung gai-miss resolve; then
        kill -CONT "$LAB_DAEMON_PID"
        fail "not every loop returned TRYAGAIN while the daemon was stopped"
fi
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
lab_wait_for $(((BOUND_MS + SLACK_MS) / 1000 + 5)) served_again || fail "the continued daemon did not serve every loop"
pass "after SIGCONT every loop gets its normal answer again"
faults_loops_stop $(((BOUND_MS + SLACK_MS) / 1000 + 5)) || fail "a client process hung"
pass "every client loop stopped when asked (no hung process)"

check_loop() {
        local name=$1 up_re=${UP[$1]} hung_re=${HUNG[$1]} bad maxms hung
        bad=$(awk -v up="$up_re" -v re="$hung_re" '!(($3 " " $4) ~ up) && !(($3 " " $4) ~ re)' "$LABDIR/loop-$name.log")
        [ -z "$bad" ] || fail "$name: unexpected answers: $(head -n 5 <<<"$bad")"
        maxms=$(faults_loop_max_ms "$name")
        [ "$maxms" -lt $((BOUND_MS + SLACK_MS)) ] ||
                fail "$name: a lookup took $maxms ms (bound $BOUND_MS ms + $SLACK_MS ms slack)"
        hung=$(awk '$3 == "EAI_AGAIN" || $3 == 3 { n++ } END { print n + 0 }' "$LABDIR/loop-$name.log")
        pass "$name: $(wc -l <"$LABDIR/loop-$name.log") lookups, $hung timed out on the stopped daemon, longest $maxms ms"
}
check_loop gai-snap
check_loop gai-miss
check_loop resolve
daemon_alive
