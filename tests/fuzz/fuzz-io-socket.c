/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-io-socket.c: raw bytes into io.socket, through the daemon's whole
 * input path.
 *
 * The daemon's io.socket half (p2p.c's framing and validation, wire.c's
 * fast path, GDBusMessage and bus-peer.c's dispatch, the resolver and name engine
 * behind them) runs here as in aarp-resolved, without a bus daemon.  Each
 * input is a new connection: the SASL handshake as a client sends it, then
 * the input's bytes unchanged, header fields included, then end of file.  A
 * crash, a sanitizer report or a hang is a finding.
 *
 * Before that, the input's first message is checked differentially: what
 * message_check() accepts, GDBusMessage must accept too and read the same
 * way (a method call with its path and member; a body of the signature).
 *
 * Probes and DNS queries the daemon sends must go nowhere: the target moves
 * itself into a network namespace of its own, whose only interface, the
 * loopback, is down.  That needs root; without it the target exits 77,
 * which meson counts as a skip (and tests/run-tests.sh as a failure).
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus.h"
#include "config.h"
#include "fuzz.h"
#include "message-check.h"
#include "names.h"
#include "resolver.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *runtime_dir;
static char socket_path[108];

static void cleanup(void) {
        if (runtime_dir) {
                g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", runtime_dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "fuzz-io-socket: cannot remove %s\n", runtime_dir);
        }
}

static void on_fatal(const char *why, gpointer user_data) {
        fprintf(stderr, "fuzz-io-socket: daemon objects report a fatal error: %s\n", why);
        abort();
}

static void write_file(const char *dir, const char *name, const char *text, char **ret_path) {
        char *path = g_build_filename(dir, name, NULL);

        if (!g_file_set_contents(path, text, -1, NULL)) {
                fprintf(stderr, "fuzz-io-socket: cannot write %s\n", path);
                abort();
        }
        *ret_path = path;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        static Config *config;
        static Resolver *resolver;
        static Names *names;
        static Bus *bus;
        char *hosts, *resolv_conf;
        GError *error = NULL;

        static const char conf_text[] = "[Resolve]\nProbeTimeout=10ms\nProbeRetries=0\n";

        if (unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "fuzz-io-socket: needs root for a network namespace of its own "
                                "(unshare: %s); skipped\n", strerror(errno));
                exit(77);
        }
        g_setenv("AARP_NSS_BYPASS", "1", TRUE);
        runtime_dir = g_dir_make_tmp("fuzz-io-socket-XXXXXX", NULL);
        if (!runtime_dir)
                abort();
        atexit(cleanup);
        write_file(runtime_dir, "hosts", "2001:db8::1 fuzzhost fuzzhost.lab\n127.0.0.1 localhost\n", &hosts);
        write_file(runtime_dir, "resolv.conf", "nameserver 127.0.0.1\nsearch lab\noptions timeout:1 attempts:1\n", &resolv_conf);
        config = config_parse(conf_text, sizeof(conf_text) - 1, "fuzz.conf", &error);
        FUZZ_CHECK(config);
        resolver = resolver_new(config, &error);
        if (!resolver) {
                fprintf(stderr, "fuzz-io-socket: %s\n", error->message);
                abort();
        }
        names = names_new(resolver, hosts, resolv_conf, &error);
        if (!names) {
                fprintf(stderr, "fuzz-io-socket: %s\n", error->message);
                abort();
        }
        bus = bus_new_peer_only(resolver, names, config, runtime_dir, on_fatal, NULL, &error);
        if (!bus) {
                fprintf(stderr, "fuzz-io-socket: %s\n", error->message);
                abort();
        }
        g_snprintf(socket_path, sizeof(socket_path), "%s/%s", runtime_dir, AARP_IO_SOCKET_NAME);
        g_free(hosts);
        g_free(resolv_conf);
        return 0;
}

/* What message_check() accepts, GDBusMessage reads the same way. */
static void check_first_message(const uint8_t *data, size_t size) {
        MessageInfo info;
        gssize needed;

        if (size < 16)
                return;
        needed = g_dbus_message_bytes_needed((guchar *) data, 16, NULL);
        if (needed < 16 || (size_t) needed > size || !message_check(data, (size_t) needed, &info, NULL))
                return;
        GDBusMessage *m = g_dbus_message_new_from_blob((guchar *) data, (gsize) needed, G_DBUS_CAPABILITY_FLAGS_NONE,
                                                       NULL);
        FUZZ_CHECK(m != NULL);
        FUZZ_CHECK((int) g_dbus_message_get_message_type(m) == info.type);
        FUZZ_CHECK(g_dbus_message_get_serial(m) == info.serial);
        if (info.type == G_DBUS_MESSAGE_TYPE_METHOD_CALL) {
                FUZZ_CHECK(g_strcmp0(g_dbus_message_get_path(m), info.path) == 0);
                FUZZ_CHECK(g_strcmp0(g_dbus_message_get_member(m), info.member) == 0);
                FUZZ_CHECK(g_strcmp0(g_dbus_message_get_interface(m), info.interface) == 0);
        }
        GVariant *body = g_dbus_message_get_body(m);
        if (body) {
                const char *t = g_variant_get_type_string(body);
                size_t n = strlen(t);
                FUZZ_CHECK(n >= 2 && strncmp(t + 1, info.signature, n - 2) == 0 && strlen(info.signature) == n - 2);
        } else
                FUZZ_CHECK(*info.signature == 0);
        g_object_unref(m);
}

/* Runs the daemon's main loop until it has nothing to do at once. */
static void settle(void) {
        for (unsigned i = 0; i < 1000 && g_main_context_iteration(NULL, FALSE); i++)
                ;
}

static size_t received;

static void drain(int fd) {
        guint8 buf[65536];
        ssize_t n;

        while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
                received += (size_t) n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char hello[64];
        size_t hello_len, sent = 0;
        int fd;

        if (size > 256 * 1024)
                return 0;
        check_first_message(data, size);
        received = 0;

        strcpy(sa.sun_path, socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        FUZZ_CHECK(fd >= 0);
        FUZZ_CHECK(connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0);
        {
                /* SASL EXTERNAL with our uid in hex of its decimal digits. */
                char uid[16], *hex = hello;
                int n = g_snprintf(uid, sizeof(uid), "%u", (unsigned) getuid());
                hello[0] = 0;
                hex = hello + 1;
                hex += sprintf(hex, "AUTH EXTERNAL ");
                for (int i = 0; i < n; i++)
                        hex += sprintf(hex, "%02x", (unsigned char) uid[i]);
                hex += sprintf(hex, "\r\nBEGIN\r\n");
                hello_len = (size_t) (hex - hello);
        }
        FUZZ_CHECK(write(fd, hello, hello_len) == (ssize_t) hello_len);

        /* Feed the input as the daemon takes it, reading (and dropping)
         * what it answers; bounded, so a daemon that stops reading is a
         * hang only if it never closes. */
        for (unsigned round = 0; round < 100000 && sent < size; round++) {
                ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
                if (n > 0)
                        sent += (size_t) n;
                else if (n < 0 && errno != EAGAIN && errno != EINTR)
                        break; /* the daemon disconnected us: a valid answer to bad input */
                settle();
                drain(fd);
        }
        settle();
        drain(fd);
        if (g_getenv("FUZZ_IO_SOCKET_VERBOSE"))
                fprintf(stderr, "fuzz-io-socket: %zu of %zu bytes taken, %zu bytes answered\n", sent, size,
                        received);
        close(fd);
        settle();
        return 0;
}
