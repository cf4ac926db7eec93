/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-cache.h: the stub listener's answer cache.  Whole replies, keyed by
 * stub_packet_cache_key(), kept for their smallest TTL and served with
 * their TTLs lowered by the time spent in the cache.  Bounded by a number
 * of entries and a number of bytes; when either is reached the oldest
 * entries go first.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct StubCache StubCache;

StubCache *stub_cache_new(guint max_entries, gsize max_bytes);
void stub_cache_free(StubCache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StubCache, stub_cache_free)

/* Store a copy of @reply under @key (a reference is taken) for @ttl_sec
 * seconds from @now_usec.  A zero TTL stores nothing. */
void stub_cache_put(StubCache *c, GBytes *key, const uint8_t *reply, size_t len,
                    uint32_t ttl_sec, gint64 now_usec);

/* A newly allocated copy of the reply cached under @key, its TTLs aged, or
 * NULL if there is none or it expired (then it is dropped). */
uint8_t *stub_cache_lookup(StubCache *c, GBytes *key, gint64 now_usec, size_t *ret_len);

void stub_cache_flush(StubCache *c);
guint stub_cache_size(const StubCache *c);
gsize stub_cache_bytes(const StubCache *c);
