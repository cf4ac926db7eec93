/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-snapshot.h: the format of the answer snapshot that aarp-resolved
 * publishes in its runtime directory ($AARP_RUNTIME_DIR/names.snapshot) and
 * that libnss_aarp maps read-only, so that a cached getaddrinfo() costs no
 * round trip to the daemon (nscd's approach).
 *
 * Contract:
 *  - The daemon writes a complete file under another name and rename()s it
 *    into place; a published file is never modified again, except that its
 *    `superseded` word goes from 0 to 1 once a newer file replaced it (or the
 *    caches were flushed).  Readers check that word on every lookup (no
 *    system call) and reopen when it is set.
 *  - Readers trust nothing: magic, version, sizes against fstat(), every
 *    offset and length, chain lengths, NUL terminators, families and counts
 *    are checked before use, and a file that fails any check is ignored
 *    (the lookup goes to the daemon over D-Bus).  The file must be owned by
 *    the owner of its directory and not writable by anyone else.
 *  - The daemon holds an OFD write lock (fcntl F_OFD_SETLK) on the file it
 *    published for as long as it runs, taken on a fresh 0600 inode before
 *    the file is made readable and renamed into place (so no reader can
 *    read-lock it first); readers check with F_OFD_GETLK now and then, and
 *    ignore a file nobody holds: a dead daemon's answers are not served
 *    (lookups fall back to D-Bus and the next NSS source).
 *  - Times are CLOCK_MONOTONIC microseconds; an expired entry is a miss.
 *  - Only answers to lookups without an interface (ifindex 0) are kept.
 * All integers are in host byte order: the file never leaves the machine.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define AARP_SNAPSHOT_NAME       "names.snapshot"
#define AARP_SNAPSHOT_MAGIC      "AARPSNP1"
#define AARP_SNAPSHOT_VERSION    2u
#define AARP_SNAPSHOT_SIZE_MAX   (64u * 1024u * 1024u)
#define AARP_SNAPSHOT_ENTRIES_MAX 65536u
#define AARP_SNAPSHOT_TTL_MAX_USEC (UINT64_C(86400) * 1000000u)

typedef struct {
        char magic[8];           /* AARP_SNAPSHOT_MAGIC, no NUL */
        uint32_t version;        /* AARP_SNAPSHOT_VERSION */
        uint32_t header_size;    /* sizeof(AarpSnapshotHeader) */
        uint64_t file_size;      /* must equal the file's size */
        uint64_t generation;     /* grows with every file the daemon writes */
        uint64_t created_usec;   /* CLOCK_MONOTONIC */
        uint32_t n_buckets;      /* a power of two, >= 1 */
        uint32_t n_entries;
        uint32_t buckets_offset; /* n_buckets x uint32_t entry offsets (0: empty) */
        uint32_t superseded;     /* 0, then 1 forever: reopen */
} AarpSnapshotHeader;

/* Entries start at 8-byte aligned offsets; `next` chains a bucket. */
typedef struct {
        uint32_t next;        /* offset of the next entry in the bucket, 0: end */
        uint32_t hash;        /* aarp_snapshot_hash(name, family) */
        uint64_t expiry_usec; /* CLOCK_MONOTONIC */
        int32_t family;       /* the family asked for: AF_UNSPEC, AF_INET, AF_INET6 */
        uint16_t name_len;    /* strlen(name), name is the normalised key */
        uint16_t canonical_len;
        uint16_t n_addresses; /* 1 .. AARP_ADDRESSES_MAX */
        uint16_t reserved;
        /* then: name '\0', canonical '\0', padding to 8, n_addresses x
         * AarpSnapshotAddress */
} AarpSnapshotEntry;

typedef struct {
        int32_t ifindex;
        int32_t family;       /* AF_INET (4 bytes used) or AF_INET6 */
        uint8_t address[16];
} AarpSnapshotAddress;

/* The key: lower case ASCII, a trailing dot kept ("host." is asked as is,
 * "host" through the search list: different answers).  Writes at most
 * @size bytes including the NUL; returns the length, or -1 if the name does
 * not fit, is empty or is "." alone. */
static inline int aarp_snapshot_normalize(const char *name, char *buf, size_t size) {
        size_t n = 0;

        for (; name[n]; n++) {
                char ch = name[n];
                if (n + 1 >= size)
                        return -1;
                buf[n] = (ch >= 'A' && ch <= 'Z') ? (char) (ch - 'A' + 'a') : ch;
        }
        if (n == 0 || (n == 1 && buf[0] == '.'))
                return -1;
        buf[n] = '\0';
        return (int) n;
}

/* FNV-1a over the normalised name and the family. */
static inline uint32_t aarp_snapshot_hash(const char *key, int32_t family) {
        uint32_t h = 2166136261u;

        for (const unsigned char *p = (const unsigned char *) key; *p; p++)
                h = (h ^ *p) * 16777619u;
        return (h ^ (uint32_t) family) * 16777619u;
}

static inline size_t aarp_snapshot_align8(size_t n) {
        return (n + 7u) & ~(size_t) 7u;
}
