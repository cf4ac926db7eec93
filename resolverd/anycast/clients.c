/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clients.c: per-user token buckets and in-flight counts (see clients.h). */
#include "clients.h"

#include <string.h>

#define AVOID_MAX 256u

typedef struct {
        uint8_t member[16];
        uint64_t until_usec;
} Avoid;

typedef struct {
        double tokens;
        uint64_t last_usec;
        uint32_t in_flight;
        GArray *avoid; /* of Avoid, oldest first; NULL until the first report */
} Client;

static void client_free(gpointer p) {
        Client *cl = p;

        if (cl->avoid)
                g_array_unref(cl->avoid);
        g_free(cl);
}

struct Clients {
        GHashTable *by_uid; /* GUINT_TO_POINTER(uid) -> Client* */
        uint32_t rate, burst, max_in_flight;
        uint64_t rejected;
};

Clients *clients_new(uint32_t rate, uint32_t burst, uint32_t max_in_flight) {
        Clients *c = g_new0(Clients, 1);

        c->by_uid = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, client_free);
        clients_set_limits(c, rate, burst, max_in_flight);
        return c;
}

void clients_free(Clients *c) {
        if (!c)
                return;
        g_hash_table_destroy(c->by_uid);
        g_free(c);
}

void clients_set_limits(Clients *c, uint32_t rate, uint32_t burst, uint32_t max_in_flight) {
        c->rate = rate;
        c->burst = MAX(burst, 1u);
        c->max_in_flight = max_in_flight;
}

static Client *get(Clients *c, uid_t uid, uint64_t now_usec) {
        Client *cl = g_hash_table_lookup(c->by_uid, GUINT_TO_POINTER(uid));

        if (!cl) {
                cl = g_new0(Client, 1);
                cl->tokens = c->burst;
                cl->last_usec = now_usec;
                g_hash_table_insert(c->by_uid, GUINT_TO_POINTER(uid), cl);
        }
        return cl;
}

gboolean clients_take_probes(Clients *c, uid_t uid, unsigned n, uint64_t now_usec) {
        Client *cl;

        if (uid == 0 || c->rate == 0 || n == 0)
                return TRUE;
        cl = get(c, uid, now_usec);
        if (now_usec > cl->last_usec) {
                cl->tokens = MIN((double) c->burst,
                                 cl->tokens + (double) (now_usec - cl->last_usec) * c->rate / 1e6);
                cl->last_usec = now_usec;
        }
        if (cl->tokens < (double) n) {
                c->rejected++;
                return FALSE;
        }
        cl->tokens -= (double) n;
        return TRUE;
}

unsigned clients_take_probes_up_to(Clients *c, uid_t uid, unsigned n, uint64_t now_usec) {
        Client *cl;
        unsigned granted;

        if (uid == 0 || c->rate == 0 || n == 0)
                return n;
        cl = get(c, uid, now_usec);
        if (now_usec > cl->last_usec) {
                cl->tokens = MIN((double) c->burst,
                                 cl->tokens + (double) (now_usec - cl->last_usec) * c->rate / 1e6);
                cl->last_usec = now_usec;
        }
        /* Not counted in rejected: the request itself is still served. */
        granted = cl->tokens >= (double) n ? n : (unsigned) cl->tokens;
        cl->tokens -= (double) granted;
        return granted;
}

gboolean clients_take_probe(Clients *c, uid_t uid, uint64_t now_usec) {
        return clients_take_probes(c, uid, 1, now_usec);
}

gboolean clients_begin_request(Clients *c, uid_t uid) {
        Client *cl;

        if (uid == 0)
                return TRUE;
        cl = get(c, uid, 0);
        if (c->max_in_flight && cl->in_flight >= c->max_in_flight) {
                c->rejected++;
                return FALSE;
        }
        cl->in_flight++;
        return TRUE;
}

void clients_end_request(Clients *c, uid_t uid) {
        Client *cl;

        if (uid == 0)
                return;
        cl = g_hash_table_lookup(c->by_uid, GUINT_TO_POINTER(uid));
        if (cl && cl->in_flight > 0)
                cl->in_flight--;
}

uint64_t clients_rejected(const Clients *c) {
        return c->rejected;
}

void clients_avoid(Clients *c, uid_t uid, const void *member16, uint64_t until_usec) {
        Client *cl = get(c, uid, 0);
        Avoid a = { .until_usec = until_usec };

        if (!cl->avoid)
                cl->avoid = g_array_new(FALSE, FALSE, sizeof(Avoid));
        for (guint i = 0; i < cl->avoid->len; i++)
                if (memcmp(g_array_index(cl->avoid, Avoid, i).member, member16, 16) == 0) {
                        g_array_remove_index(cl->avoid, i);
                        break;
                }
        if (cl->avoid->len >= AVOID_MAX)
                g_array_remove_index(cl->avoid, 0);
        memcpy(a.member, member16, 16);
        g_array_append_val(cl->avoid, a);
}

gboolean clients_avoids(Clients *c, uid_t uid, const void *member16, uint64_t now_usec) {
        Client *cl = g_hash_table_lookup(c->by_uid, GUINT_TO_POINTER(uid));

        if (!cl || !cl->avoid)
                return FALSE;
        for (guint i = 0; i < cl->avoid->len; i++) {
                const Avoid *a = &g_array_index(cl->avoid, Avoid, i);
                if (memcmp(a->member, member16, 16) == 0)
                        return now_usec < a->until_usec;
        }
        return FALSE;
}

gboolean clients_has_avoid_list(Clients *c, uid_t uid) {
        Client *cl = g_hash_table_lookup(c->by_uid, GUINT_TO_POINTER(uid));

        return cl && cl->avoid && cl->avoid->len > 0;
}
