/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.snapshot end to end: the daemon's writer (resolverd/snapshot.c)
 * publishes, the NSS module's reader (client/snapshot-reader.c) answers;
 * and no truncated or corrupted file is ever trusted or crashes the reader.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
        BusAddress *out = NULL;
        size_t n = 0;
        char *canonical = NULL;
        uint32_t ttl = 0;
        struct in6_addr want;

        cr_assert_not_null(s, "%s", e ? e->message : "");
        snapshot_put(s, "Svc.Lab.", AF_UNSPEC, a, "svc.lab", 60);
        snapshot_sync(s);

        /* An absolute name: the relative one is another question. */
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &out, &n, &canonical, &ttl), -ENOENT);
        cr_assert_eq(snapshot_reader_lookup("svc.LAB.", AF_UNSPEC, &out, &n, &canonical, &ttl), 0);
        cr_assert_eq(n, 2);
        inet_pton(AF_INET6, "2001:db8:11::2", &want);
        cr_assert_eq(out[0].family, AF_INET6);
        cr_assert_arr_eq(out[0].address, &want, 16);
        cr_assert_eq(out[1].family, AF_INET);
        cr_assert_str_eq(canonical, "svc.lab");
        cr_assert(ttl > 0 && ttl <= 60);
        free(out);
        free(canonical);

        /* The family is part of the key. */
        cr_assert_eq(snapshot_reader_lookup("svc.lab.", AF_INET6, &out, &n, NULL, NULL), -ENOENT);
        cr_assert_eq(snapshot_reader_lookup("other.lab", AF_UNSPEC, &out, &n, NULL, NULL), -ENOENT);
}

Test(snapshot, flush_is_seen_by_a_reader_that_mapped_the_old_file, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        BusAddress *out = NULL;
        size_t n = 0;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", 60);
        snapshot_sync(s);
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &out, &n, NULL, NULL), 0);
        free(out);
        snapshot_flush(s);
        /* No new file yet: the old one is superseded, so no answer. */
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &out, &n, NULL, NULL), -ENOENT);
        snapshot_sync(s);
        snapshot_reader_reset();
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &out, &n, NULL, NULL), -ENOENT);
}

Test(snapshot, expired_answer_is_a_miss, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autoptr(GByteArray) img = NULL;
        BusAddress *out = NULL;
        size_t n = 0;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", 2);
        snapshot_sync(s);
        img = read_file();
        cr_assert_eq(snapshot_reader_lookup_in(img->data, img->len, "svc.lab", AF_UNSPEC,
                                               (uint64_t) g_get_monotonic_time(), &out, &n, NULL, NULL), 0);
        free(out);
        cr_assert_eq(snapshot_reader_lookup_in(img->data, img->len, "svc.lab", AF_UNSPEC,
                                               (uint64_t) g_get_monotonic_time() + 3 * G_USEC_PER_SEC, &out, &n,
                                               NULL, NULL),
                     -ENOENT);
}

Test(snapshot, every_truncation_and_byte_flip_is_rejected_or_harmless, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GByteArray) img = NULL;
        uint64_t now = (uint64_t) g_get_monotonic_time();

        for (int i = 0; i < 20; i++) {
                g_autoptr(GArray) a = addresses("2001:db8:11::2", "192.0.2.10");
                g_autofree char *name = g_strdup_printf("host%d.lab", i);
                snapshot_put(s, name, AF_UNSPEC, a, name, 60);
        }
        snapshot_sync(s);
        img = read_file();

        for (size_t len = 0; len < img->len; len++) {
                /* A copy of exactly len bytes: ASan sees any read past it. */
                guint8 *copy = g_memdup2(img->data, MAX(len, 1));
                BusAddress *out = NULL;
                size_t n = 0;
                int r = snapshot_reader_lookup_in(copy, len, "host7.lab", AF_UNSPEC, now, &out, &n, NULL, NULL);
                cr_assert_eq(r, -EBADMSG, "truncated to %zu bytes: %d", len, r);
                g_free(copy);
        }
        for (size_t pos = 0; pos < img->len; pos++)
                for (unsigned bit = 0; bit < 8; bit += 3) {
                        guint8 *copy = g_memdup2(img->data, img->len);
                        BusAddress *out = NULL;
                        size_t n = 0;
                        char *canonical = NULL;

                        copy[pos] ^= (guint8) (1u << bit);
                        for (int i = 0; i < 20; i += 7) {
                                g_autofree char *name = g_strdup_printf("host%d.lab", i);
                                int r = snapshot_reader_lookup_in(copy, img->len, name, AF_UNSPEC, now, &out, &n,
                                                                  &canonical, NULL);
                                cr_assert(r == 0 || r == -ENOENT || r == -EBADMSG);
                                if (r == 0) {
                                        cr_assert(n >= 1 && n <= AARP_ADDRESSES_MAX);
                                        free(out);
                                        free(canonical);
                                }
                        }
                        g_free(copy);
                }
}

Test(snapshot, file_writable_by_others_is_not_trusted, .init = setup, .fini = teardown) {
        g_autoptr(Snapshot) s = snapshot_new(dir, NULL);
        g_autoptr(GArray) a = addresses("2001:db8:11::2", NULL);
        g_autofree char *path = g_build_filename(dir, AARP_SNAPSHOT_NAME, NULL);
        BusAddress *out = NULL;
        size_t n = 0;

        snapshot_put(s, "svc.lab", AF_UNSPEC, a, "svc.lab", 60);
        snapshot_sync(s);
        cr_assert_eq(chmod(path, 0666), 0);
        cr_assert_eq(snapshot_reader_lookup("svc.lab", AF_UNSPEC, &out, &n, NULL, NULL), -ENOENT);
}
