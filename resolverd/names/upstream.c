/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * upstream.c: resolve the resolv.conf nameservers with AARP and keep a
 * c-ares channel pointed at the results (see upstream.h for why).
 */
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "names-syntax.h"
#include "upstream.h"

/* c-ares gives each server timeout_msec on the first round and doubles it
 * on each further round.  Spread this much over the first round so that,
 * within NAMES_TIMEOUT_MSEC, every server is tried at least once and a
 * lone server twice, however large resolv.conf's "timeout:" is. */
#define UPSTREAM_FIRST_ROUND_MSEC 1500u
#define UPSTREAM_TRY_MIN_MSEC     250u
/* Retry the mapping this soon when a nameserver could not be resolved. */
#define UPSTREAM_ERROR_TTL_SEC    AARP_NO_REPLY_TTL_SEC_DEFAULT

typedef struct {
        NameServer server;   /* as in resolv.conf */
        NameServer mapped;   /* where to send */
        uint32_t ttl_sec;
        gboolean done;
} ServerState;

typedef struct {
        Upstream *u;         /* NULL once orphaned */
        guint index;
} MappingToken;

typedef struct {
        guint id;
        UpstreamCallback callback;
        gpointer user_data;
} Waiter;

struct Upstream {
        AddressResolveFunc resolve;
        gpointer resolve_data;
        NameCacheClock clock;
        gpointer clock_data;
        uint16_t port;

        ResolvConf options;     /* servers and search unused: scalar options only */
        GArray *servers;        /* of ServerState */
        DnsChannel *channel;
        gint64 expiry_usec;

        gboolean resolving;
        guint pending;
        GPtrArray *tokens;      /* outstanding MappingToken */
        GQueue waiters;         /* of Waiter* */
        guint next_id;
        GError *error;          /* why channel is NULL after a resolution */
        guint dispatch_id;      /* idle source running dispatch_waiters() */
        gboolean *alive;        /* cleared by upstream_free() while dispatching */
};

static gint64 default_clock(gpointer user_data) {
        return g_get_monotonic_time();
}

Upstream *upstream_new(AddressResolveFunc resolve, gpointer resolve_data, NameCacheClock clock,
                       gpointer clock_data) {
        Upstream *u = g_new0(Upstream, 1);

        u->resolve = resolve;
        u->resolve_data = resolve_data;
        u->clock = clock ? clock : default_clock;
        u->clock_data = clock_data;
        u->servers = g_array_new(FALSE, TRUE, sizeof(ServerState));
        u->tokens = g_ptr_array_new();
        u->options.timeout_sec = 5;
        u->options.attempts = 2;
        g_queue_init(&u->waiters);
        return u;
}

static void orphan_tokens(Upstream *u) {
        for (guint i = 0; i < u->tokens->len; i++)
                ((MappingToken *) u->tokens->pdata[i])->u = NULL;
        g_ptr_array_set_size(u->tokens, 0);
        u->resolving = FALSE;
        u->pending = 0;
}

void upstream_free(Upstream *u) {
        if (!u)
                return;
        if (u->alive)
                *u->alive = FALSE;
        orphan_tokens(u);
        if (u->dispatch_id)
                g_source_remove(u->dispatch_id);
        g_clear_error(&u->error);
        g_queue_clear_full(&u->waiters, g_free);
        g_clear_pointer(&u->channel, dns_channel_unref);
        g_array_unref(u->servers);
        g_ptr_array_unref(u->tokens);
        g_free(u);
}

void upstream_set_resolver(Upstream *u, AddressResolveFunc resolve, gpointer resolve_data) {
        u->resolve = resolve;
        u->resolve_data = resolve_data;
        upstream_invalidate(u);
}

void upstream_set_clock(Upstream *u, NameCacheClock clock, gpointer clock_data) {
        u->clock = clock ? clock : default_clock;
        u->clock_data = clock_data;
        upstream_invalidate(u);
}

void upstream_set_port(Upstream *u, uint16_t port) {
        u->port = port;
        upstream_invalidate(u);
}

static void start_resolving(Upstream *u);

void upstream_invalidate(Upstream *u) {
        gboolean had_waiters = !g_queue_is_empty(&u->waiters);

        orphan_tokens(u);
        g_clear_pointer(&u->channel, dns_channel_unref);
        u->expiry_usec = 0;
        g_clear_error(&u->error);
        /* Lookups waiting for the old mapping wait for the new one. */
        if (had_waiters)
                start_resolving(u);
}

void upstream_set_config(Upstream *u, const ResolvConf *rc) {
        g_array_set_size(u->servers, 0);
        for (guint i = 0; i < rc->servers->len; i++) {
                ServerState s = { .server = g_array_index(rc->servers, NameServer, i) };

                g_array_append_val(u->servers, s);
        }
        u->options.timeout_sec = rc->timeout_sec;
        u->options.attempts = rc->attempts;
        u->options.rotate = rc->rotate;
        u->options.edns0 = rc->edns0;
        upstream_invalidate(u);
}

static gboolean server_is_link_local(const NameServer *s) {
        NameAddress a = { .family = s->family };

        memcpy(a.address, s->address, sizeof(a.address));
        return names_address_is_link_local(&a);
}

/* c-ares 1.18 cannot give a server a scope id; link-local servers work
 * only by binding every socket to their interface, which in turn would
 * break servers reached through other interfaces.  So: if every server is
 * link-local on one interface, bind to it; otherwise use the servers that
 * are not link-local (and, if that leaves none, the first interface's). */
static DnsChannel *build_channel(Upstream *u, GError **error) {
        g_autoptr(GArray) list = g_array_new(FALSE, TRUE, sizeof(DnsServer));
        DnsChannelOptions o = { 0 };
        guint n_global = 0;
        int ll_ifindex = 0;

        for (guint i = 0; i < u->servers->len; i++) {
                const NameServer *m = &g_array_index(u->servers, ServerState, i).mapped;

                if (!server_is_link_local(m))
                        n_global++;
                else if (ll_ifindex == 0 && m->ifindex > 0)
                        ll_ifindex = m->ifindex;
        }

        for (guint i = 0; i < u->servers->len; i++) {
                const NameServer *m = &g_array_index(u->servers, ServerState, i).mapped;
                DnsServer d = { .family = m->family, .port = u->port };
                gboolean dup = FALSE;

                if (server_is_link_local(m) && (n_global > 0 || m->ifindex != ll_ifindex))
                        continue;
                memcpy(d.address, m->address, sizeof(d.address));
                /* Two anycast servers mapping to one member: ask it once. */
                for (guint j = 0; j < list->len && !dup; j++) {
                        const DnsServer *e = &g_array_index(list, DnsServer, j);

                        dup = e->family == d.family && e->port == d.port &&
                              memcmp(e->address, d.address, sizeof(d.address)) == 0;
                }
                if (!dup)
                        g_array_append_val(list, d);
        }
        if (n_global == 0 && ll_ifindex > 0 && !if_indextoname((unsigned) ll_ifindex, o.device)) {
                g_set_error(error, AARP_ERROR, AARP_E_TEMPORARY_FAILURE,
                            "Interface %d of the link-local nameserver is gone", ll_ifindex);
                return NULL;
        }
        if (list->len == 0) {
                g_set_error_literal(error, AARP_ERROR, AARP_E_TEMPORARY_FAILURE,
                                    "No usable nameserver");
                return NULL;
        }

        o.timeout_msec = MIN(u->options.timeout_sec * 1000u,
                             MAX(UPSTREAM_FIRST_ROUND_MSEC / list->len, UPSTREAM_TRY_MIN_MSEC));
        o.tries = u->options.attempts;
        o.rotate = u->options.rotate;
        o.edns0 = u->options.edns0;
        return dns_channel_new((const DnsServer *) list->data, list->len, &o, error);
}

static gboolean dispatch_waiters(gpointer user_data) {
        Upstream *u = user_data;
        gboolean alive = TRUE;

        u->dispatch_id = 0;
        if (u->resolving)
                return G_SOURCE_REMOVE; /* invalidated meanwhile: they wait on */
        /* The waiters borrow the channel; keep it alive across callbacks
         * that might replace it (a reload triggered from a callback). */
        g_autoptr(DnsChannel) ch = u->channel ? dns_channel_ref(u->channel) : NULL;
        g_autoptr(GError) error = NULL;
        if (!ch)
                error = u->error ? g_error_copy(u->error)
                                 : g_error_new_literal(AARP_ERROR, AARP_E_TEMPORARY_FAILURE,
                                                       "No usable nameserver");

        /* Callbacks may cancel other waiters or free u (through a lookup's
         * completion); pop one at a time and stop once u is gone. */
        u->alive = &alive;
        while (alive && !g_queue_is_empty(&u->waiters)) {
                g_autofree Waiter *w = g_queue_pop_head(&u->waiters);

                w->callback(ch, error, w->user_data);
        }
        if (alive)
                u->alive = NULL;
        return G_SOURCE_REMOVE;
}

/* Waiters are always called from an idle callback, never from inside
 * upstream_get_channel(), upstream_set_config() or a resolver callback:
 * a waiter may end a lookup, and a lookup's end runs client code that may
 * call back into Names. */
static void schedule_dispatch(Upstream *u) {
        if (!u->dispatch_id && !g_queue_is_empty(&u->waiters))
                u->dispatch_id = g_idle_add(dispatch_waiters, u);
}

static void finish_resolving(Upstream *u) {
        g_autoptr(GError) error = NULL;
        gint64 now = u->clock(u->clock_data);
        uint32_t ttl = G_MAXUINT32;

        u->resolving = FALSE;
        for (guint i = 0; i < u->servers->len; i++)
                ttl = MIN(ttl, g_array_index(u->servers, ServerState, i).ttl_sec);

        u->channel = build_channel(u, &error);
        u->expiry_usec = ttl == G_MAXUINT32 ? G_MAXINT64 : now + (gint64) ttl * G_USEC_PER_SEC;
        g_clear_error(&u->error);
        if (!u->channel) {
                u->expiry_usec = now + (gint64) UPSTREAM_ERROR_TTL_SEC * G_USEC_PER_SEC;
                u->error = g_steal_pointer(&error);
        }
        schedule_dispatch(u);
}

static void on_server_mapped(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        MappingToken *t = user_data;
        Upstream *u = t->u;
        guint index = t->index;

        if (u)
                g_ptr_array_remove_fast(u->tokens, t);
        g_free(t);
        if (!u)
                return;

        ServerState *s = &g_array_index(u->servers, ServerState, index);
        s->done = TRUE;
        if (answer) {
                memcpy(s->mapped.address, &answer->unicast, 16);
                s->ttl_sec = answer->ttl_sec;
        } else {
                /* Fail open: try the address itself, and soon again. */
                s->ttl_sec = UPSTREAM_ERROR_TTL_SEC;
        }

        if (--u->pending == 0)
                finish_resolving(u);
}

static void start_resolving(Upstream *u) {
        if (u->resolving)
                return;

        u->resolving = TRUE;
        g_clear_pointer(&u->channel, dns_channel_unref);

        /* +1 so synchronous answers cannot finish before every server has
         * been started. */
        u->pending = 1;
        for (guint i = 0; i < u->servers->len; i++) {
                ServerState *s = &g_array_index(u->servers, ServerState, i);

                s->mapped = s->server;
                s->ttl_sec = G_MAXUINT32;
                s->done = FALSE;
                if (s->server.family != AF_INET6 || !u->resolve) {
                        s->done = TRUE;
                        continue;
                }

                MappingToken *t = g_new0(MappingToken, 1);
                t->u = u;
                t->index = i;
                g_ptr_array_add(u->tokens, t);
                u->pending++;

                struct in6_addr a;
                memcpy(&a, s->server.address, sizeof(a));
                /* The daemon's own lookup (a configured nameserver): paid by
                 * nobody's budget, bounded by the nameservers configured. */
                u->resolve(u->resolve_data, s->server.ifindex, &a, 0, 0, on_server_mapped, t);
                if (!u->resolving)
                        return; /* a synchronous answer led to invalidation */
        }
        if (--u->pending == 0)
                finish_resolving(u);
}

guint upstream_get_channel(Upstream *u, UpstreamCallback callback, gpointer user_data) {
        if (!u->resolving && !u->dispatch_id && u->channel && u->clock(u->clock_data) < u->expiry_usec) {
                callback(u->channel, NULL, user_data);
                return 0;
        }

        Waiter *w = g_new0(Waiter, 1);
        w->id = ++u->next_id ? u->next_id : ++u->next_id;
        w->callback = callback;
        w->user_data = user_data;
        g_queue_push_tail(&u->waiters, w);
        guint id = w->id;

        /* A failed mapping is remembered until its expiry too, so that a
         * dead interface does not make every lookup re-probe. */
        if (!u->resolving) { /* else: served when the mapping ends */
                if (u->clock(u->clock_data) < u->expiry_usec)
                        schedule_dispatch(u);
                else
                        start_resolving(u);
        }
        return id;
}

void upstream_cancel(Upstream *u, guint id) {
        for (GList *l = u->waiters.head; l; l = l->next) {
                Waiter *w = l->data;

                if (w->id == id) {
                        g_queue_delete_link(&u->waiters, l);
                        g_free(w);
                        return;
                }
        }
}
