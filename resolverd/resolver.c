/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolver.c: classification -> cache -> shared probe -> cache (resolver.h).
 *
 * Requests for an (address, ifindex) already being probed join that probe
 * instead of sending another.  A probe that was in flight while the cache
 * was flushed (route change, FlushCaches) still answers its waiters, but its
 * result is not cached: it may describe the network as it was.
 */
#include <arpa/inet.h>
#include <string.h>

#include "aarp-def.h"
#include "addr.h"
#include "cache.h"
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
        uint64_t generation;
        GArray *waiters; /* of Waiter */
} Pending;

struct Resolver {
        const Config *config;
        Prober *prober;
        Cache *cache;
        GHashTable *pending; /* CacheKey* -> Pending*, key points into the Pending */
        uint64_t generation;
        uint64_t anycast_found;
        uint64_t invalidations;
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
        apply_config(r);
        g_info("probing with a %s ICMPv6 socket", prober_socket_kind(r->prober));
        return r;
}

void resolver_free(Resolver *r) {
        if (!r)
                return;
        /* Probes in flight are dropped silently; their Pending records go
         * with them.  Callers free the resolver only at exit. */
        GHashTableIter it;
        gpointer value;
        g_hash_table_iter_init(&it, r->pending);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                Pending *pd = value;
                g_array_unref(pd->waiters);
                g_free(pd);
        }
        prober_free(r->prober);
        g_hash_table_destroy(r->pending);
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

static void answer(ResolverAddressCallback cb, gpointer ud, const struct in6_addr *unicast,
                   uint64_t flags, uint32_t ttl, uint64_t rtt) {
        AddressAnswer a = { .unicast = *unicast, .flags = flags, .ttl_sec = ttl, .rtt_usec = rtt };

        cb(&a, NULL, ud);
}

static void on_probe_done(const ProbeResult *result, gpointer user_data) {
        Pending *pd = user_data;
        Resolver *r = pd->resolver;
        const struct in6_addr *unicast = &pd->key.address;
        uint64_t flags;
        uint32_t ttl;

        if (!result->replied) {
                flags = AARP_FLAG_NO_REPLY;
                ttl = r->config->no_reply_ttl_sec;
        } else if (memcmp(&result->source, &pd->key.address, 16) == 0) {
                flags = AARP_FLAG_UNICAST;
                ttl = r->config->unicast_ttl_sec;
        } else {
                flags = AARP_FLAG_ANYCAST;
                ttl = r->config->anycast_ttl_sec;
                unicast = &result->source;
                r->anycast_found++;
        }
        if (log_debug_enabled()) {
                char a[INET6_ADDRSTRLEN], u[INET6_ADDRSTRLEN];
                g_debug("probe %s%%%d -> %s (%s, rtt %" G_GUINT64_FORMAT " us)",
                        inet_ntop(AF_INET6, &pd->key.address, a, sizeof(a)), pd->key.ifindex,
                        inet_ntop(AF_INET6, unicast, u, sizeof(u)),
                        flags == AARP_FLAG_ANYCAST ? "anycast" :
                        flags == AARP_FLAG_UNICAST ? "unicast" : "no reply",
                        result->rtt_usec);
        }

        if (pd->generation == r->generation)
                cache_insert(r->cache, &pd->key.address, pd->key.ifindex, unicast, flags,
                             result->rtt_usec, ttl, (uint64_t) g_get_monotonic_time());

        g_hash_table_remove(r->pending, &pd->key);
        /* Waiters may start new resolutions from their callback; the
         * Pending is already out of the table, so those start afresh. */
        for (guint i = 0; i < pd->waiters->len; i++) {
                Waiter *w = &g_array_index(pd->waiters, Waiter, i);
                answer(w->callback, w->user_data, unicast, flags, ttl, result->rtt_usec);
        }
        g_array_unref(pd->waiters);
        g_free(pd);
}

void resolver_resolve_address(Resolver *r, int ifindex, const struct in6_addr *address,
                              uint64_t flags, ResolverAddressCallback callback,
                              gpointer user_data) {
        CacheKey key = { .address = *address, .ifindex = ifindex };
        Waiter w = { .callback = callback, .user_data = user_data };
        Pending *pd;

        if (IN6_IS_ADDR_LINKLOCAL(address) && ifindex <= 0) {
                g_autoptr(GError) e = g_error_new_literal(AARP_ERROR, AARP_E_INVALID_INTERFACE,
                                                          "a link-local address needs an interface index");
                callback(NULL, e, user_data);
                return;
        }
        if (!addr_should_probe(address, r->config)) {
                answer(callback, user_data, address, AARP_FLAG_NOT_PROBED, AARP_NOT_PROBED_TTL_SEC, 0);
                return;
        }

        if (!(flags & AARP_FLAG_NO_CACHE)) {
                uint64_t now = (uint64_t) g_get_monotonic_time();
                const CacheEntry *e = cache_lookup(r->cache, address, ifindex, now);

                if (e) {
                        uint32_t ttl = (uint32_t) ((e->expiry_usec - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
                        answer(callback, user_data, &e->unicast, e->flags | AARP_FLAG_FROM_CACHE, ttl,
                               e->rtt_usec);
                        return;
                }
        }

        pd = g_hash_table_lookup(r->pending, &key);
        if (!pd) {
                pd = g_new0(Pending, 1);
                pd->resolver = r;
                pd->key = key;
                pd->generation = r->generation;
                pd->waiters = g_array_new(FALSE, FALSE, sizeof(Waiter));
                g_hash_table_insert(r->pending, &pd->key, pd);
                prober_start(r->prober, address, ifindex, on_probe_done, pd);
        }
        g_array_append_val(pd->waiters, w);
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
        };
}

void resolver_reset_stats(Resolver *r) {
        prober_reset_stats(r->prober);
        cache_reset_counters(r->cache);
        r->anycast_found = 0;
        r->invalidations = 0;
}
