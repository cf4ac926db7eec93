/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cache.h: the address cache, keyed by (address, ifindex).
 *
 * Each entry holds what a probe found (anycast mapping, unicast identity or
 * no reply) until its TTL runs out; an expired entry is never returned.
 * The size is bounded: inserting into a full cache evicts an entry that has
 * not been looked up recently (CLOCK: an entry hit since the sweeping hand
 * last passed it is skipped once; see cache.c).  Time is passed in by the
 * caller (CLOCK_MONOTONIC microseconds), which keeps the cache free of I/O
 * and testable.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdint.h>

typedef struct Cache Cache;

typedef struct {
        struct in6_addr address;
        int ifindex;
} CacheKey;

/* One member of an anycast address (or the address itself for unicast and
 * no-reply results) with the round trip measured to it. */
typedef struct {
        struct in6_addr address;
        uint64_t rtt_usec;
} Member;

/* Ordered so that what a hit reads (key, expiry, flags, members[0]) sits
 * together: a one-member entry is 72 bytes. */
typedef struct {
        CacheKey key;
        unsigned n_members;     /* >= 1 */
        uint64_t expiry_usec;   /* monotonic; the entry is dead at and after it */
        uint64_t flags;         /* AARP_FLAG_ANYCAST / UNICAST / NO_REPLY */
        uint64_t lifetime_usec; /* the TTL it was inserted with */
        Member members[];       /* nearest first; members[0] is the answer */
} CacheEntry;

/* @max_entries >= 1. */
Cache *cache_new(uint32_t max_entries);
void cache_free(Cache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Cache, cache_free)

/* Change the bound, evicting entries not used recently if needed (entries
 * hit since the hand last passed them go last), and shrinking the table if
 * it has become much larger than the entries left. */
void cache_set_max(Cache *c, uint32_t max_entries);

/* The fresh entry for (@address, @ifindex) at @now_usec, or NULL.  An
 * expired entry is dropped on the way.  Counts a hit or a miss, and marks a
 * hit entry as recently used.  The entry stays owned by the cache and is
 * valid until the next modifying call (insert, remove, flush, set_max, or a
 * lookup that drops an expired entry). */
const CacheEntry *cache_lookup(Cache *c, const struct in6_addr *address, int ifindex,
                               uint64_t now_usec);

/* Insert or replace the entry for (@address, @ifindex): @n_members (1 ..
 * AARP_MEMBERS_MAX, more are dropped) members nearest first, copied; valid
 * for @ttl_sec from @now_usec.  A zero TTL removes any entry instead
 * (caching disabled for that kind of result). */
void cache_insert(Cache *c, const struct in6_addr *address, int ifindex, const Member *members,
                  unsigned n_members, uint64_t flags, uint32_t ttl_sec, uint64_t now_usec);

/* The fresh entry for (@address, @ifindex) at @now_usec, or NULL, without
 * side effects: no counters, not marked as used, nothing dropped.  With
 * @now_usec 0, an expired entry not yet dropped is returned too. */
const CacheEntry *cache_peek(const Cache *c, const struct in6_addr *address, int ifindex, uint64_t now_usec);

/* Call @func for every entry fresh at @now_usec, in no particular order,
 * without side effects, until it returns FALSE.  @func must not change the
 * cache; the entry is valid only during the call. */
typedef gboolean (*CacheForeachFunc)(const CacheEntry *entry, gpointer user_data);
void cache_foreach(const Cache *c, uint64_t now_usec, CacheForeachFunc func, gpointer user_data);

/* Drop the entry for (@address, @ifindex), if any. */
void cache_remove(Cache *c, const struct in6_addr *address, int ifindex);

void cache_flush(Cache *c);
guint cache_size(const Cache *c);
uint64_t cache_hits(const Cache *c);
uint64_t cache_misses(const Cache *c);
uint64_t cache_evictions(const Cache *c);
void cache_reset_counters(Cache *c);

/* For tests: compute key hashes with @fn instead (NULL restores the
 * default), so that tests can force collisions.  Only on an empty cache. */
typedef uint32_t (*CacheHashFunc)(const struct in6_addr *address, int ifindex);
void cache_set_hash_func_for_testing(Cache *c, CacheHashFunc fn);
