# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/integration/members-common.sh: sourced by the member-discovery tests
# (members-*.sh) after common.sh: the ECMP lab (tests/lab/lab-ecmp.sh)
# and reading ResolveAddressMembers answers.

# shellcheck source=../lab/lab-ecmp.sh
source "$AARP_SOURCE_ROOT/tests/lab/lab-ecmp.sh"

# shellcheck disable=SC2034 # used by the members-*.sh tests
AARP_RESOLVE=$LAB_BUILD_ROOT/client/cli/aarp-resolve
# shellcheck disable=SC2034
ALL_MEMBERS="$LAB_MEMBER1_ADDR $LAB_MEMBER2_ADDR $LAB_MEMBER3_ADDR"
# 0x200000: not known to lab_has_flag (lab.sh predates it).
FLAG_REFRESHING=0x200000

# members ADDR [FLAGS]: ResolveAddressMembers; sets M_FLAGS (hex), M_TTL,
# M_ADDRS and M_RTTS (arrays, answer order) and logs the answer.
members() {
        local out line
        out=$(lab_resolve_members "$@") || fail "ResolveAddressMembers($*) failed (see the busctl message above)"
        read -r M_FLAGS M_TTL <<<"$(head -n 1 <<<"$out")"
        M_ADDRS=()
        M_RTTS=()
        while read -r addr rtt; do
                M_ADDRS+=("$addr")
                M_RTTS+=("$rtt")
        done < <(tail -n +2 <<<"$out")
        line=
        for i in "${!M_ADDRS[@]}"; do
                line+=" ${M_ADDRS[$i]}($(lab_member_name "${M_ADDRS[$i]}"),${M_RTTS[$i]}us)"
        done
        echo "  ResolveAddressMembers $1 flags=${2:-0} ->$line [$(flag_names "$M_FLAGS")] ttl=$M_TTL"
}

flag_names() {
        local names
        names=$(lab_flag_names "$1")
        if (($1 & FLAG_REFRESHING)); then
                if [ "$names" = none ]; then names=REFRESHING; else names+=,REFRESHING; fi
        fi
        echo "$names"
}

is_refreshing() { (($1 & FLAG_REFRESHING)); }

# sorted_words WORD...: the words sorted, one line.
sorted_words() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }

# expect_member_set WANT_ADDRS...: M_ADDRS holds exactly these, each once,
# and the RTTs do not decrease (nearest first).
expect_member_set() {
        local want got
        want=$(sorted_words "$@")
        got=$(sorted_words "${M_ADDRS[@]}")
        [ "$got" = "$want" ] || fail "members are '${M_ADDRS[*]}', expected each of '$*' exactly once"
        for ((i = 1; i < ${#M_RTTS[@]}; i++)); do
                [ "${M_RTTS[$i]}" -ge "${M_RTTS[$((i - 1))]}" ] ||
                        fail "members are not nearest first: rtts ${M_RTTS[*]} (${M_ADDRS[*]})"
        done
}

# members_nss_up NAME: the client namespace's own /etc (ip netns exec
# bind-mounts /etc/netns/NS/* over /etc, for the daemon started after this
# and for every program run with nss): NAME -> LAB_ANYCAST in its hosts
# file, "hosts: aarp" in nsswitch.conf, a resolv.conf whose nameserver is
# never asked (the name is in the hosts file).  Removed on exit, also on
# failure.  Call before lab_start_daemon.
MODULE_DIR=$LAB_BUILD_ROOT/nss
members_nss_up() {
        [ -f "$MODULE_DIR/libnss_aarp.so.2" ] || lab_die "libnss_aarp.so.2 is not built"
        NETNS_ETC=/etc/netns/${LAB_PREFIX}client
        trap members_cleanup EXIT
        trap 'members_cleanup; exit 130' INT
        trap 'members_cleanup; exit 143' TERM
        mkdir -p "$NETNS_ETC"
        printf '127.0.0.1 localhost\n::1 localhost\n%s %s\n' "$LAB_ANYCAST" "$1" >"$NETNS_ETC/hosts"
        printf 'nameserver ::1\noptions timeout:1 attempts:1\n' >"$NETNS_ETC/resolv.conf"
        printf 'hosts: aarp\n' >"$NETNS_ETC/nsswitch.conf"
}

members_cleanup() {
        local rc=$?
        [ -z "${NETNS_ETC:-}" ] || rm -rf "$NETNS_ETC"
        (exit "$rc")
        lab_down
}

# nss CMD...: CMD in the client namespace, names through libnss_aarp.so.2
# from the build tree (as in nss-getent-anycast-dns.sh).
nss() {
        lab_client env AARP_RUNTIME_DIR="$LABDIR/run" LD_LIBRARY_PATH="$MODULE_DIR" "$@"
}

# ahosts NAME -> the distinct addresses getent ahosts prints, in its order.
ahosts() { nss getent ahosts "$1" | awk '!seen[$1]++ { print $1 }'; }

# members_http_up PORT: every member serves HTTP on its unicast address and
# PORT (python3 -m http.server, a file "name" holding the member's name);
# HTTP_PID[member] is its pid, so a test can stop one member's service while
# the member itself keeps answering echo.
declare -A HTTP_PID
members_http_listening() { [ -n "$(lab_ns "$1" ss -Hltn "sport = :$2")" ]; }
members_http_up() {
        local port=$1 m
        for m in member1 member2 member3; do
                mkdir -p "$LABDIR/www-$m"
                echo "$m" >"$LABDIR/www-$m/name"
                lab_spawn "$m" "$LABDIR/http-$m.log" "$LABDIR/http-$m.log" \
                        python3 -m http.server "$port" --bind "$(lab_member_addr "$m")" --directory "$LABDIR/www-$m"
                HTTP_PID[$m]=$LAB_SPAWNED
        done
        for m in member1 member2 member3; do
                lab_wait_for 10 members_http_listening "$m" "$port" ||
                        fail "$m's HTTP service did not start: $(cat "$LABDIR/http-$m.log")"
        done
}
