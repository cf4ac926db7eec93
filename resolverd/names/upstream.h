/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * upstream.h: the nameservers DNS queries go to, made anycast-aware.
 *
 * Why: resolv.conf may name an anycast address A
 * served by DNS servers that reply from their unicast addresses U.  A
 * resolver that sends to A (and connect()s its UDP socket, as c-ares does)
 * never accepts a reply from U, and its TCP fallback cannot even complete
 * a handshake with A.  So each IPv6 nameserver is first resolved with AARP
 * and c-ares is pointed at U: replies then come from where we sent, and TCP
 * works.  IPv4 nameservers pass unchanged.  The mapping is redone when its
 * TTL runs out (the route may have moved), on a new resolv.conf, and on
 * upstream_invalidate() (FlushCaches).
 */
#pragma once

#include <glib.h>

#include "dns.h"
#include "namecache.h"
#include "names-seam.h"
#include "resolvconf.h"

typedef struct Upstream Upstream;

/* @channel is borrowed (take a reference to keep it) and NULL on error. */
typedef void (*UpstreamCallback)(DnsChannel *channel, const GError *error, gpointer user_data);

Upstream *upstream_new(AddressResolveFunc resolve, gpointer resolve_data, NameCacheClock clock,
                       gpointer clock_data);
/* Waiters still queued are dropped without a call. */
void upstream_free(Upstream *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Upstream, upstream_free)

void upstream_set_resolver(Upstream *u, AddressResolveFunc resolve, gpointer resolve_data);
void upstream_set_clock(Upstream *u, NameCacheClock clock, gpointer clock_data);
void upstream_set_port(Upstream *u, uint16_t port); /* test only, see names-test.h */

/* Use the nameservers and options of @rc (copied) from now on. */
void upstream_set_config(Upstream *u, const ResolvConf *rc);

/* Forget the nameserver mappings: the next lookup resolves them afresh. */
void upstream_invalidate(Upstream *u);

/* Get a channel whose servers are the current mappings, resolving the
 * nameservers first if needed.  If one is ready the callback runs before
 * this returns and 0 is returned; otherwise the callback runs later and the
 * returned id (non-zero) can be passed to upstream_cancel(). */
guint upstream_get_channel(Upstream *u, UpstreamCallback callback, gpointer user_data);
void upstream_cancel(Upstream *u, guint id);
