/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * namecache.h: the cache of finished ResolveHostname answers.
 *
 * Keyed by (names_key(name), family, ifindex); names.c keeps each query
 * type apart, AAAA under AF_INET6 and A under AF_INET.  A positive entry holds the
 * answer *after* AARP mapping, so it may live no longer than the shortest
 * of the DNS TTL and the mapping TTLs of its addresses: otherwise a cached
 * name would keep handing out a member's unicast address after the anycast
 * mapping expired (the route may have moved).  Negative entries (NoSuchName,
 * NoData) live briefly.  The clock is injectable so the TTL logic is
 * testable without sleeping.  Bounded: least recently used entries go first.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdint.h>

#include "name-address.h"

#define NAME_CACHE_SIZE_DEFAULT  4096u
#define NAME_CACHE_TTL_MAX_SEC   86400u /* even a week-long DNS TTL is re-checked daily */
#define NAME_CACHE_NEGATIVE_TTL_MAX_SEC 30u
/* A failure (SERVFAIL, REFUSED, no answer) for one query type of a name
 * whose other type the same servers answered: kept briefly, RFC 9520 (at least 1 s, at most
 * 5 min), so that the answered type stays a cache hit without asking the
 * failing server on every lookup. */
#define NAME_CACHE_FAILURE_TTL_SEC 10u

typedef struct NameCache NameCache;

/* Returns the current time in microseconds (monotonic). */
typedef gint64 (*NameCacheClock)(gpointer user_data);

/* @clock NULL means g_get_monotonic_time(). */
NameCache *name_cache_new(guint max_entries, NameCacheClock clock, gpointer clock_data);
void name_cache_free(NameCache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NameCache, name_cache_free)

/* The lifetime of a positive answer: min(@dns_ttl_sec, @mapping_ttl_sec),
 * capped at NAME_CACHE_TTL_MAX_SEC.  0 means "do not cache". */
uint32_t name_cache_positive_ttl(uint32_t dns_ttl_sec, uint32_t mapping_ttl_sec);

/* The lifetime of a negative answer: @soa_ttl_sec (RFC 2308: min of the
 * SOA's TTL and MINIMUM; G_MAXUINT32 if the reply had no SOA), capped at
 * NAME_CACHE_NEGATIVE_TTL_MAX_SEC. */
uint32_t name_cache_negative_ttl(uint32_t soa_ttl_sec);

/* Store an answer: @addresses (GArray of NameAddress, copied), @canonical
 * and @flags (output bits to hand back, FROM_CACHE is added on hits) for
 * @ttl_sec seconds.  @sources (GArray of struct in6_addr, copied; NULL:
 * none) are the IPv6 addresses the answer was mapped from, for
 * name_cache_invalidate_address().  @ttl_sec == 0 stores nothing. */
void name_cache_put(NameCache *c, const char *name, int family, int ifindex,
                    const GArray *addresses, const char *canonical, uint64_t flags,
                    const GArray *sources, uint32_t ttl_sec);

/* Store a negative answer: @code is AARP_E_NO_SUCH_NAME, AARP_E_NO_DATA or
 * AARP_E_TEMPORARY_FAILURE (a server failure, NAME_CACHE_FAILURE_TTL_SEC). */
void name_cache_put_negative(NameCache *c, const char *name, int family, int ifindex,
                             int code, uint32_t ttl_sec);

/* Look up a live entry.  Returns FALSE on a miss (expired entries are
 * dropped).  On a hit either *@ret_error_code is -1 and @ret_addresses
 * (borrowed, valid until the next call on @c), @ret_canonical, @ret_flags
 * are set, or *@ret_error_code is the negative answer's code. */
gboolean name_cache_lookup(NameCache *c, const char *name, int family, int ifindex,
                           const GArray **ret_addresses, const char **ret_canonical,
                           uint64_t *ret_flags, int *ret_error_code);

/* A live entry, as name_cache_get() finds it; the pointers are borrowed,
 * valid until the next call on the cache. */
typedef struct NameCacheHit {
        int error_code;           /* -1: positive; else the negative answer's code */
        const GArray *addresses;  /* of NameAddress; NULL for negative entries */
        const char *canonical;
        uint64_t flags;
        const GArray *sources;    /* of struct in6_addr, or NULL */
        uint32_t ttl_sec;         /* seconds left, rounded up, >= 1 */
} NameCacheHit;

/* name_cache_lookup() with everything the entry holds. */
gboolean name_cache_get(NameCache *c, const char *name, int family, int ifindex, NameCacheHit *ret);

/* Call @func for every live entry, most recently used first, with its key
 * (the name as cached: names_key()), query family and ifindex, without
 * side effects, until it returns FALSE.  Everything passed is valid only
 * during the call; @func must not change the cache. */
typedef gboolean (*NameCacheForeachFunc)(const char *name, int family, int ifindex, const NameCacheHit *hit,
                                         gpointer user_data);
void name_cache_foreach(const NameCache *c, NameCacheForeachFunc func, gpointer user_data);

/* Drop every positive entry mapped from @address; returns how many. */
guint name_cache_invalidate_address(NameCache *c, const struct in6_addr *address);

void name_cache_flush(NameCache *c);
guint name_cache_size(const NameCache *c);
