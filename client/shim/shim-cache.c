/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shim-cache.c: the aarp-run shim's mapping cache and per-socket reverse
 * map and its per-descriptor state (see shim-cache.h).  Fixed-size,
 * set-associative cache: a process talks to few anycast addresses, and a
 * bounded table can never grow with what a program sends to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shim-cache.h"

static unsigned set_of(const struct in6_addr *a, uint32_t scope) {
        /* FNV-1a over the address and scope: cheap and spreads addresses
         * that differ only in the last bytes (a /112 of anycast services). */
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < 16; i++)
                h = (h ^ a->s6_addr[i]) * 16777619u;
        h = (h ^ scope) * 16777619u;
        return h % SHIM_CACHE_SETS;
}

void shim_cache_clear(ShimCache *c) {
        memset(c, 0, sizeof *c);
}

bool shim_cache_lookup(ShimCache *c, const struct in6_addr *anycast, uint32_t scope, uint64_t now_usec,
                       ShimMapping *ret) {
        unsigned s = set_of(anycast, scope);

        for (unsigned w = 0; w < SHIM_CACHE_WAYS; w++) {
                const ShimMapping *m = &c->entries[s][w];

                if (!c->used[s][w] || m->scope != scope || !IN6_ARE_ADDR_EQUAL(&m->anycast, anycast))
                        continue;
                if (m->expires_usec <= now_usec) {
                        c->used[s][w] = false;
                        return false;
                }
                *ret = *m;
                return true;
        }
        return false;
}

void shim_cache_insert(ShimCache *c, const ShimMapping *m, uint64_t now_usec) {
        unsigned s = set_of(&m->anycast, m->scope), victim = 0;

        if (m->expires_usec <= now_usec)
                return;
        for (unsigned w = 0; w < SHIM_CACHE_WAYS; w++) {
                const ShimMapping *e = &c->entries[s][w];

                if (c->used[s][w] && e->scope == m->scope && IN6_ARE_ADDR_EQUAL(&e->anycast, &m->anycast)) {
                        victim = w;
                        goto store;
                }
        }
        for (unsigned w = 0; w < SHIM_CACHE_WAYS; w++) {
                if (!c->used[s][w] || c->entries[s][w].expires_usec <= now_usec) {
                        victim = w;
                        goto store;
                }
                if (c->entries[s][w].expires_usec < c->entries[s][victim].expires_usec)
                        victim = w;
        }
store:
        c->entries[s][victim] = *m;
        c->used[s][victim] = true;
}

bool shim_address_is_candidate(const struct in6_addr *a, uint32_t scope) {
        if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a) ||
            IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
                return false;
        /* The daemon needs an interface for link-local addresses; without
         * one it would refuse, so do not ask. */
        if (IN6_IS_ADDR_LINKLOCAL(a) && scope == 0)
                return false;
        return true;
}

int shim_sockets_add(ShimSockets *t, int fd, dev_t dev, ino_t ino, const struct in6_addr *anycast,
                     const struct in6_addr *unicast) {
        ShimSocket *s;

        if (fd < 0 || fd >= SHIM_SOCKETS_FD_MAX)
                return -EBADF;
        if ((size_t)fd >= t->size) {
                size_t size = t->size ? t->size : 64;
                ShimSocket *p;

                while (size <= (size_t)fd)
                        size *= 2;
                p = realloc(t->by_fd, size * sizeof *p);
                if (!p)
                        return -ENOMEM;
                memset(p + t->size, 0, (size - t->size) * sizeof *p);
                t->by_fd = p;
                t->size = size;
        }
        s = &t->by_fd[fd];
        if (s->n_pairs > 0 && (s->dev != dev || s->ino != ino))
                s->n_pairs = 0;
        s->dev = dev;
        s->ino = ino;
        /* One pair per anycast address (its nearest member may have moved)
         * and one per member: when a member serves two anycast addresses a
         * socket sent to, its replies are attributed to the latest one —
         * never, as before, to whichever pair happened to come first (found
         * by fuzz-shim-cache). */
        for (unsigned i = 0; i < s->n_pairs;)
                if (IN6_ARE_ADDR_EQUAL(&s->pairs[i].anycast, anycast) ||
                    IN6_ARE_ADDR_EQUAL(&s->pairs[i].unicast, unicast)) {
                        memmove(s->pairs + i, s->pairs + i + 1, (s->n_pairs - i - 1) * sizeof s->pairs[0]);
                        s->n_pairs--;
                } else
                        i++;
        if (s->n_pairs == SHIM_SOCKET_PAIRS) {
                memmove(s->pairs, s->pairs + 1, (SHIM_SOCKET_PAIRS - 1) * sizeof s->pairs[0]);
                s->n_pairs--;
        }
        s->pairs[s->n_pairs++] = (ShimSocketPair){.anycast = *anycast, .unicast = *unicast};
        return 0;
}

bool shim_sockets_lookup(const ShimSockets *t, int fd, const struct in6_addr *unicast,
                         struct in6_addr *ret_anycast, dev_t *ret_dev, ino_t *ret_ino) {
        const ShimSocket *s;

        if (fd < 0 || (size_t)fd >= t->size)
                return false;
        s = &t->by_fd[fd];
        /* Newest pair first: after a member change both may name the same
         * member, and the latest send is what the application expects. */
        for (unsigned i = s->n_pairs; i-- > 0;)
                if (IN6_ARE_ADDR_EQUAL(&s->pairs[i].unicast, unicast)) {
                        *ret_anycast = s->pairs[i].anycast;
                        *ret_dev = s->dev;
                        *ret_ino = s->ino;
                        return true;
                }
        return false;
}

void shim_sockets_forget(ShimSockets *t, int fd) {
        if (fd >= 0 && (size_t)fd < t->size)
                t->by_fd[fd].n_pairs = 0;
}

void shim_sockets_free(ShimSockets *t) {
        free(t->by_fd);
        t->by_fd = NULL;
        t->size = 0;
}

bool shim_fds_get(ShimFds *t, int fd, unsigned *ret_state) {
        if (fd < 0 || (unsigned)fd >= SHIM_FDS_SIZE)
                return false;
        *ret_state = atomic_load_explicit(&t->state[fd], memory_order_acquire);
        return true;
}

bool shim_fds_set_kind(ShimFds *t, int fd, unsigned seen, ShimFdKind kind) {
        if (fd < 0 || (unsigned)fd >= SHIM_FDS_SIZE)
                return false;
        /* A compare-and-swap, not a store: a reset since @seen was read
         * means the socket examined may not be the one there now. */
        return atomic_compare_exchange_strong_explicit(&t->state[fd], &seen, (seen & ~3u) | (unsigned)kind,
                                                       memory_order_acq_rel, memory_order_relaxed);
}

void shim_fds_reset(ShimFds *t, int fd, ShimFdKind kind) {
        unsigned w;

        if (fd < 0 || (unsigned)fd >= SHIM_FDS_SIZE)
                return;
        /* Strictly the next generation, even against a concurrent reset, so
         * that no earlier word ever matches again (until the generation
         * wraps after 2^30 resets of this one number). */
        w = atomic_load_explicit(&t->state[fd], memory_order_relaxed);
        while (!atomic_compare_exchange_weak_explicit(&t->state[fd], &w, ((w | 3u) + 1u) | (unsigned)kind,
                                                      memory_order_acq_rel, memory_order_relaxed))
                ;
}

void shim_fds_reset_range(ShimFds *t, unsigned first, unsigned last) {
        if (last >= SHIM_FDS_SIZE)
                last = SHIM_FDS_SIZE - 1;
        /* Entries still zero were never used by the shim: skipping them
         * keeps close_range(3, ~0U) from touching the whole table (a
         * sendto() racing with the close of its own descriptor is the
         * application's bug, not a case to pay for here). */
        for (unsigned fd = first; fd <= last; fd++)
                if (atomic_load_explicit(&t->state[fd], memory_order_relaxed) != 0)
                        shim_fds_reset(t, (int)fd, SHIM_FD_UNKNOWN);
}
