/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-stats.h: the daemon's statistics, listed once.
 *
 * Each X(Property, field, type, group, label): the D-Bus property on
 * org.aarp.Resolve1.Manager (declared in data/org.aarp.Resolve1.xml; the
 * test-statistics unit test fails if the two disagree), the C field, its
 * D-Bus type (u: uint32, t: uint64), and how `aarp-resolve statistics`
 * shows it.  The struct, the daemon's property setters, the client's reader
 * and the CLI's printer are all made from this list, so a new counter is one
 * line here, one property in the XML and the code that counts it.
 */
#pragma once

#include <stdint.h>

#define AARP_STATISTICS(X)                                                                         \
        X(CacheSize, cache_size, u, "Cache", "Current Cache Size")                                  \
        X(CacheHits, cache_hits, t, "Cache", "Cache Hits")                                          \
        X(CacheMisses, cache_misses, t, "Cache", "Cache Misses")                                    \
        X(CacheInvalidations, cache_invalidations, t, "Cache", "Cache Invalidations")               \
        X(CacheRefreshes, cache_refreshes, t, "Cache", "Cache Refreshes")                           \
        X(ProbesSent, probes_sent, t, "Probes", "Probes Sent")                                      \
        X(MemberProbesSent, member_probes_sent, t, "Probes", "Member Probes Sent")                  \
        X(ProbeReplies, probe_replies, t, "Probes", "Probe Replies")                                \
        X(ProbeTimeouts, probe_timeouts, t, "Probes", "Probe Timeouts")                             \
        X(AnycastFound, anycast_found, t, "Probes", "Anycast Found")                                \
        X(MembersFound, members_found, t, "Probes", "Members Found")                                \
        X(RepliesRejected, replies_rejected, t, "Probes", "Replies Rejected")                       \
        X(InvalidatedMembers, invalidated_members, t, "Requests", "Invalidated Members")            \
        X(RequestsRejected, requests_rejected, t, "Requests", "Requests Rejected")                   \
        X(UnpaidProbes, unpaid_probes, t, "Requests", "Unpaid Probes")

#define AARP_STAT_CTYPE_u uint32_t
#define AARP_STAT_CTYPE_t uint64_t
#define AARP_STAT_FIELD_(property, field, type, group, label) AARP_STAT_CTYPE_##type field;

typedef struct AarpStatistics {
        AARP_STATISTICS(AARP_STAT_FIELD_)
} AarpStatistics;
