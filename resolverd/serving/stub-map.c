/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-map.c: rewrite anycast AAAA records of a stub answer (see
 * stub-map.h).  One job per answer, one Resolver call per address, all in
 * parallel; the job ends when the last of them answers.
 */
#include <string.h>

#include "aarp-def.h"
#include "stub-map.h"
#include "stub-packet.h"

struct StubMap {
        StubMapCallback callback; /* NULL once cancelled */
        gpointer user_data;
        uint8_t *reply;
        size_t len;
        guint pending;
        gboolean mapped_any;
};

typedef struct {
        StubMap *map;
        uint8_t *address; /* inside map->reply */
} Item;

static void finish(StubMap *m) {
        if (m->callback) {
                if (m->mapped_any)
                        m->reply[3] &= (uint8_t) ~0x20u; /* AD */
                m->callback(m->reply, m->len, m->user_data);
        }
        g_free(m->reply);
        g_free(m);
}

static void on_answer(const AddressAnswer *answer, const GError *error, gpointer user_data) {
        Item *it = user_data;
        StubMap *m = it->map;

        if (answer && (answer->flags & AARP_FLAG_ANYCAST)) {
                memcpy(it->address, &answer->unicast, 16);
                m->mapped_any = TRUE;
        }
        g_free(it);
        if (--m->pending == 0)
                finish(m);
}

static void collect(uint8_t *address, gpointer user_data) {
        g_ptr_array_add(user_data, address);
}

void stub_map_start(Resolver *resolver, StubPeers *budget, uint64_t who, const uint8_t *reply,
                    size_t len, StubMapCallback callback, gpointer user_data, StubMap **ret_map) {
        g_autoptr(GPtrArray) addresses = g_ptr_array_new();
        StubMap *m = g_new0(StubMap, 1);

        m->callback = callback;
        m->user_data = user_data;
        m->reply = g_memdup2(reply, len);
        m->len = len;
        *ret_map = m;
        stub_packet_foreach_aaaa(m->reply, len, collect, addresses);
        m->pending = 1; /* until every address is started */
        for (guint i = 0; i < addresses->len && i < AARP_ADDRESSES_MAX; i++) {
                struct in6_addr a;

                memcpy(&a, addresses->pdata[i], 16);
                /* Answers come from any zone on the Internet: fresh probes
                 * are charged to the asking user, as ResolveAddress's are. */
                if (resolver_would_probe(resolver, 0, &a, 0) &&
                    !stub_peers_charge(budget, who, g_get_monotonic_time()))
                        continue;
                Item *it = g_new0(Item, 1);
                it->map = m;
                it->address = addresses->pdata[i];
                m->pending++;
                /* Its refresh and member discovery too; a sender whose user
                 * is unknown pays as nobody, never as root. */
                resolver_resolve_address(resolver, 0, &a, 0, who <= G_MAXUINT32 ? (uid_t) who : (uid_t) 65534,
                                         on_answer, it);
        }
        if (--m->pending == 0)
                finish(m);
}

void stub_map_cancel(StubMap *m) {
        m->callback = NULL;
}
