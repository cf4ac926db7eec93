/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * answer-policy.h: what a user's reports of failed members
 * (InvalidateAddress) do to the answers that user gets.  The reports are
 * kept per user in Clients; only the reporting user's answers change, so
 * nobody can steer anyone else's traffic.  Every method that answers with
 * members applies the same three rules here.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "clients.h"
#include "resolver.h"

/* The members of @answer that @uid did not report as failed, nearest
 * first, into @ret (room for AARP_MEMBERS_MAX); if it reported every one,
 * all are kept: an answer that may fail beats none.  Returns how many. */
unsigned answer_policy_members(Clients *c, uid_t uid, const AddressAnswer *answer, const Member **ret);

/* The one address (and its RTT) to hand @uid: the nearest member it did
 * not report as failed. */
void answer_policy_pick(Clients *c, uid_t uid, const AddressAnswer *answer, const struct in6_addr **ret_address,
                        uint64_t *ret_rtt);

/* @flags for @uid's lookup of @address: with AARP_FLAG_NO_CACHE added when
 * the user reported every cached member as failed, so that it looks afresh
 * (joining a re-probe already running) rather than get one that failed. */
uint64_t answer_policy_flags(Clients *c, Resolver *r, uid_t uid, int ifindex, const struct in6_addr *address,
                             uint64_t flags);
