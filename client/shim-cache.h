/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shim-cache.h: the in-process state of the aarp-run shim (libaarp-run.so),
 * kept free of locks, clocks and sockets so the unit tests can drive it:
 *
 *   - ShimCache: anycast address -> what to do with it (rewrite to a member
 *     or pass through), each entry valid until the daemon's TTL runs out, so
 *     that a busy UDP client does not ask the daemon per datagram;
 *   - ShimSockets: per file descriptor, the (anycast, member) pairs this
 *     socket was sent to, for the reverse rewrite on receive/getpeername,
 *     with the socket's identity (st_dev, st_ino) so that a reused file
 *     descriptor never inherits another socket's pairs.
 *
 * The caller (shim.c) serialises every call with its own mutex.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHIM_CACHE_SETS 64u
#define SHIM_CACHE_WAYS 4u
#define SHIM_SOCKET_PAIRS 4u
#define SHIM_SOCKETS_FD_MAX (1 << 20)

/* How long "the daemon is not reachable" is remembered: long enough that a
 * datagram loop does not retry the connection each time, short enough that
 * starting the daemon takes effect soon. */
#define SHIM_UNREACHABLE_TTL_SEC 5u

typedef struct ShimMapping {
        struct in6_addr anycast;
        uint32_t scope;          /* sin6_scope_id the lookup was made for */
        struct in6_addr unicast; /* the member (valid if rewrite) */
        bool rewrite;            /* false: send to anycast unchanged */
        uint64_t expires_usec;   /* monotonic; the entry is dead from then on */
} ShimMapping;

typedef struct ShimCache {
        ShimMapping entries[SHIM_CACHE_SETS][SHIM_CACHE_WAYS];
        bool used[SHIM_CACHE_SETS][SHIM_CACHE_WAYS];
} ShimCache;

/* Forget everything (also the initial state: a zeroed ShimCache is empty). */
void shim_cache_clear(ShimCache *c);

/* The live entry for (@anycast, @scope) at time @now_usec: true and *ret
 * filled, else false.  An expired entry is never returned. */
bool shim_cache_lookup(ShimCache *c, const struct in6_addr *anycast, uint32_t scope, uint64_t now_usec,
                       ShimMapping *ret);

/* Insert or replace @m.  When the set is full, the entry that expires first
 * (dead ones before all) is evicted.  An entry with expires_usec <= @now_usec
 * is not stored. */
void shim_cache_insert(ShimCache *c, const ShimMapping *m, uint64_t now_usec);

/* Whether the shim should ask about @a at all: false for addresses the
 * daemon never probes (unspecified, loopback, multicast, v4-mapped and
 * v4-compatible) and for link-local ones without a scope (@scope == 0). */
bool shim_address_is_candidate(const struct in6_addr *a, uint32_t scope);

typedef struct ShimSocketPair {
        struct in6_addr anycast, unicast;
} ShimSocketPair;

typedef struct ShimSocket {
        dev_t dev;
        ino_t ino;
        unsigned n_pairs;
        ShimSocketPair pairs[SHIM_SOCKET_PAIRS];
} ShimSocket;

typedef struct ShimSockets {
        ShimSocket *by_fd; /* indexed by fd; n_pairs == 0 means no entry */
        size_t size;
} ShimSockets;

/* Remember that socket @fd (identity @dev/@ino) sent to @anycast via
 * @unicast.  A different identity replaces what the fd had; a full entry
 * drops its oldest pair.  Returns 0 or -ENOMEM / -EBADF (fd out of range). */
int shim_sockets_add(ShimSockets *t, int fd, dev_t dev, ino_t ino, const struct in6_addr *anycast,
                     const struct in6_addr *unicast);

/* If socket @fd has a pair whose member is @unicast, return true with the
 * anycast address in *ret_anycast and the identity recorded for it in
 * *ret_dev and *ret_ino (the caller compares it with fstat() and calls
 * shim_sockets_forget() on a mismatch). */
bool shim_sockets_lookup(const ShimSockets *t, int fd, const struct in6_addr *unicast,
                         struct in6_addr *ret_anycast, dev_t *ret_dev, ino_t *ret_ino);

/* Drop what is known about @fd.  Safe for unknown fds. */
void shim_sockets_forget(ShimSockets *t, int fd);

/* Free the table (the struct itself is the caller's). */
void shim_sockets_free(ShimSockets *t);
