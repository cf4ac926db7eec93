/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * addr.h: which addresses are probed, and which replies may answer for them.
 *
 * Pure functions over struct in6_addr, no I/O: the prober asks these before
 * sending anything, and the unit tests pin the rules down.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>

#include "config.h"

typedef enum {
        ADDR_CLASS_GLOBAL,      /* global or unique-local unicast space: a candidate */
        ADDR_CLASS_LINK_LOCAL,  /* fe80::/10: a candidate, needs an ifindex */
        ADDR_CLASS_UNSPECIFIED, /* :: */
        ADDR_CLASS_LOOPBACK,    /* ::1 */
        ADDR_CLASS_MULTICAST,   /* ff00::/8 */
        ADDR_CLASS_V4_MAPPED,   /* ::ffff:0:0/96 */
} AddrClass;

AddrClass addr_classify(const struct in6_addr *a);

/* True if @a lies inside @p. */
bool addr_in_prefix(const struct in6_addr *a, const Prefix *p);

/* RFC 2526 reserved subnet anycast address of a /64: interface ID
 * fdff:ffff:ffff:ff80 .. fdff:ffff:ffff:ffff. */
bool addr_is_rfc2526_anycast(const struct in6_addr *a);

/* Subnet-Router anycast (RFC 4291 2.6.1) of a /64: interface ID zero. */
bool addr_is_subnet_router_anycast(const struct in6_addr *a);

/* Whether @a (already ADDR_CLASS_GLOBAL or LINK_LOCAL) is probed under
 * @config's ProbeAddresses= and AnycastPrefixes=. */
bool addr_should_probe(const struct in6_addr *a, const Config *config);

/* Where an address is reachable from and what it stands for, as far as a
 * member may stand in for an anycast address: a reply from a member of
 * another kind than the address would send the host somewhere else than
 * the name's owner asked for (an internal host for a global address, the
 * DNS-rebinding class).  The IANA IPv6 Special-Purpose Address Registry
 * decides; documentation space (2001:db8::/32, RFC 3849; 3fff::/20, RFC
 * 9637) counts as global: it stands for global addresses in examples and
 * labs, and is never routed, so treating it as global exposes nothing. */
typedef enum {
        ADDR_SCOPE_GLOBAL,     /* global unicast: 2000::/3 less the ranges below */
        ADDR_SCOPE_ULA,        /* fc00::/7 unique local (RFC 4193) */
        ADDR_SCOPE_LINK_LOCAL, /* fe80::/10 */
        ADDR_SCOPE_NAT64,      /* 64:ff9b::/96 (RFC 6052), 64:ff9b:1::/48 (RFC 8215) */
        ADDR_SCOPE_6TO4,       /* 2002::/16 (RFC 3056) */
        ADDR_SCOPE_TEREDO,     /* 2001::/32 (RFC 4380) */
        ADDR_SCOPE_OTHER,      /* special purpose (benchmarking, ORCHID, discard,
                                * site-local, multicast, loopback, v4-mapped ...)
                                * or unassigned space */
} AddrScope;

AddrScope addr_scope(const struct in6_addr *a);

/* Whether @source is acceptable as the source of an echo reply to a probe of
 * @target (PAPER-NOTES "Spoofing"): never multicast, unspecified, loopback
 * or v4-mapped; link-local only with a scope (@source_scope, checked against
 * the probe's interface by the prober), and only for a link-local target.
 * A source other than @target itself is a member standing in for it: with
 * MEMBER_SCOPE_STRICT only one of the same addr_scope(), and only global,
 * unique-local or link-local (a translated or tunnelled source - NAT64,
 * 6to4, Teredo - or a special-purpose one is never a member); with
 * MEMBER_SCOPE_ANY any acceptable source. */
bool addr_valid_reply_source(const struct in6_addr *source, unsigned source_scope,
                             const struct in6_addr *target, MemberScope member_scope);
