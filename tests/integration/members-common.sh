# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/integration/members-common.sh: sourced by the member-discovery tests
# (members-*.sh, issue 7) after common.sh: the ECMP lab (tests/lab/lab-ecmp.sh)
# and reading ResolveAddressMembers answers.

# shellcheck source=../lab/lab-ecmp.sh
source "$AARP_SOURCE_ROOT/tests/lab/lab-ecmp.sh"

AARP_RESOLVE=$LAB_BUILD_ROOT/client/aarp-resolve
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
