/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reverse.c: see reverse.h.  One PTR query per lookup, bounded by its own
 * deadline; answers are not cached (reverse lookups are rare: logging,
 * access checks), so every lookup asks the nameservers.
 */
#include <ares.h>
#include <arpa/nameser.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "dns-reply.h"
#include "errors.h"
#include "reverse.h"

typedef struct ReverseLookup ReverseLookup;

struct Reverse {
        Upstream *upstream;
        GQueue lookups; /* of ReverseLookup, in flight */
};

struct ReverseLookup {
        Reverse *r;
        GList link;
        char *qname;
        NamesAddressNameCallback callback;
        gpointer user_data;
        guint upstream_wait;
        guint deadline_id;
        guint idle_id;
        DnsChannel *channel;
        DnsQuery *query;
        GError *error; /* for the idle completion */
};

char *reverse_ptr_name(int family, const uint8_t *address) {
        if (family == AF_INET)
                return g_strdup_printf("%u.%u.%u.%u.in-addr.arpa", address[3], address[2], address[1], address[0]);

        GString *s = g_string_sized_new(73);
        for (int i = 15; i >= 0; i--)
                g_string_append_printf(s, "%x.%x.", address[i] & 0xf, address[i] >> 4);
        g_string_append(s, "ip6.arpa");
        return g_string_free(s, FALSE);
}

static void lookup_complete(ReverseLookup *l, const char *const *names, uint32_t ttl_sec, const GError *error) {
        Reverse *r = l->r;

        g_queue_unlink(&r->lookups, &l->link);
        if (l->upstream_wait)
                upstream_cancel(r->upstream, l->upstream_wait);
        if (l->deadline_id)
                g_source_remove(l->deadline_id);
        if (l->idle_id)
                g_source_remove(l->idle_id);
        dns_query_abandon(g_steal_pointer(&l->query));
        g_clear_pointer(&l->channel, dns_channel_unref);
        l->callback(names, ttl_sec, 0, error, l->user_data);
        g_clear_error(&l->error);
        g_free(l->qname);
        g_free(l);
}

static void lookup_fail(ReverseLookup *l, int code, const char *message) {
        g_autoptr(GError) error = g_error_new(AARP_ERROR, code, "%s: %s", l->qname, message);

        lookup_complete(l, NULL, 0, error);
}

static void on_ptr(int status, const unsigned char *abuf, int alen, gpointer user_data) {
        ReverseLookup *l = user_data;
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        uint32_t ttl;

        l->query = NULL;
        switch (status) {
        case ARES_SUCCESS:
                if (dns_reply_parse_ptr(abuf, alen, names, &ttl) == 0) {
                        lookup_fail(l, AARP_E_NO_SUCH_NAME, "no valid host name in the answer");
                        return;
                }
                g_ptr_array_add(names, NULL);
                lookup_complete(l, (const char *const *) names->pdata, ttl, NULL);
                return;
        case ARES_ENODATA:
        case ARES_ENOTFOUND:
                lookup_fail(l, AARP_E_NO_SUCH_NAME, "no host name for this address");
                return;
        default:
                lookup_fail(l, AARP_E_TEMPORARY_FAILURE, dns_strerror(status));
                return;
        }
}

static void on_channel(DnsChannel *channel, const GError *error, gpointer user_data) {
        ReverseLookup *l = user_data;

        l->upstream_wait = 0;
        if (!channel) {
                lookup_fail(l, AARP_E_TEMPORARY_FAILURE, error ? error->message : "no nameserver");
                return;
        }
        l->channel = dns_channel_ref(channel);
        l->query = dns_channel_query(channel, l->qname, ns_t_ptr, on_ptr, l);
}

static gboolean on_deadline(gpointer user_data) {
        ReverseLookup *l = user_data;

        l->deadline_id = 0;
        lookup_fail(l, AARP_E_TEMPORARY_FAILURE, "timed out");
        return G_SOURCE_REMOVE;
}

static gboolean on_start(gpointer user_data) {
        ReverseLookup *l = user_data;

        l->idle_id = 0;
        /* upstream_get_channel() may call back at once (and the lookup may
         * be over, @l freed): only a non-zero id says it has not. */
        guint id = upstream_get_channel(l->r->upstream, on_channel, l);
        if (id)
                l->upstream_wait = id;
        return G_SOURCE_REMOVE;
}

void reverse_lookup(Reverse *r, int family, const uint8_t *address, unsigned timeout_msec,
                    NamesAddressNameCallback callback, gpointer user_data) {
        ReverseLookup *l = g_new0(ReverseLookup, 1);

        l->r = r;
        l->link.data = l;
        l->qname = reverse_ptr_name(family, address);
        l->callback = callback;
        l->user_data = user_data;
        g_queue_push_tail_link(&r->lookups, &l->link);
        l->deadline_id = g_timeout_add(timeout_msec, on_deadline, l);
        l->idle_id = g_idle_add(on_start, l);
}

Reverse *reverse_new(Upstream *upstream) {
        Reverse *r = g_new0(Reverse, 1);

        r->upstream = upstream;
        g_queue_init(&r->lookups);
        return r;
}

void reverse_free(Reverse *r) {
        if (!r)
                return;
        while (r->lookups.head)
                lookup_fail(r->lookups.head->data, AARP_E_TEMPORARY_FAILURE, "shutting down");
        g_free(r);
}
