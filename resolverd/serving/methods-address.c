/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * methods-address.c: the methods that resolve anycast addresses:
 * ResolveAddress, ResolveAddressMembers and ResolveAddresses, and the one
 * rule by which every method's probes are paid for.
 */
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "answer-policy.h"
#include "bus-private.h"
#include "errors.h"

gboolean method_charge_probes(Call *c, const ProbeTarget *targets, gsize n) {
        unsigned fresh = 0;

        if (c->uid == 0)
                return TRUE; /* root may send packets itself anyway */
        for (gsize i = 0; i < n; i++)
                if (resolver_would_probe(c->bus->resolver, targets[i].ifindex, &targets[i].address, targets[i].flags))
                        fresh++;
        return clients_take_probes(c->bus->clients, c->uid, fresh, (uint64_t) g_get_monotonic_time());
}

/* ---- ResolveAddress, ResolveAddressMembers --------------------------- */

static void on_address_resolved(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        Call *c = user_data;
        const struct in6_addr *address;
        uint64_t rtt;
        MonitorEvent *e = call_note_begin(c, "ResolveAddress", NULL);

        if (error) {
                call_note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        answer_policy_pick(c->bus->clients, c->uid, answer, &address, &rtt);
        monitor_event_add_address(e, AF_INET6, address);
        call_note_end(c, e, answer->flags, answer->ttl_sec, rtt, NULL);
        call_return_address(c, address, 16, answer->flags, answer->ttl_sec, rtt);
}

static void on_members_resolved(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        Call *c = user_data;
        GVariantBuilder builder;
        MonitorEvent *e = call_note_begin(c, "ResolveAddressMembers", NULL);

        if (error) {
                call_note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        const Member *kept[AARP_MEMBERS_MAX];
        unsigned n = answer_policy_members(c->bus->clients, c->uid, answer, kept);

        for (unsigned i = 0; i < n; i++)
                monitor_event_add_address(e, AF_INET6, &kept[i]->address);
        call_note_end(c, e, answer->flags, answer->ttl_sec, n > 0 ? kept[0]->rtt_usec : 0, NULL);

        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(ayt)"));
        for (unsigned i = 0; i < n; i++)
                g_variant_builder_add(&builder, "(@ayt)", call_bytes_variant(&kept[i]->address, 16),
                                      (guint64) kept[i]->rtt_usec);
        call_return(c, g_variant_new("(a(ayt)tu)", &builder, answer->flags, answer->ttl_sec));
}

/* Both methods: same arguments, same checks. */
void method_resolve_address(Call *c) {
        g_autoptr(GError) error = NULL;
        gsize len = c->address_len;
        const guint8 *bytes = c->address;
        gint32 ifindex = c->ifindex;
        guint64 flags = c->flags;
        gboolean all_members = c->all_members;
        struct in6_addr a;

        if (!call_validate_flags(flags, &error) || !call_validate_ifindex(ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (len == 4) {
                /* IPv4 has no anycast problem of this kind: unchanged. */
                if (all_members)
                        call_return(c, g_variant_new_parsed("([(%@ay, @t 0)], %t, %u)", call_bytes_variant(bytes, 4),
                                                            (guint64) AARP_FLAG_NOT_PROBED,
                                                            (guint32) AARP_NOT_PROBED_TTL_SEC));
                else
                        call_return_address(c, bytes, 4, AARP_FLAG_NOT_PROBED, AARP_NOT_PROBED_TTL_SEC, 0);
                return;
        }
        if (len != 16) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                      "address must be 4 or 16 bytes, got %zu", len);
                return;
        }
        memcpy(&a, bytes, 16);
        flags = answer_policy_flags(c->bus->clients, c->bus->resolver, c->uid, ifindex, &a, flags);
        if (!method_charge_probes(c, &(ProbeTarget) { ifindex, a, flags }, 1)) {
                call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                      "uid %u sent more than ProbeRateLimit=%u fresh probes per second; "
                                      "try again later",
                                      (unsigned) c->uid, c->bus->config->probe_rate_limit);
                return;
        }
        if (all_members)
                resolver_resolve_address(c->bus->resolver, ifindex, &a, flags | RESOLVER_FLAG_ALL_MEMBERS,
                                         c->uid, on_members_resolved, c);
        else
                resolver_resolve_address(c->bus->resolver, ifindex, &a, flags, c->uid, on_address_resolved, c);
}

/* ---- ResolveAddresses ------------------------------------------------ */

typedef struct {
        guint8 address[16];
        guint8 len; /* 4 or 16 */
        guint64 flags, rtt_usec;
        guint32 ttl_sec;
} BatchAnswer;

/* One ResolveAddresses call: answered when the last address is.  Its
 * addresses are handed to the resolver BATCH_SLICE at a time, one slice per
 * main loop iteration, so that a call of 1024 does not hold up cached
 * answers to everyone else meanwhile. */
#define BATCH_SLICE 64u

typedef struct {
        Call *call;
        unsigned pending; /* answers outstanding, + 1 while slices remain */
        GError *error;    /* the first */
        gsize n, next;    /* addresses, and the next one to ask about */
        guint slice_id;   /* the source that asks about the next slice */
        struct in6_addr *addrs;
        guint64 *flags;
        BatchAnswer answers[];
} Batch;

typedef struct {
        Batch *batch;
        unsigned index;
} BatchItem;

static void batch_finish(Batch *b) {
        Call *c = b->call;

        if (--b->pending > 0)
                return;
        if (b->error)
                call_return_error(c, b->error);
        else {
                GVariantBuilder builder;
                gsize n = g_variant_n_children(c->addresses);

                g_variant_builder_init(&builder, G_VARIANT_TYPE("a(aytut)"));
                for (gsize i = 0; i < n; i++) {
                        const BatchAnswer *a = &b->answers[i];
                        g_variant_builder_add(&builder, "(@aytut)", call_bytes_variant(a->address, a->len), a->flags,
                                              a->ttl_sec, a->rtt_usec);
                }
                call_return(c, g_variant_new("(a(aytut))", &builder));
        }
        g_clear_error(&b->error);
        g_free(b->addrs);
        g_free(b->flags);
        g_free(b);
}

static void on_batch_item(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        BatchItem *item = user_data;
        Batch *b = item->batch;
        BatchAnswer *a = &b->answers[item->index];
        MonitorEvent *e = call_note_begin(b->call, "ResolveAddresses", &b->addrs[item->index]);

        g_free(item);
        if (error) {
                call_note_end(b->call, e, 0, 0, 0, error);
                if (!b->error)
                        b->error = g_error_copy(error);
        } else {
                const struct in6_addr *address;

                answer_policy_pick(b->call->bus->clients, b->call->uid, answer, &address, &a->rtt_usec);
                memcpy(a->address, address, 16);
                a->len = 16;
                a->flags = answer->flags;
                a->ttl_sec = answer->ttl_sec;
                monitor_event_add_address(e, AF_INET6, address);
                call_note_end(b->call, e, a->flags, a->ttl_sec, a->rtt_usec, NULL);
        }
        batch_finish(b);
}

/* Ask about the next slice of @b's addresses; the last slice drops the
 * guard on b->pending (which may answer the call and free @b). */
static gboolean batch_ask_slice(gpointer data) {
        Batch *b = data;
        Call *c = b->call;
        gsize end = MIN(b->n, b->next + BATCH_SLICE);

        for (; b->next < end; b->next++) {
                gsize i = b->next;
                BatchItem *item;

                if (b->answers[i].len == 4) { /* IPv4: answered already */
                        b->pending--;
                        continue;
                }
                item = g_new(BatchItem, 1);
                item->batch = b;
                item->index = (unsigned) i;
                resolver_resolve_address(c->bus->resolver, c->ifindex, &b->addrs[i], b->flags[i], c->uid,
                                         on_batch_item, item);
        }
        if (b->next < b->n)
                return G_SOURCE_CONTINUE;
        if (b->slice_id) {
                g_hash_table_remove(c->bus->batches, b);
                b->slice_id = 0;
        }
        batch_finish(b);
        return G_SOURCE_REMOVE;
}

void method_resolve_addresses(Call *c) {
        g_autoptr(GError) error = NULL;
        gsize n = g_variant_n_children(c->addresses);
        g_autofree struct in6_addr *addrs = NULL;
        g_autofree guint8 *lens = NULL;
        g_autofree guint64 *flags = NULL;
        g_autofree ProbeTarget *targets = NULL;
        gsize n_targets = 0;
        Batch *b;

        if (!call_validate_flags(c->flags, &error) || !call_validate_ifindex(c->ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (n > AARP_BATCH_MAX) {
                call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                      "%zu addresses in one call; at most %u", n, AARP_BATCH_MAX);
                return;
        }
        /* Every address is read and checked before anything is charged or
         * sent: a bad one refuses the call, not half of it. */
        addrs = g_new0(struct in6_addr, MAX(n, 1));
        lens = g_new0(guint8, MAX(n, 1));
        for (gsize i = 0; i < n; i++) {
                gsize len = 0;
                g_autoptr(GVariant) ay = g_variant_get_child_value(c->addresses, i);
                const guint8 *bytes = g_variant_get_fixed_array(ay, &len, 1);

                if (len != 4 && len != 16) {
                        call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                              "address %zu must be 4 or 16 bytes, got %zu", i, len);
                        return;
                }
                memcpy(&addrs[i], bytes, len);
                lens[i] = (guint8) len;
                if (len == 16 && IN6_IS_ADDR_LINKLOCAL(&addrs[i]) && c->ifindex <= 0) {
                        call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_INTERFACE,
                                              "address %zu is link-local and needs an interface index", i);
                        return;
                }
        }
        /* One in-flight slot per address, as if each were its own call. */
        for (gsize i = 1; i < n; i++) {
                if (!clients_begin_request(c->bus->clients, c->uid)) {
                        call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                              "too many requests in flight for uid %u (RequestsPerClient=%u)",
                                              (unsigned) c->uid, c->bus->config->requests_per_client);
                        return;
                }
                c->extra_counted++;
        }
        flags = g_new0(guint64, MAX(n, 1));
        targets = g_new(ProbeTarget, MAX(n, 1));
        for (gsize i = 0; i < n; i++) {
                if (lens[i] != 16)
                        continue; /* IPv4: never probed */
                flags[i] = answer_policy_flags(c->bus->clients, c->bus->resolver, c->uid, c->ifindex, &addrs[i],
                                               c->flags);
                targets[n_targets++] = (ProbeTarget) { c->ifindex, addrs[i], flags[i] };
        }
        /* All or nothing: a call that cannot be answered whole sends no
         * probe at all. */
        if (!method_charge_probes(c, targets, n_targets)) {
                call_return_new_error(c, AARP_ERROR, AARP_E_LIMIT_EXCEEDED,
                                      "uid %u: the fresh probes of %zu addresses exceed its ProbeRateLimit=%u "
                                      "budget now; try again later or send fewer addresses per call",
                                      (unsigned) c->uid, n, c->bus->config->probe_rate_limit);
                return;
        }
        b = g_malloc0(sizeof(Batch) + MAX(n, 1) * sizeof(BatchAnswer));
        b->call = c;
        b->n = n;
        b->pending = (unsigned) n + 1; /* + 1 until every address is asked */
        for (gsize i = 0; i < n; i++)
                if (lens[i] == 4) {
                        /* IPv4 has no anycast problem of this kind: unchanged. */
                        memcpy(b->answers[i].address, &addrs[i], 4);
                        b->answers[i].len = 4;
                        b->answers[i].flags = AARP_FLAG_NOT_PROBED;
                        b->answers[i].ttl_sec = AARP_NOT_PROBED_TTL_SEC;
                }
        b->addrs = g_steal_pointer(&addrs);
        b->flags = g_steal_pointer(&flags);
        if (batch_ask_slice(b) == G_SOURCE_CONTINUE) {
                /* Same priority as the sockets: slices and other callers
                 * take turns. */
                b->slice_id = g_idle_add_full(G_PRIORITY_DEFAULT, batch_ask_slice, b, NULL);
                g_hash_table_add(c->bus->batches, b);
        }
}

/* At exit: batches still being asked about fail (whatever was asked is
 * failed by resolver_cancel(), which runs first). */
void methods_cancel_batches(Bus *b) {
        GHashTableIter it;
        gpointer key;
        g_autoptr(GPtrArray) all = g_ptr_array_new();

        g_hash_table_iter_init(&it, b->batches);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(all, key);
        g_hash_table_remove_all(b->batches);
        for (guint i = 0; i < all->len; i++) {
                Batch *batch = all->pdata[i];

                g_source_remove(batch->slice_id);
                batch->slice_id = 0;
                batch->pending -= (unsigned) (batch->n - batch->next); /* never asked */
                if (!batch->error)
                        batch->error = g_error_new_literal(AARP_ERROR, AARP_E_TEMPORARY_FAILURE, "shutting down");
                batch_finish(batch);
        }
}
