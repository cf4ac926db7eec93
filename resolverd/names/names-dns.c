/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-dns.c: the DNS phase of a lookup (names-lookup.h): the search
 * list's candidates in turn, AAAA and A in parallel for each, classified
 * as glibc would (a SERVFAIL moves on, a timeout stops).
 */
#include <arpa/nameser.h>
#include <ares.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "dns-reply.h"
#include "errors.h"
#include "names-lookup.h"
#include "names-syntax.h"

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
                                lookup_part_set_negative(l, p, AARP_E_NO_DATA, name_cache_negative_ttl(p->negative_ttl_sec));
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
                                lookup_part_set_negative(l, p, AARP_E_TEMPORARY_FAILURE, NAME_CACHE_FAILURE_TTL_SEC);
                                break;
                        }
                }
                lookup_start_mapping(l);
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
                lookup_part_set_negative(l, p,
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

                lookup_slot_clear(s);
                *s = (QuerySlot) { .l = l, .type = type, .part = part };
                /* Never calls back before returning (dns.h). */
                s->q = dns_channel_query(l->channel, qname, type, on_query_done, s);
        }
}

/* The names to try, in resolv.conf order: a name with at least ndots dots
 * is tried as is first, others after the search domains; a trailing dot
 * means "as is only".  Candidates too long for DNS are left out. */
GPtrArray *names_search_candidates(const char *name, const ResolvConf *rc) {
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

void lookup_on_upstream(DnsChannel *channel, const GError *error, gpointer user_data) {
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

gboolean lookup_on_deadline(gpointer user_data) {
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
                lookup_finish_mapping(l);
        } else if (lookup_has_addresses(l))
                lookup_complete_parts(l); /* cached parts; DNS for the others timed out */
        else
                lookup_fail(l, AARP_E_TEMPORARY_FAILURE, "Resolving '%s' timed out", l->name);
        return G_SOURCE_REMOVE;
}

