/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * introspect.c: GetStatus and ShowCache (see introspect.h).
 *
 * Everything is read with the engines' side-effect-free accessors, so
 * looking at the daemon never changes what it answers: a ShowCache does
 * not count hits, refresh entries or move them in the eviction order.
 * The nameservers' mappings are read from the address cache, which is
 * where upstream.c and the stub get them from too.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "errors.h"
#include "introspect.h"
#include "namecache.h"

guint32 introspect_seconds_left(guint64 expiry_usec, guint64 now_usec) {
        guint64 left;

        if (now_usec >= expiry_usec)
                return 0;
        left = (expiry_usec - now_usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
        return (guint32) MIN(left, (guint64) G_MAXUINT32);
}

static GVariant *bytes_variant(const void *data, gsize len) {
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* ---- GetStatus ------------------------------------------------------- */

static void add_setting(const char *key, const char *value, gpointer user_data) {
        g_variant_builder_add(user_data, "(ss)", key, value);
}

/* One nameserver and what AARP maps it to now: the cached answer for it,
 * if there is a fresh one (IPv4 and unprobed addresses never have one). */
static void add_nameserver(GVariantBuilder *b, Resolver *resolver, const char *used_by, const NameServer *ns) {
        const CacheEntry *e = NULL;
        guint64 now = (guint64) g_get_monotonic_time();
        struct in6_addr a;

        if (ns->family == AF_INET6) {
                memcpy(&a, ns->address, 16);
                e = resolver_peek(resolver, ns->ifindex, &a);
                if (e && e->expiry_usec <= now)
                        e = NULL;
        }
        g_variant_builder_add(b, "(s@ayi@aytu)", used_by, bytes_variant(ns->address, ns->family == AF_INET ? 4 : 16),
                              ns->ifindex, bytes_variant(e ? &e->members[0].address : NULL, e ? 16 : 0),
                              e ? e->flags : (guint64) 0, e ? introspect_seconds_left(e->expiry_usec, now) : 0u);
}

GVariant *introspect_status(const Config *config, Resolver *resolver, Names *names, const char *runtime_dir,
                            IntrospectStubState state, const struct in_addr *stub_address) {
        GVariantBuilder settings, servers;
        gboolean stub_uses_resolv_conf = state == INTROSPECT_STUB_LISTENING && config->dns_servers->len == 0;
        g_autofree char *where = NULL;
        const char *state_name = "off";

        g_variant_builder_init(&settings, G_VARIANT_TYPE("a(ss)"));
        config_foreach_key(config, add_setting, &settings);

        g_variant_builder_init(&servers, G_VARIANT_TYPE("a(sayiaytu)"));
        if (names) {
                const GArray *list = names_nameservers(names);

                for (guint i = 0; list && i < list->len; i++)
                        add_nameserver(&servers, resolver, stub_uses_resolv_conf ? "names,stub" : "names",
                                       &g_array_index(list, NameServer, i));
        }
        for (guint i = 0; i < config->dns_servers->len; i++)
                add_nameserver(&servers, resolver, "stub", &g_array_index(config->dns_servers, NameServer, i));

        if (state == INTROSPECT_STUB_LISTENING) {
                char text[INET_ADDRSTRLEN];

                state_name = "listening";
                where = g_strdup_printf("%s:53", inet_ntop(AF_INET, stub_address, text, sizeof text));
        } else if (state == INTROSPECT_STUB_FAILED)
                state_name = "failed";
        return g_variant_new("(a(ss)ssa(sayiaytu)ss)", &settings, resolver_probe_socket_kind(resolver), runtime_dir,
                             &servers, state_name, where ? where : "");
}

/* ---- ShowCache ------------------------------------------------------- */

typedef struct {
        GVariantBuilder addresses, names;
        gsize bytes;  /* an upper estimate of the reply's size so far */
        guint32 omitted;
        guint64 now;
} Dump;

/* Take @size more bytes of the reply, or count the entry as omitted. */
static gboolean dump_take(Dump *d, gsize size) {
        if (d->bytes + size > AARP_SHOW_CACHE_BYTES_MAX) {
                d->omitted++;
                return FALSE;
        }
        d->bytes += size;
        return TRUE;
}

static gboolean add_address_entry(const CacheEntry *e, gpointer user_data) {
        Dump *d = user_data;
        GVariantBuilder members;

        /* Each member: 16 address bytes, its length, an aligned RTT. */
        if (!dump_take(d, 48 + (gsize) e->n_members * 32))
                return TRUE; /* keep counting */
        g_variant_builder_init(&members, G_VARIANT_TYPE("a(ayt)"));
        for (unsigned i = 0; i < e->n_members; i++)
                g_variant_builder_add(&members, "(@ayt)", bytes_variant(&e->members[i].address, 16),
                                      (guint64) e->members[i].rtt_usec);
        g_variant_builder_add(&d->addresses, "(i@aya(ayt)tu)", e->key.ifindex, bytes_variant(&e->key.address, 16),
                              &members, e->flags, introspect_seconds_left(e->expiry_usec, d->now));
        return TRUE;
}

static const char *error_code_name(int code) {
        switch (code) {
        case AARP_E_NO_SUCH_NAME:
                return AARP_ERROR_NO_SUCH_NAME;
        case AARP_E_NO_DATA:
                return AARP_ERROR_NO_DATA;
        case AARP_E_TEMPORARY_FAILURE:
                return AARP_ERROR_TEMPORARY_FAILURE;
        default:
                return AARP_ERROR_INTERNAL;
        }
}

static gboolean add_name_entry(const char *name, int family, int ifindex, const NameCacheHit *hit,
                               gpointer user_data) {
        Dump *d = user_data;
        GVariantBuilder addresses;
        guint n = hit->addresses ? hit->addresses->len : 0;
        const char *canonical = hit->canonical ? hit->canonical : "";

        /* Names from DNS are checked host names (dns-reply.c), but 's'
         * must be valid UTF-8 whatever happens: never let one bad entry
         * make the whole reply fail. */
        if (!g_utf8_validate(name, -1, NULL) || !g_utf8_validate(canonical, -1, NULL))
                return TRUE;
        if (!dump_take(d, 96 + strlen(name) + strlen(canonical) + (gsize) n * 32))
                return TRUE;
        g_variant_builder_init(&addresses, G_VARIANT_TYPE("a(iiay)"));
        for (guint i = 0; i < n; i++) {
                const NameAddress *a = &g_array_index(hit->addresses, NameAddress, i);

                g_variant_builder_add(&addresses, "(ii@ay)", a->ifindex, a->family,
                                      bytes_variant(a->address, a->family == AF_INET ? 4 : 16));
        }
        g_variant_builder_add(&d->names, "(siisa(iiay)tus)", name, family, ifindex, canonical, &addresses, hit->flags,
                              hit->ttl_sec, hit->error_code < 0 ? "" : error_code_name(hit->error_code));
        return TRUE;
}

GVariant *introspect_cache(Resolver *resolver, Names *names) {
        Dump d = { .now = (guint64) g_get_monotonic_time() };

        g_variant_builder_init(&d.addresses, G_VARIANT_TYPE("a(iaya(ayt)tu)"));
        g_variant_builder_init(&d.names, G_VARIANT_TYPE("a(siisa(iiay)tus)"));
        resolver_foreach_cached(resolver, add_address_entry, &d);
        if (names)
                names_foreach_cached(names, add_name_entry, &d);
        return g_variant_new("(a(iaya(ayt)tu)a(siisa(iiay)tus)u)", &d.addresses, &d.names, d.omitted);
}
