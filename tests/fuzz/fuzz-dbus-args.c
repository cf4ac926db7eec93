/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dbus-args.c: the D-Bus method handling of resolverd/serving/
 * (call.c, methods-*.c), end to end.  What matters is the whole path: any
 * local user can send any body to org.aarp.Resolve1, GDBus checks its
 * signature against the introspection data, and the method bodies must
 * answer every call (never drop or assert on one) with a named error for
 * bad arguments.
 *
 * LLVMFuzzerInitialize() runs the real daemon objects (Resolver, Names,
 * Bus) inside this process against a private dbus-daemon, in a network
 * namespace of its own: the probes and DNS queries that valid inputs cause
 * can reach nothing (the new namespace's loopback is even down), so they
 * fail at once and fuzzing sends no traffic anywhere.  It needs root
 * (unshare); without it the target exits 77, which meson counts as a skip.
 *
 * Each input is one method call on the peer-to-peer socket (io.socket),
 * sent with a body built from the input by g_variant_new_from_data() as
 * untrusted serialised data, i.e. as GDBus would take it off the wire:
 *   byte 0 % 4: 0 ResolveAddress (iayt), 1 ResolveHostname (isit),
 *               2 either of them with a signature taken from the input,
 *               3 FlushCaches or ResetStatistics with whatever body;
 *   the rest: [D-Bus signature of the body NUL] body bytes.
 * The reply is waited for and checked against what the API documents.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus.h"
#include "config.h"
#include "errors.h"
#include "fuzz.h"
#include "message-check.h"
#include "names.h"
#include "p2p.h"
#include "resolver.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static GDBusConnection *client;
static GPid bus_pid;
static char *tmpdir;

static void on_fatal(const char *why, gpointer user_data) {
        fprintf(stderr, "fuzz-dbus-args: daemon objects report a fatal error: %s\n", why);
        abort();
}

static void die_with_parent(gpointer user_data) {
        /* The private bus must not outlive a fuzzer that crashed.  This is
         * why the child is spawned with G_SPAWN_DO_NOT_REAP_CHILD: without
         * it GLib forks twice, and the intermediate child's exit would
         * deliver this signal at once. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void cleanup(void) {
        if (bus_pid > 0)
                kill(bus_pid, SIGTERM);
        if (tmpdir) {
                g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
                if (system(cmd) != 0)
                        fprintf(stderr, "fuzz-dbus-args: cannot remove %s\n", tmpdir);
        }
}

static void write_file(const char *dir, const char *name, const char *text) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autoptr(GError) error = NULL;

        if (!g_file_set_contents(path, text, -1, &error)) {
                fprintf(stderr, "fuzz-dbus-args: %s\n", error->message);
                exit(1);
        }
}

static char *start_bus(void) {
        g_autofree char *conf = g_build_filename(tmpdir, "bus.conf", NULL);
        g_autofree char *text = g_strdup_printf(
                "<busconfig><type>system</type><listen>unix:dir=%s</listen>"
                "<auth>EXTERNAL</auth><policy context=\"default\">"
                "<allow user=\"*\"/><allow own=\"*\"/><allow send_destination=\"*\"/>"
                "<allow receive_sender=\"*\"/></policy></busconfig>",
                tmpdir);
        char *argv[] = { "dbus-daemon", "--nofork", "--nopidfile", "--print-address=1", NULL, NULL };
        g_autoptr(GError) error = NULL;
        g_autofree char *config_arg = NULL;
        char line[512];
        int out = -1;
        ssize_t n = 0, r = 0;

        write_file(tmpdir, "bus.conf", text);
        config_arg = g_strdup_printf("--config-file=%s", conf);
        argv[4] = config_arg;
        if (!g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                      die_with_parent, NULL,
                                      &bus_pid, NULL, &out, NULL, &error)) {
                fprintf(stderr, "fuzz-dbus-args: cannot start dbus-daemon: %s\n", error->message);
                exit(1);
        }
        while ((size_t) n < sizeof(line) - 1) {
                r = read(out, line + n, sizeof(line) - 1 - (size_t) n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += r;
                if (memchr(line, '\n', (size_t) n))
                        break;
        }
        int saved = r < 0 ? errno : 0;
        close(out);
        line[n] = '\0';
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0') {
                fprintf(stderr, "fuzz-dbus-args: dbus-daemon printed no address (%s)\n",
                        saved ? strerror(saved) : "end of file");
                exit(1);
        }
        return g_strdup(line);
}

static char *peer_address;

static void on_connected(GObject *source, GAsyncResult *res, gpointer user_data) {
        GError *error = NULL;

        client = g_dbus_connection_new_for_address_finish(res, &error);
        if (!client) {
                fprintf(stderr, "fuzz-dbus-args: cannot connect to io.socket: %s\n", error->message);
                exit(1);
        }
}

static void connect_client(void) {
        g_clear_object(&client);
        g_dbus_connection_new_for_address(peer_address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL,
                                          NULL, on_connected, NULL);
        while (!client)
                g_main_context_iteration(NULL, TRUE);
}

/* Whether io.socket refuses the call as GDBus writes it: it then closes
 * the connection without an answer, as dbus-daemon would.  That is a
 * message over io.socket's size bound (a few input bytes of an array of
 * object paths serialise as tens of KiB of "/"), one that fails validation
 * (a handle, 'h', without descriptors is the case GDBus lets through), or
 * one GDBusMessage cannot read. */
static gboolean refused_by_validation(const char *method, GVariant *body) {
        g_autoptr(GDBusMessage) m = g_dbus_message_new_method_call(NULL, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE,
                                                                   method);
        gsize len = 0;

        g_dbus_message_set_body(m, body);
        g_dbus_message_set_serial(m, 1);
        g_autofree guchar *blob = g_dbus_message_to_blob(m, &len, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
        if (!blob)
                return FALSE;
        if (len > P2P_MESSAGE_SIZE_MAX)
                return TRUE;
        if (!message_check(blob, len, NULL, NULL))
                return TRUE;
        /* p2p.c also closes the connection when GDBusMessage cannot read
         * what passed validation (message-check.c should refuse all of
         * that; fuzz-io-socket checks it). */
        g_autoptr(GDBusMessage) parsed = g_dbus_message_new_from_blob(blob, len, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
        return parsed == NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        static const char conf_text[] = "[Resolve]\nProbeTimeout=10ms\nProbeRetries=0\n";
        g_autoptr(GError) error = NULL;
        static Config *config;
        static Resolver *resolver;
        static Names *names;
        static Bus *bus;

        if (unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "fuzz-dbus-args: needs root for a network namespace of its own "
                                "(unshare: %s); skipped\n", strerror(errno));
                exit(77);
        }
        /* Never reach libnss_aarp (the daemon's own rule, see main.c). */
        g_setenv("AARP_NSS_BYPASS", "1", TRUE);
        tmpdir = g_dir_make_tmp("fuzz-dbus-args-XXXXXX", &error);
        if (!tmpdir) {
                fprintf(stderr, "fuzz-dbus-args: %s\n", error->message);
                exit(1);
        }
        atexit(cleanup);
        write_file(tmpdir, "hosts", "2001:db8::1 anycast.example a\n192.0.2.1 v4.example\n"
                                    "fe80::1%1 ll.example\n");
        write_file(tmpdir, "resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");

        g_autofree char *address = start_bus();
        g_setenv("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);

        config = config_parse(conf_text, sizeof(conf_text) - 1, "fuzz.conf", &error);
        FUZZ_CHECK(config);
        resolver = resolver_new(config, &error);
        if (!resolver) {
                fprintf(stderr, "fuzz-dbus-args: %s\n", error->message);
                exit(1);
        }
        g_autofree char *hosts = g_build_filename(tmpdir, "hosts", NULL);
        g_autofree char *resolv = g_build_filename(tmpdir, "resolv.conf", NULL);
        names = names_new(resolver, hosts, resolv, &error);
        FUZZ_CHECK(names);
        bus = bus_new(resolver, names, config, tmpdir, on_fatal, NULL, &error);
        if (!bus) {
                fprintf(stderr, "fuzz-dbus-args: bus_new: %s\n", error->message);
                exit(1);
        }

        g_autofree char *socket = g_build_filename(tmpdir, AARP_IO_SOCKET_NAME, NULL);
        g_autofree char *escaped = g_dbus_address_escape_value(socket);
        peer_address = g_strdup_printf("unix:path=%s", escaped);
        connect_client();
        return 0;
}

typedef struct {
        gboolean done;
        GVariant *reply;
        GError *error;
} Reply;

static void on_reply(GObject *source, GAsyncResult *res, gpointer user_data) {
        Reply *r = user_data;

        r->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &r->error);
        r->done = TRUE;
}

/* What an error reply may be: one of ours, or GDBus's own refusal of a
 * body that does not match the introspected signature. */
static void check_error(const GError *e, const char *method) {
        if (e->domain == AARP_ERROR) {
                FUZZ_CHECK(e->code == AARP_E_INVALID_ADDRESS || e->code == AARP_E_INVALID_FLAGS ||
                           e->code == AARP_E_INVALID_INTERFACE || e->code == AARP_E_INVALID_NAME ||
                           e->code == AARP_E_INVALID_FAMILY || e->code == AARP_E_NO_SUCH_NAME ||
                           e->code == AARP_E_NO_DATA || e->code == AARP_E_TEMPORARY_FAILURE ||
                           e->code == AARP_E_INVALID_ARGUMENT || e->code == AARP_E_LIMIT_EXCEEDED);
                return;
        }
        if (g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS))
                return;
        fprintf(stderr, "fuzz-dbus-args: %s: unexpected error %s %d: %s\n", method,
                g_quark_to_string(e->domain), e->code, e->message);
        abort();
}

static const char *const methods[] = { "ResolveAddress", "ResolveHostname", "FlushCaches",
                                       "ResetStatistics" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FuzzInput in = { data, size };
        uint8_t sel = fuzz_u8(&in);
        const char *method, *type = NULL;
        g_autofree char *signature = NULL;

        switch (sel % 4) {
        case 0:
                method = methods[0];
                type = "(iayt)";
                break;
        case 1:
                method = methods[1];
                type = "(isit)";
                break;
        default:
                method = sel % 4 == 2 ? methods[(sel >> 2) & 1] : methods[2 + ((sel >> 2) & 1)];
                {
                        const uint8_t *nul = memchr(in.data, '\0', in.size);
                        if (!nul)
                                return 0;
                        signature = g_strndup((const char *) in.data, (gsize) (nul - in.data));
                        in.size -= (size_t) (nul - in.data) + 1;
                        in.data = nul + 1;
                }
                /* The input names the body's D-Bus signature; the body is
                 * the tuple of it.  Anything that is no D-Bus signature
                 * (GVariant-only types such as maybe or indefinite ones)
                 * could not come off the wire. */
                if (!g_variant_is_signature(signature))
                        return 0;
                {
                        char *tuple = g_strdup_printf("(%s)", signature);
                        g_free(signature);
                        signature = tuple;
                }
                /* Nested deeper than GVariant allows (a D-Bus signature
                 * may be; 255 characters of 'a'): GDBus could not
                 * represent such a body to send it. */
                if (!g_variant_type_string_is_valid(signature))
                        return 0;
                /* Nor past the D-Bus specification's 32 nested arrays or
                 * structs (GLib's own serialiser asserts on 150 nested
                 * arrays): a message no client can send. */
                {
                        unsigned arrays = 0, structs = 0;
                        for (const char *p = signature; *p; p++) {
                                arrays += *p == 'a';
                                structs += *p == '(' || *p == '{';
                        }
                        if (arrays > 32 || structs > 32 + 1)
                                return 0;
                }
                type = signature;
                break;
        }

        /* Copy the body into GLib's memory: GVariant keeps a reference to
         * it beyond this call only through the bytes object. */
        g_autoptr(GBytes) bytes = g_bytes_new(in.data, in.size);
        GVariant *body = g_variant_ref_sink(
                g_variant_new_from_bytes(G_VARIANT_TYPE(type), bytes, FALSE));
        Reply r = { 0 };
        gboolean refused = refused_by_validation(method, body);

        g_dbus_connection_call(client, NULL, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE, method,
                               body, NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_reply, &r);
        while (!r.done)
                g_main_context_iteration(NULL, TRUE);

        /* GDBus refused to serialise the body (an empty struct inside,
         * say): nothing was sent, and nobody could send it. */
        if (g_error_matches(r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
                goto out;
        /* What io.socket refuses goes unanswered, on a closed connection;
         * whatever it accepts is answered on an open one. */
        if (refused != g_error_matches(r.error, G_IO_ERROR, G_IO_ERROR_CLOSED)) {
                fprintf(stderr, "fuzz-dbus-args: %s(%s): %s\n", method, type,
                        refused ? "refused, yet answered" : "accepted, yet the connection was closed");
                abort();
        }
        if (refused) {
                connect_client();
                goto out;
        }
        if (r.error) {
                check_error(r.error, method);
                /* Argument errors are decided by the body alone; recompute
                 * the documented checks for the two fixed signatures. */
                if (type == signature || r.error->domain != AARP_ERROR)
                        goto out;
                gint32 ifindex = 0;
                guint64 flags = 0;
                g_variant_get_child(body, 0, "i", &ifindex);
                g_variant_get_child(body, sel % 4 == 0 ? 2 : 3, "t", &flags);
                if (flags & ~(guint64) AARP_FLAGS_INPUT_MASK)
                        FUZZ_CHECK(r.error->code == AARP_E_INVALID_FLAGS);
                else if (ifindex < 0)
                        FUZZ_CHECK(r.error->code == AARP_E_INVALID_INTERFACE);
        } else {
                FUZZ_CHECK(r.reply);
                if (strcmp(method, "ResolveAddress") == 0) {
                        g_autoptr(GVariant) unicast = NULL;
                        guint64 flags = 0;
                        guint32 ttl = 0;
                        guint64 rtt = 0;

                        FUZZ_CHECK(g_variant_is_of_type(r.reply, G_VARIANT_TYPE("(aytut)")));
                        g_variant_get(r.reply, "(@aytut)", &unicast, &flags, &ttl, &rtt);
                        gsize n = g_variant_n_children(unicast);
                        FUZZ_CHECK(n == 4 || n == 16);
                        /* Only documented output bits. */
                        FUZZ_CHECK((flags & ~(guint64) (AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE |
                                                        AARP_FLAG_NO_REPLY | AARP_FLAG_UNICAST |
                                                        AARP_FLAG_NOT_PROBED)) == 0);
                } else if (strcmp(method, "ResolveHostname") == 0) {
                        FUZZ_CHECK(g_variant_is_of_type(r.reply, G_VARIANT_TYPE("(a(iiay)st)")));
                        g_autoptr(GVariant) list = g_variant_get_child_value(r.reply, 0);
                        FUZZ_CHECK(g_variant_n_children(list) >= 1);
                        FUZZ_CHECK(g_variant_n_children(list) <= AARP_ADDRESSES_MAX);
                }
        }
out:
        g_clear_error(&r.error);
        g_clear_pointer(&r.reply, g_variant_unref);
        g_variant_unref(body);
        return 0;
}
