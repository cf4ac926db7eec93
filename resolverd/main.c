/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c: aarp-resolved's entry point.  Wiring only: options, configuration,
 * signals, and the lifetime of the resolver, netlink watch and bus.
 */
#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "aarp-def.h"
#include "bus.h"
#include "config.h"
#include "log.h"
#include "names.h"
#include "netlink.h"
#include "resolver.h"
#include "snapshot.h"
#include "stub.h"

#include "aarp-build.h"

/* libnss_aarp looks this symbol up (the executable is linked with
 * export_dynamic) to know it runs inside the daemon, which must never
 * resolve through its own NSS module. */
__attribute__((visibility("default"), used)) const int aarp_resolved_self_marker = 1;

typedef struct {
        GMainLoop *loop;
        char *config_path;
        Config *config;
        Resolver *resolver;
        Names *names;
        Bus *bus;
        Snapshot *snapshot;
        Stub *stub;
        char *runtime_dir;
        int exit_code;
        gboolean log_level_forced;
        GLogLevelFlags forced_level;
} Daemon;

static gboolean on_term(gpointer user_data) {
        Daemon *d = user_data;

        g_message("shutting down");
        g_main_loop_quit(d->loop);
        return G_SOURCE_CONTINUE;
}

/* Start or stop publishing names.snapshot as PublishSnapshot= says. */
static void apply_snapshot_config(Daemon *d, const Config *c) {
        g_autoptr(GError) error = NULL;

        if (c->publish_snapshot && !d->snapshot) {
                d->snapshot = snapshot_new(d->runtime_dir, &error);
                if (!d->snapshot)
                        g_warning("not publishing answers: %s", error->message);
        } else if (!c->publish_snapshot && d->snapshot) {
                if (d->names)
                        names_set_snapshot(d->names, NULL);
                g_clear_pointer(&d->snapshot, snapshot_free);
        }
        if (d->names && d->snapshot)
                names_set_snapshot(d->names, d->snapshot);
}

static gboolean on_hup(gpointer user_data) {
        Daemon *d = user_data;
        g_autoptr(GError) error = NULL;
        Config *c = config_load(d->config_path, &error);

        if (!c) {
                g_warning("reload failed, keeping the old configuration: %s", error->message);
                return G_SOURCE_CONTINUE;
        }
        resolver_set_config(d->resolver, c);
        if (d->bus)
                bus_set_config(d->bus, c);
        apply_snapshot_config(d, c);
        if (d->stub)
                stub_set_config(d->stub, c);
        else if (c->dns_stub_listener)
                g_warning("DNSStubListener=yes takes effect at restart");
        config_free(d->config);
        d->config = c;
        log_set_threshold(d->log_level_forced ? d->forced_level : c->log_level);
        g_message("configuration reloaded from %s (ProbeTimeout=%" G_GUINT32_FORMAT "ms, ProbeRetries=%" G_GUINT32_FORMAT ")",
                  d->config_path, c->probe_timeout_msec, c->probe_retries);
        return G_SOURCE_CONTINUE;
}

static void on_fatal(const char *why, gpointer user_data) {
        Daemon *d = user_data;

        g_critical("%s; exiting", why);
        d->exit_code = EXIT_FAILURE;
        g_main_loop_quit(d->loop);
}

/* A member set changed under cached host names that were built from it:
 * those names only (anyone can cause a re-probe, so a change must not cost
 * every user every cached name). */
static void on_members_changed(int ifindex, const struct in6_addr *address, gpointer user_data) {
        Daemon *d = user_data;

        if (d->names)
                names_invalidate_address(d->names, address);
}

static void on_network_change(gpointer user_data) {
        Daemon *d = user_data;

        g_info("routes or addresses changed: caches invalidated");
        resolver_invalidate(d->resolver);
        /* Cached names hold mapped members: they may have moved too. */
        if (d->names)
                names_flush(d->names);
        if (d->stub)
                stub_invalidate(d->stub);
}

int main(int argc, char **argv) {
        g_autofree char *config_path = NULL, *log_level = NULL;
        gboolean version = FALSE;
        GOptionEntry entries[] = {
                { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
                  "Configuration file (default " AARP_CONFIG_FILE_DEFAULT ")", "PATH" },
                { "log-level", 'l', 0, G_OPTION_ARG_STRING, &log_level,
                  "Log threshold: err, warning, notice, info, debug (overrides LogLevel=)", "LEVEL" },
                { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
                { NULL },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- AARP anycast address resolver daemon");
        g_autoptr(GError) error = NULL;
        g_autoptr(NetlinkWatch) netlink = NULL;
        g_autoptr(Names) names = NULL;
        g_autoptr(Bus) bus = NULL;
        Daemon d = { .exit_code = EXIT_SUCCESS };
        const char *runtime_dir;

        setlocale(LC_ALL, "");
        /* Children (none today) and any library that might reach NSS must
         * never come back into libnss_aarp. */
        g_setenv("AARP_NSS_BYPASS", "1", TRUE);

        g_option_context_add_main_entries(ctx, entries, NULL);
        g_option_context_set_summary(ctx, "Resolves IPv6 anycast addresses to the unicast address of their\n"
                                          "nearest member by ICMPv6 echo, caches the answers and serves\n"
                                          "them on D-Bus as " AARP_BUS_NAME ".");
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                fprintf(stderr, "aarp-resolved: %s\n", error->message);
                return 2;
        }
        if (version) {
                printf("aarp-resolved %s\n", PACKAGE_VERSION);
                return 0;
        }
        if (argc > 1) {
                fprintf(stderr, "aarp-resolved: unexpected argument '%s'\n", argv[1]);
                return 2;
        }
        if (log_level) {
                if (!log_parse_level(log_level, &d.forced_level)) {
                        fprintf(stderr, "aarp-resolved: unknown log level '%s'\n", log_level);
                        return 2;
                }
                d.log_level_forced = TRUE;
        }
        log_setup(d.log_level_forced ? d.forced_level : G_LOG_LEVEL_INFO);

        d.config_path = config_path ? config_path : g_strdup(AARP_CONFIG_FILE_DEFAULT);
        config_path = NULL;
        d.config = config_load(d.config_path, &error);
        if (!d.config) {
                g_critical("%s", error->message);
                g_free(d.config_path);
                return EXIT_FAILURE;
        }
        if (!d.log_level_forced)
                log_set_threshold(d.config->log_level);

        runtime_dir = g_getenv(AARP_RUNTIME_DIR_ENV);
        if (!runtime_dir || !*runtime_dir)
                runtime_dir = AARP_RUNTIME_DIR_DEFAULT;

        d.loop = g_main_loop_new(NULL, FALSE);
        d.resolver = resolver_new(d.config, &error);
        if (!d.resolver) {
                g_critical("%s", error->message);
                d.exit_code = EXIT_FAILURE;
                goto out;
        }
        netlink = netlink_watch_new(on_network_change, &d, &error);
        if (!netlink) {
                g_critical("%s", error->message);
                d.exit_code = EXIT_FAILURE;
                goto out;
        }
        names = names_new(d.resolver, "/etc/hosts", "/etc/resolv.conf", &error);
        if (!names) {
                g_critical("%s", error->message);
                d.exit_code = EXIT_FAILURE;
                goto out;
        }
        d.names = names;
        resolver_set_changed_callback(d.resolver, on_members_changed, &d);
        d.runtime_dir = g_strdup(runtime_dir);
        apply_snapshot_config(&d, d.config);
        bus = bus_new(d.resolver, names, d.config, runtime_dir, on_fatal, &d, &error);
        if (!bus) {
                g_critical("%s", error->message);
                d.exit_code = EXIT_FAILURE;
                goto out;
        }

        d.bus = bus;
        if (d.config->dns_stub_listener) {
                /* Opt-in, and not fatal: name resolution over D-Bus works
                 * without it. */
                d.stub = stub_new(d.resolver, d.config, "/etc/resolv.conf", runtime_dir, &error);
                if (!d.stub) {
                        g_warning("DNS stub listener disabled: %s", error->message);
                        g_clear_error(&error);
                }
                bus_set_stub_state(bus, d.stub ? INTROSPECT_STUB_LISTENING : INTROSPECT_STUB_FAILED,
                                   &d.config->dns_stub_listener_address);
        }
        g_unix_signal_add(SIGTERM, on_term, &d);
        g_unix_signal_add(SIGINT, on_term, &d);
        g_unix_signal_add(SIGHUP, on_hup, &d);

        g_message("aarp-resolved %s running (config %s, runtime directory %s)", PACKAGE_VERSION,
                  d.config_path, runtime_dir);
        g_main_loop_run(d.loop);

out:
        /* Names first: it fails its lookups in flight, and their replies
         * still need the bus connections. */
        if (names)
                names_set_snapshot(names, NULL);
        g_clear_pointer(&d.snapshot, snapshot_free);
        /* Before the resolver: its mappings may still be pending. */
        g_clear_pointer(&d.stub, stub_free);
        d.names = NULL;
        d.bus = NULL;
        g_clear_pointer(&names, names_free);
        /* Callers waiting for a probe get an answer while the bus that
         * carries it still exists. */
        if (d.resolver)
                resolver_cancel(d.resolver);
        g_clear_pointer(&bus, bus_free);
        g_clear_pointer(&netlink, netlink_watch_free);
        resolver_free(d.resolver);
        config_free(d.config);
        g_free(d.config_path);
        g_free(d.runtime_dir);
        g_main_loop_unref(d.loop);
        return d.exit_code;
}
