/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolver.c: classification -> cache -> shared probe -> member discovery
 * -> cache (see resolver.h).
 *
 * A Pending record exists per (address, ifindex) while anything about it is
 * being probed; requests for that key join it instead of sending another
 * probe.  Its life:
 *
 *   first probe (default flow label) --> not anycast: answer all, cache, done
 *                                   \--> anycast: answer single-member
 *                                        callers now, send MemberProbes=
 *                                        labelled probes, then answer the
 *                                        all-members callers, cache, done
 *
 * A refresh is a Pending without callers, started by a cache hit late in an
 * entry's life.
 *
 * Every echo request is paid for from someone's probe budget (clients.h):
 * the first probe of a request by whoever charged it (the serving layer, before
 * calling here), and what follows from a request - a refresh its cache hit
 * starts, the member discovery after a probe that found anycast - by the
 * Pending's payer, the user whose request started it.  What the payer
 * cannot afford is not sent: the cached answer is served without a
 * refresh, and discovery sends only the probes that are paid for.
 *
 * A probe that was in flight while the cache was flushed (route change,
 * FlushCaches) still answers its callers, but its result is not cached: it
 * may describe the network as it was.
 */
#include <arpa/inet.h>
#include <string.h>

#include "aarp-def.h"
#include "addr.h"
#include "cache.h"
#include "clients.h"
#include "errors.h"
#include "log.h"
#include "probe.h"
#include "resolver.h"

typedef struct {
        ResolverAddressCallback callback;
        gpointer user_data;
} Waiter;

typedef struct {
        Resolver *resolver;
        CacheKey key;
        uid_t payer;            /* pays for discovery (0: root or the daemon) */
        uint64_t generation;
        GArray *waiters;        /* of Waiter: answered after the first probe */
        GArray *member_waiters; /* of Waiter: answered after discovery */
        gboolean was_anycast;   /* refresh of an anycast entry */
        gboolean first_done;
        uint64_t flags;         /* result of the first probe */
        uint32_t ttl_sec;
        Member members[AARP_MEMBERS_MAX];
        unsigned n_members;
        unsigned discovery_left;
        Member old_members[AARP_MEMBERS_MAX]; /* the cached answer when this started */
        unsigned n_old_members;               /* 0: there was none */
        gboolean orphaned; /* replaced in the table by a newer probe of the same key */
} Pending;

typedef struct {
        Pending *pending;
} LabelProbe;

struct Resolver {
        const Config *config;
        Prober *prober;
        Cache *cache;
        GHashTable *pending; /* CacheKey* -> Pending*, key points into the Pending */
        GHashTable *orphans; /* Pending* set: still probing, no longer findable */
        uint64_t generation;
        uint64_t anycast_found;
        uint64_t invalidations;
        uint64_t refreshes;
        uint64_t members_found;
        uint64_t invalidated_members;
        uint64_t unpaid_probes; /* refreshes and discovery probes not sent: over budget */
        Clients *clients;       /* probe budgets; NULL: nothing is charged */
        ResolverChangedCallback changed;
        gpointer changed_data;
};

static guint key_hash(gconstpointer p) {
        const CacheKey *k = p;
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < 16; i++)
                h = (h ^ k->address.s6_addr[i]) * 16777619u;
        return (h ^ (uint32_t) k->ifindex) * 16777619u;
}

static gboolean key_equal(gconstpointer a, gconstpointer b) {
        const CacheKey *x = a, *y = b;

        return x->ifindex == y->ifindex && memcmp(&x->address, &y->address, 16) == 0;
}

static void apply_config(Resolver *r) {
        prober_set_params(r->prober, r->config->probe_timeout_msec, r->config->probe_retries,
                          r->config->probes_in_flight);
        prober_set_member_scope(r->prober, r->config->member_scope);
        cache_set_max(r->cache, r->config->cache_size);
}

Resolver *resolver_new(const Config *config, GError **error) {
        g_autoptr(Prober) prober = prober_new(config->probe_socket, error);
        Resolver *r;

        if (!prober)
                return NULL;
        r = g_new0(Resolver, 1);
        r->config = config;
        r->prober = g_steal_pointer(&prober);
        r->cache = cache_new(config->cache_size);
        r->pending = g_hash_table_new(key_hash, key_equal);
        r->orphans = g_hash_table_new(g_direct_hash, g_direct_equal);
        apply_config(r);
        g_info("probing with a %s ICMPv6 socket, %u flow labels for member discovery",
               prober_socket_kind(r->prober), prober_flow_labels(r->prober));
        return r;
}

static void fail_waiters(GArray *waiters, const GError *error) {
        /* Copy first: a callback may not, but could, start another call. */
        g_autoptr(GArray) ws = g_array_copy(waiters);

        g_array_set_size(waiters, 0);
        for (guint i = 0; i < ws->len; i++) {
                const Waiter *w = &g_array_index(ws, Waiter, i);
                w->callback(NULL, error, w->user_data);
        }
}

void resolver_cancel(Resolver *r) {
        g_autoptr(GError) error = g_error_new_literal(AARP_ERROR, AARP_E_TEMPORARY_FAILURE, "shutting down");
        g_autoptr(GPtrArray) all = g_ptr_array_new();
        GHashTableIter it;
        gpointer key, value;

        g_hash_table_iter_init(&it, r->pending);
        while (g_hash_table_iter_next(&it, &key, &value))
                g_ptr_array_add(all, value);
        g_hash_table_iter_init(&it, r->orphans);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(all, key);
        for (guint i = 0; i < all->len; i++) {
                Pending *pd = all->pdata[i];
                fail_waiters(pd->waiters, error);
                fail_waiters(pd->member_waiters, error);
        }
}

static void pending_free(Pending *pd) {
        g_array_unref(pd->waiters);
        g_array_unref(pd->member_waiters);
        g_free(pd);
}

void resolver_free(Resolver *r) {
        GHashTableIter it;
        gpointer value;

        if (!r)
                return;
        /* Probes in flight are dropped silently (their callbacks never run);
         * callers free the resolver only at exit. */
        prober_free(r->prober);
        g_hash_table_iter_init(&it, r->pending);
        while (g_hash_table_iter_next(&it, NULL, &value))
                pending_free(value);
        g_hash_table_iter_init(&it, r->orphans);
        while (g_hash_table_iter_next(&it, &value, NULL))
                pending_free(value);
        g_hash_table_destroy(r->pending);
        g_hash_table_destroy(r->orphans);
        cache_free(r->cache);
        g_free(r);
}

void resolver_set_config(Resolver *r, const Config *config) {
        r->config = config;
        apply_config(r);
        resolver_flush(r);
}

void resolver_flush(Resolver *r) {
        cache_flush(r->cache);
        r->generation++;
}

void resolver_invalidate(Resolver *r) {
        r->invalidations++;
        resolver_flush(r);
}

static void answer(const Waiter *w, const Member *members, unsigned n_members, uint64_t flags,
                   uint32_t ttl) {
        AddressAnswer a = {
                .unicast = members[0].address,
                .flags = flags,
                .ttl_sec = ttl,
                .rtt_usec = members[0].rtt_usec,
                .members = members,
                .n_members = n_members,
        };

        w->callback(&a, NULL, w->user_data);
}

static void answer_all(GArray *waiters, const Member *members, unsigned n, uint64_t flags, uint32_t ttl) {
        for (guint i = 0; i < waiters->len; i++)
                answer(&g_array_index(waiters, Waiter, i), members, n, flags, ttl);
        g_array_set_size(waiters, 0);
}

static void log_result(const Pending *pd) {
        char a[INET6_ADDRSTRLEN], u[INET6_ADDRSTRLEN];

        if (!log_debug_enabled())
                return;
        g_debug("probe %s%%%d -> %s (%s, rtt %" G_GUINT64_FORMAT " us, %u member%s)",
                inet_ntop(AF_INET6, &pd->key.address, a, sizeof(a)), pd->key.ifindex,
                inet_ntop(AF_INET6, &pd->members[0].address, u, sizeof(u)),
                pd->flags & AARP_FLAG_ANYCAST ? "anycast" :
                pd->flags & AARP_FLAG_UNICAST ? "unicast" : "no reply",
                pd->members[0].rtt_usec, pd->n_members, pd->n_members == 1 ? "" : "s");
}

static gboolean same_members(const Member *a, unsigned na, const Member *b, unsigned nb) {
        if (na != nb)
                return FALSE;
        for (unsigned i = 0; i < na; i++)
                if (memcmp(&a[i].address, &b[i].address, 16) != 0)
                        return FALSE;
        return TRUE;
}

/* Everything is known: cache it, answer whoever still waits, forget. */
static void pending_finish(Pending *pd) {
        Resolver *r = pd->resolver;

        log_result(pd);
        if (pd->generation == r->generation) {
                /* Compared with the answer before this probe (a first
                 * answer ever is no change: nothing was built on it). */
                gboolean changed = pd->n_old_members > 0 &&
                                   !same_members(pd->old_members, pd->n_old_members, pd->members, pd->n_members);

                cache_insert(r->cache, &pd->key.address, pd->key.ifindex, pd->members, pd->n_members,
                             pd->flags, pd->ttl_sec, (uint64_t) g_get_monotonic_time());
                if (changed && r->changed)
                        r->changed(pd->key.ifindex, &pd->key.address, r->changed_data);
        }
        if (pd->orphaned)
                g_hash_table_remove(r->orphans, pd);
        else
                g_hash_table_remove(r->pending, &pd->key);
        /* Callbacks may start new resolutions: the Pending is already out
         * of the table, so those start afresh. */
        answer_all(pd->waiters, pd->members, pd->n_members, pd->flags, pd->ttl_sec);
        answer_all(pd->member_waiters, pd->members, pd->n_members, pd->flags, pd->ttl_sec);
        pending_free(pd);
}

static int member_compare(gconstpointer a, gconstpointer b, gpointer user_data) {
        const Member *x = a, *y = b;

        return x->rtt_usec < y->rtt_usec ? -1 : x->rtt_usec > y->rtt_usec;
}

static void discovery_done(Pending *pd) {
        Resolver *r = pd->resolver;

        if (pd->n_members == 0) {
                /* Every member fell silent: fail open as for any silent address. */
                pd->flags = AARP_FLAG_NO_REPLY;
                pd->ttl_sec = r->config->no_reply_ttl_sec;
                pd->members[0] = (Member) { .address = pd->key.address };
                pd->n_members = 1;
        } else {
                /* Nearest first; g_qsort_with_data is stable (merge sort),
                 * so on equal RTTs the member the default path reached,
                 * members[0], stays first. */
                g_qsort_with_data(pd->members, (gint) pd->n_members, sizeof(Member), member_compare, NULL);
                pd->flags = AARP_FLAG_ANYCAST;
                pd->ttl_sec = r->config->anycast_ttl_sec;
        }
        pending_finish(pd);
}

static void add_member(Pending *pd, const struct in6_addr *source, uint64_t rtt_usec) {
        for (unsigned i = 0; i < pd->n_members; i++)
                if (memcmp(&pd->members[i].address, source, 16) == 0) {
                        pd->members[i].rtt_usec = MIN(pd->members[i].rtt_usec, rtt_usec);
                        return;
                }
        if (pd->n_members < AARP_MEMBERS_MAX)
                pd->members[pd->n_members++] = (Member) { .address = *source, .rtt_usec = rtt_usec };
}

static void on_label_probe_done(const ProbeResult *result, gpointer user_data) {
        Pending *pd = user_data;

        /* A reply from the target itself is a member that answers from the
         * anycast address (anycast_src_echo_reply=1): no usable member. */
        if (result->replied && memcmp(&result->source, &pd->key.address, 16) != 0) {
                unsigned before = pd->n_members;
                add_member(pd, &result->source, result->rtt_usec);
                if (pd->n_members > before && pd->first_done && before > 0)
                        pd->resolver->members_found++;
        }
        if (--pd->discovery_left == 0)
                discovery_done(pd);
}

/* Charge @payer for up to @n probes; returns how many it paid for. */
static unsigned charge(Resolver *r, uid_t payer, unsigned n) {
        unsigned paid = r->clients ? clients_take_probes_up_to(r->clients, payer, n, (uint64_t) g_get_monotonic_time()) : n;

        r->unpaid_probes += n - paid;
        return paid;
}

static void start_discovery(Pending *pd) {
        Resolver *r = pd->resolver;
        unsigned want = MIN(r->config->member_probes, prober_flow_labels(r->prober));
        unsigned n = charge(r, pd->payer, want);

        if (n < want)
                g_debug("member discovery: uid %u paid for %u of %u probes", (unsigned) pd->payer, n, want);
        if (n == 0) {
                /* Nothing paid: what the first probe found is the answer. */
                discovery_done(pd);
                return;
        }
        pd->discovery_left = n;
        for (unsigned label = 1; label <= n; label++)
                prober_start(r->prober, &pd->key.address, pd->key.ifindex, label, on_label_probe_done, pd);
}

static gboolean discovery_enabled(const Resolver *r) {
        return MIN(r->config->member_probes, prober_flow_labels(r->prober)) > 0;
}

static void on_first_probe_done(const ProbeResult *result, gpointer user_data) {
        Pending *pd = user_data;
        Resolver *r = pd->resolver;

        pd->first_done = TRUE;
        if (result->replied && memcmp(&result->source, &pd->key.address, 16) != 0) {
                r->anycast_found++;
                pd->flags = AARP_FLAG_ANYCAST;
                pd->ttl_sec = r->config->anycast_ttl_sec;
                pd->members[0] = (Member) { .address = result->source, .rtt_usec = result->rtt_usec };
                pd->n_members = 1;
                if (discovery_enabled(r)) {
                        /* Routing's own choice answers single-member callers
                         * at once (one round trip, as without discovery) and
                         * is cached until discovery replaces it; callers
                         * wanting every member find this Pending and wait. */
                        if (pd->generation == r->generation)
                                cache_insert(r->cache, &pd->key.address, pd->key.ifindex, pd->members, 1,
                                             pd->flags, pd->ttl_sec, (uint64_t) g_get_monotonic_time());
                        answer_all(pd->waiters, pd->members, 1, pd->flags, pd->ttl_sec);
                        start_discovery(pd);
                        return;
                }
        } else if (result->replied) {
                pd->flags = AARP_FLAG_UNICAST;
                pd->ttl_sec = r->config->unicast_ttl_sec;
                pd->members[0] = (Member) { .address = pd->key.address, .rtt_usec = result->rtt_usec };
                pd->n_members = 1;
        } else if (pd->was_anycast && discovery_enabled(r)) {
                /* The member on the default path is gone; others may not be. */
                pd->n_members = 0;
                start_discovery(pd);
                return;
        } else {
                pd->flags = AARP_FLAG_NO_REPLY;
                pd->ttl_sec = r->config->no_reply_ttl_sec;
                pd->members[0] = (Member) { .address = pd->key.address };
                pd->n_members = 1;
        }
        pending_finish(pd);
}

static Pending *pending_start(Resolver *r, const CacheKey *key, gboolean was_anycast, uid_t payer) {
        Pending *pd = g_new0(Pending, 1);
        const CacheEntry *old = cache_peek(r->cache, &key->address, key->ifindex, 0);

        if (old) {
                pd->n_old_members = MIN(old->n_members, AARP_MEMBERS_MAX);
                memcpy(pd->old_members, old->members, pd->n_old_members * sizeof(Member));
        }

        pd->resolver = r;
        pd->key = *key;
        pd->payer = payer;
        pd->generation = r->generation;
        pd->was_anycast = was_anycast;
        pd->waiters = g_array_new(FALSE, FALSE, sizeof(Waiter));
        pd->member_waiters = g_array_new(FALSE, FALSE, sizeof(Waiter));
        g_hash_table_insert(r->pending, &pd->key, pd);
        prober_start(r->prober, &key->address, key->ifindex, 0, on_first_probe_done, pd);
        return pd;
}

/* Answer from a fresh cache entry; re-probe in the background when the
 * entry is in the last tenth of its life, so that entries in use never
 * expire under their users.  The refresh is the user's own use of the
 * entry, so it is charged to @payer like a fresh probe; one who cannot
 * pay still gets the cached answer, and the entry expires as it would
 * have without the refresh. */
static void answer_from_cache(Resolver *r, const CacheEntry *e, const Waiter *w, uint64_t now, uid_t payer) {
        uint64_t left = e->expiry_usec - now;
        uint32_t ttl = (uint32_t) ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
        uint64_t flags = e->flags | AARP_FLAG_FROM_CACHE;

        if (left * 10 <= e->lifetime_usec) {
                if (g_hash_table_contains(r->pending, &e->key))
                        flags |= AARP_FLAG_REFRESHING;
                else if (charge(r, payer, 1) == 1) {
                        r->refreshes++;
                        pending_start(r, &e->key, (e->flags & AARP_FLAG_ANYCAST) != 0, payer);
                        flags |= AARP_FLAG_REFRESHING;
                }
        }
        answer(w, e->members, e->n_members, flags, ttl);
}

void resolver_resolve_address(Resolver *r, int ifindex, const struct in6_addr *address,
                              uint64_t flags, uid_t payer, ResolverAddressCallback callback,
                              gpointer user_data) {
        CacheKey key = { .address = *address, .ifindex = ifindex };
        Waiter w = { .callback = callback, .user_data = user_data };
        gboolean all_members = (flags & RESOLVER_FLAG_ALL_MEMBERS) != 0;
        Pending *pd;

        if (IN6_IS_ADDR_LINKLOCAL(address) && ifindex <= 0) {
                g_autoptr(GError) e = g_error_new_literal(AARP_ERROR, AARP_E_INVALID_INTERFACE,
                                                          "a link-local address needs an interface index");
                callback(NULL, e, user_data);
                return;
        }
        if (!addr_should_probe(address, r->config)) {
                Member self = { .address = *address };
                answer(&w, &self, 1, AARP_FLAG_NOT_PROBED, AARP_NOT_PROBED_TTL_SEC);
                return;
        }

        /* An expired anycast entry still says the address is anycast: if
         * routing's member is gone, discovery may find the others. */
        const CacheEntry *old = cache_peek(r->cache, address, ifindex, 0);
        gboolean was_anycast = old && (old->flags & AARP_FLAG_ANYCAST);

        if (!(flags & AARP_FLAG_NO_CACHE)) {
                uint64_t now = (uint64_t) g_get_monotonic_time();
                const CacheEntry *e = cache_lookup(r->cache, address, ifindex, now);

                pd = all_members ? g_hash_table_lookup(r->pending, &key) : NULL;
                if (e && pd && pd->first_done && pd->discovery_left > 0) {
                        /* The entry is routing's member only; the rest are
                         * being discovered right now. */
                        g_array_append_val(pd->member_waiters, w);
                        return;
                }
                if (e) {
                        answer_from_cache(r, e, &w, now, payer);
                        return;
                }
        }

        pd = g_hash_table_lookup(r->pending, &key);
        if (pd && (pd->generation != r->generation || ((flags & AARP_FLAG_NO_CACHE) && pd->first_done))) {
                /* Its probe went out before a flush, or before this caller
                 * asked for a fresh one: let it finish for its own waiters
                 * (uncached if stale) and probe afresh. */
                g_hash_table_steal(r->pending, &pd->key);
                pd->orphaned = TRUE;
                g_hash_table_add(r->orphans, pd);
                pd = NULL;
        }
        if (pd && pd->first_done && pd->n_members > 0 && !all_members) {
                /* Discovery is running: routing's member is already known. */
                answer(&w, pd->members, 1, pd->flags, pd->ttl_sec);
                return;
        }
        if (!pd)
                pd = pending_start(r, &key, was_anycast, payer);
        g_array_append_val(all_members ? pd->member_waiters : pd->waiters, w);
}

gboolean resolver_would_probe(Resolver *r, int ifindex, const struct in6_addr *address, uint64_t flags) {
        CacheKey key = { .address = *address, .ifindex = ifindex };

        if (!addr_should_probe(address, r->config) || (IN6_IS_ADDR_LINKLOCAL(address) && ifindex <= 0))
                return FALSE;
        /* Joining a probe in flight is free, unless resolve would orphan
         * it and probe afresh (see resolver_resolve_address()). */
        Pending *pd = g_hash_table_lookup(r->pending, &key);
        if (pd)
                return pd->generation != r->generation || ((flags & AARP_FLAG_NO_CACHE) && pd->first_done);
        return (flags & AARP_FLAG_NO_CACHE) ||
               !cache_peek(r->cache, address, ifindex, (uint64_t) g_get_monotonic_time());
}

gboolean resolver_invalidate_member(Resolver *r, int ifindex, const struct in6_addr *address,
                                    const struct in6_addr *member) {
        CacheKey key = { .address = *address, .ifindex = ifindex };
        const CacheEntry *e = cache_peek(r->cache, address, ifindex, (uint64_t) g_get_monotonic_time());
        gboolean listed = FALSE, was_anycast;

        if (!e)
                return FALSE;
        for (unsigned i = 0; i < e->n_members && !listed; i++)
                listed = memcmp(&e->members[i].address, member, 16) == 0;
        if (!listed)
                return FALSE;
        was_anycast = (e->flags & AARP_FLAG_ANYCAST) != 0;
        cache_remove(r->cache, address, ifindex);
        r->invalidated_members++;
        if (!g_hash_table_contains(r->pending, &key))
                pending_start(r, &key, was_anycast, 0);
        if (r->changed)
                r->changed(ifindex, address, r->changed_data);
        return TRUE;
}

void resolver_foreach_cached(const Resolver *r, CacheForeachFunc func, gpointer user_data) {
        cache_foreach(r->cache, (uint64_t) g_get_monotonic_time(), func, user_data);
}

const char *resolver_probe_socket_kind(const Resolver *r) {
        return prober_socket_kind(r->prober);
}

const CacheEntry *resolver_peek(Resolver *r, int ifindex, const struct in6_addr *address) {
        return cache_peek(r->cache, address, ifindex, 0);
}

gboolean resolver_refresh(Resolver *r, int ifindex, const struct in6_addr *address, uid_t payer) {
        CacheKey key = { .address = *address, .ifindex = ifindex };
        const CacheEntry *e = cache_peek(r->cache, address, ifindex, 0);

        if (!addr_should_probe(address, r->config) || g_hash_table_contains(r->pending, &key))
                return FALSE;
        if (charge(r, payer, 1) == 0)
                return FALSE;
        r->refreshes++;
        pending_start(r, &key, e && (e->flags & AARP_FLAG_ANYCAST), payer);
        return TRUE;
}

void resolver_set_clients(Resolver *r, Clients *clients) {
        r->clients = clients;
}

void resolver_set_changed_callback(Resolver *r, ResolverChangedCallback callback, gpointer user_data) {
        r->changed = callback;
        r->changed_data = user_data;
}

void resolver_get_stats(const Resolver *r, ResolverStats *ret) {
        const ProberStats *ps = prober_get_stats(r->prober);

        *ret = (ResolverStats) {
                .cache_size = cache_size(r->cache),
                .cache_hits = cache_hits(r->cache),
                .cache_misses = cache_misses(r->cache),
                .probes_sent = ps->sent,
                .probe_replies = ps->replies,
                .probe_timeouts = ps->timeouts,
                .anycast_found = r->anycast_found,
                .replies_rejected = ps->rejected,
                .cache_invalidations = r->invalidations,
                .cache_refreshes = r->refreshes,
                .member_probes_sent = ps->labelled_sent,
                .members_found = r->members_found,
                .invalidated_members = r->invalidated_members,
                .unpaid_probes = r->unpaid_probes,
        };
}

void resolver_reset_stats(Resolver *r) {
        prober_reset_stats(r->prober);
        cache_reset_counters(r->cache);
        r->anycast_found = 0;
        r->invalidations = 0;
        r->refreshes = 0;
        r->members_found = 0;
        r->invalidated_members = 0;
        r->unpaid_probes = 0;
}
