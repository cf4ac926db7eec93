/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.snapshot end to end: the daemon's writer (resolverd/names/snapshot.c)
 * publishes, the NSS module's reader (client/transport/snapshot-reader.c) answers;
 * and no truncated or corrupted file is ever trusted or crashes the reader.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aarp-def.h"
#include "aarp-snapshot.h"
#include "names.h"
#include "snapshot-reader.h"
#include "snapshot.h"

static char *dir;

static void setup(void) {
        dir = g_dir_make_tmp("aarp-snapshot-XXXXXX", NULL);
        cr_assert_not_null(dir);
        chmod(dir, 0755);
        setenv("AARP_RUNTIME_DIR", dir, 1);
        snapshot_reader_reset();
}

static void teardown(void) {
        g_autofree char *path = g_build_filename(dir, AARP_SNAPSHOT_NAME, NULL);
        (void) g_unlink(path);
        (void) g_rmdir(dir);
        g_free(dir);
}

static GArray *addresses(const char *a6, const char *a4) {
        GArray *a = g_array_new(FALSE, TRUE, sizeof(NameAddress));
        NameAddress na = { 0 };

        if (a6) {
                na.family = AF_INET6;
                inet_pton(AF_INET6, a6, na.address);
                g_array_append_val(a, na);
        }
        if (a4) {
                memset(&na, 0, sizeof(na));
                na.family = AF_INET;
                inet_pton(AF_INET, a4, na.address);
                g_array_append_val(a, na);
        }
        return a;
}

static GByteArray *read_file(void) {
        g_autofree char *path = g_build_filename(dir, AARP_SNAPSHOT_NAME, NULL);
        gchar *data;
        gsize len;

        cr_assert(g_file_get_contents(path, &data, &len, NULL));
        return g_byte_array_new_take((guint8 *) data, len);
}

Test(snapshot, published_answer_is_found_by_the_reader, .init = setup, .fini = teardown) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Snapshot) s = snapshot_new(dir, &e);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", "192.0.2.10");
        SnapshotAnswer ans;
        struct in6_addr want;

        cr_assert_not_null(s, "%s", e ? e->message : "");
        snapshot_put(s, "Svc.Lab.", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);

        /* An absolute name: the relative one is another question. */
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), -ENOENT);
        cr_assert_eq(snapshot_reader_lookup("svc.LAB.", AF_UNSPEC, &ans), 0);
        cr_assert_eq(ans.n, 2);
        inet_pton(AF_INET6, "2001:db8:11::2", &want);
        cr_assert_eq(ans.addresses[0].family, AF_INET6);
        cr_assert_arr_eq(ans.addresses[0].address, &want, 16);
        cr_assert_eq(ans.addresses[1].family, AF_INET);
        cr_assert_str_eq(ans.canonical, "svc.lab");
        cr_assert(ans.ttl_sec > 0 && ans.ttl_sec <= 60);

        /* The family is part of the key. */
        cr_assert_eq(snapshot_reader_lookup("svc.lab.", AF_INET6, &ans), -ENOENT);
        cr_assert_eq(snapshot_reader_lookup("other.lab", AF_UNSPEC, &ans), -ENOENT);
}

Test(snapshot, flush_is_seen_by_a_reader_that_mapped_the_old_file, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        SnapshotAnswer ans;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), 0);
        snapshot_flush(s);
        /* No new file yet: the old one is superseded, so no answer. */
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), -ENOENT);
        snapshot_sync(s);
        snapshot_reader_reset();
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), -ENOENT);
}

Test(snapshot, invalidating_an_address_drops_only_the_answers_mapped_from_it, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autoptr(GArray) v4 = addresses(NULL, "192.0.2.10");
        g_autoptr(GArray) from_anycast = g_array_new(FALSE, TRUE, sizeof(struct in6_addr));
        struct in6_addr anycast;
        SnapshotAnswer ans;

        inet_pton(AF_INET6, "2001:db8:a::1", &anycast);
        g_array_append_val(from_anycast, anycast);
        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", from_anycast, 60);
        snapshot_put(s, "v4only.lab", AF_UNSPEC, v4, "v4only.lab", NULL, 60);
        snapshot_sync(s);
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), 0);

        snapshot_invalidate_address(s, &anycast);
        /* At once: no reader serves the dropped answer. */
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), -ENOENT);
        snapshot_sync(s);
        snapshot_reader_reset(); /* skip the reader's wait before reopening */
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), -ENOENT);
        cr_assert_eq(snapshot_reader_lookup("v4only.lab", AF_UNSPEC, &ans), 0,
                     "an answer not built from the address was dropped");
}

Test(snapshot, expired_answer_is_a_miss, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autoptr(GByteArray) img = NULL;
        SnapshotAnswer ans;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 2);
        snapshot_sync(s);
        img = read_file();
        cr_assert_eq(snapshot_reader_lookup_in(img->data, img->len, "svc.lab", AF_UNSPEC,
                                               (uint64_t) g_get_monotonic_time(), &ans), 0);
        cr_assert_eq(snapshot_reader_lookup_in(img->data, img->len, "svc.lab", AF_UNSPEC,
                                               (uint64_t) g_get_monotonic_time() + 3 * G_USEC_PER_SEC, &ans),
                     -ENOENT);
}

/* The reader keeps each thread's last answers in clear (snapshot-memo.c):
 * a memoised answer must follow the file that replaces it, and expire. */
Test(snapshot, a_memoised_answer_follows_the_new_file_and_expires, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autoptr(GArray) b = addresses("2001:db8:12::2", NULL);
        struct in6_addr want;
        SnapshotAnswer ans;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);
        for (int i = 0; i < 3; i++) {
                cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), 0);
        }
        snapshot_put(s, "svc.lab", AF_UNSPEC, b, "svc.lab", NULL, 1);
        snapshot_sync(s);
        snapshot_reader_reset(); /* skip the reader's wait before reopening */
        for (int i = 0; i < 3; i++) {
                cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), 0);
                inet_pton(AF_INET6, "2001:db8:12::2", &want);
                cr_assert_arr_eq(ans.addresses[0].address, &want, 16, "the old file's answer was served");
                cr_assert_leq(ans.ttl_sec, 1, "the old file's TTL (60 s) was served");
        }
        g_usleep(1100 * 1000);
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), -ENOENT,
                     "an expired answer was served");
}

/* A hit fills the caller's SnapshotAnswer, from the file or from the memo:
 * both must give the whole answer, also one too large for a memo slot. */
Test(snapshot, answers_from_the_file_and_from_the_memo_are_the_same, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) small = addresses("2001:db8:11::2", "192.0.2.10");
        g_autoptr(GArray) big = g_array_new(FALSE, TRUE, sizeof(NameAddress));
        SnapshotAnswer first, again;

        for (unsigned i = 0; i < AARP_ADDRESSES_MAX; i++) {
                NameAddress na = { .family = AF_INET6 };
                g_autofree char *text = g_strdup_printf("2001:db8:b::%x", i + 1);

                inet_pton(AF_INET6, text, na.address);
                g_array_append_val(big, na);
        }
        snapshot_put(s, "small.lab", AF_UNSPEC, small, "canonical-small.lab", NULL, 60);
        snapshot_put(s, "big.lab", AF_UNSPEC, big, "canonical-big.lab", NULL, 60);
        snapshot_sync(s);
        snapshot_reader_reset();
        for (unsigned k = 0; k < 2; k++) {
                const char *name = k ? "big.lab" : "small.lab";
                size_t want_n = k ? AARP_ADDRESSES_MAX : 2;

                memset(&first, 0xa5, sizeof(first));
                memset(&again, 0x5a, sizeof(again));
                cr_assert_eq(snapshot_reader_lookup(name, AF_UNSPEC, &first), 0);
                cr_assert_eq(snapshot_reader_lookup(name, AF_UNSPEC, &again), 0);
                cr_assert_eq(first.n, want_n);
                cr_assert_eq(again.n, want_n);
                cr_assert_str_eq(again.canonical, first.canonical);
                cr_assert_str_eq(first.canonical, k ? "canonical-big.lab" : "canonical-small.lab");
                /* A second may have ended between the two. */
                cr_assert(again.ttl_sec <= first.ttl_sec && first.ttl_sec - again.ttl_sec <= 1);
                cr_assert(first.ttl_sec > 0 && first.ttl_sec <= 60);
                cr_assert_arr_eq(again.addresses, first.addresses, want_n * sizeof(BusAddress),
                                 "%s: the second answer differs from the first", name);
                cr_assert_arr_eq(first.addresses[want_n - 1].address,
                                 g_array_index(k ? big : small, NameAddress, want_n - 1).address, 16);
        }
}

/* Readers run without a shared lock (brlock.c) while the file is replaced
 * and remapped under them: every answer is one that was published, and
 * nothing reads a mapping that is gone (ASan in tests/sanitize.sh). */
typedef struct {
        gint stop;
        guint hits, bad;
} Racers;

static void *race_reader(void *arg) {
        Racers *r = arg;
        struct in6_addr a, b;

        inet_pton(AF_INET6, "2001:db8:11::2", &a);
        inet_pton(AF_INET6, "2001:db8:12::2", &b);
        while (!g_atomic_int_get(&r->stop)) {
                SnapshotAnswer ans;

                if (snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans) == 0) {
                        if (ans.n != 1 ||
                            (memcmp(ans.addresses[0].address, &a, 16) != 0 &&
                             memcmp(ans.addresses[0].address, &b, 16) != 0) ||
                            strcmp(ans.canonical, "svc.lab") != 0)
                                g_atomic_int_inc((gint *) &r->bad);
                        g_atomic_int_inc((gint *) &r->hits);
                }
        }
        return NULL;
}

Test(snapshot, readers_without_a_shared_lock_survive_files_replaced_under_them, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autoptr(GArray) b = addresses("2001:db8:12::2", NULL);
        Racers r = { 0 };
        pthread_t t[4];
        gint64 until;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);
        for (unsigned i = 0; i < G_N_ELEMENTS(t); i++)
                cr_assert_eq(pthread_create(&t[i], NULL, race_reader, &r), 0);
        until = g_get_monotonic_time() + G_USEC_PER_SEC;
        for (unsigned i = 0; g_get_monotonic_time() < until; i++) {
                snapshot_put(s, "svc.lab", AF_UNSPEC, i % 2 ? b : a, "svc.lab", NULL, 60);
                snapshot_sync(s);
                if (i % 3 == 0)
                        snapshot_reader_reset();
                g_usleep(2000);
        }
        g_atomic_int_set(&r.stop, 1);
        for (unsigned i = 0; i < G_N_ELEMENTS(t); i++)
                pthread_join(t[i], NULL);
        cr_assert_eq(r.bad, 0, "%u answers that were never published", r.bad);
        cr_assert(r.hits > 0, "no lookup was answered");
}

Test(snapshot, every_truncation_and_byte_flip_is_rejected_or_harmless, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GByteArray) img = NULL;
        uint64_t now = (uint64_t) g_get_monotonic_time();

        for (int i = 0; i < 20; i++) {
                g_autoptr(GArray) a = addresses("2001:db8:11::2", "192.0.2.10");
                g_autofree char *name = g_strdup_printf("host%d.lab", i);
                snapshot_put(s, name, AF_UNSPEC, a, name, NULL, 60);
        }
        snapshot_sync(s);
        img = read_file();

        for (size_t len = 0; len < img->len; len++) {
                /* A copy of exactly len bytes: ASan sees any read past it. */
                guint8 *copy = g_memdup2(img->data, MAX(len, 1));
                SnapshotAnswer ans;
                int r = snapshot_reader_lookup_in(copy, len, "host7.lab", AF_UNSPEC, now, &ans);
                cr_assert_eq(r, -EBADMSG, "truncated to %zu bytes: %d", len, r);
                g_free(copy);
        }
        for (size_t pos = 0; pos < img->len; pos++)
                for (unsigned bit = 0; bit < 8; bit += 3) {
                        guint8 *copy = g_memdup2(img->data, img->len);
                        SnapshotAnswer ans;

                        copy[pos] ^= (guint8) (1u << bit);
                        for (int i = 0; i < 20; i += 7) {
                                g_autofree char *name = g_strdup_printf("host%d.lab", i);
                                int r = snapshot_reader_lookup_in(copy, img->len, name, AF_UNSPEC, now, &ans);
                                cr_assert(r == 0 || r == -ENOENT || r == -EBADMSG);
                                if (r == 0) {
                                        cr_assert(ans.n >= 1 && ans.n <= AARP_ADDRESSES_MAX);
                                        cr_assert(strlen(ans.canonical) <= AARP_NAME_MAX + 1);
                                }
                        }
                        g_free(copy);
                }
}

Test(snapshot, file_writable_by_others_is_not_trusted, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autofree char *path = g_build_filename(dir, AARP_SNAPSHOT_NAME, NULL);
        SnapshotAnswer ans;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);
        cr_assert_eq(chmod(path, 0666), 0);
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), -ENOENT);
}

/* ---- the daemon's lock cannot be taken from it ---- */

/* What any user can do with a 0644 file: open it and take a read lock. */
static int take_read_lock(const char *path) {
        struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -1;
        if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* What a reader checks: somebody holds a write lock on the file. */
static gboolean write_locked(const char *path) {
        struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        gboolean locked;

        cr_assert_geq(fd, 0);
        cr_assert_eq(fcntl(fd, F_OFD_GETLK, &lk), 0);
        locked = lk.l_type == F_WRLCK;
        close(fd);
        return locked;
}

Test(snapshot, a_leftover_temporary_file_locked_by_a_user_does_not_steal_the_lock, .init = setup,
     .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autofree char *path = g_build_filename(dir, AARP_SNAPSHOT_NAME, NULL);
        g_autofree char *tmp = g_strconcat(path, ".new", NULL);
        SnapshotAnswer ans;
        int attacker;

        /* names.snapshot.new left behind (a crash mid-write), readable,
         * held open and read-locked by another user. */
        cr_assert(g_file_set_contents(tmp, "x", 1, NULL));
        cr_assert_eq(chmod(tmp, 0644), 0);
        attacker = take_read_lock(tmp);
        cr_assert_geq(attacker, 0);

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);
        cr_assert(write_locked(path), "the published file is not write-locked: readers think the daemon dead");
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &ans), 0,
                     "a reader did not trust the daemon's file");
        close(attacker);
}

typedef struct {
        const char *dir;
        int stop_fd; /* readable: stop */
        GArray *fds; /* read locks taken (on files superseded since, with the fix) */
} Attacker;

/* Open every names.snapshot the moment it is renamed into place and try
 * to read-lock it before the daemon write-locks it. */
static void *attack(void *p) {
        Attacker *at = p;
        g_autofree char *path = g_build_filename(at->dir, AARP_SNAPSHOT_NAME, NULL);
        int in = inotify_init1(IN_CLOEXEC);
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        cr_assert_geq(in, 0);
        cr_assert_geq(inotify_add_watch(in, at->dir, IN_MOVED_TO), 0);
        for (;;) {
                struct pollfd pfd[2] = { { .fd = in, .events = POLLIN }, { .fd = at->stop_fd, .events = POLLIN } };

                if (poll(pfd, 2, -1) < 0 || pfd[1].revents)
                        break;
                if (read(in, buf, sizeof(buf)) <= 0)
                        break;
                int fd = take_read_lock(path);
                if (fd >= 0)
                        g_array_append_val(at->fds, fd);
        }
        close(in);
        return NULL;
}

Test(snapshot, a_reader_racing_with_the_rename_cannot_take_the_lock, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autofree char *path = g_build_filename(dir, AARP_SNAPSHOT_NAME, NULL);
        Attacker at = { .dir = dir, .fds = g_array_new(FALSE, FALSE, sizeof(int)) };
        int stop[2];
        pthread_t t;
        unsigned unlocked = 0;

        cr_assert_eq(pipe2(stop, O_CLOEXEC), 0);
        at.stop_fd = stop[0];
        cr_assert_eq(pthread_create(&t, NULL, attack, &at), 0);
        for (int i = 0; i < 300; i++) {
                g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
                g_autofree char *name = g_strdup_printf("host%d.lab", i);

                snapshot_put(s, name, AF_UNSPEC, a, name, NULL, 60);
                snapshot_sync(s);
                unlocked += !write_locked(path);
        }
        cr_assert_eq(write(stop[1], "x", 1), 1);
        pthread_join(t, NULL);
        cr_assert_eq(unlocked, 0, "%u of 300 published files were left without the daemon's lock", unlocked);
        for (guint i = 0; i < at.fds->len; i++)
                close(g_array_index(at.fds, int, i));
        g_array_unref(at.fds);
        close(stop[0]);
        close(stop[1]);
}

/* ---- what the file shows to everyone ---- */

Test(snapshot, siphash_matches_the_published_test_vectors) {
        /* veorq/SipHash vectors.h: key 00..0f, message 00..(n-1). */
        static const uint8_t want64_0[8] = { 0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72 };
        static const uint8_t want64_8[8] = { 0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93 };
        static const uint8_t want128_0[16] = { 0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6,
                                               0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93 };
        static const uint8_t want128_1[16] = { 0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44,
                                               0x34, 0x76, 0x59, 0x11, 0x9b, 0x22, 0xfc, 0x45 };
        static const uint8_t want128_15[16] = { 0x54, 0x93, 0xe9, 0x99, 0x33, 0xb0, 0xa8, 0x11,
                                                0x7e, 0x08, 0xec, 0x0f, 0x97, 0xcf, 0xc3, 0xd9 };
        uint8_t key[16], msg[64], out[16];

        for (unsigned i = 0; i < 16; i++)
                key[i] = (uint8_t) i;
        for (unsigned i = 0; i < sizeof(msg); i++)
                msg[i] = (uint8_t) i;
        aarp_siphash24(msg, 0, key, out, 8);
        cr_assert_arr_eq(out, want64_0, 8);
        aarp_siphash24(msg, 8, key, out, 8);
        cr_assert_arr_eq(out, want64_8, 8);
        aarp_siphash24(msg, 0, key, out, 16);
        cr_assert_arr_eq(out, want128_0, 16);
        aarp_siphash24(msg, 1, key, out, 16);
        cr_assert_arr_eq(out, want128_1, 16);
        aarp_siphash24(msg, 15, key, out, 16);
        cr_assert_arr_eq(out, want128_15, 16);
}

static gboolean contains(const GByteArray *img, const void *needle, size_t len) {
        return memmem(img->data, img->len, needle, len) != NULL;
}

Test(snapshot, the_file_shows_no_name_canonical_name_or_address_in_clear, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:5ec::1", "198.51.100.77");
        g_autoptr(GByteArray) img = NULL;
        uint8_t a6[16], a4[4];
        SnapshotAnswer ans;

        snapshot_put(s, "Payroll.Example.", AF_UNSPEC, a, "hr-backend.example", NULL, 60);
        snapshot_sync(s);
        img = read_file();
        inet_pton(AF_INET6, "2001:db8:5ec::1", a6);
        inet_pton(AF_INET, "198.51.100.77", a4);
        cr_assert_not(contains(img, "payroll", 7), "the looked-up name is in the file in clear");
        cr_assert_not(contains(img, "hr-backend", 10), "the canonical name is in the file in clear");
        cr_assert_not(contains(img, a6, 16), "the IPv6 address is in the file in clear");
        cr_assert_not(contains(img, a4, 4), "the IPv4 address is in the file in clear");

        /* Whoever asks for the name gets the answer, as before. */
        cr_assert_eq(snapshot_reader_lookup("payroll.example.", AF_UNSPEC, &ans), 0);
        cr_assert_eq(ans.n, 2);
        cr_assert_arr_eq(ans.addresses[0].address, a6, 16);
        cr_assert_str_eq(ans.canonical, "hr-backend.example");
        cr_assert_eq(snapshot_reader_lookup("payroll.example", AF_UNSPEC, &ans), -ENOENT);
        cr_assert_eq(snapshot_reader_lookup("payroll.example.", AF_INET, &ans), -ENOENT);
}

Test(snapshot, every_file_has_a_key_of_its_own, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autoptr(GByteArray) one = NULL;
        g_autoptr(GByteArray) two = NULL;
        const AarpSnapshotHeader *h1, *h2;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);
        one = read_file();
        snapshot_put(s, "other.lab", AF_UNSPEC, a, "other.lab", NULL, 60);
        snapshot_sync(s);
        two = read_file();
        h1 = (const AarpSnapshotHeader *) one->data;
        h2 = (const AarpSnapshotHeader *) two->data;
        cr_assert_eq(h1->version, AARP_SNAPSHOT_VERSION);
        cr_assert(memcmp(h1->key, h2->key, sizeof(h1->key)) != 0, "two files share a key");
}

Test(snapshot, a_file_of_another_version_is_not_read, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autoptr(GByteArray) img = NULL;
        SnapshotAnswer ans;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", NULL, 60);
        snapshot_sync(s);
        img = read_file();
        ((AarpSnapshotHeader *) img->data)->version = 1; /* what a reader of the old format expects */
        cr_assert_eq(snapshot_reader_lookup_in(img->data, img->len, "svc.lab", AF_UNSPEC,
                                               (uint64_t) g_get_monotonic_time(), &ans),
                     -EBADMSG);
}
