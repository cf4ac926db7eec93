/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * addr.h: which addresses are probed.
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

/* Whether @source is acceptable as the source of an echo reply to a probe of
 * @target sent on @ifindex (PAPER-NOTES "Spoofing"): never multicast,
 * unspecified, loopback or v4-mapped; link-local only with a scope, and only
 * for a link-local target. */
bool addr_valid_reply_source(const struct in6_addr *source, unsigned source_scope,
                             const struct in6_addr *target);
