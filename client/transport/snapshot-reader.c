/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-reader.c: the reader side of names.snapshot (see
 * snapshot-reader.h, include/aarp-snapshot.h).
 *
 * Hot path: enter a read section (brlock.h: no shared cache line written),
 * check the `superseded` word and the fork generation (a memory load:
 * fork-gen.h), find the name in this thread's memo of answers read from
 * this file (snapshot-memo.h), else compute its tag (SipHash), walk one
 * bucket, unseal the one entry whose tag matches; copy the answer into
 * the caller's SnapshotAnswer, leave.  No allocation, and no system call
 * unless the file was replaced, or 50 ms passed since we last checked the
 * daemon's lock (the clock is read through the vDSO).  Validation happens
 * once per mapping (header, buckets) and per visited entry (bounds,
 * terminators), so a corrupt or truncated file can never make us read
 * outside the mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aarp-def.h"
#include "aarp-snapshot.h"
#include "brlock.h"
#include "fork-gen.h"
#include "snapshot-memo.h"
#include "snapshot-reader.h"

#define LIVENESS_CHECK_USEC 50000u

/* Lookups read the state below inside a brlock read section (brlock.h:
 * no shared cache line written), or, when that is refused, under this lock
 * shared; opening, closing and the liveness check take this lock
 * exclusively and then the brlock's write side.  Writers first, so that the
 * check every 50 ms is never starved by threads looking up back to back. */
static pthread_rwlock_t lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static const uint8_t *map;
static size_t map_size;
static int map_fd = -1;
static unsigned map_gen; /* fork generation that mapped it */
static uint64_t next_open_usec;     /* don't retry a missing file on every lookup */
static uint64_t next_liveness_usec; /* when to check again that the daemon is alive */

/* CLOCK_MONOTONIC at the resolution of the kernel's tick: the daemon
 * writes expiries on CLOCK_MONOTONIC, and this clock lags it by less than
 * a tick (1-10 ms), so an answer may be served that much past its
 * expiry - nothing next to TTLs counted in seconds.  Reading the exact
 * clock cost 29 ns here (kvm-clock through the vDSO), half of what a
 * memoised hit costs the module; the coarse one 4 ns. */
static uint64_t now_usec(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) < 0)
                clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int validate_header(const uint8_t *data, size_t size) {
        const AarpSnapshotHeader *h = (const AarpSnapshotHeader *) data;

        if (size < sizeof(*h) || size > AARP_SNAPSHOT_SIZE_MAX || ((uintptr_t) data & 7u))
                return -EBADMSG;
        if (memcmp(h->magic, AARP_SNAPSHOT_MAGIC, sizeof(h->magic)) != 0 || h->version != AARP_SNAPSHOT_VERSION ||
            h->header_size != sizeof(*h) || h->file_size != size)
                return -EBADMSG;
        if (h->n_buckets == 0 || (h->n_buckets & (h->n_buckets - 1)) || h->n_buckets > AARP_SNAPSHOT_ENTRIES_MAX ||
            h->n_entries > AARP_SNAPSHOT_ENTRIES_MAX || h->buckets_offset != sizeof(*h) ||
            (uint64_t) h->buckets_offset + (uint64_t) h->n_buckets * 4u > size)
                return -EBADMSG;
        return 0;
}

/* The entry at @offset, if it and its sealed part lie wholly inside the
 * image. */
static const AarpSnapshotEntry *entry_at(const uint8_t *data, size_t size, uint32_t offset) {
        const AarpSnapshotEntry *e;

        if ((offset & 7u) || offset < sizeof(AarpSnapshotHeader) || (size_t) offset + sizeof(*e) > size)
                return NULL;
        e = (const AarpSnapshotEntry *) (data + offset);
        if (e->sealed_len < sizeof(AarpSnapshotSealed) || e->sealed_len > AARP_SNAPSHOT_SEALED_MAX ||
            (e->sealed_len & 7u) || (size_t) offset + sizeof(*e) + e->sealed_len > size)
                return NULL;
        return e;
}

/* Unseal @e (found by its tag) for (@key, @family) and copy the answer
 * out.  The sealed part is checked after unsealing like everything else:
 * 0, -ENOENT (expired), -EBADMSG. */
static int answer_from(const AarpSnapshotHeader *h, const AarpSnapshotEntry *e, const char *key, int family,
                       uint64_t now, SnapshotAnswer *ret, uint64_t *ret_expiry_usec) {
        uint64_t plain[AARP_SNAPSHOT_SEALED_MAX / 8]; /* 8-byte aligned */
        const AarpSnapshotSealed *sd = (const AarpSnapshotSealed *) plain;
        const AarpSnapshotAddress *addrs = (const AarpSnapshotAddress *) (sd + 1);
        const char *canonical;
        uint8_t seal_key[16];
        size_t need;

        memcpy(plain, e + 1, e->sealed_len);
        aarp_snapshot_derive(h->key, AARP_SNAPSHOT_SEAL, key, family, seal_key);
        aarp_snapshot_crypt(seal_key, (uint8_t *) plain, e->sealed_len);

        if (sd->n_addresses == 0 || sd->n_addresses > AARP_ADDRESSES_MAX || sd->canonical_len > AARP_NAME_MAX + 1)
                return -EBADMSG;
        need = sizeof(*sd) + (size_t) sd->n_addresses * sizeof(AarpSnapshotAddress) + sd->canonical_len + 1;
        if (need > e->sealed_len)
                return -EBADMSG;
        canonical = (const char *) (addrs + sd->n_addresses);
        if (canonical[sd->canonical_len] != '\0' || strlen(canonical) != sd->canonical_len)
                return -EBADMSG;
        for (unsigned i = 0; i < sd->n_addresses; i++)
                if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6)
                        return -EBADMSG;
        /* A second of slack: our clock lags the daemon's by up to a tick
         * (now_usec()), so an answer written with the largest TTL can look
         * a little longer than that. */
        if (sd->expiry_usec <= now || sd->expiry_usec - now > AARP_SNAPSHOT_TTL_MAX_USEC + 1000000u)
                return -ENOENT; /* expired, or a clock we do not share */

        for (unsigned i = 0; i < sd->n_addresses; i++) {
                ret->addresses[i].ifindex = addrs[i].ifindex;
                ret->addresses[i].family = addrs[i].family;
                memcpy(ret->addresses[i].address, addrs[i].address, 16);
        }
        ret->n = sd->n_addresses;
        memcpy(ret->canonical, canonical, (size_t) sd->canonical_len + 1);
        ret->ttl_sec = snapshot_ttl_left(sd->expiry_usec, now);
        if (ret_expiry_usec)
                *ret_expiry_usec = sd->expiry_usec;
        return 0;
}

static int lookup_in(const void *image, size_t size, const char *name, int family, uint64_t now,
                     SnapshotAnswer *ret, uint64_t *ret_expiry_usec) {
        const uint8_t *data = image;
        const AarpSnapshotHeader *h = image;
        char key[AARP_NAME_MAX + 2];
        uint8_t tag[16];
        uint32_t offset;
        int r = validate_header(data, size);

        if (r < 0)
                return r;
        if (!name)
                return -ENOENT;
        if (aarp_snapshot_normalize(name, key, sizeof(key)) < 0)
                return -ENOENT;
        aarp_snapshot_derive(h->key, AARP_SNAPSHOT_TAG, key, family, tag);
        offset = ((const uint32_t *) (data + h->buckets_offset))[aarp_snapshot_bucket(tag, h->n_buckets)];

        /* Bounded walk: a cycle in a corrupt file ends here. */
        for (uint32_t steps = 0; offset != 0; steps++) {
                const AarpSnapshotEntry *e = entry_at(data, size, offset);

                if (!e || steps > h->n_entries)
                        return -EBADMSG;
                if (memcmp(e->tag, tag, sizeof(tag)) == 0)
                        return answer_from(h, e, key, family, now, ret, ret_expiry_usec);
                offset = e->next;
        }
        return -ENOENT;
}

int snapshot_reader_lookup_in(const void *image, size_t size, const char *name, int family, uint64_t now,
                              SnapshotAnswer *ret) {
        return lookup_in(image, size, name, family, now, ret, NULL);
}

/* A lookup in the trusted current mapping: this thread's memo first (no
 * hashing), else the file, whose answer then goes into the memo. */
static int lookup_mapped(const char *name, int family, uint64_t now, SnapshotAnswer *ret) {
        const uint8_t *file_key = ((const AarpSnapshotHeader *) map)->key;
        uint64_t expiry = 0;
        int r;

        if (snapshot_memo_find(file_key, name, family, now, ret) == 0)
                return 0;
        r = lookup_in(map, map_size, name, family, now, ret, &expiry);
        if (r < 0)
                return r;
        snapshot_memo_store(file_key, name, family, expiry, ret);
        return 0;
}

static void unmap_locked(void) {
        if (map)
                munmap((void *) map, map_size);
        map = NULL;
        map_size = 0;
        if (map_fd >= 0)
                close(map_fd);
        map_fd = -1;
}

/* The daemon holds a write lock on the file it published for as long as
 * it lives (include/aarp-snapshot.h); no lock means a dead daemon, whose
 * answers we must not keep serving.  Checked at most every 50 ms, so the
 * hot path stays free of system calls. */
static bool daemon_alive_locked(uint64_t now) {
        struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

        if (now < next_liveness_usec)
                return true;
        if (fcntl(map_fd, F_OFD_GETLK, &lk) < 0 || lk.l_type == F_UNLCK)
                return false;
        next_liveness_usec = now + LIVENESS_CHECK_USEC;
        return true;
}

/* In a fork()ed child, before anything else runs: a lock another thread
 * of the parent held would never be released, and the descriptor is
 * closed while it is surely still ours (the child may close or reuse
 * numbers later).  The child maps the file again like any new process. */
static void after_fork_child(void) {
        lock = (pthread_rwlock_t) PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
        brlock_reset_after_fork();
        unmap_locked();
        next_open_usec = 0;
}

/* Map the current file if it is one we may trust: a regular file owned by
 * the owner of its directory, writable by nobody else. */
static void open_locked(uint64_t now) {
        const char *dir = secure_getenv(AARP_RUNTIME_DIR_ENV);
        char path[4096];
        struct stat st, dst;
        void *m;
        int fd;

        if (!dir || !*dir)
                dir = AARP_RUNTIME_DIR_DEFAULT;
        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, AARP_SNAPSHOT_NAME) >= sizeof(path))
                return;
        /* Without the hook a child would still drop the mapping (the
         * generation differs), only later. */
        (void) fork_gen_add_child_hook(after_fork_child);
        next_open_usec = now + 1000000u; /* at most one attempt a second if this fails */
        if (stat(dir, &dst) < 0 || (dst.st_mode & 0022))
                return;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != dst.st_uid || (st.st_mode & 0022) ||
            st.st_size < (off_t) sizeof(AarpSnapshotHeader) || st.st_size > (off_t) AARP_SNAPSHOT_SIZE_MAX) {
                close(fd);
                return;
        }
        m = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
                close(fd);
                return;
        }
        if (validate_header(m, (size_t) st.st_size) < 0 ||
            __atomic_load_n(&((const AarpSnapshotHeader *) m)->superseded, __ATOMIC_ACQUIRE)) {
                munmap(m, (size_t) st.st_size);
                close(fd);
                /* Superseded: a new one follows within milliseconds. */
                next_open_usec = now + 10000u;
                return;
        }
        map = m;
        map_size = (size_t) st.st_size;
        map_fd = fd;
        map_gen = fork_gen_current();
        next_open_usec = 0;
        next_liveness_usec = 0;
}

/* The common case, concurrently: a trusted mapping of this process,
 * checked alive less than 50 ms ago.  Whether it answered (*ret_r). */
static bool lookup_fast(const char *name, int family, uint64_t now, unsigned gen, SnapshotAnswer *ret,
                        int *ret_r) {
        int r;

        if (!map || map_gen != gen || now >= next_liveness_usec ||
            __atomic_load_n(&((const AarpSnapshotHeader *) map)->superseded, __ATOMIC_ACQUIRE))
                return false;
        r = lookup_mapped(name, family, now, ret);
        if (r == -EBADMSG)
                return false;
        *ret_r = r;
        return true;
}

int snapshot_reader_lookup(const char *name, int family, SnapshotAnswer *ret) {
        uint64_t now = now_usec();
        unsigned gen = fork_gen_current();
        int r = -ENOENT, slot;
        bool done;

        if (brlock_read_begin(&slot)) {
                done = lookup_fast(name, family, now, gen, ret, &r);
                brlock_read_end(slot);
        } else {
                pthread_rwlock_rdlock(&lock);
                done = lookup_fast(name, family, now, gen, ret, &r);
                pthread_rwlock_unlock(&lock);
        }
        if (done)
                return r;

        /* Anything else: one thread at a time. */
        r = -ENOENT;
        pthread_rwlock_wrlock(&lock);
        brlock_write_begin();
        /* A forked child keeps the mapping (it stays valid), but re-checks
         * like any new process. */
        if (map && (map_gen != gen ||
                    __atomic_load_n(&((const AarpSnapshotHeader *) map)->superseded, __ATOMIC_ACQUIRE)))
                unmap_locked();
        if (map && !daemon_alive_locked(now)) {
                unmap_locked();
                next_open_usec = now + 1000000u;
        }
        if (!map && now >= next_open_usec)
                open_locked(now);
        if (map)
                r = lookup_mapped(name, family, now, ret);
        if (r == -EBADMSG) {
                /* Never trusted again: wait for the daemon to replace it. */
                unmap_locked();
                next_open_usec = now + 1000000u;
                r = -ENOENT;
        }
        brlock_write_end();
        pthread_rwlock_unlock(&lock);
        return r;
}

void snapshot_reader_reset(void) {
        pthread_rwlock_wrlock(&lock);
        brlock_write_begin();
        unmap_locked();
        next_open_usec = 0;
        brlock_write_end();
        pthread_rwlock_unlock(&lock);
}
