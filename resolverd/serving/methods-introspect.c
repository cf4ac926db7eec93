/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * methods-introspect.c: the methods that show the daemon's state --
 * GetStatus (anyone), ShowCache (root only) and Monitor (system bus only)
 * -- and the hook through which every finished resolution reaches the
 * monitors (introspect.c reads the state, monitor.c keeps the
 * subscribers).
 */
#include "aarp-def.h"
#include "bus-private.h"
#include "errors.h"

void method_get_status(Call *c) {
        call_return(c, introspect_status(c->bus->config, c->bus->resolver, c->bus->names, c->bus->runtime_dir,
                                         c->bus->stub_state, &c->bus->stub_address));
}

/* Root only, on both transports: the caches show what every user looked
 * up. */
void method_show_cache(Call *c) {
        if (!call_require_root(c))
                return;
        call_return(c, introspect_cache(c->bus->resolver, c->bus->names));
}

/* The system bus only: io.socket has no bus name to watch, and its
 * connections belong to the NSS module's lookups, not to a monitor. */
void method_monitor(Call *c) {
        g_autoptr(GError) error = NULL;

        if (!c->invocation || !c->bus->monitor) {
                call_return_new_error(c, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED, "Monitor needs the system bus");
                return;
        }
        if (!monitor_subscribe(c->bus->monitor, g_dbus_method_invocation_get_sender(c->invocation), c->uid,
                               &error)) {
                call_return_error(c, error);
                return;
        }
        call_return(c, g_variant_new("()"));
}

MonitorEvent *call_note_begin(Call *c, const char *method, const void *address) {
        MonitorEvent *e = monitor_event_new(c->bus->monitor, c->uid, method);

        if (address)
                monitor_event_set_query_address(e, address, 16);
        else if (c->name)
                monitor_event_set_query_name(e, c->name);
        else
                monitor_event_set_query_address(e, c->address, c->address_len);
        return e;
}

void call_note_end(Call *c, MonitorEvent *e, guint64 flags, guint32 ttl_sec, guint64 rtt_usec, const GError *error) {
        monitor_event_finish(c->bus->monitor, e, flags, ttl_sec, rtt_usec, error);
}

void bus_set_stub_state(Bus *b, IntrospectStubState state, const struct in_addr *address) {
        b->stub_state = state;
        if (address)
                b->stub_address = *address;
}
