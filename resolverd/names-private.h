/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-private.h: seams inside name resolution, shared by names.c and
 * upstream.c, and the test-only hooks of Names.  Nothing outside
 * resolverd/names*.c, upstream.c and the unit tests includes this.
 */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "namecache.h"
#include "names.h"
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

/* ---- test-only hooks (never called by the daemon) ---- */

/* Replace the address resolver (see AddressResolveFunc). */
void names_set_address_resolver_for_test(Names *n, AddressResolveFunc func, gpointer data);
/* Send DNS to @port instead of 53 (resolv.conf cannot say; dnsmasq in a
 * test listens on a high port).  Takes effect on the next channel. */
void names_set_dns_port_for_test(Names *n, uint16_t port);
/* Use @clock for the name cache and nameserver mapping expiry. */
void names_set_clock_for_test(Names *n, NameCacheClock clock, gpointer data);
/* Check the hosts file and resolv.conf on every lookup instead of at most
 * once a second (tests that edit them and look up at once). */
void names_check_files_every_lookup_for_test(Names *n);
/* Bound one resolution by @msec instead of NAMES_TIMEOUT_MSEC. */
void names_set_timeout_for_test(Names *n, unsigned msec);
/* Entries in the name cache. */
guint names_cache_size_for_test(Names *n);
