/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The address cache: TTL expiry, LRU eviction, negative entries (resolverd/cache.c). */
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

Test(cache, full_cache_evicts_the_least_recently_used) {
        g_autoptr(Cache) c = cache_new(3);

        for (unsigned i = 0; i < 3; i++) {
                struct in6_addr a = nth(i);
                put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 60, 0);
        }
        struct in6_addr a0 = nth(0), a1 = nth(1), a3 = nth(3);
        cr_assert_not_null(cache_lookup(c, &a0, 0, 1)); /* 0 is now most recent */
        put(c, &a3, 0, &a3, AARP_FLAG_UNICAST, 0, 60, 1);
        cr_assert_eq(cache_size(c), 3);
        cr_assert_null(cache_lookup(c, &a1, 0, 2), "LRU entry 1 should be gone");
        cr_assert_not_null(cache_lookup(c, &a0, 0, 2));
        cr_assert_not_null(cache_lookup(c, &a3, 0, 2));
        cr_assert_eq(cache_evictions(c), 1);
}

Test(cache, shrinking_the_bound_evicts_at_once) {
        g_autoptr(Cache) c = cache_new(100);

        for (unsigned i = 0; i < 100; i++) {
                struct in6_addr a = nth(i);
                put(c, &a, 0, &a, AARP_FLAG_UNICAST, 0, 60, 0);
        }
        cache_set_max(c, 10);
        cr_assert_eq(cache_size(c), 10);
        struct in6_addr newest = nth(99), oldest = nth(0);
        cr_assert_not_null(cache_lookup(c, &newest, 0, 1));
        cr_assert_null(cache_lookup(c, &oldest, 0, 1));
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
