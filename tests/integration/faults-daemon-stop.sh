#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/integration/faults-daemon-stop.sh (issue 6, item 4): aarp-resolved
# SIGSTOPped under load (hung: its sockets still accept, nobody answers).
# Client loops as in faults-daemon-kill.sh: python getaddrinfo through
# libnss_aarp.so.2 ("aarp [!UNAVAIL=return] files"; a hung daemon is
# TRYAGAIN, final) and aarp-resolve (exit 3).  Checked: every lookup of a
# client of ours returns within the documented bound
# (AARP_CLIENT_TIMEOUT_MSEC, 5 s) plus slack, with EAI_AGAIN / exit 3 while
# the daemon is stopped; after SIGCONT every loop gets member1 again; no
# loop hangs.  (The GIO client lab-dbus is left out: its own call timeout
# is GIO's, not ours.)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nss-lab-common.sh"
source "$AARP_SOURCE_ROOT/tests/lab/lab-faults.sh"

A=$LAB_ANYCAST
U1=$LAB_MEMBER1_ADDR
BOUND_MS=5000
SLACK_MS=2000
LOOPS=(gai1 gai2 resolve)

lab_up
lab_dns_up
printf '%s anycast-hosts.lab\n' "$A" >>"$LAB_NETNS_ETC/hosts"
lab_dns_nsswitch 'aarp [!UNAVAIL=return] files'
lab_start_daemon

faults_loop_start gai1 gai anycast-hosts.lab
faults_loop_start gai2 gai anycast-hosts.lab
faults_loop_start resolve resolve "$A"

loops_answered() {
        local n
        for n in "${LOOPS[@]}"; do
                [ "$(faults_loop_count "$n" "$1")" -gt 0 ] || return 1
        done
}
lab_wait_for 20 loops_answered "\$4 == \"$U1\"" || fail "not every loop got member1 before the stop"
pass "client loops resolving A -> $U1"

kill -STOP "$LAB_DAEMON_PID"
echo "  daemon SIGSTOPped"
# Every loop sees the bound expire (EAI_AGAIN / exit 3) at least once.
if ! lab_wait_for $(((BOUND_MS + SLACK_MS) / 1000 + 5)) loops_answered '$3 == "EAI_AGAIN" || $3 == 3'; then
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
                awk -v skip="${n_before[$i]}" -v u="$U1" 'NR > skip && $4 == u { ok = 1 } END { exit !ok }' \
                        "$LABDIR/loop-$n.log" || return 1
                i=$((i + 1))
        done
}
lab_wait_for $(((BOUND_MS + SLACK_MS) / 1000 + 5)) served_again || fail "the continued daemon did not serve every loop"
pass "after SIGCONT every loop gets member1 again"
faults_loops_stop $(((BOUND_MS + SLACK_MS) / 1000 + 5)) || fail "a client process hung"
pass "every client loop stopped when asked (no hung process)"

check_loop() {
        local name=$1 hung_re=$2 bad maxms hung
        bad=$(awk -v u="$U1" -v re="$hung_re" '!($3 == 0 && $4 == u) && !(($3 " " $4) ~ re)' "$LABDIR/loop-$name.log")
        [ -z "$bad" ] || fail "$name: unexpected answers: $(head -n 5 <<<"$bad")"
        maxms=$(faults_loop_max_ms "$name")
        [ "$maxms" -lt $((BOUND_MS + SLACK_MS)) ] ||
                fail "$name: a lookup took $maxms ms (bound $BOUND_MS ms + $SLACK_MS ms slack)"
        hung=$(awk -v re="$hung_re" '($3 " " $4) ~ re { n++ } END { print n + 0 }' "$LABDIR/loop-$name.log")
        pass "$name: $(wc -l <"$LABDIR/loop-$name.log") lookups, $hung timed out on the stopped daemon, longest $maxms ms"
}
check_loop gai1 '^EAI_AGAIN -$'
check_loop gai2 '^EAI_AGAIN -$'
check_loop resolve '^3 '
daemon_alive
