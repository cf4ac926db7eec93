#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Failover by name: every member serves HTTP on its unicast
# address (python3 -m http.server, one per member, port 8081, a file naming
# the member); svc.lab -> LAB_ANYCAST through libnss_aarp.so.2 gives all
# members, nearest first.  With the first member's HTTP service stopped -
# the member itself still there and answering echo (its lab-member holds
# the anycast membership and must keep running, so the service is a
# separate process) - one unmodified `curl http://svc.lab:8081/name`
# succeeds: refused by the first member, it connects to the next address
# getaddrinfo() gave, the next member.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/members-common.sh"

for tool in curl python3 ss; do
        command -v "$tool" >/dev/null || lab_die "$tool is missing (run tests/setup.sh)"
done
NAME=svc.lab
PORT=8081
lab_up
lab_ecmp_up
members_nss_up "$NAME"
lab_start_daemon "ProbeSocket=raw" "MemberProbes=32"

members_http_up "$PORT"

echo "# the order curl gets"
mapfile -t order < <(ahosts "$NAME")
echo "  getent ahosts $NAME -> ${order[*]}"
[ "${#order[@]}" -eq 3 ] || fail "getent ahosts $NAME gave ${#order[@]} addresses (${order[*]}), expected 3 members"
first=$(lab_member_name "${order[0]}")
second=$(lab_member_name "${order[1]}")
[ -n "$first" ] && [ -n "$second" ] || fail "getent ahosts $NAME gave non-members: ${order[*]}"

curl_name() {
        CURL_RC=0
        CURL_BODY=$(nss curl -g -sS -v --connect-timeout 2 --max-time 10 "http://$NAME:$PORT/name" \
                2>"$LABDIR/curl.err") || CURL_RC=$?
}
curl_name
[ "$CURL_RC" -eq 0 ] && [ "$CURL_BODY" = "$first" ] ||
        fail "curl by name reached '$CURL_BODY' (exit $CURL_RC: $(grep -E '^(\* |curl:)' "$LABDIR/curl.err")), expected $first"
pass "all services up: curl http://$NAME:$PORT/name -> $CURL_BODY (the first address)"

echo "# $first's HTTP service stops; $first still answers echo"
kill -TERM "${HTTP_PID[$first]}"
lab_wait_for 5 lab_pid_gone "${HTTP_PID[$first]}" || fail "$first's HTTP service did not stop"
! members_http_listening "$first" "$PORT" || fail "$first still listens on $PORT"
lab_ns client busybox ping -6 -q -c 1 -W 2 "$LAB_ANYCAST" >/dev/null || fail "$LAB_ANYCAST no longer answers echo"
lab_ns client busybox ping -6 -q -c 1 -W 2 "${order[0]}" >/dev/null || fail "$first no longer answers echo"
members "$LAB_ANYCAST"
[ "${#M_ADDRS[@]}" -eq 3 ] || fail "the daemon lists ${#M_ADDRS[@]} members after the service stopped, expected 3"

echo "# one curl invocation by name: refused by $first, served by $second"
curl_name
grep -E '^\* +(Trying|connect to|Failed to connect|Connected|Immediate connect)' "$LABDIR/curl.err" | sed 's/^/  curl: /' || true
[ "$CURL_RC" -eq 0 ] ||
        fail "curl by name failed (exit $CURL_RC): $(grep -E '^(\* |curl:)' "$LABDIR/curl.err")"
[ "$CURL_BODY" = "$second" ] || fail "curl by name reached '$CURL_BODY', expected the next member $second"
grep -q "${order[0]}" "$LABDIR/curl.err" || fail "curl never tried $first (${order[0]}): the failover was not exercised"
pass "curl http://$NAME:$PORT/name -> $CURL_BODY after $first refused, in one invocation"
daemon_alive
