/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.h: host name resolution inside the daemon (ResolveHostname).
 *
 * The daemon never resolves through NSS (it must never re-enter
 * libnss_aarp): names come from the hosts file, then DNS through c-ares
 * driven by the GLib main loop, with the nameservers, search list and options
 * of resolv.conf (re-read when it changes).  Each nameserver address is
 * itself resolved with AARP before use; every IPv6 address of an answer goes
 * through the Resolver, all in parallel, and is replaced by its member's
 * unicast address.  IPv4 addresses pass unchanged; order is kept.
 *
 * Decisions a caller can observe:
 *   - IP literals ("192.0.2.1", "2001:db8::1", "fe80::1%eth0") are valid
 *     names and answered as themselves, an IPv6 one after AARP resolution
 *     (so an anycast literal gives its member); a literal of the other
 *     family than requested is NoData.  Not cached.
 *   - A name listed in the hosts file is answered from it alone (NoData if
 *     it lists no address of the family), in file order, never from DNS.
 *   - DNS answers for AF_UNSPEC: IPv6 addresses first, then IPv4, each in
 *     the server's order (glibc's gethostbyname4 order; getaddrinfo sorts
 *     by RFC 6724 anyway).  Duplicates after mapping (two anycast
 *     addresses with one nearest member) are dropped, first one kept.
 *   - One resolution takes at most NAMES_TIMEOUT_MSEC (4 s, below
 *     AARP_CLIENT_TIMEOUT_MSEC): DNS not done by then is
 *     TemporaryFailure; probes still out by then leave their addresses
 *     unmapped (fail-open, flag NO_REPLY, not cached).
 *   - NO_CACHE skips the name cache and is passed on to the Resolver; the
 *     fresh answer is still stored.
 *   - The cache key is the name as asked (case folded): "host." (as is) and
 *     "host" (through the search list) are cached apart.  AAAA and A are
 *     cached apart, each for its own TTL; a lookup asks DNS only for the
 *     types it does not find cached, and a type the servers failed while
 *     answering the other is remembered as a failure for 10 s.
 *   - NameAddress.ifindex is non-zero only for link-local addresses (the
 *     request's ifindex, or the hosts file's %scope).
 */
#pragma once

#include <gio/gio.h>
#include <stdint.h>

#include "name-address.h"
#include "namecache.h"
#include "resolver.h"

typedef struct Names Names;


/* Called exactly once per names_resolve(): on success @addresses (array of
 * NameAddress, at least one), @canonical, @flags (AARP_FLAG_* output bits)
 * and @ttl_sec (how long the answer may be kept: what is left of the
 * shortest-lived part, 0 for one that must not be kept) are set and @error
 * is NULL; on failure @error is set in the AARP_ERROR
 * domain: AARP_E_NO_SUCH_NAME, AARP_E_NO_DATA, AARP_E_TEMPORARY_FAILURE.
 * Everything passed is valid only during the call.  It may be called before
 * names_resolve() returns. */
typedef void (*NamesCallback)(GArray *addresses, const char *canonical, uint64_t flags, uint32_t ttl_sec,
                              const GError *error, gpointer user_data);

/* @resolver is borrowed and must outlive the Names (NULL: no AARP
 * mapping at all, for tests).  @hosts_path and @resolv_conf_path are
 * normally "/etc/hosts" and "/etc/resolv.conf"; both are re-read whenever
 * they change (checked with stat() on each lookup).  A missing file is
 * fine (empty hosts; resolv.conf defaults to nameserver 127.0.0.1); NULL
 * with @error set only if one exists but cannot be read. */
Names *names_new(Resolver *resolver, const char *hosts_path, const char *resolv_conf_path,
                 GError **error);
/* Lookups still in flight are completed first, synchronously, with
 * AARP_E_TEMPORARY_FAILURE, so every caller gets its one callback; those
 * callbacks must not use anything already freed.  Safe to call from inside
 * a NamesCallback. */
void names_free(Names *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Names, names_free)

/* @name is already validated by names_validate() (names-syntax.h); @family is AF_UNSPEC,
 * AF_INET or AF_INET6; @flags: AARP_FLAG_NO_CACHE or 0. */
void names_resolve(Names *n, int ifindex, const char *name, int family, uint64_t flags,
                   NamesCallback callback, gpointer user_data);

/* Asked before the IPv6 addresses of an answer (GArray of NameAddress) are
 * resolved with AARP, with the lookup's @ifindex and @flags: FALSE refuses,
 * and the lookup fails with AARP_E_LIMIT_EXCEEDED before any probe. */
typedef gboolean (*NamesProbeGate)(gpointer gate_data, const GArray *addresses, int ifindex, uint64_t flags);

/* names_resolve() with a per-caller @gate (NULL: none) on the probes the
 * answer would cause: a user must not make the daemon probe the addresses
 * of any zone it controls faster than its ProbeRateLimit=.  @gate_data
 * must stay valid until @callback has run.  @payer (the caller's uid)
 * pays for the refreshes and member discovery that resolving the answer's
 * addresses starts (see resolver_resolve_address()). */
void names_resolve_gated(Names *n, int ifindex, const char *name, int family, uint64_t flags, uid_t payer,
                         NamesProbeGate gate, gpointer gate_data, NamesCallback callback, gpointer user_data);

/* Called exactly once per names_resolve_address(): on success @host_names
 * (NULL-terminated, at least one; the first is the canonical name) and
 * @ttl_sec (0 for the hosts file, which has none) are set; on failure
 * @error is, in the AARP_ERROR domain: AARP_E_NO_SUCH_NAME (no name for the
 * address) or AARP_E_TEMPORARY_FAILURE.  Valid only during the call. */
typedef void (*NamesAddressNameCallback)(const char *const *host_names, uint32_t ttl_sec, uint64_t flags,
                                         const GError *error, gpointer user_data);

/* The host names of @address (4 bytes for AF_INET, 16 for AF_INET6): the
 * hosts file's lines for it, else a PTR lookup in DNS through the same
 * AARP-resolved nameservers as names_resolve(). */
void names_resolve_address(Names *n, int family, const uint8_t *address, NamesAddressNameCallback callback,
                           gpointer user_data);

/* Drop every cached name answer (and the published ones) and re-resolve
 * the nameservers with AARP on the next lookup (FlushCaches; a route
 * change). */
void names_flush(Names *n);

/* Drop the cached and published answers that were built from the IPv6
 * address @address (one of the addresses DNS or the hosts file gave, before
 * AARP mapping): its member set changed.  Other answers stay. */
void names_invalidate_address(Names *n, const struct in6_addr *address);

/* Introspection (GetStatus, ShowCache), no side effects: the name cache
 * as name_cache_foreach() gives it, and the nameservers of resolv.conf in
 * use (GArray of NameServer, borrowed until the file is re-read). */
void names_foreach_cached(Names *n, NameCacheForeachFunc func, gpointer user_data);
const GArray *names_nameservers(Names *n);

typedef struct Snapshot Snapshot;

/* Publish every whole answer to a lookup without an interface into
 * @snapshot (borrowed; NULL stops publishing), and from then on check the
 * hosts file and resolv.conf once a second, since lookups answered from the
 * snapshot no longer reach the daemon to notice an edit. */
void names_set_snapshot(Names *n, Snapshot *snapshot);

typedef struct NscdFlush NscdFlush;

/* Tell nscd (@nscd, borrowed; NULL: don't) whenever answers are dropped:
 * a flush, an invalidated address, an edited hosts file or resolv.conf. */
void names_set_nscd(Names *n, NscdFlush *nscd);
