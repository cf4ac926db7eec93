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
 *  - The file is readable by every user (every process runs the NSS
 *    module), so it holds no name in clear: an entry is found by a tag,
 *    SipHash-2-4 of (family, name) under a random key of the file's own,
 *    and its contents (expiry, addresses, canonical name) are XORed with a
 *    keystream derived from the same key and the name.  A reader finds and
 *    reads an answer only for a name it asks for.  The key is in the file
 *    (a reader needs it), so whoever guesses a name can test whether it is
 *    there, as they could by asking the daemon and seeing FROM_CACHE; what
 *    stays visible without a guess: the number of entries, each entry's
 *    sealed size (a rough count of its addresses), the file's times.
 * All integers are in host byte order: the file never leaves the machine.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "aarp-def.h"
#include "aarp-siphash.h"

#define AARP_SNAPSHOT_NAME       "names.snapshot"
#define AARP_SNAPSHOT_MAGIC      "AARPSNP1"
/* 2: keys keep the trailing dot; 3: names hashed, contents sealed. */
#define AARP_SNAPSHOT_VERSION    3u
#define AARP_SNAPSHOT_SIZE_MAX   (64u * 1024u * 1024u)
#define AARP_SNAPSHOT_ENTRIES_MAX 65536u
#define AARP_SNAPSHOT_TTL_MAX_USEC (UINT64_C(86400) * 1000000u)
#define AARP_SNAPSHOT_KEY_SIZE   16u

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
        uint8_t key[AARP_SNAPSHOT_KEY_SIZE]; /* random, this file's only */
} AarpSnapshotHeader;

/* Entries start at 8-byte aligned offsets; `next` chains a bucket. */
typedef struct {
        uint32_t next;        /* offset of the next entry in the bucket, 0: end */
        uint32_t sealed_len;  /* bytes that follow, a multiple of 8 */
        uint8_t tag[16];      /* aarp_snapshot_derive(key, AARP_SNAPSHOT_TAG, name, family) */
        /* then sealed_len bytes XORed with aarp_snapshot_crypt()'s
         * keystream: AarpSnapshotSealed, n_addresses x AarpSnapshotAddress,
         * the canonical name and its '\0', zeros up to sealed_len */
} AarpSnapshotEntry;

typedef struct {
        uint64_t expiry_usec;   /* CLOCK_MONOTONIC */
        uint16_t n_addresses;   /* 1 .. AARP_ADDRESSES_MAX */
        uint16_t canonical_len; /* strlen(canonical) */
        uint32_t reserved;
} AarpSnapshotSealed;

typedef struct {
        int32_t ifindex;
        int32_t family;       /* AF_INET (4 bytes used) or AF_INET6 */
        uint8_t address[16];
} AarpSnapshotAddress;

/* The largest sealed part: every address and the longest canonical name. */
#define AARP_SNAPSHOT_SEALED_MAX \
        ((sizeof(AarpSnapshotSealed) + AARP_ADDRESSES_MAX * sizeof(AarpSnapshotAddress) + AARP_NAME_MAX + 2u + 7u) & \
         ~(size_t) 7u)

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

/* What aarp_snapshot_derive() derives: an entry's tag, or its seal key. */
#define AARP_SNAPSHOT_TAG  1u
#define AARP_SNAPSHOT_SEAL 2u

/* SipHash-2-4-128 under the file's @file_key of (@what, @family as 4 bytes
 * little-endian, the normalised @key): the tag that finds an entry, or the
 * key of its keystream.  Only someone who knows the name can compute
 * either.  @key is at most 255 bytes (aarp_snapshot_normalize()). */
static inline void aarp_snapshot_derive(const uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE], unsigned what, const char *key,
                                        int32_t family, uint8_t out[16]) {
        uint8_t msg[1 + 4 + 256];
        size_t n = 0;

        msg[n++] = (uint8_t) what;
        for (unsigned i = 0; i < 4; i++)
                msg[n++] = (uint8_t) ((uint32_t) family >> (8u * i));
        for (; *key && n < sizeof(msg); key++)
                msg[n++] = (uint8_t) *key;
        aarp_siphash24(msg, n, file_key, out, 16);
}

/* XOR @len bytes at @data with the keystream of @seal_key: block i is
 * SipHash-2-4-128(@seal_key, i as 8 bytes little-endian).  Seals and
 * unseals alike. */
static inline void aarp_snapshot_crypt(const uint8_t seal_key[16], uint8_t *data, size_t len) {
        uint8_t block[16], counter[8];

        for (size_t off = 0; off < len; off += 16) {
                aarp_sip_put_le64(counter, (uint64_t) (off / 16));
                aarp_siphash24(counter, sizeof(counter), seal_key, block, 16);
                for (size_t i = 0; i < 16 && off + i < len; i++)
                        data[off + i] ^= block[i];
        }
}

/* The bucket of a tag. */
static inline uint32_t aarp_snapshot_bucket(const uint8_t tag[16], uint32_t n_buckets) {
        uint32_t h = (uint32_t) tag[0] | (uint32_t) tag[1] << 8 | (uint32_t) tag[2] << 16 | (uint32_t) tag[3] << 24;

        return h & (n_buckets - 1);
}

static inline size_t aarp_snapshot_align8(size_t n) {
        return (n + 7u) & ~(size_t) 7u;
}
