/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon.c: the Daemon object (see daemon.h).  The only file that knows
 * every layer: it wires the engines to the serving layer and to the
 * network watch, and owns their lifetimes.
 */
#include <glib-unix.h>
#include <stdlib.h>

#include "aarp-def.h"
#include "bus.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "names.h"
#include "netlink.h"
#include "nscd.h"
#include "resolver.h"
#include "snapshot.h"
#include "stub.h"

#include "aarp-build.h"

struct Daemon {
        GMainLoop *loop;
        char *config_path;
        char *runtime_dir;
        Config *config;
        Resolver *resolver;
        NetlinkWatch *netlink;
        Names *names;
        Snapshot *snapshot;
        NscdFlush *nscd;
        Bus *bus;
        Stub *stub;
        guint signal_ids[3];
        int exit_code;
        GLogLevelFlags forced_level; /* 0: LogLevel= decides */
};

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
                names_set_snapshot(d->names, NULL);
                g_clear_pointer(&d->snapshot, snapshot_free);
        }
        if (d->snapshot)
                names_set_snapshot(d->names, d->snapshot);
}

/* Tell nscd about dropped answers through NscdSocket= (nscd.h). */
static void apply_nscd_config(Daemon *d, const Config *c) {
        g_autofree char *trigger = g_build_filename(d->runtime_dir, "nscd-invalidate", NULL);

        names_set_nscd(d->names, NULL);
        g_clear_pointer(&d->nscd, nscd_flush_free);
        if (c->nscd_socket)
                d->nscd = nscd_flush_new(c->nscd_socket, trigger);
        names_set_nscd(d->names, d->nscd);
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
        bus_set_config(d->bus, c);
        apply_snapshot_config(d, c);
        apply_nscd_config(d, c);
        if (d->stub)
                stub_set_config(d->stub, c);
        else if (c->dns_stub_listener)
                g_warning("DNSStubListener=yes takes effect at restart");
        config_free(d->config);
        d->config = c;
        log_set_threshold(d->forced_level ? d->forced_level : c->log_level);
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

Daemon *daemon_new(const char *config_path, GLogLevelFlags forced_level, const char *runtime_dir,
                   GError **error) {
        g_autoptr(Daemon) d = g_new0(Daemon, 1);

        d->exit_code = EXIT_SUCCESS;
        d->forced_level = forced_level;
        d->config_path = g_strdup(config_path);
        d->runtime_dir = g_strdup(runtime_dir);
        d->loop = g_main_loop_new(NULL, FALSE);
        d->config = config_load(d->config_path, error);
        if (!d->config)
                return NULL;
        if (!forced_level)
                log_set_threshold(d->config->log_level);
        d->resolver = resolver_new(d->config, error);
        if (!d->resolver)
                return NULL;
        d->netlink = netlink_watch_new(on_network_change, d, error);
        if (!d->netlink)
                return NULL;
        d->names = names_new(d->resolver, "/etc/hosts", "/etc/resolv.conf", error);
        if (!d->names)
                return NULL;
        resolver_set_changed_callback(d->resolver, on_members_changed, d);
        apply_snapshot_config(d, d->config);
        apply_nscd_config(d, d->config);
        d->bus = bus_new(d->resolver, d->names, d->config, d->runtime_dir, on_fatal, d, error);
        if (!d->bus)
                return NULL;
        if (d->config->dns_stub_listener) {
                g_autoptr(GError) stub_error = NULL;

                /* Opt-in, and not fatal: name resolution over D-Bus works
                 * without it. */
                d->stub = stub_new(d->resolver, d->config, "/etc/resolv.conf", d->runtime_dir, &stub_error);
                if (!d->stub)
                        g_warning("DNS stub listener disabled: %s", stub_error->message);
                bus_set_stub_state(d->bus, d->stub ? INTROSPECT_STUB_LISTENING : INTROSPECT_STUB_FAILED,
                                   &d->config->dns_stub_listener_address);
        }
        d->signal_ids[0] = g_unix_signal_add(SIGTERM, on_term, d);
        d->signal_ids[1] = g_unix_signal_add(SIGINT, on_term, d);
        d->signal_ids[2] = g_unix_signal_add(SIGHUP, on_hup, d);
        return g_steal_pointer(&d);
}

int daemon_run(Daemon *d) {
        g_message("aarp-resolved %s running (config %s, runtime directory %s)", PACKAGE_VERSION,
                  d->config_path, d->runtime_dir);
        g_main_loop_run(d->loop);
        return d->exit_code;
}

void daemon_free(Daemon *d) {
        if (!d)
                return;
        for (unsigned i = 0; i < G_N_ELEMENTS(d->signal_ids); i++)
                if (d->signal_ids[i])
                        g_source_remove(d->signal_ids[i]);
        /* Names first: it fails its lookups in flight, and their replies
         * still need the bus connections. */
        if (d->names) {
                names_set_snapshot(d->names, NULL);
                names_set_nscd(d->names, NULL);
        }
        g_clear_pointer(&d->nscd, nscd_flush_free);
        g_clear_pointer(&d->snapshot, snapshot_free);
        /* Before the resolver: its mappings may still be pending. */
        g_clear_pointer(&d->stub, stub_free);
        g_clear_pointer(&d->names, names_free);
        /* Callers waiting for a probe get an answer while the bus that
         * carries it still exists. */
        if (d->resolver)
                resolver_cancel(d->resolver);
        g_clear_pointer(&d->bus, bus_free);
        g_clear_pointer(&d->netlink, netlink_watch_free);
        g_clear_pointer(&d->resolver, resolver_free);
        g_clear_pointer(&d->config, config_free);
        g_free(d->config_path);
        g_free(d->runtime_dir);
        g_main_loop_unref(d->loop);
        g_free(d);
}
