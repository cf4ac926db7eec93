/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * namecache.c: a bounded LRU map from (name, family, ifindex) to a finished
 * name answer with an absolute expiry time (see namecache.h for the TTL
 * rules and why they take the mapping TTL into account).
 */
#include <stdio.h>
#include <string.h>

#include "namecache.h"
#include "names-syntax.h"

typedef struct {
        char *key;
        GArray *addresses; /* NULL for negative entries */
        GArray *sources;   /* struct in6_addr the answer was mapped from, or NULL */
        char *canonical;
        uint64_t flags;
        int error_code;    /* -1 for positive entries */
        gint64 expiry_usec;
        GList link;        /* in NameCache.lru, data = this entry */
} NameCacheEntry;

struct NameCache {
        GHashTable *entries; /* key -> NameCacheEntry (owned) */
        GQueue lru;          /* head = least recently used */
        guint max_entries;
        NameCacheClock clock;
        gpointer clock_data;
};

static gint64 default_clock(gpointer user_data) {
        return g_get_monotonic_time();
}

static void entry_free(gpointer p) {
        NameCacheEntry *e = p;

        g_free(e->key);
        if (e->addresses)
                g_array_unref(e->addresses);
        if (e->sources)
                g_array_unref(e->sources);
        g_free(e->canonical);
        g_free(e);
}

NameCache *name_cache_new(guint max_entries, NameCacheClock clock, gpointer clock_data) {
        NameCache *c = g_new0(NameCache, 1);

        /* The key string is owned by the entry, freed by entry_free. */
        c->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
        g_queue_init(&c->lru);
        c->max_entries = MAX(max_entries, 1u);
        c->clock = clock ? clock : default_clock;
        c->clock_data = clock_data;
        return c;
}

void name_cache_flush(NameCache *c) {
        g_queue_init(&c->lru); /* links live inside the entries */
        g_hash_table_remove_all(c->entries);
}

void name_cache_free(NameCache *c) {
        if (!c)
                return;
        name_cache_flush(c);
        g_hash_table_unref(c->entries);
        g_free(c);
}

guint name_cache_size(const NameCache *c) {
        return g_hash_table_size(c->entries);
}

uint32_t name_cache_positive_ttl(uint32_t dns_ttl_sec, uint32_t mapping_ttl_sec) {
        return MIN(MIN(dns_ttl_sec, mapping_ttl_sec), NAME_CACHE_TTL_MAX_SEC);
}

uint32_t name_cache_negative_ttl(uint32_t soa_ttl_sec) {
        return MIN(soa_ttl_sec, NAME_CACHE_NEGATIVE_TTL_MAX_SEC);
}

static char *make_key(const char *name, int family, int ifindex) {
        g_autofree char *k = names_key(name);

        return g_strdup_printf("%d/%d/%s", family, ifindex, k);
}

static void entry_remove(NameCache *c, NameCacheEntry *e) {
        g_queue_unlink(&c->lru, &e->link);
        g_hash_table_remove(c->entries, e->key);
}

static void insert(NameCache *c, NameCacheEntry *e) {
        NameCacheEntry *old = g_hash_table_lookup(c->entries, e->key);

        if (old)
                entry_remove(c, old);
        while (g_hash_table_size(c->entries) >= c->max_entries)
                entry_remove(c, c->lru.head->data);

        e->link.data = e;
        g_queue_push_tail_link(&c->lru, &e->link);
        g_hash_table_insert(c->entries, e->key, e);
}

void name_cache_put(NameCache *c, const char *name, int family, int ifindex,
                    const GArray *addresses, const char *canonical, uint64_t flags,
                    const GArray *sources, uint32_t ttl_sec) {
        if (ttl_sec == 0 || !addresses || addresses->len == 0)
                return;

        NameCacheEntry *e = g_new0(NameCacheEntry, 1);
        e->key = make_key(name, family, ifindex);
        e->addresses = g_array_sized_new(FALSE, FALSE, sizeof(NameAddress), addresses->len);
        g_array_append_vals(e->addresses, addresses->data, addresses->len);
        e->canonical = g_strdup(canonical);
        if (sources && sources->len > 0) {
                e->sources = g_array_sized_new(FALSE, FALSE, sizeof(struct in6_addr), sources->len);
                g_array_append_vals(e->sources, sources->data, sources->len);
        }
        e->flags = flags;
        e->error_code = -1;
        e->expiry_usec = c->clock(c->clock_data) + (gint64) ttl_sec * G_USEC_PER_SEC;
        insert(c, e);
}

void name_cache_put_negative(NameCache *c, const char *name, int family, int ifindex,
                             int code, uint32_t ttl_sec) {
        if (ttl_sec == 0)
                return;

        NameCacheEntry *e = g_new0(NameCacheEntry, 1);
        e->key = make_key(name, family, ifindex);
        e->error_code = code;
        e->expiry_usec = c->clock(c->clock_data) + (gint64) ttl_sec * G_USEC_PER_SEC;
        insert(c, e);
}

guint name_cache_invalidate_address(NameCache *c, const struct in6_addr *address) {
        GList *next;
        guint n = 0;

        for (GList *l = c->lru.head; l; l = next) {
                NameCacheEntry *e = l->data;
                gboolean hit = FALSE;

                next = l->next;
                for (guint i = 0; e->sources && i < e->sources->len && !hit; i++)
                        hit = memcmp(&g_array_index(e->sources, struct in6_addr, i), address,
                                     sizeof(*address)) == 0;
                if (hit) {
                        entry_remove(c, e);
                        n++;
                }
        }
        return n;
}

gboolean name_cache_get(NameCache *c, const char *name, int family, int ifindex, NameCacheHit *ret) {
        g_autofree char *key = make_key(name, family, ifindex);
        NameCacheEntry *e = g_hash_table_lookup(c->entries, key);
        gint64 now;

        if (!e)
                return FALSE;
        now = c->clock(c->clock_data);
        if (now >= e->expiry_usec) {
                entry_remove(c, e);
                return FALSE;
        }

        g_queue_unlink(&c->lru, &e->link);
        g_queue_push_tail_link(&c->lru, &e->link);

        *ret = (NameCacheHit) {
                .error_code = e->error_code,
                .addresses = e->addresses,
                .canonical = e->canonical,
                .flags = e->flags,
                .sources = e->sources,
                .ttl_sec = (uint32_t) ((e->expiry_usec - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC),
        };
        return TRUE;
}

void name_cache_foreach(const NameCache *c, NameCacheForeachFunc func, gpointer user_data) {
        gint64 now = c->clock(c->clock_data);

        for (GList *l = c->lru.tail; l; l = l->prev) {
                const NameCacheEntry *e = l->data;
                NameCacheHit hit;
                int family, ifindex, used = 0;

                if (now >= e->expiry_usec)
                        continue;
                /* The key is make_key()'s "family/ifindex/name". */
                if (sscanf(e->key, "%d/%d/%n", &family, &ifindex, &used) != 2 || used == 0)
                        continue;
                hit = (NameCacheHit) {
                        .error_code = e->error_code,
                        .addresses = e->addresses,
                        .canonical = e->canonical,
                        .flags = e->flags,
                        .sources = e->sources,
                        .ttl_sec = (uint32_t) ((e->expiry_usec - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC),
                };
                if (!func(e->key + used, family, ifindex, &hit, user_data))
                        return;
        }
}

gboolean name_cache_lookup(NameCache *c, const char *name, int family, int ifindex,
                           const GArray **ret_addresses, const char **ret_canonical,
                           uint64_t *ret_flags, int *ret_error_code) {
        NameCacheHit hit;

        if (!name_cache_get(c, name, family, ifindex, &hit))
                return FALSE;
        *ret_error_code = hit.error_code;
        *ret_addresses = hit.addresses;
        *ret_canonical = hit.canonical;
        *ret_flags = hit.flags;
        return TRUE;
}
