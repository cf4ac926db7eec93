/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The address cache: TTL expiry, CLOCK eviction, collisions and resizing,
 * negative entries (resolverd/anycast/cache.c). */
#include <arpa/inet.h>
#include <criterion/criterion.h>

#include "aarp-def.h"
#include "cache.h"

#define SEC G_USEC_PER_SEC

static struct in6_addr A(const char *s) {
        struct in6_addr a;
        cr_assert_eq(inet_pton(AF_INET6, s, &a), 1);
        return a;
}

/* A one-member entry, as unicast, no-reply and single-path results are. */
static void put(Cache *c, const struct in6_addr *a, int ifindex, const struct in6_addr *u, uint64_t flags,
                uint64_t rtt, uint32_t ttl, uint64_t now) {
        Member m = { .address = *u, .rtt_usec = rtt };
        cache_insert(c, a, ifindex, &m, 1, flags, ttl, now);
}

static struct in6_addr nth(unsigned i) {
        struct in6_addr a = A("2001:db8:b::");
        a.s6_addr[14] = (uint8_t) (i >> 8);
        a.s6_addr[15] = (uint8_t) i;
        return a;
}

Test(cache, entry_is_served_until_its_ttl_and_never_after) {
        g_autoptr(Cache) c = cache_new(16);
        struct in6_addr any = A("2001:db8:a::1"), u = A("2001:db8:11::2");

        put(c, &any, 0, &u, AARP_FLAG_ANYCAST, 500, 60, 1000 * SEC);
        const CacheEntry *e = cache_lookup(c, &any, 0, 1000 * SEC + 59 * SEC);
        cr_assert_not_null(e);
        cr_assert_arr_eq(&e->members[0].address, &u, 16);
        cr_assert_eq(e->flags, AARP_FLAG_ANYCAST);
        cr_assert_eq(e->members[0].rtt_usec, 500);
        cr_assert_null(cache_lookup(c, &any, 0, 1060 * SEC), "served at expiry");
        cr_assert_eq(cache_size(c), 0, "expired entry kept");
        cr_assert_eq(cache_hits(c), 1);
        cr_assert_eq(cache_misses(c), 1);
}

Test(cache, zero_ttl_entry_is_not_stored_and_removes_the_old_one) {
        g_autoptr(Cache) c = cache_new(16);
        struct in6_addr a = A("2001:db8:a::1");

        put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 30, 0);
        put(c, &a, 0, &a, AARP_FLAG_NO_REPLY, 0, 0, 0);
        cr_assert_null(cache_lookup(c, &a, 0, 1));
        cr_assert_eq(cache_size(c), 0);
}

Test(cache, ifindex_is_part_of_the_key) {
        g_autoptr(Cache) c = cache_new(16);
        struct in6_addr ll = A("fe80::1"), m1 = A("fe80::11"), m2 = A("fe80::22");

        put(c, &ll, 2, &m1, AARP_FLAG_ANYCAST, 0, 60, 0);
        put(c, &ll, 3, &m2, AARP_FLAG_ANYCAST, 0, 60, 0);
        cr_assert_arr_eq(&cache_lookup(c, &ll, 2, 1)->members[0].address, &m1, 16);
        cr_assert_arr_eq(&cache_lookup(c, &ll, 3, 1)->members[0].address, &m2, 16);
        cr_assert_null(cache_lookup(c, &ll, 0, 1));
}

/* Which of the entries not hit goes is the hand's choice; an entry hit
 * since the hand last passed never goes while one that was not remains. */
Test(cache, full_cache_evicts_an_entry_not_hit_and_keeps_the_hit_one) {
        for (unsigned round = 0; round < 50; round++) {
                /* The hash is seeded per cache: 50 caches, 50 layouts. */
                g_autoptr(Cache) c = cache_new(3);
                struct in6_addr a0 = nth(0), a1 = nth(1), a2 = nth(2), a3 = nth(3);

                for (unsigned i = 0; i < 3; i++) {
                        struct in6_addr a = nth(i);
                        put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 60, 0);
                }
                cr_assert_not_null(cache_lookup(c, &a0, 0, 1));
                put(c, &a3, 0, &a3, AARP_FLAG_UNICAST, 0, 60, 1);
                cr_assert_eq(cache_size(c), 3);
                cr_assert_eq(cache_evictions(c), 1);
                cr_assert_not_null(cache_peek(c, &a0, 0, 2), "the entry just hit was evicted");
                cr_assert_not_null(cache_peek(c, &a3, 0, 2), "the entry just inserted was evicted");
                cr_assert((cache_peek(c, &a1, 0, 2) != NULL) + (cache_peek(c, &a2, 0, 2) != NULL) == 1);
        }
}

Test(cache, every_entry_hit_still_lets_an_insert_evict_one) {
        g_autoptr(Cache) c = cache_new(8);

        for (unsigned i = 0; i < 8; i++) {
                struct in6_addr a = nth(i);
                put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 60, 0);
                cr_assert_not_null(cache_lookup(c, &a, 0, 1));
        }
        for (unsigned i = 8; i < 100; i++) {
                struct in6_addr a = nth(i);
                put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 60, 2);
                cr_assert_eq(cache_size(c), 8);
                cr_assert_not_null(cache_peek(c, &a, 0, 3));
        }
        cr_assert_eq(cache_evictions(c), 92);
}

/* A lookup marks an entry as used; cache_peek() must not. */
Test(cache, peek_does_not_protect_an_entry_from_eviction) {
        for (unsigned round = 0; round < 50; round++) {
                g_autoptr(Cache) c = cache_new(2);
                struct in6_addr a0 = nth(0), a1 = nth(1), a2 = nth(2);

                put(c, &a0, 0, &a0, AARP_FLAG_UNICAST, 0, 60, 0);
                put(c, &a1, 0, &a1, AARP_FLAG_UNICAST, 0, 60, 0);
                cr_assert_not_null(cache_lookup(c, &a1, 0, 1));
                cr_assert_not_null(cache_peek(c, &a0, 0, 1));
                put(c, &a2, 0, &a2, AARP_FLAG_UNICAST, 0, 60, 1);
                cr_assert_null(cache_peek(c, &a0, 0, 2));
                cr_assert_not_null(cache_peek(c, &a1, 0, 2));
                cr_assert_eq(cache_hits(c), 1, "peek counted");
        }
}

/* Replacing an entry is a refresh, not a new entry: it keeps its mark. */
Test(cache, replacing_a_hit_entry_keeps_it_marked_as_used) {
        for (unsigned round = 0; round < 50; round++) {
                g_autoptr(Cache) c = cache_new(2);
                struct in6_addr a0 = nth(0), a1 = nth(1), a2 = nth(2);

                put(c, &a0, 0, &a0, AARP_FLAG_UNICAST, 0, 60, 0);
                put(c, &a1, 0, &a1, AARP_FLAG_UNICAST, 0, 60, 0);
                cr_assert_not_null(cache_lookup(c, &a0, 0, 1));
                put(c, &a0, 0, &a1, AARP_FLAG_ANYCAST, 0, 60, 1);
                put(c, &a2, 0, &a2, AARP_FLAG_UNICAST, 0, 60, 1);
                cr_assert_eq(cache_peek(c, &a0, 0, 2)->flags, AARP_FLAG_ANYCAST);
                cr_assert_null(cache_peek(c, &a1, 0, 2));
        }
}

Test(cache, shrinking_the_bound_evicts_at_once_and_keeps_the_hit_entries) {
        g_autoptr(Cache) c = cache_new(1000);

        for (unsigned i = 0; i < 1000; i++) {
                struct in6_addr a = nth(i);
                put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 60, 0);
        }
        for (unsigned i = 0; i < 1000; i += 100) {
                struct in6_addr a = nth(i);
                cr_assert_not_null(cache_lookup(c, &a, 0, 1));
        }
        cache_set_max(c, 10);
        cr_assert_eq(cache_size(c), 10);
        cr_assert_eq(cache_evictions(c), 990);
        for (unsigned i = 0; i < 1000; i++) {
                struct in6_addr a = nth(i);
                cr_assert_eq(cache_peek(c, &a, 0, 2) != NULL, i % 100 == 0, "entry %u", i);
        }
        /* And it grows again, up to the new bound only. */
        cache_set_max(c, 500);
        for (unsigned i = 1000; i < 2000; i++) {
                struct in6_addr a = nth(i);
                put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 60, 3);
                cr_assert_not_null(cache_peek(c, &a, 0, 4));
        }
        cr_assert_eq(cache_size(c), 500);
        cache_set_max(c, 1);
        cr_assert_eq(cache_size(c), 1);
        cache_set_max(c, 0); /* means 1 */
        cr_assert_eq(cache_size(c), 1);
}

/* A hash with 12 values, all homed in the last 16 slots whatever the table
 * size: every key collides with a twelfth of the others, the runs merge
 * into one, and it wraps around the end of the table. */
static uint32_t colliding_hash(const struct in6_addr *address, int ifindex) {
        return 0xfffffff0u | (uint32_t) (address->s6_addr[15] & 3) << 2 | (uint32_t) ifindex;
}

/* Insertions, replacements, removals, expiry on lookup, evictions and
 * resizes under heavy collisions, checked after every step against a plain
 * list of what must be there: removal shifts runs back, and a key must
 * stay findable whatever moved around it. */
static void check_against_model(Cache *c, gboolean present[], const uint64_t expiry[], unsigned n_keys,
                                uint64_t now) {
        unsigned n = 0;

        for (unsigned k = 0; k < n_keys; k++) {
                struct in6_addr a = nth(k);
                const CacheEntry *e = cache_peek(c, &a, (int) (k % 3), 0);

                if (!present[k]) {
                        cr_assert_null(e, "key %u found after it went", k);
                        continue;
                }
                n++;
                cr_assert_not_null(e, "key %u lost", k);
                cr_assert_arr_eq(&e->key.address, &a, 16);
                cr_assert_eq(e->key.ifindex, (int) (k % 3));
                cr_assert_eq(e->expiry_usec, expiry[k]);
                cr_assert_eq(e->n_members, 1 + k % 3);
                cr_assert_arr_eq(&e->members[e->n_members - 1].address, &a, 16);
                cr_assert_eq(cache_peek(c, &a, (int) (k % 3), now) != NULL, now < expiry[k]);
        }
        cr_assert_eq(cache_size(c), n);
}

static void run_model(CacheHashFunc hash) {
        enum { N_KEYS = 300 };
        g_autoptr(Cache) c = cache_new(N_KEYS);
        g_autoptr(GRand) rand = g_rand_new_with_seed(5);
        gboolean present[N_KEYS] = { 0 };
        uint64_t expiry[N_KEYS] = { 0 };
        uint32_t max = N_KEYS;

        cache_set_hash_func_for_testing(c, hash);
        for (unsigned step = 0; step < 20000; step++) {
                unsigned k = (unsigned) g_rand_int_range(rand, 0, N_KEYS), op = (unsigned) g_rand_int_range(rand, 0, 100);
                struct in6_addr a = nth(k);
                int ifindex = (int) (k % 3);
                uint64_t now = step * SEC;

                if (op < 50) {
                        Member m[3] = { { .address = a }, { .address = a }, { .address = a } };
                        uint32_t ttl = (uint32_t) g_rand_int_range(rand, 1, 100);
                        guint before = cache_size(c);

                        cache_insert(c, &a, ifindex, m, 1 + k % 3, AARP_FLAG_UNICAST, ttl, now);
                        if (!present[k] && before == max) {
                                /* One of the others went: find which. */
                                for (unsigned j = 0; j < N_KEYS; j++) {
                                        struct in6_addr b = nth(j);
                                        if (present[j] && j != k && !cache_peek(c, &b, (int) (j % 3), 0))
                                                present[j] = FALSE;
                                }
                        }
                        present[k] = TRUE;
                        expiry[k] = now + ttl * SEC;
                } else if (op < 80) {
                        const CacheEntry *e = cache_lookup(c, &a, ifindex, now);
                        cr_assert_eq(e != NULL, present[k] && now < expiry[k]);
                        if (present[k] && now >= expiry[k])
                                present[k] = FALSE;
                } else if (op < 95) {
                        cache_remove(c, &a, ifindex);
                        present[k] = FALSE;
                } else if (op < 99) {
                        max = (uint32_t) g_rand_int_range(rand, 1, N_KEYS + 1);
                        cache_set_max(c, max);
                        for (unsigned j = 0; j < N_KEYS; j++) {
                                struct in6_addr b = nth(j);
                                if (present[j] && !cache_peek(c, &b, (int) (j % 3), 0))
                                        present[j] = FALSE;
                        }
                        cr_assert_leq(cache_size(c), max);
                } else {
                        cache_flush(c);
                        memset(present, 0, sizeof(present));
                }
                cr_assert_leq(cache_size(c), max);
                check_against_model(c, present, expiry, N_KEYS, now);
        }
}

Test(cache, every_key_stays_findable_under_collisions) {
        run_model(colliding_hash);
}

Test(cache, every_key_stays_findable_with_the_real_hash) {
        run_model(NULL);
}

Test(cache, no_reply_entries_are_cached_like_others_and_flush_empties) {
        g_autoptr(Cache) c = cache_new(16);
        struct in6_addr a = A("2001:db8:dead::1");

        put(c, &a, 0, &a, AARP_FLAG_NO_REPLY, 0, 30, 0);
        cr_assert_eq(cache_lookup(c, &a, 0, 29 * SEC)->flags, AARP_FLAG_NO_REPLY);
        cache_flush(c);
        cr_assert_eq(cache_size(c), 0);
        cr_assert_null(cache_lookup(c, &a, 0, 1));
        /* Still usable after a flush. */
        put(c, &a, 0, &a, AARP_FLAG_NO_REPLY, 0, 30, 0);
        cr_assert_eq(cache_size(c), 1);
}

Test(cache, replacing_an_entry_keeps_one) {
        g_autoptr(Cache) c = cache_new(16);
        struct in6_addr a = A("2001:db8:a::1"), m1 = A("2001:db8:11::2"), m2 = A("2001:db8:12::2");

        put(c, &a, 0, &m1, AARP_FLAG_ANYCAST, 0, 60, 0);
        put(c, &a, 0, &m2, AARP_FLAG_ANYCAST, 0, 60, 0);
        cr_assert_eq(cache_size(c), 1);
        cr_assert_arr_eq(&cache_lookup(c, &a, 0, 1)->members[0].address, &m2, 16);
}

Test(cache, members_are_kept_in_order_and_capped) {
        g_autoptr(Cache) c = cache_new(16);
        struct in6_addr any = A("2001:db8:a::1");
        Member m[AARP_MEMBERS_MAX + 4];

        for (unsigned i = 0; i < G_N_ELEMENTS(m); i++) {
                m[i].address = nth(i);
                m[i].rtt_usec = 100 + i;
        }
        cache_insert(c, &any, 0, m, G_N_ELEMENTS(m), AARP_FLAG_ANYCAST, 60, 0);
        const CacheEntry *e = cache_lookup(c, &any, 0, 1);
        cr_assert_not_null(e);
        cr_assert_eq(e->n_members, AARP_MEMBERS_MAX);
        for (unsigned i = 0; i < e->n_members; i++) {
                cr_assert_arr_eq(&e->members[i].address, &m[i].address, 16);
                cr_assert_eq(e->members[i].rtt_usec, 100 + i);
        }
        cr_assert_eq(e->lifetime_usec, 60 * SEC);
}
