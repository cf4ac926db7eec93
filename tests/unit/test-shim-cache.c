/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The aarp-run shim's in-process state (client/shim/shim-cache.c): mappings live
 * exactly as long as the daemon's TTL, the table stays bounded, and the
 * reverse map belongs to one socket, not to a file descriptor number. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim-cache.h"

#define SEC 1000000u

static struct in6_addr A(const char *s) {
        struct in6_addr a;
        cr_assert_eq(inet_pton(AF_INET6, s, &a), 1);
        return a;
}

static ShimMapping
mapping(const char *anycast, const char *unicast, uint64_t expires) {
        return (ShimMapping){
                .anycast = A(anycast),
                .unicast = A(unicast),
                .rewrite = true,
                .expires_usec = expires,
        };
}

Test(shim_cache, mapping_is_served_until_its_ttl_and_never_after) {
        static ShimCache c;
        ShimMapping m = mapping("2001:db8:a::1", "2001:db8:11::2", 100 * SEC), got;
        struct in6_addr any = A("2001:db8:a::1"), u = A("2001:db8:11::2");

        shim_cache_insert(&c, &m, 40 * SEC);
        cr_assert(shim_cache_lookup(&c, &any, 0, 99 * SEC, &got));
        cr_assert(got.rewrite);
        cr_assert(IN6_ARE_ADDR_EQUAL(&got.unicast, &u));
        cr_assert(!shim_cache_lookup(&c, &any, 0, 100 * SEC, &got));
        cr_assert(!shim_cache_lookup(&c, &any, 0, 99 * SEC, &got)); /* dropped, not revived */
}

Test(shim_cache, already_expired_mapping_is_not_stored) {
        static ShimCache c;
        ShimMapping m = mapping("2001:db8:a::1", "2001:db8:11::2", 10 * SEC), got;

        shim_cache_insert(&c, &m, 10 * SEC); /* TTL 0 */
        cr_assert(!shim_cache_lookup(&c, &m.anycast, 0, 10 * SEC, &got));
}

Test(shim_cache, scope_is_part_of_the_key) {
        static ShimCache c;
        ShimMapping m = mapping("fe80::1", "fe80::2", 100 * SEC), got;

        m.scope = 2;
        shim_cache_insert(&c, &m, 0);
        cr_assert(shim_cache_lookup(&c, &m.anycast, 2, 1, &got));
        cr_assert(!shim_cache_lookup(&c, &m.anycast, 3, 1, &got));
}

Test(shim_cache, pass_through_entries_are_cached_too) {
        static ShimCache c;
        ShimMapping m = {.anycast = A("2001:db8::5"), .rewrite = false, .expires_usec = 5 * SEC}, got;

        shim_cache_insert(&c, &m, 0);
        cr_assert(shim_cache_lookup(&c, &m.anycast, 0, 1, &got));
        cr_assert(!got.rewrite);
}

Test(shim_cache, replacing_an_address_keeps_one_entry_with_the_new_member) {
        static ShimCache c;
        ShimMapping m1 = mapping("2001:db8:a::1", "2001:db8:11::2", 100 * SEC);
        ShimMapping m2 = mapping("2001:db8:a::1", "2001:db8:12::2", 200 * SEC), got;
        struct in6_addr u2 = A("2001:db8:12::2");

        shim_cache_insert(&c, &m1, 0);
        shim_cache_insert(&c, &m2, 0);
        cr_assert(shim_cache_lookup(&c, &m1.anycast, 0, 150 * SEC, &got));
        cr_assert(IN6_ARE_ADDR_EQUAL(&got.unicast, &u2));
}

Test(shim_cache, table_is_bounded_and_evicts_what_expires_first) {
        static ShimCache c;
        unsigned n = SHIM_CACHE_SETS * SHIM_CACHE_WAYS * 4, found = 0;
        ShimMapping m = mapping("2001:db8:b::", "2001:db8:11::2", 0), got;

        for (unsigned i = 0; i < n; i++) {
                m.anycast.s6_addr[14] = (uint8_t)(i >> 8);
                m.anycast.s6_addr[15] = (uint8_t)i;
                m.expires_usec = (1000 + i) * SEC; /* later ones live longer */
                shim_cache_insert(&c, &m, 0);
        }
        for (unsigned i = 0; i < n; i++) {
                m.anycast.s6_addr[14] = (uint8_t)(i >> 8);
                m.anycast.s6_addr[15] = (uint8_t)i;
                found += shim_cache_lookup(&c, &m.anycast, 0, 1, &got);
        }
        cr_assert_leq(found, SHIM_CACHE_SETS * SHIM_CACHE_WAYS);
        /* The newest (longest-lived) entry survives every eviction. */
        cr_assert(shim_cache_lookup(&c, &m.anycast, 0, 1, &got));
}

Test(shim_cache, only_probeable_addresses_are_candidates) {
        struct in6_addr a;

        a = A("2001:db8:a::1");
        cr_assert(shim_address_is_candidate(&a, 0));
        a = A("::1");
        cr_assert(!shim_address_is_candidate(&a, 0));
        a = A("::");
        cr_assert(!shim_address_is_candidate(&a, 0));
        a = A("ff02::1");
        cr_assert(!shim_address_is_candidate(&a, 1));
        a = A("::ffff:192.0.2.1");
        cr_assert(!shim_address_is_candidate(&a, 0));
        a = A("fe80::1");
        cr_assert(!shim_address_is_candidate(&a, 0));
        cr_assert(shim_address_is_candidate(&a, 2));
}

Test(shim_sockets, member_maps_back_to_the_anycast_address_on_that_socket_only) {
        ShimSockets t = {0};
        struct in6_addr any = A("2001:db8:a::1"), u = A("2001:db8:11::2"), got, other = A("2001:db8::9");
        dev_t dev;
        ino_t ino;

        cr_assert_eq(shim_sockets_add(&t, 5, 1, 100, &any, &u), 0);
        cr_assert(shim_sockets_lookup(&t, 5, &u, &got, &dev, &ino));
        cr_assert(IN6_ARE_ADDR_EQUAL(&got, &any));
        cr_assert_eq(dev, 1);
        cr_assert_eq(ino, 100);
        cr_assert(!shim_sockets_lookup(&t, 6, &u, &got, &dev, &ino));
        cr_assert(!shim_sockets_lookup(&t, 5, &other, &got, &dev, &ino));
        cr_assert(!shim_sockets_lookup(&t, 100000, &u, &got, &dev, &ino));
        shim_sockets_forget(&t, 5);
        cr_assert(!shim_sockets_lookup(&t, 5, &u, &got, &dev, &ino));
        shim_sockets_free(&t);
}

Test(shim_sockets, a_reused_descriptor_starts_afresh) {
        ShimSockets t = {0};
        struct in6_addr a1 = A("2001:db8:a::1"), a2 = A("2001:db8:a::2"), u = A("2001:db8:11::2"), got;
        dev_t dev;
        ino_t ino;

        shim_sockets_add(&t, 3, 1, 100, &a1, &u);
        shim_sockets_add(&t, 3, 1, 200, &a2, &u); /* another socket, same fd */
        cr_assert(shim_sockets_lookup(&t, 3, &u, &got, &dev, &ino));
        cr_assert(IN6_ARE_ADDR_EQUAL(&got, &a2));
        cr_assert_eq(ino, 200);
        cr_assert_eq(t.by_fd[3].n_pairs, 1);
        shim_sockets_free(&t);
}

Test(shim_sockets, pairs_per_socket_are_bounded_and_newest_wins) {
        ShimSockets t = {0};
        struct in6_addr u = A("2001:db8:11::2"), a, got;
        dev_t dev;
        ino_t ino;

        /* Distinct members: bounded, the oldest pair goes first. */
        for (unsigned i = 1; i <= SHIM_SOCKET_PAIRS + 3; i++) {
                struct in6_addr m = u;
                a = A("2001:db8:a::");
                a.s6_addr[15] = (uint8_t)i;
                m.s6_addr[15] = (uint8_t)(100 + i);
                shim_sockets_add(&t, 0, 1, 1, &a, &m);
        }
        cr_assert_eq(t.by_fd[0].n_pairs, SHIM_SOCKET_PAIRS);
        /* One member behind many anycast addresses: one pair, the newest. */
        for (unsigned i = 1; i <= SHIM_SOCKET_PAIRS + 3; i++) {
                a = A("2001:db8:b::");
                a.s6_addr[15] = (uint8_t)i;
                shim_sockets_add(&t, 1, 1, 1, &a, &u);
        }
        cr_assert_eq(t.by_fd[1].n_pairs, 1);
        cr_assert(shim_sockets_lookup(&t, 1, &u, &got, &dev, &ino));
        cr_assert(IN6_ARE_ADDR_EQUAL(&got, &a));
        cr_assert_eq(shim_sockets_add(&t, -1, 1, 1, &a, &u), -EBADF);
        cr_assert_eq(shim_sockets_add(&t, SHIM_SOCKETS_FD_MAX, 1, 1, &a, &u), -EBADF);
        shim_sockets_free(&t);
}

/* What shim.c does with ShimFds, step by step, on real descriptors: the
 * socket() wrapper records the kind, a send records the pairs under the
 * generation, the close() wrapper starts a new one. */
static ShimFds fds;

static bool same_socket(int fd, ino_t recorded_generation) {
        unsigned state;

        cr_assert(shim_fds_get(&fds, fd, &state));
        return shim_fd_generation(state) == recorded_generation;
}

Test(shim_fds, a_number_reused_by_a_tcp_socket_or_a_file_is_not_the_old_udp_socket) {
        ShimSockets t = {0};
        struct in6_addr any = A("2001:db8:a::1"), u = A("2001:db8:11::2"), got;
        unsigned state;
        dev_t dev;
        ino_t ino;
        int udp, tcp, file;

        udp = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cr_assert_geq(udp, 0);
        shim_fds_reset(&fds, udp, SHIM_FD_ELIGIBLE); /* socket() */
        cr_assert(shim_fds_get(&fds, udp, &state));
        cr_assert_eq(shim_fd_kind(state), SHIM_FD_ELIGIBLE);
        cr_assert_eq(shim_sockets_add(&t, udp, 0, shim_fd_generation(state), &any, &u), 0); /* sendto() */
        cr_assert(shim_sockets_lookup(&t, udp, &u, &got, &dev, &ino));
        cr_assert(same_socket(udp, ino)); /* recvfrom(): rewritten back */

        close(udp);
        shim_fds_reset(&fds, udp, SHIM_FD_UNKNOWN); /* close() */
        tcp = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        cr_assert_eq(tcp, udp, "the lowest free number is reused");
        shim_fds_reset(&fds, tcp, SHIM_FD_ELIGIBLE);
        cr_assert(shim_sockets_lookup(&t, tcp, &u, &got, &dev, &ino));
        cr_assert(!same_socket(tcp, ino), "a TCP socket on the number must not get the UDP socket's pairs");

        close(tcp);
        shim_fds_reset(&fds, tcp, SHIM_FD_UNKNOWN);
        file = open("/dev/null", O_RDONLY | O_CLOEXEC); /* open() is not interposed */
        cr_assert_eq(file, udp);
        cr_assert(shim_fds_get(&fds, file, &state));
        cr_assert_eq(shim_fd_kind(state), SHIM_FD_UNKNOWN, "a file on the number is not known as a socket");
        cr_assert(shim_sockets_lookup(&t, file, &u, &got, &dev, &ino));
        cr_assert(!same_socket(file, ino));
        close(file);
        shim_sockets_free(&t);
}

Test(shim_fds, a_kind_found_out_before_a_reset_is_not_recorded) {
        unsigned seen, state;

        cr_assert(shim_fds_get(&fds, 7, &seen));
        shim_fds_reset(&fds, 7, SHIM_FD_UNKNOWN); /* closed and reused meanwhile */
        cr_assert(!shim_fds_set_kind(&fds, 7, seen, SHIM_FD_ELIGIBLE));
        cr_assert(shim_fds_get(&fds, 7, &state));
        cr_assert_eq(shim_fd_kind(state), SHIM_FD_UNKNOWN);
        cr_assert(shim_fds_set_kind(&fds, 7, state, SHIM_FD_INELIGIBLE));
        cr_assert(shim_fds_get(&fds, 7, &seen));
        cr_assert_eq(shim_fd_kind(seen), SHIM_FD_INELIGIBLE);
        cr_assert_eq(shim_fd_generation(seen), shim_fd_generation(state));
}

Test(shim_fds, every_reset_starts_a_new_generation) {
        unsigned before, after;

        cr_assert(shim_fds_get(&fds, 9, &before));
        for (unsigned i = 0; i < 3; i++) {
                shim_fds_reset(&fds, 9, i == 1 ? SHIM_FD_ELIGIBLE : SHIM_FD_UNKNOWN);
                cr_assert(shim_fds_get(&fds, 9, &after));
                cr_assert_eq(shim_fd_generation(after), shim_fd_generation(before) + 1);
                before = after;
        }
}

Test(shim_fds, close_range_resets_what_was_used_and_stops_at_the_table_end) {
        unsigned s10, s11, s12, state;

        shim_fds_reset(&fds, 10, SHIM_FD_ELIGIBLE);
        shim_fds_reset(&fds, 12, SHIM_FD_INELIGIBLE);
        cr_assert(shim_fds_get(&fds, 10, &s10) && shim_fds_get(&fds, 11, &s11) &&
                  shim_fds_get(&fds, 12, &s12));
        shim_fds_reset_range(&fds, 10, ~0u);
        cr_assert(shim_fds_get(&fds, 10, &state));
        cr_assert_eq(state, ((s10 | 3u) + 1u), "new generation, kind unknown");
        cr_assert(shim_fds_get(&fds, 11, &state));
        cr_assert_eq(state, s11, "never used: left alone");
        cr_assert(shim_fds_get(&fds, 12, &state));
        cr_assert_eq(shim_fd_kind(state), SHIM_FD_UNKNOWN);
}

Test(shim_fds, descriptors_beyond_the_table_are_not_tracked) {
        unsigned state = 0;

        cr_assert(!shim_fds_get(&fds, -1, &state));
        cr_assert(!shim_fds_get(&fds, (int)SHIM_FDS_SIZE, &state));
        cr_assert(!shim_fds_set_kind(&fds, (int)SHIM_FDS_SIZE, 0, SHIM_FD_ELIGIBLE));
        shim_fds_reset(&fds, -5, SHIM_FD_ELIGIBLE);
        shim_fds_reset(&fds, (int)SHIM_FDS_SIZE + 1, SHIM_FD_ELIGIBLE);
        cr_assert(shim_fds_get(&fds, (int)SHIM_FDS_SIZE - 1, &state));
        cr_assert_eq(state, 0);
}
