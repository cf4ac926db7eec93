/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaarp.c: the public API of libaarp.so.1 (include/aarp.h), a thin layer
 * over the shared D-Bus client (bus-client.c) that turns its byte buffers
 * into in6_addr/in_addr, checks arguments and preserves errno: the library
 * is called from arbitrary programs, which should not see errno change
 * behind their back.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "aarp.h"
#include "bus-client.h"

#define AARP_EXPORT __attribute__((visibility("default")))

AARP_EXPORT int aarp_resolv_full(const struct in6_addr *anycast, unsigned int ifindex, uint64_t flags,
                                 struct aarp_answer *ret) {
        struct aarp_answer a = {0};
        int saved_errno = errno, r;

        if (!anycast || !ret || ifindex > INT_MAX || (flags & ~AARP_FLAGS_INPUT_MASK))
                return -EINVAL;

        r = bus_client_resolve_address((int)ifindex, anycast, sizeof *anycast, flags, &a.unicast, &a.flags,
                                       &a.ttl_sec, &a.rtt_usec);
        errno = saved_errno;
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

AARP_EXPORT int aarp_resolv(const struct in6_addr *anycast, unsigned int ifindex,
                            struct in6_addr *ret_unicast) {
        struct aarp_answer a;
        int r;

        if (!ret_unicast)
                return -EINVAL;
        r = aarp_resolv_full(anycast, ifindex, 0, &a);
        if (r < 0)
                return r;
        *ret_unicast = a.unicast;
        return 0;
}

AARP_EXPORT int aarp_resolv_members(const struct in6_addr *anycast, unsigned int ifindex, uint64_t flags,
                                    struct aarp_member **ret_members, size_t *ret_n_members,
                                    struct aarp_answer *ret_answer) {
        struct aarp_member *out = NULL;
        BusMember *members = NULL;
        uint64_t out_flags = 0;
        uint32_t ttl = 0;
        size_t n = 0;
        int saved_errno = errno, r;

        if (!anycast || !ret_members || !ret_n_members || ifindex > INT_MAX ||
            (flags & ~AARP_FLAGS_INPUT_MASK))
                return -EINVAL;

        r = bus_client_resolve_address_members((int)ifindex, anycast, sizeof *anycast, flags, &members, &n,
                                               &out_flags, &ttl);
        if (r < 0)
                goto finish;

        /* BusMember is internal; the public layout has reserved room. */
        out = calloc(n, sizeof *out);
        if (!out) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < n; i++) {
                memcpy(&out[i].unicast, members[i].address, sizeof out[i].unicast);
                out[i].rtt_usec = members[i].rtt_usec;
        }

        if (ret_answer)
                *ret_answer = (struct aarp_answer){
                        .unicast = out[0].unicast,
                        .flags = out_flags,
                        .ttl_sec = ttl,
                        .rtt_usec = out[0].rtt_usec,
                };
        *ret_members = out;
        out = NULL;
        *ret_n_members = n;
        r = 0;
finish:
        free(out);
        free(members);
        errno = saved_errno;
        return r;
}

AARP_EXPORT int aarp_resolve_hostname(const char *name, int family, unsigned int ifindex, uint64_t flags,
                                      struct aarp_host_address **ret_addresses, size_t *ret_n_addresses,
                                      char **ret_canonical, uint64_t *ret_flags) {
        struct aarp_host_address *out = NULL;
        BusAddress *addresses = NULL;
        char *canonical = NULL;
        uint64_t out_flags = 0;
        size_t n = 0;
        int saved_errno = errno, r;

        if (!name || ifindex > INT_MAX || (flags & ~AARP_FLAGS_INPUT_MASK))
                return -EINVAL;

        r = bus_client_resolve_hostname((int)ifindex, name, family, flags, &addresses, &n, &canonical,
                                        &out_flags);
        if (r < 0)
                goto finish;

        /* BusAddress is internal; copy into the public layout so that the
         * client's struct can change without an ABI break. */
        out = calloc(n, sizeof *out);
        if (!out) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < n; i++) {
                out[i].ifindex = addresses[i].ifindex;
                out[i].family = addresses[i].family;
                memcpy(&out[i].address, addresses[i].address, addresses[i].family == AF_INET ? 4 : 16);
        }

        if (ret_addresses) {
                *ret_addresses = out;
                out = NULL;
        }
        if (ret_n_addresses)
                *ret_n_addresses = n;
        if (ret_canonical) {
                *ret_canonical = canonical;
                canonical = NULL;
        }
        if (ret_flags)
                *ret_flags = out_flags;
        r = 0;
finish:
        free(out);
        free(addresses);
        free(canonical);
        errno = saved_errno;
        return r;
}

AARP_EXPORT const char *aarp_strerror(int error) {
        return bus_client_strerror(error < 0 ? error : -error);
}
