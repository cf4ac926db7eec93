/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-dbus.c: a small GIO client of org.aarp.Resolve1 for the lab tests.
 *
 *   lab-dbus call METHOD 'GVARIANT-TUPLE'
 *       Send METHOD on org.aarp.Resolve1.Manager with the parameters parsed
 *       from GVariant text, e.g. "(0, [byte 1, 2, 3], uint64 0)" or, for a
 *       wrong signature on purpose, "('x',)".  Prints the reply tuple and
 *       exits 0, or prints "ERROR <D-Bus error name>: <message>" and exits 1.
 *       (busctl prints only the message of an error, not its name.)
 *
 *   lab-dbus burst BASE COUNT EXPECT [FLAGS_MASK] [CONNECTIONS] [NO_CACHE]
 *       Resolve the COUNT addresses BASE+1 .. BASE+COUNT (added to the last
 *       32 bits) all at once, spread over CONNECTIONS bus connections
 *       (default 1), and check each answer: the unicast must equal EXPECT,
 *       or the queried address itself if EXPECT is "self", and every bit of
 *       FLAGS_MASK (default 0) must be set.  Prints
 *       "sent N ok N wrong N errors N elapsed_ms N" plus the first few
 *       failures, and exits 0 only if all N were answered correctly.
 *       With LAB_DBUS_SAME=1 all COUNT calls ask for BASE+1.  With
 *       LAB_DBUS_BATCH=N the addresses go N at a time in ResolveAddresses
 *       calls instead of one ResolveAddress call each.
 *
 * The bus is the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured), or with
 * LAB_DBUS_PEER=unix:path=... the daemon's peer-to-peer socket.
 */
#include <arpa/inet.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aarp-def.h"

#define CALL_TIMEOUT_MSEC 60000

typedef struct {
        unsigned pending, ok, wrong, errors, reported;
        struct in6_addr expect;
        gboolean expect_self;
        guint64 mask;
        GMainLoop *loop;
} Burst;

typedef struct {
        Burst *burst;
        struct in6_addr address;
} Query;

/* A ResolveAddresses call of a batch burst: its addresses, in order. */
typedef struct {
        Burst *burst;
        unsigned n;
        struct in6_addr addresses[];
} BatchQuery;

static void report(Burst *b, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void report(Burst *b, const char *fmt, ...) {
        va_list ap;

        if (b->reported++ >= 10)
                return;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
}

/* Check one (aytut) answer for @asked. */
static void check_answer(Burst *b, const struct in6_addr *asked_addr, GVariant *answer) {
        g_autoptr(GVariant) ay = NULL;
        const struct in6_addr *want_addr = b->expect_self ? asked_addr : &b->expect;
        char want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN] = "?", asked[INET6_ADDRSTRLEN];
        guint64 flags;
        guint32 ttl;
        guint64 rtt;
        gsize len = 0;
        const void *bytes;

        g_variant_get(answer, "(@aytut)", &ay, &flags, &ttl, &rtt);
        bytes = g_variant_get_fixed_array(ay, &len, 1);
        if (len == 16)
                inet_ntop(AF_INET6, bytes, got, sizeof(got));
        inet_ntop(AF_INET6, want_addr, want, sizeof(want));
        inet_ntop(AF_INET6, asked_addr, asked, sizeof(asked));
        if (len == 16 && memcmp(bytes, want_addr, 16) == 0 && (flags & b->mask) == b->mask) {
                b->ok++;
        } else {
                b->wrong++;
                report(b, "lab-dbus: %s: got %s flags 0x%" G_GINT64_MODIFIER "x, want %s with flags 0x%" G_GINT64_MODIFIER "x\n",
                       asked, got, flags, want, b->mask);
        }
}

static void on_reply(GObject *source, GAsyncResult *res, gpointer user_data) {
        Query *q = user_data;
        Burst *b = q->burst;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        char asked[INET6_ADDRSTRLEN];

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (!reply) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);
                inet_ntop(AF_INET6, &q->address, asked, sizeof(asked));
                b->errors++;
                report(b, "lab-dbus: %s: error %s: %s\n", asked, name ? name : "(local)",
                       error->message);
        } else
                check_answer(b, &q->address, reply);
        g_free(q);
        if (--b->pending == 0)
                g_main_loop_quit(b->loop);
}

static void on_batch_reply(GObject *source, GAsyncResult *res, gpointer user_data) {
        BatchQuery *q = user_data;
        Burst *b = q->burst;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

        if (!reply) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);
                b->errors += q->n;
                report(b, "lab-dbus: batch of %u: error %s: %s\n", q->n, name ? name : "(local)", error->message);
        } else {
                g_autoptr(GVariant) answers = g_variant_get_child_value(reply, 0);

                if (g_variant_n_children(answers) != q->n) {
                        b->wrong += q->n;
                        report(b, "lab-dbus: batch of %u: %zu answers\n", q->n, g_variant_n_children(answers));
                } else
                        for (unsigned i = 0; i < q->n; i++) {
                                g_autoptr(GVariant) a = g_variant_get_child_value(answers, i);
                                check_answer(b, &q->addresses[i], a);
                        }
        }
        b->pending -= q->n;
        g_free(q);
        if (b->pending == 0)
                g_main_loop_quit(b->loop);
}

/* LAB_DBUS_PEER=ADDRESS talks to the daemon's peer-to-peer socket instead
 * of the bus (no bus name, no Hello). */
static const char *peer_address(void) {
        const char *p = g_getenv("LAB_DBUS_PEER");
        return p && *p ? p : NULL;
}

static GDBusConnection *bus_connect(GError **error) {
        g_autofree char *address = NULL;

        if (peer_address())
                return g_dbus_connection_new_for_address_sync(
                        peer_address(), G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL,
                        error);
        address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, error);

        if (!address)
                return NULL;
        /* A private connection each time, so a burst can spread its calls
         * over several connections (dbus-daemon limits pending replies per
         * connection). */
        return g_dbus_connection_new_for_address_sync(
                address,
                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, error);
}

static int do_call(const char *method, const char *text) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) bus = bus_connect(&error);
        g_autoptr(GVariant) params = NULL, reply = NULL;
        g_autofree char *printed = NULL;

        if (!bus) {
                fprintf(stderr, "lab-dbus: cannot connect: %s\n", error->message);
                return 2;
        }
        params = g_variant_parse(NULL, text, NULL, NULL, &error);
        if (!params || !g_variant_is_of_type(params, G_VARIANT_TYPE_TUPLE)) {
                fprintf(stderr, "lab-dbus: bad parameters '%s': %s\n", text,
                        error ? error->message : "not a tuple");
                return 2;
        }
        reply = g_dbus_connection_call_sync(bus, peer_address() ? NULL : AARP_BUS_NAME, AARP_OBJECT_PATH,
                                            AARP_MANAGER_INTERFACE, method,
                                            params, NULL,
                                            G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MSEC,
                                            NULL, &error);
        if (!reply) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);
                g_dbus_error_strip_remote_error(error);
                printf("ERROR %s: %s\n", name ? name : "(local)", error->message);
                return 1;
        }
        printed = g_variant_print(reply, TRUE);
        printf("%s\n", printed);
        return 0;
}

static int do_burst(int argc, char **argv) {
        Burst b = { 0 };
        struct in6_addr base;
        unsigned count, nconn = 1;
        guint64 in_flags = 0;
        g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func(g_object_unref);
        gint64 start;
        /* LAB_DBUS_SAME=1: every call asks for BASE+1 (shared probes). */
        gboolean same = g_strcmp0(g_getenv("LAB_DBUS_SAME"), "1") == 0;
        /* LAB_DBUS_BATCH=N: N addresses per ResolveAddresses call. */
        unsigned batch = g_getenv("LAB_DBUS_BATCH") ? (unsigned) strtoul(g_getenv("LAB_DBUS_BATCH"), NULL, 0) : 0;

        if (argc < 4 || inet_pton(AF_INET6, argv[2], &base) != 1) {
                fprintf(stderr, "lab-dbus: burst BASE COUNT EXPECT [MASK] [CONNECTIONS] [NO_CACHE]\n");
                return 2;
        }
        count = (unsigned) strtoul(argv[3], NULL, 0);
        if (strcmp(argv[4], "self") == 0)
                b.expect_self = TRUE;
        else if (inet_pton(AF_INET6, argv[4], &b.expect) != 1) {
                fprintf(stderr, "lab-dbus: bad EXPECT '%s'\n", argv[4]);
                return 2;
        }
        if (argc > 5)
                b.mask = g_ascii_strtoull(argv[5], NULL, 0);
        if (argc > 6)
                nconn = (unsigned) strtoul(argv[6], NULL, 0);
        if (argc > 7 && strcmp(argv[7], "1") == 0)
                in_flags = AARP_FLAG_NO_CACHE;
        if (count == 0 || nconn == 0 || nconn > 256)
                return 2;

        for (unsigned i = 0; i < nconn; i++) {
                g_autoptr(GError) error = NULL;
                GDBusConnection *c = bus_connect(&error);
                if (!c) {
                        fprintf(stderr, "lab-dbus: cannot connect: %s\n", error->message);
                        return 2;
                }
                g_ptr_array_add(conns, c);
        }

        b.loop = g_main_loop_new(NULL, FALSE);
        start = g_get_monotonic_time();
        for (unsigned i = 1; i <= count && batch > 0; i += batch) {
                unsigned n = MIN(batch, count - i + 1);
                BatchQuery *q = g_malloc0(sizeof(BatchQuery) + n * sizeof(struct in6_addr));
                GVariantBuilder addresses;

                q->burst = &b;
                q->n = n;
                g_variant_builder_init(&addresses, G_VARIANT_TYPE("aay"));
                for (unsigned k = 0; k < n; k++) {
                        guint32 low;

                        q->addresses[k] = base;
                        memcpy(&low, &q->addresses[k].s6_addr[12], 4);
                        low = htonl(ntohl(low) + (same ? 1 : i + k));
                        memcpy(&q->addresses[k].s6_addr[12], &low, 4);
                        g_variant_builder_add_value(&addresses, g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
                                                                                        &q->addresses[k], 16, 1));
                }
                b.pending += n;
                g_dbus_connection_call(conns->pdata[(i / batch) % nconn], peer_address() ? NULL : AARP_BUS_NAME,
                                       AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE, "ResolveAddresses",
                                       g_variant_new("(iaayt)", 0, &addresses, in_flags),
                                       G_VARIANT_TYPE("(a(aytut))"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       CALL_TIMEOUT_MSEC, NULL, on_batch_reply, q);
        }
        for (unsigned i = 1; i <= count && batch == 0; i++) {
                Query *q = g_new0(Query, 1);
                guint32 low;

                q->burst = &b;
                q->address = base;
                memcpy(&low, &q->address.s6_addr[12], 4);
                low = htonl(ntohl(low) + (same ? 1 : i));
                memcpy(&q->address.s6_addr[12], &low, 4);
                b.pending++;
                g_dbus_connection_call(
                        conns->pdata[i % nconn], peer_address() ? NULL : AARP_BUS_NAME, AARP_OBJECT_PATH,
                        AARP_MANAGER_INTERFACE, "ResolveAddress",
                        g_variant_new("(i@ayt)", 0,
                                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, &q->address,
                                                                16, 1),
                                      in_flags),
                        G_VARIANT_TYPE("(aytut)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                        CALL_TIMEOUT_MSEC, NULL, on_reply, q);
        }
        g_main_loop_run(b.loop);
        g_main_loop_unref(b.loop);
        printf("sent %u ok %u wrong %u errors %u elapsed_ms %" G_GINT64_FORMAT "\n", count, b.ok,
               b.wrong, b.errors, (g_get_monotonic_time() - start) / 1000);
        return b.ok == count ? 0 : 1;
}

int main(int argc, char **argv) {
        if (argc >= 4 && strcmp(argv[1], "call") == 0)
                return do_call(argv[2], argv[3]);
        if (argc >= 5 && strcmp(argv[1], "burst") == 0)
                return do_burst(argc, argv);
        fprintf(stderr, "usage: %s call METHOD 'GVARIANT-TUPLE'\n"
                        "       %s burst BASE COUNT EXPECT|self [FLAGS_MASK] [CONNECTIONS] [NO_CACHE]\n",
                argv[0], argv[0]);
        return 2;
}
