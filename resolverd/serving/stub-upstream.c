/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-upstream.c: the stub's upstream nameservers: DNS= or the system
 * resolv.conf minus the stub itself (never a loop), each resolved with
 * AARP before a query may use it, the mapping kept for its TTL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-def.h"
#include "errors.h"
#include "resolvconf.h"
#include "stub-private.h"
#include "stub-sockets.h"

/* ---- upstream list ---- */

static gboolean is_own_address(const Stub *s, const NameServer *ns) {
        static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

        if (ns->family == AF_INET)
                return memcmp(ns->address, &s->address, 4) == 0;
        return memcmp(ns->address, v4mapped, 12) == 0 && memcmp(ns->address + 12, &s->address, 4) == 0;
}

void stub_server_free(Server *sv) {
        if (sv->token)
                sv->token->server = NULL;
        /* Queries waiting here start over on the new list. */
        while (!g_queue_is_empty(&sv->waiters)) {
                Query *q = g_queue_pop_head(&sv->waiters);

                q->waiting_on = NULL;
        }
        g_free(sv);
}

static void set_servers(Stub *s, const GArray *list) {
        g_autoptr(GPtrArray) fresh = g_ptr_array_new();
        g_autoptr(GPtrArray) waiting = g_ptr_array_new();
        gboolean same;

        for (guint i = 0; i < list->len; i++) {
                const NameServer *ns = &g_array_index(list, NameServer, i);
                char text[INET6_ADDRSTRLEN];

                if (is_own_address(s, ns)) {
                        inet_ntop(ns->family, ns->address, text, sizeof(text));
                        g_warning("DNS stub: nameserver %s is the stub itself, skipped (it would loop)", text);
                        continue;
                }
                if (fresh->len < AARP_DNS_SERVERS_MAX)
                        g_ptr_array_add(fresh, (gpointer) ns);
        }
        same = fresh->len == s->servers->len;
        for (guint i = 0; same && i < fresh->len; i++)
                same = memcmp(fresh->pdata[i], &((Server *) s->servers->pdata[i])->ns, sizeof(NameServer)) == 0;
        if (same)
                return;

        for (guint i = 0; i < s->servers->len; i++) {
                Server *sv = s->servers->pdata[i];

                for (GList *l = sv->waiters.head; l; l = l->next)
                        g_ptr_array_add(waiting, l->data);
                stub_server_free(sv);
        }
        g_ptr_array_set_size(s->servers, 0);
        for (guint i = 0; i < fresh->len; i++) {
                Server *sv = g_new0(Server, 1);

                sv->ns = *(const NameServer *) fresh->pdata[i];
                g_queue_init(&sv->waiters);
                g_ptr_array_add(s->servers, sv);
        }
        s->generation++;
        g_info("DNS stub: %u upstream nameserver(s)", s->servers->len);
        for (guint i = 0; i < waiting->len; i++)
                stub_query_try(waiting->pdata[i]);
}

/* DNS= if set (@force: it was just set), else resolv.conf as it is now. */
void stub_refresh_servers(Stub *s, gboolean force) {
        if (s->configured->len > 0) {
                if (force)
                        set_servers(s, s->configured);
                return;
        }
        if (!file_stamp_update(&s->resolv_stamp, s->resolv_conf_path) && !force)
                return;

        g_autoptr(GError) error = NULL;
        g_autoptr(ResolvConf) rc = resolv_conf_load(s->resolv_conf_path, &error);
        if (!rc) {
                g_warning("DNS stub: %s", error->message);
                return;
        }
        set_servers(s, rc->servers);
}

static void set_mapped(Server *sv, const uint8_t *address) {
        memset(&sv->mapped, 0, sizeof(sv->mapped));
        if (sv->ns.family == AF_INET) {
                struct sockaddr_in *sin = (struct sockaddr_in *) &sv->mapped;

                sin->sin_family = AF_INET;
                sin->sin_port = htons(53);
                memcpy(&sin->sin_addr, address, 4);
                sv->mapped_len = sizeof(*sin);
        } else {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &sv->mapped;

                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(53);
                memcpy(&sin6->sin6_addr, address, 16);
                sin6->sin6_scope_id = (uint32_t) sv->ns.ifindex;
                sv->mapped_len = sizeof(*sin6);
        }
}

static void on_server_mapped(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        MapToken *t = user_data;
        Server *sv = t->server;

        g_free(t);
        if (!sv)
                return;
        sv->token = NULL;
        if (answer) {
                set_mapped(sv, (const uint8_t *) &answer->unicast);
                sv->expiry_usec = g_get_monotonic_time() +
                                  (gint64) MAX(answer->ttl_sec, MAP_TTL_MIN_SEC) * G_USEC_PER_SEC;
        } else {
                /* Fail open: the address itself, and soon again. */
                g_debug("DNS stub: nameserver not resolved with AARP: %s", error ? error->message : "?");
                set_mapped(sv, sv->ns.address);
                sv->expiry_usec = g_get_monotonic_time() + (gint64) MAP_ERROR_TTL_SEC * G_USEC_PER_SEC;
        }

        GQueue ready = sv->waiters;
        g_queue_init(&sv->waiters);
        while (!g_queue_is_empty(&ready)) {
                Query *q = g_queue_pop_head(&ready);

                q->waiting_on = NULL;
                stub_query_try(q);
        }
}

/* TRUE if @sv's mapping is usable now; else it is started (@q waits). */
gboolean stub_server_ready(Stub *s, Server *sv, Query *q) {
        if (sv->expiry_usec > g_get_monotonic_time())
                return TRUE;
        if (sv->ns.family != AF_INET6) {
                set_mapped(sv, sv->ns.address);
                sv->expiry_usec = G_MAXINT64;
                return TRUE;
        }
        g_queue_push_tail(&sv->waiters, q);
        q->waiting_on = sv;
        if (!sv->token) {
                struct in6_addr a;

                sv->token = g_new0(MapToken, 1);
                sv->token->server = sv;
                memcpy(&a, sv->ns.address, 16);
                /* May answer at once: then @q is tried (and may be gone)
                 * before this returns. */
                /* The configured nameservers: the daemon's own lookups,
                 * bounded by the configuration, like upstream.c's. */
                resolver_resolve_address(s->resolver, sv->ns.ifindex, &a, 0, 0, on_server_mapped, sv->token);
        }
        return FALSE;
}

