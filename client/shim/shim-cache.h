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
 *     with the socket's identity so that a reused file descriptor never
 *     inherits another socket's pairs;
 *   - ShimFds: per file descriptor number, lock-free, whether the socket
 *     there may be rewritten and a generation that every close/dup/new
 *     socket on that number advances: what lets the hot path of sendto()
 *     and recvfrom() on a known socket make no system call of its own.
 *
 * The caller (shim.c) serialises every ShimCache and ShimSockets call with
 * its own mutex; ShimFds needs no lock (atomics only, so close() and
 * friends may use it from a signal handler or a forked child).
 */
#pragma once

#include <netinet/in.h>
#include <stdatomic.h>
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
 * @unicast.  The identity is opaque here: shim.c passes (st_dev, st_ino)
 * from fstat() for descriptors beyond the ShimFds table and (0, the
 * ShimFds generation) for the others.  A different identity replaces what the fd had; a full entry
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

/* Descriptors below this are tracked in ShimFds (256 KiB of virtual
 * memory, touched only where descriptors are used); higher ones take the
 * slow path, a getsockopt() and an fstat() per call, as before ShimFds. */
#define SHIM_FDS_SIZE (1u << 16)

typedef enum ShimFdKind {
        SHIM_FD_UNKNOWN = 0,    /* not looked at since the number was (re)used */
        SHIM_FD_ELIGIBLE = 1,   /* a stream/datagram socket, not ICMPv6: rewrite */
        SHIM_FD_INELIGIBLE = 2, /* raw, ping or anything else: leave alone */
} ShimFdKind;

/* One word per descriptor number: generation << 2 | kind.  Zero (generation
 * 0, unknown) is the initial state, so a zeroed ShimFds is empty. */
typedef struct ShimFds {
        atomic_uint state[SHIM_FDS_SIZE];
} ShimFds;

static inline ShimFdKind shim_fd_kind(unsigned state) {
        return (ShimFdKind)(state & 3u);
}

static inline unsigned shim_fd_generation(unsigned state) {
        return state >> 2;
}

/* The state word of @fd in *ret_state: true, or false if @fd is outside
 * the table (negative or >= SHIM_FDS_SIZE: the caller takes the slow
 * path).  One atomic load. */
bool shim_fds_get(ShimFds *t, int fd, unsigned *ret_state);

/* Record @kind for @fd if its state is still @seen, the word
 * shim_fds_get() returned before the caller examined the socket.  False
 * when it changed meanwhile (the number was closed, duplicated onto or
 * reused: what the caller found out is about another file) or @fd is
 * outside the table; nothing is recorded then. */
bool shim_fds_set_kind(ShimFds *t, int fd, unsigned seen, ShimFdKind kind);

/* The number @fd now names another open file, or none: start a new
 * generation with @kind (SHIM_FD_UNKNOWN unless the caller knows, as
 * socket() does).  Every earlier state word of @fd stops matching, so
 * neither a racing shim_fds_set_kind() nor pairs recorded under the old
 * generation can apply to the new file.  No-op outside the table. */
void shim_fds_reset(ShimFds *t, int fd, ShimFdKind kind);

/* shim_fds_reset(@fd, SHIM_FD_UNKNOWN) for every fd in [@first, @last]
 * (close_range(), closefrom()) that the shim has ever seen. */
void shim_fds_reset_range(ShimFds *t, unsigned first, unsigned last);
