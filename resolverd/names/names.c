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
 * state machine and the rules that join them.
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
#include "names.h"
#include "snapshot.h"
#include "resolvconf.h"
#include "reverse.h"
#include "upstream.h"

typedef struct NameLookup NameLookup;

typedef enum {
        OUTCOME_ADDRESSES,
        OUTCOME_NODATA,
        OUTCOME_NXDOMAIN,
        OUTCOME_SERVFAIL, /* this server/name failed; the search goes on */
        OUTCOME_FATAL,    /* timeouts, unreachable servers: stop */
} Outcome;

typedef struct {
        NameLookup *l;
        int type;          /* ns_t_aaaa or ns_t_a */
        guint part;        /* index in NameLookup.parts */
        DnsQuery *q;
        Outcome outcome;
        int status;
        GArray *addresses; /* of NameAddress */
        uint32_t ttl_sec;
        uint32_t negative_ttl_sec;
        char *canonical;
} QuerySlot;

typedef struct {
        NameLookup *l;     /* NULL once the lookup ended */
        guint index;
} MapToken;

/* One query type's share of a DNS answer.  The name cache holds each on
 * its own, AAAA under (name, AF_INET6) and A under (name, AF_INET), as
 * resolved caches per resource record key: a server that answers one
 * type and fails the other (REFUSED for the A of an AAAA-only name is
 * common) must not make the type it did answer uncacheable.  An AF_UNSPEC
 * lookup is both parts; it asks DNS only for the parts not cached. */
typedef struct {
        int family;          /* AF_INET6 (AAAA) or AF_INET (A) */
        gboolean known;      /* answered, from the cache or by DNS */
        gboolean from_cache;
        int error_code;      /* -1: addresses; else AARP_E_NO_DATA, _NO_SUCH_NAME, _TEMPORARY_FAILURE */
        GArray *addresses;   /* of NameAddress, mapped (positive parts) */
        char *canonical;
        uint64_t flags;
        GArray *sources;     /* of struct in6_addr: what the addresses were mapped from */
        uint32_t ttl_sec;    /* how long the part may be kept; 0: not at all */

        /* DNS phase */
        guint first, count;  /* its addresses in NameLookup.addresses */
        uint32_t dns_ttl_sec;
        gboolean got_nodata, got_servfail;
        uint32_t negative_ttl_sec;
} TypePart;

struct Names {
        AddressResolveFunc resolve;
        gpointer resolve_data;
        char *hosts_path;
        char *resolv_conf_path;
        FileStamp hosts_stamp;
        FileStamp resolv_conf_stamp;
        Hosts *hosts;
        ResolvConf *resolv_conf;
        Upstream *upstream;
        Reverse *reverse;
        NameCache *cache;
        unsigned timeout_msec;
        GQueue lookups;    /* of NameLookup, in flight */
        gboolean closing;
        Snapshot *snapshot; /* borrowed; NULL: answers are not published */
        guint poll_id;
        uint64_t files_generation; /* grows when the hosts file or resolv.conf changes */
};

struct NameLookup {
        Names *n;
        GList link;
        char *name;
        int ifindex;
        int family;
        uint64_t flags;
        NamesCallback callback;
        gpointer user_data;
        guint deadline_id;
        uint64_t files_generation; /* Names.files_generation at the start */

        /* DNS phase */
        guint upstream_wait;
        DnsChannel *channel;
        GPtrArray *candidates;
        guint candidate;
        QuerySlot slots[2];
        guint n_slots;
        guint slots_pending;
        TypePart parts[2];  /* AAAA first, then A: the order answers are given in */
        guint n_parts;
        gboolean from_dns;
        gboolean from_hosts;
        gboolean cacheable;

        /* the answer, then its mapping */
        GArray *addresses; /* of NameAddress */
        char *canonical;   /* hosts file answers */
        gboolean mapping;
        guint map_pending;
        uint32_t map_ttl_sec;
        uint64_t answer_flags;
        GPtrArray *map_tokens;
        GPtrArray *more_members; /* per address index: GArray of NameAddress (members after the first) or NULL */
        GArray *sources;         /* struct in6_addr handed to the resolver: what the answer depends on */
        NamesProbeGate gate;
        gpointer gate_data;
        uid_t payer; /* pays for the refreshes and discovery mapping causes */
};

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
                n->files_generation++;
}

/* An answer found under files that have changed since (another search
 * list or ndots gives a relative name another meaning; other servers know
 * other things) is returned to its caller but never remembered. */
static gboolean lookup_may_store(const NameLookup *l) {
        return l->files_generation == l->n->files_generation;
}

/* ---- ending a lookup ---- */

static void slot_clear(QuerySlot *s) {
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
                slot_clear(&l->slots[i]);
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

static void lookup_complete(NameLookup *l, GArray *addresses, const char *canonical,
                            uint64_t flags, uint32_t ttl_sec, const GError *error) {
        lookup_detach(l);
        l->callback(addresses, canonical, flags, ttl_sec, error, l->user_data);
        lookup_free(l);
}

static void lookup_fail(NameLookup *l, int code, const char *format, ...) G_GNUC_PRINTF(3, 4);
static void lookup_fail(NameLookup *l, int code, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        g_autofree char *message = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_autoptr(GError) error = g_error_new_literal(AARP_ERROR, code, message);
        lookup_complete(l, NULL, NULL, 0, 0, error);
}

static const char *family_name(int family) {
        return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "IP";
}

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
static void part_set_negative(NameLookup *l, TypePart *p, int code, uint32_t ttl_sec) {
        p->known = TRUE;
        p->error_code = code;
        p->ttl_sec = lookup_may_store(l) ? ttl_sec : 0;
        if (p->ttl_sec > 0)
                name_cache_put_negative(l->n->cache, l->name, p->family, l->ifindex, code, p->ttl_sec);
}

static gboolean lookup_has_addresses(const NameLookup *l) {
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
static void lookup_complete_parts(NameLookup *l) {
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
                        lookup_fail(l, AARP_E_NO_DATA, "'%s' has no %s address", l->name, family_name(l->family));
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

static void finish_mapping(NameLookup *l) {
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
                finish_mapping(l);
}

static void start_mapping(NameLookup *l) {
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
                finish_mapping(l);
}

/* ---- DNS ---- */

static void start_candidate(NameLookup *l);

static void evaluate_candidate(NameLookup *l) {
        gboolean any_addresses = FALSE, any_fatal = FALSE;
        int fatal_status = ARES_SUCCESS;

        for (guint i = 0; i < l->n_slots; i++) {
                const QuerySlot *s = &l->slots[i];
                TypePart *p = &l->parts[s->part];

                switch (s->outcome) {
                case OUTCOME_ADDRESSES:
                        any_addresses = TRUE;
                        break;
                case OUTCOME_NODATA:
                        p->got_nodata = TRUE;
                        break;
                case OUTCOME_NXDOMAIN:
                        break;
                case OUTCOME_SERVFAIL:
                        p->got_servfail = TRUE;
                        break;
                case OUTCOME_FATAL:
                        any_fatal = TRUE;
                        fatal_status = s->status;
                        break;
                }
                if (s->outcome == OUTCOME_NODATA || s->outcome == OUTCOME_NXDOMAIN)
                        p->negative_ttl_sec = MIN(p->negative_ttl_sec, s->negative_ttl_sec);
        }

        if (any_addresses) {
                /* This candidate is the name.  IPv6 first, then IPv4, each
                 * in answer order (the order glibc's gethostbyname4 hands
                 * getaddrinfo, which sorts by RFC 6724 anyway). */
                l->addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
                for (guint i = 0; i < l->n_slots; i++) {
                        QuerySlot *s = &l->slots[i];
                        TypePart *p = &l->parts[s->part];

                        switch (s->outcome) {
                        case OUTCOME_ADDRESSES:
                                for (guint j = 0; j < s->addresses->len; j++) {
                                        NameAddress *a = &g_array_index(s->addresses, NameAddress, j);

                                        a->ifindex = names_address_is_link_local(a) ? l->ifindex : 0;
                                }
                                p->first = l->addresses->len;
                                p->count = MIN(s->addresses->len, AARP_ADDRESSES_MAX - MIN(p->first, AARP_ADDRESSES_MAX));
                                g_array_append_vals(l->addresses, s->addresses->data, p->count);
                                p->dns_ttl_sec = s->ttl_sec;
                                p->canonical = g_strdup(s->canonical);
                                break;
                        case OUTCOME_NODATA:
                        case OUTCOME_NXDOMAIN:
                                /* The name exists (the other type has
                                 * addresses): none of this type. */
                                part_set_negative(l, p, AARP_E_NO_DATA, name_cache_negative_ttl(p->negative_ttl_sec));
                                break;
                        case OUTCOME_SERVFAIL:
                        case OUTCOME_FATAL:
                                /* The servers will not say: c-ares tries
                                 * every server on SERVFAIL or REFUSED and
                                 * then reports ECONNREFUSED, so a type
                                 * every server refuses arrives here as
                                 * FATAL, while the same servers just
                                 * answered the other type.  Remembered
                                 * briefly (RFC 9520 caches resolution
                                 * failures), so that the answered type
                                 * stays a cache hit instead of sending
                                 * every lookup of the name to DNS. */
                                part_set_negative(l, p, AARP_E_TEMPORARY_FAILURE, NAME_CACHE_FAILURE_TTL_SEC);
                                break;
                        }
                }
                start_mapping(l);
                return;
        }

        if (any_fatal) {
                /* Cached parts with addresses still make an answer. */
                if (lookup_has_addresses(l))
                        lookup_complete_parts(l);
                else
                        lookup_fail(l, AARP_E_TEMPORARY_FAILURE, "DNS lookup of '%s' failed: %s", l->name,
                                    dns_strerror(fatal_status));
                return;
        }

        if (++l->candidate < l->candidates->len) {
                start_candidate(l);
                return;
        }

        /* No candidate has addresses of the types asked.  Per type:
         * NoData if the name exists somewhere in the search list, else
         * NXDOMAIN; remembered unless a server failed on the way. */
        for (guint i = 0; i < l->n_parts; i++) {
                TypePart *p = &l->parts[i];

                if (p->known)
                        continue;
                part_set_negative(l, p,
                                  p->got_nodata ? AARP_E_NO_DATA
                                  : p->got_servfail ? AARP_E_TEMPORARY_FAILURE
                                                    : AARP_E_NO_SUCH_NAME,
                                  p->got_servfail ? 0 : name_cache_negative_ttl(p->negative_ttl_sec));
        }
        lookup_complete_parts(l);
}

static Outcome classify(QuerySlot *s, int status, const unsigned char *abuf, int alen) {
        switch (status) {
        case ARES_SUCCESS:
                s->addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
                if (dns_reply_parse_addresses(abuf, alen, s->type, s->addresses, &s->ttl_sec,
                                              &s->canonical) > 0)
                        return OUTCOME_ADDRESSES;
                /* NOERROR with answers but none of our type (a CNAME to a
                 * name without them) is NODATA. */
                s->negative_ttl_sec = dns_reply_negative_ttl(abuf, alen);
                return OUTCOME_NODATA;
        case ARES_ENODATA:
                s->negative_ttl_sec = dns_reply_negative_ttl(abuf, alen);
                return OUTCOME_NODATA;
        case ARES_ENOTFOUND:
        case ARES_EBADNAME: /* candidate too long to encode: no such name */
                s->negative_ttl_sec = dns_reply_negative_ttl(abuf, alen);
                return OUTCOME_NXDOMAIN;
        case ARES_ESERVFAIL:
        case ARES_EREFUSED:
        case ARES_EFORMERR:
        case ARES_ENOTIMP:
        case ARES_EBADRESP:
                return OUTCOME_SERVFAIL;
        default: /* ETIMEOUT, ECONNREFUSED, ENOMEM, ... */
                return OUTCOME_FATAL;
        }
}

static void on_query_done(int status, const unsigned char *abuf, int alen, gpointer user_data) {
        QuerySlot *s = user_data;
        NameLookup *l = s->l;

        s->q = NULL;
        s->status = status;
        s->outcome = classify(s, status, abuf, alen);
        if (--l->slots_pending == 0)
                evaluate_candidate(l);
}

static void start_candidate(NameLookup *l) {
        const char *qname = l->candidates->pdata[l->candidate];

        l->n_slots = 0;
        for (guint i = 0; i < l->n_parts; i++) {
                if (l->parts[i].known)
                        continue;
                l->slots[l->n_slots].type = l->parts[i].family == AF_INET6 ? ns_t_aaaa : ns_t_a;
                l->slots[l->n_slots].part = i;
                l->n_slots++;
        }

        l->slots_pending = l->n_slots;
        for (guint i = 0; i < l->n_slots; i++) {
                QuerySlot *s = &l->slots[i];
                int type = s->type;
                guint part = s->part;

                slot_clear(s);
                *s = (QuerySlot) { .l = l, .type = type, .part = part };
                /* Never calls back before returning (dns.h). */
                s->q = dns_channel_query(l->channel, qname, type, on_query_done, s);
        }
}

/* The names to try, in resolv.conf order: a name with at least ndots dots
 * is tried as is first, others after the search domains; a trailing dot
 * means "as is only".  Candidates too long for DNS are left out. */
static GPtrArray *search_candidates(const char *name, const ResolvConf *rc) {
        GPtrArray *c = g_ptr_array_new_with_free_func(g_free);
        size_t len = strlen(name);
        unsigned dots = 0;

        if (name[len - 1] == '.') {
                g_ptr_array_add(c, g_strndup(name, len - 1));
                return c;
        }
        for (const char *p = name; *p; p++)
                dots += *p == '.';

        gboolean as_is_first = dots >= rc->ndots;
        if (as_is_first)
                g_ptr_array_add(c, g_strdup(name));
        for (guint i = 0; i < rc->search->len; i++) {
                const char *domain = rc->search->pdata[i];

                if (len + 1 + strlen(domain) <= AARP_NAME_MAX)
                        g_ptr_array_add(c, g_strconcat(name, ".", domain, NULL));
        }
        if (!as_is_first)
                g_ptr_array_add(c, g_strdup(name));
        return c;
}

static void on_upstream(DnsChannel *channel, const GError *error, gpointer user_data) {
        NameLookup *l = user_data;

        l->upstream_wait = 0;
        if (!channel) {
                lookup_fail(l, AARP_E_TEMPORARY_FAILURE, "No nameserver for '%s': %s", l->name,
                            error ? error->message : "unknown error");
                return;
        }
        l->channel = dns_channel_ref(channel);
        start_candidate(l);
}

static gboolean on_deadline(gpointer user_data) {
        NameLookup *l = user_data;

        l->deadline_id = 0;
        if (l->mapping) {
                /* DNS answered but a probe is still out (its retries can
                 * outlast our bound): answer with what we have, the
                 * unmapped addresses standing for themselves, as the
                 * resolver's own NO_REPLY would; don't cache it. */
                for (guint i = 0; i < l->map_tokens->len; i++)
                        ((MapToken *) l->map_tokens->pdata[i])->l = NULL;
                g_ptr_array_set_size(l->map_tokens, 0);
                l->cacheable = FALSE;
                l->answer_flags |= AARP_FLAG_NO_REPLY;
                finish_mapping(l);
        } else if (lookup_has_addresses(l))
                lookup_complete_parts(l); /* cached parts; DNS for the others timed out */
        else
                lookup_fail(l, AARP_E_TEMPORARY_FAILURE, "Resolving '%s' timed out", l->name);
        return G_SOURCE_REMOVE;
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

        reload_files(n);

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
                                    family_name(family));
                        return;
                }
                l->addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
                g_array_append_val(l->addresses, literal);
                l->deadline_id = g_timeout_add(n->timeout_msec, on_deadline, l);
                start_mapping(l);
                return;
        }

        /* The hosts file answers for every name it lists, even with no
         * address of the family (then NoData), like resolved: falling
         * through to DNS would let DNS contradict the administrator. */
        l->addresses = g_array_new(FALSE, FALSE, sizeof(NameAddress));
        if (hosts_lookup(n->hosts, name, family, l->addresses, &l->canonical)) {
                if (l->addresses->len == 0) {
                        lookup_fail(l, AARP_E_NO_DATA, "'%s' has no %s address in %s", name,
                                    family_name(family), n->hosts_path);
                        return;
                }
                l->deadline_id = g_timeout_add(n->timeout_msec, on_deadline, l);
                l->from_hosts = TRUE;
                start_mapping(l);
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
        l->candidates = search_candidates(name, n->resolv_conf);
        l->deadline_id = g_timeout_add(n->timeout_msec, on_deadline, l);
        /* The callback runs synchronously only with a ready channel, and
         * then only sends queries: l is still ours afterwards. */
        l->upstream_wait = upstream_get_channel(n->upstream, on_upstream, l);
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
        g_queue_init(&n->lookups);
        return n;
}

void names_free(Names *n) {
        if (!n || n->closing)
                return; /* NULL, or called again from a callback below */

        n->closing = TRUE;
        if (n->poll_id)
                g_source_remove(n->poll_id);
        /* Clients get an answer rather than silence: bus.c can still
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
        reload_files(n);
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
}

void names_invalidate_address(Names *n, const struct in6_addr *address) {
        guint dropped = name_cache_invalidate_address(n->cache, address);

        g_debug("members of an address changed: %u cached name answers dropped", dropped);
        if (n->snapshot)
                snapshot_invalidate_address(n->snapshot, address);
        /* A nameserver may be that address: map the nameservers again (a
         * resolver cache hit unless it is the one that changed). */
        upstream_invalidate(n->upstream);
}

static gboolean on_poll_files(gpointer user_data) {
        reload_files(user_data);
        return G_SOURCE_CONTINUE;
}

void names_set_snapshot(Names *n, Snapshot *snapshot) {
        n->snapshot = snapshot;
        /* Lookups served from the snapshot never reach us, so nothing else
         * would notice an edited hosts file or resolv.conf. */
        if (snapshot && !n->poll_id)
                n->poll_id = g_timeout_add_seconds(1, on_poll_files, n);
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
