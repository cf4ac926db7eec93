/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * methods-names.c: the methods that resolve names: ResolveHostname,
 * ResolveHostnameEx and ResolveAddressName (reverse lookups).
 */
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "bus-private.h"
#include "errors.h"
#include "names-syntax.h"
#include "wire.h"

/* ---- ResolveHostname ------------------------------------------------- */

static void on_name_resolved(GArray *addresses, const char *canonical, uint64_t flags, uint32_t ttl_sec,
                             const GError *error, gpointer user_data) {
        Call *c = user_data;
        GVariantBuilder builder;
        MonitorEvent *e = call_note_begin(c, c->with_ttl ? "ResolveHostnameEx" : "ResolveHostname", NULL);

        if (error) {
                call_note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        gboolean filter = clients_has_avoid_list(c->bus->clients, c->uid);
        uint64_t now = (uint64_t) g_get_monotonic_time();
        g_autofree WireHostAddress *kept = g_new(WireHostAddress, MAX(addresses->len, 1));
        guint n = 0;

        for (int pass = 0; pass < 2 && n == 0; pass++)
                for (guint i = 0; i < addresses->len; i++) {
                        const NameAddress *a = &g_array_index(addresses, NameAddress, i);

                        /* First pass leaves out members this user reported
                         * as failed; if that leaves nothing, keep all. */
                        if (pass == 0 && filter && a->family == AF_INET6 &&
                            clients_avoids(c->bus->clients, c->uid, a->address, now))
                                continue;
                        kept[n++] = (WireHostAddress) { a->ifindex, a->family, a->address };
                }
        for (guint i = 0; i < n; i++)
                monitor_event_add_address(e, kept[i].family, kept[i].address);
        call_note_end(c, e, flags, ttl_sec, 0, NULL);

        /* A call read by wire.c is answered by wire.c (the canonical name
         * comes from DNS: only valid UTF-8 goes out that way, as GVariant
         * would insist too). */
        if (call_read_by_wire(c) && g_utf8_validate(canonical, -1, NULL)) {
                if (call_wants_reply(c)) {
                        g_autofree guint8 *blob = g_malloc(wire_hostname_reply_size(n, strlen(canonical)));
                        gsize size = c->with_ttl ? wire_write_hostname_ex_reply(blob, c->wire_serial, kept, n,
                                                                                canonical, flags, ttl_sec)
                                                 : wire_write_hostname_reply(blob, c->wire_serial, kept, n,
                                                                             canonical, flags);

                        p2p_peer_send_blob(c->peer, blob, size);
                }
                call_free(c);
                return;
        }
        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(iiay)"));
        for (guint i = 0; i < n; i++)
                g_variant_builder_add(&builder, "(ii@ay)", kept[i].ifindex, kept[i].family,
                                      call_bytes_variant(kept[i].address, kept[i].family == AF_INET ? 4 : 16));
        if (c->with_ttl)
                call_return(c, g_variant_new("(a(iiay)stu)", &builder, canonical, flags, ttl_sec));
        else
                call_return(c, g_variant_new("(a(iiay)st)", &builder, canonical, flags));
}

/* NamesProbeGate: the answer's IPv6 addresses are charged by the same
 * rule as ResolveAddress's (IPv4 is never probed). */
static gboolean hostname_probe_gate(gpointer data, const GArray *addresses, int ifindex, uint64_t flags) {
        Call *c = data;
        g_autofree ProbeTarget *targets = g_new(ProbeTarget, MAX(addresses->len, 1));
        gsize n = 0;

        for (guint i = 0; i < addresses->len; i++) {
                const NameAddress *a = &g_array_index(addresses, NameAddress, i);

                if (a->family != AF_INET6)
                        continue;
                /* A link-local answer carries its own interface. */
                targets[n].ifindex = a->ifindex ? a->ifindex : ifindex;
                memcpy(&targets[n].address, a->address, 16);
                targets[n].flags = flags & AARP_FLAG_NO_CACHE;
                n++;
        }
        return method_charge_probes(c, targets, n);
}

void method_resolve_hostname(Call *c) {
        g_autoptr(GError) error = NULL;
        gint32 ifindex = c->ifindex, family = c->family;
        guint64 flags = c->flags;
        const char *name = c->name;

        if (!call_validate_flags(flags, &error) || !call_validate_ifindex(ifindex, &error) ||
            !names_validate(name, &error)) {
                call_return_error(c, error);
                return;
        }
        if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_FAMILY, "unknown address family %d", family);
                return;
        }
        names_resolve_gated(c->bus->names, ifindex, name, family, flags, c->uid,
                            c->uid == 0 ? NULL : hostname_probe_gate, c, on_name_resolved, c);
}

/* ---- ResolveAddressName ---------------------------------------------- */

static void on_address_named(const char *const *host_names, uint32_t ttl_sec, uint64_t flags, const GError *error,
                             gpointer user_data) {
        Call *c = user_data;
        MonitorEvent *e = call_note_begin(c, "ResolveAddressName", NULL);

        if (error) {
                call_note_end(c, e, 0, 0, 0, error);
                call_return_error(c, error);
                return;
        }
        for (guint i = 0; host_names[i]; i++)
                monitor_event_add_name(e, host_names[i]);
        call_note_end(c, e, flags, ttl_sec, 0, NULL);
        /* The names from DNS are valid host names (dns-reply.c), so valid
         * UTF-8 as 's' needs; the hosts file's too (hosts.c). */
        call_return(c, g_variant_new("(^asut)", host_names, ttl_sec, flags));
}

void method_resolve_address_name(Call *c) {
        g_autoptr(GError) error = NULL;

        if (!call_validate_flags(c->flags, &error) || !call_validate_ifindex(c->ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (c->family != AF_INET && c->family != AF_INET6) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_FAMILY, "unknown address family %d", c->family);
                return;
        }
        if (c->address_len != (c->family == AF_INET ? 4u : 16u)) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                      "an address of family %d has %u bytes, got %zu", c->family,
                                      c->family == AF_INET ? 4u : 16u, c->address_len);
                return;
        }
        names_resolve_address(c->bus->names, c->family, c->address, on_address_named, c);
}
