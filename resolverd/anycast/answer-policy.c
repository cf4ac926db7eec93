/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * answer-policy.c: per-user answer policy (see answer-policy.h).
 */
#include <glib.h>

#include "aarp-def.h"
#include "answer-policy.h"

unsigned answer_policy_members(Clients *c, uid_t uid, const AddressAnswer *answer, const Member **ret) {
        uint64_t now = (uint64_t) g_get_monotonic_time();
        unsigned n = 0;

        for (unsigned i = 0; i < answer->n_members; i++)
                if (!clients_avoids(c, uid, &answer->members[i].address, now))
                        ret[n++] = &answer->members[i];
        if (n == 0)
                for (unsigned i = 0; i < answer->n_members; i++)
                        ret[n++] = &answer->members[i];
        return n;
}

void answer_policy_pick(Clients *c, uid_t uid, const AddressAnswer *answer, const struct in6_addr **ret_address,
                        uint64_t *ret_rtt) {
        const Member *kept[AARP_MEMBERS_MAX];

        if (clients_has_avoid_list(c, uid) && answer_policy_members(c, uid, answer, kept) > 0) {
                *ret_address = &kept[0]->address;
                *ret_rtt = kept[0]->rtt_usec;
        } else {
                *ret_address = &answer->unicast;
                *ret_rtt = answer->rtt_usec;
        }
}

uint64_t answer_policy_flags(Clients *c, Resolver *r, uid_t uid, int ifindex, const struct in6_addr *address,
                             uint64_t flags) {
        const CacheEntry *e;
        uint64_t now;
        gboolean all;

        if (!clients_has_avoid_list(c, uid))
                return flags;
        e = resolver_peek(r, ifindex, address);
        now = (uint64_t) g_get_monotonic_time();
        all = e != NULL;
        for (unsigned i = 0; e && i < e->n_members && all; i++)
                all = clients_avoids(c, uid, &e->members[i].address, now);
        return all ? flags | AARP_FLAG_NO_CACHE : flags;
}
