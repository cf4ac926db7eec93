/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolver.h: address resolution as the rest of the daemon sees it.
 *
 * The Resolver ties together classification (addr.h), the cache (cache.h)
 * and the prober (probe.h): given a candidate address it answers from the
 * cache, or decides the address is never probed, or starts (or joins) a
 * probe and answers when it ends.  the serving layer and names.c are its callers.
 */
#pragma once

#include <gio/gio.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/types.h>

#include "aarp-stats.h"
#include "cache.h"
#include "clients.h"
#include "config.h"

typedef struct Resolver Resolver;

/* Internal input flag (never accepted from clients: the serving layer masks input flags
 * with AARP_FLAGS_INPUT_MASK): the caller wants every member of an anycast
 * address, so the answer waits for member discovery to finish. */
#define RESOLVER_FLAG_ALL_MEMBERS (UINT64_C(1) << 63)

typedef struct {
        struct in6_addr unicast; /* the address to talk to: members[0] */
        uint64_t flags;          /* AARP_FLAG_* output bits of aarp-def.h */
        uint32_t ttl_sec;        /* remaining validity */
        uint64_t rtt_usec;       /* probe round trip, 0 if none */
        const Member *members;   /* nearest first, members[0].address == unicast */
        unsigned n_members;      /* >= 1; all known members only with RESOLVER_FLAG_ALL_MEMBERS */
} AddressAnswer;

/* Called exactly once per resolver_resolve_address() call: with @answer set
 * and @error NULL on success, or @answer NULL and @error set.  It may be
 * called before resolver_resolve_address() returns (cache hits, addresses
 * that are never probed, argument errors); @answer and @error belong to the
 * caller of the callback and are valid only during the call. */
typedef void (*ResolverAddressCallback)(const AddressAnswer *answer, const GError *error,
                                        gpointer user_data);

/* Create the resolver for @config (borrowed; must outlive the resolver or be
 * replaced with resolver_set_config()).  Opens the probe socket.  Returns
 * NULL and sets @error if no probe socket could be opened. */
Resolver *resolver_new(const Config *config, GError **error);
/* Answer every caller still waiting with AARP_E_TEMPORARY_FAILURE ("shutting
 * down"), so that nothing they hold is lost; probes stay in flight until
 * resolver_free().  Called at exit while the callers (the bus) still exist. */
void resolver_cancel(Resolver *r);
void resolver_free(Resolver *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Resolver, resolver_free)

/* Apply a reloaded configuration (SIGHUP): new TTLs apply to new entries;
 * the cache is flushed since the probe set may have changed. */
void resolver_set_config(Resolver *r, const Config *config);

/* Resolve the IPv6 address @address on @ifindex (0 = any; link-local
 * addresses need one).  @flags: AARP_FLAG_NO_CACHE, RESOLVER_FLAG_ALL_MEMBERS
 * or 0.  Arguments must already be valid (the serving layer validates client input);
 * v4-mapped addresses are returned unchanged with NOT_PROBED.  Concurrent
 * calls for one (address, ifindex) share a single probe.
 *
 * When the first probe shows the address to be anycast, MemberProbes=
 * further probes with distinct flow labels look for the other members (ECMP
 * routers hash the flow label).  Callers without RESOLVER_FLAG_ALL_MEMBERS
 * are answered at once with the member the default path reached; callers
 * with it wait for discovery and get every member, nearest (lowest RTT)
 * first.  A cache hit in the last tenth of an entry's lifetime starts a
 * background re-probe and is flagged AARP_FLAG_REFRESHING, so a lookup never
 * waits for a refresh.
 *
 * @payer is the user on whose behalf this runs (0: root, or the daemon
 * itself).  A first probe is charged by the caller (see
 * resolver_would_probe()); the refresh a cache hit starts and the member
 * discovery after the first probe are charged here to @payer's budget in
 * the Clients table given to resolver_set_clients(), and are left out
 * (the answer is still given) when @payer cannot pay for them. */
void resolver_resolve_address(Resolver *r, int ifindex, const struct in6_addr *address,
                              uint64_t flags, uid_t payer, ResolverAddressCallback callback,
                              gpointer user_data);

/* TRUE if resolver_resolve_address() with these arguments would send a
 * fresh probe now (not cached, not being probed, an address we probe).
 * No side effects; the serving layer uses it to charge per-user probe budgets. */
gboolean resolver_would_probe(Resolver *r, int ifindex, const struct in6_addr *address, uint64_t flags);

/* A client saw @member, a member of @address, fail (e.g. a refused or timed
 * out connection).  If the cached answer for (@address, @ifindex) lists
 * @member, drop that answer and re-probe at once (with member discovery),
 * so the next lookup gets the members that still answer.  Returns TRUE if
 * it did; FALSE if nothing cached matched (a stale or bogus report changes
 * nothing). */
gboolean resolver_invalidate_member(Resolver *r, int ifindex, const struct in6_addr *address,
                                    const struct in6_addr *member);

/* The cached answer for (@address, @ifindex), fresh or not, or NULL; no
 * side effects.  Valid until the next call into the resolver. */
const CacheEntry *resolver_peek(Resolver *r, int ifindex, const struct in6_addr *address);

/* Every cached answer still fresh now, as cache_foreach() gives them (no
 * side effects); for ShowCache. */
void resolver_foreach_cached(const Resolver *r, CacheForeachFunc func, gpointer user_data);

/* "raw" or "ping": the kind of probe socket in use. */
const char *resolver_probe_socket_kind(const Resolver *r);

/* Re-probe (@address, @ifindex) in the background now, keeping the cached
 * answer until the new one replaces it, charged to @payer (with its member
 * discovery, as for resolver_resolve_address()).  Returns FALSE without
 * probing if a probe is running already or @payer has no budget left. */
gboolean resolver_refresh(Resolver *r, int ifindex, const struct in6_addr *address, uid_t payer);

/* The per-user probe budgets (borrowed; NULL: nothing is charged) that
 * refreshes and member discovery are charged to. */
void resolver_set_clients(Resolver *r, Clients *clients);

/* Called when a probe result replaced the cached answer for (@address,
 * @ifindex) with different members, or that answer was dropped on a failure
 * report: answers built from the old one (cached host names containing
 * @address) are stale; nothing else is. */
typedef void (*ResolverChangedCallback)(int ifindex, const struct in6_addr *address, gpointer user_data);
void resolver_set_changed_callback(Resolver *r, ResolverChangedCallback callback, gpointer user_data);

/* Drop every cached answer (FlushCaches, route changes). Probes in flight
 * finish, but their results are not cached. */
void resolver_flush(Resolver *r);

/* The statistics the resolver keeps: every one of the list but
 * requests_rejected, which the per-user limits count (clients.c). */
typedef AarpStatistics ResolverStats;

void resolver_get_stats(const Resolver *r, ResolverStats *ret_stats);
void resolver_reset_stats(Resolver *r);
/* Counts a netlink-driven invalidation and flushes. */
void resolver_invalidate(Resolver *r);
