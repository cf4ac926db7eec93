/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-seam.h: how the name engine reaches the anycast engine, shared by
 * names.c and upstream.c.  A seam rather than a direct call so that unit
 * tests can map chosen addresses without probing.
 */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "resolver.h"

/* How names.c and upstream.c resolve an IPv6 address with AARP: normally
 * resolver_resolve_address() on the Resolver given to names_new(), with
 * the same contract (exactly one callback, possibly synchronous).  Unit
 * tests substitute a fake that maps chosen addresses. */
typedef void (*AddressResolveFunc)(gpointer resolver_data, int ifindex,
                                   const struct in6_addr *address, uint64_t flags, uid_t payer,
                                   ResolverAddressCallback callback, gpointer user_data);

/* Upper bound on one names_resolve() from start to callback; below
 * AARP_CLIENT_TIMEOUT_MSEC so the client always gets our answer, not its
 * own timeout. */
#define NAMES_TIMEOUT_MSEC 4000u
