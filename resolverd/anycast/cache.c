/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cache.c: the address cache (see cache.h) as an open-addressing hash table
 * with CLOCK eviction.
 *
 * A lookup should cost about the same at 1k and at 1M entries, so a hit
 * touches as few cache lines as possible once the table has outgrown the
 * CPU caches.  A slot is 16 bytes, four to a line: the key's 32-bit hash,
 * the CLOCK reference bit and the entry pointer.  Probing compares hashes
 * inside the slot array and dereferences only the entry it returns: one
 * line of slots and the entry's one or two lines, where a GHashTable plus
 * an LRU list read four arrays and entries and wrote two neighbours.
 *
 * Collisions: linear probing in Robin Hood order (along a run, no entry
 * sits farther from its home slot than the one after it may, so a search
 * for an absent key stops early), and removal shifts the rest of the run
 * back one slot instead of leaving tombstones.  The table doubles above
 * 3/4 full; cache_set_max() and cache_flush() shrink it.
 *
 * Eviction: a hit sets the slot's reference bit (once: it writes to a line
 * the lookup has just read).  Inserting into a full cache sweeps a hand
 * over the slots, clearing set bits and evicting the first entry whose bit
 * is clear, so an entry hit since the hand last passed survives one more
 * turn.  New entries start clear: an address looked up once and never
 * again goes before those in use.  An LRU list would instead write two
 * random cache lines on every hit.
 *
 * Entries are allocated one by one and never move; slots move on insertion,
 * removal and resizing.
 */
#include <string.h>

#include "aarp-def.h"
#include "cache.h"

#define SLOTS_MIN 16u

typedef struct {
        uint32_t hash;       /* of the key, never 0; 0 marks an empty slot */
        uint32_t referenced; /* CLOCK: hit since the hand last passed */
        CacheEntry *entry;
} Slot;

struct Cache {
        Slot *slots;
        uint32_t mask; /* number of slots - 1, a power of two - 1 */
        uint32_t count;
        uint32_t hand; /* CLOCK hand: the next slot to consider for eviction */
        uint32_t max_entries;
        uint64_t seed[2];
        CacheHashFunc hash_for_testing;
        uint64_t hits, misses, evictions;
};

/* Multiply to 128 bits and fold the halves (as wyhash does): every input
 * bit reaches the middle of the product. */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 Uint128;

static uint64_t mum(uint64_t a, uint64_t b) {
        Uint128 r = (Uint128) a * b;

        return (uint64_t) r ^ (uint64_t) (r >> 64);
}
#else
static uint64_t mum(uint64_t a, uint64_t b) {
        uint64_t ha = a >> 32, la = (uint32_t) a, hb = b >> 32, lb = (uint32_t) b;
        uint64_t rh = ha * hb, rm0 = ha * lb, rm1 = hb * la, rl = la * lb;
        uint64_t t = rl + (rm0 << 32), carry = t < rl;
        uint64_t lo = t + (rm1 << 32);

        carry += lo < t;
        return lo ^ (rh + (rm0 >> 32) + (rm1 >> 32) + carry);
}
#endif

static uint32_t key_hash(const Cache *c, const struct in6_addr *address, int ifindex) {
        uint64_t hi, lo, h;
        uint32_t h32;

        if (G_UNLIKELY(c->hash_for_testing)) {
                h32 = c->hash_for_testing(address, ifindex);
        } else {
                /* Seeded per cache: the addresses come from whatever
                 * applications look up, and a fixed hash would let anyone
                 * who can choose them pile them onto one run. */
                memcpy(&hi, address->s6_addr, 8);
                memcpy(&lo, address->s6_addr + 8, 8);
                h = mum(hi ^ c->seed[0], lo ^ c->seed[1]);
                h = mum(h ^ (uint32_t) ifindex, UINT64_C(0x9E3779B97F4A7C15));
                h32 = (uint32_t) (h >> 32);
        }
        return h32 ? h32 : 1;
}

/* How far slot @i is from the home slot of the hash it holds. */
static inline uint32_t displacement(const Cache *c, uint32_t i) {
        return (i - c->slots[i].hash) & c->mask;
}

static Slot *slot_find(const Cache *c, uint32_t hash, const struct in6_addr *address, int ifindex) {
        for (uint32_t i = hash & c->mask, dist = 0;; i = (i + 1) & c->mask, dist++) {
                Slot *s = &c->slots[i];

                /* Empty, or a slot nearer its home than we are to ours:
                 * Robin Hood insertion would have put the key here. */
                if (s->hash == 0 || displacement(c, i) < dist)
                        return NULL;
                if (s->hash == hash && s->entry->key.ifindex == ifindex &&
                    memcmp(&s->entry->key.address, address, 16) == 0)
                        return s;
        }
}

/* Put @s into a table known not to hold its key and to have a free slot. */
static void slot_place(Slot *slots, uint32_t mask, Slot s) {
        for (uint32_t i = s.hash & mask, dist = 0;; i = (i + 1) & mask, dist++) {
                Slot *t = &slots[i];
                uint32_t d;

                if (t->hash == 0) {
                        *t = s;
                        return;
                }
                d = (i - t->hash) & mask;
                if (d < dist) {
                        /* Take the place of the entry nearer its home and
                         * carry that one on. */
                        Slot carried = *t;

                        *t = s;
                        s = carried;
                        dist = d;
                }
        }
}

/* Empty slot @i: shift the rest of its run back by one, up to an empty
 * slot or one already at home, so that no search stops early. */
static void slot_clear(Cache *c, uint32_t i) {
        for (;;) {
                uint32_t next = (i + 1) & c->mask;

                if (c->slots[next].hash == 0 || displacement(c, next) == 0)
                        break;
                c->slots[i] = c->slots[next];
                i = next;
        }
        c->slots[i] = (Slot) { 0 };
}

static void remove_at(Cache *c, uint32_t i) {
        CacheEntry *e = c->slots[i].entry;

        slot_clear(c, i);
        c->count--;
        g_free(e);
}

static void resize(Cache *c, uint32_t n_slots) {
        Slot *old = c->slots;
        uint32_t old_n = c->mask + 1;

        c->slots = g_new0(Slot, n_slots);
        c->mask = n_slots - 1;
        for (uint32_t i = 0; i < old_n; i++)
                if (old[i].hash != 0)
                        slot_place(c->slots, c->mask, old[i]);
        c->hand = 0;
        g_free(old);
}

/* The table size for @n entries: at most 3/4 full. */
static uint32_t slots_for(uint32_t n) {
        uint32_t size = SLOTS_MIN;

        while (size / 4 * 3 < n)
                size *= 2;
        return size;
}

Cache *cache_new(uint32_t max_entries) {
        Cache *c = g_new0(Cache, 1);

        c->slots = g_new0(Slot, SLOTS_MIN);
        c->mask = SLOTS_MIN - 1;
        c->max_entries = MAX(max_entries, 1u);
        c->seed[0] = (uint64_t) g_random_int() << 32 | g_random_int();
        c->seed[1] = (uint64_t) g_random_int() << 32 | g_random_int();
        return c;
}

static void free_entries(Cache *c) {
        for (uint32_t i = 0; i <= c->mask; i++)
                if (c->slots[i].hash != 0)
                        g_free(c->slots[i].entry);
}

void cache_free(Cache *c) {
        if (!c)
                return;
        free_entries(c);
        g_free(c->slots);
        g_free(c);
}

/* Evict one entry, c->count > 0. */
static void evict_one(Cache *c) {
        for (;; c->hand = (c->hand + 1) & c->mask) {
                Slot *s = &c->slots[c->hand];

                if (s->hash == 0)
                        continue;
                if (s->referenced) {
                        s->referenced = 0;
                        continue;
                }
                /* The hand stays: the slot now holds the next of the run. */
                remove_at(c, c->hand);
                c->evictions++;
                return;
        }
}

void cache_set_max(Cache *c, uint32_t max_entries) {
        c->max_entries = MAX(max_entries, 1u);
        while (c->count > c->max_entries)
                evict_one(c);
        if (slots_for(c->count) * 4 <= c->mask + 1)
                resize(c, slots_for(c->count));
}

const CacheEntry *cache_lookup(Cache *c, const struct in6_addr *address, int ifindex,
                               uint64_t now_usec) {
        Slot *s = slot_find(c, key_hash(c, address, ifindex), address, ifindex);

        if (s && now_usec >= s->entry->expiry_usec) {
                remove_at(c, (uint32_t) (s - c->slots));
                s = NULL;
        }
        if (!s) {
                c->misses++;
                return NULL;
        }
        c->hits++;
        if (!s->referenced)
                s->referenced = 1;
        return s->entry;
}

void cache_insert(Cache *c, const struct in6_addr *address, int ifindex, const Member *members,
                  unsigned n_members, uint64_t flags, uint32_t ttl_sec, uint64_t now_usec) {
        uint32_t hash = key_hash(c, address, ifindex);
        Slot *s = slot_find(c, hash, address, ifindex);
        CacheEntry *e;

        if (ttl_sec == 0 || n_members == 0) {
                if (s)
                        remove_at(c, (uint32_t) (s - c->slots));
                return;
        }
        n_members = MIN(n_members, AARP_MEMBERS_MAX);

        e = g_malloc(sizeof(CacheEntry) + n_members * sizeof(Member));
        e->key = (CacheKey) { .address = *address, .ifindex = ifindex };
        e->n_members = n_members;
        e->flags = flags;
        e->lifetime_usec = (uint64_t) ttl_sec * G_USEC_PER_SEC;
        e->expiry_usec = now_usec + e->lifetime_usec;
        memcpy(e->members, members, n_members * sizeof(Member));

        if (s) {
                /* A refresh: the slot and its reference bit stay. */
                g_free(s->entry);
                s->entry = e;
                return;
        }
        if (c->count >= c->max_entries)
                evict_one(c);
        if (slots_for(c->count + 1) > c->mask + 1)
                resize(c, (c->mask + 1) * 2);
        slot_place(c->slots, c->mask, (Slot) { .hash = hash, .entry = e });
        c->count++;
}

const CacheEntry *cache_peek(const Cache *c, const struct in6_addr *address, int ifindex, uint64_t now_usec) {
        const Slot *s = slot_find(c, key_hash(c, address, ifindex), address, ifindex);

        return s && now_usec < s->entry->expiry_usec ? s->entry : NULL;
}

void cache_foreach(const Cache *c, uint64_t now_usec, CacheForeachFunc func, gpointer user_data) {
        for (uint32_t i = 0; i <= c->mask; i++) {
                const Slot *s = &c->slots[i];

                if (s->hash != 0 && now_usec < s->entry->expiry_usec && !func(s->entry, user_data))
                        return;
        }
}

void cache_remove(Cache *c, const struct in6_addr *address, int ifindex) {
        Slot *s = slot_find(c, key_hash(c, address, ifindex), address, ifindex);

        if (s)
                remove_at(c, (uint32_t) (s - c->slots));
}

void cache_flush(Cache *c) {
        free_entries(c);
        g_free(c->slots);
        c->slots = g_new0(Slot, SLOTS_MIN);
        c->mask = SLOTS_MIN - 1;
        c->count = 0;
        c->hand = 0;
}

guint cache_size(const Cache *c) {
        return c->count;
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

void cache_set_hash_func_for_testing(Cache *c, CacheHashFunc fn) {
        g_return_if_fail(c->count == 0);
        c->hash_for_testing = fn;
}
