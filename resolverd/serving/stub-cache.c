/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-cache.c: a hash table for lookups and a queue in insertion order
 * for eviction (a replaced entry moves to the tail).
 */
#include <string.h>

#include "stub-cache.h"
#include "stub-packet.h"

typedef struct {
        GBytes *key;
        uint8_t *reply;
        size_t len;
        gint64 stored_usec;
        gint64 expiry_usec;
        GList link;
} Entry;

struct StubCache {
        GHashTable *table; /* GBytes* key -> Entry* (owned) */
        GQueue order;      /* of Entry*, oldest first */
        guint max_entries;
        gsize max_bytes;
        gsize bytes;
};

static void entry_free(gpointer data) {
        Entry *e = data;

        g_bytes_unref(e->key);
        g_free(e->reply);
        g_free(e);
}

StubCache *stub_cache_new(guint max_entries, gsize max_bytes) {
        StubCache *c = g_new0(StubCache, 1);

        c->table = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, NULL, entry_free);
        g_queue_init(&c->order);
        c->max_entries = MAX(max_entries, 1u);
        c->max_bytes = max_bytes;
        return c;
}

static void drop(StubCache *c, Entry *e) {
        g_queue_unlink(&c->order, &e->link);
        c->bytes -= e->len;
        g_hash_table_remove(c->table, e->key);
}

void stub_cache_flush(StubCache *c) {
        g_hash_table_remove_all(c->table);
        g_queue_init(&c->order);
        c->bytes = 0;
}

void stub_cache_free(StubCache *c) {
        if (!c)
                return;
        stub_cache_flush(c);
        g_hash_table_unref(c->table);
        g_free(c);
}

void stub_cache_put(StubCache *c, GBytes *key, const uint8_t *reply, size_t len,
                    uint32_t ttl_sec, gint64 now_usec) {
        Entry *e = g_hash_table_lookup(c->table, key);

        if (e)
                drop(c, e);
        if (ttl_sec == 0 || len > c->max_bytes)
                return;
        while (c->order.length > 0 &&
               (c->order.length >= c->max_entries || c->bytes + len > c->max_bytes))
                drop(c, c->order.head->data);

        e = g_new0(Entry, 1);
        e->key = g_bytes_ref(key);
        e->reply = g_memdup2(reply, len);
        e->len = len;
        e->stored_usec = now_usec;
        e->expiry_usec = now_usec + (gint64) ttl_sec * G_USEC_PER_SEC;
        e->link.data = e;
        g_queue_push_tail_link(&c->order, &e->link);
        c->bytes += len;
        g_hash_table_insert(c->table, e->key, e);
}

uint8_t *stub_cache_lookup(StubCache *c, GBytes *key, gint64 now_usec, size_t *ret_len) {
        Entry *e = g_hash_table_lookup(c->table, key);

        if (!e)
                return NULL;
        if (now_usec >= e->expiry_usec) {
                drop(c, e);
                return NULL;
        }
        uint8_t *copy = g_memdup2(e->reply, e->len);
        gint64 elapsed = (now_usec - e->stored_usec) / G_USEC_PER_SEC;
        stub_packet_age(copy, e->len, (uint32_t) MIN(elapsed, (gint64) G_MAXUINT32));
        *ret_len = e->len;
        return copy;
}

guint stub_cache_size(const StubCache *c) {
        return g_hash_table_size(c->table);
}

gsize stub_cache_bytes(const StubCache *c) {
        return c->bytes;
}
