/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-reader.h: answers cached host names from the snapshot that
 * aarp-resolved publishes ($AARP_RUNTIME_DIR/names.snapshot; format and
 * contract in include/aarp-snapshot.h), without a round trip to the daemon.
 *
 * The file is mapped once per process and used until the daemon marks it
 * superseded; everything in it is validated before use, and a file that
 * fails a check is never trusted (the lookup goes to the daemon instead).
 * libc only; thread-safe (one mutex); fork-safe (a child reopens).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "aarp-def.h"
#include "bus-client.h"

/* An answer, in memory the caller provides, so that a hit allocates
 * nothing (the NSS module packs it into glibc's buffer from its stack;
 * heap copies cost four allocator calls per lookup). */
typedef struct SnapshotAnswer {
        size_t n;                               /* 1 .. AARP_ADDRESSES_MAX */
        uint32_t ttl_sec;                       /* whole seconds left (rounded down) */
        BusAddress addresses[AARP_ADDRESSES_MAX];
        char canonical[AARP_NAME_MAX + 2];      /* may be "" */
} SnapshotAnswer;

/* The whole seconds an answer expiring at @expiry_usec has left at
 * @now_usec, rounded down: the reader's clock may lag the daemon's by a
 * tick (snapshot-reader.c's now_usec()), and rounding up would then
 * promise nscd a second the daemon never gave. */
static inline uint32_t snapshot_ttl_left(uint64_t expiry_usec, uint64_t now_usec) {
        return (uint32_t) ((expiry_usec - now_usec) / 1000000u);
}

/* Look @name (as given to getaddrinfo) up for @family (AF_UNSPEC, AF_INET,
 * AF_INET6).  On a hit returns 0 and fills *ret.  -ENOENT on a miss or when
 * no usable snapshot exists.  errno is clobbered. */
int snapshot_reader_lookup(const char *name, int family, SnapshotAnswer *ret);

/* Validate a snapshot image of @size bytes at @data (as mapped) and, if
 * @name is not NULL, look it up like snapshot_reader_lookup() at time
 * @now_usec.  Returns 0 on a hit, -ENOENT on a miss, -EBADMSG if the image
 * is not a valid snapshot.  The pure core of the reader, exposed for the
 * unit tests and the fuzzer. */
int snapshot_reader_lookup_in(const void *data, size_t size, const char *name, int family, uint64_t now_usec,
                              SnapshotAnswer *ret);

/* Drop the mapping (tests). */
void snapshot_reader_reset(void);
