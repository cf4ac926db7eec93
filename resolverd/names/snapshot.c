/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot.c: builds and publishes names.snapshot (see snapshot.h and
 * include/aarp-snapshot.h for the format and the readers' contract).
 *
 * The daemon keeps the answers in a hash table and, shortly after a change,
 * writes a whole new file (temporary name, then rename()) and flips the
 * `superseded` word of the previous one, which it keeps mapped writable for
 * exactly that.  A flush flips the word at once, so no reader serves an
 * answer the daemon has dropped for longer than one lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aarp-def.h"
#include "aarp-snapshot.h"
#include "names.h"
#include "snapshot.h"

#define SNAPSHOT_ENTRIES_MAX 4096u
#define SNAPSHOT_DELAY_MSEC 20u

typedef struct {
        char *key; /* normalised name: in the daemon's memory only */
        int family;
        char *canonical;
        GArray *addresses; /* of NameAddress */
        GArray *sources;   /* of struct in6_addr (mapped from), or NULL */
        uint64_t expiry_usec;
} Answer;

struct Snapshot {
        char *path, *tmp_path;
        GHashTable *answers; /* "family/key" -> Answer* */
        guint write_id;
        uint64_t generation;
        AarpSnapshotHeader *published; /* mapping of the file now in place */
        size_t published_size;
        int published_fd; /* holds the write lock that says "the daemon is alive" */
};

static void answer_free(gpointer p) {
        Answer *a = p;

        g_free(a->key);
        g_free(a->canonical);
        g_array_unref(a->addresses);
        if (a->sources)
                g_array_unref(a->sources);
        g_free(a);
}

static void supersede_published(Snapshot *s) {
        if (s->published) {
                __atomic_store_n(&s->published->superseded, 1u, __ATOMIC_RELEASE);
                munmap(s->published, s->published_size);
                s->published = NULL;
        }
        if (s->published_fd >= 0)
                close(s->published_fd); /* releases the lock */
        s->published_fd = -1;
}

static size_t sealed_size(const Answer *a) {
        return aarp_snapshot_align8(sizeof(AarpSnapshotSealed) + a->addresses->len * sizeof(AarpSnapshotAddress) +
                                    strlen(a->canonical) + 1);
}

/* Lay out every live answer into one buffer under the new @file_key. */
static GByteArray *build(Snapshot *s, uint64_t now, const uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE]) {
        g_autoptr(GPtrArray) live = g_ptr_array_new();
        GHashTableIter it;
        gpointer value;
        uint32_t n_buckets = 1;
        size_t size, offset;
        GByteArray *buf;
        AarpSnapshotHeader *h;

        g_hash_table_iter_init(&it, s->answers);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                Answer *a = value;
                if (a->expiry_usec <= now)
                        g_hash_table_iter_remove(&it);
                else
                        g_ptr_array_add(live, a);
        }
        while (n_buckets < live->len)
                n_buckets <<= 1;

        size = aarp_snapshot_align8(sizeof(AarpSnapshotHeader) + n_buckets * sizeof(uint32_t));
        for (guint i = 0; i < live->len; i++)
                size += sizeof(AarpSnapshotEntry) + sealed_size(live->pdata[i]);
        buf = g_byte_array_sized_new((guint) size);
        g_byte_array_set_size(buf, (guint) size);
        memset(buf->data, 0, size);

        h = (AarpSnapshotHeader *) buf->data;
        memcpy(h->magic, AARP_SNAPSHOT_MAGIC, sizeof(h->magic));
        h->version = AARP_SNAPSHOT_VERSION;
        h->header_size = sizeof(*h);
        h->file_size = size;
        h->generation = ++s->generation;
        h->created_usec = now;
        h->n_buckets = n_buckets;
        h->n_entries = live->len;
        h->buckets_offset = sizeof(*h);
        memcpy(h->key, file_key, AARP_SNAPSHOT_KEY_SIZE);

        offset = aarp_snapshot_align8(sizeof(*h) + n_buckets * sizeof(uint32_t));
        for (guint i = 0; i < live->len; i++) {
                Answer *a = live->pdata[i];
                AarpSnapshotEntry *e = (AarpSnapshotEntry *) (buf->data + offset);
                uint8_t *sealed = (uint8_t *) (e + 1);
                AarpSnapshotSealed *sd = (AarpSnapshotSealed *) sealed;
                AarpSnapshotAddress *addrs = (AarpSnapshotAddress *) (sd + 1);
                uint32_t *buckets = (uint32_t *) (buf->data + h->buckets_offset);
                size_t clen = strlen(a->canonical);
                uint8_t seal_key[16];
                uint32_t b;

                e->sealed_len = (uint32_t) sealed_size(a);
                aarp_snapshot_derive(file_key, AARP_SNAPSHOT_TAG, a->key, a->family, e->tag);
                sd->expiry_usec = a->expiry_usec;
                sd->n_addresses = (uint16_t) a->addresses->len;
                sd->canonical_len = (uint16_t) clen;
                for (guint j = 0; j < a->addresses->len; j++) {
                        const NameAddress *na = &g_array_index(a->addresses, NameAddress, j);
                        addrs[j].ifindex = na->ifindex;
                        addrs[j].family = na->family;
                        memcpy(addrs[j].address, na->address, 16);
                }
                memcpy(addrs + a->addresses->len, a->canonical, clen + 1);
                aarp_snapshot_derive(file_key, AARP_SNAPSHOT_SEAL, a->key, a->family, seal_key);
                aarp_snapshot_crypt(seal_key, sealed, e->sealed_len);

                b = aarp_snapshot_bucket(e->tag, n_buckets);
                e->next = buckets[b];
                buckets[b] = (uint32_t) offset;
                offset += sizeof(*e) + e->sealed_len;
        }
        return buf;
}

static gboolean write_now(gpointer user_data) {
        Snapshot *s = user_data;
        g_autoptr(GByteArray) buf = NULL;
        struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE];
        int fd;

        s->write_id = 0;
        /* A fresh key per file: nothing computed against one file (a
         * table of tags for likely names) works on the next, and entries
         * cannot be followed from file to file. */
        if (getrandom(file_key, sizeof(file_key), 0) != (ssize_t) sizeof(file_key)) {
                g_warning("snapshot: no random key: %s", g_strerror(errno));
                return G_SOURCE_REMOVE;
        }
        buf = build(s, (uint64_t) g_get_monotonic_time(), file_key);
        /* Readers trust the file only while someone holds its write lock:
         * if the daemon dies, the lock goes with it and lookups fall back
         * to D-Bus (and so to the next NSS source) instead of serving a
         * dead daemon's answers.  So the lock must be ours before anyone
         * can open the file: any user may open a 0644 file and take a
         * read lock, which would keep ours out and make every reader
         * think the daemon dead.  A fresh inode (a leftover temporary
         * file may be open anywhere), created 0600, locked, and only then
         * made readable and renamed into place. */
        (void) unlink(s->tmp_path);
        fd = open(s->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                g_warning("snapshot: cannot create %s: %s", s->tmp_path, g_strerror(errno));
                return G_SOURCE_REMOVE;
        }
        if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
                g_warning("snapshot: cannot lock %s: %s", s->tmp_path, g_strerror(errno));
                close(fd);
                (void) unlink(s->tmp_path);
                return G_SOURCE_REMOVE;
        }
        /* The umask must not decide who may read it. */
        if (write(fd, buf->data, buf->len) != (ssize_t) buf->len || fchmod(fd, 0644) < 0 ||
            rename(s->tmp_path, s->path) < 0) {
                g_warning("snapshot: cannot publish %s: %s", s->path, g_strerror(errno));
                close(fd);
                (void) unlink(s->tmp_path);
                return G_SOURCE_REMOVE;
        }
        supersede_published(s);
        s->published = mmap(NULL, buf->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (s->published == MAP_FAILED)
                s->published = NULL;
        s->published_size = buf->len;
        s->published_fd = fd; /* keeps the lock */
        return G_SOURCE_REMOVE;
}

static void schedule(Snapshot *s) {
        if (!s->write_id)
                s->write_id = g_timeout_add(SNAPSHOT_DELAY_MSEC, write_now, s);
}

Snapshot *snapshot_new(const char *runtime_dir, GError **error) {
        Snapshot *s;

        if (g_mkdir_with_parents(runtime_dir, 0755) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot create %s: %s", runtime_dir,
                            g_strerror(errno));
                return NULL;
        }
        s = g_new0(Snapshot, 1);
        s->path = g_build_filename(runtime_dir, AARP_SNAPSHOT_NAME, NULL);
        s->tmp_path = g_strconcat(s->path, ".new", NULL);
        s->answers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, answer_free);
        s->published_fd = -1;
        /* Start with an empty file: readers then find "no answers", and a
         * stale file from a previous run is superseded. */
        write_now(s);
        return s;
}

void snapshot_free(Snapshot *s) {
        if (!s)
                return;
        if (s->write_id)
                g_source_remove(s->write_id);
        (void) unlink(s->path);
        supersede_published(s);
        g_hash_table_destroy(s->answers);
        g_free(s->path);
        g_free(s->tmp_path);
        g_free(s);
}

void snapshot_put(Snapshot *s, const char *name, int family, const GArray *addresses, const char *canonical,
                  const GArray *sources, uint32_t ttl_sec) {
        char key[AARP_NAME_MAX + 2];
        Answer *a;

        if (ttl_sec == 0 || addresses->len == 0 || addresses->len > AARP_ADDRESSES_MAX ||
            aarp_snapshot_normalize(name, key, sizeof(key)) < 0 || strlen(canonical) > AARP_NAME_MAX + 1)
                return;
        if (g_hash_table_size(s->answers) >= SNAPSHOT_ENTRIES_MAX)
                return; /* full: those names are answered over D-Bus */
        a = g_new0(Answer, 1);
        a->key = g_strdup(key);
        a->family = family;
        a->canonical = g_strdup(canonical);
        a->addresses = g_array_sized_new(FALSE, FALSE, sizeof(NameAddress), addresses->len);
        g_array_append_vals(a->addresses, addresses->data, addresses->len);
        if (sources && sources->len > 0) {
                a->sources = g_array_sized_new(FALSE, FALSE, sizeof(struct in6_addr), sources->len);
                g_array_append_vals(a->sources, sources->data, sources->len);
        }
        a->expiry_usec = (uint64_t) g_get_monotonic_time() +
                         MIN((uint64_t) ttl_sec * G_USEC_PER_SEC, AARP_SNAPSHOT_TTL_MAX_USEC);
        g_hash_table_replace(s->answers, g_strdup_printf("%d/%s", family, key), a);
        schedule(s);
}

void snapshot_invalidate_address(Snapshot *s, const struct in6_addr *address) {
        GHashTableIter it;
        gpointer value;
        guint n = 0;

        g_hash_table_iter_init(&it, s->answers);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                const Answer *a = value;
                gboolean hit = FALSE;

                for (guint i = 0; a->sources && i < a->sources->len && !hit; i++)
                        hit = memcmp(&g_array_index(a->sources, struct in6_addr, i), address,
                                     sizeof(*address)) == 0;
                if (hit) {
                        g_hash_table_iter_remove(&it);
                        n++;
                }
        }
        if (n == 0)
                return;
        /* Readers must not serve a dropped answer while the new file is
         * being written; the others cost them one round trip each until
         * then. */
        supersede_published(s);
        schedule(s);
}

void snapshot_flush(Snapshot *s) {
        g_hash_table_remove_all(s->answers);
        supersede_published(s);
        schedule(s);
}

void snapshot_sync(Snapshot *s) {
        if (s->write_id) {
                g_source_remove(s->write_id);
                write_now(s);
        }
}
