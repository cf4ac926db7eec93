/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolverd/nscd.c against a stand-in for nscd's socket: the INVALIDATE
 * request is glibc's (nscd/nscd-client.h), requests made while one is in
 * flight coalesce into one more, an absent or silent nscd costs nothing
 * but the bound, and a non-root daemon rewrites the trigger file instead.
 */
#include <criterion/criterion.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nscd.h"

static char *dir, *sock_path, *trigger_path;
static int listener = -1;

static void setup(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        dir = g_dir_make_tmp("aarp-nscd-XXXXXX", NULL);
        cr_assert_not_null(dir);
        sock_path = g_build_filename(dir, "socket", NULL);
        trigger_path = g_build_filename(dir, "nscd-invalidate", NULL);
        g_strlcpy(sa.sun_path, sock_path, sizeof(sa.sun_path));
        listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        cr_assert(listener >= 0);
        cr_assert_eq(bind(listener, (struct sockaddr *) &sa, sizeof(sa)), 0);
        cr_assert_eq(listen(listener, 8), 0);
}

static void teardown(void) {
        if (listener >= 0)
                close(listener);
        g_unlink(sock_path);
        g_unlink(trigger_path);
        g_rmdir(dir);
        g_free(sock_path);
        g_free(trigger_path);
        g_free(dir);
}

static void spin(guint msec) {
        gint64 until = g_get_monotonic_time() + msec * 1000;

        while (g_get_monotonic_time() < until)
                g_main_context_iteration(NULL, FALSE);
}

/* Accept one request as nscd would, check it, answer @status. */
static void serve_one(int32_t status) {
        uint8_t buf[64];
        int32_t header[3];
        int fd = accept(listener, NULL, NULL);
        ssize_t n;

        cr_assert(fd >= 0);
        n = recv(fd, buf, sizeof(buf), 0);
        cr_assert_eq(n, 18, "INVALIDATE hosts is 18 bytes, got %zd", n);
        memcpy(header, buf, sizeof(header));
        cr_assert_eq(header[0], 2, "NSCD_VERSION");
        cr_assert_eq(header[1], 10, "INVALIDATE");
        cr_assert_eq(header[2], 6);
        cr_assert_eq(memcmp(buf + 12, "hosts", 6), 0);
        cr_assert_eq(send(fd, &status, sizeof(status), 0), (ssize_t) sizeof(status));
        close(fd);
}

static gboolean pending_connection(void) {
        fd_set set;
        struct timeval tv = { 0, 0 };

        FD_ZERO(&set);
        FD_SET(listener, &set);
        return select(listener + 1, &set, NULL, NULL, &tv) == 1;
}

TestSuite(nscd, .init = setup, .fini = teardown);

Test(nscd, sends_glibc_invalidate_hosts_and_counts_the_answer) {
        g_autoptr(NscdFlush) f = nscd_flush_new(sock_path, trigger_path);

        nscd_flush_set_as_root_for_test(f, TRUE);
        nscd_flush_hosts(f);
        serve_one(0);
        spin(100);
        cr_assert_eq(nscd_flush_count(f), 1);
}

Test(nscd, requests_during_one_in_flight_make_exactly_one_more) {
        g_autoptr(NscdFlush) f = nscd_flush_new(sock_path, trigger_path);

        nscd_flush_set_as_root_for_test(f, TRUE);
        nscd_flush_hosts(f);
        nscd_flush_hosts(f);
        nscd_flush_hosts(f);
        nscd_flush_hosts(f);
        serve_one(0);
        spin(100);
        cr_assert(pending_connection(), "no request after the one in flight");
        serve_one(0);
        spin(100);
        cr_assert_not(pending_connection(), "more than one request followed");
        cr_assert_eq(nscd_flush_count(f), 2);
}

Test(nscd, refusal_and_silence_are_survived) {
        g_autoptr(NscdFlush) f = nscd_flush_new(sock_path, trigger_path);

        nscd_flush_set_as_root_for_test(f, TRUE);
        nscd_flush_hosts(f);
        serve_one(1); /* EPERM: not root, as nscd sees it */
        spin(100);
        cr_assert_eq(nscd_flush_count(f), 0);
        /* Never answered: given up after the bound, and the next goes out. */
        nscd_flush_hosts(f);
        spin(1300);
        cr_assert(pending_connection());
        nscd_flush_hosts(f);
        cr_assert_eq(nscd_flush_count(f), 0);
}

Test(nscd, no_nscd_is_not_an_error) {
        g_autofree char *missing = g_build_filename(dir, "no-such-socket", NULL);
        g_autoptr(NscdFlush) f = nscd_flush_new(missing, trigger_path);

        nscd_flush_set_as_root_for_test(f, TRUE);
        nscd_flush_hosts(f);
        nscd_flush_hosts(f); /* nothing in flight: tried again at once */
        spin(50);
        cr_assert_eq(nscd_flush_count(f), 0);
}

Test(nscd, not_root_rewrites_the_trigger_file_at_most_ten_times_a_second) {
        g_autoptr(NscdFlush) f = nscd_flush_new(sock_path, trigger_path);
        GStatBuf st;

        nscd_flush_set_as_root_for_test(f, FALSE);
        nscd_flush_hosts(f);
        cr_assert_eq(g_stat(trigger_path, &st), 0, "no trigger file");
        cr_assert_not(pending_connection(), "a non-root daemon talked to nscd");
        cr_assert_eq(nscd_flush_count(f), 1);
        nscd_flush_hosts(f);
        nscd_flush_hosts(f);
        cr_assert_eq(nscd_flush_count(f), 1, "rewritten again within 100 ms");
        spin(250);
        cr_assert_eq(nscd_flush_count(f), 2, "the changes after the first were not passed on once");
}
