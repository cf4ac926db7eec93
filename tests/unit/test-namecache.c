/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The name cache: TTL = min(DNS TTL, mapping TTL), negative entries, LRU
 * bound, flush (resolverd/names/namecache.c), driven by a fake clock. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "namecache.h"

static gint64 fake_now;

static gint64 fake_clock(gpointer user_data) {
        return fake_now;
}

static GArray *one_address(uint8_t last) {
        GArray *a = g_array_new(FALSE, FALSE, sizeof(NameAddress));
        NameAddress x = { .family = AF_INET6, .address = { 0x20, 0x01, 0x0d, 0xb8, [15] = last } };

        g_array_append_val(a, x);
        return a;
}

static gboolean hit(NameCache *c, const char *name, int family, int *ret_code,
                    uint64_t *ret_flags) {
        const GArray *addresses;
        const char *canonical;
        uint64_t flags;
        int code;
        gboolean r = name_cache_lookup(c, name, family, 0, &addresses, &canonical, &flags, &code);

        if (ret_code)
                *ret_code = code;
        if (ret_flags)
                *ret_flags = flags;
        return r;
}

Test(namecache, ttl_is_the_smaller_of_dns_and_mapping_ttl) {
        cr_assert_eq(name_cache_positive_ttl(300, 60), 60);
        cr_assert_eq(name_cache_positive_ttl(20, 60), 20);
        cr_assert_eq(name_cache_positive_ttl(0, 60), 0);
        cr_assert_eq(name_cache_positive_ttl(G_MAXUINT32, AARP_NOT_PROBED_TTL_SEC),
                     AARP_NOT_PROBED_TTL_SEC);
        cr_assert_eq(name_cache_positive_ttl(G_MAXUINT32, G_MAXUINT32), NAME_CACHE_TTL_MAX_SEC);
}

Test(namecache, positive_entry_expires_with_the_mapping) {
        g_autoptr(NameCache) c = name_cache_new(16, fake_clock, NULL);
        g_autoptr(GArray) a = one_address(1);
        uint64_t flags = 0;

        fake_now = 1000 * G_USEC_PER_SEC;
        /* DNS said 300 s, the anycast mapping 60 s. */
        name_cache_put(c, "Svc.Example.", AF_UNSPEC, 0, a, "svc.example", AARP_FLAG_ANYCAST, NULL,
                       name_cache_positive_ttl(300, 60));
        fake_now += 59 * G_USEC_PER_SEC;
        int code;
        cr_assert(hit(c, "SVC.example.", AF_UNSPEC, &code, &flags), "same key, other case");
        cr_assert_not(hit(c, "svc.example", AF_UNSPEC, NULL, NULL),
                      "the relative name (search list) is another question than the absolute one");
        cr_assert_eq(code, -1);
        cr_assert_eq(flags, AARP_FLAG_ANYCAST);
        cr_assert_not(hit(c, "svc.example.", AF_INET6, NULL, NULL), "family is part of the key");
        fake_now += 1 * G_USEC_PER_SEC;
        cr_assert_not(hit(c, "svc.example.", AF_UNSPEC, NULL, NULL), "served past the mapping TTL");
        cr_assert_eq(name_cache_size(c), 0);
}

Test(namecache, zero_ttl_and_empty_answers_are_not_stored) {
        g_autoptr(NameCache) c = name_cache_new(16, fake_clock, NULL);
        g_autoptr(GArray) a = one_address(1);
        g_autoptr(GArray) empty = g_array_new(FALSE, FALSE, sizeof(NameAddress));

        name_cache_put(c, "x", AF_UNSPEC, 0, a, "x", 0, NULL, 0);
        name_cache_put(c, "y", AF_UNSPEC, 0, empty, "y", 0, NULL, 60);
        cr_assert_eq(name_cache_size(c), 0);
}

Test(namecache, negative_entries_are_brief) {
        g_autoptr(NameCache) c = name_cache_new(16, fake_clock, NULL);
        int code;

        cr_assert_eq(name_cache_negative_ttl(G_MAXUINT32), NAME_CACHE_NEGATIVE_TTL_MAX_SEC);
        cr_assert_eq(name_cache_negative_ttl(5), 5);
        cr_assert_eq(name_cache_negative_ttl(3600), NAME_CACHE_NEGATIVE_TTL_MAX_SEC);

        fake_now = 0;
        name_cache_put_negative(c, "nx.example", AF_INET, 0, AARP_E_NO_SUCH_NAME,
                                name_cache_negative_ttl(5));
        cr_assert(hit(c, "nx.example", AF_INET, &code, NULL));
        cr_assert_eq(code, AARP_E_NO_SUCH_NAME);
        fake_now = 5 * G_USEC_PER_SEC;
        cr_assert_not(hit(c, "nx.example", AF_INET, NULL, NULL));
}

Test(namecache, least_recently_used_goes_first_and_flush_empties) {
        g_autoptr(NameCache) c = name_cache_new(2, fake_clock, NULL);
        g_autoptr(GArray) a = one_address(1);

        fake_now = 0;
        name_cache_put(c, "one", AF_UNSPEC, 0, a, "one", 0, NULL, 60);
        name_cache_put(c, "two", AF_UNSPEC, 0, a, "two", 0, NULL, 60);
        cr_assert(hit(c, "one", AF_UNSPEC, NULL, NULL)); /* two is now the oldest */
        name_cache_put(c, "three", AF_UNSPEC, 0, a, "three", 0, NULL, 60);
        cr_assert_eq(name_cache_size(c), 2);
        cr_assert(hit(c, "one", AF_UNSPEC, NULL, NULL));
        cr_assert_not(hit(c, "two", AF_UNSPEC, NULL, NULL));
        name_cache_flush(c);
        cr_assert_eq(name_cache_size(c), 0);
        cr_assert_not(hit(c, "one", AF_UNSPEC, NULL, NULL));
}

Test(namecache, invalidating_an_address_drops_only_the_answers_mapped_from_it) {
        g_autoptr(NameCache) c = name_cache_new(16, fake_clock, NULL);
        g_autoptr(GArray) a = one_address(1);
        g_autoptr(GArray) from_x = g_array_new(FALSE, TRUE, sizeof(struct in6_addr));
        g_autoptr(GArray) from_y = g_array_new(FALSE, TRUE, sizeof(struct in6_addr));
        struct in6_addr x = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xaa } };
        struct in6_addr y = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xbb } };

        fake_now = 1000 * G_USEC_PER_SEC;
        g_array_append_val(from_x, x);
        g_array_append_val(from_y, y);
        g_array_append_val(from_y, x);
        name_cache_put(c, "one", AF_UNSPEC, 0, a, "one", 0, from_x, 60);
        name_cache_put(c, "two", AF_UNSPEC, 0, a, "two", 0, from_y, 60);
        name_cache_put(c, "three", AF_UNSPEC, 0, a, "three", 0, NULL, 60);
        name_cache_put_negative(c, "four", AF_UNSPEC, 0, AARP_E_NO_SUCH_NAME, 30);

        cr_assert_eq(name_cache_invalidate_address(c, &y), 1);
        cr_assert(hit(c, "one", AF_UNSPEC, NULL, NULL));
        cr_assert_not(hit(c, "two", AF_UNSPEC, NULL, NULL));
        cr_assert_eq(name_cache_invalidate_address(c, &x), 1);
        cr_assert_not(hit(c, "one", AF_UNSPEC, NULL, NULL));
        cr_assert(hit(c, "three", AF_UNSPEC, NULL, NULL));
        cr_assert(hit(c, "four", AF_UNSPEC, NULL, NULL));
        cr_assert_eq(name_cache_size(c), 2);
}
