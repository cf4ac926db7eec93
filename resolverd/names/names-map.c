/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-map.c: the last phase of a lookup (names-lookup.h): every IPv6
 * address of the answer mapped to its nearest member with AARP, in
 * parallel, then the answer assembled per query type, cached and
 * published.
 */
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "names-lookup.h"
#include "names-syntax.h"
#include "snapshot.h"

/* ---- AARP mapping of the answer ---- */

static gboolean address_equal(const NameAddress *a, const NameAddress *b) {
        return a->family == b->family && a->ifindex == b->ifindex &&
               memcmp(a->address, b->address, sizeof(a->address)) == 0;
}

/* Append the addresses @first..@first+@count-1 of the answer to @out, an
 * anycast address as all its members, nearest first, so that clients
 * trying addresses in turn fail over.  Two anycast addresses of one
 * service usually share members: each goes out once, where it first
 * appeared. */
static void append_mapped(const NameLookup *l, guint first, guint count, GArray *out) {
        for (guint i = first; i < first + count && i < l->addresses->len && out->len < AARP_ADDRESSES_MAX; i++) {
                GArray *more = l->more_members && i < l->more_members->len ? l->more_members->pdata[i] : NULL;
                guint n_members = 1 + (more ? more->len : 0);

                for (guint m = 0; m < n_members && out->len < AARP_ADDRESSES_MAX; m++) {
                        const NameAddress *a = m == 0 ? &g_array_index(l->addresses, NameAddress, i)
                                                      : &g_array_index(more, NameAddress, m - 1);
                        gboolean dup = FALSE;

                        for (guint j = 0; j < out->len && !dup; j++)
                                dup = address_equal(&g_array_index(out, NameAddress, j), a);
                        if (!dup)
                                g_array_append_val(out, *a);
                }
        }
}

/* A part is known to be negative (@code); remembered for @ttl_sec. */
void lookup_part_set_negative(NameLookup *l, TypePart *p, int code, uint32_t ttl_sec) {
        p->known = TRUE;
        p->error_code = code;
        p->ttl_sec = lookup_may_store(l) ? ttl_sec : 0;
        if (p->ttl_sec > 0)
                name_cache_put_negative(l->n->cache, l->name, p->family, l->ifindex, code, p->ttl_sec);
}

gboolean lookup_has_addresses(const NameLookup *l) {
        for (guint i = 0; i < l->n_parts; i++)
                if (l->parts[i].known && l->parts[i].error_code < 0)
                        return TRUE;
        return FALSE;
}

/* Answer a DNS lookup from its parts: the addresses of every positive
 * part (AAAA first), else the strongest failure - glibc's res_nsearch()
 * precedence: a name that exists (NoData) beats a server failure beats
 * NXDOMAIN.  A part not known (its query failed on the way) leaves the
 * answer incomplete: returned, but not published. */
void lookup_complete_parts(NameLookup *l) {
        Names *n = l->n;
        g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(NameAddress));
        g_autoptr(GArray) sources = g_array_new(FALSE, FALSE, sizeof(struct in6_addr));
        const char *canonical = NULL;
        uint64_t flags = 0;
        gboolean all_cached = TRUE, whole = TRUE, any_nodata = FALSE, any_failure = FALSE;
        uint32_t ttl = G_MAXUINT32;

        for (guint i = 0; i < l->n_parts; i++) {
                const TypePart *p = &l->parts[i];

                if (!p->known) {
                        whole = FALSE;
                        all_cached = FALSE;
                        continue;
                }
                all_cached = all_cached && p->from_cache;
                ttl = MIN(ttl, p->ttl_sec);
                if (p->error_code >= 0) {
                        any_nodata = any_nodata || p->error_code == AARP_E_NO_DATA;
                        any_failure = any_failure || p->error_code == AARP_E_TEMPORARY_FAILURE;
                        continue;
                }
                if (p->sources)
                        g_array_append_vals(sources, p->sources->data, p->sources->len);
                for (guint j = 0; j < p->addresses->len && out->len < AARP_ADDRESSES_MAX; j++) {
                        const NameAddress *a = &g_array_index(p->addresses, NameAddress, j);
                        gboolean dup = FALSE;

                        for (guint k = 0; k < out->len && !dup; k++)
                                dup = address_equal(&g_array_index(out, NameAddress, k), a);
                        if (!dup)
                                g_array_append_val(out, *a);
                }
                if (!canonical)
                        canonical = p->canonical;
                flags |= p->flags;
        }

        if (out->len == 0) {
                if (any_nodata)
                        lookup_fail(l, AARP_E_NO_DATA, "'%s' has no %s address", l->name, names_family_name(l->family));
                else if (any_failure)
                        lookup_fail(l, AARP_E_TEMPORARY_FAILURE, "DNS servers failed to answer for '%s'", l->name);
                else
                        lookup_fail(l, AARP_E_NO_SUCH_NAME, "Name '%s' does not exist", l->name);
                return;
        }
        if (all_cached)
                flags |= AARP_FLAG_FROM_CACHE;
        /* Whole answers only (no probe cut short), for lookups without an
         * interface: that is what libnss_aarp asks for.  What the cache
         * served is already published, or was not wanted there. */
        else if (n->snapshot && l->ifindex == 0 && whole && !(flags & AARP_FLAG_NO_REPLY) && ttl > 0 &&
                 lookup_may_store(l))
                snapshot_put(n->snapshot, l->name, l->family, out, canonical ? canonical : l->name, sources, ttl);
        lookup_complete(l, out, canonical ? canonical : l->name, flags, ttl == G_MAXUINT32 ? 0 : ttl, NULL);
}

/* DNS answered with addresses for some parts, now mapped: each of those
 * parts is remembered on its own, then the whole is answered. */
static void finish_dns_mapping(NameLookup *l) {
        Names *n = l->n;

        for (guint i = 0; i < l->n_parts; i++) {
                TypePart *p = &l->parts[i];

                if (p->known || p->count == 0)
                        continue;
                p->known = TRUE;
                p->error_code = -1;
                p->addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
                append_mapped(l, p->first, p->count, p->addresses);
                if (p->family == AF_INET6) {
                        /* Only IPv6 addresses are mapped: the mapping and
                         * its lifetime belong to this part alone. */
                        p->flags = l->answer_flags;
                        p->sources = g_array_ref(l->sources);
                        p->ttl_sec = l->cacheable ? name_cache_positive_ttl(p->dns_ttl_sec, l->map_ttl_sec) : 0;
                } else
                        p->ttl_sec = name_cache_positive_ttl(p->dns_ttl_sec, G_MAXUINT32);
                if (!lookup_may_store(l))
                        p->ttl_sec = 0;
                name_cache_put(n->cache, l->name, p->family, l->ifindex, p->addresses, p->canonical, p->flags,
                               p->sources, p->ttl_sec);
        }
        lookup_complete_parts(l);
}

void lookup_finish_mapping(NameLookup *l) {
        Names *n = l->n;

        if (l->from_dns) {
                finish_dns_mapping(l);
                return;
        }

        g_autoptr(GArray) out = g_array_sized_new(FALSE, FALSE, sizeof(NameAddress),
                                                  l->addresses->len);
        append_mapped(l, 0, l->addresses->len, out);

        /* Literals are not kept; hosts-file answers are published (whole
         * answers only, see lookup_complete_parts()). */
        if (n->snapshot && l->ifindex == 0 && !(l->answer_flags & AARP_FLAG_NO_REPLY) && l->from_hosts &&
            lookup_may_store(l))
                snapshot_put(n->snapshot, l->name, l->family, out, l->canonical ? l->canonical : l->name,
                             l->sources, name_cache_positive_ttl(G_MAXUINT32, l->map_ttl_sec));

        /* The hosts file has no TTL; what bounds the answer is the
         * mapping's, as for the published copy. */
        uint32_t ttl = l->answer_flags & AARP_FLAG_NO_REPLY ? 0 : name_cache_positive_ttl(G_MAXUINT32, l->map_ttl_sec);
        g_autofree char *canonical = g_steal_pointer(&l->canonical);
        lookup_complete(l, out, canonical ? canonical : l->name, l->answer_flags, ttl, NULL);
}

static void on_mapped(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        MapToken *t = user_data;
        NameLookup *l = t->l;
        guint index = t->index;

        if (l)
                g_ptr_array_remove_fast(l->map_tokens, t);
        g_free(t);
        if (!l)
                return;

        NameAddress *a = &g_array_index(l->addresses, NameAddress, index);
        if (answer) {
                if ((answer->flags & AARP_FLAG_ANYCAST) ||
                    memcmp(a->address, &answer->unicast, 16) != 0)
                        l->answer_flags |= AARP_FLAG_ANYCAST;
                memcpy(a->address, &answer->unicast, 16);
                a->ifindex = names_address_is_link_local(a) ? (a->ifindex ? a->ifindex : l->ifindex)
                                                            : 0;
                l->map_ttl_sec = MIN(l->map_ttl_sec, answer->ttl_sec);
                if (answer->n_members > 1) {
                        GArray *more = g_array_sized_new(FALSE, FALSE, sizeof(NameAddress), answer->n_members - 1);

                        for (unsigned m = 1; m < answer->n_members; m++) {
                                NameAddress na = { .family = AF_INET6 };

                                memcpy(na.address, &answer->members[m].address, 16);
                                na.ifindex = names_address_is_link_local(&na) ? a->ifindex : 0;
                                g_array_append_val(more, na);
                        }
                        if (!l->more_members)
                                l->more_members = g_ptr_array_new_full(l->addresses->len,
                                                                       (GDestroyNotify) g_array_unref);
                        if (l->more_members->len < l->addresses->len)
                                g_ptr_array_set_size(l->more_members, (gint) l->addresses->len);
                        if (l->more_members->pdata[index])
                                g_array_unref(l->more_members->pdata[index]);
                        l->more_members->pdata[index] = more;
                }
        } else {
                /* Fail open, as the resolver does for NO_REPLY: the address
                 * itself is the best we have.  Cache it only briefly. */
                l->map_ttl_sec = MIN(l->map_ttl_sec, AARP_NO_REPLY_TTL_SEC_DEFAULT);
        }

        if (--l->map_pending == 0)
                lookup_finish_mapping(l);
}

void lookup_start_mapping(NameLookup *l) {
        Names *n = l->n;

        /* The addresses come from whoever runs the name's zone: the caller's
         * probe budget decides whether we may probe them all. */
        if (l->gate && !l->gate(l->gate_data, l->addresses, l->ifindex, l->flags)) {
                lookup_fail(l, AARP_E_LIMIT_EXCEEDED,
                            "probing the addresses of '%s' would exceed the caller's ProbeRateLimit=; "
                            "try again later", l->name);
                return;
        }
        l->mapping = TRUE;
        l->map_ttl_sec = G_MAXUINT32;
        if (!l->sources)
                l->sources = g_array_new(FALSE, FALSE, sizeof(struct in6_addr));
        /* +1: resolver callbacks may run synchronously; finish only after
         * every address has been handed out. */
        l->map_pending = 1;
        for (guint i = 0; i < l->addresses->len && n->resolve; i++) {
                const NameAddress *a = &g_array_index(l->addresses, NameAddress, i);
                struct in6_addr address;

                if (a->family != AF_INET6)
                        continue;

                MapToken *t = g_new0(MapToken, 1);
                t->l = l;
                t->index = i;
                g_ptr_array_add(l->map_tokens, t);
                l->map_pending++;
                memcpy(&address, a->address, sizeof(address));
                g_array_append_val(l->sources, address);
                n->resolve(n->resolve_data, a->ifindex ? a->ifindex : l->ifindex, &address,
                           (l->flags & AARP_FLAG_NO_CACHE) | RESOLVER_FLAG_ALL_MEMBERS, l->payer, on_mapped, t);
        }
        if (--l->map_pending == 0)
                lookup_finish_mapping(l);
}

