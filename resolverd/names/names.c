/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.c: ResolveHostname's engine.  One lookup goes
 *
 *   IP literal? -> hosts file? -> name cache? -> DNS (search list, AAAA and
 *   A in parallel) -> AARP mapping of every IPv6 address (in parallel)
 *
 * under one deadline (NAMES_TIMEOUT_MSEC).  The parts live elsewhere:
 * hosts.c, resolvconf.c, namecache.c, upstream.c (nameservers resolved with
 * AARP), dns.c (c-ares on the main loop), dns-reply.c.  This file is the
 * state machine and the rules that join them; names-dns.c and names-map.c
 * hold its DNS and mapping phases (see names-lookup.h).
 *
 * Lifetimes: a lookup ends exactly once, in lookup_complete(), which first
 * detaches it from everything that could still call back (DNS queries are
 * abandoned, resolver callbacks find their token orphaned, the upstream
 * wait is cancelled) and only then calls the client.  The client may do
 * anything in its callback, including names_free(), so every path that
 * completes a lookup returns straight away without touching it or Names.
 */
#include <arpa/nameser.h>
#include <ares.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "dns-reply.h"
#include "dns.h"
#include "errors.h"
#include "filestamp.h"
#include "hosts.h"
#include "namecache.h"
#include "names-test.h"
#include "names-syntax.h"
#include "names-lookup.h"
#include "names.h"
#include "nscd.h"
#include "snapshot.h"
#include "resolvconf.h"
#include "reverse.h"
#include "upstream.h"


/* ---- the default address resolver: the daemon's Resolver ---- */

static void resolve_with_resolver(gpointer resolver_data, int ifindex,
                                  const struct in6_addr *address, uint64_t flags, uid_t payer,
                                  ResolverAddressCallback callback, gpointer user_data) {
        resolver_resolve_address(resolver_data, ifindex, address, flags, payer, callback, user_data);
}


/* ---- configuration files ---- */

static void reload_files(Names *n) {
        gboolean changed = FALSE;

        if (file_stamp_update(&n->hosts_stamp, n->hosts_path)) {
                changed = TRUE;
                g_autoptr(GError) error = NULL;
                Hosts *h = hosts_load(n->hosts_path, &error);

                /* An unreadable file keeps what we had: a transient EACCES
                 * during a package upgrade should not make names vanish. */
                if (h) {
                        hosts_free(n->hosts);
                        n->hosts = h;
                } else
                        g_debug("Keeping the previous %s: %s", n->hosts_path, error->message);
        }

        if (file_stamp_update(&n->resolv_conf_stamp, n->resolv_conf_path)) {
                g_autoptr(GError) error = NULL;
                changed = TRUE;
                ResolvConf *rc = resolv_conf_load(n->resolv_conf_path, &error);

                if (rc) {
                        resolv_conf_free(n->resolv_conf);
                        n->resolv_conf = rc;
                        upstream_set_config(n->upstream, rc);
                        /* Other servers may know other things. */
                        name_cache_flush(n->cache);
                } else
                        g_debug("Keeping the previous %s: %s", n->resolv_conf_path,
                                error->message);
        }
        /* Published answers may come from the old files. */
        if (changed && n->snapshot)
                snapshot_flush(n->snapshot);
        if (changed)
                nscd_flush_hosts(n->nscd);
        if (changed)
                n->files_generation++;
}

/* What a lookup does: the files are checked at most once a second (the
 * documented rule; a stat() of each is two system calls per call on the
 * hot path otherwise).  CLOCK_MONOTONIC is read through the vDSO. */
static void reload_files_if_due(Names *n) {
        gint64 now = g_get_monotonic_time();

        if (n->files_checked_usec != 0 && now - n->files_checked_usec < n->files_check_usec)
                return;
        n->files_checked_usec = now;
        reload_files(n);
}

/* An answer found under files that have changed since (another search
 * list or ndots gives a relative name another meaning; other servers know
 * other things) is returned to its caller but never remembered. */
gboolean lookup_may_store(const NameLookup *l) {
        return l->files_generation == l->n->files_generation;
}


/* ---- ending a lookup ---- */

void lookup_slot_clear(QuerySlot *s) {
        dns_query_abandon(g_steal_pointer(&s->q));
        g_clear_pointer(&s->addresses, g_array_unref);
        g_clear_pointer(&s->canonical, g_free);
}

static void lookup_detach(NameLookup *l) {
        Names *n = l->n;

        g_queue_unlink(&n->lookups, &l->link);
        if (l->deadline_id)
                g_source_remove(l->deadline_id);
        l->deadline_id = 0;
        if (l->upstream_wait)
                upstream_cancel(n->upstream, l->upstream_wait);
        l->upstream_wait = 0;
        for (guint i = 0; i < G_N_ELEMENTS(l->slots); i++)
                lookup_slot_clear(&l->slots[i]);
        for (guint i = 0; i < l->map_tokens->len; i++)
                ((MapToken *) l->map_tokens->pdata[i])->l = NULL;
        g_ptr_array_set_size(l->map_tokens, 0);
        g_clear_pointer(&l->channel, dns_channel_unref);
        l->n = NULL;
}

static void part_clear(TypePart *p) {
        g_clear_pointer(&p->addresses, g_array_unref);
        g_clear_pointer(&p->canonical, g_free);
        g_clear_pointer(&p->sources, g_array_unref);
}

static void lookup_free(NameLookup *l) {
        for (guint i = 0; i < G_N_ELEMENTS(l->parts); i++)
                part_clear(&l->parts[i]);
        g_free(l->name);
        if (l->candidates)
                g_ptr_array_unref(l->candidates);
        if (l->addresses)
                g_array_unref(l->addresses);
        g_free(l->canonical);
        g_ptr_array_unref(l->map_tokens);
        if (l->more_members)
                g_ptr_array_unref(l->more_members);
        if (l->sources)
                g_array_unref(l->sources);
        g_free(l);
}

void lookup_complete(NameLookup *l, GArray *addresses, const char *canonical,
                            uint64_t flags, uint32_t ttl_sec, const GError *error) {
        lookup_detach(l);
        l->callback(addresses, canonical, flags, ttl_sec, error, l->user_data);
        lookup_free(l);
}

void lookup_fail(NameLookup *l, int code, const char *format, ...) G_GNUC_PRINTF(3, 4);
void lookup_fail(NameLookup *l, int code, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        g_autofree char *message = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_autoptr(GError) error = g_error_new_literal(AARP_ERROR, code, message);
        lookup_complete(l, NULL, NULL, 0, 0, error);
}

const char *names_family_name(int family) {
        return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "IP";
}


/* ---- the API ---- */

static void complete_error_now(NamesCallback callback, gpointer user_data, int code,
                               const char *message) {
        g_autoptr(GError) error = g_error_new_literal(AARP_ERROR, code, message);

        callback(NULL, NULL, 0, 0, error, user_data);
}

void names_resolve(Names *n, int ifindex, const char *name, int family, uint64_t flags,
                   NamesCallback callback, gpointer user_data) {
        names_resolve_gated(n, ifindex, name, family, flags, 0, NULL, NULL, callback, user_data);
}

void names_resolve_gated(Names *n, int ifindex, const char *name, int family, uint64_t flags, uid_t payer,
                         NamesProbeGate gate, gpointer gate_data, NamesCallback callback, gpointer user_data) {
        NameAddress literal;

        if (n->closing) {
                complete_error_now(callback, user_data, AARP_E_TEMPORARY_FAILURE,
                                   "Shutting down");
                return;
        }

        reload_files_if_due(n);

        NameLookup *l = g_new0(NameLookup, 1);
        l->n = n;
        l->link.data = l;
        l->name = g_strdup(name);
        l->ifindex = ifindex;
        l->family = family;
        l->flags = flags;
        l->callback = callback;
        l->user_data = user_data;
        l->gate = gate;
        l->gate_data = gate_data;
        l->payer = payer;
        l->map_tokens = g_ptr_array_new();
        l->files_generation = n->files_generation;
        g_queue_push_tail_link(&n->lookups, &l->link);

        if (names_parse_literal(name, &literal)) {
                if (family != AF_UNSPEC && family != literal.family) {
                        lookup_fail(l, AARP_E_NO_DATA, "'%s' is not an %s address", name,
                                    names_family_name(family));
                        return;
                }
                l->addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
                g_array_append_val(l->addresses, literal);
                l->deadline_id = g_timeout_add(n->timeout_msec, lookup_on_deadline, l);
                lookup_start_mapping(l);
                return;
        }

        /* The hosts file answers for every name it lists, even with no
         * address of the family (then NoData), like resolved: falling
         * through to DNS would let DNS contradict the administrator. */
        l->addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
        if (hosts_lookup(n->hosts, name, family, l->addresses, &l->canonical)) {
                if (l->addresses->len == 0) {
                        lookup_fail(l, AARP_E_NO_DATA, "'%s' has no %s address in %s", name,
                                    names_family_name(family), n->hosts_path);
                        return;
                }
                l->deadline_id = g_timeout_add(n->timeout_msec, lookup_on_deadline, l);
                l->from_hosts = TRUE;
                lookup_start_mapping(l);
                return;
        }
        g_clear_pointer(&l->addresses, g_array_unref);

        if (family != AF_INET)
                l->parts[l->n_parts++].family = AF_INET6;
        if (family != AF_INET6)
                l->parts[l->n_parts++].family = AF_INET;
        guint known = 0;
        for (guint i = 0; i < l->n_parts; i++) {
                TypePart *p = &l->parts[i];
                NameCacheHit hit;

                p->error_code = -1;
                p->negative_ttl_sec = G_MAXUINT32;
                if ((flags & AARP_FLAG_NO_CACHE) || !name_cache_get(n->cache, name, p->family, ifindex, &hit))
                        continue;
                /* Copies: the client may touch the cache before it is
                 * done with the answer. */
                p->known = TRUE;
                p->from_cache = TRUE;
                p->error_code = hit.error_code;
                p->ttl_sec = hit.ttl_sec;
                if (hit.error_code < 0) {
                        p->addresses = g_array_copy((GArray *) hit.addresses);
                        p->canonical = g_strdup(hit.canonical);
                        p->flags = hit.flags;
                        if (hit.sources)
                                p->sources = g_array_copy((GArray *) hit.sources);
                }
                known++;
        }
        if (known == l->n_parts) {
                lookup_complete_parts(l);
                return;
        }

        l->from_dns = TRUE;
        l->cacheable = TRUE;
        l->candidates = names_search_candidates(name, n->resolv_conf);
        l->deadline_id = g_timeout_add(n->timeout_msec, lookup_on_deadline, l);
        /* The callback runs synchronously only with a ready channel, and
         * then only sends queries: l is still ours afterwards. */
        l->upstream_wait = upstream_get_channel(n->upstream, lookup_on_upstream, l);
}

Names *names_new(Resolver *resolver, const char *hosts_path, const char *resolv_conf_path,
                 GError **error) {
        g_autoptr(Hosts) hosts = NULL;
        g_autoptr(ResolvConf) rc = NULL;
        FileStamp hosts_stamp = { 0 }, rc_stamp = { 0 };

        /* Stamp before reading: a change racing with the read is then
         * seen (and read again) on the first lookup. */
        file_stamp_update(&hosts_stamp, hosts_path);
        hosts = hosts_load(hosts_path, error);
        if (!hosts)
                return NULL;
        file_stamp_update(&rc_stamp, resolv_conf_path);
        rc = resolv_conf_load(resolv_conf_path, error);
        if (!rc)
                return NULL;

        Names *n = g_new0(Names, 1);
        n->resolve = resolver ? resolve_with_resolver : NULL;
        n->resolve_data = resolver;
        n->hosts_path = g_strdup(hosts_path);
        n->resolv_conf_path = g_strdup(resolv_conf_path);
        n->hosts_stamp = hosts_stamp;
        n->resolv_conf_stamp = rc_stamp;
        n->hosts = g_steal_pointer(&hosts);
        n->resolv_conf = g_steal_pointer(&rc);
        n->cache = name_cache_new(NAME_CACHE_SIZE_DEFAULT, NULL, NULL);
        n->upstream = upstream_new(n->resolve, n->resolve_data, NULL, NULL);
        upstream_set_config(n->upstream, n->resolv_conf);
        n->reverse = reverse_new(n->upstream);
        n->timeout_msec = NAMES_TIMEOUT_MSEC;
        n->files_check_usec = G_USEC_PER_SEC;
        g_queue_init(&n->lookups);
        return n;
}

void names_free(Names *n) {
        if (!n || n->closing)
                return; /* NULL, or called again from a callback below */

        n->closing = TRUE;
        if (n->poll_id)
                g_source_remove(n->poll_id);
        /* Clients get an answer rather than silence: the serving layer can still
         * reply to the D-Bus call while shutting down. */
        while (n->lookups.head)
                lookup_fail(n->lookups.head->data, AARP_E_TEMPORARY_FAILURE,
                            "Name resolution is shutting down");

        reverse_free(n->reverse);
        upstream_free(n->upstream);
        name_cache_free(n->cache);
        hosts_free(n->hosts);
        resolv_conf_free(n->resolv_conf);
        g_free(n->hosts_path);
        g_free(n->resolv_conf_path);
        g_free(n);
}

void names_resolve_address(Names *n, int family, const uint8_t *address, NamesAddressNameCallback callback,
                           gpointer user_data) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

        if (n->closing) {
                g_autoptr(GError) error = g_error_new_literal(AARP_ERROR, AARP_E_TEMPORARY_FAILURE,
                                                              "Name resolution is shutting down");
                callback(NULL, 0, 0, error, user_data);
                return;
        }
        /* The hosts file first, as for names, then DNS. */
        reload_files_if_due(n);
        if (hosts_lookup_address(n->hosts, family, address, names)) {
                g_ptr_array_add(names, NULL);
                callback((const char *const *) names->pdata, 0, 0, NULL, user_data);
                return;
        }
        reverse_lookup(n->reverse, family, address, n->timeout_msec, callback, user_data);
}

void names_flush(Names *n) {
        name_cache_flush(n->cache);
        upstream_invalidate(n->upstream);
        if (n->snapshot)
                snapshot_flush(n->snapshot);
        nscd_flush_hosts(n->nscd);
}

void names_invalidate_address(Names *n, const struct in6_addr *address) {
        guint dropped = name_cache_invalidate_address(n->cache, address);

        g_debug("members of an address changed: %u cached name answers dropped", dropped);
        if (n->snapshot)
                snapshot_invalidate_address(n->snapshot, address);
        /* nscd may hold such an answer even when we no longer do (evicted
         * here, still within its TTL there). */
        nscd_flush_hosts(n->nscd);
        /* A nameserver may be that address: map the nameservers again (a
         * resolver cache hit unless it is the one that changed). */
        upstream_invalidate(n->upstream);
}

static gboolean on_poll_files(gpointer user_data) {
        Names *n = user_data;

        n->files_checked_usec = g_get_monotonic_time();
        reload_files(n);
        return G_SOURCE_CONTINUE;
}

void names_set_snapshot(Names *n, Snapshot *snapshot) {
        n->snapshot = snapshot;
        /* Lookups served from the snapshot never reach us, so nothing else
         * would notice an edited hosts file or resolv.conf. */
        if (snapshot && !n->poll_id)
                n->poll_id = g_timeout_add_seconds(1, on_poll_files, n);
}

void names_set_nscd(Names *n, NscdFlush *nscd) {
        n->nscd = nscd;
}

/* ---- test hooks (names-test.h) ---- */

void names_set_address_resolver_for_test(Names *n, AddressResolveFunc func, gpointer data) {
        n->resolve = func;
        n->resolve_data = data;
        upstream_set_resolver(n->upstream, func, data);
}

void names_set_dns_port_for_test(Names *n, uint16_t port) {
        upstream_set_port(n->upstream, port);
}

void names_set_clock_for_test(Names *n, NameCacheClock clock, gpointer data) {
        name_cache_free(n->cache);
        n->cache = name_cache_new(NAME_CACHE_SIZE_DEFAULT, clock, data);
        upstream_set_clock(n->upstream, clock, data);
}

void names_check_files_every_lookup_for_test(Names *n) {
        n->files_check_usec = 0;
}

void names_set_timeout_for_test(Names *n, unsigned msec) {
        n->timeout_msec = msec;
}

void names_foreach_cached(Names *n, NameCacheForeachFunc func, gpointer user_data) {
        name_cache_foreach(n->cache, func, user_data);
}

const GArray *names_nameservers(Names *n) {
        return n->resolv_conf->servers;
}

guint names_cache_size_for_test(Names *n) {
        return name_cache_size(n->cache);
}

