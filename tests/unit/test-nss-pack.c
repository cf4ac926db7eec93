/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-nss-pack.c: nss/pack.c, the layouts libnss_aarp writes into glibc's
 * buffers.  The exact ERANGE boundary matters (glibc grows the buffer and
 * retries on ERANGE, and an off-by-one either overruns the caller's buffer
 * or fails a lookup that fits), so every buffer size from 0 up is tried at
 * every misalignment, with canary bytes after the given length.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pack.h"

#define CANARY 0xA5
#define AREA 80000

static alignas(64) char area[AREA];

static BusAddress v4(const char *s) {
        BusAddress a = {.family = AF_INET};

        cr_assert_eq(inet_pton(AF_INET, s, a.address), 1);
        return a;
}

static BusAddress v6(const char *s, int ifindex) {
        BusAddress a = {.family = AF_INET6, .ifindex = ifindex};

        cr_assert_eq(inet_pton(AF_INET6, s, a.address), 1);
        return a;
}

static size_t tuples_size(size_t k, const char *name, size_t misalign) {
        size_t pad = (alignof(struct gaih_addrtuple) - misalign % alignof(struct gaih_addrtuple)) %
                     alignof(struct gaih_addrtuple);

        return pad + k * sizeof(struct gaih_addrtuple) + strlen(name) + 1;
}

static size_t hostent_size(size_t k, size_t alen, const char *name, size_t misalign) {
        size_t pad = (alignof(char *) - misalign % alignof(char *)) % alignof(char *);

        return pad + (k + 2) * sizeof(char *) + k * alen + strlen(name) + 1;
}

static void assert_canaries(const char *buffer, size_t from, size_t to) {
        for (size_t i = from; i < to; i++)
                cr_assert_eq((unsigned char)buffer[i], CANARY, "byte %zu past the buffer was written", i);
}

/* Sweep buflen over [0, want + 32] at @misalign: ERANGE (with the right
 * ret_needed, buffer untouched) below @want, success from @want on, and
 * never a byte written at or past buflen. */
static void sweep_addrtuples(const char *name, const BusAddress *a, size_t n, int family, size_t misalign,
                             size_t want) {
        char *buffer = area + misalign;

        cr_assert_lt(misalign + want + 64, sizeof area);
        for (size_t len = 0; len <= want + 32; len++) {
                struct gaih_addrtuple *first = NULL;
                size_t needed = 0;
                int r;

                memset(area, CANARY, misalign + want + 64);
                r = pack_addrtuples(name, a, n, family, buffer, len, &first, &needed);
                if (len < want) {
                        cr_assert_eq(r, -ERANGE, "len %zu < %zu misalign %zu: r=%d", len, want, misalign, r);
                        cr_assert_eq(needed, want);
                        cr_assert_null(first);
                        assert_canaries(area, 0, misalign + want + 64);
                } else {
                        cr_assert_eq(r, 0, "len %zu >= %zu misalign %zu: r=%d", len, want, misalign, r);
                        cr_assert_eq((uintptr_t)first % alignof(struct gaih_addrtuple), 0);
                        cr_assert_geq((char *)first, buffer);
                        assert_canaries(buffer, len, want + 64);
                }
        }
}

static void sweep_hostent(const char *name, const BusAddress *a, size_t n, int family, size_t misalign,
                          size_t want) {
        char *buffer = area + misalign;

        cr_assert_lt(misalign + want + 64, sizeof area);
        for (size_t len = 0; len <= want + 32; len++) {
                struct hostent h = {0};
                char *canonical = NULL;
                size_t needed = 0;
                int r;

                memset(area, CANARY, misalign + want + 64);
                r = pack_hostent(name, a, n, family, buffer, len, &h, &canonical, &needed);
                if (len < want) {
                        cr_assert_eq(r, -ERANGE, "len %zu < %zu misalign %zu: r=%d", len, want, misalign, r);
                        cr_assert_eq(needed, want);
                        cr_assert_null(h.h_name);
                        assert_canaries(area, 0, misalign + want + 64);
                } else {
                        cr_assert_eq(r, 0, "len %zu >= %zu misalign %zu: r=%d", len, want, misalign, r);
                        cr_assert_eq((uintptr_t)h.h_addr_list % alignof(char *), 0);
                        cr_assert_eq((uintptr_t)h.h_aliases % alignof(char *), 0);
                        cr_assert_eq(canonical, h.h_name);
                        assert_canaries(buffer, len, want + 64);
                }
        }
}

Test(nss_pack, addrtuples_erange_boundary_is_exact_at_every_alignment) {
        BusAddress a[] = {v4("192.0.2.1"), v6("2001:db8::1", 0), v6("fe80::1", 3)};

        for (size_t m = 0; m < 16; m++) {
                sweep_addrtuples("host.example", a, 3, AF_UNSPEC, m, tuples_size(3, "host.example", m));
                sweep_addrtuples("host.example", a, 3, AF_INET, m, tuples_size(1, "host.example", m));
                sweep_addrtuples("host.example", a, 3, AF_INET6, m, tuples_size(2, "host.example", m));
        }
}

Test(nss_pack, hostent_erange_boundary_is_exact_at_every_alignment) {
        BusAddress a[] = {v4("192.0.2.1"), v6("2001:db8::1", 0), v4("192.0.2.2")};

        for (size_t m = 0; m < 16; m++) {
                sweep_hostent("h", a, 3, AF_INET, m, hostent_size(2, 4, "h", m));
                sweep_hostent("h", a, 3, AF_INET6, m, hostent_size(1, 16, "h", m));
        }
}

Test(nss_pack, zero_byte_null_buffer_is_erange_not_a_crash) {
        BusAddress a = v6("2001:db8::1", 0);
        struct gaih_addrtuple *first = NULL;
        struct hostent h;

        cr_assert_eq(pack_addrtuples("x", &a, 1, AF_UNSPEC, NULL, 0, &first, NULL), -ERANGE);
        cr_assert_eq(pack_hostent("x", &a, 1, AF_INET6, NULL, 0, &h, NULL, NULL), -ERANGE);
}

Test(nss_pack, addrtuples_keep_answer_order_and_share_one_name) {
        BusAddress a[] = {v6("2001:db8::1", 0), v4("192.0.2.1"), v6("2001:db8::2", 0), v4("192.0.2.2")};
        struct gaih_addrtuple *first = NULL, *t;
        size_t i = 0;

        cr_assert_eq(pack_addrtuples("canonical.example", a, 4, AF_UNSPEC, area, sizeof area, &first, NULL),
                     0);
        for (t = first; t; t = t->next, i++) {
                cr_assert_lt(i, 4u);
                cr_assert_eq(t->family, a[i].family);
                cr_assert_arr_eq(t->addr, a[i].address, a[i].family == AF_INET ? 4 : 16);
                cr_assert_str_eq(t->name, "canonical.example");
                cr_assert_eq(t->name, first->name, "every tuple points at the one copy");
                cr_assert_geq(t->name, area);
                cr_assert_lt(t->name, area + sizeof area);
        }
        cr_assert_eq(i, 4u);
}

Test(nss_pack, addrtuples_filter_by_family) {
        BusAddress a[] = {v6("2001:db8::1", 0), v4("192.0.2.1"), v6("2001:db8::2", 0)};
        struct gaih_addrtuple *first = NULL;

        cr_assert_eq(pack_addrtuples("n", a, 3, AF_INET, area, sizeof area, &first, NULL), 0);
        cr_assert_eq(first->family, AF_INET);
        cr_assert_null(first->next);

        cr_assert_eq(pack_addrtuples("n", a, 3, AF_INET6, area, sizeof area, &first, NULL), 0);
        cr_assert_eq(first->family, AF_INET6);
        cr_assert_eq(first->next->family, AF_INET6);
        cr_assert_arr_eq(first->next->addr, a[2].address, 16);
        cr_assert_null(first->next->next);
}

Test(nss_pack, no_address_of_the_family_is_enodata_even_with_no_buffer) {
        BusAddress a[] = {v6("2001:db8::1", 0)};
        struct gaih_addrtuple *first = NULL;
        struct hostent h;

        /* ENODATA before ERANGE: growing the buffer would never help. */
        cr_assert_eq(pack_addrtuples("n", a, 1, AF_INET, area, 0, &first, NULL), -ENODATA);
        cr_assert_eq(pack_hostent("n", a, 1, AF_INET, area, 0, &h, NULL, NULL), -ENODATA);
        cr_assert_eq(pack_addrtuples("n", a, 0, AF_UNSPEC, area, sizeof area, &first, NULL), -ENODATA);
}

Test(nss_pack, only_link_local_ipv6_carries_a_scope_id) {
        BusAddress a[] = {v6("fe80::1", 7), v6("2001:db8::1", 7), v4("192.0.2.1"), v6("fe80::2", 0)};
        struct gaih_addrtuple *first = NULL;

        a[2].ifindex = 7;
        cr_assert_eq(pack_addrtuples("n", a, 4, AF_UNSPEC, area, sizeof area, &first, NULL), 0);
        cr_assert_eq(first->scopeid, 7u);
        cr_assert_eq(first->next->scopeid, 0u);
        cr_assert_eq(first->next->next->scopeid, 0u);
        cr_assert_eq(first->next->next->next->scopeid, 0u);
}

Test(nss_pack, hostent_layout_is_complete) {
        BusAddress a[] = {v6("2001:db8::1", 0), v4("192.0.2.1"), v6("2001:db8::2", 0)};
        struct hostent h;
        char *canonical = NULL;

        cr_assert_eq(
                pack_hostent("www.example", a, 3, AF_INET6, area + 3, sizeof area - 3, &h, &canonical, NULL),
                0);
        cr_assert_str_eq(h.h_name, "www.example");
        cr_assert_eq(canonical, h.h_name);
        cr_assert_eq(h.h_addrtype, AF_INET6);
        cr_assert_eq(h.h_length, 16);
        cr_assert_null(h.h_aliases[0]);
        cr_assert_arr_eq(h.h_addr_list[0], a[0].address, 16);
        cr_assert_arr_eq(h.h_addr_list[1], a[2].address, 16);
        cr_assert_null(h.h_addr_list[2]);
}

Test(nss_pack, hostent_refuses_af_unspec) {
        BusAddress a = v4("192.0.2.1");
        struct hostent h;

        cr_assert_eq(pack_hostent("n", &a, 1, AF_UNSPEC, area, sizeof area, &h, NULL, NULL), -EAFNOSUPPORT);
        cr_assert_eq(pack_hostent("n", &a, 1, AF_PACKET, area, sizeof area, &h, NULL, NULL), -EAFNOSUPPORT);
}

Test(nss_pack, longest_name_and_many_addresses) {
        char name[254];
        BusAddress a[1000];
        struct gaih_addrtuple *first = NULL;
        struct hostent h;
        size_t i = 0;

        memset(name, 'a', 253);
        for (size_t l = 63; l < 253; l += 64)
                name[l] = '.';
        name[253] = '\0';
        for (size_t k = 0; k < 1000; k++) {
                char s[64];

                snprintf(s, sizeof s, "2001:db8::%zx", k + 1);
                a[k] = v6(s, 0);
        }
        /* AARP_ADDRESSES_MAX is 64; packing has no limit of its own. */
        sweep_addrtuples(name, a, 64, AF_UNSPEC, 0, tuples_size(64, name, 0));
        sweep_hostent(name, a, 64, AF_INET6, 5, hostent_size(64, 16, name, 5));

        cr_assert_eq(pack_addrtuples(name, a, 1000, AF_UNSPEC, area, sizeof area, &first, NULL), 0);
        for (struct gaih_addrtuple *t = first; t; t = t->next, i++)
                cr_assert_arr_eq(t->addr, a[i].address, 16);
        cr_assert_eq(i, 1000u);
        cr_assert_eq(pack_hostent(name, a, 1000, AF_INET6, area, sizeof area, &h, NULL, NULL), 0);
        cr_assert_str_eq(h.h_name, name);
        cr_assert_arr_eq(h.h_addr_list[999], a[999].address, 16);
        cr_assert_null(h.h_addr_list[1000]);
}

Test(nss_pack, bad_arguments_are_einval) {
        BusAddress a = v4("192.0.2.1");
        struct gaih_addrtuple *first = NULL;
        struct hostent h;

        cr_assert_eq(pack_addrtuples(NULL, &a, 1, AF_UNSPEC, area, sizeof area, &first, NULL), -EINVAL);
        cr_assert_eq(pack_addrtuples("n", NULL, 1, AF_UNSPEC, area, sizeof area, &first, NULL), -EINVAL);
        cr_assert_eq(pack_addrtuples("n", &a, 1, AF_UNSPEC, NULL, 10, &first, NULL), -EINVAL);
        cr_assert_eq(pack_hostent("n", &a, 1, AF_INET, area, sizeof area, NULL, NULL, NULL), -EINVAL);
        cr_assert_eq(pack_addrtuples("n", &a, 1, 99, area, sizeof area, &first, NULL), -EAFNOSUPPORT);
        (void)h;
}

/* Reverse lookups: h_name, the aliases, the one address; the same exact
 * ERANGE boundary at every alignment. */
Test(nss_pack, hostent_names_layout_and_erange_boundary) {
        static const char names[] = "uni.lab\0alias.lab\0third.example\0";
        const size_t names_size = sizeof(names) - 1; /* the three names with their NULs */
        uint8_t addr[16];

        cr_assert_eq(inet_pton(AF_INET6, "2001:db8::2", addr), 1);
        for (size_t m = 0; m < 16; m++) {
                char *buffer = area + m;
                size_t pad = (alignof(char *) - m % alignof(char *)) % alignof(char *);
                size_t want = pad + (2 + 3) * sizeof(char *) + 16 + names_size;

                for (size_t len = 0; len <= want + 32; len++) {
                        struct hostent h = {0};
                        size_t needed = 0;
                        int r;

                        memset(area, CANARY, m + want + 64);
                        r = pack_hostent_names(names, 3, AF_INET6, addr, buffer, len, &h, &needed);
                        if (len < want) {
                                cr_assert_eq(r, -ERANGE, "len %zu < %zu misalign %zu: r=%d", len, want, m, r);
                                cr_assert_eq(needed, want);
                                assert_canaries(area, 0, m + want + 64);
                                continue;
                        }
                        cr_assert_eq(r, 0, "len %zu misalign %zu: r=%d", len, m, r);
                        assert_canaries(buffer, len, want + 64);
                        cr_assert_str_eq(h.h_name, "uni.lab");
                        cr_assert_str_eq(h.h_aliases[0], "alias.lab");
                        cr_assert_str_eq(h.h_aliases[1], "third.example");
                        cr_assert_null(h.h_aliases[2]);
                        cr_assert_eq(h.h_addrtype, AF_INET6);
                        cr_assert_eq(h.h_length, 16);
                        cr_assert_eq(memcmp(h.h_addr_list[0], addr, 16), 0);
                        cr_assert_null(h.h_addr_list[1]);
                }
        }
        struct hostent h = {0};
        cr_assert_eq(pack_hostent_names(names, 1, AF_UNSPEC, addr, area, sizeof area, &h, NULL), -EAFNOSUPPORT);
        cr_assert_eq(pack_hostent_names(names, 0, AF_INET6, addr, area, sizeof area, &h, NULL), -EINVAL);
}
