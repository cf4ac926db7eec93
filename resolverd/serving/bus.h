/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus.h: the D-Bus face of the daemon (org.aarp.Resolve1.Manager), served
 * on the system bus and on a peer-to-peer socket in the runtime directory.
 * Argument validation, per-user limits and policy, marshalling; the work
 * is done by the Resolver and Names.  Every argument is checked before
 * either sees it, and bad input is answered with a named
 * org.aarp.Resolve1.Error.*, never an assertion.  The files behind it are
 * listed in bus-private.h.
 */
#pragma once

#include <gio/gio.h>

#include "introspect.h"
#include "names.h"
#include "resolver.h"

typedef struct Bus Bus;

/* Called when the daemon can no longer serve (bus connection lost, name
 * taken by another instance, or refused by the bus policy; @why says which);
 * the daemon exits for its supervisor. */
typedef void (*BusFatalCallback)(const char *why, gpointer user_data);

/* Connect to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured), export the
 * manager, request the bus name, and listen on @runtime_dir/io.socket.
 * @resolver, @names and @config are borrowed. NULL with @error on failure. */
Bus *bus_new(Resolver *resolver, Names *names, const Config *config, const char *runtime_dir,
             BusFatalCallback fatal, gpointer user_data, GError **error);

/* The same without the system bus: io.socket only.  For the tests and fuzz
 * targets that drive the whole io.socket path without a bus daemon. */
Bus *bus_new_peer_only(Resolver *resolver, Names *names, const Config *config, const char *runtime_dir,
                       BusFatalCallback fatal, gpointer user_data, GError **error);

/* Apply a reloaded configuration (per-user limits); @config is borrowed. */
void bus_set_config(Bus *b, const Config *config);
/* What GetStatus reports of the DNS stub listener (OFF until set); the
 * address is copied. */
void bus_set_stub_state(Bus *b, IntrospectStubState state, const struct in_addr *address);
void bus_free(Bus *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Bus, bus_free)
