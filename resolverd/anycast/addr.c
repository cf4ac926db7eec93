/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* addr.c: address classification (see addr.h). */
#include <arpa/inet.h>
#include <string.h>

#include "addr.h"

AddrClass addr_classify(const struct in6_addr *a) {
        if (IN6_IS_ADDR_UNSPECIFIED(a))
                return ADDR_CLASS_UNSPECIFIED;
        if (IN6_IS_ADDR_LOOPBACK(a))
                return ADDR_CLASS_LOOPBACK;
        if (IN6_IS_ADDR_MULTICAST(a))
                return ADDR_CLASS_MULTICAST;
        if (IN6_IS_ADDR_V4MAPPED(a))
                return ADDR_CLASS_V4_MAPPED;
        if (IN6_IS_ADDR_LINKLOCAL(a))
                return ADDR_CLASS_LINK_LOCAL;
        return ADDR_CLASS_GLOBAL;
}

bool addr_in_prefix(const struct in6_addr *a, const Prefix *p) {
        unsigned bytes = p->prefixlen / 8, bits = p->prefixlen % 8;

        if (memcmp(a->s6_addr, p->prefix.s6_addr, bytes) != 0)
                return false;
        if (bits == 0)
                return true;
        uint8_t mask = (uint8_t) (0xff << (8 - bits));
        return (a->s6_addr[bytes] & mask) == (p->prefix.s6_addr[bytes] & mask);
}

bool addr_is_rfc2526_anycast(const struct in6_addr *a) {
        /* RFC 2526 section 2: for EUI-64 interface IDs the universal/local
         * bit is zero, so the reserved IDs are FDFF:FFFF:FFFF:FF80-FFFF. */
        static const uint8_t id[7] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

        return memcmp(a->s6_addr + 8, id, sizeof(id)) == 0 && a->s6_addr[15] >= 0x80;
}

bool addr_is_subnet_router_anycast(const struct in6_addr *a) {
        static const uint8_t zero[8] = { 0 };

        return memcmp(a->s6_addr + 8, zero, sizeof(zero)) == 0;
}

bool addr_should_probe(const struct in6_addr *a, const Config *config) {
        AddrClass c = addr_classify(a);

        if (c != ADDR_CLASS_GLOBAL && c != ADDR_CLASS_LINK_LOCAL)
                return false;
        if (config->probe_addresses == PROBE_ADDRESSES_ALL)
                return true;

        if (addr_is_rfc2526_anycast(a) || addr_is_subnet_router_anycast(a))
                return true;
        for (guint i = 0; config->anycast_prefixes && i < config->anycast_prefixes->len; i++)
                if (addr_in_prefix(a, &g_array_index(config->anycast_prefixes, Prefix, i)))
                        return true;
        return false;
}

static bool in_prefix(const struct in6_addr *a, const char *prefix, unsigned prefixlen) {
        Prefix p = { .prefixlen = prefixlen };

        if (inet_pton(AF_INET6, prefix, &p.prefix) != 1)
                g_assert_not_reached();
        return addr_in_prefix(a, &p);
}

AddrScope addr_scope(const struct in6_addr *a) {
        switch (addr_classify(a)) {
        case ADDR_CLASS_LINK_LOCAL:
                return ADDR_SCOPE_LINK_LOCAL;
        case ADDR_CLASS_GLOBAL:
                break;
        default:
                return ADDR_SCOPE_OTHER;
        }
        if ((a->s6_addr[0] & 0xfe) == 0xfc)
                return ADDR_SCOPE_ULA;
        if (in_prefix(a, "64:ff9b::", 96) || in_prefix(a, "64:ff9b:1::", 48))
                return ADDR_SCOPE_NAT64;
        if ((a->s6_addr[0] & 0xe0) != 0x20) /* outside 2000::/3: not global unicast */
                return ADDR_SCOPE_OTHER;
        if (in_prefix(a, "2002::", 16))
                return ADDR_SCOPE_6TO4;
        if (in_prefix(a, "2001::", 32))
                return ADDR_SCOPE_TEREDO;
        /* Not globally reachable (RFC 6890 registry): benchmarking (RFC
         * 5180), ORCHID and ORCHIDv2 (RFC 4843, 7343). */
        if (in_prefix(a, "2001:2::", 48) || in_prefix(a, "2001:10::", 28) || in_prefix(a, "2001:20::", 28))
                return ADDR_SCOPE_OTHER;
        return ADDR_SCOPE_GLOBAL;
}

static bool same_kind_of_member(const struct in6_addr *source, const struct in6_addr *target) {
        AddrScope s = addr_scope(source);

        return s == addr_scope(target) &&
               (s == ADDR_SCOPE_GLOBAL || s == ADDR_SCOPE_ULA || s == ADDR_SCOPE_LINK_LOCAL);
}

bool addr_valid_reply_source(const struct in6_addr *source, unsigned source_scope,
                             const struct in6_addr *target, MemberScope member_scope) {
        switch (addr_classify(source)) {
        case ADDR_CLASS_GLOBAL:
                break;
        case ADDR_CLASS_LINK_LOCAL:
                /* A link-local answer is only meaningful with its link, and
                 * only for a link-local question: a global target mapped to
                 * fe80:: would be unusable by the caller. */
                if (source_scope == 0 || !IN6_IS_ADDR_LINKLOCAL(target))
                        return false;
                break;
        default:
                return false;
        }
        if (memcmp(source, target, sizeof(*source)) == 0 || member_scope == MEMBER_SCOPE_ANY)
                return true;
        return same_kind_of_member(source, target);
}
