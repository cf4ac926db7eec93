#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# aarp-run reports a failed member (issues 6 and 7): three members behind
# ECMP each serve HTTP on their unicast address; the member aarp-run maps
# the anycast literal to has its HTTP service stopped while it still
# answers echo.  An unmodified curl to the literal through aarp-run is
# refused once; the shim reports the member (InvalidateAddress), the daemon
# drops and re-probes the answer, and the next curl reaches another member.
# Without the report, every attempt would go to the same refused member
# for the whole AnycastTTL.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/members-common.sh"

AARP_RUN=$LAB_BUILD_ROOT/client/shim/aarp-run
[ -x "$AARP_RUN" ] || lab_die "aarp-run is not built: $AARP_RUN"
PORT=8081
A=$LAB_ANYCAST
lab_up
lab_ecmp_up
lab_start_daemon "ProbeSocket=raw" "MemberProbes=32" "AnycastTTL=5min"

members_http_up "$PORT"

run_curl() {
        CURL_RC=0
        CURL_BODY=$(lab_client env AARP_RUNTIME_DIR="$LABDIR/run" "$AARP_RUN" curl -g -sS --connect-timeout 3 \
                --max-time 10 "http://[$A]:$PORT/name" 2>"$LABDIR/curl.err") || CURL_RC=$?
}

echo "# all services up"
# Discover the members first, so the re-probe after the report has others.
lab_call ResolveAddressMembers "(0, [byte $(lab_addr_bytes "$A" | cut -d' ' -f2- | sed 's/ /, /g')], uint64 0)" \
        >/dev/null || fail "ResolveAddressMembers failed"
run_curl
[ "$CURL_RC" -eq 0 ] || fail "aarp-run curl [$A]:$PORT failed (exit $CURL_RC): $(cat "$LABDIR/curl.err")"
first=$CURL_BODY
pass "aarp-run curl http://[$A]:$PORT/name -> $first"

echo "# $first's HTTP service stops; $first still answers echo"
kill -TERM "${HTTP_PID[$first]}"
lab_wait_for 5 lab_pid_gone "${HTTP_PID[$first]}" || fail "$first's HTTP service did not stop"
invalidated0=$(lab_prop ProbesSent)
run_curl
[ "$CURL_RC" -ne 0 ] || fail "curl still reached '$CURL_BODY' through $first's stopped service"
# curl's exit 7: it could not connect (the member refused).
[ "$CURL_RC" -eq 7 ] || fail "the failed curl was not a failed connection: $(cat "$LABDIR/curl.err")"
pass "the first attempt is refused by $first (curl exit $CURL_RC) and aarp-run reports it"
[ "$(lab_prop ProbesSent)" -gt "$invalidated0" ] || fail "the report did not make the daemon probe again"

run_curl
[ "$CURL_RC" -eq 0 ] || fail "after the report, aarp-run curl failed (exit $CURL_RC): $(cat "$LABDIR/curl.err")"
[ "$CURL_BODY" != "$first" ] || fail "after the report, aarp-run curl still went to $first"
pass "after the report the next aarp-run curl reaches $CURL_BODY"
