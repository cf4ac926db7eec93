/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-test.h: the test-only hooks of Names.  Only names.c (which
 * defines them) and the unit tests include this.
 */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "namecache.h"
#include "names-seam.h"
#include "names.h"

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
