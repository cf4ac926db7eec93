/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * methods-cache.c: the methods that change what is cached: FlushCaches,
 * ResetStatistics (root only) and InvalidateAddress (anyone; a non-root
 * report changes only that user's answers).
 */
#include <string.h>

#include "aarp-def.h"
#include "bus-private.h"
#include "errors.h"

void method_flush_caches(Call *c) {
        if (!call_require_root(c))
                return;
        resolver_flush(c->bus->resolver);
        if (c->bus->names)
                names_flush(c->bus->names);
        g_message("caches flushed on request");
        call_return(c, g_variant_new("()"));
}

void method_reset_statistics(Call *c) {
        if (!call_require_root(c))
                return;
        resolver_reset_stats(c->bus->resolver);
        call_return(c, g_variant_new("()"));
}

/* InvalidateAddress: root's report drops the cached answer for everyone
 * and re-probes; anyone else's only changes the answers that user gets. */
void method_invalidate_address(Call *c) {
        g_autoptr(GError) error = NULL;
        gsize alen = c->address_len, mlen = c->member_len;
        const guint8 *a = c->address, *m = c->member;
        struct in6_addr address, member;
        gboolean done;

        if (!call_validate_ifindex(c->ifindex, &error)) {
                call_return_error(c, error);
                return;
        }
        if (alen != 16 || mlen != 16) {
                call_return_new_error(c, AARP_ERROR, AARP_E_INVALID_ADDRESS,
                                      "address and member must be 16 bytes, got %zu and %zu", alen, mlen);
                return;
        }
        memcpy(&address, a, 16);
        memcpy(&member, m, 16);
        if (c->uid == 0) {
                /* Root's report is trusted: everyone's answer is dropped
                 * and re-probed; root's own answers also skip the member
                 * (it may still answer echo with its service down). */
                done = resolver_invalidate_member(c->bus->resolver, c->ifindex, &address, &member);
                clients_avoid(c->bus->clients, c->uid, &member,
                              (uint64_t) g_get_monotonic_time() +
                                      (uint64_t) c->bus->config->anycast_ttl_sec * G_USEC_PER_SEC);
        } else {
                uint64_t now = (uint64_t) g_get_monotonic_time();
                const CacheEntry *e = resolver_peek(c->bus->resolver, c->ifindex, &address);

                /* The report itself only changes this user's answers; but
                 * if the cached answer lists the member, look again (a
                 * fresh probe reports the network as it is, so it cannot
                 * be used to poison anything), charged to the user. */
                done = FALSE;
                for (unsigned i = 0; e && i < e->n_members && !done; i++)
                        done = memcmp(&e->members[i].address, &member, 16) == 0;
                clients_avoid(c->bus->clients, c->uid, &member,
                              now + (uint64_t) c->bus->config->anycast_ttl_sec * G_USEC_PER_SEC);
                if (done)
                        resolver_refresh(c->bus->resolver, c->ifindex, &address, c->uid);
        }
        call_return(c, g_variant_new("(b)", done));
}
