/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cache.c: hash table for lookups plus an intrusive LRU queue for eviction
 * (see cache.h).  Most recently used entries sit at the head.
 */
#include <string.h>

#include "aarp-def.h"
#include "cache.h"

struct Cache {
        GHashTable *entries; /* CacheKey* -> CacheEntry*, key points into the entry */
        GQueue lru;
        uint32_t max_entries;
        uint64_t hits, misses, evictions;
};

static guint key_hash(gconstpointer p) {
        const CacheKey *k = p;
        /* FNV-1a over address and ifindex: addresses within one prefix
         * differ only in their last bytes, so every byte must count. */
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < 16; i++)
                h = (h ^ k->address.s6_addr[i]) * 16777619u;
        h = (h ^ (uint32_t) k->ifindex) * 16777619u;
        return h;
}

static gboolean key_equal(gconstpointer a, gconstpointer b) {
        const CacheKey *x = a, *y = b;

        return x->ifindex == y->ifindex && memcmp(&x->address, &y->address, 16) == 0;
}

Cache *cache_new(uint32_t max_entries) {
        Cache *c = g_new0(Cache, 1);

        c->entries = g_hash_table_new_full(key_hash, key_equal, NULL, g_free);
        g_queue_init(&c->lru);
        c->max_entries = MAX(max_entries, 1u);
        return c;
}

void cache_free(Cache *c) {
        if (!c)
                return;
        g_hash_table_destroy(c->entries);
        g_free(c);
}

static void entry_remove(Cache *c, CacheEntry *e) {
        g_queue_unlink(&c->lru, &e->lru);
        g_hash_table_remove(c->entries, &e->key); /* frees e */
}

static void evict_to(Cache *c, uint32_t max) {
        while (g_hash_table_size(c->entries) > max) {
                CacheEntry *oldest = c->lru.tail->data;
                entry_remove(c, oldest);
                c->evictions++;
        }
}

void cache_set_max(Cache *c, uint32_t max_entries) {
        c->max_entries = MAX(max_entries, 1u);
        evict_to(c, c->max_entries);
}

const CacheEntry *cache_lookup(Cache *c, const struct in6_addr *address, int ifindex,
                               uint64_t now_usec) {
        CacheKey k = { .address = *address, .ifindex = ifindex };
        CacheEntry *e = g_hash_table_lookup(c->entries, &k);

        if (e && now_usec >= e->expiry_usec) {
                entry_remove(c, e);
                e = NULL;
        }
        if (!e) {
                c->misses++;
                return NULL;
        }
        c->hits++;
        g_queue_unlink(&c->lru, &e->lru);
        g_queue_push_head_link(&c->lru, &e->lru);
        return e;
}

void cache_insert(Cache *c, const struct in6_addr *address, int ifindex, const Member *members,
                  unsigned n_members, uint64_t flags, uint32_t ttl_sec, uint64_t now_usec) {
        CacheKey k = { .address = *address, .ifindex = ifindex };
        CacheEntry *e = g_hash_table_lookup(c->entries, &k);

        if (e)
                entry_remove(c, e);
        if (ttl_sec == 0 || n_members == 0)
                return;
        n_members = MIN(n_members, AARP_MEMBERS_MAX);

        e = g_malloc0(sizeof(CacheEntry) + n_members * sizeof(Member));
        e->key = k;
        e->flags = flags;
        e->n_members = n_members;
        memcpy(e->members, members, n_members * sizeof(Member));
        e->lifetime_usec = (uint64_t) ttl_sec * G_USEC_PER_SEC;
        e->expiry_usec = now_usec + e->lifetime_usec;
        e->lru.data = e;
        g_hash_table_insert(c->entries, &e->key, e);
        g_queue_push_head_link(&c->lru, &e->lru);
        evict_to(c, c->max_entries);
}

const CacheEntry *cache_peek(const Cache *c, const struct in6_addr *address, int ifindex, uint64_t now_usec) {
        CacheKey k = { .address = *address, .ifindex = ifindex };
        const CacheEntry *e = g_hash_table_lookup(c->entries, &k);

        return e && now_usec < e->expiry_usec ? e : NULL;
}

void cache_remove(Cache *c, const struct in6_addr *address, int ifindex) {
        CacheKey k = { .address = *address, .ifindex = ifindex };
        CacheEntry *e = g_hash_table_lookup(c->entries, &k);

        if (e)
                entry_remove(c, e);
}

void cache_flush(Cache *c) {
        g_hash_table_remove_all(c->entries);
        g_queue_init(&c->lru);
}

guint cache_size(const Cache *c) {
        return g_hash_table_size(c->entries);
}

uint64_t cache_hits(const Cache *c) {
        return c->hits;
}

uint64_t cache_misses(const Cache *c) {
        return c->misses;
}

uint64_t cache_evictions(const Cache *c) {
        return c->evictions;
}

void cache_reset_counters(Cache *c) {
        c->hits = c->misses = c->evictions = 0;
}
